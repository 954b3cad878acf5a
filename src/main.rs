//! The `rollcall` binary: parse the command line, call the library, render
//! errors in one place, set the exit code.

mod cli;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{CommandFactory, FromArgMatches};

use rollcall::check::{self, RunOptions, TargetSpec, exit};
use rollcall::contract::diff::ContractDiff;
use rollcall::contract::{self, Contract, LoadOptions};
use rollcall::plan::{self, Credential, PlanOptions};
use rollcall::printable;
use rollcall::probe::{ProbeOptions, RetryBudget, TlsOptions};
use rollcall::redact::Redactor;
use rollcall::report::markdown::MarkdownOptions;
use rollcall::report::output::{self, Input, Output};
use rollcall::report::{self, RunReport, terminal::TerminalOptions};

use cli::{
    CheckArgs, Cli, ColorWhen, Command, DemoArgs, DiffArgs, ListArgs, MergeArgs, OutputArgs,
    PlanArgs, ReportFiles, RequestArgs, SpecFetchArgs, TlsArgs,
};

/// An error on its way to the one place that prints it, with its exit code.
struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    fn bad_input(message: impl std::fmt::Display) -> Failure {
        Failure {
            message: message.to_string(),
            code: exit::BAD_INPUT,
        }
    }
}

/// Whether a GitHub Actions runner reads what we print: every line then
/// goes through [`report::github::neutralize_commands`].
static READ_BY_GITHUB: AtomicBool = AtomicBool::new(false);

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let github_mode = match &cli.command {
        Command::Check(args) => args.github.github,
        Command::Merge(args) => args.github.github,
        Command::List(_) | Command::Demo(_) | Command::Diff(_) => false,
    };
    // Whatever --no-github says: the runner reads every line of a step.
    let in_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    READ_BY_GITHUB.store(github_mode || in_actions, Ordering::Relaxed);
    let configured = match &mut cli.command {
        Command::Check(args) => args.apply_config(matches.subcommand_matches("check")),
        Command::List(args) => args.apply_config(matches.subcommand_matches("list")),
        Command::Demo(_) | Command::Diff(_) | Command::Merge(_) => Ok(()),
    };
    if let Err(message) = configured {
        // Config errors name keys and lines, never values.
        print_err(&format!("error: {}", printable::lines(&message)));
        return ExitCode::from(exit::BAD_INPUT);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            print_err(&format!("error: cannot start the async runtime: {e}"));
            return ExitCode::from(exit::BAD_INPUT);
        }
    };
    // Secrets known before anything runs, so even an early error is masked.
    let mut redactor = early_redactor(&cli.command);
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Check(args) => run_check(args, &mut redactor).await,
            Command::List(args) => run_list(args, &mut redactor).await,
            Command::Demo(args) => run_demo(args).await,
            Command::Diff(args) => run_diff(args, &redactor).await,
            Command::Merge(args) => run_merge(args),
        }
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            let message = printable::lines(&redactor.text(&failure.message));
            print_err(&format!("error: {message}"));
            // A workflow step reads the outputs whatever the exit code.
            let github = match &cli.command {
                Command::Check(a) => a.github.enabled(),
                Command::Merge(a) => a.github.enabled(),
                _ => false,
            };
            if github && let Some(path) = report::github::GithubEnv::from_env().output {
                let outputs = report::github::failure_outputs(failure.code, &message);
                if let Err(source) = report::github::append(&path, &outputs) {
                    print_err(&format!(
                        "warning: cannot append to $GITHUB_OUTPUT: {source}"
                    ));
                }
            }
            ExitCode::from(failure.code)
        }
    }
}

fn early_redactor(command: &Command) -> Redactor {
    let (request, targets): (Option<&RequestArgs>, Vec<&str>) = match command {
        Command::Check(a) => (
            Some(&a.plan.request),
            a.target.targets.iter().map(String::as_str).collect(),
        ),
        Command::List(a) => (
            Some(&a.plan.request),
            a.target
                .targets
                .iter()
                .map(String::as_str)
                .chain([a.plan.spec.as_str()])
                .collect(),
        ),
        Command::Demo(_) => (None, vec![]),
        Command::Diff(a) => (None, vec![a.old.as_str(), a.new.as_str()]),
        Command::Merge(_) => (None, vec![]),
    };
    let mut redactor = Redactor::default();
    // --spec-header values: every one may be a credential for the contract.
    let spec_headers = match command {
        Command::Check(a) => a.plan.fetch.spec_headers.as_slice(),
        Command::List(a) => a.plan.fetch.spec_headers.as_slice(),
        Command::Diff(a) => a.fetch.spec_headers.as_slice(),
        Command::Demo(_) | Command::Merge(_) => &[],
    };
    for raw in spec_headers {
        if let Some((_, secret)) = raw.split_once(':') {
            redactor.add_secret(secret.trim());
        }
    }
    if let Some(request) = request {
        // `--user ACCESS_KEY:SECRET_KEY`: the secret key.
        if let Some((_, secret)) = request.user.as_deref().and_then(|u| u.split_once(':')) {
            redactor.add_secret(secret);
        }
        for raw in request.auth.iter().chain(&request.headers) {
            // Whatever follows the first '=' or ':' may be a secret; mask it
            // before we even know whether the value parses.
            if let Some((_, secret)) = raw.split_once(['=', ':']) {
                redactor.add_secret(secret.trim());
            }
        }
    }
    for target in targets {
        // As `TargetSpec` reads it: `NAME=URL`, where a name has no ':' or '/'.
        let url = match target.split_once('=') {
            Some((name, url)) if !name.contains([':', '/']) => url.trim(),
            _ => target.trim(),
        };
        if let Ok(parsed) = url::Url::parse(url)
            && let Some(password) = parsed.password()
        {
            redactor.add_secret(password);
        }
    }
    for contract in contract_urls(command) {
        redactor.add_contract_url(contract);
    }
    redactor
}

/// The contracts a command reads, as the user named them (file paths or
/// URLs): the userinfo and query of a URL among them are secrets.
fn contract_urls(command: &Command) -> Vec<&str> {
    match command {
        Command::Check(a) => [Some(a.plan.spec.as_str()), a.parity.since.as_deref()]
            .into_iter()
            .flatten()
            .collect(),
        Command::List(a) => vec![a.plan.spec.as_str()],
        Command::Diff(a) => vec![a.old.as_str(), a.new.as_str()],
        Command::Demo(_) | Command::Merge(_) => vec![],
    }
}

/// Loads a contract and prints its warnings (unless `quiet`), masked by
/// `redactor` (the contract's own URL may hold a token) and on one line each.
async fn load_contract(
    spec: &str,
    options: &LoadOptions,
    quiet: bool,
    redactor: &Redactor,
) -> Result<Contract, Failure> {
    let contract = contract::load(spec, options)
        .await
        .map_err(Failure::bad_input)?;
    if !quiet {
        for warning in &contract.warnings {
            let warning = printable::line(&redactor.text(&warning.to_string()));
            print_err(&format!("warning: {warning}"));
        }
    }
    Ok(contract)
}

/// How `check`, `list` and `diff` read a contract given as a URL: the
/// `$ref` policy, `--spec-header`s (each sent to the origin of the contract
/// being read) and the TLS flags.
fn load_options(fetch: &SpecFetchArgs, tls: &TlsOptions) -> Result<LoadOptions, Failure> {
    Ok(LoadOptions {
        allow_remote_refs: fetch.allow_remote_refs,
        headers: fetch.parsed_spec_headers().map_err(Failure::bad_input)?,
        tls: tls.clone(),
        ..LoadOptions::default()
    })
}

/// `--auth` values, then `ROLLCALL_AUTH_<SCHEME>` for schemes not given on the command line.
fn plan_options(request: &RequestArgs, contract: &Contract) -> Result<PlanOptions, Failure> {
    let mut credentials: Vec<Credential> = request
        .parsed_auth()
        .map_err(Failure::bad_input)?
        .into_iter()
        .map(|(scheme, value)| Credential { scheme, value })
        .collect();
    for (name, _) in &contract.security_schemes {
        if credentials.iter().any(|c| &c.scheme == name) {
            continue;
        }
        if let Ok(value) = std::env::var(auth_env_var(name)) {
            if !value.is_empty() {
                credentials.push(Credential {
                    scheme: name.clone(),
                    value,
                });
            }
        }
    }
    Ok(PlanOptions {
        mode: request.mode,
        credentials,
        headers: request.parsed_headers().map_err(Failure::bad_input)?,
        overrides: Vec::new(),
    })
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

/// The AWS Signature Version 4 signer (`--aws-sigv4`), its secrets made
/// known to `redactor`; and the warning, unless quiet, when the contract
/// declares AWS signing and none is configured.
fn aws_signer(
    request: &RequestArgs,
    contract: &Contract,
    redactor: &mut Redactor,
    quiet: bool,
) -> Result<Option<Arc<rollcall::probe::sigv4::SigV4>>, Failure> {
    let signer = request
        .signer(&|name| std::env::var(name).ok())
        .map_err(Failure::bad_input)?;
    if let Some(signer) = &signer {
        for secret in signer.secrets() {
            redactor.add_secret(secret);
        }
    } else if !quiet {
        for (scheme, kind) in plan::auth::required_aws_signatures(contract) {
            print_err(&format!(
                "warning: security scheme '{scheme}' is AWS Signature Version 4 (x-amazon-apigateway-authtype: {kind}): S3 and the stores that speak its protocol refuse unsigned requests; sign them with --aws-sigv4 aws:amz:REGION:SERVICE and --user ACCESS_KEY:SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
            ));
        }
    }
    Ok(signer.map(Arc::new))
}

/// What `check` and `list` share once the contract is loaded: the
/// operations the selection leaves out (taken out of `contract`), the plan
/// options from flags, config file and environment, and the plan. `redactor`
/// becomes the one for all their secrets and the `target_urls`.
struct Planned {
    options: PlanOptions,
    excluded: Vec<rollcall::filter::Excluded>,
    plan: plan::Plan,
}

/// The URLs whose secrets a run masks: its targets and its contracts.
struct RunUrls<'a> {
    targets: &'a [&'a str],
    contracts: &'a [&'a str],
}

fn plan_run(
    args: &PlanArgs,
    contract: &mut Contract,
    urls: &RunUrls<'_>,
    redactor: &mut Redactor,
    quiet: bool,
) -> Result<Planned, Failure> {
    let excluded = select_operations(args, contract, quiet)?;
    let mut options = plan_options(&args.request, contract)?;
    options.overrides = args
        .selection
        .loaded
        .as_ref()
        .map(|c| c.overrides())
        .unwrap_or_default();
    *redactor = plan::auth::redactor(
        Some(contract),
        &options,
        urls.targets,
        &args.request.secret_headers,
    );
    for contract_url in urls.contracts {
        redactor.add_contract_url(contract_url);
    }
    for secret in args.selection.loaded.iter().flat_map(|c| &c.secrets) {
        redactor.add_secret(secret);
    }
    for (_, value) in args
        .fetch
        .parsed_spec_headers()
        .map_err(Failure::bad_input)?
    {
        redactor.add_secret(&value);
    }
    let plan = plan::build(contract, &options).map_err(Failure::bad_input)?;
    Ok(Planned {
        options,
        excluded,
        plan,
    })
}

async fn run_check(args: &CheckArgs, redactor: &mut Redactor) -> Result<u8, Failure> {
    let targets = args.target.parsed().map_err(Failure::bad_input)?;
    let quiet = args.output.quiet;
    let tls = tls_options(&args.tls)?;
    let load = load_options(&args.plan.fetch, &tls)?;
    let mut contract = load_contract(&args.plan.spec, &load, quiet, redactor).await?;
    contract.require_operations().map_err(Failure::bad_input)?;
    let (since, since_files) = match release_diff(args, &mut contract, &load, redactor).await? {
        Some((diff, files)) => (Some(diff), files),
        None => (None, Vec::new()),
    };
    let urls: Vec<&str> = targets.iter().map(|t| t.url.as_str()).collect();
    let contracts: Vec<&str> = [Some(args.plan.spec.as_str()), args.parity.since.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let Planned {
        options,
        excluded,
        plan,
    } = plan_run(
        &args.plan,
        &mut contract,
        &RunUrls {
            targets: &urls,
            contracts: &contracts,
        },
        redactor,
        quiet,
    )?;
    // Every report path is checked before anything is sent.
    let mut inputs = contract_inputs(&contract, &contracts, &since_files);
    inputs.extend(config_input(&args.plan));
    inputs.extend(tls_inputs(&args.tls));
    inputs.extend(github_inputs(args.github.enabled()));
    output::check(&args.files.outputs(), &inputs).map_err(Failure::bad_input)?;
    let probes_to_send = plan.probes.iter().filter(|p| p.request.is_some()).count()
        * targets.len()
        * usize::from(args.parity.repeat).max(1);
    let signer = aws_signer(&args.plan.request, &contract, redactor, quiet)?;
    let signed = signer.is_some();
    let progress = progress_bar(probes_to_send, args);
    let probe = ProbeOptions {
        signer,
        timeout: args.timeout,
        concurrency: usize::from(args.concurrency),
        tls,
        retries: args.retries,
        retry_budget: RetryBudget::new(args.retry_budget),
        rate_per_second: args.rate,
        http2_prior_knowledge: args.http2_prior_knowledge,
        on_probe_done: progress.clone().map(|bar| {
            Arc::new(move || {
                // Follow-up requests (discovery, retries) can outnumber the plan.
                if bar.length().is_some_and(|len| bar.position() >= len) {
                    bar.inc_length(1);
                }
                bar.inc(1);
            }) as rollcall::probe::ProbeDone
        }),
        ..ProbeOptions::default()
    };
    // A host that does not resolve is a target that cannot be reached.
    let targets = check::expand_targets(&targets, &args.parity.resolve, args.parity.each_address)
        .await
        .map_err(|e| Failure {
            message: e.to_string(),
            code: exit::UNREACHABLE,
        })?;
    if let Some(within) = args.wait_for {
        check::wait_for_targets(&targets, &contract, &plan, &probe, within)
            .await
            .map_err(|e| Failure {
                message: e.to_string(),
                code: exit::UNREACHABLE,
            })?;
    }
    let reference =
        check::reference_target(&targets, args.parity.reference.as_deref()).map_err(|e| {
            let origin = args.parity.reference_origin.as_deref();
            Failure::bad_input(format!("{} {e}", origin.unwrap_or("--reference")))
        })?;
    let run_options = RunOptions {
        targets,
        probe,
        credentials_given: check::carries_credentials(&options, redactor) || signed,
        repeat: usize::from(args.parity.repeat),
        verdict: args.verdict_settings(),
        gate: args.gate(),
    };
    let contract = Arc::new(contract);
    let plan = Arc::new(plan);
    // The process exits right after the reports; freeing a large contract's
    // document and plan would only delay that (tens of ms for a 10 MB spec).
    std::mem::forget((Arc::clone(&contract), Arc::clone(&plan)));
    let report = check::run(contract, plan, &run_options, redactor)
        .await
        .map_err(Failure::bad_input);
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    let mut report = report?;
    check::compare_targets(&mut report, &reference);
    if let Some(diff) = &since {
        check::mark_release_changes(&mut report, diff);
    }
    finish_report(&mut report, args, excluded)?;
    let code = deliver(
        &report,
        &Delivery {
            files: &args.files,
            output: &args.output,
            github: args.github.enabled(),
            all_parity_rows: args.parity.all,
        },
    )?;
    // Like the contract: the process exits next, freeing would only delay it.
    std::mem::forget(report);
    Ok(code)
}

/// `--include`/`--exclude`/`--exclude-deprecated`/`--shard` and
/// rollcall.toml's `skip`s: takes the operations not to probe out of the
/// contract (returned, to be reported as skipped). Warns first about config
/// entries that name no operation of the spec.
fn select_operations(
    args: &PlanArgs,
    contract: &mut Contract,
    quiet: bool,
) -> Result<Vec<rollcall::filter::Excluded>, Failure> {
    if let Some(config) = &args.selection.loaded
        && !quiet
    {
        for warning in config.unmatched(contract) {
            print_err(&format!("warning: {}", printable::line(&warning)));
        }
    }
    let filter = args.selection.filter().map_err(Failure::bad_input)?;
    Ok(rollcall::filter::apply(contract, &filter))
}

/// Puts the excluded operations back as skipped, then applies rollcall.toml's
/// known gaps and expected verdicts (as of today, or `ROLLCALL_TODAY`).
fn finish_report(
    report: &mut RunReport,
    args: &CheckArgs,
    excluded: Vec<rollcall::filter::Excluded>,
) -> Result<(), Failure> {
    rollcall::filter::report_excluded(report, excluded);
    if let Some(config) = &args.plan.selection.loaded {
        let today = rollcall::config::Date::today().map_err(Failure::bad_input)?;
        config.apply_allowances(report, today);
    }
    Ok(())
}

/// `rollcall merge`: shard reports in, one report set out, exit code as `check`.
fn run_merge(args: &MergeArgs) -> Result<u8, Failure> {
    let mut inputs: Vec<Input> = args
        .reports
        .iter()
        .map(|path| Input {
            what: "a report to merge".to_string(),
            path: path.clone(),
        })
        .collect();
    inputs.extend(github_inputs(args.github.enabled()));
    output::check(&args.files.outputs(), &inputs).map_err(Failure::bad_input)?;
    let mut reports = Vec::with_capacity(args.reports.len());
    for path in &args.reports {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::bad_input(format!("{}: cannot read: {e}", path.display())))?;
        let report = report::json::parse(&text)
            .map_err(|e| Failure::bad_input(format!("{}: {e}", path.display())))?;
        reports.push(report);
    }
    let mut merged = report::merge::merge(reports).map_err(Failure::bad_input)?;
    if args.strict {
        merged.gate.strict = true;
    }
    if !args.fail_on.is_empty() {
        merged.gate.fail_on = Some(args.fail_on.clone());
        merged.gate.parity_only = false;
    }
    deliver(
        &merged,
        &Delivery {
            files: &args.files,
            output: &args.output,
            github: args.github.enabled(),
            all_parity_rows: false,
        },
    )
}

/// Where a finished report goes, the same for `check` and `merge`.
struct Delivery<'a> {
    /// The report files the user named; nothing else is written.
    files: &'a ReportFiles,
    output: &'a OutputArgs,
    /// GitHub Actions mode: annotations, step summary, step outputs.
    github: bool,
    /// `--all`: every operation in the parity matrices.
    all_parity_rows: bool,
}

/// Writes the report files asked for (their paths were checked before the
/// run), prints the terminal report and, in GitHub mode, publishes; returns
/// the exit code the gate gives. A report file that cannot be written after
/// all costs only itself: the others are written, the error is printed last,
/// and the exit code stays the run's.
fn deliver(report: &RunReport, how: &Delivery<'_>) -> Result<u8, Failure> {
    let markdown = MarkdownOptions {
        all_parity_rows: how.all_parity_rows,
    };
    let mut written = Vec::new();
    let mut failed = Vec::new();
    for (name, flag, path) in how.files.named() {
        let content = match flag {
            "--junit" => report::junit::render(report),
            "--json" => report::json::render(report),
            "--markdown" => report::markdown::render_with(report, &markdown),
            "--sarif" => report::sarif::render(report),
            _ => report::html::render(report),
        };
        match output::write(&Output { flag, path }, &content) {
            Ok(()) => written.push((name, path)),
            Err(error) => failed.push(error),
        }
    }
    print_terminal(report, how.output, how.all_parity_rows);
    let code = check::exit_code(report);
    if how.github {
        let env = report::github::GithubEnv::from_env();
        let errors = report::github::publish(report, code, &written, &env, &mut std::io::stdout());
        // A GitHub file that cannot be written is a warning: the check itself ran.
        for error in errors {
            print_err(&format!("warning: {error}"));
        }
    }
    for error in failed {
        print_err(&format!(
            "error: {error} (the other reports were written; the exit code is the run's)"
        ));
    }
    Ok(code)
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

/// The config file the run read, if any.
fn config_input(args: &PlanArgs) -> Option<Input> {
    args.selection.loaded.as_ref().map(|config| Input {
        what: "the config file".to_string(),
        path: config.path.clone(),
    })
}

/// The certificate and key files of the TLS flags.
fn tls_inputs(args: &TlsArgs) -> Vec<Input> {
    [
        ("--cacert", &args.cacert),
        ("--client-cert", &args.client_cert),
        ("--client-key", &args.client_key),
    ]
    .into_iter()
    .filter_map(|(flag, path)| {
        path.as_ref().map(|path| Input {
            what: format!("the {flag} file"),
            path: path.clone(),
        })
    })
    .collect()
}

/// In GitHub mode, the files GitHub mode appends to: a report must not
/// replace what earlier steps wrote there.
fn github_inputs(github: bool) -> Vec<Input> {
    if !github {
        return Vec::new();
    }
    let env = report::github::GithubEnv::from_env();
    [
        ("$GITHUB_STEP_SUMMARY", env.step_summary),
        ("$GITHUB_OUTPUT", env.output),
    ]
    .into_iter()
    .filter_map(|(what, path)| {
        path.map(|path| Input {
            what: what.to_string(),
            path,
        })
    })
    .collect()
}

/// With `--since OLD_SPEC`: how the contract differs from the older one,
/// and the files the older one's `$ref`s named (inputs too); with
/// `--only-new` too, the contract keeps only its new and changed operations.
async fn release_diff(
    args: &CheckArgs,
    contract: &mut Contract,
    load: &LoadOptions,
    redactor: &Redactor,
) -> Result<Option<(ContractDiff, Vec<String>)>, Failure> {
    let Some(old_spec) = &args.parity.since else {
        return Ok(None);
    };
    // --spec-header is for the spec's origin: an older contract elsewhere gets none.
    let origin = |spec: &str| url::Url::parse(spec).ok().map(|u| u.origin());
    let load = if origin(old_spec).is_some() && origin(old_spec) == origin(&args.plan.spec) {
        load.clone()
    } else {
        LoadOptions {
            headers: Vec::new(),
            ..load.clone()
        }
    };
    let old = load_contract(old_spec, &load, args.output.quiet, redactor).await?;
    let diff = ContractDiff::between(&old, contract);
    if args.parity.only_new {
        let declared = contract.operations.len();
        check::keep_new_and_changed(contract, &diff);
        if !args.output.quiet {
            print_err(&format!(
                "--only-new: probing {} of {declared} operations (new or changed since the --since contract)",
                contract.operations.len()
            ));
        }
    }
    Ok(Some((diff, old.referenced_files)))
}

/// `rollcall diff OLD NEW`: exit 1 when operations were removed, unless allowed.
async fn run_diff(args: &DiffArgs, redactor: &Redactor) -> Result<u8, Failure> {
    let load = load_options(&args.fetch, &tls_options(&args.tls)?)?;
    let old = load_contract(&args.old, &load, false, redactor).await?;
    let new = load_contract(&args.new, &load, false, redactor).await?;
    let mut diff = ContractDiff::between(&old, &new);
    diff.old.path = redactor.url(&diff.old.path);
    diff.new.path = redactor.url(&diff.new.path);
    let text = if args.json {
        report::diff::json(&diff)
    } else if args.markdown {
        report::diff::markdown(&diff)
    } else {
        report::diff::text(&diff)
    };
    print_out(&text);
    if diff.removed.is_empty() || args.allow_removals {
        Ok(exit::SERVED)
    } else {
        Ok(exit::FLAGGED)
    }
}

/// A progress bar on stderr while the probes run: only on a terminal, never
/// in CI, in GitHub mode or with --quiet (piped output stays clean). It is
/// cleared when the run ends, so the report reads the same either way.
fn progress_bar(probes: usize, args: &CheckArgs) -> Option<indicatif::ProgressBar> {
    let wanted = probes > 0
        && !args.output.quiet
        && !args.github.enabled()
        && std::env::var_os("CI").is_none_or(|v| v.is_empty())
        && std::io::stderr().is_terminal();
    if !wanted {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(probes as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "probing: {pos}/{len} requests {wide_bar} {elapsed}",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

/// Reads the certificate files named by the TLS flags; a missing or
/// unreadable file is bad input, named with its flag.
fn tls_options(args: &TlsArgs) -> Result<TlsOptions, Failure> {
    let read = |flag: &str, path: &Path| {
        std::fs::read(path)
            .map_err(|e| Failure::bad_input(format!("{flag} {}: cannot read: {e}", path.display())))
    };
    let extra_roots_pem = match &args.cacert {
        Some(path) => Some(read("--cacert", path)?),
        None => None,
    };
    let client_identity_pem = match (&args.client_cert, &args.client_key) {
        (Some(cert), Some(key)) => {
            let mut pem = read("--client-cert", cert)?;
            pem.push(b'\n');
            pem.extend(read("--client-key", key)?);
            Some(pem)
        }
        _ => None,
    };
    Ok(TlsOptions {
        accept_invalid_certs: args.insecure,
        extra_roots_pem,
        client_identity_pem,
    })
}

fn print_terminal(report: &RunReport, output: &OutputArgs, all_parity_rows: bool) {
    let color = match output.color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let text = report::terminal::render(
        report,
        &TerminalOptions {
            color,
            verbose: output.verbose,
            quiet: output.quiet,
            all_parity_rows,
        },
    );
    print_out(&text);
}

/// Writes `text` to stdout and flushes, ignoring errors: a reader that went
/// away (`rollcall list spec.yaml | head -1`) is no reason to panic, as
/// `print!` would, nor to fail a run whose reports are written.
///
/// When a GitHub Actions runner reads the output, no line can pass for a
/// workflow command ([`report::github::neutralize_commands`]).
fn print_out(text: &str) {
    let text = for_the_reader(text);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// One line on stderr, ignoring errors like [`print_out`] (stderr can be a
/// closed pipe too, e.g. `2>&1 | head -1`), made inert for GitHub like it.
fn print_err(line: &str) {
    let line = for_the_reader(line);
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(line.as_bytes());
    let _ = stderr.write_all(b"\n");
}

fn for_the_reader(text: &str) -> std::borrow::Cow<'_, str> {
    if READ_BY_GITHUB.load(Ordering::Relaxed) {
        report::github::neutralize_commands(text).into()
    } else {
        text.into()
    }
}

async fn run_list(args: &ListArgs, redactor: &mut Redactor) -> Result<u8, Failure> {
    let targets = args.target.parsed().map_err(Failure::bad_input)?;
    let load = load_options(&args.plan.fetch, &tls_options(&args.tls)?)?;
    let mut contract = load_contract(&args.plan.spec, &load, false, redactor).await?;
    let target_urls: Vec<&str> = targets.iter().map(|t| t.url.as_str()).collect();
    let urls = RunUrls {
        targets: &target_urls,
        contracts: &[args.plan.spec.as_str()],
    };
    let Planned {
        excluded, mut plan, ..
    } = plan_run(&args.plan, &mut contract, &urls, redactor, false)?;
    if let Some(signer) = aws_signer(&args.plan.request, &contract, redactor, false)? {
        print_err(&format!(
            "note: every request is signed with AWS Signature Version 4 ({}) as it is sent; the requests below are shown unsigned",
            signer.provider
        ));
    }
    check::plan_excluded(&mut contract, &mut plan, excluded);
    let listed: Vec<report::listing::ListedTarget> = targets
        .iter()
        .map(|t| report::listing::ListedTarget {
            name: t.name.clone(),
            base: t.base(&contract),
        })
        .collect();
    let text = if args.json {
        report::listing::json(&contract, &plan, &listed, redactor)
    } else {
        report::listing::text(&contract, &plan, &listed, redactor)
    };
    print_out(&text);
    // The process exits next; freeing a large contract would only delay it.
    std::mem::forget((contract, plan, text));
    Ok(exit::SERVED)
}

async fn run_demo(args: &DemoArgs) -> Result<u8, Failure> {
    if let Some(port) = args.serve {
        return serve_demo(port).await;
    }
    if args.junit.exists() && !is_rollcall_report(&args.junit) {
        return Err(Failure::bad_input(format!(
            "{} exists and is not a rollcall report; not overwriting it (choose another path with --junit)",
            args.junit.display()
        )));
    }
    let server = rollcall::demo::Server::start()
        .await
        .map_err(|e| Failure::bad_input(format!("cannot start the demo service: {e}")))?;
    let contract = contract::parse(rollcall::demo::SPEC_PATH, rollcall::demo::SPEC.as_bytes())
        .map_err(Failure::bad_input)?;
    let options = PlanOptions::default();
    let plan = plan::build(&contract, &options).map_err(Failure::bad_input)?;
    let target = TargetSpec {
        name: "demo".into(),
        url: server.url(),
        connect_to: Vec::new(),
        base_path: None,
    };
    let redactor = plan::auth::redactor(Some(&contract), &options, &[], &[]);
    let run_options = RunOptions {
        targets: vec![target],
        ..RunOptions::default()
    };
    let report = check::run(Arc::new(contract), Arc::new(plan), &run_options, &redactor)
        .await
        .map_err(Failure::bad_input)?;
    server.stop().await;
    let junit = Output {
        flag: "--junit",
        path: &args.junit,
    };
    output::write(&junit, &report::junit::render(&report)).map_err(Failure::bad_input)?;
    print_terminal(&report, &args.output, false);
    let mismatches = rollcall::demo::unexpected_verdicts(&report);
    if mismatches.is_empty() {
        print_out(&format!(
            "\ndemo: every verdict is the one the sample service was built to show; JUnit written to {}\n",
            args.junit.display()
        ));
        Ok(exit::SERVED)
    } else {
        let mut text =
            "\ndemo: some verdicts differ from what the sample service was built to show:\n"
                .to_string();
        for m in mismatches {
            text.push_str(&format!("  {m}\n"));
        }
        print_out(&text);
        Ok(exit::FLAGGED)
    }
}

fn is_rollcall_report(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .map(|s| s.contains("<testsuites name=\"rollcall\""))
        .unwrap_or(false)
}

/// `rollcall demo --serve`: the sample service alone, until Ctrl-C or SIGTERM.
async fn serve_demo(port: u16) -> Result<u8, Failure> {
    let server = rollcall::demo::Server::start_on_port(port)
        .await
        .map_err(|e| {
            Failure::bad_input(format!(
                "cannot start the demo service on 127.0.0.1:{port}: {e}"
            ))
        })?;
    print_out(&format!(
        "demo service listening on {} (contract: {}, server path /api/v1); Ctrl-C stops it\n",
        server.url(),
        rollcall::demo::SPEC_PATH
    ));
    wait_for_shutdown_signal().await;
    server.stop().await;
    Ok(exit::SERVED)
}

async fn wait_for_shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
