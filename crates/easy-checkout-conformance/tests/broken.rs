//! The kit can fail, and fails precisely: a correct transport (`easy-checkout-reqwest`'s)
//! made wrong on purpose fails exactly the check of each rule it breaks, and nothing else.
//! The three violations are the ones the kit was written against: following redirects,
//! ignoring the total timeout, reporting timeouts as `Io`. A transport that panics, or hangs,
//! fails the check it did that in, and the other checks still run. A plain ureq agent, which
//! sends a keyless write on a kept-alive connection, fails the check written against that.

use std::time::Duration;

use easy_checkout_conformance::{Kit, Outcome, Report};
use easy_checkout_core::{
    AsyncTransport, TransportError, TransportErrorKind, TransportSettings, http,
};
use easy_checkout_reqwest::ReqwestTransport;

/// A rule a [`Broken`] transport breaks.
#[derive(Clone, Copy, PartialEq)]
enum Break {
    /// Follows a 3xx's `Location`, sending the same request (API key included) there.
    FollowsRedirects,
    /// Builds its client with no total timeout (an hour).
    IgnoresTheTotalTimeout,
    /// Reports every timeout as `Io`.
    ReportsTimeoutsAsIo,
    /// Panics on a DELETE.
    PanicsOnDelete,
    /// Never answers a DELETE.
    HangsOnDelete,
}

use Break::*;

/// `easy-checkout-reqwest`'s transport, breaking `breaks`.
struct Broken {
    inner: ReqwestTransport,
    breaks: &'static [Break],
}

/// A copy of `request`: method, URI, headers, body.
fn copy(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    copy
}

impl AsyncTransport for Broken {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let breaks = |rule| self.breaks.contains(&rule);
        if request.method() == http::Method::DELETE {
            assert!(!breaks(PanicsOnDelete), "a DELETE? never heard of it");
            if breaks(HangsOnDelete) {
                std::future::pending::<()>().await;
            }
        }
        let mut again = copy(&request);
        let mut outcome = self.inner.send(request).await;
        if let Ok(response) = &outcome {
            let location = response.headers().get("location");
            let target = location.and_then(|l| l.to_str().ok()?.parse::<http::Uri>().ok());
            if breaks(FollowsRedirects) && response.status().is_redirection() {
                if let Some(target) = target {
                    *again.uri_mut() = target;
                    outcome = self.inner.send(again).await;
                }
            }
        }
        outcome.map_err(|e| {
            if !breaks(ReportsTimeoutsAsIo) || e.kind() != TransportErrorKind::Timeout {
                return e;
            }
            let io = TransportError::new(TransportErrorKind::Io, e.to_string());
            if e.certainly_not_sent() {
                io.not_sent()
            } else {
                io.maybe_sent()
            }
        })
    }
}

/// The kit's report over a transport breaking `breaks`.
fn report(kit: Kit, breaks: &'static [Break]) -> Report {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    kit.run_async(
        move |settings, roots| {
            let settings = match breaks.contains(&IgnoresTheTotalTimeout) {
                true => settings.timeout(Duration::from_secs(3600)),
                false => settings,
            };
            let inner = ReqwestTransport::with_roots(settings, roots.unwrap_or_default());
            Broken { inner, breaks }
        },
        move |send| runtime.block_on(send),
    )
}

/// What `check` saw, in a report where it failed.
fn seen(report: &Report, check: &str) -> String {
    match report.outcome(check) {
        Some(Outcome::Failed(seen)) => seen.clone(),
        _ => panic!("{check} did not fail:\n{report}"),
    }
}

/// What `check` saw in the kit's report over a transport breaking `breaks`, where it is the
/// only check that failed.
fn fails_only(kit: Kit, breaks: &'static [Break], check: &str) -> String {
    let report = report(kit, breaks);
    assert_eq!(report.failed(), [check], "{report}");
    seen(&report, check)
}

#[test]
fn following_redirects_fails_exactly_its_check() {
    let check = "redirects_are_not_followed";
    let seen = fails_only(Kit::new(), &[FollowsRedirects], check);
    assert!(
        seen.contains("followed the redirect of GET")
            && seen.contains("x-easy-api-key: sk_test_secret"),
        "{seen}"
    );
}

#[test]
fn ignoring_the_total_timeout_fails_exactly_its_check() {
    let check = "the_total_timeout_bounds_every_request";
    fails_only(Kit::new(), &[IgnoresTheTotalTimeout], check);
}

#[test]
fn reporting_timeouts_as_io_fails_exactly_its_check() {
    let check = "timeouts_are_reported_as_timeout";
    let seen = fails_only(Kit::new(), &[ReportsTimeoutsAsIo], check);
    let expected = "expected a Timeout error, got a Io error";
    assert!(seen.contains(expected), "{seen}");
}

#[test]
fn a_panic_fails_its_check_with_the_message_and_the_rest_run() {
    let check = "empty_bodies_follow_the_method";
    let seen = fails_only(Kit::new(), &[PanicsOnDelete], check);
    assert!(
        seen.starts_with("the transport panicked sending DELETE http://127.0.0.1:")
            && seen.ends_with(": a DELETE? never heard of it"),
        "{seen}"
    );
}

#[test]
fn a_hang_fails_its_check_within_the_bound_and_the_rest_run() {
    let kit = Kit::new().time_bound(Duration::from_secs(8));
    let seen = fails_only(kit, &[HangsOnDelete], "empty_bodies_follow_the_method");
    let expected = "did not finish within 8s: the transport hung (last step: sending DELETE \
                    http://127.0.0.1:";
    assert!(seen.starts_with(expected), "{seen}");
}

/// The broken transport the kit was written against: one named check per violation.
#[test]
fn all_three_violations_fail_one_check_each() {
    let breaks = &[
        FollowsRedirects,
        IgnoresTheTotalTimeout,
        ReportsTimeoutsAsIo,
    ];
    let report = report(Kit::new(), breaks);
    assert_eq!(
        report.failed(),
        [
            "redirects_are_not_followed",
            "the_total_timeout_bounds_every_request",
            "timeouts_are_reported_as_timeout",
        ],
        "{report}"
    );
    let text = report.to_string();
    assert!(
        text.starts_with("conformance kit: 29 checks: 26 passed, 3 failed, 0 skipped"),
        "{text}"
    );
    assert!(
        text.contains("FAIL redirects_are_not_followed\n       obligation: follow no redirect"),
        "{text}"
    );
}

/// A blocking transport over one plain ureq agent, which sends every request on its pool of
/// kept-alive connections, a keyless write included: the write the server may be closing the
/// connection under, and that cannot be sent again.
fn pools_every_request(
    settings: TransportSettings,
) -> impl Fn(http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_global(Some(settings.timeout))
        .build()
        .into();
    move |request| {
        let fail = |e: ureq::Error| match e {
            ureq::Error::Timeout(_) => {
                TransportError::new(TransportErrorKind::Timeout, "timed out")
            }
            e => TransportError::new(TransportErrorKind::Io, e.to_string()).maybe_sent(),
        };
        let (parts, mut body) = agent.run(request).map_err(fail)?.into_parts();
        let body = body.read_to_vec().map_err(fail)?;
        Ok(http::Response::from_parts(parts, body))
    }
}

#[test]
fn sending_a_keyless_write_on_a_pooled_connection_fails_its_check() {
    let report = Kit::new().run(|settings, _| pools_every_request(settings));
    let check = "a_request_that_may_not_be_resent_never_takes_a_pooled_connection";
    assert!(report.failed().contains(&check), "{report}");
    let seen = seen(&report, check);
    assert!(
        seen.contains("it went out on the kept-alive connection the GET used"),
        "{seen}"
    );
}

#[test]
fn a_skip_is_reported_with_its_reason() {
    let kit = Kit::new().skip("redirects_are_not_followed", "not today");
    let report = report(kit, &[FollowsRedirects]);
    assert!(report.passed(), "{report}");
    let skipped = [("redirects_are_not_followed", "not today")];
    assert_eq!(report.skipped(), skipped);
    let text = report.to_string();
    assert!(
        text.contains("\n  SKIP redirects_are_not_followed (not today)"),
        "{text}"
    );
}

#[test]
#[should_panic(expected = "`redirects_are_followed` is not a check of the conformance kit")]
fn a_skip_of_no_check_is_refused() {
    let _ = Kit::new().skip("redirects_are_followed", "a typo");
}
