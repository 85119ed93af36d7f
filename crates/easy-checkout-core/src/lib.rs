//! The sans-IO core of the Easy Embedded Checkout SDK.
//!
//! **In scope:** every Embedded Checkout operation as a pure request builder
//! ([`Config::build`]) and response parser ([`Operation::parse`]); configuration, secrets
//! and ids; the error type; retry and poll policies; webhook verification; snapshot
//! rendering; the [`Transport`] trait and the blocking [`Client`] that drives it.
//!
//! **Out of scope:** sockets, TLS, DNS, files, environment variables. The operation and
//! policy code reads no clock, draws no random number and starts no thread; the client loop
//! gets those from a [`Runtime`] (the real one is behind the `system-runtime` feature, which
//! the transport crates `easy-checkout-ureq` and `easy-checkout-isahc` turn on).
//!
//! # The sans-IO flow
//!
//! Build a request, send it with anything, parse the reply:
//!
//! ```
//! use easy_checkout_core::{Config, Operation, http, ops::{CreateSession, LineItem}};
//!
//! let config = Config::new("sk_test_123".parse()?);
//! let op = CreateSession::new(vec![LineItem::new("price_abc", 1)], "https://example.com/return")
//!     .with_idempotency_key("ecs-cart-1")?;
//! let request: http::Request<Vec<u8>> = config.build(&op)?;
//! assert_eq!(request.method(), "POST");
//! assert_eq!(request.uri(), "https://sandbox-api.itseasy.co/v1/api/embedded-checkout");
//!
//! // … send `request` with hyper, reqwest, curl, a replay harness …
//! let response = http::Response::builder()
//!     .status(200)
//!     .body(br#"{"data":{"id":"ecs_1","client_secret":"ecs_secret_1","status":"open"}}"#.to_vec())?;
//!
//! let session = CreateSession::parse_response(&response)?;
//! assert_eq!(session.id, "ecs_1");
//! assert_eq!(format!("{:?}", session.client_secret), "Some(ClientSecret([REDACTED]))");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Snapshot testing
//!
//! [`snapshot::render`] prints any request as stable text with secrets redacted, ready for
//! `insta::assert_snapshot!`.
//!
//! # Modules
//!
//! | module | what |
//! |---|---|
//! | [`config`] | base URL routing, the API key, the user agent |
//! | [`ops`] | one type per operation |
//! | [`models`] | what the API returns |
//! | [`error`] | the error type |
//! | [`retry`], [`poll`] | when to retry, how to wait for payment |
//! | `webhook` (feature `webhook`, on by default) | signature verification |
//! | [`snapshot`] | request rendering for snapshot tests |
//! | [`transport`], [`client`], [`runtime`] | the seam to the network and the blocking client |

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[macro_use]
mod macros;

pub mod client;
pub mod config;
pub mod error;
mod extra;
pub mod id;
pub mod models;
pub mod operation;
pub mod ops;
pub mod poll;
pub mod retry;
pub mod runtime;
pub mod secret;
pub mod snapshot;
pub mod transport;
#[cfg(feature = "webhook")]
pub mod webhook;

pub use http;

pub use client::{Client, EmbeddedCheckout, Event, Reply, ResponseMeta, WaitOutcome};
pub use config::{BaseUrl, Config, Environment};
pub use error::{
    ApiError, ApiErrorKind, DecodeError, Error, ErrorKind, InvalidInput, RateLimit, RetryAfter,
    TransportError, TransportErrorKind,
};
pub use id::{IdempotencyKey, SessionId};
pub use models::{
    CheckoutConfig, CryptoPaymentStatus, KeyInfo, PaymentStatus, Session, SessionState,
    SessionStatus, ValidateResponse,
};
pub use operation::{ApiKeyAuth, Auth, ClientSecretAuth, Idempotency, Operation};
pub use poll::{PollPolicy, Terminal};
pub use retry::RetryPolicy;
pub use runtime::Runtime;
#[cfg(feature = "system-runtime")]
pub use runtime::SystemRuntime;
pub use secret::{ApiKey, ClientSecret};
pub use transport::{Transport, TransportSettings};
