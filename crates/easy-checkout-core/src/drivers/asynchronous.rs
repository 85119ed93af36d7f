//! The async driver (feature `async`): [`AsyncClient`], the same loop as the blocking
//! [`Client`](crate::Client) over the same [`call`](crate::call) machines, awaiting an
//! [`AsyncTransport`] and a [`Sleep`] of the caller's choosing. It pulls in no async runtime
//! and no HTTP client: tokio, async-std or smol, reqwest, hyper or anything else plug in
//! through two closures.
//!
//! With tokio, `easy-checkout-reqwest` is the transport and the sleep, and builds the client
//! in one line. Over a stack of your own:
//!
//! ```
//! use easy_checkout_core::{AsyncClient, AsyncTransport, Config, Sleep};
//!
//! /// A client over `transport` (one that passes the conformance kit: see
//! /// [`AsyncTransport`]), waiting between retries with `sleep` (`tokio::time::sleep`,
//! /// `async_io::Timer::after`, …).
//! fn client<T: AsyncTransport, S: Sleep>(transport: T, sleep: S) -> AsyncClient<T, S> {
//!     AsyncClient::new(transport, Config::new("sk_test_123".parse().unwrap()), sleep)
//! }
//! // In an async fn: `client(transport, sleep).embedded_checkout().get_config().await?`
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response};

use crate::call::{Call, Machine, Now, PaymentWait, Reply, WaitOutcome};
use crate::config::Config;
use crate::drivers::observe::Observer;
use crate::drivers::runtime::Clock;
use crate::error::{Error, TransportError};
use crate::wire::models::KeyInfo;
use crate::wire::operation::Operation;
use crate::wire::ops::{RetrieveSession, ValidateKey};
use crate::{PollPolicy, RetryPolicy};

/// Sends requests, asynchronously: the async twin of [`Transport`](crate::Transport), with
/// the same obligations (see there): among them no redirect followed (a default reqwest
/// client follows them and carries `x-easy-api-key` to the other host), every status returned
/// as a response with its whole body, a connect and a total timeout, a body cap, and no
/// resend of what [`may_resend`](crate::transport::may_resend) refuses. Implemented for
/// closures that return a future. `easy-checkout-reqwest` is one, on tokio; the conformance
/// kit (`easy-checkout-conformance`, `Kit::run_async`) checks every obligation against yours.
///
/// A call future dropped after its request went out (a `tokio::time::timeout`, a cancelled
/// task) ends with no error to tell you: a write's outcome is then unknown, as after
/// [`Error::outcome_unknown`](crate::Error::outcome_unknown).
pub trait AsyncTransport {
    /// Sends `request` and reads the whole response body.
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send;
}

impl<F, Fut> AsyncTransport for F
where
    F: Fn(Request<Vec<u8>>) -> Fut,
    Fut: Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send,
{
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send {
        self(request)
    }
}

/// How an async driver waits: `tokio::time::sleep`, `async_io::Timer::after`, … Implemented
/// for closures `Fn(Duration) -> impl Future<Output = ()>`.
pub trait Sleep: Send + Sync {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;
}

impl<F, Fut> Sleep for F
where
    F: Fn(Duration) -> Fut + Send + Sync,
    Fut: Future<Output = ()> + Send,
{
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        self(duration)
    }
}

/// The async Easy client: the blocking [`Client`](crate::Client)'s surface, awaited.
///
/// Cheap to share: calls take `&self`, so one client serves many tasks (wrap it in an `Arc`
/// to move it into spawned ones).
#[derive(Clone)]
pub struct AsyncClient<T, S> {
    transport: T,
    sleep: S,
    config: Config,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
    observer: Option<Observer>,
}

impl<T, S> fmt::Debug for AsyncClient<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncClient")
            .field("config", &self.config)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "system-runtime")]
impl<T: AsyncTransport, S: Sleep> AsyncClient<T, S> {
    /// A client over `transport` that waits with `sleep`, on the system clock, with default
    /// retries.
    pub fn new(transport: T, config: Config, sleep: S) -> Self {
        Self::with_clock(
            transport,
            config,
            sleep,
            crate::runtime::SystemRuntime::new(),
        )
    }
}

impl<T: AsyncTransport, S: Sleep> AsyncClient<T, S> {
    /// A client over `transport` that waits with `sleep` and takes time and randomness from
    /// `clock` (any [`Runtime`](crate::Runtime) is one).
    pub fn with_clock(transport: T, config: Config, sleep: S, clock: impl Clock + 'static) -> Self {
        Self {
            transport,
            sleep,
            config,
            retry: RetryPolicy::default(),
            clock: Arc::new(clock),
            observer: None,
        }
    }

    client_settings!();

    /// The Embedded Checkout calls.
    pub fn embedded_checkout(&self) -> AsyncEmbeddedCheckout<'_, T, S> {
        AsyncEmbeddedCheckout { client: self }
    }

    /// `GET /validate-key`: checks the configured key is live.
    pub async fn validate_key(&self) -> Result<KeyInfo, Error> {
        self.send(&ValidateKey).await
    }

    /// Runs any operation and returns its result.
    pub async fn send<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        self.send_with_meta(op).await.map(|reply| reply.value)
    }

    /// Runs any operation and returns its result with the response's metadata.
    pub async fn send_with_meta<O: Operation>(&self, op: &O) -> Result<Reply<O::Output>, Error> {
        let clock = &*self.clock;
        let random = || clock.random_u64();
        self.drive(Call::new(&self.config, op, self.retry, random))
            .await
    }

    async fn wait(&self, op: &RetrieveSession, policy: PollPolicy) -> Result<WaitOutcome, Error> {
        let start = Now::new(self.clock.now(), self.clock.monotonic());
        let source = &*self.clock;
        let random = || source.random_u64();
        self.drive(PaymentWait::new(
            &self.config,
            op,
            self.retry,
            policy,
            start,
            random,
        ))
        .await
    }

    /// The loop: do what the machine says until it is done (the blocking loop, awaited).
    async fn drive<M: Machine>(&self, mut machine: M) -> Result<M::Output, Error> {
        drive_loop!(
            machine,
            self.observer.as_ref(),
            &*self.clock,
            send: |request| self.transport.send(request).await,
            sleep: |delay| self.sleep.sleep(delay).await,
        )
    }
}

/// The `embedded_checkout` namespace of an [`AsyncClient`]:
/// `client.embedded_checkout().create_session(…).await`.
#[derive(Debug)]
pub struct AsyncEmbeddedCheckout<'a, T, S> {
    client: &'a AsyncClient<T, S>,
}

impl<T: AsyncTransport, S: Sleep> AsyncEmbeddedCheckout<'_, T, S> {
    embedded_checkout_calls!(async .await);
}
