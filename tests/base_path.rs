//! `--base-path` and the `base_path` config keys, through the real binary:
//! a service that serves the contract's paths at the root (a mock, a build
//! behind a path-stripping proxy) is found with `--base-path /`, `list`
//! shows the URL each target's requests go to, and the precedence of the
//! flag's forms and the config file's is what the README says.

use std::path::Path;

use axum::Router;
use axum::routing::get;
use serde_json::Value;

use rollcall::report::RunReport;

use crate::support::serve::serve;
use crate::support::{Run, assert_contains, read_report, repo_arg, rollcall_in, verdict_of};

/// A service with the contract's paths at the root, on 127.0.0.1.
async fn serve_at_root() -> String {
    let app = Router::new()
        .route("/ping", get(|| async { "pong" }))
        .route("/items/{id}", get(|| async { "an item" }));
    serve(app).await.url()
}

fn spec() -> String {
    repo_arg("testdata/e2e/root-served.yaml")
}

/// `rollcall COMMAND <the root-served contract> EXTRA...` in an empty folder.
async fn on_spec(command: &str, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec();
    let mut args = vec![command, spec.as_str()];
    args.extend_from_slice(extra);
    rollcall_in(dir.path(), &args, &[]).await
}

/// The base URL of every target of `report`.
fn bases(report: &RunReport) -> Vec<&str> {
    report.targets.iter().map(|t| t.base_url.as_str()).collect()
}

async fn check_json(dir: &Path, extra: &[&str]) -> (Run, RunReport) {
    let report = dir.join("report.json");
    let spec = spec();
    let report_arg = report.display().to_string();
    let mut args = vec!["check", spec.as_str(), "--json", report_arg.as_str()];
    args.extend_from_slice(extra);
    let run = rollcall_in(dir, &args, &[]).await;
    let json = read_report(&report);
    (run, json)
}

#[tokio::test(flavor = "multi_thread")]
async fn base_path_slash_finds_a_service_at_the_root() {
    let url = serve_at_root().await;
    let dir = tempfile::tempdir().unwrap();

    let (run, report) = check_json(dir.path(), &["--target", &url]).await;
    run.assert_code(1);
    assert_eq!(
        report.targets[0].base_url,
        format!("{url}/v1"),
        "by default the contract's server path is appended"
    );
    assert_eq!(verdict_of(&report, "GET /ping"), "missing_route");

    let (run, report) = check_json(dir.path(), &["--target", &url, "--base-path", "/"]).await;
    run.assert_code(0);
    assert_eq!(report.targets[0].base_url, format!("{url}/"));
    assert_eq!(verdict_of(&report, "GET /ping"), "implemented");
    assert_eq!(verdict_of(&report, "GET /items/{itemId}"), "implemented");
    assert_eq!(
        report.operations[0].results[0]
            .request
            .as_ref()
            .unwrap()
            .url,
        format!("{url}/ping")
    );

    // The per-target form, for the one target that needs it.
    let (run, report) = check_json(
        dir.path(),
        &["--target", &format!("mock={url}"), "--base-path", "mock=/"],
    )
    .await;
    run.assert_code(0);
    assert_eq!(report.targets[0].base_url, format!("{url}/"));
}

#[tokio::test(flavor = "multi_thread")]
async fn base_path_from_the_config_file_per_target_and_for_all() {
    let url = serve_at_root().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rollcall.toml"),
        format!(
            "base_path = \"/v1\"\n\
             [targets]\n\
             mock = {{ url = \"{url}\", base_path = \"/\" }}\n\
             proxy = \"{url}/gateway\"\n"
        ),
    )
    .unwrap();
    let (run, report) = check_json(dir.path(), &[]).await;
    let found = bases(&report);
    assert_eq!(
        found,
        [format!("{url}/"), format!("{url}/gateway/v1")],
        "{}",
        run.all_output()
    );
    assert_eq!(verdict_of(&report, "GET /ping"), "implemented");

    // A flag wins over the file: for every target, then for one.
    let (_, report) =
        check_json(dir.path(), &["--base-path", "/", "--base-path", "proxy=/x"]).await;
    let found = bases(&report);
    assert_eq!(found, [format!("{url}/"), format!("{url}/gateway/x")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_shows_each_targets_base_url_and_why() {
    let run = on_spec(
        "list",
        &[
            "--target",
            "prod=https://api.example.com",
            "--target",
            "mock=http://127.0.0.1:4010",
            "--target",
            "stage=https://stage.example.com/edge",
            "--base-path",
            "mock=/",
        ],
    )
    .await;
    run.assert_code(0);
    let expected = "\
Root-served 1.0 (OpenAPI 3.0.3), safe mode

base URLs (each request's path is joined to them):
  prod   https://api.example.com/v1      (the contract's server path /v1)
  mock   http://127.0.0.1:4010/          (base path /)
  stage  https://stage.example.com/edge  (the target's own path)

GET /ping            ping     valid
    GET /ping
GET /items/{itemId}  getItem  valid
    GET /items/7

2 operations: 2 valid
";
    assert_eq!(run.stdout, expected);

    let run = on_spec("list", &["-t", "http://ci:s3cret-pw@127.0.0.1:4010"]).await;
    assert!(
        run.stdout.contains("http://***:***@127.0.0.1:4010/v1")
            && !run.stdout.contains("s3cret-pw"),
        "credentials in a target URL are masked: {}",
        run.stdout
    );

    let run = on_spec("list", &[]).await;
    assert_contains(
        &run.stdout,
        "base URL: TARGET + /v1 (the contract's server path), unless the target URL has a path or --base-path is given\n",
    );

    let run = on_spec(
        "list",
        &["--json", "-t", "http://127.0.0.1:4010", "--base-path", "/"],
    )
    .await;
    let listing: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        listing["targets"],
        serde_json::json!([{
            "name": "127.0.0.1:4010",
            "base_url": "http://127.0.0.1:4010/",
            "base": "base path /"
        }])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_base_path_naming_no_target_or_no_path_is_bad_input() {
    let run = on_spec(
        "list",
        &["-t", "prod=http://127.0.0.1:9", "--base-path", "canary=/"],
    )
    .await;
    run.assert_refused("--base-path canary=/: no target has that name (targets: prod)");
    let run = on_spec("check", &["-t", "http://127.0.0.1:9", "--base-path", "v1"]).await;
    run.assert_refused("does not start with '/'");
}

#[test]
fn help_explains_base_path() {
    for subcommand in ["check", "list"] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_rollcall"))
            .args([subcommand, "--help"])
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(help.contains("--base-path <[NAME=]PATH>"), "{help}");
        assert!(help.contains("means exactly"), "{help}");
    }
}
