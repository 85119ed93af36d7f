//! Webhook deliveries over loopback, to real HTTP receivers: the documented headers and
//! signature, Easy's retry policy (in test-sized timing), the delivery log, the delivery
//! faults, and what a receiver must do to fulfil each order exactly once.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::receiver::{Answer, Received, Receiver};
use common::{call, card, create, get, post_anon};
use easy_checkout_core::webhook::{self, WebhookEvent};
use easy_checkout_fake::{
    DeliveryAttempt, DeliveryFault, DeliveryVerdict, EndpointError, EventMatch, FakeBuilder,
    FakeEasy,
};
use serde_json::{Value, json};

const COMPLETED: &str = "checkout.session.completed";
const CRYPTO: &str = "checkout.session.crypto_confirmed";
const DEADLINE: Duration = Duration::from_millis(300);
/// The fake's documented signing secret, as a merchant's receiver would be configured.
const FAKE_SECRET: &str = "whsec_fake_secret";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A fake with test-sized timing: a 300 ms deadline, 10 ms then 20 ms of backoff.
fn fast() -> FakeBuilder {
    FakeEasy::builder()
        .webhook_deadline(DEADLINE)
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

/// Creates a session; its id.
fn new_session(fake: &FakeEasy) -> String {
    create(fake)["id"].as_str().unwrap().to_owned()
}

/// Creates a session and pays it as the iframe does (`confirm`); its id.
fn paid_by_confirm(fake: &FakeEasy) -> String {
    let session = create(fake);
    let secret = session["client_secret"].as_str().unwrap();
    let confirmed = post_anon(fake, "/embedded-checkout/confirm", &card(secret, "tok_1"));
    assert_eq!(confirmed.status, 200);
    session["id"].as_str().unwrap().to_owned()
}

/// A control request.
fn control(fake: &FakeEasy, method: &str, path: &str, body: Option<&Value>) -> common::Resp {
    call(fake, method, path, None, body)
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

#[test]
fn a_paid_session_is_posted_signed_with_the_documented_headers() {
    let receiver = Receiver::answering(204);
    let fake = delivering_to(&[&receiver]);
    let id = paid_by_confirm(&fake);
    settle(&fake);

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/webhooks/easy")
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("x-easy-event"), Some(COMPLETED));
    assert_eq!(request.header("x-easy-webhook-attempt"), Some("1"));
    let delivery_id = request.header("x-easy-delivery-id").unwrap();
    assert_eq!(delivery_id.len(), 36, "a UUID: {delivery_id}");
    let event = verified(&fake, request);
    assert_eq!(
        (event.kind.as_str(), event.data["id"].as_str()),
        (COMPLETED, Some(id.as_str()))
    );
    assert!(event.id.starts_with("evt_"), "{}", event.id);
    assert_eq!(event.data["payment_status"], "succeeded");
    assert!(
        event.data.get("client_secret").is_none(),
        "no secret in an event"
    );
    // The same event as the one `webhook_for` shows, byte for byte.
    assert_eq!(fake.webhook_for(&id).unwrap().body, request.body);

    let log = fake.deliveries();
    assert_eq!(verdicts(&log), [(1, Some(204), DeliveryVerdict::Delivered)]);
    let attempt = &log[0];
    assert_eq!(
        (attempt.event_id.as_str(), attempt.delivery_id.as_str()),
        (event.id.as_str(), delivery_id)
    );
    assert_eq!(
        (attempt.session_id.as_str(), attempt.endpoint_id.as_str()),
        (id.as_str(), "we_1")
    );
    assert_eq!(
        (attempt.url.clone(), attempt.error.clone()),
        (receiver.url(), None)
    );
}

#[test]
fn a_crypto_payment_delivers_completed_then_crypto_confirmed_to_every_endpoint() {
    let (first, second) = (Receiver::answering(200), Receiver::answering(200));
    let fake = delivering_to(&[&first, &second]);
    let id = new_session(&fake);
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
        let kinds: Vec<String> = (receiver.received().iter())
            .map(|r| verified(&fake, r).kind.as_str().to_owned())
            .collect();
        assert_eq!(kinds, [COMPLETED, CRYPTO]);
        let crypto = verified(&fake, &receiver.received()[1]);
        assert_eq!(crypto.data["crypto_payment"]["status"], "confirmed");
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
    fake.mark_paid(&new_session(&fake));
    settle(&fake);

    let received = receiver.received();
    let attempts: Vec<u8> = received.iter().map(Received::attempt).collect();
    assert_eq!(attempts, [1, 2]);
    let events: HashSet<String> = received.iter().map(Received::event_id).collect();
    assert_eq!(events.len(), 1, "one event id on every attempt");
    assert_eq!(received[0].body, received[1].body, "the same bytes");
    let delivery_ids: HashSet<&str> = (received.iter())
        .map(|r| r.header("x-easy-delivery-id").unwrap())
        .collect();
    assert_eq!(delivery_ids.len(), 2, "a delivery id per attempt");
    assert_eq!(
        verdicts(&fake.deliveries()),
        [
            (1, Some(500), DeliveryVerdict::Retrying),
            (2, Some(200), DeliveryVerdict::Delivered)
        ]
    );
}

#[test]
fn an_endpoint_that_never_answers_gets_three_attempts_and_the_log_says_failed() {
    let receiver = Receiver::start(|_| Answer::Hold);
    let fake = delivering_to(&[&receiver]);
    let id = paid_by_confirm(&fake);
    // Three deadlines of 300 ms and 30 ms of backoff: far inside the 20 s of `settle`.
    settle(&fake);

    let received = receiver.received();
    assert_eq!(
        received.iter().map(Received::attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(
        received
            .iter()
            .map(Received::event_id)
            .collect::<HashSet<_>>()
            .len(),
        1
    );
    let log = fake.deliveries();
    assert_eq!(
        verdicts(&log),
        [
            (1, None, DeliveryVerdict::Retrying),
            (2, None, DeliveryVerdict::Retrying),
            (3, None, DeliveryVerdict::Failed)
        ]
    );
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
    fake.mark_paid(&new_session(&fake));
    settle(&fake);
    let log = fake.deliveries();
    assert_eq!(log.len(), 3);
    assert_eq!(log[2].verdict, DeliveryVerdict::Failed);
    let error = log[0].error.as_deref().unwrap();
    assert!(error.starts_with("cannot connect to 127.0.0.1:"), "{error}");
}

#[test]
fn a_held_delivery_never_delays_an_api_reply() {
    let mut first = true;
    let receiver = Receiver::start(move |_| {
        let answer = if first {
            Answer::Hold
        } else {
            Answer::Status(200)
        };
        first = false;
        answer
    });
    let fake = delivering_to(&[&receiver]);
    let held = paid_by_confirm(&fake);
    receiver.wait_for(1);
    // The endpoint holds the first delivery unanswered; the API answers all the same.
    let other = paid_by_confirm(&fake);
    assert_eq!(
        get(&fake, &format!("/embedded-checkout/{held}")).data()["payment_status"],
        "succeeded"
    );
    assert!(!fake.wait_for_deliveries(Duration::ZERO), "still held");
    assert!(fake.deliveries().is_empty(), "no attempt has ended");
    receiver.release();
    settle(&fake);
    let sessions: Vec<String> = fake
        .deliveries()
        .into_iter()
        .map(|a| a.session_id)
        .collect();
    // One at a time per endpoint: the held one ends (cut, retried later) before the next.
    assert_eq!(sessions, [held.clone(), other, held]);
}

#[test]
fn a_duplicate_delivery_fulfils_once_by_event_id_and_twice_by_delivery_id() {
    // Two merchants' receivers, each fulfilling what it has not seen: one keyed on the event
    // id (what the docs say), one on the delivery id.
    let by_event = Fulfiller::start(|r| r.event_id());
    let by_delivery = Fulfiller::start(|r| r.header("x-easy-delivery-id").unwrap().to_owned());
    let fake = delivering_to(&[&by_event.receiver, &by_delivery.receiver]);
    let completed = EventMatch::any().event_type(COMPLETED);
    fake.inject_delivery(completed, DeliveryFault::Duplicate, 2); // one per endpoint
    let id = paid_by_confirm(&fake);
    settle(&fake);
    assert_eq!(fake.pending_delivery_faults(), 0);

    for (name, fulfiller, fulfilled) in
        [("event id", &by_event, 1), ("delivery id", &by_delivery, 2)]
    {
        let received = fulfiller.receiver.received();
        let events: HashSet<String> = received.iter().map(Received::event_id).collect();
        let deliveries: HashSet<&str> = (received.iter())
            .map(|r| r.header("x-easy-delivery-id").unwrap())
            .collect();
        let attempts: Vec<u8> = received.iter().map(Received::attempt).collect();
        let orders = fulfiller.orders();
        eprintln!(
            "deduplicating on the {name}: {} deliveries (attempts {attempts:?}), {} event id, \
             {} delivery ids, {} fulfilments of {id}",
            received.len(),
            events.len(),
            deliveries.len(),
            orders.len(),
        );
        assert_eq!(
            (received.len(), events.len(), deliveries.len()),
            (2, 1, 2),
            "{name}"
        );
        assert_eq!(attempts, [1, 1], "two deliveries, each a first attempt");
        assert_eq!(orders, vec![id.clone(); fulfilled], "{name}");
    }
}

/// A merchant's receiver: verifies each delivery, and fulfils the order of each
/// `checkout.session.completed` whose key (by `key`) it has not seen, answering 200.
struct Fulfiller {
    receiver: Receiver,
    fulfilled: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Fulfiller {
    fn start(key: fn(&Received) -> String) -> Fulfiller {
        let fulfilled = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let orders = std::sync::Arc::clone(&fulfilled);
        let mut seen = HashSet::new();
        let secret = webhook::WebhookSecret::new(FAKE_SECRET);
        let receiver = Receiver::start(move |request| {
            let signature = request.header("x-easy-webhook-signature");
            let Ok(event) = webhook::verify(&secret, signature, &request.body) else {
                return Answer::Status(400);
            };
            if event.kind.as_str() == COMPLETED && seen.insert(key(request)) {
                let session = event.data["id"].as_str().unwrap_or_default().to_owned();
                orders.lock().unwrap().push(session);
            }
            Answer::Status(200)
        });
        Fulfiller {
            receiver,
            fulfilled,
        }
    }

    /// The sessions fulfilled, in order.
    fn orders(&self) -> Vec<String> {
        self.fulfilled.lock().unwrap().clone()
    }
}

#[test]
fn faults_make_deliveries_late_out_of_order_replayed_or_dropped() {
    let receiver = Receiver::answering(200);
    let fake = delivering_to(&[&receiver]);
    let ids: Vec<String> = (0..4).map(|_| new_session(&fake)).collect();
    let on = |n: usize| EventMatch::any().session(ids[n].clone());
    fake.inject_delivery(on(0), DeliveryFault::OutOfOrder, 1);
    fake.inject_delivery(
        on(1).event_type(COMPLETED),
        DeliveryFault::Delay(ms(100)),
        1,
    );
    fake.inject_delivery(on(2), DeliveryFault::Replay(ms(50)), 1);
    fake.inject_delivery(on(3), DeliveryFault::DropAttempt, 2);
    fake.mark_crypto_paid(&ids[0]);
    fake.mark_crypto_paid(&ids[1]);
    fake.mark_paid(&ids[2]);
    fake.mark_paid(&ids[3]);
    settle(&fake);

    let seen = |n: usize| -> Vec<(String, u8)> {
        (receiver.received().iter())
            .filter(|r| r.json()["data"]["id"] == ids[n].as_str())
            .map(|r| (r.header("x-easy-event").unwrap().to_owned(), r.attempt()))
            .collect()
    };
    let (completed, crypto) = (COMPLETED.to_owned(), CRYPTO.to_owned());
    assert_eq!(
        seen(0),
        [(crypto.clone(), 1), (completed.clone(), 1)],
        "out of order"
    );
    assert_eq!(
        seen(1),
        [(crypto, 1), (completed.clone(), 1)],
        "the late one after"
    );
    assert_eq!(
        seen(2),
        [(completed.clone(), 1), (completed.clone(), 1)],
        "replayed"
    );
    let replayed: Vec<Received> = (receiver.received().into_iter())
        .filter(|r| r.json()["data"]["id"] == ids[2].as_str())
        .collect();
    assert_eq!(
        replayed[0].body, replayed[1].body,
        "the same event, signed the same"
    );
    assert_ne!(
        replayed[0].header("x-easy-delivery-id"),
        replayed[1].header("x-easy-delivery-id")
    );
    // Two attempts dropped before they were sent: the receiver sees only the third.
    assert_eq!(seen(3), [(completed, 3)], "dropped twice");
    let dropped: Vec<_> = (fake.deliveries().into_iter())
        .filter(|a| a.session_id == ids[3])
        .map(|a| (a.attempt, a.error, a.verdict))
        .collect();
    let not_sent = Some("dropped by a delivery fault: not sent".to_owned());
    assert_eq!(
        dropped,
        [
            (1, not_sent.clone(), DeliveryVerdict::Retrying),
            (2, not_sent, DeliveryVerdict::Retrying),
            (3, None, DeliveryVerdict::Delivered)
        ]
    );
}

#[test]
fn endpoint_urls_are_checked_when_registered() {
    let fake = FakeEasy::start().unwrap();
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
        let over_http = control(
            &fake,
            "POST",
            "/__fake/webhooks/endpoints",
            Some(&json!({ "url": bad })),
        );
        assert_eq!(
            (over_http.status, over_http.code().as_str()),
            (400, "INVALID_ENDPOINT")
        );
        assert_eq!(over_http.json()["error"]["details"]["field"], "url");
    }
    let https = fake
        .add_webhook_endpoint("https://shop.example/hooks")
        .unwrap_err();
    assert!(matches!(https, EndpointError::Https { .. }));
    let missing = control(
        &fake,
        "POST",
        "/__fake/webhooks/endpoints",
        Some(&json!({})),
    );
    assert_eq!(
        missing.json()["error"]["details"],
        json!({ "field": "url", "reason": "is required and must be a string" })
    );
    for n in 1..=5 {
        let endpoint = fake
            .add_webhook_endpoint(&format!("http://127.0.0.1:{n}/"))
            .unwrap();
        assert_eq!(endpoint.id, format!("we_{n}"));
    }
    assert_eq!(
        fake.add_webhook_endpoint("http://127.0.0.1:9/"),
        Err(EndpointError::TooMany { limit: 5 })
    );
    let sixth = control(
        &fake,
        "POST",
        "/__fake/webhooks/endpoints",
        Some(&json!({ "url": "http://127.0.0.1:9/" })),
    );
    assert_eq!(
        (sixth.status, sixth.code().as_str()),
        (409, "TOO_MANY_ENDPOINTS")
    );
    assert_eq!(
        fake.webhook_endpoints().len(),
        5,
        "nothing registered by a refusal"
    );
    let builder = FakeEasy::builder().webhook_endpoint("mailto:shop@example.com");
    assert!(matches!(builder, Err(EndpointError::Invalid { .. })));
}

#[test]
fn answers_that_trickle_flood_or_never_end_their_head_are_bounded() {
    let mut answers = vec![Answer::Trickle, Answer::Flood, Answer::HugeHead].into_iter();
    let receiver = Receiver::start(move |_| answers.next().unwrap_or(Answer::Status(200)));
    let fake = delivering_to(&[&receiver]);
    fake.mark_paid(&new_session(&fake));
    fake.mark_paid(&new_session(&fake));
    fake.mark_paid(&new_session(&fake));
    settle(&fake);
    receiver.release();
    let firsts: Vec<(Option<u16>, Option<String>)> = (fake.deliveries().into_iter())
        .filter(|a| a.attempt == 1)
        .map(|a| (a.status, a.error))
        .collect();
    assert_eq!(
        firsts,
        [
            (
                None,
                Some("no whole answer within the deadline of 300ms".to_owned())
            ),
            // A 200 is a 200: the fake reads 64 KiB of the body, and no more.
            (Some(200), None),
            (
                None,
                Some("malformed answer: the head is too large".to_owned())
            ),
        ]
    );
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
    let registered = control(
        &fake,
        "POST",
        "/__fake/webhooks/endpoints",
        Some(&json!({ "url": receiver.url() })),
    );
    assert_eq!(
        registered.data(),
        json!({ "id": "we_1", "url": receiver.url() })
    );
    let listed = control(&fake, "GET", "/__fake/webhooks/endpoints", None).data();
    assert_eq!(listed, json!([{ "id": "we_1", "url": receiver.url() }]));
    let overview = control(&fake, "GET", "/__fake/webhooks", None).data();
    assert_eq!(overview["secret"], "whsec_fake_secret");
    assert_eq!(
        (
            overview["deadline_ms"].clone(),
            overview["backoff_ms"].clone()
        ),
        (json!(300), json!(10))
    );
    assert_eq!(overview["max_attempts"], 3);

    let fault = json!({ "kind": "duplicate", "event_type": COMPLETED, "times": 1 });
    let queued = control(&fake, "POST", "/__fake/webhooks/faults", Some(&fault)).data();
    assert_eq!(queued, json!({ "queued": 1, "pending": 1 }));
    let bad = control(
        &fake,
        "POST",
        "/__fake/webhooks/faults",
        Some(&json!({ "kind": "delay" })),
    );
    assert_eq!(
        (bad.status, bad.json()["error"]["details"]["field"].clone()),
        (400, json!("ms"))
    );
    let bad = control(
        &fake,
        "POST",
        "/__fake/webhooks/faults",
        Some(&json!({ "kind": "lose" })),
    );
    assert_eq!(bad.json()["error"]["details"]["field"], "kind");

    let id = new_session(&fake);
    control(&fake, "POST", &format!("/__fake/sessions/{id}/pay"), None);
    let waited = control(
        &fake,
        "POST",
        "/__fake/webhooks/wait",
        Some(&json!({ "timeout_ms": 20_000 })),
    )
    .data();
    assert_eq!(
        waited,
        json!({ "settled": true, "pending": 0, "in_flight": 0 })
    );
    let log = control(
        &fake,
        "GET",
        &format!("/__fake/webhooks/deliveries?session_id={id}"),
        None,
    )
    .data();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2, "delivered twice: {log:#?}");
    assert_eq!(log[0]["event_id"], log[1]["event_id"]);
    assert_ne!(log[0]["delivery_id"], log[1]["delivery_id"]);
    for attempt in log {
        assert_eq!(
            (attempt["attempt"].clone(), attempt["status"].clone()),
            (json!(1), json!(200))
        );
        assert_eq!(
            (attempt["verdict"].clone(), attempt["error"].clone()),
            (json!("delivered"), Value::Null)
        );
        assert_eq!(attempt["endpoint_id"], "we_1");
        assert!(attempt["duration_ms"].as_f64().unwrap() > 0.0);
    }
    let none = control(
        &fake,
        "GET",
        "/__fake/webhooks/deliveries?session_id=ecs_404",
        None,
    )
    .data();
    assert_eq!(none, json!([]));
    let stats = control(&fake, "GET", "/__fake/stats", None).data();
    assert_eq!(
        stats["deliveries"],
        json!({ "kept": 2, "limit": 10_000, "dropped": 0 })
    );
    assert_eq!(
        stats["pending_deliveries"],
        json!({ "kept": 0, "limit": 10_000, "dropped": 0 })
    );

    let removed = control(&fake, "DELETE", "/__fake/webhooks/endpoints/we_1", None).data();
    assert_eq!(removed, json!({ "removed": "we_1" }));
    let again = control(&fake, "DELETE", "/__fake/webhooks/endpoints/we_1", None);
    assert_eq!(
        (again.status, again.code().as_str()),
        (404, "ENDPOINT_NOT_FOUND")
    );
    let wrong = control(&fake, "PUT", "/__fake/webhooks/endpoints", None);
    assert_eq!(wrong.status, 405);

    // Loopback only, as the rest of the control API.
    let registering = json!({ "url": receiver.url() });
    let body = serde_json::to_vec(&registering).unwrap();
    let foreign = common::Conn::open(&fake)
        .send(
            "POST",
            "/__fake/webhooks/endpoints",
            &[("Host", "evil.example")],
            Some(&body),
        )
        .unwrap();
    assert_eq!(
        (foreign.status, foreign.code().as_str()),
        (403, "FORBIDDEN_HOST")
    );
    assert!(fake.webhook_endpoints().is_empty());
}

#[test]
fn a_reset_forgets_deliveries_and_keeps_endpoints() {
    let receiver = Receiver::answering(200);
    let fake = delivering_to(&[&receiver]);
    fake.mark_paid(&new_session(&fake));
    settle(&fake);
    fake.inject_delivery(EventMatch::any(), DeliveryFault::Duplicate, 1);
    fake.reset();
    assert_eq!(
        (fake.deliveries().len(), fake.pending_delivery_faults()),
        (0, 0)
    );
    assert_eq!(fake.webhook_endpoints().len(), 1);
    fake.mark_paid(&new_session(&fake));
    settle(&fake);
    let events: HashSet<String> = receiver.received().iter().map(Received::event_id).collect();
    assert_eq!(
        events.len(),
        2,
        "ecs_1 before and after the reset: two events, two ids"
    );
}

#[test]
fn dropping_the_fake_cuts_a_held_delivery() {
    let receiver = Receiver::start(|_| Answer::Hold);
    let fake = FakeEasy::builder()
        .webhook_endpoint(&receiver.url())
        .unwrap()
        .start()
        .unwrap();
    fake.mark_paid(&new_session(&fake));
    receiver.wait_for(1);
    // The default deadline is 30 s: the drop cuts the attempt instead of waiting it out.
    let started = std::time::Instant::now();
    drop(fake);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}
