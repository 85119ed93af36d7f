//! One connection, start to end: its requests read and answered in order, then a close that
//! lets the last answer arrive.

use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use super::{Server, wire};
use crate::api::{self, MAX_BODY};
use crate::control;
use crate::fault::Plan;
use crate::http1::{self, Framing, Head, ReadError};
use crate::record::RecordedRequest;
use crate::reply::{Action, Reply};
use crate::state::rate::RateLimit;

/// How long a connection may stay silent (a handshake included, between requests, or inside
/// one) before the fake closes it, so that stuck clients do not hold a thread each for ever.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a closing connection drops what the client still sends.
const LINGER: Duration = Duration::from_millis(200);
/// How long a refused connection may take to start its TLS session.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(1);

/// A connection, read through a buffer; [`wire::write`] buffers each answer it writes (a TLS
/// stream cannot be split in two as a `TcpStream` can).
type Conn = BufReader<Box<dyn Stream>>;

pub(super) fn serve_stream(server: &Server, stream: TcpStream, peer: SocketAddr) {
    if stream.set_read_timeout(Some(IDLE_TIMEOUT)).is_err() {
        return;
    }
    let Some(mut io) = server.session(stream) else {
        return;
    };
    // When this connection was last counted in the fake's connections.
    let mut counted = None;
    while !server.stopping() {
        let head = match http1::read_head(&mut io) {
            Ok(head) => head,
            Err(error) => {
                malformed(io.get_mut(), error);
                break;
            }
        };
        let _busy = InFlight::enter(&server.shared.in_flight);
        let body = match read_body(&mut io, &head) {
            Ok(body) => body,
            Err(error) => {
                malformed(io.get_mut(), error);
                break;
            }
        };
        let keep_alive = head.keep_alive() && body.is_some();
        let (action, rate) = answer(server, head, body, peer, &mut counted);
        if !wire::write(io.get_mut(), action, rate, keep_alive) {
            break;
        }
    }
    linger_close(io);
}

/// The action that answers a request, and its rate-limit headers (for an API request); `body`
/// is `None` when it was too large to read. Control requests are not recorded or counted.
fn answer(
    server: &Server,
    head: Head,
    body: Option<Vec<u8>>,
    peer: SocketAddr,
    counted: &mut Option<u64>,
) -> (Action, Option<RateLimit>) {
    if control::is_control(&head.target) {
        let (method, target, host) = (&head.method, &head.target, head.header("host"));
        let reply = control::answer(&server.shared, method, target, host, body.as_deref());
        return (reply.into(), None);
    }
    let too_large = body.is_none();
    let recorded = RecordedRequest {
        method: head.method,
        path: head.target,
        headers: head.headers,
        body: body.unwrap_or_default(),
        peer,
    };
    let (rate, fault) = {
        let (mut state, now) = server.shared.state();
        state.connections.carried_request(counted);
        let fault = (state.faults).take(|when, _| when.matches(&recorded.method, &recorded.path));
        state.requests.push(recorded.clone());
        (Some(state.rate.tick(now)), fault)
    };
    if too_large {
        return (api::too_large().into(), rate);
    }
    let handle = || {
        let (mut state, now) = server.shared.state();
        api::handle(&mut state, &recorded, now)
    };
    let action = match fault.map(|fault| fault.plan()) {
        None => handle().into(),
        Some(Plan::Wait(duration)) => {
            server.sleep(duration);
            handle().into()
        }
        Some(Plan::Instead(action)) => action,
        Some(Plan::AfterEffect(action)) => {
            handle();
            action
        }
    };
    (action, rate)
}

/// Answers a connection over the limit `503 TOO_MANY_CONNECTIONS` without reading its
/// request, and closes it.
pub(super) fn refuse(server: &Server, stream: TcpStream) {
    if stream.set_read_timeout(Some(REFUSAL_TIMEOUT)).is_err()
        || stream.set_write_timeout(Some(REFUSAL_TIMEOUT)).is_err()
    {
        return;
    }
    let limit = server.shared.state().0.stats().max_connections;
    let message = format!(
        "the fake serves at most {limit} connections at once and all are open; close one, or \
         start the fake with a higher max_connections"
    );
    let details = json!({ "max_connections": limit });
    let mut reply = Reply::error(503, "TOO_MANY_CONNECTIONS", message, details);
    reply.headers.push(("Retry-After", "1".to_owned()));
    if let Some(mut io) = server.session(stream) {
        wire::write(io.get_mut(), reply.into(), None, false);
        linger_close(io);
    }
}

impl Server {
    /// The connection, over TLS when the fake serves https (`None` if that cannot start).
    fn session(&self, stream: TcpStream) -> Option<Conn> {
        #[cfg(feature = "tls")]
        let stream: Box<dyn Stream> = match &self.tls {
            Some(tls) => Box::new(tls.accept(stream).ok()?),
            None => Box::new(stream),
        };
        #[cfg(not(feature = "tls"))]
        let stream: Box<dyn Stream> = Box::new(stream);
        Some(BufReader::new(stream))
    }
}

/// Counts a request in [`Shared::in_flight`](crate::state::Shared) while it lives.
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

/// The body of the request `head` starts, after a `100 Continue` if the client asked for
/// one; `None` when it is over [`MAX_BODY`] (then it is not read).
fn read_body(io: &mut Conn, head: &Head) -> Result<Option<Vec<u8>>, ReadError> {
    let framing = http1::framing(&head.headers)?;
    let fits = !matches!(framing, Framing::Length(n) if n > MAX_BODY);
    let expects = head.header("expect");
    if fits
        && framing != Framing::None
        && expects.is_some_and(|e| e.trim().eq_ignore_ascii_case("100-continue"))
    {
        let out = io.get_mut();
        let _ = (out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")).and_then(|()| out.flush());
    }
    http1::read_body(io, framing, MAX_BODY)
}

/// Answers a request the fake cannot read `MALFORMED_REQUEST` (nothing when the client went
/// away); the connection closes after it, as where the next request starts is unknown.
fn malformed(out: &mut impl Write, error: ReadError) {
    if let ReadError::Bad(status, why) = error {
        let reply = Reply::error(status, "MALFORMED_REQUEST", why, Value::Null);
        wire::write(out, reply.into(), None, false);
    }
}

/// Closes the connection so that what was sent arrives: half-close first, then drop what the
/// client still sends (bounded in bytes and time) before closing. Closing a socket with
/// unread input makes the kernel send a reset, which can destroy a reply in flight (a `413`
/// answered before its body was read). Over TLS the session ends first (`close_notify`), and
/// what the client still sends is dropped unread, encrypted.
fn linger_close(io: Conn) {
    let mut stream = io.into_inner();
    stream.end();
    let mut tcp = stream.tcp();
    let _ = tcp.shutdown(Shutdown::Write);
    if tcp.set_read_timeout(Some(LINGER)).is_ok() {
        let _ = io::copy(&mut (&mut tcp).take(1 << 20), &mut io::sink());
    }
    let _ = tcp.shutdown(Shutdown::Both);
}

/// A connection's byte stream: plain TCP, or TLS over it.
trait Stream: Read + Write {
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
