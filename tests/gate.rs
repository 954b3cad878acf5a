//! Reports that agree with the gate: for the default gate, `--strict`,
//! `--parity-only`, `--fail-on`, known gaps and several targets, one real run
//! writes every report, and this suite asserts they all say what the exit
//! code says: the PASS/FAIL line of the terminal, Markdown, HTML and step
//! summary; JUnit's failure and error count; GitHub's `::error` annotations;
//! SARIF's error results; and the step outputs. Not only PASS against FAIL:
//! JUnit's failures and errors, the `::error` annotations and SARIF's errors
//! are the same number, that of the results failing the run plus the
//! operations whose verdicts differ between targets plus the targets on
//! which nothing was proven served (which fail every gate).
//!
//! Every JSON report is checked against `docs/report.schema.json`, every SARIF
//! file against the SARIF 2.1.0 schema (`testdata/sarif/`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support;
use crate::support::rollout;
use crate::support::serve::answering_always;
use crate::support::{assert_contains, check_demo_args, read_report, repo};
use rollcall::demo;
use rollcall::report::RunReport;
use rollcall::verdict::Verdict;
use serde_json::Value;

/// Everything one run left behind, read back.
struct Reports {
    code: i32,
    stdout: String,
    terminal_line: String,
    markdown_line: String,
    html_pass: bool,
    summary_line: String,
    junit_failures: usize,
    junit_xml: String,
    errors: Vec<String>,
    sarif_errors: usize,
    outputs: BTreeMap<String, String>,
    json: RunReport,
    /// The JSON report as written, for what only the file carries (the
    /// gate's `outcome` and each result's `standing`).
    json_raw: Value,
}

impl Reports {
    /// Asserts that every report agrees with the exit code, and that the
    /// failing things are counted alike everywhere.
    fn assert_agree(&self, scenario: &str) {
        let passed = self.code == 0;
        let word = if passed { "PASS" } else { "FAIL" };
        let context = format!("{scenario}\n{}", self.stdout);
        assert!(
            self.code == 0 || self.code == 1,
            "{scenario}: exit {}",
            self.code
        );
        for (report, line) in [
            ("terminal", &self.terminal_line),
            ("markdown", &self.markdown_line),
            ("step summary", &self.summary_line),
        ] {
            assert!(
                line.starts_with(word),
                "{scenario}: the {report} says {line:?}, the exit code {}",
                self.code
            );
        }
        assert_eq!(self.html_pass, passed, "{scenario}: the HTML conclusion");
        assert_eq!(
            self.junit_failures == 0,
            passed,
            "{scenario}: JUnit has {} failures and errors\n{}",
            self.junit_failures,
            self.junit_xml
        );
        assert_eq!(
            self.errors.len(),
            self.junit_failures,
            "{context}\none ::error per JUnit <failure>/<error>"
        );
        assert_eq!(
            self.sarif_errors, self.junit_failures,
            "{context}\nSARIF errors"
        );
        let count = |name: &str| -> usize {
            self.outputs[name]
                .parse()
                .unwrap_or_else(|_| panic!("{name}: {}", self.outputs[name]))
        };
        let failing = count("flagged") + count("differences") + count("nothing_served");
        assert_eq!(failing, self.junit_failures, "{scenario}: step outputs");
        assert_eq!(self.outputs["failed"], (!passed).to_string(), "{scenario}");
        assert_eq!(self.outputs["exit_code"], self.code.to_string());
        let outcome = &self.json_raw["outcome"];
        assert_eq!(
            outcome["passed"], passed,
            "{scenario}: JSON outcome {outcome}"
        );
        let nothing_served = outcome["nothing_served"].as_array().map_or(0, Vec::len);
        let json_failing = outcome["failing"].as_u64().unwrap_or(0) as usize
            + outcome["differences"].as_u64().unwrap_or(0) as usize
            + nothing_served;
        assert_eq!(
            json_failing, self.junit_failures,
            "{scenario}: JSON outcome {outcome}"
        );
        let standing_fails = self.json_raw["operations"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|op| op["results"].as_array().into_iter().flatten())
            .filter(|result| result["standing"] == "fails")
            .count();
        assert_eq!(
            Some(standing_fails as u64),
            outcome["failing"].as_u64(),
            "{scenario}: results standing \"fails\" in the JSON report"
        );
    }
}

/// The PASS/FAIL line of a text: the first line starting with either word
/// (after `**` in Markdown).
fn conclusion(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_start_matches("**"))
        .find(|l| l.starts_with("PASS") || l.starts_with("FAIL"))
        .unwrap_or_else(|| panic!("no PASS/FAIL line in\n{text}"))
        .trim_end_matches("**")
        .to_string()
}

/// Runs `rollcall ARGS` with every report and GitHub mode, in `dir` as the
/// workspace (and working directory).
async fn run_all(dir: &Path, mut args: Vec<String>) -> Reports {
    let file = |name: &str| dir.join(name);
    let summary = file("summary.md");
    let outputs = file("outputs");
    // Each run is its own step: GitHub's files start empty.
    for path in [&summary, &outputs] {
        let _ = std::fs::remove_file(path);
    }
    for (flag, name) in [
        ("--junit", "r.xml"),
        ("--json", "r.json"),
        ("--markdown", "r.md"),
        ("--html", "r.html"),
        ("--sarif", "r.sarif"),
    ] {
        args.push(flag.into());
        args.push(file(name).display().to_string());
    }
    args.push("--github".into());
    let mut command = support::command(args);
    command
        .current_dir(dir)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_WORKSPACE", dir)
        .env("ROLLCALL_TODAY", "2026-12-01");
    let run = support::run(command).await;
    let read = |name: &str| {
        std::fs::read_to_string(file(name))
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}\n{}", run.stdout, run.stderr))
    };
    let junit_xml = read("r.xml");
    let root = junit_xml
        .lines()
        .find(|l| l.trim_start().starts_with("<testsuites "))
        .expect("root element");
    let attribute = |name: &str| -> usize {
        let start = root.find(&format!(" {name}=\"")).expect(name) + name.len() + 3;
        root[start..][..root[start..].find('"').unwrap()]
            .parse()
            .unwrap()
    };
    let junit_failures = attribute("failures") + attribute("errors");
    assert_eq!(
        junit_failures,
        junit_xml.matches("<failure ").count() + junit_xml.matches("<error ").count(),
        "the root counts what the suites hold"
    );
    let sarif: Value = serde_json::from_str(&read("r.sarif")).expect("SARIF is JSON");
    assert_sarif_schema(&sarif);
    let sarif_errors = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["level"] == "error")
        .count();
    let html = read("r.html");
    let outputs = read("outputs")
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Reports {
        code: run.code,
        terminal_line: conclusion(&run.stdout),
        markdown_line: conclusion(&read("r.md")),
        html_pass: html.contains("<p class=\"conclusion pass\">"),
        summary_line: conclusion(&read("summary.md")),
        junit_failures,
        junit_xml,
        errors: run
            .stdout
            .lines()
            .filter(|l| l.starts_with("::error "))
            .map(str::to_string)
            .collect(),
        sarif_errors,
        outputs,
        json: read_report(&file("r.json")),
        json_raw: serde_json::from_str(&read("r.json")).expect("the JSON report is JSON"),
        stdout: run.stdout,
    }
}

/// Fails when `sarif` does not follow the SARIF 2.1.0 schema.
pub fn assert_sarif_schema(sarif: &Value) {
    let text = std::fs::read_to_string(repo("testdata/sarif/sarif-schema-2.1.0.json"))
        .expect("the SARIF schema");
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    let validator = jsonschema::draft4::new(&schema).expect("a valid draft-04 schema");
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF 2.1.0: {}", errors.join("\n"));
}

fn demo_args(service: &demo::Server, extra: &[&str]) -> Vec<String> {
    let mut args = check_demo_args(service, extra);
    // The spec as a workspace file, so paths are checked too.
    args[1] = "specs/demo.yaml".into();
    args
}

/// A workspace holding the demo spec at `specs/demo.yaml`.
fn demo_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("specs")).expect("mkdir");
    std::fs::copy(repo("specs/demo.yaml"), dir.path().join("specs/demo.yaml")).expect("copy");
    dir
}

fn errors_at_demo_lines(reports: &Reports) {
    for error in &reports.errors {
        assert!(
            error.starts_with("::error file=specs/demo.yaml,line="),
            "{error}"
        );
    }
}

#[tokio::test]
async fn default_gate_strict_and_fail_on_agree_everywhere() {
    let service = demo::Server::start().await.expect("demo service");
    let dir = demo_workspace();

    let default = run_all(dir.path(), demo_args(&service, &[])).await;
    default.assert_agree("default gate");
    assert_eq!(default.code, 1);
    errors_at_demo_lines(&default);
    // auth_required stays a <skipped> and a warning by default.
    assert!(
        default
            .junit_xml
            .contains("<skipped message=\"auth_required: ")
    );

    let strict = run_all(dir.path(), demo_args(&service, &["--strict"])).await;
    strict.assert_agree("--strict");
    assert_eq!(strict.code, 1);
    assert_contains(&strict.junit_xml, "<failure message=\"auth_required: ");
    assert!(
        strict.errors.len() > default.errors.len(),
        "auth_required is an error under --strict"
    );
    assert_contains(&strict.terminal_line, "failing: --strict");
    assert!(strict.json.gate.strict);

    // Only a verdict the demo does not show fails: the run passes, and the
    // 501 is reported, not failed.
    let fail_on = run_all(
        dir.path(),
        demo_args(&service, &["--fail-on", "inconsistent"]),
    )
    .await;
    fail_on.assert_agree("--fail-on inconsistent");
    assert_eq!(fail_on.code, 0, "{}", fail_on.stdout);
    assert_contains(&fail_on.junit_xml, "(not failing the run: --fail-on)");
    assert_eq!(
        fail_on.json.gate.failing_verdicts(),
        [Verdict::Inconsistent]
    );

    // --fail-on with --strict: the listed verdict plus the inconclusive ones.
    let both = run_all(
        dir.path(),
        demo_args(&service, &["--fail-on", "inconsistent", "--strict"]),
    )
    .await;
    both.assert_agree("--fail-on inconsistent --strict");
    assert_eq!(both.code, 1);
    service.stop().await;
}

#[tokio::test]
async fn known_gaps_pass_the_run_and_every_report_says_so() {
    let service = demo::Server::start().await.expect("demo service");
    let dir = demo_workspace();
    let first = run_all(dir.path(), demo_args(&service, &[])).await;
    // Every operation that fails the run becomes a known gap.
    let failing_verdicts = first.json.gate.failing_verdicts();
    let failing: Vec<String> = first
        .json
        .operations
        .iter()
        .filter(|op| {
            op.results
                .iter()
                .any(|r| failing_verdicts.contains(&r.verdict))
        })
        .map(|op| op.label())
        .collect();
    assert!(!failing.is_empty());
    let mut config = String::new();
    for label in &failing {
        config.push_str(&format!(
            "[[known_gaps]]\noperation = \"{label}\"\nreason = \"ships later\"\nuntil = \"2099-01-31\"\n\n"
        ));
    }
    let config_path = dir.path().join("gaps.toml");
    std::fs::write(&config_path, config).expect("config");
    let gaps = run_all(
        dir.path(),
        demo_args(&service, &["--config", &config_path.display().to_string()]),
    )
    .await;
    service.stop().await;
    gaps.assert_agree("known gaps");
    assert_eq!(gaps.code, 0, "{}", gaps.stdout);
    assert_contains(&gaps.terminal_line, "known gap");
    assert!(gaps.junit_xml.contains("<skipped message=\"known gap: "));
    assert!(
        gaps.stdout.lines().any(|l| l.starts_with("::warning ")),
        "known gaps are warnings"
    );
}

#[tokio::test]
async fn several_targets_and_parity_only_agree_everywhere() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rollout = rollout::Rollout::start(dir.path()).await;
    let spec_arg = "invoices.yaml";
    let args = |extra: &[&str]| {
        let mut args = rollout.check_args(extra);
        args[1] = spec_arg.into();
        args
    };

    let full = run_all(dir.path(), args(&[])).await;
    full.assert_agree("two targets, default gate");
    assert_eq!(full.code, 1);
    // The same failure on two targets: annotations that name the target in
    // title and message, never two identical lines.
    let shared = rollout::SHARED_GAP;
    let about_shared: Vec<&String> = full
        .errors
        .iter()
        .filter(|e| e.contains(&format!("::{shared} [")))
        .collect();
    assert_eq!(about_shared.len(), 2, "{:?}", full.errors);
    assert!(about_shared[0].contains("title=handler-501 [stable]::"));
    assert!(about_shared[1].contains("title=handler-501 [canary]::"));
    let mut unique = full.errors.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), full.errors.len(), "no two annotations alike");
    // JUnit: the target in the testcase name and the failure message.
    assert_contains(
        &full.junit_xml,
        &format!(
            "<testcase name=\"{shared} [canary]\" classname=\"canary.reports\" file=\"invoices.yaml\" line=\"{}\"",
            rollout::spec_line(shared)
        ),
    );
    assert!(
        full.junit_xml
            .contains("message=\"not_implemented on canary: ")
    );
    // The parity suite adds the differing operations only.
    let tests: usize = full
        .junit_xml
        .lines()
        .nth(1)
        .and_then(|l| {
            let start = l.find(" tests=\"")? + 8;
            l[start..][..l[start..].find('"')?].parse().ok()
        })
        .expect("tests");
    let operations = full.json.operations.len();
    assert_eq!(tests, 2 * operations + rollout::DIFFERING.len());

    // --parity-only: only the differences fail, everywhere.
    let parity_only = run_all(dir.path(), args(&["--parity-only"])).await;
    parity_only.assert_agree("--parity-only with drift");
    assert_eq!(parity_only.code, 1);
    assert_eq!(parity_only.errors.len(), rollout::DIFFERING.len());
    assert!(parity_only.terminal_line.starts_with("FAIL (parity): "));

    // Two targets on the same release: they agree; the gap they share is
    // reported (a <skipped>, a warning), and the canary gate passes.
    let same = rollout::Server::start(rollout::Release::Stable).await;
    let mut agree_args = args(&["--parity-only"]);
    let canary_at = agree_args
        .iter()
        .position(|a| a.starts_with("canary="))
        .expect("canary target");
    agree_args[canary_at] = format!("canary={}", same.url());
    let agree = run_all(dir.path(), agree_args).await;
    agree.assert_agree("--parity-only, targets agree");
    assert_eq!(agree.code, 0, "{}", agree.stdout);
    assert!(
        agree
            .terminal_line
            .starts_with("PASS (parity): all 2 targets agree; ")
    );
    assert_contains(
        &agree.junit_xml,
        "not_implemented on canary: GET /reports answered 501",
    );
    assert!(
        agree
            .junit_xml
            .contains("(not failing the run: --parity-only)")
    );
    assert!(
        agree
            .junit_xml
            .contains("<testsuite name=\"rollcall/parity\" tests=\"0\"")
    );
}

#[tokio::test]
async fn the_golden_json_report_follows_the_published_schema() {
    let path: PathBuf = repo("testdata/reports/report.json");
    let report = read_report(&path);
    assert_eq!(report.schema_version, rollcall::report::SCHEMA_VERSION);
}

/// A target that answers everything with `429` proves nothing served, which
/// fails the run whatever the gate: under `--parity-only` too, every report
/// says FAIL, and JUnit (a failing `rollcall: nothing proven served`
/// testcase in that target's suite), the annotations (one `::error`), SARIF
/// and the step outputs (`nothing_served`) count it, alone or next to a
/// target that serves.
#[tokio::test]
async fn a_target_where_nothing_was_proven_served_fails_every_report() {
    let dir = demo_workspace();
    let limited = answering_always(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    )
    .await
    .0
    .url();
    let redirecting = answering_always(
        "HTTP/1.1 302 Found\r\nlocation: /login\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    )
    .await
    .0
    .url();
    let args = |targets: &[String], extra: &[&str]| {
        let mut args = vec!["check".to_string(), "specs/demo.yaml".to_string()];
        for target in targets {
            args.extend(["--target".to_string(), target.clone()]);
        }
        args.extend(["--retries", "0", "--timeout", "5s"].map(String::from));
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };

    for (target, gate) in [
        (&limited, &[][..]),
        (&limited, &["--parity-only"][..]),
        (&redirecting, &["--fail-on", "inconsistent"][..]),
    ] {
        let scenario = format!("nothing served, {gate:?}");
        let run = run_all(dir.path(), args(&[format!("limited={target}")], gate)).await;
        run.assert_agree(&scenario);
        assert_eq!(run.code, 1, "{scenario}\n{}", run.stdout);
        assert_eq!(run.outputs["nothing_served"], "1", "{scenario}");
        assert!(
            run.junit_xml.contains(
                "<testcase name=\"rollcall: nothing proven served\" classname=\"limited.rollcall\" file=\"specs/demo.yaml\""
            ),
            "{scenario}\n{}",
            run.junit_xml
        );
        assert!(
            run.junit_xml
                .contains("<failure message=\"nothing was proven served on limited: "),
            "{scenario}\n{}",
            run.junit_xml
        );
        assert!(
            run.errors.iter().any(|e| e.starts_with(
                "::error file=specs/demo.yaml,title=rollcall%3A nothing proven served::nothing was proven served on limited: "
            )),
            "{scenario}\n{:?}",
            run.errors
        );
    }

    // Next to a target that serves: the annotation names the target, and
    // the test count grows by that one testcase only. (The pets only: fewer
    // differences than GitHub's 10 annotations, so none is grouped.)
    let service = demo::Server::start().await.expect("demo service");
    let run = run_all(
        dir.path(),
        args(
            &[
                format!("demo={}", service.url()),
                format!("limited={limited}"),
            ],
            &["--parity-only", "--include", "tag:pets"],
        ),
    )
    .await;
    service.stop().await;
    run.assert_agree("a serving and a rate-limited target, --parity-only");
    assert_eq!(run.code, 1);
    assert!(
        run.errors.iter().any(|e| e.contains(
            ",title=rollcall%3A nothing proven served [limited]::nothing was proven served on limited: "
        )),
        "{:?}",
        run.errors
    );
    assert!(
        !run.errors
            .iter()
            .any(|e| e.contains("nothing proven served [demo]")),
        "{:?}",
        run.errors
    );
    let operations = run.json.operations.len();
    let differences = run.outputs["differences"].parse::<usize>().unwrap();
    assert!(
        run.junit_xml.lines().nth(1).is_some_and(
            |root| root.contains(&format!(" tests=\"{}\"", 2 * operations + differences + 1))
        ),
        "{}",
        run.junit_xml
    );
}
