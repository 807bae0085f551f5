use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{DbConn, native};
use super::schema::sessions;

#[derive(Debug, AsChangeset)]
#[diesel(table_name = sessions)]
pub struct SessionRow<'a> {
    pub key_hash: &'a str,
    pub state: &'a str,
    pub staff_id: Option<i64>,
    /// The idle timeout: the last use plus the idle time.
    pub expires_at: NaiveDateTime,
    pub customer_account_id: Option<i64>,
}

/// A new session; `created_at` starts its absolute timeout.
pub fn insert(conn: &mut DbConn, row: &SessionRow, created_at: NaiveDateTime) -> QueryResult<usize> {
    native!(conn, |on| diesel::insert_into(sessions::table)
        .values((
            sessions::key_hash.eq(row.key_hash),
            sessions::state.eq(row.state),
            sessions::staff_id.eq(row.staff_id),
            sessions::expires_at.eq(row.expires_at),
            sessions::customer_account_id.eq(row.customer_account_id),
            sessions::created_at.eq(created_at),
        ))
        .execute(on))
}

/// Replaces the state of a live session; 0 rows means it has ended meanwhile.
pub fn update(conn: &mut DbConn, row: &SessionRow) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(sessions::table.find(row.key_hash))
        .set(row)
        .execute(on))
}

/// A live session as loaded: its state, idle expiry and beginning.
#[derive(Debug, Queryable)]
pub struct LiveSession {
    pub state: String,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

/// A session that has timed out neither way: used within its idle time (`expires_at` after
/// `at`) and begun after `created_after`.
pub fn load_live(
    conn: &mut DbConn,
    key_hash: &str,
    at: NaiveDateTime,
    created_after: NaiveDateTime,
) -> QueryResult<Option<LiveSession>> {
    native!(conn, |on| sessions::table
        .find(key_hash)
        .filter(sessions::expires_at.gt(at))
        .filter(sessions::created_at.gt(created_after))
        .select((sessions::state, sessions::expires_at, sessions::created_at))
        .first(on))
        .optional()
}

pub fn touch(conn: &mut DbConn, key_hash: &str, expires_at: NaiveDateTime) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(sessions::table.find(key_hash))
        .set(sessions::expires_at.eq(expires_at))
        .execute(on))
}

pub fn delete(conn: &mut DbConn, key_hash: &str) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Identity);
    native!(conn, |on| diesel::delete(sessions::table.find(key_hash)).execute(on))
}

/// Ends every session of a staff member (account disabled, password changed elsewhere).
pub fn delete_for_staff(conn: &mut DbConn, staff_id: i64) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Identity);
    native!(conn, |on| diesel::delete(sessions::table.filter(sessions::staff_id.eq(staff_id))).execute(on))
}

/// Ends every session of a customer account (password reset, account erased).
pub fn delete_for_customer_account(conn: &mut DbConn, account_id: i64) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Identity);
    native!(conn, |on| diesel::delete(sessions::table.filter(sessions::customer_account_id.eq(account_id))).execute(on))
}

/// Removes sessions past their idle or their absolute timeout.
pub fn delete_expired(conn: &mut DbConn, at: NaiveDateTime, created_before: NaiveDateTime) -> QueryResult<usize> {
    native!(conn, |on| diesel::delete(sessions::table.filter(sessions::expires_at.le(at).or(sessions::created_at.le(created_before))))
        .execute(on))
}
