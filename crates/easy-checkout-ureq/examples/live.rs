//! Against the real Easy API over ureq, with the key from the environment:
//!
//! ```sh
//! EASY_API_KEY=sk_test_… cargo run -p easy-checkout-ureq --example live
//! EASY_API_KEY=sk_test_… EASY_PRICE_ID=price_… cargo run -p easy-checkout-ureq --example live
//! ```
//!
//! Checks the key and reads the checkout configuration; with `EASY_PRICE_ID` it also creates
//! a session for one unit of that price (an unpaid session, which expires by itself). A
//! `sk_test_…` key goes to the sandbox, a `sk_live_…` key to production; `EASY_API_URL`
//! overrides the base URL (and then takes any key). Without `EASY_API_KEY` it refuses to run (exit code 2). It never
//! prints the key or a client secret.

use std::process::ExitCode;

use easy_checkout_ureq::easy_checkout_core::config::API_KEY_ENV;
use easy_checkout_ureq::easy_checkout_core::ops::{CreateSession, LineItem};

fn main() -> ExitCode {
    if std::env::var_os(API_KEY_ENV).is_none_or(|key| key.is_empty()) {
        eprintln!(
            "live: set {API_KEY_ENV} to an Easy secret key (sk_test_… for the sandbox) to run \
             this example against the real API; `--example checkout` runs offline"
        );
        return ExitCode::from(2);
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The SDK's errors never print the key or a client secret.
            eprintln!("live: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let client = easy_checkout_ureq::from_env()?;
    println!("API         {}", client.config().base_url().as_str());

    client.validate_key()?;
    println!("key         valid");

    let config = client.embedded_checkout().get_config()?;
    println!(
        "origins     {:?}",
        config.allowed_origins.unwrap_or_default()
    );

    if let Ok(price) = std::env::var("EASY_PRICE_ID") {
        let params = CreateSession::new(
            vec![LineItem::new(price, 1)],
            "https://example.com/checkout/return",
        );
        let session = client.embedded_checkout().create_session(&params)?;
        // `session.client_secret` is what a browser would get: not printed here.
        println!("session     {}", session.id);
    }
    Ok(())
}
