//! Settings from the environment, with defaults that run out of the box.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};

/// Which database a URL selects. Chosen by URL scheme, never by trial: trying backends in
/// turn hides the real connection error (see the stack notes on `MultiConnection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: u32,
    /// How long a request waits for a connection (or a SQLite lock) before it fails cleanly.
    pub busy_timeout: Duration,
}

impl DatabaseSettings {
    pub fn backend(&self) -> anyhow::Result<Backend> {
        backend_of(&self.url)
    }
}

pub fn backend_of(url: &str) -> anyhow::Result<Backend> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else if url.starts_with("sqlite:") || !url.contains("://") {
        Ok(Backend::Sqlite)
    } else {
        bail!("DATABASE_URL must start with postgres://, postgresql:// or sqlite:// (or be a file path)")
    }
}

/// The file path of a SQLite URL (`sqlite://atelier.db`, `sqlite:atelier.db` or `atelier.db`).
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub database: DatabaseSettings,
    /// The address people reach us at; `https://` turns on `Secure` cookies.
    pub public_url: String,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// Load the demo store and first administrator into an empty database.
    pub seed_demo: bool,
    /// Where the stylesheet and script are served from.
    pub static_dir: String,
    /// Webhook delivery to factories: retry schedule and timeout.
    pub dispatcher: crate::bridge::DispatcherSettings,
    /// Value classes: thresholds and how often they are recomputed.
    pub learning: LearningSettings,
    /// When a session ends without a sign-out.
    pub sessions: SessionSettings,
    /// How long an answer kept in memory may be used: who a session, a staff id, a customer
    /// account or an API token stands for, and rows that are written once (stores, catalog
    /// versions, measurement sets). Changes made through this process take effect at once;
    /// changes made by another process (a second instance on PostgreSQL, the command line)
    /// within this time. Zero asks the database on every request.
    pub cache_ttl: Duration,
}

/// Session timeouts (OWASP ASVS 5.0, 7.3.1 and 7.3.2): a session unused for `idle` ends, and
/// every session ends `absolute` after it began, however busy.
#[derive(Debug, Clone, Copy)]
pub struct SessionSettings {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self { idle: Duration::from_secs(30 * 60), absolute: Duration::from_secs(12 * 3600) }
    }
}

fn session_settings() -> anyhow::Result<SessionSettings> {
    let idle: u64 = env_or("ATELIER_SESSION_IDLE_MINUTES", "30")
        .parse()
        .context("ATELIER_SESSION_IDLE_MINUTES must be a whole number of minutes")?;
    let absolute: u64 = env_or("ATELIER_SESSION_ABSOLUTE_HOURS", "12")
        .parse()
        .context("ATELIER_SESSION_ABSOLUTE_HOURS must be a whole number of hours")?;
    if idle == 0 || absolute == 0 {
        bail!("ATELIER_SESSION_IDLE_MINUTES and ATELIER_SESSION_ABSOLUTE_HOURS must be at least 1");
    }
    if idle > absolute * 60 {
        bail!("ATELIER_SESSION_IDLE_MINUTES ({idle}) cannot be longer than ATELIER_SESSION_ABSOLUTE_HOURS ({absolute} h)");
    }
    Ok(SessionSettings { idle: Duration::from_secs(idle * 60), absolute: Duration::from_secs(absolute * 3600) })
}

#[derive(Debug, Clone)]
pub struct LearningSettings {
    pub thresholds: crate::domain::profile::Thresholds,
    /// Value classes, segments and recommendations are recomputed this often.
    pub classify_every: Duration,
}

impl Default for LearningSettings {
    fn default() -> Self {
        Self { thresholds: Default::default(), classify_every: Duration::from_secs(3600) }
    }
}

fn learning_settings() -> anyhow::Result<LearningSettings> {
    let thresholds = crate::domain::profile::Thresholds::parse(&env_or("ATELIER_VALUE_CLASS_THRESHOLDS", "80,95"))
        .context("ATELIER_VALUE_CLASS_THRESHOLDS")?;
    let secs: u64 = env_or("ATELIER_CLASSIFY_EVERY_SECS", "3600")
        .parse()
        .context("ATELIER_CLASSIFY_EVERY_SECS must be a whole number of seconds")?;
    Ok(LearningSettings { thresholds, classify_every: Duration::from_secs(secs.max(60)) })
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        let addr = env_or("ATELIER_ADDR", "127.0.0.1:8080")
            .parse()
            .context("ATELIER_ADDR must be an address such as 127.0.0.1:8080")?;
        let url = env_or("DATABASE_URL", "sqlite://atelier.db");
        backend_of(&url)?;
        let pool_size = env_or("ATELIER_DB_POOL_SIZE", "8")
            .parse()
            .context("ATELIER_DB_POOL_SIZE must be a whole number")?;
        let busy_ms: u64 = env_or("ATELIER_DB_BUSY_TIMEOUT_MS", "5000")
            .parse()
            .context("ATELIER_DB_BUSY_TIMEOUT_MS must be a whole number of milliseconds")?;
        let workers = env_or("ATELIER_WORKERS", "0")
            .parse()
            .context("ATELIER_WORKERS must be a whole number")?;
        let public_url = env_or("ATELIER_PUBLIC_URL", &format!("http://{addr}"));
        let seed_demo = env_or("ATELIER_SEED_DEMO", "true") != "false";
        let cache_ttl_ms: u64 = env_or("ATELIER_CACHE_MS", "1000")
            .parse()
            .context("ATELIER_CACHE_MS must be a whole number of milliseconds")?;
        Ok(Self {
            addr,
            database: DatabaseSettings {
                url,
                pool_size,
                busy_timeout: Duration::from_millis(busy_ms),
            },
            public_url,
            workers,
            seed_demo,
            static_dir: env_or("ATELIER_STATIC_DIR", "static"),
            dispatcher: dispatcher_settings()?,
            learning: learning_settings()?,
            sessions: session_settings()?,
            cache_ttl: Duration::from_millis(cache_ttl_ms),
        })
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Over https the session cookie takes the `__Host-` prefix: browsers then accept it only
    /// `Secure`, for this host alone and the whole path, so a sibling subdomain cannot plant one.
    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure_cookies() { "__Host-atelier_session" } else { "atelier_session" }
    }
}

fn dispatcher_settings() -> anyhow::Result<crate::bridge::DispatcherSettings> {
    let mut d = crate::bridge::DispatcherSettings::default();
    if let Ok(v) = std::env::var("ATELIER_WEBHOOK_RETRY_SCHEDULE") {
        d.retry_schedule = v
            .split(',')
            .map(|s| s.trim().parse::<u64>())
            .collect::<Result<_, _>>()
            .context("ATELIER_WEBHOOK_RETRY_SCHEDULE must be seconds separated by commas, e.g. 0,5,300")?;
    }
    let timeout: u64 = env_or("ATELIER_WEBHOOK_TIMEOUT_SECS", "15")
        .parse()
        .context("ATELIER_WEBHOOK_TIMEOUT_SECS must be a whole number of seconds")?;
    d.timeout = Duration::from_secs(timeout.max(1));
    // How long a dispatcher holds an event it is sending: after a crash, that event waits this
    // long before another dispatcher takes it. It must outlast one attempt.
    let lease: u64 = env_or("ATELIER_WEBHOOK_LEASE_SECS", "60")
        .parse()
        .context("ATELIER_WEBHOOK_LEASE_SECS must be a whole number of seconds")?;
    d.lease = Duration::from_secs(lease.max(timeout.max(1) + 2));
    d.allowed_hosts = env_or("ATELIER_WEBHOOK_ALLOWED_HOSTS", "")
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect();
    d.allow_private = parse_bool("ATELIER_WEBHOOK_ALLOW_PRIVATE", false)?;
    let hours: u64 = env_or("ATELIER_WEBHOOK_DISABLE_AFTER_HOURS", "120")
        .parse()
        .context("ATELIER_WEBHOOK_DISABLE_AFTER_HOURS must be a whole number of hours")?;
    d.disable_after = Duration::from_secs(hours.max(1) * 3600);
    let overlap: u64 = env_or("ATELIER_WEBHOOK_SECRET_OVERLAP_HOURS", "24")
        .parse()
        .context("ATELIER_WEBHOOK_SECRET_OVERLAP_HOURS must be a whole number of hours")?;
    d.secret_overlap = Duration::from_secs(overlap * 3600);
    Ok(d)
}

/// `true`/`false` (also `1`/`0`, `yes`/`no`); anything else is a start-up error, so a typo
/// cannot silently open or close a guard.
fn parse_bool(name: &str, default: bool) -> anyhow::Result<bool> {
    match env_or(name, if default { "true" } else { "false" }).to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        other => bail!("{name} must be true or false, not {other:?}"),
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_is_chosen_by_url_scheme() {
        assert_eq!(backend_of("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(backend_of("postgresql://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(backend_of("sqlite://atelier.db").unwrap(), Backend::Sqlite);
        assert_eq!(backend_of("atelier.db").unwrap(), Backend::Sqlite);
        assert!(backend_of("mysql://h/db").is_err());
    }

    #[test]
    fn a_sqlite_url_names_its_file() {
        assert_eq!(sqlite_path("sqlite://data/a.db"), "data/a.db");
        assert_eq!(sqlite_path("sqlite:a.db"), "a.db");
        assert_eq!(sqlite_path("a.db"), "a.db");
    }
}
