//! Sales channels (partner web shop, point of sale, kiosk) and their API keys.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

use super::schema::{channel_keys as ck, orders as o, sales_channels as sc};
use super::{DbConn, native, now};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sc)]
pub struct Channel {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub store_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, code: &str, name: &str, store_id: Option<i64>) -> QueryResult<i64> {
    native!(conn, |on| diesel::insert_into(sc::table)
        .values((sc::code.eq(code), sc::name.eq(name), sc::store_id.eq(store_id), sc::created_at.eq(now())))
        .returning(sc::id)
        .get_result(on))
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Channel>> {
    native!(conn, |on| sc::table.order(sc::name.asc()).select(Channel::as_select()).load(on))
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Channel>> {
    native!(conn, |on| sc::table.find(id).select(Channel::as_select()).first(on)).optional()
}

pub fn insert_key(conn: &mut DbConn, channel_id: i64, key_hash: &str) -> QueryResult<i64> {
    native!(conn, |on| diesel::insert_into(ck::table)
        .values((ck::channel_id.eq(channel_id), ck::key_hash.eq(key_hash), ck::created_at.eq(now())))
        .returning(ck::id)
        .get_result(on))
}

/// The channel a live (not revoked) key belongs to.
pub fn by_key(conn: &mut DbConn, key_hash: &str) -> QueryResult<Option<Channel>> {
    native!(conn, |on| ck::table
        .inner_join(sc::table)
        .filter(ck::key_hash.eq(key_hash).and(ck::revoked_at.is_null()))
        .select(Channel::as_select())
        .first(on))
        .optional()
}

/// Whether a channel key with this hash exists, and is revoked: to say why it is refused.
pub fn key_revoked(conn: &mut DbConn, key_hash: &str) -> QueryResult<Option<bool>> {
    native!(conn, |on| ck::table.filter(ck::key_hash.eq(key_hash)).select(ck::revoked_at.is_not_null()).first(on)).optional()
}

/// Keys of a channel: (id, created, revoked).
pub fn keys(conn: &mut DbConn, channel_id: i64) -> QueryResult<Vec<(i64, NaiveDateTime, Option<NaiveDateTime>)>> {
    native!(conn, |on| ck::table.filter(ck::channel_id.eq(channel_id)).order(ck::id.asc()).select((ck::id, ck::created_at, ck::revoked_at)).load(on))
}

pub fn revoke_key(conn: &mut DbConn, channel_id: i64, key_id: i64) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Identity);
    native!(conn, |on| diesel::update(ck::table.filter(ck::id.eq(key_id).and(ck::channel_id.eq(channel_id)).and(ck::revoked_at.is_null())))
        .set(ck::revoked_at.eq(Some(now())))
        .execute(on))
}

/// The order with this reference, if this channel placed it.
pub fn order_of_channel(conn: &mut DbConn, channel_id: i64, reference: &str) -> QueryResult<Option<i64>> {
    native!(conn, |on| o::table.filter(o::reference.eq(reference).and(o::channel_id.eq(Some(channel_id)))).select(o::id).first(on)).optional()
}

/// What placing an order through a channel needs to know before it writes: the channel of a
/// live key with its store's tax rate, the customer with a reference, if any, with the
/// figures its pricing profile is made of, and the catalog versions on sale.
#[derive(Debug, Clone)]
pub struct OrderContext {
    pub channel_id: i64,
    pub store_id: Option<i64>,
    /// The channel's store's rate in basis points (0 without a store).
    pub tax_rate_bp: i32,
    /// The channel's store's code and name, for the factory's `ship_to`.
    pub store: Option<(String, String)>,
    /// The channel's store is closed: the channel sells nothing.
    pub store_closed: bool,
    pub customer: Option<ContextCustomer>,
    /// The current version of each catalog, by catalog code (as [`super::catalogs::current_ids`]).
    pub catalog_versions: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct ContextCustomer {
    pub id: i64,
    pub reference: String,
    /// Merged and erased records are not customers to order for.
    pub live: bool,
    /// Orders over all months of activity.
    pub orders: i64,
    /// Value class, volume and satisfaction, once the customer has been classified.
    pub class: Option<(String, String, String)>,
}

/// [`OrderContext`] in one statement: an order is placed per request, and each statement
/// saved is a round trip saved. `None`: no live key has this hash.
pub fn order_context(conn: &mut DbConn, key_hash: &str, customer_reference: &str) -> QueryResult<Option<OrderContext>> {
    let query = OrderContextQuery { reference: customer_reference.trim().to_uppercase(), key_hash: key_hash.to_owned() };
    // One row per current catalog version, the rest repeated on each.
    let rows: Vec<ContextRow> = native!(conn, |on| query.load(on))?;
    let catalog_versions = rows.iter().filter_map(|r| r.11).collect();
    Ok(rows.into_iter().next().map(|(channel_id, store_id, tax, customer_id, reference, merged_into, erased_at, orders, value_class, volume, satisfaction, _, store_code, store_name, store_closed_at)| {
        let customer = customer_id.zip(reference).map(|(id, reference)| ContextCustomer {
            id,
            reference,
            live: merged_into.is_none() && erased_at.is_none(),
            orders: orders.unwrap_or(0),
            class: value_class.zip(volume).zip(satisfaction).map(|((v, vol), s)| (v, vol, s)),
        });
        OrderContext { channel_id, store_id, tax_rate_bp: tax.unwrap_or(0), store: store_code.zip(store_name), store_closed: store_closed_at.is_some(), customer, catalog_versions }
    }))
}

type ContextRow = (
    i64,
    Option<i64>,
    Option<i32>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<NaiveDateTime>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
);

/// The statement [`order_context`] runs, as a type of its own so that it is prepared once per
/// connection (diesel prepares `sql_query` text anew on every call).
#[derive(diesel::query_builder::QueryId)]
struct OrderContextQuery {
    reference: String,
    key_hash: String,
}

impl diesel::query_builder::Query for OrderContextQuery {
    type SqlType = (
        BigInt,
        Nullable<BigInt>,
        Nullable<Integer>,
        Nullable<BigInt>,
        Nullable<Text>,
        Nullable<BigInt>,
        Nullable<Timestamp>,
        Nullable<BigInt>,
        Nullable<Text>,
        Nullable<Text>,
        Nullable<Text>,
        Nullable<BigInt>,
        Nullable<Text>,
        Nullable<Text>,
        Nullable<Timestamp>,
    );
}

impl<DB> diesel::query_builder::QueryFragment<DB> for OrderContextQuery
where
    DB: diesel::backend::Backend + diesel::sql_types::HasSqlType<Text>,
    String: diesel::serialize::ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(
            "SELECT sc.id, sc.store_id, st.tax_rate_bp, \
             c.id, c.reference, c.merged_into_id, c.erased_at, \
             (SELECT CAST(SUM(a.orders) AS BIGINT) FROM customer_activity a WHERE a.customer_id = c.id), \
             cl.value_class, cl.volume, cl.satisfaction, cv.id, st.code, st.name, st.closed_at \
             FROM channel_keys ck \
             INNER JOIN sales_channels sc ON sc.id = ck.channel_id \
             LEFT JOIN stores st ON st.id = sc.store_id \
             LEFT JOIN customers c ON c.reference = ",
        );
        out.push_bind_param::<Text, _>(&self.reference)?;
        // A catalog's current version is its latest revision.
        out.push_sql(
            " LEFT JOIN customer_classes cl ON cl.customer_id = c.id \
             LEFT JOIN catalog_versions cv ON NOT EXISTS (SELECT 1 FROM catalog_versions newer \
               WHERE newer.catalog_code = cv.catalog_code AND newer.revision > cv.revision) \
             WHERE ck.key_hash = ",
        );
        out.push_bind_param::<Text, _>(&self.key_hash)?;
        // Key hashes are unique: the rows are the current catalog versions.
        out.push_sql(" AND ck.revoked_at IS NULL ORDER BY cv.catalog_code");
        Ok(())
    }
}

impl<Conn> RunQueryDsl<Conn> for OrderContextQuery {}
