//! A stateful fake of the Easy Embedded Checkout API, served over real HTTP on loopback.
//!
//! Start a [`FakeEasy`] in a test, point the SDK's base URL at [`FakeEasy::base_url`], and
//! run the real client (here over `easy-checkout-ureq`) against it:
//!
//! ```
//! use easy_checkout_fake::{FakeEasy, Fault};
//! use easy_checkout_ureq::easy_checkout_core::ops::{CreateSession, LineItem};
//! use easy_checkout_ureq::easy_checkout_core::{RetryPolicy, webhook};
//!
//! let fake = FakeEasy::start()?;
//! let client = easy_checkout_ureq::with_base_url(FakeEasy::TEST_KEY, &fake.base_url())?
//!     .with_retry_policy(RetryPolicy::never());
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
//! // The webhook event the API delivers verifies with the fake's secret.
//! let hook = fake.webhook_for(&session.id).expect("paid sessions have a webhook");
//! let event = webhook::verify(&fake.webhook_secret(), Some(&hook.signature), &hook.body)?;
//! assert_eq!(event.data["id"], "ecs_1");
//!
//! // Faults: the next request gets a 503 instead of an answer.
//! fake.inject(Fault::status(503));
//! let err = checkout.retrieve_session(&session.id).unwrap_err();
//! assert_eq!(err.as_api().and_then(|e| e.code.as_deref()), Some("INJECTED_FAULT"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`FakeEasy::builder`] sets a fake up before it starts (a [`ManualClock`] among much else).
//! Everything it remembers is bounded, so it can serve for days; [`FakeEasy::stats`] says how
//! full each store is and what it let go.
//!
//! # What it answers
//!
//! The paths are served at the root, so the base URL is `http://127.0.0.1:PORT` with no
//! `/v1/api`. Every reply is JSON and carries `RateLimit-Limit: 100`, `RateLimit-Remaining`
//! and `RateLimit-Reset` (counted, never enforced: inject a `429` for that).
//!
//! | request | auth | answer |
//! |---|---|---|
//! | `POST /embedded-checkout` | key | the session: `id` (`ecs_1`, `ecs_2`, …), `client_secret`, `status` `open`, `payment_status` `unpaid`, `expires_at` (+30 min), the times, and every body field echoed back |
//! | `GET /embedded-checkout/{id}` | key | `{id, status, payment_status}` |
//! | `GET /embedded-checkout/{id}/crypto-status` | key | the on-chain payment, or `{"status": "pending"}` with the other fields `null` |
//! | `POST /embedded-checkout/validate` | `client_secret` | `{"valid", "session"}` |
//! | `POST /embedded-checkout/confirm` | `client_secret` | `{id, status: "complete", payment_status: "succeeded", payment_id}` |
//! | `GET`, `PATCH /embedded-checkout/config` | key | `{allowed_origins, updated_at}` |
//! | `GET /validate-key` | key | `{"basisTheoryPublicApiKey": FakeEasy::PUBLIC_KEY}` |
//!
//! Keys: see [`FakeEasy::TEST_KEY`]. A confirm takes `PAYMENT_CARD` with a non-empty token.
//! Requests are read in both of Easy's vocabularies, answered in the one
//! [`FakeBuilder::vocabulary`] picks. An `Idempotency-Key` replays the first reply of a
//! repeated write. Every error code, the vocabularies side by side, and each decision taken
//! where the API contract is silent are in the workspace's `docs/fake.md`.
//!
//! # Faults and webhook deliveries
//!
//! [`FakeEasy::inject_matching`] queues a [`Fault`] for the requests a [`Match`] selects.
//! [`FakeEasy::add_webhook_endpoint`] registers a receiver that each event is POSTed to;
//! [`FakeEasy::deliveries`] logs every attempt, and [`FakeEasy::inject_delivery`] queues a
//! [`DeliveryFault`]. [`webhook_request`] and [`sample_event`] build a delivery to send yourself.
//!
//! # The control API: driving the fake from any language
//!
//! Everything above is also reachable over HTTP on the fake's own port, under `/__fake/`, JSON
//! in and out in the API's envelopes, so a test in any language can drive `easy-checkout
//! fake-server`. Control requests are not recorded, take no fault and do not count against
//! the rate-limit window. They are answered only for a loopback `Host` (or none), else
//! `403 FORBIDDEN_HOST`: a web page whose name resolves to 127.0.0.1 cannot read the
//! recorded requests, keys included.
//!
//! | request | does |
//! |---|---|
//! | `POST /__fake/faults` `{"kind", "times"?, "method"?, "path"?, …}` | queues a [`Fault`] for the next `times` matching requests (`1` when absent, `0` queues nothing, at most 100000); `method` and `path` (a prefix of the raw path) narrow which requests match. Kinds, with their fields: `status` (`status` 100–999, `retry_after`?, `body`?), `delay` (`ms`), `close`, `close_mid_body`, `not_json`, `oversized` (`bytes`), `redirect` (`location`), `lose_reply`, `status_after_effect` (`status`). Answers `{"queued", "pending"}` |
//! | `GET /__fake/faults` / `DELETE /__fake/faults` | how many queued faults are pending / drop them all |
//! | `GET /__fake/requests` / `DELETE /__fake/requests` | the recorded requests (the newest 10,000 by default) as a list of `{"method", "path", "headers": [[name, value], …], "body" (text), "json" (the body parsed, or null), "peer"}`, secrets as they arrived / forget them |
//! | `GET /__fake/stats` | what the fake holds against its limits ([`FakeEasy::stats`]): `{"requests", "sessions", "idempotency_records", "deliveries", "pending_deliveries"}`, each `{"kept", "limit", "dropped"}`, and `"connections": {"open", "limit", "refused", "served"}` |
//! | `GET /__fake/sessions` | every session as a list, in creation order |
//! | `GET /__fake/sessions/{id}` | one session's whole state: the session object with its `client_secret`, plus `payments` (how many times it was charged), `paid_at` and `crypto_payment` |
//! | `POST /__fake/sessions/{id}/pay`, `/crypto-pay`, `/expire` | what [`FakeEasy::mark_paid`], [`FakeEasy::mark_crypto_paid`] and [`FakeEasy::expire`] do (webhook deliveries included); answers the session's new state |
//! | `GET /__fake/sessions/{id}/webhook` | the session's newest signed event ([`FakeEasy::webhook_for`]): `{"header", "signature", "body"}` (`404 NO_WEBHOOK` for an unpaid session) |
//! | `GET /__fake/vocabulary` / `PUT /__fake/vocabulary` `{"vocabulary": "sdk" \| "reference"}` | the vocabulary the API answers in / switch it from the next request on (`400 INVALID_VOCABULARY` for anything else); a reset keeps it |
//! | `POST /__fake/reset` | back to a fresh fake ([`FakeEasy::reset`]) |
//! | `GET /__fake/webhooks` | the deliveries' settings and state: `{"secret", "endpoints", "deadline_ms", "backoff_ms", "max_attempts", "pending", "in_flight"}` |
//! | `POST /__fake/webhooks/endpoints` `{"url"}` / `GET` | registers an endpoint, answers `{"id", "url"}` ([`FakeEasy::add_webhook_endpoint`]; `400 INVALID_ENDPOINT` naming `url`, `409 TOO_MANY_ENDPOINTS`) / lists them |
//! | `DELETE /__fake/webhooks/endpoints/{id}` | removes one ([`FakeEasy::remove_webhook_endpoint`]; `404 ENDPOINT_NOT_FOUND`) |
//! | `GET /__fake/webhooks/deliveries` | the delivery log ([`FakeEasy::deliveries`]), optionally `?event_id=`, `?session_id=`, `?endpoint_id=`: a list of `{"event_id", "event_type", "session_id", "endpoint_id", "url", "attempt", "delivery_id", "status", "error", "duration_ms", "started_at", "verdict"}` (`verdict`: `delivered`, `retrying`, `failed`) |
//! | `POST /__fake/webhooks/wait` `{"timeout_ms"?}` | waits until every delivery is done ([`FakeEasy::wait_for_deliveries`]; 10 s when absent, at most 600000): `{"settled", "pending", "in_flight"}` |
//! | `POST /__fake/webhooks/faults` `{"kind", "times"?, "event_type"?, "session_id"?, "ms"?}` / `GET` / `DELETE` | queues delivery fault `kind` (`duplicate`, `delay` and `replay` with `ms`, `out_of_order`, `drop_attempt`) for the next `times` deliveries of the events selected ([`FakeEasy::inject_delivery`]) / how many are pending / drops them |
//!
//! Bad input gets `400 INVALID_FAULT` with `details: {"field", "reason"}` naming the field;
//! an unknown control path `404 ROUTE_NOT_FOUND`, a known one with another method `405`.
//! The workspace README drives it with curl.
//!
//! # Over https (feature `tls`)
//!
//! [`FakeEasy::start_tls`] serves the same fake over https with a certificate made at start;
//! trust [`FakeEasy::ca_pem`] in the client, or serve your own with [`FakeTls::from_pem`].
//! Every close sends a TLS `close_notify` first, so [`Fault::Close`] reads as a cut
//! connection, not a TLS failure. A plain-http fake answers a TLS handshake `400 MALFORMED_REQUEST` at once.
//!
// Without the feature those items do not exist: the links point at this section instead.
#![cfg_attr(
    not(feature = "tls"),
    doc = "[`FakeEasy::start_tls`]: #over-https-feature-tls\n\
           [`FakeEasy::ca_pem`]: #over-https-feature-tls\n\
           [`FakeTls::from_pem`]: #over-https-feature-tls"
)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

// In layers, each importing only those below it: fake; serve; control and deliver; api;
// state; fault, record and clock; endpoint, http1, reply and util.
mod api; // the API's semantics: routes, keys, endpoints, JSON views; no sockets
mod clock; // the clock a test moves by hand
mod control; // the control API under /__fake/
mod deliver; // the webhook delivery engine and its HTTP client
mod endpoint; // webhook endpoint URLs, checked
mod fake; // FakeBuilder and FakeEasy: the handle a test holds
mod fault; // faults as data, and where each becomes what happens on the wire
mod http1; // HTTP/1.1 reading and writing, for the server and the deliveries
mod record; // what tests get back
mod reply; // replies and wire actions as values
mod serve; // the listener, one thread per connection, https
mod state; // everything remembered, behind one lock, every store bounded
mod util; // locking, threads and sockets to stop, time, randomness

pub use clock::ManualClock;
pub use deliver::{sample_event, webhook_request};
pub use endpoint::EndpointError;
pub use fake::{FakeBuilder, FakeEasy};
pub use fault::{DeliveryFault, EventMatch, Fault, Match};
pub use record::{
    DeliveryAttempt, DeliveryVerdict, RecordedRequest, SignedWebhook, Stats, Usage, WebhookEndpoint,
};
#[cfg(feature = "tls")]
pub use serve::tls::FakeTls;
