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
//! # Layers
//!
//! The folder tree is the design:
//!
//! | module | what |
//! |---|---|
//! | [`wire`] | what goes out and comes back: the [`Operation`] trait, [`ops`] (one type per operation), [`models`], [`id`]s, reply [`headers`](wire::headers) |
//! | [`config`] | base URL routing, the API key, the user agent |
//! | [`call`] | the call protocol as pure machines: [`Call`](call::Call) (key, retries, `Retry-After`, metadata, outcome), [`PaymentWait`](call::PaymentWait) (polling), the [`retry`] and [`poll`] policies |
//! | [`drivers`] | loops over the machines: the blocking [`Client`] over a [`Transport`], the [`Runtime`] it sleeps through, and (feature `async`) `AsyncClient` over an `AsyncTransport` |
//! | [`error`] | the one error type |
//! | [`secrets`] | the API key and client secrets as types that never print, and the one redaction |
//! | `webhook` (feature `webhook`, on by default) | signature verification |
//! | [`snapshot`] | request rendering for snapshot tests |
//!
//! Earlier paths (`client`, `retry`, `poll`, `transport`, `runtime`, `secret`, `models`,
//! `ops`, `operation`, `id`) still resolve to the same items, except `poll::Poller` and
//! `poll::PollStep`, now inside [`PaymentWait`](call::PaymentWait).
//!
//! # Features
//!
//! - `webhook` (default): HMAC-SHA256 webhook verification.
//! - `system-runtime`: the system clock, `thread::sleep` and OS randomness for
//!   `Client::new` (and `AsyncClient::new`); the transport crates turn it on.
//! - `async`: `AsyncClient`, `AsyncTransport` and `Sleep`, and `system-runtime` for
//!   `AsyncClient::new`; no async runtime, no HTTP client (`easy-checkout-reqwest` is the
//!   async client on tokio and reqwest, ready made).
//! - `tracing`: one `tracing` span per call and events for each outcome and retry (names,
//!   methods, paths, statuses, counts, delays; never a header, a body, a key or a secret).
//! - `tls`: `RootCertificates`, the roots a transport trusts, from PEM, checked as X.509
//!   certificates before any transport sees them; the transport crates turn it on.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[macro_use]
mod macros;

pub mod call;
pub mod config;
pub mod drivers;
pub mod error;
pub mod secrets;
pub mod snapshot;
#[cfg(feature = "webhook")]
pub mod webhook;
pub mod wire;

// The modules under their earlier names, so that users' paths keep working.
#[doc(hidden)]
pub use call::{poll, retry};
#[doc(hidden)]
pub use drivers::blocking as client;
#[doc(hidden)]
pub use drivers::{runtime, transport};
#[doc(hidden)]
pub use secrets::keys as secret;
#[doc(hidden)]
pub use wire::{id, models, operation, ops};

pub use http;

pub use client::{Client, EmbeddedCheckout, Event, Reply, ResponseMeta, WaitOutcome};
pub use config::{BaseUrl, Config, Environment};
#[cfg(feature = "async")]
pub use drivers::asynchronous::{AsyncClient, AsyncEmbeddedCheckout, AsyncTransport, Sleep};
#[allow(deprecated)]
pub use error::ApiErrorKind;
pub use error::{
    ApiError, DecodeError, Error, ErrorKind, InvalidInput, RateLimit, RetryAfter, TransportError,
    TransportErrorKind,
};
pub use id::{IdempotencyKey, SessionId};
pub use models::{
    CheckoutConfig, CryptoPaymentStatus, KeyInfo, PaymentStatus, Session, SessionState,
    SessionStatus, Terminal, ValidateResponse,
};
pub use operation::{ApiKeyAuth, Auth, ClientSecretAuth, Idempotency, Operation};
pub use poll::PollPolicy;
pub use retry::RetryPolicy;
pub use runtime::Runtime;
#[cfg(feature = "system-runtime")]
pub use runtime::SystemRuntime;
pub use secret::{ApiKey, ClientSecret};
#[cfg(feature = "tls")]
pub use transport::RootCertificates;
pub use transport::{Transport, TransportSettings};
