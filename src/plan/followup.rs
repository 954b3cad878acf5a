//! Follow-up requests: the few safe requests a verdict may ask for after a
//! probe's first answer left the route in doubt (`OPTIONS` on its path, a
//! second parameter value, a path just below it, safe mode's next harmless
//! request, the request without its body), and the `OPTIONS` that
//! calibrates how a target answers it. Built here; sent by the run
//! ([`crate::probe::followup`]), judged by the verdict stage.
//!
//! ```text
//! GET /orders/42 → 404 as no route   follow-up: OPTIONS /orders/42
//! DELETE /pets/2147481993 → 404      follow-up: DELETE /pets/2147481994 (a second value)
//! ```

use crate::contract::{Contract, Method};

use super::safe::{self, AlternateKind};
use super::{PlannedProbe, PlannedRequest};

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

/// The request for a follow-up of `planned`, if one can be built.
/// `discovery_headers` go on a request no probe planned; `below` gives the
/// path that cannot exist just below a path (the target's discovery knows
/// its token).
pub fn request_for(
    contract: &Contract,
    planned: &PlannedProbe,
    discovery_headers: &[(String, String)],
    kind: FollowUpKind,
    below: &dyn Fn(&str) -> String,
) -> Option<(PlannedRequest, Option<(String, AlternateKind)>)> {
    let operation = contract.operations.get(planned.operation)?;
    match kind {
        FollowUpKind::Options => {
            let request = match &planned.request {
                // A value the path's schema forbids may match no route at
                // all: OPTIONS goes to the path with valid values.
                Some(request) if planned.intent.breaks_path() => bodiless(
                    request,
                    Method::Options,
                    &safe::route_path(&contract.document, operation),
                ),
                Some(request) => bodiless(request, Method::Options, &request.path_and_query),
                None => PlannedRequest {
                    method: Method::Options,
                    path_and_query: safe::route_path(&contract.document, operation),
                    headers: discovery_headers.to_vec(),
                    body: None,
                },
            };
            Some((request, None))
        }
        FollowUpKind::SecondValue => {
            let alternate = safe::alternate_request(contract, planned)?;
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
            let path = below(&request.path_and_query);
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
/// route's methods; and the method the answer should list. `proven`: for
/// each probe, whether its first answer proved its handler.
pub fn calibration_request(
    probes: &[PlannedProbe],
    proven: &[bool],
) -> Option<(PlannedRequest, Method)> {
    let proven = probes
        .iter()
        .zip(proven)
        .filter(|(_, proven)| **proven)
        .filter_map(|(planned, _)| planned.request.as_ref());
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
