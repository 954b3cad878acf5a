//! What the contract says an operation answers, as far as a verdict needs
//! it: whether a string is a value the response schema declares (an `enum`
//! member or a `const`), so that a task whose status is `"todo"` is read as
//! data, not as a placeholder saying "TODO".
//!
//! ```text
//! /tasks/{id}/status:
//!   get:
//!     responses:
//!       "200":
//!         content:
//!           application/json:
//!             schema: {type: string, enum: [todo, doing, done]}
//! response_values(GET /tasks/{id}/status).declares(200, "todo") → true
//! ```
//!
//! Planning hands each operation a [`ResponseValues`] that points at its
//! responses; their schemas are walked the first time an answer asks (a
//! short 2xx body that reads like a placeholder, which is rare), once per
//! operation, following internal `$ref`s once each within a bound on the
//! nodes visited. Walking every operation's schemas while planning cost
//! more than the rest of planning on large contracts.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::{Contract, Operation};

/// Schema nodes visited per response at most: GitHub's largest responses
/// reach a few thousand.
const MAX_NODES: usize = 20_000;

/// The values the 2xx responses of one operation declare (see
/// [`Contract::response_values`]): judging an answer asks it, and never
/// reads the document itself.
#[derive(Clone, Default)]
pub struct ResponseValues {
    /// `None` for an operation whose responses were not given.
    responses: Option<Arc<Responses>>,
}

/// One operation's responses, walked on the first question.
struct Responses {
    document: Arc<Value>,
    /// JSON pointer of the operation object in `document`.
    operation: String,
    /// Per 2xx response key as declared (`200`, `2XX`, `default`), in
    /// document order: its schema's `enum` members and `const`s, trimmed
    /// and lowercased.
    walked: OnceLock<Vec<(String, HashSet<String>)>>,
}

impl std::fmt::Debug for ResponseValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let operation = self.responses.as_ref().map(|r| r.operation.as_str());
        f.debug_struct("ResponseValues")
            .field("operation", &operation)
            .finish()
    }
}

/// Equal when they read the same operation of the same document.
impl PartialEq for ResponseValues {
    fn eq(&self, other: &Self) -> bool {
        match (&self.responses, &other.responses) {
            (None, None) => true,
            (Some(a), Some(b)) => {
                Arc::ptr_eq(&a.document, &b.document) && a.operation == b.operation
            }
            _ => false,
        }
    }
}

impl Eq for ResponseValues {}

impl ResponseValues {
    /// Whether the response declared for the 2xx `status` (the exact code,
    /// else its range `2XX`, else `default`) names `value` as an `enum`
    /// member or `const` anywhere inside its schema (compared without
    /// regard to case or surrounding spaces). Always false for another
    /// status.
    pub fn declares(&self, status: u16, value: &str) -> bool {
        let wanted = value.trim().to_lowercase();
        if wanted.is_empty() || !(200..300).contains(&status) {
            return false;
        }
        let Some(responses) = &self.responses else {
            return false;
        };
        let walked = responses.walked.get_or_init(|| responses.walk());
        let find = |key: &dyn Fn(&str) -> bool| {
            walked
                .iter()
                .find(|(declared, _)| key(declared))
                .map(|(_, values)| values)
        };
        let code = status.to_string();
        let values = find(&|key| key == code)
            .or_else(|| find(&|key| key.eq_ignore_ascii_case("2XX")))
            .or_else(|| find(&|key| key == "default"));
        values.is_some_and(|values| values.contains(&wanted))
    }
}

impl Responses {
    /// The values of each 2xx (and `default`) response's schemas.
    fn walk(&self) -> Vec<(String, HashSet<String>)> {
        let document = self.document.as_ref();
        let Some(responses) = super::pointer::get(document, &self.operation)
            .and_then(|node| node.get("responses"))
            .and_then(Value::as_object)
        else {
            return Vec::new();
        };
        let answers_2xx = |key: &str| {
            key == "default"
                || key.eq_ignore_ascii_case("2XX")
                || (key.len() == 3
                    && key.starts_with('2')
                    && key.bytes().all(|b| b.is_ascii_digit()))
        };
        responses
            .iter()
            .filter(|(key, _)| answers_2xx(key))
            .map(|(key, response)| (key.clone(), declared_values(document, response)))
            .collect()
    }
}

impl Contract {
    /// What `operation`'s 2xx responses (and its `default`) declare: the
    /// `enum` members and `const`s anywhere in their schemas, read when
    /// first asked.
    pub fn response_values(&self, operation: &Operation) -> ResponseValues {
        ResponseValues {
            responses: Some(Arc::new(Responses {
                document: Arc::clone(&self.document),
                operation: operation.location.pointer.clone(),
                walked: OnceLock::new(),
            })),
        }
    }
}

/// The values the schemas of `response` (its `$ref` followed) declare.
fn declared_values(document: &Value, response: &Value) -> HashSet<String> {
    let Some(response) = followed(document, response) else {
        return HashSet::new();
    };
    let mut stack: Vec<&Value> = Vec::new();
    if let Some(schema) = response.get("schema") {
        stack.push(schema);
    }
    if let Some(content) = response.get("content").and_then(Value::as_object) {
        stack.extend(content.values().filter_map(|media| media.get("schema")));
    }
    let mut walk = Walk {
        document,
        seen_refs: HashSet::new(),
        nodes: 0,
        values: HashSet::new(),
    };
    walk.collect(stack);
    walk.values
}

/// The response object, its `$ref` followed.
fn followed<'d>(document: &'d Value, mut response: &'d Value) -> Option<&'d Value> {
    // A response `$ref` may name another `$ref`; a few hops at most.
    for _ in 0..8 {
        match response.get("$ref").and_then(Value::as_str) {
            Some(reference) => response = resolve(document, reference)?,
            None => return Some(response),
        }
    }
    None
}

struct Walk<'d> {
    document: &'d Value,
    seen_refs: HashSet<&'d str>,
    nodes: usize,
    values: HashSet<String>,
}

impl<'d> Walk<'d> {
    /// Collects the values every schema reachable from `stack` declares,
    /// within [`MAX_NODES`] nodes.
    fn collect(&mut self, mut stack: Vec<&'d Value>) {
        while let Some(schema) = stack.pop() {
            self.nodes += 1;
            if self.nodes > MAX_NODES {
                return;
            }
            let Some(fields) = schema.as_object() else {
                continue;
            };
            if let Some(reference) = fields.get("$ref").and_then(Value::as_str)
                && self.seen_refs.insert(reference)
                && let Some(target) = resolve(self.document, reference)
            {
                stack.push(target);
            }
            let declared = fields
                .get("enum")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .chain(fields.get("const"));
            self.values.extend(
                declared
                    .filter_map(Value::as_str)
                    .map(|member| member.trim().to_lowercase()),
            );
            for key in ["properties", "patternProperties", "$defs", "definitions"] {
                if let Some(children) = fields.get(key).and_then(Value::as_object) {
                    stack.extend(children.values());
                }
            }
            for key in ["allOf", "anyOf", "oneOf", "prefixItems"] {
                if let Some(children) = fields.get(key).and_then(Value::as_array) {
                    stack.extend(children);
                }
            }
            for key in ["items", "additionalProperties", "then", "else"] {
                match fields.get(key) {
                    Some(Value::Array(children)) => stack.extend(children),
                    Some(child @ Value::Object(_)) => stack.push(child),
                    _ => {}
                }
            }
        }
    }
}

/// An internal reference (`#/components/schemas/Task`), percent-decoded.
fn resolve<'d>(document: &'d Value, reference: &str) -> Option<&'d Value> {
    let fragment = reference.strip_prefix('#')?;
    let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
    super::pointer::get(document, &decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract_with(paths: Value) -> (Contract, Vec<Operation>) {
        let document = serde_json::json!({
            "openapi": "3.1.0",
            "paths": paths,
            "components": {"schemas": {
                "Task": {"type": "object", "properties": {
                    "id": {"type": "integer"},
                    "status": {"$ref": "#/components/schemas/Status"}
                }},
                "Status": {"type": "string", "enum": ["Todo", "Doing", "Done"]},
                "Loop": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Loop"}}}
            }}
        });
        let operation = |pointer: &str| Operation {
            location: crate::contract::SourceLocation {
                pointer: pointer.into(),
                ..Default::default()
            },
            ..crate::probe::testing::operation(crate::contract::Method::Get, "/x")
        };
        let operations = vec![
            operation("/paths/~1tasks/get"),
            operation("/paths/~1status/get"),
            operation("/paths/~1loop/get"),
        ];
        let contract = Contract {
            document: std::sync::Arc::new(document),
            ..crate::probe::testing::contract(operations.clone())
        };
        (contract, operations)
    }

    #[test]
    fn enum_members_anywhere_in_the_response_schema_are_declared_values() {
        let (contract, ops) = contract_with(serde_json::json!({
            "/tasks": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}}
            }}}}}},
            "/status": {"get": {"responses": {"2XX": {"content": {"text/plain": {
                "schema": {"const": "coming soon"}
            }}}}}},
            "/loop": {"get": {"responses": {"default": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Loop"}
            }}}}}}
        }));

        assert!(contract.response_values(&ops[0]).declares(200, "todo"));
        assert!(contract.response_values(&ops[0]).declares(200, " Done "));
        assert!(
            !contract
                .response_values(&ops[0])
                .declares(200, "not implemented")
        );
        assert!(
            !contract.response_values(&ops[0]).declares(201, "todo"),
            "no response declared for 201"
        );
        assert!(
            contract
                .response_values(&ops[1])
                .declares(204, "Coming soon")
        );
        assert!(!contract.response_values(&ops[2]).declares(200, "todo"));
    }
}
