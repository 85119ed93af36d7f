//! Secrets: `Debug` and `Display` print `[REDACTED]`, a refusal never echoes the value, and
//! only `expose_secret` reads it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::input::InvalidInput;
use crate::redact::REDACTED;

/// The kinds of key Easy issues, told apart by their case-sensitive prefix. `sk_sandbox_`, on
/// one Easy page only, is read as a sandbox key, the safe reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// `sk_test_…`: a secret key for the sandbox.
    SecretTest,
    /// `sk_sandbox_…`: a secret key for the sandbox.
    SecretSandbox,
    /// `pk_test_…`: a publishable key (limited scope, meant for browsers) for the sandbox.
    PublishableTest,
    /// `sk_live_…`: a secret key for production.
    SecretLive,
    /// `pk_live_…`: a publishable key for production.
    PublishableLive,
}

impl KeyKind {
    /// Every kind, in the order declared.
    pub const ALL: [KeyKind; 5] = [
        Self::SecretTest,
        Self::SecretSandbox,
        Self::PublishableTest,
        Self::SecretLive,
        Self::PublishableLive,
    ];

    /// The prefix a key of this kind starts with (`"sk_test_"`, …).
    pub fn prefix(self) -> &'static str {
        match self {
            Self::SecretTest => "sk_test_",
            Self::SecretSandbox => "sk_sandbox_",
            Self::PublishableTest => "pk_test_",
            Self::SecretLive => "sk_live_",
            Self::PublishableLive => "pk_live_",
        }
    }

    /// Whether keys of this kind belong to the sandbox.
    pub fn is_test(self) -> bool {
        matches!(
            self,
            Self::SecretTest | Self::SecretSandbox | Self::PublishableTest
        )
    }

    /// Whether keys of this kind are publishable ones (`pk_…`).
    pub fn is_publishable(self) -> bool {
        matches!(self, Self::PublishableTest | Self::PublishableLive)
    }
}

/// An Easy API key: a [`KeyKind`] prefix, then at least one visible ASCII character (other
/// keys go to an explicit base URL: [`Config::for_base_url`](crate::config::Config::for_base_url)).
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    key: String,
    kind: KeyKind,
}

impl ApiKey {
    /// Wraps an Easy key; refuses one that is not, or cannot be sent in a header.
    pub fn new(key: impl Into<String>) -> Result<Self, InvalidInput> {
        let key = key.into();
        check_header_safe(&key)?;
        let kind = KeyKind::ALL
            .into_iter()
            .find(|k| key.starts_with(k.prefix()));
        let kind = kind.ok_or_else(|| {
            InvalidInput::new(
                "api_key",
                "is not an Easy API key (one starts with sk_test_, sk_live_, pk_test_, \
                 pk_live_ or sk_sandbox_); another key is sent only to a base URL set \
                 explicitly (a proxy, a fake)",
            )
        })?;
        if key.len() == kind.prefix().len() {
            return Err(InvalidInput::new(
                "api_key",
                format!("has nothing after its prefix {}", kind.prefix()),
            ));
        }
        Ok(Self { key, kind })
    }

    /// Which kind of key it is.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// Whether it is a sandbox key ([`KeyKind::is_test`]).
    pub fn is_test(&self) -> bool {
        self.kind.is_test()
    }

    /// The key itself. Only the request builder needs this.
    pub fn expose_secret(&self) -> &str {
        &self.key
    }
}

/// Refuses a key that cannot travel in the `x-easy-api-key` header, without quoting it.
pub(crate) fn check_header_safe(key: &str) -> Result<(), InvalidInput> {
    let reason = if key.trim().is_empty() {
        "must not be empty"
    } else if !key.bytes().all(|b| b.is_ascii_graphic()) {
        "must be printable ASCII without spaces"
    } else {
        return Ok(());
    };
    Err(InvalidInput::new("api_key", reason))
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

/// A session's `client_secret`, which authenticates the browser iframe (and `validate` and
/// `confirm`). It serializes as the plain string: it travels in request bodies.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
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
