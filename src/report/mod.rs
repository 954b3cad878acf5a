//! Report: the result of a run, collected once ([`RunReport`]) and rendered
//! many times: terminal, JUnit XML, JSON, Markdown. A report never re-probes
//! and never re-reads the spec. Every string in a `RunReport` has already been
//! through the [`crate::redact::Redactor`], so no renderer can leak a secret.

pub mod curl;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod terminal;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::contract::Method;
use crate::plan::Mode;
use crate::verdict::{Outcome, Verdict};

/// Everything a run found; the JSON report is this structure, serialized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Always `rollcall`.
    pub tool: String,
    pub version: String,
    pub mode: Mode,
    pub spec: SpecInfo,
    pub targets: Vec<TargetInfo>,
    pub operations: Vec<OperationReport>,
    /// Count per verdict over every (operation, target) pair.
    pub summary: BTreeMap<Verdict, usize>,
    /// Contract warnings (operations that could not be read in full).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// RFC 3339 start time.
    pub started_at: String,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecInfo {
    pub path: String,
    pub title: String,
    pub version: String,
    pub openapi: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInfo {
    pub name: String,
    pub base_url: String,
    /// What discovery learned, as sentences.
    #[serde(default)]
    pub discovery: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationReport {
    pub method: Method,
    pub path: String,
    pub operation_id: Option<String>,
    pub tags: Vec<String>,
    pub line: Option<u32>,
    /// One per target, in target order.
    pub results: Vec<TargetResult>,
}

impl OperationReport {
    /// `GET /pets/{petId}`: the stable name used in every report.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetResult {
    pub target: String,
    pub verdict: Verdict,
    /// Id of the verdict rule that decided it (see `docs/verdicts.md`).
    pub rule: String,
    /// Status of the deciding response, if one came back.
    pub status: Option<u16>,
    pub evidence: String,
    pub elapsed_ms: u64,
    /// The request sent (absent when nothing was sent).
    pub request: Option<RequestRecord>,
    pub response: Option<ResponseRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: Method,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseRecord {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    /// The first bytes of the body, as text (lossy UTF-8).
    pub body: String,
    /// Whether the body was longer than what is shown.
    pub truncated: bool,
}

impl RunReport {
    /// Number of (operation, target) results with each outcome.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.operations
            .iter()
            .flat_map(|op| &op.results)
            .filter(|r| r.verdict.outcome() == outcome)
            .count()
    }
}
