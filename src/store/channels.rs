//! Sales channels (partner web shop, point of sale, kiosk) and their API keys.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{channel_keys as ck, orders as o, sales_channels as sc};
use super::{DbConn, now};

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
    diesel::insert_into(sc::table)
        .values((sc::code.eq(code), sc::name.eq(name), sc::store_id.eq(store_id), sc::created_at.eq(now())))
        .returning(sc::id)
        .get_result(conn)
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Channel>> {
    sc::table.order(sc::name.asc()).select(Channel::as_select()).load(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Channel>> {
    sc::table.find(id).select(Channel::as_select()).first(conn).optional()
}

pub fn insert_key(conn: &mut DbConn, channel_id: i64, key_hash: &str) -> QueryResult<i64> {
    diesel::insert_into(ck::table)
        .values((ck::channel_id.eq(channel_id), ck::key_hash.eq(key_hash), ck::created_at.eq(now())))
        .returning(ck::id)
        .get_result(conn)
}

/// The channel a live (not revoked) key belongs to.
pub fn by_key(conn: &mut DbConn, key_hash: &str) -> QueryResult<Option<Channel>> {
    ck::table
        .inner_join(sc::table)
        .filter(ck::key_hash.eq(key_hash).and(ck::revoked_at.is_null()))
        .select(Channel::as_select())
        .first(conn)
        .optional()
}

/// Keys of a channel: (id, created, revoked).
pub fn keys(conn: &mut DbConn, channel_id: i64) -> QueryResult<Vec<(i64, NaiveDateTime, Option<NaiveDateTime>)>> {
    ck::table.filter(ck::channel_id.eq(channel_id)).order(ck::id.asc()).select((ck::id, ck::created_at, ck::revoked_at)).load(conn)
}

pub fn revoke_key(conn: &mut DbConn, channel_id: i64, key_id: i64) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Identity);
    diesel::update(ck::table.filter(ck::id.eq(key_id).and(ck::channel_id.eq(channel_id)).and(ck::revoked_at.is_null())))
        .set(ck::revoked_at.eq(Some(now())))
        .execute(conn)
}

/// The order with this reference, if this channel placed it.
pub fn order_of_channel(conn: &mut DbConn, channel_id: i64, reference: &str) -> QueryResult<Option<i64>> {
    o::table.filter(o::reference.eq(reference).and(o::channel_id.eq(Some(channel_id)))).select(o::id).first(conn).optional()
}
