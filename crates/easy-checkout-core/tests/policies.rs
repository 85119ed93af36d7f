//! The retry and poll policies with time and randomness as inputs: exact schedules.

use std::time::{Duration, SystemTime};

use easy_checkout_core::call::{Attempt, RetryDecision, RetryPolicy};
use easy_checkout_core::http::StatusCode;
use easy_checkout_core::{
    Idempotency, PaymentStatus, RetryAfter, SessionState, SessionStatus, Terminal, TransportError,
    TransportErrorKind,
};

const MS: fn(u64) -> Duration = Duration::from_millis;
const NOW: SystemTime = SystemTime::UNIX_EPOCH;
const MAX_JITTER: u64 = u64::MAX;

fn status(code: u16) -> Attempt<'static> {
    Attempt::Status(StatusCode::from_u16(code).unwrap(), None)
}

#[test]
fn defaults_are_stripes() {
    let p = RetryPolicy::default();
    assert_eq!(
        (
            p.max_retries,
            p.initial_backoff,
            p.max_backoff,
            p.max_retry_after
        ),
        (2, MS(500), Duration::from_secs(5), Duration::from_secs(30))
    );
}

#[test]
fn backoff_doubles_caps_and_jitters_into_the_upper_half() {
    let p = RetryPolicy {
        max_retries: 10,
        ..RetryPolicy::default()
    };
    let full: Vec<_> = (0..6).map(|n| p.backoff(n, MAX_JITTER)).collect();
    assert_eq!(
        full,
        [MS(500), MS(1000), MS(2000), MS(4000), MS(5000), MS(5000)]
    );
    let half: Vec<_> = (0..6).map(|n| p.backoff(n, 0)).collect();
    assert_eq!(
        half,
        [MS(250), MS(500), MS(1000), MS(2000), MS(2500), MS(2500)]
    );
    assert_eq!(p.backoff(1, u64::MAX / 2), MS(750));
    assert_eq!(
        p.backoff(u32::MAX, 0),
        MS(2500),
        "no overflow on huge counts"
    );
}

#[test]
fn retryable_outcomes() {
    let p = RetryPolicy::default();
    for code in [429, 500, 502, 503, 504] {
        assert!(
            matches!(
                p.decide(0, true, status(code), NOW, 0),
                RetryDecision::RetryAfter(_)
            ),
            "{code}"
        );
    }
    for code in [400, 401, 403, 404, 409, 422, 302, 402] {
        assert_eq!(
            p.decide(0, true, status(code), NOW, 0),
            RetryDecision::GiveUp,
            "{code}"
        );
    }
    for kind in [
        TransportErrorKind::Connect,
        TransportErrorKind::Timeout,
        TransportErrorKind::Io,
    ] {
        let e = TransportError::msg(kind, "x");
        assert_eq!(
            p.decide(0, true, Attempt::Failed(&e), NOW, 0),
            RetryDecision::RetryAfter(MS(250))
        );
    }
    for kind in [
        TransportErrorKind::Tls,
        TransportErrorKind::BodyTooLarge,
        TransportErrorKind::Other,
    ] {
        let e = TransportError::msg(kind, "x");
        assert_eq!(
            p.decide(0, true, Attempt::Failed(&e), NOW, 0),
            RetryDecision::GiveUp
        );
    }
}

#[test]
fn stops_after_max_retries_and_never_repeats_unsafe_requests() {
    let p = RetryPolicy::default();
    assert!(matches!(
        p.decide(1, true, status(503), NOW, 0),
        RetryDecision::RetryAfter(_)
    ));
    assert_eq!(
        p.decide(2, true, status(503), NOW, 0),
        RetryDecision::GiveUp
    );
    assert_eq!(
        p.decide(0, false, status(503), NOW, 0),
        RetryDecision::GiveUp
    );
    assert_eq!(
        RetryPolicy::never().decide(0, true, status(503), NOW, 0),
        RetryDecision::GiveUp
    );
}

#[test]
fn which_requests_may_repeat() {
    assert!(Idempotency::Safe.may_repeat(false));
    assert!(Idempotency::KeyOrGenerated.may_repeat(true));
    assert!(!Idempotency::KeyOrGenerated.may_repeat(false));
    assert!(Idempotency::CallerKeyOnly.may_repeat(true));
    assert!(!Idempotency::CallerKeyOnly.may_repeat(false));
    assert!(!Idempotency::Never.may_repeat(true));
}

#[test]
fn retry_after_is_obeyed_when_short_and_refused_when_long() {
    let p = RetryPolicy::default();
    let short = RetryAfter::Seconds(3);
    let at_cap = RetryAfter::Seconds(30);
    let long = RetryAfter::Seconds(3600);
    let date = RetryAfter::Date(NOW + Duration::from_secs(12));
    let far_date = RetryAfter::Date(NOW + Duration::from_secs(7200));
    let s429 = StatusCode::TOO_MANY_REQUESTS;
    assert_eq!(
        p.decide(0, true, Attempt::Status(s429, Some(&short)), NOW, 0),
        RetryDecision::RetryAfter(Duration::from_secs(3))
    );
    assert_eq!(
        p.decide(0, true, Attempt::Status(s429, Some(&at_cap)), NOW, 0),
        RetryDecision::RetryAfter(Duration::from_secs(30))
    );
    assert_eq!(
        p.decide(0, true, Attempt::Status(s429, Some(&long)), NOW, 0),
        RetryDecision::GiveUp
    );
    assert_eq!(
        p.decide(0, true, Attempt::Status(s429, Some(&date)), NOW, 0),
        RetryDecision::RetryAfter(Duration::from_secs(12))
    );
    assert_eq!(
        p.decide(0, true, Attempt::Status(s429, Some(&far_date)), NOW, 0),
        RetryDecision::GiveUp
    );
    let s503 = StatusCode::SERVICE_UNAVAILABLE;
    assert_eq!(
        p.decide(0, true, Attempt::Status(s503, Some(&short)), NOW, 0),
        RetryDecision::RetryAfter(Duration::from_secs(3))
    );
}

fn session(status: Option<&str>, payment: Option<&str>) -> SessionStatus {
    serde_json::from_value(
        serde_json::json!({"id": "ecs_1", "status": status, "payment_status": payment}),
    )
    .unwrap()
}

/// The one decision, over both of Easy's vocabularies: the seed's (`succeeded`) and the API
/// reference's (`complete` / `paid`). Only a payment status makes a session paid.
#[test]
fn a_session_is_paid_when_either_vocabulary_says_so_and_only_then() {
    use Terminal::*;
    let table: &[(Option<&str>, Option<&str>, Option<Terminal>)] = &[
        // (status, payment_status, terminal)
        (Some("complete"), Some("succeeded"), Some(Paid)),
        (Some("open"), Some("succeeded"), Some(Paid)),
        (Some("complete"), Some("paid"), Some(Paid)),
        (None, Some("paid"), Some(Paid)),
        (Some("expired"), Some("paid"), Some(Paid)),
        (Some("open"), Some("failed"), Some(Failed)),
        (Some("complete"), Some("failed"), Some(Failed)),
        (Some("expired"), Some("unpaid"), Some(Expired)),
        (Some("expired"), None, Some(Expired)),
        (Some("complete"), None, Some(CompleteUnconfirmed)),
        (
            Some("complete"),
            Some("no_payment_required"),
            Some(CompleteUnconfirmed),
        ),
        (Some("complete"), Some("unpaid"), None),
        (Some("complete"), Some("pending"), None),
        (Some("complete"), Some("processing"), None),
        (Some("open"), Some("unpaid"), None),
        (Some("open"), Some("processing"), None),
        (Some("open"), Some("PAID"), None),
        (Some("paid"), None, None),
        (Some("succeeded"), None, None),
        (None, None, None),
    ];
    for &(status, payment, want) in table {
        let s = session(status, payment);
        assert_eq!(
            s.terminal(),
            want,
            "status {status:?}, payment_status {payment:?}"
        );
        assert_eq!(
            s.is_paid(),
            want == Some(Paid),
            "status {status:?}, payment_status {payment:?}"
        );
    }
    let s = session(Some("open"), Some("pending"));
    assert_eq!(
        (s.status, s.payment_status),
        (Some(SessionState::Open), Some(PaymentStatus::Pending))
    );
}

#[test]
fn errors_describe_their_own_level_and_the_chain_once() {
    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("unknown error")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    let inner = std::io::Error::other("[18] Transferred a partial file");
    let e =
        easy_checkout_core::Error::from(TransportError::new(TransportErrorKind::Io, Outer(inner)));
    // Display is this level only; the causes are the source chain, each once, as an error
    // reporter (anyhow's `{:#}`, eyre) prints them.
    assert_eq!(e.to_string(), "connection failed");
    let mut chain = vec![e.to_string()];
    let mut next = std::error::Error::source(&e);
    while let Some(cause) = next {
        chain.push(cause.to_string());
        next = cause.source();
    }
    assert_eq!(
        chain,
        [
            "connection failed",
            "unknown error",
            "[18] Transferred a partial file"
        ]
    );
    assert_eq!(
        easy_checkout_core::error::report(&e),
        "connection failed: unknown error: [18] Transferred a partial file"
    );
    // Invalid input says it all at its own level, with no source repeating it.
    let invalid = easy_checkout_core::ops::RetrieveSession::new("").unwrap_err();
    let invalid = easy_checkout_core::Error::from(invalid);
    assert!(std::error::Error::source(&invalid).is_none(), "{invalid}");
}
