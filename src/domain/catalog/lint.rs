//! The import gate. `compile` already refuses unknown names and unparsable expressions;
//! here expressions are run on sample configurations to find wrong types, and a search
//! over reference bodies (ANSUR II percentiles) finds values no one can choose and
//! products no typical customer can order. Every message says file, product, option, rule.

use std::collections::BTreeMap;

use serde::Serialize;

use super::compile::{CompiledCatalog, Product};
use super::eval::{Ctx, DerivedFail, Outcome};
use super::input::{Assignment, Val};
use super::measures::{self, ReferenceBody};
use super::model::OptionKind;
use super::search::{NODE_BUDGET, Search};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintIssue {
    pub file: String,
    pub product: Option<String>,
    pub option: Option<String>,
    pub rule: Option<String>,
    pub message: String,
}

impl std::fmt::Display for LintIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(p) = &self.product {
            write!(f, ": product `{p}`")?;
        }
        if let Some(o) = &self.option {
            write!(f, ", option `{o}`")?;
        }
        if let Some(r) = &self.rule {
            write!(f, ", rule `{r}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a catalog was refused: all issues found, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("catalog refused:\n{}", .issues.iter().map(|i| format!("  {i}")).collect::<Vec<_>>().join("\n"))]
pub struct LintReport {
    pub issues: Vec<LintIssue>,
}

impl LintReport {
    pub(crate) fn single(file: &str, message: String) -> Self {
        LintReport { issues: vec![LintIssue { file: file.to_string(), product: None, option: None, rule: None, message }] }
    }
}

pub(crate) struct Issues {
    file: String,
    list: Vec<LintIssue>,
    /// Derived values refused already: what reads them is not refused again for it (the one
    /// mistake would show as a second, misleading one, "unknown derived value").
    pub(crate) refused_derived: std::collections::BTreeSet<String>,
}

impl Issues {
    pub fn new(file: &str) -> Self {
        Issues { file: file.to_string(), list: Vec::new(), refused_derived: Default::default() }
    }

    pub fn push(&mut self, product: Option<&str>, option: Option<&str>, rule: Option<&str>, message: impl Into<String>) {
        self.list.push(LintIssue {
            file: self.file.clone(),
            product: product.map(str::to_string),
            option: option.map(str::to_string),
            rule: rule.map(str::to_string),
            message: message.into(),
        });
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn into_result(self) -> Result<(), LintReport> {
        if self.list.is_empty() { Ok(()) } else { Err(LintReport { issues: self.list }) }
    }
}

/// Sample configuration number `k`: every option takes its `k`-th value (wrapping), so each
/// value of each option is seen at least once over `k = 0..max values`.
fn sample(p: &Product, k: usize) -> Assignment {
    p.options
        .iter()
        .map(|o| match o.kind {
            OptionKind::Single => Some(Val::One(k % o.values.len().max(1))),
            OptionKind::Multi => Some(Val::Many(if k == 0 || o.values.is_empty() { vec![] } else { vec![(k - 1) % o.values.len()] })),
            OptionKind::Number => o.number.as_ref().map(|n| Val::Number(if k % 2 == 0 { n.min } else { n.max })),
            OptionKind::Text => o.text.as_ref().and_then(|t| t.allowed.iter().next()).map(|c| Val::Text(c.to_string())),
        })
        .collect()
}

/// Runs every expression on sample configurations for the typical bodies; an expression
/// that fails or yields the wrong type is reported once, with the evaluator's reason.
pub(crate) fn type_check(cat: &CompiledCatalog, file: &str) -> Result<(), LintReport> {
    let mut issues = Issues::new(file);
    for p in &cat.products {
        let rounds = p.options.iter().map(|o| o.values.len() + 1).max().unwrap_or(1).max(2);
        let mut reported: BTreeMap<String, ()> = BTreeMap::new();
        for body in measures::TYPICAL {
            let m = body.measurements();
            let ctx = Ctx::new(cat, p, &m);
            for k in 0..rounds {
                let a = sample(p, k);
                let snap = ctx.snapshot(&a);
                for (d, r) in p.derived.iter().zip(&snap.derived) {
                    if let Err(DerivedFail::Failed(e)) = r {
                        if reported.insert(format!("d.{}", d.code), ()).is_none() {
                            issues.push(Some(&p.code), None, None, format!("derived value `{}` fails: {e}", d.code));
                        }
                    }
                }
                for rule in &p.rules {
                    if let Outcome::Error(e) = ctx.check(rule, &a, &snap, true) {
                        if reported.insert(format!("r.{}", rule.id), ()).is_none() {
                            issues.push(Some(&p.code), None, Some(&rule.id), format!("expression fails or has the wrong type: {e} (write numbers in arithmetic as doubles, e.g. 10.0)"));
                        }
                    }
                }
                for (what, l) in p.bom.iter().map(|l| ("bom", l)).chain(p.operations.iter().map(|l| ("operation", l))) {
                    let when = l.when.as_ref().map(|w| ctx.eval_bool(w, &a, &snap).map(|_| ()));
                    let qty = l.qty.as_ref().map(|q| ctx.eval_number(q, &a, &snap).map(|_| ()));
                    for e in [when, qty].into_iter().flatten().filter_map(Result::err) {
                        if reported.insert(format!("{what}.{}", l.code), ()).is_none() {
                            issues.push(Some(&p.code), None, None, format!("{what} line `{}` fails or has the wrong type: {e}", l.code));
                        }
                    }
                }
            }
        }
    }
    issues.into_result()
}

fn empty(p: &Product) -> Assignment {
    p.options.iter().map(|o| (o.kind == OptionKind::Multi).then(|| Val::Many(Vec::new()))).collect()
}

fn completes(cat: &CompiledCatalog, p: &Product, body: &ReferenceBody, fixed: Option<(usize, Val)>) -> bool {
    let m = body.measurements();
    let ctx = Ctx::new(cat, p, &m);
    let mut a = empty(p);
    let free: Vec<usize> = (0..p.options.len()).filter(|o| fixed.as_ref().is_none_or(|(f, _)| f != o)).collect();
    if let Some((o, v)) = fixed {
        a[o] = Some(v);
    }
    Search::new(&ctx, &a, &free, &vec![false; free.len()], NODE_BUDGET).solve(&a).is_some()
}

/// The deep checks an import runs after compiling.
pub(crate) fn deep_lint(cat: &CompiledCatalog, file: &str) -> Result<(), LintReport> {
    let mut issues = Issues::new(file);
    for p in &cat.products {
        for body in measures::TYPICAL {
            if !completes(cat, p, body, None) {
                issues.push(Some(&p.code), None, None, format!("no complete configuration is valid for a typical customer ({}); check the constraints on measurements and the size charts", body.name));
            }
        }
        for (o, spec) in p.options.iter().enumerate() {
            if !matches!(spec.kind, OptionKind::Single | OptionKind::Multi) {
                continue;
            }
            for (vi, v) in spec.values.iter().enumerate() {
                let val = if spec.kind == OptionKind::Single { Val::One(vi) } else { Val::Many(vec![vi]) };
                let alive = measures::TYPICAL.iter().chain(measures::PROBES).any(|b| completes(cat, p, b, Some((o, val.clone()))));
                if !alive {
                    let rules: Vec<&str> = p.rules_by_option[o].iter().map(|r| p.rules[*r].id.as_str()).collect();
                    issues.push(
                        Some(&p.code),
                        Some(&spec.code),
                        None,
                        format!("value `{}` can never be chosen (dead value): no valid configuration contains it for any reference body from ANSUR II p1 to p99; rules on this option: {}", v.code, rules.join(", ")),
                    );
                }
            }
        }
    }
    issues.into_result()
}
