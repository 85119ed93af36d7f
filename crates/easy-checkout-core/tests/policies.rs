//! The retry policy's schedule, which requests may repeat, when a session is paid, and how an
//! error prints its causes. What a call retries, and after how long: the tables of
//! `machine.rs`.

use std::time::Duration;

use easy_checkout_core::call::RetryPolicy;
use easy_checkout_core::{
    Idempotency, PaymentStatus, SessionState, SessionStatus, Terminal, TransportError,
    TransportErrorKind,
};

const MS: fn(u64) -> Duration = Duration::from_millis;
const MAX_JITTER: u64 = u64::MAX;

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
fn which_requests_may_repeat() {
    assert!(Idempotency::Safe.may_repeat(false));
    assert!(Idempotency::KeyOrGenerated.may_repeat(true));
    assert!(!Idempotency::KeyOrGenerated.may_repeat(false));
    assert!(Idempotency::CallerKeyOnly.may_repeat(true));
    assert!(!Idempotency::CallerKeyOnly.may_repeat(false));
    assert!(!Idempotency::Never.may_repeat(true));
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
        let row = format!("status {status:?}, payment_status {payment:?}");
        assert_eq!(s.terminal(), want, "{row}");
        assert_eq!(s.is_paid(), want == Some(Paid), "{row}");
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
