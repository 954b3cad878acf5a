//! Test support for probe and verdict tests: in-process servers on
//! 127.0.0.1:0, and contracts, operations and planned requests built by hand
//! (so these tests do not wait for the loader or the planner).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::contract::{Contract, Method, Operation, RequestBody};
use crate::plan::{Body, Intent, PlannedProbe, PlannedRequest};

use super::{ProbeOptions, Prober, Target};

/// Binds 127.0.0.1 on a port the OS chooses; the listener and its
/// `http://127.0.0.1:<port>`.
async fn listen() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let address = listener.local_addr().expect("bound address");
    (listener, format!("http://{address}"))
}

/// Serves `app` on 127.0.0.1 (port chosen by the OS) for the rest of the
/// test; returns `http://127.0.0.1:<port>`.
pub async fn serve(app: axum::Router) -> String {
    let (listener, url) = listen().await;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

/// Hands every connection to `answer`, each on a task of its own, for the
/// rest of the test; returns the server's URL.
async fn serve_connections<A, F>(answer: A) -> String
where
    A: Fn(TcpStream) -> F + Send + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    let (listener, url) = listen().await;
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(answer(socket));
        }
    });
    url
}

/// A server whose every answer is `200` with a chunked body that never ends.
pub async fn serve_endless_body() -> String {
    serve_connections(|mut socket| async move {
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n";
        if socket.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = format!("400\r\n{}\r\n", "x".repeat(0x400));
        while socket.write_all(chunk.as_bytes()).await.is_ok() {}
    })
    .await
}

/// A server that answers every request `200` with its head, as received
/// (request line and header lines, names as the client wrote them).
pub async fn serve_raw_echo() -> String {
    serve_connections(|mut socket| async move {
        let mut received = Vec::new();
        let mut buffer = [0u8; 4096];
        while !received.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
        let end = received
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(0);
        let head = String::from_utf8_lossy(&received[..end]).into_owned();
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{head}",
            head.len()
        );
        let _ = socket.write_all(answer.as_bytes()).await;
    })
    .await
}

/// An address nothing listens on.
pub async fn closed_port_url() -> String {
    let (listener, url) = listen().await;
    drop(listener);
    url
}

pub fn prober(base_url: &str) -> Prober {
    prober_with(base_url, ProbeOptions::default())
}

pub fn prober_with(base_url: &str, options: ProbeOptions) -> Prober {
    let target = Target {
        name: "test".into(),
        base_url: url::Url::parse(base_url).expect("test base URL"),
    };
    Prober::new(target, options).expect("client builds")
}

pub fn options_with_timeout(timeout: Duration) -> ProbeOptions {
    ProbeOptions {
        timeout,
        ..ProbeOptions::default()
    }
}

pub use crate::contract::testing::{contract, operation};

pub fn operation_with_body(method: Method, path: &str) -> Operation {
    operation(method, path).with_body(RequestBody {
        required: true,
        content: vec![],
    })
}

/// A plan that probes every operation of `contract` (none left out by a
/// selection), for the parts of a run that read which operations are
/// probed, discovery first; the probes send nothing.
pub fn plan_probing_every(contract: &Contract) -> crate::plan::Plan {
    crate::plan::Plan {
        mode: crate::plan::Mode::Safe,
        probes: (0..contract.operations.len())
            .map(|operation| crate::plan::PlannedProbe {
                operation,
                intent: crate::plan::Intent::Valid,
                request: None,
                fallbacks: Vec::new(),
                notes: Vec::new(),
                declared: crate::plan::declarations(contract, &contract.operations[operation]),
            })
            .collect(),
        discovery_headers: Vec::new(),
    }
}

/// Discovery for `contract` with every operation probed.
pub async fn discover_every(prober: &Prober, contract: &Contract) -> crate::probe::Discovery {
    let prepared = crate::probe::DiscoveryPlan::new(contract, &plan_probing_every(contract));
    crate::probe::discover(prober, &prepared).await
}

pub fn get_request(path_and_query: &str) -> PlannedRequest {
    request(Method::Get, path_and_query)
}

pub fn request(method: Method, path_and_query: &str) -> PlannedRequest {
    PlannedRequest {
        method,
        path_and_query: path_and_query.into(),
        headers: vec![],
        body: None,
    }
}

pub fn malformed_json(method: Method, path_and_query: &str) -> PlannedRequest {
    PlannedRequest {
        body: Some(Body {
            content_type: "application/json".into(),
            bytes: crate::plan::body::MALFORMED_JSON.as_bytes().to_vec(),
        }),
        ..request(method, path_and_query)
    }
}

pub fn planned(operation: usize, intent: Intent, request: Option<PlannedRequest>) -> PlannedProbe {
    PlannedProbe {
        operation,
        intent,
        request,
        fallbacks: vec![],
        notes: vec![],
        declared: Default::default(),
    }
}
