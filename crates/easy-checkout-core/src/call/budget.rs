//! [`RetryBudget`]: a token bucket behind one atomic counter, with no clock or thread.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::call::retry::Attempt;
use crate::error::TransportErrorKind;

/// The settings of a [`RetryBudget`], AWS's standard retry mode by default. In a full outage
/// retries stop after `capacity / retry_cost` (100) in all (1,000 failing calls cost 1,100
/// requests, not 3,000); with 5% of attempts failing a call draws about 0.26 tokens against 1
/// put back, so the bucket stays full. A timeout, the surest sign of overload, costs double.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBudgetPolicy {
    /// Tokens in a full bucket, and at the start (default 500).
    pub capacity: u32,
    /// Tokens a retry takes (default 5).
    pub retry_cost: u32,
    /// Tokens a retry after a [`Timeout`](TransportErrorKind::Timeout) takes (default 10).
    pub timeout_retry_cost: u32,
    /// Tokens put back by each call answered with other than a `429` or `5xx` (default 1).
    pub refill: u32,
}

impl Default for RetryBudgetPolicy {
    fn default() -> Self {
        Self {
            capacity: 500,
            retry_cost: 5,
            timeout_retry_cost: 10,
            refill: 1,
        }
    }
}

/// The retries a client may still make, shared by its clones and threads, so an outage does
/// not multiply a merchant's load. When a retry finds too few tokens, the call ends with its
/// failure ([`Error::retry_budget_spent`](crate::error::Error::retry_budget_spent)).
#[derive(Clone)]
pub struct RetryBudget {
    bucket: Option<Arc<Bucket>>,
}

struct Bucket {
    policy: RetryBudgetPolicy,
    tokens: AtomicU32,
}

impl RetryBudget {
    /// A full bucket with `policy`'s settings.
    pub fn new(policy: RetryBudgetPolicy) -> Self {
        Self {
            bucket: Some(Arc::new(Bucket {
                policy,
                tokens: AtomicU32::new(policy.capacity),
            })),
        }
    }

    /// No budget: every retry the policy allows is made.
    pub fn unlimited() -> Self {
        Self { bucket: None }
    }

    /// The settings, or `None` when unlimited.
    pub fn policy(&self) -> Option<RetryBudgetPolicy> {
        self.bucket.as_ref().map(|b| b.policy)
    }

    /// The tokens left, or `None` when unlimited.
    pub fn available(&self) -> Option<u32> {
        self.bucket
            .as_ref()
            .map(|b| b.tokens.load(Ordering::Acquire))
    }

    /// Takes the tokens a retry after `attempt` costs, if there are that many.
    pub(crate) fn withdraw(&self, attempt: &Attempt<'_>) -> bool {
        let Some(bucket) = &self.bucket else {
            return true;
        };
        let cost = match attempt {
            Attempt::Failed(e) if e.kind() == TransportErrorKind::Timeout => {
                bucket.policy.timeout_retry_cost
            }
            _ => bucket.policy.retry_cost,
        };
        bucket
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .is_ok()
    }

    /// Puts tokens back after an answered call; a full bucket is only read (no contention).
    pub(crate) fn refill(&self) {
        let Some(bucket) = &self.bucket else {
            return;
        };
        let Bucket { policy, tokens } = &**bucket;
        if tokens.load(Ordering::Acquire) >= policy.capacity {
            return;
        }
        let _ = tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
            (t < policy.capacity).then(|| t.saturating_add(policy.refill).min(policy.capacity))
        });
    }
}

impl Default for RetryBudget {
    /// A full bucket with [`RetryBudgetPolicy::default`].
    fn default() -> Self {
        Self::new(RetryBudgetPolicy::default())
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.bucket {
            None => f.write_str("RetryBudget(unlimited)"),
            Some(bucket) => f
                .debug_struct("RetryBudget")
                .field("available", &bucket.tokens.load(Ordering::Acquire))
                .field("policy", &bucket.policy)
                .finish(),
        }
    }
}
