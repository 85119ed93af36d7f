//! What a client loop tells an observer and, with `tracing`, a span per call: never a header,
//! a body, a key or a secret.

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

/// Tells the observer (and, with the `tracing` feature, the call's span) what a driver does.
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
        self.tell(&Event::Request {
            operation: machine.operation(),
            method: request.method(),
            uri: request.uri(),
            retry: machine.retries(),
        });
        self.clock.monotonic()
    }

    /// After sending: tells of the outcome and any retry, and returns the machine's step.
    pub(crate) fn handle<M: Machine>(
        &self,
        machine: &mut M,
        outcome: Result<Response<Vec<u8>>, TransportError>,
        started: Duration,
    ) -> Step<M::Output> {
        let (operation, retry) = (machine.operation(), machine.retries());
        self.tell(&match &outcome {
            Ok(response) => Event::Response {
                operation,
                status: response.status(),
                elapsed: self.clock.monotonic().saturating_sub(started),
                retry,
            },
            Err(error) => Event::Failed {
                operation,
                error,
                retry,
            },
        });
        let step = machine.handle(outcome, Now::new(self.clock.now(), self.clock.monotonic()));
        match &step {
            Step::Wait(delay) if machine.retries() > 0 => self.tell(&Event::Retrying {
                operation,
                delay: *delay,
                retry: machine.retries(),
            }),
            #[cfg(feature = "tracing")]
            Step::Done(Err(error)) => trace::failed(&self.span, error),
            _ => {}
        }
        step
    }

    fn tell(&self, event: &Event<'_>) {
        #[cfg(feature = "tracing")]
        trace::event(&self.span, event);
        if let Some(observer) = self.observer {
            observer(event);
        }
    }
}

/// The `tracing` side: one span per call and an event per outcome and retry.
#[cfg(feature = "tracing")]
mod trace {
    use tracing::field::Empty;

    use super::Event;
    use crate::call::Machine;
    use crate::error::Error;

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

    pub(super) fn event(span: &tracing::Span, event: &Event<'_>) {
        match *event {
            Event::Request {
                method, uri, retry, ..
            } => {
                span.record("method", method.as_str());
                span.record("path", uri.path());
                span.record("attempt", retry + 1);
            }
            Event::Response { status, .. } => {
                span.record("status", status.as_u16());
                tracing::debug!(parent: span, status = status.as_u16(), "response");
            }
            Event::Failed { error, .. } => {
                tracing::debug!(parent: span, transport = error.kind().as_str(), "transport failed");
            }
            Event::Retrying { delay, retry, .. } => {
                let delay_ms = delay.as_millis() as u64;
                span.record("retry_delay_ms", delay_ms);
                tracing::info!(parent: span, retry, delay_ms, "retrying");
            }
        }
    }

    pub(super) fn failed(span: &tracing::Span, error: &Error) {
        tracing::info!(
            parent: span,
            kind = error.kind().as_str(),
            outcome_unknown = error.outcome_unknown(),
            retry_budget_spent = error.retry_budget_spent(),
            "call failed"
        );
    }
}
