//! Plausibility: values and combinations that real people almost never show. Each one is a
//! warning that a fitter confirms, never a refusal: the customer in front of them may be the
//! rare case, but far more often a value went into the wrong field or the wrong unit.
//!
//! The bands come from ANSUR II (6,068 US Army personnel, 2012; Gordon et al. 2014). Every
//! ratio band admits every ANSUR subject, with room to spare because the survey's soldiers are
//! screened and some ANSUR landmarks differ from ISO 8559-1 (waist at the navel, arm straight).
//! `ansur_ratios.csv` beside this file gives each ratio's observed distribution and how many
//! subjects each band flags (none); the population test below checks the rules themselves on
//! the subjects at both extremes of every statistic. Lengths are compared with lengths and
//! girths with girths: stature predicts girths too poorly (r ≈ 0.25) to check them against.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};

use super::unit::{Bound, round_outside};
use super::{Lang, Measurement, Unit, UnitSystem, ValueRange};

/// Number of subjects behind the survey ranges, as each language writes it.
const SURVEY_SIZE: (&str, &str) = ("6,068", "6068");

/// A plausibility rule. Warnings come out in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// One value outside the range seen in ANSUR II (see [`Measurement::survey_range`]).
    OutsideSurveyRange,
    InsideLegToStature,
    ArmLengthToStature,
    ShoulderWidthToStature,
    FootLengthToStature,
    BodyMassIndex,
    /// Body mass far from what a body of its hip girth and stature weighs: a mass typed in
    /// pounds but read as kilograms, or the other way round, that the body mass index misses.
    BodyMassForHipAndStature,
    NeckToChest,
    WaistToChest,
    WaistToHip,
    ThighToHip,
}

/// A rule that failed, the measurements it involves, and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub rule: Rule,
    pub measurements: Vec<Measurement>,
    pub detail: WarningDetail,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WarningDetail {
    /// A single value and the survey range, shown in `unit`.
    Value {
        value: u32,
        range: ValueRange,
        unit: Unit,
    },
    /// First measurement divided by the second, and the band it should lie in.
    Ratio {
        value: Decimal,
        low: Decimal,
        high: Decimal,
    },
    /// Body mass index in kg/m², and the band it should lie in.
    BodyMassIndex {
        value: Decimal,
        low: Decimal,
        high: Decimal,
    },
    /// A body mass (g) and the masses (g) its hip girth and stature admit, shown in `unit`.
    MassForBuild {
        value: u32,
        low: u32,
        high: u32,
        unit: Unit,
    },
}

/// `numerator / denominator` must lie in `[low, high]` percent.
struct RatioRule {
    rule: Rule,
    numerator: Measurement,
    denominator: Measurement,
    low: i64,
    high: i64,
    hint: (&'static str, &'static str),
}

/// ANSUR II observed range in the comment; band limits are whole percent.
const RATIO_RULES: [RatioRule; 8] = [
    // 42.2–54.2 %. A little wider than the 43–53 % warning band the reference data suggests,
    // which flags 8 ANSUR subjects: East Asian customers have proportionally shorter legs, and
    // a cycling inseam pressed up with a book reads about 2 % of stature higher. Beyond 35–65 %
    // the pair is refused (`set::IMPOSSIBLE_RATIO`).
    RatioRule {
        rule: Rule::InsideLegToStature,
        numerator: Measurement::InsideLeg,
        denominator: Measurement::Stature,
        low: 42,
        high: 55,
        hint: (
            "Inside leg is taken standing, from the crotch straight down to the floor.",
            "内腿长应站立测量，从会阴点垂直量至地面。",
        ),
    },
    // 28.4–37.6 % for ANSUR's straight-arm sleeve outseam; the ISO arm length runs over the
    // bent elbow and reads longer, hence 41 % rather than the 40 % tested in the reference.
    RatioRule {
        rule: Rule::ArmLengthToStature,
        numerator: Measurement::ArmLength,
        denominator: Measurement::Stature,
        low: 27,
        high: 41,
        hint: (
            "Arm length runs from the shoulder point over the bent elbow to the wrist bone.",
            "臂长应从肩峰点经弯曲的肘部量至腕骨。",
        ),
    },
    // 18.7–27.0 % (biacromial breadth).
    RatioRule {
        rule: Rule::ShoulderWidthToStature,
        numerator: Measurement::ShoulderWidth,
        denominator: Measurement::Stature,
        low: 17,
        high: 29,
        hint: (
            "Shoulder width is the straight distance between the two shoulder points.",
            "肩宽为左右肩峰点之间的直线距离。",
        ),
    },
    // 13.5–17.7 %.
    RatioRule {
        rule: Rule::FootLengthToStature,
        numerator: Measurement::FootLength,
        denominator: Measurement::Stature,
        low: 12,
        high: 19,
        hint: (
            "Foot length runs from the heel to the tip of the longest toe, standing.",
            "足长为站立时从足跟到最长脚趾尖的距离。",
        ),
    },
    // 28.8–44.6 %.
    RatioRule {
        rule: Rule::NeckToChest,
        numerator: Measurement::NeckGirth,
        denominator: Measurement::ChestGirth,
        low: 26,
        high: 48,
        hint: (
            "Neck girth is taken just below the Adam's apple, chest girth under the armpits.",
            "颈围在喉结下方测量，胸围在腋下测量。",
        ),
    },
    // 69.6–114.9 % with ANSUR's navel waist; the ISO natural waist is smaller, so the band
    // reaches further down than up.
    RatioRule {
        rule: Rule::WaistToChest,
        numerator: Measurement::WaistGirth,
        denominator: Measurement::ChestGirth,
        low: 60,
        high: 130,
        hint: (
            "Waist is taken at the natural waist, chest at its fullest under the armpits.",
            "腰围取自然腰线，胸围取腋下最丰满处。",
        ),
    },
    // 70.1–122.0 %.
    RatioRule {
        rule: Rule::WaistToHip,
        numerator: Measurement::WaistGirth,
        denominator: Measurement::HipGirth,
        low: 60,
        high: 130,
        hint: (
            "Hip girth goes around the fullest part of the buttocks.",
            "臀围应绕臀部最丰满处测量。",
        ),
    },
    // 52.5–68.7 %. A thigh at or above the hip is impossible (one leg against both).
    RatioRule {
        rule: Rule::ThighToHip,
        numerator: Measurement::ThighGirth,
        denominator: Measurement::HipGirth,
        low: 45,
        high: 75,
        hint: (
            "Thigh girth is one leg just below the crotch; hip girth goes around both buttocks.",
            "大腿围只量一条腿（紧贴臀沟下方），臀围绕过整个臀部。",
        ),
    },
];

/// ANSUR II 15.4–43.5 kg/m². Adults reach 13 at the thin end; above 50 is rare enough in
/// civilians to confirm, and is where a mass typed in pounds but read as kilograms lands
/// (×2.2) for anyone above a body mass index of 23.
const BODY_MASS_INDEX_BAND: (i64, i64) = (13, 50);

/// Body mass over hip girth squared times stature, in kg/m³: ANSUR II 32.7–56.1, a narrower
/// spread than the pound's 2.2, so any adult's mass typed in pounds but read as kilograms
/// lands above 62 (and one typed in kilograms but read as pounds below 30). The body mass
/// index misses most of those: 130 lb read as 130 kg at 165 cm is a body mass index of 47.8.
const BUILD_BAND: (i64, i64) = (30, 62);

/// Warnings for values already known to lie within their hard ranges, in a fixed order:
/// survey ranges in measuring order, then the combination rules in [`Rule`] order.
pub(super) fn warnings(values: &BTreeMap<Measurement, u32>, system: UnitSystem) -> Vec<Warning> {
    let mut found: Vec<Warning> = values
        .iter()
        .filter_map(|(&m, &value)| outside_survey_range(m, value, system))
        .collect();
    found.extend(RATIO_RULES.iter().filter_map(|rule| rule.check(values)));
    // One warning about the body mass is enough: the index says the same, when it sees it.
    match body_mass_index(values) {
        Some(index) => found.push(index),
        None => found.extend(body_mass_for_build(values, system)),
    }
    found.sort_by_key(|w| w.rule); // stable: keeps measuring order within a rule
    found
}

fn outside_survey_range(m: Measurement, value: u32, system: UnitSystem) -> Option<Warning> {
    let range = m.survey_range();
    (!range.contains(value)).then(|| Warning {
        rule: Rule::OutsideSurveyRange,
        measurements: vec![m],
        detail: WarningDetail::Value {
            value,
            range,
            unit: system.unit_for(m),
        },
    })
}

impl RatioRule {
    fn check(&self, values: &BTreeMap<Measurement, u32>) -> Option<Warning> {
        let numerator = Decimal::from(*values.get(&self.numerator)?);
        let denominator = Decimal::from(*values.get(&self.denominator)?);
        let value = numerator.checked_div(denominator)?;
        let (low, high) = (Decimal::new(self.low, 2), Decimal::new(self.high, 2));
        outside(value, low, high).then(|| Warning {
            rule: self.rule,
            measurements: vec![self.numerator, self.denominator],
            detail: WarningDetail::Ratio { value, low, high },
        })
    }
}

fn body_mass_index(values: &BTreeMap<Measurement, u32>) -> Option<Warning> {
    let grams = Decimal::from(*values.get(&Measurement::BodyMass)?);
    let millimetres = Decimal::from(*values.get(&Measurement::Stature)?);
    // kg / m² = (g / 1000) / (mm / 1000)² = g × 1000 / mm²
    let value = grams
        .checked_mul(Decimal::ONE_THOUSAND)?
        .checked_div(millimetres.checked_mul(millimetres)?)?;
    let (low, high) = (
        Decimal::from(BODY_MASS_INDEX_BAND.0),
        Decimal::from(BODY_MASS_INDEX_BAND.1),
    );
    outside(value, low, high).then(|| Warning {
        rule: Rule::BodyMassIndex,
        measurements: vec![Measurement::Stature, Measurement::BodyMass],
        detail: WarningDetail::BodyMassIndex { value, low, high },
    })
}

fn body_mass_for_build(values: &BTreeMap<Measurement, u32>, system: UnitSystem) -> Option<Warning> {
    let grams = *values.get(&Measurement::BodyMass)?;
    let hip = Decimal::from(*values.get(&Measurement::HipGirth)?);
    let stature = Decimal::from(*values.get(&Measurement::Stature)?);
    // kg / m³ = (g / 1000) / ((mm / 1000)² × mm / 1000) = g × 10⁶ / (mm² × mm)
    let volume = hip.checked_mul(hip)?.checked_mul(stature)?;
    let value = Decimal::from(grams).checked_mul(Decimal::from(1_000_000))?.checked_div(volume)?;
    let (low, high) = (Decimal::from(BUILD_BAND.0), Decimal::from(BUILD_BAND.1));
    // The masses the band admits for this body, in grams: what the message offers instead.
    let mass = |k: Decimal| volume.checked_mul(k)?.checked_div(Decimal::from(1_000_000))?.round().try_into().ok();
    outside(value, low, high).then_some(())?;
    Some(Warning {
        rule: Rule::BodyMassForHipAndStature,
        measurements: vec![Measurement::BodyMass, Measurement::HipGirth, Measurement::Stature],
        detail: WarningDetail::MassForBuild { value: grams, low: mass(low)?, high: mass(high)?, unit: system.unit_for(Measurement::BodyMass) },
    })
}

/// Bands are inclusive. `Decimal` division of two integers is exact here: a quotient that
/// does not terminate differs from a two-decimal bound by far more than its 28 digits round.
fn outside(value: Decimal, low: Decimal, high: Decimal) -> bool {
    value < low || value > high
}

impl Rule {
    pub const ALL: [Rule; 11] = [
        Rule::OutsideSurveyRange,
        Rule::InsideLegToStature,
        Rule::ArmLengthToStature,
        Rule::ShoulderWidthToStature,
        Rule::FootLengthToStature,
        Rule::BodyMassIndex,
        Rule::BodyMassForHipAndStature,
        Rule::NeckToChest,
        Rule::WaistToChest,
        Rule::WaistToHip,
        Rule::ThighToHip,
    ];

    /// The stable `snake_case` code, e.g. `inside_leg_to_stature`.
    pub fn code(self) -> &'static str {
        match self {
            Rule::OutsideSurveyRange => "outside_survey_range",
            Rule::InsideLegToStature => "inside_leg_to_stature",
            Rule::ArmLengthToStature => "arm_length_to_stature",
            Rule::ShoulderWidthToStature => "shoulder_width_to_stature",
            Rule::FootLengthToStature => "foot_length_to_stature",
            Rule::BodyMassIndex => "body_mass_index",
            Rule::BodyMassForHipAndStature => "body_mass_for_hip_and_stature",
            Rule::NeckToChest => "neck_to_chest",
            Rule::WaistToChest => "waist_to_chest",
            Rule::WaistToHip => "waist_to_hip",
            Rule::ThighToHip => "thigh_to_hip",
        }
    }

    /// A confirmed warning's id (see [`Warning::id`]) in words, as a measurement history lists
    /// it: "Hand girth outside the survey's range", "Inside leg to stature"; an id no rule
    /// knows (one a later version dropped) is shown as it was stored.
    pub fn describe_id(id: &str, lang: Lang) -> String {
        let (code, measurement) = id.split_once('.').map_or((id, None), |(c, m)| (c, Measurement::from_code(m)));
        let Some(rule) = Rule::ALL.into_iter().find(|r| r.code() == code) else { return id.to_owned() };
        let zh = lang == Lang::ZhCn;
        match (rule, measurement) {
            (Rule::OutsideSurveyRange, Some(m)) if zh => format!("{}超出调查范围", m.name(lang)),
            (Rule::OutsideSurveyRange, Some(m)) => format!("{} outside the survey's range", m.name(lang)),
            (Rule::BodyMassIndex, _) if zh => "体重指数".to_owned(),
            (Rule::BodyMassIndex, _) => "Body mass index".to_owned(),
            (Rule::BodyMassForHipAndStature, _) if zh => "体重与臀围、身高".to_owned(),
            (Rule::BodyMassForHipAndStature, _) => "Body mass for hip girth and stature".to_owned(),
            _ => match RATIO_RULES.iter().find(|r| r.rule == rule) {
                Some(r) if zh => format!("{}与{}之比", r.numerator.name(lang), r.denominator.name(lang)),
                Some(r) => format!("{} to {}", r.numerator.name(lang), r.denominator.name(lang).to_lowercase()),
                None => id.to_owned(),
            },
        }
    }

    /// The band `[low, high]` in percent for a ratio rule.
    pub fn ratio_band_percent(self) -> Option<(i64, i64)> {
        RATIO_RULES
            .iter()
            .find(|r| r.rule == self)
            .map(|r| (r.low, r.high))
    }
}

impl Warning {
    pub fn code(&self) -> &'static str {
        self.rule.code()
    }

    /// A stable id to record the fitter's confirmation against: the rule code, with the
    /// measurement for single-value rules (`outside_survey_range.body_mass`).
    pub fn id(&self) -> String {
        match (&self.detail, self.measurements.first()) {
            (WarningDetail::Value { .. }, Some(m)) => format!("{}.{}", self.code(), m.code()),
            _ => self.code().to_owned(),
        }
    }

    /// The Fluent message id, e.g. `measurement-warning-inside-leg-to-stature`.
    pub fn key(&self) -> String {
        format!("measurement-warning-{}", self.code().replace('_', "-"))
    }

    /// Fluent arguments. Single values: `field`, `value`, `min`, `max`, `unit`. Ratios:
    /// `first`, `second` (measurement codes), `value`, `low`, `high` in percent. Body mass
    /// index: `value`, `low`, `high` in kg/m². Body mass for the hip girth and stature: `value`,
    /// and the `low` and `high` masses such a body weighs, in `unit`.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match &self.detail {
            WarningDetail::Value { value, range, unit } => {
                let field = self
                    .measurements
                    .first()
                    .map(|m| m.code())
                    .unwrap_or_default();
                let (min, max) = survey_bounds(*unit, *range);
                vec![
                    ("field", field.to_owned()),
                    ("value", unit.format_outside(*value, *range)),
                    ("min", min),
                    ("max", max),
                    ("unit", unit.symbol().to_owned()),
                ]
            }
            WarningDetail::Ratio { value, low, high } => {
                let code = |i: usize| {
                    self.measurements
                        .get(i)
                        .map(|m| m.code())
                        .unwrap_or_default()
                };
                vec![
                    ("first", code(0).to_owned()),
                    ("second", code(1).to_owned()),
                    (
                        "value",
                        found(percent(*value), percent(*low), percent(*high)),
                    ),
                    ("low", one_decimal(percent(*low))),
                    ("high", one_decimal(percent(*high))),
                ]
            }
            WarningDetail::BodyMassIndex { value, low, high } => {
                vec![
                    ("value", found(*value, *low, *high)),
                    ("low", one_decimal(*low)),
                    ("high", one_decimal(*high)),
                ]
            }
            WarningDetail::MassForBuild { value, low, high, unit } => {
                let (low, high) = admitted(*unit, *low, *high);
                vec![("value", unit.format(*value)), ("low", low), ("high", high), ("unit", unit.symbol().to_owned())]
            }
        }
    }

    /// A plain-language message in English or Simplified Chinese.
    pub fn message(&self, lang: Lang) -> String {
        match &self.detail {
            WarningDetail::Value { value, range, unit } => {
                self.value_message(lang, *value, *range, *unit)
            }
            WarningDetail::Ratio { value, low, high } => {
                self.ratio_message(lang, *value, *low, *high)
            }
            WarningDetail::BodyMassIndex { value, low, high } => {
                bmi_message(lang, *value, *low, *high)
            }
            WarningDetail::MassForBuild { value, low, high, unit } => build_message(lang, *value, *low, *high, *unit),
        }
    }

    fn value_message(&self, lang: Lang, value: u32, range: ValueRange, unit: Unit) -> String {
        let name = self.name(0, lang);
        let ((min, max), symbol) = (survey_bounds(unit, range), unit.symbol());
        let shown = unit.format_outside(value, range);
        match lang {
            Lang::En => format!(
                "{name} {shown} {symbol} is outside the range measured in {} adults \
                 ({min}–{max} {symbol}). Check it, then confirm.",
                SURVEY_SIZE.0
            ),
            Lang::ZhCn => format!(
                "{name} {shown} {symbol} 超出 {} 名受测成年人的范围\
                 （{min}–{max} {symbol}），请复核后确认。",
                SURVEY_SIZE.1
            ),
        }
    }

    fn ratio_message(&self, lang: Lang, value: Decimal, low: Decimal, high: Decimal) -> String {
        let (first, second) = (self.name(0, lang), self.name(1, lang));
        let (v, lo, hi) = (percent(value), percent(low), percent(high));
        let (v, lo, hi) = (found(v, lo, hi), one_decimal(lo), one_decimal(hi));
        let hint = RATIO_RULES
            .iter()
            .find(|r| r.rule == self.rule)
            .map(|r| match lang {
                Lang::En => r.hint.0,
                Lang::ZhCn => r.hint.1,
            })
            .unwrap_or_default();
        match lang {
            Lang::En => format!(
                "{first} is {v}% of {}, outside the {lo}–{hi}% real people show. {hint}",
                lowercase_first(second)
            ),
            Lang::ZhCn => format!("{first}为{second}的 {v}%，超出实际人群的 {lo}%–{hi}%。{hint}"),
        }
    }

    fn name(&self, index: usize, lang: Lang) -> &'static str {
        self.measurements
            .get(index)
            .map(|m| m.name(lang))
            .unwrap_or_default()
    }
}

fn bmi_message(lang: Lang, value: Decimal, low: Decimal, high: Decimal) -> String {
    let (value, low, high) = (found(value, low, high), one_decimal(low), one_decimal(high));
    match lang {
        Lang::En => format!(
            "Body mass and stature give a body mass index of {value}, outside the {low}–{high} \
             adults show. Check that body mass is in the right unit (kg or lb) and stature is right."
        ),
        Lang::ZhCn => format!(
            "体重与身高得出的体重指数（BMI）为 {value}，超出成年人的 {low}–{high}。\
             请确认体重单位（kg 或 lb）及身高是否正确。"
        ),
    }
}

/// The masses a body admits, rounded inwards to whole kilograms or pounds: they are a guide.
fn admitted(unit: Unit, low: u32, high: u32) -> (String, String) {
    let whole = |g: u32, s: RoundingStrategy| unit.from_canonical(g).round_dp_with_strategy(0, s).to_string();
    (whole(low, RoundingStrategy::AwayFromZero), whole(high, RoundingStrategy::ToZero))
}

fn build_message(lang: Lang, value: u32, low: u32, high: u32, unit: Unit) -> String {
    let (shown, symbol) = (unit.format(value), unit.symbol());
    let (min, max) = admitted(unit, low, high);
    let heavier = value > high;
    match (lang, heavier) {
        (Lang::En, true) => format!(
            "Body mass {shown} {symbol} is far more than adults of this hip girth and stature weigh \
             (about {min}–{max} {symbol}). Check that body mass is in the right unit (kg or lb)."
        ),
        (Lang::En, false) => format!(
            "Body mass {shown} {symbol} is far less than adults of this hip girth and stature weigh \
             (about {min}–{max} {symbol}). Check that body mass is in the right unit (kg or lb)."
        ),
        (Lang::ZhCn, true) => format!("体重 {shown} {symbol} 远高于此臀围和身高的成年人（约 {min}–{max} {symbol}）。请确认体重单位（kg 或 lb）是否正确。"),
        (Lang::ZhCn, false) => format!("体重 {shown} {symbol} 远低于此臀围和身高的成年人（约 {min}–{max} {symbol}）。请确认体重单位（kg 或 lb）是否正确。"),
    }
}

fn survey_bounds(unit: Unit, range: ValueRange) -> (String, String) {
    (
        unit.format_bound(range.min, Bound::Lower),
        unit.format_bound(range.max, Bound::Upper),
    )
}

/// A ratio in percent. Ratios of body measurements are far from overflowing.
fn percent(ratio: Decimal) -> Decimal {
    ratio.checked_mul(Decimal::ONE_HUNDRED).unwrap_or(ratio)
}

/// A value found outside `[low, high]`, to one decimal. Rounded to nearest unless that would
/// land on or inside the band, so 56.04 % against a 56 % limit reads "56.1", not "56".
fn found(value: Decimal, low: Decimal, high: Decimal) -> String {
    round_outside(value, low, high, 1).normalize().to_string()
}

fn one_decimal(value: Decimal) -> String {
    value
        .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
        .to_string()
}

/// "Chest / bust girth" reads as "chest / bust girth" mid-sentence.
fn lowercase_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// ANSUR II pooled medians (mm, g): a person no rule should flag (the generated data's orders
/// are checked against this body).
pub fn median_person() -> BTreeMap<Measurement, u32> {
    use Measurement::*;
    BTreeMap::from([
        (Stature, 1719),
        (BodyMass, 78_500),
        (HeadGirth, 570),
        (NeckGirth, 380),
        (ShoulderWidth, 404),
        (ChestGirth, 1020),
        (WaistGirth, 907),
        (HipGirth, 1017),
        (ThighGirth, 621),
        (ArmLength, 578),
        (HandGirth, 206),
        (InsideLeg, 825),
        (FootLength, 264),
    ])
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_confirmed_warning_is_listed_in_words() {
        assert_eq!(Rule::describe_id("outside_survey_range.hand_girth", Lang::En), "Hand girth outside the survey's range");
        assert_eq!(Rule::describe_id("inside_leg_to_stature", Lang::En), "Inside leg to stature");
        assert_eq!(Rule::describe_id("body_mass_index", Lang::ZhCn), "体重指数");
        assert_eq!(Rule::describe_id("thigh_to_hip", Lang::ZhCn), "大腿围与臀围之比");
        assert_eq!(Rule::describe_id("a_rule_since_dropped", Lang::En), "a_rule_since_dropped");
    }

    use super::super::testdata::{ANSUR_RATIOS, csv_rows};
    use super::*;
    use Measurement::*;

    fn median_person() -> BTreeMap<Measurement, u32> {
        super::median_person()
    }

    fn with(changes: &[(Measurement, u32)]) -> Vec<Warning> {
        let mut values = median_person();
        values.extend(changes.iter().copied());
        warnings(&values, UnitSystem::Metric)
    }

    fn rules(found: &[Warning]) -> Vec<Rule> {
        found.iter().map(|w| w.rule).collect()
    }

    #[test]
    fn a_median_person_raises_no_warning() {
        assert_eq!(with(&[]), vec![]);
    }

    #[test]
    fn an_inside_leg_longer_than_stature_is_flagged() {
        let found = with(&[(Stature, 1750), (InsideLeg, 1800)]);
        assert_eq!(
            rules(&found),
            vec![Rule::OutsideSurveyRange, Rule::InsideLegToStature]
        );
        let warning = &found[1];
        assert_eq!(warning.measurements, vec![InsideLeg, Stature]);
        assert_eq!(warning.code(), "inside_leg_to_stature");
        assert_eq!(
            warning.message(Lang::En),
            "Inside leg is 102.9% of stature, outside the 42–55% real people show. \
             Inside leg is taken standing, from the crotch straight down to the floor."
        );
        assert_eq!(
            warning.message(Lang::ZhCn),
            "内腿长为身高的 102.9%，超出实际人群的 42%–55%。内腿长应站立测量，从会阴点垂直量至地面。"
        );
    }

    #[test]
    fn an_arm_length_typed_as_inside_leg_is_flagged() {
        let found = with(&[(InsideLeg, 578)]);
        assert_eq!(
            rules(&found),
            vec![Rule::OutsideSurveyRange, Rule::InsideLegToStature]
        );
    }

    #[test]
    fn ratio_bands_include_their_edges() {
        // 756 / 1800 = 0.42 and 990 / 1800 = 0.55 exactly
        assert_eq!(with(&[(Stature, 1800), (InsideLeg, 756)]), vec![]);
        assert_eq!(with(&[(Stature, 1800), (InsideLeg, 990)]), vec![]);
        assert_eq!(
            rules(&with(&[(Stature, 1800), (InsideLeg, 991)])),
            vec![Rule::InsideLegToStature]
        );
        assert_eq!(
            rules(&with(&[(Stature, 1800), (InsideLeg, 755)])),
            vec![Rule::InsideLegToStature]
        );
    }

    #[test]
    fn an_arm_longer_than_usual_for_the_stature_is_flagged() {
        let found = with(&[(ArmLength, 710)]); // 41.3 % of 1719
        assert_eq!(rules(&found), vec![Rule::ArmLengthToStature]);
        assert_eq!(found[0].measurements, vec![ArmLength, Stature]);
        assert_eq!(
            found[0].message(Lang::En),
            "Arm length is 41.3% of stature, outside the 27–41% real people show. \
             Arm length runs from the shoulder point over the bent elbow to the wrist bone."
        );
    }

    #[test]
    fn shoulders_too_narrow_for_the_stature_are_flagged() {
        let found = with(&[(ShoulderWidth, 290)]); // 16.9 %
        assert_eq!(rules(&found), vec![Rule::ShoulderWidthToStature]);
        assert_eq!(
            found[0].message(Lang::ZhCn),
            "肩宽为身高的 16.9%，超出实际人群的 17%–29%。肩宽为左右肩峰点之间的直线距离。"
        );
    }

    #[test]
    fn a_foot_too_long_for_the_stature_is_flagged() {
        let found = with(&[(Stature, 1500), (FootLength, 290)]); // 19.3 %
        assert_eq!(rules(&found), vec![Rule::FootLengthToStature]);
        assert_eq!(found[0].measurements, vec![FootLength, Stature]);
    }

    #[test]
    fn a_neck_out_of_proportion_to_the_chest_is_flagged() {
        let found = with(&[(NeckGirth, 500), (ChestGirth, 1000)]); // 50 %
        assert_eq!(rules(&found), vec![Rule::NeckToChest]);
        assert_eq!(
            found[0].message(Lang::En),
            "Neck girth is 50% of chest / bust girth, outside the 26–48% real people show. \
             Neck girth is taken just below the Adam's apple, chest girth under the armpits."
        );
    }

    #[test]
    fn a_waist_far_above_the_chest_is_flagged() {
        let found = with(&[
            (ChestGirth, 1000),
            (WaistGirth, 1310),
            (HipGirth, 1200),
            (ThighGirth, 700),
        ]);
        assert_eq!(rules(&found), vec![Rule::WaistToChest]);
        assert_eq!(found[0].measurements, vec![WaistGirth, ChestGirth]);
        assert_eq!(
            found[0].message(Lang::ZhCn),
            "腰围为胸围的 131%，超出实际人群的 60%–130%。腰围取自然腰线，胸围取腋下最丰满处。"
        );
    }

    #[test]
    fn a_waist_far_below_the_chest_is_flagged() {
        let found = with(&[(ChestGirth, 1200), (WaistGirth, 700), (HipGirth, 1000)]); // 58.3 %
        assert_eq!(rules(&found), vec![Rule::WaistToChest]);
    }

    #[test]
    fn a_waist_far_above_the_hip_is_flagged() {
        let found = with(&[
            (ChestGirth, 1200),
            (WaistGirth, 1350),
            (HipGirth, 1000),
            (ThighGirth, 600),
        ]);
        assert_eq!(rules(&found), vec![Rule::WaistToHip]);
        assert_eq!(found[0].measurements, vec![WaistGirth, HipGirth]);
        assert_eq!(found[0].args()[2], ("value", "135".to_owned()));
    }

    #[test]
    fn a_thigh_as_large_as_the_hip_is_flagged() {
        let found = with(&[(ThighGirth, 1017)]);
        assert_eq!(
            rules(&found),
            vec![Rule::OutsideSurveyRange, Rule::ThighToHip]
        );
        assert_eq!(found[1].measurements, vec![ThighGirth, HipGirth]);
        assert_eq!(
            found[1].message(Lang::En),
            "Thigh girth is 100% of hip girth, outside the 45–75% real people show. \
             Thigh girth is one leg just below the crotch; hip girth goes around both buttocks."
        );
    }

    #[test]
    fn a_body_mass_typed_in_pounds_but_read_as_kilograms_is_flagged() {
        // 78.5 kg is 173 lb; read as 173 kg at 171.9 cm that is a body mass index of 58.5
        let found = with(&[(BodyMass, 173_000)]);
        assert_eq!(
            rules(&found),
            vec![Rule::OutsideSurveyRange, Rule::BodyMassIndex]
        );
        let bmi = &found[1];
        assert_eq!(bmi.measurements, vec![Stature, BodyMass]);
        assert_eq!(
            bmi.message(Lang::En),
            "Body mass and stature give a body mass index of 58.5, outside the 13–50 adults show. \
             Check that body mass is in the right unit (kg or lb) and stature is right."
        );
        assert_eq!(
            bmi.message(Lang::ZhCn),
            "体重与身高得出的体重指数（BMI）为 58.5，超出成年人的 13–50。请确认体重单位（kg 或 lb）及身高是否正确。"
        );
        assert_eq!(
            bmi.args(),
            vec![
                ("value", "58.5".into()),
                ("low", "13".into()),
                ("high", "50".into())
            ]
        );
    }

    #[test]
    fn a_body_mass_in_pounds_that_the_body_mass_index_misses_is_flagged_for_the_hip_girth() {
        // A woman of 165 cm and 59 kg (130 lb), hip girth 96 cm: 130 typed into the kilogram
        // field is a body mass index of 47.8, inside its band, and inside the survey's range.
        let values = BTreeMap::from([(Stature, 1650), (HipGirth, 960), (BodyMass, 130_000)]);
        let found = warnings(&values, UnitSystem::Metric);
        assert_eq!(rules(&found), vec![Rule::BodyMassForHipAndStature]);
        assert_eq!(found[0].measurements, vec![BodyMass, HipGirth, Stature]);
        assert_eq!(
            found[0].message(Lang::En),
            "Body mass 130.0 kg is far more than adults of this hip girth and stature weigh (about 46–94 kg). \
             Check that body mass is in the right unit (kg or lb)."
        );
        assert_eq!(found[0].message(Lang::ZhCn), "体重 130.0 kg 远高于此臀围和身高的成年人（约 46–94 kg）。请确认体重单位（kg 或 lb）是否正确。");
        assert_eq!(found[0].args(), vec![("value", "130.0".into()), ("low", "46".into()), ("high", "94".into()), ("unit", "kg".into())]);
        // The same mass as it was meant, in pounds, is nothing unusual. A woman of 100 kg with
        // a hip girth of 125 cm who types 100 into the pound field is far too light, said in
        // pounds (her body mass index of 16.7 is not unusual).
        assert_eq!(warnings(&BTreeMap::from([(Stature, 1650), (HipGirth, 960), (BodyMass, 58_967)]), UnitSystem::Imperial), vec![]);
        let light = warnings(&BTreeMap::from([(Stature, 1650), (HipGirth, 1250), (BodyMass, 45_359)]), UnitSystem::Imperial);
        assert_eq!(rules(&light), vec![Rule::BodyMassForHipAndStature]);
        assert_eq!(light[0].message(Lang::En), "Body mass 100.0 lb is far less than adults of this hip girth and stature weigh (about 171–352 lb). Check that body mass is in the right unit (kg or lb).");
        // Where the body mass index already says it, it alone does.
        let both = warnings(&BTreeMap::from([(Stature, 1650), (HipGirth, 960), (BodyMass, 26_762)]), UnitSystem::Metric);
        assert_eq!(rules(&both), vec![Rule::OutsideSurveyRange, Rule::BodyMassIndex]);
        assert_eq!(Rule::describe_id("body_mass_for_hip_and_stature", Lang::En), "Body mass for hip girth and stature");
    }

    #[test]
    fn a_body_mass_far_too_low_for_the_stature_is_flagged() {
        let found = with(&[(BodyMass, 38_000)]); // 12.9 at 171.9 cm
        assert_eq!(rules(&found), vec![Rule::BodyMassIndex]);
    }

    #[test]
    fn a_value_outside_the_survey_range_is_flagged_in_the_sessions_unit() {
        let mut values = median_person();
        values.insert(BodyMass, 150_000); // body mass index 50.8 too
        let found = warnings(&values, UnitSystem::Imperial);
        assert_eq!(
            rules(&found),
            vec![Rule::OutsideSurveyRange, Rule::BodyMassIndex]
        );
        let value = &found[0];
        assert_eq!(value.id(), "outside_survey_range.body_mass");
        assert_eq!(value.key(), "measurement-warning-outside-survey-range");
        assert_eq!(
            value.message(Lang::En),
            "Body mass 330.7 lb is outside the range measured in 6,068 adults (77.2–319.6 lb). \
             Check it, then confirm."
        );
        let metric = warnings(&values, UnitSystem::Metric);
        assert_eq!(
            metric[0].message(Lang::ZhCn),
            "体重 150.0 kg 超出 6068 名受测成年人的范围（35–145 kg），请复核后确认。"
        );
        assert_eq!(
            metric[0].args(),
            vec![
                ("field", "body_mass".into()),
                ("value", "150.0".into()),
                ("min", "35".into()),
                ("max", "145".into()),
                ("unit", "kg".into())
            ]
        );
    }

    #[test]
    fn survey_range_edges_are_not_flagged() {
        for m in Measurement::ALL {
            let range = m.survey_range();
            for value in [range.min, range.max] {
                let found = warnings(&BTreeMap::from([(m, value)]), UnitSystem::Metric);
                assert_eq!(found, vec![], "{m} {value}");
            }
        }
    }

    #[test]
    fn a_rule_needs_both_of_its_measurements() {
        let only_inside_leg = BTreeMap::from([(InsideLeg, 1000)]);
        assert_eq!(warnings(&only_inside_leg, UnitSystem::Metric), vec![]);
        let only_mass = BTreeMap::from([(BodyMass, 140_000)]);
        assert_eq!(warnings(&only_mass, UnitSystem::Metric), vec![]);
    }

    #[test]
    fn warnings_come_in_rule_order_then_measuring_order() {
        let found = with(&[
            (Stature, 1300),
            (FootLength, 340),
            (InsideLeg, 900),
            (BodyMass, 20_000),
        ]);
        let summary: Vec<String> = found.iter().map(Warning::id).collect();
        assert_eq!(
            summary,
            [
                "outside_survey_range.stature",
                "outside_survey_range.body_mass",
                "outside_survey_range.foot_length",
                "inside_leg_to_stature",
                "arm_length_to_stature",
                "shoulder_width_to_stature",
                "foot_length_to_stature",
                "body_mass_index",
            ]
        );
    }

    #[test]
    fn a_value_just_past_a_limit_never_reads_as_the_limit() {
        // 1541 / 2800 = 55.04 %, 38_400 g at 1719 mm = body mass index 12.995
        let found = with(&[(Stature, 2800), (InsideLeg, 1541)]);
        let inside_leg = found
            .iter()
            .find(|w| w.rule == Rule::InsideLegToStature)
            .unwrap();
        assert_eq!(inside_leg.args()[2], ("value", "55.1".into()));
        let found = with(&[(BodyMass, 38_400)]);
        assert_eq!(found[0].args()[0], ("value", "12.9".into()));
        let found = with(&[(BodyMass, 145_001)]);
        assert!(
            found[0]
                .message(Lang::En)
                .starts_with("Body mass 145.1 kg is outside")
        );
    }

    #[test]
    fn ratio_warnings_carry_fluent_arguments() {
        let found = with(&[(Stature, 1750), (InsideLeg, 1000)]);
        assert_eq!(found[0].key(), "measurement-warning-inside-leg-to-stature");
        assert_eq!(
            found[0].args(),
            vec![
                ("first", "inside_leg".into()),
                ("second", "stature".into()),
                ("value", "57.1".into()),
                ("low", "42".into()),
                ("high", "55".into())
            ]
        );
    }

    #[test]
    fn rule_codes_are_unique_and_snake_case() {
        let codes: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len());
        assert!(
            codes
                .iter()
                .all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'))
        );
        let mut ordered = Rule::ALL;
        ordered.sort();
        assert_eq!(ordered, Rule::ALL);
    }

    #[test]
    fn every_band_admits_every_ansur_subject_with_room_to_spare() {
        let rows = csv_rows(ANSUR_RATIOS);
        assert_eq!(rows.len(), RATIO_RULES.len() + 2);
        for row in rows {
            let rule = Rule::ALL
                .into_iter()
                .find(|r| r.code() == row["rule"])
                .unwrap();
            let (low, high) = match (rule.ratio_band_percent(), rule) {
                (Some((low, high)), _) => (Decimal::new(low, 2), Decimal::new(high, 2)),
                (None, Rule::BodyMassForHipAndStature) => (Decimal::from(BUILD_BAND.0), Decimal::from(BUILD_BAND.1)),
                (None, _) => (
                    Decimal::from(BODY_MASS_INDEX_BAND.0),
                    Decimal::from(BODY_MASS_INDEX_BAND.1),
                ),
            };
            let number = |column: &str| row[column].parse::<Decimal>().unwrap();
            assert_eq!(
                (number("low"), number("high")),
                (low, high),
                "{} disagrees with the file",
                row["rule"]
            );
            assert!(
                low < number("min") && number("max") < high,
                "{}",
                row["rule"]
            );
            assert_eq!(
                (row["flagged_male"].as_str(), row["flagged_female"].as_str()),
                ("0", "0")
            );
        }
    }
}
