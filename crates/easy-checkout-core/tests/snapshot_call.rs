//! `snapshot::render_call`: the first request a client sends, as on the wire. A write without
//! a key of the caller's gets the key the call generates (the header present, the value
//! masked); every other request renders as `snapshot::render` renders the built one.

use common::NoWait;
use easy_checkout_core::ops::{
    Confirm, CreateSession, GetConfig, LineItem, PaymentMethod, UpdateConfig,
};
use easy_checkout_core::{
    Client, ClientSecret, Config, Operation, RetryPolicy, TransportError, http, snapshot,
};
use std::sync::{Arc, Mutex};

mod common;

const KEY: &str = "sk_test_snapshot_key_123";
const SECRET: &str = "ecs_secret_snapshot_xyz";

fn sandbox() -> Config {
    Config::new(KEY.parse().unwrap())
}

/// The call's first request, rendered, with the default retries; checked free of secrets.
fn sent<O: Operation>(op: &O) -> String {
    let text = snapshot::render_call(&sandbox(), op, RetryPolicy::default()).unwrap();
    assert!(!text.contains(KEY), "API key leaked into snapshot:\n{text}");
    assert!(
        !text.contains(SECRET),
        "client secret leaked into snapshot:\n{text}"
    );
    text
}

/// What `snapshot::render` prints for the built request.
fn built<O: Operation>(op: &O) -> String {
    snapshot::render(&sandbox().build(op).unwrap())
}

fn create() -> CreateSession {
    CreateSession::new(
        vec![LineItem::new("price_abc", 1)],
        "https://example.com/checkout/return",
    )
}

#[test]
fn a_write_goes_out_with_a_generated_key() {
    let snap = |name: &str, text: String| insta::assert_snapshot!(name, text);
    snap(
        "create_session_goes_out_with_a_generated_key",
        sent(&create()),
    );
    let update = UpdateConfig::new(["https://shop.example"]);
    snap("update_config_goes_out_with_a_generated_key", sent(&update));
}

#[test]
fn the_rendering_is_what_the_client_sends() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    // A test double: it records what the client sends and answers a created session.
    let transport =
        move |request: http::Request<Vec<u8>>| -> Result<http::Response<Vec<u8>>, TransportError> {
            record.lock().unwrap().push(request);
            Ok(http::Response::new(br#"{"data":{"id":"ecs_1"}}"#.to_vec()))
        };
    let client = Client::with_runtime(transport, sandbox(), NoWait);
    client
        .embedded_checkout()
        .create_session(&create())
        .unwrap();
    let mut first = seen.lock().unwrap().remove(0);
    let key = first
        .headers_mut()
        .get_mut("idempotency-key")
        .expect("a generated key went out");
    assert!(key.len() > 10, "{key:?}");
    *key = http::HeaderValue::from_static("[generated]");
    assert_eq!(snapshot::render(&first), sent(&create()));
}

/// A key of the caller's goes out as it is; a keyless confirm (never retried), a GET, and a
/// write with retries off get no generated key; invalid input fails as the call would.
#[test]
fn what_gets_no_generated_key_renders_as_built() {
    let keyed = create().with_idempotency_key("cart-42").unwrap();
    assert!(sent(&keyed).contains("\nidempotency-key: cart-42\n"));
    let secret = ClientSecret::new(SECRET).unwrap();
    let keyless = Confirm::new(secret, PaymentMethod::card("tok_1"));
    for (sent, built) in [
        (sent(&keyed), built(&keyed)),
        (sent(&keyless), built(&keyless)),
        (sent(&GetConfig), built(&GetConfig)),
        (
            snapshot::render_call(&sandbox(), &create(), RetryPolicy::never()).unwrap(),
            built(&create()),
        ),
    ] {
        assert_eq!(sent, built);
    }
    let keyless_client = Config::from_values(None, None).unwrap();
    let error = snapshot::render_call(&keyless_client, &create(), RetryPolicy::default())
        .expect_err("create needs the API key");
    assert_eq!(error.kind(), easy_checkout_core::ErrorKind::InvalidInput);
}
