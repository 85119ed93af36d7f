//! Against the real Easy API over isahc, with the key from the environment:
//!
//! ```sh
//! EASY_API_KEY=sk_test_… cargo run -p easy-checkout-isahc --example isahc_live
//! ```
//!
//! Checks the key with tighter limits than the defaults and prints what the reply carried
//! beside its value (status, rate limit, retries), then reads the checkout configuration. A
//! `sk_test_…` key goes to the sandbox, a `sk_live_…` key to production; `EASY_API_URL`
//! overrides the base URL (and then takes any key). Without `EASY_API_KEY` it refuses to run (exit code 2). It never
//! prints the key.

use std::process::ExitCode;
use std::time::Duration;

use easy_checkout_isahc::TransportSettings;
use easy_checkout_isahc::easy_checkout_core::Config;
use easy_checkout_isahc::easy_checkout_core::ops::{GetConfig, ValidateKey};

fn main() -> ExitCode {
    let config = match Config::from_lookup(|name| std::env::var_os(name)) {
        Ok(config) if config.has_api_key() => config,
        Ok(_) => {
            eprintln!(
                "live: set EASY_API_KEY to an Easy secret key (sk_test_… for the sandbox) to \
                 run this example against the real API; `--example isahc_checkout` runs offline"
            );
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("live: {e}");
            return ExitCode::from(2);
        }
    };
    let settings = TransportSettings::default()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(20));
    let client = easy_checkout_isahc::with_config(config, settings);
    println!("API         {}", client.config().base_url().as_str());

    let outcome = client.send_with_meta(&ValidateKey).and_then(|key| {
        let limit = key.meta.rate_limit;
        println!(
            "key         valid (HTTP {}, {} retries, rate limit {:?} of {:?} left)",
            key.meta.status, key.meta.retries, limit.remaining, limit.limit
        );
        client.send(&GetConfig)
    });
    match outcome {
        Ok(config) => {
            println!(
                "origins     {:?}",
                config.allowed_origins.unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            // The SDK's errors never print the key or a client secret.
            eprintln!("live: {} ({})", e, e.kind().as_str());
            ExitCode::FAILURE
        }
    }
}
