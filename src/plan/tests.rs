//! Planner tests on small hand-built contracts: the request each operation
//! gets (method, path and query, headers, body), per mode, with credentials.

use serde_json::{Value, json};

use super::*;
use crate::contract::testing::{assert_contains, assert_ends_with, testdata_contract};
use crate::contract::{
    MediaType, Operation, ParamLocation, Parameter, RequestBody, SecurityScheme,
};

pub(crate) fn contract(document: Value, operations: Vec<Operation>) -> Contract {
    crate::contract::testing::contract(operations).with_document(document)
}

pub(crate) use crate::contract::testing::operation as op;

pub(crate) use crate::contract::testing::parameter as param;

/// The intent of a request its contract forbids, for `violation`.
fn invalid(violation: &str) -> Intent {
    Intent::Invalid {
        violation: violation.into(),
    }
}

pub(crate) fn body(required: bool, media_types: &[(&str, Value)]) -> RequestBody {
    RequestBody {
        required,
        content: media_types
            .iter()
            .map(|(media_type, schema)| MediaType {
                media_type: media_type.to_string(),
                schema: Some(schema.clone().into()),
                example: None,
                encoding: None,
            })
            .collect(),
    }
}

fn plan_one(operation: Operation, mode: Mode) -> PlannedProbe {
    let c = contract(json!({}), vec![operation]);
    let options = PlanOptions {
        mode,
        ..PlanOptions::default()
    };
    build(&c, &options).unwrap().probes.remove(0)
}

fn request(probe: &PlannedProbe) -> &PlannedRequest {
    probe.request.as_ref().expect("a request was planned")
}

fn body_text(request: &PlannedRequest) -> (&str, &str) {
    let body = request.body.as_ref().expect("a body");
    (
        &body.content_type,
        std::str::from_utf8(&body.bytes).unwrap(),
    )
}

fn header<'r>(request: &'r PlannedRequest, name: &str) -> Option<&'r str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn pet_id() -> Parameter {
    let mut p = param(
        "petId",
        ParamLocation::Path,
        true,
        json!({"type": "integer", "format": "int64", "minimum": 1}),
    );
    p.example = Some(json!(42).into());
    p
}

// ---- base URL -------------------------------------------------------------

fn url(text: &str) -> url::Url {
    url::Url::parse(text).unwrap()
}

fn with_servers(servers: &[&str]) -> Contract {
    let mut c = contract(json!({}), vec![]);
    c.servers = servers.iter().map(|s| s.to_string()).collect();
    c
}

#[test]
fn target_with_a_path_is_the_full_base() {
    let c = with_servers(&["/api/v1"]);
    assert_eq!(
        base_url(&url("http://h:8080/stage/api/"), &c).as_str(),
        "http://h:8080/stage/api"
    );
    assert_eq!(
        base_url(&url("http://h/x?debug=1#f"), &c).as_str(),
        "http://h/x"
    );
}

#[test]
fn bare_target_gets_the_first_server_path() {
    let relative = with_servers(&["/api/v1/", "/other"]);
    assert_eq!(
        base_url(&url("http://h:8080"), &relative).as_str(),
        "http://h:8080/api/v1"
    );
    assert_eq!(
        base_url(&url("http://h:8080/"), &relative).as_str(),
        "http://h:8080/api/v1"
    );
    let absolute = with_servers(&["https://api.example.com/api/v2?x=1"]);
    assert_eq!(
        base_url(&url("http://127.0.0.1:3000"), &absolute).as_str(),
        "http://127.0.0.1:3000/api/v2"
    );
    let no_slash = with_servers(&["api/v3"]);
    assert_eq!(
        base_url(&url("http://h"), &no_slash).as_str(),
        "http://h/api/v3"
    );
    let scheme_relative = with_servers(&["//cdn.example.com/v4"]);
    assert_eq!(
        base_url(&url("http://h"), &scheme_relative).as_str(),
        "http://h/v4"
    );
}

#[test]
fn bare_target_with_no_server_path_stays_the_origin() {
    for servers in [&[][..], &["https://api.example.com"][..], &["/"][..]] {
        let base = base_url(&url("http://h:8080"), &with_servers(servers));
        assert_eq!(base.path(), "/");
        assert_eq!(
            request_url(&base, "/pets?limit=1"),
            "http://h:8080/pets?limit=1"
        );
    }
}

#[test]
fn base_url_keeps_userinfo_and_port_and_drops_the_query() {
    let c = with_servers(&["/api"]);
    let base = base_url(&url("https://user:pw@h:8443/?token=abc"), &c);
    assert_eq!(base.as_str(), "https://user:pw@h:8443/api");
    assert_eq!(
        request_url(&base, "/pets"),
        "https://user:pw@h:8443/api/pets"
    );
}

#[test]
fn base_path_replaces_the_server_path_and_slash_is_the_target_url_itself() {
    let c = with_servers(&["https://api.example.com/api/v1"]);
    let root: BasePath = "/".parse().unwrap();
    let v2: BasePath = "/api/v2/".parse().unwrap();
    let base = |target: &str, base_path: Option<&BasePath>| {
        let base = target_base(&url(target), base_path, &c);
        (base.url.to_string(), base.source.to_string())
    };
    assert_eq!(
        base("http://h:8080/", Some(&root)),
        ("http://h:8080/".into(), "base path /".into()),
        "a service at the root: nothing appended"
    );
    assert_eq!(
        base("http://h:8080", None),
        (
            "http://h:8080/api/v1".into(),
            "the contract's server path /api/v1".into()
        ),
        "without a base path the default rule holds"
    );
    assert_eq!(
        base("http://h:8080/gw/", Some(&root)).0,
        "http://h:8080/gw",
        "/ is exactly the target URL, its path included"
    );
    assert_eq!(
        base("http://h:8080/gw?x=1", Some(&v2)),
        ("http://h:8080/gw/api/v2".into(), "base path /api/v2".into()),
        "the base path follows the target's own path"
    );
    assert_eq!(
        base("http://h:8080/stage", None),
        ("http://h:8080/stage".into(), "the target's own path".into())
    );
    assert_eq!(
        base("http://h:8080", Some(&root)).0,
        base_url(&url("http://h:8080"), &with_servers(&[])).to_string(),
    );
}

#[test]
fn base_path_must_be_a_plain_absolute_path() {
    assert_eq!("/".parse::<BasePath>().unwrap().to_string(), "/");
    assert_eq!("//".parse::<BasePath>().unwrap().to_string(), "/");
    assert_eq!(" /v1/ ".parse::<BasePath>().unwrap().to_string(), "/v1");
    for relative in ["api/v1", ""] {
        assert!(
            matches!(
                relative.parse::<BasePath>(),
                Err(BasePathError::NotAbsolute(_))
            ),
            "{relative:?}"
        );
    }
    for bad in ["/v1?x=1", "/v1#top", "/a b", "/a\nb"] {
        assert!(
            matches!(bad.parse::<BasePath>(), Err(BasePathError::NotAPath(_))),
            "{bad:?}"
        );
    }
}

// ---- values and serialization in whole requests ---------------------------

#[test]
fn get_uses_parameter_example_and_required_query_only() {
    let mut get = op(Method::Get, "/pets/{petId}/toys");
    get.parameters = vec![
        pet_id(),
        param(
            "limit",
            ParamLocation::Query,
            true,
            json!({"type": "integer", "minimum": 5}),
        ),
        param(
            "offset",
            ParamLocation::Query,
            false,
            json!({"type": "integer"}),
        ),
        param(
            "X-Trace",
            ParamLocation::Header,
            true,
            json!({"type": "string", "format": "uuid"}),
        ),
        param(
            "X-Optional",
            ParamLocation::Header,
            false,
            json!({"type": "string"}),
        ),
        param(
            "session",
            ParamLocation::Cookie,
            true,
            json!({"type": "string", "example": "s 1"}),
        ),
        param(
            "lang",
            ParamLocation::Cookie,
            true,
            json!({"enum": ["en", "de"]}),
        ),
    ];
    let probe = plan_one(get, Mode::Safe);
    assert_eq!(probe.intent, Intent::Valid);
    let r = request(&probe);
    assert_eq!(r.method, Method::Get);
    assert_eq!(r.path_and_query, "/pets/42/toys?limit=5");
    assert_eq!(
        r.headers,
        vec![
            (
                "X-Trace".to_string(),
                "3fa85f64-5717-4562-b3fc-2c963f66afa6".to_string()
            ),
            ("Cookie".to_string(), "session=s%201; lang=en".to_string()),
        ]
    );
    assert_eq!(r.body, None);
}

#[test]
fn path_values_are_percent_encoded_and_styles_applied() {
    let mut get = op(Method::Get, "/files/{name}/{coords}");
    let mut name = param("name", ParamLocation::Path, true, json!({"type": "string"}));
    name.example = Some(json!("a/b?c#d%e f é").into());
    let mut coords = param(
        "coords",
        ParamLocation::Path,
        true,
        json!({"type": "array", "items": {"type": "integer"}}),
    );
    coords.style = Some("matrix".into());
    coords.explode = Some(true);
    let mut tags = param(
        "tags",
        ParamLocation::Query,
        true,
        json!({"type": "array", "items": {"type": "string"}}),
    );
    tags.example = Some(json!(["x&y", "z"]).into());
    let mut filter = param(
        "filter",
        ParamLocation::Query,
        true,
        json!({"type": "object"}),
    );
    filter.style = Some("deepObject".into());
    filter.example = Some(json!({"kind": "cat dog"}).into());
    get.parameters = vec![name, coords, tags, filter];
    let r = plan_one(get, Mode::Safe).request.unwrap();
    assert_eq!(
        r.path_and_query,
        "/files/a%2Fb%3Fc%23d%25e%20f%20%C3%A9/;coords=1?tags=x%26y&tags=z&filter[kind]=cat%20dog"
    );
}

#[test]
fn header_parameters_named_accept_content_type_or_authorization_are_ignored() {
    let mut get = op(Method::Get, "/x");
    get.parameters = vec![
        param(
            "Accept",
            ParamLocation::Header,
            true,
            json!({"type": "string"}),
        ),
        param(
            "Authorization",
            ParamLocation::Header,
            true,
            json!({"type": "string"}),
        ),
        param(
            "X-Kept",
            ParamLocation::Header,
            true,
            json!({"type": "integer"}),
        ),
    ];
    let r = plan_one(get, Mode::Safe).request.unwrap();
    assert_eq!(r.headers, vec![("X-Kept".to_string(), "1".to_string())]);
}

#[test]
fn undeclared_template_parameter_gets_a_placeholder_and_a_note() {
    let operation = op(Method::Get, "/things/{thingId}");
    let probe = plan_one(operation.clone(), Mode::Safe);
    assert_eq!(request(&probe).path_and_query, "/things/rollcall");
    assert_eq!(
        probe.notes,
        ["path parameter 'thingId' is not declared; sent 'rollcall'"]
    );
    assert_eq!(notes(&operation, &probe), probe.notes);
}

#[test]
fn schema_refs_are_followed_through_the_document() {
    let document = json!({"components": {"schemas": {
        "Pet": {"type": "object", "required": ["id", "name", "kind"], "properties": {
            "id": {"type": "integer", "readOnly": true},
            "name": {"type": "string", "minLength": 1},
            "kind": {"$ref": "#/components/schemas/Kind"}
        }},
        "Kind": {"type": "string", "enum": ["cat", "dog"]}
    }}});
    let mut post = op(Method::Post, "/pets");
    post.request_body = Some(body(
        true,
        &[(
            "application/json",
            json!({"$ref": "#/components/schemas/Pet"}),
        )],
    ));
    let c = contract(document, vec![post]);
    let options = PlanOptions {
        mode: Mode::Live,
        ..PlanOptions::default()
    };
    let plan = build(&c, &options).unwrap();
    let r = plan.probes[0].request.as_ref().unwrap();
    assert_eq!(
        body_text(r),
        ("application/json", r#"{"name":"rollcall","kind":"cat"}"#)
    );
}

#[test]
fn same_contract_gives_the_same_requests() {
    let mut delete = op(Method::Delete, "/orders/{orderId}");
    delete.parameters = vec![param(
        "orderId",
        ParamLocation::Path,
        true,
        json!({"type": "string", "format": "uuid"}),
    )];
    let mut post = op(Method::Post, "/orders");
    post.request_body = Some(body(
        false,
        &[(
            "application/json",
            json!({"type": "object", "required": ["n"], "properties": {"n": {"type": "number"}}}),
        )],
    ));
    let c = contract(json!({}), vec![delete, post]);
    for mode in [Mode::Safe, Mode::Live] {
        let options = PlanOptions {
            mode,
            ..PlanOptions::default()
        };
        let first = build(&c, &options).unwrap();
        let second = build(&c, &options).unwrap();
        for (a, b) in first.probes.iter().zip(&second.probes) {
            assert_eq!(a.request, b.request);
            assert_eq!(a.intent, b.intent);
        }
    }
}

// ---- bodies ----------------------------------------------------------------

#[test]
fn live_mode_sends_a_valid_body_for_every_method_even_an_optional_one() {
    let mut put = op(Method::Put, "/pets/{petId}");
    put.parameters = vec![pet_id()];
    put.request_body = Some(body(
        false,
        &[
            ("application/x-ndjson", json!({"type": "object"})),
            (
                "application/merge-patch+json",
                json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}),
            ),
        ],
    ));
    let probe = plan_one(put, Mode::Live);
    assert_eq!(probe.intent, Intent::Valid);
    let r = request(&probe);
    assert_eq!(r.path_and_query, "/pets/42");
    assert_eq!(
        body_text(r),
        ("application/merge-patch+json", r#"{"name":"rollcall"}"#)
    );
}

/// Where an empty body would be valid, live mode still sends a real one:
/// the handler acts on it, so it should have something to act on.
#[test]
fn live_mode_never_sends_an_empty_body_where_no_field_is_required() {
    let open = json!({"type": "object", "properties": {
        "id": {"type": "integer", "readOnly": true},
        "reason": {"type": "string", "example": "duplicate"},
        "notify": {"type": "boolean"}
    }});
    let cases = [
        ("application/x-www-form-urlencoded", "reason=duplicate"),
        ("application/json", r#"{"reason":"duplicate"}"#),
        ("application/octet-stream", "rollcall test file\n"),
        ("text/plain", "rollcall"),
    ];
    for (media_type, expected) in cases {
        let schema = if media_type.starts_with("application/octet") {
            json!({"type": "string", "format": "binary"})
        } else if media_type == "text/plain" {
            json!({"type": "string"})
        } else {
            open.clone()
        };
        let mut post = op(Method::Post, "/jobs/{jobId}/cancel");
        post.request_body = Some(body(true, &[(media_type, schema)]));
        let probe = plan_one(post, Mode::Live);
        assert_eq!(body_text(request(&probe)), (media_type, expected));
    }
}

#[test]
fn optional_body_on_get_or_delete_is_left_out_with_a_note_and_a_required_one_is_sent() {
    let schema = json!({"type": "object", "properties": {"q": {"type": "string"}}});
    for method in [Method::Get, Method::Delete] {
        let mut operation = op(method, "/search");
        operation.request_body = Some(body(false, &[("application/json", schema.clone())]));
        let probe = plan_one(operation, Mode::Live);
        assert_eq!(request(&probe).body, None, "{method}");
        assert_eq!(
            probe.notes,
            [format!(
                "optional request body left out: {method} gives a body no defined meaning"
            )]
        );
    }

    let mut get = op(Method::Get, "/search");
    get.request_body = Some(body(true, &[("application/json", schema)]));
    let probe = plan_one(get, Mode::Live);
    assert_eq!(body_text(request(&probe)).0, "application/json");
    assert!(probe.notes.is_empty(), "{:?}", probe.notes);
}

#[test]
fn no_producible_media_type_sends_the_first_empty_with_a_note() {
    let mut post = op(Method::Post, "/upload");
    post.request_body = Some(body(
        true,
        &[
            ("application/x-ndjson", json!({})),
            ("application/grpc", json!({})),
        ],
    ));
    let probe = plan_one(post.clone(), Mode::Live);
    let r = request(&probe);
    assert_eq!(body_text(r), ("application/x-ndjson", ""));
    assert_eq!(probe.notes.len(), 1, "{:?}", probe.notes);
    assert!(
        probe.notes[0].contains("application/x-ndjson, application/grpc"),
        "{:?}",
        probe.notes
    );
    assert_eq!(notes(&post, &probe), probe.notes);
}

// ---- safe mode --------------------------------------------------------------

#[test]
fn safe_mode_reads_are_valid_requests() {
    for method in [Method::Get, Method::Head, Method::Options, Method::Trace] {
        let mut read = op(method, "/pets/{petId}");
        read.parameters = vec![pet_id()];
        let probe = plan_one(read, Mode::Safe);
        assert_eq!(probe.intent, Intent::Valid, "{method}");
        assert_eq!(request(&probe).path_and_query, "/pets/42");
    }
}

#[test]
fn safe_delete_targets_a_sentinel_integer_id() {
    let mut delete = op(Method::Delete, "/pets/{petId}");
    delete.parameters = vec![pet_id()];
    let probe = plan_one(delete, Mode::Safe);
    assert_eq!(
        probe.intent,
        Intent::Sentinel {
            parameter: "petId".into()
        }
    );
    let path = &request(&probe).path_and_query;
    let id: i64 = path.strip_prefix("/pets/").unwrap().parse().unwrap();
    assert!(
        (2_147_480_000..=i64::from(i32::MAX)).contains(&id),
        "{path}"
    );
}

#[test]
fn safe_delete_targets_a_sentinel_uuid_and_string() {
    let mut delete = op(Method::Delete, "/orgs/{org}/orders/{orderId}");
    delete.parameters = vec![
        param("org", ParamLocation::Path, true, json!({"type": "string"})),
        param(
            "orderId",
            ParamLocation::Path,
            true,
            json!({"type": "string", "format": "uuid"}),
        ),
    ];
    let probe = plan_one(delete, Mode::Safe);
    assert_eq!(
        probe.intent,
        Intent::Sentinel {
            parameter: "org, orderId".into()
        }
    );
    let path = request(&probe).path_and_query.clone();
    let parts: Vec<&str> = path.split('/').collect();
    assert!(
        parts[2].starts_with("rollcall-sentinel-") && parts[2].len() == 26,
        "{path}"
    );
    let uuid = parts[4];
    assert_eq!(uuid.len(), 36);
    assert_eq!(&uuid[14..15], "4", "version 4: {uuid}");
    assert!("89ab".contains(&uuid[19..20]), "RFC 4122 variant: {uuid}");
    assert_ne!(uuid, "3fa85f64-5717-4562-b3fc-2c963f66afa6");
}

#[test]
fn safe_delete_with_an_enum_or_small_range_falls_back_to_other_options() {
    let mut delete = op(Method::Delete, "/kinds/{kind}/slots/{slot}");
    delete.parameters = vec![
        param(
            "kind",
            ParamLocation::Path,
            true,
            json!({"type": "string", "enum": ["a", "b"]}),
        ),
        param(
            "slot",
            ParamLocation::Path,
            true,
            json!({"type": "integer", "maximum": 999}),
        ),
    ];
    let probe = plan_one(delete, Mode::Safe);
    assert_eq!(
        probe.intent,
        invalid("path parameter 'kind' is not one of its enum values")
    );
    assert_eq!(
        request(&probe).path_and_query,
        "/kinds/rollcall-not-in-enum/slots/1"
    );
}

#[test]
fn safe_delete_with_a_body_keeps_the_body_valid() {
    let mut delete = op(Method::Delete, "/pets/{petId}");
    delete.parameters = vec![pet_id()];
    delete.request_body = Some(body(
        true,
        &[(
            "application/json",
            json!({"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}),
        )],
    ));
    let probe = plan_one(delete, Mode::Safe);
    assert!(matches!(probe.intent, Intent::Sentinel { .. }));
    assert_eq!(
        body_text(request(&probe)),
        ("application/json", r#"{"reason":"rollcall"}"#)
    );
}

#[test]
fn safe_post_with_a_json_body_sends_malformed_json() {
    let mut post = op(Method::Post, "/pets");
    post.parameters = vec![param(
        "dryRun",
        ParamLocation::Query,
        true,
        json!({"type": "boolean"}),
    )];
    post.request_body = Some(body(
        false,
        &[
            ("multipart/form-data", json!({})),
            ("application/json; charset=utf-8", json!({"type": "object"})),
        ],
    ));
    let probe = plan_one(post, Mode::Safe);
    assert_eq!(probe.intent, invalid("malformed JSON body"));
    let r = request(&probe);
    assert_eq!(
        r.path_and_query, "/pets?dryRun=true",
        "other parts stay valid"
    );
    assert_eq!(
        body_text(r),
        ("application/json; charset=utf-8", "{\"rollcall\": ")
    );
}

#[test]
fn safe_post_with_a_required_non_json_body_omits_it_where_the_schema_needs_a_field() {
    let mut post = op(Method::Post, "/upload");
    post.request_body = Some(body(
        true,
        &[(
            "multipart/form-data",
            json!({"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}),
        )],
    ));
    let probe = plan_one(post, Mode::Safe);
    assert_eq!(probe.intent, invalid("required request body omitted"));
    assert_eq!(request(&probe).body, None);
    assert!(
        probe.fallbacks.is_empty(),
        "a bodiless request reaches the router"
    );
}

/// The cases of the truth issue: an empty body is a valid body for each
/// (a correct handler stores an empty object, blanks the note, cancels the
/// job), so safe mode sends none of them and says why.
#[test]
fn safe_mode_never_sends_an_empty_body_the_contract_allows() {
    let key = param("key", ParamLocation::Path, true, json!({"type": "string"}));
    let cases = [
        (
            Method::Put,
            "/objects/{key}",
            "application/octet-stream",
            json!({"type": "string", "format": "binary"}),
        ),
        (
            Method::Put,
            "/notes/{key}",
            "text/plain",
            json!({"type": "string"}),
        ),
        (
            Method::Post,
            "/jobs/{key}/cancel",
            "application/x-www-form-urlencoded",
            json!({"type": "object", "properties": {"reason": {"type": "string"}}}),
        ),
        (
            Method::Patch,
            "/settings/{key}",
            "application/xml",
            json!({"type": "object", "properties": {"theme": {"type": "string"}}}),
        ),
    ];
    for (method, path, media_type, schema) in cases {
        let mut operation = op(method, path);
        operation.parameters = vec![key.clone()];
        operation.request_body = Some(body(true, &[(media_type, schema)]));
        let probe = plan_one(operation, Mode::Safe);
        assert_eq!(probe.request, None, "{method} {path}: nothing is sent");
        let Intent::Unverifiable { reason } = &probe.intent else {
            panic!(
                "{method} {path}: expected unverifiable, got {:?}",
                probe.intent
            );
        };
        assert_contains(
            reason,
            &format!("an empty body is valid for its non-JSON body ({media_type})"),
        );
    }
}

/// A malformed JSON body comes first; the required body left out and an
/// invalid query value follow, for when a body parser in front of the
/// router refuses the malformed one on every path.
#[test]
fn a_malformed_body_is_followed_by_the_next_harmless_requests() {
    let mut post = op(Method::Post, "/tickets/{ticketId}/comments");
    post.parameters = vec![
        param(
            "ticketId",
            ParamLocation::Path,
            true,
            json!({"type": "integer", "example": 7}),
        ),
        param(
            "notify",
            ParamLocation::Query,
            true,
            json!({"type": "boolean"}),
        ),
    ];
    post.request_body = Some(body(
        true,
        &[(
            "application/json",
            json!({"type": "object", "required": ["body"], "properties": {"body": {"type": "string"}}}),
        )],
    ));
    let probe = plan_one(post, Mode::Safe);
    assert_eq!(probe.intent, invalid("malformed JSON body"));
    assert!(probe.sends_malformed_body());
    let chain: Vec<(String, String, Option<String>)> = probe
        .fallbacks
        .iter()
        .map(|f| {
            let Intent::Invalid { violation } = &f.intent else {
                panic!("{:?}", f.intent);
            };
            (
                violation.clone(),
                f.request.path_and_query.clone(),
                f.request
                    .body
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(&b.bytes).into_owned()),
            )
        })
        .collect();
    assert_eq!(
        chain,
        [
            (
                "required request body omitted".to_string(),
                "/tickets/7/comments?notify=true".to_string(),
                None
            ),
            (
                "query parameter 'notify' is not a boolean".to_string(),
                "/tickets/7/comments?notify=not-a-boolean".to_string(),
                Some(r#"{"body":"rollcall"}"#.to_string())
            ),
            (
                "path parameter 'ticketId' is not an integer".to_string(),
                "/tickets/not-an-integer/comments?notify=true".to_string(),
                Some(r#"{"body":"rollcall"}"#.to_string())
            ),
        ]
    );

    // Without a malformed body first, nothing follows.
    let mut put = op(Method::Put, "/pets/{petId}");
    put.parameters = vec![pet_id()];
    assert!(plan_one(put, Mode::Safe).fallbacks.is_empty());
}

#[test]
fn a_target_that_never_answers_a_malformed_body_gets_the_next_request_or_none() {
    let mut post = op(Method::Post, "/tickets");
    post.request_body = Some(body(
        true,
        &[(
            "application/json",
            json!({"type": "object", "required": ["title"]}),
        )],
    ));
    let probe = plan_one(post.clone(), Mode::Safe).without_malformed_body();
    assert_eq!(probe.intent, invalid("required request body omitted"));
    assert_eq!(request(&probe).body, None);
    assert!(!probe.sends_malformed_body());

    post.request_body = Some(body(
        true,
        &[("application/json", json!({"type": "object"}))],
    ));
    let probe = plan_one(post, Mode::Safe).without_malformed_body();
    assert_eq!(probe.request, None);
    assert!(
        matches!(&probe.intent, Intent::Unverifiable { reason } if reason.contains("never answers a malformed JSON body")),
        "{:?}",
        probe.intent
    );
}

#[test]
fn safe_patch_violates_a_typed_required_query_parameter_before_a_path_one() {
    let mut patch = op(Method::Patch, "/pets/{petId}");
    patch.parameters = vec![
        pet_id(),
        param(
            "reason",
            ParamLocation::Query,
            true,
            json!({"type": "string"}),
        ),
        param(
            "since",
            ParamLocation::Query,
            true,
            json!({"type": "string", "format": "date"}),
        ),
        param(
            "limit",
            ParamLocation::Query,
            false,
            json!({"type": "integer"}),
        ),
    ];
    let probe = plan_one(patch, Mode::Safe);
    assert_eq!(
        probe.intent,
        invalid("query parameter 'since' is not a date")
    );
    assert_eq!(
        request(&probe).path_and_query,
        "/pets/42?reason=rollcall&since=not-a-date"
    );
}

#[test]
fn safe_put_violates_a_typed_path_parameter() {
    let mut put = op(Method::Put, "/pets/{petId}");
    put.parameters = vec![pet_id()];
    let probe = plan_one(put, Mode::Safe);
    assert_eq!(
        probe.intent,
        invalid("path parameter 'petId' is not an integer")
    );
    assert_eq!(request(&probe).path_and_query, "/pets/not-an-integer");
}

#[test]
fn safe_put_with_nothing_rejectable_is_unverifiable_with_a_reason() {
    let mut put = op(Method::Put, "/notes/{name}");
    put.parameters = vec![param(
        "name",
        ParamLocation::Path,
        true,
        json!({"type": "string"}),
    )];
    let probe = plan_one(put, Mode::Safe);
    assert_eq!(probe.request, None);
    let Intent::Unverifiable { reason } = probe.intent else {
        panic!("expected unverifiable, got {:?}", probe.intent);
    };
    assert_eq!(
        reason,
        "no request for PUT /notes/{name} is both harmless and rejectable: no body, no parameter with a value its schema surely rejects; run --mode live to check it"
    );
}

#[test]
fn safe_delete_without_path_parameter_and_optional_form_body_is_unverifiable() {
    let mut delete = op(Method::Delete, "/cache");
    delete.request_body = Some(body(
        false,
        &[("application/x-www-form-urlencoded", json!({}))],
    ));
    let probe = plan_one(delete, Mode::Safe);
    let Intent::Unverifiable { reason } = probe.intent else {
        panic!("expected unverifiable");
    };
    assert_contains(
        &reason,
        "optional non-JSON body (application/x-www-form-urlencoded)",
    );
}

#[test]
fn live_mode_gives_every_method_a_valid_request() {
    for method in Method::ALL {
        let mut operation = op(method, "/pets/{petId}");
        operation.parameters = vec![pet_id()];
        let probe = plan_one(operation, Mode::Live);
        assert_eq!(probe.intent, Intent::Valid, "{method}");
        assert_eq!(request(&probe).path_and_query, "/pets/42");
    }
}

// ---- credentials ----------------------------------------------------------

fn secured_contract() -> Contract {
    let mut c = contract(json!({}), vec![]);
    c.security_schemes = vec![
        (
            "bearerAuth".into(),
            SecurityScheme::Http {
                scheme: "bearer".into(),
            },
        ),
        (
            "basicAuth".into(),
            SecurityScheme::Http {
                scheme: "basic".into(),
            },
        ),
        (
            "digestAuth".into(),
            SecurityScheme::Http {
                scheme: "digest".into(),
            },
        ),
        (
            "headerKey".into(),
            SecurityScheme::ApiKey {
                name: "X-API-Key".into(),
                location: ParamLocation::Header,
            },
        ),
        (
            "queryKey".into(),
            SecurityScheme::ApiKey {
                name: "api_key".into(),
                location: ParamLocation::Query,
            },
        ),
        (
            "cookieKey".into(),
            SecurityScheme::ApiKey {
                name: "sid".into(),
                location: ParamLocation::Cookie,
            },
        ),
        ("oauth".into(), SecurityScheme::OAuth2),
        ("oidc".into(), SecurityScheme::OpenIdConnect),
        ("mtls".into(), SecurityScheme::MutualTls),
    ];
    c
}

fn secured_op(path: &str, alternatives: &[&[&str]]) -> Operation {
    let mut o = op(Method::Get, path);
    o.security = alternatives
        .iter()
        .map(|names| names.iter().map(|n| (n.to_string(), vec![])).collect())
        .collect();
    o
}

fn credential(scheme: &str, value: &str) -> Credential {
    Credential {
        scheme: scheme.into(),
        value: value.into(),
    }
}

fn plan_secured(operation: Operation, credentials: Vec<Credential>) -> PlannedRequest {
    let mut c = secured_contract();
    c.operations = vec![operation];
    let options = PlanOptions {
        credentials,
        ..PlanOptions::default()
    };
    build(&c, &options)
        .unwrap()
        .probes
        .remove(0)
        .request
        .unwrap()
}

#[test]
fn unknown_auth_scheme_is_refused_with_the_declared_names() {
    let c = secured_contract();
    let options = PlanOptions {
        credentials: vec![credential("bearer", "s3cret")],
        ..PlanOptions::default()
    };
    let err = build(&c, &options).unwrap_err();
    assert!(matches!(&err, PlanError::UnknownAuthScheme { scheme, .. } if scheme == "bearer"));
    let message = err.to_string();
    assert_contains(&message, "bearerAuth, basicAuth, digestAuth");
    assert!(!message.contains("s3cret"));
    let bare = contract(json!({}), vec![]);
    let err = build(&bare, &options).unwrap_err();
    assert!(err.to_string().contains("(declared: none)"), "{err}");
}

#[test]
fn basic_credential_without_a_colon_is_refused_without_echoing_it() {
    let c = secured_contract();
    let options = PlanOptions {
        credentials: vec![credential("basicAuth", "justapassword")],
        ..PlanOptions::default()
    };
    let err = build(&c, &options).unwrap_err();
    assert!(matches!(err, PlanError::BadCredential { .. }));
    assert!(!err.to_string().contains("justapassword"));
    let options = PlanOptions {
        credentials: vec![credential("mtls", "cert")],
        ..PlanOptions::default()
    };
    assert!(matches!(
        build(&c, &options),
        Err(PlanError::BadCredential { .. })
    ));
}

#[test]
fn bearer_basic_and_other_http_schemes_set_authorization() {
    let r = plan_secured(
        secured_op("/a", &[&["bearerAuth"]]),
        vec![credential("bearerAuth", "t0k")],
    );
    assert_eq!(header(&r, "Authorization"), Some("Bearer t0k"));
    let r = plan_secured(
        secured_op("/a", &[&["bearerAuth"]]),
        vec![credential("bearerAuth", "bearer t0k")],
    );
    assert_eq!(
        header(&r, "Authorization"),
        Some("Bearer t0k"),
        "no doubled prefix"
    );
    let r = plan_secured(
        secured_op("/a", &[&["basicAuth"]]),
        vec![credential("basicAuth", "alice:pa:ss")],
    );
    assert_eq!(header(&r, "Authorization"), Some("Basic YWxpY2U6cGE6c3M="));
    let r = plan_secured(
        secured_op("/a", &[&["digestAuth"]]),
        vec![credential("digestAuth", "abc")],
    );
    assert_eq!(header(&r, "Authorization"), Some("Digest abc"));
    for scheme in ["oauth", "oidc"] {
        let r = plan_secured(
            secured_op("/a", &[&[scheme]]),
            vec![credential(scheme, "tok")],
        );
        assert_eq!(header(&r, "Authorization"), Some("Bearer tok"), "{scheme}");
    }
}

#[test]
fn api_keys_go_in_header_query_or_cookie_under_their_name() {
    let creds = || {
        vec![
            credential("headerKey", "hk"),
            credential("queryKey", "q k&1"),
            credential("cookieKey", "ck"),
        ]
    };
    let r = plan_secured(secured_op("/a", &[&["headerKey"]]), creds());
    assert_eq!(header(&r, "X-API-Key"), Some("hk"));
    assert_eq!(r.path_and_query, "/a");

    let mut with_query = secured_op("/a", &[&["queryKey"]]);
    with_query.parameters = vec![param(
        "limit",
        ParamLocation::Query,
        true,
        json!({"type": "integer"}),
    )];
    let r = plan_secured(with_query, creds());
    assert_eq!(r.path_and_query, "/a?limit=1&api_key=q%20k%261");

    let mut with_cookie = secured_op("/a", &[&["cookieKey", "headerKey"]]);
    with_cookie.parameters = vec![param(
        "lang",
        ParamLocation::Cookie,
        true,
        json!({"example": "en"}),
    )];
    let r = plan_secured(with_cookie, creds());
    assert_eq!(header(&r, "Cookie"), Some("lang=en; sid=ck"));
    assert_eq!(header(&r, "X-API-Key"), Some("hk"));
}

#[test]
fn first_alternative_with_all_credentials_is_used() {
    let alternatives: &[&[&str]] = &[&["basicAuth", "headerKey"], &["bearerAuth"], &["headerKey"]];
    let r = plan_secured(
        secured_op("/a", alternatives),
        vec![credential("headerKey", "hk"), credential("bearerAuth", "t")],
    );
    assert_eq!(header(&r, "Authorization"), Some("Bearer t"));
    assert_eq!(
        header(&r, "X-API-Key"),
        None,
        "only one alternative is applied"
    );
}

#[test]
fn optional_auth_prefers_the_credentialed_alternative_and_unmatched_sends_none() {
    let r = plan_secured(
        secured_op("/a", &[&[], &["bearerAuth"]]),
        vec![credential("bearerAuth", "t")],
    );
    assert_eq!(header(&r, "Authorization"), Some("Bearer t"));
    let r = plan_secured(
        secured_op("/a", &[&["basicAuth"]]),
        vec![credential("bearerAuth", "t")],
    );
    assert!(r.headers.is_empty(), "{:?}", r.headers);
    let r = plan_secured(secured_op("/a", &[]), vec![credential("bearerAuth", "t")]);
    assert!(
        r.headers.is_empty(),
        "an operation without security gets no credentials"
    );
}

#[test]
fn user_headers_are_added_everywhere_and_override_generated_ones() {
    let mut o = secured_op("/a", &[&["bearerAuth"]]);
    o.parameters = vec![param(
        "X-Tenant",
        ParamLocation::Header,
        true,
        json!({"type": "string"}),
    )];
    let mut c = secured_contract();
    c.operations = vec![o, op(Method::Get, "/open")];
    let options = PlanOptions {
        credentials: vec![credential("bearerAuth", "t")],
        headers: vec![
            ("authorization".into(), "Bearer from-user".into()),
            ("X-Extra".into(), "1".into()),
        ],
        ..PlanOptions::default()
    };
    let plan = build(&c, &options).unwrap();
    let first = plan.probes[0].request.as_ref().unwrap();
    assert_eq!(
        first.headers,
        vec![
            ("X-Tenant".to_string(), "rollcall".to_string()),
            ("authorization".to_string(), "Bearer from-user".to_string()),
            ("X-Extra".to_string(), "1".to_string()),
        ]
    );
    let second = plan.probes[1].request.as_ref().unwrap();
    assert_eq!(header(second, "X-Extra"), Some("1"));
}

#[test]
fn invalid_and_sentinel_requests_keep_credentials() {
    let mut delete = secured_op("/pets/{petId}", &[&["bearerAuth"]]);
    delete.method = Method::Delete;
    delete.parameters = vec![pet_id()];
    let r = plan_secured(delete, vec![credential("bearerAuth", "t")]);
    assert_eq!(header(&r, "Authorization"), Some("Bearer t"));
}

// ---- a credential named like a parameter ------------------------------------

fn soundcloud_shaped(mode: Mode) -> (Contract, Plan) {
    let contract = testdata_contract("plan/query-key-twice.yaml");
    let options = PlanOptions {
        mode,
        credentials: vec![
            credential("AuthHeader", "OAuth user-token-1"),
            credential("ClientId", "app-key-42"),
        ],
        ..PlanOptions::default()
    };
    let plan = build(&contract, &options).expect("plans");
    (contract, plan)
}

#[test]
fn query_credential_named_like_a_parameter_is_sent_once_and_wins() {
    let (contract, plan) = soundcloud_shaped(Mode::Safe);
    let connect = &plan.probes[0];
    let request = connect.request.as_ref().unwrap();
    assert_eq!(
        request.path_and_query, "/connect?response_type=code&client_id=app-key-42",
        "one client_id, the credential's"
    );
    assert_eq!(
        connect.notes,
        [
            "query parameter 'client_id' is sent once, as the credential: a security scheme of the operation uses the same name"
        ]
    );
    let listed =
        crate::report::listing::text(&contract, &plan, &[], &crate::redact::Redactor::default());
    assert_contains(
        &listed,
        "    note: query parameter 'client_id' is sent once, as the credential",
    );
}

#[test]
fn safe_modes_invalid_value_is_never_replaced_by_a_credential_of_its_name() {
    let (_, plan) = soundcloud_shaped(Mode::Safe);
    let follow = &plan.probes[1];
    assert!(
        matches!(&follow.intent, Intent::Invalid { violation } if violation.contains("client_id")),
        "{:?}",
        follow.intent
    );
    let request = follow.request.as_ref().unwrap();
    let query = request.path_and_query.split_once('?').unwrap().1;
    assert_eq!(query.matches("client_id=").count(), 1, "{query}");
    assert!(
        !query.contains("app-key-42"),
        "the invalid value stays, so the PUT stays harmless: {query}"
    );
    assert!(
        follow
            .notes
            .iter()
            .any(|n| n.contains("the credential of the same name is left out")),
        "{:?}",
        follow.notes
    );
    let (_, live) = soundcloud_shaped(Mode::Live);
    let request = live.probes[1].request.as_ref().unwrap();
    // Live mode sends the credential.
    assert_ends_with(&request.path_and_query, "?client_id=app-key-42");
}

mod object_store;

#[test]
fn operations_the_selection_leaves_out_are_planned_excluded_in_their_places() {
    let mut c = secured_contract();
    c.operations = vec![
        secured_op("/admin", &[&["bearerAuth"]]),
        op(Method::Get, "/open"),
        op(Method::Delete, "/open"),
    ];
    let options = PlanOptions {
        credentials: vec![credential("bearerAuth", "t")],
        selection: filter::Filter {
            exclude: vec![
                "path:/admin".parse().unwrap(),
                "method:DELETE".parse().unwrap(),
            ],
            ..filter::Filter::default()
        },
        ..PlanOptions::default()
    };
    let plan = build(&c, &options).unwrap();
    let kinds: Vec<(usize, bool, bool)> = plan
        .probes
        .iter()
        .map(|p| (p.operation, p.is_excluded(), p.request.is_some()))
        .collect();
    assert_eq!(
        kinds,
        [(0, true, false), (1, false, true), (2, true, false)]
    );
    assert_eq!(
        plan.probes[0].intent,
        Intent::Excluded {
            reason: "GET /admin was excluded by --exclude path:/admin".into()
        }
    );
    let selected: Vec<String> = plan.selected(&c).iter().map(|o| o.label()).collect();
    assert_eq!(selected, ["GET /open"]);
    assert!(
        plan.discovery_headers.is_empty(),
        "discovery carries the credentials of probed operations only: {:?}",
        plan.discovery_headers
    );
}
