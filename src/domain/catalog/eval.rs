//! Evaluating rules and derived values on one assignment of choices. Everything above this
//! (validate, availability, repair, lint) is built from `snapshot` and `check`. Expressions
//! run natively where they can (see `native`) and through CEL otherwise.

use std::cell::OnceCell;
use std::collections::BTreeMap;

use cel::Value;
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use super::compile::{CompiledCatalog, Derived, DerivedKind, Pattern, Product, Rule, RuleBody};
use super::derive::DerivedValue;
use super::expr::{EvalError, Expr, Scope, map_value, string_value};
use super::input::{Assignment, Val};
use super::measures;
use super::native::{self, Env, V};

/// Why a derived value has no value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DerivedFail {
    /// An option it reads is not chosen yet.
    Pending,
    MissingMeasures(Vec<String>),
    /// The body lies outside the size chart: no size fits.
    OutOfChart { chart: String, measurement: String, value: i64, lowest: i64, highest: i64 },
    Failed(String),
}

pub(crate) type DerivedResult = Result<DerivedValue, DerivedFail>;

pub(crate) struct Snapshot<'e> {
    pub derived: Vec<DerivedResult>,
    /// The scope handed to CEL, built only when an expression needs CEL (one the native
    /// evaluator does not model, or an error whose message CEL words).
    cel: OnceCell<cel::Context<'e, 'static>>,
}

impl<'e> Snapshot<'e> {
    /// The same derived values, without the CEL scope (built again when needed).
    pub fn clone_derived(&self) -> Snapshot<'e> {
        Snapshot { derived: self.derived.clone(), cel: OnceCell::new() }
    }

    /// Availability changes one option at a time and keeps one snapshot: after a change,
    /// the CEL scope (if one was built) no longer describes the assignment.
    pub fn assignment_changed(&mut self) {
        self.cel.take();
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    Satisfied,
    Violated,
    /// Not applicable yet: an option or derived value it reads is missing.
    Pending,
    MissingMeasures(Vec<String>),
    Error(String),
}

pub(crate) struct Ctx<'a> {
    pub cat: &'a CompiledCatalog,
    pub p: &'a Product,
    pub measurements: &'a BTreeMap<String, i64>,
    /// `m` as CEL sees it, built on first use.
    m: OnceCell<Value>,
    /// `m` as the native evaluator sees it, by index into `measures::MEASURES`.
    m_native: Vec<Option<f64>>,
    /// Off only in tests that compare the native evaluator with CEL.
    native: bool,
    /// Per option, the number its recommended value is nearest to (see
    /// [`super::search::recommended_targets`]): from the measurements alone, so computed
    /// once, however many searches a repair starts.
    targets: OnceCell<Vec<Option<f64>>>,
}

impl<'a> Ctx<'a> {
    pub fn new(cat: &'a CompiledCatalog, p: &'a Product, measurements: &'a BTreeMap<String, i64>) -> Self {
        let m_native = measures::MEASURES.iter().map(|def| measurements.get(def.code).map(|v| measures::expr_value(def, *v))).collect();
        Ctx { cat, p, measurements, m: OnceCell::new(), m_native, native: true, targets: OnceCell::new() }
    }

    /// The same context evaluating every expression with CEL, as the reference.
    #[cfg(test)]
    pub fn cel_only(mut self) -> Self {
        self.native = false;
        self
    }

    /// See `targets`; `a` is any assignment (the values read depend on no choice).
    pub fn recommendation_targets(&self, a: &Assignment) -> &[Option<f64>] {
        self.targets.get_or_init(|| super::search::recommended_targets(self.p, &self.snapshot(a).derived))
    }

    fn m_value(&self) -> Value {
        self.m
            .get_or_init(|| {
                map_value(self.measurements.iter().filter_map(|(code, v)| {
                    measures::measure(code).map(|def| (code.clone(), Value::Float(measures::expr_value(def, *v))))
                }))
            })
            .clone()
    }

    /// The measurements among `codes` not taken; `ids` are the same by index (see
    /// [`Rule::measure_ids`]), which answers the usual case, all taken, without a lookup by name.
    fn missing_measures(&self, codes: &std::collections::BTreeSet<String>, ids: &[usize]) -> Vec<String> {
        if ids.len() == codes.len() && ids.iter().all(|i| self.m_native.get(*i).is_some_and(Option::is_some)) {
            return vec![];
        }
        codes.iter().filter(|c| !self.measurements.contains_key(*c)).cloned().collect()
    }

    /// The CEL scope of an assignment: `c` and `v` from the choices, `d` from the derived
    /// values that have one.
    fn cel_context(&self, a: &Assignment, derived: &[DerivedResult]) -> cel::Context<'a, 'static> {
        let mut c = Vec::with_capacity(a.len());
        let mut v = Vec::new();
        for (o, val) in self.p.options.iter().zip(a) {
            let Some(val) = val else { continue };
            let value = match val {
                Val::One(i) => {
                    if let Some(spec) = o.values.get(*i) {
                        if !spec.attrs.is_empty() {
                            v.push((o.code.clone(), map_value(spec.attrs.iter().map(|(k, x)| (k.clone(), Value::Float(*x))))));
                        }
                        string_value(&spec.code)
                    } else {
                        continue;
                    }
                }
                Val::Many(is) => Value::List(std::sync::Arc::new(
                    is.iter().filter_map(|i| o.values.get(*i)).map(|s| string_value(&s.code)).collect(),
                )),
                Val::Number(_) => Value::Float(val.number().unwrap_or(f64::NAN)),
                Val::Text(t) => string_value(t),
            };
            c.push((o.code.clone(), value));
        }
        let d = map_value(self.p.derived.iter().zip(derived).filter_map(|(d, r)| r.as_ref().ok().map(|x| (d.code.clone(), x.to_cel()))));
        let scope = Scope { m: self.m_value(), c: map_value(c), d, v: map_value(v) };
        self.cat.eval.context(&scope)
    }

    fn env<'x>(&'x self, a: &'x Assignment, derived: &'x [DerivedResult]) -> Env<'x> {
        Env { options: &self.p.options, a, m: &self.m_native, d: derived }
    }

    fn native_bool(&self, e: &Expr, a: &Assignment, derived: &[DerivedResult]) -> Option<bool> {
        if !self.native {
            return None;
        }
        match native::eval(e.native.as_ref()?, &self.env(a, derived))? {
            V::B(b) => Some(b),
            _ => None,
        }
    }

    /// What `eval_number_in` would accept; anything else (a non-finite result, another
    /// type) goes to CEL for its wording.
    fn native_number(&self, e: &Expr, a: &Assignment, derived: &[DerivedResult]) -> Option<f64> {
        if !self.native {
            return None;
        }
        match native::eval(e.native.as_ref()?, &self.env(a, derived))? {
            V::D(f) if f.is_finite() => Some(f),
            V::I(i) => Some(i as f64),
            _ => None,
        }
    }

    pub fn eval_bool(&self, e: &Expr, a: &Assignment, snap: &Snapshot<'a>) -> Result<bool, EvalError> {
        if let Some(b) = self.native_bool(e, a, &snap.derived) {
            return Ok(b);
        }
        self.cat.eval.eval_bool_in(e, snap.cel.get_or_init(|| self.cel_context(a, &snap.derived)))
    }

    pub fn eval_number(&self, e: &Expr, a: &Assignment, snap: &Snapshot<'a>) -> Result<f64, EvalError> {
        if let Some(x) = self.native_number(e, a, &snap.derived) {
            return Ok(x);
        }
        self.cat.eval.eval_number_in(e, snap.cel.get_or_init(|| self.cel_context(a, &snap.derived)))
    }

    pub fn snapshot(&self, a: &Assignment) -> Snapshot<'a> {
        let mut derived: Vec<DerivedResult> = Vec::with_capacity(self.p.derived.len());
        for d in &self.p.derived {
            let r = self.derive_one(d, a, &derived);
            derived.push(r);
        }
        Snapshot { derived, cel: OnceCell::new() }
    }

    /// One derived value; `earlier` holds the derived values before it (all it may read).
    pub fn derive_one(&self, d: &Derived, a: &Assignment, earlier: &[DerivedResult]) -> DerivedResult {
        if d.options.iter().any(|o| a[*o].is_none()) {
            return Err(DerivedFail::Pending);
        }
        match &d.kind {
            DerivedKind::Formula(expr) => {
                let missing = self.missing_measures(&d.measures, &d.measure_ids);
                if !missing.is_empty() {
                    return Err(DerivedFail::MissingMeasures(missing));
                }
                let x = match self.native_number(expr, a, earlier) {
                    Some(x) => x,
                    None => self.cat.eval.eval_number_in(expr, &self.cel_context(a, earlier)).map_err(|e| DerivedFail::Failed(e.to_string()))?,
                };
                let x = Decimal::from_f64(x).ok_or_else(|| DerivedFail::Failed(format!("{x} is not representable")))?;
                // Rules and recommendations read the value as computed (rounded only past
                // floating-point noise); `decimals` is how it is shown (see `derive::shown`):
                // rounded first, 57.988 read as 58.0 let a frame 3.012 cm off pass a ±3 cm rule.
                Ok(DerivedValue::Number(x.round_dp(d.decimals.max(9)).normalize()))
            }
            DerivedKind::Chart { by, charts } => {
                let chosen = by.and_then(|o| match &a[o] {
                    Some(Val::One(i)) => Some(*i),
                    _ => None,
                });
                let Some((_, chart)) = charts.iter().find(|(v, _)| *v == chosen) else {
                    return Err(DerivedFail::Pending);
                };
                let Some(&body) = self.measurements.get(&chart.measurement) else {
                    return Err(DerivedFail::MissingMeasures(vec![chart.measurement.clone()]));
                };
                match chart.sizes.iter().find(|r| r.from <= body && body < r.to) {
                    Some(row) => Ok(DerivedValue::Size(row.size.clone())),
                    None => Err(DerivedFail::OutOfChart {
                        chart: chart.code.clone(),
                        measurement: chart.measurement.clone(),
                        value: body,
                        lowest: chart.sizes.first().map_or(0, |r| r.from),
                        highest: chart.sizes.last().map_or(0, |r| r.to),
                    }),
                }
            }
        }
    }

    /// `final_answer`: the configuration is complete, so an unchosen option will stay
    /// unchosen (a `requires` whose target is unchosen is then violated, not pending). A
    /// required target still to be chosen is asked for anyway: until it is, the rule waits,
    /// rather than blaming the option chosen first (a 54 cm frame "requires 700C" before the
    /// wheel size was reached).
    pub fn check(&self, rule: &Rule, a: &Assignment, snap: &Snapshot<'a>, final_answer: bool) -> Outcome {
        match &rule.body {
            RuleBody::Requires { when, then } | RuleBody::Excludes { when, then } => {
                let requires = matches!(rule.body, RuleBody::Requires { .. });
                match matches(when, a) {
                    None => Outcome::Pending,
                    Some(false) => Outcome::Satisfied,
                    // An entry already chosen that misses decides, whatever is still open.
                    Some(true) if then.iter().any(|(o, set)| a[*o].as_ref().is_some_and(|v| !hits(v, set))) => {
                        if requires { Outcome::Violated } else { Outcome::Satisfied }
                    }
                    Some(true) => match (then.iter().any(|(o, _)| a[*o].is_none()), requires) {
                        (true, true) if final_answer && then.iter().any(|(o, _)| a[*o].is_none() && !self.p.options[*o].required) => Outcome::Violated,
                        (true, _) => Outcome::Pending,
                        (false, true) => Outcome::Satisfied,
                        (false, false) => Outcome::Violated,
                    },
                }
            }
            RuleBody::Constraint(expr) => {
                if rule.options.iter().any(|o| a[*o].is_none()) || rule.derived.iter().any(|d| snap.derived[*d].is_err()) {
                    return Outcome::Pending;
                }
                let missing = self.missing_measures(&rule.measures, &rule.measure_ids);
                if !missing.is_empty() {
                    return Outcome::MissingMeasures(missing);
                }
                match self.eval_bool(expr, a, snap) {
                    Ok(true) => Outcome::Satisfied,
                    Ok(false) => Outcome::Violated,
                    Err(EvalError::Failed(e)) | Err(EvalError::WrongType { expected: _, got: e }) => Outcome::Error(e),
                }
            }
        }
    }

    /// The measurement as an expression sees it, for explanations.
    pub fn measure_display(&self, code: &str) -> Option<super::model::Text> {
        let def = measures::measure(code)?;
        self.measurements.get(code).map(|v| measures::display_text(def, *v))
    }
}

/// `None` while any option of the pattern is unchosen; otherwise whether all entries hold.
fn matches(pattern: &Pattern, a: &Assignment) -> Option<bool> {
    let mut all = true;
    for (o, set) in pattern {
        all &= hits(a[*o].as_ref()?, set);
    }
    Some(all)
}

/// Whether a chosen value is among `set` (a multi choice: any of its values).
fn hits(v: &Val, set: &std::collections::BTreeSet<usize>) -> bool {
    match v {
        Val::One(i) => set.contains(i),
        Val::Many(is) => is.iter().any(|i| set.contains(i)),
        Val::Number(_) | Val::Text(_) => false,
    }
}

impl DerivedValue {
    pub(crate) fn to_cel(&self) -> Value {
        match self {
            DerivedValue::Number(d) => Value::Float(d.to_f64().unwrap_or(f64::NAN)),
            DerivedValue::Size(s) => string_value(s),
        }
    }
}
