//! Check: the whole pipeline for one run. Plans once, then for every target
//! (concurrently) runs discovery, sends the planned probes phase by phase
//! ([`plan::order`]: in live mode creations, then reads and changes, then
//! removals) and classifies each answer; the results are collected once,
//! through the redactor, into a [`RunReport`] that every renderer reads.
//! [`exit_code`] turns a finished report into the exit code its [`Gate`]
//! gives.
//!
//! [`execute`] is the run as one call, from a [`CheckRequest`] (loading,
//! the release diff, selection and planning before this module's [`run`]);
//! [`followup`] owns the follow-up loop of each target.

mod execute;
pub mod followup;

pub use execute::{
    CheckError, CheckRequest, Listing, Observer, Silent, diff_contracts, execute, plan_listing,
};

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::contract::Contract;
use crate::contract::diff::{ContractDiff, ReleaseChange};
pub use crate::plan::target::{BasePathSpec, TargetSpec, TargetSpecError, apply_base_paths};
use crate::plan::{self, Plan, PlanOptions, PlannedProbe};
use crate::probe::resolve::{self, ResolveError, ResolveOverride};
use crate::probe::{self, Discovery, Exchange, ProbeError, ProbeOptions, Prober, Target};
use crate::redact::Redactor;
pub use crate::report::Gate;
use crate::report::{
    OperationReport, RequestRecord, ResponseRecord, RunReport, SpecInfo, TargetInfo, TargetResult,
};
use crate::verdict::{self, Finding, Verdict};

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

/// Everything a run needs besides the contract, its plan and the redactor:
/// where to send the probes, how, how often, and how to judge the answers.
/// `RunOptions { targets, ..RunOptions::default() }` probes each target once
/// with the default client and verdict settings.
#[derive(Clone)]
pub struct RunOptions {
    /// The targets, each probed concurrently with the others (after
    /// [`expand_targets`], when `--resolve`/`--each-address` apply).
    pub targets: Vec<TargetSpec>,
    /// The HTTP client's settings; discovery headers and connect addresses
    /// are filled in per target from the plan and [`TargetSpec::connect_to`].
    pub probe: ProbeOptions,
    /// Whether the user gave credentials ([`carries_credentials`]): a 401 is
    /// then a rejected credential, not merely a protected route.
    pub credentials_given: bool,
    /// Rounds per target (`--repeat`), one after another: an operation whose
    /// verdict differs between rounds is [`Verdict::Inconsistent`], with the
    /// split in its evidence. 0 counts as 1.
    pub repeat: usize,
    /// `--stub-phrase`, `--no-stub-detection`.
    pub verdict: verdict::Settings,
    /// `--strict`, `--parity-only`: what the report's PASS/FAIL line and
    /// [`exit_code`] hold it to.
    pub gate: Gate,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            targets: Vec::new(),
            probe: ProbeOptions::default(),
            credentials_given: false,
            repeat: 1,
            verdict: verdict::Settings::default(),
            gate: Gate::default(),
        }
    }
}

/// Runs every planned probe against every target and collects the report,
/// every text in it passed through `redactor`.
pub async fn run(
    contract: Arc<Contract>,
    plan: Arc<Plan>,
    options: &RunOptions,
    redactor: &Redactor,
) -> Result<RunReport, ProbeError> {
    let targets = &options.targets;
    let repeat = options.repeat.max(1);
    let credentials_given = options.credentials_given;
    let started = Instant::now();
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();

    let order = Arc::new(plan::order::of(&contract, &plan));
    // What discovery asks depends on the contract and the plan only: decided
    // once, not per target and round.
    let discovery_plan = Arc::new(probe::DiscoveryPlan::new(&contract, &plan));
    // Instances behind one load balancer often share one store: no target's
    // removals start before every target has sent the probes they could
    // take something from.
    let removal_gate = (targets.len() > 1 && order.has_removals())
        .then(|| Arc::new(RemovalGate::new(targets.len())));
    // Every request is checked against every target before the first is
    // sent: one that cannot be sent is bad input, not an unreachable target.
    let mut probers = Vec::with_capacity(targets.len());
    for spec in targets {
        let target = Target {
            name: spec.name.clone(),
            base_url: spec.base(&contract).url,
        };
        let probe_options = ProbeOptions {
            discovery_headers: plan.discovery_headers.clone(),
            connect_to: spec.connect_to.clone(),
            ..options.probe.clone()
        };
        let prober = Prober::new(target.clone(), probe_options)?;
        if let Some(error) = first_unsendable(&prober, &contract, &plan) {
            return Err(error);
        }
        probers.push((target, prober));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (index, (target, prober)) in probers.into_iter().enumerate() {
        let contract = Arc::clone(&contract);
        let plan = Arc::clone(&plan);
        let order = Arc::clone(&order);
        let discovery_plan = Arc::clone(&discovery_plan);
        let settings = options.verdict.clone();
        let mut arrival = removal_gate.as_ref().map(Arrival::new);
        tasks.spawn(async move {
            // Rounds run one after another, so that through a load balancer
            // each round's requests can land on other instances. A resource
            // can be removed only once: removals go in the last round only.
            let mut rounds = Vec::with_capacity(repeat);
            for round in 1..=repeat {
                let last = round == repeat;
                let target = Probing {
                    prober: &prober,
                    contract: &contract,
                    plan: &plan,
                    order: &order,
                    discovery_plan: &discovery_plan,
                    credentials_given,
                    settings: &settings,
                };
                let arrival = if last { arrival.take() } else { None };
                rounds.push(probe_target(&target, last, arrival).await);
            }
            (index, target, merge_rounds(rounds))
        });
    }
    let mut per_target: Vec<Option<(Target, TargetOutcome)>> = vec![None; targets.len()];
    while let Some(joined) = tasks.join_next().await {
        let (index, target, outcome) = joined.map_err(|e| ProbeError::Client(e.to_string()))?;
        per_target[index] = Some((target, outcome));
    }
    let per_target: Vec<(Target, TargetOutcome)> = per_target.into_iter().flatten().collect();

    let mut report = assemble(
        &contract,
        &plan,
        &per_target,
        redactor,
        started_at,
        started.elapsed(),
    );
    report.gate = options.gate.clone();
    let budget = &options.probe.retry_budget;
    if budget.ran_out() {
        report.warnings.push(format!(
            "the retry budget ({} of waiting in all, --retry-budget) was spent: later \
             answers asking to come back later (429, 503 with Retry-After) are reported as \
             they were answered",
            humantime::format_duration(budget.total())
        ));
    }
    Ok(report)
}

/// The first planned request that cannot be sent to `prober`'s target
/// ([`Prober::unsendable`]), as the error that names its operation.
fn first_unsendable(prober: &Prober, contract: &Contract, plan: &Plan) -> Option<ProbeError> {
    plan.probes.iter().find_map(|planned| {
        let reason = prober.unsendable(planned.request.as_ref()?)?;
        let op = &contract.operations[planned.operation];
        let place = match op.location.line {
            Some(line) => format!("{}:{line}", op.location.file),
            None => op.location.file.clone(),
        };
        let mut label = crate::printable::line(&op.label());
        if label.chars().count() > 100 {
            label = label.chars().take(100).collect::<String>() + "…";
        }
        Some(ProbeError::Unsendable {
            operation: format!("{place}: {label}"),
            target: prober.target().name.clone(),
            reason,
        })
    })
}

/// Whether the user gave credentials: `--auth`, or an `-H` header that
/// carries one, as the run's `redactor` judges headers
/// ([`Redactor::is_credential_header`]: the same headers are masked).
pub fn carries_credentials(options: &PlanOptions, redactor: &Redactor) -> bool {
    !options.credentials.is_empty()
        || options
            .headers
            .iter()
            .any(|(name, _)| redactor.is_credential_header(name))
}

/// What one target answered: discovery, and per operation the finding and the
/// exchange that decided it.
#[derive(Debug, Clone)]
struct TargetOutcome {
    discovery: Discovery,
    results: Vec<(Finding, Option<Exchange>)>,
}

/// What one round of one target answered; `None` for a probe the round did
/// not send (a removal, before the last round of a live `--repeat`).
#[derive(Debug, Clone)]
struct RoundOutcome {
    discovery: Discovery,
    results: Vec<Option<(Finding, Option<Exchange>)>>,
}

/// One outcome from the rounds of the same target: per operation, the
/// first round's result that was sent, except that an operation whose
/// verdicts differ between rounds gets the [`Verdict::Inconsistent`]
/// finding and the exchange that shows it best. The last round sends every
/// probe, so every operation has a result.
fn merge_rounds(rounds: Vec<RoundOutcome>) -> TargetOutcome {
    let discovery = rounds
        .first()
        .map(|round| round.discovery.clone())
        .unwrap_or_default();
    let count = rounds.iter().map(|r| r.results.len()).max().unwrap_or(0);
    let mut results = Vec::with_capacity(count);
    for index in 0..count {
        let samples: Vec<(verdict::repeats::Sample, &(Finding, Option<Exchange>))> = rounds
            .iter()
            .filter_map(|round| round.results.get(index)?.as_ref())
            .map(|result| {
                let status = result
                    .1
                    .as_ref()
                    .and_then(|x| x.outcome.as_ref().ok())
                    .map(|r| r.status);
                let sample = verdict::repeats::Sample {
                    verdict: result.0.verdict,
                    status,
                };
                (sample, result)
            })
            .collect();
        let verdicts: Vec<verdict::repeats::Sample> = samples.iter().map(|(s, _)| *s).collect();
        let merged = match verdict::repeats::merge(&verdicts) {
            Some((shown, finding)) => Some((finding, samples[shown].1.1.clone())),
            None => samples.first().map(|(_, result)| (*result).clone()),
        };
        results.extend(merged);
    }
    TargetOutcome { discovery, results }
}

/// What every round of one target reads.
struct Probing<'a> {
    prober: &'a Prober,
    contract: &'a Contract,
    plan: &'a Plan,
    /// The plan's phases ([`plan::order`]).
    order: &'a plan::order::Order,
    /// What discovery asks ([`probe::DiscoveryPlan`]), decided once per run.
    discovery_plan: &'a probe::DiscoveryPlan,
    credentials_given: bool,
    settings: &'a verdict::Settings,
}

/// Holds every target's removals until every target has sent its other
/// probes (see [`run`]).
struct RemovalGate {
    /// How many targets have arrived.
    arrived: tokio::sync::watch::Sender<usize>,
    targets: usize,
}

impl RemovalGate {
    fn new(targets: usize) -> RemovalGate {
        RemovalGate {
            arrived: tokio::sync::watch::Sender::new(0),
            targets,
        }
    }
}

/// One target's place at the [`RemovalGate`]. Dropped without waiting (a
/// round that ended early, a task that panicked), it counts as arrived, so
/// no other target waits for it forever.
struct Arrival {
    gate: Arc<RemovalGate>,
    counted: bool,
}

impl Arrival {
    fn new(gate: &Arc<RemovalGate>) -> Arrival {
        Arrival {
            gate: Arc::clone(gate),
            counted: false,
        }
    }

    /// Arrives, then waits until every target has.
    async fn wait_for_all(mut self) {
        self.count();
        let mut arrived = self.gate.arrived.subscribe();
        let targets = self.gate.targets;
        let _ = arrived.wait_for(|n| *n >= targets).await;
    }

    fn count(&mut self) {
        if !self.counted {
            self.counted = true;
            self.gate.arrived.send_modify(|n| *n += 1);
        }
    }
}

impl Drop for Arrival {
    fn drop(&mut self) {
        self.count();
    }
}

/// One round on one target: discovery, then the plan's phases one after
/// another, each phase's probes in parallel and then its follow-ups, so
/// that no follow-up runs after a later phase removed what it asks about.
/// `removals`: whether the removing phases are sent (the last round only);
/// before the first of them, `arrival` waits for the other targets.
async fn probe_target(
    target: &Probing<'_>,
    removals: bool,
    mut arrival: Option<Arrival>,
) -> RoundOutcome {
    let Probing {
        prober,
        contract,
        plan,
        order,
        discovery_plan,
        credentials_given,
        settings,
    } = *target;
    let mut discovery = probe::discover(prober, discovery_plan).await;
    let probes = probes_for(&plan.probes, &discovery);
    let count = probes.len();
    let mut exchanges: Vec<Option<Exchange>> = vec![None; count];
    let mut followed: Vec<verdict::followup::Followed> = vec![Default::default(); count];
    let mut sent = vec![true; count];
    // Safe follow-up requests for answers that leave the route in doubt.
    let follow_up_run = followup::Run {
        prober,
        contract,
        probes: &probes,
        discovery_headers: &plan.discovery_headers,
        settings,
        credentials_given,
    };
    for phase in &order.phases {
        if phase.role == plan::order::Role::Remove {
            if !removals {
                for &index in &phase.probes {
                    sent[index] = false;
                }
                continue;
            }
            if let Some(arrival) = arrival.take() {
                arrival.wait_for_all().await;
            }
        }
        let requests = phase
            .probes
            .iter()
            .filter_map(|&i| probes[i].request.as_ref().map(|r| (i, r)));
        for (index, exchange) in prober.probe_all(requests).await {
            exchanges[index] = Some(exchange);
        }
        let mut phase_followed =
            followup::run(&follow_up_run, &mut discovery, &exchanges, &phase.probes).await;
        for &index in &phase.probes {
            if let Some(slot) = phase_followed.get_mut(index) {
                followed[index] = std::mem::take(slot);
            }
        }
    }
    drop(arrival);
    let results = probes
        .iter()
        .zip(exchanges)
        .zip(followed)
        .zip(sent)
        .map(|(((planned, exchange), followed), sent)| {
            if !sent {
                return None;
            }
            let follow_ups = followed.follow_ups;
            let finding = followed.settled.unwrap_or_else(|| {
                let context = verdict::Context {
                    operation: &contract.operations[planned.operation],
                    probe: planned,
                    discovery: &discovery,
                    credentials_given,
                };
                verdict::classify_with(&context, exchange.as_ref(), settings, &follow_ups)
            });
            // Where the plan sent nothing, the follow-up that decided is
            // shown (if it got an answer: a sent request that got none would
            // count as reaching the target).
            let shown = exchange.or_else(|| {
                follow_ups
                    .into_iter()
                    .rev()
                    .find(|f| f.exchange.outcome.is_ok())
                    .map(|f| f.exchange)
            });
            Some((finding, shown))
        })
        .collect();
    RoundOutcome { discovery, results }
}

/// The plan's probes as this target gets them: where discovery found that
/// a malformed body gets no answer, each probe that would send one sends its
/// next harmless request instead (or nothing, with the reason).
pub fn probes_for<'p>(
    probes: &'p [PlannedProbe],
    discovery: &Discovery,
) -> std::borrow::Cow<'p, [PlannedProbe]> {
    if discovery.malformed_body_unanswered.is_none() {
        return std::borrow::Cow::Borrowed(probes);
    }
    std::borrow::Cow::Owned(
        probes
            .iter()
            .map(PlannedProbe::without_malformed_body)
            .collect(),
    )
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
                path: op.key(),
                operation_id: op.operation_id.clone(),
                tags: op.tags.clone(),
                line: op.location.line,
                file: op.external_file(&contract.source).map(|f| redactor.url(f)),
                change: None,
                results,
            }
        })
        .collect::<Vec<_>>();

    let mut report = RunReport {
        schema_version: crate::report::SCHEMA_VERSION,
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
        route_only: 0,
        parity: None,
        gate: Gate::default(),
        warnings: contract
            .warnings
            .iter()
            .map(|w| redactor.text(&w.to_string()))
            .collect(),
        started_at,
        duration_ms: elapsed.as_millis() as u64,
    };
    report.summary = report.verdict_counts();
    report.route_only = report.route_only_count();
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
            .map(|b| excerpt(&b.bytes, false, redactor).0),
    });
    let response = exchange.and_then(|x| x.outcome.as_ref().ok()).map(|r| {
        let (body, cut) = excerpt(&r.body, r.truncated, redactor);
        ResponseRecord {
            status: r.status,
            headers: r
                .headers
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), redactor.header_value(n, v)))
                .collect(),
            body,
            truncated: cut || r.truncated,
        }
    });
    TargetResult {
        target: target.to_string(),
        verdict: finding.verdict,
        rule: finding.rule.into(),
        status: response.as_ref().map(|r| r.status),
        evidence: redactor.text(&with_retry_note(&finding.evidence, exchange)),
        elapsed_ms: exchange.map_or(0, |x| x.elapsed.as_millis() as u64),
        request,
        response,
        allowance: None,
    }
}

/// The finding's evidence, followed by what the retries were (`429`s and
/// `503`s the target answered before the final answer), if any.
fn with_retry_note(evidence: &str, exchange: Option<&Exchange>) -> String {
    match exchange.and_then(Exchange::retry_note) {
        Some(note) if evidence.is_empty() => note,
        Some(note) => format!("{evidence}; {note}"),
        None => evidence.to_string(),
    }
}

/// The first bytes of a body as text, secrets masked before it is cut (a
/// secret cut short at its end masked too), and whether it was cut.
/// `cut_already`: the bytes are themselves the start of a longer body.
fn excerpt(bytes: &[u8], cut_already: bool, redactor: &Redactor) -> (String, bool) {
    // A secret starting inside the excerpt ends within this many more bytes.
    let window = &bytes[..bytes.len().min(REPORT_BODY_EXCERPT.saturating_mul(4))];
    let text = String::from_utf8_lossy(window);
    let (shown, cut) = redactor.excerpt(
        &text,
        REPORT_BODY_EXCERPT,
        cut_already || window.len() < bytes.len(),
    );
    (shown, cut || window.len() < bytes.len())
}

/// 3 when probes were sent and no target answered any; else 1 when the
/// report fails its [`Gate`] ([`RunReport::passed`]), 0 when it passes.
pub fn exit_code(report: &RunReport) -> u8 {
    let reached = |name: &str| {
        report.results().any(|(_, r)| {
            r.target == name && r.verdict != Verdict::Unreachable && r.request.is_some()
        })
    };
    let any_probe_sent = report.results().any(|(_, r)| r.request.is_some());
    if any_probe_sent && !report.targets.iter().any(|t| reached(&t.name)) {
        exit::UNREACHABLE
    } else if report.passed() {
        exit::SERVED
    } else {
        exit::FLAGGED
    }
}

/// Why `--wait-for` gave up: a target that never answered, and its last error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--wait-for {}: target {target} ({url}) did not answer within {}; last attempt: {last_error}",
    humantime::format_duration(*.within), humantime::format_duration(*.within)
)]
pub struct WaitError {
    pub target: String,
    pub url: String,
    pub within: Duration,
    pub last_error: String,
}

/// `--wait-for`: waits until every target answers a `GET` on its base URL
/// with any HTTP status (a service still starting refuses connections or
/// times out), polling each target every 250 ms to 2 s, with the probes'
/// client settings (TLS, `--resolve`, headers). Returns the first target
/// still silent after `within`. A `GET` on the base URL is safe: a correct
/// server acts on nothing for it.
pub async fn wait_for_targets(
    targets: &[TargetSpec],
    contract: &Contract,
    plan: &Plan,
    probe: &ProbeOptions,
    within: Duration,
) -> Result<(), WaitError> {
    let deadline = Instant::now() + within;
    let mut waits = tokio::task::JoinSet::new();
    for spec in targets {
        let target = Target {
            name: spec.name.clone(),
            base_url: plan::base_url(&spec.url, contract),
        };
        let options = ProbeOptions {
            discovery_headers: plan.discovery_headers.clone(),
            connect_to: spec.connect_to.clone(),
            retries: 0,
            rate_per_second: None,
            on_probe_done: None,
            ..probe.clone()
        };
        waits.spawn(async move { wait_for_target(target, options, deadline, within).await });
    }
    while let Some(joined) = waits.join_next().await {
        if let Ok(Err(error)) = joined {
            return Err(error);
        }
    }
    Ok(())
}

async fn wait_for_target(
    target: Target,
    mut options: ProbeOptions,
    deadline: Instant,
    within: Duration,
) -> Result<(), WaitError> {
    let give_up = |last_error: String| WaitError {
        target: target.name.clone(),
        url: target.base_url.to_string(),
        within,
        last_error,
    };
    let mut pause = Duration::from_millis(250);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(give_up("no attempt fitted in the time".into()));
        }
        // Each attempt gets what is left, at most the per-request timeout.
        options.timeout = options.timeout.min(left);
        let prober =
            Prober::new(target.clone(), options.clone()).map_err(|e| give_up(e.to_string()))?;
        let exchange = prober.send_ad_hoc(crate::contract::Method::Get, "").await;
        let error = match exchange.outcome {
            Ok(_) => return Ok(()),
            Err(error) => error.to_string(),
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(give_up(error));
        }
        tokio::time::sleep(pause.min(left)).await;
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}

/// Expands `--target`s with `--resolve` and `--each-address` (see
/// [`crate::probe::resolve`]): each target becomes its instances, in order.
pub async fn expand_targets(
    targets: &[TargetSpec],
    overrides: &[ResolveOverride],
    each_address: bool,
) -> Result<Vec<TargetSpec>, ResolveError> {
    let mut expanded = Vec::new();
    for target in targets {
        for instance in
            resolve::instances(&target.name, &target.url, overrides, each_address).await?
        {
            expanded.push(TargetSpec {
                name: instance.name,
                url: target.url.clone(),
                connect_to: instance.connect_to,
                base_path: target.base_path.clone(),
            });
        }
    }
    Ok(expanded)
}

/// The target `--reference NAME` means: the target of that name, else the
/// first instance of it (`NAME@ADDR`) when `--each-address` expanded it;
/// without `--reference`, the first target. The error starts with the name,
/// for the caller to say where it came from (flag or config file).
pub fn reference_target(targets: &[TargetSpec], name: Option<&str>) -> Result<String, String> {
    let Some(name) = name else {
        return targets
            .first()
            .map(|t| t.name.clone())
            .ok_or_else(|| "no target to compare with".to_string());
    };
    targets
        .iter()
        .find(|t| t.name == name)
        .or_else(|| {
            targets.iter().find(|t| {
                t.name
                    .strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('@'))
            })
        })
        .map(|t| t.name.clone())
        .ok_or_else(|| {
            let known: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
            format!(
                "{name}: no target has that name (targets: {})",
                known.join(", ")
            )
        })
}

/// Adds the parity comparison to a report of two or more targets.
pub fn compare_targets(report: &mut RunReport, reference: &str) {
    if report.targets.len() >= 2 {
        report.parity = Some(report.parity_matrix().compare(reference));
    }
}

/// Marks every operation of the report as new, changed or unchanged since
/// the contract `diff` compared it with (`--since`).
pub fn mark_release_changes(report: &mut RunReport, diff: &ContractDiff) {
    for operation in &mut report.operations {
        operation.change = Some(diff.change_of(operation.method, &operation.path));
    }
}

/// Keeps only the operations that are new or changed since the contract
/// `diff` compared with (`--only-new`).
pub fn keep_new_and_changed(contract: &mut Contract, diff: &ContractDiff) {
    contract
        .operations
        .retain(|op| diff.change_of(op.method, &op.key()) != ReleaseChange::Unchanged);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str) -> TargetSpec {
        TargetSpec {
            name: name.into(),
            url: url::Url::parse("http://api.test:8080").unwrap(),
            connect_to: Vec::new(),
            base_path: None,
        }
    }

    #[test]
    fn reference_is_the_first_target_unless_named() {
        let targets = [
            target("stable@10.0.0.1"),
            target("stable@10.0.0.2"),
            target("canary"),
        ];
        assert_eq!(reference_target(&targets, None).unwrap(), "stable@10.0.0.1");
        assert_eq!(
            reference_target(&targets, Some("canary")).unwrap(),
            "canary"
        );
        assert_eq!(
            reference_target(&targets, Some("stable")).unwrap(),
            "stable@10.0.0.1",
            "a name expanded by --each-address means its first instance"
        );
        assert_eq!(
            reference_target(&targets, Some("stable@10.0.0.2")).unwrap(),
            "stable@10.0.0.2"
        );
        let err = reference_target(&targets, Some("stab")).unwrap_err();
        assert!(err.contains("no target has that name"), "{err}");
    }

    #[test]
    fn disagreement_between_targets_fails_even_when_every_verdict_passes() {
        let mut report = crate::report::testing::fixture();
        for op in &mut report.operations {
            op.results[0].verdict = Verdict::Implemented;
            op.results[1].verdict = Verdict::Implemented;
        }
        report.operations[0].results[1].verdict = Verdict::AuthRequired;
        assert_eq!(exit_code(&report), exit::SERVED);
        compare_targets(&mut report, "stable");
        assert_eq!(exit_code(&report), exit::FLAGGED);
        assert_eq!(
            report.conclusion(),
            "FAIL: 17 of 18 served, 1 inconclusive, but 1 of 9 operations differs between 2 targets",
            "the PASS/FAIL line agrees with the exit code"
        );
        report.gate = Gate::parity_only();
        assert_eq!(exit_code(&report), exit::FLAGGED);
        assert_eq!(
            report.conclusion(),
            "FAIL (parity): 1 of 9 operations differs between 2 targets (reference: stable)"
        );
    }

    #[test]
    fn parity_only_passes_gaps_that_every_target_shares() {
        let mut report = crate::report::testing::fixture();
        for op in &mut report.operations {
            let verdict = op.results[0].verdict;
            op.results[1].verdict = verdict;
        }
        compare_targets(&mut report, "stable");
        assert_eq!(exit_code(&report), exit::FLAGGED, "the gaps are real");
        assert!(report.conclusion().starts_with("FAIL: "));
        report.gate = Gate::parity_only();
        assert_eq!(exit_code(&report), exit::SERVED, "but shared");
        let conclusion = report.conclusion();
        assert!(
            conclusion.starts_with("PASS (parity): all 2 targets agree; ")
                && conclusion.ends_with("flagged on every target, not gated by --parity-only"),
            "{conclusion}"
        );
    }

    #[test]
    fn one_target_gets_no_parity() {
        let mut report = crate::report::testing::fixture();
        report.targets.truncate(1);
        compare_targets(&mut report, "stable");
        assert_eq!(report.parity, None);
    }

    #[test]
    fn base_path_for_one_target_wins_over_the_one_for_all() {
        let mut targets = [target("stable"), target("mock")];
        let specs: Vec<BasePathSpec> = ["mock=/", "/api/v2", "/api/v3"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        apply_base_paths(&mut targets, &specs).unwrap();
        let shown: Vec<String> = targets
            .iter()
            .map(|t| t.base_path.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(shown, ["/api/v3", "/"]);
        let unknown: BasePathSpec = "canary=/".parse().unwrap();
        let err = apply_base_paths(&mut targets, &[unknown]).unwrap_err();
        assert_eq!(
            err,
            "canary=/: no target has that name (targets: stable, mock)"
        );
    }

    #[test]
    fn base_path_spec_is_a_path_or_name_and_path() {
        let all: BasePathSpec = "/a=b/c".parse().unwrap();
        assert_eq!((all.target, all.path.to_string()), (None, "/a=b/c".into()));
        let one: BasePathSpec = "local=/".parse().unwrap();
        assert_eq!(one.target.as_deref(), Some("local"));
        assert!("=/".parse::<BasePathSpec>().is_err());
        let err = "local=api".parse::<BasePathSpec>().unwrap_err();
        assert!(err.contains("does not start with '/'"), "{err}");
    }

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
