//! Knowing when to fulfil, in both of Easy's vocabularies: waiting for a payment and the
//! session's own decision. Each test runs against the fake answering in the SDK page's
//! vocabulary and in the API reference's, over every stack.

use std::sync::Arc;
use std::time::{Duration, Instant};

use easy_checkout_core::ops::{
    Confirm, CreateSession, CustomerDetails, LineItem, PaymentMethod, PaymentSource,
    ReferenceSession, RetrieveSession, Validate,
};
use easy_checkout_core::{
    PaymentStatus, PollPolicy, Session, SessionState, Terminal, Vocabulary, WaitOutcome,
};
use easy_checkout_fake::FakeEasy;
use easy_checkout_tests::driver::{Stack, for_each_stack};
use easy_checkout_tests::wire::assert_sent;
use serde_json::Value;

use crate::create_op;

/// Polls every 100 to 200 ms until `deadline`.
fn poll_until(deadline: Duration) -> PollPolicy {
    PollPolicy {
        initial_interval: Duration::from_millis(100),
        max_interval: Duration::from_millis(200),
        deadline,
    }
}

/// Runs `test` over every stack against a fake in each vocabulary, the requests in the same
/// vocabulary as the answers.
fn for_each_vocabulary(test: impl Fn(Stack, Vocabulary) + Sync) {
    for vocabulary in [Vocabulary::Sdk, Vocabulary::Reference] {
        for_each_stack(|stack| test(stack, vocabulary));
    }
}

/// A fake Easy API on loopback answering in `vocabulary`.
fn fake_in(vocabulary: Vocabulary) -> FakeEasy {
    let fake = FakeEasy::builder().vocabulary(vocabulary).start();
    fake.expect("the fake Easy API starts on loopback")
}

/// The create of 2 × `price_abc`, in `vocabulary`.
fn create_in(vocabulary: Vocabulary) -> CreateSession {
    match vocabulary {
        Vocabulary::Sdk => create_op(),
        _ => CreateSession::from(
            ReferenceSession::new(
                vec![LineItem::new("price_abc", 2)],
                "https://shop.example/paid?session={SESSION_ID}",
            )
            .with_cancel_url("https://shop.example/cart")
            .with_customer_email("jane@example.com"),
        ),
    }
}

/// A card confirm for the session behind `session`'s secret, in `vocabulary`.
fn confirm_in(vocabulary: Vocabulary, session: &Session) -> Confirm {
    let secret = session.client_secret.clone().expect("a client secret");
    match vocabulary {
        Vocabulary::Sdk => Confirm::new(secret, PaymentMethod::card("tok_abc")),
        _ => Confirm::with_source(secret, PaymentSource::card("tok_abc"))
            .with_customer_details(CustomerDetails::new("Jane", "Doe", "jane@example.com")),
    }
}

/// A new session on `fake` in `vocabulary` (made by a client of its own), with the fake's
/// log cleared.
fn new_session_in(vocabulary: Vocabulary, stack: Stack, fake: &FakeEasy) -> Session {
    let session = stack.client(fake, 0).create_session(&create_in(vocabulary));
    fake.clear_requests();
    session.expect("the session is created")
}

#[test]
fn wait_for_payment_returns_once_paid() {
    for_each_vocabulary(|stack, vocabulary| {
        let fake = Arc::new(fake_in(vocabulary));
        let session = new_session_in(vocabulary, stack, &fake);
        let payer = {
            let (fake, id) = (Arc::clone(&fake), session.id.clone());
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                fake.mark_paid(&id)
            })
        };
        let client = stack.client(&fake, 2);
        let outcome = client
            .wait_for_payment(&session.id, poll_until(Duration::from_secs(10)))
            .unwrap();
        assert!(payer.join().unwrap());
        let WaitOutcome::Finished { terminal, status } = &outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(*terminal, Terminal::Paid, "{outcome:?}");
        assert!(outcome.is_paid() && status.is_paid(), "{outcome:?}");
        let polls = fake.requests().len();
        assert!((2..=10).contains(&polls), "{polls} polls");
    });
}

/// A session before and after the browser's side pays it, in either vocabulary: open and
/// unpaid, then `complete` with `succeeded` (the SDK page's) or with `paid` (the API
/// reference's), which is paid. In the API reference's, a `validate` answered with
/// `data: null` is valid and a `confirm` answered with `data: null` is a payment. Each
/// request is its snapshot rendering on the wire.
#[test]
fn a_paid_session_is_paid_in_either_vocabulary() {
    for_each_vocabulary(|stack, vocabulary| {
        let fake = fake_in(vocabulary);
        let client = stack.client(&fake, 0);
        let create = create_in(vocabulary);
        let session = client.create_session(&create).unwrap();
        let before = client.retrieve_session(&session.id).unwrap();
        assert_eq!(before.id, session.id);
        assert_eq!(before.status, Some(SessionState::Open));
        assert!(
            !before.is_paid() && before.terminal().is_none(),
            "{before:?}"
        );
        let secret = session.client_secret.clone().unwrap();
        let validate = Validate::new(secret).with_parent_origin("https://shop.example");
        let valid = client.validate(&validate).unwrap();
        assert!(valid.is_valid(), "{valid:?}");
        let confirm = confirm_in(vocabulary, &session)
            .with_idempotency_key("pay-1")
            .unwrap();
        let payload = client.confirm(&confirm).unwrap();
        match vocabulary {
            Vocabulary::Sdk => assert_eq!(payload["payment_status"], "succeeded"),
            _ => assert_eq!(payload, Value::Null),
        }
        let sent = <[_; 4]>::try_from(fake.requests()).unwrap();
        let retrieve = RetrieveSession::new(session.id.as_str()).unwrap();
        assert_sent(&sent[0], &client.request_for(&create));
        assert_sent(&sent[1], &client.request_for(&retrieve));
        assert_sent(&sent[2], &client.request_for(&validate));
        assert_sent(&sent[3], &client.request_for(&confirm));
        let status = client.retrieve_session(&session.id).unwrap();
        let paid = match vocabulary {
            Vocabulary::Sdk => PaymentStatus::Succeeded,
            _ => PaymentStatus::Paid,
        };
        assert_eq!(status.payment_status, Some(paid), "{status:?}");
        assert!(status.is_paid(), "{status:?}");
        assert_eq!(status.terminal(), Some(Terminal::Paid));
        assert_eq!(fake.session(&session.id).unwrap()["payments"], 1);
    });
}

#[test]
fn wait_for_payment_reports_still_pending_at_the_deadline() {
    for_each_vocabulary(|stack, vocabulary| {
        let fake = fake_in(vocabulary);
        let session = new_session_in(vocabulary, stack, &fake);
        let client = stack.client(&fake, 2);
        let policy = poll_until(Duration::from_millis(700));
        let started = Instant::now();
        let outcome = client.wait_for_payment(&session.id, policy).unwrap();
        let elapsed = started.elapsed();
        let WaitOutcome::StillPending { status: Some(last) } = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(last.id, session.id);
        let bounds = Duration::from_millis(700)..Duration::from_secs(3);
        assert!(bounds.contains(&elapsed), "{elapsed:?}");
        // And an expired session is terminal, not pending.
        assert!(fake.expire(&session.id));
        let outcome = client.wait_for_payment(&session.id, policy).unwrap();
        let expired = matches!(
            outcome,
            WaitOutcome::Finished {
                terminal: Terminal::Expired,
                ..
            }
        );
        assert!(expired, "{outcome:?}");
    });
}
