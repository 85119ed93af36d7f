//! The [isahc](https://docs.rs/isahc) (libcurl) transport for the Easy Embedded Checkout
//! SDK: a blocking [`Client`] in one line, over one pooled [`isahc::HttpClient`].
//!
//! Everything else, the [`Transport`] contract included, is the core's ([`easy_checkout_core`]);
//! these docs say only what is libcurl's own. Calls block: see [`easy_checkout_core::Client`].
//!
//! ```no_run
//! // `sk_test_…` keys go to the sandbox, every other key to production. No IO yet: the
//! // libcurl client (and its background thread) starts on the first request.
//! let client = easy_checkout_isahc::from_key("sk_test_123")?;
//! let config = client.embedded_checkout().get_config()?; // every call: see the core
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What libcurl does
//!
//! Timeouts are at least 1 ms (libcurl reads 0 as "none"); no decompression, no
//! `Expect: 100-continue`, HTTP/1.1 only. `https://` requests use the proxy of `https_proxy`,
//! `ALL_PROXY` and `NO_PROXY`, as libcurl reads them. isahc's `User-Agent`, libcurl's
//! `Accept: */*` and its form content type go only on a request that has none (the core sets
//! all three).
//!
//! - **No resend.** libcurl sends a request again by itself when a reused connection dies
//!   before any reply byte. So a request that must not go out twice ([`may_resend`] is false)
//!   goes through a second client without a connection cache: a connection of its own,
//!   closed after it. Every other request keeps libcurl's resend, and so every failure of one
//!   may have come after it went out: only a `Connect` or `Tls` failure on a connection of its
//!   own is marked not sent.
//! - **Cut heads.** libcurl ends a transfer cut inside the response head without an error, and
//!   isahc hands over what arrived with an empty body. So a response with no body byte is
//!   taken only when its head declares none (a `204` or `304`, a `HEAD`, `Content-Length:
//!   0`); any other, and any `1xx`, is an [`Io`](TransportErrorKind::Io) error. The price: a
//!   whole reply with an undeclared empty body is an error too; the Easy API always declares
//!   its empty bodies.
//!
//! # A caller's client
//!
//! [`IsahcTransport::from_client_builder`] sends over clients your builder configures (a
//! proxy, a private CA, TLS settings), with the rules set on each request: your client as it
//! is, and one more with `connection_cache_size(0)` for the requests that must not be sent
//! twice. isahc can neither forbid reuse per request nor copy a built client's configuration,
//! so there is no constructor from a built `HttpClient`. Not enforced, because only the client
//! decides them: its default headers go on a request that lacks them, its cookie jar and
//! credentials are used.
//!
//! # Root certificates and features
//!
//! `native-tls` (the default) is libcurl over the system's OpenSSL and trust store (building
//! needs a C compiler, `pkg-config` and the OpenSSL headers); `static-curl` always builds the
//! bundled libcurl and links it statically. Without TLS only `http://` (loopback) base URLs
//! work; isahc's rustls would compile libcurl against rustls-ffi and aws-lc, so
//! `easy-checkout-ureq` is the pure-Rust choice.
//!
//! [`IsahcTransport::with_roots`] adds roots of your own: libcurl gets one in-memory PEM bundle
//! (`CURLOPT_CAINFO_BLOB`) of the system's CA file (`SSL_CERT_FILE`, libcurl's built-in path,
//! or the one the `curl` crate finds, read on the first request) and the added roots, since
//! the bundle replaces that file. Trusting the added roots alone is refused: isahc cannot
//! unset the CA directory (`CURLOPT_CAPATH`), which libcurl still reads.
//!
//! ```no_run
//! use easy_checkout_isahc::{IsahcTransport, RootCertificates, TransportSettings};
//!
//! let pem = std::fs::read("private-ca.pem")?;
//! let roots = RootCertificates::default().add_pem(pem)?; // checked now
//! let transport = IsahcTransport::with_roots(TransportSettings::default(), roots)?;
//! let config = easy_checkout_isahc::easy_checkout_core::Config::new("sk_live_123".parse()?);
//! let client = easy_checkout_isahc::with_transport(config, transport);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Logging and errors
//!
//! At `trace` level, isahc's [`tracing`](https://docs.rs/tracing) output includes libcurl's
//! raw request headers, `x-easy-api-key` among them: keep `isahc` below `trace` where logs
//! are kept. Each failure is a [`TransportError`] with the isahc error as its `source`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

use std::error::Error as _;
use std::fmt;
use std::io::{self, Read};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use easy_checkout_core::http;
use easy_checkout_core::ops::{bypasses_proxy, may_resend, sends_body};
use easy_checkout_core::transport::read_body_limited;
use easy_checkout_core::{Adapter, Config, Error};
use easy_checkout_core::{InvalidInput, Transport, TransportError, TransportErrorKind};
use isahc::HttpClient;
use isahc::config::{Configurable, ExpectContinue, RedirectPolicy, VersionNegotiation};

pub use easy_checkout_core;
pub use easy_checkout_core::{RootCertificates, TransportSettings};

/// The blocking Easy client over isahc.
pub type Client = easy_checkout_core::Client<IsahcTransport>;

/// The name appended to the SDK's user agent (`easy-checkout-rust/0.1.0 isahc`).
pub const USER_AGENT_SUFFIX: &str = "isahc";

/// A [`Transport`] over one [`isahc::HttpClient`].
///
/// Cheap to clone: clones share the client and so its connection cache. The client is
/// created on the first request (should that fail, the request fails as
/// [`Other`](TransportErrorKind::Other) and the next one tries again), the second client (see
/// the crate docs, "No resend") on the first request that needs it; each runs a libcurl
/// background thread.
#[derive(Clone, Default)]
pub struct IsahcTransport {
    pooled: Arc<OnceLock<HttpClient>>,
    /// For requests that must not be sent twice: no connection cache, every connection
    /// closed after its request, so libcurl never has a reused connection to resend over.
    fresh: Arc<OnceLock<HttpClient>>,
    settings: TransportSettings,
    /// What the transport's own clients trust.
    roots: RootCertificates,
    /// Whether the clients are a caller's, whose configuration is theirs: the rules then go
    /// on each request.
    callers_clients: bool,
}

impl IsahcTransport {
    /// A transport with [`TransportSettings::default()`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A transport applying `settings`. Does no IO and starts no thread.
    pub fn with_settings(settings: TransportSettings) -> Self {
        Self {
            settings,
            ..Self::default()
        }
    }

    /// A transport applying `settings` that verifies servers against the system's trust
    /// store plus the certificates `roots` adds (see the crate docs, "Root certificates").
    /// Refused when `roots` leaves out the defaults. Does no IO and starts no thread.
    pub fn with_roots(
        settings: TransportSettings,
        roots: RootCertificates,
    ) -> Result<Self, InvalidInput> {
        if !roots.uses_defaults() {
            return Err(InvalidInput::new(
                "root_certificates",
                "cannot leave out the system's roots with isahc: libcurl keeps trusting its CA \
                 directory (CURLOPT_CAPATH), which isahc cannot unset; add roots to the \
                 defaults, or use easy-checkout-ureq to trust the given roots only",
            ));
        }
        Ok(Self {
            roots,
            ..Self::with_settings(settings)
        })
    }

    /// A transport over the two clients the caller's `builder` configures (see the crate docs,
    /// "A caller's client"): every request, a keyless `confirm` included, gets the caller's
    /// proxy, roots and TLS settings. Builds both now; fails as isahc's `build` fails, or on a
    /// libcurl the transport cannot work with.
    ///
    /// ```
    /// use easy_checkout_isahc::{IsahcTransport, TransportSettings};
    /// use isahc::config::{Configurable, RedirectPolicy};
    ///
    /// // Configured to follow redirects: per request, the SDK's requests never do.
    /// let transport = IsahcTransport::from_client_builder(
    ///     || isahc::HttpClient::builder().redirect_policy(RedirectPolicy::Follow),
    ///     TransportSettings::default(),
    /// )?;
    /// let config = easy_checkout_isahc::easy_checkout_core::Config::new("sk_test_123".parse()?);
    /// let client = easy_checkout_isahc::with_transport(config, transport);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_client_builder(
        builder: impl Fn() -> isahc::HttpClientBuilder,
        settings: TransportSettings,
    ) -> Result<Self, TransportError> {
        check_libcurl()?;
        let pooled = builder().build().map_err(map_error)?;
        let fresh = builder()
            .connection_cache_size(0)
            .build()
            .map_err(map_error)?;
        Ok(Self {
            pooled: Arc::new(OnceLock::from(pooled)),
            fresh: Arc::new(OnceLock::from(fresh)),
            callers_clients: true,
            ..Self::with_settings(settings)
        })
    }

    /// The settings this transport applies.
    pub fn settings(&self) -> &TransportSettings {
        &self.settings
    }

    /// Sets on `parts` no proxy when `no_proxy`, and the SDK's rules on a caller's client: isahc
    /// takes a request's own configuration only from a request builder, into its extensions.
    fn configure(&self, parts: &mut http::request::Parts, no_proxy: bool) {
        let mut builder = http::Request::builder();
        if no_proxy {
            builder = builder.proxy(None);
        }
        if self.callers_clients {
            builder = with_rules(builder, &self.settings);
        }
        if let Some(config) = builder.extensions_mut() {
            parts.extensions.extend(std::mem::take(config));
        }
    }

    /// The shared `pooled` client, or the one that never reuses a connection; built on first
    /// use (unless it is the caller's).
    fn client(&self, pooled: bool) -> Result<&HttpClient, TransportError> {
        let cell = if pooled { &self.pooled } else { &self.fresh };
        if let Some(client) = cell.get() {
            return Ok(client);
        }
        // Nothing is sent without a client.
        let built =
            build_client(&self.settings, &self.roots, pooled).map_err(TransportError::not_sent)?;
        // Should another thread have been first, its client is kept and this one dropped.
        Ok(cell.get_or_init(|| built))
    }
}

impl fmt::Debug for IsahcTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whose = if self.callers_clients {
            "Callers"
        } else {
            "Own"
        };
        f.debug_struct("IsahcTransport")
            .field("settings", &self.settings)
            .field("client", &format_args!("{whose}"))
            .field("roots", &self.roots)
            .field("started", &self.pooled.get().is_some())
            .field("started_unpooled", &self.fresh.get().is_some())
            .finish()
    }
}

/// libcurl reads a timeout of 0 ms as "none": anything shorter than 1 ms becomes 1 ms.
fn curl_timeout(timeout: Duration) -> Duration {
    timeout.max(Duration::from_millis(1))
}

fn build_client(
    settings: &TransportSettings,
    roots: &RootCertificates,
    pooled: bool,
) -> Result<HttpClient, TransportError> {
    check_libcurl()?;
    let builder = HttpClient::builder();
    // Size 0 also sets CURLOPT_FORBID_REUSE: each connection is closed after its request.
    let builder = if pooled {
        builder
    } else {
        builder.connection_cache_size(0)
    };
    #[cfg(feature = "native-tls")]
    let builder = if roots.is_default() {
        builder
    } else {
        builder.tls_config(tls_config(roots))
    };
    // Without TLS no root is ever used: an `https://` request fails.
    #[cfg(not(feature = "native-tls"))]
    let _ = roots;
    with_rules(builder, settings).build().map_err(map_error)
}

/// The SDK's rules, on a client builder (the transport's own clients) or on a request (a
/// caller's client: per request, they override its configuration).
fn with_rules<C: Configurable>(configurable: C, settings: &TransportSettings) -> C {
    configurable
        // isahc's default is 300 s.
        .connect_timeout(curl_timeout(settings.connect_timeout))
        // isahc's default is none. libcurl counts from the start to the last body byte.
        .timeout(curl_timeout(settings.timeout))
        // isahc's default, made explicit: a 3xx is returned, never followed.
        .redirect_policy(RedirectPolicy::None)
        // isahc's default decompresses and sends `Accept-Encoding`: the body is to come back
        // as sent, and the cap to count the bytes on the wire.
        .automatic_decompression(false)
        // No `Expect: 100-continue` (and no 1 s wait for a 100) on bodies libcurl deems large.
        .expect_continue(ExpectContinue::disabled())
        // HTTP/1.1, kept alive; no HTTP/2 attempt.
        .version_negotiation(VersionNegotiation::http11())
}

/// libcurl's trust for `roots` (see the crate docs, "Root certificates"): the bundle replaces
/// the CA file (`CURLOPT_CAINFO_BLOB` overrides `CURLOPT_CAINFO`, libcurl's `openssl.c`).
#[cfg(feature = "native-tls")]
fn tls_config(roots: &RootCertificates) -> isahc::tls::TlsConfig {
    let mut store = isahc::tls::TrustStore::builder();
    if let Some(system) = system_ca_file().and_then(|path| std::fs::read(path).ok()) {
        store = store
            .certificate_from_pem(system)
            .certificate_from_pem("\n");
    }
    for der in roots.added() {
        store = store.certificate_from_der(der);
    }
    isahc::tls::TlsConfig::builder()
        .trust_store(store.build())
        .build()
}

/// The CA file libcurl reads by default: `SSL_CERT_FILE` (which isahc honours before
/// anything else), else libcurl's built-in path (a system libcurl), else the file the `curl`
/// crate sets on every handle of a bundled libcurl (found by `openssl-probe`).
#[cfg(feature = "native-tls")]
fn system_ca_file() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("SSL_CERT_FILE").filter(|p| !p.is_empty()) {
        return Some(path.into());
    }
    if let Some(path) = curl::Version::get().cainfo() {
        return Some(path.into());
    }
    #[cfg(unix)]
    return openssl_probe::probe().cert_file;
    #[cfg(not(unix))]
    return None;
}

/// isahc panics when it meets a libcurl it cannot work with; refuse with an error instead.
fn check_libcurl() -> Result<(), TransportError> {
    let version = curl::Version::get();
    let refusal = if version.version_num() == 0x08_14_00 {
        "the linked libcurl is 8.20.0, whose DNS resolution can hang; build with the \
         `static-curl` feature or link another libcurl"
    } else if !version.protocols().any(|p| p == "http") {
        "the linked libcurl does not support HTTP"
    } else {
        return Ok(());
    };
    Err(TransportError::msg(TransportErrorKind::Other, refusal))
}

impl Transport for IsahcTransport {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        // isahc panics on a header value that is not text; refuse it instead.
        if let Some((name, _)) = request.headers().iter().find(|(_, v)| v.to_str().is_err()) {
            let refusal = format!("the value of the `{name}` header is not visible ASCII");
            return Err(TransportError::msg(TransportErrorKind::Other, refusal).not_sent());
        }
        // Without TLS in libcurl an https URL would fail as an "unsupported protocol", the
        // same words libcurl uses for a reply that is not HTTP: say what is missing instead.
        if request.uri().scheme() == Some(&http::uri::Scheme::HTTPS)
            && !curl::Version::get().feature_ssl()
        {
            let refusal = "libcurl was built without TLS: enable the `native-tls` feature";
            return Err(TransportError::msg(TransportErrorKind::Tls, refusal).not_sent());
        }
        // See the crate docs, "No resend".
        let pooled = may_resend(&request);
        let client = self.client(pooled)?;
        let before_reply = |e| sent_or_not(map_error(e), pooled);
        let no_proxy = bypasses_proxy(&request);
        let with_body = sends_body(&request);
        let head = request.method() == http::Method::HEAD;
        let (mut parts, body) = request.into_parts();
        let body = if with_body {
            isahc::Body::from(body)
        } else {
            isahc::Body::empty()
        };
        self.configure(&mut parts, no_proxy);
        let request = http::Request::from_parts(parts, body);
        let response = client.send(request).map_err(before_reply)?;

        let (parts, body) = response.into_parts();
        let length = body.len();
        let mut reader = Capture {
            inner: body,
            error: None,
        };
        let bytes =
            read_body_limited(&mut reader, self.settings.max_body_bytes, length).map_err(|e| {
                match reader.error.take() {
                    // The read failed in isahc: classify its own error, not the `io::Error`
                    // shell. A reply had begun: the request went out.
                    Some(cause) if e.kind() != TransportErrorKind::BodyTooLarge => {
                        map_error(cause).maybe_sent()
                    }
                    _ => e,
                }
            })?;
        // A head cut short comes as a response with no body: see `may_have_no_body`.
        if bytes.is_empty() && !may_have_no_body(head, parts.status, &parts.headers) {
            let cut = io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "the connection closed before the end of the response head (libcurl \
                     passed on a {} with no body and no `Content-Length: 0`)",
                    parts.status.as_u16()
                ),
            );
            return Err(TransportError::new(TransportErrorKind::Io, cut));
        }
        Ok(http::Response::from_parts(parts, bytes))
    }
}

/// Whether a response that came with no body byte can be whole: whether its head declares
/// no body (see the crate docs, "Cut heads"). The head is all there is to go on: libcurl
/// (8.22, `lib/http.c`) ends a transfer cut inside the head without an error once one line of
/// it arrived (`Curl_http_write_resp` passes the end to the body writers only after the head,
/// so neither the `Content-Length` check nor the chunked decoder runs), and isahc exposes
/// nothing that says whether the head ended. With a finished head, libcurl itself fails a
/// short body (`CURLE_PARTIAL_FILE`), so a response with a body byte always had a whole head.
fn may_have_no_body(head: bool, status: http::StatusCode, headers: &http::HeaderMap) -> bool {
    if status.is_informational() {
        return false;
    }
    if head || status == http::StatusCode::NO_CONTENT || status == http::StatusCode::NOT_MODIFIED {
        return true;
    }
    let mut lengths = headers
        .get_all(http::header::CONTENT_LENGTH)
        .iter()
        .peekable();
    lengths.peek().is_some()
        && lengths.all(|v| v.to_str().is_ok_and(|v| v.trim().parse::<u64>() == Ok(0)))
}

/// A reader that keeps the isahc error behind a failed read.
struct Capture<R> {
    inner: R,
    error: Option<isahc::Error>,
}

impl<R: Read> Read for Capture<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            if let Some(cause) = e.get_ref().and_then(|c| c.downcast_ref::<isahc::Error>()) {
                self.error = Some(cause.clone());
            }
        })
    }
}

/// Classifies an isahc error, keeping it as the source. Whether the request went out is
/// decided by [`sent_or_not`].
fn map_error(error: isahc::Error) -> TransportError {
    use TransportErrorKind as K;
    use isahc::error::ErrorKind as I;
    // isahc files a failed TLS handshake (CURLE_SSL_CONNECT_ERROR) under `ConnectionFailed`.
    let handshake = error
        .source()
        .and_then(|s| s.downcast_ref::<curl::Error>())
        .is_some_and(curl::Error::is_ssl_connect_error);
    let kind = match error.kind() {
        _ if handshake => K::Tls,
        I::Timeout => K::Timeout,
        I::ConnectionFailed | I::NameResolution => K::Connect,
        I::BadServerCertificate
        | I::BadClientCertificate
        | I::TlsEngine
        | I::InvalidTlsConfiguration => K::Tls,
        // `ProtocolViolation` is also how libcurl reports a connection closed before any
        // reply (CURLE_GOT_NOTHING): the reply could not be read off this connection.
        I::Io | I::ProtocolViolation => K::Io,
        _ => K::Other,
    };
    TransportError::new(kind, error)
}

/// Marks `error` not sent only where that is certain: a connect or TLS failure on a connection
/// of its own. On the pooled client libcurl may have delivered the request over a reused
/// connection, seen it die before the reply, and failed only when it connected again.
fn sent_or_not(error: TransportError, pooled: bool) -> TransportError {
    match error.kind() {
        TransportErrorKind::Connect | TransportErrorKind::Tls if !pooled => error.not_sent(),
        _ => error.maybe_sent(),
    }
}

impl Adapter for IsahcTransport {
    const USER_AGENT_SUFFIX: &'static str = USER_AGENT_SUFFIX;

    fn from_settings(settings: TransportSettings) -> Self {
        Self::with_settings(settings)
    }
}

/// [`Client::from_key`] over isahc.
pub fn from_key(api_key: &str) -> Result<Client, Error> {
    Client::from_key(api_key)
}

/// A client configured from the process environment ([`Config::from_lookup`]).
pub fn from_env() -> Result<Client, Error> {
    let config = Config::from_lookup(|name| std::env::var_os(name))?;
    Ok(Client::with_config(config, TransportSettings::default()))
}

/// [`Client::with_base_url`] over isahc.
pub fn with_base_url(api_key: &str, base_url: &str) -> Result<Client, Error> {
    Client::with_base_url(api_key, base_url)
}

/// [`Client::with_config`] over isahc.
pub fn with_config(config: Config, settings: TransportSettings) -> Client {
    Client::with_config(config, settings)
}

/// [`Client::with_transport`]: over an [`IsahcTransport`] with added roots, or your own clients.
pub fn with_transport(config: Config, transport: IsahcTransport) -> Client {
    Client::with_transport(config, transport)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each isahc error kind's kind, and whether it is marked not sent on a connection of its
    /// own; on the pooled client nothing is, as libcurl may have delivered the request before
    /// reconnecting. A timeout may be the total one, after the request went out.
    #[test]
    fn error_table() {
        use TransportErrorKind as K;
        use isahc::error::ErrorKind as I;
        for (kind, expected, not_sent) in [
            (I::Timeout, K::Timeout, false),
            (I::ConnectionFailed, K::Connect, true),
            (I::NameResolution, K::Connect, true),
            (I::BadServerCertificate, K::Tls, true),
            (I::BadClientCertificate, K::Tls, true),
            (I::TlsEngine, K::Tls, true),
            (I::InvalidTlsConfiguration, K::Tls, true),
            (I::Io, K::Io, false),
            (I::ProtocolViolation, K::Io, false),
            (I::InvalidRequest, K::Other, false),
            (I::ClientInitialization, K::Other, false),
            (I::TooManyRedirects, K::Other, false),
        ] {
            let error = || map_error(isahc::Error::from(kind.clone()));
            assert_eq!(error().kind(), expected, "{kind:?}");
            let own = sent_or_not(error(), false);
            assert_eq!(own.certainly_not_sent(), not_sent, "{kind:?}");
            assert!(
                !sent_or_not(error(), true).certainly_not_sent(),
                "{kind:?} pooled"
            );
        }
    }

    #[test]
    fn only_a_head_that_declares_no_body_may_come_without_one() {
        use http::StatusCode as S;
        const LENGTH: &str = "content-length";
        /// A HEAD, the status, the headers, and whether it may come without a body.
        type Case = (bool, S, &'static [(&'static str, &'static str)], bool);
        let cases: [Case; 14] = [
            // Declared empty: a whole reply.
            (false, S::NO_CONTENT, &[], true),
            (false, S::NOT_MODIFIED, &[], true),
            (true, S::OK, &[(LENGTH, "10")], true),
            (false, S::OK, &[(LENGTH, "0")], true),
            (false, S::NOT_FOUND, &[(LENGTH, "0")], true),
            (false, S::OK, &[(LENGTH, " 0 "), (LENGTH, "0")], true),
            // Not declared: what a head cut short looks like.
            (false, S::OK, &[], false),
            (false, S::SERVICE_UNAVAILABLE, &[], false),
            (false, S::OK, &[(LENGTH, "5")], false),
            (false, S::OK, &[(LENGTH, "0"), (LENGTH, "5")], false),
            (false, S::OK, &[(LENGTH, "zero")], false),
            (false, S::OK, &[("transfer-encoding", "chunked")], false),
            // An interim status is never a whole reply, whatever it declares.
            (false, S::CONTINUE, &[(LENGTH, "0")], false),
            (true, S::CONTINUE, &[], false),
        ];
        for (head, status, pairs, expected) in cases {
            let mut headers = http::HeaderMap::new();
            for &(name, value) in pairs {
                headers.append(name, value.parse().expect("a header value"));
            }
            assert_eq!(
                may_have_no_body(head, status, &headers),
                expected,
                "{head} {status} {pairs:?}"
            );
        }
    }

    /// The clients are built on first use, the unpooled one apart, and shared by clones; a
    /// header isahc cannot send is refused before either is built.
    #[test]
    fn clients_are_lazy_separate_and_shared_by_clones() {
        let mut request = http::Request::post("http://127.0.0.1:9/x")
            .body(b"{}".to_vec())
            .expect("a request");
        request.headers_mut().insert(
            "x-note",
            http::HeaderValue::from_bytes(b"caf\xc3\xa9").expect("obs-text is a header value"),
        );
        let transport = IsahcTransport::new();
        let error = transport.send(request).expect_err("refused");
        assert_eq!(error.kind(), TransportErrorKind::Other);
        assert!(error.certainly_not_sent());
        let debug = format!("{transport:?}");
        assert!(debug.contains("started: false") && debug.contains("started_unpooled: false"));

        let clone = transport.clone();
        let a: *const HttpClient = clone.client(true).expect("client");
        let b: *const HttpClient = transport.client(true).expect("client");
        assert_eq!(a, b);
        let debug = format!("{transport:?}");
        assert!(debug.contains("started: true") && debug.contains("started_unpooled: false"));
        let fresh: *const HttpClient = clone.client(false).expect("client");
        assert_ne!(a, fresh);
        let again: *const HttpClient = transport.client(false).expect("client");
        assert_eq!(fresh, again);
        assert!(format!("{transport:?}").contains("started_unpooled: true"));
    }

    #[test]
    fn timeouts_under_a_millisecond_become_one_millisecond() {
        let ms = Duration::from_millis(1);
        assert_eq!(curl_timeout(Duration::ZERO), ms);
        assert_eq!(curl_timeout(Duration::from_nanos(1)), ms);
        assert_eq!(curl_timeout(Duration::from_micros(999)), ms);
        assert_eq!(curl_timeout(ms), ms);
        let longer = Duration::from_millis(1500);
        assert_eq!(curl_timeout(longer), longer);
    }

    #[test]
    fn a_one_nanosecond_timeout_fires() {
        // Accepts (the backlog does) and never answers.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/silent", listener.local_addr().expect("addr"));
        let transport = IsahcTransport::with_settings(
            TransportSettings::default()
                .connect_timeout(Duration::from_nanos(1))
                .timeout(Duration::from_nanos(1)),
        );
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let request = http::Request::get(url).body(Vec::new()).expect("request");
            let _ = tx.send(transport.send(request).map(|r| r.status()));
        });
        let error = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("libcurl took the timeout for none")
            .expect_err("nothing answers");
        assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error:?}");
    }
}
