//! HTTP/1.1: reading requests and writing responses, for the server; reading response heads,
//! for the webhook deliveries. Every limit is explicit, so a hostile peer costs bounded memory.

use std::io::{self, BufRead, Read, Write};

/// Longest head read (start line and headers).
const MAX_HEAD: usize = 64 * 1024;
/// Most headers in one head.
const MAX_HEADERS: usize = 100;

#[derive(Debug)]
pub(crate) struct Head {
    pub(crate) method: String,
    /// The raw request target, percent-encoding intact.
    pub(crate) target: String,
    /// Names lowercased, values as sent (lossy UTF-8), in the order received.
    pub(crate) headers: Vec<(String, String)>,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub(crate) minor_version: u8,
}

impl Head {
    /// The first value of header `name` (lowercase).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let (_, value) = self.headers.iter().find(|(n, _)| n == name)?;
        Some(value)
    }

    /// Whether the connection stays open after this request's response.
    pub(crate) fn keep_alive(&self) -> bool {
        let connection = self.header("connection").unwrap_or_default();
        let has =
            |token: &str| (connection.split(',')).any(|t| t.trim().eq_ignore_ascii_case(token));
        !has("close") && (has("keep-alive") || self.minor_version >= 1)
    }
}

/// The comma-separated items of every header `name`, trimmed, as one list.
fn list<'a>(headers: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
    (headers.iter().filter(move |(n, _)| n == name))
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
}

#[derive(Debug)]
pub(crate) enum ReadError {
    /// The connection ended (cleanly, between requests, or mid-request): nothing to answer.
    Closed,
    /// A request that is not HTTP/1.1 as the fake reads it: answer `status` and close.
    Bad(u16, &'static str),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Closed
    }
}

/// Reads the next request head. `Closed` when the peer closes before sending a byte; `400`
/// at once, without waiting for a line end, for bytes that cannot begin a request.
pub(crate) fn read_head(reader: &mut impl BufRead) -> Result<Head, ReadError> {
    request_start(reader)?;
    let raw = read_raw_head(reader)?;
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    parsed(request.parse(&raw))?;
    let (Some(method), Some(target), Some(minor_version)) =
        (request.method, request.path, request.version)
    else {
        return Err(ReadError::Bad(400, "malformed request line"));
    };
    Ok(Head {
        method: method.to_owned(),
        target: target.to_owned(),
        headers: owned(request.headers),
        minor_version,
    })
}

/// Skips the blank lines a peer may send before a request (RFC 9112 §2.2) and peeks at the
/// next byte: every method starts with an uppercase letter, so anything else (`0x16` begins a
/// TLS ClientHello) is a `400` now, not after a line end that may never come.
fn request_start(reader: &mut impl BufRead) -> Result<(), ReadError> {
    let mut skipped = 0;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        let blank = buf.iter().take_while(|b| b"\r\n".contains(b)).count();
        let first = buf.get(blank).copied();
        reader.consume(blank);
        match first {
            Some(b'A'..=b'Z') => return Ok(()),
            Some(0x16) => {
                let why = "a TLS handshake sent to a plain-http server: use an http:// base URL";
                return Err(ReadError::Bad(400, why));
            }
            Some(_) => {
                let why = "not an HTTP/1 request: it must start with a method (uppercase letters)";
                return Err(ReadError::Bad(400, why));
            }
            None => {
                skipped += blank;
                if skipped > MAX_HEAD {
                    return Err(ReadError::Bad(431, "the head is too large"));
                }
            }
        }
    }
}

/// A response head, as received (headers as in [`Head`]).
#[derive(Debug)]
pub(crate) struct ResponseHead {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
}

/// Reads the next response head. `Closed` when the peer closes before its end.
pub(crate) fn read_response_head(reader: &mut impl BufRead) -> Result<ResponseHead, ReadError> {
    let raw = read_raw_head(reader)?;
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    parsed(response.parse(&raw))?;
    let Some(status) = response.code else {
        return Err(ReadError::Bad(400, "malformed status line"));
    };
    Ok(ResponseHead {
        status,
        headers: owned(response.headers),
    })
}

/// What a parse of a whole head came to: `431` for too many headers, else `400`.
fn parsed(result: httparse::Result<usize>) -> Result<(), ReadError> {
    match result {
        Ok(httparse::Status::Complete(_)) => Ok(()),
        Ok(httparse::Status::Partial) => Err(ReadError::Bad(400, "incomplete head")),
        Err(httparse::Error::TooManyHeaders) => Err(ReadError::Bad(431, "too many headers")),
        Err(_) => Err(ReadError::Bad(400, "malformed head")),
    }
}

fn owned(headers: &[httparse::Header<'_>]) -> Vec<(String, String)> {
    let value = |h: &httparse::Header<'_>| String::from_utf8_lossy(h.value).into_owned();
    let pair = |h: &httparse::Header<'_>| (h.name.to_ascii_lowercase(), value(h));
    headers.iter().map(pair).collect()
}

/// The bytes of the next head, up to and including its blank line (a bare LF ending too),
/// without the blank lines a peer may send before it (RFC 9112 §2.2). At most [`MAX_HEAD`]
/// bytes are read.
fn read_raw_head(reader: &mut impl BufRead) -> Result<Vec<u8>, ReadError> {
    let mut raw = Vec::with_capacity(1024);
    loop {
        let start = raw.len();
        let budget = (MAX_HEAD + 1 - start) as u64;
        if reader.take(budget).read_until(b'\n', &mut raw)? == 0 {
            return Err(ReadError::Closed);
        }
        if raw.len() > MAX_HEAD {
            return Err(ReadError::Bad(431, "the head is too large"));
        }
        let line = &raw[start..];
        if !line.ends_with(b"\n") {
            // The connection ended mid-line.
            return Err(ReadError::Closed);
        }
        if line == b"\n" || line == b"\r\n" {
            // The end of the head, unless only blank lines came so far.
            if let Some(first) = raw.iter().position(|b| !matches!(b, b'\r' | b'\n')) {
                raw.drain(..first);
                return Ok(raw);
            }
        }
    }
}

/// How a body is framed: none (for a response, to the close), a length, or chunked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    None,
    Length(u64),
    Chunked,
}

/// The body framing the `headers` of a message declare, refusing what RFC 9112 §6.3 says
/// to refuse: a `Transfer-Encoding` other than `chunked`, both headers, or a malformed or
/// conflicting `Content-Length`. [`Framing::None`] when neither header is there.
pub(crate) fn framing(headers: &[(String, String)]) -> Result<Framing, ReadError> {
    let mut lengths = list(headers, "content-length");
    let length = match lengths.next() {
        None => None,
        // Digits only (no sign), and every other value the same.
        Some(first) if first.bytes().all(|b| b.is_ascii_digit()) && lengths.all(|l| l == first) => {
            let length = first.parse::<u64>();
            Some(length.map_err(|_| ReadError::Bad(400, "invalid Content-Length"))?)
        }
        Some(_) => return Err(ReadError::Bad(400, "invalid Content-Length")),
    };
    let codings: Vec<&str> = list(headers, "transfer-encoding").collect();
    let chunked = |c: &&str| c.eq_ignore_ascii_case("chunked");
    let both = "both Transfer-Encoding and Content-Length";
    match codings.as_slice() {
        [] => Ok(length.map_or(Framing::None, Framing::Length)),
        _ if length.is_some() => Err(ReadError::Bad(400, both)),
        [only] if chunked(only) => Ok(Framing::Chunked),
        // The body's length cannot be known unless chunked is the last coding.
        [.., last] if !chunked(last) => Err(ReadError::Bad(400, "chunked is not the last coding")),
        _ => Err(ReadError::Bad(501, "unsupported Transfer-Encoding")),
    }
}

/// Reads the body as framed, at most `limit + 1` bytes of it (so a caller can tell "over the
/// limit" apart). A length above `limit` is not read at all: `Ok(None)`.
pub(crate) fn read_body(
    reader: &mut impl BufRead,
    framing: Framing,
    limit: u64,
) -> Result<Option<Vec<u8>>, ReadError> {
    let mut body = Vec::new();
    match framing {
        Framing::None => {}
        Framing::Length(n) if n > limit => return Ok(None),
        Framing::Length(n) => {
            body.reserve(n as usize);
            let read = reader.take(n).read_to_end(&mut body)?;
            if read as u64 != n {
                return Err(ReadError::Closed);
            }
        }
        Framing::Chunked => {
            if !read_chunked(reader, &mut body, limit)? {
                return Ok(None);
            }
        }
    }
    Ok(Some(body))
}

/// Decodes a chunked body into `body` (RFC 9112 §7.1), trailers read and dropped. False as
/// soon as the body grows past `limit`. A connection that ends anywhere before the last
/// trailer line is `Closed`: a cut body is never taken for a whole one.
fn read_chunked(
    reader: &mut impl BufRead,
    body: &mut Vec<u8>,
    limit: u64,
) -> Result<bool, ReadError> {
    let bad = || ReadError::Bad(400, "malformed chunked body");
    loop {
        let line = read_line(reader)?;
        let size = line.split(|&b| b == b';').next().unwrap_or_default();
        let size = std::str::from_utf8(size)
            .ok()
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|s| u64::from_str_radix(s, 16).ok())
            .ok_or_else(bad)?;
        if size == 0 {
            // Trailer fields, up to the empty line.
            while !read_line(reader)?.is_empty() {}
            return Ok(true);
        }
        if (body.len() as u64).saturating_add(size) > limit {
            return Ok(false);
        }
        let read = reader.take(size).read_to_end(body)?;
        if read as u64 != size {
            return Err(ReadError::Closed);
        }
        if !read_line(reader)?.is_empty() {
            return Err(bad());
        }
    }
}

/// One line without its CRLF (a bare LF is accepted), at most 4 KiB.
fn read_line(reader: &mut impl BufRead) -> Result<Vec<u8>, ReadError> {
    let mut line = Vec::new();
    reader.take(4096).read_until(b'\n', &mut line)?;
    if line.pop() != Some(b'\n') {
        // The connection ended, or the line is too long to be a chunk line.
        return Err(match line.len() {
            4095.. => ReadError::Bad(400, "chunk line too long"),
            _ => ReadError::Closed,
        });
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(line)
}

/// `name: value` lines, each ended with CRLF: a head's headers.
pub(crate) fn header_lines(headers: &[(&str, &str)]) -> String {
    let line = |(name, value): &(&str, &str)| format!("{name}: {value}\r\n");
    headers.iter().map(line).collect()
}

/// Writes one response: status line, `headers`, `Content-Length: len`, then `len` bytes of
/// `body`. `close` adds `Connection: close`.
pub(crate) fn write_response(
    out: &mut impl Write,
    status: u16,
    headers: &[(&str, &str)],
    body: &mut impl Read,
    len: u64,
    close: bool,
) -> io::Result<()> {
    let code = easy_checkout_core::http::StatusCode::from_u16(status).ok();
    let reason = code.and_then(|s| s.canonical_reason()).unwrap_or("Unknown");
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n{}", header_lines(headers));
    // 1xx, 204 and 304 carry no body, and 1xx and 204 no Content-Length either.
    let bodiless = status < 200 || status == 204 || status == 304;
    if !(status < 200 || status == 204) {
        head.push_str(&format!("Content-Length: {len}\r\n"));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    if !bodiless {
        io::copy(&mut body.take(len), out)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    fn head_of(raw: &[u8]) -> Result<Head, ReadError> {
        read_head(&mut BufReader::with_capacity(7, raw))
    }

    #[test]
    fn reads_a_head_across_small_reads_and_leaves_the_body() {
        let raw =
            b"\r\nPOST /x?y=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nX-A: b\r\n\r\nabcNEXT";
        let mut reader = BufReader::with_capacity(5, &raw[..]);
        let head = read_head(&mut reader).unwrap();
        assert_eq!((&*head.method, &*head.target), ("POST", "/x?y=1"));
        assert_eq!(head.header("x-a"), Some("b"));
        assert!(head.keep_alive());
        let framing = framing(&head.headers).unwrap();
        assert_eq!(framing, Framing::Length(3));
        let body = read_body(&mut reader, framing, 10).unwrap().unwrap();
        assert_eq!(body, b"abc");
        let mut rest = String::new();
        reader.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "NEXT");
    }

    #[test]
    fn refuses_bad_framing() {
        for (headers, status) in [
            ("Content-Length: 1x\r\n", 400),
            ("Content-Length: +1\r\n", 400),
            ("Content-Length: 1, 2\r\n", 400),
            ("Content-Length: 1\r\nTransfer-Encoding: chunked\r\n", 400),
            ("Transfer-Encoding: gzip\r\n", 400),
            ("Transfer-Encoding: gzip, chunked\r\n", 501),
            (
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
                400,
            ),
        ] {
            let head = head_of(format!("POST / HTTP/1.1\r\n{headers}\r\n").as_bytes()).unwrap();
            match framing(&head.headers) {
                Err(ReadError::Bad(got, _)) => assert_eq!(got, status, "{headers}"),
                other => panic!("{headers}: {other:?}"),
            }
        }
        let same = head_of(b"POST / HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\n").unwrap();
        assert_eq!(framing(&same.headers).unwrap(), Framing::Length(2));
    }

    #[test]
    fn chunked_bodies_are_decoded_and_capped() {
        let mut reader = &b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nNEXT"[..];
        let body = read_body(&mut reader, Framing::Chunked, 10).unwrap();
        assert_eq!(body.unwrap(), b"abcde");
        assert_eq!(reader, b"NEXT");
        let mut reader = &b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"[..];
        assert!(
            read_body(&mut reader, Framing::Chunked, 4)
                .unwrap()
                .is_none()
        );
        let mut trailers = &b"1;ext=1\r\na\r\n0\r\nX-T: 1\r\n\r\nNEXT"[..];
        let body = read_body(&mut trailers, Framing::Chunked, 10).unwrap();
        assert_eq!(body.unwrap(), b"a");
        assert_eq!(trailers, b"NEXT");
        for cut in [
            &b"3\r\nab"[..],
            b"3\r\nabc",
            b"3\r\nabc\r\n",
            b"3\r\nabc\r\n0\r\n",
            b"3",
        ] {
            let read = read_body(&mut &*cut, Framing::Chunked, 10);
            assert!(matches!(read, Err(ReadError::Closed)), "{cut:?}");
        }
        for bad in [&b"x\r\n"[..], b"\r\n", b"3\r\nabcd\r\n"] {
            let read = read_body(&mut &*bad, Framing::Chunked, 10);
            assert!(matches!(read, Err(ReadError::Bad(400, _))), "{bad:?}");
        }
    }

    #[test]
    fn a_huge_length_is_not_read() {
        let body = read_body(&mut &b"{"[..], Framing::Length(u64::MAX), 8).unwrap();
        assert!(body.is_none());
    }

    #[test]
    fn oversized_and_cut_heads_are_refused_and_bare_lfs_read() {
        let mut huge = b"GET / HTTP/1.1\r\nX: ".to_vec();
        huge.resize(MAX_HEAD + 10, b'a');
        assert!(matches!(head_of(&huge), Err(ReadError::Bad(431, _))));
        assert!(matches!(head_of(b""), Err(ReadError::Closed)));
        let bare = head_of(b"GET /lf HTTP/1.1\nHost: a\n\n").unwrap();
        assert_eq!((&*bare.target, bare.header("host")), ("/lf", Some("a")));
        assert!(matches!(head_of(b"GET / HT"), Err(ReadError::Closed)));
    }

    /// Gives `bytes`, then fails as a socket's read timeout does.
    struct ThenStall<'a>(&'a [u8]);

    impl Read for ThenStall<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.0.read(buf)
        }
    }

    #[test]
    fn bytes_that_cannot_start_a_request_are_refused_before_a_line_end() {
        let read = |raw| read_head(&mut BufReader::with_capacity(2, ThenStall(raw)));
        let tls = "a TLS handshake sent to a plain-http server: use an http:// base URL";
        let other = "not an HTTP/1 request: it must start with a method (uppercase letters)";
        for (raw, why) in [
            (&b"\x16\x03\x01\x02\x00\x01"[..], tls),
            (b"\r\n\r\n\x16\x03", tls),
            (b"\x00\x01", other),
            (b"get", other),
            (b" GET", other),
            (b"{", other),
            (b"\x80", other),
        ] {
            assert!(
                matches!(read(raw), Err(ReadError::Bad(400, w)) if w == why),
                "{raw:?}"
            );
        }
        // A request still starting waits for more, as does a peer that sent only blank lines.
        for raw in [&b"G"[..], b"GET / HT", b"\r\n", b""] {
            assert!(matches!(read(raw), Err(ReadError::Closed)), "{raw:?}");
        }
        // Blank lines without end are bounded, as any head is.
        let blank = vec![b'\n'; MAX_HEAD + 1];
        assert!(matches!(head_of(&blank), Err(ReadError::Bad(431, _))));
        let led = head_of(b"\r\n\nGET /x HTTP/1.1\r\n\r\n").unwrap();
        assert_eq!(led.target, "/x");
    }

    #[test]
    fn reads_a_response_head_and_leaves_the_body() {
        let mut reader = &b"HTTP/1.1 503 Busy\r\nContent-Length: 2\r\nX-A: b\r\n\r\nokNEXT"[..];
        let head = read_response_head(&mut reader).unwrap();
        assert_eq!(head.status, 503);
        assert_eq!(framing(&head.headers).unwrap(), Framing::Length(2));
        assert_eq!(reader, b"okNEXT");
        let head = read_response_head(&mut &b"HTTP/1.0 200\n\n"[..]).unwrap();
        assert_eq!(head.status, 200);
        assert_eq!(
            framing(&head.headers).unwrap(),
            Framing::None,
            "to the close"
        );
        for bad in [&b"GET / HTTP/1.1\r\n\r\n"[..], b"HTTP/1.1 2000 X\r\n\r\n"] {
            let read = read_response_head(&mut &*bad);
            assert!(matches!(read, Err(ReadError::Bad(400, _))));
        }
        let cut = read_response_head(&mut &b"HTTP/1.1 200 OK\r\nContent-"[..]);
        assert!(matches!(cut, Err(ReadError::Closed)));
    }

    #[test]
    fn keep_alive_follows_version_and_connection() {
        let ka = |raw: &[u8]| head_of(raw).unwrap().keep_alive();
        assert!(ka(b"GET / HTTP/1.1\r\n\r\n"));
        assert!(!ka(b"GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"));
        assert!(!ka(b"GET / HTTP/1.0\r\n\r\n"));
        assert!(ka(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    }

    #[test]
    fn writes_responses_with_length_and_no_body_where_none_belongs() {
        let mut out = Vec::new();
        write_response(&mut out, 200, &[("A", "b")], &mut &b"hi"[..], 2, false).unwrap();
        assert_eq!(
            out,
            b"HTTP/1.1 200 OK\r\nA: b\r\nContent-Length: 2\r\n\r\nhi"
        );
        let mut out = Vec::new();
        write_response(&mut out, 204, &[], &mut &b"hi"[..], 2, true).unwrap();
        assert_eq!(out, b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        let mut out = Vec::new();
        write_response(&mut out, 799, &[], &mut &b""[..], 0, false).unwrap();
        assert_eq!(out, b"HTTP/1.1 799 Unknown\r\nContent-Length: 0\r\n\r\n");
    }
}
