//! The async client (feature `async`), with no async runtime or HTTP client of its own.
//!
//! ```
//! use std::future::Future;
//! use std::time::Duration;
//! use easy_checkout_core::{AsyncClient, Config, TransportError, http};
//!
//! // A test double; over the network, `easy-checkout-reqwest`.
//! let transport = |request: http::Request<Vec<u8>>| async move {
//!     assert_eq!(request.uri().path(), "/v1/api/embedded-checkout/config");
//!     Ok::<_, TransportError>(http::Response::new(br#"{"data":{"allowed_origins":[]}}"#.to_vec()))
//! };
//! // How to sleep: with tokio, `tokio::time::sleep`.
//! let sleep = |_: Duration| std::future::ready(());
//! let client = AsyncClient::new(transport, Config::new("sk_test_123".parse()?), sleep);
//!
//! # fn block_on<F: Future>(f: F) -> F::Output {
//! #     use std::task::{Context, Poll, Waker};
//! #     let mut f = std::pin::pin!(f);
//! #     loop {
//! #         if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(Waker::noop())) { return v; }
//! #     }
//! # }
//! // In an async fn: `client.embedded_checkout().get_config().await?`
//! let config = block_on(client.embedded_checkout().get_config())?;
//! assert_eq!(config.allowed_origins.unwrap(), Vec::<String>::new());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::Arc;

use crate::call::{
    Call, Machine, Now, PaymentWait, PollPolicy, Reply, RetryBudget, RetryPolicy, Step, WaitOutcome,
};
use crate::config::Config;
use crate::error::Error;
use crate::models::{
    CheckoutConfig, CryptoPaymentStatus, KeyInfo, Session, SessionStatus, ValidateResponse,
};
use crate::observe::{Event, Observe, Observer};
use crate::ops::{
    Confirm, CreateSession, CryptoStatus, GetConfig, Operation, RetrieveSession, UpdateConfig,
    Validate, ValidateKey,
};
use crate::runtime::{Clock, Sleep};
use crate::transport::AsyncTransport;
#[cfg(feature = "system-runtime")]
use crate::{
    config::BaseUrl,
    secret::ApiKey,
    transport::{Adapter, TransportSettings},
};

/// The async Easy client: [`Client`](crate::client::Client)'s surface, awaited.
#[derive(Clone)]
pub struct AsyncClient<T, S> {
    transport: T,
    sleep: S,
    config: Config,
    retry: RetryPolicy,
    budget: RetryBudget,
    clock: Arc<dyn Clock>,
    observer: Option<Observer>,
}

impl<T, S> fmt::Debug for AsyncClient<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncClient")
            .field("config", &self.config)
            .field("retry", &self.retry)
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

/// The one-line constructors, as [`Client`'s](crate::client::Client::from_key).
#[cfg(feature = "system-runtime")]
impl<T: AsyncTransport + Adapter, S: Sleep + Default> AsyncClient<T, S> {
    /// A client for `api_key`, over a transport with default settings.
    pub fn from_key(api_key: &str) -> Result<Self, Error> {
        let config = Config::new(ApiKey::new(api_key)?);
        Ok(Self::with_config(config, TransportSettings::default()))
    }

    /// As [`AsyncClient::from_key`], sending every request to `base_url`.
    pub fn with_base_url(api_key: &str, base_url: &str) -> Result<Self, Error> {
        let config = Config::for_base_url(BaseUrl::parse(base_url)?, api_key)?;
        Ok(Self::with_config(config, TransportSettings::default()))
    }

    /// A client for `config` over a transport built from `settings`.
    pub fn with_config(config: Config, settings: TransportSettings) -> Self {
        Self::with_transport(config, T::from_settings(settings))
    }

    /// A client for `config` over `transport`, its name appended to the user agent.
    pub fn with_transport(config: Config, transport: T) -> Self {
        let config = config.with_user_agent_suffix(T::USER_AGENT_SUFFIX);
        Self::new(transport, config, S::default())
    }
}

impl<T: AsyncTransport, S: Sleep> AsyncClient<T, S> {
    /// A client over `transport` that waits with `sleep`, on the system clock.
    #[cfg(feature = "system-runtime")]
    pub fn new(transport: T, config: Config, sleep: S) -> Self {
        let clock = crate::runtime::SystemRuntime::new();
        Self::with_clock(transport, config, sleep, clock)
    }

    /// A client over `transport` with `sleep`, and time and randomness from `clock` (a `Runtime`).
    pub fn with_clock(transport: T, config: Config, sleep: S, clock: impl Clock + 'static) -> Self {
        Self {
            transport,
            sleep,
            config,
            retry: RetryPolicy::default(),
            budget: RetryBudget::default(),
            clock: Arc::new(clock),
            observer: None,
        }
    }

    /// Replaces the retry policy (`RetryPolicy::never()` turns retries off).
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Replaces the retry budget, which every clone of this client shares.
    pub fn with_retry_budget(mut self, budget: RetryBudget) -> Self {
        self.budget = budget;
        self
    }

    /// Calls `observer` for every request, response, failure and retry (for `-v` logging).
    pub fn with_observer(mut self, observer: impl Fn(&Event<'_>) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The retry budget this client and its clones share.
    pub fn retry_budget(&self) -> &RetryBudget {
        &self.budget
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

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
        let random = || self.clock.random_u64();
        let call = Call::new(&self.config, op, self.retry, random).with_budget(&self.budget);
        self.drive(call).await
    }

    /// The loop: do what the machine says until it is done.
    async fn drive<M: Machine>(&self, mut machine: M) -> Result<M::Output, Error> {
        let observe = Observe::new(self.observer.as_ref(), &*self.clock, &machine);
        let mut step = machine.next();
        loop {
            step = match step {
                Step::Send(request) => {
                    let started = observe.sending(&machine, &request);
                    let outcome = self.transport.send(request).await;
                    observe.handle(&mut machine, outcome, started)
                }
                Step::Wait(delay) => {
                    self.sleep.sleep(delay).await;
                    machine.next()
                }
                Step::Done(result) => return result,
            };
        }
    }
}

/// The `embedded_checkout` namespace of an [`AsyncClient`].
#[derive(Debug)]
pub struct AsyncEmbeddedCheckout<'a, T, S> {
    client: &'a AsyncClient<T, S>,
}

impl<T: AsyncTransport, S: Sleep> AsyncEmbeddedCheckout<'_, T, S> {
    /// `POST /embedded-checkout`: creates a session.
    pub async fn create_session(&self, params: &CreateSession) -> Result<Session, Error> {
        self.client.send(params).await
    }

    /// `GET /embedded-checkout/{id}`.
    pub async fn retrieve_session(&self, session_id: &str) -> Result<SessionStatus, Error> {
        self.client.send(&RetrieveSession::new(session_id)?).await
    }

    /// `GET /embedded-checkout/{id}/crypto-status`.
    pub async fn crypto_status(&self, session_id: &str) -> Result<CryptoPaymentStatus, Error> {
        self.client.send(&CryptoStatus::new(session_id)?).await
    }

    /// `POST /embedded-checkout/validate`.
    pub async fn validate(&self, params: &Validate) -> Result<ValidateResponse, Error> {
        self.client.send(params).await
    }

    /// `POST /embedded-checkout/confirm`, never sent twice without the caller's key.
    pub async fn confirm(&self, params: &Confirm) -> Result<serde_json::Value, Error> {
        self.client.send(params).await
    }

    /// `GET /embedded-checkout/config`.
    pub async fn get_config(&self) -> Result<CheckoutConfig, Error> {
        self.client.send(&GetConfig).await
    }

    /// `PATCH /embedded-checkout/config`.
    pub async fn update_config(&self, params: &UpdateConfig) -> Result<CheckoutConfig, Error> {
        self.client.send(params).await
    }

    /// Polls `retrieve_session` until the session is finished ([`PaymentWait`]).
    pub async fn wait_for_payment(
        &self,
        session_id: &str,
        policy: PollPolicy,
    ) -> Result<WaitOutcome, Error> {
        let op = RetrieveSession::new(session_id)?;
        let (client, clock) = (self.client, &*self.client.clock);
        let start = Now::new(clock.now(), clock.monotonic());
        let random = || clock.random_u64();
        let wait = PaymentWait::new(&client.config, &op, client.retry, policy, start, random);
        client.drive(wait.with_budget(&client.budget)).await
    }
}
