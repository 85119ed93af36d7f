//! A reply far larger than the body cap costs an error, not its size in memory: the whole
//! process (client and the in-process fake server) allocates a small fraction of the reply.

use std::alloc::System;
use std::time::Duration;

use easy_checkout_core::{
    Client, Config, RetryPolicy, Transport, TransportErrorKind, TransportSettings,
};
use easy_checkout_fake::{FakeEasy, Fault};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const REPLY: usize = 256 * 1024 * 1024;
const CAP: u64 = 1024 * 1024;

fn allocated_while_refusing<T: Transport>(
    make: fn(Config, TransportSettings) -> Client<T>,
) -> usize {
    let fake = FakeEasy::start().unwrap();
    let config = Config::from_values(Some(FakeEasy::TEST_KEY), Some(&fake.base_url())).unwrap();
    let settings = TransportSettings::default()
        .max_body_bytes(CAP)
        .timeout(Duration::from_secs(20));
    let client = make(config, settings).with_retry_policy(RetryPolicy::never());
    client.embedded_checkout().get_config().unwrap();
    fake.inject(Fault::Oversized(REPLY));
    let region = Region::new(GLOBAL);
    let error = client.embedded_checkout().get_config().unwrap_err();
    let stats = region.change();
    assert_eq!(
        error.as_transport().map(|e| e.kind()),
        Some(TransportErrorKind::BodyTooLarge),
        "{error}"
    );
    stats.bytes_allocated
}

// One test, so the two transports never share the counter.
#[test]
fn an_oversized_reply_is_refused_within_bounded_memory() {
    for (name, bytes) in [
        (
            "ureq",
            allocated_while_refusing(easy_checkout_ureq::with_config),
        ),
        (
            "isahc",
            allocated_while_refusing(easy_checkout_isahc::with_config),
        ),
    ] {
        eprintln!("{name}: {bytes} bytes allocated while refusing a {REPLY}-byte reply");
        assert!(
            bytes < 4 * CAP as usize,
            "{name}: {bytes} bytes allocated for a {REPLY}-byte reply"
        );
    }
}
