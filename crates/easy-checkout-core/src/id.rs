//! Identifiers that travel in the URL path and in headers, validated when made.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::input::InvalidInput;

/// All but RFC 3986 "unreserved" characters: `/`, `?`, `#`, `%`, `;` never act as delimiters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Path segments under `/embedded-checkout/` that are endpoints, not sessions.
const RESERVED: &[&str] = &["config", "validate", "confirm"];

/// A checkout session id (`ecs_…`), percent-encoded as exactly one path segment, so no id can
/// reach another endpoint.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionId {
    raw: String,
    encoded: String,
}

impl SessionId {
    /// Validates `id`: not empty, `.`, `..`, `config`, `validate` or `confirm`.
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidInput> {
        let raw = id.into();
        let reason = match raw.as_str() {
            "" => "must not be empty",
            "." | ".." => "must not be a dot segment (`.` or `..`)",
            id if RESERVED.contains(&id) => {
                "must not name another endpoint (`config`, `validate`, `confirm`)"
            }
            _ => {
                let encoded = utf8_percent_encode(&raw, SEGMENT).to_string();
                return Ok(Self { raw, encoded });
            }
        };
        Err(InvalidInput::new("session_id", reason))
    }

    /// The id as the API issued it.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The id percent-encoded as a single path segment.
    pub fn as_path_segment(&self) -> &str {
        &self.encoded
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SessionId").field(&self.raw).finish()
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl TryFrom<&str> for SessionId {
    type Error = InvalidInput;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl TryFrom<String> for SessionId {
    type Error = InvalidInput;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl TryFrom<&SessionId> for SessionId {
    type Error = InvalidInput;
    fn try_from(value: &SessionId) -> Result<Self, Self::Error> {
        Ok(value.clone())
    }
}

/// An `Idempotency-Key` of 1 to 255 visible ASCII characters: the server replays the first
/// reply for a repeated key, which is what makes retrying a POST or PATCH safe.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Longest key accepted.
    pub const MAX_LEN: usize = 255;

    /// Validates a caller-chosen key.
    pub fn new(key: impl Into<String>) -> Result<Self, InvalidInput> {
        let key = key.into();
        let reason = if key.is_empty() || key.len() > Self::MAX_LEN {
            "must be 1 to 255 characters long"
        } else if !key.bytes().all(|b| b.is_ascii_graphic()) {
            "must be visible ASCII without spaces"
        } else {
            return Ok(Self(key));
        };
        Err(InvalidInput::new("idempotency_key", reason))
    }

    /// A key made from 128 random bits supplied by the caller (the client's runtime).
    pub fn from_random(bits: [u64; 2]) -> Self {
        Self(format!("easy-checkout-{:016x}{:016x}", bits[0], bits[1]))
    }

    /// The key as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<&str> for IdempotencyKey {
    type Error = InvalidInput;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = InvalidInput;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}
