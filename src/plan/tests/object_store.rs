//! Planning for an object store's contract (`testdata/s3/store.yaml`, a few
//! operations written as AWS's S3 contract writes them): fragments name
//! operations and are never sent, flag subresources go bare, XML payloads
//! are the document of the body schema's one member, and safe mode sends
//! every write to a bucket no store can create.

use crate::contract::testing::{assert_contains, assert_ends_with, testdata_contract};
use crate::contract::{self, Contract};
use crate::plan::{self, EVERY_OPERATION, Intent, Mode, OperationOverride, PlanOptions};

fn store() -> Contract {
    testdata_contract("s3/store.yaml")
}

/// `rollcall.toml` holding `text`, with no environment to read.
fn config(text: &str) -> crate::config::Config {
    crate::config::Config::parse(std::path::Path::new("rollcall.toml"), text, &|_| None)
        .expect("parses")
}

/// Label → (intent, request line, body) of every probe.
fn planned(contract: &Contract, options: &PlanOptions) -> Vec<(String, Intent, String, String)> {
    let plan = plan::build(contract, options).expect("plans");
    plan.probes
        .iter()
        .map(|probe| {
            let operation = &contract.operations[probe.operation];
            let (line, body) = match &probe.request {
                Some(request) => (
                    format!("{} {}", request.method, request.path_and_query),
                    request
                        .body
                        .as_ref()
                        .map(|b| String::from_utf8_lossy(&b.bytes).into_owned())
                        .unwrap_or_default(),
                ),
                None => (String::new(), String::new()),
            };
            (operation.label(), probe.intent.clone(), line, body)
        })
        .collect()
}

fn mode(mode: Mode) -> PlanOptions {
    PlanOptions {
        mode,
        ..PlanOptions::default()
    }
}

fn find<'p>(
    planned: &'p [(String, Intent, String, String)],
    label: &str,
) -> &'p (String, Intent, String, String) {
    planned
        .iter()
        .find(|(l, ..)| l == label)
        .unwrap_or_else(|| panic!("no {label} in {planned:#?}"))
}

const XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

#[test]
fn fragments_name_operations_by_their_query_and_are_never_sent() {
    let contract = store();
    let labels: Vec<String> = contract.operations.iter().map(|o| o.label()).collect();
    for label in [
        "GET /{Bucket}?tagging",
        "PUT /{Bucket}?tagging",
        "GET /{Bucket}?list-type=2",
        "PUT /{Bucket}/{Key}#x-amz-copy-source",
        "POST /WriteGetObjectResponse#x-amz-request-route&x-amz-request-token",
    ] {
        assert!(
            labels.iter().any(|l| l == label),
            "{label} not in {labels:?}"
        );
    }
    assert!(contract.warnings.is_empty(), "{:?}", contract.warnings);
    let live = planned(&contract, &mode(Mode::Live));
    assert_eq!(
        find(&live, "GET /{Bucket}?tagging").2,
        "GET /rollcall?tagging"
    );
    assert_eq!(
        find(&live, "GET /{Bucket}?list-type=2").2,
        "GET /rollcall?list-type=2"
    );
    assert_eq!(find(&live, "PUT /{Bucket}").2, "PUT /rollcall");
    for (label, _, line, _) in &live {
        assert!(
            !line.contains("%23") && !line.contains('#'),
            "{label}: {line}"
        );
    }
}

#[test]
fn flag_subresources_go_bare_and_safe_mode_never_breaks_them() {
    let contract = store();
    for options in [mode(Mode::Live), mode(Mode::Safe)] {
        for (label, intent, line, _) in planned(&contract, &options) {
            assert!(
                !line.contains("tagging=")
                    && !line.contains("torrent=")
                    && !line.contains("restore="),
                "{label}: {line}"
            );
            assert!(
                !matches!(intent, Intent::Invalid { .. }),
                "{label}: {intent:?}"
            );
        }
    }
}

#[test]
fn xml_payloads_are_the_document_of_the_body_schemas_one_member() {
    let live = planned(&store(), &mode(Mode::Live));
    for (label, document, why) in [
        (
            "PUT /{Bucket}?tagging",
            "<Tagging><TagSet><Tag><Key>rollcall</Key><Value>rollcall</Value></Tag></TagSet></Tagging>",
            "AWS's lists are wrapped unless they say otherwise",
        ),
        (
            "PUT /{Bucket}?cors",
            "<CORSConfiguration><CORSRule><AllowedMethod>rollcall</AllowedMethod></CORSRule></CORSConfiguration>",
            "a list with `wrapped: false` repeats its element, named by another allOf part",
        ),
        (
            "PUT /{Bucket}",
            "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>",
            "an empty member is filled like a body of its own",
        ),
        (
            "PUT /{Bucket}/{Key}",
            "<Body>rollcall</Body>",
            "x-amz-meta- is a header map, not an element",
        ),
    ] {
        assert_eq!(
            find(&live, label).3,
            format!("{XML}{document}"),
            "{label}: {why}"
        );
    }
    assert_eq!(find(&live, "PUT /{Bucket}/{Key}#x-amz-copy-source").3, "");
}

#[test]
fn safe_writes_go_to_a_bucket_no_store_can_have_or_create() {
    let safe = planned(&store(), &mode(Mode::Safe));
    for label in [
        "PUT /{Bucket}?tagging",
        "PUT /{Bucket}?cors",
        "DELETE /{Bucket}",
        "PUT /{Bucket}/{Key}",
        "PUT /{Bucket}/{Key}#x-amz-copy-source",
        "POST /{Bucket}/{Key}?restore",
    ] {
        let (_, intent, line, _) = find(&safe, label);
        assert_eq!(
            intent,
            &Intent::Sentinel {
                parameter: "Bucket".into()
            },
            "{label}"
        );
        let bucket = line
            .split_once(" /")
            .map(|(_, rest)| rest.split(['/', '?']).next().unwrap_or(""))
            .unwrap_or("");
        assert!(bucket.starts_with("rollcall-sentinel-"), "{label}: {line}");
        assert_eq!(bucket.len(), plan::safe::UNCREATABLE_BUCKET_LEN, "{label}");
    }
    // The key and the request otherwise as valid as live mode's.
    let (_, _, line, body) = find(&safe, "PUT /{Bucket}?tagging");
    assert!(line.ends_with("?tagging"), "{line}");
    assert!(body.contains("<Tagging>"), "{body}");
    let Intent::Unverifiable { reason } = &find(&safe, "PUT /{Bucket}").1 else {
        panic!("CreateBucket is sent nothing");
    };
    assert!(reason.contains("creates the bucket it names"), "{reason}");
    let Intent::Unverifiable { reason } = &find(
        &safe,
        "POST /WriteGetObjectResponse#x-amz-request-route&x-amz-request-token",
    )
    .1
    else {
        panic!("WriteGetObjectResponse is sent nothing");
    };
    assert!(reason.contains("names no bucket"), "{reason}");
    assert_eq!(find(&safe, "GET /{Bucket}?tagging").1, Intent::Valid);
}

#[test]
fn a_bucket_named_for_every_operation_is_read_but_never_written() {
    let options = PlanOptions {
        mode: Mode::Safe,
        overrides: vec![(
            EVERY_OPERATION.to_string(),
            OperationOverride {
                parameters: vec![("Bucket".into(), "production-data".into())],
                ..OperationOverride::default()
            },
        )],
        ..PlanOptions::default()
    };
    let safe = planned(&store(), &options);
    assert_eq!(
        find(&safe, "GET /{Bucket}?tagging").2,
        "GET /production-data?tagging"
    );
    for (label, _, line, _) in &safe {
        if !line.is_empty() && !line.starts_with("GET ") && !line.starts_with("HEAD ") {
            assert!(!line.contains("production-data"), "{label}: {line}");
        }
    }
}

#[test]
fn a_contract_that_only_names_a_bucket_is_no_object_store() {
    let document = serde_json::json!({
        "openapi": "3.0.0",
        "info": {"title": "files", "version": "1"},
        "paths": {"/{bucket}/files": {"put": {
            "parameters": [{"name": "bucket", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}}
        }}}
    });
    let contract = contract::parse("files.json", document.to_string().as_bytes()).expect("loads");
    let operation = &contract.operations[0];
    assert_eq!(
        plan::safe::object_store(&contract.document, operation),
        None
    );
    let with_amz = serde_json::json!({
        "openapi": "3.0.0",
        "info": {"title": "files", "version": "1"},
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
        "paths": {"/{Bucket}/files": {"put": {
            "parameters": [
                {"name": "Bucket", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "x-amz-acl", "in": "header", "schema": {"type": "string"}}
            ],
            "responses": {"200": {"description": "ok"}}
        }}}
    });
    let contract = contract::parse("s3ish.json", with_amz.to_string().as_bytes()).expect("loads");
    assert!(
        plan::safe::object_store(&contract.document, &contract.operations[0]).is_some(),
        "a bucket first and x-amz headers: S3's path-style shape"
    );
    let signed = serde_json::json!({
        "openapi": "3.0.0",
        "info": {"title": "store", "version": "1"},
        "components": {"securitySchemes": {"sigv4": {
            "type": "apiKey", "name": "Authorization", "in": "header",
            "x-amazon-apigateway-authtype": "awsSigv4"
        }}},
        "paths": {
            "/{Bucket}/{Key}": {"put": {
                "parameters": [
                    {"name": "Bucket", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "Key", "in": "path", "required": true, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "ok"}}
            }},
            "/accounts/{id}": {"put": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}}
            }}
        }
    });
    let contract = contract::parse("signed.json", signed.to_string().as_bytes()).expect("loads");
    assert_eq!(
        plan::safe::object_store(&contract.document, &contract.operations[0]),
        Some(plan::safe::ObjectStore { bucket: Some(0) }),
        "an AWS-signed contract's bucket-first path"
    );
    assert_eq!(
        plan::safe::object_store(&contract.document, &contract.operations[1]),
        None,
        "its other paths are not a store's"
    );
}

#[test]
fn filters_and_config_keys_name_operations_by_their_key() {
    let contract = store();
    let named = |rule: &str| -> Vec<String> {
        let rule: crate::plan::filter::Rule = rule.parse().expect("a rule");
        contract
            .operations
            .iter()
            .filter(|op| rule.matches(op))
            .map(|op| op.label())
            .collect()
    };
    assert_eq!(
        named("path:/{Bucket}?tagging"),
        ["GET /{Bucket}?tagging", "PUT /{Bucket}?tagging"]
    );
    // The template takes every operation on it, whatever its selector.
    assert_eq!(
        named("path:/{Bucket}").len(),
        7,
        "{:?}",
        named("path:/{Bucket}")
    );
    let tagging = contract
        .operations
        .iter()
        .find(|op| op.operation_id.as_deref() == Some("PutBucketTagging"))
        .expect("PutBucketTagging");
    assert!(tagging.is_named("PUT /{Bucket}?tagging"));
    assert!(tagging.is_named("PutBucketTagging"));
    assert!(!tagging.is_named("PUT /{Bucket}"));
}

#[test]
fn config_parameters_apply_to_every_operation_after_its_own() {
    let text = "[parameters]\nBucket = \"rcb\"\nKey = \"a.txt\"\n\n[operations.GetBucketTagging]\nparameters = { Bucket = \"other\" }\n";
    let config = config(text);
    let options = PlanOptions {
        mode: Mode::Live,
        overrides: config.overrides(),
        ..PlanOptions::default()
    };
    let live = planned(&store(), &options);
    assert_eq!(find(&live, "GET /{Bucket}?tagging").2, "GET /other?tagging");
    assert_eq!(find(&live, "HEAD /{Bucket}").2, "HEAD /rcb");
    assert_eq!(find(&live, "PUT /{Bucket}/{Key}").2, "PUT /rcb/a.txt");
}

#[test]
fn an_aws_signature_scheme_takes_no_fixed_credential() {
    let options = PlanOptions {
        credentials: vec![plan::Credential {
            scheme: "hmac".into(),
            value: "AWS AKID:signature".into(),
        }],
        ..PlanOptions::default()
    };
    let error = plan::build(&store(), &options)
        .expect_err("refused")
        .to_string();
    assert_contains(&error, "AWS Signature Version 4");
    assert_contains(&error, "--aws-sigv4");
    assert!(!error.contains("AKID:signature"), "{error}");
}

#[test]
fn a_config_key_in_the_contracts_spelling_is_pointed_at_the_operations_name() {
    let text = "[operations.\"PUT /{Bucket}#tagging\"]\nskip = \"not on this store\"\n";
    let config = config(text);
    let warnings = config.unmatched(&store());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_ends_with(&warnings[0], "it is named \"PUT /{Bucket}?tagging\"");
}
