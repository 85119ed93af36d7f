//! Input that cannot be sent is refused with a typed error before anything is built.

use easy_checkout_core::ops::{
    Confirm, CreateSession, CustomerDetails, LineItem, PaymentMethod, PaymentSource,
    ReferenceSession, UpdateConfig, Validate,
};
use easy_checkout_core::secret::KeyKind;
use easy_checkout_core::{
    ApiKey, BaseUrl, ClientSecret, Config, Environment, Error, IdempotencyKey, SessionId,
    Vocabulary,
};
use serde_json::json;

fn config() -> Config {
    Config::new("sk_test_1".parse().unwrap())
}

/// The field named by the error `op` is refused with.
fn refused<O: easy_checkout_core::Operation>(op: &O) -> &'static str {
    match config().build(op) {
        Err(Error::InvalidInput { input, .. }) => input.field(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn key_prefix_routes_the_environment() {
    use Environment::{Production, Sandbox};
    for (key, kind, environment) in [
        ("sk_test_a", KeyKind::SecretTest, Sandbox),
        ("sk_sandbox_a", KeyKind::SecretSandbox, Sandbox),
        ("pk_test_a", KeyKind::PublishableTest, Sandbox),
        ("sk_live_a", KeyKind::SecretLive, Production),
        ("pk_live_a", KeyKind::PublishableLive, Production),
    ] {
        let key: ApiKey = key.parse().unwrap();
        assert_eq!(key.kind(), kind);
        assert_eq!(Environment::for_key(&key), environment);
        assert_eq!(key.is_test(), environment == Sandbox);
        assert_eq!(kind.is_publishable(), kind.prefix().starts_with("pk_"));
        let config = Config::new(key);
        assert_eq!(config.base_url(), &environment.base_url());
        assert!(config.api_key().is_some() && config.has_api_key());
    }
}

/// The key strings no routing may guess at: refused, naming `api_key`, quoting nothing.
const NOT_EASY_KEYS: [&str; 9] = [
    "junk",
    "sk_other_a",
    "SK_TEST_a",
    "Sk_live_a",
    "sk_test",
    "sk_test_",
    "pk_live_",
    "sk_sandbox_",
    "rk_live_a",
];

#[test]
fn a_string_that_is_no_easy_key_is_refused_without_a_base_url() {
    for bad in NOT_EASY_KEYS {
        for e in [
            ApiKey::new(bad).unwrap_err(),
            Config::from_values(Some(bad), None).unwrap_err(),
            Config::from_lookup(|name| (name == "EASY_API_KEY").then(|| bad.into())).unwrap_err(),
        ] {
            assert_eq!(e.field(), "api_key", "{bad:?}");
            // The message names the prefixes, never anything else of the key.
            let only_a_prefix = KeyKind::ALL.iter().any(|k| k.prefix().starts_with(bad));
            assert!(
                only_a_prefix || !e.to_string().contains(bad),
                "{bad:?}: {e}"
            );
        }
    }
}

#[test]
fn with_a_base_url_any_header_safe_key_is_sent_as_given() {
    let op = easy_checkout_core::ops::GetConfig;
    let (url, given) = (
        BaseUrl::parse("http://127.0.0.1:4010").unwrap(),
        "http://127.0.0.1:4010/",
    );
    for key in NOT_EASY_KEYS.into_iter().chain(["sk_test_a", "sk_live_a"]) {
        let configs = [
            Config::for_base_url(url.clone(), key).unwrap(),
            Config::from_values(Some(key), Some(given)).unwrap(),
            Config::from_lookup(|name| match name {
                "EASY_API_KEY" => Some(key.into()),
                "EASY_API_URL" => Some(given.into()),
                _ => None,
            })
            .unwrap(),
        ];
        for config in configs {
            assert_eq!(config.base_url(), &url);
            assert!(config.has_api_key());
            let easy = !NOT_EASY_KEYS.contains(&key);
            assert_eq!(config.api_key().is_some(), easy, "{key}");
            let request = config.build(&op).unwrap();
            let header = &request.headers()["x-easy-api-key"];
            assert_eq!(header, key);
            assert!(header.is_sensitive());
            assert!(!format!("{config:?}").contains(key), "{config:?}");
        }
    }
    // Still nothing that cannot travel in a header, with or without a base URL.
    for bad in ["", " ", "a b", "é"] {
        let e = Config::for_base_url(url.clone(), bad).unwrap_err();
        assert_eq!(e.field(), "api_key");
    }
    for bad in ["", "   ", "sk_test_a b", "sk_test_\n", "sk_test_é"] {
        assert_eq!(ApiKey::new(bad).unwrap_err().field(), "api_key", "{bad:?}");
    }
}

/// Including the inputs the fuzzer found.
#[test]
fn base_url_rules() {
    for (input, normalized) in [
        (
            "https://api.example.com/v1/api/",
            "https://api.example.com/v1/api",
        ),
        ("https://api.example.com", "https://api.example.com"),
        ("http://localhost:8080/", "http://localhost:8080"),
        ("http://127.0.0.1:1", "http://127.0.0.1:1"),
        ("http://127.8.9.10", "http://127.8.9.10"),
        ("http://[::1]:9000", "http://[::1]:9000"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("https://api.example.com//", "https://api.example.com"),
        (" https://a.example/v1/ \n", "https://a.example/v1"),
    ] {
        assert_eq!(BaseUrl::parse(input).unwrap().as_str(), normalized);
    }
    for bad in [
        "http://api.example.com",
        "http://10.0.0.1",
        "ftp://localhost",
        "api.example.com",
        "",
        "https://",
        "https://a.example/?x=1",
        "https://user:pw@a.example",
        "https://a.example/#f",
        "http://localhost.evil.com",
        "https://[]",
        "https://[]/v",
        "https://[zz]",
        "https://[1:2]",
        "https://[:]",
        "http://127.0.0.1:99999",
        "https://a/é",
        "https://a/\u{a0}/",
        "https://./\u{a0}/",
    ] {
        let e = BaseUrl::parse(bad).unwrap_err();
        assert_eq!(e.field(), "base_url", "{bad:?}");
    }
}

#[test]
fn from_values_and_from_lookup_route_or_override() {
    let c = Config::from_values(Some("sk_test_1"), None).unwrap();
    let sandbox = "https://sandbox-api.itseasy.co/v1/api";
    assert_eq!(c.base_url().as_str(), sandbox);
    let c = Config::from_values(None, Some("")).unwrap();
    assert!(c.api_key().is_none());
    assert_eq!(c.base_url().as_str(), "https://api.itseasy.co/v1/api");
    assert!(Config::from_values(Some("sk_test_1"), Some("http://example.com")).is_err());

    use std::ffi::OsString;
    let c = Config::from_lookup(|name| (name == "EASY_API_KEY").then(OsString::new)).unwrap();
    assert!(c.api_key().is_none(), "empty is unset");
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        let e = Config::from_lookup(|_| Some(OsString::from_vec(vec![0xff]))).unwrap_err();
        assert_eq!(e.field(), "EASY_API_KEY");
    }
}

/// And every other id is one path segment.
#[test]
fn ids_that_name_other_endpoints_are_refused() {
    for bad in ["", ".", "..", "config", "validate", "confirm"] {
        assert_eq!(SessionId::new(bad).unwrap_err().field(), "session_id");
    }
    assert!(SessionId::new("Config").is_ok() && SessionId::new("config2").is_ok());
    for (id, seg) in [
        ("ecs_123", "ecs_123"),
        ("...", "..."),
        ("a/b", "a%2Fb"),
        ("%2e%2e", "%252e%252e"),
        ("é", "%C3%A9"),
        ("a b?c#d", "a%20b%3Fc%23d"),
    ] {
        assert_eq!(SessionId::new(id).unwrap().as_path_segment(), seg);
    }
}

#[test]
fn idempotency_keys() {
    assert!(IdempotencyKey::new("ecs-cart-1").is_ok());
    assert!(IdempotencyKey::new("k".repeat(255)).is_ok());
    for bad in [
        String::new(),
        "k".repeat(256),
        "has space".into(),
        "new\nline".into(),
    ] {
        let e = IdempotencyKey::new(bad).unwrap_err();
        assert_eq!(e.field(), "idempotency_key");
    }
    assert_eq!(
        IdempotencyKey::from_random([1, u64::MAX]).as_str(),
        "easy-checkout-0000000000000001ffffffffffffffff"
    );
}

/// A return URL is checked without parsing it into a URL type.
#[test]
fn create_session_input() {
    let create = |items, url| CreateSession::new(items, url);
    let item = |price, quantity| vec![LineItem::new(price, quantity)];
    let good = || create(item("price_1", 1), "https://example.com/r");
    for url in [
        "https://example.com/r",
        "HTTPS://EXAMPLE.COM/R",
        "http://localhost:3000/r?x=1#y",
        "https://[::1]:8080/r",
        "https://shop.example.com:443",
        "https://a.example/path/with%20escape",
    ] {
        assert!(
            config().build(&create(item("price_1", 1), url)).is_ok(),
            "{url:?}"
        );
    }
    let r = "https://example.com/r";
    let rows = [
        (create(vec![], r), "items"),
        (create(item("price_1", 0), r), "items.quantity"),
        (create(item(" ", 1), r), "items.price_id"),
        (good().with_extra("items", json!([])), "extra"),
        (good().with_extra("return_url", json!("x")), "extra"),
    ];
    for (op, field) in rows {
        assert_eq!(refused(&op), field);
    }
    for url in [
        "",
        "/relative",
        "example.com/r",
        "javascript:alert(1)",
        "ftp://example.com/r",
        "https://",
        "https:///r",
        "https://:80/r",
        "https://user@a.example/r",
        "https://user:pw@a.example",
        "https://a.example:99999/r",
        "https://a.example:/r",
        "https://a.example:8o/r",
        "https://a b.example/r",
        "https://a.example/r\n",
        "https://é.example/r",
        "https://[::1/r",
        "https://[]/r",
        "https://[::1]x/r",
    ] {
        let op = create(item("price_1", 1), url);
        assert_eq!(refused(&op), "return_url", "{url:?}");
    }
}

#[test]
fn create_session_input_in_the_reference_vocabulary() {
    let items = || vec![LineItem::new("price_1", 1)];
    let params = || ReferenceSession::new(items(), "https://example.com/ok?s={SESSION_ID}");
    let good = params()
        .with_cancel_url("https://example.com/cart")
        .with_customer_email("jane+1@example.com")
        .with_payment_methods(["card"]);
    assert!(config().build(&CreateSession::from(good)).is_ok());
    let (new, url) = (ReferenceSession::new, "https://example.com/ok");
    let item = |price, quantity| vec![LineItem::new(price, quantity)];
    let email = |email| params().with_customer_email(email);
    let methods = |methods: &[&str]| params().with_payment_methods(methods.to_vec());
    let cases: [(ReferenceSession, &str); 12] = [
        (new(vec![], url), "line_items"),
        (new(item("price_1", 0), url), "line_items.quantity"),
        (new(item("", 1), url), "line_items.price_id"),
        (new(items(), "/ok"), "success_url"),
        (new(items(), "https://a b"), "success_url"),
        (params().with_mode(" "), "mode"),
        (params().with_cancel_url("cart"), "cancel_url"),
        (email("jane"), "customer_email"),
        (email("jane doe@a.example"), "customer_email"),
        (email("@a.example"), "customer_email"),
        (methods(&[]), "payment_methods"),
        (methods(&["card", ""]), "payment_methods"),
    ];
    for (params, field) in cases {
        assert_eq!(refused(&CreateSession::from(params)), field);
    }
    // An extra field may not repeat a typed one of the vocabulary, even one left unset.
    for name in [
        "line_items",
        "mode",
        "success_url",
        "cancel_url",
        "customer_email",
    ] {
        let op = CreateSession::from(params()).with_extra(name, json!("x"));
        assert_eq!(refused(&op), "extra", "{name}");
    }
    // Another vocabulary's field name is the caller's to send.
    let mixed = CreateSession::from(params()).with_extra("return_url", json!("https://a.example"));
    assert!(config().build(&mixed).is_ok());
    assert_eq!(mixed.vocabulary(), Vocabulary::Reference);
}

#[test]
fn confirm_input_in_either_vocabulary() {
    let secret = || ClientSecret::new("ecs_secret_1").unwrap();
    let confirm = || Confirm::with_source(secret(), PaymentSource::card("tok_1"));
    let sdk = || Confirm::new(secret(), PaymentMethod::card("tok_1"));
    let details = CustomerDetails::new("Jane", "Doe", "jane@example.com");
    let with_details = confirm().with_customer_details(details);
    assert!(config().build(&with_details).is_ok());
    assert!(config().build(&confirm()).is_ok());
    let (mut no_type, mut clash) = (PaymentSource::card("tok_1"), PaymentSource::card("tok_1"));
    no_type.kind = " ".into();
    clash.extra.insert("tokenId".into(), json!("tok_2"));
    let mut no_method_type = PaymentMethod::card("tok_1");
    no_method_type.kind = " ".into();
    let details = |first, last, email| CustomerDetails::new(first, last, email);
    let rows = [
        (Confirm::with_source(secret(), no_type), "source.type"),
        (Confirm::with_source(secret(), clash), "extra"),
        (
            confirm().with_customer_details(details("", "Doe", "j@a.example")),
            "customer_details.first_name",
        ),
        (
            confirm().with_customer_details(details("Jane", " ", "j@a.example")),
            "customer_details.last_name",
        ),
        (
            confirm().with_customer_details(details("Jane", "Doe", "jane")),
            "customer_details.email",
        ),
        (confirm().with_extra("client_secret", json!({})), "extra"),
        (confirm().with_extra("source", json!({})), "extra"),
        (confirm().with_extra("customer_details", json!({})), "extra"),
        (
            Confirm::new(secret(), no_method_type),
            "payment_method.type",
        ),
        (sdk().with_extra("client_secret", json!("x")), "extra"),
        (sdk().with_extra("customer_details", json!({})), "extra"),
    ];
    for (op, field) in rows {
        assert_eq!(refused(&op), field);
    }
    assert_eq!(confirm().vocabulary(), Vocabulary::Reference);
    assert_eq!(sdk().vocabulary(), Vocabulary::Sdk);
    assert!(ClientSecret::new("").is_err());
}

#[test]
fn origins_must_be_origins() {
    for good in [
        vec!["https://a.example", "http://localhost:3000"],
        vec!["https://[::1]:8443", "http://127.0.0.1:3000"],
        vec![],
    ] {
        assert!(config().build(&UpdateConfig::new(good)).is_ok());
    }
    for bad in [
        "https://a.example/path",
        "a.example",
        "https://a.example/",
        "https://a.example?x",
    ] {
        assert_eq!(
            refused(&UpdateConfig::new([bad])),
            "allowed_origins",
            "{bad:?}"
        );
    }
    let secret = ClientSecret::new("ecs_secret_1").unwrap();
    let validate = Validate::new(secret).with_parent_origin("https://a.example/x");
    assert_eq!(refused(&validate), "parent_origin");
    let update = UpdateConfig::new(["https://a.example"]).with_extra("allowed_origins", json!([]));
    assert_eq!(refused(&update), "extra");
}

/// Key-authenticated calls need a key; validate and confirm do not, and never carry it.
#[test]
fn validate_and_confirm_never_carry_the_key_even_when_configured() {
    let keyless = Config::without_api_key(BaseUrl::parse("http://127.0.0.1:1").unwrap());
    let e = keyless
        .build(&easy_checkout_core::ops::GetConfig)
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { input, .. } if input.field() == "api_key"),
        "{e:?}"
    );
    let secret = ClientSecret::new("ecs_secret_1").unwrap();
    assert!(keyless.build(&Validate::new(secret.clone())).is_ok());
    let r = config().build(&Validate::new(secret.clone())).unwrap();
    assert!(r.headers().get("x-easy-api-key").is_none());
    let confirm = Confirm::new(secret, PaymentMethod::card("tok_1"));
    let r = config().build(&confirm).unwrap();
    assert!(r.headers().get("x-easy-api-key").is_none());
}
