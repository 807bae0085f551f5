//! Generated demo and load-test data. Rows go in whole batches, each in one transaction: an
//! interrupted run leaves complete batches and nothing half-written.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use diesel::prelude::*;

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::domain::catalog::{Choice, CompiledCatalog, Configuration, OptionKind, Repair};
use crate::domain::measurement::median_person;
use crate::domain::customer::phone_digits;
use crate::domain::money::to_minor;
use crate::store::customers::NewCustomer;
use crate::store::{Db, DbConn, StoreError, native, now};

const GIVEN: &[&str] = &[
    "Ana", "José", "María", "Lucía", "Jürgen", "Müge", "Søren", "Zoë", "François", "Chloé", "Łukasz", "Ágnes",
    "John", "Emma", "Olivia", "Noah", "Liam", "Sophie", "Mateo", "Ingrid", "Björn", "Kai", "Aisha", "Omar",
    "Wei", "Li", "Mei", "Hiroshi", "Yuki", "Priya", "Arjun", "Fatma", "Mehmet", "Giulia", "Luca", "Nora",
];
const FAMILY: &[&str] = &[
    "Silva", "García", "Müller", "Schmidt", "Johnson", "Smith", "Nguyen", "Kowalski", "Novák", "Østergaard",
    "Dubois", "Lefèvre", "Rossi", "Bianchi", "Andersson", "Yılmaz", "Öztürk", "Papadopoulos", "Tanaka",
    "Suzuki", "Kim", "Park", "Patel", "Singh", "O'Brien", "MacLeod", "van der Berg", "de Jong", "Fernández",
];
const CHINESE: &[&str] = &["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄丽", "周杰", "吴婷"];

/// Order histories to generate with the customers: `orders` in all, spread unevenly (a few
/// customers order much more than most), with feedback and complaints.
#[derive(Debug, Clone, Default)]
pub struct Histories {
    pub orders: usize,
    /// The current catalogs, compiled, with their version ids.
    pub catalogs: Vec<(i64, Arc<CompiledCatalog>)>,
}

/// What a run inserted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generated {
    pub customers: usize,
    pub orders: usize,
    pub contacts: usize,
}

/// Inserts `count` generated customers (and their histories) in batches; calls
/// `progress(customers done)` after each batch. Stops after the current batch once `stop`
/// is set.
pub fn customers(
    db: &Db,
    count: usize,
    seed: u64,
    histories: &Histories,
    stop: Arc<AtomicBool>,
    mut progress: impl FnMut(usize),
) -> Result<Generated, StoreError> {
    const BATCH: usize = 1000;
    let mut rng = StdRng::seed_from_u64(seed);
    let menu = Menu::new(&histories.catalogs);
    let mut done = Generated::default();
    let mut planned = 0;
    while done.customers < count && !stop.load(Ordering::Relaxed) {
        let n = BATCH.min(count - done.customers);
        let people: Vec<Person> = (0..n).map(|i| person(&mut rng, seed, done.customers + i)).collect();
        // Each batch takes its share of the orders asked for, so that a whole run makes
        // exactly that many (and an interrupted one its share so far).
        let share = (histories.orders as u128 * (done.customers + n) as u128 / count as u128) as usize;
        let order_counts = spread(&mut rng, n, share - planned);
        planned = share;
        let batch = db.write_blocking(|conn| -> Result<Generated, StoreError> {
            let ids = insert_people(conn, &people)?;
            let mut g = Generated { customers: ids.len(), ..Generated::default() };
            if !menu.is_empty() {
                let (o, c) = insert_histories(conn, &mut rng, &menu, seed, &ids, &order_counts)?;
                g.orders = o;
                g.contacts = c;
            }
            Ok(g)
        })?;
        done.customers += batch.customers;
        done.orders += batch.orders;
        done.contacts += batch.contacts;
        progress(done.customers);
    }
    Ok(done)
}

struct Person {
    reference: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    consent: bool,
}

/// Inserts in one statement per backend (multi-row inserts exist only per backend) and
/// returns the new ids in insertion order.
fn insert_people(conn: &mut DbConn, people: &[Person]) -> Result<Vec<i64>, StoreError> {
    use crate::store::schema::customers as c;
    let at = now();
    let digits: Vec<Option<String>> = people.iter().map(|p| p.phone.as_deref().and_then(phone_digits)).collect();
    let rows: Vec<NewCustomer> = people
        .iter()
        .zip(&digits)
        .map(|(p, d)| NewCustomer {
            reference: &p.reference,
            name: &p.name,
            email: p.email.as_deref(),
            phone: p.phone.as_deref(),
            phone_digits: d.as_deref(),
            home_store_id: None,
            marketing_consent: p.consent,
            consent_changed_at: p.consent.then_some(at),
            preferred_channel: if p.email.is_some() { "email" } else { "phone" },
            created_by_staff_id: None,
            created_at: at,
            updated_at: at,
        })
        .collect();
    let before: Option<i64> = native!(conn, |on| c::table.select(diesel::dsl::max(c::id)).first(on))?;
    let insert = diesel::insert_into(c::table).values(&rows);
    native!(conn, |on| insert.execute(on))?;
    Ok(native!(conn, |on| c::table.filter(c::id.gt(before.unwrap_or(0))).order(c::id.asc()).select(c::id).load(on))?)
}

/// `total` orders over `people` customers, unevenly: each customer's share is drawn from an
/// exponential distribution, so that revenue concentrates as it does in a real shop; the
/// shares are rounded by largest remainder so that they add up to `total` exactly.
fn spread(rng: &mut StdRng, people: usize, total: usize) -> Vec<usize> {
    if people == 0 {
        return vec![];
    }
    let weights: Vec<f64> = (0..people).map(|_| -rng.random_range(f64::EPSILON..1.0f64).ln()).collect();
    let sum: f64 = weights.iter().sum();
    let ideal: Vec<f64> = weights.iter().map(|w| w / sum * total as f64).collect();
    let mut counts: Vec<usize> = ideal.iter().map(|x| x.floor() as usize).collect();
    let mut by_remainder: Vec<usize> = (0..people).collect();
    by_remainder.sort_by(|&a, &b| (ideal[b] - ideal[b].floor()).total_cmp(&(ideal[a] - ideal[a].floor())));
    let short = total.saturating_sub(counts.iter().sum());
    for &i in by_remainder.iter().cycle().take(short) {
        counts[i] += 1;
    }
    counts
}

/// The products on offer, each with configurations a customer could have ordered.
struct Menu {
    products: Vec<MenuProduct>,
}

struct MenuProduct {
    version_id: i64,
    code: String,
    currency: String,
    /// Distinct configurations the engine accepts, each with its price.
    configurations: Vec<Priced>,
}

struct Priced {
    /// `{"choices": …}` as orders keep them (the generated customers have no measurements).
    configuration: String,
    breakdown: String,
    /// Subtotal, tax and total in minor units.
    minor: (i64, i64, i64),
}

/// Tried per product for its configurations: the demo catalogs give a dozen or more distinct
/// valid ones from this many.
const TRIES: usize = 48;

impl Menu {
    /// Each product's configurations are drawn value by value and then made valid by the
    /// engine's repair for a median body, so that an order is one a customer could have placed
    /// (drawn freely, rim brakes came with disc wheels), priced by the engine at 20 % tax, as
    /// in the demo store.
    fn new(catalogs: &[(i64, Arc<CompiledCatalog>)]) -> Menu {
        let body: BTreeMap<String, i64> = median_person().into_iter().map(|(m, v)| (m.code().to_owned(), i64::from(v))).collect();
        let tax = Decimal::new(20, 2);
        let mut rng = StdRng::seed_from_u64(0x6d65_6e75);
        let mut products = vec![];
        for (version_id, c) in catalogs {
            for p in c.products() {
                let mut configurations: Vec<Priced> = vec![];
                for _ in 0..TRIES {
                    let choices = p
                        .options
                        .iter()
                        .filter(|o| matches!(o.kind, OptionKind::Single) && !o.values.is_empty())
                        .map(|o| (o.code.clone(), Choice::One(o.values[rng.random_range(0..o.values.len())].code.clone())))
                        .collect();
                    let drawn = Configuration { product: p.code.clone(), choices, measurements: body.clone() };
                    let cfg = match c.repair(&drawn) {
                        Ok(Repair::AlreadyValid) => drawn,
                        Ok(Repair::Changes { changes, .. }) => crate::orders::with_choices_changed(&drawn, changes.iter().map(|ch| (ch.option.as_str(), ch.to.as_ref()))),
                        _ => continue,
                    };
                    let (Ok(v), Ok(price)) = (c.validate(&cfg), c.price(&cfg, tax)) else { continue };
                    let minor = (to_minor(price.subtotal, &price.currency), to_minor(price.tax, &price.currency), to_minor(price.total, &price.currency));
                    let (true, (Ok(sub), Ok(t), Ok(total))) = (v.valid, minor) else { continue };
                    let configuration = serde_json::json!({ "choices": cfg.choices }).to_string();
                    if configurations.iter().any(|x| x.configuration == configuration) {
                        continue;
                    }
                    let breakdown = serde_json::to_string(&price).unwrap_or_else(|_| "{}".into());
                    configurations.push(Priced { configuration, breakdown, minor: (sub, t, total) });
                }
                if !configurations.is_empty() {
                    products.push(MenuProduct { version_id: *version_id, code: p.code.clone(), currency: p.currency.clone(), configurations });
                }
            }
        }
        Menu { products }
    }

    fn is_empty(&self) -> bool {
        self.products.is_empty()
    }
}

/// Orders with the customer's own habits (mostly the same value per option, sometimes not),
/// spread over the last three years; feedback on about a third, complaints on a few.
fn insert_histories(conn: &mut DbConn, rng: &mut StdRng, menu: &Menu, seed: u64, ids: &[i64], counts: &[usize]) -> Result<(usize, usize), StoreError> {
    use crate::store::schema::{customer_contacts as cc, orders as o};
    let now = now();
    struct Row {
        customer: i64,
        reference: String,
        product: usize,
        configuration: usize,
        status: &'static str,
        at: chrono::NaiveDateTime,
    }
    let mut rows: Vec<Row> = vec![];
    for (customer, n) in ids.iter().zip(counts) {
        // Mostly the same configuration of a favourite product, sometimes another.
        let favourites = [rng.random_range(0..menu.products.len()), rng.random_range(0..menu.products.len())];
        let habits: Vec<usize> = menu.products.iter().map(|p| rng.random_range(0..p.configurations.len())).collect();
        for k in 0..*n {
            let pi = favourites[usize::from(rng.random_ratio(1, 4))];
            let configuration = if rng.random_ratio(4, 5) { habits[pi] } else { rng.random_range(0..menu.products[pi].configurations.len()) };
            let status = match rng.random_range(0..100) {
                0..=5 => "cancelled",
                6 => "rejected",
                7..=12 => "in_production",
                _ => "shipped",
            };
            rows.push(Row {
                customer: *customer,
                reference: format!("G{seed:X}-{customer}-{k}"),
                product: pi,
                configuration,
                status,
                at: now - chrono::Duration::minutes(rng.random_range(0..3 * 365 * 24 * 60)),
            });
        }
    }
    let mut order_ids: Vec<(i64, i64, chrono::NaiveDateTime, &'static str, i64)> = vec![];
    for chunk in rows.chunks(1000) {
        let values: Vec<_> = chunk
            .iter()
            .map(|r| {
                let p = &menu.products[r.product];
                let c = &p.configurations[r.configuration];
                (
                    o::reference.eq(&r.reference),
                    o::customer_id.eq(r.customer),
                    o::catalog_version_id.eq(p.version_id),
                    o::product_code.eq(&p.code),
                    o::configuration.eq(&c.configuration),
                    o::currency.eq(&p.currency),
                    o::subtotal_minor.eq(c.minor.0),
                    o::tax_minor.eq(c.minor.1),
                    o::total_minor.eq(c.minor.2),
                    o::price_breakdown.eq(&c.breakdown),
                    o::spec_hash.eq(""),
                    o::status.eq(r.status),
                    o::ship_to.eq("{}"),
                    (o::idempotency_key.eq(&r.reference), o::created_at.eq(r.at), o::updated_at.eq(r.at)),
                )
            })
            .collect();
        let before: Option<i64> = native!(conn, |on| o::table.select(diesel::dsl::max(o::id)).first(on))?;
        let insert = diesel::insert_into(o::table).values(values);
        native!(conn, |on| insert.execute(on))?;
        let new_ids: Vec<i64> = native!(conn, |on| o::table.filter(o::id.gt(before.unwrap_or(0))).order(o::id.asc()).select(o::id).load(on))?;
        order_ids.extend(new_ids.into_iter().zip(chunk).map(|(id, r)| (id, r.customer, r.at, r.status, menu.products[r.product].configurations[r.configuration].minor.2)));
    }
    let mut contacts = vec![];
    for (order_id, customer, at, status, _) in order_ids.iter().filter(|x| x.3 == "shipped") {
        let when = *at + chrono::Duration::days(rng.random_range(14..40));
        if when > now {
            continue;
        }
        match rng.random_range(0..100) {
            0..=29 => {
                let rating = [5, 5, 5, 4, 4, 4, 3, 2, 1][rng.random_range(0..9)];
                contacts.push((*customer, *order_id, "feedback", Some(rating), None, None, when, *status));
            }
            30..=34 => {
                let remedy = match rng.random_range(0..10) {
                    0..=2 => Some("remake"),
                    3..=4 => Some("return"),
                    _ => None,
                };
                let state = if rng.random_ratio(7, 10) { "resolved" } else { "open" };
                contacts.push((*customer, *order_id, "complaint", None, remedy, Some(state), when, *status));
            }
            _ => {}
        }
    }
    for chunk in contacts.chunks(1000) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(customer, order, kind, rating, remedy, state, when, _)| {
                (
                    cc::customer_id.eq(*customer),
                    cc::order_id.eq(Some(*order)),
                    cc::kind.eq(*kind),
                    cc::summary.eq(if *kind == "complaint" { "Generated complaint" } else { "" }),
                    cc::rating.eq(*rating),
                    cc::remedy.eq(*remedy),
                    cc::status.eq(*state),
                    cc::resolved_at.eq(state.filter(|s| *s == "resolved").map(|_| *when)),
                    cc::at.eq(*when),
                )
            })
            .collect();
        let insert = diesel::insert_into(cc::table).values(values);
        native!(conn, |on| insert.execute(on))?;
    }
    Ok((order_ids.len(), contacts.len()))
}

fn person(rng: &mut StdRng, seed: u64, i: usize) -> Person {
    let name = if rng.random_ratio(1, 10) {
        CHINESE[rng.random_range(0..CHINESE.len())].to_owned()
    } else {
        format!("{} {}", GIVEN[rng.random_range(0..GIVEN.len())], FAMILY[rng.random_range(0..FAMILY.len())])
    };
    // References from the run's seed and the row number: unique, and never like a real one.
    let reference = format!("GEN-{seed:X}-{i:07}");
    let ascii: String = deunicode::deunicode(&name).to_lowercase().split_whitespace().collect::<Vec<_>>().join(".");
    let email = (!rng.random_ratio(1, 5)).then(|| format!("{ascii}{i}@example.com"));
    let phone = (email.is_none() || rng.random_ratio(1, 2))
        .then(|| format!("+44 7{:03} {:06}", rng.random_range(0..1000), rng.random_range(0..1_000_000)));
    let consent = rng.random_ratio(1, 3);
    Person { reference, name, email, phone, consent }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_are_spread_to_exactly_the_number_asked_for() {
        let mut rng = StdRng::seed_from_u64(7);
        for (people, total) in [(1000, 3), (1000, 0), (20, 300), (1, 5), (1000, 2500)] {
            let counts = spread(&mut rng, people, total);
            assert_eq!((counts.len(), counts.iter().sum::<usize>()), (people, total), "{people} people, {total} orders");
        }
        // Uneven: the busiest tenth of 1000 customers places far more than a tenth of 5000 orders.
        let mut counts = spread(&mut rng, 1000, 5000);
        counts.sort_unstable_by(|a, b| b.cmp(a));
        assert!(counts[..100].iter().sum::<usize>() > 1000, "{:?}", &counts[..10]);
    }

    /// Generated orders are ones a customer could have placed: each configuration is valid by
    /// the engine, priced by it, and there are several per product to choose among.
    #[test]
    fn generated_orders_are_valid_configurations_priced_by_the_engine() {
        let catalogs: Vec<(i64, Arc<CompiledCatalog>)> = crate::catalogs::DEMO_CATALOGS
            .iter()
            .enumerate()
            .map(|(i, (name, text))| (i as i64 + 1, Arc::new(CompiledCatalog::compile(name, text).unwrap_or_else(|e| panic!("{e:?}")))))
            .collect();
        let menu = Menu::new(&catalogs);
        let products: usize = catalogs.iter().map(|(_, c)| c.products().count()).sum();
        assert_eq!(menu.products.len(), products, "every product is on the menu");
        let body: BTreeMap<String, i64> = median_person().into_iter().map(|(m, v)| (m.code().to_owned(), i64::from(v))).collect();
        for p in &menu.products {
            assert!(p.configurations.len() >= 4, "{}: {} configurations", p.code, p.configurations.len());
            let (_, c) = catalogs.iter().find(|(id, _)| *id == p.version_id).unwrap_or_else(|| panic!("{}", p.code));
            for x in &p.configurations {
                let stored: serde_json::Value = serde_json::from_str(&x.configuration).unwrap_or_default();
                let choices = serde_json::from_value(stored["choices"].clone()).unwrap_or_else(|e| panic!("{e}"));
                let cfg = Configuration { product: p.code.clone(), choices, measurements: body.clone() };
                let v = c.validate(&cfg).unwrap_or_else(|e| panic!("{e}"));
                assert!(v.valid, "{}: {:?}", x.configuration, v.violations);
                let price = c.price(&cfg, Decimal::new(20, 2)).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(Ok(x.minor.2), to_minor(price.total, &price.currency));
                assert_eq!(x.minor.0 + x.minor.1, x.minor.2);
            }
        }
    }
}
