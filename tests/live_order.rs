//! Live mode's order, against an in-process order service with real state:
//! a DELETE really deletes, and every state change is counted. The service
//! answers a missing order with the same 404 as a missing route (FastAPI's
//! `{"detail":"Not Found"}`), and its handlers that need an order are slower
//! than its DELETE, so a DELETE sent alongside them would always win the
//! race. Asserted: every verdict is right and identical over two runs on
//! fresh services, the order the service saw the requests in, removals sent
//! once with `--repeat`, and removals held until every target sharing the
//! store has sent its other probes.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::support;
use rollcall::check::{self, RunOptions, TargetSpec};
use rollcall::contract::{self, Contract};
use rollcall::plan::{self, Mode, PlanOptions};
use rollcall::redact::Redactor;
use rollcall::report::RunReport;

/// What the handlers that need a resource wait before answering: long enough
/// that a DELETE sent at the same time always gets there first.
const HANDLER_DELAY: Duration = Duration::from_millis(40);

/// The host whose requests are slowed down further (a second target on the
/// same store, lagging behind the first).
const SLOW_HOST: &str = "slow.test";

#[derive(Default)]
struct Store {
    orders: Mutex<BTreeMap<String, BTreeSet<String>>>,
    tags: Mutex<BTreeSet<String>>,
    next_id: AtomicUsize,
    state_changes: AtomicUsize,
    /// Every request as `METHOD /path` (host first for [`SLOW_HOST`]), in
    /// the order they arrived.
    log: Mutex<Vec<String>>,
}

impl Store {
    fn fresh() -> Arc<Store> {
        let store = Store::default();
        store
            .orders
            .lock()
            .unwrap()
            .insert("ord-1001".into(), BTreeSet::from(["n-1".to_string()]));
        store.tags.lock().unwrap().insert("urgent".into());
        Arc::new(store)
    }

    fn changed(&self) {
        self.state_changes.fetch_add(1, Ordering::SeqCst);
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

/// FastAPI's answer to an unknown path, and its handlers' "no such order".
fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [("content-type", "application/json")],
        r#"{"detail":"Not Found"}"#,
    )
        .into_response()
}

async fn slow(headers: &HeaderMap) {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let extra = if host.starts_with(SLOW_HOST) { 3 } else { 1 };
    tokio::time::sleep(HANDLER_DELAY * extra).await;
}

fn app(store: Arc<Store>) -> Router {
    let order_exists =
        |store: &Store, id: &str| -> bool { store.orders.lock().unwrap().contains_key(id) };
    Router::new()
        .route(
            "/orders",
            get(|| async { axum::Json(serde_json::json!([])) }).post(
                |State(store): State<Arc<Store>>| async move {
                    let id = format!("ord-{}", 2000 + store.next_id.fetch_add(1, Ordering::SeqCst));
                    store.orders.lock().unwrap().insert(id.clone(), BTreeSet::new());
                    store.changed();
                    (StatusCode::CREATED, axum::Json(serde_json::json!({"id": id})))
                },
            ),
        )
        .route(
            "/orders/{id}",
            get(
                move |State(store): State<Arc<Store>>, Path(id): Path<String>, headers: HeaderMap| async move {
                    slow(&headers).await;
                    if order_exists(&store, &id) {
                        axum::Json(serde_json::json!({"id": id})).into_response()
                    } else {
                        not_found()
                    }
                },
            )
            .put(change_order)
            .patch(change_order)
            .delete(
                |State(store): State<Arc<Store>>, Path(id): Path<String>| async move {
                    if store.orders.lock().unwrap().remove(&id).is_some() {
                        store.changed();
                        StatusCode::NO_CONTENT.into_response()
                    } else {
                        not_found()
                    }
                },
            ),
        )
        .route(
            "/orders/{id}/notes",
            post(
                |State(store): State<Arc<Store>>, Path(id): Path<String>, headers: HeaderMap| async move {
                    slow(&headers).await;
                    let mut orders = store.orders.lock().unwrap();
                    match orders.get_mut(&id) {
                        Some(notes) => {
                            notes.insert(format!("n-{}", notes.len() + 1));
                            store.changed();
                            StatusCode::CREATED.into_response()
                        }
                        None => not_found(),
                    }
                },
            ),
        )
        .route(
            "/orders/{id}/notes/{note}",
            axum::routing::delete(
                |State(store): State<Arc<Store>>,
                 Path((id, note)): Path<(String, String)>,
                 headers: HeaderMap| async move {
                    slow(&headers).await;
                    let mut orders = store.orders.lock().unwrap();
                    match orders.get_mut(&id).map(|notes| notes.remove(&note)) {
                        Some(true) => {
                            store.changed();
                            StatusCode::NO_CONTENT.into_response()
                        }
                        _ => not_found(),
                    }
                },
            ),
        )
        .route(
            "/orders/{id}/refund",
            post(|| async {
                (
                    StatusCode::NOT_IMPLEMENTED,
                    axum::Json(serde_json::json!({"detail": "refunds are coming"})),
                )
            }),
        )
        .route(
            "/tags/{tag}",
            get(
                |State(store): State<Arc<Store>>, Path(tag): Path<String>, headers: HeaderMap| async move {
                    slow(&headers).await;
                    if store.tags.lock().unwrap().contains(&tag) {
                        axum::Json(serde_json::json!({"tag": tag})).into_response()
                    } else {
                        not_found()
                    }
                },
            )
            .put(
                |State(store): State<Arc<Store>>, Path(tag): Path<String>, headers: HeaderMap| async move {
                    slow(&headers).await;
                    if store.tags.lock().unwrap().contains(&tag) {
                        store.changed();
                        StatusCode::OK.into_response()
                    } else {
                        not_found()
                    }
                },
            ),
        )
        .route(
            "/tags/{tag}/remove",
            post(
                |State(store): State<Arc<Store>>, Path(tag): Path<String>| async move {
                    if store.tags.lock().unwrap().remove(&tag) {
                        store.changed();
                        StatusCode::NO_CONTENT.into_response()
                    } else {
                        not_found()
                    }
                },
            ),
        )
        .fallback(|| async { not_found() })
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&store),
            |State(store): State<Arc<Store>>, request: Request, next: axum::middleware::Next| async move {
                let host = request
                    .headers()
                    .get("host")
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or("");
                let prefix = if host.starts_with(SLOW_HOST) { "slow " } else { "" };
                store.log.lock().unwrap().push(format!(
                    "{prefix}{} {}",
                    request.method(),
                    request.uri().path()
                ));
                next.run(request).await
            },
        ))
        .with_state(store)
}

async fn change_order(
    State(store): State<Arc<Store>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    slow(&headers).await;
    if store.orders.lock().unwrap().contains_key(&id) {
        store.changed();
        axum::Json(serde_json::json!({"id": id})).into_response()
    } else {
        not_found()
    }
}

/// A fresh service on 127.0.0.1, its store, and its address.
async fn serve() -> (Arc<Store>, SocketAddr) {
    let store = Store::fresh();
    let server = crate::support::serve::serve(app(Arc::clone(&store))).await;
    (store, server.addr)
}

fn orders_contract() -> Contract {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/order/orders.yaml");
    let bytes = std::fs::read(path).expect("fixture");
    contract::parse("testdata/order/orders.yaml", &bytes).expect("fixture parses")
}

fn target(name: &str, address: SocketAddr, host: &str) -> TargetSpec {
    let mut spec: TargetSpec = format!("{name}=http://{host}:{}", address.port())
        .parse()
        .unwrap();
    spec.connect_to = vec![address];
    spec
}

async fn live_check(targets: Vec<TargetSpec>, repeat: usize) -> RunReport {
    let contract = orders_contract();
    let options = PlanOptions {
        mode: Mode::Live,
        ..PlanOptions::default()
    };
    let plan = plan::build(&contract, &options).unwrap();
    let run = RunOptions {
        targets,
        repeat,
        ..RunOptions::default()
    };
    check::run(
        Arc::new(contract),
        Arc::new(plan),
        &run,
        &Redactor::default(),
    )
    .await
    .unwrap()
}

/// `METHOD /path → verdict` per operation, of the target at `index`.
fn verdicts(report: &RunReport, index: usize) -> BTreeMap<String, String> {
    report
        .operations
        .iter()
        .map(|op| (op.label(), op.results[index].verdict.to_string()))
        .collect()
}

fn expected_verdicts() -> BTreeMap<String, String> {
    let mut expected: BTreeMap<String, String> = [
        "GET /orders",
        "POST /orders",
        "GET /orders/{orderId}",
        "PUT /orders/{orderId}",
        "PATCH /orders/{orderId}",
        "DELETE /orders/{orderId}",
        "POST /orders/{orderId}/notes",
        "DELETE /orders/{orderId}/notes/{noteId}",
        "GET /tags/{tag}",
        "PUT /tags/{tag}",
        "POST /tags/{tag}/remove",
    ]
    .into_iter()
    .map(|label| (label.to_string(), "implemented".to_string()))
    .collect();
    expected.insert(
        "POST /orders/{orderId}/refund".into(),
        "not_implemented".into(),
    );
    expected.insert(
        "GET /orders/{orderId}/invoice".into(),
        "missing_route".into(),
    );
    expected
}

/// Where `entry` first appears in `log`.
fn position(log: &[String], entry: &str) -> usize {
    log.iter()
        .position(|e| e == entry)
        .unwrap_or_else(|| panic!("{entry} never arrived:\n{}", log.join("\n")))
}

#[tokio::test(flavor = "multi_thread")]
async fn live_probes_get_what_they_need_before_it_is_deleted_and_two_runs_agree() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let (store, address) = serve().await;
        let report = live_check(vec![target("orders", address, "127.0.0.1")], 1).await;
        runs.push((verdicts(&report, 0), store));
    }
    for (verdicts, _) in &runs {
        assert_eq!(verdicts, &expected_verdicts());
    }
    let (_, store) = &runs[0];
    let log = store.log();
    let delete_order = position(&log, "DELETE /orders/ord-1001");
    for entry in [
        "GET /orders/ord-1001",
        "PUT /orders/ord-1001",
        "PATCH /orders/ord-1001",
        "POST /orders/ord-1001/notes",
        "POST /orders/ord-1001/refund",
        "DELETE /orders/ord-1001/notes/n-1",
    ] {
        assert!(
            position(&log, entry) < delete_order,
            "{entry} arrived after the DELETE:\n{}",
            log.join("\n")
        );
    }
    // Follow-ups included: the invoice's 404 asked for OPTIONS on its
    // path, which must not come after the order is gone.
    let after_delete: Vec<&String> = log[delete_order + 1..]
        .iter()
        .filter(|e| e.contains("/orders/ord-1001"))
        .collect();
    assert!(
        after_delete.is_empty(),
        "requests on ord-1001 after it was deleted: {after_delete:?}"
    );
    assert!(
        position(&log, "POST /orders") < position(&log, "GET /orders/ord-1001"),
        "creations go before reads and changes"
    );
    assert!(
        position(&log, "PUT /tags/urgent") < position(&log, "POST /tags/urgent/remove"),
        "a removal the contract names (removeTag) goes after the probes that need the tag"
    );
    // POST /orders, the note added and removed, PUT, PATCH, PUT tag, the
    // two removals and the DELETE: each reached its handler once.
    assert_eq!(store.state_changes.load(Ordering::SeqCst), 8, "{log:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn repeat_sends_each_removal_once_in_the_last_round() {
    let (store, address) = serve().await;
    let report = live_check(vec![target("orders", address, "127.0.0.1")], 3).await;
    assert_eq!(
        verdicts(&report, 0),
        expected_verdicts(),
        "no round finds an earlier round's deletions"
    );
    let log = store.log();
    let count = |entry: &str| log.iter().filter(|e| *e == entry).count();
    assert_eq!(count("GET /orders/ord-1001"), 3, "{log:#?}");
    assert_eq!(count("DELETE /orders/ord-1001"), 1, "{log:#?}");
    assert_eq!(count("POST /tags/urgent/remove"), 1, "{log:#?}");
    let last_get = log
        .iter()
        .rposition(|e| e == "GET /orders/ord-1001")
        .unwrap();
    assert!(last_get < position(&log, "DELETE /orders/ord-1001"));
}

#[tokio::test(flavor = "multi_thread")]
async fn removals_wait_for_every_target_that_shares_the_store() {
    let (store, address) = serve().await;
    let targets = vec![
        target("fast", address, "127.0.0.1"),
        target("slow", address, SLOW_HOST),
    ];
    let report = live_check(targets, 1).await;
    let log = store.log();
    let first_removal = log
        .iter()
        .position(|e| e.ends_with("DELETE /orders/ord-1001/notes/n-1"))
        .expect("a removal was sent");
    let late: Vec<&String> = log[first_removal..]
        .iter()
        .filter(|e| {
            let label = e.trim_start_matches("slow ");
            [
                "GET /orders/ord-1001",
                "PUT /orders/ord-1001",
                "PATCH /orders/ord-1001",
            ]
            .contains(&label)
        })
        .collect();
    assert!(
        late.is_empty(),
        "reads and changes after a removal: {late:?}\n{}",
        log.join("\n")
    );
    // The second target's DELETE finds the order gone, which is what it
    // is; every other operation is right on both.
    let mut expected = expected_verdicts();
    for index in 0..2 {
        let mut got = verdicts(&report, index);
        for removal in [
            "DELETE /orders/{orderId}",
            "DELETE /orders/{orderId}/notes/{noteId}",
            "POST /tags/{tag}/remove",
        ] {
            got.remove(removal);
            expected.remove(removal);
        }
        assert_eq!(got, expected, "target {index}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_in_live_mode_shows_the_phases_in_sending_order() {
    let spec = support::repo("testdata/order/orders.yaml")
        .display()
        .to_string();
    let run = support::rollcall(support::args(&["list", &spec, "--mode", "live"]), vec![]).await;
    run.assert_code(0);
    // Everything but the requests themselves.
    let outline: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| {
            !line.starts_with("    ") || line.contains("creates:") || line.contains("removes:")
        })
        .collect();
    assert_eq!(
        outline.join("\n"),
        "\
Orders (live order fixture) 1.0 (OpenAPI 3.0.3), live mode

base URL: TARGET (the contract's servers give no path), unless the target URL has a path or --base-path is given

sent in 5 phases, one after the other (the probes of a phase in parallel): creations first, removals last, deepest paths first

phase 1 of 5: create
POST /orders                             createOrder   valid
    creates: declares 201
POST /orders/{orderId}/notes             addNote       valid
    creates: declares 201

phase 2 of 5: read or change
GET /orders                              listOrders    valid
GET /orders/{orderId}                    getOrder      valid
PUT /orders/{orderId}                    replaceOrder  valid
PATCH /orders/{orderId}                  updateOrder   valid
POST /orders/{orderId}/refund            refundOrder   valid
GET /orders/{orderId}/invoice            getInvoice    valid
GET /tags/{tag}                          getTag        valid
PUT /tags/{tag}                          renameTag     valid

phase 3 of 5: remove
DELETE /orders/{orderId}/notes/{noteId}  deleteNote    valid

phase 4 of 5: remove
POST /tags/{tag}/remove                  removeTag     valid
    removes: operationId 'removeTag'

phase 5 of 5: remove
DELETE /orders/{orderId}                 deleteOrder   valid

13 operations: 13 valid"
    );

    let run = support::rollcall(
        support::args(&["list", &spec, "--mode", "live", "--json"]),
        vec![],
    )
    .await;
    let listing: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        listing["phases"][0],
        serde_json::json!({"phase": 1, "role": "create", "operations": 2})
    );
    assert_eq!(listing["phases"][4]["role"], "remove");
    let remove_tag = listing["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|op| op["operation_id"] == "removeTag")
        .unwrap();
    assert_eq!(
        remove_tag["order"],
        serde_json::json!({"phase": 4, "role": "remove", "because": "operationId 'removeTag'"})
    );

    let safe = support::rollcall(support::args(&["list", &spec, "--json"]), vec![]).await;
    let listing: serde_json::Value = serde_json::from_str(&safe.stdout).unwrap();
    assert!(
        listing.get("phases").is_none(),
        "safe mode has one phase: {listing}"
    );
    assert!(listing["operations"][0].get("order").is_none());
}
