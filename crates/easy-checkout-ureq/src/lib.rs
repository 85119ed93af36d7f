//! The [ureq](https://docs.rs/ureq) transport for the Easy Embedded Checkout SDK.
//!
//! [`UreqTransport`] implements [`easy_checkout_core::Transport`] over one pooled
//! [`ureq::Agent`]; the functions of this crate build a ready [`Client`] over it in one line.
//! Everything else (operations, errors, retries, polling, webhooks) is the core's, re-exported
//! as [`easy_checkout_core`].
//!
//! # Quickstart
//!
//! ```no_run
//! use easy_checkout_ureq::easy_checkout_core::ops::{CreateSession, LineItem};
//!
//! // `sk_test_…` keys go to the sandbox, every other key to production.
//! let client = easy_checkout_ureq::from_key("sk_test_123")?;
//!
//! let params = CreateSession::new(vec![LineItem::new("price_abc", 1)], "https://shop.example/return")
//!     .with_idempotency_key("cart-42")?;
//! let session = client.embedded_checkout().create_session(&params)?;
//! println!("session {} is {:?}", session.id, session.status);
//! // Hand `session.client_secret` to the browser.
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Constructors do no IO: no request is sent and no key is checked until the first call.
//!
//! ```
//! use easy_checkout_ureq::TransportSettings;
//! use std::time::Duration;
//!
//! let client = easy_checkout_ureq::from_key("sk_test_123")?;
//! assert_eq!(client.config().base_url().as_str(), "https://sandbox-api.itseasy.co/v1/api");
//! assert!(client.config().user_agent().ends_with(" ureq"));
//!
//! // Tighter limits than the defaults (30 s connect, 80 s total, 1 MiB bodies):
//! let settings = TransportSettings::default()
//!     .connect_timeout(Duration::from_secs(5))
//!     .timeout(Duration::from_secs(20));
//! let config = easy_checkout_ureq::easy_checkout_core::Config::new("sk_live_123".parse()?);
//! let client = easy_checkout_ureq::with_config(config, settings);
//! assert_eq!(client.transport().settings().timeout, Duration::from_secs(20));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What the transport guarantees
//!
//! - The request goes out as built: method, URI, headers and body. ureq adds only `Host`
//!   and `Content-Length`; it adds no `User-Agent`, `Accept` or `Accept-Encoding` of its own.
//! - Every status comes back as a response with its whole body: a 404 or a 500 is not a
//!   transport error (the core turns it into an API error).
//! - Redirects are never followed: a 3xx comes back as it is, `Location` included, so the
//!   API key never travels to another host.
//! - [`TransportSettings`] are applied: the connect timeout, the total timeout (connect to
//!   last body byte) and the body cap, enforced while reading (a `Content-Length` above the
//!   cap fails before any byte of the body is read).
//! - Connections are kept alive and reused: clones of a transport, and of a client, share
//!   one pool.
//! - An IP-literal host (`127.0.0.1`, `[::1]`) is used as it is. A host name is looked up
//!   (within the total timeout) at most once every 30 seconds per `host:port`, not on every
//!   request: the standard library's resolver reports no DNS TTL, and a reused connection
//!   does not need the answer at all. Failed lookups are not kept, and a request that fails
//!   to connect or times out drops every kept answer, so the next one looks the name up
//!   again. Clones of a transport share these answers.
//! - Proxies are taken from `ALL_PROXY`, `HTTPS_PROXY` and `HTTP_PROXY` (with `NO_PROXY`),
//!   as ureq does by default, for `https://` requests only: an `http://` request (which the
//!   core allows only to a loopback host) never goes through a proxy, where the API key would
//!   travel in clear text (ureq tunnels through `CONNECT`, but plain HTTP inside it).
//! - A request is sent once: ureq never sends it again by itself, not even when a reused
//!   connection dies before any reply byte (retrying is the core's decision).
//! - A timeout shorter than a millisecond is a (very short) timeout, not "none".
//! - A reply cut short is an [`Io`](TransportErrorKind::Io) error, never a response, wherever
//!   the connection closed: before the status line, inside it, inside the headers (ureq
//!   returns a response only once it has the blank line that ends the head), or inside a
//!   body with a `Content-Length` or chunked. A body with neither ends at the close, as
//!   HTTP/1.1 has it, and is a response. One leniency is ureq's own: a chunked body whose
//!   last chunk (`0` and its line end) arrived, but not the blank line after it, is taken as
//!   whole, the whole body having arrived.
//!
//! # Root certificates
//!
//! Servers are verified against Mozilla's roots, compiled in (`webpki-roots`; feature
//! `rustls`), or the operating system's trust store (feature `native-tls`).
//! [`UreqTransport::with_roots`] adds roots of your own, a private CA's, on top of Mozilla's
//! (or, with [`RootCertificates::without_defaults`], trusts them alone):
//!
//! ```no_run
//! use easy_checkout_ureq::{RootCertificates, TransportSettings, UreqTransport};
//!
//! let roots = RootCertificates::default().add_pem_file("private-ca.pem")?; // checked now
//! let transport = UreqTransport::with_roots(TransportSettings::default(), roots);
//! let config = easy_checkout_ureq::easy_checkout_core::Config::new("sk_live_123".parse()?);
//! let client = easy_checkout_ureq::with_transport(config, transport);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A PEM that does not parse, or holds no certificate, is refused by
//! [`RootCertificates::add_pem`] as invalid input: nothing is sent. ureq takes either its
//! default roots or a list of certificates, so added roots go after Mozilla's roots as
//! certificates (`webpki-root-certs`, the same list). With `native-tls` that list replaces the
//! system's store too: added roots go on top of Mozilla's roots, not the system's. (The
//! platform verifier would keep the system's store, but needs `rustls-platform-verifier` and
//! cannot take extra roots through ureq.)
//!
//! # A caller's agent
//!
//! [`UreqTransport::from_agent`] sends over an [`ureq::Agent`] you configured (your proxy,
//! resolver, connector, TLS roots or client certificate), and sets the SDK's rules on each
//! request (ureq's request-level configuration), whatever the agent says:
//!
//! - every status comes back as a response with its body (`http_status_as_error(false)`);
//! - no redirect is followed (`max_redirects(0)`), the 3xx comes back;
//! - [`TransportSettings`]' connect and total timeouts, and its body cap (read by the
//!   transport itself);
//! - no `Accept` or `Accept-Encoding` of ureq's is added (so no decompression either);
//! - a plain `http://` request goes through no proxy.
//!
//! Not enforced, because only the agent decides them:
//!
//! - the agent's middleware runs on every request: one that resends, rewrites or follows
//!   redirects does so (ureq itself never sends a request twice);
//! - ureq adds its own `User-Agent` to a request that has none (the core's always has one:
//!   setting it per request would keep requests out of the agent's connection pool);
//! - the agent's other limits (per read, per write, `https_only`, header size) apply too,
//!   and can only make a request fail sooner;
//! - the transport's own DNS cache (see the guarantees) is not used: the agent resolves as
//!   it was built to. Requests share the agent's connection pool.
//!
//! The shared transport suite runs over such an agent, set up to follow redirects and turn
//! statuses into errors, in the workspace's `tests/tests/tls_ureq.rs`.
//!
//! # Features
//!
//! - `rustls` (default): TLS through rustls with Mozilla's root certificates compiled in,
//!   so `https://` works without any system library or certificate store.
//! - `native-tls`: TLS through the platform's library with the operating system's trust
//!   store. When both are enabled, `native-tls` is used.
//!
//! With neither, only `http://` (loopback) base URLs can be reached; an `https://` request
//! fails with a [`TransportErrorKind::Tls`] error, and added roots are not used.
//!
//! # Logging
//!
//! ureq logs through the [`log`](https://docs.rs/log) crate. At `trace` level it prints raw
//! request headers, the `x-easy-api-key` header included: do not enable `trace` for
//! `ureq` or `ureq_proto` where logs are kept.
//!
//! # Errors
//!
//! Transport failures are [`TransportError`]s with the ureq error as their `source`; their
//! [`kind`](TransportError::kind) is one of:
//!
//! | ureq reports | kind |
//! |---|---|
//! | `Timeout(_)`, an I/O error `TimedOut` / `WouldBlock` | `Timeout` |
//! | `HostNotFound`, `ConnectionFailed`, `ConnectProxyFailed`, an I/O error `ConnectionRefused`, `HostUnreachable`, `NetworkUnreachable`, `AddrNotAvailable` | `Connect` |
//! | `Tls`, `TlsRequired`, `Rustls`, `NativeTls`, `Pem`, `Der`, an I/O error carrying a rustls error | `Tls` |
//! | an I/O error `UnexpectedEof` ("Peer disconnected": the connection closed before the reply ended, in the status line, the headers or the body), `BodyStalled` (closed inside a chunk-size line) | `Io` |
//! | any other I/O error (reset), `Protocol`, `LargeResponseHeader` | `Io` |
//! | a body over [`TransportSettings::max_body_bytes`] | `BodyTooLarge` |
//! | anything else (`BadUri`, `Http`, `RequireHttpsOnly`, `InvalidProxyUrl`, …) | `Other` |
//!
//! An error is marked [`not_sent`](TransportError::not_sent) (so a failed write is known not
//! to have happened, see [`Error::outcome_unknown`](easy_checkout_core::Error::outcome_unknown)) only when ureq certainly failed before
//! writing the request: `Timeout(Resolve)`, `Timeout(Connect)` (the connect timeout, which
//! covers DNS and the TLS handshake), `HostNotFound`, `ConnectionFailed`,
//! `ConnectProxyFailed`, the TLS set-up errors (`Tls`, `TlsRequired`, `Pem`, `Rustls`,
//! `NativeTls`, `Der`), `BadUri`, `RequireHttpsOnly`, `InvalidProxyUrl`, and the I/O errors
//! only a connect gives: a failed name lookup, `ConnectionRefused`, `AddrNotAvailable`, and a
//! rustls certificate error. Everything else is marked maybe sent: a total (`Global`)
//! timeout, which may strike after the request went out, a reset or cut connection,
//! `HostUnreachable` / `NetworkUnreachable` (also possible on an open connection), any other
//! rustls error (an alert can come mid-stream), and every error while reading the body.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod resolver;

use std::fmt;
use std::io;

use easy_checkout_core::http;
use easy_checkout_core::transport::{bypasses_proxy, sends_body};
use easy_checkout_core::{Transport, TransportError, TransportErrorKind};
use ureq::config::AutoHeaderValue;
use ureq::unversioned::resolver::Resolver;
use ureq::unversioned::transport::DefaultConnector;

use crate::resolver::{CachingResolver, SharedCache};

pub use easy_checkout_core;
pub use easy_checkout_core::{RootCertificates, TransportSettings};

/// The blocking Easy client over ureq.
pub type Client = easy_checkout_core::Client<UreqTransport>;

/// The name appended to the SDK's user agent (`easy-checkout-rust/0.1.0 ureq`).
pub const USER_AGENT_SUFFIX: &str = "ureq";

/// A [`Transport`] over one [`ureq::Agent`].
///
/// Cheap to clone: clones share the agent, and so its connection pool and its cache of
/// resolved host names.
///
/// ```
/// use easy_checkout_ureq::{TransportSettings, UreqTransport};
///
/// let transport = UreqTransport::with_settings(TransportSettings::default().max_body_bytes(64 * 1024));
/// assert_eq!(transport.settings().max_body_bytes, 64 * 1024);
/// ```
#[derive(Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
    settings: TransportSettings,
    /// The answers the agent's resolver keeps, to drop when a request fails to connect; none
    /// on a caller's agent, which resolves as it was built to.
    dns: Option<SharedCache>,
    /// Whose agent: a caller's has the SDK's rules applied to each request.
    agent_kind: AgentKind,
}

/// Whether the transport built its agent, or was given one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum AgentKind {
    /// Built by the transport, with the SDK's rules in its configuration.
    Own,
    /// The caller's, whose configuration is theirs: the rules go on each request.
    Callers,
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

    /// A transport applying `settings` that verifies servers against `roots`: the default
    /// roots (see the crate's features) plus the added ones, or the added ones only (see
    /// [`RootCertificates::without_defaults`]). Does no IO.
    ///
    /// ```no_run
    /// use easy_checkout_ureq::{RootCertificates, TransportSettings, UreqTransport};
    ///
    /// // A private CA on top of the default roots (refused here if the file is no PEM
    /// // certificate):
    /// let roots = RootCertificates::default().add_pem_file("/etc/ssl/private-ca.pem")?;
    /// let transport = UreqTransport::with_roots(TransportSettings::default(), roots);
    /// let config = easy_checkout_ureq::easy_checkout_core::Config::new("sk_test_123".parse()?);
    /// let client = easy_checkout_ureq::with_transport(config, transport);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_roots(settings: TransportSettings, roots: RootCertificates) -> Self {
        Self::with_resolver(settings, &roots, CachingResolver::new())
    }

    /// A transport over the caller's own `agent`: its TLS configuration (roots, client
    /// certificate), proxy, resolver, connector and pool are used as they are, and the SDK's
    /// rules are applied to each request, whatever the agent was configured with: every
    /// status comes back as a response with its body, no redirect is followed, `settings`'
    /// connect and total timeouts and body cap hold, no `Accept` or `Accept-Encoding` of
    /// ureq's is added, and a plain `http://` request goes through no proxy. What is not
    /// applied is listed in the crate docs ("A caller's agent"). Does no IO.
    ///
    /// ```
    /// use easy_checkout_ureq::{TransportSettings, UreqTransport};
    ///
    /// // Configured to follow redirects and to turn 4xx/5xx into errors: per request, neither
    /// // happens on the SDK's requests.
    /// let agent: ureq::Agent = ureq::Agent::config_builder().max_redirects(5).build().into();
    /// let transport = UreqTransport::from_agent(agent, TransportSettings::default());
    /// let config = easy_checkout_ureq::easy_checkout_core::Config::new("sk_test_123".parse()?);
    /// let client = easy_checkout_ureq::with_transport(config, transport);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_agent(agent: ureq::Agent, settings: TransportSettings) -> Self {
        Self {
            agent,
            settings,
            dns: None,
            agent_kind: AgentKind::Callers,
        }
    }

    /// A transport applying `settings` and trusting `roots` whose agent resolves host names
    /// through `resolver`.
    fn with_resolver<R: Resolver>(
        settings: TransportSettings,
        roots: &RootCertificates,
        resolver: CachingResolver<R>,
    ) -> Self {
        let config = ureq::Agent::config_builder()
            // A 4xx/5xx is a response, with its body, not an error.
            .http_status_as_error(false)
            // Never follow a redirect: the 3xx itself comes back. With 0 ureq returns the
            // response, never `TooManyRedirects`; the second call only makes that explicit.
            .max_redirects(0)
            .max_redirects_will_error(false)
            // Send exactly the headers of the request: no `ureq/x.y` user agent, no `*/*`
            // accept, no accept-encoding, when the request has none.
            .user_agent(AutoHeaderValue::None)
            .accept(AutoHeaderValue::None)
            .accept_encoding(AutoHeaderValue::None)
            .timeout_connect(Some(settings.connect_timeout))
            .timeout_global(Some(settings.timeout));
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        let config = config.tls_config(tls_config(roots));
        // Without TLS no root is ever used: an `https://` request fails.
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        let _ = roots;
        let config = config.build();
        let dns = resolver.cache();
        // What `config.new_agent()` builds (`Agent::new_with_config`), but with our resolver
        // instead of `DefaultResolver`: with a timeout set, that one resolves the host on a
        // new thread for every request, even one that reuses a pooled connection (see the
        // `resolver` module). The connector is ureq's default one, so connecting, proxies
        // and TLS are exactly as without this.
        let agent = ureq::Agent::with_parts(config, DefaultConnector::default(), resolver);
        Self {
            agent,
            settings,
            dns: Some(dns),
            agent_kind: AgentKind::Own,
        }
    }

    /// The settings this transport applies.
    pub fn settings(&self) -> &TransportSettings {
        &self.settings
    }

    /// Runs `request` on the agent; a plain `http://` one (loopback only, as the core allows
    /// it) without any proxy from the environment, which would see the API key in clear text.
    /// On a caller's agent, with the SDK's rules set on the request itself.
    fn run<B: ureq::AsSendBody>(
        &self,
        request: http::Request<B>,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        let no_proxy = bypasses_proxy(&request);
        if self.agent_kind == AgentKind::Own && !no_proxy {
            return self.agent.run(request);
        }
        let mut config = self.agent.configure_request(request);
        if no_proxy {
            config = config.proxy(None);
        }
        if self.agent_kind == AgentKind::Callers {
            let settings = &self.settings;
            config = config
                // What the transport's own agent is built with (see `with_resolver`), but
                // the user agent: the core always sends its own, and a request-level one
                // would keep the request out of the agent's connection pool.
                .http_status_as_error(false)
                .max_redirects(0)
                .max_redirects_will_error(false)
                .accept(AutoHeaderValue::None)
                .accept_encoding(AutoHeaderValue::None)
                .timeout_connect(Some(settings.connect_timeout))
                .timeout_global(Some(settings.timeout));
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
        f.debug_struct("UreqTransport")
            .field("settings", &self.settings)
            .field("agent", &self.agent_kind)
            .finish_non_exhaustive()
    }
}

/// The TLS provider the enabled features ask for, with the root certificates it can use.
/// Set explicitly: ureq never picks native-tls by itself, and a root-certificate choice
/// whose feature is off would panic inside ureq.
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

/// The roots to verify against: the provider's defaults when nothing is added; otherwise
/// the added certificates, after Mozilla's roots when the defaults are kept. ureq takes
/// either its defaults or a list, never both, and its `WebPki` list holds trust anchors
/// rather than certificates, so the defaults to add to are `webpki-root-certs`: the same
/// Mozilla roots as certificates.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn root_certs(roots: &RootCertificates) -> ureq::tls::RootCerts {
    use ureq::tls::{Certificate, RootCerts};

    if roots.is_default() {
        #[cfg(feature = "native-tls")]
        return RootCerts::PlatformVerifier;
        #[cfg(not(feature = "native-tls"))]
        return RootCerts::WebPki;
    }
    let defaults: &'static [_] = if roots.uses_defaults() {
        webpki_root_certs::TLS_SERVER_ROOT_CERTS
    } else {
        &[]
    };
    let defaults = defaults.iter().map(|der| Certificate::from_der(der));
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
        let (parts, body) = request.into_parts();
        let sent = if with_body {
            self.run(http::Request::from_parts(parts, body))
        } else {
            self.run(http::Request::from_parts(parts, ()))
        };
        let response = sent.map_err(|e| {
            let error = map_error(e, Phase::Exchange);
            // The host may have moved: look its name up again on the next request rather
            // than keep trying a cached address (the pool's connections are not affected).
            let moved = matches!(
                error.kind(),
                TransportErrorKind::Connect | TransportErrorKind::Timeout
            );
            if let Some(dns) = self.dns.as_ref().filter(|_| moved) {
                dns.lock().clear();
            }
            error
        })?;

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

/// Classifies a ureq error, keeping it as the source.
fn map_error(error: ureq::Error, phase: Phase) -> TransportError {
    use TransportErrorKind as K;
    let kind = match &error {
        ureq::Error::BodyExceedsLimit(_) => match phase {
            Phase::Body { limit } => return TransportError::body_too_large(limit),
            // On the way out it means a request body longer than its `Content-Length`.
            Phase::Exchange => K::Other,
        },
        ureq::Error::Timeout(_) => K::Timeout,
        ureq::Error::Io(e) => io_kind(e),
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::ConnectProxyFailed(_) => K::Connect,
        ureq::Error::Tls(_) | ureq::Error::TlsRequired => K::Tls,
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        ureq::Error::Pem(_) => K::Tls,
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(_) => K::Tls,
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(_) | ureq::Error::Der(_) => K::Tls,
        // The server sent something that is not HTTP/1.1, or headers without end, or
        // stopped mid-message: the reply could not be read off this connection.
        ureq::Error::Protocol(_)
        | ureq::Error::LargeResponseHeader(..)
        | ureq::Error::BodyStalled => K::Io,
        _ => K::Other,
    };
    let unsent = matches!(phase, Phase::Exchange) && before_sending(&error);
    let error = TransportError::new(kind, error);
    if unsent {
        error.not_sent()
    } else {
        error.maybe_sent()
    }
}

/// Whether ureq certainly failed before writing any byte of the request: while resolving,
/// connecting, setting up TLS or checking the request (see the crate's error table).
fn before_sending(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect)
        | ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::Tls(_)
        | ureq::Error::TlsRequired
        | ureq::Error::BadUri(_)
        | ureq::Error::RequireHttpsOnly(_)
        | ureq::Error::InvalidProxyUrl => true,
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        ureq::Error::Pem(_) => true,
        // Raised by the TLS configuration and the handshake only; errors on an open TLS
        // connection come as `Io`.
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(_) => true,
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(_) | ureq::Error::Der(_) => true,
        ureq::Error::Io(e) => io_before_sending(e),
        _ => false,
    }
}

/// The I/O errors only a connect gives: a failed lookup, a refused connection, no local
/// address, a certificate rustls refused (certificates are checked in the handshake only).
fn io_before_sending(error: &io::Error) -> bool {
    #[cfg(feature = "rustls")]
    if let Some(tls) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return matches!(tls, rustls::Error::InvalidCertificate(_));
    }
    is_lookup_failure(error)
        || matches!(
            error.kind(),
            io::ErrorKind::ConnectionRefused | io::ErrorKind::AddrNotAvailable
        )
}

/// std's resolver reports a failed lookup as an uncategorised I/O error; its message is the
/// only mark it carries.
fn is_lookup_failure(error: &io::Error) -> bool {
    error
        .to_string()
        .starts_with("failed to lookup address information")
}

fn io_kind(error: &io::Error) -> TransportErrorKind {
    use TransportErrorKind as K;
    #[cfg(feature = "rustls")]
    if error
        .get_ref()
        .is_some_and(|inner| inner.is::<rustls::Error>())
    {
        return K::Tls;
    }
    if is_lookup_failure(error) {
        return K::Connect;
    }
    match error.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => K::Timeout,
        io::ErrorKind::ConnectionRefused
        | io::ErrorKind::HostUnreachable
        | io::ErrorKind::NetworkUnreachable
        | io::ErrorKind::AddrNotAvailable => K::Connect,
        // `UnexpectedEof` among them: how ureq reports a reply cut short, from the status
        // line to the body (`Error::disconnected`).
        _ => K::Io,
    }
}

easy_checkout_core::transport_constructors!("easy_checkout_ureq", UreqTransport);

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(error: ureq::Error) -> TransportErrorKind {
        map_error(error, Phase::Exchange).kind()
    }

    fn io(kind: io::ErrorKind) -> ureq::Error {
        ureq::Error::Io(io::Error::new(kind, "x"))
    }

    #[test]
    fn error_table() {
        use TransportErrorKind as K;
        assert_eq!(
            kind(ureq::Error::Timeout(ureq::Timeout::Connect)),
            K::Timeout
        );
        assert_eq!(
            kind(ureq::Error::Timeout(ureq::Timeout::Global)),
            K::Timeout
        );
        assert_eq!(kind(io(io::ErrorKind::TimedOut)), K::Timeout);
        assert_eq!(kind(io(io::ErrorKind::WouldBlock)), K::Timeout);
        assert_eq!(kind(ureq::Error::HostNotFound), K::Connect);
        assert_eq!(kind(ureq::Error::ConnectionFailed), K::Connect);
        assert_eq!(
            kind(ureq::Error::ConnectProxyFailed("407".into())),
            K::Connect
        );
        assert_eq!(kind(io(io::ErrorKind::ConnectionRefused)), K::Connect);
        assert_eq!(kind(io(io::ErrorKind::NetworkUnreachable)), K::Connect);
        assert_eq!(
            kind(ureq::Error::Io(io::Error::other(
                "failed to lookup address information: Name or service not known"
            ))),
            K::Connect
        );
        assert_eq!(kind(ureq::Error::Tls("bad")), K::Tls);
        assert_eq!(kind(ureq::Error::TlsRequired), K::Tls);
        assert_eq!(kind(io(io::ErrorKind::ConnectionReset)), K::Io);
        assert_eq!(kind(io(io::ErrorKind::UnexpectedEof)), K::Io);
        assert_eq!(kind(ureq::Error::BodyStalled), K::Io);
        assert_eq!(kind(io(io::ErrorKind::BrokenPipe)), K::Io);
        assert_eq!(
            kind(ureq::Error::LargeResponseHeader(70_000, 65_536)),
            K::Io
        );
        assert_eq!(kind(ureq::Error::BadUri("x".into())), K::Other);
        assert_eq!(kind(ureq::Error::StatusCode(500)), K::Other);
        assert_eq!(kind(ureq::Error::TooManyRedirects), K::Other);
        assert_eq!(kind(ureq::Error::BodyExceedsLimit(10)), K::Other);
    }

    #[test]
    fn only_failures_before_the_request_went_out_are_marked_not_sent() {
        let not_sent = |error: ureq::Error| map_error(error, Phase::Exchange).certainly_not_sent();
        for (error, expected) in [
            (ureq::Error::Timeout(ureq::Timeout::Resolve), true),
            (ureq::Error::Timeout(ureq::Timeout::Connect), true),
            (ureq::Error::HostNotFound, true),
            (ureq::Error::ConnectionFailed, true),
            (ureq::Error::ConnectProxyFailed("407".into()), true),
            (ureq::Error::Tls("bad"), true),
            (ureq::Error::TlsRequired, true),
            (ureq::Error::BadUri("x".into()), true),
            (ureq::Error::RequireHttpsOnly("http://a".into()), true),
            (ureq::Error::InvalidProxyUrl, true),
            (io(io::ErrorKind::ConnectionRefused), true),
            (io(io::ErrorKind::AddrNotAvailable), true),
            (
                ureq::Error::Io(io::Error::other(
                    "failed to lookup address information: Name or service not known",
                )),
                true,
            ),
            (ureq::Error::Timeout(ureq::Timeout::Global), false),
            (ureq::Error::Timeout(ureq::Timeout::PerCall), false),
            (ureq::Error::Timeout(ureq::Timeout::SendRequest), false),
            (ureq::Error::Timeout(ureq::Timeout::SendBody), false),
            (ureq::Error::Timeout(ureq::Timeout::RecvResponse), false),
            (ureq::Error::Timeout(ureq::Timeout::RecvBody), false),
            (io(io::ErrorKind::TimedOut), false),
            (io(io::ErrorKind::ConnectionReset), false),
            (io(io::ErrorKind::BrokenPipe), false),
            (io(io::ErrorKind::UnexpectedEof), false),
            // Connect kinds, but also possible on a connection already carrying the request.
            (io(io::ErrorKind::HostUnreachable), false),
            (io(io::ErrorKind::NetworkUnreachable), false),
            (ureq::Error::LargeResponseHeader(70_000, 65_536), false),
            (ureq::Error::BodyExceedsLimit(10), false),
            (ureq::Error::StatusCode(500), false),
        ] {
            let what = format!("{error:?}");
            assert_eq!(not_sent(error), expected, "{what}");
        }
        // Reading the body, the request is long gone: never "not sent".
        for error in [
            ureq::Error::Timeout(ureq::Timeout::Connect),
            ureq::Error::HostNotFound,
            io(io::ErrorKind::ConnectionRefused),
            ureq::Error::BodyExceedsLimit(10),
        ] {
            let mapped = map_error(error, Phase::Body { limit: 10 });
            assert!(!mapped.certainly_not_sent(), "{mapped:?}");
        }
    }

    #[cfg(feature = "rustls")]
    #[test]
    fn only_a_certificate_error_from_rustls_inside_io_is_not_sent() {
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
        // A record that fails to decrypt can arrive with the reply: maybe sent.
        let mid_stream = inside_io(rustls::Error::DecryptError);
        assert_eq!(mid_stream.kind(), TransportErrorKind::Tls);
        assert!(!mid_stream.certainly_not_sent());
        let setup = map_error(
            ureq::Error::Rustls(rustls::Error::DecryptError),
            Phase::Exchange,
        );
        assert!(setup.certainly_not_sent());
    }

    #[cfg(feature = "rustls")]
    #[test]
    fn rustls_error_inside_io_is_tls() {
        let inner = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert_eq!(kind(ureq::Error::Io(inner)), TransportErrorKind::Tls);
        assert_eq!(
            kind(ureq::Error::Rustls(rustls::Error::DecryptError)),
            TransportErrorKind::Tls
        );
    }

    #[cfg(feature = "rustls")]
    #[test]
    fn added_roots_go_after_mozillas_or_alone() {
        use ureq::tls::RootCerts;
        let pem = include_str!("../../easy-checkout-core/src/drivers/testdata/isrg-root-x1.pem");
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
        assert!(matches!(
            root_certs(&RootCertificates::default()),
            RootCerts::WebPki
        ));
    }

    #[test]
    fn body_limit_while_reading_is_body_too_large() {
        let error = map_error(ureq::Error::BodyExceedsLimit(10), Phase::Body { limit: 10 });
        assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge);
        assert_eq!(
            error.to_string(),
            "response body too large: the limit is 10 bytes"
        );
    }

    /// A delegate resolver counting its calls: ureq's `DefaultResolver`, or a fixed answer.
    #[derive(Debug, Clone, Default)]
    struct Counted {
        calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
        answer: Option<std::net::SocketAddr>,
    }

    impl Counted {
        fn calls(&self) -> usize {
            self.calls.load(std::sync::atomic::Ordering::SeqCst)
        }
    }

    impl Resolver for Counted {
        fn resolve(
            &self,
            uri: &http::Uri,
            config: &ureq::config::Config,
            timeout: ureq::unversioned::transport::NextTimeout,
        ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
            self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            match self.answer {
                None => ureq::unversioned::resolver::DefaultResolver::default()
                    .resolve(uri, config, timeout),
                Some(addr) => {
                    let mut addrs = self.empty();
                    addrs.push(addr);
                    Ok(addrs)
                }
            }
        }
    }

    fn counted_transport(delegate: &Counted) -> UreqTransport {
        UreqTransport::with_resolver(
            TransportSettings::default().timeout(std::time::Duration::from_secs(10)),
            &RootCertificates::default(),
            CachingResolver::with_delegate(delegate.clone()),
        )
    }

    fn get(url: &str) -> http::Request<Vec<u8>> {
        http::Request::get(url).body(Vec::new()).expect("a request")
    }

    #[test]
    fn localhost_is_looked_up_once_and_its_connection_reused() {
        use easy_checkout_conformance::loopback::{Server, reply};
        let server = Server::fixed(reply("200 OK", &[], b"hi"));
        let delegate = Counted::default();
        let transport = counted_transport(&delegate);
        let clone = transport.clone();
        let url = format!("http://localhost:{}/x", server.addr.port());
        for t in [&transport, &clone, &transport] {
            let response = t.send(get(&url)).expect("sent");
            assert_eq!(response.status(), 200);
            assert_eq!(response.body(), b"hi");
        }
        assert_eq!(delegate.calls(), 1, "one lookup for three requests");
        assert_eq!(server.accepts(), 1, "one connection for three requests");
    }

    #[test]
    fn ip_literals_are_not_looked_up() {
        use easy_checkout_conformance::loopback::{Server, reply};
        let server = Server::fixed(reply("200 OK", &[], b""));
        let delegate = Counted::default();
        let transport = counted_transport(&delegate);
        for _ in 0..2 {
            transport.send(get(&server.url("/x"))).expect("sent");
        }
        assert_eq!(delegate.calls(), 0);
        assert_eq!(server.accepts(), 1);
    }

    #[test]
    fn a_failed_connection_drops_the_cached_answers() {
        let closed = easy_checkout_conformance::loopback::closed_port();
        let delegate = Counted {
            answer: Some(closed),
            ..Counted::default()
        };
        let transport = counted_transport(&delegate);
        let url = format!("http://api.invalid:{}/x", closed.port());
        for calls in 1..=2 {
            let error = transport.send(get(&url)).expect_err("nothing listens");
            assert_eq!(error.kind(), TransportErrorKind::Connect, "{error:?}");
            assert_eq!(delegate.calls(), calls, "looked up again after the failure");
        }
    }

    #[test]
    fn sources_are_kept() {
        use std::error::Error as _;
        let error = map_error(ureq::Error::HostNotFound, Phase::Exchange);
        let source = error.source().expect("a source");
        assert!(source.downcast_ref::<ureq::Error>().is_some());
    }
}
