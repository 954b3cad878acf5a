//! JSON pointers (RFC 6901) as this module writes and reads them: `/paths/~1pets~1{petId}/get`
//! names the `get` key under the `/pets/{petId}` key under `paths`; `~1` stands for `/` and
//! `~0` for `~` inside one segment.

use std::borrow::Cow;

use serde_json::Value;

/// `parent` extended by one (unescaped) key or index.
pub(crate) fn child(parent: &str, segment: &str) -> String {
    let mut pointer = String::with_capacity(parent.len() + 1 + segment.len());
    pointer.push_str(parent);
    push_segment(&mut pointer, segment);
    pointer
}

/// `/` and `segment` escaped (`~` as `~0`, `/` as `~1`), appended to `pointer`.
pub(crate) fn push_segment(pointer: &mut String, segment: &str) {
    pointer.push('/');
    let mut rest = segment;
    while let Some(at) = rest.bytes().position(|b| b == b'~' || b == b'/') {
        pointer.push_str(&rest[..at]);
        pointer.push_str(if rest.as_bytes()[at] == b'~' {
            "~0"
        } else {
            "~1"
        });
        rest = &rest[at + 1..];
    }
    pointer.push_str(rest);
}

/// `parent` extended by an array index.
pub(crate) fn index(parent: &str, index: usize) -> String {
    format!("{parent}/{index}")
}

/// The unescaped segments of a pointer; `""` (the whole document) has none.
pub(crate) fn segments(pointer: &str) -> impl Iterator<Item = Cow<'_, str>> {
    pointer
        .strip_prefix('/')
        .map(|rest| rest.split('/'))
        .into_iter()
        .flatten()
        .map(unescape)
}

/// `~1` as `/` and `~0` as `~`, in one pass (every segment of a path item's pointer has a
/// `~1`); any other `~` is kept.
fn unescape(segment: &str) -> Cow<'_, str> {
    if !segment.as_bytes().contains(&b'~') {
        return Cow::Borrowed(segment);
    }
    let mut out = String::with_capacity(segment.len());
    unescape_into(&mut out, segment);
    Cow::Owned(out)
}

/// [`unescape`] of `segment`, appended to `out`: the text between escapes copied in runs.
fn unescape_into(out: &mut String, segment: &str) {
    out.reserve(segment.len());
    let mut rest = segment;
    while let Some(at) = memchr::memchr(b'~', rest.as_bytes()) {
        out.push_str(&rest[..at]);
        let (unescaped, escape_len) = match rest.as_bytes().get(at + 1) {
            Some(b'1') => ('/', 2),
            Some(b'0') => ('~', 2),
            _ => ('~', 1),
        };
        out.push(unescaped);
        rest = &rest[at + escape_len..];
    }
    out.push_str(rest);
}

/// The node `pointer` names in `document`, like `Value::pointer` but cheaper: the model's
/// schemas and examples are read through their pointers, tens of thousands of times on a
/// large contract, each through a path key of a hundred characters and a dozen `~1`s. So
/// the separators and escapes are found with `memchr`, a segment without an escape is looked
/// up as it is, and those with one are unescaped into a buffer shared by all of them.
pub(crate) fn get<'v>(document: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(document);
    }
    let mut rest = pointer.strip_prefix('/')?;
    let mut unescaped = String::new();
    let mut node = document;
    loop {
        let (segment, next) = match memchr::memchr2(b'/', b'~', rest.as_bytes()) {
            Some(at) if rest.as_bytes()[at] == b'~' => {
                let end = memchr::memchr(b'/', &rest.as_bytes()[at..]).map(|end| at + end);
                unescaped.clear();
                unescape_into(&mut unescaped, &rest[..end.unwrap_or(rest.len())]);
                (unescaped.as_str(), end)
            }
            end => (&rest[..end.unwrap_or(rest.len())], end),
        };
        node = match node {
            Value::Object(map) => map.get(segment)?,
            Value::Array(items) => items.get(array_index(segment)?)?,
            _ => return None,
        };
        match next {
            Some(end) => rest = &rest[end + 1..],
            None => return Some(node),
        }
    }
}

/// An array index as RFC 6901 spells it: digits, no leading zero.
fn array_index(segment: &str) -> Option<usize> {
    let digits = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = segment.len() > 1 && segment.starts_with('0');
    if digits && !leading_zero {
        segment.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_unescape_as_the_rfc_says() {
        for (escaped, plain) in [
            ("a~1b", "a/b"),
            ("~0~1", "~/"),
            ("~01", "~1"),
            ("~~1", "~/"),
            ("~~01", "~~1"),
            ("a~", "a~"),
            ("~2é~1", "~2é/"),
        ] {
            assert_eq!(unescape(escaped), plain, "{escaped}");
        }
    }

    #[test]
    fn get_finds_what_value_pointer_finds() {
        let document = serde_json::json!({
            "paths": {"/a~b/{id}": {"get": {"tags": ["x", "y"]}}},
            "": {"empty key": 1},
            "list": [[0, 1], {"k": true}]
        });
        for pointer in [
            "",
            "/paths",
            "/paths/~1a~0b~1{id}/get/tags/1",
            "/list/0/1",
            "/list/1/k",
            "/list/01",
            "/list/-",
            "/list/+1",
            "/list/9",
            "/missing",
            "paths",
            "//empty key",
            "/paths/~1a~0b~1{id}/get/tags/1/deeper",
            "/paths/",
            "/list/1/",
            "/list/0/1/",
            "/~1a~0b~1{id}",
            "/~",
            "/",
        ] {
            assert_eq!(
                get(&document, pointer),
                document.pointer(pointer),
                "{pointer:?}"
            );
        }
    }

    #[test]
    fn slashes_and_tildes_round_trip_through_a_pointer() {
        let pointer = child(&child("", "paths"), "/a~b/{id}");
        assert_eq!(pointer, "/paths/~1a~0b~1{id}");
        let back: Vec<_> = segments(&pointer).collect();
        assert_eq!(back, ["paths", "/a~b/{id}"]);
        assert_eq!(segments("").count(), 0);
        assert_eq!(index("/tags", 3), "/tags/3");
    }
}
