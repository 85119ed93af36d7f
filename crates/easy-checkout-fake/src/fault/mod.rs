//! Faults as data, the queue they wait in, and [`Fault::plan`], the one place where a fault
//! becomes what happens on the wire.

mod delivery;

pub use delivery::{DeliveryFault, EventMatch};

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::{Value, json};

use crate::reply::{Action, Reply, header_safe};

/// What [`Fault::CloseMidBody`] sends before closing: a complete head that promises 1000
/// bytes, and the first 10 of them.
const MID_BODY: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"data\":{\"";
const NOT_JSON: &[u8] =
    b"<html><head><title>Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>upstream unavailable</p></body></html>";

/// A misbehaviour for one request, queued with [`FakeEasy::inject`](crate::FakeEasy::inject)
/// and its siblings: each request takes the first queued fault whose [`Match`] it fits, and is
/// still recorded. Most faults replace the handling, so the request changes no state;
/// [`Fault::Delay`] handles it after the wait, and [`Fault::LoseReply`] and
/// [`Fault::StatusAfterEffect`] handle it *first* (the card is charged) and only then
/// misbehave: the worst failure of a payments API, a reply lost after the work is done.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with `status` (100..=999), `Retry-After: retry_after` when given, and `body` as
    /// JSON; without a body, 400 and up get the error envelope with code `INJECTED_FAULT`,
    /// 204, 304 and 1xx nothing, others `{"data":{}}`. A 429 reports `RateLimit-Remaining: 0`.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The `Retry-After` header value, if any.
        retry_after: Option<String>,
        /// The raw body; `None` for the default described above.
        body: Option<String>,
    },
    /// Sleep this long (less if the fake is dropped), then handle the request normally.
    Delay(Duration),
    /// Close the TCP connection without sending a single response byte.
    Close,
    /// Send a `200` status line and headers announcing `Content-Length: 1000`, then 10 body
    /// bytes (`{"data":{"`), then close the connection.
    CloseMidBody,
    /// `200` with `Content-Type: text/html` and an HTML page for a body, as a misconfigured
    /// proxy would answer.
    NotJson,
    /// `200` with a JSON body of exactly this many bytes, streamed without buffering:
    /// `{"data":{"padding":"xxx…"}}` (from 23 bytes up; shorter sizes are spaces).
    Oversized(usize),
    /// `302 Found` with `Location:` this URL; one that cannot be a header value gets a `500`
    /// with code `INVALID_FAULT`.
    Redirect(String),
    /// Handle the request normally (an idempotency key is remembered with the real reply),
    /// then close the connection without a byte of reply.
    LoseReply,
    /// Handle the request normally, then answer this status (100..=999) with code
    /// `INJECTED_FAULT` instead of the real reply.
    StatusAfterEffect(u16),
}

/// Which requests a queued fault applies to: a method, a path prefix, both, or every request.
///
/// ```
/// use easy_checkout_fake::Match;
/// let confirm = Match::any().method("POST").path("/embedded-checkout/confirm");
/// assert!(confirm.matches("POST", "/embedded-checkout/confirm"));
/// assert!(!confirm.matches("POST", "/embedded-checkout"));
/// assert!(!confirm.matches("GET", "/embedded-checkout/confirm"));
/// // A path is a prefix of the request's path (the query is not part of it).
/// let sessions = Match::any().path("/embedded-checkout/ecs_");
/// assert!(sessions.matches("GET", "/embedded-checkout/ecs_1/crypto-status?x=1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Match {
    method: Option<String>,
    path: Option<String>,
}

impl Match {
    /// Every request.
    pub fn any() -> Self {
        Self::default()
    }

    /// Only requests with this method (compared without case).
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Only requests whose raw path (percent-encoding intact, without the query) starts
    /// with `prefix`.
    pub fn path(mut self, prefix: impl Into<String>) -> Self {
        self.path = Some(prefix.into());
        self
    }

    /// Whether a request with `method` and raw request target `target` fits.
    pub fn matches(&self, method: &str, target: &str) -> bool {
        let path = target.split_once('?').map_or(target, |(path, _)| path);
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path.as_deref().is_none_or(|p| path.starts_with(p))
    }
}

impl Fault {
    /// [`Fault::Status`] with no `Retry-After` and the default body.
    pub fn status(status: u16) -> Self {
        Self::Status {
            status,
            retry_after: None,
            body: None,
        }
    }

    /// [`Fault::Status`] with `Retry-After: retry_after` and the default body.
    pub fn status_with_retry_after(status: u16, retry_after: &str) -> Self {
        Self::Status {
            status,
            retry_after: Some(retry_after.to_owned()),
            body: None,
        }
    }
}

/// How a fault plays out for the request that takes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Plan {
    /// Wait this long (less if the fake stops), then handle the request normally.
    Wait(Duration),
    /// Answer with this instead: the request changes nothing.
    Instead(Action),
    /// Handle the request (every effect happens), then answer with this instead of its reply.
    AfterEffect(Action),
}

impl Fault {
    pub(crate) fn plan(self) -> Plan {
        match self {
            Fault::Delay(duration) => Plan::Wait(duration),
            Fault::Status {
                status,
                retry_after,
                body,
            } => {
                let body = match body {
                    Some(body) => body.into_bytes(),
                    None if status >= 400 => injected(status).body,
                    None if status < 200 || status == 204 || status == 304 => Vec::new(),
                    None => br#"{"data":{}}"#.to_vec(),
                };
                let mut reply = Reply::bytes(status, "application/json", body);
                let retry_after = retry_after.map(|v| ("Retry-After", v));
                reply.headers.extend(retry_after);
                Plan::Instead(reply.into())
            }
            Fault::StatusAfterEffect(status) => Plan::AfterEffect(injected(status).into()),
            Fault::Close => Plan::Instead(Action::Close),
            Fault::LoseReply => Plan::AfterEffect(Action::Close),
            Fault::CloseMidBody => Plan::Instead(Action::SendAndClose(MID_BODY)),
            Fault::NotJson => {
                let html = NOT_JSON.to_vec();
                Plan::Instead(Reply::bytes(200, "text/html; charset=utf-8", html).into())
            }
            Fault::Oversized(len) => Plan::Instead(Action::Padding(len)),
            Fault::Redirect(url) if header_safe(&url) => {
                let (message, details) = (format!("moved to {url}"), json!({ "location": url }));
                let mut reply = Reply::error(302, "REDIRECT", message, details);
                reply.headers.push(("Location", url));
                Plan::Instead(reply.into())
            }
            Fault::Redirect(_) => {
                let message = "the injected redirect URL cannot be a header value";
                Plan::Instead(Reply::error(500, "INVALID_FAULT", message, Value::Null).into())
            }
        }
    }
}

fn injected(status: u16) -> Reply {
    let message = format!("injected fault: HTTP {status}");
    let details = json!({ "status": status });
    Reply::error(status, "INJECTED_FAULT", message, details)
}

/// Faults waiting for what they are aimed at (requests, or webhook deliveries), in the order
/// they were queued.
#[derive(Debug)]
pub(crate) struct Queue<M, F>(VecDeque<(M, F)>);

impl<M, F> Default for Queue<M, F> {
    fn default() -> Self {
        Self(VecDeque::new())
    }
}

impl<M: Clone, F: Clone> Queue<M, F> {
    pub(crate) fn push(&mut self, when: M, fault: F, times: usize) {
        self.0.extend(std::iter::repeat_n((when, fault), times));
    }

    pub(crate) fn take(&mut self, fits: impl Fn(&M, &F) -> bool) -> Option<F> {
        let at = self.0.iter().position(|(when, fault)| fits(when, fault))?;
        self.0.remove(at).map(|(_, fault)| fault)
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}
