//! Customers' shop accounts, the claim codes that link an account to a store-made profile,
//! and password-reset tokens. Codes and tokens are stored as SHA-256 hashes only.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{claim_codes as cc, customer_accounts as ca, email_changes as ec, password_resets as pr};
use super::{DbConn, native, now};

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = ca)]
pub struct AccountRow {
    pub id: i64,
    pub customer_id: i64,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, customer_id: i64, email: &str, password_hash: &str) -> QueryResult<i64> {
    super::epoch::mark_customer(customer_id);
    let at = now();
    native!(conn, |on| diesel::insert_into(ca::table)
        .values((
            ca::customer_id.eq(customer_id),
            ca::email.eq(email),
            ca::password_hash.eq(password_hash),
            ca::created_at.eq(at),
            ca::updated_at.eq(at),
        ))
        .returning(ca::id)
        .get_result(on))
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<AccountRow>> {
    native!(conn, |on| ca::table.find(id).select(AccountRow::as_select()).first(on)).optional()
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<AccountRow>> {
    native!(conn, |on| ca::table.filter(ca::email.eq(email)).select(AccountRow::as_select()).first(on)).optional()
}

pub fn find_by_customer(conn: &mut DbConn, customer_id: i64) -> QueryResult<Option<AccountRow>> {
    native!(conn, |on| ca::table.filter(ca::customer_id.eq(customer_id)).select(AccountRow::as_select()).first(on)).optional()
}

pub fn set_password(conn: &mut DbConn, id: i64, password_hash: &str) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Identity);
    native!(conn, |on| diesel::update(ca::table.find(id))
        .set((ca::password_hash.eq(password_hash), ca::updated_at.eq(now())))
        .execute(on))
}

/// A new sign-in email (unique: a taken one fails the unique index).
pub fn set_email(conn: &mut DbConn, id: i64, email: &str) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Identity);
    native!(conn, |on| diesel::update(ca::table.find(id)).set((ca::email.eq(email), ca::updated_at.eq(now()))).execute(on))
}

/// Removes the account and everything that could sign in to it (erasure).
pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Identity);
    native!(conn, |on| diesel::delete(pr::table.filter(pr::account_id.eq(id))).execute(on))?;
    native!(conn, |on| diesel::delete(ec::table.filter(ec::account_id.eq(id))).execute(on))?;
    native!(conn, |on| diesel::delete(ca::table.find(id)).execute(on))
}

pub fn insert_claim_code(conn: &mut DbConn, customer_id: i64, code_hash: &str, expires_at: NaiveDateTime, staff_id: Option<i64>) -> QueryResult<usize> {
    super::epoch::mark_customer(customer_id);
    // A new code replaces any earlier unused one: only the latest handed-over code works.
    native!(conn, |on| diesel::delete(cc::table.filter(cc::customer_id.eq(customer_id).and(cc::used_at.is_null()))).execute(on))?;
    native!(conn, |on| diesel::insert_into(cc::table)
        .values((
            cc::customer_id.eq(customer_id),
            cc::code_hash.eq(code_hash),
            cc::expires_at.eq(expires_at),
            cc::created_by_staff_id.eq(staff_id),
            cc::created_at.eq(now()),
        ))
        .execute(on))
}

/// Uses up a live claim code, returning its customer; `None` when unknown, used or expired.
pub fn take_claim_code(conn: &mut DbConn, code_hash: &str, at: NaiveDateTime) -> QueryResult<Option<i64>> {
    let found: Option<(i64, i64)> = native!(conn, |on| cc::table
        .filter(cc::code_hash.eq(code_hash).and(cc::used_at.is_null()).and(cc::expires_at.gt(at)))
        .select((cc::id, cc::customer_id))
        .first(on))
        .optional()?;
    let Some((id, customer_id)) = found else { return Ok(None) };
    // Compare-and-set, so two claims racing for one code cannot both win.
    let taken = native!(conn, |on| diesel::update(cc::table.find(id).filter(cc::used_at.is_null())).set(cc::used_at.eq(Some(at))).execute(on))?;
    Ok((taken == 1).then_some(customer_id))
}

pub fn delete_claim_codes(conn: &mut DbConn, customer_id: i64) -> QueryResult<usize> {
    super::epoch::mark_customer(customer_id);
    native!(conn, |on| diesel::delete(cc::table.filter(cc::customer_id.eq(customer_id))).execute(on))
}

pub fn insert_reset(conn: &mut DbConn, account_id: i64, token_hash: &str, expires_at: NaiveDateTime) -> QueryResult<usize> {
    native!(conn, |on| diesel::insert_into(pr::table)
        .values((pr::account_id.eq(account_id), pr::token_hash.eq(token_hash), pr::expires_at.eq(expires_at), pr::created_at.eq(now())))
        .execute(on))
}

/// The account a live reset token belongs to (not used up, not expired).
pub fn live_reset(conn: &mut DbConn, token_hash: &str, at: NaiveDateTime) -> QueryResult<Option<i64>> {
    native!(conn, |on| pr::table
        .filter(pr::token_hash.eq(token_hash).and(pr::used_at.is_null()).and(pr::expires_at.gt(at)))
        .select(pr::account_id)
        .first(on))
        .optional()
}

/// Reset links mailed to an account since `since` (used or not).
pub fn resets_since(conn: &mut DbConn, account_id: i64, since: NaiveDateTime) -> QueryResult<i64> {
    native!(conn, |on| pr::table.filter(pr::account_id.eq(account_id).and(pr::created_at.gt(since))).count().get_result(on))
}

/// Uses up every live reset token of an account: once its password is set, older links
/// must not set it again.
pub fn end_resets(conn: &mut DbConn, account_id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(pr::table.filter(pr::account_id.eq(account_id).and(pr::used_at.is_null())))
        .set(pr::used_at.eq(Some(at)))
        .execute(on))
}

/// Uses up a live reset token; `false` when someone used it first.
pub fn take_reset(conn: &mut DbConn, token_hash: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let n = native!(conn, |on| diesel::update(pr::table.filter(pr::token_hash.eq(token_hash).and(pr::used_at.is_null()).and(pr::expires_at.gt(at))))
        .set(pr::used_at.eq(Some(at)))
        .execute(on))?;
    Ok(n == 1)
}

/// A new sign-in email waiting for its link to be opened; an earlier one still waiting dies
/// (only the last address asked for can become the account's).
pub fn insert_email_change(conn: &mut DbConn, account_id: i64, new_email: &str, token_hash: &str, expires_at: NaiveDateTime) -> QueryResult<usize> {
    let at = now();
    native!(conn, |on| diesel::update(ec::table.filter(ec::account_id.eq(account_id).and(ec::used_at.is_null()))).set(ec::used_at.eq(Some(at))).execute(on))?;
    native!(conn, |on| diesel::insert_into(ec::table)
        .values((ec::account_id.eq(account_id), ec::new_email.eq(new_email), ec::token_hash.eq(token_hash), ec::expires_at.eq(expires_at), ec::created_at.eq(at)))
        .execute(on))
}

/// The account and new email of a live email-change link (not used, not expired).
pub fn live_email_change(conn: &mut DbConn, token_hash: &str, at: NaiveDateTime) -> QueryResult<Option<(i64, String)>> {
    native!(conn, |on| ec::table
        .filter(ec::token_hash.eq(token_hash).and(ec::used_at.is_null()).and(ec::expires_at.gt(at)))
        .select((ec::account_id, ec::new_email))
        .first(on))
        .optional()
}

/// The new email an account is waiting to confirm, if any.
pub fn pending_email(conn: &mut DbConn, account_id: i64, at: NaiveDateTime) -> QueryResult<Option<String>> {
    native!(conn, |on| ec::table
        .filter(ec::account_id.eq(account_id).and(ec::used_at.is_null()).and(ec::expires_at.gt(at)))
        .order(ec::id.desc())
        .select(ec::new_email)
        .first(on))
        .optional()
}

/// Email-change links mailed for an account since `since`.
pub fn email_changes_since(conn: &mut DbConn, account_id: i64, since: NaiveDateTime) -> QueryResult<i64> {
    native!(conn, |on| ec::table.filter(ec::account_id.eq(account_id).and(ec::created_at.gt(since))).count().get_result(on))
}

/// Uses up a live email-change link; `false` when it was used first.
pub fn take_email_change(conn: &mut DbConn, token_hash: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let n = native!(conn, |on| diesel::update(ec::table.filter(ec::token_hash.eq(token_hash).and(ec::used_at.is_null()).and(ec::expires_at.gt(at))))
        .set(ec::used_at.eq(Some(at)))
        .execute(on))?;
    Ok(n == 1)
}

/// Uses up every pending email change of an account: a new password is the answer to "this was
/// not me", and a change asked for by whoever had the old one must not go through after it.
pub fn end_email_changes(conn: &mut DbConn, account_id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(ec::table.filter(ec::account_id.eq(account_id).and(ec::used_at.is_null())))
        .set(ec::used_at.eq(Some(at)))
        .execute(on))
}
