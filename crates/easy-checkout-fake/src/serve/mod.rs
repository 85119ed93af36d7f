//! HTTP serving: the listener, one thread per connection (no pool for a connection to wait
//! behind) up to the limit, a `503` beyond it, and shutdown. `conn` serves one connection and
//! answers its requests, `wire` writes actions out, `tls` is https.

mod conn;
#[cfg(feature = "tls")]
pub(crate) mod tls;
mod wire;

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::state::Shared;
use crate::util::{Sockets, Threads, lock, time_left};

/// Connections over the limit waiting for their `503`; more than this are closed at once.
const REFUSALS_QUEUED: usize = 64;

/// A fake listening on `127.0.0.1`. Dropping it stops the server, closes every connection
/// and joins its threads.
#[derive(Debug)]
pub(crate) struct Listening {
    addr: SocketAddr,
    server: Arc<Server>,
}

#[derive(Debug)]
struct Server {
    shared: Arc<Shared>,
    sockets: Sockets,
    threads: Threads,
    /// Set when the fake stops; `stop_cv` then wakes every sleeping
    /// [`Fault::Delay`](crate::Fault::Delay).
    stopped: Mutex<bool>,
    stop_cv: Condvar,
    #[cfg(feature = "tls")]
    tls: Option<tls::FakeTls>,
}

impl Listening {
    pub(crate) fn start(
        port: u16,
        shared: Arc<Shared>,
        #[cfg(feature = "tls")] tls: Option<tls::FakeTls>,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        let addr = listener.local_addr()?;
        let server = Arc::new(Server {
            shared,
            sockets: Sockets::default(),
            threads: Threads::default(),
            stopped: Mutex::new(false),
            stop_cv: Condvar::new(),
            #[cfg(feature = "tls")]
            tls,
        });
        let acceptor = Arc::clone(&server);
        (server.threads).spawn("easy-fake-accept", move || accept_loop(listener, &acceptor))?;
        Ok(Self { addr, server })
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    #[cfg(feature = "tls")]
    pub(crate) fn tls(&self) -> Option<&tls::FakeTls> {
        self.server.tls.as_ref()
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        *lock(&self.server.stopped) = true;
        self.server.stop_cv.notify_all();
        // Wake the acceptor, which sees the flag and returns (closing the listener).
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        self.server.sockets.shut_all();
        self.server.threads.join_all();
    }
}

impl Server {
    fn stopping(&self) -> bool {
        *lock(&self.stopped)
    }

    /// Sleeps for `duration`, or until the fake stops.
    fn sleep(&self, duration: Duration) {
        let deadline = Instant::now().checked_add(duration);
        let mut stopped = lock(&self.stopped);
        while !*stopped {
            let Some(left) = time_left(deadline) else {
                return;
            };
            let waited = self.stop_cv.wait_timeout(stopped, left);
            stopped = waited.unwrap_or_else(PoisonError::into_inner).0;
        }
    }
}

/// Accepts connections until the fake stops: each on a thread of its own while the limit
/// allows, the others handed to one thread that answers them `503` (a full queue of them
/// closes the connection unanswered: a flood is not worth a thread).
fn accept_loop(listener: TcpListener, server: &Arc<Server>) {
    let (refuse, refusals) = sync_channel::<TcpStream>(REFUSALS_QUEUED);
    let refuser = Arc::clone(server);
    let refuse_all = move || {
        for stream in refusals {
            if !refuser.stopping() {
                conn::refuse(&refuser, stream);
            }
        }
    };
    let refusing = server.threads.spawn("easy-fake-refuse", refuse_all);
    if refusing.is_err() {
        return;
    }
    for stream in listener.incoming() {
        if server.stopping() {
            break;
        }
        let Ok(stream) = stream else {
            // Out of file descriptors and the like: back off instead of spinning.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let _ = stream.set_nodelay(true);
        if !server.shared.state().0.connections.open() {
            let _ = refuse.try_send(stream);
            continue;
        }
        let serving = Arc::clone(server);
        let serve = move || {
            if let (Ok(peer), Some(_noted)) = (stream.peer_addr(), serving.sockets.note(&stream)) {
                conn::serve_stream(&serving, stream, peer);
            }
            serving.shared.state().0.connections.close();
        };
        if server.threads.spawn("easy-fake-conn", serve).is_err() {
            server.shared.state().0.connections.close();
        }
    }
}
