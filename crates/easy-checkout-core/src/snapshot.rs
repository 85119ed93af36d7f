//! Stable, readable, secret-free text for any request: made for `insta::assert_snapshot!`.
//!
//! ```text
//! POST https://sandbox-api.itseasy.co/v1/api/embedded-checkout
//! accept: application/json
//! content-type: application/json
//! user-agent: easy-checkout-rust/[version]
//! x-easy-api-key: [REDACTED]
//!
//! {
//!   "items": [ … ],
//!   "return_url": "https://example.com/return"
//! }
//! ```
//!
//! Headers are sorted by name; sensitive headers (the API key) and every `client_secret` in
//! the body print `[REDACTED]`; the SDK version in the user agent prints `[version]` so an
//! upgrade does not churn snapshots; the JSON body is pretty-printed with sorted keys. A
//! body that is not JSON prints as its length only: a snapshot must never show bytes that
//! could hold a secret.

use std::fmt::Write as _;

use http::Request;
use serde_json::Value;

use crate::config::USER_AGENT;
use crate::redact::{REDACTED, redact};

/// Renders `request` as snapshot text.
///
/// ```
/// use easy_checkout_core::{Config, ClientSecret, ops::Validate, snapshot};
/// let config = Config::new("sk_test_123".parse().unwrap());
/// let op = Validate::new(ClientSecret::new("ecs_secret_xyz").unwrap());
/// let text = snapshot::render(&config.build(&op).unwrap());
/// assert!(text.contains("\"client_secret\": \"[REDACTED]\""));
/// assert!(!text.contains("ecs_secret_xyz") && !text.contains("x-easy-api-key"));
/// ```
pub fn render<B: AsRef<[u8]>>(request: &Request<B>) -> String {
    let mut out = format!("{} {}\n", request.method(), request.uri());
    let mut headers: Vec<(&str, String)> = request
        .headers()
        .iter()
        .map(|(name, value)| {
            let shown = if value.is_sensitive() || is_secret_header(name.as_str()) {
                REDACTED.to_owned()
            } else {
                let text = String::from_utf8_lossy(value.as_bytes());
                text.replace(USER_AGENT, "easy-checkout-rust/[version]")
            };
            (name.as_str(), shown)
        })
        .collect();
    headers.sort();
    for (name, value) in headers {
        let _ = writeln!(out, "{name}: {value}");
    }
    let body = request.body().as_ref();
    if !body.is_empty() {
        out.push('\n');
        out.push_str(&render_body(body));
        out.push('\n');
    }
    out
}

fn is_secret_header(name: &str) -> bool {
    matches!(name, "x-easy-api-key" | "authorization" | "cookie")
}

fn render_body(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            redact(&mut value);
            serde_json::to_string_pretty(&value).unwrap_or_default()
        }
        // Never print bytes we cannot vouch for: they might hold a secret.
        Err(_) => format!("<{} bytes, not JSON>", body.len()),
    }
}
