//! Reading what a fitter or customer typed: "81.5", "81,5", "32 in", "32\"", "815 mm",
//! "1.75 m", "180 lb", "5'10\"" (stature only), full-width digits and Chinese unit names
//! included.
//!
//! Parsing never panics and never guesses: a comma is always the decimal separator (there
//! are no thousands in body measurements), a number without a unit is in the session's
//! default unit, and anything else is a [`FieldError`] naming the reason.

use rust_decimal::Decimal;

use super::error::{FieldError, FieldErrorKind};
use super::{Measurement, Unit, UnitSystem};

/// More integer digits than this cannot be a body measurement in any unit; refusing them
/// early keeps the arithmetic far from `Decimal`'s limits.
const MAX_INTEGER_DIGITS: usize = 9;
/// How much of an unknown unit is echoed back in the message.
const MAX_ECHOED_UNIT_CHARS: usize = 16;

impl Measurement {
    /// Parses typed input to the canonical value (mm or g). A number typed without a unit is
    /// in `system`'s unit for this measurement (cm or kg, in or lb).
    ///
    /// # Errors
    /// A [`FieldError`] naming this measurement and why the input was refused.
    pub fn parse(self, input: &str, system: UnitSystem) -> Result<u32, FieldError> {
        self.parse_with_default(input, system.unit_for(self))
    }

    /// Like [`Measurement::parse`] with an explicit default unit, for a session that prefers
    /// mm. A default of the wrong kind is reported as `UnitNotAccepted`.
    ///
    /// # Errors
    /// As for [`Measurement::parse`].
    pub fn parse_with_default(self, input: &str, default: Unit) -> Result<u32, FieldError> {
        read(self, input, default).map_err(|kind| FieldError::new(self, kind))
    }

    /// The value typed, in mm or g, whatever its size (an impossible "1680" cm too): for the
    /// units switch to convert, where left as typed it would be read in the other units.
    pub fn read_any_size(self, input: &str, system: UnitSystem) -> Option<u32> {
        let text = with_fractions(&normalize(input));
        let (unit, terms) = resolve_unit(self, parse_reading(&text).ok()?, system.unit_for(self)).ok()?;
        unit.to_canonical(amount(unit, &terms).ok()??)
    }
}

/// A number as typed: sign, digits without leading zeros, decimals without trailing zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Number {
    negative: bool,
    integer: String,
    fraction: String,
}

/// What the text says before we know whether it suits the measurement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reading {
    Plain {
        number: Number,
        unit: Option<Unit>,
    },
    FeetInches {
        feet: Number,
        inches: Option<Number>,
    },
    /// A length in metres ("1.75 m"), read as centimetres.
    Metres(Number),
}

fn read(m: Measurement, input: &str, default: Unit) -> Result<u32, FieldErrorKind> {
    let text = with_fractions(&normalize(input));
    if text.is_empty() {
        return Err(FieldErrorKind::Empty);
    }
    read_normalized(m, &text, default).map_err(|e| match e {
        // "17O", "7o kg": the letter for the digit it looks like, when that reads.
        FieldErrorKind::UnknownUnit { .. } | FieldErrorKind::NotANumber { .. } if text.starts_with(|c: char| c.is_ascii_digit()) => {
            // In the number only: "18o lb" is 180 lb, not "180 1b".
            let end = text.find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | 'o' | 'l'))).unwrap_or(text.len());
            let (number, unit) = text.split_at(end);
            let meant: String = number.chars().map(|c| match c { 'o' => '0', 'l' => '1', c => c }).chain(unit.chars()).collect();
            match meant != text && read_normalized(m, &meant, default).is_ok() {
                true => FieldErrorKind::LetterForDigit { meant },
                false => e,
            }
        }
        e => e,
    })
    .map_err(|e| match e {
        FieldErrorKind::NotANumber { unit: None } => FieldErrorKind::NotANumber { unit: Some(default) },
        e => e,
    })
}

fn read_normalized(m: Measurement, text: &str, default: Unit) -> Result<u32, FieldErrorKind> {
    let (unit, terms) = resolve_unit(m, parse_reading(text)?, default)?;
    let out_of_range = FieldErrorKind::OutOfRange {
        unit,
        range: m.hard_range(),
    };
    let amount = amount(unit, &terms)?.ok_or_else(|| out_of_range.clone())?;
    match unit.to_canonical(amount) {
        Some(value) if m.hard_range().contains(value) => Ok(value),
        // A stature of "69" in a form set to centimetres was measured in inches: said when
        // the value read as inches is an ordinary one (within what the survey measured).
        // Likewise a stature of "1,75" was in metres, a foot length of "260" in millimetres.
        _ if unit == Unit::Centimetre => {
            let usual = |v: Option<u32>| v.filter(|v| m.survey_range().contains(*v));
            let range = m.hard_range();
            if let Some(as_inches) = usual(Unit::Inch.to_canonical(amount)) {
                Err(FieldErrorKind::LooksLikeInches { range, as_inches })
            } else if let Some(as_metres) = usual(amount.checked_mul(Decimal::ONE_HUNDRED).and_then(|cm| Unit::Centimetre.to_canonical(cm))) {
                Err(FieldErrorKind::LooksLikeMetres { range, as_metres })
            } else if let Some(as_millimetres) = usual(Unit::Millimetre.to_canonical(amount)) {
                Err(FieldErrorKind::LooksLikeMillimetres { range, as_millimetres })
            } else {
                Err(out_of_range)
            }
        }
        _ => Err(out_of_range),
    }
}

/// Full-width forms to ASCII (Chinese keyboards), typographic primes and quotes to ' and "
/// (tablets substitute them as you type), any whitespace to a space, lower case.
fn normalize(input: &str) -> String {
    let mapped: String = input.chars().map(normalize_char).collect();
    mapped.trim().to_lowercase()
}

/// Fractions of an inch as tape measures mark them, written as decimals: "30 1/2", "30-1/2"
/// and "30½" are 30.5, "5' 10 3/4\"" is 5' 10.75". Halves to sixteenths only, each exact in
/// the four decimals an inch may have; anything else is left as typed, to be refused.
fn with_fractions(text: &str) -> String {
    let mut spaced = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\u{BD}' => spaced.push_str(" 1/2"),
            '\u{BC}' => spaced.push_str(" 1/4"),
            '\u{BE}' => spaced.push_str(" 3/4"),
            '\u{215B}' => spaced.push_str(" 1/8"),
            '\u{215C}' => spaced.push_str(" 3/8"),
            '\u{215D}' => spaced.push_str(" 5/8"),
            '\u{215E}' => spaced.push_str(" 7/8"),
            c => spaced.push(c),
        }
    }
    if !spaced.contains('/') {
        return spaced;
    }
    let whole = |t: &str| !t.is_empty() && t.len() <= MAX_INTEGER_DIGITS && t.bytes().all(|b| b.is_ascii_digit());
    // `n/d` and what follows it ("1/2\"", "1/2in"), as a decimal.
    let fraction = |t: &str| -> Option<(Decimal, String)> {
        let (n, rest) = t.split_once('/')?;
        let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let (d, after) = rest.split_at(end);
        let (n, d): (u32, u32) = (n.parse().ok().filter(|_| whole(n))?, d.parse().ok().filter(|_| whole(d))?);
        (matches!(d, 2 | 4 | 8 | 16) && (1..d).contains(&n)).then(|| (Decimal::from(n) / Decimal::from(d), after.to_owned()))
    };
    let mut out: Vec<String> = vec![];
    for token in spaced.split(' ').filter(|t| !t.is_empty()) {
        // "30-1/2": a whole and a fraction joined by a dash.
        let (lead, tail) = match token.split_once('-') {
            Some((a, b)) if whole(a) && b.contains('/') => (Some(a), b),
            _ => (None, token),
        };
        match (lead, fraction(tail)) {
            (Some(a), Some((f, after))) => out.push(format!("{}{after}", (Decimal::from(a.parse::<u32>().unwrap_or(0)) + f).normalize())),
            (None, Some((f, after))) => {
                // "30 1/2", "5'10 3/4": the fraction belongs to the whole number before it.
                let prev = out.last_mut().map(|p| {
                    let start = p.trim_end_matches(|c: char| c.is_ascii_digit()).len();
                    (p, start)
                });
                match prev {
                    Some((p, start)) if whole(&p[start..]) && !p[..start].ends_with(['.', ',']) => {
                        let sum = (Decimal::from(p[start..].parse::<u32>().unwrap_or(0)) + f).normalize();
                        *p = format!("{}{sum}{after}", &p[..start]);
                    }
                    _ => out.push(format!("{}{after}", f.normalize())),
                }
            }
            _ => out.push(token.to_owned()),
        }
    }
    out.join(" ")
}

pub(crate) fn normalize_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{2032}' | '\u{2018}' | '\u{2019}' | '\u{00B4}' => '\'',
        '\u{2033}' | '\u{201C}' | '\u{201D}' => '"',
        '\u{2212}' | '\u{2013}' => '-',
        // The fraction slash: "30 1⁄2".
        '\u{2044}' => '/',
        c if c.is_whitespace() => ' ',
        c => c,
    }
}

fn parse_reading(text: &str) -> Result<Reading, FieldErrorKind> {
    let (number, rest) = split_number(text)?;
    if rest.is_empty() {
        return Ok(Reading::Plain { number, unit: None });
    }
    if let Some(unit) = unit_named(rest) {
        return Ok(Reading::Plain {
            number,
            unit: Some(unit),
        });
    }
    if matches!(rest.strip_suffix('.').unwrap_or(rest), "m" | "metre" | "metres" | "meter" | "meters" | "米") {
        return Ok(Reading::Metres(number));
    }
    match strip_feet_marker(rest) {
        Some(after) => feet_inches(number, after),
        None => Err(unknown_unit(rest)),
    }
}

fn feet_inches(feet: Number, after: &str) -> Result<Reading, FieldErrorKind> {
    if after.is_empty() {
        return Ok(Reading::FeetInches { feet, inches: None });
    }
    let (inches, rest) = split_number(after)?;
    if rest.is_empty() || unit_named(rest) == Some(Unit::Inch) {
        Ok(Reading::FeetInches {
            feet,
            inches: Some(inches),
        })
    } else {
        Err(unknown_unit(rest))
    }
}

/// Splits a leading signed number from the (trimmed) rest of the text.
fn split_number(text: &str) -> Result<(Number, &str), FieldErrorKind> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let unsigned = unsigned.trim_start();
    let end = unsigned
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(unsigned.len());
    let (token, rest) = unsigned.split_at(end);
    let number = Number::from_token(token, negative).ok_or(FieldErrorKind::NotANumber { unit: None })?;
    Ok((number, rest.trim()))
}

impl Number {
    /// Digits with at most one decimal separator ('.' or ','), at least one digit.
    fn from_token(token: &str, negative: bool) -> Option<Number> {
        let mut parts = token.split(['.', ',']);
        let integer = parts.next().unwrap_or_default();
        let fraction = parts.next().unwrap_or_default();
        if parts.next().is_some() || integer.len() + fraction.len() == 0 {
            return None;
        }
        Some(Number {
            negative,
            integer: integer.trim_start_matches('0').to_owned(),
            fraction: fraction.trim_end_matches('0').to_owned(),
        })
    }

    /// The same amount a hundred times over, digits moved (metres to centimetres, exactly).
    fn times_hundred(&self) -> Number {
        let fraction = format!("{:0<2}", self.fraction);
        let (moved, rest) = fraction.split_at(2);
        Number { negative: self.negative, integer: format!("{}{moved}", self.integer).trim_start_matches('0').to_owned(), fraction: rest.to_owned() }
    }

    fn is_zero(&self) -> bool {
        self.integer.is_empty() && self.fraction.is_empty()
    }

    fn decimals(&self) -> u32 {
        u32::try_from(self.fraction.len()).unwrap_or(u32::MAX)
    }

    /// Only called once the digit counts are known to be small.
    fn to_decimal(&self) -> Option<Decimal> {
        let digits = format!("{}{}", self.integer, self.fraction);
        let mantissa: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().ok()?
        };
        Decimal::try_from_i128_with_scale(mantissa, self.decimals()).ok()
    }
}

fn unit_named(text: &str) -> Option<Unit> {
    let text = text.strip_suffix('.').unwrap_or(text); // "in.", "lbs."
    let unit = match text {
        "mm" | "millimetre" | "millimetres" | "millimeter" | "millimeters" | "毫米" => {
            Unit::Millimetre
        }
        "cm" | "centimetre" | "centimetres" | "centimeter" | "centimeters" | "厘米" | "公分" => {
            Unit::Centimetre
        }
        "in" | "inch" | "inches" | "\"" | "''" | "英寸" => Unit::Inch,
        "kg" | "kgs" | "kilo" | "kilos" | "kilogram" | "kilograms" | "公斤" | "千克" => {
            Unit::Kilogram
        }
        "lb" | "lbs" | "pound" | "pounds" | "磅" => Unit::Pound,
        _ => return None,
    };
    Some(unit)
}

fn strip_feet_marker(text: &str) -> Option<&str> {
    ["feet", "foot", "ft", "英尺", "'"]
        .iter()
        .find_map(|marker| text.strip_prefix(marker))
        .map(str::trim_start)
}

/// Digits after the number mean a malformed number ("81 5"), not a unit.
fn unknown_unit(rest: &str) -> FieldErrorKind {
    if rest.chars().any(|c| c.is_ascii_digit()) {
        return FieldErrorKind::NotANumber { unit: None };
    }
    FieldErrorKind::UnknownUnit {
        unit: rest.chars().take(MAX_ECHOED_UNIT_CHARS).collect(),
    }
}

/// The unit the amount is in, and its terms as (number, multiplier): feet count 12 inches.
fn resolve_unit(
    m: Measurement,
    reading: Reading,
    default: Unit,
) -> Result<(Unit, Vec<(Number, u32)>), FieldErrorKind> {
    let (unit, terms) = match reading {
        Reading::Plain { number, unit } => (unit.unwrap_or(default), vec![(number, 1)]),
        Reading::FeetInches { .. } if m != Measurement::Stature => {
            return Err(FieldErrorKind::UnitNotAccepted { unit: "ft" });
        }
        Reading::FeetInches { feet, inches } => {
            // "5'13\"" is no reading a tape gives: 13 inches are a foot and one.
            let small = |n: &Number| n.integer.len() <= MAX_INTEGER_DIGITS && n.fraction.len() <= 4;
            if let (true, Some(i)) = (small(&feet), inches.as_ref().filter(|i| small(i))) {
                if let (Some(f), Some(i)) = (feet.to_decimal(), i.to_decimal()) {
                    if i >= Decimal::from(12) && !feet.negative {
                        let whole = (i / Decimal::from(12)).floor();
                        let meant = format!("{}'{}\"", (f + whole).normalize(), (i - whole * Decimal::from(12)).normalize());
                        return Err(FieldErrorKind::InchesPastAFoot { meant });
                    }
                }
            }
            let mut terms = vec![(feet, 12)];
            terms.extend(inches.map(|n| (n, 1)));
            (Unit::Inch, terms)
        }
        Reading::Metres(_) if !m.accepts(Unit::Centimetre) => return Err(FieldErrorKind::UnitNotAccepted { unit: "m" }),
        Reading::Metres(metres) => (Unit::Centimetre, vec![(metres.times_hundred(), 1)]),
    };
    if m.accepts(unit) {
        Ok((unit, terms))
    } else {
        Err(FieldErrorKind::UnitNotAccepted {
            unit: unit.symbol(),
        })
    }
}

/// Checks sign and decimals, then sums the terms exactly; `None` when the number is too
/// large to be a body measurement at all.
fn amount(unit: Unit, terms: &[(Number, u32)]) -> Result<Option<Decimal>, FieldErrorKind> {
    if terms.iter().any(|(n, _)| n.negative && !n.is_zero()) {
        return Err(FieldErrorKind::Negative);
    }
    let max = unit.max_input_decimals();
    if terms.iter().any(|(n, _)| n.decimals() > max) {
        return Err(FieldErrorKind::TooManyDecimals { unit, max });
    }
    Ok(terms
        .iter()
        .try_fold(Decimal::ZERO, |total, (number, multiplier)| {
            if number.integer.len() > MAX_INTEGER_DIGITS {
                return None;
            }
            let term = number
                .to_decimal()?
                .checked_mul(Decimal::from(*multiplier))?;
            total.checked_add(term)
        }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use super::super::Lang;
    use Measurement::{BodyMass, ChestGirth, InsideLeg, Stature};

    fn metric(m: Measurement, input: &str) -> Result<u32, FieldError> {
        m.parse(input, UnitSystem::Metric)
    }

    fn kind(m: Measurement, input: &str) -> FieldErrorKind {
        metric(m, input).unwrap_err().kind
    }

    /// Tape measures in inches are marked in halves to sixteenths, and people write them so:
    /// "30 1/2" was refused as not a number.
    #[test]
    fn fractions_of_an_inch_are_read() {
        let imperial = |m: Measurement, input: &str| m.parse(input, UnitSystem::Imperial);
        for input in ["30 1/2", "30-1/2", "30\u{BD}", "30 \u{BD}", "30 1/2 in", "30 1/2\"", "30.5"] {
            assert_eq!(imperial(InsideLeg, input), Ok(775), "{input:?}");
        }
        assert_eq!(imperial(InsideLeg, "30 3/16"), Ok(767), "30.1875 in");
        assert_eq!(metric(InsideLeg, "30 1/2 in"), Ok(775), "with its unit, in a metric form too");
        assert_eq!(imperial(Stature, "5' 10 1/2\""), imperial(Stature, "5' 10.5\""));
        assert_eq!(imperial(Stature, "5'10\u{BE}"), imperial(Stature, "5' 10.75\""));
        // Not a tape's marks, or not a fraction: refused as before.
        for input in ["30 1/3", "30 3/2", "30 0/2", "1/0", "30 1/2/4", "30 1//2"] {
            assert!(imperial(InsideLeg, input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn a_bare_number_is_in_the_sessions_default_unit() {
        assert_eq!(metric(InsideLeg, "81.5"), Ok(815));
        assert_eq!(InsideLeg.parse("32", UnitSystem::Imperial), Ok(813));
        assert_eq!(metric(BodyMass, "81.5"), Ok(81_500));
        assert_eq!(BodyMass.parse("180", UnitSystem::Imperial), Ok(81_647));
        assert_eq!(
            InsideLeg.parse_with_default("815", Unit::Millimetre),
            Ok(815)
        );
    }

    #[test]
    fn a_decimal_comma_reads_as_a_decimal_point() {
        assert_eq!(metric(InsideLeg, "81,5"), Ok(815));
        assert_eq!(metric(BodyMass, "72,25 kg"), Ok(72_250));
    }

    #[test]
    fn inches_are_read_in_every_usual_spelling() {
        for input in [
            "32 in",
            "32in",
            "32\"",
            "32''",
            "32”",
            "32″",
            "32 inches",
            "32 inch",
            "32 in.",
            "32英寸",
        ] {
            assert_eq!(metric(InsideLeg, input), Ok(813), "{input}");
        }
    }

    #[test]
    fn metric_units_are_read_with_or_without_a_space() {
        for (input, mm) in [
            ("815 mm", 815),
            ("815mm", 815),
            ("81.5cm", 815),
            ("81.5 CM", 815),
            ("81.5厘米", 815),
            ("81.5公分", 815),
            ("815毫米", 815),
        ] {
            assert_eq!(metric(InsideLeg, input), Ok(mm), "{input}");
        }
    }

    #[test]
    fn mass_is_read_in_kilograms_and_pounds() {
        for (input, g) in [
            ("180 lb", 81_647),
            ("180lbs", 81_647),
            ("180 pounds", 81_647),
            ("180磅", 81_647),
            ("81.5 kg", 81_500),
            ("81.5kgs", 81_500),
            ("72公斤", 72_000),
            ("72千克", 72_000),
        ] {
            assert_eq!(metric(BodyMass, input), Ok(g), "{input}");
        }
    }

    #[test]
    fn stature_may_be_typed_in_feet_and_inches() {
        for (input, mm) in [
            ("5'10\"", 1778),
            ("5' 10\"", 1778),
            ("5'10", 1778),
            ("5′10″", 1778),
            ("5’10”", 1778),
            ("5 ft 10 in", 1778),
            ("5ft10", 1778),
            ("5 feet 10 inches", 1778),
            ("5'10''", 1778),
            ("6'", 1829),
            ("6 ft", 1829),
            ("5'10.5\"", 1791),
            ("5英尺10英寸", 1778),
        ] {
            assert_eq!(metric(Stature, input), Ok(mm), "{input}");
        }
    }

    #[test]
    fn feet_are_refused_for_anything_but_stature() {
        assert_eq!(
            kind(InsideLeg, "2'8\""),
            FieldErrorKind::UnitNotAccepted { unit: "ft" }
        );
    }

    #[test]
    fn surrounding_whitespace_and_full_width_characters_are_accepted() {
        assert_eq!(metric(InsideLeg, "  81.5 cm \t\n"), Ok(815));
        assert_eq!(metric(InsideLeg, "\u{3000}８１．５ｃｍ\u{3000}"), Ok(815));
        assert_eq!(metric(InsideLeg, "８１，５"), Ok(815));
        assert_eq!(metric(InsideLeg, "+81.5"), Ok(815));
        assert_eq!(metric(InsideLeg, "0081.50"), Ok(815));
    }

    #[test]
    fn empty_input_is_refused_as_empty() {
        for input in ["", "   ", "\u{3000}", "\t\n"] {
            let err = metric(Stature, input).unwrap_err();
            assert_eq!(err.kind, FieldErrorKind::Empty, "{input:?}");
            assert_eq!(err.measurement, Stature);
            assert_eq!(err.message(Lang::En), "Stature: enter a value.");
        }
    }

    #[test]
    fn text_that_is_not_a_number_is_refused() {
        for input in [
            "abc", "81.5.3", "1.234,5", "1e3", "81 5", ".", ",", "cm", "in 32", "--5", "5'x",
        ] {
            let err = metric(InsideLeg, input).unwrap_err();
            assert_eq!(err.kind, FieldErrorKind::NotANumber { unit: Some(Unit::Centimetre) }, "{input:?}");
            assert_eq!(
                err.message(Lang::En),
                "Inside leg: enter a number, such as 82.5 or 82,5 (cm)."
            );
        }
    }

    #[test]
    fn an_unknown_unit_is_refused_and_echoed_briefly() {
        let err = metric(InsideLeg, "81 yards").unwrap_err();
        assert_eq!(
            err.kind,
            FieldErrorKind::UnknownUnit {
                unit: "yards".into()
            }
        );
        assert_eq!(
            err.message(Lang::En),
            "Inside leg: “yards” is not a unit we know; use cm, mm or in."
        );
        let long = metric(InsideLeg, "81 abcdefghijklmnopqrstuvwxyz").unwrap_err();
        assert_eq!(
            long.kind,
            FieldErrorKind::UnknownUnit {
                unit: "abcdefghijklmnop".into()
            }
        );
        assert_eq!(kind(Stature, "1.75 dm"), FieldErrorKind::UnknownUnit { unit: "dm".into() });
    }

    #[test]
    fn a_unit_of_the_wrong_kind_is_refused() {
        let err = metric(Stature, "81 kg").unwrap_err();
        assert_eq!(err.kind, FieldErrorKind::UnitNotAccepted { unit: "kg" });
        assert_eq!(
            err.message(Lang::En),
            "Stature cannot be given in kg; use cm, mm or in."
        );
        assert_eq!(
            kind(BodyMass, "81 cm"),
            FieldErrorKind::UnitNotAccepted { unit: "cm" }
        );
        assert_eq!(
            Stature
                .parse_with_default("175", Unit::Kilogram)
                .unwrap_err()
                .kind,
            FieldErrorKind::UnitNotAccepted { unit: "kg" }
        );
    }

    #[test]
    fn a_negative_number_is_refused_as_negative() {
        for input in ["-81.5", "-81,5 cm", "−81.5", "- 32 in", "-5'10\""] {
            let err = metric(Stature, input).unwrap_err();
            assert_eq!(err.kind, FieldErrorKind::Negative, "{input:?}");
            assert_eq!(err.message(Lang::ZhCn), "身高不能为负数。");
        }
        // minus zero is zero, which is simply out of range
        assert!(matches!(
            kind(Stature, "-0"),
            FieldErrorKind::OutOfRange { .. }
        ));
    }

    #[test]
    fn more_decimals_than_the_unit_allows_are_refused() {
        let err = metric(ChestGirth, "81.555").unwrap_err();
        assert_eq!(
            err.kind,
            FieldErrorKind::TooManyDecimals {
                unit: Unit::Centimetre,
                max: 2
            }
        );
        assert_eq!(
            err.message(Lang::En),
            "Chest / bust girth: use at most 2 decimals in cm."
        );
        assert_eq!(
            kind(ChestGirth, "815.55 mm"),
            FieldErrorKind::TooManyDecimals {
                unit: Unit::Millimetre,
                max: 1
            }
        );
        assert_eq!(
            kind(BodyMass, "81.0005 kg"),
            FieldErrorKind::TooManyDecimals {
                unit: Unit::Kilogram,
                max: 3
            }
        );
        // trailing zeros carry no precision and are not counted
        assert_eq!(metric(ChestGirth, "81.5000"), Ok(815));
        // sixteenths of an inch are fine
        assert_eq!(metric(ChestGirth, "40.0625 in"), Ok(1018));
    }

    #[test]
    fn the_hard_range_is_inclusive_in_every_unit() {
        assert_eq!(metric(Stature, "80"), Ok(800));
        assert_eq!(metric(Stature, "280"), Ok(2800));
        assert_eq!(metric(Stature, "800 mm"), Ok(800));
        assert_eq!(metric(Stature, "31.5 in"), Ok(800));
        assert_eq!(metric(BodyMass, "20"), Ok(20_000));
        assert_eq!(metric(BodyMass, "400"), Ok(400_000));
        let range = Stature.hard_range();
        assert_eq!(
            kind(Stature, "79.9"),
            FieldErrorKind::OutOfRange {
                unit: Unit::Centimetre,
                range
            }
        );
        assert_eq!(
            kind(Stature, "280.1"),
            FieldErrorKind::OutOfRange {
                unit: Unit::Centimetre,
                range
            }
        );
        assert_eq!(
            kind(Stature, "799 mm"),
            FieldErrorKind::OutOfRange {
                unit: Unit::Millimetre,
                range
            }
        );
    }

    #[test]
    fn metres_are_read_as_centimetres_exactly() {
        for input in ["1.75 m", "1,75m", "1.75 metres", "1.75米", "1.750 m"] {
            assert_eq!(metric(Stature, input), Ok(1750), "{input}");
        }
        assert_eq!(metric(Stature, "2 m"), Ok(2000));
        assert_eq!(metric(InsideLeg, "0.845 m"), Ok(845));
        assert_eq!(kind(BodyMass, "70 m"), FieldErrorKind::UnitNotAccepted { unit: "m" });
    }

    /// A number that fits as metres or millimetres, typed without a unit in a form set to
    /// centimetres, says so: "1,75" was refused as "between 80 and 280 cm" with no hint.
    #[test]
    fn metres_and_millimetres_typed_as_centimetres_are_named() {
        let said = |m: Measurement, input: &str| metric(m, input).unwrap_err().message(Lang::En);
        assert_eq!(said(Stature, "1,75"), "Stature must be between 80 and 280 cm. Measured in metres? Type it with “m” (that is 175.0 cm).");
        assert_eq!(said(Measurement::FootLength, "260"), "Foot length must be between 15 and 45 cm. Measured in millimetres? Type it with “mm” (that is 26.0 cm).");
        // Inches first, as before: a stature of 69 is 175.3 cm, not 6,900 cm.
        assert!(said(Stature, "69").contains("Measured in inches?"));
        assert_eq!(metric(Stature, "1,75").unwrap_err().message(Lang::ZhCn), "身高必须在 80 至 280 cm 之间。如果是以米测量的，请加上“m”输入（即 175.0 cm）。");
    }

    #[test]
    fn a_letter_typed_for_a_digit_is_named_with_the_number_meant() {
        let said = |m: Measurement, input: &str| metric(m, input).unwrap_err().message(Lang::En);
        assert_eq!(said(Stature, "17O"), "Stature: a letter is typed where a digit belongs; did you mean 170?");
        assert_eq!(said(BodyMass, "7o kg"), "Body mass: a letter is typed where a digit belongs; did you mean 70 kg?");
        assert_eq!(metric(Stature, "1l5").unwrap_err().kind, FieldErrorKind::LetterForDigit { meant: "115".into() });
        assert_eq!(metric(BodyMass, "18o lb").unwrap_err().kind, FieldErrorKind::LetterForDigit { meant: "180 lb".into() });
        // What no digit mends stays what it is.
        assert_eq!(kind(Stature, "170 yo"), FieldErrorKind::UnknownUnit { unit: "yo".into() });
        assert_eq!(kind(Stature, "tall"), FieldErrorKind::NotANumber { unit: Some(Unit::Centimetre) });
    }

    /// "5'13\"" was taken as 6'1" without a word.
    #[test]
    fn inches_past_a_foot_are_said_to_be() {
        let imperial = |m: Measurement, input: &str| m.parse(input, UnitSystem::Imperial);
        let err = imperial(Stature, "5'13\"").unwrap_err();
        assert_eq!(err.kind, FieldErrorKind::InchesPastAFoot { meant: "6'1\"".into() });
        assert_eq!(err.message(Lang::En), "Stature: there are 12 inches to a foot, so this is 6'1\"; type that if it is what you measured.");
        assert_eq!(imperial(Stature, "5'26.5").unwrap_err().kind, FieldErrorKind::InchesPastAFoot { meant: "7'2.5\"".into() });
        assert_eq!(imperial(Stature, "5'11.75\""), Ok(1822));
    }

    #[test]
    fn out_of_range_is_stated_in_the_unit_the_person_typed() {
        let err = metric(Stature, "20 in").unwrap_err();
        assert_eq!(
            err.message(Lang::En),
            "Stature must be between 31.5 and 110.23 in."
        );
        let err = metric(Stature, "2'").unwrap_err();
        assert_eq!(
            err.kind,
            FieldErrorKind::OutOfRange {
                unit: Unit::Inch,
                range: Stature.hard_range()
            }
        );
        assert_eq!(
            err.message(Lang::ZhCn),
            "身高必须在 31.5 至 110.23 in 之间。"
        );
        let err = metric(BodyMass, "900 lb").unwrap_err();
        assert_eq!(
            err.message(Lang::En),
            "Body mass must be between 44.1 and 881.8 lb."
        );
    }

    #[test]
    fn a_stature_typed_in_inches_without_a_unit_is_refused_in_a_metric_session() {
        let err = metric(Stature, "69").unwrap_err();
        assert_eq!(
            err.message(Lang::En),
            "Stature must be between 80 and 280 cm. Measured in inches? Type it with “in” (that is 175.3 cm)."
        );
        // 79.9 in would be taller than anyone measured: no such hint.
        assert_eq!(metric(Stature, "79.9").unwrap_err().message(Lang::En), "Stature must be between 80 and 280 cm.");
    }

    #[test]
    fn an_absurdly_long_number_is_out_of_range_not_a_crash() {
        assert!(matches!(
            kind(Stature, "99999999999999999999999999999999999"),
            FieldErrorKind::OutOfRange { .. }
        ));
        assert!(matches!(
            kind(BodyMass, "9999999999 lb"),
            FieldErrorKind::OutOfRange { .. }
        ));
        assert!(matches!(
            kind(Stature, "9999999'11\""),
            FieldErrorKind::OutOfRange { .. }
        ));
        assert_eq!(metric(Stature, "0000000000000000000000000175"), Ok(1750));
    }

    fn any_measurement() -> impl Strategy<Value = Measurement> {
        proptest::sample::select(Measurement::ALL.to_vec())
    }

    /// A measurement, a value in its hard range, and one of its accepted units.
    fn value_and_unit() -> impl Strategy<Value = (Measurement, u32, Unit)> {
        any_measurement().prop_flat_map(|m| {
            let range = m.hard_range();
            (
                Just(m),
                range.min..=range.max,
                proptest::sample::select(m.accepted_units().to_vec()),
            )
        })
    }

    /// Half of the last displayed digit, in canonical units, plus the final rounding.
    fn display_tolerance(unit: Unit) -> u32 {
        match unit {
            Unit::Kilogram => 50,
            Unit::Pound => 23, // 0.05 lb = 22.68 g
            _ => 0,
        }
    }

    proptest! {
        #[test]
        fn parsing_any_string_never_panics(input in any::<String>(), m in any_measurement()) {
            let _ = m.parse(&input, UnitSystem::Metric);
            let _ = m.parse(&input, UnitSystem::Imperial);
        }

        #[test]
        fn parsing_number_like_strings_never_panics(
            input in "[-+ 0-9.,'\"a-z\u{FF10}-\u{FF19}\u{2032}\u{2033}]{0,24}",
            m in any_measurement(),
        ) {
            let _ = m.parse(&input, UnitSystem::Metric);
        }

        #[test]
        fn an_exactly_formatted_value_parses_back_to_itself((m, value, unit) in value_and_unit()) {
            let text = format!("{} {}", unit.format_exact(value), unit.symbol());
            prop_assert_eq!(m.parse(&text, UnitSystem::Metric), Ok(value), "{}", text);
            let comma = unit.format_exact(value).replace('.', ",");
            prop_assert_eq!(m.parse_with_default(&comma, unit), Ok(value), "{}", comma);
        }

        #[test]
        fn a_displayed_value_parses_back_within_the_stated_rounding((m, value, unit) in value_and_unit()) {
            let text = m.format_in(value, unit).unwrap();
            // The hard-range bounds are whole kg, so display never rounds a value out of range.
            let parsed = m.parse(&text, UnitSystem::Imperial);
            prop_assert!(parsed.is_ok(), "{} -> {:?}", text, parsed);
            let parsed = parsed.unwrap_or_default();
            prop_assert!(parsed.abs_diff(value) <= display_tolerance(unit), "{} -> {}", text, parsed);
        }

        #[test]
        fn feet_and_inches_parse_to_the_same_value_as_inches(feet in 3u32..9, inches in 0u32..12, eighths in 0u32..8) {
            let fraction = Decimal::from(eighths) / Decimal::from(8);
            let total = Decimal::from(feet * 12 + inches) + fraction;
            let text = format!("{feet}'{}\"", Decimal::from(inches) + fraction);
            prop_assert_eq!(Stature.parse(&text, UnitSystem::Metric).ok(), Unit::Inch.to_canonical(total), "{}", text);
        }
    }
}
