//! Value classes by Pareto: customers ranked by net value over the trailing twelve months
//! (revenue less what remakes and returns cost). A = those who together make the first
//! `a_pct` % of the total, B = the next ones up to `b_pct` %, C = the rest with a positive
//! net value, D = none or a net cost. The store runs the same rule in SQL over all customers;
//! this is its specification, and the test that compares them.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValueClass {
    A,
    B,
    C,
    D,
}

impl ValueClass {
    pub const ALL: [ValueClass; 4] = [ValueClass::A, ValueClass::B, ValueClass::C, ValueClass::D];

    pub fn as_str(self) -> &'static str {
        match self {
            ValueClass::A => "A",
            ValueClass::B => "B",
            ValueClass::C => "C",
            ValueClass::D => "D",
        }
    }

    pub fn parse(s: &str) -> Option<ValueClass> {
        ValueClass::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for ValueClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Cumulative shares of revenue (in percent) that close class A and class B.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub a_pct: u8,
    pub b_pct: u8,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { a_pct: 80, b_pct: 95 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("value class thresholds must be two percentages A,B with 0 < A <= B <= 100 (e.g. 80,95), not `{0}`")]
pub struct ThresholdsError(pub String);

impl Thresholds {
    /// `"80,95"`.
    pub fn parse(s: &str) -> Result<Thresholds, ThresholdsError> {
        let err = || ThresholdsError(s.to_owned());
        let (a, b) = s.split_once(',').ok_or_else(err)?;
        let a: u8 = a.trim().parse().map_err(|_| err())?;
        let b: u8 = b.trim().parse().map_err(|_| err())?;
        if a == 0 || a > b || b > 100 {
            return Err(err());
        }
        Ok(Thresholds { a_pct: a, b_pct: b })
    }
}

/// The class of a customer whose higher-ranked peers together hold `before` of `total`
/// (both net values in minor units), given the customer's own net value.
pub fn class_at(net: i64, before: i128, total: i128, t: Thresholds) -> ValueClass {
    if net <= 0 || total <= 0 {
        ValueClass::D
    } else if before * 100 < i128::from(t.a_pct) * total {
        ValueClass::A
    } else if before * 100 < i128::from(t.b_pct) * total {
        ValueClass::B
    } else {
        ValueClass::C
    }
}

/// Classes for `(customer id, net value)`, ranked by net value, then by id for ties.
pub fn classify(customers: &[(i64, i64)], t: Thresholds) -> Vec<(i64, ValueClass)> {
    let mut ranked: Vec<(i64, i64)> = customers.to_vec();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let total: i128 = ranked.iter().filter(|c| c.1 > 0).map(|c| i128::from(c.1)).sum();
    let mut before: i128 = 0;
    ranked
        .into_iter()
        .map(|(id, net)| {
            let class = class_at(net, before, total, t);
            if net > 0 {
                before += i128::from(net);
            }
            (id, class)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_few_who_make_most_of_the_revenue_are_a() {
        // 100 + 50 + 30 + 15 + 5 = 200. Whoever starts below 80 % (160) is A, so the one who
        // crosses it (30, starting at 150) is too; B starts below 95 % (190).
        let c = classify(&[(1, 100), (2, 50), (3, 30), (4, 15), (5, 5), (6, 0), (7, -20)], Thresholds::default());
        let class = |id| c.iter().find(|x| x.0 == id).unwrap().1;
        assert_eq!([class(1), class(2), class(3), class(4), class(5)], [ValueClass::A, ValueClass::A, ValueClass::A, ValueClass::B, ValueClass::C]);
        assert_eq!(class(6), ValueClass::D, "no revenue");
        assert_eq!(class(7), ValueClass::D, "a net cost");
    }

    #[test]
    fn thresholds_are_read_and_checked() {
        assert_eq!(Thresholds::parse("70, 90"), Ok(Thresholds { a_pct: 70, b_pct: 90 }));
        assert!(Thresholds::parse("90,70").is_err());
        assert!(Thresholds::parse("80").is_err());
        assert!(Thresholds::parse("0,50").is_err());
        assert!(Thresholds::parse("80,101").is_err());
    }

    proptest! {
        #[test]
        fn classes_follow_the_ranking(values in prop::collection::vec(-1000i64..100_000, 1..60)) {
            let customers: Vec<(i64, i64)> = values.iter().enumerate().map(|(i, v)| (i as i64, *v)).collect();
            let classes = classify(&customers, Thresholds::default());
            prop_assert_eq!(classes.len(), customers.len());
            let net = |id: i64| customers[id as usize].1;
            // Nobody with more net value is in a lower class than somebody with less.
            for w in classes.windows(2) {
                prop_assert!(w[0].1 <= w[1].1, "{:?} then {:?}", w[0], w[1]);
            }
            for (id, class) in &classes {
                prop_assert_eq!(*class == ValueClass::D, net(*id) <= 0);
            }
            // A never holds less than 80 % of a positive total, unless it is everybody.
            let total: i64 = customers.iter().map(|c| c.1.max(0)).sum();
            let a: i64 = classes.iter().filter(|c| c.1 == ValueClass::A).map(|c| net(c.0)).sum();
            if total > 0 {
                prop_assert!(a * 100 >= 80 * total);
                prop_assert!(classes.iter().any(|c| c.1 == ValueClass::A));
            }
        }
    }
}
