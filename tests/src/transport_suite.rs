//! The tests every adapter crate passes, at the level of its transport and its one-line
//! constructors: over real loopback HTTP against the scripted [`loopback`](crate::loopback)
//! server, what goes out, what comes back, how each failure is classified; and what
//! `from_key`, `from_env`, `with_base_url` and `with_config` build.
//!
//! Each test takes the [`Adapter`] under test, which [`adapter!`] names from the adapter
//! crate; [`transport_tests!`] generates one `#[test]` per suite test
//! (`transport_tests! { ADAPTER; request_goes_out_as_given, from_env_child }`), and a suite
//! test can also be called as it is:
//!
//! ```
//! use easy_checkout_tests::transport_suite::{self, Adapter};
//! use easy_checkout_ureq::UreqTransport;
//!
//! const ADAPTER: Adapter<UreqTransport> =
//!     easy_checkout_tests::adapter!(easy_checkout_ureq, UreqTransport);
//! transport_suite::constructors_do_no_io(&ADAPTER);
//! ```
//!
//! The `from_env` tests re-run their own test binary (setting variables in this process would
//! need `unsafe`): whichever of them runs needs [`from_env_child`] generated at the root of
//! the same test file.
//!
//! [`adapter!`]: crate::adapter
//! [`transport_tests!`]: crate::transport_tests

use std::error::Error as _;
use std::ffi::OsStr;
use std::fmt::Debug;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use easy_checkout_core::http;
use easy_checkout_core::{
    BaseUrl, Client, Config, Error, ErrorKind, RetryPolicy, Transport, TransportError,
    TransportErrorKind, TransportSettings,
};

use crate::MakeClient;
use crate::loopback::{After, Backlogged, Recorded, Server, closed_port, reply};

/// An adapter crate under test: its transport and its one-line client constructors.
#[derive(Clone, Copy)]
pub struct Adapter<T> {
    /// The adapter's `USER_AGENT_SUFFIX` (`ureq`, `isahc`).
    pub name: &'static str,
    /// The transport's `with_settings`.
    pub transport: fn(TransportSettings) -> T,
    /// The transport's `settings`.
    pub settings: fn(&T) -> &TransportSettings,
    /// The adapter's `from_key`.
    pub from_key: fn(&str) -> Result<Client<T>, Error>,
    /// The adapter's `from_env`.
    pub from_env: fn() -> Result<Client<T>, Error>,
    /// The adapter's `with_base_url`.
    pub with_base_url: fn(&str, &str) -> Result<Client<T>, Error>,
    /// The adapter's `with_config`.
    pub with_config: MakeClient<T>,
}

impl<T> Adapter<T> {
    /// A transport with short limits: 2 s to connect, 5 s in all.
    pub fn fast(&self) -> T {
        (self.transport)(fast_settings())
    }
}

/// Short limits: 2 s to connect, 5 s in all.
fn fast_settings() -> TransportSettings {
    TransportSettings::default()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
}

/// The [`Adapter`] of an adapter crate, from the crate's name and its transport type: every
/// adapter exports the same functions under the same names.
#[macro_export]
macro_rules! adapter {
    ($krate:ident, $transport:ident) => {
        $crate::transport_suite::Adapter {
            name: $krate::USER_AGENT_SUFFIX,
            transport: $krate::$transport::with_settings,
            settings: $krate::$transport::settings,
            from_key: $krate::from_key,
            from_env: $krate::from_env,
            with_base_url: $krate::with_base_url,
            with_config: $krate::with_config,
        }
    };
}

/// Generates one `#[test]` per named suite test for an [`Adapter`].
#[macro_export]
macro_rules! transport_tests {
    ($adapter:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::transport_suite::$name(&$adapter);
            }
        )*
    };
}

/// A GET of `url` with no body.
fn get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url).body(Vec::new()).expect("request")
}

/// Sends a GET with no header and no body and returns what the server saw: what the
/// transport adds of its own, which differs between adapters.
pub fn bare_get<T: Transport>(adapter: &Adapter<T>) -> Recorded {
    let server = Server::fixed(reply("204 No Content", &[], b""));
    adapter
        .fast()
        .send(get(&server.url("/bare")))
        .expect("sent");
    let seen = server.request();
    assert_eq!(seen.request_line, "GET /bare HTTP/1.1");
    assert!(seen.body.is_empty());
    seen
}

/// Sends a GET of `url` that must fail with `kind` in less than `within`; returns the error
/// and the time it took.
fn fails_within<T: Transport>(
    transport: &T,
    url: &str,
    kind: TransportErrorKind,
    within: Duration,
) -> (TransportError, Duration) {
    let started = Instant::now();
    let error = transport.send(get(url)).expect_err("the request fails");
    let elapsed = started.elapsed();
    assert_eq!(error.kind(), kind, "{error:?}");
    assert!(elapsed < within, "{elapsed:?}");
    (error, elapsed)
}

/// The status code at the start of a status line (`"404 Not Found"` → 404).
fn code(status: &str) -> u16 {
    status[..3].parse().expect("status")
}

// The transport: what goes out.

pub fn request_goes_out_as_given<T: Transport>(adapter: &Adapter<T>) {
    let server = Server::fixed(reply("200 OK", &[], b"{}"));
    let request = http::Request::patch(server.url("/v1/api/embedded-checkout/config?x=1&y=%20"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("user-agent", "test-agent/1.0")
        .header("idempotency-key", "key-1")
        .header("x-multi", "a")
        .header("x-multi", "b")
        .body(br#"{"allowed_origins":["https://a.example"]}"#.to_vec())
        .expect("request");

    let response = adapter.fast().send(request).expect("sent");
    assert_eq!(response.status(), 200);

    let seen = server.request();
    assert_eq!(
        seen.request_line,
        "PATCH /v1/api/embedded-checkout/config?x=1&y=%20 HTTP/1.1"
    );
    assert_eq!(seen.body, br#"{"allowed_origins":["https://a.example"]}"#);
    assert_eq!(seen.header_all("content-type"), ["application/json"]);
    assert_eq!(seen.header_all("accept"), ["application/json"]);
    assert_eq!(seen.header_all("user-agent"), ["test-agent/1.0"]);
    assert_eq!(seen.header_all("idempotency-key"), ["key-1"]);
    assert_eq!(seen.header_all("x-multi"), ["a", "b"]);
    assert_eq!(seen.header_all("content-length"), ["41"]);
    // Nothing else but the host.
    assert_eq!(
        seen.header_names(),
        [
            "accept",
            "content-length",
            "content-type",
            "host",
            "idempotency-key",
            "user-agent",
            "x-multi",
            "x-multi"
        ]
    );
}

pub fn empty_post_sends_content_length_zero<T: Transport>(adapter: &Adapter<T>) {
    let server = Server::fixed(reply("200 OK", &[], b""));
    let request = http::Request::post(server.url("/empty"))
        .body(Vec::new())
        .expect("request");
    adapter.fast().send(request).expect("sent");
    let seen = server.request();
    assert_eq!(seen.header_all("content-length"), ["0"]);
}

/// An empty body goes out as `Content-Length: 0` on the methods that take a body (POST, PUT,
/// PATCH), and as no body at all on the others (GET, DELETE).
pub fn an_empty_body_is_sent_only_on_methods_that_take_one<T: Transport>(adapter: &Adapter<T>) {
    let server = Server::fixed(reply("200 OK", &[], b""));
    let transport = adapter.fast();
    for (method, length) in [
        (http::Method::GET, None),
        (http::Method::DELETE, None),
        (http::Method::POST, Some("0")),
        (http::Method::PUT, Some("0")),
        (http::Method::PATCH, Some("0")),
    ] {
        let request = http::Request::builder()
            .method(method.clone())
            .uri(server.url("/empty"))
            .body(Vec::new())
            .expect("request");
        transport.send(request).expect("sent");
        let seen = server.request();
        assert_eq!(seen.method(), method.as_str());
        assert_eq!(seen.header("content-length"), length, "{method}");
        assert!(seen.header("transfer-encoding").is_none(), "{method}");
        assert!(seen.body.is_empty());
    }
}

// The transport: what comes back.

pub fn error_statuses_come_back_with_their_bodies<T: Transport>(adapter: &Adapter<T>) {
    for (status, body) in [
        (
            "404 Not Found",
            &br#"{"error":{"code":"SESSION_NOT_FOUND"}}"#[..],
        ),
        ("500 Internal Server Error", &b"<html>oops</html>"[..]),
        ("429 Too Many Requests", &b"slow down"[..]),
    ] {
        let server = Server::fixed(reply(
            status,
            &[("Content-Type", "application/json"), ("Retry-After", "7")],
            body,
        ));
        let response = adapter
            .fast()
            .send(get(&server.url("/x")))
            .expect("a status is not an error");
        assert_eq!(response.status().as_u16(), code(status));
        assert_eq!(response.body(), body);
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(response.headers()["retry-after"], "7");
    }
}

pub fn response_headers_all_come_back<T: Transport>(adapter: &Adapter<T>) {
    let server = Server::fixed(reply(
        "200 OK",
        &[
            ("RateLimit-Limit", "100"),
            ("RateLimit-Remaining", "99"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
            ("X-Request-Id", "req_123"),
        ],
        b"hello",
    ));
    let response = adapter.fast().send(get(&server.url("/h"))).expect("sent");
    let headers = response.headers();
    assert_eq!(headers["ratelimit-limit"], "100");
    assert_eq!(headers["ratelimit-remaining"], "99");
    assert_eq!(headers["x-request-id"], "req_123");
    let cookies: Vec<_> = headers.get_all("set-cookie").iter().collect();
    assert_eq!(cookies, ["a=1", "b=2"]);
    assert_eq!(headers["content-length"], "5");
    assert_eq!(response.body(), b"hello");
}

pub fn redirects_are_not_followed<T: Transport>(adapter: &Adapter<T>) {
    let server = Server::fixed(reply(
        "302 Found",
        &[("Location", "http://127.0.0.1:1/elsewhere")],
        b"moved",
    ));
    let request = http::Request::get(server.url("/from"))
        .header("x-easy-api-key", "sk_test_secret")
        .body(Vec::new())
        .expect("request");
    let response = adapter.fast().send(request).expect("a 3xx is a response");
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["location"],
        "http://127.0.0.1:1/elsewhere"
    );
    assert_eq!(response.body(), b"moved");
    server.request();
    thread::sleep(Duration::from_millis(50));
    assert_eq!(server.pending_requests(), 0);

    for status in [
        "301 Moved Permanently",
        "303 See Other",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        let server = Server::fixed(reply(status, &[("Location", "/next")], b""));
        let request = http::Request::post(server.url("/from"))
            .body(b"{}".to_vec())
            .expect("request");
        let response = adapter.fast().send(request).expect("a 3xx is a response");
        assert_eq!(response.status().as_u16(), code(status));
        assert_eq!(response.headers()["location"], "/next");
    }
}

// The transport: timeouts.

pub fn refused_connection_is_connect<T: Transport>(adapter: &Adapter<T>) {
    let addr = closed_port();
    let error = adapter
        .fast()
        .send(get(&format!("http://{addr}/")))
        .expect_err("nothing listens");
    assert_eq!(error.kind(), TransportErrorKind::Connect, "{error:?}");
    assert!(error.source().is_some(), "keeps the {} error", adapter.name);
}

pub fn silent_server_times_out<T: Transport>(adapter: &Adapter<T>) {
    let server = Server::start(|_, _| {
        thread::sleep(Duration::from_secs(3));
        After::Close
    });
    let transport = (adapter.transport)(
        TransportSettings::default()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_millis(500)),
    );
    let (error, elapsed) = fails_within(
        &transport,
        &server.url("/slow"),
        TransportErrorKind::Timeout,
        Duration::from_millis(1000),
    );
    assert!(error.source().is_some());
    assert!(elapsed >= Duration::from_millis(450), "{elapsed:?}");
}

pub fn unanswered_connect_hits_the_connect_timeout<T: Transport>(adapter: &Adapter<T>) {
    let Some(backlogged) = Backlogged::new() else {
        eprintln!("skipped: could not fill the accept queue");
        return;
    };
    let transport = (adapter.transport)(
        TransportSettings::default()
            .connect_timeout(Duration::from_millis(500))
            .timeout(Duration::from_secs(5)),
    );
    let (_, elapsed) = fails_within(
        &transport,
        &format!("http://{}/", backlogged.addr),
        TransportErrorKind::Timeout,
        Duration::from_millis(1000),
    );
    assert!(elapsed >= Duration::from_millis(450), "{elapsed:?}");
}

pub fn slow_body_hits_the_total_timeout<T: Transport>(adapter: &Adapter<T>) {
    // Head at once, then a byte every 100 ms: no single read waits long, the total does.
    let server = Server::start(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
        for _ in 0..30 {
            if stream.write_all(b"x").is_err() {
                break;
            }
            thread::sleep(Duration::from_millis(100));
        }
        After::Close
    });
    let transport =
        (adapter.transport)(TransportSettings::default().timeout(Duration::from_millis(500)));
    fails_within(
        &transport,
        &server.url("/trickle"),
        TransportErrorKind::Timeout,
        Duration::from_secs(1),
    );
}

pub fn head_then_silence_hits_the_total_timeout<T: Transport>(adapter: &Adapter<T>) {
    let server = Server::start(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
        thread::sleep(Duration::from_secs(3));
        After::Close
    });
    let transport =
        (adapter.transport)(TransportSettings::default().timeout(Duration::from_millis(400)));
    fails_within(
        &transport,
        &server.url("/stall"),
        TransportErrorKind::Timeout,
        Duration::from_millis(800),
    );
}

// The transport: the body cap.

pub fn body_over_the_cap_is_refused_while_streaming<T: Transport>(adapter: &Adapter<T>) {
    // 8 MiB, chunked: no length announced, the cap must stop the read.
    let server = Server::start(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        let chunk = vec![b'a'; 64 * 1024];
        for _ in 0..128 {
            let head = format!("{:x}\r\n", chunk.len());
            if stream.write_all(head.as_bytes()).is_err()
                || stream.write_all(&chunk).is_err()
                || stream.write_all(b"\r\n").is_err()
            {
                return After::Close;
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n");
        After::Close
    });
    let transport = (adapter.transport)(TransportSettings::default().max_body_bytes(1024 * 1024));
    let error = transport
        .send(get(&server.url("/big")))
        .expect_err("over the cap");
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge, "{error:?}");
    assert!(error.to_string().contains("1048576"), "{error}");
}

/// The server announces 8 MiB, sends `sent` bytes of it and stalls: only the header can fail
/// the call, and it must, at once, rather than waiting for the rest.
fn announced_length_over_the_cap<T: Transport>(adapter: &Adapter<T>, sent: usize, cap: u64) {
    let server = Server::start(move |_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 8388608\r\n\r\n");
        let _ = stream.write_all(&vec![b'a'; sent]);
        thread::sleep(Duration::from_secs(3));
        After::Close
    });
    let transport = (adapter.transport)(TransportSettings::default().max_body_bytes(cap));
    fails_within(
        &transport,
        &server.url("/big"),
        TransportErrorKind::BodyTooLarge,
        Duration::from_secs(1),
    );
}

/// With the first 1 KiB of the body sent: isahc hands over the response head with the first
/// body bytes, not before.
pub fn announced_length_over_the_cap_fails_before_reading<T: Transport>(adapter: &Adapter<T>) {
    announced_length_over_the_cap(adapter, 1024, 4096);
}

/// With no byte of the body sent, for a transport that hands over the response head as soon
/// as it has it (ureq; not isahc).
pub fn announced_length_over_the_cap_fails_on_the_head_alone<T: Transport>(adapter: &Adapter<T>) {
    announced_length_over_the_cap(adapter, 0, 1024);
}

pub fn body_exactly_at_the_cap_is_read<T: Transport>(adapter: &Adapter<T>) {
    let body = vec![b'z'; 4096];
    let server = Server::fixed(reply("200 OK", &[], &body));
    let transport = (adapter.transport)(TransportSettings::default().max_body_bytes(4096));
    let response = transport
        .send(get(&server.url("/exact")))
        .expect("at the cap");
    assert_eq!(response.body().len(), 4096);

    let chunked = Server::fixed(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".to_vec(),
    );
    let transport = (adapter.transport)(TransportSettings::default().max_body_bytes(5));
    let response = transport
        .send(get(&chunked.url("/exact")))
        .expect("at the cap");
    assert_eq!(response.body(), b"hello");
}

// The transport: broken replies.

/// What a transport must make of a reply followed by a close: a response with this status
/// and body, or, for `None`, an `Io` error that keeps its cause.
pub type Outcome = Option<(u16, &'static [u8])>;

/// Sends a request with `method` to a server that answers it with the raw bytes of `reply`
/// and closes the connection, and checks that `transport` makes `outcome` of it.
fn assert_reply_then_close<T: Transport>(
    transport: &T,
    what: &str,
    method: http::Method,
    reply: &'static [u8],
    outcome: Outcome,
) {
    let server = Server::start(move |_, stream| {
        let _ = stream.write_all(reply);
        After::Close
    });
    let request = http::Request::builder()
        .method(method)
        .uri(server.url("/cut"))
        .body(Vec::new())
        .expect("request");
    match (transport.send(request), outcome) {
        (Ok(response), Some((status, body))) => {
            assert_eq!(response.status(), status, "{what}");
            assert_eq!(response.body(), body, "{what}");
        }
        (Ok(response), None) => panic!("{what}: taken for a response: {response:?}"),
        (Err(error), Some(_)) => panic!("{what}: not taken for a response: {error:?}"),
        (Err(error), None) => {
            assert_eq!(error.kind(), TransportErrorKind::Io, "{what}: {error:?}");
            assert!(error.source().is_some(), "{what}: {error:?}");
        }
    }
}

/// A reply followed by a close: what it is, the method of the request it answers, the raw
/// reply, and what the transport must make of it.
pub type Ending = (&'static str, http::Method, &'static [u8], Outcome);

/// Checks every ending with `assert_reply_then_close`, on one transport.
pub fn assert_endings<T: Transport>(adapter: &Adapter<T>, endings: &[Ending]) {
    let transport = adapter.fast();
    for (what, method, reply, outcome) in endings {
        assert_reply_then_close(&transport, what, method.clone(), reply, *outcome);
    }
}

/// Each `(what, reply)` is a reply cut short: a GET answered with it, then a close, must fail
/// with an `Io` error (which the core retries where that is safe), never come back as a
/// response.
pub fn assert_cuts_are_io<T: Transport>(adapter: &Adapter<T>, cuts: &[(&str, &'static [u8])]) {
    let transport = adapter.fast();
    for &(what, cut) in cuts {
        let what = format!("cut {what}");
        assert_reply_then_close(&transport, &what, http::Method::GET, cut, None);
    }
}

/// A head up to its blank line, announcing a chunked body.
macro_rules! chunked_head {
    () => {
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    };
}

/// Replies cut before a final status line began.
const CUT_BEFORE_THE_STATUS_LINE: &[(&str, &[u8])] = &[
    ("before any byte", b""),
    ("after an interim 100", b"HTTP/1.1 100 Continue\r\n\r\n"),
];

/// Replies cut inside the status line.
const CUT_IN_THE_STATUS_LINE: &[(&str, &[u8])] = &[
    ("after one byte", b"H"),
    ("inside the code", b"HTTP/1.1 20"),
    ("before the line end", b"HTTP/1.1 200 OK"),
    ("between CR and LF", b"HTTP/1.1 200 OK\r"),
];

/// Replies cut after the status line and before the blank line that ends the head, whatever
/// the lines received so far announce.
const CUT_IN_THE_HEADERS: &[(&str, &[u8])] = &[
    ("after the status line", b"HTTP/1.1 200 OK\r\n"),
    (
        "after a header",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n",
    ),
    ("inside a header name", b"HTTP/1.1 200 OK\r\nContent-Ty"),
    (
        "inside a header value",
        b"HTTP/1.1 200 OK\r\nContent-Type: appl",
    ),
    (
        "inside the blank line",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r",
    ),
    (
        "after a length",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n",
    ),
    (
        "after the chunked header",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n",
    ),
    (
        "in the head of an error status",
        b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\n",
    ),
    (
        "in the head of a redirect",
        b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n",
    ),
    (
        "in the head of an interim 100",
        b"HTTP/1.1 100 Continue\r\n",
    ),
    (
        "in the final head after an interim 100",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n",
    ),
];

/// Replies cut inside a body with a `Content-Length`.
const CUT_IN_A_SIZED_BODY: &[(&str, &[u8])] = &[
    (
        "before the body",
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
    ),
    (
        "inside the body",
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"data\":",
    ),
    (
        "one byte short",
        b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n{\"data\":{}}",
    ),
];

/// Replies cut inside a chunked body, before the last chunk (`0\r\n`).
const CUT_IN_A_CHUNKED_BODY: &[(&str, &[u8])] = &[
    ("before the first chunk", chunked_head!().as_bytes()),
    (
        "inside a chunk-size line",
        concat!(chunked_head!(), "5").as_bytes(),
    ),
    (
        "inside a chunk",
        concat!(chunked_head!(), "5\r\nhel").as_bytes(),
    ),
    (
        "before a chunk's line end",
        concat!(chunked_head!(), "5\r\nhello").as_bytes(),
    ),
    (
        "after a chunk",
        concat!(chunked_head!(), "5\r\nhello\r\n").as_bytes(),
    ),
    (
        "inside the last chunk's line",
        concat!(chunked_head!(), "5\r\nhello\r\n0").as_bytes(),
    ),
];

/// A chunked body cut after its last chunk (`0` and its line end), before the blank line
/// that ends the body: the whole body came, the reply did not. The transports differ on it.
pub const CUT_AFTER_THE_LAST_CHUNK: (&str, &[u8]) = (
    "after the last chunk",
    concat!(chunked_head!(), "5\r\nhello\r\n0\r\n").as_bytes(),
);

pub fn connection_closed_before_any_reply_is_io<T: Transport>(adapter: &Adapter<T>) {
    assert_cuts_are_io(adapter, CUT_BEFORE_THE_STATUS_LINE);
}

pub fn connection_closed_in_the_status_line_is_io<T: Transport>(adapter: &Adapter<T>) {
    assert_cuts_are_io(adapter, CUT_IN_THE_STATUS_LINE);
}

pub fn connection_closed_in_the_headers_is_io<T: Transport>(adapter: &Adapter<T>) {
    assert_cuts_are_io(adapter, CUT_IN_THE_HEADERS);
}

pub fn connection_closed_mid_body_is_io<T: Transport>(adapter: &Adapter<T>) {
    assert_cuts_are_io(adapter, CUT_IN_A_SIZED_BODY);
}

pub fn connection_closed_mid_chunked_body_is_io<T: Transport>(adapter: &Adapter<T>) {
    assert_cuts_are_io(adapter, CUT_IN_A_CHUNKED_BODY);
}

/// The other side of the cuts: a whole reply followed by a close is a response. A body with
/// neither a length nor chunking ends where the connection does (RFC 9112, section 6.3),
/// and a head that declares no body (a 204, a 304, `Content-Length: 0`) needs none.
pub fn a_whole_reply_then_a_close_is_a_response<T: Transport>(adapter: &Adapter<T>) {
    const GET: http::Method = http::Method::GET;
    assert_endings(
        adapter,
        &[
            (
                "a body ended by the close",
                GET,
                b"HTTP/1.1 200 OK\r\n\r\n{\"data\":{}}",
                Some((200, b"{\"data\":{}}")),
            ),
            (
                "a body ended by an announced close",
                GET,
                b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n[1]",
                Some((200, b"[1]")),
            ),
            (
                "HTTP/1.0",
                GET,
                b"HTTP/1.0 200 OK\r\n\r\n{}",
                Some((200, b"{}")),
            ),
            (
                "an error ended by the close",
                GET,
                b"HTTP/1.1 500 Internal Server Error\r\n\r\noops",
                Some((500, b"oops")),
            ),
            (
                "a 204",
                GET,
                b"HTTP/1.1 204 No Content\r\n\r\n",
                Some((204, b"")),
            ),
            (
                "a 304",
                GET,
                b"HTTP/1.1 304 Not Modified\r\n\r\n",
                Some((304, b"")),
            ),
            (
                "an empty body of length 0",
                GET,
                b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                Some((200, b"")),
            ),
            (
                "a reply to a HEAD, with a length",
                http::Method::HEAD,
                b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
                Some((200, b"")),
            ),
        ],
    );

    // Read to the close, not to the first read: the body comes in two writes.
    let server = Server::start(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\n\r\n{\"data\":");
        let _ = stream.flush();
        thread::sleep(Duration::from_millis(50));
        let _ = stream.write_all(b"{}}");
        After::Close
    });
    let response = adapter
        .fast()
        .send(get(&server.url("/slow")))
        .expect("sent");
    assert_eq!(response.body(), b"{\"data\":{}}");
}

/// Empty replies that only the end of the head tells apart: heads cut after they declared
/// no body, and whole replies with an empty body their head did not declare. A transport
/// that sees where the head ends (`sees_the_end_of_the_head`) reports the cut ones as `Io`
/// and the whole ones as responses; one that does not (isahc: libcurl does not say) must
/// judge by what the head declares, and gets both the other way round.
pub fn an_empty_reply_is_judged_by_its_head<T: Transport>(
    adapter: &Adapter<T>,
    sees_the_end_of_the_head: bool,
) {
    const GET: http::Method = http::Method::GET;
    let cases: [(&str, http::Method, &[u8], bool, u16); 5] = [
        // (what, method, reply, cut, status)
        (
            "cut after `Content-Length: 0`",
            GET,
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n",
            true,
            200,
        ),
        (
            "cut after a 204's status line",
            GET,
            b"HTTP/1.1 204 No Content\r\n",
            true,
            204,
        ),
        (
            "a reply to a HEAD cut after its status line",
            http::Method::HEAD,
            b"HTTP/1.1 200 OK\r\n",
            true,
            200,
        ),
        (
            "an empty body ended by the close",
            GET,
            b"HTTP/1.1 200 OK\r\n\r\n",
            false,
            200,
        ),
        (
            "a chunked body of no chunk",
            GET,
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            false,
            200,
        ),
    ];
    let endings = cases.map(|(what, method, reply, cut, status)| {
        let taken_as_whole = cut != sees_the_end_of_the_head;
        let outcome: Outcome = taken_as_whole.then_some((status, b""));
        (what, method, reply, outcome)
    });
    assert_endings(adapter, &endings);
}

pub fn garbage_reply_is_io<T: Transport>(adapter: &Adapter<T>) {
    let server = Server::start(|_, stream| {
        let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n");
        After::Close
    });
    let error = adapter
        .fast()
        .send(get(&server.url("/garbage")))
        .expect_err("not HTTP");
    assert_eq!(error.kind(), TransportErrorKind::Io, "{error:?}");
}

// The transport: connection reuse.

pub fn sequential_requests_reuse_one_connection<T: Transport + Clone>(adapter: &Adapter<T>) {
    let server = Server::fixed(reply("200 OK", &[], b"{}"));
    let transport = adapter.fast();
    for _ in 0..3 {
        let response = transport.send(get(&server.url("/again"))).expect("sent");
        assert_eq!(response.body(), b"{}");
    }
    // A clone shares the pool (ureq's agent, isahc's libcurl connection cache).
    transport
        .clone()
        .send(get(&server.url("/again")))
        .expect("sent");
    assert_eq!(server.accepts(), 1);
    for _ in 0..4 {
        assert_eq!(server.request().connection, 0);
    }
}

pub fn error_replies_keep_the_connection_too<T: Transport>(adapter: &Adapter<T>) {
    let server = Server::fixed(reply("404 Not Found", &[], b"{\"error\":{}}"));
    let transport = adapter.fast();
    transport.send(get(&server.url("/a"))).expect("sent");
    transport.send(get(&server.url("/b"))).expect("sent");
    assert_eq!(server.accepts(), 1);
}

// The transport: TLS. Which of these a transport runs depends on its crate's features, so
// the adapter crates run them from their own tests.

pub fn plain_http_on_an_https_url_is_tls<T: Transport>(adapter: &Adapter<T>) {
    // A clear-text server: it reads the client hello and answers with an HTTP/1.1 reply,
    // which is no TLS record.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut hello = [0; 512];
            let _ = stream.read(&mut hello);
            let _ = stream.write_all(&reply("400 Bad Request", &[], b"plain"));
            thread::sleep(Duration::from_millis(500));
        }
    });
    let error = adapter
        .fast()
        .send(get(&format!("https://{addr}/")))
        .expect_err("no TLS there");
    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
    assert!(error.source().is_some());
}

pub fn tls_server_that_hangs_up_is_not_a_success<T: Transport>(adapter: &Adapter<T>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            drop(stream);
        }
    });
    let error = adapter
        .fast()
        .send(get(&format!("https://{addr}/")))
        .expect_err("hung up");
    assert!(
        matches!(
            error.kind(),
            TransportErrorKind::Io | TransportErrorKind::Tls
        ),
        "{error:?}"
    );
}

/// For a transport built without TLS.
pub fn https_without_a_tls_feature_fails_cleanly<T: Transport>(adapter: &Adapter<T>) {
    let server = Server::fixed(reply("200 OK", &[], b"{}"));
    let error = adapter
        .fast()
        .send(get(&format!("https://{}/", server.addr)))
        .expect_err("no TLS compiled in");
    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
}

// The client over the transport.

pub fn client_sends_the_core_user_agent_once<T: Transport>(adapter: &Adapter<T>) {
    let body = br#"{"data":{"allowed_origins":["https://shop.example"]}}"#;
    let server = Server::fixed(reply(
        "200 OK",
        &[("Content-Type", "application/json")],
        body,
    ));
    let client = (adapter.with_base_url)("sk_test_abc", &server.url("")).expect("client");
    let config = client.embedded_checkout().get_config().expect("config");
    assert_eq!(
        config.allowed_origins.expect("origins"),
        ["https://shop.example"]
    );

    let seen = server.request();
    assert_eq!(seen.request_line, "GET /embedded-checkout/config HTTP/1.1");
    let expected = user_agent(adapter);
    assert_eq!(seen.header_all("user-agent"), [expected.as_str()]);
    assert_eq!(client.config().user_agent(), expected);
    assert_eq!(seen.header_all("accept"), ["application/json"]);
    assert_eq!(seen.header_all("x-easy-api-key"), ["sk_test_abc"]);
    assert!(seen.header("accept-encoding").is_none());
    assert!(seen.header("content-type").is_none());
    assert!(seen.header("content-length").is_none());
}

pub fn client_reports_api_errors_with_the_raw_body<T: Transport>(adapter: &Adapter<T>) {
    let body = br#"{"error":{"code":"SESSION_NOT_FOUND","message":"no such session"}}"#;
    let server = Server::fixed(reply(
        "404 Not Found",
        &[("Content-Type", "application/json")],
        body,
    ));
    let client = (adapter.with_base_url)("sk_test_abc", &server.url("/v1/api")).expect("client");
    let error = client
        .embedded_checkout()
        .retrieve_session("ecs_missing")
        .expect_err("404");
    assert_eq!(error.kind(), ErrorKind::NotFound);
    let api = error.as_api().expect("an API error");
    assert_eq!(api.code.as_deref(), Some("SESSION_NOT_FOUND"));
    assert_eq!(api.raw_body, body);
    assert_eq!(
        server.request().target(),
        "/v1/api/embedded-checkout/ecs_missing"
    );
}

pub fn client_surfaces_transport_errors<T: Transport>(adapter: &Adapter<T>) {
    let addr = closed_port();
    let client = (adapter.with_config)(
        Config::new("sk_test_abc".parse().expect("key"))
            .with_base_url(BaseUrl::parse(&format!("http://{addr}")).expect("url")),
        TransportSettings::default(),
    )
    .with_retry_policy(RetryPolicy::never());
    let error = client
        .embedded_checkout()
        .get_config()
        .expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert_eq!(
        error.as_transport().expect("transport").kind(),
        TransportErrorKind::Connect
    );
}

/// One cut of each kind, for the tests over the client.
const ONE_CUT_OF_EACH_KIND: &[(&str, &[u8])] = &[
    ("before any byte", b""),
    ("inside the status line", b"HTTP/1.1 20"),
    ("after the status line", b"HTTP/1.1 200 OK\r\n"),
    (
        "inside the headers",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n",
    ),
    (
        "inside a sized body",
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"data\":",
    ),
    (
        "inside a chunked body",
        concat!(chunked_head!(), "5\r\n{\"dat\r\n").as_bytes(),
    ),
];

/// A client of `server` with short limits and `retries` fast retries.
fn client_of<T: Transport>(adapter: &Adapter<T>, server: &Server, retries: u32) -> Client<T> {
    let config = Config::new("sk_test_abc".parse().expect("key"))
        .with_base_url(BaseUrl::parse(&server.url("")).expect("url"));
    (adapter.with_config)(config, fast_settings()).with_retry_policy(crate::fast_retries(retries))
}

/// A GET is safe to repeat: a reply cut short is retried, once per cut.
pub fn a_cut_reply_to_a_get_is_retried<T: Transport>(adapter: &Adapter<T>) {
    let body = br#"{"data":{"allowed_origins":["https://shop.example"]}}"#;
    for &(what, cut) in ONE_CUT_OF_EACH_KIND {
        // Cuts the first reply, answers every later one.
        let cuts_left = std::sync::atomic::AtomicBool::new(true);
        let server = Server::start(move |_, stream| {
            if cuts_left.swap(false, std::sync::atomic::Ordering::SeqCst) {
                let _ = stream.write_all(cut);
                After::Close
            } else {
                let _ = stream.write_all(&reply(
                    "200 OK",
                    &[("Content-Type", "application/json")],
                    body,
                ));
                After::KeepAlive
            }
        });
        let config = client_of(adapter, &server, 2)
            .embedded_checkout()
            .get_config()
            .unwrap_or_else(|e| panic!("cut {what}: {e:?}"));
        assert_eq!(
            config.allowed_origins.expect("origins"),
            ["https://shop.example"]
        );
        // The client has returned: every request it made has been recorded.
        for _ in 0..2 {
            assert_eq!(server.request().target(), "/embedded-checkout/config");
        }
        assert_eq!(
            server.pending_requests(),
            0,
            "cut {what}: more than one retry"
        );
    }
}

/// A keyless `confirm` must never go out twice: a reply cut short, even one cut right after a
/// `200` status line, is a transport error (the payment may or may not have gone through),
/// never a success and never retried.
pub fn a_cut_reply_to_a_keyless_confirm_is_not_retried<T: Transport>(adapter: &Adapter<T>) {
    use easy_checkout_core::ClientSecret;
    use easy_checkout_core::ops::{Confirm, PaymentMethod};

    let confirm = Confirm::new(
        ClientSecret::new("ecs_secret_abc").expect("secret"),
        PaymentMethod::card("tok_abc"),
    );
    for &(what, cut) in ONE_CUT_OF_EACH_KIND {
        let server = Server::start(move |_, stream| {
            let _ = stream.write_all(cut);
            After::Close
        });
        let error = match client_of(adapter, &server, 3)
            .embedded_checkout()
            .confirm(&confirm)
        {
            Ok(value) => panic!("cut {what}: reported as a confirmed payment: {value}"),
            Err(error) => error,
        };
        assert_eq!(error.kind(), ErrorKind::Transport, "cut {what}: {error:?}");
        assert_eq!(
            error.as_transport().expect("transport").kind(),
            TransportErrorKind::Io,
            "cut {what}"
        );
        let seen = server.request();
        assert_eq!(
            seen.request_line,
            "POST /embedded-checkout/confirm HTTP/1.1"
        );
        assert_eq!(seen.header("idempotency-key"), None);
        // The client has returned: a resend, had there been one, has been recorded.
        assert_eq!(server.pending_requests(), 0, "cut {what}: sent twice");
    }
}

pub fn transport_and_client_are_send_sync_clone<T>(_: &Adapter<T>)
where
    T: Send + Sync + Clone + Debug + 'static,
{
    fn check<C: Send + Sync + Clone + Debug + 'static>() {}
    check::<T>();
    check::<Client<T>>();
}

// The one-line constructors: routing, overrides, the environment, and that none of them
// does IO.

const SANDBOX: &str = "https://sandbox-api.itseasy.co/v1/api";
const PRODUCTION: &str = "https://api.itseasy.co/v1/api";

/// `easy-checkout-rust/{version} {adapter}`. The version is this crate's: every crate of the
/// workspace has the workspace's.
fn user_agent<T>(adapter: &Adapter<T>) -> String {
    format!(
        "easy-checkout-rust/{} {}",
        env!("CARGO_PKG_VERSION"),
        adapter.name
    )
}

pub fn from_key_routes_by_prefix<T: Transport>(adapter: &Adapter<T>) {
    for (key, base_url) in [
        ("sk_test_abc", SANDBOX),
        ("sk_sandbox_abc", SANDBOX),
        ("pk_test_abc", SANDBOX),
        ("pk_live_abc", PRODUCTION),
    ] {
        let client = (adapter.from_key)(key).expect("client");
        assert_eq!(client.config().base_url().as_str(), base_url, "{key}");
    }
    let client = (adapter.from_key)("sk_live_abc").expect("client");
    assert_eq!(client.config().base_url().as_str(), PRODUCTION);
    assert_eq!(
        (adapter.settings)(client.transport()),
        &TransportSettings::default()
    );
}

pub fn from_key_refuses_unsendable_keys_without_echoing_them<T: Transport>(adapter: &Adapter<T>) {
    // Unsendable, or no Easy key (which only a base URL set explicitly takes).
    for key in [
        "",
        "  ",
        "sk_test_with space",
        "sk_test_\u{e9}",
        "junk",
        "sk_other_abc",
    ] {
        let error = (adapter.from_key)(key).expect_err("refused");
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        if !key.trim().is_empty() {
            assert!(!error.to_string().contains(key), "{error}");
        }
    }
}

pub fn with_base_url_overrides_routing_and_keeps_the_loopback_rule<T: Transport>(
    adapter: &Adapter<T>,
) {
    let client =
        (adapter.with_base_url)("sk_live_abc", "http://localhost:4010/v1/api/").expect("client");
    assert_eq!(
        client.config().base_url().as_str(),
        "http://localhost:4010/v1/api"
    );
    let error =
        (adapter.with_base_url)("sk_live_abc", "http://api.example.com").expect_err("clear text");
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    let error = (adapter.with_base_url)("", "https://api.example.com").expect_err("no key");
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    // With the base URL set, a key Easy does not issue is the proxy's business.
    let client = (adapter.with_base_url)("junk", "http://localhost:4010").expect("client");
    assert!(client.config().has_api_key());
}

pub fn with_config_names_the_transport_in_the_user_agent<T: Transport + Clone>(
    adapter: &Adapter<T>,
) {
    let config = Config::new("sk_test_abc".parse().expect("key"));
    let settings = TransportSettings::default().max_body_bytes(10);
    let client = (adapter.with_config)(config, settings);
    assert_eq!(client.config().user_agent(), user_agent(adapter));
    assert_eq!((adapter.settings)(client.transport()).max_body_bytes, 10);
    // Cloning a client is cheap and keeps the configuration.
    let clone = client.clone();
    assert_eq!(clone.config().user_agent(), client.config().user_agent());
}

pub fn constructors_do_no_io<T: Transport>(adapter: &Adapter<T>) {
    // Nothing listens on port 9 of this host, and nothing is resolved: a constructor that
    // touched the network would fail or hang here.
    (adapter.with_base_url)("sk_test_abc", "http://127.0.0.1:9").expect("client");
    (adapter.from_key)("sk_live_abc").expect("client");
}

/// Set in the environment of the child process [`from_env_in_child`] starts.
const CHILD_FLAG: &str = "EASY_CHECKOUT_FROM_ENV_CHILD";

/// Runs the test `from_env_child` of this test binary in a child process with exactly these
/// of the adapter's variables set, and returns what it reported.
fn from_env_in_child<V: AsRef<OsStr>>(vars: &[(&str, V)]) -> String {
    use easy_checkout_core::config::{API_KEY_ENV, BASE_URL_ENV};

    let exe = std::env::current_exe().expect("test binary");
    let mut command = Command::new(exe);
    command
        .args([
            "from_env_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_remove(API_KEY_ENV)
        .env_remove(BASE_URL_ENV)
        .env(CHILD_FLAG, "1");
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().expect("child ran");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(|line| line.split_once("FROM_ENV: ").map(|(_, report)| report))
        .expect("the child reported")
        .to_owned()
}

/// Reports what `from_env` built, when run in the child process of the `from_env` tests; passes
/// trivially otherwise.
pub fn from_env_child<T: Transport>(adapter: &Adapter<T>) {
    if std::env::var_os(CHILD_FLAG).is_none() {
        return;
    }
    match (adapter.from_env)() {
        Ok(client) => println!(
            "FROM_ENV: ok {} key={}",
            client.config().base_url(),
            client.config().has_api_key()
        ),
        Err(error) => println!("FROM_ENV: err {:?} {error}", error.kind()),
    }
}

pub fn from_env_reads_key_and_url<T: Transport>(_: &Adapter<T>) {
    assert_eq!(
        from_env_in_child(&[("EASY_API_KEY", "sk_test_abc")]),
        format!("ok {SANDBOX} key=true")
    );
    assert_eq!(
        from_env_in_child(&[("EASY_API_KEY", "sk_live_abc")]),
        format!("ok {PRODUCTION} key=true")
    );
    assert_eq!(
        from_env_in_child(&[
            ("EASY_API_KEY", "sk_live_abc"),
            ("EASY_API_URL", "http://127.0.0.1:4010/")
        ]),
        "ok http://127.0.0.1:4010 key=true"
    );
    // No key: a key-less client for validate and confirm.
    assert_eq!(
        from_env_in_child::<&str>(&[]),
        format!("ok {PRODUCTION} key=false")
    );
    assert_eq!(
        from_env_in_child(&[("EASY_API_KEY", "")]),
        format!("ok {PRODUCTION} key=false")
    );
    let refused = from_env_in_child(&[("EASY_API_URL", "http://api.example.com")]);
    assert!(refused.starts_with("err InvalidInput"), "{refused}");
    // A key that is no Easy key: refused, unless the URL is set too.
    let refused = from_env_in_child(&[("EASY_API_KEY", "junk")]);
    assert!(
        refused.starts_with("err InvalidInput invalid input: api_key"),
        "{refused}"
    );
    assert_eq!(
        from_env_in_child(&[("EASY_API_KEY", "junk"), ("EASY_API_URL", "http://[::1]:1")]),
        "ok http://[::1]:1 key=true"
    );
}

/// A variable that is not UTF-8 is refused, naming the variable.
pub fn from_env_refuses_a_variable_that_is_not_utf8<T: Transport>(_: &Adapter<T>) {
    #[cfg(unix)]
    for name in ["EASY_API_KEY", "EASY_API_URL"] {
        use std::os::unix::ffi::OsStrExt;
        let refused = from_env_in_child(&[(name, OsStr::from_bytes(b"sk_test_\xff"))]);
        assert!(refused.starts_with("err InvalidInput"), "{refused}");
        assert!(refused.contains(name), "{refused}");
    }
}

/// Set in the environment of the child process [`through_proxy_env_in_child`] starts: the URL
/// the child requests.
const PROXY_CHILD_URL: &str = "EASY_CHECKOUT_PROXY_CHILD_URL";

/// Every variable libcurl or ureq reads a proxy from.
const PROXY_VARS: [&str; 6] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
];

/// A stand-in proxy: records the first line of every connection it gets, then closes it.
struct FakeProxy {
    url: String,
    lines: std::sync::mpsc::Receiver<String>,
}

impl FakeProxy {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let (tx, lines) = std::sync::mpsc::channel();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut line = String::new();
                let _ =
                    std::io::BufRead::read_line(&mut std::io::BufReader::new(stream), &mut line);
                if tx.send(line.trim_end().to_owned()).is_err() {
                    return;
                }
            }
        });
        Self { url, lines }
    }

    /// The first lines of the connections it got so far.
    fn seen(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }
}

/// Runs the test `through_proxy_env_child` of this test binary in a child process with every
/// proxy variable set to `proxy` (and no `NO_PROXY`), and returns what the child reported of
/// its GET of `url`.
fn through_proxy_env_in_child(proxy: &str, url: &str) -> String {
    let exe = std::env::current_exe().expect("test binary");
    let mut command = Command::new(exe);
    command
        .args([
            "through_proxy_env_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env(PROXY_CHILD_URL, url);
    for name in PROXY_VARS {
        command.env(name, proxy);
    }
    let output = command.output().expect("child ran");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(|line| line.split_once("PROXY_CHILD: ").map(|(_, report)| report))
        .expect("the child reported")
        .to_owned()
}

/// Sends a GET carrying an API key to the URL in its environment and reports the outcome,
/// when run in the child process of the proxy tests; passes trivially otherwise.
pub fn through_proxy_env_child<T: Transport>(adapter: &Adapter<T>) {
    let Some(url) = std::env::var_os(PROXY_CHILD_URL) else {
        return;
    };
    let request = http::Request::get(url.to_str().expect("a UTF-8 URL"))
        .header("x-easy-api-key", "sk_test_secret_in_clear")
        .body(Vec::new())
        .expect("request");
    match adapter.fast().send(request) {
        Ok(response) => println!("PROXY_CHILD: ok {}", response.status().as_u16()),
        Err(error) => println!("PROXY_CHILD: err {:?}", error.kind()),
    }
}

pub fn plain_http_never_goes_through_a_proxy<T: Transport>(_: &Adapter<T>) {
    let proxy = FakeProxy::start();
    let server = Server::fixed(reply("204 No Content", &[], b""));
    let report = through_proxy_env_in_child(&proxy.url, &server.url("/direct"));
    assert_eq!(report, "ok 204");
    let seen = server.request();
    assert_eq!(seen.request_line, "GET /direct HTTP/1.1");
    assert_eq!(
        seen.header("x-easy-api-key"),
        Some("sk_test_secret_in_clear")
    );
    // The proxy would have seen the key: plain HTTP (CONNECT or not) must not reach it.
    assert_eq!(proxy.seen(), Vec::<String>::new());
}

pub fn https_still_goes_through_the_proxy_from_the_environment<T: Transport>(_: &Adapter<T>) {
    let proxy = FakeProxy::start();
    // `.invalid` never resolves: only the proxy can be asked for it. The proxy closes at once,
    // so the request fails; what matters is that it asked the proxy for a tunnel.
    let report = through_proxy_env_in_child(&proxy.url, "https://api.example.invalid/x");
    assert!(report.starts_with("err "), "{report}");
    let seen = proxy.seen();
    assert_eq!(
        seen.first().map(String::as_str),
        Some("CONNECT api.example.invalid:443 HTTP/1.1"),
        "{seen:?}"
    );
}

pub fn a_keyless_post_on_a_dead_kept_alive_connection_goes_out_once<T: Transport>(
    adapter: &Adapter<T>,
) {
    // Marked as the core marks a keyless confirm, and unmarked as a middleware that rebuilt
    // the request would leave it: neither goes out twice.
    for marked in [true, false] {
        // Replies to the GET and keeps the connection; reads the POST, then closes without a
        // byte.
        let server = Server::start(|seen, stream| {
            if seen.method() == "GET" {
                let _ = stream.write_all(&reply("204 No Content", &[], b""));
                After::KeepAlive
            } else {
                After::Close
            }
        });
        let transport = adapter.fast();
        transport.send(get(&server.url("/warm"))).expect("sent");
        assert_eq!(server.request().request_line, "GET /warm HTTP/1.1");
        let mut post = http::Request::post(server.url("/embedded-checkout/confirm"))
            .header("content-type", "application/json");
        if marked {
            post = post.extension(easy_checkout_core::ops::NoResend);
        }
        let post = post
            .body(br#"{"client_secret":"x"}"#.to_vec())
            .expect("request");
        let error = transport.send(post).expect_err("no reply");
        assert_eq!(error.kind(), TransportErrorKind::Io, "{error:?}");
        assert_eq!(
            server.request().request_line,
            "POST /embedded-checkout/confirm HTTP/1.1"
        );
        // A resend, had there been one, would have arrived by now.
        thread::sleep(Duration::from_millis(200));
        assert_eq!(
            server.pending_requests(),
            0,
            "marked {marked}: the POST went out twice"
        );
    }
}

pub fn a_timeout_under_a_millisecond_still_times_out<T: Transport + Send + 'static>(
    adapter: &Adapter<T>,
) {
    // Accepts (the backlog does) and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}/silent", listener.local_addr().expect("addr"));
    let transport = (adapter.transport)(
        TransportSettings::default()
            .connect_timeout(Duration::from_nanos(1))
            .timeout(Duration::from_nanos(1)),
    );
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(transport.send(get(&url)).map(|r| r.status()));
    });
    let outcome = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a 1 ns timeout never fired: taken as no timeout at all");
    let error = outcome.expect_err("nothing answers");
    assert!(
        matches!(
            error.kind(),
            TransportErrorKind::Timeout | TransportErrorKind::Connect
        ),
        "{error:?}"
    );
    drop(listener);
}
