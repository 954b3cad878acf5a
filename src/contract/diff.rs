//! Contract diff: what one contract adds, removes and changes relative to
//! another, operation by operation. `rollcall diff OLD NEW` prints it
//! ([`crate::report::diff`] renders it), and `rollcall check NEW --since
//! OLD` marks every operation of a run as new, changed or unchanged with it.
//!
//! Operations are matched by method and path template, with the names of
//! path parameters ignored (`/pets/{id}` and `/pets/{petId}` are one route to
//! a client). A matched operation is *changed* when a parameter was added or
//! removed or became required or optional, when its request body or the
//! body's media types changed, or when its security requirements changed.
//!
//! ```text
//! Petstore 1.0.0 (old.yaml) → Petstore 1.1.0 (new.yaml)
//!
//! Added (1):
//!   + PATCH  /pets/{petId}
//!
//! Removed (1):
//!   - DELETE /pets/{petId}
//!
//! Changed (1):
//!   ~ GET    /pets
//!       parameter added: query `status` (optional)
//!       security: none → bearerAuth
//!
//! 1 added, 1 removed, 1 changed, 4 unchanged
//! ```

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::contract::{Contract, Method, Operation, ParamLocation, SecurityRequirement, template};

/// Everything that differs between two contracts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractDiff {
    pub old: SpecRef,
    pub new: SpecRef,
    /// Operations only the new contract declares, in its order.
    pub added: Vec<OperationRef>,
    /// Operations only the old contract declares, in its order.
    pub removed: Vec<OperationRef>,
    /// Operations both declare that differ, in the new contract's order.
    pub changed: Vec<ChangedOperation>,
    /// How many operations both declare identically.
    pub unchanged: usize,
}

/// Which contract a side of the diff is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecRef {
    /// The path or URL the contract was read from.
    pub path: String,
    pub title: String,
    pub version: String,
}

/// One operation, as the contract that declares it names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationRef {
    pub method: Method,
    pub path: String,
    pub operation_id: Option<String>,
    /// Line of the operation in its contract.
    pub line: Option<u32>,
}

impl OperationRef {
    fn of(operation: &Operation) -> OperationRef {
        OperationRef {
            method: operation.method,
            path: operation.key(),
            operation_id: operation.operation_id.clone(),
            line: operation.location.line,
        }
    }

    /// `GET /pets/{petId}`.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// An operation both contracts declare, and how it changed. `method`, `path`
/// and `line` are the new contract's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedOperation {
    #[serde(flatten)]
    pub operation: OperationRef,
    pub changes: Vec<Change>,
}

/// One difference in an operation both contracts declare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    ParameterAdded {
        location: ParamLocation,
        name: String,
        required: bool,
    },
    ParameterRemoved {
        location: ParamLocation,
        name: String,
    },
    /// The parameter became required (`true`) or optional (`false`).
    ParameterRequired {
        location: ParamLocation,
        name: String,
        required: bool,
    },
    RequestBodyAdded {
        required: bool,
        media_types: Vec<String>,
    },
    RequestBodyRemoved,
    /// The request body became required (`true`) or optional (`false`).
    RequestBodyRequired {
        required: bool,
    },
    MediaTypeAdded {
        media_type: String,
    },
    MediaTypeRemoved {
        media_type: String,
    },
    /// The security requirements, each alternative as `scheme[scopes] + scheme`
    /// (`none` for an alternative that needs no credentials); an empty list
    /// means the operation needs none at all.
    SecurityChanged {
        old: Vec<String>,
        new: Vec<String>,
    },
}

impl fmt::Display for Change {
    /// `parameter added: query `status` (optional)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::ParameterAdded {
                location,
                name,
                required,
            } => write!(
                f,
                "parameter added: {} `{name}` ({})",
                location.as_str(),
                if *required { "required" } else { "optional" }
            ),
            Change::ParameterRemoved { location, name } => {
                write!(f, "parameter removed: {} `{name}`", location.as_str())
            }
            Change::ParameterRequired {
                location,
                name,
                required,
            } => write!(
                f,
                "parameter now {}: {} `{name}`",
                if *required { "required" } else { "optional" },
                location.as_str()
            ),
            Change::RequestBodyAdded {
                required,
                media_types,
            } => write!(
                f,
                "request body added ({}): {}",
                if *required { "required" } else { "optional" },
                if media_types.is_empty() {
                    "no media type".to_string()
                } else {
                    media_types.join(", ")
                }
            ),
            Change::RequestBodyRemoved => f.write_str("request body removed"),
            Change::RequestBodyRequired { required } => write!(
                f,
                "request body now {}",
                if *required { "required" } else { "optional" }
            ),
            Change::MediaTypeAdded { media_type } => {
                write!(f, "request body media type added: {media_type}")
            }
            Change::MediaTypeRemoved { media_type } => {
                write!(f, "request body media type removed: {media_type}")
            }
            Change::SecurityChanged { old, new } => {
                write!(f, "security: {} → {}", alternatives(old), alternatives(new))
            }
        }
    }
}

/// How an operation of a run relates to an older contract (`--since`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseChange {
    /// The older contract does not declare it.
    New,
    /// Declared in both, with different parameters, body or security.
    Changed,
    Unchanged,
}

impl ReleaseChange {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseChange::New => "new",
            ReleaseChange::Changed => "changed",
            ReleaseChange::Unchanged => "unchanged",
        }
    }
}

impl fmt::Display for ReleaseChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ContractDiff {
    /// Compares `new` with `old`.
    pub fn between(old: &Contract, new: &Contract) -> ContractDiff {
        // Old operations by route, in document order, so duplicates (which a
        // valid contract does not have) still pair up one to one.
        let mut unmatched: HashMap<(Method, String), VecDeque<usize>> = HashMap::new();
        for (index, operation) in old.operations.iter().enumerate() {
            unmatched
                .entry(route_key(operation))
                .or_default()
                .push_back(index);
        }
        let mut matched_old = vec![false; old.operations.len()];
        let mut added = Vec::new();
        let mut changed = Vec::new();
        let mut unchanged = 0;
        for operation in &new.operations {
            let partner = unmatched
                .get_mut(&route_key(operation))
                .and_then(VecDeque::pop_front);
            let Some(old_index) = partner else {
                added.push(OperationRef::of(operation));
                continue;
            };
            matched_old[old_index] = true;
            let changes = operation_changes(&old.operations[old_index], operation);
            if changes.is_empty() {
                unchanged += 1;
            } else {
                changed.push(ChangedOperation {
                    operation: OperationRef::of(operation),
                    changes,
                });
            }
        }
        let removed = old
            .operations
            .iter()
            .zip(matched_old)
            .filter(|(_, matched)| !matched)
            .map(|(operation, _)| OperationRef::of(operation))
            .collect();
        ContractDiff {
            old: SpecRef::of(old),
            new: SpecRef::of(new),
            added,
            removed,
            changed,
            unchanged,
        }
    }

    /// Whether the two contracts declare the same operations identically.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// How the new contract's operation `method path` relates to the old
    /// contract.
    pub fn change_of(&self, method: Method, path: &str) -> ReleaseChange {
        let is = |op: &OperationRef| op.method == method && op.path == path;
        if self.added.iter().any(is) {
            ReleaseChange::New
        } else if self.changed.iter().any(|c| is(&c.operation)) {
            ReleaseChange::Changed
        } else {
            ReleaseChange::Unchanged
        }
    }
}

impl SpecRef {
    fn of(contract: &Contract) -> SpecRef {
        SpecRef {
            path: contract.source.clone(),
            title: contract.title.clone(),
            version: contract.version.clone(),
        }
    }
}

/// `bearerAuth or apiKey + oauth2[read]`; `none` when nothing is required.
fn alternatives(list: &[String]) -> String {
    if list.is_empty() {
        "none".to_string()
    } else {
        list.join(" or ")
    }
}

/// The route an operation answers: method and path template with parameter
/// names blanked, since they are not part of any URL, and the selector that
/// tells it from the others on the path (`/{}?acl`).
fn route_key(operation: &Operation) -> (Method, String) {
    let path = template::blank_parameters(&operation.path) + &operation.selector.suffix();
    (operation.method, path)
}

/// How a parameter is identified across the two contracts: path parameters
/// by their position in the template (their names are not on the wire),
/// header names case-insensitively, the rest by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum ParameterKey {
    PathPosition(usize),
    Named(u8, String),
}

fn parameter_key(operation: &Operation, location: ParamLocation, name: &str) -> ParameterKey {
    let location_rank = location as u8;
    match location {
        ParamLocation::Path => match template::parameter_names(&operation.path)
            .iter()
            .position(|p| *p == name)
        {
            Some(position) => ParameterKey::PathPosition(position),
            None => ParameterKey::Named(location_rank, name.to_string()),
        },
        ParamLocation::Header => ParameterKey::Named(location_rank, name.to_ascii_lowercase()),
        ParamLocation::Query | ParamLocation::Cookie => {
            ParameterKey::Named(location_rank, name.to_string())
        }
    }
}

fn operation_changes(old: &Operation, new: &Operation) -> Vec<Change> {
    let mut changes = parameter_changes(old, new);
    changes.extend(body_changes(old, new));
    let (old_security, new_security) = (security(&old.security), security(&new.security));
    if old_security != new_security {
        changes.push(Change::SecurityChanged {
            old: old_security,
            new: new_security,
        });
    }
    changes
}

fn parameter_changes(old: &Operation, new: &Operation) -> Vec<Change> {
    let keyed = |op: &Operation| -> Vec<(ParameterKey, ParamLocation, String, bool)> {
        op.parameters
            .iter()
            .map(|p| {
                (
                    parameter_key(op, p.location, &p.name),
                    p.location,
                    p.name.clone(),
                    // A path parameter is always required, whatever it says.
                    p.required || p.location == ParamLocation::Path,
                )
            })
            .collect()
    };
    let (old_params, new_params) = (keyed(old), keyed(new));
    let mut changes = Vec::new();
    for (key, location, name, required) in &new_params {
        match old_params.iter().find(|(k, ..)| k == key) {
            None => changes.push(Change::ParameterAdded {
                location: *location,
                name: name.clone(),
                required: *required,
            }),
            Some((_, _, _, was_required)) if was_required != required => {
                changes.push(Change::ParameterRequired {
                    location: *location,
                    name: name.clone(),
                    required: *required,
                })
            }
            Some(_) => {}
        }
    }
    for (key, location, name, _) in &old_params {
        if !new_params.iter().any(|(k, ..)| k == key) {
            changes.push(Change::ParameterRemoved {
                location: *location,
                name: name.clone(),
            });
        }
    }
    changes
}

fn body_changes(old: &Operation, new: &Operation) -> Vec<Change> {
    let media_types = |op: &Operation| -> Vec<String> {
        op.request_body
            .iter()
            .flat_map(|b| &b.content)
            .map(|m| m.media_type.to_ascii_lowercase())
            .collect()
    };
    match (&old.request_body, &new.request_body) {
        (None, None) => Vec::new(),
        (None, Some(body)) => vec![Change::RequestBodyAdded {
            required: body.required,
            media_types: media_types(new),
        }],
        (Some(_), None) => vec![Change::RequestBodyRemoved],
        (Some(old_body), Some(new_body)) => {
            let mut changes = Vec::new();
            if old_body.required != new_body.required {
                changes.push(Change::RequestBodyRequired {
                    required: new_body.required,
                });
            }
            let (old_types, new_types) = (media_types(old), media_types(new));
            for media_type in new_types.iter().filter(|t| !old_types.contains(t)) {
                changes.push(Change::MediaTypeAdded {
                    media_type: media_type.clone(),
                });
            }
            for media_type in old_types.iter().filter(|t| !new_types.contains(t)) {
                changes.push(Change::MediaTypeRemoved {
                    media_type: media_type.clone(),
                });
            }
            changes
        }
    }
}

/// Security requirements in a canonical form: each alternative as
/// `scheme[scope,scope] + scheme` with schemes and scopes sorted, the
/// alternatives sorted and deduplicated, so that reordering is no change.
fn security(requirements: &[SecurityRequirement]) -> Vec<String> {
    let alternatives: BTreeSet<String> = requirements
        .iter()
        .map(|requirement| {
            if requirement.is_empty() {
                return "none".to_string();
            }
            let schemes: BTreeSet<String> = requirement
                .iter()
                .map(|(scheme, scopes)| {
                    let scopes: BTreeSet<&str> = scopes.iter().map(String::as_str).collect();
                    if scopes.is_empty() {
                        scheme.clone()
                    } else {
                        format!(
                            "{scheme}[{}]",
                            scopes.into_iter().collect::<Vec<_>>().join(",")
                        )
                    }
                })
                .collect();
            schemes.into_iter().collect::<Vec<_>>().join(" + ")
        })
        .collect();
    alternatives.into_iter().collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::contract::parse;

    fn contract(name: &str, yaml: &str) -> Contract {
        parse(name, yaml.as_bytes()).expect("test contract parses")
    }

    const OLD: &str = r#"
openapi: 3.1.0
info: {title: Shop, version: 1.0.0}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
    apiKey: {type: apiKey, in: header, name: X-Api-Key}
paths:
  /items:
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
        - {name: X-Trace, in: header, schema: {type: string}}
      responses: {'200': {description: ok}}
    post:
      security: [{bearerAuth: []}]
      requestBody:
        content:
          application/json: {schema: {type: object}}
      responses: {'201': {description: created}}
  /items/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
    delete:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: gone}}
"#;

    const NEW: &str = r#"
openapi: 3.1.0
info: {title: Shop, version: 1.1.0}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
    apiKey: {type: apiKey, in: header, name: X-Api-Key}
paths:
  /items:
    get:
      parameters:
        - {name: limit, in: query, required: true, schema: {type: integer}}
        - {name: status, in: query, schema: {type: string}}
        - {name: x-trace, in: header, schema: {type: string}}
      responses: {'200': {description: ok}}
    post:
      security: [{apiKey: []}, {bearerAuth: []}]
      requestBody:
        required: true
        content:
          application/json: {schema: {type: object}}
          application/xml: {schema: {type: object}}
      responses: {'201': {description: created}}
  /items/{itemId}:
    get:
      parameters: [{name: itemId, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
    patch:
      parameters: [{name: itemId, in: path, required: true, schema: {type: string}}]
      requestBody:
        content:
          application/merge-patch+json: {schema: {type: object}}
      responses: {'200': {description: ok}}
"#;

    /// Two versions of a shop, and their diff: every kind of change.
    pub(crate) fn shop_diff() -> ContractDiff {
        ContractDiff::between(&contract("old.yaml", OLD), &contract("new.yaml", NEW))
    }

    #[test]
    fn added_and_removed_operations_are_listed_by_route() {
        let diff = shop_diff();
        let labels = |ops: &[OperationRef]| ops.iter().map(OperationRef::label).collect::<Vec<_>>();
        assert_eq!(labels(&diff.added), ["PATCH /items/{itemId}"]);
        assert_eq!(labels(&diff.removed), ["DELETE /items/{id}"]);
        assert_eq!(
            diff.unchanged, 1,
            "GET /items/{{id}} only renamed its path parameter"
        );
    }

    #[test]
    fn parameter_changes_are_named_with_location() {
        let diff = shop_diff();
        let get = &diff.changed[0];
        assert_eq!(get.operation.label(), "GET /items");
        let described: Vec<String> = get.changes.iter().map(Change::to_string).collect();
        assert_eq!(
            described,
            [
                "parameter now required: query `limit`",
                "parameter added: query `status` (optional)",
            ],
            "header names compare case-insensitively"
        );
    }

    #[test]
    fn body_media_types_and_security_changes_are_found() {
        let diff = shop_diff();
        let post = &diff.changed[1];
        assert_eq!(post.operation.label(), "POST /items");
        assert_eq!(
            post.changes,
            [
                Change::RequestBodyRequired { required: true },
                Change::MediaTypeAdded {
                    media_type: "application/xml".into()
                },
                Change::SecurityChanged {
                    old: vec!["bearerAuth".into()],
                    new: vec!["apiKey".into(), "bearerAuth".into()],
                },
            ]
        );
        assert_eq!(
            post.changes[2].to_string(),
            "security: bearerAuth → apiKey or bearerAuth"
        );
    }

    #[test]
    fn a_malformed_template_names_its_parameters_as_the_loader_reads_them() {
        // `/a/{x{y}` declares the parameter `x{y` (the loader warns that `y` is not in it), so
        // renaming the declared `y` to `z` is a parameter change, not a renamed placeholder.
        let spec = |name: &str| {
            format!(
                "openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\npaths:\n  /a/{{x{{{name}}}:\n    get:\n      \
                 parameters: [{{name: {name}, in: path, required: true, schema: {{type: string}}}}]\n      \
                 responses: {{'200': {{description: ok}}}}\n"
            )
        };
        let diff = ContractDiff::between(
            &contract("old.yaml", &spec("y")),
            &contract("new.yaml", &spec("z")),
        );
        assert!(diff.added.is_empty() && diff.removed.is_empty(), "{diff:?}");
        let described: Vec<String> = diff.changed[0]
            .changes
            .iter()
            .map(Change::to_string)
            .collect();
        assert_eq!(
            described,
            [
                "parameter added: path `z` (required)",
                "parameter removed: path `y`"
            ]
        );
    }

    #[test]
    fn release_change_of_each_new_operation() {
        let diff = shop_diff();
        assert_eq!(
            diff.change_of(Method::Patch, "/items/{itemId}"),
            ReleaseChange::New
        );
        assert_eq!(
            diff.change_of(Method::Post, "/items"),
            ReleaseChange::Changed
        );
        assert_eq!(
            diff.change_of(Method::Get, "/items/{itemId}"),
            ReleaseChange::Unchanged
        );
    }

    #[test]
    fn identical_contracts_have_an_empty_diff() {
        let old = contract("a.yaml", OLD);
        let diff = ContractDiff::between(&old, &old);
        assert!(diff.is_empty());
        assert_eq!(diff.unchanged, 4);
        assert!(
            crate::report::diff::text(&diff)
                .contains("No operation was added, removed or changed.")
        );
    }

    #[test]
    fn security_order_is_not_a_change() {
        let requirement = |s: &[(&str, &[&str])]| -> SecurityRequirement {
            s.iter()
                .map(|(n, scopes)| {
                    (
                        n.to_string(),
                        scopes.iter().map(|x| x.to_string()).collect(),
                    )
                })
                .collect()
        };
        let a = vec![
            requirement(&[("oauth", &["write", "read"]), ("apiKey", &[])]),
            requirement(&[]),
        ];
        let b = vec![
            requirement(&[]),
            requirement(&[("apiKey", &[]), ("oauth", &["read", "write"])]),
        ];
        assert_eq!(security(&a), security(&b));
        assert_eq!(security(&a), ["apiKey + oauth[read,write]", "none"]);
    }
}
