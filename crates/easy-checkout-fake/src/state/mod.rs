//! Everything the fake remembers, behind one lock. Every reader reaches it through
//! [`Shared::state`], which first forgets whatever is due, so each sees the fake within its
//! [`Limits`]; its guard wakes whoever waits for the deliveries when they changed.

pub(crate) mod deliveries;
pub(crate) mod idempotency;
pub(crate) mod log;
pub(crate) mod rate;
pub(crate) mod sessions;

use std::ops::{Deref, DerefMut};
use std::sync::atomic::AtomicUsize;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use easy_checkout_core::Vocabulary;

use crate::clock::ManualClock;
use crate::fault::{Fault, Match, Queue};
use crate::record::{RecordedRequest, Stats};
use crate::util::{lock, time_left};

use deliveries::{Deliveries, Timing};
use idempotency::IdempotencyStore;
use log::BoundedLog;
use rate::RateWindow;
use sessions::Sessions;

/// The bounds of what a fake holds; [`FakeBuilder`](crate::FakeBuilder) documents each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) recorded_requests: usize,
    pub(crate) sessions: usize,
    pub(crate) session_grace: Duration,
    pub(crate) idempotency_records: usize,
    pub(crate) connections: usize,
    pub(crate) recorded_deliveries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            recorded_requests: 10_000,
            sessions: 100_000,
            session_grace: Duration::from_secs(60 * 60),
            idempotency_records: 100_000,
            connections: 256,
            recorded_deliveries: 10_000,
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
#[derive(Debug, Default)]
pub(crate) struct Connections {
    open: usize,
    limit: usize,
    refused: u64,
    /// Distinct connections that carried a request since the fake started or was reset.
    pub(crate) served: usize,
    /// Goes up with every reset, so that a connection open across one counts again.
    generation: u64,
}

impl Connections {
    /// Takes a place for a new connection; false (counted as refused) when none is free.
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

    /// Counts a connection that carries a request, once since the last reset: `counted` is
    /// the connection's own note of when it was last counted.
    pub(crate) fn carried_request(&mut self, counted: &mut Option<u64>) {
        if *counted != Some(self.generation) {
            *counted = Some(self.generation);
            self.served += 1;
        }
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
    /// The API requests received, oldest first.
    pub(crate) requests: BoundedLog<RecordedRequest>,
    pub(crate) faults: Queue<Match, Fault>,
    pub(crate) rate: RateWindow,
    pub(crate) connections: Connections,
    pub(crate) deliveries: Deliveries,
}

impl State {
    fn new(limits: Limits, vocabulary: Vocabulary, timing: Timing, now: SystemTime) -> Self {
        Self {
            vocabulary,
            sessions: Sessions::new(limits.sessions, limits.session_grace),
            idempotency: IdempotencyStore::new(limits.idempotency_records),
            config: MerchantConfig {
                allowed_origins: Vec::new(),
                updated: now,
            },
            requests: BoundedLog::new(limits.recorded_requests),
            faults: Queue::default(),
            rate: RateWindow::new(now),
            connections: Connections {
                limit: limits.connections,
                ..Connections::default()
            },
            deliveries: Deliveries::new(timing, limits.recorded_deliveries),
        }
    }

    /// Back to a fresh fake with the same limits and vocabulary. The open connections stay
    /// open (and count again when they next carry a request); the webhook endpoints stay.
    pub(crate) fn reset(&mut self, limits: Limits, now: SystemTime) {
        let mut fresh = State::new(limits, self.vocabulary, self.deliveries.timing, now);
        fresh.connections.open = self.connections.open;
        fresh.connections.generation = self.connections.generation + 1;
        std::mem::swap(&mut fresh.deliveries, &mut self.deliveries);
        fresh.deliveries.reset();
        *self = fresh;
    }

    /// What it holds now, against its limits.
    pub(crate) fn stats(&self) -> Stats {
        Stats {
            requests: self.requests.usage(),
            sessions: self.sessions.usage(),
            idempotency_records: self.idempotency.usage(),
            deliveries: self.deliveries.log.usage(),
            pending_deliveries: self.deliveries.pending_usage(),
            connections_open: self.connections.open,
            max_connections: self.connections.limit,
            connections_refused: self.connections.refused,
        }
    }
}

/// The state, its clock and its limits, shared by every thread of one fake.
#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Notified when the deliveries changed (see [`StateGuard`]).
    deliveries_changed: Condvar,
    /// The test's clock, when it has one.
    clock: Option<ManualClock>,
    limits: Limits,
    /// Requests read and not yet answered (or closed on).
    pub(crate) in_flight: AtomicUsize,
}

impl Shared {
    pub(crate) fn new(
        limits: Limits,
        vocabulary: Vocabulary,
        timing: Timing,
        clock: Option<ManualClock>,
    ) -> Self {
        let manual = clock.as_ref();
        let now = manual.map_or_else(SystemTime::now, ManualClock::now);
        Self {
            state: Mutex::new(State::new(limits, vocabulary, timing, now)),
            deliveries_changed: Condvar::new(),
            clock,
            limits,
            in_flight: AtomicUsize::new(0),
        }
    }

    /// The state, with what is due forgotten, and the clock's reading it was swept at.
    pub(crate) fn state(&self) -> (StateGuard<'_>, SystemTime) {
        let now = self.now();
        let mut state = lock(&self.state);
        state.sessions.evict_expired(now);
        state.idempotency.evict_expired(now);
        let guard = StateGuard {
            guard: Some(state),
            shared: self,
        };
        (guard, now)
    }

    /// The fake's clock.
    pub(crate) fn now(&self) -> SystemTime {
        let clock = self.clock.as_ref();
        clock.map_or_else(SystemTime::now, ManualClock::now)
    }

    /// [`FakeEasy::wait_for_deliveries`](crate::FakeEasy::wait_for_deliveries).
    pub(crate) fn wait_for_deliveries(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let (mut state, _) = self.state();
        while !state.deliveries.settled() {
            let Some(left) = time_left(deadline) else {
                return false;
            };
            state = state.wait(left);
        }
        true
    }

    /// Back to a fresh fake ([`State::reset`]).
    pub(crate) fn reset(&self) {
        let (mut state, now) = self.state();
        state.reset(self.limits, now);
    }
}

/// The locked state. Whoever changed the deliveries through it wakes, on release, every
/// thread in [`StateGuard::wait`], so no path that makes or finishes a delivery can forget to.
#[derive(Debug)]
pub(crate) struct StateGuard<'a> {
    /// `None` only inside [`StateGuard::wait`].
    guard: Option<MutexGuard<'a, State>>,
    shared: &'a Shared,
}

impl StateGuard<'_> {
    /// Releases the state until the deliveries change or `timeout` passes, then takes it
    /// again. Wakes the others first if this guard changed them.
    pub(crate) fn wait(mut self, timeout: Duration) -> Self {
        self.wake_if_changed();
        if let Some(guard) = self.guard.take() {
            let waited = self.shared.deliveries_changed.wait_timeout(guard, timeout);
            self.guard = Some(waited.unwrap_or_else(PoisonError::into_inner).0);
        }
        self
    }

    /// Wakes every thread waiting for the deliveries to change, if this guard changed them.
    fn wake_if_changed(&mut self) {
        let state = self.guard.as_mut();
        if state.is_some_and(|state| state.deliveries.take_changed()) {
            self.shared.deliveries_changed.notify_all();
        }
    }
}

impl Deref for StateGuard<'_> {
    type Target = State;

    fn deref(&self) -> &State {
        // Always set outside `wait`, which takes the guard by value.
        self.guard.as_deref().expect("the state guard is held")
    }
}

impl DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut State {
        self.guard.as_deref_mut().expect("the state guard is held")
    }
}

impl Drop for StateGuard<'_> {
    fn drop(&mut self) {
        self.wake_if_changed();
    }
}
