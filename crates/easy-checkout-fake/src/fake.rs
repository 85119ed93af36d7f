//! The handle a test holds: [`FakeBuilder`] to set a fake up, [`FakeEasy`] to drive and
//! inspect a running one. Every method is a short walk into the state or the serving layer.

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
use crate::clock::{Clock, ManualClock};
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

/// How to start a fake: its port, https, clock, webhook endpoints and delivery timing, and
/// the bounds of what it holds.
/// [`FakeEasy::builder`] starts from the defaults, which keep a fake that serves for days
/// at full speed within about 160 MiB (every store full; measured in the workspace's
/// `docs/fake.md`), and a test's fake far below that.
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
    clock: Clock,
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
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn tls(mut self, tls: FakeTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Answers in `vocabulary`: the SDK page's (the default) or the API reference's (the
    /// full `{"success", "timestamp", "message", "data"}` envelope, `payment_status: "paid"`,
    /// integer cents, `data: null` from validate and confirm, webhook events with `created`
    /// and `api_version`; see [the crate docs](crate#two-vocabularies)). Requests are read
    /// in both vocabularies whatever the setting. [`FakeEasy::set_vocabulary`] changes it on
    /// a running fake.
    ///
    /// ```
    /// use easy_checkout_fake::FakeEasy;
    /// use easy_checkout_ureq::easy_checkout_core::Vocabulary;
    /// let fake = FakeEasy::builder().vocabulary(Vocabulary::Reference).start()?;
    /// assert_eq!(fake.vocabulary(), Vocabulary::Reference);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn vocabulary(mut self, vocabulary: Vocabulary) -> Self {
        self.vocabulary = vocabulary;
        self
    }

    /// Reads `clock` instead of the system's for every timestamp, session expiry, eviction
    /// and the rate-limit window, so a test moves time by hand. Fault delays and socket
    /// timeouts still run in real time.
    pub fn clock(mut self, clock: ManualClock) -> Self {
        self.clock = Clock::Manual(clock);
        self
    }

    /// Keeps the newest `n` recorded requests ([`FakeEasy::requests`]); older ones are
    /// dropped and counted in [`Stats::requests`]. `0` records none.
    ///
    /// Default 10,000: far more than one test looks at, or than a suite that clears between
    /// tests makes, while a request costs about 1 KiB recorded, so the log stays near 10 MiB.
    pub fn max_recorded_requests(mut self, n: usize) -> Self {
        self.limits.recorded_requests = n;
        self
    }

    /// Holds at most `n` sessions (at least 1): above that the oldest is forgotten, and
    /// answers `404 SESSION_NOT_FOUND` from then on.
    ///
    /// Default 100,000: a session costs about 0.5 KiB, so about 55 MiB at most. A test loses
    /// a session this way only if 100,000 others are created while it still uses it.
    pub fn max_sessions(mut self, n: usize) -> Self {
        self.limits.sessions = n.max(1);
        self
    }

    /// Forgets a session `grace` after its `expires_at` (30 minutes after it was created),
    /// paid or not; until then it reads as it is (`expired` if it was never paid).
    ///
    /// Default one hour: long enough for a poll, a webhook handler or a person at the
    /// control API to see how a session ended.
    pub fn session_grace(mut self, grace: Duration) -> Self {
        self.limits.session_grace = grace;
        self
    }

    /// Remembers at most `n` `Idempotency-Key`s (at least 1): above that the oldest is
    /// forgotten, and a request that repeats it runs again. Each is also forgotten 24 hours
    /// after it was first used.
    ///
    /// Default 100,000: a retry of the SDK comes within about two and a half minutes of the
    /// first attempt, so it finds its key unless 100,000 other keyed writes came in between
    /// (660 a second, sustained). A key costs about 0.85 KiB, so about 85 MiB at most.
    pub fn max_idempotency_records(mut self, n: usize) -> Self {
        self.limits.idempotency_records = n.max(1);
        self
    }

    /// Serves at most `n` connections at once (at least 1); one more is answered
    /// `503 TOO_MANY_CONNECTIONS` (with `Retry-After: 1`) and closed, and counted in
    /// [`Stats::connections_refused`].
    ///
    /// Default 256: each connection holds a thread, and the SDK's clients keep a handful of
    /// connections each, so 256 leaves room for dozens of clients while the threads' memory
    /// stays bounded.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.limits.connections = n.max(1);
        self
    }

    /// Delivers every webhook event to `url` too (see [`FakeEasy::add_webhook_endpoint`]);
    /// call it once per endpoint. The URL is checked here: an error when it is not an
    /// absolute `http://` URL, or when it would be one endpoint too many.
    ///
    /// ```
    /// use std::time::Duration;
    /// use easy_checkout_fake::{EndpointError, FakeEasy};
    ///
    /// let fake = FakeEasy::builder()
    ///     .webhook_endpoint("http://127.0.0.1:3000/webhooks")?
    ///     .webhook_deadline(Duration::from_millis(500))
    ///     .webhook_backoff(Duration::from_millis(50))
    ///     .start()?;
    /// assert_eq!(fake.webhook_endpoints()[0].url, "http://127.0.0.1:3000/webhooks");
    ///
    /// let refused = FakeEasy::builder().webhook_endpoint("https://shop.example/hooks");
    /// assert!(matches!(refused, Err(EndpointError::Https { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    /// from connecting to the last byte it reads of the answer; an attempt without a whole
    /// answer by then has failed, and is retried.
    ///
    /// Default 30 seconds: what Easy documents.
    pub fn webhook_deadline(mut self, deadline: Duration) -> Self {
        self.timing.deadline = deadline.max(Duration::from_millis(1));
        self
    }

    /// Waits `backoff` after a failed first attempt before the second, and twice that after
    /// a failed second before the third (the last: Easy makes 3 attempts in all).
    ///
    /// Default 10 seconds (so 10 s, then 20 s): Easy documents no backoff. Long enough for a
    /// receiver that crashed on the first attempt to be restarted (or recompiled) before the
    /// second, short enough that a person watching sees every attempt within two minutes even
    /// against an endpoint that never answers (30 + 10 + 30 + 20 + 30 s). Tests set it in
    /// milliseconds.
    pub fn webhook_backoff(mut self, backoff: Duration) -> Self {
        self.timing.backoff = backoff;
        self
    }

    /// Keeps the newest `n` delivery attempts in the log ([`FakeEasy::deliveries`]); older
    /// ones are dropped and counted in [`Stats::deliveries`]. `0` logs none.
    ///
    /// Default 10,000: an attempt costs about 0.3 KiB logged, so about 3 MiB, and a test
    /// that looks at its deliveries makes a handful.
    pub fn max_recorded_deliveries(mut self, n: usize) -> Self {
        self.limits.recorded_deliveries = n;
        self
    }

    /// Starts the fake.
    pub fn start(self) -> io::Result<FakeEasy> {
        let shared = Arc::new(Shared::new(
            self.limits,
            self.vocabulary,
            self.timing,
            self.clock,
        ));
        {
            let (mut state, _) = shared.state();
            for url in self.endpoints {
                state
                    .deliveries
                    .add_endpoint(url)
                    .map_err(io::Error::other)?;
            }
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
    /// An API key the fake accepts (so is any `sk_test_X` or `sk_live_X` with a non-empty
    /// `X`, except [`FakeEasy::REVOKED_KEY`]).
    pub const TEST_KEY: &'static str = "sk_test_fake_key";
    /// A well-formed key that is always refused with `401 INVALID_API_KEY`.
    pub const REVOKED_KEY: &'static str = api::REVOKED_KEY;
    /// The public key `GET /validate-key` returns as `basisTheoryPublicApiKey`.
    pub const PUBLIC_KEY: &'static str = api::PUBLIC_KEY;
    /// The secret every webhook of the fake is signed with ([`FakeEasy::webhook_secret`]):
    /// configure your receiver with it.
    pub const WEBHOOK_SECRET: &'static str = api::WEBHOOK_SECRET;
    /// A card token that `confirm` declines with `402 CARD_DECLINED`; the session stays
    /// open.
    pub const DECLINE_TOKEN: &'static str = api::DECLINE_TOKEN;

    /// Starts a fake on `127.0.0.1` on a free port, with the default settings.
    pub fn start() -> io::Result<FakeEasy> {
        Self::builder().start()
    }

    /// Starts a fake on `127.0.0.1:port` (`0` picks a free port).
    pub fn start_on(port: u16) -> io::Result<FakeEasy> {
        Self::builder().port(port).start()
    }

    /// A fake to set up before it starts: see [`FakeBuilder`] for every setting.
    pub fn builder() -> FakeBuilder {
        FakeBuilder::default()
    }

    /// Starts a fake that serves https on `127.0.0.1`, on a free port, with a certificate
    /// authority and a server certificate made now ([`FakeTls::generate`]): trust
    /// [`FakeEasy::ca_pem`] in the client (`RootCertificates::add_pem`, or the CLI's
    /// `--ca-cert`), and point it at [`FakeEasy::base_url`], `https://127.0.0.1:PORT`.
    /// Everything else (state, recording, faults, the control API) is as over http; a
    /// connection whose handshake fails is closed and records nothing.
    ///
    /// ```
    /// let fake = easy_checkout_fake::FakeEasy::start_tls()?;
    /// assert!(fake.base_url().starts_with("https://127.0.0.1:"));
    /// assert!(fake.ca_pem().is_some_and(|pem| pem.contains("BEGIN CERTIFICATE")));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn start_tls() -> io::Result<FakeEasy> {
        Self::builder().tls(FakeTls::generate()?).start()
    }

    /// Starts a fake that serves https with `tls` on `127.0.0.1:port` (`0` picks a free
    /// port): a certificate of your own making (an expired one, one for another host name).
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn start_tls_with(tls: FakeTls, port: u16) -> io::Result<FakeEasy> {
        Self::builder().tls(tls).port(port).start()
    }

    /// The PEM of the certificate authority a client must trust to reach a fake started with
    /// [`FakeEasy::start_tls`]; `None` for a plain http fake.
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn ca_pem(&self) -> Option<&str> {
        self.listening.tls().map(FakeTls::ca_pem)
    }

    /// `http://127.0.0.1:PORT` (`https://` for a fake over TLS), without a trailing slash:
    /// the SDK's base URL override.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme(), self.addr())
    }

    fn scheme(&self) -> &'static str {
        #[cfg(feature = "tls")]
        if self.listening.tls().is_some() {
            return "https";
        }
        "http"
    }

    /// The address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.listening.addr()
    }

    /// The signing secret of every webhook the fake delivers (and of
    /// [`FakeEasy::webhook_for`]): always `whsec_fake_secret`.
    pub fn webhook_secret(&self) -> WebhookSecret {
        WebhookSecret::new(Self::WEBHOOK_SECRET)
    }

    /// The vocabulary the fake answers in ([`FakeBuilder::vocabulary`]).
    pub fn vocabulary(&self) -> Vocabulary {
        self.shared.state().0.vocabulary
    }

    /// Answers in `vocabulary` from the next request on (what `PUT /__fake/vocabulary`
    /// does); sessions, records and requests stay, and so does the setting across
    /// [`FakeEasy::reset`].
    pub fn set_vocabulary(&self, vocabulary: Vocabulary) {
        self.shared.state().0.vocabulary = vocabulary;
    }

    /// The API requests received (control requests are not recorded), in arrival order,
    /// including requests answered by a fault: the newest
    /// [`max_recorded_requests`](FakeBuilder::max_recorded_requests) of them
    /// ([`Stats::requests`] counts the ones dropped).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().0.requests.iter().cloned().collect()
    }

    /// Forgets the recorded requests and the count of dropped ones (not the connection
    /// count, nor any other state).
    pub fn clear_requests(&self) {
        self.shared.state().0.requests.clear();
    }

    /// What the fake holds now against its limits: recorded requests, sessions, idempotency
    /// records, connections (what `GET /__fake/stats` answers).
    pub fn stats(&self) -> Stats {
        self.shared.state().0.stats()
    }

    /// How many distinct TCP connections have carried at least one request since the
    /// fake started or was reset: several requests over one keep-alive connection count once.
    pub fn connections(&self) -> usize {
        self.shared.state().0.connections.served()
    }

    /// Queues `fault` for the next request that arrives (after any faults already queued).
    pub fn inject(&self, fault: Fault) {
        self.inject_n(fault, 1);
    }

    /// Queues `fault` for each of the next `n` requests (after any faults already queued).
    pub fn inject_n(&self, fault: Fault, n: usize) {
        self.inject_matching(Match::any(), fault, n);
    }

    /// Queues `fault` for each of the next `n` requests that `when` matches (after any faults
    /// already queued); other requests pass, or take a fault queued for them.
    ///
    /// ```
    /// use easy_checkout_fake::{FakeEasy, Fault, Match};
    /// let fake = FakeEasy::start()?;
    /// // The next confirm is charged, and its reply lost; every other call passes.
    /// fake.inject_matching(Match::any().method("POST").path("/embedded-checkout/confirm"), Fault::LoseReply, 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn inject_matching(&self, when: Match, fault: Fault, n: usize) {
        self.shared.state().0.faults.push(when, fault, n);
    }

    /// Waits until no request is being handled, for at most `timeout`; false if one still
    /// is. For a test that checks the fake's state after faults whose work finishes late (a
    /// [`Fault::Delay`] longer than the client's timeout applies its request after the client
    /// gave up).
    pub fn wait_until_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.shared.in_flight.load(Ordering::SeqCst) == 0 {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(1));
        }
    }

    /// How many queued faults no request has taken yet.
    pub fn pending_faults(&self) -> usize {
        self.shared.state().0.faults.len()
    }

    /// One session's whole state as JSON (what `GET /__fake/sessions/{id}` answers): the
    /// session object with its `client_secret`, plus `payments` (how many times it was
    /// charged), `paid_at` and `crypto_payment`. `None` for an unknown (or forgotten) id.
    pub fn session(&self, session_id: &str) -> Option<serde_json::Value> {
        let (mut state, now) = self.shared.state();
        let vocabulary = state.vocabulary;
        state
            .sessions
            .get(session_id, now)
            .map(|s| views::session_state(s, vocabulary))
    }

    /// Every session's [`FakeEasy::session`], in creation order.
    pub fn sessions(&self) -> Vec<serde_json::Value> {
        let (mut state, now) = self.shared.state();
        let vocabulary = state.vocabulary;
        let sessions = state.sessions.all(now);
        let view = |s| views::session_state(s, vocabulary);
        sessions.into_iter().map(view).collect()
    }

    /// Back to a fresh fake: no sessions, idempotency records, recorded requests, queued
    /// faults, counted connections, waiting webhook deliveries, delivery log or delivery
    /// faults; the allowed origins and rate-limit window start over. The port, the settings
    /// (the vocabulary among them), the webhook endpoints and open connections stay (an
    /// attempt under way ends unlogged).
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Replaces the allowed origins (what `PATCH /embedded-checkout/config` does). An empty
    /// list allows every origin.
    pub fn set_allowed_origins(&self, origins: Vec<String>) {
        let (mut state, now) = self.shared.state();
        state.config.allowed_origins = origins;
        state.config.updated = now;
    }

    /// Marks the session paid as a successful confirm would: `status` `complete`,
    /// `payment_status` `succeeded` (`paid` in the API reference's vocabulary), a
    /// `payment_id`. Works on any known session, even an
    /// expired one. False if the id is unknown.
    /// The first payment of a session causes its `checkout.session.completed`, delivered to
    /// every webhook endpoint.
    pub fn mark_paid(&self, session_id: &str) -> bool {
        let (mut state, now) = self.shared.state();
        api::pay(&mut state, session_id, now, Payment::Card)
    }

    /// As [`FakeEasy::mark_paid`], plus a confirmed on-chain payment that
    /// `GET /embedded-checkout/{id}/crypto-status` then reports: `status` `confirmed`,
    /// `tx_signature`, `payment_address`, `chain` `solana`, `asset` `USDC` and `amount` as
    /// a decimal string (integer cents in the API reference's vocabulary). False if the id
    /// is unknown. Causes `checkout.session.completed` (unless the session was paid already),
    /// then `checkout.session.crypto_confirmed`, each delivered to every webhook endpoint, in
    /// that order.
    pub fn mark_crypto_paid(&self, session_id: &str) -> bool {
        let (mut state, now) = self.shared.state();
        api::pay(&mut state, session_id, now, Payment::Crypto)
    }

    /// Sets the session's `status` to `expired`. False if the id is unknown.
    pub fn expire(&self, session_id: &str) -> bool {
        let (mut state, now) = self.shared.state();
        state.sessions.expire(session_id, now)
    }

    /// The newest signed webhook event of a paid session, as delivered (the same event id,
    /// with `data` showing the session as it is now): `checkout.session.completed`, or
    /// `checkout.session.crypto_confirmed` for a session paid with
    /// [`FakeEasy::mark_crypto_paid`]. `None` for an unknown or unpaid session. For a test
    /// that posts the event itself; [`FakeEasy::add_webhook_endpoint`] has the fake deliver it.
    pub fn webhook_for(&self, session_id: &str) -> Option<SignedWebhook> {
        let (mut state, now) = self.shared.state();
        let vocabulary = state.vocabulary;
        views::signed_webhook(state.sessions.get(session_id, now)?, vocabulary)
    }

    /// Registers a webhook endpoint: from now on, every event (a session paid, an on-chain
    /// payment confirmed) is POSTed to `url` as Easy delivers it, off the request path:
    ///
    /// - headers `content-type: application/json`, `x-easy-webhook-signature: sha256=<hex>`
    ///   (under [`FakeEasy::webhook_secret`]), `x-easy-event` (the event type),
    ///   `x-easy-delivery-id` (a new UUID on every attempt) and `x-easy-webhook-attempt`
    ///   (`1` to `3`); the body is the event, the same bytes on every attempt;
    /// - an attempt that gets no 2xx, no connection, or no whole answer within the
    ///   [deadline](FakeBuilder::webhook_deadline) is retried after the
    ///   [backoff](FakeBuilder::webhook_backoff), up to 3 attempts in all;
    /// - one attempt at a time per endpoint, the due ones in the order their events happened
    ///   (a crypto payment's `completed` before its `crypto_confirmed`).
    ///
    /// [`FakeEasy::deliveries`] logs every attempt; [`FakeEasy::wait_for_deliveries`] waits
    /// until they are all done. Only `http://` URLs are taken (the fake has no TLS client,
    /// and the receivers it is for run on this machine), at most 5 endpoints (Easy's limit).
    ///
    /// ```
    /// use easy_checkout_fake::{EndpointError, FakeEasy};
    ///
    /// let fake = FakeEasy::start()?;
    /// let endpoint = fake.add_webhook_endpoint("http://127.0.0.1:3000/webhooks")?;
    /// assert_eq!(endpoint.id, "we_1");
    /// let refused = fake.add_webhook_endpoint("ftp://127.0.0.1/hooks").unwrap_err();
    /// assert!(matches!(refused, EndpointError::Invalid { .. }));
    /// assert!(fake.remove_webhook_endpoint("we_1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_webhook_endpoint(&self, url: &str) -> Result<WebhookEndpoint, EndpointError> {
        let url = EndpointUrl::parse(url)?;
        self.shared.state().0.deliveries.add_endpoint(url)
    }

    /// Removes webhook endpoint `id` (`we_…`): its waiting deliveries are given up, an
    /// attempt under way ends as it ends. False if there is no such endpoint.
    pub fn remove_webhook_endpoint(&self, id: &str) -> bool {
        self.shared.state().0.deliveries.remove_endpoint(id)
    }

    /// The registered webhook endpoints, oldest first.
    pub fn webhook_endpoints(&self) -> Vec<WebhookEndpoint> {
        self.shared.state().0.deliveries.endpoints()
    }

    /// The delivery log: every attempt to deliver an event, oldest first (the newest
    /// [`max_recorded_deliveries`](FakeBuilder::max_recorded_deliveries) of them), each with
    /// its event, endpoint, attempt number, delivery id, status or error, duration and what
    /// became of the delivery.
    pub fn deliveries(&self) -> Vec<DeliveryAttempt> {
        self.shared
            .state()
            .0
            .deliveries
            .log
            .iter()
            .cloned()
            .collect()
    }

    /// Waits until every webhook delivery is done (delivered, or failed after its last
    /// attempt), for at most `timeout`; false if one still waits or is under way. Woken by
    /// each attempt's end, it sleeps no longer than needed: the way for a test to wait for
    /// its deliveries.
    ///
    /// A delivery a fault holds back ([`DeliveryFault::Delay`], [`DeliveryFault::Replay`])
    /// counts as waiting.
    pub fn wait_for_deliveries(&self, timeout: Duration) -> bool {
        self.shared.wait_for_deliveries(timeout)
    }

    /// Queues `fault` for each of the next `n` webhook deliveries (each event to each
    /// endpoint is one; for [`DeliveryFault::DropAttempt`], each attempt) of the events `when`
    /// selects, after any delivery faults already queued.
    ///
    /// ```
    /// use easy_checkout_fake::{DeliveryFault, EventMatch, FakeEasy};
    /// let fake = FakeEasy::start()?;
    /// // The next `completed` event is delivered twice: same event id, two delivery ids.
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
