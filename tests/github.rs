//! GitHub mode end to end: the real binary against the embedded demo service
//! (and against two builds of a service that disagree, for parity), with temp
//! files as `$GITHUB_STEP_SUMMARY` and `$GITHUB_OUTPUT`, as a workflow step
//! would run it. Also checks that `action.yml` and the workflows parse and
//! declare what the README promises.

use std::collections::BTreeMap;

use crate::support::rollout;
use crate::support::{
    assert_contains, assert_lacks, check_args, check_demo_args, read_report, repo, repo_arg,
    rollcall,
};
use rollcall::demo;
use rollcall::verdict::{Outcome, Verdict};

struct GithubFiles {
    _dir: tempfile::TempDir,
    summary: std::path::PathBuf,
    output: std::path::PathBuf,
}

impl GithubFiles {
    /// Files that an earlier step already wrote to.
    fn new() -> GithubFiles {
        let dir = tempfile::tempdir().expect("temp dir");
        let summary = dir.path().join("step_summary.md");
        let output = dir.path().join("output");
        std::fs::write(&summary, "## earlier step\n\n").expect("write");
        std::fs::write(&output, "earlier=kept\n").expect("write");
        GithubFiles {
            _dir: dir,
            summary,
            output,
        }
    }

    fn env(&self, actions: &str) -> Vec<(&'static str, String)> {
        vec![
            ("GITHUB_ACTIONS", actions.to_string()),
            ("GITHUB_STEP_SUMMARY", self.summary.display().to_string()),
            ("GITHUB_OUTPUT", self.output.display().to_string()),
            ("GITHUB_WORKSPACE", env!("CARGO_MANIFEST_DIR").to_string()),
        ]
    }

    fn summary(&self) -> String {
        std::fs::read_to_string(&self.summary).expect("summary readable")
    }

    fn outputs(&self) -> BTreeMap<String, String> {
        std::fs::read_to_string(&self.output)
            .expect("output readable")
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

fn demo_line(label: &str) -> u32 {
    let (method, path) = label.split_once(' ').expect("METHOD /path");
    let spec = std::fs::read_to_string(repo("specs/demo.yaml")).expect("spec");
    let lines: Vec<&str> = spec.lines().collect();
    let path_line = lines
        .iter()
        .position(|l| l.trim_end() == format!("  {path}:"))
        .expect("path in spec");
    let method_line = lines[path_line + 1..]
        .iter()
        .position(|l| l.trim_end() == format!("    {}:", method.to_ascii_lowercase()))
        .expect("method under path");
    (path_line + 1 + method_line + 1) as u32
}

#[tokio::test]
async fn github_actions_env_turns_on_annotations_summary_and_outputs() {
    let service = demo::Server::start().await.expect("demo service");
    let files = GithubFiles::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let junit = dir.path().join("rollcall.xml");
    let json = dir.path().join("rollcall.json");
    let run = rollcall(
        check_demo_args(
            &service,
            &[
                "--junit",
                &junit.display().to_string(),
                "--json",
                &json.display().to_string(),
            ],
        ),
        files.env("true"),
    )
    .await;
    service.stop().await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);

    let line = demo_line("GET /pets/{petId}/vaccinations");
    let expected = format!(
        "::error file=specs/demo.yaml,line={line},title=handler-501::GET /pets/{{petId}}/vaccinations: not_implemented: "
    );
    assert!(
        run.stdout.lines().any(|l| l.starts_with(&expected)),
        "no annotation starting with {expected}\n{}",
        run.stdout
    );
    let report = read_report(&json);
    let errors = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .count();
    let flagged = report.count(Outcome::Fail) + report.count(Outcome::Error);
    assert_eq!(errors, flagged, "one error annotation per flagged result");
    assert!(
        run.stdout.lines().all(|l| !l.starts_with("::")
            || l.starts_with("::error file=specs/demo.yaml,line=")
            || l.starts_with("::warning file=specs/demo.yaml,line=")),
        "{}",
        run.stdout
    );

    let summary = files.summary();
    assert!(
        summary.starts_with("## earlier step\n\n# rollcall: "),
        "{summary}"
    );
    assert!(summary.contains("## Flagged"), "{summary}");

    let outputs = files.outputs();
    assert_eq!(outputs["earlier"], "kept", "existing outputs are kept");
    assert_eq!(outputs["not_implemented"], "1");
    let counts = report.verdict_counts();
    for verdict in Verdict::ALL {
        let count = counts.get(&verdict).copied().unwrap_or(0);
        assert_eq!(outputs[verdict.as_str()], count.to_string(), "{verdict}");
    }
    assert_eq!(outputs["flagged"], flagged.to_string());
    assert_eq!(outputs["failed"], "true");
    assert_eq!(outputs["exit_code"], "1");
    assert_eq!(outputs["junit"], junit.display().to_string());
}

#[tokio::test]
async fn no_github_flag_wins_over_the_environment() {
    let service = demo::Server::start().await.expect("demo service");
    let files = GithubFiles::new();
    let run = rollcall(
        check_demo_args(&service, &["--no-github"]),
        files.env("true"),
    )
    .await;
    service.stop().await;
    assert_eq!(run.code, 1);
    assert_lacks(&run.stdout, "::error");
    assert_eq!(files.summary(), "## earlier step\n\n");
    assert_eq!(files.outputs().len(), 1);
}

#[tokio::test]
async fn github_flag_turns_it_on_outside_actions_and_secrets_stay_out() {
    let service = demo::Server::start().await.expect("demo service");
    let files = GithubFiles::new();
    let secret = "s3cr3t-t0ken-never-shown";
    let mut env = files.env("false");
    env.push(("ROLLCALL_AUTH_BEARERAUTH", secret.to_string()));
    let run = rollcall(check_demo_args(&service, &["--github"]), env).await;
    service.stop().await;
    assert_eq!(run.code, 1);
    assert_contains(&run.stdout, "::error file=specs/demo.yaml,");
    let summary = files.summary();
    assert!(summary.contains("# rollcall: "));
    let everything = format!(
        "{}{}{summary}{}",
        run.stdout,
        run.stderr,
        std::fs::read_to_string(&files.output).expect("output")
    );
    assert!(!everything.contains(secret), "the secret leaked");
}

#[test]
fn action_yml_declares_the_documented_inputs_and_outputs() {
    let text = std::fs::read_to_string(repo("action.yml")).expect("action.yml at the repo root");
    let action: yaml_serde::Value = yaml_serde::from_str(&text).expect("action.yml is YAML");
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let inputs = action["inputs"].as_mapping().expect("inputs");
    for input in [
        "spec", "targets", "mode", "auth", "junit", "config", "args", "html",
    ] {
        assert!(
            inputs.contains_key(input),
            "input {input} missing from action.yml"
        );
    }
    let outputs = action["outputs"].as_mapping().expect("outputs");
    for verdict in rollcall::verdict::Verdict::ALL {
        let output = outputs
            .get(verdict.as_str())
            .unwrap_or_else(|| panic!("action.yml has no output for verdict {verdict}"));
        assert_eq!(
            output["value"].as_str(),
            Some(format!("${{{{ steps.check.outputs.{verdict} }}}}").as_str()),
            "output {verdict}"
        );
    }
    for output in [
        "failed", "flagged", "total", "junit", "html", "json", "markdown",
    ] {
        assert!(outputs.contains_key(output), "output {output} missing");
    }
    let steps = action["runs"]["steps"].as_sequence().expect("steps");
    let check = steps
        .iter()
        .find(|s| s["id"].as_str() == Some("check"))
        .expect("a step with id check");
    let script = check["run"].as_str().expect("script");
    // Secrets: masked before use, handed over in the environment, never
    // interpolated into the script or put on the command line.
    assert!(script.contains("::add-mask::"));
    assert!(script.contains("ROLLCALL_AUTH_"));
    assert!(
        !script.contains("${{"),
        "inputs must reach the script through env"
    );
    assert!(!script.contains("set -x"));
    assert!(
        steps.iter().any(|s| s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/cache/save@"))),
        "a source build is cached"
    );
}

#[test]
fn workflows_parse_and_the_ci_runs_the_action_against_the_demo_service() {
    for path in [
        ".github/workflows/ci.yml",
        ".github/examples/contract-check.yml",
    ] {
        let text = std::fs::read_to_string(repo(path)).expect("workflow");
        let workflow: yaml_serde::Value =
            yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(workflow["jobs"].as_mapping().is_some(), "{path} has jobs");
    }
    let ci = std::fs::read_to_string(repo(".github/workflows/ci.yml")).expect("ci.yml");
    assert!(
        ci.contains("uses: ./"),
        "ci.yml runs the action from this repo"
    );
    assert!(
        ci.contains("demo --serve"),
        "ci.yml starts the demo service"
    );
    let example =
        std::fs::read_to_string(repo(".github/examples/contract-check.yml")).expect("example");
    assert!(example.contains("actions/upload-artifact@"));
    assert!(
        example.contains("mikepenz/action-junit-report@")
            || example.contains("dorny/test-reporter@")
    );
}

/// The CI job runs the action against `rollcall demo --serve`: the service
/// alone, on the port asked for (0: any free port, printed), until stopped.
#[tokio::test]
async fn demo_serve_runs_the_sample_service_until_stopped() {
    use std::io::BufRead;
    /// Stops the service even when an assertion fails first.
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_rollcall"))
            .args(["demo", "--serve", "0"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("rollcall demo --serve starts"),
    );
    let stdout = child.0.stdout.take().expect("stdout piped");
    let first_line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("a line");
        line
    })
    .await
    .expect("join");
    let url = first_line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {first_line:?}"))
        .to_string();
    let run = rollcall(
        check_args(&repo_arg("specs/demo.yaml"), &[url], &["--quiet"]),
        vec![],
    )
    .await;
    drop(child);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_contains(&run.stdout, "1 not_implemented");
}

/// A sharded CI matrix ends with `rollcall merge`: in GitHub mode it writes
/// the step summary and outputs of the whole run, and it can write the HTML.
#[tokio::test]
async fn merge_publishes_to_github_and_writes_html() {
    let service = demo::Server::start().await.expect("demo service");
    let dir = tempfile::tempdir().expect("temp dir");
    let shard = dir.path().join("shard.json");
    let run = rollcall(
        check_demo_args(&service, &["--json", &shard.display().to_string()]),
        vec![],
    )
    .await;
    service.stop().await;
    assert_eq!(run.code, 1, "{}", run.stderr);

    let files = GithubFiles::new();
    let html = dir.path().join("merged.html");
    let run = rollcall(
        vec![
            "merge".into(),
            shard.display().to_string(),
            "--html".into(),
            html.display().to_string(),
        ],
        files.env("true"),
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_contains(&run.stdout, "::error file=specs/demo.yaml,line=");
    assert!(
        std::fs::read_to_string(&html)
            .expect("html written")
            .contains("<table id=\"matrix\"")
    );
    let outputs = files.outputs();
    assert_eq!(outputs["not_implemented"], "1");
    assert_eq!(outputs["html"], html.display().to_string());
    assert!(files.summary().contains("# rollcall: "));
}

/// The GitHub environment of a step whose workspace is `workspace`.
fn env_in(files: &GithubFiles, workspace: &std::path::Path) -> Vec<(&'static str, String)> {
    let mut env = files.env("true");
    for (name, value) in &mut env {
        if *name == "GITHUB_WORKSPACE" {
            *value = workspace.display().to_string();
        }
    }
    env
}

/// A release whose verdicts differ from the reference's: one error per
/// differing operation, at its line in the spec, naming every target's
/// verdict; the step summary has the parity section.
#[tokio::test]
async fn parity_differences_are_error_annotations_and_in_the_step_summary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rollout = rollout::Rollout::start(dir.path()).await;
    let files = GithubFiles::new();
    let run = rollcall(rollout.check_args(&[]), env_in(&files, dir.path())).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);

    let parity: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains(",title=rollcall parity::"))
        .collect();
    assert_eq!(parity.len(), rollout::DIFFERING.len(), "{}", run.stdout);
    for (line, label) in parity.iter().zip(rollout::DIFFERING) {
        let expected = format!(
            "::error file=invoices.yaml,line={},title=rollcall parity::{label}: \
             verdicts differ between targets: stable: ",
            rollout::spec_line(label)
        );
        assert!(line.starts_with(&expected), "{line}\nexpected {expected}");
        assert!(
            line.ends_with(", canary: implemented (reference: stable)"),
            "{line}"
        );
    }
    // Without --parity-only, each failing result is an error of its own too,
    // the gap both targets share included.
    for target in ["stable", "canary"] {
        let shared = format!(
            ",title=handler-501 [{target}]::{} [{target}]: not_implemented",
            rollout::SHARED_GAP
        );
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with("::error ") && l.contains(&shared)),
            "{}",
            run.stdout
        );
    }

    let summary = files.summary();
    assert!(summary.contains("## Parity"), "{summary}");
    assert!(
        summary.contains(
            "**PARITY FAIL: 2 of 6 operations differ between 2 targets (reference: stable)**"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("Capability diff: stable → canary"),
        "{summary}"
    );
}

/// A canary gate (`--parity-only`) fails on the drift, and its annotations
/// say so: the differences are the only errors, the gap both targets share is
/// a warning, and a differing operation is annotated once.
///
/// The binary's own annotations, and those rendered from its JSON report
/// (which records the gate), agree.
#[tokio::test]
async fn a_parity_only_gate_has_errors_for_differences_only() {
    use rollcall::report::github::{Level, PARITY_TITLE, annotations};
    let dir = tempfile::tempdir().expect("temp dir");
    let rollout = rollout::Rollout::start(dir.path()).await;
    let json = dir.path().join("rollcall.json");
    let run = rollcall(
        rollout.check_args(&[
            "--parity-only",
            "--github",
            "--json",
            &json.display().to_string(),
        ]),
        vec![],
    )
    .await;
    assert_eq!(run.code, 1, "the gate fails on drift\n{}", run.stderr);
    let printed_errors: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(
        printed_errors.len(),
        rollout::DIFFERING.len(),
        "{}",
        run.stdout
    );
    assert!(
        printed_errors
            .iter()
            .all(|l| l.contains(&format!("title={PARITY_TITLE}::"))),
        "{}",
        run.stdout
    );
    let report = read_report(&json);
    assert_eq!(report.gate, rollcall::report::Gate::parity_only());

    let annotations = annotations(&report, Some("invoices.yaml"), None);
    let errors: Vec<(&str, Option<u32>)> = annotations
        .iter()
        .filter(|a| a.level == Level::Error)
        .map(|a| (a.title.as_str(), a.line))
        .collect();
    let expected: Vec<(&str, Option<u32>)> = rollout::DIFFERING
        .iter()
        .map(|label| (PARITY_TITLE, Some(rollout::spec_line(label))))
        .collect();
    assert_eq!(errors, expected);
    for label in rollout::DIFFERING {
        let about: Vec<_> = annotations
            .iter()
            .filter(|a| a.message.starts_with(label))
            .collect();
        assert_eq!(about.len(), 1, "{label}: {about:?}");
    }
    let shared: Vec<Level> = annotations
        .iter()
        .filter(|a| a.message.starts_with(rollout::SHARED_GAP))
        .map(|a| a.level)
        .collect();
    assert_eq!(shared, vec![Level::Warning, Level::Warning]);
}

/// 12.3: GitHub workflow-command injection. A contract titled
/// `::stop-commands::x` made that the first line of stdout (the runner then
/// ignored every later annotation); a server body with `##[error]...` or
/// `##[stop-commands]...` appeared as it was in terminal lines (the runner
/// finds that legacy form anywhere in a line); annotations carried raw ESC
/// and BEL. In GitHub mode no line rollcall prints starts with `::` or holds
/// `##[` unless it is rollcall's own command, and no output holds a raw
/// control character.
#[tokio::test(flavor = "multi_thread")]
async fn nothing_from_the_contract_or_the_target_passes_for_a_workflow_command() {
    use axum::http::{StatusCode, Uri};
    use axum::response::IntoResponse;

    async fn hostile(uri: Uri) -> impl IntoResponse {
        match uri.path() {
            "/a" => (
                StatusCode::NOT_IMPLEMENTED,
                "##[stop-commands]x\n##[error]forged \u{1b}]0;title\u{7}\u{1b}[2J".to_string(),
            ),
            "/b" => (StatusCode::OK, "ok".to_string()),
            _ => (StatusCode::NOT_FOUND, "::error::not found".to_string()),
        }
    }
    let address = crate::support::serve::serve(axum::Router::new().fallback(hostile))
        .await
        .addr;
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("spec.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\n\
         info: {title: \"::stop-commands::x\", version: \"1\\n::warning::v\"}\n\
         paths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: \"\\n::error::w ##[error]w\"}\n      \
         responses: {'200': {description: OK}}\n  /b:\n    get:\n      responses: {'200': {description: OK}}\n",
    )
    .expect("write spec");
    let files = GithubFiles::new();
    let mut args = check_args(
        &spec.display().to_string(),
        &[format!("http://{address}")],
        &["--verbose"],
    );

    let mut runs = vec![rollcall(args.clone(), files.env("true")).await];
    args.push("--github".into());
    runs.push(rollcall(args, vec![]).await);

    for run in &runs {
        run.assert_code(1);
        let output = run.all_output();
        assert!(
            !output.chars().any(|c| c.is_control() && c != '\n'),
            "{output:?}"
        );
        let mut own = 0;
        for line in output.split(['\n', '\r']) {
            let is_own = line.starts_with("::error file=") || line.starts_with("::warning file=");
            own += usize::from(is_own);
            assert!(
                is_own || !line.trim_start().starts_with("::"),
                "{line}\n{output}"
            );
            assert!(is_own || !line.contains("##["), "{line}\n{output}");
        }
        assert!(own > 0, "rollcall's own annotations are there: {output}");
        assert!(output.contains(r"\u{1b}]0;title\u{7}"), "{output}");
    }
}
