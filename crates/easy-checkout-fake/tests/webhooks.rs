//! Webhook deliveries over loopback, to real HTTP receivers: the documented headers and
//! signature, Easy's retry policy (in test-sized timing), the delivery log, the delivery
//! faults, and what a receiver must do to fulfil each order exactly once.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::receiver::{Answer, Received, Receiver};
use common::{Conn, confirm, control, get, new_session};
use easy_checkout_core::webhook::{self, WebhookEvent};
use easy_checkout_fake::{
    DeliveryAttempt, DeliveryFault, DeliveryVerdict, EndpointError, EventMatch, FakeBuilder,
    FakeEasy,
};
use serde_json::{Value, json};

const COMPLETED: &str = "checkout.session.completed";
const CRYPTO: &str = "checkout.session.crypto_confirmed";
/// The fake's documented signing secret, as a merchant's receiver would be configured.
const FAKE_SECRET: &str = "whsec_fake_secret";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A fake with test-sized timing: a 300 ms deadline, 10 ms then 20 ms of backoff.
fn fast() -> FakeBuilder {
    FakeEasy::builder()
        .webhook_deadline(ms(300))
        .webhook_backoff(ms(10))
}

/// A [`fast`] fake delivering to `receivers`.
fn delivering_to(receivers: &[&Receiver]) -> FakeEasy {
    let builder = receivers.iter().fold(fast(), |builder, receiver| {
        builder.webhook_endpoint(&receiver.url()).unwrap()
    });
    builder.start().unwrap()
}

/// Waits (woken by each attempt, at most 20 s) until every delivery is done.
#[track_caller]
fn settle(fake: &FakeEasy) {
    assert!(
        fake.wait_for_deliveries(Duration::from_secs(20)),
        "deliveries still running: {:#?}",
        fake.deliveries()
    );
}

/// Creates a session and pays it as the iframe does (`confirm`); its id.
fn paid_by_confirm(fake: &FakeEasy) -> String {
    let (id, secret) = new_session(fake);
    assert_eq!(confirm(fake, &secret, "tok_1").status, 200);
    id
}

/// The event `request` carries, verified with the fake's secret over the raw bytes.
#[track_caller]
fn verified(fake: &FakeEasy, request: &Received) -> WebhookEvent {
    let signature = request.header("x-easy-webhook-signature");
    webhook::verify(&fake.webhook_secret(), signature, &request.body)
        .unwrap_or_else(|e| panic!("{e}: {request:?}"))
}

fn verdicts(attempts: &[DeliveryAttempt]) -> Vec<(u8, Option<u16>, DeliveryVerdict)> {
    attempts
        .iter()
        .map(|a| (a.attempt, a.status, a.verdict))
        .collect()
}

fn event_ids(received: &[Received]) -> HashSet<String> {
    received.iter().map(Received::event_id).collect()
}

fn delivery_ids(received: &[Received]) -> HashSet<&str> {
    let ids = received.iter().map(|r| r.header("x-easy-delivery-id"));
    ids.map(Option::unwrap).collect()
}

fn attempts(received: &[Received]) -> Vec<u8> {
    received.iter().map(Received::attempt).collect()
}

#[test]
fn a_paid_session_is_posted_signed_with_the_documented_headers() {
    let receiver = Receiver::answering(204);
    let fake = delivering_to(&[&receiver]);
    let id = paid_by_confirm(&fake);
    settle(&fake);

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/webhooks/easy");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("x-easy-event"), Some(COMPLETED));
    assert_eq!(request.header("x-easy-webhook-attempt"), Some("1"));
    let delivery_id = request.header("x-easy-delivery-id").unwrap();
    assert_eq!(delivery_id.len(), 36, "a UUID: {delivery_id}");
    let event = verified(&fake, request);
    assert_eq!(event.kind.as_str(), COMPLETED);
    assert_eq!(event.data["id"], id);
    assert!(event.id.starts_with("evt_"), "{}", event.id);
    assert_eq!(event.data["payment_status"], "succeeded");
    assert!(event.data.get("client_secret").is_none());
    // The same event as the one `webhook_for` shows, byte for byte.
    assert_eq!(fake.webhook_for(&id).unwrap().body, request.body);

    let log = fake.deliveries();
    assert_eq!(verdicts(&log), [(1, Some(204), DeliveryVerdict::Delivered)]);
    let attempt = &log[0];
    assert_eq!(attempt.event_id, event.id);
    assert_eq!(attempt.delivery_id, delivery_id);
    assert_eq!(attempt.session_id, id);
    assert_eq!(attempt.endpoint_id, "we_1");
    assert_eq!(attempt.url, receiver.url());
    assert_eq!(attempt.error, None);
}

#[test]
fn a_crypto_payment_delivers_completed_then_crypto_confirmed_to_every_endpoint() {
    let (first, second) = (Receiver::answering(200), Receiver::answering(200));
    let fake = delivering_to(&[&first, &second]);
    let id = new_session(&fake).0;
    let paid = control(
        &fake,
        "POST",
        &format!("/__fake/sessions/{id}/crypto-pay"),
        None,
    );
    assert_eq!(paid.status, 200);
    // Paying again charges again, but no event is news: nothing more is delivered.
    assert!(fake.mark_crypto_paid(&id));
    settle(&fake);
    for receiver in [&first, &second] {
        let events: Vec<WebhookEvent> = (receiver.received().iter())
            .map(|r| verified(&fake, r))
            .collect();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, [COMPLETED, CRYPTO]);
        assert_eq!(events[1].data["crypto_payment"]["status"], "confirmed");
    }
    let ids: HashSet<String> = fake.deliveries().into_iter().map(|a| a.event_id).collect();
    assert_eq!(ids.len(), 2, "two events, each to two endpoints");
    assert_eq!(fake.deliveries().len(), 4);
}

#[test]
fn an_endpoint_that_fails_once_gets_exactly_two_attempts_of_one_event() {
    let mut answers = vec![Answer::Status(500), Answer::Status(200)].into_iter();
    let receiver = Receiver::start(move |_| answers.next().unwrap_or(Answer::Status(418)));
    let fake = delivering_to(&[&receiver]);
    fake.mark_paid(&new_session(&fake).0);
    settle(&fake);

    let received = receiver.received();
    assert_eq!(attempts(&received), [1, 2]);
    assert_eq!(event_ids(&received).len(), 1);
    assert_eq!(received[0].body, received[1].body, "the same bytes");
    assert_eq!(delivery_ids(&received).len(), 2);
    let expected = [
        (1, Some(500), DeliveryVerdict::Retrying),
        (2, Some(200), DeliveryVerdict::Delivered),
    ];
    assert_eq!(verdicts(&fake.deliveries()), expected);
}

#[test]
fn an_endpoint_that_never_answers_gets_three_attempts_and_the_log_says_failed() {
    let receiver = Receiver::start(|_| Answer::Hold);
    let fake = delivering_to(&[&receiver]);
    let id = paid_by_confirm(&fake);
    settle(&fake);

    let received = receiver.received();
    assert_eq!(attempts(&received), [1, 2, 3]);
    assert_eq!(event_ids(&received).len(), 1);
    let log = fake.deliveries();
    let expected = [
        (1, None, DeliveryVerdict::Retrying),
        (2, None, DeliveryVerdict::Retrying),
        (3, None, DeliveryVerdict::Failed),
    ];
    assert_eq!(verdicts(&log), expected);
    for attempt in &log {
        assert_eq!(attempt.session_id, id);
        let error = attempt.error.as_deref().unwrap();
        assert_eq!(error, "no whole answer within the deadline of 300ms");
    }
}

#[test]
fn a_refused_connection_is_retried_and_logged() {
    let closed = Receiver::answering(200).url(); // dropped at once: nothing listens there
    let fake = fast().webhook_endpoint(&closed).unwrap().start().unwrap();
    fake.mark_paid(&new_session(&fake).0);
    settle(&fake);
    let log = fake.deliveries();
    assert_eq!(log.len(), 3);
    assert_eq!(log[2].verdict, DeliveryVerdict::Failed);
    let error = log[0].error.as_deref().unwrap();
    assert!(error.starts_with("cannot connect to 127.0.0.1:"), "{error}");
}

#[test]
fn a_held_delivery_never_delays_an_api_reply() {
    let mut answers = vec![Answer::Hold].into_iter();
    let receiver = Receiver::start(move |_| answers.next().unwrap_or(Answer::Status(200)));
    let fake = delivering_to(&[&receiver]);
    let held = paid_by_confirm(&fake);
    receiver.wait_for(1);
    // The endpoint holds the first delivery unanswered; the API answers all the same.
    let other = paid_by_confirm(&fake);
    let session = get(&fake, &format!("/embedded-checkout/{held}")).data();
    assert_eq!(session["payment_status"], "succeeded");
    assert!(!fake.wait_for_deliveries(Duration::ZERO), "still held");
    assert!(fake.deliveries().is_empty(), "no attempt has ended");
    receiver.release();
    settle(&fake);
    let sessions: Vec<String> = (fake.deliveries().into_iter())
        .map(|a| a.session_id)
        .collect();
    // One at a time per endpoint: the held one ends (cut, retried later) before the next.
    assert_eq!(sessions, [held.clone(), other, held]);
}

#[test]
fn a_duplicate_delivery_fulfils_once_by_event_id_and_twice_by_delivery_id() {
    let by_event = Fulfiller::start(|r| r.event_id());
    let by_delivery = Fulfiller::start(|r| r.header("x-easy-delivery-id").unwrap().to_owned());
    let fake = delivering_to(&[&by_event.receiver, &by_delivery.receiver]);
    let completed = EventMatch::any().event_type(COMPLETED);
    fake.inject_delivery(completed, DeliveryFault::Duplicate, 2); // one per endpoint
    let id = paid_by_confirm(&fake);
    settle(&fake);
    assert_eq!(fake.pending_delivery_faults(), 0);

    for (fulfiller, fulfilled) in [(&by_event, 1), (&by_delivery, 2)] {
        let received = fulfiller.receiver.received();
        assert_eq!(received.len(), 2);
        assert_eq!(event_ids(&received).len(), 1);
        assert_eq!(delivery_ids(&received).len(), 2);
        assert_eq!(attempts(&received), [1, 1], "each a first attempt");
        assert_eq!(
            *fulfiller.orders.lock().unwrap(),
            vec![id.clone(); fulfilled]
        );
    }
}

/// A merchant's receiver: verifies each delivery, and fulfils the order of each
/// `checkout.session.completed` whose key (by `key`) it has not seen, answering 200.
struct Fulfiller {
    receiver: Receiver,
    /// The sessions fulfilled, in order.
    orders: Arc<Mutex<Vec<String>>>,
}

impl Fulfiller {
    fn start(key: fn(&Received) -> String) -> Fulfiller {
        let orders = Arc::new(Mutex::new(Vec::new()));
        let fulfilled = Arc::clone(&orders);
        let mut seen = HashSet::new();
        let secret = webhook::WebhookSecret::new(FAKE_SECRET);
        let receiver = Receiver::start(move |request| {
            let signature = request.header("x-easy-webhook-signature");
            let Ok(event) = webhook::verify(&secret, signature, &request.body) else {
                return Answer::Status(400);
            };
            if event.kind.as_str() == COMPLETED && seen.insert(key(request)) {
                let session = event.data["id"].as_str().unwrap_or_default().to_owned();
                fulfilled.lock().unwrap().push(session);
            }
            Answer::Status(200)
        });
        Fulfiller { receiver, orders }
    }
}

#[test]
fn faults_make_deliveries_late_out_of_order_replayed_or_dropped() {
    let receiver = Receiver::answering(200);
    let fake = delivering_to(&[&receiver]);
    let ids: Vec<String> = (0..4).map(|_| new_session(&fake).0).collect();
    let on = |n: usize| EventMatch::any().session(ids[n].clone());
    fake.inject_delivery(on(0), DeliveryFault::OutOfOrder, 1);
    let late = DeliveryFault::Delay(ms(100));
    fake.inject_delivery(on(1).event_type(COMPLETED), late, 1);
    fake.inject_delivery(on(2), DeliveryFault::Replay(ms(50)), 1);
    fake.inject_delivery(on(3), DeliveryFault::DropAttempt, 2);
    fake.mark_crypto_paid(&ids[0]);
    fake.mark_crypto_paid(&ids[1]);
    fake.mark_paid(&ids[2]);
    fake.mark_paid(&ids[3]);
    settle(&fake);

    let received = |n: usize| -> Vec<Received> {
        (receiver.received().into_iter())
            .filter(|r| r.json()["data"]["id"] == ids[n].as_str())
            .collect()
    };
    let seen = |n: usize| -> Vec<(String, u8)> {
        (received(n).iter())
            .map(|r| (r.header("x-easy-event").unwrap().to_owned(), r.attempt()))
            .collect()
    };
    let (completed, crypto) = ((COMPLETED.to_owned(), 1), (CRYPTO.to_owned(), 1));
    assert_eq!(seen(0), [crypto.clone(), completed.clone()], "out of order");
    assert_eq!(seen(1), [crypto, completed.clone()], "the late one after");
    assert_eq!(seen(2), [completed.clone(), completed], "replayed");
    let replayed = received(2);
    assert_eq!(replayed[0].body, replayed[1].body, "signed the same");
    assert_eq!(delivery_ids(&replayed).len(), 2);
    // Two attempts dropped before they were sent: the receiver sees only the third.
    assert_eq!(seen(3), [(COMPLETED.to_owned(), 3)], "dropped twice");
    let dropped: Vec<_> = (fake.deliveries().into_iter())
        .filter(|a| a.session_id == ids[3])
        .map(|a| (a.attempt, a.error, a.verdict))
        .collect();
    let not_sent = Some("dropped by a delivery fault: not sent".to_owned());
    let expected = [
        (1, not_sent.clone(), DeliveryVerdict::Retrying),
        (2, not_sent, DeliveryVerdict::Retrying),
        (3, None, DeliveryVerdict::Delivered),
    ];
    assert_eq!(dropped, expected);
}

#[test]
fn endpoint_urls_are_checked_when_registered() {
    let fake = FakeEasy::start().unwrap();
    let register = |body: Value| control(&fake, "POST", "/__fake/webhooks/endpoints", Some(&body));
    for bad in [
        "ftp://127.0.0.1/hooks",
        "127.0.0.1:3000/hooks",
        "http://",
        "http://a b/",
    ] {
        let refused = fake.add_webhook_endpoint(bad);
        assert!(
            matches!(refused, Err(EndpointError::Invalid { .. })),
            "{bad}: {refused:?}"
        );
        let details = register(json!({ "url": bad })).error(400, "INVALID_ENDPOINT");
        assert_eq!(details["field"], "url");
    }
    let https = fake.add_webhook_endpoint("https://shop.example/hooks");
    assert!(matches!(https, Err(EndpointError::Https { .. })));
    let missing = register(json!({})).json()["error"]["details"].clone();
    assert_eq!(
        missing,
        json!({ "field": "url", "reason": "is required and must be a string" })
    );
    for n in 1..=5 {
        let endpoint = fake.add_webhook_endpoint(&format!("http://127.0.0.1:{n}/"));
        assert_eq!(endpoint.unwrap().id, format!("we_{n}"));
    }
    let sixth = fake.add_webhook_endpoint("http://127.0.0.1:9/");
    assert_eq!(sixth, Err(EndpointError::TooMany { limit: 5 }));
    let sixth = register(json!({ "url": "http://127.0.0.1:9/" }));
    sixth.error(409, "TOO_MANY_ENDPOINTS");
    assert_eq!(fake.webhook_endpoints().len(), 5, "none by a refusal");
    let builder = FakeEasy::builder().webhook_endpoint("mailto:shop@example.com");
    assert!(matches!(builder, Err(EndpointError::Invalid { .. })));
}

#[test]
fn answers_that_trickle_flood_or_never_end_their_head_are_bounded() {
    let mut answers = vec![Answer::Trickle, Answer::Flood, Answer::HugeHead].into_iter();
    let receiver = Receiver::start(move |_| answers.next().unwrap_or(Answer::Status(200)));
    let fake = delivering_to(&[&receiver]);
    for _ in 0..3 {
        fake.mark_paid(&new_session(&fake).0);
    }
    settle(&fake);
    receiver.release();
    let firsts: Vec<(Option<u16>, Option<String>)> = (fake.deliveries().into_iter())
        .filter(|a| a.attempt == 1)
        .map(|a| (a.status, a.error))
        .collect();
    let error = |message: &str| (None, Some(message.to_owned()));
    let expected = [
        error("no whole answer within the deadline of 300ms"),
        // A 200 is a 200: the fake reads 64 KiB of the body, and no more.
        (Some(200), None),
        error("malformed answer: the head is too large"),
    ];
    assert_eq!(firsts, expected);
    let flooded = receiver.flooded();
    assert!(
        flooded.len() == 1 && flooded[0] < 1 << 30,
        "{flooded:?}: not read to the end"
    );
}

#[test]
fn the_control_api_registers_lists_logs_waits_and_faults() {
    let receiver = Receiver::answering(200);
    let fake = fast().start().unwrap();
    let get = |path: &str| control(&fake, "GET", path, None);
    let post = |path: &str, body: Value| control(&fake, "POST", path, Some(&body));
    let endpoint = json!({ "id": "we_1", "url": receiver.url() });
    let registered = post(
        "/__fake/webhooks/endpoints",
        json!({ "url": receiver.url() }),
    );
    assert_eq!(registered.data(), endpoint);
    assert_eq!(get("/__fake/webhooks/endpoints").data(), json!([endpoint]));
    let overview = get("/__fake/webhooks").data();
    assert_eq!(overview["secret"], "whsec_fake_secret");
    assert_eq!(overview["deadline_ms"], 300);
    assert_eq!(overview["backoff_ms"], 10);
    assert_eq!(overview["max_attempts"], 3);

    let fault = json!({ "kind": "duplicate", "event_type": COMPLETED, "times": 1 });
    let queued = post("/__fake/webhooks/faults", fault).data();
    assert_eq!(queued, json!({ "queued": 1, "pending": 1 }));
    let bad = post("/__fake/webhooks/faults", json!({ "kind": "delay" }));
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["details"]["field"], "ms");
    let bad = post("/__fake/webhooks/faults", json!({ "kind": "lose" }));
    assert_eq!(bad.json()["error"]["details"]["field"], "kind");

    let id = new_session(&fake).0;
    control(&fake, "POST", &format!("/__fake/sessions/{id}/pay"), None);
    let waited = post("/__fake/webhooks/wait", json!({ "timeout_ms": 20_000 })).data();
    assert_eq!(
        waited,
        json!({ "settled": true, "pending": 0, "in_flight": 0 })
    );
    // `timeout_ms` is optional: a bad one is refused as such, not as a missing one.
    for bad in [json!(-1), json!(600_001), json!("10")] {
        let details = post("/__fake/webhooks/wait", json!({ "timeout_ms": bad }));
        let reason = "must be an integer from 0 to 600000";
        let expected = json!({ "field": "timeout_ms", "reason": reason });
        assert_eq!(details.error(400, "INVALID_FAULT"), expected);
    }
    let log = get(&format!("/__fake/webhooks/deliveries?session_id={id}")).data();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2, "delivered twice: {log:#?}");
    assert_eq!(log[0]["event_id"], log[1]["event_id"]);
    assert_ne!(log[0]["delivery_id"], log[1]["delivery_id"]);
    for attempt in log {
        assert_eq!(attempt["attempt"], 1);
        assert_eq!(attempt["status"], 200);
        assert_eq!(attempt["verdict"], "delivered");
        assert_eq!(attempt["error"], Value::Null);
        assert_eq!(attempt["endpoint_id"], "we_1");
        assert!(attempt["duration_ms"].as_f64().unwrap() > 0.0);
    }
    let none = get("/__fake/webhooks/deliveries?session_id=ecs_404").data();
    assert_eq!(none, json!([]));
    let stats = get("/__fake/stats").data();
    let deliveries = json!({ "kept": 2, "limit": 10_000, "dropped": 0 });
    assert_eq!(stats["deliveries"], deliveries);
    let pending = json!({ "kept": 0, "limit": 10_000, "dropped": 0 });
    assert_eq!(stats["pending_deliveries"], pending);

    let remove = || control(&fake, "DELETE", "/__fake/webhooks/endpoints/we_1", None);
    assert_eq!(remove().data(), json!({ "removed": "we_1" }));
    remove().error(404, "ENDPOINT_NOT_FOUND");
    let wrong = control(&fake, "PUT", "/__fake/webhooks/endpoints", None);
    wrong.error(405, "METHOD_NOT_ALLOWED");

    // Loopback only, as the rest of the control API.
    let body = serde_json::to_vec(&json!({ "url": receiver.url() })).unwrap();
    let headers = [("Host", "evil.example")];
    let foreign =
        Conn::open(&fake).send("POST", "/__fake/webhooks/endpoints", &headers, Some(&body));
    foreign.unwrap().error(403, "FORBIDDEN_HOST");
    assert!(fake.webhook_endpoints().is_empty());
}

#[test]
fn a_reset_forgets_deliveries_and_keeps_endpoints() {
    let receiver = Receiver::answering(200);
    let fake = delivering_to(&[&receiver]);
    fake.mark_paid(&new_session(&fake).0);
    settle(&fake);
    fake.inject_delivery(EventMatch::any(), DeliveryFault::Duplicate, 1);
    fake.reset();
    assert_eq!(fake.deliveries().len(), 0);
    assert_eq!(fake.pending_delivery_faults(), 0);
    assert_eq!(fake.webhook_endpoints().len(), 1);
    fake.mark_paid(&new_session(&fake).0);
    settle(&fake);
    let events = event_ids(&receiver.received());
    assert_eq!(events.len(), 2, "ecs_1 before and after the reset");
}

#[test]
fn dropping_the_fake_cuts_a_held_delivery() {
    let receiver = Receiver::start(|_| Answer::Hold);
    let builder = FakeEasy::builder().webhook_endpoint(&receiver.url());
    let fake = builder.unwrap().start().unwrap();
    fake.mark_paid(&new_session(&fake).0);
    receiver.wait_for(1);
    // The default deadline is 30 s: the drop cuts the attempt instead of waiting it out.
    let started = Instant::now();
    drop(fake);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}
