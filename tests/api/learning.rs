//! Every order teaches us: figures kept with each event equal a rebuild from history, value
//! classes follow the Pareto rule, feedback and complaints on the order page, learned
//! preferences pre-fill the configurator, recommendations, and the managers' dashboard.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use atelier::domain::catalog::{Choice, CompiledCatalog, Configuration};
use atelier::domain::customer::{Enrollment, EnrollmentInput, NewContact};
use atelier::domain::profile::value_class::{Thresholds, ValueClass, classify};
use atelier::domain::work_order::Status;
use atelier::store::{DbConn, StoreError};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::helpers::*;
use crate::on_both_backends;

/// Demo catalogs, a factory that builds everything (pull only), and the jersey catalog.
fn shop(db: &atelier::store::Db) -> (atelier::store::catalogs::CatalogVersion, CompiledCatalog) {
    atelier::catalogs::load_demo(db, &atelier::catalogs::CatalogCache::default()).unwrap();
    db.write_blocking(|c| -> Result<_, StoreError> {
        if atelier::store::factories::list(c)?.is_empty() {
            atelier::store::factories::insert(
                c,
                &atelier::store::factories::NewFactory { code: "all", name: "All", families: "apparel,bicycle", push_url: None, signing_secret: None, lead_time_days: 10 },
            )?;
        }
        let v = atelier::store::catalogs::current(c)?.into_iter().find(|v| v.catalog_code == "atelier-sportswear").unwrap();
        let (_, text) = atelier::store::catalogs::source(c, v.id)?.unwrap();
        Ok((v, text))
    })
    .map(|(v, text)| (v, CompiledCatalog::compile("sportswear.toml", &text).unwrap()))
    .unwrap()
}

fn jersey(fit: &str, sleeve: &str, fabric: &str) -> Configuration {
    let mut cfg = Configuration::new("cycling_jersey");
    for (o, v) in [("cut", "men"), ("fit", fit), ("sleeve", sleeve), ("fabric", fabric), ("zip", "full"), ("body_colour", "navy"), ("panel_colour", "black")] {
        cfg = cfg.with(o, Choice::One(v.into()));
    }
    for (m, v) in [("stature", 1755), ("chest_girth", 1056), ("waist_girth", 937), ("hip_girth", 1017), ("arm_length", 592), ("body_mass", 84_600), ("inside_leg", 845), ("shoulder_width", 415)] {
        cfg = cfg.measure(m, v);
    }
    cfg
}

fn enroll(conn: &mut DbConn, name: &str) -> atelier::store::customers::CustomerRow {
    let e = Enrollment::parse(&EnrollmentInput { name: name.into(), email: format!("{}@example.com", name.to_lowercase()), ..Default::default() }).unwrap();
    atelier::customers::enroll(conn, &e, 1, None).unwrap()
}

/// A random history through the same services the pages and the API use: orders placed,
/// cancelled, moved along by the factory, feedback and complaints (some about an order,
/// with a remake or a return). Each event commits in its own transaction, as in the app.
fn random_history(db: &atelier::store::Db, seed: u64, events: usize) {
    let (version, cat) = shop(db);
    let customers: Vec<_> = (0..6).map(|i| db.write_blocking(|c| Ok::<_, StoreError>(enroll(c, &format!("Rider{i}")))).unwrap()).collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut orders: Vec<(i64, i64, i64)> = vec![]; // (order, work order, total)
    for n in 0..events {
        let who = &customers[rng.random_range(0..customers.len())];
        match rng.random_range(0..10) {
            0..=3 => {
                let fit = ["race", "club", "relaxed"][rng.random_range(0..3)];
                let (sleeve, fabric) = [("short", "light"), ("short", "standard"), ("long", "standard"), ("long", "thermal")][rng.random_range(0..4)];
                let req = atelier::orders::PlaceOrder {
                    customer_id: who.id,
                    customer_reference: who.reference.clone(),
                    store_id: None,
                    configuration: jersey(fit, sleeve, fabric),
                    measurement_set_id: None,
                    ship_to: serde_json::json!({ "store": null }),
                    idempotency_key: format!("h-{seed}-{n}"),
                    staff_id: None,
                    tax_rate_bp: 2000,
                };
                let order = match db.write_blocking(|c| atelier::orders::place(c, &cat, &version, &req)) {
                    Ok((order, _)) => order,
                    // Some random combinations break the catalog's rules: nothing is placed.
                    Err(atelier::orders::PlaceError::Invalid(_)) => continue,
                    Err(e) => panic!("{e}"),
                };
                let wo = db.write_blocking(|c| Ok::<_, StoreError>(atelier::store::orders::work_orders_of_order(c, order.id)?)).unwrap()[0].id;
                orders.push((order.id, wo, order.total_minor));
            }
            4 if !orders.is_empty() => {
                let (order, _, _) = orders[rng.random_range(0..orders.len())];
                let _ = db.write_blocking(|c| atelier::orders::cancel(c, order, 1));
            }
            5..=6 if !orders.is_empty() => {
                let (_, wo, _) = orders[rng.random_range(0..orders.len())];
                let to = [Status::Acknowledged, Status::InProduction, Status::Shipped, Status::Rejected][rng.random_range(0..4)];
                let factory = db.write_blocking(|c| Ok::<_, StoreError>(atelier::store::orders::find_work_order(c, wo)?)).unwrap().unwrap().factory_id;
                let _ = db.write_blocking(|c| atelier::orders::factory_update(c, factory, wo, to, "", None, None));
            }
            7 => {
                let rating = rng.random_range(1..=5).to_string();
                let contact = NewContact::parse("feedback", "", &rating).unwrap();
                db.write_blocking(|c| atelier::learning::log_contact(c, who.id, &contact, 1, None)).unwrap();
            }
            _ if !orders.is_empty() => {
                let (order, _, total) = orders[rng.random_range(0..orders.len())];
                let row = db.write_blocking(|c| Ok::<_, StoreError>(atelier::store::orders::find(c, order)?)).unwrap().unwrap();
                let remedy = [None, Some("remake"), Some("return")][rng.random_range(0..3)];
                let complaint = rng.random_bool(0.6);
                let contact = atelier::store::customers::OrderContact {
                    customer_id: row.customer_id,
                    order_id: order,
                    kind: if complaint { "complaint" } else { "feedback" },
                    summary: "about the order",
                    rating: (!complaint).then(|| rng.random_range(1..=5)),
                    remedy: remedy.filter(|_| complaint),
                    resolved: rng.random_bool(0.5),
                    staff_id: 1,
                    store_id: None,
                };
                db.write_blocking(|c| atelier::learning::log_order_contact(c, &contact, total)).unwrap();
            }
            _ => {}
        }
    }
}

on_both_backends!(figures_kept_with_each_event_equal_a_rebuild_from_history);

async fn figures_kept_with_each_event_equal_a_rebuild_from_history(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        for seed in [7, 8] {
            random_history(&db, seed, 120);
            let kept = db.write_blocking(|c| Ok::<_, StoreError>(atelier::store::activity::all(c)?)).unwrap();
            assert!(kept.iter().map(|r| r.orders).sum::<i64>() > 20, "the history has orders");
            let sum = |f: fn(&atelier::store::activity::ActivityRow) -> i64| kept.iter().map(f).sum::<i64>();
            for (what, n) in [("cancellations", sum(|r| r.cancellations)), ("shipped", sum(|r| r.shipped)), ("feedback", sum(|r| r.feedbacks)),
                ("complaints", sum(|r| r.complaints)), ("remakes and returns", sum(|r| r.remakes + r.returns)), ("costs", sum(|r| r.cost_minor))] {
                assert!(n > 0, "the generated history has {what}");
            }
            let rows = atelier::learning::rebuild_all(&db, &AtomicBool::new(false), |_, _| {}).unwrap();
            let rebuilt = db.write_blocking(|c| Ok::<_, StoreError>(atelier::store::activity::all(c)?)).unwrap();
            assert_eq!(rows, rebuilt.len());
            assert_eq!(kept, rebuilt, "incremental and rebuilt figures differ (seed {seed})");
        }
        // Merging and erasing move or remove history: the figures follow at once.
        db.write_blocking(|c| -> Result<(), StoreError> {
            let with_orders: Vec<i64> = atelier::store::activity::all(c)?.iter().map(|r| r.customer_id).collect();
            let (a, b, e) = (with_orders[0], *with_orders.last().unwrap(), with_orders[with_orders.len() / 2]);
            let source = atelier::store::customers::find(c, a)?.unwrap();
            let target = atelier::store::customers::find(c, b)?.unwrap();
            atelier::store::customers::merge(c, &source, &target)?;
            atelier::store::customers::erase(c, e)?;
            Ok(())
        })
        .unwrap();
        let kept = db.write_blocking(|c| Ok::<_, StoreError>(atelier::store::activity::all(c)?)).unwrap();
        atelier::learning::rebuild_all(&db, &AtomicBool::new(false), |_, _| {}).unwrap();
        assert_eq!(kept, db.write_blocking(|c| Ok::<_, StoreError>(atelier::store::activity::all(c)?)).unwrap(), "after a merge and an erasure");

        // An interrupted rebuild changes nothing.
        let before = db.write_blocking(|c| Ok::<_, StoreError>(atelier::store::activity::all(c)?)).unwrap();
        let stopped = atelier::learning::rebuild_all(&db, &AtomicBool::new(true), |_, _| {});
        assert!(matches!(stopped, Err(atelier::learning::RebuildError::Interrupted)));
        assert_eq!(before, db.write_blocking(|c| Ok::<_, StoreError>(atelier::store::activity::all(c)?)).unwrap());
        // ... nor does one stopped while its last slice runs (a review's Ctrl-C came then, and
        // the rebuild committed).
        let stop = AtomicBool::new(false);
        let stopped = atelier::learning::rebuild_all(&db, &stop, |_, _| stop.store(true, std::sync::atomic::Ordering::Relaxed));
        assert!(matches!(stopped, Err(atelier::learning::RebuildError::Interrupted)));
    })
    .await
    .unwrap();
}

on_both_backends!(value_classes_in_sql_follow_the_pareto_rule);

async fn value_classes_in_sql_follow_the_pareto_rule(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        random_history(&db, 11, 150);
        let today = chrono::Utc::now().date_naive();
        for t in [Thresholds::default(), Thresholds { a_pct: 50, b_pct: 70 }] {
            db.write_blocking(|c| atelier::learning::classify_blocking(c, today, t)).unwrap();
            let stored = db.write_blocking(|c| Ok::<_, StoreError>(atelier::store::classes::all(c)?)).unwrap();
            let net: Vec<(i64, i64)> = stored.iter().map(|r| (r.customer_id, r.revenue_12m_minor - r.cost_12m_minor)).collect();
            let expected: BTreeMap<i64, ValueClass> = classify(&net, t).into_iter().collect();
            for r in &stored {
                assert_eq!(ValueClass::parse(&r.value_class), expected.get(&r.customer_id).copied(), "customer {}", r.customer_id);
                let activity = db.write_blocking(|c| Ok::<_, StoreError>(atelier::store::activity::of_customer(c, r.customer_id)?)).unwrap();
                assert_eq!(r.revenue_12m_minor, activity.iter().map(|a| a.revenue_minor).sum::<i64>());
                let sat = atelier::domain::profile::Satisfaction::of(r.feedbacks_12m, r.rating_sum_12m, r.complaints_12m);
                assert_eq!(r.satisfaction, sat.as_str());
            }
            assert!(expected.values().any(|c| *c == ValueClass::A));
            // The curve drawn on the insights page, from the same rows: with fewer than 100
            // paying customers each still sits at its own share of the customers.
            let curve = db.write_blocking(|c| Ok::<_, StoreError>(atelier::store::classes::pareto_curve(c)?)).unwrap();
            let mut paying: Vec<i64> = net.iter().map(|(_, v)| *v).filter(|v| *v > 0).collect();
            paying.sort_unstable_by(|a, b| b.cmp(a));
            let total: i64 = paying.iter().sum();
            assert!(paying.len() < 100 && paying.len() > 1, "{} paying customers", paying.len());
            for (rank, _) in paying.iter().enumerate() {
                let percentile = ((rank + 1) * 100).div_ceil(paying.len());
                let share = i64::try_from(i128::from(paying[..=rank].iter().sum::<i64>()) * 1000 / i128::from(total)).unwrap();
                assert_eq!(curve[percentile], share, "the best {} of {} customers", rank + 1, paying.len());
            }
            assert!(curve.windows(2).all(|w| w[0] <= w[1]));
        }
    })
    .await
    .unwrap();
}

on_both_backends!(generated_histories_rebuild_classify_and_recommend_at_a_small_size);

/// The code the scale figures in BENCHMARKS.md come from, at a size CI can afford.
async fn generated_histories_rebuild_classify_and_recommend_at_a_small_size(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        let cache = atelier::catalogs::CatalogCache::default();
        atelier::catalogs::load_demo(&db, &cache).unwrap();
        let catalogs = db
            .write_blocking(|c| -> Result<Vec<_>, StoreError> {
                let mut out = vec![];
                for v in atelier::store::catalogs::current(c)? {
                    let (_, text) = atelier::store::catalogs::source(c, v.id)?.unwrap();
                    out.push((v.id, std::sync::Arc::new(CompiledCatalog::compile(&v.file_name, &text).unwrap())));
                }
                Ok(out)
            })
            .unwrap();
        let histories = atelier::generate::Histories { orders: 2_000, catalogs };
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let done = atelier::generate::customers(&db, 400, 3, &histories, stop, |_| {}).unwrap();
        assert_eq!(done.customers, 400);
        assert!(done.orders == 2_000 && done.contacts > 100, "{done:?}");
        db.write_blocking(atelier::learning::analyze).unwrap();
        let rows = atelier::learning::rebuild_all(&db, &AtomicBool::new(false), |_, _| {}).unwrap();
        assert!(rows > 0);
        let all = db.write_blocking(|c| Ok::<_, StoreError>(atelier::store::activity::all(c)?)).unwrap();
        assert_eq!(all.iter().map(|r| r.orders).sum::<i64>() as usize, done.orders);
        let report = db.write_blocking(|c| atelier::learning::classify_blocking(c, chrono::Utc::now().date_naive(), Thresholds::default())).unwrap();
        assert!(report.customers > 300);
        let classes = db.write_blocking(|c| Ok::<_, StoreError>(atelier::store::classes::all(c)?)).unwrap();
        let a = classes.iter().filter(|c| c.value_class == "A").count();
        // Revenue concentrates: far fewer than 80 % of the customers make 80 % of it.
        assert!(a > 0 && a * 100 < classes.len() * 60, "{a} of {}", classes.len());
        let pairs = db.write_blocking(|c| atelier::learning::refresh_neighbours(c, atelier::learning::NEIGHBOUR_ORDERS)).unwrap();
        assert!(pairs > 0);
        // Habits of generated customers show up as suggestions.
        let suggested = (1..=40)
            .filter(|id| {
                let past = db.write_blocking(|c| atelier::learning::past_orders(c, *id)).unwrap();
                !atelier::domain::profile::suggestions(&past).is_empty()
            })
            .count();
        assert!(suggested > 0);
    })
    .await
    .unwrap();
}

#[test]
fn rebuild_stats_reports_each_phase_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_atelier"))
            .args(args)
            .current_dir(dir.path())
            .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("cli.db").display()))
            .env("RUST_LOG", "warn")
            .output()
            .expect("run atelier")
    };
    let out = run(&["generate-customers", "--count", "300", "--orders", "900", "--seed", "5"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("done: 300 customers"));
    let out = run(&["rebuild-stats"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for phase in ["customer figures:", "value classes and segments:", "recommendations:"] {
        assert!(stdout.contains(phase), "{stdout}");
    }
    assert!(String::from_utf8_lossy(&out.stderr).contains("customer figures: 100 %"));
}
