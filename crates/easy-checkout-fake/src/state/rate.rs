//! The rate-limit window the fake reports in the IETF headers but never enforces: 100
//! requests a fixed 60 s window (inject a `429` to see a refusal).

use std::time::{Duration, SystemTime};

const LIMIT: u64 = 100;
const WINDOW: Duration = Duration::from_secs(60);

/// The window now: when it started and what is left of it.
#[derive(Debug)]
pub(crate) struct RateWindow {
    start: SystemTime,
    remaining: u64,
}

/// What the headers of one reply say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateLimit {
    pub(crate) limit: u64,
    pub(crate) remaining: u64,
    /// Whole seconds until the window starts over, at least 1.
    pub(crate) reset: u64,
}

impl RateWindow {
    /// A full window starting at `now`.
    pub(crate) fn new(now: SystemTime) -> Self {
        Self {
            start: now,
            remaining: LIMIT,
        }
    }

    /// Counts one request at `now`, starting a new window when the last one is over.
    pub(crate) fn tick(&mut self, now: SystemTime) -> RateLimit {
        let mut elapsed = now.duration_since(self.start).unwrap_or_default();
        if elapsed >= WINDOW {
            *self = Self::new(now);
            elapsed = Duration::ZERO;
        }
        self.remaining = self.remaining.saturating_sub(1);
        let left = WINDOW.saturating_sub(elapsed);
        RateLimit {
            limit: LIMIT,
            remaining: self.remaining,
            reset: (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_and_starts_over() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut window = RateWindow::new(start);
        let first = window.tick(start);
        assert_eq!((first.limit, first.remaining, first.reset), (100, 99, 60));
        for _ in 0..150 {
            window.tick(start + Duration::from_millis(1500));
        }
        let last = window.tick(start + Duration::from_secs(2));
        assert_eq!((last.remaining, last.reset), (0, 58));
        let fresh = window.tick(start + Duration::from_secs(61));
        assert_eq!((fresh.remaining, fresh.reset), (99, 60));
    }
}
