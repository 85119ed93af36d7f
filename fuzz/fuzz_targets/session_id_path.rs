//! `SessionId::new` + `Config::build`: an id is always exactly one path segment.
//!
//! Input: any bytes, read as UTF-8 (lossily, so every input is used) and given to
//! `SessionId::new`. A refused id is fine. An accepted one is built into
//! `GET /embedded-checkout/{id}` (`RetrieveSession`) and
//! `GET /embedded-checkout/{id}/crypto-status` (`CryptoStatus`) against the sandbox base URL,
//! and the request URI's path, normalized as a server or proxy may normalize it (RFC 3986
//! §6.2.2: percent-encoded unreserved characters decoded, then §5.2.4 dot segments removed),
//! must be exactly `["v1", "api", "embedded-checkout", <id>]` (plus `"crypto-status"`), where
//! `<id>` is `SessionId::as_path_segment()` and percent-decodes back to the raw id, and is
//! not the name of another endpoint there (`config`, `validate`, `confirm`). The URI must
//! also keep the base URL's scheme and host and carry no query or fragment.
#![no_main]

use easy_checkout_core::ops::{CryptoStatus, RetrieveSession};
use easy_checkout_core::{Config, SessionId};
use libfuzzer_sys::fuzz_target;
use percent_encoding::percent_decode_str;

/// Endpoints beside sessions under `/embedded-checkout/`: an id must never name one.
const RESERVED: &[&str] = &["config", "validate", "confirm"];

/// RFC 3986 §6.2.2.2: decode `%XX` only where XX is an unreserved character.
fn decode_unreserved(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = String::with_capacity(segment.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                let b = (hi * 16 + lo) as u8;
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                    out.push(b as char);
                    i += 3;
                    continue;
                }
            }
        }
        // Push the whole UTF-8 character starting here.
        let ch = segment[i..].chars().next().expect("in bounds");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// RFC 3986 §5.2.4 remove_dot_segments, on a path split at `/`.
fn normalize(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let segments: Vec<String> = path.split('/').skip(1).map(decode_unreserved).collect();
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.into_iter().enumerate() {
        match seg.as_str() {
            "." => {
                if i == last {
                    out.push(String::new());
                }
            }
            ".." => {
                out.pop();
                if i == last {
                    out.push(String::new());
                }
            }
            _ => out.push(seg),
        }
    }
    out
}

fn check_path(uri: &easy_checkout_core::http::Uri, id: &SessionId, tail: Option<&str>) {
    assert_eq!(uri.scheme_str(), Some("https"), "scheme changed: {uri}");
    assert_eq!(uri.host(), Some("sandbox-api.itseasy.co"), "host changed: {uri}");
    assert_eq!(uri.query(), None, "id leaked into the query: {uri}");
    assert!(!uri.to_string().contains('#'), "id leaked a fragment: {uri}");
    let segment = decode_unreserved(id.as_path_segment());
    let mut expected = vec!["v1".to_owned(), "api".to_owned(), "embedded-checkout".to_owned(), segment];
    if let Some(t) = tail {
        expected.push(t.to_owned());
    }
    let got = normalize(uri.path());
    assert_eq!(got, expected, "id {:?} escaped its path segment in {uri}", id.as_str());
    assert!(
        !RESERVED.contains(&got[3].as_str()),
        "id {:?} names another endpoint: {uri}",
        id.as_str()
    );
}

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data);
    let Ok(id) = SessionId::new(raw.as_ref()) else {
        return;
    };
    assert_eq!(id.as_str(), raw, "SessionId changed the raw id");
    let decoded = percent_decode_str(id.as_path_segment()).decode_utf8().expect("segment decodes to UTF-8");
    assert_eq!(decoded, raw, "the encoded segment does not decode to the raw id");

    let config = Config::new("sk_test_fuzz".parse().expect("valid key"));
    if let Ok(op) = RetrieveSession::new(&id) {
        if let Ok(request) = config.build(&op) {
            check_path(request.uri(), &id, None);
        }
    }
    if let Ok(op) = CryptoStatus::new(&id) {
        if let Ok(request) = config.build(&op) {
            check_path(request.uri(), &id, Some("crypto-status"));
        }
    }
});
