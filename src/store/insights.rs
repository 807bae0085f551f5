//! The manager dashboard's questions, each one query over the classification (and, for
//! complaints, over the live contacts).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::{DbConn, native};
use super::classes::ClassRow;
use super::schema::{customer_classes as cl, customers as c};

/// A customer as the dashboard lists them.
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: i64,
    pub name: String,
    pub reference: String,
    pub class: ClassRow,
}

fn listed(rows: Vec<(ClassRow, i64, String, String)>) -> Vec<Listed> {
    rows.into_iter().map(|(class, id, name, reference)| Listed { id, name, reference, class }).collect()
}

/// Class A, by revenue over the trailing twelve months (the class's index serves the order).
pub fn top_a(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Listed>> {
    let rows = native!(conn, |on| cl::table
        .inner_join(c::table)
        .filter(c::erased_at.is_null().and(c::merged_into_id.is_null()))
        .filter(cl::value_class.eq("A"))
        .order((cl::revenue_12m_minor.desc(), cl::customer_id.asc()))
        .limit(limit)
        .select((ClassRow::as_select(), c::id, c::name, c::reference))
        .load(on))?;
    Ok(listed(rows))
}

/// What customers cost: remakes and returns first, then complaints and cancellations.
pub fn costliest(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Listed>> {
    let rows = native!(conn, |on| cl::table
        .inner_join(c::table)
        .filter(c::erased_at.is_null().and(c::merged_into_id.is_null()))
        .filter(cl::cost_12m_minor.gt(0).or(cl::complaints_12m.gt(0)).or(cl::cancellations_12m.gt(0)))
        .order((cl::cost_12m_minor.desc(), cl::complaints_12m.desc(), cl::cancellations_12m.desc(), cl::customer_id.asc()))
        .limit(limit)
        .select((ClassRow::as_select(), c::id, c::name, c::reference))
        .load(on))?;
    Ok(listed(rows))
}

/// Of last year's `top` customers by revenue, those who spent less in the last twelve months.
pub fn ordering_less(conn: &mut DbConn, top: i64) -> QueryResult<Vec<Listed>> {
    let rows = native!(conn, |on| cl::table
        .inner_join(c::table)
        .filter(c::erased_at.is_null().and(c::merged_into_id.is_null()))
        .filter(cl::revenue_prev_12m_minor.gt(0))
        .order((cl::revenue_prev_12m_minor.desc(), cl::customer_id.asc()))
        .limit(top)
        .select((ClassRow::as_select(), c::id, c::name, c::reference))
        .load(on))?;
    let mut less: Vec<Listed> = listed(rows).into_iter().filter(|l| l.class.revenue_12m_minor < l.class.revenue_prev_12m_minor).collect();
    less.sort_by_key(|l| (l.class.revenue_12m_minor - l.class.revenue_prev_12m_minor, l.id));
    Ok(less)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Complainer {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub reference: String,
    #[diesel(sql_type = BigInt)]
    pub complaints: i64,
    #[diesel(sql_type = BigInt)]
    pub open: i64,
}

/// Customers with more than one complaint since `since`, those with open ones first.
pub fn repeat_complainers(conn: &mut DbConn, since: NaiveDateTime, limit: i64) -> QueryResult<Vec<Complainer>> {
    let sql = super::activity::dialect(
        conn,
        "SELECT c.id AS id, c.name AS name, c.reference AS reference, x.complaints AS complaints, x.open AS open FROM ( \
           SELECT customer_id, CAST(COUNT(*) AS BIGINT) AS complaints, \
             CAST(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS BIGINT) AS open \
           FROM customer_contacts WHERE kind = 'complaint' AND at >= ?1 GROUP BY customer_id HAVING COUNT(*) > 1 \
         ) x JOIN customers c ON c.id = x.customer_id \
         WHERE c.erased_at IS NULL AND c.merged_into_id IS NULL \
         ORDER BY x.open DESC, x.complaints DESC, c.id LIMIT ?2",
    );
    native!(conn, |on| diesel::sql_query(sql).bind::<diesel::sql_types::Timestamp, _>(since).bind::<BigInt, _>(limit).load(on))
}

/// Customers per (volume, satisfaction) cell.
pub fn matrix(conn: &mut DbConn) -> QueryResult<Vec<(String, String, i64)>> {
    native!(conn, |on| cl::table
        .group_by((cl::volume, cl::satisfaction))
        .select((cl::volume, cl::satisfaction, diesel::dsl::count_star()))
        .load(on))
}

/// Customers per value class.
pub fn class_counts(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    native!(conn, |on| cl::table.group_by(cl::value_class).select((cl::value_class, diesel::dsl::count_star())).load(on))
}
