use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;

use crate::config::{Backend, Settings, sqlite_path};
use crate::store::{Db, StoreError};

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok")
}

/// What the write probe found.
#[derive(Debug, thiserror::Error)]
enum Probe {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The probe's own, deliberate rollback: the write went through.
    #[error("rolled back")]
    Written,
}

impl From<diesel::result::Error> for Probe {
    fn from(e: diesel::result::Error) -> Self {
        Probe::Store(e.into())
    }
}

/// The database answers and takes writes. A load balancer sends traffic only to instances
/// that are ready; an instance whose database is read-only or full is not, since most of
/// what people do here writes.
///
/// The write probe is a scratch table with one 8 KiB row, created and rolled back in the
/// writer's transaction: it needs new pages (so a database that cannot grow fails it) and a
/// write lock (so a read-only file, connection or database fails it), touches no application
/// table and leaves nothing behind. On SQLite it waits behind the single writer like any
/// write, so its answer also says whether writes get through at all. A rolled-back SQLite
/// transaction never reaches the file, so there the kernel is also asked whether the files
/// may be written (`access(2)`): an immutable file or a read-only file system fails that. They
/// are not opened for the question: closing a descriptor of the database file would drop every
/// lock SQLite holds on it in this process, and another process could then take the database
/// for unused and delete the write-ahead log under us.
pub async fn readyz(db: web::Data<Db>, settings: web::Data<Settings>) -> HttpResponse {
    if let Err(e) = db.read(|conn| conn.batch_execute("SELECT 1").map_err(StoreError::from)).await {
        tracing::warn!(error = %e, "readiness check failed: no database");
        return not_ready("unreachable", "the database is not reachable");
    }
    if db.backend() == Backend::Sqlite {
        let path = sqlite_path(&settings.database.url).to_owned();
        let unwritable = tokio::task::spawn_blocking(move || {
            [path.clone(), format!("{path}-wal")].into_iter().find_map(|p| match rustix::fs::access(p.as_str(), rustix::fs::Access::WRITE_OK) {
                Ok(()) => None,
                Err(e) if e == rustix::io::Errno::NOENT => None,
                Err(e) => Some(format!("{p}: {}", std::io::Error::from(e))),
            })
        })
        .await
        .ok()
        .flatten();
        if let Some(e) = unwritable {
            tracing::warn!(error = %e, "readiness check failed: the database file cannot be written");
            return not_ready("read_only", "the database file cannot be written");
        }
    }
    let sql = match db.backend() {
        Backend::Sqlite => "CREATE TABLE atelier_write_probe (b BLOB); INSERT INTO atelier_write_probe VALUES (randomblob(8192));",
        Backend::Postgres => "CREATE TABLE atelier_write_probe (b bytea); INSERT INTO atelier_write_probe SELECT decode(repeat('00', 8192), 'hex');",
    };
    let probe = db
        .write(move |conn| -> Result<(), Probe> {
            conn.batch_execute(sql)?;
            Err(Probe::Written)
        })
        .await;
    match probe {
        Err(Probe::Written) | Ok(()) => HttpResponse::Ok()
            .content_type("application/json")
            .body(r#"{"status":"ready","database":"ok","writes":"ok"}"#),
        Err(Probe::Store(e)) => {
            tracing::warn!(error = %e, "readiness check failed: the database takes no writes");
            if e.is_read_only() {
                not_ready("read_only", "the database is read-only: writes are refused")
            } else if e.is_full() {
                not_ready("full", "the database or its disk is full: writes are refused")
            } else if e.is_busy() {
                not_ready("busy", "the database is busy: writes wait past the bound")
            } else {
                not_ready("write_failed", "the database refuses writes")
            }
        }
    }
}

fn not_ready(reason: &str, detail: &str) -> HttpResponse {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": detail,
        "reason": reason,
    });
    HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json")))
        .body(body.to_string())
}
