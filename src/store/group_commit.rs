//! Group commit for SQLite's single writer connection.
//!
//! Every write transaction of the process queues here. One thread owns the writer: it takes
//! everything waiting in the queue, runs each job in its own `SAVEPOINT` inside one
//! `BEGIN IMMEDIATE … COMMIT`, and answers each caller only after the shared commit. A job
//! that fails rolls back to its savepoint, so it leaves no trace and the others commit as if
//! it had never run; a job sees its own writes and those of the jobs before it, exactly as
//! if they had committed one after another.
//!
//! Why: with one writer, a commit per order costs a WAL append of every page the order
//! touched (orders, work orders, outbox, audit, customer figures and their indexes) and a
//! thread hand-off into the pool's wait queue for each request. Under load dozens of orders
//! wait for the writer at once; one commit for all of them writes each shared page once, and
//! the callers never queue for a pooled connection.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::r2d2::Pool;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::{ConnectionManager, DbConn, StoreError};

/// At most this many jobs share one commit, so one batch cannot hold the writer for long.
const MAX_BATCH: usize = 256;

/// Runs a job on the writer connection inside the batch transaction and returns what to do
/// once the batch's fate is known.
type Job = Box<dyn FnOnce(Result<&mut DbConn, StoreError>) -> Finish + Send>;
/// Told whether the shared commit succeeded (the commit's error if not), answers the caller.
type Finish = Box<dyn FnOnce(Option<&CommitFailure>) + Send>;

/// Why a batch did not commit, kept so that each caller gets an error of its own.
#[derive(Debug, Clone)]
pub(super) struct CommitFailure {
    kind: Option<DatabaseErrorKind>,
    message: String,
}

impl CommitFailure {
    fn of(e: &DieselError) -> Self {
        match e {
            DieselError::DatabaseError(kind, info) => Self { kind: Some(*kind), message: info.message().to_owned() },
            other => Self { kind: None, message: other.to_string() },
        }
    }

    /// As a database error with the same kind and message, so that `is_busy` still reads it.
    fn to_error(&self) -> DieselError {
        DieselError::DatabaseError(self.kind.unwrap_or(DatabaseErrorKind::Unknown), Box::new(self.message.clone()))
    }
}

/// The queue to the writer thread. Dropping the last clone ends the thread.
#[derive(Clone)]
pub(super) struct GroupWriter {
    queue: mpsc::Sender<Job>,
}

impl GroupWriter {
    pub(super) fn start(pool: Pool<ConnectionManager>) -> std::io::Result<Self> {
        let (queue, jobs) = mpsc::channel::<Job>();
        std::thread::Builder::new().name("sqlite-writer".into()).spawn(move || run(&pool, &jobs))?;
        Ok(Self { queue })
    }

    /// Runs `f` as one atomic unit (its own savepoint) in the next batch transaction, and
    /// answers after that transaction's commit.
    pub(super) async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<DieselError> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel::<Result<T, E>>();
        let span = tracing::Span::current();
        let job: Job = Box::new(move |conn| {
            let _entered = span.enter();
            let result = match conn {
                Ok(conn) => in_savepoint(conn, f),
                Err(e) => Err(E::from(e)),
            };
            Box::new(move |failure: Option<&CommitFailure>| {
                let result = match (result, failure) {
                    // Rolled back to its savepoint: its own error stands.
                    (Err(e), _) => Err(e),
                    (Ok(_), Some(failure)) => Err(E::from(failure.to_error())),
                    (Ok(v), None) => Ok(v),
                };
                // The caller may have gone away (a dropped request); the write stands.
                let _ = answer.send(result);
            })
        });
        self.queue.send(job).map_err(|_| E::from(StoreError::Cancelled))?;
        answered.await.map_err(|_| E::from(StoreError::Cancelled))?
    }
}

/// A job in its own savepoint: released when it succeeds, rolled back when it fails or
/// panics (a panic answers `Cancelled`, as a panicking blocking task did).
fn in_savepoint<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<StoreError> + From<DieselError>,
{
    let DbConn::Sqlite(c) = conn else { unreachable!("group commit is for SQLite only") };
    AnsiTransactionManager::begin_transaction(c)?;
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| f(conn))).unwrap_or_else(|_| Err(E::from(StoreError::Cancelled)));
    let DbConn::Sqlite(c) = conn else { unreachable!() };
    match result {
        Ok(v) => {
            AnsiTransactionManager::commit_transaction(c)?;
            Ok(v)
        }
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(c)?;
            Err(e)
        }
    }
}

fn run(pool: &Pool<ConnectionManager>, jobs: &mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(pool, batch);
    }
}

fn run_batch(pool: &Pool<ConnectionManager>, batch: Vec<Job>) {
    // The pool's one writer connection; the command line and start-up take it too
    // (`Db::write_blocking`), so it is borrowed per batch, not kept.
    let mut pooled = match pool.get() {
        Ok(c) => c,
        Err(e) => {
            let message = e.to_string();
            for job in batch {
                // Each caller gets the pool's error (nothing was written).
                job(Err(StoreError::WriterBusy(message.clone())))(None);
            }
            return;
        }
    };
    let conn: &mut DbConn = &mut pooled;
    let DbConn::Sqlite(c) = conn else { unreachable!("group commit is for SQLite only") };
    if let Err(e) = AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE") {
        let failure = CommitFailure::of(&e);
        for job in batch {
            job(Err(StoreError::Query(failure.to_error())))(None);
        }
        return;
    }
    let mut finishes = Vec::with_capacity(batch.len());
    for job in batch {
        finishes.push(job(Ok(&mut *conn)));
    }
    let DbConn::Sqlite(c) = conn else { unreachable!() };
    let failure = match AnsiTransactionManager::commit_transaction(c) {
        Ok(()) => None,
        Err(e) => {
            tracing::warn!(error = %e, jobs = finishes.len(), "group commit failed; the batch is rolled back");
            let _ = AnsiTransactionManager::rollback_transaction(c);
            Some(CommitFailure::of(&e))
        }
    };
    pooled.used(failure.is_none());
    // Before anyone is answered: a caller that sees its write done sees the counters moved.
    super::epoch::publish();
    for finish in finishes {
        finish(failure.as_ref());
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::config::DatabaseSettings;
    use crate::store::{Db, StoreError, audit};

    fn count(db: &Db, subject: &str) -> usize {
        let subject = subject.to_owned();
        db.write_blocking(move |c| Ok::<_, StoreError>(audit::list_for_subject(c, &subject)?.len())).unwrap()
    }

    /// Many writers at once share commits; one that fails or panics leaves nothing behind
    /// and does not take the others down with it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_failing_write_in_a_shared_commit_rolls_back_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("group.db").display());
        let db = Db::connect(&DatabaseSettings { url, pool_size: 4, busy_timeout: Duration::from_secs(5) }).unwrap();
        let mut writers = vec![];
        for i in 0..60 {
            let db = db.clone();
            writers.push(tokio::spawn(async move {
                db.write(move |c| -> Result<(), StoreError> {
                    audit::record(c, None, "test.write", if i % 5 == 0 { "failed" } else { "kept" }, &i.to_string())?;
                    match i % 5 {
                        // Written, then refused: the row must go with it.
                        0 if i % 10 == 0 => Err(StoreError::Cancelled),
                        0 => panic!("a writer that panics after writing"),
                        _ => Ok(()),
                    }
                })
                .await
            }));
        }
        let mut ok = 0;
        for (i, w) in writers.into_iter().enumerate() {
            let result = w.await.unwrap();
            assert_eq!(result.is_ok(), i % 5 != 0, "writer {i}: {result:?}");
            ok += usize::from(result.is_ok());
        }
        assert_eq!(ok, 48);
        assert_eq!(count(&db, "kept"), 48, "every successful write committed");
        assert_eq!(count(&db, "failed"), 0, "no failed or panicked write left a row");
        // The writer goes on after a panic.
        db.write(|c| Ok::<_, StoreError>(audit::record(c, None, "test.write", "after", "")?)).await.unwrap();
        assert_eq!(count(&db, "after"), 1);
    }

    /// A write whose savepoint journals more than SQLite keeps in memory (a big batch of
    /// deliveries, orders that change many pages) spills its journal to a file and commits.
    /// With the journal kept in memory up to 512 KiB, every such spill failed with "database or
    /// disk is full" (see `sqlite_tuning`); under the order load that refused whole batches.
    #[tokio::test]
    async fn a_write_whose_journal_outgrows_memory_commits() {
        use diesel::connection::SimpleConnection;
        use diesel::prelude::*;
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("spill.db").display());
        let db = Db::connect(&DatabaseSettings { url, pool_size: 2, busy_timeout: Duration::from_secs(5) }).unwrap();
        db.write(|c| -> Result<(), StoreError> {
            c.batch_execute(
                "CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL); \
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
                 INSERT INTO filler (body) SELECT hex(randomblob(500)) FROM n;",
            )?;
            Ok(())
        })
        .await
        .unwrap();
        // Two megabytes over some 500 pages: rewriting every row journals every page.
        let rewritten = db
            .write(|c| -> Result<usize, StoreError> {
                Ok(diesel::sql_query("UPDATE filler SET body = lower(body)").execute(c)?)
            })
            .await;
        assert_eq!(rewritten.unwrap(), 2000);
    }
}
