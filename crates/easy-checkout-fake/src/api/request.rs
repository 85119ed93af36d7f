//! A request as the API sees it, and what is decided before any endpoint runs: which
//! route it names, which methods that route takes, whether its key is accepted, and how
//! large its body may be.

use serde_json::Value;

use crate::http1;
use crate::reply::Reply;

pub(crate) const REVOKED_KEY: &str = "sk_test_revoked";
/// Largest request body read; a larger one gets [`too_large`].
pub(crate) const MAX_BODY: u64 = 8 * 1024 * 1024;

/// A request as the API sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request<'a> {
    pub(crate) method: &'a str,
    /// The raw request target (path and query, percent-encoding intact).
    pub(crate) target: &'a str,
    /// Names lowercased.
    pub(crate) headers: &'a [(String, String)],
    pub(crate) body: &'a [u8],
}

impl<'a> Request<'a> {
    pub(crate) fn header(&self, name: &str) -> Option<&'a str> {
        http1::header(self.headers, name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route<'a> {
    ValidateKey,
    Create,
    Validate,
    Confirm,
    Config,
    /// The raw (still percent-encoded) id segment.
    Retrieve(&'a str),
    CryptoStatus(&'a str),
}

impl Route<'_> {
    /// Routes on the raw target split on `/`, so an encoded `%2F` inside an id stays in its
    /// segment and can never reach another endpoint.
    pub(crate) fn of(target: &str) -> Option<Route<'_>> {
        let path = target.split(['?', '#']).next().unwrap_or_default();
        let rest = path.strip_prefix('/')?;
        let segments: Vec<&str> = rest.split('/').collect();
        Some(match segments.as_slice() {
            ["validate-key"] => Route::ValidateKey,
            ["embedded-checkout"] => Route::Create,
            ["embedded-checkout", "validate"] => Route::Validate,
            ["embedded-checkout", "confirm"] => Route::Confirm,
            ["embedded-checkout", "config"] => Route::Config,
            ["embedded-checkout", id] if !id.is_empty() => Route::Retrieve(id),
            ["embedded-checkout", id, "crypto-status"] if !id.is_empty() => Route::CryptoStatus(id),
            _ => return None,
        })
    }

    pub(crate) fn methods(self) -> &'static [&'static str] {
        match self {
            Route::Create | Route::Validate | Route::Confirm => &["POST"],
            Route::Config => &["GET", "PATCH"],
            Route::ValidateKey | Route::Retrieve(_) | Route::CryptoStatus(_) => &["GET"],
        }
    }

    pub(crate) fn needs_key(self) -> bool {
        !matches!(self, Route::Validate | Route::Confirm)
    }
}

pub(crate) fn authenticate<'r>(req: &Request<'r>) -> Result<&'r str, Reply> {
    match req.header("x-easy-api-key").map(str::trim) {
        None | Some("") => Err(Reply::error(
            401,
            "AUTHENTICATION_REQUIRED",
            "the x-easy-api-key header is missing",
            Value::Null,
        )),
        Some(key) if key_accepted(key) => Ok(key),
        Some(_) => Err(Reply::error(
            401,
            "INVALID_API_KEY",
            "the API key is not valid",
            Value::Null,
        )),
    }
}

/// Whether the fake accepts `key`: `sk_test_X` or `sk_live_X` with a non-empty `X`, except
/// the revoked key.
fn key_accepted(key: &str) -> bool {
    key != REVOKED_KEY
        && key
            .strip_prefix("sk_test_")
            .or_else(|| key.strip_prefix("sk_live_"))
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_graphic()))
}

/// The `413` for a body over [`MAX_BODY`], which is never read.
pub(crate) fn too_large() -> Reply {
    Reply::error(
        413,
        "PAYLOAD_TOO_LARGE",
        format!("request bodies are limited to {MAX_BODY} bytes"),
        Value::Null,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_on_raw_segments() {
        assert_eq!(Route::of("/embedded-checkout"), Some(Route::Create));
        assert_eq!(Route::of("/embedded-checkout?x=1"), Some(Route::Create));
        assert_eq!(Route::of("/embedded-checkout/config"), Some(Route::Config));
        assert_eq!(
            Route::of("/embedded-checkout/ecs_1%2F..%2Fconfig"),
            Some(Route::Retrieve("ecs_1%2F..%2Fconfig"))
        );
        assert_eq!(
            Route::of("/embedded-checkout/ecs_1/crypto-status"),
            Some(Route::CryptoStatus("ecs_1"))
        );
        assert_eq!(Route::of("/embedded-checkout/"), None);
        assert_eq!(Route::of("/embedded-checkout/a/b"), None);
        assert_eq!(Route::of("embedded-checkout"), None);
        assert_eq!(Route::of("/"), None);
        assert_eq!(Route::of("*"), None);
    }

    #[test]
    fn accepts_keys_by_shape() {
        assert!(key_accepted("sk_test_fake_key"));
        assert!(key_accepted("sk_live_x"));
        assert!(!key_accepted("sk_test_"));
        assert!(!key_accepted("sk_test_revoked"));
        assert!(!key_accepted("pk_test_x"));
        assert!(!key_accepted("sk_other_x"));
    }
}
