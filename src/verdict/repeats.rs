//! Repeats: when `--repeat` sends one probe several times to one target and
//! the answers get different verdicts, the operation is
//! [`Verdict::Inconsistent`], with the split as its evidence (some instances
//! behind a load balancer lack it):
//!
//! ```text
//! 3 of 5 requests answered 501 (not_implemented); 2 of 5 answered 200 (implemented)
//! ```

use std::collections::BTreeSet;

use super::{Finding, Outcome, Rule, Verdict};

/// What one repeat of a probe got: its verdict and the status of the answer
/// (none when no answer came back or nothing was sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub verdict: Verdict,
    pub status: Option<u16>,
}

/// When the repeats of one probe got different verdicts: the index of the
/// sample whose exchange best shows the problem (the first with the worst
/// outcome: a failure, else an error, else an inconclusive verdict) and the
/// [`Verdict::Inconsistent`] finding, whose evidence gives the split:
/// `3 of 5 requests answered 501 (not_implemented); 2 of 5 answered 200 (implemented)`.
/// `None` when every sample agrees (or there is at most one).
pub fn merge(samples: &[Sample]) -> Option<(usize, Finding)> {
    let first = samples.first()?;
    if samples.iter().all(|s| s.verdict == first.verdict) {
        return None;
    }
    // Groups by verdict, largest first, ties in order of first appearance.
    let mut groups: Vec<(Verdict, usize, BTreeSet<u16>)> = Vec::new();
    for sample in samples {
        match groups.iter_mut().find(|(v, ..)| *v == sample.verdict) {
            Some((_, count, statuses)) => {
                *count += 1;
                statuses.extend(sample.status);
            }
            None => groups.push((sample.verdict, 1, sample.status.into_iter().collect())),
        }
    }
    groups.sort_by_key(|(_, count, _)| std::cmp::Reverse(*count));
    let total = samples.len();
    let parts: Vec<String> = groups
        .iter()
        .enumerate()
        .map(|(i, (verdict, count, statuses))| {
            let requests = if i == 0 { " requests" } else { "" };
            let answer = if statuses.is_empty() {
                "got no answer".to_string()
            } else {
                let statuses: Vec<String> = statuses.iter().map(u16::to_string).collect();
                format!("answered {}", statuses.join(" or "))
            };
            format!("{count} of {total}{requests} {answer} ({verdict})")
        })
        .collect();
    let severity = |verdict: Verdict| match verdict.outcome() {
        Outcome::Fail => 0,
        Outcome::Error => 1,
        Outcome::Inconclusive => 2,
        Outcome::Pass => 3,
    };
    let representative = samples
        .iter()
        .enumerate()
        .min_by_key(|(index, s)| (severity(s.verdict), *index))
        .map_or(0, |(index, _)| index);
    Some((
        representative,
        Finding {
            verdict: Verdict::Inconsistent,
            rule: Rule::RepeatsDisagree,
            evidence: parts.join("; "),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(verdict: Verdict, status: Option<u16>) -> Sample {
        Sample { verdict, status }
    }

    #[test]
    fn agreeing_repeats_are_not_merged() {
        let same = sample(Verdict::Implemented, Some(200));
        assert_eq!(merge(&[same, same, same]), None);
        assert_eq!(merge(&[]), None);
    }

    #[test]
    fn disagreeing_repeats_are_inconsistent_with_the_split() {
        let served = sample(Verdict::Implemented, Some(200));
        let stub = sample(Verdict::NotImplemented, Some(501));
        let (representative, finding) =
            merge(&[served, stub, served, stub, stub]).expect("they disagree");
        assert_eq!(finding.verdict, Verdict::Inconsistent);
        assert_eq!(finding.rule, Rule::RepeatsDisagree);
        assert_eq!(
            finding.evidence,
            "3 of 5 requests answered 501 (not_implemented); 2 of 5 answered 200 (implemented)"
        );
        assert_eq!(representative, 1, "the first failing repeat is shown");
    }

    #[test]
    fn repeats_without_an_answer_say_so() {
        let served = sample(Verdict::Implemented, Some(404));
        let down = sample(Verdict::Unreachable, None);
        let (representative, finding) = merge(&[served, down]).unwrap();
        assert_eq!(
            finding.evidence,
            "1 of 2 requests answered 404 (implemented); 1 of 2 got no answer (unreachable)"
        );
        assert_eq!(representative, 1);
    }
}
