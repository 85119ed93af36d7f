//! Properties over arbitrary input: ids never leave their path segment, parsers never panic,
//! webhook verification never panics and never accepts a signature it did not make.

use easy_checkout_core::http::{HeaderMap, HeaderValue, StatusCode};
use easy_checkout_core::ops::{
    Confirm, CreateSession, CryptoStatus, GetConfig, RetrieveSession, UpdateConfig, Validate,
    ValidateKey,
};
use easy_checkout_core::webhook::{self, WebhookSecret};
use easy_checkout_core::{Config, ErrorKind, Operation, SessionId, Terminal};
use proptest::prelude::*;

fn config() -> Config {
    Config::new("sk_test_prop".parse().unwrap())
}

/// Resolves dot segments the way a server or proxy would (RFC 3986 §5.2.4), after
/// percent-decoding nothing: `%2F` stays inside its segment.
fn normalized_segments(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for seg in path.split('/').skip(1) {
        match seg {
            "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out
}

fn check_one_segment(id: &str, suffix: &[&str]) -> Result<(), TestCaseError> {
    let Ok(sid) = SessionId::new(id) else {
        prop_assert!(["", ".", "..", "config", "validate", "confirm"].contains(&id));
        return Ok(());
    };
    let request = if suffix.is_empty() {
        config().build(&RetrieveSession { id: sid.clone() })
    } else {
        config().build(&CryptoStatus { id: sid.clone() })
    }
    .unwrap();
    let uri = request.uri();
    prop_assert!(uri.query().is_none(), "query escaped: {uri}");
    prop_assert_eq!(uri.host(), Some("sandbox-api.itseasy.co"));
    let segments = normalized_segments(uri.path());
    let mut expected = vec!["v1", "api", "embedded-checkout", sid.as_path_segment()];
    expected.extend_from_slice(suffix);
    prop_assert_eq!(segments, expected);
    // The segment decodes back to exactly the id.
    let decoded = percent_decode(sid.as_path_segment());
    prop_assert_eq!(decoded.as_deref(), Some(id));
    Ok(())
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn parse_all(status: StatusCode, headers: &HeaderMap, body: &[u8]) {
    let _ = CreateSession::parse(status, headers, body);
    let _ = RetrieveSession::parse(status, headers, body);
    let _ = CryptoStatus::parse(status, headers, body);
    let _ = Validate::parse(status, headers, body);
    let _ = Confirm::parse(status, headers, body);
    let _ = GetConfig::parse(status, headers, body);
    let _ = UpdateConfig::parse(status, headers, body);
    let _ = ValidateKey::parse(status, headers, body);
}

/// A session reply in the SDK page's vocabulary, the API reference's, or any mix of the two,
/// with misleading neighbours (`paid: true`, `status: "paid"`, a `success` envelope), and the
/// `payment_status` it carries, if a string.
fn mixed_session_reply() -> impl Strategy<Value = (String, Option<&'static str>)> {
    let status = proptest::option::of(prop::sample::select(vec![
        "\"open\"",
        "\"complete\"",
        "\"expired\"",
        "\"paid\"",
        "\"succeeded\"",
        "\"paused\"",
        "null",
        "1",
        "true",
    ]));
    let payment = proptest::option::of(prop::sample::select(vec![
        "\"succeeded\"",
        "\"paid\"",
        "\"unpaid\"",
        "\"pending\"",
        "\"processing\"",
        "\"failed\"",
        "\"PAID\"",
        "\"Succeeded\"",
        "\"complete\"",
        "\"\"",
        "null",
        "true",
    ]));
    let misleading = proptest::collection::vec(
        prop::sample::select(vec![
            r#""paid":true"#,
            r#""outcome":"paid""#,
            r#""is_paid":true"#,
            r#""payment":{"status":"succeeded"}"#,
            r#""amount_total":4999"#,
            r#""amount_total":49.99"#,
            r#""url":"https://checkout.example/ecs_1""#,
            r#""success":true"#,
            r#""valid":true"#,
        ]),
        0..4,
    );
    let envelope = 0u8..4;
    (status, payment, misleading, envelope).prop_map(|(status, payment, misleading, envelope)| {
        let mut fields = vec![r#""id":"ecs_1""#.to_owned()];
        fields.extend(status.map(|s| format!(r#""status":{s}"#)));
        fields.extend(payment.map(|p| format!(r#""payment_status":{p}"#)));
        let mut seen = Vec::new();
        for field in misleading {
            if !seen.contains(&field) {
                seen.push(field);
                fields.push(field.to_owned());
            }
        }
        let object = format!("{{{}}}", fields.join(","));
        let body = match envelope {
            0 => object,
            1 => format!(r#"{{"data":{object}}}"#),
            2 => format!(r#"{{"success":true,"timestamp":"2026-01-01T00:00:00Z","message":"OK","data":{object}}}"#),
            _ => format!(r#"{{"success":false,"message":"paid","data":{object}}}"#),
        };
        let said = payment.and_then(|p| p.strip_prefix('"')?.strip_suffix('"'));
        (body, said)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_id_is_rejected_or_stays_one_segment(id in any::<String>()) {
        check_one_segment(&id, &[])?;
        check_one_segment(&id, &["crypto-status"])?;
    }

    #[test]
    fn path_like_ids_stay_one_segment(id in "[./%?#a-z0-9;:@&=+$,\\\\ ]{0,12}|config|validate|confirm") {
        check_one_segment(&id, &[])?;
    }

    #[test]
    fn parsing_arbitrary_bytes_never_panics(status in 100u16..1000, body in proptest::collection::vec(any::<u8>(), 0..512), retry_after in any::<String>()) {
        let status = StatusCode::from_u16(status).unwrap();
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&retry_after) {
            headers.insert("retry-after", v.clone());
            headers.insert("ratelimit-remaining", v);
        }
        parse_all(status, &headers, &body);
    }

    #[test]
    fn parsing_json_shaped_bytes_never_panics(status in prop_oneof![Just(200u16), Just(201), Just(204), Just(400), Just(429), Just(503)], body in json_like()) {
        parse_all(StatusCode::from_u16(status).unwrap(), &HeaderMap::new(), body.as_bytes());
    }

    #[test]
    fn webhook_verify_never_panics_and_rejects_foreign_signatures(body in proptest::collection::vec(any::<u8>(), 0..256), header in proptest::option::of(any::<String>())) {
        let secret = WebhookSecret::new("whsec_prop");
        let result = webhook::verify(&secret, header.as_deref(), &body);
        if result.is_ok() {
            // Only the real signature of these bytes may pass, in any letter case and with
            // ASCII whitespace between its byte pairs (as Python's `bytes.fromhex` reads it).
            let expected = webhook::sign(&secret, &body);
            let header = header.unwrap();
            let digits = header.strip_prefix("sha256=").expect("the prefix, exactly");
            let digits: String = digits.chars().filter(|c| !matches!(c, ' ' | '\t'..='\r')).collect();
            prop_assert!(digits.eq_ignore_ascii_case(&expected["sha256=".len()..]));
        }
    }

    #[test]
    fn webhook_signed_bodies_verify_and_any_flipped_byte_fails(body in proptest::collection::vec(any::<u8>(), 1..256), flip in any::<prop::sample::Index>()) {
        let secret = WebhookSecret::new("whsec_prop");
        let header = webhook::sign(&secret, &body);
        let verdict = webhook::verify(&secret, Some(&header), &body);
        // A correct signature never fails on the signature; only the JSON can be wrong.
        prop_assert!(matches!(verdict, Ok(_) | Err(webhook::WebhookError::BodyInvalidJson)));
        let mut tampered = body.clone();
        let i = flip.index(tampered.len());
        tampered[i] ^= 0x01;
        prop_assert_eq!(webhook::verify(&secret, Some(&header), &tampered).unwrap_err(), webhook::WebhookError::SignatureMismatch);
    }

    /// Whatever mix of vocabularies a reply speaks, it is paid exactly when its
    /// `payment_status` is `succeeded` or `paid`, and the wait's decision agrees.
    #[test]
    fn a_mixed_reply_is_paid_only_when_a_payment_status_says_so((body, said) in mixed_session_reply()) {
        parse_all(StatusCode::OK, &HeaderMap::new(), body.as_bytes());
        match RetrieveSession::parse(StatusCode::OK, &HeaderMap::new(), body.as_bytes()) {
            Ok(status) => {
                let paid = matches!(said, Some("succeeded" | "paid"));
                prop_assert_eq!(status.is_paid(), paid, "{}", body);
                prop_assert_eq!(status.terminal() == Some(Terminal::Paid), paid, "{}", body);
            }
            // Only a status or payment status that is not a string makes the reply undecodable.
            Err(e) => {
                prop_assert_eq!(e.kind(), ErrorKind::Decode);
                let odd = [r#"status":1"#, r#"status":true"#];
                prop_assert!(odd.iter().any(|o| body.contains(o)), "{}", body);
            }
        }
    }
}

fn json_like() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "[a-z_]{0,8}".prop_map(|s| format!("\"{s}\"")),
    ];
    let keys = vec!["data", "id", "error", "status", "client_secret"];
    let key = prop_oneof![
        5 => prop::sample::select(keys).prop_map(str::to_owned),
        1 => "[a-z]{1,6}",
    ];
    let value = leaf.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|v| format!("[{}]", v.join(","))),
            proptest::collection::vec((key.clone(), inner), 0..4).prop_map(|kv| format!(
                "{{{}}}",
                kv.iter()
                    .map(|(k, v)| format!("\"{k}\":{v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            )),
        ]
    });
    (value, 0usize..3).prop_map(|(v, cut)| {
        // Sometimes truncate, to exercise EOF paths.
        let keep = v.len().saturating_sub(cut);
        // All generated text is ASCII, so any byte index is a char boundary.
        v[..keep].to_owned()
    })
}
