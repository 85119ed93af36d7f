//! [`InvalidInput`]: a value refused before anything is sent.

/// Input that cannot be sent: which field, and why. Never contains the value of a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {reason}")]
pub struct InvalidInput {
    field: &'static str,
    reason: String,
}

impl InvalidInput {
    /// A refusal of `field` for `reason`.
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }

    /// The refused field (`"session_id"`, `"return_url"`, …).
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// Why it was refused.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl From<std::convert::Infallible> for InvalidInput {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}
