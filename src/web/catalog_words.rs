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
            hint: Escaped::new(
                &o.number
                    .as_ref()
                    .map(|n| format!("{}–{} {}", n.min, n.max, n.unit))
                    .or_else(|| o.text.as_ref().map(|t| format!("≤ {}", t.max_len)))
                    .unwrap_or_default(),
            ),
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
    }
}
