//! Discovery: before probing a target, learn what its "no such route" answer
//! looks like by requesting paths that cannot exist (at the root and under
//! each distinct leading path segment of the contract, since mounted sub-apps
//! answer differently). A declared operation's 404 counts as a missing route
//! only when it matches one of these fingerprints.
//!
//! ```text
//! GET /rollcall-404-3f9c0a1b2c3d4e5f       → 404 text/html "Cannot GET /rollcall-404-3f9c0a1b2c3d4e5f"
//! GET /pets/rollcall-404-3f9c0a1b2c3d4e5f  → 404 application/json {"detail":"Not Found"}
//! fingerprints: (404, text/html, "Cannot {method} {path}"), (404, application/json, {"detail":"Not Found"})
//! ```

use std::cell::OnceCell;
use std::collections::HashMap;

use percent_encoding::percent_decode_str;

use crate::contract::{Contract, Method, Operation, template};
use crate::plan::Plan;

use super::mask::PathMasks;
pub use super::mask::TOKEN_PREFIX;
use super::{Prober, Response};

/// Leading path segments sampled on their own; the rest share the root sample.
const MAX_PREFIXES: usize = 8;
/// Bytes of masked body a fingerprint keeps.
const FINGERPRINT_BODY_LIMIT: usize = 4096;
/// Characters of a masked body shown in notes and evidence.
const EXCERPT_CHARS: usize = 80;
/// Extra segments tried below a prefix to get past declared templates
/// such as `/pets/{petId}`.
const MAX_EXTRA_SEGMENTS: usize = 6;

/// What one target taught us before the probes.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    pub no_route: Vec<NoRouteSample>,
    /// The answer to a POST with a malformed JSON body to a path that cannot
    /// exist (sent only when the contract declares request bodies): a 400
    /// here means bodies are parsed before routing, so a safe-mode probe's
    /// rejected body proves nothing about its route.
    pub malformed_body: Option<NoRouteSample>,
    /// Set (to the failure) when that malformed body got no answer at all:
    /// this target never answers one (a mock server whose error handler
    /// waits for an event that already fired), so each probe sends its next
    /// harmless request instead ([`crate::plan::PlannedProbe::without_malformed_body`]).
    pub malformed_body_unanswered: Option<String>,
    /// `OPTIONS` on a path that cannot exist: whether unknown paths get an
    /// `Allow` header too (then an `Allow` on a declared path proves nothing).
    pub options_unknown: Option<OptionsSample>,
    /// Unsafe methods the contract uses that a path that cannot exist
    /// refuses with 501 (or 405 where GET gets the no-route 404): the server,
    /// or a proxy in front of it, does not pass them through at all.
    pub refused_methods: Vec<MethodRefusal>,
    /// Whether `OPTIONS` on a route this run proved deployed lists its
    /// methods; set after the probes (see `check::followup`), and needed
    /// before an `OPTIONS` answered with the no-route response may count as
    /// proof that a route is missing (Rails, for one, routes no `OPTIONS`).
    pub options_calibration: Option<OptionsCalibration>,
    /// The probes of this run that a handler answered with a 2xx, by
    /// concrete path; added after each phase's probes (see
    /// `check::followup`). On a target that answers a method a routed
    /// path does not serve with its no-route 404, such an answer shows
    /// that the path is served, so another method's no-route 404 there
    /// shows the method missing.
    pub served: Vec<ServedAnswer>,
    /// The random token of this target's discovery paths, reused for the
    /// follow-up paths that cannot exist.
    pub token: String,
    /// Sentences for reports (`<system-out>`, verbose terminal).
    pub notes: Vec<String>,
}

/// The answer to `OPTIONS` on a path that cannot exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionsSample {
    pub path: String,
    pub fingerprint: Fingerprint,
    /// The methods its `Allow` header lists (`None` without the header).
    pub allow: Option<Vec<String>>,
}

impl OptionsSample {
    /// `OPTIONS /rollcall-404-… → 404 application/json {"detail":"Not Found"}`.
    pub fn describe(&self) -> String {
        format!("OPTIONS {} → {}", self.path, self.fingerprint.describe())
    }
}

/// A method refused on a path that cannot exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodRefusal {
    pub method: Method,
    pub path: String,
    pub fingerprint: Fingerprint,
}

impl MethodRefusal {
    /// `PATCH /rollcall-404-… → 501 text/html "<h1>501 Not Implemented</h1>"`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} → {}",
            self.method,
            self.path,
            self.fingerprint.describe()
        )
    }
}

/// `OPTIONS` on the path of an operation this run proved deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionsCalibration {
    /// `OPTIONS /pets → 405 with Allow: GET, HEAD`, for evidence.
    pub described: String,
    /// Whether the answer's `Allow` listed the operation's method.
    pub lists_routes: bool,
    /// The path it was sent to (relative to the base URL, query dropped).
    pub path: String,
    /// Whether it answered 405 while `OPTIONS` on a path that cannot exist
    /// gets a 404 ([`Discovery::options_405_shows_route`]): this target's
    /// router answers a method it does not route on a routed path with 405
    /// (Starlette, aiohttp, Go's ServeMux, ASP.NET), so a path whose
    /// `OPTIONS` gets the no-route 404 is not routed at all.
    pub wrong_method_405: bool,
    /// Whether it got this target's no-route response (a 404 or 410 that
    /// matches the no-route fingerprint), on a path whose route serves
    /// another method: this target answers a method a routed path does
    /// not serve with its no-route 404 (Fastify, Rails), so that 404
    /// tells a missing method only where the path is known to be served.
    pub wrong_method_no_route: bool,
}

/// A probe's request that a handler answered with a 2xx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedAnswer {
    pub method: Method,
    /// The concrete path it was sent to, relative to the base URL, without
    /// its query.
    pub path: String,
    /// The path template of its operation (`/tickets/{ticketId}`).
    pub template: String,
    /// `GET /tickets/7 answered 200 OK`, for evidence.
    pub described: String,
}

/// The methods of every `Allow` header of `response`, upper-cased (`None`
/// when it has no `Allow` header).
pub fn allow_methods(response: &Response) -> Option<Vec<String>> {
    let mut found = false;
    let mut methods = Vec::new();
    for (_, value) in response
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("allow"))
    {
        found = true;
        for method in value.split(',').map(str::trim).filter(|m| !m.is_empty()) {
            let method = method.to_ascii_uppercase();
            if !methods.contains(&method) {
                methods.push(method);
            }
        }
    }
    found.then_some(methods)
}

/// Whether an `Allow` list serves `method` (a GET route serves HEAD too).
pub fn allow_lists(allow: &[String], method: Method) -> bool {
    allow.iter().any(|m| m == method.as_str())
        || (method == Method::Head && allow.iter().any(|m| m == "GET"))
}

/// The answer to a path that cannot exist under `prefix` (`""` for the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoRouteSample {
    pub prefix: String,
    pub path: String,
    pub fingerprint: Fingerprint,
}

impl NoRouteSample {
    /// `GET /rollcall-404-… → 404 text/plain, empty body`, for notes and evidence.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        self.describe_into(&mut out);
        out
    }

    /// [`NoRouteSample::describe`], appended to `out` (evidence quotes it for every probe
    /// a catch-all answers).
    pub fn describe_into(&self, out: &mut String) {
        out.push_str("GET ");
        out.push_str(&self.path);
        out.push_str(" → ");
        self.fingerprint.describe_into(out);
    }
}

/// A response reduced to what stays the same between two missing routes:
/// status, media type, and the body with the requested path masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub status: u16,
    pub media_type: Option<String>,
    pub body: String,
    /// The masked `Location` of a redirect (`None` for other statuses), so
    /// that a catch-all redirect to a login page is told from a trailing-slash one.
    pub location: Option<String>,
}

impl Fingerprint {
    /// Fingerprint of `response` to a request for `path` (relative to the
    /// target's base URL). In the body, the path (raw, percent-decoded, with
    /// and without its query), any discovery token, HTTP method names,
    /// timestamps and long ids are masked, so "Cannot GET /x" and
    /// "Cannot POST /y" match.
    pub fn of(response: &Response, path: &str) -> Fingerprint {
        let (body, location) = masked_body_and_location(response, path);
        Fingerprint {
            status: response.status,
            media_type: response
                .header("content-type")
                .and_then(media_type_essence)
                .map(str::to_ascii_lowercase),
            body,
            location,
        }
    }

    /// Whether `response` (to a request for `path`) has this fingerprint:
    /// `Fingerprint::of(response, path) == *self`, with the body masked only
    /// when status and media type already match.
    pub fn matches_response(&self, response: &Response, path: &str) -> bool {
        Answer::new(response, path).has(self)
    }

    /// `404 text/plain, empty body` or `404 application/json {"detail":"Not Found"}`.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        self.describe_into(&mut out);
        out
    }

    /// [`Fingerprint::describe`], appended to `out`.
    pub fn describe_into(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = write!(out, "{}", self.status);
        match &self.media_type {
            Some(media_type) => {
                out.push(' ');
                out.push_str(media_type);
            }
            None => out.push_str(", no content type"),
        }
        if let Some(location) = &self.location {
            out.push_str(", Location ");
            out.push_str(location);
        }
        if self.body.is_empty() {
            out.push_str(", empty body");
        } else {
            out.push(' ');
            out.push_str(&excerpt(&self.body));
        }
    }
}

/// The media type of a `Content-Type` value, parameters dropped (a
/// fingerprint keeps it lower-cased).
fn media_type_essence(content_type: &str) -> Option<&str> {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    (!essence.is_empty()).then_some(essence)
}

/// The masked body (trimmed and cut to [`FINGERPRINT_BODY_LIMIT`]) and, for
/// a redirect, the masked `Location` of `response` to a request for `path`.
fn masked_body_and_location(response: &Response, path: &str) -> (String, Option<String>) {
    let masks = PathMasks::new(path);
    let text = String::from_utf8_lossy(&response.body);
    let body = truncate_chars(masks.apply(&text).trim(), FINGERPRINT_BODY_LIMIT).to_string();
    let location = if (300..400).contains(&response.status) {
        response
            .header("location")
            .map(|l| masks.apply(l).into_owned())
    } else {
        None
    };
    (body, location)
}

/// A response being compared with fingerprints, one per probe: status and
/// media type are compared first, as they are; the body and `Location` are
/// masked once, and only when some fingerprint's status and media type match.
struct Answer<'r> {
    response: &'r Response,
    path: &'r str,
    media_type: Option<&'r str>,
    masked: OnceCell<(String, Option<String>)>,
}

impl<'r> Answer<'r> {
    fn new(response: &'r Response, path: &'r str) -> Answer<'r> {
        Answer {
            response,
            path,
            media_type: response.header("content-type").and_then(media_type_essence),
            masked: OnceCell::new(),
        }
    }

    /// Status and media type equal (all an answer to HEAD can show).
    fn has_head_of(&self, fingerprint: &Fingerprint) -> bool {
        fingerprint.status == self.response.status
            && match (&fingerprint.media_type, self.media_type) {
                (Some(kept), Some(essence)) => kept.eq_ignore_ascii_case(essence),
                (None, None) => true,
                _ => false,
            }
    }

    /// `Fingerprint::of(response, path) == *fingerprint`.
    fn has(&self, fingerprint: &Fingerprint) -> bool {
        if !self.has_head_of(fingerprint) {
            return false;
        }
        let (body, location) = self
            .masked
            .get_or_init(|| masked_body_and_location(self.response, self.path));
        fingerprint.body == *body && fingerprint.location == *location
    }
}

impl Discovery {
    /// The no-route sample that `response` (to a request for `path`, relative
    /// to the base URL) matches, if any. The sample of the longest matching
    /// prefix is compared first, then the root's: a route missing from a
    /// mounted sub-app often falls through to the root's fallback.
    pub fn matching_no_route(&self, path: &str, response: &Response) -> Option<&NoRouteSample> {
        let answer = Answer::new(response, path);
        self.nearest(path, |sample| answer.has(&sample.fingerprint))
    }

    /// Like [`Discovery::matching_no_route`], comparing status and media type
    /// only (for HEAD, whose answers have no body).
    pub fn matching_no_route_without_body(
        &self,
        path: &str,
        response: &Response,
    ) -> Option<&NoRouteSample> {
        let answer = Answer::new(response, path);
        self.nearest(path, |sample| answer.has_head_of(&sample.fingerprint))
    }

    /// The first of [`Discovery::candidates`] that `accept`s, without building
    /// them (it runs for every probe): of the samples `path` lies under and
    /// `accept`s, the one of the longest prefix, the first of those.
    fn nearest(
        &self,
        path: &str,
        accept: impl Fn(&NoRouteSample) -> bool,
    ) -> Option<&NoRouteSample> {
        let mut nearest: Option<(usize, &NoRouteSample)> = None;
        for sample in &self.no_route {
            let Some(depth) = depth_under(path, &sample.prefix) else {
                continue;
            };
            if nearest.is_some_and(|(found, _)| found >= depth) {
                continue;
            }
            if accept(sample) {
                nearest = Some((depth, sample));
            }
        }
        nearest.map(|(_, sample)| sample)
    }

    /// The sample that stands for unknown paths near `path`: the longest
    /// matching prefix's, else the root's.
    pub fn sample_for(&self, path: &str) -> Option<&NoRouteSample> {
        self.candidates(path).into_iter().next()
    }

    /// The server-wide refusal of `method` discovery saw, if any.
    pub fn refusal(&self, method: Method) -> Option<&MethodRefusal> {
        self.refused_methods.iter().find(|r| r.method == method)
    }

    /// Whether unknown paths near `path` get the no-route 404 (routing runs
    /// before any credentials check there: `Some(true)`) or 401/403 (a gate
    /// stands before routing: `Some(false)`); `None` when discovery cannot tell.
    pub fn routes_before_auth(&self, path: &str) -> Option<bool> {
        match self.sample_for(path)?.fingerprint.status {
            404 | 410 => Some(true),
            401 | 403 => Some(false),
            _ => None,
        }
    }

    /// Whether `OPTIONS` on a path that cannot exist lists `method` in an
    /// `Allow` header: then an `Allow` on a declared path proves nothing.
    pub fn allow_everywhere(&self, method: Method) -> bool {
        self.options_unknown
            .as_ref()
            .and_then(|sample| sample.allow.as_deref())
            .is_some_and(|allow| allow_lists(allow, method))
    }

    /// Whether a 405 to `OPTIONS` shows that a route matches the path:
    /// `OPTIONS` on a path that cannot exist got a 404 or 410, so the 405
    /// is not what every path gets (a proxy refusing `OPTIONS`, a catch-all
    /// route for another method).
    pub fn options_405_shows_route(&self) -> bool {
        self.options_unknown
            .as_ref()
            .is_some_and(|sample| matches!(sample.fingerprint.status, 404 | 410))
    }

    /// The `OPTIONS` calibration, if it was sent behind the same no-route
    /// 404 as `path` (the nearest sample that is a 404 or 410): the same
    /// router, so what it showed holds for `path` too (a sub-app mounted
    /// from another stack answers `OPTIONS` its own way).
    pub fn options_calibration_near(&self, path: &str) -> Option<&OptionsCalibration> {
        let calibration = self.options_calibration.as_ref()?;
        let not_found = |path: &str| {
            self.candidates(path)
                .into_iter()
                .find(|sample| matches!(sample.fingerprint.status, 404 | 410))
        };
        let same_router = match (not_found(&calibration.path), not_found(path)) {
            (Some(there), Some(here)) => there.fingerprint == here.fingerprint,
            _ => false,
        };
        same_router.then_some(calibration)
    }

    /// A 2xx this run got from a handler for another method than
    /// `method` on the concrete `path` (query dropped) of an operation
    /// with the same path template as `template` (parameter names aside):
    /// a route serves that very path.
    pub fn served_elsewhere(
        &self,
        method: Method,
        path: &str,
        template: &str,
    ) -> Option<&ServedAnswer> {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let shape = template::blank_parameters(template);
        self.served.iter().find(|served| {
            served.method != method
                && served.path == path
                && template::blank_parameters(&served.template) == shape
        })
    }

    /// Whether unknown paths get an `Allow` header at all.
    pub fn unknown_paths_get_allow(&self) -> bool {
        self.options_unknown
            .as_ref()
            .is_some_and(|sample| sample.allow.is_some())
    }

    /// A path below `path` (its query dropped) that cannot exist and
    /// matches the template of none of `operations` (those the run probes):
    /// `/admin/stats/rollcall-404-<token>`. Where a gate guards a part of
    /// the API, it guards this path too.
    pub fn unknown_path_below(&self, path: &str, operations: &[&Operation]) -> String {
        let templates: Vec<Vec<&str>> = operations
            .iter()
            .map(|op| template_segments(&op.path))
            .collect();
        let token = if self.token.is_empty() {
            format!("{:016x}", fastrand::u64(..))
        } else {
            self.token.clone()
        };
        let base = path.split(['?', '#']).next().unwrap_or("");
        unknown_path(base.trim_end_matches('/'), &token, &templates)
    }

    /// The samples whose prefix `path` lies under, longest prefix first,
    /// without repeated fingerprints.
    fn candidates(&self, path: &str) -> Vec<&NoRouteSample> {
        let segments: Vec<&str> = raw_segments(path).collect();
        let mut matching: Vec<&NoRouteSample> = self
            .no_route
            .iter()
            .filter(|sample| lies_under(&segments, &sample.prefix))
            .collect();
        matching.sort_by_key(|sample| std::cmp::Reverse(raw_segments(&sample.prefix).count()));
        matching.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        matching
    }
}

/// What discovery asks every target, decided once per run from the contract
/// and the operations `plan` probes ([`Plan::selected`]): their paths,
/// methods and bodies. Each target's [`discover`] (and each `--repeat`
/// round's) then only sends the requests and reads the answers.
#[derive(Debug, Clone)]
pub struct DiscoveryPlan {
    /// The probed operations' path templates, split into segments
    /// (`["pets", "{petId}"]`): unknown paths must match none of them.
    templates: Vec<Vec<String>>,
    /// Whether the unknown root path is a bucket name ([`is_object_store`]).
    object_store: bool,
    /// The literal first segments sampled, most used first
    /// ([`leading_prefixes`]), and the ones left unsampled.
    sampled_prefixes: Vec<String>,
    shared_prefixes: Vec<String>,
    /// Whether a probed operation has a request body (a malformed body is
    /// sampled then).
    bodies: bool,
    /// `OPTIONS`, then each unsafe method a probed operation uses.
    methods: Vec<Method>,
}

impl DiscoveryPlan {
    pub fn new(contract: &Contract, plan: &Plan) -> DiscoveryPlan {
        let operations = plan.selected(contract);
        let templates = operations
            .iter()
            .map(|op| {
                template_segments(&op.path)
                    .into_iter()
                    .map(str::to_string)
                    .collect()
            })
            .collect();
        let (sampled_prefixes, shared_prefixes) = leading_prefixes(&operations);
        let methods = std::iter::once(Method::Options)
            .chain(
                UNSAFE_METHODS
                    .into_iter()
                    .filter(|m| operations.iter().any(|op| op.method == *m)),
            )
            .collect();
        DiscoveryPlan {
            templates,
            object_store: is_object_store(plan),
            sampled_prefixes,
            shared_prefixes,
            bodies: operations.iter().any(|op| op.request_body.is_some()),
            methods,
        }
    }
}

/// Runs discovery for one target: a handful of requests, not one per
/// operation, chosen once per run by `prepared` ([`DiscoveryPlan::new`]).
pub async fn discover(prober: &Prober, prepared: &DiscoveryPlan) -> Discovery {
    let token = format!("{:016x}", fastrand::u64(..));
    let templates = &prepared.templates;
    let mut discovery = Discovery {
        token: token.clone(),
        ..Discovery::default()
    };

    let root_path = if prepared.object_store {
        unknown_bucket(&token)
    } else {
        unknown_path("", &token, templates)
    };
    let root = prober.send_ad_hoc(Method::Get, &root_path).await;
    let root_sample = match root.outcome {
        Ok(response) => NoRouteSample {
            prefix: String::new(),
            fingerprint: Fingerprint::of(&response, &root_path),
            path: root_path.clone(),
        },
        Err(error) => {
            discovery.notes.push(format!(
                "GET {root_path} failed ({error}): this target's no-route response is unknown"
            ));
            return discovery;
        }
    };
    discovery.notes.push(root_note(&root_sample));

    let shared = &prepared.shared_prefixes;
    if !shared.is_empty() {
        discovery.notes.push(format!(
            "{} more path prefixes ({}) share the root's no-route response: at most {MAX_PREFIXES} are sampled",
            shared.len(),
            shared.join(", ")
        ));
    }
    let requests: Vec<(&String, crate::plan::PlannedRequest)> = prepared
        .sampled_prefixes
        .iter()
        .map(|prefix| {
            let path = unknown_path(prefix, &token, templates);
            let request = crate::plan::PlannedRequest {
                method: Method::Get,
                path_and_query: path,
                headers: prober.options().discovery_headers.clone(),
                body: None,
            };
            (prefix, request)
        })
        .collect();
    let exchanges = prober
        .probe_all(requests.iter().enumerate().map(|(i, (_, r))| (i, r)))
        .await;
    let mut prefix_samples = Vec::new();
    for (index, exchange) in exchanges {
        let (prefix, request) = &requests[index];
        let path = &request.path_and_query;
        match exchange.outcome {
            Ok(response) => {
                let sample = NoRouteSample {
                    prefix: prefix.to_string(),
                    path: path.clone(),
                    fingerprint: Fingerprint::of(&response, path),
                };
                discovery.notes.push(prefix_note(&sample, &root_sample));
                prefix_samples.push(sample);
            }
            Err(error) => discovery.notes.push(format!(
                "GET {path} failed ({error}): paths under {prefix} are compared with the root's no-route response"
            )),
        }
    }
    discovery.no_route.push(root_sample);
    discovery.no_route.extend(prefix_samples);
    if prepared.bodies {
        match malformed_body_sample(prober, &root_path).await {
            Ok(sample) => {
                discovery.notes.push(malformed_body_note(&sample));
                discovery.malformed_body = Some(sample);
            }
            Err(error) => {
                discovery.notes.push(format!(
                    "POST {root_path} with a malformed JSON body got no answer ({error}): malformed bodies get no answer here, so each operation gets its next harmless request instead of one"
                ));
                discovery.malformed_body_unanswered = Some(error.to_string());
            }
        }
    }
    let root_status = discovery.no_route[0].fingerprint.status;
    methods_and_options(
        prober,
        &prepared.methods,
        &root_path,
        root_status,
        &mut discovery,
    )
    .await;
    discovery
}

/// Unsafe methods in the order discovery tries them.
const UNSAFE_METHODS: [Method; 4] = [Method::Post, Method::Put, Method::Patch, Method::Delete];

/// `methods` (`OPTIONS`, then each unsafe method a probed operation uses)
/// on the unknown root path (bodiless: nothing can exist there to act on).
async fn methods_and_options(
    prober: &Prober,
    methods: &[Method],
    path: &str,
    root_status: u16,
    discovery: &mut Discovery,
) {
    let requests: Vec<crate::plan::PlannedRequest> = methods
        .iter()
        .map(|method| crate::plan::PlannedRequest {
            method: *method,
            path_and_query: path.to_string(),
            headers: prober.options().discovery_headers.clone(),
            body: None,
        })
        .collect();
    let exchanges = prober.probe_all(requests.iter().enumerate()).await;
    let mut passed = Vec::new();
    for (index, exchange) in exchanges {
        let method = methods[index];
        let response = match exchange.outcome {
            Ok(response) => response,
            Err(error) => {
                discovery
                    .notes
                    .push(format!("{method} {path} failed ({error})"));
                continue;
            }
        };
        let fingerprint = Fingerprint::of(&response, path);
        if method == Method::Options {
            let sample = OptionsSample {
                path: path.to_string(),
                allow: allow_methods(&response),
                fingerprint,
            };
            discovery.notes.push(options_note(&sample));
            discovery.options_unknown = Some(sample);
            continue;
        }
        let refused = fingerprint.status == 501
            || (fingerprint.status == 405 && matches!(root_status, 404 | 410));
        if refused {
            let refusal = MethodRefusal {
                method,
                path: path.to_string(),
                fingerprint,
            };
            discovery.notes.push(format!(
                "{}: {method} is refused on every path, before routing: the server, or a proxy in front of it, does not implement {method}",
                refusal.describe()
            ));
            discovery.refused_methods.push(refusal);
        } else {
            passed.push(format!("{method} → {}", fingerprint.status));
        }
    }
    if !passed.is_empty() {
        discovery.notes.push(format!(
            "on {path}, {}: no method the contract uses is refused there before routing",
            passed.join(", ")
        ));
    }
}

fn options_note(sample: &OptionsSample) -> String {
    let described = sample.describe();
    match &sample.allow {
        Some(allow) => format!(
            "{described}, Allow: {}: unknown paths get an Allow header too, so an Allow that lists these methods proves no route",
            allow.join(", ")
        ),
        None => format!(
            "{described}, no Allow header: an Allow header on a declared path shows its route"
        ),
    }
}

/// The answer to safe mode's malformed JSON body on a path that cannot
/// exist, or why none came.
async fn malformed_body_sample(
    prober: &Prober,
    path: &str,
) -> Result<NoRouteSample, super::TransportError> {
    let mut headers = prober.options().discovery_headers.clone();
    headers.retain(|(name, _)| !name.eq_ignore_ascii_case("content-type"));
    let request = crate::plan::PlannedRequest {
        method: Method::Post,
        path_and_query: path.to_string(),
        headers,
        body: Some(crate::plan::body::malformed_json("application/json")),
    };
    let response = prober.send(&request).await.outcome?;
    Ok(NoRouteSample {
        prefix: String::new(),
        fingerprint: Fingerprint::of(&response, path),
        path: path.to_string(),
    })
}

fn malformed_body_note(sample: &NoRouteSample) -> String {
    let described = format!(
        "POST {} with a malformed JSON body → {}",
        sample.path,
        sample.fingerprint.describe()
    );
    match sample.fingerprint.status {
        404 | 405 | 410 => format!(
            "{described}: the target routes before it reads bodies, so a rejected safe-mode body shows its route exists"
        ),
        _ => format!(
            "{described}: bodies are checked before routing, so a safe-mode probe rejected with the same status does not prove its route"
        ),
    }
}

fn root_note(sample: &NoRouteSample) -> String {
    let meaning = match sample.fingerprint.status {
        404 | 410 => "this is the target's no-route response".to_string(),
        401 | 403 => "unknown paths are refused before routing, so a 404 from an operation cannot be told apart from a missing route".to_string(),
        status @ 200..=299 => format!(
            "unknown paths answer {status} (a catch-all, such as a single-page app's fallback); an operation answering the same is not served"
        ),
        status => format!("unknown paths answer {status}, not 404"),
    };
    format!("{}: {meaning}", sample.describe())
}

fn prefix_note(sample: &NoRouteSample, root: &NoRouteSample) -> String {
    if matches!(sample.fingerprint.status, 401 | 403)
        && !matches!(root.fingerprint.status, 401 | 403)
    {
        return format!(
            "{}: under {} unknown paths are refused before routing, so a gate guards that part of the API",
            sample.describe(),
            sample.prefix
        );
    }
    if sample.fingerprint == root.fingerprint {
        format!(
            "{}: under {} unknown paths answer like the root",
            sample.describe(),
            sample.prefix
        )
    } else {
        format!(
            "{}: the no-route response under {} differs from the root's",
            sample.describe(),
            sample.prefix
        )
    }
}

/// Whether an operation `plan` probes is an object store's (S3's protocol,
/// decided when planning: [`crate::plan::Declarations::object_store`]): every
/// first path segment is a bucket there, and a PUT to one creates it.
fn is_object_store(plan: &Plan) -> bool {
    plan.probes
        .iter()
        .any(|probe| !probe.is_excluded() && probe.declared.object_store)
}

/// `/rollcall-404-<token>-longer-than-any-bucket-name…`: the unknown root
/// path of an object store, a bucket name no store can create, so that
/// discovery's PUT and POST to it make nothing.
fn unknown_bucket(token: &str) -> String {
    let mut name = format!("{TOKEN_PREFIX}{token}");
    while name.len() < crate::plan::safe::UNCREATABLE_BUCKET_LEN {
        name.push_str("-longer-than-any-bucket-name");
    }
    name.truncate(crate::plan::safe::UNCREATABLE_BUCKET_LEN);
    format!("/{name}")
}

/// `/pets/rollcall-404-<token>`, with as many extra segments as it takes to
/// match no declared template (`/pets/{petId}` would route a single one to a
/// handler, whose 404 is not a no-route answer).
fn unknown_path<S: AsRef<str>>(prefix: &str, token: &str, templates: &[Vec<S>]) -> String {
    let segment = format!("{TOKEN_PREFIX}{token}");
    let mut path = prefix.to_string();
    for _ in 0..MAX_EXTRA_SEGMENTS {
        path.push('/');
        path.push_str(&segment);
        let candidate = decoded_segments(&path);
        if !templates.iter().any(|t| template_matches(t, &candidate)) {
            break;
        }
    }
    path
}

/// Whether a declared template (`["pets", "{petId}"]`) routes these segments.
fn template_matches<S: AsRef<str>>(template: &[S], segments: &[String]) -> bool {
    template.len() == segments.len()
        && template.iter().zip(segments).all(|(t, s)| {
            let t = t.as_ref();
            t.contains('{') || t == s.as_str()
        })
}

fn template_segments(path: &str) -> Vec<&str> {
    path.split(['?', '#'])
        .next()
        .unwrap_or("")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect()
}

/// The distinct literal first segments of the paths of `operations`
/// (`/pets`), most used first; the first [`MAX_PREFIXES`] are sampled, the
/// rest returned apart so the notes can name them.
fn leading_prefixes(operations: &[&Operation]) -> (Vec<String>, Vec<String>) {
    let mut order: Vec<String> = Vec::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for operation in operations {
        let Some(first) = template_segments(&operation.path).into_iter().next() else {
            continue;
        };
        if first.contains('{') {
            continue;
        }
        // Encoded as the probes' paths are, so the prefix matches them.
        let prefix = format!(
            "/{}",
            crate::plan::serialize::encode_template_literal(first)
        );
        let count = counts.entry(prefix.clone()).or_insert(0);
        if *count == 0 {
            order.push(prefix);
        }
        *count += 1;
    }
    // Stable: equally used prefixes keep document order.
    order.sort_by_key(|prefix| std::cmp::Reverse(counts[prefix]));
    let shared = order.split_off(order.len().min(MAX_PREFIXES));
    (order, shared)
}

/// The path's segments (query dropped), percent-decoded.
fn decoded_segments(path: &str) -> Vec<String> {
    raw_segments(path)
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect()
}

/// The path's non-empty segments (query dropped), as written.
fn raw_segments(path: &str) -> impl Iterator<Item = &str> {
    without_query(path).split('/').filter(|s| !s.is_empty())
}

/// `path` up to its query or fragment.
fn without_query(path: &str) -> &str {
    match path.bytes().position(|b| b == b'?' || b == b'#') {
        Some(end) => &path[..end],
        None => path,
    }
}

/// Whether a path's leading `segments` are `prefix`'s, percent-decoded.
fn lies_under(segments: &[&str], prefix: &str) -> bool {
    let mut segments = segments.iter();
    raw_segments(prefix).all(|p| segments.next().is_some_and(|s| same_decoded(p, s)))
}

/// How many segments `prefix` has, when `path`'s leading segments are its
/// ([`lies_under`]); `None` when they are not.
fn depth_under(path: &str, prefix: &str) -> Option<usize> {
    let mut segments = raw_segments(path);
    let mut depth = 0;
    for expected in raw_segments(prefix) {
        if !same_decoded(expected, segments.next()?) {
            return None;
        }
        depth += 1;
    }
    Some(depth)
}

/// Whether two path segments are equal once percent-decoded.
fn same_decoded(a: &str, b: &str) -> bool {
    a == b
        || ((a.contains('%') || b.contains('%'))
            && percent_decode_str(a).decode_utf8_lossy()
                == percent_decode_str(b).decode_utf8_lossy())
}

fn truncate_chars(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A body on one line, at most [`EXCERPT_CHARS`] characters; text is quoted,
/// JSON is shown as it is.
fn excerpt(body: &str) -> String {
    // The body's words joined by single spaces, up to EXCERPT_CHARS characters.
    let mut shown = String::new();
    let mut count = 0;
    let mut more = false;
    'words: for word in body.split_whitespace() {
        let space = (!shown.is_empty()).then_some(' ');
        for c in space.into_iter().chain(word.chars()) {
            if count == EXCERPT_CHARS {
                more = true;
                break 'words;
            }
            shown.push(c);
            count += 1;
        }
    }
    if more {
        shown.push('…');
    }
    if shown.starts_with(['{', '[']) {
        shown
    } else {
        let mut quoted = String::with_capacity(shown.len() + 2);
        quoted.push('"');
        quoted.push_str(&shown);
        quoted.push('"');
        quoted
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::http::{StatusCode, Uri};
    use axum::response::IntoResponse;
    use axum::routing::{any, get};
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

    use super::*;
    use crate::contract::testing::assert_contains;
    use crate::probe::testing::*;

    const EXPRESS_404: &str = include_str!("../../testdata/probe/express-404.html");
    const SPRING_404: &str = include_str!("../../testdata/probe/spring-404.json");

    fn response(status: u16, content_type: Option<&str>, body: &str) -> Response {
        Response {
            status,
            headers: content_type
                .map(|ct| vec![("content-type".to_string(), ct.to_string())])
                .unwrap_or_default(),
            body: body.as_bytes().to_vec(),
            truncated: false,
        }
    }

    /// Asserts that one of discovery's notes contains `part`, and shows
    /// them where none does.
    #[track_caller]
    fn assert_noted(discovery: &Discovery, part: &str) {
        assert!(
            discovery.notes.iter().any(|n| n.contains(part)),
            "{:?}",
            discovery.notes
        );
    }

    /// Serves `app` and runs discovery there for a contract of `operations`,
    /// every one of them probed.
    async fn discover_on(app: Router, operations: Vec<Operation>) -> Discovery {
        let base = serve(app).await;
        discover_every(&prober(&base), &contract(operations)).await
    }

    fn express(method: &str, path: &str) -> Response {
        let body = EXPRESS_404
            .replace("{method}", method)
            .replace("{path}", path);
        response(404, Some("text/html; charset=utf-8"), &body)
    }

    fn spring(path: &str, timestamp: &str, request_id: &str) -> Response {
        let body = SPRING_404
            .replace("{timestamp}", timestamp)
            .replace("{request_id}", request_id)
            .replace("{path}", path);
        response(404, Some("application/json"), &body)
    }

    #[test]
    fn express_fallback_fingerprint_matches_across_paths_and_methods() {
        let discovered = Fingerprint::of(
            &express("GET", "/rollcall-404-0123456789abcdef"),
            "/rollcall-404-0123456789abcdef",
        );
        let probed = Fingerprint::of(&express("POST", "/pets/42"), "/pets/42");

        assert_eq!(discovered, probed);
        assert_eq!(discovered.media_type.as_deref(), Some("text/html"));
        assert_contains(&discovered.body, "Cannot {method} {path}");
    }

    #[test]
    fn echoed_path_is_masked_in_raw_decoded_and_base_prefixed_forms() {
        let raw = Fingerprint::of(&express("GET", "/api/a%20b?x=1"), "/a%20b?x=1");
        let decoded = Fingerprint::of(&express("GET", "/api/a b"), "/a%20b?x=1");
        let other = Fingerprint::of(&express("GET", "/api/zzz"), "/zzz");

        assert_eq!(raw, other);
        assert_eq!(decoded, other);
    }

    #[test]
    fn spring_style_404_matches_despite_timestamp_and_request_id() {
        let a = Fingerprint::of(
            &spring(
                "/rollcall-404-0123456789abcdef",
                "2026-05-08T05:48:11.123+00:00",
                "4f1c2a9e-8b7d-4c3e-9a1f-0e2d3c4b5a69",
            ),
            "/rollcall-404-0123456789abcdef",
        );
        let b = Fingerprint::of(
            &spring(
                "/orders/7",
                "2026-05-08T05:49:02.987+00:00",
                "9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
            ),
            "/orders/7",
        );

        assert_eq!(a, b);
        assert_contains(&a.body, "{time}");
        assert_contains(&a.body, "{id}");
    }

    #[test]
    fn handler_404_with_its_own_body_differs_from_the_framework_404() {
        let framework = Fingerprint::of(&response(404, None, ""), "/rollcall-404-0123456789abcdef");
        let handler = Fingerprint::of(
            &response(
                404,
                Some("application/json"),
                r#"{"error":"pet not found"}"#,
            ),
            "/pets/1",
        );

        assert_ne!(framework, handler);
    }

    #[test]
    fn an_answer_matches_a_fingerprint_exactly_when_its_own_fingerprint_equals_it() {
        let sample = Fingerprint::of(
            &express("GET", "/rollcall-404-0123456789abcdef"),
            "/rollcall-404-0123456789abcdef",
        );
        let answers = [
            (express("DELETE", "/pets/1"), "/pets/1"),
            (
                Response {
                    headers: vec![("Content-Type".into(), "Text/HTML".into())],
                    ..express("PUT", "/pets/2")
                },
                "/pets/2",
            ),
            (response(404, Some("text/html"), ""), "/pets/1"),
            (response(404, None, "Cannot GET /pets/1"), "/pets/1"),
            (
                response(200, Some("text/html"), "Cannot GET /pets/1"),
                "/pets/1",
            ),
            (
                response(404, Some("text/html"), "Cannot GET /pets/12"),
                "/pets/1",
            ),
        ];

        for (answer, path) in &answers {
            assert_eq!(
                sample.matches_response(answer, path),
                sample == Fingerprint::of(answer, path),
                "{path}: {:?}",
                String::from_utf8_lossy(&answer.body)
            );
        }
        assert!(sample.matches_response(&answers[0].0, answers[0].1));
        assert!(sample.matches_response(&answers[1].0, answers[1].1));
    }

    #[test]
    fn a_path_inside_a_longer_path_is_not_masked() {
        let body = "see /pets/12 for /pets/1";
        let fingerprint = Fingerprint::of(&response(404, Some("text/plain"), body), "/pets/1");

        assert_eq!(fingerprint.body, "see /pets/12 for {path}");
    }

    #[test]
    fn ordinary_words_and_short_numbers_are_kept() {
        let body = "Error 404: page /x not found (code 12345, see docs v2)";
        let fingerprint = Fingerprint::of(&response(404, Some("text/plain"), body), "/y");

        assert_eq!(fingerprint.body, body);
    }

    #[test]
    fn redirect_location_is_part_of_the_fingerprint_with_the_path_masked() {
        let login = |path: &str| Response {
            status: 302,
            headers: vec![(
                "location".into(),
                format!(
                    "/login?next={}",
                    utf8_percent_encode(path, NON_ALPHANUMERIC)
                ),
            )],
            body: vec![],
            truncated: false,
        };
        let slash = Response {
            headers: vec![("location".into(), "/pets/".into())],
            ..login("/pets")
        };

        let unknown = Fingerprint::of(
            &login("/rollcall-404-0123456789abcdef"),
            "/rollcall-404-0123456789abcdef",
        );
        assert_eq!(unknown, Fingerprint::of(&login("/pets"), "/pets"));
        assert_ne!(unknown, Fingerprint::of(&slash, "/pets"));
    }

    #[test]
    fn discovery_path_goes_deeper_than_declared_templates() {
        let templates = vec![
            vec!["pets", "{petId}"],
            vec!["pets", "{petId}", "{photoId}"],
        ];

        assert_eq!(unknown_path("", "t", &templates), "/rollcall-404-t");
        assert_eq!(
            unknown_path("/pets", "t", &templates),
            "/pets/rollcall-404-t/rollcall-404-t/rollcall-404-t"
        );
        assert_eq!(
            unknown_path("/users", "t", &templates),
            "/users/rollcall-404-t"
        );
    }

    #[test]
    fn at_most_eight_prefixes_are_sampled_most_used_first() {
        let mut operations = Vec::new();
        for (i, name) in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
            .iter()
            .enumerate()
        {
            for _ in 0..(if i == 9 { 3 } else { 1 }) {
                operations.push(operation(Method::Get, &format!("/{name}/x")));
            }
        }
        operations.push(operation(Method::Get, "/{tenant}/items"));
        operations.push(operation(Method::Get, "/"));

        let (sampled, shared) = leading_prefixes(&operations.iter().collect::<Vec<_>>());

        assert_eq!(sampled, ["/j", "/a", "/b", "/c", "/d", "/e", "/f", "/g"]);
        assert_eq!(shared, ["/h", "/i"]);
    }

    /// A root that answers unknown paths like axum (empty 404), with a sub-app
    /// mounted at /pets that answers them with its own JSON.
    fn mounted_app() -> Router {
        let pets = Router::new()
            .route("/{id}", get(|| async { "a pet" }))
            .fallback(|| async {
                (
                    StatusCode::NOT_FOUND,
                    axum::Json(serde_json::json!({"detail": "Not Found"})),
                )
            });
        Router::new()
            .route("/health", get(|| async { "ok" }))
            .nest("/pets", pets)
    }

    #[tokio::test]
    async fn discover_samples_the_root_and_each_mounted_prefix() {
        let discovery = discover_on(
            mounted_app(),
            vec![
                operation(Method::Get, "/pets/{petId}"),
                operation(Method::Get, "/health"),
            ],
        )
        .await;

        assert_eq!(discovery.no_route.len(), 3, "{discovery:?}");
        let root = &discovery.no_route[0];
        assert_eq!(root.prefix, "");
        assert!(root.path.starts_with("/rollcall-404-"));
        assert_eq!(
            (root.fingerprint.status, root.fingerprint.body.as_str()),
            (404, "")
        );
        let pets = discovery
            .no_route
            .iter()
            .find(|s| s.prefix == "/pets")
            .expect("pets sample");
        assert_eq!(pets.path.matches(TOKEN_PREFIX).count(), 2, "{}", pets.path);
        assert_eq!(
            pets.fingerprint.media_type.as_deref(),
            Some("application/json")
        );
        assert!(discovery.malformed_body.is_none());
        assert!(
            discovery.notes[0].ends_with("this is the target's no-route response"),
            "{:?}",
            discovery.notes
        );
        assert_noted(&discovery, "under /pets differs from the root's");
        assert_noted(
            &discovery,
            "under /health unknown paths answer like the root",
        );

        let json_404 = response(404, Some("application/json"), r#"{"detail":"Not Found"}"#);
        let matched = discovery.matching_no_route("/pets/1/photos", &json_404);
        assert_eq!(matched.map(|s| s.prefix.as_str()), Some("/pets"));
        assert!(
            discovery
                .matching_no_route("/orders/1", &json_404)
                .is_none()
        );
        let empty_404 = response(404, None, "");
        assert_eq!(
            discovery
                .matching_no_route("/orders/1", &empty_404)
                .map(|s| s.prefix.as_str()),
            Some("")
        );
    }

    #[tokio::test]
    async fn operations_the_selection_left_out_shape_no_discovery_request() {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = std::sync::Arc::clone(&seen);
        let app = Router::new().fallback(any(move |method: axum::http::Method, uri: Uri| {
            let log = std::sync::Arc::clone(&log);
            async move {
                log.lock().unwrap().push(format!("{method} {uri}"));
                StatusCode::NOT_FOUND
            }
        }));
        let base = serve(app).await;
        let contract = contract(vec![
            operation(Method::Get, "/pets"),
            operation_with_body(Method::Delete, "/orders/{id}"),
        ]);
        let mut plan = plan_probing_every(&contract);
        plan.probes[1].intent = crate::plan::Intent::Excluded {
            reason: "DELETE /orders/{id} was excluded by --exclude method:DELETE".into(),
        };

        discover(&prober(&base), &DiscoveryPlan::new(&contract, &plan)).await;

        let seen = seen.lock().unwrap().clone();
        assert!(
            seen.iter()
                .all(|r| !r.contains("/orders") && !r.starts_with("DELETE ")),
            "no prefix sample, malformed body or method for the excluded operation: {seen:?}"
        );
        assert!(seen.iter().any(|r| r.starts_with("GET /pets/")), "{seen:?}");
        assert!(!seen.iter().any(|r| r.starts_with("POST ")), "{seen:?}");
    }

    #[tokio::test]
    async fn discover_learns_whether_bodies_are_checked_before_routing() {
        let app = Router::new().fallback(any(|uri: Uri, body: String| async move {
            if !body.is_empty() && serde_json::from_str::<serde_json::Value>(&body).is_err() {
                (StatusCode::BAD_REQUEST, "Unexpected end of JSON input").into_response()
            } else {
                (StatusCode::NOT_FOUND, format!("Cannot GET {uri}")).into_response()
            }
        }));
        let discovery = discover_on(app, vec![operation_with_body(Method::Post, "/pets")]).await;

        let sample = discovery
            .malformed_body
            .as_ref()
            .expect("malformed body sample");
        assert_eq!(sample.fingerprint.status, 400);
        assert_noted(&discovery, "bodies are checked before routing");
    }

    #[tokio::test]
    async fn unreachable_target_leaves_a_note_and_no_samples() {
        let closed = closed_port_url().await;

        let discovery = discover_every(
            &prober(&closed),
            &contract(vec![operation(Method::Get, "/pets")]),
        )
        .await;

        assert!(discovery.no_route.is_empty());
        assert_eq!(discovery.notes.len(), 1);
        assert_contains(&discovery.notes[0], "connection failed");
    }

    #[tokio::test]
    async fn catch_all_root_is_noted() {
        let app = Router::new()
            .fallback(|| async { ([("content-type", "text/html")], "<html>app</html>") });
        let discovery = discover_on(app, vec![]).await;

        assert_eq!(discovery.no_route[0].fingerprint.status, 200);
        assert_contains(&discovery.notes[0], "a catch-all");
    }

    /// A proxy that refuses PATCH on every path with 501 and answers every
    /// OPTIONS itself with a fixed Allow (as some CORS layers do), in front
    /// of an app whose unknown paths get an empty 404.
    fn behind_proxy() -> Router {
        Router::new()
            .route("/pets/{id}", get(|| async { "a pet" }))
            .layer(axum::middleware::from_fn(
                |request: axum::extract::Request, next: axum::middleware::Next| async move {
                    match request.method().as_str() {
                        "PATCH" => (StatusCode::NOT_IMPLEMENTED, "<h1>501 Not Implemented</h1>")
                            .into_response(),
                        "OPTIONS" => {
                            (StatusCode::NO_CONTENT, [("allow", "GET, post")]).into_response()
                        }
                        _ => next.run(request).await,
                    }
                },
            ))
    }

    #[tokio::test]
    async fn discover_learns_methods_refused_everywhere_and_allow_on_unknown_paths() {
        let discovery = discover_on(
            behind_proxy(),
            vec![
                operation(Method::Patch, "/pets/{id}"),
                operation(Method::Delete, "/pets/{id}"),
            ],
        )
        .await;

        let refused: Vec<Method> = discovery.refused_methods.iter().map(|r| r.method).collect();
        assert_eq!(refused, [Method::Patch]);
        assert!(discovery.refusal(Method::Patch).is_some());
        assert!(discovery.refusal(Method::Delete).is_none());
        assert_eq!(discovery.refused_methods[0].fingerprint.status, 501);
        let options = discovery.options_unknown.as_ref().expect("OPTIONS sample");
        assert_eq!(
            options.allow.as_deref(),
            Some(&["GET".to_string(), "POST".to_string()][..])
        );
        assert!(discovery.allow_everywhere(Method::Get));
        assert!(discovery.allow_everywhere(Method::Head), "GET serves HEAD");
        assert!(!discovery.allow_everywhere(Method::Delete));
        assert_noted(&discovery, "does not implement PATCH");
        assert_noted(
            &discovery,
            "DELETE → 404: no method the contract uses is refused",
        );
    }

    #[tokio::test]
    async fn a_405_is_a_refusal_only_where_get_gets_the_no_route_404() {
        let refuse_delete = |fallback_status: StatusCode| {
            Router::new().fallback(move |method: axum::http::Method| async move {
                if method == axum::http::Method::DELETE {
                    StatusCode::METHOD_NOT_ALLOWED
                } else {
                    fallback_status
                }
            })
        };
        let delete = || vec![operation(Method::Delete, "/pets/{id}")];

        let routed = discover_on(refuse_delete(StatusCode::NOT_FOUND), delete()).await;
        assert!(routed.refusal(Method::Delete).is_some());

        let catch_all = discover_on(refuse_delete(StatusCode::OK), delete()).await;
        assert!(catch_all.refusal(Method::Delete).is_none());
    }

    #[test]
    fn an_options_calibration_speaks_for_paths_behind_the_same_no_route_404() {
        let sample = |prefix: &str, status: u16, body: &str| NoRouteSample {
            prefix: prefix.into(),
            path: format!("{prefix}/rollcall-404-0123456789abcdef"),
            fingerprint: Fingerprint::of(&response(status, Some("text/plain"), body), "/x"),
        };
        let options_unknown = |status: u16| OptionsSample {
            path: "/rollcall-404-0123456789abcdef".into(),
            fingerprint: Fingerprint::of(&response(status, None, ""), "/x"),
            allow: None,
        };
        let discovery = Discovery {
            no_route: vec![
                sample("", 404, "Not Found"),
                // The app serves /pets/{anything}: discovery's path got a pet.
                sample("/pets", 200, "a pet"),
                sample("/legacy", 404, "Cannot GET"),
            ],
            options_unknown: Some(options_unknown(404)),
            options_calibration: Some(OptionsCalibration {
                described: "OPTIONS /pets answered 405".into(),
                lists_routes: false,
                path: "/pets".into(),
                wrong_method_405: true,
                wrong_method_no_route: false,
            }),
            ..Discovery::default()
        };

        assert!(discovery.options_405_shows_route());
        assert!(discovery.options_calibration_near("/orders/1").is_some());
        assert!(discovery.options_calibration_near("/pets/1").is_some());
        assert!(discovery.options_calibration_near("/legacy/1").is_none());
        let everywhere = Discovery {
            options_unknown: Some(options_unknown(405)),
            ..discovery.clone()
        };
        assert!(!everywhere.options_405_shows_route());
        assert!(!Discovery::default().options_405_shows_route());
    }

    #[test]
    fn routing_order_is_read_from_the_nearest_sample() {
        let sample = |prefix: &str, status: u16| NoRouteSample {
            prefix: prefix.into(),
            path: format!("{prefix}/rollcall-404-0123456789abcdef"),
            fingerprint: Fingerprint::of(&response(status, None, ""), "/x"),
        };
        let discovery = Discovery {
            no_route: vec![sample("", 404), sample("/admin", 401)],
            ..Discovery::default()
        };

        assert_eq!(discovery.routes_before_auth("/pets/1"), Some(true));
        assert_eq!(
            discovery.routes_before_auth("/admin/stats?x=1"),
            Some(false)
        );
        assert_eq!(Discovery::default().routes_before_auth("/pets"), None);
    }

    #[test]
    fn path_below_an_operation_matches_no_declared_template() {
        let discovery = Discovery {
            token: "t".into(),
            ..Discovery::default()
        };
        let contract = contract(vec![
            operation(Method::Get, "/admin/stats"),
            operation(Method::Get, "/admin/stats/{day}"),
        ]);
        let operations: Vec<&Operation> = contract.operations.iter().collect();

        assert_eq!(
            discovery.unknown_path_below("/admin/stats?verbose=1", &operations),
            "/admin/stats/rollcall-404-t/rollcall-404-t"
        );
        assert_eq!(
            discovery.unknown_path_below("/pets/", &operations),
            "/pets/rollcall-404-t"
        );
    }

    #[test]
    fn allow_headers_are_merged_and_upper_cased() {
        let answer = Response {
            status: 200,
            headers: vec![
                ("Allow".into(), "get, head".into()),
                ("allow".into(), " PUT,,GET ".into()),
            ],
            body: vec![],
            truncated: false,
        };

        let allow = allow_methods(&answer).expect("Allow present");

        assert_eq!(allow, ["GET", "HEAD", "PUT"]);
        assert!(allow_lists(&allow, Method::Put));
        assert!(!allow_lists(&allow, Method::Delete));
        assert_eq!(allow_methods(&response(200, None, "")), None);
    }

    #[test]
    fn request_ids_are_masked_in_xml_and_json_whatever_they_look_like() {
        let s3 = |request: &str, host: &str| {
            response(
                404,
                Some("application/xml"),
                &format!(
                    "<?xml version=\"1.0\"?>\n<Error><Code>NoSuchBucket</Code><BucketName>rollcall</BucketName><RequestId>{request}</RequestId><HostId>{host}</HostId></Error>"
                ),
            )
        };
        let a = Fingerprint::of(&s3("4442587FB7D0A2F9", "Uu/ag1+Lu=="), "/rollcall?acl");
        let b = Fingerprint::of(&s3("A1B2", "9Gj+cjU/8Ru="), "/rollcall?cors");
        assert_eq!(a, b);
        assert!(
            a.body
                .contains("<RequestId>{id}</RequestId><HostId>{id}</HostId>"),
            "{}",
            a.body
        );
        let json = |id: &str| {
            response(
                404,
                Some("application/json"),
                &format!(r#"{{"error":"not found","requestId": "{id}"}}"#),
            )
        };
        assert_eq!(
            Fingerprint::of(&json("ab12"), "/x"),
            Fingerprint::of(&json(r#"zz9\"q"#), "/y")
        );
        // Other fields and elements keep their values.
        let other = response(
            404,
            Some("application/xml"),
            "<Error><Code>NoSuchKey</Code></Error>",
        );
        assert!(Fingerprint::of(&other, "/x").body.contains("NoSuchKey"));
    }
}
