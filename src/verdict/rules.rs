//! The registry of verdict rules: each decision rollcall makes is a [`Rule`]
//! with a stable id, the verdict it gives, what it proves, a one-line
//! summary and a fix hint, all in one exhaustive table ([`Rule::info`]).
//! Findings carry the rule, reports its id (`handler-501`), and
//! `docs/verdicts.md`'s rule table is generated from the table (a test
//! says when it is stale).
//!
//! ```text
//! handler-501   not_implemented   The handler answered 501 Not Implemented.
//! ```
//!
//! Each rule also says how far it proves the operation deployed ([`Proof`]):
//! the handler itself, only the route in front of it, or nothing. Reports
//! count the operations proven at the route level only.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Verdict;

/// How far a rule proves an operation deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// The handler itself answered.
    Handler,
    /// The route exists, but the handler was not reached (safe mode's invalid
    /// requests, auth checked after routing, an `Allow` header).
    Route,
    /// Nothing is proven deployed.
    None,
}

impl Proof {
    pub fn as_str(self) -> &'static str {
        match self {
            Proof::Handler => "handler",
            Proof::Route => "route",
            Proof::None => "none",
        }
    }
}

/// Every decision a verdict can rest on, in the order `docs/verdicts.md`
/// lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    SafeModeNoHarmlessProbe,
    NotProbed,
    ExcludedByFilter,
    SkippedByContract,
    TransportFailed,
    Handler501,
    S3NotImplemented,
    Method405,
    MethodRefused,
    NoRoute404,
    Handler404,
    Sentinel404,
    S3ResourceMissing,
    S3SubresourceMissing,
    Allowed404,
    Routed404,
    Unrouted404,
    UnroutedMethod404,
    NoRouteUnknown,
    Server5xx,
    Auth401,
    Auth403,
    CredentialsRejected,
    AuthAfterRouting,
    RateLimited,
    LengthRequired,
    CatchAll2xx,
    Stub2xx,
    InvalidAccepted,
    Served2xx,
    CatchAll3xx,
    Redirect3xx,
    ValidationRejected,
    RejectedBeforeRouting,
    BodyRefusedBeforeRouting,
    InvalidPathUnrouted,
    OptionsAllow,
    OptionsLacksMethod,
    OptionsNoRoute,
    Handler4xx,
    UnexpectedStatus,
    RepeatsDisagree,
}

/// What a rule is: one row of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    pub rule: Rule,
    /// Stable and kebab-case: reports, `[[known_gaps]]` and the docs name the rule by it.
    pub id: &'static str,
    pub verdict: Verdict,
    /// What an `implemented` verdict by this rule proves; `Proof::None` for
    /// every other verdict.
    pub proof: Proof,
    pub summary: &'static str,
    pub hint: &'static str,
}

impl Rule {
    /// Every rule, in declaration (and documentation) order.
    pub const ALL: [Rule; 42] = [
        Rule::SafeModeNoHarmlessProbe,
        Rule::NotProbed,
        Rule::ExcludedByFilter,
        Rule::SkippedByContract,
        Rule::TransportFailed,
        Rule::Handler501,
        Rule::S3NotImplemented,
        Rule::Method405,
        Rule::MethodRefused,
        Rule::NoRoute404,
        Rule::Handler404,
        Rule::Sentinel404,
        Rule::S3ResourceMissing,
        Rule::S3SubresourceMissing,
        Rule::Allowed404,
        Rule::Routed404,
        Rule::Unrouted404,
        Rule::UnroutedMethod404,
        Rule::NoRouteUnknown,
        Rule::Server5xx,
        Rule::Auth401,
        Rule::Auth403,
        Rule::CredentialsRejected,
        Rule::AuthAfterRouting,
        Rule::RateLimited,
        Rule::LengthRequired,
        Rule::CatchAll2xx,
        Rule::Stub2xx,
        Rule::InvalidAccepted,
        Rule::Served2xx,
        Rule::CatchAll3xx,
        Rule::Redirect3xx,
        Rule::ValidationRejected,
        Rule::RejectedBeforeRouting,
        Rule::BodyRefusedBeforeRouting,
        Rule::InvalidPathUnrouted,
        Rule::OptionsAllow,
        Rule::OptionsLacksMethod,
        Rule::OptionsNoRoute,
        Rule::Handler4xx,
        Rule::UnexpectedStatus,
        Rule::RepeatsDisagree,
    ];

    /// The rule's row of the registry (the `REGISTRY` table below).
    pub const fn info(self) -> RuleInfo {
        REGISTRY[self as usize]
    }

    /// `handler-501`.
    pub const fn id(self) -> &'static str {
        self.info().id
    }

    /// The verdict every finding by this rule gives.
    pub const fn verdict(self) -> Verdict {
        self.info().verdict
    }

    pub const fn proof(self) -> Proof {
        self.info().proof
    }

    pub const fn summary(self) -> &'static str {
        self.info().summary
    }

    /// What to do about a result this rule decided.
    pub const fn hint(self) -> &'static str {
        self.info().hint
    }

    /// The rule with this id, if there is one.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|rule| rule.id() == id)
    }
}

/// The registry: one row per rule, in declaration order. A row missing or
/// out of place does not compile (the assertion below).
const REGISTRY: [RuleInfo; Rule::ALL.len()] = [
    RuleInfo {
        rule: Rule::SafeModeNoHarmlessProbe,
        id: "safe-mode-no-harmless-probe",
        verdict: Verdict::Unverified,
        proof: Proof::None,
        summary: "Safe mode found no request that a correct handler would reject before acting, so nothing was sent.",
        hint: "Run with --mode live against a staging or preview deployment, or add an example the planner can break harmlessly.",
    },
    RuleInfo {
        rule: Rule::NotProbed,
        id: "not-probed",
        verdict: Verdict::Unverified,
        proof: Proof::None,
        summary: "A request was planned but none was sent, so there is no answer to judge.",
        hint: "Rerun; if it persists, report it as a rollcall bug with the operation named.",
    },
    RuleInfo {
        rule: Rule::ExcludedByFilter,
        id: "excluded-by-filter",
        verdict: Verdict::Skipped,
        proof: Proof::None,
        summary: "The operation was left out by --include/--exclude and not probed.",
        hint: "Widen the filter to check it.",
    },
    RuleInfo {
        rule: Rule::SkippedByContract,
        id: "skipped-by-contract",
        verdict: Verdict::Skipped,
        proof: Proof::None,
        summary: "The contract marks the operation `x-rollcall-skip: <reason>`, so it was not probed.",
        hint: "Remove x-rollcall-skip once the operation can be probed here.",
    },
    RuleInfo {
        rule: Rule::TransportFailed,
        id: "transport-failed",
        verdict: Verdict::Unreachable,
        proof: Proof::None,
        summary: "No HTTP answer came back: the connection, the TLS handshake or the timeout failed.",
        hint: "Check the target URL, DNS, firewall and certificates; raise --timeout if the service is slow.",
    },
    RuleInfo {
        rule: Rule::Handler501,
        id: "handler-501",
        verdict: Verdict::NotImplemented,
        proof: Proof::None,
        summary: "The operation answered 501 Not Implemented: it is declared and routed but has no implementation.",
        hint: "Implement the handler, or remove the operation from the contract until it ships.",
    },
    RuleInfo {
        rule: Rule::S3NotImplemented,
        id: "s3-not-implemented",
        verdict: Verdict::NotImplemented,
        proof: Proof::None,
        summary: "The object store answered 501 with S3's error code NotImplemented: it understands the request and says it does not implement the operation (MinIO, Ceph RGW and other S3-compatible stores answer so for what they leave out).",
        hint: "Use a store (or a version) that implements the operation, or leave it out of the contract you check against (rollcall.toml: expect = \"not_implemented\", or a known gap).",
    },
    RuleInfo {
        rule: Rule::Method405,
        id: "method-405",
        verdict: Verdict::MissingMethod,
        proof: Proof::None,
        summary: "The path exists but answered 405 Method Not Allowed for the declared method.",
        hint: "Register the handler for this method on the route (the Allow header lists what is served), or fix the contract.",
    },
    RuleInfo {
        rule: Rule::MethodRefused,
        id: "method-refused",
        verdict: Verdict::NotImplemented,
        proof: Proof::None,
        summary: "The operation answered 501 or 405 exactly as a path that cannot exist does for the same method: the method is refused on every path, by the server or a proxy in front of it, before any route is looked up.",
        hint: "Let the method through the proxy or gateway (nginx, API gateway, load balancer) or enable it in the server; the handler itself was never reached.",
    },
    RuleInfo {
        rule: Rule::NoRoute404,
        id: "no-route-404",
        verdict: Verdict::MissingRoute,
        proof: Proof::None,
        summary: "The 404 is identical to the target's answer for a path that cannot exist, and no follow-up (OPTIONS on the same path, a second parameter value) showed the route: no route serves the operation.",
        hint: "Deploy the route, or check the base path (--target URL path, --base-path, servers[0].url). A handler that answers a missing resource with the framework's bare 404 looks the same: give it a distinct body.",
    },
    RuleInfo {
        rule: Rule::Handler404,
        id: "handler-404",
        verdict: Verdict::Implemented,
        proof: Proof::Handler,
        summary: "The 404 differs from the target's no-route answer: a handler ran and reported the resource missing.",
        hint: "Nothing to fix; add an example id that exists to see a 2xx.",
    },
    RuleInfo {
        rule: Rule::Sentinel404,
        id: "sentinel-404",
        verdict: Verdict::Implemented,
        proof: Proof::Handler,
        summary: "The handler answered 404 for a sentinel id that cannot exist, and the answer differs from the no-route response.",
        hint: "Nothing to fix: this is how safe mode proves a handler without touching data.",
    },
    RuleInfo {
        rule: Rule::S3ResourceMissing,
        id: "s3-resource-missing",
        verdict: Verdict::Implemented,
        proof: Proof::Route,
        summary: "The object store answered with S3's error code for a bucket or object that does not exist (NoSuchBucket, NoSuchKey, NoSuchVersion) or a bucket name none can have (InvalidBucketName): it parsed the request and looked the resource up, which it does before the operation's handler runs; a store that lacks the operation answers NotImplemented instead. On an object store every path names a bucket, so no answer is a no-route answer.",
        hint: "Nothing to fix; name a bucket (and key) that exists in rollcall.toml's parameters to reach the handler itself.",
    },
    RuleInfo {
        rule: Rule::S3SubresourceMissing,
        id: "s3-subresource-missing",
        verdict: Verdict::Implemented,
        proof: Proof::Handler,
        summary: "The object store answered with the S3 error code the operation's own handler gives for a part of a bucket or object that is not set (NoSuchTagSet, NoSuchLifecycleConfiguration, NoSuchUpload, ...NotFoundError): the handler ran.",
        hint: "Nothing to fix.",
    },
    RuleInfo {
        rule: Rule::Allowed404,
        id: "allowed-404",
        verdict: Verdict::Implemented,
        proof: Proof::Handler,
        summary: "The 404 matches the target's no-route answer, but OPTIONS on the same path lists the method in Allow: the route exists, so the handler answered 404 for a resource that does not exist.",
        hint: "Nothing to fix; give the handler's 404 a body of its own (or add an example id that exists) so a single request tells it from a missing route.",
    },
    RuleInfo {
        rule: Rule::Routed404,
        id: "routed-404",
        verdict: Verdict::Implemented,
        proof: Proof::Handler,
        summary: "The 404 matches the target's no-route answer, but OPTIONS on the same path answered 405 while a path that cannot exist gets 404 for it: a route matches the path, and this router answers a method it does not route with 405, so the method was routed and its handler answered 404 for a resource that does not exist (Starlette, Connexion, aiohttp, Go's ServeMux).",
        hint: "Nothing to fix; give the handler's 404 a body of its own (or add an example id that exists) so a single request tells it from a missing route.",
    },
    RuleInfo {
        rule: Rule::Unrouted404,
        id: "unrouted-404",
        verdict: Verdict::MissingRoute,
        proof: Proof::None,
        summary: "The operation's own method did not reach the router (safe mode sent it nothing, or a parser refused its body first), but OPTIONS on its path got the no-route response, while OPTIONS on a route this run proved deployed answers 405: this router answers a method it does not route on a routed path with 405, so no route serves the path.",
        hint: "Deploy the route, or check the base path (--target URL path, servers[0].url).",
    },
    RuleInfo {
        rule: Rule::UnroutedMethod404,
        id: "unrouted-method-404",
        verdict: Verdict::MissingMethod,
        proof: Proof::None,
        summary: "The 404 matches the target's no-route answer, and so does OPTIONS on the same path, but another method of this run got a 2xx from a handler on that very path (same template), and OPTIONS on a route this run proved deployed gets the no-route response too: this target answers a method a routed path does not serve with its no-route 404 (Fastify, Rails), so the path is served and the method is not.",
        hint: "Register the handler for this method on the route, or fix the contract.",
    },
    RuleInfo {
        rule: Rule::NoRouteUnknown,
        id: "no-route-unknown",
        verdict: Verdict::Unverified,
        proof: Proof::None,
        summary: "The operation answered 404, but discovery learned no 404 for unknown paths to compare it with, and OPTIONS on the same path did not show the route either.",
        hint: "Make discovery reach the target the way the probes do (same credentials and headers) and rerun.",
    },
    RuleInfo {
        rule: Rule::Server5xx,
        id: "server-5xx",
        verdict: Verdict::ServerError,
        proof: Proof::None,
        summary: "The operation answered with a 5xx other than 501: it is routed but failed.",
        hint: "Read the server logs for this request; 502/503/504 point at the gateway or an upstream that is down.",
    },
    RuleInfo {
        rule: Rule::Auth401,
        id: "auth-401",
        verdict: Verdict::AuthRequired,
        proof: Proof::None,
        summary: "The operation answered 401 Unauthorized: authentication stood before the handler.",
        hint: "Pass credentials with --auth SCHEME=VALUE; if you did, they were rejected: check the value and the scheme.",
    },
    RuleInfo {
        rule: Rule::Auth403,
        id: "auth-403",
        verdict: Verdict::AuthRequired,
        proof: Proof::None,
        summary: "The operation answered 403 Forbidden: authorization stood before the handler.",
        hint: "Use credentials whose role or scopes allow this operation.",
    },
    RuleInfo {
        rule: Rule::CredentialsRejected,
        id: "credentials-rejected",
        verdict: Verdict::AuthRequired,
        proof: Proof::None,
        summary: "Credentials were given, yet the operation answered 401 or 403: they were rejected or do not grant this operation. A credentials problem, not a missing route.",
        hint: "Check the --auth value, the security scheme it is given for, and the role or scopes of the account.",
    },
    RuleInfo {
        rule: Rule::AuthAfterRouting,
        id: "auth-after-routing",
        verdict: Verdict::Implemented,
        proof: Proof::Route,
        summary: "The operation answered 401 or 403, while paths that cannot exist (even one just below it) get the no-route 404: routing runs before the credentials check, so the route is deployed; the handler was not reached.",
        hint: "Pass credentials with --auth SCHEME=VALUE to reach the handler.",
    },
    RuleInfo {
        rule: Rule::RateLimited,
        id: "rate-limited",
        verdict: Verdict::Unverified,
        proof: Proof::None,
        summary: "The operation answered 429 Too Many Requests before the handler could be judged.",
        hint: "Lower --concurrency or rerun later; a Retry-After header says how long to wait.",
    },
    RuleInfo {
        rule: Rule::LengthRequired,
        id: "length-required",
        verdict: Verdict::Unverified,
        proof: Proof::None,
        summary: "The operation answered 411 Length Required: the server or a proxy refused the request for how its body was framed, before any handler ran, so it proves nothing.",
        hint: "Rerun; rollcall sends Content-Length: 0 with a bodiless PUT, POST or PATCH, so a 411 points at a proxy that wants a length on other methods too.",
    },
    RuleInfo {
        rule: Rule::CatchAll2xx,
        id: "catch-all-2xx",
        verdict: Verdict::MissingRoute,
        proof: Proof::None,
        summary: "The 2xx is identical to the target's answer for a path that cannot exist: a catch-all (such as a single-page app's index.html) answered, not a handler.",
        hint: "Route the operation to the API service before the catch-all, or check the base path.",
    },
    RuleInfo {
        rule: Rule::Stub2xx,
        id: "stub-2xx",
        verdict: Verdict::Stub,
        proof: Proof::None,
        summary: "The operation answered 2xx with a small body that is only a message saying it is not implemented (\"not implemented\", \"coming soon\", \"TODO\", \"stub\"); a list, a record's data fields and values the response schema declares are data.",
        hint: "Replace the placeholder with the real handler, or answer 501 until it ships.",
    },
    RuleInfo {
        rule: Rule::InvalidAccepted,
        id: "invalid-accepted",
        verdict: Verdict::AcceptsInvalid,
        proof: Proof::None,
        summary: "A safe-mode request that breaks something the contract makes mandatory (a malformed JSON body, a required body left out, a value its schema forbids), or an object store's write to a bucket no store may have, was accepted with a 2xx: the handler does not validate its input, and the request may have changed state.",
        hint: "Check the service's data for a change made by the request shown; validate request bodies and parameters before acting.",
    },
    RuleInfo {
        rule: Rule::Served2xx,
        id: "served-2xx",
        verdict: Verdict::Implemented,
        proof: Proof::Handler,
        summary: "The operation answered 2xx.",
        hint: "Nothing to fix.",
    },
    RuleInfo {
        rule: Rule::CatchAll3xx,
        id: "catch-all-3xx",
        verdict: Verdict::Unverified,
        proof: Proof::None,
        summary: "The redirect is identical to the target's answer for a path that cannot exist (a login redirect, say), so it proves nothing about the operation.",
        hint: "Pass credentials so the probe gets past the redirect.",
    },
    RuleInfo {
        rule: Rule::Redirect3xx,
        id: "redirect-3xx",
        verdict: Verdict::Implemented,
        proof: Proof::Route,
        summary: "The operation answered with a redirect that unknown paths do not get; redirects are never followed.",
        hint: "If the Location is a canonical form (a trailing slash, another host), point the contract or --target at it.",
    },
    RuleInfo {
        rule: Rule::ValidationRejected,
        id: "validation-rejected",
        verdict: Verdict::Implemented,
        proof: Proof::Route,
        summary: "The deliberately invalid safe-mode request was rejected with a 4xx: the route is deployed; the handler itself was not reached.",
        hint: "Run --mode live against a staging deployment to reach the handler.",
    },
    RuleInfo {
        rule: Rule::RejectedBeforeRouting,
        id: "rejected-before-routing",
        verdict: Verdict::Unverified,
        proof: Proof::None,
        summary: "Safe mode's malformed body was rejected with the same status that unknown paths give such a body: it was refused before routing, so the route is not proven, and neither a next harmless request (none was left, or none got an answer) nor OPTIONS showed it.",
        hint: "Run --mode live against a staging deployment, where a valid request reaches the router.",
    },
    RuleInfo {
        rule: Rule::BodyRefusedBeforeRouting,
        id: "body-refused-before-routing",
        verdict: Verdict::Unverified,
        proof: Proof::None,
        summary: "A request's body (a valid one: a top-level JSON string, say) was refused exactly as a malformed JSON body to a path that cannot exist is: a parser in front of the router refused it (Express's strict JSON parser takes only objects and arrays), so the answer says nothing about the route, and neither the same request without its body nor OPTIONS showed it.",
        hint: "Give the operation an example body the server's parser accepts (an object), or let the route answer OPTIONS.",
    },
    RuleInfo {
        rule: Rule::InvalidPathUnrouted,
        id: "invalid-path-unrouted",
        verdict: Verdict::Unverified,
        proof: Proof::None,
        summary: "Safe mode's path value, one the parameter's schema forbids, got the no-route 404: a router with typed path parameters (Flask, Django, Spring) matches no route for it, so the 404 says nothing, and OPTIONS on the path with valid values did not settle it either.",
        hint: "Run --mode live against a staging deployment, or give the path parameter an example and a route that answers OPTIONS.",
    },
    RuleInfo {
        rule: Rule::OptionsAllow,
        id: "options-allow",
        verdict: Verdict::Implemented,
        proof: Proof::Route,
        summary: "The handler could not be reached (safe mode, or a body refused before routing), but OPTIONS on the operation's path lists the method in Allow (and unknown paths get no such Allow): the route is deployed; the handler was not reached.",
        hint: "Run --mode live against a staging deployment to reach the handler.",
    },
    RuleInfo {
        rule: Rule::OptionsLacksMethod,
        id: "options-lacks-method",
        verdict: Verdict::MissingMethod,
        proof: Proof::None,
        summary: "OPTIONS on the operation's path answered 2xx with an Allow header that lists other methods but not the declared one: the path is routed, the method is not (Express answers a missing method with its no-route 404, so this is how it shows).",
        hint: "Register the handler for this method on the route (Allow lists what is served), or fix the contract.",
    },
    RuleInfo {
        rule: Rule::OptionsNoRoute,
        id: "options-no-route",
        verdict: Verdict::MissingRoute,
        proof: Proof::None,
        summary: "OPTIONS on the operation's path got the target's no-route response, while OPTIONS on a route this run proved deployed lists its methods: no route serves the path.",
        hint: "Deploy the route, or check the base path (--target URL path, --base-path, servers[0].url).",
    },
    RuleInfo {
        rule: Rule::Handler4xx,
        id: "handler-4xx",
        verdict: Verdict::Implemented,
        proof: Proof::Handler,
        summary: "The operation answered a 4xx (400, 409, 415, 422, ...) that a routed handler or its validation gives.",
        hint: "Nothing to fix for the route; improve the contract's examples to get a 2xx.",
    },
    RuleInfo {
        rule: Rule::UnexpectedStatus,
        id: "unexpected-status",
        verdict: Verdict::Unverified,
        proof: Proof::None,
        summary: "The status is outside what rollcall can judge (1xx, or above 599).",
        hint: "Check the target with the curl command in the report.",
    },
    RuleInfo {
        rule: Rule::RepeatsDisagree,
        id: "repeats-disagree",
        verdict: Verdict::Inconsistent,
        proof: Proof::None,
        summary: "The same probe, sent several times (--repeat), got different verdicts: some requests reached a build or instance that serves the operation and some did not.",
        hint: "Find the instances still running the old build (--each-address probes each address on its own) and finish or roll back the rollout.",
    },
];

const _: () = {
    let mut index = 0;
    while index < REGISTRY.len() {
        assert!(REGISTRY[index].rule as usize == index);
        assert!(Rule::ALL[index] as usize == index);
        index += 1;
    }
};

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Why a text is not a rule's id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a rule id (docs/verdicts.md lists them, e.g. no-route-404)")]
pub struct UnknownRule(pub String);

impl FromStr for Rule {
    type Err = UnknownRule;

    fn from_str(id: &str) -> Result<Rule, UnknownRule> {
        Rule::from_id(id.trim()).ok_or_else(|| UnknownRule(id.trim().to_string()))
    }
}

impl PartialEq<&str> for Rule {
    fn eq(&self, id: &&str) -> bool {
        self.id() == *id
    }
}

/// The rule a report names for a result: one of this build's [`Rule`]s, or
/// an id it does not know (a report that another version of rollcall
/// wrote, read back by `rollcall merge`). Written as the id either way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RuleId {
    Known(Rule),
    Unknown(String),
}

impl RuleId {
    /// The id as reports write it.
    pub fn as_str(&self) -> &str {
        match self {
            RuleId::Known(rule) => rule.id(),
            RuleId::Unknown(id) => id,
        }
    }

    /// The rule, when this build knows it.
    pub fn rule(&self) -> Option<Rule> {
        match self {
            RuleId::Known(rule) => Some(*rule),
            RuleId::Unknown(_) => None,
        }
    }

    /// What to do about a result this rule decided ([`Rule::hint`]), when
    /// this build knows the rule.
    pub fn hint(&self) -> Option<&'static str> {
        self.rule().map(Rule::hint)
    }
}

impl From<Rule> for RuleId {
    fn from(rule: Rule) -> RuleId {
        RuleId::Known(rule)
    }
}

impl From<&str> for RuleId {
    fn from(id: &str) -> RuleId {
        match Rule::from_id(id) {
            Some(rule) => RuleId::Known(rule),
            None => RuleId::Unknown(id.to_string()),
        }
    }
}

impl From<String> for RuleId {
    fn from(id: String) -> RuleId {
        match Rule::from_id(&id) {
            Some(rule) => RuleId::Known(rule),
            None => RuleId::Unknown(id),
        }
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, id: &&str) -> bool {
        self.as_str() == *id
    }
}

impl PartialEq<Rule> for RuleId {
    fn eq(&self, rule: &Rule) -> bool {
        self.rule() == Some(*rule)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RuleId, D::Error> {
        String::deserialize(deserializer).map(RuleId::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_rule_once_in_declaration_order() {
        for (index, rule) in Rule::ALL.into_iter().enumerate() {
            assert_eq!(rule as usize, index, "{rule} is out of place in Rule::ALL");
        }
        assert_eq!(
            Rule::ALL.len(),
            Rule::RepeatsDisagree as usize + 1,
            "Rule::ALL ends before the last rule"
        );
    }

    #[test]
    fn rule_ids_are_unique_and_kebab_case() {
        for (i, r) in Rule::ALL.iter().enumerate() {
            assert!(
                r.id()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                r.id()
            );
            assert!(
                Rule::ALL[i + 1..].iter().all(|other| other.id() != r.id()),
                "{} is registered twice",
                r.id()
            );
            assert_eq!(Rule::from_id(r.id()), Some(*r));
        }
    }

    #[test]
    fn every_rule_has_summary_and_hint() {
        for r in Rule::ALL {
            assert!(!r.summary().is_empty() && !r.hint().is_empty(), "{r}");
        }
    }

    #[test]
    fn only_implemented_rules_prove_anything_and_every_one_of_them_does() {
        for r in Rule::ALL {
            assert_eq!(
                r.verdict() == Verdict::Implemented,
                r.proof() != Proof::None,
                "{}: verdict {} with proof {}",
                r.id(),
                r.verdict(),
                r.proof().as_str()
            );
        }
    }

    #[test]
    fn a_report_keeps_a_rule_id_it_does_not_know() {
        let known: RuleId = serde_json::from_str("\"no-route-404\"").unwrap();
        assert_eq!(known, RuleId::Known(Rule::NoRoute404));
        let other: RuleId = serde_json::from_str("\"a-rule-from-a-later-version\"").unwrap();
        assert_eq!(other.rule(), None);
        assert_eq!(
            serde_json::to_string(&other).unwrap(),
            "\"a-rule-from-a-later-version\""
        );
    }

    /// The table under `## Rules` in docs/verdicts.md, as the registry makes it.
    fn docs_table() -> String {
        let mut table = String::from(
            "| Rule | Verdict | Proves | Summary | Fix hint |\n| --- | --- | --- | --- | --- |\n",
        );
        for rule in Rule::ALL {
            let proves = match rule.proof() {
                Proof::None => "—",
                proof => proof.as_str(),
            };
            table.push_str(&format!(
                "| `{}` | `{}` | {proves} | {} | {} |\n",
                rule.id(),
                rule.verdict(),
                rule.summary(),
                rule.hint()
            ));
        }
        table
    }

    /// docs/verdicts.md's rule table is generated from the registry; after a
    /// change to a rule, `ROLLCALL_UPDATE_DOCS=1 cargo test --lib
    /// verdict::rules` writes it again.
    #[test]
    fn docs_rule_table_is_generated_from_the_registry() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/verdicts.md");
        let docs = std::fs::read_to_string(path).expect("docs/verdicts.md");
        let start = docs
            .find("| Rule | Verdict | Proves |")
            .expect("docs/verdicts.md has a rule table under ## Rules");
        let end = docs[start..]
            .find("\n\n")
            .map_or(docs.len(), |at| start + at + 1);
        let table = docs_table();
        if docs[start..end] == table {
            return;
        }
        if std::env::var_os("ROLLCALL_UPDATE_DOCS").is_some() {
            let updated = format!("{}{table}{}", &docs[..start], &docs[end..]);
            std::fs::write(path, updated).expect("write docs/verdicts.md");
            return;
        }
        panic!(
            "docs/verdicts.md's rule table is stale; regenerate it with\n\n    \
             ROLLCALL_UPDATE_DOCS=1 cargo test --lib verdict::rules\n"
        );
    }

    #[test]
    fn docs_describe_every_verdict() {
        let docs = include_str!("../../docs/verdicts.md");
        for verdict in Verdict::ALL {
            assert!(
                docs.contains(&format!("### `{verdict}`")),
                "docs/verdicts.md has no section for `{verdict}`"
            );
        }
    }
}
