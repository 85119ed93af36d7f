//! Webhook verification: known-answer vectors and every failure code.

use easy_checkout_core::webhook::{self, EventType, WebhookError, WebhookSecret};

const BODY: &[u8] = br#"{"id":"evt_1","type":"checkout.session.completed","data":{"id":"ecs_1","payment_status":"succeeded"},"created_at":"2026-11-26T12:00:00Z"}"#;

fn secret() -> WebhookSecret {
    WebhookSecret::new("whsec_test_secret")
}

#[test]
fn rfc_4231_known_answers() {
    // RFC 4231 test cases 1 and 2 (HMAC-SHA-256).
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
}

#[test]
fn easy_event_known_answer() {
    // Computed independently: printf '%s' "$BODY" | openssl dgst -sha256 -hmac whsec_test_secret
    assert_eq!(
        webhook::sign(&secret(), BODY),
        "sha256=ce286083e57ca735a0bfcd6fcda5f82b11d097e3953698318708755cb18d16de"
    );
}

#[test]
fn a_good_signature_yields_the_event() {
    let event = webhook::verify(&secret(), Some(&webhook::sign(&secret(), BODY)), BODY).unwrap();
    assert_eq!(event.id, "evt_1");
    assert_eq!(event.kind, EventType::SessionCompleted);
    assert_eq!(event.data["payment_status"], "succeeded");
    assert_eq!(event.created_at.as_deref(), Some("2026-11-26T12:00:00Z"));
}

#[test]
fn crypto_and_unknown_event_types() {
    let body = br#"{"id":"evt_2","type":"checkout.session.crypto_confirmed","data":{}}"#;
    let e = webhook::verify(&secret(), Some(&webhook::sign(&secret(), body)), body).unwrap();
    assert_eq!(e.kind, EventType::CryptoConfirmed);
    let body = br#"{"id":"evt_3","type":"checkout.session.refunded","data":{},"livemode":true}"#;
    let e = webhook::verify(&secret(), Some(&webhook::sign(&secret(), body)), body).unwrap();
    assert_eq!(e.kind, EventType::Other("checkout.session.refunded".into()));
    assert_eq!(e.extra.get("livemode"), Some(serde_json::Value::Bool(true)));
}

#[test]
fn uppercase_hex_is_accepted() {
    let sig = webhook::sign(&secret(), BODY);
    let upper = format!("sha256={}", sig["sha256=".len()..].to_ascii_uppercase());
    assert!(webhook::verify(&secret(), Some(&upper), BODY).is_ok());
}

#[test]
fn missing_signature() {
    for header in [None, Some(""), Some("   ")] {
        assert_eq!(
            webhook::verify(&secret(), header, BODY).unwrap_err(),
            WebhookError::SignatureMissing
        );
    }
    assert_eq!(
        WebhookError::SignatureMissing.code(),
        "WEBHOOK_SIGNATURE_MISSING"
    );
}

#[test]
fn malformed_signatures() {
    let sig = webhook::sign(&secret(), BODY);
    let hex = &sig["sha256=".len()..];
    for bad in [
        hex.to_owned(),
        format!("sha1={hex}"),
        format!("SHA256={hex}"),
        "sha256=zz".into(),
        format!("sha256={}", &hex[..63]),
        format!("sha256={}", &hex[..62]),
        format!("sha256={hex}00"),
        "sha256=".into(),
    ] {
        let e = webhook::verify(&secret(), Some(&bad), BODY).unwrap_err();
        assert_eq!(e, WebhookError::SignatureFormatInvalid, "{bad}");
        assert_eq!(e.code(), "WEBHOOK_SIGNATURE_FORMAT_INVALID");
    }
}

#[test]
fn tampered_body_and_wrong_secret_mismatch() {
    let sig = webhook::sign(&secret(), BODY);
    let tampered = String::from_utf8(BODY.to_vec())
        .unwrap()
        .replace("succeeded", "SUCCEEDED");
    let e = webhook::verify(&secret(), Some(&sig), tampered.as_bytes()).unwrap_err();
    assert_eq!(
        (e, e.code()),
        (
            WebhookError::SignatureMismatch,
            "WEBHOOK_SIGNATURE_MISMATCH"
        )
    );
    assert_eq!(
        webhook::verify(&WebhookSecret::new("other"), Some(&sig), BODY).unwrap_err(),
        WebhookError::SignatureMismatch
    );
}

#[test]
fn a_reserialised_body_does_not_verify() {
    let sig = webhook::sign(&secret(), BODY);
    let value: serde_json::Value = serde_json::from_slice(BODY).unwrap();
    for reserialised in [
        serde_json::to_vec(&value).unwrap(),
        serde_json::to_vec_pretty(&value).unwrap(),
    ] {
        assert_ne!(reserialised, BODY);
        assert_eq!(
            webhook::verify(&secret(), Some(&sig), &reserialised).unwrap_err(),
            WebhookError::SignatureMismatch
        );
    }
}

#[test]
fn signed_garbage_is_invalid_json() {
    for body in [&b"not json"[..], b"{\"type\":\"x\"}", b"[]", b""] {
        let e =
            webhook::verify(&secret(), Some(&webhook::sign(&secret(), body)), body).unwrap_err();
        assert_eq!(
            (e, e.code()),
            (WebhookError::BodyInvalidJson, "WEBHOOK_BODY_INVALID_JSON")
        );
    }
}

#[test]
fn an_empty_secret_verifies_nothing() {
    let empty = WebhookSecret::new("");
    assert!(empty.is_empty());
    let forged = webhook::sign(&empty, BODY);
    assert_eq!(
        webhook::verify(&empty, Some(&forged), BODY).unwrap_err(),
        WebhookError::SignatureMismatch
    );
}
