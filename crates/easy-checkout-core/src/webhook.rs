//! Webhook verification (feature `webhook`): is this delivery really from Easy, and what
//! does it say? It must never parse a body before its signature is checked, and never print
//! the secret.
//!
//! Easy signs each delivery's exact raw body with HMAC-SHA256 under the endpoint's signing
//! secret and sends `x-easy-webhook-signature: sha256=<hex>`. [`verify`] checks that in
//! constant time over the bytes as received (never a re-serialised body) and only then
//! parses the event. Pure: no clock, no IO.
//!
//! Which failure a signature gets is decided exactly as the official Python client
//! (`easylabs` 0.1.1, `Webhooks.construct_event`) decides it, in this order:
//!
//! 1. no header, or an empty one: [`WebhookError::SignatureMissing`];
//! 2. not starting with `sha256=` (case-sensitive; whitespace before it counts as text):
//!    [`WebhookError::SignatureFormatInvalid`];
//! 3. the rest not hex as Python's `bytes.fromhex` reads it (two digits per byte, either
//!    case, ASCII whitespace allowed before each pair; so an odd digit, a space inside a
//!    pair or any other character fails): [`WebhookError::SignatureFormatInvalid`];
//! 4. hex, but not the 32 bytes of the body's HMAC (another digest, too short or too long,
//!    no digits at all), or any signature under an empty secret:
//!    [`WebhookError::SignatureMismatch`];
//! 5. the body is not a JSON event: [`WebhookError::BodyInvalidJson`].
//!
//! Two deliberate differences: an empty secret verifies nothing here (Python accepts what
//! the empty key signed), and a correctly signed JSON body that is not an event (no `id` or
//! `type`) is [`WebhookError::BodyInvalidJson`] here (Python raises a pydantic
//! `ValidationError`, which has no code).
//!
//! ```
//! use easy_checkout_core::webhook::{self, WebhookSecret, EventType};
//! let secret = WebhookSecret::new("whsec_test");
//! let body = br#"{"id":"evt_1","type":"checkout.session.completed","data":{"id":"ecs_1"},"created_at":"2026-01-01T00:00:00Z"}"#;
//! let header = webhook::sign(&secret, body);
//! let event = webhook::verify(&secret, Some(&header), body).unwrap();
//! assert_eq!(event.kind, EventType::SessionCompleted);
//! let forged = format!("sha256={}", "0".repeat(64));
//! assert_eq!(webhook::verify(&secret, Some(&forged), body).unwrap_err().code(), "WEBHOOK_SIGNATURE_MISMATCH");
//! ```

use std::fmt;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

use crate::models::Extra;
use crate::redact::{REDACTED, debug_json};

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "x-easy-webhook-signature";
/// The header that names a delivery's event type (`checkout.session.completed`, …).
pub const EVENT_HEADER: &str = "x-easy-event";
/// The header that carries the id of one delivery attempt: a UUID, new on every attempt, so
/// never the key to deduplicate on (the event's `id` is).
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

    /// Whether the secret is empty. An empty secret verifies nothing (anyone can compute
    /// an HMAC under an empty key), so [`verify`] refuses every delivery with it.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length; this cannot fail.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC accepts any key length")
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

/// Why a delivery was refused. [`WebhookError::code`] is the API's failure code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No signature header, or an empty one (a header of spaces is not empty: it is
    /// [`WebhookError::SignatureFormatInvalid`]).
    #[error("WEBHOOK_SIGNATURE_MISSING: the delivery has no x-easy-webhook-signature header")]
    SignatureMissing,
    /// The header does not start with `sha256=`, or what follows is not hex: an odd number
    /// of digits, a character that is neither a hex digit nor ASCII whitespace, whitespace
    /// inside a byte's two digits.
    #[error("WEBHOOK_SIGNATURE_FORMAT_INVALID: the signature must be sha256=<hex digits>")]
    SignatureFormatInvalid,
    /// The signature is hex but not the body's: another digest, too short or too long
    /// (`sha256=` and 62 digits, or none), or any signature under the empty secret.
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

/// A verified webhook event. `Debug` prints it as its JSON with every `client_secret` in it
/// (in `data` too, at any depth) redacted.
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
    /// When the event happened (ISO 8601).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl fmt::Debug for WebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_json(f, "WebhookEvent", self)
    }
}

/// The signature header value for `body`: `sha256=<lowercase hex>`. For tests and fakes.
pub fn sign(secret: &WebhookSecret, body: &[u8]) -> String {
    let mut mac = secret.mac();
    mac.update(body);
    format!("{PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
}

/// Verifies `signature` (the header's value, `None` when absent) over the raw `body`, then
/// parses the event. The failure codes follow the official Python client row by row (see the
/// [module](self) docs).
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
    // A forger knows the empty key too: nothing signed with it proves anything. The length
    // is the sender's own, so refusing a wrong one early tells nobody anything.
    if length != provided.len() || secret.is_empty() {
        return Err(WebhookError::SignatureMismatch);
    }
    let mut mac = secret.mac();
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&provided)
        .map_err(|_| WebhookError::SignatureMismatch)?;
    serde_json::from_slice(body).map_err(|_| WebhookError::BodyInvalidJson)
}

/// Reads hex as Python's `bytes.fromhex` does: two digits (either case) per byte, and ASCII
/// whitespace (space, `\t`, `\n`, `\v`, `\f`, `\r`) skipped before each pair. Writes the
/// first bytes into `out` and returns how many bytes `text` holds (more than `out.len()` for
/// a longer text), or `None` when it is not hex by that rule.
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
