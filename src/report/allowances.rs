//! rollcall.toml's notes on a finished report: an `expect`ed verdict
//! passes, an open known gap does not fail the run, one past its `until`
//! fails it again, and one that now passes asks to be removed. Each note is
//! the result's [`Allowance`], which every report shows.
//!
//! ```text
//! PATCH /invoices/{invoice_id}  not_implemented  known gap: partial updates ship in 2.4, until 2027-01-31
//! GET /reports/{id}             not_implemented  expected: not_implemented (rollcall.toml)
//! ```

use std::fmt;
use std::str::FromStr;

use crate::verdict::{Outcome, Rule, Verdict};

use super::{Allowance, AllowanceKind, RunReport};

/// A calendar date, `YYYY-MM-DD` (known-gap `until`, "today").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl FromStr for Date {
    type Err = String;

    fn from_str(text: &str) -> Result<Date, String> {
        let bad = || format!("'{text}' is not a date; expected YYYY-MM-DD, e.g. 2027-01-31");
        let mut parts = text.trim().split('-');
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let year: u16 = y.parse().map_err(|_| bad())?;
        let month: u8 = m.parse().map_err(|_| bad())?;
        let day: u8 = d.parse().map_err(|_| bad())?;
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(bad()),
        };
        if day == 0 || day > days_in_month {
            return Err(bad());
        }
        Ok(Date { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One `[[known_gaps]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownGap {
    /// `METHOD /path` or an operationId.
    pub operation: String,
    pub reason: String,
    /// Last day the gap is accepted (inclusive).
    pub until: Date,
    /// `rule = "handler-501"`: only a failure decided by this rule is the
    /// known gap; the operation failing another way fails the run.
    pub rule: Option<Rule>,
    pub line: usize,
}

/// Marks the results of `report` that `expected` verdicts (by operation
/// key) and known `gaps` have something to say about; `today` decides
/// expiry.
pub fn apply(report: &mut RunReport, expected: &[(&str, Verdict)], gaps: &[KnownGap], today: Date) {
    for operation in &mut report.operations {
        let names = |key: &str| {
            crate::contract::names(
                key,
                operation.method,
                &operation.path,
                operation.operation_id.as_deref(),
            )
        };
        let expect = expected
            .iter()
            .find(|(key, _)| names(key))
            .map(|(_, verdict)| *verdict);
        let gap = gaps.iter().find(|g| names(&g.operation));
        for result in &mut operation.results {
            if let Some(expected) = expect {
                result.allowance = Some(if result.verdict == expected {
                    Allowance {
                        kind: AllowanceKind::Expected,
                        message: format!("expected: {expected} (rollcall.toml)"),
                    }
                } else {
                    Allowance {
                        kind: AllowanceKind::Unexpected,
                        message: format!(
                            "rollcall.toml expects {expected}, got {}",
                            result.verdict
                        ),
                    }
                });
            }
            let Some(gap) = gap else { continue };
            let passes = result.counted_outcome() == Outcome::Pass;
            if !passes && gap.rule.is_some_and(|rule| result.rule != rule) {
                // Failing another way than the gap says: not this gap.
                continue;
            }
            result.allowance = Some(if passes {
                Allowance {
                    kind: AllowanceKind::Fixed,
                    message: format!("fixed: remove it from known gaps (listed: {})", gap.reason),
                }
            } else if today <= gap.until {
                Allowance {
                    kind: AllowanceKind::KnownGap,
                    message: format!("known gap: {}, until {}", gap.reason, gap.until),
                }
            } else {
                Allowance {
                    kind: AllowanceKind::Expired,
                    message: format!(
                        "known gap expired on {}: {}; it fails the run again",
                        gap.until, gap.reason
                    ),
                }
            });
        }
    }
}
