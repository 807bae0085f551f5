//! Suggested standing preferences: a value the customer chose again and again for the same
//! product becomes a suggestion, with its evidence ("3 of 3 road bike orders"). A one-off
//! or a rare choice never does: one unusual order must not change every future order.

use std::collections::BTreeMap;

use crate::domain::catalog::Choice;

/// A value must have been chosen in at least this many orders of the product...
pub const MIN_TIMES: usize = 2;
/// ...and in at least this share (percent) of them.
pub const MIN_SHARE_PCT: usize = 75;

/// An order that counts as the customer's choice (cancelled ones do not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastOrder {
    pub product: String,
    pub choices: BTreeMap<String, Choice>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Suggestion {
    pub product: String,
    pub option: String,
    pub value: String,
    /// Chosen in `times` of the customer's `of` orders of this product.
    pub times: usize,
    pub of: usize,
}

/// Whether `times` choices out of `of` orders are evidence enough.
pub fn is_habit(times: usize, of: usize) -> bool {
    times >= MIN_TIMES && times * 100 >= MIN_SHARE_PCT * of
}

fn chosen_values(choice: &Choice) -> Vec<&str> {
    match choice {
        Choice::One(v) => vec![v.as_str()],
        Choice::Many(vs) => vs.iter().map(String::as_str).collect(),
        // Numbers and printed texts are measurements of a moment, not habits.
        Choice::Number(_) | Choice::Text(_) => vec![],
    }
}

/// Every habit in the history, by product, option and value.
pub fn suggestions(orders: &[PastOrder]) -> Vec<Suggestion> {
    let mut per_product: BTreeMap<&str, usize> = BTreeMap::new();
    let mut counts: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for o in orders {
        *per_product.entry(&o.product).or_default() += 1;
        for (option, choice) in &o.choices {
            for value in chosen_values(choice) {
                *counts.entry((&o.product, option, value)).or_default() += 1;
            }
        }
    }
    counts
        .into_iter()
        .filter_map(|((product, option, value), times)| {
            let of = per_product.get(product).copied().unwrap_or(0);
            is_habit(times, of).then(|| Suggestion { product: product.into(), option: option.into(), value: value.into(), times, of })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn order(product: &str, pairs: &[(&str, &str)]) -> PastOrder {
        PastOrder { product: product.into(), choices: pairs.iter().map(|(o, v)| ((*o).into(), Choice::One((*v).into()))).collect() }
    }

    #[test]
    fn three_of_three_is_a_habit_and_one_is_not() {
        let history = vec![
            order("road", &[("groupset", "sram_rival_axs"), ("tyre", "t28")]),
            order("road", &[("groupset", "sram_rival_axs"), ("tyre", "t25")]),
            order("road", &[("groupset", "sram_rival_axs"), ("tyre", "t30")]),
            order("cycling_jersey", &[("fit", "race")]),
        ];
        let s = suggestions(&history);
        assert_eq!(s, vec![Suggestion { product: "road".into(), option: "groupset".into(), value: "sram_rival_axs".into(), times: 3, of: 3 }]);
    }

    fn history() -> impl Strategy<Value = Vec<PastOrder>> {
        let choice = (prop::sample::select(vec!["fit", "fabric", "zip"]), prop::sample::select(vec!["a", "b", "c"]));
        let one = (prop::sample::select(vec!["jersey", "road"]), prop::collection::vec(choice, 0..4)).prop_map(|(p, cs)| PastOrder {
            product: p.into(),
            choices: cs.into_iter().map(|(o, v)| (o.to_owned(), Choice::One(v.to_owned()))).collect(),
        });
        prop::collection::vec(one, 0..12)
    }

    proptest! {
        /// Nothing chosen once, nor in under three quarters of the product's orders, is ever
        /// suggested; and whatever is suggested carries its true count.
        #[test]
        fn rare_and_one_off_choices_are_never_promoted(orders in history()) {
            for s in suggestions(&orders) {
                let of = orders.iter().filter(|o| o.product == s.product).count();
                let times = orders.iter().filter(|o| o.product == s.product && o.choices.get(&s.option) == Some(&Choice::One(s.value.clone()))).count();
                prop_assert_eq!((s.times, s.of), (times, of));
                prop_assert!(times >= MIN_TIMES && times >= 2);
                prop_assert!(times * 100 >= 75 * of);
            }
        }

        /// One unusual order added to any history never makes its own values a suggestion.
        #[test]
        fn one_unusual_order_changes_nothing_for_its_values(mut orders in history(), product in prop::sample::select(vec!["jersey", "road"])) {
            orders.push(order(product, &[("fit", "unusual"), ("fabric", "unheard_of")]));
            prop_assert!(suggestions(&orders).iter().all(|s| !s.value.starts_with("un")));
        }
    }
}
