//! `GET /validate-key`: is the configured key live? Explicit, never done by a constructor.

use http::{HeaderMap, Method, StatusCode};

use crate::error::{ApiError, Error, ErrorKind};
use crate::models::KeyInfo;
use crate::ops::operation::{ApiKeyAuth, Idempotency, Operation, parse_object};

/// `validate_key`: `GET /validate-key`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValidateKey;

impl Operation for ValidateKey {
    type Output = KeyInfo;
    type Auth = ApiKeyAuth;
    const NAME: &'static str = "validate_key";
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: Idempotency = Idempotency::Safe;

    fn write_path(&self, path: &mut String) {
        path.push_str("/validate-key");
    }

    fn parse(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Self::Output, Error> {
        match parse_object::<KeyInfo>(status, headers, body) {
            // The API's rule: a 2xx without the public key is an authentication failure.
            Err(Error::Decode(_)) => {
                let mut e = ApiError::from_response(status, headers, body);
                e.kind = ErrorKind::Authentication;
                e.message =
                    Some("the reply does not confirm the key (no basisTheoryPublicApiKey)".into());
                Err(e.into())
            }
            other => other,
        }
    }
}
