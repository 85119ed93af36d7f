//! Where requests go, with which key and user agent. Nothing here reads the environment.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use http::HeaderValue;
use http::uri::{Scheme, Uri};

use crate::input::InvalidInput;
use crate::redact::REDACTED;
use crate::secret::{ApiKey, check_header_safe};

/// The production API.
pub const PRODUCTION_BASE_URL: &str = "https://api.itseasy.co/v1/api";
/// The sandbox API, where `sk_test_`, `sk_sandbox_` and `pk_test_` keys go.
pub const SANDBOX_BASE_URL: &str = "https://sandbox-api.itseasy.co/v1/api";

/// The environment variable holding the API key.
pub const API_KEY_ENV: &str = "EASY_API_KEY";
/// The environment variable overriding the base URL.
pub const BASE_URL_ENV: &str = "EASY_API_URL";

/// The SDK's user agent, without the transport.
pub const USER_AGENT: &str = concat!("easy-checkout-rust/", env!("CARGO_PKG_VERSION"));

/// Which Easy environment a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// `https://api.itseasy.co/v1/api`: `sk_live_…` and `pk_live_…` keys.
    Production,
    /// `https://sandbox-api.itseasy.co/v1/api`: `sk_test_…`, `sk_sandbox_…`, `pk_test_…` keys.
    Sandbox,
}

impl Environment {
    /// The environment a key's prefix routes to.
    pub fn for_key(key: &ApiKey) -> Self {
        if key.is_test() {
            Self::Sandbox
        } else {
            Self::Production
        }
    }

    /// The environment's base URL.
    pub fn base_url(self) -> BaseUrl {
        let url = match self {
            Self::Production => PRODUCTION_BASE_URL,
            Self::Sandbox => SANDBOX_BASE_URL,
        };
        BaseUrl(url.to_owned())
    }
}

/// A validated base URL: `https://` (`http://` for loopback only, so no key goes out in clear
/// text), no query or fragment, no trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Validates an override such as `http://127.0.0.1:8080` or `https://proxy.example/v1/api/`.
    pub fn parse(url: &str) -> Result<Self, InvalidInput> {
        let trimmed = url.trim_ascii().trim_end_matches('/');
        let bad = |reason: &str| Err(InvalidInput::new("base_url", reason.to_owned()));
        // The text check refuses another scheme, a missing host, credentials, a bad port and
        // stray characters (the `Uri` parser takes `https://[]` and port 99999).
        check_url("base_url", trimmed, false)?;
        if trimmed.contains('#') {
            return bad("must not contain a fragment");
        }
        let Ok(uri) = trimmed.parse::<Uri>() else {
            return bad("is not a valid absolute URL");
        };
        if uri.query().is_some() {
            return bad("must not contain a query");
        }
        if uri.scheme() != Some(&Scheme::HTTPS) && !uri.host().is_some_and(is_loopback) {
            return bad("must use https:// (http:// is allowed only for loopback hosts)");
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The URL, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a request builder needs besides the operation: base URL, API key, user agent.
#[derive(Clone)]
pub struct Config {
    base_url: BaseUrl,
    /// The key, when it is an Easy key.
    api_key: Option<ApiKey>,
    /// `x-easy-api-key`, marked sensitive: the Easy key, or another one for an explicit base URL.
    pub(crate) key_header: Option<HeaderValue>,
    pub(crate) user_agent: HeaderValue,
}

impl Config {
    /// A configuration for `api_key`, routed by its prefix ([`KeyKind`](crate::secret::KeyKind)).
    pub fn new(api_key: ApiKey) -> Self {
        let base_url = Environment::for_key(&api_key).base_url();
        Self::assemble(base_url, Some(api_key))
    }

    /// A configuration that sends every request to `base_url` (a proxy, a fake) with
    /// `api_key`, any key that fits in a header; only an Easy one is [`Config::api_key`].
    pub fn for_base_url(base_url: BaseUrl, api_key: &str) -> Result<Self, InvalidInput> {
        check_header_safe(api_key)?;
        let mut config = Self::assemble(base_url, ApiKey::new(api_key).ok());
        config.key_header = Some(sensitive(api_key));
        Ok(config)
    }

    /// No API key, for `validate` and `confirm`: other calls fail before anything is sent.
    pub fn without_api_key(base_url: BaseUrl) -> Self {
        Self::assemble(base_url, None)
    }

    /// From a program's environment or flags: a key alone must be an Easy key; a key with a
    /// base URL may be any; neither is production without a key. Empty counts as none.
    pub fn from_values(
        api_key: Option<&str>,
        base_url: Option<&str>,
    ) -> Result<Self, InvalidInput> {
        let api_key = api_key.filter(|k| !k.is_empty());
        let base_url = base_url
            .filter(|u| !u.is_empty())
            .map(BaseUrl::parse)
            .transpose()?;
        match (api_key, base_url) {
            (Some(key), Some(base_url)) => Self::for_base_url(base_url, key),
            (Some(key), None) => Ok(Self::new(ApiKey::new(key)?)),
            (None, base_url) => Ok(Self::without_api_key(
                base_url.unwrap_or_else(|| Environment::Production.base_url()),
            )),
        }
    }

    /// [`Config::from_values`] of [`API_KEY_ENV`] and [`BASE_URL_ENV`] (UTF-8) via `lookup`.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Self, InvalidInput> {
        let read = |name: &'static str| {
            lookup(name)
                .map(|v| {
                    v.into_string()
                        .map_err(|_| InvalidInput::new(name, "is not valid UTF-8"))
                })
                .transpose()
        };
        let api_key = read(API_KEY_ENV)?;
        let base_url = read(BASE_URL_ENV)?;
        Self::from_values(api_key.as_deref(), base_url.as_deref())
    }

    fn assemble(base_url: BaseUrl, api_key: Option<ApiKey>) -> Self {
        let key_header = api_key.as_ref().map(|k| sensitive(k.expose_secret()));
        Self {
            base_url,
            api_key,
            key_header,
            user_agent: HeaderValue::from_static(USER_AGENT),
        }
    }

    /// Sends requests to `base_url` instead of the environment the key routes to.
    pub fn with_base_url(mut self, base_url: BaseUrl) -> Self {
        self.base_url = base_url;
        self
    }

    /// Appends the transport's name to the user agent (`easy-checkout-rust/0.1.0 ureq`).
    pub fn with_user_agent_suffix(mut self, suffix: &str) -> Self {
        let ua = format!("{USER_AGENT} {suffix}");
        if let Ok(v) = HeaderValue::from_str(&ua) {
            self.user_agent = v;
        }
        self
    }

    /// Where requests go.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base_url
    }

    /// The Easy API key, if any (not another key held for an explicit base URL).
    pub fn api_key(&self) -> Option<&ApiKey> {
        self.api_key.as_ref()
    }

    /// Whether key-authenticated calls carry a key (an Easy one or not).
    pub fn has_api_key(&self) -> bool {
        self.key_header.is_some()
    }

    /// The user agent sent with every request.
    pub fn user_agent(&self) -> &str {
        self.user_agent.to_str().unwrap_or(USER_AGENT)
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url)
            .field("api_key", &self.key_header.as_ref().map(|_| REDACTED))
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// `key` as the value of `x-easy-api-key`, marked sensitive so `Debug` of a request hides it.
fn sensitive(key: &str) -> HeaderValue {
    let mut value =
        HeaderValue::from_str(key).expect("check_header_safe admits only visible ASCII");
    value.set_sensitive(true);
    value
}

/// Checks an absolute `http(s)` URL (with `origin_only`, `scheme://host[:port]` only). A byte
/// scan, not a parse (an `http::Uri` was the builders' whole overhead): it refuses what cannot
/// be right and leaves the rest to the server.
pub(crate) fn check_url(
    field: &'static str,
    url: &str,
    origin_only: bool,
) -> Result<(), InvalidInput> {
    let refuse = |reason: &str| Err(InvalidInput::new(field, reason.to_owned()));
    let rest = match url.find("://") {
        Some(i)
            if url[..i].eq_ignore_ascii_case("https") || url[..i].eq_ignore_ascii_case("http") =>
        {
            &url[i + 3..]
        }
        _ => return refuse("must be an absolute http:// or https:// URL"),
    };
    if !rest.bytes().all(|b| b.is_ascii_graphic()) {
        return refuse("must not contain spaces, control or non-ASCII characters");
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (host_ok, port) = match authority.strip_prefix('[') {
        // An IPv6 literal: `[hex:digits]` then an optional `:port`.
        Some(bracketed) => {
            let Some((ip, after)) = bracketed.split_once(']') else {
                return refuse("has an unclosed IPv6 address");
            };
            if !after.is_empty() && !after.starts_with(':') {
                return refuse("has characters after its IPv6 address");
            }
            (ip.parse::<Ipv6Addr>().is_ok(), after.strip_prefix(':'))
        }
        None => {
            let (host, port) = authority
                .rsplit_once(':')
                .map_or((authority, None), |(host, port)| (host, Some(port)));
            let host_ok = !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
            (host_ok, port)
        }
    };
    if !host_ok {
        return refuse("must name a host (no credentials)");
    }
    if port.is_some_and(|p| !p.bytes().all(|b| b.is_ascii_digit()) || p.parse::<u16>().is_err()) {
        return refuse("has an invalid port");
    }
    if origin_only && !tail.is_empty() {
        return refuse("must be an origin (scheme://host[:port], no path)");
    }
    Ok(())
}

/// Checks an email address is `something@something`, without spaces or control characters.
pub(crate) fn check_email(field: &'static str, email: &str) -> Result<(), InvalidInput> {
    let shaped = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@')
    });
    if !shaped || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(InvalidInput::new(
            field,
            "must be an email address (name@domain, no spaces)",
        ));
    }
    Ok(())
}
