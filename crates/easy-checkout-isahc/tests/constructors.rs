//! This crate's one-line constructors (not transport obligations: those are
//! `tests/conformance.rs`). What they build is the core's `Config` (routing, the base URL
//! rules, the key's validation and `Config::from_lookup` are tested in the core); here, that
//! they are wired to it, name the transport in the user agent, keep the settings, and do no
//! IO.

use easy_checkout_conformance::loopback::{Server, reply};
use easy_checkout_isahc::easy_checkout_core::config::USER_AGENT;
use easy_checkout_isahc::easy_checkout_core::{Config, ErrorKind};
use easy_checkout_isahc::{IsahcTransport, TransportSettings};

#[test]
fn the_constructors_build_the_configuration_the_core_reads() {
    let client = easy_checkout_isahc::from_key("sk_test_abc").expect("client");
    assert_eq!(
        client.config().base_url().as_str(),
        "https://sandbox-api.itseasy.co/v1/api"
    );
    assert_eq!(client.config().user_agent(), format!("{USER_AGENT} isahc"));
    assert_eq!(client.transport().settings(), &TransportSettings::default());
    let client = easy_checkout_isahc::with_base_url("sk_live_abc", "http://localhost:4010/v1/api/")
        .expect("client");
    assert_eq!(
        client.config().base_url().as_str(),
        "http://localhost:4010/v1/api"
    );
    let refused = easy_checkout_isahc::with_base_url("sk_live_abc", "http://api.example.com");
    assert_eq!(
        refused.expect_err("clear text").kind(),
        ErrorKind::InvalidInput
    );

    let config = || Config::new("sk_test_abc".parse().expect("key"));
    let settings = TransportSettings::default().max_body_bytes(10);
    let client = easy_checkout_isahc::with_config(config(), settings);
    assert_eq!(client.config().user_agent(), format!("{USER_AGENT} isahc"));
    assert_eq!(client.transport().settings(), &settings);
    let client =
        easy_checkout_isahc::with_transport(config(), IsahcTransport::with_settings(settings));
    assert_eq!(client.config().user_agent(), format!("{USER_AGENT} isahc"));

    // `from_env` is `Config::from_lookup` over this process's environment, whatever it holds.
    let expected = Config::from_lookup(|name| std::env::var_os(name));
    match (easy_checkout_isahc::from_env(), expected) {
        (Ok(client), Ok(config)) => {
            assert_eq!(client.config().base_url(), config.base_url());
            assert_eq!(
                client.config().api_key().is_some(),
                config.api_key().is_some()
            );
        }
        (Err(error), Err(_)) => assert_eq!(error.kind(), ErrorKind::InvalidInput),
        (got, expected) => panic!("from_env: {got:?}, Config::from_lookup: {expected:?}"),
    }
}

#[test]
fn the_user_agent_goes_out_once() {
    let server = Server::fixed(reply("200 OK", &[], br#"{"data":{"allowed_origins":[]}}"#));
    let client =
        easy_checkout_isahc::with_base_url("sk_test_abc", &server.url("")).expect("client");
    client.embedded_checkout().get_config().expect("config");
    let seen = server.request();
    assert_eq!(
        seen.header_all("user-agent"),
        [format!("{USER_AGENT} isahc").as_str()]
    );
}

#[test]
fn constructors_do_no_io() {
    // Nothing listens on port 9 of this host, and nothing is resolved: a constructor that
    // touched the network would fail or hang here.
    easy_checkout_isahc::with_base_url("sk_test_abc", "http://127.0.0.1:9").expect("client");
    easy_checkout_isahc::from_key("sk_live_abc").expect("client");
}
