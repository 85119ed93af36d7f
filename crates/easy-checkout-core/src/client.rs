//! The blocking client: a loop over the [`call`](crate::call) machines.

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
use crate::runtime::Runtime;
use crate::transport::Transport;
#[cfg(feature = "system-runtime")]
use crate::{
    config::BaseUrl,
    secret::ApiKey,
    transport::{Adapter, TransportSettings},
};

/// The blocking Easy client over any [`Transport`]. Cheap to share: calls take `&self`, and
/// clones share the transport's connections (when its clones do) and the retry budget.
///
/// Each call blocks its thread, retries and waits included, stalling every task on an async
/// worker: from async code, use `AsyncClient` or `tokio::task::spawn_blocking`.
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
    budget: RetryBudget,
    runtime: Arc<dyn Runtime>,
    observer: Option<Observer>,
}

impl<T> fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("retry", &self.retry)
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

/// The one-line constructors over an [`Adapter`], on the system clock. None does IO.
#[cfg(feature = "system-runtime")]
impl<T: Transport + Adapter> Client<T> {
    /// A client for `api_key` ([`ApiKey::new`]), over a transport with default settings.
    pub fn from_key(api_key: &str) -> Result<Self, Error> {
        let config = Config::new(ApiKey::new(api_key)?);
        Ok(Self::with_config(config, TransportSettings::default()))
    }

    /// As [`Client::from_key`], sending every request to `base_url` ([`Config::for_base_url`]).
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
        Self::new(
            transport,
            config.with_user_agent_suffix(T::USER_AGENT_SUFFIX),
        )
    }
}

impl<T: Transport> Client<T> {
    /// A client over `transport` with the system clock and default retries.
    #[cfg(feature = "system-runtime")]
    pub fn new(transport: T, config: Config) -> Self {
        Self::with_runtime(transport, config, crate::runtime::SystemRuntime::new())
    }

    /// A client over `transport`, taking time, sleep and randomness from `runtime`.
    pub fn with_runtime(transport: T, config: Config, runtime: impl Runtime + 'static) -> Self {
        Self {
            transport,
            config,
            retry: RetryPolicy::default(),
            budget: RetryBudget::default(),
            runtime: Arc::new(runtime),
            observer: None,
        }
    }

    /// Replaces the retry policy (`RetryPolicy::never()` turns retries off).
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Replaces the retry budget every clone shares (`RetryBudget::unlimited()` turns it off).
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
        let random = || self.runtime.random_u64();
        self.drive(Call::new(&self.config, op, self.retry, random).with_budget(&self.budget))
    }

    /// The loop: do what the machine says until it is done.
    fn drive<M: Machine>(&self, mut machine: M) -> Result<M::Output, Error> {
        let observe = Observe::new(self.observer.as_ref(), &*self.runtime, &machine);
        let mut step = machine.next();
        loop {
            step = match step {
                Step::Send(request) => {
                    let started = observe.sending(&machine, &request);
                    let outcome = self.transport.send(request);
                    observe.handle(&mut machine, outcome, started)
                }
                Step::Wait(delay) => {
                    self.runtime.sleep(delay);
                    machine.next()
                }
                Step::Done(result) => return result,
            };
        }
    }
}

/// The `embedded_checkout` namespace: `client.embedded_checkout().create_session(…)`.
#[derive(Debug)]
pub struct EmbeddedCheckout<'a, T> {
    client: &'a Client<T>,
}

impl<T: Transport> EmbeddedCheckout<'_, T> {
    /// `POST /embedded-checkout`: creates a session. Hand its `client_secret` to the browser.
    pub fn create_session(&self, params: &CreateSession) -> Result<Session, Error> {
        self.client.send(params)
    }

    /// `GET /embedded-checkout/{id}`: the session's status and payment status.
    pub fn retrieve_session(&self, session_id: &str) -> Result<SessionStatus, Error> {
        self.client.send(&RetrieveSession::new(session_id)?)
    }

    /// `GET /embedded-checkout/{id}/crypto-status`: the on-chain payment of a session.
    pub fn crypto_status(&self, session_id: &str) -> Result<CryptoPaymentStatus, Error> {
        self.client.send(&CryptoStatus::new(session_id)?)
    }

    /// `POST /embedded-checkout/validate`, with the client secret and no API key.
    pub fn validate(&self, params: &Validate) -> Result<ValidateResponse, Error> {
        self.client.send(params)
    }

    /// `POST /embedded-checkout/confirm`: never sent twice without the caller's key.
    pub fn confirm(&self, params: &Confirm) -> Result<serde_json::Value, Error> {
        self.client.send(params)
    }

    /// `GET /embedded-checkout/config`.
    pub fn get_config(&self) -> Result<CheckoutConfig, Error> {
        self.client.send(&GetConfig)
    }

    /// `PATCH /embedded-checkout/config`: replaces the allowed origins.
    pub fn update_config(&self, params: &UpdateConfig) -> Result<CheckoutConfig, Error> {
        self.client.send(params)
    }

    /// Polls `retrieve_session` until the session is finished ([`PaymentWait`]).
    pub fn wait_for_payment(
        &self,
        session_id: &str,
        policy: PollPolicy,
    ) -> Result<WaitOutcome, Error> {
        let op = RetrieveSession::new(session_id)?;
        let (client, runtime) = (self.client, &*self.client.runtime);
        let start = Now::new(runtime.now(), runtime.monotonic());
        let random = || runtime.random_u64();
        let wait = PaymentWait::new(&client.config, &op, client.retry, policy, start, random);
        client.drive(wait.with_budget(&client.budget))
    }
}
