//! What a client loop tells an observer ([`Event`]: each request, response, failure and
//! retry) and, with the `tracing` feature, a span per call. One implementation, shared by the
//! blocking and the async client. It must never record a header, a body, a key or a secret:
//! names, methods, URIs, statuses, counts and delays only.

use std::sync::Arc;
use std::time::Duration;

use http::{Method, Response, StatusCode, Uri};

use crate::call::{Machine, Now, Step};
use crate::error::TransportError;
use crate::runtime::Clock;

/// Something the client did, for logging. Holds no secret: the URI, method and status only.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A request is about to be sent.
    Request {
        /// The operation's name.
        operation: &'static str,
        /// The method.
        method: &'a Method,
        /// The full URI.
        uri: &'a Uri,
        /// 0 for the first attempt, then 1, 2, …
        retry: u32,
    },
    /// A response arrived.
    Response {
        /// The operation's name.
        operation: &'static str,
        /// Its status.
        status: StatusCode,
        /// How long the attempt took.
        elapsed: Duration,
        /// 0 for the first attempt.
        retry: u32,
    },
    /// The transport failed.
    Failed {
        /// The operation's name.
        operation: &'static str,
        /// What failed.
        error: &'a TransportError,
        /// 0 for the first attempt.
        retry: u32,
    },
    /// The client will retry after `delay`.
    Retrying {
        /// The operation's name.
        operation: &'static str,
        /// How long it waits first.
        delay: Duration,
        /// The number of the coming retry (1, 2, …).
        retry: u32,
    },
}

/// The observer a client was given, if any.
pub(crate) type Observer = Arc<dyn Fn(&Event<'_>) + Send + Sync>;

/// Tells `observer` (and, with the `tracing` feature, a span of the call) about a step a
/// driver is about to take or has just taken.
pub(crate) struct Observe<'a, C: ?Sized> {
    observer: Option<&'a Observer>,
    clock: &'a C,
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

impl<'a, C: Clock + ?Sized> Observe<'a, C> {
    /// An observation of the call `machine` is about to start.
    pub(crate) fn new<M: Machine>(
        observer: Option<&'a Observer>,
        clock: &'a C,
        #[cfg_attr(not(feature = "tracing"), allow(unused_variables))] machine: &M,
    ) -> Self {
        Self {
            observer,
            clock,
            #[cfg(feature = "tracing")]
            span: trace::call_span(machine),
        }
    }

    /// Before sending: the request event. Returns when it started, for the response event.
    pub(crate) fn sending<M: Machine>(
        &self,
        machine: &M,
        request: &http::Request<Vec<u8>>,
    ) -> Duration {
        #[cfg(feature = "tracing")]
        trace::sending(&self.span, machine, request);
        let Some(observer) = self.observer else {
            return Duration::ZERO;
        };
        observer(&Event::Request {
            operation: machine.operation(),
            method: request.method(),
            uri: request.uri(),
            retry: machine.retries(),
        });
        self.clock.monotonic()
    }

    /// After sending: tells of the outcome, hands it to `machine` with the time, tells of
    /// the step that follows (a retry) and returns it.
    pub(crate) fn handle<M: Machine>(
        &self,
        machine: &mut M,
        outcome: Result<Response<Vec<u8>>, TransportError>,
        started: Duration,
    ) -> Step<M::Output> {
        self.outcome(machine, &outcome, started);
        let now = Now::new(self.clock.now(), self.clock.monotonic());
        let step = machine.handle(outcome, now);
        self.step(machine, &step);
        step
    }

    /// After sending: the response or failure event.
    fn outcome<M: Machine>(
        &self,
        machine: &M,
        outcome: &Result<http::Response<Vec<u8>>, TransportError>,
        started: Duration,
    ) {
        #[cfg(feature = "tracing")]
        trace::outcome(&self.span, outcome);
        let Some(observer) = self.observer else {
            return;
        };
        let (operation, retry) = (machine.operation(), machine.retries());
        match outcome {
            Ok(response) => observer(&Event::Response {
                operation,
                status: response.status(),
                elapsed: self.clock.monotonic().saturating_sub(started),
                retry,
            }),
            Err(error) => observer(&Event::Failed {
                operation,
                error,
                retry,
            }),
        }
    }

    /// After handling: a retry event when the machine is about to wait before a retry.
    fn step<M: Machine>(&self, machine: &M, step: &Step<M::Output>) {
        #[cfg(feature = "tracing")]
        trace::step(&self.span, machine, step);
        if let (Some(observer), Step::Wait(delay)) = (self.observer, step) {
            if machine.retries() > 0 {
                observer(&Event::Retrying {
                    operation: machine.operation(),
                    delay: *delay,
                    retry: machine.retries(),
                });
            }
        }
    }
}

/// The `tracing` side: one span per call, an event per attempt's outcome and per retry. Only
/// names, methods, paths, statuses, counts, delays and where the idempotency key came from
/// are recorded; never a header, a body, a key or a secret.
#[cfg(feature = "tracing")]
mod trace {
    use tracing::field::Empty;

    use crate::call::{Machine, Step};
    use crate::error::TransportError;

    pub(super) fn call_span<M: Machine>(machine: &M) -> tracing::Span {
        tracing::info_span!(
            "easy_checkout.call",
            operation = machine.operation(),
            idempotency_key = machine.key_source().map_or("none", |k| k.as_str()),
            method = Empty,
            path = Empty,
            attempt = Empty,
            status = Empty,
            retry_delay_ms = Empty,
        )
    }

    pub(super) fn sending<M: Machine>(
        span: &tracing::Span,
        machine: &M,
        request: &http::Request<Vec<u8>>,
    ) {
        span.record("method", request.method().as_str());
        span.record("path", request.uri().path());
        span.record("attempt", machine.retries() + 1);
    }

    pub(super) fn outcome(
        span: &tracing::Span,
        outcome: &Result<http::Response<Vec<u8>>, TransportError>,
    ) {
        match outcome {
            Ok(response) => {
                span.record("status", response.status().as_u16());
                tracing::debug!(parent: span, status = response.status().as_u16(), "response");
            }
            Err(error) => {
                tracing::debug!(parent: span, transport = error.kind().as_str(), "transport failed");
            }
        }
    }

    pub(super) fn step<M: Machine>(span: &tracing::Span, machine: &M, step: &Step<M::Output>) {
        match step {
            Step::Wait(delay) if machine.retries() > 0 => {
                let delay_ms = delay.as_millis() as u64;
                span.record("retry_delay_ms", delay_ms);
                tracing::info!(parent: span, retry = machine.retries(), delay_ms, "retrying");
            }
            Step::Done(Err(error)) => {
                tracing::info!(
                    parent: span,
                    kind = error.kind().as_str(),
                    outcome_unknown = error.outcome_unknown(),
                    retry_budget_spent = error.retry_budget_spent(),
                    "call failed"
                );
            }
            _ => {}
        }
    }
}
