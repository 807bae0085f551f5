//! Decisions on learned preferences (accepted or dismissed), and the item neighbours the
//! recommendations read.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{item_neighbours as n, learned_preferences as lp};
use super::{DbConn, native, now};
use crate::domain::profile::recommend::Neighbour;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = lp)]
pub struct DecisionRow {
    pub id: i64,
    pub customer_id: i64,
    pub product_code: String,
    pub option_code: String,
    pub value_code: String,
    pub decision: String,
    pub evidence: String,
    pub staff_id: Option<i64>,
    pub decided_at: NaiveDateTime,
}

pub struct Decide<'a> {
    pub customer_id: i64,
    pub product: &'a str,
    pub option: &'a str,
    pub value: &'a str,
    pub decision: &'a str,
    pub evidence: &'a str,
    pub staff_id: Option<i64>,
}

/// Records a decision; a later one on the same suggestion replaces the earlier.
pub fn decide(conn: &mut DbConn, d: &Decide) -> QueryResult<i64> {
    super::epoch::mark_customer(d.customer_id);
    native!(conn, |on| diesel::delete(lp::table.filter(
        lp::customer_id.eq(d.customer_id).and(lp::product_code.eq(d.product)).and(lp::option_code.eq(d.option)).and(lp::value_code.eq(d.value)),
    ))
    .execute(on))?;
    native!(conn, |on| diesel::insert_into(lp::table)
        .values((
            lp::customer_id.eq(d.customer_id),
            lp::product_code.eq(d.product),
            lp::option_code.eq(d.option),
            lp::value_code.eq(d.value),
            lp::decision.eq(d.decision),
            lp::evidence.eq(d.evidence),
            lp::staff_id.eq(d.staff_id),
            lp::decided_at.eq(now()),
        ))
        .returning(lp::id)
        .get_result(on))
}

pub fn for_customer(conn: &mut DbConn, customer_id: i64) -> QueryResult<Vec<DecisionRow>> {
    native!(conn, |on| lp::table.filter(lp::customer_id.eq(customer_id)).order(lp::id.asc()).select(DecisionRow::as_select()).load(on))
}

/// Accepted preferences for one product: what pre-fills its configurator.
pub fn accepted(conn: &mut DbConn, customer_id: i64, product: &str) -> QueryResult<Vec<DecisionRow>> {
    native!(conn, |on| lp::table
        .filter(lp::customer_id.eq(customer_id).and(lp::product_code.eq(product)).and(lp::decision.eq("accepted")))
        .order(lp::id.asc())
        .select(DecisionRow::as_select())
        .load(on))
}

pub fn move_to(conn: &mut DbConn, from: i64, to: i64) -> QueryResult<()> {
    super::epoch::mark_customer(from);
    super::epoch::mark_customer(to);
    let theirs: Vec<DecisionRow> = for_customer(conn, to)?;
    for d in for_customer(conn, from)? {
        let clash = theirs.iter().any(|t| t.product_code == d.product_code && t.option_code == d.option_code && t.value_code == d.value_code);
        if clash {
            native!(conn, |on| diesel::delete(lp::table.find(d.id)).execute(on))?;
        } else {
            native!(conn, |on| diesel::update(lp::table.find(d.id)).set(lp::customer_id.eq(to)).execute(on))?;
        }
    }
    Ok(())
}

pub fn delete_for(conn: &mut DbConn, customer_id: i64) -> QueryResult<usize> {
    super::epoch::mark_customer(customer_id);
    native!(conn, |on| diesel::delete(lp::table.filter(lp::customer_id.eq(customer_id))).execute(on))
}

/// Replaces every neighbour row (in the caller's transaction), in batches.
pub fn replace_neighbours(conn: &mut DbConn, rows: &[Neighbour]) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Learned);
    native!(conn, |on| diesel::delete(n::table).execute(on))?;
    let mut done = 0;
    for chunk in rows.chunks(500) {
        let values: Vec<_> = chunk
            .iter()
            .map(|r| (n::item.eq(&r.item), n::other.eq(&r.other), n::together.eq(r.together), n::score_ppm.eq(r.score_ppm)))
            .collect();
        // Multi-row inserts exist per backend only, not on the multi-backend connection.
        let insert = diesel::insert_into(n::table).values(values);
        done += native!(conn, |on| insert.execute(on))?;
    }
    Ok(done)
}

pub fn neighbours_of(conn: &mut DbConn, items: &[String]) -> QueryResult<Vec<Neighbour>> {
    let rows: Vec<(String, String, i64, i64)> = native!(conn, |on| n::table
        .filter(n::item.eq_any(items))
        .select((n::item, n::other, n::together, n::score_ppm))
        .load(on))?;
    Ok(rows.into_iter().map(|(item, other, together, score_ppm)| Neighbour { item, other, together, score_ppm }).collect())
}
