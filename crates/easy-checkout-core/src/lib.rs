//! The sans-IO core of the Easy Embedded Checkout SDK.
//!
//! **In scope:** every Embedded Checkout operation as a pure request builder
//! ([`Config::build`]) and response parser ([`Operation::parse`]); the call protocol
//! (retries, idempotency keys, polling) as pure machines; webhook verification; snapshot
//! rendering; the [`Transport`] traits and the clients that drive them.
//!
//! **Out of scope:** sockets, TLS, DNS, files, environment variables. Only the client loops
//! read a clock, sleep or draw randomness, through a [`Runtime`] (the real one behind the
//! `system-runtime` feature, which the transport crates turn on).
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
//! # The map
//!
//! One path per item: its module, and for the common ones a re-export here. Each module
//! imports only modules above it in this table.
//!
//! | module | what |
//! |---|---|
//! | [`redact`] | what a secret prints as, and the one redaction of JSON |
//! | [`input`] | [`InvalidInput`]: a value refused before anything is sent |
//! | [`secret`] | [`ApiKey`], [`ClientSecret`]: secrets that never print |
//! | [`id`] | [`SessionId`], [`IdempotencyKey`] |
//! | [`headers`] | the headers the SDK sends and reads ([`RetryAfter`], [`RateLimit`]) |
//! | [`error`] | [`Error`], [`ErrorKind`], and the error of each layer below a call |
//! | [`config`] | [`Config`], [`BaseUrl`], [`Environment`]: where requests go, with which key |
//! | [`models`] | what the API returns, read in both of Easy's [`Vocabulary`]s |
//! | [`ops`] | one type per operation ([`Operation`]), the request builder and the marks it puts on a request |
//! | [`transport`] | the [`Transport`] traits, their settings, roots, and the [`Adapter`] trait of transport crates |
//! | [`call`] | the call protocol as pure machines: [`Call`](call::Call), [`PaymentWait`](call::PaymentWait), the retry and poll policies, the retry budget |
//! | [`runtime`] | time, sleep and randomness for the client loops |
//! | [`observe`] | what a client loop tells an observer ([`Event`]) and `tracing` |
//! | [`client`] | the blocking [`Client`] |
//! | `async_client` | (feature `async`) `AsyncClient` |
//! | [`snapshot`] | stable, secret-free request text for `insta` snapshots |
//! | `webhook` | (feature `webhook`, on by default) signature verification, deliveries and their metadata |
//!
//! # Features
//!
//! - `webhook` (default): HMAC-SHA256 webhook verification.
//! - `system-runtime`: `SystemRuntime` (the system clock, `thread::sleep`, OS randomness)
//!   and the one-line constructors over an [`Adapter`].
//! - `async`: `AsyncClient`, `AsyncTransport` and `Sleep` (no async runtime, no HTTP client;
//!   `easy-checkout-reqwest` is one ready made); turns on `system-runtime`.
//! - `tracing`: a `tracing` span per call and events for each outcome and retry, never a
//!   header, a body, a key or a secret.
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
