//! An object store's answers, judged by S3's error codes (`testdata/s3/store.yaml`
//! planned as `check` plans it): `NotImplemented` is a gap, `NoSuchBucket` the
//! store looking the bucket up, a configuration's `NoSuch…` its handler; and
//! the same XML from a store behind an application's contract (a static site
//! on S3 answering every unknown path `NoSuchKey`) is no proof of anything.

use axum::extract::Request;
use axum::response::Response;

use super::*;
use crate::plan::{Mode, PlanOptions};

fn store() -> Contract {
    crate::contract::testing::testdata_contract("s3/store.yaml")
}

/// An S3 error document, with request ids that change on every answer.
fn s3_error(status: u16, code: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>m</Message><RequestId>{:016X}</RequestId><HostId>{}/{}+{}=</HostId></Error>",
        fastrand::u64(..),
        fastrand::u32(..),
        fastrand::u16(..),
        fastrand::u64(..)
    );
    (
        StatusCode::from_u16(status).expect("status"),
        [("content-type", "application/xml")],
        body,
    )
        .into_response()
}

/// No bucket exists; `?torrent` is not implemented (before any bucket
/// lookup); `?restore` is refused for the object's state; HEAD gets a bare 404.
async fn store_without_buckets(request: Request) -> Response {
    let query = request.uri().query().unwrap_or("").to_string();
    if query.split('&').any(|p| p == "torrent") {
        return s3_error(501, "NotImplemented");
    }
    if request.method() == axum::http::Method::HEAD {
        return StatusCode::NOT_FOUND.into_response();
    }
    if query.split('&').any(|p| p == "restore") {
        return s3_error(403, "InvalidObjectState");
    }
    let bucket = request
        .uri()
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("");
    if bucket.len() > 63 {
        return s3_error(400, "InvalidBucketName");
    }
    if query.split('&').any(|p| p == "tagging") && request.method() == axum::http::Method::GET {
        // As if this one bucket existed without tags.
        return s3_error(404, "NoSuchTagSet");
    }
    s3_error(404, "NoSuchBucket")
}

async fn judged(mode: Mode) -> Vec<(String, Finding)> {
    let contract = store();
    let base = serve(Router::new().fallback(store_without_buckets)).await;
    let options = PlanOptions {
        mode,
        ..PlanOptions::default()
    };
    let plan = crate::plan::build(&contract, &options).expect("plans");
    let findings = check(&base, &contract, &plan.probes, false).await;
    plan.probes
        .iter()
        .map(|p| contract.operations[p.operation].label())
        .zip(findings)
        .collect()
}

fn of<'f>(findings: &'f [(String, Finding)], label: &str) -> &'f Finding {
    &findings
        .iter()
        .find(|(l, _)| l == label)
        .unwrap_or_else(|| panic!("no {label}"))
        .1
}

#[tokio::test]
async fn s3_error_codes_say_who_answered() {
    for mode in [Mode::Safe, Mode::Live] {
        let findings = judged(mode).await;
        let torrent = of(&findings, "GET /{Bucket}/{Key}?torrent");
        assert_eq!(torrent.rule, Rule::S3NotImplemented, "{torrent:?}");
        assert_eq!(
            torrent.evidence,
            "GET /rollcall/rollcall?torrent answered 501 Not Implemented with S3 error code NotImplemented: the store does not implement GET /rollcall/rollcall?torrent"
        );
        let acl = of(&findings, "GET /{Bucket}?list-type=2");
        assert_eq!(acl.rule, Rule::S3ResourceMissing, "{acl:?}");
        assert!(
            acl.evidence.starts_with(
                "GET /rollcall?list-type=2 answered 404 Not Found with S3 error code NoSuchBucket: the store parsed the request and looked the resource up"
            ),
            "{acl:?}"
        );
        let tags = of(&findings, "GET /{Bucket}?tagging");
        assert_eq!(tags.rule, Rule::S3SubresourceMissing, "{tags:?}");
        let head = of(&findings, "HEAD /{Bucket}");
        assert_eq!(head.rule, Rule::S3ResourceMissing, "{head:?}");
        let restore = of(&findings, "POST /{Bucket}/{Key}?restore");
        assert_eq!(restore.rule, Rule::Handler4xx, "{restore:?}");
        assert!(
            restore.evidence.contains("InvalidObjectState"),
            "{restore:?}"
        );
    }
    let safe = judged(Mode::Safe).await;
    let tagging = of(&safe, "PUT /{Bucket}?tagging");
    assert_eq!(tagging.rule, Rule::S3ResourceMissing, "{tagging:?}");
    // The 256-character bucket is shortened in evidence; reports keep it whole.
    assert!(
        tagging.evidence.starts_with("PUT /rollcall-sentinel-")
            && tagging.evidence.contains(
                "…?tagging answered 400 Bad Request with S3 error code InvalidBucketName for a sentinel Bucket that no store can have"
            ),
        "{tagging:?}"
    );
}

/// A static site on S3 (behind CloudFront, say): every path it does not
/// have, routes of the application included, answers `NoSuchKey` with
/// fresh request ids.
async fn static_site(_: Request) -> Response {
    s3_error(404, "NoSuchKey")
}

#[tokio::test]
async fn an_applications_missing_route_behind_s3_hosting_is_still_missing() {
    let contract = contract(vec![operation(Method::Get, "/reports")]);
    let base = serve(Router::new().fallback(static_site)).await;
    let findings = check(
        &base,
        &contract,
        &[valid(0, get_request("/reports"))],
        false,
    )
    .await;
    assert_eq!(
        findings[0].verdict,
        Verdict::MissingRoute,
        "{:?}",
        findings[0]
    );
    assert_eq!(findings[0].rule, Rule::NoRoute404, "{:?}", findings[0]);
}

/// A store that takes any bucket name and acts on every write.
async fn lax_store(_: Request) -> Response {
    StatusCode::OK.into_response()
}

#[tokio::test]
async fn a_store_that_accepts_a_write_to_a_bucket_none_may_have_is_flagged() {
    let contract = store();
    let base = serve(Router::new().fallback(lax_store)).await;
    let plan = crate::plan::build(&contract, &PlanOptions::default()).expect("plans");
    let findings = check(&base, &contract, &plan.probes, false).await;
    let labels: Vec<String> = plan
        .probes
        .iter()
        .map(|p| contract.operations[p.operation].label())
        .collect();
    let tagging = labels
        .iter()
        .position(|l| l == "PUT /{Bucket}?tagging")
        .expect("PutBucketTagging");
    assert_eq!(
        findings[tagging].verdict,
        Verdict::AcceptsInvalid,
        "{:?}",
        findings[tagging]
    );
    assert!(
        findings[tagging]
            .evidence
            .contains("may have created that bucket"),
        "{:?}",
        findings[tagging]
    );
}
