//! Stable, readable, secret-free text for any request, for `insta::assert_snapshot!`: headers
//! sorted, sensitive ones and every `client_secret` `[REDACTED]`, the SDK version `[version]`,
//! a JSON body pretty-printed, any other body its length only.

use std::fmt::Write as _;

use http::{HeaderValue, Request};
use serde_json::Value;

use crate::call::{Call, RetryPolicy};
use crate::config::{Config, USER_AGENT};
use crate::error::Error;
use crate::headers::IDEMPOTENCY_KEY_HEADER;
use crate::ops::Operation;
use crate::redact::{REDACTED, redact};

/// Renders `request` (as [`Config::build`](crate::Config::build) makes it) as snapshot text.
pub fn render<B: AsRef<[u8]>>(request: &Request<B>) -> String {
    let mut out = format!("{} {}\n", request.method(), request.uri());
    let mut headers: Vec<(&str, String)> = request
        .headers()
        .iter()
        .map(|(name, value)| {
            let secret = matches!(name.as_str(), "x-easy-api-key" | "authorization" | "cookie");
            let shown = if value.is_sensitive() || secret {
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

/// [`render`] of the first request a call sends for `op`, a generated key `[generated]`.
pub fn render_call<O: Operation>(
    config: &Config,
    op: &O,
    retry: RetryPolicy,
) -> Result<String, Error> {
    // The random bits only make a generated key, which is masked.
    let call = Call::new(config, op, retry, || 0);
    let mut sent = config.build_with_idempotency_key(op, call.idempotency_key())?;
    if op.idempotency_key().is_none() {
        if let Some(key) = sent.headers_mut().get_mut(IDEMPOTENCY_KEY_HEADER) {
            *key = HeaderValue::from_static("[generated]");
        }
    }
    Ok(render(&sent))
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
