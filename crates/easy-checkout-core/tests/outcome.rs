//! `Error::outcome_unknown`: whether a failed write may have taken effect, row by row, over
//! a scripted transport (no socket, no sleep), plus the parse path and the transport marks.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use easy_checkout_core::http::{self, HeaderMap, StatusCode};
use easy_checkout_core::ops::{
    Confirm, CreateSession, GetConfig, LineItem, PaymentMethod, UpdateConfig,
};
use easy_checkout_core::{
    Client, ClientSecret, Config, Error, Operation, RetryPolicy, Runtime, Transport,
    TransportError, TransportErrorKind as K,
};

/// What the scripted transport does on one attempt.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Answer with this status and body.
    Status(u16, &'static str),
    /// Fail with this kind, marked as the kind's default.
    Fail(K),
    /// Fail with this kind, marked `not_sent()`.
    NotSent(K),
    /// Fail with this kind, marked `maybe_sent()`.
    MaybeSent(K),
}

use Step::{Fail, MaybeSent, NotSent, Status};

/// Plays `steps` in order (the last one again once they run out) and records the
/// `Idempotency-Key` of every request it is handed.
struct Scripted {
    steps: Mutex<VecDeque<Step>>,
    keys: Mutex<Vec<Option<String>>>,
}

impl Scripted {
    fn new(steps: &[Step]) -> Self {
        Self {
            steps: Mutex::new(steps.iter().copied().collect()),
            keys: Mutex::new(Vec::new()),
        }
    }
}

impl Transport for Scripted {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let key = request
            .headers()
            .get("idempotency-key")
            .map(|v| v.to_str().unwrap().to_owned());
        self.keys.lock().unwrap().push(key);
        let mut steps = self.steps.lock().unwrap();
        let step = if steps.len() > 1 {
            steps.pop_front().unwrap()
        } else {
            *steps.front().expect("a script")
        };
        match step {
            Status(code, body) => Ok(http::Response::builder()
                .status(code)
                .body(body.as_bytes().to_vec())
                .unwrap()),
            Fail(kind) => Err(TransportError::msg(kind, "scripted")),
            NotSent(kind) => Err(TransportError::msg(kind, "scripted").not_sent()),
            MaybeSent(kind) => Err(TransportError::msg(kind, "scripted").maybe_sent()),
        }
    }
}

/// A fixed clock that never sleeps.
struct NoWait;

impl Runtime for NoWait {
    fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH
    }
    fn monotonic(&self) -> Duration {
        Duration::ZERO
    }
    fn sleep(&self, _: Duration) {}
    fn random_u64(&self) -> u64 {
        7
    }
}

/// The calls of the tables.
#[derive(Debug, Clone, Copy)]
enum Call {
    /// `get_config`: a GET.
    Get,
    /// `get_config` on a client without an API key: refused before sending.
    GetWithoutKey,
    /// `confirm` without the caller's key: a POST never retried.
    Confirm,
    /// `confirm` with an empty payment method type: refused before sending.
    ConfirmInvalid,
    /// `confirm` with the key `confirm-k-1`: a POST retried with it.
    ConfirmKeyed,
    /// `update_config` without a key: a PATCH, with a generated key when retries are on.
    UpdateConfig,
    /// `create_session` without a key: a POST, with a generated key when retries are on.
    CreateSession,
}

/// What a failed call left behind.
#[derive(Debug)]
struct Failed {
    error: Error,
    /// The `Idempotency-Key` of every attempt, in order.
    keys: Vec<Option<String>>,
}

fn fail(call: Call, steps: &[Step], retry: RetryPolicy) -> Failed {
    let transport = Arc::new(Scripted::new(steps));
    let config = match call {
        Call::GetWithoutKey => Config::without_api_key(
            easy_checkout_core::BaseUrl::parse("https://api.example").unwrap(),
        ),
        _ => Config::new("sk_test_outcome".parse().unwrap()),
    };
    let client =
        Client::with_runtime(Arc::clone(&transport), config, NoWait).with_retry_policy(retry);
    let checkout = client.embedded_checkout();
    let secret = || ClientSecret::new("ecs_secret_outcome").unwrap();
    let card = || PaymentMethod::card("tok_visa");
    let result = match call {
        Call::Get | Call::GetWithoutKey => checkout.get_config().map(drop),
        Call::Confirm => checkout.confirm(&Confirm::new(secret(), card())).map(drop),
        Call::ConfirmInvalid => {
            let mut method = card();
            method.kind = String::new();
            checkout.confirm(&Confirm::new(secret(), method)).map(drop)
        }
        Call::ConfirmKeyed => {
            let op = Confirm::new(secret(), card())
                .with_idempotency_key("confirm-k-1")
                .unwrap();
            checkout.confirm(&op).map(drop)
        }
        Call::UpdateConfig => checkout
            .update_config(&UpdateConfig::new(["https://shop.example"]))
            .map(drop),
        Call::CreateSession => checkout
            .create_session(&CreateSession::new(
                vec![LineItem::new("price_a", 1)],
                "https://shop.example/return",
            ))
            .map(drop),
    };
    let error = result.expect_err("the script ends the call with a failure");
    let keys = transport.keys.lock().unwrap().clone();
    Failed { error, keys }
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

#[test]
fn a_get_never_has_an_unknown_outcome() {
    for &(step, _) in ATTEMPT_FAILURES {
        for retry in [RetryPolicy::default(), RetryPolicy::never()] {
            let failed = fail(Call::Get, &[step], retry);
            assert!(
                !failed.error.outcome_unknown(),
                "GET after {step:?}: {:?}",
                failed.error
            );
        }
    }
    // Retried through failures that would leave a write unknown.
    let failed = fail(
        Call::Get,
        &[Status(503, ""), Fail(K::Io), Fail(K::Timeout)],
        RetryPolicy::default(),
    );
    assert_eq!(failed.keys.len(), 3);
    assert!(!failed.error.outcome_unknown());
}

#[test]
fn a_keyless_confirm_says_whether_it_may_have_been_charged() {
    for &(step, unknown) in ATTEMPT_FAILURES {
        let failed = fail(Call::Confirm, &[step], RetryPolicy::default());
        assert_eq!(
            failed.error.outcome_unknown(),
            unknown,
            "confirm after {step:?}: {:?}",
            failed.error
        );
        assert_eq!(
            failed.keys,
            [None],
            "sent exactly once, without a key: {step:?}"
        );
        assert!(failed.error.idempotency_key().is_none());
    }
}

#[test]
fn input_refused_before_sending_is_known_not_to_have_happened() {
    // A read without the API key it needs; a confirm with an empty payment method type.
    for call in [Call::GetWithoutKey, Call::ConfirmInvalid] {
        let failed = fail(call, &[Status(200, "{}")], RetryPolicy::default());
        assert!(
            matches!(failed.error, Error::InvalidInput { .. }),
            "{call:?}: {:?}",
            failed.error
        );
        assert!(failed.keys.is_empty(), "nothing was sent: {call:?}");
        assert!(!failed.error.outcome_unknown(), "{call:?}");
    }
}

#[test]
fn a_keyless_confirm_cut_after_sending_is_unknown_and_sent_once() {
    let failed = fail(
        Call::Confirm,
        &[Fail(K::Io), Status(200, "{}")],
        RetryPolicy::default(),
    );
    assert!(failed.error.outcome_unknown());
    assert_eq!(failed.keys, [None], "never sent a second time");
}

#[test]
fn patch_follows_the_same_rules_as_post() {
    for &(step, unknown) in ATTEMPT_FAILURES {
        let failed = fail(Call::UpdateConfig, &[step], RetryPolicy::never());
        assert_eq!(
            failed.error.outcome_unknown(),
            unknown,
            "PATCH after {step:?}"
        );
        assert_eq!(failed.keys, [None], "no key without retries: {step:?}");
    }
}

/// Retried writes: `(call, script, attempts, unknown)`.
const RETRIED: &[(Call, &[Step], usize, bool)] = &[
    // Every attempt may have been applied.
    (Call::ConfirmKeyed, &[Status(503, "")], 3, true),
    (Call::ConfirmKeyed, &[Fail(K::Io)], 3, true),
    // The last attempt was certainly not sent or refused, but an earlier one may have been
    // applied: still unknown.
    (
        Call::ConfirmKeyed,
        &[Fail(K::Io), NotSent(K::Connect)],
        3,
        true,
    ),
    (
        Call::ConfirmKeyed,
        &[Fail(K::Timeout), Status(429, ""), NotSent(K::Connect)],
        3,
        true,
    ),
    (
        Call::ConfirmKeyed,
        &[Status(503, ""), Status(409, "")],
        2,
        true,
    ),
    // No attempt can have been applied.
    (Call::ConfirmKeyed, &[NotSent(K::Connect)], 3, false),
    (Call::ConfirmKeyed, &[Status(429, "")], 3, false),
    (
        Call::ConfirmKeyed,
        &[NotSent(K::Timeout), Status(429, ""), Status(400, "")],
        3,
        false,
    ),
    (
        Call::CreateSession,
        &[NotSent(K::Connect), NotSent(K::Connect), Status(400, "")],
        3,
        false,
    ),
    // A generated key.
    (Call::UpdateConfig, &[Status(500, "")], 3, true),
    (
        Call::CreateSession,
        &[NotSent(K::Connect), Fail(K::Timeout)],
        3,
        true,
    ),
];

#[test]
fn a_retried_write_is_unknown_once_any_attempt_may_have_been_applied() {
    for &(call, steps, attempts, unknown) in RETRIED {
        let failed = fail(call, steps, RetryPolicy::default());
        let row = format!("{call:?} {steps:?}: {:?}", failed.error);
        assert_eq!(failed.error.outcome_unknown(), unknown, "{row}");
        assert_eq!(failed.keys.len(), attempts, "{row}");
        let key = failed
            .error
            .idempotency_key()
            .expect("the key it carried")
            .as_str();
        if let Call::ConfirmKeyed = call {
            assert_eq!(key, "confirm-k-1", "{row}");
        }
        assert!(
            failed.keys.iter().all(|k| k.as_deref() == Some(key)),
            "the same key on every attempt: {row}"
        );
    }
}

#[test]
fn a_keyed_write_failing_on_5xx_is_unknown_with_its_key() {
    let failed = fail(
        Call::ConfirmKeyed,
        &[Status(503, "")],
        RetryPolicy::default(),
    );
    assert!(failed.error.outcome_unknown());
    assert_eq!(failed.error.as_api().unwrap().status, 503);
    assert_eq!(
        failed.error.idempotency_key().unwrap().as_str(),
        "confirm-k-1"
    );
    assert_eq!(failed.keys, vec![Some("confirm-k-1".to_owned()); 3]);
}

fn response(code: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(code)
        .body(body.as_bytes().to_vec())
        .unwrap()
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
        let e = TransportError::msg(kind, "x");
        assert!(!e.certainly_not_sent(), "{kind:?}");
        assert!(
            TransportError::msg(kind, "x")
                .not_sent()
                .certainly_not_sent()
        );
        assert!(
            !TransportError::msg(kind, "x")
                .not_sent()
                .maybe_sent()
                .certainly_not_sent()
        );
        // Built by hand, outside the client: judged as a write's.
        assert!(Error::from(e).outcome_unknown(), "{kind:?}");
        let marked = TransportError::msg(kind, "x").not_sent();
        assert!(!Error::from(marked).outcome_unknown(), "{kind:?}");
    }
    assert!(!TransportError::body_too_large(10).certainly_not_sent());
    let source = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    assert!(!TransportError::new(K::Connect, source).certainly_not_sent());
}
