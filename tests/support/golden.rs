//! Golden files: a rendered output compared with the file that holds what it
//! must be, byte for byte, with a unified diff when they differ. After an
//! intended change to a format, rewrite the files and review their diff:
//!
//! ```text
//! ROLLCALL_UPDATE_GOLDEN=1 cargo test --lib report        # testdata/reports/
//! ROLLCALL_UPDATE_GOLDEN=1 cargo test --test integration   # testdata/golden/, testdata/parity/
//! ```
//!
//! The one helper of the library's unit tests and the integration tests alike
//! (`src/report/testing.rs` includes this file), so it depends on nothing but
//! `std` and `similar`.

use std::path::Path;

/// Compares `actual` with the file at `path` (relative to the repository),
/// or rewrites the file when `ROLLCALL_UPDATE_GOLDEN=1`.
#[track_caller]
pub fn assert_golden(path: &str, actual: &str) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var("ROLLCALL_UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&file, actual)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
        return;
    }
    let expected = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!("cannot read {path}: {e} (ROLLCALL_UPDATE_GOLDEN=1 creates it)")
    });
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected.as_str(), actual)
            .unified_diff()
            .header(&format!("{path} (golden)"), &format!("{path} (actual)"))
            .to_string();
        panic!("{path} differs (ROLLCALL_UPDATE_GOLDEN=1 rewrites it if intended):\n{diff}");
    }
}
