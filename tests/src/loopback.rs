//! A tiny HTTP/1.1 server on 127.0.0.1 for the transport tests of both adapters: one thread
//! accepting, one thread per connection, keep-alive, every request recorded as it came off
//! the wire. Each test scripts the replies with a handler that writes raw bytes to the socket.
//! Unlike the fake API, it can misbehave at the byte level: stall, cut a body short, send
//! garbage, announce a length it never sends.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET /path?query HTTP/1.1`
    pub request_line: String,
    /// Header lines in wire order, names as sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Which accepted connection carried it (0, 1, …).
    pub connection: usize,
}

impl Recorded {
    pub fn method(&self) -> &str {
        self.request_line.split(' ').next().unwrap_or("")
    }

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

/// What the handler wants done with the connection after its reply.
pub enum After {
    KeepAlive,
    Close,
}

type Handler = dyn Fn(&Recorded, &mut TcpStream) -> After + Send + Sync;

pub struct Server {
    pub addr: SocketAddr,
    accepts: Arc<AtomicUsize>,
    requests: Mutex<Receiver<Recorded>>,
}

impl Server {
    pub fn start(
        handler: impl Fn(&Recorded, &mut TcpStream) -> After + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let accepts = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel();
        let handler: Arc<Handler> = Arc::new(handler);
        let counter = Arc::clone(&accepts);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let connection = counter.fetch_add(1, Ordering::SeqCst);
                let handler = Arc::clone(&handler);
                let tx = tx.clone();
                thread::spawn(move || serve(stream, connection, &*handler, &tx));
            }
        });
        Self {
            addr,
            accepts,
            requests: Mutex::new(rx),
        }
    }

    /// A server answering every request with `response` (raw bytes) and keeping the
    /// connection open.
    pub fn fixed(response: impl Into<Vec<u8>>) -> Self {
        let response = response.into();
        Self::start(move |_, stream| {
            let _ = stream.write_all(&response);
            After::KeepAlive
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Connections accepted so far.
    pub fn accepts(&self) -> usize {
        self.accepts.load(Ordering::SeqCst)
    }

    /// The next recorded request (waits up to 2 s).
    pub fn request(&self) -> Recorded {
        self.requests
            .lock()
            .expect("requests lock")
            .recv_timeout(Duration::from_secs(2))
            .expect("the server saw a request")
    }

    /// Requests recorded and not yet taken.
    pub fn pending_requests(&self) -> usize {
        self.requests
            .lock()
            .expect("requests lock")
            .try_iter()
            .count()
    }
}

fn serve(stream: TcpStream, connection: usize, handler: &Handler, tx: &Sender<Recorded>) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut stream = stream;
    loop {
        let Some(request) = read_request(&mut reader, connection) else {
            return;
        };
        let _ = tx.send(request.clone());
        match handler(&request, &mut stream) {
            After::KeepAlive => continue,
            After::Close => {
                let _ = stream.flush();
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>, connection: usize) -> Option<Recorded> {
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

/// A complete response with a `Content-Length`.
pub fn reply(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// A local port with nothing listening on it.
pub fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    drop(listener);
    addr
}

/// A listener whose accept queue is full, so a new connection attempt hangs in the SYN
/// stage: the way to make a connect time out on loopback. Holds the listener and the
/// connections that fill it; `None` if the queue never filled within 2000 connections.
pub struct Backlogged {
    pub addr: SocketAddr,
    _listener: TcpListener,
    _held: Vec<TcpStream>,
}

impl Backlogged {
    pub fn new() -> Option<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let mut held = Vec::new();
        for _ in 0..2000 {
            match TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
                Ok(stream) => held.push(stream),
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
