//! Auth judging: what a 401 or 403 proves, with or without credentials
//! given, in front of which routes (a gate before routing proves nothing; a
//! route that routes before its credentials check is deployed).
//!
//! ```text
//! 401 WWW-Authenticate: Bearer, no credentials      → auth_required (auth-401)
//! 401, unknown paths get the no-route 404           → implemented (auth-after-routing)
//! 403 although credentials were given               → auth_required (credentials-rejected)
//! ```

use crate::probe::NoRouteSample;

use super::{Decision, FollowUpKind, Judge, ProbeLine, Rule, finding, s3, status_text};

pub(super) fn judge(
    judge: &Judge<'_, '_>,
    probe: &ProbeLine<'_>,
    answered: String,
    status: u16,
    s3_code: Option<&str>,
    no_route: Option<&NoRouteSample>,
    follow: bool,
) -> Decision {
    let context = judge.context;
    let gate = match no_route.map(|sample| sample.prefix.as_str()) {
        Some("") | None => {
            "; unknown paths get the same answer, so it comes from a gate in front of every route"
                .to_string()
        }
        Some(prefix) => format!(
            "; unknown paths under {prefix} get the same answer, so it comes from a gate in front of every route there"
        ),
    };
    if context.credentials_given {
        // S3 refuses a bad signature or key with 403 and says so.
        let refused =
            s3_code.is_some_and(|code| code != "AccessDenied" && s3::is_credentials_code(code));
        let problem = if status == 401 || refused {
            "they were rejected"
        } else {
            "they do not grant this operation"
        };
        let mut evidence = format!(
            "{answered} although credentials were given: {problem} (a credentials problem, not a missing route)"
        );
        if no_route.is_some() {
            evidence.push_str(&gate);
        }
        return finding(Rule::CredentialsRejected, evidence).into();
    }
    let rule = if status == 401 {
        Rule::Auth401
    } else {
        Rule::Auth403
    };
    let schemes = declared_schemes(context.operation);
    let signed = context.probe.declared.aws_signed;
    let needs = if schemes.is_empty() {
        format!("{answered}: the operation needs credentials; pass them with --auth or -H")
    } else if signed {
        format!(
            "{answered}: the operation needs requests signed with AWS Signature Version 4 ({}); sign them with --aws-sigv4 aws:amz:REGION:SERVICE and --user ACCESS_KEY:SECRET_KEY",
            schemes.join(" or ")
        )
    } else {
        format!(
            "{answered}: the operation needs credentials ({}); pass them with --auth",
            schemes.join(" or ")
        )
    };
    if no_route.is_some() {
        return finding(rule, format!("{needs}{gate}")).into();
    }
    let discovery = judge.discovery();
    let Some(sample) = discovery
        .sample_for(probe.path_and_query)
        .filter(|_| discovery.routes_before_auth(probe.path_and_query) == Some(true))
    else {
        return finding(rule, needs).into();
    };
    let routed = |below: &str| {
        finding(
            Rule::AuthAfterRouting,
            format!(
                "route deployed: {answered}, while paths that cannot exist{below} get the no-route response ({}): routing runs before the credentials check, so the route exists; the handler was not reached; pass credentials with --auth to reach it",
                sample.describe()
            ),
        )
    };
    let below = match judge.follow_up(FollowUpKind::Below) {
        Some(below) => below,
        None if follow => {
            return Decision {
                finding: routed(""),
                want: Some(FollowUpKind::Below),
            };
        }
        None => return routed("").into(),
    };
    let below_path = ProbeLine::of(&below.request, None).path().to_string();
    match &below.exchange.outcome {
        Ok(response)
            if matches!(response.status, 404 | 410)
                && discovery
                    .matching_no_route(&below.request.path_and_query, response)
                    .is_some() =>
        {
            routed(&format!(", even {below_path} just below it,"))
        }
        Ok(response) if matches!(response.status, 401 | 403) => finding(
            rule,
            format!(
                "{needs}; {below_path}, a path below it that cannot exist, gets {} too: a gate guards this part of the API, so the route is not proven",
                response.status
            ),
        ),
        Ok(response) => finding(
            rule,
            format!(
                "{needs}; {below_path}, a path below it that cannot exist, answered {}, so whether routing runs before the credentials check here is not known",
                status_text(response.status)
            ),
        ),
        Err(error) => finding(
            rule,
            format!("{needs}; {below_path}, a path below it, got no response ({error})"),
        ),
    }
    .into()
}

fn declared_schemes(operation: &crate::contract::Operation) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for name in operation
        .security
        .iter()
        .flat_map(|alternative| alternative.iter().map(|(name, _)| name.as_str()))
    {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}
