//! Secrets never reach any output. One check carries a bearer token, a basic
//! credential, an API key in the query string, an API key in a cookie and a
//! credential in the target URL, against a server on 127.0.0.1 that echoes
//! every request (URL, headers) back in its body and headers. Every output is
//! then searched for each secret and the encoded forms it takes on the wire
//! (base64 in basic auth, percent-encoding in URLs): the terminal report
//! (normal and verbose, with curl lines), JUnit, JSON, Markdown, HTML, the
//! GitHub annotations and step summary, `rollcall list`, and error messages.

use std::path::{Path, PathBuf};

use crate::support;
use crate::support::assert_contains;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::any;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

const BEARER: &str = "tok-bearer/8f3a+1c";
const BASIC_USER: &str = "alice";
const BASIC_PASSWORD: &str = "pw-basic:77e2";
const QUERY_KEY: &str = "qk/4b9+d21";
const COOKIE_KEY: &str = "ck-c0ffee99";
const URL_USER: &str = "urluser";
/// As written in the target URL; it decodes to `pw+url6d1e`.
const URL_PASSWORD_ENCODED: &str = "pw%2Burl6d1e";
const URL_PASSWORD: &str = "pw+url6d1e";

const SPEC: &str = r#"openapi: 3.0.3
info: {title: secrets, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
    basicAuth: {type: http, scheme: basic}
    queryKey: {type: apiKey, in: query, name: api_key}
    cookieKey: {type: apiKey, in: cookie, name: sid}
paths:
  /bearer:
    get:
      security: [{bearerAuth: []}]
      responses: {"200": {description: OK}}
  /basic:
    get:
      security: [{basicAuth: []}]
      responses: {"200": {description: OK}}
  /query:
    get:
      security: [{queryKey: []}]
      responses: {"200": {description: OK}}
  /cookie:
    get:
      security: [{cookieKey: []}]
      responses: {"200": {description: OK}}
  /broken:
    get:
      security: [{bearerAuth: []}]
      responses: {"200": {description: OK}}
"#;

/// Every form in which a secret could leak.
fn forbidden() -> Vec<String> {
    let basic = format!("{BASIC_USER}:{BASIC_PASSWORD}");
    let url_basic = format!("{URL_USER}:{URL_PASSWORD}");
    let mut forms = vec![
        BEARER.to_string(),
        BASIC_PASSWORD.to_string(),
        BASE64.encode(&basic),
        QUERY_KEY.to_string(),
        COOKIE_KEY.to_string(),
        URL_PASSWORD.to_string(),
        URL_PASSWORD_ENCODED.to_string(),
        BASE64.encode(&url_basic),
    ];
    for secret in [BEARER, BASIC_PASSWORD, QUERY_KEY, COOKIE_KEY] {
        forms.push(
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        );
    }
    forms
}

fn assert_no_secret(what: &str, text: &str) {
    for form in forbidden() {
        assert!(
            !text.contains(&form),
            "{what} contains the secret form {form:?}:\n{text}"
        );
    }
}

/// Echoes the request line and every header in the body and in `x-echo-*`
/// headers: the worst a target can do with what it was sent. `/broken`
/// answers 500 so it is flagged (and its curl line and body are shown).
async fn echo(method: axum::http::Method, uri: Uri, headers: HeaderMap) -> impl IntoResponse {
    let mut text = format!("{method} {uri}\n");
    let mut echoed = Vec::new();
    for (name, value) in &headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        text.push_str(&format!("{name}: {value}\n"));
        echoed.push((format!("x-echo-{name}"), value));
    }
    let status = if uri.path() == "/broken" {
        StatusCode::INTERNAL_SERVER_ERROR
    } else if uri.path().starts_with("/bearer")
        || uri.path().starts_with("/basic")
        || uri.path().starts_with("/query")
        || uri.path().starts_with("/cookie")
    {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let mut response = (status, text).into_response();
    for (name, value) in echoed {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name.as_bytes()),
            axum::http::HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

async fn serve_echo() -> String {
    let server = crate::support::serve::serve(Router::new().fallback(any(echo))).await;
    server.addr.to_string()
}

struct Run {
    code: i32,
    output: String,
}

async fn rollcall(args: Vec<String>, env: Vec<(String, String)>) -> Run {
    let mut command = support::command(args);
    command.envs(env);
    let run = support::run(command).await;
    Run {
        code: run.code,
        output: run.all_output(),
    }
}

fn auth_args() -> Vec<String> {
    [
        "--auth".to_string(),
        format!("bearerAuth={BEARER}"),
        "--auth".to_string(),
        format!("basicAuth={BASIC_USER}:{BASIC_PASSWORD}"),
        "--auth".to_string(),
        format!("queryKey={QUERY_KEY}"),
        "--auth".to_string(),
        format!("cookieKey={COOKIE_KEY}"),
    ]
    .into()
}

fn write_spec(dir: &Path) -> PathBuf {
    let spec = dir.join("spec.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    spec
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test(flavor = "multi_thread")]
async fn no_output_of_a_check_contains_any_secret() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path());
    let address = serve_echo().await;
    let target = format!("http://{URL_USER}:{URL_PASSWORD_ENCODED}@{address}");
    let files = |name: &str| dir.path().join(name);
    let summary = files("summary.md");
    let github_output = files("github_output");
    let mut args: Vec<String> = vec![
        "check".into(),
        spec.display().to_string(),
        "--target".into(),
        target.clone(),
        "--json".into(),
        files("r.json").display().to_string(),
        "--junit".into(),
        files("r.xml").display().to_string(),
        "--markdown".into(),
        files("r.md").display().to_string(),
        "--html".into(),
        files("r.html").display().to_string(),
        "--github".into(),
    ];
    args.extend(auth_args());
    let github_env = vec![
        (
            "GITHUB_STEP_SUMMARY".to_string(),
            summary.display().to_string(),
        ),
        (
            "GITHUB_OUTPUT".to_string(),
            github_output.display().to_string(),
        ),
    ];

    let normal = rollcall(args.clone(), github_env.clone()).await;
    let mut verbose_args = args.clone();
    verbose_args.push("--verbose".into());
    let verbose = rollcall(verbose_args, github_env).await;

    assert_eq!(normal.code, 1, "/broken is flagged\n{}", normal.output);
    let json = read(&files("r.json"));
    // The probes did carry the credentials: the echo server saw them (and
    // the report shows what it sent back, masked).
    assert!(
        json.contains("\"verdict\": \"implemented\"")
            || json.contains("\"verdict\":\"implemented\""),
        "{json}"
    );
    assert!(json.contains("***"), "nothing was masked: {json}");
    assert_contains(&verbose.output, "curl ");
    assert_no_secret("terminal report", &normal.output);
    assert_no_secret("verbose terminal report", &verbose.output);
    assert_no_secret("JSON report", &json);
    assert_no_secret("JUnit report", &read(&files("r.xml")));
    assert_no_secret("Markdown report", &read(&files("r.md")));
    assert_no_secret("HTML report", &read(&files("r.html")));
    assert_no_secret("GitHub step summary", &read(&summary));
    assert_no_secret(
        "GitHub output",
        &std::fs::read_to_string(&github_output).unwrap_or_default(),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_shows_where_credentials_go_but_not_their_values() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path());
    let mut text_args = vec!["list".to_string(), spec.display().to_string()];
    text_args.extend(auth_args());
    let mut json_args = text_args.clone();
    json_args.push("--json".into());

    let text = rollcall(text_args, vec![]).await;
    let json = rollcall(json_args, vec![]).await;

    assert_eq!(text.code, 0, "{}", text.output);
    assert_contains(&text.output, "/query");
    assert_no_secret("rollcall list", &text.output);
    assert_eq!(json.code, 0, "{}", json.output);
    assert_no_secret("rollcall list --json", &json.output);
}

#[tokio::test(flavor = "multi_thread")]
async fn error_messages_never_echo_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path());
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let with_credentials =
        |scheme: &str| format!("{scheme}://{URL_USER}:{URL_PASSWORD_ENCODED}@{closed}");
    let spec_arg = spec.display().to_string();
    let mut runs = Vec::new();
    // A target with an unsupported scheme.
    runs.push(
        rollcall(
            vec![
                "check".into(),
                spec_arg.clone(),
                "--target".into(),
                with_credentials("ftp"),
            ],
            vec![],
        )
        .await,
    );
    // A target that refuses connections.
    let mut unreachable = vec![
        "check".to_string(),
        spec_arg.clone(),
        "--target".into(),
        with_credentials("http"),
        "--verbose".into(),
    ];
    unreachable.extend(auth_args());
    runs.push(rollcall(unreachable, vec![]).await);
    // A spec URL that cannot be fetched.
    runs.push(
        rollcall(
            vec![
                "list".into(),
                format!("{}/spec.yaml", with_credentials("http")),
            ],
            vec![],
        )
        .await,
    );
    // A header without a colon, and an --auth for an unknown scheme.
    runs.push(
        rollcall(
            vec![
                "list".into(),
                spec_arg.clone(),
                "-H".into(),
                format!("Authorization Bearer {BEARER}"),
            ],
            vec![],
        )
        .await,
    );
    runs.push(
        rollcall(
            vec![
                "list".into(),
                spec_arg.clone(),
                "--auth".into(),
                format!("noSuchScheme={BEARER}"),
            ],
            vec![],
        )
        .await,
    );

    for (i, run) in runs.iter().enumerate() {
        if i < 4 {
            assert_ne!(run.code, 0, "{}", run.output);
        }
        assert!(!run.output.trim().is_empty());
        assert_no_secret("error output", &run.output);
    }
}

// Issue 12: secrets that still leaked. Each test holds the input that broke it.

const SPEC_PASSWORD: &str = "pw-spec-4c1d";
const SPEC_TOKEN: &str = "tok-spec-9e77b";
const SPEC_CODE: &str = "fn-code-0f1e2d3c";

/// A contract with a warning (a parameter with a bad `in`), so its source,
/// the URL, is quoted in warnings.
const WARNED_SPEC: &str = r#"openapi: 3.0.3
info: {title: served, version: "1"}
paths:
  /a:
    get:
      parameters:
        - {name: q, in: nowhere}
      responses: {"200": {description: OK}}
"#;

/// Serves [`WARNED_SPEC`] at `/spec.yaml` and `/old.yaml`, a broken one at
/// `/broken.yaml`, 404 elsewhere; and is a target whose `/a` answers 200.
async fn serve_spec() -> String {
    async fn route(uri: Uri) -> impl IntoResponse {
        match uri.path() {
            "/spec.yaml" | "/old.yaml" => (StatusCode::OK, WARNED_SPEC.to_string()),
            "/broken.yaml" => (StatusCode::OK, "openapi: 3.0.3\npaths: [\n".to_string()),
            "/a" => (StatusCode::OK, "ok".to_string()),
            _ => (StatusCode::NOT_FOUND, "no".to_string()),
        }
    }
    let server = crate::support::serve::serve(Router::new().fallback(any(route))).await;
    server.addr.to_string()
}

/// 12.2: `rollcall check 'http://u:PW@host/spec.yaml?token=TOK'` put both
/// strings in stderr, the terminal report, JSON `warnings`, Markdown, HTML
/// and the step summary (a contract warning quotes the source), and a load
/// error printed the password whenever the URL held `=`. The contract URL's
/// userinfo and query values are secrets for `check`, `list`, `diff` and
/// `--since`.
#[tokio::test(flavor = "multi_thread")]
async fn the_contract_url_never_reaches_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let address = serve_spec().await;
    let spec_url = |file: &str| {
        format!("http://user:{SPEC_PASSWORD}@{address}/{file}?token={SPEC_TOKEN}&code={SPEC_CODE}")
    };
    let files = |name: &str| dir.path().join(name).display().to_string();
    let github_env = vec![
        ("GITHUB_STEP_SUMMARY".to_string(), files("summary.md")),
        ("GITHUB_OUTPUT".to_string(), files("github_output")),
    ];
    let check_args = |extra: &[String]| {
        let mut args = vec![
            "check".to_string(),
            spec_url("spec.yaml"),
            "--target".into(),
            format!("http://{address}"),
        ];
        args.extend(extra.iter().cloned());
        args
    };
    let reports: Vec<String> = [
        ("--json", "r.json"),
        ("--junit", "r.xml"),
        ("--markdown", "r.md"),
        ("--html", "r.html"),
    ]
    .iter()
    .flat_map(|(flag, name)| [flag.to_string(), files(name)])
    .chain(["--github".to_string(), "--verbose".to_string()])
    .collect();

    let mut runs = vec![
        (
            "check",
            rollcall(check_args(&reports), github_env.clone()).await,
        ),
        (
            "check --since",
            rollcall(
                check_args(&["--since".into(), spec_url("old.yaml")]),
                vec![],
            )
            .await,
        ),
        (
            "list",
            rollcall(vec!["list".into(), spec_url("spec.yaml")], vec![]).await,
        ),
        (
            "list --json",
            rollcall(
                vec!["list".into(), spec_url("spec.yaml"), "--json".into()],
                vec![],
            )
            .await,
        ),
        (
            "load error",
            rollcall(vec!["list".into(), spec_url("broken.yaml")], vec![]).await,
        ),
        (
            "fetch error",
            rollcall(vec!["list".into(), spec_url("missing.yaml")], vec![]).await,
        ),
    ];
    for format in [None, Some("--json"), Some("--markdown")] {
        let mut args = vec![
            "diff".to_string(),
            spec_url("old.yaml"),
            spec_url("spec.yaml"),
        ];
        args.extend(format.map(str::to_string));
        runs.push(("diff", rollcall(args, vec![]).await));
    }

    let (_, check) = &runs[0];
    assert_eq!(check.code, 0, "{}", check.output);
    assert_contains(&check.output, "warning: ");
    let json = read(&dir.path().join("r.json"));
    assert!(
        json.contains("has `in: nowhere`"),
        "the warning is reported: {json}"
    );
    let mut outputs: Vec<(String, String)> = runs
        .iter()
        .map(|(what, run)| (what.to_string(), run.output.clone()))
        .collect();
    for name in [
        "r.json",
        "r.xml",
        "r.md",
        "r.html",
        "summary.md",
        "github_output",
    ] {
        outputs.push((name.to_string(), read(&dir.path().join(name))));
    }
    for (what, text) in &outputs {
        assert!(!text.trim().is_empty(), "{what} is empty");
        for secret in [SPEC_PASSWORD, SPEC_TOKEN, SPEC_CODE] {
            assert!(!text.contains(secret), "{what} contains {secret}:\n{text}");
        }
    }
    assert_contains(&runs[4].1.output, "error: ");
    assert_contains(&runs[5].1.output, "error: ");
}

/// Echoes every request header in the body and in `x-echo-*` headers; `/fail`
/// answers 500 so its curl line and body are in every report.
async fn echo_headers(uri: Uri, headers: HeaderMap) -> impl IntoResponse {
    let mut text = String::new();
    let mut response_headers = HeaderMap::new();
    for (name, value) in &headers {
        text.push_str(&format!(
            "{name}: {}\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
        if let Ok(echo) = axum::http::HeaderName::from_bytes(format!("x-echo-{name}").as_bytes()) {
            response_headers.append(echo, value.clone());
        }
    }
    let status = match uri.path() {
        "/fail" => StatusCode::INTERNAL_SERVER_ERROR,
        "/ok" => StatusCode::OK,
        _ => StatusCode::NOT_FOUND,
    };
    (status, response_headers, text)
}

/// 12.10: credentials in `-H` headers named like common credential carriers
/// were shown in clear in reports and curl lines; `--secret-header NAME`
/// marks any other. Every output format is searched.
#[tokio::test(flavor = "multi_thread")]
async fn credential_headers_are_masked_by_name_and_by_secret_header() {
    let headers = [
        ("Ocp-Apim-Subscription-Key", "apim-5f1c0ffee"),
        ("X-Functions-Key", "fnkey-777abc"),
        ("X-Auth", "xauth-31337"),
        ("X-Access-Key", "access-4242"),
        ("X-Signature", "sig-0badf00d"),
        ("X-Session-Id", "sess-99aa88"),
        ("X-Tenant-Id", "tenant-credential-1"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  \
         /ok:\n    get:\n      responses: {'200': {description: OK}}\n  \
         /fail:\n    get:\n      responses: {'200': {description: OK}}\n",
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, Router::new().fallback(any(echo_headers))).await;
    });
    let files = |name: &str| dir.path().join(name).display().to_string();
    let mut request_args = vec!["--secret-header".to_string(), "x-tenant-id".into()];
    for (name, value) in headers {
        request_args.extend(["-H".to_string(), format!("{name}: {value}")]);
    }
    let mut check_args = crate::support::check_args(
        &spec.display().to_string(),
        &[format!("http://{address}")],
        &["--verbose", "--github"],
    );
    for (flag, name) in [
        ("--json", "r.json"),
        ("--junit", "r.xml"),
        ("--markdown", "r.md"),
        ("--html", "r.html"),
    ] {
        check_args.extend([flag.to_string(), files(name)]);
    }
    check_args.extend(request_args.clone());
    let github_env = vec![
        ("GITHUB_STEP_SUMMARY".to_string(), files("summary.md")),
        ("GITHUB_OUTPUT".to_string(), files("github_output")),
    ];
    let mut list_args = vec!["list".to_string(), spec.display().to_string()];
    list_args.extend(request_args.clone());
    let mut list_json = list_args.clone();
    list_json.push("--json".into());
    let mut error_args = list_args.clone();
    error_args.extend(["--auth".to_string(), "noSuchScheme=x".into()]);

    let check = rollcall(check_args, github_env).await;
    let runs = [
        ("check", check.output.clone()),
        ("list", rollcall(list_args, vec![]).await.output),
        ("list --json", rollcall(list_json, vec![]).await.output),
        ("error", rollcall(error_args, vec![]).await.output),
    ];

    assert_eq!(check.code, 1, "/fail is flagged\n{}", check.output);
    assert_contains(&check.output, "curl ");
    let json = read(&dir.path().join("r.json"));
    assert!(
        json.contains("x-echo-x-functions-key"),
        "the target echoed: {json}"
    );
    let mut outputs: Vec<(String, String)> = runs
        .iter()
        .map(|(what, text)| (what.to_string(), text.clone()))
        .collect();
    for name in [
        "r.json",
        "r.xml",
        "r.md",
        "r.html",
        "summary.md",
        "github_output",
    ] {
        outputs.push((name.to_string(), read(&dir.path().join(name))));
    }
    for (what, text) in &outputs {
        for (name, value) in headers {
            assert!(
                !text.contains(value),
                "{what} shows {name}'s value:\n{text}"
            );
        }
    }
}

/// Answers `/evidence` with 501 and `/body` with 500, each with a body that
/// echoes the bearer token so that a cut falls inside it: at the 120th
/// character of the evidence excerpt, at the 2,048th byte of the report's
/// body excerpt.
async fn echo_token_at_the_cut(uri: Uri, headers: HeaderMap) -> impl IntoResponse {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_string();
    let (status, cut) = match uri.path() {
        "/evidence" => (StatusCode::NOT_IMPLEMENTED, 120),
        "/body" => (StatusCode::INTERNAL_SERVER_ERROR, 2048),
        _ => return (StatusCode::NOT_FOUND, "no".to_string()),
    };
    let padding = "x".repeat(cut - (token.len() - 1));
    (status, format!("{padding}{token} and more after it"))
}

/// 12.8: the evidence excerpt was cut before redaction, so a reflected token
/// cut at the boundary left all but its last character in the reports.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_cut_at_an_excerpt_boundary_leaves_nothing_of_itself() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n\
         components:\n  securitySchemes:\n    bearerAuth: {type: http, scheme: bearer}\n\
         security: [{bearerAuth: []}]\npaths:\n  \
         /evidence:\n    get:\n      responses: {'200': {description: OK}}\n  \
         /body:\n    get:\n      responses: {'200': {description: OK}}\n",
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, Router::new().fallback(any(echo_token_at_the_cut))).await;
    });
    let files = |name: &str| dir.path().join(name).display().to_string();
    let mut args = vec![
        "check".to_string(),
        spec.display().to_string(),
        "--target".into(),
        format!("http://{address}"),
        "--auth".into(),
        format!("bearerAuth={BEARER}"),
    ];
    for (flag, name) in [
        ("--json", "r.json"),
        ("--junit", "r.xml"),
        ("--markdown", "r.md"),
        ("--html", "r.html"),
    ] {
        args.extend([flag.to_string(), files(name)]);
    }

    let run = rollcall(args, vec![]).await;

    assert_eq!(run.code, 1, "{}", run.output);
    let json = read(&dir.path().join("r.json"));
    assert!(json.contains("xxxxxxxx"), "the bodies are reported: {json}");
    let all_but_last = &BEARER[..BEARER.len() - 1];
    for (what, text) in [
        ("terminal", run.output.clone()),
        ("JSON", json),
        ("JUnit", read(&dir.path().join("r.xml"))),
        ("Markdown", read(&dir.path().join("r.md"))),
        ("HTML", read(&dir.path().join("r.html"))),
    ] {
        assert!(
            !text.contains(all_but_last),
            "{what} shows the cut token:\n{text}"
        );
    }
}
