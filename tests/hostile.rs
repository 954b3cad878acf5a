//! Hostile and broken targets: the real `rollcall` binary against misbehaving
//! servers started in this process on loopback (refusing, closing, resetting,
//! trickling, flooding, speaking garbage, redirecting, TLS with certificates
//! made here by rcgen, HTTP/2 only, rate limiting, dying mid-run). Each test
//! asserts the verdict and evidence a user sees, and that the run ends: every
//! binary run is killed (and the test fails) if it outlives a generous limit.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use crate::support;
use crate::support::serve::{
    Hits, answering, closed_port, raw_server, raw_server_on, read_request,
};
use crate::support::{Checked, Run, args, assert_contains, assert_lacks, command};

/// A contract of `GET` operations on `paths`, written into `dir`.
fn spec_with(dir: &Path, paths: &[String]) -> PathBuf {
    let mut yaml = String::from("openapi: 3.0.3\ninfo: {title: hostile, version: '1'}\npaths:\n");
    for path in paths {
        yaml.push_str(&format!(
            "  {path}:\n    get:\n      responses:\n        '200': {{description: OK}}\n"
        ));
    }
    let file = dir.join("spec.yaml");
    std::fs::write(&file, yaml).expect("write spec");
    file
}

fn two_operations(dir: &Path) -> PathBuf {
    spec_with(dir, &["/a".to_string(), "/b".to_string()])
}

/// Runs `rollcall check SPEC --target URL --json … EXTRA` (with a 2 s
/// timeout unless `extra` gives one), killed past the support's limit.
async fn check(spec: &Path, target: &str, extra: &[&str]) -> Checked {
    let mut args = args(&["check", spec.to_str().unwrap(), "--target", target]);
    if !extra.contains(&"--timeout") {
        args.extend(["--timeout".to_string(), "2s".to_string()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    crate::support::check(command(args)).await
}

/// [`check`] of the two operations `GET /a` and `GET /b` against `target`.
async fn check_url(target: &str, extra: &[&str]) -> Checked {
    let dir = tempfile::tempdir().unwrap();
    check(&two_operations(dir.path()), target, extra).await
}

/// [`check_url`] of `http://ADDRESS`.
async fn check_two(address: SocketAddr, extra: &[&str]) -> Checked {
    check_url(&format!("http://{address}"), extra).await
}

/// Runs the binary to the end (killed past the support's limit).
async fn run_bounded(args: Vec<String>) -> Run {
    crate::support::run(command(args)).await
}

/// Reads one request; returns its path (empty when none arrived).
async fn read_request_path<S: tokio::io::AsyncRead + Unpin>(socket: &mut S) -> String {
    read_request(socket).await.path().to_string()
}

/// `200 ok` for the contract's `/a` and `/b`, `404` for anything else (so
/// discovery sees a router), then closes.
fn canned_answer(path: &str) -> Vec<u8> {
    answer_for(path, "connection: close\r\n")
}

/// [`canned_answer`] with `extra_headers` (whole lines) after the body's.
fn answer_for(path: &str, extra_headers: &str) -> Vec<u8> {
    let (status, body) = if path == "/a" || path == "/b" {
        ("200 OK", "ok")
    } else {
        ("404 Not Found", "not found")
    };
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n{extra_headers}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A server on `address` answering [`canned_answer`], counting requests per path.
async fn canned_server_on(address: &str) -> (SocketAddr, Hits) {
    let hits = Hits::default();
    let seen = hits.clone();
    let address = raw_server_on(address, move |mut socket| {
        let seen = seen.clone();
        async move {
            let path = read_request_path(&mut socket).await;
            seen.record(&path);
            let _ = socket.write_all(&canned_answer(&path)).await;
        }
    })
    .await;
    (address, hits)
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_connection_is_unreachable_and_exits_3() {
    let run = check_two(closed_port().await.addr, &[]).await;

    run.assert_code(3);
    assert_eq!(run.verdict("GET /a"), "unreachable");
    assert!(
        run.evidence("GET /a").to_lowercase().contains("refused"),
        "{}",
        run.evidence("GET /a")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_closed_right_after_accept_is_unreachable() {
    let address = raw_server(|socket| async move { drop(socket) }).await;

    let run = check_two(address, &[]).await;

    run.assert_code(3);
    assert_eq!(run.verdict("GET /a"), "unreachable");
    assert!(!run.evidence("GET /a").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_in_the_middle_of_the_headers_is_unreachable() {
    let address = raw_server(|mut socket| async move {
        read_request_path(&mut socket).await;
        let _ = socket.write_all(b"HTTP/1.1 200 OK\r\nContent-Le").await;
        // Linger 0 turns the close into a TCP reset.
        let _ = socket.set_zero_linger();
        drop(socket);
    })
    .await;

    let run = check_two(address, &[]).await;

    run.assert_code(3);
    assert_eq!(run.verdict("GET /a"), "unreachable");
    assert!(!run.evidence("GET /a").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_in_the_middle_of_the_body_keeps_the_status_as_evidence() {
    let address = raw_server(|mut socket| async move {
        let path = read_request_path(&mut socket).await;
        if path == "/a" || path == "/b" {
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\npartial")
                .await;
            let _ = socket.set_zero_linger();
        } else {
            let _ = socket.write_all(&canned_answer(&path)).await;
        }
    })
    .await;

    let run = check_two(address, &[]).await;

    assert_eq!(run.verdict("GET /a"), "implemented", "{}", run.all_output());
    assert!(run.result("GET /a").response.as_ref().unwrap().truncated);
}

#[tokio::test(flavor = "multi_thread")]
async fn headers_trickled_byte_by_byte_end_at_the_timeout() {
    let address = raw_server(|mut socket| async move {
        read_request_path(&mut socket).await;
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: ".iter().cycle() {
            if socket.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;

    let run = check_two(address, &["--timeout", "1s", "--retries", "0"]).await;

    run.assert_code(3);
    assert_eq!(run.verdict("GET /a"), "unreachable");
    assert_contains(run.evidence("GET /a"), "timed out after 1s");
}

#[tokio::test(flavor = "multi_thread")]
async fn body_trickled_byte_by_byte_ends_at_the_timeout_with_the_status_kept() {
    let address = raw_server(|mut socket| async move {
        let path = read_request_path(&mut socket).await;
        if path != "/a" && path != "/b" {
            let _ = socket.write_all(&canned_answer(&path)).await;
            return;
        }
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n";
        if socket.write_all(head).await.is_err() {
            return;
        }
        while socket.write_all(b"x").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;

    let run = check_two(address, &["--timeout", "1s"]).await;

    assert_eq!(run.verdict("GET /a"), "implemented", "{}", run.all_output());
    assert!(run.result("GET /a").response.as_ref().unwrap().truncated);
}

#[tokio::test(flavor = "multi_thread")]
async fn endless_body_stops_at_the_cap() {
    let address = raw_server(|mut socket| async move {
        let path = read_request_path(&mut socket).await;
        if path != "/a" && path != "/b" {
            let _ = socket.write_all(&canned_answer(&path)).await;
            return;
        }
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n";
        if socket.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = format!("4000\r\n{}\r\n", "y".repeat(0x4000));
        while socket.write_all(chunk.as_bytes()).await.is_ok() {}
    })
    .await;

    let run = check_two(address, &[]).await;

    run.assert_code(0);
    assert_eq!(run.verdict("GET /a"), "implemented");
    assert!(run.result("GET /a").response.as_ref().unwrap().truncated);
}

#[tokio::test(flavor = "multi_thread")]
async fn enormous_headers_are_refused_with_a_clear_reason() {
    let address = raw_server(|mut socket| async move {
        read_request_path(&mut socket).await;
        let _ = socket.write_all(b"HTTP/1.1 200 OK\r\n").await;
        let line = format!("X-Big: {}\r\n", "h".repeat(8192));
        for _ in 0..2048 {
            if socket.write_all(line.as_bytes()).await.is_err() {
                return;
            }
        }
        let _ = socket.write_all(b"content-length: 0\r\n\r\n").await;
    })
    .await;

    let run = check_two(address, &[]).await;

    run.assert_code(3);
    assert_eq!(run.verdict("GET /a"), "unreachable");
    assert_contains(run.evidence("GET /a"), "too large");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_http_is_unreachable_with_a_parse_error() {
    let address = raw_server(|mut socket| async move {
        read_request_path(&mut socket).await;
        let _ = socket
            .write_all(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02garbage\r\n\r\n")
            .await;
    })
    .await;

    let run = check_two(address, &[]).await;

    run.assert_code(3);
    assert_eq!(run.verdict("GET /a"), "unreachable");
    assert!(
        run.evidence("GET /a").to_lowercase().contains("invalid"),
        "{}",
        run.evidence("GET /a")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn redirect_loop_is_reported_once_and_never_followed() {
    let (address, hits) = answering(|path, _| match path {
        "/a" => b"HTTP/1.1 301 Moved Permanently\r\nlocation: /b\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_vec(),
        "/b" => b"HTTP/1.1 301 Moved Permanently\r\nlocation: /a\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_vec(),
        other => canned_answer(other),
    })
    .await;

    let run = check_two(address, &[]).await;

    assert_eq!(
        run.result("GET /a").status,
        Some(301),
        "{}",
        run.all_output()
    );
    assert_contains(run.evidence("GET /a"), "Location: /b");
    assert_contains(run.evidence("GET /a"), "not followed");
    assert_eq!(hits.of("/a"), 1, "the redirect to /a was followed");
    assert_eq!(hits.of("/b"), 1, "the redirect to /b was followed");
}

#[tokio::test(flavor = "multi_thread")]
async fn redirect_to_another_host_is_reported_and_credentials_never_go_there() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n\
         components:\n  securitySchemes:\n    bearerAuth: {type: http, scheme: bearer}\n\
         security: [{bearerAuth: []}]\n\
         paths:\n  /a:\n    get:\n      responses:\n        '200': {description: OK}\n",
    )
    .unwrap();
    // Another loopback address stands for another host.
    let (elsewhere_address, elsewhere_hits) = canned_server_on("127.0.0.2:0").await;
    let location = format!("http://{elsewhere_address}/a");
    let redirect = location.clone();
    let (address, _) = answering(move |path, _| {
        if path == "/a" {
            format!(
                "HTTP/1.1 302 Found\r\nlocation: {redirect}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
            .into_bytes()
        } else {
            canned_answer(path)
        }
    })
    .await;

    let run = check(
        &spec,
        &format!("http://{address}"),
        &["--auth", "bearerAuth=tok-elsewhere-5150"],
    )
    .await;

    assert_eq!(
        run.result("GET /a").status,
        Some(302),
        "{}",
        run.all_output()
    );
    assert_contains(run.evidence("GET /a"), &format!("Location: {location}"));
    assert_eq!(elsewhere_hits.total(), 0, "the other host was contacted");
    assert!(!run.all_output().contains("tok-elsewhere-5150"));
}

/// Certificates made for this test: a CA, a server certificate for
/// 127.0.0.1 signed by it, and a client certificate signed by it.
struct Pki {
    ca_pem: String,
    server_chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    server_key: rustls::pki_types::PrivateKeyDer<'static>,
    ca_der: rustls::pki_types::CertificateDer<'static>,
    client_cert_pem: String,
    client_key_pem: String,
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "rollcall test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().unwrap();
    let server_cert =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap()
            .signed_by(&server_key, &issuer)
            .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let client_cert = CertificateParams::new(vec!["rollcall-client".to_string()])
        .unwrap()
        .signed_by(&client_key, &issuer)
        .unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        ca_der: ca_cert.der().clone(),
        server_chain: vec![server_cert.der().clone()],
        server_key: rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
        client_cert_pem: client_cert.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

/// [`Pki`]'s CA, client certificate and client key, written to files.
struct PkiFiles {
    _dir: tempfile::TempDir,
    ca: String,
    cert: String,
    key: String,
}

impl Pki {
    fn files(&self) -> PkiFiles {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path.display().to_string()
        };
        PkiFiles {
            ca: write("ca.pem", &self.ca_pem),
            cert: write("client.pem", &self.client_cert_pem),
            key: write("client.key", &self.client_key_pem),
            _dir: dir,
        }
    }
}

impl PkiFiles {
    /// `--client-cert FILE --client-key FILE`.
    fn client(&self) -> [&str; 4] {
        ["--client-cert", &self.cert, "--client-key", &self.key]
    }
}

#[derive(Clone, Copy, PartialEq)]
enum ClientAuth {
    None,
    Required,
}

fn server_tls(pki: &Pki, client_auth: ClientAuth, alpn: &[&[u8]]) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_auth {
        ClientAuth::None => builder.with_no_client_auth(),
        ClientAuth::Required => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(pki.ca_der.clone()).unwrap();
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(pki.server_chain.clone(), pki.server_key.clone_key())
        .unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// An HTTPS server on 127.0.0.1 answering like [`canned_answer`] over HTTP/1.1.
async fn https_server(config: Arc<rustls::ServerConfig>) -> SocketAddr {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    raw_server(move |socket| {
        let acceptor = acceptor.clone();
        async move {
            let Ok(mut tls) = acceptor.accept(socket).await else {
                return;
            };
            let path = read_request_path(&mut tls).await;
            let _ = tls.write_all(&canned_answer(&path)).await;
            let _ = tls.shutdown().await;
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_from_an_unknown_ca_is_a_clear_tls_error() {
    let pki = pki();
    let address = https_server(server_tls(&pki, ClientAuth::None, &[])).await;

    let run = check_url(&format!("https://{address}"), &[]).await;

    run.assert_code(3);
    assert_eq!(run.verdict("GET /a"), "unreachable");
    let evidence = run.evidence("GET /a").to_lowercase();
    assert!(
        evidence.contains("certificate") && evidence.contains("issuer"),
        "{evidence}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn insecure_accepts_a_certificate_from_an_unknown_ca() {
    let pki = pki();
    let address = https_server(server_tls(&pki, ClientAuth::None, &[])).await;

    let run = check_url(&format!("https://{address}"), &["--insecure"]).await;

    run.assert_code(0);
    assert_eq!(run.verdict("GET /a"), "implemented");
}

#[tokio::test(flavor = "multi_thread")]
async fn cacert_trusts_the_given_ca() {
    let pki = pki();
    let files = pki.files();
    let address = https_server(server_tls(&pki, ClientAuth::None, &[])).await;

    let run = check_url(&format!("https://{address}"), &["--cacert", &files.ca]).await;

    run.assert_code(0);
    assert_eq!(run.verdict("GET /a"), "implemented");
}

#[tokio::test(flavor = "multi_thread")]
async fn unreadable_or_empty_cacert_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let nope = dir.path().join("nope.pem");

    for ca in [&nope, &empty] {
        let run = check_url("http://127.0.0.1:9", &["--cacert", ca.to_str().unwrap()]).await;
        run.assert_refused("--cacert");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn mtls_target_is_served_only_with_the_client_certificate() {
    let pki = pki();
    let files = pki.files();
    let address = https_server(server_tls(&pki, ClientAuth::Required, &[])).await;
    let url = format!("https://{address}");

    let without = check_url(&url, &["--cacert", &files.ca]).await;
    let with = check_url(
        &url,
        &[&["--cacert", &files.ca][..], &files.client()].concat(),
    )
    .await;

    assert_eq!(
        without.verdict("GET /a"),
        "unreachable",
        "{}",
        without.all_output()
    );
    with.assert_code(0);
    assert_eq!(with.verdict("GET /a"), "implemented");
    assert!(!with.all_output().contains("PRIVATE KEY"));
}

/// An HTTP/2-only service (hyper's HTTP/2 server, no HTTP/1.1 at all) over
/// `stream`, answering like [`canned_answer`].
async fn serve_h2<S>(stream: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(
        |request: hyper::Request<hyper::body::Incoming>| async move {
            let (status, body) = match request.uri().path() {
                "/a" | "/b" => (200, "ok"),
                _ => (404, "not found"),
            };
            let response = hyper::Response::builder()
                .status(status)
                .header("x-protocol", format!("{:?}", request.version()))
                .body(http_body_util::Full::new(hyper::body::Bytes::from(body)))
                .expect("valid response");
            Ok::<_, std::convert::Infallible>(response)
        },
    );
    let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn http2_only_server_over_tls_is_reached_through_alpn() {
    let pki = pki();
    let files = pki.files();
    let acceptor = tokio_rustls::TlsAcceptor::from(server_tls(&pki, ClientAuth::None, &[b"h2"]));
    let address = raw_server(move |socket| {
        let acceptor = acceptor.clone();
        async move {
            if let Ok(tls) = acceptor.accept(socket).await {
                serve_h2(tls).await;
            }
        }
    })
    .await;

    let run = check_url(&format!("https://{address}"), &["--cacert", &files.ca]).await;

    run.assert_code(0);
    assert_eq!(run.verdict("GET /a"), "implemented");
    let response = run.result("GET /a").response.as_ref().unwrap();
    assert_eq!(response.headers["x-protocol"], "HTTP/2.0");
}

#[tokio::test(flavor = "multi_thread")]
async fn h2c_only_server_needs_http2_prior_knowledge() {
    let address = raw_server(serve_h2).await;

    let plain = check_two(address, &[]).await;
    let prior_knowledge = check_two(address, &["--http2-prior-knowledge"]).await;

    assert_eq!(
        plain.verdict("GET /a"),
        "unreachable",
        "{}",
        plain.all_output()
    );
    prior_knowledge.assert_code(0);
    assert_eq!(prior_knowledge.verdict("GET /a"), "implemented");
}

/// `/a` answers `status` with `Retry-After: <retry_after>` to its first
/// `times` requests, then 200; everything else is [`canned_answer`].
async fn busy_server(status: &'static str, retry_after: &str, times: usize) -> (SocketAddr, Hits) {
    let hits = Hits::default();
    let seen = hits.clone();
    let retry_after = retry_after.to_string();
    let address = raw_server(move |mut socket| {
        let seen = seen.clone();
        let retry_after = retry_after.clone();
        async move {
            let path = read_request_path(&mut socket).await;
            seen.record(&path);
            let answer = if path == "/a" && seen.of("/a") <= times {
                format!(
                    "HTTP/1.1 {status}\r\nretry-after: {retry_after}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                )
                .into_bytes()
            } else {
                canned_answer(&path)
            };
            let _ = socket.write_all(&answer).await;
        }
    })
    .await;
    (address, hits)
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_requests_with_retry_after_is_retried_and_reported() {
    let (address, hits) = busy_server("429 Too Many Requests", "1", 2).await;

    let run = check_two(address, &[]).await;

    run.assert_code(0);
    assert_eq!(run.verdict("GET /a"), "implemented");
    assert_contains(
        run.evidence("GET /a"),
        "answered 429 twice (Retry-After: 1) before 200",
    );
    assert_eq!(hits.of("/a"), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn unavailable_with_retry_after_is_retried_up_to_the_limit() {
    let (address, hits) = busy_server("503 Service Unavailable", "1", 100).await;

    let run = check_two(address, &["--retries", "1"]).await;

    assert_eq!(
        run.verdict("GET /a"),
        "server_error",
        "{}",
        run.all_output()
    );
    assert_contains(
        run.evidence("GET /a"),
        "answered 503 once (Retry-After: 1) before 503",
    );
    assert_eq!(hits.of("/a"), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_after_as_an_http_date_is_waited_for_and_reported() {
    let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(1));
    let (address, hits) = busy_server("429 Too Many Requests", &date, 1).await;

    let run = check_two(address, &[]).await;

    run.assert_code(0);
    assert_eq!(run.verdict("GET /a"), "implemented");
    assert_contains(
        run.evidence("GET /a"),
        &format!("answered 429 once (Retry-After: {date}) before 200"),
    );
    assert_eq!(hits.of("/a"), 2);
}

/// Answers the first request on each connection and keeps the connection
/// open (no `Connection: close`), then takes the next request on it and
/// closes the connection unanswered, with a reset when `reset`: what a
/// client sees when the server closes an idle keep-alive connection just as
/// the client reuses it. Counts the answered requests.
async fn one_answer_per_connection(reset: bool) -> (SocketAddr, Hits) {
    let answered = Hits::default();
    let seen = answered.clone();
    let address = raw_server(move |mut socket| {
        let seen = seen.clone();
        async move {
            let path = read_request_path(&mut socket).await;
            if path.is_empty() || socket.write_all(&answer_for(&path, "")).await.is_err() {
                return;
            }
            seen.record(&path);
            read_request_path(&mut socket).await;
            if reset {
                let _ = socket.set_zero_linger();
            }
        }
    })
    .await;
    (address, answered)
}

async fn stale_keep_alive_connection_is_retried_on_a_new_one(reset: bool) {
    let (address, answered) = one_answer_per_connection(reset).await;

    // One request at a time, so every other request reuses a connection.
    let run = check_two(address, &["--concurrency", "1", "--retries", "0"]).await;

    run.assert_code(0);
    assert_eq!(run.verdict("GET /a"), "implemented");
    assert_eq!(run.verdict("GET /b"), "implemented");
    let retried: Vec<&str> = ["GET /a", "GET /b"]
        .into_iter()
        .map(|label| run.evidence(label))
        .filter(|evidence| {
            evidence.contains("on a reused connection, retried on a new one before 200")
        })
        .collect();
    assert!(!retried.is_empty(), "{}", run.all_output());
    assert_eq!(answered.of("/a"), 1);
    assert_eq!(answered.of("/b"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_alive_connection_closed_under_a_request_is_retried_on_a_new_one() {
    stale_keep_alive_connection_is_retried_on_a_new_one(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_alive_connection_reset_under_a_request_is_retried_on_a_new_one() {
    stale_keep_alive_connection_is_retried_on_a_new_one(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn target_dying_mid_run_still_gives_a_full_report() {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<String> = (0..40).map(|i| format!("/op{i}")).collect();
    let labels: Vec<String> = paths.iter().map(|path| format!("GET {path}")).collect();
    let spec = spec_with(dir.path(), &paths);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let served = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&served);
    tokio::spawn(async move {
        // Serve a few answers, then die: the listener and every open
        // connection go away.
        while let Ok((mut socket, _)) = listener.accept().await {
            let path = read_request_path(&mut socket).await;
            let is_operation = path
                .strip_prefix("/op")
                .is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n < 40));
            let answer = if is_operation {
                b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok".to_vec()
            } else {
                canned_answer(&path)
            };
            let _ = socket.write_all(&answer).await;
            if is_operation && counter.fetch_add(1, Ordering::SeqCst) >= 10 {
                let _ = socket.set_zero_linger();
                return;
            }
        }
    });

    let run = check(
        &spec,
        &format!("http://{address}"),
        &["--concurrency", "1", "--timeout", "1s"],
    )
    .await;

    run.assert_code(1);
    let verdicts: Vec<&str> = labels.iter().map(|label| run.verdict(label)).collect();
    assert!(verdicts.contains(&"implemented"), "{verdicts:?}");
    assert!(verdicts.contains(&"unreachable"), "{verdicts:?}");
    assert_eq!(verdicts.len(), 40);
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_must_be_a_positive_number_per_second() {
    let run = check_url("http://127.0.0.1:9", &["--rate", "0/s"]).await;

    run.assert_refused("--rate");
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limited_run_still_probes_every_operation() {
    let (address, hits) = answering(|path, _| canned_answer(path)).await;

    let run = check_two(address, &["--rate", "50/s"]).await;

    run.assert_code(0);
    assert_eq!(hits.of("/a"), 1);
    assert_eq!(hits.of("/b"), 1);
}

/// The requests beyond one per operation (discovery) for a contract of
/// `operations` GET operations, each under its own top-level path.
async fn extra_requests(operations: usize) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<String> = (0..operations).map(|i| format!("/res{i}/items")).collect();
    let spec = spec_with(dir.path(), &paths);
    let (address, hits) = answering(move |path, _| {
        let declared = path
            .strip_prefix("/res")
            .and_then(|rest| rest.strip_suffix("/items"))
            .is_some_and(|n| n.parse::<usize>().is_ok_and(|n| n < operations));
        canned_answer(if declared { "/a" } else { path })
    })
    .await;

    let run = check(&spec, &format!("http://{address}"), &[]).await;

    run.assert_code(0);
    assert_eq!(run.report().operations.len(), operations);
    hits.total() - operations
}

#[tokio::test(flavor = "multi_thread")]
async fn discovery_costs_a_bounded_number_of_requests_per_target() {
    let small = extra_requests(5).await;
    let large = extra_requests(300).await;

    assert!(small > 0, "discovery sent nothing");
    assert!(
        large <= small + 20,
        "discovery grows with the contract: {small} extra requests for 5 operations, {large} for 300"
    );
}

/// An https server (certificate from `pki`'s CA, client certificates as
/// `client_auth` says) serving `spec_text` at every path ending `.yaml`, and
/// [`canned_answer`] elsewhere.
async fn https_spec_server(pki: &Pki, client_auth: ClientAuth, spec_text: String) -> SocketAddr {
    let acceptor = tokio_rustls::TlsAcceptor::from(server_tls(pki, client_auth, &[]));
    raw_server(move |socket| {
        let acceptor = acceptor.clone();
        let spec_text = spec_text.clone();
        async move {
            let Ok(mut tls) = acceptor.accept(socket).await else {
                return;
            };
            let path = read_request_path(&mut tls).await;
            let answer = if path.ends_with(".yaml") {
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/yaml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{spec_text}",
                    spec_text.len()
                )
                .into_bytes()
            } else {
                canned_answer(&path)
            };
            let _ = tls.write_all(&answer).await;
            let _ = tls.shutdown().await;
        }
    })
    .await
}

/// A spec read from an https URL gets the targets' TLS options: a server
/// certificate from an unknown CA is refused (bad input, naming the spec
/// URL), and `--cacert` trusts it for the spec and the target alike.
#[tokio::test(flavor = "multi_thread")]
async fn a_spec_url_gets_the_same_tls_options_as_the_targets() {
    let dir = tempfile::tempdir().unwrap();
    let spec_text = std::fs::read_to_string(two_operations(dir.path())).unwrap();
    let pki = pki();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let address = https_spec_server(&pki, ClientAuth::None, spec_text).await;
    let spec_url = format!("https://{address}/openapi.yaml");
    let run = |extra: Vec<String>| {
        let mut args = vec![
            "check".to_string(),
            spec_url.clone(),
            "--target".to_string(),
            format!("https://{address}"),
        ];
        args.extend(extra);
        run_bounded(args)
    };

    let untrusted = run(vec![]).await;
    untrusted.assert_refused(&format!("cannot fetch spec {spec_url}"));
    assert!(
        untrusted.stderr.to_lowercase().contains("certificate"),
        "{}",
        untrusted.stderr
    );

    let trusted = run(vec!["--cacert".into(), ca.display().to_string()]).await;
    trusted.assert_code(0);

    let insecure = run(vec!["--insecure".into()]).await;
    insecure.assert_code(0);
}

/// `list` and `diff` read a contract from an https URL with the same TLS
/// flags as `check` (they had none): here a server whose certificate comes
/// from an unknown CA and which requires a client certificate.
#[tokio::test(flavor = "multi_thread")]
async fn list_and_diff_read_a_spec_url_with_the_tls_flags() {
    let dir = tempfile::tempdir().unwrap();
    let spec_text = std::fs::read_to_string(two_operations(dir.path())).unwrap();
    let pki = pki();
    let ca = dir.path().join("ca.pem");
    let cert = dir.path().join("client.pem");
    let key = dir.path().join("client.key");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    std::fs::write(&cert, &pki.client_cert_pem).unwrap();
    std::fs::write(&key, &pki.client_key_pem).unwrap();
    let address = https_spec_server(&pki, ClientAuth::Required, spec_text).await;
    let spec_url = format!("https://{address}/openapi.yaml");
    let old_url = format!("https://{address}/old.yaml");
    let client = [
        "--client-cert",
        cert.to_str().unwrap(),
        "--client-key",
        key.to_str().unwrap(),
    ];
    let cacert = ["--cacert", ca.to_str().unwrap()];

    for command in [vec!["list", &spec_url], vec!["diff", &old_url, &spec_url]] {
        let run = |flags: &[&[&str]]| {
            let mut args: Vec<String> = command.iter().map(|a| a.to_string()).collect();
            args.extend(flags.iter().flat_map(|f| f.iter().map(|a| a.to_string())));
            run_bounded(args)
        };
        let untrusted = run(&[&client]).await;
        assert_eq!(untrusted.code, 2, "{command:?}\n{}", untrusted.all_output());
        assert!(
            untrusted.stderr.to_lowercase().contains("certificate"),
            "{command:?}\n{}",
            untrusted.stderr
        );
        let no_client_certificate = run(&[&cacert]).await;
        assert_eq!(
            no_client_certificate.code,
            2,
            "{command:?}\n{}",
            no_client_certificate.all_output()
        );
        let trusted = run(&[&cacert, &client]).await;
        assert_eq!(trusted.code, 0, "{command:?}\n{}", trusted.all_output());
        assert!(
            trusted.stdout.contains("GET /a") || command[0] == "diff",
            "{}",
            trusted.stdout
        );
        let insecure = run(&[&["--insecure"], &client]).await;
        assert_eq!(insecure.code, 0, "{command:?}\n{}", insecure.all_output());
        assert!(!trusted.all_output().contains("PRIVATE KEY"));
    }
}

// Issue 12: what a hostile target (and a hostile report path or header) did
// to a run. Each test holds the input that broke it.

/// A server answering every request with `head` (a whole response head,
/// `content-length: 0` included), counting requests per path.
async fn always(head: &'static str) -> (SocketAddr, Hits) {
    let hits = Hits::default();
    let seen = hits.clone();
    let address = raw_server(move |mut socket| {
        let seen = seen.clone();
        async move {
            let path = read_request_path(&mut socket).await;
            seen.record(&path);
            let _ = socket.write_all(head.as_bytes()).await;
        }
    })
    .await;
    (address, hits)
}

/// 12.11: `Retry-After` waits added up over discovery, probes and follow-ups
/// (89 s for 2 operations with `--timeout 3s`). Now they come out of one
/// budget for the run: once spent, no more retries, and the report says so.
#[tokio::test(flavor = "multi_thread")]
async fn retry_after_waits_come_out_of_one_budget_for_the_run() {
    let (address, hits) = always(
        "HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    )
    .await;

    let run = check_two(
        address,
        &[
            "--retries",
            "2",
            "--retry-budget",
            "2s",
            "--concurrency",
            "1",
        ],
    )
    .await;

    assert_eq!(
        run.verdict("GET /a"),
        "server_error",
        "{}",
        run.all_output()
    );
    let distinct = hits.paths();
    let retried = hits.total() - distinct;
    assert!(
        retried <= 2,
        "{retried} retries of 1 s each within a 2 s budget\n{}",
        run.all_output()
    );
    let warnings = run.report().warnings.join("\n");
    assert!(warnings.contains("retry budget"), "{warnings}");
    assert_contains(&run.stdout, "warning: the retry budget");

    let help = run_bounded(support::args(&["check", "--help"])).await;
    assert_contains(&help.stdout, "--retry-budget");
    assert_contains(&help.stdout, "whole run");
}

/// A contract whose schemas refer back to themselves through `allOf`,
/// `anyOf` and `oneOf` (they overflowed the planner's stack) in every place a
/// schema is read, against a target whose short 2xx answer looks like a
/// placeholder, so the verdict walks the response schema too: every
/// operation gets a verdict, in both modes.
#[tokio::test(flavor = "multi_thread")]
async fn schemas_referring_to_themselves_through_combinators_are_checked() {
    let spec = support::repo("testdata/malformed/self-ref-combinators.yaml");
    let (address, hits) = always(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 11\r\nconnection: close\r\n\r\ncoming soon",
    )
    .await;
    for mode in ["safe", "live"] {
        let run = check(&spec, &format!("http://{address}"), &["--mode", mode]).await;
        assert!(
            run.code == 0 || run.code == 1,
            "{mode}\n{}",
            run.all_output()
        );
        let operations = &run.report().operations;
        assert_eq!(operations.len(), 6, "{mode}");
        for operation in operations {
            assert!(
                !operation.results.is_empty(),
                "{mode}: {} has a verdict",
                operation.label()
            );
        }
    }
    assert!(hits.total() > 0);
}

/// A 401 with credentials given is `credentials-rejected`. Credentials sent
/// in a header named like a credential carrier, or named with
/// `--secret-header`, are masked as credentials (12.10) and count as
/// credentials given too; only `Authorization`, `Cookie` and `X-Api-Key`
/// did, so a rejected `Ocp-Apim-Subscription-Key` read as a gate (`auth-401`).
#[tokio::test(flavor = "multi_thread")]
async fn a_401_to_credentials_in_any_credential_header_is_a_rejected_credential() {
    let dir = tempfile::tempdir().unwrap();
    let spec = two_operations(dir.path());
    let (address, _) = always(
        "HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Bearer\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    )
    .await;
    let target = format!("http://{address}");
    for (extra, expected) in [
        (
            &["-H", "Ocp-Apim-Subscription-Key: 5f1c0ffee"][..],
            "credentials-rejected",
        ),
        (
            &["-H", "X-Session-Id: s3ss10n-77"][..],
            "credentials-rejected",
        ),
        (
            &["-H", "X-Tenant: acme-77", "--secret-header", "x-tenant"][..],
            "credentials-rejected",
        ),
        (&["-H", "X-Tenant: acme-77"][..], "auth-401"),
    ] {
        let run = check(&spec, &target, extra).await;
        assert_eq!(
            run.result("GET /a").rule,
            expected,
            "{extra:?}\n{}",
            run.all_output()
        );
    }
}

/// 12.12: a target answering everything with 429 (or a redirect) passed
/// (`PASS: 0 of 2 served, 2 inconclusive`). Nothing proven served is no pass.
#[tokio::test(flavor = "multi_thread")]
async fn a_target_that_only_rate_limits_or_redirects_does_not_pass() {
    let (limiting, _) =
        always("HTTP/1.1 429 Too Many Requests\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .await;
    let (redirecting, _) = always(
        "HTTP/1.1 302 Found\r\nlocation: /login\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    )
    .await;

    for (address, strict) in [(limiting, false), (redirecting, false), (limiting, true)] {
        let mut extra = vec!["--retries", "0"];
        if strict {
            extra.push("--strict");
        }
        let run = check_two(address, &extra).await;

        run.assert_code(1);
        let expected = if strict {
            "FAIL: nothing was proven served; 2 inconclusive (failing: --strict)"
        } else {
            "FAIL: nothing was proven served; 0 of 2 served, 2 inconclusive"
        };
        assert_contains(&run.stdout, expected);
    }
}

/// 12.13: `-H $'X-Api-Key: a\nb'` was sent, failed in the client and was
/// reported `unreachable` with exit 3. It is bad input: exit 2 before
/// anything is sent, the value never echoed. (A credential given with
/// `--auth` is percent-encoded where a header cannot carry it.)
#[tokio::test(flavor = "multi_thread")]
async fn a_header_value_no_header_can_carry_is_bad_input() {
    let (address, hits) =
        always("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;

    let run = check_two(address, &["-H", "X-Api-Key: sec\nret-77"]).await;

    run.assert_refused("X-Api-Key");
    assert_contains(&run.stderr, "cannot carry");
    assert_lacks(&run.all_output(), "ret-77");
    assert_eq!(hits.total(), 0, "nothing is sent");
}

/// 12.13: an operation whose URL no HTTP client can send (a path of 70,000
/// characters: a request target is at most 65,534 bytes) was `unreachable`
/// with exit 3; it is bad input, named, before anything is sent.
#[tokio::test(flavor = "multi_thread")]
async fn a_url_no_request_can_carry_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("/{}", "a".repeat(70_000));
    let spec = dir.path().join("spec.json");
    let document = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/b": {"get": {"responses": {"200": {"description": "OK"}}}},
            long: {"get": {"responses": {"200": {"description": "OK"}}}}
        }
    });
    std::fs::write(&spec, document.to_string()).unwrap();
    let (address, hits) =
        always("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;

    let run = check(&spec, &format!("http://{address}"), &[]).await;

    run.assert_refused("GET /aaaa");
    assert_contains(&run.stderr, "cannot be an HTTP request target");
    assert!(
        run.stderr.len() < 1000,
        "the error names the operation briefly"
    );
    assert_eq!(hits.total(), 0, "nothing is sent");
}

/// 12.7: an unwritable report path was found only after every probe was
/// sent (and exit 2 then hid the run's result). Now it stops the run first.
#[tokio::test(flavor = "multi_thread")]
async fn an_unwritable_report_path_stops_the_run_before_any_probe() {
    let dir = tempfile::tempdir().unwrap();
    let spec = two_operations(dir.path());
    let (address, hits) =
        always("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
    let under_a_file = spec.join("report.xml");

    let run = check(
        &spec,
        &format!("http://{address}"),
        &["--junit", &under_a_file.display().to_string()],
    )
    .await;

    run.assert_refused("--junit");
    assert_eq!(hits.total(), 0, "nothing is sent");
    assert!(run.report.is_none(), "no report of a run that did not run");
}

/// 12.7: a report that cannot be written after all (`/dev/full` takes no
/// byte) cost every other report and the run's exit code (2). Now the
/// others are written, the error is clear, and the exit code is the run's.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_report_that_fails_to_write_costs_only_itself() {
    let dir = tempfile::tempdir().unwrap();
    let spec = two_operations(dir.path());
    let address = raw_server(|mut socket| async move {
        let path = read_request_path(&mut socket).await;
        let _ = socket.write_all(&canned_answer(&path)).await;
    })
    .await;
    let markdown = dir.path().join("r.md");

    let run = check(
        &spec,
        &format!("http://{address}"),
        &[
            "--junit",
            "/dev/full",
            "--markdown",
            &markdown.display().to_string(),
        ],
    )
    .await;

    assert_eq!(
        run.code,
        0,
        "every operation is served\n{}",
        run.all_output()
    );
    assert_contains(&run.stderr, "error: --junit /dev/full: cannot write");
    assert!(run.report.is_some(), "the JSON report is written");
    assert!(markdown.exists(), "the Markdown report is written");
}

/// 12.9: report flags could overwrite inputs (`--markdown spec.yaml` replaced
/// the contract, `--junit rollcall.toml` the config), and `--json o.json
/// --markdown sub/../o.json` passed the same-file check. Every such run is
/// refused before anything is sent, and the inputs are left as they were.
#[tokio::test(flavor = "multi_thread")]
async fn a_report_never_replaces_an_input_or_another_report() {
    let dir = tempfile::tempdir().unwrap();
    let spec = two_operations(dir.path());
    let spec_text = std::fs::read_to_string(&spec).unwrap();
    let config = dir.path().join("rollcall.toml");
    std::fs::write(&config, "strict = false\n").unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let folder_link = dir.path().join("to-folder.xml");
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("sub"), &folder_link).unwrap();
    let (address, hits) =
        always("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
    let path = |name: &str| dir.path().join(name).display().to_string();
    let spec_arg = spec.display().to_string();
    let target = format!("http://{address}");
    let config_arg = config.display().to_string();
    let mut cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--markdown", &spec_arg], "is a contract"),
        (
            vec!["--config", &config_arg, "--junit", &config_arg],
            "is the config file",
        ),
    ];
    let o_json = path("o.json");
    let roundabout = format!("{}/sub/../o.json", dir.path().display());
    cases.push((
        vec!["--json", &o_json, "--markdown", &roundabout],
        "--json and --markdown name the same file",
    ));
    let folder_link_arg = folder_link.display().to_string();
    if cfg!(unix) {
        cases.push((vec!["--junit", &folder_link_arg], "is a symbolic link"));
    }

    for (flags, expected) in cases {
        let mut args = vec!["check", spec_arg.as_str(), "--target", target.as_str()];
        args.extend(flags);
        let run = run_bounded(support::args(&args)).await;
        assert_eq!(run.code, 2, "{args:?}\n{}", run.all_output());
        assert!(run.stderr.contains(expected), "{args:?}\n{}", run.stderr);
    }
    assert_eq!(hits.total(), 0, "nothing is sent");
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), spec_text);
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "strict = false\n"
    );
    assert!(!dir.path().join("o.json").exists());

    // `merge` reads reports: none of them may be written over.
    let shard = dir.path().join("shard.json");
    std::fs::write(&shard, "{}").unwrap();
    let shard_arg = shard.display().to_string();
    let merge = run_bounded(support::args(&["merge", &shard_arg, "--json", &shard_arg])).await;
    merge.assert_refused("is a report to merge");
    assert_eq!(std::fs::read_to_string(&shard).unwrap(), "{}");
}
