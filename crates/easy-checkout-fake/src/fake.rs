//! [`FakeBuilder`] and [`FakeEasy`], the handle a test holds.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use easy_checkout_core::Vocabulary;
use easy_checkout_core::webhook::WebhookSecret;

use crate::api::{self, views};
use crate::clock::ManualClock;
use crate::deliver::Deliverer;
use crate::endpoint::{EndpointError, EndpointUrl};
use crate::fault::{DeliveryFault, EventMatch, Fault, Match};
use crate::record::{DeliveryAttempt, RecordedRequest, SignedWebhook, Stats, WebhookEndpoint};
use crate::serve::Listening;
#[cfg(feature = "tls")]
use crate::serve::tls::FakeTls;
use crate::state::deliveries::{MAX_ENDPOINTS, Timing};
use crate::state::sessions::Payment;
use crate::state::{Limits, Shared};

/// How to start a fake. The default bounds keep a fake that serves for days at full speed
/// within about 160 MiB (every store full; measured in the workspace's `docs/fake.md`).
///
/// ```
/// use std::time::Duration;
/// use easy_checkout_fake::FakeEasy;
///
/// let fake = FakeEasy::builder()
///     .max_recorded_requests(100)
///     .max_connections(8)
///     .session_grace(Duration::from_secs(60))
///     .start()?;
/// assert_eq!(fake.stats().requests.limit, 100);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "a builder does nothing until `start`"]
pub struct FakeBuilder {
    port: u16,
    limits: Limits,
    vocabulary: Vocabulary,
    clock: Option<ManualClock>,
    timing: Timing,
    endpoints: Vec<EndpointUrl>,
    #[cfg(feature = "tls")]
    tls: Option<FakeTls>,
}

impl FakeBuilder {
    /// Listens on `127.0.0.1:port`; `0`, the default, picks a free port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Serves https with `tls` (see [`FakeEasy::start_tls`]).
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: FakeTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Answers in `vocabulary`, the SDK page's by default (the workspace's `docs/fake.md` sets
    /// the two side by side). Requests are read in both whatever the setting.
    pub fn vocabulary(mut self, vocabulary: Vocabulary) -> Self {
        self.vocabulary = vocabulary;
        self
    }

    /// Reads `clock` instead of the system's (see [`ManualClock`] for what it governs).
    pub fn clock(mut self, clock: ManualClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Keeps the newest `n` recorded requests; older ones are dropped and counted in
    /// [`Stats::requests`]. `0` records none. Default 10,000: far more than a test looks at,
    /// at about 1 KiB each.
    pub fn max_recorded_requests(mut self, n: usize) -> Self {
        self.limits.recorded_requests = n;
        self
    }

    /// Holds at most `n` sessions (at least 1): above that the oldest is forgotten (and
    /// answers `404 SESSION_NOT_FOUND`). Default 100,000, at about 0.5 KiB each.
    pub fn max_sessions(mut self, n: usize) -> Self {
        self.limits.sessions = n.max(1);
        self
    }

    /// Forgets a session `grace` after its `expires_at`, paid or not. Default one hour:
    /// long enough for a poll, a webhook handler or a person to see how a session ended.
    pub fn session_grace(mut self, grace: Duration) -> Self {
        self.limits.session_grace = grace;
        self
    }

    /// Remembers at most `n` `Idempotency-Key`s (at least 1), each for 24 hours: above that
    /// the oldest is forgotten, and a request that repeats it runs again. Default 100,000: an
    /// SDK retry comes within minutes, so it finds its key below 660 keyed writes a second.
    pub fn max_idempotency_records(mut self, n: usize) -> Self {
        self.limits.idempotency_records = n.max(1);
        self
    }

    /// Serves at most `n` connections at once (at least 1); one more is answered
    /// `503 TOO_MANY_CONNECTIONS` (with `Retry-After: 1`) and closed. Default 256: each
    /// holds a thread, and that leaves room for dozens of clients.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.limits.connections = n.max(1);
        self
    }

    /// Registers `url` as [`FakeEasy::add_webhook_endpoint`] does, once per call.
    pub fn webhook_endpoint(mut self, url: &str) -> Result<Self, EndpointError> {
        let url = EndpointUrl::parse(url)?;
        if self.endpoints.len() >= MAX_ENDPOINTS {
            return Err(EndpointError::TooMany {
                limit: MAX_ENDPOINTS,
            });
        }
        self.endpoints.push(url);
        Ok(self)
    }

    /// Gives a webhook endpoint `deadline` (at least 1 ms) to answer an attempt in whole,
    /// from connecting to the answer's last byte, else the attempt failed. Default 30 s, as
    /// Easy documents.
    pub fn webhook_deadline(mut self, deadline: Duration) -> Self {
        self.timing.deadline = deadline.max(Duration::from_millis(1));
        self
    }

    /// Waits `backoff` after a failed first attempt, and twice that after a failed second
    /// (3 attempts in all). Default 10 s (Easy documents none): long enough to restart a
    /// crashed receiver, short enough to see all three within two minutes.
    pub fn webhook_backoff(mut self, backoff: Duration) -> Self {
        self.timing.backoff = backoff;
        self
    }

    /// Keeps the newest `n` delivery attempts in [`FakeEasy::deliveries`]; older ones are
    /// dropped and counted in [`Stats::deliveries`]. Default 10,000, at about 0.3 KiB each.
    pub fn max_recorded_deliveries(mut self, n: usize) -> Self {
        self.limits.recorded_deliveries = n;
        self
    }

    /// Starts the fake.
    pub fn start(self) -> io::Result<FakeEasy> {
        let (limits, vocabulary, timing) = (self.limits, self.vocabulary, self.timing);
        let shared = Arc::new(Shared::new(limits, vocabulary, timing, self.clock));
        for url in self.endpoints {
            let added = shared.state().0.deliveries.add_endpoint(url);
            added.map_err(io::Error::other)?;
        }
        let deliverer = Deliverer::start(Arc::clone(&shared))?;
        let listening = Listening::start(
            self.port,
            Arc::clone(&shared),
            #[cfg(feature = "tls")]
            self.tls,
        )?;
        Ok(FakeEasy {
            shared,
            listening,
            _deliverer: deliverer,
        })
    }
}

/// A running fake Easy API on `127.0.0.1`. Dropping it stops the server and the webhook
/// deliveries, closes every connection and joins its threads.
pub struct FakeEasy {
    shared: Arc<Shared>,
    listening: Listening,
    /// Stops the deliveries when dropped (after the server: no payment can come in then).
    _deliverer: Deliverer,
}

impl fmt::Debug for FakeEasy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeEasy")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl FakeEasy {
    /// An API key the fake accepts (as it does any `sk_test_X` or `sk_live_X` but
    /// [`FakeEasy::REVOKED_KEY`]).
    pub const TEST_KEY: &'static str = "sk_test_fake_key";
    /// A well-formed key that is always refused with `401 INVALID_API_KEY`.
    pub const REVOKED_KEY: &'static str = api::REVOKED_KEY;
    /// The public key `GET /validate-key` returns as `basisTheoryPublicApiKey`.
    pub const PUBLIC_KEY: &'static str = api::PUBLIC_KEY;
    /// The secret every webhook of the fake is signed with: configure your receiver with it.
    pub const WEBHOOK_SECRET: &'static str = api::WEBHOOK_SECRET;
    /// A card token that `confirm` declines with `402 CARD_DECLINED`; the session stays open.
    pub const DECLINE_TOKEN: &'static str = api::DECLINE_TOKEN;

    /// Starts a fake on `127.0.0.1` on a free port, with the default settings.
    pub fn start() -> io::Result<FakeEasy> {
        Self::builder().start()
    }

    /// Starts a fake on `127.0.0.1:port` (`0` picks a free port).
    pub fn start_on(port: u16) -> io::Result<FakeEasy> {
        Self::builder().port(port).start()
    }

    /// A fake to set up before it starts.
    pub fn builder() -> FakeBuilder {
        FakeBuilder::default()
    }

    /// Starts a fake that serves https on a free port with a [`FakeTls::generate`]d
    /// certificate. A connection whose handshake fails is closed and records nothing.
    #[cfg(feature = "tls")]
    pub fn start_tls() -> io::Result<FakeEasy> {
        Self::builder().tls(FakeTls::generate()?).start()
    }

    /// Starts a fake that serves https with `tls` on `127.0.0.1:port` (`0` picks a free port).
    #[cfg(feature = "tls")]
    pub fn start_tls_with(tls: FakeTls, port: u16) -> io::Result<FakeEasy> {
        Self::builder().tls(tls).port(port).start()
    }

    /// The PEM of the certificate authority a client must trust; `None` over plain http.
    #[cfg(feature = "tls")]
    pub fn ca_pem(&self) -> Option<&str> {
        self.listening.tls().map(FakeTls::ca_pem)
    }

    /// `http://127.0.0.1:PORT` (`https://` over TLS), without a trailing slash.
    pub fn base_url(&self) -> String {
        #[cfg(feature = "tls")]
        if self.listening.tls().is_some() {
            return format!("https://{}", self.addr());
        }
        format!("http://{}", self.addr())
    }

    /// The address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.listening.addr()
    }

    /// [`FakeEasy::WEBHOOK_SECRET`], as the SDK takes it.
    pub fn webhook_secret(&self) -> WebhookSecret {
        WebhookSecret::new(Self::WEBHOOK_SECRET)
    }

    /// The vocabulary the fake answers in ([`FakeBuilder::vocabulary`]).
    pub fn vocabulary(&self) -> Vocabulary {
        self.shared.state().0.vocabulary
    }

    /// Answers in `vocabulary` from the next request on; the state stays, and a
    /// [`FakeEasy::reset`] keeps the setting.
    pub fn set_vocabulary(&self, vocabulary: Vocabulary) {
        self.shared.state().0.vocabulary = vocabulary;
    }

    /// The API requests received (faulted ones included, control requests not), oldest
    /// first: the newest [`max_recorded_requests`](FakeBuilder::max_recorded_requests).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().0.requests.iter().cloned().collect()
    }

    /// Forgets the recorded requests and the count of dropped ones, nothing else.
    pub fn clear_requests(&self) {
        self.shared.state().0.requests.clear();
    }

    /// What the fake holds now against its limits.
    pub fn stats(&self) -> Stats {
        self.shared.state().0.stats()
    }

    /// How many distinct TCP connections have carried a request since the fake started or
    /// was reset (a keep-alive connection counts once).
    pub fn connections(&self) -> usize {
        self.shared.state().0.connections.served
    }

    /// Queues `fault` for the next request (after any faults already queued).
    pub fn inject(&self, fault: Fault) {
        self.inject_n(fault, 1);
    }

    /// Queues `fault` for each of the next `n` requests.
    pub fn inject_n(&self, fault: Fault, n: usize) {
        self.inject_matching(Match::any(), fault, n);
    }

    /// Queues `fault` for each of the next `n` requests that `when` matches.
    pub fn inject_matching(&self, when: Match, fault: Fault, n: usize) {
        self.shared.state().0.faults.push(when, fault, n);
    }

    /// Waits until no request is being handled, for at most `timeout`; false if one still
    /// is (a [`Fault::Delay`] longer than the client's timeout finishes after it gave up).
    /// A request counts from when the fake has read its head (it is then in [`requests`]) to
    /// its answer: one still unread in the socket does not, so after a client gave up, wait
    /// for its request to show in [`requests`] first.
    ///
    /// [`requests`]: FakeEasy::requests
    pub fn wait_until_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.shared.in_flight.load(Ordering::SeqCst) != 0 {
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(1));
        }
        true
    }

    /// How many queued faults no request has taken yet.
    pub fn pending_faults(&self) -> usize {
        self.shared.state().0.faults.len()
    }

    /// One session's whole state as `GET /__fake/sessions/{id}` answers it; `None` for an
    /// unknown (or forgotten) id.
    pub fn session(&self, session_id: &str) -> Option<serde_json::Value> {
        let (mut state, now) = self.shared.state();
        let vocabulary = state.vocabulary;
        let session = state.sessions.get(session_id, now)?;
        Some(views::session_state(session, vocabulary))
    }

    /// Every session's [`FakeEasy::session`], in creation order.
    pub fn sessions(&self) -> Vec<serde_json::Value> {
        let (mut state, now) = self.shared.state();
        let vocabulary = state.vocabulary;
        let view = |s| views::session_state(s, vocabulary);
        state.sessions.all(now).into_iter().map(view).collect()
    }

    /// Back to a fresh fake; the settings, the webhook endpoints and open connections stay.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Replaces the allowed origins, as `PATCH /embedded-checkout/config` does. An empty list
    /// allows every origin.
    pub fn set_allowed_origins(&self, origins: Vec<String>) {
        let (mut state, now) = self.shared.state();
        state.config.allowed_origins = origins;
        state.config.updated = now;
    }

    /// Pays the session as a successful confirm would, even an expired one; false if the id
    /// is unknown. The first payment causes its `checkout.session.completed` webhook.
    pub fn mark_paid(&self, session_id: &str) -> bool {
        let (mut state, now) = self.shared.state();
        api::pay(&mut state, session_id, now, Payment::Card)
    }

    /// As [`FakeEasy::mark_paid`], plus a confirmed on-chain payment that `crypto-status`
    /// then reports. Causes `checkout.session.completed` (unless already paid), then
    /// `checkout.session.crypto_confirmed`.
    pub fn mark_crypto_paid(&self, session_id: &str) -> bool {
        let (mut state, now) = self.shared.state();
        api::pay(&mut state, session_id, now, Payment::Crypto)
    }

    /// Sets the session's `status` to `expired`. False if the id is unknown.
    pub fn expire(&self, session_id: &str) -> bool {
        let (mut state, now) = self.shared.state();
        state.sessions.expire(session_id, now)
    }

    /// The newest signed webhook event of a paid session (the delivered event id, `data` the
    /// session as it is now), for a test that posts it itself; `None` for an unpaid session.
    pub fn webhook_for(&self, session_id: &str) -> Option<SignedWebhook> {
        let (mut state, now) = self.shared.state();
        let vocabulary = state.vocabulary;
        views::signed_webhook(state.sessions.get(session_id, now)?, vocabulary)
    }

    /// Registers a webhook endpoint: from now on every event is POSTed to `url` as Easy
    /// delivers it, one at a time per endpoint in the order the events happened, retried
    /// without a 2xx answer within the [deadline](FakeBuilder::webhook_deadline), 3 attempts
    /// in all. Only `http://` URLs (the fake has no TLS client), at most 5 (Easy's limit).
    pub fn add_webhook_endpoint(&self, url: &str) -> Result<WebhookEndpoint, EndpointError> {
        let url = EndpointUrl::parse(url)?;
        self.shared.state().0.deliveries.add_endpoint(url)
    }

    /// Removes webhook endpoint `id` and gives up its waiting deliveries; false if unknown.
    ///
    /// ```
    /// let fake = easy_checkout_fake::FakeEasy::start()?;
    /// fake.add_webhook_endpoint("http://127.0.0.1:3000/webhooks")?;
    /// assert!(fake.remove_webhook_endpoint("we_1"));
    /// assert!(!fake.remove_webhook_endpoint("we_1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove_webhook_endpoint(&self, id: &str) -> bool {
        self.shared.state().0.deliveries.remove_endpoint(id)
    }

    /// The registered webhook endpoints, oldest first.
    pub fn webhook_endpoints(&self) -> Vec<WebhookEndpoint> {
        self.shared.state().0.deliveries.endpoints()
    }

    /// The delivery log: every attempt to deliver an event, oldest first (the newest
    /// [`max_recorded_deliveries`](FakeBuilder::max_recorded_deliveries)).
    pub fn deliveries(&self) -> Vec<DeliveryAttempt> {
        let (state, _) = self.shared.state();
        state.deliveries.log.iter().cloned().collect()
    }

    /// Waits until every webhook delivery is done (delivered, or failed after its last
    /// attempt; one a fault holds back still waits), for at most `timeout`; false if one is
    /// not.
    pub fn wait_for_deliveries(&self, timeout: Duration) -> bool {
        self.shared.wait_for_deliveries(timeout)
    }

    /// Queues `fault` for each of the next `n` deliveries (one event to one endpoint; for
    /// [`DeliveryFault::DropAttempt`], attempts) of the events `when` selects.
    ///
    /// ```
    /// use easy_checkout_fake::{DeliveryFault, EventMatch, FakeEasy};
    /// let fake = FakeEasy::start()?;
    /// let completed = EventMatch::any().event_type("checkout.session.completed");
    /// fake.inject_delivery(completed, DeliveryFault::Duplicate, 1);
    /// assert_eq!(fake.pending_delivery_faults(), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn inject_delivery(&self, when: EventMatch, fault: DeliveryFault, n: usize) {
        self.shared.state().0.deliveries.faults.push(when, fault, n);
    }

    /// How many queued delivery faults no delivery has taken yet.
    pub fn pending_delivery_faults(&self) -> usize {
        self.shared.state().0.deliveries.faults.len()
    }
}
