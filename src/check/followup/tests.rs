//! Classification end to end, against in-process axum servers that answer
//! like real stacks: discovery, every planned probe and the follow-up loop
//! ([`super::run`]), then each verdict. The rule-by-rule tests with
//! hand-built answers are the verdict stage's own.

use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

use crate::contract::testing::{assert_contains, assert_ends_with, assert_starts_with};
use crate::contract::{Contract, Method, Operation};
use crate::plan::{Intent, PlannedProbe, PlannedRequest};
use crate::probe::Exchange;
use crate::probe::testing::*;
use crate::verdict::tests::{
    assert_decided, invalid, malformed, sentinel, string_body, unverifiable, unverifiable_because,
    valid,
};
use crate::verdict::*;

/// Each finding's verdict and rule.
fn decided(findings: &[Finding]) -> Vec<(Verdict, &str)> {
    findings.iter().map(|f| (f.verdict, f.rule.id())).collect()
}

const EXPRESS_404: &str = include_str!("../../../testdata/probe/express-404.html");

/// Runs discovery, every planned probe and their follow-ups against `base`
/// (as `check` does), and classifies each.
async fn check(
    base: &str,
    contract: &Contract,
    probes: &[PlannedProbe],
    credentials_given: bool,
) -> Vec<Finding> {
    check_with(
        base,
        contract,
        probes,
        credentials_given,
        &Settings::default(),
    )
    .await
}

async fn check_with(
    base: &str,
    contract: &Contract,
    probes: &[PlannedProbe],
    credentials_given: bool,
    settings: &Settings,
) -> Vec<Finding> {
    check_on(&prober(base), contract, probes, credentials_given, settings).await
}

async fn check_on(
    prober: &crate::probe::Prober,
    contract: &Contract,
    probes: &[PlannedProbe],
    credentials_given: bool,
    settings: &Settings,
) -> Vec<Finding> {
    let mut discovery = crate::probe::testing::discover_every(prober, contract).await;
    let requests = probes
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.request.as_ref().map(|r| (i, r)));
    let mut exchanges: Vec<Option<Exchange>> = vec![None; probes.len()];
    for (i, exchange) in prober.probe_all(requests).await {
        exchanges[i] = Some(exchange);
    }
    let run = crate::check::followup::Run {
        prober,
        contract,
        probes,
        discovery_headers: &[],
        settings,
        credentials_given,
    };
    let all: Vec<usize> = (0..probes.len()).collect();
    let followed = crate::check::followup::run(&run, &mut discovery, &exchanges, &all).await;
    probes
        .iter()
        .zip(&exchanges)
        .zip(followed)
        .map(|((probe, exchange), followed)| {
            let context = Context {
                operation: &contract.operations[probe.operation],
                probe,
                discovery: &discovery,
                credentials_given,
            };
            let judged = classify_with(&context, exchange.as_ref(), settings, &followed.follow_ups);
            // A run keeps the first decision of a probe without follow-ups.
            if let Some(settled) = followed.settled {
                assert_eq!(settled, judged, "the first decision stands");
            }
            judged
        })
        .collect()
}

/// A pet store whose operations each show one way of (not) being served;
/// unknown paths get axum's own empty 404, and wrong methods its 405.
fn pet_store() -> Router {
    Router::new()
        .route(
            "/pets",
            get(|| async { axum::Json(json!([{"id": 1, "name": "Rex"}])) }).post(|| async {
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    axum::Json(json!({"error": "body is not valid JSON"})),
                )
            }),
        )
        .route(
            "/pets/{id}",
            get(|| async {
                (
                    StatusCode::NOT_FOUND,
                    axum::Json(json!({"error": "pet not found"})),
                )
            })
            .delete(|| async { (StatusCode::NOT_IMPLEMENTED, "delete is not implemented") }),
        )
        .route(
            "/orders",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "database unavailable") }),
        )
        .route("/admin", get(|| async { StatusCode::UNAUTHORIZED }))
        .route(
            "/status",
            get(|| async { axum::Json(json!({"status": "not implemented yet"})) }),
        )
}

fn pet_store_contract() -> Contract {
    contract(vec![
        operation(Method::Get, "/pets"),
        operation_with_body(Method::Post, "/pets"),
        operation(Method::Get, "/pets/{petId}"),
        operation(Method::Patch, "/pets/{petId}"),
        operation(Method::Delete, "/pets/{petId}"),
        operation(Method::Get, "/orders"),
        operation(Method::Get, "/admin"),
        operation(Method::Get, "/status"),
        operation(Method::Get, "/reports"),
        operation(Method::Put, "/pets/{petId}"),
    ])
}

/// Runs `probes` against [`pet_store`] with its contract, without credentials.
async fn check_pet_store(probes: &[PlannedProbe]) -> Vec<Finding> {
    let base = serve(pet_store()).await;
    check(&base, &pet_store_contract(), probes, false).await
}

fn pet_store_probes() -> Vec<PlannedProbe> {
    vec![
        valid(0, get_request("/pets?limit=1")),
        invalid(1, malformed_json(Method::Post, "/pets")),
        sentinel(2, "petId", get_request("/pets/rollcall-0000")),
        valid(3, request(Method::Patch, "/pets/1")),
        sentinel(4, "petId", request(Method::Delete, "/pets/rollcall-0000")),
        valid(5, get_request("/orders")),
        valid(6, get_request("/admin")),
        valid(7, get_request("/status")),
        valid(8, get_request("/reports")),
        unverifiable_because(9, "PUT /pets/{petId} has no request a handler must reject"),
        valid(2, get_request("/pets/1")),
    ]
}

#[tokio::test]
async fn pet_store_operations_get_the_verdicts_their_answers_show() {
    let findings = check_pet_store(&pet_store_probes()).await;

    assert_eq!(
        decided(&findings),
        [
            (Verdict::Implemented, "served-2xx"),
            (Verdict::Implemented, "validation-rejected"),
            (Verdict::Implemented, "sentinel-404"),
            (Verdict::MissingMethod, "method-405"),
            (Verdict::NotImplemented, "handler-501"),
            (Verdict::ServerError, "server-5xx"),
            (Verdict::Implemented, "auth-after-routing"),
            (Verdict::Stub, "stub-2xx"),
            (Verdict::MissingRoute, "no-route-404"),
            (Verdict::Unverified, "safe-mode-no-harmless-probe"),
            (Verdict::Implemented, "handler-404"),
        ]
    );
    for finding in &findings {
        assert_eq!(Rule::from_id(finding.rule.id()), Some(finding.rule));
        assert_eq!(Some(finding.rule.verdict()), Some(finding.verdict));
    }
}

#[tokio::test]
async fn missing_route_when_404_matches_fingerprint() {
    let findings = check_pet_store(&[
        valid(0, get_request("/pets?limit=1")),
        valid(8, get_request("/reports")),
    ])
    .await;

    let evidence = &findings[1].evidence;
    assert_eq!(findings[1].verdict, Verdict::MissingRoute);
    assert_starts_with(
        evidence,
        "GET /reports answered 404 Not Found, and the 404 matches this target's no-route response (GET /reports/rollcall-404-",
    );
    assert_ends_with(evidence, "no route serves GET /reports");
    assert_contains(evidence, "→ 404, no content type, empty body");
    assert_contains(
        evidence,
        "; OPTIONS /reports answered 404 Not Found, the no-route response too, while OPTIONS /pets answered 405 with Allow: GET, HEAD, POST on a route this run proved deployed: this router answers a method it does not route on a routed path with 405, not its no-route 404",
    );
}

#[tokio::test]
async fn handler_404_with_json_body_is_implemented() {
    let findings = check_pet_store(&[
        valid(2, get_request("/pets/1")),
        sentinel(2, "petId", get_request("/pets/rollcall-0000")),
    ])
    .await;

    assert_eq!(findings[0].verdict, Verdict::Implemented);
    assert_ends_with(
        &findings[0].evidence,
        "the handler exists, the resource does not",
    );
    assert_contains(
        &findings[1].evidence,
        "for a sentinel petId that cannot exist",
    );
}

#[tokio::test]
async fn method_405_names_the_allowed_methods() {
    let findings = check_pet_store(&[valid(3, request(Method::Patch, "/pets/1"))]).await;

    assert_eq!(findings[0].verdict, Verdict::MissingMethod);
    let evidence = &findings[0].evidence;
    assert_starts_with(
        evidence,
        "PATCH /pets/1 answered 405 Method Not Allowed: the path exists (Allow: ",
    );
    assert_contains(evidence, "GET");
    assert_contains(evidence, "DELETE");
    assert_ends_with(evidence, "but PATCH is not served");
}

#[tokio::test]
async fn handler_501_quotes_the_body() {
    let findings = check_pet_store(&[sentinel(
        4,
        "petId",
        request(Method::Delete, "/pets/rollcall-0000"),
    )])
    .await;

    assert_eq!(findings[0].verdict, Verdict::NotImplemented);
    assert_eq!(
        findings[0].evidence,
        "DELETE /pets/rollcall-0000 answered 501 Not Implemented: delete is not implemented"
    );
}

#[tokio::test]
async fn server_500_is_a_server_error() {
    let findings = check_pet_store(&[valid(5, get_request("/orders"))]).await;

    assert_eq!(findings[0].verdict, Verdict::ServerError);
    assert_eq!(
        findings[0].evidence,
        "GET /orders answered 500 Internal Server Error: database unavailable"
    );
}

#[tokio::test]
async fn auth_401_after_routing_proves_the_route_and_with_credentials_is_their_problem() {
    let base = serve(pet_store()).await;
    let contract = pet_store_contract();
    let probes = [valid(6, get_request("/admin"))];

    let without = check(&base, &contract, &probes, false).await;
    let with = check(&base, &contract, &probes, true).await;

    assert_decided(&without[0], Verdict::Implemented, "auth-after-routing");
    assert_starts_with(
        &without[0].evidence,
        "route deployed: GET /admin answered 401 Unauthorized, while paths that cannot exist, even /admin/rollcall-404-",
    );
    assert_ends_with(
        &without[0].evidence,
        "pass credentials with --auth to reach it",
    );
    assert_decided(&with[0], Verdict::AuthRequired, "credentials-rejected");
    assert_contains(
        &with[0].evidence,
        "although credentials were given: they were rejected (a credentials problem, not a missing route)",
    );
}

#[tokio::test]
async fn stub_when_2xx_body_says_not_implemented() {
    let findings = check_pet_store(&[valid(7, get_request("/status"))]).await;

    assert_eq!(findings[0].verdict, Verdict::Stub);
    assert_eq!(
        findings[0].evidence,
        "GET /status answered 200 OK but the body says \"not implemented yet\": a placeholder, not a handler"
    );
}

#[tokio::test]
async fn a_to_do_list_is_data_and_its_placeholder_sibling_is_a_stub() {
    let app = Router::new()
        .route(
            "/tasks/",
            get(|| async {
                axum::Json(json!([{"id": 12, "status": "todo"}, {"id": 13, "status": "done"}]))
            }),
        )
        .route(
            "/projects/{id}/fields",
            get(|| async {
                (
                    [("content-type", "application/json")],
                    include_str!("../../../testdata/probe/github-projects-v2-fields.json"),
                )
            }),
        )
        .route(
            "/tasks/{id}/history",
            get(|| async { axum::Json(json!({"message": "TODO"})) }),
        );
    let base = serve(app).await;
    let contract = contract(vec![
        operation(Method::Get, "/tasks/"),
        operation(Method::Get, "/projects/{id}/fields"),
        operation(Method::Get, "/tasks/{id}/history"),
    ]);
    let probes = [
        valid(0, get_request("/tasks/")),
        valid(1, get_request("/projects/1/fields")),
        valid(2, get_request("/tasks/12/history")),
    ];

    let findings = check(&base, &contract, &probes, false).await;

    let rules: Vec<&str> = findings.iter().map(|f| f.rule.id()).collect();
    assert_eq!(rules, ["served-2xx", "served-2xx", "stub-2xx"]);
}

#[tokio::test]
async fn invalid_probe_rejected_with_422_is_validation_rejected() {
    let findings = check_pet_store(&[invalid(1, malformed_json(Method::Post, "/pets"))]).await;

    assert_eq!(findings[0].verdict, Verdict::Implemented);
    assert_eq!(findings[0].rule, "validation-rejected");
    assert_eq!(
        findings[0].evidence,
        "route deployed: the deliberately invalid request to POST /pets (malformed JSON body) was rejected with 422 Unprocessable Entity; the handler itself was not reached in safe mode; run --mode live to reach it"
    );
}

/// `express.json()`'s answer to `body`, where it refuses it.
fn refused_by_body_parser(body: &str) -> Option<(StatusCode, &'static str)> {
    malformed(body).then_some((
        StatusCode::BAD_REQUEST,
        "SyntaxError: Unexpected end of JSON input",
    ))
}

/// Unknown paths answer like Express's final handler, which names the method
/// and the path; bodies are parsed (and malformed ones refused) before routing.
fn express_like() -> Router {
    Router::new()
        .route("/pets", get(|| async { axum::Json(json!([])) }))
        .fallback(
            |method: axum::http::Method, uri: Uri, body: String| async move {
                if let Some(refused) = refused_by_body_parser(&body) {
                    return refused.into_response();
                }
                express_cannot(method, uri).await
            },
        )
}

#[tokio::test]
async fn express_style_no_route_page_matches_for_every_path_and_method() {
    let base = serve(express_like()).await;
    let contract = contract(vec![
        operation(Method::Get, "/reports/{id}"),
        operation(Method::Delete, "/reports/{id}"),
        operation(Method::Get, "/pets"),
    ]);
    let probes = [
        valid(0, get_request("/reports/7")),
        sentinel(1, "id", request(Method::Delete, "/reports/rollcall-0000")),
        valid(2, get_request("/pets")),
    ];

    let findings = check(&base, &contract, &probes, false).await;

    let verdicts: Vec<Verdict> = findings.iter().map(|f| f.verdict).collect();
    assert_eq!(
        verdicts,
        [
            Verdict::MissingRoute,
            Verdict::MissingRoute,
            Verdict::Implemented
        ]
    );
}

#[tokio::test]
async fn invalid_body_refused_before_routing_does_not_prove_the_route() {
    let base = serve(express_like()).await;
    let contract = contract(vec![operation_with_body(Method::Post, "/orders")]);

    let findings = check(
        &base,
        &contract,
        &[invalid(0, malformed_json(Method::Post, "/orders"))],
        false,
    )
    .await;

    assert_decided(&findings[0], Verdict::Unverified, "rejected-before-routing");
    assert_contains(&findings[0].evidence, "gets 400 too");
}

/// A probe whose malformed body comes first, then `fallbacks`.
fn chained(
    operation: usize,
    first: PlannedRequest,
    fallbacks: Vec<(&str, PlannedRequest)>,
) -> PlannedProbe {
    PlannedProbe {
        fallbacks: fallbacks
            .into_iter()
            .map(|(violation, request)| crate::plan::Fallback {
                intent: Intent::Invalid {
                    violation: violation.into(),
                },
                request,
            })
            .collect(),
        ..invalid(operation, first)
    }
}

/// After a malformed body refused before routing, the follow-ups go down the
/// plan's list: past a request that gets no answer, to one that does.
#[tokio::test]
async fn safe_mode_goes_down_its_list_past_a_request_that_gets_no_answer() {
    let app = express_like().route(
        "/jobs",
        axum::routing::post(|uri: Uri, body: String| async move {
            // express.json() runs before every route.
            if let Some(refused) = refused_by_body_parser(&body) {
                return refused;
            }
            if uri.query() == Some("hang=1") {
                std::future::pending::<()>().await;
            }
            (StatusCode::NOT_IMPLEMENTED, "not yet")
        }),
    );
    let base = serve(app).await;
    let contract = contract(vec![operation_with_body(Method::Post, "/jobs")]);
    let mut valid_body = request(Method::Post, "/jobs?count=not-an-integer");
    valid_body.body = Some(crate::plan::Body {
        content_type: "application/json".into(),
        bytes: br#"{"name":"x"}"#.to_vec(),
    });
    let probe = chained(
        0,
        malformed_json(Method::Post, "/jobs"),
        vec![
            (
                "required request body omitted",
                request(Method::Post, "/jobs?hang=1"),
            ),
            ("query parameter 'count' is not an integer", valid_body),
        ],
    );
    let prober = prober_with(&base, options_with_timeout(Duration::from_millis(500)));

    let findings = check_on(&prober, &contract, &[probe], false, &Settings::default()).await;

    let finding = &findings[0];
    assert_decided(finding, Verdict::NotImplemented, "handler-501");
    for part in [
        "bodies are checked before routing",
        "the next harmless request, POST /jobs, got no response",
        "then the next harmless request: POST /jobs answered 501",
    ] {
        assert_contains(&finding.evidence, part);
    }
}

/// The next harmless request accepted with a 2xx is no pass either.
#[tokio::test]
async fn a_next_harmless_request_accepted_is_accepts_invalid() {
    let app = express_like().route(
        "/drafts",
        axum::routing::post(|body: String| async move {
            if let Some(refused) = refused_by_body_parser(&body) {
                return refused;
            }
            (StatusCode::CREATED, "saved")
        }),
    );
    let base = serve(app).await;
    let contract = contract(vec![operation_with_body(Method::Post, "/drafts")]);
    let probe = chained(
        0,
        malformed_json(Method::Post, "/drafts"),
        vec![(
            "required request body omitted",
            request(Method::Post, "/drafts"),
        )],
    );

    let findings = check(&base, &contract, &[probe], false).await;

    assert_decided(&findings[0], Verdict::AcceptsInvalid, "invalid-accepted");
    assert_contains(
        &findings[0].evidence,
        "then the next harmless request: POST /drafts answered 201 Created to a request its contract forbids (required request body omitted)",
    );
}

#[tokio::test]
async fn spa_catch_all_answering_200_is_a_missing_route() {
    let app = Router::new()
        .route("/api/pets", get(|| async { axum::Json(json!([])) }))
        .fallback(|| async {
            (
                [("content-type", "text/html")],
                "<!doctype html><div id=app></div>",
            )
        });
    let base = serve(app).await;
    let contract = contract(vec![
        operation(Method::Get, "/api/pets"),
        operation(Method::Get, "/api/orders"),
    ]);
    let probes = [
        valid(0, get_request("/api/pets")),
        valid(1, get_request("/api/orders")),
    ];

    let findings = check(&base, &contract, &probes, false).await;

    assert_eq!(findings[0].rule, "served-2xx");
    assert_decided(&findings[1], Verdict::MissingRoute, "catch-all-2xx");
}

#[tokio::test]
async fn unreachable_target_is_unreachable_with_the_error_kind() {
    let closed = closed_port_url().await;
    let contract = contract(vec![operation(Method::Get, "/pets")]);

    let findings = check(&closed, &contract, &[valid(0, get_request("/pets"))], false).await;

    assert_decided(&findings[0], Verdict::Unreachable, "transport-failed");
    assert_starts_with(
        &findings[0].evidence,
        "GET /pets got no response: connection failed: ",
    );
}

// Follow-ups: frameworks whose first answer does not tell, imitated by
// in-process servers (the real frameworks are in tests/interop.rs).

/// An operation with an integer path parameter `id` (example 42).
fn op_with_id(method: Method, path: &str) -> Operation {
    let id = crate::contract::testing::parameter(
        "id",
        crate::contract::ParamLocation::Path,
        true,
        json!({"type": "integer"}),
    );
    operation(method, path).with_parameters(vec![crate::contract::Parameter {
        example: Some(json!(42).into()),
        ..id
    }])
}

/// Every request a server received, as `METHOD /path`, in arrival order.
#[derive(Clone, Default)]
struct Log(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl Log {
    /// Every logged request, in arrival order (even where a handler
    /// panicked while holding the log).
    fn all(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn layer(&self, app: Router) -> Router {
        let log = self.clone();
        app.layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let log = log.clone();
                async move {
                    log.0
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(format!("{} {}", request.method(), request.uri().path()));
                    next.run(request).await
                }
            },
        ))
    }

    /// The logged requests whose path starts with `prefix`, discovery's
    /// own paths left out.
    fn under(&self, prefix: &str) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|line| {
                line.split(' ')
                    .nth(1)
                    .is_some_and(|p| p.starts_with(prefix))
                    && !line.contains("rollcall-404-")
            })
            .cloned()
            .collect()
    }
}

async fn fastapi_not_found() -> axum::response::Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"detail": "Not Found"})),
    )
        .into_response()
}

/// Like FastAPI: unknown paths answer `404 {"detail":"Not Found"}`, and so
/// do handlers that raise `HTTPException(404)` for an unknown id; a wrong
/// method on a known path gets 405 with `Allow`.
fn fastapi_like() -> Router {
    Router::new()
        .route(
            "/health",
            get(|| async { axum::Json(json!({"status": "ok"})) }),
        )
        .route(
            "/items/{id}",
            get(fastapi_not_found).delete(fastapi_not_found),
        )
        .fallback(fastapi_not_found)
}

#[tokio::test]
async fn handler_404_identical_to_the_no_route_404_is_implemented_when_options_lists_the_method() {
    let base = serve(fastapi_like()).await;
    let contract = contract(vec![
        operation(Method::Get, "/health"),
        op_with_id(Method::Get, "/items/{id}"),
        op_with_id(Method::Delete, "/items/{id}"),
        operation(Method::Get, "/orders/{id}"),
    ]);
    let probes = [
        valid(0, get_request("/health")),
        valid(1, get_request("/items/42")),
        sentinel(2, "id", request(Method::Delete, "/items/2147481234")),
        valid(3, get_request("/orders/42")),
    ];

    let findings = check(&base, &contract, &probes, false).await;

    assert_eq!(
        decided(&findings),
        [
            (Verdict::Implemented, "served-2xx"),
            (Verdict::Implemented, "allowed-404"),
            (Verdict::Implemented, "allowed-404"),
            (Verdict::MissingRoute, "no-route-404"),
        ]
    );
    assert_starts_with(
        &findings[1].evidence,
        "GET /items/42 answered 404 Not Found, and the 404 matches this target's no-route response",
    );
    assert_ends_with(
        &findings[1].evidence,
        "but OPTIONS /items/42 answered 405 Method Not Allowed with Allow: GET, HEAD, DELETE, which lists GET: the handler exists, the resource does not",
    );
    assert_contains(
        &findings[3].evidence,
        "OPTIONS /orders/42 answered 404 Not Found, the no-route response too",
    );
}

/// Starlette's 405 when several routes share a path: `Allow` names only the
/// first route's methods (here PUT).
async fn starlette_partial_allow_405() -> axum::response::Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [("allow", "PUT")],
        "Method Not Allowed",
    )
        .into_response()
}

/// The operations of [`starlette_partial_allow`].
fn things() -> Contract {
    contract(vec![
        operation(Method::Get, "/health"),
        op_with_id(Method::Get, "/things/{id}"),
        op_with_id(Method::Delete, "/things/{id}"),
    ])
}

/// Like Starlette when several routes share a path: `Allow` on a 405 names
/// only the first route's methods (here PUT), so it proves nothing missing;
/// unknown paths get the 404 for every method, `OPTIONS` included; an id
/// that is not an integer is refused by validation before the handler.
fn starlette_partial_allow() -> Router {
    async fn by_id(axum::extract::Path(_id): axum::extract::Path<u64>) -> axum::response::Response {
        fastapi_not_found().await
    }
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route(
            "/things/{id}",
            get(by_id)
                .delete(by_id)
                .options(starlette_partial_allow_405),
        )
        .fallback(fastapi_not_found)
}

#[tokio::test]
async fn options_405_on_the_path_shows_that_a_no_route_404_came_from_the_handler() {
    let log = Log::default();
    let base = serve(log.layer(starlette_partial_allow())).await;
    let contract = things();
    let probes = [
        valid(0, get_request("/health")),
        valid(1, get_request("/things/42")),
        valid(2, request(Method::Delete, "/things/42")),
    ];

    let findings = check(&base, &contract, &probes, false).await;

    for finding in &findings[1..] {
        assert_decided(finding, Verdict::Implemented, "routed-404");
    }
    assert_eq!(
        Rule::from_id("routed-404").map(|r| r.proof()),
        Some(rules::Proof::Handler)
    );
    let evidence = &findings[2].evidence;
    assert_starts_with(
        evidence,
        "DELETE /things/42 answered 404 Not Found, and the 404 matches this target's no-route response",
    );
    assert_contains(
        evidence,
        "but OPTIONS /things/42 answered 405 Method Not Allowed with Allow: PUT, while a path that cannot exist gets a 404 there (OPTIONS /rollcall-404-",
    );
    assert_ends_with(
        evidence,
        "a route matches the path, and this router answers a method it does not route with 405, not 404; so DELETE was routed, and its handler answered the 404: the handler exists, the resource does not",
    );
    // The 405 settles it: one OPTIONS per operation, no second value.
    let mut seen = log.under("/things/");
    seen.sort();
    assert_eq!(
        seen,
        [
            "DELETE /things/42",
            "GET /things/42",
            "OPTIONS /things/42",
            "OPTIONS /things/42"
        ]
    );
}

/// [`starlette_partial_allow`] behind a gateway that answers `OPTIONS` on
/// every path itself, with the same 405.
fn starlette_behind_options_gateway() -> Router {
    starlette_partial_allow().layer(axum::middleware::from_fn(
        |request: axum::extract::Request, next: axum::middleware::Next| async move {
            if request.method() == axum::http::Method::OPTIONS {
                return starlette_partial_allow_405().await;
            }
            next.run(request).await
        },
    ))
}

#[tokio::test]
async fn a_405_every_path_gets_proves_nothing_and_a_second_invalid_value_settles_it() {
    let log = Log::default();
    let base = serve(log.layer(starlette_behind_options_gateway())).await;
    let contract = things();
    let probes = [
        valid(0, get_request("/health")),
        valid(1, get_request("/things/42")),
        sentinel(2, "id", request(Method::Delete, "/things/2147481234")),
    ];

    let findings = check(&base, &contract, &probes, false).await;

    for finding in &findings[1..] {
        assert_decided(finding, Verdict::Implemented, "validation-rejected");
    }
    assert_contains(
        &findings[1].evidence,
        "OPTIONS /things/42 answered 405 Method Not Allowed with Allow: PUT, which does not settle it (the Allow of a 405 may name only one of several routes",
    );
    assert_contains(
        &findings[1].evidence,
        "a second value settles it: route deployed: the deliberately invalid request to GET /things/not-an-integer (path parameter 'id' is not an integer) was rejected with 400 Bad Request",
    );
    // Two follow-ups each at most, and only safe ones: OPTIONS, and for the
    // DELETE an id that cannot exist.
    let mut seen = log.under("/things/");
    seen.sort();
    assert_eq!(
        seen,
        [
            "DELETE /things/2147481234",
            "DELETE /things/not-an-integer",
            "GET /things/42",
            "GET /things/not-an-integer",
            "OPTIONS /things/2147481234",
            "OPTIONS /things/42",
        ]
    );
}

async fn express_cannot(method: axum::http::Method, uri: Uri) -> axum::response::Response {
    let page = EXPRESS_404
        .replace("{method}", method.as_str())
        .replace("{path}", uri.path());
    (
        StatusCode::NOT_FOUND,
        [("content-type", "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

/// Express's own `OPTIONS` answer: 200, `Allow` listing the path's methods.
fn express_options(allow: &'static str) -> axum::routing::MethodRouter {
    axum::routing::options(move || async move { ([("allow", allow)], allow) })
}

/// Like Express: a missing route and a missing method both get the
/// `Cannot METHOD /path` page; `OPTIONS` on a known path lists its methods.
fn express_app() -> Router {
    Router::new()
        .route(
            "/pets",
            express_options("GET,HEAD")
                .get(|| async { axum::Json(json!([])) })
                .fallback(express_cannot),
        )
        .route(
            "/pets/{id}",
            express_options("GET,HEAD")
                .get(|| async { axum::Json(json!({"id": 1})) })
                .fallback(express_cannot),
        )
        .route(
            "/notes/{name}",
            express_options("GET,HEAD,PUT")
                .get(|| async { "a note" })
                .put(|| async { StatusCode::NO_CONTENT })
                .fallback(express_cannot),
        )
        .route(
            "/tags/{name}",
            express_options("GET,HEAD")
                .get(|| async { "a tag" })
                .fallback(express_cannot),
        )
        .fallback(express_cannot)
}

#[tokio::test]
async fn express_missing_method_and_missing_route_are_told_apart_by_options() {
    let base = serve(express_app()).await;
    let contract = contract(vec![
        operation(Method::Get, "/pets"),
        op_with_id(Method::Patch, "/pets/{id}"),
        op_with_id(Method::Get, "/orders/{id}"),
    ]);
    let probes = [
        valid(0, get_request("/pets")),
        valid(1, request(Method::Patch, "/pets/1")),
        valid(2, get_request("/orders/42")),
    ];

    let findings = check(&base, &contract, &probes, false).await;

    assert_eq!(
        decided(&findings),
        [
            (Verdict::Implemented, "served-2xx"),
            (Verdict::MissingMethod, "options-lacks-method"),
            (Verdict::MissingRoute, "no-route-404"),
        ]
    );
    assert_ends_with(
        &findings[1].evidence,
        "; OPTIONS /pets/1 answered 200 OK with Allow: GET, HEAD, which lists other methods but not PATCH: the path is routed, PATCH is not",
    );
}

#[tokio::test]
async fn safe_mode_settles_unverifiable_operations_with_options_and_sends_them_nothing_else() {
    let log = Log::default();
    let base = serve(log.layer(express_app())).await;
    let contract = contract(vec![
        operation(Method::Get, "/pets"),
        operation(Method::Put, "/notes/{name}"),
        operation(Method::Put, "/tags/{name}"),
        operation(Method::Put, "/labels/{name}"),
    ]);
    let probes = [
        valid(0, get_request("/pets")),
        unverifiable(1),
        unverifiable(2),
        unverifiable(3),
    ];

    let findings = check(&base, &contract, &probes, false).await;

    assert_eq!(
        decided(&findings),
        [
            (Verdict::Implemented, "served-2xx"),
            (Verdict::Implemented, "options-allow"),
            (Verdict::MissingMethod, "options-lacks-method"),
            (Verdict::MissingRoute, "options-no-route"),
        ]
    );
    assert_eq!(Some(findings[1].rule.proof()), Some(rules::Proof::Route));
    assert_starts_with(
        &findings[1].evidence,
        "route deployed: OPTIONS /notes/rollcall answered 200 OK with Allow: GET, HEAD, PUT, which lists PUT; the handler was not reached in safe mode",
    );
    let sent = log.all();
    assert!(
        sent.iter()
            .all(|line| !line.starts_with("PUT ") || line.contains("rollcall-404-")),
        "safe mode sent a PUT to a path that may exist: {sent:?}"
    );
}

/// Like Rails: no `OPTIONS` is routed, so every `OPTIONS` gets the no-route page.
fn routes_no_options() -> Router {
    Router::new()
        .route(
            "/pets",
            get(|| async { axum::Json(json!([])) }).fallback(express_cannot),
        )
        .fallback(express_cannot)
}

#[tokio::test]
async fn options_answered_with_the_no_route_page_proves_nothing_where_no_options_is_routed() {
    let base = serve(routes_no_options()).await;
    let contract = contract(vec![
        operation(Method::Get, "/pets"),
        operation(Method::Put, "/labels/{name}"),
    ]);
    let probes = [valid(0, get_request("/pets")), unverifiable(1)];

    let findings = check(&base, &contract, &probes, false).await;

    assert_decided(
        &findings[1],
        Verdict::Unverified,
        "safe-mode-no-harmless-probe",
    );
    assert_contains(
        &findings[1].evidence,
        "this target answers OPTIONS, and any method a path does not route, with its no-route 404",
    );
}

/// A proxy in front of the app that refuses PATCH on every path with
/// `status`; behind it, a handler left as a 501 stub.
fn behind_proxy_refusing_patch(status: StatusCode) -> Router {
    let app = Router::new()
        .route(
            "/pets/{id}",
            get(|| async { "a pet" }).patch(|| async { "patched" }),
        )
        .route(
            "/vaccinations",
            get(|| async {
                (
                    StatusCode::NOT_IMPLEMENTED,
                    axum::Json(json!({"error": "not available in this build"})),
                )
            }),
        );
    app.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| async move {
            if request.method() == axum::http::Method::PATCH {
                let page = format!("<html><body><h1>{status}</h1><hr>nginx</body></html>");
                return (status, [("content-type", "text/html")], page).into_response();
            }
            next.run(request).await
        },
    ))
}

#[tokio::test]
async fn method_refused_on_every_path_is_told_from_a_handler_stub() {
    for status in [StatusCode::NOT_IMPLEMENTED, StatusCode::METHOD_NOT_ALLOWED] {
        let base = serve(behind_proxy_refusing_patch(status)).await;
        let contract = contract(vec![
            op_with_id(Method::Patch, "/pets/{id}"),
            operation(Method::Get, "/vaccinations"),
        ]);
        let probes = [
            valid(0, request(Method::Patch, "/pets/1")),
            valid(1, get_request("/vaccinations")),
        ];

        let findings = check(&base, &contract, &probes, false).await;

        assert_eq!(
            (findings[0].verdict, findings[0].rule.id()),
            (Verdict::NotImplemented, "method-refused"),
            "{status}: {}",
            findings[0].evidence
        );
        assert_contains(
            &findings[0].evidence,
            "the server or a proxy in front of it does not implement PATCH; the handler was never reached",
        );
        assert_decided(&findings[1], Verdict::NotImplemented, "handler-501");
    }
}

#[tokio::test]
async fn auth_gate_over_part_of_the_api_keeps_401_inconclusive() {
    /// A gate in front of the router, over everything under /api/admin.
    async fn guard_admin(
        request: axum::extract::Request,
        next: axum::middleware::Next,
    ) -> axum::response::Response {
        if request.uri().path().starts_with("/api/admin/") {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        next.run(request).await
    }
    let app = Router::new()
        .route("/api/health", get(|| async { "ok" }))
        .route("/api/admin/stats", get(|| async { "stats" }))
        .layer(axum::middleware::from_fn(guard_admin));
    let base = serve(app).await;
    let contract = contract(vec![
        operation(Method::Get, "/api/health"),
        operation(Method::Get, "/api/admin/stats"),
    ]);
    let probes = [
        valid(0, get_request("/api/health")),
        valid(1, get_request("/api/admin/stats")),
    ];

    let findings = check(&base, &contract, &probes, false).await;

    assert_decided(&findings[1], Verdict::AuthRequired, "auth-401");
    assert_contains(
        &findings[1].evidence,
        "a path below it that cannot exist, gets 401 too: a gate guards this part of the API",
    );
}

mod frameworks;

/// Fastify's one 404 for an unknown path and for a wrong method alike
/// (`Route PATCH:/tickets/7 not found`); `reply.callNotFound()` answers it
/// for a ticket the handler does not hold.
async fn fastify_not_found(method: axum::http::Method, uri: Uri) -> axum::response::Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({
            "message": format!("Route {method}:{} not found", uri.path()),
            "error": "Not Found",
            "statusCode": 404
        })),
    )
        .into_response()
}

/// `app` behind a body parser that reads every request's body before
/// routing and answers with `refuse`'s response the bodies it does not take.
fn behind_body_parser(
    app: Router,
    refuse: fn(&[u8]) -> Option<axum::response::Response>,
) -> Router {
    app.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| async move {
            let (parts, body) = request.into_parts();
            let bytes = axum::body::to_bytes(body, 1 << 20)
                .await
                .unwrap_or_default();
            if let Some(refused) = refuse(&bytes) {
                return refused;
            }
            let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
            next.run(request).await
        },
    ))
}

/// Like Fastify: no `OPTIONS` routed, a wrong method gets the no-route 404,
/// and a malformed JSON body is refused with 400 on any path. Ticket 7
/// exists; `PUT` checks its body before looking the ticket up.
fn fastify_like() -> Router {
    let app = Router::new()
        .route(
            "/health",
            get(|| async { axum::Json(json!({"status": "ok"})) }).fallback(fastify_not_found),
        )
        .route(
            "/tickets/{id}",
            get(
                |axum::extract::Path(id): axum::extract::Path<String>,
                 method: axum::http::Method,
                 uri: Uri| async move {
                    if id == "7" {
                        axum::Json(json!({"id": 7, "status": "todo"})).into_response()
                    } else {
                        fastify_not_found(method, uri).await
                    }
                },
            )
            .put(|| async {
                (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({"message": "body must be object"})),
                )
            })
            .fallback(fastify_not_found),
        )
        .fallback(fastify_not_found);
    behind_body_parser(app, |body| {
        malformed(&String::from_utf8_lossy(body)).then(|| {
            (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({
                    "statusCode": 400,
                    "code": "FST_ERR_CTP_INVALID_JSON_BODY",
                    "error": "Bad Request",
                    "message": "Body is not valid JSON"
                })),
            )
                .into_response()
        })
    })
}

/// Fastify answers `PATCH /tickets/7` with its no-route 404, and `OPTIONS`
/// too, but `GET /tickets/7` answered 200 in the same run, and `OPTIONS`
/// on `/health` (served) gets the no-route 404 as well: this target
/// answers a method a routed path does not serve with its no-route 404,
/// so the path is served and PATCH is not. Where nothing got a 2xx on the
/// very path (a 400, another ticket, another path), it stays no-route.
#[tokio::test]
async fn a_no_route_404_on_a_path_another_method_was_served_on_is_a_missing_method() {
    let base = serve(fastify_like()).await;
    let contract = contract(vec![
        operation(Method::Get, "/health"),
        op_with_id(Method::Get, "/tickets/{ticketId}"),
        op_with_id(Method::Patch, "/tickets/{id}"),
        op_with_id(Method::Get, "/reports/{id}"),
        op_with_id(Method::Put, "/tickets/{ticketId}"),
        op_with_id(Method::Get, "/tickets/{ticketId}"),
        operation_with_body(Method::Patch, "/tickets/{ticketId}"),
    ]);
    let probes = [
        valid(0, get_request("/health")),
        valid(1, get_request("/tickets/7")),
        valid(2, request(Method::Patch, "/tickets/7")),
        valid(3, get_request("/reports/7")),
        valid(4, request(Method::Put, "/tickets/9")),
        // callNotFound() for a ticket the handler does not hold, while the
        // only other answer on /tickets/9 is PUT's 400: not a 2xx.
        valid(5, get_request("/tickets/9")),
        // Safe mode: the malformed body refused before routing, then the
        // body left out reaches the router.
        chained(
            6,
            malformed_json(Method::Patch, "/tickets/7"),
            vec![(
                "required request body omitted",
                request(Method::Patch, "/tickets/7"),
            )],
        ),
    ];

    let findings = check(&base, &contract, &probes, false).await;

    assert_eq!(
        decided(&findings),
        [
            (Verdict::Implemented, "served-2xx"),
            (Verdict::Implemented, "served-2xx"),
            (Verdict::MissingMethod, "unrouted-method-404"),
            (Verdict::MissingRoute, "no-route-404"),
            (Verdict::Implemented, "handler-4xx"),
            (Verdict::MissingRoute, "no-route-404"),
            (Verdict::MissingMethod, "unrouted-method-404"),
        ]
    );
    for at in [2, 6] {
        assert_ends_with(
            &findings[at].evidence,
            "this target answers a method a routed path does not serve with its no-route 404; and GET /tickets/7 answered 200 OK in this run: the path is served, PATCH is not",
        );
    }
    assert_contains(
        &findings[2].evidence,
        "OPTIONS /tickets/7 answered 404 Not Found",
    );
}

/// The same answers on a router that answers a wrong method with 405
/// (axum, like Starlette): there the 405 rules decide, never this one.
#[tokio::test]
async fn a_405_router_never_gets_the_served_path_rule() {
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route(
            "/tickets/{id}",
            get(|| async { axum::Json(json!({"id": 7})) })
                .delete(|| async { StatusCode::NOT_FOUND }),
        );
    let base = serve(app).await;
    let contract = contract(vec![
        op_with_id(Method::Get, "/tickets/{id}"),
        op_with_id(Method::Delete, "/tickets/{id}"),
        op_with_id(Method::Patch, "/tickets/{id}"),
    ]);
    let probes = [
        valid(0, get_request("/tickets/7")),
        valid(1, request(Method::Delete, "/tickets/7")),
        valid(2, request(Method::Patch, "/tickets/7")),
    ];

    let findings = check(&base, &contract, &probes, false).await;

    assert_eq!(
        decided(&findings),
        [
            (Verdict::Implemented, "served-2xx"),
            // axum's OPTIONS answers 405 with an Allow naming DELETE.
            (Verdict::Implemented, "allowed-404"),
            (Verdict::MissingMethod, "method-405"),
        ]
    );
}

/// Express's body parser in strict mode refuses a top-level JSON string
/// with the same 400 as a malformed body, on any path, before routing.
fn express_strict() -> Router {
    let notes = axum::routing::post(|body: String| async move {
        if body.is_empty() {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"error": "text is required"})),
            )
                .into_response();
        }
        StatusCode::CREATED.into_response()
    });
    let app = Router::new()
        .route(
            "/labels",
            express_options("GET,HEAD")
                .get(|| async { axum::Json(json!([])) })
                .fallback(express_cannot),
        )
        .route(
            "/notes",
            express_options("POST")
                .merge(notes)
                .fallback(express_cannot),
        )
        .fallback(express_cannot);
    behind_body_parser(app, |body| {
        let strict = serde_json::from_slice::<serde_json::Value>(body)
            .is_ok_and(|v| v.is_object() || v.is_array());
        (!body.is_empty() && !strict).then(|| {
            (
                StatusCode::BAD_REQUEST,
                [("content-type", "text/html; charset=utf-8")],
                "<pre>Bad Request</pre>",
            )
                .into_response()
        })
    })
}

/// Live mode's valid body, a top-level JSON string, refused exactly as a
/// malformed body to a path that cannot exist: that 400 says nothing about
/// the route (it was `handler-4xx`); the same request without its body
/// reaches the router, and its answer decides.
#[tokio::test]
async fn a_valid_body_refused_like_a_malformed_one_proves_nothing_and_the_bodiless_request_decides()
{
    let log = Log::default();
    let base = serve(log.layer(express_strict())).await;
    let contract = contract(vec![
        operation(Method::Get, "/labels"),
        operation_with_body(Method::Post, "/labels"),
        operation_with_body(Method::Post, "/notes"),
        operation_with_body(Method::Post, "/orders"),
    ]);
    let probes = [
        valid(0, get_request("/labels")),
        valid(1, string_body(Method::Post, "/labels")),
        valid(2, string_body(Method::Post, "/notes")),
        valid(3, string_body(Method::Post, "/orders")),
    ];

    let findings = check(&base, &contract, &probes, false).await;

    assert_eq!(
        decided(&findings),
        [
            (Verdict::Implemented, "served-2xx"),
            (Verdict::MissingMethod, "options-lacks-method"),
            (Verdict::Implemented, "handler-4xx"),
            (Verdict::MissingRoute, "no-route-404"),
        ]
    );
    assert_starts_with(
        &findings[1].evidence,
        "POST /labels answered 400 Bad Request, exactly what a malformed JSON body to a path that cannot exist gets (POST /rollcall-404-",
    );
    assert_contains(
        &findings[1].evidence,
        "; then the same request without its body: POST /labels answered 404 Not Found",
    );
    let sent = log.all();
    assert!(
        sent.iter().any(|line| line == "POST /labels"),
        "the request without its body was sent: {sent:?}"
    );
}

mod object_store;
