//! Secrets: the merchant's API key and a session's `client_secret`.
//!
//! Both are newtypes whose `Debug` and `Display` print `[REDACTED]`, never the value, so a
//! secret cannot reach a log line, an error message or a snapshot by accident. The value is
//! reachable only through an explicitly named `expose_secret` method; nothing here may ever
//! print, log or echo it (a refusal names the field, never the value).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::input::InvalidInput;
use crate::redact::REDACTED;

/// A merchant's secret API key (`sk_test_…` or `sk_live_…`).
///
/// ```
/// use easy_checkout_core::ApiKey;
/// let key: ApiKey = "sk_test_abc123".parse().unwrap();
/// assert_eq!(format!("{key:?}"), "ApiKey([REDACTED])");
/// assert!(key.is_test());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key, rejecting values that cannot be sent in an HTTP header.
    ///
    /// The error never contains the key.
    pub fn new(key: impl Into<String>) -> Result<Self, InvalidInput> {
        let key = key.into();
        if key.trim().is_empty() {
            return Err(InvalidInput::new("api_key", "must not be empty"));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidInput::new(
                "api_key",
                "must be printable ASCII without spaces",
            ));
        }
        Ok(Self(key))
    }

    /// A test key (`sk_test_…`), routed to the sandbox.
    pub fn is_test(&self) -> bool {
        self.0.starts_with("sk_test_")
    }

    /// The key itself. Only the request builder needs this.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl FromStr for ApiKey {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({REDACTED})")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// A session's `client_secret`: it authenticates the browser iframe (and the `validate` and
/// `confirm` calls made on its behalf). Hand it to the browser; never log it.
///
/// It serializes and deserializes as the plain string (it has to travel in request bodies),
/// but `Debug` and `Display` redact it.
///
/// ```
/// use easy_checkout_core::ClientSecret;
/// let secret = ClientSecret::new("ecs_secret_xyz").unwrap();
/// assert_eq!(secret.to_string(), "[REDACTED]");
/// assert_eq!(secret.expose_secret(), "ecs_secret_xyz");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// Wraps a client secret; it must not be empty.
    pub fn new(secret: impl Into<String>) -> Result<Self, InvalidInput> {
        let secret = secret.into();
        if secret.trim().is_empty() {
            return Err(InvalidInput::new("client_secret", "must not be empty"));
        }
        Ok(Self(secret))
    }

    /// The secret itself, for handing to the browser.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl FromStr for ClientSecret {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientSecret({REDACTED})")
    }
}

impl fmt::Display for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for ClientSecret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ClientSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Deliberately no `invalid value` error that would echo the string back.
        String::deserialize(deserializer).map(Self)
    }
}
