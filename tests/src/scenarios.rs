//! The scenarios, one behaviour each, named after it.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use easy_checkout_core::ops::{
    Confirm, CreateSession, LineItem, PaymentMethod, UpdateConfig, Validate,
};
use easy_checkout_core::webhook::{self, EventType};
use easy_checkout_core::{
    ClientSecret, Config, ErrorKind, PaymentStatus, PollPolicy, RetryAfter, SessionState, Terminal,
    TransportErrorKind, TransportSettings, WaitOutcome,
};
use easy_checkout_fake::{FakeEasy, Fault, RecordedRequest};
use serde_json::json;

use crate::Subject;
use crate::driver::{Checkout, ClientUnderTest, Flow};

pub use crate::chaos::exactly_once_under_load_and_chaos;

fn fake() -> FakeEasy {
    FakeEasy::start().expect("fake Easy API starts on loopback")
}

fn only_request(fake: &FakeEasy) -> RecordedRequest {
    let mut requests = fake.requests();
    assert_eq!(
        requests.len(),
        1,
        "expected exactly one request, got {requests:#?}"
    );
    requests.remove(0)
}

fn assert_common_headers<C>(subject: &Subject<C>, r: &RecordedRequest) {
    assert_eq!(r.header("accept"), Some("application/json"));
    let ua = r.header("user-agent").unwrap_or_default();
    assert!(
        ua.starts_with("easy-checkout-rust/") && ua.ends_with(subject.name),
        "user agent {ua:?}"
    );
    assert_eq!(
        r.headers.iter().filter(|(n, _)| n == "user-agent").count(),
        1,
        "one user agent"
    );
}

fn assert_key_auth(r: &RecordedRequest) {
    assert_eq!(r.header("x-easy-api-key"), Some(FakeEasy::TEST_KEY));
}

fn assert_no_body(r: &RecordedRequest) {
    assert!(
        r.body.is_empty(),
        "unexpected body {:?}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.header("content-type"), None);
}

fn create_op() -> CreateSession {
    CreateSession::new(
        vec![LineItem::new("price_abc", 2)],
        "https://shop.example/return",
    )
}

fn new_session<C: ClientUnderTest>(
    subject: &Subject<C>,
    fake: &FakeEasy,
) -> easy_checkout_core::Session {
    let session = subject
        .client(fake, 0)
        .embedded_checkout()
        .create_session(&create_op())
        .unwrap();
    fake.clear_requests();
    session
}

// ---- every operation: the exact request received and the typed result ----

pub fn create_session_sends_the_documented_request<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    let op = create_op()
        .with_idempotency_key("ecs-cart-1")
        .unwrap()
        .with_extra("metadata", json!({"order": "A-1"}));
    let session = subject
        .client(&fake, 2)
        .embedded_checkout()
        .create_session(&op)
        .unwrap();
    let r = only_request(&fake);
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/embedded-checkout")
    );
    assert_common_headers(subject, &r);
    assert_key_auth(&r);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("idempotency-key"), Some("ecs-cart-1"));
    assert_eq!(
        r.json().unwrap(),
        json!({"items": [{"price_id": "price_abc", "quantity": 2}], "return_url": "https://shop.example/return", "metadata": {"order": "A-1"}})
    );
    assert!(session.id.starts_with("ecs_"), "{session:?}");
    assert!(session.client_secret.is_some());
    assert_eq!(session.status, Some(SessionState::Open));
    assert_eq!(
        session.return_url.as_deref(),
        Some("https://shop.example/return")
    );
    assert!(session.expires_at.is_some());
}

pub fn retrieve_session_sends_the_documented_request<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    let session = new_session(subject, &fake);
    let status = subject
        .client(&fake, 2)
        .embedded_checkout()
        .retrieve_session(&session.id)
        .unwrap();
    let r = only_request(&fake);
    assert_eq!(
        (r.method.as_str(), r.path.clone()),
        ("GET", format!("/embedded-checkout/{}", session.id))
    );
    assert_common_headers(subject, &r);
    assert_key_auth(&r);
    assert_no_body(&r);
    assert_eq!(r.header("idempotency-key"), None);
    assert_eq!(status.id, session.id);
    assert_eq!(status.status, Some(SessionState::Open));
    assert!(!status.is_paid());
}

pub fn crypto_status_sends_the_documented_request<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    let session = new_session(subject, &fake);
    assert!(fake.mark_crypto_paid(&session.id));
    let crypto = subject
        .client(&fake, 2)
        .embedded_checkout()
        .crypto_status(&session.id)
        .unwrap();
    let r = only_request(&fake);
    assert_eq!(
        (r.method.as_str(), r.path.clone()),
        (
            "GET",
            format!("/embedded-checkout/{}/crypto-status", session.id)
        )
    );
    assert_key_auth(&r);
    assert_no_body(&r);
    assert!(
        crypto.tx_signature.is_some() && crypto.amount.is_some() && crypto.chain.is_some(),
        "{crypto:?}"
    );
}

pub fn validate_sends_the_client_secret_and_no_key<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    fake.set_allowed_origins(vec!["https://shop.example".into()]);
    let session = new_session(subject, &fake);
    let secret = session.client_secret.clone().unwrap();
    let op = Validate::new(secret.clone()).with_parent_origin("https://shop.example");
    let reply = subject
        .client(&fake, 2)
        .embedded_checkout()
        .validate(&op)
        .unwrap();
    let r = only_request(&fake);
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/embedded-checkout/validate")
    );
    assert_common_headers(subject, &r);
    assert_eq!(
        r.header("x-easy-api-key"),
        None,
        "the API key must never reach validate"
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json().unwrap(),
        json!({"client_secret": secret.expose_secret(), "parent_origin": "https://shop.example"})
    );
    assert!(reply.is_valid());
    // Without a parent origin the field is left out.
    fake.clear_requests();
    subject
        .client(&fake, 2)
        .embedded_checkout()
        .validate(&Validate::new(secret.clone()))
        .unwrap();
    assert_eq!(
        only_request(&fake).json().unwrap(),
        json!({"client_secret": secret.expose_secret()})
    );
}

pub fn confirm_sends_the_client_secret_and_no_key<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    let session = new_session(subject, &fake);
    let secret = session.client_secret.clone().unwrap();
    let op = Confirm::new(secret.clone(), PaymentMethod::card("tok_abc"))
        .with_idempotency_key("confirm-1")
        .unwrap();
    let payload = subject
        .client(&fake, 2)
        .embedded_checkout()
        .confirm(&op)
        .unwrap();
    let r = only_request(&fake);
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/embedded-checkout/confirm")
    );
    assert_common_headers(subject, &r);
    assert_eq!(
        r.header("x-easy-api-key"),
        None,
        "the API key must never reach confirm"
    );
    assert_eq!(r.header("idempotency-key"), Some("confirm-1"));
    assert_eq!(
        r.json().unwrap(),
        json!({"client_secret": secret.expose_secret(), "payment_method": {"type": "PAYMENT_CARD", "token_id": "tok_abc"}})
    );
    assert_eq!(payload["payment_status"], "succeeded", "{payload}");
    let status = subject
        .client(&fake, 2)
        .embedded_checkout()
        .retrieve_session(&session.id)
        .unwrap();
    assert_eq!(status.payment_status, Some(PaymentStatus::Succeeded));
}

pub fn a_keyless_client_can_validate_and_confirm<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    let session = new_session(subject, &fake);
    let secret = session.client_secret.unwrap();
    let keyless = Config::from_values(None, Some(&fake.base_url())).unwrap();
    let client = (subject.make)(keyless, TransportSettings::default());
    assert!(
        client
            .embedded_checkout()
            .validate(&Validate::new(secret.clone()))
            .unwrap()
            .is_valid()
    );
    client
        .embedded_checkout()
        .confirm(&Confirm::new(secret, PaymentMethod::card("tok_abc")))
        .unwrap();
    let e = client.embedded_checkout().get_config().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        fake.requests().len(),
        2,
        "the key-authenticated call was refused before sending"
    );
}

pub fn config_get_and_update_send_the_documented_requests<C: ClientUnderTest>(
    subject: &Subject<C>,
) {
    let fake = fake();
    let client = subject.client(&fake, 2);
    let op = UpdateConfig::new(["https://shop.example", "https://staging.shop.example"])
        .with_idempotency_key("cfg-1")
        .unwrap();
    let updated = client.embedded_checkout().update_config(&op).unwrap();
    let read = client.embedded_checkout().get_config().unwrap();
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    let (patch, get) = (&requests[0], &requests[1]);
    assert_eq!(
        (patch.method.as_str(), patch.path.as_str()),
        ("PATCH", "/embedded-checkout/config")
    );
    assert_key_auth(patch);
    assert_eq!(patch.header("idempotency-key"), Some("cfg-1"));
    assert_eq!(
        patch.json().unwrap(),
        json!({"allowed_origins": ["https://shop.example", "https://staging.shop.example"]})
    );
    assert_eq!(
        (get.method.as_str(), get.path.as_str()),
        ("GET", "/embedded-checkout/config")
    );
    assert_no_body(get);
    assert_eq!(
        updated.allowed_origins.as_deref(),
        Some(
            &[
                "https://shop.example".to_owned(),
                "https://staging.shop.example".to_owned()
            ][..]
        )
    );
    assert_eq!(read.allowed_origins, updated.allowed_origins);
}

pub fn validate_key_checks_the_key<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    let info = subject.client(&fake, 2).validate_key().unwrap();
    assert_eq!(info.basis_theory_public_api_key, FakeEasy::PUBLIC_KEY);
    let r = only_request(&fake);
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/validate-key")
    );
    assert_key_auth(&r);
    let revoked = Config::from_values(Some(FakeEasy::REVOKED_KEY), Some(&fake.base_url())).unwrap();
    let e = (subject.make)(revoked, TransportSettings::default())
        .validate_key()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
}

pub fn a_hostile_session_id_stays_in_its_segment<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    let e = subject
        .client(&fake, 0)
        .embedded_checkout()
        .retrieve_session("ecs_1/../config")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let r = only_request(&fake);
    assert_eq!(r.path, "/embedded-checkout/ecs_1%2F..%2Fconfig");
    assert_eq!(
        subject
            .client(&fake, 0)
            .embedded_checkout()
            .retrieve_session("..")
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(fake.requests().len(), 1, "a refused id sends nothing");
}

pub fn every_error_status_maps_to_its_kind<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    let client = subject.client(&fake, 0);
    let rows = [
        (400, ErrorKind::InvalidRequest),
        (401, ErrorKind::Authentication),
        (403, ErrorKind::Permission),
        (404, ErrorKind::NotFound),
        (409, ErrorKind::Conflict),
        (422, ErrorKind::InvalidRequest),
        (429, ErrorKind::RateLimited),
        (500, ErrorKind::Server),
        (503, ErrorKind::Server),
        (402, ErrorKind::Api),
        (418, ErrorKind::Api),
    ];
    for (status, kind) in rows {
        fake.inject(Fault::status(status));
        let e = client.embedded_checkout().get_config().unwrap_err();
        assert_eq!(e.kind(), kind, "status {status}: {e}");
        let api = e.as_api().unwrap();
        assert_eq!(api.status.as_u16(), status);
        assert!(api.code.is_some() && api.message.is_some(), "{api:?}");
        assert!(!api.raw_body.is_empty());
    }
    // Real, non-injected errors carry the fake's codes.
    let e = client
        .embedded_checkout()
        .retrieve_session("ecs_missing")
        .unwrap_err();
    assert_eq!(
        e.as_api().unwrap().code.as_deref(),
        Some("SESSION_NOT_FOUND")
    );
    let e = client
        .embedded_checkout()
        .create_session(
            &CreateSession::new(vec![LineItem::new("p", 1)], "https://shop.example/r")
                .with_extra("currency", json!(12)),
        )
        .map(|_| ());
    assert!(e.is_ok(), "extra fields are accepted: {e:?}");
}

pub fn non_json_and_html_error_bodies_keep_the_raw_body<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    let client = subject.client(&fake, 0);
    fake.inject(Fault::Status {
        status: 502,
        retry_after: None,
        body: Some("<html>Bad Gateway</html>".into()),
    });
    let e = client.embedded_checkout().get_config().unwrap_err();
    let api = e.as_api().unwrap();
    assert_eq!((api.kind, api.code.as_deref()), (ErrorKind::Server, None));
    assert_eq!(api.raw_body, b"<html>Bad Gateway</html>");
    fake.inject(Fault::NotJson);
    let e = client.embedded_checkout().get_config().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

// ---- reliability ----

pub fn a_get_is_retried_through_503s_then_succeeds<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    fake.inject_n(Fault::status(503), 2);
    let reply = subject
        .client(&fake, 2)
        .send_with_meta(&easy_checkout_core::ops::GetConfig)
        .unwrap();
    assert_eq!(reply.meta.retries, 2);
    assert_eq!(fake.requests().len(), 3);
}

pub fn a_503_forever_stops_after_the_retry_limit<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    fake.inject_n(Fault::status(503), 10);
    let e = subject
        .client(&fake, 2)
        .embedded_checkout()
        .get_config()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server);
    assert_eq!(fake.requests().len(), 3, "one attempt and two retries");
}

pub fn confirm_without_key_is_never_retried<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    let session = new_session(subject, &fake);
    // One 503: a retry, if one were made, would succeed and show as a second request.
    fake.inject(Fault::status(503));
    let op = Confirm::new(
        session.client_secret.unwrap(),
        PaymentMethod::card("tok_abc"),
    );
    let e = subject
        .client(&fake, 5)
        .embedded_checkout()
        .confirm(&op)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server);
    let r = only_request(&fake);
    assert_eq!(
        r.header("idempotency-key"),
        None,
        "no generated key for confirm"
    );
    // Not even after a broken connection, where the server may or may not have charged.
    fake.clear_requests();
    fake.inject(Fault::CloseMidBody);
    let e = subject
        .client(&fake, 5)
        .embedded_checkout()
        .confirm(&op)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert_eq!(fake.requests().len(), 1);
}

pub fn confirm_with_key_is_retried_with_the_same_key<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    let session = new_session(subject, &fake);
    fake.inject_n(Fault::status(503), 2);
    let op = Confirm::new(
        session.client_secret.unwrap(),
        PaymentMethod::card("tok_abc"),
    )
    .with_idempotency_key("confirm-ecs-1")
    .unwrap();
    subject
        .client(&fake, 2)
        .embedded_checkout()
        .confirm(&op)
        .unwrap();
    let keys: Vec<_> = fake
        .requests()
        .iter()
        .map(|r| r.header("idempotency-key").map(str::to_owned))
        .collect();
    assert_eq!(keys, vec![Some("confirm-ecs-1".to_owned()); 3]);
}

pub fn create_without_key_gets_one_generated_key_per_call<C: ClientUnderTest>(
    subject: &Subject<C>,
) {
    let fake = fake();
    let client = subject.client(&fake, 2);
    fake.inject(Fault::status(503));
    let first = client.send_with_meta(&create_op()).unwrap();
    let second = client.send_with_meta(&create_op()).unwrap();
    let keys: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.header("idempotency-key").unwrap().to_owned())
        .collect();
    assert_eq!(keys.len(), 3);
    assert_eq!(keys[0], keys[1], "the retry reuses the first attempt's key");
    assert_ne!(keys[1], keys[2], "two calls never share a key");
    assert!(
        keys.iter()
            .all(|k| k.starts_with("easy-checkout-") && k.len() == "easy-checkout-".len() + 32)
    );
    assert_eq!(first.meta.idempotency_key.unwrap().as_str(), keys[0]);
    assert_eq!(second.meta.retries, 0);
    // With retries off nothing is generated: there is nothing to make safe.
    fake.clear_requests();
    subject
        .client(&fake, 0)
        .embedded_checkout()
        .create_session(&create_op())
        .unwrap();
    assert_eq!(only_request(&fake).header("idempotency-key"), None);
}

pub fn a_short_retry_after_is_waited_out<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    fake.inject(Fault::status_with_retry_after(429, "1"));
    let started = Instant::now();
    let reply = subject
        .client(&fake, 2)
        .send_with_meta(&easy_checkout_core::ops::GetConfig)
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(reply.meta.retries, 1);
    assert_eq!(fake.requests().len(), 2);
}

pub fn a_long_retry_after_fails_at_once<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    fake.inject(Fault::status_with_retry_after(429, "3600"));
    let started = Instant::now();
    let e = subject
        .client(&fake, 2)
        .embedded_checkout()
        .get_config()
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    let api = e.as_api().unwrap();
    assert_eq!(
        (api.kind, api.retry_after),
        (ErrorKind::RateLimited, Some(RetryAfter::Seconds(3600)))
    );
    assert_eq!(fake.requests().len(), 1);
}

pub fn a_silent_server_times_out_promptly<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    fake.inject(Fault::Delay(Duration::from_secs(5)));
    let settings = TransportSettings::default().timeout(Duration::from_millis(400));
    let started = Instant::now();
    let e = subject
        .client_with(&fake, 0, settings)
        .embedded_checkout()
        .get_config()
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
}

pub fn a_refused_connection_is_a_connect_error<C: ClientUnderTest>(subject: &Subject<C>) {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = Config::from_values(
        Some(FakeEasy::TEST_KEY),
        Some(&format!("http://127.0.0.1:{port}")),
    )
    .unwrap();
    let client = (subject.make)(config, TransportSettings::default())
        .with_retry_policy(crate::fast_retries(2));
    let e = client.embedded_checkout().get_config().unwrap_err();
    assert_eq!(
        e.as_transport().map(|t| t.kind()),
        Some(TransportErrorKind::Connect),
        "{e}"
    );
}

pub fn a_connection_closed_mid_reply_is_an_io_error_and_a_get_retries<C: ClientUnderTest>(
    subject: &Subject<C>,
) {
    let fake = fake();
    fake.inject(Fault::CloseMidBody);
    let e = subject
        .client(&fake, 0)
        .embedded_checkout()
        .get_config()
        .unwrap_err();
    assert_eq!(
        e.as_transport().map(|t| t.kind()),
        Some(TransportErrorKind::Io),
        "{e}"
    );
    fake.inject(Fault::Close);
    let reply = subject
        .client(&fake, 2)
        .send_with_meta(&easy_checkout_core::ops::GetConfig)
        .unwrap();
    assert_eq!(reply.meta.retries, 1);
}

pub fn a_reply_over_the_limit_is_refused<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    fake.inject(Fault::Oversized(64 * 1024 * 1024));
    let settings = TransportSettings::default().max_body_bytes(64 * 1024);
    let started = Instant::now();
    let e = subject
        .client_with(&fake, 2, settings)
        .embedded_checkout()
        .get_config()
        .unwrap_err();
    assert_eq!(
        e.as_transport().map(|t| t.kind()),
        Some(TransportErrorKind::BodyTooLarge),
        "{e}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(fake.requests().len(), 1, "an oversized body is not retried");
}

pub fn a_redirect_is_not_followed<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    let elsewhere = self::fake();
    fake.inject(Fault::Redirect(format!(
        "{}/embedded-checkout/config",
        elsewhere.base_url()
    )));
    let e = subject
        .client(&fake, 2)
        .embedded_checkout()
        .get_config()
        .unwrap_err();
    let api = e.as_api().unwrap();
    assert_eq!((api.status.as_u16(), api.kind), (302, ErrorKind::Api));
    assert!(
        elsewhere.requests().is_empty(),
        "the key went to another host"
    );
    assert_eq!(fake.requests().len(), 1);
}

pub fn one_client_reuses_its_connection<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    let client = subject.client(&fake, 0);
    for _ in 0..20 {
        client.embedded_checkout().get_config().unwrap();
    }
    assert_eq!(fake.requests().len(), 20);
    assert_eq!(fake.connections(), 1, "20 calls, one keep-alive connection");
}

// ---- fulfilment ----

pub fn wait_for_payment_returns_once_paid<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = std::sync::Arc::new(fake());
    let session = new_session(subject, &fake);
    let payer = {
        let (fake, id) = (fake.clone(), session.id.clone());
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            fake.mark_paid(&id)
        })
    };
    let policy = PollPolicy {
        initial_interval: Duration::from_millis(100),
        max_interval: Duration::from_millis(200),
        deadline: Duration::from_secs(10),
    };
    let outcome = subject
        .client(&fake, 2)
        .embedded_checkout()
        .wait_for_payment(&session.id, policy)
        .unwrap();
    assert!(payer.join().unwrap());
    assert!(outcome.is_paid(), "{outcome:?}");
    let polls = fake.requests().len();
    assert!((2..=10).contains(&polls), "{polls} polls");
}

pub fn wait_for_payment_reports_still_pending_at_the_deadline<C: ClientUnderTest>(
    subject: &Subject<C>,
) {
    let fake = fake();
    let session = new_session(subject, &fake);
    let policy = PollPolicy {
        initial_interval: Duration::from_millis(100),
        max_interval: Duration::from_millis(200),
        deadline: Duration::from_millis(700),
    };
    let started = Instant::now();
    let outcome = subject
        .client(&fake, 2)
        .embedded_checkout()
        .wait_for_payment(&session.id, policy)
        .unwrap();
    let elapsed = started.elapsed();
    let WaitOutcome::StillPending { status: Some(last) } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(last.id, session.id);
    assert!(
        elapsed >= Duration::from_millis(700) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    // And an expired session is terminal, not pending.
    assert!(fake.expire(&session.id));
    let outcome = subject
        .client(&fake, 2)
        .embedded_checkout()
        .wait_for_payment(&session.id, policy)
        .unwrap();
    assert!(
        matches!(
            outcome,
            WaitOutcome::Finished {
                terminal: Terminal::Expired,
                ..
            }
        ),
        "{outcome:?}"
    );
}

pub fn a_delivered_webhook_verifies<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    let session = new_session(subject, &fake);
    assert!(
        fake.webhook_for(&session.id).is_none(),
        "no event before payment"
    );
    let op = Confirm::new(
        session.client_secret.clone().unwrap(),
        PaymentMethod::card("tok_abc"),
    );
    subject
        .client(&fake, 0)
        .embedded_checkout()
        .confirm(&op)
        .unwrap();
    let delivery = fake.webhook_for(&session.id).unwrap();
    let event = webhook::verify(
        &fake.webhook_secret(),
        Some(&delivery.signature),
        &delivery.body,
    )
    .unwrap();
    assert_eq!(event.kind, EventType::SessionCompleted);
    assert_eq!(event.data["id"], json!(session.id));
    let mut tampered = delivery.body.clone();
    tampered.push(b' ');
    assert_eq!(
        webhook::verify(&fake.webhook_secret(), Some(&delivery.signature), &tampered)
            .unwrap_err()
            .code(),
        "WEBHOOK_SIGNATURE_MISMATCH"
    );
}

/// The API key never reaches the fake in a validate or confirm request, whatever happens.
pub fn no_client_side_request_ever_carries_the_key<C: ClientUnderTest>(subject: &Subject<C>) {
    let fake = fake();
    let session = new_session(subject, &fake);
    let secret = session.client_secret.unwrap();
    let client = subject.client(&fake, 2);
    let _ = client
        .embedded_checkout()
        .validate(&Validate::new(secret.clone()).with_parent_origin("https://nope.example"));
    let _ = client.embedded_checkout().validate(&Validate::new(
        ClientSecret::new("ecs_secret_wrong").unwrap(),
    ));
    let confirm = Confirm::new(secret.clone(), PaymentMethod::card(FakeEasy::DECLINE_TOKEN))
        .with_idempotency_key("c-1")
        .unwrap();
    fake.inject(Fault::status(503));
    let _ = client.embedded_checkout().confirm(&confirm);
    let requests = fake.requests();
    assert!(requests.len() >= 4, "{requests:#?}");
    for r in &requests {
        assert!(r.path.ends_with("/validate") || r.path.ends_with("/confirm"));
        assert_eq!(r.header("x-easy-api-key"), None, "{r:?}");
        assert!(
            !r.headers
                .iter()
                .any(|(_, v)| v.contains(FakeEasy::TEST_KEY)),
            "{r:?}"
        );
    }
}

// ---- a dead keep-alive connection ----

/// A keep-alive connection that the server closes without a reply byte must not make the
/// transport send a keyless POST again on a fresh connection (libcurl does that by itself
/// for a reused connection): the server may have acted on the first one. With a key, the
/// SDK's own retry goes ahead, with the same key.
pub fn a_keyless_post_is_never_resent_on_a_dead_pooled_connection<C: ClientUnderTest>(
    subject: &Subject<C>,
) {
    let fake = fake();
    let session = new_session(subject, &fake);
    let secret = session.client_secret.unwrap();
    let keyless = Confirm::new(secret.clone(), PaymentMethod::card("tok_abc"));

    let client = subject.client(&fake, 3);
    // Warm the pool: the confirm below goes out on this kept-alive connection.
    client.embedded_checkout().get_config().unwrap();
    fake.clear_requests();
    fake.inject(Fault::Close);
    let e = client.embedded_checkout().confirm(&keyless).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e:?}");
    let requests = fake.requests();
    assert_eq!(
        requests.len(),
        1,
        "a keyless confirm went out more than once: {requests:#?}"
    );
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("POST", "/embedded-checkout/confirm")
    );
    assert_eq!(requests[0].header("idempotency-key"), None);

    // The same with a caller's key: re-sending is safe, and it happens.
    let keyed = Confirm::new(secret, PaymentMethod::card("tok_abc"))
        .with_idempotency_key("confirm-dead-conn-1")
        .unwrap();
    let client = subject.client(&fake, 3);
    client.embedded_checkout().get_config().unwrap();
    fake.clear_requests();
    fake.inject(Fault::Close);
    client.embedded_checkout().confirm(&keyed).unwrap();
    let keys: Vec<_> = fake
        .requests()
        .iter()
        .map(|r| {
            (
                r.path.clone(),
                r.header("idempotency-key").map(str::to_owned),
            )
        })
        .collect();
    assert!(
        keys.len() > 1,
        "no retry after the dead connection: {keys:?}"
    );
    assert!(
        keys.iter().all(|k| *k
            == (
                "/embedded-checkout/confirm".to_owned(),
                Some("confirm-dead-conn-1".to_owned())
            )),
        "{keys:?}"
    );
}

/// A write that failed after all its retries reports the key it carried, so the caller can
/// retry it safely later; a keyless confirm reports none.
pub fn a_failed_write_reports_the_idempotency_key_it_carried<C: ClientUnderTest>(
    subject: &Subject<C>,
) {
    let fake = fake();
    fake.inject_n(Fault::status(503), 3);
    let e = subject
        .client(&fake, 2)
        .embedded_checkout()
        .create_session(&create_op())
        .unwrap_err();
    let sent: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.header("idempotency-key").unwrap().to_owned())
        .collect();
    assert_eq!(sent.len(), 3);
    assert_eq!(
        e.idempotency_key().map(|k| k.as_str()),
        Some(sent[0].as_str())
    );
    // Retrying with it is a replay of the same write, not a second one.
    let retry = create_op()
        .with_idempotency_key(e.idempotency_key().unwrap().clone())
        .unwrap();
    subject
        .client(&fake, 0)
        .embedded_checkout()
        .create_session(&retry)
        .unwrap();
    // A transport failure carries it too.
    let e = subject.client(&fake, 0).embedded_checkout().update_config(
        &UpdateConfig::new(["https://shop.example"])
            .with_idempotency_key("cfg-7")
            .unwrap(),
    );
    assert!(e.is_ok());
    fake.inject(Fault::Close);
    let e = subject
        .client(&fake, 0)
        .embedded_checkout()
        .update_config(
            &UpdateConfig::new(["https://shop.example"])
                .with_idempotency_key("cfg-8")
                .unwrap(),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert_eq!(e.idempotency_key().map(|k| k.as_str()), Some("cfg-8"));
}

// ---- one client shared by many callers ----

/// The flows each caller runs in [`one_client_shared_by_threads_never_stalls_or_retries`].
const SHARED_FLOWS: usize = 15;

/// One client, shared by `callers` concurrent callers (threads sharing a blocking client,
/// tokio tasks sharing an async one: [`ClientUnderTest::run_at_once`]), each running create
/// → confirm (with its own key) → retrieve `SHARED_FLOWS` times against one fake in this
/// process. Every call must succeed on its first attempt (`retries == 0`: a call that
/// stalled into the timeout and was retried would show), and the fake must have seen exactly
/// the requests the flows need, each session charged once.
pub fn one_client_shared_by_threads_never_stalls_or_retries<C: ClientUnderTest>(
    subject: &Subject<C>,
) {
    for callers in [2, 6, 16] {
        let fake = fake();
        // Retries on, so that a stall would be retried (and seen) rather than fail the call.
        let client = std::sync::Arc::new(subject.client(&fake, 2));
        let flows = (0..callers)
            .map(|caller| shared_flows(std::sync::Arc::clone(&client), callers, caller))
            .collect();
        let sessions: Vec<String> = client.run_at_once(flows).into_iter().flatten().collect();
        let requests = fake.requests();
        assert_eq!(
            requests.len(),
            callers * SHARED_FLOWS * 3,
            "{callers} callers"
        );
        let count = |method: &str, path: &str| {
            requests
                .iter()
                .filter(|r| r.method == method && r.path.starts_with(path))
                .count()
        };
        assert_eq!(
            count("POST", "/embedded-checkout/confirm"),
            callers * SHARED_FLOWS
        );
        assert_eq!(
            count("GET", "/embedded-checkout/ecs_"),
            callers * SHARED_FLOWS
        );
        assert_eq!(sessions.len(), callers * SHARED_FLOWS);
        for id in &sessions {
            assert_eq!(fake.session(id).unwrap()["payments"], 1, "{id}");
        }
        assert_eq!(fake.sessions().len(), sessions.len(), "no extra session");
    }
}

/// The `SHARED_FLOWS` flows of caller `caller` of `callers`: the ids of the sessions it
/// created and paid.
fn shared_flows<C: ClientUnderTest>(
    client: std::sync::Arc<C>,
    callers: usize,
    caller: usize,
) -> Flow<Vec<String>> {
    Box::pin(async move {
        let mut ids = Vec::new();
        for i in 0..SHARED_FLOWS {
            let created = client.send_async(&create_op()).await.unwrap();
            let session = created.value;
            let secret = session.client_secret.clone().unwrap();
            let confirm = Confirm::new(secret, PaymentMethod::card("tok_ok"))
                .with_idempotency_key(format!("shared-{caller}-{i}"))
                .unwrap();
            let confirmed = client.send_async(&confirm).await.unwrap();
            let op = easy_checkout_core::ops::RetrieveSession::new(session.id.as_str()).unwrap();
            let status = client.send_async(&op).await.unwrap();
            assert!(status.value.is_paid());
            let retries = [created.meta, confirmed.meta, status.meta].map(|m| m.retries);
            assert_eq!(retries, [0, 0, 0], "{callers} callers, flow {caller}/{i}");
            ids.push(session.id);
        }
        ids
    })
}
