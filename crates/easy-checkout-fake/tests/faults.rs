//! Injected faults, connection handling and the server's lifecycle.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use common::{Conn, call, create, get, try_call};
use easy_checkout_fake::{FakeEasy, Fault};
use serde_json::json;

const KEY: [(&str, &str); 1] = [("x-easy-api-key", FakeEasy::TEST_KEY)];

#[test]
fn status_faults_use_the_envelope_or_the_given_body() {
    let fake = FakeEasy::start().unwrap();
    fake.inject(Fault::status_with_retry_after(429, "2"));
    fake.inject(Fault::status(503));
    fake.inject(Fault::Status {
        status: 500,
        retry_after: None,
        body: Some("upstream exploded".to_owned()),
    });
    fake.inject(Fault::status(204));

    let limited = get(&fake, "/validate-key");
    assert_eq!(
        (limited.status, limited.code().as_str()),
        (429, "INJECTED_FAULT")
    );
    assert_eq!(limited.header("retry-after"), Some("2"));
    assert_eq!(limited.header("ratelimit-remaining"), Some("0"));
    assert_eq!(limited.header("content-type"), Some("application/json"));

    let unavailable = get(&fake, "/validate-key");
    assert_eq!(
        (unavailable.status, unavailable.code().as_str()),
        (503, "INJECTED_FAULT")
    );
    assert_eq!(unavailable.header("retry-after"), None);

    let custom = get(&fake, "/validate-key");
    assert_eq!(custom.status, 500);
    assert_eq!(custom.body, b"upstream exploded");

    let empty = get(&fake, "/validate-key");
    assert_eq!(empty.status, 204);
    assert!(empty.body.is_empty());

    // The queue is empty again: normal service.
    assert_eq!(get(&fake, "/validate-key").status, 200);
}

#[test]
fn faults_are_consumed_in_order_and_requests_still_recorded() {
    let fake = FakeEasy::start().unwrap();
    fake.inject_n(Fault::status(502), 2);
    fake.inject(Fault::NotJson);
    // A faulted create changes no state.
    let body =
        json!({ "items": [{ "price_id": "p", "quantity": 1 }], "return_url": "https://a.example" });
    assert_eq!(
        call(
            &fake,
            "POST",
            "/embedded-checkout",
            Some(FakeEasy::TEST_KEY),
            Some(&body)
        )
        .status,
        502
    );
    assert_eq!(get(&fake, "/embedded-checkout/ecs_1").status, 502);
    let html = get(&fake, "/embedded-checkout/ecs_1");
    assert_eq!(html.status, 200);
    assert!(
        html.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(html.body.starts_with(b"<html>"));
    assert!(serde_json::from_slice::<serde_json::Value>(&html.body).is_err());
    assert_eq!(
        get(&fake, "/embedded-checkout/ecs_1").code(),
        "SESSION_NOT_FOUND"
    );

    let paths: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths.len(), 4);
    assert_eq!(paths[0], "/embedded-checkout");
    assert_eq!(fake.requests()[0].json(), Some(body));
}

#[test]
fn delay_postpones_only_its_own_request() {
    let fake = FakeEasy::start().unwrap();
    fake.inject(Fault::Delay(Duration::from_secs(2)));
    let slow = std::thread::scope(|s| {
        let slow = s.spawn(|| get(&fake, "/validate-key"));
        // Wait until the delayed request has arrived, then send another.
        while fake.requests().is_empty() {
            std::thread::sleep(Duration::from_millis(5));
        }
        let fast = get(&fake, "/validate-key");
        assert_eq!(fast.status, 200);
        // The fast one is answered while the slow one is still being held.
        assert!(
            !fake.wait_until_idle(Duration::ZERO),
            "not held up by the delay"
        );
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
    let body = serde_json::to_vec(&common::session_body()).unwrap();
    let headers = [KEY[0], ("Idempotency-Key", "late-1")];
    let gave_up = conn.send("POST", "/embedded-checkout", &headers, Some(&body));
    assert!(gave_up.is_err(), "the client timed out: {gave_up:?}");
    drop(conn);
    // The request is still being handled; once it is, its effect is there.
    assert!(fake.wait_until_idle(Duration::from_secs(10)));
    assert_eq!(fake.sessions().len(), 1, "created after the client gave up");
}

#[test]
fn close_sends_nothing_and_closes() {
    let fake = FakeEasy::start().unwrap();
    fake.inject(Fault::Close);
    let mut conn = Conn::open(&fake);
    let started = Instant::now();
    let err = conn.send("GET", "/validate-key", &KEY, None).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset
        ),
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
    let mut stream = TcpStream::connect(fake.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(
            b"GET /validate-key HTTP/1.1\r\nHost: x\r\nx-easy-api-key: sk_test_fake_key\r\n\r\n",
        )
        .unwrap();
    let mut raw = Vec::new();
    let started = Instant::now();
    // Reads to EOF: the server closed the connection.
    let _ = stream.read_to_end(&mut raw);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "closed, not timed out"
    );
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("Content-Length: 1000\r\n"), "{text}");
    let mut fields = [httparse::EMPTY_HEADER; 16];
    let head = httparse::Response::new(&mut fields).parse(&raw).unwrap();
    let body = &raw[head.unwrap()..];
    assert_eq!(body, br#"{"data":{""#);

    // The raw client sees the same as an error.
    fake.inject(Fault::CloseMidBody);
    let err = Conn::open(&fake)
        .send("GET", "/validate-key", &KEY, None)
        .unwrap_err();
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
    let value: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    assert!(value["data"]["padding"].as_str().unwrap().len() > 3_000_000);
}

#[test]
fn redirect_points_elsewhere() {
    let fake = FakeEasy::start().unwrap();
    fake.inject(Fault::Redirect("http://127.0.0.1:1/elsewhere".to_owned()));
    fake.inject(Fault::Redirect("http://x\r\nInjected: 1".to_owned()));
    let resp = get(&fake, "/validate-key");
    assert_eq!(resp.status, 302);
    assert_eq!(
        resp.header("location"),
        Some("http://127.0.0.1:1/elsewhere")
    );
    assert_eq!(resp.code(), "REDIRECT");
    let bad = get(&fake, "/validate-key");
    assert_eq!((bad.status, bad.code().as_str()), (500, "INVALID_FAULT"));
    assert_eq!(bad.header("injected"), None);
}

#[test]
fn connections_count_keep_alive_reuse_once() {
    let fake = FakeEasy::start().unwrap();
    assert_eq!(fake.connections(), 0);
    let mut conn = Conn::open(&fake);
    for _ in 0..3 {
        assert_eq!(
            conn.send("GET", "/validate-key", &KEY, None)
                .unwrap()
                .status,
            200
        );
    }
    assert_eq!(fake.connections(), 1);
    let requests = fake.requests();
    assert!(requests.iter().all(|r| r.peer == conn.local_addr()));

    let mut other = Conn::open(&fake);
    other.send("GET", "/validate-key", &KEY, None).unwrap();
    conn.send("GET", "/validate-key", &KEY, None).unwrap();
    assert_eq!(fake.connections(), 2);

    // A connection that sends nothing does not count.
    let _idle = TcpStream::connect(fake.addr()).unwrap();
    fake.clear_requests();
    assert_eq!(fake.connections(), 2, "not reset by clear_requests");

    // After a Close fault, the client must reconnect.
    fake.inject(Fault::Close);
    assert!(conn.send("GET", "/validate-key", &KEY, None).is_err());
    assert!(
        conn.send("GET", "/validate-key", &KEY, None).is_err(),
        "that connection is gone"
    );
    get(&fake, "/validate-key");
    assert_eq!(fake.connections(), 3);
}

#[test]
fn survives_garbage_and_huge_bodies() {
    let fake = FakeEasy::start().unwrap();
    // A garbage request line: 400 and a closed connection.
    let mut stream = TcpStream::connect(fake.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(b"\x00\x01garbage\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{text:?}");
    assert!(text.contains("Connection: close\r\n"), "{text:?}");
    assert!(text.contains(r#""code":"MALFORMED_REQUEST""#), "{text:?}");
    assert!(fake.requests().is_empty(), "not recorded");

    // An absurd Content-Length: 413 without reading (or allocating) the body.
    let mut conn = Conn::open(&fake);
    conn.write_raw(
        b"POST /embedded-checkout HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n{",
    )
    .unwrap();
    let resp = conn.read_response().unwrap();
    assert_eq!(
        (resp.status, resp.code().as_str()),
        (413, "PAYLOAD_TOO_LARGE")
    );

    // A chunked body is fine.
    let mut conn = Conn::open(&fake);
    let body = br#"{"items":[{"price_id":"p","quantity":1}],"return_url":"https://a.example"}"#;
    let mut raw = format!(
        "POST /embedded-checkout HTTP/1.1\r\nHost: x\r\nx-easy-api-key: {}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
        FakeEasy::TEST_KEY,
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(body);
    raw.extend_from_slice(b"\r\n0\r\n\r\n");
    conn.write_raw(&raw).unwrap();
    let resp = conn.read_response().unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(fake.requests().last().unwrap().body, body);

    // Still serving.
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
        let mut stream = TcpStream::connect(fake.addr()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let started = Instant::now();
        stream.write_all(sent).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_secs(1), "{sent:?}: {elapsed:?}");
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n").expect("a whole head");
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{text:?}");
        assert!(head.contains("\r\nConnection: close"), "{text:?}");
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
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
    let mut conn = Conn::open(&fake);
    conn.write_raw(
        b"\r\nGET /validate-key HTTP/1.1\r\nHost: x\r\nx-easy-api-key: sk_test_a\r\n\r\n",
    )
    .unwrap();
    assert_eq!(conn.read_response().unwrap().status, 200);
}

#[test]
fn drop_stops_the_server_and_closes_connections() {
    let fake = FakeEasy::start().unwrap();
    let addr = fake.addr();
    let mut conn = Conn::open(&fake);
    assert_eq!(
        conn.send("GET", "/validate-key", &KEY, None)
            .unwrap()
            .status,
        200
    );
    fake.inject(Fault::Delay(Duration::from_secs(30)));
    let started = Instant::now();
    let pending = std::thread::spawn(move || try_call_addr(addr));
    while fake.requests().len() < 2 {
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(fake);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "drop did not wait out the delay"
    );
    // The keep-alive connection is closed.
    assert!(conn.send("GET", "/validate-key", &KEY, None).is_err());
    // The delayed request ends one way or another, quickly.
    let _ = pending.join().unwrap();
    // Nothing listens any more.
    assert!(TcpStream::connect(addr).is_err());
}

fn try_call_addr(addr: std::net::SocketAddr) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(
        b"GET /validate-key HTTP/1.1\r\nHost: x\r\nx-easy-api-key: sk_test_fake_key\r\n\r\n",
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    Ok(raw)
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
    let resp = try_call(
        &fake,
        "GET",
        "/validate-key",
        Some(FakeEasy::TEST_KEY),
        None,
    )
    .unwrap();
    assert_eq!(resp.status, 200);
}

#[test]
fn shareable_across_threads_and_concurrent_clients_get_distinct_sessions() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<FakeEasy>();
    assert_send_sync::<Fault>();
    assert_send_sync::<easy_checkout_fake::RecordedRequest>();
    assert_send_sync::<easy_checkout_fake::SignedWebhook>();

    let fake = FakeEasy::start().unwrap();
    let ids: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    (0..5)
                        .map(|_| create(&fake)["id"].as_str().unwrap().to_owned())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 40);
    assert_eq!(fake.requests().len(), 40);
    assert_eq!(fake.connections(), 40);
}
