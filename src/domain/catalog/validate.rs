//! Validation: every problem of a configuration, each explained in both languages and naming
//! the options and measurements involved, in a fixed order (input, missing choices, missing
//! measurements, derived values, then rules in catalog order).

use std::collections::BTreeSet;

use serde::Serialize;

use super::compile::{CompiledCatalog, OptionSpec, Rule, RuleBody};
use super::eval::{Ctx, DerivedFail, Outcome, Snapshot};
use super::input::{Assignment, Configuration, InputProblem, Val, normalize};
use super::measures;
use super::model::{RuleKind, Text};
use super::EngineError;
use crate::domain::lang::Lang;
use crate::domain::measurement::Measurement;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationKind {
    InvalidChoice,
    /// A measurement no adult body has (outside its hard range): a unit or typing mistake.
    InvalidMeasurement,
    MissingChoice,
    MissingMeasurement,
    /// The body is outside every size of the chart.
    NoSize,
    DerivationFailed,
    Requires,
    Excludes,
    Constraint,
    /// A rule expression failed to evaluate; treated as violated.
    RuleError,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub kind: ViolationKind,
    pub rule: Option<String>,
    pub derived: Option<String>,
    pub options: Vec<String>,
    pub measurements: Vec<String>,
    pub explanation: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validation {
    pub valid: bool,
    pub violations: Vec<Violation>,
}

/// A violation with the option indexes a change could act on (empty: only the measurements
/// are to blame).
#[derive(Clone)]
pub(crate) struct Found {
    pub violation: Violation,
    pub options: BTreeSet<usize>,
}

impl CompiledCatalog {
    pub fn validate(&self, cfg: &Configuration) -> Result<Validation, EngineError> {
        let p = self.product(&cfg.product).ok_or_else(|| EngineError::UnknownProduct(cfg.product.clone()))?;
        let ctx = Ctx::new(self, p, &cfg.measurements);
        let (a, problems) = normalize(p, &cfg.choices);
        let violations: Vec<Violation> = find_all(&ctx, &a, &problems).into_iter().map(|f| f.violation).collect();
        Ok(Validation { valid: violations.is_empty(), violations })
    }
}

pub(crate) fn find_all(ctx: &Ctx, a: &Assignment, problems: &[InputProblem]) -> Vec<Found> {
    find_all_in(ctx, a, problems, &ctx.snapshot(a))
}

/// [`find_all`] with the assignment's snapshot already taken.
pub(crate) fn find_all_in<'a>(ctx: &Ctx<'a>, a: &Assignment, problems: &[InputProblem], snap: &Snapshot<'a>) -> Vec<Found> {
    let p = ctx.p;
    let mut out = Vec::new();
    for pr in problems {
        let idx = p.option_index(&pr.option);
        out.push(Found {
            violation: Violation { kind: ViolationKind::InvalidChoice, rule: None, derived: None, options: vec![pr.option.clone()], measurements: vec![], explanation: pr.reason.clone() },
            options: idx.into_iter().collect(),
        });
    }
    out.extend(implausible_measurements(ctx.measurements));
    out.extend(impossible_combinations(ctx.measurements));
    for (i, o) in p.options.iter().enumerate() {
        if o.required && a[i].is_none() && !problems.iter().any(|pr| pr.option == o.code) {
            out.push(Found {
                violation: Violation {
                    kind: ViolationKind::MissingChoice,
                    rule: None,
                    derived: None,
                    options: vec![o.code.clone()],
                    measurements: vec![],
                    // A number is entered, not chosen.
                    explanation: match o.kind {
                        super::model::OptionKind::Number => Text { en: format!("Enter {}.", o.label.en), zh: format!("请填写{}。", o.label.zh) },
                        _ => Text { en: format!("Choose {}.", o.label.en), zh: format!("请选择{}。", o.label.zh) },
                    },
                },
                options: BTreeSet::from([i]),
            });
        }
    }
    let mut missing: BTreeSet<String> = BTreeSet::new();
    let mut derived_found = Vec::new();
    for (d, r) in p.derived.iter().zip(&snap.derived) {
        match r {
            Ok(_) | Err(DerivedFail::Pending) => {}
            Err(DerivedFail::MissingMeasures(ms)) => missing.extend(ms.iter().cloned()),
            Err(fail) => derived_found.push(derived_violation(ctx, a, d, fail)),
        }
    }
    let mut rule_found = Vec::new();
    for rule in &p.rules {
        match ctx.check(rule, a, snap, true) {
            Outcome::Satisfied | Outcome::Pending => {}
            Outcome::MissingMeasures(ms) => missing.extend(ms),
            Outcome::Violated => rule_found.push(rule_violation(ctx, a, snap, rule, None)),
            Outcome::Error(e) => rule_found.push(rule_violation(ctx, a, snap, rule, Some(e))),
        }
    }
    for m in measures::MEASURES.iter().filter(|m| missing.contains(m.code)) {
        out.push(Found {
            violation: Violation {
                kind: ViolationKind::MissingMeasurement,
                rule: None,
                derived: None,
                options: vec![],
                measurements: vec![m.code.to_string()],
                explanation: Text { en: format!("The {} measurement is needed.", m.en), zh: format!("需要测量{}。", m.zh) },
            },
            options: BTreeSet::new(),
        });
    }
    out.extend(derived_found);
    out.extend(rule_found);
    out
}

/// Measurements outside the range of adult bodies ([`Measurement::hard_range`], the one the
/// measurement forms refuse): a configuration sent over the API brings its own numbers, and a
/// negative stature would otherwise reach the bill of materials as a negative length of cloth.
fn implausible_measurements(measurements: &std::collections::BTreeMap<String, i64>) -> impl Iterator<Item = Found> + '_ {
    measurements.iter().filter_map(|(code, &value)| {
        let m = Measurement::from_code(code)?;
        let range = m.hard_range();
        if u32::try_from(value).is_ok_and(|v| range.contains(v)) {
            return None;
        }
        // Head and hand girth are taken but read by no rule: named as the forms name them.
        let (en, zh) = measures::measure(code).map_or_else(|| (m.name(Lang::En).to_lowercase(), m.name(Lang::ZhCn).to_owned()), |d| (d.en.to_owned(), d.zh.to_owned()));
        let quantity = if m.quantity() == crate::domain::measurement::Quantity::Mass { measures::Quantity::Mass } else { measures::Quantity::Length };
        let show = |v: i64| measures::display_quantity(quantity, v);
        let (shown, min, max) = (show(value), show(range.min.into()), show(range.max.into()));
        Some(Found {
            violation: Violation {
                kind: ViolationKind::InvalidMeasurement,
                rule: None,
                derived: None,
                options: vec![],
                measurements: vec![code.clone()],
                explanation: Text {
                    // Such a number comes from a program (the forms refuse it first): the unit it
                    // was read in says what went wrong (a stature of 178 sent in centimetres).
                    en: format!(
                        "{} {en} of {shown} is not possible: it must be between {min} and {max} ({value} was read as {}).",
                        if en.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) { "An" } else { "A" },
                        if quantity == measures::Quantity::Mass { "grams" } else { "millimetres" }
                    ),
                    zh: format!("{zh}{shown}不可能：应在{min}到{max}之间（{value} 按{}读取）。", if quantity == measures::Quantity::Mass { "克" } else { "毫米" }),
                },
            },
            options: BTreeSet::new(),
        })
    })
}

/// Values each within its range that no body has together (an inside leg of 93 % of the
/// stature, a thigh girth above the hip girth): the measurement forms refuse them, and a
/// configuration that brings its own numbers (the API) must not reach a factory with them.
fn impossible_combinations(measurements: &std::collections::BTreeMap<String, i64>) -> impl Iterator<Item = Found> {
    let get = |m: Measurement| measurements.get(m.code()).and_then(|v| u32::try_from(*v).ok()).filter(|v| m.hard_range().contains(*v));
    crate::domain::measurement::impossible_combinations(get).into_iter().map(|e| {
        let other = match e.kind {
            crate::domain::measurement::FieldErrorKind::NotLessThan { other } | crate::domain::measurement::FieldErrorKind::ImpossibleRatio { other, .. } => Some(other.code().to_owned()),
            _ => None,
        };
        Found {
            violation: Violation {
                kind: ViolationKind::InvalidMeasurement,
                rule: None,
                derived: None,
                options: vec![],
                measurements: std::iter::once(e.measurement.code().to_owned()).chain(other).collect(),
                explanation: Text { en: e.message(crate::domain::lang::Lang::En), zh: e.message(crate::domain::lang::Lang::ZhCn) },
            },
            options: BTreeSet::new(),
        }
    })
}

/// Why no size fits, in words: the measurement and what the chart covers. A chart's rows run
/// from their lower bound up to, not including, the next (132.0 cm itself is past a chart
/// that "covers 90.0 cm up to 132.0 cm"); the chart is not named by its code, which is the
/// catalog's and means nothing to a customer.
pub(crate) fn no_size_fits(measurement: &str, value: i64, lowest: i64, highest: i64) -> Text {
    let def = measures::measure(measurement);
    let (en_m, zh_m) = def.map_or((measurement, measurement), |m| (m.en, m.zh));
    let shown = |v: i64| def.map_or_else(|| Text::new(v.to_string(), v.to_string()), |m| measures::display_text(m, v));
    let (at, lo, hi) = (shown(value), shown(lowest), shown(highest));
    Text {
        en: format!("no size fits a {en_m} of {}; the sizes are for {} to under {}", at.en, lo.en, hi.en),
        zh: format!("{zh_m}{}没有合适的尺码；尺码适用于 {} 至 {}（不含）", at.zh, lo.zh, hi.zh),
    }
}

fn derived_violation(ctx: &Ctx, a: &Assignment, d: &super::compile::Derived, fail: &DerivedFail) -> Found {
    let opts: Vec<String> = d.options.iter().map(|o| ctx.p.options[*o].code.clone()).collect();
    let (kind, measurements, explanation) = match fail {
        DerivedFail::OutOfChart { measurement, value, lowest, highest, .. } => {
            let why = no_size_fits(measurement, *value, *lowest, *highest);
            let mut text = Text { en: format!("{}: {}.", d.label.en, why.en), zh: format!("{}：{}。", d.label.zh, why.zh) };
            append_involved(&mut text, &involved_options(ctx, a, &d.options));
            (ViolationKind::NoSize, vec![measurement.clone()], text)
        }
        other => {
            let why = match other {
                DerivedFail::Failed(e) => e.clone(),
                _ => String::new(),
            };
            (
                ViolationKind::DerivationFailed,
                d.measures.iter().cloned().collect(),
                Text { en: format!("{} could not be computed: {why}", d.label.en), zh: format!("无法计算{}：{why}", d.label.zh) },
            )
        }
    };
    Found {
        violation: Violation { kind, rule: None, derived: Some(d.code.clone()), options: opts, measurements, explanation },
        options: d.options.clone(),
    }
}

pub(crate) fn rule_violation(ctx: &Ctx, a: &Assignment, snap: &Snapshot, rule: &Rule, error: Option<String>) -> Found {
    let p = ctx.p;
    let mut text = rule.text.clone();
    let mut involved = involved_options(ctx, a, &rule.options);
    for m in measures::MEASURES.iter().filter(|m| rule.measures.contains(m.code)) {
        if let Some(v) = ctx.measure_display(m.code) {
            involved.push(Text { en: format!("{} {}", m.en, v.en), zh: format!("{}{}", m.zh, v.zh) });
        }
    }
    for &di in &rule.derived {
        if let (Some(d), Some(Ok(v))) = (p.derived.get(di), snap.derived.get(di)) {
            let v = super::derive::shown(d, v.clone());
            let unit = d.unit.as_deref().unwrap_or("");
            let space = if unit.is_empty() { "" } else { " " };
            involved.push(Text { en: format!("{} {v}{space}{unit}", d.label.en), zh: format!("{}{v}{space}{}", d.label.zh, super::model::unit_zh(unit)) });
        }
    }
    append_involved(&mut text, &involved);
    let kind = match (error.is_some(), rule.kind) {
        (true, _) => ViolationKind::RuleError,
        (false, RuleKind::Requires) => ViolationKind::Requires,
        (false, RuleKind::Excludes) => ViolationKind::Excludes,
        (false, RuleKind::Constraint) => ViolationKind::Constraint,
    };
    if let Some(e) = error {
        text.en.push_str(&format!(" (could not be checked: {e})"));
        text.zh.push_str(&format!("（无法检查：{e}）"));
    }
    Found {
        violation: Violation {
            kind,
            rule: Some(rule.id.clone()),
            derived: None,
            options: rule.options.iter().map(|o| p.options[*o].code.clone()).collect(),
            measurements: measures::MEASURES.iter().filter(|m| rule.measures.contains(m.code)).map(|m| m.code.to_string()).collect(),
            explanation: text,
        },
        options: rule.options.clone(),
    }
}

fn append_involved(text: &mut Text, involved: &[Text]) {
    if involved.is_empty() {
        return;
    }
    let en: Vec<&str> = involved.iter().map(|t| t.en.as_str()).collect();
    let zh: Vec<&str> = involved.iter().map(|t| t.zh.as_str()).collect();
    text.en.push_str(&format!(" — {}", en.join("; ")));
    text.zh.push_str(&format!(" —— {}", zh.join("；")));
}

fn involved_options(ctx: &Ctx, a: &Assignment, opts: &BTreeSet<usize>) -> Vec<Text> {
    opts.iter()
        .map(|&o| {
            let spec = &ctx.p.options[o];
            let shown = show_val(spec, a[o].as_ref());
            Text { en: format!("{}: {}", spec.label.en, shown.en), zh: format!("{}：{}", spec.label.zh, shown.zh) }
        })
        .collect()
}

/// How a choice reads in a sentence.
/// A number of option `o` with its unit, in both languages ("100 mm", "100 毫米").
pub(crate) fn number_words(o: &super::compile::OptionSpec, d: rust_decimal::Decimal) -> Text {
    let unit = o.number.as_ref().map_or("", |n| n.unit.as_str());
    let d = d.normalize();
    Text::new(format!("{d} {unit}").trim_end(), format!("{d} {}", super::model::unit_zh(unit)).trim_end())
}

pub(crate) fn show_val(o: &super::compile::OptionSpec, v: Option<&Val>) -> Text {
    let label = |i: &usize| o.values.get(*i).map(|v| v.label.clone()).unwrap_or_else(|| Text::new("?", "?"));
    match v {
        None => Text::new("not chosen", "未选择"),
        Some(Val::One(i)) => label(i),
        Some(Val::Many(is)) if is.is_empty() => Text::new("none", "无"),
        Some(Val::Many(is)) => {
            let ls: Vec<Text> = is.iter().map(label).collect();
            Text { en: ls.iter().map(|l| l.en.as_str()).collect::<Vec<_>>().join(", "), zh: ls.iter().map(|l| l.zh.as_str()).collect::<Vec<_>>().join("、") }
        }
        Some(Val::Number(d)) => number_words(o, *d),
        Some(Val::Text(t)) => Text::new(format!("“{t}”"), format!("“{t}”")),
    }
}

/// A rule's sentence: its message, or one generated from `when` and `then` (computed once,
/// when the catalog is compiled).
pub(crate) fn rule_text(options: &[OptionSpec], kind: RuleKind, body: &RuleBody, message: Option<&Text>) -> Text {
    match (message, body) {
        (Some(m), _) => m.clone(),
        (None, RuleBody::Requires { when, then }) | (None, RuleBody::Excludes { when, then }) => {
            let w = describe_pattern(options, when);
            let t = describe_pattern(options, then);
            if kind == RuleKind::Requires {
                Text { en: format!("{} requires {}.", w.en, t.en), zh: format!("{}需要{}。", w.zh, t.zh) }
            } else {
                Text { en: format!("{} cannot be combined with {}.", w.en, t.en), zh: format!("{}不能与{}搭配。", w.zh, t.zh) }
            }
        }
        (None, RuleBody::Constraint(e)) => Text { en: format!("Rule {} is not met.", e.source), zh: format!("不满足规则 {}。", e.source) },
    }
}

fn describe_pattern(options: &[OptionSpec], pattern: &super::compile::Pattern) -> Text {
    let parts: Vec<Text> = pattern
        .iter()
        .map(|(o, set)| {
            let spec = &options[*o];
            let vals: Vec<&Text> = set.iter().filter_map(|v| spec.values.get(*v)).map(|v| &v.label).collect();
            Text {
                en: format!("{} “{}”", spec.label.en, vals.iter().map(|t| t.en.as_str()).collect::<Vec<_>>().join("” or “")),
                zh: format!("{}“{}”", spec.label.zh, vals.iter().map(|t| t.zh.as_str()).collect::<Vec<_>>().join("”或“")),
            }
        })
        .collect();
    Text {
        en: parts.iter().map(|t| t.en.as_str()).collect::<Vec<_>>().join(" with "),
        zh: parts.iter().map(|t| t.zh.as_str()).collect::<Vec<_>>().join("且"),
    }
}
