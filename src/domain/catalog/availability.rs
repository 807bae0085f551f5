//! Availability: for every value of every choice option, whether it can be chosen next to
//! the other choices as they stand, and if not, which rules forbid it and why. Only rules
//! whose options are all chosen can forbid (an open question can still be answered to fit).

use std::borrow::Cow;

use serde::Serialize;

use super::compile::{CompiledCatalog, DerivedKind, Product};
use super::eval::{Ctx, DerivedFail, Outcome, Snapshot};
use super::input::{Assignment, Configuration, Val, normalize};
use super::model::{OptionKind, Text};
use super::validate::rule_violation;
use super::EngineError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Availability {
    pub options: Vec<OptionAvailability>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionAvailability {
    pub option: String,
    pub values: Vec<ValueAvailability>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueAvailability {
    pub value: String,
    pub chosen: bool,
    pub available: bool,
    /// The value recommended for the body (the catalog's `recommend`: the frame size nearest
    /// the one the inside leg calls for), whether or not it fits the other choices.
    pub recommended: bool,
    pub blocked_by: Vec<Blocker>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocker {
    pub rule: Option<String>,
    pub derived: Option<String>,
    pub explanation: Text,
}

/// A value's availability borrowing the catalog's words: what [`CompiledCatalog::live`] hands
/// a configurator, which words hundreds of values per update and should not copy each rule's
/// sentence to do it. Options and values are by index, in catalog order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueAvail<'a> {
    pub chosen: bool,
    pub blocked_by: Vec<BlockerRef<'a>>,
}

impl ValueAvail<'_> {
    pub fn available(&self) -> bool {
        self.blocked_by.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockerRef<'a> {
    pub rule: Option<&'a str>,
    pub derived: Option<&'a str>,
    pub explanation: Cow<'a, Text>,
}

/// One entry per option of the product, in catalog order: `None` for number and text
/// options, else one entry per value, in catalog order.
pub type AvailabilityRef<'a> = Vec<Option<Vec<ValueAvail<'a>>>>;

/// How much a blocker's explanation says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wording {
    /// The rule's sentence with the choices and measurements involved (as validation words it).
    Full,
    /// Only the rule's sentence: a configurator shows the choices involved next to it already.
    RuleOnly,
}

impl CompiledCatalog {
    pub fn availability(&self, cfg: &Configuration) -> Result<Availability, EngineError> {
        self.availability_worded(cfg, Wording::Full)
    }

    /// The same answer, but a rule's explanation is only its sentence (its message, or the
    /// generated "… requires …"), without the choices involved and any evaluation error
    /// appended: what a configurator shows next to a value, at a fraction of the cost.
    pub fn availability_brief(&self, cfg: &Configuration) -> Result<Availability, EngineError> {
        self.availability_worded(cfg, Wording::RuleOnly)
    }

    fn availability_worded(&self, cfg: &Configuration, wording: Wording) -> Result<Availability, EngineError> {
        let p = self.product(&cfg.product).ok_or_else(|| EngineError::UnknownProduct(cfg.product.clone()))?;
        let ctx = Ctx::new(self, p, &cfg.measurements);
        let (a, _) = normalize(p, &cfg.choices);
        let snap = ctx.snapshot(&a);
        let found = of(&ctx, &a, &snap, wording);
        let recommended = super::search::recommended(p, &super::search::recommended_targets(p, &snap.derived), |o, v| found.get(o).and_then(|x| x.as_ref()).and_then(|x| x.get(v)).is_none_or(|x| x.available()));
        Ok(owned(p, found, &recommended))
    }
}

/// The answer with its own copies of the catalog's words, as the API serializes it.
fn owned(p: &Product, r: AvailabilityRef, recommended: &[Option<usize>]) -> Availability {
    let options = p
        .options
        .iter()
        .zip(r)
        .zip(recommended)
        .filter_map(|((spec, values), rec)| {
            let values = spec
                .values
                .iter()
                .zip(values?)
                .enumerate()
                .map(|(vi, (v, a))| ValueAvailability {
                    value: v.code.clone(),
                    chosen: a.chosen,
                    available: a.available(),
                    recommended: *rec == Some(vi),
                    blocked_by: a
                        .blocked_by
                        .into_iter()
                        .map(|b| Blocker { rule: b.rule.map(str::to_owned), derived: b.derived.map(str::to_owned), explanation: b.explanation.into_owned() })
                        .collect(),
                })
                .collect();
            Some(OptionAvailability { option: spec.code.clone(), values })
        })
        .collect();
    Availability { options }
}

/// Availability of every value next to `a`, whose snapshot is `base`. One trial assignment
/// and one snapshot serve every value: a trial changes one option, so only the derived
/// values reading that option are computed again, and only the rules on it are checked.
pub(crate) fn of<'a>(ctx: &Ctx<'a>, a: &Assignment, base: &Snapshot<'a>, wording: Wording) -> AvailabilityRef<'a> {
    let p: &'a Product = ctx.p;
    let mut trial = a.clone();
    let mut snap = base.clone_derived();
    let mut options = Vec::with_capacity(p.options.len());
    for (o, spec) in p.options.iter().enumerate() {
        if !matches!(spec.kind, OptionKind::Single | OptionKind::Multi) {
            options.push(None);
            continue;
        }
        let blocking: Vec<usize> = p.derived.iter().enumerate().filter(|(_, d)| d.options.contains(&o)).map(|(i, _)| i).collect();
        let recompute = derived_reading(p, o);
        let mut values = Vec::with_capacity(spec.values.len());
        for vi in 0..spec.values.len() {
            let chosen = match &a[o] {
                Some(Val::One(i)) => *i == vi,
                Some(Val::Many(is)) => is.contains(&vi),
                _ => false,
            };
            trial[o] = Some(match &a[o] {
                Some(Val::Many(is)) if spec.kind == OptionKind::Multi => {
                    let mut is = is.clone();
                    if !is.contains(&vi) {
                        is.push(vi);
                        is.sort_unstable();
                    }
                    Val::Many(is)
                }
                _ if spec.kind == OptionKind::Multi => Val::Many(vec![vi]),
                _ => Val::One(vi),
            });
            for &d in &recompute {
                let r = ctx.derive_one(&p.derived[d], &trial, &snap.derived[..d]);
                snap.derived[d] = r;
            }
            snap.assignment_changed();
            let mut blocked_by = Vec::new();
            for &d in &blocking {
                if let Err(f @ (DerivedFail::OutOfChart { .. } | DerivedFail::Failed(_))) = &snap.derived[d] {
                    let why = match f {
                        DerivedFail::OutOfChart { measurement, value, lowest, highest, .. } => super::validate::no_size_fits(measurement, *value, *lowest, *highest),
                        _ => Text::new("cannot be computed", "无法计算"),
                    };
                    let dl = &p.derived[d].label;
                    blocked_by.push(BlockerRef {
                        rule: None,
                        derived: Some(&p.derived[d].code),
                        explanation: Cow::Owned(Text { en: format!("{}: {}.", dl.en, why.en), zh: format!("{}：{}。", dl.zh, why.zh) }),
                    });
                }
            }
            for &r in &p.rules_by_option[o] {
                let rule: &'a super::compile::Rule = &p.rules[r];
                let error = match ctx.check(rule, &trial, &snap, false) {
                    Outcome::Violated => None,
                    Outcome::Error(e) => Some(e),
                    _ => continue,
                };
                let explanation = match wording {
                    Wording::Full => Cow::Owned(rule_violation(ctx, &trial, &snap, rule, error).violation.explanation),
                    Wording::RuleOnly => Cow::Borrowed(&rule.text),
                };
                blocked_by.push(BlockerRef { rule: Some(&rule.id), derived: None, explanation });
            }
            values.push(ValueAvail { chosen, blocked_by });
        }
        trial[o] = a[o].clone();
        for &d in &recompute {
            snap.derived[d] = base.derived[d].clone();
        }
        snap.assignment_changed();
        options.push(Some(values));
    }
    options
}

/// Why no value of an option can be chosen, when none can (see [`none_fits`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoneFits {
    /// Every value is ruled out by the measurements alone: no other choice would help.
    Body,
    /// Some value is ruled out only next to these other options' choices (by index, in
    /// catalog order): changing one of them may free it.
    Beside(Vec<usize>),
}

/// Why no value of option `o` fits, `None` when some value does. A value is ruled out by the
/// body when one of its blockers reads no other option; otherwise the options its blockers
/// read are the ones to change. (650B wheels with 25 mm tyres on a 48 cm frame: the tyres
/// rule out 650B and the frame 700C, so the wheel size is not what to blame.)
pub fn none_fits(p: &Product, o: usize, values: &[ValueAvail]) -> Option<NoneFits> {
    if values.is_empty() || values.iter().any(ValueAvail::available) {
        return None;
    }
    let others = |b: &BlockerRef| -> Vec<usize> {
        let read = match (b.rule, b.derived) {
            (Some(id), _) => p.rules.iter().find(|r| r.id == id).map(|r| &r.options),
            (None, Some(code)) => p.derived.iter().find(|d| d.code == code).map(|d| &d.options),
            (None, None) => None,
        };
        read.map(|opts| opts.iter().copied().filter(|x| *x != o).collect()).unwrap_or_default()
    };
    let mut beside = std::collections::BTreeSet::new();
    for v in values {
        let read: Vec<Vec<usize>> = v.blocked_by.iter().map(others).collect();
        if !read.iter().any(Vec::is_empty) {
            beside.extend(read.into_iter().flatten());
        }
    }
    Some(if beside.is_empty() { NoneFits::Body } else { NoneFits::Beside(beside.into_iter().collect()) })
}

/// The derived values (in order) whose value can change with option `o`: those reading it,
/// testing it with `has()`, or reading a derived value that does.
fn derived_reading(p: &Product, o: usize) -> Vec<usize> {
    let code = &p.options[o].code;
    let mut hit = vec![false; p.derived.len()];
    for (i, d) in p.derived.iter().enumerate() {
        hit[i] = d.options.contains(&o)
            || match &d.kind {
                DerivedKind::Formula(e) => {
                    e.tested_options.contains(code) || e.derived.iter().any(|n| p.derived[..i].iter().position(|x| &x.code == n).is_some_and(|j| hit[j]))
                }
                DerivedKind::Chart { .. } => false,
            };
    }
    (0..hit.len()).filter(|i| hit[*i]).collect()
}
