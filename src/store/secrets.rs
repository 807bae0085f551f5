use diesel::prelude::*;

use super::{DbConn, native};
use super::schema::app_secrets;

pub fn get(conn: &mut DbConn, name: &str) -> QueryResult<Option<String>> {
    native!(conn, |on| app_secrets::table
        .find(name)
        .select(app_secrets::value)
        .first(on))
        .optional()
}

pub fn insert(conn: &mut DbConn, name: &str, value: &str) -> QueryResult<usize> {
    native!(conn, |on| diesel::insert_into(app_secrets::table)
        .values((app_secrets::name.eq(name), app_secrets::value.eq(value)))
        .execute(on))
}
