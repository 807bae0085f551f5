//! The coverage report for catalog authors: a catalog run over a reference population
//! (ANSUR II, `data/ansur/population.csv`), per product and sex: how many people can be
//! fitted, how the derived sizes fall, and which measurements (through which rules) exclude
//! the rest, so a gap in a size range is found before a customer finds it.
//!
//! "Can be fitted" is the question repair falls back to when no small change helps, and the
//! one the linter asks for its typical bodies: does any complete configuration validate for
//! this body? When none does, the measurements themselves rule the product out. Repair is not
//! called per person: for such a body it tries up to 5,000 small change sets before running
//! this same search, and the report only needs the yes or no, then which measurement rules
//! leave no choice (see [`judge`]).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::compile::{CompiledCatalog, DerivedKind, OptionSpec, Product, Rule};
use super::derive::DerivedValue;
use super::eval::{Ctx, DerivedFail, Outcome, Snapshot};
use super::input::{Assignment, Val};
use super::measures;
use super::model::{OptionKind, Text};
use super::search::{NODE_BUDGET, Search, domain};
use super::validate::find_all;
use crate::domain::lang::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    fn parse(s: &str) -> Option<Sex> {
        match s.trim().to_ascii_lowercase().as_str() {
            "f" | "female" => Some(Sex::Female),
            "m" | "male" => Some(Sex::Male),
            _ => None,
        }
    }

    pub fn label(self) -> Text {
        match self {
            Sex::Female => Text::new("female", "女性"),
            Sex::Male => Text::new("male", "男性"),
        }
    }
}

/// One reference body: canonical integers (mm, g) keyed by measurement code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub sex: Sex,
    pub measurements: BTreeMap<String, i64>,
}

/// Reads `sex,<measurement code>,...` rows (sex `F`/`M`, values positive integers in mm and g).
pub fn parse_population(csv: &str) -> Result<Vec<Person>, String> {
    let mut lines = csv.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else { return Err("the population file is empty".to_string()) };
    let mut columns = header.split(',').map(str::trim);
    if columns.next() != Some("sex") {
        return Err("header: the first column must be `sex`".to_string());
    }
    let codes: Vec<&str> = columns.collect();
    if codes.is_empty() {
        return Err("header: no measurement columns".to_string());
    }
    for (i, code) in codes.iter().enumerate() {
        if measures::measure(code).is_none() {
            return Err(format!("header: `{code}` is not a measurement code"));
        }
        if codes.iter().take(i).any(|c| c == code) {
            return Err(format!("header: `{code}` appears twice"));
        }
    }
    let mut people = Vec::new();
    for (i, line) in lines {
        let n = i + 1;
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != codes.len() + 1 {
            return Err(format!("line {n}: {} fields where the header has {}", fields.len(), codes.len() + 1));
        }
        let sex_field = fields.first().copied().unwrap_or_default();
        let sex = Sex::parse(sex_field).ok_or_else(|| format!("line {n}: sex `{sex_field}` is neither F nor M"))?;
        let mut measurements = BTreeMap::new();
        for (code, text) in codes.iter().zip(fields.iter().skip(1)) {
            match text.parse::<i64>() {
                Ok(v) if v > 0 => measurements.insert(code.to_string(), v),
                _ => return Err(format!("line {n}: {code} `{text}` is not a positive whole number (mm or g)")),
            };
        }
        people.push(Person { sex, measurements });
    }
    Ok(people)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageReport {
    pub catalog: String,
    pub version: String,
    pub people: usize,
    pub products: Vec<ProductCoverage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductCoverage {
    pub product: String,
    pub label: Text,
    /// One per sex present in the population, women first.
    pub groups: Vec<GroupCoverage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupCoverage {
    pub sex: Sex,
    pub people: usize,
    /// People for whom a complete valid configuration exists.
    pub fitted: usize,
    /// `fitted / people` in percent, rounded half away from zero to one decimal.
    pub fitted_percent: Decimal,
    pub excluded: usize,
    /// People the search could not decide within its budget (never seen on the demo catalogs).
    pub undecided: usize,
    /// The excluded people grouped by what excludes them, most people first.
    pub exclusions: Vec<Exclusion>,
    /// Every derived value that reads measurements, over everyone in the group.
    pub derived: Vec<Distribution>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exclusion {
    /// Each cause alone excludes these people, or (`jointly`) the causes only do together.
    /// Empty: more than two rules interact.
    pub causes: Vec<Cause>,
    pub jointly: bool,
    pub people: usize,
    /// The span of each cause's measurements among these people, in `MEASURES` order. People
    /// below and above the group's median are separate exclusions.
    pub ranges: Vec<MeasureRange>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Cause {
    pub rule: Option<String>,
    /// A derived value that has no value (a body outside every size chart it can use).
    pub derived: Option<String>,
    pub measurements: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeasureRange {
    pub measurement: String,
    /// Which side of the group's median these people are on.
    pub side: Side,
    pub min: i64,
    pub max: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Distribution {
    pub derived: String,
    pub label: Text,
    pub unit: Option<String>,
    /// The choices this distribution holds for, as alternatives (`option`, value; `None` is
    /// "nothing chosen" of a multi option); empty when the value reads measurements only.
    pub when: Vec<Vec<(String, Option<String>)>>,
    pub bins: Vec<Bin>,
    pub without_value: Vec<(NoValue, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bin {
    pub value: BinValue,
    pub people: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BinValue {
    Size(String),
    Exact(Decimal),
    /// `from <= value < to`.
    Range { from: Decimal, to: Decimal },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoValue {
    /// Below the first size of the chart (canonical mm).
    BelowChart { lowest: i64 },
    AboveChart { highest: i64 },
    MissingMeasurement,
    Failed,
}

/// Distinct numbers listed one by one; more are grouped into at most `MAX_BINS` ranges.
const MAX_EXACT: usize = 12;
const MAX_BINS: i64 = 25;
/// Choice combinations a derived value is shown for; beyond, it is left out of the report.
const MAX_VARIANTS: usize = 12;
/// Choice combinations a diagnosis tries for one set of checks; beyond, it proves nothing.
const MAX_COMBINATIONS: usize = 20_000;

pub fn coverage(catalog: &CompiledCatalog, people: &[Person]) -> CoverageReport {
    let medians = medians(people);
    CoverageReport {
        catalog: catalog.id.clone(),
        version: catalog.version.clone(),
        people: people.len(),
        products: catalog.products().map(|p| product_coverage(catalog, p, people, &medians)).collect(),
    }
}

/// Per sex and measurement, the lower median: an exclusion is split into the people below and
/// above it, so "too short" and "too tall" are not reported as one span.
fn medians(people: &[Person]) -> BTreeMap<Sex, BTreeMap<String, i64>> {
    let mut values: BTreeMap<Sex, BTreeMap<&str, Vec<i64>>> = BTreeMap::new();
    for person in people {
        let by_code = values.entry(person.sex).or_default();
        for (code, v) in &person.measurements {
            by_code.entry(code.as_str()).or_default().push(*v);
        }
    }
    values
        .into_iter()
        .map(|(sex, by_code)| {
            let m = by_code
                .into_iter()
                .filter_map(|(code, mut vs)| {
                    vs.sort_unstable();
                    vs.get(vs.len().saturating_sub(1) / 2).map(|v| (code.to_string(), *v))
                })
                .collect();
            (sex, m)
        })
        .collect()
}

fn product_coverage(cat: &CompiledCatalog, p: &Product, people: &[Person], medians: &BTreeMap<Sex, BTreeMap<String, i64>>) -> ProductCoverage {
    let plan = Plan::new(p);
    let none = BTreeMap::new();
    let mut witnesses: Vec<Assignment> = Vec::new();
    let mut tallies: BTreeMap<Sex, Tally> = BTreeMap::new();
    for person in people {
        let t = tallies.entry(person.sex).or_insert_with(|| Tally::new(plan.variants.len()));
        let ctx = Ctx::new(cat, p, &person.measurements);
        t.people += 1;
        match judge(&ctx, &plan, &mut witnesses) {
            Verdict::Fitted => t.fitted += 1,
            Verdict::Undecided => t.undecided += 1,
            Verdict::Excluded { jointly, causes } => t.exclude(jointly, causes, &person.measurements, medians.get(&person.sex).unwrap_or(&none)),
        }
        t.count_derived(&ctx, &plan);
    }
    let groups = tallies.into_iter().map(|(sex, t)| t.finish(sex, p, &plan)).collect();
    ProductCoverage { product: p.code.clone(), label: p.label.clone(), groups }
}

pub(crate) enum Fit {
    /// With the configuration found, for tests to check against `validate`.
    Fitted(Assignment),
    Excluded,
    Undecided,
}

/// The engine's search for any valid complete configuration. The options that measurement
/// checks read go first, so a body the measurements rule out fails near the root instead
/// of after every combination of paint and extras has been tried.
pub(crate) fn fit(ctx: &Ctx, plan: &Plan) -> Fit {
    let none: Assignment = vec![None; ctx.p.options.len()];
    let mut search = Search::new(ctx, &none, &plan.order, &vec![false; plan.order.len()], NODE_BUDGET);
    match search.solve(&none) {
        Some(a) => Fit::Fitted(a),
        None if search.nodes < NODE_BUDGET => Fit::Excluded,
        None => Fit::Undecided,
    }
}

enum Verdict {
    Fitted,
    Excluded { jointly: bool, causes: Vec<Cause> },
    Undecided,
}

/// Configurations found valid for earlier people, tried before a search: similar bodies fit
/// the same bike, and validating one costs a fraction of searching.
const WITNESSES: usize = 8;

/// Fitted, or why not: the checks that each alone leave no choice; else the pairs that
/// together leave none; else nothing named (more than two rules interact).
fn judge(ctx: &Ctx, plan: &Plan, witnesses: &mut Vec<Assignment>) -> Verdict {
    if let Some(i) = witnesses.iter().position(|w| find_all(ctx, w, &[]).is_empty()) {
        if let Some(tried) = witnesses.get_mut(..=i) {
            tried.rotate_right(1);
        }
        return Verdict::Fitted;
    }
    let found = fit(ctx, plan);
    if let Fit::Fitted(a) = found {
        witnesses.insert(0, a);
        witnesses.truncate(WITNESSES);
        return Verdict::Fitted;
    }
    let single: Vec<Cause> = plan.checks.iter().filter(|c| !satisfiable(ctx, plan, &[c])).map(|c| c.cause.clone()).collect();
    if !single.is_empty() {
        return Verdict::Excluded { jointly: false, causes: single };
    }
    let open: Vec<&Check> = plan.checks.iter().filter(|c| !c.options.is_empty()).collect();
    let mut joint: Vec<Cause> = Vec::new();
    for (i, a) in open.iter().enumerate() {
        for b in open.iter().skip(i + 1) {
            if !satisfiable(ctx, plan, &[a, b]) {
                joint.extend([a.cause.clone(), b.cause.clone()]);
            }
        }
    }
    joint.sort();
    joint.dedup();
    match found {
        Fit::Undecided if joint.is_empty() => Verdict::Undecided,
        _ => Verdict::Excluded { jointly: true, causes: joint },
    }
}

/// What can rule a body out (a rule or derived value reading measurements) with the options
/// it reads; the rules reading choices only; the search order; and the choice combinations
/// each derived value is counted for.
pub(crate) struct Plan {
    checks: Vec<Check>,
    choice_rules: Vec<usize>,
    order: Vec<usize>,
    variants: Vec<Variant>,
    /// Distinct assignments to snapshot per person, each with the variants it serves.
    probes: Vec<(Assignment, Vec<usize>)>,
}

struct Check {
    cause: Cause,
    rule: Option<usize>,
    derived: Option<usize>,
    options: Vec<usize>,
}

struct Variant {
    derived: usize,
    fixed: Vec<(usize, Val)>,
}

impl Plan {
    pub(crate) fn new(p: &Product) -> Self {
        let ordered = |set: &BTreeSet<String>| -> Vec<String> { measures::MEASURES.iter().filter(|m| set.contains(m.code)).map(|m| m.code.to_string()).collect() };
        let mut checks = Vec::new();
        for (i, d) in p.derived.iter().enumerate().filter(|(_, d)| !d.measures.is_empty()) {
            let cause = Cause { rule: None, derived: Some(d.code.clone()), measurements: ordered(&d.measures) };
            checks.push(Check { cause, rule: None, derived: Some(i), options: d.options.iter().copied().collect() });
        }
        for (i, r) in p.rules.iter().enumerate().filter(|(_, r)| !r.measures.is_empty()) {
            let cause = Cause { rule: Some(r.id.clone()), derived: None, measurements: ordered(&r.measures) };
            checks.push(Check { cause, rule: Some(i), derived: None, options: r.options.iter().copied().collect() });
        }
        let choice_rules = p.rules.iter().enumerate().filter(|(_, r)| r.measures.is_empty()).map(|(i, _)| i).collect();
        let mut order: Vec<usize> = Vec::new();
        for o in checks.iter().flat_map(|c| c.options.iter().copied()).chain(0..p.options.len()) {
            if !order.contains(&o) {
                order.push(o);
            }
        }
        let mut variants = Vec::new();
        for (i, d) in p.derived.iter().enumerate().filter(|(_, d)| !d.measures.is_empty()) {
            for fixed in combinations(p, &d.options.iter().copied().collect::<Vec<_>>()) {
                variants.push(Variant { derived: i, fixed });
            }
        }
        let mut by_assignment: BTreeMap<Assignment, Vec<usize>> = BTreeMap::new();
        for (vi, v) in variants.iter().enumerate() {
            let mut a: Assignment = vec![None; p.options.len()];
            for (o, val) in &v.fixed {
                if let Some(slot) = a.get_mut(*o) {
                    *slot = Some(val.clone());
                }
            }
            by_assignment.entry(a).or_default().push(vi);
        }
        Plan { checks, choice_rules, order, variants, probes: by_assignment.into_iter().collect() }
    }
}

/// Every combination of values of `options` (a multi option as "nothing chosen"); none when
/// an option is a number or a text, or when there are more than `MAX_VARIANTS`.
fn combinations(p: &Product, options: &[usize]) -> Vec<Vec<(usize, Val)>> {
    let mut out: Vec<Vec<(usize, Val)>> = vec![Vec::new()];
    for &o in options {
        let vals: Vec<Val> = match p.options.get(o).map(|s| (s.kind, s.values.len())) {
            Some((OptionKind::Single, n)) => (0..n).map(Val::One).collect(),
            Some((OptionKind::Multi, _)) => vec![Val::Many(Vec::new())],
            _ => return Vec::new(),
        };
        out = out.iter().flat_map(|c| vals.iter().map(move |v| [c.clone(), vec![(o, v.clone())]].concat())).collect();
        if out.len() > MAX_VARIANTS {
            return Vec::new();
        }
    }
    out
}

/// Whether some choice of the options the `checks` read satisfies all of them at once, and
/// the rules over those options that read no measurement (everyone's constraints, never a
/// cause); other checks are left out so that each cause is named for itself. This relaxes
/// the whole product, so `false` proves the body excluded; too many combinations prove
/// nothing and count as `true`.
fn satisfiable<'a>(ctx: &Ctx<'a>, plan: &Plan, checks: &[&Check]) -> bool {
    let p = ctx.p;
    let mut options: Vec<usize> = checks.iter().flat_map(|c| c.options.iter().copied()).collect();
    options.sort_unstable();
    options.dedup();
    let domains: Vec<Vec<Option<Val>>> = options.iter().map(|&o| p.options.get(o).map_or_else(Vec::new, |spec| domain(spec, None, false, None))).collect();
    let size = domains.iter().try_fold(1usize, |acc, d| acc.checked_mul(d.len()));
    if size.is_none_or(|n| n == 0 || n > MAX_COMBINATIONS) {
        return true;
    }
    let rules: Vec<&Rule> = plan.choice_rules.iter().filter_map(|&r| p.rules.get(r)).filter(|r| r.options.iter().all(|o| options.contains(o))).collect();
    let passes = |c: &Check, a: &Assignment, snap: &Snapshot<'a>| match (c.rule.and_then(|r| p.rules.get(r)), c.derived) {
        // A rule reading a derived value without one is pending: that value is the cause.
        (Some(rule), _) => matches!(ctx.check(rule, a, snap, true), Outcome::Satisfied | Outcome::Pending),
        (None, Some(d)) => matches!(snap.derived.get(d), Some(Ok(_))),
        (None, None) => true,
    };
    let mut a: Assignment = vec![None; p.options.len()];
    let mut digits = vec![0usize; domains.len()];
    loop {
        for ((o, d), k) in options.iter().zip(&domains).zip(&digits) {
            if let Some(slot) = a.get_mut(*o) {
                *slot = d.get(*k).cloned().flatten();
            }
        }
        let snap = ctx.snapshot(&a);
        let ok = checks.iter().all(|c| passes(c, &a, &snap))
            && rules.iter().all(|r| matches!(ctx.check(r, &a, &snap, true), Outcome::Satisfied | Outcome::Pending));
        if ok {
            return true;
        }
        let mut i = 0;
        loop {
            let (Some(digit), Some(d)) = (digits.get_mut(i), domains.get(i)) else { return false };
            *digit += 1;
            if *digit < d.len() {
                break;
            }
            *digit = 0;
            i += 1;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// At or below the group's median.
    Low,
    High,
}

#[derive(Default)]
struct Counts {
    numbers: BTreeMap<Decimal, usize>,
    sizes: BTreeMap<String, usize>,
    missing: BTreeMap<NoValue, usize>,
}

/// Jointly, the causes, and the side of the median of each cause's measurement.
type ExclusionKey = (bool, Vec<Cause>, Vec<(String, Side)>);
/// Smallest and largest value per measurement.
type Spans = BTreeMap<String, (i64, i64)>;

struct Tally {
    people: usize,
    fitted: usize,
    undecided: usize,
    exclusions: BTreeMap<ExclusionKey, (usize, Spans)>,
    derived: Vec<Counts>,
}

impl Tally {
    fn new(variants: usize) -> Self {
        Tally { people: 0, fitted: 0, undecided: 0, exclusions: BTreeMap::new(), derived: (0..variants).map(|_| Counts::default()).collect() }
    }

    fn exclude(&mut self, jointly: bool, causes: Vec<Cause>, body: &BTreeMap<String, i64>, medians: &BTreeMap<String, i64>) {
        let codes: Vec<&str> = measures::MEASURES.iter().map(|m| m.code).filter(|m| causes.iter().any(|c| c.measurements.iter().any(|x| x == m))).collect();
        let mut sides = Vec::new();
        let mut values = Vec::new();
        for code in codes {
            if let Some(&v) = body.get(code) {
                let side = if medians.get(code).is_some_and(|m| v > *m) { Side::High } else { Side::Low };
                sides.push((code.to_string(), side));
                values.push((code.to_string(), v));
            }
        }
        let (count, ranges) = self.exclusions.entry((jointly, causes, sides)).or_default();
        *count += 1;
        for (code, v) in values {
            let r = ranges.entry(code).or_insert((v, v));
            *r = (r.0.min(v), r.1.max(v));
        }
    }

    fn count_derived(&mut self, ctx: &Ctx, plan: &Plan) {
        for (a, served) in &plan.probes {
            let snap = ctx.snapshot(a);
            for &vi in served {
                let (Some(v), Some(counts)) = (plan.variants.get(vi), self.derived.get_mut(vi)) else { continue };
                match snap.derived.get(v.derived) {
                    // Counted as shown (rounded to the catalog's decimals), as the report prints them.
                    Some(Ok(DerivedValue::Number(x))) => *counts.numbers.entry(x.round_dp(ctx.p.derived[v.derived].decimals).normalize()).or_default() += 1,
                    Some(Ok(DerivedValue::Size(s))) => *counts.sizes.entry(s.clone()).or_default() += 1,
                    Some(Err(DerivedFail::OutOfChart { value, lowest, highest, .. })) => {
                        let why = if value < lowest { NoValue::BelowChart { lowest: *lowest } } else { NoValue::AboveChart { highest: *highest } };
                        *counts.missing.entry(why).or_default() += 1;
                    }
                    Some(Err(DerivedFail::MissingMeasures(_))) => *counts.missing.entry(NoValue::MissingMeasurement).or_default() += 1,
                    Some(Err(_)) | None => *counts.missing.entry(NoValue::Failed).or_default() += 1,
                }
            }
        }
    }

    fn finish(self, sex: Sex, p: &Product, plan: &Plan) -> GroupCoverage {
        let mut exclusions: Vec<Exclusion> = self
            .exclusions
            .into_iter()
            .map(|((jointly, causes, sides), (people, ranges))| Exclusion {
                causes,
                jointly,
                people,
                ranges: sides
                    .into_iter()
                    .filter_map(|(code, side)| ranges.get(&code).map(|(min, max)| MeasureRange { measurement: code.clone(), side, min: *min, max: *max }))
                    .collect(),
            })
            .collect();
        // Stable sort: equal counts keep the key order of the map.
        exclusions.sort_by_key(|e| std::cmp::Reverse(e.people));
        let mut derived: Vec<Distribution> = Vec::new();
        for (v, counts) in plan.variants.iter().zip(self.derived) {
            let Some(d) = p.derived.get(v.derived) else { continue };
            let when = describe(p, &v.fixed);
            let dist = Distribution {
                derived: d.code.clone(),
                label: d.label.clone(),
                unit: d.unit.clone(),
                when: if when.is_empty() { vec![] } else { vec![when] },
                bins: bins(chart_order(p, v), counts.numbers, counts.sizes),
                without_value: counts.missing.into_iter().collect(),
            };
            // The same counts under other choices (clipless or not, say) are listed once.
            match derived.iter_mut().find(|x| x.derived == dist.derived && x.bins == dist.bins && x.without_value == dist.without_value) {
                Some(same) => same.when.extend(dist.when),
                None => derived.push(dist),
            }
        }
        let excluded = self.people.saturating_sub(self.fitted + self.undecided);
        GroupCoverage { sex, people: self.people, fitted: self.fitted, fitted_percent: percent(self.fitted, self.people), excluded, undecided: self.undecided, exclusions, derived }
    }
}

fn describe(p: &Product, fixed: &[(usize, Val)]) -> Vec<(String, Option<String>)> {
    fixed
        .iter()
        .filter_map(|(o, v)| {
            let spec: &OptionSpec = p.options.get(*o)?;
            let value = match v {
                Val::One(i) => spec.values.get(*i).map(|x| x.code.clone()),
                _ => None,
            };
            Some((spec.code.clone(), value))
        })
        .collect()
}

/// The size labels of the chart a variant uses, in chart order (empty for a formula).
fn chart_order(p: &Product, v: &Variant) -> Vec<String> {
    let Some(DerivedKind::Chart { by, charts }) = p.derived.get(v.derived).map(|d| &d.kind) else { return Vec::new() };
    let chosen = by.and_then(|o| v.fixed.iter().find(|(x, _)| *x == o)).and_then(|(_, val)| match val {
        Val::One(i) => Some(*i),
        _ => None,
    });
    charts.iter().find(|(value, _)| *value == chosen).map(|(_, c)| c.sizes.iter().map(|r| r.size.clone()).collect()).unwrap_or_default()
}

fn bins(chart: Vec<String>, numbers: BTreeMap<Decimal, usize>, mut sizes: BTreeMap<String, usize>) -> Vec<Bin> {
    // Every size of the chart is listed, nobody in it included: an empty size is news too.
    let mut out: Vec<Bin> = chart.into_iter().map(|s| Bin { people: sizes.remove(&s).unwrap_or(0), value: BinValue::Size(s) }).collect();
    out.extend(sizes.into_iter().map(|(s, people)| Bin { value: BinValue::Size(s), people }));
    if numbers.len() <= MAX_EXACT {
        out.extend(numbers.into_iter().map(|(x, people)| Bin { value: BinValue::Exact(x), people }));
        return out;
    }
    let (Some(lo), Some(hi)) = (numbers.keys().next().copied(), numbers.keys().next_back().copied()) else { return out };
    let width = bin_width(lo, hi);
    let first = (lo / width).floor();
    let last = (hi / width).floor();
    let mut counts: BTreeMap<Decimal, usize> = BTreeMap::new();
    for (x, n) in numbers {
        *counts.entry((x / width).floor()).or_default() += n;
    }
    let mut k = first;
    while k <= last {
        let from = (k * width).normalize();
        out.push(Bin { value: BinValue::Range { from, to: (from + width).normalize() }, people: counts.get(&k).copied().unwrap_or(0) });
        k += Decimal::ONE;
    }
    out
}

/// The narrowest of 0.01, 0.02, 0.05, 0.1, ... that spans `lo..=hi` in at most `MAX_BINS`.
fn bin_width(lo: Decimal, hi: Decimal) -> Decimal {
    let mut width = Decimal::new(1, 2);
    for exp in 0..12u32 {
        for m in [1i64, 2, 5] {
            width = Decimal::new(m, 2) * Decimal::from(10i64.pow(exp));
            if (hi / width).floor() - (lo / width).floor() < Decimal::from(MAX_BINS) {
                return width;
            }
        }
    }
    width
}

fn percent(part: usize, whole: usize) -> Decimal {
    if whole == 0 {
        return Decimal::ZERO;
    }
    (Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(whole)).round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
}

impl CoverageReport {
    /// The report as plain text for a catalog author, in `lang`.
    pub fn to_text(&self, lang: Lang) -> String {
        let zh = lang == Lang::ZhCn;
        let mut out = if zh {
            format!("目录 {} 版本 {} 的覆盖率：参考人群 {} 人\n派生值按组内全部人员统计；区间含下限不含上限。\n", self.catalog, self.version, thousands(self.people))
        } else {
            format!(
                "Coverage of catalog {} version {} over {} people\nDerived values are counted over everyone in the group; a range includes its lower end, not its upper.\n",
                self.catalog,
                self.version,
                thousands(self.people)
            )
        };
        for p in &self.products {
            out.push_str(&format!("\n{} ({})\n", pick(lang, &p.label), p.product));
            for g in &p.groups {
                g.write(lang, &p.product, &mut out);
            }
        }
        out
    }
}

impl GroupCoverage {
    fn write(&self, lang: Lang, product: &str, out: &mut String) {
        let zh = lang == Lang::ZhCn;
        let sex = pick(lang, &self.sex.label()).to_string();
        let (n, of, pct) = (thousands(self.fitted), thousands(self.people), format!("{:.1} %", self.fitted_percent));
        out.push_str(&if zh {
            format!("  {product} · {sex}：{of} 人中 {n} 人（{pct}）可以配置\n")
        } else {
            format!("  {product} · {sex}: {n} of {of} ({pct}) can be fitted\n")
        });
        for e in &self.exclusions {
            out.push_str(&format!("    {}\n", e.line(lang)));
        }
        if self.undecided > 0 {
            let n = thousands(self.undecided);
            out.push_str(&if zh { format!("    搜索预算内未能判定：{n} 人\n") } else { format!("    not decided within the search budget: {n}\n") });
        }
        for d in &self.derived {
            out.push_str(&format!("    {}\n", d.line(lang)));
        }
    }
}

impl Exclusion {
    fn line(&self, lang: Lang) -> String {
        let zh = lang == Lang::ZhCn;
        let n = thousands(self.people);
        let ranges: Vec<String> = self
            .ranges
            .iter()
            .filter_map(|r| {
                let def = measures::measure(&r.measurement)?;
                let span = if r.min == r.max { measures::display(def, r.min) } else { format!("{}–{}", measures::display(def, r.min), measures::display(def, r.max)) };
                Some(format!("{} {span}", pick(lang, &measures::label(def))))
            })
            .collect();
        let ranges = if ranges.is_empty() { String::new() } else if zh { format!("（{}）", ranges.join("；")) } else { format!(" ({})", ranges.join("; ")) };
        if self.causes.is_empty() {
            return if zh { format!("因两条以上规则共同作用被排除：{n} 人") } else { format!("excluded by more than two rules together: {n}") };
        }
        let names: Vec<String> = self.causes.iter().map(|c| c.describe(lang)).collect();
        match (zh, self.jointly) {
            (false, false) => format!("excluded by {}: {n}{ranges}", names.join(", and by ")),
            (false, true) => format!("excluded by {}: {n}{ranges}", names.join(" combined with ")),
            (true, false) => format!("因{}被排除：{n} 人{ranges}", names.join("，又因")),
            (true, true) => format!("因{}共同作用被排除：{n} 人{ranges}", names.join("与")),
        }
    }
}

impl Cause {
    fn describe(&self, lang: Lang) -> String {
        let zh = lang == Lang::ZhCn;
        let ms: Vec<String> = self.measurements.iter().map(|m| measures::measure(m).map_or(m.clone(), |d| pick(lang, &measures::label(d)).to_string())).collect();
        let ms = ms.join(if zh { "、" } else { " and " });
        match (&self.rule, &self.derived, zh) {
            (Some(r), _, false) => format!("{ms} (rule {r})"),
            (Some(r), _, true) => format!("{ms}（规则 {r}）"),
            (None, Some(d), false) => format!("{ms} (no value for {d})"),
            (None, Some(d), true) => format!("{ms}（{d} 无结果）"),
            (None, None, _) => ms,
        }
    }
}

impl Distribution {
    fn line(&self, lang: Lang) -> String {
        let zh = lang == Lang::ZhCn;
        let unit = self.unit.as_deref().map_or(String::new(), |u| format!(" [{u}]"));
        let when: Vec<String> = self
            .when
            .iter()
            .map(|combo| combo.iter().map(|(o, v)| format!("{o} = {}", v.as_deref().unwrap_or(if zh { "无" } else { "nothing" }))).collect::<Vec<_>>().join(", "))
            .collect();
        let when = match (when.is_empty(), zh) {
            (true, _) => String::new(),
            (false, false) => format!(" ({})", when.join(" or ")),
            (false, true) => format!("（{}）", when.join(" 或 ")),
        };
        let mut parts: Vec<String> = self
            .bins
            .iter()
            .map(|b| {
                let label = match &b.value {
                    BinValue::Size(s) => s.clone(),
                    BinValue::Exact(x) => x.to_string(),
                    BinValue::Range { from, to } => format!("{from}–{to}"),
                };
                format!("{label}: {}", thousands(b.people))
            })
            .collect();
        // Size chart rows are millimetres by definition (see `SizeChartDoc`).
        let length = |mm: i64| format!("{}.{} cm", mm / 10, (mm % 10).abs());
        for (why, n) in &self.without_value {
            let label = match (why, zh) {
                (NoValue::BelowChart { lowest }, false) => format!("below the chart (< {})", length(*lowest)),
                (NoValue::BelowChart { lowest }, true) => format!("小于尺码表（< {}）", length(*lowest)),
                (NoValue::AboveChart { highest }, false) => format!("above the chart (≥ {})", length(*highest)),
                (NoValue::AboveChart { highest }, true) => format!("大于尺码表（≥ {}）", length(*highest)),
                (NoValue::MissingMeasurement, false) => "measurement missing".to_string(),
                (NoValue::MissingMeasurement, true) => "缺少测量值".to_string(),
                (NoValue::Failed, false) => "cannot be computed".to_string(),
                (NoValue::Failed, true) => "无法计算".to_string(),
            };
            parts.push(format!("{label}: {}", thousands(*n)));
        }
        format!("{}{unit}{when}{}{}", pick(lang, &self.label), if zh { "：" } else { ": " }, parts.join(" · "))
    }
}

fn pick(lang: Lang, t: &Text) -> &str {
    match lang {
        Lang::En => &t.en,
        Lang::ZhCn => &t.zh,
    }
}

/// "6,068": counts in the report are read by people, not parsed.
fn thousands(n: usize) -> String {
    let mut groups = Vec::new();
    let mut rest = n;
    while rest >= 1000 {
        groups.push(format!("{:03}", rest % 1000));
        rest /= 1000;
    }
    groups.push(rest.to_string());
    groups.reverse();
    groups.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::Lang;
    use proptest::prelude::*;

    use super::super::input::Configuration;

    /// A bike whose frame must sit within 2 cm of 0.665 x inside leg, with a weight limit
    /// per material and small frames only for light riders; and a shirt sized by chest.
    const SMALL: &str = r#"
[catalog]
id = "small"
version = "1"

[[size_charts]]
code = "tops"
source = "test"
measurement = "chest_girth"
sizes = [
  { size = "S", from = 800, to = 900 },
  { size = "M", from = 900, to = 1000 },
  { size = "L", from = 1000, to = 1100 },
]

[[products]]
code = "bike"
family = "bicycle"
label = { en = "Bike", zh = "自行车" }
base_price = "1000.00"
currency = "EUR"

[[products.options]]
code = "frame_size"
kind = "single"
label = { en = "Frame size", zh = "车架尺寸" }
values = [
  { code = "s50", label = { en = "50 cm", zh = "50 厘米" }, attrs = { size_cm = 50 } },
  { code = "s54", label = { en = "54 cm", zh = "54 厘米" }, attrs = { size_cm = 54 } },
  { code = "s58", label = { en = "58 cm", zh = "58 厘米" }, attrs = { size_cm = 58 } },
]

[[products.options]]
code = "material"
kind = "single"
label = { en = "Material", zh = "材质" }
values = [
  { code = "alu", label = { en = "Aluminium", zh = "铝" }, attrs = { max_kg = 120 } },
  { code = "steel", label = { en = "Steel", zh = "钢" }, attrs = { max_kg = 140 } },
]

[[products.derived]]
code = "frame_cm"
label = { en = "Frame", zh = "车架" }
unit = "cm"
expr = "m.inside_leg * 0.665 / 10.0"

[[products.rules]]
id = "frame-fits"
kind = "constraint"
expr = "v.frame_size.size_cm >= d.frame_cm - 2.0 && v.frame_size.size_cm <= d.frame_cm + 2.0"
message = { en = "Frame within 2 cm.", zh = "车架相差不超过 2 厘米。" }

[[products.rules]]
id = "weight-limit"
kind = "constraint"
expr = "m.body_mass <= v.material.max_kg"
message = { en = "Too heavy for the material.", zh = "超出材质承重。" }

[[products.rules]]
id = "small-frame-light-rider"
kind = "constraint"
expr = "v.frame_size.size_cm >= 54.0 || m.body_mass <= 90.0"
message = { en = "Small frames carry up to 90 kg.", zh = "小车架承重 90 公斤。" }

[[products]]
code = "shirt"
family = "apparel"
label = { en = "Shirt", zh = "衬衫" }
base_price = "50.00"
currency = "EUR"

[[products.options]]
code = "colour"
kind = "single"
label = { en = "Colour", zh = "颜色" }
values = [{ code = "blue", label = { en = "Blue", zh = "蓝" } }]

[[products.derived]]
code = "size"
label = { en = "Size", zh = "尺码" }
chart = "tops"
"#;

    fn small() -> CompiledCatalog {
        CompiledCatalog::compile("small.toml", SMALL).unwrap_or_else(|e| panic!("{e}"))
    }

    fn person(sex: Sex, inside_leg: i64, kg: i64, chest: i64) -> Person {
        let m = [("inside_leg", inside_leg), ("body_mass", kg * 1000), ("chest_girth", chest)];
        Person { sex, measurements: m.into_iter().map(|(k, v)| (k.to_string(), v)).collect() }
    }

    /// Frame 0.665 x leg rounds to 53 (s54 fits), 43 and 63 (nothing within 2 cm), 49 (only
    /// s50, which this rider is too heavy for); 150 kg is over every material.
    fn people() -> Vec<Person> {
        vec![
            person(Sex::Female, 800, 60, 850),
            person(Sex::Female, 800, 60, 950),
            person(Sex::Female, 650, 50, 950),
            person(Sex::Female, 950, 80, 1200),
            person(Sex::Male, 800, 75, 1050),
            person(Sex::Male, 800, 150, 1050),
            person(Sex::Male, 730, 100, 1050),
        ]
    }

    fn group<'r>(r: &'r CoverageReport, product: &str, sex: Sex) -> &'r GroupCoverage {
        r.products.iter().find(|p| p.product == product).and_then(|p| p.groups.iter().find(|g| g.sex == sex)).unwrap_or_else(|| panic!("no {product} {sex:?}"))
    }

    fn cause(rule: &str, measurement: &str) -> Cause {
        Cause { rule: Some(rule.to_string()), derived: None, measurements: vec![measurement.to_string()] }
    }

    #[test]
    fn a_population_file_is_read_with_its_header() {
        let people = parse_population("sex,inside_leg,body_mass\nF,780,66800\r\n\nM, 845 ,84600\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(people.len(), 2);
        assert_eq!(people[0].sex, Sex::Female);
        assert_eq!(people[1].measurements.get("inside_leg"), Some(&845));
        assert_eq!(people[1].measurements.get("body_mass"), Some(&84600));
    }

    #[test]
    fn a_broken_population_file_is_refused_with_the_line() {
        for (csv, message) in [
            ("", "the population file is empty"),
            ("id,stature\n", "header: the first column must be `sex`"),
            ("sex\n", "header: no measurement columns"),
            ("sex,height\n", "header: `height` is not a measurement code"),
            ("sex,stature,stature\n", "header: `stature` appears twice"),
            ("sex,stature\nF,1600,1\n", "line 2: 3 fields where the header has 2"),
            ("sex,stature\nX,1600\n", "line 2: sex `X` is neither F nor M"),
            ("sex,stature\nF,1600\nM,160.5\n", "line 3: stature `160.5` is not a positive whole number (mm or g)"),
            ("sex,stature\nM,0\n", "line 2: stature `0` is not a positive whole number (mm or g)"),
        ] {
            assert_eq!(parse_population(csv), Err(message.to_string()), "{csv:?}");
        }
    }

    proptest! {
        #[test]
        fn reading_any_text_never_panics(body in "[FM0-9,\n -]{0,80}", raw in "\\PC{0,80}") {
            let _ = parse_population(&format!("sex,stature,body_mass\n{body}"));
            let _ = parse_population(&raw);
        }
    }

    #[test]
    fn people_are_counted_per_product_and_sex() {
        let r = coverage(&small(), &people());
        assert_eq!((r.catalog.as_str(), r.version.as_str(), r.people), ("small", "1", 7));
        let f = group(&r, "bike", Sex::Female);
        assert_eq!((f.people, f.fitted, f.excluded, f.undecided), (4, 2, 2, 0));
        assert_eq!(f.fitted_percent, Decimal::new(500, 1));
        let m = group(&r, "bike", Sex::Male);
        assert_eq!((m.people, m.fitted, m.excluded), (3, 1, 2));
        assert_eq!(m.fitted_percent, Decimal::new(333, 1));
    }

    #[test]
    fn bodies_too_short_and_too_tall_for_every_frame_are_reported_apart() {
        let r = coverage(&small(), &people());
        let f = group(&r, "bike", Sex::Female);
        let spans: Vec<(Side, i64, i64, usize)> = f.exclusions.iter().map(|e| (e.ranges[0].side, e.ranges[0].min, e.ranges[0].max, e.people)).collect();
        assert_eq!(spans, vec![(Side::Low, 650, 650, 1), (Side::High, 950, 950, 1)]);
        assert!(f.exclusions.iter().all(|e| e.causes == vec![cause("frame-fits", "inside_leg")] && !e.jointly));
    }

    #[test]
    fn a_limit_no_choice_meets_is_named_alone_and_a_conflict_of_two_rules_jointly() {
        let r = coverage(&small(), &people());
        let m = group(&r, "bike", Sex::Male);
        let heavy = m.exclusions.iter().find(|e| !e.jointly).unwrap_or_else(|| panic!("{m:#?}"));
        assert_eq!(heavy.causes, vec![cause("weight-limit", "body_mass")]);
        let joint = m.exclusions.iter().find(|e| e.jointly).unwrap_or_else(|| panic!("{m:#?}"));
        assert_eq!(joint.causes, vec![cause("frame-fits", "inside_leg"), cause("small-frame-light-rider", "body_mass")]);
        assert_eq!(joint.ranges.iter().map(|x| x.measurement.as_str()).collect::<Vec<_>>(), vec!["inside_leg", "body_mass"]);
    }

    #[test]
    fn sizes_are_counted_in_chart_order_and_a_body_outside_the_chart_is_excluded() {
        let r = coverage(&small(), &people());
        let f = group(&r, "shirt", Sex::Female);
        assert_eq!((f.fitted, f.excluded), (3, 1));
        assert_eq!(f.exclusions[0].causes, vec![Cause { rule: None, derived: Some("size".to_string()), measurements: vec!["chest_girth".to_string()] }]);
        let size = &f.derived[0];
        let bins: Vec<(BinValue, usize)> = size.bins.iter().map(|b| (b.value.clone(), b.people)).collect();
        let s = |x: &str| BinValue::Size(x.to_string());
        assert_eq!(bins, vec![(s("S"), 1), (s("M"), 2), (s("L"), 0)]);
        assert_eq!(size.without_value, vec![(NoValue::AboveChart { highest: 1100 }, 1)]);
    }

    #[test]
    fn few_numbers_are_listed_and_many_are_grouped_in_ranges_that_leave_no_gap_unseen() {
        let few: BTreeMap<Decimal, usize> = [(Decimal::from(43), 1), (Decimal::from(53), 3)].into_iter().collect();
        let exact: Vec<BinValue> = bins(vec![], few, BTreeMap::new()).into_iter().map(|b| b.value).collect();
        assert_eq!(exact, vec![BinValue::Exact(Decimal::from(43)), BinValue::Exact(Decimal::from(53))]);
        let many: BTreeMap<Decimal, usize> = (0..13).map(|i| (Decimal::new(400 + i * 3, 1), 1)).chain([(Decimal::new(655, 1), 2)]).collect();
        let grouped = bins(vec![], many, BTreeMap::new());
        // 40.0 to 65.5 in 1-wide ranges would take 26: 2-wide it is, from 40 to 66.
        assert_eq!(grouped.len(), 13);
        assert_eq!(grouped[0].value, BinValue::Range { from: Decimal::from(40), to: Decimal::from(42) });
        assert_eq!(grouped.iter().map(|b| b.people).sum::<usize>(), 15);
        assert!(grouped.iter().any(|b| b.people == 0), "an empty range between two filled ones is shown");
    }

    #[test]
    fn the_text_reads_as_sentences_in_both_languages() {
        let r = coverage(&small(), &people());
        let en = r.to_text(Lang::En);
        let lines: Vec<&str> = en.lines().collect();
        for expected in [
            "Coverage of catalog small version 1 over 7 people",
            "Bike (bike)",
            "  bike · female: 2 of 4 (50.0 %) can be fitted",
            "    excluded by inside leg (rule frame-fits): 1 (inside leg 65.0 cm)",
            "    excluded by body mass (rule weight-limit): 1 (body mass 150.0 kg)",
            "    excluded by inside leg (rule frame-fits) combined with body mass (rule small-frame-light-rider): 1 (inside leg 73.0 cm; body mass 100.0 kg)",
            "    Frame [cm]: 43: 1 · 53: 2 · 63: 1",
            "  shirt · male: 3 of 3 (100.0 %) can be fitted",
            "    Size: S: 1 · M: 2 · L: 0 · above the chart (≥ 110.0 cm): 1",
        ] {
            assert!(lines.contains(&expected), "missing {expected:?} in\n{en}");
        }
        let zh = r.to_text(Lang::ZhCn);
        assert!(zh.lines().any(|l| l == "  bike · 女性：4 人中 2 人（50.0 %）可以配置"), "{zh}");
        assert!(zh.lines().any(|l| l == "    因内腿长（规则 frame-fits）被排除：1 人（内腿长 65.0 cm）"), "{zh}");
        assert!(zh.lines().any(|l| l == "    因内腿长（规则 frame-fits）与体重（规则 small-frame-light-rider）共同作用被排除：1 人（内腿长 73.0 cm；体重 100.0 kg）"), "{zh}");
    }

    #[test]
    fn the_report_does_not_depend_on_the_order_of_people() {
        let mut reversed = people();
        reversed.reverse();
        assert_eq!(coverage(&small(), &people()), coverage(&small(), &reversed));
    }

    fn configuration(p: &Product, a: &Assignment) -> Configuration {
        let mut cfg = Configuration::new(p.code.clone());
        for (o, v) in p.options.iter().zip(a) {
            if let Some(v) = v {
                cfg.choices.insert(o.code.clone(), v.to_choice(o));
            }
        }
        cfg
    }

    /// Every 120th subject of ANSUR II (51 people) through the demo bicycles.
    #[test]
    fn the_demo_bicycles_fit_a_sample_of_real_people_and_each_fit_validates() {
        let all = parse_population(include_str!("../../../data/ansur/population.csv")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(all.len(), 6068);
        let sample: Vec<Person> = all.into_iter().step_by(120).collect();
        let cat = CompiledCatalog::compile("bicycles.toml", include_str!("../../../catalog/bicycles.toml")).unwrap_or_else(|e| panic!("{e}"));
        let r = coverage(&cat, &sample);
        for p in &r.products {
            let total: usize = p.groups.iter().map(|g| g.people).sum();
            assert_eq!(total, sample.len());
            for g in &p.groups {
                assert_eq!(g.fitted + g.excluded + g.undecided, g.people);
                assert_eq!(g.undecided, 0);
                assert!(g.fitted * 10 >= g.people * 9, "{} {:?}: {} of {}", p.product, g.sex, g.fitted, g.people);
            }
        }
        for p in cat.products() {
            let plan = Plan::new(p);
            for person in &sample {
                let ctx = Ctx::new(&cat, p, &person.measurements);
                if let Fit::Fitted(a) = fit(&ctx, &plan) {
                    let mut cfg = configuration(p, &a);
                    cfg.measurements = person.measurements.clone();
                    let v = cat.validate(&cfg).unwrap_or_else(|e| panic!("{e}"));
                    assert!(v.valid, "{:#?}", v.violations);
                }
            }
        }
    }
}
