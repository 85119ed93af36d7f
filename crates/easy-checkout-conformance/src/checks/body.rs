//! The body cap: a body over it, one announced over it, one exactly at it.

use std::thread;
use std::time::Duration;

use easy_checkout_core::{TransportErrorKind, TransportSettings};

use super::{Cx, describe, expect_kind, expect_response, get};
use crate::cx::fast_settings;
use crate::loopback::{After, Server, reply};

/// A 200 whose head ends with `head`, then `piece` 128 times, then `tail`, unless the client
/// hung up first.
fn big(head: &'static [u8], piece: Vec<u8>, tail: &'static [u8]) -> Server {
    Server::start(move |_, stream| {
        let _ = stream.write_all(&[&b"HTTP/1.1 200 OK\r\n"[..], head].concat());
        if (0..128).all(|_| stream.write_all(&piece).is_ok()) {
            let _ = stream.write_all(tail);
        }
        After::Close
    })
}

pub(crate) fn a_body_over_the_cap_is_refused(cx: &Cx) {
    let cap = 64 * 1024;
    let transport = cx.transport(fast_settings().max_body_bytes(cap));
    // 8 MiB, chunked (no length announced) and ended by the close (no length, no chunks):
    // the cap must stop the read.
    let chunk = vec![b'a'; 64 * 1024];
    let framed = [&b"10000\r\n"[..], &chunk, b"\r\n"].concat();
    let chunked = big(b"Transfer-Encoding: chunked\r\n\r\n", framed, b"0\r\n\r\n");
    let unframed = big(b"\r\n", chunk, b"");
    for (what, server) in [
        ("an 8 MiB chunked body", chunked),
        ("an 8 MiB body ended by the close", unframed),
    ] {
        let what = format!("{what}, a {cap}-byte cap");
        let outcome = transport.send(get(&server.url("/big")));
        expect_kind(outcome, TransportErrorKind::BodyTooLarge, &what);
    }
}

pub(crate) fn an_announced_body_over_the_cap_is_refused_before_reading(cx: &Cx) {
    // 8 MiB announced, the first KiB sent (some clients hand over the head only with the
    // first body bytes), then a stall: only the header can fail the request in time.
    let server = Server::start(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 8388608\r\n\r\n");
        let _ = stream.write_all(&[b'a'; 1024]);
        let _ = stream.flush();
        thread::sleep(Duration::from_secs(3));
        After::Close
    });
    let transport = cx.transport(fast_settings().max_body_bytes(4096));
    let what = "Content-Length: 8388608 with a 4096-byte cap";
    let (outcome, elapsed) = transport.timed(get(&server.url("/big")));
    assert!(
        elapsed < Duration::from_millis(1500),
        "{what}: the transport waited {} ms for the body instead of refusing the head, and ended with {}",
        elapsed.as_millis(),
        describe(&outcome)
    );
    expect_kind(outcome, TransportErrorKind::BodyTooLarge, what);
}

pub(crate) fn a_body_at_the_cap_is_read(cx: &Cx) {
    let body = vec![b'z'; 4096];
    let sized = Server::fixed(reply("200 OK", &[], &body));
    let transport = cx.transport(TransportSettings::default().max_body_bytes(4096));
    let response = expect_response(
        transport.send(get(&sized.url("/exact"))),
        "a 4096-byte body with a 4096-byte cap",
    );
    assert_eq!(response.body().len(), 4096, "the body's length");

    let chunked = Server::fixed(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".to_vec(),
    );
    let transport = cx.transport(TransportSettings::default().max_body_bytes(5));
    let response = expect_response(
        transport.send(get(&chunked.url("/exact"))),
        "a 5-byte chunked body with a 5-byte cap",
    );
    assert_eq!(response.body(), b"hello");
}
