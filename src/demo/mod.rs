//! The embedded sample service behind `rollcall demo`: a small pet store that
//! serves only part of `specs/demo.yaml`, on purpose, so a real check over
//! HTTP shows each kind of finding:
//!
//! ```text
//! GET    /api/v1/pets/{petId}/vaccinations  handler answers 501          not_implemented
//! GET    /api/v1/orders ...                 router left out of the build missing_route
//! PATCH  /api/v1/pets/{petId}               method missing (405 + Allow) missing_method
//! GET    /api/v1/admin/stats                bearer token checked by a     auth_required
//!                                           gate before routing
//! GET    /api/v1/pets/{petId}               404 for unknown ids           implemented
//! GET    /api/v1/pets/{petId}/owner         200 "not implemented yet"     stub
//! ```
//!
//! It also counts the state changes it really performed, so tests can prove
//! that a safe-mode run changed nothing.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::report::RunReport;
use crate::verdict::Verdict;

/// Where the demo contract lives in the repository (and how reports name it).
pub const SPEC_PATH: &str = "specs/demo.yaml";
/// The demo contract, embedded so `rollcall demo` works from any folder.
pub const SPEC: &str = include_str!("../../specs/demo.yaml");
/// The token the admin route accepts.
pub const ADMIN_TOKEN: &str = "demo-admin-token";

/// The verdict each operation of the demo contract gets in a safe-mode check.
pub const EXPECTED: &[(&str, Verdict)] = &[
    ("GET /health", Verdict::Implemented),
    ("GET /pets", Verdict::Implemented),
    ("POST /pets", Verdict::Implemented),
    ("GET /pets/{petId}", Verdict::Implemented),
    ("PATCH /pets/{petId}", Verdict::MissingMethod),
    ("DELETE /pets/{petId}", Verdict::Implemented),
    ("GET /pets/{petId}/vaccinations", Verdict::NotImplemented),
    ("GET /pets/{petId}/owner", Verdict::Stub),
    ("GET /orders", Verdict::MissingRoute),
    ("POST /orders", Verdict::MissingRoute),
    ("GET /orders/{orderId}", Verdict::MissingRoute),
    ("GET /admin/stats", Verdict::AuthRequired),
];

/// `rollcall demo`: starts the sample service on a free port, checks it
/// against the demo contract in safe mode, stops it; the report, with its
/// texts masked like any run's.
pub async fn check() -> Result<RunReport, crate::check::CheckError> {
    use crate::check::{CheckError, RunOptions, TargetSpec};
    use crate::plan::{self, PlanOptions};
    let bad = |e: &dyn std::fmt::Display| CheckError::BadInput(e.to_string());
    let server = Server::start()
        .await
        .map_err(|e| bad(&format!("cannot start the demo service: {e}")))?;
    let contract = crate::contract::parse(SPEC_PATH, SPEC.as_bytes()).map_err(|e| bad(&e))?;
    let options = PlanOptions::default();
    let plan = plan::build(&contract, &options).map_err(|e| bad(&e))?;
    let target = TargetSpec {
        name: "demo".into(),
        url: server.url(),
        connect_to: Vec::new(),
        base_path: None,
    };
    let redactor = plan::auth::redactor(Some(&contract), &options, &[], &[]);
    let run_options = RunOptions {
        targets: vec![target],
        ..RunOptions::default()
    };
    let report = crate::check::run(Arc::new(contract), Arc::new(plan), &run_options, &redactor)
        .await
        .map_err(|e| bad(&e))?;
    server.stop().await;
    Ok(report)
}

/// What `rollcall demo` says after its report, and its exit code: every
/// verdict as built (0), or the ones that differ (1).
pub fn summary(report: &RunReport, junit: &std::path::Path) -> (String, u8) {
    let mismatches = unexpected_verdicts(report);
    if mismatches.is_empty() {
        let text = format!(
            "\ndemo: every verdict is the one the sample service was built to show; JUnit written to {}\n",
            junit.display()
        );
        return (text, crate::check::exit::SERVED);
    }
    let mut text = "\ndemo: some verdicts differ from what the sample service was built to show:\n"
        .to_string();
    for m in mismatches {
        text.push_str(&format!("  {m}\n"));
    }
    (text, crate::check::exit::FLAGGED)
}

/// Whether `path` holds a JUnit report rollcall wrote (which `rollcall
/// demo` may overwrite; any other file it refuses to).
pub fn is_rollcall_report(path: &std::path::Path) -> bool {
    std::fs::read_to_string(path)
        .map(|s| s.contains("<testsuites name=\"rollcall\""))
        .unwrap_or(false)
}

/// Until Ctrl-C, or SIGTERM on Unix: how long `rollcall demo --serve` serves.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Operations whose verdict differs from [`EXPECTED`], as readable lines.
pub fn unexpected_verdicts(report: &RunReport) -> Vec<String> {
    let mut problems = Vec::new();
    for (label, expected) in EXPECTED {
        match report.operations.iter().find(|op| op.label() == *label) {
            None => problems.push(format!("{label}: missing from the report")),
            Some(op) => {
                for result in op.results.iter().filter(|r| r.verdict != *expected) {
                    problems.push(format!(
                        "{label} on {}: expected {expected}, got {} ({})",
                        result.target, result.verdict, result.evidence
                    ));
                }
            }
        }
    }
    problems
}

#[derive(Debug, Default)]
struct Store {
    pets: Mutex<BTreeMap<u64, String>>,
    state_changes: AtomicUsize,
}

/// The sample service, running on 127.0.0.1 on a free port.
pub struct Server {
    address: SocketAddr,
    store: Arc<Store>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Binds 127.0.0.1:0 and serves the demo app until [`Server::stop`].
    pub async fn start() -> std::io::Result<Server> {
        Server::start_on_port(0).await
    }

    /// Binds 127.0.0.1:`port` (0: any free port) and serves the demo app
    /// until [`Server::stop`]; `rollcall demo --serve` uses a fixed port.
    pub async fn start_on_port(port: u16) -> std::io::Result<Server> {
        let store = Arc::new(Store::default());
        {
            let mut pets = store.pets.lock().unwrap_or_else(|e| e.into_inner());
            pets.insert(1, "Rex".into());
            pets.insert(2, "Tom".into());
            pets.insert(3, "Nibbles".into());
        }
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let address = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = app(Arc::clone(&store));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Server {
            address,
            store,
            shutdown: Some(tx),
            task,
        })
    }

    /// `http://127.0.0.1:<port>`; the contract's server path `/api/v1` is
    /// appended by the base-URL rule.
    pub fn url(&self) -> url::Url {
        url::Url::parse(&format!("http://{}", self.address))
            .expect("a socket address is a valid URL host")
    }

    /// How many times the service changed its data (create, update, delete).
    pub fn state_changes(&self) -> usize {
        self.store.state_changes.load(Ordering::SeqCst)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

fn app(store: Arc<Store>) -> Router {
    // The orders router exists in the source tree but was left out of this
    // build: that is the missing_route the demo shows.
    let api = Router::new()
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/pets", get(list_pets).post(create_pet))
        // No PATCH here: the path exists, the method does not (405 + Allow).
        .route("/pets/{pet_id}", get(get_pet).delete(delete_pet))
        .route("/pets/{pet_id}/vaccinations", get(vaccinations))
        .route("/pets/{pet_id}/owner", get(owner))
        .route("/admin/stats", get(admin_stats))
        .with_state(store);
    // The admin area sits behind a token gate that runs before routing, as
    // auth middleware and gateways often do: unknown paths under it get 401
    // too, so a 401 there proves nothing about the route (auth_required).
    Router::new()
        .nest("/api/v1", api)
        .layer(axum::middleware::from_fn(admin_gate))
}

async fn admin_gate(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let guarded = request.uri().path().starts_with("/api/v1/admin/");
    let expected = format!("Bearer {ADMIN_TOKEN}");
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected);
    if guarded && !authorized {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            Json(json!({"error": "missing or invalid bearer token"})),
        )
            .into_response();
    }
    next.run(request).await
}

async fn list_pets(State(store): State<Arc<Store>>) -> Json<serde_json::Value> {
    let pets = store.pets.lock().unwrap_or_else(|e| e.into_inner());
    Json(json!(
        pets.iter()
            .map(|(id, name)| json!({"id": id, "name": name}))
            .collect::<Vec<_>>()
    ))
}

#[derive(Deserialize)]
struct NewPet {
    name: String,
}

async fn create_pet(State(store): State<Arc<Store>>, Json(pet): Json<NewPet>) -> Response {
    if pet.name.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": "name must not be empty"})),
        )
            .into_response();
    }
    let mut pets = store.pets.lock().unwrap_or_else(|e| e.into_inner());
    let id = pets.keys().next_back().copied().unwrap_or(0) + 1;
    pets.insert(id, pet.name.clone());
    store.state_changes.fetch_add(1, Ordering::SeqCst);
    (
        StatusCode::CREATED,
        Json(json!({"id": id, "name": pet.name})),
    )
        .into_response()
}

fn no_such_pet(id: u64) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": format!("pet {id} not found")})),
    )
        .into_response()
}

async fn get_pet(State(store): State<Arc<Store>>, Path(id): Path<u64>) -> Response {
    let pets = store.pets.lock().unwrap_or_else(|e| e.into_inner());
    match pets.get(&id) {
        Some(name) => Json(json!({"id": id, "name": name})).into_response(),
        None => no_such_pet(id),
    }
}

async fn delete_pet(State(store): State<Arc<Store>>, Path(id): Path<u64>) -> Response {
    let mut pets = store.pets.lock().unwrap_or_else(|e| e.into_inner());
    match pets.remove(&id) {
        Some(_) => {
            store.state_changes.fetch_add(1, Ordering::SeqCst);
            StatusCode::NO_CONTENT.into_response()
        }
        None => no_such_pet(id),
    }
}

async fn vaccinations(Path(_id): Path<u64>) -> Response {
    (
        StatusCode::NOT_IMPLEMENTED,
        Json(json!({"error": "vaccination history is not available in this build"})),
    )
        .into_response()
}

async fn owner(Path(_id): Path<u64>) -> Json<serde_json::Value> {
    Json(json!({"status": "not implemented yet"}))
}

async fn admin_stats(State(store): State<Arc<Store>>) -> Json<serde_json::Value> {
    let pets = store.pets.lock().unwrap_or_else(|e| e.into_inner()).len();
    Json(json!({"pets": pets}))
}
