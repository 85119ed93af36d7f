//! What the API returns.
//!
//! Every model keeps the fields it does not know in `extra`, so a newer server loses
//! nothing through an older SDK. Every field but a session's `id` may be missing or `null`.
//! Status strings are enums that keep any value they do not know.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::secret::ClientSecret;

/// Fields the SDK does not model, kept as sent.
pub type Extra = Map<String, Value>;

string_enum! {
    /// A session's lifecycle state.
    pub enum SessionState {
        /// Created, waiting for the customer.
        Open => "open",
        /// The customer finished the checkout.
        Complete => "complete",
        /// The session expired unused.
        Expired => "expired",
    }
}

string_enum! {
    /// Whether a session has been paid.
    pub enum PaymentStatus {
        /// Paid: fulfil the order.
        Succeeded => "succeeded",
        /// Not paid yet.
        Unpaid => "unpaid",
        /// A payment is in flight.
        Pending => "pending",
        /// Processing (for example an on-chain payment awaiting confirmations).
        Processing => "processing",
        /// The payment failed.
        Failed => "failed",
    }
}

/// `EmbeddedCheckoutSession`: what `create_session` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The session id (`ecs_…`).
    pub id: String,
    /// Hand this to the browser; never log it (it redacts itself in `Debug`).
    #[serde(default)]
    pub client_secret: Option<ClientSecret>,
    /// Lifecycle state.
    #[serde(default)]
    pub status: Option<SessionState>,
    /// When the session expires (ISO 8601).
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Where the customer returns after paying.
    #[serde(default)]
    pub return_url: Option<String>,
    /// Creation time (ISO 8601).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last update time (ISO 8601).
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `EmbeddedCheckoutSessionStatus`: what `retrieve_session` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionStatus {
    /// The session id.
    pub id: String,
    /// Lifecycle state.
    #[serde(default)]
    pub status: Option<SessionState>,
    /// Payment state: fulfil when it is [`PaymentStatus::Succeeded`].
    #[serde(default)]
    pub payment_status: Option<PaymentStatus>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl SessionStatus {
    /// `payment_status == "succeeded"`: the seed's test for fulfilment.
    pub fn is_paid(&self) -> bool {
        self.payment_status == Some(PaymentStatus::Succeeded)
    }
}

/// `CryptoPaymentStatus`: the on-chain side of a session paid with crypto.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CryptoPaymentStatus {
    /// Payment state.
    #[serde(default)]
    pub status: Option<String>,
    /// The transaction signature.
    #[serde(default)]
    pub tx_signature: Option<String>,
    /// The address paid to.
    #[serde(default)]
    pub payment_address: Option<String>,
    /// The chain (`"solana"`, …).
    #[serde(default)]
    pub chain: Option<String>,
    /// The asset (`"USDC"`, …).
    #[serde(default)]
    pub asset: Option<String>,
    /// The amount, as a decimal string (never a float).
    #[serde(default)]
    pub amount: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ValidateEmbeddedCheckoutSessionResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidateResponse {
    /// Whether the client secret (and parent origin) are valid.
    #[serde(default)]
    pub valid: Option<bool>,
    /// The session as the iframe sees it.
    #[serde(default)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutConfig {
    /// Origins allowed to embed the checkout iframe.
    #[serde(default)]
    pub allowed_origins: Option<Vec<String>>,
    /// Last update time (ISO 8601).
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What `GET /validate-key` returns for a live key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// The public key the iframe uses for card tokenisation.
    #[serde(rename = "basisTheoryPublicApiKey")]
    pub basis_theory_public_api_key: String,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}
