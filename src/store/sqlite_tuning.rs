//! Process-wide SQLite settings that diesel has no API for, applied once before the first
//! connection opens.
//!
//! - Query planner stability (`SQLITE_DBCONFIG_ENABLE_QPSG`) on every connection. Without it,
//!   SQLite 3.53 marks any statement with a bound `LIMIT ?` (every diesel `.first()`) as
//!   depending on that value and parses and plans it again on every execution: under the
//!   order-placement load that was ~10 % of the server's CPU. With it a cached prepared
//!   statement is reused as prepared. The price: plans no longer look at bound values
//!   (STAT4 samples, a `LIKE ?` prefix), which none of our queries relies on.
//! - Savepoint journals kept in memory up to 120 KiB (`SQLITE_CONFIG_STMTJRNL_SPILL`;
//!   SQLite's default is 64 KiB). Group commit runs each order in a `SAVEPOINT`, and one
//!   order journals about 20 pages the batch's earlier orders had already changed: over
//!   64 KiB, so every order's journal spilled to a temporary file, a `pwrite` per page on
//!   the one writer thread (15 % of its time under the order-placement load). 120 KiB holds
//!   29 pages. It must stay under 128 KiB: when a journal outgrows the limit, SQLite writes
//!   what it kept to the file in chunks of the limit's size, and its unix file layer keeps
//!   only the low 17 bits of a write's length (`nBuf &= 0x1ffff` in `seekAndWriteFd`, which
//!   expects at most a 64 KiB page). At 512 KiB the spill's write came out short, then as
//!   zero bytes, which SQLite reports as a full disk: every spill failed with "database or
//!   disk is full", refusing whole batches of orders under load. Test:
//!   `group_commit::tests::a_write_whose_journal_outgrows_memory_commits`.
//! - No memory statistics (`SQLITE_CONFIG_MEMSTATUS` off): they are counted under one global
//!   mutex that every connection's every allocation takes, and we never read them.
//! - SQLite's own error log (`SQLITE_CONFIG_LOG`) in ours: when a write fails because the
//!   disk is full or unwritable, or the file is damaged, SQLite says which statement failed
//!   and, for an I/O error, which system call with which error number; the error code alone
//!   does not. It is how the false "disk full" above was found. Errors a caller expects and
//!   handles (a busy lock, a unique key) are logged at debug level only.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::Once;

use libsqlite3_sys as ffi;

static APPLY: Once = Once::new();

/// Bytes of a savepoint's journal kept in memory before it spills to a temporary file; under
/// 128 KiB (see the module's comment).
const STATEMENT_JOURNAL_IN_MEMORY: usize = 120 << 10;
const _: () = assert!(STATEMENT_JOURNAL_IN_MEMORY < 0x20000, "SQLite writes at most 0x1ffff bytes at once");

pub(super) fn apply_once() {
    APPLY.call_once(|| {
        // SAFETY: `sqlite3_config` is called before this process's first connection (it
        // answers SQLITE_MISUSE, harmlessly, if a connection was opened elsewhere first);
        // the auto extension is a plain function that only configures the handle SQLite
        // passes it, and registering it is thread-safe.
        unsafe {
            let _ = ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int);
            let _ = ffi::sqlite3_config(ffi::SQLITE_CONFIG_STMTJRNL_SPILL, STATEMENT_JOURNAL_IN_MEMORY as c_int);
            let log: unsafe extern "C" fn(*mut c_void, c_int, *const c_char) = on_log;
            let _ = ffi::sqlite3_config(ffi::SQLITE_CONFIG_LOG, log, std::ptr::null_mut::<c_void>());
            let rc = ffi::sqlite3_auto_extension(Some(on_open));
            if rc != ffi::SQLITE_OK {
                tracing::warn!(code = rc, "could not register the SQLite connection settings");
            }
        }
    });
}

/// Runs for every new connection of the process (SQLite's auto-extension hook).
unsafe extern "C" fn on_open(db: *mut ffi::sqlite3, _err: *mut *mut c_char, _api: *const ffi::sqlite3_api_routines) -> c_int {
    // SAFETY: `db` is the connection being opened, valid for this call.
    unsafe {
        ffi::sqlite3_db_config(db, ffi::SQLITE_DBCONFIG_ENABLE_QPSG, 1 as c_int, std::ptr::null_mut::<c_int>());
    }
    ffi::SQLITE_OK
}

/// Whether SQLite's log message with this (extended) result code says something is wrong with
/// the database's storage, as opposed to a condition the caller handles.
fn is_storage_fault(code: c_int) -> bool {
    matches!(
        code & 0xff,
        ffi::SQLITE_FULL | ffi::SQLITE_IOERR | ffi::SQLITE_CORRUPT | ffi::SQLITE_CANTOPEN | ffi::SQLITE_NOMEM | ffi::SQLITE_READONLY
    )
}

/// SQLite's error log. SQLite calls it on the thread that met the condition, holding no lock a
/// log call could need; it must not call SQLite. Statements are logged with their `?`
/// placeholders: the values are bound, never part of the text.
unsafe extern "C" fn on_log(_arg: *mut c_void, code: c_int, message: *const c_char) {
    if message.is_null() {
        return;
    }
    // SAFETY: SQLite passes a NUL-terminated string valid for the duration of the call.
    let message = || unsafe { CStr::from_ptr(message) }.to_string_lossy();
    if is_storage_fault(code) {
        tracing::warn!(sqlite.code = code, "SQLite: {}", message());
    } else if tracing::enabled!(tracing::Level::DEBUG) {
        // Expected conditions (every idempotent replay's unique key) are not read unless kept.
        tracing::debug!(sqlite.code = code, "SQLite: {}", message());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_faults_are_told_from_errors_callers_handle() {
        for code in [ffi::SQLITE_FULL, ffi::SQLITE_IOERR_WRITE, ffi::SQLITE_IOERR_FSYNC, ffi::SQLITE_CORRUPT, ffi::SQLITE_READONLY] {
            assert!(is_storage_fault(code), "{code}");
        }
        for code in [ffi::SQLITE_BUSY, ffi::SQLITE_LOCKED, ffi::SQLITE_CONSTRAINT_UNIQUE, ffi::SQLITE_WARNING, ffi::SQLITE_NOTICE] {
            assert!(!is_storage_fault(code), "{code}");
        }
    }
}
