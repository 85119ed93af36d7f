//! A webhook receiver on loopback, as a merchant's would be: it reads each POST (head and
//! `Content-Length` body), hands it to the test's handler in arrival order, and answers as
//! the handler says, on a thread per connection (a held connection holds up no other).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// One request as the receiver read it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        let found = self.headers.iter().find(|(n, _)| n == name);
        found.map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// The body's event `id`.
    pub fn event_id(&self) -> String {
        self.json()["id"].as_str().expect("an event id").to_owned()
    }

    /// `x-easy-webhook-attempt` as a number.
    pub fn attempt(&self) -> u8 {
        self.header("x-easy-webhook-attempt")
            .expect("an attempt")
            .parse()
            .unwrap()
    }
}

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// This status, with a short body.
    Status(u16),
    /// Nothing until [`Receiver::release`] (or the drop), then a close.
    Hold,
    /// A close without a byte.
    Close,
    /// A `200` head announcing 1000 bytes, then one byte every 20 ms.
    Trickle,
    /// A `200` head announcing 1 GiB, then as many bytes as the peer takes.
    Flood,
    /// A head with a 100 KiB header, then nothing.
    HugeHead,
}

type Handler = Box<dyn FnMut(&Received) -> Answer + Send>;

struct Inner {
    received: Mutex<Vec<Received>>,
    arrived: Condvar,
    handler: Mutex<Handler>,
    released: Mutex<bool>,
    release: Condvar,
    stop: AtomicBool,
    streams: Mutex<Vec<TcpStream>>,
    /// Bytes written by [`Answer::Flood`] before the peer stopped taking them.
    flooded: Mutex<Vec<u64>>,
}

/// A receiver listening on `127.0.0.1`; stopped when dropped.
pub struct Receiver {
    addr: SocketAddr,
    inner: Arc<Inner>,
    acceptor: Option<JoinHandle<()>>,
}

impl Receiver {
    /// Answers every request as `handler` says (called once per request, in arrival order).
    pub fn start(handler: impl FnMut(&Received) -> Answer + Send + 'static) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let inner = Arc::new(Inner {
            received: Mutex::new(Vec::new()),
            arrived: Condvar::new(),
            handler: Mutex::new(Box::new(handler)),
            released: Mutex::new(false),
            release: Condvar::new(),
            stop: AtomicBool::new(false),
            streams: Mutex::new(Vec::new()),
            flooded: Mutex::new(Vec::new()),
        });
        let accepting = Arc::clone(&inner);
        let acceptor = thread::spawn(move || {
            let mut workers = Vec::new();
            for stream in listener.incoming() {
                if accepting.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                accepting
                    .streams
                    .lock()
                    .unwrap()
                    .push(stream.try_clone().unwrap());
                let serving = Arc::clone(&accepting);
                workers.push(thread::spawn(move || serve(&serving, stream)));
            }
            for worker in workers {
                let _ = worker.join();
            }
        });
        Receiver {
            addr,
            inner,
            acceptor: Some(acceptor),
        }
    }

    /// Answers every request `status`.
    pub fn answering(status: u16) -> Receiver {
        Receiver::start(move |_| Answer::Status(status))
    }

    /// `http://127.0.0.1:PORT/webhooks/easy`.
    pub fn url(&self) -> String {
        format!("http://{}/webhooks/easy", self.addr)
    }

    /// Every request read so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.inner.received.lock().unwrap().clone()
    }

    /// Waits until `n` requests have arrived, for at most 10 s.
    pub fn wait_for(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut received = self.inner.received.lock().unwrap();
        while received.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "{} of {n} requests arrived",
                received.len()
            );
            received = self.inner.arrived.wait_timeout(received, left).unwrap().0;
        }
    }

    /// Ends every [`Answer::Hold`], now and from now on.
    pub fn release(&self) {
        *self.inner.released.lock().unwrap() = true;
        self.inner.release.notify_all();
    }

    /// The bytes each [`Answer::Flood`] got written.
    pub fn flooded(&self) -> Vec<u64> {
        self.inner.flooded.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::SeqCst);
        self.release();
        for stream in self.inner.streams.lock().unwrap().iter() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn serve(inner: &Inner, stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    let answer = {
        // Handled and recorded in one step: the handler sees requests in arrival order.
        let mut handler = inner.handler.lock().unwrap();
        let answer = handler(&request);
        inner.received.lock().unwrap().push(request);
        inner.arrived.notify_all();
        answer
    };
    let mut out = stream;
    match answer {
        Answer::Status(status) => {
            let body = format!("{{\"received\":{status}}}");
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = out
                .write_all(head.as_bytes())
                .and_then(|()| out.write_all(body.as_bytes()));
        }
        Answer::Hold => wait_released(inner),
        Answer::Close => {}
        Answer::Trickle => {
            let _ = out.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n");
            for _ in 0..1000 {
                if inner.stop.load(Ordering::SeqCst) || out.write_all(b"x").is_err() {
                    break;
                }
                thread::sleep(Duration::from_millis(20));
            }
        }
        Answer::Flood => {
            let _ = out.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1073741824\r\n\r\n");
            let chunk = [b'x'; 64 * 1024];
            let mut written = 0u64;
            while written < 1 << 30 && !inner.stop.load(Ordering::SeqCst) {
                match out.write(&chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => written += n as u64,
                }
            }
            inner.flooded.lock().unwrap().push(written);
        }
        Answer::HugeHead => {
            let mut head = b"HTTP/1.1 200 OK\r\nx-padding: ".to_vec();
            head.resize(100 * 1024, b'a');
            let _ = out.write_all(&head);
            wait_released(inner);
        }
    }
    let _ = out.shutdown(Shutdown::Both);
}

fn wait_released(inner: &Inner) {
    let released = inner.released.lock().unwrap();
    let _released = inner.release.wait_while(released, |r| !*r).unwrap();
}

/// One request: its head (with `httparse`) and a `Content-Length` body.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Received> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
        head.extend_from_slice(&line);
    }
    let mut fields = [httparse::EMPTY_HEADER; 32];
    let mut request = httparse::Request::new(&mut fields);
    request.parse(&head).ok()?;
    let headers: Vec<(String, String)> = (request.headers.iter())
        .map(|h| {
            let value = String::from_utf8_lossy(h.value).into_owned();
            (h.name.to_ascii_lowercase(), value)
        })
        .collect();
    let len = headers.iter().find(|(n, _)| n == "content-length")?;
    let len: usize = len.1.parse().ok()?;
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Received {
        method: request.method?.to_owned(),
        path: request.path?.to_owned(),
        headers,
        body,
    })
}
