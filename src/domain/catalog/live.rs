//! Everything a configurator shows for one configuration, from one evaluation: the choices
//! are read once, the derived values computed once, and the problems found once, where
//! asking `validate`, `repair`, `availability`, `derive` and `price` in turn would do each of
//! these up to five times. The answers are the same as theirs (a property test checks it).
//! [`CompiledCatalog::order`] does the same for placing an order: validation, price,
//! derived values and work spec.

use rust_decimal::Decimal;

use super::availability::{self, AvailabilityRef, Wording};
use super::bom::{self, WorkSpec};
use super::compile::{CompiledCatalog, Product};
use super::derive::{self, DerivedOutput};
use super::eval::{Ctx, Snapshot};
use super::input::{Assignment, Configuration, normalize};
use super::price::{self, PriceBreakdown};
use super::repair::{self, Repair};
use super::search;
use super::validate::{self, Found, Validation, Violation};
use super::EngineError;

pub struct LiveAnswer<'a> {
    pub validation: Validation,
    /// The fewest changes that make it valid; `None` when it is valid already.
    pub repair: Option<Repair>,
    /// Brief availability (each rule's sentence only), borrowing the catalog's words.
    pub availability: AvailabilityRef<'a>,
    pub derived: Vec<DerivedOutput>,
    pub price: PriceBreakdown,
    p: &'a Product,
    /// Per option, what its recommended value is nearest to (see [`LiveAnswer::recommended`]).
    targets: Vec<Option<f64>>,
}

impl LiveAnswer<'_> {
    /// Per option, the value recommended for the body (see `recommend` in the catalog), among
    /// those that fit. Worked out when asked: the live update's patch does not show it.
    pub fn recommended(&self) -> Vec<Option<usize>> {
        search::recommended(self.p, &self.targets, |o, v| self.availability.get(o).and_then(|x| x.as_ref()).and_then(|x| x.get(v)).is_none_or(|x| x.available()))
    }

    /// Where a derived value names a value of the option it recommends by that cannot be
    /// chosen (the maker's chart says 56 cm for the height; the inside leg rules the 56 out):
    /// `(derived value, option, the nearest value that can be)`, all by index, so the
    /// derived value is not read as advice to take what is greyed out.
    pub fn targets_ruled_out(&self) -> Vec<(usize, usize, Option<usize>)> {
        let mut out = Vec::new();
        for (oi, o) in self.p.options.iter().enumerate() {
            let (Some((d, attr)), Some(target)) = (o.recommend.as_ref(), self.targets.get(oi).copied().flatten()) else { continue };
            let Some(values) = self.availability.get(oi).and_then(Option::as_ref) else { continue };
            let named = o.values.iter().position(|v| v.attrs.get(attr).is_some_and(|x| (x - target).abs() < 1e-9));
            if named.and_then(|vi| values.get(vi)).is_some_and(|v| !v.available()) {
                out.push((*d, oi, self.recommended().get(oi).copied().flatten()));
            }
        }
        out
    }
}

impl CompiledCatalog {
    /// `tax_rate` is a fraction, as for [`CompiledCatalog::price`].
    pub fn live<'a>(&'a self, cfg: &'a Configuration, tax_rate: Decimal) -> Result<LiveAnswer<'a>, EngineError> {
        self.live_keeping(cfg, tax_rate, None)
    }

    /// [`CompiledCatalog::live`] with the repair keeping `keep` as chosen where it can (see
    /// [`CompiledCatalog::repair_keeping`]).
    pub fn live_keeping<'a>(&'a self, cfg: &'a Configuration, tax_rate: Decimal, keep: Option<&str>) -> Result<LiveAnswer<'a>, EngineError> {
        let Evaluated { p, ctx, a, snap, found } = self.evaluate(cfg, tax_rate)?;
        let repair = (!found.is_empty()).then(|| repair::repair_found(&ctx, cfg, &a, &found, &repair::kept_options(p, keep)));
        let validation = Validation { valid: found.is_empty(), violations: found.into_iter().map(|f| f.violation).collect() };
        let availability = availability::of(&ctx, &a, &snap, Wording::RuleOnly);
        let targets = search::recommended_targets(p, &snap.derived);
        Ok(LiveAnswer { validation, repair, availability, derived: derive::outputs(p, snap.derived), price: price::price_of(p, &a, &cfg.choices, tax_rate), p, targets })
    }

    /// What both answers start from: the choices read, the derived values computed and the
    /// problems found, once.
    fn evaluate<'a>(&'a self, cfg: &'a Configuration, tax_rate: Decimal) -> Result<Evaluated<'a>, EngineError> {
        let p = self.product(&cfg.product).ok_or_else(|| EngineError::UnknownProduct(cfg.product.clone()))?;
        if tax_rate.is_sign_negative() && !tax_rate.is_zero() {
            return Err(EngineError::NegativeTaxRate(tax_rate));
        }
        let ctx = Ctx::new(self, p, &cfg.measurements);
        let (a, problems) = normalize(p, &cfg.choices);
        let snap = ctx.snapshot(&a);
        let found = validate::find_all_in(&ctx, &a, &problems, &snap);
        Ok(Evaluated { p, ctx, a, snap, found })
    }
}

struct Evaluated<'a> {
    p: &'a Product,
    ctx: Ctx<'a>,
    a: Assignment,
    snap: Snapshot<'a>,
    found: Vec<Found>,
}

/// What placing an order needs from the engine.
pub enum Orderable {
    /// What makes the configuration invalid; nothing can be ordered.
    Invalid(Vec<Violation>),
    Valid(Box<OrderParts>),
}

pub struct OrderParts {
    pub price: PriceBreakdown,
    pub derived: Vec<DerivedOutput>,
    pub spec: WorkSpec,
}

impl CompiledCatalog {
    /// `validate`, then `price`, `derive` and `work_spec` of a valid configuration, from one
    /// reading of the choices and one computation of the derived values (placing an order
    /// asked for each in turn: the choices were read five times and the derived values
    /// computed three times).
    pub fn order(&self, cfg: &Configuration, tax_rate: Decimal) -> Result<Orderable, EngineError> {
        let Evaluated { p, ctx, a, snap, found } = self.evaluate(cfg, tax_rate)?;
        if !found.is_empty() {
            return Ok(Orderable::Invalid(found.into_iter().map(|f| f.violation).collect()));
        }
        let spec = bom::spec_of(&ctx, &a, &snap, cfg)?;
        Ok(Orderable::Valid(Box::new(OrderParts { price: price::price_of(p, &a, &cfg.choices, tax_rate), derived: derive::outputs(p, snap.derived), spec })))
    }
}
