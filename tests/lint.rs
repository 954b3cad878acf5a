//! The files GitHub and Docker run, linted by the tools their authors use:
//! `actionlint` on every workflow (it runs `shellcheck` on each `run:`),
//! on the composite action (its steps as the job of a `workflow_call`
//! workflow, so its expressions and inputs are checked too), `shellcheck`
//! on the action's scripts and the repository's shell scripts, `hadolint`
//! on the Dockerfile. Plus the rule actionlint cannot know: no `${{ }}`
//! inside a `run:` script anywhere (inputs an attacker may write, such as a
//! PR title, reach scripts through `env:` only).
//!
//! The tools come from `scripts/install-lint-tools.sh` (into
//! `target/tools/venv`, which `.ci/run` calls) or from `PATH`. Without them a
//! test prints a loud SKIP, unless `CI` is set: then it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{repo, skip, succeeded};
use yaml_serde::{Mapping, Value};

/// The workflow files of the repository, and the example users copy.
const WORKFLOWS: [&str; 3] = [
    ".github/workflows/ci.yml",
    ".github/workflows/release.yml",
    ".github/examples/contract-check.yml",
];

/// Every shell script of the repository.
const SHELL_SCRIPTS: [&str; 6] = [
    ".ci/run",
    "scripts/bench.sh",
    "scripts/fetch-corpus.sh",
    "scripts/install-lint-tools.sh",
    "scripts/package-release.sh",
    "testdata/interop/setup.sh",
];

/// The tool from `target/tools/venv/bin` or `PATH`; `None` (after a SKIP
/// line) when missing on a developer's machine, a panic under `CI`.
fn tool(name: &str, test: &str) -> Option<PathBuf> {
    let venv = repo("target/tools/venv/bin").join(name);
    if venv.is_file() {
        return Some(venv);
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    });
    if on_path.is_none() {
        skip(
            test,
            &format!("{name} is not installed (scripts/install-lint-tools.sh)"),
        );
    }
    on_path
}

/// [`tool`] for both actionlint and the shellcheck it runs, for the
/// actionlint tests (each missing one said).
fn linters() -> Option<(PathBuf, PathBuf)> {
    let test = "actionlint tests";
    match (tool("actionlint", test), tool("shellcheck", test)) {
        (Some(actionlint), Some(shellcheck)) => Some((actionlint, shellcheck)),
        _ => None,
    }
}

fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn action_steps() -> Vec<Value> {
    yaml("action.yml")["runs"]["steps"]
        .as_sequence()
        .expect("action.yml has runs.steps")
        .clone()
}

/// Runs a lint command; panics with its output unless it exits 0.
fn assert_clean(mut command: Command, what: &str) {
    succeeded(&mut command, what);
}

fn actionlint(actionlint: &Path, shellcheck: &Path, files: &[PathBuf], what: &str) {
    let mut command = Command::new(actionlint);
    command
        .current_dir(repo(""))
        .arg("-no-color")
        .arg("-oneline")
        .arg("-shellcheck")
        .arg(shellcheck)
        .arg("-pyflakes=")
        .args(files);
    assert_clean(command, what);
}

#[test]
fn workflows_pass_actionlint_and_shellcheck() {
    let Some((actionlint_bin, shellcheck)) = linters() else {
        return;
    };
    let files: Vec<PathBuf> = WORKFLOWS.iter().map(|w| repo(w)).collect();
    actionlint(&actionlint_bin, &shellcheck, &files, "the workflows");
}

/// actionlint reads workflows, not action metadata: the composite action's
/// steps become the job of a `workflow_call` workflow with the same inputs,
/// which checks the expressions (inputs, step outputs), the actions used and,
/// through shellcheck, every script.
#[test]
fn the_composite_action_passes_actionlint_as_a_workflow() {
    let Some((actionlint_bin, shellcheck)) = linters() else {
        return;
    };
    let action = yaml("action.yml");
    let mut inputs = Mapping::new();
    for (name, input) in action["inputs"].as_mapping().expect("inputs") {
        let mut declared = Mapping::new();
        declared.insert("type".into(), "string".into());
        declared.insert("required".into(), false.into());
        declared.insert("default".into(), input["default"].clone());
        inputs.insert(name.clone(), Value::Mapping(declared));
    }
    let workflow = serde_json::json!({
        "name": "action.yml as a workflow",
        "on": { "workflow_call": { "inputs": inputs } },
        "permissions": { "contents": "read" },
        "jobs": { "action": { "runs-on": "ubuntu-latest", "steps": action_steps() } },
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let workflows = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&workflows).expect("mkdir");
    let file = workflows.join("action.yml");
    std::fs::write(&file, yaml_serde::to_string(&workflow).expect("YAML")).expect("write");
    actionlint(&actionlint_bin, &shellcheck, &[file], "action.yml");
}

/// Every script of action.yml, as the bash GitHub runs it with, and every
/// shell script of the repository.
#[test]
fn shell_scripts_pass_shellcheck() {
    let Some(shellcheck) = tool("shellcheck", "shell_scripts_pass_shellcheck") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files: Vec<PathBuf> = SHELL_SCRIPTS.iter().map(|s| repo(s)).collect();
    for step in action_steps() {
        if let Some(script) = step["run"].as_str() {
            let id = step["id"]
                .as_str()
                .expect("every run step of action.yml has an id");
            let file = dir.path().join(format!("action-{id}.sh"));
            std::fs::write(&file, script).expect("write");
            files.push(file);
        }
    }
    let mut command = Command::new(shellcheck);
    command
        .args(["--shell=bash", "--severity=style"])
        .args(&files);
    assert_clean(command, "shellcheck");
}

#[test]
fn dockerfile_passes_hadolint() {
    let Some(hadolint) = tool("hadolint", "dockerfile_passes_hadolint") else {
        return;
    };
    let mut command = Command::new(hadolint);
    command.arg("--no-color").arg(repo("Dockerfile"));
    assert_clean(command, "the Dockerfile");
}

/// `${{ }}` is pasted into a script before the shell reads it: a PR title or
/// an input with `"; curl ... | sh` in it would run. Scripts read `env:`.
#[test]
fn no_expression_is_expanded_inside_a_script() {
    let mut scripts = Vec::new();
    for step in action_steps() {
        scripts.push(("action.yml".to_string(), step));
    }
    for path in WORKFLOWS {
        let workflow = yaml(path);
        for (job, body) in workflow["jobs"].as_mapping().expect("jobs") {
            for step in body["steps"].as_sequence().into_iter().flatten() {
                scripts.push((format!("{path} job {job:?}"), step.clone()));
            }
        }
    }
    let mut runs = 0;
    for (place, step) in scripts {
        if let Some(script) = step["run"].as_str() {
            runs += 1;
            assert!(
                !script.contains("${{"),
                "{place}: a run script expands an expression (use env:):\n{script}"
            );
            assert!(
                !script.contains("eval ") && !script.contains("set -x"),
                "{place}: no eval and no tracing (it would print secrets):\n{script}"
            );
        }
    }
    assert!(runs > 10, "found only {runs} scripts");
}

/// The published crate is the tool, not the repository: no test data, test
/// suites, fuzz targets or CI files (`cargo package --locked`, which also
/// builds it, runs in `.ci/run`).
#[test]
fn the_crate_holds_the_sources_and_not_the_test_data() {
    let target = tempfile::tempdir().expect("temp dir");
    let output = succeeded(
        Command::new(env!("CARGO"))
            .args([
                "package",
                "--list",
                "--allow-dirty",
                "--locked",
                "--offline",
            ])
            .current_dir(repo(""))
            .env("CARGO_TARGET_DIR", target.path()),
        "cargo package --list",
    );
    let files = String::from_utf8_lossy(&output.stdout);
    let files: Vec<&str> = files.lines().collect();
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "src/main.rs",
        "src/lib.rs",
        "specs/demo.yaml",
        "docs/verdicts.md",
    ] {
        assert!(
            files.contains(&needed),
            "{needed} is not in the crate: {files:?}"
        );
    }
    for file in &files {
        for left_out in [
            "testdata/",
            "tests/",
            "fuzz/",
            ".github/",
            "scripts/",
            "target/",
        ] {
            assert!(!file.starts_with(left_out), "{file} is in the crate");
        }
    }
}
