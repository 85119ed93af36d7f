//! The fake API's behaviour over HTTP: routes, auth, validation, sessions, idempotency.

mod common;

use common::{CONFIRM, Conn, KEY, call, card, confirm, create, get, new_session, post, post_anon};
use common::{post_with, session_body};
use easy_checkout_core::webhook::{WebhookSecret, verify};
use easy_checkout_fake::FakeEasy;
use serde_json::{Value, json};

fn is_iso8601(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 24 && s.ends_with('Z') && s.as_bytes()[10] == b'T' && s.as_bytes()[4] == b'-'
    })
}

#[test]
fn create_returns_the_session_and_echoes_extra_fields() {
    let fake = FakeEasy::start().unwrap();
    let resp = post(&fake, "/embedded-checkout", &session_body());
    assert_eq!(resp.header("content-type"), Some("application/json"));
    let data = resp.ok();
    assert_eq!(data["id"], "ecs_1");
    let secret = data["client_secret"].as_str().unwrap();
    assert!(secret.starts_with("ecs_secret_"), "{secret}");
    assert!(secret.len() > 20, "{secret}");
    assert_eq!(data["status"], "open");
    assert_eq!(data["return_url"], "https://shop.example/return");
    assert_eq!(data["metadata"], json!({ "order": "42" }));
    assert_eq!(data["items"][0]["price_id"], "price_abc");
    for field in ["expires_at", "created_at", "updated_at"] {
        assert!(is_iso8601(&data[field]), "{field}: {}", data[field]);
    }
    assert!(data["expires_at"].as_str() > data["created_at"].as_str());

    let second = create(&fake);
    assert_eq!(second["id"], "ecs_2");
    assert_ne!(second["client_secret"], data["client_secret"]);
    let open = json!({ "id": "ecs_1", "status": "open", "payment_status": "unpaid" });
    assert_eq!(get(&fake, "/embedded-checkout/ecs_1").ok(), open);
}

#[test]
fn create_validates_its_body() {
    let fake = FakeEasy::start().unwrap();
    let url = "https://shop.example/r";
    let p = json!({ "price_id": "p", "quantity": 1 });
    let cases = json!([
        [{ "return_url": url }, "items"],
        [{ "items": [], "return_url": url }, "items"],
        [{ "items": "x", "return_url": url }, "items"],
        [{ "items": [1], "return_url": url }, "items[0]"],
        [{ "items": [{ "quantity": 1 }], "return_url": url }, "items[0].price_id"],
        [{ "items": [{ "price_id": "", "quantity": 1 }], "return_url": url }, "items[0].price_id"],
        [{ "items": [{ "price_id": "p", "quantity": 0 }], "return_url": url }, "items[0].quantity"],
        [{"items": [{"price_id": "p", "quantity": "1"}], "return_url": url}, "items[0].quantity"],
        [{"items": [{"price_id": "p", "quantity": 1.5}], "return_url": url}, "items[0].quantity"],
        [{"items": [p, {"price_id": "q", "quantity": -1}], "return_url": url}, "items[1].quantity"],
        [{ "items": [p] }, "return_url"],
        [{ "items": [p], "return_url": "/relative" }, "return_url"],
        [{ "items": [p], "return_url": "ftp://x.example" }, "return_url"],
        [[1, 2], "body"],
    ]);
    for case in cases.as_array().unwrap() {
        let resp = post(&fake, "/embedded-checkout", &case[0]);
        assert_eq!(resp.error(400, "VALIDATION_ERROR")["field"], case[1]);
    }
    // Nothing was created by the failures.
    assert_eq!(create(&fake)["id"], "ecs_1");
}

#[test]
fn malformed_json_is_invalid_json() {
    let fake = FakeEasy::start().unwrap();
    for body in [&b"{\"items\": ["[..], b"", b"\xff\xfe", b"null nonsense"] {
        let resp = Conn::open(&fake).send("POST", "/embedded-checkout", &[KEY], Some(body));
        resp.unwrap().error(400, "INVALID_JSON");
    }
    let resp = Conn::open(&fake).send("POST", CONFIRM, &[], Some(b"{oops"));
    assert_eq!(resp.unwrap().code(), "INVALID_JSON");
}

#[test]
fn api_key_auth() {
    let fake = FakeEasy::start().unwrap();
    let ok = get(&fake, "/validate-key");
    assert_eq!(ok.status, 200);
    let public = json!({ "data": { "basisTheoryPublicApiKey": FakeEasy::PUBLIC_KEY } });
    assert_eq!(ok.json(), public);
    let live = Some("sk_live_anything");
    let live = call(&fake, "GET", "/validate-key", live, None);
    assert_eq!(live.status, 200);

    let missing = call(&fake, "GET", "/validate-key", None, None);
    missing.error(401, "AUTHENTICATION_REQUIRED");
    let refused = "sk_test_ pk_test_abc sk_other_x nonsense".split(' ');
    for key in refused.chain([FakeEasy::REVOKED_KEY]) {
        let resp = call(&fake, "GET", "/validate-key", Some(key), None);
        resp.error(401, "INVALID_API_KEY");
        assert!(!String::from_utf8_lossy(&resp.body).contains(key), "{key}");
    }
    // Every key-authenticated route checks.
    let routes = [
        ("POST", "/embedded-checkout"),
        ("GET", "/embedded-checkout/ecs_1"),
        ("GET", "/embedded-checkout/ecs_1/crypto-status"),
        ("GET", "/embedded-checkout/config"),
        ("PATCH", "/embedded-checkout/config"),
    ];
    let body = Some(&json!({}));
    for (method, path) in routes {
        let revoked = call(&fake, method, path, Some(FakeEasy::REVOKED_KEY), body);
        revoked.error(401, "INVALID_API_KEY");
        let missing = call(&fake, method, path, None, body);
        missing.error(401, "AUTHENTICATION_REQUIRED");
    }
}

#[test]
fn unknown_routes_sessions_and_encoded_traversal_are_404() {
    let fake = FakeEasy::start().unwrap();
    create(&fake);
    for path in [
        "/",
        "/nope",
        "/v1/api/embedded-checkout",
        "/embedded-checkout/",
        "/embedded-checkout/a/b",
    ] {
        get(&fake, path).error(404, "ROUTE_NOT_FOUND");
    }
    get(&fake, "/embedded-checkout/ecs_999").error(404, "SESSION_NOT_FOUND");

    // The encoded id is one segment: a lookup of "ecs_1/../config", never the config route.
    let resp = get(&fake, "/embedded-checkout/ecs_1%2F..%2Fconfig");
    let details = resp.error(404, "SESSION_NOT_FOUND");
    assert_eq!(details["session_id"], "ecs_1/../config");
    let resp = get(
        &fake,
        "/embedded-checkout/ecs_1%2F..%2Fconfig/crypto-status",
    );
    assert_eq!(resp.code(), "SESSION_NOT_FOUND");
    // An encoded id still finds its session.
    let found = get(&fake, "/embedded-checkout/%65cs_1").data();
    assert_eq!(found["id"], "ecs_1");
    let last = fake.requests().pop().unwrap();
    assert_eq!(last.path, "/embedded-checkout/%65cs_1");
}

#[test]
fn wrong_method_is_405_with_allow() {
    let fake = FakeEasy::start().unwrap();
    let cases = [
        ("GET", "/embedded-checkout", "POST"),
        ("DELETE", "/embedded-checkout/ecs_1", "GET"),
        ("GET", "/embedded-checkout/confirm", "POST"),
        ("PUT", "/embedded-checkout/config", "GET, PATCH"),
        ("POST", "/validate-key", "GET"),
    ];
    for (method, path, allow) in cases {
        let resp = call(&fake, method, path, Some(FakeEasy::TEST_KEY), None);
        resp.error(405, "METHOD_NOT_ALLOWED");
        assert_eq!(resp.header("allow"), Some(allow), "{method} {path}");
    }
}

#[test]
fn validate_checks_secret_and_origin() {
    let fake = FakeEasy::start().unwrap();
    let (_, secret) = new_session(&fake);
    let validate = |body: &Value| post_anon(&fake, "/embedded-checkout/validate", body);
    let bare = json!({ "client_secret": secret });

    let data = validate(&bare).ok();
    assert_eq!(data["valid"], true);
    assert_eq!(data["session"]["id"], "ecs_1");
    assert_eq!(data["session"]["status"], "open");
    assert_eq!(data["session"]["metadata"]["order"], "42");
    assert!(data["session"].get("client_secret").is_none());

    let bad = validate(&json!({ "client_secret": "ecs_secret_nope" }));
    bad.error(401, "INVALID_CLIENT_SECRET");
    let missing = validate(&json!({ "parent_origin": "https://a.example" }));
    let details = missing.error(400, "VALIDATION_ERROR");
    assert_eq!(details["field"], "client_secret");

    // No allowed origins configured: every origin passes.
    let any = json!({ "client_secret": secret, "parent_origin": "https://anything.example" });
    assert_eq!(validate(&any).status, 200);

    fake.set_allowed_origins(vec!["https://shop.example".to_owned()]);
    let allowed = json!({ "client_secret": secret, "parent_origin": "https://Shop.example/" });
    assert_eq!(validate(&allowed).data()["valid"], true);
    validate(&any).error(403, "ORIGIN_NOT_ALLOWED");
    // Without parent_origin there is nothing to check.
    assert_eq!(validate(&bare).status, 200);

    // A finished session is not valid any more.
    fake.mark_paid("ecs_1");
    let done = validate(&bare).data();
    assert_eq!(done["valid"], false);
    assert_eq!(done["session"]["status"], "complete");
}

#[test]
fn browser_calls_need_no_key_and_record_headers() {
    let fake = FakeEasy::start().unwrap();
    let (_, secret) = new_session(&fake);
    fake.clear_requests();

    let body = json!({ "client_secret": secret });
    let path = "/embedded-checkout/validate";
    post_anon(&fake, path, &body);
    // A key sent anyway is ignored (and recorded).
    let resp = call(&fake, "POST", path, Some("sk_test_leaked"), Some(&body));
    assert_eq!(resp.status, 200);

    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, path);
    assert_eq!(requests[0].header("x-easy-api-key"), None);
    assert_eq!(requests[0].header("Content-Type"), Some("application/json"));
    let headers = &requests[0].headers;
    assert!(headers.iter().all(|(n, _)| *n == n.to_ascii_lowercase()));
    assert_eq!(requests[0].json(), Some(body));
    assert_eq!(requests[1].header("x-easy-api-key"), Some("sk_test_leaked"));

    fake.clear_requests();
    assert!(fake.requests().is_empty());
}

#[test]
fn confirm_pays_once_and_handles_declines_and_expiry() {
    let fake = FakeEasy::start().unwrap();
    let (_, secret) = new_session(&fake);

    confirm(&fake, &secret, FakeEasy::DECLINE_TOKEN).error(402, "CARD_DECLINED");
    let open = json!({ "id": "ecs_1", "status": "open", "payment_status": "unpaid" });
    assert_eq!(get(&fake, "/embedded-checkout/ecs_1").data(), open);

    let missing = post_anon(&fake, CONFIRM, &json!({ "client_secret": secret }));
    let details = missing.error(400, "VALIDATION_ERROR");
    assert_eq!(details["field"], "payment_method");
    let untyped = json!({ "client_secret": secret, "payment_method": { "token_id": "tok_1" } });
    let untyped = post_anon(&fake, CONFIRM, &untyped);
    let details = untyped.error(400, "VALIDATION_ERROR");
    assert_eq!(details["field"], "payment_method.type");
    confirm(&fake, "ecs_secret_x", "tok_1").error(401, "INVALID_CLIENT_SECRET");

    let data = confirm(&fake, &secret, "tok_visa").ok();
    assert_eq!(data["id"], "ecs_1");
    assert_eq!(data["status"], "complete");
    assert_eq!(data["payment_status"], "succeeded");
    assert!(data["payment_id"].as_str().unwrap().starts_with("pay_"));
    let paid = json!({ "id": "ecs_1", "status": "complete", "payment_status": "succeeded" });
    assert_eq!(get(&fake, "/embedded-checkout/ecs_1").data(), paid);
    let again = confirm(&fake, &secret, "tok_visa");
    again.error(409, "SESSION_ALREADY_COMPLETE");

    let (_, secret2) = new_session(&fake);
    assert!(fake.expire("ecs_2"));
    assert!(!fake.expire("ecs_404"));
    let expired = get(&fake, "/embedded-checkout/ecs_2").data();
    assert_eq!(expired["status"], "expired");
    confirm(&fake, &secret2, "tok_visa").error(409, "SESSION_EXPIRED");
}

/// Both vocabularies' refusals leave the session open, unpaid and without an event.
#[test]
fn confirm_refuses_undocumented_types_and_cards_without_a_token() {
    let fake = FakeEasy::start().unwrap();
    let (_, secret) = new_session(&fake);
    let type_reason = "must be a payment method type the API documents: PAYMENT_CARD";
    let cases = json!([
        ["payment_method", { "type": "bogus", "token_id": "t" }, "type"],
        ["payment_method", { "type": "card" }, "type"],
        ["payment_method", { "type": "payment_card", "token_id": "t" }, "type"],
        ["payment_method", { "type": "CRYPTO" }, "type"],
        ["payment_method", { "type": "PAYMENT_CARD" }, "token_id"],
        ["payment_method", { "type": "PAYMENT_CARD", "token_id": "" }, "token_id"],
        ["payment_method", { "type": "PAYMENT_CARD", "token_id": "  " }, "token_id"],
        ["payment_method", { "type": "PAYMENT_CARD", "token_id": null }, "token_id"],
        ["payment_method", { "type": "PAYMENT_CARD", "token_id": 7 }, "token_id"],
        ["payment_method", { "type": "PAYMENT_CARD", "tokenId": "tok_visa" }, "token_id"],
        ["source", { "type": "bogus", "tokenId": "t" }, "type"],
        ["source", { "type": "card" }, "type"],
        ["source", { "type": "PAYMENT_CARD" }, "tokenId"],
        ["source", { "type": "PAYMENT_CARD", "tokenId": "" }, "tokenId"],
        ["source", { "type": "PAYMENT_CARD", "token_id": "tok_visa" }, "tokenId"],
    ]);
    for case in cases.as_array().unwrap() {
        let (name, last) = (case[0].as_str().unwrap(), case[2].as_str().unwrap());
        let body = json!({ "client_secret": secret, name: case[1] });
        let field = format!("{name}.{last}");
        let details = post_anon(&fake, CONFIRM, &body).error(400, "VALIDATION_ERROR");
        assert_eq!(details["field"], field, "{body}");
        let reason = match last {
            "type" => type_reason.to_owned(),
            name => format!("is required for PAYMENT_CARD and must be a non-empty string ({name})"),
        };
        assert_eq!(details["reason"], reason, "{body}");
        let session = fake.session("ecs_1").unwrap();
        assert_eq!(session["status"], "open", "{body}");
        assert_eq!(session["payment_status"], "unpaid", "{body}");
        assert_eq!(session["payments"], 0, "{body}");
        assert!(fake.webhook_for("ecs_1").is_none(), "{body}");
    }
    // The documented card still pays.
    let paid = confirm(&fake, &secret, "tok_visa").ok();
    assert_eq!(paid["payment_status"], "succeeded");
}

#[test]
fn config_reads_and_replaces_allowed_origins() {
    let fake = FakeEasy::start().unwrap();
    let path = "/embedded-checkout/config";
    let patch = |body: &Value| call(&fake, "PATCH", path, Some(FakeEasy::TEST_KEY), Some(body));
    let initial = get(&fake, path).data();
    assert_eq!(initial["allowed_origins"], json!([]));
    assert!(is_iso8601(&initial["updated_at"]));

    let origins = json!(["https://a.example", "https://b.example"]);
    let patched = patch(&json!({ "allowed_origins": origins })).ok();
    assert_eq!(patched["allowed_origins"], origins);
    assert_eq!(get(&fake, path).data()["allowed_origins"], origins);

    let cases = json!([
        [{}, "allowed_origins"],
        [{ "allowed_origins": "https://a.example" }, "allowed_origins"],
        [{ "allowed_origins": ["https://a.example", 3] }, "allowed_origins[1]"],
        [{ "allowed_origins": [""] }, "allowed_origins[0]"],
    ]);
    for case in cases.as_array().unwrap() {
        let details = patch(&case[0]).error(400, "VALIDATION_ERROR");
        assert_eq!(details["field"], case[1]);
    }
    // Failed updates changed nothing.
    assert_eq!(get(&fake, path).data()["allowed_origins"], origins);
}

#[test]
fn idempotency_replays_and_refuses_reuse() {
    let fake = FakeEasy::start().unwrap();
    let keyed = |api_key: &str, idem: &str, body: &Value| {
        let headers = [("x-easy-api-key", api_key), ("Idempotency-Key", idem)];
        post_with(&fake, "/embedded-checkout", &headers, body)
    };
    let body = session_body();
    let first = keyed(FakeEasy::TEST_KEY, "cart-1", &body);
    let second = keyed(FakeEasy::TEST_KEY, "cart-1", &body);
    assert_eq!((first.status, second.status), (200, 200));
    assert_eq!(first.body, second.body, "replayed byte for byte");
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    // Nothing new was created.
    assert_eq!(create(&fake)["id"], "ecs_2");

    let mut other = body.clone();
    other["metadata"] = json!({ "order": "43" });
    let reused = keyed(FakeEasy::TEST_KEY, "cart-1", &other);
    reused.error(409, "IDEMPOTENCY_KEY_REUSED");

    // Keys are scoped per API key.
    let other_key = keyed("sk_test_other", "cart-1", &body);
    assert_eq!(other_key.ok()["id"], "ecs_3");

    // Errors below 500 are replayed too.
    let bad = json!({ "items": [] });
    let a = keyed(FakeEasy::TEST_KEY, "bad-1", &bad);
    let b = keyed(FakeEasy::TEST_KEY, "bad-1", &bad);
    assert_eq!((a.status, b.status), (400, 400));
    assert_eq!(a.body, b.body);

    // Confirm: keyed per client secret, replays the payment instead of a 409.
    let (_, secret) = new_session(&fake);
    let pay = card(&secret, "tok_visa");
    let c1 = post_with(&fake, CONFIRM, &[("Idempotency-Key", "pay-1")], &pay);
    let c2 = post_with(&fake, CONFIRM, &[("Idempotency-Key", "pay-1")], &pay);
    assert_eq!((c1.status, c2.status), (200, 200));
    assert_eq!(c1.body, c2.body);
}

#[test]
fn rate_limit_headers_count_down() {
    let fake = FakeEasy::start().unwrap();
    let mut conn = Conn::open(&fake);
    let first = conn.get("/validate-key").unwrap();
    assert_eq!(first.header("ratelimit-limit"), Some("100"));
    assert_eq!(first.header("ratelimit-remaining"), Some("99"));
    assert_eq!(first.header("ratelimit-reset"), Some("60"));
    let second = conn.get("/nope").unwrap();
    assert_eq!(second.status, 404);
    assert_eq!(second.header("ratelimit-remaining"), Some("98"));
    for _ in 0..110 {
        conn.get("/validate-key").unwrap();
    }
    let last = conn.get("/validate-key").unwrap();
    assert_eq!(last.status, 200, "never actually limited");
    assert_eq!(last.header("ratelimit-remaining"), Some("0"));
}

#[test]
fn crypto_status_and_webhooks() {
    let fake = FakeEasy::start().unwrap();
    create(&fake);
    create(&fake);
    let pending = get(&fake, "/embedded-checkout/ecs_1/crypto-status").data();
    assert_eq!(
        pending,
        json!({ "status": "pending", "tx_signature": null, "payment_address": null, "chain": null, "asset": null, "amount": null })
    );
    assert!(fake.webhook_for("ecs_1").is_none(), "unpaid");
    assert!(fake.webhook_for("ecs_404").is_none(), "unknown");
    assert!(!fake.mark_paid("ecs_404"));
    assert!(!fake.mark_crypto_paid("ecs_404"));

    assert!(fake.mark_crypto_paid("ecs_1"));
    let crypto = get(&fake, "/embedded-checkout/ecs_1/crypto-status").data();
    assert_eq!(crypto["status"], "confirmed");
    assert_eq!(crypto["chain"], "solana");
    assert_eq!(crypto["asset"], "USDC");
    assert_eq!(crypto["amount"], "2.00");
    assert!(crypto["tx_signature"].as_str().unwrap().len() > 40);
    assert!(crypto["payment_address"].as_str().unwrap().len() > 30);
    let session = get(&fake, "/embedded-checkout/ecs_1").data();
    assert_eq!(session["payment_status"], "succeeded");

    let secret = fake.webhook_secret();
    let hook = fake.webhook_for("ecs_1").unwrap();
    let event = verify(&secret, Some(&hook.signature), &hook.body).unwrap();
    assert_eq!(event.kind.as_str(), "checkout.session.crypto_confirmed");
    assert_eq!(event.data["id"], "ecs_1");
    let tx_signature = &event.data["crypto_payment"]["tx_signature"];
    assert_eq!(tx_signature, &crypto["tx_signature"]);
    assert!(event.created_at.is_some());
    let again = fake.webhook_for("ecs_1").unwrap();
    assert_eq!(again, hook, "the same delivery each time");

    assert!(fake.mark_paid("ecs_2"));
    let hook = fake.webhook_for("ecs_2").unwrap();
    assert!(hook.signature.starts_with("sha256="));
    let event = verify(&secret, Some(&hook.signature), &hook.body).unwrap();
    assert_eq!(event.kind.as_str(), "checkout.session.completed");
    // `evt_` and 24 random hex digits: never the same twice, not even across a reset.
    let random = event.id.strip_prefix("evt_").unwrap();
    assert_eq!(random.len(), 24, "{}", event.id);
    assert!(random.bytes().all(|b| b.is_ascii_hexdigit()), "{random}");
    assert_eq!(event.data["payment_status"], "succeeded");
    assert!(event.data.get("client_secret").is_none());
    let wrong = WebhookSecret::new("whsec_other");
    assert!(verify(&wrong, Some(&hook.signature), &hook.body).is_err());
    let other = get(&fake, "/embedded-checkout/ecs_2/crypto-status").data();
    assert_eq!(other["status"], "pending");
}
