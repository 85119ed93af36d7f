//! Faults to inject: what the next request gets instead of (or before) a normal reply.

use std::time::Duration;

/// A misbehaviour for one request. Queue faults with [`FakeEasy::inject`](crate::FakeEasy::inject)
/// or [`FakeEasy::inject_n`](crate::FakeEasy::inject_n): each request that arrives takes the
/// next fault from the queue, in order, before normal handling. A request answered by a fault
/// is still recorded, but it changes no state (except [`Fault::Delay`], which then handles the
/// request normally).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with `status`. `retry_after` becomes a `Retry-After` header as given (seconds
    /// or an HTTP date). `body` is sent as is (with `Content-Type: application/json`); when
    /// `None`, an error status (400 and up) gets the error envelope with code
    /// `INJECTED_FAULT`, 204, 304 and 1xx get no body, and other statuses get `{"data":{}}`.
    /// A 429 reports `RateLimit-Remaining: 0`. Use a status in 100..=999.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The `Retry-After` header value, if any.
        retry_after: Option<String>,
        /// The raw body; `None` for the default described above.
        body: Option<String>,
    },
    /// Sleep this long, then handle the request normally (the sleep ends early when the
    /// fake is dropped). Requests are handled concurrently, so a delay holds up only its own
    /// request.
    Delay(Duration),
    /// Close the TCP connection without sending a single response byte.
    Close,
    /// Send a `200` status line and headers announcing `Content-Length: 1000`, then 10 body
    /// bytes (`{"data":{"`), then close the connection.
    CloseMidBody,
    /// `200` with `Content-Type: text/html` and an HTML page for a body, as a misconfigured
    /// proxy would answer.
    NotJson,
    /// `200` with `Content-Type: application/json`, `Content-Length` of exactly this many
    /// bytes, and a body streamed without buffering: `{"data":{"padding":"xxx…"}}` (valid
    /// JSON from 23 bytes up; shorter sizes are spaces).
    Oversized(usize),
    /// `302 Found` with `Location:` this URL (and a small JSON error body). A URL with
    /// control characters cannot be a header and gets a `500` with code `INVALID_FAULT`.
    Redirect(String),
}

impl Fault {
    /// `Fault::Status` with `status`, no `Retry-After` and the default body.
    pub fn status(status: u16) -> Self {
        Self::Status {
            status,
            retry_after: None,
            body: None,
        }
    }

    /// `Fault::Status` with `status` and `Retry-After: retry_after`, default body.
    pub fn status_with_retry_after(status: u16, retry_after: &str) -> Self {
        Self::Status {
            status,
            retry_after: Some(retry_after.to_owned()),
            body: None,
        }
    }
}
