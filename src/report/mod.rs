//! Report: the result of a run, collected once ([`RunReport`]) and rendered
//! many times: terminal, JUnit XML, JSON, Markdown, HTML, GitHub mode. A report never re-probes
//! and never re-reads the spec. Every string in a `RunReport` has already been
//! through the [`crate::redact::Redactor`], so no renderer can leak a secret.

pub mod curl;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod output;
#[cfg(test)]
mod parity_tests;
pub mod terminal;
#[cfg(test)]
pub(crate) mod testing;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::contract::Method;
use crate::contract::diff::ReleaseChange;
use crate::parity::{Matrix, Parity, Row};
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
    /// How many of the `implemented` results are proven at the route level
    /// only: the handler was not reached (safe mode, auth after routing).
    #[serde(default)]
    pub route_only: usize,
    /// With two or more targets: the operations whose verdicts differ
    /// between them. Absent with one target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parity: Option<Parity>,
    /// What decides whether the run passes (`--strict`, `--parity-only`);
    /// absent for the default gate.
    #[serde(default, skip_serializing_if = "Gate::is_default")]
    pub gate: Gate,
    /// Contract warnings (operations that could not be read in full), and
    /// what limited the run (a retry budget spent).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// RFC 3339 start time.
    pub started_at: String,
    pub duration_ms: u64,
}

/// What decides whether a finished run passes. The exit code and every
/// report's PASS/FAIL line follow it, so they never disagree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gate {
    /// Every operation served on every target, and the targets agree.
    #[default]
    Served,
    /// `--strict`: as `Served`, and inconclusive verdicts fail too.
    Strict,
    /// `--parity-only`, a canary gate where the reference itself may have
    /// known gaps: only verdicts that differ between targets fail.
    ParityOnly,
}

impl Gate {
    pub fn is_default(&self) -> bool {
        *self == Gate::Served
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
    /// Id of the verdict rule that decided it (see `docs/verdicts.md`).
    pub rule: String,
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

    /// Count per verdict, computed from the results (every renderer uses
    /// this, so no two reports can disagree).
    pub fn verdict_counts(&self) -> BTreeMap<Verdict, usize> {
        let mut counts = BTreeMap::new();
        for (_, result) in self.results() {
            *counts.entry(result.verdict).or_insert(0) += 1;
        }
        counts
    }

    /// Whether the run passes its [`Gate`]: by default no operation failed,
    /// every target answered and the targets agree (inconclusive results
    /// fail only a strict run); with `--parity-only`, the targets agree.
    ///
    /// Whatever the gate, a run in which some target proved nothing served
    /// ([`RunReport::targets_with_nothing_served`]) does not pass: a target
    /// that answers every probe with `429` or a redirect shows nothing.
    pub fn passed(&self) -> bool {
        let agree = self.parity.as_ref().is_none_or(Parity::agrees);
        let served = self.count(Outcome::Fail) == 0 && self.count(Outcome::Error) == 0;
        let gate = match self.gate {
            Gate::Served => served && agree,
            Gate::Strict => served && agree && self.strictly_failing() == 0,
            Gate::ParityOnly => agree,
        };
        gate && self.targets_with_nothing_served().is_empty()
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

    /// Inconclusive results that fail a `--strict` run: all but `skipped`
    /// (left out on purpose) and open known gaps.
    fn strictly_failing(&self) -> usize {
        self.results()
            .filter(|(_, r)| {
                r.counted_outcome() == Outcome::Inconclusive
                    && r.verdict != Verdict::Skipped
                    && !r.is_known_gap()
            })
            .count()
    }

    /// How many results are `implemented` by a rule that proves only the
    /// route ([`crate::verdict::rules::Proof::Route`]), from the results
    /// themselves (every renderer uses this).
    pub fn route_only_count(&self) -> usize {
        self.results()
            .filter(|(_, r)| {
                r.verdict == Verdict::Implemented
                    && crate::verdict::rules::rule(&r.rule)
                        .is_some_and(|rule| rule.proof == crate::verdict::rules::Proof::Route)
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
    /// [`Gate`] decides: `FAIL: 2 of 18 not served, 4 inconclusive`,
    /// `FAIL: 18 of 18 served, but 1 of 9 operations differs between 2
    /// targets`, `PASS (parity): all 2 targets agree; 2 operations flagged
    /// on every target, not gated by --parity-only`. A target that proved
    /// nothing served is named first: `FAIL: nothing was proven served on
    /// stable; 0 of 2 served, 2 inconclusive`.
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
        let total = self.results().count();
        let failed = self.count(Outcome::Fail);
        let errors = self.count(Outcome::Error);
        let inconclusive = self.count(Outcome::Inconclusive);
        let served = self.count(Outcome::Pass);
        let verdict = if self.passed() { "PASS" } else { "FAIL" };
        let strict_failure = self.gate == Gate::Strict && self.strictly_failing() > 0;
        if self.gate == Gate::ParityOnly {
            return format!("{verdict} (parity): {}", self.parity_gate_summary());
        }
        let mut parts = Vec::new();
        if failed > 0 {
            parts.push(format!("{failed} of {total} not served"));
        }
        if errors > 0 {
            parts.push(format!("{errors} unreachable"));
        }
        if inconclusive > 0 {
            let strictly = if strict_failure {
                " (failing: --strict)"
            } else {
                ""
            };
            parts.push(format!("{inconclusive} inconclusive{strictly}"));
        }
        let known_gaps = self.known_gaps();
        if known_gaps > 0 {
            parts.push(format!(
                "{known_gaps} {}",
                plural(known_gaps, "known gap", "known gaps")
            ));
        }
        if failed + errors > 0 || strict_failure {
            return format!("{verdict}: {}", parts.join(", "));
        }
        let mut line = format!("{verdict}: {served} of {total} served");
        for part in &parts {
            line.push_str(", ");
            line.push_str(part);
        }
        if let Some(disagreement) = self.disagreement() {
            line.push_str(", but ");
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

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::testing::fixture;
    use super::*;

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
        assert_eq!(outcomes.len(), 11);
    }

    #[test]
    fn summary_line_counts_every_result_in_vocabulary_order() {
        assert_eq!(
            fixture().summary_line(),
            "9 operations × 2 targets: 7 implemented, 1 not_implemented, 1 missing_route, \
             1 missing_method, 1 server_error, 1 stub, 1 inconsistent, 2 auth_required, \
             1 unverified, 1 unreachable, 1 skipped"
        );
    }

    #[test]
    fn inconclusive_results_alone_do_not_fail_the_run() {
        let mut report = fixture();
        for result in report.operations.iter_mut().flat_map(|op| &mut op.results) {
            if matches!(result.verdict.outcome(), Outcome::Fail | Outcome::Error) {
                result.verdict = Verdict::Implemented;
            }
        }
        assert!(report.passed());
        assert_eq!(report.conclusion(), "PASS: 14 of 18 served, 4 inconclusive");
    }

    #[test]
    fn a_target_where_nothing_was_proven_served_fails_whatever_the_gate() {
        let mut report = fixture();
        report.targets.truncate(1);
        for op in &mut report.operations {
            op.results.truncate(1);
            op.results[0].verdict = Verdict::Unverified;
        }
        report.operations[0].results[0].verdict = Verdict::Skipped;
        for gate in [Gate::Served, Gate::Strict, Gate::ParityOnly] {
            report.gate = gate;
            assert!(!report.passed(), "{gate:?}");
        }
        report.gate = Gate::Served;
        assert_eq!(
            report.conclusion(),
            "FAIL: nothing was proven served; 0 of 9 served, 9 inconclusive"
        );
        report.operations[1].results[0].verdict = Verdict::Implemented;
        assert!(report.passed(), "one operation proven served is enough");
        for op in &mut report.operations {
            op.results[0].verdict = Verdict::Skipped;
        }
        assert!(report.passed(), "a run that probed nothing on purpose");
    }

    #[test]
    fn the_target_that_proved_nothing_is_named() {
        let mut report = fixture();
        for op in &mut report.operations {
            op.results[0].verdict = Verdict::Implemented;
            op.results[1].verdict = Verdict::AuthRequired;
        }
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
}
