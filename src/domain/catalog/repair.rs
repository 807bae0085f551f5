//! Repair: the fewest choice changes that make a configuration valid (a minimum-cardinality
//! diagnosis, in the spirit of FastDiag), or the plain statement that no choice can help
//! because the measurements themselves rule the product out.
//!
//! Every violated rule must lose at least one of its options to a change, so candidate
//! change sets are the small hitting sets of the violations' options (plus their direct
//! neighbours in the rule graph); each is tried smallest first with a bounded search.

use std::collections::BTreeSet;

use serde::Serialize;

use super::compile::{CompiledCatalog, Product};
use super::eval::Ctx;
use super::input::{Assignment, Choice, Configuration, normalize};
use super::model::Text;
use super::search::{NODE_BUDGET, Search};
use super::validate::{Found, ViolationKind, Violation, find_all, show_val};
use super::EngineError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub option: String,
    pub from: Option<Choice>,
    pub to: Option<Choice>,
    pub explanation: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Repair {
    AlreadyValid,
    /// Apply all changes; `resolves` lists what was wrong.
    Changes { changes: Vec<Change>, resolves: Vec<Violation> },
    /// No choice makes the product valid for these measurements.
    RuledOutByMeasurements { reasons: Vec<Violation> },
    /// The search gave up within its budget (a catalog far larger than the demo ones).
    NotFound { violations: Vec<Violation> },
}

/// The options named in `keep` (comma-separated codes, the most recent first), at most three:
/// each more is another bounded search when the configuration is invalid.
pub(crate) fn kept_options(p: &super::compile::Product, keep: Option<&str>) -> Vec<usize> {
    let mut out: Vec<usize> = vec![];
    for i in keep.unwrap_or_default().split(',').filter_map(|c| p.option_index(c.trim())) {
        if !out.contains(&i) && out.len() < 3 {
            out.push(i);
        }
    }
    out
}

/// Candidate sets tried at most; with the node budget this bounds a repair's cost.
const MAX_CANDIDATES: usize = 5_000;

impl CompiledCatalog {
    pub fn repair(&self, cfg: &Configuration) -> Result<Repair, EngineError> {
        self.repair_keeping(cfg, None)
    }

    /// [`CompiledCatalog::repair`], keeping the option `keep` as chosen where changes of others
    /// make the configuration valid: the one the customer just chose. Choosing SRAM AXS, which
    /// needs its own chainrings and cassette, was answered with "Change Groupset back to
    /// Shimano 105": one change where two keep what was just chosen. `keep` may name several,
    /// comma-separated, the most recent first ("tyre,brakes"): as many as can be are kept, the
    /// oldest given up first (rim brakes chosen, then 28 mm tyres, proposed the brakes back).
    pub fn repair_keeping(&self, cfg: &Configuration, keep: Option<&str>) -> Result<Repair, EngineError> {
        let p = self.product(&cfg.product).ok_or_else(|| EngineError::UnknownProduct(cfg.product.clone()))?;
        let ctx = Ctx::new(self, p, &cfg.measurements);
        let (a, problems) = normalize(p, &cfg.choices);
        let found = find_all(&ctx, &a, &problems);
        Ok(repair_found(&ctx, cfg, &a, &found, &kept_options(p, keep)))
    }
}

/// The repair of `a` (normalized from `cfg`), whose problems `found` are; `keep` as in
/// [`CompiledCatalog::repair_keeping`].
pub(crate) fn repair_found(ctx: &Ctx, cfg: &Configuration, a: &Assignment, found: &[Found], keep: &[usize]) -> Repair {
    let p = ctx.p;
    if found.is_empty() {
        return Repair::AlreadyValid;
    }
    // A text with characters that cannot be made starts from the nearest one that can, rather
    // than from none: the repair then offers "Zoe Muller" for "Zoë Müller", not no name at all.
    let mut start = a.clone();
    let mut folded = BTreeSet::new();
    for f in found.iter().filter(|f| f.violation.kind == ViolationKind::InvalidChoice) {
        for &i in &f.options {
            if let (Some(Choice::Text(typed)), None) = (cfg.choices.get(&p.options[i].code), &a[i]) {
                if let Some(text) = super::input::makeable_text(&p.options[i], typed) {
                    start[i] = Some(super::input::Val::Text(text));
                    folded.insert(i);
                }
            }
        }
    }
    if !folded.is_empty() {
        let still: Vec<Found> = found.iter().filter(|f| !(f.violation.kind == ViolationKind::InvalidChoice && f.options.iter().all(|i| folded.contains(i)))).cloned().collect();
        let rest: Vec<Found> = find_all(ctx, &start, &[]).into_iter().chain(still.into_iter().filter(|f| f.violation.kind == ViolationKind::InvalidChoice)).collect();
        let violations: Vec<Violation> = found.iter().map(|f| f.violation.clone()).collect();
        if rest.is_empty() {
            return Repair::Changes { changes: changes(p, cfg, a, &start), resolves: violations };
        }
        let mut budget = NODE_BUDGET;
        if rest.iter().all(|f| !f.options.is_empty()) {
            if let Some(fixed) = minimal_fix(ctx, &start, &rest, &[], &mut budget) {
                return Repair::Changes { changes: changes(p, cfg, a, &fixed), resolves: violations };
            }
        }
    }
    let mut unfixable: Vec<Violation> = found.iter().filter(|f| f.options.is_empty()).map(|f| f.violation.clone()).collect();
    if !unfixable.is_empty() {
        // A measurement to take, and perhaps more: the measurements given may rule out every
        // value of an option already, which taking the others will not change.
        unfixable.extend(why_nothing_fits(ctx, cfg, true));
        return Repair::RuledOutByMeasurements { reasons: unfixable };
    }
    let violations: Vec<Violation> = found.iter().map(|f| f.violation.clone()).collect();
    let mut budget = NODE_BUDGET;
    let keep: Vec<usize> = keep.iter().copied().filter(|k| a.get(*k).is_some_and(Option::is_some)).collect();
    for n in (1..=keep.len()).rev() {
        // A budget of its own: failing to keep them leaves the plain repair its whole budget.
        if let Some(fixed) = minimal_fix(ctx, a, found, &keep[..n], &mut NODE_BUDGET.clone()) {
            return Repair::Changes { changes: changes(p, cfg, a, &fixed), resolves: violations };
        }
    }
    if let Some(fixed) = minimal_fix(ctx, a, found, &[], &mut budget) {
        return Repair::Changes { changes: changes(p, cfg, a, &fixed), resolves: violations };
    }
    // Nothing small works: is there any valid configuration at all for this body?
    let all: Vec<usize> = (0..p.options.len()).collect();
    let mut search = Search::new(ctx, a, &all, &vec![false; all.len()], budget);
    match search.solve(a) {
        Some(fixed) => Repair::Changes { changes: changes(p, cfg, a, &shrink(ctx, a, fixed)), resolves: violations },
        None if search.nodes < budget => {
            let why = why_nothing_fits(ctx, cfg, false);
            Repair::RuledOutByMeasurements { reasons: if why.is_empty() { violations } else { why } }
        }
        None => Repair::NotFound { violations },
    }
}

/// `fixed` with every change it does not need taken back, one by one in catalog order (what
/// defines the product first). A search over every option, where no small set of changes
/// works, changed what it passed on its way as well as what had to change: a new body's
/// repair turned a carbon frame into aluminium, hydraulic brakes into mechanical ones and
/// dropped the name on the top tube, 13 changes where 5 do.
fn shrink(ctx: &Ctx, a: &Assignment, mut fixed: Assignment) -> Assignment {
    loop {
        let mut taken_back = false;
        for i in 0..a.len() {
            if fixed[i] == a[i] {
                continue;
            }
            let mut trial = fixed.clone();
            trial[i] = a[i].clone();
            if find_all(ctx, &trial, &[]).is_empty() {
                fixed = trial;
                taken_back = true;
            }
        }
        if !taken_back {
            return fixed;
        }
    }
}

/// Why nothing fits: the rules that rule out every value of an option, once each (the seatpost
/// on every frame). An empty configuration's own violations are only "Choose …", which says
/// nothing about the body. `body_only`: only rules that read the option and measurements
/// alone count (other choices could still change), and only where they rule out every value.
fn why_nothing_fits(ctx: &Ctx, cfg: &Configuration, body_only: bool) -> Vec<Violation> {
    let Ok(availability) = ctx.cat.availability(cfg) else { return vec![] };
    let rule_of = |id: &Option<String>| id.as_ref().and_then(|id| ctx.p.rules.iter().find(|r| &r.id == id));
    let counts = |option: &str, b: &super::availability::Blocker| {
        !body_only || rule_of(&b.rule).is_some_and(|r| !r.measures.is_empty() && r.options.iter().all(|&i| ctx.p.options[i].code == option))
    };
    let mut why: Vec<Violation> = vec![];
    for o in availability.options.iter().filter(|o| !o.values.is_empty() && o.values.iter().all(|v| !v.available && v.blocked_by.iter().any(|b| counts(&o.option, b)))) {
        for b in o.values.iter().flat_map(|v| &v.blocked_by).filter(|b| counts(&o.option, b)) {
            if why.iter().any(|w| w.rule == b.rule && w.derived == b.derived) {
                continue;
            }
            let rule = rule_of(&b.rule);
            let kind = match rule.map(|r| r.kind) {
                Some(super::model::RuleKind::Requires) => ViolationKind::Requires,
                Some(super::model::RuleKind::Excludes) => ViolationKind::Excludes,
                Some(super::model::RuleKind::Constraint) => ViolationKind::Constraint,
                None => ViolationKind::DerivationFailed,
            };
            let measurements = rule.map(|r| r.measures.iter().cloned().collect()).unwrap_or_default();
            why.push(Violation { kind, rule: b.rule.clone(), derived: b.derived.clone(), options: vec![o.option.clone()], measurements, explanation: b.explanation.clone() });
        }
    }
    why
}

/// `avoid`: options left as they are (the candidates do not change them).
fn minimal_fix(ctx: &Ctx, a: &Assignment, found: &[Found], avoid: &[usize], budget: &mut usize) -> Option<Assignment> {
    let p = ctx.p;
    let forced: BTreeSet<usize> = found
        .iter()
        .filter(|f| matches!(f.violation.kind, ViolationKind::InvalidChoice | ViolationKind::MissingChoice))
        .flat_map(|f| f.options.iter().copied())
        .collect();
    let conflicts: Vec<&BTreeSet<usize>> = found.iter().map(|f| &f.options).collect();
    let mut pool: BTreeSet<usize> = conflicts.iter().flat_map(|s| s.iter().copied()).collect();
    let neighbours: Vec<usize> = pool.iter().flat_map(|&o| p.rules_by_option[o].iter()).flat_map(|&r| p.rules[r].options.iter().copied()).collect();
    pool.extend(neighbours);
    for o in avoid {
        if forced.contains(o) {
            return None;
        }
        pool.remove(o);
    }
    // Among change sets of one size, those changing later options are tried first: a catalog
    // lists what defines the product first (the cut, the frame's material) and the parts that
    // go with it after, so a conflict is mended in the parts rather than by turning a men's
    // jersey into a women's or a carbon frame into an aluminium one.
    let pool: Vec<usize> = pool.into_iter().rev().collect();
    let mut tried = 0usize;
    for k in forced.len().max(1)..=pool.len() {
        let mut hit = None;
        combinations(&pool, k, &mut Vec::new(), 0, &mut |set: &[usize]| {
            if tried >= MAX_CANDIDATES || *budget == 0 {
                return true;
            }
            if !forced.iter().all(|o| set.contains(o)) || !conflicts.iter().all(|c| c.iter().any(|o| set.contains(o))) {
                return false;
            }
            tried += 1;
            // A forced option was invalid or missing: anything valid will do, even "none".
            let must: Vec<bool> = set.iter().map(|o| !forced.contains(o)).collect();
            let mut search = Search::new(ctx, a, set, &must, *budget);
            let r = search.solve(a);
            *budget = budget.saturating_sub(search.nodes);
            hit = r;
            hit.is_some()
        });
        if hit.is_some() || tried >= MAX_CANDIDATES || *budget == 0 {
            return hit;
        }
    }
    None
}

/// Calls `f` on each `k`-subset of `pool` in lexicographic order until it returns true.
fn combinations(pool: &[usize], k: usize, cur: &mut Vec<usize>, start: usize, f: &mut dyn FnMut(&[usize]) -> bool) -> bool {
    if cur.len() == k {
        return f(cur);
    }
    for i in start..pool.len() {
        if pool.len() - i < k - cur.len() {
            break;
        }
        cur.push(pool[i]);
        let done = combinations(pool, k, cur, i + 1, f);
        cur.pop();
        if done {
            return true;
        }
    }
    false
}

/// `before` lost the choices that were invalid as typed; those count as changed too and are
/// reported as typed.
fn changes(p: &Product, cfg: &Configuration, before: &Assignment, after: &Assignment) -> Vec<Change> {
    p.options
        .iter()
        .enumerate()
        .filter(|(i, o)| before[*i] != after[*i] || (before[*i].is_none() && cfg.choices.contains_key(&o.code)))
        .map(|(i, o)| {
            let typed = cfg.choices.get(&o.code).cloned();
            let from = match (&before[i], &typed) {
                (None, Some(Choice::One(t) | Choice::Text(t))) => Text::new(format!("“{t}”"), format!("“{t}”")),
                // A number as typed, not "not chosen": 215 mm where the steps are of 10.
                (None, Some(Choice::Number(n))) => super::validate::number_words(o, *n),
                _ => show_val(o, before[i].as_ref()),
            };
            let to = show_val(o, after[i].as_ref());
            Change {
                option: o.code.clone(),
                from: before[i].as_ref().map(|v| v.to_choice(o)).or(typed),
                to: after[i].as_ref().map(|v| v.to_choice(o)),
                explanation: Text {
                    en: format!("Change {} from {} to {}.", o.label.en, from.en, to.en),
                    zh: format!("将{}从{}改为{}。", o.label.zh, from.zh, to.zh),
                },
            }
        })
        .collect()
}
