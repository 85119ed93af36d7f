//! Secrets and their redaction: the API key and client secrets as types that never print,
//! and the one walker that blanks secret fields in any JSON before it is shown.

pub mod keys;
pub mod redact;
