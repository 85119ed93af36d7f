//! What only `UreqTransport` does, over real loopback HTTP, and the TLS tests of the shared
//! transport suite under this crate's features. The rest of the suite, the same for every
//! adapter, runs from the workspace's `tests/` (`tests/tests/transport_ureq.rs`).

use easy_checkout_core::http;
use easy_checkout_tests::transport_suite::{
    Adapter, CUT_AFTER_THE_LAST_CHUNK, an_empty_reply_is_judged_by_its_head, assert_endings,
    bare_get,
};
use easy_checkout_tests::{adapter, transport_tests};
use easy_checkout_ureq::UreqTransport;

const ADAPTER: Adapter<UreqTransport> = adapter!(easy_checkout_ureq, UreqTransport);

#[test]
fn transport_adds_no_headers_of_its_own() {
    let seen = bare_get(&ADAPTER);
    // No user-agent, accept, accept-encoding; no content-length on a body-less GET.
    assert_eq!(seen.header_names(), ["host"]);
}

/// ureq knows where a response head ends: it tells apart the empty replies isahc cannot
/// (see that crate's guarantees).
#[test]
fn a_cut_head_is_told_from_a_whole_reply_with_no_body() {
    an_empty_reply_is_judged_by_its_head(&ADAPTER, true);
}

/// ureq's own leniency (`BodyHandler::ended`): a chunked body whose last chunk came, and not
/// the blank line after it, is whole, the whole body having arrived.
#[test]
fn a_chunked_body_cut_after_its_last_chunk_is_whole() {
    let (what, reply) = CUT_AFTER_THE_LAST_CHUNK;
    assert_endings(
        &ADAPTER,
        &[(what, http::Method::GET, reply, Some((200, b"hello")))],
    );
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
transport_tests! {
    ADAPTER;
    plain_http_on_an_https_url_is_tls,
    tls_server_that_hangs_up_is_not_a_success,
}

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
transport_tests! { ADAPTER; https_without_a_tls_feature_fails_cleanly }
