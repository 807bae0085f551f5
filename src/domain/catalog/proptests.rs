//! Property tests: random choices and measurements never make the engine panic; whatever it
//! calls valid passes a naive re-check of every rule written in the file; every repair it
//! proposes is valid; prices are never below the base price and exact to the cent.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use cel::objects::{Key, Map};
use cel::{Context, Program, Value};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::model::{CatalogDoc, OptionKind, ProductDoc, RuleKind};
use super::tests::{BICYCLES, SPORTSWEAR, bicycles, sportswear};
use super::*;

fn s(x: &str) -> Value {
    Value::String(Arc::new(x.to_string()))
}

fn map(entries: Vec<(String, Value)>) -> Value {
    Value::Map(Map { map: Arc::new(entries.into_iter().map(|(k, v)| (Key::String(Arc::new(k)), v)).collect()) })
}

/// Re-checks every rule straight from the TOML document, with a fresh CEL context and no
/// engine indexes: the independent opinion the engine's "valid" must agree with.
fn naive_ok(doc: &ProductDoc, cfg: &Configuration, derived: &[DerivedOutput]) -> Result<(), String> {
    let chosen = |o: &str| -> Vec<String> {
        match cfg.choices.get(o) {
            Some(Choice::One(v)) => vec![v.clone()],
            Some(Choice::Many(vs)) => vs.iter().cloned().collect(),
            _ => vec![],
        }
    };
    let holds = |pat: &BTreeMap<String, Vec<String>>| pat.iter().all(|(o, vs)| chosen(o).iter().any(|c| vs.contains(c)));
    let mut c = Vec::new();
    let mut v = Vec::new();
    for o in &doc.options {
        match (o.kind, cfg.choices.get(&o.code)) {
            (OptionKind::Single, Some(Choice::One(x))) => {
                c.push((o.code.clone(), s(x)));
                if let Some(val) = o.values.iter().find(|val| &val.code == x) {
                    v.push((o.code.clone(), map(val.attrs.iter().map(|(k, a)| (k.clone(), Value::Float(*a))).collect())));
                }
            }
            (OptionKind::Multi, Some(Choice::Many(xs))) => c.push((o.code.clone(), Value::List(Arc::new(xs.iter().map(|x| s(x)).collect())))),
            (OptionKind::Multi, None) => c.push((o.code.clone(), Value::List(Arc::new(vec![])))),
            (OptionKind::Number, Some(Choice::Number(d))) => c.push((o.code.clone(), Value::Float(d.to_string().parse().unwrap_or(f64::NAN)))),
            (OptionKind::Text, Some(Choice::Text(t))) if !t.is_empty() => c.push((o.code.clone(), s(t))),
            _ => {}
        }
    }
    let m: Vec<(String, Value)> = cfg
        .measurements
        .iter()
        .map(|(k, x)| (k.clone(), Value::Float(if k == "body_mass" { *x as f64 / 1000.0 } else { *x as f64 })))
        .collect();
    let d: Vec<(String, Value)> = derived
        .iter()
        .filter_map(|x| {
            x.value.as_ref().map(|val| {
                let cel = match val {
                    DerivedValue::Number(n) => Value::Float(n.to_string().parse().unwrap_or(f64::NAN)),
                    DerivedValue::Size(sz) => s(sz),
                };
                (x.code.clone(), cel)
            })
        })
        .collect();
    let mut ctx = Context::default();
    ctx.add_variable_from_value("m", map(m));
    ctx.add_variable_from_value("c", map(c));
    ctx.add_variable_from_value("v", map(v));
    ctx.add_variable_from_value("d", map(d));
    for r in &doc.rules {
        let ok = match r.kind {
            RuleKind::Requires => !holds(&r.when) || holds(&r.then),
            RuleKind::Excludes => !holds(&r.when) || !r.then.iter().any(|(o, vs)| chosen(o).iter().any(|c| vs.contains(c))),
            RuleKind::Constraint => {
                let p = Program::compile(r.expr.as_deref().unwrap_or("")).map_err(|e| e.to_string())?;
                matches!(p.execute(&ctx), Ok(Value::Bool(true)))
            }
        };
        if !ok {
            return Err(format!("rule {} fails the naive check", r.id));
        }
    }
    Ok(())
}

/// A strategy for configurations of one product: each option left out, given a real value,
/// or given garbage; measurements around and beyond the human range, sometimes missing.
fn config(doc: ProductDoc) -> impl Strategy<Value = Configuration> {
    let per_option: Vec<BoxedStrategy<Option<Choice>>> = doc
        .options
        .iter()
        .map(|o| {
            let codes: Vec<String> = o.values.iter().map(|v| v.code.clone()).collect();
            match o.kind {
                OptionKind::Single => prop_oneof![
                    1 => Just(None),
                    1 => Just(Some(Choice::One("bogus".into()))),
                    8 => proptest::sample::select(codes).prop_map(|c| Some(Choice::One(c))),
                ]
                .boxed(),
                OptionKind::Multi => proptest::sample::subsequence(codes.clone(), 0..=codes.len().min(3))
                    .prop_map(|v| Some(Choice::Many(v.into_iter().collect::<BTreeSet<_>>())))
                    .boxed(),
                OptionKind::Number => (0i64..40).prop_map(|n| Some(Choice::Number(Decimal::from(n * 5)))).boxed(),
                OptionKind::Text => prop_oneof![Just(None), "[A-Za-z é]{0,24}".prop_map(|t| Some(Choice::Text(t)))].boxed(),
            }
        })
        .collect();
    let measures: Vec<BoxedStrategy<Option<i64>>> = measures::MEASURES
        .iter()
        .map(|m| {
            let (lo, hi) = if m.code == "body_mass" { (30_000i64, 160_000i64) } else { (150i64, 2_100i64) };
            prop_oneof![1 => Just(None), 12 => (lo..hi).prop_map(Some)].boxed()
        })
        .collect();
    let code = doc.code.clone();
    let names: Vec<String> = doc.options.iter().map(|o| o.code.clone()).collect();
    (per_option, measures).prop_map(move |(choices, ms)| {
        let mut cfg = Configuration::new(code.clone());
        for (n, c) in names.iter().zip(choices) {
            if let Some(c) = c {
                cfg.choices.insert(n.clone(), c);
            }
        }
        for (m, v) in measures::MEASURES.iter().zip(ms) {
            if let Some(v) = v {
                cfg.measurements.insert(m.code.to_string(), v);
            }
        }
        cfg
    })
}

fn doc(text: &str, product: &str) -> ProductDoc {
    let d: CatalogDoc = toml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
    d.products.into_iter().find(|p| p.code == product).unwrap_or_else(|| panic!("no {product}"))
}

fn check_all(cat: &CompiledCatalog, pdoc: &ProductDoc, cfg: &Configuration) -> Result<(), TestCaseError> {
    let v = cat.validate(cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let derived = cat.derive(cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let _ = cat.availability(cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
    if v.valid {
        naive_ok(pdoc, cfg, &derived).map_err(TestCaseError::fail)?;
        let _ = cat.work_spec(cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
    let p = cat.price(cfg, Decimal::new(19, 2)).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(p.subtotal >= p.base && p.total >= p.base);
    prop_assert!(p.total.scale() <= 2 && p.tax.scale() <= 2 && p.subtotal.scale() <= 2);
    prop_assert_eq!(p.total, p.subtotal + p.tax);
    Ok(())
}

fn check_repair(cat: &CompiledCatalog, pdoc: &ProductDoc, cfg: &Configuration) -> Result<(), TestCaseError> {
    if let Repair::Changes { changes, .. } = cat.repair(cfg).map_err(|e| TestCaseError::fail(e.to_string()))? {
        let mut fixed = cfg.clone();
        for c in changes {
            match c.to {
                Some(to) => fixed.choices.insert(c.option, to),
                None => fixed.choices.remove(&c.option),
            };
        }
        let v = cat.validate(&fixed).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(v.valid, "repair left {:?}", v.violations);
        let derived = cat.derive(&fixed).map_err(|e| TestCaseError::fail(e.to_string()))?;
        naive_ok(pdoc, &fixed, &derived).map_err(TestCaseError::fail)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn road_engine_agrees_with_the_naive_evaluator(cfg in config(doc(BICYCLES, "road"))) {
        thread_local!(static CAT: CompiledCatalog = bicycles());
        let pdoc = doc(BICYCLES, "road");
        CAT.with(|cat| check_all(cat, &pdoc, &cfg))?;
    }

    #[test]
    fn gravel_engine_agrees_with_the_naive_evaluator(cfg in config(doc(BICYCLES, "gravel"))) {
        thread_local!(static CAT: CompiledCatalog = bicycles());
        let pdoc = doc(BICYCLES, "gravel");
        CAT.with(|cat| check_all(cat, &pdoc, &cfg))?;
    }

    #[test]
    fn apparel_engine_agrees_with_the_naive_evaluator(cfg in config(doc(SPORTSWEAR, "cycling_jersey"))) {
        thread_local!(static CAT: CompiledCatalog = sportswear());
        let pdoc = doc(SPORTSWEAR, "cycling_jersey");
        CAT.with(|cat| check_all(cat, &pdoc, &cfg))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn every_proposed_repair_is_valid(cfg in config(doc(BICYCLES, "road"))) {
        thread_local!(static CAT: CompiledCatalog = bicycles());
        let pdoc = doc(BICYCLES, "road");
        CAT.with(|cat| check_repair(cat, &pdoc, &cfg))?;
    }

    #[test]
    fn every_proposed_bib_shorts_repair_is_valid(cfg in config(doc(SPORTSWEAR, "bib_shorts"))) {
        thread_local!(static CAT: CompiledCatalog = sportswear());
        let pdoc = doc(SPORTSWEAR, "bib_shorts");
        CAT.with(|cat| check_repair(cat, &pdoc, &cfg))?;
    }
}

/// The straightforward availability the engine's must equal: every trial value gets its own
/// full snapshot (every derived value computed again) and CEL evaluates every expression.
fn reference_availability(cat: &CompiledCatalog, cfg: &Configuration) -> Availability {
    use super::availability::{Blocker, OptionAvailability, ValueAvailability};
    use super::eval::{Ctx, DerivedFail, Outcome};
    use super::input::{Val, normalize};
    use super::validate::rule_violation;
    let Some(p) = cat.product(&cfg.product) else { return Availability { options: vec![] } };
    let ctx = Ctx::new(cat, p, &cfg.measurements).cel_only();
    let (a, _) = normalize(p, &cfg.choices);
    let mut options = vec![];
    let base = ctx.snapshot(&a);
    for (o, spec) in p.options.iter().enumerate().filter(|(_, s)| matches!(s.kind, OptionKind::Single | OptionKind::Multi)) {
        let mut values = vec![];
        for (vi, v) in spec.values.iter().enumerate() {
            let mut trial = a.clone();
            let chosen = match &a[o] {
                Some(Val::One(i)) => *i == vi,
                Some(Val::Many(is)) => is.contains(&vi),
                _ => false,
            };
            trial[o] = Some(match (&a[o], spec.kind) {
                (Some(Val::Many(is)), OptionKind::Multi) => {
                    let mut is: BTreeSet<usize> = is.iter().copied().collect();
                    is.insert(vi);
                    Val::Many(is.into_iter().collect())
                }
                (_, OptionKind::Multi) => Val::Many(vec![vi]),
                _ => Val::One(vi),
            });
            let snap = ctx.snapshot(&trial);
            let mut blocked_by = vec![];
            for (d, r) in p.derived.iter().zip(&snap.derived).filter(|(d, _)| d.options.contains(&o)) {
                let why = match r {
                    Err(DerivedFail::OutOfChart { measurement, value, lowest, highest, .. }) => super::validate::no_size_fits(measurement, *value, *lowest, *highest),
                    Err(DerivedFail::Failed(_)) => Text::new("cannot be computed", "无法计算"),
                    _ => continue,
                };
                blocked_by.push(Blocker {
                    rule: None,
                    derived: Some(d.code.clone()),
                    explanation: Text { en: format!("{}: {}.", d.label.en, why.en), zh: format!("{}：{}。", d.label.zh, why.zh) },
                });
            }
            for rule in p.rules.iter().filter(|r| r.options.contains(&o)) {
                let error = match ctx.check(rule, &trial, &snap, false) {
                    Outcome::Violated => None,
                    Outcome::Error(e) => Some(e),
                    _ => continue,
                };
                let v = rule_violation(&ctx, &trial, &snap, rule, error).violation;
                blocked_by.push(Blocker { rule: v.rule, derived: None, explanation: v.explanation });
            }
            values.push(ValueAvailability { value: v.code.clone(), chosen, available: blocked_by.is_empty(), recommended: false, blocked_by });
        }
        // The recommended value: of those available, the one whose attribute is nearest the
        // derived number (the first of equals).
        let recommended = spec.recommend.as_ref().and_then(|(d, attr)| match &base.derived[*d] {
            Ok(derive::DerivedValue::Number(x)) => {
                let x = rust_decimal::prelude::ToPrimitive::to_f64(x)?;
                spec.values.iter().enumerate().filter(|(i, _)| values[*i].available).min_by(|(_, l), (_, r)| (l.attrs[attr] - x).abs().total_cmp(&(r.attrs[attr] - x).abs())).map(|(i, _)| i)
            }
            _ => None,
        });
        if let Some(i) = recommended {
            values[i].recommended = true;
        }
        options.push(OptionAvailability { option: spec.code.clone(), values });
    }
    Availability { options }
}

/// The brief availability says the same, each rule's explanation cut before the choices
/// involved (` — ` in English, ` —— ` in Chinese).
fn check_brief(cat: &CompiledCatalog, cfg: &Configuration, full: &Availability) -> Result<(), TestCaseError> {
    let brief = cat.availability_brief(cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(brief.options.len(), full.options.len());
    for (b, f) in brief.options.iter().zip(&full.options) {
        prop_assert_eq!(&b.option, &f.option);
        for (bv, fv) in b.values.iter().zip(&f.values) {
            prop_assert_eq!((&bv.value, bv.chosen, bv.available, bv.blocked_by.len()), (&fv.value, fv.chosen, fv.available, fv.blocked_by.len()));
            for (bb, fb) in bv.blocked_by.iter().zip(&fv.blocked_by) {
                prop_assert_eq!((&bb.rule, &bb.derived), (&fb.rule, &fb.derived));
                if bb.rule.is_some() {
                    prop_assert!(fb.explanation.en.starts_with(&format!("{} — ", bb.explanation.en)), "{:?} / {:?}", fb, bb);
                    prop_assert!(fb.explanation.zh.starts_with(&format!("{} —— ", bb.explanation.zh)), "{:?} / {:?}", fb, bb);
                } else {
                    prop_assert_eq!(&bb.explanation, &fb.explanation);
                }
            }
        }
    }
    Ok(())
}

/// Every expression of the product, evaluated natively where it can be and by CEL alone,
/// gives the same result or the same error; and so do the derived values.
fn check_native(cat: &CompiledCatalog, cfg: &Configuration) -> Result<(), TestCaseError> {
    use super::compile::{DerivedKind, RuleBody};
    use super::eval::Ctx;
    use super::input::normalize;
    let Some(p) = cat.product(&cfg.product) else { return Ok(()) };
    let fast = Ctx::new(cat, p, &cfg.measurements);
    let slow = Ctx::new(cat, p, &cfg.measurements).cel_only();
    let (a, _) = normalize(p, &cfg.choices);
    let (fs, ss) = (fast.snapshot(&a), slow.snapshot(&a));
    prop_assert_eq!(&fs.derived, &ss.derived);
    let bools = p.rules.iter().filter_map(|r| if let RuleBody::Constraint(e) = &r.body { Some(e) } else { None }).chain(p.bom.iter().chain(&p.operations).filter_map(|l| l.when.as_ref()));
    for e in bools {
        prop_assert_eq!(fast.eval_bool(e, &a, &fs), slow.eval_bool(e, &a, &ss), "{}", e.source);
    }
    let numbers = p.derived.iter().filter_map(|d| if let DerivedKind::Formula(e) = &d.kind { Some(e) } else { None }).chain(p.bom.iter().chain(&p.operations).filter_map(|l| l.qty.as_ref()));
    for e in numbers {
        prop_assert_eq!(fast.eval_number(e, &a, &fs), slow.eval_number(e, &a, &ss), "{}", e.source);
    }
    Ok(())
}

#[test]
fn every_demo_expression_runs_natively() {
    use super::compile::{DerivedKind, RuleBody};
    for cat in [bicycles(), sportswear()] {
        for p in cat.products() {
            let rules = p.rules.iter().filter_map(|r| if let RuleBody::Constraint(e) = &r.body { Some(e) } else { None });
            let derived = p.derived.iter().filter_map(|d| if let DerivedKind::Formula(e) = &d.kind { Some(e) } else { None });
            let lines = p.bom.iter().chain(&p.operations).flat_map(|l| l.when.iter().chain(&l.qty));
            for e in rules.chain(derived).chain(lines) {
                assert!(e.native.is_some(), "{}: `{}` runs in CEL only", p.code, e.source);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    #[test]
    fn road_availability_equals_a_full_recheck_of_every_trial(cfg in config(doc(BICYCLES, "road"))) {
        thread_local!(static CAT: CompiledCatalog = bicycles());
        CAT.with(|cat| -> Result<(), TestCaseError> {
            let full = cat.availability(&cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&full, &reference_availability(cat, &cfg));
            check_brief(cat, &cfg, &full)
        })?;
    }

    #[test]
    fn gravel_availability_equals_a_full_recheck_of_every_trial(cfg in config(doc(BICYCLES, "gravel"))) {
        thread_local!(static CAT: CompiledCatalog = bicycles());
        CAT.with(|cat| -> Result<(), TestCaseError> {
            let full = cat.availability(&cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&full, &reference_availability(cat, &cfg));
            check_brief(cat, &cfg, &full)
        })?;
    }

    #[test]
    fn apparel_availability_equals_a_full_recheck_of_every_trial(cfg in config(doc(SPORTSWEAR, "bib_shorts"))) {
        thread_local!(static CAT: CompiledCatalog = sportswear());
        CAT.with(|cat| -> Result<(), TestCaseError> {
            let full = cat.availability(&cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&full, &reference_availability(cat, &cfg));
            check_brief(cat, &cfg, &full)
        })?;
    }

    #[test]
    fn native_evaluation_agrees_with_cel_on_every_demo_expression(
        road in config(doc(BICYCLES, "road")),
        gravel in config(doc(BICYCLES, "gravel")),
        jersey in config(doc(SPORTSWEAR, "cycling_jersey")),
        shorts in config(doc(SPORTSWEAR, "bib_shorts")),
    ) {
        thread_local!(static CATS: (CompiledCatalog, CompiledCatalog) = (bicycles(), sportswear()));
        CATS.with(|(b, s)| -> Result<(), TestCaseError> {
            check_native(b, &road)?;
            check_native(b, &gravel)?;
            check_native(s, &jersey)?;
            check_native(s, &shorts)
        })?;
    }
}

/// `live` answers what `validate`, `repair`, `availability_brief`, `derive` and `price` answer
/// one by one.
fn check_live(cat: &CompiledCatalog, cfg: &Configuration) -> Result<(), TestCaseError> {
    let fail = |e: EngineError| TestCaseError::fail(e.to_string());
    let tax = Decimal::new(19, 2);
    let live = cat.live(cfg, tax).map_err(fail)?;
    let validation = cat.validate(cfg).map_err(fail)?;
    prop_assert_eq!(&live.validation, &validation);
    let repair = cat.repair(cfg).map_err(fail)?;
    prop_assert_eq!(live.repair.as_ref().unwrap_or(&Repair::AlreadyValid), &repair);
    prop_assert_eq!(live.repair.is_none(), validation.valid);
    prop_assert_eq!(&live.derived, &cat.derive(cfg).map_err(fail)?);
    prop_assert_eq!(&live.price, &cat.price(cfg, tax).map_err(fail)?);
    let brief = cat.availability_brief(cfg).map_err(fail)?;
    let p = cat.product(&cfg.product).ok_or_else(|| TestCaseError::fail("no product"))?;
    let mut listed = brief.options.iter();
    for (o, by_value) in p.options.iter().zip(&live.availability) {
        let Some(by_value) = by_value else {
            prop_assert!(matches!(o.kind, OptionKind::Number | OptionKind::Text), "{} has no availability", o.code);
            continue;
        };
        let owned = listed.next().ok_or_else(|| TestCaseError::fail(format!("{} missing", o.code)))?;
        prop_assert_eq!(&owned.option, &o.code);
        prop_assert_eq!(owned.values.len(), by_value.len());
        for ((v, a), w) in o.values.iter().zip(by_value).zip(&owned.values) {
            prop_assert_eq!(&w.value, &v.code);
            prop_assert_eq!((w.chosen, w.available), (a.chosen, a.available()));
            let theirs: Vec<(Option<&str>, Option<&str>, &Text)> = w.blocked_by.iter().map(|b| (b.rule.as_deref(), b.derived.as_deref(), &b.explanation)).collect();
            let ours: Vec<(Option<&str>, Option<&str>, &Text)> = a.blocked_by.iter().map(|b| (b.rule, b.derived, &*b.explanation)).collect();
            prop_assert_eq!(ours, theirs);
        }
    }
    prop_assert!(listed.next().is_none());
    Ok(())
}

/// `order` answers what `validate`, `price`, `derive` and `work_spec` answer one by one, for
/// the configuration and, when repair finds one, for its repaired form (random choices are
/// rarely valid as drawn).
fn check_order(cat: &CompiledCatalog, cfg: &Configuration) -> Result<(), TestCaseError> {
    let fail = |e: EngineError| TestCaseError::fail(e.to_string());
    let mut cfgs = vec![cfg.clone()];
    if let Repair::Changes { changes, .. } = cat.repair(cfg).map_err(fail)? {
        let mut repaired = cfg.clone();
        for c in changes {
            match c.to {
                Some(to) => repaired.choices.insert(c.option, to),
                None => repaired.choices.remove(&c.option),
            };
        }
        cfgs.push(repaired);
    }
    let tax = Decimal::new(19, 2);
    for cfg in &cfgs {
        let validation = cat.validate(cfg).map_err(fail)?;
        match cat.order(cfg, tax).map_err(fail)? {
            Orderable::Invalid(violations) => {
                prop_assert!(!validation.valid);
                prop_assert_eq!(&violations, &validation.violations);
            }
            Orderable::Valid(parts) => {
                prop_assert!(validation.valid);
                prop_assert_eq!(&parts.price, &cat.price(cfg, tax).map_err(fail)?);
                prop_assert_eq!(&parts.derived, &cat.derive(cfg).map_err(fail)?);
                prop_assert_eq!(&parts.spec, &cat.work_spec(cfg).map_err(fail)?);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn one_live_or_order_evaluation_answers_as_the_separate_calls(
        road in config(doc(BICYCLES, "road")),
        gravel in config(doc(BICYCLES, "gravel")),
        shorts in config(doc(SPORTSWEAR, "bib_shorts")),
        jersey in config(doc(SPORTSWEAR, "cycling_jersey")),
    ) {
        thread_local!(static CATS: (CompiledCatalog, CompiledCatalog) = (bicycles(), sportswear()));
        CATS.with(|(b, s)| -> Result<(), TestCaseError> {
            for (cat, cfg) in [(b, &road), (b, &gravel), (s, &shorts), (s, &jersey)] {
                check_live(cat, cfg)?;
                check_order(cat, cfg)?;
            }
            Ok(())
        })?;
    }
}
