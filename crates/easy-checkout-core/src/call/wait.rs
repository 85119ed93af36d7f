//! [`PaymentWait`]: waiting for a session to be paid, as a state machine over [`Call`].

use std::time::Duration;

use http::Response;

use crate::call::budget::RetryBudget;
use crate::call::machine::{Call, misuse};
use crate::call::retry::RetryPolicy;
use crate::call::step::{Machine, Now, Step};
use crate::config::Config;
use crate::error::{Error, ErrorKind, TransportError};
use crate::models::{SessionStatus, Terminal};
use crate::ops::{Operation, RetrieveSession};

/// How often to poll while waiting for a session to be paid, and when to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    /// First wait between polls (default 1 s).
    pub initial_interval: Duration,
    /// Longest wait between polls (default 10 s).
    pub max_interval: Duration,
    /// Give up after this long (default 5 minutes).
    pub deadline: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(10),
            deadline: Duration::from_secs(300),
        }
    }
}

impl PollPolicy {
    /// The default policy with another deadline.
    pub fn with_deadline(deadline: Duration) -> Self {
        Self {
            deadline,
            ..Self::default()
        }
    }
}

/// How a wait for payment ended.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitOutcome {
    /// The session is finished.
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

/// Polls `retrieve_session`, each poll a [`Call`], until the session is finished or the
/// deadline passes (the last poll comes at it, never after). The interval grows by half each
/// poll up to [`PollPolicy::max_interval`]; a `429` stretches the next wait to its
/// `Retry-After` (or the initial interval), and `RateLimit-Remaining: 0` waits for the reset;
/// any other error ends the wait.
#[derive(Debug)]
pub struct PaymentWait<'a, R> {
    config: &'a Config,
    op: &'a RetrieveSession,
    retry: RetryPolicy,
    budget: Option<&'a RetryBudget>,
    random: R,
    policy: PollPolicy,
    /// The wait before the next poll, before any floor (a `Retry-After`, a window's reset).
    interval: Duration,
    started: Duration,
    last: Option<SessionStatus>,
    /// The poll in progress; `None` between polls.
    call: Option<Call<'a, RetrieveSession, R>>,
    finished: bool,
}

impl<'a, R: FnMut() -> u64 + Clone> PaymentWait<'a, R> {
    /// A wait for the session `op` reads from `now`; each poll a [`Call::new`] with `retry`.
    pub fn new(
        config: &'a Config,
        op: &'a RetrieveSession,
        retry: RetryPolicy,
        policy: PollPolicy,
        now: Now,
        random: R,
    ) -> Self {
        Self {
            config,
            op,
            retry,
            budget: None,
            random,
            interval: policy.initial_interval,
            policy,
            started: now.monotonic,
            last: None,
            call: None,
            finished: false,
        }
    }

    /// Draws the retries of every poll from `budget` (see [`Call::with_budget`]).
    pub fn with_budget(mut self, budget: &'a RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    fn finish(&mut self, result: Result<WaitOutcome, Error>) -> Step<WaitOutcome> {
        self.finished = true;
        self.call = None;
        Step::Done(result)
    }

    /// Ends the wait with the session still pending, and the last status read.
    fn still_pending(&mut self) -> Step<WaitOutcome> {
        let status = self.last.take();
        self.finish(Ok(WaitOutcome::StillPending { status }))
    }

    /// After an unfinished poll, `elapsed` into the wait: wait the interval (then grown), at
    /// least `floor`, never past the deadline; or end if even `floor` would pass it.
    fn wait_at_least(&mut self, elapsed: Duration, floor: Duration) -> Step<WaitOutcome> {
        self.call = None;
        let left = self.policy.deadline.saturating_sub(elapsed);
        if left.is_zero() || floor > left {
            return self.still_pending();
        }
        let wait = self.interval.max(floor).min(left);
        let grown = self.interval.saturating_add(self.interval / 2);
        self.interval = grown.min(self.policy.max_interval);
        Step::Wait(wait)
    }
}

impl<R: FnMut() -> u64 + Clone> Machine for PaymentWait<'_, R> {
    type Output = WaitOutcome;

    fn next(&mut self) -> Step<WaitOutcome> {
        if self.finished {
            return self.finish(Err(misuse("finished")));
        }
        let (config, op, retry, budget) = (self.config, self.op, self.retry, self.budget);
        let random = &self.random;
        let call = self.call.get_or_insert_with(|| {
            let call = Call::new(config, op, retry, random.clone());
            match budget {
                Some(budget) => call.with_budget(budget),
                None => call,
            }
        });
        match call.next() {
            Step::Send(request) => Step::Send(request),
            Step::Wait(delay) => Step::Wait(delay),
            Step::Done(Ok(_)) => self.finish(Err(misuse("a poll ended without a reply"))),
            Step::Done(Err(e)) => self.finish(Err(e)),
        }
    }

    fn handle(
        &mut self,
        outcome: Result<Response<Vec<u8>>, TransportError>,
        now: Now,
    ) -> Step<WaitOutcome> {
        let Some(call) = self.call.as_mut().filter(|_| !self.finished) else {
            return self.finish(Err(misuse("no poll in progress")));
        };
        let elapsed = now.monotonic.saturating_sub(self.started);
        match call.handle(outcome, now) {
            // The poll itself retries (a 503, a cut reply) before it answers, unless its retry
            // would come after the deadline: then the wait ends, the session still pending.
            Step::Wait(delay) if elapsed.saturating_add(delay) > self.policy.deadline => {
                self.still_pending()
            }
            Step::Wait(delay) => Step::Wait(delay),
            Step::Send(_) => self.finish(Err(misuse("a poll asked to send unasked"))),
            Step::Done(Ok(reply)) => {
                if let Some(terminal) = reply.value.terminal() {
                    let status = reply.value;
                    return self.finish(Ok(WaitOutcome::Finished { terminal, status }));
                }
                // An exhausted rate-limit window: do not poll before it resets.
                let floor = match (reply.meta.rate_limit.remaining, reply.meta.rate_limit.reset) {
                    (Some(0), Some(reset)) => Duration::from_secs(reset),
                    _ => Duration::ZERO,
                };
                self.last = Some(reply.value);
                self.wait_at_least(elapsed, floor)
            }
            Step::Done(Err(Error::Api(e))) if e.kind == ErrorKind::RateLimited => {
                let floor = e
                    .retry_after
                    .map(|r| r.delay(now.wall))
                    .unwrap_or(self.policy.initial_interval);
                self.wait_at_least(elapsed, floor)
            }
            Step::Done(Err(e)) => self.finish(Err(e)),
        }
    }

    fn operation(&self) -> &'static str {
        RetrieveSession::NAME
    }

    fn retries(&self) -> u32 {
        self.call.as_ref().map_or(0, Machine::retries)
    }
}
