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

/// The builder methods every operation with a body and an idempotency key shares.
macro_rules! body_builders {
    ($($ty:ident),*) => {$(
        impl $ty {
            /// Sets the `Idempotency-Key` (validated): the server replays the first reply for
            /// a repeated key, which is what makes a retry of this call safe.
            pub fn with_idempotency_key(
                mut self,
                key: impl TryInto<IdempotencyKey, Error: Into<InvalidInput>>,
            ) -> Result<Self, InvalidInput> {
                self.idempotency_key = Some(key.try_into().map_err(Into::into)?);
                Ok(self)
            }

            /// Adds a body field this SDK does not model yet (a name that repeats a typed
            /// field is refused when the request is built).
            pub fn with_extra(mut self, name: impl Into<String>, value: Value) -> Self {
                self.extra.insert(name.into(), value);
                self
            }
        }
    )*};
}

body_builders!(CreateSession, Confirm, UpdateConfig);

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
use crate::id::IdempotencyKey;

/// Body fields a parameter type does not model, sent as given (see `with_extra`).
pub type ExtraFields = Map<String, Value>;

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
pub(crate) fn check_extra(extra: &ExtraFields, typed: &[&str]) -> Result<(), InvalidInput> {
    match extra.keys().find(|k| typed.contains(&k.as_str())) {
        Some(_) => Err(InvalidInput::new(
            "extra",
            format!("must not repeat a typed field ({})", typed.join(", ")),
        )),
        None => Ok(()),
    }
}

/// Checks an absolute `http(s)` URL (a return URL or, with `origin_only`, an origin:
/// `scheme://host[:port]` and nothing after it).
///
/// A byte scan, not a parse: the builder only needs to refuse what cannot be right (no
/// scheme, another scheme, no host, credentials, a bad port, spaces or control characters),
/// and the server judges the rest. Parsing into an `http::Uri` allocated twice per URL and
/// was the whole of the builders' overhead over a bare `serde_json::to_vec`.
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
            let port = match after {
                "" => None,
                _ => match after.strip_prefix(':') {
                    Some(port) => Some(port),
                    None => return refuse("has characters after its IPv6 address"),
                },
            };
            let ip_ok = ip.parse::<std::net::Ipv6Addr>().is_ok();
            (ip_ok, port)
        }
        None => {
            let (host, port) = match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            };
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
