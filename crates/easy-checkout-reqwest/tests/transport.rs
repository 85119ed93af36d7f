//! What only `ReqwestTransport` does, over real loopback HTTP: beyond the obligations every
//! transport keeps (`tests/conformance.rs`), the `not_sent` mark of a connect timeout, the
//! paths reqwest's URL parser would rewrite, the one header reqwest adds, the connection pool,
//! a caller's builder without a crypto provider, and what a default reqwest client does with
//! a redirect.

use std::time::Duration;

use easy_checkout_conformance::loopback::{Backlogged, Server, reply};
use easy_checkout_core::{
    AsyncClient, AsyncTransport, BaseUrl, Config, TransportError, TransportErrorKind as K,
    TransportSettings, http,
};
use easy_checkout_reqwest::{ReqwestTransport, TokioSleep};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url).body(Vec::new()).expect("request")
}

#[test]
fn a_connect_timeout_is_marked_not_sent() {
    let Some(backlogged) = Backlogged::new() else {
        eprintln!("cannot run here: the accept queue never filled");
        return;
    };
    let transport = ReqwestTransport::with_settings(
        TransportSettings::default()
            .connect_timeout(Duration::from_millis(200))
            .timeout(Duration::from_secs(5)),
    );
    let error = runtime()
        .block_on(transport.send(get(&format!("http://{}/", backlogged.addr))))
        .expect_err("nothing accepts");
    assert_eq!(
        (error.kind(), error.certainly_not_sent()),
        (K::Timeout, true),
        "{error:?}"
    );
}

#[test]
fn a_path_the_url_parser_would_rewrite_is_refused_before_sending() {
    let server = Server::fixed(reply("204 No Content", &[], b""));
    let transport = ReqwestTransport::new();
    let runtime = runtime();
    for path in ["/a/../config", "/a/%2e%2e/config", "/a/./b"] {
        let error = runtime
            .block_on(transport.send(get(&server.url(path))))
            .expect_err(path);
        assert_eq!(error.kind(), K::Other, "{path}: {error}");
        assert!(error.certainly_not_sent(), "{path}");
    }
    // A percent-encoded slash is no dot segment: it goes out as it is.
    runtime
        .block_on(transport.send(get(&server.url("/a/ecs_1%2F..%2Fconfig"))))
        .expect("sent");
    assert_eq!(server.request().target(), "/a/ecs_1%2F..%2Fconfig");
    assert_eq!(server.accepts(), 1, "only that request reached the server");
}

/// The one header reqwest adds of its own (`ClientBuilder::new` puts it in the default
/// headers, which no setting removes), on a request without an `Accept`. The core puts
/// `Accept: application/json` on every request it builds.
#[test]
fn reqwest_adds_accept_only_to_a_request_without_one() {
    let server = Server::fixed(reply("204 No Content", &[], b""));
    runtime()
        .block_on(ReqwestTransport::new().send(get(&server.url("/bare"))))
        .expect("sent");
    let seen = server.request();
    assert_eq!(seen.header_names(), ["accept", "host"]);
    assert_eq!(seen.header("accept"), Some("*/*"));
}

#[test]
fn one_connection_serves_every_request_and_every_clone() {
    let ok = Server::fixed(reply("200 OK", &[], b"{}"));
    let not_found = Server::fixed(reply("404 Not Found", &[], b"{\"error\":{}}"));
    let transport = ReqwestTransport::new();
    let runtime = runtime();
    for server in [&ok, &not_found] {
        for t in [&transport, &transport.clone(), &transport] {
            runtime
                .block_on(t.send(get(&server.url("/again"))))
                .expect("sent");
        }
        assert_eq!(server.accepts(), 1, "one connection for three requests");
    }
}

/// reqwest panics building a client that needs a crypto provider when none is installed:
/// the transport reports it instead, sending nothing. (No test of this binary installs one.)
#[test]
fn a_callers_builder_without_a_crypto_provider_fails_cleanly() {
    let server = Server::fixed(reply("204 No Content", &[], b""));
    let transport =
        ReqwestTransport::from_client_builder(reqwest::Client::builder, Default::default());
    let error = runtime()
        .block_on(transport.send(get(&server.url("/"))))
        .expect_err("no provider");
    assert_eq!(error.kind(), K::Other, "{error}");
    assert!(error.certainly_not_sent());
    assert!(error.to_string().contains("crypto provider"), "{error}");
    assert_eq!(server.accepts(), 0);
}

/// What a hand-written reqwest transport over a default `reqwest::Client` does: it follows a
/// redirect to another server with the API key, which reqwest does not count among the
/// headers it drops on the way (`Authorization`, `Cookie`, …). `ReqwestTransport` hands the
/// 302 back instead.
#[test]
fn a_default_reqwest_client_carries_the_api_key_through_a_redirect() {
    let elsewhere = Server::fixed(reply("200 OK", &[], br#"{"data":{}}"#));
    let location = elsewhere.url("/stolen");
    let api = Server::fixed(reply("302 Found", &[("Location", &location)], b""));
    let config = Config::new("sk_test_redirected".parse().expect("key"))
        .with_base_url(BaseUrl::parse(&api.url("")).expect("loopback"));
    let naive = reqwest::Client::builder()
        .tls_backend_preconfigured(
            rustls::ClientConfig::builder_with_provider(
                rustls::crypto::ring::default_provider().into(),
            )
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
        )
        .build()
        .expect("a default client");
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
    let runtime = runtime();
    let client = AsyncClient::new(transport, config.clone(), TokioSleep);
    runtime
        .block_on(client.embedded_checkout().get_config())
        .expect("the redirect was followed");
    let seen = elsewhere.request();
    assert_eq!(seen.target(), "/stolen");
    assert_eq!(seen.header("x-easy-api-key"), Some("sk_test_redirected"));

    let client = easy_checkout_reqwest::with_config(config, TransportSettings::default());
    let error = runtime
        .block_on(client.embedded_checkout().get_config())
        .expect_err("a 302 is an API error");
    assert_eq!(error.as_api().map(|e| e.status.as_u16()), Some(302));
    assert!(
        elsewhere.take_requests().is_empty(),
        "nothing followed the redirect"
    );
}
