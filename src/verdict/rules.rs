//! The registry of verdict rules: each decision rollcall makes has a stable id,
//! the verdict it gives, a one-line explanation and a fix hint. Reports cite
//! the id; `docs/verdicts.md` lists them all (a test keeps the two in sync).
//!
//! ```text
//! handler-501   not_implemented   The handler answered 501 Not Implemented.
//! ```
//!
//! Each rule also says how far it proves the operation deployed ([`Proof`]):
//! the handler itself, only the route in front of it, or nothing. Reports
//! count the operations proven at the route level only.

use super::Verdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub verdict: Verdict,
    pub summary: &'static str,
    pub hint: &'static str,
    /// What an `implemented` verdict by this rule proves; `Proof::None` for
    /// every other verdict.
    pub proof: Proof,
}

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

pub const SAFE_MODE_NO_HARMLESS_PROBE: &str = "safe-mode-no-harmless-probe";
pub const NOT_PROBED: &str = "not-probed";
pub const EXCLUDED_BY_FILTER: &str = "excluded-by-filter";
pub const SKIPPED_BY_CONTRACT: &str = "skipped-by-contract";
pub const TRANSPORT_FAILED: &str = "transport-failed";
pub const HANDLER_501: &str = "handler-501";
pub const S3_NOT_IMPLEMENTED: &str = "s3-not-implemented";
pub const METHOD_405: &str = "method-405";
pub const METHOD_REFUSED: &str = "method-refused";
pub const NO_ROUTE_404: &str = "no-route-404";
pub const HANDLER_404: &str = "handler-404";
pub const SENTINEL_404: &str = "sentinel-404";
pub const S3_RESOURCE_MISSING: &str = "s3-resource-missing";
pub const S3_SUBRESOURCE_MISSING: &str = "s3-subresource-missing";
pub const ALLOWED_404: &str = "allowed-404";
pub const ROUTED_404: &str = "routed-404";
pub const UNROUTED_404: &str = "unrouted-404";
pub const UNROUTED_METHOD_404: &str = "unrouted-method-404";
pub const NO_ROUTE_UNKNOWN: &str = "no-route-unknown";
pub const SERVER_5XX: &str = "server-5xx";
pub const AUTH_401: &str = "auth-401";
pub const AUTH_403: &str = "auth-403";
pub const CREDENTIALS_REJECTED: &str = "credentials-rejected";
pub const AUTH_AFTER_ROUTING: &str = "auth-after-routing";
pub const RATE_LIMITED: &str = "rate-limited";
pub const LENGTH_REQUIRED: &str = "length-required";
pub const CATCH_ALL_2XX: &str = "catch-all-2xx";
pub const STUB_2XX: &str = "stub-2xx";
pub const INVALID_ACCEPTED: &str = "invalid-accepted";
pub const SERVED_2XX: &str = "served-2xx";
pub const CATCH_ALL_3XX: &str = "catch-all-3xx";
pub const REDIRECT_3XX: &str = "redirect-3xx";
pub const VALIDATION_REJECTED: &str = "validation-rejected";
pub const REJECTED_BEFORE_ROUTING: &str = "rejected-before-routing";
pub const BODY_REFUSED_BEFORE_ROUTING: &str = "body-refused-before-routing";
pub const INVALID_PATH_UNROUTED: &str = "invalid-path-unrouted";
pub const OPTIONS_ALLOW: &str = "options-allow";
pub const OPTIONS_LACKS_METHOD: &str = "options-lacks-method";
pub const OPTIONS_NO_ROUTE: &str = "options-no-route";
pub const HANDLER_4XX: &str = "handler-4xx";
pub const UNEXPECTED_STATUS: &str = "unexpected-status";
pub const REPEATS_DISAGREE: &str = "repeats-disagree";

/// Every rule, in the order the docs list them.
pub const RULES: &[Rule] = &[
    Rule {
        id: SAFE_MODE_NO_HARMLESS_PROBE,
        verdict: Verdict::Unverified,
        summary: "Safe mode found no request that a correct handler would reject before acting, so nothing was sent.",
        proof: Proof::None,
        hint: "Run with --mode live against a staging or preview deployment, or add an example the planner can break harmlessly.",
    },
    Rule {
        id: NOT_PROBED,
        verdict: Verdict::Unverified,
        summary: "A request was planned but none was sent, so there is no answer to judge.",
        proof: Proof::None,
        hint: "Rerun; if it persists, report it as a rollcall bug with the operation named.",
    },
    Rule {
        id: EXCLUDED_BY_FILTER,
        verdict: Verdict::Skipped,
        summary: "The operation was left out by --include/--exclude and not probed.",
        proof: Proof::None,
        hint: "Widen the filter to check it.",
    },
    Rule {
        id: SKIPPED_BY_CONTRACT,
        verdict: Verdict::Skipped,
        summary: "The contract marks the operation `x-rollcall-skip: <reason>`, so it was not probed.",
        proof: Proof::None,
        hint: "Remove x-rollcall-skip once the operation can be probed here.",
    },
    Rule {
        id: TRANSPORT_FAILED,
        verdict: Verdict::Unreachable,
        summary: "No HTTP answer came back: the connection, the TLS handshake or the timeout failed.",
        proof: Proof::None,
        hint: "Check the target URL, DNS, firewall and certificates; raise --timeout if the service is slow.",
    },
    Rule {
        id: HANDLER_501,
        verdict: Verdict::NotImplemented,
        summary: "The operation answered 501 Not Implemented: it is declared and routed but has no implementation.",
        proof: Proof::None,
        hint: "Implement the handler, or remove the operation from the contract until it ships.",
    },
    Rule {
        id: S3_NOT_IMPLEMENTED,
        verdict: Verdict::NotImplemented,
        summary: "The object store answered 501 with S3's error code NotImplemented: it understands the request and says it does not implement the operation (MinIO, Ceph RGW and other S3-compatible stores answer so for what they leave out).",
        proof: Proof::None,
        hint: "Use a store (or a version) that implements the operation, or leave it out of the contract you check against (rollcall.toml: expect = \"not_implemented\", or a known gap).",
    },
    Rule {
        id: METHOD_405,
        verdict: Verdict::MissingMethod,
        summary: "The path exists but answered 405 Method Not Allowed for the declared method.",
        proof: Proof::None,
        hint: "Register the handler for this method on the route (the Allow header lists what is served), or fix the contract.",
    },
    Rule {
        id: METHOD_REFUSED,
        verdict: Verdict::NotImplemented,
        summary: "The operation answered 501 or 405 exactly as a path that cannot exist does for the same method: the method is refused on every path, by the server or a proxy in front of it, before any route is looked up.",
        proof: Proof::None,
        hint: "Let the method through the proxy or gateway (nginx, API gateway, load balancer) or enable it in the server; the handler itself was never reached.",
    },
    Rule {
        id: NO_ROUTE_404,
        verdict: Verdict::MissingRoute,
        summary: "The 404 is identical to the target's answer for a path that cannot exist, and no follow-up (OPTIONS on the same path, a second parameter value) showed the route: no route serves the operation.",
        proof: Proof::None,
        hint: "Deploy the route, or check the base path (--target URL path, --base-path, servers[0].url). A handler that answers a missing resource with the framework's bare 404 looks the same: give it a distinct body.",
    },
    Rule {
        id: HANDLER_404,
        verdict: Verdict::Implemented,
        summary: "The 404 differs from the target's no-route answer: a handler ran and reported the resource missing.",
        proof: Proof::Handler,
        hint: "Nothing to fix; add an example id that exists to see a 2xx.",
    },
    Rule {
        id: SENTINEL_404,
        verdict: Verdict::Implemented,
        summary: "The handler answered 404 for a sentinel id that cannot exist, and the answer differs from the no-route response.",
        proof: Proof::Handler,
        hint: "Nothing to fix: this is how safe mode proves a handler without touching data.",
    },
    Rule {
        id: S3_RESOURCE_MISSING,
        verdict: Verdict::Implemented,
        summary: "The object store answered with S3's error code for a bucket or object that does not exist (NoSuchBucket, NoSuchKey, NoSuchVersion) or a bucket name none can have (InvalidBucketName): it parsed the request and looked the resource up, which it does before the operation's handler runs; a store that lacks the operation answers NotImplemented instead. On an object store every path names a bucket, so no answer is a no-route answer.",
        proof: Proof::Route,
        hint: "Nothing to fix; name a bucket (and key) that exists in rollcall.toml's parameters to reach the handler itself.",
    },
    Rule {
        id: S3_SUBRESOURCE_MISSING,
        verdict: Verdict::Implemented,
        summary: "The object store answered with the S3 error code the operation's own handler gives for a part of a bucket or object that is not set (NoSuchTagSet, NoSuchLifecycleConfiguration, NoSuchUpload, ...NotFoundError): the handler ran.",
        proof: Proof::Handler,
        hint: "Nothing to fix.",
    },
    Rule {
        id: ALLOWED_404,
        verdict: Verdict::Implemented,
        summary: "The 404 matches the target's no-route answer, but OPTIONS on the same path lists the method in Allow: the route exists, so the handler answered 404 for a resource that does not exist.",
        proof: Proof::Handler,
        hint: "Nothing to fix; give the handler's 404 a body of its own (or add an example id that exists) so a single request tells it from a missing route.",
    },
    Rule {
        id: ROUTED_404,
        verdict: Verdict::Implemented,
        summary: "The 404 matches the target's no-route answer, but OPTIONS on the same path answered 405 while a path that cannot exist gets 404 for it: a route matches the path, and this router answers a method it does not route with 405, so the method was routed and its handler answered 404 for a resource that does not exist (Starlette, Connexion, aiohttp, Go's ServeMux).",
        proof: Proof::Handler,
        hint: "Nothing to fix; give the handler's 404 a body of its own (or add an example id that exists) so a single request tells it from a missing route.",
    },
    Rule {
        id: UNROUTED_404,
        verdict: Verdict::MissingRoute,
        summary: "The operation's own method did not reach the router (safe mode sent it nothing, or a parser refused its body first), but OPTIONS on its path got the no-route response, while OPTIONS on a route this run proved deployed answers 405: this router answers a method it does not route on a routed path with 405, so no route serves the path.",
        proof: Proof::None,
        hint: "Deploy the route, or check the base path (--target URL path, servers[0].url).",
    },
    Rule {
        id: UNROUTED_METHOD_404,
        verdict: Verdict::MissingMethod,
        summary: "The 404 matches the target's no-route answer, and so does OPTIONS on the same path, but another method of this run got a 2xx from a handler on that very path (same template), and OPTIONS on a route this run proved deployed gets the no-route response too: this target answers a method a routed path does not serve with its no-route 404 (Fastify, Rails), so the path is served and the method is not.",
        proof: Proof::None,
        hint: "Register the handler for this method on the route, or fix the contract.",
    },
    Rule {
        id: NO_ROUTE_UNKNOWN,
        verdict: Verdict::Unverified,
        summary: "The operation answered 404, but discovery learned no 404 for unknown paths to compare it with, and OPTIONS on the same path did not show the route either.",
        proof: Proof::None,
        hint: "Make discovery reach the target the way the probes do (same credentials and headers) and rerun.",
    },
    Rule {
        id: SERVER_5XX,
        verdict: Verdict::ServerError,
        summary: "The operation answered with a 5xx other than 501: it is routed but failed.",
        proof: Proof::None,
        hint: "Read the server logs for this request; 502/503/504 point at the gateway or an upstream that is down.",
    },
    Rule {
        id: AUTH_401,
        verdict: Verdict::AuthRequired,
        summary: "The operation answered 401 Unauthorized: authentication stood before the handler.",
        proof: Proof::None,
        hint: "Pass credentials with --auth SCHEME=VALUE; if you did, they were rejected: check the value and the scheme.",
    },
    Rule {
        id: AUTH_403,
        verdict: Verdict::AuthRequired,
        summary: "The operation answered 403 Forbidden: authorization stood before the handler.",
        proof: Proof::None,
        hint: "Use credentials whose role or scopes allow this operation.",
    },
    Rule {
        id: CREDENTIALS_REJECTED,
        verdict: Verdict::AuthRequired,
        summary: "Credentials were given, yet the operation answered 401 or 403: they were rejected or do not grant this operation. A credentials problem, not a missing route.",
        proof: Proof::None,
        hint: "Check the --auth value, the security scheme it is given for, and the role or scopes of the account.",
    },
    Rule {
        id: AUTH_AFTER_ROUTING,
        verdict: Verdict::Implemented,
        summary: "The operation answered 401 or 403, while paths that cannot exist (even one just below it) get the no-route 404: routing runs before the credentials check, so the route is deployed; the handler was not reached.",
        proof: Proof::Route,
        hint: "Pass credentials with --auth SCHEME=VALUE to reach the handler.",
    },
    Rule {
        id: RATE_LIMITED,
        verdict: Verdict::Unverified,
        summary: "The operation answered 429 Too Many Requests before the handler could be judged.",
        proof: Proof::None,
        hint: "Lower --concurrency or rerun later; a Retry-After header says how long to wait.",
    },
    Rule {
        id: LENGTH_REQUIRED,
        verdict: Verdict::Unverified,
        summary: "The operation answered 411 Length Required: the server or a proxy refused the request for how its body was framed, before any handler ran, so it proves nothing.",
        proof: Proof::None,
        hint: "Rerun; rollcall sends Content-Length: 0 with a bodiless PUT, POST or PATCH, so a 411 points at a proxy that wants a length on other methods too.",
    },
    Rule {
        id: CATCH_ALL_2XX,
        verdict: Verdict::MissingRoute,
        summary: "The 2xx is identical to the target's answer for a path that cannot exist: a catch-all (such as a single-page app's index.html) answered, not a handler.",
        proof: Proof::None,
        hint: "Route the operation to the API service before the catch-all, or check the base path.",
    },
    Rule {
        id: STUB_2XX,
        verdict: Verdict::Stub,
        summary: "The operation answered 2xx with a small body that is only a message saying it is not implemented (\"not implemented\", \"coming soon\", \"TODO\", \"stub\"); a list, a record's data fields and values the response schema declares are data.",
        proof: Proof::None,
        hint: "Replace the placeholder with the real handler, or answer 501 until it ships.",
    },
    Rule {
        id: INVALID_ACCEPTED,
        verdict: Verdict::AcceptsInvalid,
        summary: "A safe-mode request that breaks something the contract makes mandatory (a malformed JSON body, a required body left out, a value its schema forbids), or an object store's write to a bucket no store may have, was accepted with a 2xx: the handler does not validate its input, and the request may have changed state.",
        proof: Proof::None,
        hint: "Check the service's data for a change made by the request shown; validate request bodies and parameters before acting.",
    },
    Rule {
        id: SERVED_2XX,
        verdict: Verdict::Implemented,
        summary: "The operation answered 2xx.",
        proof: Proof::Handler,
        hint: "Nothing to fix.",
    },
    Rule {
        id: CATCH_ALL_3XX,
        verdict: Verdict::Unverified,
        summary: "The redirect is identical to the target's answer for a path that cannot exist (a login redirect, say), so it proves nothing about the operation.",
        proof: Proof::None,
        hint: "Pass credentials so the probe gets past the redirect.",
    },
    Rule {
        id: REDIRECT_3XX,
        verdict: Verdict::Implemented,
        summary: "The operation answered with a redirect that unknown paths do not get; redirects are never followed.",
        proof: Proof::Route,
        hint: "If the Location is a canonical form (a trailing slash, another host), point the contract or --target at it.",
    },
    Rule {
        id: VALIDATION_REJECTED,
        verdict: Verdict::Implemented,
        summary: "The deliberately invalid safe-mode request was rejected with a 4xx: the route is deployed; the handler itself was not reached.",
        proof: Proof::Route,
        hint: "Run --mode live against a staging deployment to reach the handler.",
    },
    Rule {
        id: REJECTED_BEFORE_ROUTING,
        verdict: Verdict::Unverified,
        summary: "Safe mode's malformed body was rejected with the same status that unknown paths give such a body: it was refused before routing, so the route is not proven, and neither a next harmless request (none was left, or none got an answer) nor OPTIONS showed it.",
        proof: Proof::None,
        hint: "Run --mode live against a staging deployment, where a valid request reaches the router.",
    },
    Rule {
        id: BODY_REFUSED_BEFORE_ROUTING,
        verdict: Verdict::Unverified,
        summary: "A request's body (a valid one: a top-level JSON string, say) was refused exactly as a malformed JSON body to a path that cannot exist is: a parser in front of the router refused it (Express's strict JSON parser takes only objects and arrays), so the answer says nothing about the route, and neither the same request without its body nor OPTIONS showed it.",
        proof: Proof::None,
        hint: "Give the operation an example body the server's parser accepts (an object), or let the route answer OPTIONS.",
    },
    Rule {
        id: INVALID_PATH_UNROUTED,
        verdict: Verdict::Unverified,
        summary: "Safe mode's path value, one the parameter's schema forbids, got the no-route 404: a router with typed path parameters (Flask, Django, Spring) matches no route for it, so the 404 says nothing, and OPTIONS on the path with valid values did not settle it either.",
        proof: Proof::None,
        hint: "Run --mode live against a staging deployment, or give the path parameter an example and a route that answers OPTIONS.",
    },
    Rule {
        id: OPTIONS_ALLOW,
        verdict: Verdict::Implemented,
        summary: "The handler could not be reached (safe mode, or a body refused before routing), but OPTIONS on the operation's path lists the method in Allow (and unknown paths get no such Allow): the route is deployed; the handler was not reached.",
        proof: Proof::Route,
        hint: "Run --mode live against a staging deployment to reach the handler.",
    },
    Rule {
        id: OPTIONS_LACKS_METHOD,
        verdict: Verdict::MissingMethod,
        summary: "OPTIONS on the operation's path answered 2xx with an Allow header that lists other methods but not the declared one: the path is routed, the method is not (Express answers a missing method with its no-route 404, so this is how it shows).",
        proof: Proof::None,
        hint: "Register the handler for this method on the route (Allow lists what is served), or fix the contract.",
    },
    Rule {
        id: OPTIONS_NO_ROUTE,
        verdict: Verdict::MissingRoute,
        summary: "OPTIONS on the operation's path got the target's no-route response, while OPTIONS on a route this run proved deployed lists its methods: no route serves the path.",
        proof: Proof::None,
        hint: "Deploy the route, or check the base path (--target URL path, --base-path, servers[0].url).",
    },
    Rule {
        id: HANDLER_4XX,
        verdict: Verdict::Implemented,
        summary: "The operation answered a 4xx (400, 409, 415, 422, ...) that a routed handler or its validation gives.",
        proof: Proof::Handler,
        hint: "Nothing to fix for the route; improve the contract's examples to get a 2xx.",
    },
    Rule {
        id: UNEXPECTED_STATUS,
        verdict: Verdict::Unverified,
        summary: "The status is outside what rollcall can judge (1xx, or above 599).",
        proof: Proof::None,
        hint: "Check the target with the curl command in the report.",
    },
    Rule {
        id: REPEATS_DISAGREE,
        verdict: Verdict::Inconsistent,
        summary: "The same probe, sent several times (--repeat), got different verdicts: some requests reached a build or instance that serves the operation and some did not.",
        proof: Proof::None,
        hint: "Find the instances still running the old build (--each-address probes each address on its own) and finish or roll back the rollout.",
    },
];

/// Looks a rule up by id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_kebab_case() {
        for (i, r) in RULES.iter().enumerate() {
            assert!(
                r.id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                r.id
            );
            assert!(
                RULES[i + 1..].iter().all(|other| other.id != r.id),
                "{} is registered twice",
                r.id
            );
        }
    }

    #[test]
    fn every_rule_has_summary_and_hint() {
        for r in RULES {
            assert!(!r.summary.is_empty() && !r.hint.is_empty(), "{}", r.id);
        }
    }

    #[test]
    fn docs_list_every_rule_and_only_registered_rules() {
        let docs = include_str!("../../docs/verdicts.md");
        for r in RULES {
            assert!(
                docs.contains(&format!("`{}`", r.id)),
                "docs/verdicts.md does not mention rule `{}`",
                r.id
            );
        }
        let table_ids: Vec<&str> = rule_table_rows(docs)
            .map(|cells| cells[0].trim().trim_matches('`'))
            .collect();
        assert_eq!(
            table_ids.len(),
            RULES.len(),
            "rule table rows: {table_ids:?}"
        );
        for id in table_ids {
            let registered = rule(id);
            assert!(
                registered.is_some(),
                "docs/verdicts.md lists unknown rule `{id}`"
            );
        }
    }

    #[test]
    fn docs_rule_table_matches_each_rules_verdict() {
        let docs = include_str!("../../docs/verdicts.md");
        for cells in rule_table_rows(docs) {
            let id = cells[0].trim().trim_matches('`');
            let verdict = cells[1].trim().trim_matches('`');
            let registered = rule(id).map(|r| r.verdict.as_str());
            assert_eq!(
                registered,
                Some(verdict),
                "verdict of `{id}` in docs/verdicts.md"
            );
        }
    }

    #[test]
    fn only_implemented_rules_prove_anything_and_every_one_of_them_does() {
        for r in RULES {
            assert_eq!(
                r.verdict == Verdict::Implemented,
                r.proof != Proof::None,
                "{}: verdict {} with proof {}",
                r.id,
                r.verdict,
                r.proof.as_str()
            );
        }
    }

    #[test]
    fn docs_rule_table_says_what_each_rule_proves() {
        let docs = include_str!("../../docs/verdicts.md");
        for cells in rule_table_rows(docs) {
            let id = cells[0].trim().trim_matches('`');
            let shown = match cells[2].trim() {
                "—" => "none",
                other => other,
            };
            assert_eq!(
                rule(id).map(|r| r.proof.as_str()),
                Some(shown),
                "proof of `{id}` in docs/verdicts.md"
            );
        }
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

    /// The cells of each row of the table under `## Rules` (header and
    /// separator rows skipped).
    fn rule_table_rows(docs: &str) -> impl Iterator<Item = Vec<&str>> {
        let section = docs.split("## Rules").nth(1).unwrap_or("");
        section
            .lines()
            .take_while(|line| !line.starts_with("## "))
            .filter(|line| line.starts_with('|'))
            .skip(2)
            .map(|line| line.trim_matches('|').split('|').collect::<Vec<_>>())
    }
}
