//! The merchant's Embedded Checkout configuration: which origins may embed the iframe.

use http::{HeaderMap, Method, StatusCode};
use serde::Serialize;
use serde_json::Value;

use crate::config::check_url;
use crate::error::Error;
use crate::id::IdempotencyKey;
use crate::input::InvalidInput;
use crate::models::{CheckoutConfig, Extra};
use crate::ops::operation::{
    ApiKeyAuth, Idempotency, Operation, PREFIX, check_extra, parse_object, to_json,
};

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
        path.extend([PREFIX, "/config"]);
    }

    fn parse(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Self::Output, Error> {
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
    pub extra: Extra,
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
            extra: Extra::new(),
            idempotency_key: None,
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

impl Operation for UpdateConfig {
    type Output = CheckoutConfig;
    type Auth = ApiKeyAuth;
    const NAME: &'static str = "update_config";
    const METHOD: Method = Method::PATCH;
    const IDEMPOTENCY: Idempotency = Idempotency::KeyOrGenerated;

    fn write_path(&self, path: &mut String) {
        path.extend([PREFIX, "/config"]);
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

    fn parse(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Self::Output, Error> {
        parse_object(status, headers, body)
    }
}
