//! What the API returns: one struct per reply, and the status strings as enums.
//!
//! Every model keeps the fields it does not know in `extra` (an [`Extra`], the plain
//! `serde_json::Map` of them), so a newer server loses nothing through an older SDK. Every
//! field but a session's `id` may be missing or `null`. Status strings are enums that keep
//! any value they do not know ([`SessionState::Other`], …). `Debug` prints a model as its
//! JSON with every `client_secret` in it (any spelling, at any depth) redacted: a model must
//! never print a secret. Whether a session is paid is decided in one place,
//! [`SessionStatus::terminal`].

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::redact::debug_json;
use crate::secret::ClientSecret;

/// The fields of a reply this SDK does not model, by name, as a `serde_json::Map` holds
/// them (numbers under your build's serde_json features: `arbitrary_precision` keeps every
/// digit). Read one with `extra.get("amount_total")`.
pub type Extra = serde_json::Map<String, Value>;

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

/// Whether a session has been paid. Two values mean paid: `succeeded` (the seed's word)
/// and `paid` (the API reference's); [`PaymentStatus::is_paid`] knows both.
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

/// `EmbeddedCheckoutSession`: what `create_session` returns.
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
    /// Where the customer returns after paying.
    pub return_url: Option<String>,
    /// Creation time (ISO 8601).
    pub created_at: Option<String>,
    /// Last update time (ISO 8601).
    pub updated_at: Option<String>,
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
    /// Payment state: fulfil when it is [`PaymentStatus::Succeeded`].
    pub payment_status: Option<PaymentStatus>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl SessionStatus {
    /// Whether the session is paid: its `payment_status` is `succeeded` or `paid`. Fulfil
    /// the order when this is `true`. A `status` alone never makes a session paid (see
    /// [`Terminal::CompleteUnconfirmed`]).
    pub fn is_paid(&self) -> bool {
        self.terminal() == Some(Terminal::Paid)
    }

    /// Whether the session is finished, and how; `None` while it is still open (or its
    /// payment is in flight). The one place that reads a session's state, in both of Easy's
    /// vocabularies:
    ///
    /// | `payment_status` | `status` | result |
    /// |---|---|---|
    /// | `succeeded` or `paid` | any | [`Terminal::Paid`] |
    /// | `failed` | any | [`Terminal::Failed`] |
    /// | other, or none | `expired` | [`Terminal::Expired`] |
    /// | none, or a value this SDK does not know | `complete` | [`Terminal::CompleteUnconfirmed`] |
    /// | `unpaid`, `pending`, `processing` | `complete` | `None`: a payment is in flight |
    /// | anything else | `open`, none, or unknown | `None` |
    ///
    /// ```
    /// use easy_checkout_core::{Operation, Terminal, ops::RetrieveSession, http};
    /// let reply = |body: &str| RetrieveSession::parse_response(&http::Response::new(body.as_bytes().to_vec())).unwrap();
    /// // The seed's vocabulary and the API reference's: both paid.
    /// assert!(reply(r#"{"data":{"id":"ecs_1","status":"complete","payment_status":"succeeded"}}"#).is_paid());
    /// assert!(reply(r#"{"success":true,"data":{"id":"ecs_1","status":"complete","payment_status":"paid"}}"#).is_paid());
    /// // `complete` alone confirms no payment.
    /// let complete = reply(r#"{"data":{"id":"ecs_1","status":"complete"}}"#);
    /// assert_eq!(complete.terminal(), Some(Terminal::CompleteUnconfirmed));
    /// assert!(!complete.is_paid());
    /// ```
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
    /// `status` is `complete` but no payment status confirms a payment (none was sent, or
    /// one this SDK does not know). Do not fulfil on this alone: for a crypto session,
    /// read `crypto_status`; otherwise treat the verified `checkout.session.completed`
    /// webhook as the signal, or retrieve the session again later.
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
    /// The amount, as a decimal string (never a float).
    pub amount: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ValidateEmbeddedCheckoutSessionResponse`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidateResponse {
    /// Whether the client secret (and parent origin) are valid.
    pub valid: Option<bool>,
    /// The session as the iframe sees it.
    pub session: Option<Value>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ValidateResponse {
    /// `valid == true`; a missing field counts as not valid.
    pub fn is_valid(&self) -> bool {
        self.valid == Some(true)
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
