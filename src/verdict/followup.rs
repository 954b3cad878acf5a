//! Judging follow-ups: what the answers to follow-up requests add to a
//! probe's first answer. The follow-up loop itself is the run's
//! (`check/followup.rs`); the requests are built by
//! [`crate::plan::followup`] and sent by [`crate::probe::followup`]. Here:
//! a probe's first 2xx recorded as proof a path is served
//! ([`served_answer`]), and the calibrating `OPTIONS` read ([`calibrate`]).
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
//! ([`crate::verdict::follow_up_wanted`]); planning builds the request and
//! the prober sends it. Before the first round's `OPTIONS` answers are read, one `OPTIONS`
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

use crate::contract::Method;
use crate::plan::{PlannedProbe, PlannedRequest};
use crate::probe::{
    Discovery, Exchange, OptionsCalibration, ServedAnswer, allow_lists, allow_methods,
};

use super::{Finding, Rule};

pub use crate::plan::followup::{FollowUpKind, MAX_PER_OPERATION};
pub use crate::probe::followup::FollowUp;

/// A probe's follow-ups, in the order they were sent.
#[derive(Debug, Clone, Default)]
pub struct Followed {
    pub follow_ups: Vec<FollowUp>,
    /// The finding of the first decision when no follow-up was sent: it
    /// stands (without follow-ups a decision reads nothing that changes
    /// after it), so it need not be judged again.
    pub settled: Option<Finding>,
}

/// The probe's own request, when its first answer was a handler's 2xx
/// (`served-2xx`): proof that a route serves that concrete path.
pub fn served_answer(
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

/// Each probe's follow-ups, with its first finding where no follow-up was
/// sent.
pub fn followed(follow_ups: Vec<Vec<FollowUp>>, first: Vec<Option<Finding>>) -> Vec<Followed> {
    follow_ups
        .into_iter()
        .zip(first)
        .map(|(follow_ups, first)| Followed {
            settled: first.filter(|_| follow_ups.is_empty()),
            follow_ups,
        })
        .collect()
}

/// Reads the calibrating `OPTIONS` (sent to a route this run proved
/// deployed, whose answer should list `expected`) into `discovery`.
pub fn calibrate(
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
