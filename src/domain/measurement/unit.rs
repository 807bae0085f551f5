//! Units: exact conversion to and from the canonical integers, rounding, and display.
//!
//! Canonical values are whole millimetres and whole grams. Converting typed input to them
//! rounds once, half away from zero, to the nearest mm or g. Display rounds half away from
//! zero to [`Unit::display_decimals`]; at those decimals every length reads back to the same
//! millimetre, and a mass to within half the last shown digit (50 g in kg, 0.05 lb in lb).
//! [`Unit::format_exact`] shows enough decimals for every value to read back exactly.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::{Measurement, Quantity, ValueRange};

/// A unit a value may be typed or shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Unit {
    #[serde(rename = "mm")]
    Millimetre,
    #[serde(rename = "cm")]
    Centimetre,
    #[serde(rename = "in")]
    Inch,
    #[serde(rename = "kg")]
    Kilogram,
    #[serde(rename = "lb")]
    Pound,
}

/// The unit system a session or a stored measurement set uses by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitSystem {
    /// Centimetres and kilograms.
    #[default]
    Metric,
    /// Inches and pounds.
    Imperial,
}

const LENGTH_UNITS: [Unit; 3] = [Unit::Centimetre, Unit::Millimetre, Unit::Inch];
const MASS_UNITS: [Unit; 2] = [Unit::Kilogram, Unit::Pound];

/// Which end of a range a bound is, so it can be rounded inwards for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bound {
    Lower,
    Upper,
}

/// "69.10" as "69.1", "70.0" as "70"; a number without decimals as it is ("100").
pub fn without_trailing_zeros(text: String) -> String {
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text }
}

impl Unit {
    pub const ALL: [Unit; 5] = [
        Unit::Millimetre,
        Unit::Centimetre,
        Unit::Inch,
        Unit::Kilogram,
        Unit::Pound,
    ];

    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Millimetre => "mm",
            Unit::Centimetre => "cm",
            Unit::Inch => "in",
            Unit::Kilogram => "kg",
            Unit::Pound => "lb",
        }
    }

    pub fn quantity(self) -> Quantity {
        match self {
            Unit::Kilogram | Unit::Pound => Quantity::Mass,
            _ => Quantity::Length,
        }
    }

    /// Canonical units (mm or g) in one of this unit; both imperial factors are exact by
    /// definition (international yard and pound agreement, 1959).
    pub fn canonical_per_unit(self) -> Decimal {
        match self {
            Unit::Millimetre => Decimal::ONE,
            Unit::Centimetre => Decimal::TEN,
            Unit::Inch => Decimal::new(254, 1),
            Unit::Kilogram => Decimal::ONE_THOUSAND,
            Unit::Pound => Decimal::new(45_359_237, 5),
        }
    }

    /// Decimals shown to people: a millimetre in cm, 0.01 in (0.25 mm) and 0.1 kg or lb,
    /// which is finer than a tape or a bathroom scale reads.
    pub fn display_decimals(self) -> u32 {
        match self {
            Unit::Millimetre => 0,
            Unit::Centimetre | Unit::Kilogram | Unit::Pound => 1,
            Unit::Inch => 2,
        }
    }

    /// Decimals at which every canonical value reads back exactly: half of the last digit is
    /// under half a millimetre or gram (0.005 in = 0.127 mm, 0.0005 lb = 0.23 g).
    pub fn exact_decimals(self) -> u32 {
        match self {
            Unit::Millimetre => 0,
            Unit::Centimetre => 1,
            Unit::Inch => 2,
            Unit::Kilogram | Unit::Pound => 3,
        }
    }

    /// Most decimals accepted in typed input. Enough for anything a tape or scale reports
    /// (1/16 in = 0.0625 in, a gram in kg or lb); more is pasted or mistyped, not measured.
    pub fn max_input_decimals(self) -> u32 {
        match self {
            Unit::Millimetre => 1,
            Unit::Centimetre => 2,
            Unit::Inch => 4,
            Unit::Kilogram | Unit::Pound => 3,
        }
    }

    /// Converts an amount of this unit to the canonical integer, rounding half away from zero
    /// to the nearest mm or g. `None` when negative or too large for the canonical type.
    pub fn to_canonical(self, amount: Decimal) -> Option<u32> {
        amount
            .checked_mul(self.canonical_per_unit())?
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
            .to_u32()
    }

    /// The canonical value in this unit: exact when the quotient terminates (always for mm, cm,
    /// kg), otherwise correct to 28 significant digits.
    pub fn from_canonical(self, value: u32) -> Decimal {
        // The divisor is a non-zero constant and the dividend at most u32::MAX, so the division
        // cannot fail; the fallback only keeps this function total.
        Decimal::from(value)
            .checked_div(self.canonical_per_unit())
            .unwrap_or_default()
    }

    /// The value as people read it, e.g. "81.5" (cm) or "32.1" (in), without the symbol.
    pub fn format(self, value: u32) -> String {
        if self == Unit::Inch {
            return inches_as_read(value);
        }
        fixed(
            self.from_canonical(value),
            self.display_decimals(),
            HALF_AWAY,
        )
    }

    /// A value typed in `from`, for the form switched to this unit: as [`Unit::format`] reads
    /// it when switching back shows what was typed (to as many decimals as it was typed
    /// with), otherwise with a decimal more until it does. A tenth of a kilogram is 220 g, more
    /// than a tenth of a pound: 160.0 lb read as 72.6 kg came back as 160.1 lb, and drifted on
    /// with every switch; it reads 72.58 kg.
    pub fn format_switched(self, value: u32, from: Unit) -> String {
        let at = |d: u32, v: u32| fixed(from.from_canonical(v), d, HALF_AWAY);
        let typed_decimals = (from.display_decimals()..from.exact_decimals()).find(|d| at(*d, value).parse::<Decimal>().ok().and_then(|t| from.to_canonical(t)) == Some(value)).unwrap_or(from.exact_decimals());
        let typed = at(typed_decimals, value);
        let same = |text: &str| text.parse::<Decimal>().ok().and_then(|d| self.to_canonical(d)).is_some_and(|back| at(typed_decimals, back) == typed);
        let shown = self.format(value);
        if same(&shown) {
            return shown;
        }
        (self.display_decimals() + 1..self.exact_decimals())
            .map(|d| fixed(self.from_canonical(value), d, HALF_AWAY))
            .find(|text| same(text))
            .unwrap_or_else(|| self.format_exact(value))
    }

    /// A number typed in `from` (`typed`, as many decimals as were typed), for the form switched
    /// to this unit: converted exactly, not from the millimetre or gram it is kept as, so that
    /// switching back shows what was typed. 8.45 in is 214.63 mm, kept as 215: read from that
    /// it was 21.5 cm, and 8.46 in back; it reads 21.46 cm, and 8.45 in back.
    pub fn format_switched_typed(self, typed: Decimal, from: Unit) -> Option<String> {
        let decimals = typed.scale();
        if decimals > from.max_input_decimals() || typed.is_sign_negative() {
            return None;
        }
        let as_typed = fixed(typed, decimals, HALF_AWAY);
        let here = typed.checked_mul(from.canonical_per_unit())?.checked_div(self.canonical_per_unit())?;
        let back = |text: &str| -> Option<String> { Some(fixed(text.parse::<Decimal>().ok()?.checked_mul(self.canonical_per_unit())?.checked_div(from.canonical_per_unit())?, decimals, HALF_AWAY)) };
        (self.display_decimals()..=self.max_input_decimals()).map(|d| fixed(here, d, HALF_AWAY)).find(|text| back(text).as_deref() == Some(as_typed.as_str()))
    }

    /// The value with enough decimals to parse back to exactly the same canonical value.
    pub fn format_exact(self, value: u32) -> String {
        fixed(self.from_canonical(value), self.exact_decimals(), HALF_AWAY)
    }

    /// The value with the fewest decimals that parse back to the same canonical value, without
    /// a trailing zero: 165 lb is kept as 74,843 g, which [`Unit::format_exact`] writes
    /// 165.001; this writes 165 (and 84.647 kg as that, 175.5 cm as that).
    pub fn format_shortest(self, value: u32) -> String {
        let text = (0..self.exact_decimals())
            .map(|d| fixed(self.from_canonical(value), d, HALF_AWAY))
            .find(|text| text.parse::<Decimal>().ok().and_then(|d| self.to_canonical(d)) == Some(value))
            .unwrap_or_else(|| self.format_exact(value));
        without_trailing_zeros(text)
    }

    /// A value outside `range` for display, never shown as a bound or inside the range: 145.001
    /// kg against a 145 kg maximum reads 145.1, not 145.0.
    pub(super) fn format_outside(self, value: u32, range: ValueRange) -> String {
        let (min, max) = (
            self.from_canonical(range.min),
            self.from_canonical(range.max),
        );
        let shown = round_outside(
            self.from_canonical(value),
            min,
            max,
            self.display_decimals(),
        );
        format!("{:.*}", self.display_decimals() as usize, shown)
    }

    /// A range bound for a message, rounded inwards so that typing the shown number is
    /// accepted, without trailing zeros ("80", not "80.0").
    pub(super) fn format_bound(self, value: u32, bound: Bound) -> String {
        let strategy = match bound {
            Bound::Lower => RoundingStrategy::AwayFromZero,
            Bound::Upper => RoundingStrategy::ToZero,
        };
        self.from_canonical(value)
            .round_dp_with_strategy(self.display_decimals(), strategy)
            .normalize()
            .to_string()
    }

    /// The units a quantity may be typed in, the metric one first.
    pub fn accepted_for(quantity: Quantity) -> &'static [Unit] {
        match quantity {
            Quantity::Length => &LENGTH_UNITS,
            Quantity::Mass => &MASS_UNITS,
        }
    }
}

/// Rounds a value that lies outside `[low, high]` to `decimals`, to nearest unless that would
/// bring it onto or inside the band, in which case away from the band.
pub(super) fn round_outside(value: Decimal, low: Decimal, high: Decimal, decimals: u32) -> Decimal {
    let nearest = value.round_dp_with_strategy(decimals, HALF_AWAY);
    if value > high && nearest <= high {
        value.round_dp_with_strategy(decimals, RoundingStrategy::ToPositiveInfinity)
    } else if value < low && nearest >= low {
        value.round_dp_with_strategy(decimals, RoundingStrategy::ToNegativeInfinity)
    } else {
        nearest
    }
}

const HALF_AWAY: RoundingStrategy = RoundingStrategy::MidpointAwayFromZero;

/// Inches as a tape reads them: a tenth, or else a quarter mark, when that is the same whole
/// millimetre, and hundredths only when neither is. Values are kept in whole millimetres, so
/// 69.1 in (1755.14 mm) is kept as 1755 mm, which is 69.094 in: shown as "69.09" it looked
/// as if the typed value had been changed.
fn inches_as_read(mm: u32) -> String {
    let exact = Unit::Inch.from_canonical(mm);
    let same = |d: Decimal| Unit::Inch.to_canonical(d) == Some(mm);
    let tenth = exact.round_dp_with_strategy(1, HALF_AWAY);
    if same(tenth) {
        return format!("{tenth:.1}");
    }
    let four = Decimal::from(4);
    let quarter = (exact * four).round_dp_with_strategy(0, HALF_AWAY) / four;
    if same(quarter) {
        return format!("{quarter:.2}");
    }
    fixed(exact, Unit::Inch.exact_decimals(), HALF_AWAY)
}

fn fixed(amount: Decimal, decimals: u32, strategy: RoundingStrategy) -> String {
    let rounded = amount.round_dp_with_strategy(decimals, strategy);
    format!("{:.*}", decimals as usize, rounded)
}

impl UnitSystem {
    /// The unit this system shows and assumes for a measurement typed without a unit.
    pub fn unit_for(self, m: Measurement) -> Unit {
        match (self, m.quantity()) {
            (UnitSystem::Metric, Quantity::Length) => Unit::Centimetre,
            (UnitSystem::Metric, Quantity::Mass) => Unit::Kilogram,
            (UnitSystem::Imperial, Quantity::Length) => Unit::Inch,
            (UnitSystem::Imperial, Quantity::Mass) => Unit::Pound,
        }
    }
}

impl Measurement {
    /// The symbol of the stored integer's unit: "mm" for lengths, "g" for mass. Grams are not
    /// a [`Unit`] because nobody types a body mass in grams.
    pub fn canonical_symbol(self) -> &'static str {
        match self.quantity() {
            Quantity::Length => "mm",
            Quantity::Mass => "g",
        }
    }

    pub fn accepted_units(self) -> &'static [Unit] {
        Unit::accepted_for(self.quantity())
    }

    pub fn accepts(self, unit: Unit) -> bool {
        unit.quantity() == self.quantity()
    }

    /// A canonical value for display with its symbol, e.g. "81.5 cm" or "180.0 lb".
    pub fn format(self, value: u32, system: UnitSystem) -> String {
        let unit = system.unit_for(self);
        format!("{} {}", unit.format(value), unit.symbol())
    }

    /// Like [`Measurement::format`] in a chosen unit; `None` if the unit is not one this
    /// measurement is expressed in (a mass in inches).
    pub fn format_in(self, value: u32, unit: Unit) -> Option<String> {
        self.accepts(unit)
            .then(|| format!("{} {}", unit.format(value), unit.symbol()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn a_value_switched_there_and_back_reads_as_typed() {
        use proptest::prelude::*;
        // Every mass a scale shows in lb or kg, and every length in in or cm, comes back as it
        // was shown after a switch to the other units and back, however often.
        proptest!(|(tenths in 100u32..6000, length in 300u32..2500)| {
            for (a, b, value) in [(Unit::Pound, Unit::Kilogram, Unit::Pound.to_canonical(Decimal::new(i64::from(tenths), 1)).unwrap()),
                                  (Unit::Kilogram, Unit::Pound, tenths * 100),
                                  (Unit::Inch, Unit::Centimetre, length), (Unit::Centimetre, Unit::Inch, length)] {
                let shown = a.format(value);
                let mut text = shown.clone();
                for _ in 0..3 {
                    let there = b.format_switched(a.to_canonical(Decimal::from_str(&text).unwrap()).unwrap(), a);
                    text = a.format_switched(b.to_canonical(Decimal::from_str(&there).unwrap()).unwrap(), b);
                    prop_assert_eq!(&text, &shown, "{:?} {} -> {:?} {}", a, shown, b, there);
                }
            }
        });
        assert_eq!(Unit::Kilogram.format_switched(Unit::Pound.to_canonical(dec("160.0")).unwrap(), Unit::Pound), "72.58");
        assert_eq!(Unit::Kilogram.format_switched(72_500, Unit::Kilogram), "72.5");
        // From what was typed: 8.45 in and back is 8.45 in, not the 8.46 of the 215 mm kept.
        let typed = |u: Unit, to: Unit, t: &str| to.format_switched_typed(dec(t), u);
        assert_eq!(typed(Unit::Inch, Unit::Centimetre, "8.45").as_deref(), Some("21.46"));
        assert_eq!(typed(Unit::Centimetre, Unit::Inch, "21.46").as_deref(), Some("8.45"));
        assert_eq!(typed(Unit::Centimetre, Unit::Inch, "69").as_deref(), Some("27.17"));
        assert_eq!(typed(Unit::Pound, Unit::Kilogram, "160.0").as_deref(), Some("72.57"));
        assert_eq!(typed(Unit::Kilogram, Unit::Pound, "72.57").as_deref(), Some("160.0"));
    }

    #[test]
    fn inches_convert_exactly_at_25_4_mm() {
        assert_eq!(Unit::Inch.to_canonical(dec("1")), Some(25)); // 25.4 rounds down
        assert_eq!(Unit::Inch.to_canonical(dec("32")), Some(813)); // 812.8
        assert_eq!(Unit::Inch.to_canonical(dec("10")), Some(254));
        assert_eq!(Unit::Inch.from_canonical(254), dec("10"));
    }

    #[test]
    fn pounds_convert_exactly_at_453_59237_g() {
        assert_eq!(Unit::Pound.to_canonical(dec("1")), Some(454)); // 453.59237
        assert_eq!(Unit::Pound.to_canonical(dec("180")), Some(81_647)); // 81646.6266
        assert_eq!(Unit::Pound.to_canonical(dec("100")), Some(45_359)); // 45359.237
        assert_eq!(
            Unit::Pound.from_canonical(453_592).round_dp(6),
            dec("999.999184")
        );
        assert_eq!(
            Unit::Pound.from_canonical(45_359_237).round_dp(6),
            dec("100000")
        );
    }

    #[test]
    fn metric_units_convert_by_powers_of_ten() {
        assert_eq!(Unit::Centimetre.to_canonical(dec("81.5")), Some(815));
        assert_eq!(Unit::Millimetre.to_canonical(dec("815")), Some(815));
        assert_eq!(Unit::Kilogram.to_canonical(dec("81.5")), Some(81_500));
        assert_eq!(Unit::Kilogram.to_canonical(dec("0.001")), Some(1));
        assert_eq!(Unit::Centimetre.from_canonical(815), dec("81.5"));
        assert_eq!(Unit::Kilogram.from_canonical(81_500), dec("81.5"));
    }

    #[test]
    fn conversion_rounds_half_away_from_zero() {
        assert_eq!(Unit::Centimetre.to_canonical(dec("81.55")), Some(816));
        assert_eq!(Unit::Centimetre.to_canonical(dec("81.54")), Some(815));
        assert_eq!(Unit::Centimetre.to_canonical(dec("81.45")), Some(815)); // not to even (814)
        assert_eq!(Unit::Millimetre.to_canonical(dec("0.5")), Some(1));
        assert_eq!(Unit::Kilogram.to_canonical(dec("0.0005")), Some(1));
    }

    #[test]
    fn negative_or_huge_amounts_have_no_canonical_value() {
        assert_eq!(Unit::Centimetre.to_canonical(dec("-1")), None);
        assert_eq!(Unit::Pound.to_canonical(dec("99999999999")), None);
        assert_eq!(Unit::Centimetre.to_canonical(Decimal::MAX), None);
    }

    #[test]
    fn display_uses_the_stated_decimals() {
        assert_eq!(Unit::Millimetre.format(815), "815");
        assert_eq!(Unit::Centimetre.format(815), "81.5");
        assert_eq!(Unit::Centimetre.format(800), "80.0");
        assert_eq!(Unit::Inch.format(815), "32.1"); // 32.0866: 32.1 in is 815 mm too
        assert_eq!(Unit::Inch.format(813), "32.0"); // 32.0078
        assert_eq!(Unit::Inch.format(1755), "69.1", "69.1 in typed, kept as 1755 mm");
        assert_eq!(Unit::Inch.format(819), "32.25", "a quarter-inch mark, kept as 819 mm");
        assert_eq!(Unit::Inch.format(821), "32.32", "neither a tenth nor a quarter");
        assert_eq!(Unit::Kilogram.format(81_500), "81.5");
        assert_eq!(Unit::Kilogram.format(81_550), "81.6"); // half away from zero
        assert_eq!(Unit::Pound.format(81_647), "180.0");
        assert_eq!(Unit::Pound.format(0), "0.0");
    }

    #[test]
    fn inches_as_shown_read_back_as_the_same_millimetre() {
        for mm in 0..=4000u32 {
            let shown = Unit::Inch.format(mm);
            assert_eq!(Unit::Inch.to_canonical(dec(&shown)), Some(mm), "{mm} mm shown as {shown} in");
        }
    }

    #[test]
    fn exact_display_reads_back_to_the_same_value() {
        assert_eq!(Unit::Centimetre.format_exact(815), "81.5");
        assert_eq!(Unit::Inch.format_exact(815), "32.09");
        assert_eq!(Unit::Kilogram.format_exact(81_647), "81.647");
        assert_eq!(Unit::Pound.format_exact(81_647), "180.001");
        assert_eq!(Unit::Pound.to_canonical(dec("180.001")), Some(81_647));
    }

    /// A set typed in pounds started from again read 165.001 lb where 165 was typed.
    #[test]
    fn the_shortest_display_reads_back_with_the_fewest_decimals() {
        assert_eq!(Unit::Pound.format_shortest(Unit::Pound.to_canonical(dec("165")).unwrap_or_default()), "165");
        assert_eq!(Unit::Pound.format_shortest(81_647), "180");
        assert_eq!(Unit::Pound.format_shortest(81_648), "180.003");
        assert_eq!(Unit::Kilogram.format_shortest(84_647), "84.647");
        assert_eq!(Unit::Kilogram.format_shortest(70_000), "70");
        assert_eq!(Unit::Centimetre.format_shortest(1755), "175.5");
        for unit in [Unit::Millimetre, Unit::Centimetre, Unit::Inch, Unit::Kilogram, Unit::Pound] {
            for v in (0..400_000u32).step_by(97) {
                let shown = unit.format_shortest(v);
                assert_eq!(unit.to_canonical(dec(&shown)), Some(v), "{v} as {shown} {}", unit.symbol());
                assert!(shown.len() <= unit.format_exact(v).len(), "{shown}");
            }
        }
    }

    #[test]
    fn a_value_outside_a_range_is_rounded_away_from_it() {
        let range = ValueRange {
            min: 35_000,
            max: 145_000,
        };
        assert_eq!(Unit::Kilogram.format_outside(145_001, range), "145.1");
        assert_eq!(Unit::Kilogram.format_outside(34_999, range), "34.9");
        assert_eq!(Unit::Kilogram.format_outside(150_040, range), "150.0"); // nearest when clear
        assert_eq!(Unit::Pound.format_outside(145_001, range), "319.7"); // 319.6727...
    }

    #[test]
    fn range_bounds_are_rounded_inwards_and_trimmed() {
        assert_eq!(Unit::Centimetre.format_bound(800, Bound::Lower), "80");
        assert_eq!(Unit::Inch.format_bound(800, Bound::Lower), "31.5"); // 31.4960... up
        assert_eq!(Unit::Inch.format_bound(2800, Bound::Upper), "110.23"); // 110.2362... down
        assert_eq!(Unit::Pound.format_bound(20_000, Bound::Lower), "44.1"); // 44.0924... up
        assert_eq!(Unit::Pound.format_bound(400_000, Bound::Upper), "881.8"); // 881.849... down
    }

    #[test]
    fn each_quantity_accepts_its_own_units_only() {
        assert_eq!(
            Measurement::Stature.accepted_units(),
            &[Unit::Centimetre, Unit::Millimetre, Unit::Inch]
        );
        assert_eq!(
            Measurement::BodyMass.accepted_units(),
            &[Unit::Kilogram, Unit::Pound]
        );
        for m in Measurement::ALL {
            for unit in Unit::ALL {
                assert_eq!(
                    m.accepts(unit),
                    m.accepted_units().contains(&unit),
                    "{m} {unit:?}"
                );
            }
        }
    }

    #[test]
    fn lengths_are_stored_in_mm_and_mass_in_g() {
        assert_eq!(Measurement::Stature.canonical_symbol(), "mm");
        assert_eq!(Measurement::BodyMass.canonical_symbol(), "g");
    }

    #[test]
    fn unit_systems_pick_the_unit_per_quantity() {
        assert_eq!(
            UnitSystem::Metric.unit_for(Measurement::InsideLeg),
            Unit::Centimetre
        );
        assert_eq!(
            UnitSystem::Metric.unit_for(Measurement::BodyMass),
            Unit::Kilogram
        );
        assert_eq!(
            UnitSystem::Imperial.unit_for(Measurement::InsideLeg),
            Unit::Inch
        );
        assert_eq!(
            UnitSystem::Imperial.unit_for(Measurement::BodyMass),
            Unit::Pound
        );
        assert_eq!(UnitSystem::default(), UnitSystem::Metric);
    }

    #[test]
    fn measurements_format_with_their_symbol() {
        assert_eq!(
            Measurement::InsideLeg.format(815, UnitSystem::Metric),
            "81.5 cm"
        );
        assert_eq!(
            Measurement::InsideLeg.format(815, UnitSystem::Imperial),
            "32.1 in"
        );
        assert_eq!(
            Measurement::BodyMass.format(81_647, UnitSystem::Imperial),
            "180.0 lb"
        );
        assert_eq!(
            Measurement::InsideLeg
                .format_in(815, Unit::Millimetre)
                .as_deref(),
            Some("815 mm")
        );
        assert_eq!(Measurement::BodyMass.format_in(815, Unit::Inch), None);
    }
}
