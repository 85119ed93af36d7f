//! Server-side session calls: create, retrieve, crypto status.

use http::{HeaderMap, Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::{check_email, check_url};
use crate::error::Error;
use crate::id::{IdempotencyKey, SessionId};
use crate::input::InvalidInput;
use crate::models::{CryptoPaymentStatus, Extra, Session, SessionStatus, Vocabulary};
use crate::ops::operation::{
    ApiKeyAuth, Idempotency, Operation, PREFIX, check_extra, parse_object, to_json,
};

/// One line of the cart: a price and how many.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineItem {
    /// The price id (`price_…`).
    pub price_id: String,
    /// How many; at least 1.
    pub quantity: u32,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl LineItem {
    /// `quantity` of `price_id`.
    pub fn new(price_id: impl Into<String>, quantity: u32) -> Self {
        Self {
            price_id: price_id.into(),
            quantity,
            extra: Extra::new(),
        }
    }
}

/// `create_session`: `POST /embedded-checkout`, in either [`Vocabulary`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateSession {
    /// The typed fields, in one vocabulary.
    #[serde(flatten)]
    pub params: SessionParams,
    /// Body fields this SDK does not model yet.
    #[serde(flatten)]
    pub extra: Extra,
    /// Sent as `Idempotency-Key`, not in the body.
    #[serde(skip)]
    pub idempotency_key: Option<IdempotencyKey>,
}

/// The typed fields of a create, in one of Easy's two vocabularies.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum SessionParams {
    /// The SDK page's body: `{"items": […], "return_url": "…"}`.
    Sdk {
        /// The cart; at least one item.
        items: Vec<LineItem>,
        /// Where the customer returns after paying (absolute http(s) URL).
        return_url: String,
    },
    /// The API reference's body.
    Reference(ReferenceSession),
}

/// The API reference's create body; the optional fields are left out until set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceSession {
    /// The cart; at least one item.
    pub line_items: Vec<LineItem>,
    /// The checkout mode; `"payment"` unless set ([`ReferenceSession::with_mode`]).
    pub mode: String,
    /// Where the customer goes after paying (Easy replaces `{SESSION_ID}` in it).
    pub success_url: String,
    /// Where the customer goes on cancelling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_url: Option<String>,
    /// The customer's email, to prefill.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_email: Option<String>,
    /// The payment methods to offer (their names as the API knows them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_methods: Option<Vec<String>>,
}

impl ReferenceSession {
    /// A `"payment"` session for `line_items`, going to `success_url` once paid.
    pub fn new(line_items: Vec<LineItem>, success_url: impl Into<String>) -> Self {
        Self {
            line_items,
            mode: "payment".to_owned(),
            success_url: success_url.into(),
            cancel_url: None,
            customer_email: None,
            payment_methods: None,
        }
    }

    /// Another checkout mode than `"payment"`.
    pub fn with_mode(mut self, mode: impl Into<String>) -> Self {
        self.mode = mode.into();
        self
    }

    /// Where the customer goes on cancelling.
    pub fn with_cancel_url(mut self, url: impl Into<String>) -> Self {
        self.cancel_url = Some(url.into());
        self
    }

    /// The customer's email, to prefill.
    pub fn with_customer_email(mut self, email: impl Into<String>) -> Self {
        self.customer_email = Some(email.into());
        self
    }

    /// The payment methods to offer; at least one.
    pub fn with_payment_methods<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.payment_methods = Some(methods.into_iter().map(Into::into).collect());
        self
    }

    /// The fields typed here, which an extra field may not repeat.
    const FIELDS: [&'static str; 6] = [
        "line_items",
        "mode",
        "success_url",
        "cancel_url",
        "customer_email",
        "payment_methods",
    ];

    fn check(&self) -> Result<(), InvalidInput> {
        check_items(
            &self.line_items,
            ["line_items", "line_items.price_id", "line_items.quantity"],
        )?;
        if self.mode.trim().is_empty() {
            return Err(InvalidInput::new("mode", "must not be empty"));
        }
        check_url("success_url", &self.success_url, false)?;
        if let Some(url) = &self.cancel_url {
            check_url("cancel_url", url, false)?;
        }
        if let Some(email) = &self.customer_email {
            check_email("customer_email", email)?;
        }
        let reason = match self.payment_methods.as_deref() {
            Some([]) => "must name at least one method (leave it unset to offer the default ones)",
            Some(methods) if methods.iter().any(|m| m.trim().is_empty()) => {
                "must not hold an empty name"
            }
            _ => return Ok(()),
        };
        Err(InvalidInput::new("payment_methods", reason))
    }
}

impl From<ReferenceSession> for CreateSession {
    fn from(params: ReferenceSession) -> Self {
        Self {
            params: SessionParams::Reference(params),
            extra: Extra::new(),
            idempotency_key: None,
        }
    }
}

impl CreateSession {
    /// A session for `items`, returning to `return_url`, in the SDK page's vocabulary.
    pub fn new(items: Vec<LineItem>, return_url: impl Into<String>) -> Self {
        Self {
            params: SessionParams::Sdk {
                items,
                return_url: return_url.into(),
            },
            extra: Extra::new(),
            idempotency_key: None,
        }
    }

    /// The vocabulary its body is written in.
    pub fn vocabulary(&self) -> Vocabulary {
        match self.params {
            SessionParams::Sdk { .. } => Vocabulary::Sdk,
            SessionParams::Reference(_) => Vocabulary::Reference,
        }
    }

    /// Sets the `Idempotency-Key` (validated), which makes a retry of this call safe.
    pub fn with_idempotency_key(
        mut self,
        key: impl TryInto<IdempotencyKey, Error: Into<InvalidInput>>,
    ) -> Result<Self, InvalidInput> {
        self.idempotency_key = Some(key.try_into().map_err(Into::into)?);
        Ok(self)
    }

    /// Adds a body field this SDK does not model yet (refused at build if it repeats a typed one).
    pub fn with_extra(mut self, name: impl Into<String>, value: Value) -> Self {
        self.extra.insert(name.into(), value);
        self
    }
}

/// Refuses an empty cart or price id and a zero quantity, under the vocabulary's `names`.
fn check_items(items: &[LineItem], names: [&'static str; 3]) -> Result<(), InvalidInput> {
    let [cart, price_id, quantity] = names;
    if items.is_empty() {
        return Err(InvalidInput::new(cart, "must hold at least one item"));
    }
    for item in items {
        if item.price_id.trim().is_empty() {
            return Err(InvalidInput::new(price_id, "must not be empty"));
        }
        if item.quantity == 0 {
            return Err(InvalidInput::new(quantity, "must be at least 1"));
        }
        check_extra(&item.extra, &["price_id", "quantity"])?;
    }
    Ok(())
}

impl Operation for CreateSession {
    type Output = Session;
    type Auth = ApiKeyAuth;
    const NAME: &'static str = "create_session";
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::KeyOrGenerated;

    fn write_path(&self, path: &mut String) {
        path.push_str(PREFIX);
    }

    fn body(&self) -> Result<Option<Vec<u8>>, InvalidInput> {
        match &self.params {
            SessionParams::Sdk { items, return_url } => {
                check_items(items, ["items", "items.price_id", "items.quantity"])?;
                check_url("return_url", return_url, false)?;
                check_extra(&self.extra, &["items", "return_url"])?;
            }
            SessionParams::Reference(params) => {
                params.check()?;
                check_extra(&self.extra, &ReferenceSession::FIELDS)?;
            }
        }
        to_json(self)
    }

    fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.idempotency_key.as_ref()
    }

    fn parse(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Self::Output, Error> {
        parse_object(status, headers, body)
    }
}

/// `retrieve_session`: `GET /embedded-checkout/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrieveSession {
    /// The session.
    pub id: SessionId,
}

impl RetrieveSession {
    /// Validates `id` (see [`SessionId::new`]).
    pub fn new(id: impl TryInto<SessionId, Error = InvalidInput>) -> Result<Self, InvalidInput> {
        Ok(Self { id: id.try_into()? })
    }
}

impl Operation for RetrieveSession {
    type Output = SessionStatus;
    type Auth = ApiKeyAuth;
    const NAME: &'static str = "retrieve_session";
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;

    fn write_path(&self, path: &mut String) {
        path.extend([PREFIX, "/", self.id.as_path_segment()]);
    }

    fn parse(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Self::Output, Error> {
        parse_object(status, headers, body)
    }
}

/// `crypto_status`: `GET /embedded-checkout/{id}/crypto-status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CryptoStatus {
    /// The session.
    pub id: SessionId,
}

impl CryptoStatus {
    /// Validates `id` (see [`SessionId::new`]).
    pub fn new(id: impl TryInto<SessionId, Error = InvalidInput>) -> Result<Self, InvalidInput> {
        Ok(Self { id: id.try_into()? })
    }
}

impl Operation for CryptoStatus {
    type Output = CryptoPaymentStatus;
    type Auth = ApiKeyAuth;
    const NAME: &'static str = "crypto_status";
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;

    fn write_path(&self, path: &mut String) {
        path.extend([PREFIX, "/", self.id.as_path_segment(), "/crypto-status"]);
    }

    fn parse(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Self::Output, Error> {
        parse_object(status, headers, body)
    }
}
