//! Sending follow-ups: the requests the verdict stage asked for
//! ([`crate::plan::followup`]), sent together under the target's
//! concurrency limit, each kept with its answer as a [`FollowUp`].

use crate::plan::PlannedRequest;
use crate::plan::followup::FollowUpKind;
use crate::plan::safe::AlternateKind;

use super::{Exchange, Prober};

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

/// A follow-up to send: its kind, its request and, for a second value, the
/// parameter changed.
pub struct Pending {
    pub kind: FollowUpKind,
    pub request: PlannedRequest,
    pub second_value: Option<(String, AlternateKind)>,
}

/// Sends `pending` and returns each answered one (by its position in
/// `pending`) as a [`FollowUp`].
pub async fn send(prober: &Prober, pending: &[Pending]) -> Vec<(usize, FollowUp)> {
    prober
        .probe_all(pending.iter().enumerate().map(|(i, p)| (i, &p.request)))
        .await
        .into_iter()
        .filter_map(|(at, exchange)| {
            let item = pending.get(at)?;
            Some((
                at,
                FollowUp {
                    kind: item.kind,
                    request: item.request.clone(),
                    second_value: item.second_value.clone(),
                    exchange,
                },
            ))
        })
        .collect()
}
