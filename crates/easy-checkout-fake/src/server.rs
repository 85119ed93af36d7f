//! The serving side: shared state, the accept loop, and the per-connection loop that reads
//! each request, records it, applies its fault and answers.
//!
//! Every connection is served on its own thread, start to end: no pool that a request can
//! queue behind (tiny_http's pool, which an earlier fake used, loses the wake-up of a new
//! connection that arrives while an idle worker is being woken, and the new connection then
//! waits until some other keep-alive connection closes).

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use crate::api::{self, Reply, State};
use crate::control;
use crate::fault::{Fault, Match};
use crate::http1::{self, Framing, Head, ReadError};
use crate::record::RecordedRequest;
use crate::util::lock;

/// Largest request body read; a larger one gets `413`.
pub(crate) const MAX_BODY: u64 = 8 * 1024 * 1024;
const RATE_LIMIT: u64 = 100;
/// How long a connection may stay silent (between requests, or inside one) before the fake
/// closes it.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
const RATE_WINDOW: Duration = Duration::from_secs(60);
/// What [`Fault::CloseMidBody`] sends before closing: a complete head that promises 1000
/// bytes, and the first 10 of them.
const MID_BODY: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"data\":{\"";
const NOT_JSON: &[u8] =
    b"<html><head><title>Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>upstream unavailable</p></body></html>";

/// Everything the threads share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) inner: Mutex<Inner>,
    pub(crate) conns: Mutex<Conns>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    /// Requests read and not yet answered (or closed on).
    pub(crate) in_flight: AtomicUsize,
    stop: AtomicBool,
    stop_lock: Mutex<()>,
    stop_cv: Condvar,
    /// Serves https with it when set.
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<crate::tls::FakeTls>,
}

/// The open client connections, so that dropping the fake can close them.
#[derive(Debug, Default)]
pub(crate) struct Conns {
    next_id: u64,
    live: HashMap<u64, TcpStream>,
}

impl Conns {
    /// Shuts every open connection (on shutdown): their threads' reads end.
    pub(crate) fn abort_all(&self) {
        for conn in self.live.values() {
            let _ = conn.shutdown(Shutdown::Both);
        }
    }
}

/// The mutable state behind one lock.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) api: State,
    /// In arrival order.
    pub(crate) requests: Vec<RecordedRequest>,
    pub(crate) faults: VecDeque<(Match, Fault)>,
    /// Ids of the connections that carried a request.
    pub(crate) seen: HashSet<u64>,
    rate: RateWindow,
}

impl Inner {
    /// Takes the first queued fault whose match fits the request.
    fn take_fault(&mut self, method: &str, target: &str) -> Option<Fault> {
        let at = self
            .faults
            .iter()
            .position(|(m, _)| m.matches(method, target))?;
        self.faults.remove(at).map(|(_, fault)| fault)
    }

    /// Back to a fresh fake: no session, request, fault or connection seen.
    pub(crate) fn reset(&mut self) {
        *self = Inner::new();
    }

    fn new() -> Self {
        Inner {
            api: State::new(SystemTime::now()),
            requests: Vec::new(),
            faults: VecDeque::new(),
            seen: HashSet::new(),
            rate: RateWindow {
                start: Instant::now(),
                remaining: RATE_LIMIT,
            },
        }
    }
}

impl Shared {
    pub(crate) fn new() -> Self {
        Self {
            inner: Mutex::new(Inner::new()),
            conns: Mutex::new(Conns::default()),
            workers: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            stop_lock: Mutex::new(()),
            stop_cv: Condvar::new(),
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// Shared state for a fake that serves https with `tls`.
    #[cfg(feature = "tls")]
    pub(crate) fn with_tls(tls: crate::tls::FakeTls) -> Self {
        Self {
            tls: Some(tls),
            ..Self::new()
        }
    }

    pub(crate) fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Flags shutdown and wakes every sleeping [`Fault::Delay`].
    pub(crate) fn stop(&self) {
        let _guard = lock(&self.stop_lock);
        self.stop.store(true, Ordering::SeqCst);
        self.stop_cv.notify_all();
    }

    /// Sleeps for `duration`, or until shutdown.
    fn sleep(&self, duration: Duration) {
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
    pub(crate) fn spawn(&self, name: &str, f: impl FnOnce() + Send + 'static) -> io::Result<()> {
        let handle = thread::Builder::new().name(name.to_owned()).spawn(f)?;
        let mut workers = lock(&self.workers);
        workers.retain(|h| !h.is_finished());
        workers.push(handle);
        Ok(())
    }

    /// Joins every thread started with [`Shared::spawn`].
    pub(crate) fn join_workers(&self) {
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

/// A fixed 60 s window of 100 requests, reported in the IETF headers but never enforced.
#[derive(Debug)]
struct RateWindow {
    start: Instant,
    remaining: u64,
}

impl RateWindow {
    fn tick(&mut self, now: Instant) -> Vec<(&'static str, String)> {
        let mut elapsed = now.saturating_duration_since(self.start);
        if elapsed >= RATE_WINDOW {
            self.start = now;
            self.remaining = RATE_LIMIT;
            elapsed = Duration::ZERO;
        }
        self.remaining = self.remaining.saturating_sub(1);
        let left = RATE_WINDOW.saturating_sub(elapsed);
        let reset = (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1);
        vec![
            ("RateLimit-Limit", RATE_LIMIT.to_string()),
            ("RateLimit-Remaining", self.remaining.to_string()),
            ("RateLimit-Reset", reset.to_string()),
        ]
    }
}

/// Accepts connections until the fake stops, serving each on its own thread.
pub(crate) fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping() {
            break;
        }
        let Ok(stream) = stream else {
            // Out of file descriptors and the like: back off instead of spinning.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let Ok(peer) = stream.peer_addr() else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let Ok(handle) = stream.try_clone() else {
            continue;
        };
        let id = {
            let mut conns = lock(&shared.conns);
            conns.next_id += 1;
            let id = conns.next_id;
            conns.live.insert(id, handle);
            id
        };
        let sh = Arc::clone(&shared);
        let spawned = shared.spawn("easy-fake-conn", move || {
            serve_stream(&sh, stream, id, peer);
            if let Some(conn) = lock(&sh.conns).live.remove(&id) {
                let _ = conn.shutdown(Shutdown::Both);
            }
        });
        if spawned.is_err() {
            if let Some(conn) = lock(&shared.conns).live.remove(&id) {
                let _ = conn.shutdown(Shutdown::Both);
            }
        }
    }
}

/// Counts a request in [`Shared::in_flight`] while it lives.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What to do with the connection after a request.
#[derive(PartialEq, Eq)]
enum After {
    KeepAlive,
    Close,
}

/// A connection's byte stream: plain TCP, or TLS over it.
trait Stream: Read + Write {
    /// The TCP connection underneath.
    fn tcp(&self) -> &TcpStream;

    /// Ends the session before the TCP close: over TLS, a `close_notify`, so that a client
    /// sees a close as it would over TCP, never as a TLS failure.
    fn end(&mut self) {}
}

impl Stream for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

#[cfg(feature = "tls")]
impl Stream for rustls::StreamOwned<rustls::ServerConnection, TcpStream> {
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }

    fn end(&mut self) {
        self.conn.send_close_notify();
        // Only what is queued (the alert): never a read, which a half-done handshake waits on.
        while self.conn.wants_write() {
            if self.conn.write_tls(&mut self.sock).is_err() {
                break;
            }
        }
    }
}

/// One connection, read through a buffer and written through another: the reads and the
/// writes of one stream (a TLS stream cannot be split in two as a `TcpStream` can).
struct Duplex<S: Stream> {
    inner: BufReader<WriteBuffered<S>>,
}

/// The write half of [`Duplex`]: writes go through the buffer, reads straight to the stream.
struct WriteBuffered<S: Stream>(BufWriter<S>);

impl<S: Stream> Read for WriteBuffered<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.get_mut().read(buf)
    }
}

impl<S: Stream> Duplex<S> {
    fn new(stream: S) -> Self {
        Self {
            inner: BufReader::new(WriteBuffered(BufWriter::new(stream))),
        }
    }
}

impl<S: Stream> Read for Duplex<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<S: Stream> io::BufRead for Duplex<S> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.inner.consume(amount);
    }
}

impl<S: Stream> Write for Duplex<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.get_mut().0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.get_mut().0.flush()
    }
}

/// Serves one accepted connection: over TLS when the fake serves https (a failed handshake
/// reads as a close: nothing is recorded), else as it is.
fn serve_stream(shared: &Shared, stream: TcpStream, id: u64, peer: SocketAddr) {
    // A connection that sends nothing for this long (a handshake included) is closed, so
    // idle or stuck clients do not hold a thread each for ever.
    if stream.set_read_timeout(Some(IDLE_TIMEOUT)).is_err() {
        return;
    }
    #[cfg(feature = "tls")]
    if let Some(tls) = &shared.tls {
        if let Ok(stream) = tls.accept(stream) {
            serve(shared, stream, id, peer);
        }
        return;
    }
    serve(shared, stream, id, peer);
}

/// Serves the requests of one connection, in order, until it closes.
fn serve<S: Stream>(shared: &Shared, stream: S, id: u64, peer: SocketAddr) {
    let mut io = Duplex::new(stream);
    while !shared.stopping() {
        let after = match http1::read_head(&mut io) {
            Ok(head) => {
                let _busy = InFlight::enter(&shared.in_flight);
                serve_one(shared, &mut io, head, id, peer)
            }
            Err(ReadError::Closed) => After::Close,
            Err(ReadError::Bad(status, why)) => {
                let reply = Reply::error(status, "MALFORMED_REQUEST", why, Value::Null);
                let _ = send(&mut io, status, &[], reply.body, After::Close);
                After::Close
            }
        };
        if after == After::Close {
            break;
        }
    }
    let _ = io.flush();
    linger_close(io);
}

/// Closes the connection so that what was sent arrives: half-close first, then drop what the
/// client still sends (bounded in bytes and time) before closing. Closing a socket with
/// unread input makes the kernel send a reset, which can destroy a reply in flight (a `413`
/// answered before its body was read). Over TLS the session ends first (`close_notify`), and
/// what the client still sends is dropped unread, encrypted.
fn linger_close<S: Stream>(io: Duplex<S>) {
    // Already flushed: what could not be written is dropped with the connection.
    let (mut stream, _) = io.inner.into_inner().0.into_parts();
    stream.end();
    let mut tcp = stream.tcp();
    let _ = tcp.shutdown(Shutdown::Write);
    if tcp
        .set_read_timeout(Some(Duration::from_millis(200)))
        .is_ok()
    {
        let _ = io::copy(&mut (&mut tcp).take(1 << 20), &mut io::sink());
    }
    let _ = tcp.shutdown(Shutdown::Both);
}

fn serve_one<S: Stream>(
    shared: &Shared,
    io: &mut Duplex<S>,
    head: Head,
    id: u64,
    peer: SocketAddr,
) -> After {
    let keep = if head.keep_alive() {
        After::KeepAlive
    } else {
        After::Close
    };
    let framing = match http1::framing(&head) {
        Ok(framing) => framing,
        Err(ReadError::Bad(status, why)) => {
            let reply = Reply::error(status, "MALFORMED_REQUEST", why, Value::Null);
            let _ = send(io, status, &[], reply.body, After::Close);
            return After::Close;
        }
        Err(ReadError::Closed) => return After::Close,
    };
    let fits = !matches!(framing, Framing::Length(n) if n > MAX_BODY);
    if fits
        && framing != Framing::None
        && head
            .header("expect")
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("100-continue"))
    {
        let _ = io
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .and_then(|()| io.flush());
    }
    let body = match http1::read_body(io, framing, MAX_BODY) {
        Ok(body) => body,
        Err(ReadError::Bad(status, why)) => {
            let reply = Reply::error(status, "MALFORMED_REQUEST", why, Value::Null);
            let _ = send(io, status, &[], reply.body, After::Close);
            return After::Close;
        }
        // The client went away mid-body: nobody to answer.
        Err(ReadError::Closed) => return After::Close,
    };

    if head.target.starts_with(control::PREFIX) {
        let reply = match &body {
            // A page on another origin that resolves its name to 127.0.0.1 (DNS rebinding)
            // must not read the recorded requests, keys and all.
            _ if !control::loopback_host(head.header("host")) => Reply::error(
                403,
                "FORBIDDEN_HOST",
                "the control API answers only requests to a loopback host name",
                Value::Null,
            ),
            Some(body) => control::handle(shared, &head.method, &head.target, body),
            None => too_large(),
        };
        let close = if body.is_some() { keep } else { After::Close };
        return respond_reply(io, reply, Vec::new(), close);
    }

    let Head {
        method,
        target,
        headers,
        ..
    } = head;
    let (mut rate, fault) = {
        let mut inner = lock(&shared.inner);
        inner.seen.insert(id);
        inner.requests.push(RecordedRequest {
            method: method.clone(),
            path: target.clone(),
            headers: headers.clone(),
            body: body.clone().unwrap_or_default(),
            peer,
        });
        let rate = inner.rate.tick(Instant::now());
        let fault = inner.take_fault(&method, &target);
        (rate, fault)
    };
    let Some(body) = body else {
        // Too large to read: answer without reading it, and close (the body is unread).
        return respond_reply(io, too_large(), rate, After::Close);
    };
    let apply = |shared: &Shared| {
        let request = api::Request {
            method: &method,
            target: &target,
            headers: &headers,
            body: &body,
        };
        lock(&shared.inner).api.handle(&request, SystemTime::now())
    };

    let fault = match fault {
        Some(Fault::Delay(duration)) => {
            shared.sleep(duration);
            None
        }
        Some(fault) if fault.after_effect() => {
            // The work is done first; only the reply misbehaves.
            let _ = apply(shared);
            Some(fault)
        }
        other => other,
    };
    let Some(fault) = fault else {
        return respond_reply(io, apply(shared), rate, keep);
    };

    match fault {
        Fault::Status {
            status,
            retry_after,
            body,
        } => {
            if status == 429 {
                for (name, value) in &mut rate {
                    if *name == "RateLimit-Remaining" {
                        *value = "0".to_owned();
                    }
                }
            }
            if let Some(retry_after) = retry_after {
                rate.push(("Retry-After", retry_after));
            }
            let body = match body {
                Some(body) => body.into_bytes(),
                None if status >= 400 => injected(status).body,
                None if status < 200 || status == 204 || status == 304 => Vec::new(),
                None => br#"{"data":{}}"#.to_vec(),
            };
            send(io, status, &rate, body, keep)
        }
        Fault::StatusAfterEffect(status) => send(io, status, &rate, injected(status).body, keep),
        Fault::Close | Fault::LoseReply => After::Close,
        Fault::CloseMidBody => {
            let _ = io.write_all(MID_BODY).and_then(|()| io.flush());
            After::Close
        }
        Fault::NotJson => {
            let mut headers = vec![("Content-Type", "text/html; charset=utf-8")];
            headers.extend(rate.iter().map(|(n, v)| (*n, v.as_str())));
            write(io, 200, &headers, &mut &NOT_JSON[..], NOT_JSON.len(), keep)
        }
        Fault::Oversized(len) => {
            let mut headers = vec![("Content-Type", "application/json")];
            headers.extend(rate.iter().map(|(n, v)| (*n, v.as_str())));
            write(io, 200, &headers, &mut Padding { len, pos: 0 }, len, keep)
        }
        Fault::Redirect(url) if header_safe(&url) => {
            let body = Reply::error(
                302,
                "REDIRECT",
                format!("moved to {url}"),
                json!({ "location": url }),
            )
            .body;
            rate.push(("Location", url));
            send(io, 302, &rate, body, keep)
        }
        Fault::Redirect(_) => {
            let reply = Reply::error(
                500,
                "INVALID_FAULT",
                "the injected redirect URL cannot be a header value",
                Value::Null,
            );
            send(io, 500, &rate, reply.body, keep)
        }
        // Handled above; answering normally keeps this total without a panic.
        Fault::Delay(_) => send(io, 500, &rate, Vec::new(), keep),
    }
}

/// The envelope an injected error status carries.
fn injected(status: u16) -> Reply {
    Reply::error(
        status,
        "INJECTED_FAULT",
        format!("injected fault: HTTP {status}"),
        json!({ "status": status }),
    )
}

fn too_large() -> Reply {
    Reply::error(
        413,
        "PAYLOAD_TOO_LARGE",
        format!("request bodies are limited to {MAX_BODY} bytes"),
        Value::Null,
    )
}

fn header_safe(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

/// Sends `reply` as JSON, with `extra` headers (the rate-limit ones) before its own.
fn respond_reply(
    writer: &mut impl Write,
    reply: Reply,
    mut extra: Vec<(&'static str, String)>,
    after: After,
) -> After {
    extra.extend(reply.headers);
    send(writer, reply.status, &extra, reply.body, after)
}

/// Sends a JSON `body` with `headers`; header values that cannot be sent are left out.
fn send(
    writer: &mut impl Write,
    status: u16,
    headers: &[(&'static str, String)],
    body: Vec<u8>,
    after: After,
) -> After {
    let mut all = vec![("Content-Type", "application/json")];
    all.extend(
        headers
            .iter()
            .filter(|(_, v)| header_safe(v))
            .map(|(n, v)| (*n, v.as_str())),
    );
    let len = body.len();
    write(writer, status, &all, &mut &body[..], len, after)
}

fn write(
    writer: &mut impl Write,
    status: u16,
    headers: &[(&str, &str)],
    body: &mut impl Read,
    len: usize,
    after: After,
) -> After {
    match http1::write_response(
        writer,
        status,
        headers,
        body,
        len as u64,
        after == After::Close,
    ) {
        Ok(()) => after,
        // A client that went away is not the fake's problem.
        Err(_) => After::Close,
    }
}

/// `{"data":{"padding":"xxx…"}}` of exactly `len` bytes, produced on the fly.
struct Padding {
    len: usize,
    pos: usize,
}

impl Padding {
    const HEAD: &'static [u8] = b"{\"data\":{\"padding\":\"";
    const TAIL: &'static [u8] = b"\"}}";

    fn byte_at(&self, i: usize) -> u8 {
        let (head, tail) = (Self::HEAD.len(), Self::TAIL.len());
        if self.len < head + tail {
            b' '
        } else if i < head {
            Self::HEAD[i]
        } else if i >= self.len - tail {
            Self::TAIL[i - (self.len - tail)]
        } else {
            b'x'
        }
    }
}

impl Read for Padding {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.len - self.pos);
        for (offset, byte) in buf[..n].iter_mut().enumerate() {
            *byte = self.byte_at(self.pos + offset);
        }
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_is_exact_json() {
        for len in [0, 5, 22, 23, 24, 100, 70_000] {
            let mut out = Vec::new();
            Padding { len, pos: 0 }.read_to_end(&mut out).unwrap();
            assert_eq!(out.len(), len);
            if len >= 23 {
                let v: Value = serde_json::from_slice(&out).unwrap();
                assert!(v["data"]["padding"].is_string());
            }
        }
    }

    #[test]
    fn rate_window_counts_down_and_resets() {
        let start = Instant::now();
        let mut window = RateWindow {
            start,
            remaining: RATE_LIMIT,
        };
        let first = window.tick(start);
        assert_eq!(first[1].1, "99");
        assert_eq!(first[2].1, "60");
        for _ in 0..150 {
            window.tick(start + Duration::from_millis(1500));
        }
        let last = window.tick(start + Duration::from_secs(2));
        assert_eq!(last[1].1, "0");
        assert_eq!(last[2].1, "58");
        let fresh = window.tick(start + Duration::from_secs(61));
        assert_eq!(fresh[1].1, "99");
    }
}
