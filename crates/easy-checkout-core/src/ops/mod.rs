//! The operations, one type per call, and the request they become.
//!
//! | type | call | auth | may be sent again |
//! |---|---|---|---|
//! | [`CreateSession`] | `POST /embedded-checkout` | API key | with an idempotency key (the caller's or a generated one) |
//! | [`RetrieveSession`] | `GET /embedded-checkout/{id}` | API key | always |
//! | [`CryptoStatus`] | `GET /embedded-checkout/{id}/crypto-status` | API key | always |
//! | [`Validate`] | `POST /embedded-checkout/validate` | `client_secret` only | always (a check that changes nothing) |
//! | [`Confirm`] | `POST /embedded-checkout/confirm` | `client_secret` only | only with the caller's idempotency key |
//! | [`GetConfig`] | `GET /embedded-checkout/config` | API key | always |
//! | [`UpdateConfig`] | `PATCH /embedded-checkout/config` | API key | with an idempotency key (the caller's or a generated one) |
//! | [`ValidateKey`] | `GET /validate-key` | API key | always |
//!
//! Parameter types take fields this SDK does not know through `extra`, merged into the body
//! (a name that repeats a typed field is refused).

mod browser;
mod config;
mod key;
mod operation;
mod request;
mod session;

pub use browser::{
    Confirm, ConfirmPayment, CustomerDetails, PaymentMethod, PaymentSource, Validate,
};
pub use config::{GetConfig, UpdateConfig};
pub use key::ValidateKey;
pub use operation::{ApiKeyAuth, Auth, ClientSecretAuth, Idempotency, Operation, check_encoding};
pub use request::{NoResend, bypasses_proxy, may_resend, method_takes_body, sends_body};
pub use session::{
    CreateSession, CryptoStatus, LineItem, ReferenceSession, RetrieveSession, SessionParams,
};
