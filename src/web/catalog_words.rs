//! A product's options as the configurator writes them in one language: codes, field names,
//! labels, hints and surcharges, escaped once per compiled catalog. A live update shows a
//! hundred-odd values in several attributes each; copying, formatting and escaping the same
//! words on every update was a fifth of its work.

use std::sync::{Arc, RwLock, Weak};

use crate::domain::catalog::CompiledCatalog;
use crate::domain::lang::Lang;
use crate::domain::money::format_amount;
use crate::html::Escaped;

pub struct ProductWords {
    /// In catalog order, one per option of the product; each shared with the views that show it.
    pub options: Vec<Arc<OptionWords>>,
}

pub struct OptionWords {
    pub code: Escaped,
    /// The form field, `o_<option>`.
    pub name: Escaped,
    pub label: Escaped,
    /// The range of a number option or the longest text; empty for the others.
    pub hint: Escaped,
    /// In catalog order; each shared with the views that show it.
    pub values: Vec<Arc<ValueWords>>,
}

pub struct ValueWords {
    pub code: Escaped,
    /// `<option>_<value>`: the value's input id is `o_` and its reason's `why_` followed by it.
    pub key: Escaped,
    pub label: Escaped,
    /// `+` and the amount, or empty when the value costs nothing more.
    pub surcharge: Escaped,
}

struct Entry {
    /// Holding the catalog weakly keeps its address from being reused by another catalog
    /// while the entry lives, so the address is the key.
    cat: Weak<CompiledCatalog>,
    product: String,
    lang: Lang,
    words: Arc<ProductWords>,
}

/// A handful of entries (catalog versions in use × products × languages): a list is enough.
static KEPT: RwLock<Vec<Entry>> = RwLock::new(Vec::new());

/// The words of `product` in `cat`, made on first use; `None` when the catalog has no such
/// product.
pub fn of(cat: &Arc<CompiledCatalog>, product: &str, lang: Lang) -> Option<Arc<ProductWords>> {
    let same = |e: &Entry| std::ptr::eq(e.cat.as_ptr(), Arc::as_ptr(cat)) && e.lang == lang && e.product == product;
    if let Some(e) = KEPT.read().unwrap_or_else(|poisoned| poisoned.into_inner()).iter().find(|e| same(e)) {
        return Some(e.words.clone());
    }
    let words = Arc::new(make(cat, product, lang)?);
    let mut kept = KEPT.write().unwrap_or_else(|poisoned| poisoned.into_inner());
    // Catalogs no longer used by anyone (a newer version replaced them) go with their words.
    kept.retain(|e| e.cat.strong_count() > 0);
    if let Some(e) = kept.iter().find(|e| same(e)) {
        return Some(e.words.clone());
    }
    kept.push(Entry { cat: Arc::downgrade(cat), product: product.to_owned(), lang, words: words.clone() });
    Some(words)
}

/// What a number or text field takes, said before anything is typed: a number's range and
/// step; a text's length, the characters that can be made, and what it costs.
fn hint(o: &crate::domain::catalog::compile::OptionSpec, currency: &str, lang: Lang) -> String {
    let zh = lang == Lang::ZhCn;
    if let Some(n) = &o.number {
        let unit = if zh { crate::domain::catalog::unit_zh(&n.unit) } else { n.unit.as_str() };
        let step = if n.step.is_zero() || n.step == rust_decimal::Decimal::ONE { String::new() } else if zh { format!("，步长 {} {unit}", n.step.normalize()) } else { format!(", in steps of {} {unit}", n.step.normalize()) };
        return format!("{}–{} {unit}{step}", n.min.normalize(), n.max.normalize());
    }
    let Some(t) = &o.text else { return String::new() };
    let has = |range: std::ops::RangeInclusive<char>| range.clone().all(|c| t.allowed.contains(&c));
    let mut kinds: Vec<String> = vec![];
    for (range, name) in [('A'..='Z', "A–Z"), ('a'..='z', "a–z"), ('0'..='9', "0–9")] {
        if has(range) {
            kinds.push(name.to_owned());
        }
    }
    let covered = |c: &char| (has('A'..='Z') && c.is_ascii_uppercase()) || (has('a'..='z') && c.is_ascii_lowercase()) || (has('0'..='9') && c.is_ascii_digit()) || *c == ' ';
    let others: String = t.allowed.iter().filter(|c| !covered(c)).map(|c| c.to_string()).collect::<Vec<_>>().join(" ");
    if t.allowed.contains(&' ') {
        kinds.push(if zh { "空格" } else { "space" }.to_owned());
    }
    if !others.is_empty() {
        kinds.push(others);
    }
    // The cost first: after the characters, its " · " read as one of them.
    let cost = if t.surcharge.is_zero() { String::new() } else { format!("+{} · ", format_amount(t.surcharge, currency, lang)) };
    if zh { format!("{cost}最多 {} 个字符：{}", t.max_len, kinds.join("、")) } else { format!("{cost}Up to {} characters: {}", t.max_len, kinds.join(", ")) }
}

fn make(cat: &CompiledCatalog, product: &str, lang: Lang) -> Option<ProductWords> {
    let p = cat.product(product)?;
    let options = p
        .options
        .iter()
        .map(|o| {
            Arc::new(OptionWords {
            code: Escaped::new(&o.code),
            name: Escaped::concat(&["o_", &o.code]),
            label: Escaped::new(o.label.text(lang)),
            hint: Escaped::new(&hint(o, &p.currency, lang)),
            values: o
                .values
                .iter()
                .map(|v| {
                    Arc::new(ValueWords {
                        code: Escaped::new(&v.code),
                        key: Escaped::concat(&[&o.code, "_", &v.code]),
                        label: Escaped::new(v.label.text(lang)),
                        surcharge: if v.surcharge.is_zero() { Escaped::default() } else { Escaped::concat(&["+", &format_amount(v.surcharge, &p.currency, lang)]) },
                    })
                })
                .collect(),
            })
        })
        .collect();
    Some(ProductWords { options })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BICYCLES: &str = include_str!("../../catalog/bicycles.toml");

    fn road() -> Arc<CompiledCatalog> {
        Arc::new(CompiledCatalog::compile("bicycles.toml", BICYCLES).unwrap_or_else(|e| panic!("{e:?}")))
    }

    #[test]
    fn words_are_made_once_per_catalog_product_and_language() {
        let cat = road();
        let (a, b) = (of(&cat, "road", Lang::En), of(&cat, "road", Lang::En));
        assert!(matches!((&a, &b), (Some(a), Some(b)) if Arc::ptr_eq(a, b)));
        let zh = of(&cat, "road", Lang::ZhCn).unwrap_or_else(|| panic!("road"));
        assert!(!Arc::ptr_eq(a.as_ref().unwrap_or_else(|| panic!("road")), &zh));
        assert!(of(&cat, "no_such_product", Lang::En).is_none());
        // Another catalog with the same contents has words of its own.
        let other = road();
        let c = of(&other, "road", Lang::En).unwrap_or_else(|| panic!("road"));
        assert!(!Arc::ptr_eq(a.as_ref().unwrap_or_else(|| panic!("road")), &c));
    }

    #[test]
    fn words_are_the_catalogs_escaped_in_the_language_asked() {
        let cat = road();
        let en = of(&cat, "road", Lang::En).unwrap_or_else(|| panic!("road"));
        let zh = of(&cat, "road", Lang::ZhCn).unwrap_or_else(|| panic!("road"));
        let p = cat.product("road").unwrap_or_else(|| panic!("road"));
        assert_eq!(en.options.len(), p.options.len());
        for ((o, e), z) in p.options.iter().zip(&en.options).zip(&zh.options) {
            assert_eq!(e.code.as_str(), Escaped::new(&o.code).as_str());
            assert_eq!(e.name.as_str(), format!("o_{}", e.code));
            assert_eq!(e.label, Escaped::new(&o.label.en));
            assert_eq!(z.label, Escaped::new(&o.label.zh));
            for (v, w) in o.values.iter().zip(&e.values) {
                assert_eq!(w.key.as_str(), format!("{}_{}", o.code, v.code));
                assert_eq!(w.label, Escaped::new(&v.label.en));
                assert_eq!(w.surcharge.as_str().is_empty(), v.surcharge.is_zero(), "{}", v.code);
                assert!(w.surcharge.as_str().is_empty() || w.surcharge.as_str().starts_with('+'));
            }
        }
        // A field says what it takes before anything is typed (it said "≤ 16").
        let hint = |words: &ProductWords, code: &str| words.options.iter().find(|o| o.code.as_str() == code).map(|o| o.hint.as_str().to_owned()).unwrap_or_default();
        assert_eq!(hint(&en, "name_decal"), "+€15.00 · Up to 16 characters: A–Z, a–z, 0–9, space, &#39; - .");
        assert_eq!(hint(&zh, "name_decal"), "+€15.00 · 最多 16 个字符：A–Z、a–z、0–9、空格、&#39; - .");
        assert_eq!(hint(&en, "stem_length"), "70–130 mm, in steps of 10 mm");
    }
}
