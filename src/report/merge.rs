//! Merging shard reports: `rollcall check --shard I/N --json shard-I.json` on
//! each job of a CI matrix, then `rollcall merge shard-*.json` combines them
//! into the one report a full run would have written.
//!
//! ```text
//! shard-1.json  GET /pets, DELETE /pets/{id}      ┐
//! shard-2.json  POST /pets, GET /stores           ┘ → GET /pets, POST /pets, DELETE /pets/{id}, GET /stores
//! ```
//!
//! Reports must be of the same spec (path, title, version) and mode, and
//! name the same targets; an operation present in two reports is refused (two
//! copies of one shard). Operations are ordered by their line in the spec,
//! which is the contract order of a full run; the summary, the route-only
//! count and the parity comparison are recomputed.

use std::collections::BTreeSet;

use crate::report::RunReport;

/// Why reports could not be merged. Each names the report (by its position
/// on the command line, as `#2`) and what differs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge: give at least one JSON report")]
    Empty,
    #[error(
        "report #{index} is of another spec ({found}) than report #1 ({expected}); merge only shards of one run"
    )]
    OtherSpec {
        index: usize,
        expected: String,
        found: String,
    },
    #[error("report #{index} was run in {found} mode, report #1 in {expected} mode")]
    OtherMode {
        index: usize,
        expected: String,
        found: String,
    },
    #[error("report #{index} has targets [{found}], report #1 has [{expected}]")]
    OtherTargets {
        index: usize,
        expected: String,
        found: String,
    },
    #[error(
        "{operation} is in report #{first} and report #{second}: were two reports of the same shard given?"
    )]
    Duplicate {
        operation: String,
        first: usize,
        second: usize,
    },
}

/// Reads the JSON reports at `paths` and merges them; an error names the
/// file it is about.
pub fn merge_files(paths: &[std::path::PathBuf]) -> Result<RunReport, String> {
    let mut reports = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let report =
            crate::report::json::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        reports.push(report);
    }
    merge(reports).map_err(|e| e.to_string())
}

/// One report holding every operation of `reports` (see the module docs).
pub fn merge(reports: Vec<RunReport>) -> Result<RunReport, MergeError> {
    let mut reports = reports.into_iter();
    let mut merged = reports.next().ok_or(MergeError::Empty)?;
    let spec_of = |r: &RunReport| format!("{} {} at {}", r.spec.title, r.spec.version, r.spec.path);
    let targets_of = |r: &RunReport| {
        r.targets
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Where each operation came from, to name both reports of a duplicate.
    let mut origin: Vec<(String, usize)> =
        merged.operations.iter().map(|o| (o.label(), 1)).collect();
    let mut started_at = merged.started_at.clone();
    for (offset, report) in reports.enumerate() {
        let index = offset + 2;
        if report.spec != merged.spec {
            return Err(MergeError::OtherSpec {
                index,
                expected: spec_of(&merged),
                found: spec_of(&report),
            });
        }
        if report.mode != merged.mode {
            return Err(MergeError::OtherMode {
                index,
                expected: merged.mode.to_string(),
                found: report.mode.to_string(),
            });
        }
        if targets_of(&report) != targets_of(&merged) {
            return Err(MergeError::OtherTargets {
                index,
                expected: targets_of(&merged),
                found: targets_of(&report),
            });
        }
        for operation in report.operations {
            let label = operation.label();
            if let Some((_, first)) = origin.iter().find(|(l, _)| *l == label) {
                return Err(MergeError::Duplicate {
                    operation: label,
                    first: *first,
                    second: index,
                });
            }
            origin.push((label, index));
            merged.operations.push(operation);
        }
        // Each shard ran discovery on its own: keep every distinct note.
        for (mine, theirs) in merged.targets.iter_mut().zip(report.targets) {
            for note in theirs.discovery {
                if !mine.discovery.contains(&note) {
                    mine.discovery.push(note);
                }
            }
        }
        let known: BTreeSet<String> = merged.warnings.iter().cloned().collect();
        merged
            .warnings
            .extend(report.warnings.into_iter().filter(|w| !known.contains(w)));
        // RFC 3339 timestamps of one zone sort as text.
        if report.started_at < started_at {
            started_at = report.started_at;
        }
        merged.duration_ms = merged.duration_ms.max(report.duration_ms);
    }
    merged.started_at = started_at;
    // Stable: operations without a line keep their relative order, last.
    merged
        .operations
        .sort_by_key(|o| (o.line.is_none(), o.line.unwrap_or(0)));
    // Everything computed from the operations is computed again over all of them.
    merged.summary = merged.verdict_counts();
    merged.route_only = merged.route_only_count();
    if let Some(reference) = merged.parity.as_ref().map(|p| p.reference.clone()) {
        merged.parity = Some(merged.parity_matrix().compare(&reference));
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testing::fixture;

    fn split(report: &RunReport, keep_even: bool) -> RunReport {
        let mut part = report.clone();
        part.operations = report
            .operations
            .iter()
            .enumerate()
            .filter(|(i, _)| (i % 2 == 0) == keep_even)
            .map(|(_, o)| o.clone())
            .collect();
        part.summary = part.verdict_counts();
        part
    }

    #[test]
    fn merging_two_halves_gives_back_the_whole_report() {
        let full = fixture();
        let merged = merge(vec![split(&full, false), split(&full, true)]).unwrap();
        assert_eq!(merged.operations, full.operations);
        assert_eq!(merged.summary, full.summary);
    }

    #[test]
    fn a_parity_only_gate_stays_one_after_merging() {
        let mut full = crate::report::testing::fixture_with_parity();
        full.gate = crate::report::Gate::parity_only();
        let merged = merge(vec![split(&full, false), split(&full, true)]).unwrap();
        assert_eq!(merged.parity, full.parity);
        assert_eq!(merged.gate, crate::report::Gate::parity_only());
    }

    #[test]
    fn reports_of_another_spec_or_mode_are_refused() {
        let full = fixture();
        let mut other = split(&full, true);
        other.spec.title = "Another API".into();
        let err = merge(vec![split(&full, false), other]).unwrap_err();
        assert!(
            matches!(err, MergeError::OtherSpec { index: 2, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("Another API"), "{err}");

        let mut other = split(&full, true);
        other.mode = match full.mode {
            crate::plan::Mode::Safe => crate::plan::Mode::Live,
            crate::plan::Mode::Live => crate::plan::Mode::Safe,
        };
        let err = merge(vec![split(&full, false), other]).unwrap_err();
        assert!(matches!(err, MergeError::OtherMode { .. }), "{err}");
    }

    #[test]
    fn the_same_shard_twice_is_refused() {
        let full = fixture();
        let half = split(&full, true);
        let err = merge(vec![half.clone(), half]).unwrap_err();
        assert!(
            matches!(
                err,
                MergeError::Duplicate {
                    first: 1,
                    second: 2,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn nothing_to_merge_is_an_error() {
        assert_eq!(merge(Vec::new()), Err(MergeError::Empty));
    }
}
