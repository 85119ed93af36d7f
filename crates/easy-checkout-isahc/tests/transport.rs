//! What only `IsahcTransport` does, over real loopback HTTP: beyond the obligations every
//! transport keeps (`tests/conformance.rs`), libcurl's defaults and the settings that turn
//! them off, what isahc cannot send, how an empty reply is judged, its connection pool,
//! the roots it trusts, and the clients of a caller.

use std::time::{Duration, Instant};

use easy_checkout_conformance::loopback::{After, Server, reply};
use easy_checkout_core::{RetryPolicy, Transport, TransportErrorKind, TransportSettings, http};
use easy_checkout_isahc::IsahcTransport;

fn get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url).body(Vec::new()).expect("a request")
}

fn transport() -> IsahcTransport {
    IsahcTransport::with_settings(TransportSettings::default().timeout(Duration::from_secs(5)))
}

#[test]
fn transport_adds_only_curl_defaults_to_a_bare_request() {
    let server = Server::fixed(reply("204 No Content", &[], b""));
    transport().send(get(&server.url("/bare"))).expect("sent");
    let seen = server.request();
    // isahc's user agent and libcurl's accept, only because the request has none; no
    // accept-encoding, no content-length on a body-less GET.
    assert_eq!(seen.header_names(), ["accept", "host", "user-agent"]);
    assert_eq!(seen.header_all("accept"), ["*/*"]);
    assert!(
        seen.header("user-agent")
            .is_some_and(|ua| ua.contains("isahc/"))
    );
}

#[test]
fn large_bodies_go_out_without_expect() {
    let server = Server::fixed(reply("200 OK", &[], b"{}"));
    let body = vec![b'x'; 2 * 1024 * 1024];
    for method in [http::Method::POST, http::Method::PUT, http::Method::PATCH] {
        let request = http::Request::builder()
            .method(method.clone())
            .uri(server.url("/upload"))
            .header("content-type", "application/json")
            .body(body.clone())
            .expect("request");
        let started = Instant::now();
        transport().send(request).expect("sent");
        let seen = server.request();
        assert_eq!(seen.method(), method.as_str());
        assert!(seen.header("expect").is_none(), "{:?}", seen.headers);
        assert!(seen.header("transfer-encoding").is_none());
        assert_eq!(seen.header_all("content-length"), ["2097152"]);
        assert_eq!(seen.body.len(), body.len());
        // No 1 s wait for a `100 Continue`.
        assert!(
            started.elapsed() < Duration::from_millis(900),
            "{:?}",
            started.elapsed()
        );
    }
}

#[test]
fn header_values_isahc_cannot_send_are_refused_not_panicked_on() {
    let server = Server::fixed(reply("200 OK", &[], b""));
    let request = http::Request::get(server.url("/"))
        .header(
            "x-latin1",
            http::HeaderValue::from_bytes(b"caf\xe9").expect("obs-text value"),
        )
        .body(Vec::new())
        .expect("request");
    let error = transport().send(request).expect_err("refused");
    assert_eq!(error.kind(), TransportErrorKind::Other, "{error:?}");
    assert!(error.to_string().contains("x-latin1"), "{error}");
    assert_eq!(server.accepts(), 0);
}

#[test]
fn curl_adds_a_form_content_type_only_to_a_post_without_one() {
    // Documented behaviour of libcurl's POST mode; the core always sets `Content-Type` on a
    // request with a body, so its requests never get this.
    let server = Server::fixed(reply("200 OK", &[], b""));
    let request = http::Request::post(server.url("/form"))
        .body(b"a=1".to_vec())
        .expect("request");
    transport().send(request).expect("sent");
    assert_eq!(
        server.request().header_all("content-type"),
        ["application/x-www-form-urlencoded"]
    );
}

/// libcurl ends a transfer cut inside the response head as if the reply were whole, so an
/// empty response is judged by what its head declares (see the crate's guarantees): a head
/// cut after it declared no body is a response, and a whole reply with an undeclared empty
/// body is `Io` (ureq tells these apart; isahc cannot). Past the head libcurl checks the
/// framing itself: a chunked body whose last chunk came and not the blank line after it is a
/// partial transfer.
#[test]
fn an_empty_reply_is_whole_only_when_its_head_declares_no_body() {
    const GET: http::Method = http::Method::GET;
    const HEAD: http::Method = http::Method::HEAD;
    let io = Err(TransportErrorKind::Io);
    let empty = |status| Ok((status, Vec::new()));
    let rows: [(http::Method, &[u8], _); 6] = [
        (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n", empty(200)),
        (GET, b"HTTP/1.1 204 No Content\r\n", empty(204)),
        (HEAD, b"HTTP/1.1 200 OK\r\n", empty(200)),
        (GET, b"HTTP/1.1 200 OK\r\n\r\n", io.clone()),
        (
            GET,
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            io.clone(),
        ),
        (
            GET,
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n",
            io,
        ),
    ];
    for (method, raw, outcome) in rows {
        let server = Server::start(move |_, stream| {
            let _ = stream.write_all(raw);
            After::Close
        });
        let request = http::Request::builder().method(method).uri(server.url("/"));
        let got = transport()
            .send(request.body(Vec::new()).expect("a request"))
            .map(|r| (r.status().as_u16(), r.into_body()))
            .map_err(|e| e.kind());
        assert_eq!(got, outcome, "{}", raw.escape_ascii());
    }
}

#[cfg(not(feature = "native-tls"))]
#[test]
fn https_without_a_tls_feature_fails_cleanly() {
    let server = Server::fixed(reply("200 OK", &[], b"{}"));
    let error = transport()
        .send(get(&format!("https://{}/", server.addr)))
        .expect_err("no TLS compiled in");
    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
}

#[test]
fn one_connection_serves_every_request_and_every_clone() {
    let ok = Server::fixed(reply("200 OK", &[], b"{}"));
    let not_found = Server::fixed(reply("404 Not Found", &[], b"{\"error\":{}}"));
    let transport = transport();
    for server in [&ok, &not_found] {
        for t in [&transport, &transport.clone(), &transport] {
            t.send(get(&server.url("/again"))).expect("sent");
        }
        assert_eq!(server.accepts(), 1, "one connection for three requests");
    }
}

/// A keyed write on the pooled client: the server reads it whole (the card is charged), then
/// goes away. libcurl sees its reused connection die before the reply, reconnects to send
/// it again by itself, and is refused: a `Connect` failure of a request that was delivered,
/// which must not read as "certainly not applied".
#[test]
fn a_write_libcurl_delivered_then_failed_to_resend_is_not_known_unapplied() {
    use easy_checkout_core::ops::{Confirm, PaymentMethod};
    use easy_checkout_core::{ClientSecret, Config};
    use std::io::{BufRead, BufReader, Write};

    fn read_request(reader: &mut impl BufRead) -> Option<String> {
        let (mut first, mut length) = (None, 0usize);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).ok()? == 0 {
                return None;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().ok()?;
            }
            first.get_or_insert_with(|| line.trim_end().to_owned());
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        first
    }

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut writer = stream;
        let mut seen = vec![read_request(&mut reader)];
        let body = br#"{"data":{"id":"ecs_1","status":"open"}}"#;
        let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len());
        writer.write_all(head.as_bytes()).expect("write");
        writer.write_all(body).expect("write");
        seen.push(read_request(&mut reader));
        // Delivered; now nothing listens any more.
        drop(listener);
        seen
    });
    let config = Config::from_values(Some("sk_test_1"), Some(&format!("http://{addr}")))
        .expect("a loopback URL");
    let client = easy_checkout_isahc::with_config(config, Default::default()).with_retry_policy(
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            ..RetryPolicy::default()
        },
    );
    client
        .embedded_checkout()
        .retrieve_session("ecs_1")
        .expect("the GET warms the pooled connection");
    let confirm = Confirm::new(
        ClientSecret::new("ecs_secret_1").expect("a secret"),
        PaymentMethod::card("tok_1"),
    )
    .with_idempotency_key("order-42")
    .expect("a key");
    let error = client
        .embedded_checkout()
        .confirm(&confirm)
        .expect_err("nothing answers");
    let seen = server.join().expect("the server thread");
    assert!(
        seen[1]
            .as_deref()
            .is_some_and(|line| line.starts_with("POST ") && line.contains("/confirm")),
        "the confirm reached the server: {seen:?}"
    );
    assert!(
        error.outcome_unknown(),
        "the confirm was delivered, yet the outcome reads as known: {error:?}"
    );
    assert_eq!(
        error.idempotency_key().map(|k| k.as_str()),
        Some("order-42")
    );
}
