//! Parity: whether every target (and every repeat of a probe) got the same
//! verdict for each operation. Pure data: it compares verdicts that were
//! already decided and never sends or reads anything.
//!
//! Two comparisons live here:
//!
//! - between targets ([`Matrix::compare`]): with two or more targets, an
//!   operation whose verdict differs from one target to another is a parity
//!   failure, reported against a reference target (the build the others must
//!   match);
//! - between repeats of one probe on one target ([`merge_repeats`]): when
//!   `--repeat` got different verdicts for the same request, the operation is
//!   [`Verdict::Inconsistent`].
//!
//! A reviewer reads drift between targets as a diff of their capability
//! listings ([`Matrix::listing_diff`]):
//!
//! ```text
//! --- stable
//! +++ canary
//! @@ -1,3 +1,3 @@
//!  GET /invoices         implemented
//! -PATCH /invoices/{id}  missing_method
//! +PATCH /invoices/{id}  implemented
//!  GET /health           implemented
//! ```

use std::collections::BTreeSet;
use std::fmt::Write as _;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::contract::Method;
use crate::verdict::{Finding, Outcome, Verdict, rules};

/// Labels longer than this are not padded in a [`Matrix::listing`].
pub const LISTING_LABEL_WIDTH: usize = 80;

/// The operations whose verdicts differ between targets; in the JSON report:
///
/// ```json
/// "parity": {"reference": "stable", "differences": [
///   {"method": "PATCH", "path": "/invoices/{id}",
///    "verdicts": {"stable": "missing_method", "canary": "implemented"}}]}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parity {
    /// The target the others must match.
    pub reference: String,
    /// In contract order; empty when every target agrees.
    pub differences: Vec<Difference>,
}

/// One operation whose verdict is not the same on every target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    pub method: Method,
    pub path: String,
    /// Verdict per target, in target order (a target with no result for the
    /// operation is left out).
    pub verdicts: IndexMap<String, Verdict>,
}

impl Difference {
    /// `GET /pets/{petId}`.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// `stable: missing_method, canary: implemented`.
    pub fn verdict_list(&self) -> String {
        self.verdicts
            .iter()
            .map(|(target, verdict)| format!("{target}: {verdict}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Parity {
    /// Whether every target got the same verdict for every operation.
    pub fn agrees(&self) -> bool {
        self.differences.is_empty()
    }

    /// The difference for `method path`, if its verdicts differ.
    pub fn difference(&self, method: Method, path: &str) -> Option<&Difference> {
        self.differences
            .iter()
            .find(|d| d.method == method && d.path == path)
    }
}

/// Verdicts of every operation (rows) on every target (columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    pub targets: Vec<String>,
    pub rows: Vec<Row>,
}

/// One operation's verdict on each target, aligned with [`Matrix::targets`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub method: Method,
    pub path: String,
    pub verdicts: Vec<Option<Verdict>>,
}

impl Row {
    /// `GET /pets/{petId}`.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// Whether every target has a result and all results are the same verdict.
    pub fn agrees(&self) -> bool {
        let mut verdicts = self.verdicts.iter();
        match verdicts.next() {
            Some(Some(first)) => verdicts.all(|v| *v == Some(*first)),
            Some(None) => verdicts.all(Option::is_none),
            None => true,
        }
    }
}

impl Matrix {
    /// The column of target `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.targets.iter().position(|t| t == name)
    }

    /// The operations whose verdicts differ, against `reference`.
    pub fn compare(&self, reference: &str) -> Parity {
        let differences = self
            .rows
            .iter()
            .filter(|row| !row.agrees())
            .map(|row| Difference {
                method: row.method,
                path: row.path.clone(),
                verdicts: self
                    .targets
                    .iter()
                    .zip(&row.verdicts)
                    .filter_map(|(target, verdict)| verdict.map(|v| (target.clone(), v)))
                    .collect(),
            })
            .collect();
        Parity {
            reference: reference.to_string(),
            differences,
        }
    }

    /// What target `column` serves, one `METHOD /path  verdict` line per
    /// operation in contract order; labels are padded to the same width in
    /// every listing of this matrix, so listings line up in a diff (labels
    /// longer than [`LISTING_LABEL_WIDTH`] are not padded).
    pub fn listing(&self, column: usize) -> String {
        let width = crate::printable::column_width(
            self.rows.iter().map(|row| row.label().chars().count()),
            LISTING_LABEL_WIDTH,
        );
        let mut out = String::new();
        for row in &self.rows {
            let verdict = row
                .verdicts
                .get(column)
                .copied()
                .flatten()
                .map_or("no_result", Verdict::as_str);
            let _ = writeln!(
                out,
                "{}  {verdict}",
                crate::printable::pad(&row.label(), width)
            );
        }
        out
    }

    /// The unified diff of the reference's listing against `other`'s, with
    /// the target names as file names; empty when they are the same.
    pub fn listing_diff(&self, reference: usize, other: usize) -> String {
        let (Some(old_name), Some(new_name)) =
            (self.targets.get(reference), self.targets.get(other))
        else {
            return String::new();
        };
        let old = self.listing(reference);
        let new = self.listing(other);
        if old == new {
            return String::new();
        }
        similar::TextDiff::from_lines(&old, &new)
            .unified_diff()
            .context_radius(2)
            .header(old_name, new_name)
            .to_string()
    }
}

/// What one repeat of a probe got: its verdict and the status of the answer
/// (none when no answer came back or nothing was sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub verdict: Verdict,
    pub status: Option<u16>,
}

/// When the repeats of one probe got different verdicts: the index of the
/// sample whose exchange best shows the problem (the first with the worst
/// outcome: a failure, else an error, else an inconclusive verdict) and the
/// [`Verdict::Inconsistent`] finding, whose evidence gives the split:
/// `3 of 5 requests answered 501 (not_implemented); 2 of 5 answered 200 (implemented)`.
/// `None` when every sample agrees (or there is at most one).
pub fn merge_repeats(samples: &[Sample]) -> Option<(usize, Finding)> {
    let first = samples.first()?;
    if samples.iter().all(|s| s.verdict == first.verdict) {
        return None;
    }
    // Groups by verdict, largest first, ties in order of first appearance.
    let mut groups: Vec<(Verdict, usize, BTreeSet<u16>)> = Vec::new();
    for sample in samples {
        match groups.iter_mut().find(|(v, ..)| *v == sample.verdict) {
            Some((_, count, statuses)) => {
                *count += 1;
                statuses.extend(sample.status);
            }
            None => groups.push((sample.verdict, 1, sample.status.into_iter().collect())),
        }
    }
    groups.sort_by_key(|(_, count, _)| std::cmp::Reverse(*count));
    let total = samples.len();
    let parts: Vec<String> = groups
        .iter()
        .enumerate()
        .map(|(i, (verdict, count, statuses))| {
            let requests = if i == 0 { " requests" } else { "" };
            let answer = if statuses.is_empty() {
                "got no answer".to_string()
            } else {
                let statuses: Vec<String> = statuses.iter().map(u16::to_string).collect();
                format!("answered {}", statuses.join(" or "))
            };
            format!("{count} of {total}{requests} {answer} ({verdict})")
        })
        .collect();
    let severity = |verdict: Verdict| match verdict.outcome() {
        Outcome::Fail => 0,
        Outcome::Error => 1,
        Outcome::Inconclusive => 2,
        Outcome::Pass => 3,
    };
    let representative = samples
        .iter()
        .enumerate()
        .min_by_key(|(index, s)| (severity(s.verdict), *index))
        .map_or(0, |(index, _)| index);
    Some((
        representative,
        Finding {
            verdict: Verdict::Inconsistent,
            rule: rules::REPEATS_DISAGREE,
            evidence: parts.join("; "),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix() -> Matrix {
        let row = |method, path: &str, verdicts: &[Verdict]| Row {
            method,
            path: path.into(),
            verdicts: verdicts.iter().copied().map(Some).collect(),
        };
        Matrix {
            targets: vec!["stable".into(), "canary".into(), "canary-2".into()],
            rows: vec![
                row(
                    Method::Get,
                    "/invoices",
                    &[
                        Verdict::Implemented,
                        Verdict::Implemented,
                        Verdict::Implemented,
                    ],
                ),
                row(
                    Method::Patch,
                    "/invoices/{id}",
                    &[
                        Verdict::MissingMethod,
                        Verdict::Implemented,
                        Verdict::Implemented,
                    ],
                ),
                row(
                    Method::Get,
                    "/health",
                    &[
                        Verdict::Implemented,
                        Verdict::Implemented,
                        Verdict::Unreachable,
                    ],
                ),
            ],
        }
    }

    #[test]
    fn operations_with_different_verdicts_are_differences_in_target_order() {
        let parity = matrix().compare("stable");
        assert_eq!(parity.reference, "stable");
        let labels: Vec<String> = parity.differences.iter().map(Difference::label).collect();
        assert_eq!(labels, ["PATCH /invoices/{id}", "GET /health"]);
        assert_eq!(
            parity.differences[0].verdict_list(),
            "stable: missing_method, canary: implemented, canary-2: implemented"
        );
    }

    #[test]
    fn parity_json_has_the_documented_shape() {
        let mut m = matrix();
        m.targets.truncate(2);
        for row in &mut m.rows {
            row.verdicts.truncate(2);
        }
        let json = serde_json::to_string(&m.compare("stable")).unwrap();
        assert_eq!(
            json,
            r#"{"reference":"stable","differences":[{"method":"PATCH","path":"/invoices/{id}","verdicts":{"stable":"missing_method","canary":"implemented"}}]}"#
        );
        let back: Parity = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m.compare("stable"));
    }

    #[test]
    fn a_missing_result_is_a_difference() {
        let row = Row {
            method: Method::Get,
            path: "/a".into(),
            verdicts: vec![Some(Verdict::Implemented), None],
        };
        assert!(!row.agrees());
        let none = Row {
            verdicts: vec![None, None],
            ..row
        };
        assert!(none.agrees());
    }

    #[test]
    fn listing_diff_reads_like_a_code_diff() {
        let m = matrix();
        assert_eq!(
            m.listing(0),
            "GET /invoices         implemented\n\
             PATCH /invoices/{id}  missing_method\n\
             GET /health           implemented\n"
        );
        assert_eq!(
            m.listing_diff(0, 1),
            "--- stable\n+++ canary\n@@ -1,3 +1,3 @@\n \
             GET /invoices         implemented\n\
             -PATCH /invoices/{id}  missing_method\n\
             +PATCH /invoices/{id}  implemented\n \
             GET /health           implemented\n"
        );
        assert_eq!(m.listing_diff(1, 1), "", "no drift, no diff");
    }

    #[test]
    fn agreeing_repeats_are_not_merged() {
        let same = Sample {
            verdict: Verdict::Implemented,
            status: Some(200),
        };
        assert_eq!(merge_repeats(&[same, same, same]), None);
        assert_eq!(merge_repeats(&[]), None);
    }

    #[test]
    fn disagreeing_repeats_are_inconsistent_with_the_split() {
        let served = Sample {
            verdict: Verdict::Implemented,
            status: Some(200),
        };
        let stub = Sample {
            verdict: Verdict::NotImplemented,
            status: Some(501),
        };
        let (representative, finding) =
            merge_repeats(&[served, stub, served, stub, stub]).expect("they disagree");
        assert_eq!(finding.verdict, Verdict::Inconsistent);
        assert_eq!(finding.rule, rules::REPEATS_DISAGREE);
        assert_eq!(
            finding.evidence,
            "3 of 5 requests answered 501 (not_implemented); 2 of 5 answered 200 (implemented)"
        );
        assert_eq!(representative, 1, "the first failing repeat is shown");
    }

    #[test]
    fn repeats_without_an_answer_say_so() {
        let served = Sample {
            verdict: Verdict::Implemented,
            status: Some(404),
        };
        let down = Sample {
            verdict: Verdict::Unreachable,
            status: None,
        };
        let (representative, finding) = merge_repeats(&[served, down]).unwrap();
        assert_eq!(
            finding.evidence,
            "1 of 2 requests answered 404 (implemented); 1 of 2 got no answer (unreachable)"
        );
        assert_eq!(representative, 1);
    }
}
