//! [`Call`]: the protocol of one call, as a state machine.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use http::{Response, StatusCode};

use crate::call::budget::RetryBudget;
use crate::call::retry::{Attempt, RetryDecision, RetryPolicy};
use crate::call::step::{KeySource, Machine, Now, Step};
use crate::config::Config;
use crate::error::{Effect, Error, TransportError, status_may_have_applied};
use crate::headers::{RateLimit, RetryAfter};
use crate::id::IdempotencyKey;
use crate::ops::{Idempotency, Operation, check_encoding};
use crate::secret::ClientSecret;

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

/// One call of an operation: builds each attempt's request, reads each attempt's outcome,
/// and says what to do next. The idempotency key is the caller's or, for
/// [`Idempotency::KeyOrGenerated`] with retries on, one generated once and sent on every
/// attempt. Only a call that [`may_repeat`](Idempotency::may_repeat) is retried, as the
/// [`RetryPolicy`] says, each retry paid for by the [`RetryBudget`] if there is one. Jitter
/// is one draw from `random` per retry, so callers that fail together spread out.
pub struct Call<'a, O, R> {
    config: &'a Config,
    op: &'a O,
    policy: RetryPolicy,
    budget: Option<&'a RetryBudget>,
    random: R,
    key: Option<Cow<'a, IdempotencyKey>>,
    repeatable: bool,
    /// A write stays "maybe applied" once any attempt of it may have reached the server.
    effect: Effect,
    retries: u32,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A request is to be built (at the start, and after a wait).
    Ready,
    /// A request is out; its outcome is awaited.
    Sent,
    /// The call has ended.
    Finished,
}

impl<O, R> std::fmt::Debug for Call<'_, O, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("operation", &std::any::type_name::<O>())
            .field("policy", &self.policy)
            .field("budget", &self.budget)
            .field("key", &self.key.as_deref().map(|k| k.as_str()))
            .field("retries", &self.retries)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl<'a, O: Operation, R: FnMut() -> u64> Call<'a, O, R> {
    /// A call of `op`; `random` gives two draws for a generated key, one per retry's jitter.
    pub fn new(config: &'a Config, op: &'a O, policy: RetryPolicy, mut random: R) -> Self {
        let key = match (O::IDEMPOTENCY, op.idempotency_key()) {
            (_, Some(key)) => Some(Cow::Borrowed(key)),
            (Idempotency::KeyOrGenerated, None) if policy.max_retries > 0 => {
                Some(Cow::Owned(IdempotencyKey::from_random([
                    random(),
                    random(),
                ])))
            }
            _ => None,
        };
        Self {
            config,
            op,
            policy,
            budget: None,
            random,
            repeatable: O::IDEMPOTENCY.may_repeat(key.is_some()),
            key,
            effect: O::IDEMPOTENCY.effect(),
            retries: 0,
            state: State::Ready,
        }
    }

    /// Draws this call's retries from `budget`; without one, the policy alone decides.
    pub fn with_budget(mut self, budget: &'a RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// The idempotency key every attempt carries (the caller's or the generated one).
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.key.as_deref()
    }

    /// Ends the call; an error gets the call's key and effect, and loses the call's secrets.
    fn finish<T>(&mut self, result: Result<T, Error>) -> Step<T> {
        self.state = State::Finished;
        Step::Done(result.map_err(|e| {
            // The key as sent: an Easy key, or any key held for an explicit base URL.
            let key = self.config.key_header.as_ref();
            let secrets = [
                key.and_then(|k| k.to_str().ok()),
                self.op.client_secret().map(ClientSecret::expose_secret),
            ];
            e.for_call(self.key.as_deref(), self.effect)
                .without_secrets(&secrets.into_iter().flatten().collect::<Vec<_>>())
        }))
    }

    fn retry_after(&mut self, delay: Duration, may_have_applied: bool) -> Step<Reply<O::Output>> {
        if may_have_applied && self.effect == Effect::Write {
            self.effect = Effect::WriteMaybeApplied;
        }
        self.retries += 1;
        self.state = State::Ready;
        Step::Wait(delay)
    }

    /// Asks the policy (if the call may be repeated and has retries left), then the budget.
    fn decide(&mut self, attempt: Attempt<'_>, now: SystemTime) -> Decision {
        if !self.repeatable || self.retries >= self.policy.max_retries {
            return Decision::GiveUp;
        }
        let jitter = (self.random)();
        match self.policy.decide(self.retries, true, attempt, now, jitter) {
            RetryDecision::GiveUp => Decision::GiveUp,
            RetryDecision::RetryAfter(delay) => match self.budget {
                Some(budget) if !budget.withdraw(&attempt) => Decision::BudgetSpent,
                _ => Decision::Retry(delay),
            },
        }
    }

    fn response(&mut self, response: Response<Vec<u8>>, now: SystemTime) -> Step<Reply<O::Output>> {
        let status = response.status();
        let retryable = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
        let retry_after = RetryAfter::from_headers(response.headers());
        let spent = !status.is_success()
            && match self.decide(Attempt::Status(status, retry_after.as_ref()), now) {
                Decision::Retry(delay) => {
                    return self.retry_after(delay, status_may_have_applied(status));
                }
                Decision::BudgetSpent => true,
                Decision::GiveUp => false,
            };
        // The API answered: that pays for the retries of calls to come.
        if let Some(budget) = self.budget.filter(|_| !retryable) {
            budget.refill();
        }
        let (headers, body) = (response.headers(), response.body());
        let result = check_encoding(status, headers, body)
            .and_then(|()| O::parse(status, headers, body))
            .map(|value| Reply {
                value,
                meta: ResponseMeta {
                    status,
                    rate_limit: RateLimit::from_headers(headers),
                    retries: self.retries,
                    idempotency_key: self.key.as_deref().cloned(),
                },
            })
            .map_err(|e| if spent { e.budget_spent() } else { e });
        self.finish(result)
    }

    fn failure(&mut self, error: TransportError, now: SystemTime) -> Step<Reply<O::Output>> {
        match self.decide(Attempt::Failed(&error), now) {
            Decision::Retry(delay) => self.retry_after(delay, !error.certainly_not_sent()),
            Decision::GiveUp => self.finish(Err(Error::from(error))),
            Decision::BudgetSpent => self.finish(Err(Error::from(error).budget_spent())),
        }
    }
}

impl<O: Operation, R: FnMut() -> u64> Machine for Call<'_, O, R> {
    type Output = Reply<O::Output>;

    fn next(&mut self) -> Step<Self::Output> {
        if self.state != State::Ready {
            return self.finish(Err(misuse(self.state)));
        }
        // A retry builds the request the first attempt did: an `InvalidInput` only ever comes
        // before anything was sent.
        match self
            .config
            .build_with_idempotency_key(self.op, self.key.as_deref())
        {
            Ok(request) => {
                self.state = State::Sent;
                Step::Send(request)
            }
            Err(error) => self.finish(Err(error)),
        }
    }

    fn handle(
        &mut self,
        outcome: Result<Response<Vec<u8>>, TransportError>,
        now: Now,
    ) -> Step<Self::Output> {
        if self.state != State::Sent {
            return self.finish(Err(misuse(self.state)));
        }
        match outcome {
            Ok(response) => self.response(response, now.wall),
            Err(error) => self.failure(error, now.wall),
        }
    }

    fn operation(&self) -> &'static str {
        O::NAME
    }

    fn retries(&self) -> u32 {
        self.retries
    }

    fn key_source(&self) -> Option<KeySource> {
        self.key.as_ref().map(|key| match key {
            Cow::Borrowed(_) => KeySource::Caller,
            Cow::Owned(_) => KeySource::Generated,
        })
    }
}

/// What the call does after a failed attempt.
enum Decision {
    /// Retry after this wait (the budget, if any, has paid for it).
    Retry(Duration),
    /// The policy would retry, but the budget cannot pay for it: end with the failure.
    BudgetSpent,
    /// End with the failure.
    GiveUp,
}

/// The error for a driver that fed the machine out of turn (a bug in the driver).
pub(crate) fn misuse(state: impl std::fmt::Debug) -> Error {
    crate::input::InvalidInput::new(
        "call",
        format!("was driven out of turn (state {state:?}): a driver bug"),
    )
    .into()
}
