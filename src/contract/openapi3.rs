//! OpenAPI 3.0, 3.1 and 3.2 documents normalized into [`Contract`] parts.
//!
//! ```yaml
//! openapi: 3.1.0
//! paths:
//!   /pets/{petId}:
//!     parameters: [{$ref: '#/components/parameters/PetId'}]
//!     get: {operationId: showPet, responses: {'200': {description: OK}}}
//! ```
//! gives one operation `GET /pets/{petId}` whose parameters are the path item's merged with
//! its own. Reading is lenient: a node that cannot be read costs that operation (or that
//! detail) a [`ContractWarning`], and everything else still loads. Locations carry pointers
//! only; the caller fills in lines with one pass over the source.

use std::collections::HashSet;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::pointer;
use super::refs;
use super::template;
use super::{
    ContractError, ContractWarning, MediaType, Method, Node, Operation, ParamLocation, Parameter,
    RequestBody, SecurityRequirement, SecurityScheme, Selector, SourceLocation, Webhook,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpecVersion {
    /// Swagger 2.0: rewritten into the 3.0 shape by `swagger2` before it is read.
    V2_0,
    V3_0,
    V3_1,
    V3_2,
}

/// The spec version of `document`, or why it cannot be read as OpenAPI 3.
pub(crate) fn detect_version(
    file: &str,
    document: &Value,
) -> Result<(SpecVersion, String), ContractError> {
    let not_openapi = |detail: String| ContractError::NotOpenApi {
        file: file.to_string(),
        detail,
    };
    let Value::Object(root) = document else {
        return Err(not_openapi(format!(
            "the top level is {}, expected a mapping with an `openapi` field",
            kind(document)
        )));
    };
    if let Some(swagger) = root.get("swagger") {
        let version = version_text(file, "/swagger", swagger, "2.0")?;
        return match version.trim() {
            "2.0" | "2" => Ok((SpecVersion::V2_0, version)),
            _ => Err(ContractError::Unsupported {
                file: file.to_string(),
                message: format!(
                    "Swagger {version} is not supported (rollcall reads Swagger 2.0 and \
                     OpenAPI 3.0, 3.1 and 3.2)"
                ),
            }),
        };
    }
    let Some(declared) = root.get("openapi") else {
        return Err(not_openapi(
            "it has neither an `openapi` nor a `swagger` field".to_string(),
        ));
    };
    let version = version_text(file, "/openapi", declared, "3.1.0")?;
    let mut parts = version.trim().splitn(3, '.');
    let spec = match (parts.next(), parts.next()) {
        (Some("3"), Some("0")) => SpecVersion::V3_0,
        (Some("3"), Some("1")) => SpecVersion::V3_1,
        (Some("3"), Some("2")) => SpecVersion::V3_2,
        _ => {
            return Err(ContractError::Unsupported {
                file: file.to_string(),
                message: format!(
                    "OpenAPI {version} is not supported (rollcall reads OpenAPI 3.0, 3.1 and 3.2)"
                ),
            });
        }
    };
    Ok((spec, version))
}

/// The text of the version field at `at`: YAML reads `openapi: 3.1` and `swagger: 2.0` as
/// numbers, which still say the version; anything else (a list, a boolean, nothing) says
/// none, an error that shows a version such as `example`.
fn version_text(
    file: &str,
    at: &str,
    value: &Value,
    example: &str,
) -> Result<String, ContractError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(wrong_type(
            file,
            at,
            &format!("a version string such as {example}"),
            value,
        )),
    }
}

/// The top-level fields that hold the operations and the definitions they refer to, with
/// what each must be. A list or a string there leaves nothing any tool could read (every
/// operation, or every reference into it, is lost), so the contract is refused; a wrong type
/// inside one operation only costs that operation a warning. An empty value (`paths:` with
/// nothing after it) declares nothing and is read as absent.
const OPENAPI3_CONTAINERS: &[(&str, &str)] = &[
    ("/paths", "a mapping of path templates"),
    ("/webhooks", "a mapping of webhook names to path items"),
    (
        "/components",
        "a mapping of component kinds (`schemas`, `parameters`, ...)",
    ),
    ("/components/schemas", "a mapping of names to schemas"),
    ("/components/responses", "a mapping of names to responses"),
    ("/components/parameters", "a mapping of names to parameters"),
    ("/components/examples", "a mapping of names to examples"),
    (
        "/components/requestBodies",
        "a mapping of names to request bodies",
    ),
    ("/components/headers", "a mapping of names to headers"),
    (
        "/components/securitySchemes",
        "a mapping of names to security schemes",
    ),
    ("/components/links", "a mapping of names to links"),
    ("/components/callbacks", "a mapping of names to callbacks"),
    ("/components/pathItems", "a mapping of names to path items"),
];

/// The same for Swagger 2.0, whose definitions sit at the top level.
const SWAGGER2_CONTAINERS: &[(&str, &str)] = &[
    ("/paths", "a mapping of path templates"),
    ("/definitions", "a mapping of names to schemas"),
    ("/parameters", "a mapping of names to parameters"),
    ("/responses", "a mapping of names to responses"),
    (
        "/securityDefinitions",
        "a mapping of names to security schemes",
    ),
];

/// Refuses a document whose operations or definitions are held by a node of the wrong type
/// (see [`OPENAPI3_CONTAINERS`]); the error names the field, its pointer is placed by the caller.
pub(crate) fn check_containers(
    file: &str,
    document: &Value,
    version: SpecVersion,
) -> Result<(), ContractError> {
    let containers = match version {
        SpecVersion::V2_0 => SWAGGER2_CONTAINERS,
        SpecVersion::V3_0 | SpecVersion::V3_1 | SpecVersion::V3_2 => OPENAPI3_CONTAINERS,
    };
    for &(at, expected) in containers {
        match document.pointer(at) {
            None | Some(Value::Null | Value::Object(_)) => {}
            Some(found) => return Err(wrong_type(file, at, expected, found)),
        }
    }
    Ok(())
}

/// `` `components.schemas` must be a mapping of names to schemas, found a list ``, at `at`
/// (its line is filled in by the caller, which has the text).
fn wrong_type(file: &str, at: &str, expected: &str, found: &Value) -> ContractError {
    let field = pointer::segments(at).collect::<Vec<_>>().join(".");
    let found = match found {
        Value::Null => "an empty value",
        other => kind(other),
    };
    ContractError::Invalid {
        location: SourceLocation {
            file: file.to_string(),
            pointer: at.to_string(),
            line: None,
            column: None,
        },
        message: format!("`{field}` must be {expected}, found {found}"),
    }
}

/// `jsonSchemaDialect` values that mean what rollcall reads: JSON Schema 2020-12, plain or
/// with the OpenAPI vocabulary.
const KNOWN_DIALECTS: &[&str] = &[
    "https://json-schema.org/draft/2020-12/schema",
    "https://spec.openapis.org/oas/3.1/dialect/base",
    "https://spec.openapis.org/oas/3.1/dialect/2024-10-25",
    "https://spec.openapis.org/oas/3.2/dialect/2025-09-17",
];

/// Everything of a [`super::Contract`] except the source name and the document itself.
#[derive(Debug)]
pub(crate) struct Normalized {
    pub title: String,
    pub version: String,
    /// `info.version` was a number (YAML `1.10`); its source text is the better spelling.
    pub version_is_number: bool,
    pub servers: Vec<String>,
    pub operations: Vec<Operation>,
    pub webhooks: Vec<Webhook>,
    pub security_schemes: Vec<(String, SecurityScheme)>,
    pub warnings: Vec<ContractWarning>,
}

pub(crate) fn normalize(file: &str, document: &Value, version: SpecVersion) -> Normalized {
    let mut reader = Reader {
        file,
        document,
        warnings: Vec::new(),
        scheme_names: HashSet::new(),
        unknown_schemes_warned: HashSet::new(),
    };
    if version == SpecVersion::V3_2 {
        reader.warn(
            At::Pointer("/openapi"),
            "OpenAPI 3.2 is read like 3.1; features new in 3.2 (the QUERY method, \
             additionalOperations) are not checked yet",
        );
    }
    if let Some(dialect) = document.get("jsonSchemaDialect").and_then(Value::as_str)
        && !KNOWN_DIALECTS.contains(&dialect.trim_end_matches('#'))
    {
        reader.warn(
            At::Pointer("/jsonSchemaDialect"),
            format!(
                "schemas are read as JSON Schema 2020-12 (the OpenAPI 3.1 default), not as \
                 `{dialect}`"
            ),
        );
    }
    let (title, info_version, version_is_number) = reader.info();
    let servers = reader.servers();
    let security_schemes = reader.security_schemes();
    let global_security = match document.get("security") {
        Some(value) => reader
            .security(value, At::Pointer("/security"))
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let operations = reader.operations(&global_security);
    let webhooks = reader.webhooks();
    Normalized {
        title,
        version: info_version,
        version_is_number,
        servers,
        operations,
        webhooks,
        security_schemes,
        warnings: reader.warnings,
    }
}

/// `a string`, `a list`, ...: how a wrong node is described in a warning.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Strings as they are, numbers and booleans spelled out (YAML reads `version: 1.0` as a number).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn same_parameter(a: &Parameter, b: &Parameter) -> bool {
    a.location == b.location
        && if a.location == ParamLocation::Header {
            a.name.eq_ignore_ascii_case(&b.name)
        } else {
            a.name == b.name
        }
}

/// Adds `parameter`, replacing one with the same name and location in place.
fn merge_parameter(parameters: &mut Vec<Parameter>, parameter: Parameter) {
    match parameters
        .iter_mut()
        .find(|p| same_parameter(p, &parameter))
    {
        Some(slot) => *slot = parameter,
        None => parameters.push(parameter),
    }
}

/// The keys of a Parameter object that [`Reader::parameter`] reads.
const PARAMETER_KEYS: [&str; 11] = [
    "name",
    "in",
    "required",
    "deprecated",
    "style",
    "explode",
    "allowReserved",
    "content",
    "schema",
    "example",
    "examples",
];

/// The keys of an Operation object that [`Reader::operation`] reads.
const OPERATION_KEYS: [&str; 8] = [
    "operationId",
    "summary",
    "tags",
    "deprecated",
    "parameters",
    "requestBody",
    "security",
    "responses",
];

/// The values of `keys` in `map`, in one pass over its entries: a lookup per key would hash
/// each of them (the parameters of a large contract are read tens of thousands of times).
fn fields<'m, const N: usize>(
    map: &'m Map<String, Value>,
    keys: [&str; N],
) -> [Option<&'m Value>; N] {
    let mut found = [None; N];
    for (key, value) in map {
        if let Some(i) = keys.iter().position(|k| k == key) {
            found[i] = Some(value);
        }
    }
    found
}

/// Where a node is, as a chain of segments; the JSON pointer string is built only when a
/// warning or an operation's location needs it (most nodes never do).
#[derive(Debug, Clone, Copy)]
enum At<'p> {
    Pointer(&'p str),
    Key(&'p At<'p>, &'p str),
    Index(&'p At<'p>, usize),
}

impl<'p> At<'p> {
    fn key(&'p self, key: &'p str) -> At<'p> {
        At::Key(self, key)
    }

    fn index(&'p self, index: usize) -> At<'p> {
        At::Index(self, index)
    }

    fn pointer(&self) -> String {
        let mut pointer = String::with_capacity(self.unescaped_len());
        self.write_to(&mut pointer);
        pointer
    }

    /// The pointer's length before escapes (no more than a few short of its length).
    fn unescaped_len(&self) -> usize {
        match self {
            At::Pointer(start) => start.len(),
            At::Key(parent, key) => parent.unescaped_len() + 1 + key.len(),
            At::Index(parent, _) => parent.unescaped_len() + 1 + 20,
        }
    }

    fn write_to(&self, pointer: &mut String) {
        match self {
            At::Pointer(start) => pointer.push_str(start),
            At::Key(parent, key) => {
                parent.write_to(pointer);
                pointer::push_segment(pointer, key);
            }
            At::Index(parent, index) => {
                parent.write_to(pointer);
                // Digits need no escape; written without a String of their own.
                let _ = write!(pointer, "/{index}");
            }
        }
    }
}

struct Reader<'a> {
    file: &'a str,
    document: &'a Value,
    warnings: Vec<ContractWarning>,
    scheme_names: HashSet<&'a str>,
    unknown_schemes_warned: HashSet<String>,
}

/// An entry of a path item: its own, or one of the path item its `$ref` names.
struct Entry<'a, 'p> {
    key: &'a str,
    value: &'a Value,
    parent: At<'p>,
}

impl<'a> Reader<'a> {
    /// Warns that `what` is `value`'s kind, not the `expected` one (with
    /// what becomes of it: `"a list; ignored"`).
    fn wrong_kind(&mut self, at: At<'_>, what: &str, value: &Value, expected: &str) {
        self.warn(
            at,
            format!("{what} is {}, expected {expected}", kind(value)),
        );
    }

    fn warn(&mut self, at: At<'_>, message: impl Into<String>) {
        self.warnings.push(ContractWarning {
            location: SourceLocation {
                file: self.file.to_string(),
                pointer: at.pointer(),
                line: None,
                column: None,
            },
            message: message.into(),
        });
    }

    /// `value` with its `$ref` chain followed, as a mapping, and the pointer of the node
    /// reached when a reference was followed; else a warning naming `what`.
    fn mapping(
        &mut self,
        value: &'a Value,
        at: At<'_>,
        what: &str,
    ) -> Option<(&'a Map<String, Value>, Option<String>)> {
        match refs::resolve(self.document, value) {
            Ok((Value::Object(map), target)) => Some((map, target)),
            Ok((other, target)) => {
                let at = target.as_deref().map_or(at, At::Pointer);
                self.wrong_kind(at, what, other, "a mapping; skipped");
                None
            }
            Err(issue) => {
                self.warn(at, format!("{what} skipped: {}", issue.message()));
                None
            }
        }
    }

    fn string_field(&mut self, map: &Map<String, Value>, key: &str, at: At<'_>) -> Option<String> {
        self.string_value(map.get(key), key, at)
    }

    /// `value`, the value of `key`, as a string; a warning when it is something else.
    fn string_value(&mut self, value: Option<&Value>, key: &str, at: At<'_>) -> Option<String> {
        match value? {
            Value::String(s) => Some(s.clone()),
            other => {
                self.wrong_kind(at.key(key), &format!("`{key}`"), other, "a string; ignored");
                None
            }
        }
    }

    fn bool_field(&mut self, map: &Map<String, Value>, key: &str, at: At<'_>) -> Option<bool> {
        self.bool_value(map.get(key), key, at)
    }

    /// `value`, the value of `key`, as a boolean; a warning when it is something else.
    fn bool_value(&mut self, value: Option<&Value>, key: &str, at: At<'_>) -> Option<bool> {
        match value? {
            Value::Bool(b) => Some(*b),
            other => {
                self.wrong_kind(
                    at.key(key),
                    &format!("`{key}`"),
                    other,
                    "true or false; ignored",
                );
                None
            }
        }
    }

    fn info(&mut self) -> (String, String, bool) {
        let root = At::Pointer("");
        let Some(info) = self.document.get("info") else {
            self.warn(root, "the document has no `info` (title and version)");
            return (String::new(), String::new(), false);
        };
        let at = root.key("info");
        let Value::Object(info) = info else {
            self.wrong_kind(at, "`info`", info, "a mapping");
            return (String::new(), String::new(), false);
        };
        let title = self.string_field(info, "title", at).unwrap_or_default();
        let (version, is_number) = match info.get("version") {
            Some(Value::Number(n)) => (n.to_string(), true),
            Some(value) => match scalar_text(value) {
                Some(text) => (text, false),
                None => {
                    self.wrong_kind(at.key("version"), "`version`", value, "a string");
                    (String::new(), false)
                }
            },
            None => (String::new(), false),
        };
        (title, version, is_number)
    }

    fn servers(&mut self) -> Vec<String> {
        let Some(servers) = self.document.get("servers") else {
            return Vec::new();
        };
        let at = At::Pointer("/servers");
        let Value::Array(servers) = servers else {
            self.wrong_kind(at, "`servers`", servers, "a list; ignored");
            return Vec::new();
        };
        let mut urls = Vec::with_capacity(servers.len());
        for (i, server) in servers.iter().enumerate() {
            let Some(Value::String(url)) = server.get("url") else {
                self.warn(at.index(i), "server has no `url`; skipped");
                continue;
            };
            urls.push(self.substitute_server_variables(url, server.get("variables"), at.index(i)));
        }
        urls
    }

    fn substitute_server_variables(
        &mut self,
        url: &str,
        variables: Option<&Value>,
        at: At<'_>,
    ) -> String {
        let mut out = url.to_string();
        for name in template::parameter_names(url) {
            let default = variables
                .and_then(|v| v.get(name))
                .and_then(|v| v.get("default"))
                .and_then(scalar_text);
            match default {
                Some(value) => out = out.replace(&format!("{{{name}}}"), &value),
                None => self.warn(
                    at,
                    format!("server URL variable `{name}` has no `default`; left as is"),
                ),
            }
        }
        out
    }

    fn security_schemes(&mut self) -> Vec<(String, SecurityScheme)> {
        let at = At::Pointer("/components/securitySchemes");
        let Some(schemes) = self.document.pointer("/components/securitySchemes") else {
            return Vec::new();
        };
        let Value::Object(schemes) = schemes else {
            self.wrong_kind(at, "`securitySchemes`", schemes, "a mapping");
            return Vec::new();
        };
        let mut out = Vec::with_capacity(schemes.len());
        for (name, scheme) in schemes {
            self.scheme_names.insert(name);
            let scheme_at = at.key(name);
            let Some((scheme, target)) = self.mapping(scheme, scheme_at, "security scheme") else {
                continue;
            };
            let scheme_at = target.as_deref().map_or(scheme_at, At::Pointer);
            out.push((name.clone(), self.security_scheme(name, scheme, scheme_at)));
        }
        out
    }

    fn security_scheme(
        &mut self,
        name: &str,
        scheme: &Map<String, Value>,
        at: At<'_>,
    ) -> SecurityScheme {
        let kind = scheme.get("type").and_then(Value::as_str).unwrap_or("");
        match kind {
            "http" => match scheme.get("scheme").and_then(Value::as_str) {
                Some(s) => SecurityScheme::Http {
                    scheme: s.to_ascii_lowercase(),
                },
                None => {
                    self.warn(at, format!("http security scheme `{name}` has no `scheme`"));
                    SecurityScheme::Other {
                        kind: "http".to_string(),
                    }
                }
            },
            "apiKey" => {
                let key_name = scheme.get("name").and_then(Value::as_str);
                let location = scheme
                    .get("in")
                    .and_then(Value::as_str)
                    .and_then(ParamLocation::parse)
                    .filter(|l| *l != ParamLocation::Path);
                match (key_name, location) {
                    (Some(key_name), Some(location)) => SecurityScheme::ApiKey {
                        name: key_name.to_string(),
                        location,
                    },
                    _ => {
                        self.warn(
                            at,
                            format!(
                                "apiKey security scheme `{name}` needs a `name` and \
                                 `in: query|header|cookie`"
                            ),
                        );
                        SecurityScheme::Other {
                            kind: "apiKey".to_string(),
                        }
                    }
                }
            }
            "oauth2" => SecurityScheme::OAuth2,
            "openIdConnect" => SecurityScheme::OpenIdConnect,
            "mutualTLS" => SecurityScheme::MutualTls,
            "" => {
                self.warn(at, format!("security scheme `{name}` has no `type`"));
                SecurityScheme::Other {
                    kind: String::new(),
                }
            }
            other => SecurityScheme::Other {
                kind: other.to_string(),
            },
        }
    }

    /// A `security` list; `None` (with a warning) when it cannot be read at all.
    fn security(&mut self, value: &'a Value, at: At<'_>) -> Option<Vec<SecurityRequirement>> {
        let Value::Array(alternatives) = value else {
            self.wrong_kind(at, "`security`", value, "a list; ignored");
            return None;
        };
        let mut out = Vec::with_capacity(alternatives.len());
        for (i, alternative) in alternatives.iter().enumerate() {
            let Value::Object(requirement) = alternative else {
                self.wrong_kind(
                    at.index(i),
                    "security requirement",
                    alternative,
                    "a mapping; skipped",
                );
                continue;
            };
            let mut schemes = Vec::with_capacity(requirement.len());
            for (name, scopes) in requirement {
                if !self.scheme_names.contains(name.as_str())
                    && self.unknown_schemes_warned.insert(name.clone())
                {
                    self.warn(
                        at.index(i),
                        format!(
                            "security requirement names `{name}`, which \
                             components.securitySchemes does not define"
                        ),
                    );
                }
                let scopes = scopes
                    .as_array()
                    .map(|s| {
                        s.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                schemes.push((name.clone(), scopes));
            }
            out.push(schemes);
        }
        Some(out)
    }

    /// The operations of 3.1 `webhooks` (path items, possibly `$ref`'d), for listing only.
    fn webhooks(&mut self) -> Vec<Webhook> {
        let Some(Value::Object(webhooks)) = self.document.get("webhooks") else {
            return Vec::new();
        };
        let at = At::Pointer("/webhooks");
        let mut out = Vec::new();
        for (name, item) in webhooks {
            if name.starts_with("x-") {
                continue;
            }
            let item_at = at.key(name);
            let Some((item, target)) = self.mapping(item, item_at, "webhook path item") else {
                continue;
            };
            let item_at = target.as_deref().map_or(item_at, At::Pointer);
            for (key, operation) in item {
                let Some(method) = Method::from_path_item_key(key) else {
                    continue;
                };
                let text = |field: &str| {
                    operation
                        .get(field)
                        .and_then(Value::as_str)
                        .map(str::to_string)
                };
                out.push(Webhook {
                    name: name.clone(),
                    method,
                    operation_id: text("operationId"),
                    summary: text("summary"),
                    location: SourceLocation {
                        file: self.file.to_string(),
                        pointer: item_at.key(key).pointer(),
                        line: None,
                        column: None,
                    },
                });
            }
        }
        out
    }

    fn operations(&mut self, global_security: &[SecurityRequirement]) -> Vec<Operation> {
        let at = At::Pointer("/paths");
        let paths = match self.document.get("paths") {
            None => {
                self.warn(
                    At::Pointer(""),
                    "the document has no `paths`: it declares no operations to check",
                );
                return Vec::new();
            }
            Some(Value::Object(paths)) if !paths.keys().all(|k| k.starts_with("x-")) => paths,
            // `check_containers` refused every other type before this runs.
            Some(_) => {
                self.warn(
                    at,
                    "`paths` is empty: the document declares no operations to check",
                );
                return Vec::new();
            }
        };
        let mut operations = Vec::new();
        for (path, item) in paths {
            if path.starts_with("x-") {
                continue;
            }
            if !path.starts_with('/') {
                self.warn(
                    at.key(path),
                    format!("path `{path}` does not start with `/`"),
                );
            }
            self.path_item(path, item, at.key(path), global_security, &mut operations);
        }
        operations
    }

    fn path_item(
        &mut self,
        path: &str,
        item: &'a Value,
        at: At<'_>,
        global_security: &[SecurityRequirement],
        out: &mut Vec<Operation>,
    ) {
        let Value::Object(own) = item else {
            self.wrong_kind(at, "path item", item, "a mapping; skipped");
            return;
        };
        // A `$ref`'d path item (3.0 and 3.1): the referenced entries, overridden by siblings.
        let mut target = None;
        let mut target_pointer = None;
        if own.contains_key("$ref") {
            if let Some((map, pointer)) = self.mapping(item, at, "referenced path item") {
                target = Some(map);
                target_pointer = pointer;
            }
        }
        let target_at = target_pointer.as_deref().map_or(at, At::Pointer);
        let mut entries: Vec<Entry<'a, '_>> = target
            .into_iter()
            .flatten()
            .map(|(key, value)| Entry {
                key,
                value,
                parent: target_at,
            })
            .collect();
        for (key, value) in own {
            if key == "$ref" {
                continue;
            }
            let entry = Entry {
                key,
                value,
                parent: at,
            };
            match entries.iter_mut().find(|e| e.key == key) {
                Some(slot) => *slot = entry,
                None => entries.push(entry),
            }
        }

        let mut path_parameters = Vec::new();
        if let Some(entry) = entries.iter().find(|e| e.key == "parameters") {
            for parameter in self.parameters(entry.value, entry.parent.key("parameters")) {
                merge_parameter(&mut path_parameters, parameter);
            }
        }
        for entry in &entries {
            let entry_at = entry.parent.key(entry.key);
            if let Some(method) = Method::from_path_item_key(entry.key) {
                if let Some(operation) = self.operation(
                    path,
                    method,
                    entry.value,
                    entry_at,
                    &path_parameters,
                    global_security,
                ) {
                    out.push(operation);
                }
            } else if entry.key == "query" || entry.key == "additionalOperations" {
                self.warn(
                    entry_at,
                    format!("`{}` (OpenAPI 3.2) is not checked yet; skipped", entry.key),
                );
            } else if Method::from_path_item_key(&entry.key.to_ascii_lowercase()).is_some() {
                self.warn(
                    entry_at,
                    format!(
                        "`{}` is not an operation key (methods are lower case); skipped",
                        entry.key
                    ),
                );
            }
        }
    }

    fn operation(
        &mut self,
        path: &str,
        method: Method,
        value: &'a Value,
        at: At<'_>,
        path_parameters: &[Parameter],
        global_security: &[SecurityRequirement],
    ) -> Option<Operation> {
        let Value::Object(op) = value else {
            self.warn(
                at,
                format!(
                    "`{}` is {}, expected an operation mapping; skipped",
                    method.path_item_key(),
                    kind(value)
                ),
            );
            return None;
        };
        let [
            operation_id,
            summary,
            tags,
            deprecated,
            own_parameters,
            request_body,
            security,
            responses,
        ] = fields(op, OPERATION_KEYS);
        // Written once: the pointers of its parameters and media types start with it.
        let pointer = at.pointer();
        let at = At::Pointer(&pointer);
        let operation_id = self.string_value(operation_id, "operationId", at);
        let summary = self.string_value(summary, "summary", at);
        let tags = match tags {
            None => Vec::new(),
            Some(Value::Array(tags)) => tags
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Some(other) => {
                self.wrong_kind(at.key("tags"), "`tags`", other, "a list; ignored");
                Vec::new()
            }
        };
        let deprecated = self
            .bool_value(deprecated, "deprecated", at)
            .unwrap_or(false);

        let mut parameters = path_parameters.to_vec();
        if let Some(own) = own_parameters {
            for parameter in self.parameters(own, at.key("parameters")) {
                merge_parameter(&mut parameters, parameter);
            }
        }
        // `/{Bucket}#acl`: the fragment names the operation, it is no part of the path.
        let (template, selector) = Selector::split(path, &parameters);
        self.check_path_template(&template, &parameters, at);

        let request_body =
            request_body.and_then(|body| self.request_body(body, at.key("requestBody")));
        let security = match security {
            Some(value) => self
                .security(value, at.key("security"))
                .unwrap_or_else(|| global_security.to_vec()),
            None => global_security.to_vec(),
        };
        let responses = match responses {
            None => Vec::new(),
            Some(Value::Object(responses)) => responses
                .keys()
                .filter(|k| !k.starts_with("x-"))
                .cloned()
                .collect(),
            Some(other) => {
                self.wrong_kind(
                    at.key("responses"),
                    "`responses`",
                    other,
                    "a mapping; ignored",
                );
                Vec::new()
            }
        };
        Some(Operation {
            method,
            path: template,
            selector,
            operation_id,
            summary,
            tags,
            deprecated,
            parameters,
            request_body,
            security,
            responses,
            location: SourceLocation {
                file: self.file.to_string(),
                pointer,
                line: None,
                column: None,
            },
        })
    }

    fn check_path_template(&mut self, path: &str, parameters: &[Parameter], at: At<'_>) {
        let names = template::parameter_names(path);
        for name in &names {
            let declared = parameters
                .iter()
                .any(|p| p.location == ParamLocation::Path && p.name == *name);
            if !declared {
                self.warn(
                    at,
                    format!("path template `{path}` has `{{{name}}}` but no path parameter `{name}` is declared"),
                );
            }
        }
        for parameter in parameters {
            if parameter.location == ParamLocation::Path
                && !names.contains(&parameter.name.as_str())
            {
                self.warn(
                    at,
                    format!(
                        "path parameter `{}` is declared but `{path}` has no `{{{}}}`",
                        parameter.name, parameter.name
                    ),
                );
            }
        }
    }

    fn parameters(&mut self, value: &'a Value, at: At<'_>) -> Vec<Parameter> {
        let Value::Array(items) = value else {
            self.wrong_kind(at, "`parameters`", value, "a list; ignored");
            return Vec::new();
        };
        // Written once: each parameter's pointers start with it.
        let pointer = at.pointer();
        let at = At::Pointer(&pointer);
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| self.parameter(item, at.index(i)))
            .collect()
    }

    fn parameter(&mut self, value: &'a Value, at: At<'_>) -> Option<Parameter> {
        let (map, target) = self.mapping(value, at, "parameter")?;
        let at = target.as_deref().map_or(at, At::Pointer);
        let [
            name,
            location,
            required,
            deprecated,
            style,
            explode,
            allow_reserved,
            content,
            schema,
            example,
            examples,
        ] = fields(map, PARAMETER_KEYS);
        let name = match name {
            Some(Value::String(name)) if !name.is_empty() => name.clone(),
            _ => {
                self.warn(at, "parameter has no `name`; skipped");
                return None;
            }
        };
        let location = match location {
            Some(Value::String(declared)) => match ParamLocation::parse(declared) {
                Some(location) => location,
                None => {
                    self.warn(
                        at,
                        format!(
                            "parameter `{name}` has `in: {declared}`, expected path, query, \
                             header or cookie; skipped"
                        ),
                    );
                    return None;
                }
            },
            _ => {
                self.warn(at, format!("parameter `{name}` has no `in`; skipped"));
                return None;
            }
        };
        // The fields are read, and warned about, in the order written here.
        Some(Parameter {
            // Path parameters are required by definition, whatever the document says.
            required: location == ParamLocation::Path
                || self.bool_value(required, "required", at) == Some(true),
            deprecated: self
                .bool_value(deprecated, "deprecated", at)
                .unwrap_or(false),
            style: self.string_value(style, "style", at),
            explode: self.bool_value(explode, "explode", at),
            allow_reserved: self
                .bool_value(allow_reserved, "allowReserved", at)
                .unwrap_or(false),
            // A parameter's `content` has one entry; only the first is read.
            content: self
                .content(content, at)
                .and_then(|content| content.iter().next())
                .map(|(media_type, value)| {
                    self.media_type(media_type, value, at.key("content").key(media_type))
                }),
            schema: schema.map(|_| Node::At(at.key("schema").pointer())),
            example: self.example_of(example, examples, at),
            name,
            location,
        })
    }

    /// `example`, else the `value` of the first of `examples` that has one.
    fn example(&mut self, map: &'a Map<String, Value>, at: At<'_>) -> Option<Node> {
        self.example_of(map.get("example"), map.get("examples"), at)
    }

    /// [`Self::example`] from the values of `example` and `examples` of the object at `at`.
    fn example_of(
        &mut self,
        example: Option<&'a Value>,
        examples: Option<&'a Value>,
        at: At<'_>,
    ) -> Option<Node> {
        if example.is_some() {
            return Some(Node::At(at.key("example").pointer()));
        }
        let Some(Value::Object(examples)) = examples else {
            return None;
        };
        let examples_at = at.key("examples");
        for (name, example) in examples {
            let example_at = examples_at.key(name);
            if let Some((example, target)) = self.mapping(example, example_at, "example") {
                if example.contains_key("value") {
                    let example_at = target.as_deref().map_or(example_at, At::Pointer);
                    return Some(Node::At(example_at.key("value").pointer()));
                }
            }
        }
        None
    }

    /// The `content` mapping of the object at `at`, by media type; `None`
    /// where there is none, or (with a warning) where it is not a mapping.
    fn content(
        &mut self,
        content: Option<&'a Value>,
        at: At<'_>,
    ) -> Option<&'a Map<String, Value>> {
        match content? {
            Value::Object(content) => Some(content),
            other => {
                self.wrong_kind(at.key("content"), "`content`", other, "a mapping; ignored");
                None
            }
        }
    }

    fn media_type(&mut self, name: &str, value: &'a Value, at: At<'_>) -> MediaType {
        // Written once: its schema's, example's and encoding's pointers start with it.
        let pointer = at.pointer();
        let at = At::Pointer(&pointer);
        let empty = MediaType {
            media_type: name.to_string(),
            schema: None,
            example: None,
            encoding: None,
        };
        match value {
            // `application/json:` with nothing after it: a media type without details.
            Value::Null => empty,
            Value::Object(map) => MediaType {
                schema: map
                    .contains_key("schema")
                    .then(|| Node::At(at.key("schema").pointer())),
                example: self.example(map, at),
                encoding: map
                    .contains_key("encoding")
                    .then(|| Node::At(at.key("encoding").pointer())),
                ..empty
            },
            other => {
                self.wrong_kind(at, &format!("media type `{name}`"), other, "a mapping");
                empty
            }
        }
    }

    fn request_body(&mut self, value: &'a Value, at: At<'_>) -> Option<RequestBody> {
        let (map, target) = self.mapping(value, at, "requestBody")?;
        let at = target.as_deref().map_or(at, At::Pointer);
        let required = self.bool_field(map, "required", at).unwrap_or(false);
        if !map.contains_key("content") {
            self.warn(at, "requestBody has no `content`");
        }
        let content = self
            .content(map.get("content"), at)
            .map(|content| {
                content
                    .iter()
                    .map(|(media_type, value)| {
                        self.media_type(media_type, value, at.key("content").key(media_type))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(RequestBody { required, content })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(document: Value) -> Normalized {
        let (version, _) = detect_version("t.yaml", &document).expect("OpenAPI 3");
        normalize("t.yaml", &document, version)
    }

    #[test]
    fn versions_3_0_3_1_and_3_2_load_and_3_2_warns() {
        for (declared, expected) in [
            ("3.0.3", SpecVersion::V3_0),
            ("3.1.0", SpecVersion::V3_1),
            ("3.2.0", SpecVersion::V3_2),
        ] {
            let doc = json!({"openapi": declared, "paths": {"/a": {"get": {}}}});
            let (version, text) = detect_version("t", &doc).expect("supported");
            assert_eq!(version, expected);
            assert_eq!(text, declared);
        }
        let warnings =
            read(json!({"openapi": "3.2.0", "info": {}, "paths": {"/a": {"get": {}}}})).warnings;
        assert!(
            warnings
                .iter()
                .any(|w| w.message.contains("OpenAPI 3.2 is read like 3.1"))
        );
    }

    #[test]
    fn other_versions_and_non_openapi_documents_are_refused_clearly() {
        let err = detect_version("t", &json!({"openapi": "4.0.0"})).expect_err("4.0");
        assert!(matches!(err, ContractError::Unsupported { .. }), "{err}");
        let err = detect_version("t", &json!({"info": {}})).expect_err("no version");
        assert!(err.to_string().contains("not an OpenAPI document"), "{err}");
        let err = detect_version("t", &json!([1])).expect_err("a list");
        assert!(err.to_string().contains("top level is a list"), "{err}");
    }

    #[test]
    fn operation_parameters_override_path_parameters_by_name_and_location() {
        let document = json!({
            "openapi": "3.0.0",
            "paths": {"/p/{id}": {
                "parameters": [
                    {"name": "id", "in": "path", "schema": {"type": "string"}},
                    {"name": "X-Trace", "in": "header"},
                    {"name": "id", "in": "query"}
                ],
                "get": {"parameters": [
                    {"name": "id", "in": "path", "schema": {"type": "integer"}},
                    {"name": "x-trace", "in": "header", "required": true},
                    {"name": "extra", "in": "cookie"}
                ]}
            }}
        });
        let n = read(document.clone());
        let params = &n.operations[0].parameters;
        let summary: Vec<_> = params
            .iter()
            .map(|p| (p.name.as_str(), p.location, p.required))
            .collect();
        assert_eq!(
            summary,
            [
                ("id", ParamLocation::Path, true),
                ("x-trace", ParamLocation::Header, true),
                ("id", ParamLocation::Query, false),
                ("extra", ParamLocation::Cookie, false),
            ]
        );
        assert_eq!(
            params[0].schema(&document),
            Some(&json!({"type": "integer"}))
        );
    }

    #[test]
    fn empty_security_list_means_no_credentials_and_overrides_global() {
        let n = read(json!({
            "openapi": "3.1.0",
            "components": {"securitySchemes": {
                "key": {"type": "apiKey", "name": "X-Key", "in": "header"},
                "bearer": {"type": "http", "scheme": "Bearer"}
            }},
            "security": [{"key": []}],
            "paths": {"/a": {
                "get": {},
                "post": {"security": []},
                "put": {"security": [{"bearer": []}, {}]}
            }}
        }));
        let security: Vec<_> = n.operations.iter().map(|o| o.security.clone()).collect();
        assert_eq!(security[0], vec![vec![("key".to_string(), vec![])]]);
        assert!(security[1].is_empty());
        assert_eq!(
            security[2],
            vec![vec![("bearer".to_string(), vec![])], vec![]]
        );
        assert_eq!(
            n.security_schemes[1].1,
            SecurityScheme::Http {
                scheme: "bearer".into()
            }
        );
    }

    #[test]
    fn request_body_keeps_media_types_in_order_and_takes_first_example_value() {
        let document = json!({
            "openapi": "3.1.0",
            "components": {
                "requestBodies": {"B": {"$ref": "#/components/requestBodies/C"}, "C": {
                    "required": true,
                    "content": {
                        "application/json": {"examples": {
                            "a": {"$ref": "#/components/examples/E"},
                            "b": {"value": 2}
                        }},
                        "application/x-www-form-urlencoded": {
                            "schema": {"$ref": "#/components/schemas/S"},
                            "encoding": {"tags": {"style": "form"}}
                        },
                        "text/plain": null
                    }
                }},
                "examples": {"E": {"value": {"n": 1}}},
                "schemas": {"S": {"type": "object"}}
            },
            "paths": {"/a": {"post": {"requestBody": {"$ref": "#/components/requestBodies/B"}}}}
        });
        let n = read(document.clone());
        let body = n.operations[0].request_body.as_ref().expect("body");
        assert!(body.required);
        let types: Vec<_> = body.content.iter().map(|m| m.media_type.as_str()).collect();
        assert_eq!(
            types,
            [
                "application/json",
                "application/x-www-form-urlencoded",
                "text/plain"
            ]
        );
        assert_eq!(body.content[0].example(&document), Some(&json!({"n": 1})));
        assert_eq!(
            body.content[1].schema(&document),
            Some(&json!({"$ref": "#/components/schemas/S"}))
        );
        assert_eq!(
            body.content[1].encoding(&document),
            Some(&json!({"tags": {"style": "form"}}))
        );
    }

    #[test]
    fn malformed_nodes_cost_a_warning_not_the_contract() {
        let n = read(json!({
            "openapi": "3.0.0",
            "paths": {
                "/a": {"get": "oops", "post": {"parameters": [
                    {"in": "query"},
                    {"name": "f", "in": "formData"},
                    {"name": "ok", "in": "query"}
                ], "requestBody": 7}},
                "/b/{id}": {"get": {"parameters": [{"name": "other", "in": "path"}]}},
                "/c": 3
            }
        }));
        let labels: Vec<_> = n.operations.iter().map(Operation::label).collect();
        assert_eq!(labels, ["POST /a", "GET /b/{id}"]);
        assert_eq!(n.operations[0].parameters.len(), 1);
        assert!(n.operations[0].request_body.is_none());
        let messages: Vec<_> = n
            .warnings
            .iter()
            .map(|w| (w.location.pointer.as_str(), w.message.as_str()))
            .collect();
        let has = |pointer: &str, text: &str| {
            messages
                .iter()
                .any(|(p, m)| *p == pointer && m.contains(text))
        };
        for (pointer, text) in [
            ("/paths/~1a/get", "expected an operation mapping"),
            ("/paths/~1a/post/parameters/0", "no `name`"),
            ("/paths/~1a/post/parameters/1", "in: formData"),
            ("/paths/~1a/post/requestBody", "requestBody is a number"),
            ("/paths/~1b~1{id}/get", "no path parameter `id`"),
            ("/paths/~1b~1{id}/get", "`other` is declared"),
            ("/paths/~1c", "path item is a number"),
        ] {
            assert!(has(pointer, text), "{pointer}: {text}: {messages:?}");
        }
    }

    #[test]
    fn content_that_is_not_a_mapping_is_warned_about_and_ignored() {
        let n = read(
            json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {
                "/a": {
                    "get": {"parameters": [
                        {"name": "f", "in": "query", "content": "text/plain"},
                        {"name": "g", "in": "query", "content": {
                            "application/json": {"schema": {"type": "object"}},
                            "text/plain": 7
                        }}
                    ]},
                    "post": {"requestBody": {"content": []}},
                    "put": {"requestBody": {"required": true}}
                }
            }}),
        );
        let warnings: Vec<(&str, &str)> = n
            .warnings
            .iter()
            .map(|w| (w.location.pointer.as_str(), w.message.as_str()))
            .collect();
        assert_eq!(
            warnings,
            [
                (
                    "/paths/~1a/get/parameters/0/content",
                    "`content` is a string, expected a mapping; ignored"
                ),
                (
                    "/paths/~1a/post/requestBody/content",
                    "`content` is a list, expected a mapping; ignored"
                ),
                ("/paths/~1a/put/requestBody", "requestBody has no `content`"),
            ],
            "a parameter's `content` is read for its first entry only"
        );
        let get = &n.operations[0];
        assert!(get.parameters[0].content.is_none());
        let g = get.parameters[1].content.as_ref().expect("first entry");
        assert_eq!(g.media_type, "application/json");
        for op in &n.operations[1..] {
            assert_eq!(op.request_body.as_ref().map(|b| b.content.len()), Some(0));
        }
    }

    #[test]
    fn missing_or_empty_paths_give_zero_operations_and_a_warning() {
        for doc in [
            json!({"openapi": "3.1.0", "webhooks": {}}),
            json!({"openapi": "3.1.0", "paths": {}}),
        ] {
            let n = read(doc);
            assert!(n.operations.is_empty());
            assert!(
                n.warnings
                    .iter()
                    .any(|w| w.message.contains("no operations")),
                "{:?}",
                n.warnings
            );
        }
    }

    #[test]
    fn server_variables_are_replaced_by_their_defaults() {
        let n = read(json!({
            "openapi": "3.0.0",
            "servers": [
                {"url": "https://{region}.example.com:{port}/v1", "variables": {
                    "region": {"default": "eu"}, "port": {"default": 8443}
                }},
                {"url": "/relative"},
                {"url": "https://{missing}.example.com"}
            ],
            "paths": {}
        }));
        assert_eq!(
            n.servers,
            [
                "https://eu.example.com:8443/v1",
                "/relative",
                "https://{missing}.example.com"
            ]
        );
        assert!(
            n.warnings
                .iter()
                .any(|w| w.message.contains("`missing` has no `default`"))
        );
    }

    #[test]
    fn parameter_examples_and_content_are_read() {
        let document = json!({
            "openapi": "3.1.0",
            "paths": {"/a": {"get": {"parameters": [
                {"name": "a", "in": "query", "example": 5, "style": "form", "explode": false},
                {"name": "b", "in": "query", "examples": {"x": {"summary": "none"}, "y": {"value": "v"}}},
                {"name": "c", "in": "query", "content": {"application/json": {"schema": {"type": "object"}}}}
            ]}}}
        });
        let n = read(document.clone());
        let p = &n.operations[0].parameters;
        assert_eq!(p[0].example(&document), Some(&json!(5)));
        assert_eq!(p[0].style.as_deref(), Some("form"));
        assert_eq!(p[0].explode, Some(false));
        assert_eq!(p[1].example(&document), Some(&json!("v")));
        let content = p[2].content.as_ref().expect("content");
        assert_eq!(content.media_type, "application/json");
        assert_eq!(content.schema(&document), Some(&json!({"type": "object"})));
    }

    #[test]
    fn an_unknown_json_schema_dialect_is_a_warning_and_the_default_is_silent() {
        let doc = |dialect: &str| json!({"openapi": "3.1.0", "jsonSchemaDialect": dialect, "info": {}, "paths": {"/a": {"get": {}}}});
        let warnings = read(doc("https://json-schema.org/draft/2020-12/schema")).warnings;
        assert!(warnings.is_empty(), "{warnings:?}");
        let warnings = read(doc("http://json-schema.org/draft-04/schema#")).warnings;
        assert!(
            warnings[0].message.contains("read as JSON Schema 2020-12"),
            "{warnings:?}"
        );
        assert_eq!(warnings[0].location.pointer, "/jsonSchemaDialect");
    }
}
