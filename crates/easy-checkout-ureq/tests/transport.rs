//! What only `UreqTransport` does, over real loopback HTTP, and the TLS tests of the shared
//! transport suite under this crate's features. The rest of the suite, the same for every
//! adapter, runs from the workspace's `tests/` (`tests/tests/transport_ureq.rs`).

use easy_checkout_tests::transport_suite::{Adapter, bare_get};
use easy_checkout_tests::{adapter, transport_tests};
use easy_checkout_ureq::UreqTransport;

const ADAPTER: Adapter<UreqTransport> = adapter!(easy_checkout_ureq, UreqTransport);

#[test]
fn transport_adds_no_headers_of_its_own() {
    let seen = bare_get(&ADAPTER);
    // No user-agent, accept, accept-encoding; no content-length on a body-less GET.
    assert_eq!(seen.header_names(), ["host"]);
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
transport_tests! {
    ADAPTER;
    plain_http_on_an_https_url_is_tls,
    tls_server_that_hangs_up_is_not_a_success,
}

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
transport_tests! { ADAPTER; https_without_a_tls_feature_fails_cleanly }
