//! Preferences and contacts logged on the customer page.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::domain::customer::{FieldErrors, NewContact, PreferenceKind, TEXT_MAX_CHARS};
use crate::store::customers;
use crate::store::{Db, StoreError, audit};
use crate::web::auth::StaffPage;
use crate::web::csrf::CsrfForm;
use crate::web::error::{AppError, see_other};
use crate::web::render;

use super::customer_page::{ContactForm, CustomerPage, PreferenceForm};
use super::customers::live_customer;

#[derive(Deserialize)]
pub struct PreferenceRequest {
    #[serde(default)]
    text: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    pinned: Option<String>,
}

/// `POST /staff/customers/{id}/preferences`
pub async fn add_preference(
    page: StaffPage,
    db: web::Data<Db>,
    cache: web::Data<crate::catalogs::CatalogCache>,
    page_memo: web::Data<super::CustomerPageMemo>,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<PreferenceRequest>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    live_customer(&db, id).await?;
    let text = form.text.trim().to_owned();
    let mut errors = FieldErrors::new();
    if text.is_empty() {
        errors.insert("text", "preference-text-required");
    } else if text.chars().count() > TEXT_MAX_CHARS {
        errors.insert("text", "text-too-long");
    }
    let kind = PreferenceKind::parse(&form.kind);
    if kind.is_none() {
        errors.insert("kind", "preference-kind-required");
    }
    let Some(kind) = kind.filter(|_| errors.is_empty()) else {
        let mut again = CustomerPage::load(&db, &cache, &page_memo, page.ctx, &page.staff, id).await?;
        again.pref_form = PreferenceForm { text: form.text, kind: form.kind, pinned: form.pinned.is_some(), errors };
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
    };
    let (staff_id, store_id, pinned) = (page.staff.id, page.staff.store_id, form.pinned.is_some());
    db.write(move |conn| -> Result<(), StoreError> {
        let pid = customers::insert_preference(conn, id, &text, kind.as_str(), pinned, staff_id, store_id)?;
        audit::record(conn, Some(staff_id), "customer.preference_added", &format!("customer:{id}"), &format!("preference:{pid}"))?;
        Ok(())
    })
    .await?;
    Ok(see_other(&format!("/staff/customers/{id}#preferences")))
}

#[derive(Deserialize)]
pub struct PreferenceAction {
    action: String,
}

/// `POST /staff/customers/{id}/preferences/{pid}`: pin, unpin or drop.
pub async fn change_preference(
    page: StaffPage,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
    CsrfForm(form): CsrfForm<PreferenceAction>,
) -> Result<HttpResponse, AppError> {
    let (id, pid) = path.into_inner();
    live_customer(&db, id).await?;
    let staff_id = page.staff.id;
    let action = form.action;
    let changed = db
        .write(move |conn| -> Result<usize, StoreError> {
            let n = match action.as_str() {
                "pin" => customers::set_preference_pinned(conn, id, pid, true)?,
                "unpin" => customers::set_preference_pinned(conn, id, pid, false)?,
                "drop" => customers::drop_preference(conn, id, pid)?,
                _ => 0,
            };
            if n > 0 {
                audit::record(conn, Some(staff_id), &format!("customer.preference_{action}"), &format!("customer:{id}"), &format!("preference:{pid}"))?;
            }
            Ok(n)
        })
        .await?;
    if changed == 0 {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&format!("/staff/customers/{id}#preferences")))
}

#[derive(Deserialize)]
pub struct ContactRequest {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    rating: String,
}

/// `POST /staff/customers/{id}/contacts`: a visit, call, message, complaint or feedback.
pub async fn log_contact(
    page: StaffPage,
    db: web::Data<Db>,
    cache: web::Data<crate::catalogs::CatalogCache>,
    page_memo: web::Data<super::CustomerPageMemo>,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<ContactRequest>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    live_customer(&db, id).await?;
    let contact = match NewContact::parse(&form.kind, &form.summary, &form.rating) {
        Ok(c) => c,
        Err(errors) => {
            let mut again = CustomerPage::load(&db, &cache, &page_memo, page.ctx, &page.staff, id).await?;
            again.contact_form = ContactForm { kind: form.kind, summary: form.summary, rating: form.rating, errors };
            return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
        }
    };
    let (staff_id, store_id) = (page.staff.id, page.staff.store_id);
    db.write(move |conn| -> Result<(), StoreError> {
        let cid = crate::learning::log_contact(conn, id, &contact, staff_id, store_id)?;
        audit::record(conn, Some(staff_id), "customer.contact_logged", &format!("customer:{id}"), &format!("{}:{cid}", contact.kind.as_str()))?;
        Ok(())
    })
    .await?;
    Ok(see_other(&format!("/staff/customers/{id}#timeline")))
}

#[derive(Deserialize)]
pub struct ResolveRequest {
    #[serde(default)]
    resolution: String,
    /// The page the form was on (the order page has one too); the customer's timeline else.
    #[serde(default)]
    back: String,
}

/// `POST /staff/customers/{id}/complaints/{cid}/resolve`
pub async fn resolve_complaint(
    page: StaffPage,
    db: web::Data<Db>,
    cache: web::Data<crate::catalogs::CatalogCache>,
    page_memo: web::Data<super::CustomerPageMemo>,
    path: web::Path<(i64, i64)>,
    CsrfForm(form): CsrfForm<ResolveRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, cid) = path.into_inner();
    live_customer(&db, id).await?;
    let resolution = form.resolution.trim().to_owned();
    if resolution.is_empty() || resolution.chars().count() > TEXT_MAX_CHARS {
        let key = if resolution.is_empty() { "resolution-required" } else { "text-too-long" };
        // Sent from an order's page: said there, at the complaint (it went to the customer's).
        if let Some(order) = form.back.strip_prefix("/staff/orders/").and_then(|o| o.parse::<i64>().ok()) {
            let mut again = super::orders::order_page(page, &db, &cache, order, None).await?;
            if again.customer.id == id {
                again.resolve_error = Some((cid, key));
                return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
            }
            return Err(AppError::NotFound);
        }
        let mut again = CustomerPage::load(&db, &cache, &page_memo, page.ctx, &page.staff, id).await?;
        again.resolve_error = Some((cid, key));
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
    }
    let staff_id = page.staff.id;
    let n = db
        .write(move |conn| -> Result<usize, StoreError> {
            let n = customers::resolve_complaint(conn, id, cid, &resolution)?;
            if n > 0 {
                audit::record(conn, Some(staff_id), "customer.complaint_resolved", &format!("customer:{id}"), &format!("complaint:{cid}"))?;
            }
            Ok(n)
        })
        .await?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&crate::web::error::safe_next(&form.back, &format!("/staff/customers/{id}#timeline"))))
}

#[derive(Deserialize)]
pub struct LearnedRequest {
    #[serde(default)]
    product: String,
    #[serde(default)]
    option: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    decision: String,
    /// "1": accept every suggestion not decided yet.
    #[serde(default)]
    all: String,
}

/// `POST /staff/customers/{id}/learned`: accept or dismiss a learned preference. Only a
/// choice the history shows as a habit can be accepted; anything accepted can be dismissed.
pub async fn decide_learned(
    page: StaffPage,
    db: web::Data<Db>,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<LearnedRequest>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    live_customer(&db, id).await?;
    if !matches!(form.decision.as_str(), "accepted" | "dismissed") {
        return Err(AppError::BadRequest("decision".into()));
    }
    let staff_id = page.staff.id;
    if form.all == "1" && form.decision == "accepted" {
        db.write(move |conn| -> Result<(), StoreError> {
            let past = crate::learning::past_orders(conn, id)?;
            let decided = crate::store::learned::for_customer(conn, id)?;
            for h in crate::domain::profile::suggestions(&past) {
                if decided.iter().any(|d| d.product_code == h.product && d.option_code == h.option && d.value_code == h.value) {
                    continue;
                }
                let evidence = format!("{}/{}", h.times, h.of);
                let lid = crate::store::learned::decide(conn, &crate::store::learned::Decide {
                    customer_id: id,
                    product: &h.product,
                    option: &h.option,
                    value: &h.value,
                    decision: "accepted",
                    evidence: &evidence,
                    staff_id: Some(staff_id),
                })?;
                audit::record(conn, Some(staff_id), "customer.learned_accepted", &format!("customer:{id}"), &format!("learned:{lid}"))?;
            }
            Ok(())
        })
        .await?;
        return Ok(see_other(&format!("/staff/customers/{id}#learned")));
    }
    let decided = db
        .write(move |conn| -> Result<bool, StoreError> {
            let past = crate::learning::past_orders(conn, id)?;
            let habit = crate::domain::profile::suggestions(&past)
                .into_iter()
                .find(|s| s.product == form.product && s.option == form.option && s.value == form.value);
            let was_accepted = crate::store::learned::for_customer(conn, id)?
                .iter()
                .any(|d| d.product_code == form.product && d.option_code == form.option && d.value_code == form.value && d.decision == "accepted");
            let evidence = match (&habit, form.decision.as_str()) {
                (Some(h), _) => format!("{}/{}", h.times, h.of),
                (None, "dismissed") if was_accepted => String::new(),
                _ => return Ok(false),
            };
            let lid = crate::store::learned::decide(conn, &crate::store::learned::Decide {
                customer_id: id,
                product: &form.product,
                option: &form.option,
                value: &form.value,
                decision: &form.decision,
                evidence: &evidence,
                staff_id: Some(staff_id),
            })?;
            audit::record(conn, Some(staff_id), &format!("customer.learned_{}", form.decision), &format!("customer:{id}"), &format!("learned:{lid}"))?;
            Ok(true)
        })
        .await?;
    if !decided {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&format!("/staff/customers/{id}#learned")))
}
