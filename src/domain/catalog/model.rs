//! The catalog document as written in TOML. These types mirror the file one to one, so that
//! a product manager can read the file and an error can point at the line they wrote; all
//! checking happens in `compile` and `lint`, never during deserialisation (beyond shape).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A text in both UI languages. Both are mandatory: a catalog that forgets the Chinese label
/// would show an empty field to half of the shop's customers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "a table of both languages, such as { en = \"Frame\", zh = \"车架\" }")]
pub struct Text {
    pub en: String,
    pub zh: String,
}

impl Text {
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Self { en: en.into(), zh: zh.into() }
    }

    /// The text in one interface language.
    pub fn get(&self, lang: crate::domain::lang::Lang) -> String {
        match lang {
            crate::domain::lang::Lang::En => self.en.clone(),
            crate::domain::lang::Lang::ZhCn => self.zh.clone(),
        }
    }

    /// The same, borrowed.
    pub fn text(&self, lang: crate::domain::lang::Lang) -> &str {
        match lang {
            crate::domain::lang::Lang::En => &self.en,
            crate::domain::lang::Lang::ZhCn => &self.zh,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "a catalog: a [catalog] table, then [[size_charts]] and [[products]]")]
pub struct CatalogDoc {
    pub catalog: CatalogHeader,
    #[serde(default)]
    pub size_charts: Vec<SizeChartDoc>,
    #[serde(default)]
    pub products: Vec<ProductDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "the [catalog] table, with id and version")]
pub struct CatalogHeader {
    pub id: String,
    pub version: String,
    pub label: Option<Text>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Apparel,
    Bicycle,
}

/// A published size chart over one primary body dimension (EN 13402-2 names one per garment
/// type). Rows are half-open intervals in millimetres, `from <= body < to`, and must touch:
/// a published "90-95 cm" row followed by "96-101" is written `from = 900, to = 960`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "a [[size_charts]] table")]
pub struct SizeChartDoc {
    pub code: String,
    pub label: Option<Text>,
    pub source: String,
    pub measurement: String,
    pub sizes: Vec<SizeRowDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "a size chart row, such as { size = \"M\", from = 960, to = 1040 }")]
pub struct SizeRowDoc {
    pub size: String,
    pub from: i64,
    pub to: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "a [[products]] table")]
pub struct ProductDoc {
    pub code: String,
    pub family: Family,
    pub label: Text,
    /// Decimal as a string ("2490.00"): TOML floats would lose cents.
    pub base_price: String,
    pub currency: String,
    #[serde(default)]
    pub options: Vec<OptionDoc>,
    #[serde(default)]
    pub rules: Vec<RuleDoc>,
    #[serde(default)]
    pub derived: Vec<DerivedDoc>,
    #[serde(default)]
    pub bom: Vec<LineDoc>,
    #[serde(default)]
    pub operations: Vec<LineDoc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OptionKind {
    Single,
    Multi,
    Number,
    Text,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "a [[products.options]] table")]
pub struct OptionDoc {
    pub code: String,
    pub kind: OptionKind,
    pub label: Text,
    /// Defaults: single and number options are required, multi and text are not.
    pub required: Option<bool>,
    #[serde(default)]
    pub values: Vec<ValueDoc>,
    /// Number options: unit shown to people, range and step as decimal strings.
    pub unit: Option<String>,
    pub min: Option<String>,
    pub max: Option<String>,
    pub step: Option<String>,
    /// Text options: longest accepted text (in characters) and the characters allowed.
    pub max_len: Option<usize>,
    pub allowed_chars: Option<String>,
    /// Text options: surcharge when a text is given (e.g. a printed name).
    pub surcharge: Option<String>,
    /// Multi options: most values that may be chosen together.
    pub max_selected: Option<usize>,
    /// Single options: the value recommended for the body is the one whose `attr` is nearest
    /// to a derived value (`frame_size_cm` for `size_cm`). Configurators mark it, and repairs
    /// try values nearest to it first.
    pub recommend: Option<RecommendDoc>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "a table naming a derived value and an attribute, such as { derived = \"frame_size_cm\", attr = \"size_cm\" }")]
pub struct RecommendDoc {
    pub derived: String,
    pub attr: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "a value, such as { code = \"s56\", label = { en = \"56 cm\", zh = \"56 厘米\" } }")]
pub struct ValueDoc {
    pub code: String,
    pub label: Text,
    pub surcharge: Option<String>,
    /// Numeric facts about the value (tyre width, frame clearance, weight limit) that
    /// expressions read as `v.<option>.<attr>`; every value of an option declares the same keys.
    #[serde(default)]
    pub attrs: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    Requires,
    Excludes,
    Constraint,
}

/// `requires`: when every `when` option holds one of its listed values, every `then` option
/// must hold one of its listed values. `excludes`: then none of them. `constraint`: `expr`
/// must be true. Rules whose options are not chosen yet do not apply yet.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "a [[products.rules]] table")]
pub struct RuleDoc {
    pub id: String,
    pub kind: RuleKind,
    #[serde(default)]
    pub when: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub then: BTreeMap<String, Vec<String>>,
    pub expr: Option<String>,
    pub message: Option<Text>,
    pub source: Option<String>,
}

/// A derived value: a number from `expr`, or a garment size looked up in a size chart
/// (`chart`, or `charts` keyed by the value of the single-choice option `chart_by`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "a [[products.derived]] table")]
pub struct DerivedDoc {
    pub code: String,
    pub label: Text,
    pub unit: Option<String>,
    pub expr: Option<String>,
    pub chart: Option<String>,
    pub chart_by: Option<String>,
    #[serde(default)]
    pub charts: BTreeMap<String, String>,
    #[serde(default)]
    pub decimals: u32,
    pub source: Option<String>,
}

/// A bill-of-materials line or an operation: included when `when` is true (always when
/// absent), quantity from `qty` (1 when absent), rounded to `decimals`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "a [[products.bom]] or [[products.operations]] line")]
pub struct LineDoc {
    pub code: String,
    pub label: Text,
    pub when: Option<String>,
    pub qty: Option<String>,
    pub unit: String,
    #[serde(default)]
    pub decimals: u32,
}

/// A catalog's unit symbol as Chinese text writes it next to the catalog's own words ("45 厘米"):
/// the symbol itself where there is no common word.
pub fn unit_zh(unit: &str) -> &str {
    match unit {
        "mm" => "毫米",
        "cm" => "厘米",
        "m" => "米",
        "kg" => "千克",
        "g" => "克",
        other => other,
    }
}
