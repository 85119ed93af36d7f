//! Webhook endpoint URLs: checked when an endpoint is registered (never when its first
//! delivery fails), and taken apart into what a delivery connects to and asks for.

use std::fmt;

use easy_checkout_core::http::Uri;

/// Why a webhook endpoint was not registered (the control API answers
/// `400 INVALID_ENDPOINT` or `409 TOO_MANY_ENDPOINTS` with the same message).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointError {
    /// Not an absolute `http://host[:port][/path]` URL.
    Invalid {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An `https://` URL: the fake delivers over plain http only (Easy itself only to
    /// `https://`).
    Https {
        /// The URL as given.
        url: String,
    },
    /// Every place is taken: Easy allows a company at most this many active endpoints.
    TooMany {
        /// The most endpoints a fake holds.
        limit: usize,
    },
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointError::Invalid { url, reason } => {
                write!(f, "invalid webhook endpoint URL {url:?}: {reason}")
            }
            EndpointError::Https { url } => write!(
                f,
                "invalid webhook endpoint URL {url:?}: the fake delivers over plain http only; \
                 use your receiver's http:// address on this machine"
            ),
            EndpointError::TooMany { limit } => write!(
                f,
                "at most {limit} webhook endpoints can be registered (as on Easy); remove one first"
            ),
        }
    }
}

impl std::error::Error for EndpointError {}

/// An endpoint's URL, checked: `http://`, a host, a port (80 when absent), and the path and
/// query to POST to (`/` when absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EndpointUrl {
    pub(crate) url: String,
    /// The host name or address, without the brackets of an IPv6 address.
    pub(crate) host: String,
    pub(crate) port: u16,
    /// `host[:port]` as given: the `Host` header.
    pub(crate) authority: String,
    /// The request target: path and query.
    pub(crate) target: String,
}

impl EndpointUrl {
    pub(crate) fn parse(url: &str) -> Result<Self, EndpointError> {
        let invalid = |reason| EndpointError::Invalid {
            url: url.to_owned(),
            reason,
        };
        match url.split_once("://").map(|(scheme, _)| scheme) {
            Some(s) if s.eq_ignore_ascii_case("http") => {}
            Some(s) if s.eq_ignore_ascii_case("https") => {
                return Err(EndpointError::Https {
                    url: url.to_owned(),
                });
            }
            _ => return Err(invalid("must start with http://")),
        }
        if url.contains('#') {
            return Err(invalid("a fragment is never sent: leave it out"));
        }
        let not_url = || invalid("not a URL (spaces and control characters are not allowed)");
        let uri: Uri = url.parse().map_err(|_| not_url())?;
        let Some(authority) = uri.authority() else {
            return Err(invalid("has no host"));
        };
        if authority.as_str().contains('@') {
            return Err(invalid("user names and passwords are not allowed in it"));
        }
        let host = authority.host();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(invalid("has no host"));
        }
        // The text after the last `:` outside an IPv6 address's brackets.
        let port_text =
            (authority.as_str().rsplit_once(':')).filter(|(_, port)| !port.contains(']'));
        let port = match (port_text, authority.port_u16()) {
            (None, _) => 80,
            (Some(_), Some(port)) if port != 0 => port,
            (Some(_), _) => return Err(invalid("has a port that is not a number from 1 to 65535")),
        };
        let target = uri.path_and_query().map_or("/", |p| p.as_str());
        let slash = if target.starts_with('/') { "" } else { "/" };
        Ok(Self {
            url: url.to_owned(),
            host: host.to_owned(),
            port,
            authority: authority.as_str().to_owned(),
            target: format!("{slash}{target}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_http_urls_apart() {
        let url = EndpointUrl::parse("http://127.0.0.1:8080/hooks/easy?x=1").unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.authority.as_str()),
            ("127.0.0.1", 8080, "127.0.0.1:8080")
        );
        assert_eq!(url.target, "/hooks/easy?x=1");
        let url = EndpointUrl::parse("HTTP://localhost").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("localhost", 80));
        assert_eq!(url.target, "/");
        let url = EndpointUrl::parse("http://[::1]:9/w").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("::1", 9));
        assert_eq!(url.authority, "[::1]:9");
    }

    #[test]
    fn refuses_anything_else_with_a_reason() {
        const SCHEME: &str = "must start with http://";
        const NOT_URL: &str = "not a URL (spaces and control characters are not allowed)";
        const PORT: &str = "has a port that is not a number from 1 to 65535";
        for (url, reason) in [
            ("ftp://shop.example/hook", SCHEME),
            ("/hooks", SCHEME),
            ("shop.example/hooks", SCHEME),
            ("", SCHEME),
            ("http://", NOT_URL),
            ("http://a b/", NOT_URL),
            (
                "http://user:pw@127.0.0.1/",
                "user names and passwords are not allowed in it",
            ),
            ("http://127.0.0.1:0/", PORT),
            ("http://127.0.0.1:99999/", PORT),
            ("http://127.0.0.1:/", PORT),
            (
                "http://127.0.0.1/#top",
                "a fragment is never sent: leave it out",
            ),
        ] {
            match EndpointUrl::parse(url) {
                Err(EndpointError::Invalid { url: u, reason: r }) => {
                    assert_eq!((u.as_str(), r), (url, reason), "{url}");
                }
                other => panic!("{url}: {other:?}"),
            }
        }
        let https = EndpointUrl::parse("https://shop.example/hook").unwrap_err();
        assert_eq!(
            https.to_string(),
            "invalid webhook endpoint URL \"https://shop.example/hook\": the fake delivers over \
             plain http only; use your receiver's http:// address on this machine"
        );
    }
}
