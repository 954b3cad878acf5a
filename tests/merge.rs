//! Sharding and merging, end to end: `check --shard I/N` puts every
//! operation in exactly one shard, the split does not move when the spec's
//! paths are reordered, and `rollcall merge` of the shard reports gives the
//! operations and verdicts of one full run (and refuses reports of another
//! spec). The binary runs against the embedded demo service on 127.0.0.1.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use rollcall::contract::Contract;
use rollcall::demo;
use rollcall::plan::filter::{self, Filter, Shard};

use crate::support;
use rollcall::report::RunReport;

use crate::support::{Run, assert_contains, read_report, repo};

async fn rollcall(args: Vec<String>) -> Run {
    support::rollcall(args, vec![]).await
}

/// `(label, verdict)` of every operation of a JSON report, in report order.
fn verdicts(report: &RunReport) -> Vec<(String, String)> {
    report
        .operations
        .iter()
        .map(|op| (op.label(), op.results[0].verdict.as_str().to_string()))
        .collect()
}

/// Runs `check` of the demo spec against `url`, writing `json`, with extra args.
async fn check(url: &str, json: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "check".to_string(),
        repo("specs/demo.yaml").display().to_string(),
        "--target".into(),
        format!("demo={url}"),
        "--json".into(),
        json.display().to_string(),
        "--quiet".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    rollcall(args).await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_operation_is_in_exactly_one_shard() {
    let server = demo::Server::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = server.url().to_string();
    let mut seen: Vec<String> = Vec::new();
    for index in 1..=3 {
        let json = dir.path().join(format!("shard-{index}.json"));
        let run = check(&url, &json, &["--shard", &format!("{index}/3")]).await;
        assert!(matches!(run.code, 0 | 1), "{}", run.stderr);
        seen.extend(
            verdicts(&read_report(&json))
                .into_iter()
                .map(|(label, _)| label),
        );
    }
    let mut expected: Vec<String> = demo::EXPECTED.iter().map(|(l, _)| l.to_string()).collect();
    expected.sort();
    seen.sort();
    assert_eq!(seen, expected, "each operation once across the shards");
    server.stop().await;
}

fn demo_contract() -> Contract {
    rollcall::contract::parse(demo::SPEC_PATH, demo::SPEC.as_bytes()).unwrap()
}

fn shard_labels(mut contract: Contract, shard: Shard) -> BTreeSet<String> {
    let filter = Filter {
        shard: Some(shard),
        ..Filter::default()
    };
    filter::keep_shard(&mut contract, &filter);
    let options = rollcall::plan::PlanOptions {
        selection: filter,
        ..Default::default()
    };
    let plan = rollcall::plan::build(&contract, &options).unwrap();
    assert!(
        plan.probes.iter().all(|p| !p.is_excluded()),
        "a shard alone excludes nothing"
    );
    contract.operations.iter().map(|op| op.label()).collect()
}

#[test]
fn shards_do_not_move_when_the_spec_paths_are_reordered() {
    let spec: Value = yaml_serde::from_str(demo::SPEC).unwrap();
    let mut reordered = spec.clone();
    let paths = spec["paths"].as_object().unwrap();
    let reversed: serde_json::Map<String, Value> = paths
        .iter()
        .rev()
        .map(|(path, item)| (path.clone(), item.clone()))
        .collect();
    reordered["paths"] = Value::Object(reversed);
    let reordered =
        rollcall::contract::parse("reordered.json", reordered.to_string().as_bytes()).unwrap();
    let original = demo_contract();
    assert_ne!(
        original.operations[0].label(),
        reordered.operations[0].label(),
        "the copy really is reordered"
    );
    for count in 1..=4 {
        for index in 1..=count {
            let shard = Shard { index, count };
            assert_eq!(
                shard_labels(demo_contract(), shard),
                shard_labels(reordered.clone(), shard),
                "shard {shard}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn merged_shard_reports_equal_one_full_run() {
    let server = demo::Server::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = server.url().to_string();
    let full = dir.path().join("full.json");
    let full_run = check(&url, &full, &[]).await;
    let (one, two) = (dir.path().join("1.json"), dir.path().join("2.json"));
    check(&url, &one, &["--shard", "1/2"]).await;
    check(&url, &two, &["--shard", "2/2"]).await;

    let merged = dir.path().join("merged.json");
    let junit = dir.path().join("merged.xml");
    let markdown = dir.path().join("merged.md");
    let run = rollcall(
        [
            "merge",
            &two.display().to_string(),
            &one.display().to_string(),
            "--json",
            &merged.display().to_string(),
            "--junit",
            &junit.display().to_string(),
            "--markdown",
            &markdown.display().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    )
    .await;
    assert_eq!(
        run.code, full_run.code,
        "same exit code as the full run\n{}",
        run.stderr
    );
    let full = read_report(&full);
    let merged_report = read_report(&merged);
    assert_eq!(
        verdicts(&merged_report),
        verdicts(&full),
        "same operations, order and verdicts"
    );
    assert_eq!(merged_report.summary, full.summary);
    let junit = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(
        junit.matches("<testcase ").count(),
        demo::EXPECTED.len(),
        "{junit}"
    );
    assert!(
        std::fs::read_to_string(&markdown)
            .unwrap()
            .contains("GET /orders")
    );
    assert_contains(&run.stdout, "FAIL");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn merge_refuses_reports_of_another_spec_or_the_same_shard_twice() {
    let server = demo::Server::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = server.url().to_string();
    let (one, two) = (dir.path().join("1.json"), dir.path().join("2.json"));
    check(&url, &one, &["--shard", "1/2"]).await;
    check(&url, &two, &["--shard", "2/2"]).await;
    let mut other = read_report(&two);
    other.spec.title = "Another API".into();
    let other_path = dir.path().join("other.json");
    std::fs::write(&other_path, serde_json::to_string(&other).unwrap()).unwrap();

    let merge = |a: &Path, b: &Path| {
        rollcall(vec![
            "merge".into(),
            a.display().to_string(),
            b.display().to_string(),
        ])
    };
    let run = merge(&one, &other_path).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_contains(&run.stderr, "another spec");
    assert_contains(&run.stderr, "Another API");

    let run = merge(&one, &one).await;
    assert_eq!(run.code, 2);
    assert_contains(&run.stderr, "same shard");

    let not_json = dir.path().join("notes.txt");
    std::fs::write(&not_json, "hello").unwrap();
    let run = merge(&one, &not_json).await;
    assert_eq!(run.code, 2);
    assert_contains(&run.stderr, "notes.txt");
    server.stop().await;
}
