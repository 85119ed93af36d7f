//! Timeouts: the connect timeout, the total timeout over the whole exchange, and the kind a
//! timeout is reported as. Three checks, so that a transport that breaks one rule fails one
//! check: the two timeout checks judge only when a request ends, and the kind check only the
//! timeouts that fired.

use std::net::TcpListener;
use std::thread;
use std::time::Duration;

use easy_checkout_core::{TransportErrorKind, TransportSettings};

use super::{Cx, describe, expect_error, expect_kind, get};
use crate::loopback::{After, Backlogged, Server};

/// How long the stalling servers stall before they give up and close.
const STALL: Duration = Duration::from_secs(3);

/// A server that stalls in one way, and what that is.
struct Stall {
    what: &'static str,
    server: Server,
}

/// A server that reads the request and never answers (until it gives up).
fn silent() -> Stall {
    Stall {
        what: "a server that never answers",
        server: Server::start(|_, _| {
            thread::sleep(STALL);
            After::Close
        }),
    }
}

/// A head announcing a body, then nothing.
fn head_then_silence() -> Stall {
    Stall {
        what: "a head announcing 10 bytes, then silence",
        server: Server::start(|_, stream| {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
            let _ = stream.flush();
            thread::sleep(STALL);
            After::Close
        }),
    }
}

/// The head at once, then a byte every 100 ms: no single read waits long, only the total
/// does.
fn trickled_body() -> Stall {
    Stall {
        what: "a body trickled a byte every 100 ms",
        server: Server::start(|_, stream| {
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
        }),
    }
}

fn millis(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

pub(crate) fn the_connect_timeout_is_applied(cx: &Cx) {
    let Some(backlogged) = Backlogged::new() else {
        cx.cannot_run("the system accepted 2000 connections without filling a listener's queue, so no connect can be made to time out");
        return;
    };
    let connect = Duration::from_millis(300);
    let transport = cx.transport(
        TransportSettings::default()
            .connect_timeout(connect)
            .timeout(Duration::from_secs(8)),
    );
    let (outcome, elapsed) = transport.timed(get(&format!("http://{}/", backlogged.addr)));
    assert!(
        elapsed < Duration::from_millis(1500),
        "a connection that could not be made took {} with a {} connect timeout (and an 8 s total one), and ended with {}",
        millis(elapsed),
        millis(connect),
        describe(&outcome)
    );
    expect_error(outcome, "a connection that could not be made");
}

pub(crate) fn the_total_timeout_bounds_every_request(cx: &Cx) {
    let timeout = Duration::from_millis(500);
    let transport = cx.transport(
        TransportSettings::default()
            .connect_timeout(Duration::from_secs(2))
            .timeout(timeout),
    );
    for stall in [trickled_body(), head_then_silence(), silent()] {
        let (outcome, elapsed) = transport.timed(get(&stall.server.url("/stall")));
        assert!(
            elapsed < timeout * 3,
            "{}: the request took {} with a {} total timeout, and ended with {}",
            stall.what,
            millis(elapsed),
            millis(timeout),
            describe(&outcome)
        );
        assert!(
            elapsed >= timeout - Duration::from_millis(100),
            "{}: the request ended after {}, before the {} total timeout, with {}",
            stall.what,
            millis(elapsed),
            millis(timeout),
            describe(&outcome)
        );
        expect_error(outcome, stall.what);
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
    let transport = cx.transport(
        TransportSettings::default()
            .connect_timeout(Duration::from_secs(2))
            .timeout(timeout),
    );
    let mut judged = 0;
    for stall in [silent(), head_then_silence(), trickled_body()] {
        let (outcome, elapsed) = transport.timed(get(&stall.server.url("/stall")));
        // Ended well before the server gave up: a timer of the transport fired. (One that
        // fires late or never is `the_total_timeout_bounds_every_request`'s to report.)
        if elapsed < STALL - Duration::from_millis(500) {
            let error = expect_error(outcome, stall.what);
            expect_kind(
                &error,
                TransportErrorKind::Timeout,
                &format!("{}, {} total timeout", stall.what, millis(timeout)),
            );
            judged += 1;
        }
    }
    if let Some(backlogged) = Backlogged::new() {
        let transport = cx.transport(
            TransportSettings::default()
                .connect_timeout(Duration::from_millis(300))
                .timeout(Duration::from_secs(8)),
        );
        let (outcome, elapsed) = transport.timed(get(&format!("http://{}/", backlogged.addr)));
        if elapsed < Duration::from_secs(6) {
            let error = expect_error(outcome, "a connection that could not be made");
            expect_kind(
                &error,
                TransportErrorKind::Timeout,
                "a connection that could not be made, 300 ms connect timeout",
            );
            judged += 1;
        }
    }
    if judged == 0 {
        cx.cannot_run("no timeout of the transport fired before the servers gave up");
    }
}
