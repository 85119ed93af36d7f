//! The call protocol as exact tables over the machines: scripted outcomes in, steps out
//! (the exact requests, waits and keys), with no socket and no sleep.

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use easy_checkout_core::call::{
    Call, Machine, Now, PaymentWait, RetryBudget, RetryBudgetPolicy, Step,
};
use easy_checkout_core::http::{Request, Response};
use easy_checkout_core::ops::{
    Confirm, CreateSession, GetConfig, LineItem, PaymentMethod, RetrieveSession, UpdateConfig,
    Validate, may_resend,
};
use easy_checkout_core::{
    ClientSecret, Config, Error, ErrorKind, PollPolicy, RetryPolicy, Terminal, TransportError,
    TransportErrorKind as K, WaitOutcome,
};

const T0: SystemTime = SystemTime::UNIX_EPOCH;
const GET: &str = "send GET /v1/api/embedded-checkout/config key=-";

/// One scripted attempt outcome.
#[derive(Clone)]
enum Out {
    Status(u16, &'static [(&'static str, &'static str)], &'static str),
    Fail(K),
}

use Out::{Fail, Status};

/// An answer with `status`, no header and no body.
fn code(status: u16) -> Out {
    Status(status, &[], "")
}

/// A 200 with `body`.
fn ok(body: &'static str) -> Out {
    Status(200, &[], body)
}

const SESSION: &str = r#"{"data":{"id":"ecs_1","client_secret":"ecs_secret_1","status":"open"}}"#;
const CONFIG: &str = r#"{"data":{"allowed_origins":[]}}"#;
const PENDING: &str = r#"{"data":{"id":"ecs_1","status":"open","payment_status":"unpaid"}}"#;
const PAID: &str = r#"{"data":{"id":"ecs_1","status":"complete","payment_status":"succeeded"}}"#;

fn outcome(out: &Out) -> Result<Response<Vec<u8>>, TransportError> {
    match out {
        Status(code, headers, body) => {
            let mut builder = Response::builder().status(*code);
            for (name, value) in *headers {
                builder = builder.header(*name, *value);
            }
            Ok(builder.body(body.as_bytes().to_vec()).expect("a response"))
        }
        Fail(kind) => Err(TransportError::msg(*kind, "scripted")),
    }
}

fn describe_request(request: &Request<Vec<u8>>) -> String {
    let key = request.headers().get("idempotency-key");
    let key = key.map_or("-", |k| k.to_str().unwrap_or("?"));
    let once = if may_resend(request) {
        ""
    } else {
        " no-resend"
    };
    let (method, path) = (request.method(), request.uri().path());
    format!("send {method} {path} key={key}{once}")
}

/// Runs `machine` over `script` (each `Send` takes the next outcome; time advances by every
/// wait), and returns the trace and the result.
fn run<M: Machine>(mut machine: M, script: &[Out]) -> (Vec<String>, Result<M::Output, Error>) {
    let mut trace = Vec::new();
    let mut script = script.iter();
    let mut clock = Duration::ZERO;
    let mut step = machine.next();
    loop {
        step = match step {
            Step::Send(request) => {
                trace.push(describe_request(&request));
                let out = script.next().expect("the machine sent more than scripted");
                let now = Now::new(T0 + clock, clock);
                machine.handle(outcome(out), now)
            }
            Step::Wait(delay) => {
                trace.push(format!("wait {}ms", delay.as_millis()));
                clock += delay;
                machine.next()
            }
            Step::Done(result) => {
                assert!(script.next().is_none(), "scripted outcomes left over");
                return (trace, result);
            }
        }
    }
}

static SANDBOX: LazyLock<Config> =
    LazyLock::new(|| Config::new("sk_test_123".parse().expect("a key")));

/// Retries with fixed 100 ms backoff (no jitter spread: initial = max, upper half = full).
fn retries(n: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries: n,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(100),
        ..RetryPolicy::default()
    }
}

fn create() -> CreateSession {
    CreateSession::new(vec![LineItem::new("price_1", 1)], "https://shop.example/r")
}

fn confirm() -> Confirm {
    Confirm::new(
        ClientSecret::new("ecs_secret_1").expect("a secret"),
        PaymentMethod::card("tok_1"),
    )
}

/// The random numbers 1, 2, 3, …: a generated key is made of the first two.
fn seq() -> impl FnMut() -> u64 + Clone {
    let mut n = 0;
    move || {
        n += 1;
        n
    }
}

/// The key made from the random numbers 1 and 2.
fn generated() -> String {
    easy_checkout_core::IdempotencyKey::from_random([1, 2])
        .as_str()
        .to_owned()
}

/// Backoff jitter lands in [50, 100] ms for [`retries`]' 100 ms backoff: such waits read
/// `wait backoff` in the tables (every other wait keeps its exact length).
fn jittered(trace: &[String]) -> Vec<String> {
    trace
        .iter()
        .map(|line| {
            let ms = line
                .strip_prefix("wait ")
                .and_then(|ms| ms.trim_end_matches("ms").parse::<u64>().ok());
            match ms {
                Some(50..=100) => "wait backoff".to_owned(),
                _ => line.clone(),
            }
        })
        .collect()
}

#[test]
fn a_get_is_retried_through_failures_then_succeeds() {
    let call = Call::new(&SANDBOX, &GetConfig, retries(5), seq());
    let script = [
        code(503),
        code(504),
        Fail(K::Io),
        Fail(K::Timeout),
        Fail(K::Connect),
        ok(CONFIG),
    ];
    let (trace, result) = run(call, &script);
    let mut expected = [GET, "wait backoff"].repeat(5);
    expected.push(GET);
    assert_eq!(jittered(&trace), expected);
    let reply = result.expect("the sixth attempt succeeds");
    assert_eq!((reply.meta.retries, reply.meta.status.as_u16()), (5, 200));
    assert_eq!(reply.meta.idempotency_key, None);
}

#[test]
fn retries_stop_at_the_limit_with_the_last_error() {
    let call = Call::new(&SANDBOX, &GetConfig, retries(2), seq());
    let script = [code(500), code(502), code(503)];
    let (trace, result) = run(call, &script);
    assert_eq!(trace.iter().filter(|l| l.starts_with("send")).count(), 3);
    let error = result.expect_err("out of retries");
    assert_eq!(error.as_api().map(|e| e.status.as_u16()), Some(503));
    assert!(!error.outcome_unknown(), "a GET changes nothing");
    let call = Call::new(&SANDBOX, &GetConfig, RetryPolicy::never(), seq());
    let (trace, _) = run(call, &[code(503)]);
    assert_eq!(trace.len(), 1, "retries off: {trace:?}");
}

#[test]
fn a_create_without_a_key_gets_one_generated_key_on_every_attempt() {
    let op = create();
    let call = Call::new(&SANDBOX, &op, retries(2), seq());
    let script = [Fail(K::Io), ok(SESSION)];
    let (trace, result) = run(call, &script);
    let post = format!("send POST /v1/api/embedded-checkout key={}", generated());
    assert_eq!(jittered(&trace), [post.as_str(), "wait backoff", &post]);
    let reply = result.expect("created");
    assert_eq!(
        reply.meta.idempotency_key.map(|k| k.as_str().to_owned()),
        Some(generated())
    );
}

#[test]
fn a_keyless_confirm_is_sent_once_whatever_happens() {
    let op = confirm();
    let rows = [
        Fail(K::Io),
        Fail(K::Timeout),
        Fail(K::Connect),
        code(503),
        Status(429, &[("retry-after", "0")], ""),
    ];
    for out in rows {
        let call = Call::new(&SANDBOX, &op, retries(5), || {
            unreachable!("never a generated key")
        });
        let (trace, result) = run(call, &[out]);
        let post = "send POST /v1/api/embedded-checkout/confirm key=- no-resend";
        assert_eq!(trace, [post]);
        let error = result.expect_err("not retried");
        assert_eq!(error.idempotency_key(), None);
    }
}

#[test]
fn retry_after_is_obeyed_up_to_its_cap_and_a_longer_one_fails_at_once() {
    let policy = RetryPolicy {
        max_retry_after: Duration::from_secs(30),
        ..retries(3)
    };
    let call = Call::new(&SANDBOX, &GetConfig, policy, seq());
    let script = [
        Status(429, &[("retry-after", "7")], ""),
        Status(503, &[("retry-after", "30")], ""),
        ok(CONFIG),
    ];
    let (trace, result) = run(call, &script);
    assert_eq!(trace, [GET, "wait 7000ms", GET, "wait 30000ms", GET]);
    assert_eq!(result.expect("third time").meta.retries, 2);

    // An HTTP date is counted from the time the attempt ended (here the epoch).
    let call = Call::new(&SANDBOX, &GetConfig, policy, seq());
    let script = [
        Status(429, &[("retry-after", "Thu, 01 Jan 1970 00:00:05 GMT")], ""),
        ok(CONFIG),
    ];
    let (trace, _) = run(call, &script);
    assert_eq!(trace, [GET, "wait 5000ms", GET]);

    let too_long = [
        Status(429, &[("retry-after", "31")], ""),
        Status(429, &[("retry-after", "Thu, 01 Jan 1970 02:00:00 GMT")], ""),
    ];
    for out in too_long {
        let call = Call::new(&SANDBOX, &GetConfig, policy, seq());
        let (trace, result) = run(call, &[out]);
        assert_eq!(trace, [GET]);
        assert_eq!(result.expect_err("too long").kind(), ErrorKind::RateLimited);
    }
}

#[test]
fn jitter_is_one_random_draw_per_retry_in_the_upper_half() {
    let policy = RetryPolicy {
        max_retries: 1,
        initial_backoff: Duration::from_millis(1000),
        max_backoff: Duration::from_millis(1000),
        ..RetryPolicy::default()
    };
    let wait_with = |draw: u64| {
        let mut call = Call::new(&SANDBOX, &GetConfig, policy, move || draw);
        let Step::Send(_) = call.next() else {
            panic!("send first")
        };
        let failed = Err(TransportError::msg(K::Io, "cut"));
        match call.handle(failed, Now::new(T0, Duration::ZERO)) {
            Step::Wait(delay) => delay,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(wait_with(0), Duration::from_millis(500));
    assert_eq!(wait_with(u64::MAX), Duration::from_millis(1000));
    assert_eq!(wait_with(u64::MAX / 2), Duration::from_millis(750));
    // Calls that fail at the same instant, with the same clock, still spread out.
    let waits: std::collections::HashSet<Duration> = (1..=50u64)
        .map(|n| wait_with(n.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
        .collect();
    assert!(waits.len() > 40, "spread: {waits:?}");
}

#[test]
fn a_machine_fed_out_of_turn_ends_with_an_error_not_a_panic() {
    let mut call = Call::new(&SANDBOX, &GetConfig, retries(2), seq());
    let early = call.handle(outcome(&ok(CONFIG)), Now::new(T0, Duration::ZERO));
    assert!(matches!(early, Step::Done(Err(ref e)) if e.kind() == ErrorKind::InvalidInput));
    assert!(
        matches!(call.next(), Step::Done(Err(_))),
        "finished stays finished"
    );

    let mut call = Call::new(&SANDBOX, &GetConfig, retries(2), seq());
    let Step::Send(_) = call.next() else {
        panic!("send")
    };
    assert!(
        matches!(call.next(), Step::Done(Err(_))),
        "next before handle"
    );
}

/// Polls every `initial` seconds at first, growing to `max`, for `deadline` seconds.
fn every(initial: u64, max: u64, deadline: u64) -> PollPolicy {
    PollPolicy {
        initial_interval: Duration::from_secs(initial),
        max_interval: Duration::from_secs(max),
        deadline: Duration::from_secs(deadline),
    }
}

fn poll(policy: PollPolicy, script: &[Out]) -> (Vec<String>, Result<WaitOutcome, Error>) {
    let op = RetrieveSession::new("ecs_1").expect("an id");
    let wait = PaymentWait::new(
        &SANDBOX,
        &op,
        retries(2),
        policy,
        Now::new(T0, Duration::ZERO),
        seq(),
    );
    let (trace, result) = run(wait, script);
    let trace = trace
        .into_iter()
        .map(|l| l.replace("send GET /v1/api/embedded-checkout/ecs_1 key=-", "poll"))
        .collect();
    (trace, result)
}

#[test]
fn a_wait_polls_on_a_growing_schedule_and_ends_at_the_deadline() {
    let (trace, result) = poll(every(1, 3, 10), &vec![ok(PENDING); 6]);
    let waits = [1000, 1500, 2250, 3000, 2250].map(|ms| format!("wait {ms}ms"));
    let expected: Vec<&str> = waits
        .iter()
        .flat_map(|w| ["poll", w])
        .chain(["poll"])
        .collect();
    assert_eq!(
        trace, expected,
        "the last wait lands exactly on the deadline"
    );
    match result.expect("a wait ends") {
        WaitOutcome::StillPending {
            status: Some(status),
        } => assert!(!status.is_paid()),
        other => panic!("{other:?}"),
    }
}

/// The API reference's vocabulary: the full envelope, `complete` and `paid`.
const PAID_IN_THE_REFERENCE: &str = r#"{"success":true,"timestamp":"2026-05-01T12:00:00Z","message":"ok","data":{"id":"ecs_1","status":"complete","payment_status":"paid"}}"#;

/// Paid in either vocabulary (after retrying a failed poll), or complete without a payment
/// status: the wait ends at once.
#[test]
fn a_wait_ends_at_once_when_the_session_is_finished() {
    let complete = r#"{"data":{"id":"ecs_1","status":"complete"}}"#;
    let rows = [
        (
            vec![ok(PENDING), Fail(K::Io), ok(PAID)],
            vec!["poll", "wait 1000ms", "poll", "wait backoff", "poll"],
            Terminal::Paid,
        ),
        (
            vec![ok(PENDING), ok(PAID_IN_THE_REFERENCE)],
            vec!["poll", "wait 1000ms", "poll"],
            Terminal::Paid,
        ),
        (
            vec![ok(complete)],
            vec!["poll"],
            Terminal::CompleteUnconfirmed,
        ),
    ];
    for (script, expected, terminal) in rows {
        let (trace, result) = poll(PollPolicy::default(), &script);
        assert_eq!(jittered(&trace), expected);
        let outcome = result.expect("a wait ends");
        assert_eq!(outcome.is_paid(), terminal == Terminal::Paid);
        match outcome {
            WaitOutcome::Finished {
                terminal: t,
                status,
            } => {
                assert_eq!(
                    (t, status.is_paid()),
                    (terminal, terminal == Terminal::Paid)
                );
            }
            other => panic!("{other:?}"),
        }
    }
}

/// A poll's own retry that would come after the deadline (a 503 with `Retry-After: 30`, late
/// in a 5 s wait) is not waited out: the wait ends at once, still pending, with the last
/// status it read. A huge interval grows without overflowing.
#[test]
fn a_polls_retry_past_the_deadline_ends_the_wait_instead() {
    let policy = every(4, 10, 5);
    let script = [ok(PENDING), Status(503, &[("retry-after", "30")], "")];
    let (trace, result) = poll(policy, &script);
    assert_eq!(trace, ["poll", "wait 4000ms", "poll"]);
    match result.expect("a wait ends") {
        WaitOutcome::StillPending {
            status: Some(status),
        } => assert!(!status.is_paid()),
        other => panic!("{other:?}"),
    }

    // The interval grows by half after each poll: from the largest one, without a panic.
    let huge = PollPolicy {
        initial_interval: Duration::MAX,
        max_interval: Duration::MAX,
        deadline: Duration::MAX,
    };
    let op = RetrieveSession::new("ecs_1").expect("an id");
    let now = Now::new(T0, Duration::ZERO);
    let mut wait = PaymentWait::new(&SANDBOX, &op, retries(2), huge, now, seq());
    assert!(matches!(wait.next(), Step::Send(_)));
    let pending = outcome(&ok(PENDING));
    assert!(matches!(wait.handle(pending, now), Step::Wait(d) if d == Duration::MAX));
}

#[test]
fn a_wait_honours_rate_limits_and_a_final_error_ends_it() {
    let policy = every(1, 10, 60);
    // An exhausted window waits for its reset; a 429 the poll's retries cannot wait out
    // (Retry-After above the retry cap) stretches the next poll instead.
    let script = [
        Status(
            200,
            &[("ratelimit-remaining", "0"), ("ratelimit-reset", "7")],
            PENDING,
        ),
        Status(429, &[("retry-after", "40")], ""),
        code(404),
    ];
    let (trace, result) = poll(policy, &script);
    assert_eq!(
        trace,
        ["poll", "wait 7000ms", "poll", "wait 40000ms", "poll"]
    );
    assert_eq!(result.expect_err("not found").kind(), ErrorKind::NotFound);

    // A Retry-After past the deadline ends the wait instead of overshooting it.
    let script = [Status(429, &[("retry-after", "61")], "")];
    let (trace, result) = poll(policy, &script);
    assert_eq!(trace, ["poll"]);
    assert!(matches!(
        result,
        Ok(WaitOutcome::StillPending { status: None })
    ));
}

#[test]
fn a_step_and_a_call_print_no_secret() {
    let op = confirm().with_idempotency_key("pay-9").expect("a key");
    let mut call = Call::new(&SANDBOX, &op, retries(1), seq());
    let step = call.next();
    let printed = format!("{step:?} {call:?}");
    assert!(
        printed.contains("/v1/api/embedded-checkout/confirm"),
        "{printed}"
    );
    let body = match &step {
        Step::Send(request) => request.body().clone(),
        other => panic!("{other:?}"),
    };
    assert!(String::from_utf8_lossy(&body).contains("ecs_secret_1"));
    assert!(!printed.contains("ecs_secret_1"), "{printed}");
    assert!(
        !printed.contains("101, 99, 115"),
        "no body bytes: {printed}"
    );
}

/// Every kind of error a call can end with, and a script that ends it so: what is final, in
/// one attempt (`run` refuses a send the script does not hold).
fn every_error_kind() -> Vec<(ErrorKind, Vec<Out>)> {
    let three = |out: fn() -> Out| vec![out(), out(), out()];
    vec![
        (ErrorKind::Transport, vec![Fail(K::Tls)]),
        (ErrorKind::Transport, vec![Fail(K::BodyTooLarge)]),
        (ErrorKind::Transport, vec![Fail(K::Other)]),
        (ErrorKind::Transport, three(|| Fail(K::Io))),
        (ErrorKind::Timeout, three(|| Fail(K::Timeout))),
        (ErrorKind::Decode, vec![Status(200, &[], "[]")]),
        (
            ErrorKind::Decode,
            vec![Status(201, &[("content-encoding", "gzip")], "\u{1f}x")],
        ),
        (ErrorKind::InvalidRequest, vec![code(400)]),
        (ErrorKind::Authentication, vec![code(401)]),
        (ErrorKind::Permission, vec![code(403)]),
        (ErrorKind::NotFound, vec![code(404)]),
        (ErrorKind::Conflict, vec![code(409)]),
        (ErrorKind::InvalidRequest, vec![code(422)]),
        (ErrorKind::Api, vec![code(402)]),
        (
            ErrorKind::RateLimited,
            vec![Status(429, &[("retry-after", "31")], "")],
        ),
        (ErrorKind::Server, three(|| code(503))),
        (
            ErrorKind::Api,
            vec![Status(302, &[("location", "https://x.example")], "")],
        ),
    ]
}

#[test]
fn a_get_ends_with_every_kind_and_no_key() {
    for (kind, script) in every_error_kind() {
        let (trace, result) = run(Call::new(&SANDBOX, &GetConfig, retries(2), seq()), &script);
        let error = result.expect_err("scripted to fail");
        assert_eq!(error.kind(), kind, "{trace:?}");
        assert_eq!(error.idempotency_key(), None);
    }
}

#[test]
fn every_error_of_a_keyed_call_carries_its_key_whatever_its_kind() {
    let caller = create().with_idempotency_key("cart-1").expect("a key");
    let generated_key = create();
    let key = |e: &Error| e.idempotency_key().map(|k| k.as_str().to_owned());
    let ops = [
        (&caller, "cart-1".to_owned()),
        (&generated_key, generated()),
    ];
    for (kind, script) in every_error_kind() {
        for (op, expected) in ops.clone() {
            let call = Call::new(&SANDBOX, op, retries(2), seq());
            let (trace, result) = run(call, &script);
            let error = result.expect_err("scripted to fail");
            assert_eq!(error.kind(), kind, "{trace:?}");
            assert_eq!(key(&error), Some(expected), "{kind:?}: {error}");
            for line in trace.iter().filter(|l| l.starts_with("send")) {
                assert!(
                    line.ends_with(&format!("key={}", key(&error).unwrap())),
                    "{line}"
                );
            }
        }
    }
    // Refused before sending: the call's key still comes back (nothing went out with it).
    let keyless = Config::from_values(None, None).expect("a keyless config");
    for (op, expected) in ops {
        let (trace, result) = run(Call::new(&keyless, op, retries(2), seq()), &[]);
        let error = result.expect_err("no API key");
        assert_eq!((trace.len(), error.kind()), (0, ErrorKind::InvalidInput));
        assert_eq!(key(&error), Some(expected));
        assert!(!error.outcome_unknown());
    }
}

#[test]
fn a_keyed_create_whose_reply_cannot_be_decoded_keeps_its_key_and_is_unknown() {
    let op = create().with_idempotency_key("cart-2").expect("a key");
    let (trace, result) = run(
        Call::new(&SANDBOX, &op, retries(2), seq()),
        &[Status(200, &[], r#"{"data":{"id":7}}"#)],
    );
    assert_eq!(trace, ["send POST /v1/api/embedded-checkout key=cart-2"]);
    let error = result.expect_err("undecodable");
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert!(error.outcome_unknown(), "a 2xx: the session was created");
    assert_eq!(error.idempotency_key().map(|k| k.as_str()), Some("cart-2"));
    match &error {
        Error::Decode(e) => assert_eq!(e.idempotency_key, error.idempotency_key().cloned()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_2xx_in_an_encoding_nobody_asked_for_is_a_decode_error_that_names_it() {
    // What a gzip body starts with; the rest does not matter.
    let gzipped = "\u{1f}\u{8b}\u{8}\u{0}garbage";
    type Headers = &'static [(&'static str, &'static str)];
    let rows: [(Headers, bool); 6] = [
        (&[("content-encoding", "gzip")], true),
        (&[("content-encoding", "br")], true),
        (&[("content-encoding", "identity, gzip")], true),
        (&[("content-encoding", "identity")], false),
        (&[("content-encoding", "IDENTITY")], false),
        (&[("content-encoding", "")], false),
    ];
    for (headers, refused) in rows {
        let named = refused.then(|| format!("`Content-Encoding: {}`", headers[0].1));
        let body = if refused { gzipped } else { CONFIG };
        let (trace, result) = run(
            Call::new(&SANDBOX, &GetConfig, retries(2), seq()),
            &[Status(200, headers, body)],
        );
        assert_eq!(trace.len(), 1, "never retried: {trace:?}");
        match (named, result) {
            (Some(named), Err(error)) => {
                assert_eq!(error.kind(), ErrorKind::Decode);
                let text = error.to_string();
                assert!(text.contains(&named), "{text}");
                assert!(text.contains("never asks for"), "{text}");
                assert!(!error.outcome_unknown(), "a read");
            }
            (None, Ok(reply)) => assert_eq!(reply.meta.status.as_u16(), 200),
            (named, other) => panic!("{headers:?}: {named:?} {other:?}"),
        }
    }
    // An error status keeps its kind: the status says what happened.
    let (_, result) = run(
        Call::new(&SANDBOX, &GetConfig, retries(0), seq()),
        &[Status(404, &[("content-encoding", "gzip")], gzipped)],
    );
    assert_eq!(result.expect_err("404").kind(), ErrorKind::NotFound);
    // An empty body has nothing to decode, whatever its header says.
    let op = confirm().with_idempotency_key("pay-e").expect("a key");
    let (_, result) = run(
        Call::new(&SANDBOX, &op, retries(0), seq()),
        &[Status(204, &[("content-encoding", "gzip")], "")],
    );
    assert_eq!(result.expect("no body").value, serde_json::Value::Null);
}

#[test]
fn validate_is_a_read_retried_as_a_get_and_never_of_unknown_outcome() {
    let op = Validate::new(ClientSecret::new("ecs_secret_1").expect("a secret"));
    let post = "send POST /v1/api/embedded-checkout/validate key=- no-resend";
    let valid = r#"{"data":{"valid":true}}"#;
    let call = Call::new(&SANDBOX, &op, retries(3), seq());
    let script = [code(503), Fail(K::Io), ok(valid)];
    let (trace, result) = run(call, &script);
    assert_eq!(
        jittered(&trace),
        [post, "wait backoff", post, "wait backoff", post],
        "no key generated, and retried as a GET (a transport still gives it a connection \
         of its own: a POST without a key)"
    );
    assert_eq!(result.expect("valid").meta.retries, 2);
    for script in [vec![code(502); 4], vec![Fail(K::Io); 4]] {
        let (_, result) = run(Call::new(&SANDBOX, &op, retries(3), seq()), &script);
        let error = result.expect_err("out of retries");
        assert!(!error.outcome_unknown(), "a check changes nothing: {error}");
        assert_eq!(error.idempotency_key(), None);
    }
}

/// A budget of `capacity` tokens: 5 a retry, 10 after a timeout, 1 back per answered call.
fn budget(capacity: u32) -> RetryBudget {
    RetryBudget::new(RetryBudgetPolicy {
        capacity,
        ..RetryBudgetPolicy::default()
    })
}

#[test]
fn retries_draw_from_the_budget_and_answered_calls_refill_it() {
    let budget = budget(20);
    /// The script of one call, its trace, how it ends, and the tokens left after it.
    type Row<'a> = (Vec<Out>, Vec<&'a str>, Result<u16, ErrorKind>, u32);
    let rows: Vec<Row<'_>> = vec![
        // Two retries (10 tokens), then an answer (1 back).
        (
            vec![code(503), Fail(K::Io), ok(CONFIG)],
            vec![GET, "wait backoff", GET, "wait backoff", GET],
            Ok(200),
            11,
        ),
        // A retry after a timeout costs 10; the 404 is an answer (1 back).
        (
            vec![Fail(K::Timeout), code(404)],
            vec![GET, "wait backoff", GET],
            Err(ErrorKind::NotFound),
            2,
        ),
        // A 429 is no answer: nothing back; and 2 tokens cannot pay for its retry.
        (
            vec![Status(429, &[("retry-after", "1")], "")],
            vec![GET],
            Err(ErrorKind::RateLimited),
            2,
        ),
        // Three answered calls: 3 back.
        (vec![ok(CONFIG)], vec![GET], Ok(200), 3),
        (vec![ok(CONFIG)], vec![GET], Ok(200), 4),
        (vec![ok(CONFIG)], vec![GET], Ok(200), 5),
        // Enough for one retry, not for a second.
        (
            vec![code(500), code(500)],
            vec![GET, "wait backoff", GET],
            Err(ErrorKind::Server),
            0,
        ),
    ];
    for (i, (script, expected, result, left)) in rows.into_iter().enumerate() {
        let call = Call::new(&SANDBOX, &GetConfig, retries(3), seq()).with_budget(&budget);
        let (trace, outcome) = run(call, &script);
        assert_eq!(jittered(&trace), expected, "row {i}");
        let outcome = outcome
            .map(|r| r.meta.status.as_u16())
            .map_err(|e| e.kind());
        assert_eq!(outcome, result, "row {i}");
        assert_eq!(budget.available(), Some(left), "row {i}");
    }
}

#[test]
fn a_spent_budget_returns_the_failure_at_once_and_says_so() {
    let budget = budget(4);
    let op = UpdateConfig::new(vec!["https://shop.example".to_owned()]);
    let patch = format!(
        "send PATCH /v1/api/embedded-checkout/config key={}",
        generated()
    );
    for (out, kind) in [
        (code(503), ErrorKind::Server),
        (Fail(K::Io), ErrorKind::Transport),
        (Fail(K::Timeout), ErrorKind::Timeout),
    ] {
        let call = Call::new(&SANDBOX, &op, retries(2), seq()).with_budget(&budget);
        let (trace, result) = run(call, &[out]);
        assert_eq!(trace, [patch.as_str()], "not retried");
        let error = result.expect_err("spent");
        assert_eq!(error.kind(), kind);
        assert!(error.retry_budget_spent());
        assert!(
            error.to_string().ends_with(
                "; not retried: the client's retry budget is spent (too many recent failures)"
            ),
            "{error}"
        );
        // As for any failure: the key, and whether the write may have happened.
        assert_eq!(
            error.idempotency_key().map(|k| k.as_str().to_owned()),
            Some(generated())
        );
        assert!(error.outcome_unknown());
        assert_eq!(budget.available(), Some(4), "nothing drawn, nothing back");
    }
    // A failure the policy would not retry says nothing of the budget.
    let call = Call::new(&SANDBOX, &op, retries(2), seq()).with_budget(&budget);
    let (_, result) = run(call, &[code(409)]);
    let error = result.expect_err("conflict");
    assert!(!error.retry_budget_spent());
    assert!(!error.to_string().contains("budget"), "{error}");
    // Nor a call that may not be repeated at all.
    let keyless = confirm();
    let call = Call::new(&SANDBOX, &keyless, retries(2), seq()).with_budget(&budget);
    let (_, result) = run(call, &[code(503)]);
    assert!(!result.expect_err("503").retry_budget_spent());
}

#[test]
fn an_unlimited_budget_and_no_budget_leave_retries_to_the_policy() {
    let unlimited = RetryBudget::unlimited();
    let script = [code(503), code(503), code(503)];
    let call = || Call::new(&SANDBOX, &GetConfig, retries(2), seq());
    // 300 calls of 2 retries each: more than any bounded budget of the default size pays for.
    let unlimited_calls = (0..300).map(|_| call().with_budget(&unlimited));
    for call in unlimited_calls.chain([call()]) {
        let (trace, result) = run(call, &script);
        assert_eq!(trace.len(), 5, "three attempts: {trace:?}");
        assert!(!result.expect_err("503").retry_budget_spent());
    }
    assert_eq!(unlimited.available(), None);
}

#[test]
fn a_wait_draws_its_polls_retries_from_the_budget() {
    let budget = budget(5);
    let op = RetrieveSession::new("ecs_1").expect("an id");
    let wait = PaymentWait::new(
        &SANDBOX,
        &op,
        retries(2),
        PollPolicy::default(),
        Now::new(T0, Duration::ZERO),
        seq(),
    )
    .with_budget(&budget);
    let script = [code(503), ok(PENDING), code(503)];
    let (trace, result) = run(wait, &script);
    let poll = "send GET /v1/api/embedded-checkout/ecs_1 key=-";
    assert_eq!(
        jittered(&trace),
        [poll, "wait backoff", poll, "wait 1000ms", poll],
        "the second poll's 503 finds 1 token"
    );
    let error = result.expect_err("spent");
    assert!(error.retry_budget_spent(), "{error}");
    assert_eq!(budget.available(), Some(1));
}
