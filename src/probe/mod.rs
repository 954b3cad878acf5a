//! Probe: send planned requests to a target over HTTP, concurrently and with
//! bounded resources, and capture what came back (status, headers, the first
//! bytes of the body) as evidence. Before the probes, a short discovery phase
//! learns how the target answers for routes that cannot exist
//! (`discovery.rs`), comparing answers with what varies between requests
//! masked (`mask.rs`).
//!
//! Redirects are never followed (a 3xx is evidence), bodies are read up to a
//! cap, the timeout bounds each whole attempt (body included), and every
//! request carries `User-Agent: rollcall/<version>`. A `429`, or a `503` with
//! `Retry-After` (seconds or an HTTP-date), is retried a bounded number of
//! times; a request lost on a keep-alive connection the server had already
//! closed is sent once more on a new connection; both kinds of retry are kept
//! as evidence. `--rate` spaces request starts per target. TLS trusts the
//! system roots plus `--cacert`, or anything with `--insecure`, and can
//! present a client certificate for mTLS.

mod discovery;
pub mod followup;
mod mask;
pub mod resolve;
pub mod sigv4;
#[cfg(test)]
pub(crate) mod testing;

pub use discovery::{
    Discovery, DiscoveryPlan, Fingerprint, MethodRefusal, NoRouteSample, OptionsCalibration,
    OptionsSample, ServedAnswer, allow_lists, allow_methods, discover,
};

use std::collections::HashSet;
use std::error::Error as _;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use hyper_util::client::legacy::connect::HttpInfo;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::contract::Method;
use crate::plan::PlannedRequest;
use crate::tls::TlsError;

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
    /// Which certificates to trust and which to present.
    pub tls: TlsOptions,
    /// How many times a `429`, or a `503` with `Retry-After`, is retried.
    /// (A request lost on a stale keep-alive connection is resent once
    /// regardless: the target never saw it.)
    pub retries: u32,
    /// How long all those retries may wait in all. Clones share it, so one
    /// budget covers every target and phase of a run.
    pub retry_budget: RetryBudget,
    /// At most this many requests per second per target (`--rate`); `None`
    /// sends as fast as the concurrency allows.
    pub rate_per_second: Option<f64>,
    /// Speak HTTP/2 from the first byte on plain-http targets (h2c prior
    /// knowledge), for servers that do not speak HTTP/1.1 at all. Over TLS,
    /// HTTP/2 is negotiated by ALPN without this.
    pub http2_prior_knowledge: bool,
    /// Addresses to connect to instead of resolving the target's host
    /// (`--resolve`, `--each-address`); the `Host` header and TLS server name
    /// stay the URL's. Empty: resolve as any client would.
    pub connect_to: Vec<std::net::SocketAddr>,
    /// Called once per planned probe as its exchange completes (the terminal
    /// progress bar counts with it); `None`: nobody is watching.
    pub on_probe_done: Option<ProbeDone>,
    /// Signs every request with AWS Signature Version 4 (`--aws-sigv4`).
    pub signer: Option<Arc<sigv4::SigV4>>,
}

/// A callback for [`ProbeOptions::on_probe_done`].
pub type ProbeDone = Arc<dyn Fn() + Send + Sync>;

pub use crate::tls::TlsOptions;

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
            .field("tls", &self.tls)
            .field("retries", &self.retries)
            .field("retry_budget", &self.retry_budget.total())
            .field("rate_per_second", &self.rate_per_second)
            .field("http2_prior_knowledge", &self.http2_prior_knowledge)
            .field("connect_to", &self.connect_to)
            .field("signer", &self.signer)
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
            tls: TlsOptions::default(),
            retries: 2,
            retry_budget: RetryBudget::new(DEFAULT_RETRY_BUDGET),
            rate_per_second: None,
            http2_prior_knowledge: false,
            connect_to: Vec::new(),
            on_probe_done: None,
            signer: None,
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
    /// The last attempt's outcome.
    pub outcome: Result<Response, TransportError>,
    /// From the first attempt to the end of the last, waits included.
    pub elapsed: Duration,
    /// The attempts that were retried before `outcome`, oldest first.
    pub retries: Vec<Retry>,
}

/// An attempt that was retried, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    pub cause: RetryCause,
    /// How long rollcall waited before the next attempt.
    pub waited: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryCause {
    /// The target asked to come back later: `429`, or `503` with
    /// `Retry-After`.
    Answered {
        status: u16,
        /// The `Retry-After` header as the target sent it.
        retry_after: Option<String>,
    },
    /// A reused keep-alive connection closed or reset before any answer
    /// (the server had closed it while idle), so the request went again on
    /// a new connection.
    StaleConnection(TransportError),
}

impl Exchange {
    /// What the retries were, for the evidence: "answered 429 twice
    /// (Retry-After: 1) before 200", "connection closed before message
    /// completed on a reused connection, retried on a new one before 200".
    /// `None` when nothing was retried.
    pub fn retry_note(&self) -> Option<String> {
        if self.retries.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        let answered: Vec<(u16, Option<&str>)> = self
            .retries
            .iter()
            .filter_map(|retry| match &retry.cause {
                RetryCause::Answered {
                    status,
                    retry_after,
                } => Some((*status, retry_after.as_deref())),
                RetryCause::StaleConnection(_) => None,
            })
            .collect();
        if let Some((_, first_retry_after)) = answered.first() {
            let mut statuses: Vec<String> = answered.iter().map(|(s, _)| s.to_string()).collect();
            statuses.dedup();
            let times = match answered.len() {
                1 => "once".to_string(),
                2 => "twice".to_string(),
                n => format!("{n} times"),
            };
            let after = first_retry_after
                .map(|v| format!(" (Retry-After: {v})"))
                .unwrap_or_default();
            parts.push(format!("answered {} {times}{after}", statuses.join("/")));
        }
        for retry in &self.retries {
            if let RetryCause::StaleConnection(error) = &retry.cause {
                parts.push(format!(
                    "{error} on a reused connection, retried on a new one"
                ));
            }
        }
        let ending = match &self.outcome {
            Ok(response) => format!("before {}", response.status),
            Err(error) => format!("before failing: {error}"),
        };
        Some(format!("{} {ending}", parts.join("; ")))
    }
}

/// The longest `Retry-After` rollcall honours; a target asking for longer is
/// reported as it answered, not waited for.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

/// How long the retries of a whole run may wait in all, by default
/// (`--retry-budget`).
pub const DEFAULT_RETRY_BUDGET: Duration = Duration::from_secs(30);

/// The time a run may spend waiting before retries, shared by every clone:
/// each retry takes its wait out of it, and once what is left is shorter
/// than the wait an answer asks for, the answer stands. Without it, waits add
/// up over discovery, probes and follow-ups (a target answering every request
/// `503` with `Retry-After: 10` kept a 2-operation run busy for 89 s).
#[derive(Debug, Clone)]
pub struct RetryBudget(Arc<BudgetState>);

#[derive(Debug)]
struct BudgetState {
    total: Duration,
    left_micros: std::sync::atomic::AtomicU64,
    refused: std::sync::atomic::AtomicBool,
}

impl RetryBudget {
    pub fn new(total: Duration) -> RetryBudget {
        let micros = u64::try_from(total.as_micros()).unwrap_or(u64::MAX);
        RetryBudget(Arc::new(BudgetState {
            total,
            left_micros: micros.into(),
            refused: false.into(),
        }))
    }

    pub fn total(&self) -> Duration {
        self.0.total
    }

    /// Takes `wait` out of the budget; `false` (and nothing taken) when less
    /// than that is left.
    fn take(&self, wait: Duration) -> bool {
        use std::sync::atomic::Ordering;
        let wanted = u64::try_from(wait.as_micros()).unwrap_or(u64::MAX);
        let taken = self
            .0
            .left_micros
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(wanted)
            })
            .is_ok();
        if !taken {
            self.0.refused.store(true, Ordering::SeqCst);
        }
        taken
    }

    /// Whether some retry was not made because the budget was spent.
    pub fn ran_out(&self) -> bool {
        self.0.refused.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Sends requests for one target. Cheap to clone; clones share connections
/// and the rate limit.
#[derive(Debug, Clone)]
pub struct Prober {
    /// Keeps connections alive between requests.
    client: reqwest::Client,
    /// Opens a new connection for every request: for resending a request
    /// lost on a stale keep-alive connection, where another pooled
    /// connection could be just as stale. Built when first needed (building
    /// a client loads the trusted roots, which takes a while).
    fresh_client: Arc<OnceLock<reqwest::Client>>,
    /// The local addresses of the pooled connections that have carried an
    /// answer: a failure on one of them is a failure on a reused connection.
    answered_connections: Arc<Mutex<HashSet<SocketAddr>>>,
    target: Arc<Target>,
    base: Arc<BaseUrl>,
    options: Arc<ProbeOptions>,
    pacer: Option<Arc<Pacer>>,
}

/// A target's base URL, split once so that each request's URL is built
/// without parsing the base again (see [`Prober::url_for`]).
#[derive(Debug)]
struct BaseUrl {
    /// The base URL without its query and fragment.
    stem: url::Url,
    /// Its path without trailing slashes (`/api`, or empty).
    path: String,
    /// Its query, when not empty.
    query: Option<String>,
}

impl BaseUrl {
    fn new(base: &url::Url) -> BaseUrl {
        let mut stem = base.clone();
        stem.set_query(None);
        stem.set_fragment(None);
        BaseUrl {
            path: base.path().trim_end_matches('/').to_string(),
            query: base.query().filter(|q| !q.is_empty()).map(str::to_string),
            stem,
        }
    }

    /// The URL of `path` and `query` on this base, by parsing the joined
    /// text whole.
    fn parse_joined(&self, path: &str, query: Option<&str>) -> Result<url::Url, TransportError> {
        // Up to the end of the path: no query, no fragment.
        let prefix = self.stem[..url::Position::AfterPath].trim_end_matches('/');
        let query = match (self.query.as_deref(), query) {
            (Some(b), Some(q)) if !q.is_empty() => Some(format!("{b}&{q}")),
            (Some(b), _) => Some(b.to_string()),
            (None, q) => q.map(str::to_string),
        };
        let slash = if path.starts_with('/') { "" } else { "/" };
        let joined = match query {
            Some(query) => format!("{prefix}{slash}{path}?{query}"),
            None => format!("{prefix}{slash}{path}"),
        };
        url::Url::parse(&joined)
            .map_err(|e| TransportError::Other(format!("invalid request URL: {e}")))
    }
}

/// A byte that a URL parser reads the same within a path or query wherever
/// the URL starts: visible ASCII but for `#` (a fragment) and `\` (a slash
/// to a URL parser).
fn is_plain_url_byte(byte: u8) -> bool {
    matches!(byte, b'!'..=b'~') && byte != b'#' && byte != b'\\'
}

/// Which client an attempt goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Connection {
    Pooled,
    Fresh,
}

/// An attempt that got no response.
struct Failure {
    error: TransportError,
    /// On a reused connection that closed or reset before any answer: see
    /// [`Prober::send`].
    on_stale_connection: bool,
}

impl From<TransportError> for Failure {
    fn from(error: TransportError) -> Failure {
        Failure {
            error,
            on_stale_connection: false,
        }
    }
}

/// Spaces request starts evenly to honour `--rate`: each request takes the
/// next free slot, `1/rate` seconds after the previous one.
#[derive(Debug)]
struct Pacer {
    interval: Duration,
    next_slot: std::sync::Mutex<Instant>,
}

impl Pacer {
    fn new(per_second: f64) -> Option<Pacer> {
        if !per_second.is_finite() || per_second <= 0.0 {
            return None;
        }
        Some(Pacer {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next_slot: std::sync::Mutex::new(Instant::now()),
        })
    }

    async fn wait_for_slot(&self) {
        let slot = {
            // A poisoned lock only means another request panicked mid-update;
            // the instant inside is still a valid slot.
            let mut next = self
                .next_slot
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }
}

impl Prober {
    /// One connection pool per target (see [`build_client`]).
    pub fn new(target: Target, options: ProbeOptions) -> Result<Prober, ProbeError> {
        crate::install_crypto_provider();
        let client = build_client(&target, &options, Connection::Pooled)?;
        let pacer = options.rate_per_second.and_then(Pacer::new).map(Arc::new);
        Ok(Prober {
            client,
            fresh_client: Arc::default(),
            answered_connections: Arc::default(),
            base: Arc::new(BaseUrl::new(&target.base_url)),
            target: Arc::new(target),
            options: Arc::new(options),
            pacer,
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
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path_and_query, None),
        };
        let base = &self.base;
        if base.stem.cannot_be_a_base() || !path_and_query.bytes().all(is_plain_url_byte) {
            return base.parse_joined(path, query);
        }
        // Only the path and query are parsed, not the whole URL again (its
        // host goes through IDNA): the same parser, so the same bytes, for
        // all but what `parse_joined` handles (a fragment, a space or a
        // control character, which a full parse treats differently).
        let mut url = base.stem.clone();
        let slash = if path.starts_with('/') { "" } else { "/" };
        let mut full_path = String::with_capacity(base.path.len() + slash.len() + path.len());
        full_path.push_str(&base.path);
        full_path.push_str(slash);
        full_path.push_str(path);
        url.set_path(&full_path);
        match (base.query.as_deref(), query) {
            (Some(b), Some(q)) if !q.is_empty() => url.set_query(Some(&format!("{b}&{q}"))),
            (Some(b), _) => url.set_query(Some(b)),
            (None, q) => url.set_query(q),
        }
        Ok(url)
    }

    /// Why `request` cannot be sent to this target at all, if it cannot: its
    /// URL cannot be written as an HTTP request target (too long, or a
    /// character HTTP does not allow), or a header value holds a character
    /// a header cannot carry (a line break from `-H` or `--auth`). Never
    /// echoes a header value, which may be a credential. (A header name the
    /// contract spells wrong costs only its operation, when it is sent.)
    pub fn unsendable(&self, request: &PlannedRequest) -> Option<String> {
        let url = match self.url_for(&request.path_and_query) {
            Ok(url) => url,
            Err(error) => return Some(error.to_string()),
        };
        if let Err(error) = hyper::Uri::try_from(url.as_str()) {
            return Some(format!(
                "its URL ({} bytes) cannot be an HTTP request target: {error}",
                url.as_str().len()
            ));
        }
        // Values only: the plan encodes what the contract gives, so a value a
        // header cannot carry came from the user (-H, --auth).
        self.final_headers(request)
            .iter()
            .find(|(_, value)| HeaderValue::from_str(value).is_err())
            .map(|(name, _)| {
                format!(
                    "the value of header '{}' has a character a header cannot carry (a \
                     control character such as a line break, or a non-ASCII one)",
                    crate::printable::line(name)
                )
            })
    }

    /// Sends one planned request, within the rate limit. A `429`, or a `503`
    /// with `Retry-After`, is retried up to [`ProbeOptions::retries`] times
    /// after the wait it asks for (or a jittered backoff), and the retries
    /// are kept in the exchange as evidence.
    ///
    /// A request lost on a stale keep-alive connection is sent once more, on
    /// a new connection. A server may close an idle connection (a keep-alive
    /// timeout, or uvicorn after a `500`) just as the pool hands it out; the
    /// request then meets a closed socket, and the connection closes or
    /// resets before any answer. The server never read that request, so it
    /// is resent whatever the method, even in live mode where a `POST`
    /// changes things. The resend needs both signs: the connection had
    /// already carried an answer, and it failed after connecting and before
    /// any response head (not a timeout). A server that drops a request on a
    /// new connection, or resets after answering part of it, is reported as
    /// it behaved. The one case a resend could repeat a change is a server
    /// that read the request on a reused connection and then died without a
    /// byte of answer; the evidence then says the request was retried.
    pub async fn send(&self, request: &PlannedRequest) -> Exchange {
        let started = Instant::now();
        let mut retries: Vec<Retry> = Vec::new();
        let mut answered_retries = 0;
        let mut connection = Connection::Pooled;
        loop {
            if let Some(pacer) = &self.pacer {
                pacer.wait_for_slot().await;
            }
            let (sent, outcome) = self.exchange(request, connection).await;
            connection = Connection::Pooled;
            let already_resent = retries
                .iter()
                .any(|r| matches!(r.cause, RetryCause::StaleConnection(_)));
            let retry = match &outcome {
                Err(failure) if failure.on_stale_connection && !already_resent => {
                    connection = Connection::Fresh;
                    Some(Retry {
                        cause: RetryCause::StaleConnection(failure.error.clone()),
                        waited: Duration::ZERO,
                    })
                }
                Ok(response) if answered_retries < self.options.retries as usize => {
                    retry_wait(response, answered_retries)
                        .filter(|waited| self.options.retry_budget.take(*waited))
                        .map(|waited| Retry {
                            cause: RetryCause::Answered {
                                status: response.status,
                                retry_after: response.header("retry-after").map(str::to_string),
                            },
                            waited,
                        })
                }
                _ => None,
            };
            let Some(retry) = retry else {
                return Exchange {
                    request: sent,
                    outcome: outcome.map_err(|failure| failure.error),
                    elapsed: started.elapsed(),
                    retries,
                };
            };
            if matches!(retry.cause, RetryCause::Answered { .. }) {
                answered_retries += 1;
            }
            let waited = retry.waited;
            retries.push(retry);
            if !waited.is_zero() {
                tokio::time::sleep(waited).await;
            }
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
    ///
    /// The requests are borrowed, not cloned, and no task is spawned per
    /// request: the in-flight sends are polled together here (connections
    /// run on their own tasks), so a 100k-operation plan costs no more than
    /// its exchanges. A send that panics becomes a failed exchange.
    pub async fn probe_all<'r>(
        &self,
        requests: impl IntoIterator<Item = (usize, &'r PlannedRequest)>,
    ) -> Vec<(usize, Exchange)> {
        use futures_util::StreamExt;
        use futures_util::stream::FuturesUnordered;

        let inputs: Vec<(usize, &PlannedRequest)> = requests.into_iter().collect();
        let mut exchanges: Vec<Option<Exchange>> = Vec::new();
        exchanges.resize_with(inputs.len(), || None);
        let bound = self.options.concurrency.max(1);
        let mut waiting = inputs.iter().enumerate();
        let mut in_flight = FuturesUnordered::new();
        loop {
            while in_flight.len() < bound {
                let Some((position, (_, request))) = waiting.next() else {
                    break;
                };
                in_flight.push(self.send_at(position, request));
            }
            let Some((position, exchange)) = in_flight.next().await else {
                break;
            };
            if let Some(done) = &self.options.on_probe_done {
                done();
            }
            exchanges[position] = Some(exchange);
        }
        drop(in_flight);
        inputs
            .into_iter()
            .zip(exchanges)
            .filter_map(|((key, _), exchange)| exchange.map(|x| (key, x)))
            .collect()
    }

    /// [`Prober::send`], tagged with its position; a panic inside becomes a
    /// failed exchange instead of ending the run.
    async fn send_at(&self, position: usize, request: &PlannedRequest) -> (usize, Exchange) {
        use futures_util::FutureExt;
        let exchange = match std::panic::AssertUnwindSafe(self.send(request))
            .catch_unwind()
            .await
        {
            Ok(exchange) => exchange,
            Err(_) => self.failed_probe(request.method, &request.path_and_query),
        };
        (position, exchange)
    }

    fn failed_probe(&self, method: Method, path: &str) -> Exchange {
        let url = self
            .url_for(path)
            .map_or_else(|_| path.to_string(), |u| u.to_string());
        let reason = "the probe panicked (a bug in rollcall; please report it)";
        Exchange {
            request: SentRequest {
                method,
                url,
                headers: Vec::new(),
                body: None,
            },
            outcome: Err(TransportError::Other(reason.to_string())),
            elapsed: Duration::ZERO,
            retries: Vec::new(),
        }
    }

    async fn exchange(
        &self,
        request: &PlannedRequest,
        connection: Connection,
    ) -> (SentRequest, Result<Response, Failure>) {
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
                return (sent, Err(error.into()));
            }
        };
        sent.url = url.as_str().to_owned();
        if let Some(signer) = &self.options.signer {
            let body = request
                .body
                .as_ref()
                .map_or(&[][..], |b| b.bytes.as_slice());
            let method = request.method.as_str();
            match signer.sign(method, &url, &sent.headers, body, SystemTime::now()) {
                Ok(signature) => sent.headers.extend(signature),
                Err(error) => return (sent, Err(TransportError::Other(error).into())),
            }
        }
        let outcome = self.transmit(url, request, &sent.headers, connection).await;
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
        // A PUT, POST or PATCH without a body (or with an empty one) still
        // says so: S3 and many servers refuse one without a length (411)
        // before any handler runs, and the client adds none for it.
        if request
            .body
            .as_ref()
            .is_none_or(|body| body.bytes.is_empty())
            && request.method.carries_content()
            && !planned_has("content-length")
            && !planned_has("transfer-encoding")
        {
            headers.push(("Content-Length".to_string(), "0".to_string()));
        }
        headers
    }

    async fn transmit(
        &self,
        url: url::Url,
        request: &PlannedRequest,
        headers: &[(String, String)],
        connection: Connection,
    ) -> Result<Response, Failure> {
        let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes())
            .map_err(|_| TransportError::Other(format!("invalid method {}", request.method)))?;
        // Room for the client's own defaults too (`Accept`), so that adding
        // them does not grow the map.
        let mut header_map = HeaderMap::with_capacity(headers.len() + 2);
        for (name, value) in headers {
            let header_name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| TransportError::Other(format!("invalid header name '{name}'")))?;
            let header_value = if value == crate::USER_AGENT {
                // Ours, and a constant: no copy to make.
                HeaderValue::from_static(crate::USER_AGENT)
            } else {
                // The value may be a credential: never echo it.
                HeaderValue::from_str(value).map_err(|_| {
                    TransportError::Other(format!("invalid value for header '{name}'"))
                })?
            };
            header_map.append(header_name, header_value);
        }
        let client = self.client_for(connection);
        // A URL with userinfo gets its `Authorization` from the builder, and
        // ours must replace it there; otherwise the map simply becomes the
        // request's, without merging it header by header.
        let with_userinfo = !url.username().is_empty() || url.password().is_some();
        let mut builder = client.request(method, url);
        if with_userinfo {
            builder = builder.headers(std::mem::take(&mut header_map));
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.bytes.clone());
        }
        let mut outgoing = builder.build().map_err(|error| Failure {
            error: self.transport_error(&error),
            on_stale_connection: false,
        })?;
        if !with_userinfo {
            *outgoing.headers_mut() = header_map;
        }
        let mut response = client.execute(outgoing).await.map_err(|error| Failure {
            error: self.transport_error(&error),
            on_stale_connection: connection == Connection::Pooled
                && self.failed_on_stale_connection(&error),
        })?;
        if connection == Connection::Pooled
            && let Some(info) = response.extensions().get::<HttpInfo>()
        {
            self.answered_connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(info.local_addr());
        }
        let status = response.status().as_u16();
        let mut headers = Vec::with_capacity(response.headers().len());
        headers.extend(response.headers().iter().map(|(name, value)| {
            let value = match value.to_str() {
                Ok(text) => text.to_owned(),
                Err(_) => String::from_utf8_lossy(value.as_bytes()).into_owned(),
            };
            (name.as_str().to_owned(), value)
        }));
        let (body, truncated) = read_capped(&mut response, self.options.body_cap).await;
        Ok(Response {
            status,
            headers,
            body,
            truncated,
        })
    }

    fn client_for(&self, connection: Connection) -> &reqwest::Client {
        match connection {
            Connection::Pooled => &self.client,
            Connection::Fresh => self.fresh_client.get_or_init(|| {
                // The same options already built the pooled client, so this
                // does not fail in practice; if it did, the pooled client
                // is the next best.
                build_client(&self.target, &self.options, Connection::Fresh)
                    .unwrap_or_else(|_| self.client.clone())
            }),
        }
    }

    /// Whether `error` is what a keep-alive connection the server had
    /// already closed looks like: the connection closed or reset before any
    /// response head, after connecting, on a connection that had carried an
    /// answer before.
    fn failed_on_stale_connection(&self, error: &reqwest::Error) -> bool {
        if error.is_timeout() || error.is_connect() || !closed_before_answer(error) {
            return false;
        }
        connection_address(error).is_some_and(|address| {
            self.answered_connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(&address)
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

/// A client for `target` with the options' timeouts, TLS and addresses.
/// Redirects are not followed and bodies are not decompressed: both would
/// hide evidence. The timeout bounds each whole attempt, body reading
/// included, so a server trickling bytes cannot hold a probe longer.
fn build_client(
    target: &Target,
    options: &ProbeOptions,
    connection: Connection,
) -> Result<reqwest::Client, ProbeError> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(options.timeout)
        .connect_timeout(options.timeout)
        .user_agent(crate::USER_AGENT)
        .referer(false);
    builder = options
        .tls
        .apply_for(builder, &target.base_url)
        .map_err(|e| match e {
            TlsError::Certificate(m) => ProbeError::Certificate(m),
            TlsError::ClientIdentity(m) => ProbeError::ClientIdentity(m),
        })?;
    if options.http2_prior_knowledge {
        builder = builder.http2_prior_knowledge();
    }
    builder = resolve::pin(builder, &target.base_url, &options.connect_to);
    if !system_proxy_configured() {
        // Nothing to match each request against: skipping the matcher
        // changes nothing but its cost (two lookups per request).
        builder = builder.no_proxy();
    }
    if target.base_url.scheme() == "http"
        && !options.http2_prior_knowledge
        && !crate::tls::speaks_tls_to(&target.base_url)
    {
        // HTTP/1.1 only: the client's own retries are for HTTP/2 refusals
        // (REFUSED_STREAM, a graceful GOAWAY) and never apply, but it would
        // still copy every request to be ready for them.
        builder = builder.retry(reqwest::retry::never().max_retries_per_request(0));
    }
    if connection == Connection::Fresh {
        builder = builder.pool_max_idle_per_host(0);
    }
    builder
        .build()
        .map_err(|e| ProbeError::Client(error_chain(&e)))
}

/// Whether the client would find a proxy to use: the variables it reads on
/// this system are set (elsewhere it also reads the system's settings).
fn system_proxy_configured() -> bool {
    cfg!(any(target_os = "macos", windows))
        || [
            "ALL_PROXY",
            "all_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
        ]
        .into_iter()
        .any(|name| std::env::var_os(name).is_some())
}

/// How long to wait before retrying `response`, or `None` when it is not
/// worth retrying: only `429`, and `503` with a `Retry-After`, ask to come
/// back. A `Retry-After` (seconds or an HTTP-date) is honoured up to
/// [`MAX_RETRY_WAIT`] (beyond it, the answer stands); otherwise the wait
/// doubles per attempt from 250 ms. Up to a quarter more is added at random,
/// so that many probes told the same thing do not all come back at the same
/// instant.
fn retry_wait(response: &Response, attempt: usize) -> Option<Duration> {
    let retry_after = response
        .header("retry-after")
        .and_then(|value| retry_after_delay(value, SystemTime::now()));
    let base = match (response.status, retry_after) {
        (429 | 503, Some(wait)) if wait <= MAX_RETRY_WAIT => wait,
        (429 | 503, Some(_)) => return None,
        (429, None) => Duration::from_millis(250) * 2u32.saturating_pow(attempt.min(6) as u32),
        _ => return None,
    };
    let jitter = base
        .max(Duration::from_millis(100))
        .mul_f64(fastrand::f64() / 4.0);
    Some(base + jitter)
}

/// The wait a `Retry-After` value asks for at `now`: delay-seconds, or an
/// HTTP-date (RFC 9110), which asks for no wait once it has passed. `None`
/// when the value is neither.
fn retry_after_delay(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
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

/// Whether the connection closed (hyper: "connection closed before message
/// completed") or was reset or aborted under the request.
fn closed_before_answer(error: &reqwest::Error) -> bool {
    use std::io::ErrorKind;
    let mut source = error.source();
    while let Some(cause) = source {
        if cause
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
        {
            return true;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe
            )
        {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The local address of the connection `error` happened on, which tells
/// connections to the same target apart.
fn connection_address(error: &reqwest::Error) -> Option<SocketAddr> {
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(client_error) = cause.downcast_ref::<hyper_util::client::legacy::Error>() {
            let mut extras = hyper::http::Extensions::new();
            client_error.connect_info()?.get_extras(&mut extras);
            return extras.get::<HttpInfo>().map(HttpInfo::local_addr);
        }
        source = cause.source();
    }
    None
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
    /// A planned request that no HTTP client could send (see
    /// [`Prober::unsendable`]): bad input, found before anything is sent.
    #[error("{operation}: cannot be sent to {target}: {reason}")]
    Unsendable {
        operation: String,
        target: String,
        reason: String,
    },
    #[error("cannot use the trusted certificates (--cacert): {0}")]
    Certificate(String),
    #[error("cannot use the client certificate and key (--client-cert/--client-key): {0}")]
    ClientIdentity(String),
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
                "POST /api/pets/a%20b%2Fc?q=1%2F2&x=%7B\nuser-agent: {}\nx-trace: t-1\ncontent-type: application/json\naccept-encoding: \n\n{{\"rollcall\": ",
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
    async fn bodyless_put_and_post_say_content_length_zero_once() {
        let base = serve_raw_echo().await;
        let prober = prober(&base);
        let empty_body = PlannedRequest {
            body: Some(crate::plan::Body {
                content_type: "text/xml".into(),
                bytes: Vec::new(),
            }),
            ..request(Method::Post, "/b/k?uploads")
        };
        for (request, expected) in [
            (request(Method::Put, "/b?tagging"), 1),
            (request(Method::Post, "/b?delete"), 1),
            (empty_body, 1),
            (request(Method::Get, "/b"), 0),
            (request(Method::Delete, "/b"), 0),
        ] {
            let exchange = prober.send(&request).await;
            let head = String::from_utf8(exchange.outcome.expect("answer").body).unwrap();
            let lengths: Vec<&str> = head
                .lines()
                .filter(|line| line.to_ascii_lowercase().starts_with("content-length:"))
                .collect();
            assert_eq!(lengths.len(), expected, "{}: {head}", request.method);
            assert!(lengths.iter().all(|l| l.ends_with(" 0")), "{head}");
        }
    }

    /// What goes on the wire is what parsing the whole joined URL gives,
    /// however odd the path: dot segments, characters a path encodes, an
    /// encoded dot, an empty query, a base with a query or a trailing slash.
    #[tokio::test]
    async fn request_urls_are_what_a_whole_parse_of_the_joined_url_gives() {
        let bases = [
            "http://127.0.0.1:9",
            "http://127.0.0.1:9/",
            "http://ci:hunter22@127.0.0.1:9/api/v1/",
            "http://Example.COM:80/Api?tenant=t1",
            "https://xn--bcher-kva.example/a?",
            "http://[::1]:9/p//?k=v#frag",
        ];
        let paths = [
            "",
            "/",
            "?",
            "?q=1",
            "/pets",
            "pets/{id}",
            "//twice//slashed/",
            "/a/../b/./c/%2e%2E/d",
            "/a/..",
            "/x/%2e",
            "/quote\"<>`{}|^'/x?q=\"<>'{}`&r=%zz",
            "/pets?",
            "/pets?a=1&&b=2?c",
            "/%F0%9F%90%88?%20",
            "/a#frag",
            "/a?b#frag",
            "/a b?c d ",
            "/tab\there",
            "/back\\slash",
            "/caf\u{e9}?na\u{ef}ve",
        ];
        for base in bases {
            let prober = prober(base);
            for path in paths {
                let (p, q) = match path.split_once('?') {
                    Some((p, q)) => (p, Some(q)),
                    None => (path, None),
                };
                let expected = prober.base.parse_joined(p, q).map(String::from);
                let built = prober.url_for(path).map(String::from);
                assert_eq!(built, expected, "{base} + {path}");
            }
        }
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

    fn answer(status: u16, retry_after: Option<&str>) -> Response {
        Response {
            status,
            headers: retry_after
                .map(|v| vec![("retry-after".to_string(), v.to_string())])
                .unwrap_or_default(),
            body: Vec::new(),
            truncated: false,
        }
    }

    #[test]
    fn only_answers_asking_to_come_back_are_retried() {
        assert!(retry_wait(&answer(429, None), 0).is_some());
        assert!(retry_wait(&answer(429, Some("1")), 0).is_some());
        assert!(retry_wait(&answer(503, Some("2")), 0).is_some());
        assert_eq!(retry_wait(&answer(503, None), 0), None);
        assert_eq!(retry_wait(&answer(500, Some("1")), 0), None);
        assert_eq!(retry_wait(&answer(200, None), 0), None);
    }

    #[test]
    fn retry_after_beyond_the_limit_is_reported_not_waited_for() {
        assert_eq!(retry_wait(&answer(429, Some("3600")), 0), None);
        let wait = retry_wait(&answer(429, Some("10")), 0).expect("waits");
        assert!(wait >= Duration::from_secs(10) && wait <= Duration::from_millis(12_500));
    }

    #[test]
    fn retry_note_says_what_was_retried_and_how_it_ended() {
        let retry = |status| Retry {
            cause: RetryCause::Answered {
                status,
                retry_after: Some("1".into()),
            },
            waited: Duration::from_secs(1),
        };
        let mut exchange = Exchange {
            request: SentRequest {
                method: Method::Get,
                url: "http://127.0.0.1:9/pets".into(),
                headers: vec![],
                body: None,
            },
            outcome: Ok(answer(200, None)),
            elapsed: Duration::ZERO,
            retries: vec![],
        };
        assert_eq!(exchange.retry_note(), None);
        exchange.retries = vec![retry(429), retry(429)];
        assert_eq!(
            exchange.retry_note().as_deref(),
            Some("answered 429 twice (Retry-After: 1) before 200")
        );
        exchange.retries = vec![retry(503)];
        exchange.outcome = Err(TransportError::Timeout(Duration::from_secs(2)));
        assert_eq!(
            exchange.retry_note().as_deref(),
            Some("answered 503 once (Retry-After: 1) before failing: timed out after 2s")
        );
        let stale = Retry {
            cause: RetryCause::StaleConnection(TransportError::Other(
                "connection closed before message completed".into(),
            )),
            waited: Duration::ZERO,
        };
        exchange.retries = vec![stale.clone()];
        exchange.outcome = Ok(answer(200, None));
        assert_eq!(
            exchange.retry_note().as_deref(),
            Some(
                "connection closed before message completed on a reused connection, retried on a new one before 200"
            )
        );
        exchange.retries = vec![retry(429), stale];
        assert_eq!(
            exchange.retry_note().as_deref(),
            Some(
                "answered 429 once (Retry-After: 1); connection closed before message completed on a reused connection, retried on a new one before 200"
            )
        );
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:27:53 GMT").expect("date");
        let delay = |value| retry_after_delay(value, now);

        assert_eq!(delay("120"), Some(Duration::from_secs(120)));
        assert_eq!(delay(" 0 "), Some(Duration::ZERO));
        assert_eq!(
            delay("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::from_secs(7))
        );
        // RFC 9110 asks recipients to accept the two obsolete date forms too.
        assert_eq!(
            delay("Wednesday, 21-Oct-15 07:28:00 GMT"),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            delay("Wed Oct 21 07:28:00 2015"),
            Some(Duration::from_secs(7))
        );
        assert_eq!(delay("Wed, 21 Oct 2015 07:00:00 GMT"), Some(Duration::ZERO));
        assert_eq!(delay("soon"), None);
        assert_eq!(delay("-1"), None);
    }

    #[test]
    fn retry_after_date_is_waited_for_within_the_limit() {
        let date_in = |offset: Duration| httpdate::fmt_http_date(SystemTime::now() + offset);

        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
        let wait = retry_wait(&answer(429, Some(&past)), 0).expect("retries now");
        assert!(wait <= Duration::from_millis(25), "{wait:?}");

        let hour = date_in(Duration::from_secs(3600));
        assert_eq!(retry_wait(&answer(503, Some(&hour)), 0), None);

        // The date has whole seconds, so the wait is up to a second shorter.
        let soon = date_in(Duration::from_secs(5));
        let wait = retry_wait(&answer(503, Some(&soon)), 0).expect("waits");
        assert!(
            wait >= Duration::from_secs(3) && wait <= Duration::from_millis(6_250),
            "{wait:?}"
        );
    }

    #[test]
    fn debug_of_tls_options_hides_the_client_key() {
        let options = ProbeOptions {
            tls: TlsOptions {
                client_identity_pem: Some(b"-----BEGIN PRIVATE KEY-----\nsecretkey".to_vec()),
                ..TlsOptions::default()
            },
            ..ProbeOptions::default()
        };
        let shown = format!("{options:?}");
        assert!(shown.contains("client_identity: true"), "{shown}");
        assert!(!shown.contains("secretkey"), "{shown}");
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
