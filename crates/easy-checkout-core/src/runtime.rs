//! What a client loop needs from the outside world besides the network: the time, a way to
//! wait, and random numbers (for backoff jitter and generated idempotency keys). The blocking
//! client takes all of it from a [`Runtime`]; the async client takes time and randomness from
//! a [`Clock`] and waits through a [`Sleep`] (feature `async`).
//!
//! The operations and the call machines never touch these; only the client loops do, through
//! these traits, so tests drive them with a fake clock. `SystemRuntime` (feature
//! `system-runtime`, turned on by the transport crates) is the real one, and the only code
//! in the crate that reads a clock, sleeps or draws randomness.

use std::time::{Duration, SystemTime};

/// Time and randomness for a driver: what [`Runtime`] has but sleep. Every [`Runtime`] is
/// one; an async driver takes its sleep elsewhere.
pub trait Clock: Send + Sync {
    /// Wall-clock time, for `Retry-After` dates.
    fn now(&self) -> SystemTime;
    /// Monotonic time since an arbitrary origin, for deadlines.
    fn monotonic(&self) -> Duration;
    /// A uniformly random `u64`.
    fn random_u64(&self) -> u64;
}

impl<R: Runtime + ?Sized> Clock for R {
    fn now(&self) -> SystemTime {
        Runtime::now(self)
    }

    fn monotonic(&self) -> Duration {
        Runtime::monotonic(self)
    }

    fn random_u64(&self) -> u64 {
        Runtime::random_u64(self)
    }
}

/// How an async driver waits (feature `async`): `tokio::time::sleep`,
/// `async_io::Timer::after`, … Implemented for closures `Fn(Duration) -> impl Future<Output = ()>`.
#[cfg(feature = "async")]
pub trait Sleep: Send + Sync {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;
}

#[cfg(feature = "async")]
impl<F, Fut> Sleep for F
where
    F: Fn(Duration) -> Fut + Send + Sync,
    Fut: Future<Output = ()> + Send,
{
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        self(duration)
    }
}

/// Time, sleep and randomness for the blocking client loop.
pub trait Runtime: Send + Sync {
    /// Wall-clock time, for `Retry-After` dates.
    fn now(&self) -> SystemTime;
    /// Monotonic time since an arbitrary origin, for deadlines.
    fn monotonic(&self) -> Duration;
    /// Blocks the calling thread for `duration`.
    fn sleep(&self, duration: Duration);
    /// A uniformly random `u64`.
    fn random_u64(&self) -> u64;
}

#[cfg(feature = "system-runtime")]
pub use system::SystemRuntime;

#[cfg(feature = "system-runtime")]
mod system {
    use std::time::{Duration, Instant, SystemTime};

    use super::Runtime;

    /// The real clock, `std::thread::sleep`, and the operating system's random numbers.
    #[derive(Debug, Clone, Copy)]
    pub struct SystemRuntime {
        origin: Instant,
    }

    impl SystemRuntime {
        /// A runtime whose monotonic clock starts now.
        pub fn new() -> Self {
            Self {
                origin: Instant::now(),
            }
        }
    }

    impl Default for SystemRuntime {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Runtime for SystemRuntime {
        fn now(&self) -> SystemTime {
            SystemTime::now()
        }

        fn monotonic(&self) -> Duration {
            self.origin.elapsed()
        }

        fn sleep(&self, duration: Duration) {
            std::thread::sleep(duration);
        }

        fn random_u64(&self) -> u64 {
            // The OS generator does not fail on supported platforms; should it, fall back to
            // the time so a retry still gets a (weakly) distinct key rather than a panic.
            getrandom::u64().unwrap_or_else(|_| {
                SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0)
            })
        }
    }
}
