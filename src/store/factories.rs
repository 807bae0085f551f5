use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{factories as f, factory_tokens as ft};
use super::{DbConn, now};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = f)]
pub struct Factory {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub families: String,
    pub push_url: Option<String>,
    pub signing_secret: Option<String>,
    pub lead_time_days: i32,
    pub enabled: bool,
    pub push_disabled_reason: Option<String>,
    pub created_at: NaiveDateTime,
}

impl Factory {
    pub fn builds(&self, family: &str) -> bool {
        self.families.split(',').any(|f| f.trim() == family)
    }

    /// Pushes go out only to an enabled factory with a URL whose endpoint was not disabled.
    pub fn pushes(&self) -> bool {
        self.enabled && self.push_url.is_some() && self.push_disabled_reason.is_none()
    }
}

pub struct NewFactory<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub families: &'a str,
    pub push_url: Option<&'a str>,
    pub signing_secret: Option<&'a str>,
    pub lead_time_days: i32,
}

pub fn insert(conn: &mut DbConn, new: &NewFactory) -> QueryResult<i64> {
    diesel::insert_into(f::table)
        .values((
            f::code.eq(new.code),
            f::name.eq(new.name),
            f::families.eq(new.families),
            f::push_url.eq(new.push_url),
            f::signing_secret.eq(new.signing_secret),
            f::lead_time_days.eq(new.lead_time_days),
            f::enabled.eq(true),
            f::created_at.eq(now()),
        ))
        .returning(f::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Factory>> {
    f::table.find(id).select(Factory::as_select()).first(conn).optional()
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Factory>> {
    f::table.order(f::name.asc()).select(Factory::as_select()).load(conn)
}

pub fn disable_push(conn: &mut DbConn, id: i64, reason: &str) -> QueryResult<usize> {
    diesel::update(f::table.find(id)).set(f::push_disabled_reason.eq(Some(reason))).execute(conn)
}

pub fn insert_token(conn: &mut DbConn, factory_id: i64, token_hash: &str, label: &str) -> QueryResult<i64> {
    diesel::insert_into(ft::table)
        .values((ft::factory_id.eq(factory_id), ft::token_hash.eq(token_hash), ft::label.eq(label), ft::created_at.eq(now())))
        .returning(ft::id)
        .get_result(conn)
}

/// The enabled factory a live (not revoked) token belongs to.
pub fn by_token(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<Factory>> {
    ft::table
        .inner_join(f::table)
        .filter(ft::token_hash.eq(token_hash).and(ft::revoked_at.is_null()).and(f::enabled.eq(true)))
        .select(Factory::as_select())
        .first(conn)
        .optional()
}
