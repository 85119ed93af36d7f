//! The API key and client secrets never appear in `Debug`, `Display`, error messages or
//! snapshots.

use easy_checkout_core::http::{HeaderMap, StatusCode};
use easy_checkout_core::ops::{
    Confirm, CreateSession, CustomerDetails, PaymentMethod, PaymentSource, RetrieveSession,
    Validate,
};
use easy_checkout_core::webhook::WebhookSecret;
use easy_checkout_core::{ApiKey, BaseUrl, ClientSecret, Config, Error, Operation, snapshot};

const KEY: &str = "sk_live_VERYSECRETKEY0001";
const SECRET: &str = "ecs_secret_VERYSECRET0002";

fn assert_clean(text: &str) {
    assert!(!text.contains(KEY), "API key leaked: {text}");
    assert!(!text.contains(SECRET), "client secret leaked: {text}");
    assert!(
        !text.contains("VERYSECRET"),
        "secret fragment leaked: {text}"
    );
}

#[test]
fn secrets_and_the_config_print_redacted() {
    let key: ApiKey = KEY.parse().unwrap();
    assert_eq!(format!("{key:?}"), "ApiKey([REDACTED])");
    assert_eq!(key.to_string(), "[REDACTED]");
    assert_eq!(key.expose_secret(), KEY);
    let secret = ClientSecret::new(SECRET).unwrap();
    assert_eq!(format!("{secret:?}"), "ClientSecret([REDACTED])");
    assert_eq!(format!("{secret:#?}"), "ClientSecret([REDACTED])");
    assert_eq!(secret.to_string(), "[REDACTED]");
    let s = WebhookSecret::new("whsec_VERYSECRET");
    let config = Config::new(KEY.parse().unwrap());
    assert_clean(&format!("{s:?} {s} {config:?} {config:#?}"));
}

/// A parsed model keeps the secrets it was sent, nested or under any spelling, and never
/// prints them.
#[test]
fn parsed_models_keep_their_secrets_out_of_debug() {
    let body = format!(
        r#"{{"data":{{"id":"ecs_1","client_secret":"{SECRET}","Client-Secret":"{SECRET}"}}}}"#
    );
    let s = CreateSession::parse(StatusCode::OK, &HeaderMap::new(), body.as_bytes()).unwrap();
    let shown = format!("{s:?} {s:#?}");
    assert_clean(&shown);
    assert!(
        shown.starts_with("Session ") && shown.contains("ecs_1"),
        "{shown}"
    );
    assert_eq!(s.client_secret.unwrap().expose_secret(), SECRET);
    let body = format!(
        r#"{{"data":{{"valid":true,"session":{{"id":"ecs_1","client_secret":"{SECRET}"}},"extra":{{"clientSecret":"{SECRET}"}}}}}}"#
    );
    let v = Validate::parse(StatusCode::OK, &HeaderMap::new(), body.as_bytes()).unwrap();
    assert_clean(&format!("{v:?} {v:#?}"));
    let session = v.session.as_ref().unwrap();
    assert_eq!(
        session["client_secret"], SECRET,
        "the data itself is intact"
    );
}

/// Neither a decode error (serde_json's own message would quote the body), an API error (a
/// proxy echoing the request, or details quoting it) nor invalid input quotes a secret; the
/// API error keeps its body and details for whoever asks.
#[test]
fn errors_never_quote_a_secret() {
    let parse = |status, body: String| {
        let e = Confirm::parse(status, &HeaderMap::new(), body.as_bytes()).unwrap_err();
        assert_clean(&format!("{e} {e:?}"));
        (e, body)
    };
    for body in [
        format!(r#"{{"data":{{"id":"ecs_1","expires_at":{{"x":"{SECRET}"}},"client_secret":7}}}}"#),
        format!(r#"{{"data":{{"id":"ecs_1","status":["{SECRET}"]}}}}"#),
    ] {
        let e = CreateSession::parse(StatusCode::OK, &HeaderMap::new(), body.as_bytes());
        let e = e.unwrap_err();
        assert!(matches!(e, Error::Decode(_)));
        assert_clean(&format!("{e} {e:?}"));
    }
    let echo = format!(r#"<html>bad request: {{"client_secret":"{SECRET}"}}</html>"#);
    let (e, body) = parse(StatusCode::BAD_GATEWAY, echo);
    assert_eq!(e.as_api().unwrap().raw_body, body.as_bytes());
    let details = format!(
        r#"{{"success":false,"error":{{"code":"BAD","message":"bad","details":{{"received":{{"client_secret":"{SECRET}"}}}}}}}}"#
    );
    let (e, _) = parse(StatusCode::BAD_REQUEST, details);
    let details = e.as_api().unwrap().details.as_ref().unwrap();
    assert_eq!(
        details["received"]["client_secret"], SECRET,
        "kept for the caller"
    );
    for bad in [
        " ",
        "sk live with spaces VERYSECRET",
        "sk_test_\u{7f}VERYSECRET",
    ] {
        let e = ApiKey::new(bad).unwrap_err();
        assert_clean(&format!("{e} {e:?}"));
    }
    let e = Config::from_values(Some("sk_test_ VERYSECRET"), None).unwrap_err();
    assert_clean(&format!("{e} {e:?}"));
}

#[test]
fn built_requests_debug_hides_the_key_header() {
    let config = Config::new(KEY.parse().unwrap());
    let request = config.build(&RetrieveSession::new("ecs_1").unwrap());
    let request = request.unwrap();
    let header = &request.headers()["x-easy-api-key"];
    assert_eq!(header, KEY, "the header carries the key");
    assert!(header.is_sensitive());
    assert_clean(&format!("{request:?}"));
}

#[test]
fn parameter_debug_hides_client_secrets() {
    let validate =
        Validate::new(ClientSecret::new(SECRET).unwrap()).with_parent_origin("https://a.example");
    let confirm = Confirm::new(
        ClientSecret::new(SECRET).unwrap(),
        PaymentMethod::card("tok_1"),
    );
    assert_clean(&format!("{validate:?} {confirm:?} {confirm:#?}"));
    let reference = Confirm::with_source(
        ClientSecret::new(SECRET).unwrap(),
        PaymentSource::card("tok_1"),
    )
    .with_customer_details(CustomerDetails::new("Jane", "Doe", "jane@example.com"));
    assert_clean(&format!("{reference:?} {reference:#?}"));
}

#[test]
fn snapshots_redact_keys_and_secrets_even_with_a_key_configured() {
    let config = Config::new(KEY.parse().unwrap())
        .with_base_url(BaseUrl::parse("http://localhost:1").unwrap());
    let confirm = Confirm::new(
        ClientSecret::new(SECRET).unwrap(),
        PaymentMethod::card("tok_1"),
    )
    .with_extra(
        "nested",
        serde_json::json!({"client_secret": SECRET, "list": [{"client_secret": SECRET}]}),
    );
    let text = snapshot::render(&config.build(&confirm).unwrap());
    assert_clean(&text);
    assert_eq!(text.matches("[REDACTED]").count(), 3);
}

#[test]
fn webhook_events_redact_secrets_in_data_and_extra() {
    use easy_checkout_core::webhook;
    let secret = WebhookSecret::new("whsec_test");
    let body = format!(
        r#"{{"id":"evt_1","type":"checkout.session.completed","data":{{"id":"ecs_1","client_secret":"{SECRET}","nested":[{{"clientSecret":"{SECRET}"}}]}},"extra_secret":{{"client_secret":"{SECRET}"}}}}"#
    );
    let signature = webhook::sign(&secret, body.as_bytes());
    let event = webhook::verify(&secret, Some(&signature), body.as_bytes()).unwrap();
    let shown = format!("{event:?} {event:#?}");
    assert_clean(&shown);
    assert!(
        shown.starts_with("WebhookEvent ") && shown.contains("ecs_1") && shown.contains("evt_1"),
        "{shown}"
    );
    assert_eq!(
        event.data["client_secret"], SECRET,
        "the data itself is intact"
    );
}

#[test]
fn snapshot_redaction_ignores_case_and_separators() {
    for key in [
        "client_secret",
        "clientSecret",
        "Client-Secret",
        "CLIENT_SECRET",
        "api_key",
        "apiKey",
        "x-easy-api-key",
    ] {
        assert!(easy_checkout_core::redact::is_secret_key(key), "{key}");
    }
    for key in ["client", "secret_santa", "id", "session"] {
        assert!(!easy_checkout_core::redact::is_secret_key(key), "{key}");
    }
}

/// A server (or a proxy) that quotes the call's own secrets back in its error: the call's
/// error, in every form it can be printed or read, holds neither.
#[test]
fn a_call_never_returns_the_secrets_it_sent_quoted_back() {
    use easy_checkout_core::call::{Call, Machine, Now, Step};
    use easy_checkout_core::http::Response;
    use easy_checkout_core::ops::ValidateKey;
    use easy_checkout_core::{RetryPolicy, redact::REDACTED};
    use std::time::{Duration, SystemTime};

    fn ended_with<O: Operation>(op: &O, config: &Config, echo: &str) -> Error {
        let reply = Response::builder()
            .status(401)
            .body(echo.as_bytes().to_vec());
        let now = Now::new(SystemTime::UNIX_EPOCH, Duration::ZERO);
        let mut call = Call::new(config, op, RetryPolicy::never(), || 1);
        let Step::Send(_) = call.next() else {
            panic!("no request")
        };
        let Step::Done(Err(e)) = call.handle(Ok(reply.unwrap()), now) else {
            panic!("no error")
        };
        e
    }
    let config = Config::new(KEY.parse().unwrap());
    let confirm = Confirm::new(
        ClientSecret::new(SECRET).unwrap(),
        PaymentMethod::card("tok_visa"),
    );
    // The key's call knows the key; the confirm's knows the key and the client secret.
    let key_echo = format!(
        r#"{{"error":{{"code":"INVALID {KEY}","message":"key {KEY} or secret {KEY} is invalid","details":{{"x":"{KEY}","{KEY}":["{KEY}"]}}}}}}"#
    );
    let both_echo = key_echo.replacen(KEY, SECRET, 3);
    // Any key held for an explicit base URL (a proxy's, a fake's), quoted back as a JSON
    // string carries it: `"` and `\` escaped, and `/` as `\/` (PHP's default).
    let other_key = r#"proxy/key_VERYSECRET"3\"#;
    let other =
        Config::for_base_url(BaseUrl::parse("http://127.0.0.1:1").unwrap(), other_key).unwrap();
    let escaped = r#"proxy\/key_VERYSECRET\"3\\"#;
    let other_echo = format!(
        r#"{{"error":{{"code":"INVALID {escaped}","message":"key {escaped} or secret {escaped} is invalid","details":{{"x":"{escaped}"}}}},"again":"{}"}}"#,
        escaped.replace(r"\/", "/")
    );
    let errors = [
        ended_with(&ValidateKey, &config, &key_echo),
        ended_with(&confirm, &config, &both_echo),
        ended_with(&ValidateKey, &other, &other_echo),
    ];
    for e in errors {
        let api = e.as_api().expect("an API error");
        let shown = format!(
            "{e} {e:?} {e:#?} {} {:?} {:?} {}",
            easy_checkout_core::error::report(&e),
            api.code,
            api.details,
            api.raw_body_text()
        );
        assert_clean(&shown);
        assert_eq!(
            api.message.as_deref(),
            Some(format!("key {REDACTED} or secret {REDACTED} is invalid").as_str())
        );
        assert!(
            api.raw_body_text().contains(r#""x":"[REDACTED]""#),
            "{}",
            api.raw_body_text()
        );
    }
}
