//! The browser-side calls, authenticated by the client secret alone ([`ClientSecretAuth`]).

use http::{HeaderMap, Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::{check_email, check_url};
use crate::error::Error;
use crate::id::IdempotencyKey;
use crate::input::InvalidInput;
use crate::models::{Extra, ValidateResponse, Vocabulary};
use crate::ops::operation::{
    ClientSecretAuth, Idempotency, Operation, PREFIX, check_extra, parse_any, parse_object, to_json,
};
use crate::secret::ClientSecret;

/// `validate`: `POST /embedded-checkout/validate`, a read ([`Idempotency::Safe`]).
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

    fn client_secret(&self) -> Option<&ClientSecret> {
        Some(&self.client_secret)
    }

    fn write_path(&self, path: &mut String) {
        path.extend([PREFIX, "/validate"]);
    }

    fn body(&self) -> Result<Option<Vec<u8>>, InvalidInput> {
        if let Some(origin) = &self.parent_origin {
            check_url("parent_origin", origin, true)?;
        }
        to_json(self)
    }

    /// The API reference's `data` may be `null` (read as the default); its envelope `success`
    /// is kept ([`ValidateResponse::is_valid`]).
    fn parse(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Self::Output, Error> {
        let parsed = parse_object::<Option<ValidateResponse>>(status, headers, body)?;
        let mut response = parsed.unwrap_or_default();
        if response.success.is_none() {
            response.success = envelope_success(body);
        }
        Ok(response)
    }
}

/// The `success` member of a reply's envelope, when it is a boolean.
fn envelope_success(body: &[u8]) -> Option<bool> {
    #[derive(Deserialize)]
    struct Envelope {
        success: Option<Value>,
    }
    let envelope: Envelope = serde_json::from_slice(body).ok()?;
    envelope.success?.as_bool()
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

/// A `confirm` payment source (`{"type": "PAYMENT_CARD", "tokenId": "tok_abc"}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentSource {
    /// The source type (`"PAYMENT_CARD"`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// The tokenised instrument.
    #[serde(rename = "tokenId", default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl PaymentSource {
    /// A card payment with a token from the iframe.
    pub fn card(token_id: impl Into<String>) -> Self {
        Self {
            kind: "PAYMENT_CARD".to_owned(),
            token_id: Some(token_id.into()),
            extra: Extra::new(),
        }
    }
}

/// How the customer pays, in one of the two vocabularies.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmPayment {
    /// `"payment_method": {"type", "token_id"}`: the SDK page's.
    PaymentMethod(PaymentMethod),
    /// `"source": {"type", "tokenId"}`: the API reference's.
    Source(PaymentSource),
}

/// Who pays, as the API reference's confirm takes it; each field is left out until set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerDetails {
    /// The customer's first name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The customer's last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The customer's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl CustomerDetails {
    /// The customer's names and email.
    pub fn new(
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        email: impl Into<String>,
    ) -> Self {
        Self {
            first_name: Some(first_name.into()),
            last_name: Some(last_name.into()),
            email: Some(email.into()),
            extra: Extra::new(),
        }
    }

    fn check(&self) -> Result<(), InvalidInput> {
        for (field, value) in [
            ("customer_details.first_name", &self.first_name),
            ("customer_details.last_name", &self.last_name),
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(InvalidInput::new(field, "must not be empty"));
            }
        }
        if let Some(email) = &self.email {
            check_email("customer_details.email", email)?;
        }
        check_extra(&self.extra, &["first_name", "last_name", "email"])
    }
}

/// `confirm`: `POST /embedded-checkout/confirm`. It moves money: without the caller's own
/// idempotency key it is never sent twice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Confirm {
    /// The session's client secret.
    pub client_secret: ClientSecret,
    /// How the customer pays, in one vocabulary.
    #[serde(flatten)]
    pub payment: ConfirmPayment,
    /// Who pays (the API reference's field); left out of the body when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_details: Option<CustomerDetails>,
    /// Body fields this SDK does not model yet.
    #[serde(flatten)]
    pub extra: Extra,
    /// Sent as `Idempotency-Key`, not in the body.
    #[serde(skip)]
    pub idempotency_key: Option<IdempotencyKey>,
}

impl Confirm {
    /// Pays with `payment_method`, in the SDK page's vocabulary.
    pub fn new(client_secret: ClientSecret, payment_method: PaymentMethod) -> Self {
        Self::paying(client_secret, ConfirmPayment::PaymentMethod(payment_method))
    }

    /// Pays with `source`, in the API reference's vocabulary.
    pub fn with_source(client_secret: ClientSecret, source: PaymentSource) -> Self {
        Self::paying(client_secret, ConfirmPayment::Source(source))
    }

    fn paying(client_secret: ClientSecret, payment: ConfirmPayment) -> Self {
        Self {
            client_secret,
            payment,
            customer_details: None,
            extra: Extra::new(),
            idempotency_key: None,
        }
    }

    /// The vocabulary its body is written in.
    pub fn vocabulary(&self) -> Vocabulary {
        match self.payment {
            ConfirmPayment::PaymentMethod(_) => Vocabulary::Sdk,
            ConfirmPayment::Source(_) => Vocabulary::Reference,
        }
    }

    /// Adds who pays (`customer_details`, the API reference's field).
    pub fn with_customer_details(mut self, details: CustomerDetails) -> Self {
        self.customer_details = Some(details);
        self
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

impl Operation for Confirm {
    /// The raw payload, `data` unwrapped; `Value::Null` for an empty body.
    type Output = Value;
    type Auth = ClientSecretAuth;
    const NAME: &'static str = "confirm";
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::CallerKeyOnly;

    fn client_secret(&self) -> Option<&ClientSecret> {
        Some(&self.client_secret)
    }

    fn write_path(&self, path: &mut String) {
        path.extend([PREFIX, "/confirm"]);
    }

    fn body(&self) -> Result<Option<Vec<u8>>, InvalidInput> {
        let (field, kind, extra, typed) = match &self.payment {
            ConfirmPayment::PaymentMethod(m) => ("payment_method", &m.kind, &m.extra, "token_id"),
            ConfirmPayment::Source(s) => ("source", &s.kind, &s.extra, "tokenId"),
        };
        if kind.trim().is_empty() {
            let field = match field {
                "source" => "source.type",
                _ => "payment_method.type",
            };
            return Err(InvalidInput::new(field, "must not be empty"));
        }
        check_extra(extra, &["type", typed])?;
        if let Some(details) = &self.customer_details {
            details.check()?;
        }
        check_extra(&self.extra, &["client_secret", field, "customer_details"])?;
        to_json(self)
    }

    fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.idempotency_key.as_ref()
    }

    fn parse(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Self::Output, Error> {
        parse_any(status, headers, body)
    }
}
