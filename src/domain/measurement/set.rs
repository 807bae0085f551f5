//! A set of measurements taken together, and its validation.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::{FieldError, FieldErrorKind};
use super::plausibility::{self, Warning};
use super::{Measurement, UnitSystem};

/// Canonical values (mm or g) by measurement; iterates in measuring order. Serialises as a
/// map from code to integer: `{"stature": 1755, "body_mass": 72500}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MeasurementSet {
    values: BTreeMap<Measurement, u32>,
}

/// What a form of typed measurements gave: the values that parsed, and an error for each
/// that did not, in measuring order. Blank fields are simply not measured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedForm {
    pub set: MeasurementSet,
    pub errors: Vec<FieldError>,
}

/// The outcome of [`MeasurementSet::validate`]: refused values and warnings to confirm, each
/// in a fixed order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validation {
    pub errors: Vec<FieldError>,
    pub warnings: Vec<Warning>,
}

impl MeasurementSet {
    pub fn new() -> MeasurementSet {
        MeasurementSet::default()
    }

    /// Stores a canonical value without checking it, like a map: values come from parsing or
    /// from storage, and [`MeasurementSet::validate`] reports any that are out of range.
    pub fn insert(&mut self, m: Measurement, value: u32) -> Option<u32> {
        self.values.insert(m, value)
    }

    pub fn remove(&mut self, m: Measurement) -> Option<u32> {
        self.values.remove(&m)
    }

    pub fn get(&self, m: Measurement) -> Option<u32> {
        self.values.get(&m).copied()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The values in measuring order.
    pub fn iter(&self) -> impl Iterator<Item = (Measurement, u32)> + '_ {
        self.values.iter().map(|(&m, &v)| (m, v))
    }

    /// Parses a form's fields, each a number as typed, numbers without a unit in `system`.
    pub fn parse_form<'a>(
        inputs: impl IntoIterator<Item = (Measurement, &'a str)>,
        system: UnitSystem,
    ) -> ParsedForm {
        let mut form = ParsedForm::default();
        for (m, input) in inputs
            .into_iter()
            .filter(|(_, input)| !input.trim().is_empty())
        {
            match m.parse(input, system) {
                Ok(value) => {
                    form.set.insert(m, value);
                }
                Err(error) => form.errors.push(error),
            }
        }
        form.errors.sort_by_key(|e| e.measurement);
        form
    }

    /// [`MeasurementSet::validate_in`] with ranges stated in cm and kg.
    pub fn validate(&self) -> Validation {
        self.validate_in(UnitSystem::Metric)
    }

    /// Refuses values outside their hard range, and warns about the plausibility of the rest;
    /// ranges in messages are stated in `system`'s units. Which measurements a product needs
    /// is the catalog's business, not checked here.
    pub fn validate_in(&self, system: UnitSystem) -> Validation {
        let (valid, invalid): (BTreeMap<_, _>, BTreeMap<_, _>) = self
            .values
            .iter()
            .map(|(&m, &v)| (m, v))
            .partition(|&(m, v)| m.hard_range().contains(v));
        let mut errors: Vec<FieldError> = invalid
            .into_keys()
            .map(|m| {
                let kind = FieldErrorKind::OutOfRange {
                    unit: system.unit_for(m),
                    range: m.hard_range(),
                };
                FieldError::new(m, kind)
            })
            .collect();
        let mut valid = valid;
        for e in impossible_combinations(|m| valid.get(&m).copied()) {
            valid.remove(&e.measurement);
            errors.push(e);
        }
        errors.sort_by_key(|e| e.measurement);
        Validation {
            errors,
            warnings: plausibility::warnings(&valid, system),
        }
    }
}

/// Pairs where the first is always less than the second, on every body: the reference data
/// calls an inside leg reaching the stature, or a thigh girth above the hip girth, impossible
/// (a warning would let a fitter confirm two swapped fields).
const IMPOSSIBLE_ORDER: [(Measurement, Measurement); 2] = [(Measurement::InsideLeg, Measurement::Stature), (Measurement::ThighGirth, Measurement::HipGirth)];

/// `first / second` in percent outside `[low, high]` is no body's. ANSUR II's 6,068 subjects
/// lie at 42–54 % (inside leg to stature), and the reference data refuses beyond 40–56 %; the
/// band here is wider still, because a cycling inseam pressed up with a book reads higher and
/// civilians vary more than soldiers. Between it and the survey's band a warning asks for a
/// check (see `plausibility`).
const IMPOSSIBLE_RATIO: [(Measurement, Measurement, u32, u32); 1] = [(Measurement::InsideLeg, Measurement::Stature, 35, 65)];

/// The combinations of values within their hard ranges that no body has, as errors at the
/// first measurement of each: the measurement forms refuse them, and so does the engine for a
/// configuration that brings its own numbers (the API).
pub fn impossible_combinations(get: impl Fn(Measurement) -> Option<u32>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (lesser, greater) in IMPOSSIBLE_ORDER {
        if let (Some(a), Some(b)) = (get(lesser), get(greater)) {
            if a >= b {
                errors.push(FieldError::new(lesser, FieldErrorKind::NotLessThan { other: greater }));
            }
        }
    }
    for (first, second, low, high) in IMPOSSIBLE_RATIO {
        if errors.iter().any(|e| e.measurement == first) {
            continue;
        }
        if let (Some(a), Some(b)) = (get(first), get(second).filter(|b| *b > 0)) {
            let percent = u64::from(a) * 100 / u64::from(b);
            if u64::from(a) * 100 < u64::from(low) * u64::from(b) || u64::from(a) * 100 > u64::from(high) * u64::from(b) {
                errors.push(FieldError::new(first, FieldErrorKind::ImpossibleRatio { other: second, percent: u32::try_from(percent).unwrap_or(u32::MAX), low, high }));
            }
        }
    }
    errors
}

impl FromIterator<(Measurement, u32)> for MeasurementSet {
    fn from_iter<I: IntoIterator<Item = (Measurement, u32)>>(iter: I) -> Self {
        MeasurementSet {
            values: iter.into_iter().collect(),
        }
    }
}

impl Validation {
    /// No value was refused (warnings may remain).
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// The warnings whose [`Warning::id`] is not among those the fitter confirmed.
    pub fn unconfirmed<'a>(&'a self, confirmed: &[&str]) -> Vec<&'a Warning> {
        self.warnings
            .iter()
            .filter(|w| !confirmed.contains(&w.id().as_str()))
            .collect()
    }

    /// The warnings of `set` confirmed already for an earlier set (`before`, its values by
    /// code, and the ids confirmed for it) whose values they read are all unchanged: confirmed
    /// once, they are not asked about again when something else is re-measured.
    pub fn confirmed_before(&self, set: &MeasurementSet, before: &[(String, i64)], confirmed: &[String]) -> Vec<String> {
        let earlier = |m: Measurement| before.iter().find(|(code, _)| code == m.code()).and_then(|(_, v)| u32::try_from(*v).ok());
        self.warnings
            .iter()
            .filter(|w| confirmed.contains(&w.id()) && !w.measurements.is_empty() && w.measurements.iter().all(|m| set.get(*m).is_some() && set.get(*m) == earlier(*m)))
            .map(Warning::id)
            .collect()
    }

    /// Valid, and every warning confirmed: the set may be saved.
    pub fn is_acceptable(&self, confirmed: &[&str]) -> bool {
        self.is_valid() && self.unconfirmed(confirmed).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{ANSUR_SAMPLE, csv_rows};
    use super::super::{FieldErrorKind, Lang, Rule, Unit};
    use super::*;
    use Measurement::*;

    #[test]
    fn a_set_iterates_in_measuring_order_whatever_the_insertion_order() {
        let set: MeasurementSet = [(FootLength, 264), (Stature, 1719), (InsideLeg, 825)]
            .into_iter()
            .collect();
        let order: Vec<Measurement> = set.iter().map(|(m, _)| m).collect();
        assert_eq!(order, vec![Stature, InsideLeg, FootLength]);
        assert_eq!(set.get(InsideLeg), Some(825));
        assert_eq!(set.get(ChestGirth), None);
        assert_eq!(set.len(), 3);
    }

    #[test]
    fn insert_and_remove_behave_like_a_map() {
        let mut set = MeasurementSet::new();
        assert!(set.is_empty());
        assert_eq!(set.insert(Stature, 1700), None);
        assert_eq!(set.insert(Stature, 1719), Some(1700));
        assert_eq!(set.remove(Stature), Some(1719));
        assert!(set.is_empty());
    }

    #[test]
    fn a_form_keeps_what_parsed_and_reports_the_rest_in_measuring_order() {
        let inputs = [
            (InsideLeg, "eighty"),
            (Stature, "175,5"),
            (ChestGirth, " "),
            (BodyMass, "72 cm"),
            (WaistGirth, "32 in"),
        ];
        let form = MeasurementSet::parse_form(inputs, UnitSystem::Metric);
        assert_eq!(
            form.set,
            [(Stature, 1755), (WaistGirth, 813)].into_iter().collect()
        );
        let failed: Vec<(Measurement, &str)> = form
            .errors
            .iter()
            .map(|e| (e.measurement, e.code()))
            .collect();
        assert_eq!(
            failed,
            vec![(BodyMass, "unit_not_accepted"), (InsideLeg, "not_a_number")]
        );
    }

    #[test]
    fn swapped_fields_are_refused_at_the_lesser_with_the_likely_cause() {
        // Both within their own ranges, but no body has them this way round.
        let set: MeasurementSet = [(Stature, 1000), (InsideLeg, 1200), (HipGirth, 600), (ThighGirth, 700)].into_iter().collect();
        let messages: Vec<String> = set.validate().errors.iter().map(|e| e.message(Lang::En)).collect();
        assert_eq!(
            messages,
            [
                "Thigh girth must be less than hip girth: are the two the other way round?",
                "Inside leg must be less than stature: are the two the other way round?",
            ]
        );
        assert!(set.validate().errors[0].message(Lang::ZhCn).ends_with("：两者是否填反了？"));
    }

    #[test]
    fn a_length_typed_in_inches_into_centimetres_says_so() {
        let form = MeasurementSet::parse_form([(Stature, "69"), (InsideLeg, "31"), (ChestGirth, "12")], UnitSystem::Metric);
        let messages: Vec<String> = form.errors.iter().map(|e| e.message(Lang::En)).collect();
        assert_eq!(
            messages,
            [
                "Stature must be between 80 and 280 cm. Measured in inches? Type it with “in” (that is 175.3 cm).",
                "Chest / bust girth must be between 50 and 250 cm.",
                "Inside leg must be between 40 and 140 cm. Measured in inches? Type it with “in” (that is 78.7 cm).",
            ],
            "12 in is no chest either"
        );
    }

    #[test]
    fn a_stored_value_outside_its_hard_range_is_refused_and_left_out_of_the_rules() {
        let set: MeasurementSet = [(Stature, 1750), (InsideLeg, 3000), (BodyMass, 5)]
            .into_iter()
            .collect();
        let validation = set.validate();
        assert!(!validation.is_valid());
        let messages: Vec<String> = validation
            .errors
            .iter()
            .map(|e| e.message(Lang::En))
            .collect();
        assert_eq!(
            messages,
            [
                "Body mass must be between 20 and 400 kg.",
                "Inside leg must be between 40 and 140 cm."
            ]
        );
        assert_eq!(validation.warnings, vec![]);
        let imperial = set.validate_in(UnitSystem::Imperial);
        assert_eq!(
            imperial.errors[1].kind,
            FieldErrorKind::OutOfRange {
                unit: Unit::Inch,
                range: InsideLeg.hard_range()
            }
        );
        assert_eq!(
            imperial.errors[1].message(Lang::En),
            "Inside leg must be between 15.75 and 55.11 in."
        );
    }

    #[test]
    fn an_implausible_set_is_valid_but_needs_every_warning_confirmed() {
        let set: MeasurementSet = [(Stature, 1750), (InsideLeg, 1000)].into_iter().collect();
        let validation = set.validate();
        assert!(validation.is_valid());
        assert_eq!(validation.warnings.len(), 1);
        assert_eq!(validation.warnings[0].rule, Rule::InsideLegToStature);
        assert!(!validation.is_acceptable(&[]));
        assert_eq!(validation.unconfirmed(&["body_mass_index"]).len(), 1);
        assert!(validation.is_acceptable(&["inside_leg_to_stature"]));
    }

    #[test]
    fn a_warning_confirmed_for_the_same_values_before_is_not_asked_again() {
        let before = vec![("stature".to_owned(), 1750), ("inside_leg".to_owned(), 1000), ("chest_girth".to_owned(), 1000)];
        let confirmed = vec!["inside_leg_to_stature".to_owned()];
        // Only the chest re-measured: the inside leg and stature it was confirmed for stand.
        let set: MeasurementSet = [(Stature, 1750), (InsideLeg, 1000), (ChestGirth, 1020)].into_iter().collect();
        assert_eq!(set.validate().confirmed_before(&set, &before, &confirmed), vec!["inside_leg_to_stature".to_owned()]);
        // The inside leg re-measured: asked again.
        let set: MeasurementSet = [(Stature, 1750), (InsideLeg, 1010)].into_iter().collect();
        assert!(set.validate().confirmed_before(&set, &before, &confirmed).is_empty());
        // Never confirmed: asked.
        let set: MeasurementSet = [(Stature, 1750), (InsideLeg, 1000)].into_iter().collect();
        assert!(set.validate().confirmed_before(&set, &before, &[]).is_empty());
    }

    #[test]
    fn a_set_deserialises_from_codes_and_refuses_unknown_ones() {
        use serde::de::value::{Error, MapDeserializer};
        let entries = vec![("stature", 1719u32), ("inside_leg", 825)];
        let set =
            MeasurementSet::deserialize(MapDeserializer::<_, Error>::new(entries.into_iter()))
                .unwrap();
        assert_eq!(
            set,
            [(Stature, 1719), (InsideLeg, 825)].into_iter().collect()
        );
        let unknown = vec![("inseam", 825u32)];
        assert!(
            MeasurementSet::deserialize(MapDeserializer::<_, Error>::new(unknown.into_iter()))
                .is_err()
        );
    }

    /// The committed sample holds, for every measurement and every statistic the rules use,
    /// the ANSUR II subjects at both ends; every band is an interval, so if these pass, all
    /// 6,068 subjects do.
    #[test]
    fn no_ansur_subject_is_refused_or_flagged() {
        let rows = csv_rows(ANSUR_SAMPLE);
        assert!(rows.len() > 100);
        for row in rows {
            let set: MeasurementSet = Measurement::ALL
                .into_iter()
                .map(|m| (m, row[m.code()].parse::<u32>().unwrap()))
                .collect();
            let validation = set.validate();
            assert_eq!(
                validation,
                Validation::default(),
                "subject {} {}",
                row["sex"],
                row["subject_id"]
            );
        }
    }

    #[test]
    fn ansur_subjects_typed_as_a_fitter_would_parse_to_their_values() {
        for row in csv_rows(ANSUR_SAMPLE).into_iter().take(20) {
            let typed: Vec<(Measurement, String)> = Measurement::ALL
                .into_iter()
                .map(|m| {
                    let value: u32 = row[m.code()].parse().unwrap();
                    (
                        m,
                        m.format_in(value, Unit::Millimetre)
                            .unwrap_or_else(|| Unit::Kilogram.format_exact(value)),
                    )
                })
                .collect();
            let form = MeasurementSet::parse_form(
                typed.iter().map(|(m, s)| (*m, s.as_str())),
                UnitSystem::Metric,
            );
            assert_eq!(form.errors, vec![]);
            for m in Measurement::ALL {
                assert_eq!(form.set.get(m), row[m.code()].parse().ok(), "{m}");
            }
        }
    }
}
