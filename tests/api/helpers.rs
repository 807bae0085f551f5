use std::time::Duration;

use atelier::accounts::{self, CreateStaff};
use atelier::config::{DatabaseSettings, Settings};
use atelier::domain::staff::{Role, StaffEmail};
use atelier::store::{self, Db, StoreError};
use diesel::Connection;
use diesel::connection::SimpleConnection;
use rand::RngCore;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use scraper::{Html, Selector};

pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares each test once per backend: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                if !$crate::helpers::postgres_configured() {
                    return;
                }
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )*};
}

/// Without a PostgreSQL URL the PostgreSQL variants are skipped locally, loudly; in CI they
/// must run, so a missing URL there is a failure.
pub fn postgres_configured() -> bool {
    if std::env::var("ATELIER_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
        panic!("ATELIER_TEST_DATABASE_URL must be set in CI: PostgreSQL tests may not be skipped");
    }
    eprintln!("skipped: set ATELIER_TEST_DATABASE_URL to run the PostgreSQL variant");
    false
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub settings: Settings,
    pub north: i64,
    pub south: i64,
    _dir: Option<tempfile::TempDir>,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

pub fn random_suffix() -> String {
    let mut b = [0u8; 6];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// A new, empty PostgreSQL database next to the one the URL names.
pub fn fresh_postgres_url() -> String {
    fresh_postgres_url_in(None)
}

/// [`fresh_postgres_url`], its files in `tablespace` when one is named.
pub fn fresh_postgres_url_in(tablespace: Option<&str>) -> String {
    let base = std::env::var("ATELIER_TEST_DATABASE_URL").expect("ATELIER_TEST_DATABASE_URL");
    let name = format!("atelier_t_{}", random_suffix());
    let mut admin = diesel::PgConnection::establish(&base).expect("connect to the test PostgreSQL");
    let placed = tablespace.map(|t| format!(" TABLESPACE {t}")).unwrap_or_default();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}{placed}"))
        .expect("create a test database");
    let (head, _) = base.rsplit_once('/').expect("a database URL with a path");
    format!("{head}/{name}")
}

pub fn test_settings(url: String) -> Settings {
    if std::env::var("TEST_LOG").is_ok() {
        atelier::telemetry::init("debug");
    }
    Settings {
        addr: "127.0.0.1:0".parse().expect("addr"),
        database: DatabaseSettings { url, pool_size: 4, busy_timeout: Duration::from_secs(5) },
        public_url: "http://127.0.0.1".into(),
        workers: 1,
        seed_demo: false,
        static_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/static").into(),
        dispatcher: atelier::bridge::DispatcherSettings {
            // A compressed schedule: the same shape, in milliseconds' worth of seconds.
            retry_schedule: vec![0, 1, 1, 1, 1, 1, 1, 1, 1, 1],
            timeout: Duration::from_secs(2),
            lease: Duration::from_secs(5),
            batch: 64,
            // The test factories listen on loopback: the tests opt in, as an operator would.
            allow_private: true,
            ..Default::default()
        },
        learning: Default::default(),
        sessions: Default::default(),
        // As in production: every test also checks that what is answered from memory
        // follows the changes it makes.
        cache_ttl: Duration::from_secs(1),
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// A server whose settings the test adjusts first (a compressed retry schedule, a short
/// timeout, a strict push-destination guard).
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let (url, dir) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            (url, Some(dir))
        }
        Backend::Postgres => (fresh_postgres_url(), None),
    };
    spawn_app_on(url, dir, adjust)
}

/// A server on the database `url` names (kept alive with `dir`, for a SQLite file).
pub fn spawn_app_on(url: String, dir: Option<tempfile::TempDir>, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = test_settings(url);
    adjust(&mut settings);
    let db = Db::connect(&settings.database).expect("database");
    let (north, south) = seed(&db);
    let address = start(&settings, db.clone());
    TestApp { address, client: client(), db, settings, north, south, _dir: dir }
}

/// Starts another server on the same database, as after a restart or on a second instance.
pub fn start(settings: &Settings, db: Db) -> String {
    let app = atelier::Application::build(settings.clone(), db).expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

pub const ADMIN: &str = "admin@chain.example";
pub const MANAGER_NORTH: &str = "manager.north@chain.example";
pub const FITTER_NORTH: &str = "fitter.north@chain.example";
pub const FITTER_SOUTH: &str = "fitter.south@chain.example";

fn seed(db: &Db) -> (i64, i64) {
    let ids = db
        .write_blocking(|conn| -> Result<(i64, i64), StoreError> {
            let mk = |conn: &mut store::DbConn, code: &str, name: &str| {
                store::stores::insert(
                    conn,
                    &store::stores::NewStore { code, name, tax_rate_bp: 2000, currency: "EUR", created_at: store::now() },
                )
            };
            Ok((mk(conn, "NORTH", "North Store")?, mk(conn, "SOUTH", "South Store")?))
        })
        .expect("stores");
    for (email, name, role, store) in [
        (ADMIN, "Ada Admin", Role::Admin, None),
        (MANAGER_NORTH, "Mia Manager", Role::Manager, Some("NORTH")),
        (FITTER_NORTH, "Finn Fitter", Role::Fitter, Some("NORTH")),
        (FITTER_SOUTH, "Sara Fitter", Role::Fitter, Some("SOUTH")),
    ] {
        add_staff(db, email, name, role, store, false);
    }
    ids
}

pub fn add_staff(db: &Db, email: &str, name: &str, role: Role, store: Option<&str>, must_change: bool) -> i64 {
    let email = StaffEmail::parse(email).expect("email");
    accounts::create_staff_blocking(
        db,
        &CreateStaff { email: &email, name, role, store_code: store, password: PASSWORD, must_change_password: must_change },
    )
    .expect("staff")
}

pub fn select(html: &Html, css: &str) -> Vec<String> {
    let sel = Selector::parse(css).expect("selector");
    html.select(&sel).map(|e| e.text().collect::<String>().trim().to_owned()).collect()
}

pub fn attr(html: &Html, css: &str, name: &str) -> Option<String> {
    let sel = Selector::parse(css).expect("selector");
    html.select(&sel).next().and_then(|e| e.value().attr(name)).map(str::to_owned)
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("atelier_session=") && !c.starts_with("atelier_session=;"))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}

impl TestApp {
    /// Another browser on the same server, keeping this one.
    pub fn browser(&self) -> TestApp {
        TestApp {
            address: self.address.clone(),
            client: client(),
            db: self.db.clone(),
            settings: self.settings.clone(),
            north: self.north,
            south: self.south,
            _dir: None,
        }
    }

    /// A browser with no cookies on another server (e.g. an instance with other settings).
    pub fn on_server(&self, address: String) -> TestApp {
        TestApp { address, ..self.browser() }
    }

    /// The same server, seen from a browser with no cookies.
    pub fn in_another_browser(self) -> Self {
        Self { client: client(), ..self }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_html(&self, path: &str) -> (StatusCode, Html) {
        let res = self.get(path).await;
        let status = res.status();
        (status, Html::parse_document(&res.text().await.expect("body")))
    }

    /// The CSRF token the page at `path` put in its forms.
    pub async fn csrf(&self, path: &str) -> String {
        let (_, html) = self.get_html(path).await;
        attr(&html, "input[name=csrf_token]", "value").expect("a CSRF field on the page")
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(self.url(path)).form(fields).send().await.expect("POST")
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        let token = self.csrf("/staff/sign-in").await;
        self.post_form("/staff/sign-in", &[("csrf_token", &token), ("email", email), ("password", password)])
            .await
    }

    pub async fn sign_in_as(&self, email: &str) {
        let res = self.sign_in(email, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in of {email} should succeed");
    }

    pub async fn sign_out(&self) -> reqwest::Response {
        let token = self.csrf("/staff").await;
        self.post_form("/staff/sign-out", &[("csrf_token", &token)]).await
    }

    pub fn with_cookie(&self, cookie: &str) -> reqwest::Client {
        let mut headers = HeaderMap::new();
        headers.insert("cookie", HeaderValue::from_str(cookie).expect("cookie"));
        reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }
}

/// Every file under the project's `dir` (`src`, `templates`), as (path, text): for tests that
/// read the code itself (message ids used, actions audited, problems refused with).
pub fn project_texts(dir: &str) -> Vec<(std::path::PathBuf, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, String)>) {
        for path in std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()) {
            if path.is_dir() {
                walk(&path, out);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                out.push((path, text));
            }
        }
    }
    let mut out = vec![];
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut out);
    out
}
