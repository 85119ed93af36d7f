//! TLS: certificates are verified (chain, name, validity) and nothing reaches a server that
//! fails; added roots are trusted; cuts over TLS are `Io`; a server that is not TLS is `Tls`.
//! Every certificate is made here ([`certs`](crate::certs)).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;
use std::time::Duration;

use easy_checkout_core::TransportErrorKind as K;
use easy_checkout_core::{RootCertificates, http};

use super::{Cx, describe_error, expect_error, expect_kind, expect_response, get, keyless_post};
use crate::certs::{Identity, Leaf, TestCa, self_signed};
use crate::cx::fast_settings;
use crate::loopback::{After, Server, reply};

/// A TLS server answering every request with a 200.
fn serving(identity: Identity) -> Server {
    Server::start_tls(identity, |_, stream| {
        let _ = stream.write_all(&reply("200 OK", &[], br#"{"data":{}}"#));
        After::KeepAlive
    })
}

/// The default roots and `ca`'s.
fn trusting(ca: &TestCa) -> RootCertificates {
    RootCertificates::default()
        .add_pem(ca.pem())
        .expect("a test CA parses")
}

/// A GET carrying the API key.
fn keyed_get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url)
        .header("x-easy-api-key", "sk_test_secret")
        .body(Vec::new())
        .expect("request")
}

/// Sends a keyed GET to `server` over a transport trusting `roots`, and asserts it failed
/// the handshake as `Tls` with nothing reaching the server.
fn refused(cx: &Cx, server: &Server, roots: Option<RootCertificates>, what: &str) {
    let transport = cx.transport_trusting(fast_settings(), roots);
    let error = expect_kind(transport.send(keyed_get(&server.url("/x"))), K::Tls, what);
    // (The handshake may have ended on the server's side: some clients, libcurl with
    // OpenSSL among them, check the certificate once it is over. What matters is that no
    // request, and so no API key, went over it.)
    let read = server.take_requests();
    assert!(
        read.is_empty(),
        "{what}: the server read {:?}, although the transport reported {}",
        read.iter().map(|r| &r.request_line).collect::<Vec<_>>(),
        describe_error(&error)
    );
}

pub(crate) fn tls_an_untrusted_ca_is_refused(cx: &Cx) {
    let ca = TestCa::new("a CA nobody trusts");
    let server = serving(ca.serve(Leaf::LOOPBACK));
    let what = "a server whose CA is not among the default roots";
    refused(cx, &server, None, what);
    let other = TestCa::new("someone else's CA");
    let what = "a server whose CA is not the one added to the roots";
    refused(cx, &server, Some(trusting(&other)), what);
}

pub(crate) fn tls_a_certificate_for_another_host_is_refused(cx: &Cx) {
    let ca = TestCa::new("test CA");
    let names = &["api.example.com"];
    let server = serving(ca.serve(Leaf {
        names,
        expired: false,
    }));
    let what = "a trusted CA's certificate for api.example.com, served on 127.0.0.1";
    refused(cx, &server, Some(trusting(&ca)), what);
}

pub(crate) fn tls_an_expired_certificate_is_refused(cx: &Cx) {
    let ca = TestCa::new("test CA");
    let expired = Leaf {
        expired: true,
        ..Leaf::LOOPBACK
    };
    let server = serving(ca.serve(expired));
    let what = "a trusted CA's certificate that expired in 2000";
    refused(cx, &server, Some(trusting(&ca)), what);
}

pub(crate) fn tls_a_self_signed_certificate_is_refused(cx: &Cx) {
    let ca = TestCa::new("test CA");
    let server = serving(self_signed(Leaf::LOOPBACK));
    let what = "a self-signed certificate for 127.0.0.1";
    refused(cx, &server, Some(trusting(&ca)), what);
}

pub(crate) fn tls_added_roots_are_trusted(cx: &Cx) {
    let ca = TestCa::new("test CA");
    let server = serving(ca.serve(Leaf::LOOPBACK));
    let transport = cx.transport_trusting(fast_settings(), Some(trusting(&ca)));
    // A GET, and a keyless POST (which some transports send on a connection of its own:
    // it must trust the same roots).
    let what = "a GET to a server whose CA was added to the roots";
    let get = keyed_get(&server.url("/v1/api/x?y=1"));
    let response = expect_response(transport.send(get), what);
    assert_eq!(response.status(), 200, "{what}");
    assert_eq!(response.body(), br#"{"data":{}}"#, "{what}");
    let seen = server.request();
    assert_eq!(seen.request_line, "GET /v1/api/x?y=1 HTTP/1.1", "{what}");
    assert_eq!(
        seen.header_all("x-easy-api-key"),
        ["sk_test_secret"],
        "{what}"
    );

    let what = "a keyless POST (marked NoResend) to a server whose CA was added to the roots";
    let post = keyless_post(&server.url("/v1/api/embedded-checkout/confirm"), true);
    let response = expect_response(transport.send(post), what);
    assert_eq!(response.status(), 200, "{what}");
    let seen = server.request();
    assert_eq!(
        seen.request_line, "POST /v1/api/embedded-checkout/confirm HTTP/1.1",
        "{what}"
    );
    assert_eq!(
        seen.body, br#"{"client_secret":"ecs_secret_kit"}"#,
        "{what}"
    );
}

pub(crate) fn tls_a_reply_cut_over_tls_is_io(cx: &Cx) {
    let ca = TestCa::new("test CA");
    let transport = cx.transport_trusting(fast_settings(), Some(trusting(&ca)));
    for (what, cut) in [
        ("closed before any reply", &b""[..]),
        (
            "closed inside the body",
            &b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"data\":"[..],
        ),
    ] {
        let server = Server::start_tls(ca.serve(Leaf::LOOPBACK), move |_, stream| {
            let _ = stream.write_all(cut);
            After::Close
        });
        let what = format!("a reply over TLS {what}");
        expect_kind(transport.send(get(&server.url("/cut"))), K::Io, &what);
    }
}

/// `https://` on a clear-text server that reads the client hello, then writes `answer` (no
/// TLS record) and closes the connection half a second later, or, for `None`, closes it.
fn after_the_hello(answer: Option<Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut hello = [0; 512];
            let _ = stream.read(&mut hello);
            if let Some(answer) = answer {
                let _ = stream.write_all(&answer);
                thread::sleep(Duration::from_millis(500));
            }
        }
    });
    format!("https://{addr}/")
}

pub(crate) fn tls_plain_http_on_an_https_url_is_tls(cx: &Cx) {
    let url = after_the_hello(Some(reply("400 Bad Request", &[], b"plain")));
    let what = "a plain HTTP server on an https:// URL";
    expect_kind(cx.fast().send(get(&url)), K::Tls, what);
}

pub(crate) fn tls_a_server_that_hangs_up_in_the_handshake_is_an_error(cx: &Cx) {
    let url = after_the_hello(None);
    let what = "a server that closed the connection after the client hello";
    expect_error(cx.fast().send(get(&url)), what);
}
