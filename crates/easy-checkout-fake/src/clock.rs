use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::util::lock;

/// A clock that a test moves by hand, for a fake built with
/// [`FakeBuilder::clock`](crate::FakeBuilder::clock): every timestamp the fake writes, session
/// expiry, eviction and the rate-limit window read it. Fault delays, socket timeouts and
/// delivery timing run in real time: they are about the wire. Clones share one time.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use easy_checkout_fake::ManualClock;
///
/// let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000));
/// let shared = clock.clone();
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(shared.now(), SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_060));
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<SystemTime>>);

impl ManualClock {
    /// A clock that reads `start` until it is advanced.
    pub fn new(start: SystemTime) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    /// The time it reads now.
    pub fn now(&self) -> SystemTime {
        *lock(&self.0)
    }

    /// Moves the time forward by `by` (saturating at the largest time the platform holds).
    pub fn advance(&self, by: Duration) {
        let mut now = lock(&self.0);
        if let Some(later) = now.checked_add(by) {
            *now = later;
        }
    }
}
