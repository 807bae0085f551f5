//! Evaluating rules and derived values on one assignment of choices. Everything above this
//! (validate, availability, repair, lint) is built from `snapshot` and `check`.

use std::collections::BTreeMap;

use cel::Value;
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use super::compile::{CompiledCatalog, Derived, DerivedKind, Pattern, Product, Rule, RuleBody};
use super::derive::DerivedValue;
use super::expr::{EvalError, Scope, map_value, string_value};
use super::input::{Assignment, Val};
use super::measures;

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
    /// The scope handed to CEL once, for every rule checked on this snapshot.
    pub cel: cel::Context<'e, 'static>,
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
    m: Value,
}

impl<'a> Ctx<'a> {
    pub fn new(cat: &'a CompiledCatalog, p: &'a Product, measurements: &'a BTreeMap<String, i64>) -> Self {
        let m = map_value(measurements.iter().filter_map(|(code, v)| {
            measures::measure(code).map(|def| (code.clone(), Value::Float(measures::expr_value(def, *v))))
        }));
        Ctx { cat, p, measurements, m }
    }

    fn missing_measures<'b>(&self, codes: impl IntoIterator<Item = &'b String>) -> Vec<String> {
        codes.into_iter().filter(|c| !self.measurements.contains_key(*c)).cloned().collect()
    }

    pub fn snapshot(&self, a: &Assignment) -> Snapshot<'a> {
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
        let mut scope = Scope { m: self.m.clone(), c: map_value(c), d: map_value([]), v: map_value(v) };
        let mut cel = self.cat.eval.context(&scope);
        let mut derived: Vec<DerivedResult> = Vec::with_capacity(self.p.derived.len());
        let mut d_entries: Vec<(String, Value)> = Vec::new();
        for d in &self.p.derived {
            let r = self.derive_one(d, a, &cel);
            if let Ok(val) = &r {
                d_entries.push((d.code.clone(), val.to_cel()));
                scope.d = map_value(d_entries.iter().cloned());
                cel.add_variable_from_value("d", scope.d.clone());
            }
            derived.push(r);
        }
        Snapshot { derived, cel }
    }

    fn derive_one(&self, d: &Derived, a: &Assignment, cel: &cel::Context) -> DerivedResult {
        if d.options.iter().any(|o| a[*o].is_none()) {
            return Err(DerivedFail::Pending);
        }
        let missing = self.missing_measures(&d.measures);
        match &d.kind {
            DerivedKind::Formula(expr) => {
                if !missing.is_empty() {
                    return Err(DerivedFail::MissingMeasures(missing));
                }
                let x = self.cat.eval.eval_number_in(expr, cel).map_err(|e| DerivedFail::Failed(e.to_string()))?;
                let x = Decimal::from_f64(x).ok_or_else(|| DerivedFail::Failed(format!("{x} is not representable")))?;
                Ok(DerivedValue::Number(x.round_dp(d.decimals).normalize()))
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
    /// unchosen (a `requires` whose target is unchosen is then violated, not pending).
    pub fn check(&self, rule: &Rule, a: &Assignment, snap: &Snapshot, final_answer: bool) -> Outcome {
        match &rule.body {
            RuleBody::Requires { when, then } | RuleBody::Excludes { when, then } => {
                let requires = matches!(rule.body, RuleBody::Requires { .. });
                match matches(when, a) {
                    None => Outcome::Pending,
                    Some(false) => Outcome::Satisfied,
                    Some(true) => match (matches(then, a), requires) {
                        (None, true) if final_answer => Outcome::Violated,
                        (None, _) => Outcome::Pending,
                        (Some(hit), true) => if hit { Outcome::Satisfied } else { Outcome::Violated },
                        (Some(hit), false) => if hit { Outcome::Violated } else { Outcome::Satisfied },
                    },
                }
            }
            RuleBody::Constraint(expr) => {
                if rule.options.iter().any(|o| a[*o].is_none()) || rule.derived.iter().any(|d| snap.derived[*d].is_err()) {
                    return Outcome::Pending;
                }
                let missing = self.missing_measures(&rule.measures);
                if !missing.is_empty() {
                    return Outcome::MissingMeasures(missing);
                }
                match self.cat.eval.eval_bool_in(expr, &snap.cel) {
                    Ok(true) => Outcome::Satisfied,
                    Ok(false) => Outcome::Violated,
                    Err(EvalError::Failed(e)) | Err(EvalError::WrongType { expected: _, got: e }) => Outcome::Error(e),
                }
            }
        }
    }

    /// The measurement as an expression sees it, for explanations.
    pub fn measure_display(&self, code: &str) -> Option<String> {
        let def = measures::measure(code)?;
        self.measurements.get(code).map(|v| measures::display(def, *v))
    }
}

/// `None` while any option of the pattern is unchosen; otherwise whether all entries hold.
fn matches(pattern: &Pattern, a: &Assignment) -> Option<bool> {
    let mut all = true;
    for (o, set) in pattern {
        let hit = match a[*o].as_ref()? {
            Val::One(i) => set.contains(i),
            Val::Many(is) => is.iter().any(|i| set.contains(i)),
            Val::Number(_) | Val::Text(_) => false,
        };
        all &= hit;
    }
    Some(all)
}

impl DerivedValue {
    pub(crate) fn to_cel(&self) -> Value {
        match self {
            DerivedValue::Number(d) => Value::Float(d.to_f64().unwrap_or(f64::NAN)),
            DerivedValue::Size(s) => string_value(s),
        }
    }
}
