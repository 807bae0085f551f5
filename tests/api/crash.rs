//! The server process is killed (SIGKILL) several times in the middle of a burst of orders
//! and started again each time: every order that was answered 2xx exists with its work order, and every such work
//! order reaches the factory under exactly one webhook-id, with a valid signature.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use atelier::store::{Db, StoreError, channels, factories, stores};
use reqwest::StatusCode;

use crate::bridge::{Mode, TestFactory};
use crate::helpers::*;
use crate::on_both_backends;

struct Server {
    child: Child,
    base: String,
}

fn start_server(db_url: &str, port: u16) -> Server {
    start_server_timing_out(db_url, port, 2)
}

fn start_server_timing_out(db_url: &str, port: u16, push_timeout_secs: u64) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_atelier"))
        .arg("serve")
        .env("DATABASE_URL", db_url)
        .env("ATELIER_ADDR", format!("127.0.0.1:{port}"))
        .env("ATELIER_WEBHOOK_RETRY_SCHEDULE", "0,1,1,1,1,1,1,1")
        // An event in flight when the process is killed is taken again once its lease ends.
        .env("ATELIER_WEBHOOK_TIMEOUT_SECS", push_timeout_secs.to_string())
        .env("ATELIER_WEBHOOK_LEASE_SECS", "4")
        .env("ATELIER_WORKERS", "2")
        .env("ATELIER_WEBHOOK_ALLOW_PRIVATE", "true")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    Server { child, base: format!("http://127.0.0.1:{port}") }
}

async fn wait_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if reqwest::get(format!("{base}/readyz")).await.is_ok_and(|r| r.status() == StatusCode::OK) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not become ready");
}

/// A factory pushing to `factory`, a channel key and a customer, written straight into the
/// database the server created.
fn fixture(db: &Db, factory: &TestFactory) -> (String, String) {
    let secret = atelier::bridge::signing::new_secret();
    factory.set_secret(&secret);
    let key = "atc_crash_test_key".to_owned();
    let (url, k) = (factory.url.clone(), key.clone());
    let reference = db
        .write_blocking(move |conn| -> Result<String, StoreError> {
            let store = stores::list(conn)?.into_iter().next().expect("the demo store").id;
            factories::insert(conn, &factories::NewFactory { code: "crash", name: "Crash", families: "apparel,bicycle", push_url: Some(&url), signing_secret: Some(&secret), lead_time_days: 7 })?;
            let channel = channels::insert(conn, "crash", "Crash channel", Some(store))?;
            channels::insert_key(conn, channel, &atelier::web::api::token_hash(&k))?;
            let e = atelier::domain::customer::Enrollment::parse(&atelier::domain::customer::EnrollmentInput { name: "Crash Customer".into(), email: "crash@example.com".into(), ..Default::default() }).unwrap();
            use diesel::prelude::*;
            let staff: i64 = atelier::store::schema::staff::table.select(atelier::store::schema::staff::id).first(conn)?;
            Ok(atelier::customers::enroll(conn, &e, staff, Some(store))?.reference)
        })
        .unwrap();
    (key, reference)
}

/// A channel's order of a jersey for `customer`.
fn jersey_order(customer: &str) -> serde_json::Value {
    serde_json::json!({
        "customer_reference": customer, "product": "cycling_jersey",
        "choices": {"cut": "men", "fit": "club", "sleeve": "short", "fabric": "standard", "zip": "full", "body_colour": "navy", "panel_colour": "black"},
        "measurements": {"stature": 1755, "chest_girth": 1056, "waist_girth": 937, "hip_girth": 1017, "arm_length": 592, "body_mass": 84600, "inside_leg": 845, "shoulder_width": 415},
    })
}

on_both_backends!(a_server_killed_repeatedly_loses_no_acknowledged_order_and_delivers_each_work_order_once);

const KILLS: usize = 3;

async fn a_server_killed_repeatedly_loses_no_acknowledged_order_and_delivers_each_work_order_once(backend: Backend) {
    // The app installs the TLS provider; here the app is another process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let db_url = match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("crash.db").display()),
        Backend::Postgres => fresh_postgres_url(),
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let factory = TestFactory::start(Mode::Accept);
    let mut server = start_server(&db_url, port);
    wait_ready(&server.base).await;
    let db = Db::connect(&test_settings(db_url.clone()).database).unwrap();
    let (key, customer) = fixture(&db, &factory);
    let body = jersey_order(&customer);

    // A burst from 16 clients that keeps going through every kill and restart (the same port).
    let acknowledged: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = vec![];
    for c in 0..16 {
        let (base, key, body, acknowledged, stop) = (server.base.clone(), key.clone(), body.clone(), acknowledged.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let idem = format!("crash-{c}-{i}");
                if let Ok(res) = http.post(format!("{base}/api/v1/orders")).bearer_auth(&key).header("idempotency-key", &idem).json(&body).send().await {
                    if res.status().is_success() {
                        if let Ok(v) = res.json::<serde_json::Value>().await {
                            acknowledged.lock().unwrap().insert(idem, v["reference"].as_str().unwrap_or_default().to_owned());
                        }
                    }
                } else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }));
    }
    // Killed (SIGKILL) in the middle of the burst, started again, several times.
    let mut acked_at_kill = vec![];
    for _ in 0..KILLS {
        // Kill once this server has answered a few orders, with 16 more in flight.
        let (before, deadline) = (acknowledged.lock().unwrap().len(), Instant::now() + Duration::from_secs(20));
        while acknowledged.lock().unwrap().len() < before + 8 {
            assert!(Instant::now() < deadline, "the restarted server placed no orders");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        acked_at_kill.push(acknowledged.lock().unwrap().len());
        tokio::time::sleep(Duration::from_millis(100)).await;
        server = start_server(&db_url, port);
        wait_ready(&server.base).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    assert!(acked_at_kill[0] >= 8 && acked_at_kill.windows(2).all(|w| w[1] > w[0]), "orders were being placed at every kill: {acked_at_kill:?}");
    let acknowledged = acknowledged.lock().unwrap().clone();

    // Every acknowledged order exists, with its work order.
    let references: BTreeSet<String> = acknowledged.values().cloned().collect();
    assert_eq!(references.len(), acknowledged.len(), "one order per Idempotency-Key");
    let refs = references.clone();
    let work_orders: BTreeMap<String, i64> = db
        .read(move |conn| -> Result<_, StoreError> {
            let mut out = BTreeMap::new();
            for r in &refs {
                use diesel::prelude::*;
                use atelier::store::schema::orders::dsl as o;
                let id: Option<i64> = o::orders.filter(o::reference.eq(r)).select(o::id).first(conn).optional()?;
                if let Some(id) = id {
                    for wo in atelier::store::orders::work_orders_of_order(conn, id)? {
                        out.insert(r.clone(), wo.id);
                    }
                }
            }
            Ok(out)
        })
        .await
        .unwrap();
    assert_eq!(work_orders.len(), references.len(), "every acknowledged order exists with its work order");

    // Every one of them reaches the factory, under one webhook-id each, and every delivery's
    // signature passes the Standard Webhooks reference library's verifier.
    let deadline = Instant::now() + Duration::from_secs(30);
    let by_work_order = loop {
        let mut by_wo: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
        for r in factory.accepted() {
            assert!(r.signature_ok, "every delivery is signed");
            if r.body["type"] == "work_order.created" {
                by_wo.entry(r.body["data"]["id"].as_i64().unwrap()).or_default().insert(r.webhook_id.clone());
            }
        }
        if work_orders.values().all(|id| by_wo.contains_key(id)) || Instant::now() > deadline {
            break by_wo;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for (reference, id) in &work_orders {
        let ids = by_work_order.get(id).unwrap_or_else(|| panic!("work order {id} of {reference} was never delivered"));
        assert_eq!(ids.len(), 1, "work order {id} arrived under one webhook-id: {ids:?}");
    }
    // No webhook-id names two work orders, either.
    let all_ids: BTreeSet<&String> = by_work_order.values().flatten().collect();
    assert_eq!(all_ids.len(), by_work_order.len());
    let raw = factory.accepted().len();
    eprintln!("{} orders acknowledged across {KILLS} kills (at each kill: {acked_at_kill:?}), all delivered; {raw} deliveries accepted (repeats of one webhook-id are the at-least-once retries of events in flight at a kill)", work_orders.len());
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

/// Stopped as a deploy stops it (`SIGTERM`), the server dropped the deliveries in flight: the
/// factory's answer was lost and the event was sent again once its lease ended, in the next
/// process (the events behind it waiting as long). The server now waits for the answer and
/// records it before it exits.
#[tokio::test]
async fn a_server_stopped_gracefully_records_the_deliveries_in_flight() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("stop.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    // The factory answers the first push after 4 s, within the 8 s timeout.
    let factory = TestFactory::start(Mode::SlowFirst(1));
    let mut server = start_server_timing_out(&db_url, port, 8);
    wait_ready(&server.base).await;
    let db = Db::connect(&test_settings(db_url.clone()).database).unwrap();
    let (key, customer) = fixture(&db, &factory);
    let body = jersey_order(&customer);
    let res = reqwest::Client::new().post(format!("{}/api/v1/orders", server.base)).bearer_auth(&key).header("idempotency-key", "stop-1").json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let stopped = Instant::now();
    assert!(Command::new("kill").arg("-TERM").arg(server.child.id().to_string()).status().unwrap().success());
    let exited = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(stopped.elapsed() < Duration::from_secs(20), "the server did not stop");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exited.success(), "{exited:?}");
    assert_eq!(factory.accepted().len(), 1, "answered before the server exited");
    let pending = db
        .read(|conn| -> Result<_, StoreError> {
            use diesel::prelude::*;
            use atelier::store::schema::outbox::dsl as ob;
            Ok(ob::outbox.filter(ob::delivered_at.is_null()).count().get_result::<i64>(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(pending, 0, "the delivery was recorded");
    // Started again, nothing is sent again once the lease (4 s) would have ended.
    let mut again = start_server_timing_out(&db_url, port, 8);
    wait_ready(&again.base).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(factory.received.lock().unwrap().len(), 1, "sent once");
    again.child.kill().unwrap();
    let _ = again.child.wait();
}
