//! What real networks do between a merchant's server and the API, each over every stack: a
//! load balancer that closes idle keep-alive connections at a set time, a proxy that
//! compresses replies nobody asked to compress, a full outage of the API and a flaky one
//! (the retry budget). Typed errors, `outcome_unknown`, the key on every error, and nothing
//! charged twice, as the fake's own state shows. The figures each test prints are in
//! `docs/reliability.md` (`cargo test -p easy-checkout-tests --test scenarios network --
//! --nocapture --test-threads=1`).

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use easy_checkout_core::ops::{Confirm, GetConfig, PaymentMethod, UpdateConfig};
use easy_checkout_core::{ErrorKind, RetryBudget, RetryPolicy};
use easy_checkout_fake::Fault;
use easy_checkout_tests::driver::{Flow, TestClient, for_each_stack};
use easy_checkout_tests::middlebox::{Compressor, IdleCloser, SWEEP_IDLE, SWEEP_IN_FLIGHT};

use crate::{Rng, create_op, fake};
use easy_checkout_tests::charges;

const ROUNDS: usize = 200;

/// Behind a load balancer that closes connections idle for 10 ms (a request crossing the
/// close in a 6 ms window is lost), 200 rounds of a keyed write on the pooled connection, an
/// idle gap sweeping the timeout, and a keyless confirm: no confirm fails, each session is
/// charged once, and the keyed writes that meet the race are retried.
#[test]
fn keyless_confirms_never_fail_across_a_load_balancers_idle_timeout() {
    for_each_stack(|stack| {
        let fake = fake();
        let direct = stack.client(&fake, 0);
        let secrets: Vec<_> = (0..ROUNDS)
            .map(|_| direct.create_session(&create_op()).unwrap().client_secret)
            .map(|secret| secret.expect("a client secret"))
            .collect();
        fake.clear_requests();
        let closer = IdleCloser::start(fake.addr(), SWEEP_IDLE, SWEEP_IN_FLIGHT);
        let client = stack.client_at(&closer.url, 2);
        let origins = UpdateConfig::new(vec!["https://shop.example".to_owned()])
            .with_idempotency_key("origins-1")
            .unwrap();
        let (low, span) = (SWEEP_IDLE - SWEEP_IN_FLIGHT, SWEEP_IN_FLIGHT * 3);
        let mut failed = Vec::new();
        for (round, secret) in secrets.into_iter().enumerate() {
            client
                .update_config(&origins)
                .expect("a keyed write that meets the race is retried");
            thread::sleep(low + span.mul_f64(round as f64 / ROUNDS as f64));
            let keyless = Confirm::new(secret, PaymentMethod::card("tok_visa"));
            if let Err(e) = client.confirm(&keyless) {
                failed.push(format!(
                    "round {round}: {e} (unknown: {})",
                    e.outcome_unknown()
                ));
            }
        }
        let confirms = fake
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/confirm"))
            .count();
        println!(
            "{stack}: {} of {ROUNDS} keyless confirms failed; {} requests crossed a close \
             (keyed writes, retried)",
            failed.len(),
            closer.lost(),
        );
        assert_eq!(failed, Vec::<String>::new());
        assert_eq!(confirms, ROUNDS, "each sent once");
        assert_eq!(charges(&fake), vec![1; ROUNDS], "each charged once");
    });
}

/// A keyed create through a proxy that gzips every reply: the session is created, the reply
/// cannot be read, and the error says why, keeps the key and says the outcome is unknown.
/// Sent again with that key (straight to the API), the create is replayed, not repeated.
#[test]
fn a_create_through_a_compressing_proxy_fails_with_its_key_and_is_replayed_by_it() {
    for_each_stack(|stack| {
        let fake = fake();
        let proxy = Compressor::start(fake.addr());
        let client = stack.client_at(&proxy.base_url(), 2);
        for op in [
            create_op().with_idempotency_key("cart-gz").unwrap(),
            create_op(),
        ] {
            fake.clear_requests();
            let error = client.create_session(&op).expect_err("a gzipped reply");
            assert_eq!(error.kind(), ErrorKind::Decode);
            let text = error.to_string();
            assert!(text.contains("`Content-Encoding: gzip`"), "{text}");
            assert!(error.outcome_unknown(), "the session was created");
            let key = error.idempotency_key().expect("the call's key").clone();
            if let Some(given) = op.idempotency_key.as_ref() {
                assert_eq!(&key, given);
            }
            // Not retried: a 2xx is an answer.
            assert_eq!(fake.requests().len(), 1);
            let again = op.clone().with_idempotency_key(key).unwrap();
            let session = stack.client(&fake, 0).create_session(&again).unwrap();
            assert!(!session.id.is_empty());
        }
        assert_eq!(fake.sessions().len(), 2, "one session per key, none twice");
    });
}

/// Retries with no backoff: the outage scenarios count requests, not time.
fn instant_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        initial_backoff: Duration::ZERO,
        max_backoff: Duration::ZERO,
        ..RetryPolicy::default()
    }
}

/// 1,000 calls of `client`, by four callers at once: whether each failure was a retry the
/// budget refused.
fn calls_in_an_outage(client: &Arc<TestClient>) -> Vec<bool> {
    let flows: Vec<Flow<Vec<bool>>> = (0..4)
        .map(|_| {
            let client = Arc::clone(client);
            Box::pin(async move {
                let mut spent = Vec::new();
                for _ in 0..250 {
                    let error = client.send_async(&GetConfig).await.expect_err("down");
                    assert_eq!(error.kind(), ErrorKind::Server);
                    spent.push(error.retry_budget_spent());
                }
                spent
            }) as Flow<Vec<bool>>
        })
        .collect();
    client.run_at_once(flows).concat()
}

/// In a full outage (every request 503), 1,000 calls on one client, from four callers at
/// once, make 1,100 requests: the 100 retries the default budget pays for (500 tokens at 5
/// a retry), not two per call. Without a budget: 3,000.
#[test]
fn in_a_full_outage_the_retry_budget_caps_the_requests_per_call() {
    for_each_stack(|stack| {
        let mut figures = Vec::new();
        for (budget, expected) in [
            (RetryBudget::default(), 1_100),
            (RetryBudget::unlimited(), 3_000),
        ] {
            let fake = fake();
            fake.inject_n(Fault::status(503), 3_000);
            let unlimited = budget.available().is_none();
            let client = stack.client(&fake, 2).with_retry_policy(instant_retries());
            let client = Arc::new(client.with_retry_budget(budget));
            let spent = calls_in_an_outage(&client);
            let requests = fake.requests().len();
            assert_eq!(requests, expected, "unlimited: {unlimited}");
            let refused = spent.iter().filter(|&&s| s).count();
            // A call that made both retries was not refused; at most 50 could (100 retries).
            match unlimited {
                true => assert_eq!(refused, 0),
                false => assert!((950..=1000).contains(&refused), "{refused}"),
            }
            figures.push(format!(
                "{} budget: 1000 calls, {requests} requests ({:.2} per call), {refused} \
                 failures returned at once",
                if unlimited { "no" } else { "default" },
                requests as f64 / 1000.0
            ));
        }
        println!("{stack} outage: {}", figures.join("; "));
    });
}

/// With 5% of requests failing (503, independently, seeded), 1,000 calls on one client: no
/// call fails for lack of budget, and the budget ends near full.
#[test]
fn with_5_percent_503s_no_call_fails_for_lack_of_budget() {
    for_each_stack(|stack| {
        let fake = fake();
        let client = stack.client(&fake, 2).with_retry_policy(instant_retries());
        let mut rng = Rng(0x5EED_0021);
        let (mut failed, mut spent, mut lowest, mut all_attempts_failed) = (0, 0, u32::MAX, 0);
        for _ in 0..1_000 {
            // The attempts of this call that fail: each with 5% chance, in a row.
            let mut faults = 0;
            while faults < 3 && rng.below(100) < 5 {
                faults += 1;
            }
            all_attempts_failed += usize::from(faults == 3);
            fake.inject_n(Fault::status(503), faults);
            if let Err(error) = client.get_config() {
                failed += 1;
                spent += usize::from(error.retry_budget_spent());
            }
            let left = client.retry_budget().available().expect("a budget");
            lowest = lowest.min(left);
        }
        let requests = fake.requests().len();
        println!(
            "{stack} with 5% 503s: 1000 calls, {requests} requests, {failed} failed (all three \
             attempts 503), {spent} for lack of budget; lowest budget {lowest} of 500"
        );
        assert_eq!(spent, 0);
        assert_eq!(
            failed, all_attempts_failed,
            "only calls whose three attempts failed"
        );
    });
}
