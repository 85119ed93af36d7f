//! The wire: what goes out and what comes back. The [`Operation`](operation::Operation) trait
//! and one type per operation ([`ops`]), the models replies decode into ([`models`]), ids
//! ([`id`]), and the headers read off replies ([`headers`]). Pure: no IO, no clock.

pub mod headers;
pub mod id;
pub mod models;
pub mod operation;
pub mod ops;
