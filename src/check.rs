//! Check: the whole pipeline for one run. Plans once, then for every target
//! (concurrently) runs discovery, sends the planned probes and classifies each
//! answer; the results are collected once, through the redactor, into a
//! [`RunReport`] that every renderer reads.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::contract::Contract;
use crate::plan::{self, Plan, PlanOptions};
use crate::probe::{self, Discovery, Exchange, ProbeError, ProbeOptions, Prober, Target};
use crate::redact::Redactor;
use crate::report::{
    OperationReport, RequestRecord, ResponseRecord, RunReport, SpecInfo, TargetInfo, TargetResult,
};
use crate::verdict::{self, Finding, Outcome, Verdict};

/// Exit codes, documented in the README and `--help`.
pub mod exit {
    /// Every operation is served.
    pub const SERVED: u8 = 0;
    /// At least one operation was flagged.
    pub const FLAGGED: u8 = 1;
    /// Bad input: CLI usage, unreadable or invalid spec, bad option value.
    pub const BAD_INPUT: u8 = 2;
    /// No target could be reached at all.
    pub const UNREACHABLE: u8 = 3;
}

/// How many bytes of a request or response body a report keeps.
const REPORT_BODY_EXCERPT: usize = 2048;

/// `--target [NAME=]URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSpec {
    pub name: String,
    pub url: url::Url,
}

/// Why a `--target` value was refused. Never echoes the value, which may hold
/// credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetSpecError {
    #[error(
        "not an absolute http(s) URL ({0}); expected [NAME=]URL, e.g. stable=https://api.example.com"
    )]
    BadUrl(String),
    #[error("unsupported scheme '{0}': only http and https targets can be probed")]
    Scheme(String),
    #[error("empty target name before '='")]
    EmptyName,
}

impl FromStr for TargetSpec {
    type Err = TargetSpecError;

    fn from_str(value: &str) -> Result<TargetSpec, TargetSpecError> {
        // A name never contains ':' or '/', so `https://h/?a=b` is not NAME=URL.
        let (name, raw_url) = match value.split_once('=') {
            Some((name, rest)) if !name.contains([':', '/']) => (Some(name.trim()), rest.trim()),
            _ => (None, value.trim()),
        };
        if name == Some("") {
            return Err(TargetSpecError::EmptyName);
        }
        let url = url::Url::parse(raw_url).map_err(|e| TargetSpecError::BadUrl(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(TargetSpecError::Scheme(url.scheme().to_string()));
        }
        let name = match name {
            Some(name) => name.to_string(),
            None => match (url.host_str(), url.port()) {
                (Some(host), Some(port)) => format!("{host}:{port}"),
                (Some(host), None) => host.to_string(),
                (None, _) => return Err(TargetSpecError::BadUrl("no host".into())),
            },
        };
        Ok(TargetSpec { name, url })
    }
}

impl fmt::Display for TargetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.url)
    }
}

/// Runs every planned probe against every target and collects the report.
pub async fn run(
    contract: Arc<Contract>,
    plan: Arc<Plan>,
    targets: &[TargetSpec],
    probe_options: &ProbeOptions,
    credentials_given: bool,
    redactor: &Redactor,
) -> Result<RunReport, ProbeError> {
    let started = Instant::now();
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();

    let mut tasks = tokio::task::JoinSet::new();
    for (index, spec) in targets.iter().enumerate() {
        let target = Target {
            name: spec.name.clone(),
            base_url: plan::base_url(&spec.url, &contract),
        };
        let options = ProbeOptions {
            discovery_headers: plan.discovery_headers.clone(),
            ..probe_options.clone()
        };
        let prober = Prober::new(target.clone(), options)?;
        let contract = Arc::clone(&contract);
        let plan = Arc::clone(&plan);
        tasks.spawn(async move {
            let outcome = probe_target(&prober, &contract, &plan, credentials_given).await;
            (index, target, outcome)
        });
    }
    let mut per_target: Vec<Option<(Target, TargetOutcome)>> = vec![None; targets.len()];
    while let Some(joined) = tasks.join_next().await {
        let (index, target, outcome) = joined.map_err(|e| ProbeError::Client(e.to_string()))?;
        per_target[index] = Some((target, outcome));
    }
    let per_target: Vec<(Target, TargetOutcome)> = per_target.into_iter().flatten().collect();

    Ok(assemble(
        &contract,
        &plan,
        &per_target,
        redactor,
        started_at,
        started.elapsed(),
    ))
}

/// Whether the user gave credentials: `--auth`, or a header that carries them.
pub fn carries_credentials(options: &PlanOptions) -> bool {
    !options.credentials.is_empty()
        || options.headers.iter().any(|(name, _)| {
            ["authorization", "cookie", "x-api-key"].contains(&name.to_ascii_lowercase().as_str())
        })
}

/// What one target answered: discovery, and per operation the finding and the
/// exchange that decided it.
#[derive(Debug, Clone)]
struct TargetOutcome {
    discovery: Discovery,
    results: Vec<(Finding, Option<Exchange>)>,
}

async fn probe_target(
    prober: &Prober,
    contract: &Contract,
    plan: &Plan,
    credentials_given: bool,
) -> TargetOutcome {
    let discovery = probe::discover(prober, contract).await;
    let requests = plan
        .probes
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.request.as_ref().map(|r| (i, r)));
    let mut exchanges: Vec<Option<Exchange>> = vec![None; plan.probes.len()];
    for (index, exchange) in prober.probe_all(requests).await {
        exchanges[index] = Some(exchange);
    }
    let results = plan
        .probes
        .iter()
        .zip(exchanges)
        .map(|(planned, exchange)| {
            let context = verdict::Context {
                operation: &contract.operations[planned.operation],
                probe: planned,
                discovery: &discovery,
                credentials_given,
            };
            (verdict::classify(&context, exchange.as_ref()), exchange)
        })
        .collect();
    TargetOutcome { discovery, results }
}

fn assemble(
    contract: &Contract,
    plan: &Plan,
    per_target: &[(Target, TargetOutcome)],
    redactor: &Redactor,
    started_at: String,
    elapsed: Duration,
) -> RunReport {
    let operations = plan
        .probes
        .iter()
        .enumerate()
        .map(|(probe_index, planned)| {
            let op = &contract.operations[planned.operation];
            let results = per_target
                .iter()
                .map(|(target, outcome)| {
                    let (finding, exchange) = &outcome.results[probe_index];
                    target_result(&target.name, finding, exchange.as_ref(), redactor)
                })
                .collect();
            OperationReport {
                method: op.method,
                path: op.path.clone(),
                operation_id: op.operation_id.clone(),
                tags: op.tags.clone(),
                line: op.location.line,
                results,
            }
        })
        .collect::<Vec<_>>();

    let mut report = RunReport {
        tool: "rollcall".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        mode: plan.mode,
        spec: SpecInfo {
            path: redactor.url(&contract.source),
            title: contract.title.clone(),
            version: contract.version.clone(),
            openapi: contract.spec_version.clone(),
        },
        targets: per_target
            .iter()
            .map(|(target, outcome)| TargetInfo {
                name: target.name.clone(),
                base_url: redactor.url(target.base_url.as_str()),
                discovery: outcome
                    .discovery
                    .notes
                    .iter()
                    .map(|n| redactor.text(n))
                    .collect(),
            })
            .collect(),
        operations,
        summary: BTreeMap::new(),
        warnings: contract
            .warnings
            .iter()
            .map(|w| redactor.text(&w.to_string()))
            .collect(),
        started_at,
        duration_ms: elapsed.as_millis() as u64,
    };
    report.summary = report.verdict_counts();
    report
}

fn target_result(
    target: &str,
    finding: &Finding,
    exchange: Option<&Exchange>,
    redactor: &Redactor,
) -> TargetResult {
    let request = exchange.map(|x| RequestRecord {
        method: x.request.method,
        url: redactor.url(&x.request.url),
        headers: x
            .request
            .headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), redactor.header_value(n, v)))
            .collect(),
        body: x
            .request
            .body
            .as_ref()
            .map(|b| redactor.text(&excerpt(&b.bytes).0)),
    });
    let response = exchange.and_then(|x| x.outcome.as_ref().ok()).map(|r| {
        let (body, cut) = excerpt(&r.body);
        ResponseRecord {
            status: r.status,
            headers: r
                .headers
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), redactor.header_value(n, v)))
                .collect(),
            body: redactor.text(&body),
            truncated: cut || r.truncated,
        }
    });
    TargetResult {
        target: target.to_string(),
        verdict: finding.verdict,
        rule: finding.rule.to_string(),
        status: response.as_ref().map(|r| r.status),
        evidence: redactor.text(&finding.evidence),
        elapsed_ms: exchange.map_or(0, |x| x.elapsed.as_millis() as u64),
        request,
        response,
    }
}

/// The first bytes of a body as text, and whether it was cut.
fn excerpt(bytes: &[u8]) -> (String, bool) {
    let cut = bytes.len() > REPORT_BODY_EXCERPT;
    let shown = &bytes[..bytes.len().min(REPORT_BODY_EXCERPT)];
    (String::from_utf8_lossy(shown).into_owned(), cut)
}

/// The exit code a finished run deserves: 3 when no target answered at all,
/// 1 when any operation was flagged (or, with `strict`, left inconclusive), else 0.
pub fn exit_code(report: &RunReport, strict: bool) -> u8 {
    let results: Vec<&TargetResult> = report.operations.iter().flat_map(|o| &o.results).collect();
    let reached = |name: &str| {
        results
            .iter()
            .any(|r| r.target == name && r.verdict != Verdict::Unreachable && r.request.is_some())
    };
    let any_probe_sent = results.iter().any(|r| r.request.is_some());
    if any_probe_sent && !report.targets.iter().any(|t| reached(&t.name)) {
        return exit::UNREACHABLE;
    }
    let failing = |r: &&TargetResult| match r.verdict.outcome() {
        Outcome::Fail | Outcome::Error => true,
        Outcome::Inconclusive => strict,
        Outcome::Pass => false,
    };
    if results.iter().any(failing) {
        exit::FLAGGED
    } else {
        exit::SERVED
    }
}

/// Builds the plan, shared by `check`, `list` and `demo`.
pub fn build_plan(contract: &Contract, options: &PlanOptions) -> Result<Plan, plan::PlanError> {
    plan::build(contract, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_with_name_keeps_name_and_url() {
        let t: TargetSpec = "canary=http://127.0.0.1:8080/api".parse().unwrap();
        assert_eq!(t.name, "canary");
        assert_eq!(t.url.as_str(), "http://127.0.0.1:8080/api");
    }

    #[test]
    fn target_without_name_is_named_after_host_and_port() {
        let t: TargetSpec = "http://127.0.0.1:8080".parse().unwrap();
        assert_eq!(t.name, "127.0.0.1:8080");
        let t: TargetSpec = "https://api.example.com/x?a=b".parse().unwrap();
        assert_eq!(t.name, "api.example.com");
    }

    #[test]
    fn malformed_target_is_refused_without_echoing_credentials() {
        let err = "prod=ftp://user:hunter2@host"
            .parse::<TargetSpec>()
            .unwrap_err();
        assert!(matches!(err, TargetSpecError::Scheme(_)));
        assert!(!err.to_string().contains("hunter2"));
        let err = "prod=not a url".parse::<TargetSpec>().unwrap_err();
        assert!(matches!(err, TargetSpecError::BadUrl(_)));
        assert!(matches!(
            "=http://h".parse::<TargetSpec>(),
            Err(TargetSpecError::EmptyName)
        ));
    }
}
