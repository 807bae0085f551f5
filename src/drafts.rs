//! Saved configurations ("drafts"): a customer starts online and a fitter finishes in the
//! store, or the reverse. A draft keeps the form fields as typed and the catalog version.

use crate::store::drafts::{self, DraftRow, NewDraft};
use crate::store::{Db, StoreError, audit};

pub struct DraftInput {
    pub customer_id: i64,
    pub version_id: i64,
    pub product: String,
    pub pairs: Vec<(String, String)>,
    pub measurement_set_id: Option<i64>,
    pub staff_id: Option<i64>,
}

/// Saves a new draft, or overwrites `id` if it is this customer's; returns the draft's id
/// (`None` when `id` is someone else's).
pub async fn save(db: &Db, id: Option<i64>, input: DraftInput) -> Result<Option<i64>, StoreError> {
    let choices = serde_json::to_string(&input.pairs).unwrap_or_else(|_| "[]".into());
    db.write(move |conn| -> Result<Option<i64>, StoreError> {
        let new = NewDraft {
            customer_id: input.customer_id,
            catalog_version_id: input.version_id,
            product_code: &input.product,
            choices: &choices,
            measurement_set_id: input.measurement_set_id,
            saved_by_staff_id: input.staff_id,
        };
        // Pressed twice at once on PostgreSQL, both would read before either inserted.
        crate::store::customers::lock(conn, input.customer_id)?;
        let id = match id {
            Some(id) if drafts::update(conn, id, input.customer_id, &new)? == 1 => id,
            Some(_) => return Ok(None),
            // Save for later pressed twice (a double click, a slow answer) is one draft: two
            // alike were listed side by side, saved the same minute.
            None => match drafts::for_customer(conn, input.customer_id)?.into_iter().find(|d| same_as_just_saved(d, &new)) {
                Some(d) => return Ok(Some(d.id)),
                None => drafts::insert(conn, &new)?,
            },
        };
        let by = if input.staff_id.is_none() { " online" } else { "" };
        audit::record(conn, input.staff_id, "draft.saved", &format!("customer:{}", input.customer_id), &format!("draft:{id}{by}"))?;
        Ok(Some(id))
    })
    .await
}

/// Whether `d` holds what `new` would, saved by the same person in the last few seconds.
fn same_as_just_saved(d: &DraftRow, new: &NewDraft) -> bool {
    let recent = crate::store::now().signed_duration_since(d.updated_at) < chrono::Duration::seconds(10);
    recent && d.catalog_version_id == new.catalog_version_id && d.product_code == new.product_code && d.choices == new.choices && d.measurement_set_id == new.measurement_set_id && d.saved_by_staff_id == new.saved_by_staff_id
}

/// A draft of this customer; another customer's is as good as missing.
pub async fn load(db: &Db, id: i64, customer_id: i64) -> Result<Option<DraftRow>, StoreError> {
    let row = db.read(move |conn| Ok::<_, StoreError>(drafts::find(conn, id)?)).await?;
    Ok(row.filter(|d| d.customer_id == customer_id))
}

pub async fn list(db: &Db, customer_id: i64) -> Result<Vec<DraftRow>, StoreError> {
    db.read(move |conn| Ok::<_, StoreError>(drafts::for_customer(conn, customer_id)?)).await
}

pub fn pairs_of(d: &DraftRow) -> Vec<(String, String)> {
    serde_json::from_str(&d.choices).unwrap_or_default()
}
