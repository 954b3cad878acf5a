//! Verdict: decide, per operation and target, whether the operation is really
//! served, and say why in an `evidence` sentence a person can act on. Every
//! decision cites a [`Rule`] of the registry in [`rules`].
//!
//! A decision reads the operation's answer together with what discovery
//! learned about the target and, where the answer leaves the route in doubt,
//! the safe follow-up requests it asked for ([`follow_up_wanted`]; built by
//! [`crate::plan::followup`], sent by the run, `check::followup`); the
//! evidence records that chain. Nothing here sends a request. The order of the checks
//! is documented in `docs/verdicts.md`. What a 401 or 403 proves is judged
//! in `auth.rs`, whether a 2xx body is a placeholder in `stub.rs`.

mod auth;
pub mod followup;
pub mod repeats;
pub mod rules;
pub mod s3;
mod stub;

pub use stub::{STUB_MARKERS, STUB_PHRASES};

use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};

use crate::contract::Method;
use crate::plan::Intent;
use crate::probe::{NoRouteSample, Response, allow_lists, allow_methods};

pub use followup::{FollowUp, FollowUpKind};
pub use rules::{Rule, RuleId};

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
    /// A safe-mode request the contract forbids was accepted with a 2xx:
    /// the handler does not validate its input, and the request may have
    /// changed state.
    AcceptsInvalid,
    /// Repeated requests (`--repeat`) got different verdicts.
    Inconsistent,
    AuthRequired,
    Unverified,
    Unreachable,
    Skipped,
}

impl Verdict {
    pub const ALL: [Verdict; 12] = [
        Verdict::Implemented,
        Verdict::NotImplemented,
        Verdict::MissingRoute,
        Verdict::MissingMethod,
        Verdict::ServerError,
        Verdict::Stub,
        Verdict::AcceptsInvalid,
        Verdict::Inconsistent,
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
            Verdict::AcceptsInvalid => "accepts_invalid",
            Verdict::Inconsistent => "inconsistent",
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
            | Verdict::Stub
            | Verdict::AcceptsInvalid
            | Verdict::Inconsistent => Outcome::Fail,
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
    /// The rule that decided it.
    pub rule: Rule,
    /// One sentence a person can act on.
    pub evidence: String,
}

/// Everything a verdict may look at for one operation on one target: the
/// operation, its planned probe (with what the contract declares about its
/// answers, [`crate::plan::Declarations`]) and what discovery learned; never
/// the raw document.
pub struct Context<'a> {
    pub operation: &'a crate::contract::Operation,
    pub probe: &'a crate::plan::PlannedProbe,
    pub discovery: &'a crate::probe::Discovery,
    /// Whether the user gave credentials (`--auth`, or an auth header).
    pub credentials_given: bool,
}

/// User settings that shape verdicts (`--stub-phrase`, `--no-stub-detection`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Whether small 2xx bodies are read for placeholder phrases.
    pub stub_detection: bool,
    /// Phrases that mark a placeholder besides the built-in ones; matched
    /// like them, as whole words in any case, spacing or `snake_case`,
    /// `kebab-case` or `CamelCase` form.
    pub stub_phrases: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            stub_detection: true,
            stub_phrases: Vec::new(),
        }
    }
}

/// Classifies one probe's exchange (`None` when the plan sent nothing),
/// with the default settings and no follow-up requests.
pub fn classify(context: &Context<'_>, exchange: Option<&crate::probe::Exchange>) -> Finding {
    classify_with(context, exchange, &Settings::default(), &[])
}

/// Classifies one probe's exchange together with the follow-up requests
/// sent after it (see `check::followup`, which sends them).
pub fn classify_with(
    context: &Context<'_>,
    exchange: Option<&crate::probe::Exchange>,
    settings: &Settings,
    follow_ups: &[FollowUp],
) -> Finding {
    let judge = Judge {
        context,
        settings,
        follow_ups,
    };
    decide(&judge, exchange).finding
}

/// The follow-up request that would settle this probe's verdict, if one
/// would and the operation has not had its share ([`followup::MAX_PER_OPERATION`]).
pub fn follow_up_wanted(
    context: &Context<'_>,
    exchange: Option<&crate::probe::Exchange>,
    settings: &Settings,
    follow_ups: &[FollowUp],
) -> Option<FollowUpKind> {
    if follow_ups.len() >= followup::MAX_PER_OPERATION {
        return None;
    }
    classify_wanting(context, exchange, settings, follow_ups).1
}

/// [`classify_with`] and [`follow_up_wanted`] from one decision (for an
/// operation that has not had its share of follow-ups).
pub fn classify_wanting(
    context: &Context<'_>,
    exchange: Option<&crate::probe::Exchange>,
    settings: &Settings,
    follow_ups: &[FollowUp],
) -> (Finding, Option<FollowUpKind>) {
    let judge = Judge {
        context,
        settings,
        follow_ups,
    };
    let decision = decide(&judge, exchange);
    let wanted = decision
        .want
        .filter(|wanted| !follow_ups.iter().any(|f| f.kind == *wanted));
    (decision.finding, wanted)
}

/// Everything one decision looks at.
struct Judge<'a, 'c> {
    context: &'a Context<'c>,
    settings: &'a Settings,
    follow_ups: &'a [FollowUp],
}

impl Judge<'_, '_> {
    fn follow_up(&self, kind: FollowUpKind) -> Option<&FollowUp> {
        self.follow_ups.iter().find(|f| f.kind == kind)
    }

    fn discovery(&self) -> &crate::probe::Discovery {
        self.context.discovery
    }
}

/// A finding, and the follow-up request that could change it.
struct Decision {
    finding: Finding,
    want: Option<FollowUpKind>,
}

impl From<Finding> for Decision {
    fn from(finding: Finding) -> Decision {
        Decision {
            finding,
            want: None,
        }
    }
}

fn decide(judge: &Judge<'_, '_>, exchange: Option<&crate::probe::Exchange>) -> Decision {
    let context = judge.context;
    let Some(exchange) = exchange else {
        return match &context.probe.intent {
            Intent::Unverifiable { reason } => unverifiable(judge, reason),
            Intent::Skipped { reason } => finding(
                Rule::SkippedByContract,
                format!("not probed: {reason} (x-rollcall-skip)"),
            )
            .into(),
            Intent::Excluded { reason } => finding(Rule::ExcludedByFilter, reason.clone()).into(),
            _ => finding(
                Rule::NotProbed,
                format!(
                    "{} was planned but no request was sent",
                    context.operation.label()
                ),
            )
            .into(),
        };
    };
    let probe = ProbeLine::new(context, exchange);
    match &exchange.outcome {
        Err(error) => finding(
            Rule::TransportFailed,
            format!("{probe} got no response: {error}"),
        )
        .into(),
        Ok(response) => judge_response(
            judge,
            &probe,
            &context.probe.intent,
            exchange,
            response,
            true,
        ),
    }
}

/// A finding by `rule`, with the verdict the registry gives it.
fn finding(rule: Rule, evidence: String) -> Finding {
    Finding {
        verdict: rule.verdict(),
        rule,
        evidence,
    }
}

/// Characters of a response body quoted in evidence.
const EVIDENCE_EXCERPT_CHARS: usize = 120;

/// `GET /pets/1`, `GET /rcb?acl`: the request as evidence names it (the
/// path relative to the base URL, and of the query only what tells the
/// operation apart: its selector's items, as sent).
struct ProbeLine<'a> {
    method: Method,
    path_and_query: &'a str,
    /// The operation's selector, whose query items are shown.
    selector: Option<&'a crate::contract::Selector>,
}

/// Path segments longer than this are shortened in evidence (a bucket
/// name no store can have is 256 characters); reports keep the full URL.
const SHOWN_SEGMENT_CHARS: usize = 48;

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
            selector: Some(&context.operation.selector),
        }
    }

    /// A follow-up request of the operation `selector` belongs to (`None`
    /// for one that shows no query, such as `OPTIONS` on the path).
    fn of(
        request: &'a crate::plan::PlannedRequest,
        selector: Option<&'a crate::contract::Selector>,
    ) -> ProbeLine<'a> {
        ProbeLine {
            method: request.method,
            path_and_query: &request.path_and_query,
            selector,
        }
    }

    fn path(&self) -> &str {
        let end = self
            .path_and_query
            .bytes()
            .position(|byte| byte == b'?' || byte == b'#');
        end.map_or(self.path_and_query, |end| &self.path_and_query[..end])
    }

    /// `?acl`, `?analytics&id=rollcall`: the query pairs the selector names,
    /// in its order, as sent; empty when it names none.
    fn selected_query(&self) -> String {
        let Some(selector) = self.selector else {
            return String::new();
        };
        if selector.query_names().next().is_none() {
            return String::new();
        }
        let sent: Vec<&str> = self
            .path_and_query
            .split_once('?')
            .map(|(_, query)| query.split('&').collect())
            .unwrap_or_default();
        let mut shown: Vec<&str> = Vec::new();
        for name in selector.query_names() {
            let encoded = crate::plan::serialize::encode_component(name);
            for pair in &sent {
                let pair_name = pair.split('=').next().unwrap_or_default();
                if pair_name == encoded && !shown.contains(pair) {
                    shown.push(pair);
                }
            }
        }
        if shown.is_empty() {
            String::new()
        } else {
            format!("?{}", shown.join("&"))
        }
    }
}

impl fmt::Display for ProbeLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.method.as_str())?;
        f.write_str(" ")?;
        let path = self.path();
        if !has_long_segment(path) {
            f.write_str(path)?;
            return f.write_str(&self.selected_query());
        }
        for (index, segment) in path.split('/').enumerate() {
            if index > 0 {
                f.write_str("/")?;
            }
            match shortened(segment) {
                Some(kept) => {
                    f.write_str(kept)?;
                    f.write_str("…")?;
                }
                None => f.write_str(segment)?,
            }
        }
        f.write_str(&self.selected_query())
    }
}

/// Whether some segment of `path` has more than [`SHOWN_SEGMENT_CHARS`] bytes (and so
/// may be [`shortened`]).
fn has_long_segment(path: &str) -> bool {
    let mut run = 0;
    for &byte in path.as_bytes() {
        run = if byte == b'/' { 0 } else { run + 1 };
        if run > SHOWN_SEGMENT_CHARS {
            return true;
        }
    }
    false
}

/// The first characters of a path segment longer than [`SHOWN_SEGMENT_CHARS`]
/// (room left for an ellipsis); `None` for a segment shown whole.
fn shortened(segment: &str) -> Option<&str> {
    // A segment of no more bytes than that has no more characters either.
    if segment.len() <= SHOWN_SEGMENT_CHARS {
        return None;
    }
    let mut starts = segment.char_indices().map(|(at, _)| at);
    let cut = starts.nth(SHOWN_SEGMENT_CHARS - 1)?;
    starts.next()?;
    Some(&segment[..cut])
}

/// Judges one answer. `follow` is false for the answer to a follow-up
/// itself, which asks for no further requests.
fn judge_response(
    judge: &Judge<'_, '_>,
    probe: &ProbeLine<'_>,
    intent: &Intent,
    exchange: &crate::probe::Exchange,
    response: &Response,
    follow: bool,
) -> Decision {
    let discovery = judge.discovery();
    let status = response.status;
    let s3_code = s3::error_code(&response.body);
    let answered = match &s3_code {
        Some(code) => format!(
            "{probe} answered {} with S3 error code {code}",
            status_text(status)
        ),
        None => {
            // Room for the sentence most answers' evidence goes on to.
            let mut answered = String::with_capacity(probe.path_and_query.len() * 2 + 200);
            let _ = write!(answered, "{probe} answered {}", status_text(status));
            answered
        }
    };
    let no_route = if probe.method == Method::Head {
        discovery.matching_no_route_without_body(probe.path_and_query, response)
    } else {
        discovery.matching_no_route(probe.path_and_query, response)
    };
    let refusal = discovery.refusal(probe.method).filter(|r| {
        matches!(status, 405 | 501)
            && r.fingerprint
                .matches_response(response, probe.path_and_query)
    });
    if let Some(refusal) = refusal {
        let method = probe.method;
        return finding(
            Rule::MethodRefused,
            format!(
                "{answered}, exactly as {method} on a path that cannot exist does ({}): the server or a proxy in front of it does not implement {method}; the handler was never reached",
                refusal.describe()
            ),
        )
        .into();
    }
    if let Some(decided) = object_store_answer(
        judge,
        probe,
        intent,
        &answered,
        response,
        s3_code.as_deref(),
    ) {
        return decided.into();
    }
    match status {
        501 => finding(Rule::Handler501, with_excerpt(answered, response)).into(),
        411 => finding(
            Rule::LengthRequired,
            format!(
                "{answered}: the server or a proxy refused the request for how its body was framed, before any handler ran, so it proves nothing"
            ),
        )
        .into(),
        405 => finding(
            Rule::Method405,
            method_not_allowed(answered, probe, response),
        )
        .into(),
        404 => not_found(judge, probe, intent, answered, no_route, follow),
        401 | 403 => auth::judge(judge, probe, answered, status, s3_code.as_deref(), no_route, follow),
        429 => {
            let wait = response
                .header("retry-after")
                .map(|v| format!(" (Retry-After: {})", v.trim()))
                .unwrap_or_default();
            finding(
                Rule::RateLimited,
                format!(
                    "{answered}{wait}: the target limited the rate before the operation could be judged"
                ),
            )
            .into()
        }
        500..=599 => finding(Rule::Server5xx, server_error(answered, status, response)).into(),
        200..=299 => success(judge, probe, intent, answered, response, no_route).into(),
        300..=399 => {
            let location = response.header("location").map_or_else(
                || "no Location header".to_string(),
                |l| format!("Location: {}", l.trim()),
            );
            match no_route {
                Some(sample) => finding(
                    Rule::CatchAll3xx,
                    format!(
                        "{answered} ({location}), the same redirect unknown paths get ({}): it proves nothing about the operation",
                        sample.describe()
                    ),
                ),
                None => finding(
                    Rule::Redirect3xx,
                    format!("{answered} ({location}); the redirect was not followed"),
                ),
            }
            .into()
        }
        400..=499 => client_error(judge, probe, intent, exchange, answered, response, follow),
        _ => finding(
            Rule::UnexpectedStatus,
            format!("{answered}, a status rollcall cannot judge"),
        )
        .into(),
    }
}

/// What an S3 error code decides (see [`s3`]): `NotImplemented` with a 501
/// anywhere; on an object store's contract, a code about a missing
/// resource, and a HEAD's bare 404 (S3 answers HEAD without a body). `None`
/// leaves the answer to the other rules.
fn object_store_answer(
    judge: &Judge<'_, '_>,
    probe: &ProbeLine<'_>,
    intent: &Intent,
    answered: &str,
    response: &Response,
    code: Option<&str>,
) -> Option<Finding> {
    let context = judge.context;
    let status = response.status;
    let meaning = code.map(s3::meaning);
    if status == 501 && meaning == Some(s3::Meaning::NotImplemented) {
        return Some(finding(
            Rule::S3NotImplemented,
            format!("{answered}: the store does not implement {probe}"),
        ));
    }
    if !context.probe.declared.object_store {
        return None;
    }
    // Safe mode's write to a bucket no store can have, accepted: the store
    // ignores S3's bucket names and may have created it.
    if (200..300).contains(&status)
        && !probe.method.is_safe()
        && let Intent::Sentinel { parameter } = intent
    {
        return Some(finding(
            Rule::InvalidAccepted,
            format!(
                "{answered} to a write aimed at a sentinel {parameter} no store may have (a name longer than S3 allows): the store accepted it, and may have created that bucket; check the store for a bucket named rollcall-sentinel-…"
            ),
        ));
    }
    if !(400..500).contains(&status) {
        return None;
    }
    let sentinel = match intent {
        Intent::Sentinel { parameter } => {
            format!(" for a sentinel {parameter} that no store can have")
        }
        _ => String::new(),
    };
    let looked_up = "the store parsed the request and looked the resource up, which it does before the operation's handler runs (a store without the operation answers NotImplemented instead)";
    match meaning {
        Some(s3::Meaning::ResourceMissing) if code == Some("InvalidBucketName") => Some(finding(
            Rule::S3ResourceMissing,
            format!(
                "{answered}{sentinel}: the store checked the bucket's name before acting, or took the request for CreateBucket (moto does so with a subresource it does not know); the handler itself was not reached"
            ),
        )),
        Some(s3::Meaning::ResourceMissing) => Some(finding(
            Rule::S3ResourceMissing,
            format!("{answered}{sentinel}: {looked_up}; the handler itself was not reached"),
        )),
        Some(s3::Meaning::SubresourceMissing) => Some(finding(
            Rule::S3SubresourceMissing,
            format!(
                "{answered}{sentinel}: the operation's own handler looked for what it reads and found none; the handler exists"
            ),
        )),
        // An S3 code that is not about credentials, on a 401 or 403: the
        // handler judged the object (`InvalidObjectState` for a restore of
        // an object that is not archived), no gate did.
        Some(s3::Meaning::Other)
            if matches!(status, 401 | 403)
                && code.is_some_and(|code| !s3::is_credentials_code(code)) =>
        {
            Some(finding(
                Rule::Handler4xx,
                format!(
                    "{answered}{sentinel}: an S3 error about the request, not its credentials: the route is served and its handler refused the request"
                ),
            ))
        }
        None if probe.method == Method::Head && status == 404 && response.body.is_empty() => {
            Some(finding(
                Rule::S3ResourceMissing,
                format!(
                    "{answered} without a body, as S3 answers HEAD for a bucket or key that does not exist{sentinel}: {looked_up}; the handler itself was not reached"
                ),
            ))
        }
        _ => None,
    }
}

fn method_not_allowed(answered: String, probe: &ProbeLine<'_>, response: &Response) -> String {
    let method = probe.method;
    let Some(allowed) = allow_methods(response) else {
        return format!("{answered}: the path exists but {method} is not served (no Allow header)");
    };
    let listed = allowed.join(", ");
    if allowed.iter().any(|m| m == method.as_str()) {
        format!(
            "{answered}: the path exists (Allow: {listed}) and Allow even lists {method}, but the handler refused it"
        )
    } else {
        format!("{answered}: the path exists (Allow: {listed}) but {method} is not served")
    }
}

fn not_found(
    judge: &Judge<'_, '_>,
    probe: &ProbeLine<'_>,
    intent: &Intent,
    answered: String,
    no_route: Option<&NoRouteSample>,
    follow: bool,
) -> Decision {
    if let Some(sample) = no_route {
        let shown = format!(
            "{answered}, and the 404 matches this target's no-route response ({})",
            sample.describe()
        );
        if intent.breaks_path()
            && let Intent::Invalid { violation } = intent
        {
            let shown = format!(
                "{shown}, but a router with typed path parameters (Flask, Django) matches no route for a value its type forbids ({violation}), so that says nothing about the route"
            );
            return settle(judge, probe, Unsettled::InvalidPathUnrouted, shown, follow);
        }
        return settle(judge, probe, Unsettled::NoRoute404, shown, follow);
    }
    let Some(sample) = judge.discovery().sample_for(probe.path_and_query) else {
        let shown = format!(
            "{answered}, but discovery learned nothing about this target's no-route response, so a missing route cannot be told from a missing resource"
        );
        return settle(judge, probe, Unsettled::Unknown404, shown, follow);
    };
    if matches!(sample.fingerprint.status, 401 | 403) {
        let shown = format!(
            "{answered}, but unknown paths were refused before routing ({}), so a missing route cannot be told from a missing resource",
            sample.describe()
        );
        return settle(judge, probe, Unsettled::Unknown404, shown, follow);
    }
    let differs = format!("differs from the no-route response ({})", sample.describe());
    match intent {
        Intent::Sentinel { parameter } => finding(
            Rule::Sentinel404,
            format!(
                "{answered} for a sentinel {parameter} that cannot exist, and the answer {differs}: the handler is deployed"
            ),
        ),
        _ => finding(
            Rule::Handler404,
            format!("{answered}, which {differs}: the handler exists, the resource does not"),
        ),
    }
    .into()
}

/// First answers that leave the route in doubt, settled (where possible)
/// by `OPTIONS` on the same path, then by a second parameter value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unsettled {
    /// A 404 identical to the no-route response.
    NoRoute404,
    /// A 404 with no no-route response to compare it with.
    Unknown404,
    /// Safe mode's invalid body, refused the way unknown paths refuse it.
    RejectedBeforeRouting,
    /// Safe mode's invalid path value, answered with the no-route 404.
    InvalidPathUnrouted,
    /// Any other body (live mode's valid one, say), refused exactly as a
    /// malformed body to a path that cannot exist is.
    BodyRefusedBeforeRouting,
}

impl Unsettled {
    /// Whether the first answer came before any handler could: then only
    /// proof of the route, or of its absence, settles it (no second value).
    fn before_handler(self) -> bool {
        matches!(
            self,
            Unsettled::RejectedBeforeRouting
                | Unsettled::InvalidPathUnrouted
                | Unsettled::BodyRefusedBeforeRouting
        )
    }
}

impl Unsettled {
    /// The finding when nothing more is known; `notes` says what the
    /// follow-ups showed (empty, or starting with "; ").
    fn unsettled(self, shown: &str, notes: &str, probe: &ProbeLine<'_>) -> Finding {
        match self {
            Unsettled::NoRoute404 => finding(
                Rule::NoRoute404,
                format!("{shown}{notes}: no route serves {probe}"),
            ),
            Unsettled::Unknown404 => finding(Rule::NoRouteUnknown, format!("{shown}{notes}")),
            Unsettled::RejectedBeforeRouting => finding(
                Rule::RejectedBeforeRouting,
                format!("{shown}{notes}; run --mode live to reach it"),
            ),
            Unsettled::InvalidPathUnrouted => finding(
                Rule::InvalidPathUnrouted,
                format!("{shown}{notes}; run --mode live to reach it"),
            ),
            Unsettled::BodyRefusedBeforeRouting => {
                finding(Rule::BodyRefusedBeforeRouting, format!("{shown}{notes}"))
            }
        }
    }

    /// How an evidence sentence ends once the route is proven but the
    /// handler was not reached.
    fn handler_not_reached(self) -> &'static str {
        match self {
            Unsettled::BodyRefusedBeforeRouting => {
                "the handler itself was not reached (its body was refused first); give the operation an example body the server's parser accepts to reach it"
            }
            _ => "the handler itself was not reached in safe mode; run --mode live to reach it",
        }
    }
}

fn settle(
    judge: &Judge<'_, '_>,
    probe: &ProbeLine<'_>,
    case: Unsettled,
    mut shown: String,
    follow: bool,
) -> Decision {
    if !follow {
        return case.unsettled(&shown, "", probe).into();
    }
    if let Some(decision) = next_harmless_request(judge, probe, case, &mut shown) {
        return decision;
    }
    let method = probe.method;
    let Some(options) = judge.follow_up(FollowUpKind::Options) else {
        return Decision {
            finding: case.unsettled(&shown, "", probe),
            want: Some(FollowUpKind::Options),
        };
    };
    // Set when OPTIONS got the no-route 404 on a target that answers a
    // method it does not route there with it, and another method got a
    // 2xx on this very path: the evidence of a missing method.
    let mut served_path: Option<String> = None;
    let (described, why) = match read_options(judge, options, method) {
        OptionsReading::Lists { described } => {
            return match case {
                _ if case.before_handler() => finding(
                    Rule::OptionsAllow,
                    format!(
                        "{shown}; but {described}, which lists {method}: the route is deployed; {}",
                        case.handler_not_reached()
                    ),
                ),
                _ => finding(
                    Rule::Allowed404,
                    format!(
                        "{shown}, but {described}, which lists {method}: the handler exists, the resource does not"
                    ),
                ),
            }
            .into();
        }
        OptionsReading::Lacks { described } => {
            return finding(
                Rule::OptionsLacksMethod,
                format!(
                    "{shown}; {described}, which lists other methods but not {method}: the path is routed, {method} is not"
                ),
            )
            .into();
        }
        OptionsReading::NoRoute {
            described,
            calibration,
        } => {
            let notes = format!(
                "; {described}, the no-route response too, while {calibration}, which lists the methods of a deployed route"
            );
            return match case {
                _ if case.before_handler() => finding(
                    Rule::OptionsNoRoute,
                    format!("{shown}{notes}: no route serves {probe}"),
                ),
                _ => case.unsettled(&shown, &notes, probe),
            }
            .into();
        }
        OptionsReading::Routed405 { described, unknown } => {
            if case == Unsettled::NoRoute404 {
                return finding(
                    Rule::Routed404,
                    format!(
                        "{shown}, but {described}, while a path that cannot exist gets a 404 there ({unknown}): a route matches the path, and this router answers a method it does not route with 405, not 404; so {method} was routed, and its handler answered the 404: the handler exists, the resource does not"
                    ),
                )
                .into();
            }
            (described, routed_not_method(method))
        }
        OptionsReading::Unrouted405 {
            described,
            calibration,
        } => {
            let notes = format!(
                "; {described}, the no-route response too, while {calibration} on a route this run proved deployed: this router answers a method it does not route on a routed path with 405, not its no-route 404"
            );
            return match case {
                Unsettled::RejectedBeforeRouting | Unsettled::BodyRefusedBeforeRouting => finding(
                    Rule::Unrouted404,
                    format!("{shown}{notes}: no route serves {probe}"),
                ),
                _ => case.unsettled(&shown, &notes, probe),
            }
            .into();
        }
        OptionsReading::WrongMethodNoRoute {
            described,
            calibration,
        } => {
            let reading = wrong_method_no_route(judge, probe, case, &described, &calibration);
            served_path = reading.1;
            (described, reading.0)
        }
        OptionsReading::Unclear { described, why } => (described, why),
    };
    let options_note = format!("; {described}, which does not settle it ({why})");
    settle_by_second_value(judge, probe, case, &shown, &options_note, served_path)
}

/// OPTIONS got the no-route response on a target that answers a method a
/// routed path does not serve with it: why that does not settle it, and,
/// where another method of this path got a 2xx in this run, the evidence of
/// a missing method.
fn wrong_method_no_route(
    judge: &Judge<'_, '_>,
    probe: &ProbeLine<'_>,
    case: Unsettled,
    described: &str,
    calibration: &str,
) -> (String, Option<String>) {
    let method = probe.method;
    let discovery = judge.discovery();
    let served = discovery
        .served_elsewhere(method, probe.path_and_query, &judge.context.operation.path)
        .filter(|_| case == Unsettled::NoRoute404);
    let served_path = served.map(|served| format!(
        "; {described}, the no-route response too, as {calibration} on a route this run proved deployed: this target answers a method a routed path does not serve with its no-route 404; and {} in this run: the path is served, {method} is not",
        served.described
    ));
    let why = format!(
        "it is the no-route response, but so is {calibration} on a route this run proved deployed: this target answers a method a routed path does not serve with its no-route 404, and no other method of this path got a 2xx in this run to show the path served"
    );
    (why, served_path)
}

/// Before OPTIONS: safe mode's next harmless request, for an answer that
/// refused the body or the request before routing (the decision, or the
/// request wanted next); `None` where none applies.
fn next_harmless_request(
    judge: &Judge<'_, '_>,
    probe: &ProbeLine<'_>,
    case: Unsettled,
    shown: &mut String,
) -> Option<Decision> {
    let next = match case {
        Unsettled::BodyRefusedBeforeRouting => without_body(judge, shown),
        Unsettled::RejectedBeforeRouting => next_request(judge, shown),
        _ => return None,
    };
    match next {
        NextRequest::None => None,
        NextRequest::Wanted(kind) => Some(Decision {
            finding: case.unsettled(shown, "", probe),
            want: Some(kind),
        }),
        NextRequest::Decided(decision) => Some(decision),
    }
}

/// After OPTIONS left it open: a second parameter value, asked for or
/// read; an answer that differs from the no-route one settles it.
fn settle_by_second_value(
    judge: &Judge<'_, '_>,
    probe: &ProbeLine<'_>,
    case: Unsettled,
    shown: &str,
    options_note: &str,
    served_path: Option<String>,
) -> Decision {
    // Where nothing else settles it: the no-route 404, or, on a path this
    // run saw served, a missing method.
    let unsettled = |notes: &str| match &served_path {
        Some(served) => finding(Rule::UnroutedMethod404, format!("{shown}{served}")),
        None => case.unsettled(shown, notes, probe),
    };
    if case.before_handler() {
        return case.unsettled(shown, options_note, probe).into();
    }
    let Some(second) = judge.follow_up(FollowUpKind::SecondValue) else {
        return Decision {
            finding: unsettled(options_note),
            want: Some(FollowUpKind::SecondValue),
        };
    };
    let selector = Some(&judge.context.operation.selector);
    let second_line = ProbeLine::of(&second.request, selector);
    let response = match &second.exchange.outcome {
        Ok(response) => response,
        Err(error) => {
            let notes =
                format!("{options_note}; a second value, {second_line}, got no response ({error})");
            return unsettled(&notes).into();
        }
    };
    let intent = match &second.second_value {
        Some((_, crate::plan::safe::AlternateKind::Invalid { violation })) => Intent::Invalid {
            violation: violation.clone(),
        },
        _ => Intent::Valid,
    };
    let inner = judge_response(
        judge,
        &second_line,
        &intent,
        &second.exchange,
        response,
        false,
    )
    .finding;
    if matches!(
        inner.rule,
        Rule::NoRoute404 | Rule::NoRouteUnknown | Rule::InvalidPathUnrouted
    ) {
        let notes = format!(
            "{options_note}; a second value, {second_line}, answered {} too",
            status_text(response.status)
        );
        return unsettled(&notes).into();
    }
    Finding {
        evidence: format!(
            "{shown}{options_note}; a second value settles it: {}",
            inner.evidence
        ),
        ..inner
    }
    .into()
}

/// Where safe mode's next harmless requests stand, after a first answer
/// that said nothing about the route.
enum NextRequest {
    /// None is left to send (or the plan holds none): `OPTIONS` is next.
    None,
    /// This follow-up (the step of the plan's list, or the request without
    /// its body) is not sent yet.
    Wanted(FollowUpKind),
    /// An answer, judged like a first answer (with the follow-ups it asks
    /// for in turn), decides; the evidence tells the chain.
    Decided(Decision),
}

/// Goes down the plan's list of harmless requests
/// ([`crate::plan::PlannedProbe::fallbacks`]) past those that got no
/// answer (noted in `shown`), to the first that did, or the first not sent.
fn next_request(judge: &Judge<'_, '_>, shown: &mut String) -> NextRequest {
    for (step, next) in judge.context.probe.fallbacks.iter().enumerate() {
        let kind = FollowUpKind::NextProbe { step };
        let Some(sent) = judge.follow_up(kind) else {
            return NextRequest::Wanted(kind);
        };
        if let Some(decision) = judge_next(
            judge,
            sent,
            &next.intent,
            "the next harmless request",
            shown,
        ) {
            return NextRequest::Decided(decision);
        }
    }
    NextRequest::None
}

/// The probe's own request without its body, after that body was refused
/// before routing: judged like a first answer (with the follow-ups it asks
/// for in turn), or noted when it got no answer. Never for safe mode's
/// malformed body, which alone keeps its request harmless: leaving it out
/// is the plan's call ([`crate::plan::PlannedProbe::fallbacks`]).
fn without_body(judge: &Judge<'_, '_>, shown: &mut String) -> NextRequest {
    let probe = judge.context.probe;
    let sends_body = probe.request.as_ref().is_some_and(|r| r.body.is_some());
    if !sends_body || probe.sends_malformed_body() {
        return NextRequest::None;
    }
    let Some(sent) = judge.follow_up(FollowUpKind::WithoutBody) else {
        return NextRequest::Wanted(FollowUpKind::WithoutBody);
    };
    let what = "the same request without its body";
    judge_next(judge, sent, &probe.intent, what, shown)
        .map_or(NextRequest::None, NextRequest::Decided)
}

/// `sent`'s answer (`what`: which request it was) judged like a first
/// answer, with the follow-ups it asks for in turn, its evidence told after
/// `shown`; `None`, noted in `shown`, where it got no answer.
fn judge_next(
    judge: &Judge<'_, '_>,
    sent: &FollowUp,
    intent: &Intent,
    what: &str,
    shown: &mut String,
) -> Option<Decision> {
    let line = ProbeLine::of(&sent.request, Some(&judge.context.operation.selector));
    let response = match &sent.exchange.outcome {
        Ok(response) => response,
        Err(error) => {
            shown.push_str(&format!("; {what}, {line}, got no response ({error})"));
            return None;
        }
    };
    let inner = judge_response(judge, &line, intent, &sent.exchange, response, true);
    Some(Decision {
        finding: Finding {
            evidence: format!("{shown}; then {what}: {}", inner.finding.evidence),
            ..inner.finding
        },
        want: inner.want,
    })
}

/// What an `OPTIONS` follow-up on an operation's path showed about it.
enum OptionsReading {
    /// `Allow` lists the method (and unknown paths get no such `Allow`).
    Lists {
        described: String,
    },
    /// A 2xx whose `Allow` (specific to the path) leaves the method out.
    Lacks {
        described: String,
    },
    /// The no-route response, on a target whose `OPTIONS` lists a deployed
    /// route's methods.
    NoRoute {
        described: String,
        calibration: String,
    },
    /// A 405 whose `Allow` does not list the method (or no `Allow`), while
    /// `OPTIONS` on a path that cannot exist (`unknown`, described) gets a
    /// 404: a route matches the path, and this router answers a method it
    /// does not route there with 405.
    Routed405 {
        described: String,
        unknown: String,
    },
    /// The no-route response, on a target whose router answers `OPTIONS` on
    /// a route this run proved deployed with 405 (`calibration`, described):
    /// routed paths get 405, so no route matches this one.
    Unrouted405 {
        described: String,
        calibration: String,
    },
    /// The no-route response, on a target whose `OPTIONS` on a route this
    /// run proved deployed got the no-route response too (`calibration`,
    /// described): a method a routed path does not serve gets the no-route
    /// 404 here, so this tells a missing method from a missing route only
    /// on a path this run saw served.
    WrongMethodNoRoute {
        described: String,
        calibration: String,
    },
    Unclear {
        described: String,
        why: String,
    },
}

fn read_options(judge: &Judge<'_, '_>, options: &FollowUp, method: Method) -> OptionsReading {
    let discovery = judge.discovery();
    let line = ProbeLine::of(&options.request, None);
    let response = match &options.exchange.outcome {
        Ok(response) => response,
        Err(error) => {
            return OptionsReading::Unclear {
                described: format!("{line} got no response"),
                why: error.to_string(),
            };
        }
    };
    let status = response.status;
    let allow = allow_methods(response).filter(|allow| !allow.is_empty());
    let described = match &allow {
        Some(allow) => format!(
            "{line} answered {} with Allow: {}",
            status_text(status),
            allow.join(", ")
        ),
        None => format!("{line} answered {}", status_text(status)),
    };
    let not_found = matches!(status, 404 | 410);
    // A 405 that paths which cannot exist do not get: a route matches this
    // path, whatever its Allow names.
    let routed_405 = status == 405 && discovery.options_405_shows_route();
    let routed = |described: String| OptionsReading::Routed405 {
        described,
        unknown: discovery
            .options_unknown
            .as_ref()
            .map(|sample| sample.describe())
            .unwrap_or_default(),
    };
    match allow {
        Some(allow) if !not_found => {
            if allow_lists(&allow, method) {
                if discovery.allow_everywhere(method) {
                    OptionsReading::Unclear {
                        described,
                        why: format!("a path that cannot exist gets an Allow listing {method} too"),
                    }
                } else {
                    OptionsReading::Lists { described }
                }
            } else if routed_405 {
                routed(described)
            } else if !(200..300).contains(&status) {
                OptionsReading::Unclear {
                    described,
                    why: format!(
                        "the Allow of a {status} may name only one of several routes on the path (Starlette's does), so a method it leaves out is not proven missing"
                    ),
                }
            } else if discovery.unknown_paths_get_allow() {
                OptionsReading::Unclear {
                    described,
                    why: "paths that cannot exist get an Allow header too".to_string(),
                }
            } else {
                OptionsReading::Lacks { described }
            }
        }
        None if routed_405 => routed(described),
        _ if not_found && discovery.matching_no_route(line.path_and_query, response).is_some() => {
            match discovery.options_calibration_near(line.path_and_query) {
                Some(calibration) if calibration.wrong_method_405 => OptionsReading::Unrouted405 {
                    described,
                    calibration: calibration.described.clone(),
                },
                Some(calibration) if calibration.lists_routes => OptionsReading::NoRoute {
                    described,
                    calibration: calibration.described.clone(),
                },
                Some(calibration) if calibration.wrong_method_no_route => {
                    OptionsReading::WrongMethodNoRoute {
                        described,
                        calibration: calibration.described.clone(),
                    }
                }
                None if discovery.options_calibration.is_some() => OptionsReading::Unclear {
                    described,
                    why: "it is the no-route response, but the route whose OPTIONS this run checked sits behind another no-route response (another router), so its answer says nothing about this path".to_string(),
                },
                _ => OptionsReading::Unclear {
                    described,
                    why: "it is the no-route response, but no OPTIONS answer on a deployed route listed its methods in this run, so the target may route no OPTIONS at all".to_string(),
                },
            }
        }
        _ => OptionsReading::Unclear {
            described,
            why: "no Allow header names the path's methods".to_string(),
        },
    }
}

/// An operation safe mode sent nothing to, settled (where possible) by
/// `OPTIONS` on its path.
fn unverifiable(judge: &Judge<'_, '_>, reason: &str) -> Decision {
    let method = judge.context.operation.method;
    let not_probed = format!("not probed in safe mode: {reason}");
    let Some(options) = judge.follow_up(FollowUpKind::Options) else {
        return Decision {
            finding: finding(Rule::SafeModeNoHarmlessProbe, not_probed),
            want: Some(FollowUpKind::Options),
        };
    };
    let path = ProbeLine::of(&options.request, None).path().to_string();
    match read_options(judge, options, method) {
        OptionsReading::Lists { described } => finding(
            Rule::OptionsAllow,
            format!(
                "route deployed: {described}, which lists {method}; the handler was not reached in safe mode (no request to it is both harmless and rejectable); run --mode live to reach it"
            ),
        ),
        OptionsReading::Lacks { described } => finding(
            Rule::OptionsLacksMethod,
            format!(
                "{described}, which lists other methods but not {method}: the path is routed, {method} is not (safe mode sent {method} nothing: no request to it is harmless)"
            ),
        ),
        OptionsReading::NoRoute {
            described,
            calibration,
        } => finding(
            Rule::OptionsNoRoute,
            format!(
                "{described}, this target's no-route response, while {calibration}, which lists the methods of a deployed route: no route serves {path} (safe mode sent {method} nothing: no request to it is harmless)"
            ),
        ),
        OptionsReading::Unrouted405 {
            described,
            calibration,
        } => finding(
            Rule::Unrouted404,
            format!(
                "{described}, this target's no-route response, while {calibration} on a route this run proved deployed: this router answers a method it does not route on a routed path with 405, so no route serves {path} (safe mode sent {method} nothing: no request to it is harmless)"
            ),
        ),
        OptionsReading::Routed405 { described, .. } => finding(
            Rule::SafeModeNoHarmlessProbe,
            format!(
                "{not_probed}; {described}, which does not settle it ({})",
                routed_not_method(method)
            ),
        ),
        OptionsReading::WrongMethodNoRoute {
            described,
            calibration,
        } => finding(
            Rule::SafeModeNoHarmlessProbe,
            format!(
                "{not_probed}; {described}, which does not settle it (so does {calibration} on a route this run proved deployed: this target answers OPTIONS, and any method a path does not route, with its no-route 404)"
            ),
        ),
        OptionsReading::Unclear { described, why } => finding(
            Rule::SafeModeNoHarmlessProbe,
            format!("{not_probed}; {described}, which does not settle it ({why})"),
        ),
    }
    .into()
}

/// Why a 405 to `OPTIONS` on a routed path says nothing about `method`
/// when no request for `method` reached the router.
fn routed_not_method(method: Method) -> String {
    format!(
        "a 405 that paths which cannot exist do not get shows that a route matches the path, but not that {method} is routed there"
    )
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
    judge: &Judge<'_, '_>,
    probe: &ProbeLine<'_>,
    intent: &Intent,
    answered: String,
    response: &Response,
    no_route: Option<&NoRouteSample>,
) -> Finding {
    if let Some(sample) = no_route {
        let mut evidence = answered;
        evidence.push_str(", identical to the answer for a path that cannot exist (");
        sample.describe_into(&mut evidence);
        let _ = write!(
            evidence,
            "): a catch-all answered, not a handler for {probe}"
        );
        return finding(Rule::CatchAll2xx, evidence);
    }
    let context = judge.context;
    let declared = |text: &str| {
        context
            .probe
            .declared
            .response_values
            .declares(response.status, text)
    };
    if let Some(placeholder) = stub::stub_text(response, judge.settings, &declared) {
        return finding(
            Rule::Stub2xx,
            format!("{answered} but the body says {placeholder}: a placeholder, not a handler"),
        );
    }
    if let Intent::Invalid { violation } = intent {
        return finding(
            Rule::InvalidAccepted,
            format!(
                "{answered} to a request its contract forbids ({violation}): the handler accepts invalid input, and this safe-mode request may have changed state; check the service's data"
            ),
        );
    }
    finding(Rule::Served2xx, answered)
}

fn client_error(
    judge: &Judge<'_, '_>,
    probe: &ProbeLine<'_>,
    intent: &Intent,
    exchange: &crate::probe::Exchange,
    answered: String,
    response: &Response,
    follow: bool,
) -> Decision {
    let status = response.status;
    let malformed = exchange
        .request
        .body
        .as_ref()
        .is_some_and(crate::plan::body::is_malformed_json);
    // A valid body (a top-level JSON string, say) refused exactly as a
    // malformed body to a path that cannot exist is: a parser in front of
    // the router refused it (Express's strict JSON parser takes only
    // objects and arrays), so the answer says nothing about the route.
    let refused_like_malformed = judge.discovery().malformed_body.as_ref().filter(|sample| {
        !malformed
            && exchange.request.body.is_some()
            && !matches!(status, 404 | 405 | 410)
            && sample
                .fingerprint
                .matches_response(response, probe.path_and_query)
    });
    if let Some(sample) = refused_like_malformed {
        let shown = format!(
            "{answered}, exactly what a malformed JSON body to a path that cannot exist gets (POST {}): a parser in front of the router refused the body (a strict JSON parser takes only objects and arrays), so this says nothing about the route",
            sample.path
        );
        return settle(
            judge,
            probe,
            Unsettled::BodyRefusedBeforeRouting,
            shown,
            follow,
        );
    }
    let Intent::Invalid { violation } = intent else {
        return finding(
            Rule::Handler4xx,
            format!(
                "{answered}: the route is served and its handler or validation refused the request"
            ),
        )
        .into();
    };
    // Only the malformed body is refused by a parser in front of the
    // router; a bodiless or valid body reaches the router.
    let before_routing = judge.discovery().malformed_body.as_ref().filter(|sample| {
        malformed && sample.fingerprint.status == status && !matches!(status, 404 | 405 | 410)
    });
    if let Some(sample) = before_routing {
        let shown = format!(
            "the deliberately invalid request to {probe} ({violation}) was rejected with {}, but a malformed body to a path that cannot exist gets {} too (POST {}): bodies are checked before routing, so the route is not proven",
            status_text(status),
            sample.fingerprint.status,
            sample.path
        );
        return settle(
            judge,
            probe,
            Unsettled::RejectedBeforeRouting,
            shown,
            follow,
        );
    }
    finding(
        Rule::ValidationRejected,
        format!(
            "route deployed: the deliberately invalid request to {probe} ({violation}) was rejected with {}; the handler itself was not reached in safe mode; run --mode live to reach it",
            status_text(status)
        ),
    )
    .into()
}

/// `501 Not Implemented`, or the bare number for statuses without a reason.
fn status_text(status: u16) -> StatusText {
    StatusText(status)
}

/// [`status_text`], written where it is shown rather than built on its own.
struct StatusText(u16);

impl fmt::Display for StatusText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = reqwest::StatusCode::from_u16(self.0)
            .ok()
            .and_then(|code| code.canonical_reason());
        write!(f, "{}", self.0)?;
        match reason {
            Some(reason) => {
                f.write_str(" ")?;
                f.write_str(reason)
            }
            None => Ok(()),
        }
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

#[cfg(test)]
pub(crate) mod tests;
