//! The shape every operation shares: build an `http::Request`, parse an `http::Response`.
//!
//! An operation is a value holding its typed parameters. [`Config::build`] turns it into a
//! request (no IO, same input, same bytes); [`Operation::parse`] turns the status, headers
//! and body of the reply into the typed result or an [`Error`]. Neither ever panics.
//!
//! Which credential a request carries is decided by the operation's [`Operation::Auth`]
//! type, not by a flag: the builder for a [`ClientSecretAuth`] operation has no code path
//! that attaches the API key.

use http::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};
use http::{HeaderMap, Method, Request, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::config::Config;
use crate::error::{ApiError, DecodeError, Effect, Error, InvalidInput};
use crate::id::IdempotencyKey;

/// The header that carries the secret API key.
pub const API_KEY_HEADER: HeaderName = HeaderName::from_static("x-easy-api-key");
/// The idempotency header.
pub const IDEMPOTENCY_KEY_HEADER: HeaderName = HeaderName::from_static("idempotency-key");
const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::ApiKeyAuth {}
    impl Sealed for super::ClientSecretAuth {}
}

/// How an operation authenticates. Sealed: exactly [`ApiKeyAuth`] and [`ClientSecretAuth`].
pub trait Auth: sealed::Sealed {
    #[doc(hidden)]
    fn authorize(config: &Config, headers: &mut HeaderMap) -> Result<(), InvalidInput>;
}

/// Server-side operations: the request carries `x-easy-api-key`, marked sensitive.
#[derive(Debug)]
pub enum ApiKeyAuth {}

/// Browser-side operations (`validate`, `confirm`): the `client_secret` in the body is the
/// only credential; the API key is never attached, whatever the configuration holds.
#[derive(Debug)]
pub enum ClientSecretAuth {}

impl Auth for ApiKeyAuth {
    fn authorize(config: &Config, headers: &mut HeaderMap) -> Result<(), InvalidInput> {
        let key = config.key_header().ok_or_else(|| {
            InvalidInput::new(
                "api_key",
                "is required for this operation (none configured)",
            )
        })?;
        headers.insert(API_KEY_HEADER, key.clone());
        Ok(())
    }
}

impl Auth for ClientSecretAuth {
    fn authorize(_: &Config, _: &mut HeaderMap) -> Result<(), InvalidInput> {
        Ok(())
    }
}

/// When a request may be sent again after a failure (see the retry policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// A read (GET): always safe to repeat.
    Safe,
    /// A write made safe by an `Idempotency-Key`: the caller's, or one the client generates
    /// (the same on every attempt) when retries are on.
    KeyOrGenerated,
    /// A write that moves money: retried only with the caller's own key, never with a
    /// generated one.
    CallerKeyOnly,
    /// A write that takes no idempotency key: never repeated.
    Never,
}

/// One Embedded Checkout call: its request shape and how to read its reply.
pub trait Operation {
    /// What a successful call returns.
    type Output;
    /// Which credential the request carries.
    type Auth: Auth;
    /// The operation's name as in the API reference (`"create_session"`).
    const NAME: &'static str;
    /// The HTTP method.
    const METHOD: Method;
    /// When the request may be repeated.
    const IDEMPOTENCY: Idempotency;

    /// Appends the path (after the base URL, starting with `/`) to `path`.
    fn write_path(&self, path: &mut String);

    /// The JSON body, or `None` for a request without one. Refuses input that cannot be
    /// sent.
    fn body(&self) -> Result<Option<Vec<u8>>, InvalidInput> {
        Ok(None)
    }

    /// The caller's idempotency key, if the operation takes one.
    fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        None
    }

    /// Reads the reply: the typed result for a 2xx, an [`Error::Api`] otherwise, an
    /// [`Error::Decode`] for a 2xx body of the wrong shape. Never panics.
    fn parse(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Self::Output, Error>;

    /// [`Operation::parse`] on a whole `http::Response`. Its error also knows the operation's
    /// method, so [`Error::outcome_unknown`] is `false` for a read (an error from `parse`
    /// alone is judged as a write's).
    fn parse_response<B: AsRef<[u8]>>(response: &http::Response<B>) -> Result<Self::Output, Error> {
        Self::parse(
            response.status(),
            response.headers(),
            response.body().as_ref(),
        )
        .map_err(|e| e.with_effect(Effect::of(&Self::METHOD)))
    }
}

impl Config {
    /// Builds the request for `op`: method, full URI, headers and JSON body. Pure: the same
    /// operation and configuration always give the same request.
    ///
    /// ```
    /// use easy_checkout_core::{ApiKey, Config, ops::RetrieveSession};
    /// let config = Config::new("sk_test_123".parse().unwrap());
    /// let request = config.build(&RetrieveSession::new("ecs_123").unwrap()).unwrap();
    /// assert_eq!(request.uri(), "https://sandbox-api.itseasy.co/v1/api/embedded-checkout/ecs_123");
    /// assert!(request.headers()["x-easy-api-key"].is_sensitive());
    /// ```
    pub fn build<O: Operation>(&self, op: &O) -> Result<Request<Vec<u8>>, Error> {
        self.build_with_idempotency_key(op, op.idempotency_key())
    }

    /// [`Config::build`] with `key` as the `Idempotency-Key` instead of the operation's own.
    /// The blocking client uses it to send a generated key.
    pub fn build_with_idempotency_key<O: Operation>(
        &self,
        op: &O,
        key: Option<&IdempotencyKey>,
    ) -> Result<Request<Vec<u8>>, Error> {
        let body = op.body()?;
        let mut uri = String::with_capacity(self.base_url().as_str().len() + 64);
        uri.push_str(self.base_url().as_str());
        op.write_path(&mut uri);

        let mut request = Request::new(body.unwrap_or_default());
        *request.method_mut() = O::METHOD;
        *request.uri_mut() = uri
            .try_into()
            .map_err(|_| InvalidInput::new("base_url", "does not form a valid request URI"))?;
        let headers = request.headers_mut();
        headers.reserve(6);
        headers.insert(ACCEPT, APPLICATION_JSON);
        headers.insert(USER_AGENT, self.user_agent_header().clone());
        if !request.body().is_empty() {
            request.headers_mut().insert(CONTENT_TYPE, APPLICATION_JSON);
        }
        if let Some(key) = key {
            let value = HeaderValue::from_str(key.as_str())
                .map_err(|_| InvalidInput::new("idempotency_key", "is not a valid header value"))?;
            request.headers_mut().insert(IDEMPOTENCY_KEY_HEADER, value);
        }
        O::Auth::authorize(self, request.headers_mut())?;
        if !crate::call::retry::RetryPolicy::may_repeat(O::IDEMPOTENCY, key.is_some()) {
            // A request the server could act on twice: no transport may resend it.
            request.extensions_mut().insert(crate::transport::NoResend);
        }
        Ok(request)
    }
}

/// Reads the success object of a reply: `{"data": T}`, or `T` itself when the body has no
/// `data` key. An empty 2xx body is a decode error (this operation returns an object).
pub(crate) fn parse_object<T: DeserializeOwned>(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, Error> {
    if !status.is_success() {
        return Err(ApiError::from_response(status, headers, body).into());
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(
            DecodeError::new(status, "empty body where an object was expected", body).into(),
        );
    }
    decode_enveloped(status, body)
}

/// The raw payload of a reply that may be any JSON: `{"data": …}` unwrapped, any other JSON
/// value as it is, `Value::Null` for a 204 or an empty body.
pub(crate) fn parse_any(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<serde_json::Value, Error> {
    if !status.is_success() {
        return Err(ApiError::from_response(status, headers, body).into());
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Null);
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut map)) => Ok(match map.remove("data") {
            Some(data) => data,
            None => serde_json::Value::Object(map),
        }),
        Ok(other) => Ok(other),
        Err(e) => Err(DecodeError::from_json(status, &e, body).into()),
    }
}

fn decode_enveloped<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T, Error> {
    // A derived struct also reads a JSON array, field by field: only an object is a reply.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(DecodeError::new(status, "a body that is not a JSON object", body).into());
    }
    // One pass in the common case: the envelope's `data` is deserialized in place and every
    // other key skipped. Only an envelope-less body is read a second time.
    match serde_json::from_slice::<DataField<T>>(body) {
        Ok(DataField { data: Some(value) }) => Ok(value),
        Ok(DataField { data: None }) => serde_json::from_slice::<T>(body)
            .map_err(|e| DecodeError::from_json(status, &e, body).into()),
        Err(e) => Err(DecodeError::from_json(status, &e, body).into()),
    }
}

/// The `data` member of an object, if it has one; every other member is skipped unread. A
/// `"data": null` is handed to `T` (and refused by a model, as any `null` where an object
/// belongs), not taken for a missing `data`.
#[derive(Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
struct DataField<T> {
    #[serde(default = "Option::default", deserialize_with = "present")]
    data: Option<T>,
}

fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}
