//! Turning a catalog document into a [`CompiledCatalog`]: every code resolved to an index,
//! every expression parsed once, every price parsed to a `Decimal`, and every mistake an
//! author can make in one product reported together, with where it is.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use rust_decimal::Decimal;

use super::expr::{Evaluator, Expr};
use super::lint::{Issues, LintReport};
use super::measures;
use super::model::{
    CatalogDoc, DerivedDoc, Family, LineDoc, OptionDoc, OptionKind, ProductDoc, RuleDoc, RuleKind, SizeChartDoc,
    Text,
};

#[derive(Debug)]
pub struct CompiledCatalog {
    pub id: String,
    pub version: String,
    pub label: Option<Text>,
    pub(crate) products: Vec<Product>,
    pub(crate) eval: Evaluator,
}

#[derive(Debug)]
pub struct Product {
    pub code: String,
    pub family: Family,
    pub label: Text,
    pub base_price: Decimal,
    pub currency: String,
    /// Digits after the decimal point of the currency (ISO 4217 minor unit).
    pub minor_units: u32,
    pub options: Vec<OptionSpec>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) derived: Vec<Derived>,
    pub(crate) bom: Vec<Line>,
    pub(crate) operations: Vec<Line>,
    /// For each option, the rules and derived values that read it: availability and search
    /// only look at these.
    pub(crate) rules_by_option: Vec<Vec<usize>>,
    /// Measurements anything in the product reads: the only ones that go into a spec hash.
    pub(crate) measures_read: BTreeSet<String>,
}

#[derive(Debug)]
pub struct OptionSpec {
    pub code: String,
    pub kind: OptionKind,
    pub label: Text,
    pub required: bool,
    pub values: Vec<ValueSpec>,
    pub number: Option<NumberSpec>,
    pub text: Option<TextSpec>,
    pub max_selected: Option<usize>,
    /// See [`super::model::RecommendDoc`]: (derived value by index, attribute).
    pub recommend: Option<(usize, String)>,
    /// The values are a scale: every one has an attribute that grows (or shrinks) along the
    /// list, such as tyre widths. A change is then proposed to the value next to the one
    /// chosen (28 mm tyres for 32 mm ones), not to the first of the list; among values that
    /// are no scale (wheelsets), next in the list is no nearer, and the first is the default.
    pub ordered: bool,
}

#[derive(Debug)]
pub struct ValueSpec {
    pub code: String,
    pub label: Text,
    pub surcharge: Decimal,
    pub attrs: BTreeMap<String, f64>,
}

#[derive(Debug)]
pub struct NumberSpec {
    pub unit: String,
    pub min: Decimal,
    pub max: Decimal,
    pub step: Decimal,
}

#[derive(Debug)]
pub struct TextSpec {
    pub max_len: usize,
    pub allowed: BTreeSet<char>,
    pub surcharge: Decimal,
}

#[derive(Debug)]
pub(crate) struct Rule {
    pub id: String,
    pub kind: RuleKind,
    pub body: RuleBody,
    pub message: Option<Text>,
    /// The sentence explaining a violation: the message, or one generated from the rule.
    pub text: Text,
    /// Options the rule waits for (all must be chosen before it applies).
    pub options: BTreeSet<usize>,
    pub measures: BTreeSet<String>,
    /// `measures` by index into `measures::MEASURES`, to see whether they were taken without
    /// looking each up by name.
    pub measure_ids: Vec<usize>,
    pub derived: BTreeSet<usize>,
}

/// `(option, accepted values)` pairs; a multi option matches when it holds any of them.
pub(crate) type Pattern = Vec<(usize, BTreeSet<usize>)>;

#[derive(Debug)]
pub(crate) enum RuleBody {
    Requires { when: Pattern, then: Pattern },
    Excludes { when: Pattern, then: Pattern },
    Constraint(Expr),
}

#[derive(Debug)]
pub(crate) struct Derived {
    pub code: String,
    pub label: Text,
    pub unit: Option<String>,
    pub decimals: u32,
    pub source: Option<String>,
    pub kind: DerivedKind,
    pub options: BTreeSet<usize>,
    pub measures: BTreeSet<String>,
    /// As [`Rule::measure_ids`].
    pub measure_ids: Vec<usize>,
}

#[derive(Debug)]
pub(crate) enum DerivedKind {
    Formula(Expr),
    Chart { by: Option<usize>, charts: Vec<(Option<usize>, SizeChartDoc)> },
}

#[derive(Debug)]
pub(crate) struct Line {
    pub code: String,
    pub label: Text,
    pub unit: String,
    pub decimals: u32,
    pub when: Option<Expr>,
    pub qty: Option<Expr>,
}

impl Product {
    pub fn option_index(&self, code: &str) -> Option<usize> {
        self.options.iter().position(|o| o.code == code)
    }
}

impl OptionSpec {
    pub fn value_index(&self, code: &str) -> Option<usize> {
        self.values.iter().position(|v| v.code == code)
    }
}

/// See [`OptionSpec::ordered`].
fn a_scale(values: &[ValueSpec]) -> bool {
    let Some(first) = values.first() else { return false };
    values.len() > 2
        && first.attrs.keys().any(|attr| {
            let xs: Option<Vec<f64>> = values.iter().map(|v| v.attrs.get(attr).copied()).collect();
            xs.is_some_and(|xs| xs.windows(2).all(|w| w[0] < w[1]) || xs.windows(2).all(|w| w[0] > w[1]))
        })
}

/// A TOML error where it is: the line and column (the parser's own message names neither),
/// and a word when the text is JSON, which a catalog is easily taken for.
fn parse_error(text: &str, e: &toml::de::Error) -> String {
    let at = e.span().map(|span| {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("line {line}, column {column}: ")
    });
    let json = matches!(text.trim_start().chars().next(), Some('{' | '['))
        && serde_json::from_str::<serde_json::Value>(text).is_ok();
    let hint = if json { " (this is JSON; a catalog is written in TOML, as the demo catalogs are)" } else { "" };
    format!("{}{}{hint}", at.unwrap_or_default(), e.message().trim_end())
}

impl CompiledCatalog {
    /// Parses and compiles; refuses structural mistakes and expressions that do not parse or
    /// have the wrong type. `file` only names the source in messages.
    pub fn compile(file: &str, toml_text: &str) -> Result<Self, LintReport> {
        let doc: CatalogDoc = toml::from_str(toml_text).map_err(|e| LintReport::single(file, parse_error(toml_text, &e)))?;
        Self::from_doc(file, &doc)
    }

    /// [`compile`](Self::compile) and then the deep checks of [`super::lint`]: no dead value,
    /// and every product orderable by a typical customer. This is what an import runs.
    pub fn import(file: &str, toml_text: &str) -> Result<Self, LintReport> {
        let catalog = Self::compile(file, toml_text)?;
        super::lint::deep_lint(&catalog, file)?;
        Ok(catalog)
    }

    pub fn from_doc(file: &str, doc: &CatalogDoc) -> Result<Self, LintReport> {
        let mut issues = Issues::new(file);
        if doc.catalog.id.trim().is_empty() || doc.catalog.version.trim().is_empty() {
            issues.push(None, None, None, "catalog id and version must not be empty");
        }
        let charts = compile_charts(&doc.size_charts, &mut issues);
        let eval = Evaluator::new();
        let mut products = Vec::new();
        let mut seen = BTreeSet::new();
        for p in &doc.products {
            if !seen.insert(p.code.clone()) {
                issues.push(Some(&p.code), None, None, "product code used twice");
            }
            if let Some(product) = compile_product(p, &charts, &mut issues) {
                products.push(product);
            }
        }
        issues.into_result()?;
        let catalog = CompiledCatalog {
            id: doc.catalog.id.clone(),
            version: doc.catalog.version.clone(),
            label: doc.catalog.label.clone(),
            products,
            eval,
        };
        super::lint::type_check(&catalog, file)?;
        Ok(catalog)
    }

    pub fn product(&self, code: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.code == code)
    }

    pub fn products(&self) -> impl Iterator<Item = &Product> {
        self.products.iter()
    }
}

fn compile_charts(docs: &[SizeChartDoc], issues: &mut Issues) -> BTreeMap<String, SizeChartDoc> {
    let mut charts = BTreeMap::new();
    for c in docs {
        let at = format!("size chart `{}`", c.code);
        if measures::measure(&c.measurement).is_none() {
            issues.push(None, None, None, format!("{at}: unknown measurement `{}`", c.measurement));
        }
        if c.sizes.is_empty() {
            issues.push(None, None, None, format!("{at}: has no sizes"));
        }
        for (i, row) in c.sizes.iter().enumerate() {
            if row.from >= row.to {
                issues.push(None, None, None, format!("{at}: size {} runs from {} to {} mm", row.size, row.from, row.to));
            }
            if let Some(next) = c.sizes.get(i + 1) {
                if next.from != row.to {
                    issues.push(None, None, None, format!("{at}: size {} ends at {} mm but {} starts at {} mm (rows must touch)", row.size, row.to, next.size, next.from));
                }
            }
        }
        if charts.insert(c.code.clone(), c.clone()).is_some() {
            issues.push(None, None, None, format!("{at}: defined twice"));
        }
    }
    charts
}

/// ISO 4217 minor units of the currencies a shop is expected to use; anything else is
/// refused rather than guessed.
pub(crate) fn minor_units(currency: &str) -> Option<u32> {
    match currency {
        "EUR" | "USD" | "GBP" | "CHF" | "CNY" | "SEK" | "DKK" | "NOK" | "PLN" | "CZK" | "HKD" | "SGD" | "AUD" | "CAD" => Some(2),
        "JPY" | "KRW" => Some(0),
        _ => None,
    }
}

pub(crate) fn money(text: &str, minor: u32, what: &str) -> Result<Decimal, String> {
    let d = Decimal::from_str(text.trim()).map_err(|_| format!("{what} `{text}` is not a decimal number"))?;
    if d.is_sign_negative() && !d.is_zero() {
        return Err(format!("{what} `{text}` is negative (a price never drops below the base price)"));
    }
    if d.normalize().scale() > minor {
        return Err(format!("{what} `{text}` has more decimals than the currency's {minor}"));
    }
    Ok(d)
}

fn compile_product(p: &ProductDoc, charts: &BTreeMap<String, SizeChartDoc>, issues: &mut Issues) -> Option<Product> {
    let at = Some(p.code.as_str());
    let minor = minor_units(&p.currency);
    if minor.is_none() {
        issues.push(at, None, None, format!("unknown currency `{}`", p.currency));
    }
    let minor = minor.unwrap_or(2);
    let base_price = money(&p.base_price, minor, "base price").map_err(|e| issues.push(at, None, None, e)).ok();
    let mut options: Vec<OptionSpec> = p.options.iter().filter_map(|o| compile_option(&p.code, o, minor, issues)).collect();
    let mut codes = BTreeSet::new();
    for o in &p.options {
        if !codes.insert(o.code.as_str()) {
            issues.push(at, Some(&o.code), None, "option code used twice");
        }
    }
    if options.len() != p.options.len() {
        return None;
    }
    let mut derived: Vec<Derived> = Vec::new();
    for d in &p.derived {
        match compile_derived(&p.code, d, &options, &derived, charts, issues) {
            Some(x) => derived.push(x),
            None => {
                issues.refused_derived.insert(d.code.clone());
            }
        }
    }
    compile_recommends(&p.code, &p.options, &mut options, &derived, issues);
    let mut rules = Vec::new();
    let mut ids = BTreeSet::new();
    for r in &p.rules {
        if !ids.insert(r.id.as_str()) {
            issues.push(at, None, Some(&r.id), "rule id used twice");
        }
        if let Some(x) = compile_rule(&p.code, r, &options, &derived, issues) {
            rules.push(x);
        }
    }
    let bom = compile_lines(&p.code, "bom", &p.bom, &options, &derived, issues);
    let operations = compile_lines(&p.code, "operation", &p.operations, &options, &derived, issues);
    if derived.len() != p.derived.len() || rules.len() != p.rules.len() {
        return None;
    }
    let mut rules_by_option = vec![Vec::new(); options.len()];
    for (i, r) in rules.iter().enumerate() {
        for &o in &r.options {
            rules_by_option[o].push(i);
        }
    }
    let mut measures_read: BTreeSet<String> = rules.iter().flat_map(|r| r.measures.iter().cloned()).collect();
    measures_read.extend(derived.iter().flat_map(|d| d.measures.iter().cloned()));
    for l in bom.iter().chain(&operations) {
        for e in l.when.iter().chain(&l.qty) {
            measures_read.extend(e.measures.iter().cloned());
        }
    }
    Some(Product {
        code: p.code.clone(),
        family: p.family,
        label: p.label.clone(),
        base_price: base_price?,
        currency: p.currency.clone(),
        minor_units: minor,
        options,
        rules,
        derived,
        bom,
        operations,
        rules_by_option,
        measures_read,
    })
}

fn decimal_field(v: &Option<String>, name: &str) -> Result<Decimal, String> {
    let text = v.as_deref().ok_or_else(|| format!("number option needs `{name}`"))?;
    Decimal::from_str(text.trim()).map_err(|_| format!("`{name}` = `{text}` is not a decimal number"))
}

fn compile_option(product: &str, o: &OptionDoc, minor: u32, issues: &mut Issues) -> Option<OptionSpec> {
    let at = (Some(product), Some(o.code.as_str()));
    let before = issues.len();
    let mut values = Vec::new();
    let mut seen = BTreeSet::new();
    let attr_keys: Option<BTreeSet<&String>> = o.values.first().map(|v| v.attrs.keys().collect());
    for v in &o.values {
        if !seen.insert(v.code.as_str()) {
            issues.push(at.0, at.1, None, format!("value `{}` listed twice", v.code));
        }
        if attr_keys.as_ref().is_some_and(|k| *k != v.attrs.keys().collect()) {
            issues.push(at.0, at.1, None, format!("value `{}` declares other attributes than the first value", v.code));
        }
        let surcharge = match &v.surcharge {
            Some(s) => money(s, minor, &format!("surcharge of `{}`", v.code)).map_err(|e| issues.push(at.0, at.1, None, e)).unwrap_or_default(),
            None => Decimal::ZERO,
        };
        values.push(ValueSpec { code: v.code.clone(), label: v.label.clone(), surcharge, attrs: v.attrs.clone() });
    }
    let choice = matches!(o.kind, OptionKind::Single | OptionKind::Multi);
    if choice && values.is_empty() {
        issues.push(at.0, at.1, None, "a choice option needs at least one value");
    }
    if !choice && !values.is_empty() {
        issues.push(at.0, at.1, None, "only single and multi options have values");
    }
    let number = if o.kind == OptionKind::Number {
        match (decimal_field(&o.min, "min"), decimal_field(&o.max, "max"), decimal_field(&o.step, "step")) {
            (Ok(min), Ok(max), Ok(step)) if min <= max && step > Decimal::ZERO => {
                Some(NumberSpec { unit: o.unit.clone().unwrap_or_default(), min, max, step })
            }
            (Ok(_), Ok(_), Ok(_)) => {
                issues.push(at.0, at.1, None, "needs min <= max and a positive step");
                None
            }
            (a, b, c) => {
                for e in [a.err(), b.err(), c.err()].into_iter().flatten() {
                    issues.push(at.0, at.1, None, e);
                }
                None
            }
        }
    } else {
        None
    };
    let text = if o.kind == OptionKind::Text {
        let surcharge = o.surcharge.as_ref().map(|s| money(s, minor, "text surcharge").map_err(|e| issues.push(at.0, at.1, None, e)).unwrap_or_default()).unwrap_or_default();
        match (&o.allowed_chars, o.max_len) {
            (Some(chars), Some(max_len)) if max_len > 0 => Some(TextSpec { max_len, allowed: chars.chars().collect(), surcharge }),
            _ => {
                issues.push(at.0, at.1, None, "a text option needs `allowed_chars` and a positive `max_len`");
                None
            }
        }
    } else {
        None
    };
    let required = o.required.unwrap_or(matches!(o.kind, OptionKind::Single | OptionKind::Number));
    if required && matches!(o.kind, OptionKind::Multi | OptionKind::Text) {
        issues.push(at.0, at.1, None, "multi and text options cannot be required (an empty choice is a choice)");
    }
    (issues.len() == before).then(|| OptionSpec {
        code: o.code.clone(),
        kind: o.kind,
        label: o.label.clone(),
        required,
        ordered: a_scale(&values),
        values,
        number,
        text,
        max_selected: o.max_selected,
        recommend: None,
    })
}

/// Resolves each option's `recommend` against the derived values: one computed from the
/// measurements alone (a recommendation that moved with the choices would chase itself), and
/// an attribute the option's values have.
fn compile_recommends(product: &str, docs: &[OptionDoc], options: &mut [OptionSpec], derived: &[Derived], issues: &mut Issues) {
    for (o, doc) in options.iter_mut().zip(docs) {
        let Some(r) = &doc.recommend else { continue };
        let at = (Some(product), Some(o.code.as_str()));
        if o.kind != OptionKind::Single {
            issues.push(at.0, at.1, None, "only single options take `recommend`");
            continue;
        }
        let Some(di) = derived.iter().position(|d| d.code == r.derived) else {
            issues.push(at.0, at.1, None, format!("`recommend` names unknown derived value `{}`", r.derived));
            continue;
        };
        if !matches!(derived[di].kind, DerivedKind::Formula(_)) || !derived[di].options.is_empty() {
            issues.push(at.0, at.1, None, format!("`recommend` needs a derived number computed from measurements only; `{}` is not", r.derived));
            continue;
        }
        if !o.values.first().is_some_and(|v| v.attrs.contains_key(&r.attr)) {
            issues.push(at.0, at.1, None, format!("`recommend` compares attribute `{}`, which the values do not have", r.attr));
            continue;
        }
        o.recommend = Some((di, r.attr.clone()));
    }
}

/// Resolves `{ option = [values] }` against the options; every unknown name is reported.
fn compile_pattern(
    product: &str,
    rule: &str,
    part: &str,
    pattern: &BTreeMap<String, Vec<String>>,
    options: &[OptionSpec],
    issues: &mut Issues,
) -> Option<Pattern> {
    if pattern.is_empty() {
        issues.push(Some(product), None, Some(rule), format!("`{part}` must name at least one option"));
        return None;
    }
    let mut out = Vec::new();
    for (opt, vals) in pattern {
        let Some(oi) = options.iter().position(|o| &o.code == opt) else {
            issues.push(Some(product), Some(opt), Some(rule), format!("`{part}` refers to unknown option `{opt}`"));
            continue;
        };
        if !matches!(options[oi].kind, OptionKind::Single | OptionKind::Multi) {
            issues.push(Some(product), Some(opt), Some(rule), format!("`{part}` needs a single or multi option; use a constraint for numbers and texts"));
            continue;
        }
        let mut set = BTreeSet::new();
        for v in vals {
            match options[oi].value_index(v) {
                Some(vi) => {
                    set.insert(vi);
                }
                None => issues.push(Some(product), Some(opt), Some(rule), format!("`{part}` refers to unknown value `{v}` of option `{opt}`")),
            }
        }
        if vals.is_empty() {
            issues.push(Some(product), Some(opt), Some(rule), format!("`{part}` lists no value for `{opt}`"));
        }
        out.push((oi, set));
    }
    (out.len() == pattern.len()).then_some(out)
}

/// Parses an expression and resolves what it reads; `what` names it in messages.
fn compile_expr(
    at: (&str, Option<&str>, Option<&str>),
    what: &str,
    source: &str,
    options: &[OptionSpec],
    derived: &[Derived],
    issues: &mut Issues,
) -> Option<(Expr, BTreeSet<usize>, BTreeSet<String>, BTreeSet<usize>)> {
    let (product, option, rule) = at;
    let mut expr = match Expr::parse(source) {
        Ok(e) => e,
        Err(e) => {
            issues.push(Some(product), option, rule, format!("{what} does not parse: {e}"));
            return None;
        }
    };
    let before = issues.len();
    for root in &expr.unknown_roots {
        issues.push(Some(product), option, rule, format!("{what} uses unknown name `{root}` (expressions see m., c., d. and v.)"));
    }
    let mut opts = BTreeSet::new();
    for o in expr.options.iter().chain(&expr.tested_options) {
        match options.iter().position(|x| &x.code == o) {
            Some(i) => {
                if expr.options.contains(o) {
                    opts.insert(i);
                }
            }
            None => issues.push(Some(product), option, rule, format!("{what} refers to unknown option `{o}`")),
        }
    }
    for (o, a) in &expr.attrs {
        if let Some(spec) = options.iter().find(|x| &x.code == o) {
            if spec.kind != OptionKind::Single || spec.values.first().is_none_or(|v| !v.attrs.contains_key(a)) {
                issues.push(Some(product), option, rule, format!("{what} reads `v.{o}.{a}` but the values of `{o}` have no attribute `{a}`"));
            }
        }
    }
    let mut measures: BTreeSet<String> = BTreeSet::new();
    for m in &expr.measures {
        if measures::measure(m).is_none() {
            issues.push(Some(product), option, rule, format!("{what} refers to unknown measurement `{m}`"));
        }
        measures.insert(m.clone());
    }
    let mut ders = BTreeSet::new();
    for d in &expr.derived {
        match derived.iter().position(|x| &x.code == d) {
            Some(i) => {
                ders.insert(i);
                opts.extend(derived[i].options.iter().copied());
                measures.extend(derived[i].measures.iter().cloned());
            }
            None if issues.refused_derived.contains(d) => {}
            None => issues.push(Some(product), option, rule, format!("{what} refers to unknown derived value `{d}` (only values defined above it can be used)")),
        }
    }
    expr.bind(options, derived);
    (issues.len() == before).then_some((expr, opts, measures, ders))
}

fn measure_ids(codes: &BTreeSet<String>) -> Vec<usize> {
    codes.iter().filter_map(|c| measures::MEASURES.iter().position(|m| m.code == c)).collect()
}

fn compile_rule(product: &str, r: &RuleDoc, options: &[OptionSpec], derived: &[Derived], issues: &mut Issues) -> Option<Rule> {
    let at = (product, None, Some(r.id.as_str()));
    match r.kind {
        RuleKind::Requires | RuleKind::Excludes => {
            if r.expr.is_some() {
                issues.push(Some(product), None, Some(&r.id), "`requires`/`excludes` rules take `when` and `then`, not `expr`");
                return None;
            }
            let when = compile_pattern(product, &r.id, "when", &r.when, options, issues);
            let then = compile_pattern(product, &r.id, "then", &r.then, options, issues);
            let (when, then) = (when?, then?);
            let opts = when.iter().chain(&then).map(|(o, _)| *o).collect();
            let body = if r.kind == RuleKind::Requires { RuleBody::Requires { when, then } } else { RuleBody::Excludes { when, then } };
            let text = super::validate::rule_text(options, r.kind, &body, r.message.as_ref());
            Some(Rule { id: r.id.clone(), kind: r.kind, body, message: r.message.clone(), text, options: opts, measures: BTreeSet::new(), measure_ids: vec![], derived: BTreeSet::new() })
        }
        RuleKind::Constraint => {
            let Some(src) = &r.expr else {
                issues.push(Some(product), None, Some(&r.id), "a constraint needs `expr`");
                return None;
            };
            if r.message.is_none() {
                issues.push(Some(product), None, Some(&r.id), "a constraint needs a `message` in en and zh");
            }
            let (expr, opts, measures, ders) = compile_expr(at, "expression", src, options, derived, issues)?;
            let body = RuleBody::Constraint(expr);
            let text = super::validate::rule_text(options, r.kind, &body, r.message.as_ref());
            Some(Rule { id: r.id.clone(), kind: r.kind, body, message: r.message.clone(), text, options: opts, measure_ids: measure_ids(&measures), measures, derived: ders })
        }
    }
}

fn compile_derived(
    product: &str,
    d: &DerivedDoc,
    options: &[OptionSpec],
    earlier: &[Derived],
    charts: &BTreeMap<String, SizeChartDoc>,
    issues: &mut Issues,
) -> Option<Derived> {
    let what = format!("derived value `{}`", d.code);
    let chart = |code: &String, issues: &mut Issues| {
        let c = charts.get(code).cloned();
        if c.is_none() {
            issues.push(Some(product), None, None, format!("{what} refers to unknown size chart `{code}`"));
        }
        c
    };
    let (kind, opts, measures) = match (&d.expr, &d.chart, &d.chart_by) {
        (Some(src), None, None) => {
            let (expr, opts, measures, _) = compile_expr((product, None, None), &what, src, options, earlier, issues)?;
            (DerivedKind::Formula(expr), opts, measures)
        }
        (None, Some(code), None) => {
            let c = chart(code, issues)?;
            let m = BTreeSet::from([c.measurement.clone()]);
            (DerivedKind::Chart { by: None, charts: vec![(None, c)] }, BTreeSet::new(), m)
        }
        (None, None, Some(by)) => {
            let Some(oi) = options.iter().position(|o| &o.code == by && o.kind == OptionKind::Single) else {
                issues.push(Some(product), Some(by), None, format!("{what}: `chart_by` must name a single-choice option"));
                return None;
            };
            let mut list = Vec::new();
            let mut measures = BTreeSet::new();
            for (vi, v) in options[oi].values.iter().enumerate() {
                let Some(code) = d.charts.get(&v.code) else {
                    issues.push(Some(product), Some(by), None, format!("{what}: `charts` has no chart for value `{}`", v.code));
                    continue;
                };
                let c = chart(code, issues)?;
                measures.insert(c.measurement.clone());
                list.push((Some(vi), c));
            }
            (DerivedKind::Chart { by: Some(oi), charts: list }, BTreeSet::from([oi]), measures)
        }
        _ => {
            issues.push(Some(product), None, None, format!("{what} needs exactly one of `expr`, `chart`, or `chart_by` with `charts`"));
            return None;
        }
    };
    Some(Derived { code: d.code.clone(), label: d.label.clone(), unit: d.unit.clone(), decimals: d.decimals, source: d.source.clone(), kind, options: opts, measure_ids: measure_ids(&measures), measures })
}

fn compile_lines(product: &str, what: &str, docs: &[LineDoc], options: &[OptionSpec], derived: &[Derived], issues: &mut Issues) -> Vec<Line> {
    let mut out = Vec::new();
    for l in docs {
        let name = format!("{what} line `{}`", l.code);
        let when = l.when.as_ref().map(|s| compile_expr((product, None, None), &format!("{name} `when`"), s, options, derived, issues).map(|x| x.0));
        let qty = l.qty.as_ref().map(|s| compile_expr((product, None, None), &format!("{name} `qty`"), s, options, derived, issues).map(|x| x.0));
        if let (Some(None), _) | (_, Some(None)) = (&when, &qty) {
            continue;
        }
        out.push(Line { code: l.code.clone(), label: l.label.clone(), unit: l.unit.clone(), decimals: l.decimals, when: when.flatten(), qty: qty.flatten() });
    }
    out
}
