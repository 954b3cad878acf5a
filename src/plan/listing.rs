//! What `rollcall list SPEC [--json]` prints: every declared operation, what
//! its probe is meant to show, and the exact request it would send, with
//! secrets masked. Nothing is sent.
//!
//! Text ([`text`]):
//!
//! ```text
//! Petstore 1.4.0 (OpenAPI 3.1.0), safe mode
//!
//! GET /pets/{petId}  getPet     valid
//!     GET /pets/42
//!     Authorization: Bearer ***
//! POST /pets         createPet  invalid: malformed JSON body
//!     POST /pets
//!     body application/json (13 bytes): {"rollcall":
//! PUT /notes/{name}  -          unverifiable: no request for PUT /notes/{name} is ...
//!
//! 3 operations: 1 valid, 1 invalid, 1 unverifiable
//! ```
//!
//! JSON ([`json`]), one object:
//!
//! ```text
//! {
//!   "spec": {"path": "petstore.yaml", "title": "Petstore", "version": "1.4.0", "openapi": "3.1.0"},
//!   "mode": "safe",
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
//!       "notes": []
//!     }
//!   ]
//! }
//! ```
//!
//! An OpenAPI 3.1 contract's `webhooks` are listed after the operations (text) or
//! as `"webhooks": [{"name", "method", "operation_id"}]` (JSON, left out when
//! there are none): the API sends them, so they are never probed or counted.
//!
//! `intent.kind` is `valid`, `sentinel` (with `parameter`), `invalid` (with
//! `violation`) or `unverifiable` (with `reason`); `request` is `null` for
//! unverifiable operations and `body` is `null` when none is sent. Bodies
//! are shown up to [`BODY_EXCERPT_CHARS`] characters.

use serde::Serialize;

use super::{Intent, Plan, PlannedProbe, PlannedRequest};
use crate::contract::{Contract, Method};
use crate::printable::{column_width, escape_controls, line, pad};
use crate::redact::Redactor;

/// The most body characters shown per request.
pub const BODY_EXCERPT_CHARS: usize = 200;

/// Labels and operation ids longer than this are not padded to line up.
const MAX_COLUMN_WIDTH: usize = 60;

/// The listing as aligned text, one block per operation. Everything that
/// comes from the contract has its control characters shown escaped
/// ([`crate::printable`]), so a hostile contract cannot drive the terminal.
pub fn text(contract: &Contract, plan: &Plan, redactor: &Redactor) -> String {
    let rows: Vec<Row<'_>> = rows(contract, plan, redactor);
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
    for ((row, label), id) in rows.iter().zip(&labels).zip(&ids) {
        out.push_str(&format!(
            "{}  {}  {}\n",
            pad(label, label_width),
            pad(id, id_width),
            line(&intent_text(row.intent, redactor))
        ));
        let indent = " ".repeat(4);
        if let Some(request) = &row.request {
            out.push_str(&format!(
                "{indent}{} {}\n",
                request.method,
                line(&request.path_and_query)
            ));
            for header in &request.headers {
                out.push_str(&format!(
                    "{indent}{}: {}\n",
                    line(&header.name),
                    line(&header.value)
                ));
            }
            if let Some(body) = &request.body {
                let more = if body.truncated { "..." } else { "" };
                out.push_str(&format!(
                    "{indent}body {} ({} bytes): {}{more}\n",
                    line(&body.content_type),
                    body.bytes,
                    escape_controls(&body.excerpt)
                ));
            }
        }
        for note in &row.notes {
            out.push_str(&format!("{indent}note: {}\n", line(note)));
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

/// The listing as one JSON object (shape in the module comment).
pub fn json(contract: &Contract, plan: &Plan, redactor: &Redactor) -> String {
    let listing = Listing {
        spec: SpecSummary {
            path: redactor.url(&contract.source),
            title: redactor.text(&contract.title),
            version: redactor.text(&contract.version),
            openapi: contract.spec_version.clone(),
        },
        mode: plan.mode.to_string(),
        count: plan.probes.len(),
        operations: rows(contract, plan, redactor),
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
        Intent::Skipped { reason } => format!("skipped: {}", redactor.text(reason)),
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
        (count(|i| matches!(i, Intent::Skipped { .. })), "skipped"),
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
    count: usize,
    operations: Vec<Row<'a>>,
    /// 3.1 `webhooks`, listed but never probed; left out when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    webhooks: Vec<WebhookRow>,
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
    intent: &'a Intent,
    request: Option<RequestView>,
    notes: Vec<String>,
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

fn rows<'p>(contract: &Contract, plan: &'p Plan, redactor: &Redactor) -> Vec<Row<'p>> {
    plan.probes
        .iter()
        .map(|probe| row(contract, probe, redactor))
        .collect()
}

fn row<'p>(contract: &Contract, probe: &'p PlannedProbe, redactor: &Redactor) -> Row<'p> {
    let operation = contract.operations.get(probe.operation);
    Row {
        method: operation.map_or(Method::Get, |o| o.method),
        path: operation.map_or_else(String::new, |o| o.path.clone()),
        operation_id: operation
            .and_then(|o| o.operation_id.clone())
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| "-".to_string()),
        intent: &probe.intent,
        request: probe.request.as_ref().map(|r| request_view(r, redactor)),
        notes: probe.notes.iter().map(|n| redactor.text(n)).collect(),
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
    use crate::plan::{Credential, Mode, PlanOptions, build};
    use serde_json::Value;

    const TOKEN: &str = "list-secret-token-789";
    const KEY: &str = "query-key-456";

    fn listing(mode: Mode) -> (Contract, Plan, Redactor) {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/plan/listing.yaml");
        let bytes = std::fs::read(&path).expect("fixture is readable");
        let contract =
            crate::contract::parse("testdata/plan/listing.yaml", &bytes).expect("fixture parses");
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
        let redactor = Redactor::for_run(Some(&contract), &options, &[]);
        (contract, plan, redactor)
    }

    #[test]
    fn text_lists_every_operation_with_its_intent_and_exact_request() {
        let (contract, plan, redactor) = listing(Mode::Safe);
        let out = text(&contract, &plan, &redactor);
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
        assert!(
            out.contains("    GET /notes?limit=1&api_key=***\n"),
            "{out}"
        );
        assert!(out.contains("    Authorization: Bearer ***\n"), "{out}");
        assert!(out.contains("    X-Team: core\n"), "{out}");
        assert!(
            out.contains("    body application/json (13 bytes): {\"rollcall\": \n"),
            "{out}"
        );
        assert!(
            out.contains(
                "unverifiable: no request for PUT /notes/{noteId}/tags/{tag} is both harmless"
            ),
            "{out}"
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
    fn operation_columns_are_aligned() {
        let (contract, plan, redactor) = listing(Mode::Live);
        let out = text(&contract, &plan, &redactor);
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
        let out = json(&contract, &plan, &redactor);
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
        let listing: Value = serde_json::from_str(&json(&contract, &plan, &redactor)).unwrap();
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
        let out = text(&contract, &plan, &Redactor::default());
        assert!(
            out.contains("    note: path parameter 'slot' is not declared; sent 'rollcall'\n"),
            "{out}"
        );
        assert!(
            out.contains(
                "    note: no declared body media type can be produced (application/x-ndjson)"
            ),
            "{out}"
        );
        let listing: Value =
            serde_json::from_str(&json(&contract, &plan, &Redactor::default())).unwrap();
        assert_eq!(
            listing["operations"][0]["notes"].as_array().unwrap().len(),
            2
        );
        assert_eq!(listing["operations"][0]["request"]["body"]["bytes"], 0);
    }
}
