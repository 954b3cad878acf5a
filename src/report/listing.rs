//! What `rollcall list SPEC [--json]` prints: every declared operation, what
//! its probe is meant to show, and the exact request it would send, with
//! secrets masked. Nothing is sent.
//!
//! Text ([`text`]):
//!
//! ```text
//! Petstore 1.4.0 (OpenAPI 3.1.0), safe mode
//!
//! base URL: TARGET + /api/v1 (the contract's server path), unless the target URL has a path or --base-path is given
//!
//! GET /pets/{petId}  getPet     valid
//!     GET /pets/42
//!     Authorization: Bearer ***
//! POST /pets         createPet  invalid: malformed JSON body
//!     POST /pets
//!     body application/json (13 bytes): {"rollcall":
//!     then, if the body is refused before routing or never answered: invalid: required request body omitted
//!         POST /pets
//! PUT /notes/{name}  -          unverifiable: no request for PUT /notes/{name} is ...
//!
//! 3 operations: 1 valid, 1 invalid, 1 unverifiable
//! ```
//!
//! With targets (`--target`, or rollcall.toml's), their base URLs instead
//! of the rule:
//!
//! ```text
//! base URLs (each request's path is joined to them):
//!   stable  https://api.example.com/api/v1  (the contract's server path /api/v1)
//!   mock    http://127.0.0.1:4010/          (base path /)
//! ```
//!
//! In live mode the operations are grouped by the phase they are sent in
//! ([`crate::plan::order`]), with why a creation or removal is one when the
//! method does not say it; operations that send nothing come last:
//!
//! ```text
//! sent in 3 phases, one after the other (the probes of a phase in parallel): ...
//!
//! phase 1 of 3: create
//! POST /pets         createPet  valid
//!     POST /pets
//!     creates: declares 201
//! ...
//! phase 3 of 3: remove
//! DELETE /pets/{petId}  deletePet  valid
//!     DELETE /pets/42
//! ```
//!
//! JSON ([`json`]), one object:
//!
//! ```text
//! {
//!   "spec": {"path": "petstore.yaml", "title": "Petstore", "version": "1.4.0", "openapi": "3.1.0"},
//!   "mode": "safe",
//!   "targets": [{"name": "stable", "base_url": "https://api.example.com/api/v1",
//!                "base": "the contract's server path /api/v1"}],
//!   "count": 3,
//!   "operations": [
//!     {
//!       "method": "POST", "path": "/pets", "operation_id": "createPet",
//!       "intent": {"kind": "invalid", "violation": "malformed JSON body"},
//!       "request": {
//!         "method": "POST", "path_and_query": "/pets",
//!         "headers": [{"name": "Authorization", "value": "***"}],
//!         "body": {"content_type": "application/json", "bytes": 13,
//!                  "excerpt": "{\"rollcall\": ", "truncated": false}
//!       },
//!       "notes": [],
//!       "fallbacks": [
//!         {"intent": {"kind": "invalid", "violation": "required request body omitted"},
//!          "request": {"method": "POST", "path_and_query": "/pets", "headers": [...], "body": null}}
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! An OpenAPI 3.1 contract's `webhooks` are listed after the operations (text) or
//! as `"webhooks": [{"name", "method", "operation_id"}]` (JSON, left out when
//! there are none): the API sends them, so they are never probed or counted.
//!
//! In live mode the object also has `"phases": [{"phase": 1, "role":
//! "create", "operations": 2}, ...]` (roles `create`, `read_or_change`,
//! `remove`), and each operation that sends a request its `"order":
//! {"phase": 1, "role": "create", "because": "declares 201"}` (`because`
//! left out for reads and changes).
//!
//! `intent.kind` is `valid`, `sentinel` (with `parameter`), `invalid` (with
//! `violation`) or `unverifiable` (with `reason`); `request` is `null` for
//! unverifiable operations and `body` is `null` when none is sent. Bodies
//! are shown up to [`BODY_EXCERPT_CHARS`] characters. `fallbacks` (left out
//! when empty) are safe mode's next harmless requests after a malformed
//! body, in the order they are tried: the first when the body is refused
//! before routing, each next one when the one before got no answer.

use std::fmt::Write as _;

use serde::Serialize;

use crate::contract::{Contract, Method};
use crate::plan::order::{self, Order, Role, Step};
use crate::plan::{
    BaseSource, BaseUrl, Intent, Mode, Plan, PlannedProbe, PlannedRequest, target_base,
};
use crate::printable::{Line, Padded, column_width, escape_controls, line, pad};
use crate::redact::Redactor;

/// The most body characters shown per request.
pub const BODY_EXCERPT_CHARS: usize = 200;

/// Labels and operation ids longer than this are not padded to line up.
const MAX_COLUMN_WIDTH: usize = 60;

/// A target as `list` shows it: its name and the base URL its requests
/// are joined to.
#[derive(Debug, Clone)]
pub struct ListedTarget {
    pub name: String,
    pub base: BaseUrl,
}

/// The listing as aligned text, one block per operation; in live mode
/// grouped by the phase they are sent in. Everything that comes from the
/// contract has its control characters shown escaped ([`crate::printable`]),
/// so a hostile contract cannot drive the terminal.
pub fn text(
    contract: &Contract,
    plan: &Plan,
    targets: &[ListedTarget],
    redactor: &Redactor,
) -> String {
    let order = order::of(contract, plan);
    let rows: Vec<Row<'_>> = rows_in_order(contract, plan, &order, redactor);
    let labels: Vec<String> = rows
        .iter()
        .map(|r| line(&format!("{} {}", r.method, r.path)))
        .collect();
    let ids: Vec<String> = rows.iter().map(|r| line(&r.operation_id)).collect();
    let label_width = column_width(labels.iter().map(|l| l.chars().count()), MAX_COLUMN_WIDTH);
    let id_width = column_width(ids.iter().map(|id| id.chars().count()), MAX_COLUMN_WIDTH);

    let family = if contract.spec_version.starts_with('2') {
        "Swagger"
    } else {
        "OpenAPI"
    };
    let mut out = format!(
        "{} {} ({family} {}), {} mode\n\n",
        line(&redactor.text(&contract.title)),
        line(&redactor.text(&contract.version)),
        line(&contract.spec_version),
        plan.mode
    );
    out.push_str(&targets_text(contract, targets, redactor));
    // Each line is written into `out` as it is formatted: a large contract lists
    // tens of thousands of them.
    let write_row = |out: &mut String, index: usize| {
        let (row, label, id) = (&rows[index], &labels[index], &ids[index]);
        let _ = writeln!(
            out,
            "{}  {}  {}",
            Padded(label, label_width),
            Padded(id, id_width),
            Line(&intent_text(&row.intent, redactor))
        );
        let indent = "    ";
        if let Some(request) = &row.request {
            push_request(out, indent, request);
        }
        if let Some(step) = &row.order
            && let Some(because) = &step.because
            && because != "DELETE"
        {
            let verb = match step.role {
                Role::Create => "creates",
                Role::Remove => "removes",
                Role::ReadOrChange => "reads or changes",
            };
            let _ = writeln!(out, "{indent}{verb}: {}", Line(&redactor.text(because)));
        }
        for note in &row.notes {
            let _ = writeln!(out, "{indent}note: {}", Line(note));
        }
        for (step, fallback) in row.fallbacks.iter().enumerate() {
            let when = if step == 0 {
                "then, if the body is refused before routing or never answered"
            } else {
                "then, if that gets no answer"
            };
            let _ = writeln!(
                out,
                "{indent}{when}: {}",
                Line(&intent_text(fallback.intent, redactor))
            );
            push_request(out, "        ", &fallback.request);
        }
    };
    if plan.mode == Mode::Live {
        let phases = order.phases.len();
        out.push_str(&format!(
            "sent in {phases} {}, one after the other (the probes of a phase in parallel): \
             creations first, removals last, deepest paths first\n",
            if phases == 1 { "phase" } else { "phases" }
        ));
        let mut unsent = Vec::new();
        for (number, phase) in order.phases.iter().enumerate() {
            out.push_str(&format!(
                "\nphase {} of {phases}: {}\n",
                number + 1,
                phase.role.label()
            ));
            for &index in &phase.probes {
                match order.steps.get(index) {
                    Some(Some(_)) => write_row(&mut out, index),
                    _ => unsent.push(index),
                }
            }
        }
        if !unsent.is_empty() {
            out.push_str("\nnot sent:\n");
            for index in unsent {
                write_row(&mut out, index);
            }
        }
    } else {
        for index in 0..rows.len() {
            write_row(&mut out, index);
        }
    }
    if !contract.webhooks.is_empty() {
        out.push_str("\nwebhooks (requests the API sends; never probed):\n");
        for webhook in &contract.webhooks {
            out.push_str(&format!(
                "{} {}  {}\n",
                webhook.method,
                line(&redactor.text(&webhook.name)),
                line(webhook.operation_id.as_deref().unwrap_or("-"))
            ));
        }
    }
    out.push('\n');
    out.push_str(&summary(plan));
    out.push('\n');
    out
}

/// Where the requests go: each target's base URL and why, or without
/// targets, the rule that will decide it. Ends with a blank line.
fn targets_text(contract: &Contract, targets: &[ListedTarget], redactor: &Redactor) -> String {
    if targets.is_empty() {
        let bare = url::Url::parse("http://target/").expect("a URL");
        let rule = match target_base(&bare, None, contract).source {
            BaseSource::Server(path) => format!(
                "TARGET + {} (the contract's server path)",
                redactor.text(&path)
            ),
            _ => "TARGET (the contract's servers give no path)".to_string(),
        };
        return format!(
            "base URL: {rule}, unless the target URL has a path or --base-path is given\n\n"
        );
    }
    let names: Vec<String> = targets
        .iter()
        .map(|t| line(&redactor.text(&t.name)))
        .collect();
    let urls: Vec<String> = targets
        .iter()
        .map(|t| line(&redactor.url(t.base.url.as_str())))
        .collect();
    let name_width = column_width(names.iter().map(|n| n.chars().count()), MAX_COLUMN_WIDTH);
    let url_width = column_width(urls.iter().map(|u| u.chars().count()), MAX_COLUMN_WIDTH);
    let mut out = "base URLs (each request's path is joined to them):\n".to_string();
    for ((name, url), target) in names.iter().zip(&urls).zip(targets) {
        out.push_str(&format!(
            "  {}  {}  ({})\n",
            pad(name, name_width),
            pad(url, url_width),
            line(&redactor.text(&target.base.source.to_string()))
        ));
    }
    out.push('\n');
    out
}

/// The request's lines: method and path, headers, body excerpt.
fn push_request(out: &mut String, indent: &str, request: &RequestView) {
    let _ = writeln!(
        out,
        "{indent}{} {}",
        request.method,
        Line(&request.path_and_query)
    );
    for header in &request.headers {
        let _ = writeln!(
            out,
            "{indent}{}: {}",
            Line(&header.name),
            Line(&header.value)
        );
    }
    if let Some(body) = &request.body {
        let more = if body.truncated { "..." } else { "" };
        let _ = writeln!(
            out,
            "{indent}body {} ({} bytes): {}{more}",
            Line(&body.content_type),
            body.bytes,
            escape_controls(&body.excerpt)
        );
    }
}

/// The listing as one JSON object (shape in the module comment).
pub fn json(
    contract: &Contract,
    plan: &Plan,
    targets: &[ListedTarget],
    redactor: &Redactor,
) -> String {
    let order = order::of(contract, plan);
    let listing = Listing {
        targets: targets
            .iter()
            .map(|t| TargetRow {
                name: redactor.text(&t.name),
                base_url: redactor.url(t.base.url.as_str()),
                base: redactor.text(&t.base.source.to_string()),
            })
            .collect(),
        phases: (plan.mode == Mode::Live).then(|| {
            order
                .phases
                .iter()
                .enumerate()
                .map(|(number, phase)| PhaseRow {
                    phase: number + 1,
                    role: phase.role,
                    operations: phase
                        .probes
                        .iter()
                        .filter(|&&i| matches!(order.steps.get(i), Some(Some(_))))
                        .count(),
                })
                .collect()
        }),
        spec: SpecSummary {
            path: redactor.url(&contract.source),
            title: redactor.text(&contract.title),
            version: redactor.text(&contract.version),
            openapi: contract.spec_version.clone(),
        },
        mode: plan.mode.to_string(),
        count: plan.probes.len(),
        operations: rows_in_order(contract, plan, &order, redactor),
        webhooks: contract
            .webhooks
            .iter()
            .map(|w| WebhookRow {
                name: redactor.text(&w.name),
                method: w.method,
                operation_id: w.operation_id.clone(),
            })
            .collect(),
    };
    // Serializing plain strings, numbers and derived structs cannot fail.
    serde_json::to_string_pretty(&listing).expect("listing serializes")
}

fn intent_text(intent: &Intent, redactor: &Redactor) -> String {
    match intent {
        Intent::Valid => "valid".to_string(),
        Intent::Sentinel { parameter } => format!("sentinel: {parameter}"),
        Intent::Invalid { violation } => format!("invalid: {}", redactor.text(violation)),
        Intent::Unverifiable { reason } => format!("unverifiable: {}", redactor.text(reason)),
        Intent::Skipped { reason } | Intent::Excluded { reason } => {
            format!("skipped: {}", redactor.text(reason))
        }
    }
}

/// The intent as the listing shows it: an operation the selection left out
/// is listed as skipped, with the reason, as `check` reports it.
fn listed(intent: &Intent) -> std::borrow::Cow<'_, Intent> {
    match intent {
        Intent::Excluded { reason } => std::borrow::Cow::Owned(Intent::Skipped {
            reason: reason.clone(),
        }),
        other => std::borrow::Cow::Borrowed(other),
    }
}

/// `12 operations: 9 valid, 1 sentinel, 1 invalid, 1 unverifiable` (zero
/// counts left out).
fn summary(plan: &Plan) -> String {
    let count = |kind: fn(&Intent) -> bool| plan.probes.iter().filter(|p| kind(&p.intent)).count();
    let parts: Vec<String> = [
        (count(|i| matches!(i, Intent::Valid)), "valid"),
        (count(|i| matches!(i, Intent::Sentinel { .. })), "sentinel"),
        (count(|i| matches!(i, Intent::Invalid { .. })), "invalid"),
        (
            count(|i| matches!(i, Intent::Unverifiable { .. })),
            "unverifiable",
        ),
        (
            count(|i| matches!(i, Intent::Skipped { .. } | Intent::Excluded { .. })),
            "skipped",
        ),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, kind)| format!("{n} {kind}"))
    .collect();
    let total = plan.probes.len();
    let noun = if total == 1 {
        "operation"
    } else {
        "operations"
    };
    if parts.is_empty() {
        format!("{total} {noun}")
    } else {
        format!("{total} {noun}: {}", parts.join(", "))
    }
}

#[derive(Serialize)]
struct Listing<'a> {
    spec: SpecSummary,
    mode: String,
    /// The targets given (`--target` or the config file's), with base URLs.
    targets: Vec<TargetRow>,
    /// Live mode only: the phases, in sending order.
    #[serde(skip_serializing_if = "Option::is_none")]
    phases: Option<Vec<PhaseRow>>,
    count: usize,
    operations: Vec<Row<'a>>,
    /// 3.1 `webhooks`, listed but never probed; left out when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    webhooks: Vec<WebhookRow>,
}

#[derive(Serialize)]
struct TargetRow {
    name: String,
    base_url: String,
    /// Which part of the base-URL rule gave the path.
    base: String,
}

#[derive(Serialize)]
struct PhaseRow {
    /// 1-based.
    phase: usize,
    role: Role,
    /// How many operations it sends.
    operations: usize,
}

#[derive(Serialize)]
struct WebhookRow {
    name: String,
    method: Method,
    operation_id: Option<String>,
}

#[derive(Serialize)]
struct SpecSummary {
    path: String,
    title: String,
    version: String,
    openapi: String,
}

/// One operation as listed; every string already redacted.
#[derive(Serialize)]
struct Row<'a> {
    method: Method,
    path: String,
    /// `-` in text when the operation has none; `null` in JSON.
    #[serde(rename = "operation_id", serialize_with = "dash_as_null")]
    operation_id: String,
    intent: std::borrow::Cow<'a, Intent>,
    request: Option<RequestView>,
    notes: Vec<String>,
    /// Live mode: the phase it is sent in; left out in safe mode and for
    /// operations that send nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    order: Option<OrderView>,
    /// Safe mode's next harmless requests, in the order they are tried
    /// (see [`super::PlannedProbe::fallbacks`]); left out when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fallbacks: Vec<FallbackView<'a>>,
}

#[derive(Serialize)]
struct OrderView {
    /// 1-based, as in the text listing.
    phase: usize,
    role: Role,
    /// Why it creates or removes; left out for reads and changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    because: Option<String>,
}

#[derive(Serialize)]
struct FallbackView<'a> {
    intent: &'a Intent,
    request: RequestView,
}

fn dash_as_null<S: serde::Serializer>(id: &str, serializer: S) -> Result<S::Ok, S::Error> {
    if id == "-" {
        serializer.serialize_none()
    } else {
        serializer.serialize_str(id)
    }
}

#[derive(Serialize)]
struct RequestView {
    method: Method,
    path_and_query: String,
    headers: Vec<HeaderView>,
    body: Option<BodyView>,
}

#[derive(Serialize)]
struct HeaderView {
    name: String,
    value: String,
}

#[derive(Serialize)]
struct BodyView {
    content_type: String,
    bytes: usize,
    excerpt: String,
    truncated: bool,
}

fn rows_in_order<'p>(
    contract: &Contract,
    plan: &'p Plan,
    order: &Order,
    redactor: &Redactor,
) -> Vec<Row<'p>> {
    plan.probes
        .iter()
        .enumerate()
        .map(|(index, probe)| {
            let step = order.steps.get(index).and_then(Option::as_ref);
            row(contract, probe, step, redactor)
        })
        .collect()
}

fn row<'p>(
    contract: &Contract,
    probe: &'p PlannedProbe,
    step: Option<&Step>,
    redactor: &Redactor,
) -> Row<'p> {
    let operation = contract.operations.get(probe.operation);
    Row {
        order: step.map(|step| OrderView {
            phase: step.phase + 1,
            role: step.role,
            because: (!step.because.is_empty()).then(|| redactor.text(&step.because)),
        }),
        method: operation.map_or(Method::Get, |o| o.method),
        path: operation.map_or_else(String::new, |o| o.key()),
        operation_id: operation
            .and_then(|o| o.operation_id.clone())
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| "-".to_string()),
        intent: listed(&probe.intent),
        request: probe.request.as_ref().map(|r| request_view(r, redactor)),
        notes: probe.notes.iter().map(|n| redactor.text(n)).collect(),
        fallbacks: probe
            .fallbacks
            .iter()
            .map(|f| FallbackView {
                intent: &f.intent,
                request: request_view(&f.request, redactor),
            })
            .collect(),
    }
}

fn request_view(request: &PlannedRequest, redactor: &Redactor) -> RequestView {
    RequestView {
        method: request.method,
        path_and_query: redactor.url(&request.path_and_query),
        headers: request
            .headers
            .iter()
            .map(|(name, value)| HeaderView {
                name: name.clone(),
                value: redactor.header_value(name, value),
            })
            .collect(),
        body: request.body.as_ref().map(|body| {
            let text = String::from_utf8_lossy(&body.bytes);
            let excerpt: String = text.chars().take(BODY_EXCERPT_CHARS).collect();
            BodyView {
                content_type: body.content_type.clone(),
                bytes: body.bytes.len(),
                truncated: excerpt.len() < text.len(),
                excerpt: redactor.text(&excerpt),
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::testing::testdata_contract;
    use crate::plan::{Credential, Mode, PlanOptions, build};
    use crate::report::testing::assert_contains;
    use serde_json::Value;

    const TOKEN: &str = "list-secret-token-789";
    const KEY: &str = "query-key-456";

    fn listing(mode: Mode) -> (Contract, Plan, Redactor) {
        let contract = testdata_contract("plan/listing.yaml");
        let options = PlanOptions {
            mode,
            credentials: vec![
                Credential {
                    scheme: "bearerAuth".into(),
                    value: TOKEN.into(),
                },
                Credential {
                    scheme: "queryKey".into(),
                    value: KEY.into(),
                },
            ],
            headers: vec![("X-Team".into(), "core".into())],
            ..PlanOptions::default()
        };
        let plan = build(&contract, &options).expect("plan builds");
        let redactor = crate::plan::auth::redactor(Some(&contract), &options, &[], &[]);
        (contract, plan, redactor)
    }

    #[test]
    fn text_lists_every_operation_with_its_intent_and_exact_request() {
        let (contract, plan, redactor) = listing(Mode::Safe);
        let out = text(&contract, &plan, &[], &redactor);
        assert!(
            out.starts_with("Listing fixture 2.0 (OpenAPI 3.1.0), safe mode\n"),
            "{out}"
        );
        let line = |prefix: &str| {
            out.lines()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("no line starting {prefix:?} in\n{out}"))
                .to_string()
        };
        assert!(
            line("GET /notes ").contains("listNotes") && line("GET /notes ").ends_with("valid")
        );
        assert!(
            line("POST /notes ").ends_with("createNote  invalid: malformed JSON body"),
            "{out}"
        );
        assert!(
            line("DELETE /notes/{noteId} ").ends_with("sentinel: noteId"),
            "{out}"
        );
        assert!(
            line("PUT /notes/{noteId}/tags/{tag}").contains("  -  "),
            "no operationId: {out}"
        );
        assert_contains(&out, "    GET /notes?limit=1&api_key=***\n");
        assert_contains(&out, "    Authorization: Bearer ***\n");
        assert_contains(&out, "    X-Team: core\n");
        assert_contains(
            &out,
            "    body application/json (13 bytes): {\"rollcall\": \n",
        );
        assert_contains(
            &out,
            "unverifiable: no request for PUT /notes/{noteId}/tags/{tag} is both harmless",
        );
        assert!(
            out.trim_end()
                .ends_with("4 operations: 1 valid, 1 sentinel, 1 invalid, 1 unverifiable"),
            "{out}"
        );
        assert!(
            !out.contains(TOKEN) && !out.contains(KEY),
            "secrets are masked:\n{out}"
        );
    }

    #[test]
    fn safe_mode_lists_the_next_harmless_requests_after_a_malformed_body() {
        let (contract, plan, redactor) = listing(Mode::Safe);
        let out = text(&contract, &plan, &[], &redactor);
        let expected = "    body application/json (13 bytes): {\"rollcall\": \n\
             \x20   then, if the body is refused before routing or never answered: invalid: required request body omitted\n\
             \x20       POST /notes\n\
             \x20       Authorization: Bearer ***\n\
             \x20       X-Team: core\n";
        assert_contains(&out, expected);

        let listing: Value = serde_json::from_str(&json(&contract, &plan, &[], &redactor)).unwrap();
        let create = &listing["operations"][1];
        assert_eq!(create["fallbacks"][0]["intent"]["kind"], "invalid");
        assert_eq!(
            create["fallbacks"][0]["intent"]["violation"],
            "required request body omitted"
        );
        assert_eq!(create["fallbacks"][0]["request"]["body"], Value::Null);
        assert_eq!(
            listing["operations"][0].get("fallbacks"),
            None,
            "left out when empty"
        );
    }

    #[test]
    fn operation_columns_are_aligned() {
        let (contract, plan, redactor) = listing(Mode::Live);
        let out = text(&contract, &plan, &[], &redactor);
        let intent_columns: Vec<usize> = out
            .lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()) && l.ends_with("valid"))
            .map(|l| l.rfind("valid").unwrap())
            .collect();
        assert_eq!(intent_columns.len(), 4, "{out}");
        assert!(intent_columns.windows(2).all(|w| w[0] == w[1]), "{out}");
    }

    #[test]
    fn json_has_the_documented_shape_and_masks_secrets() {
        let (contract, plan, redactor) = listing(Mode::Live);
        let out = json(&contract, &plan, &[], &redactor);
        assert!(!out.contains(TOKEN) && !out.contains(KEY), "{out}");
        let listing: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(listing["spec"]["title"], "Listing fixture");
        assert_eq!(listing["spec"]["openapi"], "3.1.0");
        assert_eq!(listing["mode"], "live");
        assert_eq!(listing["count"], 4);
        let create = &listing["operations"][1];
        assert_eq!(create["method"], "POST");
        assert_eq!(create["path"], "/notes");
        assert_eq!(create["operation_id"], "createNote");
        assert_eq!(create["intent"]["kind"], "valid");
        assert_eq!(create["request"]["path_and_query"], "/notes");
        assert_eq!(create["request"]["headers"][0]["name"], "Authorization");
        let authorization = create["request"]["headers"][0]["value"].as_str().unwrap();
        assert!(authorization.ends_with("***"), "{authorization}");
        let body = &create["request"]["body"];
        assert_eq!(body["content_type"], "application/json");
        assert_eq!(
            body["excerpt"].as_str().unwrap().chars().count(),
            BODY_EXCERPT_CHARS
        );
        assert_eq!(body["truncated"], true);
        assert!(body["bytes"].as_u64().unwrap() > 250);
        assert_eq!(listing["operations"][3]["operation_id"], Value::Null);
    }

    #[test]
    fn json_unverifiable_operation_has_no_request() {
        let (contract, plan, redactor) = listing(Mode::Safe);
        let listing: Value = serde_json::from_str(&json(&contract, &plan, &[], &redactor)).unwrap();
        let put = &listing["operations"][3];
        assert_eq!(put["intent"]["kind"], "unverifiable");
        assert!(
            put["intent"]["reason"]
                .as_str()
                .unwrap()
                .contains("--mode live")
        );
        assert_eq!(put["request"], Value::Null);
        let delete = &listing["operations"][2];
        assert_eq!(
            delete["intent"],
            serde_json::json!({"kind": "sentinel", "parameter": "noteId"})
        );
        let path = delete["request"]["path_and_query"].as_str().unwrap();
        assert!(
            path.starts_with("/notes/") && !path.contains("0b9e6d9a"),
            "{path}"
        );
    }

    #[test]
    fn notes_are_listed_under_their_operation() {
        let mut upload = crate::plan::tests::op(Method::Post, "/upload/{slot}");
        upload.request_body = Some(crate::plan::tests::body(
            true,
            &[("application/x-ndjson", serde_json::json!({}))],
        ));
        let contract = crate::plan::tests::contract(serde_json::json!({}), vec![upload]);
        let options = PlanOptions {
            mode: Mode::Live,
            ..PlanOptions::default()
        };
        let plan = build(&contract, &options).unwrap();
        let out = text(&contract, &plan, &[], &Redactor::default());
        assert_contains(
            &out,
            "    note: path parameter 'slot' is not declared; sent 'rollcall'\n",
        );
        assert_contains(
            &out,
            "    note: no declared body media type can be produced (application/x-ndjson)",
        );
        let listing: Value =
            serde_json::from_str(&json(&contract, &plan, &[], &Redactor::default())).unwrap();
        assert_eq!(
            listing["operations"][0]["notes"].as_array().unwrap().len(),
            2
        );
        assert_eq!(listing["operations"][0]["request"]["body"]["bytes"], 0);
    }
}
