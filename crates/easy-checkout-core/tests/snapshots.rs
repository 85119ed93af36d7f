//! One snapshot per request shape: a changed shape is a visible diff. Secrets are redacted by
//! `snapshot::render`, and every test also checks the raw secret is not in the text.

use easy_checkout_core::ops::{
    Confirm, CreateSession, CryptoStatus, CustomerDetails, GetConfig, LineItem, PaymentMethod,
    PaymentSource, ReferenceSession, RetrieveSession, UpdateConfig, Validate, ValidateKey,
};
use easy_checkout_core::{BaseUrl, ClientSecret, Config, Operation, snapshot};
use serde_json::json;

const KEY: &str = "sk_test_snapshot_key_123";
const SECRET: &str = "ecs_secret_snapshot_xyz";

fn sandbox() -> Config {
    Config::new(KEY.parse().unwrap())
}

fn render<O: Operation>(config: &Config, op: &O) -> String {
    let text = snapshot::render(&config.build(op).unwrap());
    assert!(!text.contains(KEY), "API key leaked into snapshot:\n{text}");
    assert!(
        !text.contains(SECRET),
        "client secret leaked into snapshot:\n{text}"
    );
    text
}

fn create() -> CreateSession {
    CreateSession::new(
        vec![LineItem::new("price_abc", 1), LineItem::new("price_def", 3)],
        "https://example.com/checkout/return",
    )
}

fn secret() -> ClientSecret {
    ClientSecret::new(SECRET).unwrap()
}

#[test]
fn create_session_with_idempotency_key() {
    let op = create()
        .with_idempotency_key("ecs-cart-2025-01-01-001")
        .unwrap();
    insta::assert_snapshot!(render(&sandbox(), &op));
}

#[test]
fn create_session_without_idempotency_key() {
    insta::assert_snapshot!(render(&sandbox(), &create()));
}

#[test]
fn create_session_with_extra_fields() {
    let op = create()
        .with_extra("metadata", json!({"order_id": "A-1001", "channel": "web"}))
        .with_extra("customer_email", json!("jane@example.com"));
    insta::assert_snapshot!(render(&sandbox(), &op));
}

fn reference_create() -> ReferenceSession {
    ReferenceSession::new(
        vec![LineItem::new("price_abc", 1), LineItem::new("price_def", 3)],
        "https://example.com/checkout/success?session_id={SESSION_ID}",
    )
}

#[test]
fn create_session_in_the_reference_vocabulary() {
    let params = reference_create()
        .with_cancel_url("https://example.com/checkout/cancel")
        .with_customer_email("jane@example.com")
        .with_payment_methods(["card", "crypto"]);
    let op = CreateSession::from(params)
        .with_idempotency_key("ecs-cart-2025-01-01-002")
        .unwrap();
    insta::assert_snapshot!(render(&sandbox(), &op));
}

#[test]
fn create_session_in_the_reference_vocabulary_required_fields_and_extra() {
    let op = CreateSession::from(reference_create())
        .with_extra("metadata", json!({"order_id": "A-1002"}));
    insta::assert_snapshot!(render(&sandbox(), &op));
}

#[test]
fn retrieve_session() {
    insta::assert_snapshot!(render(
        &sandbox(),
        &RetrieveSession::new("ecs_123").unwrap()
    ));
}

#[test]
fn retrieve_session_with_hostile_id_stays_one_segment() {
    let op = RetrieveSession::new("ecs_1/../config?x=1#frag").unwrap();
    insta::assert_snapshot!(render(&sandbox(), &op));
}

#[test]
fn crypto_status() {
    insta::assert_snapshot!(render(&sandbox(), &CryptoStatus::new("ecs_123").unwrap()));
}

#[test]
fn validate_with_parent_origin() {
    let op = Validate::new(secret()).with_parent_origin("https://example.com");
    insta::assert_snapshot!(render(&sandbox(), &op));
}

#[test]
fn validate_without_parent_origin() {
    insta::assert_snapshot!(render(&sandbox(), &Validate::new(secret())));
}

#[test]
fn confirm_with_idempotency_key() {
    let op = Confirm::new(secret(), PaymentMethod::card("tok_abc"))
        .with_idempotency_key("confirm-ecs_123-1")
        .unwrap();
    insta::assert_snapshot!(render(&sandbox(), &op));
}

#[test]
fn confirm_without_idempotency_key_with_extra_fields() {
    let op = Confirm::new(secret(), PaymentMethod::card("tok_abc"))
        .with_extra("billing_details", json!({"postal_code": "94107"}));
    insta::assert_snapshot!(render(&sandbox(), &op));
}

#[test]
fn confirm_in_the_reference_vocabulary() {
    let details = CustomerDetails::new("Jane", "Doe", "jane@example.com");
    let op = Confirm::with_source(secret(), PaymentSource::card("tok_abc"))
        .with_customer_details(details)
        .with_idempotency_key("confirm-ecs_123-2")
        .unwrap();
    insta::assert_snapshot!(render(&sandbox(), &op));
}

#[test]
fn confirm_in_the_reference_vocabulary_without_details_with_extra_fields() {
    let op = Confirm::with_source(secret(), PaymentSource::card("tok_abc"))
        .with_extra("billing_details", json!({"postal_code": "94107"}));
    insta::assert_snapshot!(render(&sandbox(), &op));
}

#[test]
fn get_config() {
    insta::assert_snapshot!(render(&sandbox(), &GetConfig));
}

#[test]
fn update_config_with_idempotency_key() {
    let op = UpdateConfig::new(["https://example.com", "https://staging.example.com"])
        .with_idempotency_key("ecs-config-2025-01-01")
        .unwrap();
    insta::assert_snapshot!(render(&sandbox(), &op));
}

#[test]
fn update_config_without_idempotency_key() {
    insta::assert_snapshot!(render(
        &sandbox(),
        &UpdateConfig::new(["https://example.com"])
    ));
}

#[test]
fn validate_key() {
    insta::assert_snapshot!(render(&sandbox(), &ValidateKey));
}

#[test]
fn production_key_routes_to_production() {
    let config = Config::new("sk_live_snapshot_key_123".parse().unwrap());
    insta::assert_snapshot!(render(&config, &GetConfig));
}

#[test]
fn base_url_override_replaces_the_whole_base() {
    let config = sandbox().with_base_url(BaseUrl::parse("http://127.0.0.1:4010/").unwrap());
    insta::assert_snapshot!(render(&config, &RetrieveSession::new("ecs_123").unwrap()));
}

#[test]
fn base_url_override_with_a_path_prefix() {
    let config =
        sandbox().with_base_url(BaseUrl::parse("https://proxy.example.com/easy/v1/api").unwrap());
    insta::assert_snapshot!(render(&config, &create()));
}

#[test]
fn transport_suffix_in_user_agent() {
    let config = sandbox().with_user_agent_suffix("ureq");
    insta::assert_snapshot!(render(&config, &GetConfig));
}
