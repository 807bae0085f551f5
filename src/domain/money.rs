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
