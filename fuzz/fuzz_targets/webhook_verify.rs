//! `webhook::verify`: never panics, accepts only a correct signature, and says why it refuses.
//!
//! Input layout: `[mode][k][k bytes of secret][n][n bytes of header material][body …]`
//! (`k` is taken modulo 80, so keys longer than SHA-256's 64-byte block are covered).
//! The mode (low 2 bits) chooses the signature header:
//! * 0: the header material itself (lossy UTF-8): arbitrary, almost always refused;
//! * 1: `webhook::sign(secret, body)` with hex digit `i` upper-cased where bit 0 of header
//!   byte `i` is set: a correct signature in mixed case;
//! * 2: `webhook::sign(secret, body)` with the first half of the header material (lossy
//!   UTF-8) before it and the second half after it: a correct signature with junk or
//!   whitespace around it;
//! * 3: no header at all.
//!
//! Modes 1 and 2 let the fuzzer reach the "signature valid, now parse the JSON event" path,
//! which a random header never reaches.
//!
//! Asserted: `verify` returns `Ok` only if the secret is not empty and the header, trimmed,
//! is `sha256=` followed by the hex of `webhook::sign(secret, body)` in any letter case; and
//! it returns exactly the error the documented rules give: missing (absent or blank) →
//! `SignatureMissing`; not `sha256=` + 64 hex digits → `SignatureFormatInvalid`; well-formed
//! but wrong, or any well-formed signature under the empty secret → `SignatureMismatch`;
//! right signature, body not a JSON event → `BodyInvalidJson`.
#![no_main]

use easy_checkout_core::webhook::{self, WebhookError, WebhookEvent, WebhookSecret};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut data = data;
    let mut take = |n: usize| {
        let n = n.min(data.len());
        let (head, tail) = data.split_at(n);
        data = tail;
        head
    };
    let Some(&mode) = take(1).first() else { return };
    let k = take(1).first().copied().unwrap_or(0) as usize % 80;
    let secret = WebhookSecret::new(take(k).to_vec());
    let n = take(1).first().copied().unwrap_or(0) as usize;
    let material = take(n);
    let body = data;

    let signed = webhook::sign(&secret, body);
    assert!(signed.starts_with("sha256=") && signed.len() == 7 + 64, "sign() shape: {signed:?}");

    let header: Option<String> = match mode & 3 {
        0 => Some(String::from_utf8_lossy(material).into_owned()),
        1 => Some(
            signed
                .char_indices()
                .map(|(i, c)| match material.get(i.wrapping_sub(7)) {
                    Some(b) if i >= 7 && b & 1 == 1 => c.to_ascii_uppercase(),
                    _ => c,
                })
                .collect(),
        ),
        2 => {
            let (before, after) = material.split_at(material.len() / 2);
            Some(format!("{}{signed}{}", String::from_utf8_lossy(before), String::from_utf8_lossy(after)))
        }
        _ => None,
    };

    let result = webhook::verify(&secret, header.as_deref(), body);
    match &result {
        Ok(event) => {
            let _ = format!("{event:?}");
        }
        Err(e) => {
            let _ = format!("{e} {e:?} {}", e.code());
        }
    }

    // The documented rules, written out independently.
    let trimmed = header.as_deref().map(str::trim).unwrap_or("");
    let expected: Result<(), WebhookError> = if trimmed.is_empty() {
        Err(WebhookError::SignatureMissing)
    } else {
        match trimmed.strip_prefix("sha256=") {
            Some(hex) if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                if secret.is_empty() {
                    // Anyone can sign with the empty key: it verifies nothing.
                    Err(WebhookError::SignatureMismatch)
                } else if hex.eq_ignore_ascii_case(&signed[7..]) {
                    match serde_json::from_slice::<WebhookEvent>(body) {
                        Ok(_) => Ok(()),
                        Err(_) => Err(WebhookError::BodyInvalidJson),
                    }
                } else {
                    Err(WebhookError::SignatureMismatch)
                }
            }
            _ => Err(WebhookError::SignatureFormatInvalid),
        }
    };

    if result.is_ok() {
        assert!(
            !secret.is_empty()
                && trimmed.len() == signed.len()
                && trimmed.eq_ignore_ascii_case(&signed)
                && trimmed.starts_with("sha256="),
            "verify accepted header {header:?}, but the signature is {signed:?}"
        );
    }
    assert_eq!(result.as_ref().map(|_| ()).map_err(|e| *e), expected, "verify({header:?}) on a {}-byte body", body.len());
});
