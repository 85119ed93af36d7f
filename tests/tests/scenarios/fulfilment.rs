//! Knowing when to fulfil: waiting for a payment, and the webhook the fake signs for it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use easy_checkout_core::ops::{Confirm, PaymentMethod};
use easy_checkout_core::webhook::{self, EventType};
use easy_checkout_core::{PollPolicy, Terminal, WaitOutcome};
use easy_checkout_tests::driver::for_each_stack;
use serde_json::json;

use crate::{fake, new_session};

/// Polls every 100 to 200 ms until `deadline`.
fn poll_until(deadline: Duration) -> PollPolicy {
    PollPolicy {
        initial_interval: Duration::from_millis(100),
        max_interval: Duration::from_millis(200),
        deadline,
    }
}

#[test]
fn wait_for_payment_returns_once_paid() {
    for_each_stack(|stack| {
        let fake = Arc::new(fake());
        let session = new_session(stack, &fake);
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
        assert!(outcome.is_paid(), "{outcome:?}");
        let polls = fake.requests().len();
        assert!((2..=10).contains(&polls), "{polls} polls");
    });
}

#[test]
fn wait_for_payment_reports_still_pending_at_the_deadline() {
    for_each_stack(|stack| {
        let fake = fake();
        let session = new_session(stack, &fake);
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

#[test]
fn a_delivered_webhook_verifies() {
    for_each_stack(|stack| {
        let fake = fake();
        let session = new_session(stack, &fake);
        assert!(
            fake.webhook_for(&session.id).is_none(),
            "no event before payment"
        );
        let secret = session.client_secret.clone().unwrap();
        let op = Confirm::new(secret, PaymentMethod::card("tok_abc"));
        stack.client(&fake, 0).confirm(&op).unwrap();
        let delivery = fake.webhook_for(&session.id).unwrap();
        let signature = Some(delivery.signature.as_str());
        let event = webhook::verify(&fake.webhook_secret(), signature, &delivery.body).unwrap();
        assert_eq!(event.kind, EventType::SessionCompleted);
        assert_eq!(event.data["id"], json!(session.id));
        let mut tampered = delivery.body.clone();
        tampered.push(b' ');
        let e = webhook::verify(&fake.webhook_secret(), signature, &tampered).unwrap_err();
        assert_eq!(e.code(), "WEBHOOK_SIGNATURE_MISMATCH");
    });
}
