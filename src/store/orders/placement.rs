//! Every row a new order makes, written in one statement on PostgreSQL.
//!
//! Placing an order writes seven rows: the order, the customer's month of activity, the work
//! order, its first event, the event for the factory (when it takes pushes) and the audit
//! record. Statement by statement that is seven round trips to the server, and under load
//! the round trips, not the rows, are what an order costs. Data-modifying `WITH` queries
//! write them all at once: each insert takes the ids the previous ones returned, and if the
//! order is not inserted (its idempotency key or its reference exists) nothing else is.

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamp};

use super::NewOrder;
use crate::domain::profile::Activity;

/// The event for the factory, written with the work order. Its payload names the work order's
/// id, which only the statement knows: the payload is given as the text before the id and
/// the text after it.
pub struct EventRow<'a> {
    pub event_type: &'a str,
    pub webhook_id: &'a str,
    pub payload_before_id: &'a str,
    pub payload_after_id: &'a str,
}

/// What [`insert_placed`] writes besides the order.
pub struct PlacedRows<'a> {
    pub order: &'a NewOrder<'a>,
    pub channel_id: Option<i64>,
    /// The order's change to its customer's activity in `month` (never zero: it counts the order).
    pub month: String,
    pub activity: Activity,
    pub factory_id: i64,
    pub work_order_status: &'a str,
    pub due_date: &'a str,
    pub document: &'a str,
    /// The first event of the work order: who and why.
    pub event_actor: &'a str,
    pub event_note: &'a str,
    /// `None`: the factory pulls its work orders.
    pub event: Option<EventRow<'a>>,
    pub audit_action: &'a str,
    pub audit_subject: &'a str,
    /// Written around the order's id: `order:` and ` online` give `order:42 online`.
    pub audit_detail_prefix: &'a str,
    pub audit_detail_suffix: &'a str,
    pub at: NaiveDateTime,
}

/// Writes the order and every row that comes with it; `None` when an order with its
/// idempotency key or its reference exists (a concurrent placement with the same key waits
/// for the other to commit, as [`super::insert`] does). Returns the order's id.
pub fn insert_placed(conn: &mut PgConnection, rows: &PlacedRows) -> QueryResult<Option<i64>> {
    crate::store::epoch::mark_customer(rows.order.customer_id);
    let ids: Option<(i64, i64)> = PlaceStatement(rows).get_result(conn).optional()?;
    Ok(ids.map(|(order_id, _work_order_id)| order_id))
}

/// The statement, as a type of its own so that it is prepared once per connection.
struct PlaceStatement<'a>(&'a PlacedRows<'a>);

impl QueryId for PlaceStatement<'_> {
    type QueryId = PlaceStatement<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for PlaceStatement<'_> {
    type SqlType = (BigInt, BigInt);
}

impl<Conn> RunQueryDsl<Conn> for PlaceStatement<'_> {}

impl QueryFragment<Pg> for PlaceStatement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let r = self.0;
        out.push_sql("WITH placed AS (");
        walk_order(out.reborrow(), r.order, &r.channel_id)?;
        out.push_sql("), activity AS (");
        crate::store::activity::walk_upsert(out.reborrow(), &r.order.customer_id, &r.month, &r.activity, Some("placed"))?;
        out.push_sql(
            "), work_order AS (\
             INSERT INTO work_orders (order_id, factory_id, revision, status, document, due_date, created_at, updated_at) \
             SELECT id, ",
        );
        out.push_bind_param::<BigInt, _>(&r.factory_id)?;
        out.push_sql(", 1, ");
        out.push_bind_param::<Text, _>(r.work_order_status)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(r.document)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(r.due_date)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&r.at)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&r.at)?;
        out.push_sql(
            " FROM placed RETURNING id), first_event AS (\
             INSERT INTO work_order_events (work_order_id, from_status, to_status, actor, note, at) SELECT id, NULL, ",
        );
        out.push_bind_param::<Text, _>(r.work_order_status)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(r.event_actor)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(r.event_note)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&r.at)?;
        out.push_sql(" FROM work_order), factory_event AS (");
        walk_event(out.reborrow(), r)?;
        out.push_sql("), audit AS (INSERT INTO audit_events (at, actor_staff_id, action, subject, detail) SELECT ");
        out.push_bind_param::<Timestamp, _>(&r.at)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<BigInt>, _>(&r.order.placed_by_staff_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(r.audit_action)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(r.audit_subject)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(r.audit_detail_prefix)?;
        out.push_sql(" || CAST(id AS TEXT) || ");
        out.push_bind_param::<Text, _>(r.audit_detail_suffix)?;
        out.push_sql(" FROM placed) SELECT placed.id, work_order.id FROM placed, work_order");
        Ok(())
    }
}

/// `INSERT INTO orders … ON CONFLICT DO NOTHING RETURNING id`, the columns of [`super::insert_via`].
fn walk_order<'b>(mut out: AstPass<'_, 'b, Pg>, o: &'b NewOrder<'b>, channel_id: &'b Option<i64>) -> QueryResult<()> {
    out.push_sql(
        "INSERT INTO orders (reference, customer_id, store_id, catalog_version_id, product_code, configuration, \
         measurement_set_id, currency, subtotal_minor, tax_minor, total_minor, price_breakdown, spec_hash, status, \
         ship_to, idempotency_key, placed_by_staff_id, created_at, updated_at, channel_id) VALUES (",
    );
    out.push_bind_param::<Text, _>(o.reference)?;
    out.push_sql(", ");
    out.push_bind_param::<BigInt, _>(&o.customer_id)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<BigInt>, _>(&o.store_id)?;
    out.push_sql(", ");
    out.push_bind_param::<BigInt, _>(&o.catalog_version_id)?;
    for text in [o.product_code, o.configuration] {
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(text)?;
    }
    out.push_sql(", ");
    out.push_bind_param::<Nullable<BigInt>, _>(&o.measurement_set_id)?;
    out.push_sql(", ");
    out.push_bind_param::<Text, _>(o.currency)?;
    for minor in [&o.subtotal_minor, &o.tax_minor, &o.total_minor] {
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(minor)?;
    }
    for text in [o.price_breakdown, o.spec_hash, o.status, o.ship_to, o.idempotency_key] {
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(text)?;
    }
    out.push_sql(", ");
    out.push_bind_param::<Nullable<BigInt>, _>(&o.placed_by_staff_id)?;
    for at in [&o.created_at, &o.updated_at] {
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(at)?;
    }
    out.push_sql(", ");
    out.push_bind_param::<Nullable<BigInt>, _>(channel_id)?;
    out.push_sql(") ON CONFLICT DO NOTHING RETURNING id");
    Ok(())
}

/// The outbox row, for the work order just written, when there is an event (the text of the
/// statement must not change with the values: a factory that pulls gets a `false` condition).
fn walk_event<'b>(mut out: AstPass<'_, 'b, Pg>, r: &'b PlacedRows<'b>) -> QueryResult<()> {
    const NONE: &str = "";
    let (event_type, webhook_id, before, after) = match &r.event {
        Some(e) => (e.event_type, e.webhook_id, e.payload_before_id, e.payload_after_id),
        None => (NONE, NONE, NONE, NONE),
    };
    out.push_sql("INSERT INTO outbox (factory_id, work_order_id, event_type, webhook_id, payload, next_attempt_at, created_at) SELECT ");
    out.push_bind_param::<BigInt, _>(&r.factory_id)?;
    out.push_sql(", id, ");
    out.push_bind_param::<Text, _>(event_type)?;
    out.push_sql(", ");
    out.push_bind_param::<Text, _>(webhook_id)?;
    out.push_sql(", ");
    out.push_bind_param::<Text, _>(before)?;
    out.push_sql(" || CAST(id AS TEXT) || ");
    out.push_bind_param::<Text, _>(after)?;
    out.push_sql(", ");
    out.push_bind_param::<Timestamp, _>(&r.at)?;
    out.push_sql(", ");
    out.push_bind_param::<Timestamp, _>(&r.at)?;
    out.push_sql(" FROM work_order WHERE ");
    out.push_bind_param::<Bool, _>(if r.event.is_some() { &true } else { &false })?;
    Ok(())
}
