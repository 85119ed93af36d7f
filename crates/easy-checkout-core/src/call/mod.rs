//! The call protocol as pure state machines, [`Call`] and [`PaymentWait`]: they never send,
//! sleep, read a clock or draw randomness; a driver feeds them each attempt's outcome and the
//! time, and does what they say. Both clients, and any driver of your own, are such a loop:
//!
//! ```
//! use easy_checkout_core::call::{Call, Machine, Now, Step};
//! use easy_checkout_core::{Config, Error, Reply, RetryPolicy, TransportError, http, ops::GetConfig};
//! use std::time::{Duration, SystemTime};
//!
//! /// A test double in place of your stack, which keeps the obligations listed on `Transport`.
//! fn send(_: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
//!     Ok(http::Response::new(br#"{"data":{"allowed_origins":["https://shop.example"]}}"#.to_vec()))
//! }
//!
//! fn drive<M: Machine>(mut machine: M) -> Result<M::Output, Error> {
//!     let mut step = machine.next();
//!     loop {
//!         step = match step {
//!             Step::Send(request) => {
//!                 let outcome = send(request);
//!                 machine.handle(outcome, Now::new(SystemTime::now(), Duration::ZERO))
//!             }
//!             Step::Wait(delay) => {
//!                 std::thread::sleep(delay);
//!                 machine.next()
//!             }
//!             Step::Done(result) => return result,
//!         }
//!     }
//! }
//!
//! let config = Config::new("sk_test_123".parse()?);
//! let random = || 7; // your RNG: two draws make a generated key, one is each retry's jitter
//! let reply: Reply<_> = drive(Call::new(&config, &GetConfig, RetryPolicy::default(), random))?;
//! assert_eq!(reply.value.allowed_origins.unwrap(), ["https://shop.example"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod budget;
mod machine;
mod retry;
mod step;
mod wait;

pub use budget::{RetryBudget, RetryBudgetPolicy};
pub use machine::{Call, Reply, ResponseMeta};
pub use retry::{Attempt, RetryDecision, RetryPolicy};
pub use step::{KeySource, Machine, Now, Step};
pub use wait::{PaymentWait, PollPolicy, WaitOutcome};
