//! This crate's entry points are the core's one-line constructors over UreqTransport (the rows they
//! build are tested once, in the core's `tests/constructors.rs`): the transport named in the
//! user agent, the settings kept, the base URL given, and `from_env` reading the environment
//! as `Config::from_lookup` does.

use easy_checkout_ureq::easy_checkout_core::config::USER_AGENT;
use easy_checkout_ureq::easy_checkout_core::{Config, ErrorKind};
use easy_checkout_ureq::{TransportSettings, UreqTransport as Own};
use easy_checkout_ureq::{from_env, from_key, with_base_url, with_config, with_transport};

#[test]
fn the_entry_points_are_the_cores_constructors_over_this_transport() {
    let set = TransportSettings::default().max_body_bytes(10);
    let config = || Config::new("sk_test_abc".parse().expect("key"));
    let port9 = "http://127.0.0.1:9";
    let rows = [
        (
            from_key("sk_test_abc").expect("key"),
            TransportSettings::default(),
        ),
        (
            with_base_url("sk_live_abc", port9).expect("url"),
            TransportSettings::default(),
        ),
        (with_config(config(), set), set),
        (with_transport(config(), Own::with_settings(set)), set),
    ];
    for (client, settings) in &rows {
        let agent = client.config().user_agent();
        assert_eq!(agent, format!("{USER_AGENT} ureq"));
        assert_eq!(client.transport().settings(), settings);
    }
    assert_eq!(rows[1].0.config().base_url().as_str(), port9);

    // `from_env` is `Config::from_lookup` over this process's environment, whatever it holds.
    let read = |c: &Config| (c.base_url().clone(), c.api_key().is_some());
    let core = Config::from_lookup(|name| std::env::var_os(name)).ok();
    match from_env() {
        Ok(client) => assert_eq!(Some(read(client.config())), core.map(|c| read(&c))),
        Err(e) => assert_eq!((e.kind(), core.is_none()), (ErrorKind::InvalidInput, true)),
    }
}
