//! The seam between the core and the network: the transport traits, their limits and roots.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response};

use crate::error::{TransportError, TransportErrorKind};

#[cfg(feature = "tls")]
mod roots;

#[cfg(feature = "tls")]
pub use roots::RootCertificates;

/// Sends a request and returns the response with its whole body, or a [`TransportError`].
///
/// For the SDK's guarantees to hold, a transport must (an HTTP client's defaults often do not):
///
/// - **Send the request as built**, nothing added but HTTP/1.1 framing, with a body as
///   [`sends_body`](crate::ops::sends_body) says.
/// - **Follow no redirect**: most clients carry custom headers, `x-easy-api-key` among them,
///   to the other host.
/// - **Return every status as a response**, with its whole body and headers.
/// - **Apply a connect and a total timeout** ([`TransportSettings`]; the total one over the
///   whole exchange, a trickled body included), report a timeout as
///   [`TransportErrorKind::Timeout`], and **cap the body** ([`read_body_limited`]), refusing an
///   announced `Content-Length` over the cap at once.
/// - **Report a reply cut short as [`Io`](TransportErrorKind::Io)**, never as a response.
/// - **Never resend by itself** what [`may_resend`](crate::ops::may_resend) refuses, nor send
///   it on a pooled connection the server may be closing. Mark with
///   [`TransportError::not_sent`] only failures that certainly came before the request went out.
/// - **Send no `http://` request through a proxy** ([`bypasses_proxy`](crate::ops::bypasses_proxy)).
/// - **Verify TLS** against the default roots and those the caller adds.
///
/// The conformance kit (`easy-checkout-conformance`'s `Kit`) checks every obligation.
///
/// A closure of the same shape is a transport, the smallest way to wrap one (timing, logging,
/// a replay harness); it keeps the obligations only if what it wraps does.
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

/// The async twin of [`Transport`] (feature `async`), with the same obligations. A call future
/// dropped after its request went out ends with no error: a write's outcome is then unknown.
#[cfg(feature = "async")]
pub trait AsyncTransport {
    /// Sends `request` and reads the whole response body.
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send;
}

#[cfg(feature = "async")]
impl<F, Fut> AsyncTransport for F
where
    F: Fn(Request<Vec<u8>>) -> Fut,
    Fut: Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send,
{
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send {
        self(request)
    }
}

/// What a transport crate implements for the one-line constructors ([`Client::from_key`] and
/// its siblings, also on `AsyncClient`).
///
/// ```
/// use easy_checkout_core::{Adapter, Client, Transport, TransportError, TransportSettings, http};
///
/// /// A test double: it answers without a network, keeping the settings it was made with.
/// struct Recorder(TransportSettings);
///
/// impl Transport for Recorder {
///     fn send(&self, _: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
///         Ok(http::Response::new(br#"{"data":{"allowed_origins":[]}}"#.to_vec()))
///     }
/// }
///
/// impl Adapter for Recorder {
///     const USER_AGENT_SUFFIX: &'static str = "recorder";
///     fn from_settings(settings: TransportSettings) -> Self {
///         Recorder(settings)
///     }
/// }
///
/// # #[cfg(feature = "system-runtime")] {
/// let client = Client::<Recorder>::from_key("sk_test_123")?;
/// assert!(client.config().user_agent().ends_with(" recorder"));
/// assert_eq!(client.transport().0, TransportSettings::default());
/// # }
/// # Ok::<(), easy_checkout_core::Error>(())
/// ```
///
/// [`Client::from_key`]: crate::client::Client::from_key
pub trait Adapter: Sized {
    /// The transport's name in the user agent (`easy-checkout-rust/0.1.0 ureq`).
    const USER_AGENT_SUFFIX: &'static str;

    /// A transport applying `settings`, trusting its default roots, doing no IO yet.
    fn from_settings(settings: TransportSettings) -> Self;
}

/// Default cap on a response body: 1 MiB. Embedded Checkout replies are a few KiB.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 1024 * 1024;

/// Reads `reader` to the end, failing with [`TransportErrorKind::BodyTooLarge`] as soon as
/// more than `limit` bytes arrive or `size_hint` (a `Content-Length`) announces more.
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
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::TimedOut => TransportError::new(TransportErrorKind::Timeout, e),
            _ => TransportError::new(TransportErrorKind::Io, e),
        })?;
    if read as u64 > limit {
        return Err(TransportError::body_too_large(limit));
    }
    Ok(body)
}

/// The limits every transport applies; Stripe's defaults (30 s to connect, 80 s per request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportSettings {
    /// Longest wait for the TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Longest a whole request may take, connect to last body byte.
    pub timeout: Duration,
    /// Largest response body read; a larger one is [`TransportErrorKind::BodyTooLarge`].
    pub max_body_bytes: u64,
}

impl Default for TransportSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(30),
            timeout: Duration::from_secs(80),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

impl TransportSettings {
    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the total per-request timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the response body cap.
    pub fn max_body_bytes(mut self, limit: u64) -> Self {
        self.max_body_bytes = limit;
        self
    }
}
