//! Follow-ups: the few safe requests sent after the probes (in live mode,
//! after each phase's probes, before the next phase), for operations whose
//! first answer left the route in doubt. At most [`MAX_PER_OPERATION`] per
//! operation, in at most that many rounds, each round under the target's
//! concurrency limit.
//!
//! ```text
//! GET    /orders/42  → 404, same as the no-route answer
//!   OPTIONS /orders/42 → 405 Allow: GET               implemented (allowed-404): handler exists, resource absent
//! PATCH  /pets/1     → 404 "Cannot PATCH /pets/1" (Express: same as no route)
//!   OPTIONS /pets/1    → 200 Allow: GET,HEAD          missing_method (options-lacks-method)
//! DELETE /items/42   → 404, same as the no-route answer
//!   OPTIONS /items/42  → 405 Allow: GET (unknown paths: 404)  implemented (routed-404): DELETE was routed
//! GET    /items/42   → 404, same as the no-route answer (a gateway answers OPTIONS with 405 everywhere)
//!   OPTIONS /items/42  → 405 Allow: PUT               unclear (may name only one of several routes)
//!   GET /items/not-an-integer → 422                   implemented (validation-rejected)
//! PUT    /notes/{n}  → nothing sent (safe mode)
//!   OPTIONS /notes/rollcall → 200 Allow: GET, PUT     implemented (options-allow), route only
//! PUT    /labels/{n} → nothing sent (safe mode)
//!   OPTIONS /labels/rollcall → 404 no-route, while OPTIONS /health → 405   missing_route (unrouted-404)
//! GET    /admin      → 401, unknown paths 404
//!   GET /admin/rollcall-404-… → 404 no-route          implemented (auth-after-routing), route only
//! POST   /tickets/7/comments {"rollcall":  → 400, as unknown paths (a body parser before routing)
//!   POST /tickets/7/comments (no body) → 501          not_implemented (handler-501)
//! POST   /notes "rollcall" (live, valid) → 400, byte-identical to a malformed body's on unknown paths
//!   POST /notes (no body)  → 404 no-route             (then OPTIONS, as for any no-route 404)
//! ```
//!
//! Which follow-up an operation needs is decided by the verdict itself
//! ([`super::follow_up_wanted`]); this module builds the requests and sends
//! them. Before the first round's `OPTIONS` answers are read, one `OPTIONS`
//! goes to an operation this run proved deployed, to learn whether the
//! target answers `OPTIONS` with a route's methods, with the 405 its
//! router gives a method it does not route, or with its no-route 404
//! ([`crate::probe::OptionsCalibration`]). Each phase's first round also
//! records, in discovery, the probes a handler answered with a 2xx
//! ([`crate::probe::ServedAnswer`]): where a wrong method gets the no-route
//! 404, such an answer shows the path served and the 404'd method missing:
//!
//! ```text
//! GET    /tickets/7  → 200                            implemented (served-2xx)
//! PATCH  /tickets/7  → 404, same as the no-route answer (Fastify)
//!   OPTIONS /tickets/7 → 404 no-route, as OPTIONS /health → 404   missing_method (unrouted-method-404)
//! ```

use crate::contract::{Contract, Method};
use crate::plan::safe::{self, AlternateKind};
use crate::plan::{PlannedProbe, PlannedRequest};
use crate::probe::{
    Discovery, Exchange, OptionsCalibration, Prober, ServedAnswer, allow_lists, allow_methods,
};

use super::{Context, Finding, Rule, Settings, rules};

/// The most follow-up requests one operation gets on one target.
pub const MAX_PER_OPERATION: usize = 2;

/// A follow-up request a verdict may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUpKind {
    /// `OPTIONS` on the operation's concrete path: does `Allow` list the method?
    Options,
    /// The same request with a second path parameter value
    /// ([`safe::alternate_request`]).
    SecondValue,
    /// `GET` on a path just below the operation's that cannot exist: does a
    /// 401 come from the route, or from a gate over that part of the API?
    Below,
    /// Safe mode's next harmless request for the operation, the one at
    /// `step` of [`crate::plan::PlannedProbe::fallbacks`], after a malformed
    /// body was refused before routing (and the requests before it got no
    /// answer): the required body left out, say, passes the parser and
    /// reaches the router.
    NextProbe { step: usize },
    /// The probe's own request without its body, after that body (a valid
    /// one: live mode's top-level JSON string) was refused exactly as a
    /// malformed body to a path that cannot exist is: a parser in front of
    /// the router refused it, and without a body the request reaches the
    /// router. Never after safe mode's malformed body (the plan's next
    /// harmless requests go there): any other harmless request stays
    /// harmless without its body (a sentinel id, a value its schema
    /// forbids, a safe method).
    WithoutBody,
}

/// A follow-up request and its answer.
#[derive(Debug, Clone)]
pub struct FollowUp {
    pub kind: FollowUpKind,
    /// The request, relative to the base URL.
    pub request: PlannedRequest,
    /// For [`FollowUpKind::SecondValue`]: the parameter changed, and how.
    pub second_value: Option<(String, AlternateKind)>,
    pub exchange: Exchange,
}

/// A probe's follow-ups, in the order they were sent.
#[derive(Debug, Clone, Default)]
pub struct Followed {
    pub follow_ups: Vec<FollowUp>,
    /// The finding of the first decision when no follow-up was sent: it
    /// stands (without follow-ups a decision reads nothing that changes
    /// after it), so it need not be judged again.
    pub settled: Option<Finding>,
}

/// What one target's run needs to decide follow-ups.
pub struct Run<'a> {
    pub prober: &'a Prober,
    pub contract: &'a Contract,
    /// The plan's probes (`Plan::probes`).
    pub probes: &'a [PlannedProbe],
    /// Headers for requests no probe planned (`Plan::discovery_headers`).
    pub discovery_headers: &'a [(String, String)],
    pub settings: &'a Settings,
    pub credentials_given: bool,
}

/// One request of a round: for which probe, or the calibration (with the
/// method its `Allow` should list).
struct Pending {
    probe: Result<usize, Method>,
    kind: FollowUpKind,
    request: PlannedRequest,
    second_value: Option<(String, AlternateKind)>,
}

/// Sends the follow-ups the first answers of the probes at `among` (indexes
/// into `run.probes`: all of them, or one phase of a live run) ask for,
/// round by round, and returns them per probe (index-aligned with
/// `run.probes` and `exchanges`; probes not in `among` get none). Sets
/// `discovery.options_calibration` when an `OPTIONS` follow-up is sent.
pub async fn run(
    run: &Run<'_>,
    discovery: &mut Discovery,
    exchanges: &[Option<Exchange>],
    among: &[usize],
) -> Vec<Followed> {
    let mut follow_ups: Vec<Vec<FollowUp>> = vec![Vec::new(); run.probes.len()];
    // Each probe's finding before any follow-up.
    let mut first: Vec<Option<Finding>> = vec![None; run.probes.len()];
    if discovery.no_route.is_empty() {
        // Discovery's first request got no answer: the target is down or
        // unreachable, and follow-ups would only wait for their timeouts.
        return followed(follow_ups, first);
    }
    // Only a probe that got a follow-up in the last round can want another:
    // the others would decide as they did.
    let mut undecided: Vec<usize> = among.to_vec();
    for round in 0..MAX_PER_OPERATION {
        let mut pending = Vec::new();
        let mut served = Vec::new();
        for &index in &undecided {
            let planned = &run.probes[index];
            let Some(operation) = run.contract.operations.get(planned.operation) else {
                continue;
            };
            let context = Context {
                contract: run.contract,
                operation,
                probe: planned,
                discovery,
                credentials_given: run.credentials_given,
            };
            let exchange = exchanges.get(index).and_then(Option::as_ref);
            let wanted = if round == 0 {
                let (finding, wanted) =
                    super::classify_wanting(&context, exchange, run.settings, &[]);
                served.extend(served_answer(operation, planned, exchange, &finding));
                first[index] = Some(finding);
                wanted
            } else {
                super::follow_up_wanted(&context, exchange, run.settings, &follow_ups[index])
            };
            let Some(kind) = wanted else {
                continue;
            };
            if let Some((request, second_value)) = request_for(run, discovery, index, kind) {
                pending.push(Pending {
                    probe: Ok(index),
                    kind,
                    request,
                    second_value,
                });
            }
        }
        discovery.served.extend(served);
        // The calibration goes with the first round that sends an
        // `OPTIONS` (after a next harmless request, that is the second).
        if discovery.options_calibration.is_none()
            && pending.iter().any(|p| p.kind == FollowUpKind::Options)
            && let Some((request, expected)) = calibration_request(run, &first)
        {
            pending.push(Pending {
                probe: Err(expected),
                kind: FollowUpKind::Options,
                request,
                second_value: None,
            });
        }
        if pending.is_empty() {
            break;
        }
        let sent = run
            .prober
            .probe_all(pending.iter().enumerate().map(|(i, p)| (i, &p.request)))
            .await;
        undecided.clear();
        for (at, exchange) in sent {
            let Some(item) = pending.get(at) else {
                continue;
            };
            match item.probe {
                Ok(index) => {
                    undecided.push(index);
                    follow_ups[index].push(FollowUp {
                        kind: item.kind,
                        request: item.request.clone(),
                        second_value: item.second_value.clone(),
                        exchange,
                    });
                }
                Err(expected) => calibrate(discovery, &item.request, expected, &exchange),
            }
        }
    }
    followed(follow_ups, first)
}

/// The probe's own request, when its first answer was a handler's 2xx
/// (`served-2xx`): proof that a route serves that concrete path.
fn served_answer(
    operation: &crate::contract::Operation,
    planned: &PlannedProbe,
    exchange: Option<&Exchange>,
    finding: &Finding,
) -> Option<ServedAnswer> {
    if finding.rule != Rule::Served2xx {
        return None;
    }
    let request = planned.request.as_ref()?;
    let status = exchange?.outcome.as_ref().ok()?.status;
    let path = request
        .path_and_query
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_string();
    Some(ServedAnswer {
        method: request.method,
        described: format!(
            "{} {path} answered {}",
            request.method,
            super::status_text(status)
        ),
        path,
        template: operation.path.clone(),
    })
}

fn followed(follow_ups: Vec<Vec<FollowUp>>, first: Vec<Option<Finding>>) -> Vec<Followed> {
    follow_ups
        .into_iter()
        .zip(first)
        .map(|(follow_ups, first)| Followed {
            settled: first.filter(|_| follow_ups.is_empty()),
            follow_ups,
        })
        .collect()
}

/// The request for a follow-up of the probe at `index`, if one can be built.
fn request_for(
    run: &Run<'_>,
    discovery: &Discovery,
    index: usize,
    kind: FollowUpKind,
) -> Option<(PlannedRequest, Option<(String, AlternateKind)>)> {
    let planned = run.probes.get(index)?;
    let operation = run.contract.operations.get(planned.operation)?;
    match kind {
        FollowUpKind::Options => {
            let request = match &planned.request {
                // A value the path's schema forbids may match no route at
                // all: OPTIONS goes to the path with valid values.
                Some(request) if planned.intent.breaks_path() => bodiless(
                    request,
                    Method::Options,
                    &safe::route_path(&run.contract.document, operation),
                ),
                Some(request) => bodiless(request, Method::Options, &request.path_and_query),
                None => PlannedRequest {
                    method: Method::Options,
                    path_and_query: safe::route_path(&run.contract.document, operation),
                    headers: run.discovery_headers.to_vec(),
                    body: None,
                },
            };
            Some((request, None))
        }
        FollowUpKind::SecondValue => {
            let alternate = safe::alternate_request(run.contract, planned)?;
            Some((
                alternate.request,
                Some((alternate.parameter, alternate.kind)),
            ))
        }
        FollowUpKind::NextProbe { step } => {
            let next = planned.fallbacks.get(step)?;
            Some((next.request.clone(), None))
        }
        FollowUpKind::WithoutBody => {
            let request = planned.request.as_ref()?;
            if request.body.is_none() || planned.sends_malformed_body() {
                return None;
            }
            Some((
                bodiless(request, request.method, &request.path_and_query),
                None,
            ))
        }
        FollowUpKind::Below => {
            let request = planned.request.as_ref()?;
            let path = discovery.unknown_path_below(&request.path_and_query, run.contract);
            Some((bodiless(request, Method::Get, &path), None))
        }
    }
}

/// `request`'s headers (credentials and `-H` extras) on a bodiless request.
fn bodiless(request: &PlannedRequest, method: Method, path_and_query: &str) -> PlannedRequest {
    let mut headers = request.headers.clone();
    headers.retain(|(name, _)| !name.eq_ignore_ascii_case("content-type"));
    PlannedRequest {
        method,
        path_and_query: path_and_query.to_string(),
        headers,
        body: None,
    }
}

/// `OPTIONS` on the path of an operation whose first answer proved its
/// handler (a GET first), to learn whether this target lists a deployed
/// route's methods; and the method the answer should list. `first`: each
/// probe's finding before any follow-up.
fn calibration_request(
    run: &Run<'_>,
    first: &[Option<Finding>],
) -> Option<(PlannedRequest, Method)> {
    let proven = run
        .probes
        .iter()
        .zip(first)
        .filter_map(|(planned, finding)| {
            let request = planned.request.as_ref()?;
            let proof = finding.as_ref()?.rule.proof();
            (proof == rules::Proof::Handler).then_some(request)
        });
    let mut chosen: Option<&PlannedRequest> = None;
    for request in proven {
        if request.method == Method::Get {
            chosen = Some(request);
            break;
        }
        chosen = chosen.or(Some(request));
    }
    let chosen = chosen?;
    Some((
        bodiless(chosen, Method::Options, &chosen.path_and_query),
        chosen.method,
    ))
}

fn calibrate(
    discovery: &mut Discovery,
    request: &PlannedRequest,
    expected: Method,
    exchange: &Exchange,
) {
    let path = request
        .path_and_query
        .split(['?', '#'])
        .next()
        .unwrap_or("");
    let (described, lists_routes, wrong_method_405, wrong_method_no_route) = match &exchange.outcome
    {
        Ok(response) => {
            let allow = allow_methods(response);
            let lists = !matches!(response.status, 404 | 410)
                && allow
                    .as_deref()
                    .is_some_and(|allow| allow_lists(allow, expected))
                && !discovery.allow_everywhere(expected);
            let refused = response.status == 405 && discovery.options_405_shows_route();
            let no_route = matches!(response.status, 404 | 410)
                && discovery.matching_no_route(path, response).is_some();
            let described = match allow {
                Some(allow) => format!(
                    "OPTIONS {path} answered {} with Allow: {}",
                    response.status,
                    allow.join(", ")
                ),
                None => format!("OPTIONS {path} answered {}", response.status),
            };
            (described, lists, refused, no_route)
        }
        Err(error) => (
            format!("OPTIONS {path} got no response ({error})"),
            false,
            false,
            false,
        ),
    };
    let meaning = if wrong_method_405 {
        format!(
            "{expected} is served there and OPTIONS is not, while OPTIONS on a path that cannot exist gets a 404: this target's router answers a method it does not route on a routed path with 405, so an OPTIONS that gets the no-route response shows a missing route"
        )
    } else if lists_routes {
        format!(
            "this target lists a deployed route's methods ({expected} is served there), so an OPTIONS that gets the no-route response shows a missing route"
        )
    } else if wrong_method_no_route {
        format!(
            "{expected} is served there and OPTIONS gets the no-route response: this target answers a method a routed path does not serve with its no-route 404, so that 404 shows a missing method on a path this run saw served, and proves nothing elsewhere"
        )
    } else {
        format!(
            "{expected} is served there, yet not listed: an OPTIONS that gets the no-route response proves nothing on this target"
        )
    };
    discovery.notes.push(format!("{described}: {meaning}"));
    discovery.options_calibration = Some(OptionsCalibration {
        described,
        lists_routes,
        path: path.to_string(),
        wrong_method_405,
        wrong_method_no_route,
    });
}
