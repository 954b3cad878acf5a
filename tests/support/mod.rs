//! What the suites share: running the real `rollcall` binary
//! ([`command`], [`rollcall`]), reading its JSON report back as a
//! [`RunReport`] ([`read_report`]), assertions on what it printed, and the
//! servers ([`serve`]), golden files ([`golden`]), contracts of the corpus
//! ([`corpus`]) and two disagreeing releases ([`rollout`]) the suites use.
//!
//! The binary runs off the async runtime, so the servers a test started in
//! this process keep serving, and is killed past [`PROCESS_LIMIT`], so a hang
//! fails the test instead of stalling CI. Its environment is cleared of what
//! would change its behaviour from outside (GitHub Actions, colour, config
//! and date overrides); a test gives what it needs to the child process
//! ([`Command::env`], [`Command::current_dir`]), never to this process, whose
//! tests run in parallel.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rollcall::report::{OperationReport, RunReport, TargetResult};
use serde_json::Value;

pub mod corpus;
pub mod golden;
pub mod rollout;
pub mod serve;

/// Far above what any run here needs; reaching it means rollcall hung.
pub const PROCESS_LIMIT: Duration = Duration::from_secs(90);

/// Variables of the test's own environment that a run must not inherit,
/// besides every `ROLLCALL_*` one.
const CLEARED: [&str; 6] = [
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "GITHUB_WORKSPACE",
    "NO_COLOR",
    "CLICOLOR_FORCE",
];

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// [`repo`] as an argument of the command line.
pub fn repo_arg(path: &str) -> String {
    repo(path).display().to_string()
}

pub fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// What a finished `rollcall` process left behind.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Fails the test, showing everything the run printed, unless it exited with `code`.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "{}", self.all_output());
        self
    }

    /// Bad input: exit 2, and an error on stderr that says `what`.
    #[track_caller]
    pub fn assert_refused(&self, what: &str) -> &Run {
        self.assert_code(2);
        assert_contains(&self.stderr, what);
        self
    }
}

/// Fails the test, showing `text`, unless it contains `needle`.
#[track_caller]
pub fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "{needle:?} is missing from:\n{text}");
}

/// Fails the test, showing `text`, if it contains `needle`.
#[track_caller]
pub fn assert_lacks(text: &str, needle: &str) {
    assert!(!text.contains(needle), "{needle:?} must not be in:\n{text}");
}

/// `rollcall ARGS` with the environment cleared of [`CLEARED`] and of every
/// `ROLLCALL_*` variable (config, date and secret overrides), and stdin
/// closed; add `.env(..)` or `.current_dir(..)` before [`run`].
pub fn command<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = Command::new(env!("CARGO_BIN_EXE_rollcall"));
    command.args(args).stdin(Stdio::null());
    for name in CLEARED {
        command.env_remove(name);
    }
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ROLLCALL_") {
            command.env_remove(name);
        }
    }
    command
}

/// Runs `command` to the end, off the async runtime.
pub async fn run(command: Command) -> Run {
    tokio::task::spawn_blocking(move || run_blocking(command))
        .await
        .expect("join")
}

/// `rollcall ARGS` with `env` added, run to the end off the async runtime.
pub async fn rollcall(args: Vec<String>, env: Vec<(&str, String)>) -> Run {
    let mut command = command(args);
    command.envs(env);
    run(command).await
}

/// `rollcall ARGS` run in `dir` (where it looks for `rollcall.toml`), with
/// `env` added, to the end, off the async runtime.
pub async fn rollcall_in<S: AsRef<OsStr>>(dir: &Path, args: &[S], env: &[(&str, &str)]) -> Run {
    let mut command = command(args);
    command.current_dir(dir).envs(env.iter().copied());
    run(command).await
}

/// Runs `command` to the end on this thread, killed past [`PROCESS_LIMIT`].
pub fn run_blocking(command: Command) -> Run {
    run_within(command, PROCESS_LIMIT)
}

/// Runs `command` to the end on this thread, its output captured in files (a
/// pipe that fills up would block a process nobody reads), and kills it past
/// `limit`.
pub fn run_within(mut command: Command, limit: Duration) -> Run {
    let out = tempfile::tempdir().expect("tempdir");
    let stdout_path = out.path().join("stdout");
    let stderr_path = out.path().join("stderr");
    let mut child = command
        .stdout(std::fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("{:?} starts: {e}", command.get_program()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{:?} {:?} still running after {limit:?}: it hangs",
                command.get_program(),
                command.get_args().collect::<Vec<_>>()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: std::fs::read_to_string(&stdout_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&stderr_path).unwrap_or_default(),
    }
}

/// A finished `rollcall check` and the JSON report it wrote, if it wrote one.
pub struct Checked {
    pub run: Run,
    pub report: Option<RunReport>,
}

impl std::ops::Deref for Checked {
    type Target = Run;

    fn deref(&self) -> &Run {
        &self.run
    }
}

impl Checked {
    #[track_caller]
    pub fn report(&self) -> &RunReport {
        self.report
            .as_ref()
            .unwrap_or_else(|| panic!("no JSON report\n{}", self.all_output()))
    }

    /// The first target's result for `METHOD /path`.
    #[track_caller]
    pub fn result(&self, label: &str) -> &TargetResult {
        result_of(self.report(), label)
    }

    #[track_caller]
    pub fn verdict(&self, label: &str) -> &'static str {
        self.result(label).verdict.as_str()
    }

    #[track_caller]
    pub fn evidence(&self, label: &str) -> &str {
        &self.result(label).evidence
    }
}

/// Runs `command` (a `rollcall check ...`) with `--json` into a temporary
/// file, to the end, off the async runtime, and reads the report back.
pub async fn check(command: Command) -> Checked {
    tokio::task::spawn_blocking(move || check_blocking(command))
        .await
        .expect("join")
}

/// [`check`] on this thread.
pub fn check_blocking(mut command: Command) -> Checked {
    let out = tempfile::tempdir().expect("tempdir");
    let json = out.path().join("report.json");
    command.arg("--json").arg(&json);
    let run = run_blocking(command);
    let report = json.exists().then(|| read_report(&json));
    Checked { run, report }
}

/// Runs a tool a test needs (chromium, python, a script, a linter) to the
/// end and fails the test, showing what it printed, unless it succeeds.
#[track_caller]
pub fn succeeded(command: &mut Command, what: &str) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what} does not start: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A JSON report written by `rollcall check --json` or `merge --json`, read
/// back through [`RunReport`]'s `Deserialize` after checking it against the
/// published schema (`docs/report.schema.json`).
#[track_caller]
pub fn read_report(path: &Path) -> RunReport {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
    parse_report(&text, &path.display().to_string())
}

/// [`read_report`] of a report printed (`--json -`), named `name` in failures.
#[track_caller]
pub fn parse_report(text: &str, name: &str) -> RunReport {
    let value: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
    assert_report_schema(&value, name);
    serde_json::from_value(value).unwrap_or_else(|e| panic!("{name}: not a RunReport: {e}"))
}

/// Fails the test when `report` does not follow `docs/report.schema.json`,
/// listing every violation with its JSON pointer.
#[track_caller]
pub fn assert_report_schema(report: &Value, name: &str) {
    static VALIDATOR: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        let text = std::fs::read_to_string(repo("docs/report.schema.json")).expect("the schema");
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
    });
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} does not follow docs/report.schema.json:\n{}",
        errors.join("\n")
    );
}

/// The operation `METHOD /path` of a report.
#[track_caller]
pub fn operation<'a>(report: &'a RunReport, label: &str) -> &'a OperationReport {
    report
        .operations
        .iter()
        .find(|op| op.label() == label)
        .unwrap_or_else(|| panic!("{label} missing from the report"))
}

/// The first target's result for `METHOD /path`.
#[track_caller]
pub fn result_of<'a>(report: &'a RunReport, label: &str) -> &'a TargetResult {
    &operation(report, label).results[0]
}

/// The first target's verdict for `METHOD /path`.
#[track_caller]
pub fn verdict_of(report: &RunReport, label: &str) -> &'static str {
    result_of(report, label).verdict.as_str()
}

/// `METHOD /path` of every operation, in report order.
pub fn labels(report: &RunReport) -> Vec<String> {
    report.operations.iter().map(|op| op.label()).collect()
}

/// `rollcall check SPEC --target TARGET...` plus `extra`; a target is a URL
/// or `NAME=URL`.
pub fn check_args(spec: &str, targets: &[String], extra: &[&str]) -> Vec<String> {
    let mut args = vec!["check".to_string(), spec.to_string()];
    for target in targets {
        args.extend(["--target".to_string(), target.clone()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// `rollcall check specs/demo.yaml --target demo=<service>` plus `extra`.
pub fn check_demo_args(service: &rollcall::demo::Server, extra: &[&str]) -> Vec<String> {
    check_args(
        &repo_arg("specs/demo.yaml"),
        &[format!("demo={}", service.url())],
        extra,
    )
}

/// A `$GITHUB_OUTPUT` file's `name=value` lines and `name<<DELIMITER`
/// blocks, by name.
pub fn github_outputs(text: &str) -> BTreeMap<String, String> {
    let mut outputs = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
            outputs.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            outputs.insert(name.to_string(), value.to_string());
        }
    }
    outputs
}

/// Tells that a test did not run for want of `what` (a tool, an install),
/// straight to stderr, which the harness does not capture: a skip must not
/// go unnoticed. Under `CI=true` (where `.ci/run` installs everything) a
/// missing tool fails the test instead.
pub fn skip(test: &str, what: &str) {
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("{test}: {what}; CI must install it (.ci/run does)");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n!!! SKIPPED {test}: {what}\n");
}
