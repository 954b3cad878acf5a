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
//! declares_response_value(GET /tasks/{id}/status, 200, "todo") → true
//! ```
//!
//! The schema is walked only when a verdict asks (rarely: a short 2xx body
//! that reads like a placeholder), following internal `$ref`s once each,
//! within a bound on the nodes visited.

use std::collections::HashSet;

use serde_json::Value;

use super::{Contract, Operation};

/// Schema nodes visited per question at most: GitHub's largest responses
/// reach a few thousand.
const MAX_NODES: usize = 20_000;

impl Contract {
    /// Whether the response `operation` declares for `status` (the exact
    /// code, else its range such as `2XX`, else `default`) has a schema that
    /// names `value` as an `enum` member or `const` anywhere inside it
    /// (compared without regard to case or surrounding spaces).
    pub fn declares_response_value(&self, operation: &Operation, status: u16, value: &str) -> bool {
        let wanted = value.trim().to_lowercase();
        if wanted.is_empty() {
            return false;
        }
        let Some(response) = self.response_for(operation, status) else {
            return false;
        };
        let mut walk = Walk {
            document: &self.document,
            wanted: &wanted,
            seen_refs: HashSet::new(),
            nodes: 0,
        };
        let mut stack: Vec<&Value> = Vec::new();
        if let Some(schema) = response.get("schema") {
            stack.push(schema);
        }
        if let Some(content) = response.get("content").and_then(Value::as_object) {
            stack.extend(content.values().filter_map(|media| media.get("schema")));
        }
        walk.any(stack)
    }

    /// The response object for `status`, its `$ref` followed.
    fn response_for(&self, operation: &Operation, status: u16) -> Option<&Value> {
        let responses = self
            .operation_node(operation)?
            .get("responses")?
            .as_object()?;
        let code = status.to_string();
        let range = format!("{}XX", status / 100);
        let response = responses
            .get(&code)
            .or_else(|| {
                responses
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(&range))
                    .map(|(_, response)| response)
            })
            .or_else(|| responses.get("default"))?;
        let mut response = response;
        // A response `$ref` may name another `$ref`; a few hops at most.
        for _ in 0..8 {
            match response.get("$ref").and_then(Value::as_str) {
                Some(reference) => response = resolve(&self.document, reference)?,
                None => return Some(response),
            }
        }
        None
    }
}

struct Walk<'d> {
    document: &'d Value,
    wanted: &'d str,
    seen_refs: HashSet<&'d str>,
    nodes: usize,
}

impl<'d> Walk<'d> {
    /// Whether any schema reachable from `stack` declares the wanted value.
    fn any(&mut self, mut stack: Vec<&'d Value>) -> bool {
        while let Some(schema) = stack.pop() {
            self.nodes += 1;
            if self.nodes > MAX_NODES {
                return false;
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
            if declared
                .filter_map(Value::as_str)
                .any(|member| member.trim().to_lowercase() == self.wanted)
            {
                return true;
            }
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
        false
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

        assert!(contract.declares_response_value(&ops[0], 200, "todo"));
        assert!(contract.declares_response_value(&ops[0], 200, " Done "));
        assert!(!contract.declares_response_value(&ops[0], 200, "not implemented"));
        assert!(
            !contract.declares_response_value(&ops[0], 201, "todo"),
            "no response declared for 201"
        );
        assert!(contract.declares_response_value(&ops[1], 204, "Coming soon"));
        assert!(!contract.declares_response_value(&ops[2], 200, "todo"));
    }
}
