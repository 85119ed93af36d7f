//! The operations, one type per call.
//!
//! | type | call | auth |
//! |---|---|---|
//! | [`CreateSession`] | `POST /embedded-checkout` | API key |
//! | [`RetrieveSession`] | `GET /embedded-checkout/{id}` | API key |
//! | [`CryptoStatus`] | `GET /embedded-checkout/{id}/crypto-status` | API key |
//! | [`Validate`] | `POST /embedded-checkout/validate` | `client_secret` only |
//! | [`Confirm`] | `POST /embedded-checkout/confirm` | `client_secret` only |
//! | [`GetConfig`] | `GET /embedded-checkout/config` | API key |
//! | [`UpdateConfig`] | `PATCH /embedded-checkout/config` | API key |
//! | [`ValidateKey`] | `GET /validate-key` | API key |
//!
//! Parameter types keep their known fields typed and take anything newer through
//! `extra` (merged into the JSON body; a name that collides with a typed field is refused).

mod client_side;
mod config;
mod key;
mod session;

pub use client_side::{Confirm, PaymentMethod, Validate};
pub use config::{GetConfig, UpdateConfig};
pub use key::ValidateKey;
pub use session::{CreateSession, CryptoStatus, LineItem, RetrieveSession};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::InvalidInput;

/// The path prefix of every Embedded Checkout call.
pub(crate) const PREFIX: &str = "/embedded-checkout";

/// Serializes a body. Our parameter types cannot fail to serialize (string keys only), but
/// the error is still typed rather than unwrapped.
pub(crate) fn to_json<T: Serialize>(body: &T) -> Result<Option<Vec<u8>>, InvalidInput> {
    serde_json::to_vec(body)
        .map(Some)
        .map_err(|_| InvalidInput::new("body", "could not be serialized as JSON"))
}

/// Refuses extra fields that would duplicate a typed one.
pub(crate) fn check_extra(extra: &Map<String, Value>, typed: &[&str]) -> Result<(), InvalidInput> {
    match extra.keys().find(|k| typed.contains(&k.as_str())) {
        Some(_) => Err(InvalidInput::new(
            "extra",
            format!("must not repeat a typed field ({})", typed.join(", ")),
        )),
        None => Ok(()),
    }
}

/// Checks an absolute `http(s)` URL (a return URL or an origin).
pub(crate) fn check_url(
    field: &'static str,
    url: &str,
    origin_only: bool,
) -> Result<(), InvalidInput> {
    let uri: http::Uri = url
        .parse()
        .map_err(|_| InvalidInput::new(field, "is not a valid URL"))?;
    let scheme_ok = matches!(uri.scheme_str(), Some("https" | "http"));
    if !scheme_ok || uri.host().is_none_or(str::is_empty) {
        return Err(InvalidInput::new(
            field,
            "must be an absolute http:// or https:// URL",
        ));
    }
    if origin_only
        && (uri
            .path_and_query()
            .is_some_and(|p| p.as_str() != "/" && !p.as_str().is_empty())
            || url.ends_with('/'))
    {
        return Err(InvalidInput::new(
            field,
            "must be an origin (scheme://host[:port], no path)",
        ));
    }
    Ok(())
}
