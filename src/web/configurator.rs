//! The configurator both the staff pages and the shop use: reading the form into a
//! configuration, and turning the engine's answers (availability with reasons, validity,
//! repair, price, derived values) and the preview into what the templates show.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::domain::catalog::{AvailabilityRef, Choice, CompiledCatalog, Configuration, DerivedOutput, Family, LiveAnswer, NoneFits, OptionKind, PriceBreakdown, Repair, Validation, ValueAvail, ViolationKind};
use crate::domain::measurement::UnitSystem;
use crate::domain::lang::Lang;
use crate::domain::money::format_amount;
use crate::domain::preview::{self, Drawing};
use crate::i18n::Tr;
use crate::store::catalogs::CatalogVersion;

use super::catalog_words::{self, OptionWords, ValueWords};

pub struct ProductLink {
    pub version_id: i64,
    pub code: String,
    pub label: String,
    pub family: &'static str,
    /// The price with nothing chosen, tax included, as every total after it.
    pub from_price: String,
}

pub struct ValueView {
    /// Code, key, label and surcharge, escaped once per catalog.
    pub words: Arc<ValueWords>,
    pub chosen: bool,
    /// May be chosen (a chosen value always may: staff pages disable the others).
    pub available: bool,
    /// Fits next to the other choices; when not, `reason` says why (even if chosen).
    pub fits: bool,
    /// The value the body is recommended (the frame size for the inside leg).
    pub recommended: bool,
    pub reason: String,
}

pub struct OptionView {
    /// Code, field name, label and hint, escaped once per catalog.
    pub words: Arc<OptionWords>,
    pub kind: &'static str,
    /// The step it is shown in (see [`step_of`]).
    pub step: &'static str,
    pub required: bool,
    pub values: Vec<ValueView>,
    pub typed: String,
    /// The value came from the customer's standing preferences, not from a choice made here.
    pub from_profile: bool,
    /// What is wrong with what a number or text field holds ([`field_errors`]).
    pub error: Option<String>,
}

/// A group of options shown together, under a message id.
pub struct Step {
    pub key: &'static str,
    pub options: Vec<OptionView>,
}

/// Everything the live part of a configurator shows.
#[derive(Default)]
pub struct LiveView {
    pub steps: Vec<Step>,
    pub valid: bool,
    pub violations: Vec<String>,
    pub repair: Vec<String>,
    /// What the repair does to the total ([`repair_total`]).
    pub repair_total: String,
    pub ruled_out: bool,
    pub price_lines: Vec<(String, String)>,
    pub total: String,
    pub derived: Vec<(String, String, String)>,
    pub preview: Drawing,
    pub preview_title: String,
    /// The choices as shown ([`shown`]) and the option the repair kept ([`changed_last`]),
    /// for a form sent without our script.
    pub shown: String,
    pub kept: String,
    /// The product's code: a form sent without our script is answered at its status
    /// (`#validity`), where the page reloaded at its top, far above it on a phone.
    pub product: String,
}


pub fn product_links(catalogs: &[(CatalogVersion, Arc<CompiledCatalog>)], lang: Lang, tax_bp: i32) -> Vec<ProductLink> {
    catalogs
        .iter()
        .flat_map(|(v, cat)| {
            cat.products().map(move |p| ProductLink {
                version_id: v.id,
                code: p.code.clone(),
                label: p.label.get(lang),
                family: if p.family == Family::Bicycle { "bicycle" } else { "apparel" },
                from_price: format_amount(from_price(cat, p, tax_bp), &p.currency, lang),
            })
        })
        .collect()
}

/// A product's price with nothing chosen, tax included at `tax_bp`: what "from" means on the
/// product lists of the shop and the staff pages, which once showed it net in one and gross in
/// the other.
pub fn from_price(cat: &CompiledCatalog, p: &crate::domain::catalog::Product, tax_bp: i32) -> Decimal {
    let nothing_chosen = Configuration { product: p.code.clone(), choices: BTreeMap::new(), measurements: BTreeMap::new() };
    cat.price(&nothing_chosen, tax_rate(tax_bp)).map(|b| b.total).unwrap_or(p.base_price)
}

/// The configuration the form's `o_<option>` fields describe; unparsable numbers are left
/// out (the engine then asks for them).
pub fn configuration(product: &str, c: &CompiledCatalog, pairs: &[(String, String)], measurements: BTreeMap<String, i64>) -> Configuration {
    let mut cfg = Configuration { product: product.to_owned(), choices: BTreeMap::new(), measurements };
    let Some(p) = c.product(product) else { return cfg };
    for o in &p.options {
        let values: Vec<&str> = pairs.iter().filter(|(k, v)| k.strip_prefix("o_") == Some(o.code.as_str()) && !v.trim().is_empty()).map(|(_, v)| v.trim()).collect();
        let choice = match o.kind {
            OptionKind::Single => values.first().map(|v| Choice::One((*v).to_owned())),
            OptionKind::Multi => (!values.is_empty()).then(|| Choice::Many(values.iter().map(|v| (*v).to_owned()).collect::<BTreeSet<_>>())),
            OptionKind::Number => values.first().and_then(|v| number_typed(v, o.number.as_ref().map_or("", |n| n.unit.as_str()))).map(Choice::Number),
            OptionKind::Text => values.first().map(|v| Choice::Text(crate::domain::catalog::input::one_spaced(v))),
        };
        if let Some(choice) = choice {
            cfg.choices.insert(o.code.clone(), choice);
        }
    }
    cfg
}

/// A number as people type it into a number option: `100`, `100,5`, `100 mm` (the option's
/// own unit), full-width digits (a Chinese keyboard's); not `1e2`, which nobody means.
fn number_typed(typed: &str, unit: &str) -> Option<Decimal> {
    let t = typed.chars().map(crate::domain::measurement::normalize_char).collect::<String>().trim().to_lowercase();
    let unit = unit.to_lowercase();
    let t = match t.strip_suffix(unit.as_str()) {
        Some(number) if !unit.is_empty() => number.trim_end().replace(',', "."),
        _ => t.replace(',', "."),
    };
    let digits = t.strip_prefix(['-', '+']).unwrap_or(&t);
    let plain = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.') && digits.matches('.').count() <= 1;
    plain.then(|| t.parse().ok()).flatten()
}

/// Only the option fields of a form, to keep in a draft or carry to the checkout.
pub fn option_pairs(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs.iter().filter(|(k, v)| k.starts_with("o_") && !v.trim().is_empty()).cloned().collect()
}

/// A choice the customer's profile prefers (issue #7 learns these). Applied only to options
/// the form leaves open, and always shown as coming from the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferredChoice {
    pub option: String,
    pub value: String,
}

/// Fills open options from standing preferences; returns the options so filled.
pub fn apply_preferred(pairs: &mut Vec<(String, String)>, preferred: &[PreferredChoice]) -> BTreeSet<String> {
    let mut applied = BTreeSet::new();
    for p in preferred {
        let field = format!("o_{}", p.option);
        if !pairs.iter().any(|(k, _)| *k == field) {
            pairs.push((field, p.value.clone()));
            applied.insert(p.option.clone());
        }
    }
    applied
}

/// The form fields after applying the engine's repair (every change at once). Applied, the
/// proposal is what was chosen: nothing is kept from before it (the first option the repair
/// changed read as the one changed last), so `changed` is sent empty and `shown`/`kept` go.
pub fn apply_repair(c: &CompiledCatalog, cfg: &Configuration, pairs: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = pairs.iter().filter(|(k, _)| !matches!(k.as_str(), "changed" | "shown" | "kept")).cloned().collect();
    out.push(("changed".into(), String::new()));
    let Ok(Repair::Changes { changes, .. }) = c.repair_keeping(cfg, changed_last(pairs).as_deref()) else { return out };
    for ch in changes {
        let field = format!("o_{}", ch.option);
        out.retain(|(k, _)| *k != field);
        match ch.to {
            Some(Choice::One(v)) | Some(Choice::Text(v)) => out.push((field, v)),
            Some(Choice::Many(vs)) => out.extend(vs.into_iter().map(|v| (field.clone(), v))),
            Some(Choice::Number(n)) => out.push((field, n.normalize().to_string())),
            None => {}
        }
    }
    out
}

/// Which step an option belongs to: fit first (sizes, cut), then how it is built, then how
/// it looks and what is added. Catalogs do not group options, so the codes tell.
pub fn step_of(code: &str, kind: OptionKind) -> &'static str {
    let fit = ["size", "cut", "fit", "leg_length", "crank", "handlebar", "stem_length", "frame_size"];
    let look = ["paint", "colour", "color", "name", "print", "decal", "extras", "features", "luggage", "hood"];
    // Codes and words are a few bytes: comparing windows beats setting up `str::contains`'s
    // two-way searcher, which showed in the live update's profile.
    let has = |word: &str| code.as_bytes().windows(word.len()).any(|w| w == word.as_bytes());
    if kind == OptionKind::Text || look.iter().any(|k| has(k)) {
        "step-look"
    } else if fit.iter().any(|k| has(k)) {
        "step-fit"
    } else {
        "step-build"
    }
}

fn kind_name(k: OptionKind) -> &'static str {
    match k {
        OptionKind::Single => "single",
        OptionKind::Multi => "multi",
        OptionKind::Number => "number",
        OptionKind::Text => "text",
    }
}

/// The options as shown; `availability` is the engine's (see [`AvailabilityRef`]), or none
/// when the product is unknown.
pub fn option_views(cat: &Arc<CompiledCatalog>, cfg: &Configuration, answer: Option<(&AvailabilityRef, Vec<Option<usize>>)>, pairs: &[(String, String)], errors: &[(&str, String)], lang: Lang, from_profile: &BTreeSet<String>) -> Vec<OptionView> {
    let (availability, recommended) = match answer {
        Some((a, r)) => (Some(a), Some(r)),
        None => (None, None),
    };
    let (Some(p), Some(words)) = (cat.product(&cfg.product), catalog_words::of(cat, &cfg.product, lang)) else { return vec![] };
    p.options
        .iter()
        .zip(&words.options)
        .enumerate()
        .map(|(oi, (o, ow))| {
            let av: Option<&[ValueAvail]> = availability.and_then(|a| a.get(oi)).and_then(|x| x.as_deref());
            let rec = recommended.as_ref().and_then(|r| r.get(oi).copied().flatten());
            OptionView {
                words: ow.clone(),
                kind: kind_name(o.kind),
                step: step_of(&o.code, o.kind),
                required: o.required,
                values: ow
                    .values
                    .iter()
                    .enumerate()
                    .map(|(vi, vw)| {
                        let a = av.and_then(|x| x.get(vi));
                        ValueView {
                            words: vw.clone(),
                            chosen: a.is_some_and(|a| a.chosen),
                            available: a.is_none_or(|a| a.available() || a.chosen),
                            fits: a.is_none_or(|a| a.available()),
                            recommended: rec == Some(vi),
                            reason: a.map(|a| reasons(a.blocked_by.iter().map(|b| b.explanation.text(lang)))).unwrap_or_default(),
                        }
                    })
                    .collect(),
                typed: typed_in(pairs, &o.code).to_owned(),
                from_profile: from_profile.contains(&o.code),
                error: errors.iter().find(|(code, _)| *code == o.code).map(|(_, e)| e.clone()),
            }
        })
        .collect()
}

/// What is wrong with what each number or text field holds, to say at the field: not a
/// number, or what the catalog refuses in it (a character that cannot be made, too long, out
/// of range); the summary lists it too. A field left empty is not told off: the summary asks
/// for it, and a new page would open with every field in red.
pub fn field_errors<'c>(cat: &'c CompiledCatalog, cfg: &Configuration, validation: Option<&Validation>, pairs: &[(String, String)], t: Tr) -> Vec<(&'c str, String)> {
    let Some(p) = cat.product(&cfg.product) else { return vec![] };
    p.options
        .iter()
        .filter(|o| matches!(o.kind, OptionKind::Number | OptionKind::Text) && !typed_in(pairs, &o.code).trim().is_empty())
        .filter_map(|o| {
            if o.kind == OptionKind::Number && !cfg.choices.contains_key(&o.code) {
                return Some((o.code.as_str(), t.t1("option-not-a-number", "option", o.label.get(t.lang))));
            }
            let v = validation?.violations.iter().find(|v| v.kind != ViolationKind::MissingChoice && v.options.contains(&o.code))?;
            Some((o.code.as_str(), plain_reason(&v.explanation.get(t.lang)).to_owned()))
        })
        .collect()
}

/// What keeps each chosen single or multiple choice from fitting the others or the body,
/// to say at its field on the staff order form, whose choices are lists that cannot show a
/// reason beside each value: a conflict was only in the list at the top, a phone's length
/// away from the fields concerned.
pub fn choice_errors<'c>(cat: &'c CompiledCatalog, cfg: &Configuration, validation: Option<&Validation>, t: Tr) -> Vec<(&'c str, String)> {
    let (Some(p), Some(v)) = (cat.product(&cfg.product), validation) else { return vec![] };
    p.options
        .iter()
        .filter(|o| matches!(o.kind, OptionKind::Single | OptionKind::Multi) && cfg.choices.contains_key(&o.code))
        .filter_map(|o| {
            let said = reasons(v.violations.iter().filter(|x| x.kind != ViolationKind::MissingChoice && x.options.contains(&o.code)).map(|x| x.explanation.get(t.lang)));
            (!said.is_empty()).then(|| (o.code.as_str(), said))
        })
        .collect()
}

/// What the form holds for option `code` (its first field), or nothing.
fn typed_in<'p>(pairs: &'p [(String, String)], code: &str) -> &'p str {
    pairs.iter().find(|(k, _)| k.strip_prefix("o_") == Some(code)).map(|(_, v)| v.as_str()).unwrap_or_default()
}

/// What a live update changes in the steps, for our script to apply to the steps the page
/// already shows: which values are chosen, which do not fit and why, and what the number and
/// text fields hold (a repair can change them). Everything else in the steps (labels,
/// surcharges, fields) stays as the page was rendered, so it is neither rendered nor sent
/// again: the steps were six sevenths of the fragment's bytes.
#[derive(Debug, Default)]
pub struct ValueStates<'c> {
    /// (option, value) of every chosen value.
    pub chosen: Vec<(&'c str, &'c str)>,
    /// (option, value, why) of every value that does not fit next to the other choices.
    pub unfit: Vec<(&'c str, &'c str, String)>,
    /// (option, what its field holds) of every number and text option.
    pub typed: Vec<(&'c str, &'c str)>,
    /// (option, what is wrong with it) of the number and text fields ([`field_errors`]).
    pub errors: Vec<(&'c str, String)>,
}

/// The same facts [`option_views`] gives the steps, without their words.
pub fn value_states<'c>(cat: &'c CompiledCatalog, cfg: &Configuration, availability: Option<&AvailabilityRef>, pairs: &'c [(String, String)], lang: Lang) -> ValueStates<'c> {
    let mut out = ValueStates::default();
    let Some(p) = cat.product(&cfg.product) else { return out };
    for (oi, o) in p.options.iter().enumerate() {
        if matches!(o.kind, OptionKind::Number | OptionKind::Text) {
            out.typed.push((&o.code, typed_in(pairs, &o.code)));
            continue;
        }
        let Some(values) = availability.and_then(|a| a.get(oi)).and_then(|x| x.as_deref()) else { continue };
        for (v, a) in o.values.iter().zip(values) {
            if a.chosen {
                out.chosen.push((&o.code, &v.code));
            }
            if !a.available() {
                out.unfit.push((&o.code, &v.code, reasons(a.blocked_by.iter().map(|b| b.explanation.text(lang)))));
            }
        }
    }
    out
}

/// Why a value does not fit, in plain words: each rule's message once, without the list of
/// choices involved that the engine appends (the value's neighbours show those already).
pub fn reasons<S: AsRef<str>>(explanations: impl Iterator<Item = S>) -> String {
    let all: Vec<S> = explanations.collect();
    let mut shown: Vec<&str> = Vec::with_capacity(all.len());
    for e in &all {
        let p = plain_reason(e.as_ref());
        if !p.is_empty() && !shown.contains(&p) {
            shown.push(p);
        }
    }
    shown.join(" ")
}

/// An explanation up to the list of choices the engine appends after " —— " (or " — "): as
/// splitting at the first " —— " and then at the first " — " would cut it. Only em dashes
/// are looked at (a byte search), which showed in the live update's profile where trying
/// every space did.
fn plain_reason(e: &str) -> &str {
    let mut cut = e.len();
    for (i, _) in e.match_indices('—') {
        if i == 0 || e.as_bytes()[i - 1] != b' ' {
            continue;
        }
        let after = &e[i + '—'.len_utf8()..];
        if after.starts_with(' ') {
            // " — " at i - 1; when a " —— " begins at its closing space, the first split cuts
            // there and leaves " —" without its space, which the second does not cut.
            cut = if after.starts_with(" —— ") { i + '—'.len_utf8() } else { i - 1 };
            break;
        }
        if after.starts_with("— ") {
            cut = i - 1;
            break;
        }
    }
    e[..cut].trim()
}

pub fn steps(options: Vec<OptionView>) -> Vec<Step> {
    let mut out: Vec<Step> = ["step-fit", "step-build", "step-look"].into_iter().map(|key| Step { key, options: vec![] }).collect();
    for o in options {
        if let Some(s) = out.iter_mut().find(|s| s.key == o.step) {
            s.options.push(o);
        }
    }
    out.retain(|s| !s.options.is_empty());
    out
}

pub fn price_view(cat: &CompiledCatalog, cfg: &Configuration, tax_bp: i32, t: Tr) -> (Vec<(String, String)>, String) {
    match cat.price(cfg, tax_rate(tax_bp)) {
        Ok(p) => price_lines(&p, t),
        Err(_) => (vec![], String::new()),
    }
}

/// A store's tax rate in basis points as the fraction the engine takes.
pub fn tax_rate(tax_bp: i32) -> Decimal {
    Decimal::new(i64::from(tax_bp), 4)
}

pub fn price_lines(p: &PriceBreakdown, t: Tr) -> (Vec<(String, String)>, String) {
    let lang = t.lang;
    let money = |d: Decimal| format_amount(d, &p.currency, lang);
    let mut lines = vec![(t.t("price-base"), money(p.base))];
    lines.extend(p.surcharges.iter().map(|l| (l.label.get(lang), money(l.amount))));
    lines.push((t.t1("price-tax", "rate", (p.tax_rate * Decimal::from(100)).normalize()), money(p.tax)));
    (lines, money(p.total))
}

/// (label, value with its unit, where its formula comes from): the formula itself stays on the
/// catalog's page, for the people who write it (a fitter read `m.stature < 1630.0 ? …`). For
/// a customer measured in inches and pounds, lengths and masses have them added ("743 mm
/// (29.3 in)"), from the value before it was rounded: the millimetres stay, as a fitter and
/// the factory read them.
pub fn derived_lines(derived: &[DerivedOutput], lang: Lang, units: UnitSystem) -> Vec<(String, String, String)> {
    derived
        .iter()
        .map(|d| {
            let unit = d.unit.as_deref().unwrap_or_default();
            let shown_unit = if lang == Lang::ZhCn { crate::domain::catalog::unit_zh(unit) } else { unit };
            let value = match &d.value {
                Some(x) => {
                    let exact = d.exact.and_then(|x| x.to_f64()).or_else(|| x.to_string().parse().ok());
                    match exact.and_then(|x| imperial(x, unit, units)) {
                        Some(other) => format!("{x} {shown_unit} ({other})"),
                        None => format!("{x} {shown_unit}").trim().to_owned(),
                    }
                }
                None => "–".into(),
            };
            (d.label.get(lang), value, d.source.clone().unwrap_or_default())
        })
        .collect()
}

/// `x` of a catalog's `unit` in inches or pounds, for a customer measured in them. No break
/// between a number and its unit: a phone wrapped "37.0 / in".
fn imperial(x: f64, unit: &str, units: UnitSystem) -> Option<String> {
    if units != UnitSystem::Imperial {
        return None;
    }
    match unit {
        "mm" => Some(format!("{:.1}\u{a0}in", x / 25.4)),
        "cm" => Some(format!("{:.1}\u{a0}in", x / 2.54)),
        "kg" => Some(format!("{:.1}\u{a0}lb", x / 0.453_592_37)),
        _ => None,
    }
}

/// [`derived_lines`], with a note at a value that names what cannot be chosen (the maker's
/// chart's 56 cm for the height, where the inside leg rules the 56 out): a customer read it as
/// the size to take, and the recommendation mark sat on another.
pub fn derived_lines_of(cat: &CompiledCatalog, cfg: &Configuration, a: &LiveAnswer, t: Tr, units: UnitSystem) -> Vec<(String, String, String)> {
    let mut lines = derived_lines(&a.derived, t.lang, units);
    let Some(p) = cat.product(&cfg.product) else { return lines };
    for (d, o, nearest) in a.targets_ruled_out() {
        let (Some(line), Some(option)) = (lines.get_mut(d), p.options.get(o)) else { continue };
        let value = std::mem::take(&mut line.1);
        line.1 = match nearest.and_then(|vi| option.values.get(vi)) {
            Some(fits) => t.t2("derived-target-ruled-out", ("value", &value), ("fits", &fits.label.get(t.lang))),
            None => t.t2("derived-target-none-fits", ("value", &value), ("option", &option.label.get(t.lang))),
        };
    }
    lines
}

/// The derived values a configuration has, as a checkout or an order page lists them (label,
/// value, in the customer's units): those it has no value for are left out.
pub fn derived_view(cat: &CompiledCatalog, cfg: &Configuration, t: Tr, units: UnitSystem) -> Vec<(String, String)> {
    let Ok(a) = cat.live(cfg, Decimal::ZERO) else { return vec![] };
    derived_lines_of(cat, cfg, &a, t, units).into_iter().zip(&a.derived).filter(|(_, d)| d.value.is_some()).map(|((label, value, _), _)| (label, value)).collect()
}

/// What the proposed changes do to the total: "With these changes the total is €5,520.00
/// (€1,044.00 more)". The proposal said nothing of it, and four changes could add a thousand.
pub fn repair_total(cat: &CompiledCatalog, cfg: &Configuration, repair: Option<&Repair>, now: &PriceBreakdown, tax_bp: i32, t: Tr) -> String {
    let Some(Repair::Changes { changes, .. }) = repair else { return String::new() };
    let repaired = crate::orders::with_choices_changed(cfg, changes.iter().map(|c| (c.option.as_str(), c.to.as_ref())));
    let Ok(then) = cat.price(&repaired, tax_rate(tax_bp)) else { return String::new() };
    let money = |d: Decimal| format_amount(d, &then.currency, t.lang);
    let difference = then.total - now.total;
    if difference.is_zero() {
        t.t1("repair-total-same", "total", money(then.total))
    } else if difference.is_sign_positive() {
        t.t2("repair-total-more", ("total", &money(then.total)), ("difference", &money(difference)))
    } else {
        t.t2("repair-total-less", ("total", &money(then.total)), ("difference", &money(-difference)))
    }
}

/// The engine's repair in plain words; `true` when no choice can help (the measurements
/// rule the product out).
pub fn repair_words(repair: Option<&Repair>, lang: Lang) -> (Vec<String>, bool) {
    match repair {
        Some(Repair::Changes { changes, .. }) => (changes.iter().map(|c| c.explanation.get(lang)).collect(), false),
        // Measurements missing or mistyped: no choice is to blame, and the violations already
        // ask for them. "No choice fits these measurements" would mislead: there are none yet.
        Some(Repair::RuledOutByMeasurements { reasons }) if reasons.iter().all(|r| matches!(r.kind, ViolationKind::MissingMeasurement | ViolationKind::InvalidMeasurement)) => (vec![], false),
        Some(Repair::RuledOutByMeasurements { reasons }) => (reasons.iter().map(|r| r.explanation.get(lang)).collect(), true),
        _ => (vec![], false),
    }
}

fn chosen_one<'a>(cfg: &'a Configuration, option: &str) -> Option<&'a str> {
    match cfg.choices.get(option) {
        Some(Choice::One(v)) => Some(v.as_str()),
        _ => None,
    }
}

fn attr(cat: &CompiledCatalog, cfg: &Configuration, option: &str, name: &str) -> Option<f64> {
    let p = cat.product(&cfg.product)?;
    let chosen = chosen_one(cfg, option)?;
    p.options.iter().find(|o| o.code == option)?.values.iter().find(|v| v.code == chosen)?.attrs.get(name).copied()
}

fn text_choice(cat: &CompiledCatalog, cfg: &Configuration) -> String {
    let Some(p) = cat.product(&cfg.product) else { return String::new() };
    p.options
        .iter()
        .filter(|o| o.kind == OptionKind::Text)
        .find_map(|o| match cfg.choices.get(&o.code) {
            // Only a name that can be made (and is priced): the preview showed one the status
            // said could not be made, under a total without its charge.
            Some(Choice::Text(t)) if crate::domain::catalog::input::check_text(o, t).is_ok() => Some(t.chars().take(24).collect()),
            _ => None,
        })
        .unwrap_or_default()
}

/// Colours chosen for the panels: any option whose chosen value names a colour, in order.
fn chosen_colours(cat: &CompiledCatalog, cfg: &Configuration) -> Vec<&'static str> {
    let Some(p) = cat.product(&cfg.product) else { return vec![] };
    p.options.iter().filter_map(|o| chosen_one(cfg, &o.code).and_then(preview::colour_of)).collect()
}

/// The preview for the configuration, from its derived values: a bicycle from its geometry,
/// or a garment sketch.
fn preview_with(cat: &CompiledCatalog, cfg: &Configuration, derived: &[DerivedOutput]) -> Drawing {
    let Some(p) = cat.product(&cfg.product) else { return Drawing::default() };
    let colours = chosen_colours(cat, cfg);
    match p.family {
        Family::Bicycle => {
            let derived_frame = derived.iter().find(|d| d.code == "frame_size_cm").and_then(|d| d.value.as_ref()).and_then(|v| v.to_string().parse::<f64>().ok());
            let wheel = chosen_one(cfg, "wheel_size").unwrap_or("700c");
            preview::bicycle(&preview::Bike {
                frame_cm: attr(cat, cfg, "frame_size", "size_cm").or(derived_frame).unwrap_or(54.0),
                wheel_bsd_mm: if wheel.starts_with("650") { 584.0 } else { 622.0 },
                tyre_mm: attr(cat, cfg, "tyre", "width_mm").unwrap_or(28.0),
                stack_mm: attr(cat, cfg, "frame_size", "stack_mm"),
                reach_mm: attr(cat, cfg, "frame_size", "reach_mm"),
                colour: colours.first().copied().unwrap_or("#1f5f8b").to_owned(),
                decal: text_choice(cat, cfg),
            })
        }
        Family::Apparel => {
            // A product whose colours are chosen shows each where it goes, and a pale grey
            // until it is chosen: a default colour looked chosen (blue and pink, neither on
            // offer), and a side panel chosen alone coloured the body.
            let offered = |code: &str| p.options.iter().any(|o| o.code == code);
            let colour_at = |code: &str| offered(code).then(|| chosen_one(cfg, code).and_then(preview::colour_of).unwrap_or(preview::NOT_CHOSEN));
            let body = colour_at("body_colour").or(colours.first().copied()).unwrap_or(match chosen_one(cfg, "fabric") {
                Some("thermal") => "#1d1d1f",
                Some("light") => "#f4f4f4",
                _ => "#1f5f8b",
            });
            let side = colour_at("panel_colour").or(colours.get(1).copied()).unwrap_or(if chosen_one(cfg, "cut") == Some("women") { "#d6457a" } else { "#1e2a5a" });
            let sleeve = colours.get(2).copied().unwrap_or(body);
            preview::garment(&preview::Garment {
                kind: if p.code.contains("short") { preview::GarmentKind::Shorts } else { preview::GarmentKind::Top },
                long_sleeves: chosen_one(cfg, "sleeve") == Some("long") || p.code.contains("jacket"),
                body: body.to_owned(),
                side: side.to_owned(),
                sleeve: sleeve.to_owned(),
                text: text_choice(cat, cfg),
            })
        }
    }
}

fn preview_title(cat: &CompiledCatalog, cfg: &Configuration, t: Tr) -> String {
    let label = cat.product(&cfg.product).map(|p| p.label.get(t.lang)).unwrap_or_default();
    t.t1("preview-title", "product", label)
}

/// Everything the live part shows, for one configuration: validity, availability, repair,
/// price, derived values and the preview, from one evaluation ([`CompiledCatalog::live`]).
pub fn live_view(cat: &Arc<CompiledCatalog>, cfg: &Configuration, pairs: &[(String, String)], tax_bp: i32, t: Tr, units: UnitSystem, from_profile: &BTreeSet<String>) -> LiveView {
    let kept = changed_last(pairs);
    let answer = cat.live_keeping(cfg, tax_rate(tax_bp), kept.as_deref()).ok();
    let errors = field_errors(cat, cfg, answer.as_ref().map(|a| &a.validation), pairs, t);
    let options = option_views(cat, cfg, answer.as_ref().map(|a| (&a.availability, a.recommended())), pairs, &errors, t.lang, from_profile);
    LiveView { steps: steps(options), shown: shown(cat, cfg), kept: kept.unwrap_or_default(), ..summary(cat, cfg, answer.as_ref(), pairs, tax_bp, t, units) }
}

/// The options the customer changed last, most recent first, comma-separated: the repair keeps
/// them as chosen where changes of others make it fit (as many as it can, the oldest given up
/// first). Our scripts say which (`changed`, sent empty too). A form sent without them is
/// compared with the choices it showed (`shown`), and what its proposal kept (`kept`) is added:
/// on Check, the choices changed since come first; on Apply, what the proposal shown kept does,
/// so that the change applied is the one proposed.
pub fn changed_last(pairs: &[(String, String)]) -> Option<String> {
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if let Some(said) = field("changed") {
        return (!said.is_empty()).then(|| said.to_owned());
    }
    let differs: Vec<&str> = field("shown")
        .unwrap_or_default()
        .split(';')
        .filter_map(|part| part.split_once('='))
        .filter(|(code, was)| {
            let mut now: Vec<&str> = pairs.iter().filter(|(k, _)| k.strip_prefix("o_") == Some(*code)).map(|(_, v)| v.trim()).filter(|v| !v.is_empty()).collect();
            let mut before: Vec<&str> = was.split(',').filter(|v| !v.is_empty()).collect();
            now.sort_unstable();
            before.sort_unstable();
            now != before
        })
        .map(|(code, _)| code)
        .collect();
    let kept: Vec<&str> = field("kept").unwrap_or_default().split(',').filter(|k| !k.is_empty()).collect();
    let (first, then) = if field("action") == Some("repair") { (kept, differs) } else { (differs, kept) };
    let mut all: Vec<&str> = vec![];
    for code in first.into_iter().chain(then) {
        if !all.contains(&code) {
            all.push(code);
        }
    }
    (!all.is_empty()).then(|| all.join(","))
}

/// The values chosen for each option chosen among values (not text or numbers typed), as
/// `code=value,value;code=`: what [`changed_last`] compares a form sent back with.
pub fn shown(cat: &CompiledCatalog, cfg: &Configuration) -> String {
    let Some(p) = cat.product(&cfg.product) else { return String::new() };
    p.options
        .iter()
        .filter(|o| matches!(o.kind, OptionKind::Single | OptionKind::Multi))
        .map(|o| {
            let values = match cfg.choices.get(&o.code) {
                Some(Choice::One(v)) => v.clone(),
                Some(Choice::Many(vs)) => vs.iter().map(String::as_str).collect::<Vec<_>>().join(","),
                _ => String::new(),
            };
            format!("{}={values}", o.code)
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// What a live update sends our script (see [`ValueStates`]): the summary column whole, with
/// no steps, and the values' states. From the same evaluation as [`live_view`].
pub fn live_patch<'c>(cat: &'c CompiledCatalog, cfg: &Configuration, pairs: &'c [(String, String)], tax_bp: i32, t: Tr, units: UnitSystem) -> (LiveView, ValueStates<'c>) {
    let answer = cat.live_keeping(cfg, tax_rate(tax_bp), changed_last(pairs).as_deref()).ok();
    let mut states = value_states(cat, cfg, answer.as_ref().map(|a| &a.availability), pairs, t.lang);
    states.errors = field_errors(cat, cfg, answer.as_ref().map(|a| &a.validation), pairs, t);
    (summary(cat, cfg, answer.as_ref(), pairs, tax_bp, t, units), states)
}

/// The summary column: everything but the steps.
fn summary(cat: &CompiledCatalog, cfg: &Configuration, answer: Option<&LiveAnswer>, pairs: &[(String, String)], tax_bp: i32, t: Tr, units: UnitSystem) -> LiveView {
    let lang = t.lang;
    let Some(a) = answer else {
        return LiveView { preview: preview_with(cat, cfg, &[]), preview_title: preview_title(cat, cfg, t), product: cfg.product.clone(), ..LiveView::default() };
    };
    let (repair, ruled_out) = repair_words(a.repair.as_ref(), lang);
    let (price_lines, total) = price_lines(&a.price, t);
    let mut violations = violation_lines(cat, cfg, &a.validation, Some(&a.availability), pairs, t);
    violations_in(&mut violations, cfg, &a.derived, lang, units);
    LiveView {
        steps: vec![],
        valid: a.validation.valid,
        violations,
        repair,
        repair_total: repair_total(cat, cfg, a.repair.as_ref(), &a.price, tax_bp, t),
        ruled_out,
        price_lines,
        total,
        derived: derived_lines_of(cat, cfg, a, t, units),
        preview: preview_with(cat, cfg, &a.derived),
        preview_title: preview_title(cat, cfg, t),
        // Set by `live_view` for a page sent whole; a live update's patch goes to our script,
        // which says what changed itself.
        shown: String::new(),
        kept: String::new(),
        product: cfg.product.clone(),
    }
}

/// What keeps a configuration from being ordered, in words. A number field holding something
/// that is not a number is left out of the configuration, so the engine asks to "choose" it:
/// what is wrong with what was typed is said instead.
pub fn violation_lines(cat: &CompiledCatalog, cfg: &Configuration, validation: &crate::domain::catalog::Validation, availability: Option<&AvailabilityRef>, pairs: &[(String, String)], t: Tr) -> Vec<String> {
    let lang = t.lang;
    // A required choice none of whose values fits: each value says why, but that no value is
    // left at all is said once (a tall rider saw seven frame sizes greyed out and no word),
    // naming the other choices that rule them out when the body alone does not.
    let none_fits: Vec<String> = match (cat.product(&cfg.product), availability) {
        (Some(p), Some(av)) => p
            .options
            .iter()
            .enumerate()
            .zip(av.iter())
            .filter(|((_, o), _)| o.required)
            .filter_map(|((oi, o), values)| match crate::domain::catalog::none_fits(p, oi, values.as_deref()?)? {
                NoneFits::Body => Some(t.t1("option-none-fits", "option", o.label.get(lang))),
                NoneFits::Beside(others) => {
                    let names: Vec<String> = others.iter().map(|x| p.options[*x].label.get(lang)).collect();
                    Some(t.t_args("option-none-fits-beside", &[("option", o.label.get(lang)), ("others", t.and_list(&names))]))
                }
            })
            .collect(),
        _ => vec![],
    };
    let not_numbers: Vec<(&str, String)> = cat
        .product(&cfg.product)
        .map(|p| p.options.iter().filter(|o| o.kind == OptionKind::Number && !cfg.choices.contains_key(&o.code) && !typed_in(pairs, &o.code).trim().is_empty()).map(|o| (o.code.as_str(), o.label.get(lang))).collect())
        .unwrap_or_default();
    let asked_again = |v: &crate::domain::catalog::Violation| v.kind == ViolationKind::MissingChoice && v.options.iter().any(|o| not_numbers.iter().any(|(code, _)| code == o));
    none_fits
        .into_iter()
        .chain(not_numbers.iter().map(|(_, label)| t.t1("option-not-a-number", "option", label)))
        .chain(validation.violations.iter().filter(|v| !asked_again(v)).map(|x| x.explanation.get(lang)))
        .collect()
}

/// What keeps a configuration from being ordered ([`violation_lines`]) for a customer measured
/// in inches and pounds: the measurements and derived values a rule names have them added
/// ("body mass 115.0 kg (253.5 lb)"), from the values as taken, not as rounded for the line.
pub fn violations_in(lines: &mut [String], cfg: &Configuration, derived: &[DerivedOutput], lang: Lang, units: UnitSystem) {
    use crate::domain::catalog::measures;
    use crate::domain::measurement::Measurement;
    if units != UnitSystem::Imperial {
        return;
    }
    let zh = lang == Lang::ZhCn;
    let mut named: Vec<(String, String)> = vec![];
    for (code, &v) in &cfg.measurements {
        let (Some(def), Some(m), Ok(v32)) = (measures::measure(code), Measurement::from_code(code), u32::try_from(v)) else { continue };
        let shown = measures::display_text(def, v);
        let label = measures::label(def);
        let needle = if zh { format!("{}{}", label.zh, shown.zh) } else { format!("{} {}", label.en, shown.en) };
        named.push((needle, m.format(v32, UnitSystem::Imperial).replace(' ', "\u{a0}")));
    }
    for d in derived {
        let (Some(x), Some(unit)) = (&d.value, d.unit.as_deref()) else { continue };
        let Some(other) = d.exact.and_then(|x| x.to_f64()).and_then(|x| imperial(x, unit, units)) else { continue };
        let needle = if zh { format!("{}{x} {}", d.label.zh, crate::domain::catalog::unit_zh(unit)) } else { format!("{} {x} {unit}", d.label.en) };
        named.push((needle, other));
    }
    // Where the engine names what a rule read: after its sentence and the last dash, one item
    // after another (`validate::append_involved`).
    let (dash, joiner) = if zh { (" —— ", "；") } else { (" — ", "; ") };
    for line in lines.iter_mut() {
        let Some(at) = line.rfind(dash) else { continue };
        let (sentence, involved) = line.split_at(at + dash.len());
        let items: Vec<String> = involved
            .split(joiner)
            .map(|item| match named.iter().find(|(n, _)| n == item) {
                Some((_, other)) => format!("{item} ({other})"),
                None => item.to_owned(),
            })
            .collect();
        *line = format!("{sentence}{}", items.join(joiner));
    }
}

/// The chosen options in words, in catalog order (checkout and order pages).
pub fn choice_labels(cat: &CompiledCatalog, cfg: &Configuration, lang: Lang) -> Vec<(String, String)> {
    let Some(prod) = cat.product(&cfg.product) else { return vec![] };
    prod.options
        .iter()
        .filter_map(|o| {
            let label_of = |code: &str| o.values.iter().find(|v| v.code == code).map(|v| v.label.get(lang)).unwrap_or_else(|| code.to_owned());
            let shown = match cfg.choices.get(&o.code)? {
                Choice::One(v) => label_of(v),
                // A list as each language writes one: "Aero extension, Full mudguards", "前伸码表座、全挡泥板".
                Choice::Many(vs) => vs.iter().map(|v| label_of(v)).collect::<Vec<_>>().join(if lang == Lang::ZhCn { "、" } else { ", " }),
                Choice::Number(n) => {
                    let unit = o.number.as_ref().map(|x| x.unit.as_str()).unwrap_or("");
                    format!("{} {}", n.normalize(), if lang == Lang::ZhCn { crate::domain::catalog::unit_zh(unit) } else { unit })
                }
                Choice::Text(t) => format!("“{t}”"),
            };
            Some((o.label.get(lang), shown.trim().to_owned()))
        })
        .collect()
}

pub fn new_key() -> String {
    crate::orders::new_webhook_id().replace("msg_", "ord_")
}

/// A key the form sent back, if it looks like one of ours; otherwise a new one.
pub fn key_from_form(sent: &str) -> String {
    Some(sent.to_owned()).filter(|k| k.starts_with("ord_") && k.len() < 100).unwrap_or_else(new_key)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use crate::domain::catalog::BlockerRef;

    use super::*;

    #[test]
    fn a_required_choice_with_no_fitting_value_is_said_once() {
        let cat = crate::domain::catalog::tests::bicycles();
        let t = Tr::new(Lang::En);
        let lines_for = |inside_leg: i64| {
            let cfg = crate::domain::catalog::tests::good_road().measure("inside_leg", inside_leg).measure("stature", 1900);
            let a = cat.live(&cfg, Decimal::ZERO).expect("an answer");
            violation_lines(&cat, &cfg, &a.validation, Some(&a.availability), &[], t)
        };
        // An inside leg of 104 cm (past every ANSUR subject): no road frame's seatpost, not
        // even the 58's 400 mm one, reaches its saddle height.
        let tall = lines_for(1040);
        assert!(tall.first().is_some_and(|l| l.ends_with(": none fits these measurements; each says why.")), "{tall:?}");
        assert!(!lines_for(845).iter().any(|l| l.contains("none fits")));
    }

    #[test]
    fn a_choice_ruled_out_by_other_choices_names_them_not_the_body() {
        let cat = crate::domain::catalog::tests::bicycles();
        // A 48 cm frame takes only 650B wheels, and 650B wheels no 25 mm tyres: the wheel size
        // is not what to change, the frame or the tyres are.
        let cfg = crate::domain::catalog::tests::good_road()
            .one("frame_size", "s48")
            .one("wheel_size", "650b")
            .one("wheelset", "alu_disc")
            .one("tyre", "t25")
            .measure("stature", 1600)
            .measure("inside_leg", 730);
        let a = cat.live(&cfg, Decimal::ZERO).expect("an answer");
        let lines = |lang| violation_lines(&cat, &cfg, &a.validation, Some(&a.availability), &[], Tr::new(lang));
        let en = lines(Lang::En);
        assert!(en.contains(&"Wheel size: none fits with what is chosen for Frame size and Tyres; each says why.".to_owned()), "{en:?}");
        assert!(!en.iter().any(|l| l.contains("none fits these measurements")), "{en:?}");
        let zh = lines(Lang::ZhCn);
        assert!(zh.iter().any(|l| l.contains("与车架尺寸和外胎的已选项都不相配")), "{zh:?}");
    }

    #[test]
    fn a_derived_size_that_cannot_be_chosen_says_so_and_names_the_nearest_that_fits() {
        let cat = crate::domain::catalog::tests::bicycles();
        // 180 cm tall: the maker's chart says 56 cm. An inside leg of 68 cm puts the saddle
        // too low on the 56 (and the 58); the 54 fits.
        let line = |cfg: &Configuration, lang| {
            let a = cat.live(cfg, Decimal::ZERO).expect("an answer");
            let lines = derived_lines_of(&cat, cfg, &a, Tr::new(lang), UnitSystem::Imperial);
            lines.into_iter().find(|l| l.0.starts_with("Frame size for the height") || l.0.starts_with("按身高")).map(|l| l.1)
        };
        let short_legs = crate::domain::catalog::tests::good_road().measure("stature", 1800).measure("inside_leg", 680);
        assert_eq!(line(&short_legs, Lang::En).as_deref(), Some("56 cm (22.0\u{a0}in) — ruled out here; the nearest that fits is 54 cm"));
        assert_eq!(line(&short_legs, Lang::ZhCn).as_deref(), Some("56 厘米 (22.0\u{a0}in)——此处不可选；最接近且合适的是54 厘米"));
        let fits = crate::domain::catalog::tests::good_road().measure("stature", 1800).measure("inside_leg", 845);
        assert_eq!(line(&fits, Lang::En).as_deref(), Some("56 cm (22.0\u{a0}in)"));
        // No frame at all: an inside leg no seatpost reaches.
        let tall = crate::domain::catalog::tests::good_road().measure("stature", 1900).measure("inside_leg", 1040);
        assert_eq!(line(&tall, Lang::En).as_deref(), Some("58 cm (22.8\u{a0}in) — ruled out here, as is every other Frame size"));
    }

    #[test]
    fn derived_lengths_and_masses_gain_inches_and_pounds_for_an_imperial_customer() {
        let out = |unit: &str, shown: &str, exact: &str| DerivedOutput {
            code: String::new(),
            label: crate::domain::catalog::Text::new("x", "x"),
            unit: Some(unit.to_owned()).filter(|u| !u.is_empty()),
            value: Some(crate::domain::catalog::DerivedValue::Number(shown.parse().unwrap_or_default())),
            formula: String::new(),
            source: None,
            problem: None,
            exact: exact.parse().ok(),
        };
        // System weight of a body of 165 lb (74.843 kg) and 9 kg: 83.8 kg as shown, 184.8 lb
        // from the value before it was rounded (184.7 from the 83.8).
        let derived = vec![out("mm", "743", "743.2"), out("cm", "54", "54"), out("kg", "83.8", "83.843"), out("", "3", "3")];
        let shown = |lang, units| derived_lines(&derived, lang, units).into_iter().map(|l| l.1).collect::<Vec<_>>();
        assert_eq!(shown(Lang::En, UnitSystem::Metric), vec!["743 mm", "54 cm", "83.8 kg", "3"]);
        assert_eq!(shown(Lang::En, UnitSystem::Imperial), vec!["743 mm (29.3\u{a0}in)", "54 cm (21.3\u{a0}in)", "83.8 kg (184.8\u{a0}lb)", "3"]);
        assert_eq!(shown(Lang::ZhCn, UnitSystem::Imperial)[..2], ["743 毫米 (29.3\u{a0}in)", "54 厘米 (21.3\u{a0}in)"]);
    }

    /// The staff form and the shop said "body mass 115.0 kg" to a customer measured in pounds.
    #[test]
    fn a_rule_names_the_measurements_it_read_in_the_customers_units() {
        let cat = crate::domain::catalog::tests::bicycles();
        // 253.5 lb: 114,986 g, and 123.986 kg with the bike, shown as 124 kg; 273.3 lb from
        // the first (273.4 from the second).
        let heavy = crate::domain::catalog::tests::good_road().one("frame_material", "carbon").measure("body_mass", 114_986);
        // The saddle too low on a 56 cm frame for a 68 cm inside leg.
        let short = crate::domain::catalog::tests::good_road().measure("stature", 1800).measure("inside_leg", 680);
        for (cfg, lang, said) in [
            (&heavy, Lang::En, "System weight (rider + bike + kit) 124 kg (273.3\u{a0}lb)"),
            (&heavy, Lang::ZhCn, "124 千克 (273.3\u{a0}lb)"),
            (&short, Lang::En, "inside leg 68.0 cm (26.77\u{a0}in)"),
        ] {
            let a = cat.live(cfg, Decimal::ZERO).expect("an answer");
            let mut lines = violation_lines(&cat, cfg, &a.validation, Some(&a.availability), &[], Tr::new(lang));
            let metric = lines.clone();
            violations_in(&mut lines, cfg, &a.derived, lang, UnitSystem::Metric);
            assert_eq!(lines, metric);
            violations_in(&mut lines, cfg, &a.derived, lang, UnitSystem::Imperial);
            assert!(lines.iter().any(|l| l.contains(said)), "{said}: {lines:?}");
            // Once each, however often it is asked.
            let once = lines.clone();
            assert!(once.iter().all(|l| l.matches("\u{a0}lb)").count() + l.matches("\u{a0}in)").count() <= 4), "{once:?}");
        }
    }

    #[test]
    fn numbers_are_read_as_people_type_them() {
        let d = |s: &str| s.parse::<Decimal>().ok();
        for (typed, read) in [("100", d("100")), (" 100,5 ", d("100.5")), ("100 mm", d("100")), ("100MM", d("100")), ("９０", d("90")), ("９０ ｍｍ", d("90")), ("-5", d("-5"))] {
            assert_eq!(number_typed(typed, "mm"), read, "{typed}");
        }
        for typed in ["1e2", "100 cm", "1.2.3", "", "mm", "0x10", "10 0"] {
            assert_eq!(number_typed(typed, "mm"), None, "{typed}");
        }
        assert_eq!(number_typed("100 mm", ""), None, "no unit of its own to take");
    }

    #[test]
    fn options_fall_into_fit_build_and_look_steps() {
        assert_eq!(step_of("frame_size", OptionKind::Single), "step-fit");
        assert_eq!(step_of("cut", OptionKind::Single), "step-fit");
        assert_eq!(step_of("groupset", OptionKind::Single), "step-build");
        assert_eq!(step_of("paint", OptionKind::Single), "step-look");
        assert_eq!(step_of("name_decal", OptionKind::Text), "step-look");
    }

    #[test]
    fn reasons_are_the_rules_messages_once_each() {
        let r = reasons(
            [
                "Disc brakes need 12 mm thru-axles on this frame. — Brakes: Rim caliper; Wheel axles: Thru-axle 12 mm".to_owned(),
                "Disc brakes need 12 mm thru-axles on this frame. — Brakes: Hydraulic disc".to_owned(),
                "此车架使用碟刹时需配 12 毫米桶轴。 —— 刹车：圈刹".to_owned(),
            ]
            .into_iter(),
        );
        assert_eq!(r, "Disc brakes need 12 mm thru-axles on this frame. 此车架使用碟刹时需配 12 毫米桶轴。");
    }

    #[test]
    fn a_reason_is_cut_at_the_first_dash_with_spaces() {
        for (e, cut) in [
            ("Too long — Brakes: Rim", "Too long"),
            ("过长 —— 刹车：圈刹", "过长"),
            ("a — b —— c", "a"),
            ("a — —— c", "a —"),
            ("a—— b —— c", "a—— b"),
            ("a ——— b", "a ——— b"),
            ("ends with a dash —", "ends with a dash —"),
            ("— starts", "— starts"),
        ] {
            assert_eq!(plain_reason(e), cut, "{e}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]
        /// The hand-written scan cuts where splitting at " —— " and then at " — " would.
        #[test]
        fn a_reason_is_cut_where_the_splits_would_cut_it(e in "[a— ]{0,16}") {
            let split = e.split(" —— ").next().unwrap_or_default().split(" — ").next().unwrap_or_default().trim();
            proptest::prop_assert_eq!(plain_reason(&e), split);
        }
    }

    /// The owned, full availability indexed as a configurator reads it.
    fn by_index<'a>(cat: &'a CompiledCatalog, full: &'a crate::domain::catalog::Availability) -> AvailabilityRef<'a> {
        let p = cat.product("road").unwrap_or_else(|| panic!("road"));
        p.options
            .iter()
            .map(|o| {
                let x = full.options.iter().find(|x| x.option == o.code)?;
                let values = o.values.iter().map(|v| {
                    let y = x.values.iter().find(|y| y.value == v.code).unwrap_or_else(|| panic!("{}", v.code));
                    let blocked_by = y.blocked_by.iter().map(|b| BlockerRef { rule: b.rule.as_deref(), derived: b.derived.as_deref(), explanation: Cow::Borrowed(&b.explanation) });
                    ValueAvail { chosen: y.chosen, blocked_by: blocked_by.collect() }
                });
                Some(values.collect())
            })
            .collect()
    }

    /// The shop words a value's reasons from the brief availability; they must read as they
    /// would from the full one.
    #[test]
    fn reasons_from_the_brief_availability_read_as_from_the_full_one() {
        let cat = Arc::new(CompiledCatalog::compile("bicycles.toml", include_str!("../../catalog/bicycles.toml")).unwrap_or_else(|e| panic!("{e}")));
        let body = crate::domain::catalog::measures::TYPICAL[0].measurements();
        let forms: [&[(&str, &str)]; 4] = [
            &[("o_frame_size", "s56"), ("o_brakes", "rim_caliper"), ("o_axle", "thru_12"), ("o_wheelset", "carbon_disc_45"), ("o_groupset", "shimano_ultegra_di2"), ("o_stem_length", "100")],
            &[("o_frame_size", "s45"), ("o_wheel_size", "700c"), ("o_crank", "c175"), ("o_extras", "mudguards"), ("o_tyre", "t32")],
            &[("o_frame_size", "s52"), ("o_frame_material", "carbon"), ("o_cable_routing", "external"), ("o_stem_length", "oops")],
            &[],
        ];
        let mut blocked = 0;
        for (i, form) in forms.iter().enumerate() {
            let pairs: Vec<(String, String)> = form.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            let measured = if i == 3 { BTreeMap::new() } else { body.clone() };
            let cfg = configuration("road", &cat, &pairs, measured);
            for lang in [Lang::En, Lang::ZhCn] {
                let full = cat.availability(&cfg).unwrap_or_else(|e| panic!("{e}"));
                let full = option_views(&cat, &cfg, Some((&by_index(&cat, &full), vec![])), &pairs, &[], lang, &BTreeSet::new());
                let live = cat.live(&cfg, Decimal::ZERO).unwrap_or_else(|e| panic!("{e}"));
                let brief = option_views(&cat, &cfg, Some((&live.availability, vec![])), &pairs, &[], lang, &BTreeSet::new());
                for (f, b) in full.iter().zip(&brief) {
                    for (fv, bv) in f.values.iter().zip(&b.values) {
                        assert_eq!((&fv.words.code, fv.chosen, fv.available, fv.fits, &fv.reason), (&bv.words.code, bv.chosen, bv.available, bv.fits, &bv.reason));
                        blocked += usize::from(!fv.fits);
                    }
                }
            }
        }
        assert!(blocked > 20, "the forms grey out values ({blocked})");
    }

    #[test]
    fn preferences_fill_only_open_options_and_say_so() {
        let mut pairs = vec![("o_fit".to_owned(), "race".to_owned())];
        let preferred = [
            PreferredChoice { option: "fit".into(), value: "relaxed".into() },
            PreferredChoice { option: "sleeve".into(), value: "long".into() },
        ];
        let applied = apply_preferred(&mut pairs, &preferred);
        assert_eq!(applied.into_iter().collect::<Vec<_>>(), vec!["sleeve".to_owned()]);
        assert!(pairs.contains(&("o_fit".into(), "race".into())));
        assert!(pairs.contains(&("o_sleeve".into(), "long".into())));
    }
}
