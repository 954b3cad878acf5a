//! What happens before the first probe: a private contract fetched with
//! `--spec-header` (sent to the spec's origin only, masked everywhere; by
//! `diff` too, for both of its contracts), and
//! `--wait-for`, which waits for a service that is still starting and gives
//! up with exit 3 and a message naming the target.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{args, assert_contains, assert_lacks, read_report, repo, rollcall};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rollcall::demo;

const SPEC_TOKEN: &str = "spec-s3cret-7781";

const SPEC: &str = "\
openapi: 3.0.3
info: {title: private, version: '1'}
paths:
  /a:
    get:
      responses:
        '200': {description: OK}
";

/// Every request's headers, as `name: value` lines.
type Seen = Arc<Mutex<Vec<String>>>;

async fn serve(app: Router) -> SocketAddr {
    crate::support::serve::serve(app).await.addr
}

fn record(seen: &Seen, request: &Request) {
    let mut seen = seen.lock().unwrap();
    for (name, value) in request.headers() {
        seen.push(format!("{name}: {}", value.to_str().unwrap_or("")));
    }
}

/// Serves SPEC at `/openapi.yaml` to requests carrying the token, 401 otherwise.
async fn spec_server(seen: Seen) -> SocketAddr {
    async fn handle(State(seen): State<Seen>, request: Request) -> Response {
        record(&seen, &request);
        let authorized = request
            .headers()
            .get("authorization")
            .is_some_and(|v| v.to_str().ok() == Some(&format!("Bearer {SPEC_TOKEN}")));
        match (request.uri().path(), authorized) {
            ("/openapi.yaml", true) => SPEC.into_response(),
            ("/openapi.yaml", false) => StatusCode::UNAUTHORIZED.into_response(),
            _ => StatusCode::NOT_FOUND.into_response(),
        }
    }
    serve(Router::new().fallback(handle).with_state(seen)).await
}

/// The service under test: `GET /a` answers 200, and every header is kept.
async fn target(seen: Seen) -> SocketAddr {
    async fn handle(State(seen): State<Seen>, request: Request) -> Response {
        record(&seen, &request);
        match request.uri().path() {
            "/a" => "ok".into_response(),
            _ => StatusCode::NOT_FOUND.into_response(),
        }
    }
    serve(Router::new().fallback(handle).with_state(seen)).await
}

#[tokio::test]
async fn spec_header_fetches_a_private_contract_and_never_shows_or_leaks() {
    let spec_seen = Seen::default();
    let target_seen = Seen::default();
    let spec = spec_server(Arc::clone(&spec_seen)).await;
    let service = target(Arc::clone(&target_seen)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("r.json");
    let junit = dir.path().join("r.xml");
    let markdown = dir.path().join("r.md");
    let spec_url = format!("http://{spec}/openapi.yaml");

    let denied = rollcall(
        args(&["check", &spec_url, "--target", &format!("http://{service}")]),
        vec![],
    )
    .await;
    denied.assert_refused("401");

    let header = format!("Authorization: Bearer {SPEC_TOKEN}");
    let reports = [
        ("--json", &json),
        ("--junit", &junit),
        ("--markdown", &markdown),
    ];
    let mut check = args(&[
        "check",
        &spec_url,
        "--target",
        &format!("http://{service}"),
        "--spec-header",
        &header,
        "--verbose",
        "--github",
    ]);
    for (flag, path) in reports {
        check.extend([flag.to_string(), path.display().to_string()]);
    }
    let run = rollcall(check, vec![]).await;
    run.assert_code(0);
    assert_eq!(
        read_report(&json).operations[0].results[0].verdict.as_str(),
        "implemented"
    );
    let mut outputs = vec![run.all_output()];
    outputs.extend(reports.map(|(_, path)| std::fs::read_to_string(path).unwrap()));
    for output in &outputs {
        assert!(
            !output.contains(SPEC_TOKEN),
            "the spec token leaked:\n{output}"
        );
    }
    assert!(
        spec_seen
            .lock()
            .unwrap()
            .iter()
            .any(|h| h.contains(SPEC_TOKEN)),
        "the spec server got the header"
    );
    assert!(
        target_seen
            .lock()
            .unwrap()
            .iter()
            .all(|h| !h.contains(SPEC_TOKEN)),
        "the target never gets the spec's header"
    );

    // A bad header is refused without echoing its value.
    let bad = rollcall(
        args(&[
            "check",
            &spec_url,
            "--target",
            &format!("http://{service}"),
            "--spec-header",
            SPEC_TOKEN,
        ]),
        vec![],
    )
    .await;
    assert_eq!(bad.code, 2);
    assert_contains(&bad.stderr, "--spec-header");
    assert_lacks(&bad.all_output(), SPEC_TOKEN);
}

/// `diff` compares two private contracts: `--spec-header` is sent to the
/// origin of each contract read from a URL (two origins here), and its
/// value is never shown.
#[tokio::test]
async fn diff_reads_two_private_contracts_with_spec_header() {
    let old_seen = Seen::default();
    let new_seen = Seen::default();
    let old = spec_server(Arc::clone(&old_seen)).await;
    let new = spec_server(Arc::clone(&new_seen)).await;
    let old_url = format!("http://{old}/openapi.yaml");
    let new_url = format!("http://{new}/openapi.yaml");

    let denied = rollcall(args(&["diff", &old_url, &new_url]), vec![]).await;
    denied.assert_refused("401");

    let header = format!("Authorization: Bearer {SPEC_TOKEN}");
    for format in ["--markdown", "--json"] {
        let run = rollcall(
            args(&["diff", &old_url, &new_url, "--spec-header", &header, format]),
            vec![],
        )
        .await;
        run.assert_code(0);
        assert!(
            !run.all_output().contains(SPEC_TOKEN),
            "the spec token leaked:\n{}",
            run.all_output()
        );
    }
    for seen in [&old_seen, &new_seen] {
        assert!(
            seen.lock().unwrap().iter().any(|h| h.contains(SPEC_TOKEN)),
            "each contract's server got the header"
        );
    }
}

/// A free loopback port, closed again.
async fn free_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    listener.local_addr().expect("address").port()
}

#[tokio::test]
async fn wait_for_waits_for_a_starting_service_then_probes() {
    let port = free_port().await;
    let check = |extra: &[&str]| {
        let mut list = vec![
            "check".to_string(),
            repo("specs/demo.yaml").display().to_string(),
            "--target".to_string(),
            format!("demo=http://127.0.0.1:{port}"),
        ];
        list.extend(extra.iter().map(|s| s.to_string()));
        rollcall(list, vec![])
    };
    // Nothing listens yet: without --wait-for the run is unreachable.
    let early = check(&[]).await;
    early.assert_code(3);

    // The service comes up a moment after rollcall starts waiting.
    let starting = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        demo::Server::start_on_port(port)
            .await
            .expect("demo on its port")
    });
    let waited = check(&["--wait-for", "60s"]).await;
    let server = starting.await.expect("started");
    server.stop().await;
    assert_eq!(
        waited.code,
        1,
        "probed the demo, which has gaps\n{}",
        waited.all_output()
    );
    assert_contains(&waited.stdout, "FAIL: ");
}

#[tokio::test]
async fn wait_for_gives_up_with_exit_3_naming_the_target() {
    let port = free_port().await;
    let run = rollcall(
        args(&[
            "check",
            &repo("specs/demo.yaml").display().to_string(),
            "--target",
            &format!("late=http://user:pw-9931@127.0.0.1:{port}"),
            "--wait-for",
            "1s",
        ]),
        vec![],
    )
    .await;
    run.assert_code(3);
    assert_contains(&run.stderr, "--wait-for 1s: target late (http://");
    assert_contains(&run.stderr, "did not answer within 1s");
    assert!(!run.all_output().contains("pw-9931"));
}

/// In GitHub mode a run that ends before any report still writes its step
/// outputs: `failed`, `exit_code` and the (masked) `error`.
#[tokio::test]
async fn github_outputs_are_written_on_exit_2_and_3() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outputs = dir.path().join("outputs");
    let port = free_port().await;
    let env = |outputs: &std::path::Path| {
        vec![
            ("GITHUB_ACTIONS", "true".to_string()),
            ("GITHUB_OUTPUT", outputs.display().to_string()),
        ]
    };
    let unreachable = rollcall(
        args(&[
            "check",
            &repo("specs/demo.yaml").display().to_string(),
            "--target",
            &format!("http://user:pw-4417@127.0.0.1:{port}"),
            "--wait-for",
            "200ms",
        ]),
        env(&outputs),
    )
    .await;
    unreachable.assert_code(3);
    let written = std::fs::read_to_string(&outputs).expect("outputs written");
    assert!(written.contains("failed=true\nexit_code=3\n"), "{written}");
    assert!(
        written.contains("error=--wait-for 200ms: target "),
        "{written}"
    );
    assert!(!written.contains("pw-4417"), "{written}");

    let bad = dir.path().join("bad-outputs");
    let run = rollcall(
        args(&[
            "check",
            "no/such/spec.yaml",
            "--target",
            "http://127.0.0.1:9",
        ]),
        env(&bad),
    )
    .await;
    assert_eq!(run.code, 2);
    let written = std::fs::read_to_string(&bad).expect("outputs written");
    assert!(written.contains("exit_code=2\n"), "{written}");
}
