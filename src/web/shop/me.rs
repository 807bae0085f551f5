//! The customer's own pages: account (export, erase), saved drafts, and measurements
//! (history, and a self-measured set with the guide and the plausibility checks).

use std::sync::Arc;

use crate::web::session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::catalogs::CatalogCache;
use crate::customers::Directory;
use crate::domain::measurement::{Measurement, MeasurementSet, UnitSystem};
use crate::learning::ProfileMemo;
use crate::store::customers::{self as customer_store, NewMeasurementSet};
use crate::store::{Db, StoreError, audit, drafts as draft_store};
use crate::web::csrf::CsrfForm;
use crate::web::error::{AppError, safe_next, see_other};
use crate::web::render;
use crate::web::staff::{fmt_time, unit_system};
use crate::web::staff::measurements::{Field, ShownWarning, fields, fingerprint, system_name};

use super::auth::{Customer, ShopCtx, Shopper};
use crate::accounts::AccountError;
use crate::domain::shop_account::parse_details;
use crate::domain::staff::{PASSWORD_MIN_CHARS, PasswordField, new_password_problem};
use crate::shop_accounts::{self, AccountOwner, ShopAccountError};
use crate::web::csrf;
use crate::web::session_store::CUSTOMER_ACCOUNT_ID;
use actix_web::HttpRequest;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "shop/account.html")]
pub struct AccountPage {
    pub ctx: ShopCtx,
    pub erase_error: Option<&'static str>,
    pub confirm: String,
    pub recs: ShopRecommendations,
    /// The details form as shown: the account's, or what was typed into a refused form.
    pub name: String,
    pub email: String,
    /// Field id → message, for the details and the password forms.
    pub errors: BTreeMap<&'static str, String>,
    pub notice: Option<String>,
    /// A new email waiting for its link to be opened.
    pub pending_email: Option<String>,
}

impl AccountPage {
    fn new(ctx: ShopCtx, customer: &Customer) -> Self {
        AccountPage { name: customer.name.clone(), email: customer.email.clone(), ctx, erase_error: None, confirm: String::new(), recs: ShopRecommendations::default(), errors: BTreeMap::new(), notice: None, pending_email: None }
    }

    pub fn err(&self, field: &str) -> Option<String> {
        self.errors.get(field).cloned()
    }
}

/// What the history suggests, for the shop: the same again, options others with similar
/// orders chose, and (only with marketing consent) products.
#[derive(Default)]
pub struct ShopRecommendations {
    pub again: Vec<(String, String)>,
    pub options: Vec<String>,
    pub products: Vec<(String, String)>,
}

/// A query parameter of a link the staff profile made.
fn param(href: &str, name: &str) -> Option<String> {
    href.split(['?', '&']).find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_owned))
}

async fn recommendations(db: &Db, cache: &CatalogCache, profiles: Arc<ProfileMemo>, page: &Shopper) -> Result<ShopRecommendations, AppError> {
    let id = page.customer.customer_id;
    let Some(c) = db.read(move |conn| Ok::<_, StoreError>(customer_store::find(conn, id)?)).await? else { return Ok(ShopRecommendations::default()) };
    let profile = crate::web::staff::customer_profile::ProfileView::load(db, cache, profiles, page.ctx.t, &c, c.marketing_consent).await?;
    Ok(ShopRecommendations {
        again: profile
            .again
            .iter()
            .filter_map(|l| Some((l.text.clone(), format!("/shop/configure/{}?from_order={}", param(&l.href, "product")?, param(&l.href, "again")?))))
            .collect(),
        options: profile.option_recs.clone(),
        products: if c.marketing_consent {
            profile.product_recs.iter().filter_map(|l| Some((l.text.clone(), format!("/shop/configure/{}", param(&l.href, "product")?)))).collect()
        } else {
            vec![]
        },
    })
}

/// The account page's notices (see [`show_account`]).
const DETAILS_SAVED: &str = "account-details";
const EMAIL_PENDING: &str = "account-email-pending";
pub(super) const EMAIL_CHANGED: &str = "account-email";
const EMAIL_CANCELLED: &str = "account-email-cancelled";
const PASSWORD_CHANGED: &str = "account-password";

/// `GET /shop/account`, saying once what a change just saved (see [`crate::web::notice`]: in
/// the address, it was said again on every reload and by a bookmark).
pub async fn show_account(req: HttpRequest, settings: web::Data<crate::config::Settings>, page: Shopper, db: web::Data<Db>, cache: web::Data<CatalogCache>, profiles: web::Data<ProfileMemo>) -> Result<HttpResponse, AppError> {
    let recs = recommendations(&db, &cache, profiles.into_inner(), &page).await?;
    let pending_email = shop_accounts::pending_email(&db, page.customer.account_id).await.map_err(super::account::shop_error)?;
    let mut shown = AccountPage::new(page.ctx, &page.customer);
    let t = shown.ctx.t;
    shown.notice = match (crate::web::notice::of(&req).unwrap_or_default(), &pending_email) {
        (DETAILS_SAVED, _) => Some(t.t("shop-details-saved")),
        (EMAIL_PENDING, Some(email)) => Some(t.t_args("shop-details-email-pending", &[("email", email.clone()), ("hours", shop_accounts::EMAIL_CHANGE_HOURS.to_string())])),
        (EMAIL_CHANGED, _) => Some(t.t("shop-details-email-changed")),
        (EMAIL_CANCELLED, _) => Some(t.t("shop-email-cancelled")),
        (PASSWORD_CHANGED, _) => Some(t.t("shop-password-changed")),
        _ => None,
    };
    let said = shown.notice.is_some();
    shown.recs = recs;
    shown.pending_email = pending_email;
    let res = render::ok(&shown)?;
    if said { crate::web::notice::taken(res, settings.secure_cookies()) } else { Ok(res) }
}

#[derive(Deserialize)]
pub struct DetailsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Whether `password` is the account's, throttled as sign-ins are (a session taken over must
/// not become a way to guess the password); `Err` holds the message for the field.
async fn current_password_ok(req: &HttpRequest, db: &Db, page: &Shopper, password: String) -> Result<Result<(), String>, AppError> {
    let t = page.ctx.t;
    if password.is_empty() {
        return Ok(Err(t.t("password-required")));
    }
    match shop_accounts::sign_in(db, &page.customer.email, password, req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default()).await {
        Ok(a) if a.id == page.customer.account_id => Ok(Ok(())),
        Ok(_) | Err(AccountError::InvalidCredentials) => Ok(Err(t.t("password-current-wrong"))),
        Err(AccountError::Throttled { retry_after_minutes }) => Ok(Err(t.t1("sign-in-throttled", "minutes", retry_after_minutes))),
        Err(e) => Err(AppError::Unexpected(e.into())),
    }
}

fn owner(c: &Customer) -> AccountOwner {
    AccountOwner { account_id: c.account_id, customer_id: c.customer_id, email: c.email.clone() }
}

/// `POST /shop/account/details`: name and email; a new email needs the password.
pub async fn change_details(req: HttpRequest, page: Shopper, db: web::Data<Db>, settings: web::Data<crate::config::Settings>, CsrfForm(form): CsrfForm<DetailsForm>) -> Result<HttpResponse, AppError> {
    let t = page.ctx.t;
    let parsed = parse_details(&form.name, &form.email, true);
    let mut errors: BTreeMap<&'static str, String> = parsed.as_ref().err().map(|e| e.iter().map(|(f, k)| (*f, t.t(k))).collect()).unwrap_or_default();
    let email_changes = parsed.as_ref().is_ok_and(|d| d.email.as_str() != page.customer.email);
    if email_changes {
        if let Err(m) = current_password_ok(&req, &db, &page, form.password.clone()).await? {
            errors.insert("details-password", m);
        }
    }
    let outcome = match parsed {
        Ok(details) if errors.is_empty() => match shop_accounts::change_details(&db, owner(&page.customer), details, &settings.public_url, t).await {
            Ok(()) => None,
            Err(ShopAccountError::EmailTaken) => Some(("email", t.t("shop-details-email-taken"))),
            Err(ShopAccountError::TooManyEmailChanges) => Some(("email", t.t("shop-email-change-throttled"))),
            Err(e) => return Err(AppError::Unexpected(e.into())),
        },
        _ => None,
    };
    if let Some((field, m)) = outcome {
        errors.insert(field, m);
    }
    if errors.is_empty() {
        return crate::web::notice::redirect("/shop/account", if email_changes { EMAIL_PENDING } else { DETAILS_SAVED }, settings.secure_cookies());
    }
    let mut again = AccountPage::new(page.ctx, &page.customer);
    again.name = form.name.trim().to_owned();
    again.email = form.email.trim().to_owned();
    again.errors = errors;
    render::page(StatusCode::UNPROCESSABLE_ENTITY, &again)
}

/// `POST /shop/account/email/cancel`: the email waiting for confirmation is not wanted; its
/// link stops working.
pub async fn cancel_email_change(page: Shopper, db: web::Data<Db>, settings: web::Data<crate::config::Settings>, CsrfForm(_): CsrfForm<super::account::EmptyForm>) -> Result<HttpResponse, AppError> {
    shop_accounts::cancel_email_change(&db, owner(&page.customer)).await.map_err(super::account::shop_error)?;
    crate::web::notice::redirect("/shop/account", EMAIL_CANCELLED, settings.secure_cookies())
}

/// `POST /shop/account/password`: every other session of the account ends; this one goes on
/// under a new id. Passwords are never shown again: a refused form comes back empty, with
/// the reason at each field.
pub async fn change_password(req: HttpRequest, page: Shopper, session: Session, db: web::Data<Db>, settings: web::Data<crate::config::Settings>, CsrfForm(form): CsrfForm<crate::web::staff::password::ChangePasswordForm>) -> Result<HttpResponse, AppError> {
    let t = page.ctx.t;
    let mut errors: BTreeMap<&'static str, String> = BTreeMap::new();
    match new_password_problem(&form.current, &form.new_password, &form.confirm) {
        Some((PasswordField::New, k)) => errors.insert("new-password", t.t1(k, "min", PASSWORD_MIN_CHARS)),
        Some((PasswordField::Confirm, k)) => errors.insert("confirm", t.t(k)),
        None => None,
    };
    if let Err(m) = current_password_ok(&req, &db, &page, form.current.clone()).await? {
        errors.insert("current", m);
    }
    if errors.is_empty() {
        shop_accounts::change_password(&db, owner(&page.customer), form.new_password, t).await.map_err(|e| AppError::Unexpected(e.into()))?;
        session.renew();
        session.insert(CUSTOMER_ACCOUNT_ID, page.customer.account_id).map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))?;
        csrf::rotate(&session);
        return crate::web::notice::redirect("/shop/account", PASSWORD_CHANGED, settings.secure_cookies());
    }
    let mut again = AccountPage::new(page.ctx, &page.customer);
    again.errors = errors;
    render::page(StatusCode::UNPROCESSABLE_ENTITY, &again)
}

/// `GET /shop/account/export`: everything held about me, as JSON.
pub async fn export(page: Shopper, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    let id = page.customer.customer_id;
    let doc = db
        .write(move |conn| -> Result<serde_json::Value, StoreError> {
            audit::record(conn, None, "customer.exported", &format!("customer:{id}"), "by the customer")?;
            crate::customers::export_document(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/json"))
        .insert_header((CONTENT_DISPOSITION, "attachment; filename=\"my-atelier-data.json\""))
        .body(serde_json::to_string_pretty(&doc).map_err(|e| AppError::Unexpected(e.into()))?))
}

#[derive(Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    confirm: String,
}

/// `POST /shop/account/erase`: the account's email must be typed to confirm; the same
/// erasure as in the store (orders stay, without identity; factories are told).
pub async fn erase(
    page: Shopper,
    session: Session,
    db: web::Data<Db>,
    dir: web::Data<Directory>,
    dispatcher: web::Data<crate::bridge::Dispatcher>,
    CsrfForm(form): CsrfForm<EraseForm>,
) -> Result<HttpResponse, AppError> {
    if form.confirm.trim().to_lowercase() != page.customer.email {
        let mut again = AccountPage::new(page.ctx, &page.customer);
        again.erase_error = Some("shop-erase-mismatch");
        again.confirm = form.confirm;
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
    }
    let (id, reference) = (page.customer.customer_id, page.customer.reference.clone());
    db.write(move |conn| crate::customers::erase(conn, id, &reference, None)).await?;
    dir.forget(id);
    dispatcher.wake();
    session.purge();
    tracing::info!(customer.id = id, "customer erased their account");
    Ok(see_other("/shop?erased=1"))
}

pub struct DraftLine {
    pub id: i64,
    pub product: String,
    pub product_label: String,
    pub saved: String,
    pub by_store: bool,
}

#[derive(Template)]
#[template(path = "shop/drafts.html")]
pub struct DraftsPage {
    pub ctx: ShopCtx,
    pub drafts: Vec<DraftLine>,
}

/// `GET /shop/drafts`: saved configurations, the store's included.
pub async fn list_drafts(page: Shopper, db: web::Data<Db>, cache: web::Data<crate::catalogs::CatalogCache>) -> Result<HttpResponse, AppError> {
    let rows = crate::drafts::list(&db, page.customer.customer_id).await?;
    let lang = page.ctx.t.lang;
    let mut drafts = vec![];
    for d in rows {
        let label = cache.get(&db, d.catalog_version_id).await?.and_then(|(_, c)| c.product(&d.product_code).map(|p| p.label.get(lang))).unwrap_or_else(|| d.product_code.clone());
        drafts.push(DraftLine { id: d.id, product: d.product_code.clone(), product_label: label, saved: fmt_time(&d.updated_at), by_store: d.saved_by_staff_id.is_some() });
    }
    render::ok(&DraftsPage { ctx: page.ctx, drafts })
}

#[derive(Deserialize)]
pub struct EmptyForm {}

/// `POST /shop/drafts/{id}/delete`
pub async fn delete_draft(page: Shopper, db: web::Data<Db>, path: web::Path<i64>, CsrfForm(_): CsrfForm<EmptyForm>) -> Result<HttpResponse, AppError> {
    let (id, cid) = (path.into_inner(), page.customer.customer_id);
    let n = db.write(move |conn| Ok::<_, StoreError>(draft_store::delete(conn, id, cid)?)).await?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/shop/drafts"))
}

pub struct SetView {
    pub label: String,
    pub values: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "shop/measurements.html")]
pub struct MeasurementsPage {
    pub ctx: ShopCtx,
    pub sets: Vec<SetView>,
    /// Just saved (the form redirects here): said once.
    pub saved: bool,
}

/// `GET /shop/measurements`: every set, newest first, with where it was taken.
pub async fn list_measurements(req: actix_web::HttpRequest, settings: web::Data<crate::config::Settings>, page: Shopper, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    let id = page.customer.customer_id;
    let (sets, stores) = db
        .read(move |conn| -> Result<_, StoreError> {
            let names: std::collections::BTreeMap<i64, String> = crate::store::stores::list(conn)?.into_iter().map(|s| (s.id, s.name)).collect();
            Ok((customer_store::measurement_sets(conn, id)?, names))
        })
        .await?;
    let t = page.ctx.t;
    // Numbered as the configurator numbers them, the first taken 1.
    let count = sets.len();
    let sets = sets
        .iter()
        .enumerate()
        .map(|(i, (s, values))| SetView {
            label: super::configure::numbered(super::configure::set_label(s, values.len(), &stores, t), count - i, count, t),
            values: crate::web::staff::format_values(values, crate::web::staff::unit_system(&s.unit_system), t.lang),
        })
        .collect();
    let saved = crate::web::notice::is(&req, &format!("self-measured-{id}"));
    let shown = render::ok(&MeasurementsPage { ctx: page.ctx, sets, saved })?;
    if saved { crate::web::notice::taken(shown, settings.secure_cookies()) } else { Ok(shown) }
}

#[derive(Template)]
#[template(path = "shop/measurements_new.html")]
pub struct MeasureYourselfPage {
    pub ctx: ShopCtx,
    pub fields: Vec<Field>,
    pub warnings: Vec<ShownWarning>,
    pub fingerprint: String,
    pub next: String,
    pub form_error: Option<String>,
    /// The form starts from the latest set: when it was taken.
    pub prefilled: Option<String>,
    pub imperial: bool,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
    /// metric (cm, kg) or imperial (in, lb).
    #[serde(default)]
    unit: String,
}

/// `GET /shop/measurements/new?next=`: measuring yourself, with the guide for each. The form
/// starts from the latest set (taken in a store or by yourself): a new set is what the
/// configurator reads, and one with only the value that changed left every other one missing.
pub async fn new_measurements_form(page: Shopper, db: web::Data<Db>, q: web::Query<NextQuery>) -> Result<HttpResponse, AppError> {
    let id = page.customer.customer_id;
    let latest = db.read(move |conn| Ok::<_, StoreError>(customer_store::measurement_sets(conn, id)?.into_iter().next())).await?;
    // Asked for, or else the units the latest set was taken in.
    let system = match q.unit.as_str() {
        "metric" | "imperial" => unit_system(&q.unit),
        _ => latest.as_ref().map(|(s, _)| unit_system(&s.unit_system)).unwrap_or(UnitSystem::Metric),
    };
    let typed = latest.as_ref().map(|(_, values)| crate::web::staff::measurements::typed_values(values, system)).unwrap_or_default();
    let prefilled = latest.map(|(s, _)| page.ctx.t.t1("shop-measure-prefilled", "date", fmt_time(&s.taken_at)));
    let imperial = system == UnitSystem::Imperial;
    render::ok(&MeasureYourselfPage { fields: fields(page.ctx.t.lang, system, &typed), ctx: page.ctx, warnings: vec![], fingerprint: String::new(), next: q.next.clone(), form_error: None, prefilled, imperial })
}

/// `POST /shop/measurements`: a self-measured set, checked as in the store: impossible
/// values refused at the field, unusual ones confirmed with one click.
pub async fn create_measurements(settings: web::Data<crate::config::Settings>, page: Shopper, db: web::Data<Db>, CsrfForm(pairs): CsrfForm<Vec<(String, String)>>) -> Result<HttpResponse, AppError> {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let lang = page.ctx.t.lang;
    let system = unit_system(get("unit_system"));
    let typed: Vec<(String, String)> = Measurement::ALL.iter().map(|m| (m.code().to_owned(), get(&format!("m_{}", m.code())).to_owned())).collect();
    if let Some(to) = crate::web::staff::measurements::switch_to(get("switch_units")) {
        let (fields, warnings, fingerprint) = crate::web::staff::measurements::switched(&typed, &crate::web::staff::measurements::was_typed(&pairs), system, to, lang);
        return render::ok(&MeasureYourselfPage { fields, warnings, fingerprint, next: get("next").to_owned(), form_error: None, prefilled: None, imperial: to == UnitSystem::Imperial, ctx: page.ctx });
    }
    let parsed = MeasurementSet::parse_form(Measurement::ALL.iter().map(|m| (*m, get(&format!("m_{}", m.code())))), system);
    let validation = parsed.set.validate_in(system);
    let mut again = MeasureYourselfPage { fields: fields(lang, system, &typed), fingerprint: fingerprint(&parsed.set), warnings: vec![], next: get("next").to_owned(), form_error: None, prefilled: None, imperial: system == UnitSystem::Imperial, ctx: page.ctx };
    let mut refused = crate::web::staff::measurements::mark_errors(&mut again.fields, &parsed, &validation, lang);
    if parsed.set.is_empty() && !refused {
        again.form_error = Some(again.ctx.t.t("measurements-empty"));
        refused = true;
    }
    if refused {
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
    }
    let carried = crate::web::staff::measurements::confirmed_for_latest(&db, page.customer.customer_id, &parsed.set, &validation).await?;
    let mut confirmed: Vec<&str> = if get("fingerprint") == again.fingerprint { pairs.iter().filter(|(k, _)| k == "confirm").map(|(_, v)| v.as_str()).collect() } else { vec![] };
    confirmed.extend(carried.iter().map(String::as_str));
    if !validation.unconfirmed(&confirmed).is_empty() {
        again.warnings = crate::web::staff::measurements::shown_warnings(&validation.warnings, lang, &mut again.fields);
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
    }
    let confirmed_ids: Vec<String> = validation.warnings.iter().map(|w| w.id()).collect();
    let confirmed_json = serde_json::to_string(&confirmed_ids).map_err(|e| AppError::Unexpected(e.into()))?;
    let values: Vec<(String, i64)> = parsed.set.iter().map(|(m, v)| (m.code().to_owned(), i64::from(v))).collect();
    let id = page.customer.customer_id;
    db.write(move |conn| -> Result<(), StoreError> {
        let (set_id, new) = customer_store::insert_measurement_set(
            conn,
            &NewMeasurementSet { customer_id: id, staff_id: None, store_id: None, unit_system: system_name(system), self_measured: true, confirmed_warnings: &confirmed_json, values: &values },
        )?;
        if new {
            audit::record(conn, None, "customer.measured", &format!("customer:{id}"), &format!("set:{set_id} self-measured online"))?;
        }
        Ok(())
    })
    .await?;
    // Back to their list: said once that they are saved.
    if again.next.is_empty() {
        return crate::web::notice::redirect("/shop/measurements", &format!("self-measured-{id}"), settings.secure_cookies());
    }
    Ok(see_other(&safe_next(&again.next, "/shop/measurements")))
}

