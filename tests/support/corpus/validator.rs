//! Judges a concrete HTTP request by its operation's own schemas, as an
//! OpenAPI request validator in front of a handler would: path, query,
//! header and cookie parameters (deserialized by their `style`, each raw
//! string read as whichever JSON type its schema admits), and the body by
//! its media type (JSON, form, multipart, text, binary).
//!
//! ```text
//! PUT /repos/o/r/actions/workflows/not-an-integer/disable
//!     workflow_id: oneOf [integer, string]   → Valid ("not-an-integer" is a string)
//! POST /pets  body {"rollcall":              → Invalid("body (application/json) is not JSON: …")
//! ```
//!
//! Schemas are checked by the `jsonschema` crate (draft 2020-12, formats
//! asserted) against the whole contract, registered once, so `$ref`s into
//! `components` (or Swagger's `definitions`) resolve. OpenAPI 3.0 (and
//! Swagger 2.0, which rollcall rewrites into the 3.0 shape) differs from
//! 2020-12 in ways translated first: `nullable: true` (and `x-nullable`)
//! admits `null`, boolean `exclusiveMinimum`/`exclusiveMaximum` turn into
//! 2020-12's numeric ones, siblings of a `$ref` are ignored, and a
//! `readOnly` property is not required in a request. Anything the crate
//! cannot compile (a type name JSON Schema lacks, a malformed keyword) is
//! left out, and a schema whose `pattern` its regex engine refuses is
//! compiled again without patterns; one that still does not compile makes
//! that part [`Judgement::Unknown`]: callers decide how to count it.
//!
//! Where the reading is ambiguous the validator leans towards "valid": a
//! request one common reading accepts is a request a correct handler may
//! act on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::{Draft, Registry, Validator};
use percent_encoding::percent_decode_str;
use rollcall::contract::{Contract, MediaType, Operation, ParamLocation, Parameter};
use serde_json::{Map, Value, json};

/// The base URI the contract is registered under.
const BASE: &str = "urn:rollcall:contract";

/// A request as it reaches the server, relative to the API's base path.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The path as sent (percent-encoded), relative to the base path, no query.
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl<'a> Request<'a> {
    /// Splits `path_and_query` (as rollcall plans it) into path and query.
    pub fn planned(
        path_and_query: &'a str,
        headers: &'a [(String, String)],
        body: &'a [u8],
    ) -> Request<'a> {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path_and_query, None),
        };
        Request {
            path,
            query,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the validator makes of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// The operation's schemas accept it: a correct handler acts on it.
    Valid,
    /// It breaks the contract; the reason names the part and the rule.
    Invalid(String),
    /// A schema it needs could not be compiled (the reason says which).
    Unknown(String),
}

/// How the contract's schemas are turned into 2020-12.
#[derive(Debug, Clone, Copy)]
struct Conversion {
    dialect: Dialect,
    /// Whether `pattern`s are kept.
    patterns: bool,
}

impl Conversion {
    fn strict(dialect: Dialect) -> Conversion {
        Conversion {
            dialect,
            patterns: true,
        }
    }
}

/// The whole contract, converted, as the one resource `$ref`s resolve in.
fn register(contract: &Contract, conversion: Conversion) -> Registry<'static> {
    let document = contract.document.as_ref();
    Registry::new()
        .add(
            BASE,
            Draft::Draft202012.create_resource(convert(document, conversion, document)),
        )
        .and_then(|builder| builder.prepare())
        .unwrap_or_else(|error| panic!("{}: cannot register: {error}", contract.source))
}

/// JSON Schema dialect of the contract's schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// OpenAPI 3.0 (and Swagger 2.0): a superset of a subset of draft 4/5.
    OpenApi30,
    /// OpenAPI 3.1 and later: JSON Schema 2020-12.
    OpenApi31,
}

/// One contract's request validator; compiled schemas are cached per operation part.
pub struct RequestValidator {
    contract: Arc<Contract>,
    dialect: Dialect,
    registry: Registry<'static>,
    /// The same document without `pattern`s, for schemas whose patterns the
    /// crate's regex engine refuses (`\p{XDigit}`, `[\d-_]`): built on first need.
    lenient: OnceLock<Registry<'static>>,
    templates: Vec<Template>,
    compiled: Mutex<HashMap<String, Arc<Result<Validator, String>>>>,
}

impl RequestValidator {
    pub fn new(contract: Arc<Contract>) -> RequestValidator {
        let dialect = if contract.spec_version.starts_with("3.0") {
            Dialect::OpenApi30
        } else {
            Dialect::OpenApi31
        };
        let registry = register(&contract, Conversion::strict(dialect));
        let templates = contract
            .operations
            .iter()
            .map(|op| Template::parse(&op.path))
            .collect();
        RequestValidator {
            contract,
            dialect,
            registry,
            lenient: OnceLock::new(),
            templates,
            compiled: Mutex::new(HashMap::new()),
        }
    }

    pub fn contract(&self) -> &Contract {
        &self.contract
    }

    /// The path template of operation `index`, parsed.
    pub fn template(&self, index: usize) -> &Template {
        &self.templates[index]
    }

    /// Judges `request` as a request for operation `index` (whose path
    /// template it must match; a path that does not is invalid).
    pub fn check(&self, index: usize, request: &Request<'_>) -> Judgement {
        let operation = &self.contract.operations[index];
        let segments = split_path(request.path);
        let Some(path_values) = self.templates[index].matches(&segments) else {
            return Judgement::Invalid(format!(
                "path {} does not match {}",
                request.path, operation.path
            ));
        };
        let query = parse_pairs(request.query.unwrap_or(""));
        let cookies = cookie_pairs(request.header("cookie").unwrap_or(""));
        let mut unknown = None;
        for (position, parameter) in operation.parameters.iter().enumerate() {
            let raw = match parameter.location {
                ParamLocation::Path => path_values
                    .iter()
                    .find(|(name, _)| *name == parameter.name)
                    .map(|(_, value)| Raw::Text(value.clone())),
                // A flag (`enum: [true]`) is sent bare, `?acl`: its presence
                // is its value.
                ParamLocation::Query => {
                    query_raw(&self.contract.document, parameter, operation, &query).map(|raw| {
                        match raw {
                            Raw::Text(text)
                                if text.is_empty()
                                    && rollcall::plan::serialize::is_flag(
                                        &self.contract.document,
                                        parameter,
                                    ) =>
                            {
                                Raw::Text("true".into())
                            }
                            other => other,
                        }
                    })
                }
                ParamLocation::Header => {
                    let name = parameter.name.to_ascii_lowercase();
                    if ["accept", "content-type", "authorization"].contains(&name.as_str()) {
                        continue;
                    }
                    request
                        .header(&parameter.name)
                        .map(|v| Raw::Text(v.to_string()))
                }
                ParamLocation::Cookie => cookies
                    .iter()
                    .find(|(name, _)| *name == parameter.name)
                    .map(|(_, v)| Raw::Text(v.clone())),
            };
            let place = location_name(parameter.location);
            let Some(raw) = raw else {
                if parameter.required || parameter.location == ParamLocation::Path {
                    return Judgement::Invalid(format!(
                        "{place} parameter '{}' is required and missing",
                        parameter.name
                    ));
                }
                continue;
            };
            match self.check_parameter(index, position, parameter, &raw) {
                Judgement::Valid => {}
                Judgement::Invalid(reason) => {
                    return Judgement::Invalid(format!(
                        "{place} parameter '{}' {reason}",
                        parameter.name
                    ));
                }
                Judgement::Unknown(reason) => unknown = Some(reason),
            }
        }
        match self.check_body(index, operation, request) {
            Judgement::Valid => {}
            other => return other,
        }
        match unknown {
            Some(reason) => Judgement::Unknown(reason),
            None => Judgement::Valid,
        }
    }

    fn check_parameter(
        &self,
        index: usize,
        position: usize,
        parameter: &Parameter,
        raw: &Raw,
    ) -> Judgement {
        let key = format!("{index}/parameter/{position}");
        if let Some(content) = &parameter.content {
            let Raw::Text(text) = raw else {
                return Judgement::Invalid("is sent as several values".into());
            };
            let value = if is_json(&content.media_type) {
                match serde_json::from_str::<Value>(text) {
                    Ok(value) => value,
                    Err(error) => return Judgement::Invalid(format!("is not JSON: {error}")),
                }
            } else {
                Value::String(text.clone())
            };
            return match content.schema(&self.contract.document) {
                Some(schema) => self.first_valid(&key, schema, &[value]),
                None => Judgement::Valid,
            };
        }
        let document = self.contract.document.as_ref();
        let Some(schema) = parameter.schema(document) else {
            return Judgement::Valid;
        };
        let types = admitted_types(document, schema, 0);
        let candidates = candidates(parameter, raw, &types);
        self.first_valid(&key, schema, &candidates)
    }

    /// Valid when any candidate reading of the value passes the schema.
    fn first_valid(&self, key: &str, schema: &Value, candidates: &[Value]) -> Judgement {
        let validator = self.compiled(key, schema);
        let validator = match validator.as_ref() {
            Ok(validator) => validator,
            Err(error) => return Judgement::Unknown(format!("{key}: {error}")),
        };
        let mut first_error = None;
        for candidate in candidates {
            match validator.validate(candidate) {
                Ok(()) => return Judgement::Valid,
                Err(error) => {
                    first_error.get_or_insert_with(|| {
                        let at = error.instance_path().to_string();
                        let value = excerpt(candidate);
                        if at.is_empty() {
                            format!("{value}: {error}")
                        } else {
                            format!("{value} at {at}: {error}")
                        }
                    });
                }
            }
        }
        Judgement::Invalid(first_error.unwrap_or_else(|| "has no value".into()))
    }

    fn compiled(&self, key: &str, schema: &Value) -> Arc<Result<Validator, String>> {
        if let Some(found) = self.compiled.lock().expect("lock").get(key) {
            return Arc::clone(found);
        }
        let document = self.contract.document.as_ref();
        let build = |conversion: Conversion, registry: &Registry<'static>| {
            jsonschema::options()
                .with_draft(Draft::Draft202012)
                .with_registry(registry)
                .should_validate_formats(true)
                .build(&convert(schema, conversion, document))
                .map_err(|error| format!("schema does not compile: {error}"))
        };
        let strict = Conversion::strict(self.dialect);
        let built = build(strict, &self.registry).or_else(|_| {
            let lenient = Conversion {
                patterns: false,
                ..strict
            };
            let registry = self
                .lenient
                .get_or_init(|| register(&self.contract, lenient));
            build(lenient, registry)
        });
        let built = Arc::new(built);
        self.compiled
            .lock()
            .expect("lock")
            .insert(key.to_string(), Arc::clone(&built));
        built
    }

    fn check_body(&self, index: usize, operation: &Operation, request: &Request<'_>) -> Judgement {
        let Some(declared) = &operation.request_body else {
            return Judgement::Valid;
        };
        if declared.content.is_empty() {
            return if request.body.is_empty() && declared.required {
                Judgement::Invalid("required body is missing".into())
            } else {
                Judgement::Valid
            };
        }
        let sent_type = request.header("content-type").map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
        if request.body.is_empty() {
            if !declared.required {
                return Judgement::Valid;
            }
            // A bodiless request carries the empty payload of whichever declared
            // media type accepts one (or of the type it names).
            let mut reasons = Vec::new();
            for (position, media) in declared.content.iter().enumerate() {
                if let Some(sent) = &sent_type
                    && !media_matches(&media.media_type, sent)
                {
                    continue;
                }
                match self.check_payload(index, position, media, &media.media_type, b"", request) {
                    Judgement::Valid => return Judgement::Valid,
                    Judgement::Invalid(reason) | Judgement::Unknown(reason) => reasons.push(reason),
                }
            }
            return Judgement::Invalid(format!(
                "required body is missing ({})",
                if reasons.is_empty() {
                    "no declared media type is sent".to_string()
                } else {
                    reasons.join("; ")
                }
            ));
        }
        let Some(sent) = sent_type else {
            return Judgement::Invalid("a body without Content-Type".into());
        };
        let Some((position, media)) = declared
            .content
            .iter()
            .enumerate()
            .find(|(_, m)| media_matches(&m.media_type, &sent))
        else {
            let declared: Vec<&str> = declared
                .content
                .iter()
                .map(|m| m.media_type.as_str())
                .collect();
            return Judgement::Invalid(format!(
                "body is {sent}, not one of {}",
                declared.join(", ")
            ));
        };
        self.check_payload(index, position, media, &sent, request.body, request)
    }

    /// The body `bytes`, sent as `sent` (a media type matching `media`).
    fn check_payload(
        &self,
        index: usize,
        position: usize,
        media: &MediaType,
        sent: &str,
        bytes: &[u8],
        request: &Request<'_>,
    ) -> Judgement {
        let key = format!("{index}/body/{position}");
        let essence = sent.to_ascii_lowercase();
        let document = self.contract.document.as_ref();
        let candidates: Vec<Value> = if is_json(&essence) {
            match serde_json::from_slice::<Value>(bytes) {
                Ok(value) => vec![value],
                Err(error) => {
                    return Judgement::Invalid(format!("body ({sent}) is not JSON: {error}"));
                }
            }
        } else if essence == "application/x-www-form-urlencoded" {
            let pairs = parse_pairs(&String::from_utf8_lossy(bytes));
            form_candidates(&pairs, media.schema(document), document)
        } else if essence.starts_with("multipart/") {
            let boundary = request.header("content-type").and_then(boundary_of);
            let pairs = match boundary {
                Some(boundary) => match multipart_pairs(bytes, &boundary) {
                    Some(pairs) => pairs,
                    None => {
                        return Judgement::Invalid(format!("body ({sent}) is not multipart"));
                    }
                },
                None if bytes.is_empty() => Vec::new(),
                None => return Judgement::Invalid(format!("body ({sent}) has no boundary")),
            };
            form_candidates(&pairs, media.schema(document), document)
        } else if essence.contains("xml") {
            // An XML document has a root element, so an empty body is not
            // one; past that, its schema describes the decoded document,
            // which no handler sees as a JSON value: any element passes.
            let text = String::from_utf8_lossy(bytes);
            return if text.trim_start().starts_with('<') {
                Judgement::Valid
            } else {
                Judgement::Invalid(format!("body ({sent}) is not XML"))
            };
        } else if essence.starts_with("text/") {
            vec![Value::String(String::from_utf8_lossy(bytes).into_owned())]
        } else {
            // Binary payloads: any bytes are an instance of `format: binary`.
            return Judgement::Valid;
        };
        let Some(schema) = media.schema(document) else {
            return Judgement::Valid;
        };
        match self.first_valid(&key, schema, &candidates) {
            Judgement::Invalid(reason) => Judgement::Invalid(format!("body ({sent}): {reason}")),
            other => other,
        }
    }
}

fn location_name(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}

fn excerpt(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 80 {
        let mut end = 77;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &text[..end])
    } else {
        text
    }
}

pub fn is_json(media_type: &str) -> bool {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json") || essence == "text/json"
}

/// Whether a sent media type is one the declared key (`application/json`,
/// `image/*`, `*/*`) covers.
fn media_matches(declared: &str, sent: &str) -> bool {
    let declared = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if declared == sent || declared == "*/*" || declared.is_empty() {
        return true;
    }
    match declared.split_once('/') {
        Some((kind, "*")) => sent.split('/').next() == Some(kind),
        _ => false,
    }
}

fn boundary_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|part| {
        let (name, value) = part.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// The named parts of a multipart body, each as text.
fn multipart_pairs(bytes: &[u8], boundary: &str) -> Option<Vec<(String, String)>> {
    let text = String::from_utf8_lossy(bytes);
    let delimiter = format!("--{boundary}");
    let mut pairs = Vec::new();
    let mut parts = text.split(delimiter.as_str());
    parts.next()?;
    for part in parts {
        if part.starts_with("--") {
            return Some(pairs);
        }
        let part = part.strip_prefix("\r\n").unwrap_or(part);
        let (head, content) = part.split_once("\r\n\r\n")?;
        let content = content.strip_suffix("\r\n").unwrap_or(content);
        let name = head.lines().find_map(|line| {
            let (header, value) = line.split_once(':')?;
            if !header.trim().eq_ignore_ascii_case("content-disposition") {
                return None;
            }
            value.split(';').find_map(|p| {
                let (k, v) = p.split_once('=')?;
                (k.trim() == "name").then(|| v.trim().trim_matches('"').to_string())
            })
        })?;
        pairs.push((name, content.to_string()));
    }
    None
}

/// `a=1&b=x+y` → pairs, percent- and `+`-decoded.
pub fn parse_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(name), form_decode(value))
        })
        .collect()
}

fn form_decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

fn cookie_pairs(header: &str) -> Vec<(String, String)> {
    header
        .split(';')
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            Some((name.trim().to_string(), value.trim().to_string()))
        })
        .collect()
}

/// `/a/b%2Fc/` → `["", "a", "b/c", ""]`… without the leading empty segment.
pub fn split_path(path: &str) -> Vec<String> {
    path.strip_prefix('/')
        .unwrap_or(path)
        .split('/')
        .map(|segment| percent_decode_str(segment).decode_utf8_lossy().into_owned())
        .collect()
}

/// A parameter's value as the request carries it.
#[derive(Debug, Clone)]
enum Raw {
    Text(String),
    /// Repeated query keys (`tag=a&tag=b`).
    Repeated(Vec<String>),
    /// An exploded object's properties (`form` explode, `deepObject`).
    Object(Vec<(String, String)>),
}

fn query_raw(
    document: &Value,
    parameter: &Parameter,
    operation: &Operation,
    query: &[(String, String)],
) -> Option<Raw> {
    let style = parameter.style.as_deref().unwrap_or("form");
    let explode = parameter.explode.unwrap_or(style == "form");
    if style == "deepObject" {
        let prefix = format!("{}[", parameter.name);
        let properties: Vec<(String, String)> = query
            .iter()
            .filter_map(|(name, value)| {
                let key = name.strip_prefix(&prefix)?.strip_suffix(']')?;
                Some((key.to_string(), value.clone()))
            })
            .collect();
        return (!properties.is_empty()).then_some(Raw::Object(properties));
    }
    let values: Vec<String> = query
        .iter()
        .filter(|(name, _)| *name == parameter.name)
        .map(|(_, v)| v.clone())
        .collect();
    if !values.is_empty() {
        return Some(if values.len() == 1 {
            Raw::Text(values[0].clone())
        } else {
            Raw::Repeated(values)
        });
    }
    let is_object = parameter
        .schema(document)
        .is_some_and(|s| s.get("properties").is_some() || s.get("$ref").is_some());
    if style == "form" && explode && is_object {
        // An exploded object: its properties are keys of their own; any key
        // no other query parameter declares may be one.
        let others: Vec<&str> = operation
            .parameters
            .iter()
            .filter(|p| p.location == ParamLocation::Query)
            .map(|p| p.name.as_str())
            .collect();
        let properties: Vec<(String, String)> = query
            .iter()
            .filter(|(name, _)| !others.contains(&name.as_str()))
            .cloned()
            .collect();
        // A required object with no property set is the empty object.
        return (parameter.required || !properties.is_empty()).then_some(Raw::Object(properties));
    }
    None
}

/// The JSON types a schema admits (all of them when it says nothing).
fn admitted_types(document: &Value, schema: &Value, depth: usize) -> Vec<&'static str> {
    const ALL: [&str; 7] = [
        "string", "integer", "number", "boolean", "array", "object", "null",
    ];
    if depth > 16 {
        return ALL.to_vec();
    }
    let Some(map) = schema.as_object() else {
        return ALL.to_vec();
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        return match reference
            .strip_prefix('#')
            .and_then(|pointer| document.pointer(pointer))
        {
            Some(target) => admitted_types(document, target, depth + 1),
            None => ALL.to_vec(),
        };
    }
    let mut types: Vec<&'static str> = Vec::new();
    let mut add = |name: &str| {
        if let Some(known) = ALL.iter().find(|t| **t == name)
            && !types.contains(known)
        {
            types.push(known);
        }
    };
    match map.get("type") {
        Some(Value::String(name)) => add(name),
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).for_each(&mut add),
        _ => {}
    }
    for keyword in ["oneOf", "anyOf", "allOf"] {
        if let Some(branches) = map.get(keyword).and_then(Value::as_array) {
            for branch in branches {
                admitted_types(document, branch, depth + 1)
                    .into_iter()
                    .for_each(&mut add);
            }
        }
    }
    if types.is_empty() {
        if map.contains_key("properties") {
            return vec!["object"];
        }
        if map.contains_key("items") {
            return vec!["array"];
        }
        return ALL.to_vec();
    }
    if types.contains(&"integer") && !types.contains(&"number") {
        types.push("number");
    }
    types
}

/// Each reading of one scalar string a validator may take.
fn scalar_candidates(text: &str, types: &[&str]) -> Vec<Value> {
    let mut out = vec![Value::String(text.to_string())];
    if types.contains(&"integer") || types.contains(&"number") {
        if let Ok(number) = text.trim().parse::<i64>() {
            out.push(Value::from(number));
        } else if let Ok(number) = text.trim().parse::<f64>()
            && let Some(number) = serde_json::Number::from_f64(number)
        {
            out.push(Value::Number(number));
        }
    }
    if types.contains(&"boolean") {
        match text.trim().to_ascii_lowercase().as_str() {
            "true" => out.push(Value::Bool(true)),
            "false" => out.push(Value::Bool(false)),
            _ => {}
        }
    }
    if types.contains(&"null") && (text == "null" || text.is_empty()) {
        out.push(Value::Null);
    }
    out
}

/// The most typed reading of a scalar string.
fn typed(text: &str) -> Value {
    if let Ok(number) = text.trim().parse::<i64>() {
        return Value::from(number);
    }
    if let Ok(number) = text.trim().parse::<f64>()
        && let Some(number) = serde_json::Number::from_f64(number)
    {
        return Value::Number(number);
    }
    match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(text.to_string()),
    }
}

fn array_candidates(items: &[String]) -> Vec<Value> {
    vec![
        Value::Array(items.iter().map(|s| Value::String(s.clone())).collect()),
        Value::Array(items.iter().map(|s| typed(s)).collect()),
    ]
}

fn object_candidates(pairs: &[(String, String)]) -> Vec<Value> {
    let strings: Map<String, Value> = pairs
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let typed_map: Map<String, Value> = pairs.iter().map(|(k, v)| (k.clone(), typed(v))).collect();
    vec![Value::Object(strings), Value::Object(typed_map)]
}

/// The JSON values a parameter's raw text may stand for, by its style.
fn candidates(parameter: &Parameter, raw: &Raw, types: &[&str]) -> Vec<Value> {
    let default_style = match parameter.location {
        ParamLocation::Query | ParamLocation::Cookie => "form",
        _ => "simple",
    };
    let style = parameter.style.as_deref().unwrap_or(default_style);
    let explode = parameter.explode.unwrap_or(style == "form");
    let mut out = Vec::new();
    match raw {
        Raw::Repeated(values) => {
            out.extend(array_candidates(values));
            // A scalar sent twice: frameworks read the first (or the last).
            for value in [values.first(), values.last()].into_iter().flatten() {
                out.extend(scalar_candidates(value, types));
            }
        }
        Raw::Object(pairs) => out.extend(object_candidates(pairs)),
        Raw::Text(text) => {
            let text = match style {
                "label" => text.strip_prefix('.').unwrap_or(text).to_string(),
                "matrix" => {
                    let prefix = format!(";{}=", parameter.name);
                    text.strip_prefix(&prefix)
                        .or_else(|| text.strip_prefix(';'))
                        .unwrap_or(text)
                        .to_string()
                }
                _ => text.clone(),
            };
            out.extend(scalar_candidates(&text, types));
            if types.contains(&"array") {
                let separator = match style {
                    "spaceDelimited" => " ",
                    "pipeDelimited" => "|",
                    "label" if explode => ".",
                    _ => ",",
                };
                let matrix_prefix = format!(";{}=", parameter.name);
                let items: Vec<String> = if style == "matrix" && explode {
                    text.split(&matrix_prefix).map(str::to_string).collect()
                } else if text.is_empty() {
                    Vec::new()
                } else {
                    text.split(separator).map(str::to_string).collect()
                };
                out.extend(array_candidates(&items));
            }
            if types.contains(&"object") {
                let pairs: Vec<(String, String)> = if explode {
                    text.split(',')
                        .filter_map(|p| p.split_once('='))
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect()
                } else {
                    let items: Vec<&str> = text.split(',').collect();
                    items
                        .chunks(2)
                        .filter(|c| c.len() == 2)
                        .map(|c| (c[0].to_string(), c[1].to_string()))
                        .collect()
                };
                out.extend(object_candidates(&pairs));
            }
        }
    }
    out
}

/// Form and multipart fields as an object: every field as text, then each
/// as its property's schema reads it (a number, a boolean, a list).
fn form_candidates(
    pairs: &[(String, String)],
    schema: Option<&Value>,
    document: &Value,
) -> Vec<Value> {
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in pairs {
        match grouped.iter_mut().find(|(n, _)| n == name) {
            Some((_, values)) => values.push(value.clone()),
            None => grouped.push((name.clone(), vec![value.clone()])),
        }
    }
    let properties = schema
        .and_then(|s| resolve(document, s, 0))
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object);
    let strings: Map<String, Value> = grouped
        .iter()
        .map(|(name, values)| {
            let value = if values.len() == 1 {
                Value::String(values[0].clone())
            } else {
                Value::Array(values.iter().map(|v| Value::String(v.clone())).collect())
            };
            (name.clone(), value)
        })
        .collect();
    let typed_map: Map<String, Value> = grouped
        .iter()
        .map(|(name, values)| {
            let types = properties
                .and_then(|p| p.get(name))
                .map(|s| admitted_types(document, s, 0))
                .unwrap_or_default();
            let read = |text: &String| -> Value {
                let preferred = scalar_candidates(text, &types);
                // The last reading is the most typed one.
                preferred
                    .into_iter()
                    .rfind(|v| !v.is_null())
                    .unwrap_or_else(|| Value::String(text.clone()))
            };
            let value = if types.contains(&"array") {
                Value::Array(values.iter().map(read).collect())
            } else if values.len() == 1 {
                read(&values[0])
            } else {
                Value::Array(values.iter().map(read).collect())
            };
            (name.clone(), value)
        })
        .collect();
    vec![Value::Object(strings), Value::Object(typed_map)]
}

/// A schema with its `$ref`s followed.
fn resolve<'d>(document: &'d Value, schema: &'d Value, depth: usize) -> Option<&'d Value> {
    if depth > 16 {
        return None;
    }
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let target = document.pointer(reference.strip_prefix('#')?)?;
            resolve(document, target, depth + 1)
        }
        None => Some(schema),
    }
}

const JSON_TYPES: [&str; 7] = [
    "null", "boolean", "object", "array", "number", "string", "integer",
];

/// The schema (or the whole document) in JSON Schema 2020-12, with every
/// internal `$ref` made absolute under [`BASE`].
fn convert(node: &Value, conversion: Conversion, document: &Value) -> Value {
    match node {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| convert(v, conversion, document))
                .collect(),
        ),
        Value::Object(map) => convert_object(map, conversion, document),
        other => other.clone(),
    }
}

fn convert_object(map: &Map<String, Value>, conversion: Conversion, document: &Value) -> Value {
    let nullable = [map.get("nullable"), map.get("x-nullable")]
        .into_iter()
        .any(|v| v == Some(&Value::Bool(true)));
    if let Some(Value::String(reference)) = map.get("$ref") {
        let mut out = Map::new();
        out.insert("$ref".into(), Value::String(absolute(reference)));
        if conversion.dialect == Dialect::OpenApi31 {
            for (key, value) in map {
                if key != "$ref" && key != "nullable" && !key.starts_with("x-") {
                    out.insert(
                        key.clone(),
                        convert_keyword(key, value, conversion, document),
                    );
                }
            }
        }
        return with_null(out, nullable);
    }
    let mut out = Map::new();
    for (key, value) in map {
        match key.as_str() {
            "nullable" | "x-nullable" if value.is_boolean() => {}
            "exclusiveMinimum" | "exclusiveMaximum" if value.is_boolean() => {}
            "type" => match value {
                Value::String(name) if JSON_TYPES.contains(&name.as_str()) => {
                    out.insert(key.clone(), value.clone());
                }
                Value::Array(names) => {
                    let known: Vec<Value> = names
                        .iter()
                        .filter(|n| n.as_str().is_some_and(|n| JSON_TYPES.contains(&n)))
                        .cloned()
                        .collect();
                    if !known.is_empty() {
                        out.insert(key.clone(), Value::Array(known));
                    }
                }
                // `type: file`, `type: int`, or a property named `type`.
                Value::Object(_) => {
                    out.insert(key.clone(), convert(value, conversion, document));
                }
                _ => {}
            },
            "required" => match value {
                Value::Array(names) => {
                    let kept: Vec<Value> = names
                        .iter()
                        .filter(|name| {
                            name.as_str()
                                .is_some_and(|name| !read_only(map, name, document))
                        })
                        .cloned()
                        .collect();
                    out.insert(key.clone(), Value::Array(kept));
                }
                Value::Object(_) => {
                    out.insert(key.clone(), convert(value, conversion, document));
                }
                _ => {}
            },
            "pattern" if !conversion.patterns => {}
            key if key.starts_with("x-") || malformed(key, value) => {}
            _ => {
                out.insert(
                    key.clone(),
                    convert_keyword(key, value, conversion, document),
                );
            }
        }
    }
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if map.get(flag) == Some(&Value::Bool(true))
            && let Some(limit) = map.get(bound).filter(|v| v.is_number())
        {
            out.remove(bound);
            out.insert(flag.into(), limit.clone());
        }
    }
    with_null(out, nullable)
}

/// One keyword's value: data keywords are copied, schema ones converted,
/// and malformed values of keywords the crate checks are left out.
fn convert_keyword(key: &str, value: &Value, conversion: Conversion, document: &Value) -> Value {
    match key {
        "example" | "examples" | "enum" | "const" | "default" if !value.is_object() => {
            value.clone()
        }
        _ => convert(value, conversion, document),
    }
}

/// A keyword value the crate would refuse to compile (`minimum: "5"`), left out.
fn malformed(key: &str, value: &Value) -> bool {
    match key {
        "minimum" | "maximum" | "multipleOf" | "minLength" | "maxLength" | "minItems"
        | "maxItems" | "minProperties" | "maxProperties" => !value.is_number(),
        "pattern" | "format" => !value.is_string(),
        "uniqueItems" => !value.is_boolean(),
        "properties" | "patternProperties" => !value.is_object(),
        "allOf" | "anyOf" | "oneOf" => !value.is_array(),
        _ => false,
    }
}

fn with_null(mut schema: Map<String, Value>, nullable: bool) -> Value {
    // Draft 4's tuple form, `items: [a, b]`, is 2020-12's `prefixItems`.
    if let Some(Value::Array(_)) = schema.get("items") {
        let tuple = schema.remove("items").unwrap_or_default();
        schema.insert("prefixItems".into(), tuple);
    }
    let schema = Value::Object(schema);
    if nullable {
        json!({ "anyOf": [{ "type": "null" }, schema] })
    } else {
        schema
    }
}

fn absolute(reference: &str) -> String {
    if reference.starts_with('#') {
        format!("{BASE}{reference}")
    } else {
        reference.to_string()
    }
}

/// Whether property `name` of an object schema is `readOnly` (following one `$ref`).
fn read_only(schema: &Map<String, Value>, name: &str, document: &Value) -> bool {
    let Some(property) = schema.get("properties").and_then(|p| p.get(name)) else {
        return false;
    };
    let property = resolve(document, property, 0).unwrap_or(property);
    property.get("readOnly") == Some(&Value::Bool(true))
}

/// A path template cut into segments, matched against a request's decoded segments.
#[derive(Debug, Clone)]
pub struct Template {
    segments: Vec<Vec<Piece>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Parameter(String),
}

impl Template {
    pub fn parse(path: &str) -> Template {
        let segments = path
            .strip_prefix('/')
            .unwrap_or(path)
            .split('/')
            .map(|segment| {
                let mut pieces = Vec::new();
                let mut rest = segment;
                while let Some(open) = rest.find('{') {
                    let Some(close) = rest[open..].find('}') else {
                        break;
                    };
                    if open > 0 {
                        pieces.push(Piece::Literal(decode(&rest[..open])));
                    }
                    pieces.push(Piece::Parameter(rest[open + 1..open + close].to_string()));
                    rest = &rest[open + close + 1..];
                }
                if !rest.is_empty() || pieces.is_empty() {
                    pieces.push(Piece::Literal(decode(rest)));
                }
                pieces
            })
            .collect();
        Template { segments }
    }

    /// The parameter values when `segments` (decoded) match, else `None`.
    pub fn matches(&self, segments: &[String]) -> Option<Vec<(String, String)>> {
        if segments.len() != self.segments.len() {
            return None;
        }
        let mut values = Vec::new();
        for (pieces, text) in self.segments.iter().zip(segments) {
            if !match_pieces(pieces, text, &mut values) {
                return None;
            }
        }
        Some(values)
    }

    /// Orders templates most specific first: per segment, a literal beats a
    /// mixed segment, which beats a bare parameter.
    pub fn specificity(&self) -> Vec<u8> {
        self.segments
            .iter()
            .map(|pieces| match pieces.as_slice() {
                [Piece::Literal(_)] => 0,
                [Piece::Parameter(_)] => 2,
                _ => 1,
            })
            .collect()
    }

    /// Whether some request path could match both templates.
    pub fn overlaps(&self, other: &Template) -> bool {
        self.segments.len() == other.segments.len()
            && self.segments.iter().zip(&other.segments).all(|(a, b)| {
                match (a.as_slice(), b.as_slice()) {
                    ([Piece::Literal(x)], [Piece::Literal(y)]) => x == y,
                    ([Piece::Literal(x)], pattern) | (pattern, [Piece::Literal(x)]) => {
                        match_pieces(pattern, x, &mut Vec::new())
                    }
                    _ => true,
                }
            })
    }
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

fn match_pieces(pieces: &[Piece], text: &str, values: &mut Vec<(String, String)>) -> bool {
    match pieces.split_first() {
        None => text.is_empty(),
        Some((Piece::Literal(literal), rest)) => text
            .strip_prefix(literal.as_str())
            .is_some_and(|remaining| match_pieces(rest, remaining, values)),
        Some((Piece::Parameter(name), rest)) => {
            // Shortest non-empty value first, like a lazy `(.+?)`.
            let mut ends: Vec<usize> = text.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
            if rest.is_empty() {
                ends = vec![text.len()];
            }
            for end in ends {
                if end == 0 {
                    continue;
                }
                let mark = values.len();
                values.push((name.clone(), text[..end].to_string()));
                if match_pieces(rest, &text[end..], values) {
                    return true;
                }
                values.truncate(mark);
            }
            false
        }
    }
}
