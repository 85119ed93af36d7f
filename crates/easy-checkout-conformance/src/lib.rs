#![doc = include_str!("../README.md")]
//!
//! # Details
//!
//! A failure names the check, the obligation it stands for, and what was seen:
//!
//! ```text
//! conformance kit: 29 checks: 27 passed, 2 failed, 0 skipped
//!   FAIL redirects_are_not_followed
//!        obligation: follow no redirect: a 3xx comes back as a response (its Location and body included) and nothing is sent to where it points, so the API key never reaches another host
//!        seen: followed the redirect of GET http://127.0.0.1:41345/from answered 302 Found to another server, which received `GET /elsewhere HTTP/1.1` with x-easy-api-key: sk_test_secret; the transport returned a 200 response (11 bytes of body)
//! ```
//!
//! A check that hangs is reported with what it was sending. Each check builds its transport
//! with settings of its own (short timeouts, small caps), so `make` is called many times: keep
//! it cheap and free of IO. A transport without TLS skips the `tls_*` checks ([`Kit::skip`]).
//!
//! The proxy checks use a child process because setting variables in a running test is
//! `unsafe` (edition 2024) and racy; it finds your test by the name libtest gives its thread,
//! and the kit in it does only that check's request. Under a custom harness the proxy checks
//! fail and say why. Keep the kit out of code that must not run twice in its test. In the child
//! every kit run returns an empty report: several runs in one test are fine, each followed by
//! `assert_passed`, but an assertion about a report's contents (a count, a check's outcome)
//! fails there, and the proxy checks of every later run fail with it.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

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
            let names: Vec<_> = checks().map(|(name, _)| name).collect();
            panic!(
                "`{check}` is not a check of the conformance kit; the checks are: {}",
                names.join(", ")
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
                let (transport, block_on) = (make(settings, roots), Arc::clone(&block_on));
                let send =
                    move |request: Request<Vec<u8>>| block_on(Box::pin(transport.send(request)));
                Box::new(send) as Box<dyn Transport>
            }),
            &self.skips,
            self.bound,
        )
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
    /// Not run: the reason given to [`Kit::skip`]. (A check this machine cannot run fails,
    /// saying why, unless it is skipped: an unverified obligation is not a kept one.)
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
