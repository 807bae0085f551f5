//! Erasure leaves no trace: after a customer is erased, a marker unique to them appears
//! nowhere in the database (on SQLite: in the raw bytes of the files, after a checkpoint), nor
//! in the application's logs.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::Text;
use reqwest::StatusCode;

use crate::bridge::{Mode, TestFactory, with_demo_catalogs};
use crate::helpers::*;
use crate::on_both_backends;
use crate::shop_helpers::JERSEY;

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Every row of every table as text, one line per row, tables in name order; `skip` names
/// tables left out (e.g. sessions, which change on every request).
pub fn dump_tables(app: &TestApp, skip: &[&str]) -> Vec<(String, Vec<String>)> {
    let url = &app.settings.database.url;
    let mut out = vec![];
    if url.starts_with("postgres") {
        let mut conn = diesel::PgConnection::establish(url).expect("connect");
        let mut tables: Vec<String> = diesel::sql_query("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'")
            .load::<Name>(&mut conn)
            .expect("tables")
            .into_iter()
            .map(|n| n.name)
            .collect();
        tables.sort();
        for t in tables.into_iter().filter(|t| !skip.contains(&t.as_str())) {
            let rows = diesel::sql_query(format!("SELECT t::text AS line FROM \"{t}\" t ORDER BY 1")).load::<Line>(&mut conn).expect("rows");
            out.push((t, rows.into_iter().map(|l| l.line).collect()));
        }
    } else {
        let path = atelier::config::sqlite_path(url);
        let mut conn = diesel::SqliteConnection::establish(path).expect("open");
        let tables: Vec<String> = diesel::sql_query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .load::<Name>(&mut conn)
            .expect("tables")
            .into_iter()
            .map(|n| n.name)
            .collect();
        for t in tables.into_iter().filter(|t| !skip.contains(&t.as_str())) {
            let cols: Vec<String> = diesel::sql_query(format!("SELECT name FROM pragma_table_info('{t}')"))
                .load::<Name>(&mut conn)
                .expect("columns")
                .into_iter()
                .map(|n| format!("quote(\"{}\")", n.name))
                .collect();
            let sql = format!("SELECT {} AS line FROM \"{t}\" ORDER BY 1", cols.join(" || '|' || "));
            let rows = diesel::sql_query(sql).load::<Line>(&mut conn).expect("rows");
            out.push((t, rows.into_iter().map(|l| l.line).collect()));
        }
    }
    out
}

on_both_backends!(erasure_by_staff_leaves_no_trace, erasure_by_the_customer_leaves_no_trace);

async fn erasure_by_staff_leaves_no_trace(backend: Backend) {
    erasure_leaves_no_trace(backend, true).await
}

async fn erasure_by_the_customer_leaves_no_trace(backend: Backend) {
    erasure_leaves_no_trace(backend, false).await
}

/// A customer with a marker in everything they gave: name, email, notes, contacts, a
/// measurement set, a delivery address, a name print; an order that reached a factory; a
/// reset mail; a failed sign-in.
async fn erasure_leaves_no_trace(backend: Backend, by_staff: bool) {
    let marker = format!("Qzv{}", &hex::encode(rand::random::<[u8; 4]>())[..7]);
    let lower = marker.to_lowercase();
    let app = with_demo_catalogs(backend).await;
    let factory = TestFactory::start(Mode::Accept);
    app.register_factory("WORKS", Some(&factory)).await;

    let email = format!("{lower}@example.com");
    app.signed_up(&format!("Mara {marker}"), &email).await;
    app.measure_myself().await;
    let fields = app.checkout("cycling_jersey", &[JERSEY.as_slice(), &[("o_name_print", marker.as_str())]].concat()).await;
    let street = format!("1 {marker} Street");
    let res = app.place(&fields, &[("delivery", "address"), ("address_name", "Mara"), ("address_line1", &street), ("address_postal_code", "1000"), ("address_city", "Town"), ("address_country", "Austria")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "order placed");
    factory.wait_for(1, Duration::from_secs(20)).await;
    assert!(factory.accepted().iter().any(|r| String::from_utf8_lossy(&r.raw).contains(&marker)), "the factory got the name print");

    let customer_id = app
        .db
        .read({
            let email = email.clone();
            move |c| Ok::<_, atelier::store::StoreError>(atelier::store::customer_accounts::find_by_email(c, &email)?)
        })
        .await
        .unwrap()
        .unwrap()
        .customer_id;
    let admin = app.browser();
    admin.sign_in_as(ADMIN).await;
    let note = format!("prefers {marker} collars");
    assert_eq!(admin.post_on_customer(customer_id, "preferences", &[("text", &note), ("kind", "standing")]).await.status(), StatusCode::SEE_OTHER);
    let said = format!("called about {marker}");
    assert_eq!(admin.post_on_customer(customer_id, "contacts", &[("kind", "call"), ("summary", &said)]).await.status(), StatusCode::SEE_OTHER);
    let stranger = app.browser();
    stranger.shop_form("/shop/forgot", "/shop/forgot", &[("email", &email)]).await;
    stranger.shop_sign_in(&email, "not the password").await;
    let raw = dump_tables(&app, &[]).into_iter().flat_map(|(_, rows)| rows).collect::<Vec<_>>().join("\n").to_lowercase();
    assert!(raw.contains(&lower), "the marker is in the database before erasure");

    if by_staff {
        let reference = app.db.read(move |c| Ok::<_, atelier::store::StoreError>(atelier::store::customers::find(c, customer_id)?)).await.unwrap().unwrap().reference;
        let res = admin.post_on_customer(customer_id, "erase", &[("confirm", &reference)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "erased by staff");
    } else {
        let res = app.shop_form("/shop/account", "/shop/account/erase", &[("confirm", &email)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "erased by the customer");
    }
    // The factory is told, by reference only.
    let told = factory.wait_for(2, Duration::from_secs(20)).await;
    assert!(told.iter().any(|r| String::from_utf8_lossy(&r.raw).contains("customer.erased")));

    let mut found = vec![];
    for (table, rows) in dump_tables(&app, &[]) {
        for row in rows.iter().filter(|r| r.to_lowercase().contains(&lower)) {
            found.push(format!("{table}: {row}"));
        }
    }
    assert!(found.is_empty(), "the marker is still in the database:\n{}", found.join("\n"));

    if backend == Backend::Sqlite {
        // What was deleted or overwritten is not left in free pages or in the write-ahead log.
        let path = atelier::config::sqlite_path(&app.settings.database.url).to_owned();
        let mut conn = diesel::SqliteConnection::establish(&path).unwrap();
        diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).unwrap();
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let Ok(bytes) = std::fs::read(format!("{path}{suffix}")) else { continue };
            let bytes = bytes.to_ascii_lowercase();
            let at = bytes.windows(lower.len()).position(|w| w == lower.as_bytes());
            assert!(at.is_none(), "the marker is in the bytes of {path}{suffix} at {at:?}");
        }
    }
}
