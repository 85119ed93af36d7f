//! Shared scenarios for the cross-crate tests.
