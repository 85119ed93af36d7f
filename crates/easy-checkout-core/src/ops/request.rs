//! [`Config::build`], and the facts about a request every transport obeys, decided once.

use http::header::{ACCEPT, CONTENT_TYPE, HeaderValue, USER_AGENT};
use http::uri::Scheme;
use http::{Method, Request};

use crate::config::Config;
use crate::error::Error;
use crate::headers::IDEMPOTENCY_KEY_HEADER;
use crate::id::IdempotencyKey;
use crate::input::InvalidInput;
use crate::ops::operation::{Auth, Operation};

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

impl Config {
    /// Builds the request for `op`. Pure: the same input always gives the same request.
    pub fn build<O: Operation>(&self, op: &O) -> Result<Request<Vec<u8>>, Error> {
        self.build_with_idempotency_key(op, op.idempotency_key())
    }

    /// [`Config::build`] with `key` (a generated one) as the `Idempotency-Key`.
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
        headers.insert(USER_AGENT, self.user_agent.clone());
        if !request.body().is_empty() {
            request.headers_mut().insert(CONTENT_TYPE, APPLICATION_JSON);
        }
        if let Some(key) = key {
            let value = HeaderValue::from_str(key.as_str())
                .map_err(|_| InvalidInput::new("idempotency_key", "is not a valid header value"))?;
            request.headers_mut().insert(IDEMPOTENCY_KEY_HEADER, value);
        }
        O::Auth::authorize(self, request.headers_mut())?;
        if !O::IDEMPOTENCY.may_repeat(key.is_some()) {
            // A request the server could act on twice: no transport may resend it.
            request.extensions_mut().insert(NoResend);
        }
        Ok(request)
    }
}

/// The mark, in a request's [`http::Extensions`], of a write the server could carry out twice
/// (a `confirm` without the caller's key). Check it with [`may_resend`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoResend;

/// Whether a transport may send `request` a second time on its own (libcurl does, when a
/// reused connection dies before any reply byte), or on a pooled connection: not with the
/// [`NoResend`] mark, nor a method other than GET, HEAD, OPTIONS or TRACE without an
/// `Idempotency-Key` (a request rebuilt without its extensions).
///
/// ```
/// use easy_checkout_core::{Config, ClientSecret, http, ops::{Confirm, GetConfig, PaymentMethod, may_resend}};
/// let config = Config::new("sk_test_1".parse()?);
/// assert!(may_resend(&config.build(&GetConfig)?));
/// let keyless = Confirm::new(ClientSecret::new("ecs_secret_1")?, PaymentMethod::card("tok_1"));
/// let built = config.build(&keyless)?;
/// assert!(!may_resend(&built));
/// assert!(may_resend(&config.build(&keyless.with_idempotency_key("k-1")?)?));
/// // Rebuilt without its extensions, the keyless confirm is still not resent.
/// let rebuilt = http::Request::post(built.uri()).body(built.body().clone())?;
/// assert!(!may_resend(&rebuilt));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn may_resend<B>(request: &Request<B>) -> bool {
    if request.extensions().get::<NoResend>().is_some() {
        return false;
    }
    matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) || request.headers().contains_key(IDEMPOTENCY_KEY_HEADER)
}

/// Whether `request`'s body goes on the wire: any but an empty one on a method that takes
/// none, so every transport puts the same bytes on the wire.
pub fn sends_body<B: AsRef<[u8]>>(request: &Request<B>) -> bool {
    !request.body().as_ref().is_empty() || method_takes_body(request.method())
}

/// Whether `request` must bypass any proxy: over `http://` it would show the proxy the key.
pub fn bypasses_proxy<B>(request: &Request<B>) -> bool {
    request.uri().scheme() == Some(&Scheme::HTTP)
}

/// Whether `method` carries even an empty body: not GET, HEAD, DELETE, OPTIONS or TRACE.
pub fn method_takes_body(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}
