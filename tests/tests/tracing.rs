//! The core's `tracing` feature: one span per call with its fields, an event per retry, and
//! never a secret in anything a subscriber sees.

use std::sync::Mutex;

use easy_checkout_core::ops::{Confirm, CreateSession, LineItem, PaymentMethod};
use easy_checkout_core::{Config, TransportSettings};
use easy_checkout_fake::{FakeEasy, Fault};
use easy_checkout_tests::fast_retries;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

#[test]
fn a_call_is_one_span_with_its_fields_and_no_secret_reaches_a_subscriber() {
    let fake = FakeEasy::start().expect("fake");
    let config = Config::from_values(Some(FakeEasy::TEST_KEY), Some(&fake.base_url())).unwrap();
    let client = easy_checkout_ureq::with_config(config, TransportSettings::default())
        .with_retry_policy(fast_retries(2));
    // Everything the subscriber writes, for the whole test.
    let captured: &'static Mutex<Vec<u8>> = Box::leak(Box::default());
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || captured.make_writer())
        .finish();

    let (secret, key) = tracing::subscriber::with_default(subscriber, || {
        fake.inject(Fault::status(503));
        let create = CreateSession::new(
            vec![LineItem::new("price_1", 1)],
            "https://shop.example/return",
        );
        let created = client
            .send_with_meta(&create)
            .expect("created after one retry");
        assert_eq!(created.meta.retries, 1);
        let secret = created.value.client_secret.expect("a secret");
        let confirm = Confirm::new(secret.clone(), PaymentMethod::card("tok_1"));
        client.embedded_checkout().confirm(&confirm).expect("paid");
        let key = created.meta.idempotency_key.expect("a generated key");
        (secret, key)
    });

    let text = String::from_utf8(captured.lock().expect("lock").clone()).expect("UTF-8");
    // The create: one span, closed once, with every field; a retry event inside it.
    let closes: Vec<&str> = text.lines().filter(|l| l.contains("close")).collect();
    assert_eq!(closes.len(), 2, "one span per call: {text}");
    let create = closes[0];
    for field in [
        "easy_checkout.call",
        "operation=\"create_session\"",
        "idempotency_key=\"generated\"",
        "method=\"POST\"",
        "path=\"/embedded-checkout\"",
        "attempt=2",
        "status=200",
        "retry_delay_ms=",
    ] {
        assert!(create.contains(field), "{field} in {create}");
    }
    assert!(
        text.contains("retrying") && text.contains("retry=1"),
        "{text}"
    );
    assert!(
        closes[1].contains("operation=\"confirm\"")
            && closes[1].contains("idempotency_key=\"none\"")
    );
    // Never a secret, a key, or a body.
    let secrets = [
        FakeEasy::TEST_KEY,
        secret.expose_secret(),
        key.as_str(),
        "price_1",
        "tok_1",
    ];
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "{secret} reached the subscriber: {text}"
        );
    }
}
