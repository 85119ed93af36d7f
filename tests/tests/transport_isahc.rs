//! The transport suite over isahc: `IsahcTransport` and the crate's constructors.

use easy_checkout_isahc::IsahcTransport;
use easy_checkout_tests::transport_suite::Adapter;
use easy_checkout_tests::{adapter, transport_tests};

const ADAPTER: Adapter<IsahcTransport> = adapter!(easy_checkout_isahc, IsahcTransport);

include!("all_transport_tests.in");
