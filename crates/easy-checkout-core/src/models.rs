//! What the API returns, in either [`Vocabulary`] or a mix. Every model keeps unknown fields
//! in `extra` and takes any field but an `id` missing or `null`; status enums keep unknown
//! values; `Debug` prints a model's JSON with every `client_secret` redacted.

use std::fmt;
use std::str::FromStr;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::input::InvalidInput;
use crate::redact::debug_json;
use crate::secret::ClientSecret;

/// The fields of a reply this SDK does not model, by name (`extra.get("amount_total")`).
pub type Extra = serde_json::Map<String, Value>;

/// The two vocabularies Easy documents the same endpoints in (`API.md`, "The second source").
///
/// | | [`Vocabulary::Sdk`] (the default) | [`Vocabulary::Reference`] |
/// |---|---|---|
/// | source | the SDK page and the official Python client (`easylabs` 0.1.1) | the API reference, generated from the server's OpenAPI description |
/// | create body | `items`, `return_url` ([`CreateSession::new`](crate::ops::CreateSession::new)) | `line_items`, `mode`, `success_url`, `cancel_url`, `customer_email`, `payment_methods` ([`ReferenceSession`](crate::ops::ReferenceSession)) |
/// | confirm body | `payment_method: {type, token_id}` ([`Confirm::new`](crate::ops::Confirm::new)) | `source: {type, tokenId}`, `customer_details` ([`Confirm::with_source`](crate::ops::Confirm::with_source)) |
/// | success envelope | `{"data": …}` | `{"success", "timestamp", "message", "data"}`, `data` may be `null` |
/// | a paid session | `payment_status: "succeeded"` | `status: "complete"`, `payment_status: "paid"` |
/// | amounts | crypto `amount` a decimal string | integer cents |
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Vocabulary {
    /// The SDK page's (the official Python client's).
    #[default]
    Sdk,
    /// The API reference's.
    Reference,
}

impl Vocabulary {
    /// `"sdk"` or `"reference"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sdk => "sdk",
            Self::Reference => "reference",
        }
    }
}

impl fmt::Display for Vocabulary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `"sdk"` or `"reference"` (ASCII case ignored), for flags and environment variables.
impl FromStr for Vocabulary {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            s if s.eq_ignore_ascii_case("sdk") => Ok(Self::Sdk),
            s if s.eq_ignore_ascii_case("reference") => Ok(Self::Reference),
            _ => Err(InvalidInput::new("vocabulary", "must be sdk or reference")),
        }
    }
}

/// A session's lifecycle state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SessionState {
    /// Created, waiting for the customer.
    Open,
    /// The customer finished the checkout.
    Complete,
    /// The session expired unused.
    Expired,
    /// A value this SDK does not know yet, kept as sent.
    #[serde(untagged)]
    Other(String),
}

impl SessionState {
    /// The value as on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Open => "open",
            Self::Complete => "complete",
            Self::Expired => "expired",
            Self::Other(s) => s,
        }
    }
}

/// A session's payment state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentStatus {
    /// Paid, in the seed's vocabulary: fulfil the order.
    Succeeded,
    /// Paid, in the API reference's vocabulary: fulfil the order.
    Paid,
    /// Not paid yet.
    Unpaid,
    /// A payment is in flight.
    Pending,
    /// Processing (for example an on-chain payment awaiting confirmations).
    Processing,
    /// The payment failed.
    Failed,
    /// A value this SDK does not know yet, kept as sent.
    #[serde(untagged)]
    Other(String),
}

impl PaymentStatus {
    /// The value as on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Paid => "paid",
            Self::Unpaid => "unpaid",
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Failed => "failed",
            Self::Other(s) => s,
        }
    }

    /// `succeeded` or `paid`: the two words Easy's sources use for a paid session.
    pub fn is_paid(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Paid)
    }
}

impl fmt::Display for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `EmbeddedCheckoutSession`: what `create_session` returns, in either vocabulary.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The session id (`ecs_…`).
    pub id: String,
    /// Hand this to the browser; never log it (it redacts itself in `Debug`).
    pub client_secret: Option<ClientSecret>,
    /// Lifecycle state.
    pub status: Option<SessionState>,
    /// When the session expires (ISO 8601).
    pub expires_at: Option<String>,
    /// Where the customer returns after paying (the SDK page's field).
    pub return_url: Option<String>,
    /// Creation time (ISO 8601; the SDK page's field).
    pub created_at: Option<String>,
    /// Last update time (ISO 8601; the SDK page's field).
    pub updated_at: Option<String>,
    /// The hosted checkout page (the API reference's field).
    pub url: Option<String>,
    /// The total in cents (the API reference's field); a non-`u64` is a decode error.
    pub amount_total: Option<u64>,
    /// The currency of `amount_total` (`"usd"`; the API reference's field).
    pub currency: Option<String>,
    /// The customer's email, if the session was created with one (the API reference's field).
    pub customer_email: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `EmbeddedCheckoutSessionStatus`: what `retrieve_session` returns.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionStatus {
    /// The session id.
    pub id: String,
    /// Lifecycle state.
    pub status: Option<SessionState>,
    /// Payment state: fulfil when [`SessionStatus::is_paid`].
    pub payment_status: Option<PaymentStatus>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl SessionStatus {
    /// Whether [`terminal`](Self::terminal) is [`Terminal::Paid`]: fulfil the order.
    pub fn is_paid(&self) -> bool {
        self.terminal() == Some(Terminal::Paid)
    }

    /// How the session finished; `None` while it is open or its payment is in flight:
    ///
    /// | `payment_status` | `status` | result |
    /// |---|---|---|
    /// | `succeeded` or `paid` | any | [`Terminal::Paid`] |
    /// | `failed` | any | [`Terminal::Failed`] |
    /// | other, or none | `expired` | [`Terminal::Expired`] |
    /// | none, or a value this SDK does not know | `complete` | [`Terminal::CompleteUnconfirmed`] |
    /// | `unpaid`, `pending`, `processing` | `complete` | `None`: a payment is in flight |
    /// | anything else | `open`, none, or unknown | `None` |
    pub fn terminal(&self) -> Option<Terminal> {
        match (&self.payment_status, &self.status) {
            (Some(payment), _) if payment.is_paid() => Some(Terminal::Paid),
            (Some(PaymentStatus::Failed), _) => Some(Terminal::Failed),
            (_, Some(SessionState::Expired)) => Some(Terminal::Expired),
            (
                Some(PaymentStatus::Unpaid | PaymentStatus::Pending | PaymentStatus::Processing),
                Some(SessionState::Complete),
            ) => None,
            (_, Some(SessionState::Complete)) => Some(Terminal::CompleteUnconfirmed),
            _ => None,
        }
    }
}

/// How a session finished ([`SessionStatus::terminal`]). Fulfil only on [`Terminal::Paid`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Terminal {
    /// `payment_status` is `succeeded` or `paid`: fulfil the order.
    Paid,
    /// `payment_status` is `failed`.
    Failed,
    /// `status` is `expired` and no payment status says paid.
    Expired,
    /// `status` is `complete` but no payment status confirms a payment: do not fulfil; read
    /// `crypto_status`, or wait for the verified `checkout.session.completed` webhook.
    CompleteUnconfirmed,
}

/// `CryptoPaymentStatus`: the on-chain side of a session paid with crypto.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CryptoPaymentStatus {
    /// Payment state.
    pub status: Option<String>,
    /// The transaction signature.
    pub tx_signature: Option<String>,
    /// The address paid to.
    pub payment_address: Option<String>,
    /// The chain (`"solana"`, …).
    pub chain: Option<String>,
    /// The asset (`"USDC"`, …).
    pub asset: Option<String>,
    /// The amount, exactly as sent.
    pub amount: Option<Amount>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ValidateEmbeddedCheckoutSessionResponse`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidateResponse {
    /// Whether the client secret (and parent origin) are valid (the SDK page's field).
    pub valid: Option<bool>,
    /// The session as the iframe sees it.
    pub session: Option<Value>,
    /// The envelope's `success` (the API reference's), or the object's own.
    pub success: Option<bool>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ValidateResponse {
    /// Whether the client secret (and parent origin) are valid: `valid`, else `success` (the
    /// API reference answers `{"success": true, "data": null}`), else `false`.
    pub fn is_valid(&self) -> bool {
        self.valid.or(self.success).unwrap_or(false)
    }
}

/// `EmbeddedCheckoutConfig`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutConfig {
    /// Origins allowed to embed the checkout iframe.
    pub allowed_origins: Option<Vec<String>>,
    /// Last update time (ISO 8601).
    pub updated_at: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What `GET /validate-key` returns for a live key.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// The public key the iframe uses for card tokenisation.
    #[serde(rename = "basisTheoryPublicApiKey")]
    pub basis_theory_public_api_key: String,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An amount exactly as the API sent it, never converted. A fraction or an exponent is a decode
/// error, as is an integer beyond 64 bits unless serde_json's `arbitrary_precision` keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Amount {
    /// A JSON string (the SDK page's form: a decimal in the asset's units), as sent.
    Decimal(String),
    /// A JSON integer (the API reference's form: minor units), every digit kept.
    Integer(serde_json::Number),
}

impl Amount {
    /// The integer, when it is one that fits a `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Self::Integer(n) => n.as_u64(),
            Self::Decimal(_) => None,
        }
    }
}

/// The amount's text: the string, or the integer's digits.
impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decimal(text) => f.write_str(text),
            Self::Integer(n) => fmt::Display::fmt(n, f),
        }
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `Value` keeps an `arbitrary_precision` number's text (also through `flatten`);
        // without it, a fraction, exponent or >64-bit integer is an `f64`: never bare digits.
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(Self::Decimal(text)),
            Value::Number(n) if is_integer(&n.to_string()) => Ok(Self::Integer(n)),
            Value::Number(_) => Err(D::Error::custom(
                "an amount that is not an integer (or beyond 64 bits): its exact value is lost",
            )),
            _ => Err(D::Error::custom("an amount must be a string or an integer")),
        }
    }
}

/// `-`? then one or more ASCII digits.
fn is_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_json(f, "Session", self)
    }
}

impl fmt::Debug for SessionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_json(f, "SessionStatus", self)
    }
}

impl fmt::Debug for CryptoPaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_json(f, "CryptoPaymentStatus", self)
    }
}

impl fmt::Debug for ValidateResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_json(f, "ValidateResponse", self)
    }
}

impl fmt::Debug for CheckoutConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_json(f, "CheckoutConfig", self)
    }
}

impl fmt::Debug for KeyInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_json(f, "KeyInfo", self)
    }
}
