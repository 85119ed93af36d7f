//! What the blocking adapters do for a caller's own agent or client, and for requests that
//! must not go out twice, over real loopback middleboxes (`easy_checkout_tests::middlebox`):
//! a load balancer closing idle connections, a CONNECT proxy that tunnels or refuses, a
//! private CA. Cross-crate tests: they need the fake and the middleboxes, so they live here
//! rather than in the adapters' own (published) test directories.

mod ureq_transport {
    use easy_checkout_ureq::UreqTransport;

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
}

mod isahc_transport {
    use easy_checkout_isahc::IsahcTransport;
    use easy_checkout_isahc::easy_checkout_core::{TransportErrorKind, http};

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
            let create =
                CreateSession::new(vec![LineItem::new("price_abc", 1)], "https://s.example/r");
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
}
