//! Item-to-item recommendations ("customers who chose A also chose B"). An item is a product
//! a customer ordered (`p:road`) or a value chosen for a product (`v:road:groupset=x`).
//! Products pair across a customer's orders; values pair only within one product, which keeps
//! the pair count small whatever the catalog.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::learned::PastOrder;
use crate::domain::catalog::Choice;

/// Pairs seen fewer times than this are chance, not a pattern.
pub const MIN_TOGETHER: i64 = 2;
/// Neighbours kept per item.
pub const PER_ITEM: usize = 20;

pub fn product_item(product: &str) -> String {
    format!("p:{product}")
}

pub fn value_item(product: &str, option: &str, value: &str) -> String {
    format!("v:{product}:{option}={value}")
}

/// What an item names, for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemRef {
    Product(String),
    Value { product: String, option: String, value: String },
}

pub fn parse_item(item: &str) -> Option<ItemRef> {
    if let Some(p) = item.strip_prefix("p:") {
        return Some(ItemRef::Product(p.to_owned()));
    }
    let rest = item.strip_prefix("v:")?;
    let (product, ov) = rest.split_once(':')?;
    let (option, value) = ov.split_once('=')?;
    Some(ItemRef::Value { product: product.into(), option: option.into(), value: value.into() })
}

/// A customer's items: every product ordered and every value chosen. Collected distinct
/// first and formatted once each: a long history repeats the same few choices.
pub fn basket(orders: &[PastOrder]) -> BTreeSet<String> {
    let mut products: BTreeSet<&str> = BTreeSet::new();
    let mut values: BTreeSet<(&str, &str, &str)> = BTreeSet::new();
    for o in orders {
        products.insert(&o.product);
        for (option, choice) in &o.choices {
            match choice {
                Choice::One(v) => {
                    values.insert((&o.product, option, v));
                }
                Choice::Many(vs) => values.extend(vs.iter().map(|v| (o.product.as_str(), option.as_str(), v.as_str()))),
                Choice::Number(_) | Choice::Text(_) => {}
            }
        }
    }
    products.into_iter().map(product_item).chain(values.into_iter().map(|(p, o, v)| value_item(p, o, v))).collect()
}

fn product_of(item: &str) -> &str {
    match item.strip_prefix("v:") {
        Some(rest) => rest.split(':').next().unwrap_or(""),
        None => "",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbour {
    pub item: String,
    pub other: String,
    pub together: i64,
    /// Cosine similarity in parts per million.
    pub score_ppm: i64,
}

/// Counts pairs over customers' baskets and keeps each item's strongest neighbours.
#[derive(Default)]
pub struct Cooccurrence {
    ids: HashMap<String, u32>,
    names: Vec<String>,
    seen: Vec<i64>,
    pairs: HashMap<(u32, u32), i64>,
}

impl Cooccurrence {
    fn id(&mut self, item: &str) -> u32 {
        if let Some(i) = self.ids.get(item) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.ids.insert(item.to_owned(), i);
        self.names.push(item.to_owned());
        self.seen.push(0);
        i
    }

    pub fn add_basket(&mut self, basket: &BTreeSet<String>) {
        let ids: Vec<(u32, &str, bool)> = basket.iter().map(|i| (self.id(i), product_of(i), i.starts_with("p:"))).collect();
        for (a, pa, a_is_product) in &ids {
            self.seen[*a as usize] += 1;
            for (b, pb, b_is_product) in &ids {
                let related = if *a_is_product { *b_is_product } else { !*b_is_product && pa == pb };
                if a != b && related {
                    *self.pairs.entry((*a, *b)).or_default() += 1;
                }
            }
        }
    }

    pub fn neighbours(&self) -> Vec<Neighbour> {
        let mut by_item: BTreeMap<u32, Vec<Neighbour>> = BTreeMap::new();
        for (&(a, b), &together) in &self.pairs {
            if together < MIN_TOGETHER {
                continue;
            }
            let (na, nb) = (self.seen[a as usize] as f64, self.seen[b as usize] as f64);
            let score_ppm = (together as f64 / (na * nb).sqrt() * 1e6).round() as i64;
            by_item.entry(a).or_default().push(Neighbour {
                item: self.names[a as usize].clone(),
                other: self.names[b as usize].clone(),
                together,
                score_ppm,
            });
        }
        by_item
            .into_values()
            .flat_map(|mut v| {
                v.sort_by(|x, y| y.score_ppm.cmp(&x.score_ppm).then(x.other.cmp(&y.other)));
                v.truncate(PER_ITEM);
                v
            })
            .collect()
    }
}

/// The options a customer settled with one value (`product:option`): another value of such an
/// option is not a suggestion but a contradiction (a women's cut to a man who ordered the
/// men's twice, a rim brake to someone who chose disc brakes).
pub fn settled_options(orders: &[PastOrder]) -> BTreeSet<String> {
    orders.iter().flat_map(|o| o.choices.iter().filter(|(_, c)| matches!(c, Choice::One(_))).map(|(option, _)| format!("{}:{option}", o.product))).collect()
}

/// Items the customer does not have yet, best first: the sum of their similarity to the
/// customer's own items. Values of `settled` options (see [`settled_options`]) are left out.
pub fn recommend<'a>(own: &BTreeSet<String>, settled: &BTreeSet<String>, neighbours: impl IntoIterator<Item = &'a Neighbour>, limit: usize) -> Vec<(String, i64)> {
    let contradicts = |item: &str| item.strip_prefix("v:").and_then(|rest| rest.split_once('=')).is_some_and(|(product_option, _)| settled.contains(product_option));
    let mut score: BTreeMap<&str, i64> = BTreeMap::new();
    for n in neighbours.into_iter().filter(|n| own.contains(&n.item) && !own.contains(&n.other) && !contradicts(&n.other)) {
        *score.entry(&n.other).or_default() += n.score_ppm;
    }
    let mut out: Vec<(String, i64)> = score.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(product: &str, pairs: &[(&str, &str)]) -> PastOrder {
        PastOrder { product: product.into(), choices: pairs.iter().map(|(o, v)| ((*o).into(), Choice::One((*v).into()))).collect() }
    }

    #[test]
    fn what_similar_customers_chose_is_recommended_and_what_one_has_is_not() {
        let mut co = Cooccurrence::default();
        for _ in 0..3 {
            co.add_basket(&basket(&[order("jersey", &[("fabric", "thermal")]), order("bib", &[("pad", "endurance")])]));
        }
        co.add_basket(&basket(&[order("jersey", &[("fabric", "light")]), order("road", &[])]));
        let n = co.neighbours();
        let own = basket(&[order("jersey", &[("fabric", "thermal")])]);
        let recs = recommend(&own, &BTreeSet::new(), &n, 5);
        assert_eq!(recs.first().map(|r| r.0.as_str()), Some("p:bib"));
        assert!(recs.iter().all(|r| !own.contains(&r.0)));
        // Seen together once only: chance, not a pattern.
        assert!(recs.iter().all(|r| r.0 != "p:road"));
        // Values pair only within their product.
        assert!(n.iter().all(|x| !(x.item.starts_with("v:jersey") && x.other.starts_with("v:bib"))));

        // Another value of an option the customer settled is not suggested.
        let mut co = Cooccurrence::default();
        for _ in 0..3 {
            co.add_basket(&basket(&[order("jersey", &[("fabric", "thermal"), ("cut", "men")]), order("jersey", &[("cut", "women"), ("fabric", "light")])]));
        }
        let mine = [order("jersey", &[("fabric", "thermal"), ("cut", "men")])];
        let recs = recommend(&basket(&mine), &settled_options(&mine), &co.neighbours(), 10);
        assert!(recs.iter().all(|r| !r.0.starts_with("v:jersey:cut=") && !r.0.starts_with("v:jersey:fabric=")), "{recs:?}");
        assert!(!recommend(&basket(&mine), &BTreeSet::new(), &co.neighbours(), 10).is_empty(), "without settling they would be");
    }

    #[test]
    fn items_read_back() {
        assert_eq!(parse_item("p:road"), Some(ItemRef::Product("road".into())));
        assert_eq!(
            parse_item(&value_item("road", "groupset", "sram_rival_axs")),
            Some(ItemRef::Value { product: "road".into(), option: "groupset".into(), value: "sram_rival_axs".into() })
        );
        assert_eq!(parse_item("x"), None);
    }
}
