//! What the engine is asked about: a product, the choices made so far, and the customer's
//! measurements (canonical integers: mm, g). Choices arrive as people typed them; they are
//! checked against the product here and turned into indexes for the rest of the engine.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use super::compile::{OptionSpec, Product};
use super::model::{OptionKind, Text};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// A value code of a single-choice option.
    One(String),
    /// Value codes of a multi-choice option (a set: order and repeats do not matter).
    Many(BTreeSet<String>),
    Number(Decimal),
    Text(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Configuration {
    pub product: String,
    pub choices: BTreeMap<String, Choice>,
    /// Canonical integers keyed by measurement code: millimetres, body mass in grams.
    pub measurements: BTreeMap<String, i64>,
}

impl Configuration {
    pub fn new(product: impl Into<String>) -> Self {
        Self { product: product.into(), ..Self::default() }
    }

    pub fn with(mut self, option: &str, choice: Choice) -> Self {
        self.choices.insert(option.to_string(), choice);
        self
    }

    pub fn one(self, option: &str, value: &str) -> Self {
        self.with(option, Choice::One(value.to_string()))
    }

    pub fn measure(mut self, code: &str, canonical: i64) -> Self {
        self.measurements.insert(code.to_string(), canonical);
        self
    }
}

/// A checked choice, by index into the product.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Val {
    One(usize),
    /// Sorted, without repeats.
    Many(Vec<usize>),
    Number(Decimal),
    Text(String),
}

/// One entry per option of the product; `None` is "not chosen".
pub(crate) type Assignment = Vec<Option<Val>>;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct InputProblem {
    pub option: String,
    pub reason: Text,
}

impl Val {
    pub fn to_choice(&self, o: &OptionSpec) -> Choice {
        let code = |i: &usize| o.values.get(*i).map(|v| v.code.clone()).unwrap_or_default();
        match self {
            Val::One(i) => Choice::One(code(i)),
            Val::Many(is) => Choice::Many(is.iter().map(code).collect()),
            Val::Number(d) => Choice::Number(d.normalize()),
            Val::Text(t) => Choice::Text(t.clone()),
        }
    }

    pub fn number(&self) -> Option<f64> {
        match self {
            Val::Number(d) => d.to_f64(),
            _ => None,
        }
    }
}

fn problem(o: &OptionSpec, en: String, zh: String) -> InputProblem {
    InputProblem { option: o.code.clone(), reason: Text { en, zh } }
}

/// Checks every choice; a bad one becomes a problem and is left unchosen, so the rest of the
/// configuration can still be validated and explained.
pub(crate) fn normalize(p: &Product, choices: &BTreeMap<String, Choice>) -> (Assignment, Vec<InputProblem>) {
    let mut problems = Vec::new();
    for code in choices.keys() {
        if p.option_index(code).is_none() {
            problems.push(InputProblem {
                option: code.clone(),
                reason: Text { en: format!("“{code}” is not an option of this product."), zh: format!("“{code}”不是此产品的选项。") },
            });
        }
    }
    let mut a: Assignment = Vec::with_capacity(p.options.len());
    for o in &p.options {
        let val = match choices.get(&o.code) {
            None => None,
            Some(c) => match check(o, c) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(e);
                    None
                }
            },
        };
        // An absent multi choice is the empty set: "no extras" is a complete answer.
        let val = match (o.kind, val) {
            (OptionKind::Multi, None) => Some(Val::Many(Vec::new())),
            (_, v) => v,
        };
        a.push(val);
    }
    (a, problems)
}

fn check(o: &OptionSpec, c: &Choice) -> Result<Option<Val>, InputProblem> {
    let label = &o.label;
    let unknown = |v: &str| problem(o, format!("{}: “{v}” is not one of the values offered.", label.en), format!("{}：“{v}”不在可选范围内。", label.zh));
    match (o.kind, c) {
        (OptionKind::Single, Choice::One(v) | Choice::Text(v)) => o.value_index(v).map(|i| Some(Val::One(i))).ok_or_else(|| unknown(v)),
        (OptionKind::Multi, Choice::Many(vs)) => {
            let mut is = Vec::new();
            for v in vs {
                is.push(o.value_index(v).ok_or_else(|| unknown(v))?);
            }
            is.sort_unstable();
            is.dedup();
            if let Some(max) = o.max_selected.filter(|m| is.len() > *m) {
                return Err(problem(o, format!("{}: choose at most {max}.", label.en), format!("{}：最多选择{max}项。", label.zh)));
            }
            Ok(Some(Val::Many(is)))
        }
        (OptionKind::Multi, Choice::One(v)) => check(o, &Choice::Many(BTreeSet::from([v.clone()]))),
        (OptionKind::Number, Choice::Number(d)) => check_number(o, *d).map(Some),
        (OptionKind::Number, Choice::One(t) | Choice::Text(t)) => match Decimal::from_str(t.trim()) {
            Ok(d) => check_number(o, d).map(Some),
            Err(_) => Err(problem(o, format!("{}: “{t}” is not a number.", label.en), format!("{}：“{t}”不是数字。", label.zh))),
        },
        (OptionKind::Text, Choice::Text(t) | Choice::One(t)) => check_text(o, t),
        _ => Err(problem(o, format!("{}: this kind of answer does not fit the option.", label.en), format!("{}：此类输入不适用于该选项。", label.zh))),
    }
}

/// A text as it is printed: spaces (and tabs, line breaks) between its words one space each,
/// none around it. Two spaces typed showed as one on every page (a page collapses them) but
/// went to the factory as two.
pub fn one_spaced(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check_number(o: &OptionSpec, d: Decimal) -> Result<Val, InputProblem> {
    let Some(n) = &o.number else { return Err(problem(o, String::new(), String::new())) };
    let (label, unit) = (&o.label, &n.unit);
    if d < n.min || d > n.max {
        return Err(problem(
            o,
            format!("{}: {d} {unit} is outside {}–{} {unit}.", label.en, n.min, n.max),
            format!("{}：{d} {zh} 超出 {}–{} {zh} 的范围。", label.zh, n.min, n.max, zh = super::model::unit_zh(unit)),
        ));
    }
    if !((d - n.min) % n.step).is_zero() {
        return Err(problem(
            o,
            format!("{}: {d} {unit} is not in steps of {} {unit} from {}.", label.en, n.step, n.min),
            format!("{}：{d} {zh} 须以 {} {zh} 为步长（起点 {}）。", label.zh, n.step, n.min, zh = super::model::unit_zh(unit)),
        ));
    }
    Ok(Val::Number(d.normalize()))
}

/// The nearest text the maker can make: accented Latin letters and typographic punctuation
/// written plainly ("Zoë Müller" → "Zoe Muller", "Straße" → "Strasse", "O’Neil" → "O'Neil"),
/// emoji and symbols left out, cut to the length allowed. `None` when a letter of another
/// script is in it (a name in Chinese has no one spelling in Latin letters: the customer
/// chooses it), or nothing changed.
pub(crate) fn makeable_text(o: &OptionSpec, t: &str) -> Option<String> {
    let spec = o.text.as_ref()?;
    let mut out = String::new();
    for c in t.chars() {
        if spec.allowed.contains(&c) {
            out.push(c);
        } else if matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' | '\u{2010}'..='\u{201F}') {
            out.extend(deunicode::deunicode_char(c).unwrap_or("").chars().filter(|c| spec.allowed.contains(c)));
        } else if c.is_whitespace() {
            out.push(' ');
        } else if !c.is_alphabetic() {
            // An emoji or a symbol the maker cannot print is left out ("Zoë 😀" is "Zoe"): the
            // repair offered no name at all.
            continue;
        } else {
            return None;
        }
    }
    let out: String = out.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(spec.max_len).collect::<String>().trim_end().to_owned();
    (!out.is_empty() && out != t && matches!(check_text(o, &out), Ok(Some(_)))).then_some(out)
}

/// An invisible or control character, named (en, zh): quoted, it shows as nothing, looks like
/// a space, or turns the message around (U+202E). Named in words where people know it.
fn unseen_name(c: char) -> Option<(String, String)> {
    if !(crate::domain::customer::has_hidden_characters(&c.to_string()) || c.is_whitespace() && c != ' ') {
        return None;
    }
    let code = format!("U+{:04X}", u32::from(c));
    let words = match c {
        '\u{00A0}' => Some(("a no-break space", "不换行空格")),
        '\u{3000}' => Some(("a full-width space", "全角空格")),
        '\t' => Some(("a tab", "制表符")),
        '\n' | '\r' => Some(("a line break", "换行符")),
        '\u{00AD}' => Some(("a soft hyphen", "软连字符")),
        '\u{200B}' | '\u{FEFF}' => Some(("a zero-width space", "零宽空格")),
        '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => Some(("a text-direction mark", "文字方向控制符")),
        _ => None,
    };
    Some(match words {
        Some((en, zh)) => (format!("{code}, {en}"), format!("{code}，{zh}")),
        None => (code.clone(), code),
    })
}

pub(crate) fn check_text(o: &OptionSpec, t: &str) -> Result<Option<Val>, InputProblem> {
    let Some(spec) = &o.text else { return Err(problem(o, String::new(), String::new())) };
    let label = &o.label;
    if t.is_empty() {
        return Ok(None);
    }
    let len = t.chars().count();
    if len > spec.max_len {
        return Err(problem(o, format!("{}: at most {} characters ({len} given).", label.en, spec.max_len), format!("{}：最多{}个字符（当前{len}个）。", label.zh, spec.max_len)));
    }
    // In the order they were typed, each once.
    let mut bad: Vec<char> = vec![];
    for c in t.chars().filter(|c| !spec.allowed.contains(c)) {
        if !bad.contains(&c) {
            bad.push(c);
        }
    }
    if !bad.is_empty() {
        // Each quoted on its own: joined by spaces, the space read as one of them.
        let en = bad.iter().map(|c| format!("“{}”", unseen_name(*c).map(|(en, _)| en).unwrap_or_else(|| c.to_string()))).collect::<Vec<_>>().join(", ");
        let zh = bad.iter().map(|c| format!("“{}”", unseen_name(*c).map(|(_, zh)| zh).unwrap_or_else(|| c.to_string()))).collect::<Vec<_>>().join("、");
        return Err(problem(o, format!("{}: these characters cannot be made: {en}.", label.en), format!("{}：无法制作以下字符：{zh}。", label.zh)));
    }
    Ok(Some(Val::Text(t.to_string())))
}
