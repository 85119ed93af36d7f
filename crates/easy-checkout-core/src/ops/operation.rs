//! What every operation shares, and the helpers to write bodies and read replies.

use http::{HeaderMap, Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::config::Config;
use crate::error::{ApiError, DecodeError, Effect, Error};
use crate::headers::API_KEY_HEADER;
use crate::id::IdempotencyKey;
use crate::input::InvalidInput;
use crate::models::Extra;
use crate::secret::ClientSecret;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::ApiKeyAuth {}
    impl Sealed for super::ClientSecretAuth {}
}

/// How an operation authenticates: a type, not a flag, so a [`ClientSecretAuth`] operation has
/// no code path that attaches the API key. Sealed.
pub trait Auth: sealed::Sealed {
    /// Puts the operation's credential into `headers`; fails when a needed key is missing.
    fn authorize(config: &Config, headers: &mut HeaderMap) -> Result<(), InvalidInput>;
}

/// Server-side operations: the request carries `x-easy-api-key`, marked sensitive.
#[derive(Debug)]
pub enum ApiKeyAuth {}

/// Browser-side operations: the `client_secret` in the body is the only credential.
#[derive(Debug)]
pub enum ClientSecretAuth {}

impl Auth for ApiKeyAuth {
    fn authorize(config: &Config, headers: &mut HeaderMap) -> Result<(), InvalidInput> {
        let key = config.key_header.as_ref().ok_or_else(|| {
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

/// When a request may be sent again, and whether a failed one may have changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// A read, changing nothing: the GETs, and `validate`.
    Safe,
    /// A write made safe by the caller's `Idempotency-Key`, or one generated for retries.
    KeyOrGenerated,
    /// A write that moves money: repeated only with the caller's own key.
    CallerKeyOnly,
    /// A write that takes no idempotency key: never repeated.
    Never,
}

impl Idempotency {
    /// Whether a request of this class may be sent more than once, given whether it carries
    /// an idempotency key (for retries and the [`NoResend`](crate::ops::NoResend) mark).
    pub fn may_repeat(self, has_key: bool) -> bool {
        match self {
            Self::Safe => true,
            Self::KeyOrGenerated | Self::CallerKeyOnly => has_key,
            Self::Never => false,
        }
    }

    pub(crate) fn effect(self) -> Effect {
        match self {
            Self::Safe => Effect::Read,
            Self::KeyOrGenerated | Self::CallerKeyOnly | Self::Never => Effect::Write,
        }
    }
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

    /// The JSON body, or `None`; refuses input that cannot be sent.
    fn body(&self) -> Result<Option<Vec<u8>>, InvalidInput> {
        Ok(None)
    }

    /// The caller's idempotency key, if the operation takes one.
    fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        None
    }

    /// The client secret the request carries, scrubbed from a call's error.
    fn client_secret(&self) -> Option<&ClientSecret> {
        None
    }

    /// Reads the reply: the result for a 2xx, else [`Error::Api`]; [`Error::Decode`] for a
    /// 2xx body of the wrong shape.
    fn parse(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Self::Output, Error>;

    /// [`Operation::parse`] on an `http::Response`, after [`check_encoding`]; its error knows
    /// whether the operation is a read ([`Error::outcome_unknown`]).
    fn parse_response<B: AsRef<[u8]>>(response: &http::Response<B>) -> Result<Self::Output, Error> {
        let (status, headers, body) = (
            response.status(),
            response.headers(),
            response.body().as_ref(),
        );
        check_encoding(status, headers, body)
            .and_then(|()| Self::parse(status, headers, body))
            .map_err(|e| e.with_effect(Self::IDEMPOTENCY.effect()))
    }
}

/// Refuses a non-empty 2xx body in a `Content-Encoding` other than `identity` with an
/// [`Error::Decode`] naming it: the SDK sends no `Accept-Encoding`, so a proxy compressed it.
///
/// ```
/// use easy_checkout_core::{ErrorKind, http, ops::check_encoding};
/// let gzip: http::HeaderMap = [(http::header::CONTENT_ENCODING, "gzip".parse()?)].into_iter().collect();
/// let error = check_encoding(http::StatusCode::OK, &gzip, b"\x1f\x8b\x08").unwrap_err();
/// assert_eq!(error.kind(), ErrorKind::Decode);
/// assert!(error.to_string().contains("`Content-Encoding: gzip`"), "{error}");
/// assert!(check_encoding(http::StatusCode::OK, &http::HeaderMap::new(), b"{}").is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_encoding(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<(), Error> {
    if !status.is_success() || body.is_empty() {
        return Ok(());
    }
    let mut values = headers.get_all(http::header::CONTENT_ENCODING).iter();
    let identity = |c: &str| c.trim().is_empty() || c.trim().eq_ignore_ascii_case("identity");
    let Some(encoded) = values.find(|value| {
        value
            .to_str()
            .map_or(true, |v| v.split(',').any(|c| !identity(c)))
    }) else {
        return Ok(());
    };
    // The header's value, as printable text of bounded length (it is the server's input).
    let named: String = match encoded.to_str() {
        Ok(text) => text.trim().chars().take(40).collect(),
        Err(_) => "(not text)".to_owned(),
    };
    let reason = format!(
        "a body sent with `Content-Encoding: {named}`, which the client never asks for (it \
         sends no `Accept-Encoding`): something between it and the API compressed the reply"
    );
    Err(DecodeError::new(status, reason, body).into())
}

/// Reads `{"data": T}`, or `T` when the body has no `data` key.
pub(crate) fn parse_object<T: DeserializeOwned>(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, Error> {
    if is_blank_success(status, headers, body)? {
        return Err(
            DecodeError::new(status, "empty body where an object was expected", body).into(),
        );
    }
    // A derived struct also reads a JSON array, field by field: only an object is a reply.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(DecodeError::new(status, "a body that is not a JSON object", body).into());
    }
    // One pass in the common case; only an envelope-less body is read a second time.
    match serde_json::from_slice::<DataField<T>>(body) {
        Ok(DataField { data: Some(value) }) => Ok(value),
        Ok(DataField { data: None }) => serde_json::from_slice::<T>(body)
            .map_err(|e| DecodeError::from_json(status, &e, body).into()),
        Err(e) => Err(DecodeError::from_json(status, &e, body).into()),
    }
}

/// Whether a 2xx reply's body is blank; a non-2xx reply is its [`ApiError`].
fn is_blank_success(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<bool, Error> {
    if !status.is_success() {
        return Err(ApiError::from_response(status, headers, body).into());
    }
    Ok(body.iter().all(u8::is_ascii_whitespace))
}

/// Any JSON, `{"data": …}` unwrapped; `Value::Null` for an empty body.
pub(crate) fn parse_any(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, Error> {
    if is_blank_success(status, headers, body)? {
        return Ok(Value::Null);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(mut map)) => Ok(map.remove("data").unwrap_or(Value::Object(map))),
        Ok(other) => Ok(other),
        Err(e) => Err(DecodeError::from_json(status, &e, body).into()),
    }
}

/// An object's `data` member, if any (a `"data": null` is handed to `T`).
#[derive(Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
struct DataField<T> {
    #[serde(default = "Option::default", deserialize_with = "present")]
    data: Option<T>,
}

fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// The path prefix of every Embedded Checkout call.
pub(crate) const PREFIX: &str = "/embedded-checkout";

/// Serializes a body, with a typed error rather than a panic.
pub(crate) fn to_json<T: Serialize>(body: &T) -> Result<Option<Vec<u8>>, InvalidInput> {
    serde_json::to_vec(body)
        .map(Some)
        .map_err(|_| InvalidInput::new("body", "could not be serialized as JSON"))
}

/// Refuses extra fields that would duplicate a typed one.
pub(crate) fn check_extra(extra: &Extra, typed: &[&str]) -> Result<(), InvalidInput> {
    match extra.keys().find(|k| typed.contains(&k.as_str())) {
        Some(_) => Err(InvalidInput::new(
            "extra",
            format!("must not repeat a typed field ({})", typed.join(", ")),
        )),
        None => Ok(()),
    }
}
