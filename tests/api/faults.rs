//! Faults: the database is busy (another process holds SQLite's write lock). Requests wait a
//! bounded time, then fail cleanly with a message and `Retry-After`; nothing is half-written,
//! and the retry with the same Idempotency-Key places the order once.

use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::bridge::with_demo_catalogs;
use crate::helpers::*;

#[tokio::test]
async fn a_busy_database_makes_a_request_wait_then_fail_cleanly_and_the_retry_succeeds() {
    let app = with_demo_catalogs(Backend::Sqlite).await;
    app.register_factory("busy", None).await;
    let key = app.add_channel("busy").await;
    let customer = app.customer_reference("Busy Buyer").await;
    let body = json!({
        "customer_reference": customer, "product": "cycling_jersey",
        "choices": {"cut": "men", "fit": "club", "sleeve": "short", "fabric": "standard", "zip": "full"},
        "measurements": {"stature": 1755, "chest_girth": 1056, "waist_girth": 937, "hip_girth": 1017, "arm_length": 592, "body_mass": 84600, "inside_leg": 845, "shoulder_width": 415},
    });

    // Another process's long write transaction.
    let path = app.settings.database.url.trim_start_matches("sqlite://").to_owned();
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let mut c = diesel::SqliteConnection::establish(&path).unwrap();
        c.batch_execute("BEGIN IMMEDIATE").unwrap();
        locked_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        c.batch_execute("ROLLBACK").unwrap();
    });
    locked_rx.recv().unwrap();

    let http = reqwest::Client::new();
    let order = || http.post(app.url("/api/v1/orders")).bearer_auth(&key).header("idempotency-key", "busy-1").json(&body).send();
    let started = Instant::now();
    let res = order().await.unwrap();
    let waited = started.elapsed();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["retry-after"], "1");
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["type"], "/api/v1/problems/unavailable");
    assert_eq!(problem["detail"], "the database is busy; try again");
    let bound = app.settings.database.busy_timeout;
    assert!(waited >= bound - Duration::from_millis(500) && waited < bound + Duration::from_secs(3), "waited {waited:?} for a {bound:?} bound");

    release_tx.send(()).unwrap();
    holder.join().unwrap();
    // Nothing was written by the failed attempt; the retry places the order, once.
    let res = order().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let again = order().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let count: i64 = app
        .db
        .read(|conn| {
            use diesel::prelude::*;
            Ok::<_, atelier::store::StoreError>(atelier::store::schema::orders::table.count().get_result(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(count, 1);
}
