//! Parity: whether every target got the same verdict for each operation.
//! Pure data: it compares verdicts that were already decided and never sends
//! or reads anything. With two or more targets, an operation whose verdict
//! differs from one target to another is a parity failure, reported against
//! a reference target (the build the others must match) by
//! [`Matrix::compare`]. (Repeats of one probe on one target are compared by
//! [`crate::verdict::repeats`].)
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

use std::fmt::Write as _;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::contract::Method;
use crate::verdict::Verdict;

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

    /// The rows a parity table shows: those whose verdicts differ, or every
    /// one when `all` (`--all`).
    pub fn shown_rows(&self, all: bool) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|row| all || !row.agrees())
            .collect()
    }

    /// Each target other than the one in column `reference`, in target
    /// order: its column and the [`Matrix::listing_diff`] of its listing
    /// against the reference's (empty when they are the same).
    pub fn listing_diffs(&self, reference: usize) -> impl Iterator<Item = (usize, String)> + '_ {
        (0..self.targets.len())
            .filter(move |column| *column != reference)
            .map(move |column| (column, self.listing_diff(reference, column)))
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
}
