//! The remembered `Idempotency-Key`s: for each key (in its scope) the first request and its
//! reply, so that a retry is replayed rather than applied twice. Forgotten after
//! [`RETENTION`], or oldest first above the limit.
//!
//! Records must outlive a client's retries: the SDK's end within minutes, a caller retrying
//! by hand does so within the session's 30 minutes. A day, as Stripe keeps its keys, covers
//! both; the count limit bounds memory when a soak sends keyed writes faster than that.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::record::Usage;
use crate::reply::Reply;
use crate::util::room_to_churn;

pub(crate) const RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// The first request that carried a key, and the reply it got.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) body: Vec<u8>,
    pub(crate) reply: Reply,
}

/// Records by scope and key.
#[derive(Debug, Default)]
pub(crate) struct IdempotencyStore {
    /// Boxed, to keep the table (sized for churn, see [`room_to_churn`]) small.
    records: HashMap<Arc<str>, Box<Record>>,
    /// The slots, oldest first, with the time each was stored.
    order: VecDeque<(Arc<str>, SystemTime)>,
    limit: usize,
    evicted: u64,
}

impl IdempotencyStore {
    /// An empty store that holds at most `limit` records.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }

    /// The record of `key` in `scope` (an API key, or a session's client secret).
    pub(crate) fn get(&self, scope: &str, key: &str) -> Option<&Record> {
        self.records.get(slot(scope, key).as_ref()).map(Box::as_ref)
    }

    /// Remembers `record` for `key` in `scope`; the oldest record is forgotten if that makes
    /// one too many.
    pub(crate) fn insert(&mut self, scope: &str, key: &str, record: Record, now: SystemTime) {
        let slot = slot(scope, key);
        let old = self.records.insert(Arc::clone(&slot), Box::new(record));
        if old.is_none() {
            self.order.push_back((slot, now));
        }
        while self.records.len() > self.limit {
            self.evict_oldest();
        }
        room_to_churn(&mut self.records, self.limit);
    }

    /// Forgets every record stored [`RETENTION`] ago or earlier.
    pub(crate) fn evict_expired(&mut self, now: SystemTime) {
        while let Some((_, stored)) = self.order.front() {
            match stored.checked_add(RETENTION) {
                Some(deadline) if now >= deadline => self.evict_oldest(),
                _ => break,
            }
        }
    }

    fn evict_oldest(&mut self) {
        if let Some((slot, _)) = self.order.pop_front() {
            self.records.remove(&slot);
            self.evicted += 1;
        }
    }

    pub(crate) fn usage(&self) -> Usage {
        Usage::new(self.records.len(), self.limit, self.evicted)
    }
}

/// One string per (scope, key): a key is a header value and holds no NUL, so splitting at
/// the last NUL gives the pair back, and two pairs never share a slot.
fn slot(scope: &str, key: &str) -> Arc<str> {
    Arc::from(format!("{scope}\0{key}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(n: u64) -> Record {
        Record {
            method: "POST".to_owned(),
            target: "/embedded-checkout".to_owned(),
            body: n.to_string().into_bytes(),
            reply: Reply::data(json!(n)),
        }
    }

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
    }

    #[test]
    fn records_are_scoped_and_kept_for_a_day() {
        let mut store = IdempotencyStore::new(10);
        store.insert("key:a", "k1", record(1), at(0));
        store.insert("key:b", "k1", record(2), at(10));
        assert_eq!(store.get("key:a", "k1").unwrap().body, b"1");
        assert_eq!(store.get("key:b", "k1").unwrap().body, b"2");
        assert!(store.get("key:a", "k2").is_none());
        assert!(
            store.get("key:a\0k1", "").is_none(),
            "no two pairs share a slot"
        );

        store.evict_expired(at(RETENTION.as_secs() - 1));
        assert_eq!(store.usage().kept, 2);
        store.evict_expired(at(RETENTION.as_secs()));
        assert!(store.get("key:a", "k1").is_none());
        assert!(store.get("key:b", "k1").is_some());
        assert_eq!(store.usage().dropped, 1);
    }
}
