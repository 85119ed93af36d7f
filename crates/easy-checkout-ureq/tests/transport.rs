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

/// A keyless confirm leaves on a connection of its own, never on the pooled one a load
/// balancer may be closing: across gaps that sweep the idle timeout, none fails, and none
/// reaches the server on a connection that carried anything else. (The reads before them
/// meet the race and are retried.)
#[test]
fn keyless_confirms_never_meet_an_idle_close() {
    use easy_checkout_tests::middlebox::sweep_keyless_confirms;

    let sweep = sweep_keyless_confirms(
        |config| easy_checkout_ureq::with_transport(config, UreqTransport::new()),
        200,
    );
    println!("ureq, own agent: {sweep}");
    assert_eq!(sweep.failed, Vec::<String>::new());
    assert_eq!(sweep.confirms_received, 200);
    assert_eq!(sweep.confirms_on_a_reused_connection, 0);
}

/// The same over a caller's agent: the request-level setting keeps the confirm off its pool.
#[test]
fn keyless_confirms_never_meet_an_idle_close_on_a_callers_agent() {
    use easy_checkout_core::TransportSettings;
    use easy_checkout_tests::middlebox::sweep_keyless_confirms;

    let sweep = sweep_keyless_confirms(
        |config| {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .max_idle_connections_per_host(4)
                .build()
                .into();
            let transport = UreqTransport::from_agent(agent, TransportSettings::default());
            easy_checkout_ureq::with_transport(config, transport)
        },
        200,
    );
    println!("ureq, caller's agent: {sweep}");
    assert_eq!(sweep.failed, Vec::<String>::new());
    assert_eq!(sweep.confirms_received, 200);
    assert_eq!(sweep.confirms_on_a_reused_connection, 0);
}
