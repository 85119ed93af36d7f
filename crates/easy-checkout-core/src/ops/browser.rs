//! The two browser-side calls, `validate` and `confirm`. Their `Auth` is
//! [`ClientSecretAuth`]: the request builder has no way to attach the API key, and a
//! keyless `confirm` (it moves money) must never be sent twice. `validate` is a read: it
//! checks a client secret and changes nothing, so it is retried as a GET is, and a failed
//! one never leaves an outcome in doubt.

use http::{HeaderMap, Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::check_url;
use crate::error::Error;
use crate::id::IdempotencyKey;
use crate::input::InvalidInput;
use crate::models::Extra;
use crate::models::ValidateResponse;
use crate::ops::operation::{
    ClientSecretAuth, Idempotency, Operation, PREFIX, check_extra, parse_any, parse_object, to_json,
};
use crate::secret::ClientSecret;

/// `validate`: `POST /embedded-checkout/validate`, authenticated by the client secret.
///
/// A check, not a write: it answers whether the secret (and the embedding origin) is valid for
/// its session and changes nothing, so it is [`Idempotency::Safe`]: retried as a GET, and a
/// failed one is never of unknown outcome, although it is a POST.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Validate {
    /// The session's client secret.
    pub client_secret: ClientSecret,
    /// The origin of the page embedding the iframe; omitted from the body when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_origin: Option<String>,
}

impl Validate {
    /// Validates `client_secret`, with no parent origin.
    pub fn new(client_secret: ClientSecret) -> Self {
        Self {
            client_secret,
            parent_origin: None,
        }
    }

    /// Adds the embedding page's origin.
    pub fn with_parent_origin(mut self, origin: impl Into<String>) -> Self {
        self.parent_origin = Some(origin.into());
        self
    }
}

impl Operation for Validate {
    type Output = ValidateResponse;
    type Auth = ClientSecretAuth;
    const NAME: &'static str = "validate";
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;

    fn write_path(&self, path: &mut String) {
        path.push_str(PREFIX);
        path.push_str("/validate");
    }

    fn body(&self) -> Result<Option<Vec<u8>>, InvalidInput> {
        if let Some(origin) = &self.parent_origin {
            check_url("parent_origin", origin, true)?;
        }
        to_json(self)
    }

    fn parse(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<ValidateResponse, Error> {
        parse_object(status, headers, body)
    }
}

/// A payment method for `confirm` (`{"type": "PAYMENT_CARD", "token_id": "tok_abc"}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentMethod {
    /// The method type (`"PAYMENT_CARD"`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// The tokenised instrument.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl PaymentMethod {
    /// A card payment with a token from the iframe.
    pub fn card(token_id: impl Into<String>) -> Self {
        Self {
            kind: "PAYMENT_CARD".to_owned(),
            token_id: Some(token_id.into()),
            extra: Extra::new(),
        }
    }
}

/// `confirm`: `POST /embedded-checkout/confirm`, authenticated by the client secret.
///
/// It moves money: without the caller's own idempotency key it is never sent twice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Confirm {
    /// The session's client secret.
    pub client_secret: ClientSecret,
    /// How the customer pays.
    pub payment_method: PaymentMethod,
    /// Body fields this SDK does not model yet.
    #[serde(flatten)]
    pub extra: Extra,
    /// Sent as `Idempotency-Key`, not in the body.
    #[serde(skip)]
    pub idempotency_key: Option<IdempotencyKey>,
}

impl Confirm {
    /// Confirms the session behind `client_secret` with `payment_method`.
    pub fn new(client_secret: ClientSecret, payment_method: PaymentMethod) -> Self {
        Self {
            client_secret,
            payment_method,
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

impl Operation for Confirm {
    /// The raw confirmation payload: any JSON (`data` unwrapped when enveloped;
    /// `Value::Null` for a 204 or an empty body).
    type Output = Value;
    type Auth = ClientSecretAuth;
    const NAME: &'static str = "confirm";
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::CallerKeyOnly;

    fn write_path(&self, path: &mut String) {
        path.push_str(PREFIX);
        path.push_str("/confirm");
    }

    fn body(&self) -> Result<Option<Vec<u8>>, InvalidInput> {
        if self.payment_method.kind.trim().is_empty() {
            return Err(InvalidInput::new(
                "payment_method.type",
                "must not be empty",
            ));
        }
        check_extra(&self.payment_method.extra, &["type", "token_id"])?;
        check_extra(&self.extra, &["client_secret", "payment_method"])?;
        to_json(self)
    }

    fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.idempotency_key.as_ref()
    }

    fn parse(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Value, Error> {
        parse_any(status, headers, body)
    }
}
