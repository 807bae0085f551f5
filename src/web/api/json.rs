//! JSON numbers as JSON Schema reads them: `49.0` is an integer. Clients written in languages
//! without an integer type (or generated from the OpenAPI document) send such numbers.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// An integer that also accepts a float with no fractional part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Int(pub i64);

impl<'de> serde::Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct IntVisitor;
        impl Visitor<'_> for IntVisitor {
            type Value = Int;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
                Ok(Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
                i64::try_from(v).map(Int).map_err(|_| E::custom("integer out of range"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Int, E> {
                // Within ±2^53 a float is an exact integer when its fraction is zero.
                if v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0 {
                    Ok(Int(v as i64))
                } else {
                    Err(E::custom("expected an integer"))
                }
            }
        }
        d.deserialize_any(IntVisitor)
    }
}

/// A request body that must be a JSON object. serde reads a JSON array into a struct too,
/// field by field in order (`[1, 30]` for `{"limit": 1, "lease_seconds": 30}`), which the API
/// document does not allow and a client sending one has surely not meant.
#[derive(Debug)]
pub struct Object<T>(pub T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(ObjectVisitor(std::marker::PhantomData)).map(Object)
    }
}

#[cfg(test)]
mod tests {
    use super::{Int, Object};

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Claim {
        limit: Int,
        #[serde(default)]
        note: Option<String>,
    }

    #[test]
    fn a_body_must_be_an_object_not_the_fields_in_a_row() {
        let claim = serde_json::from_str::<Object<Claim>>(r#"{"limit": 2.0, "note": "x"}"#).unwrap().0;
        assert_eq!(claim, Claim { limit: Int(2), note: Some("x".into()) });
        assert_eq!(serde_json::from_str::<Object<Claim>>(r#"{"limit": 1}"#).unwrap().0.note, None);
        let refused = serde_json::from_str::<Object<Claim>>("[2, \"x\"]").unwrap_err().to_string();
        assert!(refused.contains("expected a JSON object"), "{refused}");
        assert!(serde_json::from_str::<Object<Claim>>(r#"{"limit": 1, "other": 2}"#).is_err());
        assert!(serde_json::from_str::<Object<Claim>>(r#"{"note": "x"}"#).is_err());
        assert!(serde_json::from_str::<Object<Claim>>("3").is_err());
    }

    #[test]
    fn integral_floats_are_integers_and_others_are_refused() {
        assert_eq!(serde_json::from_str::<Int>("49").unwrap(), Int(49));
        assert_eq!(serde_json::from_str::<Int>("49.0").unwrap(), Int(49));
        assert_eq!(serde_json::from_str::<Int>("-3e2").unwrap(), Int(-300));
        assert!(serde_json::from_str::<Int>("49.5").is_err());
        assert!(serde_json::from_str::<Int>("1e300").is_err());
        assert!(serde_json::from_str::<Int>("18446744073709551615").is_err());
        assert!(serde_json::from_str::<Int>("\"4\"").is_err());
    }
}
