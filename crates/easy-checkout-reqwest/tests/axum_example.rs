//! The axum example (`examples/axum_checkout.rs`) against the fake, driven over real HTTP as a
//! browser and Easy would: mint a session, find it unpaid on the return page, pay (the
//! iframe's `confirm`, with the client secret the shop handed out), find it paid, then the
//! fake's signed webhook delivered twice, each time with a new delivery id: fulfilled once.
//! A webhook with a bad signature is refused and fulfils nothing.

#[path = "../examples/axum_checkout.rs"]
#[allow(dead_code)]
mod example;

use std::sync::Arc;

use easy_checkout_core::ops::{Confirm, PaymentMethod};
use easy_checkout_core::{AsyncTransport, ClientSecret, Config, http};
use easy_checkout_fake::{FakeEasy, SignedWebhook};
use easy_checkout_reqwest::ReqwestTransport;
use serde_json::{Value, json};

use example::Shop;

/// The browser, and Easy delivering webhooks: plain HTTP requests to the shop.
struct Visitor {
    http: ReqwestTransport,
    shop: String,
}

impl Visitor {
    async fn send(&self, request: http::Request<Vec<u8>>) -> (u16, Value) {
        let response = self.http.send(request).await.expect("the shop answers");
        let body = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
        (response.status().as_u16(), body)
    }

    async fn post_json(&self, path: &str, body: Value) -> (u16, Value) {
        let request = http::Request::post(format!("{}{path}", self.shop))
            .header("content-type", "application/json")
            .body(body.to_string().into_bytes())
            .expect("a request");
        self.send(request).await
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let request = http::Request::get(format!("{}{path}", self.shop))
            .body(Vec::new())
            .expect("a request");
        self.send(request).await
    }

    /// One delivery of `webhook`, as Easy makes it: the documented headers, a delivery id of
    /// its own. (When the fake delivers webhooks itself, this is its job.)
    async fn deliver(&self, webhook: &SignedWebhook, signature: &str, attempt: u32) -> u16 {
        let request = http::Request::post(format!("{}/webhooks", self.shop))
            .header("content-type", "application/json")
            .header("x-easy-webhook-signature", signature)
            .header("x-easy-event", "checkout.session.completed")
            .header("x-easy-delivery-id", format!("dlv_{attempt}"))
            .header("x-easy-webhook-attempt", attempt.to_string())
            .body(webhook.body.clone())
            .expect("a request");
        self.send(request).await.0
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mint_pay_return_and_a_webhook_delivered_twice_fulfils_once() {
    let fake = FakeEasy::start().expect("the fake starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let shop_url = format!("http://{}", listener.local_addr().expect("addr"));
    let easy = easy_checkout_reqwest::with_base_url(FakeEasy::TEST_KEY, &fake.base_url())
        .expect("a client of the fake");
    let shop = Arc::new(Shop::new(easy, fake.webhook_secret(), &shop_url));
    let router = example::router(Arc::clone(&shop));
    tokio::spawn(async move { axum::serve(listener, router).await });
    let visitor = Visitor {
        http: ReqwestTransport::new(),
        shop: shop_url.clone(),
    };

    // Mint: the browser asks the shop for a session.
    let (status, minted) = visitor
        .post_json(
            "/api/checkout/session",
            json!({"price_id": "price_abc", "quantity": 2}),
        )
        .await;
    assert_eq!(status, 200, "{minted}");
    let id = minted["id"].as_str().expect("an id").to_owned();
    let secret = minted["client_secret"].as_str().expect("a client secret");
    let created = &fake.requests()[0];
    assert_eq!(created.path, "/embedded-checkout");
    assert_eq!(
        serde_json::from_slice::<Value>(&created.body).expect("JSON"),
        json!({
            "items": [{"price_id": "price_abc", "quantity": 2}],
            "return_url": format!("{shop_url}/checkout/{{SESSION_ID}}/return"),
        })
    );

    // Back before paying: not paid.
    let (status, page) = visitor.get(&format!("/checkout/{id}/return")).await;
    assert_eq!((status, &page), (200, &json!({"id": id, "paid": false})));

    // Pay, as the iframe does: `confirm` with the client secret, no API key.
    let iframe = easy_checkout_reqwest::with_config(
        Config::from_values(None, Some(&fake.base_url())).expect("a keyless client"),
        Default::default(),
    );
    iframe
        .embedded_checkout()
        .confirm(&Confirm::new(
            ClientSecret::new(secret).expect("a secret"),
            PaymentMethod::card("tok_visa"),
        ))
        .await
        .expect("paid");
    let (status, page) = visitor.get(&format!("/checkout/{id}/return")).await;
    assert_eq!((status, &page), (200, &json!({"id": id, "paid": true})));

    // A forged delivery is refused and fulfils nothing.
    let webhook = fake.webhook_for(&id).expect("a paid session's webhook");
    let forged = format!("sha256={}", "0".repeat(64));
    assert_eq!(visitor.deliver(&webhook, &forged, 1).await, 400);
    assert!(shop.fulfilled().is_empty());

    // Delivered twice (the first reply lost, say): each acknowledged, fulfilled once.
    assert_eq!(visitor.deliver(&webhook, &webhook.signature, 1).await, 200);
    assert_eq!(visitor.deliver(&webhook, &webhook.signature, 2).await, 200);
    assert_eq!(shop.fulfilled(), std::slice::from_ref(&id));
    assert_eq!(fake.session(&id).expect("the session")["payments"], 1);
}
