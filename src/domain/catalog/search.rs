//! Backtracking search for a valid completion: some options are fixed, the free ones are
//! tried value by value, and each rule is checked as soon as every option it reads has been
//! decided (so a bad early choice is abandoned at once). Used by repair and by the linter.

use rust_decimal::Decimal;

use rust_decimal::prelude::ToPrimitive;

use super::compile::{OptionSpec, Product};
use super::derive::DerivedValue;
use super::eval::{Ctx, DerivedFail, DerivedResult, Outcome};
use super::input::{Assignment, Val};
use super::model::OptionKind;

/// Most search nodes one question may cost; beyond it the answer is "not found", never a hang.
pub(crate) const NODE_BUDGET: usize = 200_000;

pub(crate) struct Search<'c, 'a> {
    ctx: &'c Ctx<'a>,
    free: Vec<usize>,
    domains: Vec<Vec<Option<Val>>>,
    /// Rules and derived values to check once `free[k]` is decided (`k + 1`); index 0 holds
    /// those reading only fixed options.
    rules_at: Vec<Vec<usize>>,
    derived_at: Vec<Vec<usize>>,
    pub nodes: usize,
    budget: usize,
}

impl<'c, 'a> Search<'c, 'a> {
    /// `must_change[k]`: `free[k]` may not keep its value in `base` (a repair changes it).
    pub fn new(ctx: &'c Ctx<'a>, base: &Assignment, free: &[usize], must_change: &[bool], budget: usize) -> Self {
        let p = ctx.p;
        // Options with a recommendation for the body are decided first, each from its
        // recommended value outwards: decided last, the frame took whatever the wheels and
        // brakes chosen before it allowed (a recommended 48 became a 50 for 700C wheels), and
        // the search could run out of its budget before it came back to them.
        let mut order: Vec<(usize, bool)> = free.iter().copied().zip(must_change.iter().copied().chain(std::iter::repeat(false))).collect();
        order.sort_by_key(|(o, _)| p.options[*o].recommend.is_none());
        let (free, must_change): (Vec<usize>, Vec<bool>) = order.into_iter().unzip();
        let (free, must_change) = (free.as_slice(), must_change.as_slice());
        let level = |opts: &std::collections::BTreeSet<usize>| opts.iter().filter_map(|o| free.iter().position(|f| f == o)).map(|k| k + 1).max().unwrap_or(0);
        let mut rules_at = vec![Vec::new(); free.len() + 1];
        for (i, r) in p.rules.iter().enumerate() {
            rules_at[level(&r.options)].push(i);
        }
        let mut derived_at = vec![Vec::new(); free.len() + 1];
        for (i, d) in p.derived.iter().enumerate() {
            derived_at[level(&d.options)].push(i);
        }
        // Values nearest the body's recommendation are tried first, so that a repair or a
        // completion picks the frame the page recommends, not the smallest that fits.
        let none = vec![None; p.options.len()];
        let targets = if free.iter().any(|&o| p.options[o].recommend.is_some()) { ctx.recommendation_targets(base) } else { &none };
        let domains = free
            .iter()
            .enumerate()
            .map(|(k, &o)| domain(&p.options[o], base[o].as_ref(), must_change.get(k).copied().unwrap_or(false), targets[o]))
            .collect();
        Search { ctx, free: free.to_vec(), domains, rules_at, derived_at, nodes: 0, budget }
    }

    pub fn solve(&mut self, base: &Assignment) -> Option<Assignment> {
        let mut a = base.clone();
        for &o in &self.free {
            a[o] = None;
        }
        if !self.level_ok(&a, 0) {
            return None;
        }
        self.go(&mut a, 0).then_some(a)
    }

    fn go(&mut self, a: &mut Assignment, k: usize) -> bool {
        if k == self.free.len() {
            return true;
        }
        let o = self.free[k];
        for i in 0..self.domains[k].len() {
            if self.nodes >= self.budget {
                return false;
            }
            self.nodes += 1;
            a[o] = self.domains[k][i].clone();
            if self.level_ok(a, k + 1) && self.go(a, k + 1) {
                return true;
            }
        }
        a[o] = None;
        false
    }

    fn level_ok(&self, a: &Assignment, level: usize) -> bool {
        if self.rules_at[level].is_empty() && self.derived_at[level].is_empty() {
            return true;
        }
        let snap = self.ctx.snapshot(a);
        let derived_ok = self.derived_at[level].iter().all(|&d| matches!(snap.derived[d], Ok(_) | Err(DerivedFail::Pending)));
        derived_ok
            && self.rules_at[level]
                .iter()
                .all(|&r| matches!(self.ctx.check(&self.ctx.p.rules[r], a, &snap, true), Outcome::Satisfied | Outcome::Pending))
    }
}

/// For each option with a `recommend`, the number its values' attribute is compared with:
/// the derived value, when the measurements give one.
pub(crate) fn recommended_targets(p: &Product, derived: &[DerivedResult]) -> Vec<Option<f64>> {
    p.options
        .iter()
        .map(|o| match o.recommend.as_ref().and_then(|(d, _)| derived.get(*d)) {
            Some(Ok(DerivedValue::Number(x))) => x.to_f64(),
            _ => None,
        })
        .collect()
}

/// The value of each option the body is recommended: nearest its target (the first of
/// equals) among those that can be chosen next to the other choices (`available`), so that a
/// value greyed out is never the one recommended (a frame the seatpost cannot fit).
pub(crate) fn recommended(p: &Product, targets: &[Option<f64>], available: impl Fn(usize, usize) -> bool) -> Vec<Option<usize>> {
    p.options
        .iter()
        .enumerate()
        .zip(targets)
        .map(|((oi, o), t)| {
            let t = (*t)?;
            // The first of equals (`min_by` keeps the first).
            (0..o.values.len()).filter(|vi| available(oi, *vi)).min_by(|a, b| off_target(o, *a, t).total_cmp(&off_target(o, *b, t)))
        })
        .collect()
}

/// How far value `vi`'s recommended attribute is from `target` (infinitely, for an option
/// without a recommendation or a value without the attribute).
fn off_target(o: &OptionSpec, vi: usize, target: f64) -> f64 {
    o.recommend.as_ref().and_then(|(_, attr)| o.values.get(vi)?.attrs.get(attr)).map_or(f64::INFINITY, |x| (x - target).abs())
}

/// The option's values, nearest to `target` first (catalog order among equals).
fn nearest_first(o: &OptionSpec, target: f64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..o.values.len()).collect();
    order.sort_by(|a, b| off_target(o, *a, target).total_cmp(&off_target(o, *b, target)));
    order
}

/// The values worth trying for an option, the most conservative first: nothing for an
/// optional option, small edits of a multi choice, numbers nearest the current one, and the
/// values nearest the recommendation (`target`, see [`recommended_targets`]).
pub(crate) fn domain(o: &OptionSpec, current: Option<&Val>, must_change: bool, target: Option<f64>) -> Vec<Option<Val>> {
    let mut out: Vec<Option<Val>> = Vec::new();
    if !o.required && o.kind == OptionKind::Single {
        out.push(None);
    }
    match o.kind {
        OptionKind::Single => match (target, current) {
            (Some(t), _) => out.extend(nearest_first(o, t).into_iter().map(|i| Some(Val::One(i)))),
            // On a scale (see `OptionSpec::ordered`), the values next to the current one first
            // (the earlier of two as near): mudguards with 32 mm tyres are mended with 30 or
            // 28 mm ones, not the first in the list, 25 mm.
            (None, Some(Val::One(c))) if o.ordered => {
                let mut order: Vec<usize> = (0..o.values.len()).collect();
                order.sort_by_key(|i| (i.abs_diff(*c), *i));
                out.extend(order.into_iter().map(|i| Some(Val::One(i))));
            }
            (None, _) => out.extend((0..o.values.len()).map(|i| Some(Val::One(i)))),
        },
        OptionKind::Multi => {
            let cur: Vec<usize> = match current {
                Some(Val::Many(is)) => is.clone(),
                _ => Vec::new(),
            };
            for x in &cur {
                out.push(Some(Val::Many(cur.iter().copied().filter(|y| y != x).collect())));
            }
            out.push(Some(Val::Many(Vec::new())));
            for y in 0..o.values.len() {
                if !cur.contains(&y) {
                    let mut more = cur.clone();
                    more.push(y);
                    more.sort_unstable();
                    out.push(Some(Val::Many(more)));
                    out.push(Some(Val::Many(vec![y])));
                }
            }
        }
        OptionKind::Number => {
            if let Some(n) = &o.number {
                let count = ((n.max - n.min) / n.step).floor();
                let stride = if count > Decimal::from(40) { (count / Decimal::from(20)).ceil() } else { Decimal::ONE };
                let mut x = n.min;
                let mut xs = Vec::new();
                while x <= n.max {
                    xs.push(x.normalize());
                    x += n.step * stride;
                }
                let anchor = match current {
                    Some(Val::Number(c)) => *c,
                    _ => (n.min + n.max) / Decimal::TWO,
                };
                xs.sort_by_key(|x| ((*x - anchor).abs(), *x));
                out.extend(xs.into_iter().map(|x| Some(Val::Number(x))));
            }
        }
        OptionKind::Text => {
            out.push(None);
            if let Some(Val::Text(t)) = current {
                out.push(Some(Val::Text(t.clone())));
            }
        }
    }
    let mut seen = Vec::new();
    out.retain(|v| {
        let too_many = matches!((v, o.max_selected), (Some(Val::Many(is)), Some(max)) if is.len() > max);
        let keep = !seen.contains(v) && !too_many && !(must_change && v.as_ref() == current);
        seen.push(v.clone());
        keep
    });
    out
}
