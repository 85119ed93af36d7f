//! Requests that may not be resent (`may_resend` is false: a keyless write) go out once, and
//! never on a kept-alive connection the server may be closing.

use std::collections::HashSet;
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use easy_checkout_core::TransportErrorKind;

use super::{Cx, Sent, describe, describe_error, expect_kind, expect_response, get, keyless_post};
use crate::cx::{Under, lock};
use crate::loopback::{After, Server, reply};

/// How long a server waits for a resend that must not come before it says none came.
const RESEND_WINDOW: Duration = Duration::from_millis(200);

/// Sends a GET to `server`, then a keyless POST: marked as the core marks a keyless confirm, or
/// unmarked as a middleware that rebuilt the request would leave it (neither may go out
/// twice). Returns what the POST was (`then` ends it), and what became of it.
fn warm_then_post(to: &Under, server: &Server, marked: bool, then: &str) -> (String, Sent) {
    expect_response(to.send(get(&server.url("/warm"))), "the GET");
    let how = match marked {
        true => "marked NoResend",
        false => "unmarked, without an Idempotency-Key",
    };
    let post = keyless_post(&server.url("/embedded-checkout/confirm"), marked);
    (format!("a keyless POST ({how}) {then}"), to.send(post))
}

pub(crate) fn a_request_that_may_not_be_resent_goes_out_once(cx: &Cx) {
    for marked in [true, false] {
        // Replies to the GET and keeps the connection; reads the POST, then closes without a
        // byte of reply: a connection that died under the request.
        let server = Server::start(|seen, stream| {
            if seen.method() == "GET" {
                let _ = stream.write_all(&reply("204 No Content", &[], b""));
                After::KeepAlive
            } else {
                After::Close
            }
        });
        let transport = cx.fast();
        let then = "whose connection closed before any reply";
        let (what, outcome) = warm_then_post(&transport, &server, marked, then);
        let error = expect_kind(outcome, TransportErrorKind::Io, &what);
        // A resend, had there been one, has arrived by now.
        thread::sleep(RESEND_WINDOW);
        let requests = server.take_requests().into_iter();
        let posts: Vec<_> = requests.filter(|r| r.method() == "POST").collect();
        assert!(
            posts.len() == 1,
            "{what}: the server read it {} times (connections {:?}); the transport returned {}",
            posts.len(),
            posts.iter().map(|r| r.connection).collect::<Vec<_>>(),
            describe_error(&error)
        );
    }
}

pub(crate) fn a_request_that_may_not_be_resent_never_takes_a_pooled_connection(cx: &Cx) {
    for marked in [true, false] {
        // A connection that already answered a request is closed by the server as soon as
        // another request arrives on it: the server's idle timeout striking just as the
        // request left. A request on a fresh connection is answered.
        let served = Mutex::new(HashSet::new());
        let server = Server::start(move |seen, stream| {
            let reused = !lock(&served).insert(seen.connection);
            if reused && seen.method() == "POST" {
                return After::Close;
            }
            let _ = stream.write_all(&reply("200 OK", &[], b"{}"));
            After::KeepAlive
        });
        let transport = cx.fast();
        let then = "after a GET left a kept-alive connection";
        let (what, outcome) = warm_then_post(&transport, &server, marked, then);
        let requests = server.take_requests();
        let gets: HashSet<_> = (requests.iter())
            .filter(|r| r.method() == "GET")
            .map(|r| r.connection)
            .collect();
        let on_pooled =
            (requests.iter()).any(|r| r.method() == "POST" && gets.contains(&r.connection));
        assert!(
            !on_pooled,
            "{what}: it went out on the kept-alive connection the GET used, which the server was closing; the transport returned {}",
            describe(&outcome)
        );
        expect_response(outcome, &what);
    }
}
