//! Load: one client shared by 1, 4 and 16 threads, each running checkout flows (create →
//! confirm with a key → retrieve) against the in-process fake, per transport. Prints a
//! Markdown table of flows per second and the p50 / p99 / max latency of a single call.
//!
//! Not a criterion bench: what matters here is the tail (a call stuck behind another, or in
//! a pool, shows as the max), which criterion's per-iteration statistics average away.
//! Every cell also counts retries and errors, which must both be 0.
//!
//! Run: `cargo bench -p easy-checkout-tests --bench load`. `EASY_LOAD_SECS` sets how long each
//! cell runs (default 3 s); `EASY_LOAD_THREADS` the thread counts (default `1,4,16`).
//! Criterion's flags (`--warm-up-time …`) are accepted and ignored, so `cargo bench
//! --workspace -- …` runs it too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use easy_checkout_core::ops::{Confirm, CreateSession, LineItem, PaymentMethod, RetrieveSession};
use easy_checkout_core::{Client, Config, Transport, TransportSettings};
use easy_checkout_fake::FakeEasy;

/// What one thread saw.
#[derive(Default)]
struct Tally {
    flows: u64,
    latencies: Vec<Duration>,
    retries: u64,
    errors: u64,
}

/// One flow; the latency and retries of each of its calls go into `tally`.
fn flow<T: Transport>(client: &Client<T>, thread: usize, n: u64, tally: &mut Tally) {
    let mut timed = |f: &mut dyn FnMut() -> Result<u32, easy_checkout_core::Error>| {
        let start = Instant::now();
        let result = f();
        tally.latencies.push(start.elapsed());
        match result {
            Ok(retries) => tally.retries += u64::from(retries),
            Err(_) => tally.errors += 1,
        }
    };
    let create = CreateSession::new(
        vec![LineItem::new("price_abc", 1)],
        "https://shop.example/return",
    );
    let mut session = None;
    timed(&mut || {
        let reply = client.send_with_meta(&create)?;
        session = Some(reply.value);
        Ok(reply.meta.retries)
    });
    let Some(session) = session else { return };
    let Some(secret) = session.client_secret.clone() else {
        tally.errors += 1;
        return;
    };
    timed(&mut || {
        let confirm = Confirm::new(secret.clone(), PaymentMethod::card("tok_load"))
            .with_idempotency_key(format!("load-{thread}-{n}"))?;
        Ok(client.send_with_meta(&confirm)?.meta.retries)
    });
    timed(&mut || {
        let op = RetrieveSession::new(session.id.as_str())?;
        Ok(client.send_with_meta(&op)?.meta.retries)
    });
    tally.flows += 1;
}

/// Runs `threads` threads of flows over one shared client for `duration`.
fn cell<T: Transport + Sync>(client: &Client<T>, threads: usize, duration: Duration) -> Tally {
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let stop = &stop;
                scope.spawn(move || {
                    let mut tally = Tally::default();
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        flow(client, t, n, &mut tally);
                        n += 1;
                    }
                    tally
                })
            })
            .collect();
        std::thread::sleep(duration);
        stop.store(true, Ordering::Relaxed);
        let mut all = Tally::default();
        for worker in workers {
            let t = worker.join().expect("a load thread panicked");
            all.flows += t.flows;
            all.latencies.extend(t.latencies);
            all.retries += t.retries;
            all.errors += t.errors;
        }
        all
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn run<T: Transport + Sync>(
    name: &str,
    make: fn(Config, TransportSettings) -> Client<T>,
    threads: &[usize],
    duration: Duration,
) {
    for &n in threads {
        // A fresh fake and client per cell: no state carried from the last one.
        let fake = FakeEasy::start().expect("the fake starts");
        let config = Config::from_values(Some(FakeEasy::TEST_KEY), Some(&fake.base_url()))
            .expect("the fake's URL is a base URL");
        let client = make(config, TransportSettings::default());
        let mut tally = cell(&client, n, duration);
        tally.latencies.sort_unstable();
        let seen = fake.requests().len();
        let connections = fake.connections();
        println!(
            "| {name} | {n} | {} | {:.0} | {} | {} | {} | {} | {} | {seen} | {connections} |",
            tally.flows,
            tally.flows as f64 / duration.as_secs_f64(),
            micros(percentile(&tally.latencies, 50.0)),
            micros(percentile(&tally.latencies, 99.0)),
            micros(tally.latencies.last().copied().unwrap_or_default()),
            tally.retries,
            tally.errors,
        );
    }
}

fn main() {
    let secs: f64 = std::env::var("EASY_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s: &f64| s.is_finite() && *s > 0.0)
        .unwrap_or(3.0);
    let threads: Vec<usize> = std::env::var("EASY_LOAD_THREADS")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![1, 4, 16]);
    let duration = Duration::from_secs_f64(secs);
    println!("One shared client, checkout flows for {secs} s per row (3 calls a flow).\n");
    println!(
        "| transport | threads | flows | flows/s | p50 call | p99 call | max call | retries | errors | requests seen | connections |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    run("ureq", easy_checkout_ureq::with_config, &threads, duration);
    run(
        "isahc",
        easy_checkout_isahc::with_config,
        &threads,
        duration,
    );
}
