//! Rollout parity, end to end: the real `rollcall` binary against in-process
//! servers running two builds of one invoices app (release 1.4 and 1.5 of
//! `testdata/parity/invoices-v*.yaml`), as targets of their own, as two
//! instances behind one host name (the same port on 127.0.0.1 and 127.0.0.2,
//! which Linux routes to loopback), and as one server that alternates builds
//! per request the way a load balancer over a half-finished rollout does.
//! Also `rollcall diff` and `check --since/--only-new` on that pair of specs.
//!
//! Golden files: `testdata/parity/matrix.md` (the Markdown parity section)
//! and `testdata/parity/capability.diff` (the capability diff). After an
//! intended change: `ROLLCALL_UPDATE_GOLDEN=1 cargo test --test integration parity::`, then
//! read the diff.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::HOST;
use axum::middleware::{self, Next};
use axum::response::Response;
use rollcall::report::RunReport;
use serde_json::Value;
use tower::ServiceExt;

use crate::support;
use crate::support::golden;
use crate::support::rollout::{Release, app};
use crate::support::{
    Run, assert_contains, assert_lacks, labels, operation, read_report, result_of, verdict_of,
};

const V1: &str = "testdata/parity/invoices-v1.yaml";
const V2: &str = "testdata/parity/invoices-v2.yaml";

fn repo(path: &str) -> String {
    support::repo(path).display().to_string()
}

/// The `Host` header of every request a server received.
type SeenHosts = Arc<Mutex<Vec<String>>>;

async fn record_host(State(seen): State<SeenHosts>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(none)")
        .to_string();
    seen.lock().unwrap().push(host);
    next.run(request).await
}

struct Server {
    addr: SocketAddr,
    hosts: SeenHosts,
}

impl Server {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn serve_on(listener: tokio::net::TcpListener, app: Router) -> Server {
    let hosts = SeenHosts::default();
    let addr = listener.local_addr().unwrap();
    let app = app.layer(middleware::from_fn_with_state(hosts.clone(), record_host));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server { addr, hosts }
}

async fn serve(app: Router) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve_on(listener, app).await
}

/// `first` on 127.0.0.1 and `second` on 127.0.0.2, on the same port: two
/// instances behind one name.
async fn serve_pair(first: Router, second: Router) -> (Server, Server) {
    for _ in 0..20 {
        let one = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = one.local_addr().unwrap().port();
        let other = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)), port);
        if let Ok(two) = tokio::net::TcpListener::bind(other).await {
            return (serve_on(one, first).await, serve_on(two, second).await);
        }
    }
    panic!("no port was free on both 127.0.0.1 and 127.0.0.2");
}

/// One server that sends each request for a route to the old and the new
/// build in turn (old first), like a load balancer over a rollout half done.
fn alternating_app() -> Router {
    #[derive(Clone)]
    struct Builds {
        old: Router,
        new: Router,
        turns: Arc<Mutex<HashMap<String, usize>>>,
    }
    async fn dispatch(State(builds): State<Builds>, request: Request) -> Response {
        let route = format!("{} {}", request.method(), request.uri().path());
        let turn = {
            let mut turns = builds.turns.lock().unwrap();
            let counter = turns.entry(route).or_insert(0);
            *counter += 1;
            *counter - 1
        };
        let build = if turn % 2 == 0 {
            builds.old
        } else {
            builds.new
        };
        match build.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }
    Router::new().fallback(dispatch).with_state(Builds {
        old: app(Release::Stable),
        new: app(Release::Canary),
        turns: Arc::default(),
    })
}

/// Runs the binary off the async runtime, so the servers keep serving.
async fn rollcall(args: &[&str]) -> Run {
    support::rollcall(support::args(args), vec![]).await
}

/// `(label, {target: verdict})` of every parity difference.
fn differences(report: &RunReport) -> Vec<(String, Vec<(String, String)>)> {
    report
        .parity
        .as_ref()
        .expect("a parity object with differences")
        .differences
        .iter()
        .map(|d| {
            let verdicts = d
                .verdicts
                .iter()
                .map(|(t, v)| (t.clone(), v.as_str().to_string()))
                .collect();
            (d.label(), verdicts)
        })
        .collect()
}

/// The target the others must match.
fn reference(report: &RunReport) -> &str {
    &report.parity.as_ref().expect("a parity object").reference
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// [`golden::assert_golden`] of `testdata/parity/NAME`.
fn assert_golden(name: &str, actual: &str) {
    golden::assert_golden(&format!("testdata/parity/{name}"), actual);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_address_finds_the_instance_running_the_old_build_with_host_kept() {
    let (new, old) = serve_pair(app(Release::Canary), app(Release::Stable)).await;
    let port = new.addr.port();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let junit = dir.path().join("report.xml");
    let host = format!("api.test:{port}");
    let run = rollcall(&[
        "check",
        &repo(V2),
        "--target",
        &format!("http://{host}"),
        "--resolve",
        &format!("{host}:127.0.0.1,127.0.0.2"),
        "--each-address",
        "--json",
        json.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ])
    .await;
    assert_eq!(
        run.code,
        1,
        "a parity failure is flagged\n{}",
        run.all_output()
    );

    let report = read_report(&json);
    let first = format!("{host}@127.0.0.1");
    let second = format!("{host}@127.0.0.2");
    let names: Vec<&str> = report.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, [first.as_str(), second.as_str()]);
    assert_eq!(reference(&report), first.as_str());
    assert_eq!(
        differences(&report),
        [
            (
                "PATCH /invoices/{invoiceId}".to_string(),
                pairs(&[(&first, "implemented"), (&second, "missing_method")])
            ),
            (
                "POST /invoices/{invoiceId}/send".to_string(),
                pairs(&[(&first, "implemented"), (&second, "missing_route")])
            ),
        ]
    );

    for (server, name) in [(&new, "new build"), (&old, "old build")] {
        let hosts = server.hosts.lock().unwrap().clone();
        assert!(!hosts.is_empty(), "the {name} instance was probed");
        assert!(
            hosts.iter().all(|h| *h == host),
            "every request to the {name} kept Host {host}: {hosts:?}"
        );
    }

    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuite name=\"rollcall/parity\" tests=\"2\" failures=\"2\""),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(
            "message=\"verdicts differ between targets: {first}: implemented, {second}: missing_method (reference: {first})\""
        )),
        "{xml}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn parity_matrix_and_capability_diff_show_what_canary_adds() {
    let stable = serve(app(Release::Stable)).await;
    let canary = serve(app(Release::Canary)).await;
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let markdown = dir.path().join("report.md");
    let run = rollcall(&[
        "check",
        &repo(V2),
        "--target",
        &format!("stable={}", stable.url()),
        "--target",
        &format!("canary={}", canary.url()),
        "--json",
        json.to_str().unwrap(),
        "--markdown",
        markdown.to_str().unwrap(),
    ])
    .await;
    run.assert_code(1);
    let report = read_report(&json);
    assert_eq!(
        differences(&report),
        [
            (
                "PATCH /invoices/{invoiceId}".to_string(),
                pairs(&[("stable", "missing_method"), ("canary", "implemented")])
            ),
            (
                "POST /invoices/{invoiceId}/send".to_string(),
                pairs(&[("stable", "missing_route"), ("canary", "implemented")])
            ),
        ]
    );
    assert_contains(
        &run.stdout,
        "PARITY FAIL: 2 of 5 operations differ between 2 targets (reference: stable)",
    );

    let text = std::fs::read_to_string(&markdown).unwrap();
    let start = text.find("## Parity").expect("a parity section");
    let end = text[start + 1..]
        .find("\n## ")
        .map_or(text.len(), |i| start + 1 + i + 1);
    assert_golden("matrix.md", &text[start..end]);

    let diff: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("  --- stable"))
        .take_while(|l| !l.is_empty())
        .map(|l| l.strip_prefix("  ").unwrap_or(l))
        .collect();
    assert_golden("capability.diff", &(diff.join("\n") + "\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn reference_and_all_rows_change_what_the_matrix_shows() {
    let stable = serve(app(Release::Stable)).await;
    let canary = serve(app(Release::Canary)).await;
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let markdown = dir.path().join("report.md");
    let run = rollcall(&[
        "check",
        &repo(V2),
        "--target",
        &format!("stable={}", stable.url()),
        "--target",
        &format!("canary={}", canary.url()),
        "--reference",
        "canary",
        "--all",
        "--json",
        json.to_str().unwrap(),
        "--markdown",
        markdown.to_str().unwrap(),
    ])
    .await;
    run.assert_code(1);
    assert_eq!(reference(&read_report(&json)), "canary");
    let text = std::fs::read_to_string(&markdown).unwrap();
    assert!(
        text.contains("| `GET /health` | implemented | implemented |"),
        "--all shows agreeing rows too\n{text}"
    );
    assert!(
        text.contains("| `PATCH /invoices/{invoiceId}` | **missing_method** | implemented |"),
        "cells that differ from the reference (canary) are bold\n{text}"
    );

    let unknown = rollcall(&[
        "check",
        &repo(V2),
        "--target",
        &format!("stable={}", stable.url()),
        "--target",
        &format!("canary={}", canary.url()),
        "--reference",
        "prod",
    ])
    .await;
    unknown.assert_refused("--reference prod: no target has that name");
}

#[tokio::test(flavor = "multi_thread")]
async fn parity_only_fails_on_disagreement_and_not_on_shared_gaps() {
    let stable = serve(app(Release::Stable)).await;
    let canary_old = serve(app(Release::Stable)).await;
    let canary_new = serve(app(Release::Canary)).await;
    let dir = tempfile::tempdir().unwrap();
    let markdown = dir.path().join("rollcall.md");
    let check = |canary: String| {
        let stable = format!("stable={}", stable.url());
        let markdown = markdown.display().to_string();
        async move {
            rollcall(&[
                "check",
                &repo(V2),
                "--target",
                &stable,
                "--target",
                &format!("canary={canary}"),
                "--parity-only",
                "--markdown",
                &markdown,
            ])
            .await
        }
    };

    let same_gaps = check(canary_old.url()).await;
    let summary = std::fs::read_to_string(&markdown).unwrap();
    assert!(
        summary.contains("**PASS (parity): all 2 targets agree; 2 operations flagged"),
        "the Markdown report tells the gate's truth too\n{summary}"
    );
    assert_eq!(
        same_gaps.code,
        0,
        "both lack the 1.5 operations: a gap, but no disagreement\n{}",
        same_gaps.all_output()
    );
    assert_contains(&same_gaps.stdout, "PARITY OK: 5 operations");
    // The gate passed: no line may say FAIL, and the PASS line says why the
    // shared gaps did not count.
    assert!(
        !same_gaps.stdout.lines().any(|l| l.starts_with("FAIL")),
        "{}",
        same_gaps.stdout
    );
    assert_contains(
        &same_gaps.stdout,
        "PASS (parity): all 2 targets agree; 2 operations flagged on every target, not gated by --parity-only",
    );

    let drift = check(canary_new.url()).await;
    drift.assert_code(1);
    assert_contains(
        &drift.stdout,
        "FAIL (parity): 2 of 5 operations differ between 2 targets (reference: stable)",
    );
    assert!(
        !drift.stdout.lines().any(|l| l.starts_with("PASS")),
        "{}",
        drift.stdout
    );
}

/// `reference`, `parity_only`, `repeat`, `each_address` and
/// `all_parity_rows` set in rollcall.toml act like their flags; a flag
/// given wins over the file; a `reference` no target has is named with the
/// file and line.
#[tokio::test(flavor = "multi_thread")]
async fn parity_settings_come_from_the_config_file_and_flags_override_them() {
    let (first, second) = serve_pair(app(Release::Stable), app(Release::Stable)).await;
    let canary = serve(app(Release::Stable)).await;
    let stable = format!("api.test:{}", first.addr.port());
    let resolve = format!("{stable}:127.0.0.1,127.0.0.2");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rollcall.toml");
    let json = dir.path().join("report.json");
    let write = |reference: &str| {
        std::fs::write(
            &config,
            format!(
                "spec = {:?}\nreference = {reference:?}\nparity_only = true\nrepeat = 2\n\
                 each_address = true\nall_parity_rows = true\n\n[targets]\nstable = \"http://{stable}\"\ncanary = {:?}\n",
                repo(V2),
                canary.url()
            ),
        )
        .unwrap();
    };
    let requests = || first.hosts.lock().unwrap().len();
    write("canary");
    let config_arg = config.to_str().unwrap();
    let json_arg = json.to_str().unwrap();

    let run = rollcall(&[
        "check",
        "--config",
        config_arg,
        "--resolve",
        &resolve,
        "--json",
        json_arg,
    ])
    .await;
    assert_eq!(
        run.code,
        0,
        "parity_only: gaps every target shares do not fail\n{}",
        run.all_output()
    );
    let report = read_report(&json);
    let names: Vec<&str> = report.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["stable@127.0.0.1", "stable@127.0.0.2", "canary"],
        "each_address"
    );
    assert_eq!(reference(&report), "canary");
    assert!(
        run.stdout.contains("GET /health "),
        "all_parity_rows shows agreeing rows too\n{}",
        run.stdout
    );
    assert_contains(&run.stdout, "PASS (parity): all 3 targets agree");
    let with_two_rounds = requests();
    assert!(!second.hosts.lock().unwrap().is_empty());

    let run = rollcall(&[
        "check",
        "--config",
        config_arg,
        "--resolve",
        &resolve,
        "--json",
        json_arg,
        "--reference",
        "stable",
        "--repeat",
        "1",
    ])
    .await;
    run.assert_code(0);
    assert_eq!(
        reference(&read_report(&json)),
        "stable@127.0.0.1",
        "--reference wins over the file"
    );
    assert!(
        requests() - with_two_rounds < with_two_rounds,
        "--repeat 1 sends fewer requests than the file's repeat = 2"
    );

    let run = rollcall(&[
        "check",
        "--config",
        config_arg,
        "--resolve",
        &resolve,
        "--json",
        json_arg,
        "--no-parity-only",
        "--no-each-address",
    ])
    .await;
    assert_eq!(
        run.code,
        1,
        "without parity_only the shared gaps fail\n{}",
        run.all_output()
    );
    let report = read_report(&json);
    assert!(!report.gate.parity_only, "the default gate");
    assert_eq!(
        report.targets.len(),
        2,
        "--no-each-address: stable is one target again"
    );

    write("prod");
    let run = rollcall(&["check", "--config", config_arg, "--resolve", &resolve]).await;
    run.assert_code(2);
    assert!(
        run.stderr.contains(&format!(
            "{}:2: reference prod: no target has that name",
            config.display()
        )),
        "the file and line are named\n{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_single_target_report_has_no_parity() {
    let server = serve(app(Release::Canary)).await;
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let run = rollcall(&[
        "check",
        &repo(V2),
        "--target",
        &server.url(),
        "--json",
        json.to_str().unwrap(),
    ])
    .await;
    run.assert_code(0);
    let report = read_report(&json);
    assert!(report.parity.is_none(), "{report:?}");
    assert!(operation(&report, "GET /health").change.is_none());
    assert_lacks(&run.stdout, "PARITY");
}

#[tokio::test(flavor = "multi_thread")]
async fn repeat_flags_an_operation_that_flaps_behind_a_load_balancer() {
    let server = serve(alternating_app()).await;
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let run = rollcall(&[
        "check",
        &repo(V2),
        "--target",
        &format!("pool={}", server.url()),
        "--repeat",
        "4",
        "--json",
        json.to_str().unwrap(),
    ])
    .await;
    run.assert_code(1);
    let report = read_report(&json);
    let patch = result_of(&report, "PATCH /invoices/{invoiceId}");
    assert_eq!(patch.verdict.as_str(), "inconsistent", "{patch:?}");
    assert_eq!(patch.rule, "repeats-disagree");
    let evidence = &patch.evidence;
    assert!(
        evidence.contains("of 4 requests answered 405 (missing_method)")
            || evidence.contains("of 4 answered 405 (missing_method)"),
        "{evidence}"
    );
    assert!(evidence.contains("(implemented)"), "{evidence}");
    assert_eq!(
        verdict_of(&report, "GET /health"),
        "implemented",
        "both builds serve it: no flapping"
    );
    assert_contains(&run.stdout, "inconsistent");
}

#[tokio::test(flavor = "multi_thread")]
async fn since_marks_new_changed_and_unchanged_operations_and_only_new_probes_just_those() {
    let server = serve(app(Release::Canary)).await;
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let markdown = dir.path().join("report.md");
    let run = rollcall(&[
        "check",
        &repo(V2),
        "--since",
        &repo(V1),
        "--target",
        &server.url(),
        "--json",
        json.to_str().unwrap(),
        "--markdown",
        markdown.to_str().unwrap(),
    ])
    .await;
    run.assert_code(0);
    let report = read_report(&json);
    for (label, change) in [
        ("GET /health", "unchanged"),
        ("GET /invoices", "changed"),
        ("GET /invoices/{invoiceId}", "unchanged"),
        ("PATCH /invoices/{invoiceId}", "new"),
        ("POST /invoices/{invoiceId}/send", "new"),
    ] {
        assert_eq!(
            operation(&report, label).change.map(|c| c.as_str()),
            Some(change),
            "{label}"
        );
    }
    let text = std::fs::read_to_string(&markdown).unwrap();
    assert!(
        text.contains("| `PATCH /invoices/{invoiceId}` (new) |"),
        "{text}"
    );
    assert!(
        text.contains("Since the older contract: 2 new, 1 changed, 2 unchanged operations."),
        "{text}"
    );

    let only_new = rollcall(&[
        "check",
        &repo(V2),
        "--since",
        &repo(V1),
        "--only-new",
        "--target",
        &server.url(),
        "--json",
        json.to_str().unwrap(),
    ])
    .await;
    only_new.assert_code(0);
    let report = read_report(&json);
    assert_eq!(
        labels(&report),
        [
            "GET /invoices",
            "PATCH /invoices/{invoiceId}",
            "POST /invoices/{invoiceId}/send"
        ]
    );
    assert_contains(&only_new.stderr, "--only-new: probing 3 of 5 operations");
}

#[tokio::test(flavor = "multi_thread")]
async fn only_new_without_since_is_a_usage_error() {
    let run = rollcall(&[
        "check",
        &repo(V2),
        "--target",
        "http://127.0.0.1:9",
        "--only-new",
    ])
    .await;
    run.assert_code(2);
}

#[tokio::test(flavor = "multi_thread")]
async fn diff_lists_what_a_release_adds_removes_and_changes() {
    let run = rollcall(&["diff", &repo(V1), &repo(V2)]).await;
    assert_eq!(
        run.code,
        1,
        "a removal fails the diff\n{}",
        run.all_output()
    );
    for expected in [
        "Invoices 1.4.0",
        "Added (2):\n  + PATCH  /invoices/{invoiceId}\n  + POST   /invoices/{invoiceId}/send\n",
        "Removed (1):\n  - DELETE /invoices/{id}\n",
        "Changed (1):\n  ~ GET    /invoices\n      parameter added: query `status` (optional)\n",
        "2 added, 1 removed, 1 changed, 2 unchanged\n",
    ] {
        assert!(
            run.stdout.contains(expected),
            "{expected:?} in\n{}",
            run.stdout
        );
    }

    let allowed = rollcall(&["diff", &repo(V1), &repo(V2), "--allow-removals"]).await;
    allowed.assert_code(0);

    let json = rollcall(&["diff", &repo(V1), &repo(V2), "--json"]).await;
    let parsed: Value = serde_json::from_str(&json.stdout).expect("diff --json is JSON");
    assert_eq!(parsed["added"][0]["method"], "PATCH");
    assert_eq!(parsed["removed"][0]["path"], "/invoices/{id}");
    assert_eq!(
        parsed["changed"][0]["changes"][0]["kind"],
        "parameter_added"
    );
    assert_eq!(parsed["unchanged"], 2);

    let markdown = rollcall(&["diff", &repo(V1), &repo(V2), "--markdown"]).await;
    assert_contains(
        &markdown.stdout,
        "## Removed\n\n| Operation | Operation id |\n| --- | --- |\n| `DELETE /invoices/{id}` | `deleteInvoice` |",
    );

    let backwards = rollcall(&["diff", &repo(V2), &repo(V1)]).await;
    assert_contains(&backwards.stdout, "Removed (2):");
    assert_eq!(backwards.code, 1);

    let same = rollcall(&["diff", &repo(V2), &repo(V2)]).await;
    same.assert_code(0);
    assert!(
        same.stdout
            .contains("No operation was added, removed or changed.")
    );

    let missing = rollcall(&["diff", &repo(V1), &repo("testdata/parity/nope.yaml")]).await;
    missing.assert_code(2);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_resolve_is_a_usage_error_that_says_the_syntax() {
    let run = rollcall(&[
        "check",
        &repo(V2),
        "--target",
        "http://api.test:8080",
        "--resolve",
        "api.test:8080",
    ])
    .await;
    run.assert_refused("HOST:PORT:ADDR");
}
