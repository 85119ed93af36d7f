//! Scenarios shared by the cross-crate tests: each runs against the fake Easy API over real
//! loopback HTTP, through whichever client the test file passes in (the blocking driver over
//! ureq or isahc, or the async driver over reqwest: see [`driver`]). A scenario asserts both
//! sides: what the fake received (method, path, headers, body) and what the caller got.

#![allow(missing_docs)]

pub mod chaos;
pub mod driver;
pub mod scenarios;

use std::time::Duration;

use easy_checkout_core::{Config, RetryPolicy, TransportSettings};
use easy_checkout_fake::FakeEasy;

use crate::driver::ClientUnderTest;

/// A client under test: its transport's name (as in the user agent) and its constructor
/// (a [`Client`](easy_checkout_core::Client) over a blocking transport, or an async one: see [`driver`]).
#[derive(Clone, Copy)]
pub struct Subject<C> {
    pub name: &'static str,
    pub make: fn(Config, TransportSettings) -> C,
}

impl<C: ClientUnderTest> Subject<C> {
    /// A client for `fake` with the test key, short backoffs, and `retries` retries.
    pub fn client(&self, fake: &FakeEasy, retries: u32) -> C {
        self.client_with(
            fake,
            retries,
            TransportSettings::default().timeout(Duration::from_secs(10)),
        )
    }

    pub fn client_with(&self, fake: &FakeEasy, retries: u32, settings: TransportSettings) -> C {
        let config = Config::from_values(Some(FakeEasy::TEST_KEY), Some(&fake.base_url())).unwrap();
        (self.make)(config, settings).with_retry_policy(fast_retries(retries))
    }
}

/// The default policy with millisecond backoffs, so retry tests take no time.
pub fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

/// Generates one `#[test]` per scenario for a transport.
#[macro_export]
macro_rules! scenario_tests {
    ($subject:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::scenarios::$name(&$subject);
            }
        )*
    };
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The core's README, run here: the core's `lib.rs` stays free of doctest-only items.
#[cfg(doctest)]
#[doc = include_str!("../../crates/easy-checkout-core/README.md")]
pub struct CoreReadmeDoctests;
