//! Safe mode against in-process servers that behave like real stacks: the
//! real `rollcall` binary, asserting verdicts, the requests each server
//! received (what safe mode must never send) and the state changes it made.
//!
//! - An Express-style app whose JSON parser refuses a malformed body before
//!   routing: safe mode goes down its list of harmless requests (the
//!   required body left out) and finds the 501 placeholder, the missing
//!   method and the missing route, changing nothing.
//! - The same app never answering a malformed body: discovery says so, and
//!   no operation waits for one.
//! - Writes that accept an empty body, and GitHub's `workflow_id`: nothing
//!   but `OPTIONS` is sent to them.
//! - A Flask-style app with typed path parameters, where safe mode's invalid
//!   path value matches no route: `OPTIONS` on the valid path decides.
//! - A handler that accepts anything: the run fails, loudly.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rollcall::report::RunReport;
use serde_json::Value;

use crate::support::{read_report, repo, result_of, rollcall, verdict_of};

/// What a test server saw: every request (`METHOD /path`, with
/// ` +malformed` when its body was not JSON) and its real state changes.
#[derive(Default)]
struct Seen {
    requests: Mutex<Vec<String>>,
    changes: AtomicUsize,
}

impl Seen {
    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    fn changes(&self) -> usize {
        self.changes.load(Ordering::SeqCst)
    }

    fn count(&self, wanted: impl Fn(&str) -> bool) -> usize {
        self.requests().iter().filter(|r| wanted(r)).count()
    }
}

async fn serve(app: Router) -> String {
    crate::support::serve::serve(app).await.url()
}

fn malformed(body: &[u8]) -> bool {
    !body.is_empty() && serde_json::from_slice::<Value>(body).is_err()
}

/// Express's final handler: the no-route page for any unknown path or method.
fn express_404(method: &Method, uri: &Uri) -> Response {
    (
        StatusCode::NOT_FOUND,
        [("content-type", "text/html; charset=utf-8")],
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot {method} {}</pre>\n</body>\n</html>\n",
            uri.path()
        ),
    )
        .into_response()
}

/// How the helpdesk app treats a malformed JSON body.
#[derive(Clone, Copy, PartialEq)]
enum MalformedBody {
    /// `express.json()` in front of the router: 400 on any path.
    RefusedBeforeRouting,
    /// Never answered (a mock server's error handler that waits for an event
    /// that has already fired).
    NeverAnswered,
}

/// The Express-style helpdesk of `testdata/safe/helpdesk.yaml`: the routes
/// it registers answer `OPTIONS` with their methods (as Express does),
/// everything else gets Express's no-route page.
fn helpdesk(seen: Arc<Seen>, parser: MalformedBody) -> Router {
    Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let seen = Arc::clone(&seen);
            async move {
                let bad = malformed(&body);
                seen.requests.lock().unwrap().push(format!(
                    "{method} {}{}",
                    uri.path(),
                    if bad { " +malformed" } else { "" }
                ));
                let json = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("json"));
                if bad && json {
                    match parser {
                        MalformedBody::RefusedBeforeRouting => {
                            return (
                                StatusCode::BAD_REQUEST,
                                "SyntaxError: Unexpected end of JSON input",
                            )
                                .into_response();
                        }
                        MalformedBody::NeverAnswered => {
                            std::future::pending::<()>().await;
                        }
                    }
                }
                let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let segments: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
                let allowed: &[&str] = match segments.as_slice() {
                    ["tickets"] => &["POST"],
                    ["tickets", id] if *id == "7" => &["GET", "HEAD"],
                    ["tickets", _, "comments"] => &["POST"],
                    _ => &[],
                };
                if method == Method::OPTIONS && !allowed.is_empty() {
                    let list = allowed.join(",");
                    return (StatusCode::OK, [("allow", list.clone())], list).into_response();
                }
                if !allowed.contains(&method.as_str()) {
                    return express_404(&method, &uri);
                }
                match segments.as_slice() {
                    ["tickets"] => {
                        if parsed["title"].as_str().is_none_or(str::is_empty) {
                            return (
                                StatusCode::BAD_REQUEST,
                                axum::Json(serde_json::json!({"error": "title is required"})),
                            )
                                .into_response();
                        }
                        seen.changes.fetch_add(1, Ordering::SeqCst);
                        (StatusCode::CREATED, axum::Json(parsed)).into_response()
                    }
                    ["tickets", _] => {
                        axum::Json(serde_json::json!({"id": 7, "title": "Printer on fire"}))
                            .into_response()
                    }
                    _ => {
                        (StatusCode::NOT_IMPLEMENTED, "comments are coming in 2.1").into_response()
                    }
                }
            }
        },
    )
}

async fn check(spec: &str, url: &str, extra: &[&str]) -> (i32, RunReport, String) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let junit = dir.path().join("report.xml");
    let mut args = vec![
        "check".to_string(),
        repo(spec).display().to_string(),
        "--target".into(),
        url.to_string(),
        "--json".into(),
        json.display().to_string(),
        "--junit".into(),
        junit.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let run = rollcall(args, vec![]).await;
    assert!(
        json.exists(),
        "no JSON report (exit {}):\n{}",
        run.code,
        run.all_output()
    );
    let xml = std::fs::read_to_string(&junit).unwrap_or_default();
    (
        run.code,
        read_report(&json),
        format!("{xml}\n{}", run.all_output()),
    )
}

fn evidence(report: &RunReport, label: &str) -> String {
    result_of(report, label).evidence.clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_parser_in_front_of_the_router_sends_safe_mode_down_its_list() {
    let seen = Arc::new(Seen::default());
    let url = serve(helpdesk(
        Arc::clone(&seen),
        MalformedBody::RefusedBeforeRouting,
    ))
    .await;

    let (code, report, output) = check("testdata/safe/helpdesk.yaml", &url, &[]).await;

    assert_eq!(code, 1, "{output}");
    let verdicts: Vec<(&str, &str, &str)> = [
        "POST /tickets",
        "GET /tickets/{ticketId}",
        "PUT /tickets/{ticketId}",
        "POST /tickets/{ticketId}/comments",
        "POST /orders",
    ]
    .into_iter()
    .map(|label| {
        let result = result_of(&report, label);
        (label, result.verdict.as_str(), result.rule.as_str())
    })
    .collect();
    assert_eq!(
        verdicts,
        [
            ("POST /tickets", "implemented", "validation-rejected"),
            ("GET /tickets/{ticketId}", "implemented", "served-2xx"),
            (
                "PUT /tickets/{ticketId}",
                "missing_method",
                "options-lacks-method"
            ),
            (
                "POST /tickets/{ticketId}/comments",
                "not_implemented",
                "handler-501"
            ),
            ("POST /orders", "missing_route", "no-route-404"),
        ],
        "{output}"
    );
    let placeholder = evidence(&report, "POST /tickets/{ticketId}/comments");
    assert!(
        placeholder.contains("bodies are checked before routing")
            && placeholder.contains("then the next harmless request: POST /tickets/7/comments answered 501 Not Implemented"),
        "the evidence tells the chain: {placeholder}"
    );
    assert_eq!(seen.changes(), 0, "safe mode changed the helpdesk's data");
    // Each unsafe operation got its malformed body, then the bodiless request.
    for path in ["/tickets", "/tickets/7", "/tickets/7/comments", "/orders"] {
        let method = if path == "/tickets/7" { "PUT" } else { "POST" };
        assert_eq!(
            seen.count(|r| r == format!("{method} {path} +malformed")),
            1,
            "{method} {path}: {:?}",
            seen.requests()
        );
        assert_eq!(
            seen.count(|r| r == format!("{method} {path}")),
            1,
            "{method} {path}: {:?}",
            seen.requests()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_that_never_answers_a_malformed_body_gets_one_and_only_in_discovery() {
    let seen = Arc::new(Seen::default());
    let url = serve(helpdesk(Arc::clone(&seen), MalformedBody::NeverAnswered)).await;

    let (code, report, output) =
        check("testdata/safe/helpdesk.yaml", &url, &["--timeout", "1s"]).await;

    assert_eq!(code, 1, "{output}");
    let notes = report.targets[0].discovery.join("\n");
    assert!(
        notes.contains("malformed bodies get no answer here"),
        "discovery says so: {notes}"
    );
    for operation in &report.operations {
        assert_ne!(
            operation.results[0].verdict.as_str(),
            "unreachable",
            "{operation:?}"
        );
    }
    assert_eq!(verdict_of(&report, "POST /tickets"), "implemented");
    assert_eq!(
        verdict_of(&report, "POST /tickets/{ticketId}/comments"),
        "not_implemented"
    );
    assert_eq!(verdict_of(&report, "POST /orders"), "missing_route");
    assert_eq!(
        verdict_of(&report, "PUT /tickets/{ticketId}"),
        "missing_method"
    );
    assert_eq!(
        seen.count(|r| r.ends_with("+malformed")),
        1,
        "only discovery's malformed body was sent: {:?}",
        seen.requests()
    );
    let sent = result_of(&report, "POST /tickets").request.as_ref();
    assert_eq!(
        sent.and_then(|r| r.body.as_deref()),
        None,
        "the bodiless request was sent instead"
    );
    assert_eq!(seen.changes(), 0);
}

/// `testdata/safe/empty-bodies.yaml`: every write would act on the request
/// safe mode used to send (an empty body, or `not-an-integer` as a workflow
/// name); the routes answer `OPTIONS` with their methods.
fn stores(seen: Arc<Seen>) -> Router {
    Router::new().fallback(move |method: Method, uri: Uri| {
        let seen = Arc::clone(&seen);
        async move {
            seen.requests
                .lock()
                .unwrap()
                .push(format!("{method} {}", uri.path()));
            let segments: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
            let allowed: &[&str] = match segments.as_slice() {
                ["objects", _] => &["GET", "HEAD", "PUT"],
                ["notes", _] => &["PUT"],
                ["jobs", _, "cancel"] => &["POST"],
                ["repos", _, _, "actions", "workflows", _, "disable"] => &["PUT"],
                _ => &[],
            };
            if method == Method::OPTIONS && !allowed.is_empty() {
                return (StatusCode::NO_CONTENT, [("allow", allowed.join(", "))]).into_response();
            }
            if !allowed.contains(&method.as_str()) {
                return (StatusCode::NOT_FOUND, "Not Found").into_response();
            }
            if method == Method::GET {
                return (StatusCode::OK, "%PDF-1.7").into_response();
            }
            // Any body, or none, is a valid write here.
            seen.changes.fetch_add(1, Ordering::SeqCst);
            StatusCode::NO_CONTENT.into_response()
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_an_empty_body_satisfies_get_options_and_nothing_else() {
    let seen = Arc::new(Seen::default());
    let url = serve(stores(Arc::clone(&seen))).await;

    let (code, report, output) = check("testdata/safe/empty-bodies.yaml", &url, &[]).await;

    assert_eq!(code, 0, "{output}");
    for label in [
        "PUT /objects/{key}",
        "PUT /notes/{name}",
        "POST /jobs/{jobId}/cancel",
        "PUT /repos/{owner}/{repo}/actions/workflows/{workflow_id}/disable",
    ] {
        let result = result_of(&report, label);
        assert_eq!(
            (result.verdict.as_str(), result.rule.as_str()),
            ("implemented", "options-allow"),
            "{label}: {result:?}"
        );
    }
    let writes: Vec<String> = seen
        .requests()
        .into_iter()
        .filter(|r| !r.starts_with("GET ") && !r.starts_with("OPTIONS "))
        .filter(|r| !r.contains("rollcall-404-"))
        .collect();
    assert_eq!(writes, Vec::<String>::new(), "safe mode sent writes");
    assert_eq!(seen.changes(), 0);

    // `list` says why each of them gets nothing but OPTIONS.
    let listed = rollcall(
        vec![
            "list".into(),
            repo("testdata/safe/empty-bodies.yaml")
                .display()
                .to_string(),
        ],
        vec![],
    )
    .await;
    listed.assert_code(0);
    for (operation, why) in [
        (
            "PUT /objects/{key}",
            "an empty body is valid for its non-JSON body (application/octet-stream)",
        ),
        (
            "PUT /notes/{name}",
            "an empty body is valid for its non-JSON body (text/plain)",
        ),
        (
            "POST /jobs/{jobId}/cancel",
            "an empty body is valid for its non-JSON body (application/x-www-form-urlencoded)",
        ),
        (
            "PUT /repos/{owner}/{repo}/actions/workflows/{workflow_id}/disable",
            "no body, no parameter with a value its schema surely rejects",
        ),
    ] {
        let line = listed
            .stdout
            .lines()
            .find(|l| l.starts_with(operation))
            .unwrap_or_else(|| panic!("{operation} not listed:\n{}", listed.stdout));
        assert!(
            line.contains("unverifiable: ") && line.contains(why),
            "{line}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_handler_that_accepts_invalid_input_fails_the_run_loudly() {
    let seen = Arc::new(Seen::default());
    let counter = Arc::clone(&seen);
    let app = Router::new().route(
        "/notes",
        axum::routing::post(move || {
            let seen = Arc::clone(&counter);
            async move {
                seen.changes.fetch_add(1, Ordering::SeqCst);
                (
                    StatusCode::CREATED,
                    axum::Json(serde_json::json!({"id": 1})),
                )
            }
        }),
    );
    let url = serve(app).await;

    let (code, report, output) = check("testdata/safe/careless.yaml", &url, &[]).await;

    assert_eq!(
        code, 1,
        "a handler that accepts invalid input fails the run\n{output}"
    );
    let result = result_of(&report, "POST /notes");
    assert_eq!(result.verdict.as_str(), "accepts_invalid", "{result:?}");
    assert_eq!(result.rule, "invalid-accepted");
    let evidence = &result.evidence;
    assert!(
        evidence.contains("accepts invalid input") && evidence.contains("may have changed state"),
        "{evidence}"
    );
    assert!(
        output.contains("type=\"accepts_invalid\""),
        "a JUnit failure: {output}"
    );
    assert_eq!(
        seen.changes(),
        1,
        "the handler really acted on the malformed body: what the verdict warns about"
    );
}

/// Flask's routing of `testdata/safe/tasks.yaml`: `<int:task_id>` matches
/// digits only, a routed path answers `OPTIONS` with 200 and its methods,
/// a wrong method on it 405, anything else Flask's 404 page.
fn tasks(seen: Arc<Seen>) -> Router {
    Router::new().fallback(move |method: Method, uri: Uri| {
        let seen = Arc::clone(&seen);
        async move {
            seen.requests
                .lock()
                .unwrap()
                .push(format!("{method} {}", uri.path()));
            let segments: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
            let int = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            let allowed: &[&str] = match segments.as_slice() {
                ["tasks", id] if int(id) => &["GET", "HEAD", "OPTIONS"],
                ["tasks", id, "complete"] if int(id) => &["OPTIONS", "POST"],
                _ => &[],
            };
            if allowed.is_empty() {
                return (
                    StatusCode::NOT_FOUND,
                    [("content-type", "text/html; charset=utf-8")],
                    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server.</p>\n",
                )
                    .into_response();
            }
            let allow = allowed.join(", ");
            match method.as_str() {
                "OPTIONS" => (StatusCode::OK, [("allow", allow)]).into_response(),
                m if !allowed.contains(&m) => {
                    (StatusCode::METHOD_NOT_ALLOWED, [("allow", allow)]).into_response()
                }
                "POST" => {
                    seen.changes.fetch_add(1, Ordering::SeqCst);
                    axum::Json(serde_json::json!({"done": true})).into_response()
                }
                _ => axum::Json(serde_json::json!({"id": 12})).into_response(),
            }
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn typed_path_parameters_make_an_invalid_value_unrouted_and_options_decides() {
    let seen = Arc::new(Seen::default());
    let url = serve(tasks(Arc::clone(&seen))).await;

    let (code, report, output) = check("testdata/safe/tasks.yaml", &url, &[]).await;

    assert_eq!(code, 1, "{output}");
    let decided = |label: &str| {
        let result = result_of(&report, label);
        (result.verdict.as_str().to_string(), result.rule.to_string())
    };
    assert_eq!(
        decided("POST /tasks/{taskId}/complete"),
        ("implemented".into(), "options-allow".into()),
        "the route exists: no false alarm\n{output}"
    );
    assert_eq!(
        decided("POST /tasks/{taskId}/archive"),
        ("missing_route".into(), "options-no-route".into()),
        "{output}"
    );
    assert_eq!(
        decided("DELETE /tasks/{taskId}"),
        ("missing_method".into(), "method-405".into()),
        "{output}"
    );
    let complete = evidence(&report, "POST /tasks/{taskId}/complete");
    assert!(
        complete.contains("POST /tasks/not-an-integer/complete answered 404")
            && complete
                .contains("OPTIONS /tasks/12/complete answered 200 OK with Allow: OPTIONS, POST"),
        "{complete}"
    );
    assert_eq!(seen.changes(), 0);
}
