//! The fake in the API reference's vocabulary: what it answers, the request bodies of both
//! vocabularies it takes in either setting, its webhook deliveries, and the setting itself.

mod common;

use common::{Conn, call, card, get, post, post_anon, session_body};
use easy_checkout_core::Vocabulary;
use easy_checkout_core::webhook::{self, EventTime, EventType};
use easy_checkout_fake::FakeEasy;
use serde_json::{Value, json};

fn reference_fake() -> FakeEasy {
    FakeEasy::builder()
        .vocabulary(Vocabulary::Reference)
        .start()
        .unwrap()
}

/// A create body in the API reference's vocabulary, for 3 units.
fn reference_body() -> Value {
    json!({
        "line_items": [{ "price_id": "price_abc", "quantity": 1 }, { "price_id": "price_def", "quantity": 2 }],
        "mode": "payment",
        "success_url": "https://shop.example/paid?session={SESSION_ID}",
        "cancel_url": "https://shop.example/cart",
        "customer_email": "jane@example.com",
        "payment_methods": ["card", "crypto"],
    })
}

/// A confirm body in the API reference's vocabulary.
fn source(secret: &str, token: &str) -> Value {
    json!({
        "client_secret": secret,
        "source": { "type": "PAYMENT_CARD", "tokenId": token },
        "customer_details": { "first_name": "Jane", "last_name": "Doe", "email": "jane@example.com" },
    })
}

/// The reference's success envelope around `data`, asserted, and `data`.
#[track_caller]
fn enveloped(resp: &common::Resp) -> Value {
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let body = resp.json();
    let members: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        members,
        ["data", "message", "success", "timestamp"],
        "{body}"
    );
    assert_eq!(body["success"], true);
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    let timestamp = body["timestamp"].as_str().unwrap();
    assert!(
        timestamp.len() == 24 && timestamp.ends_with('Z'),
        "{timestamp}"
    );
    body["data"].clone()
}

#[test]
fn a_reference_fake_answers_in_the_reference_vocabulary() {
    let fake = reference_fake();
    assert_eq!(fake.vocabulary(), Vocabulary::Reference);
    for body in [reference_body(), session_body()] {
        let data = enveloped(&post(&fake, "/embedded-checkout", &body));
        let id = data["id"].as_str().unwrap();
        assert_eq!(data["status"], "open");
        assert_eq!(data["payment_status"], "unpaid");
        assert_eq!(data["url"], format!("https://checkout.easy.invalid/{id}"));
        assert_eq!(data["currency"], "usd");
        assert!(data["client_secret"].is_string() && data["expires_at"].is_string());
        assert!(data.get("updated_at").is_none(), "{data}");
        // Every body field is echoed, whichever vocabulary it was in.
        for (name, value) in body.as_object().unwrap() {
            assert_eq!(&data[name], value, "{name}");
        }
    }
    // 100 cents per unit: 3 units, then 2.
    let totals: Vec<Value> = fake
        .sessions()
        .iter()
        .map(|s| s["amount_total"].clone())
        .collect();
    assert_eq!(totals, [json!(300), json!(200)]);

    let data = enveloped(&get(&fake, "/validate-key"));
    assert_eq!(data["basisTheoryPublicApiKey"], FakeEasy::PUBLIC_KEY);
    let data = enveloped(&get(&fake, "/embedded-checkout/config"));
    assert_eq!(data["allowed_origins"], json!([]));
    // Errors keep the one error envelope.
    let missing = get(&fake, "/embedded-checkout/ecs_404");
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (404, "SESSION_NOT_FOUND")
    );
}

#[test]
fn paid_is_complete_and_paid_validate_and_confirm_answer_null() {
    let fake = reference_fake();
    let session = enveloped(&post(&fake, "/embedded-checkout", &reference_body()));
    let (id, secret) = (
        session["id"].as_str().unwrap(),
        session["client_secret"].as_str().unwrap(),
    );
    let path = format!("/embedded-checkout/{id}");
    let open = json!({"id": id, "status": "open", "payment_status": "unpaid"});
    assert_eq!(enveloped(&get(&fake, &path)), open);

    let validate = json!({ "client_secret": secret });
    assert_eq!(
        enveloped(&post_anon(&fake, "/embedded-checkout/validate", &validate)),
        Value::Null
    );
    let confirmed = post_anon(
        &fake,
        "/embedded-checkout/confirm",
        &source(secret, "tok_visa"),
    );
    assert_eq!(enveloped(&confirmed), Value::Null);
    let paid = json!({"id": id, "status": "complete", "payment_status": "paid"});
    assert_eq!(enveloped(&get(&fake, &path)), paid);
    assert_eq!(fake.session(id).unwrap()["payments"], 1);

    // A finished session is refused, not answered `valid: false`.
    let again = post_anon(&fake, "/embedded-checkout/validate", &validate);
    assert_eq!(
        (again.status, again.code().as_str()),
        (409, "SESSION_ALREADY_COMPLETE")
    );
    let other = enveloped(&post(&fake, "/embedded-checkout", &session_body()));
    assert!(fake.expire(other["id"].as_str().unwrap()));
    let validate = json!({ "client_secret": other["client_secret"] });
    let expired = post_anon(&fake, "/embedded-checkout/validate", &validate);
    assert_eq!(
        (expired.status, expired.code().as_str()),
        (409, "SESSION_EXPIRED")
    );
    let path = format!("/embedded-checkout/{}", other["id"].as_str().unwrap());
    let data = enveloped(&get(&fake, &path));
    assert_eq!(
        (&data["status"], &data["payment_status"]),
        (&json!("expired"), &json!("unpaid"))
    );
}

#[test]
fn crypto_amounts_are_integer_cents() {
    let fake = reference_fake();
    let id = enveloped(&post(&fake, "/embedded-checkout", &reference_body()))["id"].clone();
    let id = id.as_str().unwrap();
    let path = format!("/embedded-checkout/{id}/crypto-status");
    assert_eq!(enveloped(&get(&fake, &path))["amount"], Value::Null);
    assert!(fake.mark_crypto_paid(id));
    let data = enveloped(&get(&fake, &path));
    assert_eq!(
        (&data["status"], &data["amount"]),
        (&json!("confirmed"), &json!(300))
    );
    // The same session, read in the SDK page's vocabulary: a decimal string.
    fake.set_vocabulary(Vocabulary::Sdk);
    assert_eq!(get(&fake, &path).data()["amount"], "3.00");
}

/// Both settings read both vocabularies' requests; only the answers differ.
#[test]
fn either_setting_takes_either_vocabulary() {
    for vocabulary in [Vocabulary::Sdk, Vocabulary::Reference] {
        let fake = FakeEasy::builder().vocabulary(vocabulary).start().unwrap();
        for (create_body, pay) in [
            (reference_body(), card as fn(&str, &str) -> Value),
            (session_body(), source),
        ] {
            let resp = post(&fake, "/embedded-checkout", &create_body);
            assert_eq!(resp.status, 200, "{vocabulary}");
            let secret = resp.data()["client_secret"].as_str().unwrap().to_owned();
            let resp = post_anon(
                &fake,
                "/embedded-checkout/confirm",
                &pay(&secret, "tok_visa"),
            );
            assert_eq!(
                resp.status,
                200,
                "{vocabulary}: {}",
                String::from_utf8_lossy(&resp.body)
            );
            let declined = pay(
                &enveloped_or_data(&fake, &session_body()),
                FakeEasy::DECLINE_TOKEN,
            );
            let resp = post_anon(&fake, "/embedded-checkout/confirm", &declined);
            assert_eq!((resp.status, resp.code().as_str()), (402, "CARD_DECLINED"));
        }
        let paid = fake
            .sessions()
            .iter()
            .filter(|s| s["payments"] == 1)
            .count();
        assert_eq!(paid, 2, "{vocabulary}");
    }
}

/// Creates a session from `body` on `fake`, in whatever vocabulary it answers, and returns
/// its client secret.
fn enveloped_or_data(fake: &FakeEasy, body: &Value) -> String {
    let resp = post(fake, "/embedded-checkout", body);
    resp.data()["client_secret"].as_str().unwrap().to_owned()
}

#[test]
fn reference_bodies_are_validated_field_by_field() {
    let fake = reference_fake();
    let with = |changes: Value| {
        let mut body = reference_body();
        for (name, value) in changes.as_object().unwrap() {
            match value {
                Value::Null => body.as_object_mut().unwrap().remove(name),
                value => body
                    .as_object_mut()
                    .unwrap()
                    .insert(name.clone(), value.clone()),
            };
        }
        body
    };
    let cases = [
        (with(json!({"line_items": []})), "line_items"),
        (
            with(json!({"line_items": [{"price_id": "p", "quantity": 0}]})),
            "line_items[0].quantity",
        ),
        (
            with(json!({"line_items": [{"quantity": 1}]})),
            "line_items[0].price_id",
        ),
        (
            with(json!({"items": [{"price_id": "p", "quantity": 1}]})),
            "line_items",
        ),
        (with(json!({"success_url": null})), "success_url"),
        (with(json!({"success_url": "/paid"})), "success_url"),
        (with(json!({"cancel_url": "cart"})), "cancel_url"),
        (with(json!({"mode": ""})), "mode"),
        (with(json!({"customer_email": "jane"})), "customer_email"),
        (with(json!({"payment_methods": []})), "payment_methods"),
        (
            with(json!({"payment_methods": ["card", 1]})),
            "payment_methods",
        ),
    ];
    for (body, field) in cases {
        let resp = post(&fake, "/embedded-checkout", &body);
        assert_eq!(
            (resp.status, resp.code().as_str()),
            (400, "VALIDATION_ERROR"),
            "{body}"
        );
        assert_eq!(resp.json()["error"]["details"]["field"], field, "{body}");
    }
    // The optional fields may be left out.
    let minimal = with(
        json!({"mode": null, "cancel_url": null, "customer_email": null, "payment_methods": null}),
    );
    let secret = enveloped(&post(&fake, "/embedded-checkout", &minimal))["client_secret"].clone();
    let secret = secret.as_str().unwrap();
    let mut both = source(secret, "tok_visa");
    both["payment_method"] = json!({ "type": "PAYMENT_CARD", "token_id": "tok_visa" });
    let mut no_type = source(secret, "tok_visa");
    no_type["source"] = json!({ "tokenId": "tok_visa" });
    let mut details = source(secret, "tok_visa");
    details["customer_details"] = json!("Jane");
    for (body, field) in [
        (both, "source"),
        (no_type, "source.type"),
        (details, "customer_details"),
    ] {
        let resp = post_anon(&fake, "/embedded-checkout/confirm", &body);
        assert_eq!(resp.status, 400, "{body}");
        assert_eq!(resp.json()["error"]["details"]["field"], field, "{body}");
    }
    assert!(fake.sessions().iter().all(|s| s["payments"] == 0));
}

/// A cart whose total, in cents, does not fit in 64 bits is refused, naming the quantity that
/// overflows, in both vocabularies, and leaves no session behind; the largest total that fits
/// is taken and its amounts are exact.
#[test]
fn a_total_that_overflows_is_refused_and_stores_no_session() {
    let fake = reference_fake();
    let max = u64::MAX / 100;
    let reason = format!(
        "makes the total quantity too large: at most {max} units in all (its amount in cents must fit in 64 bits)"
    );
    let url = "https://shop.example/r";
    let cases = [
        (
            json!({ "items": [{ "price_id": "p", "quantity": u64::MAX }, { "price_id": "q", "quantity": 1 }], "return_url": url }),
            "items[0].quantity",
        ),
        (
            json!({ "items": [{ "price_id": "p", "quantity": u64::MAX }], "return_url": url }),
            "items[0].quantity",
        ),
        (
            json!({ "items": [{ "price_id": "p", "quantity": max + 1 }], "return_url": url }),
            "items[0].quantity",
        ),
        (
            json!({ "items": [{ "price_id": "p", "quantity": max }, { "price_id": "q", "quantity": 1 }], "return_url": url }),
            "items[1].quantity",
        ),
        (
            json!({ "line_items": [{ "price_id": "p", "quantity": 1 }, { "price_id": "q", "quantity": u64::MAX }], "success_url": url }),
            "line_items[1].quantity",
        ),
    ];
    for (body, field) in cases {
        let resp = post(&fake, "/embedded-checkout", &body);
        assert_eq!(
            (resp.status, resp.code().as_str()),
            (400, "VALIDATION_ERROR"),
            "{body}"
        );
        let details = &resp.json()["error"]["details"];
        assert_eq!(details["field"], field, "{body}");
        assert_eq!(details["reason"], reason.as_str(), "{body}");
        assert!(fake.sessions().is_empty(), "{body}");
        assert_eq!(fake.stats().sessions.kept, 0, "{body}");
        let missing = get(&fake, "/embedded-checkout/ecs_1");
        assert_eq!(
            (missing.status, missing.code().as_str()),
            (404, "SESSION_NOT_FOUND")
        );
    }
    // The largest total that fits: its cents are exact, in the reply and the crypto amount.
    let body = json!({ "items": [{ "price_id": "p", "quantity": max - 1 }, { "price_id": "q", "quantity": 1 }], "return_url": url });
    let data = enveloped(&post(&fake, "/embedded-checkout", &body));
    assert_eq!(data["id"], "ecs_1", "no refused create took an id");
    assert_eq!(data["amount_total"], json!(max * 100));
    assert!(fake.mark_crypto_paid("ecs_1"));
    let crypto = enveloped(&get(&fake, "/embedded-checkout/ecs_1/crypto-status"));
    assert_eq!(crypto["amount"], json!(max * 100));
    assert_eq!(fake.sessions().len(), 1);
}

#[test]
fn reference_webhooks_carry_created_api_version_and_the_delivery_headers() {
    let fake = reference_fake();
    let session = enveloped(&post(&fake, "/embedded-checkout", &reference_body()));
    let (id, secret) = (
        session["id"].as_str().unwrap(),
        session["client_secret"].as_str().unwrap(),
    );
    assert!(fake.webhook_for(id).is_none(), "no event before payment");
    post_anon(
        &fake,
        "/embedded-checkout/confirm",
        &source(secret, "tok_visa"),
    );
    let hook = fake.webhook_for(id).unwrap();
    let (first, second) = (hook.delivery(1), hook.delivery(2));
    let verified =
        [&first, &second].map(|d| webhook::verify_request(&fake.webhook_secret(), d).unwrap());
    let event = &verified[0].event;
    assert!(event.id.starts_with("evt_"), "{}", event.id);
    assert_eq!(verified[1].event.id, event.id, "one event, delivered twice");
    assert_eq!(event.kind, EventType::SessionCompleted);
    assert_eq!(event.data["payment_status"], "paid");
    assert_eq!(event.data["amount_total"], 300);
    assert!(event.data.get("client_secret").is_none());
    assert_eq!(event.api_version.as_deref(), Some("2026-05-01"));
    let paid_at = fake.session(id).unwrap()["paid_at"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(event.created_at.as_deref(), Some(paid_at.as_str()));
    let Some(EventTime::Unix(created)) = event.created else {
        panic!("{event:?}")
    };
    let paid_at = humantime::parse_rfc3339(&paid_at).unwrap();
    let seconds = paid_at
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert_eq!(created, i64::try_from(seconds).unwrap());
    // The delivery's headers: the event type, a new delivery id per attempt, the attempt.
    let event_type = verified[0].event_type.as_deref();
    assert_eq!(event_type, Some("checkout.session.completed"));
    assert_eq!(
        (verified[0].attempt, verified[1].attempt),
        (Some(1), Some(2))
    );
    assert!(
        verified[0]
            .delivery_id
            .as_ref()
            .is_some_and(|d| d.len() == 36)
    );
    assert_ne!(verified[0].delivery_id, verified[1].delivery_id);
    assert_eq!(
        verified[0].event, verified[1].event,
        "the same event: deduplicate on its id"
    );
    assert_eq!(first.headers()["content-type"], "application/json");
    assert_eq!(first.method(), "POST");

    // The SDK page's events: no `created`, no `api_version`, `succeeded`.
    fake.set_vocabulary(Vocabulary::Sdk);
    let hook = fake.webhook_for(id).unwrap();
    let delivery = webhook::verify_request(&fake.webhook_secret(), &hook.delivery(1)).unwrap();
    assert_eq!(
        (delivery.event.created, delivery.event.api_version),
        (None, None)
    );
    assert_eq!(delivery.event.data["payment_status"], "succeeded");
}

#[test]
fn the_control_api_reports_and_switches_the_vocabulary() {
    let fake = FakeEasy::start().unwrap();
    let control =
        |method: &str, body: Option<&Value>| call(&fake, method, "/__fake/vocabulary", None, body);
    assert_eq!(control("GET", None).data(), json!({"vocabulary": "sdk"}));
    let set = control("PUT", Some(&json!({"vocabulary": "reference"})));
    assert_eq!(set.data(), json!({"vocabulary": "reference"}));
    assert_eq!(fake.vocabulary(), Vocabulary::Reference);
    enveloped(&post(&fake, "/embedded-checkout", &session_body()));
    for bad in [
        json!({"vocabulary": "python"}),
        json!({}),
        json!("reference"),
    ] {
        let resp = control("PUT", Some(&bad));
        assert_eq!(
            (resp.status, resp.code().as_str()),
            (400, "INVALID_VOCABULARY"),
            "{bad}"
        );
    }
    let wrong = control("DELETE", None);
    assert_eq!(wrong.status, 405);
    // A reset keeps the setting; an idempotent replay keeps its first bytes, timestamp and all.
    fake.reset();
    assert_eq!(fake.vocabulary(), Vocabulary::Reference);
    let body = serde_json::to_vec(&session_body()).unwrap();
    let headers = [
        ("x-easy-api-key", FakeEasy::TEST_KEY),
        ("idempotency-key", "k-1"),
    ];
    let first = Conn::open(&fake)
        .send("POST", "/embedded-checkout", &headers, Some(&body))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let replay = Conn::open(&fake)
        .send("POST", "/embedded-checkout", &headers, Some(&body))
        .unwrap();
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body, first.body);
}
