//! Operation selection: which declared operations a run probes. Three
//! independent cuts, applied in this order:
//!
//! 1. `--shard I/N`: an operation belongs to exactly one of N shards, chosen
//!    by a hash of its `METHOD /path` (never its position), so reordering the
//!    spec moves nothing. Operations of other shards are left out of the run
//!    entirely, so merging the shard reports gives each operation once.
//! 2. Skips from `rollcall.toml` (`[operations."GET /x"] skip = "reason"`).
//! 3. `--include`/`--exclude` rules and `--exclude-deprecated`.
//!
//! Cut 1 takes other shards' operations out of the contract ([`keep_shard`]).
//! Cuts 2 and 3 are planning decisions ([`Filter::exclusion`]): the plan
//! keeps the operation in its place, planned as excluded, and the reports
//! show it as `skipped` (rule `excluded-by-filter`), so the test names a CI
//! dashboard tracks stay stable.
//!
//! ```text
//! tag:pets          the operation has the tag `pets` (exact, case-sensitive)
//! method:PATCH      the method (case-insensitive)
//! id:getPet         the operationId (exact)
//! path:/admin/**    the path template, as a glob: `*` stays inside one
//!                   segment, `**` spans segments (`/admin/**` matches
//!                   `/admin/users/{id}`, not `/admin`); braces are
//!                   literal, as in path templates: `path:/pets/{petId}`
//! ```
//!
//! With any `--include`, an operation is probed only if it matches at least one;
//! an operation matching any `--exclude` is never probed.

use std::fmt;
use std::str::FromStr;

use globset::{GlobBuilder, GlobMatcher};

use crate::contract::{Contract, Method, Operation};

/// One `--include`/`--exclude` rule.
#[derive(Debug, Clone)]
pub enum Rule {
    Tag(String),
    Method(Method),
    OperationId(String),
    Path { glob: String, matcher: GlobMatcher },
}

impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        self.to_string() == other.to_string()
    }
}

/// Why a filter rule or shard was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error(
        "'{0}' is not a filter rule; expected tag:NAME, method:METHOD, id:OPERATION_ID or path:GLOB"
    )]
    UnknownKind(String),
    #[error("'{0}': the value after the colon is empty")]
    Empty(String),
    #[error("'{rule}': '{method}' is not an HTTP method an OpenAPI operation can have")]
    BadMethod { rule: String, method: String },
    #[error("'{rule}': not a valid glob: {message}")]
    BadGlob { rule: String, message: String },
    #[error("'{0}' is not a shard; expected I/N with 1 <= I <= N, e.g. 2/4")]
    BadShard(String),
}

impl FromStr for Rule {
    type Err = FilterError;

    fn from_str(text: &str) -> Result<Rule, FilterError> {
        let (kind, value) = text
            .split_once(':')
            .ok_or_else(|| FilterError::UnknownKind(text.to_string()))?;
        let value = value.trim();
        if value.is_empty() {
            return Err(FilterError::Empty(text.to_string()));
        }
        match kind.trim().to_ascii_lowercase().as_str() {
            "tag" => Ok(Rule::Tag(value.to_string())),
            "id" | "operationid" => Ok(Rule::OperationId(value.to_string())),
            "method" => Method::ALL
                .into_iter()
                .find(|m| m.as_str().eq_ignore_ascii_case(value))
                .map(Rule::Method)
                .ok_or_else(|| FilterError::BadMethod {
                    rule: text.to_string(),
                    method: value.to_string(),
                }),
            "path" => {
                // Braces are literal, as in path templates (`/pets/{petId}`),
                // not glob alternation.
                let pattern = value.replace('{', "[{]").replace('}', "[}]");
                let glob = GlobBuilder::new(&pattern)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| FilterError::BadGlob {
                        rule: text.to_string(),
                        message: e.kind().to_string(),
                    })?;
                Ok(Rule::Path {
                    glob: value.to_string(),
                    matcher: glob.compile_matcher(),
                })
            }
            _ => Err(FilterError::UnknownKind(text.to_string())),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Tag(tag) => write!(f, "tag:{tag}"),
            Rule::Method(method) => write!(f, "method:{method}"),
            Rule::OperationId(id) => write!(f, "id:{id}"),
            Rule::Path { glob, .. } => write!(f, "path:{glob}"),
        }
    }
}

impl Rule {
    pub fn matches(&self, operation: &Operation) -> bool {
        match self {
            Rule::Tag(tag) => operation.tags.iter().any(|t| t == tag),
            Rule::Method(method) => operation.method == *method,
            Rule::OperationId(id) => operation.operation_id.as_deref() == Some(id.as_str()),
            // The template (`path:/{Bucket}` takes every operation on it), or
            // the key with its selector (`path:/{Bucket}?acl` takes one).
            Rule::Path { matcher, .. } => {
                matcher.is_match(&operation.path) || matcher.is_match(operation.key())
            }
        }
    }
}

/// `--shard I/N`: the I-th (1-based) of N shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl FromStr for Shard {
    type Err = FilterError;

    fn from_str(text: &str) -> Result<Shard, FilterError> {
        let bad = || FilterError::BadShard(text.to_string());
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index: u32 = index.trim().parse().map_err(|_| bad())?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether the operation labelled `METHOD /path` belongs to this shard.
    pub fn contains(&self, label: &str) -> bool {
        shard_of(label, self.count) == self.index
    }
}

/// The 1-based shard of `label` among `count`: FNV-1a (64-bit) of the label,
/// modulo `count`. FNV is fixed by its spec, so the split is the same on every
/// machine and every rollcall version that keeps this function.
pub fn shard_of(label: &str, count: u32) -> u32 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = label.bytes().fold(OFFSET, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    });
    (hash % u64::from(count.max(1))) as u32 + 1
}

/// What a run does with one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Probe it.
    Probe,
    /// Report it as skipped (rule `excluded-by-filter`), with this evidence.
    Excluded(String),
    /// Another shard's: leave it out of this run's reports.
    OtherShard,
}

/// Every cut of one run; the default selects everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub include: Vec<Rule>,
    pub exclude: Vec<Rule>,
    pub exclude_deprecated: bool,
    pub shard: Option<Shard>,
    /// Operations skipped by `rollcall.toml`: key (`METHOD /path` or
    /// operationId) and reason.
    pub skips: Vec<(String, String)>,
}

impl Filter {
    /// Whether this filter can change anything (so callers can skip the work).
    pub fn is_empty(&self) -> bool {
        self.shard.is_none() && !self.excludes_any()
    }

    /// Whether cuts 2 and 3 are asked for at all.
    fn excludes_any(&self) -> bool {
        !self.include.is_empty()
            || !self.exclude.is_empty()
            || self.exclude_deprecated
            || !self.skips.is_empty()
    }

    pub fn select(&self, operation: &Operation) -> Selection {
        if !self.in_shard(operation) {
            return Selection::OtherShard;
        }
        match self.exclusion(operation) {
            Some(evidence) => Selection::Excluded(evidence),
            None => Selection::Probe,
        }
    }

    /// Whether `operation` belongs to this run's `--shard` (every operation
    /// does without one).
    pub fn in_shard(&self, operation: &Operation) -> bool {
        self.shard
            .as_ref()
            .is_none_or(|shard| shard.contains(&operation.label()))
    }

    /// Why cuts 2 and 3 leave `operation` out (the evidence of its
    /// `excluded-by-filter` result), or `None` when it is probed. The
    /// planner asks this of every operation ([`super::build`]).
    pub fn exclusion(&self, operation: &Operation) -> Option<String> {
        if !self.excludes_any() {
            return None;
        }
        let label = operation.label();
        if let Some((_, reason)) = self.skips.iter().find(|(key, _)| operation.is_named(key)) {
            return Some(format!("{label} is skipped in rollcall.toml: {reason}"));
        }
        if self.exclude_deprecated && operation.deprecated {
            return Some(format!(
                "{label} is deprecated and was excluded by --exclude-deprecated"
            ));
        }
        if !self.include.is_empty() && !self.include.iter().any(|r| r.matches(operation)) {
            let rules: Vec<String> = self.include.iter().map(Rule::to_string).collect();
            return Some(format!(
                "{label} matches no --include rule ({})",
                rules.join(", ")
            ));
        }
        if let Some(rule) = self.exclude.iter().find(|r| r.matches(operation)) {
            return Some(format!("{label} was excluded by --exclude {rule}"));
        }
        None
    }
}

/// Cut 1: takes the operations of other shards out of `contract`, so the
/// run neither probes nor reports them. Cuts 2 and 3 are the planner's
/// ([`Filter::exclusion`]): it plans those operations as
/// [`super::Intent::Excluded`], in their places.
pub fn keep_shard(contract: &mut Contract, filter: &Filter) {
    if filter.shard.is_some() {
        contract.operations.retain(|op| filter.in_shard(op));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::testing;

    fn operation(method: Method, path: &str, id: Option<&str>, tags: &[&str]) -> Operation {
        let operation = testing::operation(method, path)
            .with_tags(tags)
            .with_responses(&[]);
        match id {
            Some(id) => operation.with_id(id),
            None => operation,
        }
    }

    fn rule(text: &str) -> Rule {
        text.parse().unwrap()
    }

    #[test]
    fn rules_match_tag_method_id_and_path_glob() {
        let op = operation(
            Method::Patch,
            "/admin/users/{id}",
            Some("patchUser"),
            &["admin"],
        );
        assert!(rule("tag:admin").matches(&op));
        assert!(!rule("tag:Admin").matches(&op));
        assert!(rule("method:patch").matches(&op));
        assert!(!rule("method:GET").matches(&op));
        assert!(rule("id:patchUser").matches(&op));
        assert!(rule("path:/admin/**").matches(&op));
        assert!(!rule("path:/admin/*").matches(&op));
        assert!(rule("path:/admin/*/{id}").matches(&op));
        assert!(!rule("path:/admin/**").matches(&operation(Method::Get, "/admin", None, &[])));
    }

    #[test]
    fn malformed_rules_say_what_is_expected() {
        assert!(matches!(
            "pets".parse::<Rule>(),
            Err(FilterError::UnknownKind(_))
        ));
        assert!(matches!(
            "label:x".parse::<Rule>(),
            Err(FilterError::UnknownKind(_))
        ));
        assert!(matches!("tag:".parse::<Rule>(), Err(FilterError::Empty(_))));
        assert!(matches!(
            "method:FETCH".parse::<Rule>(),
            Err(FilterError::BadMethod { .. })
        ));
        assert!(matches!(
            "path:/a/[".parse::<Rule>(),
            Err(FilterError::BadGlob { .. })
        ));
    }

    #[test]
    fn include_keeps_matches_and_exclude_wins_over_include() {
        let filter = Filter {
            include: vec![rule("tag:pets")],
            exclude: vec![rule("method:DELETE")],
            ..Filter::default()
        };
        let get = operation(Method::Get, "/pets", None, &["pets"]);
        let delete = operation(Method::Delete, "/pets/{id}", None, &["pets"]);
        let other = operation(Method::Get, "/stores", None, &["stores"]);
        assert_eq!(filter.select(&get), Selection::Probe);
        assert!(
            matches!(filter.select(&delete), Selection::Excluded(e) if e.contains("--exclude method:DELETE"))
        );
        assert!(
            matches!(filter.select(&other), Selection::Excluded(e) if e.contains("no --include"))
        );
    }

    #[test]
    fn deprecated_operations_are_excluded_on_request() {
        let mut op = operation(Method::Get, "/old", None, &[]);
        op.deprecated = true;
        assert_eq!(Filter::default().select(&op), Selection::Probe);
        let filter = Filter {
            exclude_deprecated: true,
            ..Filter::default()
        };
        assert!(matches!(filter.select(&op), Selection::Excluded(_)));
    }

    #[test]
    fn config_skip_names_operation_by_label_or_id() {
        let op = operation(Method::Get, "/pets/{id}", Some("getPet"), &[]);
        let by_label = Filter {
            skips: vec![("get /pets/{id}".into(), "flaky upstream".into())],
            ..Filter::default()
        };
        assert!(
            matches!(by_label.select(&op), Selection::Excluded(e) if e.contains("flaky upstream"))
        );
        let by_id = Filter {
            skips: vec![("getPet".into(), "r".into())],
            ..Filter::default()
        };
        assert!(matches!(by_id.select(&op), Selection::Excluded(_)));
    }

    #[test]
    fn shard_syntax_is_one_based_index_over_count() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "1/0", "1", "a/b", "1/2/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_operation_falls_in_exactly_one_shard() {
        let labels: Vec<String> = (0..200).map(|i| format!("GET /items/{i}")).collect();
        for count in 1..=7 {
            let shards: Vec<Shard> = (1..=count).map(|index| Shard { index, count }).collect();
            for label in &labels {
                assert_eq!(
                    shards.iter().filter(|s| s.contains(label)).count(),
                    1,
                    "{label} in {count} shards"
                );
            }
        }
        // And the split is not degenerate: with 4 shards each gets some.
        for index in 1..=4 {
            let shard = Shard { index, count: 4 };
            assert!(labels.iter().filter(|l| shard.contains(l)).count() > 20);
        }
    }

    #[test]
    fn shard_of_depends_only_on_the_label() {
        // Fixed values: a change here re-shards every user's CI matrix.
        assert_eq!(shard_of("GET /pets", 4), shard_of("GET /pets", 4));
        assert_eq!(shard_of("", 3), (0xcbf2_9ce4_8422_2325u64 % 3) as u32 + 1);
    }
}
