//! A log of bounded length, for whatever the fake records for tests to read later.

use std::collections::VecDeque;

use crate::record::Usage;

/// The newest `limit` entries, oldest first, and how many older ones were dropped.
#[derive(Debug)]
pub(crate) struct BoundedLog<T> {
    entries: VecDeque<T>,
    limit: usize,
    dropped: u64,
}

impl<T> Default for BoundedLog<T> {
    fn default() -> Self {
        Self::new(0)
    }
}

impl<T> BoundedLog<T> {
    /// An empty log that keeps at most `limit` entries (`0` keeps none and counts each).
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            limit,
            dropped: 0,
        }
    }

    /// Appends `entry`, dropping the oldest when the log is full.
    pub(crate) fn push(&mut self, entry: T) {
        if self.limit == 0 {
            self.dropped += 1;
            return;
        }
        if self.entries.len() == self.limit {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(entry);
    }

    /// The entries, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.entries.iter()
    }

    /// Forgets every entry, and the count of dropped ones.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.dropped = 0;
    }

    /// How full it is, and how many entries it dropped since it was made or cleared.
    pub(crate) fn usage(&self) -> Usage {
        Usage::new(self.entries.len(), self.limit, self.dropped)
    }
}
