//! Every model parsed from full, minimal, unknown-field, envelope-less and empty replies, and
//! every row of the API's error table.

use easy_checkout_core::http::{self, HeaderMap, HeaderValue, StatusCode};
use easy_checkout_core::ops::{
    Confirm, CreateSession, CryptoStatus, GetConfig, RetrieveSession, UpdateConfig, Validate,
    ValidateKey,
};
use easy_checkout_core::{
    Amount, Error, ErrorKind, Operation, PaymentStatus, RetryAfter, SessionState,
};
use serde_json::json;
use std::time::{Duration, SystemTime};

fn ok<O: Operation>(body: &str) -> Result<O::Output, Error> {
    O::parse(StatusCode::OK, &HeaderMap::new(), body.as_bytes())
}

fn status<O: Operation>(code: u16, body: &str) -> Error {
    let parsed = O::parse(
        StatusCode::from_u16(code).unwrap(),
        &HeaderMap::new(),
        body.as_bytes(),
    );
    parsed
        .err()
        .unwrap_or_else(|| panic!("status {code} parsed as success"))
}

#[test]
fn a_session_full_minimal_or_with_unknown_fields_and_statuses() {
    let s = ok::<CreateSession>(
        r#"{"data":{"id":"ecs_1","client_secret":"ecs_secret_1","status":"open","expires_at":"2026-01-01T00:30:00Z","return_url":"https://example.com/r","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:01Z"}}"#,
    )
    .unwrap();
    assert_eq!(s.id, "ecs_1");
    assert_eq!(s.client_secret.unwrap().expose_secret(), "ecs_secret_1");
    assert_eq!(s.status, Some(SessionState::Open));
    assert_eq!(s.expires_at.as_deref(), Some("2026-01-01T00:30:00Z"));
    assert_eq!(s.return_url.as_deref(), Some("https://example.com/r"));
    assert_eq!(s.created_at.as_deref(), Some("2026-01-01T00:00:00Z"));
    assert_eq!(s.updated_at.as_deref(), Some("2026-01-01T00:00:01Z"));
    assert!(s.extra.is_empty());
    let s = ok::<CreateSession>(r#"{"data":{"id":"ecs_1","client_secret":null,"status":null}}"#)
        .unwrap();
    assert_eq!(s.id, "ecs_1");
    assert!(s.client_secret.is_none() && s.status.is_none() && s.expires_at.is_none());
    let s = ok::<CreateSession>(
        r#"{"data":{"id":"ecs_1","status":"paused","livemode":false,"amount_subtotal":1999}}"#,
    )
    .unwrap();
    assert_eq!(s.status, Some(SessionState::Other("paused".into())));
    assert_eq!(s.extra.get("livemode"), Some(&json!(false)));
    assert_eq!(s.extra.get("amount_subtotal"), Some(&json!(1999)));
    // And survive a round trip through serde (what the CLI prints).
    let out = serde_json::to_value(&s).unwrap();
    assert_eq!(out["amount_subtotal"], json!(1999));
    assert_eq!(out["status"], json!("paused"));
}

/// With or without the `{"data"}` envelope (whose siblings are not session fields), and with
/// escaped keys matched like plain ones.
#[test]
fn a_session_status_full_minimal_unknown_and_enveloped_or_not() {
    let s = ok::<RetrieveSession>(
        r#"{"data":{"id":"ecs_1","status":"open","payment_status":"unpaid","amount":5}}"#,
    )
    .unwrap();
    assert_eq!(s.status, Some(SessionState::Open));
    assert_eq!(s.extra.get("amount"), Some(&json!(5)));
    let s = ok::<RetrieveSession>(r#"{"data":{"id":"ecs_1"}}"#).unwrap();
    assert!(s.status.is_none() && s.payment_status.is_none() && !s.is_paid());
    let s =
        ok::<RetrieveSession>(r#"{"id":"ecs_1","status":"complete","payment_status":"succeeded"}"#)
            .unwrap();
    assert_eq!(s.id, "ecs_1");
    assert!(s.is_paid());
    let s = ok::<RetrieveSession>(
        r#"{"success":true,"data":{"id":"ecs_1","payment_status":"unpaid"},"request_id":"req_1"}"#,
    )
    .unwrap();
    assert_eq!(s.payment_status, Some(PaymentStatus::Unpaid));
    assert!(
        s.extra.is_empty(),
        "envelope siblings are not session fields"
    );
    // `\u0069d` is `id`.
    let s = ok::<RetrieveSession>(r#"{"data":{"\u0069d":"ecs_1","x\"y":1}}"#).unwrap();
    assert_eq!(s.id, "ecs_1");
    assert_eq!(s.extra.get("x\"y"), Some(&json!(1)));
    let s = RetrieveSession::parse_response(&http::Response::new(
        br#"{"data":{"id":"ecs_1","status":"open"}}"#.to_vec(),
    ))
    .unwrap();
    assert!(s.extra.is_empty());
}

/// Fn pointers to read `body` as a 200 of each model.
fn read<O: Operation>(body: &str) -> Result<(), Error> {
    ok::<O>(body).map(drop)
}

/// A 2xx no model can be read from is a decode error with the status and raw body, never a
/// guess: not JSON, truncated, HTML, no id, duplicate or ill-typed keys, a wrong shape, an
/// empty body, `null` or `data: null` for a session or a config, a top-level array.
#[test]
fn malformed_replies_are_decode_errors() {
    let null =
        r#"{"success":true,"timestamp":"2026-01-01T00:00:00.000Z","message":"OK","data":null}"#;
    type Read = fn(&str) -> Result<(), Error>;
    let (create, config): (Read, Read) = (read::<CreateSession>, read::<GetConfig>);
    let (session, confirm): (Read, Read) = (read::<RetrieveSession>, read::<Confirm>);
    let validate: Read = read::<Validate>;
    let rows = [
        (create, r#"{"data":{"status":"open"}}"#),
        (
            config,
            r#"{"data":{"allowed_origins":[]},"data":{"allowed_origins":[]}}"#,
        ),
        (config, ""),
        (config, "  \n"),
        (
            config,
            r#"{"data":{"allowed_origins":"https://a.example"}}"#,
        ),
        (config, r#" [{"allowed_origins":["https://evil.example"]}]"#),
        (config, null),
        (session, null),
        (session, r#"{"data":{"id":"a","id":"b"}}"#),
        (
            session,
            r#"{"data":{"id":"a","status":"open","status":"open"}}"#,
        ),
        (session, r#"{"data":{"id":null}}"#),
        (session, r#"{"data":{"id":1}}"#),
        (session, r#"{"data":"ecs_1"}"#),
        (session, r#"{"data":{"id":"ecs_1","x":[1,}}"#),
        (session, r#"[{"id":"ecs_1","status":"open"}]"#),
        (session, "not json"),
        (session, r#"{"data":{"id":"ecs_1""#),
        (session, "<html><body>Bad gateway</body></html>"),
        (session, ""),
        (session, "[1,2]"),
        (session, "null"),
        (validate, r#"{"success":true,"data":"ok"}"#),
        (validate, r#"{"data":{"valid":"yes"}}"#),
        (confirm, "{not json"),
    ];
    for (read, body) in rows {
        let Err(Error::Decode(d)) = read(body) else {
            panic!("{body:?} read as no decode error")
        };
        assert_eq!(
            (d.raw_body.as_slice(), d.status),
            (body.as_bytes(), StatusCode::OK)
        );
    }
    let e = GetConfig::parse(StatusCode::NO_CONTENT, &HeaderMap::new(), b"").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    let leading_space = br#" {"data":{"allowed_origins":[]}}"#;
    assert!(GetConfig::parse(StatusCode::OK, &HeaderMap::new(), leading_space).is_ok());
}

/// Any JSON, enveloped or not, and nothing at all (a 204, an empty 200: `null`).
#[test]
fn confirm_returns_the_raw_payload() {
    let v = ok::<Confirm>(r#"{"data":{"id":"ecs_1","payment_id":"pay_1","nested":{"x":[1,2]}}}"#)
        .unwrap();
    assert_eq!(
        v,
        json!({"id":"ecs_1","payment_id":"pay_1","nested":{"x":[1,2]}})
    );
    for (body, payload) in [
        (r#"{"ok":true}"#, json!({"ok": true})),
        ("true", json!(true)),
        (r#""ok""#, json!("ok")),
        ("[1,2]", json!([1, 2])),
        (r#"{"data":null}"#, serde_json::Value::Null),
        ("", serde_json::Value::Null),
    ] {
        assert_eq!(ok::<Confirm>(body).unwrap(), payload, "{body}");
    }
    let v = Confirm::parse(StatusCode::NO_CONTENT, &HeaderMap::new(), b"").unwrap();
    assert_eq!(v, serde_json::Value::Null);
}

/// The public key, or without it an authentication failure (of the 200 it came in).
#[test]
fn validate_key_reads_the_public_key() {
    let k = ok::<ValidateKey>(r#"{"data":{"basisTheoryPublicApiKey":"key_pub_1"}}"#).unwrap();
    assert_eq!(k.basis_theory_public_api_key, "key_pub_1");
    let e = ok::<ValidateKey>(r#"{"data":{}}"#).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
    assert_eq!(e.as_api().unwrap().status, StatusCode::OK);
}

#[test]
fn a_session_in_the_reference_vocabulary() {
    let s = ok::<CreateSession>(
        r#"{"success":true,"timestamp":"2026-01-01T00:00:00.000Z","message":"Checkout session created","data":{"id":"ecs_1","client_secret":"ecs_secret_1","url":"https://checkout.example/ecs_1","amount_total":4999,"currency":"usd","status":"open","expires_at":"2026-01-01T00:30:00Z","customer_email":"jane@example.com","mode":"payment"}}"#,
    )
    .unwrap();
    assert_eq!(s.id, "ecs_1");
    assert_eq!(s.client_secret.unwrap().expose_secret(), "ecs_secret_1");
    assert_eq!(s.url.as_deref(), Some("https://checkout.example/ecs_1"));
    assert_eq!(s.amount_total, Some(4999));
    assert_eq!(s.currency.as_deref(), Some("usd"));
    assert_eq!(s.customer_email.as_deref(), Some("jane@example.com"));
    assert_eq!(s.status, Some(SessionState::Open));
    assert_eq!(s.expires_at.as_deref(), Some("2026-01-01T00:30:00Z"));
    assert!(s.return_url.is_none() && s.created_at.is_none());
    // Envelope members are not session fields; unknown session fields are.
    assert_eq!(s.extra.len(), 1);
    assert_eq!(s.extra.get("mode"), Some(&json!("payment")));
    // Both vocabularies at once, as a server in transition might answer.
    let s = ok::<CreateSession>(
        r#"{"data":{"id":"ecs_1","return_url":"https://a.example/r","url":"https://checkout.example/ecs_1","amount_total":0}}"#,
    )
    .unwrap();
    assert_eq!(s.return_url.as_deref(), Some("https://a.example/r"));
    assert_eq!((s.url.is_some(), s.amount_total), (true, Some(0)));
}

/// `amount_total` is integer cents: a float, a string, a negative or a number beyond 64 bits
/// is a decode error, never a rounded or guessed value.
#[test]
fn amount_total_is_an_integer_or_a_decode_error() {
    let total = |value: &str| {
        ok::<CreateSession>(&format!(
            r#"{{"data":{{"id":"ecs_1","amount_total":{value}}}}}"#
        ))
        .map(|s| s.amount_total)
    };
    assert_eq!(total("18446744073709551615").unwrap(), Some(u64::MAX));
    assert_eq!(total("null").unwrap(), None);
    for bad in [
        "18446744073709551616",
        "123456789012345678901234567890",
        "49.99",
        "4999.0",
        "5e3",
        "-1",
        r#""4999""#,
        "true",
    ] {
        assert_eq!(total(bad).unwrap_err().kind(), ErrorKind::Decode, "{bad}");
    }
}

#[test]
fn crypto_status_full_minimal_unknown_and_its_amount_a_string_or_an_integer() {
    let c = ok::<CryptoStatus>(r#"{"data":{"status":"confirmed","tx_signature":"5xSig","payment_address":"Addr1","chain":"solana","asset":"USDC","amount":"19.990000","block":42}}"#).unwrap();
    assert_eq!(c.amount, Some(Amount::Decimal("19.990000".into())));
    assert_eq!(c.chain.as_deref(), Some("solana"));
    assert_eq!(c.extra.get("block"), Some(&json!(42)));
    let c = ok::<CryptoStatus>(r#"{"data":{}}"#).unwrap();
    assert!(c.status.is_none() && c.tx_signature.is_none() && c.amount.is_none());

    // The SDK page's decimal string and the API reference's integer are both kept exactly,
    // in the form they came in; a float never is an amount.
    let amount = |value: &str| {
        ok::<CryptoStatus>(&format!(
            r#"{{"success":true,"data":{{"amount":{value}}}}}"#
        ))
        .map(|c| c.amount)
    };
    let decimal = amount(r#""19.990000""#).unwrap().unwrap();
    assert_eq!(
        (decimal.to_string(), decimal.as_u64()),
        ("19.990000".into(), None)
    );
    assert_eq!(serde_json::to_value(&decimal).unwrap(), json!("19.990000"));
    for (value, text) in [("1999", "1999"), ("0", "0"), ("-5", "-5")] {
        let integer = amount(value).unwrap().unwrap();
        assert!(matches!(integer, Amount::Integer(_)), "{value}");
        assert_eq!(integer.to_string(), text);
        assert_eq!(serde_json::to_string(&integer).unwrap(), text);
    }
    let max = amount("18446744073709551615").unwrap().unwrap();
    assert_eq!(max.as_u64(), Some(u64::MAX));
    assert_eq!(amount("null").unwrap(), None);
    // Without serde_json's `arbitrary_precision` (this build), a number beyond 64 bits
    // would be rounded: it is a decode error instead. (tests/arbitrary-precision keeps it.)
    for bad in [
        "19.99",
        "1999.0",
        "2e3",
        "1E400",
        "-0.0",
        "18446744073709551616",
        "123456789012345678901234567890",
        "-9223372036854775809",
        "true",
        "[1]",
        r#"{"value":1}"#,
    ] {
        assert_eq!(amount(bad).unwrap_err().kind(), ErrorKind::Decode, "{bad}");
    }
}

/// The API reference answers a valid secret with the envelope and `data: null`: valid, by
/// its `success`; `valid` wins whenever it is there.
#[test]
fn validate_in_the_reference_vocabulary() {
    for (body, valid) in [
        (
            r#"{"success":true,"timestamp":"t","message":"ok","data":null}"#,
            true,
        ),
        (
            r#"{"success":true,"data":{"session":{"id":"ecs_1"}}}"#,
            true,
        ),
        (r#"{"success":false,"data":null}"#, false),
        (r#"{"success":true,"data":{"valid":false}}"#, false),
        (r#"{"success":false,"data":{"valid":true}}"#, true),
        (r#"{"success":true}"#, true),
        (r#"{"data":null}"#, false),
        (r#"{"success":"yes","data":null}"#, false),
    ] {
        let v = ok::<Validate>(body).unwrap();
        assert_eq!(v.is_valid(), valid, "{body}");
        assert!(v.extra.is_empty(), "{body}: {v:?}");
    }
    let v = ok::<Validate>(r#"{"success":true,"data":null}"#).unwrap();
    assert_eq!((v.valid, v.success, v.session), (None, Some(true), None));
    let v = ok::<Validate>(
        r#"{"data":{"valid":true,"session":{"id":"ecs_1","status":"open"},"mode":"embedded"}}"#,
    )
    .unwrap();
    assert!(v.is_valid());
    assert_eq!(v.session.unwrap()["id"], json!("ecs_1"));
    assert_eq!(v.extra.get("mode"), Some(&json!("embedded")));
    assert!(!ok::<Validate>(r#"{"data":{}}"#).unwrap().is_valid());
}

/// The reference's envelope, `timestamp` and `message` included, is read around every
/// model as the SDK page's `{"data"}` is.
#[test]
fn the_reference_envelope_is_read_by_every_model() {
    let envelope = |data: &str| {
        format!(
            r#"{{"success":true,"timestamp":"2026-01-01T00:00:00.000Z","message":"OK","data":{data}}}"#
        )
    };
    let s = ok::<RetrieveSession>(&envelope(
        r#"{"id":"ecs_1","status":"complete","payment_status":"paid"}"#,
    ))
    .unwrap();
    assert!(s.is_paid() && s.extra.is_empty());
    let c = ok::<CryptoStatus>(&envelope(r#"{"status":"confirmed","amount":200}"#)).unwrap();
    assert_eq!(c.amount.and_then(|a| a.as_u64()), Some(200));
    let c = ok::<GetConfig>(&envelope(r#"{"allowed_origins":["https://a.example"]}"#)).unwrap();
    assert_eq!(c.allowed_origins.unwrap(), ["https://a.example"]);
    let k = ok::<ValidateKey>(&envelope(r#"{"basisTheoryPublicApiKey":"pk"}"#)).unwrap();
    assert_eq!(k.basis_theory_public_api_key, "pk");
    for (data, payload) in [
        ("null", json!(null)),
        (r#"{"id":"ecs_1"}"#, json!({"id": "ecs_1"})),
    ] {
        assert_eq!(ok::<Confirm>(&envelope(data)).unwrap(), payload);
    }
}

#[test]
fn config_full_minimal() {
    let c = ok::<UpdateConfig>(r#"{"data":{"allowed_origins":["https://a.example"],"updated_at":"2026-01-01T00:00:00Z","theme":"dark"}}"#).unwrap();
    assert_eq!(c.allowed_origins.unwrap(), ["https://a.example"]);
    assert_eq!(c.extra.get("theme"), Some(&json!("dark")));
    let c = ok::<GetConfig>(r#"{"data":{}}"#).unwrap();
    assert!(c.allowed_origins.is_none());
}

#[test]
fn every_row_of_the_error_table() {
    let envelope = r#"{"success":false,"error":{"code":"SOME_CODE","message":"Something went wrong","details":{"field":"items"}}}"#;
    let rows = [
        (400, ErrorKind::InvalidRequest, ErrorKind::InvalidRequest),
        (422, ErrorKind::InvalidRequest, ErrorKind::InvalidRequest),
        (401, ErrorKind::Authentication, ErrorKind::Authentication),
        (403, ErrorKind::Permission, ErrorKind::Permission),
        (404, ErrorKind::NotFound, ErrorKind::NotFound),
        (409, ErrorKind::Conflict, ErrorKind::Conflict),
        (429, ErrorKind::RateLimited, ErrorKind::RateLimited),
        (500, ErrorKind::Server, ErrorKind::Server),
        (502, ErrorKind::Server, ErrorKind::Server),
        (503, ErrorKind::Server, ErrorKind::Server),
        (599, ErrorKind::Server, ErrorKind::Server),
        (302, ErrorKind::Api, ErrorKind::Api),
        (402, ErrorKind::Api, ErrorKind::Api),
        (418, ErrorKind::Api, ErrorKind::Api),
    ];
    for (code, api_kind, kind) in rows {
        let e = status::<RetrieveSession>(code, envelope);
        assert_eq!(e.kind(), kind, "status {code}");
        let api = e.as_api().unwrap();
        assert_eq!(api.kind, api_kind);
        assert_eq!(api.status.as_u16(), code);
        assert_eq!(api.code.as_deref(), Some("SOME_CODE"));
        assert_eq!(api.message.as_deref(), Some("Something went wrong"));
        assert_eq!(api.details, Some(json!({"field": "items"})));
        assert_eq!(api.raw_body, envelope.as_bytes());
    }
}

#[test]
fn error_bodies_that_are_not_envelopes_keep_status_and_raw_body() {
    for body in [
        "<html>502 Bad Gateway</html>",
        "",
        r#"{"success":false,"error":{"code":"X""#,
        r#"{"message":"no envelope"}"#,
    ] {
        let e = status::<CreateSession>(502, body);
        let api = e.as_api().unwrap();
        assert_eq!(api.kind, ErrorKind::Server);
        assert_eq!(api.raw_body, body.as_bytes());
        assert!(api.code.is_none());
    }
}

#[test]
fn retry_after_seconds_and_http_date() {
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", HeaderValue::from_static("7"));
    headers.insert("ratelimit-limit", HeaderValue::from_static("100"));
    headers.insert("ratelimit-remaining", HeaderValue::from_static("0"));
    headers.insert("ratelimit-reset", HeaderValue::from_static("7"));
    let e = GetConfig::parse(StatusCode::TOO_MANY_REQUESTS, &headers, b"{}").unwrap_err();
    let api = e.as_api().unwrap();
    assert_eq!(api.retry_after, Some(RetryAfter::Seconds(7)));
    let limit = &api.rate_limit;
    let limit = (limit.limit, limit.remaining, limit.reset);
    assert_eq!(limit, (Some(100), Some(0), Some(7)));

    let date = HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT");
    headers.insert("retry-after", date);
    let e = GetConfig::parse(StatusCode::TOO_MANY_REQUESTS, &headers, b"").unwrap_err();
    let RetryAfter::Date(at) = e.as_api().unwrap().retry_after.unwrap() else {
        panic!("not a date")
    };
    let now = at - Duration::from_secs(90);
    assert_eq!(RetryAfter::Date(at).delay(now), Duration::from_secs(90));
    assert_eq!(
        RetryAfter::Date(at).delay(SystemTime::now()),
        Duration::ZERO,
        "a past date means no wait"
    );

    headers.insert("retry-after", HeaderValue::from_static("soon"));
    let e = GetConfig::parse(StatusCode::TOO_MANY_REQUESTS, &headers, b"").unwrap_err();
    assert_eq!(e.as_api().unwrap().retry_after, None);
}

#[test]
fn error_display_is_one_line() {
    let e = status::<RetrieveSession>(
        404,
        r#"{"success":false,"error":{"code":"SESSION_NOT_FOUND","message":"No such session"}}"#,
    );
    assert_eq!(
        e.to_string(),
        "not found (HTTP 404): SESSION_NOT_FOUND: No such session"
    );
    let e = ok::<RetrieveSession>("{").unwrap_err();
    assert_eq!(
        e.to_string(),
        "could not decode the HTTP 200 response body (1 bytes): truncated JSON at line 1 column 1"
    );
}
