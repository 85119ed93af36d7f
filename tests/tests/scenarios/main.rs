//! The SDK against the fake Easy API over real loopback HTTP: one behaviour per test, each
//! run over every transport it applies to (`for_each_stack`: the blocking client over
//! ureq and over isahc, the async client over reqwest on tokio). A request is checked
//! against the snapshot rendering of what the SDK builds for it (`assert_sent`), plus
//! what only the wire can show; results, errors and the fake's own state are checked
//! exactly.

mod chaos;
mod errors;
mod fulfilment;
mod network;
mod requests;
mod retries;
mod shared_client;

use easy_checkout_core::Session;
use easy_checkout_fake::{FakeEasy, RecordedRequest};
use easy_checkout_tests::create_op;
use easy_checkout_tests::driver::Stack;

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
}

/// A fake Easy API on loopback, for one test.
fn fake() -> FakeEasy {
    FakeEasy::start().expect("the fake Easy API starts on loopback")
}

/// The one request the fake received.
#[track_caller]
fn only_request(fake: &FakeEasy) -> RecordedRequest {
    let mut requests = fake.requests();
    assert_eq!(requests.len(), 1, "exactly one request: {requests:#?}");
    requests.remove(0)
}

/// A new session on `fake` (made by a client of its own), with the fake's log cleared.
fn new_session(stack: Stack, fake: &FakeEasy) -> Session {
    let session = stack.client(fake, 0).create_session(&create_op()).unwrap();
    fake.clear_requests();
    session
}
