//! What the serving threads share besides the state: the open connections (so that shutdown
//! can close them), the threads (so that shutdown can join them), the stop flag, and https.

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::state::Shared;
use crate::util::lock;

/// One fake's serving side.
#[derive(Debug)]
pub(super) struct Server {
    pub(super) shared: Arc<Shared>,
    /// The open client connections, by an id of their own.
    conns: Mutex<(u64, HashMap<u64, TcpStream>)>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    stop: AtomicBool,
    stop_lock: Mutex<()>,
    stop_cv: Condvar,
    /// Serves https with it when set.
    #[cfg(feature = "tls")]
    pub(super) tls: Option<super::tls::FakeTls>,
}

impl Server {
    pub(super) fn new(
        shared: Arc<Shared>,
        #[cfg(feature = "tls")] tls: Option<super::tls::FakeTls>,
    ) -> Self {
        Self {
            shared,
            conns: Mutex::new((0, HashMap::new())),
            workers: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            stop_lock: Mutex::new(()),
            stop_cv: Condvar::new(),
            #[cfg(feature = "tls")]
            tls,
        }
    }

    /// Notes an open connection (a handle to `stream`), so that shutdown can close it.
    pub(super) fn register(&self, stream: &TcpStream) -> io::Result<u64> {
        let handle = stream.try_clone()?;
        let mut conns = lock(&self.conns);
        conns.0 += 1;
        let id = conns.0;
        conns.1.insert(id, handle);
        Ok(id)
    }

    /// Closes connection `id` and forgets it.
    pub(super) fn unregister(&self, id: u64) {
        if let Some(conn) = lock(&self.conns).1.remove(&id) {
            let _ = conn.shutdown(Shutdown::Both);
        }
    }

    pub(super) fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Flags shutdown and wakes every sleeping [`Fault::Delay`](crate::Fault::Delay).
    pub(super) fn stop(&self) {
        let _guard = lock(&self.stop_lock);
        self.stop.store(true, Ordering::SeqCst);
        self.stop_cv.notify_all();
    }

    /// Shuts every open connection (on shutdown): their threads' reads end.
    pub(super) fn abort_all(&self) {
        for conn in lock(&self.conns).1.values() {
            let _ = conn.shutdown(Shutdown::Both);
        }
    }

    /// Sleeps for `duration`, or until shutdown.
    pub(super) fn sleep(&self, duration: Duration) {
        let deadline = Instant::now().checked_add(duration);
        let mut guard = lock(&self.stop_lock);
        while !self.stopping() {
            let wait = match deadline {
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => left,
                    _ => return,
                },
                None => Duration::from_secs(3600),
            };
            guard = self
                .stop_cv
                .wait_timeout(guard, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Runs `f` on a new thread that shutdown will join.
    pub(super) fn spawn(&self, name: &str, f: impl FnOnce() + Send + 'static) -> io::Result<()> {
        let handle = thread::Builder::new().name(name.to_owned()).spawn(f)?;
        let mut workers = lock(&self.workers);
        workers.retain(|h| !h.is_finished());
        workers.push(handle);
        Ok(())
    }

    /// Joins every thread started with [`Server::spawn`].
    pub(super) fn join_workers(&self) {
        loop {
            let handles = std::mem::take(&mut *lock(&self.workers));
            if handles.is_empty() {
                return;
            }
            for handle in handles {
                let _ = handle.join();
            }
        }
    }
}
