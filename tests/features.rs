//! The request rollcall plans for each contract feature it reads: Swagger 2.0, external
//! `$ref`s across files (local, and remote only when allowed), OpenAPI 3.1 / JSON Schema
//! 2020-12 keywords, every body media type, and schema-aware synthesis. Each test loads a
//! fixture under `testdata/contract/` and asserts method, URL with serialized parameters,
//! headers, body and content type.

use std::path::PathBuf;

use rollcall::contract::{self, Contract, LoadOptions};
use rollcall::plan::{self, Mode, PlanOptions, PlannedRequest};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/contract")
        .join(name)
}

fn load(name: &str) -> Contract {
    let path = fixture(name);
    let bytes = std::fs::read(&path).expect("fixture exists");
    contract::parse(&path.display().to_string(), &bytes)
        .unwrap_or_else(|error| panic!("{name}: {error}"))
}

fn live_plan(contract: &Contract) -> Vec<(String, PlannedRequest)> {
    let options = PlanOptions {
        mode: Mode::Live,
        ..PlanOptions::default()
    };
    let plan = plan::build(contract, &options).expect("plans");
    plan.probes
        .into_iter()
        .map(|probe| {
            let label = contract.operations[probe.operation].label();
            let request = probe
                .request
                .unwrap_or_else(|| panic!("{label}: no request planned"));
            (label, request)
        })
        .collect()
}

fn request<'p>(plan: &'p [(String, PlannedRequest)], label: &str) -> &'p PlannedRequest {
    plan.iter()
        .find(|(l, _)| l == label)
        .map(|(_, r)| r)
        .unwrap_or_else(|| panic!("{label} not planned"))
}

/// `(content type, body text)` of a request.
fn body(request: &PlannedRequest) -> (&str, String) {
    let body = request.body.as_ref().expect("a body");
    (
        body.content_type.as_str(),
        String::from_utf8_lossy(&body.bytes).into_owned(),
    )
}

#[test]
fn swagger_2_petstore_plans_exactly_the_requests_of_its_3_0_twin() {
    let v2 = live_plan(&load("swagger-petstore-2.0.yaml"));
    let v3 = live_plan(&load("swagger-petstore-3.0.yaml"));
    assert_eq!(v2, v3);
    assert_eq!(
        request(&v2, "GET /pet/findByStatus").path_and_query,
        "/pet/findByStatus?status=available",
        "collectionFormat multi"
    );
    assert_eq!(
        body(request(&v2, "POST /pet")),
        (
            "application/json",
            r#"{"name":"doggie","photoUrls":["rollcall"]}"#.to_string()
        ),
        "body parameter, readOnly id left out"
    );
    assert_eq!(
        body(request(&v2, "PUT /pet")),
        (
            "application/xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Pet><name>doggie</name><photoUrls>rollcall</photoUrls></Pet>"#
                .to_string()
        ),
        "the first of `consumes` is used"
    );
    let form = request(&v2, "POST /pet/{petId}");
    assert_eq!(form.path_and_query, "/pet/7", "x-example");
    assert_eq!(
        body(form),
        ("application/x-www-form-urlencoded", "name=Rex".to_string())
    );
    let (content_type, text) = body(request(&v2, "POST /pet/{petId}/uploadImage"));
    assert_eq!(
        content_type,
        "multipart/form-data; boundary=rollcall-boundary-6f1d2c"
    );
    assert_eq!(
        text,
        "--rollcall-boundary-6f1d2c\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"rollcall.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n\
         rollcall test file\n\r\n\
         --rollcall-boundary-6f1d2c--\r\n"
    );
    assert_eq!(
        request(&v2, "GET /user/login").path_and_query,
        "/user/login?username=alice&password=Rollcall-Passw0rd"
    );
}

#[test]
fn swagger_2_base_path_is_the_server_path_for_bare_targets() {
    let contract = load("swagger-petstore-2.0.yaml");
    assert_eq!(contract.servers, ["https://petstore.swagger.io/v2"]);
    let target = url::Url::parse("http://127.0.0.1:8080").expect("URL");
    assert_eq!(
        plan::base_url(&target, &contract).as_str(),
        "http://127.0.0.1:8080/v2"
    );
}

#[test]
fn a_contract_split_across_files_plans_like_one_file() {
    let contract = load("multi-file/openapi.yaml");
    let plan = live_plan(&contract);
    assert_eq!(
        request(&plan, "GET /pets").path_and_query,
        "/pets?limit=20",
        "a parameter from ../parameters.yaml whose schema is a `#/` ref inside that file"
    );
    assert_eq!(
        request(&plan, "GET /pets/{petId}").path_and_query,
        "/pets/9"
    );
    assert_eq!(
        request(&plan, "GET /owners").path_and_query,
        "/owners?sort=name"
    );
    assert_eq!(
        body(request(&plan, "POST /pets")),
        (
            "application/json",
            r#"{"name":"Rex","owner":{"name":"Ann"},"tags":["a","b"]}"#.to_string()
        ),
        "refs to refs across files, a cycle pet → owner → pet, uniqueItems"
    );
}

#[test]
fn json_schema_2020_features_give_the_requests_their_authors_meant() {
    let contract = load("features/openapi-3.1.yaml");
    assert!(contract.warnings.is_empty(), "{:?}", contract.warnings);
    let plan = live_plan(&contract);
    assert_eq!(
        request(&plan, "GET /pets/{petId}").path_and_query,
        "/pets/101",
        "path item from components.pathItems, schema under $defs, numeric exclusiveMinimum"
    );
    assert_eq!(
        body(request(&plan, "POST /pets")),
        (
            "application/json",
            r#"{"petType":"kitty","name":"rollcallxxxx","secret":"Rollcall-Passw0rd","nickname":"rol","hunts":true}"#
                .to_string()
        ),
        "discriminator mapping key, readOnly out, writeOnly in, type arrays, if/then/else ignored"
    );
    assert_eq!(
        body(request(&plan, "POST /reports")),
        ("text/plain", "quarterly figures".to_string()),
        "the first producible media type, `examples` array"
    );
    assert_eq!(
        body(request(&plan, "PUT /blobs")),
        (
            "application/octet-stream",
            "rollcall test file\n".to_string()
        )
    );
    assert_eq!(
        body(request(&plan, "POST /orders")),
        (
            "application/xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><order id="1"><lines><line><sku>AA-111</sku></line></lines><note>fast &amp; cheap</note></order>"#
                .to_string()
        ),
        "xml.name, attribute and wrapped; pattern; maxItems"
    );
    let search = request(&plan, "GET /search");
    assert_eq!(
        search.path_and_query,
        "/search?filter[kind]=dog&filter[after]=2024-01-01&ids=1%7C2%7C3&coords=%5B10.5%2C1.25%5D",
        "deepObject with const, pipeDelimited unique items, JSON content parameter with prefixItems and multipleOf"
    );
    assert_eq!(
        search.headers,
        [
            ("X-Client".to_string(), "192.0.2.1".to_string()),
            (
                "Cookie".to_string(),
                "session=3fa85f64-5717-4562-b3fc-2c963f66afa6".to_string()
            )
        ]
    );
    let hooks: Vec<_> = contract
        .webhooks
        .iter()
        .map(|w| (w.name.as_str(), w.method.as_str()))
        .collect();
    assert_eq!(
        hooks,
        [("petAdopted", "POST")],
        "webhooks are listed, not operations"
    );
}

#[test]
fn rollcall_list_shows_webhooks_apart_and_accepts_allow_remote_refs() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["list", "--allow-remote-refs", "--mode", "live"])
        .arg(fixture("features/openapi-3.1.yaml"))
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(
            "webhooks (requests the API sends; never probed):\nPOST petAdopted  petAdopted\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("body application/xml (134 bytes)"),
        "{stdout}"
    );

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["list", "--json"])
        .arg(fixture("features/openapi-3.1.yaml"))
        .output()
        .expect("runs");
    let listing: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        listing["webhooks"],
        serde_json::json!([{"name": "petAdopted", "method": "POST", "operation_id": "petAdopted"}])
    );
    assert_eq!(
        listing["count"], 6,
        "webhooks are not counted as operations"
    );
}

/// Serves `files` (path → body) over HTTP/1.1 on loopback until the test ends.
async fn serve(files: Vec<(&'static str, &'static str)>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = vec![0u8; 4096];
            let read = socket.read(&mut request).await.unwrap_or(0);
            let text = String::from_utf8_lossy(&request[..read]).into_owned();
            let path = text.split_whitespace().nth(1).unwrap_or("").to_string();
            let response = match files.iter().find(|(p, _)| *p == path) {
                Some((_, body)) => format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                ),
                None => "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    .to_string(),
            };
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn remote_refs_are_fetched_only_when_allowed() {
    let server = serve(vec![
        (
            "/shared/params.yaml",
            "Page:\n  name: page\n  in: query\n  required: true\n  schema: {$ref: 'schemas.yaml#/PageNumber'}\n",
        ),
        ("/shared/schemas.yaml", "PageNumber: {type: integer, minimum: 3}\n"),
    ])
    .await;
    let spec = format!(
        "openapi: 3.0.3\ninfo: {{title: Remote, version: '1'}}\npaths:\n  /items:\n    get:\n      \
         parameters:\n        - $ref: '{server}/shared/params.yaml#/Page'\n      responses: {{'200': {{description: OK}}}}\n"
    );
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("openapi.yaml");
    std::fs::write(&path, spec).expect("writes");
    let path = path.display().to_string();

    let refused = contract::load(&path, &LoadOptions::default())
        .await
        .expect_err("remote refs are off by default");
    let message = refused.to_string();
    assert!(message.contains("openapi.yaml:7:11:"), "{message}");
    assert!(message.contains("--allow-remote-refs"), "{message}");

    let options = LoadOptions {
        allow_remote_refs: true,
        ..LoadOptions::default()
    };
    let contract = contract::load(&path, &options).await.expect("loads");
    let plan = live_plan(&contract);
    assert_eq!(
        request(&plan, "GET /items").path_and_query,
        "/items?page=3",
        "a relative ref inside the remote file is fetched from the same server"
    );
}

#[test]
fn discriminator_mappings_that_name_other_files_announce_their_key() {
    let contract = load("discriminator-files/openapi.yaml");
    let plan = live_plan(&contract);
    assert_eq!(
        body(request(&plan, "POST /pets")),
        (
            "application/json",
            r#"{"petType":"cat","lives":9}"#.to_string()
        ),
        "the mapping names a whole file"
    );
    assert_eq!(
        body(request(&plan, "POST /dogs")),
        (
            "application/json",
            r#"{"petType":"hound","bark":"woof"}"#.to_string()
        ),
        "a mapping inside another file names a schema of that file"
    );
}
