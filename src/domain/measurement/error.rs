//! Field errors: why a typed or stored value was refused, for people and for Fluent.

use super::unit::Bound;
use super::{Lang, Measurement, Unit, ValueRange};

/// A refused value, naming the measurement and the reason.
///
/// `message(lang)` gives a ready sentence; `key()` and `args()` give the same content to a
/// Fluent bundle (`measurement-error-out-of-range = { $field } must be between ...`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub struct FieldError {
    pub measurement: Measurement,
    pub kind: FieldErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldErrorKind {
    /// Nothing but whitespace was typed.
    Empty,
    /// The text is not a number (letters, two decimal separators, an exponent, ...); `unit`
    /// is the form's, for an example in it (a stature in inches is not "81.5").
    NotANumber {
        unit: Option<Unit>,
    },
    /// A unit we do not know at all, as typed (at most 16 characters of it).
    UnknownUnit {
        unit: String,
    },
    /// A known unit of the wrong kind: "kg" for stature, "ft" for anything but stature.
    UnitNotAccepted {
        unit: &'static str,
    },
    Negative,
    /// More decimals than [`Unit::max_input_decimals`] allows.
    TooManyDecimals {
        unit: Unit,
        max: u32,
    },
    /// Outside the hard range; `unit` is the one the person typed in, so the range is stated
    /// in their terms.
    OutOfRange {
        unit: Unit,
        range: ValueRange,
    },
    /// Outside the range in centimetres but inside it read as inches (a stature of "69"):
    /// the range, and the value in canonical units as inches would give it.
    LooksLikeInches {
        range: ValueRange,
        as_inches: u32,
    },
    /// As [`FieldErrorKind::LooksLikeInches`], read as metres (a stature of "1,75").
    LooksLikeMetres {
        range: ValueRange,
        as_metres: u32,
    },
    /// As [`FieldErrorKind::LooksLikeInches`], read as millimetres (a foot length of "260").
    LooksLikeMillimetres {
        range: ValueRange,
        as_millimetres: u32,
    },
    /// A letter O or l typed for a digit ("17O"): what it reads as with the digit.
    LetterForDigit {
        meant: String,
    },
    /// Feet and 12 inches or more ("5'13\""): what it comes to ("6'1\"").
    InchesPastAFoot {
        meant: String,
    },
    /// Not less than `other`, which no body allows (an inside leg as long as the stature, a
    /// thigh girth above the hip girth): most likely the two were typed the other way round.
    NotLessThan {
        other: Measurement,
    },
    /// `percent` of `other`, outside `[low, high]` percent, where no body lies (an inside
    /// leg of 93 % of the stature): one of the two is mistyped or in the wrong field.
    ImpossibleRatio {
        other: Measurement,
        percent: u32,
        low: u32,
        high: u32,
    },
}

impl FieldError {
    pub(super) fn new(measurement: Measurement, kind: FieldErrorKind) -> FieldError {
        FieldError { measurement, kind }
    }

    /// A stable `snake_case` code for the reason, e.g. `out_of_range`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            FieldErrorKind::Empty => "empty",
            FieldErrorKind::NotANumber { .. } => "not_a_number",
            FieldErrorKind::UnknownUnit { .. } => "unknown_unit",
            FieldErrorKind::UnitNotAccepted { .. } => "unit_not_accepted",
            FieldErrorKind::Negative => "negative",
            FieldErrorKind::TooManyDecimals { .. } => "too_many_decimals",
            FieldErrorKind::OutOfRange { .. } => "out_of_range",
            FieldErrorKind::LooksLikeInches { .. } => "looks_like_inches",
            FieldErrorKind::LooksLikeMetres { .. } => "looks_like_metres",
            FieldErrorKind::LooksLikeMillimetres { .. } => "looks_like_millimetres",
            FieldErrorKind::LetterForDigit { .. } => "letter_for_digit",
            FieldErrorKind::InchesPastAFoot { .. } => "inches_past_a_foot",
            FieldErrorKind::NotLessThan { .. } => "not_less_than",
            FieldErrorKind::ImpossibleRatio { .. } => "impossible_ratio",
        }
    }

    /// The Fluent message id, e.g. `measurement-error-out-of-range`.
    pub fn key(&self) -> String {
        format!("measurement-error-{}", self.code().replace('_', "-"))
    }

    /// Fluent arguments: always `field` (the measurement code); then, by reason, `unit`,
    /// `accepted` (comma-separated symbols), `max` (decimals), `min`/`max` (the range in
    /// `unit`, as a person would type it), or `unit` and `example` (a number as typed with
    /// each decimal separator, "82.5 / 82,5", for a translation to join in its words).
    pub fn args(&self) -> Vec<(&'static str, String)> {
        let mut args = vec![("field", self.measurement.code().to_owned())];
        match &self.kind {
            FieldErrorKind::Empty | FieldErrorKind::Negative | FieldErrorKind::NotANumber { unit: None } => {}
            FieldErrorKind::NotANumber { unit: Some(unit) } => {
                args.push(("unit", unit.symbol().to_owned()));
                args.push(("example", self.example(*unit, " / ")));
            }
            FieldErrorKind::UnknownUnit { unit } => {
                args.push(("unit", unit.clone()));
                args.push(("accepted", self.accepted(", ")));
            }
            FieldErrorKind::UnitNotAccepted { unit } => {
                args.push(("unit", (*unit).to_owned()));
                args.push(("accepted", self.accepted(", ")));
            }
            FieldErrorKind::TooManyDecimals { unit, max } => {
                args.push(("unit", unit.symbol().to_owned()));
                args.push(("max", max.to_string()));
            }
            FieldErrorKind::OutOfRange { unit, range } => {
                let (min, max) = range_text(*unit, *range);
                args.extend([
                    ("min", min),
                    ("max", max),
                    ("unit", unit.symbol().to_owned()),
                ]);
            }
            FieldErrorKind::LooksLikeInches { range, as_inches: read }
            | FieldErrorKind::LooksLikeMetres { range, as_metres: read }
            | FieldErrorKind::LooksLikeMillimetres { range, as_millimetres: read } => {
                let (min, max) = range_text(Unit::Centimetre, *range);
                args.extend([("min", min), ("max", max), ("unit", "cm".to_owned()), ("as_cm", Unit::Centimetre.format(*read))]);
            }
            FieldErrorKind::LetterForDigit { meant } | FieldErrorKind::InchesPastAFoot { meant } => args.push(("meant", meant.clone())),
            FieldErrorKind::NotLessThan { other } => args.push(("other", other.code().to_owned())),
            FieldErrorKind::ImpossibleRatio { other, percent, low, high } => {
                args.extend([("other", other.code().to_owned()), ("percent", percent.to_string()), ("low", low.to_string()), ("high", high.to_string())]);
            }
        }
        args
    }

    /// A number such as this measurement is in `unit`: the middle of the range seen in the
    /// survey (a stature of 170.5 cm, 66.5 in), with a half typed with each decimal separator,
    /// `or` between them (every unit takes a decimal).
    fn example(&self, unit: Unit, or: &str) -> String {
        let range = self.measurement.survey_range();
        let middle = unit.from_canonical(range.min / 2 + range.max / 2).trunc();
        format!("{middle}.5{or}{middle},5")
    }

    /// The message in English or Simplified Chinese.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.english(),
            Lang::ZhCn => self.chinese(),
        }
    }

    fn english(&self) -> String {
        let name = self.measurement.name(Lang::En);
        match &self.kind {
            FieldErrorKind::Empty => format!("{name}: enter a value."),
            FieldErrorKind::NotANumber { unit: None } => format!("{name}: enter a number, such as 81.5 or 81,5."),
            FieldErrorKind::NotANumber { unit: Some(unit) } => {
                format!("{name}: enter a number, such as {} ({}).", self.example(*unit, " or "), unit.symbol())
            }
            FieldErrorKind::UnknownUnit { unit } => format!(
                "{name}: “{unit}” is not a unit we know; use {}.",
                self.accepted_en()
            ),
            FieldErrorKind::UnitNotAccepted { unit } => {
                format!(
                    "{name} cannot be given in {unit}; use {}.",
                    self.accepted_en()
                )
            }
            FieldErrorKind::Negative => format!("{name} cannot be negative."),
            FieldErrorKind::TooManyDecimals { unit, max } => {
                let decimals = if *max == 1 { "decimal" } else { "decimals" };
                format!("{name}: use at most {max} {decimals} in {}.", unit.symbol())
            }
            FieldErrorKind::OutOfRange { unit, range } => {
                let (min, max) = range_text(*unit, *range);
                format!("{name} must be between {min} and {max} {}.", unit.symbol())
            }
            FieldErrorKind::LooksLikeInches { range, as_inches } => {
                let (min, max) = range_text(Unit::Centimetre, *range);
                let cm = Unit::Centimetre.format(*as_inches);
                format!("{name} must be between {min} and {max} cm. Measured in inches? Type it with “in” (that is {cm} cm).")
            }
            FieldErrorKind::LooksLikeMetres { range, as_metres } => {
                let (min, max) = range_text(Unit::Centimetre, *range);
                let cm = Unit::Centimetre.format(*as_metres);
                format!("{name} must be between {min} and {max} cm. Measured in metres? Type it with “m” (that is {cm} cm).")
            }
            FieldErrorKind::LooksLikeMillimetres { range, as_millimetres } => {
                let (min, max) = range_text(Unit::Centimetre, *range);
                let cm = Unit::Centimetre.format(*as_millimetres);
                format!("{name} must be between {min} and {max} cm. Measured in millimetres? Type it with “mm” (that is {cm} cm).")
            }
            FieldErrorKind::LetterForDigit { meant } => format!("{name}: a letter is typed where a digit belongs; did you mean {meant}?"),
            FieldErrorKind::InchesPastAFoot { meant } => format!("{name}: there are 12 inches to a foot, so this is {meant}; type that if it is what you measured."),
            FieldErrorKind::NotLessThan { other } => {
                format!("{name} must be less than {}: are the two the other way round?", other.name(Lang::En).to_lowercase())
            }
            FieldErrorKind::ImpossibleRatio { other, percent, low, high } => {
                let other = other.name(Lang::En).to_lowercase();
                format!("{name} is {percent}% of the {other}; on every body it is between {low}% and {high}%. Check both, and that neither went into another field.")
            }
        }
    }

    fn chinese(&self) -> String {
        let name = self.measurement.name(Lang::ZhCn);
        match &self.kind {
            FieldErrorKind::Empty => format!("请填写{name}。"),
            FieldErrorKind::NotANumber { unit: None } => format!("{name}必须是数字，例如 81.5 或 81,5。"),
            FieldErrorKind::NotANumber { unit: Some(unit) } => {
                format!("{name}必须是数字，例如 {}（{}）。", self.example(*unit, " 或 "), unit.symbol())
            }
            FieldErrorKind::UnknownUnit { unit } => format!(
                "{name}：无法识别单位“{unit}”，请使用 {}。",
                self.accepted("、")
            ),
            FieldErrorKind::UnitNotAccepted { unit } => {
                format!(
                    "{name}不能以 {unit} 为单位，请使用 {}。",
                    self.accepted("、")
                )
            }
            FieldErrorKind::Negative => format!("{name}不能为负数。"),
            FieldErrorKind::TooManyDecimals { unit, max } => {
                format!(
                    "{name}：以 {} 为单位时最多保留 {max} 位小数。",
                    unit.symbol()
                )
            }
            FieldErrorKind::OutOfRange { unit, range } => {
                let (min, max) = range_text(*unit, *range);
                format!("{name}必须在 {min} 至 {max} {} 之间。", unit.symbol())
            }
            FieldErrorKind::LooksLikeInches { range, as_inches } => {
                let (min, max) = range_text(Unit::Centimetre, *range);
                let cm = Unit::Centimetre.format(*as_inches);
                format!("{name}必须在 {min} 至 {max} cm 之间。如果是以英寸测量的，请加上“in”输入（即 {cm} cm）。")
            }
            FieldErrorKind::LooksLikeMetres { range, as_metres } => {
                let (min, max) = range_text(Unit::Centimetre, *range);
                let cm = Unit::Centimetre.format(*as_metres);
                format!("{name}必须在 {min} 至 {max} cm 之间。如果是以米测量的，请加上“m”输入（即 {cm} cm）。")
            }
            FieldErrorKind::LooksLikeMillimetres { range, as_millimetres } => {
                let (min, max) = range_text(Unit::Centimetre, *range);
                let cm = Unit::Centimetre.format(*as_millimetres);
                format!("{name}必须在 {min} 至 {max} cm 之间。如果是以毫米测量的，请加上“mm”输入（即 {cm} cm）。")
            }
            FieldErrorKind::LetterForDigit { meant } => format!("{name}：数字中混入了字母，您是想输入 {meant} 吗？"),
            FieldErrorKind::InchesPastAFoot { meant } => format!("{name}：1 英尺为 12 英寸，这相当于 {meant}；如确为所量数值，请按此输入。"),
            FieldErrorKind::NotLessThan { other } => {
                format!("{name}必须小于{}：两者是否填反了？", other.name(Lang::ZhCn))
            }
            FieldErrorKind::ImpossibleRatio { other, percent, low, high } => {
                format!("{name}为{}的 {percent}%，而任何人的这一比例都在 {low}% 至 {high}% 之间。请核对两项，以及是否填错了栏位。", other.name(Lang::ZhCn))
            }
        }
    }

    fn accepted(&self, separator: &str) -> String {
        let symbols: Vec<&str> = self
            .measurement
            .accepted_units()
            .iter()
            .map(|u| u.symbol())
            .collect();
        symbols.join(separator)
    }

    /// "cm, mm or in" / "kg or lb".
    fn accepted_en(&self) -> String {
        let symbols: Vec<&str> = self
            .measurement
            .accepted_units()
            .iter()
            .map(|u| u.symbol())
            .collect();
        match symbols.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => symbols.join(""),
        }
    }
}

fn range_text(unit: Unit, range: ValueRange) -> (String, String) {
    (
        unit.format_bound(range.min, Bound::Lower),
        unit.format_bound(range.max, Bound::Upper),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(measurement: Measurement, kind: FieldErrorKind) -> FieldError {
        FieldError::new(measurement, kind)
    }

    fn out_of_range(m: Measurement, unit: Unit) -> FieldError {
        error(
            m,
            FieldErrorKind::OutOfRange {
                unit,
                range: m.hard_range(),
            },
        )
    }

    #[test]
    fn an_empty_field_asks_for_a_value() {
        let e = error(Measurement::Stature, FieldErrorKind::Empty);
        assert_eq!(e.message(Lang::En), "Stature: enter a value.");
        assert_eq!(e.message(Lang::ZhCn), "请填写身高。");
        assert_eq!(e.to_string(), "Stature: enter a value.");
        assert_eq!(e.key(), "measurement-error-empty");
        assert_eq!(e.args(), vec![("field", "stature".to_owned())]);
    }

    #[test]
    fn a_non_number_shows_how_numbers_look() {
        let e = error(Measurement::WaistGirth, FieldErrorKind::NotANumber { unit: None });
        assert_eq!(
            e.message(Lang::En),
            "Waist girth: enter a number, such as 81.5 or 81,5."
        );
        assert_eq!(e.message(Lang::ZhCn), "腰围必须是数字，例如 81.5 或 81,5。");
        assert_eq!(e.code(), "not_a_number");
        // In the form's unit, a number such as a body has in it: a stature in inches is not 81.5.
        let said = |m: Measurement, unit: Unit, lang: Lang| error(m, FieldErrorKind::NotANumber { unit: Some(unit) }).message(lang);
        assert_eq!(said(Measurement::Stature, Unit::Inch, Lang::En), "Stature: enter a number, such as 66.5 or 66,5 (in).");
        assert_eq!(said(Measurement::Stature, Unit::Centimetre, Lang::En), "Stature: enter a number, such as 170.5 or 170,5 (cm).");
        assert_eq!(said(Measurement::BodyMass, Unit::Pound, Lang::En), "Body mass: enter a number, such as 198.5 or 198,5 (lb).");
        assert_eq!(said(Measurement::FootLength, Unit::Millimetre, Lang::En), "Foot length: enter a number, such as 260.5 or 260,5 (mm).");
        assert_eq!(said(Measurement::WaistGirth, Unit::Centimetre, Lang::ZhCn), "腰围必须是数字，例如 99.5 或 99,5（cm）。");
        let e = error(Measurement::InsideLeg, FieldErrorKind::NotANumber { unit: Some(Unit::Inch) });
        assert_eq!(e.args(), vec![("field", "inside_leg".to_owned()), ("unit", "in".to_owned()), ("example", "32.5 / 32,5".to_owned())]);
    }

    #[test]
    fn an_unknown_unit_is_quoted_with_the_accepted_ones() {
        let e = error(
            Measurement::HipGirth,
            FieldErrorKind::UnknownUnit { unit: "yd".into() },
        );
        assert_eq!(
            e.message(Lang::En),
            "Hip girth: “yd” is not a unit we know; use cm, mm or in."
        );
        assert_eq!(
            e.message(Lang::ZhCn),
            "臀围：无法识别单位“yd”，请使用 cm、mm、in。"
        );
        assert_eq!(e.key(), "measurement-error-unknown-unit");
        assert_eq!(
            e.args(),
            vec![
                ("field", "hip_girth".to_owned()),
                ("unit", "yd".to_owned()),
                ("accepted", "cm, mm, in".to_owned())
            ]
        );
    }

    #[test]
    fn a_unit_of_the_wrong_kind_names_the_right_ones() {
        let e = error(
            Measurement::Stature,
            FieldErrorKind::UnitNotAccepted { unit: "kg" },
        );
        assert_eq!(
            e.message(Lang::En),
            "Stature cannot be given in kg; use cm, mm or in."
        );
        assert_eq!(
            e.message(Lang::ZhCn),
            "身高不能以 kg 为单位，请使用 cm、mm、in。"
        );
        let e = error(
            Measurement::BodyMass,
            FieldErrorKind::UnitNotAccepted { unit: "cm" },
        );
        assert_eq!(
            e.message(Lang::En),
            "Body mass cannot be given in cm; use kg or lb."
        );
        assert_eq!(e.args()[2], ("accepted", "kg, lb".to_owned()));
    }

    #[test]
    fn a_negative_value_is_refused_by_name() {
        let e = error(Measurement::NeckGirth, FieldErrorKind::Negative);
        assert_eq!(e.message(Lang::En), "Neck girth cannot be negative.");
        assert_eq!(e.message(Lang::ZhCn), "颈围不能为负数。");
        assert_eq!(e.key(), "measurement-error-negative");
    }

    #[test]
    fn too_many_decimals_states_the_limit_for_the_unit() {
        let e = error(
            Measurement::ChestGirth,
            FieldErrorKind::TooManyDecimals {
                unit: Unit::Centimetre,
                max: 2,
            },
        );
        assert_eq!(
            e.message(Lang::En),
            "Chest / bust girth: use at most 2 decimals in cm."
        );
        assert_eq!(
            e.message(Lang::ZhCn),
            "胸围：以 cm 为单位时最多保留 2 位小数。"
        );
        let e = error(
            Measurement::ChestGirth,
            FieldErrorKind::TooManyDecimals {
                unit: Unit::Millimetre,
                max: 1,
            },
        );
        assert_eq!(
            e.message(Lang::En),
            "Chest / bust girth: use at most 1 decimal in mm."
        );
        assert_eq!(
            e.args()[1..],
            [("unit", "mm".to_owned()), ("max", "1".to_owned())]
        );
    }

    #[test]
    fn out_of_range_states_the_range_in_the_unit_typed() {
        let e = out_of_range(Measurement::Stature, Unit::Centimetre);
        assert_eq!(
            e.message(Lang::En),
            "Stature must be between 80 and 280 cm."
        );
        assert_eq!(e.message(Lang::ZhCn), "身高必须在 80 至 280 cm 之间。");
        let e = out_of_range(Measurement::Stature, Unit::Inch);
        assert_eq!(
            e.message(Lang::En),
            "Stature must be between 31.5 and 110.23 in."
        );
        let e = out_of_range(Measurement::BodyMass, Unit::Pound);
        assert_eq!(
            e.message(Lang::En),
            "Body mass must be between 44.1 and 881.8 lb."
        );
        assert_eq!(e.key(), "measurement-error-out-of-range");
        assert_eq!(
            e.args(),
            vec![
                ("field", "body_mass".to_owned()),
                ("min", "44.1".to_owned()),
                ("max", "881.8".to_owned()),
                ("unit", "lb".to_owned())
            ]
        );
    }
}
