//! The one seam between the core and the network.
//!
//! A [`Transport`] sends an `http::Request` and returns the `http::Response` with its whole
//! body, or a [`TransportError`]. It does not judge statuses: a 404 is a successful send.
//! ureq, isahc, a user's own stack, or a plain closure all fit.

use std::io::Read;
use std::sync::Arc;

use http::{Request, Response};

use crate::error::{TransportError, TransportErrorKind};

#[cfg(feature = "tls")]
pub use super::roots::RootCertificates;

/// Sends requests: the one seam between the SDK and the network.
///
/// What a transport must do, for the SDK's guarantees to hold over it (the ureq, isahc and
/// reqwest transports do all of it; an HTTP client's defaults often do not):
///
/// - **Send the request as built** (method, target, headers, body; nothing added but what
///   HTTP/1.1 framing needs), and put a body on the wire as [`sends_body`] says: no
///   `Content-Length: 0` on a GET, `Content-Length: 0` on an empty POST.
/// - **Follow no redirect**: return a 3xx as a response. Most clients follow them by default
///   and carry custom headers, `x-easy-api-key` among them, to the other host.
/// - **Return every status as a response**, with its whole body and headers: a 404 or a 500
///   is not a transport error.
/// - **Apply a connect and a total timeout** ([`TransportSettings`]; the total one over the
///   whole exchange, a trickled body included, and under a millisecond is not "none"), report
///   a timeout as [`TransportErrorKind::Timeout`], and **cap the body** while reading it
///   ([`read_body_limited`]), refusing an announced `Content-Length` over the cap at once.
/// - **Report a reply cut short as [`Io`](TransportErrorKind::Io)**, wherever it was cut,
///   never as a response.
/// - **Never send a request twice by itself** when [`may_resend`] says no (a client that
///   retries a request on a fresh connection after a reused one died must not do it for
///   those), and never send such a request on a kept-alive connection the server may be
///   closing; mark with [`TransportError::not_sent`] a refused connection, and only failures
///   that certainly came before the request went out.
/// - **Send no `http://` request through a proxy** ([`bypasses_proxy`]); send `https://`
///   through the environment's.
/// - **Verify TLS** against the default roots and those the caller adds.
///
/// Check a transport of yours with the conformance kit (the crate
/// `easy-checkout-conformance`, a dev-dependency): one test, and every obligation above is
/// checked over loopback servers that misbehave on cue, each failure naming the obligation:
///
/// ```text
/// #[test]
/// fn my_transport_keeps_every_obligation() {
///     easy_checkout_conformance::Kit::new()
///         .run(|settings, roots| MyTransport::new(settings, roots))
///         .assert_passed();
/// }
/// ```
///
/// # Closures
///
/// A closure of the same shape is a transport. That stays, on purpose: it is the smallest way
/// to wrap a transport that keeps the obligations (timing, logging, a replay harness in
/// tests), and the wrapper keeps them:
///
/// ```
/// use std::time::Instant;
/// use easy_checkout_core::{Transport, TransportError, http};
///
/// /// Times every request sent through `inner` (any transport that passes the kit).
/// fn timed(inner: impl Transport) -> impl Transport {
///     move |request: http::Request<Vec<u8>>| {
///         let (path, started) = (request.uri().path().to_owned(), Instant::now());
///         let outcome = inner.send(request);
///         eprintln!("{path}: {:?}", started.elapsed()); // never the headers: they hold the key
///         outcome
///     }
/// }
/// ```
///
/// Taking closures away would not make a transport safe: what breaks the obligations is the
/// HTTP client underneath (a default `reqwest::blocking::Client` follows a redirect to another
/// host with `x-easy-api-key`, whether it sits in a closure or in a struct), and a struct over
/// that client is as wrong as a closure over it. What makes a transport safe is the kit, which
/// runs the same way over either, so no example of this SDK shows a transport it has not
/// passed.
pub trait Transport {
    /// Sends `request` and reads the whole response body.
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>;
}

impl<F> Transport for F
where
    F: Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>,
{
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self(request)
    }
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        (**self).send(request)
    }
}

/// The mark on a request that must not go out twice: a write the server could carry out
/// twice (a `confirm` without the caller's idempotency key). [`Config::build`] puts it in the
/// request's [`http::Extensions`] for every such request, so the call protocol decides it
/// once and transports only obey it.
///
/// A transport that reads this mark never lets the request be resent below the SDK: for
/// example, libcurl sends a request again by itself on a fresh connection when a reused one
/// dies before any reply byte, so the isahc transport sends a marked request on a connection
/// of its own. Check it with [`may_resend`].
///
/// [`Config::build`]: crate::Config::build
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoResend;

/// Whether a transport may send `request` a second time on its own: not when it carries
/// the [`NoResend`] mark, and not when it is a write without an `Idempotency-Key` (what the
/// mark means, for a request built or rebuilt without it: by hand, or by a middleware that
/// copied method, URI, headers and body but not the extensions).
///
/// ```
/// use easy_checkout_core::{Config, ClientSecret, http, ops::{Confirm, GetConfig, PaymentMethod}, transport::may_resend};
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
    use http::Method;
    if request.extensions().get::<NoResend>().is_some() {
        return false;
    }
    matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) || request
        .headers()
        .contains_key(crate::operation::IDEMPOTENCY_KEY_HEADER)
}

/// Whether `request`'s body goes on the wire: an empty body on a method that takes none
/// (GET, HEAD, DELETE, OPTIONS, TRACE) is sent as no body at all (no `Content-Length: 0` on a
/// GET); any other body, empty or not, goes out as given (`Content-Length: 0` on an empty
/// POST). Every transport follows this rule, so they all put the same bytes on the wire.
pub fn sends_body<B: AsRef<[u8]>>(request: &Request<B>) -> bool {
    !request.body().as_ref().is_empty() || method_takes_body(request.method())
}

/// Whether `request` must bypass any proxy from the environment: a plain `http://` request
/// (which the core allows only to a loopback host) would show the proxy the API key in
/// clear text. `https://` requests use the proxy as configured.
pub fn bypasses_proxy<B>(request: &Request<B>) -> bool {
    request.uri().scheme() == Some(&http::uri::Scheme::HTTP)
}

/// Whether `method` carries a body even when it is empty (`Content-Length: 0`): true for
/// POST, PUT and PATCH, false for GET, HEAD, DELETE, OPTIONS and TRACE.
pub fn method_takes_body(method: &http::Method) -> bool {
    use http::Method;
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// Default cap on a response body: 1 MiB. Embedded Checkout replies are a few KiB.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 1024 * 1024;

/// Reads `reader` to the end, failing with [`TransportErrorKind::BodyTooLarge`] as soon as
/// more than `limit` bytes arrive: memory stays bounded whatever the server sends. For
/// transports whose client has no body cap of its own. `size_hint` (a `Content-Length`)
/// only sizes the first allocation, and is itself capped.
pub fn read_body_limited<R: Read>(
    reader: R,
    limit: u64,
    size_hint: Option<u64>,
) -> Result<Vec<u8>, TransportError> {
    if size_hint.is_some_and(|n| n > limit) {
        return Err(TransportError::body_too_large(limit));
    }
    let capacity = size_hint.unwrap_or(0).min(limit).min(64 * 1024) as usize;
    let mut body = Vec::with_capacity(capacity);
    let read = reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|e| {
            let kind = if e.kind() == std::io::ErrorKind::TimedOut {
                TransportErrorKind::Timeout
            } else {
                TransportErrorKind::Io
            };
            TransportError::new(kind, e)
        })?;
    if read as u64 > limit {
        return Err(TransportError::body_too_large(limit));
    }
    Ok(body)
}

/// The limits every transport applies; the adapters translate them to their client's
/// settings. Defaults follow the big payment SDKs (Stripe: 30 s to connect, 80 s per
/// request) and cap bodies at [`DEFAULT_MAX_BODY_BYTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportSettings {
    /// Longest wait for the TCP (and TLS) connection.
    pub connect_timeout: std::time::Duration,
    /// Longest a whole request may take, connect to last body byte.
    pub timeout: std::time::Duration,
    /// Largest response body read; a larger one is [`TransportErrorKind::BodyTooLarge`].
    pub max_body_bytes: u64,
}

impl Default for TransportSettings {
    fn default() -> Self {
        Self {
            connect_timeout: std::time::Duration::from_secs(30),
            timeout: std::time::Duration::from_secs(80),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

impl TransportSettings {
    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the total per-request timeout.
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the response body cap.
    pub fn max_body_bytes(mut self, limit: u64) -> Self {
        self.max_body_bytes = limit;
        self
    }
}
