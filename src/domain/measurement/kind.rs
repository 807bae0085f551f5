//! The measurements themselves: stable codes, the quantity each one is, and the order a
//! fitter takes them in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Lang, text};

/// A body measurement as defined in ISO 8559-1.
///
/// The variants are declared in [`Measurement::ALL`] order, so the derived `Ord` (and with it
/// every map keyed by measurement) follows the fitter's measuring order. The serde form is the
/// stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measurement {
    Stature,
    BodyMass,
    HeadGirth,
    NeckGirth,
    ShoulderWidth,
    ChestGirth,
    WaistGirth,
    HipGirth,
    ThighGirth,
    ArmLength,
    HandGirth,
    InsideLeg,
    FootLength,
}

/// What a measurement measures, which decides its canonical unit and the units it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantity {
    /// Canonically whole millimetres.
    Length,
    /// Canonically whole grams.
    Mass,
}

/// A code that names no measurement (from a form field name, a URL or a stored row).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown measurement code {0:?}")]
pub struct UnknownMeasurement(pub String);

impl Measurement {
    /// Every measurement, in the order a fitter takes them: stadiometer and scale first while
    /// the customer is barefoot, then the tape from the head down (girths, then the arm with
    /// the elbow bent and the hand), then inside leg with feet apart, and the foot last on the
    /// foot board.
    pub const ALL: [Measurement; 13] = [
        Measurement::Stature,
        Measurement::BodyMass,
        Measurement::HeadGirth,
        Measurement::NeckGirth,
        Measurement::ShoulderWidth,
        Measurement::ChestGirth,
        Measurement::WaistGirth,
        Measurement::HipGirth,
        Measurement::ThighGirth,
        Measurement::ArmLength,
        Measurement::HandGirth,
        Measurement::InsideLeg,
        Measurement::FootLength,
    ];

    /// The stable `snake_case` code used in forms, storage, catalogs and the API.
    pub fn code(self) -> &'static str {
        match self {
            Measurement::Stature => "stature",
            Measurement::BodyMass => "body_mass",
            Measurement::HeadGirth => "head_girth",
            Measurement::NeckGirth => "neck_girth",
            Measurement::ShoulderWidth => "shoulder_width",
            Measurement::ChestGirth => "chest_girth",
            Measurement::WaistGirth => "waist_girth",
            Measurement::HipGirth => "hip_girth",
            Measurement::ThighGirth => "thigh_girth",
            Measurement::ArmLength => "arm_length",
            Measurement::HandGirth => "hand_girth",
            Measurement::InsideLeg => "inside_leg",
            Measurement::FootLength => "foot_length",
        }
    }

    pub fn from_code(code: &str) -> Option<Measurement> {
        Measurement::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn quantity(self) -> Quantity {
        match self {
            Measurement::BodyMass => Quantity::Mass,
            _ => Quantity::Length,
        }
    }

    /// The display name, e.g. "Inside leg" / "内腿长".
    pub fn name(self, lang: Lang) -> &'static str {
        text::name(self, lang)
    }

    /// How to take the measurement, in the words of ISO 8559-1 (paraphrased: the standard's
    /// text is not public).
    pub fn definition(self, lang: Lang) -> &'static str {
        text::definition(self, lang)
    }
}

impl fmt::Display for Measurement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Measurement {
    type Err = UnknownMeasurement;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Measurement::from_code(code).ok_or_else(|| UnknownMeasurement(code.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_codes_are_the_stable_codes() {
        let expected = [
            (Measurement::Stature, "stature"),
            (Measurement::ChestGirth, "chest_girth"),
            (Measurement::WaistGirth, "waist_girth"),
            (Measurement::HipGirth, "hip_girth"),
            (Measurement::InsideLeg, "inside_leg"),
            (Measurement::ArmLength, "arm_length"),
            (Measurement::ShoulderWidth, "shoulder_width"),
            (Measurement::NeckGirth, "neck_girth"),
            (Measurement::ThighGirth, "thigh_girth"),
            (Measurement::BodyMass, "body_mass"),
            (Measurement::FootLength, "foot_length"),
            (Measurement::HeadGirth, "head_girth"),
            (Measurement::HandGirth, "hand_girth"),
        ];
        for (m, code) in expected {
            assert_eq!(m.code(), code);
            assert_eq!(Measurement::from_code(code), Some(m));
            assert_eq!(code.parse::<Measurement>(), Ok(m));
            assert_eq!(m.to_string(), code);
        }
    }

    #[test]
    fn every_measurement_is_listed_once_in_measuring_order() {
        let mut sorted = Measurement::ALL;
        sorted.sort();
        assert_eq!(sorted, Measurement::ALL, "ALL order and Ord must agree");
        assert!(Measurement::ALL.windows(2).all(|w| w[0] != w[1]));
        assert_eq!(Measurement::ALL[0], Measurement::Stature);
        assert_eq!(Measurement::ALL[12], Measurement::FootLength);
    }

    #[test]
    fn serde_uses_the_stable_code() {
        for m in Measurement::ALL {
            let value = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(m.code());
            assert_eq!(Measurement::deserialize(value), Ok(m));
        }
    }

    #[test]
    fn an_unknown_code_is_an_error_naming_it() {
        let err = "inseam".parse::<Measurement>().unwrap_err();
        assert_eq!(err.to_string(), "unknown measurement code \"inseam\"");
        assert_eq!(Measurement::from_code("Stature"), None);
    }

    #[test]
    fn only_body_mass_is_a_mass() {
        for m in Measurement::ALL {
            let expected = if m == Measurement::BodyMass {
                Quantity::Mass
            } else {
                Quantity::Length
            };
            assert_eq!(m.quantity(), expected, "{m}");
        }
    }

    #[test]
    fn every_measurement_has_names_and_definitions_in_both_languages() {
        for m in Measurement::ALL {
            for lang in [Lang::En, Lang::ZhCn] {
                assert!(!m.name(lang).is_empty(), "{m} {lang:?}");
                assert!(m.definition(lang).chars().count() > 20, "{m} {lang:?}");
            }
            assert!(
                m.name(Lang::ZhCn).chars().all(|c| !c.is_ascii_alphabetic()),
                "{m}"
            );
        }
        assert_eq!(Measurement::InsideLeg.name(Lang::En), "Inside leg");
        assert_eq!(Measurement::InsideLeg.name(Lang::ZhCn), "内腿长");
    }
}
