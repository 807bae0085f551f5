use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{customer_contacts as cc, customer_preferences as cp, customers as c, measurement_sets as ms, measurement_values as mv};
use super::classes::ClassRow;
use super::{DbConn, native, now};

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = c)]
pub struct CustomerRow {
    pub id: i64,
    pub reference: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub phone_digits: Option<String>,
    pub home_store_id: Option<i64>,
    pub marketing_consent: bool,
    pub consent_changed_at: Option<NaiveDateTime>,
    pub preferred_channel: String,
    pub merged_into_id: Option<i64>,
    pub erased_at: Option<NaiveDateTime>,
    pub created_by_staff_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl CustomerRow {
    /// Merged and erased records stay for their history but are no longer customers to find.
    pub fn is_live(&self) -> bool {
        self.merged_into_id.is_none() && self.erased_at.is_none()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = c)]
pub struct NewCustomer<'a> {
    pub reference: &'a str,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub phone_digits: Option<&'a str>,
    pub home_store_id: Option<i64>,
    pub marketing_consent: bool,
    pub consent_changed_at: Option<NaiveDateTime>,
    pub preferred_channel: &'a str,
    pub created_by_staff_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewCustomer) -> QueryResult<i64> {
    super::epoch::mark(super::epoch::Topic::Customers);
    native!(conn, |on| diesel::insert_into(c::table).values(new).returning(c::id).get_result(on))
}

/// Holds the customer's row until the transaction ends, so that two requests for one customer
/// that read before they write (a double click) take turns: under PostgreSQL's READ COMMITTED,
/// the second reads what the first wrote once it has the lock. SQLite's write transactions
/// take turns already (they begin `IMMEDIATE`). `FOR NO KEY UPDATE`: rows that refer to the
/// customer (orders, measurements) can still be inserted meanwhile.
pub fn lock(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    if let DbConn::Postgres(on) = conn {
        c::table.find(id).select(c::id).for_no_key_update().first::<i64>(on).optional()?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<CustomerRow>> {
    native!(conn, |on| c::table.find(id).select(CustomerRow::as_select()).first(on)).optional()
}

/// [`find`], whether the customer has a shop account, and their value class, in one statement
/// (the customer page asks all three; on PostgreSQL each statement is a round trip).
pub fn find_for_page(conn: &mut DbConn, id: i64) -> QueryResult<Option<CustomerForPage>> {
    use super::schema::{customer_accounts as ca, customer_classes as cl};
    // The columns `ClassRow` selects, made nullable for the outer join (`as_select()` cannot
    // be); they are the same columns on every backend.
    let class = <ClassRow as Selectable<diesel::pg::Pg>>::construct_selection().nullable();
    let row: Option<(CustomerRow, Option<i64>, Option<ClassRow>)> = native!(conn, |on| c::table
        .left_join(ca::table)
        .left_join(cl::table)
        .filter(c::id.eq(id))
        .select((CustomerRow::as_select(), ca::id.nullable(), class))
        .first(on))
    .optional()?;
    Ok(row.map(|(customer, account, class)| CustomerForPage { customer, has_account: account.is_some(), class }))
}

/// A customer as their page opens them: [`find_for_page`].
pub struct CustomerForPage {
    pub customer: CustomerRow,
    /// Whether they have claimed or opened a shop account.
    pub has_account: bool,
    /// Their value class, once the classification has run.
    pub class: Option<ClassRow>,
}

pub fn find_by_reference(conn: &mut DbConn, reference: &str) -> QueryResult<Option<CustomerRow>> {
    native!(conn, |on| c::table
        .filter(c::reference.eq(reference.trim().to_uppercase()))
        .select(CustomerRow::as_select())
        .first(on))
        .optional()
}

pub fn find_many(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<CustomerRow>> {
    native!(conn, |on| c::table.filter(c::id.eq_any(ids)).select(CustomerRow::as_select()).load(on))
}

/// Rows changed since `since`, to keep the in-memory search index current.
pub fn changed_since(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<Vec<CustomerRow>> {
    native!(conn, |on| c::table
        .filter(c::updated_at.ge(since))
        .order(c::updated_at.asc())
        .select(CustomerRow::as_select())
        .load(on))
}

pub fn count_live(conn: &mut DbConn) -> QueryResult<i64> {
    native!(conn, |on| c::table.filter(c::merged_into_id.is_null().and(c::erased_at.is_null())).count().get_result(on))
}

/// The customer changed their name or email on their account page.
pub fn set_name_and_email(conn: &mut DbConn, id: i64, name: &str, email: &str) -> QueryResult<usize> {
    super::epoch::mark_customer(id);
    super::epoch::mark(super::epoch::Topic::Customers);
    super::epoch::mark(super::epoch::Topic::Identity);
    native!(conn, |on| diesel::update(c::table.find(id)).set((c::name.eq(name), c::email.eq(Some(email)), c::updated_at.eq(now()))).execute(on))
}

pub fn set_consent(conn: &mut DbConn, id: i64, consent: bool, channel: &str, changed: bool) -> QueryResult<usize> {
    super::epoch::mark_customer(id);
    super::epoch::mark(super::epoch::Topic::Customers);
    let at = now();
    let q = diesel::update(c::table.find(id));
    if changed {
        native!(conn, |on| q.set((c::marketing_consent.eq(consent), c::consent_changed_at.eq(Some(at)), c::preferred_channel.eq(channel), c::updated_at.eq(at)))
            .execute(on))
    } else {
        native!(conn, |on| q.set((c::preferred_channel.eq(channel), c::updated_at.eq(at))).execute(on))
    }
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = cp)]
pub struct PreferenceRow {
    pub id: i64,
    pub customer_id: i64,
    pub text: String,
    pub kind: String,
    pub pinned: bool,
    pub source: String,
    pub dropped_at: Option<NaiveDateTime>,
    pub staff_id: Option<i64>,
    pub store_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert_preference(
    conn: &mut DbConn,
    customer_id: i64,
    text: &str,
    kind: &str,
    pinned: bool,
    staff_id: i64,
    store_id: Option<i64>,
) -> QueryResult<i64> {
    super::epoch::mark_customer(customer_id);
    native!(conn, |on| diesel::insert_into(cp::table)
        .values((
            cp::customer_id.eq(customer_id),
            cp::text.eq(text),
            cp::kind.eq(kind),
            cp::pinned.eq(pinned),
            cp::source.eq("staff"),
            cp::staff_id.eq(staff_id),
            cp::store_id.eq(store_id),
            cp::created_at.eq(now()),
        ))
        .returning(cp::id)
        .get_result(on))
}

impl PreferenceRow {
    /// Whether it still applies, the customer's last order placed at `last_order_at`: not
    /// dropped, and a one-off ("next order only") not yet followed by an order. Read rather
    /// than written at placement, which stays one statement on PostgreSQL.
    pub fn applies(&self, last_order_at: Option<NaiveDateTime>) -> bool {
        self.dropped_at.is_none() && (self.kind != "one_off" || last_order_at.is_none_or(|at| self.created_at > at))
    }
}

/// When the customer's latest order was placed, of those not cancelled or rejected (a one-off
/// wish comes back with an order that will not be made).
pub fn last_order_at(conn: &mut DbConn, customer_id: i64) -> QueryResult<Option<NaiveDateTime>> {
    use super::schema::orders as o;
    native!(conn, |on| o::table
        .filter(o::customer_id.eq(customer_id))
        .filter(o::status.ne_all(["cancelled", "rejected"]))
        .select(diesel::dsl::max(o::created_at))
        .first(on))
}

pub fn preferences(conn: &mut DbConn, customer_id: i64) -> QueryResult<Vec<PreferenceRow>> {
    native!(conn, |on| cp::table
        .filter(cp::customer_id.eq(customer_id))
        .order((cp::pinned.desc(), cp::created_at.desc(), cp::id.desc()))
        .select(PreferenceRow::as_select())
        .load(on))
}

pub fn set_preference_pinned(conn: &mut DbConn, customer_id: i64, id: i64, pinned: bool) -> QueryResult<usize> {
    super::epoch::mark_customer(customer_id);
    native!(conn, |on| diesel::update(cp::table.filter(cp::id.eq(id).and(cp::customer_id.eq(customer_id))))
        .set(cp::pinned.eq(pinned))
        .execute(on))
}

pub fn drop_preference(conn: &mut DbConn, customer_id: i64, id: i64) -> QueryResult<usize> {
    super::epoch::mark_customer(customer_id);
    native!(conn, |on| diesel::update(cp::table.filter(cp::id.eq(id).and(cp::customer_id.eq(customer_id))))
        .set((cp::dropped_at.eq(Some(now())), cp::pinned.eq(false)))
        .execute(on))
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = cc)]
pub struct ContactRow {
    pub id: i64,
    pub customer_id: i64,
    pub kind: String,
    pub summary: String,
    pub rating: Option<i32>,
    pub status: Option<String>,
    pub resolution: Option<String>,
    pub resolved_at: Option<NaiveDateTime>,
    pub staff_id: Option<i64>,
    pub store_id: Option<i64>,
    pub at: NaiveDateTime,
    /// The order it is about, for feedback and complaints logged on an order.
    pub order_id: Option<i64>,
}

pub fn insert_contact(
    conn: &mut DbConn,
    customer_id: i64,
    kind: &str,
    summary: &str,
    rating: Option<i32>,
    staff_id: i64,
    store_id: Option<i64>,
) -> QueryResult<i64> {
    super::epoch::mark_customer(customer_id);
    let status = (kind == "complaint").then_some("open");
    native!(conn, |on| diesel::insert_into(cc::table)
        .values((
            cc::customer_id.eq(customer_id),
            cc::kind.eq(kind),
            cc::summary.eq(summary),
            cc::rating.eq(rating),
            cc::status.eq(status),
            cc::staff_id.eq(staff_id),
            cc::store_id.eq(store_id),
            cc::at.eq(now()),
        ))
        .returning(cc::id)
        .get_result(on))
}

/// Feedback or a complaint about one order, from the order page. A complaint may ask for a
/// remake or a return, and may be resolved on the spot.
pub struct OrderContact<'a> {
    pub customer_id: i64,
    pub order_id: i64,
    pub kind: &'a str,
    pub summary: &'a str,
    pub rating: Option<i32>,
    pub remedy: Option<&'a str>,
    pub resolved: bool,
    pub staff_id: i64,
    pub store_id: Option<i64>,
}

pub fn insert_order_contact(conn: &mut DbConn, new: &OrderContact) -> QueryResult<i64> {
    super::epoch::mark_customer(new.customer_id);
    let at = now();
    let complaint = new.kind == "complaint";
    let status = complaint.then_some(if new.resolved { "resolved" } else { "open" });
    native!(conn, |on| diesel::insert_into(cc::table)
        .values((
            cc::customer_id.eq(new.customer_id),
            cc::order_id.eq(Some(new.order_id)),
            cc::kind.eq(new.kind),
            cc::summary.eq(new.summary),
            cc::rating.eq(new.rating),
            cc::remedy.eq(new.remedy.filter(|_| complaint)),
            cc::status.eq(status),
            cc::resolved_at.eq((complaint && new.resolved).then_some(at)),
            cc::staff_id.eq(new.staff_id),
            cc::store_id.eq(new.store_id),
            cc::at.eq(at),
        ))
        .returning(cc::id)
        .get_result(on))
}

/// A customer's complaints about an order: (order id, remedy).
pub fn complaints_by_order(conn: &mut DbConn, customer_id: i64) -> QueryResult<Vec<(i64, Option<String>)>> {
    let rows: Vec<(Option<i64>, Option<String>)> = native!(conn, |on| cc::table
        .filter(cc::customer_id.eq(customer_id).and(cc::kind.eq("complaint")).and(cc::order_id.is_not_null()))
        .select((cc::order_id, cc::remedy))
        .load(on))?;
    Ok(rows.into_iter().filter_map(|(o, r)| Some((o?, r))).collect())
}

pub fn contacts_of_order(conn: &mut DbConn, order_id: i64) -> QueryResult<Vec<(ContactRow, Option<String>)>> {
    native!(conn, |on| cc::table
        .filter(cc::order_id.eq(order_id))
        .order((cc::at.desc(), cc::id.desc()))
        .select((ContactRow::as_select(), cc::remedy))
        .load(on))
}

pub fn contacts(conn: &mut DbConn, customer_id: i64) -> QueryResult<Vec<ContactRow>> {
    native!(conn, |on| cc::table
        .filter(cc::customer_id.eq(customer_id))
        .order((cc::at.desc(), cc::id.desc()))
        .select(ContactRow::as_select())
        .load(on))
}

pub fn resolve_complaint(conn: &mut DbConn, customer_id: i64, id: i64, resolution: &str) -> QueryResult<usize> {
    super::epoch::mark_customer(customer_id);
    native!(conn, |on| diesel::update(
        cc::table.filter(cc::id.eq(id).and(cc::customer_id.eq(customer_id)).and(cc::kind.eq("complaint"))),
    )
    .set((cc::status.eq(Some("resolved")), cc::resolution.eq(Some(resolution)), cc::resolved_at.eq(Some(now()))))
    .execute(on))
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = ms)]
pub struct MeasurementSetRow {
    pub id: i64,
    pub customer_id: i64,
    pub taken_at: NaiveDateTime,
    pub staff_id: Option<i64>,
    pub store_id: Option<i64>,
    pub unit_system: String,
    pub self_measured: bool,
    pub confirmed_warnings: String,
}

pub struct NewMeasurementSet<'a> {
    pub customer_id: i64,
    pub staff_id: Option<i64>,
    pub store_id: Option<i64>,
    pub unit_system: &'a str,
    pub self_measured: bool,
    pub confirmed_warnings: &'a str,
    pub values: &'a [(String, i64)],
}

/// A set sent again within this long with the same values is the set already taken (a
/// double click, a resent form), not a new visit.
const RESENT_WITHIN_MINUTES: i64 = 10;

/// Stores a new set, or finds it stored already (see [`RESENT_WITHIN_MINUTES`]): the set's id,
/// and whether it is new.
pub fn insert_measurement_set(conn: &mut DbConn, new: &NewMeasurementSet) -> QueryResult<(i64, bool)> {
    let latest: Option<(i64, NaiveDateTime, bool)> = native!(conn, |on| ms::table
        .filter(ms::customer_id.eq(new.customer_id))
        .order((ms::taken_at.desc(), ms::id.desc()))
        .select((ms::id, ms::taken_at, ms::self_measured))
        .first(on))
    .optional()?;
    if let Some((id, taken_at, self_measured)) = latest {
        if self_measured == new.self_measured && taken_at > now() - chrono::Duration::minutes(RESENT_WITHIN_MINUTES) {
            let mut stored: Vec<(String, i64)> = native!(conn, |on| mv::table.filter(mv::set_id.eq(id)).select((mv::code, mv::value)).load(on))?;
            let mut sent = new.values.to_vec();
            stored.sort();
            sent.sort();
            if stored == sent {
                return Ok((id, false));
            }
        }
    }
    super::epoch::mark_customer(new.customer_id);
    let id = native!(conn, |on| diesel::insert_into(ms::table)
        .values((
            ms::customer_id.eq(new.customer_id),
            ms::taken_at.eq(now()),
            ms::staff_id.eq(new.staff_id),
            ms::store_id.eq(new.store_id),
            ms::unit_system.eq(new.unit_system),
            ms::self_measured.eq(new.self_measured),
            ms::confirmed_warnings.eq(new.confirmed_warnings),
        ))
        .returning(ms::id)
        .get_result(on))?;
    // Row by row: batch inserts are not available on the multi-backend connection.
    for (code, value) in new.values {
        native!(conn, |on| diesel::insert_into(mv::table)
            .values((mv::set_id.eq(id), mv::code.eq(code.as_str()), mv::value.eq(*value)))
            .execute(on))?;
    }
    Ok((id, true))
}

/// A set's owner, the unit system it was taken in, and its values.
pub fn set_values(conn: &mut DbConn, set_id: i64) -> QueryResult<Option<SetValues>> {
    let Some((customer_id, unit_system)) = native!(conn, |on| ms::table.find(set_id).select((ms::customer_id, ms::unit_system)).first::<(i64, String)>(on)).optional()? else { return Ok(None) };
    let values = native!(conn, |on| mv::table.filter(mv::set_id.eq(set_id)).order(mv::code.asc()).select((mv::code, mv::value)).load(on))?;
    Ok(Some(SetValues { customer_id, unit_system, values }))
}

#[derive(Debug, Clone)]
pub struct SetValues {
    pub customer_id: i64,
    pub unit_system: String,
    pub values: Vec<(String, i64)>,
}

/// Every set of the customer, newest first, each with its values.
pub fn measurement_sets(conn: &mut DbConn, customer_id: i64) -> QueryResult<Vec<(MeasurementSetRow, Vec<(String, i64)>)>> {
    let sets: Vec<MeasurementSetRow> = native!(conn, |on| ms::table
        .filter(ms::customer_id.eq(customer_id))
        .order((ms::taken_at.desc(), ms::id.desc()))
        .select(MeasurementSetRow::as_select())
        .load(on))?;
    if sets.is_empty() {
        return Ok(vec![]);
    }
    // By the sets' ids, although diesel prepares a statement with an id list every time: the
    // same values joined by the customer were prepared once, but PostgreSQL's generic plan for
    // them, made while the statistics were those of a small table, scanned every value (up to
    // 1.6 s a statement in the mixed load, measured with `log_min_duration_statement`).
    let ids: Vec<i64> = sets.iter().map(|s| s.id).collect();
    let values: Vec<(i64, String, i64)> = native!(conn, |on| mv::table
        .filter(mv::set_id.eq_any(&ids))
        .order((mv::set_id.asc(), mv::code.asc()))
        .select((mv::set_id, mv::code, mv::value))
        .load(on))?;
    Ok(sets
        .into_iter()
        .map(|s| {
            let vals = values.iter().filter(|v| v.0 == s.id).map(|v| (v.1.clone(), v.2)).collect();
            (s, vals)
        })
        .collect())
}

/// Moves everything of `source` to `target`, fills the target's missing contact details, and
/// marks the source as merged. The caller records the merge in the audit log.
pub fn merge(conn: &mut DbConn, source: &CustomerRow, target: &CustomerRow) -> QueryResult<()> {
    super::epoch::mark_customer(source.id);
    super::epoch::mark_customer(target.id);
    super::epoch::mark(super::epoch::Topic::Settled);
    super::epoch::mark(super::epoch::Topic::Identity);
    super::epoch::mark(super::epoch::Topic::Customers);
    let at = now();
    native!(conn, |on| diesel::update(cp::table.filter(cp::customer_id.eq(source.id))).set(cp::customer_id.eq(target.id)).execute(on))?;
    native!(conn, |on| diesel::update(cc::table.filter(cc::customer_id.eq(source.id))).set(cc::customer_id.eq(target.id)).execute(on))?;
    native!(conn, |on| diesel::update(ms::table.filter(ms::customer_id.eq(source.id))).set(ms::customer_id.eq(target.id)).execute(on))?;
    native!(conn, |on| diesel::update(super::schema::drafts::table.filter(super::schema::drafts::customer_id.eq(source.id)))
        .set(super::schema::drafts::customer_id.eq(target.id))
        .execute(on))?;
    // The shop account follows the person, unless the kept record has one already.
    if super::customer_accounts::find_by_customer(conn, target.id)?.is_none() {
        native!(conn, |on| diesel::update(super::schema::customer_accounts::table.filter(super::schema::customer_accounts::customer_id.eq(source.id)))
            .set(super::schema::customer_accounts::customer_id.eq(target.id))
            .execute(on))?;
    }
    super::customer_accounts::delete_claim_codes(conn, source.id)?;
    native!(conn, |on| diesel::update(super::schema::orders::table.filter(super::schema::orders::customer_id.eq(source.id)))
        .set(super::schema::orders::customer_id.eq(target.id))
        .execute(on))?;
    if target.email.is_none() && source.email.is_some() {
        native!(conn, |on| diesel::update(c::table.find(target.id)).set(c::email.eq(&source.email)).execute(on))?;
    }
    if target.phone.is_none() && source.phone.is_some() {
        native!(conn, |on| diesel::update(c::table.find(target.id))
            .set((c::phone.eq(&source.phone), c::phone_digits.eq(&source.phone_digits)))
            .execute(on))?;
    }
    native!(conn, |on| diesel::update(c::table.find(target.id)).set(c::updated_at.eq(at)).execute(on))?;
    native!(conn, |on| diesel::update(c::table.find(source.id))
        .set((c::merged_into_id.eq(Some(target.id)), c::email.eq(None::<String>), c::phone.eq(None::<String>),
              c::phone_digits.eq(None::<String>), c::updated_at.eq(at)))
        .execute(on))?;
    // Decisions on learned preferences stay with the person; their history moved, so their
    // monthly figures are recomputed for both records.
    super::learned::move_to(conn, source.id, target.id)?;
    super::activity::rebuild_customer(conn, source.id)?;
    super::activity::rebuild_customer(conn, target.id)?;
    Ok(())
}

/// Blanks the free text a person gave in a JSON document: delivery addresses (whatever their
/// shape) and typed personalisation (`text`, e.g. a name print). Choices, measurements and
/// prices stay: production and the books still need them, without anyone's identity.
fn scrub(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match key.as_str() {
                    // Blanked in its own shape: lines (the API's) or one text (the shop's).
                    "address" if v.is_object() => *v = Value::Object(Default::default()),
                    "address" => *v = Value::String(String::new()),
                    "text" if v.is_string() => *v = Value::String(String::new()),
                    _ => scrub(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub),
        _ => {}
    }
}

fn scrubbed(text: &str) -> Option<String> {
    let mut v: serde_json::Value = serde_json::from_str(text).ok()?;
    scrub(&mut v);
    let out = v.to_string();
    (out != text).then_some(out)
}

/// The customer's orders keep what they were built from, but not their delivery address or
/// personalisation: in the order, its work order documents, what was queued for factories
/// (and so the delivery log), and the factories' cached API answers about them.
fn scrub_orders(conn: &mut DbConn, customer_id: i64) -> QueryResult<()> {
    use super::schema::{api_idempotency as ai, orders as o, outbox as ob, work_orders as wo};
    let orders: Vec<(i64, String, String, String)> = native!(conn, |on| o::table
        .filter(o::customer_id.eq(customer_id))
        .select((o::id, o::reference, o::configuration, o::ship_to))
        .load(on))?;
    for (order_id, reference, configuration, ship_to) in &orders {
        let configuration = scrubbed(configuration).unwrap_or_else(|| configuration.clone());
        let ship_to = scrubbed(ship_to).unwrap_or_else(|| ship_to.clone());
        native!(conn, |on| diesel::update(o::table.find(order_id)).set((o::configuration.eq(configuration), o::ship_to.eq(ship_to))).execute(on))?;
        let work_orders: Vec<(i64, String)> = native!(conn, |on| wo::table.filter(wo::order_id.eq(order_id)).select((wo::id, wo::document)).load(on))?;
        for (wo_id, document) in work_orders {
            // A change of every work order of the customer, blanked or not: a factory that
            // pulls finds each in the changes feed, marked `customer_erased`, without the
            // address and name it holds (pushes get `customer.erased`). Only the blanked ones
            // were listed, and a work order with nothing to blank never told the factory to
            // delete the measurements it keeps.
            // A document that cannot be read is kept as it is (and still listed).
            let d = match serde_json::from_str::<serde_json::Value>(&document) {
                Ok(mut d) => {
                    scrub(&mut d);
                    if let serde_json::Value::Object(map) = &mut d {
                        map.insert("customer_erased".into(), serde_json::Value::Bool(true));
                    }
                    d.to_string()
                }
                Err(_) => document,
            };
            native!(conn, |on| diesel::update(wo::table.find(wo_id)).set((wo::document.eq(d), wo::updated_at.eq(now()))).execute(on))?;
            let queued: Vec<(i64, String)> = native!(conn, |on| ob::table.filter(ob::work_order_id.eq(wo_id)).select((ob::id, ob::payload)).load(on))?;
            for (ob_id, payload) in queued {
                if let Some(p) = scrubbed(&payload) {
                    native!(conn, |on| diesel::update(ob::table.find(ob_id)).set(ob::payload.eq(p)).execute(on))?;
                }
            }
        }
        let cached: Vec<(i64, String)> =
            native!(conn, |on| ai::table.filter(ai::body.like(format!("%{reference}%"))).select((ai::id, ai::body)).load(on))?;
        for (ai_id, body) in cached {
            if let Some(b) = scrubbed(&body) {
                native!(conn, |on| diesel::update(ai::table.find(ai_id)).set(ai::body.eq(b)).execute(on))?;
            }
        }
    }
    Ok(())
}

/// Removes the personal data of a customer: contact details, notes, contacts and body
/// measurements. The row and its reference stay, without identity, so that order financials
/// and production records keep pointing somewhere.
pub fn erase(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    super::epoch::mark_customer(id);
    super::epoch::mark(super::epoch::Topic::Settled);
    super::epoch::mark(super::epoch::Topic::Identity);
    super::epoch::mark(super::epoch::Topic::Customers);
    let at = now();
    // The shop account goes too: its sessions, mail and saved configurations with it.
    super::drafts::delete_for_customer(conn, id)?;
    super::customer_accounts::delete_claim_codes(conn, id)?;
    if let Some(account) = super::customer_accounts::find_by_customer(conn, id)? {
        super::sessions::delete_for_customer_account(conn, account.id)?;
        super::mail_outbox::delete_to(conn, &account.email)?;
        // Failed sign-ins are kept under the email typed; shop ones with a `shop:` prefix.
        super::sign_in_failures::clear_account(conn, &account.email)?;
        super::sign_in_failures::clear_account(conn, &format!("shop:{}", account.email))?;
        super::customer_accounts::delete(conn, account.id)?;
    }
    if let Some(email) = find(conn, id)?.and_then(|c| c.email) {
        super::mail_outbox::delete_to(conn, &email)?;
    }
    super::mail_outbox::delete_for_customer(conn, id)?;
    scrub_orders(conn, id)?;
    native!(conn, |on| diesel::delete(cp::table.filter(cp::customer_id.eq(id))).execute(on))?;
    // Feedback and complaints lose what was said, not that they happened: a rating, a
    // complaint, its remedy and its cost stay in the store's figures and value classes,
    // without the person (as orders do). Visits, calls and messages count for nothing: gone.
    native!(conn, |on| diesel::delete(cc::table.filter(cc::customer_id.eq(id).and(cc::kind.ne_all(["feedback", "complaint"])))).execute(on))?;
    native!(conn, |on| diesel::update(cc::table.filter(cc::customer_id.eq(id)))
        .set((cc::summary.eq(""), cc::resolution.eq(None::<String>)))
        .execute(on))?;
    super::learned::delete_for(conn, id)?;
    // Orders keep what they were built from, without the link to the person's sets.
    native!(conn, |on| diesel::update(super::schema::orders::table.filter(super::schema::orders::customer_id.eq(id)))
        .set(super::schema::orders::measurement_set_id.eq(None::<i64>))
        .execute(on))?;
    let sets = ms::table.filter(ms::customer_id.eq(id)).select(ms::id);
    native!(conn, |on| diesel::delete(mv::table.filter(mv::set_id.eq_any(sets))).execute(on))?;
    native!(conn, |on| diesel::delete(ms::table.filter(ms::customer_id.eq(id))).execute(on))?;
    super::activity::rebuild_customer(conn, id)?;
    native!(conn, |on| diesel::update(c::table.find(id))
        .set((
            c::name.eq(""),
            c::email.eq(None::<String>),
            c::phone.eq(None::<String>),
            c::phone_digits.eq(None::<String>),
            c::marketing_consent.eq(false),
            c::preferred_channel.eq("none"),
            c::erased_at.eq(Some(at)),
            c::updated_at.eq(at),
        ))
        .execute(on))?;
    Ok(())
}
