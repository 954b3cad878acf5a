//! Safe mode: which requests, if any, may be sent for an operation without a
//! correct implementation acting on it. Read-only methods get a valid
//! request; the others get the list of their harmless requests
//! ([`harmless_probes`]), each breaking something the contract makes
//! mandatory, in this order:
//!
//! ```text
//! DELETE /pets/{petId}   petId: integer           → sentinel  /pets/2147481234 (cannot exist)
//! POST   /pets           JSON body, required name → invalid   body {"rollcall":  (truncated)
//!                                                   then      body omitted
//! POST   /upload         multipart, required file → invalid   body omitted
//! POST   /jobs?count=    count: integer, required → invalid   ?count=not-an-integer
//! PUT    /pets/{petId}   petId: integer           → invalid   /pets/not-an-integer
//! PUT    /objects/{key}  octet-stream body        → unverifiable (an empty body is valid)
//! PUT    /wf/{id}        id: oneOf [integer, string] → unverifiable (every value is valid)
//! ```
//!
//! A value is invalid only when every alternative of its schema rejects it
//! ([`super::violation`]); a body is left out only where an empty body is
//! invalid under every media type ([`omitted_body_violates`]).
//!
//! A sentinel is derived from a hash of the operation and parameter, so it
//! is the same on every run yet does not name anything real: a hash-derived
//! v4 UUID, `rollcall-sentinel-<8 hex>`, or an integer just under 2^31 (or
//! at the top of a declared range of at least a million values). An enum,
//! a small range or a structured format gets no sentinel.
//!
//! Follow-up requests, after a first answer left an operation ambiguous,
//! come from here too: [`route_path`] (where an `OPTIONS` goes for an
//! operation safe mode sent nothing to) and [`alternate_request`] (the same
//! request with a second path parameter value):
//!
//! ```text
//! GET    /orders/42     example 42           → GET /orders/1                  another value
//! GET    /orders/42     no other value known → GET /orders/not-an-integer     invalid: not an integer
//! DELETE /orders/21474… sentinel             → DELETE /orders/not-an-integer  invalid (never another real id)
//! PUT    /orders/42     unsafe, has a body   → none
//! ```

use serde_json::{Map, Value, json};

use super::Mode;
use super::auth::security_schemes;
use super::body;
use super::media::{MediaKind, media_kind};
use super::pattern;
use super::serialize;
use super::synth::{self, effective_type, integer_range};
use super::violation::{self, Reach, Wire};
use super::{PlannedProbe, PlannedRequest};
use crate::contract::{
    Contract, MediaType, Method, Operation, ParamLocation, Parameter, RequestBody,
};

/// What the probe for one operation will be.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Valid,
    /// The harmless requests, in the order they are tried; never empty.
    Harmless(Vec<Harmless>),
    Unverifiable {
        reason: String,
    },
}

/// A request for an unsafe method that a correct handler cannot act on.
#[derive(Debug, Clone, PartialEq)]
pub enum Harmless {
    /// Path parameters (index into `Operation::parameters`) and their sentinels.
    Sentinel { values: Vec<(usize, Value)> },
    /// Send the truncated JSON body under this media type.
    MalformedBody { media_type: String },
    /// Leave out the required body (only where an empty body breaks the
    /// contract: see [`omitted_body_violates`]).
    OmitBody,
    /// One parameter (index into `Operation::parameters`) gets a value its schema forbids.
    InvalidParameter {
        index: usize,
        value: Value,
        violation: String,
    },
}

impl Harmless {
    /// Whether this request carries the malformed JSON body, which a body
    /// parser in front of the router refuses on every path (and some
    /// servers never answer): the one probe whose answer can say nothing
    /// about the route, so the one followed by others ([`decide`]).
    pub fn sends_malformed_body(&self) -> bool {
        matches!(self, Harmless::MalformedBody { .. })
    }
}

/// The smallest integer range a sentinel may be drawn from.
const MIN_SENTINEL_RANGE: i64 = 1_000_000;
/// Integer sentinels sit just under 2^31, so they also fit int32.
const INTEGER_SENTINEL_BASE: i64 = 2_147_480_000;
/// Bits of choice a pattern-built sentinel needs to be sure it is unused.
const MIN_SENTINEL_ENTROPY_BITS: f64 = 32.0;

pub fn decide(document: &Value, operation: &Operation, mode: Mode) -> Decision {
    if mode == Mode::Live || operation.method.is_safe() {
        return Decision::Valid;
    }
    let probes = harmless_probes(document, operation);
    if probes.is_empty() {
        Decision::Unverifiable {
            reason: unverifiable_reason(document, operation),
        }
    } else {
        Decision::Harmless(probes)
    }
}

/// Every harmless request for an unsafe operation, most telling first: a
/// sentinel id (DELETE), a malformed JSON body, the required body left out,
/// a required query parameter, then a path parameter, with a value its
/// schema surely rejects. Each breaks something the contract makes
/// mandatory; where nothing can be broken, the list is empty.
pub fn harmless_probes(document: &Value, operation: &Operation) -> Vec<Harmless> {
    if let Some(store) = object_store(document, operation) {
        return object_store_probes(operation, store);
    }
    let mut probes = Vec::new();
    if operation.method == Method::Delete {
        let values: Vec<(usize, Value)> = operation
            .parameters
            .iter()
            .enumerate()
            .filter(|(_, p)| p.location == ParamLocation::Path)
            .filter_map(|(index, p)| sentinel(document, operation, p).map(|v| (index, v)))
            .collect();
        if !values.is_empty() {
            probes.push(Harmless::Sentinel { values });
        }
    }
    if let Some(request_body) = &operation.request_body {
        if let Some(json) = body::first_json(request_body) {
            probes.push(Harmless::MalformedBody {
                media_type: json.media_type.clone(),
            });
        }
        if omitted_body_violates(document, request_body) {
            probes.push(Harmless::OmitBody);
        }
    }
    for location in [ParamLocation::Query, ParamLocation::Path] {
        let place = if location == ParamLocation::Query {
            "query parameter '"
        } else {
            super::PATH_VIOLATION
        };
        let invalid = operation
            .parameters
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.location == location && (p.required || location == ParamLocation::Path)
            })
            // A flag's value is not read (`?acl=not-a-boolean` is `?acl` to
            // S3), and breaking the selector's parameter makes the request
            // another operation's: neither is refused for certain.
            .filter(|(_, p)| {
                !serialize::is_flag(document, p)
                    && operation.selector.item_for(&p.name, p.location).is_none()
            })
            .find_map(|(index, parameter)| {
                let (value, expected) = violating_value(document, parameter)?;
                Some(Harmless::InvalidParameter {
                    index,
                    value,
                    violation: format!("{place}{}' is not {expected}", parameter.name),
                })
            });
        probes.extend(invalid);
    }
    probes
}

/// Whether a request without the body breaks the contract: the body is
/// required, and an empty one is invalid under every media type it
/// declares, read as leniently as a server may read it.
///
/// ```text
/// application/json  {required: [title]}             violates ({}, [], null and "" all lack it)
/// application/json  {properties: {reason: ...}}      does not (Express reads nothing as {})
/// application/x-www-form-urlencoded, no required     does not
/// text/plain        {type: string}                   does not ("" is a string)
/// text/plain        {type: string, minLength: 1}     violates
/// application/octet-stream, any schema               does not (zero bytes are a file)
/// image/png, application/pdf, ... any schema          does not
/// ```
///
/// A raw media type (`application/octet-stream`, images, audio, video,
/// PDF, ZIP) carries bytes no server reads against the schema beside it,
/// whatever that says (Docker's `POST /networks/{id}/connect` declares an
/// object there, Apache Qakka an array of bytes, Azure's blob upload a
/// `format: file` object): an empty body is a valid upload.
///
/// This is the one place that decides whether a bodiless write is
/// harmless: a store known to accept bodiless writes whatever its contract
/// says (S3's PUT creates an empty object) answers `false` here.
pub fn omitted_body_violates(document: &Value, request_body: &RequestBody) -> bool {
    request_body.required
        && !request_body.content.is_empty()
        && request_body
            .content
            .iter()
            .all(|media| empty_body_rejected(document, media))
}

fn empty_body_rejected(document: &Value, media: &MediaType) -> bool {
    let Some(schema) = media.schema(document) else {
        return false;
    };
    match media_kind(&media.media_type) {
        // Frameworks read an empty JSON or XML body as nothing, {} or
        // null; a handler reading the raw text sees "".
        MediaKind::Json | MediaKind::AnyAsJson | MediaKind::Xml => {
            [json!({}), json!([]), Value::Null, json!("")]
                .iter()
                .all(|empty| violation::rejects(document, schema, empty, Wire::Json))
        }
        MediaKind::Form | MediaKind::Multipart => {
            violation::rejects(document, schema, &json!({}), Wire::Json)
        }
        MediaKind::Text => violation::rejects(document, schema, &json!(""), Wire::Text),
        MediaKind::Binary | MediaKind::Unsupported => false,
    }
}

fn unverifiable_reason(document: &Value, operation: &Operation) -> String {
    if let Some(store) = object_store(document, operation) {
        let why = match store.bucket {
            Some(_) => format!(
                "{} creates the bucket it names, whatever the body (S3's PUT is create-or-replace)",
                operation.label()
            ),
            None => format!(
                "{} names no bucket, and an object store acts on its writes whatever the body and the values of its flags",
                operation.label()
            ),
        };
        return format!(
            "no request for {} is both harmless and rejectable: {why}; run --mode live against a store you may change to check it",
            operation.label()
        );
    }
    let mut missing = Vec::new();
    if operation.method == Method::Delete
        && operation
            .parameters
            .iter()
            .any(|p| p.location == ParamLocation::Path)
    {
        missing.push("no path parameter can hold an id that surely does not exist".to_string());
    }
    missing.push(match &operation.request_body {
        None => "no body".to_string(),
        Some(rb) => {
            let types: Vec<&str> = rb.content.iter().map(|m| m.media_type.as_str()).collect();
            if types.is_empty() {
                "a body with no media type".to_string()
            } else if !rb.required {
                format!("an optional non-JSON body ({})", types.join(", "))
            } else {
                let _ = document;
                format!(
                    "an empty body is valid for its non-JSON body ({})",
                    types.join(", ")
                )
            }
        }
    });
    missing.push("no parameter with a value its schema surely rejects".to_string());
    format!(
        "no request for {} is both harmless and rejectable: {}; run --mode live to check it",
        operation.label(),
        missing.join(", ")
    )
}

/// What marks an operation of an S3-style contract, the protocol of S3 and
/// the object stores that speak it (MinIO, Ceph RGW, Garage, SeaweedFS, R2).
/// Its writes need their own safe-mode rule: a PUT creates or replaces
/// whatever it names and accepts an empty body whatever the contract says,
/// and a subresource flag's value is never read (`?acl=not-a-boolean` is
/// `?acl`), so no invalid body or value is refused for certain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectStore {
    /// The path parameter that fills the first segment, the bucket of
    /// path-style addressing (`/{Bucket}/{Key}`), as an index into
    /// `Operation::parameters`; `None` when the path starts otherwise.
    pub bucket: Option<usize>,
}

/// Whether `operation` belongs to an S3-style contract, and where its
/// bucket is. Recognised by a security scheme whose
/// `x-amazon-apigateway-authtype` is `awsS3` (AWS's own S3 contract), or
/// by the shape of S3's path-style operations: a first path segment that
/// is a parameter named like a bucket, in a contract signed with AWS
/// Signature Version 4 (`awsSigv4`), or, in one that names no such scheme,
/// with `x-amz-*` headers.
pub fn object_store(document: &Value, operation: &Operation) -> Option<ObjectStore> {
    let auth_types: Vec<String> = security_schemes(document)
        .filter_map(|scheme| scheme.get("x-amazon-apigateway-authtype"))
        .filter_map(Value::as_str)
        .map(str::to_ascii_lowercase)
        .collect();
    let first = operation
        .path
        .split('/')
        .find(|segment| !segment.is_empty())
        .and_then(|segment| segment.strip_prefix('{')?.strip_suffix('}'));
    let bucket = first.and_then(|name| {
        operation
            .parameters
            .iter()
            .position(|p| p.location == ParamLocation::Path && p.name == name)
    });
    if auth_types.iter().any(|t| t == "awss3") {
        return Some(ObjectStore { bucket });
    }
    let named_bucket = bucket.is_some()
        && first.is_some_and(|name| {
            let name = name.to_ascii_lowercase();
            name == "bucket" || name == "bucketname" || name == "bucket_name"
        });
    let aws_signed = auth_types.iter().any(|t| t == "awssigv4");
    let amz_headers = operation.parameters.iter().any(|p| {
        p.location == ParamLocation::Header && p.name.to_ascii_lowercase().starts_with("x-amz-")
    });
    let shaped = if auth_types.is_empty() {
        amz_headers
    } else {
        aws_signed
    };
    (named_bucket && shaped).then_some(ObjectStore { bucket })
}

/// Safe mode's one harmless request for an object store's write: the same
/// valid request, aimed at a bucket no store can have or create (a name
/// longer than any store allows, see [`uncreatable_bucket`]). A store
/// resolves the bucket before it acts, and a store that lacks the
/// operation says so first (`501 NotImplemented`), so the answer tells
/// which. The exception is `PUT /{Bucket}` itself (CreateBucket), which
/// makes the bucket it names: nothing is harmless there.
fn object_store_probes(operation: &Operation, store: ObjectStore) -> Vec<Harmless> {
    let Some(bucket) = store.bucket else {
        return Vec::new();
    };
    let segments = operation.path.split('/').filter(|s| !s.is_empty()).count();
    let creates_bucket = operation.method == Method::Put
        && segments == 1
        && operation.selector.query_names().next().is_none();
    if creates_bucket {
        return Vec::new();
    }
    let seed = operation
        .parameters
        .get(bucket)
        .map_or(0, |parameter| seed_for(operation, parameter));
    vec![Harmless::Sentinel {
        values: vec![(bucket, Value::String(uncreatable_bucket(seed)))],
    }]
}

/// The length of [`uncreatable_bucket`]'s names: S3 allows 63 characters,
/// Ceph RGW's relaxed names 255.
pub const UNCREATABLE_BUCKET_LEN: usize = 256;

/// A bucket name no object store can have, so no write can reach or make
/// it: `rollcall-sentinel-<8 hex>-longer-than-any-bucket-name-…`, 256
/// characters of what a bucket name may hold. A store that falls back to
/// CreateBucket for a subresource it does not know (moto does) refuses
/// the name instead of creating it.
pub fn uncreatable_bucket(seed: u64) -> String {
    let mut name = format!("rollcall-sentinel-{:08x}", seed as u32);
    while name.len() < UNCREATABLE_BUCKET_LEN {
        name.push_str("-longer-than-any-bucket-name");
    }
    name.truncate(UNCREATABLE_BUCKET_LEN);
    name
}

/// The operation's path, relative to the base URL, with a valid value
/// (example, else synthesized) for each path parameter and no query: where
/// a follow-up `OPTIONS` goes for an operation safe mode sent nothing to.
pub fn route_path(document: &Value, operation: &Operation) -> String {
    serialize::render_path(&operation.path, &mut |name| match operation
        .parameters
        .iter()
        .find(|p| p.location == ParamLocation::Path && p.name == name)
    {
        Some(parameter) => {
            super::path::path_text(
                document,
                parameter,
                &synth::parameter_value(document, parameter),
            )
            .0
        }
        None => serialize::encode_component(synth::PLACEHOLDER),
    })
}

/// A second request for a probe whose first answer was ambiguous: the
/// same request with one path parameter changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternate {
    pub request: PlannedRequest,
    /// The parameter whose value changed.
    pub parameter: String,
    pub kind: AlternateKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlternateKind {
    /// Another valid value (a second example, another enum member, 1).
    OtherValue,
    /// A value the parameter's type forbids, which a deployed route's
    /// validation rejects before its handler runs.
    Invalid { violation: String },
}

/// The probe's request with a second value for one path parameter, or
/// `None` when there is none to give or none would be harmless.
///
/// Only safe requests: a GET or HEAD may get another valid value (a second
/// example, another enum member, else 1 for an integer) and, failing that,
/// a value its type forbids; a DELETE only a value its type forbids, which
/// cannot name anything that exists (like a sentinel), sent without a body.
/// Other methods get none: a PUT, POST or PATCH may act on any valid path.
pub fn alternate_request(contract: &Contract, probe: &PlannedProbe) -> Option<Alternate> {
    let request = probe.request.as_ref()?;
    let operation = contract.operations.get(probe.operation)?;
    let safe = request.method.is_safe();
    if !safe && request.method != Method::Delete {
        return None;
    }
    let document = contract.document.as_ref();
    let (path, query) = match request.path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (request.path_and_query.as_str(), None),
    };
    let sent: Vec<&str> = path.split('/').collect();
    let template: Vec<&str> = operation.path.split('/').collect();
    if sent.len() != template.len() {
        return None;
    }
    // Path parameters that fill a whole segment: (segment index, parameter).
    let slots: Vec<(usize, &Parameter)> = template
        .iter()
        .enumerate()
        .filter_map(|(at, segment)| {
            let name = segment.strip_prefix('{')?.strip_suffix('}')?;
            operation
                .parameters
                .iter()
                .find(|p| p.location == ParamLocation::Path && p.name == name)
                .map(|p| (at, p))
        })
        .collect();
    let with_segment = |at: usize, text: String| -> PlannedRequest {
        let mut segments: Vec<String> = sent.iter().map(|s| s.to_string()).collect();
        segments[at] = text;
        let mut path_and_query = segments.join("/");
        if let Some(query) = query {
            path_and_query.push('?');
            path_and_query.push_str(query);
        }
        let mut headers = request.headers.clone();
        headers.retain(|(name, _)| !name.eq_ignore_ascii_case("content-type"));
        PlannedRequest {
            method: request.method,
            path_and_query,
            headers,
            body: if safe { request.body.clone() } else { None },
        }
    };
    if safe {
        for (at, parameter) in &slots {
            let declared = other_values(document, parameter);
            if let Some(text) = declared
                .iter()
                .map(|value| serialize::path_value(parameter, value))
                .find(|text| text != sent[*at] && serialize::fills_segment(text))
            {
                return Some(Alternate {
                    request: with_segment(*at, text),
                    parameter: parameter.name.clone(),
                    kind: AlternateKind::OtherValue,
                });
            }
        }
    }
    for (at, parameter) in &slots {
        if let Some((value, expected)) = violating_value(document, parameter) {
            let text = serialize::path_value(parameter, &value);
            if text != sent[*at] {
                return Some(Alternate {
                    request: with_segment(*at, text),
                    parameter: parameter.name.clone(),
                    kind: AlternateKind::Invalid {
                        violation: format!(
                            "{}{}' is not {expected}",
                            super::PATH_VIOLATION,
                            parameter.name
                        ),
                    },
                });
            }
        }
    }
    if safe {
        for (at, parameter) in &slots {
            if let Some(text) = fallback_values(document, parameter)
                .iter()
                .map(|value| serialize::path_value(parameter, value))
                .find(|text| text != sent[*at])
            {
                return Some(Alternate {
                    request: with_segment(*at, text),
                    parameter: parameter.name.clone(),
                    kind: AlternateKind::OtherValue,
                });
            }
        }
    }
    None
}

/// Values the contract itself gives for the parameter: its example, the
/// schema's `example`, `examples`, `default` and `enum` members, in that order.
fn other_values(document: &Value, parameter: &Parameter) -> Vec<Value> {
    let mut values: Vec<Value> = parameter.example(document).into_iter().cloned().collect();
    if let Some(schema) = parameter.schema(document) {
        let schema = synth::flatten(document, schema);
        values.extend(schema.get("example").cloned());
        if let Some(examples) = schema.get("examples").and_then(Value::as_array) {
            values.extend(examples.iter().cloned());
        }
        values.extend(schema.get("default").cloned());
        if let Some(members) = schema.get("enum").and_then(Value::as_array) {
            values.extend(members.iter().cloned());
        }
    }
    values.retain(|v| !v.is_null() && !v.is_object() && !v.is_array());
    values
}

/// Small ids most stores have, for an integer parameter whose range holds them.
fn fallback_values(document: &Value, parameter: &Parameter) -> Vec<Value> {
    let Some(schema) = parameter.schema(document) else {
        return Vec::new();
    };
    let schema = synth::flatten(document, schema);
    if effective_type(&schema) != Some("integer") || schema.contains_key("enum") {
        return Vec::new();
    }
    let (low, high) = integer_range(&schema);
    [1, 2]
        .into_iter()
        .filter(|n| (low..=high).contains(n))
        .map(Value::from)
        .collect()
}

/// A value the parameter's schema surely rejects (a wrong type, a value
/// outside its enum, a malformed uuid, date or date-time), under every
/// alternative its schema allows (`oneOf`, `anyOf`, a `type` list), and
/// what was expected. `None` when no such value exists: GitHub's
/// `workflow_id: {oneOf: [integer, string]}` takes `not-an-integer` as a
/// string, so it cannot carry a safe probe.
pub fn violating_value(document: &Value, parameter: &Parameter) -> Option<(Value, String)> {
    if parameter.content.is_some() {
        return None;
    }
    let schema = parameter.schema(document)?;
    candidates(document, schema)
        .into_iter()
        .find(|candidate| violation::rejects(document, schema, candidate, Wire::Text))
        .map(|value| (value, violation::expectation(document, schema)))
}

/// Values that each break one alternative of the schema (in its order):
/// the caller keeps the first that every alternative rejects. Values
/// outside an enum avoid the members of every alternative's enum.
fn candidates(document: &Value, schema: &Value) -> Vec<Value> {
    let alternatives = alternatives(document, schema);
    let members: Vec<&Value> = alternatives
        .iter()
        .filter_map(|a| a.get("enum").and_then(Value::as_array))
        .flatten()
        .collect();
    let mut found: Vec<Value> = Vec::new();
    for alternative in &alternatives {
        if let Some(value) = violation_for(document, alternative, &members, 0)
            && !found.contains(&value)
        {
            found.push(value);
        }
    }
    found
}

/// The most alternatives of one schema whose violations are tried.
const MAX_ALTERNATIVES: usize = 32;

/// The schemas a value may be valid against: each `oneOf`/`anyOf` branch
/// (through `$ref`s), flattened; the schema itself when it has none. At
/// most [`MAX_ALTERNATIVES`]: every candidate is checked against the whole
/// schema anyway.
fn alternatives(document: &Value, schema: &Value) -> Vec<Map<String, Value>> {
    let reach = Reach {
        depth: 8,
        visits: 4 * MAX_ALTERNATIVES,
    };
    let mut found = Vec::new();
    violation::each_alternative(
        document,
        schema,
        0,
        &mut 0,
        reach,
        &mut |alternative, _, _| {
            if found.len() < MAX_ALTERNATIVES {
                found.push(synth::flatten(document, alternative));
            }
        },
    );
    found
}

/// The value that breaks this one (flattened) alternative: a wrong type,
/// a value outside its enum (and outside `members`, every alternative's
/// enum), or a malformed uuid, date or date-time.
fn violation_for(
    document: &Value,
    schema: &Map<String, Value>,
    members: &[&Value],
    depth: usize,
) -> Option<Value> {
    let text = |s: &str| Value::String(s.to_string());
    match effective_type(schema) {
        Some("integer") => return Some(text("not-an-integer")),
        Some("number") => return Some(text("not-a-number")),
        Some("boolean") => return Some(text("not-a-boolean")),
        Some("array") if depth == 0 => {
            let items = synth::flatten(document, schema.get("items")?);
            let item = violation_for(document, &items, members, depth + 1)?;
            return Some(Value::Array(vec![item]));
        }
        _ => {}
    }
    if let Some(own) = schema
        .get("enum")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty())
    {
        let mut candidate = "rollcall-not-in-enum".to_string();
        while own
            .iter()
            .chain(members.iter().copied())
            .any(|m| m.as_str() == Some(candidate.as_str()))
        {
            candidate.push('x');
        }
        return Some(Value::String(candidate));
    }
    match schema.get("format").and_then(Value::as_str) {
        Some("uuid") => Some(text("not-a-uuid")),
        Some("date") => Some(text("not-a-date")),
        Some("date-time") => Some(text("not-a-date-time")),
        _ => None,
    }
}

/// A value of the parameter's type that cannot name an existing resource,
/// or `None` when the type leaves too little room to be sure.
pub fn sentinel(document: &Value, operation: &Operation, parameter: &Parameter) -> Option<Value> {
    if parameter.content.is_some() {
        return None;
    }
    let schema = match parameter.schema(document) {
        Some(schema) => synth::flatten(document, schema),
        None => Map::new(),
    };
    if schema.contains_key("enum") || schema.contains_key("const") {
        return None;
    }
    let seed = seed_for(operation, parameter);
    match effective_type(&schema) {
        Some("integer") | Some("number") => integer_sentinel(&schema, seed).map(Value::from),
        Some("string") | None => string_sentinel(&schema, seed).map(Value::String),
        _ => None,
    }
}

/// FNV-1a of `METHOD /path name`, finished with a mixer: stable across runs,
/// platforms and Rust releases (unlike std's hasher).
fn seed_for(operation: &Operation, parameter: &Parameter) -> u64 {
    let text = format!("{} {}", operation.label(), parameter.name);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    mix(hash)
}

fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn integer_sentinel(schema: &Map<String, Value>, seed: u64) -> Option<i64> {
    let (low, high) = integer_range(schema);
    // Ids are positive in practice: a range that tops out below a million
    // (or spans less) may be fully used. i128: the full i64 span overflows i64.
    if high < MIN_SENTINEL_RANGE
        || i128::from(high) - i128::from(low) < i128::from(MIN_SENTINEL_RANGE)
    {
        return None;
    }
    let offset = (seed % 3000) as i64;
    let mut candidate = INTEGER_SENTINEL_BASE + offset;
    if candidate > high {
        candidate = high - offset;
    } else if candidate < low {
        candidate = low.saturating_add(offset);
    }
    if let Some(step) = schema
        .get("multipleOf")
        .and_then(Value::as_i64)
        .filter(|s| *s > 0)
    {
        candidate = candidate.div_euclid(step).saturating_mul(step);
    }
    (low..=high).contains(&candidate).then_some(candidate)
}

fn string_sentinel(schema: &Map<String, Value>, seed: u64) -> Option<String> {
    let hex = format!("{:08x}", seed as u32);
    let min_len = schema
        .get("minLength")
        .and_then(Value::as_u64)
        .unwrap_or(0)
        .min(4096) as usize;
    let max_len = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .map(|m| m.min(usize::MAX as u64) as usize);
    match schema.get("format").and_then(Value::as_str) {
        Some("uuid") => return Some(uuid_sentinel(seed)),
        Some("email") | Some("idn-email") => {
            return Some(format!("rollcall-sentinel-{hex}@example.invalid"));
        }
        Some("hostname") | Some("idn-hostname") => {
            return Some(format!("rollcall-sentinel-{hex}.invalid"));
        }
        Some(format) if synth::format_value(format).is_some() => return None,
        _ => {}
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        let generated = pattern::generate(pattern, min_len, max_len, Some(seed))?;
        return (generated.entropy_bits >= MIN_SENTINEL_ENTROPY_BITS).then_some(generated.text);
    }
    let mut text = [
        format!("rollcall-sentinel-{hex}"),
        format!("rollcall-{hex}"),
        format!("rc-{hex}"),
        hex.clone(),
    ]
    .into_iter()
    .find(|candidate| max_len.is_none_or(|max| candidate.len() <= max))?;
    if text.len() < min_len {
        let mut round = 0u64;
        while text.len() < min_len {
            round += 1;
            text.push_str(&format!("{:016x}", mix(seed.wrapping_add(round))));
        }
        text.truncate(min_len);
    }
    Some(text)
}

/// A version-4 UUID whose 122 random bits come from the seed.
fn uuid_sentinel(seed: u64) -> String {
    let high = mix(seed ^ 0x5555_5555_5555_5555);
    let low = mix(seed ^ 0xAAAA_AAAA_AAAA_AAAA);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&high.to_be_bytes());
    bytes[8..].copy_from_slice(&low.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::testing::assert_contains;
    use crate::contract::testing::operation;
    use serde_json::json;

    fn delete(path: &str) -> Operation {
        operation(Method::Delete, path).with_responses(&[])
    }

    fn path_param(schema: Value) -> Parameter {
        crate::contract::testing::parameter("id", ParamLocation::Path, true, schema)
    }

    fn sentinel_for(schema: Value) -> Option<Value> {
        sentinel(&json!({}), &delete("/things/{id}"), &path_param(schema))
    }

    #[test]
    fn integer_sentinel_sits_high_within_the_declared_range() {
        let plain = sentinel_for(json!({"type": "integer"}))
            .unwrap()
            .as_i64()
            .unwrap();
        assert!((INTEGER_SENTINEL_BASE..INTEGER_SENTINEL_BASE + 3000).contains(&plain));
        let capped = sentinel_for(json!({"type": "integer", "maximum": 5_000_000}))
            .unwrap()
            .as_i64()
            .unwrap();
        assert!((4_997_000..=5_000_000).contains(&capped), "{capped}");
        let big = sentinel_for(json!({"type": "integer", "minimum": 10_000_000_000i64}))
            .unwrap()
            .as_i64()
            .unwrap();
        assert!((10_000_000_000..10_000_003_000).contains(&big), "{big}");
        let stepped = sentinel_for(json!({"type": "integer", "multipleOf": 1000}))
            .unwrap()
            .as_i64()
            .unwrap();
        assert_eq!(stepped % 1000, 0);
    }

    #[test]
    fn no_sentinel_where_the_range_is_small_or_enumerated() {
        assert_eq!(
            sentinel_for(json!({"type": "integer", "maximum": 999_999})),
            None
        );
        assert_eq!(
            sentinel_for(json!({"type": "integer", "minimum": 2_000_000, "maximum": 2_500_000})),
            None
        );
        assert_eq!(sentinel_for(json!({"type": "string", "enum": ["a"]})), None);
        assert_eq!(sentinel_for(json!({"type": "boolean"})), None);
        assert_eq!(
            sentinel_for(json!({"type": "string", "format": "date"})),
            None
        );
        assert_eq!(
            sentinel_for(json!({"type": "string", "maxLength": 7})),
            None
        );
        assert_eq!(
            sentinel_for(json!({"type": "string", "pattern": "^[0-9]{3}$"})),
            None,
            "only 1000 values"
        );
    }

    #[test]
    fn string_sentinels_fit_length_and_pattern() {
        let plain = sentinel_for(json!({"type": "string"})).unwrap();
        assert!(plain.as_str().unwrap().starts_with("rollcall-sentinel-"));
        let short = sentinel_for(json!({"type": "string", "maxLength": 12})).unwrap();
        assert!(
            short.as_str().unwrap().starts_with("rc-") && short.as_str().unwrap().len() == 11,
            "{short}"
        );
        let long =
            sentinel_for(json!({"type": "string", "minLength": 40, "maxLength": 40})).unwrap();
        assert_eq!(long.as_str().unwrap().len(), 40);
        let patterned =
            sentinel_for(json!({"type": "string", "pattern": "^[a-f0-9]{24}$"})).unwrap();
        let text = patterned.as_str().unwrap();
        assert!(
            text.len() == 24 && text.chars().all(|c| c.is_ascii_hexdigit()),
            "{text}"
        );
        let email = sentinel_for(json!({"type": "string", "format": "email"})).unwrap();
        assert!(email.as_str().unwrap().ends_with("@example.invalid"));
        let untyped = sentinel(
            &json!({}),
            &delete("/x/{id}"),
            &Parameter {
                schema: None,
                ..path_param(json!({}))
            },
        );
        assert!(
            untyped
                .unwrap()
                .as_str()
                .unwrap()
                .starts_with("rollcall-sentinel-")
        );
    }

    #[test]
    fn sentinels_differ_per_operation_but_not_per_run() {
        let id = path_param(json!({"type": "string", "format": "uuid"}));
        let a = sentinel(&json!({}), &delete("/a/{id}"), &id);
        let b = sentinel(&json!({}), &delete("/b/{id}"), &id);
        assert_ne!(a, b);
        assert_eq!(a, sentinel(&json!({}), &delete("/a/{id}"), &id));
    }

    #[test]
    fn violating_values_break_type_enum_or_format() {
        let violate = |schema: Value| {
            violating_value(&json!({}), &path_param(schema))
                .map(|(value, expected)| (value, expected.to_string()))
        };
        let expect = |value: Value, expected: &str| Some((value, expected.to_string()));
        assert_eq!(
            violate(json!({"type": "number"})),
            expect(json!("not-a-number"), "a number")
        );
        assert_eq!(
            violate(json!({"type": "boolean"})),
            expect(json!("not-a-boolean"), "a boolean")
        );
        assert_eq!(
            violate(json!({"type": "string", "format": "uuid"})),
            expect(json!("not-a-uuid"), "a uuid")
        );
        assert_eq!(
            violate(json!({"type": "string", "format": "date-time"})),
            expect(json!("not-a-date-time"), "a date-time")
        );
        assert_eq!(
            violate(json!({"enum": ["rollcall-not-in-enum"]})),
            expect(
                json!("rollcall-not-in-enum".to_string() + "x"),
                "one of its enum values"
            )
        );
        assert_eq!(
            violate(json!({"type": "array", "items": {"type": "integer"}})),
            expect(json!(["not-an-integer"]), "an integer")
        );
        assert_eq!(
            violate(json!({"type": ["integer", "string"]})),
            None,
            "strings are accepted"
        );
        assert_eq!(violate(json!({"type": "string", "maxLength": 5})), None);
        assert_eq!(
            violate(json!({"type": "array", "items": {"type": "string"}})),
            None
        );
    }

    /// GitHub's `workflow_id` and `pages_deployment_id`: "not-an-integer" is
    /// a valid string there, so no value violates every alternative.
    #[test]
    fn a_value_is_invalid_only_if_every_alternative_rejects_it() {
        let violate = |schema: Value| violating_value(&json!({}), &path_param(schema));
        let github = json!({"oneOf": [{"type": "integer"}, {"type": "string"}]});
        assert_eq!(violate(github.clone()), None);
        assert_eq!(
            violate(json!({"anyOf": [{"type": "integer"}, {"type": "string"}]})),
            None
        );
        assert_eq!(
            violate(json!({"type": ["integer", "null", "string"]})),
            None
        );
        assert_eq!(
            violate(json!({"type": "array", "items": github})),
            None,
            "items that take any string"
        );
        assert_eq!(
            violate(json!({"oneOf": [{"type": "integer"}, {"type": "string", "format": "uuid"}]})),
            Some((json!("not-an-integer"), "an integer or a uuid".to_string()))
        );
        // Enums across alternatives: the outsider avoids every member.
        assert_eq!(
            violate(json!({"oneOf": [
                {"enum": ["a"]},
                {"enum": ["rollcall-not-in-enum"]}
            ]})),
            Some((
                json!("rollcall-not-in-enumx"),
                "one of its enum values".to_string()
            ))
        );
        let document = json!({"components": {"schemas": {
            "Number": {"type": "integer"},
            "Name": {"type": "string"},
            "Id": {"oneOf": [{"$ref": "#/components/schemas/Number"}, {"$ref": "#/components/schemas/Name"}]}
        }}});
        let by_ref = path_param(json!({"$ref": "#/components/schemas/Id"}));
        assert_eq!(violating_value(&document, &by_ref), None, "through $refs");
    }

    /// The probes GitHub's `PUT .../actions/workflows/{workflow_id}/disable`
    /// and `DELETE .../workflows/{workflow_id}` would get: no invalid path,
    /// hence nothing sent but `OPTIONS` for the PUT; the DELETE keeps its
    /// sentinel and never gets `not-an-integer` as its second value.
    /// A hundred `oneOf` branches, eight deep: 10^16 paths, never walked.
    #[test]
    fn wide_and_deep_alternatives_are_bounded() {
        let mut schemas = serde_json::Map::new();
        for level in 0..8 {
            let next = json!({"$ref": format!("#/components/schemas/S{}", level + 1)});
            schemas.insert(format!("S{level}"), json!({"oneOf": vec![next; 100]}));
        }
        schemas.insert(
            "S8".into(),
            json!({"oneOf": [{"type": "integer"}, {"type": "string"}]}),
        );
        let document = json!({"components": {"schemas": schemas}});
        let parameter = path_param(json!({"$ref": "#/components/schemas/S0"}));
        assert_eq!(violating_value(&document, &parameter), None);
    }

    #[test]
    fn github_workflow_id_carries_no_safe_probe() {
        let workflow_id = Parameter {
            name: "workflow_id".into(),
            ..path_param(json!({"oneOf": [{"type": "integer"}, {"type": "string"}]}))
        };
        let owner = Parameter {
            name: "owner".into(),
            ..path_param(json!({"type": "string"}))
        };
        let put = Operation {
            method: Method::Put,
            parameters: vec![owner.clone(), workflow_id.clone()],
            ..delete("/repos/{owner}/actions/workflows/{workflow_id}/disable")
        };
        assert_eq!(harmless_probes(&json!({}), &put), vec![]);
        let Decision::Unverifiable { reason } = decide(&json!({}), &put, Mode::Safe) else {
            panic!("unverifiable expected");
        };
        assert_contains(
            &reason,
            "no parameter with a value its schema surely rejects",
        );

        let delete_op = delete("/repos/{owner}/actions/workflows/{workflow_id}")
            .with_parameters(vec![owner, workflow_id]);
        let probes = harmless_probes(&json!({}), &delete_op);
        assert!(
            matches!(probes.as_slice(), [Harmless::Sentinel { .. }]),
            "{probes:?}"
        );
        let contract = crate::probe::testing::contract(vec![delete_op]);
        let probe = probe_of(
            "/repos/rollcall-sentinel-1/actions/workflows/rollcall-sentinel-2",
            Method::Delete,
        );
        assert_eq!(alternate_request(&contract, &probe), None);
    }

    fn media(media_type: &str, schema: Value) -> MediaType {
        MediaType {
            media_type: media_type.into(),
            schema: Some(schema.into()),
            example: None,
            encoding: None,
        }
    }

    fn required_body(content: Vec<MediaType>) -> RequestBody {
        RequestBody {
            required: true,
            content,
        }
    }

    #[test]
    fn an_omitted_body_violates_only_where_an_empty_one_is_invalid() {
        let violates =
            |content: Vec<MediaType>| omitted_body_violates(&json!({}), &required_body(content));
        let titled = json!({"type": "object", "required": ["title"], "properties": {"title": {"type": "string"}}});
        let open = json!({"type": "object", "properties": {"reason": {"type": "string"}}});
        assert!(violates(vec![media("application/json", titled.clone())]));
        assert!(!violates(vec![media("application/json", open.clone())]));
        assert!(violates(vec![media(
            "application/x-www-form-urlencoded",
            titled.clone()
        )]));
        assert!(!violates(vec![media(
            "application/x-www-form-urlencoded",
            open.clone()
        )]));
        assert!(violates(vec![media("multipart/form-data", titled.clone())]));
        assert!(!violates(vec![media("multipart/form-data", json!({}))]));
        assert!(!violates(vec![media(
            "application/octet-stream",
            json!({"type": "string", "format": "binary"})
        )]));
        // Raw bytes whatever the schema beside them says: Docker's
        // `POST /networks/{id}/connect`, Apache Qakka's messages, Azure's
        // blob upload.
        for schema in [
            json!({"type": "object", "properties": {"Container": {"type": "string"}}}),
            json!({"type": "array", "items": {"type": "string", "format": "byte"}}),
            json!({"type": "object", "format": "file"}),
            json!({"type": "string", "minLength": 1}),
        ] {
            assert!(
                !violates(vec![media("application/octet-stream", schema.clone())]),
                "{schema}"
            );
            assert!(!violates(vec![media("image/png", schema)]));
        }
        assert!(!violates(vec![media(
            "text/plain",
            json!({"type": "string"})
        )]));
        assert!(violates(vec![media(
            "text/plain",
            json!({"type": "string", "minLength": 1})
        )]));
        assert!(violates(vec![media(
            "text/plain",
            json!({"type": "integer"})
        )]));
        assert!(
            !violates(vec![
                media("application/json", titled.clone()),
                media("text/plain", json!({"type": "string"}))
            ]),
            "every media type must refuse it"
        );
        assert!(!violates(vec![media(
            "application/x-ndjson",
            titled.clone()
        )]));
        assert!(!violates(vec![]), "no media type: nothing to go by");
        assert!(
            !omitted_body_violates(
                &json!({}),
                &RequestBody {
                    required: false,
                    content: vec![media("application/json", titled)]
                }
            ),
            "an optional body may be left out"
        );
    }

    fn with_id(method: Method, schema: Value, example: Option<Value>) -> Operation {
        Operation {
            method,
            parameters: vec![Parameter {
                example: example.map(Into::into),
                ..path_param(schema)
            }],
            ..delete("/orders/{id}/lines")
        }
    }

    fn probe_of(request_path: &str, method: Method) -> PlannedProbe {
        PlannedProbe {
            declared: Default::default(),
            operation: 0,
            intent: super::super::Intent::Valid,
            request: Some(PlannedRequest {
                method,
                path_and_query: request_path.into(),
                headers: vec![
                    ("Authorization".into(), "Bearer t".into()),
                    ("Content-Type".into(), "application/json".into()),
                ],
                body: None,
            }),
            fallbacks: vec![],
            notes: vec![],
        }
    }

    fn alternate(operation: Operation, request_path: &str) -> Option<Alternate> {
        let method = operation.method;
        let contract = crate::probe::testing::contract(vec![operation]);
        alternate_request(&contract, &probe_of(request_path, method))
    }

    #[test]
    fn a_get_gets_another_declared_value_first() {
        let op = with_id(
            Method::Get,
            json!({"type": "integer", "examples": [42, 7]}),
            Some(json!(42)),
        );

        let second = alternate(op, "/orders/42/lines?limit=1").expect("an alternate");

        assert_eq!(second.kind, AlternateKind::OtherValue);
        assert_eq!(second.parameter, "id");
        assert_eq!(second.request.path_and_query, "/orders/7/lines?limit=1");
        assert_eq!(second.request.method, Method::Get);
        assert_eq!(
            second.request.headers,
            [("Authorization".to_string(), "Bearer t".to_string())],
            "credentials kept, no content type without a body"
        );
    }

    #[test]
    fn without_another_declared_value_a_get_gets_an_invalid_then_a_small_one() {
        let typed = with_id(Method::Get, json!({"type": "integer"}), Some(json!(42)));
        let second = alternate(typed, "/orders/42/lines").expect("an alternate");
        assert_eq!(
            second.kind,
            AlternateKind::Invalid {
                violation: "path parameter 'id' is not an integer".into()
            }
        );
        assert_eq!(
            second.request.path_and_query,
            "/orders/not-an-integer/lines"
        );

        let untyped_string = with_id(Method::Get, json!({"type": "string"}), None);
        assert_eq!(alternate(untyped_string, "/orders/abc/lines"), None);
    }

    #[test]
    fn a_delete_gets_only_a_value_its_type_forbids_and_other_unsafe_methods_none() {
        let delete_op = with_id(
            Method::Delete,
            json!({"type": "integer", "examples": [7]}),
            None,
        );
        let second = alternate(delete_op, "/orders/2147481234/lines").expect("an alternate");
        assert_eq!(
            second.request.path_and_query,
            "/orders/not-an-integer/lines"
        );
        assert_eq!(second.request.body, None);

        let string_id = with_id(Method::Delete, json!({"type": "string"}), None);
        assert_eq!(
            alternate(string_id, "/orders/rollcall-sentinel-1/lines"),
            None
        );
        for method in [Method::Put, Method::Post, Method::Patch] {
            let op = with_id(method, json!({"type": "integer"}), Some(json!(42)));
            assert_eq!(alternate(op, "/orders/42/lines"), None, "{method}");
        }
    }

    #[test]
    fn route_path_fills_path_parameters_with_valid_values() {
        let op = with_id(Method::Put, json!({"type": "integer"}), Some(json!(42)));
        assert_eq!(route_path(&json!({}), &op), "/orders/42/lines");
        let undeclared = delete("/notes/{name}");
        assert_eq!(route_path(&json!({}), &undeclared), "/notes/rollcall");
    }
}
