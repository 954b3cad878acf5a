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
//!   ...
//! }
//! ```

use crate::report::{RunReport, SCHEMA_VERSION};

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

/// The report as pretty JSON, ending with a newline.
pub fn render(report: &RunReport) -> String {
    // Every key is a string and every value plain data, so serializing to a
    // String cannot fail.
    let mut text = serde_json::to_string_pretty(report).expect("a RunReport serializes to JSON");
    text.push('\n');
    text
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
