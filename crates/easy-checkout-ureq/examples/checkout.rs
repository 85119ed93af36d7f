//! A complete Embedded Checkout flow over ureq, offline, against the fake API:
//!
//! ```sh
//! cargo run -p easy-checkout-ureq --example checkout
//! ```
//!
//! The merchant's server creates a session and hands its `client_secret` to the browser; the
//! iframe validates and confirms (without the API key); the server verifies the signed
//! webhook, waits for the payment and fulfils the order.

use std::time::Duration;

use easy_checkout_fake::FakeEasy;
use easy_checkout_ureq::easy_checkout_core::ops::{
    Confirm, CreateSession, LineItem, PaymentMethod, Validate,
};
use easy_checkout_ureq::easy_checkout_core::webhook::{self, EventType};
use easy_checkout_ureq::easy_checkout_core::{PollPolicy, Terminal, WaitOutcome};

const SHOP: &str = "https://shop.example.com";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fake = FakeEasy::start()?;
    println!("fake Easy API at {}", fake.base_url());

    // The merchant's server: its secret key, and the base URL of the fake.
    let client = easy_checkout_ureq::with_base_url(FakeEasy::TEST_KEY, &fake.base_url())?;
    let checkout = client.embedded_checkout();

    // 1. Create the session. The idempotency key makes a retried create safe.
    let params = CreateSession::new(
        vec![LineItem::new("price_tshirt", 2)],
        format!("{SHOP}/return"),
    )
    .with_idempotency_key("order-1001")?;
    let session = checkout.create_session(&params)?;
    println!("created     {}", session.id);
    // Hand this to the browser; it prints as [REDACTED] in logs and Debug output.
    let secret = session.client_secret.clone().ok_or("no client_secret")?;
    println!("secret      {secret}");

    // 2. The iframe (sent without the API key, by construction).
    let valid = checkout.validate(&Validate::new(secret.clone()).with_parent_origin(SHOP))?;
    println!("validated   valid = {}", valid.is_valid());
    let confirm = Confirm::new(secret, PaymentMethod::card("tok_visa"))
        .with_idempotency_key("order-1001-pay")?;
    checkout.confirm(&confirm)?;
    println!("confirmed");

    // 3. The webhook Easy delivers: verify the raw bytes before parsing anything.
    let delivery = fake.webhook_for(&session.id).ok_or("no webhook")?;
    let event = webhook::verify(
        &fake.webhook_secret(),
        Some(&delivery.signature),
        &delivery.body,
    )?;
    assert_eq!(event.kind, EventType::SessionCompleted);
    println!("webhook     {} for {}", event.id, event.data["id"]);

    // 4. Fulfil only once the session is paid.
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
