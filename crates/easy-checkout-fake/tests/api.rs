//! The fake API's behaviour over HTTP: routes, auth, validation, sessions, idempotency.

mod common;

use common::{Conn, call, card, create, get, post, post_anon, session_body};
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
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    let data = resp.data();
    assert_eq!(data["id"], "ecs_1");
    let secret = data["client_secret"].as_str().unwrap();
    assert!(
        secret.starts_with("ecs_secret_") && secret.len() > 20,
        "{secret}"
    );
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

    let status = get(&fake, "/embedded-checkout/ecs_1");
    assert_eq!(status.status, 200);
    assert_eq!(
        status.data(),
        json!({ "id": "ecs_1", "status": "open", "payment_status": "unpaid" })
    );
}

#[test]
fn create_validates_its_body() {
    let fake = FakeEasy::start().unwrap();
    let url = "https://shop.example/r";
    let cases = [
        (json!({ "return_url": url }), "items"),
        (json!({ "items": [], "return_url": url }), "items"),
        (json!({ "items": "x", "return_url": url }), "items"),
        (json!({ "items": [1], "return_url": url }), "items[0]"),
        (
            json!({ "items": [{ "quantity": 1 }], "return_url": url }),
            "items[0].price_id",
        ),
        (
            json!({ "items": [{ "price_id": "", "quantity": 1 }], "return_url": url }),
            "items[0].price_id",
        ),
        (
            json!({ "items": [{ "price_id": "p", "quantity": 0 }], "return_url": url }),
            "items[0].quantity",
        ),
        (
            json!({ "items": [{ "price_id": "p", "quantity": "1" }], "return_url": url }),
            "items[0].quantity",
        ),
        (
            json!({ "items": [{ "price_id": "p", "quantity": 1.5 }], "return_url": url }),
            "items[0].quantity",
        ),
        (
            json!({ "items": [{ "price_id": "p", "quantity": 1 }, { "price_id": "q", "quantity": -1 }], "return_url": url }),
            "items[1].quantity",
        ),
        (
            json!({ "items": [{ "price_id": "p", "quantity": 1 }] }),
            "return_url",
        ),
        (
            json!({ "items": [{ "price_id": "p", "quantity": 1 }], "return_url": "/relative" }),
            "return_url",
        ),
        (
            json!({ "items": [{ "price_id": "p", "quantity": 1 }], "return_url": "ftp://x.example" }),
            "return_url",
        ),
        (json!([1, 2]), "body"),
    ];
    for (body, field) in cases {
        let resp = post(&fake, "/embedded-checkout", &body);
        assert_eq!(resp.status, 400, "{body}");
        assert_eq!(resp.code(), "VALIDATION_ERROR", "{body}");
        assert_eq!(resp.json()["error"]["details"]["field"], field, "{body}");
    }
    // Nothing was created by the failures.
    assert_eq!(create(&fake)["id"], "ecs_1");
}

#[test]
fn malformed_json_is_invalid_json() {
    let fake = FakeEasy::start().unwrap();
    for body in [&b"{\"items\": ["[..], b"", b"\xff\xfe", b"null nonsense"] {
        let resp = Conn::open(&fake)
            .send(
                "POST",
                "/embedded-checkout",
                &[("x-easy-api-key", FakeEasy::TEST_KEY)],
                Some(body),
            )
            .unwrap();
        assert_eq!(resp.status, 400);
        assert_eq!(resp.code(), "INVALID_JSON");
    }
    let resp = Conn::open(&fake)
        .send("POST", "/embedded-checkout/confirm", &[], Some(b"{oops"))
        .unwrap();
    assert_eq!(resp.code(), "INVALID_JSON");
}

#[test]
fn api_key_auth() {
    let fake = FakeEasy::start().unwrap();
    let ok = get(&fake, "/validate-key");
    assert_eq!(ok.status, 200);
    assert_eq!(
        ok.json(),
        json!({ "data": { "basisTheoryPublicApiKey": FakeEasy::PUBLIC_KEY } })
    );
    assert_eq!(
        call(
            &fake,
            "GET",
            "/validate-key",
            Some("sk_live_anything"),
            None
        )
        .status,
        200
    );

    let missing = call(&fake, "GET", "/validate-key", None, None);
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (401, "AUTHENTICATION_REQUIRED")
    );
    for key in [FakeEasy::REVOKED_KEY, "sk_test_", "pk_test_abc", "nonsense"] {
        let resp = call(&fake, "GET", "/validate-key", Some(key), None);
        assert_eq!(
            (resp.status, resp.code().as_str()),
            (401, "INVALID_API_KEY"),
            "{key}"
        );
        assert!(!String::from_utf8_lossy(&resp.body).contains(key) || key.is_empty());
    }
    // Every key-authenticated route checks.
    let routes = [
        ("POST", "/embedded-checkout"),
        ("GET", "/embedded-checkout/ecs_1"),
        ("GET", "/embedded-checkout/ecs_1/crypto-status"),
        ("GET", "/embedded-checkout/config"),
        ("PATCH", "/embedded-checkout/config"),
    ];
    for (method, path) in routes {
        let resp = call(
            &fake,
            method,
            path,
            Some(FakeEasy::REVOKED_KEY),
            Some(&json!({})),
        );
        assert_eq!(resp.status, 401, "{method} {path}");
        let resp = call(&fake, method, path, None, Some(&json!({})));
        assert_eq!(resp.code(), "AUTHENTICATION_REQUIRED", "{method} {path}");
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
        let resp = get(&fake, path);
        assert_eq!(
            (resp.status, resp.code().as_str()),
            (404, "ROUTE_NOT_FOUND"),
            "{path}"
        );
    }
    let resp = get(&fake, "/embedded-checkout/ecs_999");
    assert_eq!(
        (resp.status, resp.code().as_str()),
        (404, "SESSION_NOT_FOUND")
    );

    // The encoded id is one segment: a lookup of "ecs_1/../config", never the config route.
    let resp = get(&fake, "/embedded-checkout/ecs_1%2F..%2Fconfig");
    assert_eq!(
        (resp.status, resp.code().as_str()),
        (404, "SESSION_NOT_FOUND")
    );
    assert_eq!(
        resp.json()["error"]["details"]["session_id"],
        "ecs_1/../config"
    );
    let resp = get(
        &fake,
        "/embedded-checkout/ecs_1%2F..%2Fconfig/crypto-status",
    );
    assert_eq!(resp.code(), "SESSION_NOT_FOUND");
    // An encoded id still finds its session.
    assert_eq!(
        get(&fake, "/embedded-checkout/%65cs_1").data()["id"],
        "ecs_1"
    );

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
        assert_eq!(
            (resp.status, resp.code().as_str()),
            (405, "METHOD_NOT_ALLOWED"),
            "{method} {path}"
        );
        assert_eq!(resp.header("allow"), Some(allow));
    }
}

#[test]
fn validate_checks_secret_and_origin() {
    let fake = FakeEasy::start().unwrap();
    let session = create(&fake);
    let secret = session["client_secret"].as_str().unwrap();

    let ok = post_anon(
        &fake,
        "/embedded-checkout/validate",
        &json!({ "client_secret": secret }),
    );
    assert_eq!(ok.status, 200);
    let data = ok.data();
    assert_eq!(data["valid"], true);
    assert_eq!(data["session"]["id"], "ecs_1");
    assert_eq!(data["session"]["status"], "open");
    assert_eq!(data["session"]["metadata"]["order"], "42");
    assert!(data["session"].get("client_secret").is_none());

    let bad = post_anon(
        &fake,
        "/embedded-checkout/validate",
        &json!({ "client_secret": "ecs_secret_nope" }),
    );
    assert_eq!(
        (bad.status, bad.code().as_str()),
        (401, "INVALID_CLIENT_SECRET")
    );
    let missing = post_anon(
        &fake,
        "/embedded-checkout/validate",
        &json!({ "parent_origin": "https://a.example" }),
    );
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (400, "VALIDATION_ERROR")
    );
    assert_eq!(missing.json()["error"]["details"]["field"], "client_secret");

    // No allowed origins configured: every origin passes.
    let any = json!({ "client_secret": secret, "parent_origin": "https://anything.example" });
    assert_eq!(
        post_anon(&fake, "/embedded-checkout/validate", &any).status,
        200
    );

    fake.set_allowed_origins(vec!["https://shop.example".to_owned()]);
    let allowed = json!({ "client_secret": secret, "parent_origin": "https://Shop.example/" });
    assert_eq!(
        post_anon(&fake, "/embedded-checkout/validate", &allowed).data()["valid"],
        true
    );
    let denied = post_anon(&fake, "/embedded-checkout/validate", &any);
    assert_eq!(
        (denied.status, denied.code().as_str()),
        (403, "ORIGIN_NOT_ALLOWED")
    );
    // Without parent_origin there is nothing to check.
    assert_eq!(
        post_anon(
            &fake,
            "/embedded-checkout/validate",
            &json!({ "client_secret": secret })
        )
        .status,
        200
    );

    // A finished session is not valid any more.
    fake.mark_paid("ecs_1");
    let done = post_anon(
        &fake,
        "/embedded-checkout/validate",
        &json!({ "client_secret": secret }),
    );
    assert_eq!(done.data()["valid"], false);
    assert_eq!(done.data()["session"]["status"], "complete");
}

#[test]
fn browser_calls_need_no_key_and_record_headers() {
    let fake = FakeEasy::start().unwrap();
    let secret = create(&fake)["client_secret"].as_str().unwrap().to_owned();
    fake.clear_requests();

    post_anon(
        &fake,
        "/embedded-checkout/validate",
        &json!({ "client_secret": secret }),
    );
    // A key sent anyway is ignored (and recorded).
    let resp = call(
        &fake,
        "POST",
        "/embedded-checkout/validate",
        Some("sk_test_leaked"),
        Some(&json!({ "client_secret": secret })),
    );
    assert_eq!(resp.status, 200);

    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/embedded-checkout/validate");
    assert_eq!(requests[0].header("x-easy-api-key"), None);
    assert_eq!(requests[0].header("Content-Type"), Some("application/json"));
    assert!(
        requests[0]
            .headers
            .iter()
            .all(|(n, _)| *n == n.to_ascii_lowercase())
    );
    assert_eq!(requests[0].json(), Some(json!({ "client_secret": secret })));
    assert_eq!(requests[1].header("x-easy-api-key"), Some("sk_test_leaked"));

    fake.clear_requests();
    assert!(fake.requests().is_empty());
}

#[test]
fn confirm_pays_once_and_handles_declines_and_expiry() {
    let fake = FakeEasy::start().unwrap();
    let secret = create(&fake)["client_secret"].as_str().unwrap().to_owned();

    let declined = post_anon(
        &fake,
        "/embedded-checkout/confirm",
        &card(&secret, FakeEasy::DECLINE_TOKEN),
    );
    assert_eq!(
        (declined.status, declined.code().as_str()),
        (402, "CARD_DECLINED")
    );
    assert_eq!(
        get(&fake, "/embedded-checkout/ecs_1").data(),
        json!({ "id": "ecs_1", "status": "open", "payment_status": "unpaid" })
    );

    let missing = post_anon(
        &fake,
        "/embedded-checkout/confirm",
        &json!({ "client_secret": secret }),
    );
    assert_eq!(
        missing.json()["error"]["details"]["field"],
        "payment_method"
    );
    let untyped = post_anon(
        &fake,
        "/embedded-checkout/confirm",
        &json!({ "client_secret": secret, "payment_method": { "token_id": "tok_1" } }),
    );
    assert_eq!(
        untyped.json()["error"]["details"]["field"],
        "payment_method.type"
    );
    let unknown = post_anon(
        &fake,
        "/embedded-checkout/confirm",
        &card("ecs_secret_x", "tok_1"),
    );
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (401, "INVALID_CLIENT_SECRET")
    );

    let paid = post_anon(
        &fake,
        "/embedded-checkout/confirm",
        &card(&secret, "tok_visa"),
    );
    assert_eq!(paid.status, 200);
    let data = paid.data();
    assert_eq!(data["id"], "ecs_1");
    assert_eq!(data["status"], "complete");
    assert_eq!(data["payment_status"], "succeeded");
    assert!(data["payment_id"].as_str().unwrap().starts_with("pay_"));
    assert_eq!(
        get(&fake, "/embedded-checkout/ecs_1").data(),
        json!({ "id": "ecs_1", "status": "complete", "payment_status": "succeeded" })
    );

    let again = post_anon(
        &fake,
        "/embedded-checkout/confirm",
        &card(&secret, "tok_visa"),
    );
    assert_eq!(
        (again.status, again.code().as_str()),
        (409, "SESSION_ALREADY_COMPLETE")
    );

    let secret2 = create(&fake)["client_secret"].as_str().unwrap().to_owned();
    assert!(fake.expire("ecs_2"));
    assert!(!fake.expire("ecs_404"));
    assert_eq!(
        get(&fake, "/embedded-checkout/ecs_2").data()["status"],
        "expired"
    );
    let expired = post_anon(
        &fake,
        "/embedded-checkout/confirm",
        &card(&secret2, "tok_visa"),
    );
    assert_eq!(
        (expired.status, expired.code().as_str()),
        (409, "SESSION_EXPIRED")
    );
}

/// The API documents one payment method type, `PAYMENT_CARD`, and it needs a token: an
/// unknown type, or a card without a non-empty token, is a `400` in both vocabularies, and
/// the session stays open, unpaid and without an event.
#[test]
fn confirm_refuses_undocumented_types_and_cards_without_a_token() {
    let fake = FakeEasy::start().unwrap();
    let secret = create(&fake)["client_secret"].as_str().unwrap().to_owned();
    let type_reason = "must be a payment method type the API documents: PAYMENT_CARD";
    let token_reason = |name: &str| {
        format!("is required for PAYMENT_CARD and must be a non-empty string ({name})")
    };
    let cases = [
        (
            "payment_method",
            json!({ "type": "bogus", "token_id": "t" }),
            "payment_method.type",
        ),
        (
            "payment_method",
            json!({ "type": "card" }),
            "payment_method.type",
        ),
        (
            "payment_method",
            json!({ "type": "payment_card", "token_id": "t" }),
            "payment_method.type",
        ),
        (
            "payment_method",
            json!({ "type": "CRYPTO" }),
            "payment_method.type",
        ),
        (
            "payment_method",
            json!({ "type": "PAYMENT_CARD" }),
            "payment_method.token_id",
        ),
        (
            "payment_method",
            json!({ "type": "PAYMENT_CARD", "token_id": "" }),
            "payment_method.token_id",
        ),
        (
            "payment_method",
            json!({ "type": "PAYMENT_CARD", "token_id": "  " }),
            "payment_method.token_id",
        ),
        (
            "payment_method",
            json!({ "type": "PAYMENT_CARD", "token_id": null }),
            "payment_method.token_id",
        ),
        (
            "payment_method",
            json!({ "type": "PAYMENT_CARD", "token_id": 7 }),
            "payment_method.token_id",
        ),
        (
            "payment_method",
            json!({ "type": "PAYMENT_CARD", "tokenId": "tok_visa" }),
            "payment_method.token_id",
        ),
        (
            "source",
            json!({ "type": "bogus", "tokenId": "t" }),
            "source.type",
        ),
        ("source", json!({ "type": "card" }), "source.type"),
        (
            "source",
            json!({ "type": "PAYMENT_CARD" }),
            "source.tokenId",
        ),
        (
            "source",
            json!({ "type": "PAYMENT_CARD", "tokenId": "" }),
            "source.tokenId",
        ),
        (
            "source",
            json!({ "type": "PAYMENT_CARD", "token_id": "tok_visa" }),
            "source.tokenId",
        ),
    ];
    for (name, method, field) in cases {
        let body = json!({ "client_secret": secret, name: method });
        let resp = post_anon(&fake, "/embedded-checkout/confirm", &body);
        assert_eq!(
            (resp.status, resp.code().as_str()),
            (400, "VALIDATION_ERROR"),
            "{body}"
        );
        let details = &resp.json()["error"]["details"];
        assert_eq!(details["field"], field, "{body}");
        let reason = match field.ends_with(".type") {
            true => type_reason.to_owned(),
            false => token_reason(field.rsplit('.').next().unwrap()),
        };
        assert_eq!(details["reason"], reason.as_str(), "{body}");
        let session = fake.session("ecs_1").unwrap();
        assert_eq!(
            (
                &session["status"],
                &session["payment_status"],
                &session["payments"]
            ),
            (&json!("open"), &json!("unpaid"), &json!(0)),
            "{body}"
        );
        assert!(fake.webhook_for("ecs_1").is_none(), "{body}");
    }
    // The documented card, in either vocabulary, still pays.
    let paid = post_anon(
        &fake,
        "/embedded-checkout/confirm",
        &card(&secret, "tok_visa"),
    );
    assert_eq!(paid.status, 200);
    assert_eq!(paid.data()["payment_status"], "succeeded");
    let secret2 = create(&fake)["client_secret"].as_str().unwrap().to_owned();
    let source = json!({ "client_secret": secret2, "source": { "type": "PAYMENT_CARD", "tokenId": "tok_visa" } });
    assert_eq!(
        post_anon(&fake, "/embedded-checkout/confirm", &source).status,
        200
    );
    assert_eq!(fake.session("ecs_2").unwrap()["payments"], 1);
}

#[test]
fn config_reads_and_replaces_allowed_origins() {
    let fake = FakeEasy::start().unwrap();
    let initial = get(&fake, "/embedded-checkout/config").data();
    assert_eq!(initial["allowed_origins"], json!([]));
    assert!(is_iso8601(&initial["updated_at"]));

    let origins = json!({ "allowed_origins": ["https://a.example", "https://b.example"] });
    let patched = call(
        &fake,
        "PATCH",
        "/embedded-checkout/config",
        Some(FakeEasy::TEST_KEY),
        Some(&origins),
    );
    assert_eq!(patched.status, 200);
    assert_eq!(
        patched.data()["allowed_origins"],
        origins["allowed_origins"]
    );
    assert_eq!(
        get(&fake, "/embedded-checkout/config").data()["allowed_origins"],
        origins["allowed_origins"]
    );

    for (body, field) in [
        (json!({}), "allowed_origins"),
        (
            json!({ "allowed_origins": "https://a.example" }),
            "allowed_origins",
        ),
        (
            json!({ "allowed_origins": ["https://a.example", 3] }),
            "allowed_origins[1]",
        ),
        (json!({ "allowed_origins": [""] }), "allowed_origins[0]"),
    ] {
        let resp = call(
            &fake,
            "PATCH",
            "/embedded-checkout/config",
            Some(FakeEasy::TEST_KEY),
            Some(&body),
        );
        assert_eq!(
            (resp.status, resp.code().as_str()),
            (400, "VALIDATION_ERROR"),
            "{body}"
        );
        assert_eq!(resp.json()["error"]["details"]["field"], field);
    }
    // Failed updates changed nothing.
    assert_eq!(
        get(&fake, "/embedded-checkout/config").data()["allowed_origins"],
        origins["allowed_origins"]
    );
}

fn post_with_key(fake: &FakeEasy, api_key: &str, idem: &str, body: &Value) -> common::Resp {
    let bytes = serde_json::to_vec(body).unwrap();
    Conn::open(fake)
        .send(
            "POST",
            "/embedded-checkout",
            &[("x-easy-api-key", api_key), ("Idempotency-Key", idem)],
            Some(&bytes),
        )
        .unwrap()
}

#[test]
fn idempotency_replays_and_refuses_reuse() {
    let fake = FakeEasy::start().unwrap();
    let body = session_body();
    let first = post_with_key(&fake, FakeEasy::TEST_KEY, "cart-1", &body);
    let second = post_with_key(&fake, FakeEasy::TEST_KEY, "cart-1", &body);
    assert_eq!(first.status, 200);
    assert_eq!(second.status, 200);
    assert_eq!(first.body, second.body, "replayed byte for byte");
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    // Nothing new was created.
    assert_eq!(create(&fake)["id"], "ecs_2");

    let mut other = body.clone();
    other["metadata"] = json!({ "order": "43" });
    let reused = post_with_key(&fake, FakeEasy::TEST_KEY, "cart-1", &other);
    assert_eq!(
        (reused.status, reused.code().as_str()),
        (409, "IDEMPOTENCY_KEY_REUSED")
    );

    // Keys are scoped per API key.
    let other_key = post_with_key(&fake, "sk_test_other", "cart-1", &body);
    assert_eq!(other_key.status, 200);
    assert_eq!(other_key.data()["id"], "ecs_3");

    // Errors below 500 are replayed too.
    let bad = json!({ "items": [] });
    let a = post_with_key(&fake, FakeEasy::TEST_KEY, "bad-1", &bad);
    let b = post_with_key(&fake, FakeEasy::TEST_KEY, "bad-1", &bad);
    assert_eq!((a.status, b.status), (400, 400));
    assert_eq!(a.body, b.body);

    // Confirm: keyed per client secret, replays the payment instead of a 409.
    let secret = create(&fake)["client_secret"].as_str().unwrap().to_owned();
    let pay = serde_json::to_vec(&card(&secret, "tok_visa")).unwrap();
    let confirm = |fake: &FakeEasy| {
        Conn::open(fake)
            .send(
                "POST",
                "/embedded-checkout/confirm",
                &[("Idempotency-Key", "pay-1")],
                Some(&pay),
            )
            .unwrap()
    };
    let c1 = confirm(&fake);
    let c2 = confirm(&fake);
    assert_eq!((c1.status, c2.status), (200, 200));
    assert_eq!(c1.body, c2.body);
}

#[test]
fn rate_limit_headers_count_down() {
    let fake = FakeEasy::start().unwrap();
    let mut conn = Conn::open(&fake);
    let auth = [("x-easy-api-key", FakeEasy::TEST_KEY)];
    let first = conn.send("GET", "/validate-key", &auth, None).unwrap();
    assert_eq!(first.header("ratelimit-limit"), Some("100"));
    assert_eq!(first.header("ratelimit-remaining"), Some("99"));
    assert_eq!(first.header("ratelimit-reset"), Some("60"));
    let second = conn.send("GET", "/nope", &auth, None).unwrap();
    assert_eq!(second.status, 404);
    assert_eq!(second.header("ratelimit-remaining"), Some("98"));
    for _ in 0..110 {
        conn.send("GET", "/validate-key", &auth, None).unwrap();
    }
    let last = conn.send("GET", "/validate-key", &auth, None).unwrap();
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
    assert_eq!(
        get(&fake, "/embedded-checkout/ecs_1").data()["payment_status"],
        "succeeded"
    );

    let secret = fake.webhook_secret();
    let hook = fake.webhook_for("ecs_1").unwrap();
    let event =
        easy_checkout_core::webhook::verify(&secret, Some(&hook.signature), &hook.body).unwrap();
    assert_eq!(event.kind.as_str(), "checkout.session.crypto_confirmed");
    assert_eq!(event.data["id"], "ecs_1");
    assert_eq!(
        event.data["crypto_payment"]["tx_signature"],
        crypto["tx_signature"]
    );
    assert!(event.created_at.is_some());
    assert_eq!(
        fake.webhook_for("ecs_1").unwrap(),
        hook,
        "the same delivery each time"
    );

    assert!(fake.mark_paid("ecs_2"));
    let hook = fake.webhook_for("ecs_2").unwrap();
    assert!(hook.signature.starts_with("sha256="));
    let event =
        easy_checkout_core::webhook::verify(&secret, Some(&hook.signature), &hook.body).unwrap();
    assert_eq!(event.kind.as_str(), "checkout.session.completed");
    // `evt_` and 24 random hex digits: never the same twice, not even across a reset.
    let random = event.id.strip_prefix("evt_").unwrap();
    assert!(
        random.len() == 24 && random.bytes().all(|b| b.is_ascii_hexdigit()),
        "{}",
        event.id
    );
    assert_eq!(event.data["payment_status"], "succeeded");
    assert!(event.data.get("client_secret").is_none());
    let wrong = easy_checkout_core::webhook::WebhookSecret::new("whsec_other");
    assert!(
        easy_checkout_core::webhook::verify(&wrong, Some(&hook.signature), &hook.body).is_err()
    );
    assert_eq!(
        get(&fake, "/embedded-checkout/ecs_2/crypto-status").data()["status"],
        "pending"
    );
}
