//! Verdict: decide, per operation and target, whether the operation is really
//! served, and say why in an `evidence` sentence a person can act on. Every
//! decision cites a rule from the registry in [`rules`].

pub mod rules;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::contract::Method;
use crate::plan::Intent;
use crate::probe::{NoRouteSample, Response};

/// The verdict vocabulary, shared by every report and the docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Implemented,
    NotImplemented,
    MissingRoute,
    MissingMethod,
    ServerError,
    Stub,
    AuthRequired,
    Unverified,
    Unreachable,
    Skipped,
}

impl Verdict {
    pub const ALL: [Verdict; 10] = [
        Verdict::Implemented,
        Verdict::NotImplemented,
        Verdict::MissingRoute,
        Verdict::MissingMethod,
        Verdict::ServerError,
        Verdict::Stub,
        Verdict::AuthRequired,
        Verdict::Unverified,
        Verdict::Unreachable,
        Verdict::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Implemented => "implemented",
            Verdict::NotImplemented => "not_implemented",
            Verdict::MissingRoute => "missing_route",
            Verdict::MissingMethod => "missing_method",
            Verdict::ServerError => "server_error",
            Verdict::Stub => "stub",
            Verdict::AuthRequired => "auth_required",
            Verdict::Unverified => "unverified",
            Verdict::Unreachable => "unreachable",
            Verdict::Skipped => "skipped",
        }
    }

    /// How the verdict counts for the exit code and JUnit.
    pub fn outcome(self) -> Outcome {
        match self {
            Verdict::Implemented => Outcome::Pass,
            Verdict::NotImplemented
            | Verdict::MissingRoute
            | Verdict::MissingMethod
            | Verdict::ServerError
            | Verdict::Stub => Outcome::Fail,
            Verdict::Unreachable => Outcome::Error,
            Verdict::AuthRequired | Verdict::Unverified | Verdict::Skipped => Outcome::Inconclusive,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a verdict counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Served.
    Pass,
    /// Flagged: the operation is not really served.
    Fail,
    /// No answer at all (connection, timeout, TLS).
    Error,
    /// Neither proven nor disproven.
    Inconclusive,
}

/// A decision about one operation on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub verdict: Verdict,
    /// Id of the rule in [`rules::RULES`] that decided it.
    pub rule: &'static str,
    /// One sentence a person can act on.
    pub evidence: String,
}

/// Everything a verdict may look at for one operation on one target.
pub struct Context<'a> {
    pub operation: &'a crate::contract::Operation,
    pub probe: &'a crate::plan::PlannedProbe,
    pub discovery: &'a crate::probe::Discovery,
    /// Whether the user gave credentials (`--auth`, or an auth header).
    pub credentials_given: bool,
}

/// Classifies one probe's exchange (`None` when the plan sent nothing).
pub fn classify(context: &Context<'_>, exchange: Option<&crate::probe::Exchange>) -> Finding {
    let Some(exchange) = exchange else {
        return match &context.probe.intent {
            Intent::Unverifiable { reason } => finding(
                rules::SAFE_MODE_NO_HARMLESS_PROBE,
                format!("not probed in safe mode: {reason}"),
            ),
            Intent::Skipped { reason } => finding(
                rules::SKIPPED_BY_CONTRACT,
                format!("not probed: {reason} (x-rollcall-skip)"),
            ),
            _ => finding(
                rules::NOT_PROBED,
                format!(
                    "{} was planned but no request was sent",
                    context.operation.label()
                ),
            ),
        };
    };
    let probe = ProbeLine::new(context, exchange);
    match &exchange.outcome {
        Err(error) => finding(
            rules::TRANSPORT_FAILED,
            format!("{probe} got no response: {error}"),
        ),
        Ok(response) => classify_response(context, &probe, exchange, response),
    }
}

/// A finding for `rule_id`, with the verdict the registry gives that rule.
fn finding(rule_id: &'static str, evidence: String) -> Finding {
    let verdict = rules::rule(rule_id)
        .map(|r| r.verdict)
        .expect("every rule id used in code is registered in rules::RULES");
    Finding {
        verdict,
        rule: rule_id,
        evidence,
    }
}

/// The finding for an operation that a filter left out.
pub fn skipped(operation: &crate::contract::Operation) -> Finding {
    finding(
        rules::EXCLUDED_BY_FILTER,
        format!("{} was excluded by --include/--exclude", operation.label()),
    )
}

/// Bodies larger than this are never taken for stubs: placeholders are short.
const STUB_BODY_LIMIT: usize = 4096;
/// Characters of a response body quoted in evidence.
const EVIDENCE_EXCERPT_CHARS: usize = 120;

/// Phrases that mark a placeholder wherever they stand, as whole words.
const STUB_PHRASES: &[&str] = &[
    "not yet implemented",
    "not implemented",
    "unimplemented",
    "coming soon",
];
/// Words that mark a placeholder only when they are the whole text or lead
/// it before a colon (`TODO`, `stub`, `TODO: implement`): as ordinary words
/// they are data, e.g. the title of an item in a to-do list.
const STUB_MARKERS: &[&str] = &["todo", "stub"];

/// `GET /pets/1`: the request as evidence names it (the path relative to the
/// base URL, without the query).
struct ProbeLine<'a> {
    method: Method,
    path_and_query: &'a str,
}

impl<'a> ProbeLine<'a> {
    fn new(context: &'a Context<'_>, exchange: &'a crate::probe::Exchange) -> ProbeLine<'a> {
        let path_and_query = context
            .probe
            .request
            .as_ref()
            .map_or(context.operation.path.as_str(), |r| {
                r.path_and_query.as_str()
            });
        ProbeLine {
            method: exchange.request.method,
            path_and_query,
        }
    }

    fn path(&self) -> &str {
        self.path_and_query
            .split(['?', '#'])
            .next()
            .unwrap_or(self.path_and_query)
    }
}

impl fmt::Display for ProbeLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path())
    }
}

fn classify_response(
    context: &Context<'_>,
    probe: &ProbeLine<'_>,
    exchange: &crate::probe::Exchange,
    response: &Response,
) -> Finding {
    let status = response.status;
    let answered = format!("{probe} answered {}", status_text(status));
    let no_route = if probe.method == Method::Head {
        context
            .discovery
            .matching_no_route_without_body(probe.path_and_query, response)
    } else {
        context
            .discovery
            .matching_no_route(probe.path_and_query, response)
    };
    match status {
        501 => finding(rules::HANDLER_501, with_excerpt(answered, response)),
        405 => finding(
            rules::METHOD_405,
            method_not_allowed(answered, probe, response),
        ),
        404 => not_found(context, probe, answered, no_route),
        401 | 403 => auth(context, answered, status, no_route.is_some()),
        429 => {
            let wait = response
                .header("retry-after")
                .map(|v| format!(" (Retry-After: {})", v.trim()))
                .unwrap_or_default();
            finding(
                rules::RATE_LIMITED,
                format!(
                    "{answered}{wait}: the target limited the rate before the operation could be judged"
                ),
            )
        }
        500..=599 => finding(rules::SERVER_5XX, server_error(answered, status, response)),
        200..=299 => success(context, probe, answered, response, no_route),
        300..=399 => {
            let location = response.header("location").map_or_else(
                || "no Location header".to_string(),
                |l| format!("Location: {}", l.trim()),
            );
            match no_route {
                Some(sample) => finding(
                    rules::CATCH_ALL_3XX,
                    format!(
                        "{answered} ({location}), the same redirect unknown paths get ({}): it proves nothing about the operation",
                        sample.describe()
                    ),
                ),
                None => finding(
                    rules::REDIRECT_3XX,
                    format!("{answered} ({location}); the redirect was not followed"),
                ),
            }
        }
        400..=499 => client_error(context, probe, exchange, answered, response),
        _ => finding(
            rules::UNEXPECTED_STATUS,
            format!("{answered}, a status rollcall cannot judge"),
        ),
    }
}

fn method_not_allowed(answered: String, probe: &ProbeLine<'_>, response: &Response) -> String {
    let method = probe.method;
    let Some(allow) = response.header("allow") else {
        return format!("{answered}: the path exists but {method} is not served (no Allow header)");
    };
    let allowed: Vec<&str> = allow
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect();
    let listed = allowed.join(", ");
    if allowed
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method.as_str()))
    {
        format!(
            "{answered}: the path exists (Allow: {listed}) and Allow even lists {method}, but the handler refused it"
        )
    } else {
        format!("{answered}: the path exists (Allow: {listed}) but {method} is not served")
    }
}

fn not_found(
    context: &Context<'_>,
    probe: &ProbeLine<'_>,
    answered: String,
    no_route: Option<&NoRouteSample>,
) -> Finding {
    if let Some(sample) = no_route {
        return finding(
            rules::NO_ROUTE_404,
            format!(
                "{answered}, and the 404 matches this target's no-route response ({}): no route serves {probe}",
                sample.describe()
            ),
        );
    }
    let Some(sample) = context.discovery.sample_for(probe.path_and_query) else {
        return finding(
            rules::NO_ROUTE_UNKNOWN,
            format!(
                "{answered}, but discovery learned nothing about this target's no-route response, so a missing route cannot be told from a missing resource"
            ),
        );
    };
    if matches!(sample.fingerprint.status, 401 | 403) {
        return finding(
            rules::NO_ROUTE_UNKNOWN,
            format!(
                "{answered}, but unknown paths were refused before routing ({}), so a missing route cannot be told from a missing resource",
                sample.describe()
            ),
        );
    }
    let differs = format!("differs from the no-route response ({})", sample.describe());
    match &context.probe.intent {
        Intent::Sentinel { parameter } => finding(
            rules::SENTINEL_404,
            format!(
                "{answered} for a sentinel {parameter} that cannot exist, and the answer {differs}: the handler is deployed"
            ),
        ),
        _ => finding(
            rules::HANDLER_404,
            format!("{answered}, which {differs}: the handler exists, the resource does not"),
        ),
    }
}

fn auth(context: &Context<'_>, answered: String, status: u16, like_no_route: bool) -> Finding {
    let rule = if status == 401 {
        rules::AUTH_401
    } else {
        rules::AUTH_403
    };
    let mut evidence = if context.credentials_given {
        let problem = if status == 401 {
            "they were rejected"
        } else {
            "they do not grant this operation"
        };
        format!(
            "{answered} although credentials were given: {problem} (a credentials problem, not a missing route)"
        )
    } else {
        let schemes = declared_schemes(context.operation);
        if schemes.is_empty() {
            format!("{answered}: the operation needs credentials; pass them with --auth or -H")
        } else {
            format!(
                "{answered}: the operation needs credentials ({}); pass them with --auth",
                schemes.join(" or ")
            )
        }
    };
    if like_no_route {
        evidence.push_str(
            "; unknown paths get the same answer, so it comes from a gate in front of every route",
        );
    }
    finding(rule, evidence)
}

fn declared_schemes(operation: &crate::contract::Operation) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for name in operation
        .security
        .iter()
        .flat_map(|alternative| alternative.iter().map(|(name, _)| name.as_str()))
    {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

fn server_error(answered: String, status: u16, response: &Response) -> String {
    let answered = with_excerpt(answered, response);
    match status {
        502..=504 => {
            format!("{answered} (a gateway could not get an answer from the service behind it)")
        }
        _ => answered,
    }
}

fn success(
    context: &Context<'_>,
    probe: &ProbeLine<'_>,
    answered: String,
    response: &Response,
    no_route: Option<&NoRouteSample>,
) -> Finding {
    if let Some(sample) = no_route {
        return finding(
            rules::CATCH_ALL_2XX,
            format!(
                "{answered}, identical to the answer for a path that cannot exist ({}): a catch-all answered, not a handler for {probe}",
                sample.describe()
            ),
        );
    }
    if let Some(placeholder) = stub_text(response) {
        return finding(
            rules::STUB_2XX,
            format!("{answered} but the body says {placeholder}: a placeholder, not a handler"),
        );
    }
    if let Intent::Invalid { violation } = &context.probe.intent {
        return finding(
            rules::INVALID_ACCEPTED,
            format!(
                "route served: the deliberately invalid request to {probe} ({violation}) was accepted with {}; the handler does not validate it",
                status_text(response.status)
            ),
        );
    }
    finding(rules::SERVED_2XX, answered)
}

fn client_error(
    context: &Context<'_>,
    probe: &ProbeLine<'_>,
    exchange: &crate::probe::Exchange,
    answered: String,
    response: &Response,
) -> Finding {
    let status = response.status;
    let Intent::Invalid { violation } = &context.probe.intent else {
        return finding(
            rules::HANDLER_4XX,
            format!(
                "{answered}: the route is served and its handler or validation refused the request"
            ),
        );
    };
    let before_routing = context.discovery.malformed_body.as_ref().filter(|sample| {
        exchange.request.body.is_some()
            && sample.fingerprint.status == status
            && !matches!(status, 404 | 405 | 410)
    });
    if let Some(sample) = before_routing {
        return finding(
            rules::REJECTED_BEFORE_ROUTING,
            format!(
                "the deliberately invalid request to {probe} ({violation}) was rejected with {}, but a malformed body to a path that cannot exist gets {} too (POST {}): bodies are checked before routing, so the route is not proven; run --mode live to reach it",
                status_text(status),
                sample.fingerprint.status,
                sample.path
            ),
        );
    }
    finding(
        rules::VALIDATION_REJECTED,
        format!(
            "route deployed: the deliberately invalid request to {probe} ({violation}) was rejected with {}; the handler itself was not reached in safe mode; run --mode live to reach it",
            status_text(status)
        ),
    )
}

/// `501 Not Implemented`, or the bare number for statuses without a reason.
fn status_text(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

/// `sentence: <first characters of the body>` when the body has text.
fn with_excerpt(sentence: String, response: &Response) -> String {
    let text = String::from_utf8_lossy(&response.body);
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return sentence;
    }
    let mut shown: String = one_line.chars().take(EVIDENCE_EXCERPT_CHARS).collect();
    if shown.len() < one_line.len() || response.truncated {
        shown.push('…');
    }
    format!("{sentence}: {shown}")
}

/// The placeholder text of a small 2xx body (quoted), if it is one: any JSON
/// string value, or the plain text, that reads as "not implemented".
fn stub_text(response: &Response) -> Option<String> {
    if response.truncated || response.body.len() > STUB_BODY_LIMIT {
        return None;
    }
    let text = String::from_utf8_lossy(&response.body);
    let found = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(value) => first_stub_string(&value).map(str::to_string),
        Err(_) => is_stub_text(&text).then(|| text.trim().to_string()),
    }?;
    let one_line = found.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut shown: String = one_line.chars().take(EVIDENCE_EXCERPT_CHARS).collect();
    if shown.len() < one_line.len() {
        shown.push('…');
    }
    Some(format!("\"{shown}\""))
}

fn first_stub_string(value: &serde_json::Value) -> Option<&str> {
    match value {
        serde_json::Value::String(s) => is_stub_text(s).then_some(s.as_str()),
        serde_json::Value::Array(items) => items.iter().find_map(first_stub_string),
        serde_json::Value::Object(fields) => fields.values().find_map(first_stub_string),
        _ => None,
    }
}

fn is_stub_text(text: &str) -> bool {
    let words = normalize_words(text);
    if STUB_PHRASES
        .iter()
        .any(|phrase| contains_words(&words, phrase))
    {
        return true;
    }
    let trimmed = words.trim_matches(|c: char| !c.is_alphanumeric());
    STUB_MARKERS.iter().any(|marker| {
        trimmed
            .strip_prefix(marker)
            .is_some_and(|rest| rest.is_empty() || rest.trim_start().starts_with(':'))
    })
}

/// Lower-cased, with `_`, `-` and runs of whitespace as one space and
/// camel case split (`NotImplemented`, `not_implemented` → `not implemented`).
fn normalize_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous_lower = false;
    for c in text.chars() {
        if c.is_whitespace() || c == '_' || c == '-' {
            if !out.ends_with(' ') {
                out.push(' ');
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            out.push(' ');
        }
        previous_lower = c.is_lowercase();
        out.extend(c.to_lowercase());
    }
    out
}

/// Whether `phrase` occurs in `text` as whole words.
fn contains_words(text: &str, phrase: &str) -> bool {
    let is_word_char = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    text.match_indices(phrase).any(|(at, _)| {
        !is_word_char(text[..at].chars().next_back())
            && !is_word_char(text[at + phrase.len()..].chars().next())
    })
}

#[cfg(test)]
mod tests;
