//! rollcall's JUnit report read by the three common GitHub reporters' own
//! code (`testdata/reporters/`, see its README): mikepenz/action-junit-report
//! and dorny/test-reporter from their release bundles on `node`, and
//! EnricoMi/publish-unit-test-result-action's Python parser with the
//! junitparser and lxml it pins. For a failing run on two targets, a
//! `--parity-only` canary gate over two agreeing targets, and a `--strict`
//! run, each reporter's verdict (failed or not) is rollcall's exit code, its
//! counts are JUnit's, and the annotations that carry a place land on the
//! workspace-relative spec path and the operation's line, naming the target.
//!
//! The Python part is installed by `testdata/reporters/setup.sh` (`.ci/run`
//! calls it). Missing under `CI`, the tests fail; on a dev machine they run
//! the script once, and print a loud skip if that fails (offline).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::support;
use crate::support::assert_contains;
use crate::support::repo;
use crate::support::rollout;
use rollcall::demo;
use serde_json::Value;

/// The Python interpreter of `target/reporters/venv`, or `None` after a loud
/// message when it cannot be installed here.
fn python() -> Option<&'static Path> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let installed = PYTHON.get_or_init(|| {
        let venv = repo("target/reporters/venv");
        let python = venv.join("bin/python");
        let ready = || venv.join(".rollcall-installed").is_file();
        if ready() {
            return Ok(python);
        }
        assert!(
            std::env::var_os("CI").is_none_or(|v| v.is_empty()),
            "{} is not installed: CI must run testdata/reporters/setup.sh before cargo test (.ci/run does)",
            venv.display()
        );
        let output = Command::new("bash")
            .arg(repo("testdata/reporters/setup.sh"))
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run setup.sh: {e}"))?;
        if !output.status.success() || !ready() {
            return Err(format!(
                "setup.sh failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(python)
    });
    match installed {
        Ok(python) => Some(python),
        Err(why) => {
            support::skip(
                "reporter tests",
                &format!("{why}; run testdata/reporters/setup.sh"),
            );
            None
        }
    }
}

/// A `Command` without the variables of a surrounding GitHub Actions job
/// (this suite may itself run in one).
fn clean(program: &str) -> Command {
    let mut command = Command::new(program);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("GITHUB_")
            || name.starts_with("INPUT_")
            || name.starts_with("RUNNER_")
            || name.starts_with("ACTIONS_")
            || name.ends_with("_proxy")
            || name.ends_with("_PROXY")
        {
            command.env_remove(name);
        }
    }
    command.stdin(Stdio::null());
    command
}

/// `INPUT_<NAME>` for every input with a default in an `action.yml`, as the
/// runner sets them (expressions like `${{ github.token }}` become empty).
fn action_defaults(action_yml: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(action_yml).expect("action.yml");
    let yaml: Value = yaml_serde::from_str(&text).expect("action.yml is YAML");
    yaml["inputs"]
        .as_object()
        .expect("inputs")
        .iter()
        .filter_map(|(name, input)| {
            let default = match &input["default"] {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            let default = if default.contains("${{") {
                String::new()
            } else {
                default
            };
            Some((format!("INPUT_{}", name.to_uppercase()), default))
        })
        .collect()
}

/// What one of the node actions printed and wrote.
struct ActionRun {
    ok: bool,
    stdout: String,
    outputs: BTreeMap<String, String>,
    summary: String,
}

/// Runs a vendored action bundle in `workspace` on the JUnit file `junit`
/// (relative to it), with `inputs` over the action's defaults.
fn run_action(name: &str, workspace: &Path, inputs: &[(&str, &str)]) -> ActionRun {
    let dir = repo("testdata/reporters").join(name);
    let files = tempfile::tempdir().expect("temp dir");
    let outputs = files.path().join("outputs");
    let summary = files.path().join("summary.md");
    std::fs::write(&outputs, "").expect("outputs");
    std::fs::write(&summary, "").expect("summary");
    let mut command = clean("node");
    command
        .arg("--require")
        .arg(repo("testdata/reporters/node-compat.cjs"))
        .arg(dir.join("dist/index.js"))
        .current_dir(workspace)
        .envs(action_defaults(&dir.join("action.yml")))
        .envs(
            inputs
                .iter()
                .map(|(k, v)| (format!("INPUT_{}", k.to_uppercase()), *v)),
        )
        .env("GITHUB_WORKSPACE", workspace)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_SHA", "0".repeat(40))
        .env("GITHUB_REPOSITORY", "acme/api")
        .env("RUNNER_TEMP", files.path());
    let output = command.output().expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    ActionRun {
        ok: output.status.success(),
        outputs: support::github_outputs(&std::fs::read_to_string(&outputs).unwrap_or_default()),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        stdout: format!("{stdout}\n{}", String::from_utf8_lossy(&output.stderr)),
    }
}

/// One rollcall run in a workspace whose spec is `spec` (relative), with
/// its JUnit at `rollcall.xml`.
struct Checked {
    workspace: PathBuf,
    code: i32,
    /// JUnit's failures + errors, and its skipped, over all suites.
    failing: usize,
    skipped: usize,
    tests: usize,
    spec: String,
    /// Line of each operation (`METHOD /path`) in the spec.
    lines: BTreeMap<String, u32>,
}

async fn check(workspace: &Path, spec: &str, mut args: Vec<String>) -> Checked {
    args.extend([
        "--junit".into(),
        "rollcall.xml".into(),
        "--json".into(),
        "rollcall.json".into(),
    ]);
    let mut command = support::command(args);
    command
        .current_dir(workspace)
        .env("GITHUB_WORKSPACE", workspace);
    let run = support::run(command).await;
    let xml = std::fs::read_to_string(workspace.join("rollcall.xml"))
        .unwrap_or_else(|e| panic!("no JUnit ({e}): {}\n{}", run.stdout, run.stderr));
    let count = |attribute: &str| -> usize {
        xml.lines()
            .filter(|l| l.trim_start().starts_with("<testsuite "))
            .map(|l| {
                let start = l.find(&format!(" {attribute}=\"")).unwrap() + attribute.len() + 3;
                l[start..][..l[start..].find('"').unwrap()]
                    .parse::<usize>()
                    .unwrap()
            })
            .sum()
    };
    let report = support::read_report(&workspace.join("rollcall.json"));
    let lines = report
        .operations
        .iter()
        .filter_map(|op| Some((op.label(), op.line?)))
        .collect();
    Checked {
        workspace: workspace.to_path_buf(),
        code: run.code,
        failing: count("failures") + count("errors"),
        skipped: count("skipped"),
        tests: count("tests"),
        spec: spec.to_string(),
        lines,
    }
}

/// Asserts that an annotation's place is the spec, at the line of the
/// operation its title or message names; one about a target where nothing
/// was proven served names no operation and has no line of its own.
fn assert_at_operation_line(checked: &Checked, file: &str, line: u32, text: &str) {
    assert_eq!(file, checked.spec, "{text}");
    if text.contains("nothing proven served") {
        return;
    }
    let (label, expected) = checked
        .lines
        .iter()
        .filter(|(label, _)| text.contains(label.as_str()))
        .max_by_key(|(label, _)| label.len())
        .unwrap_or_else(|| panic!("no operation named in {text}"));
    assert_eq!(line, *expected, "{label}: {text}");
}

fn mikepenz(checked: &Checked) {
    let run = run_action(
        "mikepenz",
        &checked.workspace,
        &[
            ("report_paths", "rollcall.xml"),
            ("annotate_only", "true"),
            ("token", "unused-with-annotate-only"),
            ("job_summary", "false"),
        ],
    );
    assert!(run.ok, "{}", run.stdout);
    let failed: usize = run.outputs["failed"].parse().unwrap();
    assert_eq!(failed, checked.failing, "mikepenz failed\n{}", run.stdout);
    assert_eq!(run.outputs["skipped"], checked.skipped.to_string());
    assert_eq!(run.outputs["total"], checked.tests.to_string());
    let errors: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(errors.len(), checked.failing, "{}", run.stdout);
    for error in &errors {
        // ::error title=invoices.yaml.GET /reports [canary],file=invoices.yaml,line=71,endLine=71::...
        let rest = &error["::error ".len()..];
        let properties = &rest[..rest.find("::").expect("properties end")];
        let get = |name: &str| {
            properties
                .split(',')
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("no {name} in {error}"))
        };
        let line: u32 = get("line").parse().unwrap_or(0);
        assert_at_operation_line(checked, get("file"), line, error);
    }
    let mut unique = errors.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), errors.len(), "two identical annotations");
}

fn dorny(checked: &Checked) {
    // dorny lists git-tracked files to resolve Java stack traces.
    let git = clean("git")
        .args(["init", "-q", "."])
        .current_dir(&checked.workspace)
        .status()
        .expect("git");
    assert!(git.success());
    let run = run_action(
        "dorny",
        &checked.workspace,
        &[
            ("name", "rollcall"),
            ("path", "rollcall.xml"),
            ("reporter", "java-junit"),
            ("use-actions-summary", "true"),
            ("token", "unused-with-actions-summary"),
        ],
    );
    let failed = checked.code != 0;
    assert_eq!(
        run.ok, !failed,
        "dorny fails the step as rollcall does\n{}",
        run.stdout
    );
    let expected = if failed { "failure" } else { "success" };
    assert_eq!(run.outputs["conclusion"], expected, "{}", run.stdout);
    assert_eq!(run.outputs["failed"], checked.failing.to_string());
    assert_eq!(run.outputs["skipped"], checked.skipped.to_string());
    assert_contains(&run.summary, "rollcall.xml");
}

fn enricomi(python: &Path, checked: &Checked) {
    let output = support::succeeded(
        clean(python.to_str().expect("UTF-8 path"))
            .arg(repo("testdata/reporters/enricomi/read.py"))
            .arg("rollcall.xml")
            .current_dir(&checked.workspace),
        "EnricoMi's JUnit parser",
    );
    let read: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(read["parse_errors"], serde_json::json!([]));
    let stats = &read["stats"];
    let failing = stats["tests_fail"].as_u64().unwrap() + stats["tests_error"].as_u64().unwrap();
    assert_eq!(failing as usize, checked.failing, "{read}");
    assert_eq!(stats["tests_skip"], checked.skipped);
    assert_eq!(stats["tests"], checked.tests);
    let expected = if checked.code == 0 {
        "success"
    } else {
        "failure"
    };
    assert_eq!(read["conclusion"], expected);
    let annotations = read["annotations"].as_array().unwrap();
    assert_eq!(annotations.len(), checked.failing, "{read}");
    let mut titles = Vec::new();
    for annotation in annotations {
        let title = annotation["title"].as_str().unwrap();
        let line = annotation["start_line"].as_u64().unwrap_or(0) as u32;
        assert_at_operation_line(checked, annotation["path"].as_str().unwrap(), line, title);
        titles.push(title.to_string());
    }
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), annotations.len(), "two identical titles");
}

/// Every reporter on one checked run.
fn all_reporters(python: &Path, checked: &Checked) {
    mikepenz(checked);
    dorny(checked);
    enricomi(python, checked);
}

#[tokio::test]
async fn reporters_read_a_two_target_run_and_annotate_the_spec_lines() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let rollout = rollout::Rollout::start(dir.path()).await;
    let mut args = rollout.check_args(&[]);
    args[1] = "invoices.yaml".into();
    let checked = check(dir.path(), "invoices.yaml", args).await;
    assert_eq!(checked.code, 1);
    assert!(checked.failing > rollout::DIFFERING.len());
    all_reporters(python, &checked);
}

#[tokio::test]
async fn reporters_pass_a_parity_only_gate_whose_targets_agree() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let stable = rollout::Server::start(rollout::Release::Stable).await;
    let also_stable = rollout::Server::start(rollout::Release::Stable).await;
    std::fs::write(dir.path().join("invoices.yaml"), rollout::SPEC).expect("spec");
    let args = support::check_args(
        "./invoices.yaml",
        &[
            format!("stable={}", stable.url()),
            format!("canary={}", also_stable.url()),
        ],
        &["--parity-only"],
    );
    let checked = check(dir.path(), "invoices.yaml", args).await;
    assert_eq!(checked.code, 0, "the targets agree");
    assert_eq!(checked.failing, 0);
    assert!(checked.skipped > 0, "the shared gap is reported as skipped");
    all_reporters(python, &checked);
}

/// A `--parity-only` run next to a target answering everything with `429`:
/// nothing was proven served there, so the run fails, and each reporter
/// counts that target's one failing testcase (which has no line) and fails
/// the check.
#[tokio::test]
async fn reporters_fail_a_run_where_nothing_was_proven_served() {
    let Some(python) = python() else { return };
    let stable = rollout::Server::start(rollout::Release::Stable).await;
    let limited = support::serve::answering_always(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    )
    .await
    .0
    .url();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("invoices.yaml"), rollout::SPEC).expect("spec");
    let args = support::check_args(
        "invoices.yaml",
        &[
            format!("stable={}", stable.url()),
            format!("canary={limited}"),
        ],
        &["--parity-only", "--retries", "0"],
    );
    let checked = check(dir.path(), "invoices.yaml", args).await;
    assert_eq!(checked.code, 1);
    all_reporters(python, &checked);
}

#[tokio::test]
async fn reporters_fail_a_strict_run_on_auth_required() {
    let Some(python) = python() else { return };
    let service = demo::Server::start().await.expect("demo");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("api")).expect("mkdir");
    std::fs::copy(repo("specs/demo.yaml"), dir.path().join("api/demo.yaml")).expect("copy");
    // The spec by its absolute path: the reporters still get it relative.
    let absolute = dir.path().join("api/demo.yaml").display().to_string();
    let args = vec![
        "check".to_string(),
        absolute,
        "--target".to_string(),
        format!("demo={}", service.url()),
        "--strict".to_string(),
    ];
    let checked = check(dir.path(), "api/demo.yaml", args).await;
    service.stop().await;
    assert_eq!(checked.code, 1);
    all_reporters(python, &checked);
}
