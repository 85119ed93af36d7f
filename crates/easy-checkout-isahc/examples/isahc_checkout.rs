//! A complete Embedded Checkout flow over isahc, offline, against the fake API, with the
//! failure a payments client must survive: the reply to `confirm` is lost after the card was
//! charged. In either of Easy's vocabularies:
//!
//! ```sh
//! cargo run -p easy-checkout-isahc --example isahc_checkout
//! cargo run -p easy-checkout-isahc --example isahc_checkout -- --vocabulary reference
//! ```
//!
//! `confirm` carries an idempotency key, so it is sent again with the same key (here libcurl
//! re-sends it itself, the lost reply having come on a reused connection; otherwise the
//! client's retry policy does) and the fake replays the first reply instead of charging
//! again: one payment, and the flow goes on as if nothing happened.

use easy_checkout_fake::{FakeEasy, Fault, Match};
use easy_checkout_isahc::easy_checkout_core::Vocabulary;
use easy_checkout_isahc::easy_checkout_core::ops::{
    Confirm, CreateSession, LineItem, PaymentMethod, PaymentSource, ReferenceSession,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let vocabulary = vocabulary()?;
    let fake = FakeEasy::builder().vocabulary(vocabulary).start()?;
    println!("fake Easy API at {} ({vocabulary})", fake.base_url());
    let client = easy_checkout_isahc::with_base_url(FakeEasy::TEST_KEY, &fake.base_url())?;
    let checkout = client.embedded_checkout();

    // The merchant's server creates the session; the browser gets its client secret.
    let items = vec![LineItem::new("price_mug", 1)];
    let params = match vocabulary {
        Vocabulary::Sdk => CreateSession::new(items, "https://shop.example.com/return"),
        _ => CreateSession::from(ReferenceSession::new(
            items,
            "https://shop.example.com/paid?session={SESSION_ID}",
        )),
    };
    let session = checkout.create_session(&params.with_idempotency_key("order-2002")?)?;
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
    let confirm = match vocabulary {
        Vocabulary::Sdk => Confirm::new(secret, PaymentMethod::card("tok_visa")),
        _ => Confirm::with_source(secret, PaymentSource::card("tok_visa")),
    };
    // The SDK page's confirm answers the payment; the API reference's answers `data: null`.
    let confirmation = checkout.confirm(&confirm.with_idempotency_key("order-2002-pay")?)?;
    println!("confirmed   {confirmation}");

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
    // `is_paid` reads both vocabularies: `succeeded`, or `complete` and `paid`.
    let status = checkout.retrieve_session(&session.id)?;
    if !status.is_paid() {
        return Err(format!("the session is not paid: {status:?}").into());
    }
    println!("paid        fulfil the order");
    Ok(())
}

/// `--vocabulary sdk|reference`, else `EASY_VOCABULARY`, else the SDK page's.
fn vocabulary() -> Result<Vocabulary, Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let value = match (args.next().as_deref(), args.next()) {
        (Some("--vocabulary"), Some(value)) => value,
        (None, _) => std::env::var("EASY_VOCABULARY").unwrap_or_else(|_| "sdk".into()),
        _ => return Err("usage: isahc_checkout [--vocabulary sdk|reference]".into()),
    };
    Ok(value.parse()?)
}
