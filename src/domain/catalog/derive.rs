//! Derived values (frame size, saddle height, garment size, pattern measurements) with the
//! formula that produced them, so staff can see why the engine says 54 cm.

use rust_decimal::Decimal;
use serde::Serialize;

use super::compile::{CompiledCatalog, DerivedKind, Product};
use super::eval::{Ctx, DerivedFail, DerivedResult};
use super::input::{Configuration, normalize};
use super::measures;
use super::model::Text;
use super::EngineError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DerivedValue {
    Number(Decimal),
    /// A size label from a size chart.
    Size(String),
}

impl std::fmt::Display for DerivedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DerivedValue::Number(d) => write!(f, "{d}"),
            DerivedValue::Size(s) => write!(f, "{s}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DerivedOutput {
    pub code: String,
    pub label: Text,
    pub unit: Option<String>,
    pub value: Option<DerivedValue>,
    /// The expression, or the size chart(s) and measurement used.
    pub formula: String,
    /// Where the formula comes from (a URL or a publication), as the catalog says.
    pub source: Option<String>,
    /// Why there is no value, when there is none.
    pub problem: Option<Text>,
    /// The number before it was rounded to the catalog's decimals: for other units, which
    /// converted from the rounded one were off (83.843 kg shown as 83.8, then 184.7 lb for
    /// 184.8).
    #[serde(skip)]
    pub exact: Option<Decimal>,
}

impl CompiledCatalog {
    pub fn derive(&self, cfg: &Configuration) -> Result<Vec<DerivedOutput>, EngineError> {
        let p = self.product(&cfg.product).ok_or_else(|| EngineError::UnknownProduct(cfg.product.clone()))?;
        let ctx = Ctx::new(self, p, &cfg.measurements);
        let (a, _) = normalize(p, &cfg.choices);
        Ok(outputs(p, ctx.snapshot(&a).derived))
    }
}

/// The derived values of a snapshot, with their formulas and problems worded.
pub(crate) fn outputs(p: &Product, derived: Vec<DerivedResult>) -> Vec<DerivedOutput> {
    p.derived
        .iter()
        .zip(derived)
        .map(|(d, r)| {
            let formula = match &d.kind {
                DerivedKind::Formula(e) => e.source.clone(),
                DerivedKind::Chart { by, charts } => {
                    let m = charts.first().map(|(_, c)| c.measurement.as_str()).unwrap_or("");
                    match by {
                        None => format!("size chart {} by {m}", charts.first().map_or("", |(_, c)| c.code.as_str())),
                        Some(o) => {
                            let opt = &p.options[*o];
                            let list: Vec<String> = charts
                                .iter()
                                .map(|(v, c)| format!("{} → {}", v.and_then(|v| opt.values.get(v)).map_or("", |v| v.code.as_str()), c.code))
                                .collect();
                            format!("size chart by {m}, chosen by {}: {}", opt.code, list.join(", "))
                        }
                    }
                }
            };
            let exact = match &r {
                Ok(DerivedValue::Number(x)) => Some(*x),
                _ => None,
            };
            let (value, problem) = match r {
                Ok(v) => (Some(shown(d, v)), None),
                Err(f) => (None, Some(problem_text(&f))),
            };
            DerivedOutput { code: d.code.clone(), label: d.label.clone(), unit: d.unit.clone(), value, formula, source: d.source.clone(), problem, exact }
        })
        .collect()
}

/// A derived value as people read it: rounded to the catalog's `decimals`.
pub(crate) fn shown(d: &super::compile::Derived, v: DerivedValue) -> DerivedValue {
    match v {
        DerivedValue::Number(x) => DerivedValue::Number(x.round_dp(d.decimals).normalize()),
        size => size,
    }
}

fn problem_text(f: &DerivedFail) -> Text {
    match f {
        DerivedFail::Pending => Text::new("waiting for a choice it depends on", "等待相关选项"),
        DerivedFail::MissingMeasures(ms) => {
            let defs: Vec<_> = ms.iter().filter_map(|m| measures::measure(m)).collect();
            Text {
                en: format!("needs {}", defs.iter().map(|d| d.en).collect::<Vec<_>>().join(", ")),
                zh: format!("需要{}", defs.iter().map(|d| d.zh).collect::<Vec<_>>().join("、")),
            }
        }
        DerivedFail::OutOfChart { measurement, value, lowest, highest, .. } => super::validate::no_size_fits(measurement, *value, *lowest, *highest),
        DerivedFail::Failed(e) => Text::new(format!("failed: {e}"), format!("计算失败：{e}")),
    }
}
