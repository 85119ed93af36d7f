//! A complete Embedded Checkout flow over ureq, offline, against the fake API, in either of
//! Easy's vocabularies:
//!
//! ```sh
//! cargo run -p easy-checkout-ureq --example checkout
//! cargo run -p easy-checkout-ureq --example checkout -- --vocabulary reference
//! ```
//!
//! The merchant's server creates a session and hands its `client_secret` to the browser; the
//! iframe validates and confirms (without the API key); the server verifies the signed
//! webhook delivery, waits for the payment and fulfils the order. `--vocabulary reference`
//! (or `EASY_VOCABULARY=reference`) sends the API reference's request bodies to a fake that
//! answers in the reference's vocabulary; the fulfilment code is the same for both.

use std::collections::HashSet;
use std::time::Duration;

use easy_checkout_fake::FakeEasy;
use easy_checkout_ureq::easy_checkout_core::ops::{
    Confirm, CreateSession, LineItem, PaymentMethod, PaymentSource, ReferenceSession, Validate,
};
use easy_checkout_ureq::easy_checkout_core::webhook::{self, EventType};
use easy_checkout_ureq::easy_checkout_core::{PollPolicy, Terminal, Vocabulary, WaitOutcome};

const SHOP: &str = "https://shop.example.com";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let vocabulary = vocabulary()?;
    let fake = FakeEasy::builder().vocabulary(vocabulary).start()?;
    println!("fake Easy API at {} ({vocabulary})", fake.base_url());

    // The merchant's server: its secret key, and the base URL of the fake.
    let client = easy_checkout_ureq::with_base_url(FakeEasy::TEST_KEY, &fake.base_url())?;
    let checkout = client.embedded_checkout();

    // 1. Create the session. The idempotency key makes a retried create safe.
    let items = vec![LineItem::new("price_tshirt", 2)];
    let params = match vocabulary {
        Vocabulary::Sdk => CreateSession::new(items, format!("{SHOP}/return")),
        _ => CreateSession::from(
            ReferenceSession::new(items, format!("{SHOP}/paid?session={{SESSION_ID}}"))
                .with_cancel_url(format!("{SHOP}/cart")),
        ),
    };
    let session = checkout.create_session(&params.with_idempotency_key("order-1001")?)?;
    println!("created     {}", session.id);
    // Hand this to the browser; it prints as [REDACTED] in logs and Debug output.
    let secret = session.client_secret.clone().ok_or("no client_secret")?;
    println!("secret      {secret}");

    // 2. The iframe (sent without the API key, by construction).
    let valid = checkout.validate(&Validate::new(secret.clone()).with_parent_origin(SHOP))?;
    println!("validated   valid = {}", valid.is_valid());
    let confirm = match vocabulary {
        Vocabulary::Sdk => Confirm::new(secret, PaymentMethod::card("tok_visa")),
        _ => Confirm::with_source(secret, PaymentSource::card("tok_visa")),
    };
    checkout.confirm(&confirm.with_idempotency_key("order-1001-pay")?)?;
    println!("confirmed");

    // 3. The webhook delivery Easy POSTs: verify the raw bytes before parsing anything. A
    // delivery is retried until answered 2xx, each attempt under a new delivery id: handle
    // each event id once.
    let mut handled = HashSet::new();
    let hook = fake.webhook_for(&session.id).ok_or("no webhook")?;
    for attempt in [1, 2] {
        let delivery = webhook::verify_request(&fake.webhook_secret(), &hook.delivery(attempt))?;
        assert_eq!(delivery.event.kind, EventType::SessionCompleted);
        let fresh = handled.insert(delivery.event.id.clone());
        let what = if fresh {
            "handled"
        } else {
            "a duplicate, skipped"
        };
        println!(
            "webhook     {} attempt {attempt}: {what}",
            delivery.event.id
        );
    }

    // 4. Fulfil only once the session is paid (`succeeded` or, in the reference's
    // vocabulary, `complete` and `paid`: the SDK decides, in one place).
    let policy = PollPolicy::with_deadline(Duration::from_secs(10));
    match checkout.wait_for_payment(&session.id, policy)? {
        WaitOutcome::Finished {
            terminal: Terminal::Paid,
            status,
        } => println!("paid        {}: fulfil the order", status.id),
        other => return Err(format!("not paid: {other:?}").into()),
    }
    Ok(())
}

/// `--vocabulary sdk|reference`, else `EASY_VOCABULARY`, else the SDK page's.
fn vocabulary() -> Result<Vocabulary, Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let value = match (args.next().as_deref(), args.next()) {
        (Some("--vocabulary"), Some(value)) => value,
        (None, _) => std::env::var("EASY_VOCABULARY").unwrap_or_else(|_| "sdk".into()),
        _ => return Err("usage: checkout [--vocabulary sdk|reference]".into()),
    };
    Ok(value.parse()?)
}
