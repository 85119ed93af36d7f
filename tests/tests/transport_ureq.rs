//! The transport suite over ureq: `UreqTransport` and the crate's constructors.

use easy_checkout_tests::transport_suite::Adapter;
use easy_checkout_tests::{adapter, transport_tests};
use easy_checkout_ureq::UreqTransport;

const ADAPTER: Adapter<UreqTransport> = adapter!(easy_checkout_ureq, UreqTransport);

include!("all_transport_tests.in");

// ureq hands over the response head before any byte of the body.
transport_tests! { ADAPTER; announced_length_over_the_cap_fails_on_the_head_alone }
