//! The delivery engine: a thread that starts each attempt as it falls due on a thread of its
//! own, and the HTTP client of an attempt ([`post`]); the state's deliveries decide. Never on
//! the API's request path: a slow or dead endpoint delays no reply.

use std::io::{self, BufReader, ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use easy_checkout_core::webhook::{self, WebhookSecret};
use easy_checkout_core::{Vocabulary, http};
use serde_json::json;

use crate::api::views;
use crate::endpoint::EndpointUrl;
use crate::http1::{self, Framing, ReadError};
use crate::record::{delivery_headers, delivery_request};
use crate::state::Shared;
use crate::state::deliveries::{Attempt, Made};
use crate::util::{self, Sockets, Threads, time_left, uuid_v4};

/// A fake's delivery engine, running until dropped.
#[derive(Debug)]
pub(crate) struct Deliverer(Arc<Engine>);

#[derive(Debug)]
struct Engine {
    shared: Arc<Shared>,
    stop: AtomicBool,
    /// The connections of the attempts under way.
    sockets: Sockets,
    /// The scheduler and the attempts' threads.
    threads: Threads,
}

impl Deliverer {
    pub(crate) fn start(shared: Arc<Shared>) -> io::Result<Self> {
        let engine = Arc::new(Engine {
            shared,
            stop: AtomicBool::new(false),
            sockets: Sockets::default(),
            threads: Threads::default(),
        });
        let scheduling = Arc::clone(&engine);
        (engine.threads).spawn("easy-fake-deliver", move || scheduling.schedule())?;
        Ok(Self(engine))
    }
}

impl Drop for Deliverer {
    fn drop(&mut self) {
        {
            // Under the lock the scheduler checks the flag under, so it cannot miss it.
            let (mut state, _) = self.0.shared.state();
            self.0.stop.store(true, Ordering::SeqCst);
            state.deliveries.poke();
        }
        self.0.sockets.shut_all();
        self.0.threads.join_all();
    }
}

impl Engine {
    /// Starts each attempt as it falls due, until the fake stops.
    fn schedule(self: &Arc<Self>) {
        let (mut state, _) = self.shared.state();
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return;
            }
            let (due, wake) = state.deliveries.take_due(Instant::now());
            if due.is_empty() {
                // Until the next attempt falls due, or the deliveries change.
                state = state.wait(time_left(wake).unwrap_or_default());
                continue;
            }
            drop(state);
            for attempt in due {
                self.start(attempt);
            }
            state = self.shared.state().0;
        }
    }

    /// Makes `attempt` on a thread of its own (on this one, should no thread start).
    fn start(self: &Arc<Self>, attempt: Attempt) {
        let (engine, copy) = (Arc::clone(self), attempt.clone());
        let spawned = (self.threads).spawn("easy-fake-attempt", move || engine.attempt(copy));
        if spawned.is_err() {
            self.attempt(attempt);
        }
    }

    /// Makes one attempt and tells the deliveries how it ended.
    fn attempt(&self, attempt: Attempt) {
        let (started_at, started, delivery_id) = (self.shared.now(), Instant::now(), uuid_v4());
        let answer = if attempt.dropped {
            Err("dropped by a delivery fault: not sent".to_owned())
        } else {
            let event = &attempt.event;
            let number = attempt.attempt.to_string();
            let kind = event.kind.as_str();
            let headers = delivery_headers(&event.signature, kind, &delivery_id, &number);
            let deadline = attempt.deadline;
            post(&attempt.url, &headers, &event.body, deadline, &self.sockets)
        };
        let duration = started.elapsed();
        let made = Made {
            answer,
            delivery_id,
            started_at,
            duration,
        };
        let mut state = self.shared.state().0;
        state.deliveries.finish(attempt, made, Instant::now());
    }
}

/// One webhook delivery of `body`, as Easy (and the fake) makes it, for you to send (what
/// `easy-checkout webhook send` does): `POST uri` with the body signed under `secret` and
/// every header of Easy's webhook reference. Fails when `uri` is not a URI or `event_type`
/// cannot be a header value.
///
/// ```
/// use easy_checkout_core::webhook::{self, WebhookSecret};
/// use easy_checkout_fake::{sample_event, webhook_request};
///
/// let secret = WebhookSecret::new("whsec_dev");
/// let body = sample_event("checkout.session.completed", "ecs_1", None);
/// let request = webhook_request("http://127.0.0.1:3000/webhooks", "checkout.session.completed", body, &secret, 1)?;
/// // … send it with any client; your handler sees what Easy sends:
/// let signature = request.headers()["x-easy-webhook-signature"].to_str()?;
/// let event = webhook::verify(&secret, Some(signature), request.body())?;
/// assert_eq!(event.data["id"], "ecs_1");
/// assert_eq!(request.headers()["x-easy-webhook-attempt"], "1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn webhook_request(
    uri: &str,
    event_type: &str,
    body: Vec<u8>,
    secret: &WebhookSecret,
    attempt: u8,
) -> Result<http::Request<Vec<u8>>, http::Error> {
    let signature = webhook::sign(secret, &body);
    delivery_request(uri, body, &signature, event_type, &attempt.to_string())
}

/// The body of a webhook event of the shape the fake delivers, about a session the fake need
/// not know: `data` is `{id: session_id, status: "complete", payment_status: "succeeded"}`,
/// `id` is `event_id` or a new `evt_…`. Sign it with [`webhook::sign`], or send it with
/// [`webhook_request`].
pub fn sample_event(event_type: &str, session_id: &str, event_id: Option<&str>) -> Vec<u8> {
    let id = event_id.map_or_else(util::event_id, str::to_owned);
    let data = json!({ "id": session_id, "status": "complete", "payment_status": "succeeded" });
    views::event_body(&id, event_type, data, SystemTime::now(), Vocabulary::Sdk)
}

/// The most of an answer's body read; the rest is never read.
const MAX_BODY_READ: u64 = 64 * 1024;

/// POSTs `body` with `headers` to `url`: the status of a whole answer within `deadline`, or
/// why none came.
fn post(
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
    let lines = http1::header_lines(headers);
    let request = format!(
        "POST {target} HTTP/1.1\r\nhost: {host}\r\n{lines}content-length: {length}\r\n\
         connection: close\r\n\r\n"
    );
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
    let why = format!("cannot connect to {}: {why}", url.authority);
    Err(Failure::Other(why))
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
