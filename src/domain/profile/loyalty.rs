//! Loyalty never raises a price. What a customer pays comes from the catalog and the store's
//! tax only; the customer's history, class and segment may change service, never the price.
//! The property test below holds every future change to this function to that promise.

use rust_decimal::Decimal;

use super::segment::{Satisfaction, Volume};
use super::value_class::ValueClass;
use crate::domain::catalog::{CompiledCatalog, Configuration, EngineError, PriceBreakdown};

/// What the shop knows about a customer when pricing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricingProfile {
    pub orders: i64,
    pub value_class: ValueClass,
    pub volume: Volume,
    pub satisfaction: Satisfaction,
}

impl PricingProfile {
    pub fn new_customer() -> PricingProfile {
        PricingProfile { orders: 0, value_class: ValueClass::D, volume: Volume::Low, satisfaction: Satisfaction::Medium }
    }
}

/// The price of a configuration for this customer.
pub fn price_for(c: &CompiledCatalog, cfg: &Configuration, tax_rate: Decimal, who: &PricingProfile) -> Result<PriceBreakdown, EngineError> {
    Ok(adjust(c.price(cfg, tax_rate)?, who))
}

/// The catalog's price of a configuration as this customer pays it (today: unchanged).
pub fn adjust(catalog_price: PriceBreakdown, _who: &PricingProfile) -> PriceBreakdown {
    catalog_price
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::Choice;
    use proptest::prelude::*;

    /// A small random catalog: one product, options with random values and surcharges.
    fn catalog() -> impl Strategy<Value = (String, Vec<(String, Vec<String>)>)> {
        let option = prop::collection::vec(0u32..50_000, 1..5);
        (1u32..500_000, prop::collection::vec(option, 1..5)).prop_map(|(base, options)| {
            let mut toml = format!(
                "[catalog]\nid = \"random\"\nversion = \"1\"\nlabel = {{ en = \"R\", zh = \"R\" }}\n\n[[products]]\ncode = \"thing\"\nfamily = \"apparel\"\nlabel = {{ en = \"T\", zh = \"T\" }}\nbase_price = \"{}.{:02}\"\ncurrency = \"EUR\"\n",
                base / 100, base % 100
            );
            let mut shape = vec![];
            for (i, surcharges) in options.iter().enumerate() {
                toml.push_str(&format!("\n[[products.options]]\ncode = \"o{i}\"\nkind = \"single\"\nlabel = {{ en = \"O\", zh = \"O\" }}\nvalues = [\n"));
                let mut codes = vec![];
                for (j, s) in surcharges.iter().enumerate() {
                    toml.push_str(&format!("  {{ code = \"v{j}\", label = {{ en = \"V\", zh = \"V\" }}, surcharge = \"{}.{:02}\" }},\n", s / 100, s % 100));
                    codes.push(format!("v{j}"));
                }
                toml.push_str("]\n");
                shape.push((format!("o{i}"), codes));
            }
            (toml, shape)
        })
    }

    fn profile() -> impl Strategy<Value = PricingProfile> {
        (0i64..500, 0usize..4, 0usize..3, 0usize..3).prop_map(|(orders, c, v, s)| PricingProfile {
            orders,
            value_class: ValueClass::ALL[c],
            volume: Volume::ALL[v],
            satisfaction: Satisfaction::ALL[s],
        })
    }

    proptest! {
        #[test]
        fn a_customer_with_history_never_pays_more_than_a_new_one(
            (toml, shape) in catalog(),
            picks in prop::collection::vec(0usize..8, 5),
            who in profile(),
            tax_bp in 0i64..3000,
        ) {
            let c = CompiledCatalog::compile("random.toml", &toml).expect("the generated catalog compiles");
            let mut cfg = Configuration::new("thing");
            for ((option, values), pick) in shape.iter().zip(picks) {
                cfg = cfg.with(option, Choice::One(values[pick % values.len()].clone()));
            }
            let tax = Decimal::new(tax_bp, 4);
            let loyal = price_for(&c, &cfg, tax, &who).expect("priced");
            let new = price_for(&c, &cfg, tax, &PricingProfile::new_customer()).expect("priced");
            prop_assert!(loyal.total <= new.total, "{} > {}", loyal.total, new.total);
            prop_assert!(loyal.subtotal <= new.subtotal);
        }
    }
}
