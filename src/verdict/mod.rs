//! Verdict: decide, per operation and target, whether the operation is really
//! served, and say why in an `evidence` sentence a person can act on. Every
//! decision cites a rule from the registry in [`rules`].

pub mod rules;

use std::fmt;

use serde::{Deserialize, Serialize};

/// The verdict vocabulary, shared by every report and the docs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Implemented,
    NotImplemented,
    MissingRoute,
    MissingMethod,
    ServerError,
    Stub,
    AuthRequired,
    Unverified,
    Unreachable,
    Skipped,
}

impl Verdict {
    pub const ALL: [Verdict; 10] = [
        Verdict::Implemented,
        Verdict::NotImplemented,
        Verdict::MissingRoute,
        Verdict::MissingMethod,
        Verdict::ServerError,
        Verdict::Stub,
        Verdict::AuthRequired,
        Verdict::Unverified,
        Verdict::Unreachable,
        Verdict::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Implemented => "implemented",
            Verdict::NotImplemented => "not_implemented",
            Verdict::MissingRoute => "missing_route",
            Verdict::MissingMethod => "missing_method",
            Verdict::ServerError => "server_error",
            Verdict::Stub => "stub",
            Verdict::AuthRequired => "auth_required",
            Verdict::Unverified => "unverified",
            Verdict::Unreachable => "unreachable",
            Verdict::Skipped => "skipped",
        }
    }

    /// How the verdict counts for the exit code and JUnit.
    pub fn outcome(self) -> Outcome {
        match self {
            Verdict::Implemented => Outcome::Pass,
            Verdict::NotImplemented
            | Verdict::MissingRoute
            | Verdict::MissingMethod
            | Verdict::ServerError
            | Verdict::Stub => Outcome::Fail,
            Verdict::Unreachable => Outcome::Error,
            Verdict::AuthRequired | Verdict::Unverified | Verdict::Skipped => {
                Outcome::Inconclusive
            }
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a verdict counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Served.
    Pass,
    /// Flagged: the operation is not really served.
    Fail,
    /// No answer at all (connection, timeout, TLS).
    Error,
    /// Neither proven nor disproven.
    Inconclusive,
}

/// A decision about one operation on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub verdict: Verdict,
    /// Id of the rule in [`rules::RULES`] that decided it.
    pub rule: &'static str,
    /// One sentence a person can act on.
    pub evidence: String,
}

/// Everything a verdict may look at for one operation on one target.
pub struct Context<'a> {
    pub operation: &'a crate::contract::Operation,
    pub probe: &'a crate::plan::PlannedProbe,
    pub discovery: &'a crate::probe::Discovery,
    /// Whether the user gave credentials (`--auth`, or an auth header).
    pub credentials_given: bool,
}

/// Classifies one probe's exchange (`None` when the plan sent nothing).
pub fn classify(context: &Context<'_>, exchange: Option<&crate::probe::Exchange>) -> Finding {
    let _ = (context, exchange);
    todo!("classify")
}
