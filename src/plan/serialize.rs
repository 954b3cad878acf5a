//! Serialization of parameter values and bodies the way OpenAPI's `style`
//! and `explode` say, with percent-encoding right for each place.
//!
//! ```text
//! path   petId=7, simple                  → /pets/7
//! path   id=a/b c, simple                 → /items/a%2Fb%20c
//! path   color=[blue,black], label         → /.blue.black   (explode)
//! path   color=[blue,black], matrix        → /;color=blue,black
//! query  ids=[1,2], form (explode)         → ids=1&ids=2
//! query  ids=[1,2], spaceDelimited         → ids=1%202
//! query  ids=[1,2], pipeDelimited          → ids=1%7C2
//! query  filter={a:1}, deepObject          → filter[a]=1
//! query  acl, enum [true] (a flag)         → acl
//! header X-Ids=[1,2], simple               → X-Ids: 1,2
//! cookie session=abc, lang=en              → Cookie: session=abc; lang=en
//! ```
//!
//! Values are encoded per component: everything outside RFC 3986's
//! unreserved set (`A-Z a-z 0-9 - . _ ~`) is percent-encoded as UTF-8, so a
//! value's `/`, `?`, `#`, `%`, `&`, `=`, `,` or space never changes the
//! request's structure. `allowReserved` leaves the reserved characters that
//! cannot split a query (`:/?[]@!$'()*,;`) as they are.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

use crate::contract::{ParamLocation, Parameter};

/// Everything but RFC 3986 unreserved characters.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// For `allowReserved`: reserved characters pass, except those that would
/// end or split the query (`#`, `&`, `=`) or be read as a space (`+`).
const RESERVED_ALLOWED: &AsciiSet = &COMPONENT
    .remove(b':')
    .remove(b'/')
    .remove(b'?')
    .remove(b'[')
    .remove(b']')
    .remove(b'@')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b',')
    .remove(b';');

/// Literal parts of a path template: only what a path cannot hold raw.
const TEMPLATE_LITERAL: &AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

/// Percent-encodes a literal part of a path template (`/pets`, `/a b` →
/// `/a%20b`) as a probe's path carries it.
pub fn encode_template_literal(text: &str) -> String {
    utf8_percent_encode(text, TEMPLATE_LITERAL).to_string()
}

/// Percent-encodes one URL component (a path segment, a query name or value).
pub fn encode_component(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

fn encode_query_value(text: &str, allow_reserved: bool) -> String {
    let set = if allow_reserved {
        RESERVED_ALLOWED
    } else {
        COMPONENT
    };
    utf8_percent_encode(text, set).to_string()
}

/// The text of a single value: strings as they are, numbers and booleans
/// as JSON writes them, `null` as nothing, nested arrays and objects as JSON.
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        Value::Bool(_) | Value::Number(_) | Value::Array(_) | Value::Object(_) => value.to_string(),
    }
}

/// A parameter value as a list or a map, the shapes styles distinguish.
enum Shape<'v> {
    Primitive(&'v Value),
    List(&'v [Value]),
    Map(&'v Map<String, Value>),
}

fn shape(value: &Value) -> Shape<'_> {
    match value {
        Value::Array(items) => Shape::List(items),
        Value::Object(map) => Shape::Map(map),
        other => Shape::Primitive(other),
    }
}

/// A `content`-based parameter carries its value as JSON text.
fn effective_value(parameter: &Parameter, value: &Value) -> Value {
    match (&parameter.content, value) {
        (Some(_), Value::String(_)) if !is_json_media(parameter) => value.clone(),
        (Some(_), _) => Value::String(value.to_string()),
        (None, _) => value.clone(),
    }
}

fn is_json_media(parameter: &Parameter) -> bool {
    parameter
        .content
        .as_ref()
        .is_some_and(|c| super::media::is_json_media_type(&c.media_type))
}

fn explode(parameter: &Parameter, default: bool) -> bool {
    parameter.explode.unwrap_or(default)
}

/// The text that replaces `{name}` in the path: style `simple` (default),
/// `label` or `matrix`, each value percent-encoded as a path segment.
pub fn path_value(parameter: &Parameter, value: &Value) -> String {
    let value = effective_value(parameter, value);
    let style = parameter.style.as_deref().unwrap_or("simple");
    let exploded = explode(parameter, false);
    let enc = |v: &Value| encode_component(&scalar_text(v));
    let name = encode_component(&parameter.name);
    match style {
        "label" => match shape(&value) {
            Shape::Primitive(v) => format!(".{}", enc(v)),
            Shape::List(items) => {
                let joined = join(items.iter().map(enc), if exploded { "." } else { "," });
                format!(".{joined}")
            }
            Shape::Map(map) => format!(
                ".{}",
                map_pairs(map, exploded, if exploded { "." } else { "," })
            ),
        },
        "matrix" => match shape(&value) {
            Shape::Primitive(Value::Null) => format!(";{name}"),
            Shape::Primitive(v) => format!(";{name}={}", enc(v)),
            Shape::List(items) if exploded => {
                join(items.iter().map(|v| format!(";{name}={}", enc(v))), "")
            }
            Shape::List(items) => format!(";{name}={}", join(items.iter().map(enc), ",")),
            Shape::Map(map) if exploded => format!(";{}", map_pairs(map, true, ";")),
            Shape::Map(map) => format!(";{name}={}", map_pairs(map, false, ",")),
        },
        _ => match shape(&value) {
            Shape::Primitive(v) => enc(v),
            Shape::List(items) => join(items.iter().map(enc), ","),
            Shape::Map(map) => map_pairs(map, exploded, ","),
        },
    }
}

/// Whether a path parameter's text can stand in a path: not empty (an
/// empty segment collapses `/a//b`, and routers match nothing there) and
/// not a dot segment (`.` or `..`, which HTTP clients remove, as a URL
/// parser must).
pub fn fills_segment(text: &str) -> bool {
    !matches!(text, "" | "." | "..")
}

/// `k1=v1<sep>k2=v2` (exploded) or `k1,v1,k2,v2`, each part encoded.
fn map_pairs(map: &Map<String, Value>, exploded: bool, separator: &str) -> String {
    let parts = map.iter().map(|(k, v)| {
        let (k, v) = (encode_component(k), encode_component(&scalar_text(v)));
        if exploded {
            format!("{k}={v}")
        } else {
            format!("{k},{v}")
        }
    });
    join(parts, separator)
}

fn join(parts: impl Iterator<Item = String>, separator: &str) -> String {
    parts.collect::<Vec<_>>().join(separator)
}

/// Whether a query parameter is a flag: its only allowed value is `true`
/// (`enum: [true]` or `const: true`), so its presence is what it says. S3's
/// subresources are flags (`?acl`, `?uploads`), sent as the bare name: the
/// store reads `?acl=true` as no subresource at all.
pub fn is_flag(document: &Value, parameter: &Parameter) -> bool {
    if parameter.location != ParamLocation::Query || parameter.content.is_some() {
        return false;
    }
    let Some(schema) = parameter.schema(document) else {
        return false;
    };
    let schema = super::synth::flatten(document, schema);
    let only_true = |members: &Value| {
        members
            .as_array()
            .is_some_and(|m| m == &[Value::Bool(true)])
    };
    schema.get("enum").is_some_and(only_true) || schema.get("const") == Some(&Value::Bool(true))
}

/// The query pairs (`name=value`, already encoded) for one parameter:
/// style `form` (default; explode defaults to true), `spaceDelimited`,
/// `pipeDelimited` or `deepObject`.
pub fn query_pairs(parameter: &Parameter, value: &Value) -> Vec<String> {
    let value = effective_value(parameter, value);
    let style = parameter.style.as_deref().unwrap_or("form");
    let exploded = explode(parameter, style == "form");
    let name = encode_component(&parameter.name);
    let enc = |v: &Value| encode_query_value(&scalar_text(v), parameter.allow_reserved);
    let delimited =
        |delimiter: &str, items: Vec<String>| vec![format!("{name}={}", items.join(delimiter))];
    match (style, shape(&value)) {
        (_, Shape::Primitive(v)) => vec![format!("{name}={}", enc(v))],
        ("deepObject", Shape::Map(map)) => map
            .iter()
            .map(|(k, v)| format!("{name}[{}]={}", encode_component(k), enc(v)))
            .collect(),
        (_, Shape::List(items)) if exploded => {
            items.iter().map(|v| format!("{name}={}", enc(v))).collect()
        }
        (_, Shape::Map(map)) if exploded => map
            .iter()
            .map(|(k, v)| format!("{}={}", encode_component(k), enc(v)))
            .collect(),
        ("spaceDelimited", shaped) => delimited("%20", flat_items(shaped, &enc)),
        ("pipeDelimited", shaped) => delimited("%7C", flat_items(shaped, &enc)),
        (_, shaped) => delimited(",", flat_items(shaped, &enc)),
    }
}

/// A list's items, or a map's keys and values in turn, each encoded.
fn flat_items(shaped: Shape<'_>, enc: &dyn Fn(&Value) -> String) -> Vec<String> {
    match shaped {
        Shape::Primitive(v) => vec![enc(v)],
        Shape::List(items) => items.iter().map(enc).collect(),
        Shape::Map(map) => map
            .iter()
            .flat_map(|(k, v)| [enc(&Value::String(k.clone())), enc(v)])
            .collect(),
    }
}

/// A header parameter's value (style `simple`). Characters a header value
/// cannot carry (controls, non-ASCII) are percent-encoded.
pub fn header_value(parameter: &Parameter, value: &Value) -> String {
    let value = effective_value(parameter, value);
    let exploded = explode(parameter, false);
    let text = match shape(&value) {
        Shape::Primitive(v) => scalar_text(v),
        Shape::List(items) => join(items.iter().map(scalar_text), ","),
        Shape::Map(map) => join(
            map.iter().map(|(k, v)| {
                if exploded {
                    format!("{k}={}", scalar_text(v))
                } else {
                    format!("{k},{}", scalar_text(v))
                }
            }),
            ",",
        ),
    };
    safe_header_text(&text)
}

/// Percent-encodes what cannot appear in a header value.
pub fn safe_header_text(text: &str) -> String {
    utf8_percent_encode(text, percent_encoding::CONTROLS).to_string()
}

/// The `name=value` pairs one cookie parameter adds to the `Cookie` header
/// (style `form`; explode defaults to true).
pub fn cookie_pairs(parameter: &Parameter, value: &Value) -> Vec<String> {
    let value = effective_value(parameter, value);
    let exploded = explode(parameter, true);
    let name = encode_component(&parameter.name);
    let enc = |v: &Value| encode_component(&scalar_text(v));
    match shape(&value) {
        Shape::Primitive(v) => vec![format!("{name}={}", enc(v))],
        Shape::List(items) if exploded => {
            items.iter().map(|v| format!("{name}={}", enc(v))).collect()
        }
        Shape::List(items) => vec![format!("{name}={}", join(items.iter().map(enc), ","))],
        Shape::Map(map) if exploded => map
            .iter()
            .map(|(k, v)| format!("{}={}", encode_component(k), enc(v)))
            .collect(),
        Shape::Map(map) => vec![format!("{name}={}", map_pairs(map, false, ","))],
    }
}

/// The path with every `{name}` replaced by `substitute(name)` (already
/// encoded) and the literal parts encoded only where a path needs it.
/// Always starts with `/`.
pub fn render_path(template: &str, substitute: &mut dyn FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    if !template.starts_with('/') {
        out.push('/');
    }
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        out.extend(utf8_percent_encode(&rest[..open], TEMPLATE_LITERAL));
        out.push_str(&substitute(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    out.extend(utf8_percent_encode(rest, TEMPLATE_LITERAL));
    out
}

/// Serializes a parameter for its location: the path text, query pairs,
/// a header value or cookie pairs.
pub fn serialize(parameter: &Parameter, value: &Value) -> Serialized {
    match parameter.location {
        ParamLocation::Path => Serialized::Path(path_value(parameter, value)),
        ParamLocation::Query => Serialized::Query(query_pairs(parameter, value)),
        ParamLocation::Header => Serialized::Header(header_value(parameter, value)),
        ParamLocation::Cookie => Serialized::Cookie(cookie_pairs(parameter, value)),
    }
}

/// One parameter, serialized for where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Serialized {
    Path(String),
    Query(Vec<String>),
    Header(String),
    Cookie(Vec<String>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::MediaType;
    use serde_json::json;

    fn param(
        name: &str,
        location: ParamLocation,
        style: Option<&str>,
        explode: Option<bool>,
    ) -> Parameter {
        Parameter {
            style: style.map(str::to_string),
            explode,
            schema: None,
            ..crate::contract::testing::parameter(name, location, true, json!({}))
        }
    }

    #[test]
    fn path_values_are_encoded_as_one_segment() {
        let p = param("id", ParamLocation::Path, None, None);
        assert_eq!(
            path_value(&p, &json!("a/b?c#d%e f")),
            "a%2Fb%3Fc%23d%25e%20f"
        );
        assert_eq!(path_value(&p, &json!("café")), "caf%C3%A9");
        assert_eq!(path_value(&p, &json!(42)), "42");
        assert_eq!(path_value(&p, &json!(["a,b", "c"])), "a%2Cb,c");
        assert_eq!(path_value(&p, &json!({"R": 100, "G": 200})), "R,100,G,200");
        let exploded = param("id", ParamLocation::Path, None, Some(true));
        assert_eq!(
            path_value(&exploded, &json!({"R": 100, "G": 200})),
            "R=100,G=200"
        );
    }

    #[test]
    fn label_and_matrix_styles() {
        let string = json!("blue");
        let array = json!(["blue", "black"]);
        let object = json!({"R": 1, "G": 2});
        for (name, style, explode, value, expected) in [
            ("c", "label", None, &string, ".blue"),
            ("c", "label", None, &array, ".blue,black"),
            ("c", "label", Some(true), &array, ".blue.black"),
            ("c", "label", Some(true), &object, ".R=1.G=2"),
            ("color", "matrix", None, &string, ";color=blue"),
            ("color", "matrix", None, &array, ";color=blue,black"),
            ("color", "matrix", None, &object, ";color=R,1,G,2"),
            (
                "color",
                "matrix",
                Some(true),
                &array,
                ";color=blue;color=black",
            ),
            ("color", "matrix", Some(true), &object, ";R=1;G=2"),
        ] {
            let parameter = param(name, ParamLocation::Path, Some(style), explode);
            assert_eq!(
                path_value(&parameter, value),
                expected,
                "{style}, explode {explode:?}: {value}"
            );
        }
    }

    #[test]
    fn query_styles() {
        let form = param("ids", ParamLocation::Query, None, None);
        assert_eq!(query_pairs(&form, &json!([1, 2])), ["ids=1", "ids=2"]);
        assert_eq!(
            query_pairs(&form, &json!({"a": 1, "b": "x y"})),
            ["a=1", "b=x%20y"]
        );
        let form_flat = param("ids", ParamLocation::Query, Some("form"), Some(false));
        assert_eq!(query_pairs(&form_flat, &json!([1, 2])), ["ids=1,2"]);
        assert_eq!(
            query_pairs(&form_flat, &json!({"a": 1, "b": 2})),
            ["ids=a,1,b,2"]
        );
        let space = param(
            "ids",
            ParamLocation::Query,
            Some("spaceDelimited"),
            Some(false),
        );
        assert_eq!(query_pairs(&space, &json!([1, 2])), ["ids=1%202"]);
        let pipe = param(
            "ids",
            ParamLocation::Query,
            Some("pipeDelimited"),
            Some(false),
        );
        assert_eq!(query_pairs(&pipe, &json!(["a|b", "c"])), ["ids=a%7Cb%7Cc"]);
        let deep = param(
            "filter",
            ParamLocation::Query,
            Some("deepObject"),
            Some(true),
        );
        assert_eq!(
            query_pairs(&deep, &json!({"name": "R&D", "min": 2})),
            ["filter[name]=R%26D", "filter[min]=2"]
        );
    }

    #[test]
    fn query_values_cannot_split_the_query_unless_reserved_allowed() {
        let plain = param("q", ParamLocation::Query, None, None);
        assert_eq!(
            query_pairs(&plain, &json!("a&b=c#d/e?f+g")),
            ["q=a%26b%3Dc%23d%2Fe%3Ff%2Bg"]
        );
        let mut reserved = param("q", ParamLocation::Query, None, None);
        reserved.allow_reserved = true;
        assert_eq!(
            query_pairs(&reserved, &json!("/a/b?c:d&e#f 😀")),
            ["q=/a/b?c:d%26e%23f%20%F0%9F%98%80"]
        );
        let odd_name = param("a b&c", ParamLocation::Query, None, None);
        assert_eq!(query_pairs(&odd_name, &json!(1)), ["a%20b%26c=1"]);
    }

    #[test]
    fn header_and_cookie_values() {
        let header = param("X-Ids", ParamLocation::Header, None, None);
        assert_eq!(header_value(&header, &json!([1, 2])), "1,2");
        assert_eq!(header_value(&header, &json!({"a": 1, "b": 2})), "a,1,b,2");
        assert_eq!(
            header_value(&header, &json!("line\r\nbreak é")),
            "line%0D%0Abreak %C3%A9"
        );
        let cookie = param("session", ParamLocation::Cookie, None, None);
        assert_eq!(
            cookie_pairs(&cookie, &json!("a b;c")),
            ["session=a%20b%3Bc"]
        );
        assert_eq!(
            cookie_pairs(&cookie, &json!([1, 2])),
            ["session=1", "session=2"]
        );
        let cookie_flat = param("session", ParamLocation::Cookie, None, Some(false));
        assert_eq!(cookie_pairs(&cookie_flat, &json!([1, 2])), ["session=1,2"]);
    }

    #[test]
    fn content_parameters_are_sent_as_json_text() {
        let mut p = param("filter", ParamLocation::Query, None, None);
        p.content = Some(MediaType {
            media_type: "application/json".into(),
            schema: None,
            example: None,
            encoding: None,
        });
        assert_eq!(
            query_pairs(&p, &json!({"a": [1]})),
            ["filter=%7B%22a%22%3A%5B1%5D%7D"]
        );
        assert_eq!(query_pairs(&p, &json!("x")), ["filter=%22x%22"]);
    }

    #[test]
    fn template_is_filled_and_literal_parts_kept() {
        let mut values = |name: &str| match name {
            "id" => "7".to_string(),
            other => format!("<{other}>"),
        };
        assert_eq!(render_path("/pets/{id}/toys", &mut values), "/pets/7/toys");
        assert_eq!(render_path("pets/{id}", &mut values), "/pets/7");
        assert_eq!(render_path("/a b/{id}.json", &mut values), "/a%20b/7.json");
        assert_eq!(render_path("/x/{unclosed", &mut values), "/x/%7Bunclosed");
        assert_eq!(render_path("/{a}{id}", &mut values), "/<a>7");
    }
}
