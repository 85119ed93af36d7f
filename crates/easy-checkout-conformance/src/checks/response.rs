//! What comes back: every status as a response, every header, and no redirect followed.

use std::time::Duration;

use easy_checkout_core::http;

use super::{Cx, code, describe, expect_response, get};
use crate::loopback::{Server, reply};

/// Statuses from 2xx to 5xx, each with a body of its own.
const STATUSES: [(&str, &[u8]); 12] = [
    ("200 OK", br#"{"data":{"id":"ecs_1"}}"#),
    ("201 Created", b"{}"),
    ("204 No Content", b""),
    (
        "400 Bad Request",
        br#"{"error":{"code":"VALIDATION_ERROR"}}"#,
    ),
    ("401 Unauthorized", b"no key"),
    (
        "404 Not Found",
        br#"{"error":{"code":"SESSION_NOT_FOUND"}}"#,
    ),
    ("409 Conflict", b"{}"),
    ("422 Unprocessable Entity", b"{}"),
    ("429 Too Many Requests", b"slow down"),
    ("500 Internal Server Error", b"<html>oops</html>"),
    ("502 Bad Gateway", b"<html>bad gateway</html>"),
    ("503 Service Unavailable", b""),
];

pub(crate) fn every_status_is_a_response(cx: &Cx) {
    let transport = cx.fast();
    for (status, body) in STATUSES {
        let server = Server::fixed(reply(
            status,
            &[("Content-Type", "application/json"), ("Retry-After", "7")],
            body,
        ));
        let response = expect_response(transport.send(get(&server.url("/x"))), status);
        assert_eq!(response.status().as_u16(), code(status), "the status");
        assert!(
            response.body() == body,
            "{status}: the body came back as {:?}",
            String::from_utf8_lossy(response.body())
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "{status}"
        );
        assert_eq!(response.headers()["retry-after"], "7", "{status}");
    }
}

pub(crate) fn every_response_header_comes_back(cx: &Cx) {
    let server = Server::fixed(reply(
        "200 OK",
        &[
            ("RateLimit-Limit", "100"),
            ("RateLimit-Remaining", "99"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
            ("X-Request-Id", "req_123"),
        ],
        b"hello",
    ));
    let response = expect_response(cx.fast().send(get(&server.url("/h"))), "GET");
    let headers = response.headers();
    let value = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or("?"));
    assert_eq!(value("ratelimit-limit"), Some("100"));
    assert_eq!(value("ratelimit-remaining"), Some("99"));
    assert_eq!(value("x-request-id"), Some("req_123"));
    assert_eq!(value("content-length"), Some("5"));
    let cookies: Vec<_> = headers.get_all("set-cookie").iter().collect();
    assert_eq!(cookies, ["a=1", "b=2"], "both values of a repeated header");
    assert_eq!(response.body(), b"hello");
}

pub(crate) fn redirects_are_not_followed(cx: &Cx) {
    // Another server: the origin differs, and any request it gets was a redirect followed.
    let elsewhere = Server::fixed(reply("200 OK", &[], br#"{"data":{}}"#));
    let location = elsewhere.url("/elsewhere");
    let transport = cx.fast();
    for status in [
        "301 Moved Permanently",
        "302 Found",
        "303 See Other",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        let server = Server::fixed(reply(status, &[("Location", &location)], b"moved"));
        for method in [http::Method::GET, http::Method::POST] {
            let body = (method == http::Method::POST).then(|| b"{}".to_vec());
            let request = http::Request::builder()
                .method(method.clone())
                .uri(server.url("/from"))
                .header("x-easy-api-key", "sk_test_secret")
                .body(body.unwrap_or_default())
                .expect("request");
            let what = format!("{method} {} answered {status}", server.url("/from"));
            let outcome = transport.send(request);
            let followed = elsewhere.take_requests();
            if let Some(seen) = followed.first() {
                panic!(
                    "followed the redirect of {what} to another server, which received `{}` with x-easy-api-key: {}; the transport returned {}",
                    seen.request_line,
                    seen.header("x-easy-api-key").unwrap_or("(none)"),
                    describe(&outcome)
                );
            }
            let response = expect_response(outcome, &what);
            assert_eq!(response.status().as_u16(), code(status), "{what}");
            let back = response
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap_or("?"));
            assert_eq!(back, Some(location.as_str()), "{what}: the Location header");
            assert_eq!(response.body(), b"moved", "{what}: the body");
            assert_eq!(server.take_requests().len(), 1, "{what}: sent once");
        }
    }
    // A follow-up sent late would arrive by now.
    std::thread::sleep(Duration::from_millis(50));
    let late = elsewhere.take_requests();
    assert!(
        late.is_empty(),
        "requests reached the redirect's target: {late:?}"
    );
}
