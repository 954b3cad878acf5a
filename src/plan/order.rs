//! Order: when each probe of a live run is sent, so that nothing a probe
//! needs is consumed before it runs. Probes go in phases, one phase after
//! the other and the probes of a phase in parallel: first those that create,
//! then those that read or change, then those that remove, the deepest paths
//! first. Safe mode changes nothing, so all its probes form one phase.
//!
//! ```text
//! phase 1  create          POST   /orders                     a collection of /orders/{orderId}
//!                          POST   /orders/{orderId}/notes     declares 201
//! phase 2  read or change  GET    /orders/{orderId}
//!                          PUT    /orders/{orderId}
//!                          POST   /orders/{orderId}/cancel
//! phase 3  remove          DELETE /orders/{orderId}/notes/{noteId}
//! phase 4  remove          DELETE /orders/{orderId}
//! ```
//!
//! An operation **removes** a resource when its method is DELETE, or, on
//! POST, PUT or PATCH, when the contract says so: `x-rollcall-removes: true`
//! on the operation, an operationId whose verb is delete, remove, destroy,
//! purge or erase (`deleteOrder`, `Orders_Delete`, `orders.purge`,
//! `remove_member`), or a summary that starts with one (`Delete an order`,
//! `Removes a member`). `x-rollcall-removes: false` turns the name rules off
//! for an operation. A declared 204 or 410 is not taken as a sign: most
//! actions answer 204, and a 410 describes reading a gone resource. Every
//! removal goes after every probe that is not one, and after every removal
//! on a deeper path (`DELETE /orders/{id}/notes/{n}` before `DELETE
//! /orders/{id}`); two removals on the same path template go one after the
//! other, in the contract's order, after those that remove only a part of
//! what the path names (a selector's, `DELETE /{Bucket}?tagging`), which go
//! together.
//!
//! An operation **creates** when it is a POST or PUT that declares `201`,
//! whose operationId's verb or summary's first word is create, add, insert
//! or register, or a POST on a collection whose items the contract
//! declares (`POST /orders` next to `/orders/{orderId}`).

use std::cmp::Reverse;

use serde::Serialize;
use serde_json::Value;

use super::{Plan, PlannedProbe};
use crate::contract::{Contract, Method, Operation};

/// Verbs that name a removal (operationId verb, summary's first word).
const REMOVING_VERBS: [&str; 5] = ["delete", "remove", "destroy", "purge", "erase"];

/// Verbs that name a creation.
const CREATING_VERBS: [&str; 4] = ["create", "add", "insert", "register"];

/// The extension with which a contract marks an operation that removes a
/// resource (`true`), or one whose name only looks like it (`false`).
pub const REMOVES_EXTENSION: &str = "x-rollcall-removes";

/// What a probe does to the service's state, as far as ordering goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Makes a resource: sent before everything else.
    Create,
    /// Reads or changes: after the creations, before the removals.
    ReadOrChange,
    /// Removes a resource: after everything that may need it.
    Remove,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Create => "create",
            Role::ReadOrChange => "read or change",
            Role::Remove => "remove",
        }
    }
}

/// Where one probe goes in a live run, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// 0-based index into [`Order::phases`].
    pub phase: usize,
    pub role: Role,
    /// Why the probe creates or removes (`DELETE`, `declares 201`,
    /// `operationId 'purgeOrder'`); empty for [`Role::ReadOrChange`].
    pub because: String,
}

/// A set of probes sent together, after every earlier phase has finished
/// (follow-ups included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    pub role: Role,
    /// Indexes into `Plan::probes`, in the plan's order. The first phase
    /// also holds the probes that send nothing (their follow-ups may send
    /// something).
    pub probes: Vec<usize>,
}

/// The order of a whole plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// In sending order; never empty.
    pub phases: Vec<Phase>,
    /// Index-aligned with `Plan::probes`: each probe's place in a live run;
    /// `None` in safe mode and for probes that send nothing.
    pub steps: Vec<Option<Step>>,
}

impl Order {
    /// Whether the probe at `index` removes a resource (and so, with
    /// `--repeat`, is sent in the last round only).
    pub fn removes(&self, index: usize) -> bool {
        matches!(self.steps.get(index), Some(Some(step)) if step.role == Role::Remove)
    }

    /// Whether any probe removes a resource.
    pub fn has_removals(&self) -> bool {
        self.phases.iter().any(|p| p.role == Role::Remove)
    }
}

/// The order `plan`'s probes are sent in (see the module comment). The
/// probes must point into `contract.operations`.
pub fn of(contract: &Contract, plan: &Plan) -> Order {
    let everything = || Order {
        phases: vec![Phase {
            role: Role::ReadOrChange,
            probes: (0..plan.probes.len()).collect(),
        }],
        steps: vec![None; plan.probes.len()],
    };
    if plan.mode == super::Mode::Safe {
        return everything();
    }
    let collections = collection_paths(&plan.selected(contract));
    let document = contract.document.as_ref();
    let mut placed: Vec<Option<Placed>> = vec![None; plan.probes.len()];
    let mut same_path_removals: std::collections::HashMap<String, usize> = Default::default();
    for (index, probe) in plan.probes.iter().enumerate() {
        let Some(operation) = sending(contract, probe) else {
            continue;
        };
        let (role, because) = role_of(document, operation, &collections);
        let key = match role {
            Role::Create => PhaseKey(0, Reverse(0), 0),
            Role::ReadOrChange => PhaseKey(1, Reverse(0), 0),
            // A removal with a selector removes a part of what the path
            // names (`DELETE /{Bucket}?tagging`): all of them go together,
            // before the removals of the thing itself (`DELETE /{Bucket}`).
            Role::Remove if !operation.selector.is_empty() => {
                PhaseKey(2, Reverse(depth(&operation.path)), 0)
            }
            Role::Remove => {
                let rank = same_path_removals
                    .entry(template_shape(&operation.path))
                    .or_default();
                *rank += 1;
                PhaseKey(2, Reverse(depth(&operation.path)), *rank)
            }
        };
        placed[index] = Some(Placed { role, because, key });
    }
    if placed.iter().all(Option::is_none) {
        return everything();
    }

    let mut keys: Vec<PhaseKey> = placed.iter().flatten().map(|p| p.key).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut phases: Vec<Phase> = keys
        .iter()
        .map(|key| Phase {
            role: match key.0 {
                0 => Role::Create,
                1 => Role::ReadOrChange,
                _ => Role::Remove,
            },
            probes: Vec::new(),
        })
        .collect();
    let mut steps = vec![None; plan.probes.len()];
    for (index, place) in placed.into_iter().enumerate() {
        let phase = place
            .as_ref()
            .and_then(|p| keys.binary_search(&p.key).ok())
            .unwrap_or(0);
        phases[phase].probes.push(index);
        steps[index] = place.map(|p| Step {
            phase,
            role: p.role,
            because: p.because,
        });
    }
    Order { phases, steps }
}

/// Which phase a probe goes in, as a sort key in sending order: creations,
/// reads and changes, then removals, deepest first, and removals on the same
/// path template one after the other (the nth of them in the nth phase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct PhaseKey(u8, Reverse<usize>, usize);

/// A probe's role, why, and phase, before the phases are numbered.
#[derive(Debug, Clone)]
struct Placed {
    role: Role,
    because: String,
    key: PhaseKey,
}

/// The operation of a probe that sends a request.
fn sending<'c>(contract: &'c Contract, probe: &PlannedProbe) -> Option<&'c Operation> {
    probe.request.as_ref()?;
    contract.operations.get(probe.operation)
}

/// Whether `operation` creates, removes or neither, and why.
pub fn role_of(document: &Value, operation: &Operation, collections: &[String]) -> (Role, String) {
    if let Some(because) = removal(document, operation) {
        return (Role::Remove, because);
    }
    if let Some(because) = creation(operation, collections) {
        return (Role::Create, because);
    }
    (Role::ReadOrChange, String::new())
}

fn removal(document: &Value, operation: &Operation) -> Option<String> {
    if operation.method == Method::Delete {
        return Some("DELETE".to_string());
    }
    if !matches!(operation.method, Method::Post | Method::Put | Method::Patch) {
        return None;
    }
    let marked = crate::contract::pointer::get(document, &operation.location.pointer)
        .and_then(|node| node.get(REMOVES_EXTENSION))
        .and_then(Value::as_bool);
    match marked {
        Some(true) => return Some(format!("{REMOVES_EXTENSION}: true")),
        Some(false) => return None,
        None => {}
    }
    named(operation, &REMOVING_VERBS)
}

fn creation(operation: &Operation, collections: &[String]) -> Option<String> {
    if !matches!(operation.method, Method::Post | Method::Put) {
        return None;
    }
    if operation.responses.iter().any(|status| status == "201") {
        return Some("declares 201".to_string());
    }
    if let Some(because) = named(operation, &CREATING_VERBS) {
        return Some(because);
    }
    let shape = template_shape(&operation.path);
    let is_collection = operation.method == Method::Post
        && !shape.ends_with("{}")
        && collections.binary_search(&shape).is_ok();
    is_collection.then(|| "POST on a collection of items the contract declares".to_string())
}

/// `operationId '...'` or `summary '...'` when the operationId's verb, or
/// the summary's first word, is one of `verbs`.
fn named(operation: &Operation, verbs: &[&str]) -> Option<String> {
    // `verb`, or `verb` and an `s`, in any case (the verbs are lower-case ASCII).
    let is_verb = |word: &str| {
        let word = word.as_bytes();
        verbs.iter().any(|verb| {
            let verb = verb.as_bytes();
            word.eq_ignore_ascii_case(verb)
                || (word.len() == verb.len() + 1
                    && word[..verb.len()].eq_ignore_ascii_case(verb)
                    && word[verb.len()].eq_ignore_ascii_case(&b's'))
        })
    };
    if let Some(id) = operation.operation_id.as_deref()
        && id_verbs(id).iter().any(|word| is_verb(word))
    {
        return Some(format!("operationId '{id}'"));
    }
    let summary = operation.summary.as_deref().unwrap_or_default().trim();
    let first = summary
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default();
    if !first.is_empty() && is_verb(first) {
        let shown: String = summary.chars().take(60).collect();
        return Some(format!("summary '{shown}'"));
    }
    None
}

/// The words of an operationId that may be its verb: its first word
/// (`deleteOrder`, `remove_member`), and the first word after its last
/// `_`, `.`, `/` or `:` (`Orders_Delete`, `storage.buckets.delete`,
/// `repos/delete-file`).
fn id_verbs(id: &str) -> Vec<&str> {
    let mut verbs = Vec::new();
    if let Some(first) = words(id).next() {
        verbs.push(first);
    }
    if let Some(at) = id.rfind(['_', '.', '/', ':'])
        && let Some(first) = words(&id[at + 1..]).next()
    {
        verbs.push(first);
    }
    verbs
}

/// `deleteOrderNote` → `delete`, `Order`, `Note`; also split at anything
/// that is not a letter or digit. Found as they are read: most callers want
/// the first only.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .flat_map(|part| {
            let bytes = part.as_bytes();
            let mut start = 0;
            let mut at = 1;
            std::iter::from_fn(move || {
                while at < bytes.len() {
                    let here = at;
                    at += 1;
                    if bytes[here].is_ascii_uppercase() && bytes[here - 1].is_ascii_lowercase() {
                        let word = &part[start..here];
                        start = here;
                        return Some(word);
                    }
                }
                (start < part.len()).then(|| {
                    let word = &part[start..];
                    start = part.len();
                    word
                })
            })
        })
}

/// The path templates of collections: `/orders` when one of `operations`
/// (those the run probes) is on `/orders/{orderId}` (in [`template_shape`]
/// form, sorted).
fn collection_paths(operations: &[&Operation]) -> Vec<String> {
    let mut collections: Vec<String> = operations
        .iter()
        .filter_map(|op| {
            let shape = template_shape(&op.path);
            let trimmed = shape.trim_end_matches('/');
            trimmed
                .strip_suffix("/{}")
                .filter(|parent| !parent.is_empty())
                .map(str::to_string)
        })
        .collect();
    collections.sort_unstable();
    collections.dedup();
    collections
}

/// The path template with every parameter written `{}` and no trailing
/// `/`, so `/orders/{id}/` and `/orders/{orderId}` are one path.
fn template_shape(path: &str) -> String {
    let segments: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                "{}"
            } else {
                segment
            }
        })
        .collect();
    format!("/{}", segments.join("/"))
}

/// Segments of a path template.
fn depth(path: &str) -> usize {
    path.split('/').filter(|s| !s.is_empty()).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::tests::{contract, op};
    use crate::plan::{Mode, PlanOptions, build};
    use serde_json::json;

    fn with_id(mut operation: Operation, id: &str) -> Operation {
        operation.operation_id = Some(id.to_string());
        operation
    }

    fn with_201(mut operation: Operation) -> Operation {
        operation.responses = vec!["201".into()];
        operation
    }

    /// Each phase as `role: METHOD /path, ...`.
    fn phases(operations: Vec<Operation>, document: Value, mode: Mode) -> Vec<String> {
        let contract = contract(document, operations);
        let options = PlanOptions {
            mode,
            ..PlanOptions::default()
        };
        let plan = build(&contract, &options).unwrap();
        let order = of(&contract, &plan);
        order
            .phases
            .iter()
            .map(|phase| {
                let labels: Vec<String> = phase
                    .probes
                    .iter()
                    .map(|&i| contract.operations[plan.probes[i].operation].label())
                    .collect();
                format!("{}: {}", phase.role.label(), labels.join(", "))
            })
            .collect()
    }

    #[test]
    fn removals_go_last_deepest_first_and_creations_first() {
        let operations = vec![
            op(Method::Delete, "/orders/{orderId}"),
            op(Method::Get, "/orders/{orderId}"),
            op(Method::Put, "/orders/{orderId}"),
            op(Method::Patch, "/orders/{orderId}"),
            op(Method::Post, "/orders/{orderId}/notes"),
            op(Method::Delete, "/orders/{orderId}/notes/{noteId}"),
            op(Method::Post, "/orders"),
            op(Method::Get, "/health"),
        ];
        assert_eq!(
            phases(operations, json!({}), Mode::Live),
            [
                "create: POST /orders/{orderId}/notes, POST /orders",
                "read or change: GET /orders/{orderId}, PUT /orders/{orderId}, PATCH /orders/{orderId}, GET /health",
                "remove: DELETE /orders/{orderId}/notes/{noteId}",
                "remove: DELETE /orders/{orderId}",
            ]
        );
    }

    #[test]
    fn safe_mode_sends_everything_in_one_phase() {
        let operations = vec![
            op(Method::Delete, "/orders/{orderId}"),
            op(Method::Get, "/orders/{orderId}"),
        ];
        assert_eq!(
            phases(operations, json!({}), Mode::Safe),
            ["read or change: DELETE /orders/{orderId}, GET /orders/{orderId}"]
        );
    }

    #[test]
    fn removals_on_unrelated_paths_of_one_depth_share_a_phase() {
        let operations = vec![
            op(Method::Delete, "/orders/{orderId}"),
            op(Method::Delete, "/users/{userId}"),
            op(Method::Get, "/users/{userId}"),
        ];
        assert_eq!(
            phases(operations, json!({}), Mode::Live),
            [
                "read or change: GET /users/{userId}",
                "remove: DELETE /orders/{orderId}, DELETE /users/{userId}",
            ]
        );
    }

    #[test]
    fn contract_marked_removals_go_with_the_deletes() {
        let document =
            json!({"paths": {"/tasks/{id}/archive": {"post": {"x-rollcall-removes": true}}}});
        let mut archive = op(Method::Post, "/tasks/{id}/archive");
        archive.location.pointer = "/paths/~1tasks~1{id}~1archive/post".into();
        let operations = vec![
            with_id(op(Method::Post, "/orders/{id}/void"), "Orders_Delete"),
            with_id(op(Method::Post, "/orders/{id}/cancel"), "cancelOrder"),
            archive,
            {
                let mut purge = op(Method::Post, "/users/{id}/purge");
                purge.summary = Some("Removes the user and all their data".into());
                purge
            },
            with_id(
                op(Method::Get, "/orders/{id}/deleteHistory"),
                "deleteHistory",
            ),
        ];
        let contract = contract(document, operations);
        let options = PlanOptions {
            mode: Mode::Live,
            ..PlanOptions::default()
        };
        let plan = build(&contract, &options).unwrap();
        let order = of(&contract, &plan);
        let because: Vec<(Role, &str)> = order
            .steps
            .iter()
            .map(|s| {
                let s = s.as_ref().unwrap();
                (s.role, s.because.as_str())
            })
            .collect();
        assert_eq!(
            because,
            [
                (Role::Remove, "operationId 'Orders_Delete'"),
                (Role::ReadOrChange, ""),
                (Role::Remove, "x-rollcall-removes: true"),
                (
                    Role::Remove,
                    "summary 'Removes the user and all their data'"
                ),
                (Role::ReadOrChange, ""),
            ],
            "a GET never removes, whatever its name"
        );
    }

    #[test]
    fn removes_false_overrides_a_removing_name() {
        let document =
            json!({"paths": {"/carts/{id}/items": {"post": {"x-rollcall-removes": false}}}});
        let mut add = with_id(
            op(Method::Post, "/carts/{id}/items"),
            "removeFromWishlistAddToCart",
        );
        add.location.pointer = "/paths/~1carts~1{id}~1items/post".into();
        let (role, _) = role_of(&document, &add, &[]);
        assert_eq!(role, Role::ReadOrChange);
    }

    #[test]
    fn creations_are_named_declared_or_posted_to_a_collection() {
        let collections = vec!["/orders".to_string()];
        let role = |operation: Operation| role_of(&json!({}), &operation, &collections);
        assert_eq!(
            role(op(Method::Post, "/orders")),
            (
                Role::Create,
                "POST on a collection of items the contract declares".to_string()
            )
        );
        assert_eq!(
            role(with_201(op(Method::Put, "/objects/{key}"))),
            (Role::Create, "declares 201".to_string())
        );
        assert_eq!(
            role(with_id(op(Method::Post, "/pet"), "addPet")).0,
            Role::Create
        );
        assert_eq!(
            role(with_id(
                op(Method::Put, "/vms/{vm}"),
                "VirtualMachines_CreateOrUpdate"
            ))
            .0,
            Role::Create
        );
        assert_eq!(
            role(op(Method::Post, "/orders/{orderId}/cancel")).0,
            Role::ReadOrChange,
            "an action on an item creates nothing"
        );
        assert_eq!(
            role(with_201(op(Method::Get, "/orders"))).0,
            Role::ReadOrChange
        );
    }

    #[test]
    fn operation_id_verbs_are_found_in_every_naming_style() {
        assert_eq!(id_verbs("deleteOrder"), ["delete"]);
        assert_eq!(id_verbs("Orders_Delete"), ["Orders", "Delete"]);
        assert_eq!(id_verbs("storage.buckets.delete"), ["storage", "delete"]);
        assert_eq!(id_verbs("repos/delete-file"), ["repos", "delete"]);
        assert_eq!(id_verbs("remove_member"), ["remove", "member"]);
        assert_eq!(
            words("HTTPServerDelete").collect::<Vec<_>>(),
            ["HTTPServer", "Delete"]
        );
    }

    #[test]
    fn same_path_removals_go_one_after_the_other() {
        let operations = vec![
            op(Method::Delete, "/orders/{id}"),
            with_id(op(Method::Post, "/orders/{orderId}/"), "purgeOrder"),
        ];
        assert_eq!(
            phases(operations, json!({}), Mode::Live),
            [
                "remove: DELETE /orders/{id}",
                "remove: POST /orders/{orderId}/",
            ]
        );
    }
}
