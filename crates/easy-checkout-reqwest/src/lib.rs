//! The [reqwest](https://docs.rs/reqwest) transport for the Easy Embedded Checkout SDK: the
//! async [`Client`] in one line, on tokio, for async handlers: a blocking client there stalls
//! the runtime (see [`easy_checkout_core::Client`]), where this one answered an unrelated
//! request in 0.7 ms in the same measurement.
//!
//! Everything else, the [`AsyncTransport`] contract included, is the core's
//! ([`easy_checkout_core`]); these docs say only what is reqwest's own.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // `sk_test_…` keys go to the sandbox, every other key to production.
//! let client = easy_checkout_reqwest::from_key("sk_test_123")?;
//! let config = client.embedded_checkout().get_config().await?; // every call: see the core
//! # Ok(()) }
//! ```
//!
//! Constructors do no IO: the reqwest clients are built on the first request, which must run
//! inside a tokio runtime with its IO and time drivers (`#[tokio::main]` and axum's are).
//! `examples/axum_checkout.rs` is a merchant's server on axum: it mints a session, checks it
//! on return, and fulfils each order once from webhooks.
//!
//! # What the transport sets
//!
//! No decompression; the transport's own clients speak HTTP/1.1 only. reqwest adds `Host`,
//! `Content-Length` and, on a request without one, `Accept: */*`; hyper sends an empty body
//! as none, so the transport adds `Content-Length: 0` where [`sends_body`] says so. reqwest
//! parses the URI into a `url::Url`, which would rewrite a path with dot segments: a request
//! whose path or query would not go out byte for byte is refused before sending (`Other`).
//!
//! Proxies come from the environment (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`, read when the
//! clients are built) for `https://` requests only. A request that must not be sent twice
//! ([`may_resend`] is false) goes through a client that keeps no connection: a connection of
//! its own, closed after it. Hence four clients: pooled and not, with and without proxies.
//!
//! # TLS and the crypto provider
//!
//! rustls, verifying servers against Mozilla's roots compiled in (`webpki-roots`: no file or
//! system store is read) plus the roots you add ([`ReqwestTransport::with_roots`], or with
//! [`RootCertificates::without_defaults`] yours alone):
//!
//! ```no_run
//! use easy_checkout_reqwest::{ReqwestTransport, RootCertificates, TransportSettings};
//!
//! let pem = std::fs::read("private-ca.pem")?;
//! let roots = RootCertificates::default().add_pem(pem)?; // checked now
//! let transport = ReqwestTransport::with_roots(TransportSettings::default(), roots);
//! let config = easy_checkout_reqwest::easy_checkout_core::Config::new("sk_live_123".parse()?);
//! let client = easy_checkout_reqwest::with_transport(config, transport);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! reqwest's own `rustls` feature brings the aws-lc-rs crypto provider, a large C build (and
//! cmake or NASM on some platforms). This crate turns that off and chooses:
//!
//! - feature `ring` (default): the `ring` provider, the one `easy-checkout-ureq` uses; it
//!   builds a little C and assembly with the system's C compiler, nothing else;
//! - without it (`default-features = false`): the process-wide default provider, which your
//!   program installs before its first request
//!   (`rustls::crypto::aws_lc_rs::default_provider().install_default()`, or a pure-Rust
//!   provider where no C compiler is allowed). Without one, every request fails with an
//!   [`Other`](TransportErrorKind::Other) error that says so, sending nothing.
//!
//! Features add up across a build: this crate turns on reqwest's `rustls-no-provider`. A
//! program that also builds reqwest clients of its own without a TLS feature for them
//! (`reqwest = { default-features = false }`) gets rustls in those too, and reqwest then
//! panics building one unless a process-wide default provider is installed: install one at
//! start (`rustls::crypto::ring::default_provider().install_default()`). With reqwest's
//! defaults (aws-lc-rs) or `native-tls` on, nothing changes for them.
//!
//! # A caller's reqwest configuration
//!
//! [`ReqwestTransport::from_client_builder`] builds the transport's clients from your
//! `reqwest::ClientBuilder` (TLS settings, roots, resolver, local address, default headers)
//! and sets the SDK's rules on top; your proxies stay for `https://`. There is no
//! `from_client(reqwest::Client)`: a built client's redirect policy, proxies and pool cannot
//! be read or changed per request, so the SDK could not keep its rules over one (one that
//! follows redirects would carry the API key to another host). Not enforced,
//! because only the builder decides them: its default headers go on requests that lack them,
//! its cookie store is used, its connector layers run.
//!
//! # Logging and errors
//!
//! reqwest and hyper log at `trace` level without request headers. Each failure is a
//! [`TransportError`] with the reqwest error as its `source`.
//!
//! [`sends_body`]: easy_checkout_core::ops::sends_body

#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

use std::fmt;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use easy_checkout_core::http::{self, header};
use easy_checkout_core::ops::{bypasses_proxy, may_resend, method_takes_body};
use easy_checkout_core::{
    Adapter, AsyncClient, AsyncTransport, Config, Error, Sleep, TransportError, TransportErrorKind,
};

pub use easy_checkout_core;
pub use easy_checkout_core::{RootCertificates, TransportSettings};

/// The async Easy client over reqwest, sleeping on tokio.
pub type Client = AsyncClient<ReqwestTransport, TokioSleep>;

/// The name appended to the SDK's user agent (`easy-checkout-rust/0.1.0 reqwest`).
pub const USER_AGENT_SUFFIX: &str = "reqwest";

/// How the async client waits between retries and polls: `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleep;

impl Sleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }
}

/// An [`AsyncTransport`] over reqwest's async client, on tokio.
///
/// Cheap to clone: clones share the clients and their connection pools.
#[derive(Clone)]
pub struct ReqwestTransport {
    settings: TransportSettings,
    source: Arc<Source>,
    /// The clients, built from `source` on the first request (or why they could not be).
    clients: Arc<OnceLock<Result<Clients, String>>>,
}

/// What the clients are built from.
enum Source {
    /// The transport's own configuration: these roots, Mozilla's and the added ones.
    Own(RootCertificates),
    /// A caller's builder, called once per client.
    Callers(Box<dyn Fn() -> reqwest::ClientBuilder + Send + Sync>),
}

/// The four clients (see the crate docs, "What the transport sets").
struct Clients {
    direct: Route,
    proxied: Route,
}

struct Route {
    pooled: reqwest::Client,
    fresh: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport with [`TransportSettings::default()`].
    pub fn new() -> Self {
        Self::with_settings(TransportSettings::default())
    }

    /// A transport applying `settings`, trusting Mozilla's roots. Does no IO.
    pub fn with_settings(settings: TransportSettings) -> Self {
        Self::with_roots(settings, RootCertificates::default())
    }

    /// A transport applying `settings`, trusting `roots`: Mozilla's plus the added ones, or
    /// the added ones alone ([`RootCertificates::without_defaults`]). Does no IO.
    pub fn with_roots(settings: TransportSettings, roots: RootCertificates) -> Self {
        Self::lazy(settings, Source::Own(roots))
    }

    /// A transport whose four clients `make` builds, on the first request, with the SDK's rules
    /// set on top of each (see the crate docs, "A caller's reqwest configuration"). Does no IO.
    ///
    /// TLS is the builder's: one that hands reqwest no configured TLS backend needs the
    /// process-wide default crypto provider installed (see the crate docs); without one,
    /// requests fail with an [`Other`](TransportErrorKind::Other) error, sending nothing.
    ///
    /// ```
    /// use std::time::Duration;
    /// use easy_checkout_reqwest::{ReqwestTransport, TransportSettings};
    ///
    /// let transport = ReqwestTransport::from_client_builder(
    ///     || reqwest::Client::builder().local_address(std::net::IpAddr::from([10, 0, 0, 7])),
    ///     TransportSettings::default().timeout(Duration::from_secs(20)),
    /// );
    /// ```
    pub fn from_client_builder(
        make: impl Fn() -> reqwest::ClientBuilder + Send + Sync + 'static,
        settings: TransportSettings,
    ) -> Self {
        Self::lazy(settings, Source::Callers(Box::new(make)))
    }

    fn lazy(settings: TransportSettings, source: Source) -> Self {
        Self {
            settings,
            source: Arc::new(source),
            clients: Arc::default(),
        }
    }

    /// The settings this transport applies.
    pub fn settings(&self) -> &TransportSettings {
        &self.settings
    }

    /// The client for `request`: by its scheme's route, pooled unless it must not be sent
    /// twice.
    fn client_for(
        &self,
        request: &http::Request<Vec<u8>>,
    ) -> Result<&reqwest::Client, TransportError> {
        let clients = self
            .clients
            .get_or_init(|| build_clients(&self.source, &self.settings))
            .as_ref()
            .map_err(|why| {
                TransportError::msg(TransportErrorKind::Other, why.clone()).not_sent()
            })?;
        let route = if bypasses_proxy(request) {
            &clients.direct
        } else {
            &clients.proxied
        };
        Ok(if may_resend(request) {
            &route.pooled
        } else {
            &route.fresh
        })
    }
}

impl Default for ReqwestTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &*self.source {
            Source::Own(roots) => format!("Own({roots:?})"),
            Source::Callers(_) => "Callers".to_owned(),
        };
        f.debug_struct("ReqwestTransport")
            .field("settings", &self.settings)
            .field("clients", &format_args!("{source}"))
            .field("built", &self.clients.get().is_some())
            .finish()
    }
}

impl AsyncTransport for ReqwestTransport {
    /// Sends `request`: on a pooled keep-alive connection when it may be sent again, on a
    /// connection of its own otherwise. Nothing below this sends a request again once hyper
    /// has started to write it:
    ///
    /// - reqwest 0.13: the clients' retry layer is `retry::never()` (its default,
    ///   `src/retry.rs`, retries only HTTP/2 `GOAWAY`/`REFUSED_STREAM` and HTTP/3 errors).
    /// - hyper-util 0.1, `src/client/legacy/client.rs`: `Client::send_request` retries only a
    ///   `TrySendError::Retryable`, built only when hyper hands the request back on a reused
    ///   connection.
    /// - hyper 1 hands a request back only while it is still queued (`src/client/dispatch.rs`,
    ///   `Envelope::drop`; `src/proto/h1/dispatch.rs`, `Client::recv_msg`): the request in
    ///   flight, taken by `Client::poll_msg` to be written, gets `message: None`.
    ///
    /// So a request written on a kept-alive connection that then dies fails with an `Io`
    /// error; it is never written twice.
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let client = self.client_for(&request)?;
        let request = to_reqwest(request)?;
        let response = client
            .execute(request)
            .await
            .map_err(|e| map_error(e, Phase::Exchange))?;
        read_limited(response, self.settings.max_body_bytes).await
    }
}

/// Builds the four clients from `source` with the SDK's rules, or says why it cannot.
fn build_clients(source: &Source, settings: &TransportSettings) -> Result<Clients, String> {
    let tls = match source {
        Source::Own(roots) => Some(tls_config(roots)?),
        Source::Callers(_) => None,
    };
    let client = |direct: bool, pooled: bool| -> Result<reqwest::Client, String> {
        let builder = match source {
            Source::Own(_) => reqwest::Client::builder()
                .http1_only()
                .tls_backend_preconfigured(tls.clone().expect("built above")),
            Source::Callers(make) => make(),
        };
        let builder = builder
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .no_gzip()
            .no_brotli()
            .no_deflate()
            .no_zstd()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout);
        let builder = if direct { builder.no_proxy() } else { builder };
        let builder = if pooled {
            builder
        } else {
            builder.pool_max_idle_per_host(0)
        };
        // reqwest panics when it needs a crypto provider and none is installed.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| builder.build())) {
            Ok(Ok(client)) => Ok(client),
            Ok(Err(e)) => Err(format!("the reqwest client could not be built: {e}")),
            Err(panic) => Err(format!(
                "reqwest could not build the client: {}",
                panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default()
            )),
        }
    };
    Ok(Clients {
        direct: Route {
            pooled: client(true, true)?,
            fresh: client(true, false)?,
        },
        proxied: Route {
            pooled: client(false, true)?,
            fresh: client(false, false)?,
        },
    })
}

/// The rustls configuration of the transport's own clients: the crypto provider (see the
/// crate docs) and the roots.
fn tls_config(roots: &RootCertificates) -> Result<rustls::ClientConfig, String> {
    let mut store = rustls::RootCertStore::empty();
    if roots.uses_defaults() {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for der in roots.added() {
        store
            .add(rustls::pki_types::CertificateDer::from(der.to_vec()))
            .map_err(|e| format!("an added root certificate was refused by rustls: {e}"))?;
    }
    let config = rustls::ClientConfig::builder_with_provider(crypto_provider()?)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("the crypto provider supports no TLS version: {e}"))?
        .with_root_certificates(store)
        .with_no_client_auth();
    Ok(config)
}

/// The `ring` provider.
#[cfg(feature = "ring")]
fn crypto_provider() -> Result<Arc<rustls::crypto::CryptoProvider>, String> {
    Ok(Arc::new(rustls::crypto::ring::default_provider()))
}

/// The process-wide default provider, which the program installs.
#[cfg(not(feature = "ring"))]
fn crypto_provider() -> Result<Arc<rustls::crypto::CryptoProvider>, String> {
    rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .ok_or_else(|| {
            "no rustls crypto provider: easy-checkout-reqwest is built without its `ring` \
             feature, and no process-wide default was installed \
             (`rustls::crypto::CryptoProvider::install_default`) before the first request"
                .to_owned()
        })
}

/// The reqwest request for `request`, or the reason it cannot go out as built.
fn to_reqwest(request: http::Request<Vec<u8>>) -> Result<reqwest::Request, TransportError> {
    let (mut parts, body) = request.into_parts();
    if body.is_empty() && method_takes_body(&parts.method) {
        // hyper sends an empty body as no body at all, without a length.
        parts
            .headers
            .entry(header::CONTENT_LENGTH)
            .or_insert(header::HeaderValue::from_static("0"));
    }
    let (path, query) = (
        parts.uri.path().to_owned(),
        parts.uri.query().map(str::to_owned),
    );
    let request = reqwest::Request::try_from(http::Request::from_parts(parts, body))
        .map_err(|e| map_error(e, Phase::Exchange))?;
    let url = request.url();
    if url.path() != path || url.query() != query.as_deref() {
        let why = format!(
            "the URL parser would send {:?} (query {:?}) for {path:?} (query {query:?})",
            url.path(),
            url.query()
        );
        return Err(TransportError::msg(TransportErrorKind::Other, why).not_sent());
    }
    Ok(request)
}

/// Reads `response`'s body chunk by chunk, failing as soon as it passes `limit` bytes (and
/// before reading when its `Content-Length` is over it).
async fn read_limited(
    mut response: reqwest::Response,
    limit: u64,
) -> Result<http::Response<Vec<u8>>, TransportError> {
    let announced = response.content_length();
    if announced.is_some_and(|n| n > limit) {
        return Err(TransportError::body_too_large(limit));
    }
    let mut body = Vec::with_capacity(announced.unwrap_or(0).min(64 * 1024) as usize);
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| map_error(e, Phase::Body))?
    {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(TransportError::body_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    let mut out = http::Response::new(body);
    *out.status_mut() = response.status();
    *out.version_mut() = response.version();
    *out.headers_mut() = std::mem::take(response.headers_mut());
    Ok(out)
}

/// Where a reqwest error arose: up to the response head, or reading the body.
#[derive(Clone, Copy)]
enum Phase {
    Exchange,
    Body,
}

/// Classifies a reqwest error, keeping it as the source.
fn map_error(error: reqwest::Error, phase: Phase) -> TransportError {
    use TransportErrorKind as K;
    let (kind, not_sent) = match phase {
        // The request is long gone; reqwest calls a broken body a "decode" error.
        Phase::Body if error.is_timeout() => (K::Timeout, false),
        Phase::Body => (K::Io, false),
        // hyper-util's `Connect` kind: the connector failed (refused, DNS, the connect
        // timeout, the TLS handshake), so no byte of the request was written.
        Phase::Exchange if error.is_connect() && error.is_timeout() => (K::Timeout, true),
        Phase::Exchange if error.is_connect() && caused_by_tls(&error) => (K::Tls, true),
        Phase::Exchange if error.is_connect() => (K::Connect, true),
        // The total timeout: it may strike after the request went out.
        Phase::Exchange if error.is_timeout() => (K::Timeout, false),
        Phase::Exchange if error.is_builder() => (K::Other, true),
        // A reset or cut connection, a reply hyper could not parse.
        Phase::Exchange => (K::Io, false),
    };
    let error = TransportError::new(kind, error);
    if not_sent {
        error.not_sent()
    } else {
        error.maybe_sent()
    }
}

/// Whether a rustls error is among `error`'s causes: a failed handshake (hyper-rustls
/// reports it as an `io::Error` carrying the rustls error, inside another `io::Error`).
fn caused_by_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    if error.is::<rustls::Error>() {
        return true;
    }
    // `io::Error::source` skips the error it wraps (it returns that error's source): look
    // inside it.
    if let Some(inner) = error
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        if caused_by_tls(inner) {
            return true;
        }
    }
    error.source().is_some_and(caused_by_tls)
}

impl Adapter for ReqwestTransport {
    const USER_AGENT_SUFFIX: &'static str = USER_AGENT_SUFFIX;

    fn from_settings(settings: TransportSettings) -> Self {
        Self::with_settings(settings)
    }
}

/// [`AsyncClient::from_key`] over reqwest.
pub fn from_key(api_key: &str) -> Result<Client, Error> {
    Client::from_key(api_key)
}

/// A client configured from the process environment ([`Config::from_lookup`]).
pub fn from_env() -> Result<Client, Error> {
    let config = Config::from_lookup(|name| std::env::var_os(name))?;
    Ok(Client::with_config(config, TransportSettings::default()))
}

/// [`AsyncClient::with_base_url`] over reqwest.
pub fn with_base_url(api_key: &str, base_url: &str) -> Result<Client, Error> {
    Client::with_base_url(api_key, base_url)
}

/// [`AsyncClient::with_config`] over reqwest.
pub fn with_config(config: Config, settings: TransportSettings) -> Client {
    Client::with_config(config, settings)
}

/// [`AsyncClient::with_transport`]: over a [`ReqwestTransport`] with added roots, or your own
/// builder's clients.
pub fn with_transport(config: Config, transport: ReqwestTransport) -> Client {
    Client::with_transport(config, transport)
}
