//! When to send a failed request again, and after how long: [`RetryPolicy`].

use std::time::{Duration, SystemTime};

use http::StatusCode;

use crate::error::{TransportError, TransportErrorKind};
use crate::headers::RetryAfter;

/// Retry settings, Stripe's by default. Connection failures, timeouts, cut replies, 429 and
/// 5xx are retried; other statuses, TLS failures and oversized bodies are final. Backoff
/// doubles from `initial_backoff` up to `max_backoff`, each delay drawn from its upper half;
/// a `Retry-After` longer than `max_retry_after` ends the call at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 2; 0 disables retries).
    pub max_retries: u32,
    /// Delay before the first retry, before jitter (default 500 ms).
    pub initial_backoff: Duration,
    /// Largest delay between attempts (default 5 s).
    pub max_backoff: Duration,
    /// Longest `Retry-After` the client will wait out (default 30 s).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

/// What happened on an attempt, as far as retrying cares.
#[derive(Debug, Clone, Copy)]
pub enum Attempt<'a> {
    /// The transport failed.
    Failed(&'a TransportError),
    /// The server answered with a non-2xx status.
    Status(StatusCode, Option<&'a RetryAfter>),
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Send the same request again after this delay.
    RetryAfter(Duration),
    /// Return the error to the caller.
    GiveUp,
}

impl RetryPolicy {
    /// No retries at all.
    pub fn never() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Decides after attempt number `retries_done + 1` failed. `repeatable` is
    /// [`Idempotency::may_repeat`](crate::ops::Idempotency::may_repeat) for the request,
    /// `jitter` any random `u64`, `now` the wall-clock time (for a `Retry-After` date).
    pub fn decide(
        &self,
        retries_done: u32,
        repeatable: bool,
        attempt: Attempt<'_>,
        now: SystemTime,
        jitter: u64,
    ) -> RetryDecision {
        if !repeatable || retries_done >= self.max_retries {
            return RetryDecision::GiveUp;
        }
        let retry_after = match attempt {
            Attempt::Failed(e) => match e.kind() {
                TransportErrorKind::Connect
                | TransportErrorKind::Timeout
                | TransportErrorKind::Io => None,
                _ => return RetryDecision::GiveUp,
            },
            Attempt::Status(status, retry_after) => {
                if status != StatusCode::TOO_MANY_REQUESTS && !status.is_server_error() {
                    return RetryDecision::GiveUp;
                }
                retry_after
            }
        };
        match retry_after.map(|r| r.delay(now)) {
            Some(wait) if wait > self.max_retry_after => RetryDecision::GiveUp,
            Some(wait) => RetryDecision::RetryAfter(wait),
            None => RetryDecision::RetryAfter(self.backoff(retries_done, jitter)),
        }
    }

    /// The delay before retry `retries_done + 1`: doubling, capped, drawn from its upper half.
    pub fn backoff(&self, retries_done: u32, jitter: u64) -> Duration {
        let factor = 1u32.checked_shl(retries_done.min(31)).unwrap_or(u32::MAX);
        let full = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        let half = full / 2;
        let fraction = jitter as f64 / u64::MAX as f64;
        half + (full - half).mul_f64(fraction)
    }
}
