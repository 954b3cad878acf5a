//! Credentials: `--auth SCHEME=VALUE` checked against the contract's
//! security schemes, then applied to each operation the way its first
//! satisfiable security alternative says.
//!
//! ```text
//! bearerAuth (http bearer)         --auth bearerAuth=t0k   → Authorization: Bearer t0k
//! basicAuth  (http basic)          --auth basicAuth=u:p    → Authorization: Basic dTpw
//! digest     (http, other scheme)  --auth digest=abc       → Authorization: Digest abc
//! apiKey in header X-API-Key       --auth key=k            → X-API-Key: k
//! apiKey in query api_key                                  → ?api_key=k
//! apiKey in cookie sid                                     → Cookie: sid=k
//! oauth2 / openIdConnect           --auth oauth=t0k        → Authorization: Bearer t0k
//! ```
//!
//! An alternative is satisfiable when every scheme it names has a
//! credential. Alternatives that need credentials are preferred to the
//! empty one (`security: [{}, {bearerAuth: []}]` sends the bearer token);
//! an operation with no satisfiable alternative is sent without credentials.
//! Error messages name the scheme, never the value.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value};

use super::serialize::{encode_component, safe_header_text};
use super::{Credential, PlanError, PlanOptions};
use crate::contract::{Contract, Operation, ParamLocation, SecurityScheme};
use crate::redact::{ApiKeyNames, GivenCredential, Redactor, RunSecrets};

/// The credentials of one run, each checked against its scheme.
#[derive(Clone, Default)]
pub struct Credentials<'c> {
    /// Scheme name, scheme, value; one entry per scheme (the last given wins).
    entries: Vec<(&'c str, &'c SecurityScheme, String)>,
}

impl std::fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.entries.iter().map(|(name, _, _)| *name).collect();
        write!(f, "Credentials({names:?})")
    }
}

/// What credentials add to one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub headers: Vec<(String, String)>,
    /// Encoded `name=value` query pairs.
    pub query: Vec<String>,
    /// Encoded `name=value` cookie pairs.
    pub cookies: Vec<String>,
}

impl<'c> Credentials<'c> {
    /// Checks every credential against the contract's security schemes.
    pub fn resolve(
        contract: &'c Contract,
        given: &[Credential],
    ) -> Result<Credentials<'c>, PlanError> {
        let mut entries: Vec<(&'c str, &'c SecurityScheme, String)> = Vec::new();
        for credential in given {
            let Some((name, scheme)) = contract
                .security_schemes
                .iter()
                .find(|(name, _)| *name == credential.scheme)
            else {
                let declared: Vec<&str> = contract
                    .security_schemes
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect();
                return Err(PlanError::UnknownAuthScheme {
                    scheme: credential.scheme.clone(),
                    declared: if declared.is_empty() {
                        "none".to_string()
                    } else {
                        declared.join(", ")
                    },
                });
            };
            if let Some(kind) = aws_signature(contract, name) {
                return Err(PlanError::BadCredential {
                    scheme: name.clone(),
                    message: format!(
                        "'{name}' is AWS Signature Version 4 (x-amazon-apigateway-authtype: {kind}), which no fixed value satisfies: sign the requests with --aws-sigv4 aws:amz:REGION:SERVICE and --user KEY:SECRET (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
                    ),
                });
            }
            check(name, scheme, &credential.value)?;
            entries.retain(|(existing, _, _)| existing != name);
            entries.push((name.as_str(), scheme, credential.value.clone()));
        }
        Ok(Credentials { entries })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn value_for(&self, scheme_name: &str) -> Option<(&'c SecurityScheme, &str)> {
        self.entries
            .iter()
            .find(|(name, _, _)| *name == scheme_name)
            .map(|(_, scheme, value)| (*scheme, value.as_str()))
    }

    /// The credentials for `operation`: those of its first satisfiable
    /// alternative that needs any (see the module comment).
    pub fn for_operation(&self, operation: &Operation) -> Applied {
        let mut applied = Applied::default();
        let satisfiable = |alternative: &&Vec<(String, Vec<String>)>| {
            !alternative.is_empty()
                && alternative
                    .iter()
                    .all(|(name, _)| self.value_for(name).is_some())
        };
        let Some(alternative) = operation.security.iter().find(satisfiable) else {
            return applied;
        };
        for (name, _scopes) in alternative {
            if let Some((scheme, value)) = self.value_for(name) {
                apply(scheme, value, &mut applied);
            }
        }
        applied
    }
}

/// The `x-amazon-apigateway-authtype` of the security scheme `name` when it
/// stands for AWS Signature Version 4 (`awsSigv4`, or `awsS3` in AWS's S3
/// contract): a signature over each request, not a value to send.
pub fn aws_signature<'c>(contract: &'c Contract, name: &str) -> Option<&'c str> {
    let document = contract.document.as_ref();
    let scheme = document
        .pointer("/components/securitySchemes")
        .or_else(|| document.get("securityDefinitions"))?
        .get(name)?;
    let kind = scheme.get("x-amazon-apigateway-authtype")?.as_str()?;
    ["awsSigv4", "awsS3"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(kind))
        .then_some(kind)
}

/// The redactor for a run planned with `options` on `contract` (`None`: no
/// contract read yet): the credentials (basic ones as the contract declares
/// them, or as their scheme's name says), the headers, the API-key names
/// the contract's schemes declare, `secret_headers` and the secrets of `urls`.
pub fn redactor(
    contract: Option<&Contract>,
    options: &PlanOptions,
    urls: &[&str],
    secret_headers: &[String],
) -> Redactor {
    let mut api_keys = ApiKeyNames::default();
    for (_, scheme) in contract.iter().flat_map(|c| &c.security_schemes) {
        if let SecurityScheme::ApiKey { name, location } = scheme {
            match location {
                ParamLocation::Header => api_keys.headers.push(name.clone()),
                ParamLocation::Cookie => api_keys.cookies.push(name.clone()),
                ParamLocation::Query => api_keys.query.push(name.clone()),
                ParamLocation::Path => {}
            }
        }
    }
    let credentials = options
        .credentials
        .iter()
        .map(|credential| {
            let basic = match contract.and_then(|c| c.security_scheme(&credential.scheme)) {
                Some(SecurityScheme::Http { scheme }) => scheme.eq_ignore_ascii_case("basic"),
                Some(_) => false,
                None => credential.scheme.to_ascii_lowercase().contains("basic"),
            };
            GivenCredential {
                value: &credential.value,
                basic,
            }
        })
        .collect();
    Redactor::for_run(&RunSecrets {
        credentials,
        headers: &options.headers,
        secret_headers,
        api_keys,
        urls,
    })
}

/// The contract's security scheme objects (OpenAPI 3 and Swagger 2.0 homes).
pub(crate) fn security_schemes(document: &Value) -> impl Iterator<Item = &Map<String, Value>> {
    let schemes = document
        .pointer("/components/securitySchemes")
        .or_else(|| document.get("securityDefinitions"))
        .and_then(Value::as_object);
    schemes
        .into_iter()
        .flat_map(|schemes| schemes.values())
        .filter_map(Value::as_object)
}

/// The AWS Signature Version 4 schemes of `contract` that one of
/// `operations` requires, with their `x-amazon-apigateway-authtype`:
/// `--aws-sigv4` is what satisfies them.
pub fn required_aws_signatures<'c>(
    contract: &'c Contract,
    operations: &[&Operation],
) -> Vec<(&'c str, &'c str)> {
    let mut found: Vec<(&str, &str)> = Vec::new();
    for (name, _) in &contract.security_schemes {
        let Some(kind) = aws_signature(contract, name) else {
            continue;
        };
        let required = operations.iter().any(|op| {
            op.security
                .iter()
                .any(|alternative| alternative.iter().any(|(n, _)| n == name))
        });
        if required {
            found.push((name.as_str(), kind));
        }
    }
    found
}

/// Refuses a credential its scheme cannot take, without echoing it.
fn check(name: &str, scheme: &SecurityScheme, value: &str) -> Result<(), PlanError> {
    let refuse = |message: String| PlanError::BadCredential {
        scheme: name.to_string(),
        message,
    };
    match scheme {
        SecurityScheme::Http { scheme }
            if scheme.eq_ignore_ascii_case("basic") && !value.contains(':') =>
        {
            Err(refuse(format!(
                "'{name}' is HTTP basic authentication, so the value must be USER:PASSWORD (it has no ':')"
            )))
        }
        SecurityScheme::MutualTls => Err(refuse(format!(
            "'{name}' is mutual TLS: it needs a client certificate, which rollcall cannot send"
        ))),
        SecurityScheme::Other { kind } => Err(refuse(format!(
            "'{name}' is of type '{kind}', which rollcall does not know how to apply"
        ))),
        _ => Ok(()),
    }
}

fn apply(scheme: &SecurityScheme, value: &str, applied: &mut Applied) {
    let authorization =
        |credentials: String| ("Authorization".to_string(), safe_header_text(&credentials));
    match scheme {
        SecurityScheme::Http { scheme } if scheme.eq_ignore_ascii_case("basic") => {
            applied
                .headers
                .push(authorization(format!("Basic {}", BASE64.encode(value))));
        }
        SecurityScheme::Http { scheme } if scheme.eq_ignore_ascii_case("bearer") => {
            applied.headers.push(authorization(bearer(value)));
        }
        SecurityScheme::Http { scheme } => {
            applied
                .headers
                .push(authorization(format!("{} {value}", capitalized(scheme))));
        }
        SecurityScheme::OAuth2 | SecurityScheme::OpenIdConnect => {
            applied.headers.push(authorization(bearer(value)));
        }
        SecurityScheme::ApiKey { name, location } => match location {
            ParamLocation::Header => applied
                .headers
                .push((name.clone(), safe_header_text(value))),
            ParamLocation::Query => applied.query.push(format!(
                "{}={}",
                encode_component(name),
                encode_component(value)
            )),
            ParamLocation::Cookie => applied.cookies.push(format!(
                "{}={}",
                encode_component(name),
                encode_component(value)
            )),
            // Not a valid apiKey location; sent as a header so it is not lost.
            ParamLocation::Path => applied
                .headers
                .push((name.clone(), safe_header_text(value))),
        },
        SecurityScheme::MutualTls | SecurityScheme::Other { .. } => {}
    }
}

/// `Bearer <token>`; a value that already starts with `Bearer ` is not
/// prefixed twice.
fn bearer(value: &str) -> String {
    let has_prefix = value
        .get(..7)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("bearer "));
    if has_prefix {
        format!("Bearer {}", value[7..].trim_start())
    } else {
        format!("Bearer {value}")
    }
}

/// `digest` → `Digest` (scheme names are case-insensitive; this reads best).
fn capitalized(scheme: &str) -> String {
    let mut chars = scheme.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
