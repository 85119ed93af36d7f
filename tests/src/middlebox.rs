//! What stands between a merchant's server and the API in real deployments, misbehaving on
//! cue over loopback, each a thread per connection in front of an upstream server.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use easy_checkout_conformance::loopback::{self, After, Recorded, Server};

/// A TCP relay in front of `upstream` that closes a client connection once it has been idle
/// for `idle` after its last reply (a keep-alive timeout: a new connection waits for its
/// first request), as a load balancer does, and models the race that causes: the client
/// cannot see the close before the FIN reaches it, so a request it sends just after the
/// deadline is lost. Here the FIN is held back for `in_flight` (twice the one-way delay of the
/// network being modelled): a request that arrives after the deadline is dropped unanswered
/// and unforwarded, exactly as one that crossed a real FIN on the wire, and `in_flight` after
/// the deadline the connection is closed cleanly (a pooled client then sees it is dead).
///
/// Each client connection has its own upstream connection, so an upstream
/// `loopback::Server`'s connection numbers are the client's.
pub struct IdleCloser {
    /// `http://ADDR`: a base URL through the relay.
    pub url: String,
    lost: Arc<AtomicUsize>,
}

impl IdleCloser {
    pub fn start(upstream: SocketAddr, idle: Duration, in_flight: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let lost = Arc::new(AtomicUsize::new(0));
        let dropped = Arc::clone(&lost);
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let dropped = Arc::clone(&dropped);
                thread::spawn(move || {
                    let _ = relay_until_idle(client, upstream, idle, in_flight, &dropped);
                });
            }
        });
        Self { url, lost }
    }

    /// Requests that arrived after their connection's deadline and were dropped unforwarded.
    pub fn lost(&self) -> usize {
        self.lost.load(Ordering::SeqCst)
    }
}

/// When the connection last went idle (its last reply; `None` before its first: the idle
/// timeout is a keep-alive timeout, as nginx's), and whether a request awaits its reply.
struct Idle {
    since: Option<Instant>,
    awaiting_reply: bool,
}

fn relay_until_idle(
    mut client: TcpStream,
    upstream: SocketAddr,
    idle: Duration,
    in_flight: Duration,
    lost: &AtomicUsize,
) -> io::Result<()> {
    let mut server = TcpStream::connect(upstream)?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let state = Arc::new(Mutex::new(Idle {
        since: None,
        awaiting_reply: false,
    }));
    // Replies: copied as they come; the idle clock restarts with every byte of one.
    let replies = {
        let (mut from, mut to) = (server.try_clone()?, client.try_clone()?);
        let state = Arc::clone(&state);
        thread::spawn(move || {
            let mut buffer = [0; 16 * 1024];
            while let Ok(n @ 1..) = from.read(&mut buffer) {
                if to.write_all(&buffer[..n]).is_err() {
                    break;
                }
                let mut idle = state.lock().expect("idle state");
                idle.awaiting_reply = false;
                idle.since = Some(Instant::now());
            }
            let _ = to.shutdown(Shutdown::Both);
        })
    };
    let mut buffer = [0; 16 * 1024];
    loop {
        // Until the FIN goes out (`idle + in_flight` after the last reply), or, before the
        // first request and while a reply is due, a little while before looking again.
        let wait = {
            let clock = state.lock().expect("idle state");
            match (clock.since, clock.awaiting_reply) {
                (Some(since), false) => {
                    (since + idle + in_flight).checked_duration_since(Instant::now())
                }
                _ => Some(Duration::from_millis(5)),
            }
        };
        let Some(wait) = wait.filter(|w| !w.is_zero()) else {
            break;
        };
        client.set_read_timeout(Some(wait))?;
        match client.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                let mut clock = state.lock().expect("idle state");
                let past_deadline = clock.since.is_some_and(|since| since.elapsed() >= idle);
                if !clock.awaiting_reply && past_deadline {
                    // Past the deadline: the close was decided, and this request crossed it.
                    lost.fetch_add(1, Ordering::SeqCst);
                    break;
                }
                clock.awaiting_reply = true;
                drop(clock);
                server.write_all(&buffer[..n])?;
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = server.shutdown(Shutdown::Both);
    let _ = replies.join();
    Ok(())
}

/// An HTTP forward proxy that tunnels `CONNECT` to its target, or, when `refuse` is set,
/// answers every `CONNECT` with `403 Forbidden` and closes. It records each request line.
pub struct ConnectProxy {
    pub url: String,
    lines: Mutex<mpsc::Receiver<String>>,
}

impl ConnectProxy {
    pub fn start(refuse: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let tx = tx.clone();
                thread::spawn(move || {
                    let _ = tunnel(client, refuse, &tx);
                });
            }
        });
        Self {
            url,
            lines: Mutex::new(lines),
        }
    }

    /// The request lines received so far (`CONNECT 127.0.0.1:PORT HTTP/1.1`, …).
    pub fn seen(&self) -> Vec<String> {
        self.lines.lock().expect("lines").try_iter().collect()
    }
}

fn tunnel(client: TcpStream, refuse: bool, seen: &mpsc::Sender<String>) -> io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let line = line.trim_end().to_owned();
    let _ = seen.send(line.clone());
    // The rest of the head: `Host`, `User-Agent`, `Proxy-Connection`.
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim_end().is_empty() {
            break;
        }
    }
    let mut client = client;
    let target = match line.split(' ').collect::<Vec<_>>()[..] {
        ["CONNECT", target, _] if !refuse => target.to_owned(),
        _ => {
            client.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")?;
            return client.shutdown(Shutdown::Both);
        }
    };
    let server = TcpStream::connect(target)?;
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    // Both ways; the reader hands on first what it buffered past the head.
    let (mut up, mut down) = (server.try_clone()?, client.try_clone()?);
    let upward = thread::spawn(move || {
        let _ = io::copy(&mut reader, &mut up);
        let _ = up.shutdown(Shutdown::Write);
    });
    let mut server = server;
    let _ = io::copy(&mut server, &mut down);
    let _ = down.shutdown(Shutdown::Both);
    let _ = upward.join();
    Ok(())
}

/// An HTTP/1.1 proxy in front of `upstream` that forwards each request as it came and
/// gzips every reply body it hands back, with `Content-Encoding: gzip`, although no request
/// asked for it (none has an `Accept-Encoding`). The work behind the reply is done: only the
/// reply is unreadable to a client that does not decompress.
pub struct Compressor {
    server: Server,
}

impl Compressor {
    pub fn start(upstream: SocketAddr) -> Self {
        let server = Server::start(move |request, stream| match forward(upstream, request) {
            Ok(reply) => {
                let _ = stream.write_all(&gzipped(&reply));
                After::KeepAlive
            }
            Err(_) => After::Close,
        });
        Self { server }
    }

    /// `http://ADDR`: a base URL through the proxy.
    pub fn base_url(&self) -> String {
        self.server.url("")
    }
}

/// The upstream's whole reply to `request`, sent on a connection of its own that the
/// upstream closes after it (`Connection: close`).
fn forward(upstream: SocketAddr, request: &Recorded) -> io::Result<Vec<u8>> {
    let mut head = format!("{}\r\n", request.request_line);
    for (name, value) in &request.headers {
        if !name.eq_ignore_ascii_case("connection") {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut server = TcpStream::connect(upstream)?;
    server.write_all(head.as_bytes())?;
    server.write_all(&request.body)?;
    let mut reply = Vec::new();
    server.read_to_end(&mut reply)?;
    Ok(reply)
}

/// `reply` with its body gzipped: `Content-Encoding: gzip` and the new `Content-Length`.
fn gzipped(reply: &[u8]) -> Vec<u8> {
    use flate2::{Compression, write::GzEncoder};

    let end = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(reply.len());
    let head = String::from_utf8_lossy(&reply[..end]);
    let body = reply.get(end + 4..).unwrap_or_default();
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(body).expect("gzip into memory");
    let body = encoder.finish().expect("gzip into memory");
    let mut out = String::new();
    for line in head.split("\r\n") {
        let name = line.split(':').next().unwrap_or("").trim();
        if !["content-length", "connection"].contains(&name.to_ascii_lowercase().as_str()) {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str(&format!(
        "Content-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        body.len()
    ));
    let mut out = out.into_bytes();
    out.extend_from_slice(&body);
    out
}

/// The idle timeout of [`sweep_keyless_confirms`]' load balancer, and the window in which a
/// request crosses its close.
pub const SWEEP_IDLE: Duration = Duration::from_millis(10);
pub const SWEEP_IN_FLIGHT: Duration = Duration::from_millis(6);

/// 200 rounds of a read, then an idle gap, then a keyless confirm, through an
/// [`IdleCloser`] (idle timeout [`SWEEP_IDLE`], race window [`SWEEP_IN_FLIGHT`]) in front of
/// a server that answers everything with `200 {"data":{"allowed_origins":[]}}`. The gaps
/// sweep evenly from `SWEEP_IDLE - SWEEP_IN_FLIGHT` to `SWEEP_IDLE + 2 × SWEEP_IN_FLIGHT`, across
/// the deadline and its window. A confirm sent on the connection the read left in the pool
/// meets the race in more than half of the rounds (on a loaded machine too: each round's
/// idle time is measured, not assumed); one sent on a connection of its own never does.
/// Asserts that no confirm failed, each reached the server, and none on a connection that
/// carried another request; prints the figures under `which`. `client` makes the client
/// under test for a configuration.
pub fn sweep_keyless_confirms<T: easy_checkout_core::Transport>(
    which: &str,
    client: impl Fn(easy_checkout_core::Config) -> easy_checkout_core::Client<T>,
) {
    use easy_checkout_core::ops::{Confirm, GetConfig, PaymentMethod};
    use easy_checkout_core::{BaseUrl, ClientSecret, Config};

    const ROUNDS: usize = 200;
    let reply = loopback::reply(
        "200 OK",
        &[("Content-Type", "application/json")],
        br#"{"data":{"allowed_origins":[]}}"#,
    );
    // Which connection carried each request, and its target.
    let log = Arc::new(Mutex::new(Vec::<(usize, String)>::new()));
    let server = {
        let log = Arc::clone(&log);
        Server::start(move |seen, stream| {
            let entry = (seen.connection, seen.target().to_owned());
            log.lock().expect("log").push(entry);
            let _ = stream.write_all(&reply);
            After::KeepAlive
        })
    };
    let closer = IdleCloser::start(server.addr, SWEEP_IDLE, SWEEP_IN_FLIGHT);
    let config = Config::new("sk_test_sweep".parse().expect("a key"))
        .with_base_url(BaseUrl::parse(&closer.url).expect("loopback"));
    let client = client(config).with_retry_policy(crate::fast_retries(2));
    let confirm = Confirm::new(
        ClientSecret::new("ecs_secret_sweep").expect("a secret"),
        PaymentMethod::card("tok_visa"),
    );
    let (low, span) = (SWEEP_IDLE - SWEEP_IN_FLIGHT, SWEEP_IN_FLIGHT * 3);
    let mut failed = Vec::new();
    for round in 0..ROUNDS {
        client
            .send(&GetConfig)
            .expect("a read meeting the race is retried");
        thread::sleep(low + span.mul_f64(round as f64 / ROUNDS as f64));
        if let Err(e) = client.send(&confirm) {
            failed.push(format!(
                "round {round}: {} (outcome unknown: {})",
                easy_checkout_core::error::report(&e),
                e.outcome_unknown()
            ));
        }
    }
    let log = log.lock().expect("log");
    let confirms = log
        .iter()
        .filter(|(_, target)| target.ends_with("/confirm"));
    let carried = |connection| log.iter().filter(|(c, _)| *c == connection).count();
    let received = confirms.clone().count();
    let reused = confirms.filter(|(c, _)| carried(*c) > 1).count();
    println!(
        "{which}: {} of {ROUNDS} keyless confirms failed; {received} reached the server, \
         {reused} of them on a reused connection; {} requests crossed a close",
        failed.len(),
        closer.lost()
    );
    assert_eq!(failed, Vec::<String>::new(), "{which}");
    assert_eq!(received, ROUNDS, "{which}");
    assert_eq!(reused, 0, "{which}");
}
