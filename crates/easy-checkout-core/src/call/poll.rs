//! [`PollPolicy`]: how often to poll while waiting for a session to be paid, and when to
//! stop (the schedule [`PaymentWait`](crate::call::PaymentWait) follows). Plain settings:
//! the clock is the driver's.

use std::time::Duration;

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
