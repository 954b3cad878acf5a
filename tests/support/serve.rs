//! Servers the suites start in this process on loopback: an axum app on a
//! port the OS picks ([`serve`]), a raw TCP server that answers however a
//! test likes, broken HTTP included ([`raw_server`], [`read_request`]), and
//! one that answers everything with the same head ([`answering_always`]).
//! Each serves until the test process ends.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A server started here: its address and `http://` URL.
#[derive(Debug, Clone, Copy)]
pub struct Server {
    pub addr: SocketAddr,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Serves `app` on 127.0.0.1.
pub async fn serve(app: axum::Router) -> Server {
    serve_on("127.0.0.1:0", app).await
}

/// Serves `app` on `address` (`127.0.0.2:0` stands for another host).
pub async fn serve_on(address: &str, app: axum::Router) -> Server {
    let listener = TcpListener::bind(address)
        .await
        .unwrap_or_else(|e| panic!("bind {address}: {e}"));
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server { addr }
}

/// A raw TCP server on 127.0.0.1 running `handle` for every connection.
pub async fn raw_server<F, Fut>(handle: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    raw_server_on("127.0.0.1:0", handle).await
}

/// [`raw_server`] on `address`.
pub async fn raw_server_on<F, Fut>(address: &str, handle: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind(address)
        .await
        .unwrap_or_else(|e| panic!("bind {address}: {e}"));
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(handle(socket));
        }
    });
    addr
}

/// One request as it arrived: the head (request line and header lines).
#[derive(Debug, Default)]
pub struct Received {
    pub head: String,
}

impl Received {
    /// The request target (`/a?b=c`); empty when no request arrived.
    pub fn path(&self) -> &str {
        self.head.split_whitespace().nth(1).unwrap_or("")
    }
}

/// Reads one request from `socket`: the head (up to 64 KiB), then reads
/// past the body its `Content-Length` announces, so the answer comes after it.
pub async fn read_request<S: AsyncRead + Unpin>(socket: &mut S) -> Received {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if received.len() >= 65536 {
            break received.len();
        }
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => break received.len(),
            Ok(n) => received.extend_from_slice(&buffer[..n]),
        }
    };
    let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while received.len() < head_end + length {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
        }
    }
    Received { head }
}

/// Counts requests per path.
#[derive(Debug, Default, Clone)]
pub struct Hits(Arc<Mutex<HashMap<String, usize>>>);

impl Hits {
    pub fn record(&self, path: &str) {
        *self.0.lock().unwrap().entry(path.to_string()).or_default() += 1;
    }

    pub fn of(&self, path: &str) -> usize {
        self.0.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    pub fn total(&self) -> usize {
        self.0.lock().unwrap().values().sum()
    }

    /// How many different paths were asked for.
    pub fn paths(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// A raw server on 127.0.0.1 that reads each request, counts it by path,
/// and writes what `answer` makes of the path (with the counts so far):
/// the requests it got, per path.
pub async fn answering<F>(answer: F) -> (SocketAddr, Hits)
where
    F: Fn(&str, &Hits) -> Vec<u8> + Send + Sync + 'static,
{
    let hits = Hits::default();
    let seen = hits.clone();
    let answer = Arc::new(answer);
    let addr = raw_server(move |mut socket| {
        let seen = seen.clone();
        let answer = Arc::clone(&answer);
        async move {
            let request = read_request(&mut socket).await;
            seen.record(request.path());
            let _ = socket.write_all(&answer(request.path(), &seen)).await;
        }
    })
    .await;
    (addr, hits)
}

/// A loopback target answering every request with `head` (a whole response
/// head, `content-length` included: a `429`, a redirect), after reading the
/// request and its body; the requests it got, per path.
pub async fn answering_always(head: &'static str) -> (Server, Hits) {
    let (addr, hits) = answering(move |_, _| head.as_bytes().to_vec()).await;
    (Server { addr }, hits)
}

/// Every header of a request an axum handler got, as `(name, value)` in
/// arrival order, the value read as lossy UTF-8.
pub fn header_pairs(headers: &axum::http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// An address nothing listens on.
pub async fn closed_port() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("bound address");
    drop(listener);
    Server { addr }
}
