//! Exactly once, under load and chaos (faults that strike after the work is done
//! included), judged by the fake's own state, not by what the client believed.
//!
//! Seeded: the fault plan of a run follows from its seed (printed first, and in every
//! failure), `EASY_CHAOS_SEED=<n>` replays it over every transport. The callers'
//! interleaving is not replayed, but every assertion is an invariant that must hold for any
//! interleaving. Bounded: a fixed number of flows, each call under a short timeout.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use easy_checkout_core::ops::{Confirm, CreateSession, LineItem, PaymentMethod, RetrieveSession};
use easy_checkout_core::{Error, TransportSettings};
use easy_checkout_fake::{FakeEasy, Fault, Match};
use easy_checkout_tests::driver::{Flow, Stack, TestClient, for_each_stack};
use serde_json::json;

use crate::Rng;

const CALLERS: usize = 4;
const FLOWS_PER_CALLER: usize = 25;
/// The share of calls (in percent) that get a fault queued ahead of them.
const FAULT_PERCENT: u64 = 35;
/// The client's total timeout: a [`Fault::Delay`] of [`LONG_DELAY`] outlasts it.
const TIMEOUT: Duration = Duration::from_millis(250);
const LONG_DELAY: Duration = Duration::from_millis(400);
const CONFIRM: &str = "/embedded-checkout/confirm";

/// A fault of any kind, drawn from `rng`. `StatusAfterEffect` only ever gets a 5xx: a server
/// that did the work and then answers 4xx ("refused") would be lying.
fn any_fault(rng: &mut Rng) -> Fault {
    match rng.below(12) {
        0 => Fault::status([500, 502, 503][rng.below(3) as usize]),
        1 => Fault::status_with_retry_after(429, "0"),
        2 => Fault::status([400, 404, 409][rng.below(3) as usize]),
        3 => Fault::Close,
        4 => Fault::CloseMidBody,
        5 => Fault::NotJson,
        6 => Fault::Oversized(96 * 1024),
        7 => Fault::Redirect("https://elsewhere.example/".to_owned()),
        8 => Fault::LoseReply,
        9 => Fault::StatusAfterEffect([500, 502, 503][rng.below(3) as usize]),
        10 => Fault::Delay(Duration::from_millis(rng.below(20))),
        _ => Fault::Delay(LONG_DELAY),
    }
}

/// What one write did, as the client saw it.
#[derive(Debug)]
enum Seen {
    Ok,
    /// Failed with `outcome_unknown() == true`.
    Unknown,
    /// Failed with `outcome_unknown() == false` (the error): it certainly did not happen.
    NotApplied(String),
}

impl Seen {
    fn of<T>(result: &Result<T, Error>) -> Self {
        match result {
            Ok(_) => Seen::Ok,
            Err(e) if e.outcome_unknown() => Seen::Unknown,
            Err(e) => Seen::NotApplied(format!("{:?}: {e}", e.kind())),
        }
    }

    /// Asserts that `what`, which the fake's state shows took effect `times` times, did so at
    /// most once, and as its result said.
    fn check(&self, times: u64, what: &str, seed: u64) {
        assert!(times <= 1, "seed {seed}: {what} took effect {times} times");
        match self {
            Seen::Ok => assert_eq!(times, 1, "seed {seed}: {what} returned Ok"),
            Seen::NotApplied(e) => assert_eq!(
                times, 0,
                "seed {seed}: {what} failed with outcome_unknown() false ({e}) but took effect"
            ),
            Seen::Unknown => {}
        }
    }
}

#[derive(Debug, Default)]
struct Log {
    /// Each create, by its tag (a unique `metadata.call` the fake echoes into the session).
    creates: Vec<(String, Seen)>,
    /// Each confirm of a created session: its id, its secret when sent without a key.
    confirms: Vec<(String, Option<String>, Seen)>,
}

fn seed() -> u64 {
    match std::env::var("EASY_CHAOS_SEED") {
        Ok(seed) => seed.trim().parse().expect("EASY_CHAOS_SEED is a u64"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
    }
}

/// Several callers share one client (retries on, with generated keys) and a second one
/// with retries off (keyless writes, never repeated), against one fake, while faults of
/// every kind hit about a third of the calls. Then, from the fake's own state:
///
/// - every create (keyed by the caller, by the client, or not at all) made at most one
///   session, and exactly one when it returned `Ok`;
/// - no session was charged twice, and every confirm that returned `Ok` charged its session
///   exactly once;
/// - a keyless confirm was never sent twice;
/// - whenever a write failed with `outcome_unknown() == false`, it really did not happen.
#[test]
fn exactly_once_under_load_and_chaos() {
    let seed = seed();
    eprintln!("chaos seed {seed} (EASY_CHAOS_SEED={seed} replays the fault plan)");
    for_each_stack(|stack| under_load_and_chaos(stack, seed));
}

fn under_load_and_chaos(stack: Stack, seed: u64) {
    let fake = Arc::new(FakeEasy::start().expect("fake starts"));
    let settings = TransportSettings::default()
        .connect_timeout(TIMEOUT)
        .timeout(TIMEOUT)
        .max_body_bytes(64 * 1024);
    let retrying = Arc::new(stack.client_with(&fake.base_url(), 3, settings));
    let single = Arc::new(stack.client_with(&fake.base_url(), 0, settings));
    let log = Arc::new(Mutex::new(Log::default()));

    let callers: Vec<Flow<()>> = (0..CALLERS)
        .map(|caller| {
            let (fake, log) = (Arc::clone(&fake), Arc::clone(&log));
            let (retrying, single) = (Arc::clone(&retrying), Arc::clone(&single));
            let mut rng = Rng(seed ^ (caller as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407));
            Box::pin(async move {
                for n in 0..FLOWS_PER_CALLER {
                    let tag = format!("{caller}-{n}");
                    flow(&fake, &log, &retrying, &single, &mut rng, &tag).await;
                }
            }) as Flow<()>
        })
        .collect();
    retrying.run_at_once(callers);

    // A fault that outlasts the client's timeout does its work late: let it finish.
    assert!(
        fake.wait_until_idle(Duration::from_secs(30)),
        "seed {seed}: the fake is still busy"
    );
    let log = std::mem::take(&mut *log.lock().expect("no caller panicked holding the log"));
    check(&fake, &log, seed);
}

/// Queues a fault for the next request to `method path`, with `FAULT_PERCENT` chance.
fn maybe_fault(fake: &FakeEasy, rng: &mut Rng, method: &str, path: &str) {
    if rng.below(100) < FAULT_PERCENT {
        let when = Match::any().method(method).path(path);
        fake.inject_matching(when, any_fault(rng), 1);
    }
}

async fn flow(
    fake: &FakeEasy,
    log: &Mutex<Log>,
    retrying: &TestClient,
    single: &TestClient,
    rng: &mut Rng,
    tag: &str,
) {
    // Create: with the caller's key, with the client's generated key, or with none at all.
    let mut params = CreateSession::new(
        vec![LineItem::new("price_chaos", 1)],
        "https://shop.example/return",
    )
    .with_extra("metadata", json!({ "call": tag }));
    let client = match rng.below(3) {
        0 => {
            params = params
                .with_idempotency_key(format!("create-{tag}"))
                .expect("a valid key");
            retrying
        }
        1 => retrying,
        _ => single,
    };
    maybe_fault(fake, rng, "POST", "/embedded-checkout");
    let created = client.send_async(&params).await.map(|reply| reply.value);
    let entry = (tag.to_owned(), Seen::of(&created));
    log.lock().expect("log").creates.push(entry);
    let Ok(session) = created else { return };
    let secret = session
        .client_secret
        .clone()
        .expect("a created session's secret");

    // Confirm: with the caller's key (retried), or without (never repeated).
    let keyed = rng.below(2) == 0;
    let mut confirm = Confirm::new(secret.clone(), PaymentMethod::card("tok_chaos"));
    if keyed {
        confirm = confirm
            .with_idempotency_key(format!("confirm-{tag}"))
            .expect("a valid key");
    }
    maybe_fault(fake, rng, "POST", CONFIRM);
    let seen = Seen::of(&retrying.send_async(&confirm).await);
    let keyless = (!keyed).then(|| secret.expose_secret().to_owned());
    let entry = (session.id.clone(), keyless, seen);
    log.lock().expect("log").confirms.push(entry);

    // A read between writes: any fault, retried; it must never change anything.
    maybe_fault(fake, rng, "GET", "/embedded-checkout/");
    if let Ok(op) = RetrieveSession::new(session.id.as_str()) {
        let _ = retrying.send_async(&op).await;
    }
}

fn check(fake: &FakeEasy, log: &Log, seed: u64) {
    let sessions = fake.sessions();
    for session in &sessions {
        assert!(
            session["payments"].as_u64() <= Some(1),
            "seed {seed}: session {} charged {} times",
            session["id"],
            session["payments"]
        );
    }
    for (tag, seen) in &log.creates {
        let made = sessions
            .iter()
            .filter(|s| s["metadata"]["call"] == tag.as_str());
        seen.check(made.count() as u64, &format!("create {tag}"), seed);
    }
    let requests = fake.requests();
    for (id, keyless, seen) in &log.confirms {
        let session = fake.session(id);
        let session = session.unwrap_or_else(|| panic!("seed {seed}: session {id} vanished"));
        let payments = session["payments"].as_u64().unwrap_or(u64::MAX);
        seen.check(payments, &format!("confirm of {id}"), seed);
        if let Some(secret) = keyless {
            let sent = requests
                .iter()
                .filter(|r| r.method == "POST" && r.path == CONFIRM)
                .filter(|r| r.header("idempotency-key").is_none())
                .filter(|r| {
                    r.json()
                        .is_some_and(|b| b["client_secret"] == secret.as_str())
                })
                .count();
            assert_eq!(
                sent, 1,
                "seed {seed}: keyless confirm of {id} sent {sent} times"
            );
        }
    }
}
