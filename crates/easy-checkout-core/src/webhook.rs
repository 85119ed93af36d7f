//! Webhook verification (feature `webhook`). Easy signs each delivery's raw body with
//! HMAC-SHA256 under the endpoint's secret and sends `x-easy-webhook-signature: sha256=<hex>`.
//! [`verify`] checks that in constant time before parsing anything, failing with the first
//! [`WebhookError`] that applies, in their order, as the official Python client (`easylabs`
//! 0.1.1) does, but for two deliberate differences: an empty secret verifies nothing here, and
//! a signed JSON body without `id` or `type` is `BodyInvalidJson` (Python's `ValidationError`).
//!
//! Delivery is at least once (up to 3 attempts, each with a new delivery id), and no
//! timestamp is signed, so a captured delivery can be replayed: **deduplicate on the event's
//! `id`**.

use std::fmt;

use hmac::{Hmac, Mac};
use http::{HeaderMap, Request};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

use crate::models::Extra;
use crate::redact::{REDACTED, debug_json};

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "x-easy-webhook-signature";
/// The header that names a delivery's event type (`checkout.session.completed`, …).
pub const EVENT_HEADER: &str = "x-easy-event";
/// The header that carries the id of one delivery attempt (new on every attempt).
pub const DELIVERY_ID_HEADER: &str = "x-easy-delivery-id";
/// The header that carries the attempt number of a delivery, `1` to `3`.
pub const ATTEMPT_HEADER: &str = "x-easy-webhook-attempt";
const PREFIX: &str = "sha256=";

/// A webhook endpoint's signing secret. Redacted in `Debug` and `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    /// Wraps the secret as configured for the endpoint (its bytes are the HMAC key).
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Self(secret.into())
    }

    /// Whether the secret is empty: [`verify`] then refuses every delivery (anyone can sign so).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The HMAC of `body` under this secret, not yet finalized.
    fn mac(&self, body: &[u8]) -> Hmac<Sha256> {
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0);
        mac.expect("HMAC accepts any key length").chain_update(body)
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookSecret({REDACTED})")
    }
}

impl fmt::Display for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Why a delivery was refused, checked in this order; [`WebhookError::code`] is the API's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No signature header, or an empty one (one of spaces is not empty).
    #[error("WEBHOOK_SIGNATURE_MISSING: the delivery has no x-easy-webhook-signature header")]
    SignatureMissing,
    /// The header does not start with `sha256=` (case-sensitive), or the rest is not hex as
    /// Python's `bytes.fromhex` reads it (ASCII whitespace allowed before each digit pair).
    #[error("WEBHOOK_SIGNATURE_FORMAT_INVALID: the signature must be sha256=<hex digits>")]
    SignatureFormatInvalid,
    /// The signature is not the 32 bytes of the body's HMAC, or the secret is empty.
    #[error("WEBHOOK_SIGNATURE_MISMATCH: the signature does not match the body")]
    SignatureMismatch,
    /// The body is signed correctly but is not a JSON event.
    #[error("WEBHOOK_BODY_INVALID_JSON: the body is not a JSON event with id and type")]
    BodyInvalidJson,
}

impl WebhookError {
    /// The failure code, as in the API reference.
    pub fn code(self) -> &'static str {
        match self {
            Self::SignatureMissing => "WEBHOOK_SIGNATURE_MISSING",
            Self::SignatureFormatInvalid => "WEBHOOK_SIGNATURE_FORMAT_INVALID",
            Self::SignatureMismatch => "WEBHOOK_SIGNATURE_MISMATCH",
            Self::BodyInvalidJson => "WEBHOOK_BODY_INVALID_JSON",
        }
    }
}

/// An event's `type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum EventType {
    /// `checkout.session.completed`: the session was paid (card) or completed.
    #[serde(rename = "checkout.session.completed")]
    SessionCompleted,
    /// `checkout.session.crypto_confirmed`: an on-chain payment was confirmed.
    #[serde(rename = "checkout.session.crypto_confirmed")]
    CryptoConfirmed,
    /// A value this SDK does not know yet, kept as sent.
    #[serde(untagged)]
    Other(String),
}

impl EventType {
    /// The value as on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::SessionCompleted => "checkout.session.completed",
            Self::CryptoConfirmed => "checkout.session.crypto_confirmed",
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verified webhook event. `Debug` redacts every `client_secret` in it, at any depth.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// The event id (`evt_…`): deduplicate deliveries on it.
    pub id: String,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// The object the event is about (for checkout events, the session).
    #[serde(default)]
    pub data: Value,
    /// When the event happened (ISO 8601; a number arrives as its digits).
    #[serde(default, deserialize_with = "lenient_text")]
    pub created_at: Option<String>,
    /// When the event happened, as the webhook reference adds it beside `created_at`.
    #[serde(default)]
    pub created: Option<EventTime>,
    /// The API version the event is written in (`"2026-05-01"`; the webhook reference's).
    #[serde(default, deserialize_with = "lenient_text")]
    pub api_version: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A string as sent, a number as its digits, anything else `None`: an optional field never
/// refuses a signed event (refused, it would be retried, given up, the order never fulfilled).
fn lenient_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(text) => Some(text),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// An event's `created`, kept as sent: never a reason to refuse a signed event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum EventTime {
    /// Seconds since the Unix epoch (a JSON integer).
    Unix(i64),
    /// A timestamp as text (a JSON string, ISO 8601).
    Text(String),
    /// Any other JSON (fractional seconds, a number beyond 64 bits, …), as sent.
    Other(Value),
}

impl<'de> Deserialize<'de> for EventTime {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Through `Value`, which reads every number form (`arbitrary_precision` included).
        Ok(match Value::deserialize(deserializer)? {
            Value::Number(n) => match n.as_i64() {
                Some(seconds) => Self::Unix(seconds),
                None => Self::Other(Value::Number(n)),
            },
            Value::String(text) => Self::Text(text),
            other => Self::Other(other),
        })
    }
}

/// A verified delivery: the signed event, and its unsigned headers (`None` if malformed).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Delivery {
    /// The verified event.
    pub event: WebhookEvent,
    /// `x-easy-event`; the signed [`WebhookEvent::kind`] is the one to trust.
    pub event_type: Option<String>,
    /// `x-easy-delivery-id`, this attempt's id: never deduplicate on it.
    pub delivery_id: Option<String>,
    /// `x-easy-webhook-attempt`, which attempt this is (from `1`).
    pub attempt: Option<u32>,
}

/// [`verify`] over a delivery's headers (a signature that is not text is
/// [`WebhookError::SignatureFormatInvalid`]) and raw body, then its metadata headers.
pub fn verify_delivery(
    secret: &WebhookSecret,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Delivery, WebhookError> {
    let signature = headers.get(SIGNATURE_HEADER).map(|v| v.to_str());
    let signature = signature
        .transpose()
        .map_err(|_| WebhookError::SignatureFormatInvalid)?;
    let event = verify(secret, signature, body)?;
    let text = |name: &str| {
        let value = headers.get(name)?.to_str().ok()?.trim();
        (!value.is_empty()).then(|| value.to_owned())
    };
    let attempt = text(ATTEMPT_HEADER)
        .filter(|a| a.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|a| a.parse::<u32>().ok())
        .filter(|&a| a >= 1);
    Ok(Delivery {
        event,
        event_type: text(EVENT_HEADER),
        delivery_id: text(DELIVERY_ID_HEADER),
        attempt,
    })
}

/// [`verify_delivery`] on the delivery as an `http::Request`, its body exactly as received.
pub fn verify_request<B: AsRef<[u8]>>(
    secret: &WebhookSecret,
    request: &Request<B>,
) -> Result<Delivery, WebhookError> {
    verify_delivery(secret, request.headers(), request.body().as_ref())
}

impl fmt::Debug for WebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_json(f, "WebhookEvent", self)
    }
}

/// The signature header value for `body`: `sha256=<lowercase hex>`. For tests and fakes.
pub fn sign(secret: &WebhookSecret, body: &[u8]) -> String {
    let mac = secret.mac(body).finalize().into_bytes();
    format!("{PREFIX}{}", hex::encode(mac))
}

/// Verifies `signature` (`None` when absent) over the raw `body`, then parses the event.
pub fn verify(
    secret: &WebhookSecret,
    signature: Option<&str>,
    body: &[u8],
) -> Result<WebhookEvent, WebhookError> {
    let signature = signature
        .filter(|s| !s.is_empty())
        .ok_or(WebhookError::SignatureMissing)?;
    let digits = signature
        .strip_prefix(PREFIX)
        .ok_or(WebhookError::SignatureFormatInvalid)?;
    let mut provided = [0u8; 32];
    let length = from_hex(digits, &mut provided).ok_or(WebhookError::SignatureFormatInvalid)?;
    // A forger knows the empty key too; refusing a wrong length early tells nobody anything.
    if length != provided.len() || secret.is_empty() {
        return Err(WebhookError::SignatureMismatch);
    }
    // `verify_slice` compares in constant time.
    let mac = secret.mac(body);
    mac.verify_slice(&provided)
        .map_err(|_| WebhookError::SignatureMismatch)?;
    serde_json::from_slice(body).map_err(|_| WebhookError::BodyInvalidJson)
}

/// Reads hex as Python's `bytes.fromhex` does (ASCII whitespace skipped before each pair),
/// writing the first bytes into `out`; how many bytes `text` holds, or `None` if not hex.
fn from_hex(text: &str, out: &mut [u8]) -> Option<usize> {
    let digit = |b: u8| char::from(b).to_digit(16).map(|d| d as u8);
    let mut bytes = text.bytes();
    let mut count = 0;
    while let Some(first) = bytes.find(|&b| !matches!(b, b' ' | b'\t'..=b'\r')) {
        let byte = digit(first)? << 4 | digit(bytes.next()?)?;
        if let Some(slot) = out.get_mut(count) {
            *slot = byte;
        }
        count += 1;
    }
    Some(count)
}
