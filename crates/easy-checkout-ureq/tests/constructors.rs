//! This crate's one-line constructors: wired to the core's `Config` (routing, the base URL
//! rules, the key and `Config::from_lookup` are tested in the core), the transport named in
//! the user agent, the settings kept, and no IO. (That the user agent goes out once, as the
//! request has it: the conformance kit's `request_goes_out_as_given`.)

use easy_checkout_ureq::easy_checkout_core::config::USER_AGENT;
use easy_checkout_ureq::easy_checkout_core::{Config, ErrorKind};
use easy_checkout_ureq::{TransportSettings, UreqTransport as Own};
use easy_checkout_ureq::{from_env, from_key, with_base_url, with_config, with_transport};

#[test]
fn the_constructors_build_the_configuration_the_core_reads_and_do_no_io() {
    let sandbox = "https://sandbox-api.itseasy.co/v1/api";
    let live = "https://api.itseasy.co/v1/api";
    let (local, port9) = ("http://localhost:4010/v1/api", "http://127.0.0.1:9");
    let base_url = |url| with_base_url("sk_live_abc", url);
    let config = || Config::new("sk_test_abc".parse().expect("key"));
    let set = TransportSettings::default().max_body_bytes(10);
    let (own, default) = (Own::with_settings(set), Default::default());
    // Nothing listens on port 9 of this host, and nothing is resolved: a constructor that
    // touched the network would fail or hang here.
    let rows = [
        (from_key("sk_test_abc"), sandbox, default),
        (from_key("sk_live_abc"), live, default),
        (base_url("http://localhost:4010/v1/api/"), local, default),
        (base_url(port9), port9, default),
        (Ok(with_config(config(), set)), sandbox, set),
        (Ok(with_transport(config(), own)), sandbox, set),
    ];
    for (client, base_url, settings) in rows {
        let client = client.expect("client");
        assert_eq!(client.config().base_url().as_str(), base_url);
        assert_eq!(client.config().user_agent(), format!("{USER_AGENT} ureq"));
        assert_eq!(client.transport().settings(), &settings);
    }
    let refused = base_url("http://api.example.com").expect_err("clear text");
    assert_eq!(refused.kind(), ErrorKind::InvalidInput);

    // `from_env` is `Config::from_lookup` over this process's environment, whatever it holds.
    let read = |c: &Config| (c.base_url().clone(), c.api_key().is_some());
    let core = Config::from_lookup(|name| std::env::var_os(name)).ok();
    match from_env() {
        Ok(client) => assert_eq!(Some(read(client.config())), core.map(|c| read(&c))),
        Err(e) => assert_eq!((e.kind(), core.is_none()), (ErrorKind::InvalidInput, true)),
    }
}
