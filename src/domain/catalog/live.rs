//! Everything a configurator shows for one configuration, from one evaluation: the choices
//! are read once, the derived values computed once, and the problems found once, where
//! asking `validate`, `repair`, `availability`, `derive` and `price` in turn would do each of
//! these up to five times. The answers are the same as theirs (a property test checks it).

use rust_decimal::Decimal;

use super::availability::{self, AvailabilityRef, Wording};
use super::compile::CompiledCatalog;
use super::derive::{self, DerivedOutput};
use super::eval::Ctx;
use super::input::{Configuration, normalize};
use super::price::{self, PriceBreakdown};
use super::repair::{self, Repair};
use super::validate::{self, Validation};
use super::EngineError;

pub struct LiveAnswer<'a> {
    pub validation: Validation,
    /// The fewest changes that make it valid; `None` when it is valid already.
    pub repair: Option<Repair>,
    /// Brief availability (each rule's sentence only), borrowing the catalog's words.
    pub availability: AvailabilityRef<'a>,
    pub derived: Vec<DerivedOutput>,
    pub price: PriceBreakdown,
}

impl CompiledCatalog {
    /// `tax_rate` is a fraction, as for [`CompiledCatalog::price`].
    pub fn live<'a>(&'a self, cfg: &'a Configuration, tax_rate: Decimal) -> Result<LiveAnswer<'a>, EngineError> {
        let p = self.product(&cfg.product).ok_or_else(|| EngineError::UnknownProduct(cfg.product.clone()))?;
        if tax_rate.is_sign_negative() && !tax_rate.is_zero() {
            return Err(EngineError::NegativeTaxRate(tax_rate));
        }
        let ctx = Ctx::new(self, p, &cfg.measurements);
        let (a, problems) = normalize(p, &cfg.choices);
        let snap = ctx.snapshot(&a);
        let found = validate::find_all_in(&ctx, &a, &problems, &snap);
        let repair = (!found.is_empty()).then(|| repair::repair_found(&ctx, cfg, &a, &found));
        let validation = Validation { valid: found.is_empty(), violations: found.into_iter().map(|f| f.violation).collect() };
        let availability = availability::of(&ctx, &a, &snap, Wording::RuleOnly);
        Ok(LiveAnswer { validation, repair, availability, derived: derive::outputs(p, snap.derived), price: price::price_of(p, &a, tax_rate) })
    }
}
