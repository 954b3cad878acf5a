//! Command-line definitions (clap). Everything here only parses; `main`
//! turns the parsed values into library calls.

use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Parser, Subcommand, ValueEnum};

use rollcall::check::{BasePathSpec, TargetSpec};
use rollcall::plan::{BasePath, Mode};
use rollcall::probe::resolve::ResolveOverride;
use rollcall::redact::Redactor;
use rollcall::verdict::Verdict;

const EXIT_CODES: &str = "\
Exit codes:
  0  every operation is served
  1  at least one result has a verdict that fails the run (by default
     not_implemented, missing_route, missing_method, server_error, stub,
     accepts_invalid, inconsistent, unreachable; --fail-on chooses them, --strict adds
     auth_required and unverified), or an operation's verdict differs between
     targets (with --parity-only, only the latter); whatever the gate, also
     when nothing was proven served on some target
  2  bad input: CLI usage, unreadable or invalid spec, bad option value, a
     report path that cannot be written or would replace an input, a
     request no HTTP client can send
  3  no target could be reached at all, or one did not answer within --wait-for";

const DIFF_EXIT_CODES: &str = "\
Exit codes:
  0  nothing was removed (or --allow-removals)
  1  at least one operation was removed
  2  bad input: unreadable or invalid spec";

/// Checks that every operation an OpenAPI contract declares is really served
/// by a deployed build.
#[derive(Debug, Parser)]
#[command(name = "rollcall", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Probe every declared operation on one or more targets and report what is not served.
    ///
    /// Example: rollcall check openapi.yaml --target https://api.example.com --junit rollcall.xml
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// List the declared operations and the exact request each probe would send, without sending anything.
    ///
    /// Reads rollcall.toml like `check` (spec, mode, headers, credentials,
    /// filters, skips, per-operation values, targets), so it shows exactly
    /// what `check` would send; operations left out are listed as skipped.
    /// In live mode the operations are listed in the phases they are sent
    /// in; with targets (--target, or the file's), the base URL each
    /// request is joined to.
    ///
    /// Example: rollcall list openapi.yaml --mode live --target http://127.0.0.1:8080 --base-path /
    List(ListArgs),
    /// Start an embedded sample service on 127.0.0.1 and run a real check against it.
    ///
    /// The service implements only part of specs/demo.yaml: a 501 handler, a
    /// router left out of the build, a missing method, an auth-protected route
    /// and a handler that answers 404 for unknown ids. Exits 0 when the check
    /// found exactly those.
    Demo(DemoArgs),
    /// List the operations added, removed and changed (parameters, request
    /// body media types, security) between two contracts.
    ///
    /// Example: rollcall diff openapi-1.4.yaml openapi-1.5.yaml --markdown
    #[command(after_help = DIFF_EXIT_CODES)]
    Diff(DiffArgs),
    /// Combine the JSON reports of `check --shard I/N` runs into one report set.
    ///
    /// Example: rollcall merge shard-*.json --junit rollcall.xml --markdown rollcall.md
    #[command(after_help = EXIT_CODES)]
    Merge(MergeArgs),
}

/// The config file and which operations a check probes.
#[derive(Debug, Args)]
pub struct SelectionArgs {
    /// Read settings from this TOML file (see README, "Config reference");
    /// without it, ./rollcall.toml is read if present. Flags override the file.
    ///
    /// Example: --config ci/rollcall.toml
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Probe only operations matching one of these rules (repeatable):
    /// tag:NAME, method:METHOD, id:OPERATION_ID, path:GLOB. Others are
    /// reported as skipped. Replaces the config file's `include`.
    ///
    /// Example: --include tag:pets --include 'path:/admin/**'
    #[arg(long, value_name = "RULE")]
    pub include: Vec<String>,

    /// Do not probe operations matching any of these rules (repeatable; same
    /// syntax as --include); they are reported as skipped. Replaces the config
    /// file's `exclude`.
    ///
    /// Example: --exclude method:DELETE
    #[arg(long, value_name = "RULE")]
    pub exclude: Vec<String>,

    /// Do not probe operations marked `deprecated: true`; they are reported as skipped.
    #[arg(long)]
    pub exclude_deprecated: bool,

    /// Probe only the I-th of N shards (1-based); operations are split by a
    /// hash of `METHOD /path`, so the split survives spec reordering. Other
    /// shards' operations are left out of the reports; combine the shards'
    /// --json reports with `rollcall merge`.
    ///
    /// Example: --shard 2/4
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,

    /// The config file, once loaded (by [`apply_config`]).
    #[arg(skip)]
    pub loaded: Option<rollcall::config::Config>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON reports written by `rollcall check --json` (one per shard).
    #[arg(value_name = "REPORT.json", required = true)]
    pub reports: Vec<PathBuf>,

    #[command(flatten)]
    pub files: ReportFiles,

    #[command(flatten)]
    pub github: GithubArgs,

    /// Inconclusive verdicts (auth_required, unverified) fail the run too.
    #[arg(long)]
    pub strict: bool,

    /// The verdicts that fail the merged run, instead of those the shards
    /// were checked with (see `rollcall check --help`).
    #[arg(long, value_name = "VERDICT[,VERDICT...]", value_delimiter = ',', value_parser = parse_verdict)]
    pub fail_on: Vec<Verdict>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Options that shape the requests (shared by `check` and `list`).
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// safe (default): never send a request a correct implementation would act on;
    /// live: valid requests for every method (staging, previews), in phases:
    /// creations first, then reads and changes, removals last, deepest paths
    /// first (`list --mode live` shows them).
    ///
    /// Example: --mode live
    #[arg(long, value_enum, default_value_t = Mode::Safe, env = "ROLLCALL_MODE")]
    pub mode: Mode,

    /// Extra header for every request, repeatable. Values of credential headers
    /// are shown as *** in every output: Authorization, Cookie, any header an
    /// apiKey scheme names, any whose name contains key, token, secret, auth,
    /// session, signature, password or credential, and those named by
    /// --secret-header.
    ///
    /// Example: -H 'X-Tenant: acme'
    #[arg(short = 'H', long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,

    /// A header whose value is a credential although its name does not say
    /// so: its value is shown as *** in every output (reports, curl lines,
    /// errors), wherever it appears, and a 401 to it reads as a rejected
    /// credential. Repeatable; adds to `secret_headers` in rollcall.toml.
    ///
    /// Example: --secret-header X-Tenant-Id
    #[arg(long = "secret-header", value_name = "NAME")]
    pub secret_headers: Vec<String>,

    /// Credential for a security scheme of the spec, applied the way the scheme
    /// says (bearer, basic user:pass, apiKey in header/query/cookie). Repeatable.
    /// Also read from env ROLLCALL_AUTH_<SCHEME> (upper-cased, non-alphanumerics
    /// as _), which keeps secrets out of shell history.
    ///
    /// Example: --auth bearerAuth="$TOKEN"
    #[arg(long = "auth", value_name = "SCHEME=VALUE")]
    pub auth: Vec<String>,

    /// Sign every request with AWS Signature Version 4, as curl's
    /// --aws-sigv4 does: S3 and S3-compatible stores (MinIO, Ceph RGW,
    /// Garage, SeaweedFS, R2) refuse unsigned requests. The key pair comes
    /// from --user, else AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with
    /// AWS_SESSION_TOKEN, if set). Also rollcall.toml's `aws_sigv4`.
    ///
    /// Example: --aws-sigv4 aws:amz:us-east-1:s3 --user "$ACCESS_KEY:$SECRET_KEY"
    #[arg(
        long = "aws-sigv4",
        value_name = "aws:amz:REGION:SERVICE",
        env = "ROLLCALL_AWS_SIGV4"
    )]
    pub aws_sigv4: Option<String>,

    /// The key pair that signs the requests (--aws-sigv4), as curl's --user.
    /// The secret key is never shown.
    #[arg(long = "user", value_name = "ACCESS_KEY:SECRET_KEY")]
    pub user: Option<String>,
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

    /// The plan options these flags ask for: the mode, the `--auth`
    /// credentials and `-H` headers (the run adds the rest).
    pub fn plan_options(&self) -> Result<rollcall::plan::PlanOptions, String> {
        Ok(rollcall::plan::PlanOptions {
            mode: self.mode,
            credentials: self
                .parsed_auth()?
                .into_iter()
                .map(|(scheme, value)| rollcall::plan::Credential { scheme, value })
                .collect(),
            headers: self.parsed_headers()?,
            ..Default::default()
        })
    }

    /// The AWS Signature Version 4 signer `--aws-sigv4` asks for, with its
    /// key pair from `--user` or `env` (the AWS_* variables); `None` without
    /// `--aws-sigv4`.
    pub fn signer(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<rollcall::probe::sigv4::SigV4>, String> {
        let Some(provider) = &self.aws_sigv4 else {
            if self.user.is_some() {
                return Err(
                    "--user: the key pair signs requests only with --aws-sigv4 aws:amz:REGION:SERVICE"
                        .to_string(),
                );
            }
            return Ok(None);
        };
        let provider = provider
            .parse::<rollcall::probe::sigv4::Provider>()
            .map_err(|e| format!("--aws-sigv4: {e}"))?;
        let set = |name: &str| env(name).filter(|value| !value.is_empty());
        let (access_key, secret_key, token) = match &self.user {
            // Never echo the value: it holds the secret key.
            Some(user) => match user.split_once(':') {
                Some((key, secret)) if !key.trim().is_empty() && !secret.is_empty() => {
                    (key.trim().to_string(), secret.to_string(), None)
                }
                _ => {
                    return Err(
                        "--user: expected ACCESS_KEY:SECRET_KEY (a colon between the two)"
                            .to_string(),
                    );
                }
            },
            None => match (set("AWS_ACCESS_KEY_ID"), set("AWS_SECRET_ACCESS_KEY")) {
                (Some(key), Some(secret)) => (key, secret, set("AWS_SESSION_TOKEN")),
                _ => {
                    return Err(format!(
                        "--aws-sigv4 {provider}: no key pair: give --user ACCESS_KEY:SECRET_KEY, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                    ));
                }
            },
        };
        Ok(Some(rollcall::probe::sigv4::SigV4::new(
            provider, access_key, secret_key, token,
        )))
    }
}

/// What decides the requests a run sends: the contract, the config file,
/// which operations, and how each request is shaped. Shared by `check` and
/// `list`, so that `list` shows exactly what `check` would send.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The contract: a file path or an http(s) URL (Swagger 2.0, OpenAPI 3.x; JSON or YAML).
    /// May be left out when rollcall.toml names it (`spec = "..."`).
    #[arg(value_name = "SPEC", default_value = "", hide_default_value = true)]
    pub spec: String,

    #[command(flatten)]
    pub selection: SelectionArgs,

    #[command(flatten)]
    pub fetch: SpecFetchArgs,

    #[command(flatten)]
    pub request: RequestArgs,
}

/// How a contract given as a URL, and what its `$ref`s name, are read
/// (shared by `check`, `list` and `diff`; the TLS flags are [`TlsArgs`]).
#[derive(Debug, Args)]
pub struct SpecFetchArgs {
    /// Follow `$ref`s to http(s) URLs of other origins. Off by default: a
    /// contract must not make rollcall fetch arbitrary hosts. Relative file
    /// `$ref`s of a local contract, and `$ref`s of a contract read from a URL
    /// to its own origin, are always followed; a contract read from a URL
    /// never reads a local file.
    #[arg(long)]
    pub allow_remote_refs: bool,

    /// Header for fetching a contract given as a URL (a private contract
    /// behind auth), repeatable. Sent only to the origin (scheme, host and
    /// port) of each contract read from a URL, its `$ref`s there too; never
    /// to targets or other hosts. Its value is shown as *** in every output.
    ///
    /// Example: --spec-header "Authorization: Bearer $SPEC_TOKEN"
    #[arg(long = "spec-header", value_name = "'NAME: VALUE'")]
    pub spec_headers: Vec<String>,
}

impl SpecFetchArgs {
    pub fn parsed_spec_headers(&self) -> Result<Vec<(String, String)>, String> {
        self.spec_headers
            .iter()
            .map(|h| parse_header(h).map_err(|e| format!("--spec-header: {e}")))
            .collect()
    }

    /// How `check`, `list` and `diff` read a contract given as a URL: the
    /// `$ref` policy, `--spec-header`s (each sent to the origin of the
    /// contract being read) and the TLS flags.
    pub fn load_options(
        &self,
        tls: &rollcall::probe::TlsOptions,
    ) -> Result<rollcall::contract::LoadOptions, String> {
        Ok(rollcall::contract::LoadOptions {
            allow_remote_refs: self.allow_remote_refs,
            headers: self.parsed_spec_headers()?,
            tls: tls.clone(),
            ..rollcall::contract::LoadOptions::default()
        })
    }
}

/// The report files to write (shared by `check` and `merge`).
#[derive(Debug, Args)]
pub struct ReportFiles {
    /// Write a JUnit XML report (one testsuite per target, one testcase per operation).
    ///
    /// Example: --junit reports/rollcall.xml
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Write the JSON report (its format is in the README, "Reports").
    ///
    /// Example: --json rollcall.json
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Write a Markdown report (for PR comments and step summaries).
    ///
    /// Example: --markdown rollcall.md
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,

    /// Write a self-contained HTML report: totals, an operations × targets
    /// matrix colored by verdict, filters, evidence and curl on click. It
    /// fetches nothing from the network.
    ///
    /// Example: --html rollcall.html
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// Write the results that fail the run, and the other flagged ones as
    /// warnings, as SARIF 2.1.0 at the spec's file and line, for GitHub code
    /// scanning (github/codeql-action/upload-sarif).
    ///
    /// Example: --sarif rollcall.sarif
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
}

impl ReportFiles {
    /// The files asked for, as (step-output name, flag, path), in a fixed order.
    pub fn named(&self) -> Vec<(&'static str, &'static str, &std::path::Path)> {
        [
            ("junit", "--junit", &self.junit),
            ("json", "--json", &self.json),
            ("markdown", "--markdown", &self.markdown),
            ("html", "--html", &self.html),
            ("sarif", "--sarif", &self.sarif),
        ]
        .into_iter()
        .filter_map(|(name, flag, path)| path.as_deref().map(|p| (name, flag, p)))
        .collect()
    }

    /// The files asked for, as [`rollcall::report::output`] checks and writes them.
    pub fn outputs(&self) -> Vec<rollcall::report::output::Output<'_>> {
        self.named()
            .into_iter()
            .map(|(_, flag, path)| rollcall::report::output::Output { flag, path })
            .collect()
    }
}

/// The targets and where on them the contract's paths are (shared by
/// `check` and `list`).
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// A deployed service to probe, repeatable. With a path, the URL is the full
    /// base; without one, the path of the spec's first server is appended
    /// (unless --base-path says otherwise).
    ///
    /// Example: --target stable=https://api.example.com --target canary=http://10.0.0.7:8080
    #[arg(short, long = "target", value_name = "[NAME=]URL")]
    pub targets: Vec<String>,

    /// Where the contract's paths are on the targets: PATH follows each
    /// target's URL instead of the spec's server path; `/` means exactly
    /// the target URL (a service at the root, behind a path-stripping proxy,
    /// a mock). NAME=PATH sets it for one target. Repeatable; `list` shows
    /// the resulting URLs.
    ///
    /// Example: --base-path / --base-path canary=/api/v2
    #[arg(long = "base-path", value_name = "[NAME=]PATH")]
    pub base_paths: Vec<BasePathSpec>,

    /// The config file's targets (each with its own base path), used when
    /// no --target is given.
    #[arg(skip)]
    pub configured: Vec<TargetSpec>,

    /// The config file's `base_path`, for targets that have none of their own.
    #[arg(skip)]
    pub configured_base_path: Option<BasePath>,
}

impl TargetArgs {
    /// Keeps the file's targets and base path for [`TargetArgs::parsed`].
    fn apply_config(&mut self, config: &rollcall::config::Config) {
        self.configured.clone_from(&config.targets);
        self.configured_base_path.clone_from(&config.base_path);
    }

    /// Whether a target was given on the command line or in the file.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty() && self.configured.is_empty()
    }

    /// The targets: `--target`s, else the config file's; each with its
    /// base path: a `--base-path NAME=PATH` for it, else `--base-path PATH`,
    /// else its own in the file, else the file's `base_path`.
    pub fn parsed(&self) -> Result<Vec<TargetSpec>, String> {
        let mut targets = if self.targets.is_empty() {
            self.configured.clone()
        } else {
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
            targets
        };
        for target in &mut targets {
            if target.base_path.is_none() {
                target.base_path.clone_from(&self.configured_base_path);
            }
        }
        rollcall::check::apply_base_paths(&mut targets, &self.base_paths)
            .map_err(|e| format!("--base-path {e}"))?;
        Ok(targets)
    }
}

impl Command {
    /// `--github` (or its environment variable) was given.
    pub fn github_flag(&self) -> bool {
        match self {
            Command::Check(args) => args.github.github,
            Command::Merge(args) => args.github.github,
            Command::List(_) | Command::Demo(_) | Command::Diff(_) => false,
        }
    }

    /// Whether the command publishes to GitHub Actions (annotations, step
    /// summary, outputs).
    pub fn github_enabled(&self) -> bool {
        match self {
            Command::Check(a) => a.github.enabled(),
            Command::Merge(a) => a.github.enabled(),
            Command::List(_) | Command::Demo(_) | Command::Diff(_) => false,
        }
    }

    /// The secrets known before anything runs (flag values, the config
    /// file's, URL passwords and the contracts' URLs), so that even an early
    /// error is masked.
    pub fn early_redactor(&self) -> Redactor {
        let command = self;
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
        for contract in command.contract_urls() {
            redactor.add_contract_url(contract);
        }
        redactor
    }

    /// The contracts a command reads, as the user named them (file paths or
    /// URLs): the userinfo and query of a URL among them are secrets.
    fn contract_urls(&self) -> Vec<&str> {
        let command = self;
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
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub plan: PlanArgs,

    #[command(flatten)]
    pub target: TargetArgs,

    #[command(flatten)]
    pub files: ReportFiles,

    #[command(flatten)]
    pub github: GithubArgs,

    /// Per-request timeout.
    ///
    /// Example: --timeout 3s
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Requests in flight at once, per target. Lower it to be gentler on a small service.
    ///
    /// Example: --concurrency 4
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,

    /// At most N requests per second per target (discovery included), to cap
    /// the load on a production service. Default: no cap.
    ///
    /// Example: --rate 20/s
    #[arg(long, value_name = "N/s", value_parser = parse_rate)]
    pub rate: Option<f64>,

    /// How many times an answer asking to come back later (429, or 503 with
    /// Retry-After) is retried, after the wait it asks for (at most 10 s) or
    /// a jittered backoff. Retries are reported in the evidence. All their
    /// waits come out of one budget for the whole run (--retry-budget).
    ///
    /// Example: --retries 0
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,

    /// How long the retries of the whole run (every target; discovery,
    /// probes and follow-ups) may wait in all. Once it is spent, an answer
    /// asking to come back later is reported as it was answered, and the
    /// report warns that the budget ran out.
    ///
    /// Example: --retry-budget 2m
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub retry_budget: Duration,

    #[command(flatten)]
    pub tls: TlsArgs,

    /// Speak HTTP/2 from the first byte to plain-http targets (h2c prior
    /// knowledge), for servers that do not speak HTTP/1.1. Over https, HTTP/2
    /// is negotiated without it.
    #[arg(long)]
    pub http2_prior_knowledge: bool,

    #[command(flatten)]
    pub parity: ParityArgs,

    /// Inconclusive verdicts (auth_required, unverified) fail the run too.
    #[arg(long, overrides_with = "no_strict")]
    pub strict: bool,

    /// Turn off `strict = true` of rollcall.toml for this run.
    #[arg(long, overrides_with = "strict")]
    pub no_strict: bool,

    /// The verdicts that fail the run (comma-separated, repeatable), instead
    /// of the default not_implemented, missing_route, missing_method,
    /// server_error, stub, inconsistent, unreachable. Other flagged results
    /// are still reported (JUnit <skipped>, GitHub warnings) but do not fail
    /// it. --strict adds auth_required and unverified to this list;
    /// operations whose verdicts differ between targets fail in any case.
    /// Cannot be combined with --parity-only.
    ///
    /// Example: --fail-on not_implemented,missing_route,missing_method
    #[arg(long, value_name = "VERDICT[,VERDICT...]", value_delimiter = ',', value_parser = parse_verdict, conflicts_with = "parity_only")]
    pub fail_on: Vec<Verdict>,

    /// Before probing, wait until every target answers at all (any HTTP
    /// status: a service that is still starting), polling GET on its base
    /// URL; then probe. A target still silent after DURATION ends the run
    /// with exit 3.
    ///
    /// Example: --wait-for 60s
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub wait_for: Option<Duration>,

    /// A phrase that marks a small 2xx body as a placeholder (verdict stub),
    /// besides the built-in ones ("not implemented", "coming soon", "TODO", ...).
    /// Matched as whole words, in any case, and in snake_case, kebab-case and
    /// CamelCase forms. Repeatable.
    ///
    /// Example: --stub-phrase 'work in progress'
    #[arg(long = "stub-phrase", value_name = "TEXT")]
    pub stub_phrases: Vec<String>,

    /// Never read 2xx bodies for placeholder phrases: a 2xx is always implemented.
    #[arg(long)]
    pub no_stub_detection: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

impl CheckArgs {
    /// The run these arguments (with the config file applied) ask for, as
    /// the library takes it: every value parsed, every named file read.
    /// `redactor` holds the secrets known before the run; `protected` are
    /// the files besides the contracts and the config that no report may
    /// overwrite (GitHub's).
    pub fn request(
        &self,
        redactor: rollcall::redact::Redactor,
        observer: std::sync::Arc<dyn rollcall::check::Observer>,
        protected: Vec<rollcall::report::output::Input>,
    ) -> Result<rollcall::check::CheckRequest, String> {
        use rollcall::probe::{ProbeOptions, RetryBudget};
        let targets = self.target.parsed()?;
        let base = self
            .plan
            .request(targets, self.tls.options()?, redactor, observer)?;
        let mut inputs: Vec<_> = self.plan.selection.config_input().into_iter().collect();
        inputs.extend(self.tls.inputs());
        inputs.extend(protected);
        Ok(rollcall::check::CheckRequest {
            since: self.parity.since.clone(),
            only_new: self.parity.only_new,
            resolve: self.parity.resolve.clone(),
            each_address: self.parity.each_address,
            wait_for: self.wait_for,
            reference: self.parity.reference.clone(),
            reference_origin: self.parity.reference_origin.clone(),
            probe: ProbeOptions {
                signer: base.probe.signer.clone(),
                timeout: self.timeout,
                concurrency: usize::from(self.concurrency),
                tls: base.probe.tls.clone(),
                retries: self.retries,
                retry_budget: RetryBudget::new(self.retry_budget),
                rate_per_second: self.rate,
                http2_prior_knowledge: self.http2_prior_knowledge,
                ..ProbeOptions::default()
            },
            repeat: self.parity.repeat,
            verdict: self.verdict_settings(),
            gate: self.gate(),
            outputs: self
                .files
                .named()
                .into_iter()
                .map(|(_, flag, path)| (flag, path.to_path_buf()))
                .collect(),
            protected: inputs,
            quiet: self.output.quiet,
            ..base
        })
    }

    /// The gate these options ask for (precedence in [`rollcall::report::Gate`]).
    pub fn gate(&self) -> rollcall::report::Gate {
        rollcall::report::Gate {
            fail_on: (!self.fail_on.is_empty()).then(|| self.fail_on.clone()),
            strict: self.strict,
            parity_only: self.parity.parity_only,
        }
    }

    /// The verdict settings these options ask for.
    pub fn verdict_settings(&self) -> rollcall::verdict::Settings {
        rollcall::verdict::Settings {
            stub_detection: !self.no_stub_detection,
            stub_phrases: self.stub_phrases.clone(),
        }
    }
}

/// Whether the user typed option `id` (or set its environment variable),
/// as opposed to clap filling in its default; `matches` are the
/// subcommand's.
fn typed(matches: Option<&ArgMatches>, id: &str) -> bool {
    matches.is_some_and(|m| {
        matches!(
            m.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        )
    })
}

impl PlanArgs {
    /// What these arguments ask of planning, as a [`rollcall::check::CheckRequest`]
    /// that probes nothing more (what `list` needs; `check` adds the rest).
    pub fn request(
        &self,
        targets: Vec<TargetSpec>,
        tls: rollcall::probe::TlsOptions,
        redactor: rollcall::redact::Redactor,
        observer: std::sync::Arc<dyn rollcall::check::Observer>,
    ) -> Result<rollcall::check::CheckRequest, String> {
        let mut load = self.fetch.load_options(&tls)?;
        let mut plan = self.request.plan_options()?;
        if let Some(config) = &self.selection.loaded {
            // `--auth`, `-H` and `--spec-header` for a scheme or header name
            // win; the file's fill in the rest.
            let unnamed = |given: &[(String, String)], name: &str| {
                !given.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
            };
            for credential in &config.credentials {
                if !plan
                    .credentials
                    .iter()
                    .any(|c| c.scheme == credential.scheme)
                {
                    plan.credentials.push(credential.clone());
                }
            }
            // Values trimmed, as `-H` trims them.
            for (name, value) in &config.headers {
                if unnamed(&plan.headers, name) {
                    plan.headers.push((name.clone(), value.trim().to_string()));
                }
            }
            for (name, value) in &config.spec_headers {
                if unnamed(&load.headers, name) {
                    load.headers.push((name.clone(), value.trim().to_string()));
                }
            }
        }
        let signer = self
            .request
            .signer(&|name| std::env::var(name).ok())?
            .map(std::sync::Arc::new);
        Ok(rollcall::check::CheckRequest {
            spec: self.spec.clone(),
            load,
            since: None,
            only_new: false,
            selection: self.selection.filter()?,
            config: self.selection.loaded.clone(),
            plan,
            secret_headers: self.request.secret_headers.clone(),
            targets,
            resolve: Vec::new(),
            each_address: false,
            wait_for: None,
            reference: None,
            reference_origin: None,
            probe: rollcall::probe::ProbeOptions {
                signer,
                tls,
                ..rollcall::probe::ProbeOptions::default()
            },
            repeat: 1,
            verdict: rollcall::verdict::Settings::default(),
            gate: rollcall::report::Gate::default(),
            outputs: Vec::new(),
            protected: Vec::new(),
            quiet: false,
            redactor,
            observer,
        })
    }

    /// Loads the config file (`--config`, else ./rollcall.toml if present)
    /// and fills in what the command line left unset of the spec, the mode,
    /// the credentials and headers and the selection: a flag the user gave
    /// (or its environment variable) always wins over the file. The file
    /// stays in `selection.loaded` for the rest (filters, request values,
    /// known gaps) and is returned for the caller's own settings.
    pub fn apply_config(
        &mut self,
        matches: Option<&ArgMatches>,
    ) -> Result<Option<rollcall::config::Config>, String> {
        let config = rollcall::config::Config::discover(self.selection.config.as_deref())
            .map_err(|e| e.to_string())?;
        if let Some(config) = &config {
            if self.spec.is_empty()
                && let Some(spec) = &config.spec
            {
                self.spec = spec.clone();
            }
            if !typed(matches, "mode")
                && let Some(mode) = config.mode
            {
                self.request.mode = mode;
            }
            self.selection.exclude_deprecated |= config.exclude_deprecated.unwrap_or(false);
            // The file's credentials and headers are merged as typed values
            // in `request` (a flag for a scheme or header name wins); the
            // flags are checked here, with the file's other errors.
            self.request.parsed_auth()?;
            self.fetch.parsed_spec_headers()?;
            self.request.parsed_headers()?;
            // Names add up: the file's, then those of --secret-header.
            let from_flags = std::mem::take(&mut self.request.secret_headers);
            self.request.secret_headers = config
                .secret_headers
                .iter()
                .cloned()
                .chain(from_flags)
                .collect();
            if self.request.aws_sigv4.is_none() {
                self.request.aws_sigv4.clone_from(&config.aws_sigv4);
            }
        }
        if self.spec.is_empty() {
            return Err(
                "no spec: give it as the first argument or as `spec = \"...\"` in rollcall.toml"
                    .to_string(),
            );
        }
        self.selection.loaded.clone_from(&config);
        Ok(config)
    }
}

impl CheckArgs {
    /// [`PlanArgs::apply_config`], then the rest of the file's settings
    /// that the command line left unset: targets, client, verdict and parity
    /// settings. `matches` are the `check` subcommand's.
    pub fn apply_config(&mut self, matches: Option<&ArgMatches>) -> Result<(), String> {
        if let Some(config) = self.plan.apply_config(matches)? {
            self.target.apply_config(&config);
            if !typed(matches, "timeout")
                && let Some(timeout) = config.timeout
            {
                self.timeout = timeout;
            }
            if !typed(matches, "concurrency")
                && let Some(concurrency) = config.concurrency
            {
                self.concurrency = concurrency;
            }
            if !self.no_strict {
                self.strict |= config.strict.unwrap_or(false);
            }
            let fail_on_typed = !self.fail_on.is_empty();
            if !fail_on_typed && let Some(fail_on) = &config.fail_on {
                self.fail_on.clone_from(fail_on);
            }
            if !typed(matches, "wait_for") && self.wait_for.is_none() {
                self.wait_for = config.wait_for;
            }
            // Phrases add up: the file's, then those of --stub-phrase.
            if let Some(phrases) = &config.stub_phrases {
                let from_flags = std::mem::take(&mut self.stub_phrases);
                self.stub_phrases = phrases.iter().cloned().chain(from_flags).collect();
            }
            self.no_stub_detection |= config.stub_detection == Some(false);
            let parity = &mut self.parity;
            if parity.reference.is_none()
                && let Some((name, line)) = &config.reference
            {
                parity.reference = Some(name.clone());
                parity.reference_origin =
                    Some(format!("{}:{line}: reference", config.path.display()));
            }
            if !typed(matches, "repeat")
                && let Some(repeat) = config.repeat
            {
                parity.repeat = repeat;
            }
            // A --fail-on typed here wins over the file's parity_only (and a
            // typed --parity-only over its fail_on, by the gate's precedence).
            if !parity.no_parity_only && !fail_on_typed {
                parity.parity_only |= config.parity_only.unwrap_or(false);
            }
            if !parity.no_each_address {
                parity.each_address |= config.each_address.unwrap_or(false);
            }
            parity.all |= config.all_parity_rows.unwrap_or(false);
        }
        if self.target.is_empty() {
            return Err(
                "no target: give --target URL or a [targets] table in rollcall.toml".to_string(),
            );
        }
        Ok(())
    }
}

impl ListArgs {
    /// [`PlanArgs::apply_config`], then the file's targets and base path.
    /// `matches` are the `list` subcommand's.
    pub fn apply_config(&mut self, matches: Option<&ArgMatches>) -> Result<(), String> {
        if let Some(config) = self.plan.apply_config(matches)? {
            self.target.apply_config(&config);
        }
        Ok(())
    }
}

impl SelectionArgs {
    /// The config file the run read, if any: no report may overwrite it.
    pub fn config_input(&self) -> Option<rollcall::report::output::Input> {
        self.loaded
            .as_ref()
            .map(|config| rollcall::report::output::Input {
                what: "the config file".to_string(),
                path: config.path.clone(),
            })
    }

    /// The operation selection: the command line's rules where given, else
    /// the config file's, plus the file's `skip` entries.
    pub fn filter(&self) -> Result<rollcall::plan::filter::Filter, String> {
        let mut filter = self.loaded.as_ref().map(|c| c.filter()).unwrap_or_default();
        let parse = |rules: &[String], flag: &str| {
            rules
                .iter()
                .map(|r| r.parse().map_err(|e| format!("{flag}: {e}")))
                .collect::<Result<Vec<_>, String>>()
        };
        if !self.include.is_empty() {
            filter.include = parse(&self.include, "--include")?;
        }
        if !self.exclude.is_empty() {
            filter.exclude = parse(&self.exclude, "--exclude")?;
        }
        filter.exclude_deprecated |= self.exclude_deprecated;
        if let Some(shard) = &self.shard {
            filter.shard = Some(shard.parse().map_err(|e| format!("--shard: {e}"))?);
        }
        Ok(filter)
    }
}

/// How servers' certificates are trusted, and the client's own certificate:
/// for the targets (`check`) and for a contract given as an https URL
/// (`check`, `list`, `diff`).
#[derive(Debug, Args)]
pub struct TlsArgs {
    /// Accept any TLS certificate (self-signed, expired, wrong host) from the
    /// targets and from a contract's URL. Only for servers you trust by other
    /// means; prefer --cacert.
    #[arg(long, short = 'k')]
    pub insecure: bool,

    /// Also trust the CA certificates in this PEM file (e.g. an internal CA),
    /// for the targets and a contract's URL.
    ///
    /// Example: --cacert internal-ca.pem
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Present this client certificate (PEM) to servers that require mTLS (the
    /// targets, a contract's URL); needs --client-key.
    ///
    /// Example: --client-cert client.pem --client-key client.key
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,

    /// The private key (PEM) of --client-cert.
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
}

impl TlsArgs {
    /// Reads the certificate files the flags name; a missing or unreadable
    /// file is bad input, named with its flag.
    pub fn options(&self) -> Result<rollcall::probe::TlsOptions, String> {
        let read = |flag: &str, path: &std::path::Path| {
            std::fs::read(path).map_err(|e| format!("{flag} {}: cannot read: {e}", path.display()))
        };
        let extra_roots_pem = match &self.cacert {
            Some(path) => Some(read("--cacert", path)?),
            None => None,
        };
        let client_identity_pem = match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => {
                let mut pem = read("--client-cert", cert)?;
                pem.push(b'\n');
                pem.extend(read("--client-key", key)?);
                Some(pem)
            }
            _ => None,
        };
        Ok(rollcall::probe::TlsOptions {
            accept_invalid_certs: self.insecure,
            extra_roots_pem,
            client_identity_pem,
        })
    }

    /// The certificate and key files of the flags: no report may overwrite them.
    pub fn inputs(&self) -> Vec<rollcall::report::output::Input> {
        [
            ("--cacert", &self.cacert),
            ("--client-cert", &self.client_cert),
            ("--client-key", &self.client_key),
        ]
        .into_iter()
        .filter_map(|(flag, path)| {
            path.as_ref().map(|path| rollcall::report::output::Input {
                what: format!("the {flag} file"),
                path: path.clone(),
            })
        })
        .collect()
    }
}

/// Several targets compared, every instance behind a name, repeated probes,
/// and what a release adds.
#[derive(Debug, Args)]
pub struct ParityArgs {
    /// Connect to these addresses for HOST:PORT instead of what DNS says
    /// (curl's meaning). The Host header and TLS server name stay HOST.
    /// Repeatable.
    ///
    /// Example: --resolve api.example.com:443:10.0.0.7,10.0.0.8
    #[arg(long = "resolve", value_name = "HOST:PORT:ADDR[,ADDR...]", value_parser = parse_resolve)]
    pub resolve: Vec<ResolveOverride>,

    /// Probe every address of each target's host (its A and AAAA records, or
    /// its --resolve list) as a target of its own, named NAME@ADDR, keeping
    /// the Host header and TLS server name; the instances are then compared
    /// like targets.
    ///
    /// Example: --target stable=https://api.example.com --each-address
    #[arg(long, overrides_with = "no_each_address")]
    pub each_address: bool,

    /// Turn off `each_address = true` of rollcall.toml for this run.
    #[arg(long, overrides_with = "each_address")]
    pub no_each_address: bool,

    /// Send every probe N times per target, one round after another. An
    /// operation whose verdict differs between rounds is `inconsistent` (a
    /// failure: behind a load balancer, some instances lack it).
    ///
    /// Example: --repeat 5
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub repeat: u16,

    /// With several targets: the one the others must match (default: the
    /// first). With --each-address, a target's name means its first address.
    ///
    /// Example: --reference stable
    #[arg(long, value_name = "NAME")]
    pub reference: Option<String>,

    /// Where `reference` came from when the config file set it
    /// (`rollcall.toml:3: reference`), for the error when no target has it.
    #[arg(skip)]
    pub reference_origin: Option<String>,

    /// Exit 1 only when some operation's verdict differs between targets: a
    /// canary gate where the reference itself may have known gaps. The
    /// PASS/FAIL line then reports this gate, e.g. `PASS (parity): all 2
    /// targets agree; 3 operations flagged on every target, not gated by
    /// --parity-only`.
    #[arg(long, overrides_with = "no_parity_only")]
    pub parity_only: bool,

    /// Turn off `parity_only = true` of rollcall.toml for this run: the full
    /// gate applies.
    #[arg(long, overrides_with = "parity_only")]
    pub no_parity_only: bool,

    /// Show every operation in the parity matrix, not only those whose
    /// verdicts differ between targets.
    #[arg(long)]
    pub all: bool,

    /// An older contract to compare with: every operation is marked new,
    /// changed or unchanged in every report.
    ///
    /// Example: --since https://api.example.com/openapi.json
    #[arg(long, value_name = "OLD_SPEC")]
    pub since: Option<String>,

    /// Probe only the operations that are new or changed since --since.
    #[arg(long, requires = "since")]
    pub only_new: bool,
}

/// `rollcall diff OLD_SPEC NEW_SPEC`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older contract: a file path or an http(s) URL.
    #[arg(value_name = "OLD_SPEC")]
    pub old: String,

    /// The newer contract: a file path or an http(s) URL.
    #[arg(value_name = "NEW_SPEC")]
    pub new: String,

    /// Print JSON instead of text.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,

    /// Print Markdown (for a pull-request comment) instead of text.
    #[arg(long)]
    pub markdown: bool,

    /// Exit 0 even when operations were removed.
    #[arg(long)]
    pub allow_removals: bool,

    #[command(flatten)]
    pub fetch: SpecFetchArgs,

    #[command(flatten)]
    pub tls: TlsArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub plan: PlanArgs,

    #[command(flatten)]
    pub target: TargetArgs,

    #[command(flatten)]
    pub tls: TlsArgs,

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

    /// Only start the sample service on 127.0.0.1:PORT (default 8080) and
    /// serve until interrupted, without checking it: a live target for
    /// `rollcall check specs/demo.yaml` or the GitHub Action.
    ///
    /// Example: rollcall demo --serve 8080
    #[arg(long, value_name = "PORT", num_args = 0..=1, default_missing_value = "8080")]
    pub serve: Option<u16>,

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

/// GitHub Actions mode (shared by `check` and `merge`).
#[derive(Debug, Args)]
pub struct GithubArgs {
    /// GitHub Actions mode: annotations on the spec lines of flagged
    /// operations, the Markdown report appended to $GITHUB_STEP_SUMMARY and
    /// counts written to $GITHUB_OUTPUT. On by default when GITHUB_ACTIONS=true.
    #[arg(long, overrides_with = "no_github")]
    pub github: bool,

    /// No GitHub Actions mode, even when GITHUB_ACTIONS=true.
    #[arg(long, overrides_with = "github")]
    pub no_github: bool,
}

impl GithubArgs {
    /// `--github`/`--no-github`, else on when GitHub Actions runs us.
    pub fn enabled(&self) -> bool {
        if self.github || self.no_github {
            return self.github;
        }
        std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
    }
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
    let val = val.trim();
    // Never echo the value: it may be a credential.
    if reqwest::header::HeaderValue::from_str(val).is_err() {
        return Err(format!(
            "the value of '{name}' has a character a header cannot carry (a control \
             character such as a line break, or a non-ASCII one)"
        ));
    }
    Ok((name.to_string(), val.to_string()))
}

/// A verdict name for `--fail-on`; `implemented` cannot fail a run.
fn parse_verdict(value: &str) -> Result<Verdict, String> {
    let value = value.trim();
    match Verdict::ALL.into_iter().find(|v| v.as_str() == value) {
        Some(Verdict::Implemented) => Err("implemented cannot fail the run".into()),
        Some(verdict) => Ok(verdict),
        None => Err(format!(
            "not a verdict; one of {}",
            Verdict::ALL[1..]
                .iter()
                .map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
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

/// `20/s`, `20` (per second) or `600/min`.
fn parse_rate(value: &str) -> Result<f64, String> {
    let (count, per) = value.split_once('/').unwrap_or((value, "s"));
    let seconds = match per.trim() {
        "s" | "sec" | "second" => 1.0,
        "m" | "min" | "minute" => 60.0,
        other => return Err(format!("unknown unit '/{other}' (e.g. 20/s, 600/min)")),
    };
    match count.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n / seconds),
        _ => Err("expected a positive number of requests, e.g. 20/s".into()),
    }
}

fn parse_resolve(value: &str) -> Result<ResolveOverride, String> {
    value
        .parse()
        .map_err(|e: rollcall::probe::resolve::ResolveError| e.to_string())
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
