//! Injected faults, connection handling and the server's lifecycle.

mod common;

use std::collections::HashSet;
use std::io::ErrorKind;
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use common::{Conn, KEY, create, get, new_session, post, raw_exchange, session_body};
use easy_checkout_fake::{FakeEasy, Fault, RecordedRequest, SignedWebhook};
use serde_json::{Value, json};

const VALIDATE: &[u8] =
    b"GET /validate-key HTTP/1.1\r\nHost: x\r\nx-easy-api-key: sk_test_fake_key\r\n\r\n";

/// Writes `raw` on a fresh connection; the response read.
fn sent_raw(fake: &FakeEasy, raw: &[u8]) -> common::Resp {
    let mut conn = Conn::open(fake);
    conn.write_raw(raw).unwrap();
    conn.read_response().unwrap()
}

#[test]
fn status_faults_use_the_envelope_or_the_given_body() {
    let fake = FakeEasy::start().unwrap();
    fake.inject(Fault::status_with_retry_after(429, "2"));
    fake.inject(Fault::status(503));
    let body = Some("upstream exploded".to_owned());
    fake.inject(Fault::Status {
        status: 500,
        retry_after: None,
        body,
    });
    fake.inject(Fault::status(204));

    let limited = get(&fake, "/validate-key");
    limited.error(429, "INJECTED_FAULT");
    assert_eq!(limited.header("retry-after"), Some("2"));
    assert_eq!(limited.header("ratelimit-remaining"), Some("0"));
    assert_eq!(limited.header("content-type"), Some("application/json"));
    let unavailable = get(&fake, "/validate-key");
    unavailable.error(503, "INJECTED_FAULT");
    assert_eq!(unavailable.header("retry-after"), None);
    let custom = get(&fake, "/validate-key");
    assert_eq!(custom.status, 500);
    assert_eq!(custom.body, b"upstream exploded");
    let empty = get(&fake, "/validate-key");
    assert_eq!((empty.status, empty.body), (204, vec![]));
    assert_eq!(get(&fake, "/validate-key").status, 200);
}

#[test]
fn faults_are_consumed_in_order_and_requests_still_recorded() {
    let fake = FakeEasy::start().unwrap();
    fake.inject_n(Fault::status(502), 2);
    fake.inject(Fault::NotJson);
    // A faulted create changes no state.
    let faulted = post(&fake, "/embedded-checkout", &session_body());
    assert_eq!(faulted.status, 502);
    assert_eq!(get(&fake, "/embedded-checkout/ecs_1").status, 502);
    let html = get(&fake, "/embedded-checkout/ecs_1");
    assert_eq!(html.status, 200);
    let content_type = html.header("content-type").unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(html.body.starts_with(b"<html>"));
    assert!(serde_json::from_slice::<Value>(&html.body).is_err());
    let missing = get(&fake, "/embedded-checkout/ecs_1");
    assert_eq!(missing.code(), "SESSION_NOT_FOUND");

    let requests = fake.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[0].path, "/embedded-checkout");
    assert_eq!(requests[0].json(), Some(session_body()));
}

#[test]
fn delay_postpones_only_its_own_request() {
    let fake = FakeEasy::start().unwrap();
    fake.inject(Fault::Delay(Duration::from_secs(2)));
    let slow = thread::scope(|s| {
        let slow = s.spawn(|| get(&fake, "/validate-key"));
        // Wait until the delayed request has arrived, then send another.
        while fake.requests().is_empty() {
            thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(get(&fake, "/validate-key").status, 200);
        // The fast one is answered while the slow one is still being held.
        assert!(!fake.wait_until_idle(Duration::ZERO));
        slow.join().unwrap()
    });
    assert_eq!(slow.status, 200, "handled normally after the delay");
    assert!(fake.wait_until_idle(Duration::ZERO));
}

#[test]
fn a_delay_longer_than_the_client_waits_still_does_the_work() {
    let fake = FakeEasy::start().unwrap();
    fake.inject(Fault::Delay(Duration::from_millis(300)));
    let mut conn = Conn::open(&fake);
    conn.set_read_timeout(Duration::from_millis(50));
    let body = serde_json::to_vec(&session_body()).unwrap();
    let headers = [KEY, ("Idempotency-Key", "late-1")];
    let gave_up = conn.send("POST", "/embedded-checkout", &headers, Some(&body));
    assert!(gave_up.is_err(), "the client timed out: {gave_up:?}");
    drop(conn);
    // Once the fake has read the request (under load, maybe only after the client gave up),
    // it counts as handled until done; then its effect is there.
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake.requests().is_empty() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
    assert!(fake.wait_until_idle(Duration::from_secs(10)));
    assert_eq!(fake.sessions().len(), 1, "created after the client gave up");
}

#[test]
fn close_sends_nothing_and_closes() {
    let fake = FakeEasy::start().unwrap();
    fake.inject(Fault::Close);
    let started = Instant::now();
    let err = Conn::open(&fake).get("/validate-key").unwrap_err();
    let kind = err.kind();
    assert!(
        matches!(kind, ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "closed, not timed out"
    );
    assert_eq!(fake.requests().len(), 1, "recorded");
    // The next request works on a new connection.
    assert_eq!(get(&fake, "/validate-key").status, 200);
}

#[test]
fn close_mid_body_truncates_the_promised_body() {
    let fake = FakeEasy::start().unwrap();
    fake.inject(Fault::CloseMidBody);
    let started = Instant::now();
    let raw = raw_exchange(fake.addr(), VALIDATE).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "closed, not timed out"
    );
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("Content-Length: 1000\r\n"), "{text}");
    let mut fields = [httparse::EMPTY_HEADER; 16];
    let head = httparse::Response::new(&mut fields).parse(&raw).unwrap();
    assert_eq!(&raw[head.unwrap()..], br#"{"data":{""#);

    // The raw client sees the same as an error.
    fake.inject(Fault::CloseMidBody);
    let err = Conn::open(&fake).get("/validate-key").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    assert!(err.to_string().contains("10 of 1000"), "{err}");
}

#[test]
fn oversized_streams_exactly_that_many_bytes() {
    let fake = FakeEasy::start().unwrap();
    let len = 3 * 1024 * 1024 + 7;
    fake.inject(Fault::Oversized(len));
    let resp = get(&fake, "/validate-key");
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.header("content-length"),
        Some(len.to_string().as_str())
    );
    assert_eq!(resp.header("transfer-encoding"), None);
    assert_eq!(resp.body.len(), len);
    assert!(resp.data()["padding"].as_str().unwrap().len() > 3_000_000);
}

#[test]
fn redirect_points_elsewhere() {
    let fake = FakeEasy::start().unwrap();
    fake.inject(Fault::Redirect("http://127.0.0.1:1/elsewhere".to_owned()));
    fake.inject(Fault::Redirect("http://x\r\nInjected: 1".to_owned()));
    let resp = get(&fake, "/validate-key");
    resp.error(302, "REDIRECT");
    let location = resp.header("location");
    assert_eq!(location, Some("http://127.0.0.1:1/elsewhere"));
    let bad = get(&fake, "/validate-key");
    bad.error(500, "INVALID_FAULT");
    assert_eq!(bad.header("injected"), None);
}

#[test]
fn connections_count_keep_alive_reuse_once() {
    let fake = FakeEasy::start().unwrap();
    assert_eq!(fake.connections(), 0);
    let mut conn = Conn::open(&fake);
    for _ in 0..3 {
        assert_eq!(conn.get("/validate-key").unwrap().status, 200);
    }
    assert_eq!(fake.connections(), 1);
    let requests = fake.requests();
    assert!(requests.iter().all(|r| r.peer == conn.local_addr()));

    Conn::open(&fake).get("/validate-key").unwrap();
    conn.get("/validate-key").unwrap();
    assert_eq!(fake.connections(), 2);

    // A connection that sends nothing does not count.
    let _idle = TcpStream::connect(fake.addr()).unwrap();
    fake.clear_requests();
    assert_eq!(fake.connections(), 2, "not reset by clear_requests");

    // After a Close fault, the client must reconnect.
    fake.inject(Fault::Close);
    assert!(conn.get("/validate-key").is_err());
    assert!(conn.get("/validate-key").is_err(), "gone");
    get(&fake, "/validate-key");
    assert_eq!(fake.connections(), 3);
}

#[test]
fn survives_garbage_malformed_chunks_and_huge_bodies() {
    let fake = FakeEasy::start().unwrap();
    // A garbage request line: 400 and a closed connection.
    let raw = raw_exchange(fake.addr(), b"\x00\x01garbage\r\n\r\n").unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{text:?}");
    assert!(text.contains("Connection: close\r\n"), "{text:?}");
    assert!(text.contains(r#""code":"MALFORMED_REQUEST""#), "{text:?}");
    assert!(fake.requests().is_empty(), "not recorded");

    let sent = |raw: &[u8]| sent_raw(&fake, raw);
    // A malformed chunk size: 400 and a closed connection.
    let resp = sent(
        b"POST /embedded-checkout HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    );
    resp.error(400, "MALFORMED_REQUEST");
    assert_eq!(resp.header("connection"), Some("close"));

    // An absurd Content-Length: 413 without reading (or allocating) the body.
    let resp = sent(
        b"POST /embedded-checkout HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n{",
    );
    resp.error(413, "PAYLOAD_TOO_LARGE");

    // A chunked body is fine.
    let body = br#"{"items":[{"price_id":"p","quantity":1}],"return_url":"https://a.example"}"#;
    let mut raw = format!(
        "POST /embedded-checkout HTTP/1.1\r\nHost: x\r\nx-easy-api-key: {}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
        FakeEasy::TEST_KEY,
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(body);
    raw.extend_from_slice(b"\r\n0\r\n\r\n");
    assert_eq!(sent(&raw).status, 200);
    assert_eq!(fake.requests().last().unwrap().body, body);

    assert_eq!(create(&fake)["id"], "ecs_2");
}

/// A TLS ClientHello sent to the plain-http fake (a client given an `https://` base URL) is
/// refused at once: no line end is awaited, so the client sees a `400` and a close within a
/// second instead of waiting out its own timeout; the connection holds the write half open.
#[test]
fn a_tls_hello_gets_400_at_once_without_waiting_for_a_line_end() {
    let fake = FakeEasy::start().unwrap();
    for sent in [
        &b"\x16\x03\x01\x02\x00\x01"[..],
        b"\r\n\x16\x03\x01",
        b"{\"a\":1}",
    ] {
        let started = Instant::now();
        let raw = raw_exchange(fake.addr(), sent).unwrap();
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_secs(1), "{sent:?}: {elapsed:?}");
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n").expect("a whole head");
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{text:?}");
        assert!(head.contains("\r\nConnection: close"), "{text:?}");
        let body: Value = serde_json::from_str(body).unwrap();
        let message = match sent.iter().find(|b| !matches!(b, b'\r' | b'\n')) {
            Some(0x16) => "a TLS handshake sent to a plain-http server: use an http:// base URL",
            _ => "not an HTTP/1 request: it must start with a method (uppercase letters)",
        };
        assert_eq!(
            body,
            json!({ "success": false, "error": { "code": "MALFORMED_REQUEST", "message": message, "details": null } }),
            "{sent:?}"
        );
    }
    assert!(fake.requests().is_empty(), "not recorded");
    assert_eq!(fake.connections(), 0, "not counted");
    assert!(fake.sessions().is_empty());
    // Still serving, and a request led by blank lines is still read.
    let led = b"\r\nGET /validate-key HTTP/1.1\r\nHost: x\r\nx-easy-api-key: sk_test_a\r\n\r\n";
    assert_eq!(sent_raw(&fake, led).status, 200);
}

#[test]
fn drop_stops_the_server_and_closes_connections() {
    let fake = FakeEasy::start().unwrap();
    let addr = fake.addr();
    let mut conn = Conn::open(&fake);
    assert_eq!(conn.get("/validate-key").unwrap().status, 200);
    fake.inject(Fault::Delay(Duration::from_secs(30)));
    let started = Instant::now();
    let pending = thread::spawn(move || raw_exchange(addr, VALIDATE));
    while fake.requests().len() < 2 {
        thread::sleep(Duration::from_millis(5));
    }
    drop(fake);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "drop did not wait out the delay"
    );
    assert!(conn.get("/validate-key").is_err());
    // The delayed request ends one way or another, quickly.
    let _ = pending.join().unwrap();
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn start_on_a_given_port_and_base_url() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let fake = FakeEasy::start_on(port).unwrap();
    assert_eq!(fake.addr().port(), port);
    assert_eq!(fake.base_url(), format!("http://127.0.0.1:{port}"));
    assert!(format!("{fake:?}").contains(&fake.base_url()));
    assert!(FakeEasy::start_on(port).is_err(), "port taken");
    assert_eq!(Conn::open(&fake).get("/validate-key").unwrap().status, 200);
}

#[test]
fn shareable_across_threads_and_concurrent_clients_get_distinct_sessions() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<FakeEasy>();
    assert_send_sync::<Fault>();
    assert_send_sync::<RecordedRequest>();
    assert_send_sync::<SignedWebhook>();

    let fake = FakeEasy::start().unwrap();
    let ids: HashSet<String> = thread::scope(|s| {
        let creating = || (0..5).map(|_| new_session(&fake).0).collect::<Vec<_>>();
        let workers: Vec<_> = (0..8).map(|_| s.spawn(creating)).collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert_eq!(ids.len(), 40);
    assert_eq!(fake.requests().len(), 40);
    assert_eq!(fake.connections(), 40);
}
