//! The run as one library call: [`execute`] takes a [`CheckRequest`] (what
//! the command line and the config file asked for, as typed values) and
//! goes the one way through the pipeline: load the contract (and the older
//! one of `--since`), select, plan, check the report paths, expand and wait
//! for the targets, probe and judge, compare the targets, mark the release
//! changes, apply rollcall.toml's allowances. What it prints on the way
//! (warnings, notes, progress) goes to the request's [`Observer`]; what goes
//! wrong is a [`CheckError`], which knows its exit code.
//!
//! ```text
//! CheckRequest ──execute──▶ RunReport ──(main: render, deliver)──▶ exit code
//!              └─────────▶ CheckError { exit_code: 2 | 3 }
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{Config, Date};
use crate::contract::diff::ContractDiff;
use crate::contract::{self, Contract, LoadOptions, Operation};
use crate::plan::filter::{self, Filter};
use crate::plan::{self, Credential, Plan, PlanOptions};
use crate::printable;
use crate::probe::resolve::ResolveOverride;
use crate::probe::{ProbeDone, ProbeOptions};
use crate::redact::Redactor;
use crate::report::output::{self, Input, Output};
use crate::report::{Gate, RunReport};
use crate::verdict;

use super::{RunOptions, TargetSpec, exit};

/// What a run says while it runs: lines for stderr and the probing's
/// progress. The binary prints them; a library caller may keep them.
pub trait Observer: Send + Sync {
    /// One line for the user (`warning: ...`, a note), already masked and
    /// made printable.
    fn line(&self, line: &str);
    /// The run is about to send `probes` planned requests; what to call as
    /// each request is done, if anything.
    fn probing(&self, probes: usize) -> Option<ProbeDone>;
    /// Probing ended (successfully or not).
    fn probed(&self) {}
}

/// An [`Observer`] that keeps nothing.
pub struct Silent;

impl Observer for Silent {
    fn line(&self, _: &str) {}
    fn probing(&self, _: usize) -> Option<ProbeDone> {
        None
    }
}

/// One `rollcall check`, resolved from the arguments and the config file.
pub struct CheckRequest {
    /// The contract as the user named it: a file path or a URL.
    pub spec: String,
    /// How contracts are read (`$ref` policy, `--spec-header`s, TLS).
    pub load: LoadOptions,
    /// `--since OLD_SPEC`: the older contract the release diff compares with.
    pub since: Option<String>,
    /// `--only-new`: probe only what is new or changed since `since`.
    pub only_new: bool,
    /// The operation selection (`--include`, `--exclude`, `--shard`, skips).
    pub selection: Filter,
    /// The config file read, if any: request values, secrets, known gaps.
    pub config: Option<Config>,
    /// Mode, `--auth` credentials and `-H` headers; the run adds the
    /// `ROLLCALL_AUTH_<SCHEME>` credentials and the config's request values.
    pub plan: PlanOptions,
    /// `--secret-header` names (the config file's first).
    pub secret_headers: Vec<String>,
    /// The targets as given, before `--resolve`/`--each-address`.
    pub targets: Vec<TargetSpec>,
    pub resolve: Vec<ResolveOverride>,
    pub each_address: bool,
    /// `--wait-for`: how long to wait for every target to answer at all.
    pub wait_for: Option<Duration>,
    /// `--reference NAME`, and where it was given (`--reference`, or the
    /// config file's line) for the error that names it.
    pub reference: Option<String>,
    pub reference_origin: Option<String>,
    /// The HTTP client's settings (with the `--aws-sigv4` signer, if any);
    /// the progress callback is the observer's.
    pub probe: ProbeOptions,
    /// `--repeat`.
    pub repeat: u16,
    pub verdict: verdict::Settings,
    pub gate: Gate,
    /// The report files to be written (flag, path): checked against every
    /// file the run reads before anything is sent.
    pub outputs: Vec<(&'static str, PathBuf)>,
    /// Files besides the contracts that no report may overwrite (the config
    /// file, certificates, GitHub's files).
    pub protected: Vec<Input>,
    /// `--quiet`: no warnings.
    pub quiet: bool,
    /// The secrets known before the run (masking errors until the plan's
    /// own redactor exists).
    pub redactor: Redactor,
    pub observer: Arc<dyn Observer>,
}

/// Why a run could not produce a report. The message is already masked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// Bad input: an unreadable or invalid contract, a bad option value, a
    /// report path that would overwrite an input.
    #[error("{0}")]
    BadInput(String),
    /// A target that cannot be reached at all (a host that does not
    /// resolve, `--wait-for` running out).
    #[error("{0}")]
    Unreachable(String),
}

impl CheckError {
    /// Bad input, its message masked by `redactor`.
    fn masked(redactor: &Redactor, error: &dyn std::fmt::Display) -> CheckError {
        CheckError::BadInput(redactor.text(&error.to_string()))
    }

    /// The process exit code for this error ([`exit`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            CheckError::BadInput(_) => exit::BAD_INPUT,
            CheckError::Unreachable(_) => exit::UNREACHABLE,
        }
    }
}

/// Runs the check `request` asks for and returns its finished report
/// (parity compared, release changes marked, allowances applied); the
/// caller renders it and turns it into an exit code ([`super::exit_code`]).
pub async fn execute(request: &CheckRequest) -> Result<RunReport, CheckError> {
    let mut redactor = request.redactor.clone();
    let bad = CheckError::masked;
    let mut contract = load_contract(request, &request.spec, &request.load).await?;
    contract
        .require_operations()
        .map_err(|e| bad(&redactor, &e))?;
    let (since, since_files) = match release_diff(request, &mut contract).await? {
        Some((diff, files)) => (Some(diff), files),
        None => (None, Vec::new()),
    };
    let contracts: Vec<&str> = [Some(request.spec.as_str()), request.since.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let planned = plan_run(request, &mut contract, &contracts, &mut redactor)
        .map_err(|e| bad(&redactor, &e))?;
    // Every report path is checked before anything is sent.
    let mut inputs = contract_inputs(&contract, &contracts, &since_files);
    inputs.extend(request.protected.iter().cloned());
    let outputs: Vec<Output<'_>> = request
        .outputs
        .iter()
        .map(|(flag, path)| Output { flag, path })
        .collect();
    output::check(&outputs, &inputs).map_err(|e| bad(&redactor, &e))?;
    let signer = request.probe.signer.clone();
    if let Some(signer) = &signer {
        for secret in signer.secrets() {
            redactor.add_secret(secret);
        }
    } else {
        warn_unsigned(request, &contract, &planned.plan);
    }
    let probes_to_send = planned
        .plan
        .probes
        .iter()
        .filter(|p| p.request.is_some())
        .count()
        * request.targets.len()
        * usize::from(request.repeat).max(1);
    let probe = ProbeOptions {
        on_probe_done: request.observer.probing(probes_to_send),
        ..request.probe.clone()
    };
    let report = probe_and_judge(request, contract, planned, probe, &redactor).await;
    request.observer.probed();
    let mut report = report?;
    if let Some(diff) = &since {
        super::mark_release_changes(&mut report, diff);
    }
    if let Some(config) = &request.config {
        let today = Date::today().map_err(|e| bad(&redactor, &e))?;
        config.apply_allowances(&mut report, today);
    }
    Ok(report)
}

/// What `rollcall list` shows: the contract and its plan, every operation
/// in its place (those the selection left out planned as excluded), and the
/// redactor for every secret they hold.
pub struct Listing {
    pub contract: Contract,
    pub plan: Plan,
    pub redactor: Redactor,
}

/// Loads, selects and plans as [`execute`] does, and sends nothing: what
/// `check` would send, for `rollcall list`.
pub async fn plan_listing(request: &CheckRequest) -> Result<Listing, CheckError> {
    let mut redactor = request.redactor.clone();
    let mut contract = load_contract(request, &request.spec, &request.load).await?;
    let planned = plan_run(request, &mut contract, &[&request.spec], &mut redactor)
        .map_err(|e| CheckError::masked(&redactor, &e))?;
    match &request.probe.signer {
        Some(signer) => {
            for secret in signer.secrets() {
                redactor.add_secret(secret);
            }
            request.observer.line(&format!(
                "note: every request is signed with AWS Signature Version 4 ({}) as it is sent; the requests below are shown unsigned",
                signer.provider
            ));
        }
        None => warn_unsigned(request, &contract, &planned.plan),
    }
    Ok(Listing {
        contract,
        plan: planned.plan,
        redactor,
    })
}

/// `rollcall diff OLD NEW`: both contracts loaded (their warnings to
/// `observer`), compared, the paths masked by `redactor`.
pub async fn diff_contracts(
    old: &str,
    new: &str,
    load: &LoadOptions,
    redactor: &Redactor,
    observer: &dyn Observer,
) -> Result<ContractDiff, CheckError> {
    let read = |spec| async move {
        let contract = contract::load(spec, load)
            .await
            .map_err(|e| CheckError::BadInput(redactor.text(&e.to_string())))?;
        warn(&contract, redactor, observer);
        Ok::<Contract, CheckError>(contract)
    };
    let old = read(old).await?;
    let new = read(new).await?;
    let mut diff = ContractDiff::between(&old, &new);
    diff.old.path = redactor.url(&diff.old.path);
    diff.new.path = redactor.url(&diff.new.path);
    Ok(diff)
}

/// The contract's warnings, masked by `redactor`, one line each.
fn warn(contract: &Contract, redactor: &Redactor, observer: &dyn Observer) {
    for warning in &contract.warnings {
        let warning = printable::line(&redactor.text(&warning.to_string()));
        observer.line(&format!("warning: {warning}"));
    }
}

/// The plan, and the options it was built with.
struct Planned {
    options: PlanOptions,
    plan: Plan,
}

/// Expands and waits for the targets, probes them, judges the answers and
/// compares the targets.
async fn probe_and_judge(
    request: &CheckRequest,
    contract: Contract,
    planned: Planned,
    probe: ProbeOptions,
    redactor: &Redactor,
) -> Result<RunReport, CheckError> {
    let Planned { options, plan, .. } = planned;
    let unreachable =
        |e: &dyn std::fmt::Display| CheckError::Unreachable(redactor.text(&e.to_string()));
    // A host that does not resolve is a target that cannot be reached.
    let targets = super::expand_targets(&request.targets, &request.resolve, request.each_address)
        .await
        .map_err(|e| unreachable(&e))?;
    if let Some(within) = request.wait_for {
        super::wait_for_targets(&targets, &contract, &plan, &probe, within)
            .await
            .map_err(|e| unreachable(&e))?;
    }
    let reference =
        super::reference_target(&targets, request.reference.as_deref()).map_err(|e| {
            let origin = request.reference_origin.as_deref();
            CheckError::BadInput(redactor.text(&format!("{} {e}", origin.unwrap_or("--reference"))))
        })?;
    let run_options = RunOptions {
        targets,
        credentials_given: super::carries_credentials(&options, redactor) || probe.signer.is_some(),
        probe,
        repeat: usize::from(request.repeat),
        verdict: request.verdict.clone(),
        gate: request.gate.clone(),
    };
    let contract = Arc::new(contract);
    let plan = Arc::new(plan);
    let report = super::run(
        Arc::clone(&contract),
        Arc::clone(&plan),
        &run_options,
        redactor,
    )
    .await
    .map_err(|e| CheckError::BadInput(redactor.text(&e.to_string())));
    // Freeing a large contract's document and plan takes tens of ms for a
    // 10 MB spec: off the path to the report.
    std::thread::spawn(move || drop((contract, plan)));
    let mut report = report?;
    super::compare_targets(&mut report, &reference);
    Ok(report)
}

/// Loads a contract and passes its warnings (unless quiet) to the
/// observer, masked by `redactor` (the contract's own URL may hold a
/// token) and on one line each.
async fn load_contract(
    request: &CheckRequest,
    spec: &str,
    options: &LoadOptions,
) -> Result<Contract, CheckError> {
    let redactor = &request.redactor;
    let contract = contract::load(spec, options)
        .await
        .map_err(|e| CheckError::masked(redactor, &e))?;
    if !request.quiet {
        warn(&contract, redactor, request.observer.as_ref());
    }
    Ok(contract)
}

/// With `--since OLD_SPEC`: how the contract differs from the older one,
/// and the files the older one's `$ref`s named (inputs too); with
/// `--only-new` too, the contract keeps only its new and changed operations.
async fn release_diff(
    request: &CheckRequest,
    contract: &mut Contract,
) -> Result<Option<(ContractDiff, Vec<String>)>, CheckError> {
    let Some(old_spec) = &request.since else {
        return Ok(None);
    };
    // --spec-header is for the spec's origin: an older contract elsewhere gets none.
    let origin = |spec: &str| url::Url::parse(spec).ok().map(|u| u.origin());
    let load = if origin(old_spec).is_some() && origin(old_spec) == origin(&request.spec) {
        request.load.clone()
    } else {
        LoadOptions {
            headers: Vec::new(),
            ..request.load.clone()
        }
    };
    let old = load_contract(request, old_spec, &load).await?;
    let diff = ContractDiff::between(&old, contract);
    if request.only_new {
        let declared = contract.operations.len();
        super::keep_new_and_changed(contract, &diff);
        if !request.quiet {
            request.observer.line(&format!(
                "--only-new: probing {} of {declared} operations (new or changed since the --since contract)",
                contract.operations.len()
            ));
        }
    }
    Ok(Some((diff, old.referenced_files)))
}

/// Selects the operations (warning first about config entries that name
/// none), resolves the plan options and plans; `redactor` becomes the one
/// for every secret of the run.
fn plan_run(
    request: &CheckRequest,
    contract: &mut Contract,
    contracts: &[&str],
    redactor: &mut Redactor,
) -> Result<Planned, plan::PlanError> {
    if let Some(config) = &request.config
        && !request.quiet
    {
        for warning in config.unmatched(contract) {
            request
                .observer
                .line(&format!("warning: {}", printable::line(&warning)));
        }
    }
    filter::keep_shard(contract, &request.selection);
    let mut options = request.plan.clone();
    options.selection = request.selection.clone();
    options.credentials = with_env_credentials(&options.credentials, contract);
    options.overrides = request
        .config
        .as_ref()
        .map(|c| c.overrides())
        .unwrap_or_default();
    let targets: Vec<&str> = request.targets.iter().map(|t| t.url.as_str()).collect();
    *redactor = plan::auth::redactor(Some(contract), &options, &targets, &request.secret_headers);
    for contract_url in contracts {
        redactor.add_contract_url(contract_url);
    }
    for secret in request.config.iter().flat_map(|c| &c.secrets) {
        redactor.add_secret(secret);
    }
    for (_, value) in &request.load.headers {
        redactor.add_secret(value);
    }
    let plan = plan::build(contract, &options)?;
    Ok(Planned { options, plan })
}

/// The credentials given, then `ROLLCALL_AUTH_<SCHEME>` for the contract's
/// schemes they leave out.
pub fn with_env_credentials(given: &[Credential], contract: &Contract) -> Vec<Credential> {
    let mut credentials = given.to_vec();
    for (name, _) in &contract.security_schemes {
        if credentials.iter().any(|c| &c.scheme == name) {
            continue;
        }
        if let Ok(value) = std::env::var(auth_env_var(name))
            && !value.is_empty()
        {
            credentials.push(Credential {
                scheme: name.clone(),
                value,
            });
        }
    }
    credentials
}

/// `bearerAuth` → `ROLLCALL_AUTH_BEARERAUTH`; `api-key` → `ROLLCALL_AUTH_API_KEY`.
fn auth_env_var(scheme: &str) -> String {
    let suffix: String = scheme
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("ROLLCALL_AUTH_{suffix}")
}

/// Unless quiet: the warning that the contract declares AWS signing and
/// no signer is configured.
fn warn_unsigned(request: &CheckRequest, contract: &Contract, plan: &Plan) {
    if request.quiet {
        return;
    }
    for line in unsigned_warnings(contract, &plan.selected(contract)) {
        request.observer.line(&line);
    }
}

/// A warning per security scheme of `contract` that is AWS Signature
/// Version 4 and that one of `operations` (those the run probes) requires,
/// for a run without `--aws-sigv4`.
pub fn unsigned_warnings(contract: &Contract, operations: &[&Operation]) -> Vec<String> {
    plan::auth::required_aws_signatures(contract, operations)
        .into_iter()
        .map(|(scheme, kind)| format!(
            "warning: security scheme '{scheme}' is AWS Signature Version 4 (x-amazon-apigateway-authtype: {kind}): S3 and the stores that speak its protocol refuse unsigned requests; sign them with --aws-sigv4 aws:amz:REGION:SERVICE and --user ACCESS_KEY:SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        ))
        .collect()
}

/// The files the contracts were read from (the specs, the files their
/// `$ref`s named, `more_files` of the `--since` one; not URLs), which no
/// report may overwrite.
fn contract_inputs(contract: &Contract, specs: &[&str], more_files: &[String]) -> Vec<Input> {
    let specs = specs.iter().map(|spec| (spec.to_string(), "a contract"));
    let referenced = contract
        .referenced_files
        .iter()
        .chain(more_files)
        .map(|file| (file.clone(), "a file the contract's $refs name"));
    specs
        .chain(referenced)
        .filter_map(|(name, what)| {
            let lower = name.get(..8).unwrap_or(&name).to_ascii_lowercase();
            if lower.starts_with("http://") || lower.starts_with("https://") {
                return None;
            }
            let path = match url::Url::parse(&name) {
                Ok(url) if url.scheme() == "file" => url.to_file_path().ok()?,
                _ => PathBuf::from(&name),
            };
            Some(Input {
                what: what.to_string(),
                path,
            })
        })
        .collect()
}
