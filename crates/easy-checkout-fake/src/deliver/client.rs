//! One delivery attempt on the wire: an HTTP/1.1 `POST` over a new connection, and the status
//! of the answer. All of it fits in the attempt's deadline, and it keeps nothing of the
//! answer: at most [`MAX_BODY_READ`] bytes of the body are read, then dropped.

use std::io::{self, BufReader, ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::endpoint::EndpointUrl;
use crate::http1::{self, Framing, ReadError};
use crate::util::{Sockets, time_left};

/// The most of an answer's body read; the rest is never read.
const MAX_BODY_READ: u64 = 64 * 1024;

/// POSTs `body` with `headers` to `url`: the status of a whole answer within `deadline`, or
/// why none came.
pub(super) fn post(
    url: &EndpointUrl,
    headers: &[(&str, &str)],
    body: &[u8],
    deadline: Duration,
    sockets: &Sockets,
) -> Result<u16, String> {
    let end = Instant::now().checked_add(deadline);
    exchange(url, headers, body, end, sockets).map_err(|failure| match failure {
        Failure::TimedOut => format!("no whole answer within the deadline of {deadline:?}"),
        Failure::Other(why) => why,
    })
}

/// Why an attempt got no whole answer.
enum Failure {
    TimedOut,
    Other(String),
}

fn exchange(
    url: &EndpointUrl,
    headers: &[(&str, &str)],
    body: &[u8],
    end: Option<Instant>,
    sockets: &Sockets,
) -> Result<u16, Failure> {
    let stream = connect(url, end)?;
    let Some(_noted) = sockets.note(&stream) else {
        return Err(Failure::Other("the fake stopped".to_owned()));
    };
    let _ = stream.set_nodelay(true);

    let (target, host, length) = (&url.target, &url.authority, body.len());
    let mut request = format!("POST {target} HTTP/1.1\r\nhost: {host}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!(
        "content-length: {length}\r\nconnection: close\r\n\r\n"
    ));
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    stream
        .set_write_timeout(Some(left(end)?))
        .and_then(|()| (&stream).write_all(&bytes))
        .map_err(|e| match e.kind() {
            ErrorKind::WouldBlock | ErrorKind::TimedOut => Failure::TimedOut,
            _ => Failure::Other(format!("sending failed: {e}")),
        })?;

    let mut reader = BufReader::new(Deadline {
        stream: &stream,
        end,
        expired: false,
    });
    let cut = |e: ReadError, reader: &BufReader<Deadline<'_>>| match e {
        _ if reader.get_ref().expired => Failure::TimedOut,
        ReadError::Closed => {
            Failure::Other("the connection closed before the whole answer".to_owned())
        }
        ReadError::Bad(_, why) => Failure::Other(format!("malformed answer: {why}")),
    };
    let head = loop {
        let head = http1::read_response_head(&mut reader).map_err(|e| cut(e, &reader))?;
        // An interim answer (`100 Continue`, `103 Early Hints`): the real one follows.
        if !(100..200).contains(&head.status) {
            break head;
        }
    };
    if head.status == 204 || head.status == 304 {
        return Ok(head.status);
    }
    let framing = http1::framing(&head.headers).map_err(|e| cut(e, &reader))?;
    if framing == Framing::Chunked {
        // Decoded into at most MAX_BODY_READ bytes; past that it is not read further.
        http1::read_body(&mut reader, framing, MAX_BODY_READ).map_err(|e| cut(e, &reader))?;
        return Ok(head.status);
    }
    // A length, or none: the body runs to the close (`connection: close` was asked for).
    let length = match framing {
        Framing::Length(len) => Some(len.min(MAX_BODY_READ)),
        _ => None,
    };
    let wanted = length.unwrap_or(MAX_BODY_READ);
    let read = io::copy(&mut (&mut reader).take(wanted), &mut io::sink())
        .map_err(|_| cut(ReadError::Closed, &reader))?;
    if length.is_some_and(|length| read < length) {
        return Err(cut(ReadError::Closed, &reader));
    }
    Ok(head.status)
}

/// A connection to the first of the host's addresses that takes one.
fn connect(url: &EndpointUrl, end: Option<Instant>) -> Result<TcpStream, Failure> {
    let addrs = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(|e| Failure::Other(format!("cannot resolve {}: {e}", url.host)))?;
    let mut refused = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, left(end)?) {
            Ok(stream) => return Ok(stream),
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                return Err(Failure::TimedOut);
            }
            Err(e) => refused = Some(e),
        }
    }
    let why = refused.map_or_else(|| "no address".to_owned(), |e| e.to_string());
    Err(Failure::Other(format!(
        "cannot connect to {}: {why}",
        url.authority
    )))
}

fn left(end: Option<Instant>) -> Result<Duration, Failure> {
    time_left(end).ok_or(Failure::TimedOut)
}

/// Reads from a connection, each read given only the time left until the deadline, so a
/// peer that trickles its answer byte by byte cannot stretch it. Notes when it expired.
struct Deadline<'a> {
    stream: &'a TcpStream,
    end: Option<Instant>,
    expired: bool,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Ok(left) = left(self.end) else {
            self.expired = true;
            return Err(ErrorKind::TimedOut.into());
        };
        self.stream.set_read_timeout(Some(left))?;
        let read = (&mut &*self.stream).read(buf);
        if let Err(e) = &read {
            if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) {
                self.expired = true;
            }
        }
        read
    }
}
