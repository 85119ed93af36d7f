//! The one-line constructors: routing, overrides, the environment, and that none of them
//! does IO.

use std::process::Command;

use easy_checkout_core::{ErrorKind, TransportSettings};
use easy_checkout_ureq as adapter;

const SANDBOX: &str = "https://sandbox-api.itseasy.co/v1/api";
const PRODUCTION: &str = "https://api.itseasy.co/v1/api";

#[test]
fn from_key_routes_by_prefix() {
    let client = adapter::from_key("sk_test_abc").expect("client");
    assert_eq!(client.config().base_url().as_str(), SANDBOX);
    let client = adapter::from_key("sk_live_abc").expect("client");
    assert_eq!(client.config().base_url().as_str(), PRODUCTION);
    assert_eq!(client.transport().settings(), &TransportSettings::default());
}

#[test]
fn from_key_refuses_unsendable_keys_without_echoing_them() {
    for key in ["", "  ", "sk_test_with space", "sk_test_\u{e9}"] {
        let error = adapter::from_key(key).expect_err("refused");
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        if !key.trim().is_empty() {
            assert!(!error.to_string().contains(key), "{error}");
        }
    }
}

#[test]
fn with_base_url_overrides_routing_and_keeps_the_loopback_rule() {
    let client =
        adapter::with_base_url("sk_live_abc", "http://localhost:4010/v1/api/").expect("client");
    assert_eq!(
        client.config().base_url().as_str(),
        "http://localhost:4010/v1/api"
    );
    let error =
        adapter::with_base_url("sk_live_abc", "http://api.example.com").expect_err("clear text");
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    let error = adapter::with_base_url("", "https://api.example.com").expect_err("no key");
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
}

#[test]
fn with_config_names_the_transport_in_the_user_agent() {
    let config = easy_checkout_core::Config::new("sk_test_abc".parse().expect("key"));
    let settings = TransportSettings::default().max_body_bytes(10);
    let client = adapter::with_config(config, settings);
    assert_eq!(
        client.config().user_agent(),
        format!(
            "easy-checkout-rust/{} {}",
            env!("CARGO_PKG_VERSION"),
            adapter::USER_AGENT_SUFFIX
        )
    );
    assert_eq!(client.transport().settings().max_body_bytes, 10);
    // Cloning a client is cheap and keeps the configuration.
    let clone = client.clone();
    assert_eq!(clone.config().user_agent(), client.config().user_agent());
}

#[test]
fn constructors_do_no_io() {
    // Nothing listens on port 9 of this host, and nothing is resolved: a constructor that
    // touched the network would fail or hang here.
    adapter::with_base_url("sk_test_abc", "http://127.0.0.1:9").expect("client");
    adapter::from_key("sk_live_abc").expect("client");
}

/// Runs `from_env_child` in a child process with exactly these variables set.
fn from_env_in_child(vars: &[(&str, &str)]) -> String {
    let exe = std::env::current_exe().expect("test binary");
    let mut command = Command::new(exe);
    command
        .args([
            "from_env_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_remove("EASY_API_KEY")
        .env_remove("EASY_API_URL")
        .env("EASY_CHECKOUT_FROM_ENV_CHILD", "1");
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().expect("child ran");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(|line| line.split_once("FROM_ENV: ").map(|(_, report)| report))
        .expect("the child reported")
        .to_owned()
}

/// Reports what `from_env` built, when run by `from_env_in_child`; passes trivially otherwise.
#[test]
fn from_env_child() {
    if std::env::var_os("EASY_CHECKOUT_FROM_ENV_CHILD").is_none() {
        return;
    }
    match adapter::from_env() {
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
        from_env_in_child(&[("EASY_API_KEY", "sk_test_abc")]),
        format!("ok {SANDBOX} key=true")
    );
    assert_eq!(
        from_env_in_child(&[("EASY_API_KEY", "sk_live_abc")]),
        format!("ok {PRODUCTION} key=true")
    );
    assert_eq!(
        from_env_in_child(&[
            ("EASY_API_KEY", "sk_live_abc"),
            ("EASY_API_URL", "http://127.0.0.1:4010/")
        ]),
        "ok http://127.0.0.1:4010 key=true"
    );
    // No key: a key-less client for validate and confirm.
    assert_eq!(from_env_in_child(&[]), format!("ok {PRODUCTION} key=false"));
    assert_eq!(
        from_env_in_child(&[("EASY_API_KEY", "")]),
        format!("ok {PRODUCTION} key=false")
    );
    let refused = from_env_in_child(&[("EASY_API_URL", "http://api.example.com")]);
    assert!(refused.starts_with("err InvalidInput"), "{refused}");
}
