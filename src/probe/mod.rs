//! Probe: send planned requests to a target over HTTP, concurrently and with
//! bounded resources, and capture what came back (status, headers, the first
//! bytes of the body) as evidence. Before the probes, a short discovery phase
//! learns how the target answers for routes that cannot exist.
//!
//! Redirects are never followed (a 3xx is evidence), bodies are read up to a
//! cap, and every request carries `User-Agent: rollcall/<version>`.

mod discovery;

pub use discovery::{Discovery, Fingerprint, NoRouteSample, discover};

use std::time::Duration;

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

#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Per-request timeout.
    pub timeout: Duration,
    /// Requests in flight at once, per target.
    pub concurrency: usize,
    /// The most body bytes read from any response.
    pub body_cap: usize,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            timeout: Duration::from_secs(10),
            concurrency: 16,
            body_cap: 64 * 1024,
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
    _private: (),
}

impl Prober {
    pub fn new(target: Target, options: ProbeOptions) -> Result<Prober, ProbeError> {
        let _ = (target, options);
        todo!("prober")
    }

    /// Sends one planned request.
    pub async fn send(&self, request: &PlannedRequest) -> Exchange {
        let _ = request;
        todo!("send")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot build an HTTP client: {0}")]
    Client(String),
}
