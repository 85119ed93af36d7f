//! HTTP serving: the listener, one thread per connection up to the connection limit (a
//! `503` beyond it), and shutdown. Below it: `conn` serves one connection's requests in
//! order, `exchange` turns one request into the action that answers it, `wire` writes
//! actions out, `tls` is https; HTTP/1.1 itself is read and written by the crate's `http1`.
//!
//! Every connection is served on its own thread, start to end: no pool that a request can
//! queue behind (tiny_http's pool, which an earlier fake used, loses the wake-up of a new
//! connection that arrives while an idle worker is being woken, and the new connection then
//! waits until some other keep-alive connection closes).

mod conn;
mod exchange;
mod server;
#[cfg(feature = "tls")]
pub(crate) mod tls;
mod wire;

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::state::Shared;

use server::Server;

/// Connections over the limit waiting for their `503`; more than this are closed at once.
const REFUSALS_QUEUED: usize = 64;

/// A fake listening on `127.0.0.1`. Dropping it stops the server, closes every connection
/// and joins its threads.
#[derive(Debug)]
pub(crate) struct Listening {
    addr: SocketAddr,
    server: Arc<Server>,
    acceptor: Option<JoinHandle<()>>,
}

impl Listening {
    /// Listens on `127.0.0.1:port` (`0` picks a free port) and serves `shared`, over https
    /// with `tls` when given.
    pub(crate) fn start(
        port: u16,
        shared: Arc<Shared>,
        #[cfg(feature = "tls")] tls: Option<tls::FakeTls>,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        let addr = listener.local_addr()?;
        let server = Arc::new(Server::new(
            shared,
            #[cfg(feature = "tls")]
            tls,
        ));
        let for_acceptor = Arc::clone(&server);
        let acceptor = thread::Builder::new()
            .name("easy-fake-accept".to_owned())
            .spawn(move || accept_loop(listener, &for_acceptor))?;
        Ok(Self {
            addr,
            server,
            acceptor: Some(acceptor),
        })
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What it serves https with; `None` over http.
    #[cfg(feature = "tls")]
    pub(crate) fn tls(&self) -> Option<&tls::FakeTls> {
        self.server.tls.as_ref()
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.server.stop();
        // Wake the acceptor, which sees the flag and returns (closing the listener).
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        self.server.abort_all();
        self.server.join_workers();
    }
}

/// Accepts connections until the fake stops: each on a thread of its own while the limit
/// allows, the others handed to one thread that answers them `503`.
fn accept_loop(listener: TcpListener, server: &Arc<Server>) {
    let (refuse, refusals) = sync_channel(REFUSALS_QUEUED);
    let refuser = Arc::clone(server);
    if server
        .spawn("easy-fake-refuse", move || refuse_all(&refuser, &refusals))
        .is_err()
    {
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
            // A full queue closes the connection unanswered: a flood is not worth a thread.
            let _ = refuse.try_send(stream);
            continue;
        }
        if serve_on_thread(server, stream).is_err() {
            server.shared.state().0.connections.close();
        }
    }
}

/// Serves `stream` on a thread of its own, which gives back its place when it ends.
fn serve_on_thread(server: &Arc<Server>, stream: TcpStream) -> io::Result<()> {
    let peer = stream.peer_addr()?;
    let id = server.register(&stream)?;
    let sh = Arc::clone(server);
    let spawned = server.spawn("easy-fake-conn", move || {
        conn::serve_stream(&sh, stream, peer);
        sh.unregister(id);
        sh.shared.state().0.connections.close();
    });
    if spawned.is_err() {
        server.unregister(id);
    }
    spawned
}

/// Answers every refused connection `503 TOO_MANY_CONNECTIONS`, one after the other, until
/// the acceptor stops.
fn refuse_all(server: &Server, refusals: &Receiver<TcpStream>) {
    for stream in refusals {
        if !server.stopping() {
            conn::refuse(server, stream);
        }
    }
}
