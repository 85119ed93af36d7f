//! `Extra`: the unknown fields a model keeps. They are written into one JSON buffer while
//! the model is parsed; these tests hold them to what a `serde_json::Map` would have kept,
//! whatever the deserializer (a byte slice, a reader, a `Value`).

use easy_checkout_core::http::{HeaderMap, StatusCode};
use easy_checkout_core::models::Extra;
use easy_checkout_core::ops::RetrieveSession;
use easy_checkout_core::{CheckoutConfig, Operation, SessionStatus};
use proptest::prelude::*;
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
    assert_eq!(from_slice.extra.as_json(), from_reader.extra.as_json());
    assert_eq!(from_slice.extra.to_map(), from_value.extra.to_map());
    from_slice.extra
}

fn map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn keeps_every_kind_of_value_as_sent() {
    let fields = map(json!({
        "string": "plain",
        "escaped": "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7} del \u{7f}",
        "unicode": "café ✓ 𝄞",
        "int": -9_223_372_036_854_775_808i64,
        "uint": 18_446_744_073_709_551_615u64,
        "float": 1.5,
        "tiny": 1e-7,
        "huge": 1.7976931348623157e308,
        "negzero": -0.0,
        "true": true,
        "false": false,
        "null": null,
        "empty_array": [],
        "empty_object": {},
        "nested": {"a": [1, {"b": [null, "x", {"c\"d": 2.25}]}], "e": {}},
        "key with \"quotes\" and \\ and \n": 1,
    }));
    let extra = extra_of(&fields);
    assert_eq!(extra.to_map(), fields);
    assert_eq!(extra.len(), fields.len());
    for (name, value) in &fields {
        assert_eq!(extra.get(name).as_ref(), Some(value), "{name}");
    }
    assert_eq!(extra.get("id"), None, "a known field is not extra");
    assert_eq!(extra.get("absent"), None);
}

#[test]
fn the_kept_text_is_compact_json_in_arrival_order() {
    let body = br#"{"data":{"id":"ecs_1", "zeta" : [ 1 , 2 ], "status":"open", "alpha":{ "k" : "v\u00e9" }}}"#;
    let status = RetrieveSession::parse(StatusCode::OK, &HeaderMap::new(), body).unwrap();
    assert_eq!(
        status.extra.as_json(),
        r#"{"zeta":[1,2],"alpha":{"k":"vé"}}"#
    );
    assert_eq!(status.status.unwrap().as_str(), "open");
}

#[test]
fn no_unknown_fields_is_empty_and_prints_as_an_empty_object() {
    let config: CheckoutConfig = serde_json::from_str(r#"{"allowed_origins":[]}"#).unwrap();
    assert!(config.extra.is_empty());
    assert_eq!(config.extra.len(), 0);
    assert_eq!(config.extra.as_json(), "{}");
    assert_eq!(config.extra, Extra::new());
    assert_eq!(config.extra.to_map(), Map::new());
    assert_eq!(
        serde_json::to_value(&config).unwrap(),
        json!({"allowed_origins": [], "updated_at": null})
    );
}

#[test]
fn a_name_sent_twice_keeps_its_last_value_as_a_map_would() {
    let status: SessionStatus =
        serde_json::from_str(r#"{"id":"ecs_1","x":1,"y":true,"x":2}"#).unwrap();
    assert_eq!(status.extra.get("x"), Some(json!(2)));
    assert_eq!(status.extra.len(), 2);
    assert_eq!(status.extra.to_map(), map(json!({"x": 2, "y": true})));
    assert_eq!(
        status.extra.as_json(),
        r#"{"x":1,"y":true,"x":2}"#,
        "as sent"
    );
}

#[test]
fn equality_is_by_value_not_by_text() {
    let a: SessionStatus = serde_json::from_str(r#"{"id":"ecs_1","x":1,"y":[true]}"#).unwrap();
    let b: SessionStatus = serde_json::from_str(r#"{"y":[true],"id":"ecs_1","x":1}"#).unwrap();
    let c: SessionStatus = serde_json::from_str(r#"{"id":"ecs_1","x":2,"y":[true]}"#).unwrap();
    assert_ne!(a.extra.as_json(), b.extra.as_json());
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(
        Extra::try_from(map(json!({"y": [true], "x": 1}))).unwrap(),
        a.extra,
        "TryFrom<Map> equals the parsed fields"
    );
    assert_eq!(Map::from(a.extra.clone()), a.extra.to_map());
}

#[test]
fn serializing_a_model_puts_the_fields_back_beside_the_known_ones() {
    let sent = json!({
        "id": "ecs_1",
        "status": "complete",
        "payment_status": "succeeded",
        "amount_total": 4999,
        "currency": "USD",
        "lines": [{"price": "price_1", "quantity": 2}],
    });
    let status: SessionStatus = serde_json::from_value(sent.clone()).unwrap();
    assert_eq!(serde_json::to_value(&status).unwrap(), sent);
    let again: SessionStatus =
        serde_json::from_slice(&serde_json::to_vec(&status).unwrap()).unwrap();
    assert_eq!(again, status);
}

#[test]
fn extra_deserializes_on_its_own_from_any_object() {
    let extra: Extra = serde_json::from_str(r#"{"a":[1,{"b":null}],"c":"d"}"#).unwrap();
    assert_eq!(extra.as_json(), r#"{"a":[1,{"b":null}],"c":"d"}"#);
    let extra: Extra = serde_json::from_value(json!({"a": 1})).unwrap();
    assert_eq!(extra.get("a"), Some(json!(1)));
    assert!(serde_json::from_str::<Extra>("[1]").is_err());
    assert!(serde_json::from_str::<Extra>(r#""text""#).is_err());
}

/// `depth` arrays, one inside the other, around `inner`.
fn nested(depth: usize, inner: Value) -> Value {
    (0..depth).fold(inner, |v, _| Value::Array(vec![v]))
}

#[test]
fn a_value_nested_as_deep_as_can_be_read_back_is_kept_and_one_level_more_is_refused() {
    // serde_json reads 127 levels; the kept object is one of them.
    for inner in [json!(1), json!([]), json!({})] {
        let depth = if inner.is_number() { 126 } else { 125 };
        let fields = map(json!({ "deep": nested(depth, inner.clone()), "x": 5 }));
        let extra = extra_of(&fields);
        assert_eq!(extra.to_map(), fields, "{inner}");
        assert_eq!(extra.get("x"), Some(json!(5)));
        assert_eq!(extra.len(), 2);

        let too_deep = json!({ "id": "ecs_1", "deep": nested(depth + 1, inner.clone()) });
        let err = serde_json::from_value::<SessionStatus>(too_deep).unwrap_err();
        assert!(err.to_string().contains("nests too deep"), "{err}");
        let err = Extra::try_from(map(json!({ "deep": nested(depth + 1, inner) }))).unwrap_err();
        assert!(err.to_string().contains("nests too deep"), "{err}");
    }
    // From the network, serde_json's own limit (which counts the envelope) comes first.
    let body = format!(
        r#"{{"data":{{"id":"ecs_1","deep":{}}}}}"#,
        nested(126, json!(1))
    );
    let err = RetrieveSession::parse(StatusCode::OK, &HeaderMap::new(), body.as_bytes());
    assert_eq!(err.unwrap_err().kind().as_str(), "decode");
}

#[test]
fn integers_beyond_64_bits_are_refused_as_a_value_refuses_them() {
    use serde::Deserialize;
    use serde::de::value::{Error, MapDeserializer};

    let de =
        MapDeserializer::<_, Error>::new([("a", 5u128), ("b", u128::from(u64::MAX))].into_iter());
    let extra = Extra::deserialize(de).unwrap();
    assert_eq!(extra.as_json(), r#"{"a":5,"b":18446744073709551615}"#);
    let de =
        MapDeserializer::<_, Error>::new([("n", -5i128), ("m", i128::from(i64::MIN))].into_iter());
    assert_eq!(
        Extra::deserialize(de).unwrap().as_json(),
        r#"{"n":-5,"m":-9223372036854775808}"#
    );

    fn same_error<T>(value: T)
    where
        T: Copy + serde::de::IntoDeserializer<'static, Error>,
    {
        let de = MapDeserializer::<_, Error>::new([("n", value)].into_iter());
        let as_extra = Extra::deserialize(de).unwrap_err().to_string();
        let de = MapDeserializer::<_, Error>::new([("n", value)].into_iter());
        let as_map = Map::<String, Value>::deserialize(de)
            .unwrap_err()
            .to_string();
        assert_eq!(as_extra, as_map);
    }
    same_error(1u128 << 70);
    same_error(u128::MAX);
    same_error(i128::from(i64::MIN) - 1);
    same_error(i128::MIN);
}

#[test]
fn a_malformed_unknown_field_fails_the_parse_instead_of_being_kept() {
    for body in [
        &br#"{"data":{"id":"ecs_1","x":[1,}}"#[..],
        br#"{"data":{"id":"ecs_1","x":"unterminated}}"#,
        br#"{"data":{"id":"ecs_1","x":tru}}"#,
        b"{\"data\":{\"id\":\"ecs_1\",\"x\":\"raw \x01 control\"}}",
        b"{\"data\":{\"id\":\"ecs_1\",\"x\":\"bad utf8 \xff\"}}",
    ] {
        let err = RetrieveSession::parse(StatusCode::OK, &HeaderMap::new(), body).unwrap_err();
        assert_eq!(
            err.kind().as_str(),
            "decode",
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn debug_redacts_a_secret_among_the_unknown_fields() {
    let secret = "ecs_1_secret_DoNotPrintMe";
    let extra: Extra = serde_json::from_value(json!({
        "clientSecret": secret,
        "nested": [{"client_secret": secret, "fine": "shown"}],
    }))
    .unwrap();
    let printed = format!("{extra:?}");
    assert!(!printed.contains(secret), "{printed}");
    assert!(
        printed.contains("[REDACTED]") && printed.contains("shown"),
        "{printed}"
    );
}

/// Any JSON value, with the strings and numbers most likely to trip a writer.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[\"\\\\\\x00-\\x1f\\x7f a-z]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever unknown fields arrive, `Extra` gives back exactly what a `Map` would hold.
    #[test]
    fn unknown_fields_round_trip_exactly(
        fields in prop::collection::btree_map(
            any::<String>().prop_filter("not a known field", |k| {
                !["id", "status", "payment_status"].contains(&k.as_str())
            }),
            json_value(),
            0..8,
        )
    ) {
        let fields: Map<String, Value> = fields.into_iter().collect();
        let extra = extra_of(&fields);
        prop_assert_eq!(extra.to_map(), fields.clone());
        prop_assert_eq!(extra.is_empty(), fields.is_empty());
        for (name, value) in &fields {
            prop_assert_eq!(extra.get(name), Some(value.clone()));
        }
        // The kept text is JSON that serde_json reads back to the same map.
        let reparsed: Map<String, Value> = serde_json::from_str(extra.as_json()).unwrap();
        prop_assert_eq!(reparsed, fields);
    }
}
