//! Mail to customers waits in this table; a sender or a developer reads it from here.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::mail_outbox as m;
use super::{DbConn, native, now};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = m)]
pub struct MailRow {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// A mail to `customer_id`'s address (kept with the customer, so that erasure finds it
/// whichever address it went to).
pub fn insert(conn: &mut DbConn, customer_id: i64, to: &str, subject: &str, body: &str) -> QueryResult<usize> {
    native!(conn, |on| diesel::insert_into(m::table)
        .values((m::customer_id.eq(Some(customer_id)), m::to_address.eq(to), m::subject.eq(subject), m::body.eq(body), m::created_at.eq(now())))
        .execute(on))
}

/// The newest mail first.
pub fn latest(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<MailRow>> {
    native!(conn, |on| m::table.order(m::id.desc()).limit(limit).select(MailRow::as_select()).load(on))
}

pub fn latest_to(conn: &mut DbConn, to: &str) -> QueryResult<Option<MailRow>> {
    native!(conn, |on| m::table.filter(m::to_address.eq(to)).order(m::id.desc()).select(MailRow::as_select()).first(on)).optional()
}

/// Erasure: mail to the person goes with them, to any address they had.
pub fn delete_for_customer(conn: &mut DbConn, customer_id: i64) -> QueryResult<usize> {
    native!(conn, |on| diesel::delete(m::table.filter(m::customer_id.eq(Some(customer_id)))).execute(on))
}

/// Erasure: mail to the person's address (from before mail was kept with the customer).
pub fn delete_to(conn: &mut DbConn, to: &str) -> QueryResult<usize> {
    native!(conn, |on| diesel::delete(m::table.filter(m::to_address.eq(to))).execute(on))
}
