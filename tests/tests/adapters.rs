//! What the blocking adapters do for a caller's own agent or client, and for requests that
//! must not go out twice, over real loopback middleboxes (`easy_checkout_tests::middlebox`):
//! a load balancer closing idle connections, a CONNECT proxy that tunnels or refuses, a
//! private CA. Cross-crate tests: they need the fake and the middleboxes, so they live here
//! rather than in the adapters' own (published) test directories.

use easy_checkout_core::ops::{Confirm, PaymentMethod, Validate};
use easy_checkout_core::{
    Client, ClientSecret, Config, ErrorKind, Transport, TransportErrorKind, TransportSettings,
};
use easy_checkout_fake::FakeEasy;
use easy_checkout_tests::middlebox::{ConnectProxy, sweep_keyless_confirms};
use easy_checkout_tests::{charges, create_op};

/// A proxy that refuses the tunnel: a keyless confirm through it (`client` makes the client
/// for the keyless configuration, the fake's CA and the proxy's URL) fails as a connect
/// failure, certainly not sent (its connection was its own), so its outcome is known; it
/// carries no key, and nothing reached the API.
fn a_refusing_proxy_fails_a_keyless_confirm_known_not_sent<T: Transport>(
    client: impl FnOnce(Config, &str, &str) -> Client<T>,
) {
    let fake = FakeEasy::start_tls().expect("the fake starts over TLS");
    let proxy = ConnectProxy::start(true);
    let config = Config::from_values(None, Some(&fake.base_url())).unwrap();
    let client = client(config, fake.ca_pem().expect("a CA"), &proxy.url);
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
    assert_eq!(error.idempotency_key(), None);
    assert_eq!(proxy.seen(), [format!("CONNECT {} HTTP/1.1", fake.addr())]);
    assert!(fake.requests().is_empty());
}

/// Through a client over a caller's transport (`client` makes it for the configuration, the
/// fake's CA and the proxy's URL, if any), two sessions are created, then validated and paid
/// by keyless confirms: every request trusts the caller's private CA (nothing else does),
/// each session is charged once, and through the proxy the creates share one pooled tunnel
/// while each validate and confirm (POSTs without a key) opens a tunnel of its own.
fn keyless_writes_take_the_callers_roots_and_proxy<T: Transport>(
    client: impl Fn(Config, &str, Option<&str>) -> Client<T>,
) {
    let fake = FakeEasy::start_tls().expect("the fake starts over TLS");
    let ca = fake.ca_pem().expect("a private CA");
    let config = Config::from_values(Some(FakeEasy::TEST_KEY), Some(&fake.base_url())).unwrap();
    let tunnel = format!("CONNECT {} HTTP/1.1", fake.addr());
    for through_proxy in [false, true] {
        let proxy = ConnectProxy::start(false);
        let client = client(config.clone(), ca, through_proxy.then_some(&proxy.url));
        let checkout = client.embedded_checkout();
        let secrets: Vec<_> = (0..2)
            .map(|_| checkout.create_session(&create_op()).expect("created"))
            .map(|session| session.client_secret.expect("a secret"))
            .collect();
        for secret in secrets {
            checkout
                .validate(&Validate::new(secret.clone()))
                .expect("validated through the caller's client");
            let keyless = Confirm::new(secret, PaymentMethod::card("tok_visa"));
            checkout
                .confirm(&keyless)
                .expect("confirmed through the caller's client");
        }
        let (charged, tunnels) = if through_proxy { (4, 1 + 4) } else { (2, 0) };
        assert_eq!(charges(&fake), vec![1; charged]);
        assert_eq!(
            proxy.seen(),
            vec![tunnel.clone(); tunnels],
            "through the proxy: {through_proxy}"
        );
    }
}

/// A keyless confirm leaves on a connection of its own, never on the pooled one a load
/// balancer may be closing: on ureq's own agent and on a caller's (where a request-level
/// setting keeps it off the agent's pool), on isahc's own clients (the unpooled one) and on
/// those a caller's builder makes. (The reads before them meet the race and are retried.)
#[test]
fn keyless_confirms_never_meet_an_idle_close() {
    use easy_checkout_isahc::IsahcTransport;
    use easy_checkout_ureq::UreqTransport;

    sweep_keyless_confirms("ureq, own agent", |config| {
        easy_checkout_ureq::with_transport(config, UreqTransport::new())
    });
    sweep_keyless_confirms("ureq, caller's agent", |config| {
        let agent = ureq::Agent::config_builder().max_idle_connections_per_host(4);
        let transport =
            UreqTransport::from_agent(agent.build().into(), TransportSettings::default());
        easy_checkout_ureq::with_transport(config, transport)
    });
    sweep_keyless_confirms("isahc, own clients", |config| {
        easy_checkout_isahc::with_transport(config, IsahcTransport::new())
    });
    sweep_keyless_confirms("isahc, caller's clients", |config| {
        let settings = TransportSettings::default();
        let transport = IsahcTransport::from_client_builder(isahc::HttpClient::builder, settings);
        easy_checkout_isahc::with_transport(config, transport.expect("the caller's clients build"))
    });
}

mod ureq_transport {
    use easy_checkout_ureq::UreqTransport;

    use super::*;

    /// A caller's agent with a private CA of its own, and a proxy when one is given.
    fn callers_agent(ca_pem: &str, proxy: Option<&str>) -> UreqTransport {
        use ureq::tls::{Certificate, RootCerts, TlsConfig};

        let ca = Certificate::from_pem(ca_pem.as_bytes()).expect("a CA certificate");
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::from([ca]))
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .proxy(proxy.map(|url| ureq::Proxy::new(url).expect("a proxy URL")))
            .tls_config(tls)
            .build()
            .into();
        UreqTransport::from_agent(agent, TransportSettings::default())
    }

    /// On a caller's agent, a keyless write, on its connection of its own, still goes
    /// through the agent's proxy and trusts the agent's private CA.
    #[test]
    fn keyless_writes_on_a_callers_agent_take_its_proxy_and_roots() {
        keyless_writes_take_the_callers_roots_and_proxy(|config, ca, proxy| {
            easy_checkout_ureq::with_transport(config, callers_agent(ca, proxy))
        });
    }

    #[test]
    fn a_proxy_that_refuses_fails_a_keyless_confirm_known_not_sent() {
        a_refusing_proxy_fails_a_keyless_confirm_known_not_sent(|config, ca, proxy| {
            easy_checkout_ureq::with_transport(config, callers_agent(ca, Some(proxy)))
        });
    }
}

mod isahc_transport {
    use easy_checkout_isahc::IsahcTransport;
    use easy_checkout_isahc::easy_checkout_core::http;

    use super::*;

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
            TransportSettings::default(),
        )
        .expect("the caller's clients build")
    }

    /// Every request of a client over `from_client_builder`, keyless writes included, takes
    /// the caller's roots and, when the caller set one, its proxy.
    #[test]
    fn keyless_writes_take_the_callers_roots_and_proxy() {
        super::keyless_writes_take_the_callers_roots_and_proxy(|config, ca, proxy| {
            easy_checkout_isahc::with_transport(config, callers_transport(ca, proxy))
        });
    }

    #[test]
    fn a_proxy_that_refuses_fails_a_keyless_confirm_known_not_sent() {
        a_refusing_proxy_fails_a_keyless_confirm_known_not_sent(|config, ca, proxy| {
            easy_checkout_isahc::with_transport(config, callers_transport(ca, Some(proxy)))
        });
    }
}
