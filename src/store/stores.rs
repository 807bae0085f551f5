use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{DbConn, native};
use super::schema::stores;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stores)]
pub struct Store {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub tax_rate_bp: i32,
    pub currency: String,
    pub created_at: NaiveDateTime,
    /// Since when it sells nothing and its people cannot sign in; its orders stay.
    pub closed_at: Option<NaiveDateTime>,
}

impl Store {
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = stores)]
pub struct NewStore<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub tax_rate_bp: i32,
    pub currency: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewStore) -> QueryResult<i64> {
    super::epoch::mark(super::epoch::Topic::Settled);
    native!(conn, |on| diesel::insert_into(stores::table)
        .values(new)
        .returning(stores::id)
        .get_result(on))
}

/// A store's name and tax rate; its code stays, as orders and integrations name it.
pub fn update(conn: &mut DbConn, id: i64, name: &str, tax_rate_bp: i32) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Settled);
    native!(conn, |on| diesel::update(stores::table.find(id))
        .set((stores::name.eq(name), stores::tax_rate_bp.eq(tax_rate_bp)))
        .execute(on))
}

/// Closes a store (`Some`), or opens it again (`None`). Closing disables the accounts of its
/// people still active, which ends their sessions, and returns them; opening leaves them to
/// be enabled one by one.
pub fn set_closed(conn: &mut DbConn, id: i64, closed_at: Option<NaiveDateTime>) -> QueryResult<Vec<i64>> {
    super::epoch::mark(super::epoch::Topic::Settled);
    native!(conn, |on| diesel::update(stores::table.find(id)).set(stores::closed_at.eq(closed_at)).execute(on))?;
    let mut disabled = vec![];
    if closed_at.is_some() {
        for person in super::staff::list_for_store(conn, id)?.into_iter().filter(|s| s.active) {
            super::staff::set_active(conn, person.id, false)?;
            disabled.push(person.id);
        }
    }
    Ok(disabled)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Store>> {
    native!(conn, |on| stores::table
        .find(id)
        .select(Store::as_select())
        .first(on))
        .optional()
}

pub fn find_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<Store>> {
    native!(conn, |on| stores::table
        .filter(stores::code.eq(code))
        .select(Store::as_select())
        .first(on))
        .optional()
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Store>> {
    native!(conn, |on| stores::table
        .order(stores::name.asc())
        .select(Store::as_select())
        .load(on))
}
