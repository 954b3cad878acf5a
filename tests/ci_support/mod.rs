//! Shared by the CI-facing tests (`github.rs`, `html.rs`, `junit_schema.rs`,
//! `terminal.rs`): the embedded demo service on 127.0.0.1 and the real
//! `rollcall` binary run against it.

#![allow(dead_code)] // each test crate uses a different part

use std::path::{Path, PathBuf};

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// What a finished `rollcall` process left behind.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary off the async runtime (so the demo service in this process
/// keeps serving), with `GITHUB_*`, `CI` and color variables cleared unless
/// `env` sets them.
pub async fn rollcall(args: Vec<String>, env: Vec<(&'static str, String)>) -> Run {
    tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rollcall"));
        cmd.args(&args);
        for name in [
            "GITHUB_ACTIONS",
            "GITHUB_STEP_SUMMARY",
            "GITHUB_OUTPUT",
            "GITHUB_WORKSPACE",
            "NO_COLOR",
            "CLICOLOR_FORCE",
        ] {
            cmd.env_remove(name);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let output = cmd.output().expect("the rollcall binary runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    })
    .await
    .expect("join")
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
