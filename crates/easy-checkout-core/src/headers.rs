//! The headers the SDK names. A malformed header is read as `None`.

use std::time::{Duration, SystemTime};

use http::HeaderMap;
use http::header::HeaderName;

/// The header that carries the secret API key (always marked sensitive).
pub const API_KEY_HEADER: HeaderName = HeaderName::from_static("x-easy-api-key");
/// The idempotency header: the server replays the first reply for a repeated key.
pub const IDEMPOTENCY_KEY_HEADER: HeaderName = HeaderName::from_static("idempotency-key");

/// `Retry-After`, in either legal form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: 120`.
    Seconds(u64),
    /// `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`.
    Date(SystemTime),
}

impl RetryAfter {
    /// Parses the header value; `None` when it is neither form.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if let Ok(secs) = value.parse::<u64>() {
            return Some(Self::Seconds(secs));
        }
        httpdate::parse_http_date(value).ok().map(Self::Date)
    }

    /// Reads `Retry-After` from response headers.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        headers
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(Self::parse)
    }

    /// How long to wait, counted from `now` (a date in the past means no wait).
    pub fn delay(&self, now: SystemTime) -> Duration {
        match *self {
            Self::Seconds(s) => Duration::from_secs(s),
            Self::Date(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

/// The IETF rate-limit headers of a reply (`RateLimit-Limit`, `-Remaining`, `-Reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimit {
    /// `RateLimit-Limit`: requests allowed in the window.
    pub limit: Option<u64>,
    /// `RateLimit-Remaining`: requests left in the window.
    pub remaining: Option<u64>,
    /// `RateLimit-Reset`: seconds until the window resets.
    pub reset: Option<u64>,
}

impl RateLimit {
    /// Reads the three headers; a missing or malformed one is `None`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let num = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
        };
        Self {
            limit: num("ratelimit-limit"),
            remaining: num("ratelimit-remaining"),
            reset: num("ratelimit-reset"),
        }
    }
}
