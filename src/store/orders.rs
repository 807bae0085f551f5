use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{orders as o, work_order_events as we, work_orders as wo};
use super::{DbConn, native, now};

mod placement;
pub use placement::{EventRow, PlacedRows, insert_placed};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = o)]
pub struct OrderRow {
    pub id: i64,
    pub reference: String,
    pub customer_id: i64,
    pub store_id: Option<i64>,
    pub catalog_version_id: i64,
    pub product_code: String,
    pub configuration: String,
    pub measurement_set_id: Option<i64>,
    pub currency: String,
    pub subtotal_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub price_breakdown: String,
    pub spec_hash: String,
    pub status: String,
    pub ship_to: String,
    pub idempotency_key: String,
    pub placed_by_staff_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = o)]
pub struct NewOrder<'a> {
    pub reference: &'a str,
    pub customer_id: i64,
    pub store_id: Option<i64>,
    pub catalog_version_id: i64,
    pub product_code: &'a str,
    pub configuration: &'a str,
    pub measurement_set_id: Option<i64>,
    pub currency: &'a str,
    pub subtotal_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub price_breakdown: &'a str,
    pub spec_hash: &'a str,
    pub status: &'a str,
    pub ship_to: &'a str,
    pub idempotency_key: &'a str,
    pub placed_by_staff_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl NewOrder<'_> {
    /// The row as stored with `id`.
    pub fn stored(&self, id: i64) -> OrderRow {
        OrderRow {
            id,
            reference: self.reference.to_owned(),
            customer_id: self.customer_id,
            store_id: self.store_id,
            catalog_version_id: self.catalog_version_id,
            product_code: self.product_code.to_owned(),
            configuration: self.configuration.to_owned(),
            measurement_set_id: self.measurement_set_id,
            currency: self.currency.to_owned(),
            subtotal_minor: self.subtotal_minor,
            tax_minor: self.tax_minor,
            total_minor: self.total_minor,
            price_breakdown: self.price_breakdown.to_owned(),
            spec_hash: self.spec_hash.to_owned(),
            status: self.status.to_owned(),
            ship_to: self.ship_to.to_owned(),
            idempotency_key: self.idempotency_key.to_owned(),
            placed_by_staff_id: self.placed_by_staff_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// Inserts the order unless one with its idempotency key or its reference exists (`None`).
/// A concurrent placement with the same key waits for the other to commit instead of
/// failing, and the transaction stays usable (on PostgreSQL an error would abort it).
pub fn insert(conn: &mut DbConn, new: &NewOrder) -> QueryResult<Option<i64>> {
    insert_via(conn, new, None)
}

/// [`insert`], recording the sales channel the order came through in the same statement.
pub fn insert_via(conn: &mut DbConn, new: &NewOrder, channel_id: Option<i64>) -> QueryResult<Option<i64>> {
    super::epoch::mark_customer(new.customer_id);
    // Every column as `column = value` (a NULL bound, never `DEFAULT`): diesel caches the
    // prepared statement only then, and this runs for every order.
    let values = (
        (
            o::reference.eq(new.reference),
            o::customer_id.eq(new.customer_id),
            o::store_id.eq(new.store_id),
            o::catalog_version_id.eq(new.catalog_version_id),
            o::product_code.eq(new.product_code),
            o::configuration.eq(new.configuration),
            o::measurement_set_id.eq(new.measurement_set_id),
            o::currency.eq(new.currency),
            o::subtotal_minor.eq(new.subtotal_minor),
            o::tax_minor.eq(new.tax_minor),
        ),
        (
            o::total_minor.eq(new.total_minor),
            o::price_breakdown.eq(new.price_breakdown),
            o::spec_hash.eq(new.spec_hash),
            o::status.eq(new.status),
            o::ship_to.eq(new.ship_to),
            o::idempotency_key.eq(new.idempotency_key),
            o::placed_by_staff_id.eq(new.placed_by_staff_id),
            o::created_at.eq(new.created_at),
            o::updated_at.eq(new.updated_at),
            o::channel_id.eq(channel_id),
        ),
    );
    // `ON CONFLICT` is not in diesel's multi-backend dialect: the same statement per backend.
    macro_rules! insert_or_nothing {
        ($c:expr) => {
            diesel::insert_into(o::table).values(&values).on_conflict_do_nothing().returning(o::id).get_result($c).optional()
        };
    }
    match conn {
        DbConn::Sqlite(c) => insert_or_nothing!(c),
        DbConn::Postgres(c) => insert_or_nothing!(c),
    }
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<OrderRow>> {
    native!(conn, |on| o::table.find(id).select(OrderRow::as_select()).first(on)).optional()
}

pub fn find_by_idempotency_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<OrderRow>> {
    native!(conn, |on| o::table.filter(o::idempotency_key.eq(key)).select(OrderRow::as_select()).first(on)).optional()
}

/// What a customer's history (their page, their profile, what is learned from them) needs of
/// an order: not its price breakdown, delivery or keys, which a long history made the
/// larger part of reading it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = o)]
pub struct OrderSummary {
    pub id: i64,
    pub reference: String,
    pub store_id: Option<i64>,
    pub product_code: String,
    pub configuration: String,
    pub currency: String,
    pub total_minor: i64,
    pub status: String,
    pub placed_by_staff_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// A customer's orders as [`OrderSummary`], newest first.
pub fn history_of_customer(conn: &mut DbConn, customer_id: i64) -> QueryResult<Vec<OrderSummary>> {
    native!(conn, |on| o::table
        .filter(o::customer_id.eq(customer_id))
        .order((o::created_at.desc(), o::id.desc()))
        .select(OrderSummary::as_select())
        .load(on))
}

/// A store's newest orders as [`OrderSummary`] with the customer's id, newest first.
pub fn recent_for_store(conn: &mut DbConn, store_id: i64, limit: i64) -> QueryResult<Vec<(OrderSummary, i64)>> {
    native!(conn, |on| o::table
        .filter(o::store_id.eq(store_id))
        .order(o::id.desc())
        .limit(limit)
        .select((OrderSummary::as_select(), o::customer_id))
        .load(on))
}

pub fn for_customer(conn: &mut DbConn, customer_id: i64) -> QueryResult<Vec<OrderRow>> {
    native!(conn, |on| o::table
        .filter(o::customer_id.eq(customer_id))
        .order((o::created_at.desc(), o::id.desc()))
        .select(OrderRow::as_select())
        .load(on))
}

pub fn set_status(conn: &mut DbConn, id: i64, status: &str) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(o::table.find(id)).set((o::status.eq(status), o::updated_at.eq(now()))).execute(on))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wo)]
pub struct WorkOrderRow {
    pub id: i64,
    pub order_id: i64,
    pub factory_id: i64,
    pub revision: i32,
    pub status: String,
    pub document: String,
    pub due_date: String,
    pub attention: Option<String>,
    pub tracking_number: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub lease_token: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub claim_count: i32,
    pub commit_seq: i64,
}

impl WorkOrderRow {
    pub fn live_lease(&self, at: NaiveDateTime) -> Option<&str> {
        self.lease_token.as_deref().filter(|_| self.lease_until.is_some_and(|u| u > at))
    }
}

/// Not yet acknowledged: queued or sent. Two comparisons rather than `IN ('queued', 'sent')`, so
/// that a SELECT using it can be prepared once per connection (diesel prepares a list anew
/// every time; UPDATEs it prepares anew anyway). See [`claimable`] for PostgreSQL.
fn unacknowledged() -> diesel::dsl::Or<diesel::dsl::Eq<wo::status, &'static str>, diesel::dsl::Eq<wo::status, &'static str>> {
    wo::status.eq("queued").or(wo::status.eq("sent"))
}

/// Claimable work orders of a factory: not yet acknowledged, no live lease, not set aside.
pub fn claimable(conn: &mut DbConn, factory_id: i64, at: NaiveDateTime, limit: i64) -> QueryResult<Vec<WorkOrderRow>> {
    macro_rules! claimable_where {
        ($unacknowledged:expr, $c:expr) => {
            wo::table
                .filter(wo::factory_id.eq(factory_id))
                .filter($unacknowledged)
                .filter(wo::attention.is_null().or(wo::attention.ne("dead_letter")))
                .filter(wo::lease_until.is_null().or(wo::lease_until.le(at)))
                .order(wo::id.asc())
                .limit(limit)
                .select(WorkOrderRow::as_select())
                .load($c)
        };
    }
    // On SQLite the statement prepared once per connection. On PostgreSQL the `IN` list, which
    // diesel does not prepare, so the server plans each claim with its factory: the prepared
    // statement's generic plan walked the primary key past every finished work order (up to
    // 2.5 s a claim in the mixed load, measured with `log_min_duration_statement`).
    match conn {
        DbConn::Sqlite(c) => claimable_where!(unacknowledged(), c),
        DbConn::Postgres(c) => claimable_where!(wo::status.eq_any(["queued", "sent"]), c),
    }
}

/// Takes a lease unless someone else took it first (compare-and-set on the lease).
pub fn take_lease(conn: &mut DbConn, id: i64, token: &str, at: NaiveDateTime, until: NaiveDateTime) -> QueryResult<bool> {
    let n = native!(conn, |on| diesel::update(
        wo::table
            .filter(wo::id.eq(id).and(unacknowledged()))
            .filter(wo::lease_until.is_null().or(wo::lease_until.le(at))),
    )
        .set((wo::lease_token.eq(Some(token)), wo::lease_until.eq(Some(until)), wo::claim_count.eq(wo::claim_count + 1)))
        .execute(on))?;
    Ok(n == 1)
}

/// Ends the lease held with `token`, in one conditional update: it also locks the row, so no
/// claim can slip in before the acknowledgement commits. A lease that ran out still counts
/// while nobody claimed the work order since (a claim replaces the token): its holder is the
/// last to have it, as much as a client acknowledging without a lease would be. The token
/// stays, to tell its holder's repeated acknowledgement from a stale client's. `false`: the
/// work order was claimed again since, or the token is not its.
pub fn end_lease(conn: &mut DbConn, id: i64, token: &str) -> QueryResult<bool> {
    let n = native!(conn, |on| diesel::update(
        wo::table
            .filter(wo::id.eq(id).and(wo::lease_token.eq(token)))
            .filter(unacknowledged()),
    )
    .set(wo::lease_until.eq(None::<NaiveDateTime>))
    .execute(on))?;
    Ok(n == 1)
}

/// For an acknowledgement without a lease: only when no live lease exists; forgets any old
/// token (and locks the row) so that no stale holder can acknowledge afterwards.
pub fn end_unleased(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
    let n = native!(conn, |on| diesel::update(
        wo::table
            .filter(wo::id.eq(id).and(unacknowledged()))
            .filter(wo::lease_until.is_null().or(wo::lease_until.le(at))),
    )
    .set((wo::lease_token.eq(None::<String>), wo::lease_until.eq(None::<NaiveDateTime>)))
    .execute(on))?;
    Ok(n == 1)
}

pub fn insert_work_order(
    conn: &mut DbConn,
    order_id: i64,
    factory_id: i64,
    status: &str,
    due_date: &str,
    document: &str,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    native!(conn, |on| diesel::insert_into(wo::table)
        .values((
            wo::order_id.eq(order_id),
            wo::factory_id.eq(factory_id),
            wo::revision.eq(1),
            wo::status.eq(status),
            wo::document.eq(document),
            wo::due_date.eq(due_date),
            wo::created_at.eq(at),
            wo::updated_at.eq(at),
        ))
        .returning(wo::id)
        .get_result(on))
}

pub fn find_work_order(conn: &mut DbConn, id: i64) -> QueryResult<Option<WorkOrderRow>> {
    native!(conn, |on| wo::table.find(id).select(WorkOrderRow::as_select()).first(on)).optional()
}

pub fn work_orders_of_order(conn: &mut DbConn, order_id: i64) -> QueryResult<Vec<WorkOrderRow>> {
    native!(conn, |on| wo::table.filter(wo::order_id.eq(order_id)).order(wo::id.asc()).select(WorkOrderRow::as_select()).load(on))
}

/// Where a paging client stands: the `(commit_seq, id)` of the last work order it saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub seq: i64,
    pub id: i64,
}

impl Cursor {
    pub fn of(w: &WorkOrderRow) -> Self {
        Self { seq: w.commit_seq, id: w.id }
    }

    pub fn encode(&self) -> String {
        format!("{}.{}", self.seq, self.id)
    }

    /// A cursor this API handed out: `seq.id`, or a bare id from before commit sequences.
    pub fn decode(text: &str) -> Option<Self> {
        let (seq, id) = match text.split_once('.') {
            Some((s, i)) => (s.parse().ok()?, i.parse().ok()?),
            None => (0, text.parse().ok()?),
        };
        (seq >= 0 && id >= 0).then_some(Self { seq, id })
    }
}

/// A factory's work orders after `after`, in the order they became visible.
///
/// Sequence values can commit out of order on PostgreSQL, so paging by id alone could step
/// past a work order whose transaction commits later. There each row carries the id of the
/// transaction that wrote it, and only rows of transactions older than every transaction
/// still running are listed: that set never grows behind a cursor. On SQLite one writer
/// commits in id order, and `commit_seq` is 0.
pub fn page_for_factory(
    conn: &mut DbConn,
    factory_id: i64,
    status: Option<&str>,
    after: Cursor,
    limit: i64,
) -> QueryResult<Vec<WorkOrderRow>> {
    let postgres = matches!(conn, DbConn::Postgres(_));
    // Built in each backend's arm: a boxed query is typed by its backend.
    native!(conn, |on| {
        // The factory's work orders (of one status) that a cursor may pass.
        let visible = || {
            let mut q = wo::table.filter(wo::factory_id.eq(factory_id)).select(WorkOrderRow::as_select()).into_boxed();
            if let Some(s) = status {
                q = q.filter(wo::status.eq(s.to_owned()));
            }
            if postgres {
                q = q.filter(wo::commit_seq.lt(visible_commit_seq()));
            }
            q
        };
        if postgres {
            // One statement per poll: the index range starts at the cursor's transaction, and
            // only its rows up to the cursor are filtered out.
            return visible()
                .filter(wo::commit_seq.ge(after.seq))
                .filter(wo::commit_seq.gt(after.seq).or(wo::id.gt(after.id)))
                .order((wo::commit_seq.asc(), wo::id.asc()))
                .limit(limit)
                .load(on);
        }
        // SQLite: in two index ranges, first the rest of the cursor's transaction, then the
        // later ones. One range with an OR would read every work order of the factory from the
        // cursor's transaction on, which is all of them, `commit_seq` being 0 there.
        let same_seq = visible().filter(wo::commit_seq.eq(after.seq)).filter(wo::id.gt(after.id)).order(wo::id.asc()).limit(limit).load(on)?;
        let rest = limit - same_seq.len() as i64;
        if rest <= 0 {
            return Ok(same_seq);
        }
        let later = visible().filter(wo::commit_seq.gt(after.seq)).order((wo::commit_seq.asc(), wo::id.asc())).limit(rest).load(on)?;
        Ok(same_seq.into_iter().chain(later).collect())
    })
}

/// Where a client following changes stands: the `(updated_at, id)` of the last change it saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeCursor {
    pub at: NaiveDateTime,
    pub id: i64,
}

impl ChangeCursor {
    pub fn of(w: &WorkOrderRow) -> Self {
        Self { at: w.updated_at, id: w.id }
    }

    /// `microseconds.id`, microseconds since the Unix epoch.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.at.and_utc().timestamp_micros(), self.id)
    }

    pub fn decode(text: &str) -> Option<Self> {
        let (micros, id) = text.split_once('.')?;
        let at = chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
        let id: i64 = id.parse().ok()?;
        (id >= 0).then_some(Self { at, id })
    }
}

/// How long a change waits before it is listed as one: a transaction that took its time
/// before its commit must not be passed by a cursor that a later, faster one moved on. The
/// app's writes take milliseconds; the wait is far longer.
pub const CHANGES_SETTLE: chrono::Duration = chrono::Duration::seconds(1);

/// A factory's work orders changed after `after` (created, revised, cancelled, or moved on by
/// the factory's own events), oldest change first, each once with its state now.
pub fn changes_for_factory(conn: &mut DbConn, factory_id: i64, after: ChangeCursor, limit: i64) -> QueryResult<Vec<WorkOrderRow>> {
    let settled = now() - CHANGES_SETTLE;
    native!(conn, |on| wo::table
        .filter(wo::factory_id.eq(factory_id))
        .filter(wo::updated_at.gt(after.at).or(wo::updated_at.eq(after.at).and(wo::id.gt(after.id))))
        .filter(wo::updated_at.le(settled))
        .order((wo::updated_at.asc(), wo::id.asc()))
        .limit(limit)
        .select(WorkOrderRow::as_select())
        .load(on))
}

diesel::define_sql_function! {
    /// PostgreSQL only (a migration defines it): the commit sequence below which every
    /// transaction has ended.
    fn visible_commit_seq() -> diesel::sql_types::BigInt;
}

/// The newest work orders (of a store), each with its order's reference, customer and product.
pub fn all_work_orders(conn: &mut DbConn, store_id: Option<i64>) -> QueryResult<Vec<(WorkOrderRow, String, i64, String)>> {
    native!(conn, |on| {
        let mut q = wo::table
            .inner_join(o::table)
            .order(wo::id.desc())
            .limit(500)
            .select((WorkOrderRow::as_select(), o::reference, o::customer_id, o::product_code))
            .into_boxed();
        if let Some(s) = store_id {
            q = q.filter(o::store_id.eq(s));
        }
        q.load(on)
    })
}

/// Moves a work order to `to`; the caller has checked that the transition is allowed.
pub fn set_work_order_status(
    conn: &mut DbConn,
    id: i64,
    from: &str,
    to: &str,
    actor: &str,
    note: &str,
    tracking_number: Option<&str>,
    occurred_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    let at = now();
    let n = native!(conn, |on| diesel::update(wo::table.filter(wo::id.eq(id).and(wo::status.eq(from))))
        .set((wo::status.eq(to), wo::updated_at.eq(at)))
        .execute(on))?;
    if n > 0 {
        if let Some(t) = tracking_number {
            set_tracking_number(conn, id, t)?;
        }
        record_event_at(conn, id, Some(from), to, actor, note, occurred_at.unwrap_or(at))?;
    }
    Ok(n)
}

pub fn set_tracking_number(conn: &mut DbConn, id: i64, tracking_number: &str) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(wo::table.find(id)).set((wo::tracking_number.eq(Some(tracking_number)), wo::updated_at.eq(now()))).execute(on))
}

/// Staff hand a work order set aside (claimed too often) back to the factory's claimers.
pub fn reset_claims(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(wo::table.find(id)).set(wo::claim_count.eq(0)).execute(on))
}

/// Takes back the flags for failed pushes (not a rejection) of `ids`.
pub fn clear_push_attention(conn: &mut DbConn, ids: &[i64]) -> QueryResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    native!(conn, |on| diesel::update(wo::table.filter(wo::id.eq_any(ids)).filter(wo::attention.eq_any(["delivery_failed", "push_endpoint_gone"])))
        .set(wo::attention.eq(None::<String>))
        .execute(on))
}

pub fn set_attention(conn: &mut DbConn, id: i64, attention: Option<&str>) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(wo::table.find(id)).set(wo::attention.eq(attention)).execute(on))
}

pub fn record_event(conn: &mut DbConn, work_order_id: i64, from: Option<&str>, to: &str, actor: &str, note: &str) -> QueryResult<usize> {
    record_event_at(conn, work_order_id, from, to, actor, note, now())
}

/// An event at the time it happened (a factory may report a change after the fact).
pub fn record_event_at(conn: &mut DbConn, work_order_id: i64, from: Option<&str>, to: &str, actor: &str, note: &str, at: NaiveDateTime) -> QueryResult<usize> {
    native!(conn, |on| diesel::insert_into(we::table)
        .values((
            we::work_order_id.eq(work_order_id),
            we::from_status.eq(from),
            we::to_status.eq(to),
            we::actor.eq(actor),
            we::note.eq(note),
            we::at.eq(at),
        ))
        .execute(on))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = we)]
pub struct WorkOrderEvent {
    pub id: i64,
    pub work_order_id: i64,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub note: String,
    pub at: NaiveDateTime,
}

pub fn events(conn: &mut DbConn, work_order_id: i64) -> QueryResult<Vec<WorkOrderEvent>> {
    native!(conn, |on| we::table.filter(we::work_order_id.eq(work_order_id)).order(we::id.asc()).select(WorkOrderEvent::as_select()).load(on))
}

/// When the work order's latest event happened.
pub fn last_event_at(conn: &mut DbConn, work_order_id: i64) -> QueryResult<Option<NaiveDateTime>> {
    native!(conn, |on| we::table.filter(we::work_order_id.eq(work_order_id)).select(diesel::dsl::max(we::at)).first(on))
}

/// Work orders of a factory due in `[from, to)` (ISO dates) that still take capacity.
pub fn booked_in_week(conn: &mut DbConn, factory_id: i64, from: &str, to: &str) -> QueryResult<i64> {
    native!(conn, |on| wo::table
        .filter(wo::factory_id.eq(factory_id).and(wo::due_date.ge(from)).and(wo::due_date.lt(to)))
        .filter(wo::status.ne_all(["cancelled", "rejected"]))
        .count()
        .get_result(on))
}

/// What changes on an order when it is revised before production.
pub struct Revision<'a> {
    pub configuration: &'a str,
    pub measurement_set_id: Option<i64>,
    pub subtotal_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub price_breakdown: &'a str,
    pub spec_hash: &'a str,
}

pub fn revise(conn: &mut DbConn, id: i64, r: &Revision) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(o::table.find(id))
        .set((
            o::configuration.eq(r.configuration),
            o::measurement_set_id.eq(r.measurement_set_id),
            o::subtotal_minor.eq(r.subtotal_minor),
            o::tax_minor.eq(r.tax_minor),
            o::total_minor.eq(r.total_minor),
            o::price_breakdown.eq(r.price_breakdown),
            o::spec_hash.eq(r.spec_hash),
            o::updated_at.eq(now()),
        ))
        .execute(on))
}

/// Where the order goes (see `orders::ship_to_store`), changed.
pub fn set_ship_to(conn: &mut DbConn, id: i64, ship_to: &str) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(o::table.find(id)).set((o::ship_to.eq(ship_to), o::updated_at.eq(now()))).execute(on))
}

/// Holds the work order's row until the transaction ends, so that two requests that read its
/// history before writing to it take turns (PostgreSQL; SQLite's write transactions take turns
/// already). `FOR NO KEY UPDATE`: rows that refer to it can still be inserted meanwhile.
pub fn lock_work_order(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    if let DbConn::Postgres(on) = conn {
        wo::table.find(id).select(wo::id).for_no_key_update().first::<i64>(on).optional()?;
    }
    Ok(())
}

pub fn set_revision(conn: &mut DbConn, id: i64, revision: i32, document: &str) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(wo::table.find(id))
        .set((wo::revision.eq(revision), wo::document.eq(document), wo::updated_at.eq(now())))
        .execute(on))
}

/// Moves every work order of `ids` that is in `from` to `to`, with one event each.
pub fn set_status_many(conn: &mut DbConn, ids: &[i64], from: &str, to: &str, actor: &str, note: &str) -> QueryResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    let at = now();
    let moving: Vec<i64> = native!(conn, |on| wo::table.filter(wo::id.eq_any(ids).and(wo::status.eq(from))).select(wo::id).load(on))?;
    if moving.is_empty() {
        return Ok(0);
    }
    native!(conn, |on| diesel::update(wo::table.filter(wo::id.eq_any(&moving).and(wo::status.eq(from)))).set((wo::status.eq(to), wo::updated_at.eq(at))).execute(on))?;
    let events: Vec<_> = moving
        .iter()
        .map(|id| (we::work_order_id.eq(*id), we::from_status.eq(Some(from)), we::to_status.eq(to), we::actor.eq(actor), we::note.eq(note), we::at.eq(at)))
        .collect();
    // Multi-row inserts are not in diesel's multi-backend dialect: per backend.
    match conn {
        DbConn::Sqlite(c) => diesel::insert_into(we::table).values(events).execute(c)?,
        DbConn::Postgres(c) => diesel::insert_into(we::table).values(events).execute(c)?,
    };
    Ok(moving.len())
}
