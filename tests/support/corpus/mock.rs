//! A server built from a contract: it serves the operations it is told to,
//! answering each the way a chosen framework [`Personality`] would, and
//! records every request a correct handler would have acted on.
//!
//! ```text
//! FastAPI  GET /nope → 404 {"detail":"Not Found"}   DELETE /pets (GET only) → 405, Allow: GET
//!          OPTIONS /pets → 405                      invalid input → 422 after routing
//!          GET /pets/999 (no such pet) → 404 {"detail":"Not Found"} (byte-identical)
//! Express  GET /nope, DELETE /pets → 404 "Cannot DELETE /pets"  OPTIONS /pets → 200, Allow
//!          POST /anything with a broken JSON body → 400 before routing
//! Flask    GET /nope → 404 HTML   DELETE /pets → 405 HTML, Allow: GET, HEAD, OPTIONS
//!          OPTIONS /pets → 200, Allow   GET /pets/999 → the same HTML 404
//! ```
//!
//! Each request that reaches a served operation is judged by the contract's
//! [`RequestValidator`]: invalid → 422 (FastAPI) or 400; valid but naming a
//! record the server does not hold → the handler's 404 (a `PUT` to
//! `/things/{id}` creates a missing record); otherwise the first
//! 2xx the operation declares, with its documented example as the body. A
//! valid request of an unsafe method that names existing records is a
//! state change ([`Write`]); a valid `DELETE` of `/things/{id}` removes that
//! record and everything under it, as a real handler would.
//!
//! The records the server holds are given at start ([`MockApi::new`]):
//! each path parameter's values, as a staging database seeded for the run.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::fmt;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rollcall::contract::{Contract, Method};
use serde_json::{Value, json};

use super::validator::{Judgement, Request, RequestValidator, Template, is_json, split_path};

/// How the framework under the service answers what its routes do not cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personality {
    /// Starlette's router: JSON 404; a wrong method gets 405 with an `Allow`
    /// naming only the first route of the path; `OPTIONS` 405; no automatic
    /// `HEAD`; invalid input 422 after routing; the handler's 404 is
    /// byte-identical to the router's.
    FastApi,
    /// Express: `Cannot METHOD /path` 404 for an unknown path and for a
    /// wrong method alike; automatic `OPTIONS` (200 + `Allow`) and `HEAD`;
    /// `express.json()` rejects a malformed JSON body with 400 before
    /// routing, on any path; the handler's 404 is the app's own JSON.
    Express,
    /// Flask/Werkzeug (and Spring MVC alike): HTML 404; 405 with the full
    /// `Allow`; automatic `OPTIONS` (200 + `Allow`) and `HEAD`; the
    /// handler's `abort(404)` is byte-identical to the router's.
    Flask,
}

impl Personality {
    pub const ALL: [Personality; 3] = [
        Personality::FastApi,
        Personality::Express,
        Personality::Flask,
    ];

    /// Whether the framework answers `HEAD` on a `GET` route and `OPTIONS`
    /// on any route by itself.
    pub fn automatic_head_and_options(self) -> bool {
        self != Personality::FastApi
    }
}

impl fmt::Display for Personality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Personality::FastApi => "fastapi",
            Personality::Express => "express",
            Personality::Flask => "flask",
        })
    }
}

/// A request a correct handler would have acted on.
#[derive(Debug, Clone)]
pub struct Write {
    /// Index into `Contract::operations`.
    pub operation: usize,
    /// `PUT /pets/1?x=y` as sent (relative to the base path).
    pub request: String,
    pub body: String,
    pub status: u16,
}

/// What the server saw, for the test's checks and summary.
#[derive(Debug, Default)]
pub struct Log {
    pub writes: Vec<Write>,
    pub requests: usize,
    /// Requests the validator could not judge (a schema it could not
    /// compile), served as valid; with the reason.
    pub unjudged: Vec<String>,
    /// Requests that reached a served operation and were refused as
    /// invalid: `label: request: reason`.
    pub rejected: Vec<String>,
    /// Record paths (decoded segments) removed by a `DELETE`.
    deleted: Vec<Vec<String>>,
}

/// Whether a request with `query` and `headers` is one for the operations
/// `selector` tells apart: each query item present (with its value, when it
/// names one), each header item sent. An empty selector takes any request.
fn selects(
    selector: &rollcall::contract::Selector,
    query: Option<&str>,
    headers: &[(String, String)],
) -> bool {
    use rollcall::contract::SelectorPlace;
    let pairs: Vec<(String, String)> = query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |t: &str| {
                percent_encoding::percent_decode_str(t)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(name), decode(value))
        })
        .collect();
    selector.items.iter().all(|item| match item.place {
        SelectorPlace::Query => pairs.iter().any(|(name, value)| {
            *name == item.name && item.value.as_ref().is_none_or(|v| v == value)
        }),
        SelectorPlace::Header => headers.iter().any(|(name, value)| {
            name.eq_ignore_ascii_case(&item.name) && item.value.as_ref().is_none_or(|v| v == value)
        }),
        SelectorPlace::Marker => true,
    })
}

/// One path template and the operations served on it, in document order.
struct Route {
    template: Template,
    /// Served operations: (method, index into `Contract::operations`).
    operations: Vec<(Method, usize)>,
    specificity: Vec<u8>,
    order: usize,
}

pub struct MockApi {
    validator: Arc<RequestValidator>,
    personality: Personality,
    /// `/api/v1` when the contract's first server has that path; else empty.
    base_path: String,
    routes: Vec<Route>,
    /// Path parameter name → the values whose records exist.
    records: HashMap<String, HashSet<String>>,
    log: Mutex<Log>,
}

impl MockApi {
    /// A server for `validator`'s contract that serves the operations whose
    /// `served` flag is set, under `base_path`, holding `records`
    /// (path parameter name, value).
    pub fn new(
        validator: Arc<RequestValidator>,
        personality: Personality,
        served: &[bool],
        base_path: &str,
        records: impl IntoIterator<Item = (String, String)>,
    ) -> MockApi {
        let contract = validator.contract();
        let mut routes: Vec<Route> = Vec::new();
        let mut by_path: HashMap<&str, usize> = HashMap::new();
        for (index, operation) in contract.operations.iter().enumerate() {
            if !served[index] {
                continue;
            }
            let slot = *by_path.entry(operation.path.as_str()).or_insert_with(|| {
                let template = validator.template(index).clone();
                routes.push(Route {
                    specificity: template.specificity(),
                    template,
                    operations: Vec::new(),
                    order: routes.len(),
                });
                routes.len() - 1
            });
            routes[slot].operations.push((operation.method, index));
        }
        let mut by_name: HashMap<String, HashSet<String>> = HashMap::new();
        for (name, value) in records {
            by_name.entry(name).or_default().insert(value);
        }
        MockApi {
            validator,
            personality,
            base_path: base_path.trim_end_matches('/').to_string(),
            routes,
            records: by_name,
            log: Mutex::new(Log::default()),
        }
    }

    pub fn contract(&self) -> &Contract {
        self.validator.contract()
    }

    /// Takes what was logged so far, leaving an empty log (and every record back).
    pub fn take_log(&self) -> Log {
        std::mem::take(&mut *self.log.lock().expect("lock"))
    }

    /// Serves on a fresh loopback port until the returned handle is dropped.
    pub async fn start(self: Arc<Self>) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let address = listener.local_addr().expect("address");
        let api = Arc::clone(&self);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let api = Arc::clone(&api);
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let api = Arc::clone(&api);
                        async move { Ok::<_, Infallible>(api.answer(request).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Server {
            url: format!("http://{address}"),
            task,
        }
    }

    async fn answer(&self, request: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        let body = body
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let headers = crate::support::serve::header_pairs(&parts.headers);
        let method_name = parts.method.as_str().to_string();
        let full_path = parts.uri.path().to_string();
        let query = parts.uri.query().map(str::to_string);
        self.log.lock().expect("lock").requests += 1;
        let reply = self.route(&method_name, &full_path, query.as_deref(), &headers, &body);
        reply.into_response(parts.method == hyper::Method::HEAD)
    }

    fn route(
        &self,
        method_name: &str,
        full_path: &str,
        query: Option<&str>,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Reply {
        let personality = self.personality;
        // express.json() runs before the router, on every path.
        if personality == Personality::Express
            && !body.is_empty()
            && content_type(headers).is_some_and(|t| t == "application/json")
            && !strict_json(body)
        {
            return Reply::html(400, "<pre>Bad Request</pre>");
        }
        let Some(path) = self.relative(full_path) else {
            return self.no_route(method_name, full_path);
        };
        let method = Method::ALL.into_iter().find(|m| m.as_str() == method_name);
        let segments = split_path(path);
        let mut matching: Vec<&Route> = self
            .routes
            .iter()
            .filter(|route| route.template.matches(&segments).is_some())
            .collect();
        if matching.is_empty() {
            return self.no_route(method_name, full_path);
        }
        // Starlette and Express try routes in declaration order; a correct
        // service declares a literal route before the parameter one it
        // shadows, which is what sorting by specificity gives.
        matching.sort_by(|a, b| {
            a.specificity
                .cmp(&b.specificity)
                .then(a.order.cmp(&b.order))
        });
        let operations = &self.contract().operations;
        let find = |wanted: Method| {
            matching.iter().find_map(|route| {
                let same_method: Vec<usize> = route
                    .operations
                    .iter()
                    .filter(|(m, _)| *m == wanted)
                    .map(|(_, index)| *index)
                    .collect();
                let chosen = match same_method.as_slice() {
                    [] => None,
                    [only] => Some(*only),
                    // Several operations of one method on one path (AWS's
                    // `/{Bucket}` and `/{Bucket}#acl`, `/#Action=...`): the
                    // service dispatches on the selector, the fullest first.
                    several => several
                        .iter()
                        .copied()
                        .filter(|i| selects(&operations[*i].selector, query, headers))
                        .max_by_key(|i| {
                            (operations[*i].selector.items.len(), std::cmp::Reverse(*i))
                        }),
                };
                chosen.map(|index| (*route, index))
            })
        };
        let chosen = match method {
            Some(method) => find(method).or_else(|| {
                (method == Method::Head && personality.automatic_head_and_options())
                    .then(|| find(Method::Get))
                    .flatten()
            }),
            None => None,
        };
        let Some((route, index)) = chosen else {
            if method == Some(Method::Options) && personality.automatic_head_and_options() {
                return self.automatic_options(&matching);
            }
            return self.wrong_method(method_name, full_path, &matching);
        };
        self.handle(index, route, path, query, headers, body)
    }

    /// The path below the base path, or `None` when it is not under it.
    fn relative<'p>(&self, full_path: &'p str) -> Option<&'p str> {
        if self.base_path.is_empty() {
            return Some(full_path);
        }
        let rest = full_path.strip_prefix(&self.base_path)?;
        if rest.is_empty() {
            Some("/")
        } else {
            rest.starts_with('/').then_some(rest)
        }
    }

    /// The operation's handler, after routing.
    fn handle(
        &self,
        index: usize,
        route: &Route,
        path: &str,
        query: Option<&str>,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Reply {
        let contract = self.contract();
        let operation = &contract.operations[index];
        let request = Request {
            path,
            query,
            headers,
            body,
        };
        match self.validator.check(index, &request) {
            Judgement::Valid => {}
            Judgement::Invalid(reason) => {
                self.log.lock().expect("lock").rejected.push(format!(
                    "{}: {} {path}: {reason}",
                    operation.label(),
                    operation.method
                ));
                return self.invalid(&reason);
            }
            Judgement::Unknown(reason) => self
                .log
                .lock()
                .expect("lock")
                .unjudged
                .push(format!("{}: {reason}", operation.label())),
        }
        let segments = split_path(path);
        let values = route.template.matches(&segments).unwrap_or_default();
        // A PUT to `/things/{id}` creates the record when it is missing
        // (upsert): only the records above it must exist.
        let upsert = operation.method == Method::Put && operation.path.ends_with('}');
        let named = if upsert {
            &values[..values.len().saturating_sub(1)]
        } else {
            &values[..]
        };
        let mut log = self.log.lock().expect("lock");
        let depth = if upsert {
            segments.len() - 1
        } else {
            segments.len()
        };
        let exists = named.iter().all(|(name, value)| {
            self.records
                .get(name)
                .is_some_and(|values| values.contains(value))
        }) && !log
            .deleted
            .iter()
            .any(|gone| depth >= gone.len() && segments[..gone.len()] == gone[..]);
        if !exists {
            return self.not_found();
        }
        let status = success_status(&operation.responses);
        if !operation.method.is_safe() {
            let line = match query {
                Some(query) => format!("{} {path}?{query}", operation.method),
                None => format!("{} {path}", operation.method),
            };
            log.writes.push(Write {
                operation: index,
                request: line,
                body: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
                status,
            });
            if operation.method == Method::Delete && operation.path.ends_with('}') {
                log.deleted.push(segments.clone());
            }
        }
        drop(log);
        if matches!(status, 204 | 205 | 304) {
            return Reply::empty(status);
        }
        let example = response_example(contract, index, status);
        Reply::json(status, &example)
    }

    fn no_route(&self, method: &str, full_path: &str) -> Reply {
        match self.personality {
            Personality::FastApi => Reply::json(404, &json!({"detail": "Not Found"})),
            Personality::Express => express_cannot(method, full_path),
            Personality::Flask => Reply::html(404, FLASK_404),
        }
    }

    fn wrong_method(&self, method: &str, full_path: &str, matching: &[&Route]) -> Reply {
        match self.personality {
            Personality::FastApi => {
                // Every operation is a route of its own; Starlette's 405
                // names the methods of the first route that matched the path.
                let first = matching
                    .iter()
                    .flat_map(|route| route.operations.iter())
                    .min_by_key(|(_, index)| *index)
                    .map(|(m, _)| m.as_str())
                    .unwrap_or("GET");
                Reply::json(405, &json!({"detail": "Method Not Allowed"})).with_allow(first)
            }
            Personality::Express => express_cannot(method, full_path),
            Personality::Flask => {
                Reply::html(405, FLASK_405).with_allow(&allow_list(matching, ", ", true))
            }
        }
    }

    fn automatic_options(&self, matching: &[&Route]) -> Reply {
        match self.personality {
            Personality::Express => {
                let allow = allow_list(matching, ",", false);
                Reply::text(200, "text/html; charset=utf-8", &allow).with_allow(&allow)
            }
            _ => Reply::empty(200)
                .with_content_type("text/html; charset=utf-8")
                .with_allow(&allow_list(matching, ", ", true)),
        }
    }

    fn invalid(&self, reason: &str) -> Reply {
        match self.personality {
            Personality::FastApi => Reply::json(
                422,
                &json!({"detail": [{"type": "value_error", "loc": ["request"], "msg": reason, "input": null}]}),
            ),
            Personality::Express => {
                Reply::json(400, &json!({"error": "invalid request", "detail": reason}))
            }
            Personality::Flask => Reply::json(
                400,
                &json!({"status": 400, "error": "Bad Request", "message": reason}),
            ),
        }
    }

    fn not_found(&self) -> Reply {
        match self.personality {
            Personality::FastApi => Reply::json(404, &json!({"detail": "Not Found"})),
            Personality::Express => Reply::json(404, &json!({"error": "not found"})),
            Personality::Flask => Reply::html(404, FLASK_404),
        }
    }
}

/// `GET,HEAD,POST` (Express) or `GET, HEAD, OPTIONS, POST` (Flask, sorted).
fn allow_list(matching: &[&Route], separator: &str, flask: bool) -> String {
    let mut methods: Vec<&str> = Vec::new();
    for (method, _) in matching.iter().flat_map(|route| route.operations.iter()) {
        if !methods.contains(&method.as_str()) {
            methods.push(method.as_str());
        }
        if *method == Method::Get && !methods.contains(&"HEAD") {
            methods.push("HEAD");
        }
    }
    if flask {
        if !methods.contains(&"OPTIONS") {
            methods.push("OPTIONS");
        }
        methods.sort_unstable();
    }
    methods.join(separator)
}

fn express_cannot(method: &str, full_path: &str) -> Reply {
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot {method} {full_path}</pre>\n</body>\n</html>\n"
    );
    Reply::html(404, &page)
}

const FLASK_404: &str = "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n";
const FLASK_405: &str = "<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n";

fn content_type(headers: &[(String, String)]) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

/// body-parser's `strict` JSON: an object or an array.
fn strict_json(body: &[u8]) -> bool {
    matches!(
        serde_json::from_slice::<Value>(body),
        Ok(Value::Object(_) | Value::Array(_))
    )
}

/// The first 2xx the operation declares (`2XX` → 200), else 200.
fn success_status(responses: &[String]) -> u16 {
    responses
        .iter()
        .find_map(|code| {
            let code = code.to_ascii_uppercase();
            if code == "2XX" {
                return Some(200);
            }
            code.parse::<u16>().ok().filter(|c| (200..300).contains(c))
        })
        .unwrap_or(200)
}

/// The example the contract documents for the answer (JSON), else a value
/// synthesized from its schema, else `{}`.
fn response_example(contract: &Contract, index: usize, status: u16) -> Value {
    let document = contract.document.as_ref();
    let operation = &contract.operations[index];
    let resolve = |node: &Value| -> Value {
        let mut node = node.clone();
        for _ in 0..8 {
            match node
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|p| document.pointer(p))
            {
                Some(target) => node = target.clone(),
                None => break,
            }
        }
        node
    };
    let response = document
        .pointer(&operation.location.pointer)
        .and_then(|op| op.get("responses"))
        .and_then(|responses| {
            responses
                .get(status.to_string())
                .or_else(|| responses.get("2XX"))
                .or_else(|| responses.get("default"))
        })
        .map(resolve);
    let Some(content) = response
        .as_ref()
        .and_then(|r| r.get("content"))
        .and_then(Value::as_object)
    else {
        return json!({});
    };
    let Some(media) = content
        .iter()
        .find(|(media_type, _)| is_json(media_type))
        .map(|(_, media)| resolve(media))
    else {
        return json!({});
    };
    if let Some(example) = media.get("example") {
        return example.clone();
    }
    if let Some(example) = media
        .get("examples")
        .and_then(Value::as_object)
        .and_then(|examples| examples.values().next())
        .map(resolve)
        .and_then(|example| example.get("value").cloned())
    {
        return example;
    }
    match media.get("schema") {
        Some(schema) => rollcall::plan::synth::schema_value(document, schema),
        None => json!({}),
    }
}

/// An answer before it is put on the wire.
struct Reply {
    status: u16,
    content_type: Option<String>,
    allow: Option<String>,
    body: Vec<u8>,
}

impl Reply {
    fn json(status: u16, value: &Value) -> Reply {
        Reply {
            status,
            content_type: Some("application/json".into()),
            allow: None,
            body: value.to_string().into_bytes(),
        }
    }

    fn html(status: u16, page: &str) -> Reply {
        Reply::text(status, "text/html; charset=utf-8", page)
    }

    fn text(status: u16, content_type: &str, text: &str) -> Reply {
        Reply {
            status,
            content_type: Some(content_type.into()),
            allow: None,
            body: text.as_bytes().to_vec(),
        }
    }

    fn empty(status: u16) -> Reply {
        Reply {
            status,
            content_type: None,
            allow: None,
            body: Vec::new(),
        }
    }

    fn with_allow(mut self, allow: &str) -> Reply {
        self.allow = Some(allow.to_string());
        self
    }

    fn with_content_type(mut self, content_type: &str) -> Reply {
        self.content_type = Some(content_type.to_string());
        self
    }

    fn into_response(self, head: bool) -> hyper::Response<Full<Bytes>> {
        let mut builder = hyper::Response::builder().status(self.status);
        if let Some(content_type) = &self.content_type {
            builder = builder.header("content-type", content_type);
        }
        if let Some(allow) = &self.allow {
            builder = builder.header("allow", allow);
        }
        let body = if head { Vec::new() } else { self.body };
        builder
            .body(Full::new(Bytes::from(body)))
            .expect("response")
    }
}

/// A running [`MockApi`]; stops serving when dropped.
pub struct Server {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}
