//! Availability: for every value of every choice option, whether it can be chosen next to
//! the other choices as they stand, and if not, which rules forbid it and why. Only rules
//! whose options are all chosen can forbid (an open question can still be answered to fit).

use serde::Serialize;

use super::compile::{CompiledCatalog, RuleBody};
use super::eval::{Ctx, DerivedFail, Outcome};
use super::input::{Configuration, Val, normalize};
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
    pub blocked_by: Vec<Blocker>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocker {
    pub rule: Option<String>,
    pub derived: Option<String>,
    pub explanation: Text,
}

impl CompiledCatalog {
    pub fn availability(&self, cfg: &Configuration) -> Result<Availability, EngineError> {
        let p = self.product(&cfg.product).ok_or_else(|| EngineError::UnknownProduct(cfg.product.clone()))?;
        let ctx = Ctx::new(self, p, &cfg.measurements);
        let (a, _) = normalize(p, &cfg.choices);
        // Requires/excludes rules read only the choices; a CEL snapshot per trial is needed
        // only where a constraint or a derived value reads the option. Elsewhere the
        // snapshot of the configuration as it stands serves every trial.
        let base = ctx.snapshot(&a);
        let mut options = Vec::new();
        for (o, spec) in p.options.iter().enumerate() {
            if !matches!(spec.kind, OptionKind::Single | OptionKind::Multi) {
                continue;
            }
            let derived: Vec<usize> = p.derived.iter().enumerate().filter(|(_, d)| d.options.contains(&o)).map(|(i, _)| i).collect();
            let needs_snapshot = !derived.is_empty() || p.rules_by_option[o].iter().any(|&r| matches!(p.rules[r].body, RuleBody::Constraint(_)));
            let mut values = Vec::new();
            for (vi, v) in spec.values.iter().enumerate() {
                let mut trial = a.clone();
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
                let own;
                let snap = if needs_snapshot {
                    own = ctx.snapshot(&trial);
                    &own
                } else {
                    &base
                };
                let mut blocked_by = Vec::new();
                for &d in &derived {
                    if let Err(f @ (DerivedFail::OutOfChart { .. } | DerivedFail::Failed(_))) = &snap.derived[d] {
                        let why = match f {
                            DerivedFail::OutOfChart { chart, .. } => Text::new(format!("no size in chart {chart} fits"), format!("尺码表 {chart} 中没有合适的尺码")),
                            _ => Text::new("cannot be computed", "无法计算"),
                        };
                        let dl = &p.derived[d].label;
                        blocked_by.push(Blocker {
                            rule: None,
                            derived: Some(p.derived[d].code.clone()),
                            explanation: Text { en: format!("{}: {}.", dl.en, why.en), zh: format!("{}：{}。", dl.zh, why.zh) },
                        });
                    }
                }
                for &r in &p.rules_by_option[o] {
                    let rule = &p.rules[r];
                    match ctx.check(rule, &trial, snap, false) {
                        Outcome::Violated => blocked_by.push(blocker(rule_violation(&ctx, &trial, snap, rule, None).violation)),
                        Outcome::Error(e) => blocked_by.push(blocker(rule_violation(&ctx, &trial, snap, rule, Some(e)).violation)),
                        _ => {}
                    }
                }
                values.push(ValueAvailability { value: v.code.clone(), chosen, available: blocked_by.is_empty(), blocked_by });
            }
            options.push(OptionAvailability { option: spec.code.clone(), values });
        }
        Ok(Availability { options })
    }
}

fn blocker(v: super::validate::Violation) -> Blocker {
    Blocker { rule: v.rule, derived: None, explanation: v.explanation }
}
