//! A batch of successful deliveries recorded in one statement on PostgreSQL.
//!
//! Row by row that is five statements per batch (the attempts, the events delivered, the
//! work orders that move to `sent`, their events, the factories' failure streaks), each a
//! round trip, while the dispatcher shares the database and the processor with order
//! placement. Data-modifying `WITH` queries do it in one; the per-delivery values go in
//! as arrays, so the text of the statement is the same for every batch and it is prepared
//! once per connection.

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Integer, Text, Timestamp};

use super::Delivered;

pub(super) fn record(conn: &mut PgConnection, d: &Delivered, from: &str, to: &str, at: NaiveDateTime) -> QueryResult<()> {
    let statement = RecordStatement {
        ids: d.deliveries.iter().map(|x| x.0).collect(),
        codes: d.deliveries.iter().map(|x| x.1).collect(),
        latencies: d.deliveries.iter().map(|x| x.2).collect(),
        work_orders: d.work_orders.to_vec(),
        factories: d.factories.to_vec(),
        from,
        to,
        actor: d.actor,
        note: d.note,
        at,
    };
    statement.execute(conn)?;
    Ok(())
}

struct RecordStatement<'a> {
    ids: Vec<i64>,
    codes: Vec<i32>,
    latencies: Vec<i32>,
    work_orders: Vec<i64>,
    factories: Vec<i64>,
    from: &'a str,
    to: &'a str,
    actor: &'a str,
    note: &'a str,
    at: NaiveDateTime,
}

impl QueryId for RecordStatement<'_> {
    type QueryId = RecordStatement<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<Conn> RunQueryDsl<Conn> for RecordStatement<'_> {}

impl QueryFragment<Pg> for RecordStatement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        // As `delivered_many`: the events are delivered and their leases end.
        out.push_sql("WITH delivered AS (UPDATE outbox SET delivered_at = ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(", lease_until = NULL, attempts = attempts + 1 WHERE id = ANY(");
        out.push_bind_param::<Array<BigInt>, _>(&self.ids)?;
        out.push_sql(
            ")), attempts AS (INSERT INTO delivery_attempts (outbox_id, at, status_code, latency_ms, error) \
             SELECT a.id, ",
        );
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(", a.code, a.ms, NULL FROM unnest(");
        out.push_bind_param::<Array<BigInt>, _>(&self.ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Integer>, _>(&self.codes)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Integer>, _>(&self.latencies)?;
        // As `orders::set_status_many`: only work orders still in `from` move, each with an event.
        out.push_sql(") AS a (id, code, ms)), moved AS (UPDATE work_orders SET status = ");
        out.push_bind_param::<Text, _>(self.to)?;
        out.push_sql(", updated_at = ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(" WHERE id = ANY(");
        out.push_bind_param::<Array<BigInt>, _>(&self.work_orders)?;
        out.push_sql(") AND status = ");
        out.push_bind_param::<Text, _>(self.from)?;
        out.push_sql(" RETURNING id), moved_events AS (INSERT INTO work_order_events (work_order_id, from_status, to_status, actor, note, at) SELECT id, ");
        for text in [self.from, self.to, self.actor, self.note] {
            out.push_bind_param::<Text, _>(text)?;
            out.push_sql(", ");
        }
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        // As `factories::note_success`.
        out.push_sql(" FROM moved) UPDATE factories SET failing_since = NULL WHERE id = ANY(");
        out.push_bind_param::<Array<BigInt>, _>(&self.factories)?;
        out.push_sql(") AND failing_since IS NOT NULL");
        Ok(())
    }
}
