//! A customer's activity per calendar month, and the change each event makes to it. The
//! store adds these deltas in the event's transaction; rebuilding from history must give the
//! same rows (see the property test below and the storage test on both databases).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};

/// One customer's figures for one month (or, summed, for any period).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    pub orders: i64,
    pub revenue_minor: i64,
    pub cancellations: i64,
    pub shipped: i64,
    pub feedbacks: i64,
    pub rating_sum: i64,
    pub complaints: i64,
    pub remakes: i64,
    pub returns: i64,
    pub cost_minor: i64,
    pub last_order_at: Option<NaiveDateTime>,
}

impl Activity {
    pub fn add(&mut self, d: &Activity) {
        self.orders += d.orders;
        self.revenue_minor += d.revenue_minor;
        self.cancellations += d.cancellations;
        self.shipped += d.shipped;
        self.feedbacks += d.feedbacks;
        self.rating_sum += d.rating_sum;
        self.complaints += d.complaints;
        self.remakes += d.remakes;
        self.returns += d.returns;
        self.cost_minor += d.cost_minor;
        self.last_order_at = self.last_order_at.max(d.last_order_at);
    }

    /// The average rating in tenths (4.5 → 45), if any feedback was given.
    pub fn average_rating_tenths(&self) -> Option<i64> {
        (self.feedbacks > 0).then(|| (self.rating_sum * 10 + self.feedbacks / 2) / self.feedbacks)
    }
}

/// `YYYY-MM`: sorts as text, and is computed the same way in SQL on both databases.
pub fn month_of(t: NaiveDateTime) -> String {
    t.format("%Y-%m").to_string()
}

/// The first month of the `months`-long window that ends with the month of `today`.
pub fn window_start(today: NaiveDate, months: u32) -> String {
    let index = today.year() * 12 + today.month0() as i32 - (months as i32 - 1);
    format!("{:04}-{:02}", index.div_euclid(12), index.rem_euclid(12) + 1)
}

/// Revenue is what the shop keeps: cancelled and rejected orders bring none.
pub fn counts_as_revenue(status: &str) -> bool {
    !matches!(status, "cancelled" | "rejected")
}

pub fn order_placed(total_minor: i64, status: &str, at: NaiveDateTime) -> Activity {
    Activity {
        orders: 1,
        last_order_at: Some(at),
        ..Activity::default()
    }
    .plus(&order_status_changed(total_minor, None, status))
}

/// The change of an order's status from `old` (`None`: it did not exist) to `new`.
pub fn order_status_changed(total_minor: i64, old: Option<&str>, new: &str) -> Activity {
    let flag = |s: Option<&str>, f: &dyn Fn(&str) -> bool| i64::from(s.is_some_and(f));
    let revenue = flag(Some(new), &counts_as_revenue) - flag(old, &counts_as_revenue);
    Activity {
        revenue_minor: revenue * total_minor,
        cancellations: flag(Some(new), &|s| s == "cancelled") - flag(old, &|s| s == "cancelled"),
        shipped: flag(Some(new), &|s| s == "shipped") - flag(old, &|s| s == "shipped"),
        ..Activity::default()
    }
}

/// A remake or a return costs the shop the value of the order it is about.
pub fn contact_logged(kind: &str, rating: Option<i32>, remedy: Option<&str>, order_total_minor: Option<i64>) -> Activity {
    match kind {
        "feedback" => Activity { feedbacks: 1, rating_sum: i64::from(rating.unwrap_or(0)), ..Activity::default() },
        "complaint" => Activity {
            complaints: 1,
            remakes: i64::from(remedy == Some("remake")),
            returns: i64::from(remedy == Some("return")),
            cost_minor: if remedy.is_some() { order_total_minor.unwrap_or(0) } else { 0 },
            ..Activity::default()
        },
        _ => Activity::default(),
    }
}

impl Activity {
    fn plus(mut self, d: &Activity) -> Activity {
        self.add(d);
        self
    }
}

/// History as the rebuild reads it: the current state of orders and contacts.
#[derive(Debug, Clone)]
pub struct OrderFact {
    pub customer_id: i64,
    pub at: NaiveDateTime,
    pub total_minor: i64,
    pub status: String,
}

#[derive(Debug, Clone)]
pub struct ContactFact {
    pub customer_id: i64,
    pub at: NaiveDateTime,
    pub kind: String,
    pub rating: Option<i32>,
    pub remedy: Option<String>,
    pub order_total_minor: Option<i64>,
}

/// Monthly activity recomputed from history: the specification the SQL rebuild follows.
pub fn from_history(orders: &[OrderFact], contacts: &[ContactFact]) -> BTreeMap<(i64, String), Activity> {
    let mut out: BTreeMap<(i64, String), Activity> = BTreeMap::new();
    for o in orders {
        out.entry((o.customer_id, month_of(o.at))).or_default().add(&order_placed(o.total_minor, &o.status, o.at));
    }
    for c in contacts.iter().filter(|c| matches!(c.kind.as_str(), "feedback" | "complaint")) {
        out.entry((c.customer_id, month_of(c.at)))
            .or_default()
            .add(&contact_logged(&c.kind, c.rating, c.remedy.as_deref(), c.order_total_minor));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(day: i64) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap().and_hms_opt(12, 0, 0).unwrap() + chrono::Duration::days(day)
    }

    #[test]
    fn the_window_starts_eleven_months_before_this_one() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(window_start(d, 12), "2025-12");
        assert_eq!(window_start(d, 24), "2024-12");
        assert_eq!(window_start(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(), 1), "2026-01");
        assert_eq!(window_start(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(), 2), "2025-12");
    }

    #[test]
    fn a_cancelled_order_keeps_its_count_but_loses_its_revenue() {
        let mut a = order_placed(10_000, "placed", at(0));
        a.add(&order_status_changed(10_000, Some("placed"), "cancelled"));
        assert_eq!((a.orders, a.revenue_minor, a.cancellations), (1, 0, 1));
        assert_eq!(a, order_placed(10_000, "cancelled", at(0)));
    }

    #[test]
    fn the_average_rating_is_rounded_to_tenths() {
        let a = Activity { feedbacks: 3, rating_sum: 14, ..Activity::default() };
        assert_eq!(a.average_rating_tenths(), Some(47));
        assert_eq!(Activity::default().average_rating_tenths(), None);
    }

    #[derive(Debug, Clone)]
    enum Event {
        Place { customer: i64, day: i64, total: i64 },
        Status { order: usize, to: &'static str },
        Contact { customer: i64, day: i64, complaint: bool, rating: i32, remedy: Option<&'static str>, order: Option<usize> },
    }

    fn event() -> impl Strategy<Value = Event> {
        let status = prop::sample::select(vec!["acknowledged", "in_production", "shipped", "cancelled", "rejected"]);
        let remedy = prop::option::of(prop::sample::select(vec!["remake", "return"]));
        prop_oneof![
            (0..5i64, 0..700i64, 1..500_000i64).prop_map(|(customer, day, total)| Event::Place { customer, day, total }),
            (0..40usize, status).prop_map(|(order, to)| Event::Status { order, to }),
            (0..5i64, 0..700i64, any::<bool>(), 1..=5i32, remedy, prop::option::of(0..40usize))
                .prop_map(|(customer, day, complaint, rating, remedy, order)| Event::Contact { customer, day, complaint, rating, remedy, order }),
        ]
    }

    proptest! {
        /// Adding each event's delta as it happens gives the same months as recomputing
        /// from the final history, whatever the order of events.
        #[test]
        fn incremental_deltas_equal_the_rebuild(events in prop::collection::vec(event(), 0..80)) {
            let mut orders: Vec<OrderFact> = vec![];
            let mut contacts: Vec<ContactFact> = vec![];
            let mut kept: BTreeMap<(i64, String), Activity> = BTreeMap::new();
            for e in events {
                match e {
                    Event::Place { customer, day, total } => {
                        let o = OrderFact { customer_id: customer, at: at(day), total_minor: total, status: "placed".into() };
                        kept.entry((customer, month_of(o.at))).or_default().add(&order_placed(total, "placed", o.at));
                        orders.push(o);
                    }
                    Event::Status { order, to } => {
                        let Some(o) = orders.get_mut(order) else { continue };
                        let d = order_status_changed(o.total_minor, Some(&o.status), to);
                        kept.entry((o.customer_id, month_of(o.at))).or_default().add(&d);
                        o.status = to.into();
                    }
                    Event::Contact { customer, day, complaint, rating, remedy, order } => {
                        let kind = if complaint { "complaint" } else { "feedback" };
                        let total = order.and_then(|i| orders.get(i)).map(|o| o.total_minor);
                        let c = ContactFact {
                            customer_id: customer, at: at(day), kind: kind.into(),
                            rating: (!complaint).then_some(rating),
                            remedy: remedy.filter(|_| complaint).map(str::to_owned),
                            order_total_minor: total,
                        };
                        kept.entry((customer, month_of(c.at))).or_default()
                            .add(&contact_logged(kind, c.rating, c.remedy.as_deref(), total));
                        contacts.push(c);
                    }
                }
            }
            prop_assert_eq!(kept, from_history(&orders, &contacts));
        }
    }
}
