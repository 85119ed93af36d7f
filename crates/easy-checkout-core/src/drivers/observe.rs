//! What a driver tells an observer: each request, response, failure and retry. One
//! implementation, shared by every driver in this crate.

use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode, Uri};

use crate::call::{Machine, Step};
use crate::drivers::runtime::Clock;
use crate::error::TransportError;

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

/// Tells `observer` about a step a driver is about to take or has just taken.
#[derive(Clone, Copy)]
pub(crate) struct Observe<'a, C: ?Sized> {
    pub(crate) observer: Option<&'a Observer>,
    pub(crate) clock: &'a C,
}

impl<C: Clock + ?Sized> Observe<'_, C> {
    /// Before sending: the request event. Returns when it started, for the response event.
    pub(crate) fn sending<M: Machine>(
        &self,
        machine: &M,
        request: &http::Request<Vec<u8>>,
    ) -> Duration {
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

    /// After sending: the response or failure event.
    pub(crate) fn outcome<M: Machine>(
        &self,
        machine: &M,
        outcome: &Result<http::Response<Vec<u8>>, TransportError>,
        started: Duration,
    ) {
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
    pub(crate) fn step<M: Machine>(&self, machine: &M, step: &Step<M::Output>) {
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
