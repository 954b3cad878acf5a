//! What the end-to-end suites share: running the real `rollcall` binary and
//! reading its JSON report.
//!
//! The binary runs off the async runtime, so the servers a test started in
//! this process keep serving, and is killed past [`PROCESS_LIMIT`], so a hang
//! fails the test instead of stalling CI. Its environment is cleared of what
//! would change its behaviour from outside (GitHub Actions, colour, config
//! and date overrides); a test sets what it needs.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub mod corpus;
pub mod rollout;

/// Far above what any run here needs; reaching it means rollcall hung.
pub const PROCESS_LIMIT: Duration = Duration::from_secs(90);

/// Variables of the test's own environment that a run must not inherit.
const CLEARED: [&str; 8] = [
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "GITHUB_WORKSPACE",
    "NO_COLOR",
    "CLICOLOR_FORCE",
    "ROLLCALL_MODE",
    "ROLLCALL_TODAY",
];

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
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
}

/// `rollcall ARGS` with the environment cleared of [`CLEARED`] and stdin
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

/// Runs `command` to the end on this thread, its output captured in files (a
/// pipe that fills up would block a process nobody reads), and kills it past
/// [`PROCESS_LIMIT`].
pub fn run_blocking(mut command: Command) -> Run {
    let out = tempfile::tempdir().expect("tempdir");
    let stdout_path = out.path().join("stdout");
    let stderr_path = out.path().join("stderr");
    let mut child = command
        .stdout(std::fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .expect("the rollcall binary starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > PROCESS_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{:?} still running after {PROCESS_LIMIT:?}: it hangs",
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

/// A JSON report written by `rollcall check --json` or `merge --json`, after
/// checking it against the published schema (`docs/report.schema.json`).
pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
    let report: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
    assert_report_schema(&report, &path.display().to_string());
    report
}

/// Fails the test when `report` does not follow `docs/report.schema.json`,
/// listing every violation with its JSON pointer.
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

/// The operation `METHOD /path` of a JSON report.
pub fn operation<'a>(report: &'a Value, label: &str) -> &'a Value {
    let (method, path) = label.split_once(' ').expect("a label is 'METHOD /path'");
    report["operations"]
        .as_array()
        .expect("the report lists operations")
        .iter()
        .find(|op| op["method"] == method && op["path"] == path)
        .unwrap_or_else(|| panic!("{label} missing from the JSON report"))
}

/// The first target's result for `METHOD /path`.
pub fn result_of<'a>(report: &'a Value, label: &str) -> &'a Value {
    &operation(report, label)["results"][0]
}

/// The first target's verdict for `METHOD /path`.
pub fn verdict_of<'a>(report: &'a Value, label: &str) -> &'a str {
    result_of(report, label)["verdict"]
        .as_str()
        .expect("a result has a verdict")
}

/// `rollcall check specs/demo.yaml --target demo=<service>` plus `extra`.
pub fn check_demo_args(service: &rollcall::demo::Server, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "check".to_string(),
        repo("specs/demo.yaml").display().to_string(),
        "--target".to_string(),
        format!("demo={}", service.url()),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// A loopback target answering every request with `head` (a `429`, a
/// redirect), after reading the request and its body.
pub async fn answering_always(head: &'static str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                let head_end = loop {
                    if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        break at + 4;
                    }
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                };
                let length = String::from_utf8_lossy(&request[..head_end])
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                while request.len() < head_end + length {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let _ = socket.write_all(head.as_bytes()).await;
            });
        }
    });
    format!("http://{address}")
}
