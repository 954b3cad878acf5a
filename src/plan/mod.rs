//! Plan: one concrete request per declared operation, built from the
//! contract's examples and schemas, serialized as the spec says, with the
//! credentials applied the way each security scheme says. In safe mode (the
//! default) an unsafe method only gets a request that a correct handler must
//! reject before acting; where none exists the operation is left unverifiable.
//!
//! ```text
//! GET    /api/v1/pets?limit=1                       valid
//! POST   /api/v1/pets  (application/json: "{")      invalid: malformed JSON body
//! PUT    /api/v1/pets/{petId}                       unverifiable: no harmless request
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::contract::{Contract, Method};

/// Whether probes may be requests a correct implementation would act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Never send a request that a correct implementation would act on.
    #[default]
    Safe,
    /// Send valid requests for every method (staging and preview environments).
    Live,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Safe => "safe",
            Mode::Live => "live",
        })
    }
}

/// A credential for one of the contract's security schemes (`--auth SCHEME=VALUE`).
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    pub scheme: String,
    pub value: String,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credential({}=***)", self.scheme)
    }
}

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub mode: Mode,
    pub credentials: Vec<Credential>,
    /// Extra headers sent with every request (`-H 'Name: value'`).
    pub headers: Vec<(String, String)>,
}

/// The request for every operation, index-aligned with `Contract::operations`.
#[derive(Debug, Clone)]
pub struct Plan {
    pub mode: Mode,
    pub probes: Vec<PlannedProbe>,
}

#[derive(Debug, Clone)]
pub struct PlannedProbe {
    /// Index into `Contract::operations`.
    pub operation: usize,
    pub intent: Intent,
    /// `None` only when `intent` is [`Intent::Unverifiable`].
    pub request: Option<PlannedRequest>,
}

/// What a probe's request is meant to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Intent {
    /// A valid request, meant to reach the handler.
    Valid,
    /// A request that targets an identifier that cannot exist (a random
    /// sentinel of the parameter's type): harmless even for DELETE.
    Sentinel { parameter: String },
    /// A request a deployed handler must reject before acting (safe mode).
    Invalid { violation: String },
    /// Safe mode found no harmless way to reach this operation.
    Unverifiable { reason: String },
}

/// A concrete request, relative to a target's base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRequest {
    pub method: Method,
    /// Path with parameters substituted and percent-encoded, plus `?query`
    /// if any; always starts with `/`. Joined onto the target's base URL.
    pub path_and_query: String,
    /// Headers in sending order (parameters, credentials, `-H` extras).
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(
        "--auth {scheme}: the contract declares no security scheme named '{scheme}' (declared: {declared})"
    )]
    UnknownAuthScheme { scheme: String, declared: String },
    #[error("--auth {scheme}: {message}")]
    BadCredential { scheme: String, message: String },
}

/// Builds the plan for every operation of `contract`.
pub fn build(contract: &Contract, options: &PlanOptions) -> Result<Plan, PlanError> {
    let _ = (contract, options);
    todo!("planner")
}

/// The base-URL rule, the one place it lives: a target URL with a path is the
/// full base; a target without a path gets the path of the spec's first server
/// appended (`http://host:8080` + `servers: [{url: /api/v1}]` →
/// `http://host:8080/api/v1`). The result never ends with `/`.
pub fn base_url(target: &url::Url, contract: &Contract) -> url::Url {
    let _ = (target, contract);
    todo!("base url rule")
}
