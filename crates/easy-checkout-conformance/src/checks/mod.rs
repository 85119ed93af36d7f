//! The checks, one per obligation, in the order they run. Each is plain code over the
//! transport under test ([`Cx`]) and the [`loopback`](crate::loopback) servers; it fails by
//! panicking with what it saw, which the runner reports beside the obligation.

mod body;
mod cuts;
mod marks;
pub(crate) mod proxy;
mod request;
mod resend;
mod response;
mod timeouts;
mod tls;

use easy_checkout_core::http;
use easy_checkout_core::{TransportError, TransportErrorKind};

pub(crate) use crate::cx::{Cx, Sent};
use crate::loopback::{After, Server};

/// One check: its name, the obligation it stands for, and the code.
pub(crate) struct Check {
    pub(crate) name: &'static str,
    pub(crate) obligation: &'static str,
    pub(crate) run: fn(&Cx),
}

const fn check(name: &'static str, run: fn(&Cx), obligation: &'static str) -> Check {
    Check {
        name,
        obligation,
        run,
    }
}

#[rustfmt::skip]
pub(crate) const CHECKS: &[Check] = &[
    check("request_goes_out_as_given", request::request_goes_out_as_given,
        "send the request as built: its method, target, headers (every value, in order) and body; add nothing but Host, Content-Length and Connection"),
    check("empty_bodies_follow_the_method", request::empty_bodies_follow_the_method,
        "put an empty body on the wire as `sends_body` says: no body and no `Content-Length: 0` on GET and DELETE, `Content-Length: 0` on POST, PUT and PATCH"),
    check("every_status_is_a_response", response::every_status_is_a_response,
        "return every status (2xx, 4xx, 5xx) as a response with its whole body and its headers, never as an error"),
    check("every_response_header_comes_back", response::every_response_header_comes_back,
        "return every response header, a repeated one with each of its values"),
    check("redirects_are_not_followed", response::redirects_are_not_followed,
        "follow no redirect: a 3xx comes back as a response (its Location and body included) and nothing is sent to where it points, so the API key never reaches another host"),
    check("the_connect_timeout_is_applied", timeouts::the_connect_timeout_is_applied,
        "give up on a connection that cannot be made when `TransportSettings::connect_timeout` has passed"),
    check("the_total_timeout_bounds_every_request", timeouts::the_total_timeout_bounds_every_request,
        "end every request when `TransportSettings::timeout` has passed, connect to last body byte: a silent server, a head then silence, a body trickled a byte at a time; a timeout under a millisecond is a very short one, not none"),
    check("timeouts_are_reported_as_timeout", timeouts::timeouts_are_reported_as_timeout,
        "report a timeout that fired (connecting, waiting for the head, reading the body) as `TransportErrorKind::Timeout`, not `Io`"),
    check("a_body_over_the_cap_is_refused", body::a_body_over_the_cap_is_refused,
        "read no more than `TransportSettings::max_body_bytes`: a longer body is `BodyTooLarge`, whatever its framing"),
    check("an_announced_body_over_the_cap_is_refused_before_reading", body::an_announced_body_over_the_cap_is_refused_before_reading,
        "refuse a `Content-Length` over the cap as `BodyTooLarge` at once, without waiting for the body"),
    check("a_body_at_the_cap_is_read", body::a_body_at_the_cap_is_read,
        "read a body exactly as long as the cap whole, sized or chunked"),
    check("a_reply_cut_in_its_head_is_io", cuts::a_reply_cut_in_its_head_is_io,
        "report a connection that closes before the head of the reply ended (before or inside the status line, inside the headers) as `Io`, never as a response"),
    check("a_reply_cut_in_its_body_is_io", cuts::a_reply_cut_in_its_body_is_io,
        "report a body cut short (before its `Content-Length`, before its last chunk) as `Io`, never as a response"),
    check("a_whole_reply_then_a_close_is_a_response", cuts::a_whole_reply_then_a_close_is_a_response,
        "take a whole reply followed by a close as a response: a body ended by the close (RFC 9112, 6.3), a head that declares no body, HTTP/1.0"),
    check("a_reply_that_is_not_http_is_io", cuts::a_reply_that_is_not_http_is_io,
        "report bytes that are not an HTTP reply as `Io`"),
    check("a_refused_connection_is_connect_and_not_sent", marks::a_refused_connection_is_connect_and_not_sent,
        "report a refused connection as `Connect`, and mark it `not_sent` for a request that may not be resent (the caller then knows the payment did not happen)"),
    check("only_failures_before_sending_are_marked_not_sent", marks::only_failures_before_sending_are_marked_not_sent,
        "never mark `not_sent` a failure that came after the request may have gone out: a reply cut or never sent, the total timeout, an oversized body"),
    check("a_request_that_may_not_be_resent_goes_out_once", resend::a_request_that_may_not_be_resent_goes_out_once,
        "never send a request twice when `may_resend` says no (a keyless write), not even when its connection dies before any byte of the reply"),
    check("a_request_that_may_not_be_resent_never_takes_a_pooled_connection", resend::a_request_that_may_not_be_resent_never_takes_a_pooled_connection,
        "never send a request `may_resend` refuses on a kept-alive connection the server may be closing at its idle timeout: give it a connection of its own, so it does not fail as maybe sent when it was never read"),
    check("plain_http_never_goes_through_a_proxy", proxy::plain_http_never_goes_through_a_proxy,
        "send no `http://` request through a proxy from the environment (`bypasses_proxy`): the proxy would read the API key in clear text"),
    check("https_goes_through_the_proxy_from_the_environment", proxy::https_goes_through_the_proxy_from_the_environment,
        "send `https://` requests through the proxy the environment names (`HTTPS_PROXY`, `ALL_PROXY`), as a `CONNECT` tunnel"),
    check("tls_an_untrusted_ca_is_refused", tls::tls_an_untrusted_ca_is_refused,
        "verify the server's certificate chain: a server whose CA is not among the roots fails as `Tls`, and no request reaches it"),
    check("tls_a_certificate_for_another_host_is_refused", tls::tls_a_certificate_for_another_host_is_refused,
        "verify the name: a certificate for another host fails as `Tls`, and no request reaches it"),
    check("tls_an_expired_certificate_is_refused", tls::tls_an_expired_certificate_is_refused,
        "verify the validity period: an expired certificate fails as `Tls`, and no request reaches it"),
    check("tls_a_self_signed_certificate_is_refused", tls::tls_a_self_signed_certificate_is_refused,
        "refuse a self-signed certificate as `Tls`; no request reaches the server"),
    check("tls_added_roots_are_trusted", tls::tls_added_roots_are_trusted,
        "trust the roots added with `RootCertificates` on top of the defaults: the request goes out over TLS as given"),
    check("tls_a_reply_cut_over_tls_is_io", tls::tls_a_reply_cut_over_tls_is_io,
        "report a reply cut short over TLS as `Io`, as over TCP"),
    check("tls_plain_http_on_an_https_url_is_tls", tls::tls_plain_http_on_an_https_url_is_tls,
        "report a server that answers the TLS hello with plain HTTP as `Tls`"),
    check("tls_a_server_that_hangs_up_in_the_handshake_is_an_error", tls::tls_a_server_that_hangs_up_in_the_handshake_is_an_error,
        "report a server that closes the connection during the handshake as an error, never a response"),
];

/// A GET of `url` with no body.
pub(crate) fn get(url: &str) -> http::Request<Vec<u8>> {
    request(http::Method::GET, url)
}

/// A request of `url` with `method` and no body.
pub(crate) fn request(method: http::Method, url: &str) -> http::Request<Vec<u8>> {
    let mut request = http::Request::new(Vec::new());
    *request.method_mut() = method;
    *request.uri_mut() = url.parse().expect("a URI");
    request
}

/// A keyless POST of `url`, as the core builds a `confirm` without an idempotency key:
/// marked [`NoResend`](easy_checkout_core::ops::NoResend) when `marked`, or rebuilt
/// without its extensions (as a middleware might) when not; `may_resend` refuses both.
pub(crate) fn keyless_post(url: &str, marked: bool) -> http::Request<Vec<u8>> {
    let mut post = http::Request::post(url).header("content-type", "application/json");
    if marked {
        post = post.extension(easy_checkout_core::ops::NoResend);
    }
    let post = post
        .body(br#"{"client_secret":"ecs_secret_kit"}"#.to_vec())
        .expect("request");
    debug_assert!(!easy_checkout_core::ops::may_resend(&post));
    post
}

/// What an outcome was, in words: for failure messages.
pub(crate) fn describe(outcome: &Sent) -> String {
    match outcome {
        Ok(response) => format!(
            "a {} response ({} bytes of body)",
            response.status().as_u16(),
            response.body().len()
        ),
        Err(error) => describe_error(error),
    }
}

/// An error in words: its kind, whether it is marked not sent, its message.
pub(crate) fn describe_error(error: &TransportError) -> String {
    format!(
        "a {:?} error ({}): {error}",
        error.kind(),
        if error.certainly_not_sent() {
            "marked not sent"
        } else {
            "maybe sent"
        }
    )
}

/// The error of an outcome that must be one.
#[track_caller]
pub(crate) fn expect_error(outcome: Sent, what: &str) -> TransportError {
    match outcome {
        Err(error) => error,
        ok => panic!("{what}: got {} instead of an error", describe(&ok)),
    }
}

/// The response of an outcome that must be one.
#[track_caller]
pub(crate) fn expect_response(outcome: Sent, what: &str) -> http::Response<Vec<u8>> {
    match outcome {
        Ok(response) => response,
        Err(error) => panic!("{what}: failed with {}", describe_error(&error)),
    }
}

/// The error of an outcome that must be one of `kind`.
#[track_caller]
pub(crate) fn expect_kind(outcome: Sent, kind: TransportErrorKind, what: &str) -> TransportError {
    let error = expect_error(outcome, what);
    assert!(
        error.kind() == kind,
        "{what}: expected a {kind:?} error, got {}",
        describe_error(&error)
    );
    error
}

/// A server that answers every request with `reply` (raw bytes), then closes the connection.
pub(crate) fn closing(reply: &'static [u8]) -> Server {
    Server::start(move |_, stream| {
        let _ = stream.write_all(reply);
        After::Close
    })
}

/// The status code at the start of a status line (`"404 Not Found"` → 404).
pub(crate) fn code(status: &str) -> u16 {
    status[..3].parse().expect("status")
}
