//! Drivers: the loops that run the call machines over a network. The blocking [`Client`]
//! over a [`Transport`], and the [`Runtime`] it takes time, sleep and randomness from.
//!
//! [`Client`]: blocking::Client
//! [`Transport`]: transport::Transport
//! [`Runtime`]: runtime::Runtime

pub mod blocking;
mod observe;
pub mod runtime;
pub mod transport;
