//! The unknown fields a model keeps: a plain `serde_json::Map` of them, whatever the
//! deserializer (a byte slice, a reader, a `Value`), and never printed with a secret in it.

use easy_checkout_core::models::Extra;
use easy_checkout_core::{CheckoutConfig, SessionStatus};
use serde_json::{Map, Value, json};

/// The unknown fields of `fields` (an object) as a `SessionStatus` keeps them, parsed from
/// bytes, from a reader and from a `Value`. All three must agree.
fn extra_of(fields: &Map<String, Value>) -> Extra {
    let mut object = fields.clone();
    object.insert("id".into(), json!("ecs_1"));
    let text = serde_json::to_vec(&Value::Object(object.clone())).unwrap();
    let from_slice: SessionStatus = serde_json::from_slice(&text).unwrap();
    let from_reader: SessionStatus = serde_json::from_reader(&text[..]).unwrap();
    let from_value: SessionStatus = serde_json::from_value(Value::Object(object)).unwrap();
    assert_eq!(from_slice.extra, from_reader.extra);
    assert_eq!(from_slice.extra, from_value.extra);
    from_slice.extra
}

#[test]
fn keeps_every_unknown_field_and_no_known_one() {
    let fields: Map<String, Value> = serde_json::from_value(json!({
        "amount_total": 4999,
        "escaped": "quote \" backslash \\ newline \n",
        "uint": 18_446_744_073_709_551_615u64,
        "float": 1.5,
        "null": null,
        "nested": {"a": [1, {"b": [null, "x"]}]},
    }))
    .unwrap();
    let extra = extra_of(&fields);
    assert_eq!(extra, fields);
    assert_eq!(extra.get("amount_total"), Some(&json!(4999)));
    assert_eq!(extra.get("id"), None, "a known field is not extra");
}

/// No unknown field: an empty map; serialized, the fields go back beside the known ones.
#[test]
fn an_empty_map_and_serializing_puts_the_fields_back() {
    let config: CheckoutConfig = serde_json::from_value(json!({"allowed_origins": []})).unwrap();
    assert!(config.extra.is_empty());
    let status: SessionStatus =
        serde_json::from_value(json!({"id": "ecs_1", "status": "open", "x": [1, 2]})).unwrap();
    assert_eq!(
        serde_json::to_value(&status).unwrap(),
        json!({"id": "ecs_1", "status": "open", "payment_status": null, "x": [1, 2]})
    );
}

#[test]
fn debug_redacts_a_secret_among_the_unknown_fields() {
    let secret = "ecs_1_secret_DoNotPrintMe";
    let status: SessionStatus = serde_json::from_value(json!({
        "id": "ecs_1",
        "clientSecret": secret,
        "nested": [{"client_secret": secret, "fine": "shown"}],
    }))
    .unwrap();
    let printed = format!("{status:?}");
    assert!(!printed.contains(secret), "{printed}");
    assert!(
        printed.contains("[REDACTED]") && printed.contains("shown"),
        "{printed}"
    );
}
