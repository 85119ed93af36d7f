//! Fulfilled exactly once under random delivery faults: sessions are paid every way the fake
//! allows while duplicates, delays, reordering, replays and dropped attempts hit the events
//! of about half of them, and a merchant's two receivers (one service behind two endpoints,
//! one store) fail some attempts after doing their work, deduplicating on the event id.
//!
//! The fault plan follows from the seed (printed first, and in every failure);
//! `EASY_CHAOS_SEED=<n>` replays it. The receivers' answers also depend on the arrival order,
//! which timing may change: every assertion is an invariant that holds for any order.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::receiver::{Answer, Receiver};
use common::{confirm, control, new_session};
use easy_checkout_core::webhook::{self, WebhookSecret};
use easy_checkout_fake::{DeliveryFault, DeliveryVerdict, EventMatch, FakeEasy};

const SESSIONS: usize = 24;
/// The share of sessions (in percent) whose events get delivery faults.
const FAULT_PERCENT: u64 = 50;
/// The share of attempts 1 and 2 (in percent) a receiver fails after doing its work.
const RECEIVER_FAULT_PERCENT: u64 = 30;
const COMPLETED: &str = "checkout.session.completed";
const CRYPTO: &str = "checkout.session.crypto_confirmed";

/// splitmix64: small, seedable, and good enough to draw faults.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn ms(&mut self, below: u64) -> Duration {
        Duration::from_millis(self.below(below))
    }
}

fn seed() -> u64 {
    match std::env::var("EASY_CHAOS_SEED") {
        Ok(seed) => seed.trim().parse().expect("EASY_CHAOS_SEED is a u64"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
    }
}

/// What the merchant's store holds: the event ids it has seen, the orders it fulfilled.
#[derive(Debug, Default)]
struct Store {
    seen: HashSet<String>,
    fulfilled: HashMap<String, usize>,
    unverified: usize,
}

/// One of the merchant's receivers: verifies, fulfils each new `completed` event, then
/// answers, failing about [`RECEIVER_FAULT_PERCENT`] of attempts 1 and 2 (a 500, or a
/// connection closed without an answer) after the work is done. Never attempt 3: that one
/// delivery must get through for the order to be fulfilled at all.
fn receiver(store: &Arc<Mutex<Store>>, mut rng: Rng) -> Receiver {
    let store = Arc::clone(store);
    let secret = WebhookSecret::new("whsec_fake_secret");
    Receiver::start(move |request| {
        let mut store = store.lock().unwrap();
        let signature = request.header("x-easy-webhook-signature");
        let Ok(event) = webhook::verify(&secret, signature, &request.body) else {
            store.unverified += 1;
            return Answer::Status(400);
        };
        if event.kind.as_str() == COMPLETED {
            let session = event.data["id"].as_str().unwrap_or_default().to_owned();
            if store.seen.insert(event.id.clone()) {
                *store.fulfilled.entry(session).or_default() += 1;
            }
        }
        if request.attempt() < 3 && rng.below(100) < RECEIVER_FAULT_PERCENT {
            return if rng.below(2) == 0 {
                Answer::Status(500)
            } else {
                Answer::Close
            };
        }
        Answer::Status(200)
    })
}

/// Queues one or two random delivery faults aimed at the events `kinds` of `session` (the
/// ones its payment causes, in order).
fn faults_for(fake: &FakeEasy, rng: &mut Rng, session: &str, kinds: &[&str]) {
    let mut dropped = false;
    for _ in 0..=rng.below(2) {
        let kind = kinds[rng.below(kinds.len() as u64) as usize];
        let when = EventMatch::any().session(session).event_type(kind);
        let (fault, times) = match rng.below(5) {
            0 => (DeliveryFault::Duplicate, 1),
            1 => (DeliveryFault::Delay(rng.ms(80)), 1),
            // Only an event another one follows can go after it.
            2 if kind == COMPLETED && kinds.len() == 2 => (DeliveryFault::OutOfOrder, 1),
            2 => (DeliveryFault::Duplicate, 1),
            3 => (DeliveryFault::Replay(rng.ms(100)), 1),
            // At most two attempts of one event dropped: the third always goes out.
            _ if !dropped => {
                dropped = true;
                (DeliveryFault::DropAttempt, 1 + rng.below(2) as usize)
            }
            _ => (DeliveryFault::Duplicate, 1),
        };
        fake.inject_delivery(when, fault, times);
    }
}

#[test]
fn each_paid_session_is_fulfilled_exactly_once_under_delivery_faults() {
    let seed = seed();
    eprintln!("delivery chaos seed {seed} (EASY_CHAOS_SEED={seed} replays the fault plan)");
    let mut rng = Rng(seed);
    let store = Arc::new(Mutex::new(Store::default()));
    let (first, second) = (
        receiver(&store, Rng(seed ^ 0xA24B_AED4_963E_E407)),
        receiver(&store, Rng(seed ^ 0x9FB2_1C65_1E98_DF25)),
    );
    let fake = FakeEasy::builder()
        .webhook_endpoint(&first.url())
        .and_then(|b| b.webhook_endpoint(&second.url()))
        .unwrap()
        .webhook_deadline(Duration::from_secs(5))
        .webhook_backoff(Duration::from_millis(5))
        .start()
        .unwrap();

    let mut paid = HashSet::new();
    let mut unpaid = HashSet::new();
    for _ in 0..SESSIONS {
        let (id, secret) = new_session(&fake);
        let how = rng.below(6);
        let kinds: &[&str] = match how {
            0 | 1 | 3 => &[COMPLETED],
            2 | 4 => &[COMPLETED, CRYPTO],
            _ => &[],
        };
        if !kinds.is_empty() && rng.below(100) < FAULT_PERCENT {
            faults_for(&fake, &mut rng, &id, kinds);
        }
        let path = |action| format!("/__fake/sessions/{id}/{action}");
        let done = match how {
            0 => confirm(&fake, &secret, "tok_chaos").status == 200,
            1 => control(&fake, "POST", &path("pay"), None).status == 200,
            2 => control(&fake, "POST", &path("crypto-pay"), None).status == 200,
            3 => fake.mark_paid(&id),
            4 => fake.mark_crypto_paid(&id),
            _ => {
                unpaid.insert(id);
                continue;
            }
        };
        assert!(done, "seed {seed}: {id} was not paid");
        paid.insert(id);
    }
    assert!(
        fake.wait_for_deliveries(Duration::from_secs(60)),
        "seed {seed}: deliveries still running: {:#?}",
        fake.deliveries()
    );

    let store = store.lock().unwrap();
    assert_eq!(store.unverified, 0, "seed {seed}: unverified deliveries");
    for id in &paid {
        let fulfilled = store.fulfilled.get(id).copied().unwrap_or(0);
        assert_eq!(fulfilled, 1, "seed {seed}: {id} fulfilled {fulfilled}x");
    }
    for id in &unpaid {
        assert!(
            !store.fulfilled.contains_key(id),
            "seed {seed}: unpaid {id} fulfilled"
        );
    }
    let log = fake.deliveries();
    let failed = log
        .iter()
        .filter(|a| a.verdict == DeliveryVerdict::Failed)
        .count();
    assert_eq!(failed, 0, "seed {seed}: a delivery failed: {log:#?}");
}
