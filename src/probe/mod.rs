//! Probe: send planned requests to a target over HTTP, concurrently and with
//! bounded resources, and capture what came back (status, headers, the first
//! bytes of the body) as evidence. Before the probes, a short discovery phase
//! learns how the target answers for routes that cannot exist.
//!
//! Redirects are never followed (a 3xx is evidence), bodies are read up to a
//! cap, and every request carries `User-Agent: rollcall/<version>`.

mod discovery;
#[cfg(test)]
pub(crate) mod testing;

pub use discovery::{Discovery, Fingerprint, NoRouteSample, discover};

use std::collections::HashMap;
use std::error::Error as _;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::contract::Method;
use crate::plan::PlannedRequest;

/// A deployed service to probe.
#[derive(Debug, Clone)]
pub struct Target {
    /// `stable`, `canary`, or the host when the user gave no name.
    pub name: String,
    /// The base URL after the base-URL rule (see [`crate::plan::base_url`]).
    pub base_url: url::Url,
}

#[derive(Clone)]
pub struct ProbeOptions {
    /// Per-request timeout.
    pub timeout: Duration,
    /// Requests in flight at once, per target.
    pub concurrency: usize,
    /// The most body bytes read from any response.
    pub body_cap: usize,
    /// Headers sent with discovery requests: the `-H` extras and credentials
    /// the probes carry, so that a gateway treats discovery like the probes.
    pub discovery_headers: Vec<(String, String)>,
}

/// Header values may be credentials: `Debug` shows their names only.
impl fmt::Debug for ProbeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self
            .discovery_headers
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        f.debug_struct("ProbeOptions")
            .field("timeout", &self.timeout)
            .field("concurrency", &self.concurrency)
            .field("body_cap", &self.body_cap)
            .field("discovery_headers", &header_names)
            .finish()
    }
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            timeout: Duration::from_secs(10),
            concurrency: 16,
            body_cap: 64 * 1024,
            discovery_headers: Vec::new(),
        }
    }
}

/// The request as it went on the wire (absolute URL, final headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<crate::plan::Body>,
}

/// A captured response; `body` holds at most `ProbeOptions::body_cap` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub truncated: bool,
}

impl Response {
    /// First value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why no response came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("TLS error: {0}")]
    Tls(String),
    #[error("{0}")]
    Other(String),
}

/// One request and what became of it.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub request: SentRequest,
    pub outcome: Result<Response, TransportError>,
    pub elapsed: Duration,
}

/// Sends requests for one target. Cheap to clone; clones share connections.
#[derive(Debug, Clone)]
pub struct Prober {
    client: reqwest::Client,
    target: Arc<Target>,
    options: Arc<ProbeOptions>,
}

impl Prober {
    /// One client (and so one connection pool) per target. Redirects are not
    /// followed and bodies are not decompressed: both would hide evidence.
    pub fn new(target: Target, options: ProbeOptions) -> Result<Prober, ProbeError> {
        crate::install_crypto_provider();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .user_agent(crate::USER_AGENT)
            .referer(false)
            .build()
            .map_err(|e| ProbeError::Client(error_chain(&e)))?;
        Ok(Prober {
            client,
            target: Arc::new(target),
            options: Arc::new(options),
        })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn options(&self) -> &ProbeOptions {
        &self.options
    }

    /// The absolute URL of `path_and_query` on this target: the base URL's
    /// path, then `path_and_query` as given (it is already percent-encoded, and
    /// re-encoding would change what is probed). A query on the base URL (an
    /// API key, say) is kept in front of the request's own query.
    pub fn url_for(&self, path_and_query: &str) -> Result<url::Url, TransportError> {
        let mut base = self.target.base_url.clone();
        let base_query = base.query().map(str::to_string);
        base.set_query(None);
        base.set_fragment(None);
        let prefix = base.as_str().trim_end_matches('/');
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path_and_query, None),
        };
        let query = match (base_query.as_deref(), query) {
            (Some(b), Some(q)) if !b.is_empty() && !q.is_empty() => Some(format!("{b}&{q}")),
            (Some(b), _) if !b.is_empty() => Some(b.to_string()),
            (_, Some(q)) => Some(q.to_string()),
            _ => None,
        };
        let slash = if path.starts_with('/') { "" } else { "/" };
        let joined = match query {
            Some(query) => format!("{prefix}{slash}{path}?{query}"),
            None => format!("{prefix}{slash}{path}"),
        };
        url::Url::parse(&joined)
            .map_err(|e| TransportError::Other(format!("invalid request URL: {e}")))
    }

    /// Sends one planned request.
    pub async fn send(&self, request: &PlannedRequest) -> Exchange {
        let started = Instant::now();
        let (sent, outcome) = self.exchange(request).await;
        Exchange {
            request: sent,
            outcome,
            elapsed: started.elapsed(),
        }
    }

    /// Sends a bodiless request that no plan produced (discovery), with the
    /// [`ProbeOptions::discovery_headers`].
    pub async fn send_ad_hoc(&self, method: Method, path_and_query: &str) -> Exchange {
        let request = PlannedRequest {
            method,
            path_and_query: path_and_query.to_string(),
            headers: self.options.discovery_headers.clone(),
            body: None,
        };
        self.send(&request).await
    }

    /// Sends every request, at most [`ProbeOptions::concurrency`] at a time,
    /// and returns each exchange under the key it came with, in input order.
    pub async fn probe_all<'r>(
        &self,
        requests: impl IntoIterator<Item = (usize, &'r PlannedRequest)>,
    ) -> Vec<(usize, Exchange)> {
        let permits = Arc::new(Semaphore::new(self.options.concurrency.max(1)));
        let mut tasks = JoinSet::new();
        let mut inputs = Vec::new();
        let mut position_of_task = HashMap::new();
        for (position, (key, request)) in requests.into_iter().enumerate() {
            let prober = self.clone();
            let owned = request.clone();
            let permits = Arc::clone(&permits);
            let handle = tasks.spawn(async move {
                // The semaphore is never closed, so acquiring only waits.
                let _permit = permits.acquire_owned().await;
                (position, prober.send(&owned).await)
            });
            position_of_task.insert(handle.id(), position);
            inputs.push((key, request.method, request.path_and_query.as_str()));
        }
        let mut exchanges: Vec<Option<Exchange>> = vec![None; inputs.len()];
        while let Some(joined) = tasks.join_next_with_id().await {
            match joined {
                Ok((_, (position, exchange))) => exchanges[position] = Some(exchange),
                Err(error) => {
                    if let Some(&position) = position_of_task.get(&error.id()) {
                        let (_, method, path) = inputs[position];
                        exchanges[position] = Some(self.failed_task(method, path, &error));
                    }
                }
            }
        }
        inputs
            .into_iter()
            .zip(exchanges)
            .filter_map(|((key, _, _), exchange)| exchange.map(|x| (key, x)))
            .collect()
    }

    fn failed_task(&self, method: Method, path: &str, error: &tokio::task::JoinError) -> Exchange {
        let url = self
            .url_for(path)
            .map_or_else(|_| path.to_string(), |u| u.to_string());
        let reason = if error.is_panic() {
            "the probe task panicked"
        } else {
            "the probe task was cancelled"
        };
        Exchange {
            request: SentRequest {
                method,
                url,
                headers: Vec::new(),
                body: None,
            },
            outcome: Err(TransportError::Other(reason.to_string())),
            elapsed: Duration::ZERO,
        }
    }

    async fn exchange(
        &self,
        request: &PlannedRequest,
    ) -> (SentRequest, Result<Response, TransportError>) {
        let mut sent = SentRequest {
            method: request.method,
            url: String::new(),
            headers: self.final_headers(request),
            body: request.body.clone(),
        };
        let url = match self.url_for(&request.path_and_query) {
            Ok(url) => url,
            Err(error) => {
                sent.url = self
                    .target
                    .base_url
                    .as_str()
                    .trim_end_matches('/')
                    .to_string()
                    + &request.path_and_query;
                return (sent, Err(error));
            }
        };
        sent.url = url.to_string();
        let outcome = self.transmit(url, request, &sent.headers).await;
        (sent, outcome)
    }

    /// The headers as they go on the wire: ours unless the plan overrides
    /// them, then the plan's in order, then the body's content type.
    fn final_headers(&self, request: &PlannedRequest) -> Vec<(String, String)> {
        let planned_has = |name: &str| {
            request
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        let mut headers = Vec::with_capacity(request.headers.len() + 2);
        if !planned_has("user-agent") {
            headers.push(("User-Agent".to_string(), crate::USER_AGENT.to_string()));
        }
        headers.extend(request.headers.iter().cloned());
        if let Some(body) = &request.body
            && !planned_has("content-type")
        {
            headers.push(("Content-Type".to_string(), body.content_type.clone()));
        }
        headers
    }

    async fn transmit(
        &self,
        url: url::Url,
        request: &PlannedRequest,
        headers: &[(String, String)],
    ) -> Result<Response, TransportError> {
        let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes())
            .map_err(|_| TransportError::Other(format!("invalid method {}", request.method)))?;
        let mut header_map = HeaderMap::with_capacity(headers.len());
        for (name, value) in headers {
            let header_name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| TransportError::Other(format!("invalid header name '{name}'")))?;
            // The value may be a credential: never echo it.
            let header_value = HeaderValue::from_str(value)
                .map_err(|_| TransportError::Other(format!("invalid value for header '{name}'")))?;
            header_map.append(header_name, header_value);
        }
        let mut builder = self.client.request(method, url).headers(header_map);
        if let Some(body) = &request.body {
            builder = builder.body(body.bytes.clone());
        }
        let mut response = builder.send().await.map_err(|e| self.transport_error(&e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let (body, truncated) = read_capped(&mut response, self.options.body_cap).await;
        Ok(Response {
            status,
            headers,
            body,
            truncated,
        })
    }

    fn transport_error(&self, error: &reqwest::Error) -> TransportError {
        if error.is_timeout() {
            TransportError::Timeout(self.options.timeout)
        } else if is_tls(error) {
            TransportError::Tls(error_chain(error))
        } else if error.is_connect() {
            TransportError::Connect(error_chain(error))
        } else {
            TransportError::Other(error_chain(error))
        }
    }
}

/// Reads at most `cap` bytes of the body, chunk by chunk, so an endless body
/// costs no more than `cap`. A body that breaks off after the headers keeps
/// what arrived and counts as truncated: the status is still evidence.
async fn read_capped(response: &mut reqwest::Response, cap: usize) -> (Vec<u8>, bool) {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = cap - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    return (body, true);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return (body, false),
            Err(_) => return (body, true),
        }
    }
}

fn is_tls(error: &reqwest::Error) -> bool {
    let mut source = error.source();
    while let Some(cause) = source {
        if is_rustls(cause) {
            return true;
        }
        source = cause.source();
    }
    false
}

/// Whether `error` is a rustls error, possibly inside nested io::Errors
/// (which hide their inner error from `source()`).
fn is_rustls(error: &(dyn std::error::Error + 'static)) -> bool {
    if error.is::<rustls::Error>() {
        return true;
    }
    error
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
        .is_some_and(|inner| is_rustls(inner))
}

/// The causes of `error`, innermost last, without reqwest's own sentence
/// (which repeats the URL, and a URL may carry userinfo).
fn error_chain(error: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // hyper's "client error (Connect)" only says which layer failed.
        let wrapper_only = text.starts_with("client error (");
        if !wrapper_only
            && !text.is_empty()
            && !parts
                .iter()
                .any(|p| p.contains(&text) || text.contains(p.as_str()))
        {
            parts.push(text);
        }
        source = cause.source();
        // An io::Error shows its inner error in its own message and hides it
        // from `source()`; nothing is lost by stopping here.
    }
    if parts.is_empty() {
        let kind = if error.is_builder() {
            "invalid request"
        } else if error.is_body() {
            "cannot send the request body"
        } else {
            "request failed"
        };
        parts.push(kind.to_string());
    }
    parts.join(": ")
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot build an HTTP client: {0}")]
    Client(String),
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::http::{HeaderMap as AxumHeaders, StatusCode, Uri};
    use axum::response::{IntoResponse, Redirect};
    use axum::routing::{any, get};

    use super::testing::*;
    use super::*;

    /// Answers 201 with the request line, headers and body it received.
    async fn echo(
        method: axum::http::Method,
        uri: Uri,
        headers: AxumHeaders,
        body: String,
    ) -> impl IntoResponse {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let text = format!(
            "{method} {uri}\nuser-agent: {}\nx-trace: {}\ncontent-type: {}\naccept-encoding: {}\n\n{body}",
            header("user-agent"),
            header("x-trace"),
            header("content-type"),
            header("accept-encoding"),
        );
        (StatusCode::CREATED, [("x-served-by", "echo")], text)
    }

    #[tokio::test]
    async fn send_captures_status_headers_and_body() {
        let base = serve(Router::new().fallback(any(echo))).await;
        let prober = prober(&format!("{base}/api"));
        let mut request = malformed_json(Method::Post, "/pets/a%20b%2Fc?q=1%2F2&x=%7B");
        request.headers.push(("X-Trace".into(), "t-1".into()));

        let exchange = prober.send(&request).await;

        let response = exchange.outcome.expect("response");
        assert_eq!(response.status, 201);
        assert_eq!(response.header("X-Served-By"), Some("echo"));
        assert!(!response.truncated);
        let body = String::from_utf8(response.body).expect("utf-8");
        assert_eq!(
            body,
            format!(
                "POST /api/pets/a%20b%2Fc?q=1%2F2&x=%7B\nuser-agent: {}\nx-trace: t-1\ncontent-type: application/json\naccept-encoding: \n\n{{",
                crate::USER_AGENT
            )
        );
        assert_eq!(
            exchange.request.url,
            format!("{base}/api/pets/a%20b%2Fc?q=1%2F2&x=%7B")
        );
        assert_eq!(
            exchange.request.headers,
            vec![
                ("User-Agent".to_string(), crate::USER_AGENT.to_string()),
                ("X-Trace".to_string(), "t-1".to_string()),
                ("Content-Type".to_string(), "application/json".to_string()),
            ]
        );
    }

    #[tokio::test]
    async fn base_url_query_is_kept_before_the_request_query() {
        let base = serve(Router::new().fallback(any(echo))).await;
        let prober = prober(&format!("{base}/v1?tenant=t1"));

        let with_query = prober.send(&get_request("/pets?limit=1")).await;
        let without_query = prober.send(&get_request("/pets")).await;

        assert_eq!(
            with_query.request.url,
            format!("{base}/v1/pets?tenant=t1&limit=1")
        );
        assert_eq!(
            without_query.request.url,
            format!("{base}/v1/pets?tenant=t1")
        );
        let body = with_query.outcome.expect("response").body;
        assert!(body.starts_with(b"GET /v1/pets?tenant=t1&limit=1\n"));
    }

    #[tokio::test]
    async fn body_cap_stops_reading_an_endless_body() {
        let base = serve_endless_body().await;
        let options = ProbeOptions {
            body_cap: 10_000,
            ..ProbeOptions::default()
        };

        let exchange = prober_with(&base, options)
            .send(&get_request("/stream"))
            .await;

        let response = exchange.outcome.expect("response");
        assert_eq!(response.status, 200);
        assert_eq!(response.body.len(), 10_000);
        assert!(response.truncated);
    }

    #[tokio::test]
    async fn body_exactly_at_the_cap_is_not_truncated() {
        let app = Router::new().route("/five", get(|| async { "12345" }));
        let base = serve(app).await;
        let options = ProbeOptions {
            body_cap: 5,
            ..ProbeOptions::default()
        };

        let response = prober_with(&base, options)
            .send(&get_request("/five"))
            .await
            .outcome
            .expect("response");

        assert_eq!(response.body, b"12345");
        assert!(!response.truncated);
    }

    #[tokio::test]
    async fn redirect_is_recorded_not_followed() {
        let app = Router::new()
            .route("/old", get(|| async { Redirect::temporary("/new") }))
            .route("/new", get(|| async { "followed" }));
        let base = serve(app).await;

        let response = prober(&base)
            .send(&get_request("/old"))
            .await
            .outcome
            .expect("response");

        assert_eq!(response.status, 307);
        assert_eq!(response.header("location"), Some("/new"));
        assert!(response.body.is_empty());
    }

    #[tokio::test]
    async fn slow_answer_is_a_timeout() {
        let app = Router::new().route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        );
        let base = serve(app).await;
        let timeout = Duration::from_millis(200);

        let exchange = prober_with(&base, options_with_timeout(timeout))
            .send(&get_request("/slow"))
            .await;

        assert_eq!(exchange.outcome, Err(TransportError::Timeout(timeout)));
    }

    #[tokio::test]
    async fn refused_connection_is_a_connect_error_without_credentials() {
        let closed = closed_port_url().await;
        let with_userinfo = closed.replace("http://", "http://ci:hunter22@");

        let exchange = prober(&with_userinfo).send(&get_request("/pets")).await;

        match exchange.outcome {
            Err(TransportError::Connect(message)) => {
                assert!(!message.is_empty());
                assert!(!message.contains("hunter22"), "{message}");
            }
            other => panic!("expected a connect error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn tls_to_a_plain_http_server_is_a_tls_error() {
        let base = serve(Router::new().route("/", get(|| async { "plain" }))).await;

        let exchange = prober(&base.replace("http://", "https://"))
            .send(&get_request("/"))
            .await;

        assert!(
            matches!(exchange.outcome, Err(TransportError::Tls(_))),
            "{:?}",
            exchange.outcome
        );
    }

    #[tokio::test]
    async fn invalid_header_value_is_refused_without_echoing_it() {
        let base = serve(Router::new().fallback(any(echo))).await;
        let mut request = get_request("/pets");
        request
            .headers
            .push(("Authorization".into(), "Bearer se\ncret".into()));

        let exchange = prober(&base).send(&request).await;

        match exchange.outcome {
            Err(TransportError::Other(message)) => {
                assert!(message.contains("Authorization"), "{message}");
                assert!(!message.contains("cret"), "{message}");
            }
            other => panic!("expected a refused header, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn probe_all_respects_the_concurrency_bound_and_keeps_input_order() {
        #[derive(Default)]
        struct Load {
            in_flight: AtomicUsize,
            most: AtomicUsize,
        }
        const BOUND: usize = 3;
        let load = Arc::new(Load::default());
        let app = Router::new().route(
            "/item/{n}",
            get({
                let load = Arc::clone(&load);
                move |axum::extract::Path(n): axum::extract::Path<u32>| {
                    let load = Arc::clone(&load);
                    async move {
                        let now = load.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        load.most.fetch_max(now, Ordering::SeqCst);
                        // Hold the request until the bound is reached (or a
                        // while has passed), so overlapping requests overlap.
                        for _ in 0..200 {
                            if load.most.load(Ordering::SeqCst) >= BOUND {
                                break;
                            }
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        load.in_flight.fetch_sub(1, Ordering::SeqCst);
                        n.to_string()
                    }
                }
            }),
        );
        let base = serve(app).await;
        let options = ProbeOptions {
            concurrency: BOUND,
            ..ProbeOptions::default()
        };
        let requests: Vec<PlannedRequest> = (0..12)
            .map(|n| get_request(&format!("/item/{n}")))
            .collect();
        let keyed = requests.iter().enumerate().map(|(i, r)| (100 + i, r));

        let results = prober_with(&base, options).probe_all(keyed).await;

        assert_eq!(load.most.load(Ordering::SeqCst), BOUND);
        let keys: Vec<usize> = results.iter().map(|(key, _)| *key).collect();
        assert_eq!(keys, (100..112).collect::<Vec<_>>());
        for (key, exchange) in &results {
            let body = &exchange.outcome.as_ref().expect("response").body;
            assert_eq!(body, (key - 100).to_string().as_bytes());
        }
    }

    #[test]
    fn debug_of_options_hides_header_values() {
        let options = ProbeOptions {
            discovery_headers: vec![("Authorization".into(), "Bearer tok-3141592".into())],
            ..ProbeOptions::default()
        };
        let shown = format!("{options:?}");
        assert!(shown.contains("Authorization"));
        assert!(!shown.contains("tok-3141592"));
    }
}
