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
    let secret = atelier::bridge::signing::new_secret();
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
    println!("{key} {reference} {secret} {factory_token}");
    Ok(())
}
