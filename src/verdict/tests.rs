//! Classification tests, rule by rule, with hand-built answers: no server.
//! The end-to-end ones (in-process servers that answer like real stacks:
//! discovery, probe, follow-ups, classify) are `check::followup`'s tests.

use std::time::Duration;

use serde_json::json;

use super::*;
use crate::contract::testing::assert_contains;
use crate::contract::{Contract, Operation};
use crate::plan::{PlannedProbe, PlannedRequest};
use crate::probe::testing::*;
use crate::probe::{Discovery, Exchange, Fingerprint, SentRequest, TransportError};

pub(crate) fn valid(operation: usize, request: PlannedRequest) -> PlannedProbe {
    planned(operation, Intent::Valid, Some(request))
}

pub(crate) fn sentinel(operation: usize, parameter: &str, request: PlannedRequest) -> PlannedProbe {
    planned(
        operation,
        Intent::Sentinel {
            parameter: parameter.into(),
        },
        Some(request),
    )
}

/// A probe whose request breaks the contract with a malformed JSON body.
pub(crate) fn invalid(operation: usize, request: PlannedRequest) -> PlannedProbe {
    invalid_with(operation, "malformed JSON body", request)
}

/// A probe whose request breaks the contract as `violation` says.
fn invalid_with(operation: usize, violation: &str, request: PlannedRequest) -> PlannedProbe {
    planned(
        operation,
        Intent::Invalid {
            violation: violation.into(),
        },
        Some(request),
    )
}

/// Whether `body` is JSON that `express.json()` refuses (an empty body is
/// not parsed at all).
pub(crate) fn malformed(body: &str) -> bool {
    !body.is_empty() && serde_json::from_str::<serde_json::Value>(body).is_err()
}

/// Only the malformed body is refused by a parser in front of the router: a
/// valid body with an invalid query value that gets the same 400 was
/// refused by the route itself.
#[test]
fn a_400_to_a_valid_body_is_not_taken_for_a_parser_before_routing() {
    let op = operation_with_body(Method::Post, "/orders");
    let mut discovery = axum_discovery();
    discovery.malformed_body = Some(crate::probe::NoRouteSample {
        prefix: String::new(),
        path: UNKNOWN.into(),
        fingerprint: Fingerprint::of(&answer(400, &[], "SyntaxError"), UNKNOWN),
    });
    let mut sent = request(Method::Post, "/orders?count=not-an-integer");
    sent.body = Some(crate::plan::Body {
        content_type: "application/json".into(),
        bytes: br#"{"item":"x"}"#.to_vec(),
    });
    let probe = invalid_with(0, "query parameter 'count' is not an integer", sent);

    let finding = judge(&op, &probe, &discovery, Ok(answer(400, &[], "bad count")));

    assert_decided(&finding, Verdict::Implemented, "validation-rejected");
}

/// An invalid path value answered with the no-route 404, on a target whose
/// `OPTIONS` shows nothing: unverified, never `missing_route`.
#[test]
fn an_invalid_path_value_unrouted_is_never_a_missing_route_by_itself() {
    let op = operation(Method::Put, "/tasks/{id}");
    let probe = invalid_with(
        0,
        "path parameter 'id' is not an integer",
        request(Method::Put, "/tasks/not-an-integer"),
    );

    let finding = judge(&op, &probe, &axum_discovery(), Ok(answer(404, &[], "")));

    assert_decided(&finding, Verdict::Unverified, "invalid-path-unrouted");
    assert_contains(&finding.evidence, "typed path parameters");
}

// Rule by rule, with hand-built answers.

/// Asserts `finding`'s verdict and rule, and shows its evidence where they
/// are not the ones expected.
#[track_caller]
pub(crate) fn assert_decided(finding: &Finding, verdict: Verdict, rule: &str) {
    assert_eq!(
        (finding.verdict, finding.rule.id()),
        (verdict, rule),
        "{}",
        finding.evidence
    );
}

const UNKNOWN: &str = "/rollcall-404-0123456789abcdef";

fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> crate::probe::Response {
    crate::probe::Response {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.as_bytes().to_vec(),
        truncated: false,
    }
}

/// Discovery that saw `unknown` for a path that cannot exist.
fn discovery_of(unknown: crate::probe::Response) -> Discovery {
    Discovery {
        no_route: vec![crate::probe::NoRouteSample {
            prefix: String::new(),
            path: UNKNOWN.into(),
            fingerprint: Fingerprint::of(&unknown, UNKNOWN),
        }],
        ..Discovery::default()
    }
}

fn axum_discovery() -> Discovery {
    discovery_of(answer(404, &[], ""))
}

/// `request` as sent to `http://127.0.0.1:9`, and what came of it.
fn sent(
    request: &PlannedRequest,
    outcome: Result<crate::probe::Response, TransportError>,
) -> Exchange {
    Exchange {
        request: SentRequest {
            method: request.method,
            url: format!("http://127.0.0.1:9{}", request.path_and_query),
            headers: request.headers.clone(),
            body: request.body.clone(),
        },
        outcome,
        elapsed: Duration::ZERO,
        retries: Vec::new(),
    }
}

/// What judging `probe` of `operation` reads, the user having given no
/// credentials.
fn context<'a>(
    operation: &'a Operation,
    probe: &'a PlannedProbe,
    discovery: &'a Discovery,
) -> Context<'a> {
    Context {
        operation,
        probe,
        discovery,
        credentials_given: false,
    }
}

fn judge(
    operation: &Operation,
    probe: &PlannedProbe,
    discovery: &Discovery,
    outcome: Result<crate::probe::Response, TransportError>,
) -> Finding {
    let request = probe.request.as_ref().expect("a planned request");
    let exchange = sent(request, outcome);
    classify(&context(operation, probe, discovery), Some(&exchange))
}

fn judge_get(path: &str, response: crate::probe::Response, discovery: &Discovery) -> Finding {
    judge(
        &operation(Method::Get, path),
        &valid(0, get_request(path)),
        discovery,
        Ok(response),
    )
}

#[test]
fn unverifiable_plan_is_unverified_with_the_plans_reason() {
    let op = operation(Method::Delete, "/pets/{petId}");
    let probe = unverifiable_because(0, "no parameter can hold a sentinel");
    let discovery = Discovery::default();

    let finding = classify(&context(&op, &probe, &discovery), None);

    assert_eq!(finding.verdict, Verdict::Unverified);
    assert_eq!(finding.rule, "safe-mode-no-harmless-probe");
    assert_eq!(
        finding.evidence,
        "not probed in safe mode: no parameter can hold a sentinel"
    );
}

#[test]
fn timeout_is_unreachable() {
    let finding = judge(
        &operation(Method::Get, "/pets"),
        &valid(0, get_request("/pets")),
        &axum_discovery(),
        Err(TransportError::Timeout(Duration::from_secs(10))),
    );

    assert_eq!(finding.verdict, Verdict::Unreachable);
    assert_eq!(
        finding.evidence,
        "GET /pets got no response: timed out after 10s"
    );
}

#[test]
fn rate_limited_is_unverified_and_names_retry_after() {
    let finding = judge_get(
        "/pets",
        answer(429, &[("retry-after", "30")], ""),
        &axum_discovery(),
    );

    assert_decided(&finding, Verdict::Unverified, "rate-limited");
    assert_contains(&finding.evidence, "(Retry-After: 30)");
}

#[test]
fn redirect_names_its_location_unless_unknown_paths_get_it_too() {
    let trailing_slash = answer(308, &[("location", "/pets/")], "");
    let finding = judge_get("/pets", trailing_slash, &axum_discovery());
    assert_decided(&finding, Verdict::Implemented, "redirect-3xx");
    assert_contains(&finding.evidence, "(Location: /pets/)");

    let login = answer(302, &[("location", "/login")], "");
    let finding = judge_get("/pets", login.clone(), &discovery_of(login));
    assert_decided(&finding, Verdict::Unverified, "catch-all-3xx");
}

#[test]
fn gateway_5xx_says_the_service_behind_did_not_answer() {
    let finding = judge_get("/pets", answer(502, &[], ""), &axum_discovery());

    assert_eq!(finding.verdict, Verdict::ServerError);
    assert_eq!(
        finding.evidence,
        "GET /pets answered 502 Bad Gateway (a gateway could not get an answer from the service behind it)"
    );
}

#[test]
fn forbidden_with_credentials_is_a_credentials_problem() {
    let op = operation(Method::Get, "/admin");
    let probe = valid(0, get_request("/admin"));
    let discovery = axum_discovery();
    let request = probe.request.as_ref().expect("request");
    let exchange = sent(request, Ok(answer(403, &[], "")));
    let context = Context {
        credentials_given: true,
        ..context(&op, &probe, &discovery)
    };

    let finding = classify(&context, Some(&exchange));

    assert_decided(&finding, Verdict::AuthRequired, "credentials-rejected");
    assert_contains(
        &finding.evidence,
        "a credentials problem, not a missing route",
    );
}

#[test]
fn unauthorized_without_credentials_names_the_declared_schemes() {
    let mut op = operation(Method::Get, "/admin");
    op.security = vec![
        vec![("bearerAuth".into(), vec![])],
        vec![("apiKey".into(), vec![])],
    ];

    // Discovery learned nothing, so nothing shows whether routing runs first.
    let finding = judge(
        &op,
        &valid(0, get_request("/admin")),
        &Discovery::default(),
        Ok(answer(401, &[], "")),
    );

    assert_eq!(
        finding.evidence,
        "GET /admin answered 401 Unauthorized: the operation needs credentials (bearerAuth or apiKey); pass them with --auth"
    );
}

#[test]
fn not_found_without_a_no_route_sample_is_unverified() {
    let none = judge_get("/pets/1", answer(404, &[], ""), &Discovery::default());
    assert_decided(&none, Verdict::Unverified, "no-route-unknown");

    let behind_auth = judge_get(
        "/pets/1",
        answer(404, &[], ""),
        &discovery_of(answer(401, &[], "")),
    );
    assert_decided(&behind_auth, Verdict::Unverified, "no-route-unknown");
}

#[test]
fn head_404_is_compared_without_a_body() {
    let discovery = discovery_of(answer(
        404,
        &[("content-type", "text/html")],
        "<h1>Not Found</h1>",
    ));
    let op = operation(Method::Head, "/pets");
    let probe = valid(0, request(Method::Head, "/pets"));

    let finding = judge(
        &op,
        &probe,
        &discovery,
        Ok(answer(404, &[("content-type", "text/html")], "")),
    );

    assert_decided(&finding, Verdict::MissingRoute, "no-route-404");
}

#[test]
fn invalid_request_accepted_with_2xx_is_served_without_validation() {
    let op = operation_with_body(Method::Post, "/pets");
    let finding = judge(
        &op,
        &invalid(0, malformed_json(Method::Post, "/pets")),
        &axum_discovery(),
        Ok(answer(201, &[], r#"{"id":7}"#)),
    );

    assert_decided(&finding, Verdict::AcceptsInvalid, "invalid-accepted");
}

#[test]
fn conflict_on_a_valid_probe_is_a_handler_4xx() {
    let finding = judge_get("/pets", answer(409, &[], ""), &axum_discovery());

    assert_decided(&finding, Verdict::Implemented, "handler-4xx");
}

#[test]
fn informational_status_is_unexpected() {
    let finding = judge_get("/pets", answer(103, &[], ""), &axum_discovery());

    assert_decided(&finding, Verdict::Unverified, "unexpected-status");
}

#[test]
fn stub_phrases_are_found_in_json_values_and_plain_text() {
    let stubs = [
        r#"{"message":"Not Implemented"}"#,
        r#"{"data":{"error":"not_implemented"}}"#,
        r#"{"code":"NotImplemented"}"#,
        "Coming soon!",
        "TODO",
        "TODO: implement listing",
        r#"{"result":"stub"}"#,
        "This endpoint is not yet implemented.",
        r#""TODO""#,
        r#"{"ok":true,"message":"coming soon"}"#,
        r#"{"success":false,"errorMessage":"Not implemented yet"}"#,
        r#"{"status":"not implemented","data":null}"#,
        r#"{"error":{"code":"NOT_IMPLEMENTED","message":"try again later"}}"#,
        r#"{"errors":["not implemented"],"request_id":"f3a9"}"#,
        r#"{"type":"about:blank","title":"Placeholder","detail":"TODO: implement"}"#,
    ];
    for body in stubs {
        let finding = judge_get("/pets", answer(200, &[], body), &axum_discovery());
        assert_eq!(finding.verdict, Verdict::Stub, "{body}");
    }
}

#[test]
fn ordinary_2xx_bodies_are_not_stubs() {
    let served = [
        r#"[{"title":"Todo list","done":false}]"#,
        r#"{"todo":"buy milk"}"#,
        r#"{"state":"implemented"}"#,
        r#"{"note":"stubborn cat"}"#,
        "a todo app",
        "",
        // A list is data, whatever its items say.
        r#"[{"id":12,"status":"todo"},{"id":13,"status":"done"}]"#,
        r#"["coming soon"]"#,
        // A record's own fields are data; only message fields carry messages.
        r#"{"id":12,"status":"todo"}"#,
        r#"{"feature":"sso","status":"not implemented"}"#,
        r#"{"id":7,"name":"Coming soon","description":"TODO"}"#,
        r#"{"data":{"items":["todo"]}}"#,
        include_str!("../../testdata/probe/github-projects-v2-fields.json"),
        include_str!("../../testdata/probe/github-projects-v2-field.json"),
    ];
    for body in served {
        let finding = judge_get("/todos", answer(200, &[], body), &axum_discovery());
        assert_eq!(finding.rule, "served-2xx", "{body}");
    }
    let large = format!(
        r#"{{"status":"not implemented","padding":"{}"}}"#,
        "x".repeat(5000)
    );
    let finding = judge_get("/pets", answer(200, &[], &large), &axum_discovery());
    assert_eq!(finding.rule, "served-2xx");
}

/// A contract whose `GET /tasks/{id}/status` answers one of the task
/// states as a bare string, and `GET /tasks/{id}` a record whose `status`
/// is one of them.
fn task_contract() -> Contract {
    let document = json!({
        "openapi": "3.1.0",
        "paths": {
            "/tasks/{id}/status": {"get": {"responses": {"200": {"content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Status"}}
            }}}}},
            "/tasks/{id}": {"get": {"responses": {"200": {"content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "status": {"$ref": "#/components/schemas/Status"}
                }}}
            }}}}}
        },
        "components": {"schemas": {
            "Status": {"type": "string", "enum": ["todo", "in_progress", "done"]}
        }}
    });
    let at = |method: Method, path: &str, pointer: &str| Operation {
        location: crate::contract::SourceLocation {
            pointer: pointer.into(),
            ..Default::default()
        },
        ..operation(method, path)
    };
    Contract {
        document: std::sync::Arc::new(document),
        ..contract(vec![
            at(
                Method::Get,
                "/tasks/{id}/status",
                "/paths/~1tasks~1{id}~1status/get",
            ),
            at(Method::Get, "/tasks/{id}", "/paths/~1tasks~1{id}/get"),
        ])
    }
}

#[test]
fn a_phrase_equal_to_a_declared_enum_value_is_data() {
    let tasks = task_contract();
    let judged = |index: usize, path: &str, body: &str| {
        let probe = PlannedProbe {
            declared: crate::plan::declarations(&tasks, &tasks.operations[index]),
            ..valid(index, get_request(path))
        };
        let discovery = axum_discovery();
        let exchange = sent(
            &get_request(path),
            Ok(answer(200, &[("content-type", "application/json")], body)),
        );
        classify(
            &context(&tasks.operations[index], &probe, &discovery),
            Some(&exchange),
        )
    };

    assert_eq!(
        judged(0, "/tasks/12/status", r#""todo""#).rule,
        "served-2xx"
    );
    assert_eq!(
        judged(1, "/tasks/12", r#"{"status":"todo"}"#).rule,
        "served-2xx"
    );
    // Not a declared value: still a placeholder.
    let stub = judged(1, "/tasks/12", r#"{"status":"TODO: implement"}"#);
    assert_eq!((stub.verdict, stub.rule.id()), (Verdict::Stub, "stub-2xx"));
    assert_eq!(
        stub.evidence,
        "GET /tasks/12 answered 200 OK but the body says \"TODO: implement\": a placeholder, not a handler"
    );
    // Without the contract's enum, a bare "todo" is a placeholder.
    assert_eq!(
        judge_get(
            "/tasks/12/status",
            answer(200, &[], r#""todo""#),
            &axum_discovery()
        )
        .rule,
        "stub-2xx"
    );
}

/// A probe planned no request: nothing sent is harmless and rejectable.
pub(crate) fn unverifiable(operation: usize) -> PlannedProbe {
    unverifiable_because(
        operation,
        "no request for it is both harmless and rejectable",
    )
}

/// A probe planned no request, for `reason`.
pub(crate) fn unverifiable_because(operation: usize, reason: &str) -> PlannedProbe {
    planned(
        operation,
        Intent::Unverifiable {
            reason: reason.into(),
        },
        None,
    )
}

fn judge_with(settings: &Settings, body: &str) -> Finding {
    let op = operation(Method::Get, "/status");
    let probe = valid(0, get_request("/status"));
    let discovery = axum_discovery();
    let exchange = sent(&get_request("/status"), Ok(answer(200, &[], body)));
    classify_with(
        &context(&op, &probe, &discovery),
        Some(&exchange),
        settings,
        &[],
    )
}

#[test]
fn stub_phrases_can_be_added_in_any_form_and_detection_turned_off() {
    let extended = Settings {
        stub_phrases: vec!["Work in progress".into()],
        ..Settings::default()
    };
    for body in [
        r#"{"message":"work in progress"}"#,
        r#"{"code":"WORK_IN_PROGRESS"}"#,
        r#"{"code":"WorkInProgress"}"#,
        "work-in-progress",
    ] {
        assert_eq!(judge_with(&extended, body).rule, "stub-2xx", "{body}");
        assert_eq!(
            judge_with(&Settings::default(), body).rule,
            "served-2xx",
            "{body}"
        );
    }
    let off = Settings {
        stub_detection: false,
        ..Settings::default()
    };
    let body = r#"{"status":"not implemented yet"}"#;
    assert_eq!(judge_with(&Settings::default(), body).rule, "stub-2xx");
    assert_eq!(judge_with(&off, body).rule, "served-2xx");
}

#[test]
fn follow_ups_are_asked_for_only_when_the_answer_leaves_the_route_in_doubt() {
    let wanted = |op: &Operation, probe: &PlannedProbe, response| {
        let discovery = axum_discovery();
        let exchange = probe.request.as_ref().map(|r| sent(r, Ok(response)));
        follow_up_wanted(
            &context(op, probe, &discovery),
            exchange.as_ref(),
            &Settings::default(),
            &[],
        )
    };
    let get = operation(Method::Get, "/pets/{id}");
    let probe = valid(0, get_request("/pets/1"));
    assert_eq!(
        wanted(&get, &probe, answer(404, &[], "")),
        Some(FollowUpKind::Options)
    );
    assert_eq!(wanted(&get, &probe, answer(200, &[], "[]")), None);
    assert_eq!(
        wanted(&get, &probe, answer(404, &[], "{\"error\":\"no pet\"}")),
        None
    );
    assert_eq!(
        wanted(&get, &probe, answer(401, &[], "")),
        Some(FollowUpKind::Below)
    );
    let put = operation(Method::Put, "/pets/{id}");
    assert_eq!(
        wanted(&put, &unverifiable(0), answer(200, &[], "")),
        Some(FollowUpKind::Options)
    );
}

pub(crate) fn string_body(method: Method, path: &str) -> PlannedRequest {
    PlannedRequest {
        body: Some(crate::plan::Body {
            content_type: "application/json".into(),
            bytes: br#""rollcall""#.to_vec(),
        }),
        ..request(method, path)
    }
}

/// Where no body is left to drop (safe mode's malformed one is the plan's
/// business) or the request had none, the refusal goes to `OPTIONS`, and
/// with nothing to show, stays `body-refused-before-routing`.
#[test]
fn a_refused_body_with_nothing_to_settle_it_stays_unverified() {
    let unknown = answer(404, &[("content-type", "text/html")], "Cannot GET /x");
    let refused = answer(
        400,
        &[("content-type", "text/html; charset=utf-8")],
        "<pre>Bad Request</pre>",
    );
    let mut discovery = discovery_of(unknown);
    discovery.malformed_body = Some(crate::probe::NoRouteSample {
        prefix: String::new(),
        path: "/rollcall-404-0123456789abcdef".into(),
        fingerprint: Fingerprint::of(&refused, "/rollcall-404-0123456789abcdef"),
    });
    let op = operation_with_body(Method::Put, "/quirks");
    let finding = judge(
        &op,
        &valid(0, string_body(Method::Put, "/quirks")),
        &discovery,
        Ok(refused.clone()),
    );
    assert_decided(&finding, Verdict::Unverified, "body-refused-before-routing");
    // A 400 of another shape is the handler's.
    let own = answer(
        400,
        &[("content-type", "application/json")],
        r#"{"error":"no"}"#,
    );
    let finding = judge(
        &op,
        &valid(0, string_body(Method::Put, "/quirks")),
        &discovery,
        Ok(own),
    );
    assert_decided(&finding, Verdict::Implemented, "handler-4xx");
}
