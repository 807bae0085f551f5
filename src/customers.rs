//! Customer records as the staff pages use them: finding, enrolling (with the duplicate check),
//! merging and erasing, each with its audit entry.

use std::sync::{Arc, RwLock};

use chrono::NaiveDateTime;

use crate::domain::customer::{Enrollment, new_reference};
use crate::domain::customer_search::{CustomerIndex, SearchDoc};
use crate::store::customers::{self, CustomerRow, NewCustomer};
use crate::store::{Db, DbConn, StoreError, audit, now};

/// The in-memory search index of every live customer, shared by the workers of one process.
/// Other instances write to the same database, so before each search the index takes in the
/// rows changed since it last looked (with a margin, as transactions commit out of order).
#[derive(Clone, Default)]
pub struct Directory {
    inner: Arc<RwLock<State>>,
}

#[derive(Default)]
struct State {
    index: CustomerIndex,
    synced_until: Option<NaiveDateTime>,
}

/// Rows committed up to this long after their `updated_at` are still picked up.
const SYNC_MARGIN_SECONDS: i64 = 10;

fn doc(row: &CustomerRow) -> SearchDoc {
    SearchDoc {
        id: row.id,
        name: row.name.clone(),
        email: row.email.clone(),
        phone: row.phone.clone(),
        reference: row.reference.clone(),
    }
}

impl Directory {
    /// Brings the index up to date with the database.
    pub async fn sync(&self, db: &Db) -> Result<(), StoreError> {
        let since = self
            .inner
            .read()
            .map(|s| s.synced_until)
            .unwrap_or(None)
            .map(|t| t - chrono::Duration::seconds(SYNC_MARGIN_SECONDS))
            .unwrap_or(chrono::DateTime::UNIX_EPOCH.naive_utc());
        let started = now();
        let rows = db.read(move |conn| Ok::<_, StoreError>(customers::changed_since(conn, since)?)).await?;
        if let Ok(mut state) = self.inner.write() {
            for row in &rows {
                if row.is_live() { state.index.upsert(&doc(row)) } else { state.index.remove(row.id) }
            }
            state.synced_until = Some(started);
        }
        Ok(())
    }

    /// Customers matching a query, best first.
    pub async fn search(&self, db: &Db, query: &str, limit: usize) -> Result<Vec<CustomerRow>, StoreError> {
        self.sync(db).await?;
        let ids: Vec<i64> = match self.inner.read() {
            Ok(state) => state.index.search(query, limit).into_iter().map(|h| h.id).collect(),
            Err(_) => vec![],
        };
        self.load_in_order(db, ids).await
    }

    /// Live customers who are probably the same person as a new enrollment.
    pub async fn likely_duplicates(&self, db: &Db, e: &Enrollment) -> Result<Vec<CustomerRow>, StoreError> {
        self.sync(db).await?;
        let ids: Vec<i64> = match self.inner.read() {
            Ok(state) => state
                .index
                .likely_duplicates(&e.name, e.email.as_deref(), e.phone.as_deref(), 5)
                .into_iter()
                .map(|h| h.id)
                .collect(),
            Err(_) => vec![],
        };
        self.load_in_order(db, ids).await
    }

    async fn load_in_order(&self, db: &Db, ids: Vec<i64>) -> Result<Vec<CustomerRow>, StoreError> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let wanted = ids.clone();
        let rows = db.read(move |conn| Ok::<_, StoreError>(customers::find_many(conn, &wanted)?)).await?;
        Ok(ids
            .iter()
            .filter_map(|id| rows.iter().find(|r| r.id == *id && r.is_live()).cloned())
            .collect())
    }

    pub fn forget(&self, id: i64) {
        if let Ok(mut state) = self.inner.write() {
            state.index.remove(id);
        }
    }
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
