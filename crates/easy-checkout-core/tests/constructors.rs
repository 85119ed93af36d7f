//! The one-line constructors over an [`Adapter`] (`Client::from_key` and its siblings, also on
//! `AsyncClient`): the configuration they build, the transport's name in the user agent, the
//! settings handed to the transport, and no IO. Each transport crate checks only that its own
//! entry points are these (its `tests/constructors.rs`).
#![cfg(feature = "system-runtime")]

use easy_checkout_core::config::USER_AGENT;
use easy_checkout_core::http::{Request, Response};
use easy_checkout_core::{
    Adapter, Client, Config, ErrorKind, Transport, TransportError, TransportSettings,
};

/// A transport that keeps the settings it was made with and panics if anything is sent.
#[derive(Debug)]
struct Kept(TransportSettings);

impl Transport for Kept {
    fn send(&self, _: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        panic!("a constructor sent a request")
    }
}

#[cfg(feature = "async")]
impl easy_checkout_core::AsyncTransport for Kept {
    async fn send(&self, _: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        panic!("a constructor sent a request")
    }
}

impl Adapter for Kept {
    const USER_AGENT_SUFFIX: &'static str = "kept";
    fn from_settings(settings: TransportSettings) -> Self {
        Kept(settings)
    }
}

const SANDBOX: &str = "https://sandbox-api.itseasy.co/v1/api";
const LIVE: &str = "https://api.itseasy.co/v1/api";

/// What a constructor built: base URL, user agent, the transport's settings.
type Built = (String, String, TransportSettings);

fn built(config: &Config, transport: &Kept) -> Built {
    let base_url = config.base_url().as_str().to_owned();
    (base_url, config.user_agent().to_owned(), transport.0)
}

/// Every row the constructors must build, from `from_key`, `with_base_url`, `with_config` and
/// `with_transport` (given as closures, so that the blocking and async clients share it).
fn check(
    from_key: impl Fn(&str) -> Result<Built, easy_checkout_core::Error>,
    with_base_url: impl Fn(&str, &str) -> Result<Built, easy_checkout_core::Error>,
    with_config: impl Fn(Config, TransportSettings) -> Built,
    with_transport: impl Fn(Config, Kept) -> Built,
) {
    let agent = format!("{USER_AGENT} kept");
    let set = TransportSettings::default().max_body_bytes(10);
    let default = TransportSettings::default();
    let config = || Config::new("sk_test_abc".parse().expect("key"));
    let (local, port9) = ("http://localhost:4010/v1/api", "http://127.0.0.1:9");
    // Nothing listens on port 9 of this host, and nothing is resolved: the transport panics
    // if a constructor sends anything.
    let rows = [
        (from_key("sk_test_abc"), SANDBOX, default),
        (from_key("sk_live_abc"), LIVE, default),
        (
            with_base_url("sk_live_abc", &format!("{local}/")),
            local,
            default,
        ),
        (with_base_url("sk_live_abc", port9), port9, default),
        (Ok(with_config(config(), set)), SANDBOX, set),
        (Ok(with_transport(config(), Kept(set))), SANDBOX, set),
    ];
    for (got, base_url, settings) in rows {
        let expected = (base_url.to_owned(), agent.clone(), settings);
        assert_eq!(got.expect("built"), expected);
    }
    let refused = with_base_url("sk_live_abc", "http://api.example.com");
    assert_eq!(
        refused.expect_err("clear text").kind(),
        ErrorKind::InvalidInput
    );
    let refused = from_key("not an easy key");
    assert_eq!(refused.expect_err("no key").kind(), ErrorKind::InvalidInput);
}

#[test]
fn the_blocking_constructors_build_the_configuration_and_do_no_io() {
    let of = |c: Client<Kept>| built(c.config(), c.transport());
    check(
        |key| Client::from_key(key).map(of),
        |key, url| Client::with_base_url(key, url).map(of),
        |config, settings| of(Client::with_config(config, settings)),
        |config, transport| of(Client::with_transport(config, transport)),
    );
}

#[cfg(feature = "async")]
#[test]
fn the_async_constructors_build_the_configuration_and_do_no_io() {
    use std::time::Duration;

    use easy_checkout_core::{AsyncClient, Sleep};

    #[derive(Default)]
    struct NoSleep;
    impl Sleep for NoSleep {
        async fn sleep(&self, _: Duration) {}
    }

    let of = |c: AsyncClient<Kept, NoSleep>| built(c.config(), c.transport());
    check(
        |key| AsyncClient::from_key(key).map(of),
        |key, url| AsyncClient::with_base_url(key, url).map(of),
        |config, settings| of(AsyncClient::with_config(config, settings)),
        |config, transport| of(AsyncClient::with_transport(config, transport)),
    );
}
