//! The follow-up loop of one target, the one owner of probe → judge →
//! maybe probe again: judge the first answers ([`crate::verdict`]), build
//! the follow-ups they ask for ([`crate::plan::followup`]), send them
//! ([`crate::probe::followup`]), judge again; at most [`MAX_PER_OPERATION`]
//! rounds, each under the target's concurrency limit.
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

use crate::contract::{Contract, Method};
use crate::plan::followup::{FollowUpKind, MAX_PER_OPERATION};
use crate::plan::{self, PlannedProbe};
use crate::probe::followup::{FollowUp, Pending};
use crate::probe::{self, Discovery, Exchange, Prober};
use crate::verdict::followup::{self, Followed};
use crate::verdict::rules::Proof;
use crate::verdict::{self, Context, Finding, Settings};

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
        return followup::followed(follow_ups, first);
    }
    // Only a probe that got a follow-up in the last round can want another:
    // the others would decide as they did.
    let mut undecided: Vec<usize> = among.to_vec();
    // The operations the run probes: no path below one may match theirs.
    let selected = plan::selected(run.contract, run.probes);
    for round in 0..MAX_PER_OPERATION {
        let mut pending = Vec::new();
        // For each pending follow-up: the probe it is for, or the
        // calibration (with the method its `Allow` should list).
        let mut targets: Vec<Result<usize, Method>> = Vec::new();
        let mut served = Vec::new();
        for &index in &undecided {
            let planned = &run.probes[index];
            let Some(operation) = run.contract.operations.get(planned.operation) else {
                continue;
            };
            let context = Context {
                operation,
                probe: planned,
                discovery,
                credentials_given: run.credentials_given,
            };
            let exchange = exchanges.get(index).and_then(Option::as_ref);
            let wanted = if round == 0 {
                let (finding, wanted) =
                    verdict::classify_wanting(&context, exchange, run.settings, &[]);
                served.extend(followup::served_answer(
                    operation, planned, exchange, &finding,
                ));
                first[index] = Some(finding);
                wanted
            } else {
                verdict::follow_up_wanted(&context, exchange, run.settings, &follow_ups[index])
            };
            let Some(kind) = wanted else {
                continue;
            };
            let below = |path: &str| discovery.unknown_path_below(path, &selected);
            let built = plan::followup::request_for(
                run.contract,
                planned,
                run.discovery_headers,
                kind,
                &below,
            );
            if let Some((request, second_value)) = built {
                targets.push(Ok(index));
                pending.push(Pending {
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
            && let Some((request, expected)) =
                plan::followup::calibration_request(run.probes, &proven_handlers(&first))
        {
            targets.push(Err(expected));
            pending.push(Pending {
                kind: FollowUpKind::Options,
                request,
                second_value: None,
            });
        }
        if pending.is_empty() {
            break;
        }
        let sent = probe::followup::send(run.prober, &pending).await;
        undecided.clear();
        for (at, follow_up) in sent {
            match targets[at] {
                Ok(index) => {
                    undecided.push(index);
                    follow_ups[index].push(follow_up);
                }
                Err(expected) => followup::calibrate(
                    discovery,
                    &follow_up.request,
                    expected,
                    &follow_up.exchange,
                ),
            }
        }
    }
    followup::followed(follow_ups, first)
}

/// For each probe, whether its first answer proved its handler.
fn proven_handlers(first: &[Option<Finding>]) -> Vec<bool> {
    first
        .iter()
        .map(|finding| {
            finding
                .as_ref()
                .is_some_and(|f| f.rule.proof() == Proof::Handler)
        })
        .collect()
}

#[cfg(test)]
mod tests;
