//! What only `IsahcTransport` does, over real loopback HTTP (libcurl's defaults, the settings
//! that turn them off, what isahc cannot send), and the TLS tests of the shared transport
//! suite under this crate's features. The rest of the suite, the same for every adapter,
//! runs from the workspace's `tests/` (`tests/tests/transport_isahc.rs`).

use std::time::{Duration, Instant};

use easy_checkout_core::{Transport, TransportErrorKind, http};
use easy_checkout_isahc::IsahcTransport;
use easy_checkout_tests::loopback::{Server, reply};
use easy_checkout_tests::transport_suite::{
    Adapter, CUT_AFTER_THE_LAST_CHUNK, an_empty_reply_is_judged_by_its_head, assert_endings,
    bare_get,
};
use easy_checkout_tests::{adapter, transport_tests};

const ADAPTER: Adapter<IsahcTransport> = adapter!(easy_checkout_isahc, IsahcTransport);

#[test]
fn transport_adds_only_curl_defaults_to_a_bare_request() {
    let seen = bare_get(&ADAPTER);
    // isahc's user agent and libcurl's accept, only because the request has none; no
    // accept-encoding, no content-length on a body-less GET.
    assert_eq!(seen.header_names(), ["accept", "host", "user-agent"]);
    assert_eq!(seen.header_all("accept"), ["*/*"]);
    assert!(
        seen.header("user-agent")
            .is_some_and(|ua| ua.contains("isahc/"))
    );
}

#[test]
fn large_bodies_go_out_without_expect() {
    let server = Server::fixed(reply("200 OK", &[], b"{}"));
    let body = vec![b'x'; 2 * 1024 * 1024];
    for method in [http::Method::POST, http::Method::PUT, http::Method::PATCH] {
        let request = http::Request::builder()
            .method(method.clone())
            .uri(server.url("/upload"))
            .header("content-type", "application/json")
            .body(body.clone())
            .expect("request");
        let started = Instant::now();
        ADAPTER.fast().send(request).expect("sent");
        let seen = server.request();
        assert_eq!(seen.method(), method.as_str());
        assert!(seen.header("expect").is_none(), "{:?}", seen.headers);
        assert!(seen.header("transfer-encoding").is_none());
        assert_eq!(seen.header_all("content-length"), ["2097152"]);
        assert_eq!(seen.body.len(), body.len());
        // No 1 s wait for a `100 Continue`.
        assert!(
            started.elapsed() < Duration::from_millis(900),
            "{:?}",
            started.elapsed()
        );
    }
}

#[test]
fn header_values_isahc_cannot_send_are_refused_not_panicked_on() {
    let server = Server::fixed(reply("200 OK", &[], b""));
    let request = http::Request::get(server.url("/"))
        .header(
            "x-latin1",
            http::HeaderValue::from_bytes(b"caf\xe9").expect("obs-text value"),
        )
        .body(Vec::new())
        .expect("request");
    let error = ADAPTER.fast().send(request).expect_err("refused");
    assert_eq!(error.kind(), TransportErrorKind::Other, "{error:?}");
    assert!(error.to_string().contains("x-latin1"), "{error}");
    assert_eq!(server.accepts(), 0);
}

#[test]
fn curl_adds_a_form_content_type_only_to_a_post_without_one() {
    // Documented behaviour of libcurl's POST mode; the core always sets `Content-Type` on a
    // request with a body, so its requests never get this.
    let server = Server::fixed(reply("200 OK", &[], b""));
    let request = http::Request::post(server.url("/form"))
        .body(b"a=1".to_vec())
        .expect("request");
    ADAPTER.fast().send(request).expect("sent");
    assert_eq!(
        server.request().header_all("content-type"),
        ["application/x-www-form-urlencoded"]
    );
}

/// libcurl ends a transfer cut inside the response head as if the reply were whole, so an
/// empty response is judged by what its head declares (see the crate's guarantees).
#[test]
fn an_empty_reply_is_whole_only_when_its_head_declares_no_body() {
    an_empty_reply_is_judged_by_its_head(&ADAPTER, false);
}

/// Past the head libcurl checks the framing itself: a chunked body whose last chunk came and
/// not the blank line after it is a partial transfer.
#[test]
fn a_chunked_body_cut_after_its_last_chunk_is_io() {
    let (what, reply) = CUT_AFTER_THE_LAST_CHUNK;
    assert_endings(&ADAPTER, &[(what, http::Method::GET, reply, None)]);
}

#[cfg(feature = "native-tls")]
transport_tests! {
    ADAPTER;
    plain_http_on_an_https_url_is_tls,
    tls_server_that_hangs_up_is_not_a_success,
}

#[cfg(not(feature = "native-tls"))]
transport_tests! { ADAPTER; https_without_a_tls_feature_fails_cleanly }
