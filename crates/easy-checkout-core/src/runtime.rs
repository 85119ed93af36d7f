//! Time, sleep and randomness for the client loops. `SystemRuntime` is the only code in the
//! crate that reads a clock, sleeps or draws randomness.

use std::time::{Duration, SystemTime};

/// Time and randomness for a driver: a [`Runtime`] without sleep (every `Runtime` is one).
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

/// How an async driver waits (feature `async`); closures like `tokio::time::sleep` are one.
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

/// The real clock, `std::thread::sleep`, and the operating system's random numbers.
#[cfg(feature = "system-runtime")]
#[derive(Debug, Clone, Copy)]
pub struct SystemRuntime {
    origin: std::time::Instant,
}

#[cfg(feature = "system-runtime")]
impl SystemRuntime {
    /// A runtime whose monotonic clock starts now.
    pub fn new() -> Self {
        Self {
            origin: std::time::Instant::now(),
        }
    }
}

#[cfg(feature = "system-runtime")]
impl Default for SystemRuntime {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "system-runtime")]
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
        // Should the OS generator fail, the time still gives a (weakly) distinct key.
        getrandom::u64().unwrap_or_else(|_| {
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0)
        })
    }
}
