//! What only `UreqTransport` does, over real loopback HTTP: beyond the obligations every
//! transport keeps (`tests/conformance.rs`), what ureq adds, how it reads the end of a reply,
//! its connection pool, and trusting added roots alone.

use std::time::{Duration, Instant};

use easy_checkout_conformance::certs::{Leaf, TestCa};
use easy_checkout_conformance::loopback::{After, Server, reply};
use easy_checkout_ureq::easy_checkout_core::{Transport, TransportErrorKind, http};
use easy_checkout_ureq::{RootCertificates, TransportSettings, UreqTransport};

fn get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url).body(Vec::new()).expect("a request")
}

fn transport() -> UreqTransport {
    UreqTransport::with_settings(TransportSettings::default().timeout(Duration::from_secs(5)))
}

#[test]
fn the_transport_adds_no_headers_of_its_own() {
    let server = Server::fixed(reply("204 No Content", &[], b""));
    transport().send(get(&server.url("/bare"))).expect("sent");
    // No user-agent, accept, accept-encoding; no content-length on a body-less GET.
    assert_eq!(server.request().header_names(), ["host"]);
}

/// ureq knows where a response head ends: a head cut after it declared no body is `Io`, and a
/// whole reply with an undeclared empty body is a response (isahc cannot tell these apart).
/// Its own leniency (`BodyHandler::ended`): a chunked body whose last chunk came, and not the
/// blank line after it, is whole, the whole body having arrived.
#[test]
fn a_cut_head_is_told_from_a_whole_reply_and_a_last_chunk_ends_the_body() {
    const GET: http::Method = http::Method::GET;
    const HEAD: http::Method = http::Method::HEAD;
    let (io, empty) = (Err(TransportErrorKind::Io), Ok((200, Vec::new())));
    let rows: [(http::Method, &[u8], _); 6] = [
        (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n", io.clone()),
        (GET, b"HTTP/1.1 204 No Content\r\n", io.clone()),
        (HEAD, b"HTTP/1.1 200 OK\r\n", io),
        (GET, b"HTTP/1.1 200 OK\r\n\r\n", empty.clone()),
        (
            GET,
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            empty,
        ),
        (
            GET,
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n",
            Ok((200, b"hello".to_vec())),
        ),
    ];
    for (method, raw, outcome) in rows {
        let server = Server::start(move |_, stream| {
            let _ = stream.write_all(raw);
            After::Close
        });
        let request = http::Request::builder().method(method).uri(server.url("/"));
        let got = transport()
            .send(request.body(Vec::new()).expect("a request"))
            .map(|r| (r.status().as_u16(), r.into_body()))
            .map_err(|e| e.kind());
        assert_eq!(got, outcome, "{}", raw.escape_ascii());
    }
}

/// ureq hands over the response head before any byte of the body: a `Content-Length` over
/// the cap fails on the head alone.
#[test]
fn an_announced_length_over_the_cap_fails_on_the_head_alone() {
    let server = Server::start(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 8388608\r\n\r\n");
        let _ = stream.flush();
        std::thread::sleep(Duration::from_secs(3));
        After::Close
    });
    let capped = UreqTransport::with_settings(TransportSettings::default().max_body_bytes(1024));
    let started = Instant::now();
    let error = capped
        .send(get(&server.url("/big")))
        .expect_err("over the cap");
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge, "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

/// Over a host name (`localhost`), resolved.
#[test]
fn one_connection_serves_every_request_and_every_clone() {
    let (ok, missing) = (&b"{}"[..], &b"{\"error\":{}}"[..]);
    let found = Server::fixed(reply("200 OK", &[], ok));
    let not_found = Server::fixed(reply("404 Not Found", &[], missing));
    let transport = transport();
    for (server, status, body) in [(&found, 200, ok), (&not_found, 404, missing)] {
        let url = format!("http://localhost:{}/again", server.addr.port());
        for t in [&transport, &transport.clone(), &transport] {
            let response = t.send(get(&url)).expect("sent");
            assert_eq!(
                (response.status().as_u16(), &response.body()[..]),
                (status, body)
            );
        }
        assert_eq!(server.accepts(), 1, "one connection for three requests");
    }
}

/// ureq can trust the added roots alone, and with neither defaults nor added roots trusts
/// nothing.
#[test]
fn added_roots_alone_are_trusted() {
    let ca = TestCa::new("test CA");
    let server = Server::start_tls(ca.serve(Leaf::LOOPBACK), |_, stream| {
        let _ = stream.write_all(&reply("200 OK", &[], b"{}"));
        After::KeepAlive
    });
    let alone = RootCertificates::default()
        .add_pem(ca.pem())
        .expect("parses")
        .without_defaults();
    let transport = UreqTransport::with_roots(TransportSettings::default(), alone);
    transport
        .send(get(&server.url("/")))
        .expect("the CA alone is trusted");
    let none = UreqTransport::with_roots(
        TransportSettings::default(),
        RootCertificates::default().without_defaults(),
    );
    let error = none
        .send(get(&server.url("/")))
        .expect_err("no root at all");
    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
}

#[test]
fn a_callers_agent_is_named_in_debug() {
    let callers = UreqTransport::from_agent(ureq::Agent::new_with_defaults(), Default::default());
    let own = UreqTransport::with_roots(Default::default(), RootCertificates::default());
    for (transport, agent) in [(callers, "agent: Callers"), (own, "agent: Own")] {
        assert!(format!("{transport:?}").contains(agent), "{transport:?}");
    }
}

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
#[test]
fn https_without_a_tls_feature_fails_cleanly() {
    let server = Server::fixed(reply("200 OK", &[], b"{}"));
    let error = transport()
        .send(get(&format!("https://{}/", server.addr)))
        .expect_err("no TLS compiled in");
    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
}
