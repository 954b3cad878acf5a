//! `$ref`s inside one document: `{"$ref": "#/components/parameters/PetId"}` names the node at
//! that JSON pointer (its fragment percent-decoded, then `~1`/`~0` unescaped).
//!
//! [`check`] walks the whole document once, so a dangling reference fails the load wherever
//! it is, even in a schema no operation uses; [`resolve`] follows one chain (a ref to a ref
//! to ...) to the node it ends at, bounded so a cycle never loops. Schemas keep their refs:
//! the planner follows them through `Contract::document`. Refs to other files or URLs are
//! refused for now (external bundling is a later step).

use std::collections::HashSet;

use serde_json::Value;

/// Where the bundler ([`super::bundle`]) puts the files a contract's `$ref`s name, in the
/// root document: refs into them are followed like any other.
pub(crate) const BUNDLE_KEY: &str = "x-rollcall-bundled";

/// Longer chains than this are treated as a cycle.
pub(crate) const MAX_REF_CHAIN: usize = 64;

/// Why a reference cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RefIssue {
    Dangling(String),
    External(String),
    Cycle(String),
    /// `#name` (a schema `$anchor`) where OpenAPI wants a component.
    PlainName(String),
}

impl RefIssue {
    pub(crate) fn message(&self) -> String {
        match self {
            RefIssue::Dangling(r) => format!("$ref '{r}' points at nothing"),
            RefIssue::External(r) => {
                format!("$ref '{r}' points outside this document and was not bundled into it")
            }
            RefIssue::Cycle(r) => format!(
                "$ref '{r}' starts a chain of references that never ends (a cycle, or more than {MAX_REF_CHAIN} hops)"
            ),
            RefIssue::PlainName(r) => {
                format!("$ref '{r}' names a schema anchor, not a JSON pointer")
            }
        }
    }
}

/// Follows `node` through `$ref`s until a node that is not a reference. Returns that node
/// and, when at least one reference was followed, its pointer.
pub(crate) fn resolve<'a>(
    document: &'a Value,
    node: &'a Value,
) -> Result<(&'a Value, Option<String>), RefIssue> {
    let mut current = node;
    let mut current_pointer = None;
    for _ in 0..MAX_REF_CHAIN {
        let Some(Value::String(reference)) = current.get("$ref") else {
            return Ok((current, current_pointer));
        };
        let (target, target_pointer) = lookup(document, reference)?;
        current = target;
        current_pointer = Some(target_pointer);
    }
    let first = match node.get("$ref") {
        Some(Value::String(reference)) => reference.clone(),
        _ => String::new(),
    };
    Err(RefIssue::Cycle(first))
}

/// The node an internal reference names, and its pointer.
fn lookup<'a>(document: &'a Value, reference: &str) -> Result<(&'a Value, String), RefIssue> {
    let Some(fragment) = reference.strip_prefix('#') else {
        return Err(RefIssue::External(reference.to_string()));
    };
    let pointer =
        decode_fragment(fragment).ok_or_else(|| RefIssue::Dangling(reference.to_string()))?;
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(RefIssue::PlainName(reference.to_string()));
    }
    super::pointer::get(document, &pointer)
        .map(|target| (target, pointer))
        .ok_or_else(|| RefIssue::Dangling(reference.to_string()))
}

/// A URI fragment as a JSON pointer; `None` if its percent-escapes are not UTF-8.
fn decode_fragment(fragment: &str) -> Option<String> {
    percent_encoding::percent_decode_str(fragment)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

/// A reference in the document that cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RefProblem {
    /// Pointer of the object holding the `$ref`.
    pub holder: String,
    pub issue: RefIssue,
}

/// What the check found besides problems.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    /// Some `$ref` names the document itself, `paths` or a node inside it (legal, rare):
    /// rewriting `paths` must then leave the original readable to follow it.
    pub names_paths: bool,
}

/// Checks every `$ref` in the document. Literal data (`example`, `default`, `const`, `enum`,
/// an Example's `value`, `x-` extensions) is not looked into: a `$ref` there is just data.
pub(crate) fn check(document: &Value) -> Result<Checked, RefProblem> {
    let mut checker = Checker {
        names_paths: false,
        document,
        path: Vec::new(),
        resources: Vec::new(),
        anchors: HashSet::new(),
        ids: HashSet::new(),
        deferred: Vec::new(),
        found_in_document: HashSet::new(),
    };
    checker.walk(document, Kind::Keywords)?;
    checker.finish()
}

/// What the keys of an object are, which decides which children hold literal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Fixed field names (an Operation, a Schema): literal-data keys are skipped.
    Keywords,
    /// User-chosen names (`properties`, `paths`, `responses`, ...): every child is walked.
    Named,
    /// An OpenAPI `examples` map: its children are Example objects.
    ExampleMap,
    /// An Example object, whose `value` is literal data.
    Example,
}

/// Keys whose object values map user-chosen names to things that may hold refs.
const NAMED_MAPS: &[&str] = &[
    "paths",
    "webhooks",
    "callbacks",
    "schemas",
    "responses",
    "parameters",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "pathItems",
    "content",
    "encoding",
    "variables",
    "properties",
    "patternProperties",
    "dependentSchemas",
    "$defs",
    "definitions",
    "mapping",
];

const LITERAL_KEYS: &[&str] = &["example", "default", "const", "enum"];

/// How the child `key` of an object of `kind` is walked for `$ref`s; `None` when it is literal
/// data (an example, a default, an `x-` extension other than the bundled files), which may
/// contain a `$ref` key that is just data.
pub(crate) fn child_kind(kind: Kind, key: &str, value: &Value) -> Option<Kind> {
    Some(match kind {
        Kind::Named => Kind::Keywords,
        Kind::ExampleMap => Kind::Example,
        Kind::Keywords | Kind::Example => {
            let bundled = key == BUNDLE_KEY;
            if !bundled
                && (key.starts_with("x-")
                    || LITERAL_KEYS.contains(&key)
                    || (kind == Kind::Example && key == "value"))
            {
                return None;
            }
            if bundled {
                // Bundled files: each child is a file's root.
                Kind::Named
            } else if key == "examples" {
                if value.is_array() {
                    return None;
                }
                Kind::ExampleMap
            } else if NAMED_MAPS.contains(&key) {
                Kind::Named
            } else {
                Kind::Keywords
            }
        }
    })
}

#[derive(Debug, Clone, Copy)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

struct Checker<'a> {
    document: &'a Value,
    path: Vec<Segment<'a>>,
    /// Enclosing schemas with an `$id`: in 3.1 their `#/...` refs resolve against them.
    resources: Vec<&'a Value>,
    anchors: HashSet<&'a str>,
    ids: HashSet<&'a str>,
    /// Refs that can only be judged once every `$anchor`/`$id` was seen.
    deferred: Vec<(String, &'a str)>,
    /// Internal refs already found in the document: a large contract names
    /// the same few hundred schemas thousands of times.
    found_in_document: HashSet<&'a str>,
    names_paths: bool,
}

impl<'a> Checker<'a> {
    fn holder(&self) -> String {
        self.path
            .iter()
            .fold(String::new(), |pointer, segment| match segment {
                Segment::Key(key) => super::pointer::child(&pointer, key),
                Segment::Index(i) => super::pointer::index(&pointer, *i),
            })
    }

    fn walk(&mut self, node: &'a Value, kind: Kind) -> Result<(), RefProblem> {
        match node {
            Value::Object(map) => {
                let mut is_resource = false;
                for (key, value) in map {
                    if !key.starts_with('$') {
                        continue;
                    }
                    match (key.as_str(), value) {
                        ("$ref", Value::String(reference)) => self.check_ref(reference)?,
                        ("$id", Value::String(id)) => {
                            self.ids.insert(id);
                            is_resource = true;
                        }
                        ("$anchor" | "$dynamicAnchor", Value::String(anchor)) => {
                            self.anchors.insert(anchor);
                        }
                        _ => {}
                    }
                }
                if is_resource {
                    self.resources.push(node);
                }
                for (key, value) in map {
                    if !(value.is_object() || value.is_array()) {
                        continue;
                    }
                    let Some(child_kind) = child_kind(kind, key, value) else {
                        continue;
                    };
                    self.path.push(Segment::Key(key));
                    self.walk(value, child_kind)?;
                    self.path.pop();
                }
                if is_resource {
                    self.resources.pop();
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if item.is_object() || item.is_array() {
                        self.path.push(Segment::Index(i));
                        self.walk(item, Kind::Keywords)?;
                        self.path.pop();
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn check_ref(&mut self, reference: &'a str) -> Result<(), RefProblem> {
        let Some(fragment) = reference.strip_prefix('#') else {
            self.deferred.push((self.holder(), reference));
            return Ok(());
        };
        if self.found_in_document.contains(reference) {
            return Ok(());
        }
        let found = decode_fragment(fragment).is_some_and(|pointer| {
            if pointer.is_empty() || pointer == "/paths" || pointer.starts_with("/paths/") {
                self.names_paths = true;
            }
            if pointer.is_empty() {
                true
            } else if pointer.starts_with('/') {
                if super::pointer::get(self.document, &pointer).is_some() {
                    self.found_in_document.insert(reference);
                    return true;
                }
                self.resources
                    .iter()
                    .rev()
                    .any(|resource| super::pointer::get(resource, &pointer).is_some())
            } else {
                self.deferred.push((self.holder(), reference));
                true
            }
        });
        if found {
            Ok(())
        } else {
            Err(RefProblem {
                holder: self.holder(),
                issue: RefIssue::Dangling(reference.to_string()),
            })
        }
    }

    fn finish(self) -> Result<Checked, RefProblem> {
        for (holder, reference) in self.deferred {
            let (base, fragment) = reference.split_once('#').unwrap_or((reference, ""));
            let issue = if base.is_empty() {
                let name = decode_fragment(fragment).unwrap_or_default();
                if self.anchors.contains(name.as_str()) {
                    continue;
                }
                RefIssue::Dangling(reference.to_string())
            } else if self.ids.contains(base) {
                // A 3.1 schema resource of this document named by its `$id`.
                continue;
            } else {
                RefIssue::External(reference.to_string())
            };
            return Err(RefProblem { holder, issue });
        }
        Ok(Checked {
            names_paths: self.names_paths,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn chains_of_refs_resolve_to_the_final_node_and_its_pointer() {
        let doc = json!({
            "components": {"parameters": {
                "A": {"$ref": "#/components/parameters/B"},
                "B": {"$ref": "#/components/parameters/C%20D"},
                "C D": {"name": "limit"},
                "a/b": {"name": "slash"}
            }},
            "x": {"$ref": "#/components/parameters/A"},
            "y": {"$ref": "#/components/parameters/a~1b"}
        });
        let (target, pointer) = resolve(&doc, &doc["x"]).expect("resolves");
        assert_eq!(target["name"], "limit");
        assert_eq!(pointer.as_deref(), Some("/components/parameters/C D"));
        let (target, _) = resolve(&doc, &doc["y"]).expect("resolves");
        assert_eq!(target["name"], "slash");
        let (same, pointer) = resolve(&doc, &doc["components"]).expect("no ref");
        assert!(same.get("parameters").is_some());
        assert_eq!(pointer, None);
    }

    #[test]
    fn a_cycle_of_refs_is_reported_not_followed_forever() {
        let doc = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}});
        assert_eq!(
            resolve(&doc, &doc["a"]).map(|_| ()),
            Err(RefIssue::Cycle("#/b".into()))
        );
        assert_eq!(check(&doc).map(drop), Ok(()), "a cycle is not dangling");
    }

    #[test]
    fn dangling_ref_names_the_node_that_holds_it() {
        let doc = json!({"paths": {"/p": {"get": {"responses": {"default": {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}
        }}}}}});
        let problem = check(&doc).expect_err("dangling");
        assert_eq!(
            problem.holder,
            "/paths/~1p/get/responses/default/content/application~1json/schema"
        );
        assert_eq!(
            problem.issue,
            RefIssue::Dangling("#/components/schemas/Nope".into())
        );
    }

    #[test]
    fn refs_inside_literal_data_are_not_checked() {
        let doc = json!({
            "components": {
                "schemas": {"S": {
                    "properties": {"example": {"$ref": "#/components/schemas/S"}},
                    "example": {"$ref": "#/nothing"},
                    "examples": [{"$ref": "#/nothing"}],
                    "default": {"$ref": "#/nothing"}
                }},
                "examples": {"E": {"value": {"$ref": "#/nothing"}}}
            },
            "x-tool": {"$ref": "#/nothing"}
        });
        assert_eq!(check(&doc).map(drop), Ok(()));
        let doc = json!({"properties": {"example": {"$ref": "#/nothing"}}});
        assert!(
            check(&doc).is_err(),
            "a property named `example` is a schema"
        );
    }

    #[test]
    fn unbundled_external_refs_are_refused_but_anchors_and_ids_of_this_document_are_not() {
        let doc = json!({"a": {"$ref": "other.yaml#/x"}});
        let problem = check(&doc).expect_err("external");
        assert_eq!(problem.holder, "/a");
        assert_eq!(problem.issue, RefIssue::External("other.yaml#/x".into()));
        assert!(
            problem
                .issue
                .message()
                .contains("points outside this document")
        );

        let doc = json!({
            "s": {"$id": "https://example.com/pet", "$defs": {"n": {"$anchor": "name"}},
                  "properties": {"n": {"$ref": "#/$defs/n"}, "m": {"$ref": "#name"}}},
            "t": {"$ref": "https://example.com/pet"}
        });
        assert_eq!(check(&doc).map(drop), Ok(()));
        let doc = json!({"t": {"$ref": "#missing"}});
        assert!(matches!(
            check(&doc),
            Err(RefProblem {
                issue: RefIssue::Dangling(_),
                ..
            })
        ));
    }
}
