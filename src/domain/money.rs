//! Money is `Decimal` in the domain and integer minor units (cents) in the database: exact on
//! both backends, and `SUM` / `ORDER BY` stay exact in SQL.

use rust_decimal::{Decimal, RoundingStrategy};

/// ISO 4217 minor-unit digits for the currencies we sell in.
pub fn minor_digits(currency: &str) -> Option<u32> {
    match currency {
        "EUR" | "USD" | "GBP" | "CHF" | "CNY" | "SEK" | "DKK" | "NOK" | "PLN" | "CZK" | "AUD"
        | "CAD" => Some(2),
        "JPY" | "KRW" => Some(0),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency")]
    UnknownCurrency,
    #[error("amount out of range")]
    OutOfRange,
}

/// Rounds to the currency's minor unit, half away from zero (the usual commercial rule).
pub fn round_to_minor(amount: Decimal, currency: &str) -> Result<Decimal, MoneyError> {
    let digits = minor_digits(currency).ok_or(MoneyError::UnknownCurrency)?;
    Ok(amount.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero))
}

/// The amount in minor units, after rounding to the minor unit.
pub fn to_minor(amount: Decimal, currency: &str) -> Result<i64, MoneyError> {
    let digits = minor_digits(currency).ok_or(MoneyError::UnknownCurrency)?;
    let rounded = round_to_minor(amount, currency)?;
    let scaled = rounded
        .checked_mul(Decimal::from(10_i64.pow(digits)))
        .ok_or(MoneyError::OutOfRange)?;
    i64::try_from(scaled).map_err(|_| MoneyError::OutOfRange)
}

pub fn from_minor(minor: i64, currency: &str) -> Result<Decimal, MoneyError> {
    let digits = minor_digits(currency).ok_or(MoneyError::UnknownCurrency)?;
    Ok(Decimal::new(minor, digits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn amounts_round_half_away_from_zero_to_the_minor_unit() {
        assert_eq!(to_minor(d("12.345"), "EUR"), Ok(1235));
        assert_eq!(to_minor(d("-12.345"), "EUR"), Ok(-1235));
        assert_eq!(to_minor(d("1999.5"), "JPY"), Ok(2000));
        assert_eq!(to_minor(d("1"), "XXX"), Err(MoneyError::UnknownCurrency));
    }

    proptest! {
        #[test]
        fn minor_units_round_trip_exactly(minor in -1_000_000_000_000i64..1_000_000_000_000i64) {
            for currency in ["EUR", "JPY"] {
                let amount = from_minor(minor, currency).unwrap();
                prop_assert_eq!(to_minor(amount, currency).unwrap(), minor);
            }
        }
    }
}

/// An amount in minor units as [`format_amount`] writes it; empty for a currency we do not
/// know (which no stored amount has).
pub fn format_minor(minor: i64, currency: &str, lang: crate::domain::lang::Lang) -> String {
    from_minor(minor, currency).map(|d| format_amount(d, currency, lang)).unwrap_or_default()
}

/// An amount for people: the currency's symbol, thousands grouped, the minor digits
/// (CLDR's pattern for both our languages: "€2,490.00", "¥1,200").
pub fn format_amount(amount: Decimal, currency: &str, lang: crate::domain::lang::Lang) -> String {
    let digits = minor_digits(currency).unwrap_or(2);
    let rounded = amount.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero);
    // The digits of the rounded amount at exactly `digits` places, from its integer mantissa:
    // `format!` on a `Decimal` was most of this function's cost.
    let mut scaled = rounded.abs();
    scaled.rescale(digits);
    let mut buf = itoa::Buffer::new();
    let padded;
    let text: &str = if scaled.scale() == digits {
        let m = buf.format(scaled.mantissa());
        // At least one digit before the point: 0.05 is "005" here.
        if m.len() > digits as usize { m } else {
            padded = format!("{m:0>width$}", width = digits as usize + 1);
            &padded
        }
    } else {
        // Too many digits to hold at that scale (far beyond any price): Decimal's own text.
        padded = format!("{:.*}", digits as usize, rounded.abs()).replace('.', "");
        &padded
    };
    let (int, frac) = text.split_at(text.len() - digits as usize);
    // One buffer: this runs for every surcharge of every option on each configurator update.
    let mut out = String::with_capacity(text.len() + int.len() / 3 + 9);
    if rounded.is_sign_negative() && !rounded.is_zero() {
        out.push('-');
    }
    match symbol(currency, lang) {
        Some(s) => out.push_str(s),
        None => {
            out.push_str(currency);
            out.push(' ');
        }
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

fn symbol(currency: &str, lang: crate::domain::lang::Lang) -> Option<&'static str> {
    use crate::domain::lang::Lang;
    Some(match (currency, lang) {
        ("EUR", _) => "€",
        ("GBP", _) => "£",
        ("USD", Lang::En) => "$",
        ("USD", Lang::ZhCn) => "US$",
        ("CNY", Lang::En) => "CN¥",
        ("CNY", Lang::ZhCn) => "¥",
        ("JPY", Lang::En) => "¥",
        ("JPY", Lang::ZhCn) => "JP¥",
        _ => return None,
    })
}

#[cfg(test)]
mod format_tests {
    use super::*;
    use crate::domain::lang::Lang;
    use std::str::FromStr;

    #[test]
    fn amounts_show_the_symbol_grouping_and_minor_digits_per_language() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(format_amount(d("2490"), "EUR", Lang::En), "€2,490.00");
        assert_eq!(format_amount(d("1234567.5"), "EUR", Lang::ZhCn), "€1,234,567.50");
        assert_eq!(format_amount(d("120"), "CNY", Lang::ZhCn), "¥120.00");
        assert_eq!(format_amount(d("120"), "CNY", Lang::En), "CN¥120.00");
        assert_eq!(format_amount(d("1200"), "JPY", Lang::En), "¥1,200");
        assert_eq!(format_amount(d("-15"), "EUR", Lang::En), "-€15.00");
        assert_eq!(format_amount(d("5"), "CHF", Lang::En), "CHF 5.00");
        assert_eq!(format_amount(d("999.995"), "EUR", Lang::En), "€1,000.00");
        assert_eq!(format_amount(d("0.05"), "EUR", Lang::En), "€0.05");
        assert_eq!(format_amount(d("0"), "JPY", Lang::En), "¥0");
        assert_eq!(format_amount(d("-0.001"), "EUR", Lang::En), "€0.00");
        assert_eq!(format_amount(Decimal::MAX, "EUR", Lang::En), "€79,228,162,514,264,337,593,543,950,335.00");
    }

    /// `format!` on the rounded `Decimal`, grouped: what `format_amount` wrote before it built
    /// the digits from the mantissa.
    fn by_format(amount: Decimal, currency: &str, lang: Lang) -> String {
        let digits = minor_digits(currency).unwrap_or(2);
        let rounded = amount.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero);
        let text = format!("{:.*}", digits as usize, rounded.abs());
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        let grouped: String = int.chars().enumerate().flat_map(|(i, c)| (i > 0 && (int.len() - i) % 3 == 0).then_some(',').into_iter().chain([c])).collect();
        let sign = if rounded.is_sign_negative() && !rounded.is_zero() { "-" } else { "" };
        let symbol = symbol(currency, lang).map_or(format!("{currency} "), str::to_owned);
        if frac.is_empty() { format!("{sign}{symbol}{grouped}") } else { format!("{sign}{symbol}{grouped}.{frac}") }
    }

    proptest::proptest! {
        #[test]
        fn amounts_read_as_decimal_formats_them(mantissa in proptest::num::i128::ANY, scale in 0u32..=28, currency in proptest::sample::select(vec!["EUR", "JPY", "CHF", "XXX"]), zh in proptest::bool::ANY) {
            let amount = Decimal::from_i128_with_scale(mantissa % 79_228_162_514_264_337_593_543_950_335, scale);
            let lang = if zh { Lang::ZhCn } else { Lang::En };
            proptest::prop_assert_eq!(format_amount(amount, currency, lang), by_format(amount, currency, lang));
        }
    }
}
