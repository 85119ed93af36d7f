//! Timeouts: the connect timeout, the total timeout over the whole exchange, and the kind a
//! timeout is reported as. Three checks, so that a transport that breaks one rule fails one
//! check: the two timeout checks judge only when a request ends, and the kind check only the
//! timeouts that fired.

use std::net::TcpListener;
use std::thread;
use std::time::Duration;

use easy_checkout_core::TransportErrorKind as K;
use easy_checkout_core::TransportSettings;

use super::{Cx, describe, expect_error, expect_kind, get};
use crate::cx::{Sent, fast_settings};
use crate::loopback::{After, Backlogged, Server};

/// How long the stalling servers stall before they give up and close.
const STALL: Duration = Duration::from_secs(3);

/// Servers that each stall in one way (until they give up and close), and what that is.
fn stalls() -> [(&'static str, Server); 3] {
    let silent = Server::start(|_, _| {
        thread::sleep(STALL);
        After::Close
    });
    let head = Server::start(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
        let _ = stream.flush();
        thread::sleep(STALL);
        After::Close
    });
    // The head at once, then a byte every 100 ms: no single read waits long, only the total
    // does.
    let trickled = Server::start(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
        for _ in 0..STALL.as_millis() / 100 {
            if stream
                .write_all(b"x")
                .and_then(|()| stream.flush())
                .is_err()
            {
                break;
            }
            thread::sleep(Duration::from_millis(100));
        }
        After::Close
    });
    [
        ("a server that never answers", silent),
        ("a head announcing 10 bytes, then silence", head),
        ("a body trickled a byte every 100 ms", trickled),
    ]
}

/// A GET to `backlogged` with a 300 ms connect timeout (and an 8 s total one), timed.
fn connect_to(cx: &Cx, backlogged: &Backlogged) -> (Sent, Duration) {
    let settings = TransportSettings::default().connect_timeout(Duration::from_millis(300));
    let transport = cx.transport(settings.timeout(Duration::from_secs(8)));
    transport.timed(get(&format!("http://{}/", backlogged.addr)))
}

fn millis(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

pub(crate) fn the_connect_timeout_is_applied(cx: &Cx) {
    let Some(backlogged) = Backlogged::new() else {
        cx.cannot_run("the system accepted 2000 connections without filling a listener's queue, so no connect can be made to time out");
        return;
    };
    let (outcome, elapsed) = connect_to(cx, &backlogged);
    assert!(
        elapsed < Duration::from_millis(1500),
        "a connection that could not be made took {} with a 300 ms connect timeout (and an 8 s total one), and ended with {}",
        millis(elapsed),
        describe(&outcome)
    );
    expect_error(outcome, "a connection that could not be made");
}

pub(crate) fn the_total_timeout_bounds_every_request(cx: &Cx) {
    let timeout = Duration::from_millis(500);
    let transport = cx.transport(fast_settings().timeout(timeout));
    for (what, server) in stalls().into_iter().rev() {
        let (outcome, elapsed) = transport.timed(get(&server.url("/stall")));
        assert!(
            elapsed < timeout * 3,
            "{what}: the request took {} with a {} total timeout, and ended with {}",
            millis(elapsed),
            millis(timeout),
            describe(&outcome)
        );
        assert!(
            elapsed >= timeout - Duration::from_millis(100),
            "{what}: the request ended after {}, before the {} total timeout, with {}",
            millis(elapsed),
            millis(timeout),
            describe(&outcome)
        );
        expect_error(outcome, what);
    }

    // A timeout under a millisecond (rounded to 0 by some clients, where 0 means "none") is
    // a very short timeout. The listener's backlog accepts the connection; nothing answers.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}/silent", listener.local_addr().expect("addr"));
    let transport = cx.transport(
        TransportSettings::default()
            .connect_timeout(Duration::from_nanos(1))
            .timeout(Duration::from_nanos(1)),
    );
    cx.note("a 1 ns connect and total timeout, to a server that never answers");
    let outcome = transport.send(get(&url));
    expect_error(outcome, "a 1 ns timeout to a server that never answers");
    drop(listener);
}

pub(crate) fn timeouts_are_reported_as_timeout(cx: &Cx) {
    let timeout = Duration::from_millis(400);
    let transport = cx.transport(fast_settings().timeout(timeout));
    let mut judged = 0;
    for (what, server) in stalls() {
        let (outcome, elapsed) = transport.timed(get(&server.url("/stall")));
        // Ended well before the server gave up: a timer of the transport fired. (One that
        // fires late or never is `the_total_timeout_bounds_every_request`'s to report.)
        if elapsed < STALL - Duration::from_millis(500) {
            let error = expect_error(outcome, what);
            let what = format!("{what}, {} total timeout", millis(timeout));
            expect_kind(Err(error), K::Timeout, &what);
            judged += 1;
        }
    }
    if let Some(backlogged) = Backlogged::new() {
        let (outcome, elapsed) = connect_to(cx, &backlogged);
        if elapsed < Duration::from_secs(6) {
            let error = expect_error(outcome, "a connection that could not be made");
            let what = "a connection that could not be made, 300 ms connect timeout";
            expect_kind(Err(error), K::Timeout, what);
            judged += 1;
        }
    }
    if judged == 0 {
        cx.cannot_run("no timeout of the transport fired before the servers gave up");
    }
}
