//! A store's settings as an administrator types them: its code (on orders, in the API's
//! `ship_to`), its name, and the sales tax its prices include.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::customer::{FieldErrors, NAME_MAX_CHARS, has_hidden_characters};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSettings {
    pub code: String,
    pub name: String,
    /// Basis points: 2000 is 20 %.
    pub tax_rate_bp: i32,
}

pub const CODE_MAX_CHARS: usize = 20;

/// Checks a store's form. The code is upper-cased: factories and channels type it too.
pub fn parse(code: &str, name: &str, tax_rate: &str) -> Result<StoreSettings, FieldErrors> {
    let mut errors = FieldErrors::new();
    let code = code.trim().to_ascii_uppercase();
    if code.is_empty() {
        errors.insert("code", "store-code-required");
    } else if code.len() > CODE_MAX_CHARS || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') || !code.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        errors.insert("code", "store-code-invalid");
    }
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        errors.insert("name", "store-name-required");
    } else if name.chars().count() > NAME_MAX_CHARS {
        errors.insert("name", "store-name-too-long");
    } else if has_hidden_characters(&name) {
        errors.insert("name", "name-hidden-characters");
    }
    let tax_rate_bp = parse_percent(tax_rate);
    if tax_rate_bp.is_none() {
        errors.insert("tax_rate", "store-tax-rate-invalid");
    }
    match tax_rate_bp {
        Some(tax_rate_bp) if errors.is_empty() => Ok(StoreSettings { code, name, tax_rate_bp }),
        _ => Err(errors),
    }
}

/// "20", "7.7", "8,1 %" → basis points; `None` outside 0–100 % or finer than 0.01 %, and for
/// anything but digits with one decimal separator ("1e1" is not how a rate is written).
pub fn parse_percent(s: &str) -> Option<i32> {
    let s = s.trim().trim_end_matches('%').trim().replace(',', ".");
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit() || c == '.') || s.matches('.').count() > 1 {
        return None;
    }
    let d: Decimal = s.parse().ok()?;
    let bp = d * Decimal::ONE_HUNDRED;
    if bp.fract() != Decimal::ZERO || d < Decimal::ZERO || d > Decimal::ONE_HUNDRED {
        return None;
    }
    bp.to_i32()
}

/// Basis points as the form shows them: 2000 → "20", 770 → "7.7", 825 → "8.25".
pub fn format_percent(bp: i32) -> String {
    (Decimal::from(bp) / Decimal::ONE_HUNDRED).normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_store_needs_a_code_a_name_and_a_tax_rate() {
        let s = parse(" north-1 ", "  Atelier   North ", "7,7 %").unwrap();
        assert_eq!(s, StoreSettings { code: "NORTH-1".into(), name: "Atelier North".into(), tax_rate_bp: 770 });
        let e = parse("", "", "").unwrap_err();
        assert_eq!((e["code"], e["name"], e["tax_rate"]), ("store-code-required", "store-name-required", "store-tax-rate-invalid"));
        assert_eq!(parse("NO RTH", "N", "20").unwrap_err()["code"], "store-code-invalid");
        assert_eq!(parse("-", "N", "20").unwrap_err()["code"], "store-code-invalid");
        assert_eq!(parse(&"N".repeat(21), "N", "20").unwrap_err()["code"], "store-code-invalid");
        assert_eq!(parse("N", "Zero\u{200B}Width", "20").unwrap_err()["name"], "name-hidden-characters");
    }

    #[test]
    fn tax_rates_are_percent_to_the_hundredth() {
        assert_eq!(parse_percent("20"), Some(2000));
        assert_eq!(parse_percent("0"), Some(0));
        assert_eq!(parse_percent("100"), Some(10000));
        assert_eq!(parse_percent("8.25%"), Some(825));
        for bad in ["", "-1", "100.01", "7.775", "twenty", "1e3", "1e1", "NaN", "7..5", ".", "+5"] {
            assert_eq!(parse_percent(bad), None, "{bad:?}");
        }
        assert_eq!(format_percent(2000), "20");
        assert_eq!(format_percent(770), "7.7");
        assert_eq!(format_percent(825), "8.25");
        assert_eq!(format_percent(0), "0");
    }

    proptest! {
        #[test]
        fn a_shown_rate_reads_back_as_itself(bp in 0i32..=10_000) {
            prop_assert_eq!(parse_percent(&format_percent(bp)), Some(bp));
        }

        #[test]
        fn any_typed_rate_is_read_or_refused_without_panic(s in "\\PC{0,12}") {
            if let Some(bp) = parse_percent(&s) {
                prop_assert!((0..=10_000).contains(&bp));
            }
        }
    }
}
