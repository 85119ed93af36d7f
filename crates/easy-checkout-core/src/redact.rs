//! The one redaction of secrets in JSON, for every JSON the SDK prints.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// What a redacted secret prints as.
pub const REDACTED: &str = "[REDACTED]";

/// Body keys whose values are always redacted, compared ignoring case, `_` and `-`.
const SECRET_FIELDS: &[&str] = &["clientsecret", "apikey", "xeasyapikey"];

/// Whether a JSON key names a secret (`client_secret`, `apiKey`, `x-easy-api-key`, …).
pub fn is_secret_key(key: &str) -> bool {
    let normalized: String = key
        .chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    SECRET_FIELDS.contains(&normalized.as_str())
}

/// Replaces every secret field in `value`, at any depth, with [`REDACTED`].
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

/// `Debug` for a value that may hold a secret: `name` and a redacted copy of its JSON.
pub(crate) fn debug_json(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    value: &impl Serialize,
) -> fmt::Result {
    write!(f, "{name} {:?}", RedactedJson(value))
}

/// `Debug` for JSON that may hold a secret: a redacted copy.
pub(crate) struct RedactedJson<'a, T: Serialize>(pub(crate) &'a T);

impl<T: Serialize> fmt::Debug for RedactedJson<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_value(self.0) {
            Ok(mut value) => {
                redact(&mut value);
                write!(f, "{value:?}")
            }
            Err(_) => f.write_str("<unprintable>"),
        }
    }
}
