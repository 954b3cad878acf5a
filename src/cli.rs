//! Command-line definitions (clap). Everything here only parses; `main`
//! turns the parsed values into library calls.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use rollcall::check::TargetSpec;
use rollcall::plan::Mode;

const EXIT_CODES: &str = "\
Exit codes:
  0  every operation is served
  1  at least one operation was flagged (not_implemented, missing_route,
     missing_method, server_error, stub, unreachable; with --strict also
     auth_required and unverified)
  2  bad input: CLI usage, unreadable or invalid spec, bad option value
  3  no target could be reached at all";

/// Checks that every operation an OpenAPI contract declares is really served
/// by a deployed build.
#[derive(Debug, Parser)]
#[command(name = "rollcall", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Probe every declared operation on one or more targets and report what is not served.
    ///
    /// Example: rollcall check openapi.yaml --target https://api.example.com --junit rollcall.xml
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// List the declared operations and the exact request each probe would send, without sending anything.
    ///
    /// Example: rollcall list openapi.yaml --mode live
    List(ListArgs),
    /// Start an embedded sample service on 127.0.0.1 and run a real check against it.
    ///
    /// The service implements only part of specs/demo.yaml: a 501 handler, a
    /// router left out of the build, a missing method, an auth-protected route
    /// and a handler that answers 404 for unknown ids. Exits 0 when the check
    /// found exactly those.
    Demo(DemoArgs),
}

/// Options that shape the requests (shared by `check` and `list`).
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// safe (default): never send a request a correct implementation would act on;
    /// live: valid requests for every method (staging, previews).
    ///
    /// Example: --mode live
    #[arg(long, value_enum, default_value_t = Mode::Safe, env = "ROLLCALL_MODE")]
    pub mode: Mode,

    /// Extra header for every request, repeatable. Values of credential headers
    /// (Authorization, Cookie, ...) are shown as *** in every output.
    ///
    /// Example: -H 'X-Tenant: acme'
    #[arg(short = 'H', long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,

    /// Credential for a security scheme of the spec, applied the way the scheme
    /// says (bearer, basic user:pass, apiKey in header/query/cookie). Repeatable.
    /// Also read from env ROLLCALL_AUTH_<SCHEME> (upper-cased, non-alphanumerics
    /// as _), which keeps secrets out of shell history.
    ///
    /// Example: --auth bearerAuth="$TOKEN"
    #[arg(long = "auth", value_name = "SCHEME=VALUE")]
    pub auth: Vec<String>,
}

// Headers, credentials and targets are parsed after clap, not by a clap value
// parser, because clap echoes a rejected value in its error and these values
// may hold secrets.
impl RequestArgs {
    pub fn parsed_headers(&self) -> Result<Vec<(String, String)>, String> {
        self.headers
            .iter()
            .map(|h| parse_header(h).map_err(|e| format!("-H/--header: {e}")))
            .collect()
    }

    pub fn parsed_auth(&self) -> Result<Vec<(String, String)>, String> {
        self.auth
            .iter()
            .map(|a| parse_auth(a).map_err(|e| format!("--auth: {e}")))
            .collect()
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The OpenAPI contract: a file path or an http(s) URL (OpenAPI 3.0/3.1, JSON or YAML).
    #[arg(value_name = "SPEC")]
    pub spec: String,

    /// A deployed service to probe, repeatable. With a path, the URL is the full
    /// base; without one, the path of the spec's first server is appended.
    ///
    /// Example: --target stable=https://api.example.com --target canary=http://10.0.0.7:8080
    #[arg(short, long = "target", value_name = "[NAME=]URL", required = true)]
    pub targets: Vec<String>,

    #[command(flatten)]
    pub request: RequestArgs,

    /// Write a JUnit XML report (one testsuite per target, one testcase per operation).
    ///
    /// Example: --junit reports/rollcall.xml
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Write the JSON report (format in README, "JSON report").
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Write a Markdown report (for PR comments and step summaries).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,

    /// Per-request timeout.
    ///
    /// Example: --timeout 3s
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Requests in flight at once, per target.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,

    /// Inconclusive verdicts (auth_required, unverified) fail the run too.
    #[arg(long)]
    pub strict: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

impl CheckArgs {
    pub fn parsed_targets(&self) -> Result<Vec<TargetSpec>, String> {
        let targets = self
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                t.parse::<TargetSpec>()
                    .map_err(|e| format!("--target #{}: {e}", i + 1))
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (i, t) in targets.iter().enumerate() {
            if targets[..i].iter().any(|other| other.name == t.name) {
                return Err(format!(
                    "--target: two targets are named '{}'; name them, e.g. stable=URL canary=URL",
                    t.name
                ));
            }
        }
        Ok(targets)
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The OpenAPI contract: a file path or an http(s) URL.
    #[arg(value_name = "SPEC")]
    pub spec: String,

    #[command(flatten)]
    pub request: RequestArgs,

    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the demo's JUnit report. An existing file that is not a
    /// rollcall report is never overwritten.
    #[arg(long, value_name = "FILE", default_value = "rollcall-demo.xml")]
    pub junit: PathBuf,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Only print the totals.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also print served operations and what discovery learned about each target.
    #[arg(short, long)]
    pub verbose: bool,

    /// When to color the terminal report (auto: only on a terminal, never with NO_COLOR).
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

fn parse_header(value: &str) -> Result<(String, String), String> {
    let (name, val) = value
        .split_once(':')
        .ok_or_else(|| "expected 'Name: value' (a colon between name and value)".to_string())?;
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
        return Err("the header name is empty or has characters a header name cannot have".into());
    }
    Ok((name.to_string(), val.trim().to_string()))
}

fn parse_auth(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((scheme, secret)) if !scheme.trim().is_empty() => {
            Ok((scheme.trim().to_string(), secret.to_string()))
        }
        // Never echo the value: it is a secret.
        _ => Err("expected SCHEME=VALUE, e.g. bearerAuth=$TOKEN".to_string()),
    }
}

fn parse_duration(value: &str) -> Result<Duration, String> {
    let parsed = match value.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds > 0.0 => Duration::from_secs_f64(seconds),
        Ok(_) => return Err("must be greater than zero".into()),
        Err(_) => humantime::parse_duration(value).map_err(|e| format!("{e} (e.g. 10s, 500ms)"))?,
    };
    if parsed.is_zero() {
        return Err("must be greater than zero".into());
    }
    Ok(parsed)
}
