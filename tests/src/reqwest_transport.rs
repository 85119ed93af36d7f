//! [`ReqwestTransport`]: an [`AsyncTransport`] over one `reqwest::Client` on tokio, for
//! running the async driver over a real async HTTP stack. Test support, not a published
//! adapter: plain HTTP only (the tests reach loopback servers), no TLS.
//!
//! It keeps the guarantees the blocking adapters keep (`easy-checkout-ureq`'s crate docs,
//! "What the transport guarantees"):
//!
//! - The request goes out as built: method, URI, headers and body. reqwest (default
//!   features off) adds no `Accept-Encoding` and decodes nothing; hyper adds `Host`, and
//!   `Content-Length` for a non-empty body. An empty body on a method that takes one goes
//!   out with `Content-Length: 0`, on one that takes none with no body at all. Two things
//!   reqwest would change are guarded: it adds `Accept: */*` to a request without an
//!   `Accept` (every request the core builds has `Accept: application/json`, so nothing is
//!   added to those), and it passes the URI through `url::Url`, which could rewrite a path
//!   (dot segments): a request whose path or query would not go out byte for byte is
//!   refused before sending.
//! - Every status comes back as a response with its whole body; redirects are never
//!   followed (`redirect::Policy::none()`).
//! - [`TransportSettings`] are applied: the connect timeout, the total timeout (reqwest's
//!   `timeout` covers connect to last body byte), and the body cap, enforced while
//!   streaming: chunk by chunk, failing as soon as the cap is passed, and before reading
//!   any byte when `Content-Length` is over it.
//! - HTTP/1.1 only, keep-alive connections pooled and reused; no proxy (`no_proxy()`: the
//!   tests use loopback only, and an `http://` request must never go through one). Reuse
//!   is exact on a current-thread runtime, the one the tests use; on a multi-threaded one
//!   hyper-util may open a second connection for back-to-back calls (see
//!   [`OnTokio`](crate::driver::OnTokio)).
//! - A request is sent once. reqwest's own retry layer is turned off (`retry::never()`;
//!   its default only retries HTTP/2 and HTTP/3 protocol NACKs, and neither protocol is
//!   compiled in). The pooled hyper-util client below it retries only requests hyper never
//!   started to write, so a [`NoResend`](easy_checkout_core::ops::NoResend) request
//!   needs no connection of its own (see [`ReqwestTransport::send`] for the code read).
//! - A reply cut anywhere (in the status line, the headers, or a body with a
//!   `Content-Length` or chunked) is an [`Io`](TransportErrorKind::Io) error, never a
//!   response and never a decode error: reqwest reports a body error as "decode", and this
//!   transport maps every failure while reading a body to `Io` (or `Timeout`).
//!
//! Errors: a failure to connect (refused, unreachable, DNS) is `Connect`, the connect
//! timeout `Timeout`, both marked [`not_sent`](TransportError::not_sent); a request reqwest
//! refused to build is `Other`, not sent; the total timeout is `Timeout` and everything
//! else `Io`, both maybe sent (they can strike after the request went out).

use std::fmt;
use std::future::Future;

use easy_checkout_core::http::{self, header};
use easy_checkout_core::ops::method_takes_body;
use easy_checkout_core::{AsyncTransport, TransportError, TransportErrorKind, TransportSettings};

/// The name appended to the SDK's user agent by the clients built over this transport.
pub const USER_AGENT_SUFFIX: &str = "reqwest";

/// An [`AsyncTransport`] over one `reqwest::Client`. Cheap to clone: clones share the
/// client and its connection pool.
#[derive(Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    settings: TransportSettings,
}

impl ReqwestTransport {
    /// A transport applying `settings`. Does no IO. Call it inside a tokio runtime, which the
    /// transport's connections then live on.
    pub fn with_settings(settings: TransportSettings) -> Self {
        Self {
            client: reqwest_client(&settings),
            settings,
        }
    }

    /// The settings this transport applies.
    pub fn settings(&self) -> &TransportSettings {
        &self.settings
    }

    /// Sends `request` and reads its whole body, under the cap.
    async fn exchange(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let request = to_reqwest(request)?;
        let response = self
            .client
            .execute(request)
            .await
            .map_err(|e| map_error(e, Phase::Exchange))?;
        read_limited(response, self.settings.max_body_bytes).await
    }
}

impl fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqwestTransport")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl AsyncTransport for ReqwestTransport {
    /// Sends `request` on a pooled keep-alive connection, whatever its
    /// [`NoResend`](easy_checkout_core::ops::NoResend) mark, because nothing below
    /// this sends a request again once hyper has started to write it:
    ///
    /// - reqwest 0.13.5: the client's retry layer is built from `retry::never()` here. Its
    ///   default (`src/retry.rs`, `Builder::default` and `is_retryable_error`) retries only
    ///   HTTP/2 `GOAWAY`/`REFUSED_STREAM` and HTTP/3 errors.
    /// - hyper-util 0.1.21, `src/client/legacy/client.rs`: `Client::send_request` loops on
    ///   `try_send_request`, and retries (`retry_canceled_requests`, on by default) only a
    ///   `TrySendError::Retryable`, built only when hyper hands the request back
    ///   (`err.take_message()` is `Some`) on a reused connection.
    /// - hyper 1.12.0 hands it back only while it is still queued: `src/client/dispatch.rs`
    ///   (`Envelope::drop`, a request never taken off the queue) and
    ///   `src/proto/h1/dispatch.rs` (`Client::recv_msg`: a connection error cancels a
    ///   *queued* request with `message: Some`; the request in flight, taken by
    ///   `Client::poll_msg` to be written, gets `message: None`). `client/conn/http1.rs`
    ///   (`SendRequest::try_send_request`) returns it when the connection was not ready.
    ///
    /// So a keyless `confirm` written on a kept-alive connection that then dies fails with
    /// an `Io` error; it is never written twice.
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send {
        self.exchange(request)
    }
}

/// A `reqwest::Client` configured as a [`ReqwestTransport`] with `settings` configures its
/// own (the loopback benchmark's bare client is one too).
pub fn reqwest_client(settings: &TransportSettings) -> reqwest::Client {
    reqwest::Client::builder()
        .http1_only()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never())
        .no_proxy()
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.timeout)
        .build()
        .expect("a reqwest client without TLS or proxies builds")
}

/// The reqwest request for `request`, or the reason it cannot go out as built.
fn to_reqwest(request: http::Request<Vec<u8>>) -> Result<reqwest::Request, TransportError> {
    if request.uri().scheme() == Some(&http::uri::Scheme::HTTPS) {
        return Err(
            TransportError::msg(TransportErrorKind::Tls, "this transport has no TLS").not_sent(),
        );
    }
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
        // timeout), so no byte of the request was written.
        Phase::Exchange if error.is_connect() && error.is_timeout() => (K::Timeout, true),
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

/// [`ReqwestTransport`] as a blocking [`Transport`](easy_checkout_core::Transport), for the
/// transport suite (`tests/tests/transport_reqwest.rs`): each send is `block_on` on a
/// current-thread tokio runtime the transport and its clones share, the one its connections
/// live on. Of the adapter crates' constructors it has the two the suite's client tests use,
/// `with_base_url` and `with_config`.
pub mod blocking {
    use std::sync::Arc;

    use easy_checkout_core::{
        AsyncTransport, BaseUrl, Config, Error, Transport, TransportError, TransportSettings, http,
    };

    use super::{ReqwestTransport, USER_AGENT_SUFFIX};

    /// The blocking client over this transport.
    pub type Client = easy_checkout_core::Client<BlockingReqwest>;

    /// A [`ReqwestTransport`] and the runtime its sends block on.
    #[derive(Clone, Debug)]
    pub struct BlockingReqwest {
        transport: ReqwestTransport,
        runtime: Arc<tokio::runtime::Runtime>,
    }

    impl BlockingReqwest {
        /// A transport applying `settings`, on a runtime of its own.
        pub fn with_settings(settings: TransportSettings) -> Self {
            let runtime = crate::driver::current_thread_runtime();
            let transport = {
                let _inside = runtime.enter();
                ReqwestTransport::with_settings(settings)
            };
            Self {
                transport,
                runtime: Arc::new(runtime),
            }
        }

        /// The settings the transport applies.
        pub fn settings(&self) -> &TransportSettings {
            self.transport.settings()
        }
    }

    impl Transport for BlockingReqwest {
        fn send(
            &self,
            request: http::Request<Vec<u8>>,
        ) -> Result<http::Response<Vec<u8>>, TransportError> {
            self.runtime.block_on(self.transport.send(request))
        }
    }

    /// A client for `api_key` that sends every request to `base_url`.
    pub fn with_base_url(api_key: &str, base_url: &str) -> Result<Client, Error> {
        let config = Config::for_base_url(BaseUrl::parse(base_url)?, api_key)?;
        Ok(with_config(config, TransportSettings::default()))
    }

    /// A client for `config` over a transport with `settings`; appends `reqwest` to the
    /// user agent.
    pub fn with_config(config: Config, settings: TransportSettings) -> Client {
        Client::new(
            BlockingReqwest::with_settings(settings),
            config.with_user_agent_suffix(USER_AGENT_SUFFIX),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::time::Duration;

    use easy_checkout_core::{Transport, TransportErrorKind as K, TransportSettings, http};

    use super::ReqwestTransport;
    use super::blocking::BlockingReqwest;
    use crate::loopback::{After, Backlogged, Server, closed_port, reply};

    fn transport(settings: TransportSettings) -> BlockingReqwest {
        BlockingReqwest::with_settings(settings)
    }

    fn get(url: &str) -> http::Request<Vec<u8>> {
        http::Request::get(url).body(Vec::new()).expect("request")
    }

    /// `(kind, certainly_not_sent)` of the failed GET of `url`.
    fn failure(transport: &BlockingReqwest, url: &str) -> (K, bool) {
        let error = transport.send(get(url)).expect_err("fails");
        (error.kind(), error.certainly_not_sent())
    }

    #[test]
    fn only_failures_before_the_request_went_out_are_marked_not_sent() {
        let fast = transport(TransportSettings::default().timeout(Duration::from_millis(300)));
        let refused = format!("http://{}/", closed_port());
        assert_eq!(failure(&fast, &refused), (K::Connect, true));
        assert_eq!(
            failure(&fast, "https://127.0.0.1:9/"),
            (K::Tls, true),
            "no TLS here"
        );
        if let Some(backlogged) = Backlogged::new() {
            let connect = transport(
                TransportSettings::default()
                    .connect_timeout(Duration::from_millis(200))
                    .timeout(Duration::from_secs(5)),
            );
            let url = format!("http://{}/", backlogged.addr);
            assert_eq!(
                failure(&connect, &url),
                (K::Timeout, true),
                "connect timeout"
            );
        }
        // After the request went out: the total timeout, a cut reply, an oversized body.
        let silent = Server::start(|_, _| {
            std::thread::sleep(Duration::from_secs(1));
            After::Close
        });
        assert_eq!(failure(&fast, &silent.url("/")), (K::Timeout, false));
        let cut = Server::start(|_, stream| {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
            After::Close
        });
        assert_eq!(failure(&fast, &cut.url("/")), (K::Io, false));
        let big = Server::fixed(reply("200 OK", &[], &[b'x'; 100]));
        let capped = transport(TransportSettings::default().max_body_bytes(10));
        assert_eq!(failure(&capped, &big.url("/")), (K::BodyTooLarge, false));
    }

    #[test]
    fn a_path_the_url_parser_would_rewrite_is_refused_before_sending() {
        let server = Server::fixed(reply("204 No Content", &[], b""));
        let fast = transport(TransportSettings::default());
        for path in ["/a/../config", "/a/%2e%2e/config", "/a/./b"] {
            let error = fast.send(get(&server.url(path))).expect_err(path);
            assert_eq!(error.kind(), K::Other, "{path}: {error}");
            assert!(error.certainly_not_sent(), "{path}");
        }
        // A percent-encoded slash is no dot segment: it goes out as it is.
        fast.send(get(&server.url("/a/ecs_1%2F..%2Fconfig")))
            .expect("sent");
        assert_eq!(server.request().target(), "/a/ecs_1%2F..%2Fconfig");
        assert_eq!(server.accepts(), 1, "only that request reached the server");
    }

    /// What the async driver's docs suggest ("with reqwest, send the request and read the
    /// body into a `Vec<u8>`"), done with a default `reqwest::Client`: it follows a redirect
    /// to another server with the API key, which reqwest does not count among the headers it
    /// drops on the way (`Authorization`, `Cookie`, …). `ReqwestTransport` (no redirects)
    /// hands the 302 back instead.
    #[test]
    fn a_default_reqwest_client_carries_the_api_key_through_a_redirect() {
        use easy_checkout_core::{AsyncClient, BaseUrl, Config, TransportError};

        let elsewhere = Server::fixed(reply("200 OK", &[], br#"{"data":{}}"#));
        let location = elsewhere.url("/stolen");
        let api = Server::fixed(reply("302 Found", &[("Location", &location)], b""));
        let config = Config::new("sk_test_redirected".parse().expect("key"))
            .with_base_url(BaseUrl::parse(&api.url("")).expect("loopback"));
        let runtime = crate::driver::current_thread_runtime();
        let naive = {
            let _inside = runtime.enter();
            reqwest::Client::new()
        };
        let transport = move |request: http::Request<Vec<u8>>| {
            let naive = naive.clone();
            async move {
                let io = |e: reqwest::Error| TransportError::new(K::Io, e);
                let response = naive.execute(request.try_into().map_err(io)?).await;
                let response = response.map_err(io)?;
                let status = response.status();
                let mut out = http::Response::new(response.bytes().await.map_err(io)?.to_vec());
                *out.status_mut() = status;
                Ok(out)
            }
        };
        let client = AsyncClient::new(transport, config.clone(), crate::driver::TokioSleep);
        runtime
            .block_on(client.embedded_checkout().get_config())
            .expect("the redirect was followed");
        assert_eq!(
            api.request().header("x-easy-api-key"),
            Some("sk_test_redirected")
        );
        let seen = elsewhere.request();
        assert_eq!(seen.target(), "/stolen");
        assert_eq!(seen.header("x-easy-api-key"), Some("sk_test_redirected"));

        let transport = {
            let _inside = runtime.enter();
            ReqwestTransport::with_settings(TransportSettings::default())
        };
        let client = AsyncClient::new(transport, config, crate::driver::TokioSleep);
        let error = runtime
            .block_on(client.embedded_checkout().get_config())
            .expect_err("a 302 is an API error");
        assert_eq!(error.as_api().map(|e| e.status.as_u16()), Some(302));
        assert_eq!(
            elsewhere.pending_requests(),
            0,
            "nothing followed the redirect"
        );
    }

    /// The one header reqwest adds of its own (`ClientBuilder::new` puts it in the default
    /// headers, which no setting removes), on a request without an `Accept`. The core puts
    /// `Accept: application/json` on every request it builds.
    #[test]
    fn reqwest_adds_accept_only_to_a_request_without_one() {
        let server = Server::fixed(reply("204 No Content", &[], b""));
        let fast = transport(TransportSettings::default());
        fast.send(get(&server.url("/bare"))).expect("sent");
        let seen = server.request();
        assert_eq!(seen.header_names(), ["accept", "host"]);
        assert_eq!(seen.header("accept"), Some("*/*"));
        let config = easy_checkout_core::Config::new("sk_test_1".parse().expect("key"));
        let built = config
            .build(&easy_checkout_core::ops::GetConfig)
            .expect("built");
        assert_eq!(built.headers()["accept"], "application/json");
    }
}
