//! `string_enum!`: an enum of known wire strings that keeps any other value as `Other`, so a
//! status the API adds tomorrow is data, not a decode error.

macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this SDK does not know yet, kept as sent.
            Other(String),
        }

        impl $name {
            /// The value as on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Other(s) => s,
                }
            }

            /// Reads a wire value; unknown values become `Other`.
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $( $wire => Self::$variant, )*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<$name, E> {
                        Ok($name::from_wire(s))
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

/// `Deserialize` (and a redacting `Debug`) for a model that keeps unknown fields in
/// `extra`. Deserializes in one pass: known keys are matched without allocating and decoded
/// in place; unknown fields are written, as JSON, into the one buffer of `extra`.
/// (`#[serde(flatten)]` buffers the whole object first and cost half again the time of a
/// plain struct.) Duplicate known keys are an error; `required` fields must be
/// present and non-null, every other field is an `Option` that may be missing or `null`.
macro_rules! deserialize_keeping_extra {
    ($name:ident { required: [$($req:ident),*], optional: [$($opt:ident),*] }) => {
        /// Prints the model as its JSON, with every secret in it (the `client_secret`, and
        /// any inside `extra` or a raw `session`) redacted.
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{} {:?}", stringify!($name), $crate::secrets::redact::RedactedJson(self))
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $name;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " object"))
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        $( let mut $req = None; )*
                        $( let mut $opt = None; )*
                        let mut extra = $crate::extra::ExtraBuilder::new();
                        while let Some(key) = map.next_key::<$crate::extra::Key<'de>>()? {
                            match key.as_str() {
                                $( stringify!($req) => {
                                    if $req.is_some() {
                                        return Err(serde::de::Error::duplicate_field(stringify!($req)));
                                    }
                                    $req = Some(map.next_value()?);
                                } )*
                                $( stringify!($opt) => {
                                    if $opt.is_some() {
                                        return Err(serde::de::Error::duplicate_field(stringify!($opt)));
                                    }
                                    $opt = Some(map.next_value()?);
                                } )*
                                name => extra.next_value(name, &mut map)?,
                            }
                        }
                        Ok($name {
                            $( $req: $req.ok_or_else(|| serde::de::Error::missing_field(stringify!($req)))?, )*
                            $( $opt: $opt.flatten(), )*
                            extra: extra.finish(),
                        })
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}
