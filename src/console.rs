//! What the binary prints and writes: stdout and stderr (made inert for a
//! GitHub Actions runner that reads them), the progress bar, the terminal
//! report and the report files of a finished run.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rollcall::check;
use rollcall::report::markdown::MarkdownOptions;
use rollcall::report::output::{self, Input, Output};
use rollcall::report::{self, RunReport, terminal::TerminalOptions};

use crate::Failure;
use crate::cli::{CheckArgs, ColorWhen, OutputArgs, ReportFiles};

/// Whether a GitHub Actions runner reads what we print: every line then
/// goes through [`report::github::neutralize_commands`].
static READ_BY_GITHUB: AtomicBool = AtomicBool::new(false);

/// Says whether a GitHub Actions runner reads what we print.
pub fn set_read_by_github(read: bool) {
    READ_BY_GITHUB.store(read, Ordering::Relaxed);
}

/// Where a finished report goes, the same for `check` and `merge`.
pub struct Delivery<'a> {
    /// The report files the user named; nothing else is written.
    pub files: &'a ReportFiles,
    pub output: &'a OutputArgs,
    /// GitHub Actions mode: annotations, step summary, step outputs.
    pub github: bool,
    /// `--all`: every operation in the parity matrices.
    pub all_parity_rows: bool,
}

/// Writes the report files asked for (their paths were checked before the
/// run), prints the terminal report and, in GitHub mode, publishes; returns
/// the exit code the gate gives. A report file that cannot be written after
/// all costs only itself: the others are written, the error is printed last,
/// and the exit code stays the run's.
pub fn deliver(report: &RunReport, how: &Delivery<'_>) -> Result<u8, Failure> {
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
pub fn github_inputs(github: bool) -> Vec<Input> {
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

/// Whether a progress bar shows on stderr while the probes run: only on a
/// terminal, never in CI, in GitHub mode or with --quiet (piped output
/// stays clean). It is cleared when the run ends, so the report reads the
/// same either way.
pub fn progress_wanted(args: &CheckArgs) -> bool {
    !args.output.quiet
        && !args.github.enabled()
        && std::env::var_os("CI").is_none_or(|v| v.is_empty())
        && std::io::stderr().is_terminal()
}

/// What a run says while it runs, on stderr: its lines, and a progress bar
/// when wanted.
pub struct Stderr {
    progress: bool,
    bar: std::sync::Mutex<Option<indicatif::ProgressBar>>,
}

impl Stderr {
    pub fn new(progress: bool) -> Stderr {
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

pub fn print_terminal(report: &RunReport, output: &OutputArgs, all_parity_rows: bool) {
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
pub fn print_out(text: &str) {
    let text = for_the_reader(text);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// One line on stderr, ignoring errors like [`print_out`] (stderr can be a
/// closed pipe too, e.g. `2>&1 | head -1`), made inert for GitHub like it.
pub fn print_err(line: &str) {
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

/// After an error, in GitHub mode: the step's outputs say so (a workflow
/// step reads them whatever the exit code).
pub fn publish_failure(code: u8, message: &str) {
    if let Some(path) = report::github::GithubEnv::from_env().output {
        let outputs = report::github::failure_outputs(code, message);
        if let Err(source) = report::github::append(&path, &outputs) {
            print_err(&format!(
                "warning: cannot append to $GITHUB_OUTPUT: {source}"
            ));
        }
    }
}
