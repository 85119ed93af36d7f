//! A tiny raw HTTP/1.1 client over `std::net`, so the tests see exactly what is on the wire
//! (including connections closed without a response), and the calls the tests share.

#![allow(dead_code)]

pub mod receiver;

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use easy_checkout_fake::FakeEasy;
use serde_json::{Value, json};

pub const KEY: (&str, &str) = ("x-easy-api-key", FakeEasy::TEST_KEY);
pub const CONFIRM: &str = "/embedded-checkout/confirm";

/// A parsed response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn data(&self) -> Value {
        self.json()["data"].clone()
    }

    /// Asserts a `200`; its `data`.
    #[track_caller]
    pub fn ok(&self) -> Value {
        assert_eq!(self.status, 200, "{}", String::from_utf8_lossy(&self.body));
        self.data()
    }

    /// The error envelope's code (asserting the envelope's shape).
    pub fn code(&self) -> String {
        let v = self.json();
        assert_eq!(v["success"], false, "not an error envelope: {v}");
        assert!(v["error"]["message"].is_string(), "no message: {v}");
        v["error"]["code"].as_str().expect("code").to_owned()
    }

    /// Asserts an error envelope with this status and code; its `details`.
    #[track_caller]
    pub fn error(&self, status: u16, code: &str) -> Value {
        let body = self.json();
        assert_eq!(
            (self.status, self.code().as_str()),
            (status, code),
            "{body}"
        );
        body["error"]["details"].clone()
    }
}

/// One client connection (keep-alive).
pub struct Conn {
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(fake: &FakeEasy) -> Conn {
        let stream = TcpStream::connect(fake.addr()).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        Conn {
            reader: BufReader::new(stream),
        }
    }

    pub fn set_read_timeout(&mut self, timeout: Duration) {
        self.reader
            .get_ref()
            .set_read_timeout(Some(timeout))
            .unwrap();
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.reader.get_ref().local_addr().unwrap()
    }

    pub fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.reader.get_mut().write_all(bytes)
    }

    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> io::Result<Resp> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nAccept: application/json\r\n");
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
            head.push_str("Host: localhost\r\n");
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(body) = body {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body.unwrap_or_default());
        self.write_raw(&bytes)?;
        self.read_response()
    }

    /// `GET path` with the test key.
    pub fn get(&mut self, path: &str) -> io::Result<Resp> {
        self.send("GET", path, &[KEY], None)
    }

    /// Reads one response; `UnexpectedEof` when the connection closes early.
    pub fn read_response(&mut self) -> io::Result<Resp> {
        let (status, headers) = self.read_head()?;
        // 1xx, 204 and 304 replies have no body, whatever their headers say.
        let len = match status {
            100..=199 | 204 | 304 => Some(0),
            _ => (headers.iter())
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .map(|(_, v)| v.parse::<usize>().expect("content-length")),
        };
        let mut body = Vec::new();
        if let Some(len) = len {
            let got = (&mut self.reader).take(len as u64).read_to_end(&mut body)?;
            if got < len {
                let body = String::from_utf8_lossy(&body);
                let message = format!("closed after {got} of {len} body bytes: {body:?}");
                return Err(io::Error::new(ErrorKind::UnexpectedEof, message));
            }
        } else {
            self.reader.read_to_end(&mut body)?;
        }
        Ok(Resp {
            status,
            headers,
            body,
        })
    }

    /// Reads a response head with `httparse`, consuming exactly its bytes.
    fn read_head(&mut self) -> io::Result<(u16, Vec<(String, String)>)> {
        let mut head = Vec::new();
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                let at = match head.is_empty() {
                    true => "before a status line",
                    false => "in the head",
                };
                let message = format!("closed {at}");
                return Err(io::Error::new(ErrorKind::UnexpectedEof, message));
            }
            let (seen, got) = (head.len(), buf.len());
            head.extend_from_slice(buf);
            let mut fields = [httparse::EMPTY_HEADER; 64];
            let mut response = httparse::Response::new(&mut fields);
            let parsed = response.parse(&head).map_err(|e| {
                let head = String::from_utf8_lossy(&head);
                io::Error::new(ErrorKind::InvalidData, format!("bad head ({e}): {head:?}"))
            })?;
            let httparse::Status::Complete(len) = parsed else {
                self.reader.consume(got);
                continue;
            };
            let status = response.code.expect("a complete head has a status");
            let headers = (response.headers.iter())
                .map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into()))
                .collect();
            self.reader.consume(len - seen);
            return Ok((status, headers));
        }
    }
}

/// Writes `bytes` on a fresh connection to `addr` and reads until the server closes it.
pub fn raw_exchange(addr: SocketAddr, bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(bytes)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    Ok(raw)
}

/// One request on a fresh connection.
pub fn call(
    fake: &FakeEasy,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&Value>,
) -> Resp {
    let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
    let headers: Vec<(&str, &str)> = key.map(|k| ("x-easy-api-key", k)).into_iter().collect();
    let sent = Conn::open(fake).send(method, path, &headers, bytes.as_deref());
    sent.expect("request failed")
}

pub fn get(fake: &FakeEasy, path: &str) -> Resp {
    call(fake, "GET", path, Some(FakeEasy::TEST_KEY), None)
}

pub fn post(fake: &FakeEasy, path: &str, body: &Value) -> Resp {
    call(fake, "POST", path, Some(FakeEasy::TEST_KEY), Some(body))
}

/// POST without any API key (the browser-side calls).
pub fn post_anon(fake: &FakeEasy, path: &str, body: &Value) -> Resp {
    call(fake, "POST", path, None, Some(body))
}

/// A call to the control API (`/__fake/…`), which takes no key.
pub fn control(fake: &FakeEasy, method: &str, path: &str, body: Option<&Value>) -> Resp {
    call(fake, method, path, None, body)
}

/// A POST of `body` with these headers (an `Idempotency-Key`, say) on a fresh connection.
pub fn post_with(fake: &FakeEasy, path: &str, headers: &[(&str, &str)], body: &Value) -> Resp {
    let body = serde_json::to_vec(body).unwrap();
    let sent = Conn::open(fake).send("POST", path, headers, Some(&body));
    sent.expect("request failed")
}

pub fn session_body() -> Value {
    json!({
        "items": [{ "price_id": "price_abc", "quantity": 2 }],
        "return_url": "https://shop.example/return",
        "metadata": { "order": "42" },
    })
}

/// Creates a session and returns its `data`.
pub fn create(fake: &FakeEasy) -> Value {
    post(fake, "/embedded-checkout", &session_body()).ok()
}

/// Creates a session; its id and client secret.
pub fn new_session(fake: &FakeEasy) -> (String, String) {
    let data = create(fake);
    let field = |name: &str| data[name].as_str().unwrap().to_owned();
    (field("id"), field("client_secret"))
}

pub fn card(secret: &str, token: &str) -> Value {
    json!({
        "client_secret": secret,
        "payment_method": { "type": "PAYMENT_CARD", "token_id": token },
    })
}

/// Confirms the session of `secret` with a card, as the iframe does.
pub fn confirm(fake: &FakeEasy, secret: &str, token: &str) -> Resp {
    post_anon(fake, CONFIRM, &card(secret, token))
}
