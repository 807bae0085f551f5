//! Customer records as the staff pages use them: finding, enrolling (with the duplicate check),
//! merging and erasing, each with its audit entry.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use crate::domain::customer::{Enrollment, new_reference};
use crate::domain::customer_search::{CustomerIndex, SearchDoc};
use crate::store::customers::{self, CustomerRow, NewCustomer};
use crate::store::epoch::{self, Topic};
use crate::store::{Db, DbConn, StoreError, audit, now};

/// The in-memory search index of every live customer, shared by the workers of one process,
/// with what the result list shows of each. Other instances write to the same database, so
/// the index takes in the rows changed since it last looked (with a margin, as transactions
/// commit out of order): before a search, unless this process changed no customer since the
/// last look and that look is younger than the cache time (`ATELIER_CACHE_MS`).
#[derive(Clone, Default)]
pub struct Directory {
    inner: Arc<RwLock<State>>,
    fresh_for: Duration,
}

#[derive(Default)]
struct State {
    index: CustomerIndex,
    /// What a result shows of each live customer, by id.
    listed: HashMap<i64, SearchDoc>,
    synced_until: Option<NaiveDateTime>,
    /// When the last look started, and the customers' change counter before it.
    looked: Option<(Instant, u64)>,
    /// The `updated_at` of each row as indexed: the rows of the margin come back on every
    /// sync, and indexing one again costs far more than comparing its time.
    indexed_at: HashMap<i64, NaiveDateTime>,
}

/// Rows committed up to this long after their `updated_at` are still picked up.
const SYNC_MARGIN_SECONDS: i64 = 10;

/// What the search index holds and a result list shows of a customer.
pub fn listed(row: &CustomerRow) -> SearchDoc {
    SearchDoc {
        id: row.id,
        name: row.name.clone(),
        email: row.email.clone(),
        phone: row.phone.clone(),
        reference: row.reference.clone(),
    }
}

impl State {
    fn fresh(&self, fresh_for: Duration) -> bool {
        self.looked.is_some_and(|(at, seen)| seen == epoch::current(Topic::Customers) && at.elapsed() < fresh_for)
    }

    fn search(&self, query: &str, limit: usize) -> Vec<SearchDoc> {
        self.index.search(query, limit).into_iter().filter_map(|h| self.listed.get(&h.id).cloned()).collect()
    }
}

impl Directory {
    /// A directory that trusts its last look at the database for `fresh_for` when this
    /// process changed no customer since (zero: it looks before every search).
    pub fn new(fresh_for: Duration) -> Self {
        Self { inner: Arc::default(), fresh_for }
    }

    /// Brings the index up to date with the database.
    pub async fn sync(&self, db: &Db) -> Result<(), StoreError> {
        let inner = self.inner.clone();
        db.read(move |conn| sync_blocking(&inner, conn)).await
    }

    /// Customers matching a query, best first, as the result list shows them. From memory
    /// when the last look is fresh; else the look and the search in one database task.
    pub async fn search(&self, db: &Db, query: &str, limit: usize) -> Result<Vec<SearchDoc>, StoreError> {
        if let Ok(state) = self.inner.read()
            && state.fresh(self.fresh_for)
        {
            return Ok(state.search(query, limit));
        }
        let (inner, query) = (self.inner.clone(), query.to_owned());
        db.read(move |conn| {
            sync_blocking(&inner, conn)?;
            Ok(inner.read().map(|state| state.search(&query, limit)).unwrap_or_default())
        })
        .await
    }

    /// Live customers who are probably the same person as a new enrollment.
    pub async fn likely_duplicates(&self, db: &Db, e: &Enrollment) -> Result<Vec<CustomerRow>, StoreError> {
        let (inner, e) = (self.inner.clone(), e.clone());
        db.read(move |conn| {
            sync_blocking(&inner, conn)?;
            let ids: Vec<i64> = match inner.read() {
                Ok(state) => state
                    .index
                    .likely_duplicates(&e.name, e.email.as_deref(), e.phone.as_deref(), 5)
                    .into_iter()
                    .map(|h| h.id)
                    .collect(),
                Err(_) => vec![],
            };
            load_in_order(conn, ids)
        })
        .await
    }

    pub fn forget(&self, id: i64) {
        if let Ok(mut state) = self.inner.write() {
            state.index.remove(id);
            state.listed.remove(&id);
            state.indexed_at.remove(&id);
        }
    }
}

/// Takes in the rows changed since the index last looked (with the margin).
fn sync_blocking(inner: &RwLock<State>, conn: &mut DbConn) -> Result<(), StoreError> {
    let since = inner
        .read()
        .map(|s| s.synced_until)
        .unwrap_or(None)
        .map(|t| t - chrono::Duration::seconds(SYNC_MARGIN_SECONDS))
        .unwrap_or(chrono::DateTime::UNIX_EPOCH.naive_utc());
    let started = now();
    let looked = (Instant::now(), epoch::current(Topic::Customers));
    let rows = customers::changed_since(conn, since)?;
    if let Ok(mut state) = inner.write() {
        for row in &rows {
            if state.indexed_at.get(&row.id) == Some(&row.updated_at) {
                continue;
            }
            if row.is_live() {
                let d = listed(row);
                state.index.upsert(&d);
                state.listed.insert(row.id, d);
            } else {
                state.index.remove(row.id);
                state.listed.remove(&row.id);
            }
            state.indexed_at.insert(row.id, row.updated_at);
        }
        state.synced_until = Some(started);
        state.looked = Some(looked);
    }
    Ok(())
}

/// The live rows of `ids`, in that order.
fn load_in_order(conn: &mut DbConn, ids: Vec<i64>) -> Result<Vec<CustomerRow>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let rows = customers::find_many(conn, &ids)?;
    Ok(ids.iter().filter_map(|id| rows.iter().find(|r| r.id == *id && r.is_live()).cloned()).collect())
}

/// Enrolls a customer; retries the (rare) clash of a random reference.
pub fn enroll(conn: &mut DbConn, e: &Enrollment, staff_id: i64, store_id: Option<i64>) -> Result<CustomerRow, StoreError> {
    let at = now();
    for _ in 0..5 {
        let reference = new_reference();
        if customers::find_by_reference(conn, &reference)?.is_some() {
            continue;
        }
        let id = customers::insert(
            conn,
            &NewCustomer {
                reference: &reference,
                name: &e.name,
                email: e.email.as_deref(),
                phone: e.phone.as_deref(),
                phone_digits: e.phone_digits.as_deref(),
                home_store_id: store_id,
                marketing_consent: e.marketing_consent,
                consent_changed_at: e.marketing_consent.then_some(at),
                preferred_channel: e.channel.as_str(),
                created_by_staff_id: Some(staff_id),
                created_at: at,
                updated_at: at,
            },
        )?;
        audit::record(conn, Some(staff_id), "customer.enrolled", &format!("customer:{id}"), "")?;
        return customers::find(conn, id)?.ok_or(StoreError::Query(diesel::result::Error::NotFound));
    }
    Err(StoreError::Query(diesel::result::Error::RollbackTransaction))
}

/// Everything held about a customer, as one JSON document (the right of access): the same
/// for a staff export and for the customer's own download.
pub fn export_document(conn: &mut DbConn, id: i64) -> Result<serde_json::Value, StoreError> {
    let c = customers::find(conn, id)?.ok_or(StoreError::Query(diesel::result::Error::NotFound))?;
    let sets: Vec<serde_json::Value> = customers::measurement_sets(conn, id)?
        .into_iter()
        .map(|(s, values)| {
            let values: serde_json::Map<String, serde_json::Value> = values.into_iter().map(|(k, v)| (k, serde_json::Value::from(v))).collect();
            serde_json::json!({ "set": s, "values_canonical_mm_or_g": values })
        })
        .collect();
    let orders: Vec<serde_json::Value> = crate::store::orders::for_customer(conn, id)?
        .into_iter()
        .map(|o| {
            serde_json::json!({
                "reference": o.reference, "product": o.product_code, "status": o.status, "placed_at": o.created_at,
                "currency": o.currency, "total_minor": o.total_minor,
                "configuration": serde_json::from_str::<serde_json::Value>(&o.configuration).unwrap_or_default(),
                "ship_to": serde_json::from_str::<serde_json::Value>(&o.ship_to).unwrap_or_default(),
            })
        })
        .collect();
    let drafts: Vec<serde_json::Value> = crate::store::drafts::for_customer(conn, id)?
        .into_iter()
        .map(|d| serde_json::json!({ "product": d.product_code, "choices": serde_json::from_str::<serde_json::Value>(&d.choices).unwrap_or_default(), "updated_at": d.updated_at }))
        .collect();
    let account = crate::store::customer_accounts::find_by_customer(conn, id)?;
    Ok(serde_json::json!({
        "format": "atelier-customer-export/1",
        "exported_at": now(),
        "customer": c,
        "shop_account": account.map(|a| serde_json::json!({ "email": a.email, "created_at": a.created_at })),
        "preferences": customers::preferences(conn, id)?,
        // What the shop learned from the history is the customer's data too.
        "learned_preferences": crate::store::learned::for_customer(conn, id)?,
        "classification": crate::store::classes::find(conn, id)?,
        "contacts": customers::contacts(conn, id)?,
        "measurement_sets": sets,
        "orders": orders,
        "drafts": drafts,
        "audit": audit::list_for_subject(conn, &format!("customer:{id}"))?
            .into_iter()
            .map(|e| serde_json::json!({ "at": e.at, "action": e.action, "by_staff_id": e.actor_staff_id }))
            .collect::<Vec<_>>(),
    }))
}

/// Erases a customer (by staff, or by the customer: `staff_id` is then `None`): factories
/// that hold ship-to data are told, personal data goes, orders stay without identity.
pub fn erase(conn: &mut DbConn, id: i64, reference: &str, staff_id: Option<i64>) -> Result<(), StoreError> {
    crate::orders::announce_erasure(conn, id, reference)?;
    customers::erase(conn, id)?;
    let by = if staff_id.is_some() { "" } else { "by the customer" };
    audit::record(conn, staff_id, "customer.erased", &format!("customer:{id}"), by)?;
    Ok(())
}
