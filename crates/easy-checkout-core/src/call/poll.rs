//! Waiting for a session to be paid: how often to poll and when to stop (the schedule that
//! [`PaymentWait`](crate::call::PaymentWait) follows).
//!
//! A session is finished when [`SessionStatus::terminal`] says so: paid (`payment_status`
//! `succeeded` or `paid`), failed, expired, or complete with no payment status to confirm
//! it. The interval starts at
//! [`PollPolicy::initial_interval`] and grows by half each poll up to
//! [`PollPolicy::max_interval`]; a 429's `Retry-After` or an exhausted rate-limit window
//! stretches the next wait. The last poll happens at the deadline, never after it.

use std::time::Duration;

use crate::headers::RateLimit;
use crate::models::{SessionStatus, Terminal};

/// Polling settings.
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

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PollStep {
    /// The session is finished.
    Done(Terminal),
    /// Poll again after this delay.
    Wait(Duration),
    /// The deadline has passed with the session still pending.
    DeadlineReached,
}

/// The poll schedule of one wait (driven by [`PaymentWait`](crate::call::PaymentWait)).
#[derive(Debug, Clone)]
pub(crate) struct Poller {
    policy: PollPolicy,
    interval: Duration,
}

impl Poller {
    /// A poller at its first interval.
    pub(crate) fn new(policy: PollPolicy) -> Self {
        Self {
            interval: policy.initial_interval,
            policy,
        }
    }

    /// After a poll answered `status`, `elapsed` after the wait began.
    pub(crate) fn after_status(
        &mut self,
        elapsed: Duration,
        status: &SessionStatus,
        rate_limit: &RateLimit,
    ) -> PollStep {
        if let Some(done) = status.terminal() {
            return PollStep::Done(done);
        }
        // An exhausted window: do not poll before it resets.
        let floor = match (rate_limit.remaining, rate_limit.reset) {
            (Some(0), Some(reset)) => Duration::from_secs(reset),
            _ => Duration::ZERO,
        };
        self.next(elapsed, floor)
    }

    /// After a poll was rate limited with `retry_after`, `elapsed` after the wait began.
    pub(crate) fn after_rate_limit(
        &mut self,
        elapsed: Duration,
        retry_after: Duration,
    ) -> PollStep {
        self.next(elapsed, retry_after)
    }

    /// The policy it follows.
    pub(crate) fn policy(&self) -> &PollPolicy {
        &self.policy
    }

    fn next(&mut self, elapsed: Duration, floor: Duration) -> PollStep {
        let Some(left) = self
            .policy
            .deadline
            .checked_sub(elapsed)
            .filter(|l| !l.is_zero())
        else {
            return PollStep::DeadlineReached;
        };
        let wait = self.interval.max(floor);
        self.interval = self.interval.mul_f64(1.5).min(self.policy.max_interval);
        if wait > left && floor > left {
            // Even the earliest allowed poll would come after the deadline.
            return PollStep::DeadlineReached;
        }
        PollStep::Wait(wait.min(left))
    }
}
