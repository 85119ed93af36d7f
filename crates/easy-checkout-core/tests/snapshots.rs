//! One snapshot per request shape, named in the table: a changed shape is a visible diff.
//! Secrets are redacted by `snapshot::render`, and every row also checks the raw secret is not
//! in the text.

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

fn reference_create() -> ReferenceSession {
    ReferenceSession::new(
        vec![LineItem::new("price_abc", 1), LineItem::new("price_def", 3)],
        "https://example.com/checkout/success?session_id={SESSION_ID}",
    )
}

#[test]
fn every_request_shape_matches_its_snapshot() {
    let snap = |name: &str, text: String| insta::assert_snapshot!(name, text);
    let config = sandbox();
    let op = create()
        .with_idempotency_key("ecs-cart-2025-01-01-001")
        .unwrap();
    snap("create_session_with_idempotency_key", render(&config, &op));
    snap(
        "create_session_without_idempotency_key",
        render(&config, &create()),
    );
    let op = create()
        .with_extra("metadata", json!({"order_id": "A-1001", "channel": "web"}))
        .with_extra("customer_email", json!("jane@example.com"));
    snap("create_session_with_extra_fields", render(&config, &op));
    let params = reference_create()
        .with_cancel_url("https://example.com/checkout/cancel")
        .with_customer_email("jane@example.com")
        .with_payment_methods(["card", "crypto"]);
    let op = CreateSession::from(params)
        .with_idempotency_key("ecs-cart-2025-01-01-002")
        .unwrap();
    snap(
        "create_session_in_the_reference_vocabulary",
        render(&config, &op),
    );
    let op = CreateSession::from(reference_create())
        .with_extra("metadata", json!({"order_id": "A-1002"}));
    snap(
        "create_session_in_the_reference_vocabulary_required_fields_and_extra",
        render(&config, &op),
    );
    let retrieve = RetrieveSession::new("ecs_123").unwrap();
    snap("retrieve_session", render(&config, &retrieve));
    let op = RetrieveSession::new("ecs_1/../config?x=1#frag").unwrap();
    snap(
        "retrieve_session_with_hostile_id_stays_one_segment",
        render(&config, &op),
    );
    snap(
        "crypto_status",
        render(&config, &CryptoStatus::new("ecs_123").unwrap()),
    );
    let op = Validate::new(secret()).with_parent_origin("https://example.com");
    snap("validate_with_parent_origin", render(&config, &op));
    snap(
        "validate_without_parent_origin",
        render(&config, &Validate::new(secret())),
    );
    let op = Confirm::new(secret(), PaymentMethod::card("tok_abc"))
        .with_idempotency_key("confirm-ecs_123-1")
        .unwrap();
    snap("confirm_with_idempotency_key", render(&config, &op));
    let op = Confirm::new(secret(), PaymentMethod::card("tok_abc"))
        .with_extra("billing_details", json!({"postal_code": "94107"}));
    snap(
        "confirm_without_idempotency_key_with_extra_fields",
        render(&config, &op),
    );
    let details = CustomerDetails::new("Jane", "Doe", "jane@example.com");
    let op = Confirm::with_source(secret(), PaymentSource::card("tok_abc"))
        .with_customer_details(details)
        .with_idempotency_key("confirm-ecs_123-2")
        .unwrap();
    snap("confirm_in_the_reference_vocabulary", render(&config, &op));
    let op = Confirm::with_source(secret(), PaymentSource::card("tok_abc"))
        .with_extra("billing_details", json!({"postal_code": "94107"}));
    snap(
        "confirm_in_the_reference_vocabulary_without_details_with_extra_fields",
        render(&config, &op),
    );
    snap("get_config", render(&config, &GetConfig));
    let op = UpdateConfig::new(["https://example.com", "https://staging.example.com"])
        .with_idempotency_key("ecs-config-2025-01-01")
        .unwrap();
    snap("update_config_with_idempotency_key", render(&config, &op));
    let op = UpdateConfig::new(["https://example.com"]);
    snap(
        "update_config_without_idempotency_key",
        render(&config, &op),
    );
    snap("validate_key", render(&config, &ValidateKey));
    let live = Config::new("sk_live_snapshot_key_123".parse().unwrap());
    snap(
        "production_key_routes_to_production",
        render(&live, &GetConfig),
    );
    let local = sandbox().with_base_url(BaseUrl::parse("http://127.0.0.1:4010/").unwrap());
    snap(
        "base_url_override_replaces_the_whole_base",
        render(&local, &retrieve),
    );
    let proxy = BaseUrl::parse("https://proxy.example.com/easy/v1/api").unwrap();
    let proxied = sandbox().with_base_url(proxy);
    snap(
        "base_url_override_with_a_path_prefix",
        render(&proxied, &create()),
    );
    let suffixed = sandbox().with_user_agent_suffix("ureq");
    snap(
        "transport_suffix_in_user_agent",
        render(&suffixed, &GetConfig),
    );
}
