use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::native;

use super::schema::{api_idempotency as ai, delivery_attempts as da, outbox as ob};
use super::{DbConn, factories, now, orders};

mod delivered;

diesel::alias!(ob as earlier: EarlierEvent);

/// No earlier event of the same work order is still to be delivered (see [`due_ids`]).
macro_rules! not_waiting {
    () => {
        diesel::dsl::not(diesel::dsl::exists(
            earlier
                .filter(earlier.field(ob::work_order_id).eq(ob::work_order_id))
                .filter(earlier.field(ob::id).lt(ob::id))
                .filter(earlier.field(ob::delivered_at).is_null().and(earlier.field(ob::gave_up_at).is_null())),
        ))
    };
}


#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ob)]
pub struct OutboxRow {
    pub id: i64,
    pub factory_id: i64,
    pub work_order_id: Option<i64>,
    pub event_type: String,
    pub webhook_id: String,
    pub payload: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_until: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub gave_up_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, factory_id: i64, work_order_id: Option<i64>, event_type: &str, webhook_id: &str, payload: &str) -> QueryResult<i64> {
    let at = now();
    native!(conn, |on| diesel::insert_into(ob::table)
        .values((
            ob::factory_id.eq(factory_id),
            ob::work_order_id.eq(work_order_id),
            ob::event_type.eq(event_type),
            ob::webhook_id.eq(webhook_id),
            ob::payload.eq(payload),
            ob::next_attempt_at.eq(at),
            ob::created_at.eq(at),
        ))
        .returning(ob::id)
        .get_result(on))
}

/// When an event next becomes leasable after a lease at `after` (`None`: a lease that failed),
/// to sleep until then: the next attempt of an event nobody holds, or the end of a lease
/// (another dispatcher's, which may have stopped). Events leased and in flight do not count:
/// while a factory took its 10 seconds to answer, the dispatcher looked again four times a
/// second, a write each time. Events due up to [`LOOK_BACK`] before the lease count too: one
/// another process committed just after the lease read the table, or stamped by a clock a
/// little behind this one; so does one there was no room for. An event waiting for an earlier
/// one of its work order falls due when that one is recorded, which wakes the dispatcher.
pub fn next_due_after(conn: &mut DbConn, after: Option<NaiveDateTime>) -> QueryResult<Option<NaiveDateTime>> {
    let at = after.unwrap_or_else(now);
    let since = after.map_or(chrono::DateTime::UNIX_EPOCH.naive_utc(), |t| t - LOOK_BACK);
    let attempt: Option<NaiveDateTime> = native!(conn, |on| ob::table
        .filter(ob::delivered_at.is_null().and(ob::gave_up_at.is_null()).and(ob::next_attempt_at.gt(since)))
        .filter(ob::lease_until.is_null().or(ob::lease_until.lt(at)))
        .filter(not_waiting!())
        .select(diesel::dsl::min(ob::next_attempt_at))
        .first(on))?;
    let lease_ends: Option<NaiveDateTime> = native!(conn, |on| ob::table
        .filter(ob::delivered_at.is_null().and(ob::gave_up_at.is_null()).and(ob::lease_until.ge(at)))
        .select(diesel::dsl::min(ob::lease_until))
        .first(on))?;
    Ok(attempt.into_iter().chain(lease_ends).min())
}

/// See [`next_due_after`].
pub const LOOK_BACK: chrono::TimeDelta = chrono::TimeDelta::seconds(1);

/// Whether any of these work orders has an event still to deliver.
pub fn any_pending_for(conn: &mut DbConn, work_orders: &[i64]) -> QueryResult<bool> {
    if work_orders.is_empty() {
        return Ok(false);
    }
    let found: Option<i64> = native!(conn, |on| ob::table
        .filter(ob::work_order_id.eq_any(work_orders).and(ob::delivered_at.is_null()).and(ob::gave_up_at.is_null()))
        .select(ob::id)
        .first(on)
        .optional())?;
    Ok(found.is_some())
}

pub fn mark_delivered(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(ob::table.find(id))
        .set((ob::delivered_at.eq(Some(now())), ob::lease_until.eq(None::<NaiveDateTime>), ob::attempts.eq(ob::attempts + 1)))
        .execute(on))
}

pub fn mark_failed(conn: &mut DbConn, id: i64, next: Option<NaiveDateTime>, error: &str) -> QueryResult<usize> {
    let at = now();
    native!(conn, |on| diesel::update(ob::table.find(id))
        .set((
            ob::attempts.eq(ob::attempts + 1),
            ob::next_attempt_at.eq(next.unwrap_or(at)),
            ob::gave_up_at.eq(if next.is_none() { Some(at) } else { None }),
            ob::lease_until.eq(None::<NaiveDateTime>),
            ob::last_error.eq(Some(error)),
        ))
        .execute(on))
}

/// Gives up on every pending event of a factory whose endpoint said it is gone.
pub fn give_up_for_factory(conn: &mut DbConn, factory_id: i64, error: &str) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(ob::table.filter(ob::factory_id.eq(factory_id).and(ob::delivered_at.is_null()).and(ob::gave_up_at.is_null())))
        .set((ob::gave_up_at.eq(Some(now())), ob::last_error.eq(Some(error)), ob::lease_until.eq(None::<NaiveDateTime>)))
        .execute(on))
}

/// An event not sent because pushes are off for its factory: due again at `until`, its
/// attempts untouched (nothing was tried).
pub fn hold(conn: &mut DbConn, outbox_id: i64, until: NaiveDateTime) -> QueryResult<usize> {
    native!(conn, |on| diesel::update(ob::table.find(outbox_id))
        .set((ob::next_attempt_at.eq(until), ob::lease_until.eq(None::<NaiveDateTime>), ob::last_error.eq(Some("held: push is off for this factory"))))
        .execute(on))
}

/// Every event still to send to a factory, due now: pushes are back on. A row being delivered
/// right now (leased) is left to its delivery, or it could be sent twice.
pub fn due_now_for_factory(conn: &mut DbConn, factory_id: i64) -> QueryResult<usize> {
    let at = now();
    native!(conn, |on| diesel::update(ob::table.filter(ob::factory_id.eq(factory_id).and(ob::delivered_at.is_null()).and(ob::gave_up_at.is_null())))
        .filter(ob::lease_until.is_null().or(ob::lease_until.lt(at)))
        .set(ob::next_attempt_at.eq(at))
        .execute(on))
}

/// Makes an event due now again (staff "retry now").
/// Makes a work order's undelivered events due now, but those a later delivered event of it
/// supersedes (see [`replay_failed`]).
pub fn retry_now(conn: &mut DbConn, work_order_id: i64) -> QueryResult<usize> {
    let waiting: Vec<(i64, Option<i64>)> = native!(conn, |on| ob::table
        .filter(ob::work_order_id.eq(work_order_id).and(ob::delivered_at.is_null()))
        .filter(not_superseded())
        .select((ob::id, ob::work_order_id))
        .load(on))?;
    let (again, left) = split_superseded(conn, &waiting)?;
    if !left.is_empty() {
        native!(conn, |on| diesel::update(ob::table.filter(ob::id.eq_any(&left))).set((ob::last_error.eq(Some(SUPERSEDED)), ob::gave_up_at.eq(Some(now())))).execute(on))?;
    }
    if again.is_empty() {
        return Ok(0);
    }
    native!(conn, |on| diesel::update(ob::table.filter(ob::id.eq_any(&again)))
        .set((ob::next_attempt_at.eq(now()), ob::gave_up_at.eq(None::<NaiveDateTime>), ob::lease_until.eq(None::<NaiveDateTime>)))
        .execute(on))
}

/// What an event left out of a replay keeps as its last error: it stays given up, is not
/// counted as failed, and is not offered again.
pub const SUPERSEDED: &str = "superseded: a later event of its work order was delivered";

fn not_superseded() -> diesel::dsl::Or<diesel::dsl::IsNull<ob::last_error>, diesel::dsl::NotEq<ob::last_error, &'static str>> {
    ob::last_error.is_null().or(ob::last_error.ne(SUPERSEDED))
}

/// `events` (id, work order) in two: those to send, and those a later delivered event of
/// their work order supersedes (a `work_order.created` sent after the `work_order.cancelled`
/// the factory has would read as a new work order).
fn split_superseded(conn: &mut DbConn, events: &[(i64, Option<i64>)]) -> QueryResult<(Vec<i64>, Vec<i64>)> {
    let work_orders: Vec<i64> = events.iter().filter_map(|(_, wo)| *wo).collect();
    let delivered: Vec<(Option<i64>, i64)> = if work_orders.is_empty() {
        vec![]
    } else {
        native!(conn, |on| ob::table.filter(ob::work_order_id.eq_any(&work_orders).and(ob::delivered_at.is_not_null())).select((ob::work_order_id, ob::id)).load(on))?
    };
    let superseded = |id: i64, wo: Option<i64>| wo.is_some() && delivered.iter().any(|(w, later)| *w == wo && *later > id);
    Ok(events.iter().map(|(id, wo)| (*id, superseded(*id, *wo))).fold((vec![], vec![]), |(mut send, mut left), (id, s)| {
        if s { left.push(id) } else { send.push(id) }
        (send, left)
    }))
}

pub fn for_work_order(conn: &mut DbConn, work_order_id: i64) -> QueryResult<Vec<OutboxRow>> {
    native!(conn, |on| ob::table.filter(ob::work_order_id.eq(work_order_id)).order(ob::id.asc()).select(OutboxRow::as_select()).load(on))
}

pub fn record_attempt(conn: &mut DbConn, outbox_id: i64, status_code: Option<i32>, latency_ms: i32, error: Option<&str>) -> QueryResult<usize> {
    native!(conn, |on| diesel::insert_into(da::table)
        .values((da::outbox_id.eq(outbox_id), da::at.eq(now()), da::status_code.eq(status_code), da::latency_ms.eq(latency_ms), da::error.eq(error)))
        .execute(on))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = da)]
pub struct Attempt {
    pub id: i64,
    pub outbox_id: i64,
    pub at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
}

pub fn attempts_for_factory(conn: &mut DbConn, factory_id: i64, limit: i64) -> QueryResult<Vec<(Attempt, String, String)>> {
    native!(conn, |on| da::table
        .inner_join(ob::table)
        .filter(ob::factory_id.eq(factory_id))
        .order(da::id.desc())
        .limit(limit)
        .select((Attempt::as_select(), ob::event_type, ob::webhook_id))
        .load(on))
}

/// The stored answer to an earlier request with the same idempotency key.
pub fn idempotent_answer(conn: &mut DbConn, factory_id: i64, key: &str) -> QueryResult<Option<(String, i32, String)>> {
    native!(conn, |on| ai::table
        .filter(ai::factory_id.eq(factory_id).and(ai::key.eq(key)))
        .select((ai::request_sha256, ai::status, ai::body))
        .first(on))
        .optional()
}

pub fn store_idempotent_answer(conn: &mut DbConn, factory_id: i64, key: &str, request_sha256: &str, status: i32, body: &str) -> QueryResult<usize> {
    native!(conn, |on| diesel::insert_into(ai::table)
        .values((
            ai::factory_id.eq(factory_id),
            ai::key.eq(key),
            ai::request_sha256.eq(request_sha256),
            ai::status.eq(status),
            ai::body.eq(body),
            ai::created_at.eq(now()),
        ))
        .execute(on))
}

/// What a replay did: events made due again, and events left out because a later event of
/// the same work order was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replayed {
    pub sent_again: usize,
    pub superseded: usize,
}

/// Makes a factory's failed events since `since` due again, with their `webhook-id`s, so a
/// receiver that already has one can tell. An event a later delivered one of its work order
/// supersedes stays as it is: a `work_order.created` sent after the `work_order.cancelled`
/// the factory has would read as a new work order. The work orders' flags for failed pushes
/// go: each event is tried again, or its work order's later state was delivered.
pub fn replay_failed(conn: &mut DbConn, factory_id: i64, since: NaiveDateTime) -> QueryResult<Replayed> {
    let failed: Vec<(i64, Option<i64>)> = native!(conn, |on| ob::table
        .filter(ob::factory_id.eq(factory_id).and(ob::delivered_at.is_null()).and(ob::gave_up_at.is_not_null()))
        .filter(ob::created_at.ge(since))
        .filter(not_superseded())
        .select((ob::id, ob::work_order_id))
        .load(on))?;
    let work_orders: Vec<i64> = failed.iter().filter_map(|(_, wo)| *wo).collect();
    let (again, left) = split_superseded(conn, &failed)?;
    if !left.is_empty() {
        native!(conn, |on| diesel::update(ob::table.filter(ob::id.eq_any(&left))).set(ob::last_error.eq(Some(SUPERSEDED))).execute(on))?;
    }
    let n = if again.is_empty() {
        0
    } else {
        native!(conn, |on| diesel::update(ob::table.filter(ob::id.eq_any(&again)))
            .set((
                ob::attempts.eq(0),
                ob::gave_up_at.eq(None::<NaiveDateTime>),
                ob::next_attempt_at.eq(now()),
                ob::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(on))?
    };
    // Each is tried again or superseded, unless one of its work order is still given up (one
    // from before `since`).
    let still: Vec<Option<i64>> = if work_orders.is_empty() {
        vec![]
    } else {
        native!(conn, |on| ob::table
            .filter(ob::work_order_id.eq_any(&work_orders).and(ob::delivered_at.is_null()).and(ob::gave_up_at.is_not_null()))
            .filter(not_superseded())
            .select(ob::work_order_id)
            .load(on))?
    };
    let settled: Vec<i64> = work_orders.into_iter().filter(|wo| !still.contains(&Some(*wo))).collect();
    orders::clear_push_attention(conn, &settled)?;
    Ok(Replayed { sent_again: n, superseded: left.len() })
}

/// Events of a factory that were given up on and not delivered.
pub fn failed_count(conn: &mut DbConn, factory_id: i64) -> QueryResult<i64> {
    native!(conn, |on| ob::table
        .filter(ob::factory_id.eq(factory_id).and(ob::delivered_at.is_null()).and(ob::gave_up_at.is_not_null()))
        .filter(not_superseded())
        .count()
        .get_result(on))
}

/// Leases up to `limit` due events until `until`, oldest due first, and returns them (in id
/// order). Events another dispatcher leased first are not among them.
pub fn lease_due(conn: &mut DbConn, at: NaiveDateTime, until: NaiveDateTime, limit: i64, room: &Room) -> QueryResult<Vec<OutboxRow>> {
    let due = due_ids(conn, at, limit, room)?;
    if due.is_empty() {
        return Ok(vec![]);
    }
    // A compare-and-set that returns the rows it leased: a row another dispatcher leased since
    // `due_ids` read it no longer matches when the update re-checks it. (Picking the due rows
    // in a subquery of the update saves no preparing: diesel prepares every UPDATE anew, and
    // SQLite prepared and ran that one at a greater cost than this id list, as measured.)
    let leased = ob::table.filter(ob::id.eq_any(&due).and(ob::delivered_at.is_null()).and(ob::lease_until.is_null().or(ob::lease_until.lt(at))));
    macro_rules! lease_returning {
        ($c:expr) => {
            diesel::update(leased).set(ob::lease_until.eq(Some(until))).returning(OutboxRow::as_returning()).get_results($c)
        };
    }
    // `RETURNING` is not in diesel's multi-backend dialect: the same statement per backend.
    let mut rows: Vec<OutboxRow> = native!(conn, |on| lease_returning!(on))?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// Due, undelivered events whose lease (if any) has run out: their ids (the payloads are
/// read once, when the events are leased). An event waits while an earlier one of the same
/// work order is still to be delivered (retried, or sent right now): a factory that was down
/// must not hear `work_order.cancelled` before the `work_order.created` it cancels.
///
/// At most `room.of(factory)` of each factory's: one whose endpoint keeps every delivery
/// waiting until the timeout must not take every slot, holding up the other factories'
/// events. A factory with no room left is not read at all. The rows are read a few times over
/// `limit`; when that window was all taken up by factories that then had no room left (one
/// factory's backlog at the head of the queue, after an outage or a replay), it is read again
/// without them, so the others' events are reached in the same lease.
fn due_ids(conn: &mut DbConn, at: NaiveDateTime, limit: i64, room: &Room) -> QueryResult<Vec<i64>> {
    let window = limit.saturating_mul(4);
    let mut excluded = room.full.clone();
    let mut taken: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    let mut out: Vec<i64> = vec![];
    // Bounded: each pass leaves out at least one more factory.
    for _ in 0..8 {
        let rows: Vec<(i64, i64)> = native!(conn, |on| ob::table
            .filter(ob::delivered_at.is_null().and(ob::gave_up_at.is_null()).and(ob::next_attempt_at.le(at)))
            .filter(ob::lease_until.is_null().or(ob::lease_until.lt(at)))
            .filter(ob::factory_id.ne_all(&excluded))
            .filter(not_waiting!())
            .order((ob::next_attempt_at.asc(), ob::id.asc()))
            .limit(window)
            .select((ob::id, ob::factory_id))
            .load(on))?;
        let whole_window = rows.len() as i64 == window;
        for (id, factory) in rows {
            let n = taken.entry(factory).or_default();
            if *n < room.of(factory) && !out.contains(&id) {
                *n += 1;
                out.push(id);
            }
        }
        let now_full: Vec<i64> = taken.iter().filter(|(f, n)| **n >= room.of(**f) && !excluded.contains(f)).map(|(f, _)| *f).collect();
        if out.len() as i64 >= limit || !whole_window || now_full.is_empty() {
            break;
        }
        excluded.extend(now_full);
    }
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}

/// How many more events of each factory one dispatcher may take: `per_factory` less those of
/// it in flight (in this process: several instances each take their own).
#[derive(Debug)]
pub struct Room {
    pub per_factory: usize,
    pub in_flight: std::collections::HashMap<i64, usize>,
    /// The factories with no room left (not read at all).
    full: Vec<i64>,
}

impl Room {
    pub fn new(per_factory: usize, in_flight: std::collections::HashMap<i64, usize>) -> Self {
        let full = in_flight.iter().filter(|(_, n)| **n >= per_factory).map(|(f, _)| *f).collect();
        Self { per_factory, in_flight, full }
    }

    pub fn of(&self, factory: i64) -> usize {
        self.per_factory.saturating_sub(self.in_flight.get(&factory).copied().unwrap_or(0))
    }
}

/// A batch of successful deliveries: `(outbox id, HTTP status, latency in ms)` each, the work
/// orders they announced (`queued` becomes `sent`), the factories that answered.
pub struct Delivered<'a> {
    pub deliveries: &'a [(i64, i32, i32)],
    pub work_orders: &'a [i64],
    pub factories: &'a [i64],
    /// The work order event's actor and note.
    pub actor: &'a str,
    pub note: &'a str,
}

/// Records a batch of successful deliveries: an attempt row each, the events marked
/// delivered, their work orders sent (with an event each), the factories' failure streaks
/// ended. One statement on PostgreSQL (see [`delivered`]).
pub fn record_delivered(conn: &mut DbConn, d: &Delivered) -> QueryResult<()> {
    use crate::domain::work_order::Status;
    if d.deliveries.is_empty() {
        return Ok(());
    }
    let (from, to) = (Status::Queued.as_str(), Status::Sent.as_str());
    match conn {
        DbConn::Postgres(pg) => delivered::record(pg, d, from, to, now()),
        DbConn::Sqlite(_) => {
            delivered_many(conn, d.deliveries)?;
            orders::set_status_many(conn, d.work_orders, from, to, d.actor, d.note)?;
            for factory_id in d.factories {
                factories::note_success(conn, *factory_id)?;
            }
            Ok(())
        }
    }
}

/// Records a batch of successful deliveries: one attempt row each, all marked delivered.
fn delivered_many(conn: &mut DbConn, delivered: &[(i64, i32, i32)]) -> QueryResult<()> {
    if delivered.is_empty() {
        return Ok(());
    }
    let at = now();
    for chunk in delivered.chunks(200) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(id, code, ms)| (da::outbox_id.eq(*id), da::at.eq(at), da::status_code.eq(Some(*code)), da::latency_ms.eq(*ms), da::error.eq(None::<String>)))
            .collect();
        // Multi-row inserts are not in diesel's multi-backend dialect: per backend.
        native!(conn, |on| diesel::insert_into(da::table).values(rows).execute(on))?;
        let ids: Vec<i64> = chunk.iter().map(|d| d.0).collect();
        native!(conn, |on| diesel::update(ob::table.filter(ob::id.eq_any(&ids)))
            .set((ob::delivered_at.eq(Some(at)), ob::lease_until.eq(None::<NaiveDateTime>), ob::attempts.eq(ob::attempts + 1)))
            .execute(on))?;
    }
    Ok(())
}
