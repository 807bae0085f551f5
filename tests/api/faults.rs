//! Storage faults. The database is busy (another process holds SQLite's write lock, another
//! session holds a table lock on PostgreSQL): requests wait a bounded time, then fail cleanly
//! with a message and `Retry-After`. The database is full or read-only: `/readyz` says so
//! with a reason, writes are refused with a clear error (problem+json on the API, a readable
//! page on forms). In every case nothing is half-written, and once the condition clears the
//! retry with the same Idempotency-Key places the order, once.

use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

const BUSY_BOUND: Duration = Duration::from_millis(1500);

/// An app with the demo catalogs, a short busy bound, a pull-only factory, a sales channel and
/// a customer; returns the channel key and an order body.
async fn storage_app(backend: Backend) -> (TestApp, String, Value) {
    storage_app_from(spawn_app_with(backend, |s| s.database.busy_timeout = BUSY_BOUND).await).await
}

async fn storage_app_from(app: TestApp) -> (TestApp, String, Value) {
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || atelier::catalogs::load_demo(&db, &atelier::catalogs::CatalogCache::default())).await.unwrap().unwrap();
    app.register_factory("storage", None).await;
    let key = app.add_channel("storage").await;
    let customer = app.customer_reference("Busy Buyer").await;
    let body = json!({
        "customer_reference": customer, "product": "cycling_jersey",
        "choices": {"cut": "men", "fit": "club", "sleeve": "short", "fabric": "standard", "zip": "full", "body_colour": "navy", "panel_colour": "black"},
        "measurements": {"stature": 1755, "chest_girth": 1056, "waist_girth": 937, "hip_girth": 1017, "arm_length": 592, "body_mass": 84600, "inside_leg": 845, "shoulder_width": 415},
    });
    (app, key, body)
}

async fn place(app: &TestApp, key: &str, idem: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new().post(app.url("/api/v1/orders")).bearer_auth(key).header("idempotency-key", idem).json(body).send().await.unwrap()
}

/// Orders, work orders and outbox rows: what one placement writes together.
async fn written(app: &TestApp) -> (i64, i64, i64) {
    app.db
        .read(|conn| {
            use atelier::store::schema::{orders, outbox, work_orders};
            use diesel::prelude::*;
            Ok::<_, atelier::store::StoreError>((
                orders::table.count().get_result(conn)?,
                work_orders::table.count().get_result(conn)?,
                outbox::table.count().get_result(conn)?,
            ))
        })
        .await
        .unwrap()
}

/// SQLite's own check of the file: pages, indexes and free lists are consistent.
async fn sqlite_intact(app: &TestApp) {
    let ok: Vec<String> = app
        .db
        .read(|conn| {
            #[derive(diesel::QueryableByName)]
            struct Row {
                #[diesel(sql_type = diesel::sql_types::Text)]
                integrity_check: String,
            }
            use diesel::RunQueryDsl;
            let rows: Vec<Row> = diesel::sql_query("PRAGMA integrity_check").load(conn)?;
            Ok::<_, atelier::store::StoreError>(rows.into_iter().map(|r| r.integrity_check).collect())
        })
        .await
        .unwrap();
    assert_eq!(ok, vec!["ok"]);
}

async fn readyz(app: &TestApp) -> (StatusCode, Value) {
    let res = app.get("/readyz").await;
    (res.status(), res.json().await.unwrap())
}

/// A fitter enrolling a customer through the form: the answer's status and page text.
async fn enroll_form(app: &TestApp, n: usize) -> (StatusCode, String, String) {
    let token = app.csrf("/staff/customers/new").await;
    let (name, email) = (format!("Form Filler {n}"), format!("form.filler.{n}@example.com"));
    let res = app
        .post_form("/staff/customers", &[("csrf_token", &token), ("name", &name), ("email", &email), ("phone", ""), ("not_a_duplicate", "yes")])
        .await;
    let status = res.status();
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    (status, select(&html, ".error-title").concat(), select(&html, ".error-message").concat())
}

/// Holds the lock another process or session would: SQLite's write lock (`BEGIN IMMEDIATE`),
/// or an ACCESS EXCLUSIVE lock on PostgreSQL's orders table, in an open transaction, until
/// the returned sender is used.
fn hold_lock(app: &TestApp, backend: Backend) -> (std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let url = app.settings.database.url.clone();
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let mut c: Box<dyn FnMut(&str)> = match backend {
            Backend::Sqlite => {
                let mut c = diesel::SqliteConnection::establish(atelier::config::sqlite_path(&url)).unwrap();
                Box::new(move |sql| c.batch_execute(sql).unwrap())
            }
            Backend::Postgres => {
                let mut c = diesel::PgConnection::establish(&url).unwrap();
                Box::new(move |sql| c.batch_execute(sql).unwrap())
            }
        };
        c(match backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE",
        });
        locked_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        c("ROLLBACK");
    });
    locked_rx.recv().unwrap();
    (release_tx, holder)
}

on_both_backends!(
    a_busy_database_makes_a_request_wait_then_fail_cleanly_and_the_retry_succeeds,
    a_read_only_database_is_reported_and_refuses_writes_until_it_is_writable,
);

async fn a_busy_database_makes_a_request_wait_then_fail_cleanly_and_the_retry_succeeds(backend: Backend) {
    let (app, key, body) = storage_app(backend).await;
    let (release, holder) = hold_lock(&app, backend);

    let started = Instant::now();
    let res = place(&app, &key, "busy-1", &body).await;
    let waited = started.elapsed();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["retry-after"], "1");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["type"], "/api/v1/problems/unavailable");
    assert_eq!(problem["detail"], "the database is busy; try again");
    assert!(waited >= BUSY_BOUND - Duration::from_millis(300) && waited < BUSY_BOUND + Duration::from_secs(3), "waited {waited:?} for a {BUSY_BOUND:?} bound");
    // A page to read is shown, without the visitor's new session (a review got a bare 503 with
    // no body and no security headers: the session's write had failed the page).
    if backend == Backend::Sqlite {
        let res = app.browser().get("/shop").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers().contains_key("content-security-policy") && !res.headers().contains_key("set-cookie"));
    }
    // Counted once the lock is gone: on PostgreSQL the count itself waits for the table lock.
    release.send(()).unwrap();
    holder.join().unwrap();
    assert_eq!(written(&app).await, (0, 0, 0), "nothing half-written");
    // The retry places the order, once.
    assert_eq!(place(&app, &key, "busy-1", &body).await.status(), StatusCode::CREATED);
    assert_eq!(place(&app, &key, "busy-1", &body).await.status(), StatusCode::OK);
    assert_eq!(written(&app).await, (1, 1, 0), "one order with its work order (a pull-only factory has no outbox)");
}

/// Runs `chattr` on the database files: an immutable file refuses writes even to root, and
/// even through the connections the server already has open.
fn chattr(flag: &str, files: &[String]) -> bool {
    let ok = std::process::Command::new("chattr").arg(flag).args(files).status().is_ok_and(|s| s.success());
    if !ok && std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
        panic!("chattr {flag} failed: the read-only test needs a file system with immutable files (ext4, xfs, btrfs) and root");
    }
    ok
}

/// Makes the database read-only under the running server: SQLite's files immutable;
/// PostgreSQL's database `default_transaction_read_only`, with the server's sessions ended so
/// that its pool reconnects into the new setting (as after a failover to a standby).
fn set_read_only(app: &TestApp, backend: Backend, on: bool) -> bool {
    match backend {
        Backend::Sqlite => {
            let path = atelier::config::sqlite_path(&app.settings.database.url).to_owned();
            chattr(if on { "+i" } else { "-i" }, &[path.clone(), format!("{path}-wal")])
        }
        Backend::Postgres => {
            let url = &app.settings.database.url;
            let name = url.rsplit('/').next().unwrap();
            let mut c = diesel::PgConnection::establish(url).unwrap();
            // This session may itself start read-only (the setting is on): lift that first, in
            // a statement of its own (a multi-statement string is one implicit transaction).
            c.batch_execute("SET default_transaction_read_only = off").unwrap();
            let setting = if on { "SET default_transaction_read_only = on" } else { "RESET default_transaction_read_only" };
            c.batch_execute(&format!(
                "ALTER DATABASE {name} {setting}; \
                 SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid();"
            ))
            .unwrap();
            // The pool pings a connection before reuse once it has been idle for 500 ms:
            // past that, it finds every ended session instead of handing one out (see
            // `ended_database_sessions_cost_at_most_one_clean_failure_per_pooled_connection`).
            std::thread::sleep(Duration::from_millis(600));
            true
        }
    }
}

async fn a_read_only_database_is_reported_and_refuses_writes_until_it_is_writable(backend: Backend) {
    let (app, key, body) = storage_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    assert_eq!(readyz(&app).await.0, StatusCode::OK);
    assert_eq!(place(&app, &key, "before", &body).await.status(), StatusCode::CREATED);
    if !set_read_only(&app, backend, true) {
        eprintln!("skipped: chattr is not available here (needs root and ext4/xfs/btrfs)");
        return;
    }
    // Writable again even if an assertion fails, so the temporary files can be removed.
    struct Restore<'a>(&'a TestApp, Backend, bool);
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            if self.2 {
                set_read_only(self.0, self.1, false);
            }
        }
    }
    let mut restore = Restore(&app, backend, true);
    let (status, ready) = readyz(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{ready}");
    assert_eq!(ready["reason"], "read_only");

    let res = place(&app, &key, "ro-1", &body).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_eq!(res.headers()["retry-after"], "30");
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["type"], "/api/v1/problems/read-only");
    assert_eq!(problem["detail"], "the database cannot be written (read-only or failing storage); nothing was written");
    let (status, title, message) = enroll_form(&app, 0).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(title, "Saving is paused");
    assert!(message.starts_with("The database is read-only at the moment, so nothing was saved."), "{message}");
    // Reading goes on: a new visitor's page is answered without the session it cannot keep.
    let res = app.browser().get("/shop").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().contains_key("content-security-policy"));
    assert_eq!(written(&app).await, (1, 1, 0), "nothing half-written");

    restore.2 = false;
    assert!(set_read_only(&app, backend, false));
    let deadline = Instant::now() + Duration::from_secs(5);
    while readyz(&app).await.0 != StatusCode::OK {
        assert!(Instant::now() < deadline, "the server did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(place(&app, &key, "ro-1", &body).await.status(), StatusCode::CREATED);
    assert_eq!(place(&app, &key, "ro-1", &body).await.status(), StatusCode::OK);
    assert_eq!(written(&app).await, (2, 2, 0));
    assert_eq!(enroll_form(&app, 1).await.0, StatusCode::SEE_OTHER);
    if backend == Backend::Sqlite {
        sqlite_intact(&app).await;
    }
}

/// Places orders until one is refused for want of space (within `most` orders): that refusal
/// is a 507 problem, and `/readyz` then says `full`. Returns how many orders were placed
/// (counting the `placed` before) and the refused order's Idempotency-Key.
async fn place_until_full(app: &TestApp, key: &str, body: &Value, mut placed: i64, most: i64) -> (i64, String) {
    let failed = loop {
        let idem = format!("full-{placed}");
        let res = place(app, key, &idem, body).await;
        if res.status() == StatusCode::CREATED {
            placed += 1;
            assert!(placed < most, "the database never filled up");
            continue;
        }
        assert_eq!(res.status(), StatusCode::INSUFFICIENT_STORAGE);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["type"], "/api/v1/problems/storage-full");
        assert_eq!(problem["detail"], "the database has no space left; nothing was written");
        break idem;
    };
    let (status, ready) = readyz(app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{ready}");
    assert_eq!(ready["reason"], "full");
    (placed, failed)
}

/// SQLite cannot grow the file: `max_page_count` at the current size, on the server's writer
/// connection, gives the same SQLITE_FULL ("database or disk is full") as a full disk.
/// (PostgreSQL on a really full disk: the next test.)
#[tokio::test]
async fn a_full_database_is_reported_and_refuses_writes_until_it_has_room() {
    let (app, key, body) = storage_app(Backend::Sqlite).await;
    app.sign_in_as(FITTER_NORTH).await;
    assert_eq!(place(&app, &key, "before", &body).await.status(), StatusCode::CREATED);
    let limit = |pages: u64| {
        let db = app.db.clone();
        tokio::task::spawn_blocking(move || {
            // It cannot go below the current size: 1 means "exactly as big as it is now".
            db.write_blocking(|c| c.batch_execute(&format!("PRAGMA max_page_count = {pages}")).map_err(atelier::store::StoreError::from)).unwrap()
        })
    };
    limit(1).await.unwrap();

    // Orders keep coming; they fill what room the last pages had, then one finds none.
    let (placed, failed) = place_until_full(&app, &key, &body, 1, 200).await;
    // A form, too, until the last room is gone: then a readable page, not a half-saved record.
    let mut n = 0;
    let (status, title, message) = loop {
        let answer = enroll_form(&app, n).await;
        n += 1;
        if answer.0 != StatusCode::SEE_OTHER || n > 200 {
            break answer;
        }
    };
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(title, "Saving is paused");
    assert!(message.starts_with("The database has run out of space, so nothing was saved."), "{message}");
    assert_eq!(written(&app).await, (placed, placed, 0), "every acknowledged order, nothing of the refused one");
    sqlite_intact(&app).await;

    limit(4_294_967_294).await.unwrap();
    assert_eq!(readyz(&app).await.0, StatusCode::OK);
    assert_eq!(place(&app, &key, &failed, &body).await.status(), StatusCode::CREATED);
    assert_eq!(place(&app, &key, &failed, &body).await.status(), StatusCode::OK);
    assert_eq!(written(&app).await, (placed + 1, placed + 1, 0));
    assert_eq!(enroll_form(&app, n).await.0, StatusCode::SEE_OTHER);
    sqlite_intact(&app).await;
}

/// A small disk of its own for one PostgreSQL database: a tmpfs mounted on a temporary
/// directory, a tablespace there, the database in it. Dropped: the database, the tablespace
/// and the mount go.
struct SmallDisk {
    dir: tempfile::TempDir,
    tablespace: String,
    database_url: Option<String>,
}

impl SmallDisk {
    /// `None` where this process may not mount a file system (not root); CI runs as root.
    fn mount(megabytes: u32) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_str().unwrap().to_owned();
        let run = |cmd: &str, args: &[&str]| std::process::Command::new(cmd).args(args).status().is_ok_and(|s| s.success());
        if !run("mount", &["-t", "tmpfs", "-o", &format!("size={megabytes}M"), "tmpfs", &path]) {
            return None;
        }
        // The database server's own user writes the files.
        assert!(run("chown", &["postgres:postgres", &path]));
        let tablespace = format!("atelier_small_{}", random_suffix());
        admin().batch_execute(&format!("CREATE TABLESPACE {tablespace} LOCATION '{path}'")).unwrap();
        Some(Self { dir, tablespace, database_url: None })
    }

    fn grow(&self, megabytes: u32) {
        let status = std::process::Command::new("mount")
            .args(["-o", &format!("remount,size={megabytes}M"), self.dir.path().to_str().unwrap()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let mut admin = admin();
        if let Some(name) = self.database_url.as_deref().and_then(|u| u.rsplit('/').next()) {
            // One statement per call: DROP DATABASE refuses to run in a (multi-statement) transaction.
            if let Err(e) = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")) {
                eprintln!("could not drop the small disk's database: {e}");
            }
        }
        if let Err(e) = admin.batch_execute(&format!("DROP TABLESPACE IF EXISTS {}", self.tablespace)) {
            eprintln!("could not drop the small disk's tablespace: {e}");
        }
        let _ = std::process::Command::new("umount").arg(self.dir.path()).status();
    }
}

fn admin() -> diesel::PgConnection {
    diesel::PgConnection::establish(&std::env::var("ATELIER_TEST_DATABASE_URL").unwrap()).unwrap()
}

/// PostgreSQL's disk really fills up (its tablespace on a small tmpfs): "could not extend
/// file … No space left on device". Orders are refused with 507 and nothing half-written,
/// `/readyz` says `full`, and once the disk has room the same Idempotency-Key places the
/// order, once.
#[tokio::test]
async fn a_full_disk_under_postgres_is_reported_and_refuses_writes_until_it_has_room() {
    if std::env::var("ATELIER_TEST_DATABASE_URL").is_err() {
        assert!(std::env::var("CI").is_err(), "CI runs every PostgreSQL test");
        return;
    }
    let Some(mut disk) = SmallDisk::mount(12) else {
        assert!(std::env::var("CI").is_err(), "CI runs as root and mounts the small disk");
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };
    let url = fresh_postgres_url_in(Some(&disk.tablespace));
    disk.database_url = Some(url.clone());
    let (app, key, body) = storage_app_from(spawn_app_on(url.clone(), None, |s| s.database.busy_timeout = BUSY_BOUND)).await;
    assert_eq!(place(&app, &key, "disk-first", &body).await.status(), StatusCode::CREATED, "the disk has room at first");
    // Most of the room goes to a table of its own, half a megabyte at a time, so that only the
    // last of it is filled by orders.
    let mut filler = diesel::PgConnection::establish(&url).unwrap();
    filler.batch_execute("CREATE TABLE filler (pad TEXT)").unwrap();
    while filler.batch_execute("INSERT INTO filler SELECT md5(random()::text) || repeat('x', 1000) FROM generate_series(1, 500)").is_ok() {}

    let (placed, failed) = place_until_full(&app, &key, &body, 1, 20_000).await;
    let (orders, work_orders, _) = written(&app).await;
    assert_eq!((orders, work_orders), (placed, placed), "every acknowledged order with its work order, nothing of the refused one");

    disk.grow(64);
    assert_eq!(readyz(&app).await.0, StatusCode::OK);
    assert_eq!(place(&app, &key, &failed, &body).await.status(), StatusCode::CREATED);
    assert_eq!(place(&app, &key, &failed, &body).await.status(), StatusCode::OK);
    let (orders, work_orders, _) = written(&app).await;
    assert_eq!((orders, work_orders), (placed + 1, placed + 1));
}

/// PostgreSQL ends the server's sessions (a restart, a failover) while they are in use. The
/// pool trusts a connection used moments ago without pinging it, so each pooled connection
/// may fail one request: cleanly, as a retryable 503. Then every request succeeds again.
#[tokio::test]
async fn ended_database_sessions_cost_at_most_one_clean_failure_per_pooled_connection() {
    if !postgres_configured() {
        return;
    }
    let (app, _key, _body) = storage_app(Backend::Postgres).await;
    let token = app.register_factory("reconnect", None).await.token;
    let poll = || {
        let (url, token) = (app.url("/api/v1/work-orders"), token.clone());
        async move { reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap() }
    };
    // Every pooled connection in use moments ago.
    for res in futures_util::future::join_all((0..32).map(|_| poll())).await {
        assert_eq!(res.status(), StatusCode::OK);
    }
    let mut c = diesel::PgConnection::establish(&app.settings.database.url).unwrap();
    c.batch_execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        .unwrap();
    let pool = app.settings.database.pool_size as usize;
    let mut failures = 0;
    for _ in 0..pool + 10 {
        let res = poll().await;
        if res.status() == StatusCode::OK {
            continue;
        }
        failures += 1;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers()["retry-after"], "1");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["detail"], "the database is busy; try again");
    }
    assert!(failures <= pool, "{failures} failed requests with a pool of {pool}");
    for res in futures_util::future::join_all((0..32).map(|_| poll())).await {
        assert_eq!(res.status(), StatusCode::OK, "every connection was replaced");
    }
}
