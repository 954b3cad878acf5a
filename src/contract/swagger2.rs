//! Swagger 2.0 documents rewritten into the OpenAPI 3.0 shape, so that `openapi3` reads them
//! and every later stage treats them like any 3.x contract.
//!
//! ```yaml
//! swagger: '2.0'                      openapi: 3.0.3
//! host: api.example.com               servers: [{url: https://api.example.com/v1}]
//! basePath: /v1                       paths:
//! schemes: [https]                      /pets:
//! consumes: [application/json]            post:
//! paths:                                    parameters: [{name: limit, in: query,
//!   /pets:                          →                      schema: {type: integer}, example: 5}]
//!     post:                                 requestBody:
//!       parameters:                           required: true
//!         - {name: limit, in: query,          content: {application/json: {schema: {$ref: '#/definitions/Pet'}}}
//!            type: integer, x-example: 5}
//!         - {name: pet, in: body, required: true, schema: {$ref: '#/definitions/Pet'}}
//! ```
//!
//! Every node keeps its JSON pointer where it can (operations, path items, `definitions`,
//! top-level `parameters`), so positions found in the source text and `$ref`s still apply.
//! `body` and `formData` parameters become a `requestBody` (formData as an object schema under
//! the `consumes` form media types), `collectionFormat` becomes `style`/`explode`,
//! `securityDefinitions` become `components.securitySchemes`.

use serde_json::{Map, Value, json};

use super::pointer;

/// What could not be carried over exactly, with the pointer of the node.
pub(crate) type ConversionNote = (String, String);

/// The document in OpenAPI 3.0 form, and notes on what was approximated. `paths` is
/// rewritten with its nodes moved, not copied, and so is the rest of the document
/// (`definitions`, the bulk of most): only the shared `parameters` are rebuilt from a view of
/// the 2.0 document, in which `$ref`s are followed. `names_paths` says a `$ref` names `paths`
/// or a node in it (`refs::check` tells): the view then keeps a copy of the 2.0 `paths`.
pub(crate) fn to_openapi3(document: Value, names_paths: bool) -> (Value, Vec<ConversionNote>) {
    let Value::Object(mut root) = document else {
        return (document, Vec::new());
    };
    let paths = root.get_mut("paths").map(std::mem::take);
    let view = Value::Object(root);
    let with_paths = match (&paths, names_paths) {
        (Some(paths), true) => {
            let mut copy = view.clone();
            copy["paths"] = paths.clone();
            Some(copy)
        }
        _ => None,
    };
    let Rewritten {
        mut paths,
        mut parameters,
        server,
        security_schemes,
        notes,
    } = rewritten(with_paths.as_ref().unwrap_or(&view), paths);
    drop(with_paths);
    let Value::Object(root) = view else {
        unreachable!("built as an object above")
    };
    let mut out = Map::with_capacity(root.len() + 2);
    out.insert("openapi".into(), json!("3.0.3"));
    for (key, value) in root {
        match key.as_str() {
            "swagger"
            | "host"
            | "basePath"
            | "schemes"
            | "consumes"
            | "produces"
            | "securityDefinitions" => {}
            "paths" => {
                out.insert(key, paths.take().unwrap_or(value));
            }
            "parameters" => {
                out.insert(key, parameters.take().unwrap_or(value));
            }
            _ => {
                out.insert(key, value);
            }
        }
    }
    if let Some(server) = server {
        out.insert("servers".into(), json!([{ "url": server }]));
    }
    if let Some(schemes) = security_schemes {
        let components = out
            .entry("components")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(components) = components {
            components.insert("securitySchemes".into(), Value::Object(schemes));
        }
    }
    (Value::Object(out), notes)
}

/// The top-level values that change in 3.0 form.
struct Rewritten {
    paths: Option<Value>,
    parameters: Option<Value>,
    server: Option<String>,
    security_schemes: Option<Map<String, Value>>,
    notes: Vec<ConversionNote>,
}

/// `paths` (taken out of `document`) and the rest rewritten, with `$ref`s followed in
/// `document`.
fn rewritten(document: &Value, mut paths: Option<Value>) -> Rewritten {
    let Value::Object(root) = document else {
        unreachable!("to_openapi3 passes an object")
    };
    let mut converter = Converter {
        document,
        notes: Vec::new(),
    };
    let global_consumes = media_list(root.get("consumes"));
    let global_produces = media_list(root.get("produces"));
    // In document order, as their notes are.
    let (mut converted_paths, mut parameters) = (None, None);
    for (key, value) in root {
        match key.as_str() {
            "paths" => {
                converted_paths = paths
                    .take()
                    .map(|paths| converter.paths(paths, &global_consumes, &global_produces));
            }
            "parameters" => parameters = Some(converter.shared_parameters(value)),
            _ => {}
        }
    }
    let security_schemes = match root.get("securityDefinitions") {
        Some(Value::Object(definitions)) => Some(
            definitions
                .iter()
                .map(|(name, scheme)| (name.clone(), security_scheme(scheme)))
                .collect(),
        ),
        _ => None,
    };
    Rewritten {
        paths: converted_paths,
        parameters,
        server: server_url(root),
        security_schemes,
        notes: converter.notes,
    }
}

/// `scheme://host/basePath`, or just `basePath` when there is no host; `None` when neither.
fn server_url(root: &Map<String, Value>) -> Option<String> {
    let base_path = root
        .get("basePath")
        .and_then(Value::as_str)
        .map(|p| p.trim_end_matches('/'))
        .unwrap_or("");
    match root.get("host").and_then(Value::as_str) {
        Some(host) if !host.trim().is_empty() => {
            let schemes: Vec<&str> = root
                .get("schemes")
                .and_then(Value::as_array)
                .map(|s| s.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            // Without `schemes` the spec says "the scheme used to access the spec"; https is
            // the safer guess, and the base-URL rule only uses the path anyway.
            let scheme = if schemes.is_empty() || schemes.contains(&"https") {
                "https"
            } else {
                schemes[0]
            };
            Some(format!("{scheme}://{}{base_path}", host.trim()))
        }
        _ if !base_path.is_empty() => Some(base_path.to_string()),
        _ => None,
    }
}

fn security_scheme(scheme: &Value) -> Value {
    let Value::Object(map) = scheme else {
        return scheme.clone();
    };
    let mut out: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| k.starts_with("x-") || k.as_str() == "description")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    match map.get("type").and_then(Value::as_str) {
        Some("basic") => {
            out.insert("type".into(), json!("http"));
            out.insert("scheme".into(), json!("basic"));
        }
        Some("apiKey") => {
            out.insert("type".into(), json!("apiKey"));
            for key in ["name", "in"] {
                if let Some(value) = map.get(key) {
                    out.insert(key.into(), value.clone());
                }
            }
        }
        Some("oauth2") => {
            out.insert("type".into(), json!("oauth2"));
            out.insert("flows".into(), json!({}));
        }
        _ => {
            if let Some(kind) = map.get("type") {
                out.insert("type".into(), kind.clone());
            }
        }
    }
    Value::Object(out)
}

/// A `consumes`/`produces` list; `None` when absent (so the global one applies).
fn media_list(value: Option<&Value>) -> Option<Vec<String>> {
    value.and_then(Value::as_array).map(|types| {
        types
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    })
}

/// Keys of a 2.0 non-body parameter that describe its value, i.e. become its 3.0 `schema`.
const SCHEMA_KEYS: &[&str] = &[
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];

/// A 2.0 `items` (or parameter) value description as a 3.0 schema: `type: file` is a binary
/// string, nested `collectionFormat`s are dropped.
fn value_schema(map: &Map<String, Value>) -> Value {
    // One pass over the parameter's keys (a lookup per schema keyword hashes each of them),
    // then the keywords in `SCHEMA_KEYS` order.
    let mut found: [Option<&Value>; SCHEMA_KEYS.len()] = [None; SCHEMA_KEYS.len()];
    for (key, value) in map {
        if let Some(i) = SCHEMA_KEYS.iter().position(|k| k == key) {
            found[i] = Some(value);
        }
    }
    let mut schema = Map::new();
    for (key, value) in SCHEMA_KEYS.iter().zip(found) {
        let Some(value) = value else { continue };
        let value = match (*key, value) {
            ("items", Value::Object(items)) => value_schema(items),
            ("type", Value::String(t)) if t == "file" => {
                schema.insert("format".into(), json!("binary"));
                json!("string")
            }
            _ => value.clone(),
        };
        schema.entry(key.to_string()).or_insert(value);
    }
    Value::Object(schema)
}

struct Converter<'a> {
    document: &'a Value,
    notes: Vec<ConversionNote>,
}

/// A parameter after following its `$ref` in the 2.0 document.
struct Resolved<'a> {
    map: &'a Map<String, Value>,
    location: &'a str,
}

impl<'a> Converter<'a> {
    fn note(&mut self, at: &str, message: impl Into<String>) {
        self.notes.push((at.to_string(), message.into()));
    }

    fn resolve<'r>(&self, parameter: &'r Value) -> Option<Resolved<'r>>
    where
        'a: 'r,
    {
        let (target, _) = super::refs::resolve(self.document, parameter).ok()?;
        let map = target.as_object()?;
        Some(Resolved {
            map,
            location: map.get("in").and_then(Value::as_str).unwrap_or(""),
        })
    }

    fn shared_parameters(&mut self, value: &Value) -> Value {
        let Value::Object(parameters) = value else {
            return value.clone();
        };
        let converted = parameters
            .iter()
            .map(|(name, parameter)| {
                let at = pointer::child("/parameters", name);
                let out = match parameter.as_object() {
                    Some(map) if !matches!(parameter_in(map), "body" | "formData") => {
                        self.parameter(map.clone(), &at)
                    }
                    // Body and formData parameters are folded into request bodies where used.
                    _ => parameter.clone(),
                };
                (name.clone(), out)
            })
            .collect();
        Value::Object(converted)
    }

    /// A non-body 2.0 parameter in 3.0 form.
    fn parameter(&mut self, map: Map<String, Value>, at: &str) -> Value {
        if map.contains_key("$ref") {
            return Value::Object(map);
        }
        let schema = value_schema(&map);
        let array_style = (map.get("type").and_then(Value::as_str) == Some("array")).then(|| {
            let location = parameter_in(&map).to_string();
            let format = map
                .get("collectionFormat")
                .and_then(Value::as_str)
                .unwrap_or("csv")
                .to_string();
            (location, format)
        });
        let mut out = Map::new();
        let mut example = None;
        for (key, value) in map {
            if key == "x-example" {
                example = Some(value);
                continue;
            }
            let keep = matches!(
                key.as_str(),
                "name" | "in" | "description" | "required" | "deprecated"
            ) || key.starts_with("x-");
            if keep {
                out.insert(key, value);
            }
        }
        out.insert("schema".into(), schema);
        if let Some(example) = example {
            out.insert("example".into(), example);
        }
        if let Some((location, format)) = array_style {
            let (location, format) = (location.as_str(), format.as_str());
            let (style, explode) = match (format, location) {
                ("multi", _) => ("form", true),
                ("ssv", "query") => ("spaceDelimited", false),
                ("pipes", "query") => ("pipeDelimited", false),
                (_, "query" | "cookie") => ("form", false),
                _ => ("simple", false),
            };
            let exact = match format {
                "csv" | "multi" => true,
                "ssv" | "pipes" => location == "query",
                _ => false,
            };
            if !exact {
                self.note(
                    at,
                    format!(
                        "collectionFormat `{format}` has no OpenAPI 3 style for `in: {location}`; \
                         sent comma-separated"
                    ),
                );
            }
            out.insert("style".into(), json!(style));
            out.insert("explode".into(), json!(explode));
        }
        Value::Object(out)
    }

    fn paths(
        &mut self,
        value: Value,
        global_consumes: &Option<Vec<String>>,
        global_produces: &Option<Vec<String>>,
    ) -> Value {
        let Value::Object(paths) = value else {
            return value;
        };
        let mut out = Map::with_capacity(paths.len());
        for (path, item) in paths {
            let at = pointer::child("/paths", &path);
            let converted = match item {
                _ if path.starts_with("x-") => item,
                Value::Object(map) if !map.contains_key("$ref") => {
                    self.path_item(map, &at, global_consumes, global_produces)
                }
                // A `$ref`'d path item (2.0 allows only external ones) is converted inline.
                other => match super::refs::resolve(self.document, &other) {
                    Ok((Value::Object(target), _)) => {
                        self.path_item(target.clone(), &at, global_consumes, global_produces)
                    }
                    _ => other,
                },
            };
            out.insert(path, converted);
        }
        Value::Object(out)
    }

    fn path_item(
        &mut self,
        item: Map<String, Value>,
        at: &str,
        global_consumes: &Option<Vec<String>>,
        global_produces: &Option<Vec<String>>,
    ) -> Value {
        // Read by every operation for its body and formData parameters.
        let shared: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut out = Map::with_capacity(item.len());
        for (key, value) in item {
            let key_at = pointer::child(at, &key);
            let converted = match (key.as_str(), value) {
                ("parameters", Value::Array(parameters)) => {
                    Value::Array(self.non_body_list(parameters, &key_at))
                }
                (method, Value::Object(operation))
                    if super::Method::from_path_item_key(method).is_some() =>
                {
                    self.operation(
                        operation,
                        &key_at,
                        &shared,
                        global_consumes,
                        global_produces,
                    )
                }
                (_, value) => value,
            };
            out.insert(key, converted);
        }
        Value::Object(out)
    }

    /// The 3.0 forms of the non-body parameters of a `parameters` list at `at`.
    fn non_body_list(&mut self, parameters: Vec<Value>, at: &str) -> Vec<Value> {
        parameters
            .into_iter()
            .enumerate()
            .filter_map(|(i, p)| self.non_body(p, &pointer::index(at, i)))
            .collect()
    }

    /// The 3.0 form of a non-body parameter; `None` for body and formData ones.
    fn non_body(&mut self, parameter: Value, at: &str) -> Option<Value> {
        match parameter {
            Value::Object(map) if !map.contains_key("$ref") => {
                if matches!(parameter_in(&map), "body" | "formData") {
                    None
                } else {
                    Some(self.parameter(map, at))
                }
            }
            other => match self.resolve(&other) {
                Some(resolved) if matches!(resolved.location, "body" | "formData") => None,
                // A `$ref`'d one is inlined: its target may sit in a bundled file, unconverted.
                Some(resolved) => {
                    let map = resolved.map.clone();
                    Some(self.parameter(map, at))
                }
                // Unreadable: left for the 3.0 reader to warn about.
                None => Some(other),
            },
        }
    }

    fn operation(
        &mut self,
        operation: Map<String, Value>,
        at: &str,
        shared: &[Value],
        global_consumes: &Option<Vec<String>>,
        global_produces: &Option<Vec<String>>,
    ) -> Value {
        let consumes = media_list(operation.get("consumes"))
            .or_else(|| global_consumes.clone())
            .unwrap_or_default();
        let produces = media_list(operation.get("produces"))
            .or_else(|| global_produces.clone())
            .unwrap_or_default();
        let (request_body, both_note) = self.request_body(&operation, shared, &consumes);

        let mut out = Map::with_capacity(operation.len() + 1);
        for (key, value) in operation {
            let key_at = pointer::child(at, &key);
            match (key.as_str(), value) {
                ("consumes" | "produces", _) => {}
                ("parameters", Value::Array(parameters)) => {
                    let kept = self.non_body_list(parameters, &key_at);
                    out.insert(key, Value::Array(kept));
                }
                ("responses", Value::Object(responses)) => {
                    out.insert(key, responses_with_content(responses, &produces));
                }
                (_, value) => {
                    out.insert(key, value);
                }
            }
        }
        if both_note {
            self.note(
                at,
                "declares both `body` and `formData` parameters; the body one is used",
            );
        }
        if let Some(request_body) = request_body {
            out.insert("requestBody".into(), request_body);
        }
        Value::Object(out)
    }

    /// The request body the body and formData parameters of the path item and the operation
    /// make (the operation's win by name), and whether both kinds were declared.
    fn request_body(
        &mut self,
        operation: &Map<String, Value>,
        shared: &[Value],
        consumes: &[String],
    ) -> (Option<Value>, bool) {
        let own = operation
            .get("parameters")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let mut body: Option<Resolved<'_>> = None;
        let mut form: Vec<Resolved<'_>> = Vec::new();
        for parameter in shared.iter().chain(own) {
            let Some(resolved) = self.resolve(parameter) else {
                continue;
            };
            match resolved.location {
                "body" => body = Some(resolved),
                "formData" => {
                    let name = resolved.map.get("name");
                    form.retain(|f| f.map.get("name") != name);
                    form.push(resolved);
                }
                _ => {}
            }
        }
        match (body, form.is_empty()) {
            (Some(body), _) => (Some(body_request(body.map, consumes)), !form.is_empty()),
            (None, false) => (Some(form_request(&form, consumes)), false),
            (None, true) => (None, false),
        }
    }
}

/// `formData` parameters as one object schema under the form media types `consumes` names
/// (multipart when a file is among them and nothing is declared).
fn form_request(form: &[Resolved<'_>], consumes: &[String]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut encoding = Map::new();
    let mut has_file = false;
    for field in form {
        let Some(name) = field.map.get("name").and_then(Value::as_str) else {
            continue;
        };
        let mut schema = value_schema(field.map);
        if field.map.get("type").and_then(Value::as_str) == Some("file") {
            has_file = true;
        }
        if let (Some(example), Value::Object(schema)) = (field.map.get("x-example"), &mut schema) {
            schema.insert("example".into(), example.clone());
        }
        properties.insert(name.to_string(), schema);
        if field.map.get("required") == Some(&Value::Bool(true)) {
            required.push(json!(name));
        }
        if field.map.get("type").and_then(Value::as_str) == Some("array") {
            let multi = field.map.get("collectionFormat").and_then(Value::as_str) == Some("multi");
            encoding.insert(name.to_string(), json!({"style": "form", "explode": multi}));
        }
    }
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = Value::Array(required.clone());
    }
    let declared: Vec<&str> = consumes
        .iter()
        .map(String::as_str)
        .filter(|m| {
            let essence = m
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            essence == "multipart/form-data" || essence == "application/x-www-form-urlencoded"
        })
        .collect();
    let media_types = if !declared.is_empty() {
        declared
    } else if has_file {
        vec!["multipart/form-data"]
    } else {
        vec!["application/x-www-form-urlencoded"]
    };
    let mut content = Map::new();
    for media_type in media_types {
        let mut media = json!({"schema": schema.clone()});
        if !encoding.is_empty() {
            media["encoding"] = Value::Object(encoding.clone());
        }
        content.insert(media_type.to_string(), media);
    }
    json!({"required": !required.is_empty(), "content": content})
}

fn parameter_in(map: &Map<String, Value>) -> &str {
    map.get("in").and_then(Value::as_str).unwrap_or("")
}

/// A `body` parameter as a request body: its schema under every `consumes` media type
/// (`application/json` when none is declared), with `x-examples` per media type.
fn body_request(map: &Map<String, Value>, consumes: &[String]) -> Value {
    let media_types: Vec<&str> = if consumes.is_empty() {
        vec!["application/json"]
    } else {
        consumes.iter().map(String::as_str).collect()
    };
    let examples = map.get("x-examples").and_then(Value::as_object);
    let mut content = Map::new();
    for media_type in media_types {
        let mut media = Map::new();
        if let Some(schema) = map.get("schema") {
            media.insert("schema".into(), schema.clone());
        }
        let example = examples
            .and_then(|e| e.get(media_type))
            .or_else(|| map.get("x-example"));
        if let Some(example) = example {
            media.insert("example".into(), example.clone());
        }
        content.insert(media_type.to_string(), Value::Object(media));
    }
    let mut out = json!({
        "required": map.get("required") == Some(&Value::Bool(true)),
        "content": content,
    });
    if let Some(description) = map.get("description") {
        out["description"] = description.clone();
    }
    out
}

/// Responses with a `schema` get it under every `produces` media type (JSON by default).
fn responses_with_content(responses: Map<String, Value>, produces: &[String]) -> Value {
    let media_types: Vec<&str> = if produces.is_empty() {
        vec!["application/json"]
    } else {
        produces.iter().map(String::as_str).collect()
    };
    let converted = responses
        .into_iter()
        .map(|(status, response)| {
            let converted = match response {
                Value::Object(mut map)
                    if map.contains_key("schema") && !map.contains_key("$ref") =>
                {
                    // Removed keeping the order of the rest.
                    let schema = map.shift_remove("schema").unwrap_or_default();
                    let examples = map.shift_remove("examples");
                    let content: Map<String, Value> = media_types
                        .iter()
                        .map(|media_type| {
                            let mut media = json!({"schema": schema.clone()});
                            if let Some(example) =
                                examples.as_ref().and_then(|e| e.get(*media_type))
                            {
                                media["example"] = example.clone();
                            }
                            (media_type.to_string(), media)
                        })
                        .collect();
                    map.insert("content".into(), Value::Object(content));
                    Value::Object(map)
                }
                other => other,
            };
            (status, converted)
        })
        .collect();
    Value::Object(converted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_come_from_scheme_host_and_base_path() {
        let server = |doc: Value| server_url(doc.as_object().unwrap());
        assert_eq!(
            server(
                json!({"host": "api.example.com", "basePath": "/v1/", "schemes": ["http", "https"]})
            ),
            Some("https://api.example.com/v1".into())
        );
        assert_eq!(
            server(json!({"host": "h:8080", "schemes": ["http"]})),
            Some("http://h:8080".into())
        );
        assert_eq!(server(json!({"basePath": "/api"})), Some("/api".into()));
        assert_eq!(server(json!({})), None);
    }

    #[test]
    fn collection_formats_become_styles() {
        let doc = json!({"swagger": "2.0", "paths": {"/a": {"get": {"parameters": [
            {"name": "csv", "in": "query", "type": "array", "items": {"type": "integer"}},
            {"name": "multi", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"},
            {"name": "pipes", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "pipes"},
            {"name": "tsv", "in": "header", "type": "array", "items": {"type": "string"}, "collectionFormat": "tsv"}
        ]}}}});
        let (converted, notes) = to_openapi3(doc, false);
        let params = &converted["paths"]["/a"]["get"]["parameters"];
        assert_eq!(params[0]["style"], "form");
        assert_eq!(params[0]["explode"], false);
        assert_eq!(
            params[0]["schema"],
            json!({"type": "array", "items": {"type": "integer"}})
        );
        assert_eq!(params[1]["explode"], true);
        assert_eq!(params[2]["style"], "pipeDelimited");
        assert_eq!(params[3]["style"], "simple");
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].1.contains("tsv"));
    }

    #[test]
    fn security_definitions_become_security_schemes() {
        let doc = json!({"swagger": "2.0", "securityDefinitions": {
            "basic": {"type": "basic"},
            "key": {"type": "apiKey", "name": "X-Key", "in": "header"},
            "oauth": {"type": "oauth2", "flow": "implicit", "authorizationUrl": "https://x", "scopes": {}}
        }, "paths": {}});
        let (converted, _) = to_openapi3(doc, false);
        assert_eq!(
            converted["components"]["securitySchemes"],
            json!({
                "basic": {"type": "http", "scheme": "basic"},
                "key": {"type": "apiKey", "name": "X-Key", "in": "header"},
                "oauth": {"type": "oauth2", "flows": {}}
            })
        );
    }

    #[test]
    fn a_parameter_ref_into_paths_is_followed_in_the_original() {
        // `paths` is rewritten in place: a `$ref` into it must still see the 2.0 parameter.
        let text = json!({"swagger": "2.0", "paths": {
            "/a": {"post": {"parameters": [{"in": "body", "name": "b", "schema": {"type": "object"}}],
                            "responses": {"200": {"description": "ok"}}}},
            "/b": {"post": {"parameters": [{"$ref": "#/paths/~1a/post/parameters/0"}],
                            "responses": {"200": {"description": "ok"}}}}
        }})
        .to_string();
        let contract = super::super::parse("refs.json", text.as_bytes()).expect("loads");
        for op in &contract.operations {
            let body = op
                .request_body
                .as_ref()
                .expect("a body from the body parameter");
            assert_eq!(
                body.content[0].schema(&contract.document),
                Some(&json!({"type": "object"})),
                "{}",
                op.label()
            );
        }
        assert_eq!(contract.operations.len(), 2);
    }

    #[test]
    fn odd_swagger_documents_load_without_panicking() {
        let odd = [
            json!({"swagger": "2.0", "paths": []}),
            json!({"swagger": "2.0", "paths": {"/a": {"get": {"parameters": 7}}}}),
            json!({"swagger": "2.0", "paths": {"/a": {"parameters": [1, "x", {"in": "body"}],
                "post": {"consumes": "application/json", "parameters": [
                    {"in": "body", "name": "b"},
                    {"in": "formData"},
                    {"in": "formData", "name": "f", "type": "file", "collectionFormat": 3},
                    {"$ref": "#/parameters/nope"}
                ], "responses": {"200": {"schema": 5}, "x-a": 1}}}}}),
            json!({"swagger": "2.0", "host": 5, "basePath": [], "schemes": "https",
                   "securityDefinitions": {"a": 1, "b": {"type": 2}}, "paths": {}}),
            json!({"swagger": "2.0", "parameters": {"p": {"in": "query", "type": "array", "items": 3}},
                   "paths": {"/b": {"$ref": "#/paths/~1b"}, "/c": {"$ref": 4}}}),
        ];
        for document in odd {
            let text = document.to_string();
            let _ = super::super::parse("odd.json", text.as_bytes());
            let _ = to_openapi3(document.clone(), false);
            let _ = to_openapi3(document.clone(), true);
        }
    }
}
