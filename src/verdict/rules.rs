//! The registry of verdict rules: each decision rollcall makes has a stable id,
//! the verdict it gives, a one-line explanation and a fix hint. Reports cite
//! the id; `docs/verdicts.md` lists them all (a test keeps the two in sync).

use super::Verdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub verdict: Verdict,
    pub summary: &'static str,
    pub hint: &'static str,
}

/// Every rule, in the order the docs list them.
pub const RULES: &[Rule] = &[];

/// Looks a rule up by id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}
