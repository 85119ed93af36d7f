//! What several test files share.

use std::time::{Duration, SystemTime};

use easy_checkout_core::Runtime;

/// A fixed clock that never sleeps, and the same random draw every time.
pub struct NoWait;

impl Runtime for NoWait {
    fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH
    }
    fn monotonic(&self) -> Duration {
        Duration::ZERO
    }
    fn sleep(&self, _: Duration) {}
    fn random_u64(&self) -> u64 {
        7
    }
}
