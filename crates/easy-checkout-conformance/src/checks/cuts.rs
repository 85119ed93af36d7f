//! Replies cut short are `Io`, wherever the connection closed; whole replies followed by a
//! close are responses; bytes that are not HTTP are `Io`.

use std::thread;
use std::time::Duration;

use easy_checkout_core::{TransportErrorKind, http};

use super::{Cx, closing, describe, describe_error, expect_kind, expect_response, get, request};
use crate::cx::Under;
use crate::loopback::{After, Server};

/// What a transport must make of a reply followed by a close: a response with this status
/// and body, or, for `None`, an `Io` error.
type Outcome = Option<(u16, &'static [u8])>;

/// Sends a request with `method` to a server that answers it with the raw bytes of `reply`
/// and closes the connection, and checks that `transport` makes `outcome` of it.
fn reply_then_close(
    transport: &Under,
    what: &str,
    method: http::Method,
    reply: &'static [u8],
    outcome: Outcome,
) {
    let server = closing(reply);
    let request = request(method.clone(), &server.url("/cut"));
    let what = format!(
        "{what} (a {method}, answered {:?})",
        String::from_utf8_lossy(reply)
    );
    match (transport.send(request), outcome) {
        (Ok(response), Some((status, body))) => {
            assert_eq!(response.status(), status, "{what}");
            assert!(
                response.body() == body,
                "{what}: the body came back as {:?}",
                String::from_utf8_lossy(response.body())
            );
        }
        (Ok(response), None) => panic!("{what}: taken for {}", describe(&Ok(response))),
        (Err(error), Some(_)) => panic!(
            "{what}: not taken for a response: {}",
            describe_error(&error)
        ),
        (Err(error), None) => assert!(
            error.kind() == TransportErrorKind::Io,
            "{what}: expected an Io error, got {}",
            describe_error(&error)
        ),
    }
}

/// Each `(what, reply)` is a reply cut short: a GET answered with it, then a close, must fail
/// with `Io`, never come back as a response.
fn cuts_are_io(cx: &Cx, cuts: &[(&str, &'static [u8])]) {
    let transport = cx.fast();
    for &(what, cut) in cuts {
        let what = format!("cut {what}");
        reply_then_close(&transport, &what, http::Method::GET, cut, None);
    }
}

/// Replies cut before their head ended.
#[rustfmt::skip]
const HEAD_CUTS: [(&str, &[u8]); 17] = [
    ("before any byte", b""),
    ("after an interim 100", b"HTTP/1.1 100 Continue\r\n\r\n"),
    ("after one byte", b"H"),
    ("inside the code", b"HTTP/1.1 20"),
    ("before the status line's end", b"HTTP/1.1 200 OK"),
    ("between CR and LF", b"HTTP/1.1 200 OK\r"),
    ("after the status line", b"HTTP/1.1 200 OK\r\n"),
    ("after a header", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"),
    ("inside a header name", b"HTTP/1.1 200 OK\r\nContent-Ty"),
    ("inside a header value", b"HTTP/1.1 200 OK\r\nContent-Type: appl"),
    ("inside the blank line", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r"),
    ("after a length", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"),
    ("after the chunked header", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"),
    ("in the head of an error status", b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\n"),
    ("in the head of a redirect", b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n"),
    ("in the head of an interim 100", b"HTTP/1.1 100 Continue\r\n"),
    ("in the final head after an interim 100", b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"),
];

/// Replies cut inside their body, sized or chunked.
#[rustfmt::skip]
const BODY_CUTS: [(&str, &[u8]); 9] = [
    ("before a sized body", b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
    ("inside a sized body", b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"data\":"),
    ("one byte short", b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n{\"data\":{}}"),
    ("before the first chunk", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
    ("inside a chunk-size line", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5"),
    ("inside a chunk", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"),
    ("before a chunk's line end", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello"),
    ("after a chunk", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
    ("inside the last chunk's line", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0"),
];

/// Whole replies followed by a close: the request's method, and the response each must be.
#[rustfmt::skip]
const WHOLE: [(&str, http::Method, &[u8], Outcome); 8] = [
    ("a body ended by the close", http::Method::GET,
        b"HTTP/1.1 200 OK\r\n\r\n{\"data\":{}}", Some((200, b"{\"data\":{}}"))),
    ("a body ended by an announced close", http::Method::GET,
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n[1]", Some((200, b"[1]"))),
    ("HTTP/1.0", http::Method::GET,
        b"HTTP/1.0 200 OK\r\n\r\n{}", Some((200, b"{}"))),
    ("an error ended by the close", http::Method::GET,
        b"HTTP/1.1 500 Internal Server Error\r\n\r\noops", Some((500, b"oops"))),
    ("a 204", http::Method::GET,
        b"HTTP/1.1 204 No Content\r\n\r\n", Some((204, b""))),
    ("a 304", http::Method::GET,
        b"HTTP/1.1 304 Not Modified\r\n\r\n", Some((304, b""))),
    ("an empty body of length 0", http::Method::GET,
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", Some((200, b""))),
    ("a reply to a HEAD, with a length", http::Method::HEAD,
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", Some((200, b""))),
];

pub(crate) fn a_reply_cut_in_its_head_is_io(cx: &Cx) {
    cuts_are_io(cx, &HEAD_CUTS);
}

pub(crate) fn a_reply_cut_in_its_body_is_io(cx: &Cx) {
    cuts_are_io(cx, &BODY_CUTS);
}

pub(crate) fn a_whole_reply_then_a_close_is_a_response(cx: &Cx) {
    let transport = cx.fast();
    for (what, method, reply, outcome) in WHOLE {
        reply_then_close(&transport, what, method, reply, outcome);
    }

    // Read to the close, not to the first read: the body comes in two writes.
    let server = Server::start(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\n\r\n{\"data\":");
        let _ = stream.flush();
        thread::sleep(Duration::from_millis(50));
        let _ = stream.write_all(b"{}}");
        After::Close
    });
    let what = "a body ended by the close, in two writes";
    let response = expect_response(transport.send(get(&server.url("/slow"))), what);
    assert_eq!(response.body(), b"{\"data\":{}}", "{what}");
}

pub(crate) fn a_reply_that_is_not_http_is_io(cx: &Cx) {
    let server = closing(b"SSH-2.0-OpenSSH_9.6\r\n\r\n");
    let outcome = cx.fast().send(get(&server.url("/garbage")));
    expect_kind(outcome, TransportErrorKind::Io, "an SSH banner");
}
