//! Feedback and complaints recorded on an order's page: they feed the customer's figures
//! (satisfaction, costs of remakes and returns) in the same transaction.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::domain::customer::FieldErrors;
use crate::domain::profile::order_contact::OrderContact;
use crate::store::customers::{self, ContactRow};
use crate::store::{Db, StoreError, audit, orders as order_store};
use crate::web::auth::StaffPage;
use crate::web::csrf::CsrfForm;
use crate::web::error::{AppError, see_other};
use crate::web::render;

use super::customer_page::fmt_time;
use super::orders::order_page;

#[derive(Default)]
pub struct OrderContactForm {
    pub kind: String,
    pub text: String,
    pub rating: String,
    pub remedy: String,
    pub resolved: bool,
    pub errors: FieldErrors,
}

pub struct OrderContactView {
    pub id: i64,
    pub at: String,
    pub kind: String,
    pub text: String,
    pub rating: Option<i32>,
    pub remedy: Option<String>,
    pub open: bool,
    /// What was done about a resolved complaint.
    pub resolution: Option<String>,
}

impl From<(ContactRow, Option<String>)> for OrderContactView {
    fn from((c, remedy): (ContactRow, Option<String>)) -> Self {
        OrderContactView {
            id: c.id,
            at: fmt_time(&c.at),
            open: c.status.as_deref() == Some("open"),
            kind: c.kind,
            text: c.summary,
            rating: c.rating,
            resolution: c.resolution,
            remedy,
        }
    }
}

#[derive(Deserialize)]
pub struct OrderContactRequest {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    remedy: String,
    #[serde(default)]
    resolved: Option<String>,
}

/// `POST /staff/orders/{id}/contacts`: feedback or a complaint about this order.
pub async fn log_order_contact(
    page: StaffPage,
    db: web::Data<Db>,
    cache: web::Data<crate::catalogs::CatalogCache>,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<OrderContactRequest>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let order = db.read(move |conn| Ok::<_, StoreError>(order_store::find(conn, id)?)).await?.ok_or(AppError::NotFound)?;
    super::customers::live_customer(&db, order.customer_id).await?;
    let parsed = OrderContact::parse(&form.kind, &form.text, &form.rating, &form.remedy, form.resolved.is_some());
    let contact = match parsed {
        Ok(c) => c,
        Err(errors) => {
            let mut again = order_page(page, &db, &cache, id, None).await?;
            again.feedback_form = OrderContactForm {
                kind: form.kind,
                text: form.text,
                rating: form.rating,
                remedy: form.remedy,
                resolved: form.resolved.is_some(),
                errors,
            };
            return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
        }
    };
    let (staff_id, store_id) = (page.staff.id, page.staff.store_id);
    db.write(move |conn| -> Result<(), StoreError> {
        let (kind, summary, rating, remedy, resolved) = match &contact {
            OrderContact::Feedback { rating, comment } => ("feedback", comment.as_str(), Some(*rating), None, false),
            OrderContact::Complaint { reason, remedy, resolved } => ("complaint", reason.as_str(), None, remedy.map(|r| r.as_str()), *resolved),
        };
        let new = customers::OrderContact {
            customer_id: order.customer_id,
            order_id: order.id,
            kind,
            summary,
            rating,
            remedy,
            resolved,
            staff_id,
            store_id,
        };
        let cid = crate::learning::log_order_contact(conn, &new, order.total_minor)?;
        audit::record(conn, Some(staff_id), "order.contact_logged", &format!("order:{}", order.id), &format!("{kind}:{cid}"))?;
        Ok(())
    })
    .await?;
    Ok(see_other(&format!("/staff/orders/{id}#feedback")))
}
