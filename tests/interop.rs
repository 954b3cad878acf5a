//! Interop: the real `rollcall` binary against small real services on FastAPI
//! and Express (`testdata/interop/`), each with a contract that declares more
//! than the service serves. The frameworks' own answers are the thing under
//! test (FastAPI's byte-identical 404s and first-route-only `Allow`, Express's
//! "Cannot DELETE" 404 for a missing method, body parsing before routing, auth
//! before and after routing), so an imitation in Rust would prove nothing.
//!
//! Each test starts one app as a subprocess on a free loopback port, runs
//! `rollcall check --json` against it and asserts:
//! - live mode: every operation gets its true verdict (no false alarm, no miss);
//! - safe mode: no false alarm, each operation right or reported as proven at
//!   the route level only / unverified, and the service's own state-change
//!   counter (`GET /__state`, not in the contract) unchanged;
//! - every result names a registered rule that gives its verdict, and evidence.
//!
//! The frameworks are installed by `testdata/interop/setup.sh` (a venv and
//! `npm ci` under `target/interop/`; `.ci/run` calls it). When they are missing
//! and `CI` is set, the tests fail and say so; on a dev machine they run the
//! script once, and if that fails (offline) they print a loud skip and pass.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rollcall::verdict::rules::{self, Proof};
use serde_json::Value;

/// The bearer token both apps accept (see app.py / server.js).
const TOKEN: &str = "interop-token";
/// How long an app may take to start and answer (a bound, not an assertion).
const STARTUP_LIMIT: Duration = Duration::from_secs(60);

/// The true verdict of every operation of both contracts, without
/// credentials, as the apps' source shows (the table at the top of app.py
/// and server.js). Both apps serve the same API; only their frameworks answer
/// differently. The comments name what makes a row hard to get right.
const TRUTH: &[(&str, &str)] = &[
    ("GET /health", "implemented"),
    ("GET /books", "implemented"),
    ("POST /books", "implemented"),
    ("GET /books/{bookId}", "implemented"),
    ("PUT /books/{bookId}", "implemented"),
    ("PATCH /books/{bookId}", "implemented"),
    // FastAPI's Allow lists only the first route registered on a path (GET
    // here), so a method missing from it proves nothing.
    ("DELETE /books/{bookId}", "implemented"),
    ("GET /books/{bookId}/reviews", "not_implemented"),
    ("GET /books/{bookId}/recommendations", "server_error"),
    ("GET /books/{bookId}/cover", "stub"),
    ("POST /books/{bookId}/loans", "not_implemented"),
    // The handler's 404 is byte-identical to the no-route 404, but the route
    // exists (FastAPI: OPTIONS answers 405 with Allow: GET; Express: OPTIONS
    // answers 200 with Allow: GET, HEAD).
    ("GET /authors/{authorId}", "implemented"),
    // FastAPI answers 405 (Allow: GET). Express answers "Cannot DELETE
    // /authors/1", which looks like no route, but OPTIONS on the same path
    // lists GET, HEAD and not DELETE.
    ("DELETE /authors/{authorId}", "missing_method"),
    ("GET /orders", "missing_route"),
    ("POST /orders", "missing_route"),
    ("GET /orders/{orderId}", "missing_route"),
    // Auth before routing: unknown paths under /admin get the same 401.
    ("GET /admin/stats", "auth_required"),
    ("GET /admin/audit-log", "auth_required"),
    // Auth after routing: unknown paths under /account answer the no-route
    // 404, so this 401 proves the route is deployed.
    ("GET /account/profile", "implemented"),
    ("GET /account/invoices", "missing_route"),
];

/// With the right token the gates open and the handlers behind them are judged.
const WITH_TOKEN: &[(&str, &str)] = &[
    ("GET /admin/stats", "implemented"),
    ("GET /admin/audit-log", "missing_route"),
    ("GET /account/profile", "implemented"),
];

/// With a wrong token every gated operation is a credentials problem.
const WITH_WRONG_TOKEN: &[(&str, &str)] = &[
    ("GET /admin/stats", "auth_required"),
    ("GET /admin/audit-log", "auth_required"),
    ("GET /account/profile", "auth_required"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framework {
    FastApi,
    Express,
}

impl Framework {
    fn dir(self) -> &'static str {
        match self {
            Framework::FastApi => "fastapi",
            Framework::Express => "express",
        }
    }

    fn contract(self) -> PathBuf {
        repo()
            .join("testdata/interop")
            .join(self.dir())
            .join("openapi.yaml")
    }

    fn command(self, installed: &Installed) -> Command {
        match self {
            Framework::FastApi => {
                let mut cmd = Command::new(&installed.python);
                cmd.arg(repo().join("testdata/interop/fastapi/app.py"))
                    .env("PYTHONDONTWRITEBYTECODE", "1")
                    .env("PYTHONUNBUFFERED", "1");
                cmd
            }
            Framework::Express => {
                let mut cmd = Command::new("node");
                cmd.arg(repo().join("testdata/interop/express/server.js"))
                    .env("NODE_PATH", &installed.node_modules)
                    .env("NODE_ENV", "production");
                cmd
            }
        }
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------
// Installation

struct Installed {
    python: PathBuf,
    node_modules: PathBuf,
}

impl Installed {
    fn at(root: &Path) -> Self {
        Installed {
            python: root.join("venv/bin/python"),
            node_modules: root.join("express/node_modules"),
        }
    }

    /// Both parts finished installing (setup.sh writes its stamps last).
    fn complete(root: &Path) -> bool {
        root.join("venv/.rollcall-installed").is_file()
            && root.join("express/.rollcall-installed").is_file()
    }
}

/// The installed frameworks, or `None` (after a loud message) when they are
/// missing and cannot be installed here.
fn installed() -> Option<&'static Installed> {
    static INSTALLED: OnceLock<Result<Installed, String>> = OnceLock::new();
    match INSTALLED.get_or_init(install) {
        Ok(installed) => Some(installed),
        Err(why) => {
            // Straight to stderr: the test harness captures eprintln! of
            // passing tests, and a skip must not go unnoticed.
            let _ = writeln!(
                std::io::stderr(),
                "\n!!! interop tests skipped: {why}\n!!! run testdata/interop/setup.sh to install FastAPI and Express\n"
            );
            None
        }
    }
}

fn install() -> Result<Installed, String> {
    let root = repo().join("target/interop");
    if Installed::complete(&root) {
        return Ok(Installed::at(&root));
    }
    let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    assert!(
        !in_ci,
        "the interop apps are not installed under {}: CI must run testdata/interop/setup.sh \
         before cargo test (.ci/run does)",
        root.display()
    );
    let script = repo().join("testdata/interop/setup.sh");
    let output = Command::new("bash")
        .arg(&script)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last_lines: Vec<&str> = stderr.lines().rev().take(5).collect();
        let last_lines: Vec<&str> = last_lines.into_iter().rev().collect();
        return Err(format!(
            "{} failed ({}): {}",
            script.display(),
            output.status,
            last_lines.join(" | ")
        ));
    }
    if !Installed::complete(&root) {
        return Err(format!(
            "{} succeeded but left no install stamps under {}",
            script.display(),
            root.display()
        ));
    }
    Ok(Installed::at(&root))
}

// ---------------------------------------------------------------------------
// The app under test

/// One running app; killed when dropped.
struct App {
    framework: Framework,
    child: Child,
    base_url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl App {
    fn start(framework: Framework, installed: &Installed) -> App {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let log = dir.path().join("app.log");
        let log_file = File::create(&log).expect("the app's log file");
        let mut child = framework
            .command(installed)
            // Port 0: the app binds a free loopback port and prints it.
            .arg("0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the {framework:?} app: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, receiver) = mpsc::channel();
        // Reads stdout to the end, so the app never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sender = Some(sender);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    if let Some(sender) = sender.take() {
                        let _ = sender.send(url.trim().to_string());
                    }
                }
            }
        });
        let mut app = App {
            framework,
            child,
            base_url: String::new(),
            log,
            _dir: dir,
        };
        match receiver.recv_timeout(STARTUP_LIMIT) {
            Ok(url) => app.base_url = url,
            Err(_) => panic!(
                "the {framework:?} app did not say where it listens within {STARTUP_LIMIT:?}\n{}",
                app.log_tail()
            ),
        }
        let deadline = Instant::now() + STARTUP_LIMIT;
        while let Err(e) = app.try_state_changes() {
            if Instant::now() > deadline {
                panic!(
                    "the {framework:?} app at {} never answered GET /__state: {e}\n{}",
                    app.base_url,
                    app.log_tail()
                );
            }
            if let Ok(Some(status)) = app.child.try_wait() {
                panic!(
                    "the {framework:?} app exited ({status})\n{}",
                    app.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        app
    }

    /// The number of state changes (create, update, delete) the app really performed.
    fn state_changes(&self) -> u64 {
        self.try_state_changes()
            .unwrap_or_else(|e| panic!("GET {}/__state failed: {e}", self.base_url))
    }

    fn try_state_changes(&self) -> Result<u64, String> {
        let body = http_get(&format!("{}/__state", self.base_url))?;
        let value: Value =
            serde_json::from_str(&body).map_err(|e| format!("not JSON ({e}): {body}"))?;
        value["changes"]
            .as_u64()
            .ok_or_else(|| format!("no changes counter in {body}"))
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let start = lines.len().saturating_sub(30);
        format!(
            "--- {:?} app log (last lines) ---\n{}",
            self.framework,
            lines[start..].join("\n")
        )
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain GET to one of our loopback apps; the body, or why it failed.
fn http_get(url: &str) -> Result<String, String> {
    rollcall::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let response = client.get(url).send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.text().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(format!("{status}: {body}"))
        }
    })
}

// ---------------------------------------------------------------------------
// Running rollcall

struct Check {
    code: i32,
    stdout: String,
    stderr: String,
    report: Value,
}

fn rollcall_check(app: &App, mode: &str, extra: &[&str]) -> Check {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let json = dir.path().join("report.json");
    let mut command = Command::new(env!("CARGO_BIN_EXE_rollcall"));
    command
        .arg("check")
        .arg(app.framework.contract())
        .args(["--target", &app.base_url, "--mode", mode, "--json"])
        .arg(&json)
        .args(extra)
        // An empty working directory, so no ./rollcall.toml is picked up, and
        // no ROLLCALL_* variable of the caller's changes the run.
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .stdin(Stdio::null());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ROLLCALL_") {
            command.env_remove(name);
        }
    }
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("the rollcall binary runs");
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    let report = std::fs::read_to_string(&json)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
        .unwrap_or_else(|e| {
            panic!("rollcall wrote no readable JSON report ({e})\n{stdout}\n{stderr}")
        });
    Check {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
        report,
    }
}

/// One operation's result on the (only) target.
struct Seen {
    verdict: String,
    rule: String,
    evidence: String,
    exchange: String,
}

fn seen(report: &Value, label: &str) -> Option<Seen> {
    let (method, path) = label.split_once(' ')?;
    let op = report["operations"]
        .as_array()?
        .iter()
        .find(|op| op["method"] == method && op["path"] == path)?;
    let result = &op["results"][0];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let response = &result["response"];
    Some(Seen {
        verdict: text(&result["verdict"]),
        rule: text(&result["rule"]),
        evidence: text(&result["evidence"]),
        exchange: format!(
            "{} {} -> {} {}",
            text(&result["request"]["method"]),
            text(&result["request"]["url"]),
            response["status"],
            text(&response["body"])
                .chars()
                .take(160)
                .collect::<String>()
        ),
    })
}

/// The true verdict of every operation for a run, with `overrides` applied.
fn truth_with(overrides: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    TRUTH
        .iter()
        .map(|&(label, verdict)| {
            let verdict = overrides
                .iter()
                .find(|(l, _)| *l == label)
                .map_or(verdict, |(_, v)| *v);
            (label, verdict)
        })
        .collect()
}

/// What a safe-mode result may be, given the truth.
fn acceptable_in_safe_mode(label: &str, truth: &str, seen: &Seen) -> bool {
    if seen.verdict == truth {
        return true;
    }
    // A GET is sent as the same valid request in both modes: no excuse.
    if label.starts_with("GET ") {
        return false;
    }
    if seen.verdict == "unverified" {
        return !seen.evidence.is_empty();
    }
    // Proving only the route (the registry says which rules do: an invalid
    // request rejected, an Allow header) is honest when the route really
    // exists, whatever its handler does; for a missing route or method it
    // would be a miss.
    let route_exists = !matches!(truth, "missing_route" | "missing_method");
    let route_level = rules::rule(&seen.rule).is_some_and(|rule| rule.proof == Proof::Route);
    seen.verdict == "implemented" && route_exists && route_level
}

enum Mode {
    /// Every verdict must be the truth.
    Exact,
    /// No false alarm; route-level or unverified allowed where the handler
    /// could not be reached harmlessly.
    Safe,
}

/// Every problem with the report, as readable lines (empty when all is right).
fn problems(report: &Value, truth: &[(&'static str, &'static str)], mode: Mode) -> Vec<String> {
    let mut problems = Vec::new();
    let declared = report["operations"].as_array().map_or(0, Vec::len);
    if declared != truth.len() {
        problems.push(format!(
            "the report has {declared} operations, the contract declares {}",
            truth.len()
        ));
    }
    for &(label, expected) in truth {
        let Some(seen) = seen(report, label) else {
            problems.push(format!("{label}: missing from the report"));
            continue;
        };
        match rules::rule(&seen.rule) {
            None => problems.push(format!("{label}: rule '{}' is not registered", seen.rule)),
            Some(rule) if rule.verdict.as_str() != seen.verdict => problems.push(format!(
                "{label}: rule '{}' gives {}, but the verdict is {}",
                seen.rule, rule.verdict, seen.verdict
            )),
            Some(_) => {}
        }
        if seen.evidence.trim().is_empty() {
            problems.push(format!("{label}: no evidence"));
        }
        let right = match mode {
            Mode::Exact => seen.verdict == expected,
            Mode::Safe => acceptable_in_safe_mode(label, expected, &seen),
        };
        if !right {
            problems.push(format!(
                "{label}: expected {expected}, rollcall said {} ({})\n    evidence: {}\n    exchange: {}",
                seen.verdict, seen.rule, seen.evidence, seen.exchange
            ));
        }
    }
    problems
}

fn assert_no_problems(framework: Framework, what: &str, check: &Check, problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{framework:?}, {what}: {} wrong\n  {}\n--- rollcall stdout ---\n{}\n--- stderr ---\n{}",
        problems.len(),
        problems.join("\n  "),
        check.stdout,
        check.stderr
    );
}

// ---------------------------------------------------------------------------
// The scenarios, run on each framework

fn live_check_gives_every_operation_its_true_verdict(framework: Framework) {
    let Some(installed) = installed() else { return };
    let app = App::start(framework, installed);
    let before = app.state_changes();
    let check = rollcall_check(&app, "live", &[]);
    assert_eq!(check.report["mode"], "live");
    assert_eq!(
        check.code, 1,
        "flagged operations exit 1\n{}\n{}",
        check.stdout, check.stderr
    );
    let problems = problems(&check.report, TRUTH, Mode::Exact);
    assert_no_problems(framework, "live mode", &check, problems);
    // POST /books, PUT /books/3, PATCH /books/4, DELETE /books/2: live mode
    // reaches each write handler with a valid request, once.
    assert_eq!(
        app.state_changes() - before,
        4,
        "{framework:?}: live mode must reach the four write handlers once each"
    );
}

fn safe_check_changes_nothing_and_raises_no_false_alarm(framework: Framework) {
    let Some(installed) = installed() else { return };
    let app = App::start(framework, installed);
    let before = app.state_changes();
    let check = rollcall_check(&app, "safe", &[]);
    let after = app.state_changes();
    assert_eq!(check.report["mode"], "safe");
    assert_eq!(
        check.code, 1,
        "flagged operations exit 1\n{}\n{}",
        check.stdout, check.stderr
    );
    assert_eq!(
        after, before,
        "{framework:?}: a safe-mode run changed the service's data"
    );
    let problems = problems(&check.report, TRUTH, Mode::Safe);
    assert_no_problems(framework, "safe mode", &check, problems);
}

fn check_with_the_token_judges_gated_routes_by_their_handlers(framework: Framework) {
    let Some(installed) = installed() else { return };
    let app = App::start(framework, installed);
    let before = app.state_changes();
    let auth = format!("bearerAuth={TOKEN}");
    let check = rollcall_check(&app, "safe", &["--auth", &auth]);
    assert_eq!(
        app.state_changes(),
        before,
        "{framework:?}: a safe-mode run with credentials changed the service's data"
    );
    assert!(
        !check.stdout.contains(TOKEN) && !check.stderr.contains(TOKEN),
        "the token must never be shown"
    );
    let truth = truth_with(WITH_TOKEN);
    let problems = problems(&check.report, &truth, Mode::Safe);
    assert_no_problems(framework, "safe mode with the token", &check, problems);
}

fn rejected_token_is_reported_as_a_credentials_problem(framework: Framework) {
    let Some(installed) = installed() else { return };
    let app = App::start(framework, installed);
    let check = rollcall_check(&app, "safe", &["--auth", "bearerAuth=not-the-token"]);
    let truth = truth_with(WITH_WRONG_TOKEN);
    let mut problems = problems(&check.report, &truth, Mode::Safe);
    for (label, _) in WITH_WRONG_TOKEN {
        if let Some(seen) = seen(&check.report, label) {
            if !seen.evidence.to_lowercase().contains("credentials") {
                problems.push(format!(
                    "{label}: the evidence does not name the rejected credentials: {}",
                    seen.evidence
                ));
            }
        }
    }
    assert_no_problems(framework, "safe mode with a wrong token", &check, problems);
}

#[test]
fn fastapi_live_check_gives_every_operation_its_true_verdict() {
    live_check_gives_every_operation_its_true_verdict(Framework::FastApi);
}

#[test]
fn express_live_check_gives_every_operation_its_true_verdict() {
    live_check_gives_every_operation_its_true_verdict(Framework::Express);
}

#[test]
fn fastapi_safe_check_changes_nothing_and_raises_no_false_alarm() {
    safe_check_changes_nothing_and_raises_no_false_alarm(Framework::FastApi);
}

#[test]
fn express_safe_check_changes_nothing_and_raises_no_false_alarm() {
    safe_check_changes_nothing_and_raises_no_false_alarm(Framework::Express);
}

#[test]
fn fastapi_check_with_the_token_judges_gated_routes_by_their_handlers() {
    check_with_the_token_judges_gated_routes_by_their_handlers(Framework::FastApi);
}

#[test]
fn express_check_with_the_token_judges_gated_routes_by_their_handlers() {
    check_with_the_token_judges_gated_routes_by_their_handlers(Framework::Express);
}

#[test]
fn fastapi_rejected_token_is_reported_as_a_credentials_problem() {
    rejected_token_is_reported_as_a_credentials_problem(Framework::FastApi);
}

#[test]
fn express_rejected_token_is_reported_as_a_credentials_problem() {
    rejected_token_is_reported_as_a_credentials_problem(Framework::Express);
}
