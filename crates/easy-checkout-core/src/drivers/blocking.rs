//! The blocking driver: [`Client`], a loop over the [`call`](crate::call) machines that
//! sends through a [`Transport`] and sleeps through a [`Runtime`]. It owns no socket and no
//! rule of the call protocol.

use std::fmt;
use std::sync::Arc;

use crate::call::{Call, Machine, Now, PaymentWait};
use crate::config::Config;
use crate::drivers::observe::Observer;
use crate::drivers::runtime::Runtime;
use crate::drivers::transport::Transport;
use crate::error::Error;
use crate::wire::models::KeyInfo;
use crate::wire::operation::Operation;
use crate::wire::ops::{RetrieveSession, ValidateKey};
use crate::{PollPolicy, RetryPolicy};

pub use crate::call::WaitOutcome;
pub use crate::call::{Reply, ResponseMeta};
pub use crate::drivers::observe::Event;

/// The blocking Easy client over any [`Transport`].
///
/// # Inside async code
///
/// Every call blocks the calling thread until it is done: the request, up to the transport's
/// total timeout (80 s by default), and the retries and their waits. In an async handler
/// (axum, actix, anything on tokio) that thread is one of the runtime's few workers, and
/// every other task on it waits too: nothing fails, the server just stops answering.
/// Measured on axum with 2 worker threads: while two handlers each waited on a blocking call
/// to a server that answered after 2 s, an unrelated request took 1.70 s instead of 0.2 ms
/// (`cargo run --release -p easy-checkout-reqwest --example blocking_in_async`); on a
/// current-thread runtime one such call is enough. From async code, use the async client
/// (`easy-checkout-reqwest` on tokio, or `AsyncClient` (feature `async`) over a transport
/// of yours), or run each blocking call on tokio's blocking pool (0.6 ms in the same
/// measurement):
/// `tokio::task::spawn_blocking(move || client.embedded_checkout().retrieve_session(&id))`
/// (with the client in an `Arc`, or cloned: clones share the connection pool).
///
/// # Example
///
/// The client over a test double (it answers without sending anything; a transport for the
/// network keeps the obligations listed on [`Transport`]):
///
/// ```
/// use easy_checkout_core::{Client, Config, TransportError, http};
/// # use easy_checkout_core::Runtime;
/// # struct NoWait;
/// # impl Runtime for NoWait {
/// #     fn now(&self) -> std::time::SystemTime { std::time::SystemTime::UNIX_EPOCH }
/// #     fn monotonic(&self) -> std::time::Duration { std::time::Duration::ZERO }
/// #     fn sleep(&self, _: std::time::Duration) {}
/// #     fn random_u64(&self) -> u64 { 4 }
/// # }
/// let transport = |request: http::Request<Vec<u8>>| -> Result<http::Response<Vec<u8>>, TransportError> {
///     assert_eq!(request.uri().path(), "/v1/api/embedded-checkout/config");
///     let body = br#"{"data":{"allowed_origins":["https://example.com"]}}"#.to_vec();
///     Ok(http::Response::new(body))
/// };
/// let client = Client::with_runtime(transport, Config::new("sk_test_1".parse().unwrap()), NoWait);
/// let config = client.embedded_checkout().get_config().unwrap();
/// assert_eq!(config.allowed_origins.unwrap(), ["https://example.com"]);
/// ```
#[derive(Clone)]
pub struct Client<T> {
    transport: T,
    config: Config,
    retry: RetryPolicy,
    runtime: Arc<dyn Runtime>,
    observer: Option<Observer>,
}

impl<T> fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "system-runtime")]
impl<T: Transport> Client<T> {
    /// A client over `transport` with the system clock and default retries.
    pub fn new(transport: T, config: Config) -> Self {
        Self::with_runtime(transport, config, crate::runtime::SystemRuntime::new())
    }
}

impl<T: Transport> Client<T> {
    /// A client over `transport`, taking time, sleep and randomness from `runtime`.
    pub fn with_runtime(transport: T, config: Config, runtime: impl Runtime + 'static) -> Self {
        Self {
            transport,
            config,
            retry: RetryPolicy::default(),
            runtime: Arc::new(runtime),
            observer: None,
        }
    }

    client_settings!();

    /// The Embedded Checkout calls.
    pub fn embedded_checkout(&self) -> EmbeddedCheckout<'_, T> {
        EmbeddedCheckout { client: self }
    }

    /// `GET /validate-key`: checks the configured key is live.
    pub fn validate_key(&self) -> Result<KeyInfo, Error> {
        self.send(&ValidateKey)
    }

    /// Runs any operation and returns its result.
    pub fn send<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        self.send_with_meta(op).map(|reply| reply.value)
    }

    /// Runs any operation and returns its result with the response's metadata.
    pub fn send_with_meta<O: Operation>(&self, op: &O) -> Result<Reply<O::Output>, Error> {
        let runtime = &*self.runtime;
        let random = || runtime.random_u64();
        self.drive(Call::new(&self.config, op, self.retry, random))
    }

    /// Polls `retrieve_session` until the session is finished or `policy.deadline` passes
    /// (see [`PaymentWait`] for the schedule).
    fn wait(&self, op: &RetrieveSession, policy: PollPolicy) -> Result<WaitOutcome, Error> {
        let start = Now::new(self.runtime.now(), self.runtime.monotonic());
        let source = &*self.runtime;
        let random = || source.random_u64();
        self.drive(PaymentWait::new(
            &self.config,
            op,
            self.retry,
            policy,
            start,
            random,
        ))
    }

    /// The loop: do what the machine says until it is done.
    fn drive<M: Machine>(&self, mut machine: M) -> Result<M::Output, Error> {
        drive_loop!(
            machine,
            self.observer.as_ref(),
            &*self.runtime,
            send: |request| self.transport.send(request),
            sleep: |delay| self.runtime.sleep(delay),
        )
    }
}

/// The `embedded_checkout` namespace: `client.embedded_checkout().create_session(…)`.
#[derive(Debug)]
pub struct EmbeddedCheckout<'a, T> {
    client: &'a Client<T>,
}

impl<T: Transport> EmbeddedCheckout<'_, T> {
    embedded_checkout_calls!();
}
