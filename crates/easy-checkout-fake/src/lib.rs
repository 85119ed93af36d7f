//! A stateful fake of the Easy Embedded Checkout API, served over real HTTP on loopback.
//!
//! Start a [`FakeEasy`] in a test, point the SDK's base URL at [`FakeEasy::base_url`], and
//! run the real client against it: sessions are created, validated, confirmed and
//! retrieved as the API contract says, every request is recorded for assertions, and
//! [faults](Fault) (statuses, delays, dropped connections, junk bodies, replies lost after the
//! work was done) can be injected ahead of any request, or of the requests a [`Match`]
//! selects. The same controls are served over HTTP under `/__fake/` for tests in other
//! languages (see [the control API](#the-control-api-driving-the-fake-from-any-language)). Dropping the fake stops it and closes every connection.
//!
//! # In your own tests
//!
//! Add the crate as a dev-dependency next to a transport crate (`easy-checkout-ureq` or
//! `easy-checkout-isahc`) and build the client from a [`Config`](easy_checkout_core::Config)
//! whose base URL is the fake's:
//!
//! ```text
//! let config = Config::new(FakeEasy::TEST_KEY.parse()?).with_base_url(BaseUrl::parse(&fake.base_url())?);
//! let client = easy_checkout_ureq::with_config(config, TransportSettings::default());
//! ```
//!
//! The example below runs the whole flow. To stay free of an HTTP client dependency it
//! plugs a short `std::net` transport into the core's `Client`; any
//! [`Transport`](easy_checkout_core::Transport) works the same way.
//!
//! ```
//! use std::io::{Read, Write};
//! use easy_checkout_core::ops::{CreateSession, LineItem};
//! use easy_checkout_core::{BaseUrl, Client, Config, RetryPolicy, TransportError, http, webhook};
//! use easy_checkout_fake::{FakeEasy, Fault};
//!
//! let fake = FakeEasy::start()?;
//! let config = Config::new(FakeEasy::TEST_KEY.parse()?)
//!     .with_base_url(BaseUrl::parse(&fake.base_url())?);
//! let client = Client::new(send_over_std, config).with_retry_policy(RetryPolicy::never());
//! let checkout = client.embedded_checkout();
//!
//! // Create a session: the fake checks the body and answers like the API.
//! let params = CreateSession::new(vec![LineItem::new("price_abc", 2)], "https://shop.example/done");
//! let session = checkout.create_session(&params)?;
//! assert_eq!(session.id, "ecs_1");
//!
//! // What did the SDK put on the wire?
//! let sent = &fake.requests()[0];
//! assert_eq!((sent.method.as_str(), sent.path.as_str()), ("POST", "/embedded-checkout"));
//! assert_eq!(sent.header("x-easy-api-key"), Some(FakeEasy::TEST_KEY));
//!
//! // Play the buyer: the session is paid, as if the iframe had confirmed it.
//! assert!(fake.mark_paid(&session.id));
//! assert!(checkout.retrieve_session(&session.id)?.is_paid());
//!
//! // The webhook the API would deliver verifies with the fake's secret.
//! let hook = fake.webhook_for(&session.id).expect("paid sessions have a webhook");
//! let event = webhook::verify(&fake.webhook_secret(), Some(&hook.signature), &hook.body)?;
//! assert_eq!(event.data["id"], "ecs_1");
//!
//! // Faults: the next request gets a 503 instead of an answer.
//! fake.inject(Fault::status(503));
//! let err = checkout.retrieve_session(&session.id).unwrap_err();
//! assert_eq!(err.as_api().and_then(|e| e.code.as_deref()), Some("INJECTED_FAULT"));
//!
//! /// A minimal HTTP/1.1 transport over `std::net`, one connection per request.
//! fn send_over_std(req: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
//!     let io = |e: std::io::Error| TransportError::new(easy_checkout_core::TransportErrorKind::Io, e);
//!     let uri = req.uri();
//!     let mut stream = std::net::TcpStream::connect(uri.authority().unwrap().as_str()).map_err(io)?;
//!     let mut head = format!("{} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
//!         req.method(), uri.path_and_query().unwrap(), uri.authority().unwrap(), req.body().len());
//!     for (name, value) in req.headers() {
//!         head += &format!("{name}: {}\r\n", value.to_str().unwrap());
//!     }
//!     stream.write_all(format!("{head}\r\n").as_bytes()).and_then(|()| stream.write_all(req.body())).map_err(io)?;
//!     let mut raw = Vec::new();
//!     stream.read_to_end(&mut raw).map_err(io)?;
//!     let mut headers = [httparse::EMPTY_HEADER; 32];
//!     let mut head = httparse::Response::new(&mut headers);
//!     let bad = || TransportError::msg(easy_checkout_core::TransportErrorKind::Io, "no whole response head");
//!     let httparse::Status::Complete(len) = head.parse(&raw).map_err(|_| bad())? else { return Err(bad()) };
//!     let mut response = http::Response::builder().status(head.code.unwrap());
//!     for header in head.headers.iter() {
//!         response = response.header(header.name, header.value);
//!     }
//!     Ok(response.body(raw[len..].to_vec()).unwrap())
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What the fake implements
//!
//! The paths are served at the root (`/embedded-checkout…`, `/validate-key`), so the base
//! URL is `http://127.0.0.1:PORT` with no `/v1/api`. Every reply is JSON: `{"data": …}` on
//! success, `{"success": false, "error": {"code", "message", "details"}}` on failure, and
//! carries `RateLimit-Limit: 100`, `RateLimit-Remaining` and `RateLimit-Reset`.
//!
//! | request | auth | answer |
//! |---|---|---|
//! | `POST /embedded-checkout` | key | the session: `id` (`ecs_1`, `ecs_2`, …), `client_secret`, `status` `open`, `payment_status` `unpaid`, `expires_at` (+30 min), `return_url`, `created_at`, `updated_at`, and every other body field echoed back |
//! | `GET /embedded-checkout/{id}` | key | `{id, status, payment_status}` |
//! | `GET /embedded-checkout/{id}/crypto-status` | key | the on-chain payment, or `{"status": "pending"}` with the other fields `null` |
//! | `POST /embedded-checkout/validate` | `client_secret` | `{"valid", "session"}` |
//! | `POST /embedded-checkout/confirm` | `client_secret` | `{id, status: "complete", payment_status: "succeeded", payment_id}` |
//! | `GET`, `PATCH /embedded-checkout/config` | key | `{allowed_origins, updated_at}` |
//! | `GET /validate-key` | key | `{"basisTheoryPublicApiKey": FakeEasy::PUBLIC_KEY}` |
//!
//! Errors, by code:
//!
//! - `404 ROUTE_NOT_FOUND` for any other path; `405 METHOD_NOT_ALLOWED` (with `Allow`) for
//!   a known path with another method.
//! - `401 AUTHENTICATION_REQUIRED` without `x-easy-api-key`; `401 INVALID_API_KEY` unless
//!   the key is `sk_test_X` or `sk_live_X` (non-empty `X`, visible ASCII) other than
//!   [`FakeEasy::REVOKED_KEY`]. `validate` and `confirm` ignore the header (it is still
//!   recorded, so tests can assert the SDK left it out).
//! - `400 INVALID_JSON` for a body that is not JSON; `400 VALIDATION_ERROR` with
//!   `details: {"field", "reason"}` for a bad field (`items`, `items[0].quantity`,
//!   `return_url`, `client_secret`, `payment_method.type`, `allowed_origins`, …, or `body`
//!   when the body is not an object).
//! - `404 SESSION_NOT_FOUND` for an unknown id. The router splits the raw, still encoded
//!   path on `/` and only then percent-decodes the id segment, so
//!   `/embedded-checkout/ecs_1%2F..%2Fconfig` looks up the id `ecs_1/../config`: never the
//!   config route.
//! - `401 INVALID_CLIENT_SECRET` for an unknown `client_secret`.
//! - `409 SESSION_ALREADY_COMPLETE` / `409 SESSION_EXPIRED` when confirming a finished
//!   session; `402 CARD_DECLINED` when the payment method's `token_id` is
//!   [`FakeEasy::DECLINE_TOKEN`] (the session stays open and unpaid).
//! - `403 ORIGIN_NOT_ALLOWED` from `validate` when `parent_origin` is given, the allowed
//!   origin list is not empty, and the origin is not in it (compared without case or a
//!   trailing `/`). An empty list, the start state, allows every origin.
//! - `409 IDEMPOTENCY_KEY_REUSED`, see below; `413 PAYLOAD_TOO_LARGE` over 8 MiB.
//!
//! Decisions where the contract is silent:
//!
//! - `validate` answers `valid: true` only for an open session; a complete or expired one
//!   gets `200` with `valid: false` (its `session.status` says why). The `session` object
//!   carries everything but the `client_secret`.
//! - Sessions expire on their own 30 minutes after creation (checked when read).
//! - `Idempotency-Key` on a `POST` or `PATCH`: keys are scoped to the API key (to the
//!   `client_secret` for `validate` and `confirm`). A repeat with the same method, path and
//!   body gets the first reply byte for byte (plus `Idempotent-Replayed: true`) and changes
//!   nothing; the same key with anything different gets `409 IDEMPOTENCY_KEY_REUSED`.
//!   Replies of `500` and up are not remembered, so retrying them runs the request again.
//!   Injected faults happen before this layer and are never remembered, except
//!   [`Fault::LoseReply`] and [`Fault::StatusAfterEffect`], which let the request through
//!   it first (a retry with the same key then gets the real reply, replayed).
//! - The rate-limit window is 60 s: `RateLimit-Remaining` counts down from 99 with every
//!   request (faults included), stops at 0 and refills when the window ends;
//!   `RateLimit-Reset` is the seconds left in it (60 for the first request). Nothing is
//!   ever refused for it; inject a `429` for that.
//! - Crypto payments ([`FakeEasy::mark_crypto_paid`]) are `"confirmed"` on `solana` in
//!   `USDC`, for an `amount` of 1 USDC per unit of quantity (`"2.00"`), with random base58
//!   `tx_signature` and `payment_address`.
//! - Webhook events ([`FakeEasy::webhook_for`]): `id` is `evt_<session id>_completed` (or
//!   `_crypto_confirmed`), so asking twice gives the same delivery; `data` is the session
//!   object (no secret), plus `crypto_payment` for a crypto-paid session; `created_at` is
//!   when it was paid.
//! - Malformed HTTP (a garbage request line, a bad `Content-Length`, both
//!   `Content-Length` and `Transfer-Encoding`, transfer codings that do not end in
//!   `chunked`, a malformed chunked body) gets `400 MALFORMED_REQUEST` (`431` for a head over
//!   64 KiB or over 100 headers, `501` for a coding other than `chunked` before it) and a
//!   closed connection; it is not recorded. Chunked request bodies are decoded; bare-LF
//!   heads are read; `Expect: 100-continue` is answered with a `100 Continue`. A connection
//!   silent for 60 s is closed.
//!
//! # Faults after the effect
//!
//! [`Fault::LoseReply`] and [`Fault::StatusAfterEffect`] let the request do its work (the
//! session is created, the card charged, the config updated, the idempotency key remembered
//! with the real reply) and then lose or replace the reply: what a payments SDK must survive
//! without charging twice. A [`Match`] aims a fault at some requests only:
//!
//! ```
//! use easy_checkout_fake::{FakeEasy, Fault, Match};
//! let fake = FakeEasy::start()?;
//! fake.inject_matching(
//!     Match::any().method("POST").path("/embedded-checkout/confirm"),
//!     Fault::LoseReply,
//!     1,
//! );
//! // … run a checkout; then look at what really happened:
//! // fake.session("ecs_1").unwrap()["payments"] == 1
//! assert_eq!(fake.pending_faults(), 1);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # The control API: driving the fake from any language
//!
//! Everything above is also reachable over HTTP on the fake's own port, under `/__fake/`,
//! JSON in and out (answers use the API's envelopes: `{"data": …}`, or
//! `{"success": false, "error": {"code", "message", "details"}}`), so a test in Python, Node
//! or a shell script can drive `easy-checkout fake-server`. Control requests are not
//! recorded, take no fault and do not count against the rate-limit window. They are
//! answered only for a loopback `Host` (`localhost`, `127.x.x.x`, `[::1]`, or none), else
//! `403 FORBIDDEN_HOST`: a web page whose name resolves to 127.0.0.1 cannot read the
//! recorded requests, keys included.
//!
//! | request | does |
//! |---|---|
//! | `POST /__fake/faults` `{"kind", "times"?, "method"?, "path"?, …}` | queues fault `kind` for the next `times` matching requests (`1` when absent, `0` queues nothing, at most 100000); `method` and `path` (a prefix of the raw path) narrow which requests match. Answers `{"queued", "pending"}` |
//! | `GET /__fake/faults` / `DELETE /__fake/faults` | how many queued faults are pending / drop them all |
//! | `GET /__fake/requests` / `DELETE /__fake/requests` | the recorded requests as a list of `{"method", "path", "headers": [[name, value], …], "body" (text), "json" (the body parsed, or null), "peer"}`, secrets as they arrived / forget them |
//! | `GET /__fake/sessions` | every session as a list, in creation order |
//! | `GET /__fake/sessions/{id}` | one session's whole state: the session object with its `client_secret`, plus `payments` (how many times it was charged), `paid_at` and `crypto_payment` |
//! | `POST /__fake/sessions/{id}/pay`, `/crypto-pay`, `/expire` | what [`FakeEasy::mark_paid`], [`FakeEasy::mark_crypto_paid`] and [`FakeEasy::expire`] do; answers the session's new state |
//! | `GET /__fake/sessions/{id}/webhook` | the signed webhook: `{"header", "signature", "body"}` (`404 NO_WEBHOOK` for an unpaid session) |
//! | `POST /__fake/reset` | back to a fresh fake ([`FakeEasy::reset`]) |
//!
//! Fault kinds and their fields:
//!
//! | `kind` | fields | [`Fault`] |
//! |---|---|---|
//! | `status` | `status` (100–999), `retry_after`?, `body`? | [`Fault::Status`] |
//! | `delay` | `ms` | [`Fault::Delay`] |
//! | `close` | | [`Fault::Close`] |
//! | `close_mid_body` | | [`Fault::CloseMidBody`] |
//! | `not_json` | | [`Fault::NotJson`] |
//! | `oversized` | `bytes` | [`Fault::Oversized`] |
//! | `redirect` | `location` | [`Fault::Redirect`] |
//! | `lose_reply` | | [`Fault::LoseReply`] |
//! | `status_after_effect` | `status` | [`Fault::StatusAfterEffect`] |
//!
//! Bad input gets `400 INVALID_FAULT` with `details: {"field", "reason"}` naming the field;
//! an unknown control path `404 ROUTE_NOT_FOUND`, a known one with another method `405`.
//! With curl:
//!
//! ```text
//! $ easy-checkout fake-server --port 4010 &
//! $ curl -s localhost:4010/__fake/faults -d '{"kind":"lose_reply","method":"POST","path":"/embedded-checkout/confirm"}'
//! {"data":{"pending":1,"queued":1}}
//! $ curl -s localhost:4010/__fake/sessions/ecs_1
//! {"data":{"id":"ecs_1","payments":1,"status":"complete",…}}
//! ```
//!
//! # Over https (feature `tls`)
//!
//! [`FakeEasy::start_tls`] serves the same fake over https on `127.0.0.1`: a certificate
//! authority and a server certificate it signs for `localhost`, `127.0.0.1` and `::1` are
//! made at start (`rcgen`), and each connection's thread runs `rustls` over its socket. The
//! base URL is `https://127.0.0.1:PORT`; trust [`FakeEasy::ca_pem`] in the client:
//!
//! ```text
//! let fake = FakeEasy::start_tls()?;
//! let roots = RootCertificates::default().add_pem(fake.ca_pem().unwrap())?;
//! let transport = UreqTransport::with_roots(TransportSettings::default(), roots);
//! ```
//!
//! Everything above works the same over TLS: a handshake that fails (an untrusted CA, a
//! wrong host name) closes the connection with nothing recorded, every close is preceded by
//! a TLS `close_notify` (so [`Fault::Close`] and [`Fault::LoseReply`] read as a cut
//! connection, not as a TLS failure), and [`FakeEasy::start_tls_with`] serves a
//! certificate of your own ([`FakeTls::from_pem`]: an expired one, one for another host).
//! Without the feature the crate has no TLS dependency.
//!
//! # How it is built
//!
//! The fake listens on `127.0.0.1` and serves every connection on a thread of its own, start
//! to end (over TLS when it serves https), reading HTTP/1.1 with `httparse` (bodies framed by `Content-Length` or chunked,
//! keep-alive unless the client asks for `close` or speaks HTTP/1.0). Owning the socket is
//! what lets [`Fault::Close`], [`Fault::CloseMidBody`] and [`Fault::LoseReply`] shut a
//! client's connection for real, lets [`FakeEasy::connections`] count client connections
//! exactly, and lets `Drop` close keep-alive connections instead of leaving clients hanging.
//! No connection ever waits for a pool: an earlier version served through tiny_http, whose
//! worker pool can lose the wake-up for a new connection and leave it unread until another
//! keep-alive connection closes (a call stalled for the client's whole timeout).

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod api;
mod control;
mod fault;
mod http1;
mod record;
mod server;
#[cfg(feature = "tls")]
mod tls;
mod util;

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime};

use easy_checkout_core::webhook::{self, WebhookSecret};

pub use fault::{Fault, Match};
pub use record::{RecordedRequest, SignedWebhook};
#[cfg(feature = "tls")]
pub use tls::FakeTls;

use server::Shared;
use util::lock;

const WEBHOOK_SECRET: &str = "whsec_fake_secret";

/// A running fake Easy API on `127.0.0.1`. Dropping it stops the server, closes every
/// connection and joins its threads.
pub struct FakeEasy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
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
    /// A card token that `confirm` declines with `402 CARD_DECLINED`; the session stays
    /// open.
    pub const DECLINE_TOKEN: &'static str = api::DECLINE_TOKEN;

    /// Starts a fake on `127.0.0.1` on a free port.
    pub fn start() -> io::Result<FakeEasy> {
        Self::start_on(0)
    }

    /// Starts a fake on `127.0.0.1:port` (`0` picks a free port).
    pub fn start_on(port: u16) -> io::Result<FakeEasy> {
        Self::start_serving(port, Shared::new())
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
        Self::start_tls_with(FakeTls::generate()?, 0)
    }

    /// Starts a fake that serves https with `tls` on `127.0.0.1:port` (`0` picks a free
    /// port): a certificate of your own making (an expired one, one for another host name).
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn start_tls_with(tls: FakeTls, port: u16) -> io::Result<FakeEasy> {
        Self::start_serving(port, Shared::with_tls(tls))
    }

    /// The PEM of the certificate authority a client must trust to reach a fake started with
    /// [`FakeEasy::start_tls`]; `None` for a plain http fake.
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn ca_pem(&self) -> Option<&str> {
        self.shared.tls.as_ref().map(FakeTls::ca_pem)
    }

    fn start_serving(port: u16, shared: Shared) -> io::Result<FakeEasy> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(shared);
        let for_acceptor = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name("easy-fake-accept".to_owned())
            .spawn(move || server::accept_loop(listener, for_acceptor))?;
        Ok(FakeEasy {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// `http://127.0.0.1:PORT` (`https://` for a fake over TLS), without a trailing slash:
    /// the SDK's base URL override.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme(), self.addr)
    }

    fn scheme(&self) -> &'static str {
        #[cfg(feature = "tls")]
        if self.shared.tls.is_some() {
            return "https";
        }
        "http"
    }

    /// The address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The signing secret of the webhooks from [`FakeEasy::webhook_for`]: always
    /// `whsec_fake_secret`.
    pub fn webhook_secret(&self) -> WebhookSecret {
        WebhookSecret::new(WEBHOOK_SECRET)
    }

    /// Every request received so far, in arrival order, including requests answered by a
    /// fault.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.inner).requests.clone()
    }

    /// Forgets the recorded requests (not the connection count, nor any other state).
    pub fn clear_requests(&self) {
        lock(&self.shared.inner).requests.clear();
    }

    /// How many distinct TCP connections have carried at least one request since the
    /// fake started: several requests over one keep-alive connection count once.
    pub fn connections(&self) -> usize {
        lock(&self.shared.inner).seen.len()
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
        let mut inner = lock(&self.shared.inner);
        inner.faults.extend(std::iter::repeat_n((when, fault), n));
    }

    /// Waits until no request is being handled, for at most `timeout`; false if one still
    /// is. For a test that checks the fake's state after faults whose work finishes late (a
    /// [`Fault::Delay`] longer than the client's timeout applies its request after the client
    /// gave up).
    pub fn wait_until_idle(&self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if self
                .shared
                .in_flight
                .load(std::sync::atomic::Ordering::SeqCst)
                == 0
            {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(1));
        }
    }

    /// How many queued faults no request has taken yet.
    pub fn pending_faults(&self) -> usize {
        lock(&self.shared.inner).faults.len()
    }

    /// One session's whole state as JSON (what `GET /__fake/sessions/{id}` answers): the
    /// session object with its `client_secret`, plus `payments` (how many times it was
    /// charged), `paid_at` and `crypto_payment`. `None` for an unknown id.
    pub fn session(&self, session_id: &str) -> Option<serde_json::Value> {
        lock(&self.shared.inner)
            .api
            .session_state(session_id, SystemTime::now())
    }

    /// Every session's [`FakeEasy::session`], in creation order.
    pub fn sessions(&self) -> Vec<serde_json::Value> {
        lock(&self.shared.inner)
            .api
            .sessions_state(SystemTime::now())
    }

    /// Back to a fresh fake: no sessions, recorded requests, queued faults or counted
    /// connections; the allowed origins and rate-limit window start over. The port and open
    /// connections stay.
    pub fn reset(&self) {
        lock(&self.shared.inner).reset();
    }

    /// Replaces the allowed origins (what `PATCH /embedded-checkout/config` does). An empty
    /// list allows every origin.
    pub fn set_allowed_origins(&self, origins: Vec<String>) {
        lock(&self.shared.inner)
            .api
            .set_allowed_origins(origins, SystemTime::now());
    }

    /// Marks the session paid as a successful confirm would: `status` `complete`,
    /// `payment_status` `succeeded`, a `payment_id`. Works on any known session, even an
    /// expired one. False if the id is unknown.
    pub fn mark_paid(&self, session_id: &str) -> bool {
        lock(&self.shared.inner)
            .api
            .pay(session_id, SystemTime::now())
    }

    /// As [`FakeEasy::mark_paid`], plus a confirmed on-chain payment that
    /// `GET /embedded-checkout/{id}/crypto-status` then reports: `status` `confirmed`,
    /// `tx_signature`, `payment_address`, `chain` `solana`, `asset` `USDC` and `amount` as
    /// a decimal string. False if the id is unknown.
    pub fn mark_crypto_paid(&self, session_id: &str) -> bool {
        lock(&self.shared.inner)
            .api
            .pay_crypto(session_id, SystemTime::now())
    }

    /// Sets the session's `status` to `expired`. False if the id is unknown.
    pub fn expire(&self, session_id: &str) -> bool {
        lock(&self.shared.inner)
            .api
            .expire(session_id, SystemTime::now())
    }

    /// The signed webhook the API would deliver for a paid session:
    /// `checkout.session.completed`, or `checkout.session.crypto_confirmed` for a session
    /// paid with [`FakeEasy::mark_crypto_paid`]. `None` for an unknown or unpaid session.
    pub fn webhook_for(&self, session_id: &str) -> Option<SignedWebhook> {
        webhook_for(&self.shared, session_id)
    }
}

/// The signed delivery for a paid session (shared with the control API).
pub(crate) fn webhook_for(shared: &Shared, session_id: &str) -> Option<SignedWebhook> {
    let body = lock(&shared.inner).api.webhook_event(session_id)?;
    let signature = webhook::sign(&WebhookSecret::new(WEBHOOK_SECRET), &body);
    Some(SignedWebhook { body, signature })
}

impl Drop for FakeEasy {
    fn drop(&mut self) {
        self.shared.stop();
        // Wake the acceptor, which sees the flag and returns (closing the listener).
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        lock(&self.shared.conns).abort_all();
        self.shared.join_workers();
    }
}
