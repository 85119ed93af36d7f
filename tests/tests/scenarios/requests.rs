//! Every operation: the request on the wire is the one the SDK builds (its snapshot
//! rendering), and the typed result is what the fake answered. The API key goes only where
//! it belongs.

use easy_checkout_core::TransportSettings;
use easy_checkout_core::ops::{
    Confirm, CryptoStatus, GetConfig, PaymentMethod, RetrieveSession, UpdateConfig, Validate,
    ValidateKey,
};
use easy_checkout_core::{ClientSecret, Config, ErrorKind, SessionState};
use easy_checkout_fake::{FakeEasy, Fault};
use easy_checkout_tests::driver::for_each_stack;
use easy_checkout_tests::wire::assert_sent;
use serde_json::json;

use crate::{create_op, fake, new_session, only_request};

#[test]
fn create_session_sends_the_documented_request() {
    for_each_stack(|stack| {
        let fake = fake();
        let client = stack.client(&fake, 2);
        let op = create_op()
            .with_idempotency_key("ecs-cart-1")
            .unwrap()
            .with_extra("metadata", json!({"order": "A-1"}));
        let session = client.create_session(&op).unwrap();
        let sent = only_request(&fake);
        assert_sent(&sent, &client.request_for(&op));
        let user_agent = sent.header("user-agent").unwrap();
        assert!(user_agent.ends_with(stack.name()), "{user_agent}");
        assert!(session.id.starts_with("ecs_"), "{session:?}");
        assert!(session.client_secret.is_some());
        assert_eq!(session.status, Some(SessionState::Open));
        let return_url = session.return_url.as_deref();
        assert_eq!(return_url, Some("https://shop.example/return"));
        assert!(session.expires_at.is_some());
    });
}

#[test]
fn crypto_status_sends_the_documented_request() {
    for_each_stack(|stack| {
        let fake = fake();
        let session = new_session(stack, &fake);
        assert!(fake.mark_crypto_paid(&session.id));
        let client = stack.client(&fake, 2);
        let crypto = client.crypto_status(&session.id).unwrap();
        let op = CryptoStatus::new(session.id.as_str()).unwrap();
        assert_sent(&only_request(&fake), &client.request_for(&op));
        let paid = [&crypto.tx_signature, &crypto.chain].map(Option::is_some);
        assert_eq!(paid, [true, true], "{crypto:?}");
        assert!(crypto.amount.is_some(), "{crypto:?}");
    });
}

#[test]
fn validate_sends_the_client_secret_and_no_key() {
    for_each_stack(|stack| {
        let fake = fake();
        fake.set_allowed_origins(vec!["https://shop.example".into()]);
        let secret = new_session(stack, &fake).client_secret.unwrap();
        let client = stack.client(&fake, 2);
        let with_origin = Validate::new(secret.clone()).with_parent_origin("https://shop.example");
        for op in [with_origin, Validate::new(secret.clone())] {
            let reply = client.validate(&op).unwrap();
            assert_sent(&only_request(&fake), &client.request_for(&op));
            assert!(reply.is_valid());
            fake.clear_requests();
        }
    });
}

#[test]
fn a_keyless_client_can_validate_and_confirm() {
    for_each_stack(|stack| {
        let fake = fake();
        let secret = new_session(stack, &fake).client_secret.unwrap();
        let keyless = Config::from_values(None, Some(&fake.base_url())).unwrap();
        let client = stack.client_for(keyless, TransportSettings::default());
        let valid = client.validate(&Validate::new(secret.clone())).unwrap();
        assert!(valid.is_valid());
        let card = PaymentMethod::card("tok_abc");
        client.confirm(&Confirm::new(secret, card)).unwrap();
        let e = client.get_config().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(fake.requests().len(), 2, "get_config was refused unsent");
    });
}

#[test]
fn config_get_and_update_send_the_documented_requests() {
    for_each_stack(|stack| {
        let fake = fake();
        let client = stack.client(&fake, 2);
        let origins = ["https://shop.example", "https://staging.shop.example"];
        let op = UpdateConfig::new(origins)
            .with_idempotency_key("cfg-1")
            .unwrap();
        let updated = client.update_config(&op).unwrap();
        let read = client.get_config().unwrap();
        let [patch, get] = <[_; 2]>::try_from(fake.requests()).unwrap();
        assert_sent(&patch, &client.request_for(&op));
        assert_sent(&get, &client.request_for(&GetConfig));
        assert_eq!(
            updated.allowed_origins,
            Some(origins.map(str::to_owned).to_vec())
        );
        assert_eq!(read.allowed_origins, updated.allowed_origins);
    });
}

#[test]
fn validate_key_checks_the_key() {
    for_each_stack(|stack| {
        let fake = fake();
        let client = stack.client(&fake, 2);
        let info = client.validate_key().unwrap();
        assert_eq!(info.basis_theory_public_api_key, FakeEasy::PUBLIC_KEY);
        assert_sent(&only_request(&fake), &client.request_for(&ValidateKey));
        let revoked =
            Config::from_values(Some(FakeEasy::REVOKED_KEY), Some(&fake.base_url())).unwrap();
        let e = stack
            .client_for(revoked, TransportSettings::default())
            .validate_key()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Authentication);
    });
}

#[test]
fn a_hostile_session_id_stays_in_its_segment() {
    for_each_stack(|stack| {
        let fake = fake();
        let client = stack.client(&fake, 0);
        let e = client.retrieve_session("ecs_1/../config").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
        let op = RetrieveSession::new("ecs_1/../config").unwrap();
        assert_sent(&only_request(&fake), &client.request_for(&op));
        let e = client.retrieve_session("..").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(fake.requests().len(), 1, "a refused id sends nothing");
    });
}

/// The API key never reaches the fake in a validate or confirm request, whatever happens:
/// a refused origin, a wrong secret, a declined card, a retried 503.
#[test]
fn no_client_side_request_ever_carries_the_key() {
    for_each_stack(|stack| {
        let fake = fake();
        let secret = new_session(stack, &fake).client_secret.unwrap();
        let client = stack.client(&fake, 2);
        let elsewhere = Validate::new(secret.clone()).with_parent_origin("https://nope.example");
        let _ = client.validate(&elsewhere);
        let wrong = ClientSecret::new("ecs_secret_wrong").unwrap();
        let _ = client.validate(&Validate::new(wrong));
        let declined = PaymentMethod::card(FakeEasy::DECLINE_TOKEN);
        let confirm = Confirm::new(secret, declined)
            .with_idempotency_key("c-1")
            .unwrap();
        fake.inject(Fault::status(503));
        let _ = client.confirm(&confirm);
        let requests = fake.requests();
        assert!(requests.len() >= 4, "{requests:#?}");
        for r in &requests {
            assert!(r.path.ends_with("/validate") || r.path.ends_with("/confirm"));
            assert_eq!(r.header("x-easy-api-key"), None, "{r:?}");
            let key = r
                .headers
                .iter()
                .any(|(_, v)| v.contains(FakeEasy::TEST_KEY));
            assert!(!key, "{r:?}");
        }
    });
}
