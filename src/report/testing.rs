//! Test support for the renderers: one hand-built [`RunReport`] (two targets,
//! every verdict of the vocabulary) and golden-file comparison.
//!
//! Golden files live in `testdata/reports/`. After an intended change to a
//! report's format, rewrite them with
//! `ROLLCALL_UPDATE_GOLDEN=1 cargo test --lib report` and review the diff.

use std::collections::BTreeMap;

use crate::contract::Method;
use crate::plan::Mode;
use crate::report::{
    OperationReport, RequestRecord, ResponseRecord, RunReport, SpecInfo, TargetInfo, TargetResult,
};
use crate::verdict::{Outcome, Verdict};

const STABLE: &str = "http://127.0.0.1:8080/api/v1";
const CANARY: &str = "http://127.0.0.1:8081/api/v1";

// The golden-file helper of the integration tests too: one comparison, one
// way to regenerate (`ROLLCALL_UPDATE_GOLDEN=1`).
#[path = "../../tests/support/golden.rs"]
mod golden;

/// Compares `actual` with `testdata/reports/<name>`, or rewrites the file when
/// `ROLLCALL_UPDATE_GOLDEN=1`.
#[track_caller]
pub(crate) fn assert_golden(name: &str, actual: &str) {
    golden::assert_golden(&format!("testdata/reports/{name}"), actual);
}

pub(crate) use crate::contract::testing::assert_contains;

/// [`fixture`] where `canary` answered every probe `auth_required` (nothing
/// proven served there), with the `--parity-only` gate.
pub(crate) fn fixture_with_nothing_served_on_canary() -> RunReport {
    let mut report = fixture();
    set_verdicts(&mut report, 1, Verdict::AuthRequired);
    report.gate = crate::report::Gate::parity_only();
    report
}

/// [`fixture`] where every failing result (`not_implemented`, `server_error`,
/// ...) is `implemented` instead: only the inconclusive ones are left.
pub(crate) fn fixture_with_only_inconclusive_results() -> RunReport {
    let mut report = fixture();
    for result in report.operations.iter_mut().flat_map(|op| &mut op.results) {
        if matches!(result.verdict.outcome(), Outcome::Fail | Outcome::Error) {
            result.verdict = Verdict::Implemented;
        }
    }
    report
}

/// [`fixture`] where `canary` got `stable`'s verdict for every operation.
pub(crate) fn fixture_where_targets_agree() -> RunReport {
    let mut report = fixture();
    for op in &mut report.operations {
        op.results[1].verdict = op.results[0].verdict;
    }
    report
}

/// Gives every operation of `report` the verdict `verdict` on the target in
/// column `target` (0 for `stable`, 1 for `canary`).
pub(crate) fn set_verdicts(report: &mut RunReport, target: usize, verdict: Verdict) {
    for op in &mut report.operations {
        op.results[target].verdict = verdict;
    }
}

/// [`fixture`] with its first target, `stable`, alone.
pub(crate) fn fixture_on_one_target() -> RunReport {
    let mut report = fixture();
    report.targets.truncate(1);
    for op in &mut report.operations {
        op.results.truncate(1);
    }
    report
}

/// [`fixture`] with the parity comparison of its two targets (reference: `stable`).
pub(crate) fn fixture_with_parity() -> RunReport {
    let mut report = fixture();
    report.parity = Some(report.parity_matrix().compare("stable"));
    report
}

/// A run over two targets, `stable` and `canary`, where every verdict occurs.
pub(crate) fn fixture() -> RunReport {
    let operations = [health_and_pets(), pet_changes(), owner_admin_and_root()].concat();
    let mut report = RunReport {
        schema_version: crate::report::SCHEMA_VERSION,
        tool: "rollcall".into(),
        version: "0.1.0".into(),
        mode: Mode::Safe,
        spec: SpecInfo {
            path: "specs/petstore.yaml".into(),
            title: "Pet Store".into(),
            version: "1.2.0".into(),
            openapi: "3.1.0".into(),
        },
        targets: vec![
            TargetInfo {
                name: "stable".into(),
                base_url: STABLE.into(),
                discovery: vec![
                    "unknown paths answer 404 text/plain \"404 page not found\"".into(),
                    "unknown methods answer 405 with an Allow header".into(),
                ],
            },
            TargetInfo {
                name: "canary".into(),
                base_url: CANARY.into(),
                discovery: vec!["unknown paths answer 404 text/html \"<h1>Not Found</h1>\"".into()],
            },
        ],
        operations,
        summary: BTreeMap::new(),
        route_only: 0,
        parity: None,
        gate: crate::report::Gate::default(),
        warnings: vec![
            "specs/petstore.yaml:150:9: parameter 'sort' of GET /pets has no schema; sent as a string"
                .into(),
        ],
        started_at: "2026-03-01T12:00:00Z".into(),
        duration_ms: 842,
    };
    report.summary = report.verdict_counts();
    report.route_only = report.route_only_count();
    report
}

/// The fixture's `GET /health`, `GET /pets`, `POST /pets`, `GET /pets/{petId}`.
fn health_and_pets() -> Vec<OperationReport> {
    vec![
        operation(Method::Get, "/health", &[], Some(14), || {
            vec![
                served("stable", Method::Get, "/health", 200, 3),
                served("canary", Method::Get, "/health", 200, 4),
            ]
        }),
        operation(Method::Get, "/pets", &["pets"], Some(22), || {
            vec![
                served("stable", Method::Get, "/pets?limit=1", 200, 12),
                served("canary", Method::Get, "/pets?limit=1", 200, 9),
            ]
        }),
        operation(Method::Post, "/pets", &["pets"], Some(40), || {
            vec![
                TargetResult {
                    rule: "validation-rejected".into(),
                    evidence: "rejected a malformed JSON body with 400, so a handler validated it"
                        .into(),
                    ..exchange(
                        "stable",
                        Verdict::Implemented,
                        post_pets("stable"),
                        Some(response(
                            400,
                            &[("content-type", "application/json")],
                            r#"{"error":"invalid JSON"}"#,
                        )),
                        8,
                    )
                },
                exchange(
                    "canary",
                    Verdict::NotImplemented,
                    post_pets("canary"),
                    Some(response(
                        501,
                        &[("content-type", "text/plain")],
                        "Not Implemented",
                    )),
                    6,
                ),
            ]
        }),
        operation(Method::Get, "/pets/{petId}", &["pets"], Some(61), || {
            vec![
                TargetResult {
                    rule: "test.sentinel_not_found".into(),
                    evidence: "answered 404 for an id that cannot exist, unlike an unknown route"
                        .into(),
                    ..answered(
                        "stable",
                        Verdict::Implemented,
                        Method::Get,
                        "/pets/999999999",
                        response(404, &[("content-type", "application/json")], r#"{"error":"no pet 999999999"}"#),
                        5,
                    )
                },
                TargetResult {
                    evidence: "404 with the same body as a path that cannot exist (\"<h1>Not Found</h1>\")"
                        .into(),
                    ..answered(
                        "canary",
                        Verdict::MissingRoute,
                        Method::Get,
                        "/pets/999999999",
                        response(404, &[("content-type", "text/html")], "<html><h1>Not Found</h1> & \"gone\"</html>"),
                        5,
                    )
                },
            ]
        }),
    ]
}

/// The fixture's `DELETE` and `PUT /pets/{petId}`.
fn pet_changes() -> Vec<OperationReport> {
    vec![
        operation(Method::Delete, "/pets/{petId}", &["pets"], Some(80), || {
            vec![
                TargetResult {
                    evidence: "405 with Allow: GET, HEAD; DELETE is not routed".into(),
                    ..answered(
                        "stable",
                        Verdict::MissingMethod,
                        Method::Delete,
                        "/pets/999999999",
                        response(405, &[("allow", "GET,HEAD"), ("content-length", "0")], ""),
                        4,
                    )
                },
                answered(
                    "canary",
                    Verdict::ServerError,
                    Method::Delete,
                    "/pets/999999999",
                    response(
                        500,
                        &[("content-type", "text/plain")],
                        "Internal Server Error",
                    ),
                    31,
                ),
            ]
        }),
        operation(Method::Put, "/pets/{petId}", &["pets"], Some(95), || {
            vec![
                TargetResult {
                    evidence: "400 to an invalid body, but unknown paths answer 400 too".into(),
                    ..exchange(
                        "stable",
                        Verdict::Unverified,
                        request(
                            "stable",
                            Method::Put,
                            "/pets/999999999",
                            &[("content-type", "application/json")],
                            Some("{"),
                        ),
                        Some(response(
                            400,
                            &[("content-type", "text/plain")],
                            "Bad Request",
                        )),
                        7,
                    )
                },
                TargetResult {
                    evidence: "safe mode: no request PUT /pets/{petId} would surely reject".into(),
                    ..exchange("canary", Verdict::Skipped, None, None, 0)
                },
            ]
        }),
    ]
}

/// The fixture's `GET /pets/{petId}/owner`, `GET /admin/stats`, `POST /`.
fn owner_admin_and_root() -> Vec<OperationReport> {
    vec![
        operation(
            Method::Get,
            "/pets/{petId}/owner",
            &["owners", "pets"],
            Some(112),
            || {
                vec![
                    TargetResult {
                        evidence: "200 whose body says \"not implemented yet\"".into(),
                        ..exchange(
                            "stable",
                            Verdict::Stub,
                            request("stable", Method::Get, "/pets/1/owner", &[], None),
                            Some(ResponseRecord {
                                truncated: true,
                                ..response(
                                    200,
                                    &[("content-type", "application/json")],
                                    r#"{"message":"not implemented yet","padding":"#,
                                )
                            }),
                            2,
                        )
                    },
                    TargetResult {
                        evidence: "connection refused (os error 111)".into(),
                        ..exchange(
                            "canary",
                            Verdict::Unreachable,
                            request("canary", Method::Get, "/pets/1/owner", &[], None),
                            None,
                            1,
                        )
                    },
                ]
            },
        ),
        operation(Method::Get, "/admin/stats", &["admin"], Some(130), || {
            ["stable", "canary"]
                .into_iter()
                .map(|target| TargetResult {
                    evidence: "401 with WWW-Authenticate: Bearer; give --auth bearerAuth=TOKEN"
                        .into(),
                    ..answered(
                        target,
                        Verdict::AuthRequired,
                        Method::Get,
                        "/admin/stats",
                        response(401, &[("www-authenticate", "Bearer realm=\"admin\"")], ""),
                        3,
                    )
                })
                .collect()
        }),
        operation(Method::Post, "/", &[], None, || {
            vec![
                // Safe mode's malformed body, accepted: a handler that does
                // not validate (and may have acted on it).
                TargetResult {
                    rule: "invalid-accepted".into(),
                    evidence: "POST / answered 200 OK to a request its contract forbids \
                               (malformed JSON body): the handler accepts invalid input, and \
                               this safe-mode request may have changed state; check the \
                               service's data"
                        .into(),
                    ..exchange(
                        "stable",
                        Verdict::AcceptsInvalid,
                        request(
                            "stable",
                            Method::Post,
                            "/",
                            &[("content-type", "application/json")],
                            Some("{\"rollcall\": "),
                        ),
                        Some(response(200, &[("content-type", "application/json")], "[]")),
                        2,
                    )
                },
                // --repeat 3 behind a load balancer: one request reached an
                // instance of an older build.
                TargetResult {
                    rule: "repeats-disagree".into(),
                    evidence: "2 of 3 requests answered 200 (implemented); \
                               1 of 3 answered 404 (missing_route)"
                        .into(),
                    ..answered(
                        "canary",
                        Verdict::Inconsistent,
                        Method::Post,
                        "/",
                        response(404, &[("content-type", "text/html")], "<h1>Not Found</h1>"),
                        2,
                    )
                },
            ]
        }),
    ]
}

fn operation(
    method: Method,
    path: &str,
    tags: &[&str],
    line: Option<u32>,
    results: impl FnOnce() -> Vec<TargetResult>,
) -> OperationReport {
    OperationReport {
        method,
        path: path.into(),
        operation_id: Some(format!(
            "{}{}",
            method.path_item_key(),
            path.replace(['/', '{', '}'], "_")
        )),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        line,
        file: None,
        change: None,
        results: results(),
    }
}

fn served(target: &str, method: Method, path: &str, status: u16, elapsed_ms: u64) -> TargetResult {
    answered(
        target,
        Verdict::Implemented,
        method,
        path,
        response(status, &[("content-type", "application/json")], "[]"),
        elapsed_ms,
    )
}

/// [`exchange`] for a request to `target` without headers or body that got
/// `response`.
fn answered(
    target: &str,
    verdict: Verdict,
    method: Method,
    path: &str,
    response: ResponseRecord,
    elapsed_ms: u64,
) -> TargetResult {
    exchange(
        target,
        verdict,
        request(target, method, path, &[], None),
        Some(response),
        elapsed_ms,
    )
}

fn post_pets(target: &str) -> Option<RequestRecord> {
    request(
        target,
        Method::Post,
        "/pets",
        &[("content-type", "application/json")],
        Some("{"),
    )
}

/// A request to `target` (`stable` or `canary`) as a run records it.
fn request(
    target: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Option<RequestRecord> {
    let mut all_headers: BTreeMap<String, String> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    all_headers.insert("authorization".into(), "Bearer ***".into());
    all_headers.insert("user-agent".into(), "rollcall/0.1.0".into());
    Some(RequestRecord {
        method,
        url: format!("{}{path}", base_url(target)),
        headers: all_headers,
        body: body.map(str::to_string),
    })
}

fn base_url(target: &str) -> &'static str {
    if target == "canary" { CANARY } else { STABLE }
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> ResponseRecord {
    ResponseRecord {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.into(),
        truncated: false,
    }
}

/// A result whose rule is `test.<verdict>` and evidence a placeholder the
/// caller may override.
fn exchange(
    target: &str,
    verdict: Verdict,
    request: Option<RequestRecord>,
    response: Option<ResponseRecord>,
    elapsed_ms: u64,
) -> TargetResult {
    TargetResult {
        target: target.into(),
        verdict,
        rule: format!("test.{verdict}").into(),
        status: response.as_ref().map(|r| r.status),
        evidence: match response.as_ref() {
            Some(r) => format!("answered {}", r.status),
            None => "no answer".into(),
        },
        elapsed_ms,
        request,
        response,
        allowance: None,
    }
}

#[test]
fn fixture_has_every_verdict_on_two_targets() {
    let report = fixture();
    assert_eq!(report.targets.len(), 2);
    for verdict in Verdict::ALL {
        assert!(
            report.results().any(|(_, r)| r.verdict == verdict),
            "{verdict} missing from the fixture"
        );
    }
    for op in &report.operations {
        let targets: Vec<&str> = op.results.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(targets, ["stable", "canary"], "{}", op.label());
    }
}
