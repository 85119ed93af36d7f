//! A reply far larger than the body cap costs an error, not its size in memory: the whole
//! process (client and the in-process fake server) allocates a small fraction of the reply.
//! It is refused promptly, and not retried.

use std::alloc::System;
use std::time::{Duration, Instant};

use easy_checkout_core::{TransportErrorKind, TransportSettings};
use easy_checkout_fake::{FakeEasy, Fault};
use easy_checkout_tests::driver::{Stack, for_each_stack};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const REPLY: usize = 256 * 1024 * 1024;
const CAP: u64 = 1024 * 1024;

/// The bytes the process allocates while a client over `stack` refuses a `REPLY`-byte body.
fn allocated_while_refusing(stack: Stack) -> usize {
    let fake = FakeEasy::start().unwrap();
    let settings = TransportSettings::default()
        .max_body_bytes(CAP)
        .timeout(Duration::from_secs(20));
    let client = stack.client_with(&fake.base_url(), 2, settings);
    client.get_config().unwrap();
    fake.inject(Fault::Oversized(REPLY));
    let started = Instant::now();
    let region = Region::new(GLOBAL);
    let error = client.get_config().unwrap_err();
    let stats = region.change();
    let kind = error.as_transport().map(|e| e.kind());
    assert_eq!(kind, Some(TransportErrorKind::BodyTooLarge), "{error}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(fake.requests().len(), 2, "an oversized body is not retried");
    stats.bytes_allocated
}

// One test, so the transports never share the counter.
#[test]
fn an_oversized_reply_is_refused_within_bounded_memory() {
    for_each_stack(|stack| {
        let bytes = allocated_while_refusing(stack);
        let bound = 4 * CAP as usize;
        assert!(
            bytes < bound,
            "{bytes} bytes allocated for a {REPLY}-byte reply"
        );
    });
}
