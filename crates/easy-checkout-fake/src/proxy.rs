//! The TCP front door.
//!
//! tiny_http parses HTTP but never hands out its sockets, so it cannot drop a connection
//! without answering. The fake therefore listens itself and relays each client connection,
//! byte for byte, to tiny_http on a second loopback port. It keeps a handle on both sockets
//! of every relayed connection, keyed by the relay's own address (which tiny_http reports as
//! the request's peer): a fault can then write raw bytes to the client and shut its socket,
//! and dropping the fake closes every connection.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use crate::server::Shared;
use crate::util::lock;

/// One relayed client connection.
#[derive(Debug)]
struct Conn {
    id: u64,
    peer: SocketAddr,
    client: TcpStream,
    upstream: TcpStream,
}

impl Conn {
    fn kill(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.upstream.shutdown(Shutdown::Both);
    }
}

/// The live relayed connections.
#[derive(Debug, Default)]
pub(crate) struct Conns {
    next_id: u64,
    /// Keyed by the relay's local address towards tiny_http.
    by_upstream: HashMap<SocketAddr, Conn>,
}

impl Conns {
    /// The connection id and the client's address for a request tiny_http saw from
    /// `upstream`.
    pub(crate) fn lookup(&self, upstream: SocketAddr) -> Option<(u64, SocketAddr)> {
        self.by_upstream.get(&upstream).map(|c| (c.id, c.peer))
    }

    /// Writes `bytes` straight to the client, then closes both sides of the connection.
    /// False when the connection is unknown (a client that bypassed the relay).
    pub(crate) fn abort(&self, upstream: SocketAddr, bytes: &[u8]) -> bool {
        let Some(conn) = self.by_upstream.get(&upstream) else {
            return false;
        };
        if !bytes.is_empty() {
            let mut client = &conn.client;
            let _ = client.write_all(bytes).and_then(|()| client.flush());
        }
        conn.kill();
        true
    }

    /// Closes every connection (on shutdown).
    pub(crate) fn abort_all(&self) {
        for conn in self.by_upstream.values() {
            conn.kill();
        }
    }
}

/// Accepts client connections until the fake stops.
pub(crate) fn accept_loop(listener: TcpListener, upstream_addr: SocketAddr, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping() {
            break;
        }
        match stream {
            Ok(client) => {
                if let Err(_e) = relay(client, upstream_addr, &shared) {
                    // The client is gone already, or tiny_http is: nothing to serve.
                }
            }
            // Out of file descriptors and the like: back off instead of spinning.
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn relay(client: TcpStream, upstream_addr: SocketAddr, shared: &Arc<Shared>) -> io::Result<()> {
    let peer = client.peer_addr()?;
    let upstream = TcpStream::connect(upstream_addr)?;
    client.set_nodelay(true)?;
    upstream.set_nodelay(true)?;
    let key = upstream.local_addr()?;
    {
        let mut conns = lock(&shared.conns);
        conns.next_id += 1;
        let conn = Conn {
            id: conns.next_id,
            peer,
            client: client.try_clone()?,
            upstream: upstream.try_clone()?,
        };
        conns.by_upstream.insert(key, conn);
    }

    let registered = (|| -> io::Result<()> {
        let (from, to) = (client.try_clone()?, upstream.try_clone()?);
        shared.spawn("easy-fake-relay-in", move || {
            let _ = pump(&from, &to);
            // The client sent its last byte: pass the half-close on to tiny_http.
            let _ = to.shutdown(Shutdown::Write);
        })?;
        let sh = Arc::clone(shared);
        shared.spawn("easy-fake-relay-out", move || {
            let _ = pump(&upstream, &client);
            // tiny_http is done with the connection: close the client's side entirely.
            let _ = client.shutdown(Shutdown::Both);
            let _ = upstream.shutdown(Shutdown::Both);
            lock(&sh.conns).by_upstream.remove(&key);
        })
    })();
    if registered.is_err() {
        if let Some(conn) = lock(&shared.conns).by_upstream.remove(&key) {
            conn.kill();
        }
    }
    registered
}

/// Copies `from` into `to` until `from` ends or either side fails.
fn pump(mut from: &TcpStream, mut to: &TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        to.write_all(&buf[..n])?;
    }
}
