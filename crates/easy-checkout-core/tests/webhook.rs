//! Webhook verification: known-answer vectors and every failure code.

use easy_checkout_core::http::{HeaderMap, HeaderName, HeaderValue, Request};
use easy_checkout_core::webhook::{self, EventTime, EventType, WebhookError, WebhookSecret};

const BODY: &[u8] = br#"{"id":"evt_1","type":"checkout.session.completed","data":{"id":"ecs_1","payment_status":"succeeded"},"created_at":"2026-11-26T12:00:00Z"}"#;

/// The hex digits of `BODY`'s signature under `secret()`, computed independently:
/// `printf '%s' "$BODY" | openssl dgst -sha256 -hmac whsec_test_secret`.
const SIG: &str = "ce286083e57ca735a0bfcd6fcda5f82b11d097e3953698318708755cb18d16de";

fn secret() -> WebhookSecret {
    WebhookSecret::new("whsec_test_secret")
}

#[test]
fn known_answers_rfc_4231_cases_1_and_2_and_an_easy_event() {
    let s1 = WebhookSecret::new(vec![0x0b; 20]);
    assert_eq!(
        webhook::sign(&s1, b"Hi There"),
        "sha256=b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    );
    let s2 = WebhookSecret::new("Jefe");
    assert_eq!(
        webhook::sign(&s2, b"what do ya want for nothing?"),
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!(webhook::sign(&secret(), BODY), format!("sha256={SIG}"));
}

#[test]
fn a_good_signature_yields_the_event_of_any_type() {
    let event = webhook::verify(&secret(), Some(&webhook::sign(&secret(), BODY)), BODY).unwrap();
    assert_eq!(event.id, "evt_1");
    assert_eq!(event.kind, EventType::SessionCompleted);
    assert_eq!(event.data["payment_status"], "succeeded");
    assert_eq!(event.created_at.as_deref(), Some("2026-11-26T12:00:00Z"));
    let body = br#"{"id":"evt_2","type":"checkout.session.crypto_confirmed","data":{}}"#;
    let e = webhook::verify(&secret(), Some(&webhook::sign(&secret(), body)), body).unwrap();
    assert_eq!(e.kind, EventType::CryptoConfirmed);
    let body = br#"{"id":"evt_3","type":"checkout.session.refunded","data":{},"livemode":true}"#;
    let e = webhook::verify(&secret(), Some(&webhook::sign(&secret(), body)), body).unwrap();
    assert_eq!(e.kind, EventType::Other("checkout.session.refunded".into()));
    assert_eq!(
        e.extra.get("livemode"),
        Some(&serde_json::Value::Bool(true))
    );
}

const MISSING: &str = "WEBHOOK_SIGNATURE_MISSING";
const FORMAT: &str = "WEBHOOK_SIGNATURE_FORMAT_INVALID";
const MISMATCH: &str = "WEBHOOK_SIGNATURE_MISMATCH";

/// Header → code under `secret()` over `BODY`, as the official Python client decides it
/// (`"OK"`: verified). Made by running easylabs 0.1.1's own `Webhooks.construct_event`
/// (its `webhooks.py`, imported without the package `__init__`, which needs httpx) on
/// CPython 3.11.7, one call per row, and printing its `InvalidRequestError.code`:
///
/// ```text
/// pkg = types.ModuleType("easylabs"); pkg.__path__ = [".../easylabs"]; sys.modules["easylabs"] = pkg
/// from easylabs.webhooks import Webhooks
/// Webhooks.construct_event(payload=BODY, signature=header, secret="whsec_test_secret")
/// ```
///
/// `bytes.fromhex` skips ASCII whitespace before each byte pair, so whitespace between pairs
/// (not inside one, and not Unicode whitespace) is accepted there and here.
fn python_vectors() -> Vec<(Option<String>, &'static str)> {
    let (s, ws) = (|h: String| Some(h), "\t\n\r\u{b}\u{c}");
    let spaced = (0..32).map(|i| &SIG[2 * i..2 * i + 2]).collect::<Vec<_>>();
    vec![
        (None, MISSING),
        (s(String::new()), MISSING),
        (s(" ".into()), FORMAT), // not empty, so not missing
        (s("\t".into()), FORMAT),
        (s("sha256".into()), FORMAT),    // no `=`
        (s("sha256=".into()), MISMATCH), // zero bytes
        (s("sha256=   ".into()), MISMATCH),
        (s("sha256=\t\n".into()), MISMATCH),
        (s(format!("sha256={SIG}")), "OK"),
        (s(format!("sha256={}", SIG.to_ascii_uppercase())), "OK"),
        (
            s("sha256=cE286083e57Ca735a0bFcD6FcDa5f82B11d097e3953698318708755Cb18D16dE".into()),
            "OK",
        ),
        (s(format!("SHA256={SIG}")), FORMAT), // the prefix is case-sensitive
        (s(format!("Sha256={SIG}")), FORMAT),
        (s(format!("sha1={SIG}")), FORMAT),
        (s(SIG.into()), FORMAT),
        (s(format!(" sha256={SIG}")), FORMAT),
        (s(format!("sha256 ={SIG}")), FORMAT),
        (s(format!("sha256={}", &SIG[..62])), MISMATCH), // 31 bytes
        (s(format!("sha256={}", &SIG[..63])), FORMAT),   // 63 digits
        (s(format!("sha256={SIG}00")), MISMATCH),        // 33 bytes
        (s(format!("sha256={SIG}0")), FORMAT),           // 65 digits
        (s(format!("sha256={}", "0".repeat(64))), MISMATCH),
        (s(format!("sha256={}f", &SIG[..63])), MISMATCH), // one digit off
        (s(format!("sha256={}g", &SIG[..63])), FORMAT),   // a non-hex letter
        (s("sha256=zz".into()), FORMAT),
        (s("sha256=0".into()), FORMAT),
        (s("sha256=00".into()), MISMATCH),
        (s(format!("sha256={}", spaced.join(" "))), "OK"),
        (
            s(format!("sha256=ce{ws}28{ws}60{ws}83{ws}{}", &SIG[8..])),
            "OK",
        ),
        (s(format!("sha256= {SIG}")), "OK"),
        (s(format!("sha256={SIG} ")), "OK"),
        (s(format!("sha256={SIG}\r\n")), "OK"),
        (s(format!("sha256=c {}", &SIG[1..])), FORMAT), // a space inside a byte pair
        (s(format!("sha256={} ", &SIG[..62])), MISMATCH),
        (s(format!("sha256={SIG} 00")), MISMATCH),
        (s(format!("sha256={SIG}\u{1c}")), FORMAT), // str.isspace, not bytes.fromhex
        (s(format!("sha256={SIG}\u{a0}")), FORMAT),
        (s(format!("sha256={SIG}\u{3000}")), FORMAT),
        (s(format!("sha256={}\u{663}\u{663}", &SIG[..62])), FORMAT), // Arabic-Indic digits
        (s(format!("sha256={}\u{ff10}\u{ff10}", &SIG[..62])), FORMAT), // full-width digits
        (s(format!("sha256={SIG}\u{0}")), FORMAT),
        (s(format!("sha256=0x{SIG}")), FORMAT),
        (s(format!("sha256=sha256={SIG}")), FORMAT),
        (s(format!("sha256={SIG},sha256={SIG}")), FORMAT),
    ]
}

/// The code of every row is its variant's, and a variant has one code.
#[test]
fn failure_codes_match_the_python_client_row_by_row() {
    for (header, expected) in python_vectors() {
        let got = match webhook::verify(&secret(), header.as_deref(), BODY) {
            Ok(event) => {
                assert_eq!(event.id, "evt_1");
                "OK"
            }
            Err(e) => e.code(),
        };
        assert_eq!(got, expected, "header {header:?}");
    }
    for (variant, code) in [
        (WebhookError::SignatureMissing, MISSING),
        (WebhookError::SignatureFormatInvalid, FORMAT),
        (WebhookError::SignatureMismatch, MISMATCH),
        (WebhookError::BodyInvalidJson, "WEBHOOK_BODY_INVALID_JSON"),
    ] {
        assert_eq!(variant.code(), code);
    }
    let spaces = webhook::verify(&secret(), Some("   "), BODY);
    assert_eq!(spaces, Err(WebhookError::SignatureFormatInvalid));
}

#[test]
fn a_very_long_hex_signature_is_a_mismatch_without_growing() {
    // Decoding counts the bytes past the 32 it keeps; it never allocates for them.
    let verdict =
        |digits: &str| webhook::verify(&secret(), Some(&format!("sha256={digits}")), BODY);
    let long = "ab".repeat(1 << 16);
    assert_eq!(verdict(&long), Err(WebhookError::SignatureMismatch));
    assert_eq!(
        verdict(&(long + "a")),
        Err(WebhookError::SignatureFormatInvalid)
    );
}

/// A tampered or reserialised body, or another secret, mismatches.
#[test]
fn a_changed_body_or_secret_mismatches() {
    let sig = webhook::sign(&secret(), BODY);
    let value: serde_json::Value = serde_json::from_slice(BODY).unwrap();
    let tampered = String::from_utf8(BODY.to_vec()).unwrap();
    for body in [
        tampered.replace("succeeded", "SUCCEEDED").into_bytes(),
        serde_json::to_vec(&value).unwrap(),
        serde_json::to_vec_pretty(&value).unwrap(),
    ] {
        assert_ne!(body, BODY);
        let verdict = webhook::verify(&secret(), Some(&sig), &body);
        assert_eq!(verdict, Err(WebhookError::SignatureMismatch));
    }
    let other = webhook::verify(&WebhookSecret::new("other"), Some(&sig), BODY);
    assert_eq!(other, Err(WebhookError::SignatureMismatch));
}

/// Stricter than Python, on purpose: it verifies what the empty key signed.
#[test]
fn an_empty_secret_verifies_nothing() {
    let empty = WebhookSecret::new("");
    assert!(empty.is_empty());
    let forged = webhook::sign(&empty, BODY);
    assert_eq!(
        webhook::verify(&empty, Some(&forged), BODY),
        Err(WebhookError::SignatureMismatch)
    );
}

/// Python agrees for a body that is not JSON; for JSON that is not an event (`{"type":"x"}`,
/// `[]`) it raises pydantic's `ValidationError`, which has no code: we say
/// `WEBHOOK_BODY_INVALID_JSON`.
#[test]
fn signed_garbage_is_invalid_json() {
    for body in [&b"not json"[..], b"{\"type\":\"x\"}", b"[]", b""] {
        let verdict = webhook::verify(&secret(), Some(&webhook::sign(&secret(), body)), body);
        assert_eq!(verdict, Err(WebhookError::BodyInvalidJson));
    }
}

// ---- deliveries: the headers of the webhook reference ----

/// An event as the webhook reference writes it: `created` and `api_version` beside the rest.
const REFERENCE_BODY: &[u8] = br#"{"id":"evt_ecs_1_completed","type":"checkout.session.completed","data":{"id":"ecs_1","status":"complete","payment_status":"paid","client_secret":"ecs_secret_in_the_event"},"created_at":"2026-11-26T12:00:00.000Z","created":1795694400,"api_version":"2026-05-01"}"#;

/// The headers of one delivery attempt: the signature of `body`, and `metadata` as given.
fn delivery_headers(body: &[u8], metadata: &[(&str, &[u8])]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    let signature = webhook::sign(&secret(), body);
    headers.insert(webhook::SIGNATURE_HEADER, signature.parse().unwrap());
    for (name, value) in metadata {
        let value = HeaderValue::from_bytes(value).unwrap();
        headers.append(HeaderName::from_bytes(name.as_bytes()).unwrap(), value);
    }
    headers
}

#[test]
fn a_delivery_yields_the_event_and_its_metadata_and_prints_no_secret() {
    let headers = delivery_headers(
        REFERENCE_BODY,
        &[
            (webhook::EVENT_HEADER, b"checkout.session.completed"),
            (
                webhook::DELIVERY_ID_HEADER,
                b"6f1c0a52-8e6b-4f0e-9d0a-3c4b5a6d7e8f",
            ),
            (webhook::ATTEMPT_HEADER, b"1"),
        ],
    );
    let delivery = webhook::verify_delivery(&secret(), &headers, REFERENCE_BODY).unwrap();
    assert_eq!(delivery.event.id, "evt_ecs_1_completed");
    assert_eq!(delivery.event.kind, EventType::SessionCompleted);
    assert_eq!(delivery.event.created, Some(EventTime::Unix(1_795_694_400)));
    assert_eq!(delivery.event.api_version.as_deref(), Some("2026-05-01"));
    assert!(delivery.event.extra.is_empty(), "{:?}", delivery.event);
    let event_type = delivery.event_type.as_deref();
    assert_eq!(event_type, Some("checkout.session.completed"));
    let id = delivery.delivery_id.as_deref();
    assert_eq!(id, Some("6f1c0a52-8e6b-4f0e-9d0a-3c4b5a6d7e8f"));
    assert_eq!(delivery.attempt, Some(1));
    // Neither the signing secret nor a client secret inside the event reaches `Debug`.
    let shown = format!("{delivery:?} {:?}", secret());
    assert!(
        shown.contains(&id.unwrap()[..8]) && shown.contains("[REDACTED]"),
        "{shown}"
    );
    for hidden in ["ecs_secret_in_the_event", "whsec_test_secret"] {
        assert!(!shown.contains(hidden), "{shown}");
    }
    // The same delivery as the `http::Request` a handler holds.
    let mut request = Request::new(REFERENCE_BODY.to_vec());
    *request.headers_mut() = headers;
    assert_eq!(
        webhook::verify_request(&secret(), &request),
        Ok(delivery.clone())
    );
    // A retry carries the same event under a new delivery id: the event id is the one to
    // deduplicate on.
    let metadata = [
        (webhook::DELIVERY_ID_HEADER, &b"dlv-b"[..]),
        (webhook::ATTEMPT_HEADER, b"2"),
    ];
    let headers = delivery_headers(REFERENCE_BODY, &metadata);
    let retry = webhook::verify_delivery(&secret(), &headers, REFERENCE_BODY).unwrap();
    assert_eq!(
        (retry.delivery_id.as_deref(), retry.attempt),
        (Some("dlv-b"), Some(2))
    );
    assert_eq!(retry.event, delivery.event);
}

/// The SDK page's deliveries carry only the signature; malformed metadata is reported as
/// absent. Neither fails a correctly signed delivery.
#[test]
fn missing_or_malformed_metadata_is_absent_never_an_error() {
    let bare = delivery_headers(BODY, &[]);
    let delivery = webhook::verify_delivery(&secret(), &bare, BODY).unwrap();
    assert_eq!(delivery.event.id, "evt_1");
    assert_eq!(
        (delivery.event_type, delivery.delivery_id, delivery.attempt),
        (None, None, None)
    );
    assert_eq!(
        (delivery.event.created, delivery.event.api_version),
        (None, None)
    );
    for attempt in [
        &b"0"[..],
        b"x",
        b"-1",
        b"+2",
        b"1.0",
        b"99999999999",
        b"",
        b"\xff",
    ] {
        let metadata = [
            (webhook::ATTEMPT_HEADER, attempt),
            (webhook::DELIVERY_ID_HEADER, b"  "),
            (webhook::EVENT_HEADER, b"\xfe\xff"),
        ];
        let headers = delivery_headers(BODY, &metadata);
        let delivery = webhook::verify_delivery(&secret(), &headers, BODY).unwrap();
        assert_eq!(delivery.attempt, None, "{attempt:?}");
        assert_eq!((delivery.delivery_id, delivery.event_type), (None, None));
    }
    let padded = delivery_headers(BODY, &[(webhook::ATTEMPT_HEADER, b" 3 ")]);
    let delivery = webhook::verify_delivery(&secret(), &padded, BODY).unwrap();
    assert_eq!(delivery.attempt, Some(3));
}

/// The signature header is judged as `verify` judges it; one that is not text cannot be
/// `sha256=<hex>`. Metadata never rescues a bad signature.
#[test]
fn a_delivery_with_a_bad_signature_is_refused_by_its_code() {
    let metadata = [(webhook::DELIVERY_ID_HEADER, &b"dlv-1"[..])];
    let mut headers = delivery_headers(BODY, &metadata);
    headers.remove(webhook::SIGNATURE_HEADER);
    let verdict = webhook::verify_delivery(&secret(), &headers, BODY);
    assert_eq!(verdict, Err(WebhookError::SignatureMissing));
    let binary = HeaderValue::from_bytes(b"sha256=\xff").unwrap();
    headers.insert(webhook::SIGNATURE_HEADER, binary);
    let verdict = webhook::verify_delivery(&secret(), &headers, BODY);
    assert_eq!(verdict, Err(WebhookError::SignatureFormatInvalid));
    let headers = delivery_headers(BODY, &metadata);
    let verdict = webhook::verify_delivery(&WebhookSecret::new("whsec_other"), &headers, BODY);
    assert_eq!(verdict, Err(WebhookError::SignatureMismatch));
    let mut tampered = BODY.to_vec();
    tampered.push(b' ');
    let verdict = webhook::verify_delivery(&secret(), &headers, &tampered);
    assert_eq!(verdict, Err(WebhookError::SignatureMismatch));
}

/// The shape of an optional field never refuses a correctly signed event (refused, the
/// delivery would be retried, given up, and the order never fulfilled): `created` is kept as
/// sent, `created_at` and `api_version` read a number as its digits.
#[test]
fn an_optional_fields_shape_never_refuses_a_signed_event() {
    let event = |fields: &str| {
        let body = format!(r#"{{"id":"evt_1","type":"x","data":{{}},{fields}}}"#);
        let headers = delivery_headers(body.as_bytes(), &[]);
        webhook::verify_delivery(&secret(), &headers, body.as_bytes()).map(|d| d.event)
    };
    let created = |value: &str| event(&format!(r#""created":{value}"#)).map(|e| e.created);
    assert_eq!(
        created("1795694400"),
        Ok(Some(EventTime::Unix(1_795_694_400)))
    );
    assert_eq!(created("-1"), Ok(Some(EventTime::Unix(-1))));
    let text = EventTime::Text("2026-11-26T12:00:00Z".into());
    assert_eq!(created(r#""2026-11-26T12:00:00Z""#), Ok(Some(text)));
    assert_eq!(created("null"), Ok(None));
    for other in ["1795694400.5", "true", "{}"] {
        let kept = EventTime::Other(serde_json::from_str(other).unwrap());
        assert_eq!(created(other), Ok(Some(kept)), "{other}");
    }
    let beyond = created("9223372036854775808").unwrap();
    assert!(
        matches!(beyond, Some(EventTime::Other(serde_json::Value::Number(_)))),
        "{beyond:?}"
    );

    let e = event(r#""created_at":1767225600,"api_version":20260501"#).unwrap();
    assert_eq!(e.created_at.as_deref(), Some("1767225600"));
    assert_eq!(e.api_version.as_deref(), Some("20260501"));
    let e = event(r#""created_at":{},"api_version":false"#).unwrap();
    assert_eq!((e.created_at, e.api_version), (None, None));
    // Only what identifies an event is required.
    for broken in [r#""id":1,"type":"x""#, r#""id":"evt_1""#] {
        let body = format!("{{{broken}}}");
        let headers = delivery_headers(body.as_bytes(), &[]);
        let verdict = webhook::verify_delivery(&secret(), &headers, body.as_bytes());
        assert_eq!(
            verdict.map(|d| d.event.id),
            Err(WebhookError::BodyInvalidJson),
            "{broken}"
        );
    }
}
