//! `IsahcTransport` over real loopback HTTP: what goes out, what comes back, and how each
//! failure is classified.

mod loopback;

use std::error::Error as _;
use std::io::Write;
use std::thread;
use std::time::{Duration, Instant};

use easy_checkout_core::http;
use easy_checkout_core::{ErrorKind, Transport, TransportErrorKind};
use easy_checkout_isahc::{IsahcTransport, TransportSettings};
use loopback::{After, Backlogged, Server, closed_port, reply};

fn get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url).body(Vec::new()).expect("request")
}

fn fast() -> IsahcTransport {
    IsahcTransport::with_settings(
        TransportSettings::default()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(5)),
    )
}

#[test]
fn request_goes_out_as_given() {
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

    let response = fast().send(request).expect("sent");
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
    let mut names: Vec<String> = seen
        .headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    names.sort();
    assert_eq!(
        names,
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

#[test]
fn transport_adds_only_curl_defaults_to_a_bare_request() {
    let server = Server::fixed(reply("204 No Content", &[], b""));
    fast().send(get(&server.url("/bare"))).expect("sent");
    let seen = server.request();
    assert_eq!(seen.request_line, "GET /bare HTTP/1.1");
    let mut names: Vec<String> = seen
        .headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    names.sort();
    // isahc's user agent and libcurl's accept, only because the request has none; no
    // accept-encoding, no content-length on a body-less GET.
    assert_eq!(names, ["accept", "host", "user-agent"]);
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
        fast().send(request).expect("sent");
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
    let error = fast().send(request).expect_err("refused");
    assert_eq!(error.kind(), TransportErrorKind::Other, "{error:?}");
    assert!(error.to_string().contains("x-latin1"), "{error}");
    assert_eq!(server.accepts(), 0);
}

#[test]
fn empty_post_sends_content_length_zero() {
    let server = Server::fixed(reply("200 OK", &[], b""));
    let request = http::Request::post(server.url("/empty"))
        .body(Vec::new())
        .expect("request");
    fast().send(request).expect("sent");
    let seen = server.request();
    assert_eq!(seen.header_all("content-length"), ["0"]);
}

#[test]
fn error_statuses_come_back_with_their_bodies() {
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
        let response = fast()
            .send(get(&server.url("/x")))
            .expect("a status is not an error");
        assert_eq!(
            response.status().as_u16(),
            status[..3].parse::<u16>().expect("status")
        );
        assert_eq!(response.body(), body);
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(response.headers()["retry-after"], "7");
    }
}

#[test]
fn response_headers_all_come_back() {
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
    let response = fast().send(get(&server.url("/h"))).expect("sent");
    let headers = response.headers();
    assert_eq!(headers["ratelimit-limit"], "100");
    assert_eq!(headers["ratelimit-remaining"], "99");
    assert_eq!(headers["x-request-id"], "req_123");
    let cookies: Vec<_> = headers.get_all("set-cookie").iter().collect();
    assert_eq!(cookies, ["a=1", "b=2"]);
    assert_eq!(headers["content-length"], "5");
    assert_eq!(response.body(), b"hello");
}

#[test]
fn redirects_are_not_followed() {
    let server = Server::fixed(reply(
        "302 Found",
        &[("Location", "http://127.0.0.1:1/elsewhere")],
        b"moved",
    ));
    let request = http::Request::get(server.url("/from"))
        .header("x-easy-api-key", "sk_test_secret")
        .body(Vec::new())
        .expect("request");
    let response = fast().send(request).expect("a 3xx is a response");
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
        let response = fast().send(request).expect("a 3xx is a response");
        assert_eq!(
            response.status().as_u16(),
            status[..3].parse::<u16>().expect("status")
        );
        assert_eq!(response.headers()["location"], "/next");
    }
}

#[test]
fn refused_connection_is_connect() {
    let addr = closed_port();
    let error = fast()
        .send(get(&format!("http://{addr}/")))
        .expect_err("nothing listens");
    assert_eq!(error.kind(), TransportErrorKind::Connect, "{error:?}");
    assert!(error.source().is_some(), "keeps the isahc error");
}

#[test]
fn silent_server_times_out() {
    let server = Server::start(|_, _| {
        thread::sleep(Duration::from_secs(3));
        After::Close
    });
    let transport = IsahcTransport::with_settings(
        TransportSettings::default()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_millis(500)),
    );
    let started = Instant::now();
    let error = transport
        .send(get(&server.url("/slow")))
        .expect_err("no answer");
    let elapsed = started.elapsed();
    assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error:?}");
    assert!(error.source().is_some());
    assert!(elapsed >= Duration::from_millis(450), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1000), "{elapsed:?}");
}

#[test]
fn unanswered_connect_hits_the_connect_timeout() {
    let Some(backlogged) = Backlogged::new() else {
        eprintln!("skipped: could not fill the accept queue");
        return;
    };
    let transport = IsahcTransport::with_settings(
        TransportSettings::default()
            .connect_timeout(Duration::from_millis(500))
            .timeout(Duration::from_secs(5)),
    );
    let started = Instant::now();
    let error = transport
        .send(get(&format!("http://{}/", backlogged.addr)))
        .expect_err("never connects");
    let elapsed = started.elapsed();
    assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error:?}");
    assert!(elapsed >= Duration::from_millis(450), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1000), "{elapsed:?}");
}

#[test]
fn slow_body_hits_the_total_timeout() {
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
    let transport = IsahcTransport::with_settings(
        TransportSettings::default().timeout(Duration::from_millis(500)),
    );
    let started = Instant::now();
    let error = transport
        .send(get(&server.url("/trickle")))
        .expect_err("too slow");
    assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn body_over_the_cap_is_refused_while_streaming() {
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
    let transport =
        IsahcTransport::with_settings(TransportSettings::default().max_body_bytes(1024 * 1024));
    let error = transport
        .send(get(&server.url("/big")))
        .expect_err("over the cap");
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge, "{error:?}");
    assert!(error.to_string().contains("1048576"), "{error}");
}

#[test]
fn announced_length_over_the_cap_fails_before_reading() {
    // The server announces 8 MiB, sends 1 KiB and stalls: only the header can fail the call,
    // and it must, at once, rather than waiting for the rest. (isahc hands over the response
    // head with the first body bytes, not before.)
    let server = Server::start(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 8388608\r\n\r\n");
        let _ = stream.write_all(&[b'a'; 1024]);
        thread::sleep(Duration::from_secs(3));
        After::Close
    });
    let transport =
        IsahcTransport::with_settings(TransportSettings::default().max_body_bytes(4096));
    let started = Instant::now();
    let error = transport
        .send(get(&server.url("/big")))
        .expect_err("over the cap");
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge, "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn head_then_silence_hits_the_total_timeout() {
    let server = Server::start(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
        thread::sleep(Duration::from_secs(3));
        After::Close
    });
    let transport = IsahcTransport::with_settings(
        TransportSettings::default().timeout(Duration::from_millis(400)),
    );
    let started = Instant::now();
    let error = transport
        .send(get(&server.url("/stall")))
        .expect_err("stalled");
    assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error:?}");
    assert!(
        started.elapsed() < Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn body_exactly_at_the_cap_is_read() {
    let body = vec![b'z'; 4096];
    let server = Server::fixed(reply("200 OK", &[], &body));
    let transport =
        IsahcTransport::with_settings(TransportSettings::default().max_body_bytes(4096));
    let response = transport
        .send(get(&server.url("/exact")))
        .expect("at the cap");
    assert_eq!(response.body().len(), 4096);

    let chunked = Server::fixed(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".to_vec(),
    );
    let transport = IsahcTransport::with_settings(TransportSettings::default().max_body_bytes(5));
    let response = transport
        .send(get(&chunked.url("/exact")))
        .expect("at the cap");
    assert_eq!(response.body(), b"hello");
}

#[test]
fn connection_closed_mid_body_is_io() {
    let server = Server::start(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"data\":");
        After::Close
    });
    let error = fast()
        .send(get(&server.url("/cut")))
        .expect_err("cut short");
    assert_eq!(error.kind(), TransportErrorKind::Io, "{error:?}");
    assert!(error.source().is_some());
}

#[test]
fn connection_closed_before_any_reply_is_io() {
    let server = Server::start(|_, _| After::Close);
    let error = fast()
        .send(get(&server.url("/drop")))
        .expect_err("no reply");
    assert_eq!(error.kind(), TransportErrorKind::Io, "{error:?}");
}

#[test]
fn garbage_reply_is_io() {
    let server = Server::start(|_, stream| {
        let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n");
        After::Close
    });
    let error = fast()
        .send(get(&server.url("/garbage")))
        .expect_err("not HTTP");
    assert_eq!(error.kind(), TransportErrorKind::Io, "{error:?}");
}

#[test]
fn sequential_requests_reuse_one_connection() {
    let server = Server::fixed(reply("200 OK", &[], b"{}"));
    let transport = fast();
    for _ in 0..3 {
        let response = transport.send(get(&server.url("/again"))).expect("sent");
        assert_eq!(response.body(), b"{}");
    }
    // A clone shares the connection cache.
    transport
        .clone()
        .send(get(&server.url("/again")))
        .expect("sent");
    assert_eq!(server.accepts(), 1);
    for _ in 0..4 {
        assert_eq!(server.request().connection, 0);
    }
}

#[test]
fn error_replies_keep_the_connection_too() {
    let server = Server::fixed(reply("404 Not Found", &[], b"{\"error\":{}}"));
    let transport = fast();
    transport.send(get(&server.url("/a"))).expect("sent");
    transport.send(get(&server.url("/b"))).expect("sent");
    assert_eq!(server.accepts(), 1);
}

#[cfg(feature = "native-tls")]
#[test]
fn plain_http_on_an_https_url_is_tls() {
    // A clear-text server: it reads the client hello and answers with an HTTP/1.1 reply,
    // which is no TLS record.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut hello = [0; 512];
            let _ = std::io::Read::read(&mut stream, &mut hello);
            let _ = stream.write_all(&reply("400 Bad Request", &[], b"plain"));
            thread::sleep(Duration::from_millis(500));
        }
    });
    let error = fast()
        .send(get(&format!("https://{addr}/")))
        .expect_err("no TLS there");
    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
    assert!(error.source().is_some());
}

#[cfg(feature = "native-tls")]
#[test]
fn tls_server_that_hangs_up_is_not_a_success() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            drop(stream);
        }
    });
    let error = fast()
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

#[test]
fn client_sends_the_core_user_agent_once() {
    let body = br#"{"data":{"allowed_origins":["https://shop.example"]}}"#;
    let server = Server::fixed(reply(
        "200 OK",
        &[("Content-Type", "application/json")],
        body,
    ));
    let client =
        easy_checkout_isahc::with_base_url("sk_test_abc", &server.url("")).expect("client");
    let config = client.embedded_checkout().get_config().expect("config");
    assert_eq!(
        config.allowed_origins.expect("origins"),
        ["https://shop.example"]
    );

    let seen = server.request();
    assert_eq!(seen.request_line, "GET /embedded-checkout/config HTTP/1.1");
    let expected = format!("easy-checkout-rust/{} isahc", env!("CARGO_PKG_VERSION"));
    assert_eq!(seen.header_all("user-agent"), [expected.as_str()]);
    assert_eq!(client.config().user_agent(), expected);
    assert_eq!(seen.header_all("accept"), ["application/json"]);
    assert_eq!(seen.header_all("x-easy-api-key"), ["sk_test_abc"]);
    assert!(seen.header("accept-encoding").is_none());
    assert!(seen.header("content-type").is_none());
    assert!(seen.header("content-length").is_none());
}

#[test]
fn client_reports_api_errors_with_the_raw_body() {
    let body = br#"{"error":{"code":"SESSION_NOT_FOUND","message":"no such session"}}"#;
    let server = Server::fixed(reply(
        "404 Not Found",
        &[("Content-Type", "application/json")],
        body,
    ));
    let client =
        easy_checkout_isahc::with_base_url("sk_test_abc", &server.url("/v1/api")).expect("client");
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

#[test]
fn client_surfaces_transport_errors() {
    let addr = closed_port();
    let client = easy_checkout_isahc::with_config(
        easy_checkout_core::Config::new("sk_test_abc".parse().expect("key")).with_base_url(
            easy_checkout_core::BaseUrl::parse(&format!("http://{addr}")).expect("url"),
        ),
        TransportSettings::default(),
    )
    .with_retry_policy(easy_checkout_core::RetryPolicy::never());
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

#[cfg(not(feature = "native-tls"))]
#[test]
fn https_without_a_tls_feature_fails_cleanly() {
    let server = Server::fixed(reply("200 OK", &[], b"{}"));
    let error = fast()
        .send(get(&format!("https://{}/", server.addr)))
        .expect_err("no TLS compiled in");
    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
}

#[test]
fn transport_and_client_are_send_sync_clone() {
    fn check<T: Send + Sync + Clone + std::fmt::Debug + 'static>() {}
    check::<IsahcTransport>();
    check::<easy_checkout_isahc::Client>();
}

#[test]
fn curl_adds_a_form_content_type_only_to_a_post_without_one() {
    // Documented behaviour of libcurl's POST mode; the core always sets `Content-Type` on a
    // request with a body, so its requests never get this.
    let server = Server::fixed(reply("200 OK", &[], b""));
    let request = http::Request::post(server.url("/form"))
        .body(b"a=1".to_vec())
        .expect("request");
    fast().send(request).expect("sent");
    assert_eq!(
        server.request().header_all("content-type"),
        ["application/x-www-form-urlencoded"]
    );
}
