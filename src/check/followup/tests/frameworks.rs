//! One small API, answered the way each stack answers it (as listed in
//! `frameworks.md` of the team's research and checked against the real
//! frameworks): the no-route 404, a wrong method on a known path, `OPTIONS`,
//! and handlers whose "no such order" 404 is byte-identical to the no-route
//! one. Each stack's verdicts are asserted in full, so a rule that reads
//! one stack's 405 (or 404) right cannot break another's.
//!
//! ```text
//! GET    /health         served
//! GET    /orders/{id}    served; 404 for an order that does not exist (same as no route)
//! DELETE /orders/{id}    served; same 404
//! PATCH  /orders/{id}    declared, not deployed
//! GET    /invoices/{id}  declared, not deployed (no route)
//! PUT    /labels/{name}  declared, not deployed; safe mode sends it nothing
//! PUT    /notes/{name}   served; safe mode sends it nothing
//! ```

use axum::Router;
use axum::http::{Method as HttpMethod, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get};
use serde_json::json;

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stack {
    /// FastAPI and Connexion: 405 for a wrong method and for `OPTIONS`,
    /// with an `Allow` that names only the first route on the path.
    Starlette,
    /// 405 with `Allow: GET,HEAD,DELETE` (every method, no spaces).
    Aiohttp,
    /// Go 1.22 `net/http` patterns: `404 page not found`, 405 with `Allow`.
    ServeMux,
    /// Werkzeug: HTML 404 and 405; `OPTIONS` answered 200 with `Allow`.
    Flask,
    /// `@koa/router` with `allowedMethods()`: 405 with `Allow`, `OPTIONS` 200.
    Koa,
    /// A wrong method gets the no-route 404; `OPTIONS` 200 with `Allow`.
    Express,
    /// A wrong method and `OPTIONS` get the no-route 404; a route schema
    /// refuses an id that is not an integer with 400.
    Fastify,
    /// Python's `http.server` as a gateway: 501 for every method without a
    /// `do_X` (PUT, PATCH, DELETE, OPTIONS) on every path.
    HttpServer,
}

/// A route's methods: all of them, and the first route's only (Starlette).
#[derive(Clone, Copy)]
struct Allow {
    all: &'static [&'static str],
    first: &'static [&'static str],
}

impl Stack {
    const ALL: [Stack; 8] = [
        Stack::Starlette,
        Stack::Aiohttp,
        Stack::ServeMux,
        Stack::Flask,
        Stack::Koa,
        Stack::Express,
        Stack::Fastify,
        Stack::HttpServer,
    ];

    /// The answer to a path no route serves, for any method.
    fn no_route(self, method: &HttpMethod, uri: &Uri) -> Response {
        let path = uri.path();
        match self {
            Stack::Starlette => (
                StatusCode::NOT_FOUND,
                axum::Json(json!({"detail": "Not Found"})),
            )
                .into_response(),
            Stack::Aiohttp => (StatusCode::NOT_FOUND, "404: Not Found").into_response(),
            Stack::ServeMux => (StatusCode::NOT_FOUND, "404 page not found\n").into_response(),
            Stack::Flask | Stack::HttpServer => (
                StatusCode::NOT_FOUND,
                [("content-type", "text/html; charset=utf-8")],
                "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server.</p>\n",
            )
                .into_response(),
            Stack::Koa => (StatusCode::NOT_FOUND, "Not Found").into_response(),
            Stack::Express => (
                StatusCode::NOT_FOUND,
                [("content-type", "text/html; charset=utf-8")],
                format!("<pre>Cannot {method} {path}</pre>"),
            )
                .into_response(),
            Stack::Fastify => (
                StatusCode::NOT_FOUND,
                axum::Json(json!({
                    "message": format!("Route {method}:{path} not found"),
                    "error": "Not Found",
                    "statusCode": 404
                })),
            )
                .into_response(),
        }
    }

    /// The answer to a method no route serves on a path some route serves.
    fn wrong_method(self, method: &HttpMethod, uri: &Uri, allow: Allow) -> Response {
        let with_allow = |listed: &[&str], separator: &str, body: Response| {
            let mut response = body;
            *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            let value = listed.join(separator);
            response.headers_mut().insert(
                "allow",
                axum::http::HeaderValue::from_str(&value).expect("header value"),
            );
            response
        };
        match self {
            Stack::Starlette => with_allow(
                allow.first,
                ", ",
                axum::Json(json!({"detail": "Method Not Allowed"})).into_response(),
            ),
            Stack::Aiohttp => with_allow(
                allow.all,
                ",",
                "405: Method Not Allowed".into_response(),
            ),
            Stack::ServeMux => with_allow(allow.all, ", ", "Method Not Allowed\n".into_response()),
            Stack::Flask => with_allow(
                allow.all,
                ", ",
                (
                    [("content-type", "text/html; charset=utf-8")],
                    "<!doctype html>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n",
                )
                    .into_response(),
            ),
            Stack::Koa => with_allow(allow.all, ", ", "Method Not Allowed".into_response()),
            Stack::Express | Stack::Fastify | Stack::HttpServer => self.no_route(method, uri),
        }
    }

    /// The answer to `OPTIONS` on a path some route serves.
    fn options(self, uri: &Uri, allow: Allow) -> Response {
        let listed = |extra: &str| {
            let mut methods = allow.all.to_vec();
            if !extra.is_empty() {
                methods.push(extra);
            }
            methods.join(", ")
        };
        match self {
            Stack::Starlette | Stack::Aiohttp | Stack::ServeMux => {
                self.wrong_method(&HttpMethod::OPTIONS, uri, allow)
            }
            Stack::Flask => ([("allow", listed("OPTIONS"))], "").into_response(),
            Stack::Koa => ([("allow", listed("OPTIONS"))], "").into_response(),
            Stack::Express => {
                let methods = listed("");
                ([("allow", methods.clone())], methods).into_response()
            }
            Stack::Fastify | Stack::HttpServer => self.no_route(&HttpMethod::OPTIONS, uri),
        }
    }

    /// A route serving `handlers` (its methods listed in `allow`), answering
    /// other methods and `OPTIONS` as this stack does.
    fn route(self, handlers: MethodRouter, allow: Allow) -> MethodRouter {
        handlers
            .options(move |uri: Uri| async move { self.options(&uri, allow) })
            .fallback(move |method: HttpMethod, uri: Uri| async move {
                self.wrong_method(&method, &uri, allow)
            })
    }

    /// A handler that looks the order up and answers, for one that does
    /// not exist, exactly what a missing route answers; on Fastify and the
    /// gateway an id that is not an integer is refused with 400 first.
    fn order_handler(self) -> MethodRouter {
        any(
            move |method: HttpMethod,
                  uri: Uri,
                  axum::extract::Path(id): axum::extract::Path<String>| async move {
                if id.parse::<u64>().is_err() && matches!(self, Stack::Fastify | Stack::HttpServer)
                {
                    return (StatusCode::BAD_REQUEST, "id must be an integer").into_response();
                }
                self.no_route(&method, &uri)
            },
        )
    }

    fn app(self) -> Router {
        const HEALTH: Allow = Allow {
            all: &["GET", "HEAD"],
            first: &["GET", "HEAD"],
        };
        const ORDERS: Allow = Allow {
            all: &["GET", "HEAD", "DELETE"],
            first: &["GET", "HEAD"],
        };
        const NOTES: Allow = Allow {
            all: &["GET", "HEAD", "PUT"],
            first: &["GET", "HEAD"],
        };
        let order = self.order_handler();
        let app = Router::new()
            .route(
                "/health",
                self.route(
                    get(|| async { axum::Json(json!({"status": "ok"})) }),
                    HEALTH,
                ),
            )
            .route(
                "/orders/{id}",
                self.route(
                    get(order.clone())
                        .delete(order)
                        .head(|| async { StatusCode::NOT_FOUND }),
                    ORDERS,
                ),
            )
            .route(
                "/notes/{name}",
                self.route(
                    get(|| async { "a note" }).put(|| async { StatusCode::NO_CONTENT }),
                    NOTES,
                ),
            )
            .fallback(
                move |method: HttpMethod, uri: Uri| async move { self.no_route(&method, &uri) },
            );
        if self != Stack::HttpServer {
            return app;
        }
        app.layer(axum::middleware::from_fn(
            |request: axum::extract::Request, next: axum::middleware::Next| async move {
                let method = request.method().clone();
                if matches!(method.as_str(), "GET" | "HEAD" | "POST") {
                    return next.run(request).await;
                }
                let page = format!(
                    "<!DOCTYPE HTML>\n<html><head><title>Error response</title></head><body><h1>Error response</h1><p>Error code: 501</p><p>Message: Unsupported method ('{method}').</p></body></html>\n"
                );
                (
                    StatusCode::NOT_IMPLEMENTED,
                    [("content-type", "text/html;charset=utf-8")],
                    page,
                )
                    .into_response()
            },
        ))
    }

    /// The rule each probe of [`probes`] gets on this stack.
    fn expected(self) -> [&'static str; 7] {
        match self {
            // DELETE's 404 is the no-route one and `Allow` (first route
            // only) leaves DELETE out, but the 405 itself shows the route;
            // PUT /notes is not proven either way: safe mode sent it nothing.
            Stack::Starlette => [
                "served-2xx",
                "allowed-404",
                "routed-404",
                "no-route-404",
                "method-405",
                "unrouted-404",
                "safe-mode-no-harmless-probe",
            ],
            Stack::Aiohttp | Stack::ServeMux => [
                "served-2xx",
                "allowed-404",
                "allowed-404",
                "no-route-404",
                "method-405",
                "unrouted-404",
                "options-allow",
            ],
            Stack::Flask | Stack::Koa => [
                "served-2xx",
                "allowed-404",
                "allowed-404",
                "no-route-404",
                "method-405",
                "options-no-route",
                "options-allow",
            ],
            Stack::Express => [
                "served-2xx",
                "allowed-404",
                "allowed-404",
                "no-route-404",
                "options-lacks-method",
                "options-no-route",
                "options-allow",
            ],
            // No 405 and no OPTIONS: the routing rules do not apply; a
            // second value decides where the route validates it, and safe
            // mode stays honestly unverified.
            Stack::Fastify => [
                "served-2xx",
                "validation-rejected",
                "validation-rejected",
                "no-route-404",
                "no-route-404",
                "safe-mode-no-harmless-probe",
                "safe-mode-no-harmless-probe",
            ],
            Stack::HttpServer => [
                "served-2xx",
                "validation-rejected",
                "method-refused",
                "no-route-404",
                "method-refused",
                "safe-mode-no-harmless-probe",
                "safe-mode-no-harmless-probe",
            ],
        }
    }
}

fn api() -> Contract {
    contract(vec![
        operation(Method::Get, "/health"),
        op_with_id(Method::Get, "/orders/{id}"),
        op_with_id(Method::Delete, "/orders/{id}"),
        op_with_id(Method::Get, "/invoices/{id}"),
        op_with_id(Method::Patch, "/orders/{id}"),
        operation(Method::Put, "/labels/{name}"),
        operation(Method::Put, "/notes/{name}"),
    ])
}

/// Live-mode requests to the first five operations (order 42 does not
/// exist); safe mode's nothing for the two PUTs.
fn probes() -> Vec<PlannedProbe> {
    vec![
        valid(0, get_request("/health")),
        valid(1, get_request("/orders/42")),
        valid(2, request(Method::Delete, "/orders/42")),
        valid(3, get_request("/invoices/42")),
        valid(4, request(Method::Patch, "/orders/42")),
        unverifiable(5),
        unverifiable(6),
    ]
}

#[tokio::test]
async fn every_stack_gets_the_verdicts_its_router_shows() {
    for stack in Stack::ALL {
        let log = Log::default();
        let base = serve(log.layer(stack.app())).await;

        let findings = check(&base, &api(), &probes(), false).await;

        let rules: Vec<&str> = findings.iter().map(|f| f.rule.id()).collect();
        assert_eq!(
            rules,
            stack.expected(),
            "{stack:?}:\n{}",
            findings
                .iter()
                .map(|f| format!("  {} {}: {}", f.verdict, f.rule, f.evidence))
                .collect::<Vec<_>>()
                .join("\n")
        );
        let sent = log.all();
        assert!(
            !sent
                .iter()
                .any(|line| line.starts_with("PUT /labels") || line.starts_with("PUT /notes")),
            "{stack:?}: a request was sent to an operation safe mode must not touch: {sent:?}"
        );
    }
}

#[tokio::test]
async fn safe_mode_shows_a_missing_route_where_routed_paths_answer_options_with_405() {
    let base = serve(Stack::Starlette.app()).await;

    let findings = check(&base, &api(), &probes(), false).await;

    let labels = &findings[5];
    assert_decided(labels, Verdict::MissingRoute, "unrouted-404");
    assert_eq!(
        labels.evidence,
        "OPTIONS /labels/rollcall answered 404 Not Found, this target's no-route response, while OPTIONS /health answered 405 with Allow: GET, HEAD on a route this run proved deployed: this router answers a method it does not route on a routed path with 405, so no route serves /labels/rollcall (safe mode sent PUT nothing: no request to it is harmless)"
    );
    let notes = &findings[6];
    assert_eq!(notes.verdict, Verdict::Unverified);
    assert_ends_with(
        &notes.evidence,
        "OPTIONS /notes/rollcall answered 405 Method Not Allowed with Allow: GET, HEAD, which does not settle it (a 405 that paths which cannot exist do not get shows that a route matches the path, but not that PUT is routed there)",
    );
}

/// A Starlette app with a sub-app from another stack under /archive
/// (Fastify-like: it serves `GET /archive/list` and `PUT /archive/{name}`,
/// and answers `OPTIONS` with its no-route 404): what `OPTIONS` on a route
/// of the Starlette app showed says nothing about paths behind the other
/// no-route answer.
#[tokio::test]
async fn options_learned_under_one_router_say_nothing_about_a_path_behind_another() {
    let fastify = Stack::Fastify;
    let archive = move |method: HttpMethod, uri: Uri| async move {
        let rest = uri.path().trim_start_matches("/archive/");
        match (method.as_str(), rest) {
            ("GET", "list") => axum::Json(json!([])).into_response(),
            ("PUT", name) if !name.contains('/') => StatusCode::NO_CONTENT.into_response(),
            _ => fastify.no_route(&method, &uri),
        }
    };
    let log = Log::default();
    let app = Stack::Starlette
        .app()
        .route("/archive/{*rest}", any(archive));
    let base = serve(log.layer(app)).await;
    let contract = contract(vec![
        operation(Method::Get, "/health"),
        operation(Method::Get, "/archive/list"),
        operation(Method::Put, "/archive/{name}"),
        operation(Method::Put, "/labels/{name}"),
    ]);
    let probes = [
        valid(0, get_request("/health")),
        valid(1, get_request("/archive/list")),
        unverifiable(2),
        unverifiable(3),
    ];

    let findings = check(&base, &contract, &probes, false).await;

    assert_decided(
        &findings[2],
        Verdict::Unverified,
        "safe-mode-no-harmless-probe",
    );
    assert_contains(
        &findings[2].evidence,
        "sits behind another no-route response (another router)",
    );
    // Behind the router the calibration spoke for, the 405 still counts.
    assert_decided(&findings[3], Verdict::MissingRoute, "unrouted-404");
    assert!(
        log.under("/archive/")
            .iter()
            .all(|line| !line.starts_with("PUT "))
    );
}
