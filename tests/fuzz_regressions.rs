//! Replays the inputs the fuzzers found interesting (`fuzz/regressions/<target>/`)
//! through exactly what each fuzz target runs (`fuzz/support.rs`): none may
//! panic, hang or overflow the stack. How to fuzz: README, "Fuzzing".

use std::path::{Path, PathBuf};

#[path = "../fuzz/support.rs"]
mod support;

/// Runs `check` on every regression input of the fuzz target `target`,
/// naming each on stderr first (the one a crash leaves last is the culprit).
fn replay(target: &str, check: impl Fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    for path in files {
        eprintln!("{}", path.display());
        check(&std::fs::read(&path).expect("read regression input"));
    }
}

#[test]
fn contract_loading_survives_every_regression_input() {
    replay("contract_parse", |bytes| {
        support::load_and_plan("fuzz.yaml", bytes);
    });
}

#[test]
fn ref_resolution_survives_every_regression_input() {
    replay("ref_resolution", |bytes| {
        if let Some(document) = support::with_fuzzed_components(bytes) {
            support::load_and_plan("refs.json", &document);
        }
    });
}

#[test]
fn yaml_aliases_are_bounded_for_every_regression_input() {
    replay("yaml_aliases", |bytes| {
        support::load_yaml_with_aliases(bytes);
    });
}

#[test]
fn request_synthesis_survives_every_regression_input() {
    replay("request_synthesis", |bytes| {
        if let Some(document) = support::with_fuzzed_schema(bytes) {
            support::load_and_plan("schema.json", &document);
        }
    });
}
