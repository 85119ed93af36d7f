//! The serving side: shared state, the dispatcher that takes requests from tiny_http, and
//! the per-request handler that records, applies faults and answers.

use std::collections::{HashSet, VecDeque};
use std::io::{self, Cursor, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use tiny_http::{Header, Response, StatusCode};

use crate::api::{self, Reply, State};
use crate::fault::Fault;
use crate::proxy::Conns;
use crate::record::RecordedRequest;
use crate::util::lock;

/// Largest request body read; a larger one gets `413`.
const MAX_BODY: u64 = 8 * 1024 * 1024;
const RATE_LIMIT: u64 = 100;
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
    stop: AtomicBool,
    stop_lock: Mutex<()>,
    stop_cv: Condvar,
}

/// The mutable state behind one lock.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) api: State,
    /// (arrival number, request), sorted by arrival.
    pub(crate) requests: Vec<(u64, RecordedRequest)>,
    pub(crate) faults: VecDeque<Fault>,
    /// Connections that carried a request: (relay id, client address).
    pub(crate) seen: HashSet<(Option<u64>, SocketAddr)>,
    rate: RateWindow,
}

impl Inner {
    fn record(&mut self, seq: u64, request: RecordedRequest) {
        let at = self.requests.partition_point(|(s, _)| *s < seq);
        self.requests.insert(at, (seq, request));
    }
}

impl Shared {
    pub(crate) fn new() -> Self {
        Self {
            inner: Mutex::new(Inner {
                api: State::new(SystemTime::now()),
                requests: Vec::new(),
                faults: VecDeque::new(),
                seen: HashSet::new(),
                rate: RateWindow {
                    start: Instant::now(),
                    remaining: RATE_LIMIT,
                },
            }),
            conns: Mutex::new(Conns::default()),
            workers: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            stop_lock: Mutex::new(()),
            stop_cv: Condvar::new(),
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

/// Takes requests from tiny_http in arrival order, hands each its fault, and answers each on
/// its own thread (so a [`Fault::Delay`] holds up only its own request).
pub(crate) fn dispatch_loop(server: Arc<tiny_http::Server>, shared: Arc<Shared>) {
    let mut seq = 0u64;
    loop {
        let request = match server.recv() {
            Ok(request) => request,
            Err(_) if shared.stopping() => return,
            Err(_) => continue,
        };
        if shared.stopping() {
            return;
        }
        seq += 1;
        let fault = lock(&shared.inner).faults.pop_front();
        let sh = Arc::clone(&shared);
        // If no thread can be started the closure, and the request in it, is dropped:
        // tiny_http then answers 500.
        let _ = shared.spawn("easy-fake-request", move || {
            handle(&sh, request, seq, fault);
        });
    }
}

fn handle(shared: &Shared, mut request: tiny_http::Request, seq: u64, fault: Option<Fault>) {
    let method = request.method().as_str().to_owned();
    let target = request.url().to_owned();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_ascii_lowercase(),
                h.value.as_str().to_owned(),
            )
        })
        .collect();
    let upstream = request.remote_addr().copied();
    let conn = upstream.and_then(|addr| lock(&shared.conns).lookup(addr));
    let peer = conn
        .map(|(_, peer)| peer)
        .or(upstream)
        .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));

    let announced_too_big = request.body_length().is_some_and(|n| n as u64 > MAX_BODY);
    let mut body = Vec::new();
    let read = if announced_too_big {
        Ok(0)
    } else {
        request
            .as_reader()
            .take(MAX_BODY + 1)
            .read_to_end(&mut body)
    };

    let mut rate = {
        let mut inner = lock(&shared.inner);
        inner.seen.insert((conn.map(|(id, _)| id), peer));
        inner.record(
            seq,
            RecordedRequest {
                method: method.clone(),
                path: target.clone(),
                headers: headers.clone(),
                body: body.clone(),
                peer,
            },
        );
        inner.rate.tick(Instant::now())
    };

    if announced_too_big {
        // tiny_http's body reader, when dropped, allocates the whole unread remainder to
        // skip it: with a huge Content-Length that would abort the process. Answer on the
        // raw socket, close the connection and never drop the request.
        let reply = Reply::error(
            413,
            "PAYLOAD_TOO_LARGE",
            format!("request bodies are limited to {MAX_BODY} bytes"),
            Value::Null,
        );
        let mut head =
            String::from("HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\n");
        for (name, value) in &rate {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            reply.body.len()
        ));
        let mut raw = head.into_bytes();
        raw.extend_from_slice(&reply.body);
        if let Some(addr) = upstream {
            lock(&shared.conns).abort(addr, &raw);
        }
        std::mem::forget(request);
        return;
    }

    let fault = match fault {
        Some(Fault::Delay(duration)) => {
            shared.sleep(duration);
            None
        }
        other => other,
    };
    let Some(fault) = fault else {
        let reply = match read {
            Err(e) => Reply::error(
                400,
                "INVALID_BODY",
                format!("the request body could not be read: {e}"),
                Value::Null,
            ),
            Ok(_) if body.len() as u64 > MAX_BODY => Reply::error(
                413,
                "PAYLOAD_TOO_LARGE",
                format!("request bodies are limited to {MAX_BODY} bytes"),
                Value::Null,
            ),
            Ok(_) => lock(&shared.inner).api.handle(
                &api::Request {
                    method: &method,
                    target: &target,
                    headers: &headers,
                    body: &body,
                },
                SystemTime::now(),
            ),
        };
        rate.extend(reply.headers);
        respond_bytes(request, reply.status, "application/json", &rate, reply.body);
        return;
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
                None if status >= 400 => {
                    Reply::error(
                        status,
                        "INJECTED_FAULT",
                        format!("injected fault: HTTP {status}"),
                        json!({ "status": status }),
                    )
                    .body
                }
                None if status < 200 || status == 204 || status == 304 => Vec::new(),
                None => br#"{"data":{}}"#.to_vec(),
            };
            respond_bytes(request, status, "application/json", &rate, body);
        }
        Fault::Close => abort(shared, request, upstream, b""),
        Fault::CloseMidBody => abort(shared, request, upstream, MID_BODY),
        Fault::NotJson => {
            respond_bytes(
                request,
                200,
                "text/html; charset=utf-8",
                &rate,
                NOT_JSON.to_vec(),
            );
        }
        Fault::Oversized(len) => {
            respond(
                request,
                200,
                "application/json",
                &rate,
                Padding { len, pos: 0 },
                len,
            );
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
            respond_bytes(request, 302, "application/json", &rate, body);
        }
        Fault::Redirect(_) => {
            let body = Reply::error(
                500,
                "INVALID_FAULT",
                "the injected redirect URL cannot be a header value",
                Value::Null,
            )
            .body;
            respond_bytes(request, 500, "application/json", &rate, body);
        }
        // Already handled above; answering normally keeps this total without a panic.
        Fault::Delay(_) => respond_bytes(request, 500, "application/json", &rate, Vec::new()),
    }
}

/// Closes the client's connection after sending `bytes` (none for [`Fault::Close`]).
fn abort(shared: &Shared, request: tiny_http::Request, upstream: Option<SocketAddr>, bytes: &[u8]) {
    let done = upstream.is_some_and(|addr| lock(&shared.conns).abort(addr, bytes));
    // Taking the writer stops tiny_http from answering (a dropped request gets a 500).
    let mut writer = request.into_writer();
    if !done {
        // A client that bypassed the relay: the bytes are all that can be done.
        let _ = writer.write_all(bytes).and_then(|()| writer.flush());
    }
}

fn header_safe(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

fn respond_bytes(
    request: tiny_http::Request,
    status: u16,
    content_type: &str,
    headers: &[(&'static str, String)],
    body: Vec<u8>,
) {
    let len = body.len();
    respond(
        request,
        status,
        content_type,
        headers,
        Cursor::new(body),
        len,
    );
}

fn respond<R: Read>(
    request: tiny_http::Request,
    status: u16,
    content_type: &str,
    headers: &[(&'static str, String)],
    data: R,
    len: usize,
) {
    let mut response = Response::new(StatusCode(status), Vec::new(), data, Some(len), None)
        // Always Content-Length, never chunked.
        .with_chunked_threshold(usize::MAX);
    let all = std::iter::once(("Content-Type", content_type))
        .chain(headers.iter().map(|(n, v)| (*n, v.as_str())));
    for (name, value) in all {
        if header_safe(value) {
            if let Ok(header) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(header);
            }
        }
    }
    // A client that went away is not the fake's problem.
    let _ = request.respond(response);
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
