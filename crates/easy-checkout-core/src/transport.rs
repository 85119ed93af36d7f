//! The one seam between the core and the network: the [`Transport`] trait (and, feature
//! `async`, [`AsyncTransport`]), the limits every transport applies ([`TransportSettings`],
//! [`read_body_limited`]), the roots it trusts ([`RootCertificates`], feature `tls`), and
//! [`Adapter`], what a transport crate implements for the one-line constructors.
//!
//! A transport sends an `http::Request` and returns the `http::Response` with its whole
//! body, or a [`TransportError`]. It does not judge statuses: a 404 is a successful send.
//! ureq, isahc, reqwest, a user's own stack, or a plain closure all fit. What it must obey
//! about a request is decided by the builder ([`ops`](crate::ops): [`may_resend`],
//! [`sends_body`], [`bypasses_proxy`]); a transport never works it out again, and this
//! module itself opens no socket and reads no file.
//!
//! [`may_resend`]: crate::ops::may_resend
//! [`sends_body`]: crate::ops::sends_body
//! [`bypasses_proxy`]: crate::ops::bypasses_proxy

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response};

use crate::error::{TransportError, TransportErrorKind};

#[cfg(feature = "tls")]
mod roots;

#[cfg(feature = "tls")]
pub use roots::RootCertificates;

/// Sends requests: the one seam between the SDK and the network.
///
/// What a transport must do, for the SDK's guarantees to hold over it (the ureq, isahc and
/// reqwest transports do all of it; an HTTP client's defaults often do not):
///
/// - **Send the request as built** (method, target, headers, body; nothing added but what
///   HTTP/1.1 framing needs), and put a body on the wire as [`sends_body`](crate::ops::sends_body) says: no
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
/// - **Never send a request twice by itself** when [`may_resend`](crate::ops::may_resend) says no (a client that
///   retries a request on a fresh connection after a reused one died must not do it for
///   those), and **send such a request on a connection of its own**, never a pooled one the
///   server may be closing as it leaves (a keep-alive timeout): there it would fail unseen by
///   the server, with an outcome the caller could not tell. Mark with
///   [`TransportError::not_sent`] a refused connection, and only failures that certainly came
///   before the request went out.
/// - **Send no `http://` request through a proxy** ([`bypasses_proxy`](crate::ops::bypasses_proxy)); send `https://`
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

/// Sends requests, asynchronously (feature `async`): the async twin of [`Transport`], with
/// the same obligations (see there): among them no redirect followed (a default reqwest
/// client follows them and carries `x-easy-api-key` to the other host), every status returned
/// as a response with its whole body, a connect and a total timeout, a body cap, and no
/// resend of what [`may_resend`](crate::ops::may_resend) refuses. Implemented for closures
/// that return a future. `easy-checkout-reqwest` is one, on tokio; the conformance kit
/// (`easy-checkout-conformance`, `Kit::run_async`) checks every obligation against yours.
///
/// A call future dropped after its request went out (a `tokio::time::timeout`, a cancelled
/// task) ends with no error to tell you: a write's outcome is then unknown, as after
/// [`Error::outcome_unknown`](crate::error::Error::outcome_unknown).
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

/// What a transport crate implements so that the one-line constructors work over its
/// transport: [`Client::from_key`], [`Client::with_base_url`], [`Client::with_config`] and
/// [`Client::with_transport`] (and, feature `async`, the same on `AsyncClient`). A blocking
/// [`Transport`] and an [`AsyncTransport`] implement it alike: it says only how to make one
/// from [`TransportSettings`] and what to call it in the user agent.
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
/// [`Client::with_base_url`]: crate::client::Client::with_base_url
/// [`Client::with_config`]: crate::client::Client::with_config
/// [`Client::with_transport`]: crate::client::Client::with_transport
pub trait Adapter: Sized {
    /// The transport's name, appended to the SDK's user agent
    /// (`easy-checkout-rust/0.1.0 ureq`).
    const USER_AGENT_SUFFIX: &'static str;

    /// A transport applying `settings` and trusting its default roots. Must do no IO:
    /// connections open on the first request.
    fn from_settings(settings: TransportSettings) -> Self;
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
