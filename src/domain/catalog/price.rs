//! Prices in `Decimal`, never floats: base, one line per surcharge, and tax at the rate the
//! store configures (passed in), rounded half away from zero to the currency's minor unit.
//! Catalog amounts are already exact to the minor unit (the compiler refuses others) and
//! never negative, so the subtotal is exact and never below the base price.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::compile::{CompiledCatalog, Product};
use std::collections::BTreeMap;

use super::input::{Assignment, Choice, Configuration, Val, normalize};
use super::model::Text;
use super::EngineError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceLine {
    pub option: String,
    pub value: Option<String>,
    pub label: Text,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBreakdown {
    pub currency: String,
    pub base: Decimal,
    pub surcharges: Vec<PriceLine>,
    /// Base plus surcharges, before tax.
    pub subtotal: Decimal,
    pub tax_rate: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
}

impl CompiledCatalog {
    /// `tax_rate` is a fraction (0.19 for 19 %). Invalid choices are simply not priced.
    pub fn price(&self, cfg: &Configuration, tax_rate: Decimal) -> Result<PriceBreakdown, EngineError> {
        let p = self.product(&cfg.product).ok_or_else(|| EngineError::UnknownProduct(cfg.product.clone()))?;
        if tax_rate.is_sign_negative() && !tax_rate.is_zero() {
            return Err(EngineError::NegativeTaxRate(tax_rate));
        }
        let (a, _) = normalize(p, &cfg.choices);
        Ok(price_of(p, &a, &cfg.choices, tax_rate))
    }
}

/// The price of `a`; `tax_rate` is already checked. A text typed that cannot be made yet
/// ("Zoë 😀") is charged as the text it will be: the total dropped by the name's charge
/// while the customer was still typing it, and came back when the text could be made.
pub(crate) fn price_of(p: &Product, a: &Assignment, typed: &BTreeMap<String, Choice>, tax_rate: Decimal) -> PriceBreakdown {
    let mut surcharges = Vec::new();
    for (o, val) in p.options.iter().zip(a) {
        let text_typed = || matches!(typed.get(&o.code), Some(Choice::Text(t) | Choice::One(t)) if !t.trim().is_empty());
        let picked: Vec<usize> = match val {
            Some(Val::One(i)) => vec![*i],
            Some(Val::Many(is)) => is.clone(),
            Some(Val::Text(_)) | None if o.text.is_some() && (val.is_some() || text_typed()) => {
                if let Some(t) = o.text.as_ref().filter(|t| !t.surcharge.is_zero()) {
                    surcharges.push(PriceLine { option: o.code.clone(), value: None, label: o.label.clone(), amount: t.surcharge });
                }
                continue;
            }
            _ => continue,
        };
        for v in picked.iter().filter_map(|i| o.values.get(*i)).filter(|v| !v.surcharge.is_zero()) {
            let label = Text { en: format!("{}: {}", o.label.en, v.label.en), zh: format!("{}：{}", o.label.zh, v.label.zh) };
            surcharges.push(PriceLine { option: o.code.clone(), value: Some(v.code.clone()), label, amount: v.surcharge });
        }
    }
    let subtotal = p.base_price + surcharges.iter().map(|l| l.amount).sum::<Decimal>();
    let tax = (subtotal * tax_rate).round_dp_with_strategy(p.minor_units, RoundingStrategy::MidpointAwayFromZero);
    PriceBreakdown {
        currency: p.currency.clone(),
        base: p.base_price,
        surcharges,
        subtotal,
        tax_rate,
        tax,
        total: subtotal + tax,
    }
}
