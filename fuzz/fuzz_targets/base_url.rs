//! `BaseUrl::parse`: never panics, and what it accepts is safe to send an API key to.
//!
//! Input: any bytes, read as UTF-8 (lossily). Asserted for an accepted URL:
//! * it has no trailing `/`, no `?`, no `#`, no `@` in the authority and no surrounding
//!   ASCII whitespace;
//! * it starts with `https://`, or with `http://` followed by a loopback host
//!   (`localhost`, `127.0.0.0/8`, `[::1]`), checked by hand on the text, not with the
//!   parser under test. The scheme is compared case-insensitively (RFC 3986 §3.1: `HTTPS://`
//!   is the same scheme, and `http::Uri` accepts it);
//! * differential: where the WHATWG `url` crate also parses it, it agrees that the scheme is
//!   `https`, or `http` with a loopback host;
//! * `Config::from_values` accepts the same string, keeps the same base URL, and a request
//!   built from it keeps the scheme and host.
//!
//! Strict mode (`EASY_FUZZ_STRICT=1` in the environment) also asserts that the URL is ASCII
//! with no surrounding Unicode whitespace and that the authority is well-formed: a non-empty
//! host, a bracketed host that is an IPv6 address, a port of at most 65535. `BaseUrl::parse`
//! is known to accept `https://[]`, `https://[zz]`, `http://127.0.0.1:99999` and
//! `"https://a/\u{a0}/"` (kept as `"https://a/\u{a0}"`) (see docs/fuzzing.md, "Findings",
//! and `fuzz/regressions/base_url/`): none of them can send the key in clear text to another
//! host, so the default run skips these checks and keeps fuzzing for the security property.
//! Turn strict mode on to reproduce them, or after the fix.
#![no_main]

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use easy_checkout_core::ops::ValidateKey;
use easy_checkout_core::{BaseUrl, Config};
use libfuzzer_sys::fuzz_target;

fn strict() -> bool {
    static STRICT: OnceLock<bool> = OnceLock::new();
    *STRICT.get_or_init(|| std::env::var_os("EASY_FUZZ_STRICT").is_some_and(|v| v == "1"))
}

/// `(host, port)` of `authority` (no userinfo: `@` was already ruled out). The host of an
/// IP literal keeps its brackets.
fn split_authority(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => {
                let (host, rest) = authority.split_at(end + 1);
                (host, rest.strip_prefix(':'))
            }
            None => (authority, None),
        };
    }
    match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

fn is_loopback_text(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback());
    }
    host.eq_ignore_ascii_case("localhost") || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let parsed = BaseUrl::parse(&input);
    let via_config = Config::from_values(Some("sk_test_fuzz"), Some(&input));
    let base = match parsed {
        Err(e) => {
            let _ = format!("{e} {e:?}");
            // An empty string means "no override" to from_values; anything else refused by
            // BaseUrl::parse must be refused there too.
            if !input.is_empty() {
                assert!(via_config.is_err(), "Config::from_values accepted {input:?}, BaseUrl::parse refused it");
            }
            return;
        }
        Ok(base) => base,
    };
    let url = base.as_str();
    let _ = format!("{base} {base:?}");

    assert!(!url.ends_with('/'), "trailing slash kept: {url:?}");
    assert!(!url.contains(['?', '#']), "query or fragment kept: {url:?}");
    assert_eq!(url, url.trim_ascii(), "surrounding whitespace kept: {url:?}");

    let lower = url.to_ascii_lowercase();
    let (is_http, rest) = if lower.starts_with("https://") {
        (false, &url[8..])
    } else if lower.starts_with("http://") {
        (true, &url[7..])
    } else {
        panic!("accepted a URL that is neither https:// nor http://: {url:?}");
    };
    let authority = rest.split('/').next().unwrap_or("");
    assert!(!authority.contains('@'), "credentials kept: {url:?}");
    let (host, port) = split_authority(authority);
    if is_http {
        assert!(is_loopback_text(host), "accepted clear-text http:// to a non-loopback host {host:?}: {url:?}");
    }
    if strict() {
        assert!(url.is_ascii(), "accepted raw non-ASCII (not a URI, RFC 3986 §2): {url:?}");
        assert_eq!(url, url.trim(), "surrounding Unicode whitespace kept: {url:?}");
        assert!(!host.is_empty() && host != "[]", "accepted a URL without a host: {url:?}");
        if host.starts_with('[') {
            let inner = host.trim_start_matches('[').trim_end_matches(']');
            assert!(host.ends_with(']') && inner.parse::<Ipv6Addr>().is_ok(), "accepted a malformed IP literal {host:?}: {url:?}");
        }
        if let Some(port) = port.filter(|p| !p.is_empty()) {
            assert!(port.parse::<u16>().is_ok(), "accepted port {port:?} (not 0..=65535): {url:?}");
        }
    }

    // Differential against the WHATWG parser (what browsers and many clients use).
    if let Ok(whatwg) = url::Url::parse(url) {
        match whatwg.scheme() {
            "https" => {}
            "http" => {
                let loopback = match whatwg.host() {
                    Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                    Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                    None => false,
                };
                assert!(loopback, "the url crate reads {url:?} as http:// to {:?}", whatwg.host_str());
            }
            other => panic!("the url crate reads {url:?} with scheme {other:?}"),
        }
    }

    let config = via_config.unwrap_or_else(|e| panic!("Config::from_values refused {input:?}: {e}"));
    assert_eq!(config.base_url(), &base, "Config::from_values changed the base URL");
    if let Ok(request) = config.build(&ValidateKey) {
        let uri = request.uri();
        assert_eq!(
            uri.scheme_str().map(str::to_ascii_lowercase).as_deref(),
            Some(if is_http { "http" } else { "https" }),
            "request scheme differs from {url:?}"
        );
        assert!(uri.host().is_some_and(|h| h.eq_ignore_ascii_case(host)), "request host {:?} differs from base host {host:?}", uri.host());
    }
});
