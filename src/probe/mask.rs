//! Response masking: what changes from one request to the next in a
//! server's answer (the requested path echoed back in any of its forms,
//! rollcall's random tokens, request ids, the method, timestamps, UUIDs and
//! long ids) replaced by a placeholder, so that two answers of the same
//! handler compare equal. Discovery's fingerprints are built from masked
//! answers.
//!
//! ```text
//! Cannot GET /pets/rollcall-404-3f9c0a1b2c3d4e5f at 2026-03-01T12:00:00Z
//!   → Cannot {method} {path} at {time}
//! ```

use std::borrow::Cow;
use std::cell::OnceCell;

use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::contract::Method;

/// Every discovery path contains this, followed by a random 16-hex token.
pub const TOKEN_PREFIX: &str = "rollcall-404-";

const PATH_MASK: &str = "{path}";
const METHOD_MASK: &str = "{method}";
const TIME_MASK: &str = "{time}";
const ID_MASK: &str = "{id}";

/// The forms in which a response may echo the requested path, built only
/// for a text that may hold one.
pub(super) struct PathMasks<'p> {
    path: &'p str,
    /// Every form starts with one of these characters, `\\` (`\/` for `/`)
    /// or `%` (percent-encoded).
    first_chars: [Option<char>; 3],
    needles: OnceCell<Vec<String>>,
}

impl<'p> PathMasks<'p> {
    pub(super) fn new(path: &'p str) -> PathMasks<'p> {
        let without_query = path.split(['?', '#']).next().unwrap_or(path);
        let first_decoded =
            |form: &str| percent_decode_str(form).decode_utf8_lossy().chars().next();
        PathMasks {
            path,
            first_chars: [
                path.chars().next(),
                first_decoded(path),
                first_decoded(without_query),
            ],
            needles: OnceCell::new(),
        }
    }

    fn needles(&self) -> &[String] {
        self.needles.get_or_init(|| Self::forms(self.path))
    }

    /// Whether `text` has a character some form of the path starts with.
    fn may_echo(&self, text: &str) -> bool {
        text.contains(|c: char| c == '\\' || c == '%' || self.first_chars.contains(&Some(c)))
    }

    fn forms(path: &str) -> Vec<String> {
        let without_query = path.split(['?', '#']).next().unwrap_or(path);
        let mut needles = Vec::new();
        for form in [path, without_query] {
            let decoded = percent_decode_str(form).decode_utf8_lossy().into_owned();
            needles.push(form.replace('/', "\\/"));
            needles.push(utf8_percent_encode(&decoded, crate::redact::URI_COMPONENT).to_string());
            needles.push(utf8_percent_encode(&decoded, NON_ALPHANUMERIC).to_string());
            needles.push(decoded);
            needles.push(form.to_string());
        }
        // "/" alone would mask every slash: the root path is not masked.
        needles.retain(|n| n.len() > 1 && n != "\\/");
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        needles.dedup();
        needles
    }

    /// `text` with the echoed path, tokens, request ids, methods, times and
    /// ids masked.
    pub(super) fn apply<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut masked = Cow::Borrowed(text);
        if self.may_echo(text) {
            for needle in self.needles() {
                if masked.contains(needle.as_str()) {
                    masked = Cow::Owned(replace_path(&masked, needle));
                }
            }
        }
        let masked = and_then(masked, mask_tokens);
        let masked = and_then(masked, mask_request_ids);
        let masked = and_then(masked, mask_methods);
        and_then(masked, mask_volatile)
    }
}

/// `mask(text)`, borrowing from `text` where the mask changed nothing.
fn and_then<'t>(text: Cow<'t, str>, mask: impl Fn(&str) -> Cow<'_, str>) -> Cow<'t, str> {
    match text {
        Cow::Borrowed(borrowed) => mask(borrowed),
        Cow::Owned(owned) => match mask(&owned) {
            Cow::Borrowed(_) => Cow::Owned(owned),
            Cow::Owned(changed) => Cow::Owned(changed),
        },
    }
}

/// Replaces `needle` with `{path}` where it is not followed by more path
/// characters (so `/pets/1` is not masked inside `/pets/12`).
fn replace_path(text: &str, needle: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(needle) {
        let after = &rest[at + needle.len()..];
        let continues = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || "-._~%/".contains(c));
        out.push_str(&rest[..at]);
        if continues {
            out.push_str(needle);
        } else {
            out.push_str(PATH_MASK);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `rollcall-404-<16 hex>` → `{path}`, wherever a body echoes part of a discovery path.
fn mask_tokens(text: &str) -> Cow<'_, str> {
    if !text.contains(TOKEN_PREFIX) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(TOKEN_PREFIX) {
        let after = &rest[at + TOKEN_PREFIX.len()..];
        let hex = after.bytes().take_while(u8::is_ascii_hexdigit).count();
        out.push_str(&rest[..at]);
        if hex >= 16 {
            out.push_str(PATH_MASK);
            rest = &after[hex..];
        } else {
            out.push_str(TOKEN_PREFIX);
            rest = after;
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Field names whose value identifies one request (lower case, `-` and `_`
/// dropped): S3's `<RequestId>` and `<HostId>`, `"requestId"`, `"trace_id"`.
const REQUEST_ID_FIELDS: &[&str] = &[
    "requestid",
    "hostid",
    "traceid",
    "correlationid",
    "xrequestid",
    "xamzrequestid",
    "xamzid2",
    "amzrequestid",
];

fn is_request_id_field(name: &str) -> bool {
    let normalized: String = name
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    REQUEST_ID_FIELDS.contains(&normalized.as_str())
}

/// The value of a request-id field → `{id}`, whatever it looks like (an
/// S3 `HostId` is base64 with `+` and `/`, which the word masks cut into
/// short pieces): XML elements (`<RequestId>4442587FB7D0A2F9</RequestId>`)
/// and JSON string members (`"requestId": "f3a9"`).
fn mask_request_ids(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut at = 0;
    let bytes = text.as_bytes();
    while at < bytes.len() {
        let masked_value = match bytes[at] {
            b'<' => xml_id_value(text, at),
            b'"' => json_id_value(text, at),
            _ => None,
        };
        match masked_value {
            Some((start, end)) => {
                out.push_str(&text[copied..start]);
                out.push_str(ID_MASK);
                copied = end;
                at = end;
            }
            None => at += 1,
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// For `<Name>value</Name>` at `at` with a request-id name: the byte range of `value`.
fn xml_id_value(text: &str, at: usize) -> Option<(usize, usize)> {
    let rest = &text[at + 1..];
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .filter(|len| *len > 0)?;
    if !rest[name_len..].starts_with('>') || !is_request_id_field(&rest[..name_len]) {
        return None;
    }
    let start = at + 1 + name_len + 1;
    let close = format!("</{}>", &rest[..name_len]);
    // Ids are short: the close tag is looked for nearby only, so a body of
    // unclosed `<RequestId>`s costs no more than one pass.
    let mut end = (start + MAX_ID_CHARS + close.len()).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let len = text[start..end].find(&close)?;
    let value = &text[start..start + len];
    (!value.is_empty() && !value.contains('<')).then_some((start, start + len))
}

/// The longest request id masked (S3's `HostId` is under 100 characters).
const MAX_ID_CHARS: usize = 512;

/// For `"name": "value"` at `at` with a request-id name: the byte range of `value`.
fn json_id_value(text: &str, at: usize) -> Option<(usize, usize)> {
    let rest = &text[at + 1..];
    let name_len = rest.find('"')?;
    if !is_request_id_field(&rest[..name_len]) {
        return None;
    }
    let after = rest[name_len + 1..].trim_start();
    let after = after.strip_prefix(':')?.trim_start();
    let value = after.strip_prefix('"')?;
    let start = text.len() - value.len();
    let mut escaped = false;
    for (offset, c) in value.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return (offset > 0).then_some((start, start + offset)),
            _ => escaped = false,
        }
    }
    None
}

/// Upper-case method names as whole words → `{method}` (frameworks echo the
/// method: "Cannot GET /x", "Cannot POST /x").
fn mask_methods(text: &str) -> Cow<'_, str> {
    // Allocated at the first mask: most texts have none.
    let mut out = String::new();
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_uppercase() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let len = bytes[i..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            let word = &text[i..i + len];
            if Method::ALL.iter().any(|m| m.as_str() == word) {
                out.push_str(&text[copied..i]);
                out.push_str(METHOD_MASK);
                copied = i + len;
            }
            i += len;
        } else {
            i += 1;
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Masks what changes from one response to the next: ISO timestamps become
/// `{time}`; UUIDs, long digit runs (epoch times) and long mixed letter-digit
/// words (request ids, hashes) become `{id}`.
fn mask_volatile(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    // Allocated at the first mask: most texts have none.
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let at_word_start =
            bytes[i].is_ascii_alphanumeric() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
        if !at_word_start {
            i += 1;
            continue;
        }
        let rest = &bytes[i..];
        let (len, mask) = if let Some(len) = timestamp_len(rest) {
            (len, Some(TIME_MASK))
        } else if let Some(len) = uuid_len(rest) {
            (len, Some(ID_MASK))
        } else {
            let len = rest
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            (len, is_volatile_word(&rest[..len]).then_some(ID_MASK))
        };
        if let Some(mask) = mask {
            out.push_str(&text[copied..i]);
            out.push_str(mask);
            copied = i + len;
        }
        i += len;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

fn is_volatile_word(word: &[u8]) -> bool {
    let digits = word.iter().filter(|b| b.is_ascii_digit()).count();
    (digits == word.len() && word.len() >= 10)
        || (word.len() >= 16 && digits > 0 && digits < word.len())
}

/// Length of `2024-05-01`, `2024-05-01T12:00:00.123Z`, `2024-05-01 12:00:00+02:00`
/// at the start of `bytes`, if one is there and ends at a word boundary.
fn timestamp_len(bytes: &[u8]) -> Option<usize> {
    let digits_at = |at: usize, n: usize| {
        bytes.len() >= at + n && bytes[at..at + n].iter().all(u8::is_ascii_digit)
    };
    let byte_at = |at: usize, expected: &[u8]| bytes.get(at).is_some_and(|b| expected.contains(b));
    if !(digits_at(0, 4)
        && byte_at(4, b"-")
        && digits_at(5, 2)
        && byte_at(7, b"-")
        && digits_at(8, 2))
    {
        return None;
    }
    let mut len = 10;
    if byte_at(len, b"T ")
        && digits_at(len + 1, 2)
        && byte_at(len + 3, b":")
        && digits_at(len + 4, 2)
    {
        len += 6;
        if byte_at(len, b":") && digits_at(len + 1, 2) {
            len += 3;
            if byte_at(len, b".,") && digits_at(len + 1, 1) {
                len += 1;
                while digits_at(len, 1) {
                    len += 1;
                }
            }
        }
        if byte_at(len, b"Z") {
            len += 1;
        } else if byte_at(len, b"+-") && digits_at(len + 1, 2) {
            len += 3;
            if byte_at(len, b":") && digits_at(len + 1, 2) {
                len += 3;
            } else if digits_at(len, 2) {
                len += 2;
            }
        }
    }
    let ends_word = bytes.get(len).is_none_or(|b| !b.is_ascii_alphanumeric());
    ends_word.then_some(len)
}

/// Length of a UUID (`8-4-4-4-12` hex digits) at the start of `bytes`.
fn uuid_len(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    for (group, len) in [8, 4, 4, 4, 12].into_iter().enumerate() {
        if group > 0 {
            if bytes.get(at) != Some(&b'-') {
                return None;
            }
            at += 1;
        }
        if bytes.len() < at + len || !bytes[at..at + len].iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        at += len;
    }
    let ends_word = bytes.get(at).is_none_or(|b| !b.is_ascii_alphanumeric());
    ends_word.then_some(at)
}
