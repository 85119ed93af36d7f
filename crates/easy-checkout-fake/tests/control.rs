//! Faults after the effect, faults aimed at some requests, and the `/__fake/` control API.

mod common;

use common::session_body;
use common::{CONFIRM, Conn, KEY, call, confirm, control, create, get, new_session, post};
use easy_checkout_fake::{FakeEasy, Fault, Match};
use serde_json::{Value, json};

#[test]
fn lose_reply_does_the_work_then_closes_without_a_byte() {
    let fake = FakeEasy::start().unwrap();
    let (id, secret) = new_session(&fake);
    fake.inject(Fault::LoseReply);
    let body = serde_json::to_vec(&common::card(&secret, "tok_1")).unwrap();
    let pay =
        || Conn::open(&fake).send("POST", CONFIRM, &[("Idempotency-Key", "k-1")], Some(&body));
    let err = pay().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof, "{err}");
    // The card was charged all the same.
    let state = fake.session(&id).unwrap();
    assert_eq!(state["payments"], 1);
    assert_eq!(state["payment_status"], "succeeded");
    // The key was remembered with the real reply: a retry is a replay, not a second charge.
    let retry = pay().unwrap();
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.ok()["payment_status"], "succeeded");
    assert_eq!(fake.session(&id).unwrap()["payments"], 1);
    // Without a key, a second confirm is refused, and still charges nothing.
    let again = confirm(&fake, &secret, "tok_1");
    assert_eq!(again.code(), "SESSION_ALREADY_COMPLETE");
    assert_eq!(fake.session(&id).unwrap()["payments"], 1);
    assert_eq!(fake.requests().len(), 4, "every request recorded");
}

#[test]
fn status_after_effect_answers_the_status_but_keeps_the_effect() {
    let fake = FakeEasy::start().unwrap();
    fake.inject(Fault::StatusAfterEffect(503));
    let resp = post(&fake, "/embedded-checkout", &session_body());
    resp.error(503, "INJECTED_FAULT");
    assert_eq!(fake.sessions().len(), 1, "the session was created");
    assert_eq!(fake.sessions()[0]["id"], "ecs_1");

    fake.inject(Fault::StatusAfterEffect(500));
    let origins = json!({ "allowed_origins": ["https://shop.example"] });
    let path = "/embedded-checkout/config";
    let key = Some(FakeEasy::TEST_KEY);
    let resp = call(&fake, "PATCH", path, key, Some(&origins));
    assert_eq!(resp.status, 500);
    let config = get(&fake, path).data();
    assert_eq!(config["allowed_origins"], origins["allowed_origins"]);
}

#[test]
fn matched_faults_hit_only_their_requests_in_queue_order() {
    let fake = FakeEasy::start().unwrap();
    let (_, secret) = new_session(&fake);
    let confirms = Match::any().method("POST").path(CONFIRM);
    fake.inject_matching(confirms, Fault::status(502), 1);
    fake.inject_matching(Match::any().method("GET"), Fault::status(504), 1);
    // Neither matches a create: it passes, and both faults stay queued.
    create(&fake);
    assert_eq!(fake.pending_faults(), 2);
    // A GET takes the second fault, though the first was queued before it.
    assert_eq!(get(&fake, "/validate-key").status, 504);
    assert_eq!(get(&fake, "/validate-key").status, 200);
    assert_eq!(confirm(&fake, &secret, "t").status, 502);
    assert_eq!(confirm(&fake, &secret, "t").status, 200);
    assert_eq!(fake.pending_faults(), 0);
}

#[test]
fn control_faults_queue_every_kind_with_its_fields() {
    let fake = FakeEasy::start().unwrap();
    let queue = |body: &Value| control(&fake, "POST", "/__fake/faults", Some(body));
    let resp = queue(&json!({ "kind": "status", "status": 429, "retry_after": "3", "times": 2 }));
    assert_eq!(resp.ok(), json!({ "queued": 2, "pending": 2 }));
    for _ in 0..2 {
        let limited = get(&fake, "/validate-key");
        assert_eq!(limited.status, 429);
        assert_eq!(limited.header("retry-after"), Some("3"));
    }
    let rows = json!([
        [{ "kind": "status", "status": 500, "body": "boom" }, 500, "boom"],
        [{ "kind": "delay", "ms": 1 }, 200, null],
        [{ "kind": "not_json" }, 200, "<html>"],
        [{ "kind": "oversized", "bytes": 30 }, 200, "{\"data\":{\"padding\":\""],
        [{ "kind": "redirect", "location": "https://elsewhere.example/" }, 302, null],
        [{ "kind": "status_after_effect", "status": 502 }, 502, null],
    ]);
    for row in rows.as_array().unwrap() {
        let body = &row[0];
        assert_eq!(queue(body).status, 200, "{body}");
        let resp = get(&fake, "/validate-key");
        assert_eq!(resp.status, row[1], "{body}");
        if let Some(prefix) = row[2].as_str() {
            assert!(resp.body.starts_with(prefix.as_bytes()), "{body}");
        }
    }
    for kind in ["close", "close_mid_body", "lose_reply"] {
        assert_eq!(queue(&json!({ "kind": kind })).status, 200);
        let err = Conn::open(&fake).get("/validate-key");
        assert!(err.is_err(), "{kind}: {err:?}");
    }
    // `times: 0` queues nothing; a matched fault waits for its request.
    let none = queue(&json!({ "kind": "close", "times": 0 }));
    assert_eq!(none.data()["queued"], 0);
    let matched =
        json!({ "kind": "status", "status": 503, "method": "post", "path": "/embedded-checkout" });
    assert_eq!(queue(&matched).data()["pending"], 1);
    assert_eq!(get(&fake, "/validate-key").status, 200);
    let pending = control(&fake, "GET", "/__fake/faults", None).data();
    assert_eq!(pending["pending"], 1);
    let cleared = control(&fake, "DELETE", "/__fake/faults", None).data();
    assert_eq!(cleared["pending"], 0);
    assert_eq!(fake.pending_faults(), 0);
}

#[test]
fn control_fault_input_errors_name_the_field() {
    let fake = FakeEasy::start().unwrap();
    let rows = json!([
        [[], "body"],
        [{}, "kind"],
        [{ "kind": "explode" }, "kind"],
        [{ "kind": 7 }, "kind"],
        [{ "kind": "status" }, "status"],
        [{ "kind": "status", "status": 99 }, "status"],
        [{ "kind": "status", "status": 1000 }, "status"],
        [{ "kind": "status", "status": 500, "body": 1 }, "body"],
        [{ "kind": "status_after_effect", "status": "500" }, "status"],
        [{ "kind": "delay" }, "ms"],
        [{ "kind": "delay", "ms": -1 }, "ms"],
        [{ "kind": "oversized" }, "bytes"],
        [{ "kind": "redirect" }, "location"],
        [{ "kind": "close", "times": -1 }, "times"],
        [{ "kind": "close", "times": 1.5 }, "times"],
        [{ "kind": "close", "times": 100_001 }, "times"],
        [{ "kind": "close", "method": ["GET"] }, "method"],
        [{ "kind": "close", "path": "embedded-checkout" }, "path"],
    ]);
    for row in rows.as_array().unwrap() {
        let resp = control(&fake, "POST", "/__fake/faults", Some(&row[0]));
        assert_eq!(resp.error(400, "INVALID_FAULT")["field"], row[1]);
    }
    let not_json = Conn::open(&fake).send("POST", "/__fake/faults", &[], Some(b"{nope"));
    let details = not_json.unwrap().json()["error"]["details"].clone();
    assert_eq!(details["field"], "body");
    assert_eq!(fake.pending_faults(), 0, "nothing queued by a refusal");
}

#[test]
fn control_reads_requests_and_sessions_and_drives_payments() {
    let fake = FakeEasy::start().unwrap();
    let get = |path: &str| control(&fake, "GET", path, None);
    let post = |path: &str| control(&fake, "POST", path, None);
    let session = create(&fake);
    let id = session["id"].as_str().unwrap();
    // The control call itself is not recorded.
    let requests = get("/__fake/requests").data();
    let requests = requests.as_array().unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["method"], "POST");
    assert_eq!(requests[0]["path"], "/embedded-checkout");
    assert_eq!(requests[0]["json"], session_body());
    let headers = requests[0]["headers"].as_array().unwrap();
    let key = json!([KEY.0, KEY.1]);
    assert!(
        headers.contains(&key),
        "headers as they arrived: {requests:?}"
    );
    let body: Value = serde_json::from_str(requests[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, session_body());

    let state = get(&format!("/__fake/sessions/{id}")).data();
    assert_eq!(state["payments"], 0);
    assert_eq!(state["client_secret"], session["client_secret"]);
    assert_eq!(state["status"], "open");
    let hook = get(&format!("/__fake/sessions/{id}/webhook"));
    hook.error(404, "NO_WEBHOOK");

    let paid = post(&format!("/__fake/sessions/{id}/pay")).data();
    assert_eq!(paid["payments"], 1);
    assert_eq!(paid["status"], "complete");
    let hook = get(&format!("/__fake/sessions/{id}/webhook")).data();
    assert_eq!(hook["header"], "x-easy-webhook-signature");
    let expected = fake.webhook_for(id).unwrap();
    assert_eq!(hook["signature"], expected.signature);
    assert_eq!(hook["body"].as_str().unwrap().as_bytes(), expected.body);

    let (second, _) = new_session(&fake);
    let crypto = post(&format!("/__fake/sessions/{second}/crypto-pay")).data();
    assert_eq!(crypto["crypto_payment"]["status"], "confirmed");
    let (third, _) = new_session(&fake);
    let expired = post(&format!("/__fake/sessions/{third}/expire")).data();
    assert_eq!(expired["status"], "expired");

    let all = get("/__fake/sessions").data();
    let ids: Vec<&Value> = all.as_array().unwrap().iter().map(|s| &s["id"]).collect();
    assert_eq!(ids, [&json!("ecs_1"), &json!("ecs_2"), &json!("ecs_3")]);

    get("/__fake/sessions/ecs_404").error(404, "SESSION_NOT_FOUND");
    assert_eq!(post("/__fake/sessions/ecs_404/pay").status, 404);
    let cleared = control(&fake, "DELETE", "/__fake/requests", None);
    assert_eq!(cleared.status, 200);
    assert!(fake.requests().is_empty());
}

#[test]
fn control_reset_unknown_routes_and_foreign_hosts() {
    let fake = FakeEasy::start().unwrap();
    create(&fake);
    // Only loopback names reach the control API.
    let rebound = [("Host", "rebound.evil.example")];
    let resp = Conn::open(&fake).send("GET", "/__fake/requests", &rebound, None);
    let resp = resp.unwrap();
    resp.error(403, "FORBIDDEN_HOST");
    assert!(!String::from_utf8_lossy(&resp.body).contains(FakeEasy::TEST_KEY));

    fake.inject(Fault::status(500));
    // A control call takes no fault.
    assert_eq!(control(&fake, "POST", "/__fake/reset", None).status, 200);
    assert!(fake.sessions().is_empty());
    assert!(fake.requests().is_empty());
    assert_eq!(fake.pending_faults(), 0);
    assert_eq!(fake.connections(), 0);
    assert_eq!(create(&fake)["id"], "ecs_1");

    let unknown = control(&fake, "GET", "/__fake/nothing", None);
    unknown.error(404, "ROUTE_NOT_FOUND");
    let wrong = control(&fake, "PUT", "/__fake/reset", None);
    wrong.error(405, "METHOD_NOT_ALLOWED");
    let wrong = control(&fake, "GET", "/__fake/sessions/ecs_1/pay", None);
    wrong.error(405, "METHOD_NOT_ALLOWED");
    // A known path with more segments is no route at all.
    for path in [
        "/__fake/sessions/a/b/c",
        "/__fake/reset/x",
        "/__fake/webhooks/wait/x",
    ] {
        control(&fake, "GET", path, None).error(404, "ROUTE_NOT_FOUND");
    }
    let path = "/__fake/webhooks/endpoints/we_1/x";
    control(&fake, "DELETE", path, None).error(404, "ROUTE_NOT_FOUND");
}
