//! Test support for planning and every stage above it: contracts read from
//! `testdata/`, and assertions on text that show the whole text where they
//! fail (a note, an error, a finding's evidence, a fingerprint's body).
//!
//! ```text
//! let contract = testdata_contract("s3/store.yaml");
//! assert_contains(&finding.evidence, "(Retry-After: 30)");
//! ```

use crate::contract::{self, Contract};

/// The contract `testdata/<name>` holds, loaded as `check` loads a file (its
/// source named `testdata/<name>`).
pub fn testdata_contract(name: &str) -> Contract {
    let source = format!("testdata/{name}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(&source);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{source}: {e}"));
    contract::parse(&source, &bytes).unwrap_or_else(|e| panic!("{source} loads: {e}"))
}

/// Asserts that `text` contains `part`, and shows it where it does not.
#[track_caller]
pub fn assert_contains(text: &str, part: &str) {
    assert!(text.contains(part), "{text}");
}

/// Asserts that `text` starts with `start`, and shows it where it does not.
#[track_caller]
pub fn assert_starts_with(text: &str, start: &str) {
    assert!(text.starts_with(start), "{text}");
}

/// Asserts that `text` ends with `end`, and shows it where it does not.
#[track_caller]
pub fn assert_ends_with(text: &str, end: &str) {
    assert!(text.ends_with(end), "{text}");
}
