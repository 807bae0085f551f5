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

#[cfg(test)]
mod tests {
    use super::Int;

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
