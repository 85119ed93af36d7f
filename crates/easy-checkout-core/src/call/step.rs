//! What a call machine and its driver say to each other.

use std::time::{Duration, SystemTime};

use http::{Request, Response};

use crate::error::{Error, TransportError};

/// What a machine asks its driver to do next. `Debug` never shows a body (a secret).
#[must_use]
pub enum Step<T> {
    /// Send this request, then hand its outcome to [`Machine::handle`].
    Send(Request<Vec<u8>>),
    /// Wait this long, then ask [`Machine::next`] again.
    Wait(Duration),
    /// The call is over: here is its result.
    Done(Result<T, Error>),
}

impl<T: std::fmt::Debug> std::fmt::Debug for Step<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Send(request) => f
                .debug_struct("Send")
                .field("method", request.method())
                .field("uri", request.uri())
                .field("body_bytes", &request.body().len())
                .finish_non_exhaustive(),
            Step::Wait(delay) => f.debug_tuple("Wait").field(delay).finish(),
            Step::Done(result) => f.debug_tuple("Done").field(result).finish(),
        }
    }
}

/// The time, as a driver reads it when an attempt ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// The wall clock, for `Retry-After` dates (and backoff jitter).
    pub wall: SystemTime,
    /// A monotonic clock since any fixed origin, for deadlines.
    pub monotonic: Duration,
}

impl Now {
    /// The time made of its two clocks.
    pub fn new(wall: SystemTime, monotonic: Duration) -> Self {
        Self { wall, monotonic }
    }
}

/// A call protocol a driver runs: ask [`next`](Machine::next), do what the [`Step`] says,
/// feed a sent request's outcome to [`handle`](Machine::handle), until [`Step::Done`]. Fed
/// out of turn, a machine ends with an error rather than panic.
pub trait Machine {
    /// What the call gives when it succeeds.
    type Output;

    /// The next step: at the start and after every [`Step::Wait`].
    fn next(&mut self) -> Step<Self::Output>;

    /// The outcome of the request the last [`Step::Send`] asked for, and the time it ended.
    fn handle(
        &mut self,
        outcome: Result<Response<Vec<u8>>, TransportError>,
        now: Now,
    ) -> Step<Self::Output>;

    /// The name of the operation being called (for logs).
    fn operation(&self) -> &'static str;

    /// How many retries the current call has made (0 on its first attempt).
    fn retries(&self) -> u32;

    /// Where the call's idempotency key comes from (for logs: never the key itself).
    fn key_source(&self) -> Option<KeySource> {
        None
    }
}

/// Where a call's idempotency key comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// The caller set it on the operation.
    Caller,
    /// The call generated it (once, the same on every attempt).
    Generated,
}

impl KeySource {
    /// `"caller"` or `"generated"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Caller => "caller",
            Self::Generated => "generated",
        }
    }
}
