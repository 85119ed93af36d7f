//! Drivers: the loops that run the call machines over a network. The blocking [`Client`]
//! over a [`Transport`], the [`Runtime`] it takes time, sleep and randomness from, and
//! (feature `async`) the `AsyncClient` over an `AsyncTransport`, in `asynchronous`.
//!
//! [`Client`]: blocking::Client
//! [`Transport`]: transport::Transport
//! [`Runtime`]: runtime::Runtime

#[cfg(feature = "async")]
pub mod asynchronous;
pub mod blocking;
mod observe;
#[cfg(feature = "tls")]
mod roots;
pub mod runtime;
pub mod transport;
