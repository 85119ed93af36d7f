//! Support for the cross-crate tests in `tests/`.

#![allow(missing_docs)]

pub mod driver;
pub mod middlebox;
pub mod wire;

use std::time::Duration;

use easy_checkout_core::RetryPolicy;
use easy_checkout_core::ops::{CreateSession, LineItem};
use easy_checkout_fake::FakeEasy;

/// The default policy with millisecond backoffs, so retry tests take no time.
pub fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

/// A create of 2 × `price_abc` returning to `https://shop.example/return`.
pub fn create_op() -> CreateSession {
    CreateSession::new(
        vec![LineItem::new("price_abc", 2)],
        "https://shop.example/return",
    )
}

/// How many times each session of `fake` was charged, in creation order.
pub fn charges(fake: &FakeEasy) -> Vec<u64> {
    let sessions = fake.sessions();
    let payments = sessions.iter().map(|s| s["payments"].as_u64().unwrap_or(0));
    payments.collect()
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The core's README, run here: the core's `lib.rs` stays free of doctest-only items.
#[cfg(doctest)]
#[doc = include_str!("../../crates/easy-checkout-core/README.md")]
pub struct CoreReadmeDoctests;
