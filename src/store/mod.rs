//! Storage: diesel over SQLite and PostgreSQL with the same code.
//!
//! Functions in the aggregate modules take `&mut DbConn` and return `QueryResult`, so a caller
//! can compose several in one transaction. [`Db`] runs them off the async threads.

pub mod schema;

pub mod activity;
pub mod audit;
pub mod catalogs;
pub mod channels;
pub mod customer_accounts;
pub mod classes;
pub mod customers;
pub mod drafts;
pub mod epoch;
pub mod factories;
mod group_commit;
mod sqlite_tuning;
pub mod mail_outbox;
pub mod insights;
pub mod learned;
pub mod orders;
pub mod notices;
pub mod outbox;
pub mod secrets;
pub mod sessions;
pub mod sign_in_failures;
pub mod staff;
pub mod stores;

/// Runs a diesel query on the pooled connection's own backend connection:
/// `native!(conn, |on| table.filter(..).load(on))`.
///
/// Why not just `.load(conn)`: diesel's derived `MultiConnection` wraps every query in a
/// `SerializedQuery` whose `walk_ast` writes the whole SQL text into a new string on *every*
/// pass, the statement-cache check and the bind collection included, so each execution
/// built its SQL twice although the prepared statement was cached. On the staff customer
/// page that was 15–25 % of the CPU. The query expression is written once and compiled
/// for each backend; on its own connection diesel finds the cached statement by type, with
/// no SQL built. Transactions are unaffected: the multi-connection's transaction manager
/// is the inner connection's.
macro_rules! native {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::store::DbConn::Sqlite($c) => $body,
            $crate::store::DbConn::Postgres($c) => $body,
        }
    };
}
pub(crate) use native;

use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, SubsecRound, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::{Backend, DatabaseSettings, sqlite_path};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(diesel::SqliteConnection),
    Postgres(diesel::PgConnection),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database is busy or unreachable: {0}")]
    Unavailable(#[from] r2d2::PoolError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("a database task was cancelled")]
    Cancelled,
    /// The writer connection stayed taken past the busy timeout (group commit).
    #[error("the database writer is busy: {0}")]
    WriterBusy(String),
}

impl StoreError {
    /// The database was busy past the configured wait: a lock held by another writer
    /// (SQLite's busy timeout, PostgreSQL's lock or statement timeout, a deadlock victim), or
    /// the server ended the pooled connection (a restart, a failover); the pool replaces it.
    /// The request can be retried (with the same Idempotency-Key where it writes).
    pub fn is_busy(&self) -> bool {
        use diesel::result::DatabaseErrorKind as Kind;
        match self {
            StoreError::Unavailable(_) | StoreError::WriterBusy(_) => true,
            StoreError::Query(diesel::result::Error::DatabaseError(kind, info)) => {
                let m = info.message();
                matches!(kind, Kind::SerializationFailure | Kind::ClosedConnection | Kind::UnableToSendCommand)
                    || m.contains("terminating connection")
                    || m.contains("server closed the connection")
                    || m.contains("database is locked")
                    || m.contains("database table is locked")
                    || m.contains("lock timeout")
                    || m.contains("statement timeout")
                    || m.contains("deadlock detected")
            }
            _ => false,
        }
    }

    /// The database cannot grow: SQLite's "database or disk is full" (the disk, or
    /// `max_page_count`), PostgreSQL's disk_full (53100) / "could not extend file". The
    /// transaction was rolled back; nothing was written.
    pub fn is_full(&self) -> bool {
        self.database_message().is_some_and(|m| {
            m.contains("database or disk is full") || m.contains("could not extend file") || m.contains("No space left on device")
        })
    }

    /// The database refuses writes: SQLite's "attempt to write a readonly database" (a
    /// read-only file or connection) or "disk I/O error" (the file became unwritable under an
    /// open connection: an immutable file, a file system remounted read-only), PostgreSQL's
    /// read_only_sql_transaction (25006, a read-only database or a standby). SQLite's atomic
    /// commit and PostgreSQL's transactions leave nothing half-written.
    pub fn is_read_only(&self) -> bool {
        self.database_message()
            .is_some_and(|m| m.contains("readonly database") || m.contains("read-only transaction") || m.contains("disk I/O error"))
    }

    /// The database takes no writes just now (busy, read-only or full), though it may answer
    /// reads: what a write that can wait (a session's refresh) gives up on.
    pub fn is_unwritable(&self) -> bool {
        self.is_busy() || self.is_read_only() || self.is_full()
    }

    fn database_message(&self) -> Option<&str> {
        match self {
            StoreError::Query(diesel::result::Error::DatabaseError(_, info)) => Some(info.message()),
            _ => None,
        }
    }

    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StoreError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

/// Opens connections for the backend its URL names, and reports the real connection error.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: String,
    backend: Backend,
    busy_timeout: Duration,
}

impl ManageConnection for ConnectionManager {
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        match self.backend {
            Backend::Sqlite => {
                sqlite_tuning::apply_once();
                let mut conn = diesel::SqliteConnection::establish(sqlite_path(&self.url))
                    .map_err(r2d2::Error::ConnectionError)?;
                // busy_timeout must come before journal_mode: switching to WAL takes a lock,
                // and parallel pool start-up on a new file would otherwise fail at once.
                // secure_delete overwrites deleted and replaced rows with zeros, so an erased
                // customer is not left readable in free space of the file (or the WAL).
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
                    self.busy_timeout.as_millis()
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(Pooled::new(DbConn::Sqlite(conn)))
            }
            Backend::Postgres => {
                let mut conn = diesel::PgConnection::establish(&self.url)
                    .map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(&format!(
                    "SET lock_timeout = {}; SET statement_timeout = {}; SET TIME ZONE 'UTC';",
                    self.busy_timeout.as_millis(),
                    self.busy_timeout.as_millis() * 6
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(Pooled::new(DbConn::Postgres(conn)))
            }
        }
    }

    /// Pings a connection on check-out, unless its last use succeeded moments ago: that use
    /// is as good a proof of life as the ping, which would otherwise be every third statement
    /// of a pull on PostgreSQL. HikariCP skips its check the same way (its
    /// `aliveBypassWindowMs`). A failed use always pings next time, so a connection the
    /// server dropped is found and replaced instead of failing request after request.
    fn is_valid(&self, conn: &mut Pooled) -> Result<(), r2d2::Error> {
        if conn.last_ok.is_some_and(|at| at.elapsed() < Pooled::TRUSTED_FOR) {
            return Ok(());
        }
        conn.conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)?;
        conn.last_ok = Some(Instant::now());
        Ok(())
    }

    /// A connection given back inside a transaction, or whose transaction state diesel found
    /// broken, is closed rather than handed to the next caller.
    fn has_broken(&self, conn: &mut Pooled) -> bool {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        std::thread::panicking()
            || match &mut conn.conn {
                DbConn::Sqlite(c) => AnsiTransactionManager::is_broken_transaction_manager(c),
                DbConn::Postgres(c) => AnsiTransactionManager::is_broken_transaction_manager(c),
            }
    }
}

/// A pooled connection and when it last did its work without an error.
pub struct Pooled {
    conn: DbConn,
    last_ok: Option<Instant>,
}

impl Pooled {
    const TRUSTED_FOR: Duration = Duration::from_millis(500);

    fn new(conn: DbConn) -> Self {
        Self { conn, last_ok: Some(Instant::now()) }
    }

    /// Records how a use ended: an error of any kind makes the next check-out ping.
    pub(crate) fn used(&mut self, ok: bool) {
        self.last_ok = ok.then(Instant::now);
    }
}

impl std::ops::Deref for Pooled {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// The database handle the app shares. On SQLite all writes go through one connection:
/// SQLite allows one writer at a time anyway, and queueing in the pool instead of in
/// SQLite's busy handler keeps the tail latency low and avoids lock-upgrade failures of
/// read-then-write transactions. On PostgreSQL both pools are the same.
#[derive(Clone)]
pub struct Db {
    read: Pool<ConnectionManager>,
    write: Pool<ConnectionManager>,
    backend: Backend,
    /// SQLite: the queue to the writer thread that commits waiting writes together.
    group: Option<group_commit::GroupWriter>,
}

impl Db {
    /// Connects, creating the SQLite file if needed, and applies pending migrations.
    pub fn connect(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let backend = settings.backend()?;
        let manager = ConnectionManager {
            url: settings.url.clone(),
            backend,
            busy_timeout: settings.busy_timeout,
        };
        // Migrate on a single connection first, so that the pools never race the schema.
        let mut conn = manager.connect().map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
        run_migrations(&mut conn)?;
        drop(conn);

        let build = |size: u32| {
            Pool::builder()
                .max_size(size.max(1))
                .min_idle(Some(1))
                .connection_timeout(settings.busy_timeout)
                .build(manager.clone())
        };
        let read = build(settings.pool_size)?;
        let write = match backend {
            Backend::Sqlite => build(1)?,
            Backend::Postgres => read.clone(),
        };
        let group = match backend {
            Backend::Sqlite => Some(group_commit::GroupWriter::start(write.clone())?),
            Backend::Postgres => None,
        };
        Ok(Self { read, write, backend, group })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `f` on a pooled connection on the blocking thread pool.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        run_blocking(self.read.clone(), f).await
    }

    /// [`Db::read`] for a page of many queries: on SQLite they run in one read transaction, so
    /// they see one state of the database, and the connection takes and drops its shared lock
    /// once instead of once per statement (a fifth of the customer page's work). On PostgreSQL
    /// they run as with [`Db::read`]: a transaction there costs two more round trips.
    pub async fn read_together<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<diesel::result::Error> + Send + 'static,
    {
        run_blocking(self.read.clone(), move |conn| match conn {
            DbConn::Sqlite(_) => conn.transaction(f),
            DbConn::Postgres(_) => f(conn),
        })
        .await
    }

    /// Runs `f` in one transaction on the writer connection: all of it commits, or none.
    /// On SQLite the transaction may be shared with other writers waiting at the same time
    /// (group commit, `f` in a savepoint of its own): the answer comes after the commit.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<diesel::result::Error> + Send + 'static,
    {
        match &self.group {
            Some(group) => group.write(f).await,
            None => run_blocking(self.write.clone(), move |conn| write_transaction(conn, f)).await,
        }
    }

    /// Blocking access for the command line and for start-up.
    pub fn write_blocking<T, E>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError> + From<diesel::result::Error>,
    {
        let mut pooled = self.write.get().map_err(StoreError::from)?;
        let conn: &mut DbConn = &mut pooled;
        let result = write_transaction(conn, f);
        pooled.used(result.is_ok());
        epoch::publish();
        result
    }
}

/// A write transaction. On SQLite it begins `IMMEDIATE`: the write lock is taken at the start,
/// waiting up to the busy timeout when another process holds it. A deferred `BEGIN` would
/// fail at once when its read turns into a write while someone else writes.
fn write_transaction<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let DbConn::Sqlite(c) = conn else { return conn.transaction(f) };
    AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    let result = f(conn);
    let DbConn::Sqlite(c) = conn else { return result };
    match result {
        Ok(value) => match AnsiTransactionManager::commit_transaction(c) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = AnsiTransactionManager::rollback_transaction(c);
                Err(e.into())
            }
        },
        Err(e) => {
            let _ = AnsiTransactionManager::rollback_transaction(c);
            Err(e)
        }
    }
}

async fn run_blocking<T, E, F>(pool: Pool<ConnectionManager>, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let mut conn: PooledConnection<ConnectionManager> = pool.get().map_err(StoreError::from)?;
        let result = f(&mut conn);
        conn.used(result.is_ok());
        // After the commit (a write runs its whole transaction in `f`).
        epoch::publish();
        result
    })
    .await
    .map_err(|_| StoreError::Cancelled)?
}

pub fn run_migrations(conn: &mut DbConn) -> anyhow::Result<()> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
    }
    .map_err(|e| anyhow::anyhow!("database migration failed: {e}"))?;
    if applied > 0 {
        tracing::info!(migrations.applied = applied, "database migrated");
    }
    Ok(())
}

/// Now, in UTC, truncated to what both backends keep (microseconds), so a value reads back
/// exactly as it was written.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use diesel::connection::SimpleConnection;

    use super::{Db, StoreError};
    use crate::config::DatabaseSettings;

    /// A database with one read connection, so that a broken one would be handed out again.
    fn sqlite(dir: &tempfile::TempDir) -> Db {
        let url = format!("sqlite://{}", dir.path().join("reads.db").display());
        Db::connect(&DatabaseSettings { url, pool_size: 1, busy_timeout: Duration::from_secs(5) }).unwrap()
    }

    fn select_one(c: &mut super::DbConn) -> Result<(), StoreError> {
        Ok(c.batch_execute("SELECT 1")?)
    }

    /// A read that panics is an error for its caller; the connection it left inside a
    /// transaction is not handed out again.
    #[tokio::test]
    async fn a_read_that_panics_is_an_error_and_the_next_read_works() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite(&dir);
        let failed = db.read_together(|_| -> Result<(), StoreError> { panic!("a read that panics") }).await;
        assert!(matches!(failed, Err(StoreError::Cancelled)), "{failed:?}");
        db.read_together(select_one).await.unwrap();
        db.read(select_one).await.unwrap();
    }
}
