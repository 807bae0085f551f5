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

/// What a store leaves behind when it closes: the customers whose home store it is, the sales
/// channels that sell in its name, and the orders still in the making that are to be collected
/// there (the newest `limit` of them, with how many there are).
#[derive(Debug, Default)]
pub struct LeftBehind {
    pub customers: i64,
    pub channels: Vec<String>,
    pub orders: Vec<(i64, String)>,
    pub orders_total: usize,
}

/// Orders not yet shipped, cancelled or refused.
const IN_THE_MAKING: [&str; 5] = ["placed", "queued", "sent", "acknowledged", "in_production"];

pub fn left_behind(conn: &mut DbConn, id: i64, limit: usize) -> QueryResult<LeftBehind> {
    use super::schema::{customers as c, orders as o, sales_channels as ch};
    let customers = native!(conn, |on| c::table.filter(c::home_store_id.eq(id).and(c::merged_into_id.is_null()).and(c::erased_at.is_null())).count().get_result(on))?;
    let channels = native!(conn, |on| ch::table.filter(ch::store_id.eq(id)).order(ch::code.asc()).select(ch::code).load::<String>(on))?;
    // `ship_to` is JSON written with its keys sorted and no spaces ({"store":7,"store_code":…}):
    // the pattern finds the candidates, reading it decides.
    let pattern = format!("%\"store\":{id},%");
    let candidates: Vec<(i64, String, String)> = native!(conn, |on| o::table
        .filter(o::status.eq_any(IN_THE_MAKING).and(o::ship_to.like(&pattern)))
        .order(o::id.desc())
        .select((o::id, o::reference, o::ship_to))
        .load(on))?;
    let to_collect: Vec<(i64, String)> = candidates
        .into_iter()
        .filter(|(_, _, ship_to)| serde_json::from_str::<serde_json::Value>(ship_to).is_ok_and(|s| s["store"].as_i64() == Some(id)))
        .map(|(order, reference, _)| (order, reference))
        .collect();
    let orders_total = to_collect.len();
    Ok(LeftBehind { customers, channels, orders: to_collect.into_iter().take(limit).collect(), orders_total })
}

/// Moves a closing store's customers (their home store) and sales channels to another store;
/// answers how many of each moved.
pub fn hand_over(conn: &mut DbConn, from: i64, to: i64) -> QueryResult<(usize, usize)> {
    use super::schema::{customers as c, sales_channels as ch};
    // A channel's store decides what its key may sell (identity); a customer's home store is on
    // their page, kept rendered.
    super::epoch::mark(super::epoch::Topic::Identity);
    super::epoch::mark(super::epoch::Topic::Customers);
    let moving = native!(conn, |on| c::table.filter(c::home_store_id.eq(from)).select(c::id).load::<i64>(on))?;
    moving.iter().for_each(|id| super::epoch::mark_customer(*id));
    let customers = native!(conn, |on| diesel::update(c::table.filter(c::home_store_id.eq(from))).set(c::home_store_id.eq(to)).execute(on))?;
    let channels = native!(conn, |on| diesel::update(ch::table.filter(ch::store_id.eq(from))).set(ch::store_id.eq(to)).execute(on))?;
    Ok((customers, channels))
}
