//! `Error::outcome_unknown`: whether a failed write may have taken effect, row by row, over
//! a scripted transport (no socket, no sleep), plus the parse path and the transport marks.

use std::collections::VecDeque;
use std::sync::Mutex;

use common::NoWait;
use easy_checkout_core::http::{self, HeaderMap, StatusCode};
use easy_checkout_core::ops::{
    Confirm, CreateSession, GetConfig, LineItem, PaymentMethod, UpdateConfig, may_resend,
};
use easy_checkout_core::{
    Client, ClientSecret, Config, Error, Operation, RetryPolicy, TransportError,
    TransportErrorKind as K,
};

mod common;

/// What the scripted transport does on one attempt: answer with a status and body, or fail
/// with a kind unmarked, marked `not_sent()` or marked `maybe_sent()`.
#[derive(Debug, Clone, Copy)]
enum Step {
    Status(u16, &'static str),
    Fail(K),
    NotSent(K),
    MaybeSent(K),
}

use Step::{Fail, MaybeSent, NotSent, Status};

/// The calls of the tables.
#[derive(Debug, Clone, Copy)]
enum Call {
    /// `get_config`: a GET.
    Get,
    /// `get_config` on a client without an API key: refused before sending.
    KeylessGet,
    /// `confirm` without the caller's key: a POST never retried.
    Pay,
    /// `confirm` with an empty payment method type: refused before sending.
    BadPay,
    /// `confirm` with the key `confirm-k-1`: a POST retried with it.
    KeyedPay,
    /// `update_config` without a key: a PATCH, with a generated key when retries are on.
    Patch,
    /// `create_session` without a key: a POST, with a generated key when retries are on.
    Create,
}

use Call::{BadPay, Create, Get, KeyedPay, KeylessGet, Patch, Pay};

/// Makes `call` over a transport playing `steps` in order (the last one again once they run
/// out), and returns its error and every attempt, in order: `key=<Idempotency-Key or ->`, and
/// ` no-resend` when `may_resend` says a transport must not send it again.
fn fail(call: Call, steps: &[Step], retry: RetryPolicy) -> (Error, Vec<String>) {
    let script = Mutex::new(steps.iter().copied().collect::<VecDeque<_>>());
    let keys = Mutex::new(Vec::new());
    let transport = |request: http::Request<Vec<u8>>| {
        let key = request.headers().get("idempotency-key");
        let key = key.map_or("-", |v| v.to_str().unwrap());
        let once = if may_resend(&request) {
            ""
        } else {
            " no-resend"
        };
        keys.lock().unwrap().push(format!("key={key}{once}"));
        let mut steps = script.lock().unwrap();
        let step = if steps.len() > 1 {
            steps.pop_front()
        } else {
            steps.front().copied()
        };
        let scripted = |kind| TransportError::msg(kind, "scripted");
        match step.expect("a script") {
            Status(code, body) => Ok(response(code, body)),
            Fail(kind) => Err(scripted(kind)),
            NotSent(kind) => Err(scripted(kind).not_sent()),
            MaybeSent(kind) => Err(scripted(kind).maybe_sent()),
        }
    };
    let config = match call {
        KeylessGet => Config::without_api_key(
            easy_checkout_core::BaseUrl::parse("https://api.example").unwrap(),
        ),
        _ => Config::new("sk_test_outcome".parse().unwrap()),
    };
    let client = Client::with_runtime(transport, config, NoWait).with_retry_policy(retry);
    let checkout = client.embedded_checkout();
    let secret = || ClientSecret::new("ecs_secret_outcome").unwrap();
    let card = || PaymentMethod::card("tok_visa");
    let result = match call {
        Get | KeylessGet => checkout.get_config().map(drop),
        Pay => checkout.confirm(&Confirm::new(secret(), card())).map(drop),
        BadPay => {
            let mut method = card();
            method.kind = String::new();
            checkout.confirm(&Confirm::new(secret(), method)).map(drop)
        }
        KeyedPay => {
            let op = Confirm::new(secret(), card())
                .with_idempotency_key("confirm-k-1")
                .unwrap();
            checkout.confirm(&op).map(drop)
        }
        Patch => checkout
            .update_config(&UpdateConfig::new(["https://shop.example"]))
            .map(drop),
        Create => checkout
            .create_session(&CreateSession::new(
                vec![LineItem::new("price_a", 1)],
                "https://shop.example/return",
            ))
            .map(drop),
    };
    let error = result.expect_err("the script ends the call with a failure");
    drop(client);
    (error, keys.into_inner().unwrap())
}

fn response(code: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(code)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

/// Every way an attempt can fail, and what a write that failed so says.
const ATTEMPT_FAILURES: &[(Step, bool)] = &[
    (NotSent(K::Connect), false),
    (NotSent(K::Tls), false),
    (NotSent(K::Timeout), false),
    (NotSent(K::Io), false),
    (Status(400, ""), false),
    (Status(401, ""), false),
    (Status(403, ""), false),
    (Status(404, ""), false),
    (Status(409, ""), false),
    (Status(422, ""), false),
    (Status(429, ""), false),
    (Fail(K::Io), true),
    (Fail(K::Timeout), true),
    (Fail(K::BodyTooLarge), true),
    (Fail(K::Other), true),
    (MaybeSent(K::Connect), true),
    (MaybeSent(K::Tls), true),
    // Unmarked, a refused connection or a TLS failure may follow a delivery.
    (Fail(K::Connect), true),
    (Fail(K::Tls), true),
    (Status(500, ""), true),
    (Status(502, ""), true),
    (Status(503, ""), true),
    (Status(302, ""), true),
    (Status(304, ""), true),
    (Status(200, "<html>not json</html>"), true),
    (Status(201, "{\"data\":"), true),
];

/// Sent once, without a key and marked not to be resent (a keyless confirm; a PATCH or a
/// create with retries off), a write says whether it may have been applied, and a GET never
/// has an unknown outcome, retried or not.
#[test]
fn one_attempt_says_whether_a_write_may_have_been_applied_and_a_get_never_does() {
    for &(step, unknown) in ATTEMPT_FAILURES {
        for retry in [RetryPolicy::default(), RetryPolicy::never()] {
            let (error, _) = fail(Get, &[step], retry);
            assert!(!error.outcome_unknown(), "GET after {step:?}: {error:?}");
        }
        let once = [
            (Pay, RetryPolicy::default()),
            (Patch, RetryPolicy::never()),
            (Create, RetryPolicy::never()),
        ];
        for (call, retry) in once {
            let (error, keys) = fail(call, &[step], retry);
            let row = format!("{call:?} after {step:?}: {error:?}");
            assert_eq!(error.outcome_unknown(), unknown, "{row}");
            assert_eq!(keys, ["key=- no-resend"], "{row}");
            assert!(error.idempotency_key().is_none(), "{row}");
        }
    }
    // Retried through failures that would leave a write unknown.
    let script = [Status(503, ""), Fail(K::Io), Fail(K::Timeout)];
    let (error, keys) = fail(Get, &script, RetryPolicy::default());
    assert_eq!(keys.len(), 3);
    assert!(!error.outcome_unknown());
}

#[test]
fn input_refused_before_sending_is_known_not_to_have_happened() {
    // A read without the API key it needs; a confirm with an empty payment method type.
    for call in [KeylessGet, BadPay] {
        let (error, keys) = fail(call, &[Status(200, "{}")], RetryPolicy::default());
        let row = format!("{call:?}: {error:?}");
        assert!(matches!(error, Error::InvalidInput { .. }), "{row}");
        assert!(keys.is_empty(), "nothing was sent: {row}");
        assert!(!error.outcome_unknown(), "{row}");
    }
}

/// Retried writes: `(call, script, attempts, unknown)`.
const RETRIED: &[(Call, &[Step], usize, bool)] = &[
    // Every attempt may have been applied.
    (KeyedPay, &[Status(503, "")], 3, true),
    (KeyedPay, &[Fail(K::Io)], 3, true),
    // The last attempt was certainly not sent or refused, but an earlier one may have been
    // applied: still unknown.
    (KeyedPay, &[Fail(K::Io), NotSent(K::Connect)], 3, true),
    (
        KeyedPay,
        &[Fail(K::Timeout), Status(429, ""), NotSent(K::Connect)],
        3,
        true,
    ),
    (KeyedPay, &[Status(503, ""), Status(409, "")], 2, true),
    // No attempt can have been applied.
    (KeyedPay, &[NotSent(K::Connect)], 3, false),
    (KeyedPay, &[Status(429, "")], 3, false),
    (
        KeyedPay,
        &[NotSent(K::Timeout), Status(429, ""), Status(400, "")],
        3,
        false,
    ),
    (
        Create,
        &[NotSent(K::Connect), NotSent(K::Connect), Status(400, "")],
        3,
        false,
    ),
    // A generated key.
    (Patch, &[Status(500, "")], 3, true),
    (Create, &[NotSent(K::Connect), Fail(K::Timeout)], 3, true),
];

#[test]
fn a_retried_write_is_unknown_once_any_attempt_may_have_been_applied() {
    for &(call, steps, attempts, unknown) in RETRIED {
        let (error, keys) = fail(call, steps, RetryPolicy::default());
        let row = format!("{call:?} {steps:?}: {error:?}");
        assert_eq!(error.outcome_unknown(), unknown, "{row}");
        assert_eq!(keys.len(), attempts, "{row}");
        let key = error
            .idempotency_key()
            .expect("the key it carried")
            .as_str();
        if let KeyedPay = call {
            assert_eq!(key, "confirm-k-1", "{row}");
        }
        assert!(
            keys.iter().all(|k| *k == format!("key={key}")),
            "the same key on every attempt: {row}"
        );
    }
}

#[test]
fn parse_response_knows_the_method_and_parse_alone_assumes_a_write() {
    let cases = [(500, "", true), (404, "", false), (200, "<html>", true)];
    for (code, body, write_unknown) in cases {
        let status = StatusCode::from_u16(code).unwrap();
        let get = GetConfig::parse_response(&response(code, body)).unwrap_err();
        assert!(!get.outcome_unknown(), "GET {code}");
        let post = Confirm::parse_response(&response(code, body)).unwrap_err();
        assert_eq!(post.outcome_unknown(), write_unknown, "POST {code}");
        // Without the method, a read is judged as a write: the safe side.
        let bare = GetConfig::parse(status, &HeaderMap::new(), body.as_bytes()).unwrap_err();
        assert_eq!(bare.outcome_unknown(), write_unknown, "GET parse {code}");
    }
}

#[test]
fn transport_errors_are_maybe_sent_unless_marked() {
    for kind in [
        K::Connect,
        K::Tls,
        K::Timeout,
        K::Io,
        K::BodyTooLarge,
        K::Other,
    ] {
        // Every kind, a refused connection included, may come after a delivery (a client
        // that resent on a fresh connection by itself): only the transport can say.
        let e = || TransportError::msg(kind, "x");
        assert!(!e().certainly_not_sent(), "{kind:?}");
        assert!(e().not_sent().certainly_not_sent());
        assert!(!e().not_sent().maybe_sent().certainly_not_sent());
        // Built by hand, outside the client: judged as a write's.
        assert!(Error::from(e()).outcome_unknown(), "{kind:?}");
        assert!(!Error::from(e().not_sent()).outcome_unknown(), "{kind:?}");
    }
    assert!(!TransportError::body_too_large(10).certainly_not_sent());
    let source = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    assert!(!TransportError::new(K::Connect, source).certainly_not_sent());
}
