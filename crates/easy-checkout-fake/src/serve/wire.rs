//! Writing an [`Action`] out: the response head with `Content-Type`, the rate-limit headers
//! and the reply's own, the body (streamed for padding), or a deliberate close.

use std::io::{self, Read, Write};

use crate::http1;
use crate::reply::{Action, Reply, header_safe};
use crate::state::rate::RateLimit;

/// Writes `action` through a buffer, with the rate-limit headers of `rate` when given;
/// `keep_alive` false adds `Connection: close`. True when the connection stays open: the
/// action keeps it and the client is still there.
pub(super) fn write(
    out: &mut impl Write,
    action: Action,
    rate: Option<RateLimit>,
    keep_alive: bool,
) -> bool {
    let out = &mut io::BufWriter::new(out);
    let (reply, padding) = match action {
        Action::Respond(reply) => (reply, None),
        Action::Padding(len) => (Reply::bytes(200, "application/json", Vec::new()), Some(len)),
        Action::Close => return false,
        Action::SendAndClose(bytes) => {
            let _ = out.write_all(bytes).and_then(|()| out.flush());
            return false;
        }
    };
    let mut headers = vec![("Content-Type", reply.content_type.to_owned())];
    if let Some(rate) = rate {
        // A 429 says the window is spent, whatever the count.
        let remaining = if reply.status == 429 {
            0
        } else {
            rate.remaining
        };
        headers.push(("RateLimit-Limit", rate.limit.to_string()));
        headers.push(("RateLimit-Remaining", remaining.to_string()));
        headers.push(("RateLimit-Reset", rate.reset.to_string()));
    }
    headers.extend(reply.headers.into_iter().filter(|(_, v)| header_safe(v)));
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let len = padding.unwrap_or(reply.body.len());
    let mut body: Box<dyn Read> = match padding {
        Some(len) => padding_body(len),
        None => Box::new(io::Cursor::new(reply.body)),
    };
    let close = !keep_alive;
    let written = http1::write_response(out, reply.status, &headers, &mut body, len as u64, close);
    // A client that went away is not the fake's problem.
    written.is_ok() && keep_alive
}

/// `{"data":{"padding":"xxx…"}}` of exactly `len` bytes (spaces below 23), made as it is read.
fn padding_body(len: usize) -> Box<dyn Read> {
    const HEAD: &[u8] = b"{\"data\":{\"padding\":\"";
    const TAIL: &[u8] = b"\"}}";
    match len.checked_sub(HEAD.len() + TAIL.len()) {
        Some(xs) => Box::new(HEAD.chain(io::repeat(b'x').take(xs as u64)).chain(TAIL)),
        None => Box::new(io::repeat(b' ').take(len as u64)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn padding_is_exact_json() {
        for len in [0, 5, 22, 23, 24, 100, 70_000] {
            let mut out = Vec::new();
            padding_body(len).read_to_end(&mut out).unwrap();
            assert_eq!(out.len(), len);
            if len >= 23 {
                let v: Value = serde_json::from_slice(&out).unwrap();
                assert!(v["data"]["padding"].is_string());
            }
        }
    }

    #[test]
    fn responses_carry_the_rate_limit_and_only_sendable_headers() {
        let rate = RateLimit {
            limit: 100,
            remaining: 42,
            reset: 7,
        };
        let mut reply = Reply::data(json!(1));
        reply.headers.push(("X-Ok", "yes".to_owned()));
        reply.headers.push(("X-Bad", "a\r\nInjected: 1".to_owned()));
        let mut out = Vec::new();
        assert!(write(&mut out, reply.into(), Some(rate), true));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nRateLimit-Limit: 100\r\n\
             RateLimit-Remaining: 42\r\nRateLimit-Reset: 7\r\nX-Ok: yes\r\n\
             Content-Length: 10\r\n\r\n{\"data\":1}"
        );

        let limited = Action::Respond(Reply::bytes(429, "application/json", Vec::new()));
        let mut out = Vec::new();
        assert!(!write(&mut out, limited, Some(rate), false));
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("RateLimit-Remaining: 0\r\n"), "{out}");
        assert!(out.ends_with("Connection: close\r\n\r\n"), "{out}");
    }
}
