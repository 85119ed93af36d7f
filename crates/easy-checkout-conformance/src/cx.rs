//! What a check is given ([`Cx`]) and the transport under test it sends through ([`Under`]).

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use easy_checkout_core::http::{Request, Response};
use easy_checkout_core::{RootCertificates, Transport, TransportError, TransportSettings};

/// What a send came to.
pub(crate) type Sent = Result<Response<Vec<u8>>, TransportError>;

/// Makes the transport under test, type-erased: the caller's transport, or its async one
/// behind a `block_on`.
pub(crate) type Make =
    dyn Fn(TransportSettings, Option<RootCertificates>) -> Box<dyn Transport> + Send + Sync;

/// What a check is given: how to make the transport under test, and where to note what it
/// is doing (reported if it hangs).
pub(crate) struct Cx {
    pub(crate) make: Arc<Make>,
    pub(crate) log: Arc<Log>,
    /// The check's name, for its child process.
    pub(crate) check: &'static str,
    /// The caller's test, to re-run in a child process, and which kit run of it this is.
    pub(crate) test: Option<(String, usize)>,
}

/// What a check is doing (its own note, and the request it is sending), and whether it found
/// it cannot run here.
#[derive(Default)]
pub(crate) struct Log {
    note: Mutex<String>,
    step: Mutex<String>,
    pub(crate) not_run: Mutex<Option<String>>,
}

impl Log {
    /// The last thing the check did, in words.
    pub(crate) fn last(&self) -> String {
        let (note, step) = (lock(&self.note), lock(&self.step));
        match (note.is_empty(), step.is_empty()) {
            (true, _) => step.clone(),
            (false, true) => note.clone(),
            (false, false) => format!("{note}: {step}"),
        }
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Cx {
    /// The transport under test, with `settings` and the default roots.
    pub(crate) fn transport(&self, settings: TransportSettings) -> Under {
        self.transport_trusting(settings, None)
    }

    /// The transport under test, with `settings` and `roots` (`None`: its defaults).
    pub(crate) fn transport_trusting(
        &self,
        settings: TransportSettings,
        roots: Option<RootCertificates>,
    ) -> Under {
        *lock(&self.log.step) = "building the transport".to_owned();
        let inner = catch_unwind(AssertUnwindSafe(|| (self.make)(settings, roots)))
            .unwrap_or_else(|p| panic!("building the transport panicked: {}", panic_message(&*p)));
        Under {
            inner,
            log: Arc::clone(&self.log),
        }
    }

    /// The transport under test with [`fast_settings`].
    pub(crate) fn fast(&self) -> Under {
        self.transport(fast_settings())
    }

    /// Notes what the check is doing: with the request being sent, the message of a check
    /// that does not finish.
    pub(crate) fn note(&self, note: impl Into<String>) {
        *lock(&self.log.note) = note.into();
    }

    /// Marks the check as one this machine cannot run, with the reason (the check returns
    /// right after). It fails, with the reason, unless the caller skipped it.
    pub(crate) fn cannot_run(&self, reason: impl Into<String>) {
        *lock(&self.log.not_run) = Some(reason.into());
    }
}

/// Short limits: 2 s to connect, 5 s in all.
pub(crate) fn fast_settings() -> TransportSettings {
    TransportSettings::default()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
}

/// The transport under test: sends through the caller's transport, noting each request and
/// turning a panic of the transport into a failure that says so.
pub(crate) struct Under {
    inner: Box<dyn Transport>,
    log: Arc<Log>,
}

impl Under {
    pub(crate) fn send(&self, request: Request<Vec<u8>>) -> Sent {
        let what = format!("{} {}", request.method(), request.uri());
        *lock(&self.log.step) = format!("sending {what}");
        let sent = catch_unwind(AssertUnwindSafe(|| self.inner.send(request)));
        sent.unwrap_or_else(|p| {
            panic!(
                "the transport panicked sending {what}: {}",
                panic_message(&*p)
            )
        })
    }

    /// Sends `request` and times it.
    pub(crate) fn timed(&self, request: Request<Vec<u8>>) -> (Sent, Duration) {
        let started = Instant::now();
        let outcome = self.send(request);
        (outcome, started.elapsed())
    }
}

/// The text of a panic's payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}
