//! What goes out: the request as built, and empty bodies by method.

use easy_checkout_core::http;

use super::{Cx, expect_response, request};
use crate::loopback::{Server, reply};

/// Headers a transport may add: what HTTP/1.1 framing needs.
const MAY_ADD: [&str; 3] = ["host", "content-length", "connection"];

pub(crate) fn request_goes_out_as_given(cx: &Cx) {
    let server = Server::fixed(reply("200 OK", &[], b"{}"));
    let body = br#"{"allowed_origins":["https://a.example"]}"#;
    let request = http::Request::patch(server.url("/v1/api/embedded-checkout/config?x=1&y=%20"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("user-agent", "test-agent/1.0")
        .header("idempotency-key", "key-1")
        .header("x-multi", "a")
        .header("x-multi", "b")
        .body(body.to_vec())
        .expect("request");
    let expected = request.headers().clone();

    expect_response(cx.fast().send(request), "PATCH with a body");
    let seen = server.request();
    assert_eq!(
        seen.request_line, "PATCH /v1/api/embedded-checkout/config?x=1&y=%20 HTTP/1.1",
        "the request line"
    );
    assert!(
        seen.body == body,
        "the body went out as {:?}",
        String::from_utf8_lossy(&seen.body)
    );
    for name in expected.keys() {
        let want: Vec<_> = expected
            .get_all(name)
            .iter()
            .flat_map(|v| v.to_str())
            .collect();
        assert_eq!(
            seen.header_all(name.as_str()),
            want,
            "the values of `{name}`"
        );
    }
    assert_eq!(
        seen.header_all("content-length"),
        [body.len().to_string()],
        "Content-Length"
    );
    let added: Vec<String> = seen
        .headers
        .iter()
        .filter(|(n, _)| {
            let n = n.to_ascii_lowercase();
            !MAY_ADD.contains(&n.as_str()) && !expected.contains_key(n.as_str())
        })
        .map(|(n, v)| format!("{n}: {v}"))
        .collect();
    assert!(
        added.is_empty(),
        "headers the request did not have went out: {added:?}"
    );
}

pub(crate) fn empty_bodies_follow_the_method(cx: &Cx) {
    let server = Server::fixed(reply("200 OK", &[], b""));
    let transport = cx.fast();
    for (method, length) in [
        (http::Method::GET, None),
        (http::Method::DELETE, None),
        (http::Method::POST, Some("0")),
        (http::Method::PUT, Some("0")),
        (http::Method::PATCH, Some("0")),
    ] {
        let request = request(method.clone(), &server.url("/empty"));
        expect_response(transport.send(request), &format!("{method} with no body"));
        let seen = server.request();
        assert_eq!(seen.method(), method.as_str());
        assert!(
            seen.header("content-length") == length,
            "{method} with an empty body went out with Content-Length {:?}, not {length:?}",
            seen.header("content-length")
        );
        assert!(
            seen.header("transfer-encoding").is_none(),
            "{method} with an empty body went out with Transfer-Encoding: {:?}",
            seen.header("transfer-encoding")
        );
    }
}
