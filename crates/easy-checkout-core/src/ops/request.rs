//! The request: [`Config::build`] turns an [`Operation`] into an `http::Request`, and the
//! facts a transport must obey about it are decided here, once: whether it may go out twice
//! ([`NoResend`], [`may_resend`]), whether its body goes on the wire ([`sends_body`]),
//! whether it must bypass a proxy ([`bypasses_proxy`]). Transports only read them.

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

    /// [`Config::build`] with `key` as the `Idempotency-Key` instead of the operation's own
    /// (a generated one).
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
/// (a `confirm` without the caller's idempotency key), put there by [`Config::build`] by
/// [`Idempotency::may_repeat`](crate::ops::Idempotency::may_repeat).
///
/// A transport never lets such a request be resent below the SDK (libcurl resends by itself
/// when a reused connection dies before any reply byte), and never sends it on a pooled
/// connection the server may be closing. Check it with [`may_resend`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoResend;

/// Whether a transport may send `request` a second time on its own, or on a pooled
/// connection: not when it carries the [`NoResend`] mark, nor when its method is not GET,
/// HEAD, OPTIONS or TRACE and it has no `Idempotency-Key` (a request rebuilt without its
/// extensions, by hand or by a middleware). A `validate` is `false` by that rule, which
/// costs it only a connection.
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

/// Whether `request`'s body goes on the wire: not an empty body on a method that takes none
/// (no `Content-Length: 0` on a GET); any other body, empty or not (`Content-Length: 0` on an
/// empty POST). Every transport follows this, so all put the same bytes on the wire.
pub fn sends_body<B: AsRef<[u8]>>(request: &Request<B>) -> bool {
    !request.body().as_ref().is_empty() || method_takes_body(request.method())
}

/// Whether `request` must bypass any proxy from the environment: a plain `http://` request
/// (to a loopback host) would show the proxy the API key in clear text.
pub fn bypasses_proxy<B>(request: &Request<B>) -> bool {
    request.uri().scheme() == Some(&Scheme::HTTP)
}

/// Whether `method` carries a body even when it is empty (`Content-Length: 0`): true for
/// POST, PUT and PATCH, false for GET, HEAD, DELETE, OPTIONS and TRACE.
pub fn method_takes_body(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}
