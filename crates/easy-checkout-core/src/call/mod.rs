//! The call: everything between "run this operation" and its result, as pure state
//! machines. [`Call`] owns the protocol of one call (the idempotency key, retries and their
//! waits, `Retry-After`, the metadata of the reply, whether a failed write may have
//! happened); [`PaymentWait`] polls a session over it. Neither sends, sleeps, reads a clock
//! or draws a random number: a driver feeds them each attempt's outcome and the time, and
//! does what they say. The blocking [`Client`](crate::Client), the async client (feature
//! `async`) and any driver of your own are loops over the same [`Machine`]:
//!
//! ```
//! use easy_checkout_core::call::{Call, Machine, Now, Step};
//! use easy_checkout_core::{Config, Error, Reply, RetryPolicy, TransportError, http, ops::GetConfig};
//! use std::time::{Duration, SystemTime};
//!
//! /// Your stack: send a request, get the response (a 404 is a response, not an error).
//! fn send(_: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
//!     Ok(http::Response::new(br#"{"data":{"allowed_origins":["https://shop.example"]}}"#.to_vec()))
//! }
//!
//! fn drive<M: Machine>(mut machine: M) -> Result<M::Output, Error> {
//!     let mut step = machine.next();
//!     loop {
//!         step = match step {
//!             Step::Send(request) => {
//!                 let outcome = send(request);
//!                 machine.handle(outcome, Now::new(SystemTime::now(), Duration::ZERO))
//!             }
//!             Step::Wait(delay) => {
//!                 std::thread::sleep(delay);
//!                 machine.next()
//!             }
//!             Step::Done(result) => return result,
//!         }
//!     }
//! }
//!
//! let config = Config::new("sk_test_123".parse()?);
//! let random = || 7; // your RNG: two draws make a generated key, one is each retry's jitter
//! let reply: Reply<_> = drive(Call::new(&config, &GetConfig, RetryPolicy::default(), random))?;
//! assert_eq!(reply.value.allowed_origins.unwrap(), ["https://shop.example"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::{Duration, SystemTime};

use http::{Request, Response};

use crate::error::{Error, RateLimit, TransportError};
use crate::wire::id::IdempotencyKey;
use http::StatusCode;

mod machine;
pub mod poll;
pub mod retry;
mod wait;

pub use machine::Call;

pub use wait::{PaymentWait, WaitOutcome};

/// A successful result with what the response said about itself.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Reply<T> {
    /// The parsed result.
    pub value: T,
    /// Status, rate-limit headers, retries.
    pub meta: ResponseMeta,
}

/// What a response said besides its body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ResponseMeta {
    /// The final status.
    pub status: StatusCode,
    /// `RateLimit-*` headers of the final response.
    pub rate_limit: RateLimit,
    /// How many retries the call took (0 when the first attempt succeeded).
    pub retries: u32,
    /// The idempotency key sent (the caller's, or the generated one).
    pub idempotency_key: Option<IdempotencyKey>,
}

/// What a machine asks its driver to do next. Its `Debug` shows a request's method, URI and
/// body length, never the body (a `confirm`'s holds the client secret).
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

/// A call protocol a driver runs: [`Call`] and [`PaymentWait`]. A driver loops: ask
/// [`next`](Machine::next), do what the [`Step`] says, feed a sent request's outcome to
/// [`handle`](Machine::handle), until [`Step::Done`]. Fed out of turn (a second `handle`
/// without a `Send`, anything after `Done`), a machine ends with an error rather than panic.
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

    /// Where the call's idempotency key comes from, if it carries one (for logs: never the
    /// key itself).
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
