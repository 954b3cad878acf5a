//! Benchmark helper: a loopback server that answers `200 ok` to every request
//! at once, and a load generator that measures how fast a plain reqwest
//! client can get answers from it (the floor `scripts/bench.sh` compares
//! rollcall's request rate against).
//!
//! ```text
//! cargo run --release --example catchall -- serve            # prints http://127.0.0.1:PORT
//! cargo run --release --example catchall -- load URL 20000 16 # prints requests per second
//! ```

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::routing::any;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve().await,
        Some("load") => {
            let url = args.get(1).ok_or("load needs a URL")?;
            let requests: usize = args.get(2).map_or(Ok(20_000), |n| n.parse())?;
            let concurrency: usize = args.get(3).map_or(Ok(16), |n| n.parse())?;
            load(url, requests, concurrency).await
        }
        _ => Err("usage: catchall serve | catchall load URL [REQUESTS] [CONCURRENCY]".into()),
    }
}

/// Answers `ok` to everything, except `GET /__requests`: how many requests
/// it answered so far (so the benchmark can count what rollcall sent).
async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("http://{}", listener.local_addr()?);
    let answered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = Arc::clone(&answered);
    let app = Router::new()
        .route(
            "/__requests",
            axum::routing::get(move || {
                let count = Arc::clone(&count);
                async move { count.load(std::sync::atomic::Ordering::Relaxed).to_string() }
            }),
        )
        .fallback(any(move || {
            answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            async { "ok" }
        }));
    axum::serve(listener, app).await?;
    Ok(())
}

/// GETs `/floor/<n>` `requests` times, `concurrency` at a time, on one
/// client (as rollcall does per target) and prints the rate.
async fn load(
    url: &str,
    requests: usize,
    concurrency: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    rollcall::install_crypto_provider();
    let client = reqwest::Client::new();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let next = Arc::clone(&next);
        let base = url.trim_end_matches('/').to_string();
        workers.spawn(async move {
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= requests {
                    return;
                }
                if let Ok(response) = client.get(format!("{base}/floor/{n}")).send().await {
                    let _ = response.bytes().await;
                }
            }
        });
    }
    while workers.join_next().await.is_some() {}
    let seconds = started.elapsed().as_secs_f64();
    println!("{:.0}", requests as f64 / seconds);
    Ok(())
}
