//! This crate's one-line constructors (not transport obligations: those are
//! `tests/conformance.rs`): routing by key, the base URL override and its loopback rule, the
//! user agent naming the transport, the settings, the environment; none does IO.

use std::ffi::OsStr;
use std::process::Command;

use easy_checkout_conformance::loopback::{Server, reply};
use easy_checkout_ureq::easy_checkout_core::config::{API_KEY_ENV, BASE_URL_ENV, USER_AGENT};
use easy_checkout_ureq::easy_checkout_core::{Config, ErrorKind};
use easy_checkout_ureq::{Client, TransportSettings, UreqTransport};

const SANDBOX: &str = "https://sandbox-api.itseasy.co/v1/api";
const PRODUCTION: &str = "https://api.itseasy.co/v1/api";

#[test]
fn from_key_routes_by_prefix_with_default_settings() {
    let client = easy_checkout_ureq::from_key("sk_test_abc").expect("client");
    assert_eq!(client.config().base_url().as_str(), SANDBOX);
    let client = easy_checkout_ureq::from_key("sk_live_abc").expect("client");
    assert_eq!(client.config().base_url().as_str(), PRODUCTION);
    assert_eq!(client.transport().settings(), &TransportSettings::default());
}

#[test]
fn from_key_refuses_unsendable_keys_without_echoing_them() {
    for key in ["", "  ", "sk_test_with space", "sk_test_\u{e9}"] {
        let error = easy_checkout_ureq::from_key(key).expect_err("refused");
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        if !key.trim().is_empty() {
            assert!(!error.to_string().contains(key), "{error}");
        }
    }
}

#[test]
fn with_base_url_overrides_routing_and_keeps_the_loopback_rule() {
    let client = easy_checkout_ureq::with_base_url("sk_live_abc", "http://localhost:4010/v1/api/")
        .expect("client");
    assert_eq!(
        client.config().base_url().as_str(),
        "http://localhost:4010/v1/api"
    );
    for (key, url) in [
        ("sk_live_abc", "http://api.example.com"),
        ("", "https://api.example.com"),
    ] {
        let error = easy_checkout_ureq::with_base_url(key, url).expect_err("refused");
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{key:?} {url}");
    }
}

#[test]
fn with_config_names_the_transport_and_keeps_the_settings() {
    let config = Config::new("sk_test_abc".parse().expect("key"));
    let client =
        easy_checkout_ureq::with_config(config, TransportSettings::default().max_body_bytes(10));
    assert_eq!(client.config().user_agent(), format!("{USER_AGENT} ureq"));
    assert_eq!(client.transport().settings().max_body_bytes, 10);
    let clone = client.clone();
    assert_eq!(clone.config().user_agent(), client.config().user_agent());
    let transport = UreqTransport::with_settings(TransportSettings::default());
    let client = easy_checkout_ureq::with_transport(
        Config::new("sk_test_abc".parse().expect("key")),
        transport,
    );
    assert_eq!(client.config().user_agent(), format!("{USER_AGENT} ureq"));
}

#[test]
fn the_user_agent_goes_out_once() {
    let server = Server::fixed(reply("200 OK", &[], br#"{"data":{"allowed_origins":[]}}"#));
    let client = easy_checkout_ureq::with_base_url("sk_test_abc", &server.url("")).expect("client");
    client.embedded_checkout().get_config().expect("config");
    let seen = server.request();
    assert_eq!(
        seen.header_all("user-agent"),
        [format!("{USER_AGENT} ureq").as_str()]
    );
}

#[test]
fn constructors_do_no_io() {
    // Nothing listens on port 9 of this host, and nothing is resolved: a constructor that
    // touched the network would fail or hang here.
    easy_checkout_ureq::with_base_url("sk_test_abc", "http://127.0.0.1:9").expect("client");
    easy_checkout_ureq::from_key("sk_live_abc").expect("client");
}

#[test]
fn the_client_and_transport_are_send_sync_clone() {
    fn check<C: Send + Sync + Clone + std::fmt::Debug + 'static>() {}
    check::<UreqTransport>();
    check::<Client>();
}

/// Set in the environment of the child process `from_env_in` starts.
const CHILD: &str = "EASY_CHECKOUT_FROM_ENV_CHILD";

/// What `from_env` builds in a child process with exactly these variables set (setting
/// them in this one would need `unsafe`).
fn from_env_in<V: AsRef<OsStr>>(vars: &[(&str, V)]) -> String {
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .args([
            "from_env_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_remove(API_KEY_ENV)
        .env_remove(BASE_URL_ENV)
        .env(CHILD, "1");
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().expect("child ran");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}");
    stdout
        .lines()
        .find_map(|line| {
            line.split_once("FROM_ENV: ")
                .map(|(_, report)| report.to_owned())
        })
        .expect("the child reported")
}

/// Reports what `from_env` built, in the child of `from_env_reads_key_and_url`.
#[test]
fn from_env_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    match easy_checkout_ureq::from_env() {
        Ok(client) => println!(
            "FROM_ENV: ok {} key={}",
            client.config().base_url(),
            client.config().api_key().is_some()
        ),
        Err(error) => println!("FROM_ENV: err {:?} {error}", error.kind()),
    }
}

#[test]
fn from_env_reads_key_and_url() {
    assert_eq!(
        from_env_in(&[("EASY_API_KEY", "sk_test_abc")]),
        format!("ok {SANDBOX} key=true")
    );
    assert_eq!(
        from_env_in(&[
            ("EASY_API_KEY", "sk_live_abc"),
            ("EASY_API_URL", "http://127.0.0.1:4010/")
        ]),
        "ok http://127.0.0.1:4010 key=true"
    );
    // No key: a key-less client for validate and confirm.
    assert_eq!(
        from_env_in::<&str>(&[]),
        format!("ok {PRODUCTION} key=false")
    );
    let refused = from_env_in(&[("EASY_API_URL", "http://api.example.com")]);
    assert!(refused.starts_with("err InvalidInput"), "{refused}");
}
