//! Request bodies: the first declared media type rollcall can produce, with
//! the media type's example or a value synthesized from its schema.
//!
//! ```text
//! application/json, application/*+json  → {"name":"Rex"}
//! application/x-www-form-urlencoded     → name=Rex&tags=a&tags=b
//! text/plain                            → Rex
//! */*, application/*                    → sent as application/json
//! multipart/form-data, others           → skipped; if nothing else is declared,
//!                                         the first media type with an empty body
//! ```

use serde_json::Value;

use super::Body;
use super::serialize::{encode_component, query_pairs, scalar_text};
use super::synth;
use crate::contract::{MediaType, ParamLocation, Parameter, RequestBody};

/// The body a safe-mode probe sends to make a JSON handler fail parsing.
pub const MALFORMED_JSON: &str = "{\"rollcall\": ";

/// The kinds of body rollcall can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Json,
    /// `*/*` or `application/*`: anything goes, so JSON is sent.
    AnyAsJson,
    Form,
    Text,
    Unsupported,
}

/// The media type without parameters, lower-cased: `application/json`.
fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

pub fn media_kind(media_type: &str) -> MediaKind {
    let essence = essence(media_type);
    let subtype = essence.split_once('/').map_or("", |(_, sub)| sub);
    match essence.as_str() {
        "*/*" | "application/*" => MediaKind::AnyAsJson,
        "application/x-www-form-urlencoded" => MediaKind::Form,
        "text/plain" => MediaKind::Text,
        _ if subtype == "json" || subtype.ends_with("+json") => MediaKind::Json,
        _ => MediaKind::Unsupported,
    }
}

/// `application/json`, `text/json`, `application/problem+json`, ...
pub fn is_json_media_type(media_type: &str) -> bool {
    media_kind(media_type) == MediaKind::Json
}

/// The first JSON media type the body declares.
pub fn first_json(request_body: &RequestBody) -> Option<&MediaType> {
    request_body
        .content
        .iter()
        .find(|m| is_json_media_type(&m.media_type))
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
    for media in &request_body.content {
        let kind = media_kind(&media.media_type);
        let value = || synth::media_value(document, media);
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
                    form_encode(media, &value).into_bytes(),
                )
            }
            MediaKind::Text => {
                let value = value().unwrap_or_else(|| Value::String(synth::PLACEHOLDER.into()));
                (media.media_type.clone(), scalar_text(&value).into_bytes())
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
pub fn form_encode(media: &MediaType, value: &Value) -> String {
    let Value::Object(properties) = value else {
        return encode_component(&scalar_text(value));
    };
    let encoding = media.encoding.as_ref().and_then(Value::as_object);
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn media(media_type: &str, schema: Option<Value>, example: Option<Value>) -> MediaType {
        MediaType {
            media_type: media_type.into(),
            schema,
            example,
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
        assert_eq!(
            media_kind("application/json; charset=utf-8"),
            MediaKind::Json
        );
        assert_eq!(media_kind("Application/Merge-Patch+JSON"), MediaKind::Json);
        assert_eq!(media_kind("*/*"), MediaKind::AnyAsJson);
        assert_eq!(
            media_kind("application/x-www-form-urlencoded"),
            MediaKind::Form
        );
        assert_eq!(media_kind("text/plain;charset=utf-8"), MediaKind::Text);
        assert_eq!(media_kind("multipart/form-data"), MediaKind::Unsupported);
        assert_eq!(media_kind("application/jsonl"), MediaKind::Unsupported);
        assert_eq!(media_kind(""), MediaKind::Unsupported);
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
            media("multipart/form-data", None, None),
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
    fn form_encoding_object_controls_each_property() {
        let mut m = media("application/x-www-form-urlencoded", None, None);
        m.encoding =
            Some(json!({"ids": {"explode": false}, "meta": {"contentType": "application/json"}}));
        assert_eq!(
            form_encode(&m, &json!({"ids": [1, 2], "meta": {"a": 1}})),
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
            media("multipart/form-data", None, None),
            media("application/octet-stream", None, None),
        ]);
        let b = valid_body(&json!({}), &rb).unwrap();
        assert_eq!(b.content_type, "multipart/form-data");
        assert!(b.bytes.is_empty());
        let note = unproducible_note(&rb).unwrap();
        assert!(
            note.contains("multipart/form-data, application/octet-stream"),
            "{note}"
        );
        assert_eq!(valid_body(&json!({}), &body(vec![])), None);
        assert_eq!(unproducible_note(&body(vec![])), None);
    }
}
