use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{DbConn, native};
use super::schema::sign_in_failures as f;

pub fn record(conn: &mut DbConn, account: &str, address: &str, at: NaiveDateTime) -> QueryResult<usize> {
    native!(conn, |on| diesel::insert_into(f::table)
        .values((f::account.eq(account), f::address.eq(address), f::at.eq(at)))
        .execute(on))
}

/// Failures since `since` for the account and for the address.
pub fn counts_since(
    conn: &mut DbConn,
    account: &str,
    address: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, i64)> {
    let by_account = native!(conn, |on| f::table
        .filter(f::account.eq(account).and(f::at.gt(since)))
        .count()
        .get_result(on))?;
    let by_address = native!(conn, |on| f::table
        .filter(f::address.eq(address).and(f::at.gt(since)))
        .count()
        .get_result(on))?;
    Ok((by_account, by_address))
}

/// The oldest failure still inside the window, to tell people when they may try again.
pub fn oldest_since(
    conn: &mut DbConn,
    account: &str,
    address: &str,
    since: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    native!(conn, |on| f::table
        .filter(f::account.eq(account).or(f::address.eq(address)))
        .filter(f::at.gt(since))
        .select(diesel::dsl::min(f::at))
        .first(on))
}

pub fn clear_account(conn: &mut DbConn, account: &str) -> QueryResult<usize> {
    native!(conn, |on| diesel::delete(f::table.filter(f::account.eq(account))).execute(on))
}

pub fn delete_before(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    native!(conn, |on| diesel::delete(f::table.filter(f::at.le(before))).execute(on))
}
