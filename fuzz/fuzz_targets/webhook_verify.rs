//! `webhook::verify`: never panics, accepts only a correct signature, and says why it refuses.
//!
//! Input layout: `[mode][k][k bytes of secret][n][n bytes of header material][body …]`
//! (`k` is taken modulo 80, so keys longer than SHA-256's 64-byte block are covered).
//! The mode (low 2 bits) chooses the signature header:
//! * 0: the header material itself (lossy UTF-8): arbitrary, almost always refused;
//! * 1: `webhook::sign(secret, body)` with hex digit `i` upper-cased where bit 0 of header
//!   byte `i` is set, and, where bit 1 of byte `i` is set and `i` is even (a byte boundary),
//!   one ASCII whitespace character (bits 2 and up choose which) before digit `i`: a correct
//!   signature in mixed case with whitespace between its byte pairs;
//! * 2: `webhook::sign(secret, body)` with the first half of the header material (lossy
//!   UTF-8) before it and the second half after it: a correct signature with junk or
//!   whitespace around it;
//! * 3: no header at all.
//!
//! Modes 1 and 2 let the fuzzer reach the "signature valid, now parse the JSON event" path,
//! which a random header never reaches.
//!
//! Asserted: `verify` returns `Ok` only if the secret is not empty, the header starts with
//! `sha256=`, and what follows, without its ASCII whitespace, is the hex of
//! `webhook::sign(secret, body)` in any letter case; and it returns exactly the error the
//! documented rules (the official Python client's) give: absent or empty →
//! `SignatureMissing`; no `sha256=` prefix, or the rest not hex as Python's `bytes.fromhex`
//! reads it (whitespace-separated runs of an even number of hex digits) →
//! `SignatureFormatInvalid`; hex but not the 32 bytes of the signature (too short, too long,
//! wrong), or any signature under the empty secret → `SignatureMismatch`; right signature,
//! body not a JSON event → `BodyInvalidJson`.
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
        1 => {
            let mut header = String::from("sha256=");
            for (i, c) in signed[7..].char_indices() {
                let b = material.get(i).copied().unwrap_or(0);
                if i % 2 == 0 && b & 2 == 2 {
                    header.push([' ', '\t', '\n', '\u{b}', '\u{c}', '\r'][usize::from(b >> 2) % 6]);
                }
                header.push(if b & 1 == 1 { c.to_ascii_uppercase() } else { c });
            }
            Some(header)
        }
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

    // The documented rules, written out independently: `bytes.fromhex` reads runs of an even
    // number of hex digits separated by ASCII whitespace (space, \t, \n, \v, \f, \r).
    let is_space = |c: char| matches!(c, ' ' | '\t'..='\r');
    let digits: Option<Result<String, ()>> = header
        .as_deref()
        .filter(|h| !h.is_empty())
        .map(|h| {
            let rest = h.strip_prefix("sha256=").ok_or(())?;
            let even_hex = |run: &str| run.len() % 2 == 0 && run.bytes().all(|b| b.is_ascii_hexdigit());
            if rest.split(is_space).all(even_hex) {
                Ok(rest.split(is_space).collect())
            } else {
                Err(())
            }
        });
    let expected: Result<(), WebhookError> = match &digits {
        None => Err(WebhookError::SignatureMissing),
        Some(Err(())) => Err(WebhookError::SignatureFormatInvalid),
        // Anyone can sign with the empty key: it verifies nothing.
        Some(Ok(_)) if secret.is_empty() => Err(WebhookError::SignatureMismatch),
        Some(Ok(hex)) if hex.eq_ignore_ascii_case(&signed[7..]) => {
            match serde_json::from_slice::<WebhookEvent>(body) {
                Ok(_) => Ok(()),
                Err(_) => Err(WebhookError::BodyInvalidJson),
            }
        }
        Some(Ok(_)) => Err(WebhookError::SignatureMismatch),
    };

    if result.is_ok() {
        let accepted = header.as_deref().and_then(|h| h.strip_prefix("sha256=")).map(|rest| {
            rest.chars().filter(|c| !is_space(*c)).collect::<String>()
        });
        assert!(
            !secret.is_empty() && accepted.is_some_and(|hex| hex.eq_ignore_ascii_case(&signed[7..])),
            "verify accepted header {header:?}, but the signature is {signed:?}"
        );
    }
    assert_eq!(result.as_ref().map(|_| ()).map_err(|e| *e), expected, "verify({header:?}) on a {}-byte body", body.len());
});
