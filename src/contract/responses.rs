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
//! The 2xx responses' schemas are walked once per operation, when planning
//! (the verdict stage reads no document), following internal `$ref`s once
//! each, within a bound on the nodes visited.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;

use super::{Contract, Operation};

/// Schema nodes visited per response at most: GitHub's largest responses
/// reach a few thousand.
const MAX_NODES: usize = 20_000;

/// The values the 2xx responses of one operation declare (see
/// [`Contract::response_values`]), read once when planning, so that judging
/// an answer reads no document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseValues {
    /// Per 2xx response key as declared (`200`, `2XX`, `default`), in
    /// document order: its schema's `enum` members and `const`s, trimmed
    /// and lowercased.
    responses: Vec<(String, Arc<HashSet<String>>)>,
}

/// The schema walks made for one contract's operations, by where they
/// started, so that operations whose responses name the same schema
/// (`$ref: '#/components/schemas/repository'`) share one walk.
#[derive(Debug, Default)]
pub struct SchemaWalks<'d> {
    done: HashMap<Vec<WalkStart<'d>>, Arc<HashSet<String>>>,
}

/// Where a walk starts: a schema that is only a `$ref` (the same walk
/// wherever it is written), or any other schema node, by address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum WalkStart<'d> {
    Ref(&'d str),
    Node(usize),
}

impl<'d> WalkStart<'d> {
    fn of(schema: &'d Value) -> WalkStart<'d> {
        match schema.as_object() {
            Some(fields) if fields.len() == 1 => match fields.get("$ref").and_then(Value::as_str) {
                Some(reference) => WalkStart::Ref(reference),
                None => WalkStart::Node(std::ptr::from_ref(schema) as usize),
            },
            _ => WalkStart::Node(std::ptr::from_ref(schema) as usize),
        }
    }
}

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
        let code = status.to_string();
        let values = self
            .find(|key| key == code)
            .or_else(|| self.find(|key| key.eq_ignore_ascii_case("2XX")))
            .or_else(|| self.find(|key| key == "default"));
        values.is_some_and(|values| values.contains(&wanted))
    }

    fn find(&self, key: impl Fn(&str) -> bool) -> Option<&HashSet<String>> {
        self.responses
            .iter()
            .find(|(declared, _)| key(declared))
            .map(|(_, values)| values.as_ref())
    }
}

impl Contract {
    /// The values `operation`'s 2xx responses (and its `default`) declare:
    /// the `enum` members and `const`s anywhere in their schemas, internal
    /// `$ref`s followed once each, within a bound on the nodes visited per
    /// response; `walks` shares the walks between operations.
    pub fn response_values<'d>(
        &'d self,
        operation: &Operation,
        walks: &mut SchemaWalks<'d>,
    ) -> ResponseValues {
        let Some(responses) = self
            .operation_node(operation)
            .and_then(|node| node.get("responses"))
            .and_then(Value::as_object)
        else {
            return ResponseValues::default();
        };
        let answers_2xx = |key: &str| {
            key == "default"
                || key.eq_ignore_ascii_case("2XX")
                || (key.len() == 3
                    && key.starts_with('2')
                    && key.bytes().all(|b| b.is_ascii_digit()))
        };
        let responses = responses
            .iter()
            .filter(|(key, _)| answers_2xx(key))
            .map(|(key, response)| (key.clone(), self.declared_values(response, walks)))
            .collect();
        ResponseValues { responses }
    }

    /// The values the schemas of `response` (its `$ref` followed) declare.
    fn declared_values<'d>(
        &'d self,
        response: &'d Value,
        walks: &mut SchemaWalks<'d>,
    ) -> Arc<HashSet<String>> {
        let Some(response) = self.followed(response) else {
            return Arc::default();
        };
        let mut stack: Vec<&Value> = Vec::new();
        if let Some(schema) = response.get("schema") {
            stack.push(schema);
        }
        if let Some(content) = response.get("content").and_then(Value::as_object) {
            stack.extend(content.values().filter_map(|media| media.get("schema")));
        }
        let start: Vec<WalkStart<'d>> = stack.iter().map(|schema| WalkStart::of(schema)).collect();
        if let Some(values) = walks.done.get(&start) {
            return Arc::clone(values);
        }
        let mut walk = Walk {
            document: &self.document,
            seen_refs: HashSet::new(),
            nodes: 0,
            values: HashSet::new(),
        };
        walk.collect(stack);
        let values = Arc::new(walk.values);
        walks.done.insert(start, Arc::clone(&values));
        values
    }

    /// [`Contract::response_values`] of one operation alone.
    pub fn response_values_of(&self, operation: &Operation) -> ResponseValues {
        self.response_values(operation, &mut SchemaWalks::default())
    }

    /// The response object, its `$ref` followed.
    fn followed<'d>(&'d self, mut response: &'d Value) -> Option<&'d Value> {
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

        assert!(contract.response_values_of(&ops[0]).declares(200, "todo"));
        assert!(contract.response_values_of(&ops[0]).declares(200, " Done "));
        assert!(
            !contract
                .response_values_of(&ops[0])
                .declares(200, "not implemented")
        );
        assert!(
            !contract.response_values_of(&ops[0]).declares(201, "todo"),
            "no response declared for 201"
        );
        assert!(
            contract
                .response_values_of(&ops[1])
                .declares(204, "Coming soon")
        );
        assert!(!contract.response_values_of(&ops[2]).declares(200, "todo"));
    }
}
