//! The retry budget of a client: one bucket for the client, its clones and every thread
//! using them, in the blocking and the async client alike. Over a scripted transport (no
//! socket, no sleep); the call-by-call rules are the tables of `machine.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::NoWait;
use easy_checkout_core::call::{RetryBudget, RetryBudgetPolicy};
use easy_checkout_core::{
    Client, Config, ErrorKind, RetryPolicy, TransportError, http, ops::GetConfig,
};

mod common;

/// A transport that answers every request with `status`, counting them.
fn answering(
    status: u16,
    sent: &Arc<AtomicUsize>,
) -> impl Fn(http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError>
+ Clone
+ Send
+ Sync
+ 'static {
    let sent = Arc::clone(sent);
    move |_| {
        sent.fetch_add(1, Ordering::SeqCst);
        let body = br#"{"data":{"allowed_origins":[]}}"#.to_vec();
        Ok(http::Response::builder()
            .status(status)
            .body(body)
            .expect("a response"))
    }
}

fn config() -> Config {
    Config::new("sk_test_1".parse().expect("a key"))
}

#[test]
fn in_an_outage_clones_on_many_threads_share_one_budget() {
    let sent = Arc::new(AtomicUsize::new(0));
    let client = Client::with_runtime(answering(503, &sent), config(), NoWait);
    assert_eq!(client.retry_budget().available(), Some(500));
    assert_eq!(client.retry_policy(), &RetryPolicy::default());
    let spent = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let clone = client.clone();
            let spent = &spent;
            scope.spawn(move || {
                for _ in 0..250 {
                    let error = clone.send(&GetConfig).expect_err("an outage");
                    assert_eq!(error.kind(), ErrorKind::Server);
                    if error.retry_budget_spent() {
                        spent.fetch_add(1, Ordering::SeqCst);
                    }
                }
            });
        }
    });
    // 500 tokens at 5 a retry: 100 retries in all, whichever thread made them.
    assert_eq!(sent.load(Ordering::SeqCst), 1_000 + 100);
    assert_eq!(client.retry_budget().available(), Some(0));
    // 100 retries = 2 × (calls that made both) + (calls refused their second, one per thread
    // at most, when the last tokens went): 50 calls made both and 950 were refused, or 49
    // and 951, or 48 and 952.
    let spent = spent.load(Ordering::SeqCst);
    assert!(
        (950..=952).contains(&spent),
        "{spent} calls refused a retry"
    );
}

#[test]
fn answered_calls_refill_the_budget_of_every_clone() {
    let sent = Arc::new(AtomicUsize::new(0));
    let budget = RetryBudget::new(RetryBudgetPolicy {
        capacity: 10,
        ..RetryBudgetPolicy::default()
    });
    let failing = Client::with_runtime(answering(503, &sent), config(), NoWait)
        .with_retry_budget(budget.clone());
    let answering_client =
        Client::with_runtime(answering(200, &sent), config(), NoWait).with_retry_budget(budget);
    failing.send(&GetConfig).expect_err("503");
    assert_eq!(failing.retry_budget().available(), Some(0));
    for _ in 0..5 {
        answering_client.send(&GetConfig).expect("200");
    }
    // Another client given a clone of the budget shares it.
    assert_eq!(failing.retry_budget().available(), Some(5));
    let error = failing.send(&GetConfig).expect_err("503");
    assert!(error.retry_budget_spent(), "one retry paid, the second not");
    assert_eq!(sent.load(Ordering::SeqCst), 3 + 5 + 2);
}

#[cfg(feature = "async")]
#[test]
fn the_async_client_and_its_clones_share_one_budget() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    use easy_checkout_core::AsyncClient;

    /// Polls `future` until ready: everything here is ready at once.
    fn block_on<F: Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        loop {
            let mut context = Context::from_waker(Waker::noop());
            if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
                return output;
            }
        }
    }

    let sent = Arc::new(AtomicUsize::new(0));
    let send = answering(503, &sent);
    let transport = move |request| std::future::ready(send(request));
    let sleep = |_: std::time::Duration| std::future::ready(());
    let client = AsyncClient::with_clock(transport, config(), sleep, NoWait);
    let clone = client.clone();
    for caller in [&client, &clone].repeat(500) {
        let error = block_on(caller.send(&GetConfig)).expect_err("an outage");
        assert_eq!(error.kind(), ErrorKind::Server);
    }
    assert_eq!(sent.load(Ordering::SeqCst), 1_000 + 100);
    assert_eq!(clone.retry_budget().available(), Some(0));
}
