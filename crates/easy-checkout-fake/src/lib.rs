//! A stateful fake of the Easy Embedded Checkout API, served over real HTTP on loopback.
//!
//! Start a [`FakeEasy`] in a test, point the SDK's base URL at [`FakeEasy::base_url`], and
//! run the real client against it: sessions are created, validated, confirmed and
//! retrieved as the API contract says, every request is recorded for assertions, and
//! [faults](Fault) (statuses, delays, dropped connections, junk bodies, replies lost after the
//! work was done) can be injected ahead of any request, or of the requests a [`Match`]
//! selects. It [delivers webhooks](#webhook-deliveries) to your endpoints as Easy does,
//! retries and delivery faults included. The same controls are served over HTTP under
//! `/__fake/` for tests in other languages (see
//! [the control API](#the-control-api-driving-the-fake-from-any-language)). Dropping the fake
//! stops it and closes every connection.
//!
//! # In your own tests
//!
//! Add the crate as a dev-dependency next to a transport crate (`easy-checkout-ureq` or
//! `easy-checkout-isahc`), point the client's base URL at the fake, and run the real flow:
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
//! [`FakeEasy::builder`] sets a fake up before it starts: its port, https, the vocabulary it
//! answers in, a [`ManualClock`] for tests that move time by hand, webhook endpoints and the
//! delivery timing, and the bounds of what it holds.
//!
//! # Two vocabularies
//!
//! Easy documents the same endpoints twice, in two vocabularies (the SDK page's and the API
//! reference's; see `Vocabulary` in `easy-checkout-core`). The fake reads requests in both
//! whatever its setting (a create with `items` and `return_url`, or with `line_items`,
//! `success_url` and the reference's optional fields; a confirm with `payment_method`, or
//! with `source` and `customer_details`; both at once is a `400`), and answers in the one
//! [`FakeBuilder::vocabulary`] picks, the SDK page's by default (`fake-server --vocabulary
//! reference` from the command line, `PUT /__fake/vocabulary` on a running fake):
//!
//! | | SDK page (default) | API reference |
//! |---|---|---|
//! | success envelope | `{"data": …}` | `{"success": true, "timestamp", "message", "data": …}` |
//! | a paid session | `status: "complete"`, `payment_status: "succeeded"` | `status: "complete"`, `payment_status: "paid"` |
//! | a created session | the create body echoed, `id`, `client_secret`, `status`, `payment_status`, `expires_at`, `created_at`, `updated_at` | the create body echoed, `id`, `client_secret`, `status`, `payment_status`, `expires_at`, `created_at`, `url`, `amount_total` (integer cents: 100 per unit of quantity), `currency` (`usd`) |
//! | crypto `amount` | a decimal string: 1 USDC per unit (`"2.00"`) | integer cents (`200`) |
//! | validate | `{"valid", "session"}` (`valid: false` for a finished session) | `data: null`; a finished session is `409 SESSION_ALREADY_COMPLETE` or `409 SESSION_EXPIRED` |
//! | confirm | `{id, status, payment_status, payment_id}` | `data: null` |
//! | webhook events | `{id, type, data, created_at}` | also `created` (Unix seconds) and `api_version` (`2026-05-01`) |
//!
//! Errors use the same envelope in both. Sessions expire as they would in either (`status:
//! "expired"`, unpaid, 30 minutes after creation).
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
//! | `POST /embedded-checkout` | key | the session: `id` (`ecs_1`, `ecs_2`, …), `client_secret`, `status` `open`, `payment_status` `unpaid`, `expires_at` (+30 min), `created_at`, `updated_at`, and every body field echoed back (the API reference's vocabulary: see [above](#two-vocabularies)) |
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
//! - `503 TOO_MANY_CONNECTIONS` (with `Retry-After: 1` and `details: {"max_connections"}`)
//!   for a connection beyond [`FakeBuilder::max_connections`], which is then closed; its
//!   request is not read or recorded.
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
//! - Webhook events: `{id, type, data, created_at}` (plus `created` and `api_version` in the
//!   API reference's vocabulary), `id` `evt_` and 24 random hex digits (never the same twice,
//!   not even across a [reset](FakeEasy::reset)), `data` the session object (no secret) plus
//!   `crypto_payment` for a crypto-paid session, `created_at` when the event happened. A
//!   session's first payment causes `checkout.session.completed`; its on-chain payment,
//!   `checkout.session.crypto_confirmed` (after `completed` when both come from one payment).
//!   Paying again causes nothing new. [`SignedWebhook::delivery`] is one attempt of a
//!   delivery as an `http::Request`, with the headers of Easy's webhook reference (a new
//!   `x-easy-delivery-id` for every attempt: deduplicate on the event `id`).
//! - Malformed HTTP (a garbage request line, a bad `Content-Length`, both
//!   `Content-Length` and `Transfer-Encoding`, transfer codings that do not end in
//!   `chunked`, a malformed chunked body) gets `400 MALFORMED_REQUEST` (`431` for a head over
//!   64 KiB or over 100 headers, `501` for a coding other than `chunked` before it) and a
//!   closed connection; it is not recorded. Chunked request bodies are decoded; bare-LF
//!   heads are read; `Expect: 100-continue` is answered with a `100 Continue`. A connection
//!   silent for 60 s is closed.
//!
//! # A fake that stays small
//!
//! A fake may serve for days, or through a whole test suite, without growing: everything it
//! remembers is bounded, each bound set by a [`FakeBuilder`] method that says its default and
//! why, and [`FakeEasy::stats`] (or `GET /__fake/stats`) reports each store's size, limit and
//! how many entries it let go.
//!
//! - Recorded requests: the newest 10,000; older ones are dropped and counted.
//! - Sessions: forgotten an hour after their `expires_at`, paid or not, and oldest first
//!   above 100,000. A forgotten session answers `404 SESSION_NOT_FOUND`.
//! - Idempotency records: forgotten 24 hours after their first use, and oldest first above
//!   100,000, a bound a retry of the SDK (within minutes of its first attempt) never meets
//!   below 660 keyed writes a second.
//! - Connections: 256 at once, each on its thread; one more is answered `503`.
//! - Webhook deliveries: the newest 10,000 attempts logged; at most 10,000 deliveries
//!   waiting for an attempt (the oldest given up above that); an answer read up to 64 KiB of
//!   head and 64 KiB of body, the body dropped as it is read; one attempt (one thread) at a
//!   time per endpoint, 5 endpoints at most.
//!
//! [`FakeBuilder::clock`] puts a [`ManualClock`] in charge of time, so a test sees a session
//! expire, and be forgotten, without waiting. (It stamps the webhook events too; the
//! deliveries' deadline and backoff run in real time, as fault delays and socket timeouts
//! do: set them in milliseconds.)
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
//! # Webhook deliveries
//!
//! Register your receiver and the fake POSTs every event to it, signed, as Easy does
//! ([`FakeEasy::add_webhook_endpoint`], [`FakeBuilder::webhook_endpoint`], the control API,
//! or `easy-checkout fake-server --webhook-url URL`):
//!
//! ```text
//! POST /webhooks/easy HTTP/1.1
//! host: 127.0.0.1:3000
//! content-type: application/json
//! x-easy-webhook-signature: sha256=<HMAC-SHA256 of the body under whsec_fake_secret>
//! x-easy-event: checkout.session.completed
//! x-easy-delivery-id: 5b7f0a8e-0c1d-4e4b-9a57-2d0b6c1f3e88     (new on every attempt)
//! x-easy-webhook-attempt: 1                                  (1 to 3)
//! user-agent: easy-checkout-fake/0.1.0
//! content-length: …
//! connection: close
//!
//! {"id":"evt_…","type":"checkout.session.completed","data":{"id":"ecs_1",…},"created_at":"…"}
//! ```
//!
//! - **When**: as a session is paid (a `confirm`, [`FakeEasy::mark_paid`],
//!   [`FakeEasy::mark_crypto_paid`], or the control API's `pay` and `crypto-pay`), to every
//!   endpoint registered then. Deliveries run on threads of their own, never on a request's
//!   path: a slow or dead endpoint delays no API reply.
//! - **Retries, as Easy documents them**: an attempt that gets no 2xx, no connection, or no
//!   whole answer within the [deadline](FakeBuilder::webhook_deadline) (30 s) is tried again
//!   after the [backoff](FakeBuilder::webhook_backoff) (10 s, then 20 s), 3 attempts in all,
//!   with the same event id and bytes and a new delivery id each time. Both are settable, so
//!   a test runs them in milliseconds.
//! - **Order**: one attempt at a time per endpoint; the due ones in the order their events
//!   happened. So a crypto payment's `completed` arrives before its `crypto_confirmed`,
//!   unless a retry, or a fault, says otherwise (Easy promises no order).
//! - **Bounds**: an answer's head is read up to 64 KiB and its body up to 64 KiB (then
//!   dropped, unread); an endpoint that trickles or holds the connection is cut at the
//!   deadline. At most 5 endpoints (Easy's limit) and 10,000 deliveries waiting (the oldest
//!   given up above that, counted in [`Stats::pending_deliveries`]).
//! - **Only `http://`**: the fake has no TLS client, and the receivers it is for run on your
//!   machine. An `https://` URL, or anything that is not an absolute `http://` URL, is
//!   refused when it is registered ([`EndpointError`]).
//! - **Seen from the test**: [`FakeEasy::deliveries`] logs every attempt (event, endpoint,
//!   attempt, delivery id, status or error, duration, and whether the delivery is done,
//!   retrying or failed); [`FakeEasy::wait_for_deliveries`] returns once every delivery is
//!   done, woken by each attempt's end (no sleeping loop in your test).
//! - **Sent by you**: [`webhook_request`] builds one delivery (headers and signature under
//!   your secret) to send with any client, and [`sample_event`] an event body for a session
//!   the fake need not know: what `easy-checkout webhook send` uses.
//!
//! Delivery faults ([`DeliveryFault`], aimed with an [`EventMatch`] by event type or
//! session, `times` like the API faults) make the at-least-once delivery visible: a
//! duplicate, a late delivery, a `crypto_confirmed` before its `completed`, an old event
//! replayed, an attempt dropped. A receiver that fulfils on the event `id` it has not seen
//! fulfils once through all of them; one keyed on the delivery id fulfils twice on a
//! duplicate:
//!
//! ```
//! use std::time::Duration;
//! use easy_checkout_fake::{DeliveryFault, DeliveryVerdict, EventMatch, FakeEasy};
//! # use std::io::{BufRead, BufReader, Read, Write};
//! # // A receiver: reads two deliveries, answers each 200, hands their event ids back.
//! # let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
//! # let url = format!("http://{}/webhooks", listener.local_addr()?);
//! # let receiver = std::thread::spawn(move || -> std::io::Result<Vec<String>> {
//! #     let mut ids = Vec::new();
//! #     for stream in listener.incoming().take(2) {
//! #         let mut stream = BufReader::new(stream?);
//! #         let mut length = 0;
//! #         loop {
//! #             let mut line = String::new();
//! #             stream.read_line(&mut line)?;
//! #             if let Some(n) = line.to_ascii_lowercase().strip_prefix("content-length:") {
//! #                 length = n.trim().parse().unwrap_or(0);
//! #             }
//! #             if line == "\r\n" { break; }
//! #         }
//! #         let mut body = vec![0; length];
//! #         stream.read_exact(&mut body)?;
//! #         let event: serde_json::Value = serde_json::from_slice(&body)?;
//! #         ids.push(event["id"].as_str().unwrap_or_default().to_owned());
//! #         stream.get_mut().write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")?;
//! #     }
//! #     Ok(ids)
//! # });
//! let fake = FakeEasy::builder()
//!     .webhook_endpoint(&url)? // your receiver
//!     .webhook_deadline(Duration::from_secs(2))
//!     .webhook_backoff(Duration::from_millis(10))
//!     .start()?;
//! let completed = EventMatch::any().event_type("checkout.session.completed");
//! fake.inject_delivery(completed, DeliveryFault::Duplicate, 1);
//! # let client = easy_checkout_ureq::with_base_url(FakeEasy::TEST_KEY, &fake.base_url())?;
//! # let params = easy_checkout_ureq::easy_checkout_core::ops::CreateSession::new(
//! #     vec![easy_checkout_ureq::easy_checkout_core::ops::LineItem::new("price_abc", 1)],
//! #     "https://shop.example/done",
//! # );
//! # let session = client.embedded_checkout().create_session(&params)?;
//! // … a session is created and paid …
//! assert!(fake.mark_paid(&session.id));
//! assert!(fake.wait_for_deliveries(Duration::from_secs(10)));
//!
//! let log = fake.deliveries();
//! assert_eq!(log.len(), 2);
//! assert!(log.iter().all(|a| a.verdict == DeliveryVerdict::Delivered && a.attempt == 1));
//! assert_eq!(log[0].event_id, log[1].event_id, "one event …");
//! assert_ne!(log[0].delivery_id, log[1].delivery_id, "… delivered twice");
//! # let ids = receiver.join().unwrap()?;
//! # assert_eq!(ids, [log[0].event_id.clone(), log[0].event_id.clone()]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
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
//! $ curl -s localhost:4010/__fake/webhooks/endpoints -d '{"url":"http://127.0.0.1:3000/webhooks"}'
//! {"data":{"id":"we_1","url":"http://127.0.0.1:3000/webhooks"}}
//! $ curl -s localhost:4010/__fake/webhooks/faults -d '{"kind":"duplicate","event_type":"checkout.session.completed"}'
//! {"data":{"pending":1,"queued":1}}
//! $ curl -s localhost:4010/__fake/webhooks/wait -d '{"timeout_ms":5000}'
//! {"data":{"in_flight":0,"pending":0,"settled":true}}
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
//! In layers, each importing only the ones below it:
//!
//! | module | what it is |
//! |---|---|
//! | `fake` | [`FakeBuilder`] and [`FakeEasy`]: the handle a test holds |
//! | `serve` | HTTP serving: the listener and connection limit, one thread per connection (`conn`), one request to one action (`exchange`: control API or API, recording, the rate-limit window, faults), writing actions out (`wire`), https (`tls`) |
//! | `control` | the control API under `/__fake/` (`webhooks`: its webhook routes) |
//! | `deliver` | the delivery engine: a thread that starts each due attempt on a thread of its own, and the HTTP client of an attempt (`client`); it decides nothing, the state's deliveries do |
//! | `api` | the API's semantics: routes, keys and body limits (`request`), one function per endpoint (`endpoints`), the JSON the state is shown as, webhook events included (`views`), and `pay`, the one way a session is paid and its events made; no sockets |
//! | `state` | everything remembered, behind one lock: sessions, idempotency records, the merchant config, recorded requests, queued faults, the rate-limit window, connection counts, the webhook deliveries (`deliveries`: endpoints, waiting deliveries, Easy's retry policy, the delivery log); every store bounded (`log` is the bounded log) |
//! | `fault` | [`Fault`] and [`Match`] as data, their queue, and `Fault::plan`: the one place a fault becomes what happens on the wire; [`DeliveryFault`] and [`EventMatch`] the same way (`delivery`) |
//! | `clock`, `reply`, `record`, `endpoint`, `http1`, `util` | the time the fake reads; replies and wire actions as values; what tests get back; webhook endpoint URLs, checked; HTTP/1.1 reading and writing, for the server and the deliveries; small helpers |
//!
//! The fake listens on `127.0.0.1` and serves every connection on a thread of its own, start
//! to end (over TLS when it serves https), reading HTTP/1.1 with `httparse` (bodies framed
//! by `Content-Length` or chunked, keep-alive unless the client asks for `close` or speaks
//! HTTP/1.0). Owning the socket is what lets [`Fault::Close`], [`Fault::CloseMidBody`] and
//! [`Fault::LoseReply`] shut a client's connection for real, lets [`FakeEasy::connections`]
//! count client connections exactly, and lets `Drop` close keep-alive connections instead of
//! leaving clients hanging. No connection ever waits for a pool: an earlier version served
//! through tiny_http, whose worker pool can lose the wake-up for a new connection and leave
//! it unread until another keep-alive connection closes (a call stalled for the client's
//! whole timeout).

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod api;
mod clock;
mod control;
mod deliver;
mod endpoint;
mod fake;
mod fault;
mod http1;
mod record;
mod reply;
mod serve;
mod state;
mod util;

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
