//! [`Extra`]: the fields a model does not know, kept as compact JSON text.
//!
//! A model keeps every field it does not know, so a newer server loses nothing through an
//! older SDK. Keeping them as a `Map<String, Value>` cost a key, a map node and a value (or
//! more) allocation per unknown field on every parse, which made parsing half again as slow
//! as a plain struct for realistic bodies. Here, while the model is parsed, every unknown
//! field is written once into a single buffer, as JSON; it is read back only when asked for.

use std::fmt::{self, Write as _};

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

/// Fields a model does not know, kept as one compact JSON object, parsed only when read.
///
/// ```
/// use easy_checkout_core::SessionStatus;
/// use serde_json::json;
///
/// let status: SessionStatus =
///     serde_json::from_str(r#"{"id":"ecs_1","amount_total":4999,"currency":"USD"}"#)?;
/// assert_eq!(status.extra.get("amount_total"), Some(json!(4999)));
/// assert_eq!(status.extra.get("nope"), None);
/// assert_eq!(status.extra.len(), 2);
/// assert_eq!(status.extra.as_json(), r#"{"amount_total":4999,"currency":"USD"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// What is kept is what a `serde_json::Map` of the same object would hold, field for field,
/// in the order the fields arrived, re-encoded compactly: `1E2` reads back as `100.0` (as
/// `1e+2` with serde_json's `arbitrary_precision` on) and `"\u00e9"` as `"é"`, as they
/// would from a `Value`. A name sent twice is in
/// [`as_json`](Self::as_json) twice; [`get`](Self::get), [`len`](Self::len),
/// [`to_map`](Self::to_map), equality and `Debug` take its last value, as a `Map` does.
///
/// `Debug` prints the fields with any secret among them redacted, like the models do.
/// Equality compares the fields as JSON values, in any order.
#[derive(Clone, Default)]
pub struct Extra {
    /// Empty, or a compact JSON object written by `ExtraBuilder`, at most 127 levels deep
    /// (what serde_json reads back).
    json: String,
}

impl Extra {
    /// No fields.
    pub const fn new() -> Self {
        Self {
            json: String::new(),
        }
    }

    /// Whether there are no unknown fields.
    pub fn is_empty(&self) -> bool {
        self.json.is_empty()
    }

    /// How many distinct unknown fields there are (this parses the kept JSON).
    pub fn len(&self) -> usize {
        self.to_map().len()
    }

    /// The field's value, or `None` if there is no such field (this parses the kept JSON).
    pub fn get(&self, name: &str) -> Option<Value> {
        if self.is_empty() {
            return None;
        }
        let mut de = serde_json::Deserializer::from_str(&self.json);
        // The text was written from parsed input, no deeper than serde_json reads, so it
        // parses back (tests/extra.rs and the parse_responses fuzz target hold it to that).
        Find(name).deserialize(&mut de).ok().flatten()
    }

    /// The fields as a map (this parses the kept JSON).
    pub fn to_map(&self) -> Map<String, Value> {
        if self.is_empty() {
            return Map::new();
        }
        // As in `get`: the text always parses back.
        serde_json::from_str(&self.json).unwrap_or_default()
    }

    /// The fields as one compact JSON object (`{}` when there are none), for forwarding
    /// or storing without parsing them. Mind that an unknown field may hold a secret.
    pub fn as_json(&self) -> &str {
        if self.is_empty() { "{}" } else { &self.json }
    }
}

/// Reads back the last value of one field, skipping the others.
struct Find<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for Find<'_> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Find<'_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Value>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if key.as_str() == self.0 {
                found = Some(map.next_value()?);
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json || self.to_map() == other.to_map()
    }
}

impl Eq for Extra {}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Extra {:?}", crate::secrets::redact::RedactedJson(self))
    }
}

/// Keeps the fields of a map. Fails only where deserializing would: a value nested deeper
/// than serde_json reads back.
impl TryFrom<Map<String, Value>> for Extra {
    type Error = serde_json::Error;

    fn try_from(map: Map<String, Value>) -> Result<Self, serde_json::Error> {
        Self::deserialize(Value::Object(map))
    }
}

impl From<Extra> for Map<String, Value> {
    fn from(extra: Extra) -> Self {
        extra.to_map()
    }
}

/// Serializes as a map of the fields, so `#[serde(flatten)]` puts them back beside the
/// known ones.
impl Serialize for Extra {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_map().serialize(s)
    }
}

/// Deserializes from any map (any `serde` format, a `serde_json::Value`, or the rest of a
/// `#[serde(flatten)]` struct).
impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Extra;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Extra, A::Error> {
                let mut extra = ExtraBuilder::new();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    extra.next_value(key.as_str(), &mut map)?;
                }
                Ok(extra.finish())
            }
        }
        d.deserialize_map(V)
    }
}

/// Collects the unknown fields of one object while it is being deserialized.
pub(crate) struct ExtraBuilder {
    json: String,
}

/// Room for the unknown fields of a typical reply in one allocation.
const TYPICAL: usize = 128;

impl ExtraBuilder {
    pub(crate) const fn new() -> Self {
        Self {
            json: String::new(),
        }
    }

    /// Reads the value of the field `name` (whose key `map` has just returned) and keeps it.
    pub(crate) fn next_value<'de, A: MapAccess<'de>>(
        &mut self,
        name: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        if self.json.is_empty() {
            self.json.reserve(TYPICAL);
            self.json.push('{');
        } else {
            self.json.push(',');
        }
        push_str(&mut self.json, name);
        self.json.push(':');
        map.next_value_seed(Append::new(&mut self.json))
    }

    pub(crate) fn finish(mut self) -> Extra {
        if !self.json.is_empty() {
            self.json.push('}');
        }
        Extra { json: self.json }
    }
}

/// Writes `s` as a JSON string. JSON requires escaping only `"`, `\` and the control
/// characters; the common case, none of them, is one copy.
fn push_str(json: &mut String, s: &str) {
    json.push('"');
    let plain = !needs_escape(s.as_bytes());
    if plain {
        json.push_str(s);
    } else {
        for c in s.chars() {
            match c {
                '"' => json.push_str("\\\""),
                '\\' => json.push_str("\\\\"),
                '\n' => json.push_str("\\n"),
                '\r' => json.push_str("\\r"),
                '\t' => json.push_str("\\t"),
                '\u{8}' => json.push_str("\\b"),
                '\u{c}' => json.push_str("\\f"),
                c if u32::from(c) < 0x20 => {
                    let _ = write!(json, "\\u{:04x}", u32::from(c));
                }
                c => json.push(c),
            }
        }
    }
    json.push('"');
}

/// Whether a string holds a byte JSON requires escaped (`"`, `\\`, below 0x20). No early
/// exit, so that the loop compiles to vector compares; eight-byte-word and sixteen-byte-block
/// variants measured no better on the short ids and timestamps replies carry.
fn needs_escape(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |bad, &b| {
        bad | (b < 0x20) | (b == b'"') | (b == b'\\')
    })
}

/// Writes an integer (itoa's formatting, as serde_json's).
fn push_int(json: &mut String, n: impl itoa::Integer) {
    json.push_str(itoa::Buffer::new().format(n));
}

/// `Visitor` methods that write an integer.
macro_rules! visit_integers {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method<E: de::Error>(self, n: $ty) -> Result<(), E> {
            push_int(self.json, n);
            Ok(())
        }
    )*};
}

/// How deep arrays and objects may nest inside one unknown field. serde_json reads back 127
/// levels and the kept object itself is one, so that whatever is kept can be read again. A reply from the network can't get near it (serde_json's limit counts
/// the whole body); a deeper `serde_json::Value` handed to `Deserialize` is refused.
const MAX_DEPTH: u8 = 126;

/// The key serde_json uses to hand over a number's text when its `arbitrary_precision`
/// feature is on (anywhere in the build: Cargo unifies features).
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Re-writes whatever value the deserializer holds as compact JSON into the buffer, the
/// values the same as a `serde_json::Value` would hold, without building one.
struct Append<'a> {
    json: &'a mut String,
    /// How many more levels of arrays and objects may open.
    depth: u8,
}

impl<'a> Append<'a> {
    fn new(json: &'a mut String) -> Self {
        Self {
            json,
            depth: MAX_DEPTH,
        }
    }

    /// The depth left inside a new array or object, or an error past [`MAX_DEPTH`].
    fn open<E: de::Error>(&self) -> Result<u8, E> {
        self.depth
            .checked_sub(1)
            .ok_or_else(|| E::custom("an unknown field nests too deep"))
    }

    fn push_number(&mut self, n: &Number) {
        // Writing to a `String` cannot fail.
        let _ = write!(self.json, "{n}");
    }
}

impl<'de> DeserializeSeed<'de> for Append<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Append<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        self.json.push_str(if b { "true" } else { "false" });
        Ok(())
    }

    visit_integers!(visit_i64: i64, visit_u64: u64);

    /// As `serde_json::Value` does: kept if it fits a JSON number here, else an error.
    fn visit_i128<E: de::Error>(mut self, n: i128) -> Result<(), E> {
        let n = Number::deserialize(de::value::I128Deserializer::<E>::new(n))?;
        self.push_number(&n);
        Ok(())
    }

    /// As `visit_i128`.
    fn visit_u128<E: de::Error>(mut self, n: u128) -> Result<(), E> {
        let n = Number::deserialize(de::value::U128Deserializer::<E>::new(n))?;
        self.push_number(&n);
        Ok(())
    }

    /// As `serde_json::Value` does: a non-finite float (which JSON cannot hold) is `null`.
    fn visit_f64<E: de::Error>(mut self, n: f64) -> Result<(), E> {
        match Number::from_f64(n) {
            Some(n) => self.push_number(&n),
            None => self.json.push_str("null"),
        }
        Ok(())
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        push_str(self.json, s);
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.json.push_str("null");
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let depth = self.open()?;
        self.json.push('[');
        let mut first = true;
        loop {
            let mark = self.json.len();
            if !first {
                self.json.push(',');
            }
            let element = Append {
                json: &mut *self.json,
                depth,
            };
            if seq.next_element_seed(element)?.is_none() {
                self.json.truncate(mark);
                break;
            }
            first = false;
        }
        self.json.push(']');
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut first = true;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if first && key.as_str() == NUMBER_TOKEN && arbitrary_precision() {
                // A number, as its text: the value a `Value` would hold.
                let text = map.next_value::<Key<'de>>()?;
                let n = serde_json::from_str::<Number>(text.as_str()).map_err(de::Error::custom)?;
                self.push_number(&n);
                return Ok(());
            }
            let depth = self.open()?;
            self.json.push(if first { '{' } else { ',' });
            first = false;
            push_str(self.json, key.as_str());
            self.json.push(':');
            let value = Append {
                json: &mut *self.json,
                depth,
            };
            map.next_value_seed(value)?;
        }
        if first {
            self.open::<A::Error>()?;
            self.json.push_str("{}");
        } else {
            self.json.push('}');
        }
        Ok(())
    }
}

/// Whether serde_json's `arbitrary_precision` feature is on in this build: only then does
/// it read a number too large for an `f64`. Asked once.
fn arbitrary_precision() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| serde_json::from_str::<Number>("1e400").is_ok())
}

/// An object key, borrowed from the input when it has no escapes.
pub(crate) struct Key<'de>(std::borrow::Cow<'de, str>);

impl Key<'_> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}
