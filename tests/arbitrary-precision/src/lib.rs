//! A downstream build may turn on serde_json's `arbitrary_precision` feature (payment code
//! often does, for exact decimals), and Cargo then turns it on for the SDK's core too. serde_json
//! then hands every number to a visitor as a one-entry map holding its text, and the models'
//! `extra` (a plain `Map`, filled through `#[serde(flatten)]`) must still hold the numbers
//! as that build's `Map` does, every digit kept. `float_roundtrip` is on here too.

#[cfg(test)]
mod tests {
    use easy_checkout_core::http::{HeaderMap, StatusCode};
    use easy_checkout_core::ops::{CreateSession, CryptoStatus, RetrieveSession};
    use easy_checkout_core::{Amount, Error, ErrorKind, Operation, SessionStatus};
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
        assert_eq!(status.extra, unknown_fields(OBJECT));
        assert_eq!(
            status.extra.get("big").unwrap().to_string(),
            "123456789012345678901234567890"
        );
    }

    #[test]
    fn from_a_value_the_fields_are_what_a_map_from_that_value_holds() {
        // Every number here fits an i64, u64 or f64.
        let object = OBJECT.replace("123456789012345678901234567890", "1234567890123456789");
        let value: Value = serde_json::from_str(&object).unwrap();
        let status: SessionStatus = serde_json::from_value(value.clone()).unwrap();
        let mut expected: Map<String, Value> = serde_json::from_value(value).unwrap();
        expected.remove("id");
        assert_eq!(status.extra, expected);
    }

    /// serde's `#[serde(flatten)]` buffers fields in a form without 128-bit integers: from a
    /// `Value` (not from bytes), a larger integer among the unknown fields is an error,
    /// never a wrong number. Replies come from bytes and keep every digit (above).
    #[test]
    fn from_a_value_an_integer_beyond_64_bits_is_an_error_not_a_wrong_value() {
        let value: Value = serde_json::from_str(OBJECT).unwrap();
        assert!(serde_json::from_value::<SessionStatus>(value).is_err());
    }

    fn crypto_amount(value: &str) -> Result<Option<Amount>, Error> {
        let body = format!(
            r#"{{"success":true,"data":{{"status":"confirmed","amount":{value},"block":1}}}}"#
        );
        CryptoStatus::parse(StatusCode::OK, &HeaderMap::new(), body.as_bytes()).map(|c| c.amount)
    }

    /// With the feature, an integer amount beyond 64 bits keeps every digit, and writes
    /// them back out unchanged.
    #[test]
    fn a_huge_integer_amount_keeps_every_digit() {
        for digits in [
            "123456789012345678901234567890",
            "-98765432109876543210",
            "1999",
        ] {
            let amount = crypto_amount(digits).unwrap().unwrap();
            assert!(matches!(amount, Amount::Integer(_)), "{digits}");
            assert_eq!(amount.to_string(), digits);
            assert_eq!(serde_json::to_string(&amount).unwrap(), digits);
        }
        let decimal = crypto_amount(r#""19.990000""#).unwrap().unwrap();
        assert_eq!(decimal, Amount::Decimal("19.990000".into()));
    }

    /// Even where the feature could keep a fraction's digits, a float is never an amount:
    /// every build refuses it alike.
    #[test]
    fn a_fractional_amount_is_a_decode_error_here_too() {
        for bad in ["19.99", "1999.0", "2e3", "1E400", "-0.0"] {
            assert_eq!(
                crypto_amount(bad).unwrap_err().kind(),
                ErrorKind::Decode,
                "{bad}"
            );
        }
    }

    /// `amount_total` is a `u64` of cents: read through `#[serde(flatten)]`'s buffer with the
    /// feature on, a 64-bit total is exact and a larger one a decode error.
    #[test]
    fn amount_total_is_exact_or_a_decode_error() {
        let total = |value: &str| {
            let body =
                format!(r#"{{"data":{{"id":"ecs_1","amount_total":{value},"big":{value}}}}}"#);
            CreateSession::parse(StatusCode::OK, &HeaderMap::new(), body.as_bytes())
                .map(|s| s.amount_total)
        };
        assert_eq!(total("18446744073709551615").unwrap(), Some(u64::MAX));
        for bad in ["18446744073709551616", "49.99", "1e3"] {
            assert_eq!(total(bad).unwrap_err().kind(), ErrorKind::Decode, "{bad}");
        }
    }
}
