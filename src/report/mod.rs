//! Report: the result of a run, collected once ([`RunReport`]) and rendered
//! many times: terminal, JUnit XML, JSON, Markdown, HTML, SARIF, GitHub mode. A report never re-probes
//! and never re-reads the spec. Every string in a `RunReport` has already been
//! through the [`crate::redact::Redactor`], so no renderer can leak a secret.
//!
//! Whether a result fails the run is decided once, by [`RunReport::standing`]
//! against the run's [`Gate`] (`--fail-on`, `--strict`, `--parity-only`);
//! what fails the run beyond single results is decided once too: operations
//! whose verdicts differ between targets ([`RunReport::parity`]) and targets
//! on which nothing was proven served ([`RunReport::target_failures`]). Every
//! renderer asks these, so the exit code and every report agree.

pub mod allowances;
pub mod curl;
pub mod diff;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod listing;
pub mod markdown;
pub mod merge;
pub mod output;
pub mod parity;
#[cfg(test)]
mod parity_tests;
pub mod sarif;
pub mod terminal;
#[cfg(test)]
pub(crate) mod testing;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::contract::diff::ReleaseChange;
use crate::contract::{Method, lexically_normal};
use crate::plan::Mode;
use crate::verdict::rules::Proof;
use crate::verdict::{Outcome, RuleId, Verdict};
use parity::{Matrix, Parity, Row};

/// The version of the JSON report's format ([`RunReport::schema_version`]),
/// described by `docs/report.schema.json`. Raised when a field changes
/// meaning or goes away; new optional fields do not raise it.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything a run found; the JSON report is this structure, serialized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// [`SCHEMA_VERSION`] of the rollcall that wrote it (0: written before
    /// the format had a version).
    #[serde(default)]
    pub schema_version: u32,
    /// Always `rollcall`.
    pub tool: String,
    pub version: String,
    pub mode: Mode,
    pub spec: SpecInfo,
    pub targets: Vec<TargetInfo>,
    pub operations: Vec<OperationReport>,
    /// Count per verdict over every (operation, target) pair.
    pub summary: BTreeMap<Verdict, usize>,
    /// How many of the `implemented` results are proven at the route level
    /// only: the handler was not reached (safe mode, auth after routing).
    #[serde(default)]
    pub route_only: usize,
    /// With two or more targets: the operations whose verdicts differ
    /// between them. Absent with one target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parity: Option<Parity>,
    /// What decides whether the run passes (`--fail-on`, `--strict`, `--parity-only`).
    #[serde(default)]
    pub gate: Gate,
    /// Contract warnings (operations that could not be read in full), and
    /// what limited the run (a retry budget spent).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// RFC 3339 start time.
    pub started_at: String,
    pub duration_ms: u64,
}

/// What decides whether a finished run passes: which verdicts fail it by
/// themselves, set by `--fail-on`, `--strict` and `--parity-only`.
/// Operations whose verdicts differ between targets fail every gate.
///
/// Precedence: `--parity-only` (no verdict fails by itself) wins over
/// `--fail-on` and `--strict`; `--fail-on` replaces the default verdicts;
/// `--strict` adds `auth_required` and `unverified` to them (the default
/// ones or `--fail-on`'s). [`RunReport::standing`] applies it to each result:
/// the exit code and every report ask it, so they never disagree.
///
/// In the JSON report: `"gate": {"failing_verdicts": ["not_implemented", ...],
/// "strict": true}` (`failing_verdicts` is what the flags resolve to; the
/// flags are left out when not given).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(into = "GateRecord", from = "GateRecord")]
pub struct Gate {
    /// `--fail-on`: the verdicts that fail the run instead of the default
    /// ones ([`Gate::fails_by_default`]).
    pub fail_on: Option<Vec<Verdict>>,
    /// `--strict`: `auth_required` and `unverified` fail the run too.
    pub strict: bool,
    /// `--parity-only`: no verdict fails by itself, only differences between targets.
    pub parity_only: bool,
}

impl Gate {
    /// Whether `verdict` fails a run without `--fail-on`: every verdict whose
    /// outcome is a failure or an error does.
    pub fn fails_by_default(verdict: Verdict) -> bool {
        matches!(verdict.outcome(), Outcome::Fail | Outcome::Error)
    }

    /// What `--strict` adds: the inconclusive verdicts, except `skipped`
    /// (left out on purpose: by a filter, or because safe mode cannot probe it).
    pub const STRICT_ADDS: [Verdict; 2] = [Verdict::AuthRequired, Verdict::Unverified];

    /// `--strict`.
    pub fn strict() -> Gate {
        Gate {
            strict: true,
            ..Gate::default()
        }
    }

    /// `--parity-only`.
    pub fn parity_only() -> Gate {
        Gate {
            parity_only: true,
            ..Gate::default()
        }
    }

    pub fn is_default(&self) -> bool {
        *self == Gate::default()
    }

    /// Whether a result with this verdict fails the run (before rollcall.toml's
    /// known gaps and `expect`, which [`RunReport::standing`] applies).
    pub fn fails_on(&self, verdict: Verdict) -> bool {
        if self.parity_only || verdict == Verdict::Implemented {
            return false;
        }
        let listed = match &self.fail_on {
            Some(list) => list.contains(&verdict),
            None => Gate::fails_by_default(verdict),
        };
        listed || (self.strict && Gate::STRICT_ADDS.contains(&verdict))
    }

    /// The verdicts that fail the run, in vocabulary order.
    pub fn failing_verdicts(&self) -> Vec<Verdict> {
        Verdict::ALL
            .into_iter()
            .filter(|v| self.fails_on(*v))
            .collect()
    }

    /// The flag that makes `verdict` fail (or not) where the default gate
    /// would not (or would): `--fail-on`, `--strict` or `--parity-only`.
    pub(crate) fn flag_for(&self, verdict: Verdict) -> &'static str {
        if self.parity_only {
            "--parity-only"
        } else if self.strict
            && Gate::STRICT_ADDS.contains(&verdict)
            && !self.fail_on.as_ref().is_some_and(|l| l.contains(&verdict))
        {
            "--strict"
        } else {
            "--fail-on"
        }
    }
}

/// [`Gate`] as the JSON report writes it.
#[derive(Serialize, Deserialize)]
struct GateRecord {
    /// Written for readers; recomputed from the flags when read back.
    #[serde(default)]
    failing_verdicts: Vec<Verdict>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fail_on: Option<Vec<Verdict>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    strict: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    parity_only: bool,
}

impl From<Gate> for GateRecord {
    fn from(gate: Gate) -> GateRecord {
        GateRecord {
            failing_verdicts: gate.failing_verdicts(),
            fail_on: gate.fail_on,
            strict: gate.strict,
            parity_only: gate.parity_only,
        }
    }
}

impl From<GateRecord> for Gate {
    fn from(record: GateRecord) -> Gate {
        Gate {
            fail_on: record.fail_on,
            strict: record.strict,
            parity_only: record.parity_only,
        }
    }
}

/// How one result stands against the run's [`Gate`] (see [`RunReport::standing`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Served, or the verdict rollcall.toml `expect`s.
    Pass,
    /// Fails the run: a JUnit `<failure>` (`<error>` when unreachable), an `::error`.
    Fails,
    /// Not served or inconclusive, but its verdict does not fail this gate:
    /// a JUnit `<skipped>`, a warning.
    NotGated,
    /// An open known gap of rollcall.toml: a JUnit `<skipped>`, a warning.
    KnownGap,
}

/// A failure of the run that belongs to one target as a whole, not to one
/// of its results: something was probed there and nothing was proven served
/// ([`RunReport::target_failures`]). Every report writes it from here: JUnit
/// as one more failing testcase in the target's suite, GitHub mode as one
/// `::error`, SARIF as one `error` result, the step outputs count it in
/// `nothing_served`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetFailure {
    pub target: String,
    /// `nothing was proven served on canary: 2 operations probed, none
    /// served (2 unverified)`.
    pub message: String,
}

impl TargetFailure {
    /// The JUnit testcase's name and the annotation's title (with several
    /// targets followed by ` [target]`).
    pub const TITLE: &'static str = "rollcall: nothing proven served";
    /// The SARIF rule id and the JUnit failure type.
    pub const RULE: &'static str = "rollcall-nothing-served";
    /// What it means and what to check.
    pub const HINT: &'static str = "every probe of this target failed or was \
        inconclusive (a 429, a redirect, a 401 without credentials, no answer), so nothing \
        shows that it serves the contract: check the target's URL, its rate limits and the \
        credentials given";

    /// [`TargetFailure::TITLE`], with several targets followed by ` [target]`.
    pub fn title(&self, several_targets: bool) -> String {
        if several_targets {
            format!("{} [{}]", TargetFailure::TITLE, self.target)
        } else {
            TargetFailure::TITLE.to_string()
        }
    }
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
    /// Line of the operation in [`OperationReport::file`], else in the spec.
    pub line: Option<u32>,
    /// The file the operation is written in when it is not the spec itself (its path item is
    /// a `$ref` to another file). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// With `--since OLD_SPEC`: whether the operation is new, changed or
    /// unchanged since that contract. Absent without `--since`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<ReleaseChange>,
    /// One per target, in target order.
    pub results: Vec<TargetResult>,
}

impl OperationReport {
    /// `GET /pets/{petId}`: the stable name used in every report.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The file `line` counts in: [`OperationReport::file`], else the spec `spec_path`.
    pub fn file_or<'a>(&'a self, spec_path: &'a str) -> &'a str {
        self.file.as_deref().unwrap_or(spec_path)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetResult {
    pub target: String,
    pub verdict: Verdict,
    /// The verdict rule that decided it (see `docs/verdicts.md`), as its id.
    pub rule: RuleId,
    /// Status of the deciding response, if one came back.
    pub status: Option<u16>,
    pub evidence: String,
    pub elapsed_ms: u64,
    /// The request sent (absent when nothing was sent).
    pub request: Option<RequestRecord>,
    pub response: Option<ResponseRecord>,
    /// What `rollcall.toml` says about this result (a known gap, an expected
    /// verdict); absent when it says nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowance: Option<Allowance>,
}

/// A `rollcall.toml` entry that applies to one result (see `crate::config`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowance {
    pub kind: AllowanceKind,
    /// `known gap: partial updates ship in 2.4, until 2027-01-31`.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllowanceKind {
    /// A listed known gap, still before its `until`: a failure does not fail the run.
    KnownGap,
    /// A listed known gap past its `until`: fails like any other result.
    Expired,
    /// A listed known gap that now passes: remove it from the list.
    Fixed,
    /// The verdict is the one `expect` declares: counts as a pass.
    Expected,
    /// `expect` declares another verdict than the one found: counts as usual.
    Unexpected,
}

impl TargetResult {
    /// How the result counts for the exit code and the reports: the verdict's
    /// outcome, except that a declared `expect` that came true is a pass.
    pub fn counted_outcome(&self) -> Outcome {
        match &self.allowance {
            Some(a) if a.kind == AllowanceKind::Expected => Outcome::Pass,
            _ => self.verdict.outcome(),
        }
    }

    /// An open known gap on a result that is not a pass: reported, never failing.
    pub fn is_known_gap(&self) -> bool {
        self.allowance
            .as_ref()
            .is_some_and(|a| a.kind == AllowanceKind::KnownGap)
            && self.counted_outcome() != Outcome::Pass
    }

    /// The evidence, followed by the rule's fix hint when the result is not
    /// a pass and this build knows its rule: `answered 501 — hint: Implement
    /// the handler, ...`. What the one-line reports (Markdown, GitHub
    /// annotations) show of a flagged result.
    pub fn evidence_with_hint(&self) -> String {
        let hint = match self.rule.hint() {
            Some(hint) if self.verdict.outcome() != Outcome::Pass => hint,
            _ => return self.evidence.clone(),
        };
        if self.evidence.is_empty() {
            format!("hint: {hint}")
        } else {
            format!("{} — hint: {hint}", self.evidence)
        }
    }
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

impl ResponseRecord {
    /// `HTTP 404 Not Found` (the reason phrase is the standard one; the
    /// server's own phrase is not kept).
    pub fn status_line(&self) -> String {
        let reason = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason());
        match reason {
            Some(reason) => format!("HTTP {} {reason}", self.status),
            None => format!("HTTP {}", self.status),
        }
    }
}

impl TargetResult {
    /// The exchange as a person would replay and read it: the curl command,
    /// then the response's status line, headers and body excerpt.
    ///
    /// ```text
    /// curl -sS -X GET 'http://127.0.0.1:8080/api/pets/1'
    ///
    /// HTTP 404 Not Found
    /// content-type: text/plain
    ///
    /// 404 page not found
    /// ```
    pub fn transcript(&self) -> String {
        let mut out = String::new();
        match &self.request {
            Some(request) => out.push_str(&curl::command(request)),
            None => out.push_str("(no request was sent)"),
        }
        out.push_str("\n\n");
        match &self.response {
            Some(response) => {
                out.push_str(&response.status_line());
                out.push('\n');
                for (name, value) in &response.headers {
                    out.push_str(&format!("{name}: {value}\n"));
                }
                if !response.body.is_empty() {
                    out.push('\n');
                    out.push_str(&response.body);
                    if !response.body.ends_with('\n') {
                        out.push('\n');
                    }
                }
                if response.truncated {
                    out.push_str("[body truncated]\n");
                }
            }
            None => out.push_str("(no response)\n"),
        }
        out
    }
}

impl RunReport {
    /// Number of (operation, target) results with each outcome (as
    /// [`TargetResult::counted_outcome`] says; open known gaps are counted
    /// apart, by [`RunReport::known_gaps`]).
    pub fn count(&self, outcome: Outcome) -> usize {
        self.operations
            .iter()
            .flat_map(|op| &op.results)
            .filter(|r| r.counted_outcome() == outcome && !r.is_known_gap())
            .count()
    }

    /// Number of results that are open known gaps (reported, not failing).
    pub fn known_gaps(&self) -> usize {
        self.results().filter(|(_, r)| r.is_known_gap()).count()
    }

    /// Every (operation, target) result, in operation then target order.
    pub fn results(&self) -> impl Iterator<Item = (&OperationReport, &TargetResult)> {
        self.operations
            .iter()
            .flat_map(|op| op.results.iter().map(move |r| (op, r)))
    }

    /// Results that are not a pass: failures and errors first, then
    /// inconclusive ones, each group in operation then target order.
    pub fn flagged(&self) -> Vec<(&OperationReport, &TargetResult)> {
        let mut flagged: Vec<_> = self
            .results()
            .filter(|(_, r)| r.verdict.outcome() != Outcome::Pass)
            .collect();
        // Stable sort: keeps the report order inside each group.
        flagged.sort_by_key(|(_, r)| r.verdict.outcome() == Outcome::Inconclusive);
        flagged
    }

    /// Count per verdict that occurs, in vocabulary order (the order of
    /// [`Verdict::ALL`]), computed from the results (every renderer uses
    /// this, so no two reports can disagree).
    pub fn verdict_counts(&self) -> BTreeMap<Verdict, usize> {
        let mut counts = BTreeMap::new();
        for (_, result) in self.results() {
            *counts.entry(result.verdict).or_insert(0) += 1;
        }
        counts
    }

    /// How `result` stands against the run's [`Gate`]: the one function
    /// the exit code, every report's PASS/FAIL line and counts, JUnit's
    /// `<failure>`s and GitHub's `::error`s follow. rollcall.toml comes first
    /// (an `expect`ed verdict passes, an open known gap never fails), then the
    /// gate's verdicts ([`Gate::fails_on`]).
    pub fn standing(&self, result: &TargetResult) -> Standing {
        if result.counted_outcome() == Outcome::Pass {
            Standing::Pass
        } else if result.is_known_gap() {
            Standing::KnownGap
        } else if self.gate.fails_on(result.verdict) {
            Standing::Fails
        } else {
            Standing::NotGated
        }
    }

    /// Targets that were probed (some result there is not `skipped`) and on
    /// which no result passes: nothing there was proven served.
    pub fn targets_with_nothing_served(&self) -> Vec<&str> {
        let index: std::collections::HashMap<&str, usize> = self
            .targets
            .iter()
            .enumerate()
            .map(|(i, target)| (target.name.as_str(), i))
            .collect();
        let mut probed = vec![false; self.targets.len()];
        let mut served = vec![false; self.targets.len()];
        for (_, result) in self.results() {
            if let Some(&i) = index.get(result.target.as_str()) {
                probed[i] |= result.verdict != Verdict::Skipped;
                served[i] |= result.counted_outcome() == Outcome::Pass;
            }
        }
        self.targets
            .iter()
            .enumerate()
            .filter(|(i, _)| probed[*i] && !served[*i])
            .map(|(_, target)| target.name.as_str())
            .collect()
    }

    /// One [`TargetFailure`] per target on which nothing was proven served
    /// ([`RunReport::targets_with_nothing_served`]), in target order: each
    /// fails the run whatever the gate.
    pub fn target_failures(&self) -> Vec<TargetFailure> {
        self.targets_with_nothing_served()
            .into_iter()
            .map(|target| {
                let mut counts: BTreeMap<Verdict, usize> = BTreeMap::new();
                for (_, result) in self.results() {
                    if result.target == target && result.verdict != Verdict::Skipped {
                        *counts.entry(result.verdict).or_insert(0) += 1;
                    }
                }
                let probed: usize = counts.values().sum();
                let verdicts: Vec<String> = counts.iter().map(|(v, n)| format!("{n} {v}")).collect();
                TargetFailure {
                    target: target.to_string(),
                    message: format!(
                        "nothing was proven served on {target}: {probed} {} probed, none served ({})",
                        plural(probed, "operation", "operations"),
                        verdicts.join(", ")
                    ),
                }
            })
            .collect()
    }

    /// Number of results that fail the run ([`Standing::Fails`]).
    pub fn failing(&self) -> usize {
        self.results()
            .filter(|(_, r)| self.standing(r) == Standing::Fails)
            .count()
    }

    /// Number of operations whose verdicts differ between targets (each fails the run).
    pub fn differences(&self) -> usize {
        self.parity.as_ref().map_or(0, |p| p.differences.len())
    }

    /// Whether the run passes its [`Gate`]: no result fails it and the
    /// targets agree. Whatever the gate, a run in which some target proved
    /// nothing served ([`RunReport::target_failures`]) does not pass: a
    /// target that answers every probe with `429` or a redirect shows
    /// nothing.
    pub fn passed(&self) -> bool {
        self.failing() == 0
            && self.differences() == 0
            && self.targets_with_nothing_served().is_empty()
    }

    /// How many results are `implemented` by a rule that proves only the
    /// route ([`crate::verdict::rules::Proof::Route`]), from the results
    /// themselves (every renderer uses this).
    pub fn route_only_count(&self) -> usize {
        self.results()
            .filter(|(_, r)| {
                r.verdict == Verdict::Implemented
                    && r.rule
                        .rule()
                        .is_some_and(|rule| rule.proof() == Proof::Route)
            })
            .count()
    }

    /// `3 operations proven at the route level only (handler not reached in
    /// safe mode; run --mode live to reach it), 1 unverified`; `None` when
    /// every result reached its handler or failed.
    pub fn proof_line(&self) -> Option<String> {
        let route_only = self.route_only_count();
        let unverified = self
            .results()
            .filter(|(_, r)| r.verdict == Verdict::Unverified)
            .count();
        let mut parts = Vec::new();
        if route_only > 0 {
            let why = match self.mode {
                Mode::Safe => "handler not reached in safe mode; run --mode live to reach it",
                Mode::Live => "handler not reached",
            };
            parts.push(format!(
                "{route_only} {} proven at the route level only ({why})",
                plural(route_only, "operation", "operations")
            ));
        }
        if unverified > 0 {
            parts.push(format!("{unverified} unverified"));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// `12 operations × 2 targets: 7 implemented, 1 not_implemented, ...`
    /// (verdicts in vocabulary order, those with no result left out).
    pub fn summary_line(&self) -> String {
        let operations = self.operations.len();
        let targets = self.targets.len();
        let counts = self.verdict_counts();
        let parts: Vec<String> = Verdict::ALL
            .iter()
            .filter_map(|v| counts.get(v).map(|n| format!("{n} {v}")))
            .collect();
        let parts = if parts.is_empty() {
            "nothing probed".to_string()
        } else {
            parts.join(", ")
        };
        format!(
            "{operations} {} × {targets} {}: {parts}",
            plural(operations, "operation", "operations"),
            plural(targets, "target", "targets"),
        )
    }

    /// The verdict of every operation on every target, for the parity
    /// comparison and its renderings.
    pub fn parity_matrix(&self) -> Matrix {
        let targets: Vec<String> = self.targets.iter().map(|t| t.name.clone()).collect();
        let rows = self
            .operations
            .iter()
            .map(|op| Row {
                method: op.method,
                path: op.path.clone(),
                verdicts: targets
                    .iter()
                    .map(|t| {
                        op.results
                            .iter()
                            .find(|r| &r.target == t)
                            .map(|r| r.verdict)
                    })
                    .collect(),
            })
            .collect();
        Matrix { targets, rows }
    }

    /// `PARITY FAIL: 2 of 9 operations differ between 3 targets (reference: stable)`
    /// or `PARITY OK: ...`; `None` without a parity comparison.
    pub fn parity_line(&self) -> Option<String> {
        let parity = self.parity.as_ref()?;
        let operations = self.operations.len();
        let targets = self.targets.len();
        Some(if parity.agrees() {
            format!(
                "PARITY OK: {operations} {} with the same verdict on all {targets} targets",
                plural(operations, "operation", "operations")
            )
        } else {
            format!(
                "PARITY FAIL: {} of {operations} {} {} between {targets} targets (reference: {})",
                parity.differences.len(),
                plural(operations, "operation", "operations"),
                plural(parity.differences.len(), "differs", "differ"),
                parity.reference
            )
        })
    }

    /// `since the older contract: 2 new, 1 changed, 6 unchanged operations`
    /// (`--since`); `None` when no operation is marked.
    pub fn release_line(&self) -> Option<String> {
        let count = |change: ReleaseChange| {
            self.operations
                .iter()
                .filter(|op| op.change == Some(change))
                .count()
        };
        if self.operations.iter().all(|op| op.change.is_none()) {
            return None;
        }
        let unchanged = count(ReleaseChange::Unchanged);
        Some(format!(
            "since the older contract: {} new, {} changed, {unchanged} unchanged {}",
            count(ReleaseChange::New),
            count(ReleaseChange::Changed),
            plural(self.operations.len(), "operation", "operations")
        ))
    }

    /// `PASS: ...` or `FAIL: ...` with the counts that decided it, as its
    /// [`Gate`] decides ([`RunReport::standing`]): `FAIL: 2 of 18 not served,
    /// 4 inconclusive`, `FAIL: 2 of 18 not served, 4 inconclusive (3
    /// failing: --strict)`, `PASS: 16 of 18 served, 2 not served (none
    /// failing: --fail-on)`, `FAIL: 18 of 18 served, but 1 of 9 operations
    /// differs between 2 targets`, `PASS (parity): all 2 targets agree; 2
    /// operations flagged on every target, not gated by --parity-only`.
    /// A target that proved nothing served is named first: `FAIL: nothing
    /// was proven served on stable; 0 of 2 served, 2 inconclusive`.
    pub fn conclusion(&self) -> String {
        let line = self.gate_conclusion();
        let nothing = self.targets_with_nothing_served();
        if nothing.is_empty() {
            return line;
        }
        let on = if self.targets.len() == 1 {
            String::new()
        } else {
            format!(" on {}", nothing.join(", "))
        };
        match line.split_once(": ") {
            Some((head, rest)) => format!("{head}: nothing was proven served{on}; {rest}"),
            None => format!("{line}: nothing was proven served{on}"),
        }
    }

    /// [`RunReport::conclusion`] as the gate alone decides it.
    fn gate_conclusion(&self) -> String {
        let verdict = if self.passed() { "PASS" } else { "FAIL" };
        if self.gate.parity_only {
            return format!("{verdict} (parity): {}", self.parity_gate_summary());
        }
        let total = self.results().count();
        // Per outcome: how many results (open known gaps apart), how many of
        // them fail the run, and a verdict to name the flag that decided.
        let mut groups = [
            (Outcome::Fail, 0, 0, None),
            (Outcome::Error, 0, 0, None),
            (Outcome::Inconclusive, 0, 0, None),
        ];
        for (_, result) in self.results() {
            let standing = self.standing(result);
            if matches!(standing, Standing::Pass | Standing::KnownGap) {
                continue;
            }
            if let Some(group) = groups.iter_mut().find(|g| g.0 == result.counted_outcome()) {
                group.1 += 1;
                if standing == Standing::Fails {
                    group.2 += 1;
                }
                let natural = group.0 != Outcome::Inconclusive;
                if (standing == Standing::Fails) != natural || group.3.is_none() {
                    group.3 = Some(result.verdict);
                }
            }
        }
        let mut parts = Vec::new();
        for (outcome, count, failing, example) in groups {
            if count == 0 {
                continue;
            }
            let mut part = match outcome {
                Outcome::Fail => format!("{count} of {total} not served"),
                Outcome::Error => format!("{count} unreachable"),
                _ => format!("{count} inconclusive"),
            };
            // The default gate fails every not-served and unreachable result
            // and no inconclusive one; say which flag changed that.
            let natural = if outcome == Outcome::Inconclusive {
                0
            } else {
                count
            };
            if failing != natural {
                let flag = example.map_or("--fail-on", |v| self.gate.flag_for(v));
                let how_many = match failing {
                    0 => "none failing".to_string(),
                    n if n == count => "failing".to_string(),
                    n => format!("{n} failing"),
                };
                part.push_str(&format!(" ({how_many}: {flag})"));
            }
            parts.push(part);
        }
        let known_gaps = self.known_gaps();
        if known_gaps > 0 {
            parts.push(format!(
                "{known_gaps} {}",
                plural(known_gaps, "known gap", "known gaps")
            ));
        }
        let mut line = if self.failing() > 0 {
            format!("{verdict}: {}", parts.join(", "))
        } else {
            let mut line = format!("{verdict}: {} of {total} served", self.count(Outcome::Pass));
            for part in &parts {
                line.push_str(", ");
                line.push_str(part);
            }
            line
        };
        if let Some(disagreement) = self.disagreement() {
            line.push_str(if self.failing() > 0 { "; " } else { ", but " });
            line.push_str(&disagreement);
        }
        line
    }

    /// `2 of 9 operations differ between 3 targets`; `None` when the
    /// targets agree or there is one.
    fn disagreement(&self) -> Option<String> {
        let parity = self.parity.as_ref().filter(|p| !p.agrees())?;
        let operations = self.operations.len();
        Some(format!(
            "{} of {operations} {} {} between {} targets",
            parity.differences.len(),
            plural(operations, "operation", "operations"),
            plural(parity.differences.len(), "differs", "differ"),
            self.targets.len()
        ))
    }

    /// The `--parity-only` conclusion after `PASS (parity): `.
    fn parity_gate_summary(&self) -> String {
        let Some(parity) = &self.parity else {
            return "one target, nothing to compare".to_string();
        };
        if let Some(disagreement) = self.disagreement() {
            return format!("{disagreement} (reference: {})", parity.reference);
        }
        let flagged = self
            .operations
            .iter()
            .filter(|op| {
                op.results.iter().any(|r| {
                    !r.is_known_gap()
                        && matches!(r.counted_outcome(), Outcome::Fail | Outcome::Error)
                })
            })
            .count();
        let agreement = format!("all {} targets agree", self.targets.len());
        if flagged == 0 {
            agreement
        } else {
            format!(
                "{agreement}; {flagged} {} flagged on every target, not gated by --parity-only",
                plural(flagged, "operation", "operations")
            )
        }
    }
}

/// The folder GitHub's annotations and the JUnit reporters resolve file
/// paths in: `$GITHUB_WORKSPACE`, else the current directory.
pub fn workspace() -> Option<PathBuf> {
    std::env::var_os("GITHUB_WORKSPACE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
}

/// A spec path as typed (`./specs/x.yaml`, `/home/runner/work/app/x.yaml`,
/// `specs/../x.yaml`) as annotations and JUnit's `file` need it: relative to
/// `workspace` (`None`: the current directory), `/`-separated, without `./`
/// or `..`. A file outside the workspace keeps its absolute path; a spec read
/// from a URL has no file (`None`).
pub fn workspace_path(path: &str, workspace: Option<&Path>) -> Option<String> {
    let lower = path.get(..8).unwrap_or(path).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || path.is_empty() {
        return None;
    }
    let typed = match url::Url::parse(path) {
        Ok(url) if url.scheme() == "file" => url.to_file_path().ok()?,
        _ => PathBuf::from(path),
    };
    let cwd = std::env::current_dir().ok();
    let absolute = |p: &Path| match &cwd {
        Some(cwd) if !p.is_absolute() => lexically_normal(&cwd.join(p)),
        _ => lexically_normal(p),
    };
    let file = absolute(&typed);
    let base = match workspace {
        Some(workspace) => absolute(workspace),
        None => cwd.as_deref().map(lexically_normal)?,
    };
    let shown = file.strip_prefix(&base).unwrap_or(&file);
    let parts: Vec<String> = shown
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let joined = parts.join("/");
    if joined.is_empty() {
        return None;
    }
    Some(if shown.is_absolute() {
        format!("/{joined}")
    } else {
        joined
    })
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::testing::{
        fixture, fixture_on_one_target, fixture_with_only_inconclusive_results, set_verdicts,
    };
    use super::*;

    #[test]
    fn default_gate_fails_exactly_the_verdicts_that_are_failures_or_errors() {
        let by_outcome: Vec<Verdict> = Verdict::ALL
            .into_iter()
            .filter(|v| matches!(v.outcome(), Outcome::Fail | Outcome::Error))
            .collect();
        assert_eq!(Gate::default().failing_verdicts(), by_outcome);
    }

    #[test]
    fn flagged_lists_failures_and_errors_before_inconclusive() {
        let report = fixture();
        let outcomes: Vec<Outcome> = report
            .flagged()
            .iter()
            .map(|(_, r)| r.verdict.outcome())
            .collect();
        let first_inconclusive = outcomes
            .iter()
            .position(|o| *o == Outcome::Inconclusive)
            .expect("fixture has inconclusive results");
        assert!(
            outcomes[..first_inconclusive]
                .iter()
                .all(|o| matches!(o, Outcome::Fail | Outcome::Error))
        );
        assert!(
            outcomes[first_inconclusive..]
                .iter()
                .all(|o| *o == Outcome::Inconclusive)
        );
        assert_eq!(outcomes.len(), 12);
    }

    #[test]
    fn summary_line_counts_every_result_in_vocabulary_order() {
        assert_eq!(
            fixture().summary_line(),
            "9 operations × 2 targets: 6 implemented, 1 not_implemented, 1 missing_route, \
             1 missing_method, 1 server_error, 1 stub, 1 accepts_invalid, 1 inconsistent, \
             2 auth_required, 1 unverified, 1 unreachable, 1 skipped"
        );
    }

    #[test]
    fn inconclusive_results_alone_do_not_fail_the_run() {
        let report = fixture_with_only_inconclusive_results();
        assert!(report.passed());
        assert_eq!(report.conclusion(), "PASS: 14 of 18 served, 4 inconclusive");
    }

    #[test]
    fn a_target_where_nothing_was_proven_served_fails_whatever_the_gate() {
        let mut report = fixture_on_one_target();
        set_verdicts(&mut report, 0, Verdict::Unverified);
        report.operations[0].results[0].verdict = Verdict::Skipped;
        for gate in [Gate::default(), Gate::strict(), Gate::parity_only()] {
            report.gate = gate.clone();
            assert!(!report.passed(), "{gate:?}");
        }
        report.gate = Gate::default();
        assert_eq!(
            report.conclusion(),
            "FAIL: nothing was proven served; 0 of 9 served, 9 inconclusive"
        );
        report.operations[1].results[0].verdict = Verdict::Implemented;
        assert!(report.passed(), "one operation proven served is enough");
        set_verdicts(&mut report, 0, Verdict::Skipped);
        assert!(report.passed(), "a run that probed nothing on purpose");
    }

    #[test]
    fn the_target_that_proved_nothing_is_named() {
        let mut report = fixture();
        set_verdicts(&mut report, 0, Verdict::Implemented);
        set_verdicts(&mut report, 1, Verdict::AuthRequired);
        assert_eq!(report.targets_with_nothing_served(), ["canary"]);
        assert!(
            report
                .conclusion()
                .starts_with("FAIL: nothing was proven served on canary; 9 of 18 served"),
            "{}",
            report.conclusion()
        );
    }

    #[test]
    fn a_target_failure_says_what_was_probed_there() {
        let mut report = super::testing::fixture_with_nothing_served_on_canary();
        report.operations[0].results[1].verdict = Verdict::Skipped;
        report.operations[1].results[1].verdict = Verdict::Unverified;
        let failures = report.target_failures();
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].target, "canary");
        assert_eq!(
            failures[0].message,
            "nothing was proven served on canary: 8 operations probed, none served \
             (7 auth_required, 1 unverified)"
        );
        assert_eq!(
            failures[0].title(true),
            "rollcall: nothing proven served [canary]"
        );
        assert!(!report.passed());
    }

    #[test]
    fn status_line_has_reason_phrase_when_standard() {
        let response = |status| ResponseRecord {
            status,
            headers: BTreeMap::new(),
            body: String::new(),
            truncated: false,
        };
        assert_eq!(response(501).status_line(), "HTTP 501 Not Implemented");
        assert_eq!(response(599).status_line(), "HTTP 599");
    }

    #[test]
    fn verdict_counts_match_the_stored_summary() {
        let report = fixture();
        assert_eq!(report.verdict_counts(), report.summary);
    }

    #[test]
    fn verdict_counts_are_in_vocabulary_order() {
        let counted: Vec<Verdict> = fixture().verdict_counts().into_keys().collect();
        assert_eq!(counted, Verdict::ALL);
    }
}
