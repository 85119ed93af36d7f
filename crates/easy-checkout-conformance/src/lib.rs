//! The conformance kit for Easy Embedded Checkout transports: every obligation of
//! [`Transport`] and [`AsyncTransport`], checked against your transport over real loopback
//! sockets, with servers that misbehave on cue.
//!
//! The SDK's guarantees (no API key sent to another host, no payment charged twice by our
//! doing, bounded time and memory, honest "was it sent?" answers) hold only over a transport
//! that keeps the traits' obligations. An HTTP client's defaults often do not: most follow
//! redirects with every custom header, many send `Content-Length: 0` on a GET or take a
//! proxy for plain `http://`, and a total timeout is often a per-read one. This kit is how
//! you know: the same checks `easy-checkout-ureq`, `easy-checkout-isahc` and
//! `easy-checkout-reqwest` pass in their own tests.
//!
//! # Use
//!
//! One dev-dependency, and one test that builds your transport from the settings (and the
//! root certificates, for the TLS checks) the kit passes:
//!
//! ```toml
//! [dev-dependencies]
//! easy-checkout-conformance = "0.1"
//! ```
//!
//! ```no_run
//! # use easy_checkout_core::{RootCertificates, TransportSettings};
//! # struct MyTransport; // yours; here, ureq's transport (which passes the kit) stands in
//! # impl MyTransport {
//! #     fn new(s: TransportSettings, r: Option<RootCertificates>) -> easy_checkout_ureq::UreqTransport {
//! #         easy_checkout_ureq::UreqTransport::with_roots(s, r.unwrap_or_default())
//! #     }
//! # }
//! #[test]
//! fn my_transport_keeps_every_obligation() {
//!     easy_checkout_conformance::Kit::new()
//!         .run(|settings, roots| MyTransport::new(settings, roots))
//!         .assert_passed();
//! }
//! ```
//!
//! An [`AsyncTransport`] runs the same checks; the kit depends on no async runtime, so you
//! say how to run a send to completion:
//!
//! ```no_run
//! # use easy_checkout_core::{RootCertificates, TransportSettings};
//! # fn make(s: TransportSettings, r: Option<RootCertificates>) -> easy_checkout_reqwest::ReqwestTransport {
//! #     easy_checkout_reqwest::ReqwestTransport::with_roots(s, r.unwrap_or_default())
//! # }
//! #[test]
//! fn my_async_transport_keeps_every_obligation() {
//!     let runtime = tokio::runtime::Runtime::new().unwrap();
//!     easy_checkout_conformance::Kit::new()
//!         .run_async(make, move |send| runtime.block_on(send))
//!         .assert_passed();
//! }
//! ```
//!
//! A failure names the check, the obligation it stands for, and what was seen:
//!
//! ```text
//! conformance kit: 29 checks: 27 passed, 2 failed, 0 skipped
//!   FAIL redirects_are_not_followed
//!        obligation: follow no redirect: a 3xx comes back as a response (its Location and body included) and nothing is sent to where it points, so the API key never reaches another host
//!        seen: followed a 302 for GET http://127.0.0.1:41345/from to another server, which received `GET /elsewhere HTTP/1.1` with x-easy-api-key: sk_test_secret
//! ```
//!
//! # How it runs
//!
//! Checks run one after another, each on a thread of its own with its own time bound: a
//! transport that hangs fails that check (the report says what it was sending), one that
//! panics fails it with the panic's message, and the rest still run. A whole run takes a few
//! seconds. Each check builds its transport with settings of its own (short timeouts, small
//! caps), so `make` is called many times: keep it cheap and free of IO.
//!
//! The two proxy checks need the proxy variables (`HTTP_PROXY`, `HTTPS_PROXY`, …) set before
//! your transport reads them, and setting variables in a running test is `unsafe` (edition
//! 2024; and racy with the other tests). So the kit re-runs your test binary as a child
//! process, with the variables set, selecting the same test by name (`--exact`; libtest runs
//! each test on a thread named after it), and a variable that tells the kit in the child to
//! do only that check's request. The constraints: run the kit from a `#[test]` function (run
//! by libtest or cargo-nextest, not a custom harness: there the proxy checks fail and say
//! why); keep the kit out of code that must not run twice in that test; several kit runs in
//! one test are fine (the child redoes the one that asked).
//!
//! # What it checks
//!
//! Each check stands for one obligation (the traits' docs list them). The TLS checks use
//! certificates made in the check; for a transport without TLS, skip them with a reason.
//!
//! | check | obligation |
//! |---|---|
//! | `request_goes_out_as_given` | method, target, headers and body go out as built; only `Host`, `Content-Length` and `Connection` may be added |
//! | `empty_bodies_follow_the_method` | an empty body is no body on GET and DELETE (no `Content-Length: 0`) and `Content-Length: 0` on POST, PUT and PATCH ([`sends_body`](easy_checkout_core::ops::sends_body)) |
//! | `every_status_is_a_response` | every status (2xx to 5xx) is a response with its whole body and headers, never an error |
//! | `every_response_header_comes_back` | every response header comes back, repeated ones with every value |
//! | `redirects_are_not_followed` | a 3xx is returned, not followed: nothing reaches where it points, the key never leaves |
//! | `the_connect_timeout_is_applied` | a connection that cannot be made fails within the connect timeout |
//! | `the_total_timeout_bounds_every_request` | the total timeout bounds the whole exchange: a silent server, a head then silence, a trickled body; a timeout under a millisecond is not "none" |
//! | `timeouts_are_reported_as_timeout` | a timeout that fired is `Timeout` (connect, head or body), not `Io` |
//! | `a_body_over_the_cap_is_refused` | a body longer than the cap is `BodyTooLarge`, read no further |
//! | `an_announced_body_over_the_cap_is_refused_before_reading` | a `Content-Length` over the cap is `BodyTooLarge` before the body is read |
//! | `a_body_at_the_cap_is_read` | a body exactly at the cap is read whole |
//! | `a_reply_cut_in_its_head_is_io` | a reply cut before or inside its status line or headers is `Io`, never a response |
//! | `a_reply_cut_in_its_body_is_io` | a body cut short (sized or chunked) is `Io`, never a response |
//! | `a_whole_reply_then_a_close_is_a_response` | a whole reply followed by a close is a response (a body ended by the close, a 204, HTTP/1.0) |
//! | `a_reply_that_is_not_http_is_io` | bytes that are not HTTP are `Io` |
//! | `a_refused_connection_is_connect_and_not_sent` | a refused connection is `Connect`, and a request that may not be resent is marked [`not_sent`](easy_checkout_core::TransportError::not_sent) |
//! | `only_failures_before_sending_are_marked_not_sent` | a failure after the request may have gone out (cut, total timeout, oversized body) is never marked not sent |
//! | `a_request_that_may_not_be_resent_goes_out_once` | a request [`may_resend`](easy_checkout_core::ops::may_resend) refuses is never sent twice, not even when its connection dies before a reply |
//! | `a_request_that_may_not_be_resent_never_takes_a_pooled_connection` | such a request never leaves on a kept-alive connection the server may be closing (its idle timeout) |
//! | `plain_http_never_goes_through_a_proxy` | an `http://` request never goes through a proxy from the environment ([`bypasses_proxy`](easy_checkout_core::ops::bypasses_proxy)) |
//! | `https_goes_through_the_proxy_from_the_environment` | an `https://` request uses the environment's proxy |
//! | `tls_an_untrusted_ca_is_refused` | a server whose CA is not trusted fails as `Tls` and reads no request |
//! | `tls_a_certificate_for_another_host_is_refused` | a certificate for another name fails as `Tls` and reads no request |
//! | `tls_an_expired_certificate_is_refused` | an expired certificate fails as `Tls` and reads no request |
//! | `tls_a_self_signed_certificate_is_refused` | a self-signed certificate fails as `Tls` and reads no request |
//! | `tls_added_roots_are_trusted` | a server whose CA was added to the roots is trusted, and the request goes out as given |
//! | `tls_a_reply_cut_over_tls_is_io` | a reply cut over TLS is `Io`, as over TCP |
//! | `tls_plain_http_on_an_https_url_is_tls` | a server answering a TLS hello with plain HTTP is `Tls` |
//! | `tls_a_server_that_hangs_up_in_the_handshake_is_an_error` | a server that closes during the handshake is an error, not a response |
//!
//! # Why a crate of its own
//!
//! The kit is for people who write a transport; the fake (`easy-checkout-fake`) is for people
//! who test an integration, from any language. They share nothing a user sees: the kit's
//! servers misbehave byte by byte on cue (cut a head anywhere, trickle, stall, redirect to
//! another host, refuse a handshake), which a faithful fake of the API never does, and it
//! brings a TLS server and certificate generation the fake's users do not need. Its checks
//! grow whenever an obligation does, so it versions with the traits rather than with the
//! fake. And it depends on nothing of ours but the core's traits: a transport crate's
//! dev-dependency that pulls in no transport and no fake.
//!
//! The loopback servers and certificates are public ([`loopback`], [`certs`]) for the tests
//! of your transport that are not obligations.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub mod certs;
mod checks;
mod cx;
pub mod loopback;
mod run;

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use easy_checkout_core::http::{Request, Response};
use easy_checkout_core::{
    AsyncTransport, RootCertificates, Transport, TransportError, TransportSettings,
};

/// One send of an [`AsyncTransport`], for [`Kit::run_async`]'s `block_on` to run to
/// completion.
pub type SendFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send + 'a>>;

/// The kit: which checks to run (all, but those skipped), over the transport you make.
#[derive(Debug, Clone)]
pub struct Kit {
    skips: BTreeMap<&'static str, String>,
    bound: Duration,
}

impl Default for Kit {
    fn default() -> Self {
        Self {
            skips: BTreeMap::new(),
            bound: Duration::from_secs(20),
        }
    }
}

impl Kit {
    /// Every check, each allowed 20 s.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long each check may take before it fails as hung (20 s unless set; a passing
    /// check takes well under 3 s).
    pub fn time_bound(mut self, bound: Duration) -> Self {
        self.bound = bound;
        self
    }

    /// Skips `check`, for `reason` (printed in the report beside it). Only for an
    /// obligation your transport knowingly does not keep yet, or cannot be checked on (no TLS
    /// at all, say).
    ///
    /// # Panics
    ///
    /// When `check` names no check: a skip must not outlive a rename silently.
    pub fn skip(mut self, check: &str, reason: &str) -> Self {
        let Some(known) = checks::CHECKS.iter().find(|c| c.name == check) else {
            panic!(
                "`{check}` is not a check of the conformance kit; the checks are: {}",
                checks::CHECKS
                    .iter()
                    .map(|c| c.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        };
        self.skips.insert(known.name, reason.to_owned());
        self
    }

    /// Runs every check over the blocking transports `make` builds from the settings and
    /// roots each check passes (`None`: the transport's default roots).
    pub fn run<T, F>(&self, make: F) -> Report
    where
        T: Transport + 'static,
        F: Fn(TransportSettings, Option<RootCertificates>) -> T + Send + Sync + 'static,
    {
        run::run(
            Arc::new(move |settings, roots| Box::new(make(settings, roots)) as Box<dyn Transport>),
            &self.skips,
            self.bound,
        )
    }

    /// Runs every check over the async transports `make` builds, each send run to
    /// completion by `block_on` (for tokio: `move |send| runtime.block_on(send)`, with a
    /// runtime made once; a multi-threaded one, since the checks call it from threads of
    /// their own). `make` is called outside the runtime: enter it there if your transport
    /// needs one to be built.
    pub fn run_async<T, F, B>(&self, make: F, block_on: B) -> Report
    where
        T: AsyncTransport + 'static,
        F: Fn(TransportSettings, Option<RootCertificates>) -> T + Send + Sync + 'static,
        B: for<'a> Fn(SendFuture<'a>) -> Result<Response<Vec<u8>>, TransportError>
            + Send
            + Sync
            + 'static,
    {
        let block_on = Arc::new(block_on);
        run::run(
            Arc::new(move |settings, roots| {
                Box::new(Blocking {
                    transport: make(settings, roots),
                    block_on: Arc::clone(&block_on),
                }) as Box<dyn Transport>
            }),
            &self.skips,
            self.bound,
        )
    }
}

/// An async transport, each send run to completion by the caller's `block_on`.
struct Blocking<T, B> {
    transport: T,
    block_on: Arc<B>,
}

impl<T, B> Transport for Blocking<T, B>
where
    T: AsyncTransport,
    B: for<'a> Fn(SendFuture<'a>) -> Result<Response<Vec<u8>>, TransportError>,
{
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        (self.block_on)(Box::pin(self.transport.send(request)))
    }
}

/// Every check's name and the obligation it stands for, in the order they run.
pub fn checks() -> impl Iterator<Item = (&'static str, &'static str)> {
    checks::CHECKS.iter().map(|c| (c.name, c.obligation))
}

/// What became of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The transport kept the obligation.
    Passed,
    /// It did not: what was seen.
    Failed(String),
    /// Not run: the reason given to [`Kit::skip`], or why this machine cannot run it.
    Skipped(String),
}

/// The outcome of every check of a run. [`Report::assert_passed`] in a test; `Display` prints
/// every check.
#[derive(Debug, Clone)]
pub struct Report {
    results: Vec<(&'static str, &'static str, Outcome)>,
}

impl Report {
    /// Whether no check failed.
    pub fn passed(&self) -> bool {
        self.failed().is_empty()
    }

    /// The names of the checks that failed.
    pub fn failed(&self) -> Vec<&'static str> {
        self.results
            .iter()
            .filter(|(_, _, outcome)| matches!(outcome, Outcome::Failed(_)))
            .map(|(name, _, _)| *name)
            .collect()
    }

    /// The checks that were skipped, with the reason.
    pub fn skipped(&self) -> Vec<(&'static str, &str)> {
        self.results
            .iter()
            .filter_map(|(name, _, outcome)| match outcome {
                Outcome::Skipped(reason) => Some((*name, reason.as_str())),
                _ => None,
            })
            .collect()
    }

    /// What became of `check`; `None` for a name that is no check (or in the child process
    /// of a proxy check, which runs none).
    pub fn outcome(&self, check: &str) -> Option<&Outcome> {
        self.results
            .iter()
            .find(|(name, _, _)| *name == check)
            .map(|(_, _, outcome)| outcome)
    }

    /// Prints the report (to stderr, which the test harness shows for a failed test or with
    /// `--nocapture`) and panics with it if any check failed.
    #[track_caller]
    pub fn assert_passed(&self) {
        eprintln!("{self}");
        if !self.passed() {
            panic!("{self}");
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = |f: fn(&Outcome) -> bool| self.results.iter().filter(|r| f(&r.2)).count();
        write!(
            f,
            "conformance kit: {} checks: {} passed, {} failed, {} skipped",
            self.results.len(),
            count(|o| *o == Outcome::Passed),
            count(|o| matches!(o, Outcome::Failed(_))),
            count(|o| matches!(o, Outcome::Skipped(_))),
        )?;
        for (name, obligation, outcome) in &self.results {
            match outcome {
                Outcome::Passed => write!(f, "\n  pass {name}")?,
                Outcome::Skipped(reason) => write!(f, "\n  SKIP {name} ({reason})")?,
                Outcome::Failed(seen) => {
                    write!(f, "\n  FAIL {name}\n       obligation: {obligation}")?;
                    let mut lines = seen.lines();
                    write!(f, "\n       seen: {}", lines.next().unwrap_or(""))?;
                    for line in lines {
                        write!(f, "\n             {line}")?;
                    }
                }
            }
        }
        Ok(())
    }
}
