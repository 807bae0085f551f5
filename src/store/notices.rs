//! Notices for administrators: things that happened without anyone watching (an endpoint
//! disabled after days of failures) and that someone must act on.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::staff_notices as n;
use super::{DbConn, native, now};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = n)]
pub struct Notice {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub message: String,
    pub created_at: NaiveDateTime,
    pub dismissed_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, kind: &str, subject: &str, message: &str) -> QueryResult<i64> {
    native!(conn, |on| diesel::insert_into(n::table)
        .values((n::kind.eq(kind), n::subject.eq(subject), n::message.eq(message), n::created_at.eq(now())))
        .returning(n::id)
        .get_result(on))
}

pub fn open(conn: &mut DbConn) -> QueryResult<Vec<Notice>> {
    native!(conn, |on| n::table.filter(n::dismissed_at.is_null()).order(n::id.desc()).limit(50).select(Notice::as_select()).load(on))
}

pub fn dismiss(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(n::table.find(id).filter(n::dismissed_at.is_null())).set(n::dismissed_at.eq(Some(now()))).execute(on))
}
