//! Request bodies: the first declared media type rollcall can produce, with
//! the media type's example or a value synthesized from its schema.
//!
//! ```text
//! application/json, application/*+json  → {"name":"Rex"}
//! application/x-www-form-urlencoded     → name=Rex&tags=a&tags=b
//! multipart/form-data                   → --rollcall-boundary-6f1d2c
//!                                         Content-Disposition: form-data; name="name"
//!                                         ...  (binary properties as a tiny file part)
//! application/xml, text/xml, */*+xml    → <?xml version="1.0" encoding="UTF-8"?><Pet><name>Rex</name></Pet>
//!   {properties: {Tagging: {...}}}      → <?xml version="1.0" encoding="UTF-8"?><Tagging>...</Tagging>
//!   {properties: {x-amz-meta-: {...}}}  → (empty: AWS header members are no elements)
//! application/octet-stream, image/*     → the bytes of a tiny generated file
//! text/plain                            → Rex
//! */*, application/*                    → sent as application/json
//! others                                → skipped; if nothing else is declared,
//!                                         the first media type with an empty body
//! ```
//!
//! The multipart boundary and the generated file are fixed, so the same contract always gives
//! the same bytes.

use serde_json::{Map, Value};

use super::Body;
use super::media::{MediaKind, is_json_media_type, media_kind};
use super::serialize::{encode_component, query_pairs, scalar_text};
use super::synth;
use crate::contract::{MediaType, ParamLocation, Parameter, RequestBody};

/// The body a safe-mode probe sends to make a JSON handler fail parsing.
pub const MALFORMED_JSON: &str = "{\"rollcall\": ";

/// The multipart boundary: fixed, so plans are deterministic, and unlikely in any value.
pub const MULTIPART_BOUNDARY: &str = "rollcall-boundary-6f1d2c";

/// The content of every generated file part and binary body.
pub const GENERATED_FILE: &[u8] = b"rollcall test file\n";

/// The first JSON media type the body declares.
pub fn first_json(request_body: &RequestBody) -> Option<&MediaType> {
    request_body
        .content
        .iter()
        .find(|m| is_json_media_type(&m.media_type))
}

/// Whether `body` is safe mode's malformed JSON body.
pub fn is_malformed_json(body: &Body) -> bool {
    body.bytes == MALFORMED_JSON.as_bytes()
}

/// The truncated JSON body, under `media_type`.
pub fn malformed_json(media_type: &str) -> Body {
    Body {
        content_type: media_type.to_string(),
        bytes: MALFORMED_JSON.as_bytes().to_vec(),
    }
}

/// A valid body for the first producible media type; when none is
/// producible, the first media type with an empty body (see
/// [`unproducible_note`]). `None` when the body declares no media type.
pub fn valid_body(document: &Value, request_body: &RequestBody) -> Option<Body> {
    valid_body_for(document, request_body, None, &mut Vec::new())
}

/// [`valid_body`] for the operation `operation_id`, which names an XML
/// document whose schema names none (`<createPetRequest>`). Where synthesis
/// gave up on the body's schema, a note is added to `notes`.
pub fn valid_body_for(
    document: &Value,
    request_body: &RequestBody,
    operation_id: Option<&str>,
    notes: &mut Vec<String>,
) -> Option<Body> {
    for media in &request_body.content {
        let kind = media_kind(&media.media_type);
        let mut value = || {
            let synthesized = synth::media_synthesis(document, media)?;
            notes.extend(synthesized.note(&format!("request body ({})", media.media_type)));
            Some(synthesized.value)
        };
        let (content_type, bytes) = match kind {
            MediaKind::Json | MediaKind::AnyAsJson => {
                let value = value().unwrap_or_else(|| Value::Object(Default::default()));
                let content_type = if kind == MediaKind::Json {
                    media.media_type.clone()
                } else {
                    "application/json".to_string()
                };
                (content_type, value.to_string().into_bytes())
            }
            MediaKind::Form => {
                let value = value().unwrap_or_else(|| Value::Object(Default::default()));
                (
                    media.media_type.clone(),
                    form_encode(document, media, &value).into_bytes(),
                )
            }
            MediaKind::Text => {
                let value = value().unwrap_or_else(|| Value::String(synth::PLACEHOLDER.into()));
                (media.media_type.clone(), scalar_text(&value).into_bytes())
            }
            MediaKind::Multipart => {
                let value = value().unwrap_or_else(|| Value::Object(Default::default()));
                (
                    format!("{}; boundary={MULTIPART_BOUNDARY}", media.media_type),
                    multipart_encode(document, media, &value),
                )
            }
            MediaKind::Xml => {
                let value = value().unwrap_or_else(|| Value::Object(Default::default()));
                let root = operation_id.map(|id| format!("{id}Request"));
                let xml = xml_body(document, media.schema(document), &value, root.as_deref());
                (media.media_type.clone(), xml.into_bytes())
            }
            MediaKind::Binary => {
                // An example given as text is sent as its bytes; otherwise a tiny file.
                let bytes = match media.example(document) {
                    Some(Value::String(text)) => text.clone().into_bytes(),
                    _ => GENERATED_FILE.to_vec(),
                };
                (media.media_type.clone(), bytes)
            }
            MediaKind::Unsupported => continue,
        };
        return Some(Body {
            content_type,
            bytes,
        });
    }
    request_body.content.first().map(|first| Body {
        content_type: first.media_type.clone(),
        bytes: Vec::new(),
    })
}

/// Says that no declared media type can be produced, so the first is sent
/// with an empty body; `None` when one can be (or none is declared).
pub fn unproducible_note(request_body: &RequestBody) -> Option<String> {
    let producible = request_body
        .content
        .iter()
        .any(|m| media_kind(&m.media_type) != MediaKind::Unsupported);
    let first = request_body.content.first().filter(|_| !producible)?;
    let declared: Vec<&str> = request_body
        .content
        .iter()
        .map(|m| m.media_type.as_str())
        .collect();
    Some(format!(
        "no declared body media type can be produced ({}); sent {} with an empty body",
        declared.join(", "),
        first.media_type
    ))
}

/// An object as `application/x-www-form-urlencoded`, each property
/// serialized as its `encoding` entry says (style `form`, exploded, by
/// default; a JSON `contentType` sends the property as JSON text).
pub fn form_encode(document: &Value, media: &MediaType, value: &Value) -> String {
    let Value::Object(properties) = value else {
        return encode_component(&scalar_text(value));
    };
    let encoding = media.encoding(document).and_then(Value::as_object);
    let mut pairs = Vec::new();
    for (name, property) in properties {
        let entry = encoding
            .and_then(|e| e.get(name))
            .and_then(Value::as_object);
        let text = |key: &str| entry.and_then(|e| e.get(key)).and_then(Value::as_str);
        let content = text("contentType")
            .filter(|ct| is_json_media_type(ct))
            .map(|ct| MediaType {
                media_type: ct.to_string(),
                schema: None,
                example: None,
                encoding: None,
            });
        let field = Parameter {
            name: name.clone(),
            location: ParamLocation::Query,
            required: true,
            deprecated: false,
            style: text("style").map(str::to_string),
            explode: entry
                .and_then(|e| e.get("explode"))
                .and_then(Value::as_bool),
            allow_reserved: entry.and_then(|e| e.get("allowReserved")) == Some(&Value::Bool(true)),
            schema: None,
            example: None,
            content,
        };
        pairs.extend(query_pairs(&field, property));
    }
    pairs.join("&")
}

/// The schema of each property of an object schema, `$ref`s followed and `allOf` merged.
fn property_schemas(document: &Value, schema: Option<&Value>) -> Map<String, Value> {
    let Some(schema) = schema else {
        return Map::new();
    };
    match synth::flatten(document, schema).remove("properties") {
        Some(Value::Object(properties)) => properties,
        _ => Map::new(),
    }
}

/// Whether a (flattened) schema describes file content: `format: binary` (3.0), or a 3.1
/// `contentMediaType`/`contentEncoding`.
fn is_file(schema: &Map<String, Value>) -> bool {
    schema.get("format").and_then(Value::as_str) == Some("binary")
        || schema.contains_key("contentMediaType")
        || schema.get("contentEncoding").and_then(Value::as_str) == Some("binary")
}

/// An object as `multipart/form-data`: one part per property (one per item for arrays),
/// files as a tiny generated file, objects as JSON, the rest as text. A part's
/// `Content-Type` is its `encoding` entry's first `contentType` when one is declared.
pub fn multipart_encode(document: &Value, media: &MediaType, value: &Value) -> Vec<u8> {
    let properties = property_schemas(document, media.schema(document));
    let encoding = media.encoding(document).and_then(Value::as_object);
    let mut out = Vec::new();
    let fields: Vec<(String, &Value)> = match value {
        Value::Object(fields) => fields.iter().map(|(k, v)| (k.clone(), v)).collect(),
        other => vec![("value".to_string(), other)],
    };
    for (name, field) in fields {
        let schema = properties
            .get(&name)
            .map(|s| synth::flatten(document, s))
            .unwrap_or_default();
        let declared_type = encoding
            .and_then(|e| e.get(&name))
            .and_then(|e| e.get("contentType"))
            .and_then(Value::as_str)
            .and_then(|types| types.split(',').next())
            .map(|t| t.trim().to_string());
        let (items, item_schema): (Vec<&Value>, Map<String, Value>) = match field {
            Value::Array(items) if synth::effective_type(&schema) == Some("array") => {
                let item_schema = schema
                    .get("items")
                    .map(|s| synth::flatten(document, s))
                    .unwrap_or_default();
                (items.iter().collect(), item_schema)
            }
            other => (vec![other], schema),
        };
        for item in items {
            out.extend_from_slice(format!("--{MULTIPART_BOUNDARY}\r\n").as_bytes());
            let disposition_name = name.replace(['"', '\r', '\n'], "_");
            if is_file(&item_schema) {
                let content_type = declared_type
                    .clone()
                    .or_else(|| {
                        item_schema
                            .get("contentMediaType")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
                    .unwrap_or_else(|| "application/octet-stream".to_string());
                out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{disposition_name}\"; \
                         filename=\"rollcall.bin\"\r\nContent-Type: {content_type}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(GENERATED_FILE);
            } else {
                let content_type = declared_type
                    .clone()
                    .or_else(|| item.is_object().then(|| "application/json".to_string()));
                out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{disposition_name}\"\r\n")
                        .as_bytes(),
                );
                if let Some(content_type) = content_type {
                    out.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
                }
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(scalar_text(item).as_bytes());
            }
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(format!("--{MULTIPART_BOUNDARY}--\r\n").as_bytes());
    out
}

/// The `xml` object of a schema: its `name`, whether it is an `attribute` and whether an
/// array is `wrapped` (or explicitly not).
struct XmlHints {
    name: Option<String>,
    attribute: bool,
    wrapped: Option<bool>,
}

fn xml_hints(schema: &Map<String, Value>) -> XmlHints {
    let xml = schema.get("xml");
    let flag = |key: &str| xml.and_then(|x| x.get(key)).and_then(Value::as_bool);
    XmlHints {
        name: xml
            .and_then(|x| x.get("name"))
            .and_then(Value::as_str)
            .map(str::to_string),
        attribute: flag("attribute") == Some(true),
        wrapped: flag("wrapped"),
    }
}

/// A name usable as an XML element name (anything else becomes `_`).
fn xml_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match cleaned.chars().next() {
        Some(first) if first.is_alphabetic() || first == '_' => cleaned,
        _ => format!("_{cleaned}"),
    }
}

/// The properties of an XML body schema that are AWS headers, not elements:
/// AWS's contracts leave header-bound members in the body schema
/// (`x-amz-meta-`, S3's user metadata), named by their header.
fn is_aws_header_member(name: &str) -> bool {
    name.to_ascii_lowercase().starts_with("x-amz-")
}

/// Whether the contract is one of AWS's (a security scheme with an
/// `x-amazon-apigateway-authtype`): its XML lists are wrapped unless they
/// say `xml: {wrapped: false}` (S3's `<TagSet><Tag>…</Tag></TagSet>`, but
/// `<CORSRule>` repeated), the other way round from OpenAPI's default.
pub fn aws_xml_conventions(document: &Value) -> bool {
    super::auth::security_schemes(document)
        .any(|scheme| scheme.contains_key("x-amazon-apigateway-authtype"))
}

/// The body for an XML media type, following the contract's conventions:
/// a schema that names its element (`xml.name`, or the component it
/// references) is that document; an inline object with one member (AWS
/// headers aside) is that member's document (`{properties: {Tagging:
/// ...}}` → `<Tagging>`, as AWS's contracts write a payload), filled like
/// a body of its own when the value left it empty; with no member at all,
/// the body is empty; otherwise the document element is named `root_hint`
/// (`<operationId>Request`, as AWS names its inputs).
pub fn xml_body(
    document: &Value,
    schema: Option<&Value>,
    value: &Value,
    root_hint: Option<&str>,
) -> String {
    let mut writer = XmlWriter {
        document,
        budget: 10_000,
        wrap_lists: aws_xml_conventions(document),
    };
    let flat = schema
        .map(|s| synth::flatten(document, s))
        .unwrap_or_default();
    let named = xml_hints(&flat).name.is_some() || schema.is_some_and(|s| s.get("$ref").is_some());
    let properties = match flat.get("properties") {
        Some(Value::Object(properties)) if !named => properties.clone(),
        _ => Map::new(),
    };
    let members: Vec<(&String, &Value)> = properties
        .iter()
        .filter(|(name, _)| !is_aws_header_member(name))
        .collect();
    if !named && !properties.is_empty() {
        match members.as_slice() {
            [] => return String::new(),
            [(name, member_schema)] => {
                let member = synth::flatten(document, member_schema);
                let member_value = match value.get(name.as_str()) {
                    Some(Value::Object(fields)) if fields.is_empty() => {
                        synth::body_value(document, member_schema)
                    }
                    Some(given) => given.clone(),
                    None => synth::body_value(document, member_schema),
                };
                let element = xml_hints(&member).name.unwrap_or_else(|| name.to_string());
                let mut out = String::from(XML_DECLARATION);
                writer.element(&xml_name(&element), &member, &member_value, &mut out, 0);
                return out;
            }
            _ => {}
        }
    }
    let root = root_name(schema, &flat, root_hint.unwrap_or("request"));
    let mut out = String::from(XML_DECLARATION);
    writer.element(&xml_name(&root), &flat, value, &mut out, 0);
    out
}

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

/// A minimal well-formed XML document for `value`: the root element is named by the schema's
/// `xml.name`, else the name of the component it references, else `request`; properties become
/// child elements (or attributes with `xml.attribute`), arrays repeat their item element
/// (inside a wrapper with `xml.wrapped`).
pub fn xml_document(document: &Value, schema: Option<&Value>, value: &Value) -> String {
    let flat = schema
        .map(|s| synth::flatten(document, s))
        .unwrap_or_default();
    let root = root_name(schema, &flat, "request");
    let mut writer = XmlWriter {
        document,
        budget: 10_000,
        wrap_lists: aws_xml_conventions(document),
    };
    let mut out = String::from(XML_DECLARATION);
    writer.element(&xml_name(&root), &flat, value, &mut out, 0);
    out
}

/// The root element's name: the schema's `xml.name`, else the name of the
/// component it references, else `fallback`.
fn root_name(schema: Option<&Value>, flat: &Map<String, Value>, fallback: &str) -> String {
    let referenced = schema
        .and_then(|s| s.get("$ref"))
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .filter(|name| !name.is_empty());
    xml_hints(flat)
        .name
        .or_else(|| referenced.map(str::to_string))
        .unwrap_or_else(|| fallback.to_string())
}

/// Writes elements for values, bounded in depth and in elements.
struct XmlWriter<'d> {
    document: &'d Value,
    /// Elements left to write.
    budget: usize,
    /// Lists without `xml.wrapped` get a wrapper (AWS's convention).
    wrap_lists: bool,
}

impl XmlWriter<'_> {
    fn wrapped(&self, hints: &XmlHints) -> bool {
        hints.wrapped.unwrap_or(self.wrap_lists)
    }

    fn element(
        &mut self,
        name: &str,
        schema: &Map<String, Value>,
        value: &Value,
        out: &mut String,
        depth: usize,
    ) {
        self.budget = self.budget.saturating_sub(1);
        let escape = |text: &str| quick_xml::escape::escape(text).into_owned();
        let document = self.document;
        match value {
            Value::Object(fields) if depth < 32 && self.budget > 0 => {
                let properties = match schema.get("properties") {
                    Some(Value::Object(p)) => p.clone(),
                    _ => Map::new(),
                };
                let mut attributes = String::new();
                let mut children = String::new();
                for (field, field_value) in fields {
                    let field_schema = properties
                        .get(field)
                        .map(|s| synth::flatten(document, s))
                        .unwrap_or_default();
                    let hints = xml_hints(&field_schema);
                    let field_name = xml_name(hints.name.as_deref().unwrap_or(field));
                    if hints.attribute && !field_value.is_object() && !field_value.is_array() {
                        attributes.push_str(&format!(
                            " {field_name}=\"{}\"",
                            escape(&scalar_text(field_value))
                        ));
                        continue;
                    }
                    match field_value {
                        Value::Array(items) => {
                            let item_schema = field_schema
                                .get("items")
                                .map(|s| synth::flatten(document, s))
                                .unwrap_or_default();
                            let item_name = xml_hints(&item_schema)
                                .name
                                .map_or_else(|| field_name.clone(), |n| xml_name(&n));
                            let wrapped = self.wrapped(&hints);
                            if wrapped {
                                children.push_str(&format!("<{field_name}>"));
                            }
                            for item in items {
                                self.element(
                                    &item_name,
                                    &item_schema,
                                    item,
                                    &mut children,
                                    depth + 1,
                                );
                            }
                            if wrapped {
                                children.push_str(&format!("</{field_name}>"));
                            }
                        }
                        _ => self.element(
                            &field_name,
                            &field_schema,
                            field_value,
                            &mut children,
                            depth + 1,
                        ),
                    }
                }
                out.push_str(&format!("<{name}{attributes}>{children}</{name}>"));
            }
            Value::Array(items) if depth < 32 && self.budget > 0 => {
                let item_schema = schema
                    .get("items")
                    .map(|s| synth::flatten(document, s))
                    .unwrap_or_default();
                out.push_str(&format!("<{name}>"));
                for item in items {
                    let item_name = xml_hints(&item_schema)
                        .name
                        .map_or_else(|| "item".to_string(), |n| xml_name(&n));
                    self.element(&item_name, &item_schema, item, out, depth + 1);
                }
                out.push_str(&format!("</{name}>"));
            }
            Value::Object(_) | Value::Array(_) => out.push_str(&format!("<{name}/>")),
            scalar => out.push_str(&format!(
                "<{name}>{}</{name}>",
                escape(&scalar_text(scalar))
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::testing::assert_contains;
    use serde_json::json;

    fn media(media_type: &str, schema: Option<Value>, example: Option<Value>) -> MediaType {
        MediaType {
            media_type: media_type.into(),
            schema: schema.map(Into::into),
            example: example.map(Into::into),
            encoding: None,
        }
    }

    fn body(content: Vec<MediaType>) -> RequestBody {
        RequestBody {
            required: true,
            content,
        }
    }

    fn text(body: &Body) -> &str {
        std::str::from_utf8(&body.bytes).unwrap()
    }

    #[test]
    fn media_kinds() {
        let kinds: [(MediaKind, &[&str]); 8] = [
            (
                MediaKind::Json,
                &[
                    "application/json; charset=utf-8",
                    "Application/Merge-Patch+JSON",
                ],
            ),
            (MediaKind::AnyAsJson, &["*/*"]),
            (MediaKind::Form, &["application/x-www-form-urlencoded"]),
            (MediaKind::Text, &["text/plain;charset=utf-8"]),
            (MediaKind::Multipart, &["multipart/form-data"]),
            (
                MediaKind::Xml,
                &["application/xml", "application/atom+xml", "text/xml"],
            ),
            (
                MediaKind::Binary,
                &["application/octet-stream", "image/png"],
            ),
            (
                MediaKind::Unsupported,
                &["application/x-ndjson", "application/jsonl", ""],
            ),
        ];
        for (kind, media_types) in kinds {
            for media_type in media_types {
                assert_eq!(media_kind(media_type), kind, "{media_type:?}");
            }
        }
    }

    #[test]
    fn json_body_prefers_the_media_example_over_the_schema() {
        let rb = body(vec![media(
            "application/json",
            Some(
                json!({"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}),
            ),
            Some(json!({"name": "Rex"})),
        )]);
        let b = valid_body(&json!({}), &rb).unwrap();
        assert_eq!(
            (b.content_type.as_str(), text(&b)),
            ("application/json", r#"{"name":"Rex"}"#)
        );
        assert_eq!(unproducible_note(&rb), None);
        let rb = body(vec![media(
            "application/vnd.api+json",
            Some(
                json!({"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}),
            ),
            None,
        )]);
        let b = valid_body(&json!({}), &rb).unwrap();
        assert_eq!(
            (b.content_type.as_str(), text(&b)),
            ("application/vnd.api+json", r#"{"n":1}"#)
        );
    }

    #[test]
    fn unsupported_media_types_are_skipped_for_the_next_producible_one() {
        let rb = body(vec![
            media("application/x-ndjson", None, None),
            media(
                "application/x-www-form-urlencoded",
                Some(
                    json!({"type": "object", "required": ["name", "tags"], "properties": {"name": {"type": "string", "example": "R&D team"}, "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2}}}),
                ),
                None,
            ),
        ]);
        let b = valid_body(&json!({}), &rb).unwrap();
        assert_eq!(b.content_type, "application/x-www-form-urlencoded");
        assert_eq!(text(&b), "name=R%26D%20team&tags=rollcall&tags=rollcall");
    }

    #[test]
    fn multipart_sends_file_parts_as_a_tiny_file_with_a_fixed_boundary() {
        let mut m = media(
            "multipart/form-data",
            Some(
                json!({"type": "object", "required": ["name", "photo", "meta", "ids"], "properties": {
                    "name": {"type": "string", "example": "Rex"},
                    "photo": {"type": "string", "format": "binary"},
                    "meta": {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}},
                    "ids": {"type": "array", "items": {"type": "integer"}, "minItems": 2}
                }}),
            ),
            None,
        );
        m.encoding = Some(json!({"photo": {"contentType": "image/png, image/jpeg"}}).into());
        let b = valid_body(&json!({}), &body(vec![m])).unwrap();
        assert_eq!(
            b.content_type,
            "multipart/form-data; boundary=rollcall-boundary-6f1d2c"
        );
        let expected = "--rollcall-boundary-6f1d2c\r\n\
            Content-Disposition: form-data; name=\"name\"\r\n\r\nRex\r\n\
            --rollcall-boundary-6f1d2c\r\n\
            Content-Disposition: form-data; name=\"photo\"; filename=\"rollcall.bin\"\r\n\
            Content-Type: image/png\r\n\r\nrollcall test file\n\r\n\
            --rollcall-boundary-6f1d2c\r\n\
            Content-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"a\":1}\r\n\
            --rollcall-boundary-6f1d2c\r\n\
            Content-Disposition: form-data; name=\"ids\"\r\n\r\n1\r\n\
            --rollcall-boundary-6f1d2c\r\n\
            Content-Disposition: form-data; name=\"ids\"\r\n\r\n1\r\n\
            --rollcall-boundary-6f1d2c--\r\n";
        assert_eq!(text(&b), expected);
    }

    #[test]
    fn xml_body_is_a_well_formed_document_honouring_xml_names() {
        let document = json!({"components": {"schemas": {"Pet": {
            "type": "object", "required": ["id", "name", "photoUrls", "note"],
            "properties": {
                "id": {"type": "integer", "xml": {"attribute": true}},
                "name": {"type": "string", "example": "R<e>x"},
                "photoUrls": {"type": "array", "xml": {"wrapped": true},
                              "items": {"type": "string", "xml": {"name": "photoUrl"}}},
                "note": {"type": "string", "xml": {"name": "remark"}}
            }
        }}}});
        let rb = body(vec![media(
            "application/xml",
            Some(json!({"$ref": "#/components/schemas/Pet"})),
            None,
        )]);
        let b = valid_body(&document, &rb).unwrap();
        assert_eq!(b.content_type, "application/xml");
        assert_eq!(
            text(&b),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Pet id=\"1\"><name>R&lt;e&gt;x</name>\
             <photoUrls><photoUrl>rollcall</photoUrl></photoUrls><remark>rollcall</remark></Pet>"
        );
        let named = media(
            "text/xml",
            Some(
                json!({"type": "object", "xml": {"name": "order"}, "properties": {"n": {"type": "integer"}}, "required": ["n"]}),
            ),
            None,
        );
        let b = valid_body(&json!({}), &body(vec![named])).unwrap();
        assert_eq!(
            text(&b),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><order><n>1</n></order>"
        );
    }

    #[test]
    fn binary_body_is_a_tiny_generated_file() {
        let rb = body(vec![media(
            "application/octet-stream",
            Some(json!({"type": "string", "format": "binary"})),
            None,
        )]);
        let b = valid_body(&json!({}), &rb).unwrap();
        assert_eq!(
            (b.content_type.as_str(), b.bytes.as_slice()),
            ("application/octet-stream", GENERATED_FILE)
        );
    }

    #[test]
    fn form_encoding_object_controls_each_property() {
        let mut m = media("application/x-www-form-urlencoded", None, None);
        m.encoding = Some(
            json!({"ids": {"explode": false}, "meta": {"contentType": "application/json"}}).into(),
        );
        assert_eq!(
            form_encode(&json!({}), &m, &json!({"ids": [1, 2], "meta": {"a": 1}})),
            "ids=1,2&meta=%7B%22a%22%3A1%7D"
        );
    }

    #[test]
    fn text_body_and_wildcard_body() {
        let rb = body(vec![media(
            "text/plain",
            Some(json!({"type": "string", "minLength": 10})),
            None,
        )]);
        let b = valid_body(&json!({}), &rb).unwrap();
        assert_eq!(text(&b), "rollcallxx");
        let rb = body(vec![media("*/*", None, None)]);
        let b = valid_body(&json!({}), &rb).unwrap();
        assert_eq!(
            (b.content_type.as_str(), text(&b)),
            ("application/json", "{}")
        );
    }

    #[test]
    fn nothing_producible_sends_the_first_media_type_empty_and_says_so() {
        let rb = body(vec![
            media("application/x-ndjson", None, None),
            media("application/grpc", None, None),
        ]);
        let b = valid_body(&json!({}), &rb).unwrap();
        assert_eq!(b.content_type, "application/x-ndjson");
        assert!(b.bytes.is_empty());
        let note = unproducible_note(&rb).unwrap();
        assert_contains(&note, "application/x-ndjson, application/grpc");
        assert_eq!(valid_body(&json!({}), &body(vec![])), None);
        assert_eq!(unproducible_note(&body(vec![])), None);
    }
}
