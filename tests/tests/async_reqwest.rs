//! Every scenario over the async driver: an `AsyncClient` over reqwest on tokio, behind the
//! blocking facade of `easy_checkout_tests::driver` (each call is `runtime.block_on` of the
//! async call; the machines, the retry sleeps and the transport run async). The tests are
//! named `async_reqwest::<scenario>`.
//!
//! None is skipped. The scenarios that build their own client with `subject.make` (a keyless
//! client, a revoked key, a closed port) build an async one. The one that guards against a
//! transport resending a request by itself (`a_keyless_post_is_never_resent_on_a_dead_pooled_connection`,
//! written for libcurl) runs as it is: hyper-util's pool is the transport below here that
//! could resend (see `ReqwestTransport::send` for why it does not). The two that share one
//! client (`one_client_shared_by_threads_never_stalls_or_retries`,
//! `exactly_once_under_load_and_chaos`) share one `AsyncClient` between tokio tasks on its
//! runtime instead of threads.

mod async_reqwest {
    use easy_checkout_reqwest::{ReqwestTransport, USER_AGENT_SUFFIX};
    use easy_checkout_tests::driver::{OnTokio, reqwest_with_config};
    use easy_checkout_tests::{Subject, scenario_tests};

    const SUBJECT: Subject<OnTokio<ReqwestTransport>> = Subject {
        name: USER_AGENT_SUFFIX,
        make: reqwest_with_config,
    };

    include!("all_scenarios.in");
}
