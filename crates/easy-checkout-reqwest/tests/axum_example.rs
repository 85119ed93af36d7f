//! The axum example (`examples/axum_checkout.rs`) against the fake, driven over real HTTP as a
//! browser and Easy would: the fake has the example's `/webhooks` registered and delivers
//! each event itself, signed, with its retries and the delivery faults queued here. Checked
//! from the fake's delivery log and the shop's own state: a duplicated delivery and a
//! delivery retried after a 503 each fulfil the order once, and a forged one is refused.

#[path = "../examples/axum_checkout.rs"]
#[allow(dead_code)]
mod example;

use std::sync::Arc;
use std::time::Duration;

use easy_checkout_core::ops::{Confirm, PaymentMethod};
use easy_checkout_core::webhook::WebhookSecret;
use easy_checkout_core::{AsyncTransport, ClientSecret, Config, RetryPolicy, http};
use easy_checkout_fake::{
    DeliveryAttempt, DeliveryFault, DeliveryVerdict, EventMatch, FakeEasy, Fault, Match,
    sample_event, webhook_request,
};
use easy_checkout_reqwest::ReqwestTransport;
use serde_json::{Value, json};

use example::Shop;

const COMPLETED: &str = "checkout.session.completed";

/// The fake, the shop serving on loopback with its `/webhooks` registered on the fake, and a
/// browser.
struct Harness {
    fake: FakeEasy,
    shop: Arc<Shop>,
    shop_url: String,
    browser: ReqwestTransport,
}

impl Harness {
    /// The shop's Easy client retries nothing, so one failed API call fails the webhook
    /// attempt that made it (the example's 503).
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let shop_url = format!("http://{}", listener.local_addr().expect("addr"));
        // Every attempt here is answered: the deadline is never waited for, and is long
        // enough that a loaded machine causes no retry; the backoff is what a retry waits.
        let fake = FakeEasy::builder()
            .webhook_endpoint(&format!("{shop_url}/webhooks"))
            .expect("an http:// endpoint")
            .webhook_deadline(Duration::from_secs(10))
            .webhook_backoff(Duration::from_millis(20))
            .start()
            .expect("the fake starts");
        let easy = easy_checkout_reqwest::with_base_url(FakeEasy::TEST_KEY, &fake.base_url())
            .expect("a client of the fake")
            .with_retry_policy(RetryPolicy::never());
        let shop = Arc::new(Shop::new(easy, fake.webhook_secret(), &shop_url));
        let router = example::router(Arc::clone(&shop));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self {
            fake,
            shop,
            shop_url,
            browser: ReqwestTransport::new(),
        }
    }

    async fn send(&self, request: http::Request<Vec<u8>>) -> (u16, Value) {
        let response = self.browser.send(request).await.expect("the shop answers");
        let body = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
        (response.status().as_u16(), body)
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let request = http::Request::get(format!("{}{path}", self.shop_url))
            .body(Vec::new())
            .expect("a request");
        self.send(request).await
    }

    /// The browser asks the shop for a session: its id and client secret.
    async fn mint(&self) -> (String, String) {
        let request = http::Request::post(format!("{}/api/checkout/session", self.shop_url))
            .header("content-type", "application/json")
            .body(br#"{"price_id": "price_abc", "quantity": 2}"#.to_vec())
            .expect("a request");
        let (status, minted) = self.send(request).await;
        assert_eq!(status, 200, "{minted}");
        let field = |name: &str| minted[name].as_str().expect(name).to_owned();
        (field("id"), field("client_secret"))
    }

    /// Pays as the iframe does: `confirm` with the client secret, no API key.
    async fn pay(&self, client_secret: &str) {
        let iframe = easy_checkout_reqwest::with_config(
            Config::from_values(None, Some(&self.fake.base_url())).expect("a keyless client"),
            Default::default(),
        );
        iframe
            .embedded_checkout()
            .confirm(&Confirm::new(
                ClientSecret::new(client_secret).expect("a secret"),
                PaymentMethod::card("tok_visa"),
            ))
            .await
            .expect("paid");
    }

    /// Waits for the fake's deliveries to end (off the runtime's threads: the shop answers
    /// them there); the attempts at the session's events, oldest first.
    fn deliveries_of(&self, session_id: &str) -> Vec<DeliveryAttempt> {
        let done =
            tokio::task::block_in_place(|| self.fake.wait_for_deliveries(Duration::from_secs(30)));
        let deliveries = self.fake.deliveries();
        assert!(done, "deliveries still under way: {deliveries:?}");
        (deliveries.into_iter())
            .filter(|a| a.session_id == session_id)
            .collect()
    }
}

/// Each attempt's (event id, attempt, status, verdict).
fn summary(attempts: &[DeliveryAttempt]) -> Vec<(&str, u8, Option<u16>, DeliveryVerdict)> {
    (attempts.iter())
        .map(|a| (a.event_id.as_str(), a.attempt, a.status, a.verdict))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mint_pay_return_and_a_duplicated_delivery_fulfils_once() {
    let h = Harness::start().await;
    let (id, secret) = h.mint().await;
    let created = &h.fake.requests()[0];
    assert_eq!(created.path, "/embedded-checkout");
    assert_eq!(
        serde_json::from_slice::<Value>(&created.body).expect("JSON"),
        json!({
            "items": [{"price_id": "price_abc", "quantity": 2}],
            "return_url": format!("{}/checkout/{{SESSION_ID}}/return", h.shop_url),
        })
    );
    let (status, page) = h.get(&format!("/checkout/{id}/return")).await;
    assert_eq!((status, &page), (200, &json!({"id": id, "paid": false})));

    // Easy delivers at least once: here the `completed` event goes out twice.
    h.fake.inject_delivery(
        EventMatch::any().event_type(COMPLETED),
        DeliveryFault::Duplicate,
        1,
    );
    h.pay(&secret).await;
    let attempts = h.deliveries_of(&id);

    let event_id = attempts[0].event_id.as_str();
    assert!(event_id.starts_with("evt_"), "{event_id}");
    assert_eq!(
        summary(&attempts),
        [
            (event_id, 1, Some(200), DeliveryVerdict::Delivered),
            (event_id, 1, Some(200), DeliveryVerdict::Delivered),
        ],
        "two deliveries of one event, both acknowledged"
    );
    assert_ne!(attempts[0].delivery_id, attempts[1].delivery_id);
    assert_eq!(h.shop.fulfilled(), [id.as_str()], "fulfilled once");
    assert_eq!(h.fake.session(&id).expect("the session")["payments"], 1);
    let (status, page) = h.get(&format!("/checkout/{id}/return")).await;
    assert_eq!((status, &page), (200, &json!({"id": id, "paid": true})));

    // A new event for the paid session, signed with another secret: refused, nothing fulfilled.
    let forged = webhook_request(
        &format!("{}/webhooks", h.shop_url),
        COMPLETED,
        sample_event(COMPLETED, &id, Some("evt_forged")),
        &WebhookSecret::new("whsec_not_easys"),
        1,
    )
    .expect("a request");
    assert_eq!(h.send(forged).await.0, 400);
    assert_eq!(h.shop.fulfilled(), [id.as_str()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_answered_503_is_retried_and_fulfils_once() {
    let h = Harness::start().await;
    let (id, secret) = h.mint().await;
    // Easy's API fails the shop's check of the session once: the shop answers the first
    // attempt 503 and lets go of the event, so the second attempt fulfils.
    h.fake.inject_matching(
        Match::any()
            .method("GET")
            .path(format!("/embedded-checkout/{id}")),
        Fault::status(500),
        1,
    );
    h.pay(&secret).await;
    let attempts = h.deliveries_of(&id);

    let event_id = attempts[0].event_id.as_str();
    assert_eq!(
        summary(&attempts),
        [
            (event_id, 1, Some(503), DeliveryVerdict::Retrying),
            (event_id, 2, Some(200), DeliveryVerdict::Delivered),
        ]
    );
    assert_ne!(attempts[0].delivery_id, attempts[1].delivery_id);
    let faults = h.fake.pending_faults();
    assert_eq!(faults, 0, "the shop's first check met the fault");
    assert_eq!(h.shop.fulfilled(), [id.as_str()], "fulfilled once");
    assert_eq!(h.fake.session(&id).expect("the session")["payments"], 1);
}

/// One crypto payment raises two events, `completed` then `crypto_confirmed`, with two event
/// ids: each is delivered and answered, and the session is fulfilled once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crypto_payments_two_events_fulfil_once() {
    let h = Harness::start().await;
    let (id, _secret) = h.mint().await;
    assert!(h.fake.mark_crypto_paid(&id));
    let attempts = h.deliveries_of(&id);
    let kinds: Vec<_> = attempts.iter().map(|a| a.event_type.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "checkout.session.completed",
            "checkout.session.crypto_confirmed"
        ]
    );
    assert_ne!(attempts[0].event_id, attempts[1].event_id);
    assert!(
        attempts.iter().all(|a| a.status == Some(200)),
        "{attempts:?}"
    );
    assert_eq!(h.shop.fulfilled(), [id.as_str()], "fulfilled once");
}
