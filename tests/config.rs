//! `rollcall.toml` and operation selection, end to end: the real binary run
//! in a temporary folder against the embedded demo service on 127.0.0.1.
//! Covers precedence (file vs flags), errors that name key and line, known
//! gaps before and after their date (with `ROLLCALL_TODAY`), expected
//! verdicts, per-operation request values, secrets from the environment,
//! and --include/--exclude.

use std::path::Path;

use serde_json::Value;

use rollcall::demo;
use rollcall::plan::Mode;
use rollcall::report::AllowanceKind;

use crate::support;
use crate::support::{Run, assert_contains, labels, read_report, repo, result_of};

/// Runs the binary in `dir`, where it looks for rollcall.toml.
async fn rollcall(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = support::command(args);
    command.current_dir(dir).envs(env.iter().copied());
    support::run(command).await
}

fn write_config(dir: &Path, text: &str) {
    std::fs::write(dir.join("rollcall.toml"), text).unwrap();
}

/// The demo spec and the service's URL as TOML lines.
fn base_config(server: &demo::Server) -> String {
    format!(
        "spec = {:?}\n\n[targets]\ndemo = {:?}\n",
        repo("specs/demo.yaml").display().to_string(),
        server.url().to_string()
    )
}

/// The demo operations that fail (not served) as the service is built.
const DEMO_FAILURES: [&str; 6] = [
    "PATCH /pets/{petId}",
    "GET /pets/{petId}/vaccinations",
    "GET /pets/{petId}/owner",
    "GET /orders",
    "POST /orders",
    "GET /orders/{orderId}",
];

#[tokio::test(flavor = "multi_thread")]
async fn config_file_alone_supplies_spec_targets_and_settings() {
    let server = demo::Server::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &format!(
            "mode = \"live\"\ntimeout = \"5s\"\n{}",
            base_config(&server)
        ),
    );
    let run = rollcall(dir.path(), &["check", "--json", "report.json"], &[]).await;
    assert_eq!(run.code, 1, "the demo has gaps\n{}", run.all_output());
    let report = read_report(&dir.path().join("report.json"));
    assert_eq!(report.mode, Mode::Live);
    assert_eq!(report.targets[0].name, "demo");
    for (label, verdict) in demo::EXPECTED {
        assert_eq!(
            result_of(&report, label).verdict.as_str(),
            verdict.as_str(),
            "{label}"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn flags_override_the_config_file() {
    let server = demo::Server::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The file's spec and target would fail loudly if they were used.
    write_config(
        dir.path(),
        "spec = \"no-such-spec.yaml\"\nmode = \"live\"\n\n[targets]\ndead = \"http://127.0.0.1:9\"\n",
    );
    let spec = repo("specs/demo.yaml").display().to_string();
    let target = format!("demo={}", server.url());
    let run = rollcall(
        dir.path(),
        &[
            "check",
            &spec,
            "--target",
            &target,
            "--mode",
            "safe",
            "--json",
            "report.json",
        ],
        &[],
    )
    .await;
    run.assert_code(1);
    let report = read_report(&dir.path().join("report.json"));
    assert_eq!(report.mode, Mode::Safe, "--mode beats the file's mode");
    assert_eq!(report.targets.len(), 1);
    assert_eq!(report.targets[0].name, "demo");
    assert_eq!(server.state_changes(), 0, "safe mode, as the flag said");
    server.stop().await;
}

/// A `true` in the file is turned off for one run by its `--no-` flag.
#[tokio::test(flavor = "multi_thread")]
async fn no_flags_turn_off_what_the_file_turns_on() {
    let server = demo::Server::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &format!("strict = true\n{}", base_config(&server)),
    );
    let strict = rollcall(dir.path(), &["check", "--json", "strict.json"], &[]).await;
    assert!(
        strict.stdout.contains("failing: --strict)"),
        "{}",
        strict.all_output()
    );
    assert!(read_report(&dir.path().join("strict.json")).gate.strict);

    let relaxed = rollcall(
        dir.path(),
        &["check", "--no-strict", "--json", "relaxed.json"],
        &[],
    )
    .await;
    assert!(
        !relaxed.stdout.contains("--strict"),
        "{}",
        relaxed.all_output()
    );
    assert!(
        !read_report(&dir.path().join("relaxed.json")).gate.strict,
        "the default gate"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn explicit_config_that_does_not_exist_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = rollcall(
        dir.path(),
        &[
            "check",
            "--config",
            "missing.toml",
            "spec.yaml",
            "-t",
            "http://127.0.0.1:9",
        ],
        &[],
    )
    .await;
    run.assert_refused("missing.toml: no such file");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_spec_and_target_are_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let run = rollcall(dir.path(), &["check"], &[]).await;
    assert_eq!(run.code, 2);
    assert_contains(&run.stderr, "no spec");
    let run = rollcall(dir.path(), &["check", "spec.yaml"], &[]).await;
    assert_eq!(run.code, 2);
    assert_contains(&run.stderr, "no target");
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_config_names_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        "spec = \"a.yaml\"\n\n[operations.getPet]\nexpect = \"gone\"\n",
    );
    let run = rollcall(dir.path(), &["check"], &[]).await;
    run.assert_refused("rollcall.toml:4: operations.getPet.expect:");
    assert_contains(&run.stderr, "gone");
}

#[tokio::test(flavor = "multi_thread")]
async fn literal_secret_in_config_is_refused_and_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        "spec = \"a.yaml\"\n[auth]\nbearerAuth = \"literal-secret-789\"\n",
    );
    let run = rollcall(dir.path(), &["check"], &[]).await;
    assert_eq!(run.code, 2);
    assert_contains(&run.stderr, "rollcall.toml:3: auth.bearerAuth");
    assert!(!run.all_output().contains("literal-secret-789"));
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_from_an_environment_reference_is_applied_and_masked() {
    let server = demo::Server::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &format!(
            "{}\n[auth]\nbearerAuth = {{ env = \"DEMO_TOKEN\" }}\n",
            base_config(&server)
        ),
    );
    let run = rollcall(
        dir.path(),
        &["check", "--verbose", "--json", "r.json", "--junit", "r.xml"],
        &[("DEMO_TOKEN", demo::ADMIN_TOKEN)],
    )
    .await;
    let report = read_report(&dir.path().join("r.json"));
    assert_eq!(
        result_of(&report, "GET /admin/stats").verdict.as_str(),
        "implemented",
        "{}",
        run.all_output()
    );
    for out in [
        run.all_output(),
        std::fs::read_to_string(dir.path().join("r.json")).unwrap(),
        std::fs::read_to_string(dir.path().join("r.xml")).unwrap(),
    ] {
        assert!(!out.contains(demo::ADMIN_TOKEN), "token leaked:\n{out}");
    }

    let run = rollcall(dir.path(), &["check"], &[]).await;
    assert_eq!(run.code, 2, "an unset variable is an error");
    assert_contains(&run.stderr, "DEMO_TOKEN");
    server.stop().await;
}

/// `secret_headers` is `--secret-header` in the file: a header named there
/// has its value masked in every output of `check` and `list`, and may not
/// be written as a literal.
#[tokio::test(flavor = "multi_thread")]
async fn secret_headers_in_the_config_are_masked_like_the_flag() {
    const TENANT: &str = "tenant-credential-31337";
    let server = demo::Server::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "secret_headers = [\"X-Tenant-Id\"]\n{}\n[headers]\nX-Tenant-Id = {{ env = \"TENANT\" }}\n",
        base_config(&server)
    );
    write_config(dir.path(), &config);
    let env = [("TENANT", TENANT)];
    let check = rollcall(
        dir.path(),
        &["check", "--verbose", "--json", "r.json", "--junit", "r.xml"],
        &env,
    )
    .await;
    assert_eq!(check.code, 1, "the demo has gaps\n{}", check.all_output());
    let list = rollcall(dir.path(), &["list"], &env).await;
    assert_contains(&list.stdout, "X-Tenant-Id: ***");
    let json = std::fs::read_to_string(dir.path().join("r.json")).unwrap();
    assert!(
        json.contains("\"x-tenant-id\": \"***\""),
        "the header was sent: {json}"
    );
    for out in [
        check.all_output(),
        list.all_output(),
        json,
        std::fs::read_to_string(dir.path().join("r.xml")).unwrap(),
    ] {
        assert!(!out.contains(TENANT), "the credential leaked:\n{out}");
    }

    write_config(
        dir.path(),
        &config.replace("{ env = \"TENANT\" }", &format!("{TENANT:?}")),
    );
    let refused = rollcall(dir.path(), &["check"], &[]).await;
    refused.assert_code(2);
    assert_contains(
        &refused.stderr,
        ": headers.X-Tenant-Id: a credential header",
    );
    assert!(!refused.all_output().contains(TENANT));
    server.stop().await;
}

fn known_gaps(until: &str) -> String {
    let mut text = String::new();
    for label in DEMO_FAILURES {
        text.push_str(&format!(
            "\n[[known_gaps]]\noperation = {label:?}\nreason = \"ships in 2.4\"\nuntil = \"{until}\"\n"
        ));
    }
    // Served already: the report must ask to remove it.
    text.push_str(
        "\n[[known_gaps]]\noperation = \"health\"\nreason = \"was flaky\"\nuntil = \"2027-01-31\"\n",
    );
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn known_gaps_keep_the_run_green_until_their_date_then_fail_it() {
    let server = demo::Server::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &format!("{}{}", base_config(&server), known_gaps("2027-01-31")),
    );
    let outputs = ["--json", "r.json", "--junit", "r.xml", "--markdown", "r.md"];
    let mut args = vec!["check"];
    args.extend(outputs);

    let run = rollcall(dir.path(), &args, &[("ROLLCALL_TODAY", "2027-01-31")]).await;
    assert_eq!(
        run.code,
        0,
        "open known gaps do not fail\n{}",
        run.all_output()
    );
    let report = read_report(&dir.path().join("r.json"));
    let gap = result_of(&report, "GET /orders");
    assert_eq!(
        gap.verdict.as_str(),
        "missing_route",
        "the verdict is still reported"
    );
    assert_eq!(
        gap.allowance.as_ref().map(|a| a.kind),
        Some(AllowanceKind::KnownGap)
    );
    assert_eq!(
        gap.allowance.as_ref().unwrap().message,
        "known gap: ships in 2.4, until 2027-01-31"
    );
    let junit = std::fs::read_to_string(dir.path().join("r.xml")).unwrap();
    assert!(
        junit.contains("<skipped message=\"known gap: ships in 2.4, until 2027-01-31\""),
        "{junit}"
    );
    assert!(!junit.contains("<failure"), "{junit}");
    assert_contains(&run.stdout, "fixed: remove it from known gaps");
    assert_contains(&run.stdout, "known gap: ships in 2.4");
    let markdown = std::fs::read_to_string(dir.path().join("r.md")).unwrap();
    assert!(
        markdown.contains("fixed: remove it from known gaps"),
        "{markdown}"
    );
    assert_eq!(
        result_of(&report, "GET /health")
            .allowance
            .as_ref()
            .map(|a| a.kind),
        Some(AllowanceKind::Fixed)
    );

    let run = rollcall(dir.path(), &args, &[("ROLLCALL_TODAY", "2027-02-01")]).await;
    assert_eq!(
        run.code,
        1,
        "expired known gaps fail again\n{}",
        run.all_output()
    );
    let report = read_report(&dir.path().join("r.json"));
    assert_eq!(
        result_of(&report, "GET /orders")
            .allowance
            .as_ref()
            .map(|a| a.kind),
        Some(AllowanceKind::Expired)
    );
    assert_contains(&run.stdout, "known gap expired on 2027-01-31");
    let junit = std::fs::read_to_string(dir.path().join("r.xml")).unwrap();
    assert!(junit.contains("<failure"), "{junit}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn expected_verdict_passes_and_filters_report_the_rest_as_skipped() {
    let server = demo::Server::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &format!(
            "{}\n[operations.\"GET /pets/{{petId}}/vaccinations\"]\nexpect = \"not_implemented\"\n",
            base_config(&server)
        ),
    );
    let run = rollcall(
        dir.path(),
        &[
            "check",
            "--include",
            "tag:pets",
            "--exclude",
            "method:PATCH",
            "--exclude",
            "id:getOwner",
            "--json",
            "r.json",
        ],
        &[],
    )
    .await;
    run.assert_code(0);
    let report = read_report(&dir.path().join("r.json"));
    let vaccinations = result_of(&report, "GET /pets/{petId}/vaccinations");
    assert_eq!(vaccinations.verdict.as_str(), "not_implemented");
    assert_eq!(
        vaccinations.allowance.as_ref().map(|a| a.kind),
        Some(AllowanceKind::Expected)
    );
    for label in [
        "GET /orders",
        "PATCH /pets/{petId}",
        "GET /pets/{petId}/owner",
    ] {
        let skipped = result_of(&report, label);
        assert_eq!(skipped.verdict.as_str(), "skipped", "{label}");
        assert_eq!(skipped.rule, "excluded-by-filter", "{label}");
        assert!(skipped.request.is_none(), "{label} was not probed");
    }
    assert_eq!(
        result_of(&report, "GET /pets").verdict.as_str(),
        "implemented"
    );
    let labels = labels(&report);
    let expected: Vec<&str> = demo::EXPECTED.iter().map(|(l, _)| *l).collect();
    assert_eq!(labels, expected, "every operation, in contract order");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn per_operation_values_reach_the_request() {
    let server = demo::Server::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &format!(
            "{}\n[operations.getPet]\nparameters = {{ petId = 4242 }}\nheaders = {{ X-Probe = \"from-config\" }}\n\
             [operations.\"GET /nowhere\"]\nskip = \"typo\"\n",
            base_config(&server)
        ),
    );
    let run = rollcall(dir.path(), &["check", "--json", "r.json"], &[]).await;
    let report = read_report(&dir.path().join("r.json"));
    let request = result_of(&report, "GET /pets/{petId}")
        .request
        .as_ref()
        .expect("a request was sent");
    assert!(request.url.ends_with("/pets/4242"), "{request:?}");
    assert_eq!(request.headers["x-probe"], "from-config");
    assert_contains(
        &run.stderr,
        "operations.\"GET /nowhere\" names no operation",
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_filter_rule_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let spec = repo("specs/demo.yaml").display().to_string();
    let run = rollcall(
        dir.path(),
        &[
            "check",
            &spec,
            "-t",
            "http://127.0.0.1:9",
            "--include",
            "colour:red",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 2);
    assert_contains(&run.stderr, "--include: 'colour:red'");
}

#[tokio::test(flavor = "multi_thread")]
async fn stub_settings_in_the_config_reach_the_verdicts() {
    let server = demo::Server::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &format!("stub_detection = false\n{}", base_config(&server)),
    );
    rollcall(dir.path(), &["check", "--json", "r.json"], &[]).await;
    let report = read_report(&dir.path().join("r.json"));
    assert_eq!(
        result_of(&report, "GET /pets/{petId}/owner")
            .verdict
            .as_str(),
        "implemented",
        "with detection off a 2xx placeholder counts as served"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn list_shows_exactly_the_requests_check_sends_with_the_same_config() {
    let server = demo::Server::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &format!(
            "mode = \"live\"\nexclude = [\"method:PATCH\"]\n{}\n[headers]\nX-Tenant = \"acme\"\n\
             [auth]\nbearerAuth = {{ env = \"DEMO_TOKEN\" }}\n\
             [operations.getPet]\nparameters = {{ petId = 4242 }}\n\
             [operations.getOwner]\nskip = \"owners live elsewhere\"\n",
            base_config(&server)
        ),
    );
    let token = [("DEMO_TOKEN", demo::ADMIN_TOKEN)];
    let list = rollcall(dir.path(), &["list", "--json"], &token).await;
    list.assert_code(0);
    assert!(
        !list.all_output().contains(demo::ADMIN_TOKEN),
        "token leaked"
    );
    let listing: Value = serde_json::from_str(&list.stdout).expect("JSON");
    assert_eq!(listing["mode"], "live", "the file's mode");

    let check = rollcall(dir.path(), &["check", "--json", "r.json"], &token).await;
    check.assert_code(1);
    let report = read_report(&dir.path().join("r.json"));

    let listed = listing["operations"].as_array().unwrap();
    let checked = &report.operations;
    assert_eq!(listed.len(), checked.len(), "the same operations");
    for (entry, operation) in listed.iter().zip(checked) {
        let label = operation.label();
        assert_eq!(
            (entry["method"].as_str(), entry["path"].as_str()),
            (
                Some(operation.method.as_str()),
                Some(operation.path.as_str())
            ),
            "in the same order"
        );
        let result = &operation.results[0];
        let planned = &entry["request"];
        if result.rule == "excluded-by-filter" {
            assert_eq!(entry["intent"]["kind"], "skipped", "{label}");
            assert_eq!(
                entry["intent"]["reason"], result.evidence,
                "{label}: listed with the reason check reports"
            );
        }
        let sent = &result.request;
        assert_eq!(
            planned.is_null(),
            sent.is_none(),
            "{label}: {planned} {sent:?}"
        );
        let Some(sent) = sent else {
            continue;
        };
        assert_eq!(
            planned["method"].as_str(),
            Some(sent.method.as_str()),
            "{label}"
        );
        let path_and_query = planned["path_and_query"].as_str().unwrap();
        assert!(
            sent.url.ends_with(path_and_query),
            "{label}: listed {path_and_query}, sent {}",
            sent.url
        );
        for header in planned["headers"].as_array().unwrap() {
            let name = header["name"].as_str().unwrap().to_ascii_lowercase();
            assert_eq!(
                sent.headers.get(&name).map(String::as_str),
                header["value"].as_str(),
                "{label}: {name}"
            );
        }
    }
    let get_pet = listed
        .iter()
        .find(|e| e["operation_id"] == "getPet")
        .unwrap();
    assert_eq!(get_pet["request"]["path_and_query"], "/pets/4242");
    let headers = get_pet["request"]["headers"].to_string();
    assert!(
        headers.contains("X-Tenant") && headers.contains("acme"),
        "{headers}"
    );
    let patch = listed.iter().find(|e| e["method"] == "PATCH").unwrap();
    assert!(patch["request"].is_null(), "excluded: nothing sent");
    let owner = listed
        .iter()
        .find(|e| e["operation_id"] == "getOwner")
        .unwrap();
    assert_eq!(
        owner["intent"]["reason"],
        "GET /pets/{petId}/owner is skipped in rollcall.toml: owners live elsewhere"
    );

    // The text listing says the same; and a flag still wins over the file.
    let text = rollcall(dir.path(), &["list", "--mode", "safe"], &token).await;
    assert_contains(&text.stdout, "safe mode");
    assert_contains(&text.stdout, "skipped: GET /pets/{petId}/owner is skipped");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn list_refuses_a_malformed_config_like_check() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "spec = \"openapi.yaml\"\nmode = \"fast\"\n");
    let run = rollcall(dir.path(), &["list"], &[]).await;
    run.assert_refused("rollcall.toml:2: mode");
}
