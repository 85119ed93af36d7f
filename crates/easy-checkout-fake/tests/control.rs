//! Faults after the effect, faults aimed at some requests, and the `/__fake/` control API.

mod common;

use common::{Conn, call, card, create, get, post, post_anon, try_call};
use easy_checkout_fake::{FakeEasy, Fault, Match};
use serde_json::{Value, json};

const CONFIRM: &str = "/embedded-checkout/confirm";

fn control(fake: &FakeEasy, method: &str, path: &str, body: Option<&Value>) -> common::Resp {
    call(fake, method, path, None, body)
}

#[test]
fn lose_reply_does_the_work_then_closes_without_a_byte() {
    let fake = FakeEasy::start().unwrap();
    let session = create(&fake);
    let (id, secret) = (
        session["id"].as_str().unwrap(),
        session["client_secret"].as_str().unwrap(),
    );
    fake.inject(Fault::LoseReply);
    let mut conn = Conn::open(&fake);
    let body = serde_json::to_vec(&card(secret, "tok_1")).unwrap();
    let err = conn
        .send("POST", CONFIRM, &[("Idempotency-Key", "k-1")], Some(&body))
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof, "{err}");
    // The card was charged all the same.
    let state = fake.session(id).unwrap();
    assert_eq!(state["payments"], 1);
    assert_eq!(state["payment_status"], "succeeded");
    // The key was remembered with the real reply: a retry is a replay, not a second charge.
    let retry = Conn::open(&fake)
        .send("POST", CONFIRM, &[("Idempotency-Key", "k-1")], Some(&body))
        .unwrap();
    assert_eq!(retry.status, 200);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.data()["payment_status"], "succeeded");
    assert_eq!(fake.session(id).unwrap()["payments"], 1);
    // Without a key, a second confirm is refused, and still charges nothing.
    let again = post_anon(&fake, CONFIRM, &card(secret, "tok_1"));
    assert_eq!(again.code(), "SESSION_ALREADY_COMPLETE");
    assert_eq!(fake.session(id).unwrap()["payments"], 1);
    assert_eq!(fake.requests().len(), 4, "every request recorded");
}

#[test]
fn status_after_effect_answers_the_status_but_keeps_the_effect() {
    let fake = FakeEasy::start().unwrap();
    fake.inject(Fault::StatusAfterEffect(503));
    let resp = post(&fake, "/embedded-checkout", &common::session_body());
    assert_eq!((resp.status, resp.code().as_str()), (503, "INJECTED_FAULT"));
    assert_eq!(fake.sessions().len(), 1, "the session was created");
    assert_eq!(fake.sessions()[0]["id"], "ecs_1");

    fake.inject(Fault::StatusAfterEffect(500));
    let origins = json!({ "allowed_origins": ["https://shop.example"] });
    let resp = call(
        &fake,
        "PATCH",
        "/embedded-checkout/config",
        Some(FakeEasy::TEST_KEY),
        Some(&origins),
    );
    assert_eq!(resp.status, 500);
    let config = get(&fake, "/embedded-checkout/config").data();
    assert_eq!(config["allowed_origins"], json!(["https://shop.example"]));
}

#[test]
fn matched_faults_hit_only_their_requests_in_queue_order() {
    let fake = FakeEasy::start().unwrap();
    let session = create(&fake);
    let secret = session["client_secret"].as_str().unwrap();
    fake.inject_matching(
        Match::any().method("POST").path(CONFIRM),
        Fault::status(502),
        1,
    );
    fake.inject_matching(Match::any().method("GET"), Fault::status(504), 1);
    // Neither matches a create: it passes, and both faults stay queued.
    assert_eq!(
        post(&fake, "/embedded-checkout", &common::session_body()).status,
        200
    );
    assert_eq!(fake.pending_faults(), 2);
    // A GET takes the second fault, though the first was queued before it.
    assert_eq!(get(&fake, "/validate-key").status, 504);
    assert_eq!(get(&fake, "/validate-key").status, 200);
    assert_eq!(post_anon(&fake, CONFIRM, &card(secret, "t")).status, 502);
    assert_eq!(post_anon(&fake, CONFIRM, &card(secret, "t")).status, 200);
    assert_eq!(fake.pending_faults(), 0);
}

#[test]
fn control_faults_queue_every_kind_with_its_fields() {
    let fake = FakeEasy::start().unwrap();
    let queue = |body: Value| control(&fake, "POST", "/__fake/faults", Some(&body));
    let resp = queue(json!({ "kind": "status", "status": 429, "retry_after": "3", "times": 2 }));
    assert_eq!(resp.status, 200);
    assert_eq!(resp.data(), json!({ "queued": 2, "pending": 2 }));
    for _ in 0..2 {
        let limited = get(&fake, "/validate-key");
        assert_eq!(limited.status, 429);
        assert_eq!(limited.header("retry-after"), Some("3"));
    }
    let rows = [
        (
            json!({ "kind": "status", "status": 500, "body": "boom" }),
            500,
            Some("boom"),
        ),
        (json!({ "kind": "delay", "ms": 1 }), 200, None),
        (json!({ "kind": "not_json" }), 200, Some("<html>")),
        (
            json!({ "kind": "oversized", "bytes": 30 }),
            200,
            Some("{\"data\":{\"padding\":\""),
        ),
        (
            json!({ "kind": "redirect", "location": "https://elsewhere.example/" }),
            302,
            None,
        ),
        (
            json!({ "kind": "status_after_effect", "status": 502 }),
            502,
            None,
        ),
    ];
    for (body, status, starts) in rows {
        assert_eq!(queue(body.clone()).status, 200, "{body}");
        let resp = get(&fake, "/validate-key");
        assert_eq!(resp.status, status, "{body}");
        if let Some(prefix) = starts {
            assert!(resp.body.starts_with(prefix.as_bytes()), "{body}");
        }
    }
    for kind in ["close", "close_mid_body", "lose_reply"] {
        assert_eq!(queue(json!({ "kind": kind })).status, 200);
        let err = try_call(
            &fake,
            "GET",
            "/validate-key",
            Some(FakeEasy::TEST_KEY),
            None,
        );
        assert!(err.is_err(), "{kind}: {err:?}");
    }
    // `times: 0` queues nothing; a matched fault waits for its request.
    assert_eq!(
        queue(json!({ "kind": "close", "times": 0 })).data()["queued"],
        0
    );
    let matched = queue(
        json!({ "kind": "status", "status": 503, "method": "post", "path": "/embedded-checkout" }),
    );
    assert_eq!(matched.data()["pending"], 1);
    assert_eq!(get(&fake, "/validate-key").status, 200);
    assert_eq!(
        control(&fake, "GET", "/__fake/faults", None).data()["pending"],
        1
    );
    assert_eq!(
        control(&fake, "DELETE", "/__fake/faults", None).data()["pending"],
        0
    );
    assert_eq!(fake.pending_faults(), 0);
}

#[test]
fn control_fault_input_errors_name_the_field() {
    let fake = FakeEasy::start().unwrap();
    let rows = [
        (json!([]), "body"),
        (json!({}), "kind"),
        (json!({ "kind": "explode" }), "kind"),
        (json!({ "kind": 7 }), "kind"),
        (json!({ "kind": "status" }), "status"),
        (json!({ "kind": "status", "status": 99 }), "status"),
        (json!({ "kind": "status", "status": 1000 }), "status"),
        (
            json!({ "kind": "status", "status": 500, "body": 1 }),
            "body",
        ),
        (
            json!({ "kind": "status_after_effect", "status": "500" }),
            "status",
        ),
        (json!({ "kind": "delay" }), "ms"),
        (json!({ "kind": "delay", "ms": -1 }), "ms"),
        (json!({ "kind": "oversized" }), "bytes"),
        (json!({ "kind": "redirect" }), "location"),
        (json!({ "kind": "close", "times": -1 }), "times"),
        (json!({ "kind": "close", "times": 1.5 }), "times"),
        (json!({ "kind": "close", "times": 100_001 }), "times"),
        (json!({ "kind": "close", "method": ["GET"] }), "method"),
        (
            json!({ "kind": "close", "path": "embedded-checkout" }),
            "path",
        ),
    ];
    for (body, field) in rows {
        let resp = control(&fake, "POST", "/__fake/faults", Some(&body));
        assert_eq!(
            (resp.status, resp.code().as_str()),
            (400, "INVALID_FAULT"),
            "{body}"
        );
        assert_eq!(resp.json()["error"]["details"]["field"], field, "{body}");
    }
    let not_json = Conn::open(&fake)
        .send("POST", "/__fake/faults", &[], Some(b"{nope"))
        .unwrap();
    assert_eq!(not_json.json()["error"]["details"]["field"], "body");
    assert_eq!(fake.pending_faults(), 0, "nothing queued by a refusal");
}

#[test]
fn control_reads_requests_and_sessions_and_drives_payments() {
    let fake = FakeEasy::start().unwrap();
    let session = create(&fake);
    let id = session["id"].as_str().unwrap();
    // The control call itself is not recorded.
    let requests = control(&fake, "GET", "/__fake/requests", None).data();
    let requests = requests.as_array().unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["method"], "POST");
    assert_eq!(requests[0]["path"], "/embedded-checkout");
    assert_eq!(requests[0]["json"], common::session_body());
    assert!(
        requests[0]["headers"]
            .as_array()
            .unwrap()
            .contains(&json!(["x-easy-api-key", FakeEasy::TEST_KEY])),
        "headers as they arrived: {requests:?}"
    );
    assert_eq!(
        serde_json::from_str::<Value>(requests[0]["body"].as_str().unwrap()).unwrap(),
        common::session_body()
    );

    let state = control(&fake, "GET", &format!("/__fake/sessions/{id}"), None).data();
    assert_eq!(state["payments"], 0);
    assert_eq!(state["client_secret"], session["client_secret"]);
    assert_eq!(state["status"], "open");
    let hook = control(
        &fake,
        "GET",
        &format!("/__fake/sessions/{id}/webhook"),
        None,
    );
    assert_eq!((hook.status, hook.code().as_str()), (404, "NO_WEBHOOK"));

    let paid = control(&fake, "POST", &format!("/__fake/sessions/{id}/pay"), None).data();
    assert_eq!(
        (paid["payments"].clone(), paid["status"].clone()),
        (json!(1), json!("complete"))
    );
    let hook = control(
        &fake,
        "GET",
        &format!("/__fake/sessions/{id}/webhook"),
        None,
    )
    .data();
    assert_eq!(hook["header"], "x-easy-webhook-signature");
    let expected = fake.webhook_for(id).unwrap();
    assert_eq!(hook["signature"], expected.signature);
    assert_eq!(hook["body"].as_str().unwrap().as_bytes(), expected.body);

    let second = create(&fake)["id"].as_str().unwrap().to_owned();
    let crypto = control(
        &fake,
        "POST",
        &format!("/__fake/sessions/{second}/crypto-pay"),
        None,
    );
    assert_eq!(crypto.data()["crypto_payment"]["status"], "confirmed");
    let third = create(&fake)["id"].as_str().unwrap().to_owned();
    let expired = control(
        &fake,
        "POST",
        &format!("/__fake/sessions/{third}/expire"),
        None,
    );
    assert_eq!(expired.data()["status"], "expired");

    let all = control(&fake, "GET", "/__fake/sessions", None).data();
    let ids: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["ecs_1", "ecs_2", "ecs_3"]);

    let missing = control(&fake, "GET", "/__fake/sessions/ecs_404", None);
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (404, "SESSION_NOT_FOUND")
    );
    let missing = control(&fake, "POST", "/__fake/sessions/ecs_404/pay", None);
    assert_eq!(missing.status, 404);

    assert_eq!(
        control(&fake, "DELETE", "/__fake/requests", None).status,
        200
    );
    assert!(fake.requests().is_empty());
}

#[test]
fn control_reset_and_unknown_routes() {
    let fake = FakeEasy::start().unwrap();
    create(&fake);
    fake.inject(Fault::status(500));
    // A control call takes no fault.
    assert_eq!(control(&fake, "POST", "/__fake/reset", None).status, 200);
    assert!(fake.sessions().is_empty());
    assert!(fake.requests().is_empty());
    assert_eq!(fake.pending_faults(), 0);
    assert_eq!(fake.connections(), 0);
    // Ids start over.
    assert_eq!(create(&fake)["id"], "ecs_1");

    let unknown = control(&fake, "GET", "/__fake/nothing", None);
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (404, "ROUTE_NOT_FOUND")
    );
    let wrong = control(&fake, "PUT", "/__fake/reset", None);
    assert_eq!(
        (wrong.status, wrong.code().as_str()),
        (405, "METHOD_NOT_ALLOWED")
    );
    let wrong = control(&fake, "GET", "/__fake/sessions/ecs_1/pay", None);
    assert_eq!(wrong.status, 405);
}

#[test]
fn the_control_api_refuses_a_foreign_host_name() {
    let fake = FakeEasy::start().unwrap();
    create(&fake);
    let mut conn = Conn::open(&fake);
    let resp = conn
        .send(
            "GET",
            "/__fake/requests",
            &[("Host", "rebound.evil.example")],
            None,
        )
        .unwrap();
    assert_eq!((resp.status, resp.code().as_str()), (403, "FORBIDDEN_HOST"));
    assert!(!String::from_utf8_lossy(&resp.body).contains(FakeEasy::TEST_KEY));
}

#[test]
fn a_malformed_chunked_body_gets_a_400_and_a_closed_connection() {
    let fake = FakeEasy::start().unwrap();
    let mut conn = Conn::open(&fake);
    conn.write_raw(
        b"POST /embedded-checkout HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    )
    .unwrap();
    let resp = conn.read_response().unwrap();
    assert_eq!(
        (resp.status, resp.code().as_str()),
        (400, "MALFORMED_REQUEST")
    );
    assert_eq!(resp.header("connection"), Some("close"));
}
