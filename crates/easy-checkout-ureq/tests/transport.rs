//! What only `UreqTransport` does, over real loopback HTTP, and the TLS tests of the shared
//! transport suite under this crate's features. The rest of the suite, the same for every
//! adapter, runs from the workspace's `tests/` (`tests/tests/transport_ureq.rs`).

use easy_checkout_core::http;
use easy_checkout_tests::transport_suite::{
    Adapter, CUT_AFTER_THE_LAST_CHUNK, an_empty_reply_is_judged_by_its_head, assert_endings,
    bare_get,
};
use easy_checkout_tests::{adapter, transport_tests};
use easy_checkout_ureq::UreqTransport;

const ADAPTER: Adapter<UreqTransport> = adapter!(easy_checkout_ureq, UreqTransport);

#[test]
fn transport_adds_no_headers_of_its_own() {
    let seen = bare_get(&ADAPTER);
    // No user-agent, accept, accept-encoding; no content-length on a body-less GET.
    assert_eq!(seen.header_names(), ["host"]);
}

/// ureq knows where a response head ends: it tells apart the empty replies isahc cannot
/// (see that crate's guarantees).
#[test]
fn a_cut_head_is_told_from_a_whole_reply_with_no_body() {
    an_empty_reply_is_judged_by_its_head(&ADAPTER, true);
}

/// ureq's own leniency (`BodyHandler::ended`): a chunked body whose last chunk came, and not
/// the blank line after it, is whole, the whole body having arrived.
#[test]
fn a_chunked_body_cut_after_its_last_chunk_is_whole() {
    let (what, reply) = CUT_AFTER_THE_LAST_CHUNK;
    assert_endings(
        &ADAPTER,
        &[(what, http::Method::GET, reply, Some((200, b"hello")))],
    );
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
transport_tests! {
    ADAPTER;
    plain_http_on_an_https_url_is_tls,
    tls_server_that_hangs_up_is_not_a_success,
}

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
transport_tests! { ADAPTER; https_without_a_tls_feature_fails_cleanly }

/// A keyless confirm leaves on a connection of its own, never on the pooled one a load
/// balancer may be closing, on the transport's agent and on a caller's (where a
/// request-level setting keeps it off the agent's pool): across gaps that sweep the idle
/// timeout, none fails, and none reaches the server on a connection that carried anything
/// else. (The reads before them meet the race and are retried.)
#[test]
fn keyless_confirms_never_meet_an_idle_close() {
    use easy_checkout_core::TransportSettings;
    use easy_checkout_tests::middlebox::sweep_keyless_confirms;

    let callers = || {
        let agent = ureq::Agent::config_builder().max_idle_connections_per_host(4);
        UreqTransport::from_agent(agent.build().into(), TransportSettings::default())
    };
    let transports: [(&str, &dyn Fn() -> UreqTransport); 2] = [
        ("own agent", &UreqTransport::new),
        ("caller's agent", &callers),
    ];
    for (which, transport) in transports {
        let sweep = sweep_keyless_confirms(
            |config| easy_checkout_ureq::with_transport(config, transport()),
            200,
        );
        println!("ureq, {which}: {sweep}");
        assert_eq!(sweep.failed, Vec::<String>::new(), "{which}");
        assert_eq!(sweep.confirms_received, 200, "{which}");
        assert_eq!(sweep.confirms_on_a_reused_connection, 0, "{which}");
    }
}

/// A caller's agent with a proxy and a private CA of its own.
#[cfg(feature = "rustls")]
fn callers_agent(ca_pem: &str, proxy: &str) -> UreqTransport {
    use easy_checkout_core::TransportSettings;
    use ureq::tls::{Certificate, RootCerts, TlsConfig};

    let ca = Certificate::from_pem(ca_pem.as_bytes()).expect("a CA certificate");
    let tls = TlsConfig::builder()
        .root_certs(RootCerts::from([ca]))
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .proxy(Some(ureq::Proxy::new(proxy).expect("a proxy URL")))
        .tls_config(tls)
        .build()
        .into();
    UreqTransport::from_agent(agent, TransportSettings::default())
}

/// On a caller's agent, a keyless confirm, on its connection of its own, still goes through
/// the agent's proxy (a tunnel of its own) and trusts the agent's private CA; each session
/// is charged once.
#[cfg(feature = "rustls")]
#[test]
fn keyless_writes_on_a_callers_agent_take_its_proxy_and_roots() {
    use easy_checkout_core::Config;
    use easy_checkout_core::ops::{Confirm, CreateSession, LineItem, PaymentMethod};
    use easy_checkout_fake::FakeEasy;
    use easy_checkout_tests::middlebox::ConnectProxy;

    let fake = FakeEasy::start_tls().expect("the fake starts over TLS");
    let proxy = ConnectProxy::start(false);
    let transport = callers_agent(fake.ca_pem().expect("a CA"), &proxy.url);
    let config = Config::from_values(Some(FakeEasy::TEST_KEY), Some(&fake.base_url())).unwrap();
    let client = easy_checkout_ureq::with_transport(config, transport);
    let checkout = client.embedded_checkout();
    let create = CreateSession::new(vec![LineItem::new("price_abc", 1)], "https://s.example/r");
    for _ in 0..2 {
        let session = checkout.create_session(&create).expect("created");
        let secret = session.client_secret.expect("a secret");
        let keyless = Confirm::new(secret, PaymentMethod::card("tok_visa"));
        checkout
            .confirm(&keyless)
            .expect("confirmed through the proxy");
    }
    let charges: Vec<_> = fake
        .sessions()
        .iter()
        .map(|s| s["payments"].clone())
        .collect();
    assert_eq!(charges, vec![1, 1]);
    // One pooled tunnel for the creates, one for each confirm.
    let tunnel = format!("CONNECT {} HTTP/1.1", fake.addr());
    assert_eq!(proxy.seen(), vec![tunnel; 3]);
}

/// A proxy that refuses the tunnel: the keyless confirm fails to connect, known not sent, and
/// nothing reached the API.
#[cfg(feature = "rustls")]
#[test]
fn a_proxy_that_refuses_fails_a_keyless_confirm_known_not_sent() {
    use easy_checkout_core::ops::{Confirm, PaymentMethod};
    use easy_checkout_core::{ClientSecret, Config, ErrorKind, TransportErrorKind};
    use easy_checkout_fake::FakeEasy;
    use easy_checkout_tests::middlebox::ConnectProxy;

    let fake = FakeEasy::start_tls().expect("the fake starts over TLS");
    let proxy = ConnectProxy::start(true);
    let transport = callers_agent(fake.ca_pem().expect("a CA"), &proxy.url);
    let config = Config::from_values(None, Some(&fake.base_url())).unwrap();
    let client = easy_checkout_ureq::with_transport(config, transport);
    let secret = ClientSecret::new("ecs_secret_refused").unwrap();
    let keyless = Confirm::new(secret, PaymentMethod::card("tok_visa"));
    let error = client
        .embedded_checkout()
        .confirm(&keyless)
        .expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Transport, "{error:?}");
    let cause = error.as_transport().expect("a transport error");
    assert_eq!(cause.kind(), TransportErrorKind::Connect, "{error:?}");
    assert!(!error.outcome_unknown(), "{error:?}");
    assert_eq!(proxy.seen(), [format!("CONNECT {} HTTP/1.1", fake.addr())]);
    assert!(fake.requests().is_empty());
}
