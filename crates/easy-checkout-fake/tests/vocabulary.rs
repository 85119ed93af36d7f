//! The fake in the API reference's vocabulary: what it answers, the request bodies of both
//! vocabularies it takes in either setting, its webhook deliveries, and the setting itself.

mod common;

use common::{CONFIRM, KEY, card, control, get, new_session, post, post_anon, post_with};
use common::{Resp, session_body};
use easy_checkout_core::Vocabulary;
use easy_checkout_core::webhook::{self, EventTime, EventType};
use easy_checkout_fake::FakeEasy;
use serde_json::{Value, json};

fn reference_fake() -> FakeEasy {
    let builder = FakeEasy::builder().vocabulary(Vocabulary::Reference);
    builder.start().unwrap()
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
fn enveloped(resp: &Resp) -> Value {
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let body = resp.json();
    let members: Vec<&String> = body.as_object().unwrap().keys().collect();
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

/// Creates a session from `body`; its enveloped `data`.
#[track_caller]
fn create_from(fake: &FakeEasy, body: &Value) -> Value {
    enveloped(&post(fake, "/embedded-checkout", body))
}

#[test]
fn a_reference_fake_answers_in_the_reference_vocabulary() {
    let fake = reference_fake();
    assert_eq!(fake.vocabulary(), Vocabulary::Reference);
    for body in [reference_body(), session_body()] {
        let data = create_from(&fake, &body);
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
    let totals: Vec<Value> = (fake.sessions().iter())
        .map(|s| s["amount_total"].clone())
        .collect();
    assert_eq!(totals, [json!(300), json!(200)]);

    let data = enveloped(&get(&fake, "/validate-key"));
    assert_eq!(data["basisTheoryPublicApiKey"], FakeEasy::PUBLIC_KEY);
    let data = enveloped(&get(&fake, "/embedded-checkout/config"));
    assert_eq!(data["allowed_origins"], json!([]));
    // Errors keep the one error envelope.
    get(&fake, "/embedded-checkout/ecs_404").error(404, "SESSION_NOT_FOUND");
}

#[test]
fn paid_is_complete_and_paid_validate_and_confirm_answer_null() {
    let fake = reference_fake();
    let session = create_from(&fake, &reference_body());
    let id = session["id"].as_str().unwrap();
    let secret = session["client_secret"].as_str().unwrap();
    let path = format!("/embedded-checkout/{id}");
    let open = json!({"id": id, "status": "open", "payment_status": "unpaid"});
    assert_eq!(enveloped(&get(&fake, &path)), open);

    let validate = json!({ "client_secret": secret });
    let valid = post_anon(&fake, "/embedded-checkout/validate", &validate);
    assert_eq!(enveloped(&valid), Value::Null);
    let confirmed = post_anon(&fake, CONFIRM, &source(secret, "tok_visa"));
    assert_eq!(enveloped(&confirmed), Value::Null);
    let paid = json!({"id": id, "status": "complete", "payment_status": "paid"});
    assert_eq!(enveloped(&get(&fake, &path)), paid);
    assert_eq!(fake.session(id).unwrap()["payments"], 1);

    // A finished session is refused, not answered `valid: false`.
    let again = post_anon(&fake, "/embedded-checkout/validate", &validate);
    again.error(409, "SESSION_ALREADY_COMPLETE");
    let other = create_from(&fake, &session_body());
    let other_id = other["id"].as_str().unwrap();
    assert!(fake.expire(other_id));
    let validate = json!({ "client_secret": other["client_secret"] });
    let expired = post_anon(&fake, "/embedded-checkout/validate", &validate);
    expired.error(409, "SESSION_EXPIRED");
    let data = enveloped(&get(&fake, &format!("/embedded-checkout/{other_id}")));
    assert_eq!(data["status"], "expired");
    assert_eq!(data["payment_status"], "unpaid");
}

#[test]
fn crypto_amounts_are_integer_cents() {
    let fake = reference_fake();
    let id = create_from(&fake, &reference_body())["id"].clone();
    let id = id.as_str().unwrap();
    let path = format!("/embedded-checkout/{id}/crypto-status");
    assert_eq!(enveloped(&get(&fake, &path))["amount"], Value::Null);
    assert!(fake.mark_crypto_paid(id));
    let data = enveloped(&get(&fake, &path));
    assert_eq!(data["status"], "confirmed");
    assert_eq!(data["amount"], 300);
    // The same session, read in the SDK page's vocabulary: a decimal string.
    fake.set_vocabulary(Vocabulary::Sdk);
    assert_eq!(get(&fake, &path).data()["amount"], "3.00");
}

/// Both settings read both vocabularies' requests; only the answers differ.
#[test]
fn either_setting_takes_either_vocabulary() {
    for vocabulary in [Vocabulary::Sdk, Vocabulary::Reference] {
        let fake = FakeEasy::builder().vocabulary(vocabulary).start().unwrap();
        let bodies = [
            (reference_body(), card as fn(&str, &str) -> Value),
            (session_body(), source),
        ];
        for (create_body, pay) in bodies {
            let resp = post(&fake, "/embedded-checkout", &create_body);
            let secret = resp.ok()["client_secret"].as_str().unwrap().to_owned();
            let resp = post_anon(&fake, CONFIRM, &pay(&secret, "tok_visa"));
            assert_eq!(resp.status, 200, "{vocabulary}");
            let (_, secret) = new_session(&fake);
            let declined = pay(&secret, FakeEasy::DECLINE_TOKEN);
            let resp = post_anon(&fake, CONFIRM, &declined);
            resp.error(402, "CARD_DECLINED");
        }
        let sessions = fake.sessions();
        let paid = sessions.iter().filter(|s| s["payments"] == 1).count();
        assert_eq!(paid, 2, "{vocabulary}");
    }
}

#[test]
fn reference_bodies_are_validated_field_by_field() {
    let fake = reference_fake();
    let with = |changes: &Value| {
        let mut body = reference_body();
        let fields = body.as_object_mut().unwrap();
        for (name, value) in changes.as_object().unwrap() {
            match value {
                Value::Null => fields.remove(name),
                value => fields.insert(name.clone(), value.clone()),
            };
        }
        body
    };
    let cases = json!([
        [{"line_items": []}, "line_items"],
        [{"line_items": [{"price_id": "p", "quantity": 0}]}, "line_items[0].quantity"],
        [{"line_items": [{"quantity": 1}]}, "line_items[0].price_id"],
        [{"items": [{"price_id": "p", "quantity": 1}]}, "line_items"],
        [{"success_url": null}, "success_url"],
        [{"success_url": "/paid"}, "success_url"],
        [{"cancel_url": "cart"}, "cancel_url"],
        [{"mode": ""}, "mode"],
        [{"customer_email": "jane"}, "customer_email"],
        [{"payment_methods": []}, "payment_methods"],
        [{"payment_methods": ["card", 1]}, "payment_methods"],
    ]);
    for case in cases.as_array().unwrap() {
        let resp = post(&fake, "/embedded-checkout", &with(&case[0]));
        assert_eq!(resp.error(400, "VALIDATION_ERROR")["field"], case[1]);
    }
    // The optional fields may be left out.
    let minimal =
        json!({"mode": null, "cancel_url": null, "customer_email": null, "payment_methods": null});
    let secret = create_from(&fake, &with(&minimal))["client_secret"].clone();
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
        let resp = post_anon(&fake, CONFIRM, &body);
        assert_eq!(resp.status, 400, "{body}");
        assert_eq!(resp.json()["error"]["details"]["field"], field, "{body}");
    }
    assert!(fake.sessions().iter().all(|s| s["payments"] == 0));
}

/// A total in cents must fit in 64 bits, in both vocabularies; the largest that fits is exact.
#[test]
fn a_total_that_overflows_is_refused_and_stores_no_session() {
    let fake = reference_fake();
    let max = u64::MAX / 100;
    let reason = format!(
        "makes the total quantity too large: at most {max} units in all (its amount in cents must fit in 64 bits)"
    );
    let (all, url) = (u64::MAX, "https://shop.example/r");
    let p = |quantity: u64| json!({ "price_id": "p", "quantity": quantity });
    let q = |quantity: u64| json!({ "price_id": "q", "quantity": quantity });
    let cases = json!([
        [{ "items": [p(all), q(1)], "return_url": url }, "items[0].quantity"],
        [{ "items": [p(all)], "return_url": url }, "items[0].quantity"],
        [{ "items": [p(max + 1)], "return_url": url }, "items[0].quantity"],
        [{ "items": [p(max), q(1)], "return_url": url }, "items[1].quantity"],
        [{ "line_items": [p(1), q(all)], "success_url": url }, "line_items[1].quantity"],
    ]);
    for case in cases.as_array().unwrap() {
        let resp = post(&fake, "/embedded-checkout", &case[0]);
        let details = resp.error(400, "VALIDATION_ERROR");
        assert_eq!(details["field"], case[1]);
        assert_eq!(details["reason"], reason.as_str());
        assert!(fake.sessions().is_empty());
        assert_eq!(fake.stats().sessions.kept, 0);
        get(&fake, "/embedded-checkout/ecs_1").error(404, "SESSION_NOT_FOUND");
    }
    // The largest total that fits: its cents are exact, in the reply and the crypto amount.
    let body = json!({ "items": [p(max - 1), q(1)], "return_url": url });
    let data = create_from(&fake, &body);
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
    let session = create_from(&fake, &reference_body());
    let id = session["id"].as_str().unwrap();
    let secret = session["client_secret"].as_str().unwrap();
    assert!(fake.webhook_for(id).is_none(), "no event before payment");
    post_anon(&fake, CONFIRM, &source(secret, "tok_visa"));
    let hook = fake.webhook_for(id).unwrap();
    let (first, second) = (hook.delivery(1), hook.delivery(2));
    let verified =
        [&first, &second].map(|d| webhook::verify_request(&fake.webhook_secret(), d).unwrap());
    let event = &verified[0].event;
    assert!(event.id.starts_with("evt_"), "{}", event.id);
    assert_eq!(event.kind, EventType::SessionCompleted);
    assert_eq!(event.data["id"], id);
    assert_eq!(event.data["payment_status"], "paid");
    assert_eq!(event.data["amount_total"], 300);
    assert!(event.data.get("client_secret").is_none());
    assert_eq!(event.api_version.as_deref(), Some("2026-05-01"));
    let paid_at = fake.session(id).unwrap()["paid_at"].clone();
    let paid_at = paid_at.as_str().unwrap();
    assert_eq!(event.created_at.as_deref(), Some(paid_at));
    let Some(EventTime::Unix(created)) = event.created else {
        panic!("{event:?}")
    };
    let paid_at = humantime::parse_rfc3339(paid_at).unwrap();
    let seconds = paid_at.duration_since(std::time::UNIX_EPOCH).unwrap();
    assert_eq!(created, i64::try_from(seconds.as_secs()).unwrap());
    // The delivery's headers: the event type, a new delivery id per attempt, the attempt.
    let event_type = verified[0].event_type.as_deref();
    assert_eq!(event_type, Some("checkout.session.completed"));
    let attempts = (verified[0].attempt, verified[1].attempt);
    assert_eq!(attempts, (Some(1), Some(2)));
    let delivery_id = verified[0].delivery_id.as_ref();
    assert!(delivery_id.is_some_and(|d| d.len() == 36));
    assert_ne!(verified[0].delivery_id, verified[1].delivery_id);
    assert_eq!(verified[0].event, verified[1].event);
    assert_eq!(first.headers()["content-type"], "application/json");
    assert_eq!(first.method(), "POST");

    // The SDK page's events: no `created`, no `api_version`, `succeeded`.
    fake.set_vocabulary(Vocabulary::Sdk);
    let hook = fake.webhook_for(id).unwrap();
    let delivery = webhook::verify_request(&fake.webhook_secret(), &hook.delivery(1)).unwrap();
    assert_eq!(delivery.event.created, None);
    assert_eq!(delivery.event.api_version, None);
    assert_eq!(delivery.event.data["payment_status"], "succeeded");
}

#[test]
fn the_control_api_reports_and_switches_the_vocabulary() {
    let fake = FakeEasy::start().unwrap();
    let put = |body: &Value| control(&fake, "PUT", "/__fake/vocabulary", Some(body));
    let current = control(&fake, "GET", "/__fake/vocabulary", None).data();
    assert_eq!(current, json!({"vocabulary": "sdk"}));
    let set = put(&json!({"vocabulary": "reference"}));
    assert_eq!(set.data(), json!({"vocabulary": "reference"}));
    assert_eq!(fake.vocabulary(), Vocabulary::Reference);
    create_from(&fake, &session_body());
    for bad in [
        json!({"vocabulary": "python"}),
        json!({}),
        json!("reference"),
    ] {
        put(&bad).error(400, "INVALID_VOCABULARY");
    }
    let wrong = control(&fake, "DELETE", "/__fake/vocabulary", None);
    assert_eq!(wrong.status, 405);
    // A reset keeps the setting; an idempotent replay keeps its first bytes, timestamp and all.
    fake.reset();
    assert_eq!(fake.vocabulary(), Vocabulary::Reference);
    let headers = [KEY, ("idempotency-key", "k-1")];
    let first = post_with(&fake, "/embedded-checkout", &headers, &session_body());
    std::thread::sleep(std::time::Duration::from_millis(5));
    let replay = post_with(&fake, "/embedded-checkout", &headers, &session_body());
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body, first.body);
}
