//! What a blocking SDK call does to an async server: an axum server whose `/checkout` handler
//! retrieves a session from Easy (the fake, set to answer after 2 s) in one of three ways:
//!
//! - `blocking`: the blocking client (`easy-checkout-ureq`) called in the handler;
//! - `spawn_blocking`: the same call on tokio's blocking pool;
//! - `async`: this crate's client, awaited.
//!
//! It prints the latency of an unrelated `GET /health` (the median of 5), idle and while as
//! many slow `/checkout` calls are in flight as the runtime has worker threads, on a runtime
//! with 2 workers and on a current-thread one. Wall-clock times, so run it on an idle machine:
//!
//! ```sh
//! cargo run --release -p easy-checkout-reqwest --example blocking_in_async
//! ```

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use easy_checkout_core::ops::{CreateSession, LineItem};
use easy_checkout_fake::{FakeEasy, Fault};

/// How the handler calls Easy.
#[derive(Clone, Copy, Debug)]
enum Mode {
    Blocking,
    SpawnBlocking,
    Async,
}

struct App {
    mode: Mode,
    blocking: Arc<easy_checkout_ureq::Client>,
    async_client: easy_checkout_reqwest::Client,
    session: String,
}

async fn checkout(State(app): State<Arc<App>>) -> &'static str {
    let id = app.session.clone();
    let done = match app.mode {
        Mode::Blocking => app
            .blocking
            .embedded_checkout()
            .retrieve_session(&id)
            .is_ok(),
        Mode::SpawnBlocking => {
            let client = Arc::clone(&app.blocking);
            tokio::task::spawn_blocking(move || client.embedded_checkout().retrieve_session(&id))
                .await
                .is_ok_and(|r| r.is_ok())
        }
        Mode::Async => app
            .async_client
            .embedded_checkout()
            .retrieve_session(&id)
            .await
            .is_ok(),
    };
    if done { "done" } else { "failed" }
}

/// Starts the server on a runtime of its own (`workers` threads, or current-thread for
/// `None`); its base URL.
fn serve(app: App, workers: Option<usize>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let url = listener.local_addr().expect("addr").to_string();
    std::thread::spawn(move || {
        let runtime = match workers {
            Some(n) => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(n)
                .enable_all()
                .build(),
            None => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build(),
        }
        .expect("a runtime");
        runtime.block_on(async move {
            let router = Router::new()
                .route("/checkout", get(checkout))
                .route("/health", get(|| async { "ok" }))
                .with_state(Arc::new(app));
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(listener, router).await.expect("serves");
        });
    });
    url
}

/// One `GET {path}` to the server at `addr`, its whole reply read; how long it took.
fn get_timed(addr: &str, path: &str) -> Duration {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).expect("read");
    assert!(
        reply.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    started.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fake = FakeEasy::start()?;
    let base = fake.base_url();
    let blocking = Arc::new(easy_checkout_ureq::with_base_url(
        FakeEasy::TEST_KEY,
        &base,
    )?);
    let session = blocking
        .embedded_checkout()
        .create_session(&CreateSession::new(
            vec![LineItem::new("price_abc", 1)],
            "https://shop.example/return",
        ))?
        .id;
    for workers in [Some(2), None] {
        for mode in [Mode::Blocking, Mode::SpawnBlocking, Mode::Async] {
            let app = App {
                mode,
                blocking: Arc::clone(&blocking),
                async_client: easy_checkout_reqwest::with_base_url(FakeEasy::TEST_KEY, &base)?,
                session: session.clone(),
            };
            let addr = serve(app, workers);
            std::thread::sleep(Duration::from_millis(200));
            let idle = median((0..5).map(|_| get_timed(&addr, "/health")).collect());
            let slow_calls = workers.unwrap_or(1);
            let loaded = median(
                (0..5)
                    .map(|_| {
                        fake.inject_n(Fault::Delay(Duration::from_secs(2)), slow_calls);
                        let slow: Vec<_> = (0..slow_calls)
                            .map(|_| {
                                let addr = addr.clone();
                                std::thread::spawn(move || get_timed(&addr, "/checkout"))
                            })
                            .collect();
                        std::thread::sleep(Duration::from_millis(300));
                        let health = get_timed(&addr, "/health");
                        for call in slow {
                            call.join().expect("a slow call");
                        }
                        health
                    })
                    .collect(),
            );
            println!(
                "{:<14} {:<16} GET /health idle {idle:>9.2?}, with {slow_calls} slow call(s) in flight {loaded:>9.2?}",
                format!("{mode:?}"),
                workers.map_or("current-thread".to_owned(), |n| format!("{n} workers")),
            );
        }
    }
    Ok(())
}
