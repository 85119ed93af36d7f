//! The blocking client: build, send through a [`Transport`], retry per the
//! [`RetryPolicy`], parse. The thin driver loop over the pure core; it owns no socket.
//!
//! ```text
//!  build ──► send ──► 2xx ──► parse ──► Ok(value)
//!              │        └──► non-2xx ─┐
//!              └──► transport error ──┴─► RetryPolicy::decide ─► sleep ─► build (same key)
//!                                                            └─► Err(error)
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode, Uri};

use crate::config::Config;
use crate::error::{
    ApiErrorKind, Effect, Error, RateLimit, RetryAfter, TransportError, status_may_have_applied,
};
use crate::id::IdempotencyKey;
use crate::models::{
    CheckoutConfig, CryptoPaymentStatus, KeyInfo, Session, SessionStatus, ValidateResponse,
};
use crate::operation::{Idempotency, Operation};
use crate::ops::{
    Confirm, CreateSession, CryptoStatus, GetConfig, RetrieveSession, UpdateConfig, Validate,
    ValidateKey,
};
use crate::poll::{PollPolicy, PollStep, Poller, Terminal};
use crate::retry::{Attempt, RetryDecision, RetryPolicy};
use crate::runtime::Runtime;
use crate::transport::Transport;

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

type Observer = Arc<dyn Fn(&Event<'_>) + Send + Sync>;

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

/// The blocking Easy client over any [`Transport`].
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
pub struct Client<T> {
    transport: T,
    config: Config,
    retry: RetryPolicy,
    runtime: Arc<dyn Runtime>,
    observer: Option<Observer>,
}

impl<T: Clone> Clone for Client<T> {
    fn clone(&self) -> Self {
        Self {
            transport: self.transport.clone(),
            config: self.config.clone(),
            retry: self.retry,
            runtime: Arc::clone(&self.runtime),
            observer: self.observer.clone(),
        }
    }
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

    /// Replaces the retry policy (`RetryPolicy::never()` turns retries off).
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
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
        let generated;
        let key = match (O::IDEMPOTENCY, op.idempotency_key()) {
            (_, Some(key)) => Some(key),
            (Idempotency::KeyOrGenerated, None) if self.retry.max_retries > 0 => {
                generated = IdempotencyKey::from_random([
                    self.runtime.random_u64(),
                    self.runtime.random_u64(),
                ]);
                Some(&generated)
            }
            _ => None,
        };
        let repeatable = RetryPolicy::may_repeat(O::IDEMPOTENCY, key.is_some());
        // What a failure will say about whether the write happened: a write stays "maybe"
        // once any attempt of it may have reached the server.
        let mut effect = Effect::of(&O::METHOD);
        let mut retries = 0;
        loop {
            // Building is pure: a retry builds the request the first attempt did, so an
            // `InvalidInput` only ever comes before anything was sent.
            let request = self.config.build_with_idempotency_key(op, key)?;
            let started = self.observe_request::<O>(&request, retries);
            let decision = match self.transport.send(request) {
                Ok(response) => {
                    let status = response.status();
                    self.observe(|| Event::Response {
                        operation: O::NAME,
                        status,
                        elapsed: self.runtime.monotonic().saturating_sub(started),
                        retry: retries,
                    });
                    let delay = if status.is_success() {
                        None
                    } else {
                        let retry_after = RetryAfter::from_headers(response.headers());
                        let attempt = Attempt::Status(status, retry_after.as_ref());
                        match self.decide(retries, repeatable, attempt) {
                            RetryDecision::RetryAfter(delay) => {
                                effect = effect.after_attempt(status_may_have_applied(status));
                                Some(delay)
                            }
                            RetryDecision::GiveUp => None,
                        }
                    };
                    match delay {
                        Some(delay) => delay,
                        None => {
                            // A 2xx gives the result, a final non-2xx the API error (or, for a
                            // user's own operation that accepts it, a result).
                            let value = O::parse(status, response.headers(), response.body())
                                .map_err(|e| e.for_call(key, effect))?;
                            let meta = ResponseMeta {
                                status,
                                rate_limit: RateLimit::from_headers(response.headers()),
                                retries,
                                idempotency_key: key.cloned(),
                            };
                            return Ok(Reply { value, meta });
                        }
                    }
                }
                Err(error) => {
                    self.observe(|| Event::Failed {
                        operation: O::NAME,
                        error: &error,
                        retry: retries,
                    });
                    match self.decide(retries, repeatable, Attempt::Failed(&error)) {
                        RetryDecision::RetryAfter(delay) => {
                            effect = effect.after_attempt(!error.certainly_not_sent());
                            delay
                        }
                        RetryDecision::GiveUp => {
                            return Err(Error::from(error).for_call(key, effect));
                        }
                    }
                }
            };
            retries += 1;
            self.observe(|| Event::Retrying {
                operation: O::NAME,
                delay: decision,
                retry: retries,
            });
            self.runtime.sleep(decision);
        }
    }

    fn decide(&self, retries: u32, repeatable: bool, attempt: Attempt<'_>) -> RetryDecision {
        if !repeatable || retries >= self.retry.max_retries {
            return RetryDecision::GiveUp;
        }
        self.retry.decide(
            retries,
            repeatable,
            attempt,
            self.runtime.now(),
            self.runtime.random_u64(),
        )
    }

    fn observe_request<O: Operation>(
        &self,
        request: &http::Request<Vec<u8>>,
        retry: u32,
    ) -> Duration {
        match &self.observer {
            Some(observer) => {
                observer(&Event::Request {
                    operation: O::NAME,
                    method: request.method(),
                    uri: request.uri(),
                    retry,
                });
                self.runtime.monotonic()
            }
            None => Duration::ZERO,
        }
    }

    fn observe<'a>(&self, event: impl FnOnce() -> Event<'a>) {
        if let Some(observer) = &self.observer {
            observer(&event());
        }
    }
}

/// The `embedded_checkout` namespace: `client.embedded_checkout().create_session(…)`.
#[derive(Debug)]
pub struct EmbeddedCheckout<'a, T> {
    client: &'a Client<T>,
}

/// How [`EmbeddedCheckout::wait_for_payment`] ended.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitOutcome {
    /// The session is finished: paid, failed, expired or complete.
    Finished {
        /// How it finished; fulfil only on [`Terminal::Paid`].
        terminal: Terminal,
        /// The last status read.
        status: SessionStatus,
    },
    /// The deadline passed and the session is still pending.
    StillPending {
        /// The last status read, if any poll succeeded.
        status: Option<SessionStatus>,
    },
}

impl WaitOutcome {
    /// Whether the session was paid.
    pub fn is_paid(&self) -> bool {
        matches!(
            self,
            Self::Finished {
                terminal: Terminal::Paid,
                ..
            }
        )
    }
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

    /// `POST /embedded-checkout/confirm`, with the client secret and no API key. Returns the
    /// raw confirmation payload. Never sent twice without the caller's idempotency key.
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

    /// Polls `retrieve_session` until the session is finished or `policy.deadline` passes.
    ///
    /// A 429 within the deadline stretches the wait instead of failing; any other error
    /// ends the wait with that error.
    pub fn wait_for_payment(
        &self,
        session_id: &str,
        policy: PollPolicy,
    ) -> Result<WaitOutcome, Error> {
        let op = RetrieveSession::new(session_id)?;
        let runtime = &self.client.runtime;
        let start = runtime.monotonic();
        let mut poller = Poller::new(policy);
        let mut last = None;
        loop {
            let step = match self.client.send_with_meta(&op) {
                Ok(reply) => {
                    let elapsed = runtime.monotonic().saturating_sub(start);
                    let step = poller.after_status(elapsed, &reply.value, &reply.meta.rate_limit);
                    if let PollStep::Done(terminal) = step {
                        return Ok(WaitOutcome::Finished {
                            terminal,
                            status: reply.value,
                        });
                    }
                    last = Some(reply.value);
                    step
                }
                Err(Error::Api(e)) if e.kind == ApiErrorKind::RateLimited => {
                    let elapsed = runtime.monotonic().saturating_sub(start);
                    let wait = e
                        .retry_after
                        .map(|r| r.delay(runtime.now()))
                        .unwrap_or(policy.initial_interval);
                    poller.after_rate_limit(elapsed, wait)
                }
                Err(e) => return Err(e),
            };
            match step {
                PollStep::Wait(delay) => runtime.sleep(delay),
                PollStep::Done(_) | PollStep::DeadlineReached => {
                    return Ok(WaitOutcome::StillPending { status: last });
                }
            }
        }
    }
}
