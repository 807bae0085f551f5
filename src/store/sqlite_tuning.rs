//! Process-wide SQLite settings that diesel has no API for, applied once before the first
//! connection opens.
//!
//! - Query planner stability (`SQLITE_DBCONFIG_ENABLE_QPSG`) on every connection. Without it,
//!   SQLite 3.53 marks any statement with a bound `LIMIT ?` (every diesel `.first()`) as
//!   depending on that value and parses and plans it again on every execution: under the
//!   order-placement load that was ~10 % of the server's CPU. With it a cached prepared
//!   statement is reused as prepared. The price: plans no longer look at bound values
//!   (STAT4 samples, a `LIKE ?` prefix), which none of our queries relies on.
//! - Savepoint journals kept in memory up to 512 KiB (`SQLITE_CONFIG_STMTJRNL_SPILL`;
//!   SQLite's default is 64 KiB). Group commit runs each order in a `SAVEPOINT`, and one
//!   order journals about 20 pages the batch's earlier orders had already changed: over
//!   64 KiB, so every order's journal spilled to a temporary file, a `pwrite` per page on
//!   the one writer thread (15 % of its time under the order-placement load). SQLite
//!   allocates the in-memory journal in chunks of this size, each time a savepoint journals
//!   its first page, on the one writer connection: enough for an order with room to spare,
//!   and no bigger.
//! - No memory statistics (`SQLITE_CONFIG_MEMSTATUS` off): they are counted under one global
//!   mutex that every connection's every allocation takes, and we never read them.

use std::ffi::{c_char, c_int};
use std::sync::Once;

use libsqlite3_sys as ffi;

static APPLY: Once = Once::new();

/// Bytes of a savepoint's journal kept in memory before it spills to a temporary file.
const STATEMENT_JOURNAL_IN_MEMORY: usize = 512 << 10;

pub(super) fn apply_once() {
    APPLY.call_once(|| {
        // SAFETY: `sqlite3_config` is called before this process's first connection (it
        // answers SQLITE_MISUSE, harmlessly, if a connection was opened elsewhere first);
        // the auto extension is a plain function that only configures the handle SQLite
        // passes it, and registering it is thread-safe.
        unsafe {
            let _ = ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int);
            let _ = ffi::sqlite3_config(ffi::SQLITE_CONFIG_STMTJRNL_SPILL, STATEMENT_JOURNAL_IN_MEMORY as c_int);
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
