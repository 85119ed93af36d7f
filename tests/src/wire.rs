//! What went on the wire against what the SDK means to send, in the text of the core's
//! snapshot renderer ([`snapshot::render`]), which the insta snapshots pin.

use easy_checkout_core::http::{HeaderName, HeaderValue, Request};
use easy_checkout_core::snapshot;
use easy_checkout_fake::RecordedRequest;

/// Asserts that `recorded` is `expected` as sent: the same snapshot rendering (method, URI,
/// headers, body; a difference fails with a line diff of the two), then the same header
/// values and body bytes, which the rendering redacts. The recorded request's URI is rebuilt
/// from its `Host` header and its target, and the framing a transport adds (`Host`, and a
/// `Content-Length` that matches a non-empty body) is left out.
#[track_caller]
pub fn assert_sent(recorded: &RecordedRequest, expected: &Request<Vec<u8>>) {
    let host = recorded.header("host").expect("a Host header");
    let mut sent = Request::builder()
        .method(recorded.method.as_str())
        .uri(format!("http://{host}{}", recorded.path))
        .body(recorded.body.clone())
        .expect("a recorded request is a valid request");
    let framing = |name: &str, value: &str| {
        name == "host"
            || (name == "content-length"
                && !recorded.body.is_empty()
                && value == recorded.body.len().to_string())
    };
    for (name, value) in &recorded.headers {
        if !framing(name, value) {
            sent.headers_mut().append(
                HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
                HeaderValue::from_str(value).expect("a header value"),
            );
        }
    }
    let (wire, snapshot) = (snapshot::render(&sent), snapshot::render(expected));
    if wire != snapshot {
        let diff = similar::TextDiff::from_lines(&snapshot, &wire);
        let mut unified = diff.unified_diff();
        let unified = unified.header("snapshot rendering", "wire");
        panic!("what went on the wire is not what the SDK built:\n{unified}");
    }
    assert_eq!(
        (sent.headers(), sent.body()),
        (expected.headers(), expected.body()),
        "a value the rendering redacts differs (left: the wire)"
    );
}
