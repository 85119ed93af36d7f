//! The merchant's Embedded Checkout configuration: which origins may embed the iframe.

use http::{HeaderMap, Method, StatusCode};
use serde::Serialize;

use super::{ExtraFields, PREFIX, check_extra, check_url, to_json};
use crate::error::{Error, InvalidInput};
use crate::id::IdempotencyKey;
use crate::models::CheckoutConfig;
use crate::operation::{ApiKeyAuth, Idempotency, Operation, parse_object};

/// `get_config`: `GET /embedded-checkout/config`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetConfig;

impl Operation for GetConfig {
    type Output = CheckoutConfig;
    type Auth = ApiKeyAuth;
    const NAME: &'static str = "get_config";
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;

    fn write_path(&self, path: &mut String) {
        path.push_str(PREFIX);
        path.push_str("/config");
    }

    fn parse(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<CheckoutConfig, Error> {
        parse_object(status, headers, body)
    }
}

/// `update_config`: `PATCH /embedded-checkout/config`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdateConfig {
    /// The complete new list of origins allowed to embed the checkout.
    pub allowed_origins: Vec<String>,
    /// Body fields this SDK does not model yet.
    #[serde(flatten)]
    pub extra: ExtraFields,
    /// Sent as `Idempotency-Key`, not in the body.
    #[serde(skip)]
    pub idempotency_key: Option<IdempotencyKey>,
}

impl UpdateConfig {
    /// Replaces the allowed origins.
    pub fn new<I, S>(allowed_origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            allowed_origins: allowed_origins.into_iter().map(Into::into).collect(),
            extra: ExtraFields::new(),
            idempotency_key: None,
        }
    }
}

impl Operation for UpdateConfig {
    type Output = CheckoutConfig;
    type Auth = ApiKeyAuth;
    const NAME: &'static str = "update_config";
    const METHOD: Method = Method::PATCH;
    const IDEMPOTENCY: Idempotency = Idempotency::KeyOrGenerated;

    fn write_path(&self, path: &mut String) {
        path.push_str(PREFIX);
        path.push_str("/config");
    }

    fn body(&self) -> Result<Option<Vec<u8>>, InvalidInput> {
        for origin in &self.allowed_origins {
            check_url("allowed_origins", origin, true)?;
        }
        check_extra(&self.extra, &["allowed_origins"])?;
        to_json(self)
    }

    fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.idempotency_key.as_ref()
    }

    fn parse(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<CheckoutConfig, Error> {
        parse_object(status, headers, body)
    }
}
