//! The JSON report: [`RunReport`] serialized as is, pretty-printed, so the
//! format is exactly the Rust structure (fields in declaration order,
//! operations in contract order, results in target order).
//!
//! Its format is published as a JSON Schema, `docs/report.schema.json`, and
//! versioned by `schema_version` ([`SCHEMA_VERSION`]); every report a test
//! writes is validated against that schema.
//!
//! ```json
//! {
//!   "schema_version": 1,
//!   "tool": "rollcall",
//!   "version": "0.1.0",
//!   "mode": "safe",
//!   "spec": { "path": "specs/petstore.yaml", "title": "Pet Store", ... },
//!   "targets": [ { "name": "stable", "base_url": "http://...", "discovery": [...] } ],
//!   "operations": [
//!     { "method": "GET", "path": "/pets", ..., "results": [
//!       { "target": "stable", "verdict": "implemented", "rule": "...", "status": 200, ... } ] }
//!   ],
//!   "summary": { "implemented": 11, "not_implemented": 1, ... },
//!   "gate": { "failing_verdicts": ["not_implemented", ...] },
//!   "outcome": { "passed": false, "failing": 1, "differences": 0, "nothing_served": [] },
//!   ...
//! }
//! ```
//!
//! Beside the structure, the report carries what its gate decided, so that a
//! reader never re-implements the gate: `outcome` (the exit code's reason)
//! and each result's `standing` (`pass`, `fails`, `not_gated`, `known_gap`),
//! both from [`RunReport::standing`], as every other report. Reading a report
//! back ignores them: they are recomputed from the results and the gate.

use serde_json::{Map, Value, json};

use crate::report::{RunReport, SCHEMA_VERSION, Standing};

/// Why a file could not be read back as a rollcall JSON report.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("not a rollcall JSON report: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not a rollcall JSON report: its \"tool\" is \"{0}\", expected \"rollcall\"")]
    OtherTool(String),
    #[error(
        "written by a newer rollcall (schema_version {found}; this one reads up to {SCHEMA_VERSION}): upgrade rollcall"
    )]
    NewerSchema { found: u32 },
}

/// The report as pretty JSON, ending with a newline: the [`RunReport`] with
/// its gate's decisions (`outcome`, each result's `standing`) added.
pub fn render(report: &RunReport) -> String {
    // Every key is a string and every value plain data, so serializing
    // cannot fail.
    let mut value = serde_json::to_value(report).expect("a RunReport serializes to JSON");
    add_standings(report, &mut value);
    let value = with_outcome_after_gate(report, value);
    let mut text = serde_json::to_string_pretty(&value).expect("a JSON value serializes");
    text.push('\n');
    text
}

/// `"standing": "fails"` after each result's fields, in the report's order.
fn add_standings(report: &RunReport, value: &mut Value) {
    let Some(operations) = value.get_mut("operations").and_then(Value::as_array_mut) else {
        return;
    };
    for (operation, written) in report.operations.iter().zip(operations) {
        let Some(results) = written.get_mut("results").and_then(Value::as_array_mut) else {
            continue;
        };
        for (result, written) in operation.results.iter().zip(results) {
            if let Some(fields) = written.as_object_mut() {
                fields.insert(
                    "standing".into(),
                    standing_name(report.standing(result)).into(),
                );
            }
        }
    }
}

fn standing_name(standing: Standing) -> &'static str {
    match standing {
        Standing::Pass => "pass",
        Standing::Fails => "fails",
        Standing::NotGated => "not_gated",
        Standing::KnownGap => "known_gap",
    }
}

/// The top-level object with `outcome` right after `gate`, where a reader
/// looks for the run's conclusion.
fn with_outcome_after_gate(report: &RunReport, value: Value) -> Value {
    let Value::Object(fields) = value else {
        return value;
    };
    let nothing_served: Vec<Value> = report
        .target_failures()
        .into_iter()
        .map(|failure| json!({"target": failure.target, "message": failure.message}))
        .collect();
    let outcome = json!({
        "passed": report.passed(),
        "failing": report.failing(),
        "differences": report.differences(),
        "nothing_served": nothing_served,
    });
    let mut ordered = Map::with_capacity(fields.len() + 1);
    let mut placed = false;
    for (key, field) in fields {
        let is_gate = key == "gate";
        ordered.insert(key, field);
        if is_gate {
            ordered.insert("outcome".into(), outcome.clone());
            placed = true;
        }
    }
    if !placed {
        ordered.insert("outcome".into(), outcome);
    }
    Value::Object(ordered)
}

/// Reads a JSON report back (to merge or compare runs).
pub fn parse(text: &str) -> Result<RunReport, ParseError> {
    let report: RunReport = serde_json::from_str(text)?;
    if report.tool != "rollcall" {
        return Err(ParseError::OtherTool(report.tool));
    }
    if report.schema_version > SCHEMA_VERSION {
        return Err(ParseError::NewerSchema {
            found: report.schema_version,
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testing::{assert_golden, fixture};

    #[test]
    fn json_report_matches_golden_file() {
        assert_golden("report.json", &render(&fixture()));
    }

    #[test]
    fn json_report_reads_back_unchanged() {
        let report = fixture();
        let parsed = parse(&render(&report)).expect("own output parses");
        assert_eq!(parsed, report);
    }

    #[test]
    fn parse_names_the_problem_in_a_foreign_file() {
        let err = parse("{\"tool\": 1}").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        let mut other = fixture();
        other.tool = "other".into();
        let err = parse(&render(&other)).unwrap_err();
        assert!(
            matches!(err, ParseError::OtherTool(ref t) if t == "other"),
            "{err}"
        );
    }
}
