//! Body measurements: what each one is, the units people type them in, and the checks that
//! keep an impossible or mistyped value out of an order.
//!
//! * [`Measurement`] names each measurement after ISO 8559-1 and gives it a stable code
//!   (`stature`, `inside_leg`, ...) used everywhere else in the product.
//! * Values are stored canonically as whole millimetres (lengths) or whole grams (mass);
//!   [`Unit`] converts exactly with `Decimal` (1 in = 25.4 mm, 1 lb = 453.59237 g).
//! * [`Measurement::parse`] turns typed input into a canonical value or a [`FieldError`].
//! * [`MeasurementSet::validate`] checks a whole set: hard ranges (refused) and plausibility
//!   rules (warnings a fitter confirms), both grounded in the ANSUR II survey; the derived
//!   numbers and their provenance are in the `ansur_*.csv` files beside this module.
//!
//! Everything here is pure: no I/O, no framework types.

mod error;
mod kind;
mod parse;
mod plausibility;
mod ranges;
mod set;
#[cfg(test)]
mod testdata;
mod text;
mod unit;

pub use error::{FieldError, FieldErrorKind};
pub(crate) use parse::normalize_char;
pub use kind::{Measurement, Quantity, UnknownMeasurement};
pub use plausibility::{Rule, Warning, WarningDetail, median_person};
pub use ranges::ValueRange;
pub use set::{MeasurementSet, ParsedForm, Validation, impossible_combinations};
pub use unit::{Unit, UnitSystem, without_trailing_zeros};

pub use super::lang::Lang;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_are_read_loosely_and_written_canonically() {
        assert_eq!(Lang::from_tag("en"), Some(Lang::En));
        assert_eq!(Lang::from_tag("en-GB"), Some(Lang::En));
        assert_eq!(Lang::from_tag("zh-CN"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_tag("zh_Hans"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_tag(" ZH "), Some(Lang::ZhCn));
        assert_eq!(Lang::from_tag("de"), None);
        assert_eq!(Lang::from_tag(""), None);
        assert_eq!(Lang::ZhCn.tag(), "zh-CN");
        assert_eq!(Lang::En.tag(), "en");
    }
}
