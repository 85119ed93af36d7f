//! What only `IsahcTransport` does, over real loopback HTTP (libcurl's defaults, the settings
//! that turn them off, what isahc cannot send), and the TLS tests of the shared transport
//! suite under this crate's features. The rest of the suite, the same for every adapter,
//! runs from the workspace's `tests/` (`tests/tests/transport_isahc.rs`).

use std::time::{Duration, Instant};

use easy_checkout_core::{Transport, TransportErrorKind, http};
use easy_checkout_isahc::IsahcTransport;
use easy_checkout_tests::loopback::{Server, reply};
use easy_checkout_tests::transport_suite::{
    Adapter, CUT_AFTER_THE_LAST_CHUNK, an_empty_reply_is_judged_by_its_head, assert_endings,
    bare_get,
};
use easy_checkout_tests::{adapter, transport_tests};

const ADAPTER: Adapter<IsahcTransport> = adapter!(easy_checkout_isahc, IsahcTransport);

#[test]
fn transport_adds_only_curl_defaults_to_a_bare_request() {
    let seen = bare_get(&ADAPTER);
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
        ADAPTER.fast().send(request).expect("sent");
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
    let error = ADAPTER.fast().send(request).expect_err("refused");
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
    ADAPTER.fast().send(request).expect("sent");
    assert_eq!(
        server.request().header_all("content-type"),
        ["application/x-www-form-urlencoded"]
    );
}

/// libcurl ends a transfer cut inside the response head as if the reply were whole, so an
/// empty response is judged by what its head declares (see the crate's guarantees).
#[test]
fn an_empty_reply_is_whole_only_when_its_head_declares_no_body() {
    an_empty_reply_is_judged_by_its_head(&ADAPTER, false);
}

/// Past the head libcurl checks the framing itself: a chunked body whose last chunk came and
/// not the blank line after it is a partial transfer.
#[test]
fn a_chunked_body_cut_after_its_last_chunk_is_io() {
    let (what, reply) = CUT_AFTER_THE_LAST_CHUNK;
    assert_endings(&ADAPTER, &[(what, http::Method::GET, reply, None)]);
}

#[cfg(feature = "native-tls")]
transport_tests! {
    ADAPTER;
    plain_http_on_an_https_url_is_tls,
    tls_server_that_hangs_up_is_not_a_success,
}

#[cfg(not(feature = "native-tls"))]
transport_tests! { ADAPTER; https_without_a_tls_feature_fails_cleanly }

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
    let client = easy_checkout_isahc::with_config(config, Default::default())
        .with_retry_policy(easy_checkout_tests::fast_retries(2));
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

/// A keyless confirm leaves on a connection of its own (the unpooled client), never on the
/// pooled one a load balancer may be closing, over the transport's own clients and over those
/// a caller's builder makes: across gaps that sweep the idle timeout, none fails, and none
/// reaches the server on a connection that carried anything else.
#[test]
fn keyless_confirms_never_meet_an_idle_close() {
    use easy_checkout_core::TransportSettings;
    use easy_checkout_tests::middlebox::sweep_keyless_confirms;

    let callers = || {
        IsahcTransport::from_client_builder(
            isahc::HttpClient::builder,
            TransportSettings::default(),
        )
        .expect("the caller's clients build")
    };
    let transports: [(&str, &dyn Fn() -> IsahcTransport); 2] = [
        ("own clients", &IsahcTransport::new),
        ("caller's clients", &callers),
    ];
    for (which, transport) in transports {
        let sweep = sweep_keyless_confirms(
            |config| easy_checkout_isahc::with_transport(config, transport()),
            200,
        );
        println!("isahc, {which}: {sweep}");
        assert_eq!(sweep.failed, Vec::<String>::new(), "{which}");
        assert_eq!(sweep.confirms_received, 200, "{which}");
        assert_eq!(sweep.confirms_on_a_reused_connection, 0, "{which}");
    }
}

/// The caller's clients, for a fake over TLS with a private CA: trusting that CA, and, when
/// `proxy` is given, going through it.
fn callers_transport(ca_pem: &str, proxy: Option<&str>) -> IsahcTransport {
    use isahc::config::Configurable;
    use isahc::tls::{TlsConfig, TrustStore};

    let ca_pem = ca_pem.to_owned();
    let proxy: Option<http::Uri> = proxy.map(|url| url.parse().expect("a proxy URL"));
    IsahcTransport::from_client_builder(
        move || {
            let trust = TrustStore::builder().certificate_from_pem(ca_pem.clone());
            let tls = TlsConfig::builder().trust_store(trust.build()).build();
            isahc::HttpClient::builder()
                .tls_config(tls)
                .proxy(proxy.clone())
        },
        easy_checkout_core::TransportSettings::default(),
    )
    .expect("the caller's clients build")
}

/// Every request of a client over `from_client_builder`, keyless confirms included, takes the
/// caller's roots (a private CA nothing else trusts) and, when the caller set one, its proxy:
/// each keyless confirm opens a tunnel of its own through it.
#[test]
fn keyless_writes_take_the_callers_roots_and_proxy() {
    use easy_checkout_core::Config;
    use easy_checkout_core::ops::{Confirm, CreateSession, LineItem, PaymentMethod, Validate};
    use easy_checkout_fake::FakeEasy;
    use easy_checkout_tests::middlebox::ConnectProxy;

    let fake = FakeEasy::start_tls().expect("the fake starts over TLS");
    let ca = fake.ca_pem().expect("a private CA");
    let config = Config::from_values(Some(FakeEasy::TEST_KEY), Some(&fake.base_url())).unwrap();
    let tunnel = format!("CONNECT {} HTTP/1.1", fake.addr());
    for through_proxy in [false, true] {
        let proxy = ConnectProxy::start(false);
        let transport = callers_transport(ca, through_proxy.then_some(proxy.url.as_str()));
        let client = easy_checkout_isahc::with_transport(config.clone(), transport);
        let checkout = client.embedded_checkout();
        let create = CreateSession::new(vec![LineItem::new("price_abc", 1)], "https://s.example/r");
        let secrets: Vec<_> = (0..2)
            .map(|_| {
                checkout
                    .create_session(&create)
                    .expect("created")
                    .client_secret
            })
            .map(|secret| secret.expect("a secret"))
            .collect();
        for secret in &secrets {
            checkout
                .validate(&Validate::new(secret.clone()))
                .expect("validated through the caller's client");
            let keyless = Confirm::new(secret.clone(), PaymentMethod::card("tok_visa"));
            checkout
                .confirm(&keyless)
                .expect("confirmed through the caller's client");
        }
        // Each session charged once: nothing went out twice.
        let charges: Vec<_> = fake
            .sessions()
            .iter()
            .map(|s| s["payments"].clone())
            .collect();
        let expected = if through_proxy { 4 } else { 2 };
        assert_eq!(charges, vec![1; expected]);
        let seen = proxy.seen();
        if through_proxy {
            // The creates share one pooled tunnel; each validate and confirm (POSTs without
            // a key) opens its own.
            assert_eq!(seen, vec![tunnel.clone(); 1 + 4], "{seen:?}");
        } else {
            assert_eq!(seen, Vec::<String>::new());
        }
    }
}

/// A proxy that refuses the tunnel: the keyless confirm fails as a connect failure, certainly
/// not sent (its connection was its own), so its outcome is known, and nothing reached the API.
#[test]
fn a_proxy_that_refuses_fails_a_keyless_confirm_known_not_sent() {
    use easy_checkout_core::ops::{Confirm, PaymentMethod};
    use easy_checkout_core::{ClientSecret, Config, ErrorKind};
    use easy_checkout_fake::FakeEasy;
    use easy_checkout_tests::middlebox::ConnectProxy;

    let fake = FakeEasy::start_tls().expect("the fake starts over TLS");
    let proxy = ConnectProxy::start(true);
    let transport = callers_transport(fake.ca_pem().expect("a CA"), Some(&proxy.url));
    let config = Config::from_values(None, Some(&fake.base_url())).unwrap();
    let client = easy_checkout_isahc::with_transport(config, transport);
    let secret = ClientSecret::new("ecs_secret_refused").unwrap();
    let keyless = Confirm::new(secret, PaymentMethod::card("tok_visa"));
    let error = client
        .embedded_checkout()
        .confirm(&keyless)
        .expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Transport, "{error:?}");
    let transport_error = error.as_transport().expect("a transport error");
    assert_eq!(
        transport_error.kind(),
        TransportErrorKind::Connect,
        "{error:?}"
    );
    assert!(!error.outcome_unknown(), "{error:?}");
    assert_eq!(error.idempotency_key(), None);
    assert_eq!(proxy.seen(), [format!("CONNECT {} HTTP/1.1", fake.addr())]);
    assert!(fake.requests().is_empty());
}
