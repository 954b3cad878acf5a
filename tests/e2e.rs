//! End to end: the real `rollcall` binary against real HTTP servers started in
//! this test process on 127.0.0.1 (the embedded demo service and a small
//! "verdict zoo"), asserting what users rely on: verdicts, exit codes, report
//! fields, safe mode changing nothing, and secrets never shown.

use std::process::Output;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use rollcall::plan::Mode;
use serde_json::Value;

use rollcall::demo;

use crate::support;
use crate::support::{
    Run, args, assert_contains, assert_lacks, check_args, read_report, repo, repo_arg, result_of,
    rollcall, verdict_of,
};

#[tokio::test(flavor = "multi_thread")]
async fn safe_check_of_demo_service_finds_each_gap_and_changes_nothing() {
    let server = demo::Server::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let junit = dir.path().join("report.xml");
    let run = rollcall(
        vec![
            "check".into(),
            repo("specs/demo.yaml").display().to_string(),
            "--target".into(),
            format!("demo={}", server.url()),
            "--json".into(),
            json.display().to_string(),
            "--junit".into(),
            junit.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert_eq!(
        run.code,
        1,
        "flagged operations exit 1\n{}",
        run.all_output()
    );
    let report = read_report(&json);
    for (label, expected) in demo::EXPECTED {
        assert_eq!(verdict_of(&report, label), expected.as_str(), "{label}");
    }
    assert_eq!(server.state_changes(), 0, "safe mode must change nothing");
    assert_eq!(report.mode, Mode::Safe);
    assert_eq!(report.tool, "rollcall");
    assert_eq!(report.spec.title, "Petstore (rollcall demo)");
    let missing = result_of(&report, "PATCH /pets/{petId}");
    assert_eq!(missing.status, Some(405));
    assert!(
        missing.evidence.contains("GET"),
        "the Allow set is in the evidence: {missing:?}"
    );
    assert_contains(&run.stdout, "not_implemented");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn live_mode_reaches_handlers_with_valid_requests() {
    let server = demo::Server::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let run = rollcall(
        vec![
            "check".into(),
            repo("specs/demo.yaml").display().to_string(),
            "--target".into(),
            server.url().to_string(),
            "--mode".into(),
            "live".into(),
            "--json".into(),
            json.display().to_string(),
        ],
        vec![],
    )
    .await;
    run.assert_code(1);
    let report = read_report(&json);
    assert_eq!(report.mode, Mode::Live);
    assert_eq!(verdict_of(&report, "POST /pets"), "implemented");
    assert_eq!(result_of(&report, "POST /pets").status, Some(201));
    assert!(server.state_changes() > 0, "live mode sends valid requests");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn served_contract_exits_zero() {
    let server = demo::Server::start().await.unwrap();
    let run = rollcall(
        vec![
            "check".into(),
            repo("testdata/e2e/served.yaml").display().to_string(),
            "--target".into(),
            server.url().to_string(),
        ],
        vec![],
    )
    .await;
    run.assert_code(0);
    assert_eq!(server.state_changes(), 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn target_path_is_the_full_base_and_a_wrong_one_shows_missing_routes() {
    let server = demo::Server::start().await.unwrap();
    let explicit = format!("{}api/v1", server.url());
    let run = rollcall(
        check_args(&repo_arg("testdata/e2e/served.yaml"), &[explicit], &[]),
        vec![],
    )
    .await;
    assert_eq!(
        run.code,
        0,
        "explicit base path works\n{}",
        run.all_output()
    );

    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let wrong = format!("{}v2", server.url());
    let run = rollcall(
        vec![
            "check".into(),
            repo("testdata/e2e/served.yaml").display().to_string(),
            "--target".into(),
            wrong,
            "--json".into(),
            json.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert_eq!(run.code, 1);
    let report = read_report(&json);
    assert_eq!(report.targets[0].base_url, format!("{}v2", server.url()));
    assert_eq!(verdict_of(&report, "GET /health"), "missing_route");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_are_applied_and_never_shown() {
    let server = demo::Server::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let junit = dir.path().join("report.xml");
    let md = dir.path().join("report.md");
    let base = vec![
        "check".to_string(),
        repo("specs/demo.yaml").display().to_string(),
        "--target".into(),
        server.url().to_string(),
        "--json".into(),
        json.display().to_string(),
        "--junit".into(),
        junit.display().to_string(),
        "--markdown".into(),
        md.display().to_string(),
        "--verbose".into(),
        "-H".into(),
        "X-Api-Key: header-secret-123".into(),
    ];

    let mut with_flag = base.clone();
    with_flag.extend([
        "--auth".to_string(),
        format!("bearerAuth={}", demo::ADMIN_TOKEN),
    ]);
    let run = rollcall(with_flag, vec![]).await;
    let report = read_report(&json);
    assert_eq!(
        verdict_of(&report, "GET /admin/stats"),
        "implemented",
        "{}",
        run.all_output()
    );
    let outputs = [
        run.all_output(),
        std::fs::read_to_string(&json).unwrap(),
        std::fs::read_to_string(&junit).unwrap(),
        std::fs::read_to_string(&md).unwrap(),
    ];
    for out in &outputs {
        assert!(!out.contains(demo::ADMIN_TOKEN), "token leaked:\n{out}");
        assert!(!out.contains("header-secret-123"), "header leaked:\n{out}");
    }

    // The same credential from the environment.
    let run = rollcall(
        base.clone(),
        vec![("ROLLCALL_AUTH_BEARERAUTH", demo::ADMIN_TOKEN.to_string())],
    )
    .await;
    let report = read_report(&json);
    assert_eq!(verdict_of(&report, "GET /admin/stats"), "implemented");
    assert!(!run.all_output().contains(demo::ADMIN_TOKEN));

    // A wrong credential is a credentials problem, not a missing route.
    let mut wrong = base.clone();
    wrong.extend([
        "--auth".to_string(),
        "bearerAuth=wrong-token-456".to_string(),
    ]);
    let run = rollcall(wrong, vec![]).await;
    let report = read_report(&json);
    let admin = result_of(&report, "GET /admin/stats");
    assert_eq!(admin.verdict.as_str(), "auth_required");
    assert!(admin.evidence.contains("credential"), "{admin:?}");
    assert!(!run.all_output().contains("wrong-token-456"));
    assert!(
        !std::fs::read_to_string(&json)
            .unwrap()
            .contains("wrong-token-456")
    );
    server.stop().await;
}

/// A server that shows the verdicts the demo does not: a 500, a timeout.
async fn start_zoo() -> (String, tokio::task::JoinHandle<()>) {
    let app = Router::new()
        .route("/ok", get(|| async { "fine" }))
        // GET only: OPTIONS gets 405 with `Allow: GET,HEAD`, which cannot
        // prove PUT missing (a 405's Allow may name one route of several),
        // so the PUT that safe mode cannot send stays unverified.
        .route("/things/{id}", get(|| async { "a thing" }))
        .route(
            "/boom",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error") }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_timeouts_skips_and_unverifiable_operations_get_their_verdicts() {
    let (url, task) = start_zoo().await;
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let junit = dir.path().join("report.xml");
    let run = rollcall(
        vec![
            "check".into(),
            repo("testdata/e2e/zoo.yaml").display().to_string(),
            "--target".into(),
            format!("zoo={url}"),
            "--timeout".into(),
            "1s".into(),
            "--json".into(),
            json.display().to_string(),
            "--junit".into(),
            junit.display().to_string(),
        ],
        vec![],
    )
    .await;
    run.assert_code(1);
    let report = read_report(&json);
    assert_eq!(verdict_of(&report, "GET /ok"), "implemented");
    assert_eq!(verdict_of(&report, "GET /boom"), "server_error");
    assert_eq!(verdict_of(&report, "GET /slow"), "unreachable");
    assert_eq!(verdict_of(&report, "GET /later"), "skipped");
    assert_eq!(verdict_of(&report, "PUT /things/{id}"), "unverified");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<error"), "unreachable is a JUnit error");
    assert!(
        xml.contains("<skipped"),
        "skipped and unverified are JUnit skips"
    );
    assert!(xml.contains("type=\"server_error\""));
    task.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn no_reachable_target_exits_three() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let run = rollcall(
        vec![
            "check".into(),
            repo("specs/demo.yaml").display().to_string(),
            "--target".into(),
            format!("http://127.0.0.1:{port}"),
        ],
        vec![],
    )
    .await;
    run.assert_code(3);
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_command_exits_zero_and_writes_its_junit() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("rollcall-demo.xml");
    let run = rollcall(
        vec!["demo".into(), "--junit".into(), junit.display().to_string()],
        vec![],
    )
    .await;
    run.assert_code(0);
    let xml = std::fs::read_to_string(&junit).unwrap();
    for (label, _) in demo::EXPECTED {
        let name = format!("name=\"{label}\"");
        assert_eq!(xml.matches(&name).count(), 1, "{label} appears once");
    }
    // An unrelated file is never overwritten.
    let precious = dir.path().join("notes.xml");
    std::fs::write(&precious, "<notes/>").unwrap();
    let run = rollcall(
        vec![
            "demo".into(),
            "--junit".into(),
            precious.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert_eq!(run.code, 2);
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "<notes/>");
}

async fn bad_input(list: &[&str]) -> Run {
    let run = rollcall(args(list), vec![]).await;
    assert_eq!(run.code, 2, "exit 2 for {list:?}\n{}", run.all_output());
    assert_contains(&run.stderr, "error");
    assert_lacks(&run.stderr, "panicked");
    run
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_a_clear_error_and_exit_two() {
    let t = "http://127.0.0.1:9";
    let run = bad_input(&["check", "no/such/spec.yaml", "--target", t]).await;
    assert!(run.stderr.contains("no/such/spec.yaml"));

    let invalid_yaml = repo("testdata/malformed/invalid.yaml")
        .display()
        .to_string();
    let run = bad_input(&["check", &invalid_yaml, "--target", t]).await;
    assert!(
        run.stderr.contains("invalid.yaml:"),
        "names file and line: {}",
        run.stderr
    );

    let invalid_json = repo("testdata/malformed/invalid.json")
        .display()
        .to_string();
    let run = bad_input(&["check", &invalid_json, "--target", t]).await;
    assert_contains(&run.stderr, "invalid.json:");

    let dangling = repo("testdata/malformed/dangling-ref.yaml")
        .display()
        .to_string();
    let run = bad_input(&["check", &dangling, "--target", t]).await;
    assert_contains(&run.stderr, "$ref");

    // Swagger 2.0 is read, not refused: `list` plans its one operation under its basePath.
    let swagger = repo("testdata/contract/swagger2.json")
        .display()
        .to_string();
    let run = rollcall(args(&["list", &swagger]), vec![]).await;
    run.assert_code(0);
    assert_contains(&run.stdout, "GET /pets");

    let demo_spec = repo("specs/demo.yaml").display().to_string();
    let run = bad_input(&[
        "check",
        &demo_spec,
        "--target",
        t,
        "--auth",
        "nope=s3cr3t-value",
    ])
    .await;
    assert!(
        run.stderr.contains("nope"),
        "names the scheme: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("s3cr3t-value"));

    let run = bad_input(&[
        "check",
        &demo_spec,
        "--target",
        "prod=ftp://user:pa55word@h",
    ])
    .await;
    assert_lacks(&run.stderr, "pa55word");

    bad_input(&["check", &demo_spec, "--target", "not a url"]).await;
    bad_input(&["check", &demo_spec, "--target", t, "--timeout", "soon"]).await;
    bad_input(&["check", &demo_spec, "--target", t, "--mode", "reckless"]).await;
    let run = bad_input(&[
        "check",
        &demo_spec,
        "--target",
        t,
        "-H",
        "Authorization Bearer abc123xyz",
    ])
    .await;
    assert_lacks(&run.stderr, "abc123xyz");
    bad_input(&["check", &demo_spec]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn list_shows_the_plan_without_sending_anything() {
    let demo_spec = repo("specs/demo.yaml").display().to_string();
    let run = rollcall(args(&["list", &demo_spec]), vec![]).await;
    run.assert_code(0);
    for (label, _) in demo::EXPECTED {
        assert!(
            run.stdout.contains(label),
            "{label} listed:\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains("/pets/42"),
        "the planned request is shown:\n{}",
        run.stdout
    );

    let run = rollcall(
        args(&[
            "list",
            &demo_spec,
            "--json",
            "--auth",
            "bearerAuth=list-secret-789",
        ]),
        vec![],
    )
    .await;
    run.assert_code(0);
    let _: Value = serde_json::from_str(&run.stdout).expect("list --json prints JSON");
    assert!(!run.stdout.contains("list-secret-789"));
}

/// Runs the binary with a stdout whose reader is gone before it writes a
/// byte (what `| head -1` does to the rest of the output, made certain: the
/// other end of the socket is closed before the process starts).
async fn rollcall_with_closed_stdout(args: Vec<String>) -> Run {
    tokio::task::spawn_blocking(move || {
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().expect("socket pair");
        drop(ours);
        let Output { status, stderr, .. } = support::command(&args)
            .stdout(std::process::Stdio::from(std::os::fd::OwnedFd::from(
                theirs,
            )))
            .output()
            .expect("the rollcall binary runs");
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::new(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    })
    .await
    .expect("join")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_stdout_never_makes_a_command_panic() {
    let server = demo::Server::start().await.unwrap();
    let demo_spec = repo("specs/demo.yaml").display().to_string();
    let old = repo("testdata/parity/invoices-v1.yaml")
        .display()
        .to_string();
    let new = repo("testdata/parity/invoices-v2.yaml")
        .display()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("rollcall.xml");
    let url = server.url().to_string();
    let cases: [(Vec<&str>, i32); 4] = [
        (vec!["diff", &old, &new], 1),
        (vec!["list", &demo_spec], 0),
        (vec!["list", &demo_spec, "--json"], 0),
        (
            vec![
                "check",
                &demo_spec,
                "--target",
                &url,
                "--junit",
                junit.to_str().unwrap(),
                "--github",
            ],
            1,
        ),
    ];
    for (list, code) in cases {
        let run = rollcall_with_closed_stdout(args(&list)).await;
        assert!(!run.stderr.contains("panicked"), "{list:?}: {}", run.stderr);
        assert_eq!(
            run.code, code,
            "{list:?} exits as it would with a reader: {}",
            run.stderr
        );
    }
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("<testsuites"),
        "the reports are written all the same"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_reports_into_one_file_are_refused_before_probing() {
    let dir = tempfile::tempdir().unwrap();
    let demo_spec = repo("specs/demo.yaml").display().to_string();
    let json = dir.path().join("out.json");
    let same_via_dot = dir.path().join(".").join("out.json");
    let run = bad_input(&[
        "check",
        &demo_spec,
        "--target",
        "http://127.0.0.1:9",
        "--json",
        json.to_str().unwrap(),
        "--markdown",
        same_via_dot.to_str().unwrap(),
    ])
    .await;
    assert_contains(&run.stderr, "--json and --markdown name the same file");
    assert!(!json.exists(), "nothing was written");
}
