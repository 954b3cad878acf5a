//! Path values: the text a path parameter's value takes in its segment,
//! never an empty segment or a dot segment, which would send the request
//! somewhere else (`/controlSets//status`, or `/a/./b` that clients turn
//! into `/a/b`).
//!
//! ```text
//! controlSetId {type: string, pattern: '.*', minLength: 0}   ""  → "a"-like, 1 character
//! id {enum: ["", open]}                                       ""  → open
//! id {type: string, maxLength: 0}                             ""  → "" (noted)
//! ```

use serde_json::Value;

use super::serialize;
use super::synth;
use super::violation::{self, Wire};
use crate::contract::Parameter;

/// The text of a path parameter's `value` as the path carries it, unless
/// that text is empty or a dot segment (`/controlSets//status`, an empty
/// object; `.` and `..`, which HTTP clients remove from a path): then the
/// text of the first non-empty value the parameter's schema allows (a
/// string of at least one character, one item, one property). With a note
/// for the plan saying what was replaced, or that the schema allows no
/// value that fills a segment (the empty text is sent then).
///
/// ```text
/// controlSetId {type: string, pattern: '.*', minLength: 0}   ""  → "a"-like, 1 character
/// object {type: object, properties: {name: ...}}, simple      {}  → name,rollcall
/// object {type: object, properties: {name: ...}}, label       {}  → .name,rollcall
/// id {type: string, maxLength: 0}                             ""  → "" (noted)
/// ```
pub fn path_text(
    document: &Value,
    parameter: &Parameter,
    value: &Value,
) -> (String, Option<String>) {
    let text = serialize::path_value(parameter, value);
    if serialize::fills_segment(&text) {
        return (text, None);
    }
    let problem = if text.is_empty() {
        "an empty path segment".to_string()
    } else {
        format!("the dot segment '{text}', which HTTP clients remove from a path")
    };
    let schema = parameter
        .content
        .as_ref()
        .and_then(|content| content.schema(document))
        .or(parameter.schema(document));
    let replacement = synth::non_empty_candidates(document, parameter)
        .into_iter()
        .filter(|candidate| {
            schema.is_none_or(|schema| !violation::rejects(document, schema, candidate, Wire::Json))
        })
        .map(|candidate| serialize::path_value(parameter, &candidate))
        .find(|candidate| serialize::fills_segment(candidate));
    let name = &parameter.name;
    match replacement {
        Some(replacement) => {
            let note = format!(
                "path parameter '{name}': {} would leave {problem}; sent '{replacement}', a non-empty value its schema allows",
                shown_value(value)
            );
            (replacement, Some(note))
        }
        None => {
            let note = format!(
                "path parameter '{name}': its schema allows no value that fills a path segment, so the request has {problem} and may not reach the route"
            );
            (text, Some(note))
        }
    }
}

/// `""`, `{}`, `[]` or the JSON text of a value, for notes.
fn shown_value(value: &Value) -> String {
    match value {
        Value::String(text) => format!("'{text}'"),
        other => other.to_string(),
    }
}
