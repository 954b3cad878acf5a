//! Two builds of a small invoices service that disagree, shared by the
//! parity suites (`parity.rs`, `github.rs`, `html.rs`): the apps, a contract
//! to check them against, and the `rollcall check` arguments for both.
//!
//! `stable` runs release 1.4: no `PATCH /invoices/{id}` (405) and no
//! `POST /invoices/{id}/send` (404), but `DELETE /invoices/{id}`, which 1.5
//! drops (`testdata/parity/invoices-v*.yaml` declare the two releases).
//! `canary` runs release 1.5. Both answer `GET /reports` with 501: a gap
//! they share.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};

pub const SPEC: &str = "\
openapi: 3.0.3
info:
  title: Invoices
  version: 1.5.0
paths:
  /health:
    get:
      responses:
        '200': {description: up}
  /invoices:
    get:
      tags: [invoices]
      responses:
        '200': {description: the invoices}
  /invoices/{id}:
    get:
      tags: [invoices]
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, example: 7}}
      responses:
        '200': {description: the invoice}
    patch:
      tags: [invoices]
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, example: 7}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                status: {type: string, enum: [open, paid]}
      responses:
        '200': {description: updated}
  /invoices/{id}/send:
    post:
      tags: [invoices]
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, example: 7}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [to]
              properties:
                to: {type: string, format: email}
      responses:
        '202': {description: queued}
  /reports:
    get:
      tags: [reports]
      responses:
        '200': {description: the monthly report}
";

/// The operations whose verdicts differ between `stable` and `canary`.
pub const DIFFERING: [&str; 2] = ["PATCH /invoices/{id}", "POST /invoices/{id}/send"];

/// The operation both targets leave unimplemented (501).
pub const SHARED_GAP: &str = "GET /reports";

/// The 1-based line of `METHOD /path` in [`SPEC`].
pub fn spec_line(label: &str) -> u32 {
    let (method, path) = label.split_once(' ').expect("METHOD /path");
    let lines: Vec<&str> = SPEC.lines().collect();
    let path_line = lines
        .iter()
        .position(|l| *l == format!("  {path}:"))
        .expect("path in spec");
    let method_line = lines[path_line + 1..]
        .iter()
        .position(|l| *l == format!("    {}:", method.to_ascii_lowercase()))
        .expect("method under path");
    (path_line + 1 + method_line + 1) as u32
}

/// Which release a server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    Stable,
    Canary,
}

/// The invoices app as `release` ships it.
pub fn app(release: Release) -> Router {
    let invoice = get(|| async { axum::Json(json!({"id": 7})) });
    let base = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/invoices", get(|| async { axum::Json(json!([])) }))
        .route(
            "/reports",
            get(|| async { (StatusCode::NOT_IMPLEMENTED, "not implemented") }),
        );
    match release {
        Release::Stable => base.route(
            "/invoices/{id}",
            invoice.delete(|| async { StatusCode::NO_CONTENT }),
        ),
        // The JSON extractor rejects the malformed body a safe-mode probe
        // sends with 400, as a deployed handler's validation does.
        Release::Canary => base
            .route(
                "/invoices/{id}",
                invoice.patch(|axum::Json(_): axum::Json<Value>| async {
                    axum::Json(json!({"id": 7}))
                }),
            )
            .route(
                "/invoices/{id}/send",
                axum::routing::post(|axum::Json(_): axum::Json<Value>| async {
                    StatusCode::ACCEPTED
                }),
            ),
    }
}

/// One release, served on 127.0.0.1 until the test process ends.
pub struct Server {
    pub addr: SocketAddr,
}

impl Server {
    pub async fn start(release: Release) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app(release)).await;
        });
        Server { addr }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Both releases running, and the spec written into `dir`.
pub struct Rollout {
    pub stable: Server,
    pub canary: Server,
    pub spec: PathBuf,
}

impl Rollout {
    pub async fn start(dir: &Path) -> Rollout {
        let spec = dir.join("invoices.yaml");
        std::fs::write(&spec, SPEC).expect("write the spec");
        Rollout {
            stable: Server::start(Release::Stable).await,
            canary: Server::start(Release::Canary).await,
            spec,
        }
    }

    /// `rollcall check <spec> --target stable=... --target canary=...` plus `extra`.
    pub fn check_args(&self, extra: &[&str]) -> Vec<String> {
        let mut args = vec![
            "check".to_string(),
            self.spec.display().to_string(),
            "--target".to_string(),
            format!("stable={}", self.stable.url()),
            "--target".to_string(),
            format!("canary={}", self.canary.url()),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }
}
