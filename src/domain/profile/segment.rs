//! The service segment: purchase volume × satisfaction, nine cells. Volume decides who looks
//! after the customer (one-to-one, one-to-many, self-service); satisfaction decides the aim
//! (partner, improve, correct). Both read the trailing twelve months.

use super::value_class::ValueClass;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Volume {
    High,
    Medium,
    Low,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Satisfaction {
    High,
    Medium,
    Low,
}

impl Volume {
    pub const ALL: [Volume; 3] = [Volume::High, Volume::Medium, Volume::Low];

    /// Volume is the customer's share of revenue: the Pareto class says it relative to the
    /// other customers, whatever the size of the shop.
    pub fn of(class: ValueClass) -> Volume {
        match class {
            ValueClass::A => Volume::High,
            ValueClass::B => Volume::Medium,
            ValueClass::C | ValueClass::D => Volume::Low,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Volume::High => "high",
            Volume::Medium => "medium",
            Volume::Low => "low",
        }
    }

    pub fn parse(s: &str) -> Option<Volume> {
        Volume::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Two complaints in a year, or an average rating under 3, need correcting; no complaint
/// and an average of 4 or more make a partner; everything else (including no feedback at
/// all) is to improve. The SQL classification uses the same integer rule.
pub const LOW_COMPLAINTS: i64 = 2;

impl Satisfaction {
    pub const ALL: [Satisfaction; 3] = [Satisfaction::High, Satisfaction::Medium, Satisfaction::Low];

    pub fn of(feedbacks: i64, rating_sum: i64, complaints: i64) -> Satisfaction {
        if complaints >= LOW_COMPLAINTS || (feedbacks > 0 && rating_sum < 3 * feedbacks) {
            Satisfaction::Low
        } else if complaints == 0 && feedbacks > 0 && rating_sum >= 4 * feedbacks {
            Satisfaction::High
        } else {
            Satisfaction::Medium
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::High => "high",
            Satisfaction::Medium => "medium",
            Satisfaction::Low => "low",
        }
    }

    pub fn parse(s: &str) -> Option<Satisfaction> {
        Satisfaction::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The message ids of a cell's service strategy: who serves the customer, and the aim.
pub fn strategy_keys(v: Volume, s: Satisfaction) -> (&'static str, &'static str) {
    let who = match v {
        Volume::High => "strategy-one-to-one",
        Volume::Medium => "strategy-one-to-many",
        Volume::Low => "strategy-self-service",
    };
    let aim = match s {
        Satisfaction::High => "strategy-partner",
        Satisfaction::Medium => "strategy-improve",
        Satisfaction::Low => "strategy-correct",
    };
    (who, aim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complaints_and_ratings_set_satisfaction() {
        assert_eq!(Satisfaction::of(0, 0, 0), Satisfaction::Medium, "nothing known");
        assert_eq!(Satisfaction::of(2, 9, 0), Satisfaction::High);
        assert_eq!(Satisfaction::of(2, 9, 1), Satisfaction::Medium, "a complaint stops a partner");
        assert_eq!(Satisfaction::of(2, 10, 2), Satisfaction::Low, "two complaints");
        assert_eq!(Satisfaction::of(3, 8, 0), Satisfaction::Low, "average under 3");
    }

    #[test]
    fn every_cell_has_its_own_strategy() {
        let mut seen = std::collections::BTreeSet::new();
        for v in Volume::ALL {
            for s in Satisfaction::ALL {
                seen.insert(strategy_keys(v, s));
            }
        }
        assert_eq!(seen.len(), 9);
        assert_eq!(Volume::of(ValueClass::A), Volume::High);
        assert_eq!(Volume::of(ValueClass::D), Volume::Low);
    }
}
