//! The `not_sent` marks: set on a refused connection of a request that may not be resent, and
//! never on a failure after the request may have gone out.

use std::thread;
use std::time::Duration;

use easy_checkout_core::TransportErrorKind as K;

use super::{Cx, closing, describe_error, expect_error, expect_kind, get, keyless_post};
use crate::cx::fast_settings;
use crate::loopback::{After, Server, closed_port};

pub(crate) fn a_refused_connection_is_connect_and_not_sent(cx: &Cx) {
    let url = format!("http://{}/embedded-checkout/confirm", closed_port());
    let transport = cx.fast();
    let what = "a GET to a closed port";
    expect_kind(transport.send(get(&url)), K::Connect, what);
    let what = "a keyless POST (marked NoResend) to a closed port";
    let error = expect_kind(transport.send(keyless_post(&url, true)), K::Connect, what);
    assert!(
        error.certainly_not_sent(),
        "{what}: not marked not sent, so a caller is told the payment may have gone through: {}",
        describe_error(&error)
    );
}

pub(crate) fn only_failures_before_sending_are_marked_not_sent(cx: &Cx) {
    // Each server reads the request first: whatever fails after that must not claim the
    // request never went out.
    let no_reply = closing(b"");
    let cut_body = closing(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"data\":");
    let silent = Server::start(|_, _| {
        thread::sleep(Duration::from_secs(3));
        After::Close
    });
    let oversized = Server::start(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
        let _ = stream.write_all(&[b'a'; 100_000]);
        After::KeepAlive
    });
    let settings = fast_settings().timeout(Duration::from_millis(500));
    let transport = cx.transport(settings.max_body_bytes(1024));
    for (what, server) in [
        ("closed without a reply", &no_reply),
        ("cut inside the body", &cut_body),
        ("unanswered until the total timeout", &silent),
        ("answered with a body over the cap", &oversized),
    ] {
        let what = format!("a keyless POST the server read, then {what}");
        let post = keyless_post(&server.url("/embedded-checkout/confirm"), true);
        let error = expect_error(transport.send(post), &what);
        assert!(
            !error.certainly_not_sent(),
            "{what}: marked not sent, so a caller would pay again for a payment that may have gone through: {}",
            describe_error(&error)
        );
    }
}
