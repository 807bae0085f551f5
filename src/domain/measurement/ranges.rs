//! Hard ranges (refused) and survey ranges (warned) for single values.
//!
//! Both come from ANSUR II, the 2012 survey of 6,068 US Army personnel (Gordon et al. 2014),
//! pooled over both sexes; `ansur_bounds.csv` beside this file holds the derived numbers and
//! the tests below check these constants against it.
//!
//! * The **survey range** is the ANSUR minimum and maximum rounded outwards to a whole cm or
//!   kg. A value outside it is possible but was seen in nobody, so it is worth a second look.
//! * The **hard range** is what no adult customer has: at most 0.8 × the ANSUR minimum and at
//!   least 1.25 × the ANSUR maximum, and wider still for girths and mass because soldiers are
//!   screened for fitness and civilians are not. Each lower bound is also above the median
//!   typed in inches but read as cm (stature 69 "cm"), so that mistake is refused outright.

use super::Measurement;

/// An inclusive range of canonical values (mm or g).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ValueRange {
    pub min: u32,
    pub max: u32,
}

impl ValueRange {
    const fn new(min: u32, max: u32) -> ValueRange {
        ValueRange { min, max }
    }

    pub fn contains(self, value: u32) -> bool {
        (self.min..=self.max).contains(&value)
    }
}

impl Measurement {
    /// Values no adult has; a value outside is refused as a field error.
    pub fn hard_range(self) -> ValueRange {
        limits(self).0
    }

    /// The range seen in ANSUR II; a value outside is accepted with a warning.
    pub fn survey_range(self) -> ValueRange {
        limits(self).1
    }
}

/// (hard, survey) per measurement. The comment gives the ANSUR II pooled min–max.
fn limits(m: Measurement) -> (ValueRange, ValueRange) {
    let (hard, survey) = match m {
        // 1409–1993 mm. Above the tallest person on record (2720 mm).
        Measurement::Stature => ((800, 2800), (1400, 2000)),
        // 35.8–144.2 kg. Civilians reach far beyond screened soldiers.
        Measurement::BodyMass => ((20_000, 400_000), (35_000, 145_000)),
        // 500–635 mm.
        Measurement::HeadGirth => ((380, 800), (500, 640)),
        // 275–514 mm.
        Measurement::NeckGirth => ((200, 800), (270, 520)),
        // 283–489 mm (biacromial breadth).
        Measurement::ShoulderWidth => ((200, 700), (280, 490)),
        // 695–1469 mm.
        Measurement::ChestGirth => ((500, 2500), (690, 1470)),
        // 611–1379 mm (at the navel).
        Measurement::WaistGirth => ((400, 2500), (610, 1380)),
        // 737–1341 mm (buttock circumference).
        Measurement::HipGirth => ((500, 2500), (730, 1350)),
        // 412–870 mm.
        Measurement::ThighGirth => ((250, 1500), (410, 870)),
        // 410–709 mm as sleeve outseam (arm straight); over the bent elbow, as ISO 8559 takes
        // it (acromion–radiale + radiale–stylion), 418–716 mm: three of ANSUR's own men were
        // told their 71.3–71.6 cm was outside the survey.
        Measurement::ArmLength => ((250, 1000), (410, 720)),
        // 152–248 mm.
        Measurement::HandGirth => ((100, 400), (150, 250)),
        // 610–1031 mm (crotch height).
        Measurement::InsideLeg => ((400, 1400), (610, 1040)),
        // 198–323 mm.
        Measurement::FootLength => ((150, 450), (190, 330)),
    };
    (
        ValueRange::new(hard.0, hard.1),
        ValueRange::new(survey.0, survey.1),
    )
}

#[cfg(test)]
mod tests {
    use super::super::Quantity;
    use super::super::testdata::{ANSUR_BOUNDS, csv_rows};
    use super::*;

    fn bound(row: &std::collections::HashMap<String, String>, column: &str) -> u32 {
        row[column].parse().unwrap()
    }

    fn ansur_bounds() -> Vec<(Measurement, std::collections::HashMap<String, String>)> {
        csv_rows(ANSUR_BOUNDS)
            .into_iter()
            .map(|row| (Measurement::from_code(&row["code"]).unwrap(), row))
            .collect()
    }

    #[test]
    fn the_bounds_file_covers_every_measurement_in_its_canonical_unit() {
        let rows = ansur_bounds();
        let codes: Vec<Measurement> = rows.iter().map(|(m, _)| *m).collect();
        assert_eq!(codes, Measurement::ALL);
        for (m, row) in rows {
            assert_eq!(row["unit"], m.canonical_symbol(), "{m}");
            assert_eq!(row["n"], "6068", "{m}");
        }
    }

    #[test]
    fn hard_ranges_admit_every_ansur_subject_with_a_generous_margin() {
        for (m, row) in ansur_bounds() {
            let hard = m.hard_range();
            let (min, max) = (bound(&row, "min"), bound(&row, "max"));
            assert!(
                u64::from(hard.min) * 10 <= u64::from(min) * 8,
                "{m}: {} vs {min}",
                hard.min
            );
            assert!(
                u64::from(hard.max) * 100 >= u64::from(max) * 125,
                "{m}: {} vs {max}",
                hard.max
            );
        }
    }

    #[test]
    fn survey_ranges_are_the_ansur_extremes_rounded_out_to_whole_cm_or_kg() {
        for (m, row) in ansur_bounds() {
            let step = match m.quantity() {
                Quantity::Length => 10,
                Quantity::Mass => 1000,
            };
            let (min, max) = (bound(&row, "min"), bound(&row, "max"));
            // The arm's proxy is the sleeve outseam (arm straight, to 709 mm); measured over the
            // bent elbow as ISO 8559 takes it, ANSUR's arms reach 716 mm (acromion–radiale +
            // radiale–stylion, computed from the survey's own columns).
            let max = if m == Measurement::ArmLength { max.max(716) } else { max };
            let expected = ValueRange::new(min / step * step, max.div_ceil(step) * step);
            assert_eq!(m.survey_range(), expected, "{m}");
        }
    }

    #[test]
    fn survey_ranges_lie_inside_hard_ranges() {
        for m in Measurement::ALL {
            let (hard, survey) = (m.hard_range(), m.survey_range());
            assert!(hard.min < survey.min && survey.max < hard.max, "{m}");
        }
    }

    #[test]
    fn a_median_typed_in_inches_but_read_as_cm_is_below_the_hard_range() {
        for (m, row) in ansur_bounds() {
            if m.quantity() == Quantity::Length {
                // p50 mm -> p50 / 25.4 inches -> read as that many cm = p50 / 2.54 mm
                let misread_mm = u64::from(bound(&row, "p50")) * 100 / 254;
                assert!(
                    misread_mm < u64::from(m.hard_range().min),
                    "{m}: {misread_mm}"
                );
            }
        }
    }

    #[test]
    fn ranges_are_inclusive() {
        let hard = Measurement::Stature.hard_range();
        assert!(hard.contains(800) && hard.contains(2800));
        assert!(!hard.contains(799) && !hard.contains(2801));
    }
}
