//! Saved configurations: one customer's, readable by the customer online and by staff.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::drafts as d;
use super::{DbConn, native, now};

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = d)]
pub struct DraftRow {
    pub id: i64,
    pub customer_id: i64,
    pub catalog_version_id: i64,
    pub product_code: String,
    pub choices: String,
    pub measurement_set_id: Option<i64>,
    pub saved_by_staff_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub struct NewDraft<'a> {
    pub customer_id: i64,
    pub catalog_version_id: i64,
    pub product_code: &'a str,
    pub choices: &'a str,
    pub measurement_set_id: Option<i64>,
    pub saved_by_staff_id: Option<i64>,
}

pub fn insert(conn: &mut DbConn, new: &NewDraft) -> QueryResult<i64> {
    super::epoch::mark_customer(new.customer_id);
    let at = now();
    native!(conn, |on| diesel::insert_into(d::table)
        .values((
            d::customer_id.eq(new.customer_id),
            d::catalog_version_id.eq(new.catalog_version_id),
            d::product_code.eq(new.product_code),
            d::choices.eq(new.choices),
            d::measurement_set_id.eq(new.measurement_set_id),
            d::saved_by_staff_id.eq(new.saved_by_staff_id),
            d::created_at.eq(at),
            d::updated_at.eq(at),
        ))
        .returning(d::id)
        .get_result(on))
}

/// Overwrites a draft of this customer; 0 rows when it is not theirs.
pub fn update(conn: &mut DbConn, id: i64, customer_id: i64, new: &NewDraft) -> QueryResult<usize> {
    super::epoch::mark_customer(customer_id);
    native!(conn, |on| diesel::update(d::table.filter(d::id.eq(id).and(d::customer_id.eq(customer_id))))
        .set((
            d::catalog_version_id.eq(new.catalog_version_id),
            d::product_code.eq(new.product_code),
            d::choices.eq(new.choices),
            d::measurement_set_id.eq(new.measurement_set_id),
            d::saved_by_staff_id.eq(new.saved_by_staff_id),
            d::updated_at.eq(now()),
        ))
        .execute(on))
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<DraftRow>> {
    native!(conn, |on| d::table.find(id).select(DraftRow::as_select()).first(on)).optional()
}

pub fn for_customer(conn: &mut DbConn, customer_id: i64) -> QueryResult<Vec<DraftRow>> {
    native!(conn, |on| d::table
        .filter(d::customer_id.eq(customer_id))
        .order((d::updated_at.desc(), d::id.desc()))
        .select(DraftRow::as_select())
        .load(on))
}

pub fn delete(conn: &mut DbConn, id: i64, customer_id: i64) -> QueryResult<usize> {
    super::epoch::mark_customer(customer_id);
    native!(conn, |on| diesel::delete(d::table.filter(d::id.eq(id).and(d::customer_id.eq(customer_id)))).execute(on))
}

pub fn delete_for_customer(conn: &mut DbConn, customer_id: i64) -> QueryResult<usize> {
    super::epoch::mark_customer(customer_id);
    native!(conn, |on| diesel::delete(d::table.filter(d::customer_id.eq(customer_id))).execute(on))
}
