//! The sans-IO core of the Easy Embedded Checkout SDK: every operation as a pure request
//! builder ([`Config::build`]) and response parser ([`Operation::parse`]), the call protocol
//! (retries, idempotency keys, polling) as pure machines, webhook verification, snapshot
//! rendering, and the clients that drive them over a [`Transport`]. No sockets, TLS, DNS,
//! files or environment variables; only the client loops read a clock, sleep or draw
//! randomness, through a [`Runtime`].
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
//! Each module imports only those before it in this order: `redact`, `input`, `secret`, `id`,
//! `headers`, `error`, `config`, `models`, `ops`, `transport`, `call`, `runtime`, `observe`,
//! `client`, `async_client`, `snapshot`, `webhook`.
//!
//! # Features
//!
//! - `webhook` (default): HMAC-SHA256 webhook verification.
//! - `system-runtime`: `SystemRuntime` and the one-line constructors over an [`Adapter`].
//! - `async`: `AsyncClient`, `AsyncTransport` and `Sleep`, with no async runtime or HTTP
//!   client of its own; turns on `system-runtime`.
//! - `tracing`: a `tracing` span per call, never with a header, body, key or secret.
//! - `tls`: `RootCertificates`, the roots a transport trusts, from PEM bytes.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "async")]
pub mod async_client;
pub mod call;
pub mod client;
pub mod config;
pub mod error;
pub mod headers;
pub mod id;
pub mod input;
pub mod models;
pub mod observe;
pub mod ops;
pub mod redact;
pub mod runtime;
pub mod secret;
pub mod snapshot;
pub mod transport;
#[cfg(feature = "webhook")]
pub mod webhook;

pub use http;

#[cfg(feature = "async")]
pub use async_client::{AsyncClient, AsyncEmbeddedCheckout};
pub use call::{PollPolicy, Reply, ResponseMeta, RetryBudget, RetryPolicy, WaitOutcome};
pub use client::{Client, EmbeddedCheckout};
pub use config::{BaseUrl, Config, Environment};
pub use error::{ApiError, DecodeError, Error, ErrorKind, TransportError, TransportErrorKind};
pub use headers::{RateLimit, RetryAfter};
pub use id::{IdempotencyKey, SessionId};
pub use input::InvalidInput;
pub use models::{
    Amount, CheckoutConfig, CryptoPaymentStatus, KeyInfo, PaymentStatus, Session, SessionState,
    SessionStatus, Terminal, ValidateResponse, Vocabulary,
};
pub use observe::Event;
pub use ops::{ApiKeyAuth, Auth, ClientSecretAuth, Idempotency, Operation};
pub use runtime::Runtime;
#[cfg(feature = "async")]
pub use runtime::Sleep;
#[cfg(feature = "system-runtime")]
pub use runtime::SystemRuntime;
pub use secret::{ApiKey, ClientSecret};
#[cfg(feature = "async")]
pub use transport::AsyncTransport;
#[cfg(feature = "tls")]
pub use transport::RootCertificates;
pub use transport::{Adapter, Transport, TransportSettings};
