//! The [ureq](https://docs.rs/ureq) transport for the Easy Embedded Checkout SDK: a blocking
//! [`Client`] in one line, over one pooled [`ureq::Agent`]. Pure Rust, TLS through rustls.
//!
//! Everything else, the [`Transport`] contract included, is the core's ([`easy_checkout_core`]);
//! these docs say only what is ureq's own. Calls block: see [`easy_checkout_core::Client`].
//!
//! ```no_run
//! // `sk_test_…` keys go to the sandbox, every other key to production. No IO yet.
//! let client = easy_checkout_ureq::from_key("sk_test_123")?;
//! let config = client.embedded_checkout().get_config()?; // every call: see the core
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What ureq does
//!
//! ureq adds no `Accept`, no `Accept-Encoding` (so it decompresses nothing) and, on its own
//! agent, no `User-Agent`. `https://` requests use the proxy of `ALL_PROXY`, `HTTPS_PROXY`,
//! `HTTP_PROXY` and `NO_PROXY`, as ureq reads them. ureq never resends a request by itself; one
//! that must not go out twice gets a connection of its own: ureq keeps a request whose
//! connection settings differ from its agent's off the pool, so it gets an input buffer one
//! byte larger. ureq's one leniency: a chunked body whose last chunk arrived, but not the
//! blank line after it, is taken as whole.
//!
//! # A caller's agent
//!
//! [`UreqTransport::from_agent`] sends over an agent you configured (proxy, resolver,
//! connector, roots, client certificate) with the SDK's rules set on each request. Not
//! enforced, because only the agent decides them: its middleware runs on every request (one
//! that resends, rewrites or follows redirects does so), its user agent goes on a request that
//! has none, and its other limits (per read, per write, `https_only`, header size) can only
//! make a request fail sooner.
//!
//! # Root certificates and features
//!
//! `rustls` (the default) compiles Mozilla's roots in (`webpki-roots`); `native-tls` (which
//! wins when both are on) uses the platform's TLS and trust store; with neither, `https://`
//! fails as [`Tls`](TransportErrorKind::Tls). [`UreqTransport::with_roots`] adds roots of your
//! own, or trusts them alone ([`RootCertificates::without_defaults`]). ureq takes its default
//! roots or a list, so added roots go after Mozilla's, as certificates (`webpki-root-certs`);
//! with `native-tls` that list replaces the system's store.
//!
//! ```no_run
//! use easy_checkout_ureq::{RootCertificates, TransportSettings, UreqTransport};
//!
//! let pem = std::fs::read("private-ca.pem")?;
//! let roots = RootCertificates::default().add_pem(pem)?; // checked now
//! let transport = UreqTransport::with_roots(TransportSettings::default(), roots);
//! let config = easy_checkout_ureq::easy_checkout_core::Config::new("sk_live_123".parse()?);
//! let client = easy_checkout_ureq::with_transport(config, transport);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Logging and errors
//!
//! At `trace` level ureq logs raw request headers, `x-easy-api-key` among them: keep `ureq`
//! and `ureq_proto` below `trace` where logs are kept. Each failure is a [`TransportError`]
//! with the ureq error as its `source`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

use std::fmt;
use std::io;

use easy_checkout_core::http;
use easy_checkout_core::ops::{bypasses_proxy, may_resend, sends_body};
use easy_checkout_core::{Adapter, Config, Error};
use easy_checkout_core::{Transport, TransportError, TransportErrorKind};
use ureq::config::AutoHeaderValue;

pub use easy_checkout_core;
pub use easy_checkout_core::{RootCertificates, TransportSettings};

/// The blocking Easy client over ureq.
pub type Client = easy_checkout_core::Client<UreqTransport>;

/// The name appended to the SDK's user agent (`easy-checkout-rust/0.1.0 ureq`).
pub const USER_AGENT_SUFFIX: &str = "ureq";

/// The SDK's rules, on an agent's configuration or on one request's: the one list of them.
/// A macro because ureq's two configuration builders (`ConfigBuilder<AgentScope>`,
/// `ConfigBuilder<HttpCrateScope<_>>`) share their setters through a sealed trait, which no
/// generic function outside ureq can name.
macro_rules! with_rules {
    ($config:expr, $settings:expr) => {
        $config
            // A 4xx/5xx is a response, with its body, not an error.
            .http_status_as_error(false)
            // Never follow a redirect: the 3xx itself comes back (with 0, ureq returns it
            // rather than `TooManyRedirects`; the second call makes that explicit).
            .max_redirects(0)
            .max_redirects_will_error(false)
            // Send exactly the request's headers: no `*/*` accept, no accept-encoding (so no
            // decompression either). The user agent is the agent's alone: ureq pools a request
            // that sets its own apart (`Config::can_share_pool_with`).
            .accept(AutoHeaderValue::None)
            .accept_encoding(AutoHeaderValue::None)
            .timeout_connect(Some($settings.connect_timeout))
            .timeout_global(Some($settings.timeout))
    };
}

/// A [`Transport`] over one [`ureq::Agent`].
///
/// Cheap to clone: clones share the agent, and so its connection pool.
#[derive(Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
    settings: TransportSettings,
    /// Whether the agent is a caller's, whose configuration is theirs: the rules then go on
    /// each request.
    callers_agent: bool,
}

impl UreqTransport {
    /// A transport with [`TransportSettings::default()`].
    pub fn new() -> Self {
        Self::with_settings(TransportSettings::default())
    }

    /// A transport applying `settings`. Does no IO: connections open on the first request.
    pub fn with_settings(settings: TransportSettings) -> Self {
        Self::with_roots(settings, RootCertificates::default())
    }

    /// A transport applying `settings` that verifies servers against `roots` (see the crate
    /// docs). Does no IO.
    pub fn with_roots(settings: TransportSettings, roots: RootCertificates) -> Self {
        let config = with_rules!(ureq::Agent::config_builder(), settings)
            // No `ureq/x.y` user agent on a request without one (the core's always has one).
            .user_agent(AutoHeaderValue::None);
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        let config = config.tls_config(tls_config(&roots));
        // Without TLS no root is ever used: an `https://` request fails.
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        let _ = roots;
        Self {
            agent: config.build().new_agent(),
            settings,
            callers_agent: false,
        }
    }

    /// A transport over the caller's own `agent`, with the SDK's rules set on each request (see
    /// the crate docs, "A caller's agent"). Does no IO.
    ///
    /// ```
    /// use easy_checkout_ureq::{TransportSettings, UreqTransport};
    ///
    /// // Configured to follow redirects: per request, the SDK's requests never do.
    /// let agent: ureq::Agent = ureq::Agent::config_builder().max_redirects(5).build().into();
    /// let transport = UreqTransport::from_agent(agent, TransportSettings::default());
    /// ```
    pub fn from_agent(agent: ureq::Agent, settings: TransportSettings) -> Self {
        Self {
            agent,
            settings,
            callers_agent: true,
        }
    }

    /// The settings this transport applies.
    pub fn settings(&self) -> &TransportSettings {
        &self.settings
    }

    /// Runs `request` on the agent, configured per request where it must be.
    fn run<B: ureq::AsSendBody>(
        &self,
        request: http::Request<B>,
        own_connection: bool,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        let no_proxy = bypasses_proxy(&request);
        if !self.callers_agent && !no_proxy && !own_connection {
            return self.agent.run(request);
        }
        let mut config = self.agent.configure_request(request);
        if no_proxy {
            config = config.proxy(None);
        }
        if self.callers_agent {
            config = with_rules!(config, self.settings);
        }
        if own_connection {
            // Off the pool (see the crate docs): the one such setting that changes nothing on
            // the wire.
            let size = self.agent.config().input_buffer_size();
            config = config.input_buffer_size(size.checked_add(1).unwrap_or(size - 1));
        }
        self.agent.run(config.build())
    }
}

impl Default for UreqTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let agent = if self.callers_agent { "Callers" } else { "Own" };
        f.debug_struct("UreqTransport")
            .field("settings", &self.settings)
            .field("agent", &format_args!("{agent}"))
            .finish_non_exhaustive()
    }
}

/// The TLS provider the enabled features ask for, with the roots it can use. Set
/// explicitly: ureq never picks native-tls by itself, and a root choice whose feature is off
/// would panic inside ureq.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn tls_config(roots: &RootCertificates) -> ureq::tls::TlsConfig {
    use ureq::tls::{TlsConfig, TlsProvider};

    let builder = TlsConfig::builder();
    #[cfg(feature = "native-tls")]
    let builder = builder.provider(TlsProvider::NativeTls);
    #[cfg(not(feature = "native-tls"))]
    let builder = builder.provider(TlsProvider::Rustls);
    builder.root_certs(root_certs(roots)).build()
}

/// The roots to verify against: the provider's defaults when nothing is added; otherwise the
/// added certificates, after Mozilla's roots (as certificates, `webpki-root-certs`) when the
/// defaults are kept.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn root_certs(roots: &RootCertificates) -> ureq::tls::RootCerts {
    use ureq::tls::{Certificate, RootCerts};

    if roots.is_default() {
        #[cfg(feature = "native-tls")]
        return RootCerts::PlatformVerifier;
        #[cfg(not(feature = "native-tls"))]
        return RootCerts::WebPki;
    }
    let defaults = webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter();
    let defaults = defaults
        .filter(|_| roots.uses_defaults())
        .map(|der| Certificate::from_der(der));
    let added = roots
        .added()
        .map(|der| Certificate::from_der(der).to_owned());
    RootCerts::from(defaults.chain(added))
}

impl Transport for UreqTransport {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let with_body = sends_body(&request);
        let own_connection = !may_resend(&request);
        let (parts, body) = request.into_parts();
        let sent = if with_body {
            self.run(http::Request::from_parts(parts, body), own_connection)
        } else {
            self.run(http::Request::from_parts(parts, ()), own_connection)
        };
        let response = sent.map_err(|e| map_error(e, Phase::Exchange))?;

        let (parts, mut body) = response.into_parts();
        let limit = self.settings.max_body_bytes;
        if body.content_length().is_some_and(|n| n > limit) {
            return Err(TransportError::body_too_large(limit));
        }
        let bytes = body
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| map_error(e, Phase::Body { limit }))?;
        Ok(http::Response::from_parts(parts, bytes))
    }
}

/// Where a ureq error arose: the exchange up to the response head, or reading the body.
#[derive(Clone, Copy)]
enum Phase {
    Exchange,
    Body { limit: u64 },
}

/// Classifies a ureq error, keeping it as the source. Only a failure that certainly came
/// before any byte of the request was written is marked not sent: never one while reading the
/// body, when the request is long gone.
fn map_error(error: ureq::Error, phase: Phase) -> TransportError {
    if let (ureq::Error::BodyExceedsLimit(_), Phase::Body { limit }) = (&error, phase) {
        return TransportError::body_too_large(limit);
    }
    let (kind, before_sending) = classify(&error);
    let error = TransportError::new(kind, error);
    if before_sending && matches!(phase, Phase::Exchange) {
        error.not_sent()
    } else {
        error.maybe_sent()
    }
}

/// The kind of a ureq error, and whether it certainly came before the request went out
/// (while resolving, connecting, setting up TLS or checking the request).
fn classify(error: &ureq::Error) -> (TransportErrorKind, bool) {
    use TransportErrorKind as K;
    match error {
        ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => (K::Timeout, true),
        ureq::Error::Timeout(_) => (K::Timeout, false),
        ureq::Error::Io(e) => classify_io(e),
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::ConnectProxyFailed(_) => (K::Connect, true),
        // Raised by the TLS configuration and the handshake only; errors on an open TLS
        // connection come as `Io`.
        ureq::Error::Tls(_) | ureq::Error::TlsRequired => (K::Tls, true),
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        ureq::Error::Pem(_) => (K::Tls, true),
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(_) => (K::Tls, true),
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(_) | ureq::Error::Der(_) => (K::Tls, true),
        // The server sent something that is not HTTP/1.1, or headers without end, or stopped
        // mid-message: the reply could not be read off this connection.
        ureq::Error::Protocol(_)
        | ureq::Error::LargeResponseHeader(..)
        | ureq::Error::BodyStalled => (K::Io, false),
        ureq::Error::BadUri(_)
        | ureq::Error::RequireHttpsOnly(_)
        | ureq::Error::InvalidProxyUrl => (K::Other, true),
        // `BodyExceedsLimit` on the way out among them: a body longer than its
        // `Content-Length`.
        _ => (K::Other, false),
    }
}

/// [`classify`] for an I/O error.
fn classify_io(error: &io::Error) -> (TransportErrorKind, bool) {
    use TransportErrorKind as K;
    #[cfg(feature = "rustls")]
    if let Some(tls) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        // Certificates are checked in the handshake only; any other error (an alert) can
        // come with the reply.
        return (K::Tls, matches!(tls, rustls::Error::InvalidCertificate(_)));
    }
    // std's resolver reports a failed lookup as an uncategorised error; its message is the
    // only mark it carries.
    if error
        .to_string()
        .starts_with("failed to lookup address information")
    {
        return (K::Connect, true);
    }
    match error.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => (K::Timeout, false),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::AddrNotAvailable => (K::Connect, true),
        // Also possible on a connection already carrying the request.
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => (K::Connect, false),
        // `UnexpectedEof` among them: how ureq reports a reply cut short, from the status
        // line to the body (`Error::disconnected`).
        _ => (K::Io, false),
    }
}

impl Adapter for UreqTransport {
    const USER_AGENT_SUFFIX: &'static str = USER_AGENT_SUFFIX;

    fn from_settings(settings: TransportSettings) -> Self {
        Self::with_settings(settings)
    }
}

/// [`Client::from_key`] over ureq.
pub fn from_key(api_key: &str) -> Result<Client, Error> {
    Client::from_key(api_key)
}

/// A client configured from the process environment ([`Config::from_lookup`]).
pub fn from_env() -> Result<Client, Error> {
    let config = Config::from_lookup(|name| std::env::var_os(name))?;
    Ok(Client::with_config(config, TransportSettings::default()))
}

/// [`Client::with_base_url`] over ureq.
pub fn with_base_url(api_key: &str, base_url: &str) -> Result<Client, Error> {
    Client::with_base_url(api_key, base_url)
}

/// [`Client::with_config`] over ureq.
pub fn with_config(config: Config, settings: TransportSettings) -> Client {
    Client::with_config(config, settings)
}

/// [`Client::with_transport`]: over a [`UreqTransport`] with added roots, or your own agent.
pub fn with_transport(config: Config, transport: UreqTransport) -> Client {
    Client::with_transport(config, transport)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(kind: io::ErrorKind) -> ureq::Error {
        ureq::Error::Io(io::Error::new(kind, "x"))
    }

    /// Each error's kind, its source kept, and whether it is marked not sent: only failures
    /// before the request went out are.
    #[test]
    fn error_table() {
        use TransportErrorKind as K;
        use std::error::Error as _;
        use ureq::{Error as E, Timeout as T};
        let lookup = "failed to lookup address information: Name or service not known";
        for (error, kind, not_sent) in [
            (E::Timeout(T::Resolve), K::Timeout, true),
            (E::Timeout(T::Connect), K::Timeout, true),
            (E::Timeout(T::Global), K::Timeout, false),
            (E::Timeout(T::PerCall), K::Timeout, false),
            (E::Timeout(T::SendRequest), K::Timeout, false),
            (E::Timeout(T::SendBody), K::Timeout, false),
            (E::Timeout(T::RecvResponse), K::Timeout, false),
            (E::Timeout(T::RecvBody), K::Timeout, false),
            (io(io::ErrorKind::TimedOut), K::Timeout, false),
            (io(io::ErrorKind::WouldBlock), K::Timeout, false),
            (E::HostNotFound, K::Connect, true),
            (E::ConnectionFailed, K::Connect, true),
            (E::ConnectProxyFailed("407".into()), K::Connect, true),
            (io(io::ErrorKind::ConnectionRefused), K::Connect, true),
            (io(io::ErrorKind::AddrNotAvailable), K::Connect, true),
            (E::Io(io::Error::other(lookup)), K::Connect, true),
            // Connect kinds, but also possible on a connection already carrying the request.
            (io(io::ErrorKind::HostUnreachable), K::Connect, false),
            (io(io::ErrorKind::NetworkUnreachable), K::Connect, false),
            (E::Tls("bad"), K::Tls, true),
            (E::TlsRequired, K::Tls, true),
            (io(io::ErrorKind::ConnectionReset), K::Io, false),
            (io(io::ErrorKind::UnexpectedEof), K::Io, false),
            (io(io::ErrorKind::BrokenPipe), K::Io, false),
            (E::BodyStalled, K::Io, false),
            (E::LargeResponseHeader(70_000, 65_536), K::Io, false),
            (E::BadUri("x".into()), K::Other, true),
            (E::RequireHttpsOnly("http://a".into()), K::Other, true),
            (E::InvalidProxyUrl, K::Other, true),
            (E::StatusCode(500), K::Other, false),
            (E::TooManyRedirects, K::Other, false),
            (E::BodyExceedsLimit(10), K::Other, false),
        ] {
            let what = format!("{error:?}");
            let mapped = map_error(error, Phase::Exchange);
            assert_eq!(mapped.kind(), kind, "{what}");
            assert_eq!(mapped.certainly_not_sent(), not_sent, "{what}");
            let source = mapped.source().expect("a source");
            assert!(source.downcast_ref::<E>().is_some(), "{what}");
        }
        // Reading the body, the request is long gone: never "not sent".
        for error in [
            E::Timeout(T::Connect),
            E::HostNotFound,
            io(io::ErrorKind::ConnectionRefused),
            E::BodyExceedsLimit(10),
        ] {
            let mapped = map_error(error, Phase::Body { limit: 10 });
            assert!(!mapped.certainly_not_sent(), "{mapped:?}");
        }
        let over = map_error(E::BodyExceedsLimit(10), Phase::Body { limit: 10 });
        assert_eq!(over.kind(), K::BodyTooLarge);
        assert_eq!(
            over.to_string(),
            "response body too large: the limit is 10 bytes"
        );
    }

    /// Certificates are checked in the handshake only: a rustls certificate error inside `Io`
    /// is not sent, any other (a record that fails to decrypt) can arrive with the reply.
    #[cfg(feature = "rustls")]
    #[test]
    fn a_rustls_error_is_tls_and_inside_io_not_sent_only_for_a_certificate() {
        let inside_io = |e: rustls::Error| {
            map_error(
                ureq::Error::Io(io::Error::new(io::ErrorKind::InvalidData, e)),
                Phase::Exchange,
            )
        };
        let bad_cert = inside_io(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ));
        assert_eq!(bad_cert.kind(), TransportErrorKind::Tls);
        assert!(bad_cert.certainly_not_sent());
        let mid_stream = inside_io(rustls::Error::DecryptError);
        assert_eq!(mid_stream.kind(), TransportErrorKind::Tls);
        assert!(!mid_stream.certainly_not_sent());
        let setup = map_error(
            ureq::Error::Rustls(rustls::Error::DecryptError),
            Phase::Exchange,
        );
        assert_eq!(setup.kind(), TransportErrorKind::Tls);
        assert!(setup.certainly_not_sent());
    }

    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    #[test]
    fn added_roots_go_after_mozillas_or_alone() {
        use ureq::tls::RootCerts;
        let pem = include_str!("../../easy-checkout-core/src/transport/testdata/isrg-root-x1.pem");
        let added = RootCertificates::default().add_pem(pem).expect("parses");
        let der = added.added().next().expect("one").to_vec();
        let mozilla = webpki_root_certs::TLS_SERVER_ROOT_CERTS.len();
        assert!(mozilla > 100);
        for (roots, expected) in [(added.clone(), mozilla + 1), (added.without_defaults(), 1)] {
            match root_certs(&roots) {
                RootCerts::Specific(certs) => {
                    assert_eq!(certs.len(), expected);
                    assert_eq!(certs.last().map(|c| c.der().to_vec()), Some(der.clone()));
                }
                other => panic!("{other:?}"),
            }
        }
        // The untouched default: compiled-in Mozilla roots, or the platform's with native-tls.
        let default = root_certs(&RootCertificates::default());
        if cfg!(feature = "native-tls") {
            assert!(
                matches!(default, RootCerts::PlatformVerifier),
                "{default:?}"
            );
        } else {
            assert!(matches!(default, RootCerts::WebPki), "{default:?}");
        }
    }
}
