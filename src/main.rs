//! The `rollcall` binary: parse the command line, call the library, render
//! errors in one place, set the exit code.

mod cli;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use rollcall::check::{self, TargetSpec, exit};
use rollcall::contract::{self, Contract, LoadOptions};
use rollcall::plan::{self, Credential, PlanOptions};
use rollcall::probe::ProbeOptions;
use rollcall::redact::Redactor;
use rollcall::report::{self, RunReport, terminal::TerminalOptions};

use cli::{CheckArgs, Cli, ColorWhen, Command, DemoArgs, ListArgs, OutputArgs, RequestArgs};

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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
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
        }
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("error: {}", redactor.text(&failure.message));
            ExitCode::from(failure.code)
        }
    }
}

fn early_redactor(command: &Command) -> Redactor {
    let (request, targets): (Option<&RequestArgs>, Vec<&str>) = match command {
        Command::Check(a) => (
            Some(&a.request),
            a.targets.iter().map(String::as_str).collect(),
        ),
        Command::List(a) => (Some(&a.request), vec![a.spec.as_str()]),
        Command::Demo(_) => (None, vec![]),
    };
    let mut redactor = Redactor::default();
    if let Some(request) = request {
        for raw in request.auth.iter().chain(&request.headers) {
            // Whatever follows the first '=' or ':' may be a secret; mask it
            // before we even know whether the value parses.
            if let Some((_, secret)) = raw.split_once(['=', ':']) {
                redactor.add_secret(secret.trim());
            }
        }
    }
    let with_spec = match command {
        Command::Check(a) => targets
            .into_iter()
            .chain([a.spec.as_str()])
            .collect::<Vec<_>>(),
        _ => targets,
    };
    for url in with_spec {
        if let Ok(parsed) = url::Url::parse(url.split_once('=').map_or(url, |(_, u)| u)) {
            if let Some(password) = parsed.password() {
                redactor.add_secret(password);
            }
        }
    }
    redactor
}

async fn load_contract(spec: &str, quiet: bool) -> Result<Contract, Failure> {
    let contract = contract::load(spec, &LoadOptions::default())
        .await
        .map_err(Failure::bad_input)?;
    if !quiet {
        for warning in &contract.warnings {
            eprintln!("warning: {warning}");
        }
    }
    Ok(contract)
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

async fn run_check(args: &CheckArgs, redactor: &mut Redactor) -> Result<u8, Failure> {
    let targets = args.parsed_targets().map_err(Failure::bad_input)?;
    let contract = load_contract(&args.spec, args.output.quiet).await?;
    let options = plan_options(&args.request, &contract)?;
    let urls: Vec<&str> = targets.iter().map(|t| t.url.as_str()).collect();
    *redactor = Redactor::for_run(Some(&contract), &options, &urls);
    let plan = plan::build(&contract, &options).map_err(Failure::bad_input)?;
    let probe_options = ProbeOptions {
        timeout: args.timeout,
        concurrency: usize::from(args.concurrency),
        ..ProbeOptions::default()
    };
    let report = check::run(
        Arc::new(contract),
        Arc::new(plan),
        &targets,
        &probe_options,
        check::carries_credentials(&options),
        redactor,
    )
    .await
    .map_err(Failure::bad_input)?;
    write_reports(&report, args)?;
    print_terminal(&report, &args.output);
    Ok(check::exit_code(&report, args.strict))
}

fn write_reports(report: &RunReport, args: &CheckArgs) -> Result<(), Failure> {
    if let Some(path) = &args.junit {
        write_file(path, "--junit", &report::junit::render(report))?;
    }
    if let Some(path) = &args.json {
        write_file(path, "--json", &report::json::render(report))?;
    }
    if let Some(path) = &args.markdown {
        write_file(path, "--markdown", &report::markdown::render(report))?;
    }
    Ok(())
}

fn write_file(path: &Path, flag: &str, content: &str) -> Result<(), Failure> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            Failure::bad_input(format!(
                "{flag} {}: cannot create folder: {e}",
                path.display()
            ))
        })?;
    }
    std::fs::write(path, content)
        .map_err(|e| Failure::bad_input(format!("{flag} {}: cannot write: {e}", path.display())))
}

fn print_terminal(report: &RunReport, output: &OutputArgs) {
    let stdout = std::io::stdout();
    let color = match output.color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let text = report::terminal::render(
        report,
        &TerminalOptions {
            color,
            verbose: output.verbose,
            quiet: output.quiet,
        },
    );
    let mut lock = stdout.lock();
    let _ = lock.write_all(text.as_bytes());
    let _ = lock.flush();
}

async fn run_list(args: &ListArgs, redactor: &mut Redactor) -> Result<u8, Failure> {
    let contract = load_contract(&args.spec, false).await?;
    let options = plan_options(&args.request, &contract)?;
    *redactor = Redactor::for_run(Some(&contract), &options, &[]);
    let plan = plan::build(&contract, &options).map_err(Failure::bad_input)?;
    let text = if args.json {
        plan::listing::json(&contract, &plan, redactor)
    } else {
        plan::listing::text(&contract, &plan, redactor)
    };
    print!("{text}");
    Ok(exit::SERVED)
}

async fn run_demo(args: &DemoArgs) -> Result<u8, Failure> {
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
    };
    let redactor = Redactor::for_run(Some(&contract), &options, &[]);
    let report = check::run(
        Arc::new(contract),
        Arc::new(plan),
        &[target],
        &ProbeOptions::default(),
        false,
        &redactor,
    )
    .await
    .map_err(Failure::bad_input)?;
    server.stop().await;
    write_file(&args.junit, "--junit", &report::junit::render(&report))?;
    print_terminal(&report, &args.output);
    let mismatches = rollcall::demo::unexpected_verdicts(&report);
    if mismatches.is_empty() {
        println!(
            "\ndemo: every verdict is the one the sample service was built to show; JUnit written to {}",
            args.junit.display()
        );
        Ok(exit::SERVED)
    } else {
        println!("\ndemo: some verdicts differ from what the sample service was built to show:");
        for m in mismatches {
            println!("  {m}");
        }
        Ok(exit::FLAGGED)
    }
}

fn is_rollcall_report(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .map(|s| s.contains("<testsuites name=\"rollcall\""))
        .unwrap_or(false)
}
