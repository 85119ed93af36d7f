//! The kit's loopback servers, public for your own transport tests. A [`Server`] answers with
//! whatever raw bytes a handler writes, so it can misbehave at the byte level (stall, cut a
//! reply anywhere, trickle a body, announce a length it never sends).
//!
//! ```
//! use std::io::Write;
//! use easy_checkout_conformance::loopback::{After, Server};
//!
//! // Half a body, then the connection closes: a transport must fail with `Io`.
//! let server = Server::start(|request, stream| {
//!     assert_eq!(request.method(), "GET");
//!     let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf");
//!     After::Close
//! });
//! // … your transport sends `GET {server.url("/x")}` …
//! # std::net::TcpStream::connect(server.addr)?.write_all(b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n")?;
//! let seen = server.request();
//! assert_eq!(seen.request_line, "GET /x HTTP/1.1");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use rustls::{ServerConfig, ServerConnection, StreamOwned};

use crate::certs::Identity;
use crate::cx::lock;

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET /path?query HTTP/1.1`
    pub request_line: String,
    /// Header lines in wire order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, as long as its `Content-Length` said.
    pub body: Vec<u8>,
    /// Which accepted connection carried it (0, 1, …).
    pub connection: usize,
}

impl Recorded {
    /// The method of the request line.
    pub fn method(&self) -> &str {
        self.request_line.split(' ').next().unwrap_or("")
    }

    /// The target of the request line (path and query).
    pub fn target(&self) -> &str {
        self.request_line.split(' ').nth(1).unwrap_or("")
    }

    /// Every value of `name` (case-insensitive), in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_all(name).first().copied()
    }

    /// Every header name, lowercased and sorted.
    pub fn header_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        names.sort();
        names
    }
}

/// What a handler wants done with the connection after its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Read the next request on it.
    KeepAlive,
    /// Close it (over TLS, after a `close_notify`).
    Close,
}

/// What a handler is given: the request (with the connection that carried it) and the
/// connection to write the raw reply to.
type Handler = dyn Fn(&Recorded, &mut dyn Write) -> After + Send + Sync;

/// A scripted HTTP/1.1 server on 127.0.0.1, plain or over TLS: one thread accepting, one
/// thread per connection, keep-alive, every request recorded. It runs until the process ends
/// (a test's servers are few and idle).
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    scheme: &'static str,
    counts: Arc<Counts>,
    requests: Mutex<Receiver<Recorded>>,
}

#[derive(Default)]
struct Counts {
    accepts: AtomicUsize,
    handshakes: AtomicUsize,
}

impl Server {
    /// A plain HTTP server answering each request with what `handler` writes.
    pub fn start(
        handler: impl Fn(&Recorded, &mut dyn Write) -> After + Send + Sync + 'static,
    ) -> Self {
        Self::listen(None, Arc::new(handler))
    }

    /// The same over TLS, serving `identity` (see [`certs`](crate::certs)). A connection
    /// whose handshake fails is counted as accepted, never as a handshake, and no request is
    /// read from it.
    pub fn start_tls(
        identity: Identity,
        handler: impl Fn(&Recorded, &mut dyn Write) -> After + Send + Sync + 'static,
    ) -> Self {
        Self::listen(Some(identity.0), Arc::new(handler))
    }

    /// A plain HTTP server answering every request with `response` (raw bytes) and keeping
    /// the connection open.
    pub fn fixed(response: impl Into<Vec<u8>>) -> Self {
        let response = response.into();
        Self::start(move |_, stream| {
            let _ = stream.write_all(&response);
            After::KeepAlive
        })
    }

    fn listen(tls: Option<Arc<ServerConfig>>, handler: Arc<Handler>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let counts = Arc::new(Counts::default());
        let (tx, rx) = channel();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let shared = Arc::clone(&counts);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let connection = shared.accepts.fetch_add(1, Ordering::SeqCst);
                let (handler, tx, tls, counts) = (
                    Arc::clone(&handler),
                    tx.clone(),
                    tls.clone(),
                    Arc::clone(&shared),
                );
                thread::spawn(move || {
                    let Some(conn) = accept(stream, tls, &counts) else {
                        return;
                    };
                    serve(conn, connection, &*handler, &tx);
                });
            }
        });
        Self {
            addr,
            scheme,
            counts,
            requests: Mutex::new(rx),
        }
    }

    /// `http://127.0.0.1:port{path}` (`https://` for a TLS server).
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{}", self.scheme, self.addr, path)
    }

    /// Connections accepted so far.
    pub fn accepts(&self) -> usize {
        self.counts.accepts.load(Ordering::SeqCst)
    }

    /// TLS handshakes completed so far (always 0 for a plain server).
    pub fn handshakes(&self) -> usize {
        self.counts.handshakes.load(Ordering::SeqCst)
    }

    /// The next recorded request, waiting up to 2 s; `None` if none came.
    pub fn next_request(&self) -> Option<Recorded> {
        let requests = lock(&self.requests);
        requests.recv_timeout(Duration::from_secs(2)).ok()
    }

    /// The next recorded request (waits up to 2 s; panics if none came).
    pub fn request(&self) -> Recorded {
        self.next_request()
            .expect("the server saw no request within 2 s")
    }

    /// The requests recorded and not yet taken (taking them).
    pub fn take_requests(&self) -> Vec<Recorded> {
        lock(&self.requests).try_iter().collect()
    }
}

/// An accepted connection, plain or TLS, and how to close it.
trait Conn: Read + Write + Send {
    fn close(&mut self);
}

impl Conn for TcpStream {
    fn close(&mut self) {
        let _ = self.shutdown(Shutdown::Both);
    }
}

impl Conn for StreamOwned<ServerConnection, TcpStream> {
    fn close(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush();
        let _ = self.sock.shutdown(Shutdown::Both);
    }
}

/// The connection, its TLS handshake done; `None` when the handshake failed.
fn accept(
    mut tcp: TcpStream,
    tls: Option<Arc<ServerConfig>>,
    counts: &Counts,
) -> Option<Box<dyn Conn>> {
    let Some(config) = tls else {
        return Some(Box::new(tcp));
    };
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
    let mut conn = ServerConnection::new(config).ok()?;
    while conn.is_handshaking() {
        if conn.complete_io(&mut tcp).is_err() {
            let _ = tcp.shutdown(Shutdown::Both);
            return None;
        }
    }
    let _ = tcp.set_read_timeout(None);
    counts.handshakes.fetch_add(1, Ordering::SeqCst);
    Some(Box::new(StreamOwned::new(conn, tcp)))
}

fn serve(conn: Box<dyn Conn>, connection: usize, handler: &Handler, tx: &Sender<Recorded>) {
    let mut reader = BufReader::new(conn);
    loop {
        let Some(request) = read_request(&mut reader, connection) else {
            return;
        };
        let _ = tx.send(request.clone());
        let after = handler(&request, reader.get_mut());
        let _ = reader.get_mut().flush();
        if after == After::Close {
            reader.get_mut().close();
            return;
        }
    }
}

fn read_request(reader: &mut impl BufRead, connection: usize) -> Option<Recorded> {
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).ok()? == 0 {
        return None;
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded {
        request_line: request_line.trim_end().to_owned(),
        headers,
        body,
        connection,
    })
}

/// A complete response with a `Content-Length`: `reply("404 Not Found", &[("Retry-After",
/// "7")], b"...")`.
pub fn reply(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let head: String = headers
        .iter()
        .map(|(n, v)| format!("{n}: {v}\r\n"))
        .collect();
    let length = body.len();
    let head = format!("HTTP/1.1 {status}\r\n{head}Content-Length: {length}\r\n\r\n");
    [head.as_bytes(), body].concat()
}

/// A local port with nothing listening on it: a connection there is refused.
pub fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    drop(listener);
    addr
}

/// A listener whose accept queue is full, so a new connection attempt hangs in the SYN
/// stage: the way to make a connect time out on loopback. Holds the listener and the
/// connections that fill it.
pub struct Backlogged {
    /// Where it listens.
    pub addr: SocketAddr,
    _listener: TcpListener,
    _held: Vec<TcpStream>,
}

impl Backlogged {
    /// A full listener; `None` if its queue did not fill within 2000 connections (some
    /// systems accept more: a connect timeout cannot be shown there), or a connect failed
    /// otherwise than by timing out (refused, out of file descriptors: not a full queue).
    pub fn new() -> Option<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let mut held = Vec::new();
        for _ in 0..2000 {
            match TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
                Ok(stream) => held.push(stream),
                Err(e) if e.kind() != std::io::ErrorKind::TimedOut => return None,
                Err(_) => {
                    return Some(Self {
                        addr,
                        _listener: listener,
                        _held: held,
                    });
                }
            }
        }
        None
    }
}

/// A stand-in HTTP proxy: records the first line of every connection it gets (a
/// `CONNECT host:443 HTTP/1.1`, or a plain request's line), then closes it.
pub struct FakeProxy {
    /// `http://127.0.0.1:port`, for a `*_PROXY` variable.
    pub url: String,
    lines: Mutex<Receiver<String>>,
}

impl FakeProxy {
    /// A proxy listening on loopback.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let (tx, lines) = channel();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut line = String::new();
                let _ = BufReader::new(stream).read_line(&mut line);
                if tx.send(line.trim_end().to_owned()).is_err() {
                    return;
                }
            }
        });
        Self {
            url,
            lines: Mutex::new(lines),
        }
    }

    /// The first lines of the connections it got so far.
    pub fn seen(&self) -> Vec<String> {
        lock(&self.lines).try_iter().collect()
    }
}
