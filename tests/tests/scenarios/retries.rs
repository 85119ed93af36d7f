//! What is retried and with which idempotency key, how `Retry-After` is honoured, and what
//! is never sent twice: a write without a key.

use std::time::{Duration, Instant};

use easy_checkout_core::ErrorKind;
use easy_checkout_core::ops::{Confirm, GetConfig, PaymentMethod, UpdateConfig};
use easy_checkout_fake::Fault;
use easy_checkout_tests::driver::for_each_stack;
use easy_checkout_tests::wire::assert_sent;

use crate::{create_op, fake, new_session, only_request};

/// The `Idempotency-Key` of every request the fake received, in order.
fn keys_sent(fake: &easy_checkout_fake::FakeEasy) -> Vec<Option<String>> {
    let requests = fake.requests();
    let keys = requests.iter().map(|r| r.header("idempotency-key"));
    keys.map(|key| key.map(str::to_owned)).collect()
}

#[test]
fn confirm_without_key_is_never_retried() {
    for_each_stack(|stack| {
        let fake = fake();
        let secret = new_session(stack, &fake).client_secret.unwrap();
        let client = stack.client(&fake, 5);
        let op = Confirm::new(secret, PaymentMethod::card("tok_abc"));
        // One 503: a retry, if one were made, would succeed and show as a second request.
        fake.inject(Fault::status(503));
        let e = client.confirm(&op).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Server);
        assert_sent(&only_request(&fake), &client.request_for(&op));
        // Not even after a broken connection, where the server may or may not have charged.
        fake.clear_requests();
        fake.inject(Fault::CloseMidBody);
        let e = client.confirm(&op).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Transport);
        assert_eq!(fake.requests().len(), 1);
    });
}

#[test]
fn confirm_with_key_is_retried_with_the_same_key() {
    for_each_stack(|stack| {
        let fake = fake();
        let secret = new_session(stack, &fake).client_secret.unwrap();
        let client = stack.client(&fake, 2);
        let op = Confirm::new(secret, PaymentMethod::card("tok_abc"))
            .with_idempotency_key("confirm-ecs-1")
            .unwrap();
        fake.inject_n(Fault::status(503), 2);
        client.confirm(&op).unwrap();
        let requests = fake.requests();
        assert_eq!(requests.len(), 3);
        for attempt in &requests {
            assert_sent(attempt, &client.request_for(&op));
        }
    });
}

#[test]
fn create_without_key_gets_one_generated_key_per_call() {
    for_each_stack(|stack| {
        let fake = fake();
        let client = stack.client(&fake, 2);
        fake.inject(Fault::status(503));
        let first = client.send_with_meta(&create_op()).unwrap();
        let second = client.send_with_meta(&create_op()).unwrap();
        let keys: Vec<String> = keys_sent(&fake).into_iter().map(Option::unwrap).collect();
        assert_eq!(keys.len(), 3);
        assert_eq!(keys[0], keys[1], "the retry reuses the first attempt's key");
        assert_ne!(keys[1], keys[2], "two calls never share a key");
        let generated =
            |k: &String| k.starts_with("easy-checkout-") && k.len() == "easy-checkout-".len() + 32;
        assert!(keys.iter().all(generated), "{keys:?}");
        assert_eq!(first.meta.idempotency_key.unwrap().as_str(), keys[0]);
        assert_eq!(second.meta.retries, 0);
        // With retries off nothing is generated: there is nothing to make safe.
        fake.clear_requests();
        let client = stack.client(&fake, 0);
        client.create_session(&create_op()).unwrap();
        assert_sent(&only_request(&fake), &client.request_for(&create_op()));
    });
}

#[test]
fn a_short_retry_after_is_waited_out() {
    for_each_stack(|stack| {
        let fake = fake();
        fake.inject(Fault::status_with_retry_after(429, "1"));
        let started = Instant::now();
        let reply = stack.client(&fake, 2).send_with_meta(&GetConfig).unwrap();
        let waited = started.elapsed();
        assert!(waited >= Duration::from_secs(1), "waited {waited:?}");
        assert_eq!(reply.meta.retries, 1);
        assert_eq!(fake.requests().len(), 2);
    });
}

/// A keep-alive connection that the server closes without a reply byte must not make the
/// transport send a keyless POST again on a fresh connection (libcurl does that by itself
/// for a reused connection): the server may have acted on the first one. With a key, the
/// SDK's own retry goes ahead, with the same key.
#[test]
fn a_keyless_post_is_never_resent_on_a_dead_pooled_connection() {
    for_each_stack(|stack| {
        let fake = fake();
        let secret = new_session(stack, &fake).client_secret.unwrap();
        let keyless = Confirm::new(secret.clone(), PaymentMethod::card("tok_abc"));
        let keyed = Confirm::new(secret, PaymentMethod::card("tok_abc"))
            .with_idempotency_key("confirm-dead-conn-1")
            .unwrap();

        let client = stack.client(&fake, 3);
        // Warm the pool: the confirm below goes out on this kept-alive connection.
        client.get_config().unwrap();
        fake.clear_requests();
        fake.inject(Fault::Close);
        let e = client.confirm(&keyless).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Transport, "{e:?}");
        assert_sent(&only_request(&fake), &client.request_for(&keyless));

        // The same with a caller's key: re-sending is safe, and it happens.
        let client = stack.client(&fake, 3);
        client.get_config().unwrap();
        fake.clear_requests();
        fake.inject(Fault::Close);
        client.confirm(&keyed).unwrap();
        let requests = fake.requests();
        assert!(requests.len() > 1, "no retry after the dead connection");
        for attempt in &requests {
            assert_sent(attempt, &client.request_for(&keyed));
        }
    });
}

/// A write that failed after all its retries reports the key it carried, so the caller can
/// retry it safely later; a transport failure carries it too.
#[test]
fn a_failed_write_reports_the_idempotency_key_it_carried() {
    for_each_stack(|stack| {
        let fake = fake();
        fake.inject_n(Fault::status(503), 3);
        let e = stack
            .client(&fake, 2)
            .create_session(&create_op())
            .unwrap_err();
        let sent = keys_sent(&fake);
        assert_eq!(sent.len(), 3);
        let reported = e.idempotency_key().map(|k| k.as_str().to_owned());
        assert_eq!(reported, sent[0]);
        // Retrying with it is a replay of the same write, not a second one.
        let retry = create_op()
            .with_idempotency_key(e.idempotency_key().unwrap().clone())
            .unwrap();
        stack.client(&fake, 0).create_session(&retry).unwrap();

        let origins = ["https://shop.example"];
        let update = |key| {
            UpdateConfig::new(origins)
                .with_idempotency_key(key)
                .unwrap()
        };
        stack
            .client(&fake, 0)
            .update_config(&update("cfg-7"))
            .unwrap();
        fake.inject(Fault::Close);
        let e = stack
            .client(&fake, 0)
            .update_config(&update("cfg-8"))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Transport);
        assert_eq!(e.idempotency_key().map(|k| k.as_str()), Some("cfg-8"));
    });
}
