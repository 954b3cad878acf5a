//! The composite action (`action.yml`) run the way a GitHub runner runs it:
//! each step's real script, extracted from action.yml (never a copy), under
//! `bash --noprofile --norc -eo pipefail` with the step's `env:` expressions
//! evaluated from the inputs (action.yml's defaults, then the test's), the
//! `github` context and earlier steps' outputs, and its `if:` honoured.
//! `uses:` steps (actions/cache) are recorded, not run: always a cache miss.
//!
//! The download path is served by a fake GitHub release on a loopback port:
//! archives packed by `scripts/package-release.sh` (as the release workflow
//! packs them) around the real rollcall binary, and its SHA256SUMS. Covered:
//! the happy path (download, verify, check a live demo service), a checksum
//! mismatch (the step fails, nothing runs), a missing binary or a branch ref
//! (source build from the action's folder with its own toolchain, a fake
//! `cargo` recording what it was given; the cache saved before the check),
//! how inputs become rollcall's arguments (shell words, never evaluated;
//! masks), and the step outputs on every exit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{assert_contains, assert_lacks, github_outputs, run_within, succeeded};
use rollcall::demo;

const ROLLCALL: &str = env!("CARGO_BIN_EXE_rollcall");
const REPOSITORY: &str = "rollcall-dev/rollcall";
/// Far above what a step here needs; reaching it means a step hung.
const STEP_LIMIT: Duration = Duration::from_secs(120);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// `RUNNER_ARCH` of this machine, and the release target the action picks
/// for Linux on it.
fn runner_arch() -> (&'static str, &'static str) {
    match std::env::consts::ARCH {
        "aarch64" => ("ARM64", "aarch64-unknown-linux-musl"),
        _ => ("X64", "x86_64-unknown-linux-musl"),
    }
}

// ---------------------------------------------------------------------------
// A small composite-action runner.

/// What one step did.
#[derive(Debug, Clone)]
struct StepRun {
    id: String,
    /// `uses:` of a step that is an action (recorded, not run).
    uses: Option<String>,
    code: i32,
    stdout: String,
    stderr: String,
    outputs: BTreeMap<String, String>,
}

/// What the whole action did: the steps that ran, in order.
#[derive(Debug)]
struct ActionRun {
    steps: Vec<StepRun>,
}

impl ActionRun {
    fn step(&self, id: &str) -> &StepRun {
        self.steps
            .iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("step {id} did not run; ran: {:?}", self.ids()))
    }

    fn ids(&self) -> Vec<&str> {
        self.steps.iter().map(|s| s.id.as_str()).collect()
    }

    /// The action's result: the first failing step's exit code, else 0.
    fn code(&self) -> i32 {
        self.steps
            .iter()
            .map(|s| s.code)
            .find(|c| *c != 0)
            .unwrap_or(0)
    }

    fn log(&self) -> String {
        self.steps
            .iter()
            .map(|s| format!("--- {} ({})\n{}{}", s.id, s.code, s.stdout, s.stderr))
            .collect()
    }
}

struct Runner {
    dir: tempfile::TempDir,
    inputs: BTreeMap<String, String>,
    github: BTreeMap<&'static str, String>,
    runner_os: String,
    runner_arch: String,
    /// Added to every step's environment (after the runner's own).
    env: Vec<(String, String)>,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in ["workspace", "home", "runner-temp", "fake-bin"] {
            std::fs::create_dir(dir.path().join(sub)).expect("mkdir");
        }
        let action = action();
        let inputs = action["inputs"]
            .as_mapping()
            .expect("inputs")
            .iter()
            .map(|(name, input)| {
                let default = match &input["default"] {
                    yaml_serde::Value::String(s) => s.clone(),
                    yaml_serde::Value::Null => String::new(),
                    other => panic!("input {name:?}: non-string default {other:?}"),
                };
                (name.as_str().expect("name").to_string(), default)
            })
            .collect();
        let (arch, _) = runner_arch();
        Runner {
            dir,
            inputs,
            github: BTreeMap::from([
                ("action_ref", format!("v{}", version())),
                ("action_repository", REPOSITORY.to_string()),
                ("server_url", "http://127.0.0.1:9".to_string()),
            ]),
            runner_os: "Linux".into(),
            runner_arch: arch.into(),
            env: Vec::new(),
        }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    fn workspace(&self) -> PathBuf {
        self.path("workspace")
    }

    fn input(&mut self, name: &str, value: &str) -> &mut Runner {
        assert!(
            self.inputs.contains_key(name),
            "action.yml has no input {name}"
        );
        self.inputs.insert(name.into(), value.into());
        self
    }

    /// An executable in the PATH directory that comes first.
    fn fake_tool(&self, name: &str, script: &str) {
        let path = self.path("fake-bin").join(name);
        std::fs::write(&path, script).expect("write");
        make_executable(&path);
    }

    /// Every step of action.yml, in order, as a runner would: a failed step
    /// ends the action (no step here asks for `always()`).
    fn run_action(&self) -> ActionRun {
        let mut run = ActionRun { steps: Vec::new() };
        let mut outputs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for step in action()["runs"]["steps"].as_sequence().expect("steps") {
            let id = step["id"].as_str().unwrap_or("").to_string();
            if let Some(condition) = step["if"].as_str()
                && !self.condition(condition, &outputs)
            {
                continue;
            }
            let done = match step["uses"].as_str() {
                Some(uses) => StepRun {
                    id: id.clone(),
                    uses: Some(uses.to_string()),
                    code: 0,
                    stdout: String::new(),
                    stderr: String::new(),
                    // A cache miss: `cache-hit` is empty.
                    outputs: BTreeMap::new(),
                },
                None => self.run_script(step, &id, &outputs),
            };
            outputs.insert(id.clone(), done.outputs.clone());
            let failed = done.code != 0;
            run.steps.push(done);
            if failed {
                break;
            }
        }
        run
    }

    /// Runs the one step `id` with the given outputs of earlier steps.
    fn run_step(&self, id: &str, earlier: BTreeMap<String, BTreeMap<String, String>>) -> StepRun {
        let action = action();
        let step = action["runs"]["steps"]
            .as_sequence()
            .expect("steps")
            .iter()
            .find(|s| s["id"].as_str() == Some(id))
            .unwrap_or_else(|| panic!("action.yml has no step {id}"))
            .clone();
        self.run_script(&step, id, &earlier)
    }

    fn run_script(
        &self,
        step: &yaml_serde::Value,
        id: &str,
        outputs: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> StepRun {
        assert_eq!(step["shell"].as_str(), Some("bash"), "step {id}: shell");
        let script = step["run"].as_str().expect("a run step");
        let script_file = self.path(&format!("runner-temp/{id}.sh"));
        std::fs::write(&script_file, script).expect("write script");
        let output_file = self.path(&format!("runner-temp/{id}.output"));
        std::fs::write(&output_file, "").expect("write");
        let path = format!(
            "{}:{}",
            self.path("fake-bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_file)
            .current_dir(self.workspace())
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.path("home"))
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", repo())
            .env("GITHUB_WORKSPACE", self.workspace())
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", self.path("runner-temp/summary.md"))
            .env("RUNNER_OS", &self.runner_os)
            .env("RUNNER_ARCH", &self.runner_arch)
            .env("RUNNER_TEMP", self.path("runner-temp"))
            .stdin(Stdio::null());
        if let Some(env) = step["env"].as_mapping() {
            for (name, value) in env {
                let value = value.as_str().expect("env values are strings");
                command.env(name.as_str().expect("name"), self.expand(value, outputs));
            }
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        let run = run_within(command, STEP_LIMIT);
        let text = std::fs::read_to_string(&output_file).expect("GITHUB_OUTPUT");
        StepRun {
            id: id.to_string(),
            uses: None,
            code: run.code,
            stdout: run.stdout,
            stderr: run.stderr,
            outputs: github_outputs(&text),
        }
    }

    /// `${{ ... }}` in an env value: inputs, github, earlier steps' outputs.
    fn expand(&self, text: &str, outputs: &BTreeMap<String, BTreeMap<String, String>>) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("closed expression") + start;
            out.push_str(&self.value(rest[start + 3..end].trim(), outputs));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    fn value(&self, expr: &str, outputs: &BTreeMap<String, BTreeMap<String, String>>) -> String {
        if let Some(name) = expr.strip_prefix("inputs.") {
            return self
                .inputs
                .get(name)
                .unwrap_or_else(|| panic!("no input {name}"))
                .clone();
        }
        if let Some(name) = expr.strip_prefix("github.") {
            return self
                .github
                .get(name)
                .unwrap_or_else(|| panic!("the test runner has no github.{name}"))
                .clone();
        }
        if let Some(path) = expr.strip_prefix("steps.") {
            let (step, output) = path
                .split_once(".outputs.")
                .unwrap_or_else(|| panic!("unknown expression {expr}"));
            return outputs
                .get(step)
                .and_then(|o| o.get(output))
                .cloned()
                .unwrap_or_default();
        }
        if let Some(literal) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
            return literal.to_string();
        }
        panic!("the test runner does not know the expression {expr:?}: teach it");
    }

    /// `a == 'x' && b != 'y'`: the only form action.yml's `if:`s take.
    fn condition(&self, text: &str, outputs: &BTreeMap<String, BTreeMap<String, String>>) -> bool {
        text.split("&&").all(|part| {
            let (left, right, equal) = if let Some((l, r)) = part.split_once("==") {
                (l, r, true)
            } else if let Some((l, r)) = part.split_once("!=") {
                (l, r, false)
            } else {
                panic!("the test runner does not know the condition {part:?}: teach it");
            };
            (self.value(left.trim(), outputs) == self.value(right.trim(), outputs)) == equal
        })
    }
}

fn action() -> yaml_serde::Value {
    let text = std::fs::read_to_string(repo().join("action.yml")).expect("action.yml");
    yaml_serde::from_str(&text).expect("action.yml is YAML")
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

// ---------------------------------------------------------------------------
// A fake GitHub release on a loopback port.

struct FakeRelease {
    /// `<dir>/<tag>/<asset>` is served at `/<owner>/<repo>/releases/download/<tag>/<asset>`.
    dir: tempfile::TempDir,
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
    _server: tokio::task::JoinHandle<()>,
}

impl FakeRelease {
    async fn start() -> FakeRelease {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let prefix = format!("/{REPOSITORY}/releases/download/");
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
            let root = root.clone();
            let seen = Arc::clone(&seen);
            let prefix = prefix.clone();
            async move {
                let path = uri.path().to_string();
                seen.lock().unwrap().push(path.clone());
                let file = path
                    .strip_prefix(&prefix)
                    .filter(|rest| !rest.contains(".."))
                    .map(|rest| root.join(rest));
                match file.and_then(|f| std::fs::read(f).ok()) {
                    Some(bytes) => (axum::http::StatusCode::OK, bytes),
                    None => (axum::http::StatusCode::NOT_FOUND, b"Not Found".to_vec()),
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        FakeRelease {
            dir,
            url,
            requests,
            _server: server,
        }
    }

    fn tag_dir(&self) -> PathBuf {
        let dir = self.dir.path().join(format!("v{}", version()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        dir
    }

    /// A small stand-in for the release binary, which execs the real one:
    /// the debug binary is over 100 MB, and packing it takes seconds.
    fn launcher(&self) -> String {
        let path = self.dir.path().join("launcher");
        std::fs::write(&path, format!("#!/bin/sh\nexec '{ROLLCALL}' \"$@\"\n")).expect("write");
        make_executable(&path);
        path.display().to_string()
    }

    /// Packs `binary` for `target` with the release workflow's script.
    fn add_archive(&self, target: &str, binary: &str) -> PathBuf {
        let output = succeeded(
            Command::new("bash")
                .arg(repo().join("scripts/package-release.sh"))
                .args(["archive", target, binary])
                .arg(self.tag_dir()),
            "package-release.sh archive",
        );
        PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
    }

    fn write_checksums(&self) -> String {
        let output = Command::new("bash")
            .arg(repo().join("scripts/package-release.sh"))
            .arg("checksums")
            .arg(self.tag_dir())
            .output()
            .expect("package-release.sh runs");
        assert!(
            output.status.success(),
            "package-release.sh checksums: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read_to_string(self.tag_dir().join("SHA256SUMS")).expect("SHA256SUMS")
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Starts the demo service; the runner's workspace gets its contract as
/// `openapi.yaml` and the inputs to check it.
async fn demo_check(runner: &mut Runner) -> demo::Server {
    let service = demo::Server::start().await.expect("demo service");
    std::fs::copy(
        repo().join("specs/demo.yaml"),
        runner.workspace().join("openapi.yaml"),
    )
    .expect("copy spec");
    runner
        .input("spec", "openapi.yaml")
        .input("targets", &format!("demo={}", service.url()))
        .input("junit", "reports/rollcall.xml")
        .input("html", "");
    service
}

/// A `cargo` that must not be called: the release path builds nothing.
fn forbid_cargo(runner: &Runner) {
    runner.fake_tool(
        "cargo",
        "#!/usr/bin/env bash\necho \"cargo must not run: $*\" >&2\nexit 99\n",
    );
}

// ---------------------------------------------------------------------------
// The download path.

#[tokio::test(flavor = "multi_thread")]
async fn release_binary_is_downloaded_verified_and_checks_the_service() {
    let release = FakeRelease::start().await;
    let (_, target) = runner_arch();
    release.add_archive(target, ROLLCALL);
    release.add_archive("x86_64-apple-darwin", &release.launcher());
    release.write_checksums();
    let mut runner = Runner::new();
    runner.github.insert("server_url", release.url.clone());
    // A moving major tag: the version comes from the action's Cargo.toml.
    let major = format!("v{}", version().split('.').next().unwrap());
    runner.github.insert("action_ref", major);
    runner.input("fail-on-flagged", "false");
    let service = demo_check(&mut runner).await;
    forbid_cargo(&runner);

    let run = tokio::task::spawn_blocking(move || (runner.run_action(), runner))
        .await
        .expect("join");
    let (run, runner) = run;
    service.stop().await;

    assert_eq!(run.code(), 0, "{}", run.log());
    let install = run.step("install");
    assert_eq!(install.outputs["from"], "release", "{}", run.log());
    assert_eq!(install.outputs["build"], "false");
    assert_eq!(install.outputs["version"], version());
    let bin = PathBuf::from(&install.outputs["bin"]);
    assert!(bin.starts_with(runner.path("runner-temp")), "{bin:?}");
    assert_contains(&install.stdout, "matches SHA256SUMS");
    // No source build: neither the cache steps nor cargo ran.
    assert_eq!(run.ids(), ["install", "check"], "{}", run.log());
    let name = format!("rollcall-{}-{target}.tar.gz", version());
    assert_eq!(
        release.requests(),
        [
            format!("/{REPOSITORY}/releases/download/v{}/{name}", version()),
            format!("/{REPOSITORY}/releases/download/v{}/SHA256SUMS", version()),
        ]
    );
    // The downloaded rollcall checked the demo service: its outputs.
    let check = run.step("check");
    assert_eq!(check.outputs["not_implemented"], "1", "{}", run.log());
    assert_eq!(check.outputs["missing_route"], "3");
    assert_eq!(check.outputs["exit_code"], "1");
    assert_eq!(check.outputs["failed"], "true");
    assert_eq!(check.outputs["junit"], "reports/rollcall.xml");
    assert!(runner.workspace().join("reports/rollcall.xml").is_file());
}

#[tokio::test(flavor = "multi_thread")]
async fn windows_runners_get_the_zip_archive() {
    let release = FakeRelease::start().await;
    let archive = release.add_archive("x86_64-pc-windows-msvc", &release.launcher());
    assert!(archive.to_string_lossy().ends_with(".zip"), "{archive:?}");
    release.write_checksums();
    let mut runner = Runner::new();
    runner.github.insert("server_url", release.url.clone());
    runner.runner_os = "Windows".into();
    runner.runner_arch = "X64".into();
    forbid_cargo(&runner);
    let install = tokio::task::spawn_blocking(move || runner.run_step("install", BTreeMap::new()))
        .await
        .expect("join");
    assert_eq!(install.code, 0, "{}{}", install.stdout, install.stderr);
    assert_eq!(install.outputs["from"], "release");
    assert!(
        install.outputs["bin"].ends_with(&format!(
            "rollcall-{}-x86_64-pc-windows-msvc/rollcall.exe",
            version()
        )),
        "{:?}",
        install.outputs
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_checksum_mismatch_fails_the_step_and_runs_nothing() {
    let release = FakeRelease::start().await;
    let (_, target) = runner_arch();
    let archive = release.add_archive(target, &release.launcher());
    release.write_checksums();
    // The archive changed after its checksum was published.
    let mut bytes = std::fs::read(&archive).expect("archive");
    bytes.push(0);
    std::fs::write(&archive, bytes).expect("tamper");
    let mut runner = Runner::new();
    runner.github.insert("server_url", release.url.clone());
    let service = demo_check(&mut runner).await;
    forbid_cargo(&runner);
    let (run, runner) = tokio::task::spawn_blocking(move || (runner.run_action(), runner))
        .await
        .expect("join");
    service.stop().await;

    assert_eq!(run.code(), 1, "{}", run.log());
    assert_eq!(run.ids(), ["install"], "nothing runs after a mismatch");
    let install = run.step("install");
    assert_contains(
        &install.stdout,
        "::error title=rollcall action::checksum mismatch",
    );
    assert!(!install.outputs.contains_key("bin"));
    // The tampered archive was neither kept nor unpacked.
    let unpacked = runner
        .path("runner-temp/rollcall-action")
        .join(format!("rollcall-{}-{target}", version()));
    assert!(
        !unpacked
            .join(format!("rollcall-{}-{target}", version()))
            .exists(),
        "unpacked"
    );
    assert!(!runner.workspace().join("reports").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_release_without_a_checksum_file_is_refused() {
    let release = FakeRelease::start().await;
    let (_, target) = runner_arch();
    release.add_archive(target, &release.launcher());
    let mut runner = Runner::new();
    runner.github.insert("server_url", release.url.clone());
    forbid_cargo(&runner);
    let install = tokio::task::spawn_blocking(move || runner.run_step("install", BTreeMap::new()))
        .await
        .expect("join");
    assert_eq!(install.code, 1, "{}{}", install.stdout, install.stderr);
    assert_contains(&install.stdout, "an unverified binary is not run");
}

// ---------------------------------------------------------------------------
// The source fallback.

/// A fake `cargo` that logs its directory, arguments and the variables that
/// would change the build, then "installs" the real binary under --root.
/// A fake `rustup` that says the stable toolchain is there.
fn fake_toolchain(runner: &Runner) -> PathBuf {
    let log = runner.path("cargo.log");
    runner.fake_tool(
        "cargo",
        &format!(
            r#"#!/usr/bin/env bash
{{
  printf 'pwd=%s\n' "$PWD"
  printf 'args=%s\n' "$*"
  for v in RUSTUP_TOOLCHAIN RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_TARGET CARGO_TARGET_DIR CARGO_PROFILE_RELEASE_OPT_LEVEL RUSTC_WRAPPER; do
    printf '%s=%s\n' "$v" "${{!v-<unset>}}"
  done
}} >>'{log}'
root=""
while [ "$#" -gt 0 ]; do
  [ "$1" = --root ] && root=$2
  shift
done
mkdir -p "$root/bin"
cp '{rollcall}' "$root/bin/rollcall"
"#,
            log = log.display(),
            rollcall = ROLLCALL,
        ),
    );
    runner.fake_tool(
        "rustup",
        &format!(
            "#!/usr/bin/env bash\nprintf 'rustup %s\\n' \"$*\" >>'{}'\n",
            log.display()
        ),
    );
    log
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_binary_builds_from_the_action_source_with_its_own_toolchain() {
    let release = FakeRelease::start().await;
    // The release exists, but not for this runner's OS.
    release.add_archive("x86_64-apple-darwin", &release.launcher());
    release.write_checksums();
    let mut runner = Runner::new();
    runner.github.insert("server_url", release.url.clone());
    let log = fake_toolchain(&runner);
    // The caller's toolchain file and build settings must not reach the build.
    std::fs::write(
        runner.workspace().join("rust-toolchain.toml"),
        "[toolchain]\nchannel = \"1.70\"\n",
    )
    .expect("write");
    for (name, value) in [
        ("RUSTFLAGS", "-C target-cpu=native"),
        ("CARGO_ENCODED_RUSTFLAGS", "-Cdebuginfo=2"),
        ("CARGO_BUILD_TARGET", "wasm32-unknown-unknown"),
        ("CARGO_TARGET_DIR", "/nonexistent/target"),
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0"),
        ("RUSTC_WRAPPER", "sccache"),
    ] {
        runner.env.push((name.into(), value.into()));
    }
    // The check fails (flagged operations): the build is cached before it.
    let service = demo_check(&mut runner).await;
    let (run, runner) = tokio::task::spawn_blocking(move || (runner.run_action(), runner))
        .await
        .expect("join");
    service.stop().await;

    let install = run.step("install");
    assert_eq!(install.outputs["from"], "source", "{}", run.log());
    assert_eq!(install.outputs["build"], "true");
    assert_contains(
        &install.stdout,
        &format!(
            "release v{} has no rollcall-{}-{}.tar.gz",
            version(),
            version(),
            runner_arch().1
        ),
    );
    let key = &install.outputs["cache-key"];
    assert!(key.starts_with(&format!("rollcall-build-Linux-{}-", runner.runner_arch)));
    assert_eq!(
        run.ids(),
        ["install", "restore", "build", "", "check"],
        "{}",
        run.log()
    );
    assert!(
        run.step("restore")
            .uses
            .as_deref()
            .unwrap()
            .starts_with("actions/cache/restore@")
    );
    let save = &run.steps[3];
    assert!(
        save.uses
            .as_deref()
            .unwrap()
            .starts_with("actions/cache/save@")
    );
    assert_eq!(run.step("check").code, 1, "the check failed after the save");
    assert_eq!(run.step("check").outputs["not_implemented"], "1");

    let log = std::fs::read_to_string(log).expect("cargo ran");
    let home = runner.path("home");
    assert!(
        log.contains(&format!("pwd={}\n", repo().display())),
        "built in the action's folder: {log}"
    );
    assert!(
        log.contains(&format!(
            "args=install --locked --path . --root {}/.rollcall-action\n",
            home.display()
        )),
        "{log}"
    );
    assert!(log.contains("RUSTUP_TOOLCHAIN=stable\n"), "{log}");
    for name in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_PROFILE_RELEASE_OPT_LEVEL",
        "RUSTC_WRAPPER",
    ] {
        assert!(
            log.contains(&format!("{name}=<unset>\n")),
            "{name} leaked: {log}"
        );
    }
    assert_eq!(
        install.outputs["bin"],
        format!("{}/.rollcall-action/bin/rollcall", home.display())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_branch_or_local_ref_builds_from_source_without_asking_for_a_release() {
    let release = FakeRelease::start().await;
    let (_, target) = runner_arch();
    release.add_archive(target, &release.launcher());
    release.write_checksums();
    for (action_ref, reason) in [
        ("main", "ref main is a branch, not a release"),
        ("", "the action runs from a checkout"),
        ("v999", "ref v999 is not a release of version"),
    ] {
        let mut runner = Runner::new();
        runner.github.insert("server_url", release.url.clone());
        runner.github.insert("action_ref", action_ref.into());
        let install =
            tokio::task::spawn_blocking(move || runner.run_step("install", BTreeMap::new()))
                .await
                .expect("join");
        assert_eq!(install.code, 0, "{}{}", install.stdout, install.stderr);
        assert_eq!(install.outputs["build"], "true", "ref {action_ref:?}");
        assert_contains(&install.stdout, reason);
    }
    assert!(release.requests().is_empty(), "{:?}", release.requests());
}

// ---------------------------------------------------------------------------
// The check step: arguments, masks, exit codes and outputs.

/// A stand-in rollcall that records its arguments (one per line) and exits
/// with `FAKE_EXIT`.
fn recording_rollcall(runner: &Runner) -> (PathBuf, PathBuf) {
    let args = runner.path("args.txt");
    let bin = runner.path("fake-bin/recording-rollcall");
    std::fs::write(
        &bin,
        format!(
            "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" >'{}'\nexit \"${{FAKE_EXIT:-0}}\"\n",
            args.display()
        ),
    )
    .expect("write");
    make_executable(&bin);
    (bin, args)
}

fn install_outputs(bin: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    BTreeMap::from([(
        "install".to_string(),
        BTreeMap::from([("bin".to_string(), bin.display().to_string())]),
    )])
}

#[tokio::test(flavor = "multi_thread")]
async fn inputs_become_rollcall_arguments_as_shell_words_never_evaluated() {
    let mut runner = Runner::new();
    let (bin, args_file) = recording_rollcall(&runner);
    runner
        .input("spec", "-odd name.yaml")
        .input("targets", "stable=https://api.example.com\n\n  canary=http://127.0.0.1:8080  \r\n")
        .input(
            "headers",
            "X-Env: canary\nAuthorization: Bearer hdr-s3cret\nX-Request-Token: tok-123\n",
        )
        .input("spec-headers", "X-Spec-Key: spec-k3y")
        .input("fail-on", "not_implemented,missing_route")
        .input("wait-for", "90s")
        .input("sarif", "reports/rollcall.sarif")
        .input("mode", "live")
        .input(
            "args",
            "--strict -H 'X-Team: a b' --timeout \"5s\" it\\'s \"q\\\"d\" $(touch pwned) `touch pwned2` $HOME * ~ '' \
             -H 'Cookie: sid=arg-c00kie' --auth=apiKey=arg-k3y",
        );
    let outputs = install_outputs(&bin);
    let step = tokio::task::spawn_blocking(move || (runner.run_step("check", outputs), runner))
        .await
        .expect("join");
    let (step, runner) = step;
    assert_eq!(step.code, 0, "{}{}", step.stdout, step.stderr);
    let args = std::fs::read_to_string(args_file).expect("rollcall ran");
    let args: Vec<&str> = args.lines().collect();
    assert_eq!(
        args,
        [
            "check",
            "--github",
            "--target=stable=https://api.example.com",
            "--target=canary=http://127.0.0.1:8080",
            "--header=X-Env: canary",
            "--header=Authorization: Bearer hdr-s3cret",
            "--header=X-Request-Token: tok-123",
            "--spec-header=X-Spec-Key: spec-k3y",
            "--mode=live",
            "--fail-on=not_implemented,missing_route",
            "--wait-for=90s",
            "--junit=rollcall.xml",
            "--html=rollcall.html",
            "--sarif=reports/rollcall.sarif",
            "--strict",
            "-H",
            "X-Team: a b",
            "--timeout",
            "5s",
            "it's",
            "q\"d",
            "$(touch",
            "pwned)",
            "`touch",
            "pwned2`",
            "$HOME",
            "*",
            "~",
            "",
            "-H",
            "Cookie: sid=arg-c00kie",
            "--auth=apiKey=arg-k3y",
            "--",
            "-odd name.yaml",
        ]
    );
    assert!(!runner.workspace().join("pwned").exists());
    assert!(!runner.workspace().join("pwned2").exists());
    // Credential header values are masked (whole and the token alone); an
    // ordinary header's value is not (masking "canary" would blank it out
    // of every log line); every spec header value is.
    for masked in [
        "Bearer hdr-s3cret",
        "hdr-s3cret",
        "tok-123",
        "spec-k3y",
        "sid=arg-c00kie",
        "arg-k3y",
    ] {
        assert!(
            step.stdout.contains(&format!("::add-mask::{masked}\n")),
            "{masked} not masked:\n{}",
            step.stdout
        );
    }
    assert_lacks(&step.stdout, "::add-mask::canary");
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_are_masked_as_workflow_command_data_and_passed_in_the_environment() {
    let mut runner = Runner::new();
    let env_file = runner.path("env.txt");
    let bin = runner.path("fake-bin/env-rollcall");
    std::fs::write(
        &bin,
        format!(
            "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" >'{0}.args'\nenv >'{0}'\n",
            env_file.display()
        ),
    )
    .expect("write");
    make_executable(&bin);
    runner.input("auth", "bearerAuth = 100%0Asure \napi-key=k\n");
    let outputs = install_outputs(&bin);
    let (step, _runner) =
        tokio::task::spawn_blocking(move || (runner.run_step("check", outputs), runner))
            .await
            .expect("join");
    assert_eq!(step.code, 0, "{}{}", step.stdout, step.stderr);
    // `%` is escaped, or the runner would unescape %0A and mask another string.
    assert_contains(&step.stdout, "::add-mask::100%250Asure\n");
    let env = std::fs::read_to_string(&env_file).expect("env");
    assert!(
        env.contains("ROLLCALL_AUTH_BEARERAUTH=100%0Asure\n"),
        "{env}"
    );
    assert!(env.contains("ROLLCALL_AUTH_API_KEY=k\n"), "{env}");
    assert!(!env.contains("ROLLCALL_INPUT_AUTH"), "{env}");
    let args = std::fs::read_to_string(format!("{}.args", env_file.display())).expect("args");
    assert!(!args.contains("100%0Asure"), "{args}");
}

/// Runs the check step with the real rollcall; returns it and its outputs.
async fn real_check(setup: impl FnOnce(&mut Runner)) -> StepRun {
    let mut runner = Runner::new();
    setup(&mut runner);
    let outputs = install_outputs(Path::new(ROLLCALL));
    tokio::task::spawn_blocking(move || runner.run_step("check", outputs))
        .await
        .expect("join")
}

#[tokio::test(flavor = "multi_thread")]
async fn outputs_are_written_on_every_exit_and_only_flagged_runs_can_stay_green() {
    // Bad input (a spec that is not there): exit 2, even with fail-on-flagged: false.
    let step = real_check(|r| {
        r.input("spec", "missing.yaml")
            .input("targets", "http://127.0.0.1:9")
            .input("fail-on-flagged", "false");
    })
    .await;
    assert_eq!(step.code, 2, "{}{}", step.stdout, step.stderr);
    assert_eq!(step.outputs["exit_code"], "2");
    assert_eq!(step.outputs["failed"], "true");

    // No target reachable: exit 3 with every count, even with fail-on-flagged: false.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let step = real_check(|r| {
        std::fs::copy(
            repo().join("specs/demo.yaml"),
            r.workspace().join("openapi.yaml"),
        )
        .expect("copy");
        r.input("spec", "openapi.yaml")
            .input("targets", &format!("down=http://127.0.0.1:{port}"))
            .input("fail-on-flagged", "false");
    })
    .await;
    assert_eq!(step.code, 3, "{}{}", step.stdout, step.stderr);
    assert_eq!(step.outputs["exit_code"], "3");
    assert_eq!(step.outputs["failed"], "true");
    assert!(step.outputs["unreachable"].parse::<u32>().unwrap() > 0);
    assert!(step.outputs.contains_key("total"));

    // Inputs the action itself refuses: exit 2 and the outputs, rollcall never runs.
    for (input, value, message) in [
        ("args", "--strict 'unclosed", "args: a quote is not closed"),
        (
            "fail-on-flagged",
            "maybe",
            "fail-on-flagged must be true or false",
        ),
        ("headers", "no colon here", "must be 'Name: value'"),
        ("auth", "novalue", "must be SCHEME=VALUE"),
    ] {
        let step = real_check(|r| {
            r.input("spec", "openapi.yaml").input(input, value);
        })
        .await;
        assert_eq!(step.code, 2, "{input}: {}{}", step.stdout, step.stderr);
        assert!(step.stdout.contains(message), "{input}: {}", step.stdout);
        assert_eq!(step.outputs["exit_code"], "2", "{input}");
        assert_eq!(step.outputs["failed"], "true", "{input}");
        assert!(!step.outputs.contains_key("total"), "{input}: rollcall ran");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_served_run_and_a_flagged_run_with_fail_on_flagged() {
    let service = demo::Server::start().await.expect("demo service");
    let url = service.url().to_string();
    let spec = repo().join("specs/demo.yaml");
    // Only the served operations: exit 0.
    let step = real_check(|r| {
        std::fs::copy(&spec, r.workspace().join("openapi.yaml")).expect("copy");
        r.input("spec", "openapi.yaml")
            .input("targets", &url)
            .input("html", "")
            .input("args", "--include 'path:/health'");
    })
    .await;
    assert_eq!(step.code, 0, "{}{}", step.stdout, step.stderr);
    assert_eq!(step.outputs["exit_code"], "0");
    assert_eq!(step.outputs["failed"], "false");
    // Flagged, fail-on-flagged: true (the default): the step fails with 1.
    let step = real_check(|r| {
        std::fs::copy(&spec, r.workspace().join("openapi.yaml")).expect("copy");
        r.input("spec", "openapi.yaml")
            .input("targets", &url)
            .input("html", "");
    })
    .await;
    service.stop().await;
    assert_eq!(step.code, 1, "{}{}", step.stdout, step.stderr);
    assert_eq!(step.outputs["exit_code"], "1");
    assert_eq!(step.outputs["failed"], "true");
}
