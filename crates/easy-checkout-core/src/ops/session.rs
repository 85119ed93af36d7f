//! Server-side session calls: create, retrieve, crypto status. A session id is always one
//! path segment ([`SessionId`]): no id may reach another endpoint.

use http::{HeaderMap, Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::check_url;
use crate::error::Error;
use crate::id::{IdempotencyKey, SessionId};
use crate::input::InvalidInput;
use crate::models::Extra;
use crate::models::{CryptoPaymentStatus, Session, SessionStatus};
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

/// `create_session`: `POST /embedded-checkout`.
///
/// ```
/// use easy_checkout_core::ops::{CreateSession, LineItem};
/// let op = CreateSession::new(vec![LineItem::new("price_abc", 1)], "https://example.com/return")
///     .with_idempotency_key("ecs-cart-1").unwrap()
///     .with_extra("metadata", serde_json::json!({"order": "A-1"}));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateSession {
    /// The cart; at least one item.
    pub items: Vec<LineItem>,
    /// Where the customer returns after paying (absolute http(s) URL).
    pub return_url: String,
    /// Body fields this SDK does not model yet.
    #[serde(flatten)]
    pub extra: Extra,
    /// Sent as `Idempotency-Key`, not in the body.
    #[serde(skip)]
    pub idempotency_key: Option<IdempotencyKey>,
}

impl CreateSession {
    /// A session for `items`, returning to `return_url`.
    pub fn new(items: Vec<LineItem>, return_url: impl Into<String>) -> Self {
        Self {
            items,
            return_url: return_url.into(),
            extra: Extra::new(),
            idempotency_key: None,
        }
    }

    /// Sets the `Idempotency-Key` (validated): the server replays the first reply for a
    /// repeated key, which is what makes a retry of this call safe.
    pub fn with_idempotency_key(
        mut self,
        key: impl TryInto<IdempotencyKey, Error: Into<InvalidInput>>,
    ) -> Result<Self, InvalidInput> {
        self.idempotency_key = Some(key.try_into().map_err(Into::into)?);
        Ok(self)
    }

    /// Adds a body field this SDK does not model yet (a name that repeats a typed field is
    /// refused when the request is built).
    pub fn with_extra(mut self, name: impl Into<String>, value: Value) -> Self {
        self.extra.insert(name.into(), value);
        self
    }
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
        if self.items.is_empty() {
            return Err(InvalidInput::new("items", "must hold at least one item"));
        }
        for item in &self.items {
            if item.price_id.trim().is_empty() {
                return Err(InvalidInput::new("items.price_id", "must not be empty"));
            }
            if item.quantity == 0 {
                return Err(InvalidInput::new("items.quantity", "must be at least 1"));
            }
            check_extra(&item.extra, &["price_id", "quantity"])?;
        }
        check_url("return_url", &self.return_url, false)?;
        check_extra(&self.extra, &["items", "return_url"])?;
        to_json(self)
    }

    fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.idempotency_key.as_ref()
    }

    fn parse(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Session, Error> {
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
        path.push_str(PREFIX);
        path.push('/');
        path.push_str(self.id.as_path_segment());
    }

    fn parse(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<SessionStatus, Error> {
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
        path.push_str(PREFIX);
        path.push('/');
        path.push_str(self.id.as_path_segment());
        path.push_str("/crypto-status");
    }

    fn parse(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<CryptoPaymentStatus, Error> {
        parse_object(status, headers, body)
    }
}
