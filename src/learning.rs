//! Every order teaches us: the customer's figures kept with each event, the rebuild from
//! history, value classes and segments, learned preferences and recommendations. These are
//! the entry points the staff pages use and the shop can call.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Arc, PoisonError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;

use crate::domain::catalog::Choice;
use crate::domain::customer::NewContact;
use crate::domain::profile::activity::{self, Activity};
use crate::domain::profile::loyalty::PricingProfile;
use crate::domain::profile::recommend::{self, Cooccurrence, Neighbour};
use crate::domain::profile::{PastOrder, Suggestion, Thresholds, suggestions, window_start};
use crate::memo::Memo;
use crate::store::classes::{self, ClassRow};
use crate::store::learned::{self, DecisionRow};
use crate::store::orders::OrderSummary;
use crate::store::{native, Db, DbConn, StoreError, activity as activity_store, customers};

/// A contact logged on the customer page, with what it changes in the customer's figures
/// (feedback and complaints do), in the caller's transaction.
pub fn log_contact(conn: &mut DbConn, customer_id: i64, c: &NewContact, staff_id: i64, store_id: Option<i64>) -> Result<i64, StoreError> {
    let id = customers::insert_contact(conn, customer_id, c.kind.as_str(), &c.summary, c.rating, staff_id, store_id)?;
    let d = activity::contact_logged(c.kind.as_str(), c.rating, None, None);
    activity_store::record(conn, customer_id, crate::store::now(), &d)?;
    Ok(id)
}

/// Feedback or a complaint about one order (from its page); a remake or a return costs the
/// shop the order's total.
pub fn log_order_contact(conn: &mut DbConn, c: &customers::OrderContact, order_total_minor: i64) -> Result<i64, StoreError> {
    let id = customers::insert_order_contact(conn, c)?;
    let d = activity::contact_logged(c.kind, c.rating, c.remedy, Some(order_total_minor));
    activity_store::record(conn, c.customer_id, crate::store::now(), &d)?;
    Ok(id)
}

#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error("interrupted: nothing was changed")]
    Interrupted,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for RebuildError {
    fn from(e: diesel::result::Error) -> Self {
        RebuildError::Store(e.into())
    }
}

/// Customers per slice of the rebuild: the unit of progress and of interruption.
pub const REBUILD_SLICE: i64 = 5_000;

/// Recomputes every customer's monthly figures from orders and contacts, in one
/// transaction: an interruption (`stop`) or a failure leaves the previous figures intact.
/// `progress(done, of)` counts customer ids.
pub fn rebuild_all(db: &Db, stop: &AtomicBool, mut progress: impl FnMut(i64, i64)) -> Result<usize, RebuildError> {
    db.write_blocking(|conn| -> Result<usize, RebuildError> {
        activity_store::lock_history(conn)?;
        let (min, max) = activity_store::customer_id_range(conn)?;
        let rebuild = activity_store::Rebuild::begin(conn)?;
        let mut rows = 0;
        let mut from = min;
        while from <= max {
            if stop.load(Ordering::Relaxed) {
                return Err(RebuildError::Interrupted);
            }
            let to = (from + REBUILD_SLICE - 1).min(max);
            rows += rebuild.slice(conn, from, to)?;
            progress(to - min + 1, max - min + 1);
            from = to + 1;
        }
        // Ctrl-C during the last slice still rolls back: nothing is committed after it.
        if stop.load(Ordering::Relaxed) {
            return Err(RebuildError::Interrupted);
        }
        rebuild.finish(conn)?;
        Ok(rows)
    })
}

#[derive(Debug, Clone)]
pub struct ClassifyReport {
    pub customers: usize,
    pub millis: i64,
}

/// Recomputes value classes and segments of every customer (on a schedule and on demand).
pub fn classify_blocking(conn: &mut DbConn, today: NaiveDate, t: Thresholds) -> Result<ClassifyReport, StoreError> {
    let started = Instant::now();
    let (start, prev) = (window_start(today, 12), window_start(today, 24));
    let n = classes::classify_all(conn, &start, &prev, t)?;
    let curve = classes::pareto_curve(conn)?;
    let (customers, revenue) = classes::totals(conn)?;
    let millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    classes::record_run(conn, customers, revenue, &curve, t, millis)?;
    Ok(ClassifyReport { customers: n, millis })
}

pub async fn classify(db: &Db, t: Thresholds) -> Result<ClassifyReport, StoreError> {
    let today = Utc::now().date_naive();
    db.write(move |conn| classify_blocking(conn, today, t)).await
}

/// Orders read for recommendations: the most recent ones, so that the pairs follow what
/// customers choose now and the work stays bounded however long the history.
pub const NEIGHBOUR_ORDERS: i64 = 200_000;

/// Recomputes the item neighbours from the most recent orders.
pub fn refresh_neighbours(conn: &mut DbConn, max_orders: i64) -> Result<usize, StoreError> {
    use crate::store::schema::orders as o;
    let rows: Vec<(i64, String, String)> = native!(conn, |on| o::table
        .filter(o::status.ne("cancelled"))
        .order(o::id.desc())
        .limit(max_orders)
        .select((o::customer_id, o::product_code, o::configuration))
        .load(on))?;
    let mut per_customer: BTreeMap<i64, Vec<PastOrder>> = BTreeMap::new();
    for (customer, product, configuration) in rows {
        per_customer.entry(customer).or_default().push(past_order(&product, &configuration));
    }
    let mut co = Cooccurrence::default();
    for orders in per_customer.values() {
        co.add_basket(&recommend::basket(orders));
    }
    let neighbours = co.neighbours();
    Ok(learned::replace_neighbours(conn, &neighbours)?)
}

/// An order's choices as stored (`{"choices": …}`); an unreadable one counts as no choices.
pub fn past_order(product: &str, configuration: &str) -> PastOrder {
    #[derive(serde::Deserialize)]
    struct Stored {
        #[serde(default)]
        choices: BTreeMap<String, Choice>,
    }
    let choices = serde_json::from_str::<Stored>(configuration).map(|s| s.choices).unwrap_or_default();
    PastOrder { product: product.to_owned(), choices }
}

/// Whether an order counts as the customer's choice: a cancelled one does not.
pub fn counts_as_choice(o: &OrderSummary) -> bool {
    o.status != "cancelled"
}

/// Of `orders`, those that count as choices, each with what was chosen.
pub fn choices_in(orders: &[OrderSummary]) -> impl Iterator<Item = (&OrderSummary, PastOrder)> {
    orders.iter().filter(|o| counts_as_choice(o)).map(|o| (o, past_order(&o.product_code, &o.configuration)))
}

/// What the customer chose in the orders that count (not cancelled), newest first.
pub fn past_orders(conn: &mut DbConn, customer_id: i64) -> Result<Vec<PastOrder>, StoreError> {
    let orders = crate::store::orders::history_of_customer(conn, customer_id)?;
    Ok(choices_in(&orders).map(|(_, p)| p).collect())
}

/// Suggestions not decided yet, and the decisions taken.
pub struct LearnedPreferences {
    pub open: Vec<Suggestion>,
    pub decided: Vec<DecisionRow>,
}

/// `habits`: the suggestions of the customer's orders ([`Habits`]).
pub fn learned_preferences(conn: &mut DbConn, customer_id: i64, habits: &[Suggestion]) -> Result<LearnedPreferences, StoreError> {
    let decided = learned::for_customer(conn, customer_id)?;
    let open = habits
        .iter()
        .filter(|s| !decided.iter().any(|d| d.product_code == s.product && d.option_code == s.option && d.value_code == s.value))
        .cloned()
        .collect();
    Ok(LearnedPreferences { open, decided })
}

/// The choices to pre-fill for this customer and product: accepted preferences only. For
/// the staff configurator now and the shop later.
pub fn defaults_for(conn: &mut DbConn, customer_id: i64, product: &str) -> Result<BTreeMap<String, BTreeSet<String>>, StoreError> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for d in learned::accepted(conn, customer_id, product)? {
        out.entry(d.option_code).or_default().insert(d.value_code);
    }
    Ok(out)
}

/// What the customer page shows about a customer's history.
pub struct Figures {
    pub lifetime: Activity,
    pub trailing: Activity,
    pub class: Option<ClassRow>,
}

/// `class`: the customer's value class ([`classes::find`]), which the customer page reads with
/// the customer.
pub fn figures(conn: &mut DbConn, customer_id: i64, today: NaiveDate, class: Option<ClassRow>) -> Result<Figures, StoreError> {
    let start = window_start(today, 12);
    let (mut lifetime, mut trailing) = (Activity::default(), Activity::default());
    for row in activity_store::of_customer(conn, customer_id)? {
        let a = row.activity();
        lifetime.add(&a);
        if row.month >= start {
            trailing.add(&a);
        }
    }
    Ok(Figures { lifetime, trailing, class })
}

/// Recommendations for a customer: items similar customers chose, split into those that
/// help configure what the customer already orders and cross-selling, which is marketing
/// and only offered with consent.
pub struct Recommendations {
    pub options: Vec<(String, i64)>,
    pub products: Vec<(String, i64)>,
}

/// From the customer's [`Habits`]: their items, and the options they settled.
pub fn recommendations_for(conn: &mut DbConn, memo: &ProfileMemo, habits: &Habits, marketing_ok: bool, limit: usize) -> Result<Recommendations, StoreError> {
    let own = &habits.basket;
    if own.is_empty() {
        return Ok(Recommendations { options: vec![], products: vec![] });
    }
    let neighbours = memo.neighbours_of(conn, own)?;
    let all = recommend::recommend(own, &habits.settled, neighbours.iter().flat_map(|n| n.iter()), limit * 4);
    let (products, options): (Vec<_>, Vec<_>) = all.into_iter().partition(|(item, _)| item.starts_with("p:"));
    Ok(Recommendations {
        options: options.into_iter().take(limit).collect(),
        products: if marketing_ok { products.into_iter().take(limit).collect() } else { vec![] },
    })
}

/// What a customer's orders say by themselves: the habits that may become standing
/// preferences, and the items (products ordered, values chosen) recommendations start from.
#[derive(Debug, PartialEq, Eq)]
pub struct Habits {
    pub suggestions: Vec<Suggestion>,
    pub basket: BTreeSet<String>,
    /// Options chosen with one value (`product:option`), whose other values are no suggestion.
    pub settled: BTreeSet<String>,
}

impl Habits {
    pub fn of(orders: &[PastOrder]) -> Self {
        Self { suggestions: suggestions(orders), basket: recommend::basket(orders), settled: recommend::settled_options(orders) }
    }
}

/// At most this many customers' habits are kept (a few kB each); past it, all of them go: a
/// bound on memory, and more customers than a shop's fitters open in a day.
const HABITS_KEPT: usize = 4_096;

/// What the profiles read, kept in memory.
/// - Each item's neighbours (see [`crate::memo`]): the same for every customer who has the
///   item, and replaced only by the scheduled refresh (topic `Learned`). Reading them for each
///   profile was an eighth of the customer page.
/// - Each customer's [`Habits`], with a fingerprint of the orders they were learned from (the
///   product and the stored choices of every order that counts). Reading the stored choices
///   again and learning from them was a third of the customer page; the fingerprint costs a
///   small fraction of that. These cannot go stale: other orders give another fingerprint, so
///   no change has to be announced and no time limit applies. They hold only catalog codes,
///   nothing a customer typed (printed texts and numbers are not habits).
pub struct ProfileMemo {
    neighbours: Memo<String, Arc<[Neighbour]>>,
    seed: foldhash::quality::RandomState,
    habits: std::sync::RwLock<HashMap<i64, (u64, Arc<Habits>)>>,
}

impl ProfileMemo {
    pub fn new(ttl: std::time::Duration) -> Self {
        Self { neighbours: Memo::new(crate::store::epoch::Topic::Learned, ttl), seed: Default::default(), habits: Default::default() }
    }

    /// The habits in `orders`, the customer's whole history.
    pub fn habits(&self, customer_id: i64, orders: &[OrderSummary]) -> Arc<Habits> {
        let counted = || orders.iter().filter(|o| counts_as_choice(o));
        let mut h = self.seed.build_hasher();
        for o in counted() {
            (&o.product_code, &o.configuration).hash(&mut h);
        }
        let fingerprint = h.finish();
        let kept = self.habits.read().unwrap_or_else(PoisonError::into_inner).get(&customer_id).cloned();
        if let Some((seen, habits)) = kept
            && seen == fingerprint
        {
            return habits;
        }
        let past: Vec<PastOrder> = counted().map(|o| past_order(&o.product_code, &o.configuration)).collect();
        let habits = Arc::new(Habits::of(&past));
        let mut kept = self.habits.write().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= HABITS_KEPT && !kept.contains_key(&customer_id) {
            kept.clear();
        }
        kept.insert(customer_id, (fingerprint, habits.clone()));
        habits
    }

    /// The neighbours of each of `items` (an item without any has an empty list), those not
    /// in memory read in one query.
    fn neighbours_of(&self, conn: &mut DbConn, items: &BTreeSet<String>) -> Result<Vec<Arc<[Neighbour]>>, StoreError> {
        let stamp = self.neighbours.stamp();
        let mut found = Vec::with_capacity(items.len());
        let mut missing: BTreeMap<String, Vec<Neighbour>> = BTreeMap::new();
        for item in items {
            match self.neighbours.get(item.as_str()) {
                Some(kept) => found.push(kept),
                None => {
                    missing.insert(item.clone(), vec![]);
                }
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let asked: Vec<String> = missing.keys().cloned().collect();
        for n in learned::neighbours_of(conn, &asked)? {
            if let Some(list) = missing.get_mut(&n.item) {
                list.push(n);
            }
        }
        for (item, list) in missing {
            let list: Arc<[Neighbour]> = list.into();
            self.neighbours.keep(item, list.clone(), stamp);
            found.push(list);
        }
        Ok(found)
    }
}

/// Runs the classification and the neighbours every `every` (the first run one period after
/// start-up: the last results are stored, and a restart should not compete with the first
/// requests). A missed run is only late, and each run replaces the last whole, so repeating
/// one is harmless.
pub fn spawn_schedule(db: Db, t: Thresholds, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            tick.tick().await;
            match classify(&db, t).await {
                Ok(r) => tracing::info!(customers = r.customers, millis = r.millis, "value classes recomputed"),
                Err(e) => tracing::warn!(error = %e, "value classes not recomputed"),
            }
            let refreshed = db.write(|conn| refresh_neighbours(conn, NEIGHBOUR_ORDERS)).await;
            if let Err(e) = refreshed {
                tracing::warn!(error = %e, "recommendations not refreshed");
            }
        }
    });
}

/// What pricing knows about the customer: the input [`price_for`] must never let raise a
/// price (see its property test).
///
/// [`price_for`]: crate::domain::profile::loyalty::price_for
pub fn pricing_profile(conn: &mut DbConn, customer_id: i64) -> Result<PricingProfile, StoreError> {
    let orders = activity_store::of_customer(conn, customer_id)?.iter().map(|r| r.orders).sum();
    let class = classes::find(conn, customer_id)?;
    Ok(profile_of(orders, class.as_ref().map(|c| (c.value_class.as_str(), c.volume.as_str(), c.satisfaction.as_str()))))
}

/// A pricing profile from the customer's order count and, once classified, its value class,
/// volume and satisfaction (what [`pricing_profile`] reads, or a caller read in its own query).
pub fn profile_of(orders: i64, class: Option<(&str, &str, &str)>) -> PricingProfile {
    use crate::domain::profile::{Satisfaction, ValueClass, Volume};
    let mut p = PricingProfile { orders, ..PricingProfile::new_customer() };
    if let Some((value_class, volume, satisfaction)) = class {
        p.value_class = ValueClass::parse(value_class).unwrap_or(p.value_class);
        p.volume = Volume::parse(volume).unwrap_or(p.volume);
        p.satisfaction = Satisfaction::parse(satisfaction).unwrap_or(p.satisfaction);
    }
    p
}

/// Planner statistics after a bulk load, so that the rebuild's plans fit the data.
pub fn analyze(conn: &mut DbConn) -> Result<(), StoreError> {
    native!(conn, |on| diesel::sql_query("ANALYZE").execute(on))?;
    Ok(())
}

/// For the command line: the stop flag is shared with a Ctrl-C handler.
pub fn stop_flag() -> Arc<AtomicBool> {
    Arc::new(AtomicBool::new(false))
}

/// Contacts on an order, for its page.
pub fn order_contacts(conn: &mut DbConn, order_id: i64) -> Result<Vec<(customers::ContactRow, Option<String>)>, StoreError> {
    Ok(customers::contacts_of_order(conn, order_id)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: i64, status: &str, frame: &str, decal: &str) -> OrderSummary {
        OrderSummary {
            id,
            reference: format!("R{id}"),
            store_id: None,
            product_code: "road".into(),
            configuration: format!(r#"{{"choices":{{"frame_size":{{"one":"{frame}"}},"name_decal":{{"text":"{decal}"}}}},"measurements":{{}}}}"#),
            currency: "EUR".into(),
            total_minor: 100,
            status: status.into(),
            placed_by_staff_id: None,
            created_at: chrono::DateTime::from_timestamp(id, 0).unwrap_or_default().naive_utc(),
        }
    }

    fn learned_anew(orders: &[OrderSummary]) -> Habits {
        Habits::of(&choices_in(orders).map(|(_, p)| p).collect::<Vec<_>>())
    }

    #[test]
    fn habits_are_kept_while_the_orders_are_the_same_and_learned_again_when_they_change() {
        let memo = ProfileMemo::new(std::time::Duration::from_secs(60));
        let mut orders = vec![order(1, "placed", "s56", "MEI"), order(2, "placed", "s56", "MEI")];
        let first = memo.habits(7, &orders);
        assert_eq!(*first, learned_anew(&orders));
        assert_eq!(first.suggestions.len(), 1, "s56 twice in two orders is a habit");
        assert!(Arc::ptr_eq(&first, &memo.habits(7, &orders)), "the same orders: kept");

        // A cancelled order does not count, so changing it changes nothing.
        type Change = fn(&mut Vec<OrderSummary>);
        let changes: [(Change, bool); 5] = [
            (|o| o.push(order(3, "placed", "s54", "MEI")), true),
            (|o| o[0].status = "cancelled".into(), true),
            (|o| o[0].product_code = "gravel".into(), false),
            (|o| o[1].configuration = o[1].configuration.replace("s56", "s58"), true),
            (|o| o[1].product_code = "gravel".into(), true),
        ];
        for (i, (change, counts)) in changes.into_iter().enumerate() {
            let before = memo.habits(7, &orders);
            change(&mut orders);
            let after = memo.habits(7, &orders);
            assert_eq!(!Arc::ptr_eq(&before, &after), counts, "change {i}: learned again only when what counts changed");
            assert_eq!(*after, learned_anew(&orders));
        }
        assert_eq!(*memo.habits(8, &[]), learned_anew(&[]), "each customer has their own");
    }

    #[test]
    fn kept_habits_hold_no_text_the_customer_typed() {
        let memo = ProfileMemo::new(std::time::Duration::from_secs(60));
        let orders = [order(1, "placed", "s56", "MARKER-42"), order(2, "placed", "s56", "MARKER-42")];
        let habits = memo.habits(7, &orders);
        assert!(!habits.basket.is_empty());
        let kept = format!("{habits:?}");
        assert!(!kept.contains("MARKER-42"), "{kept}");
    }

    #[test]
    fn kept_habits_stay_bounded() {
        let memo = ProfileMemo::new(std::time::Duration::from_secs(60));
        for id in 0..(HABITS_KEPT as i64 + 5) {
            memo.habits(id, &[]);
        }
        assert!(memo.habits.read().map(|h| h.len()).unwrap_or(0) <= HABITS_KEPT);
    }
}
