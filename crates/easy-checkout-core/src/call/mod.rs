//! The call: everything between "run this operation" and its result, as pure state
//! machines. [`Call`] owns the protocol of one call (the idempotency key, retries and their
//! waits, `Retry-After`, the metadata of the reply, whether a failed write may have
//! happened); [`PaymentWait`] polls a session over it. Drivers feed them each attempt's
//! outcome and the time, and do what they say.

pub mod poll;
pub mod retry;
