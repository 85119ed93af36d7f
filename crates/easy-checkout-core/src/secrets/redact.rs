//! One redaction for everything that prints JSON: the models' `Debug`, error details,
//! snapshots and the CLI. One list of secret field names, one walker.

use serde_json::Value;

use crate::secrets::keys::REDACTED;

/// Body keys whose values are always redacted, compared ignoring case, `_` and `-`
/// (`client_secret`, `clientSecret`, `Client-Secret`, …).
const SECRET_FIELDS: &[&str] = &["clientsecret", "apikey", "xeasyapikey"];

/// Whether a JSON key names a secret.
pub fn is_secret_key(key: &str) -> bool {
    let mut normalized = String::with_capacity(key.len());
    normalized.extend(
        key.chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .map(|c| c.to_ascii_lowercase()),
    );
    SECRET_FIELDS.contains(&normalized.as_str())
}

/// Replaces every secret field in `value` (see [`is_secret_key`]), at any depth, with
/// `[REDACTED]`.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_secret_key(key) && !v.is_null() {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// `Debug` for JSON that may hold a secret: prints a redacted copy.
pub(crate) struct RedactedJson<'a, T: serde::Serialize>(pub(crate) &'a T);

impl<T: serde::Serialize> std::fmt::Debug for RedactedJson<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match serde_json::to_value(self.0) {
            Ok(mut value) => {
                redact(&mut value);
                write!(f, "{value:?}")
            }
            Err(_) => f.write_str("<unprintable>"),
        }
    }
}
