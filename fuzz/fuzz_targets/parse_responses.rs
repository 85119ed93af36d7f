//! Every response parser, plus `RetryAfter::parse` and `RateLimit::from_headers`.
//!
//! Input layout: `[status hi][status lo][n][n bytes of header value][body …]`.
//! The status is `u16::from_be_bytes` of the first two bytes, used as is when it lies in
//! 100..=999 and folded into that range (`100 + s % 900`) otherwise. The header value is
//! sent as `Retry-After`, `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`
//! (when it is a legal header value at all). The rest is the body, handed to all eight
//! `Operation::parse` implementations.
//!
//! Asserted, besides "no panic":
//! * a non-2xx status gives `Error::Api` carrying that status, its kind, the raw body and
//!   the same `Retry-After` / rate-limit values the header parsers give on their own;
//! * a 2xx gives `Ok` or `Error::Decode` (status and raw body kept, reason free of body
//!   text), except `ValidateKey`, whose decode failures become an authentication `ApiError`;
//! * `Confirm` answers a 2xx with an empty/whitespace body with `Ok(null)`;
//! * `Display` and `Debug` of every result never panic;
//! * a parsed model's `extra` (the five models, and `KeyInfo` through `#[serde(flatten)]`)
//!   holds exactly the unknown fields a `serde_json::Map` of the same object holds, and its
//!   JSON text reads back to them.
#![no_main]

use std::fmt::Debug;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use easy_checkout_core::{Error, ErrorKind, RateLimit, RetryAfter};
use easy_checkout_core::http::header::RETRY_AFTER;
use easy_checkout_core::http::{HeaderMap, HeaderValue, StatusCode};
use easy_checkout_core::ops::{
    Confirm, CreateSession, CryptoStatus, GetConfig, RetrieveSession, UpdateConfig, Validate,
    ValidateKey,
};
use easy_checkout_core::models::Extra;
use easy_checkout_core::Operation;
use libfuzzer_sys::fuzz_target;

const RATE_LIMIT_HEADERS: [&str; 3] = ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"];

struct Expected {
    retry_after: Option<RetryAfter>,
    rate_limit: RateLimit,
}

fn check<O: Operation>(status: StatusCode, headers: &HeaderMap, body: &[u8], exp: &Expected) -> Result<O::Output, Error>
where
    O::Output: Debug,
{
    let result = O::parse(status, headers, body);
    match &result {
        Ok(v) => {
            let _ = format!("{v:?}");
        }
        Err(e) => {
            let _ = format!("{e} {e:?} {}", e.kind());
        }
    }
    let name = O::NAME;
    if !status.is_success() {
        let Err(Error::Api(e)) = &result else {
            panic!("{name}: status {status} did not give Error::Api: {result:?}");
        };
        assert_eq!(e.status, status, "{name}: status");
        assert_eq!(e.kind, ErrorKind::from_status(status), "{name}: kind");
        assert_eq!(e.raw_body, body, "{name}: raw_body");
        assert_eq!(e.retry_after, exp.retry_after, "{name}: retry_after");
        assert_eq!(e.rate_limit, exp.rate_limit, "{name}: rate_limit");
        let _ = e.raw_body_text();
    } else {
        match &result {
            Ok(_) => {}
            Err(Error::Decode(d)) if name != "validate_key" => {
                assert_eq!(d.status, status, "{name}: decode status");
                assert_eq!(d.raw_body, body, "{name}: decode raw_body");
                assert!(
                    [
                        "empty body where an object was expected",
                        "unreadable body at ",
                        "malformed JSON at ",
                        "JSON of the wrong shape at ",
                        "truncated JSON at ",
                    ]
                    .iter()
                    .any(|p| d.reason.starts_with(p))
                        && d.reason.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' '),
                    "{name}: decode reason may quote the body: {:?}",
                    d.reason
                );
            }
            Err(Error::Api(e)) if name == "validate_key" => {
                assert_eq!(e.kind, ErrorKind::Authentication, "{name}: kind");
                assert_eq!(e.status, status, "{name}: status");
                assert_eq!(e.raw_body, body, "{name}: raw_body");
            }
            Err(e) => panic!("{name}: 2xx status {status} gave an unexpected error: {e:?}"),
        }
    }
    result
}

/// The oracle for `extra`: the object (the `data` member, or the body itself) as a plain
/// map, minus the fields the model knows.
fn check_extra(name: &str, body: &[u8], extra: &Extra, known: &[&str]) {
    // The envelope's other members are skipped unread (invalid UTF-8 in them is not an
    // error), so a body the SDK accepts may still fail a full parse: no oracle then.
    let Ok(serde_json::Value::Object(mut root)) = serde_json::from_slice(body) else {
        return;
    };
    let mut object = match root.remove("data") {
        Some(serde_json::Value::Object(data)) => data,
        // Only `validate` takes a `null` (the API reference's answer): no field at all.
        Some(serde_json::Value::Null) if name == "validate" => serde_json::Map::new(),
        Some(other) => panic!("{name}: parsed, but data is {other:?}"),
        None => root,
    };
    for field in known {
        object.remove(*field);
    }
    assert_eq!(*extra, object, "{name}: extra");
}

fn exercise_retry_after(value: &str) {
    if let Some(ra) = RetryAfter::parse(value) {
        if let RetryAfter::Seconds(s) = ra {
            assert_eq!(value.trim().parse::<u64>().ok(), Some(s), "RetryAfter seconds");
        }
        let _ = ra.delay(UNIX_EPOCH);
        let _ = ra.delay(UNIX_EPOCH + Duration::from_secs(1_800_000_000));
        let _ = ra.delay(SystemTime::UNIX_EPOCH + Duration::from_secs(u32::MAX as u64 * 64));
        let _ = format!("{ra:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let raw = u16::from_be_bytes([data[0], data[1]]);
    let code = if (100..=999).contains(&raw) { raw } else { 100 + raw % 900 };
    let status = StatusCode::from_u16(code).expect("100..=999 is a valid status");
    let n = (data[2] as usize).min(data.len() - 3);
    let header = &data[3..3 + n];
    let body = &data[3 + n..];

    // The header parsers on their own, on any string.
    let header_text = String::from_utf8_lossy(header);
    exercise_retry_after(&header_text);
    exercise_retry_after(&String::from_utf8_lossy(body));

    let mut headers = HeaderMap::new();
    let mut exp = Expected { retry_after: None, rate_limit: RateLimit::default() };
    if let Ok(value) = HeaderValue::from_bytes(header) {
        headers.insert(RETRY_AFTER, value.clone());
        for name in RATE_LIMIT_HEADERS {
            headers.insert(name, value.clone());
        }
        let text = value.to_str().ok();
        exp.retry_after = text.and_then(RetryAfter::parse);
        let num = text.and_then(|v| v.trim().parse::<u64>().ok());
        exp.rate_limit = RateLimit { limit: num, remaining: num, reset: num };
    }
    assert_eq!(RetryAfter::from_headers(&headers), exp.retry_after, "RetryAfter::from_headers");
    assert_eq!(RateLimit::from_headers(&headers), exp.rate_limit, "RateLimit::from_headers");

    if let Ok(s) = check::<CreateSession>(status, &headers, body, &exp) {
        let known = [
            "id", "client_secret", "status", "expires_at", "return_url", "created_at", "updated_at",
            "url", "amount_total", "currency", "customer_email",
        ];
        check_extra("create_session", body, &s.extra, &known);
    }
    if let Ok(s) = check::<RetrieveSession>(status, &headers, body, &exp) {
        check_extra("retrieve_session", body, &s.extra, &["id", "status", "payment_status"]);
    }
    if let Ok(s) = check::<CryptoStatus>(status, &headers, body, &exp) {
        let known = ["status", "tx_signature", "payment_address", "chain", "asset", "amount"];
        check_extra("crypto_status", body, &s.extra, &known);
    }
    if let Ok(v) = check::<Validate>(status, &headers, body, &exp) {
        check_extra("validate", body, &v.extra, &["valid", "session", "success"]);
    }
    let confirmed = check::<Confirm>(status, &headers, body, &exp);
    if status.is_success() && body.iter().all(u8::is_ascii_whitespace) {
        assert!(
            matches!(confirmed, Ok(serde_json::Value::Null)),
            "confirm: empty 2xx body must be Ok(null), got {confirmed:?}"
        );
    }
    if let Ok(c) = check::<GetConfig>(status, &headers, body, &exp) {
        check_extra("get_config", body, &c.extra, &["allowed_origins", "updated_at"]);
    }
    let _ = check::<UpdateConfig>(status, &headers, body, &exp);
    if let Ok(k) = check::<ValidateKey>(status, &headers, body, &exp) {
        // `KeyInfo` keeps its unknown fields through `#[serde(flatten)]`, not the models' macro.
        check_extra("validate_key", body, &k.extra, &["basisTheoryPublicApiKey"]);
    }
});
