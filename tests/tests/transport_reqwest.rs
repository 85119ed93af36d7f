//! The transport suite over `ReqwestTransport`, the async transport the async scenarios run
//! on (`async_reqwest.rs`), through its blocking shim: each send is `block_on` of the async
//! send on a current-thread tokio runtime.
//!
//! Left out, with the reason:
//!
//! - The constructor tests (`from_key_*`, `from_env_*`, `with_base_url_*`,
//!   `with_config_names_the_transport_in_the_user_agent`, `constructors_do_no_io`): they test
//!   an adapter crate's one-line constructors; this test-support transport has none to ship
//!   (its shim has `with_base_url` and `with_config` only so that the suite's `client_*`
//!   tests can build a client).
//! - `https_still_goes_through_the_proxy_from_the_environment` and the TLS tests: the
//!   transport has no TLS and never uses a proxy (`no_proxy()`: the tests reach loopback
//!   only). `plain_http_never_goes_through_a_proxy` runs.

use easy_checkout_tests::reqwest_transport::USER_AGENT_SUFFIX;
use easy_checkout_tests::reqwest_transport::blocking::{self, BlockingReqwest};
use easy_checkout_tests::transport_suite::Adapter;
use easy_checkout_tests::transport_tests;

const ADAPTER: Adapter<BlockingReqwest> = Adapter {
    name: USER_AGENT_SUFFIX,
    transport: BlockingReqwest::with_settings,
    settings: BlockingReqwest::settings,
    // The constructor tests are left out (above): these two are never called.
    from_key: |_| unreachable!("this transport has no from_key"),
    from_env: || unreachable!("this transport has no from_env"),
    with_base_url: blocking::with_base_url,
    with_config: blocking::with_config,
};

transport_tests! {
    ADAPTER;
    request_goes_out_as_given,
    empty_post_sends_content_length_zero,
    an_empty_body_is_sent_only_on_methods_that_take_one,
    error_statuses_come_back_with_their_bodies,
    response_headers_all_come_back,
    redirects_are_not_followed,
    refused_connection_is_connect,
    silent_server_times_out,
    unanswered_connect_hits_the_connect_timeout,
    slow_body_hits_the_total_timeout,
    head_then_silence_hits_the_total_timeout,
    body_over_the_cap_is_refused_while_streaming,
    announced_length_over_the_cap_fails_before_reading,
    announced_length_over_the_cap_fails_on_the_head_alone,
    body_exactly_at_the_cap_is_read,
    connection_closed_before_any_reply_is_io,
    connection_closed_in_the_status_line_is_io,
    connection_closed_in_the_headers_is_io,
    connection_closed_mid_body_is_io,
    connection_closed_mid_chunked_body_is_io,
    a_whole_reply_then_a_close_is_a_response,
    garbage_reply_is_io,
    sequential_requests_reuse_one_connection,
    error_replies_keep_the_connection_too,
    client_sends_the_core_user_agent_once,
    client_reports_api_errors_with_the_raw_body,
    client_surfaces_transport_errors,
    a_cut_reply_to_a_get_is_retried,
    a_cut_reply_to_a_keyless_confirm_is_not_retried,
    transport_and_client_are_send_sync_clone,
    through_proxy_env_child,
    plain_http_never_goes_through_a_proxy,
    a_keyless_post_on_a_dead_kept_alive_connection_goes_out_once,
    a_timeout_under_a_millisecond_still_times_out,
}
