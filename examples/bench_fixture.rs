//! Prepares a database (after the server has created it) for the order-placement and delivery load tests: the demo catalogs,
//! a factory (pushing to `PUSH_URL` when given, else pulling), a sales channel with an API key
//! for the first store, and a customer. Prints `KEY CUSTOMER_REFERENCE SECRET FACTORY_TOKEN`.
//!
//! ```sh
//! DATABASE_URL=sqlite://load.db cargo run --release --example bench_fixture -- [PUSH_URL]
//! ```

use atelier::domain::customer::{Enrollment, EnrollmentInput};
use atelier::store::{Db, StoreError, channels, factories, stores};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let push = std::env::args().nth(1);
    let settings = atelier::config::Settings::from_env()?;
    let db = Db::connect(&settings.database)?;
    atelier::catalogs::load_demo(&db, &atelier::catalogs::CatalogCache::default())?;
    let key = format!("atc_load_{}", atelier::domain::codes::random_code(16));
    let secret = std::env::var("SECRET").ok().filter(|s| s.starts_with("whsec_")).unwrap_or_else(atelier::bridge::signing::new_secret);
    let factory_token = format!("atf_load_{}", atelier::domain::codes::random_code(16));
    let (k, s, ft) = (key.clone(), secret.clone(), factory_token.clone());
    let reference = db.write_blocking(move |conn| -> Result<String, StoreError> {
        let store = match stores::list(conn)?.into_iter().next() {
            Some(s) => s.id,
            None => stores::insert(conn, &stores::NewStore { code: "LOAD", name: "Load Store", tax_rate_bp: 2000, currency: "EUR", created_at: atelier::store::now() })?,
        };
        let factory = factories::insert(
            conn,
            &factories::NewFactory {
                code: &format!("load-{}", atelier::domain::codes::random_code(6).to_lowercase()),
                name: "Load Factory",
                families: "apparel,bicycle",
                push_url: push.as_deref(),
                signing_secret: push.as_ref().map(|_| s.as_str()),
                lead_time_days: 10,
            },
        )?;
        factories::insert_token(conn, factory, &atelier::web::api::token_hash(&ft), "load test")?;
        let channel = channels::insert(conn, &format!("load-{}", atelier::domain::codes::random_code(6).to_lowercase()), "Load channel", Some(store))?;
        channels::insert_key(conn, channel, &atelier::web::api::token_hash(&k))?;
        let enrollment = Enrollment::parse(&EnrollmentInput { name: "Load Customer".into(), email: "load@example.com".into(), ..Default::default() })
            .map_err(|e| StoreError::Query(diesel::result::Error::QueryBuilderError(format!("{e:?}").into())))?;
        use diesel::prelude::*;
        let staff: i64 = atelier::store::schema::staff::table.select(atelier::store::schema::staff::id).first(conn)?;
        Ok(atelier::customers::enroll(conn, &enrollment, staff, Some(store))?.reference)
    })?;
    // BACKLOG=N: N orders placed at once (through the placement service), so the dispatcher
    // has a backlog to drain: the delivery rate is then measured on its own.
    let backlog: usize = std::env::var("BACKLOG").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    if backlog > 0 {
        place_backlog(&db, &reference, backlog)?;
    }
    // CUSTOMERS_FILE=PATH: that many more customers (CUSTOMERS, default 1000), their references
    // one per line, so a load spreads over customers as real orders do.
    if let Ok(path) = std::env::var("CUSTOMERS_FILE") {
        let n: usize = std::env::var("CUSTOMERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
        let refs = db.write_blocking(|conn| -> Result<Vec<String>, StoreError> {
            use diesel::prelude::*;
            let staff: i64 = atelier::store::schema::staff::table.select(atelier::store::schema::staff::id).first(conn)?;
            let mut out = vec![reference.clone()];
            for i in 1..n {
                let e = Enrollment::parse(&EnrollmentInput { name: format!("Load Customer {i}"), email: format!("load{i}@example.com"), ..Default::default() })
                    .map_err(|e| StoreError::Query(diesel::result::Error::QueryBuilderError(format!("{e:?}").into())))?;
                out.push(atelier::customers::enroll(conn, &e, staff, None)?.reference);
            }
            Ok(out)
        })?;
        std::fs::write(&path, refs.join("\n") + "\n")?;
    }
    println!("{key} {reference} {secret} {factory_token}");
    Ok(())
}

fn place_backlog(db: &Db, reference: &str, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    use atelier::domain::catalog::{Choice, CompiledCatalog, Configuration};
    let reference = reference.to_owned();
    let (version, text) = db.write_blocking(|c| -> Result<_, StoreError> {
        let v = atelier::store::catalogs::current(c)?.into_iter().find(|v| v.catalog_code == "atelier-sportswear").ok_or(StoreError::Query(diesel::result::Error::NotFound))?;
        Ok(atelier::store::catalogs::source(c, v.id)?.ok_or(StoreError::Query(diesel::result::Error::NotFound))?)
    })?;
    let cat = CompiledCatalog::compile("sportswear.toml", &text).map_err(|e| format!("{e:?}"))?;
    let mut cfg = Configuration::new("cycling_jersey");
    for (o, v) in [("cut", "men"), ("fit", "club"), ("sleeve", "short"), ("fabric", "standard"), ("zip", "full"), ("body_colour", "navy"), ("panel_colour", "black")] {
        cfg = cfg.with(o, Choice::One(v.into()));
    }
    for (m, v) in [("stature", 1755), ("chest_girth", 1056), ("waist_girth", 937), ("hip_girth", 1017), ("arm_length", 592), ("body_mass", 84_600), ("inside_leg", 845), ("shoulder_width", 415)] {
        cfg = cfg.measure(m, v);
    }
    let customer = db.write_blocking(|c| Ok::<_, StoreError>(atelier::store::customers::find_by_reference(c, &reference)?))?.ok_or("no customer")?;
    let run = atelier::domain::codes::random_code(8);
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        db.write_blocking(|c| -> Result<(), atelier::orders::PlaceError> {
            for i in chunk {
                let req = atelier::orders::PlaceOrder {
                    customer_id: customer.id,
                    customer_reference: customer.reference.clone(),
                    store_id: None,
                    configuration: cfg.clone(),
                    measurement_set_id: None,
                    ship_to: serde_json::json!({"store": null}),
                    idempotency_key: format!("backlog-{run}-{i}"),
                    staff_id: None,
                    tax_rate_bp: 2000,
                };
                atelier::orders::place(c, &cat, &version, &req)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}
