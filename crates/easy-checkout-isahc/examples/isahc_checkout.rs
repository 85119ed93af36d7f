//! A complete Embedded Checkout flow over isahc, offline, against the fake API, with the
//! failure a payments client must survive: the reply to `confirm` is lost after the card was
//! charged.
//!
//! ```sh
//! cargo run -p easy-checkout-isahc --example isahc_checkout
//! ```
//!
//! `confirm` carries an idempotency key, so it is sent again with the same key (here libcurl
//! re-sends it itself, the lost reply having come on a reused connection; otherwise the
//! client's retry policy does) and the fake replays the first reply instead of charging
//! again: one payment, and the flow goes on as if nothing happened.

use easy_checkout_fake::{FakeEasy, Fault, Match};
use easy_checkout_isahc::easy_checkout_core::ops::{
    Confirm, CreateSession, LineItem, PaymentMethod,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fake = FakeEasy::start()?;
    println!("fake Easy API at {}", fake.base_url());
    let client = easy_checkout_isahc::with_base_url(FakeEasy::TEST_KEY, &fake.base_url())?;
    let checkout = client.embedded_checkout();

    // The merchant's server creates the session; the browser gets its client secret.
    let session = checkout.create_session(
        &CreateSession::new(
            vec![LineItem::new("price_mug", 1)],
            "https://shop.example.com/return",
        )
        .with_idempotency_key("order-2002")?,
    )?;
    println!("created     {}", session.id);
    let secret = session.client_secret.clone().ok_or("no client_secret")?;

    // The card is charged, then the connection closes before the reply.
    fake.inject_matching(
        Match::any()
            .method("POST")
            .path("/embedded-checkout/confirm"),
        Fault::LoseReply,
        1,
    );
    let confirm = Confirm::new(secret, PaymentMethod::card("tok_visa"))
        .with_idempotency_key("order-2002-pay")?;
    let confirmation = checkout.confirm(&confirm)?;
    println!(
        "confirmed   payment_status = {}",
        confirmation["payment_status"]
    );

    // What really happened: the confirm went out twice, the card was charged once.
    let sent = fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/confirm"))
        .count();
    let state = fake.session(&session.id).ok_or("no such session")?;
    println!(
        "charged     {} time(s) for {sent} confirm requests",
        state["payments"]
    );
    assert_eq!(state["payments"], 1);

    // The merchant's server checks the session (or the signed webhook: see the ureq
    // crate's `checkout` example) and fulfils only when paid.
    if !checkout.retrieve_session(&session.id)?.is_paid() {
        return Err("the session is not paid".into());
    }
    println!("paid        fulfil the order");
    Ok(())
}
