//! Plan: one concrete request per declared operation, built from the
//! contract's examples and schemas, serialized as the spec says, with the
//! credentials applied the way each security scheme says. In safe mode (the
//! default) an unsafe method only gets a request that a correct handler must
//! reject before acting, or one aimed at an id that cannot exist; where
//! neither exists the operation is left unverifiable. After a malformed
//! body, the next harmless requests are planned too
//! ([`PlannedProbe::fallbacks`]), for when a body parser in front of the
//! router refuses it on every path.
//!
//! ```text
//! GET    /pets/{petId}  → GET /pets/42                     valid
//! POST   /pets          → POST /pets  body {"rollcall":    invalid: malformed JSON body
//!                         then POST /pets (no body)        invalid: required request body omitted
//! DELETE /pets/{petId}  → DELETE /pets/2147481993          sentinel: petId
//! PUT    /notes/{name}  → nothing sent                     unverifiable: no request for ... is both
//!                                                          harmless and rejectable: ...
//! ```
//!
//! Where each part lives: [`filter`] (which operations a run probes:
//! `--include`, `--exclude`, `--shard`, skips; those left out are planned
//! as [`Intent::Excluded`]), [`synth`] (values from examples and schemas),
//! [`violation`] (whether a schema surely rejects a value), [`media`] (which
//! body a media type asks for), [`serialize`] (styles and percent-encoding),
//! [`path`] (the text a path parameter takes in its segment), [`auth`]
//! (credentials and security schemes), [`body`] (bodies of every media
//! type), [`safe`] (what safe mode may send), [`order`] (when a live run
//! sends each probe), [`target`] (the targets as named and their base
//! paths), and here the assembly of a request and the base-URL rule. Each imports only those before it in this list. `rollcall list`
//! shows a plan through [`crate::report::listing`].

pub mod auth;
pub mod body;
pub mod filter;
pub mod followup;
pub mod media;
pub mod order;
pub mod path;
mod pattern;
pub mod safe;
pub mod serialize;
pub mod synth;
pub mod target;
pub mod violation;

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contract::{Contract, Method, Operation, ParamLocation, Parameter, RequestBody};

/// Whether probes may be requests a correct implementation would act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Never send a request that a correct implementation would act on.
    #[default]
    Safe,
    /// Send valid requests for every method (staging and preview environments).
    Live,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Safe => "safe",
            Mode::Live => "live",
        })
    }
}

/// A credential for one of the contract's security schemes (`--auth SCHEME=VALUE`).
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    pub scheme: String,
    pub value: String,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credential({}=***)", self.scheme)
    }
}

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub mode: Mode,
    pub credentials: Vec<Credential>,
    /// Extra headers sent with every request (`-H 'Name: value'`).
    pub headers: Vec<(String, String)>,
    /// Per-operation request values from `rollcall.toml`, keyed by
    /// `METHOD /path` or operationId, or [`EVERY_OPERATION`] (the first
    /// matching entry applies).
    pub overrides: Vec<(String, OperationOverride)>,
    /// Which operations the run probes (`--include`, `--exclude`,
    /// `--exclude-deprecated`, rollcall.toml's skips): the others are
    /// planned as [`Intent::Excluded`]. Other shards' operations are taken
    /// out of the contract before planning ([`filter::keep_shard`]).
    pub selection: filter::Filter,
}

/// The key of request values for every operation (`[parameters]` in
/// `rollcall.toml`), after the entries for one.
pub const EVERY_OPERATION: &str = "*";

/// What `rollcall.toml` sets for one operation's request. Safe mode's own
/// choices (a sentinel id, an invalid value, a malformed body) always win,
/// so an override can never turn a harmless probe into a real write.
#[derive(Clone, Default, PartialEq)]
pub struct OperationOverride {
    /// Parameter values by name (any location); an optional parameter with
    /// a value here is sent too.
    pub parameters: Vec<(String, Value)>,
    /// The valid request body: JSON for JSON media types, a string as is.
    pub body: Option<Value>,
    /// Headers for this operation, after the `-H` extras.
    pub headers: Vec<(String, String)>,
}

impl OperationOverride {
    pub fn is_empty(&self) -> bool {
        self.parameters.is_empty() && self.body.is_none() && self.headers.is_empty()
    }

    fn parameter(&self, name: &str) -> Option<&Value> {
        self.parameters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

// Header values may come from secrets: show names only.
impl fmt::Debug for OperationOverride {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("OperationOverride")
            .field("parameters", &self.parameters)
            .field("body", &self.body)
            .field("headers", &names)
            .finish()
    }
}

/// The request for every operation, index-aligned with `Contract::operations`.
#[derive(Debug, Clone)]
pub struct Plan {
    pub mode: Mode,
    pub probes: Vec<PlannedProbe>,
    /// Headers for requests that belong to no operation (discovery): the `-H`
    /// extras and the header and cookie credentials the probes carry, so that
    /// a gateway treats discovery the way it treats the probes.
    pub discovery_headers: Vec<(String, String)>,
}

impl Plan {
    /// The operations the run probes, in contract order: every one but
    /// those the selection left out ([`Intent::Excluded`]). Discovery, the
    /// sending order and the follow-ups look at these only.
    pub fn selected<'c>(&'c self, contract: &'c Contract) -> Vec<&'c Operation> {
        selected(contract, &self.probes)
    }
}

/// The operations of `probes` the run probes (see [`Plan::selected`]).
pub fn selected<'c>(contract: &'c Contract, probes: &[PlannedProbe]) -> Vec<&'c Operation> {
    probes
        .iter()
        .filter(|probe| !probe.is_excluded())
        .filter_map(|probe| contract.operations.get(probe.operation))
        .collect()
}

#[derive(Debug, Clone)]
pub struct PlannedProbe {
    /// Index into `Contract::operations`.
    pub operation: usize,
    pub intent: Intent,
    /// `None` only when `intent` is [`Intent::Unverifiable`],
    /// [`Intent::Skipped`] or [`Intent::Excluded`].
    pub request: Option<PlannedRequest>,
    /// Safe mode's next harmless requests, in order, for when the answer to
    /// `request` says nothing about the route (a malformed body refused
    /// before routing, or never answered); empty otherwise.
    pub fallbacks: Vec<Fallback>,
    /// What the request could not do as the contract asks (see [`notes`]),
    /// for `list` and reports.
    pub notes: Vec<String>,
    /// What the contract declares that judging the answers needs.
    pub declared: Declarations,
}

/// What the contract declares about an operation that judging its answers
/// needs, decided once when planning ([`declarations`]), so that the verdict
/// stage reads no raw document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declarations {
    /// The operation is an object store's (S3's protocol,
    /// [`safe::object_store`]).
    pub object_store: bool,
    /// One of the security schemes it names is AWS Signature Version 4
    /// ([`auth::aws_signature`]).
    pub aws_signed: bool,
    /// The values its 2xx responses declare (data, not placeholders).
    pub response_values: crate::contract::ResponseValues,
}

/// What `contract` declares about `operation` for judging its answers.
pub fn declarations(contract: &Contract, operation: &Operation) -> Declarations {
    let aws_signed = operation
        .security
        .iter()
        .flatten()
        .any(|(scheme, _)| auth::aws_signature(contract, scheme).is_some());
    Declarations {
        object_store: safe::object_store(&contract.document, operation).is_some(),
        aws_signed,
        response_values: contract.response_values(operation),
    }
}

/// A harmless request held back until the ones before it proved nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fallback {
    pub intent: Intent,
    pub request: PlannedRequest,
}

impl PlannedProbe {
    /// The probe of operation `index` that sends nothing, for `intent`.
    fn unsent(index: usize, intent: Intent) -> PlannedProbe {
        PlannedProbe {
            operation: index,
            intent,
            request: None,
            fallbacks: Vec::new(),
            notes: Vec::new(),
            declared: Declarations::default(),
        }
    }

    /// Whether the run's selection left the operation out.
    pub fn is_excluded(&self) -> bool {
        matches!(self.intent, Intent::Excluded { .. })
    }

    /// Whether the request carries safe mode's malformed JSON body.
    pub fn sends_malformed_body(&self) -> bool {
        self.request
            .as_ref()
            .and_then(|request| request.body.as_ref())
            .is_some_and(body::is_malformed_json)
    }

    /// The probe for a target that never answers a malformed body: its next
    /// harmless request instead of the malformed one, or, when it has none,
    /// nothing sent and the reason (`OPTIONS` may still settle it). Any
    /// other probe is returned as it is.
    pub fn without_malformed_body(&self) -> PlannedProbe {
        if !self.sends_malformed_body() {
            return self.clone();
        }
        let mut rest = self.fallbacks.iter().cloned();
        match rest.next() {
            Some(next) => PlannedProbe {
                operation: self.operation,
                intent: next.intent,
                request: Some(next.request),
                fallbacks: rest.collect(),
                notes: self.notes.clone(),
                declared: self.declared.clone(),
            },
            None => PlannedProbe {
                operation: self.operation,
                intent: Intent::Unverifiable {
                    reason: "this target never answers a malformed JSON body, and no other request is both harmless and rejectable".to_string(),
                },
                request: None,
                fallbacks: Vec::new(),
                notes: self.notes.clone(),
                declared: self.declared.clone(),
            },
        }
    }
}

/// What a probe's request is meant to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Intent {
    /// A valid request, meant to reach the handler.
    Valid,
    /// A request that targets an identifier that cannot exist (a random
    /// sentinel of the parameter's type): harmless even for DELETE.
    Sentinel { parameter: String },
    /// A request a deployed handler must reject before acting (safe mode).
    Invalid { violation: String },
    /// Safe mode found no harmless way to reach this operation.
    Unverifiable { reason: String },
    /// The contract asks not to probe it (`x-rollcall-skip: reason` on the operation).
    Skipped { reason: String },
    /// The run's selection leaves it out (`--include`, `--exclude`,
    /// `--exclude-deprecated`, a skip in rollcall.toml): reported as
    /// skipped, rule `excluded-by-filter`, with `reason` as the evidence.
    Excluded { reason: String },
}

/// How the violation of a path parameter begins (`path parameter 'id' is
/// not an integer`), as [`safe`] words it.
pub(crate) const PATH_VIOLATION: &str = "path parameter '";

impl Intent {
    /// Whether the request puts a value its schema forbids in the path: a
    /// router with typed parameters (Flask's `<int:id>`, Django's
    /// `<int:pk>`, Spring's patterns) matches no route for it, so its
    /// no-route 404 says nothing about the route.
    pub fn breaks_path(&self) -> bool {
        matches!(self, Intent::Invalid { violation } if violation.starts_with(PATH_VIOLATION))
    }
}

/// A concrete request, relative to a target's base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRequest {
    pub method: Method,
    /// Path with parameters substituted and percent-encoded, plus `?query`
    /// if any; always starts with `/`. Joined onto the target's base URL.
    pub path_and_query: String,
    /// Headers in sending order (parameters, credentials, `-H` extras).
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(
        "--auth {scheme}: the contract declares no security scheme named '{scheme}' (declared: {declared})"
    )]
    UnknownAuthScheme { scheme: String, declared: String },
    #[error("--auth {scheme}: {message}")]
    BadCredential { scheme: String, message: String },
}

/// Builds the plan for every operation of `contract`: checks the
/// credentials against the contract's security schemes, then decides each
/// operation's intent (excluded by the selection, else [`safe::decide`])
/// and assembles its request.
pub fn build(contract: &Contract, options: &PlanOptions) -> Result<Plan, PlanError> {
    let credentials = auth::Credentials::resolve(contract, &options.credentials)?;
    let document = contract.document.as_ref();
    let probes: Vec<PlannedProbe> = contract
        .operations
        .iter()
        .enumerate()
        .map(
            |(index, operation)| match options.selection.exclusion(operation) {
                Some(reason) => PlannedProbe::unsent(index, Intent::Excluded { reason }),
                None => PlannedProbe {
                    declared: declarations(contract, operation),
                    ..plan_operation(document, index, operation, &credentials, options)
                },
            },
        )
        .collect();
    let discovery_headers =
        discovery_headers(&selected(contract, &probes), &credentials, &options.headers);
    Ok(Plan {
        mode: options.mode,
        probes,
        discovery_headers,
    })
}

/// `x-rollcall-skip: "reason"` (or `true`) on the operation: the contract's
/// own way to say "declared, known not to be probeable here".
fn skip_reason(document: &Value, operation: &Operation) -> Option<String> {
    match crate::contract::pointer::get(document, &operation.location.pointer)?
        .get("x-rollcall-skip")?
    {
        Value::Bool(true) => Some("x-rollcall-skip is set on the operation".to_string()),
        Value::String(reason) if !reason.trim().is_empty() => Some(reason.trim().to_string()),
        _ => None,
    }
}

/// The credentials of the first of `operations` that gets any, as
/// headers, then the `-H` extras.
fn discovery_headers(
    operations: &[&Operation],
    credentials: &auth::Credentials<'_>,
    extra_headers: &[(String, String)],
) -> Vec<(String, String)> {
    let applied = operations
        .iter()
        .map(|operation| credentials.for_operation(operation))
        .find(|applied| !applied.headers.is_empty() || !applied.cookies.is_empty())
        .unwrap_or_default();
    let mut headers = applied.headers;
    if !applied.cookies.is_empty() {
        headers.push(("Cookie".to_string(), applied.cookies.join("; ")));
    }
    replace_headers(&mut headers, extra_headers.to_vec());
    headers
}

fn plan_operation(
    document: &Value,
    index: usize,
    operation: &Operation,
    credentials: &auth::Credentials<'_>,
    options: &PlanOptions,
) -> PlannedProbe {
    let unsent = |intent: Intent| PlannedProbe::unsent(index, intent);
    if let Some(reason) = skip_reason(document, operation) {
        return unsent(Intent::Skipped { reason });
    }
    let configured = options
        .overrides
        .iter()
        .find(|(key, _)| key == EVERY_OPERATION || operation.is_named(key))
        .map(|(_, o)| o);
    let request_for = |overrides: &[(usize, Value)], body: &BodyPlan| {
        let (mut request, notes) = assemble(
            document,
            operation,
            credentials,
            &options.headers,
            overrides,
            body,
            configured,
        );
        if let Some(configured) = configured {
            replace_headers(&mut request.headers, configured.headers.clone());
        }
        (request, notes)
    };
    let (intent, (request, assembly_notes), fallbacks) =
        match safe::decide(document, operation, options.mode) {
            safe::Decision::Valid => (
                Intent::Valid,
                request_for(&[], &BodyPlan::Valid),
                Vec::new(),
            ),
            safe::Decision::Unverifiable { reason } => {
                return unsent(Intent::Unverifiable { reason });
            }
            safe::Decision::Harmless(harmless) => {
                let mut planned = harmless.iter().map(|probe| {
                    let (intent, overrides, body) = harmless_parts(operation, probe);
                    let (request, notes) = request_for(&overrides, &body);
                    (Fallback { intent, request }, notes)
                });
                let Some(first) = planned.next() else {
                    return unsent(Intent::Unverifiable {
                        reason: "no harmless request".to_string(),
                    });
                };
                // Only a malformed body's answer can say nothing about the
                // route (a body parser in front of the router refuses it on
                // every path), so only it is followed by the next probes.
                let fallbacks = if harmless[0].sends_malformed_body() {
                    planned.map(|(fallback, _)| fallback).collect()
                } else {
                    Vec::new()
                };
                let (first, notes) = first;
                (first.intent, (first.request, notes), fallbacks)
            }
        };
    let mut probe = PlannedProbe {
        operation: index,
        intent,
        request: Some(request),
        fallbacks,
        notes: Vec::new(),
        declared: Declarations::default(),
    };
    probe.notes = notes(operation, &probe);
    probe.notes.extend(assembly_notes);
    probe
}

/// The intent of a harmless request, the parameter values it overrides and
/// its body.
fn harmless_parts(
    operation: &Operation,
    harmless: &safe::Harmless,
) -> (Intent, Vec<(usize, Value)>, BodyPlan) {
    match harmless {
        safe::Harmless::Sentinel { values } => {
            let names: Vec<&str> = values
                .iter()
                .filter_map(|(i, _)| operation.parameters.get(*i))
                .map(|p| p.name.as_str())
                .collect();
            let intent = Intent::Sentinel {
                parameter: names.join(", "),
            };
            (intent, values.clone(), BodyPlan::Valid)
        }
        safe::Harmless::MalformedBody { media_type } => (
            Intent::Invalid {
                violation: MALFORMED_BODY_VIOLATION.to_string(),
            },
            Vec::new(),
            BodyPlan::MalformedJson(media_type.clone()),
        ),
        safe::Harmless::OmitBody => (
            Intent::Invalid {
                violation: "required request body omitted".to_string(),
            },
            Vec::new(),
            BodyPlan::Omit,
        ),
        safe::Harmless::InvalidParameter {
            index,
            value,
            violation,
        } => (
            Intent::Invalid {
                violation: violation.clone(),
            },
            vec![(*index, value.clone())],
            BodyPlan::Valid,
        ),
    }
}

/// The violation a malformed-body probe reports.
const MALFORMED_BODY_VIOLATION: &str = "malformed JSON body";

/// What the planned request could not do as the contract asks, for `list`
/// and reports: a path template parameter that is not declared (sent as a
/// placeholder), or a body with no media type rollcall can produce (sent
/// empty).
pub fn notes(operation: &Operation, probe: &PlannedProbe) -> Vec<String> {
    let Some(request) = &probe.request else {
        return Vec::new();
    };
    let mut notes: Vec<String> = crate::contract::template::parameter_names(&operation.path)
        .into_iter()
        .filter(|name| {
            !operation
                .parameters
                .iter()
                .any(|p| p.location == ParamLocation::Path && p.name == *name)
        })
        .map(|name| {
            format!(
                "path parameter '{name}' is not declared; sent '{}'",
                synth::PLACEHOLDER
            )
        })
        .collect();
    if let Some(declared) = &operation.request_body
        && request.body.is_none()
        && !sends_declared_body(operation.method, declared)
    {
        notes.push(format!(
            "optional request body left out: {} gives a body no defined meaning",
            operation.method
        ));
    }
    if let (Some(sent), Some(declared)) = (&request.body, &operation.request_body)
        && media::media_kind(&sent.content_type) == media::MediaKind::Unsupported
    {
        notes.extend(body::unproducible_note(declared));
    }
    notes
}

/// Whether a valid request carries the declared body: always when it is
/// required, and an optional one only on methods whose content has a meaning
/// (a body on GET or DELETE is refused by some servers and proxies, which
/// would turn a served operation red).
fn sends_declared_body(method: Method, declared: &RequestBody) -> bool {
    declared.required || method.carries_content()
}

/// What to send as the body.
enum BodyPlan {
    /// A valid body if the operation declares one.
    Valid,
    /// The truncated JSON body under this media type.
    MalformedJson(String),
    /// No body at all.
    Omit,
}

/// Header parameters OpenAPI says to ignore: they are set from elsewhere.
const IGNORED_HEADER_PARAMETERS: [&str; 3] = ["accept", "content-type", "authorization"];

/// The request for `operation`: path and required query, header and cookie
/// parameters (with `overrides` by parameter index), credentials, the body,
/// then the user's `-H` headers, which replace generated ones of the same name.
/// Returned with the notes on what it could not send as the contract asks.
fn assemble(
    document: &Value,
    operation: &Operation,
    credentials: &auth::Credentials<'_>,
    extra_headers: &[(String, String)],
    overrides: &[(usize, Value)],
    body: &BodyPlan,
    configured: Option<&OperationOverride>,
) -> (PlannedRequest, Vec<String>) {
    let mut notes = Vec::new();
    let values = Values {
        document,
        overrides,
        configured,
    };
    let mut path = serialize::render_path(&operation.path, &mut |name| {
        let declared = operation
            .parameters
            .iter()
            .enumerate()
            .find(|(_, p)| p.location == ParamLocation::Path && p.name == name);
        match declared {
            Some((index, parameter)) => {
                let value = values.value_of(index, parameter, &mut notes);
                let (text, note) = path::path_text(document, parameter, &value);
                notes.extend(note);
                text
            }
            None => serialize::encode_component(synth::PLACEHOLDER),
        }
    });

    let Declared {
        mut query,
        mut headers,
        mut cookies,
        mut selected_query,
    } = declared_parameters(&values, operation, &mut notes);
    let applied = credentials_for(
        credentials,
        operation,
        overrides,
        &mut Parameters {
            query: &mut query,
            headers: &headers,
            cookies: &mut cookies,
        },
        &mut notes,
    );
    undeclared_selector_pairs(operation, &mut selected_query);
    selected_query.sort_by_key(|(at, _)| *at);
    let rest = std::mem::take(&mut query);
    query = selected_query
        .into_iter()
        .flat_map(|(_, pairs)| pairs)
        .collect();
    query.extend(rest);
    query.extend(applied.query);
    replace_headers(&mut headers, applied.headers);
    cookies.extend(applied.cookies);
    if !cookies.is_empty() {
        headers.push(("Cookie".to_string(), cookies.join("; ")));
    }
    replace_headers(&mut headers, extra_headers.to_vec());

    if !query.is_empty() {
        path.push('?');
        path.push_str(&query.join("&"));
    }

    let body = planned_body(document, operation, body, configured, &mut notes);

    let request = PlannedRequest {
        method: operation.method,
        path_and_query: path,
        headers,
        body,
    };
    (request, notes)
}

/// Where a parameter's value comes from: safe mode's `overrides` (by
/// parameter index), else the configured value, else synthesis from the
/// contract.
struct Values<'a> {
    document: &'a Value,
    overrides: &'a [(usize, Value)],
    configured: Option<&'a OperationOverride>,
}

impl Values<'_> {
    fn configured(&self, parameter: &Parameter) -> Option<&Value> {
        self.configured.and_then(|c| c.parameter(&parameter.name))
    }

    /// The value sent for a parameter, noting where synthesis gave up on its schema.
    fn value_of(&self, index: usize, parameter: &Parameter, notes: &mut Vec<String>) -> Value {
        if let Some((_, value)) = self.overrides.iter().find(|(i, _)| *i == index) {
            return value.clone();
        }
        if let Some(value) = self.configured(parameter) {
            return value.clone();
        }
        let synthesized = synth::parameter_synthesis(self.document, parameter);
        if synthesized.gave_up.is_some() {
            let what = format!(
                "{} parameter '{}'",
                parameter.location.as_str(),
                parameter.name
            );
            notes.extend(synthesized.note(&what));
        }
        synthesized.value
    }
}

/// The query pairs, headers and cookies of the parameters sent besides the
/// path's (the required ones, those configured, those the selector names).
struct Declared {
    query: Vec<String>,
    headers: Vec<(String, String)>,
    cookies: Vec<String>,
    /// The selector's query pairs, by the item's position: they lead the
    /// query, in the selector's order (`?analytics&id=...`).
    selected_query: Vec<(usize, Vec<String>)>,
}

fn declared_parameters(
    values: &Values<'_>,
    operation: &Operation,
    notes: &mut Vec<String>,
) -> Declared {
    let mut query = Vec::new();
    let mut headers = Vec::new();
    let mut cookies = Vec::new();
    let mut selected_query: Vec<(usize, Vec<String>)> = Vec::new();
    let position = |name: &str| {
        operation
            .selector
            .items
            .iter()
            .position(|item| item.name == name)
            .unwrap_or(usize::MAX)
    };
    for (index, parameter) in operation.parameters.iter().enumerate() {
        // A parameter the selector names (`#acl`, `#list-type=2`) is what
        // makes the request this operation: always sent, with its value.
        let selected = operation
            .selector
            .item_for(&parameter.name, parameter.location);
        let wanted =
            parameter.required || values.configured(parameter).is_some() || selected.is_some();
        if !wanted || parameter.location == ParamLocation::Path {
            continue;
        }
        let fixed = selected
            .and_then(|item| item.value.as_ref())
            .filter(|_| !values.overrides.iter().any(|(i, _)| *i == index));
        let value = match fixed {
            Some(fixed) => Value::String(fixed.clone()),
            None => values.value_of(index, parameter, notes),
        };
        // A flag (`?acl`, S3's subresources) is named, not given a value.
        let is_true = value == Value::Bool(true) || value.as_str() == Some("true");
        if parameter.location == ParamLocation::Query
            && is_true
            && serialize::is_flag(values.document, parameter)
        {
            let flag = vec![serialize::encode_component(&parameter.name)];
            match selected {
                Some(_) => selected_query.push((position(&parameter.name), flag)),
                None => query.extend(flag),
            }
            continue;
        }
        match serialize::serialize(parameter, &value) {
            serialize::Serialized::Query(pairs) if selected.is_some() => {
                selected_query.push((position(&parameter.name), pairs));
            }
            serialize::Serialized::Query(pairs) => query.extend(pairs),
            serialize::Serialized::Header(text) => {
                let name = parameter.name.to_ascii_lowercase();
                if !IGNORED_HEADER_PARAMETERS.contains(&name.as_str()) {
                    headers.push((parameter.name.clone(), text));
                }
            }
            serialize::Serialized::Cookie(pairs) => cookies.extend(pairs),
            serialize::Serialized::Path(_) => {}
        }
    }

    Declared {
        query,
        headers,
        cookies,
        selected_query,
    }
}

/// The query pairs, headers and cookies of the declared parameters, as
/// [`credentials_for`] sees them.
struct Parameters<'a> {
    query: &'a mut Vec<String>,
    headers: &'a [(String, String)],
    cookies: &'a mut Vec<String>,
}

/// The credentials `operation` is sent with. A credential named like a
/// declared parameter is sent once, as the credential (its parameter
/// dropped from `parameters`), except where safe mode's invalid value is
/// what keeps the probe harmless; each case noted.
fn credentials_for(
    credentials: &auth::Credentials<'_>,
    operation: &Operation,
    overrides: &[(usize, Value)],
    parameters: &mut Parameters<'_>,
    notes: &mut Vec<String>,
) -> auth::Applied {
    // A credential named like a declared parameter (SoundCloud's apiKey
    // `client_id` in the query of an operation that declares `client_id`)
    // is sent once: the credential wins.
    let mut applied = credentials.for_operation(operation);
    // Except where safe mode's deliberately invalid value is what keeps the
    // probe harmless: that value is sent, and the credential left out.
    let invalid_query: Vec<String> = overrides
        .iter()
        .filter_map(|(index, _)| operation.parameters.get(*index))
        .filter(|p| p.location == ParamLocation::Query)
        .map(|p| serialize::encode_component(&p.name))
        .collect();
    for name in drop_pairs_named_like(&mut applied.query, &invalid_query) {
        notes.push(format!(
            "query parameter '{name}' carries safe mode's invalid value, so the credential of the same name is left out"
        ));
    }
    let replaced_query = drop_pairs_named_like(parameters.query, &applied.query);
    let replaced_cookies = drop_pairs_named_like(parameters.cookies, &applied.cookies);
    let replaced_headers: Vec<String> = parameters
        .headers
        .iter()
        .filter(|(name, _)| {
            applied
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        })
        .map(|(name, _)| name.clone())
        .collect();
    for (kind, names) in [
        ("query", replaced_query),
        ("cookie", replaced_cookies),
        ("header", replaced_headers),
    ] {
        for name in names {
            notes.push(format!(
                "{kind} parameter '{name}' is sent once, as the credential: a security scheme of the operation uses the same name"
            ));
        }
    }
    applied
}

/// The `name=value` items of the selector that no parameter declares
/// (`/#Action=AssumeRole`), sent as they are written, by their position.
fn undeclared_selector_pairs(
    operation: &Operation,
    selected_query: &mut Vec<(usize, Vec<String>)>,
) {
    for (at, item) in operation.selector.items.iter().enumerate() {
        let declared = operation
            .parameters
            .iter()
            .any(|p| p.location == ParamLocation::Query && p.name == item.name);
        if let (crate::contract::SelectorPlace::Query, Some(value), false) =
            (item.place, &item.value, declared)
        {
            let pair = format!(
                "{}={}",
                serialize::encode_component(&item.name),
                serialize::encode_component(value)
            );
            selected_query.push((at, vec![pair]));
        }
    }
}

/// The body `plan` asks for: none, the malformed JSON one, or the valid one
/// (the configured body, else one built from the contract).
fn planned_body(
    document: &Value,
    operation: &Operation,
    plan: &BodyPlan,
    configured: Option<&OperationOverride>,
    notes: &mut Vec<String>,
) -> Option<Body> {
    match plan {
        BodyPlan::Omit => None,
        BodyPlan::MalformedJson(media_type) => Some(body::malformed_json(media_type)),
        BodyPlan::Valid => match configured.and_then(|c| c.body.as_ref()) {
            Some(value) => Some(configured_body(operation, value)),
            None => operation
                .request_body
                .as_ref()
                .filter(|request_body| sends_declared_body(operation.method, request_body))
                .and_then(|request_body| {
                    body::valid_body_for(
                        document,
                        request_body,
                        operation.operation_id.as_deref(),
                        notes,
                    )
                }),
        },
    }
}

/// Drops the encoded `name=value` pairs of `pairs` whose name is that of
/// one of `winners` (pairs, or bare encoded names), and returns the names
/// dropped (decoded, once each).
fn drop_pairs_named_like(pairs: &mut Vec<String>, winners: &[String]) -> Vec<String> {
    let name_of = |pair: &str| pair.split('=').next().unwrap_or_default().to_string();
    let winning: Vec<String> = winners.iter().map(|pair| name_of(pair)).collect();
    let mut dropped: Vec<String> = Vec::new();
    pairs.retain(|pair| {
        let name = name_of(pair);
        if !winning.contains(&name) {
            return true;
        }
        let decoded = percent_encoding::percent_decode_str(&name)
            .decode_utf8_lossy()
            .into_owned();
        if !dropped.contains(&decoded) {
            dropped.push(decoded);
        }
        false
    });
    dropped
}

/// A body from `rollcall.toml`: under the operation's first JSON media type
/// (else its first one, else `application/json`); a string is sent as is,
/// anything else as JSON.
fn configured_body(operation: &Operation, value: &Value) -> Body {
    let declared: Vec<&str> = operation
        .request_body
        .iter()
        .flat_map(|b| &b.content)
        .map(|m| m.media_type.as_str())
        .collect();
    let content_type = declared
        .iter()
        .find(|m| media::media_kind(m) == media::MediaKind::Json)
        .or(declared.first())
        .copied()
        .unwrap_or("application/json")
        .to_string();
    let bytes = match value {
        Value::String(text) => text.clone().into_bytes(),
        other => other.to_string().into_bytes(),
    };
    Body {
        content_type,
        bytes,
    }
}

/// Appends `new` headers, first dropping existing ones of the same names
/// (case-insensitive).
fn replace_headers(headers: &mut Vec<(String, String)>, new: Vec<(String, String)>) {
    headers.retain(|(name, _)| !new.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)));
    headers.extend(new);
}

/// `--base-path PATH`: the path between a target's URL and the contract's
/// paths, in place of the contract's server path. `/` means the target URL
/// itself (a service at the root, behind a path-stripping proxy, a mock).
/// Always starts with `/`; kept without its trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasePath(String);

/// Why a base path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BasePathError {
    #[error("'{0}' does not start with '/' (e.g. / for the root, or /api/v1)")]
    NotAbsolute(String),
    #[error(
        "'{0}' is not a plain path: it may not hold a query, a fragment, spaces or control characters"
    )]
    NotAPath(String),
}

impl std::str::FromStr for BasePath {
    type Err = BasePathError;

    fn from_str(text: &str) -> Result<BasePath, BasePathError> {
        let text = text.trim();
        if !text.starts_with('/') {
            return Err(BasePathError::NotAbsolute(text.to_string()));
        }
        if text.contains(['?', '#']) || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(BasePathError::NotAPath(text.to_string()));
        }
        Ok(BasePath(text.trim_end_matches('/').to_string()))
    }
}

impl fmt::Display for BasePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "/" } else { &self.0 })
    }
}

/// A target's base URL and which part of the base-URL rule gave its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    pub url: url::Url,
    pub source: BaseSource,
}

/// Where a base URL's path came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseSource {
    /// `--base-path` (or `base_path` in `rollcall.toml`), after the target's own path.
    BasePath(BasePath),
    /// The target URL's own path.
    TargetPath,
    /// The path of the contract's first server, appended to a bare target.
    Server(String),
    /// A bare target, and the contract's first server has no path (or there is none).
    Origin,
}

impl fmt::Display for BaseSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BaseSource::BasePath(path) => write!(f, "base path {path}"),
            BaseSource::TargetPath => f.write_str("the target's own path"),
            BaseSource::Server(path) => write!(f, "the contract's server path {path}"),
            BaseSource::Origin => f.write_str("the contract's servers give no path"),
        }
    }
}

/// The base-URL rule, the one place it lives, for a target without a base
/// path: see [`target_base`].
pub fn base_url(target: &url::Url, contract: &Contract) -> url::Url {
    target_base(target, None, contract).url
}

/// The base-URL rule, the one place it lives. With a base path
/// (`--base-path`), the base is the target URL's path followed by it, and
/// `--base-path /` is the target URL exactly. Without one, a target URL
/// with a path is the full base, and a target without a path gets the path
/// of the spec's first server appended (`http://host:8080` + `servers:
/// [{url: /api/v1}]` → `http://host:8080/api/v1`). The result never ends
/// with `/`.
///
/// The target's scheme, userinfo, host and port are kept; its query and
/// fragment are dropped. A server given as an absolute URL
/// (`https://api.example.com/api/v1`) contributes only its path. The one
/// exception to "no trailing `/`": a base that is the bare origin is
/// `http://host:8080/`, because an http URL always has a path; join it with
/// [`request_url`], which never doubles the slash.
pub fn target_base(
    target: &url::Url,
    base_path: Option<&BasePath>,
    contract: &Contract,
) -> BaseUrl {
    let mut url = target.clone();
    url.set_query(None);
    url.set_fragment(None);
    let target_path = target.path().trim_end_matches('/');
    let (path, source) = match base_path {
        Some(base_path) => (
            format!("{target_path}{}", base_path.0),
            BaseSource::BasePath(base_path.clone()),
        ),
        None if !target_path.is_empty() => (target_path.to_string(), BaseSource::TargetPath),
        None => match contract.servers.first().map(|server| server_path(server)) {
            Some(path) if !path.trim_end_matches('/').is_empty() => {
                let shown = path.trim_end_matches('/').to_string();
                (path, BaseSource::Server(shown))
            }
            _ => (String::new(), BaseSource::Origin),
        },
    };
    url.set_path(path.trim_end_matches('/'));
    BaseUrl { url, source }
}

/// The path part of a server URL, absolute (`https://x/api/v1`) or relative
/// (`/api/v1`, `api/v1`), without query or fragment.
fn server_path(server: &str) -> String {
    if let Ok(absolute) = url::Url::parse(server)
        && absolute.has_host()
    {
        return absolute.path().to_string();
    }
    // Scheme-relative (`//host/path`): the path starts after the host.
    let relative = match server.strip_prefix("//") {
        Some(rest) => rest.find('/').map_or("", |slash| &rest[slash..]),
        None => server,
    };
    let path = relative.split(['?', '#']).next().unwrap_or_default().trim();
    if path.is_empty() || path == "." {
        String::new()
    } else if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

/// The absolute URL of a planned request on a target whose base URL is
/// `base` (from [`base_url`]).
pub fn request_url(base: &url::Url, path_and_query: &str) -> String {
    let base = base.as_str().trim_end_matches('/');
    if path_and_query.starts_with('/') {
        format!("{base}{path_and_query}")
    } else {
        format!("{base}/{path_and_query}")
    }
}

#[cfg(test)]
pub(crate) mod tests;
