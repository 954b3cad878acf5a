//! The config file, `rollcall.toml`: what a team commits so that a plain
//! `rollcall check` (locally or in CI) runs the same check, and `rollcall
//! list` shows the same requests. Found in the working directory or named
//! with `--config`; every command-line flag overrides it. A malformed file is refused with its line and key.
//!
//! ```toml
//! spec = "openapi.yaml"                    # relative to this file
//! mode = "safe"
//! reference = "stable"                     # --reference; parity_only, repeat too
//! base_path = "/api/v1"                   # --base-path; "/" is the target URL itself
//! [targets]
//! stable = "https://api.example.com"
//! local = { url = "http://127.0.0.1:8080", base_path = "/" }
//! [auth]
//! bearerAuth = { env = "API_TOKEN" }       # never the secret itself
//! [operations."GET /pets/{petId}"]
//! parameters = { petId = 1 }
//! [[known_gaps]]
//! operation = "PATCH /invoices/{invoice_id}"
//! reason = "partial updates ship in 2.4"
//! until = "2027-01-31"
//! rule = "handler-501"                     # optional: only this failure
//! ```
//!
//! Secrets: `[auth]` values must be `{ env = "VARIABLE" }`; a literal is
//! refused, so a token can never be committed by accident. `[headers]` take
//! literals too, except credential headers (`Authorization`, `Cookie`,
//! `X-API-Key`, `Proxy-Authorization`, and those `secret_headers` names),
//! which must come from the environment. `secret_headers = ["X-Tenant-Id"]`
//! is `--secret-header`: those headers' values are masked in every output.
//! Error messages name the key, never a value.
//!
//! Known gaps and `expect` are applied to a finished [`RunReport`] by
//! [`Config::apply_allowances`] (through [`crate::report::allowances`],
//! where the notes are made), with the date passed in (so tests choose it).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use crate::contract::Contract;
use crate::plan::filter::{Filter, Rule};
use crate::plan::target::TargetSpec;
use crate::plan::{BasePath, BasePathError, Credential, Mode, OperationOverride};
pub use crate::report::allowances::{Date, KnownGap};
use crate::report::{RunReport, allowances};
use crate::verdict::Verdict;

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "rollcall.toml";

/// Environment variable that sets "today" for known-gap expiry, as
/// `YYYY-MM-DD`. Meant for tests; in real runs the system clock (UTC) decides.
pub const TODAY_ENV: &str = "ROLLCALL_TODAY";

/// Headers whose values are credentials: refused as literals in the file.
const CREDENTIAL_HEADERS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "x-api-key",
];

/// Why a config file could not be used. Every variant names the file; those
/// about one entry name its line and key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--config {}: no such file", .0.display())]
    NotFound(PathBuf),
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {key}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        /// Dotted path of the key, e.g. `operations."GET /pets".expect`.
        key: String,
        message: String,
    },
    #[error("{TODAY_ENV}={0:?} is not a date; expected YYYY-MM-DD")]
    BadToday(String),
}

impl Date {
    /// Today in UTC, or [`TODAY_ENV`] when it is set.
    pub fn today() -> Result<Date, ConfigError> {
        if let Ok(text) = std::env::var(TODAY_ENV)
            && !text.is_empty()
        {
            return text.parse().map_err(|_| ConfigError::BadToday(text));
        }
        let now = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        // RFC 3339 starts with the UTC date, so this cannot fail.
        Ok(now.get(..10).and_then(|d| d.parse().ok()).unwrap_or(Date {
            year: 1970,
            month: 1,
            day: 1,
        }))
    }
}

/// A per-operation entry, `[operations."METHOD /path"]` or `[operations.operationId]`.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationEntry {
    /// `METHOD /path` or an operationId, as written.
    pub key: String,
    pub line: usize,
    /// Parameter values, body and headers for the planner.
    pub request: OperationOverride,
    /// The verdict this operation is known to get; when it does, it passes.
    pub expect: Option<Verdict>,
    /// Do not probe it; report it as skipped with this reason.
    pub skip: Option<String>,
}

/// A loaded config file. Every field is what the file says, `None` (or
/// empty) where it says nothing, so the command line can override it field
/// by field.
#[derive(Clone, Default)]
pub struct Config {
    /// The file it came from.
    pub path: PathBuf,
    /// Relative paths are resolved against the config file's folder.
    pub spec: Option<String>,
    /// The targets, each with the `base_path` of its own entry, if any.
    pub targets: Vec<TargetSpec>,
    /// `base_path` (`--base-path PATH`), for targets without their own.
    pub base_path: Option<BasePath>,
    pub mode: Option<Mode>,
    pub timeout: Option<Duration>,
    pub concurrency: Option<u16>,
    pub strict: Option<bool>,
    /// Extra headers; values from the environment already read.
    pub headers: Vec<(String, String)>,
    /// `[auth]`, values read from the environment.
    pub credentials: Vec<Credential>,
    /// `aws_sigv4 = "aws:amz:REGION:SERVICE"`: `--aws-sigv4` (the key pair
    /// comes from the environment).
    pub aws_sigv4: Option<String>,
    pub include: Vec<Rule>,
    pub exclude: Vec<Rule>,
    pub exclude_deprecated: Option<bool>,
    pub stub_phrases: Option<Vec<String>>,
    pub stub_detection: Option<bool>,
    /// `reference` (`--reference`) and the line it is on, for the error
    /// when no target has that name.
    pub reference: Option<(String, usize)>,
    pub parity_only: Option<bool>,
    pub repeat: Option<u16>,
    pub each_address: Option<bool>,
    /// `all_parity_rows` (`--all`).
    pub all_parity_rows: Option<bool>,
    /// `fail_on = ["not_implemented", ...]`: `--fail-on`.
    pub fail_on: Option<Vec<Verdict>>,
    /// `wait_for = "60s"`: `--wait-for`.
    pub wait_for: Option<Duration>,
    /// `[spec_headers]`: `--spec-header` (credential headers from the environment).
    pub spec_headers: Vec<(String, String)>,
    /// `secret_headers = ["X-Tenant-Id"]`: `--secret-header`, header names
    /// whose values are credentials.
    pub secret_headers: Vec<String>,
    pub operations: Vec<OperationEntry>,
    /// `[parameters]`: values by parameter name for every operation that
    /// declares one (an operation's own `parameters` win).
    pub parameters: Vec<(String, Value)>,
    pub known_gaps: Vec<KnownGap>,
    /// Every value read from the environment, for the redactor.
    pub secrets: Vec<String>,
}

// Debug by hand: header values and secrets read from the environment must
// never reach a log through `{:?}`.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("path", &self.path)
            .field("spec", &self.spec)
            .field("targets", &self.targets)
            .field("base_path", &self.base_path)
            .field("mode", &self.mode)
            .field("timeout", &self.timeout)
            .field("concurrency", &self.concurrency)
            .field("strict", &self.strict)
            .field("headers", &header_names(&self.headers))
            .field("credentials", &self.credentials)
            .field("aws_sigv4", &self.aws_sigv4)
            .field("include", &self.include)
            .field("exclude", &self.exclude)
            .field("exclude_deprecated", &self.exclude_deprecated)
            .field("stub_phrases", &self.stub_phrases)
            .field("stub_detection", &self.stub_detection)
            .field("reference", &self.reference)
            .field("parity_only", &self.parity_only)
            .field("repeat", &self.repeat)
            .field("each_address", &self.each_address)
            .field("all_parity_rows", &self.all_parity_rows)
            .field("fail_on", &self.fail_on)
            .field("wait_for", &self.wait_for)
            .field("spec_headers", &header_names(&self.spec_headers))
            .field("secret_headers", &self.secret_headers)
            .field("operations", &self.operations.len())
            .field("parameters", &self.parameters)
            .field("known_gaps", &self.known_gaps)
            .finish_non_exhaustive()
    }
}

/// The names of `headers`, without their values (which may be secrets).
fn header_names(headers: &[(String, String)]) -> Vec<&str> {
    headers.iter().map(|(name, _)| name.as_str()).collect()
}

// ---- the file as written -------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    spec: Option<String>,
    /// A table of `name = URL` or `name = { url, base_path }`, or a list of
    /// `[NAME=]URL`; read by hand ([`target_entries`]) for errors that name
    /// the entry.
    targets: Option<Spanned<toml::Value>>,
    base_path: Option<Spanned<String>>,
    mode: Option<Mode>,
    timeout: Option<TimeoutValue>,
    #[serde(default, deserialize_with = "concurrency")]
    concurrency: Option<u16>,
    strict: Option<bool>,
    #[serde(default)]
    headers: IndexMap<String, Spanned<HeaderValue>>,
    #[serde(default)]
    auth: IndexMap<String, Spanned<EnvRef>>,
    aws_sigv4: Option<Spanned<String>>,
    #[serde(default)]
    include: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    exclude_deprecated: Option<bool>,
    stub_phrases: Option<Vec<String>>,
    stub_detection: Option<bool>,
    reference: Option<Spanned<String>>,
    parity_only: Option<bool>,
    #[serde(default, deserialize_with = "repeat")]
    repeat: Option<u16>,
    each_address: Option<bool>,
    all_parity_rows: Option<bool>,
    fail_on: Option<Spanned<Vec<Verdict>>>,
    wait_for: Option<TimeoutValue>,
    #[serde(default)]
    spec_headers: IndexMap<String, Spanned<HeaderValue>>,
    #[serde(default)]
    secret_headers: Vec<Spanned<String>>,
    #[serde(default)]
    operations: IndexMap<String, Spanned<RawOperation>>,
    #[serde(default)]
    parameters: IndexMap<String, Value>,
    #[serde(default)]
    known_gaps: Vec<Spanned<RawKnownGap>>,
}

/// The config file being read, for errors that name its line.
struct Source<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Source<'_> {
    /// The error for `key` at byte `offset`.
    fn invalid(&self, offset: usize, key: String, message: String) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            line: line_of(self.text, offset),
            key,
            message,
        }
    }
}

/// One entry of `targets`: its key for errors (`targets.stable`,
/// `targets[2]`), `[NAME=]URL`, and its own base path.
type TargetEntry = (String, String, Option<String>);

/// The entries of `targets`, or the key and message of the first that is
/// not what the file format allows.
fn target_entries(targets: toml::Value) -> Result<Vec<TargetEntry>, (String, String)> {
    match targets {
        toml::Value::Table(table) => table
            .into_iter()
            .map(|(name, entry)| {
                let key = format!("targets.{}", quoted_key(&name));
                let (url, base_path) = match entry {
                    toml::Value::String(url) => (url, None),
                    toml::Value::Table(fields) => target_table(&key, fields)?,
                    _ => {
                        return Err((
                            key,
                            "expected a URL, or { url = \"...\", base_path = \"/\" }".to_string(),
                        ));
                    }
                };
                Ok((key, format!("{name}={url}"), base_path))
            })
            .collect(),
        toml::Value::Array(list) => list
            .into_iter()
            .enumerate()
            .map(|(i, entry)| {
                let key = format!("targets[{}]", i + 1);
                match entry {
                    toml::Value::String(target) => Ok((key, target, None)),
                    _ => Err((key, "expected \"[NAME=]URL\"".to_string())),
                }
            })
            .collect(),
        _ => Err((
            "targets".to_string(),
            "expected a table of name = URL, or a list of \"[NAME=]URL\"".to_string(),
        )),
    }
}

/// `{ url = "...", base_path = "/" }`: the URL and the base path.
fn target_table(
    key: &str,
    fields: toml::Table,
) -> Result<(String, Option<String>), (String, String)> {
    let mut url = None;
    let mut base_path = None;
    for (field, value) in fields {
        let slot = match field.as_str() {
            "url" => &mut url,
            "base_path" => &mut base_path,
            _ => {
                return Err((
                    format!("{key}.{}", quoted_key(&field)),
                    "unknown field, expected `url` or `base_path`".to_string(),
                ));
            }
        };
        let toml::Value::String(text) = value else {
            return Err((format!("{key}.{field}"), "expected a string".to_string()));
        };
        *slot = Some(text);
    }
    let url = url.ok_or_else(|| (key.to_string(), "missing field `url`".to_string()))?;
    Ok((url, base_path))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOperation {
    #[serde(default)]
    parameters: IndexMap<String, Value>,
    body: Option<Value>,
    #[serde(default)]
    headers: IndexMap<String, Spanned<HeaderValue>>,
    expect: Option<Verdict>,
    skip: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKnownGap {
    operation: String,
    reason: String,
    until: DateValue,
    rule: Option<Spanned<String>>,
}

/// `{ env = "VARIABLE" }`; a literal string is refused (see the module docs).
#[derive(Debug, Deserialize)]
#[serde(try_from = "RawSecret")]
struct EnvRef(String);

#[derive(Deserialize)]
#[serde(untagged)]
enum RawSecret {
    Env {
        env: String,
    },
    // Matched to be refused; the value itself is never looked at.
    #[allow(dead_code)]
    Literal(String),
}

impl TryFrom<RawSecret> for EnvRef {
    type Error = String;

    fn try_from(raw: RawSecret) -> Result<EnvRef, String> {
        match raw {
            RawSecret::Env { env } if !env.trim().is_empty() => Ok(EnvRef(env.trim().to_string())),
            RawSecret::Env { .. } => Err("the variable name after env is empty".to_string()),
            // Never echo the literal: it is a secret.
            RawSecret::Literal(_) => Err(
                "a secret cannot be written in the config file; write { env = \"VARIABLE\" } \
                 and set VARIABLE (e.g. from your CI's secrets)"
                    .to_string(),
            ),
        }
    }
}

/// A header value: a literal, or `{ env = "VARIABLE" }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum HeaderValue {
    Env { env: String },
    Literal(String),
}

#[derive(Debug, Deserialize)]
#[serde(try_from = "String")]
struct TimeoutValue(Duration);

impl TryFrom<String> for TimeoutValue {
    type Error = String;

    fn try_from(text: String) -> Result<TimeoutValue, String> {
        match humantime::parse_duration(&text) {
            Ok(d) if !d.is_zero() => Ok(TimeoutValue(d)),
            Ok(_) => Err("must be greater than zero".to_string()),
            Err(e) => Err(format!("'{text}': {e} (e.g. \"10s\", \"500ms\")")),
        }
    }
}

/// `until = "2027-01-31"` or the TOML date `until = 2027-01-31`.
#[derive(Debug, Deserialize)]
#[serde(try_from = "RawDate")]
struct DateValue(Date);

#[derive(Deserialize)]
#[serde(untagged)]
enum RawDate {
    Text(String),
    Native(toml::value::Datetime),
}

impl TryFrom<RawDate> for DateValue {
    type Error = String;

    fn try_from(raw: RawDate) -> Result<DateValue, String> {
        let text = match raw {
            RawDate::Text(text) => text,
            RawDate::Native(datetime) => datetime.to_string(),
        };
        text.parse().map(DateValue)
    }
}

fn concurrency<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    within(d, 1, 1024)
}

fn repeat<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    within(d, 1, 100)
}

/// An integer from `min` to `max`, the range its command-line flag accepts.
fn within<'de, D: serde::Deserializer<'de>>(
    d: D,
    min: u16,
    max: u16,
) -> Result<Option<u16>, D::Error> {
    let n = i64::deserialize(d)?;
    match u16::try_from(n) {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(serde::de::Error::custom(format!(
            "{n} is out of range; expected {min} to {max}"
        ))),
    }
}

// ---- loading ---------------------------------------------------------------

impl Config {
    /// The config to use: `explicit` (`--config`; must exist), else
    /// `rollcall.toml` in the working directory if there is one.
    pub fn discover(explicit: Option<&Path>) -> Result<Option<Config>, ConfigError> {
        match explicit {
            Some(path) if !path.exists() => Err(ConfigError::NotFound(path.to_path_buf())),
            Some(path) => Config::load(path).map(Some),
            None if Path::new(DEFAULT_FILE).is_file() => {
                Config::load(Path::new(DEFAULT_FILE)).map(Some)
            }
            None => Ok(None),
        }
    }

    /// Reads and checks `path`; `{ env = ... }` values come from the process environment.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(path, &text, &|name| std::env::var(name).ok())
    }

    /// Parses `text` (the contents of `path`), reading `{ env = ... }`
    /// values through `env`.
    pub fn parse(
        path: &Path,
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let source = Source { path, text };
        let mut raw: RawConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            source.invalid(offset, key_at(text, offset), e.message().trim().to_string())
        })?;

        let mut config = Config {
            path: path.to_path_buf(),
            spec: raw.spec.take().map(|spec| relative_to(path, &spec)),
            mode: raw.mode.take(),
            timeout: raw.timeout.take().map(|t| t.0),
            concurrency: raw.concurrency.take(),
            strict: raw.strict.take(),
            exclude_deprecated: raw.exclude_deprecated.take(),
            stub_phrases: raw.stub_phrases.take(),
            stub_detection: raw.stub_detection.take(),
            parity_only: raw.parity_only.take(),
            repeat: raw.repeat.take(),
            each_address: raw.each_address.take(),
            all_parity_rows: raw.all_parity_rows.take(),
            wait_for: raw.wait_for.take().map(|t| t.0),
            ..Config::default()
        };

        config.read_settings(&source, &mut raw)?;
        config.read_targets(&source, raw.targets.take())?;
        config.read_secrets(&source, &mut raw, env)?;
        config.read_operations(&source, std::mem::take(&mut raw.operations), env)?;
        config.parameters = raw.parameters.into_iter().collect();
        config.read_known_gaps(&source, raw.known_gaps)?;
        Ok(config)
    }

    /// `fail_on`, `aws_sigv4`, `reference`, `include`/`exclude`, `base_path`.
    fn read_settings(
        &mut self,
        source: &Source<'_>,
        raw: &mut RawConfig,
    ) -> Result<(), ConfigError> {
        let invalid =
            |offset: usize, key: String, message: String| source.invalid(offset, key, message);
        if let Some(fail_on) = raw.fail_on.take() {
            let offset = fail_on.span().start;
            let verdicts = fail_on.into_inner();
            if verdicts.contains(&Verdict::Implemented) {
                return Err(invalid(
                    offset,
                    "fail_on".into(),
                    "implemented cannot fail the run".into(),
                ));
            }
            if verdicts.is_empty() {
                return Err(invalid(
                    offset,
                    "fail_on".into(),
                    "name at least one verdict, e.g. fail_on = [\"not_implemented\"]".into(),
                ));
            }
            self.fail_on = Some(verdicts);
        }

        if let Some(provider) = raw.aws_sigv4.take() {
            let offset = provider.span().start;
            let provider = provider.into_inner();
            provider
                .parse::<crate::probe::sigv4::Provider>()
                .map_err(|e| invalid(offset, "aws_sigv4".into(), e.to_string()))?;
            self.aws_sigv4 = Some(provider);
        }

        if let Some(reference) = raw.reference.take() {
            let offset = reference.span().start;
            let name = reference.into_inner().trim().to_string();
            if name.is_empty() {
                return Err(invalid(
                    offset,
                    "reference".into(),
                    "name the target the others must match, e.g. reference = \"stable\"".into(),
                ));
            }
            self.reference = Some((name, line_of(source.text, offset)));
        }

        let rules = |list: Vec<Spanned<String>>, key: &str| {
            list.into_iter()
                .map(|rule| {
                    let offset = rule.span().start;
                    rule.into_inner()
                        .parse::<Rule>()
                        .map_err(|e| invalid(offset, key.to_string(), e.to_string()))
                })
                .collect::<Result<Vec<Rule>, ConfigError>>()
        };
        self.include = rules(std::mem::take(&mut raw.include), "include")?;
        self.exclude = rules(std::mem::take(&mut raw.exclude), "exclude")?;

        if let Some(base_path) = raw.base_path.take() {
            let offset = base_path.span().start;
            let path = base_path
                .into_inner()
                .parse()
                .map_err(|e: BasePathError| invalid(offset, "base_path".into(), e.to_string()))?;
            self.base_path = Some(path);
        }
        Ok(())
    }

    /// `[targets]`, each with its own base path.
    fn read_targets(
        &mut self,
        source: &Source<'_>,
        targets: Option<Spanned<toml::Value>>,
    ) -> Result<(), ConfigError> {
        let invalid =
            |offset: usize, key: String, message: String| source.invalid(offset, key, message);
        if let Some(targets) = targets {
            let offset = targets.span().start;
            let entries = target_entries(targets.into_inner())
                .map_err(|(key, message)| invalid(offset, key, message))?;
            for (key, entry, base_path) in entries {
                let mut target: TargetSpec =
                    entry
                        .parse()
                        .map_err(|e: crate::plan::target::TargetSpecError| {
                            invalid(offset, key.clone(), e.to_string())
                        })?;
                if let Some(base_path) = base_path {
                    let path = base_path.parse().map_err(|e: BasePathError| {
                        invalid(offset, format!("{key}.base_path"), e.to_string())
                    })?;
                    target.base_path = Some(path);
                }
                if self.targets.iter().any(|t| t.name == target.name) {
                    return Err(invalid(
                        offset,
                        key,
                        format!("two targets are named '{}'", target.name),
                    ));
                }
                self.targets.push(target);
            }
        }
        Ok(())
    }

    /// `[auth]`, `secret_headers`, `[headers]` and `[spec_headers]`, values
    /// read through `env`.
    fn read_secrets(
        &mut self,
        source: &Source<'_>,
        raw: &mut RawConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        let invalid =
            |offset: usize, key: String, message: String| source.invalid(offset, key, message);
        for (name, value) in std::mem::take(&mut raw.auth) {
            let offset = value.span().start;
            let variable = value.into_inner().0;
            let secret = read_env(env, &variable)
                .ok_or_else(|| invalid(offset, format!("auth.{name}"), unset(&variable)))?;
            self.secrets.push(secret.clone());
            self.credentials.push(Credential {
                scheme: name,
                value: secret,
            });
        }

        for name in std::mem::take(&mut raw.secret_headers) {
            let offset = name.span().start;
            let name = name.into_inner().trim().to_string();
            if !is_header_name(&name) {
                return Err(invalid(
                    offset,
                    "secret_headers".into(),
                    format!("{name:?} is not a valid header name"),
                ));
            }
            self.secret_headers.push(name);
        }
        let secret_headers = self.secret_headers.clone();
        let credential = |name: &str| is_credential_header(&secret_headers, name);
        self.headers = headers(
            std::mem::take(&mut raw.headers),
            "headers",
            env,
            &credential,
            &mut self.secrets,
        )
        .map_err(|(offset, key, message)| invalid(offset, key, message))?;
        self.spec_headers = headers(
            std::mem::take(&mut raw.spec_headers),
            "spec_headers",
            env,
            &credential,
            &mut self.secrets,
        )
        .map_err(|(offset, key, message)| invalid(offset, key, message))?;
        Ok(())
    }

    /// The `[operations."..."]` entries.
    fn read_operations(
        &mut self,
        source: &Source<'_>,
        operations: IndexMap<String, Spanned<RawOperation>>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        let invalid =
            |offset: usize, key: String, message: String| source.invalid(offset, key, message);
        let secret_headers = self.secret_headers.clone();
        let credential = |name: &str| is_credential_header(&secret_headers, name);
        for (key, entry) in operations {
            let offset = entry.span().start;
            let entry = entry.into_inner();
            let section = format!("operations.{}", quoted_key(&key));
            if key.trim().is_empty() {
                return Err(invalid(offset, section, "empty operation key".into()));
            }
            let headers = headers(
                entry.headers,
                &format!("{section}.headers"),
                env,
                &credential,
                &mut self.secrets,
            )
            .map_err(|(offset, key, message)| invalid(offset, key, message))?;
            if let Some(skip) = &entry.skip
                && skip.trim().is_empty()
            {
                return Err(invalid(
                    offset,
                    format!("{section}.skip"),
                    "give the reason to skip it, e.g. skip = \"needs a real payment\"".into(),
                ));
            }
            self.operations.push(OperationEntry {
                key,
                line: line_of(source.text, offset),
                request: OperationOverride {
                    parameters: entry.parameters.into_iter().collect(),
                    body: entry.body,
                    headers,
                },
                expect: entry.expect,
                skip: entry.skip.map(|s| s.trim().to_string()),
            });
        }
        Ok(())
    }

    /// The `[[known_gaps]]` entries.
    fn read_known_gaps(
        &mut self,
        source: &Source<'_>,
        known_gaps: Vec<Spanned<RawKnownGap>>,
    ) -> Result<(), ConfigError> {
        let invalid =
            |offset: usize, key: String, message: String| source.invalid(offset, key, message);
        for (index, gap) in known_gaps.into_iter().enumerate() {
            let offset = gap.span().start;
            let gap = gap.into_inner();
            let key = format!("known_gaps[{}]", index + 1);
            if gap.operation.trim().is_empty() {
                return Err(invalid(
                    offset,
                    format!("{key}.operation"),
                    "is empty".into(),
                ));
            }
            if gap.reason.trim().is_empty() {
                return Err(invalid(
                    offset,
                    format!("{key}.reason"),
                    "say why the gap is accepted".into(),
                ));
            }
            let rule = match &gap.rule {
                Some(id) => {
                    Some(id.get_ref().parse::<crate::verdict::Rule>().map_err(|e| {
                        invalid(id.span().start, format!("{key}.rule"), e.to_string())
                    })?)
                }
                None => None,
            };
            self.known_gaps.push(KnownGap {
                operation: gap.operation.trim().to_string(),
                reason: gap.reason.trim().to_string(),
                until: gap.until.0,
                rule,
                line: line_of(source.text, offset),
            });
        }
        Ok(())
    }

    /// The file's operation selection: include/exclude rules, deprecated
    /// operations and `skip` entries. The command line adds to it.
    pub fn filter(&self) -> Filter {
        Filter {
            include: self.include.clone(),
            exclude: self.exclude.clone(),
            exclude_deprecated: self.exclude_deprecated.unwrap_or(false),
            shard: None,
            skips: self
                .operations
                .iter()
                .filter_map(|o| o.skip.clone().map(|reason| (o.key.clone(), reason)))
                .collect(),
        }
    }

    /// The request overrides for the planner, keyed as written; the
    /// `[parameters]` fill in what an entry leaves unset, and come last on
    /// their own for every operation ([`crate::plan::EVERY_OPERATION`]).
    pub fn overrides(&self) -> Vec<(String, OperationOverride)> {
        let mut overrides: Vec<(String, OperationOverride)> = self
            .operations
            .iter()
            .filter(|o| !o.request.is_empty())
            .map(|o| {
                let mut request = o.request.clone();
                for (name, value) in &self.parameters {
                    if !request.parameters.iter().any(|(n, _)| n == name) {
                        request.parameters.push((name.clone(), value.clone()));
                    }
                }
                (o.key.clone(), request)
            })
            .collect();
        if !self.parameters.is_empty() {
            overrides.push((
                crate::plan::EVERY_OPERATION.to_string(),
                OperationOverride {
                    parameters: self.parameters.clone(),
                    ..OperationOverride::default()
                },
            ));
        }
        overrides
    }

    /// Warnings for entries that name no operation of `contract` (a typo,
    /// or an operation removed from the spec).
    pub fn unmatched(&self, contract: &Contract) -> Vec<String> {
        let names_any = |key: &str| contract.operations.iter().any(|op| op.is_named(key));
        let mut warnings = Vec::new();
        for entry in &self.operations {
            if !names_any(&entry.key) {
                // `GET /{Bucket}#acl`, as the contract's path key spells it.
                let hint = contract
                    .operations
                    .iter()
                    .find(|op| op.declared_label() == entry.key.trim())
                    .map(|op| format!("; it is named \"{}\"", op.label()))
                    .unwrap_or_default();
                warnings.push(format!(
                    "{}:{}: operations.{} names no operation of the spec (use \"METHOD /path\" or an operationId){hint}",
                    self.path.display(),
                    entry.line,
                    quoted_key(&entry.key)
                ));
            }
        }
        for gap in &self.known_gaps {
            if !names_any(&gap.operation) {
                warnings.push(format!(
                    "{}:{}: known gap '{}' names no operation of the spec",
                    self.path.display(),
                    gap.line,
                    gap.operation
                ));
            }
        }
        warnings
    }

    /// Marks the results the file has something to say about: `expect`
    /// (a verdict that was expected passes) and known gaps (an open one does
    /// not fail the run; one past `until` fails it again; one that now
    /// passes asks to be removed). `today` decides expiry.
    pub fn apply_allowances(&self, report: &mut RunReport, today: Date) {
        let expected: Vec<(&str, Verdict)> = self
            .operations
            .iter()
            .filter_map(|o| o.expect.map(|verdict| (o.key.as_str(), verdict)))
            .collect();
        allowances::apply(report, &expected, &self.known_gaps, today);
    }
}

fn read_env(env: &dyn Fn(&str) -> Option<String>, variable: &str) -> Option<String> {
    env(variable).filter(|v| !v.is_empty())
}

fn unset(variable: &str) -> String {
    format!("environment variable {variable} is not set (or empty)")
}

type Located = (usize, String, String);

/// Header entries with `{ env }` values read; literal values of
/// `credential` headers refused.
fn headers(
    raw: IndexMap<String, Spanned<HeaderValue>>,
    section: &str,
    env: &dyn Fn(&str) -> Option<String>,
    credential: &dyn Fn(&str) -> bool,
    secrets: &mut Vec<String>,
) -> Result<Vec<(String, String)>, Located> {
    let mut out = Vec::new();
    for (name, value) in raw {
        let offset = value.span().start;
        let key = format!("{section}.{}", quoted_key(&name));
        if !is_header_name(&name) {
            return Err((offset, key, "not a valid header name".into()));
        }
        let text = match value.into_inner() {
            HeaderValue::Env { env: variable } => {
                let secret = read_env(env, &variable)
                    .ok_or_else(|| (offset, key.clone(), unset(&variable)))?;
                secrets.push(secret.clone());
                secret
            }
            HeaderValue::Literal(_) if credential(&name) => {
                return Err((
                    offset,
                    key,
                    "a credential header cannot be written in the config file; write { env = \"VARIABLE\" }"
                        .into(),
                ));
            }
            HeaderValue::Literal(text) => text,
        };
        out.push((name, text));
    }
    Ok(out)
}

/// Whether header `name` carries a credential: one of
/// [`CREDENTIAL_HEADERS`] or of the file's `secret_headers`.
fn is_credential_header(secret_headers: &[String], name: &str) -> bool {
    CREDENTIAL_HEADERS.contains(&name.to_ascii_lowercase().as_str())
        || secret_headers
            .iter()
            .any(|secret| secret.eq_ignore_ascii_case(name))
}

/// Whether `name` can name a header: visible ASCII, no `:`.
fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

/// `spec` relative to the config file's folder (URLs and absolute paths as is).
fn relative_to(config: &Path, spec: &str) -> String {
    if spec.contains("://") || Path::new(spec).is_absolute() {
        return spec.to_string();
    }
    match config.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(folder) => folder.join(spec).to_string_lossy().into_owned(),
        None => spec.to_string(),
    }
}

/// `GET /pets` → `"GET /pets"`; `getPet` stays bare, as TOML would write them.
fn quoted_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The dotted key at `offset`, read from the text: the nearest `[table]` or
/// `[[array]]` header above it, then the `key =` of its line (or of the
/// nearest line above that has one, for multi-line values). TOML's own
/// errors carry a position but not the key, and a person fixes a file by key.
fn key_at(text: &str, offset: usize) -> String {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before: Vec<&str> = text[..line_start].lines().collect();
    let current = text[line_start..].lines().next().unwrap_or_default();
    let is_header = |line: &str| line.trim_start().starts_with('[');
    let key_of = |line: &str| -> Option<String> {
        if is_header(line) {
            return None;
        }
        let (key, _) = line.split_once('=')?;
        let key = key.trim();
        (!key.is_empty() && !key.starts_with('#')).then(|| key.to_string())
    };

    // The table: the last header at or above the current line.
    let mut table: Option<String> = None;
    let lines_up_to: Vec<&str> = before.iter().copied().chain([current]).collect();
    for (i, line) in lines_up_to.iter().enumerate().rev() {
        let trimmed = line.trim();
        if let Some(inner) = trimmed
            .strip_prefix("[[")
            .and_then(|r| r.split("]]").next())
        {
            let name = inner.trim();
            let nth = lines_up_to[..=i]
                .iter()
                .filter(|l| {
                    l.trim()
                        .strip_prefix("[[")
                        .and_then(|r| r.split("]]").next())
                        .is_some_and(|n| n.trim() == name)
                })
                .count();
            table = Some(format!("{name}[{nth}]"));
            break;
        }
        if let Some(inner) = trimmed.strip_prefix('[').and_then(|r| r.split(']').next()) {
            table = Some(inner.trim().to_string());
            break;
        }
    }

    let key = key_of(current).or_else(|| {
        if is_header(current) {
            return None;
        }
        before
            .iter()
            .rev()
            .take_while(|l| !is_header(l))
            .find_map(|l| key_of(l))
    });
    match (table, key) {
        (Some(table), Some(key)) => format!("{table}.{key}"),
        (Some(table), None) => table,
        (None, Some(key)) => key,
        (None, None) => "(top level)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::AllowanceKind;
    use crate::report::testing::fixture;
    use crate::verdict::Outcome;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("rollcall.toml"), text, &|name| match name {
            "API_TOKEN" => Some("t0k3n-from-env".to_string()),
            "TENANT" => Some("acme".to_string()),
            _ => None,
        })
    }

    fn error(text: &str) -> (usize, String, String) {
        match parse(text) {
            Err(ConfigError::Invalid {
                line, key, message, ..
            }) => (line, key, message),
            other => panic!("expected an Invalid error, got {other:?}"),
        }
    }

    const FULL: &str = r#"
spec = "openapi.yaml"
mode = "live"
timeout = "3s"
concurrency = 4
strict = true
include = ["tag:pets"]
exclude = ["method:DELETE", "path:/admin/**"]
exclude_deprecated = true
stub_phrases = ["wip"]
stub_detection = false

[targets]
stable = "https://api.example.com"
canary = "http://127.0.0.1:8081/api"

[headers]
X-Tenant = { env = "TENANT" }
X-Trace = "rollcall"

[auth]
bearerAuth = { env = "API_TOKEN" }

[operations."GET /pets/{petId}"]
parameters = { petId = 7 }
headers = { X-Debug = "1" }

[operations.createPet]
body = { name = "Rex" }
expect = "not_implemented"

[operations."POST /payments"]
skip = "charges a card"

[[known_gaps]]
operation = "PATCH /invoices/{invoice_id}"
reason = "partial updates ship in 2.4"
until = "2027-01-31"

[[known_gaps]]
operation = "listOrders"
reason = "orders move to v2"
until = 2026-12-01
"#;

    #[test]
    fn secret_headers_are_read_and_their_literal_values_refused() {
        let config = parse(
            "secret_headers = [\"X-Tenant-Id\", \" X-Build \"]\n[headers]\nX-Tenant-Id = { env = \"TENANT\" }\n",
        )
        .unwrap();
        assert_eq!(config.secret_headers, ["X-Tenant-Id", "X-Build"]);
        assert!(config.secrets.contains(&"acme".to_string()));
        for (text, at) in [
            (
                "secret_headers = [\"X-Tenant-Id\"]\n[headers]\nx-tenant-id = \"acme\"\n",
                (3, "headers.x-tenant-id"),
            ),
            (
                "secret_headers = [\"X-Build\"]\n[spec_headers]\nX-Build = \"b-1\"\n",
                (3, "spec_headers.X-Build"),
            ),
            (
                "secret_headers = [\"X-Build\"]\n[operations.getPet]\nheaders = { X-Build = \"b-1\" }\n",
                (3, "operations.getPet.headers.X-Build"),
            ),
        ] {
            let (line, key, message) = error(text);
            assert_eq!((line, key.as_str()), at, "{text}");
            assert!(message.contains("credential header"), "{message}");
            assert!(!message.contains("acme") && !message.contains("b-1"));
        }
        let (line, key, message) = error("\nsecret_headers = [\"X Tenant\"]\n");
        assert_eq!((line, key.as_str()), (2, "secret_headers"));
        assert!(message.contains("not a valid header name"), "{message}");
        assert!(
            parse("[headers]\nX-Tenant-Id = \"acme\"\n").is_ok(),
            "not secret unless named"
        );
    }

    #[test]
    fn fail_on_is_read_and_refuses_implemented() {
        let config = parse("fail_on = [\"not_implemented\", \"auth_required\"]\n").unwrap();
        assert_eq!(
            config.fail_on,
            Some(vec![Verdict::NotImplemented, Verdict::AuthRequired])
        );
        let (line, key, message) = error("\nfail_on = [\"implemented\"]\n");
        assert_eq!((line, key.as_str()), (2, "fail_on"));
        assert!(message.contains("implemented cannot fail"), "{message}");
        let (_, key, _) = error("fail_on = [\"gone\"]\n");
        assert_eq!(key, "fail_on");
        let (_, key, _) = error("spec_headers = { Authorization = \"Bearer x\" }\n");
        assert_eq!(key, "spec_headers.Authorization");
    }

    #[test]
    fn full_config_reads_every_setting() {
        let config = parse(FULL).unwrap();
        assert_eq!(config.spec.as_deref(), Some("openapi.yaml"));
        assert_eq!(config.mode, Some(Mode::Live));
        assert_eq!(config.timeout, Some(Duration::from_secs(3)));
        assert_eq!(config.concurrency, Some(4));
        assert_eq!(config.strict, Some(true));
        let names: Vec<&str> = config.targets.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["stable", "canary"]);
        assert_eq!(
            config.headers,
            [
                ("X-Tenant".to_string(), "acme".to_string()),
                ("X-Trace".to_string(), "rollcall".to_string())
            ]
        );
        assert_eq!(config.credentials[0].scheme, "bearerAuth");
        assert_eq!(config.credentials[0].value, "t0k3n-from-env");
        assert!(config.secrets.contains(&"t0k3n-from-env".to_string()));
        assert_eq!(config.include.len(), 1);
        assert_eq!(config.exclude.len(), 2);
        assert_eq!(config.stub_phrases, Some(vec!["wip".to_string()]));
        assert_eq!(config.stub_detection, Some(false));
        assert_eq!(config.operations.len(), 3);
        assert_eq!(
            config.operations[0].request.parameters,
            [("petId".to_string(), serde_json::json!(7))]
        );
        assert_eq!(config.operations[1].expect, Some(Verdict::NotImplemented));
        assert_eq!(config.operations[2].skip.as_deref(), Some("charges a card"));
        assert_eq!(config.known_gaps[0].until.to_string(), "2027-01-31");
        assert_eq!(config.known_gaps[1].until.to_string(), "2026-12-01");
        assert_eq!(
            config.overrides().len(),
            2,
            "skip/expect-only entries send nothing"
        );
        assert_eq!(config.filter().skips.len(), 1);
    }

    #[test]
    fn debug_output_never_shows_secret_values() {
        let config = parse(FULL).unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("t0k3n-from-env"), "{shown}");
        assert!(!shown.contains("acme"), "{shown}");
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let (line, key, message) = error(
            "spec = \"a.yaml\"\n\n[targets]\nstable = \"http://h\"\n\n[operations.\"GET /x\"]\nexpct = \"stub\"\n",
        );
        assert_eq!(line, 7);
        assert_eq!(key, "operations.\"GET /x\".expct");
        assert!(message.contains("unknown field"), "{message}");
    }

    #[test]
    fn wrong_value_type_names_key_and_line() {
        let (line, key, message) = error("spec = \"a.yaml\"\nmode = \"fast\"\n");
        assert_eq!((line, key.as_str()), (2, "mode"));
        assert!(message.contains("fast"), "{message}");
        let (line, key, _) = error("concurrency = 0\n");
        assert_eq!((line, key.as_str()), (1, "concurrency"));
        let (line, key, message) = error(
            "\n[[known_gaps]]\noperation = \"GET /a\"\nreason = \"r\"\nuntil = \"2027-02-30\"\n",
        );
        assert_eq!((line, key.as_str()), (5, "known_gaps[1].until"));
        assert!(message.contains("YYYY-MM-DD"), "{message}");
        let (line, key, message) = error("include = [\n  \"tag:a\",\n  \"colour:red\",\n]\n");
        assert_eq!((line, key.as_str()), (3, "include"));
        assert!(message.contains("colour:red"), "{message}");
    }

    #[test]
    fn parity_settings_are_read_and_checked() {
        let config = parse(
            "reference = \"stable\"\nparity_only = true\nrepeat = 3\neach_address = true\nall_parity_rows = true\n",
        )
        .unwrap();
        assert_eq!(config.reference, Some(("stable".to_string(), 1)));
        assert_eq!(config.parity_only, Some(true));
        assert_eq!(config.repeat, Some(3));
        assert_eq!(config.each_address, Some(true));
        assert_eq!(config.all_parity_rows, Some(true));
        let (line, key, message) = error("spec = \"a.yaml\"\nrepeat = 101\n");
        assert_eq!((line, key.as_str()), (2, "repeat"));
        assert!(message.contains("1 to 100"), "{message}");
        let (line, key, _) = error("\nreference = \" \"\n");
        assert_eq!((line, key.as_str()), (2, "reference"));
        let (line, key, message) = error("spec = \"a.yaml\"\nparity-only = true\n");
        assert_eq!((line, key.as_str()), (2, "parity-only"));
        assert!(message.contains("unknown field"), "{message}");
    }

    #[test]
    fn toml_syntax_error_names_the_line() {
        let (line, _, _) = error("spec = \"a.yaml\"\nmode = \n");
        assert_eq!(line, 2);
    }

    #[test]
    fn literal_secrets_are_refused_without_being_echoed() {
        let (line, key, message) = error("[auth]\nbearerAuth = \"hunter2\"\n");
        assert_eq!((line, key.as_str()), (2, "auth.bearerAuth"));
        assert!(message.contains("env"), "{message}");
        assert!(!message.contains("hunter2"));
        let (_, key, message) = error("[headers]\nAuthorization = \"Bearer hunter2\"\n");
        assert_eq!(key, "headers.Authorization");
        assert!(!message.contains("hunter2"));
        let err =
            parse("[operations.getPet]\nheaders = { Cookie = \"sid=hunter2\" }\n").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn unset_environment_variable_is_an_error_naming_it() {
        let (line, key, message) = error("[auth]\n\nbearerAuth = { env = \"NOT_SET\" }\n");
        assert_eq!((line, key.as_str()), (3, "auth.bearerAuth"));
        assert!(message.contains("NOT_SET"), "{message}");
    }

    #[test]
    fn base_path_is_read_for_all_targets_and_per_target() {
        let config = parse(
            "base_path = \"/api/v2/\"\n[targets]\nstable = \"https://api.example.com\"\n\
             mock = { url = \"http://127.0.0.1:4010\", base_path = \"/\" }\n",
        )
        .unwrap();
        assert_eq!(config.base_path.unwrap().to_string(), "/api/v2");
        assert_eq!(config.targets[0].base_path, None);
        assert_eq!(config.targets[1].name, "mock");
        assert_eq!(config.targets[1].url.as_str(), "http://127.0.0.1:4010/");
        assert_eq!(
            config.targets[1].base_path.as_ref().unwrap().to_string(),
            "/"
        );
        let (line, key, message) = error("spec = \"a.yaml\"\nbase_path = \"api\"\n");
        assert_eq!((line, key.as_str()), (2, "base_path"));
        assert!(message.contains("does not start with '/'"), "{message}");
        let (line, key, _) =
            error("[targets]\nmock = { url = \"http://h\", base_path = \"v1\" }\n");
        assert_eq!((line, key.as_str()), (1, "targets.mock.base_path"));
        let (_, key, message) = error("[targets]\nmock = { url = \"http://h\", base = \"/\" }\n");
        assert_eq!(key, "targets.mock.base");
        assert!(
            message.contains("expected `url` or `base_path`"),
            "{message}"
        );
        let (_, key, message) = error("[targets]\nmock = { base_path = \"/\" }\n");
        assert_eq!(
            (key.as_str(), message.as_str()),
            ("targets.mock", "missing field `url`")
        );
        let (_, key, _) = error("targets = [\"http://a\", 3]\n");
        assert_eq!(key, "targets[2]");
        let (_, key, _) = error("targets = 3\n");
        assert_eq!(key, "targets");
    }

    #[test]
    fn targets_may_be_a_list_and_bad_ones_are_named() {
        let config = parse("targets = [\"stable=http://a\", \"http://b:8080\"]\n").unwrap();
        assert_eq!(config.targets[1].name, "b:8080");
        let (line, key, _) = error("\n[targets]\nstable = \"ftp://a\"\n");
        assert_eq!((line, key.as_str()), (2, "targets.stable"));
    }

    #[test]
    fn spec_is_relative_to_the_config_file() {
        let config = Config::parse(
            Path::new("ci/rollcall.toml"),
            "spec = \"../openapi.yaml\"\n",
            &|_| None,
        )
        .unwrap();
        assert_eq!(config.spec.as_deref(), Some("ci/../openapi.yaml"));
        let config = Config::parse(
            Path::new("ci/rollcall.toml"),
            "spec = \"https://x/openapi.yaml\"\n",
            &|_| None,
        )
        .unwrap();
        assert_eq!(config.spec.as_deref(), Some("https://x/openapi.yaml"));
    }

    #[test]
    fn dates_are_checked_for_real_days() {
        assert!("2028-02-29".parse::<Date>().is_ok());
        for bad in [
            "2027-02-29",
            "2027-13-01",
            "2027-1-01",
            "27-01-01",
            "2027-01-01T00",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
        let a: Date = "2026-12-31".parse().unwrap();
        let b: Date = "2027-01-01".parse().unwrap();
        assert!(a < b);
    }

    fn gap_config(operation: &str, until: &str) -> Config {
        parse(&format!(
            "[[known_gaps]]\noperation = \"{operation}\"\nreason = \"ships in 2.4\"\nuntil = \"{until}\"\n"
        ))
        .unwrap()
    }

    /// The fixture's first failing (not inconclusive) operation.
    fn failing_label(report: &RunReport) -> String {
        report
            .operations
            .iter()
            .find(|op| {
                op.results
                    .iter()
                    .any(|r| r.verdict.outcome() == Outcome::Fail)
            })
            .map(|op| op.label())
            .expect("the fixture has a failing operation")
    }

    /// The first failing result of the operation labelled `label`.
    fn failing_result<'a>(report: &'a RunReport, label: &str) -> &'a crate::report::TargetResult {
        report
            .results()
            .find(|(op, r)| op.label() == label && r.verdict.outcome() == Outcome::Fail)
            .map(|(_, r)| r)
            .expect("the operation has a failing result")
    }

    #[test]
    fn open_known_gap_is_reported_but_does_not_fail_the_run() {
        let mut report = fixture();
        let label = failing_label(&report);
        gap_config(&label, "2027-01-31")
            .apply_allowances(&mut report, "2027-01-31".parse().unwrap());
        let failing = failing_result(&report, &label);
        assert!(failing.is_known_gap());
        assert_eq!(
            failing.allowance.as_ref().unwrap().message,
            "known gap: ships in 2.4, until 2027-01-31"
        );
        assert!(report.known_gaps() >= 1);
    }

    #[test]
    fn known_gap_past_its_date_fails_again() {
        let mut report = fixture();
        let label = failing_label(&report);
        gap_config(&label, "2027-01-31")
            .apply_allowances(&mut report, "2027-02-01".parse().unwrap());
        let failing = failing_result(&report, &label);
        assert!(!failing.is_known_gap());
        let allowance = failing.allowance.as_ref().unwrap();
        assert_eq!(allowance.kind, AllowanceKind::Expired);
        assert!(
            allowance.message.contains("expired on 2027-01-31"),
            "{}",
            allowance.message
        );
        assert_eq!(report.known_gaps(), 0);
    }

    #[test]
    fn known_gap_that_now_passes_asks_to_be_removed() {
        let mut report = fixture();
        let served = report
            .results()
            .find(|(_, r)| r.verdict == Verdict::Implemented)
            .map(|(op, _)| op.label())
            .unwrap();
        gap_config(&served, "2027-01-31")
            .apply_allowances(&mut report, "2026-01-01".parse().unwrap());
        let (_, result) = report
            .results()
            .find(|(op, r)| op.label() == served && r.verdict == Verdict::Implemented)
            .unwrap();
        let allowance = result.allowance.as_ref().unwrap();
        assert_eq!(allowance.kind, AllowanceKind::Fixed);
        assert!(
            allowance
                .message
                .starts_with("fixed: remove it from known gaps")
        );
    }

    #[test]
    fn known_gap_naming_a_rule_covers_only_that_failure() {
        use crate::verdict::Rule;
        let mut report = fixture();
        let label = failing_label(&report);
        let (rule, other) = (Rule::Handler501, Rule::Method405);
        for op in report
            .operations
            .iter_mut()
            .filter(|op| op.label() == label)
        {
            for result in &mut op.results {
                result.rule = rule.into();
            }
        }
        let gap = |rule: &str| {
            parse(&format!(
                "[[known_gaps]]\noperation = \"{label}\"\nreason = \"r\"\nuntil = \"2027-01-31\"\nrule = \"{rule}\"\n"
            ))
            .unwrap()
        };
        let mut named = report.clone();
        gap(rule.id()).apply_allowances(&mut named, "2027-01-01".parse().unwrap());
        assert!(failing_result(&named, &label).is_known_gap());
        gap(other.id()).apply_allowances(&mut report, "2027-01-01".parse().unwrap());
        assert_eq!(failing_result(&report, &label).allowance, None);
    }

    #[test]
    fn known_gap_rule_must_be_a_rule_id() {
        let (line, key, message) = error(
            "[[known_gaps]]\noperation = \"GET /a\"\nreason = \"r\"\nuntil = \"2027-01-31\"\nrule = \"no-such-rule\"\n",
        );
        assert_eq!((line, key.as_str()), (5, "known_gaps[1].rule"));
        assert!(message.contains("no-such-rule"), "{message}");
    }

    #[test]
    fn expected_verdict_counts_as_a_pass() {
        let mut report = fixture();
        let (label, verdict) = report
            .results()
            .find(|(_, r)| r.verdict.outcome() == Outcome::Fail)
            .map(|(op, r)| (op.label(), r.verdict))
            .unwrap();
        let config = parse(&format!(
            "[operations.\"{label}\"]\nexpect = \"{verdict}\"\n"
        ))
        .unwrap();
        config.apply_allowances(&mut report, "2026-01-01".parse().unwrap());
        let op = report
            .operations
            .iter()
            .find(|o| o.label() == label)
            .unwrap();
        for result in &op.results {
            let kind = result.allowance.as_ref().unwrap().kind;
            if result.verdict == verdict {
                assert_eq!(kind, AllowanceKind::Expected);
                assert_eq!(result.counted_outcome(), Outcome::Pass);
            } else {
                assert_eq!(kind, AllowanceKind::Unexpected);
            }
        }
    }

    #[test]
    fn entries_naming_no_operation_are_warned_about() {
        let contract =
            crate::contract::parse(crate::demo::SPEC_PATH, crate::demo::SPEC.as_bytes()).unwrap();
        let config = parse(
            "[operations.getPet]\nexpect = \"implemented\"\n[operations.\"GET /nope\"]\nskip = \"x\"\n\
             [[known_gaps]]\noperation = \"typoId\"\nreason = \"r\"\nuntil = \"2027-01-01\"\n",
        )
        .unwrap();
        let warnings = config.unmatched(&contract);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("GET /nope"));
        assert!(warnings[1].contains("typoId"));
    }
}

#[cfg(test)]
mod example_tests {
    use super::*;

    /// The README's config reference is this file: it must stay loadable.
    #[test]
    fn documented_example_config_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/config/rollcall.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let config = Config::parse(&path, &text, &|name| Some(format!("value-of-{name}"))).unwrap();
        assert_eq!(config.targets.len(), 2);
        assert_eq!(config.credentials.len(), 1);
        assert_eq!(config.operations.len(), 4);
        assert_eq!(
            config.parameters,
            [("tenant".to_string(), Value::String("acme".into()))]
        );
        assert_eq!(config.known_gaps.len(), 1);
        assert_eq!(config.filter().skips.len(), 1);
        assert_eq!(config.wait_for, Some(Duration::from_secs(30)));
        assert_eq!(
            config.spec_headers,
            [(
                "Authorization".to_string(),
                "value-of-SPEC_TOKEN".to_string()
            )]
        );
        assert!(config.secrets.contains(&"value-of-SPEC_TOKEN".to_string()));
        assert_eq!(config.secret_headers, ["X-Tenant-Id"]);
    }
}

#[cfg(test)]
mod robustness_tests {
    use super::*;

    /// Whatever the bytes, parsing answers with a config or an error.
    #[test]
    fn arbitrary_text_never_panics() {
        let samples = [
            "",
            "[",
            "[[known_gaps]]",
            "é = \"ü\"\n[ä]\nö = 1",
            "targets = 3",
            "targets = { a = 1 }",
            "[operations.\"\"]\nskip = \"\"",
            "include = [1, 2]",
            "until = 2027-01-31T10:00:00Z",
            "[[known_gaps]]\noperation = \"a\"\nreason = \"b\"\nuntil = 2027-01-31T10:00:00Z",
            "\u{feff}spec = \"x\"",
        ];
        for text in samples {
            let _ = Config::parse(Path::new("rollcall.toml"), text, &|_| None);
        }
        for offset in 0..20 {
            let _ = key_at("é = \"ü\"\n[ä]\nö = 1", offset);
        }
    }
}

#[cfg(test)]
mod plan_tests {
    use super::*;
    use crate::plan::{self, PlanOptions};

    fn planned(mode: Mode, config: &str, label: &str) -> plan::PlannedRequest {
        let contract =
            crate::contract::parse(crate::demo::SPEC_PATH, crate::demo::SPEC.as_bytes()).unwrap();
        let config = Config::parse(Path::new("rollcall.toml"), config, &|_| None).unwrap();
        let options = PlanOptions {
            mode,
            overrides: config.overrides(),
            ..PlanOptions::default()
        };
        let plan = plan::build(&contract, &options).unwrap();
        let index = contract
            .operations
            .iter()
            .position(|op| op.label() == label)
            .unwrap();
        plan.probes[index]
            .request
            .clone()
            .expect("a request is planned")
    }

    #[test]
    fn configured_body_parameters_and_headers_are_sent_in_live_mode() {
        let config = "[operations.createPet]\nbody = { name = \"Configured\" }\nheaders = { X-Case = \"7\" }\n\
                      [operations.\"GET /pets/{petId}\"]\nparameters = { petId = 4242 }\n";
        let create = planned(Mode::Live, config, "POST /pets");
        let body = create.body.expect("a body");
        assert_eq!(body.content_type, "application/json");
        assert_eq!(body.bytes, br#"{"name":"Configured"}"#);
        assert!(
            create
                .headers
                .contains(&("X-Case".to_string(), "7".to_string()))
        );
        let get = planned(Mode::Live, config, "GET /pets/{petId}");
        assert_eq!(get.path_and_query, "/pets/4242");
    }

    #[test]
    fn safe_mode_choices_win_over_configured_values() {
        // A real id for DELETE must not turn the harmless sentinel probe into a deletion.
        let config = "[operations.deletePet]\nparameters = { petId = 1 }\n\
                      [operations.createPet]\nbody = { name = \"Configured\" }\n";
        let delete = planned(Mode::Safe, config, "DELETE /pets/{petId}");
        assert_ne!(delete.path_and_query, "/pets/1");
        let create = planned(Mode::Safe, config, "POST /pets");
        assert!(
            create
                .body
                .as_ref()
                .is_none_or(|b| b.bytes != br#"{"name":"Configured"}"#),
            "safe mode keeps its invalid body"
        );
    }
}
