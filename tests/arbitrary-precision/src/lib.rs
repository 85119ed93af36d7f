//! A downstream build may turn on serde_json's `arbitrary_precision` feature (payment code
//! often does, for exact decimals), and Cargo then turns it on for the SDK's core too. serde_json
//! then hands every number to a visitor as a one-entry map holding its text. These tests hold
//! the models' `extra` to what a `serde_json::Map` holds in that build.

#[cfg(test)]
mod tests {
    use easy_checkout_core::http::{HeaderMap, StatusCode};
    use easy_checkout_core::models::Extra;
    use easy_checkout_core::ops::RetrieveSession;
    use easy_checkout_core::{Operation, SessionStatus};
    use serde_json::{Map, Value};

    const OBJECT: &str = r#"{"id":"ecs_1","f":1.5,"big":123456789012345678901234567890,"e":1E2,"neg":-0,"tiny":5e-324,"nested":[{"x":0.1,"y":[1e400]}]}"#;

    fn unknown_fields(json: &str) -> Map<String, Value> {
        let mut map: Map<String, Value> = serde_json::from_str(json).unwrap();
        map.remove("id");
        map
    }

    #[test]
    fn the_feature_is_on_in_this_build() {
        assert!(serde_json::from_str::<serde_json::Number>("1e400").is_ok());
    }

    #[test]
    fn numbers_from_a_reply_keep_their_digits() {
        let body = format!(r#"{{"data":{OBJECT}}}"#);
        let status =
            RetrieveSession::parse(StatusCode::OK, &HeaderMap::new(), body.as_bytes()).unwrap();
        assert_eq!(
            status.extra.as_json(),
            r#"{"f":1.5,"big":123456789012345678901234567890,"e":1e+2,"neg":-0,"tiny":5e-324,"nested":[{"x":0.1,"y":[1e+400]}]}"#
        );
        assert_eq!(status.extra.to_map(), unknown_fields(OBJECT));
        assert_eq!(
            status.extra.get("big").unwrap().to_string(),
            "123456789012345678901234567890"
        );
    }

    #[test]
    fn from_a_value_the_fields_are_what_a_map_from_that_value_holds() {
        let value: Value = serde_json::from_str(OBJECT).unwrap();
        let status: SessionStatus = serde_json::from_value(value.clone()).unwrap();
        let mut expected: Map<String, Value> = serde_json::from_value(value).unwrap();
        expected.remove("id");
        assert_eq!(status.extra.to_map(), expected);
        let extra = Extra::try_from(expected.clone()).unwrap();
        assert_eq!(extra.to_map(), expected);
    }
}
