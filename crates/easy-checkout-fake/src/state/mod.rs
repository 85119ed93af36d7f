//! Everything the fake remembers, behind one lock: the vocabulary it answers in, the
//! sessions, the idempotency records, the merchant's config, the recorded requests, the
//! queued faults, the rate-limit window and the connection counts. The API, the control API and the serving layer all reach it
//! through [`Shared::state`], which first forgets whatever is due to be forgotten, so every
//! reader sees the fake within its [`Limits`].

pub(crate) mod idempotency;
pub(crate) mod log;
pub(crate) mod rate;
pub(crate) mod sessions;

use std::sync::atomic::AtomicUsize;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use easy_checkout_core::Vocabulary;

use crate::clock::Clock;
use crate::fault::FaultQueue;
use crate::record::{RecordedRequest, Stats};
use crate::util::lock;

use idempotency::IdempotencyStore;
use log::BoundedLog;
use rate::RateWindow;
use sessions::Sessions;

/// The bounds of what a fake holds; [`FakeBuilder`](crate::FakeBuilder) documents each
/// default and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) recorded_requests: usize,
    pub(crate) sessions: usize,
    pub(crate) session_grace: Duration,
    pub(crate) idempotency_records: usize,
    pub(crate) connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            recorded_requests: 10_000,
            sessions: 100_000,
            session_grace: Duration::from_secs(60 * 60),
            idempotency_records: 100_000,
            connections: 256,
        }
    }
}

/// The merchant's embedded-checkout config.
#[derive(Debug)]
pub(crate) struct MerchantConfig {
    /// An empty list allows every origin.
    pub(crate) allowed_origins: Vec<String>,
    pub(crate) updated: SystemTime,
}

/// Client connections: how many are open, refused, and have carried a request.
#[derive(Debug)]
pub(crate) struct Connections {
    open: usize,
    limit: usize,
    refused: u64,
    served: usize,
    /// Goes up with every reset, so that a connection open across one counts again.
    generation: u64,
}

impl Connections {
    /// Takes a place for a new connection; false (and counted as refused) when every place
    /// is taken.
    pub(crate) fn open(&mut self) -> bool {
        if self.open >= self.limit {
            self.refused += 1;
            return false;
        }
        self.open += 1;
        true
    }

    /// Gives back the place of a connection that [`Connections::open`] let in.
    pub(crate) fn close(&mut self) {
        self.open = self.open.saturating_sub(1);
    }

    /// Counts a connection that carries a request, once per connection since the last
    /// reset: `counted` is the connection's own note of when it was last counted.
    pub(crate) fn carried_request(&mut self, counted: &mut Option<u64>) {
        if *counted != Some(self.generation) {
            *counted = Some(self.generation);
            self.served += 1;
        }
    }

    /// How many distinct connections carried a request since the fake started or was reset.
    pub(crate) fn served(&self) -> usize {
        self.served
    }
}

/// The mutable state behind the one lock.
#[derive(Debug)]
pub(crate) struct State {
    /// The vocabulary the API answers in (a setting: a reset keeps it).
    pub(crate) vocabulary: Vocabulary,
    pub(crate) sessions: Sessions,
    pub(crate) idempotency: IdempotencyStore,
    pub(crate) config: MerchantConfig,
    /// The API requests received, in arrival order (control requests are not recorded).
    pub(crate) requests: BoundedLog<RecordedRequest>,
    pub(crate) faults: FaultQueue,
    pub(crate) rate: RateWindow,
    pub(crate) connections: Connections,
}

impl State {
    fn new(limits: Limits, vocabulary: Vocabulary, now: SystemTime) -> Self {
        Self {
            vocabulary,
            sessions: Sessions::new(limits.sessions, limits.session_grace),
            idempotency: IdempotencyStore::new(limits.idempotency_records),
            config: MerchantConfig {
                allowed_origins: Vec::new(),
                updated: now,
            },
            requests: BoundedLog::new(limits.recorded_requests),
            faults: FaultQueue::default(),
            rate: RateWindow::new(now),
            connections: Connections {
                open: 0,
                limit: limits.connections.max(1),
                refused: 0,
                served: 0,
                generation: 0,
            },
        }
    }

    /// Back to a fresh fake with the same limits and vocabulary: no session, record,
    /// request, fault or counted connection; the open connections stay open, and count again
    /// when they next carry a request.
    pub(crate) fn reset(&mut self, limits: Limits, now: SystemTime) {
        let mut fresh = State::new(limits, self.vocabulary, now);
        fresh.connections.open = self.connections.open;
        fresh.connections.generation = self.connections.generation + 1;
        *self = fresh;
    }

    /// What it holds now, against its limits.
    pub(crate) fn stats(&self) -> Stats {
        Stats {
            requests: self.requests.usage(),
            sessions: self.sessions.usage(),
            idempotency_records: self.idempotency.usage(),
            connections_open: self.connections.open,
            max_connections: self.connections.limit,
            connections_refused: self.connections.refused,
        }
    }

    /// Forgets what is due to be forgotten at `now`.
    fn sweep(&mut self, now: SystemTime) {
        self.sessions.evict_expired(now);
        self.idempotency.evict_expired(now);
    }
}

/// The state, its clock and its limits, shared by every thread of one fake.
#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    clock: Clock,
    limits: Limits,
    /// Requests read and not yet answered (or closed on).
    pub(crate) in_flight: AtomicUsize,
}

impl Shared {
    pub(crate) fn new(limits: Limits, vocabulary: Vocabulary, clock: Clock) -> Self {
        Self {
            state: Mutex::new(State::new(limits, vocabulary, clock.now())),
            clock,
            limits,
            in_flight: AtomicUsize::new(0),
        }
    }

    /// The state, with what is due forgotten, and the clock's reading it was swept at.
    pub(crate) fn state(&self) -> (MutexGuard<'_, State>, SystemTime) {
        let now = self.clock.now();
        let mut state = lock(&self.state);
        state.sweep(now);
        (state, now)
    }

    /// Back to a fresh fake ([`State::reset`]).
    pub(crate) fn reset(&self) {
        let (mut state, now) = self.state();
        state.reset(self.limits, now);
    }
}
