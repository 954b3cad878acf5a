//! The `rollcall` binary: parse the command line, call the library, render
//! errors in one place, set the exit code.

mod cli;
mod console;

use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, FromArgMatches};

use rollcall::check::{self, exit};
use rollcall::printable;
use rollcall::redact::Redactor;
use rollcall::report;
use rollcall::report::output::{self, Input, Output};

use console::{Delivery, Stderr, deliver, github_inputs, print_err, print_out, print_terminal};

use cli::{CheckArgs, Cli, Command, DemoArgs, DiffArgs, ListArgs, MergeArgs};

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

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // Whatever --no-github says: the runner reads every line of a step.
    let in_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    console::set_read_by_github(cli.command.github_flag() || in_actions);
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
    let redactor = cli.command.early_redactor();
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
            if cli.command.github_enabled() {
                console::publish_failure(failure.code, &message);
            }
            ExitCode::from(failure.code)
        }
    }
}

async fn run_check(args: &CheckArgs, redactor: &Redactor) -> Result<u8, Failure> {
    let observer = Arc::new(Stderr::new(console::progress_wanted(args)));
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
    let mut merged = report::merge::merge_files(&args.reports).map_err(Failure::bad_input)?;
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
    if args.junit.exists() && !rollcall::demo::is_rollcall_report(&args.junit) {
        return Err(Failure::bad_input(format!(
            "{} exists and is not a rollcall report; not overwriting it (choose another path with --junit)",
            args.junit.display()
        )));
    }
    let report = rollcall::demo::check().await?;
    let junit = Output {
        flag: "--junit",
        path: &args.junit,
    };
    output::write(&junit, &report::junit::render(&report)).map_err(Failure::bad_input)?;
    print_terminal(&report, &args.output, false);
    let (text, code) = rollcall::demo::summary(&report, &args.junit);
    print_out(&text);
    Ok(code)
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
    rollcall::demo::shutdown_signal().await;
    server.stop().await;
    Ok(exit::SERVED)
}
