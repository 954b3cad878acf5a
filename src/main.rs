//! The `rollcall` binary: parse the command line, call the library, render
//! errors in one place, set the exit code.

mod cli;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{CommandFactory, FromArgMatches};

use rollcall::check::{self, RunOptions, TargetSpec, exit};
use rollcall::contract;
use rollcall::plan::{self, PlanOptions};
use rollcall::printable;
use rollcall::redact::Redactor;
use rollcall::report::markdown::MarkdownOptions;
use rollcall::report::output::{self, Input, Output};
use rollcall::report::{self, RunReport, terminal::TerminalOptions};

use cli::{
    CheckArgs, Cli, ColorWhen, Command, DemoArgs, DiffArgs, ListArgs, MergeArgs, OutputArgs,
    ReportFiles, RequestArgs,
};

/// An error on its way to the one place that prints it, with its exit code.
struct Failure {
    message: String,
    code: u8,
}

impl From<check::CheckError> for Failure {
    fn from(error: check::CheckError) -> Failure {
        Failure {
            code: error.exit_code(),
            message: error.to_string(),
        }
    }
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
    let redactor = early_redactor(&cli.command);
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Check(args) => run_check(args, &redactor).await,
            Command::List(args) => run_list(args, &redactor).await,
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
    let config = match command {
        Command::Check(a) => a.plan.selection.loaded.as_ref(),
        Command::List(a) => a.plan.selection.loaded.as_ref(),
        Command::Demo(_) | Command::Diff(_) | Command::Merge(_) => None,
    };
    if let Some(config) = config {
        // The file's credentials and header values, as the flags' above.
        let headers = config.headers.iter().chain(&config.spec_headers);
        for value in headers.map(|(_, value)| value).chain(&config.secrets) {
            redactor.add_secret(value.trim());
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

async fn run_check(args: &CheckArgs, redactor: &Redactor) -> Result<u8, Failure> {
    let observer = Arc::new(Stderr::new(progress_wanted(args)));
    let request = args
        .request(
            redactor.clone(),
            observer,
            github_inputs(args.github.enabled()),
        )
        .map_err(Failure::bad_input)?;
    let report = check::execute(&request).await?;
    let code = deliver(
        &report,
        &Delivery {
            files: &args.files,
            output: &args.output,
            github: args.github.enabled(),
            all_parity_rows: args.parity.all,
        },
    )?;
    // The process exits next: freeing the report would only delay it.
    std::mem::forget(report);
    Ok(code)
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

/// `rollcall diff OLD NEW`: exit 1 when operations were removed, unless allowed.
async fn run_diff(args: &DiffArgs, redactor: &Redactor) -> Result<u8, Failure> {
    let tls = args.tls.options().map_err(Failure::bad_input)?;
    let load = args.fetch.load_options(&tls).map_err(Failure::bad_input)?;
    let diff =
        check::diff_contracts(&args.old, &args.new, &load, redactor, &Stderr::new(false)).await?;
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

/// Whether a progress bar shows on stderr while the probes run: only on a
/// terminal, never in CI, in GitHub mode or with --quiet (piped output
/// stays clean). It is cleared when the run ends, so the report reads the
/// same either way.
fn progress_wanted(args: &CheckArgs) -> bool {
    !args.output.quiet
        && !args.github.enabled()
        && std::env::var_os("CI").is_none_or(|v| v.is_empty())
        && std::io::stderr().is_terminal()
}

/// What a run says while it runs, on stderr: its lines, and a progress bar
/// when wanted.
struct Stderr {
    progress: bool,
    bar: std::sync::Mutex<Option<indicatif::ProgressBar>>,
}

impl Stderr {
    fn new(progress: bool) -> Stderr {
        Stderr {
            progress,
            bar: std::sync::Mutex::new(None),
        }
    }
}

impl check::Observer for Stderr {
    fn line(&self, line: &str) {
        print_err(line);
    }

    fn probing(&self, probes: usize) -> Option<rollcall::probe::ProbeDone> {
        if !self.progress || probes == 0 {
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
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar.clone());
        }
        Some(Arc::new(move || {
            // Follow-up requests (discovery, retries) can outnumber the plan.
            if bar.length().is_some_and(|len| bar.position() >= len) {
                bar.inc_length(1);
            }
            bar.inc(1);
        }))
    }

    fn probed(&self) {
        if let Ok(slot) = self.bar.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.finish_and_clear();
        }
    }
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

async fn run_list(args: &ListArgs, redactor: &Redactor) -> Result<u8, Failure> {
    let targets = args.target.parsed().map_err(Failure::bad_input)?;
    let tls = args.tls.options().map_err(Failure::bad_input)?;
    let request = args
        .plan
        .request(targets, tls, redactor.clone(), Arc::new(Stderr::new(false)))
        .map_err(Failure::bad_input)?;
    let check::Listing {
        contract,
        plan,
        redactor,
    } = check::plan_listing(&request).await?;
    let listed: Vec<report::listing::ListedTarget> = request
        .targets
        .iter()
        .map(|t| report::listing::ListedTarget {
            name: t.name.clone(),
            base: t.base(&contract),
        })
        .collect();
    let text = if args.json {
        report::listing::json(&contract, &plan, &listed, &redactor)
    } else {
        report::listing::text(&contract, &plan, &listed, &redactor)
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
