//! Running the checks (see the crate docs, "How it runs").

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::thread;
use std::time::Duration;

use crate::checks::{CHECKS, Check, proxy};
use crate::cx::{Cx, Log, Make, lock, panic_message};
use crate::{Outcome, Report};

thread_local! {
    /// How many kit runs this test thread has started: which one a child process re-runs.
    static RUNS: Cell<usize> = const { Cell::new(0) };
}

/// Runs every check over `make`, skipping `skips`, each within `bound`.
pub(crate) fn run(
    make: Arc<Make>,
    skips: &BTreeMap<&'static str, String>,
    bound: Duration,
) -> Report {
    let ordinal = RUNS.get();
    RUNS.set(ordinal + 1);
    if let Some(child) = proxy::Child::from_env() {
        // This process is the child of a proxy check: do that check's request (in the run
        // it belongs to) and nothing else.
        if child.run == ordinal {
            child.send_and_report(&*make);
        }
        return Report {
            results: Vec::new(),
        };
    }
    // libtest runs each test on a thread named after it: the name to re-run it by.
    let test = thread::current()
        .name()
        .filter(|name| *name != "main")
        .map(|name| (name.to_owned(), ordinal));
    let results = CHECKS
        .iter()
        .map(|check| {
            let outcome = match skips.get(check.name) {
                Some(reason) => Outcome::Skipped(reason.clone()),
                None => run_one(check, &make, test.clone(), bound),
            };
            (check.name, check.obligation, outcome)
        })
        .collect();
    Report { results }
}

/// Runs one check on a thread of its own, waiting at most `bound`.
fn run_one(
    check: &'static Check,
    make: &Arc<Make>,
    test: Option<(String, usize)>,
    bound: Duration,
) -> Outcome {
    let log = Arc::new(Log::default());
    let cx = Cx {
        make: Arc::clone(make),
        log: Arc::clone(&log),
        check: check.name,
        test,
    };
    let (done, finished) = channel();
    let spawned = thread::Builder::new()
        .name(format!("conformance::{}", check.name))
        .spawn(move || {
            (check.run)(&cx);
            let _ = done.send(());
        });
    let handle = match spawned {
        Ok(handle) => handle,
        Err(e) => return Outcome::Failed(format!("could not start the check's thread: {e}")),
    };
    match finished.recv_timeout(bound) {
        Ok(()) => match lock(&log.not_run).take() {
            // Not verified is not passed: a caller who expects it skips the check by name.
            Some(reason) => Outcome::Failed(format!(
                "not verified on this machine: {reason}; if that is expected here, skip it with Kit::skip(\"{}\", reason)",
                check.name
            )),
            None => Outcome::Passed,
        },
        // The thread ended without finishing: it panicked.
        Err(RecvTimeoutError::Disconnected) => match handle.join() {
            Err(payload) => Outcome::Failed(panic_message(&*payload)),
            Ok(()) => Outcome::Failed("the check ended without a verdict".to_owned()),
        },
        // Left running: a transport that hangs cannot be stopped from outside.
        Err(RecvTimeoutError::Timeout) => Outcome::Failed(format!(
            "did not finish within {:?}: the transport hung (last step: {})",
            bound,
            log.last()
        )),
    }
}
