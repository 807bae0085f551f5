use diesel::prelude::*;

use super::DbConn;
use super::schema::app_secrets;

pub fn get(conn: &mut DbConn, name: &str) -> QueryResult<Option<String>> {
    app_secrets::table
        .find(name)
        .select(app_secrets::value)
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, name: &str, value: &str) -> QueryResult<usize> {
    diesel::insert_into(app_secrets::table)
        .values((app_secrets::name.eq(name), app_secrets::value.eq(value)))
        .execute(conn)
}
