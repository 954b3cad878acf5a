//! Discovery: before probing a target, learn what its "no such route" answer
//! looks like by requesting paths that cannot exist (at the root and under
//! each distinct leading path segment of the contract, since mounted sub-apps
//! answer differently). A declared operation's 404 counts as a missing route
//! only when it matches one of these fingerprints.

use crate::contract::Contract;

use super::{Prober, Response};

/// What one target taught us before the probes.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    pub no_route: Vec<NoRouteSample>,
    /// Sentences for reports (`<system-out>`, verbose terminal).
    pub notes: Vec<String>,
}

/// The answer to a path that cannot exist under `prefix` (`""` for the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoRouteSample {
    pub prefix: String,
    pub path: String,
    pub fingerprint: Fingerprint,
}

/// A response reduced to what stays the same between two missing routes:
/// status, media type, and the body with the requested path masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub status: u16,
    pub media_type: Option<String>,
    pub body: String,
}

impl Fingerprint {
    /// Fingerprint of `response` to a request for `path` (the path is masked
    /// in the body, so "Cannot GET /x" and "Cannot GET /y" match).
    pub fn of(response: &Response, path: &str) -> Fingerprint {
        let _ = (response, path);
        todo!("fingerprint")
    }
}

impl Discovery {
    /// The no-route sample that `response` (to a request for `path`) matches, if any.
    pub fn matching_no_route(&self, path: &str, response: &Response) -> Option<&NoRouteSample> {
        let _ = (path, response);
        todo!("matching")
    }
}

/// Runs discovery for one target: a handful of requests, not one per operation.
pub async fn discover(prober: &Prober, contract: &Contract) -> Discovery {
    let _ = (prober, contract);
    todo!("discover")
}
