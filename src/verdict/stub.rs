//! Stub judging: whether a small 2xx body is only a placeholder ("not
//! implemented yet", `{"error": "not_implemented"}`, `TODO`), which makes
//! the operation a `stub` rather than served.
//!
//! ```text
//! 200 {"message":"not implemented yet"}   → stub: "not implemented yet"
//! 200 [{"id":12,"status":"todo"}]          → data (a list is data)
//! ```

use crate::probe::Response;

use super::{EVIDENCE_EXCERPT_CHARS, Settings};

/// Bodies larger than this are never taken for stubs: placeholders are short.
const STUB_BODY_LIMIT: usize = 4096;
/// Phrases that mark a placeholder wherever they stand, as whole words
/// (`--stub-phrase` adds more).
pub const STUB_PHRASES: &[&str] = &[
    "not yet implemented",
    "not implemented",
    "unimplemented",
    "to be implemented",
    "coming soon",
    "under construction",
];
/// Words that mark a placeholder only when they are the whole text or lead
/// it before a colon (`TODO`, `stub`, `TODO: implement`): as ordinary words
/// they are data, e.g. the title of an item in a to-do list.
pub const STUB_MARKERS: &[&str] = &["todo", "tbd", "fixme", "stub", "placeholder"];

/// The placeholder text of a small 2xx body (quoted), if the body is only a
/// message that reads as "not implemented" (see [`placeholder_in`]), or plain
/// text that does. `declared` tells whether a text is a value the response
/// schema declares (an enum member): that is data, whatever it says.
pub(super) fn stub_text(
    response: &Response,
    settings: &Settings,
    declared: &dyn Fn(&str) -> bool,
) -> Option<String> {
    if !settings.stub_detection || response.truncated || response.body.len() > STUB_BODY_LIMIT {
        return None;
    }
    let text = String::from_utf8_lossy(&response.body);
    let extra: Vec<String> = settings
        .stub_phrases
        .iter()
        .map(|phrase| normalize_words(phrase).trim().to_string())
        .filter(|phrase| !phrase.is_empty())
        .collect();
    let is_placeholder = |text: &str| is_stub_text(text, &extra) && !declared(text);
    let found = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(value) => placeholder_in(&value, false, &is_placeholder).map(str::to_string),
        Err(_) => is_placeholder(&text).then(|| text.trim().to_string()),
    }?;
    let one_line = found.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut shown: String = one_line.chars().take(EVIDENCE_EXCERPT_CHARS).collect();
    if shown.len() < one_line.len() {
        shown.push('…');
    }
    Some(format!("\"{shown}\""))
}

/// Words that make a field a message rather than data (`message`,
/// `errorMessage`, `error_description`, `detail`), matched against the
/// field name's words.
const MESSAGE_FIELDS: &[&str] = &[
    "message", "messages", "msg", "error", "errors", "err", "detail", "details", "reason", "info",
    "notice", "warning", "hint",
];

fn is_message_field(name: &str) -> bool {
    normalize_words(name)
        .split(' ')
        .any(|word| MESSAGE_FIELDS.contains(&word))
}

/// The placeholder text in a JSON body that is only a message: a string; an
/// object whose only field (nulls aside) is such a message (`{"data":
/// {"error": "not_implemented"}}`), or whose message fields (`message`,
/// `error`, `detail`, ...) carry one. A list is data (`[{"id": 12,
/// "status": "todo"}]`), and so are the other fields of a record (`{"id":
/// 12, "status": "todo"}`); inside a message field (`in_message`) every
/// value is message, lists included (`{"errors": ["not implemented"]}`).
fn placeholder_in<'v>(
    value: &'v serde_json::Value,
    in_message: bool,
    is_placeholder: &dyn Fn(&str) -> bool,
) -> Option<&'v str> {
    match value {
        serde_json::Value::String(s) => is_placeholder(s).then_some(s.as_str()),
        serde_json::Value::Array(items) if in_message => items
            .iter()
            .find_map(|item| placeholder_in(item, true, is_placeholder)),
        serde_json::Value::Object(fields) => {
            let mut present = fields.iter().filter(|(_, value)| !value.is_null());
            match (present.next(), present.next()) {
                (Some((name, only)), None) => {
                    placeholder_in(only, in_message || is_message_field(name), is_placeholder)
                }
                _ => fields
                    .iter()
                    .filter(|(name, _)| in_message || is_message_field(name))
                    .find_map(|(_, field)| placeholder_in(field, true, is_placeholder)),
            }
        }
        _ => None,
    }
}

/// Whether `text` reads as a placeholder: a built-in phrase or one of
/// `extra` (already normalized) as whole words, or a marker word alone.
fn is_stub_text(text: &str, extra: &[String]) -> bool {
    let words = normalize_words(text);
    if STUB_PHRASES
        .iter()
        .copied()
        .chain(extra.iter().map(String::as_str))
        .any(|phrase| contains_words(&words, phrase))
    {
        return true;
    }
    let trimmed = words.trim_matches(|c: char| !c.is_alphanumeric());
    STUB_MARKERS.iter().any(|marker| {
        trimmed
            .strip_prefix(marker)
            .is_some_and(|rest| rest.is_empty() || rest.trim_start().starts_with(':'))
    })
}

/// Lower-cased, with `_`, `-` and runs of whitespace as one space and
/// camel case split (`NotImplemented`, `not_implemented` → `not implemented`).
fn normalize_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous_lower = false;
    for c in text.chars() {
        if c.is_whitespace() || c == '_' || c == '-' {
            if !out.ends_with(' ') {
                out.push(' ');
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            out.push(' ');
        }
        previous_lower = c.is_lowercase();
        out.extend(c.to_lowercase());
    }
    out
}

/// Whether `phrase` occurs in `text` as whole words.
fn contains_words(text: &str, phrase: &str) -> bool {
    let is_word_char = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    text.match_indices(phrase).any(|(at, _)| {
        !is_word_char(text[..at].chars().next_back())
            && !is_word_char(text[at + phrase.len()..].chars().next())
    })
}
