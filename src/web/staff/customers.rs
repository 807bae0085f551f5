//! Finding, enrolling, merging, exporting and erasing customers.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::customers::{self as service, Directory};
use crate::domain::customer::{Channel, Enrollment, EnrollmentInput, FieldErrors, may_merge_or_erase};
use crate::domain::customer_search::SearchDoc;
use crate::store::customers::{self, CustomerRow};
use crate::store::{Db, StoreError, audit};
use crate::web::auth::{Ctx, StaffPage};
use crate::web::csrf::CsrfForm;
use crate::web::error::{AppError, see_other};
use crate::web::{notice, render};

use super::customer_page::{self, CustomerPage, EraseForm, Opened};

#[derive(Template)]
#[template(path = "staff/customers.html")]
pub struct CustomersPage {
    pub ctx: Ctx,
    pub q: String,
    pub results: Vec<SearchDoc>,
    pub searched: bool,
    /// More matched than are shown: the search is to be narrowed.
    pub more: bool,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// The most customers a search lists (the best matches first).
const SHOWN: usize = 50;

/// `GET /staff/customers?q=`: one search box over name, email, phone and reference.
pub async fn list_customers(
    page: StaffPage,
    db: web::Data<Db>,
    dir: web::Data<Directory>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.q.trim().chars().take(200).collect::<String>();
    let mut results = if q.is_empty() { vec![] } else { dir.search(&db, &q, SHOWN + 1).await? };
    let more = results.len() > SHOWN;
    results.truncate(SHOWN);
    render::ok(&CustomersPage { ctx: page.ctx, searched: !q.is_empty(), q, results, more })
}

#[derive(Template)]
#[template(path = "staff/customer_new.html")]
pub struct NewCustomerPage {
    pub ctx: Ctx,
    pub form: EnrollForm,
    pub errors: FieldErrors,
    pub duplicates: Vec<CustomerRow>,
    pub channels: [Channel; 4],
    /// For a staff member without a store (an administrator): the open stores the customer
    /// may belong to. Fitters and managers enroll into their own.
    pub stores: Vec<(i64, String)>,
}

impl NewCustomerPage {
    pub fn is_home(&self, id: &i64) -> bool {
        self.form.home_store == id.to_string()
    }
}

/// The open stores an administrator enrolls customers into; none for staff of a store.
async fn enrolling_stores(db: &Db, staff: &crate::web::auth::Staff) -> Result<Vec<crate::store::stores::Store>, AppError> {
    if staff.store_id.is_some() {
        return Ok(vec![]);
    }
    let all = db.read(|conn| Ok::<_, crate::store::StoreError>(crate::store::stores::list(conn)?)).await?;
    Ok(all.into_iter().filter(|s| s.is_open()).collect())
}

fn store_choices(stores: &[crate::store::stores::Store]) -> Vec<(i64, String)> {
    stores.iter().map(|s| (s.id, s.name.clone())).collect()
}

#[derive(Deserialize, Default)]
pub struct EnrollForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub marketing_consent: Option<String>,
    /// Set when the fitter has seen the likely duplicates and enrolls anyway.
    #[serde(default)]
    pub not_a_duplicate: Option<String>,
    /// An administrator's choice of the customer's store (its id; empty: none).
    #[serde(default)]
    pub home_store: String,
}

pub async fn new_customer_form(page: StaffPage, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    let stores = store_choices(&enrolling_stores(&db, &page.staff).await?);
    render::ok(&NewCustomerPage { ctx: page.ctx, form: EnrollForm::default(), errors: FieldErrors::new(), duplicates: vec![], channels: Channel::ALL, stores })
}

/// `POST /staff/customers`: enroll, after warning about likely duplicates.
pub async fn create_customer(
    page: StaffPage,
    db: web::Data<Db>,
    dir: web::Data<Directory>,
    CsrfForm(form): CsrfForm<EnrollForm>,
) -> Result<HttpResponse, AppError> {
    let input = EnrollmentInput {
        name: form.name.clone(),
        email: form.email.clone(),
        phone: form.phone.clone(),
        channel: form.channel.clone(),
        marketing_consent: form.marketing_consent.is_some(),
    };
    let open = enrolling_stores(&db, &page.staff).await?;
    let stores = store_choices(&open);
    let again = |ctx, errors, duplicates, form| NewCustomerPage { ctx, form, errors, duplicates, channels: Channel::ALL, stores: stores.clone() };
    // Staff of a store enroll into it; an administrator into the open store chosen, if any.
    let home = match (page.staff.store_id, form.home_store.trim()) {
        (Some(own), _) => Ok(Some(own)),
        (None, "") => Ok(None),
        (None, chosen) => chosen.parse::<i64>().ok().filter(|id| open.iter().any(|s| s.id == *id)).map(Some).ok_or("customer-home-store-invalid"),
    };
    let enrollment = match (Enrollment::parse(&input), home) {
        (Ok(e), Ok(_)) => e,
        (parsed, home) => {
            let mut errors = parsed.err().unwrap_or_default();
            if let Err(e) = home {
                errors.insert("home_store", e);
            }
            return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again(page.ctx, errors, vec![], form));
        }
    };
    let store_id = home.ok().flatten();
    if form.not_a_duplicate.is_none() {
        let duplicates = dir.likely_duplicates(&db, &enrollment).await?;
        if !duplicates.is_empty() {
            return render::page(StatusCode::CONFLICT, &again(page.ctx, FieldErrors::new(), duplicates, form));
        }
    }
    let staff_id = page.staff.id;
    let customer = db.write(move |conn| service::enroll(conn, &enrollment, staff_id, store_id)).await?;
    tracing::info!(customer.id = customer.id, "customer enrolled");
    Ok(see_other(&format!("/staff/customers/{}", customer.id)))
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    /// `all`: the whole timeline, not only its latest entries.
    #[serde(default)]
    history: String,
}

/// `GET /staff/customers/{id}` (`?history=all`: the whole timeline)
pub async fn show_customer(
    req: actix_web::HttpRequest,
    settings: web::Data<crate::config::Settings>,
    page: StaffPage,
    db: web::Data<Db>,
    cache: web::Data<crate::catalogs::CatalogCache>,
    page_memo: web::Data<super::CustomerPageMemo>,
    path: web::Path<i64>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let ctx = page.ctx.clone();
    // Measurements just saved (the form redirects here): said once, on a page of its own.
    let measured = notice::is(&req, &format!("measured-{id}"));
    // Or another record merged into this one.
    let merged = notice::is(&req, &format!("merged-{id}"));
    let saved = measured || merged;
    let opened = if query.history == "all" || saved {
        let mut opened = CustomerPage::open(&db, &cache, &page_memo, page.ctx, &page.staff, id, query.history == "all").await?;
        if let Opened::Page(p) = &mut opened {
            p.notice = if measured { Some(p.ctx.t.t("measurements-saved-notice")) } else if merged { Some(p.ctx.t.t("merge-done")) } else { None };
        }
        opened
    } else {
        match customer_page::show(&db, &cache, &page_memo, page.ctx, &page.staff, id).await? {
            Ok(sent) => return Ok(sent),
            Err(gone) => gone,
        }
    };
    match opened {
        Opened::MergedInto(target) => Ok(see_other(&format!("/staff/customers/{target}"))),
        Opened::Erased => render::page(StatusCode::GONE, &ErasedPage { ctx }),
        Opened::Page(p) if saved => {
            crate::web::notice::taken(render::ok(&*p)?, settings.secure_cookies())
        }
        Opened::Page(p) => render::ok(&*p),
    }
}

#[derive(Template)]
#[template(path = "staff/customer_erased.html")]
pub struct ErasedPage {
    pub ctx: Ctx,
}

/// The customer a form is about, which must be a live one.
pub async fn live_customer(db: &Db, id: i64) -> Result<CustomerRow, AppError> {
    let c = db.read(move |conn| Ok::<_, StoreError>(customers::find(conn, id)?)).await?.ok_or(AppError::NotFound)?;
    if c.is_live() { Ok(c) } else { Err(AppError::Conflict("customer-not-live".into())) }
}

#[derive(Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    marketing_consent: Option<String>,
    #[serde(default)]
    channel: String,
}

/// `POST /staff/customers/{id}/consent`: marketing consent and the preferred channel.
pub async fn update_consent(
    page: StaffPage,
    db: web::Data<Db>,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<ConsentForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let c = live_customer(&db, id).await?;
    let channel = Channel::parse(&form.channel).ok_or_else(|| AppError::BadRequest("unknown channel".into()))?;
    let consent = form.marketing_consent.is_some();
    let changed = consent != c.marketing_consent;
    let staff_id = page.staff.id;
    db.write(move |conn| -> Result<(), StoreError> {
        customers::set_consent(conn, id, consent, channel.as_str(), changed)?;
        if changed {
            let what = if consent { "given" } else { "withdrawn" };
            audit::record(conn, Some(staff_id), "customer.consent", &format!("customer:{id}"), what)?;
        }
        Ok(())
    })
    .await?;
    Ok(see_other(&format!("/staff/customers/{id}")))
}

/// `GET /staff/customers/{id}/export`: everything held about the customer, as JSON.
pub async fn export_customer(page: StaffPage, db: web::Data<Db>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    live_customer(&db, id).await?;
    let staff_id = page.staff.id;
    let doc = db
        .write(move |conn| -> Result<serde_json::Value, StoreError> {
            audit::record(conn, Some(staff_id), "customer.exported", &format!("customer:{id}"), "")?;
            service::export_document(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/json"))
        .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"customer-{id}.json\"")))
        .body(serde_json::to_string_pretty(&doc).map_err(|e| AppError::Unexpected(e.into()))?))
}

#[derive(Deserialize)]
pub struct EraseRequest {
    #[serde(default)]
    confirm: String,
}

/// `POST /staff/customers/{id}/erase`: the reference must be typed to confirm.
#[allow(clippy::too_many_arguments)]
pub async fn erase_customer(
    page: StaffPage,
    db: web::Data<Db>,
    cache: web::Data<crate::catalogs::CatalogCache>,
    page_memo: web::Data<super::CustomerPageMemo>,
    dir: web::Data<Directory>,
    dispatcher: web::Data<crate::bridge::Dispatcher>,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<EraseRequest>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let c = live_customer(&db, id).await?;
    if !may_merge_or_erase(&page.staff.authority(), c.home_store_id) {
        return Err(AppError::Forbidden);
    }
    if form.confirm.trim().to_uppercase() != c.reference {
        let mut again = CustomerPage::load(&db, &cache, &page_memo, page.ctx, &page.staff, id).await?;
        again.erase_form = EraseForm { confirm: form.confirm, error: Some("erase-confirm-mismatch") };
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
    }
    let staff_id = page.staff.id;
    let reference = c.reference.clone();
    db.write(move |conn| service::erase(conn, id, &reference, Some(staff_id))).await?;
    dir.forget(id);
    dispatcher.wake();
    tracing::info!(customer.id = id, "customer erased");
    Ok(see_other(&format!("/staff/customers/{id}")))
}

#[derive(Template)]
#[template(path = "staff/customer_merge.html")]
pub struct MergePage {
    pub ctx: Ctx,
    pub c: CustomerRow,
    pub q: String,
    pub candidates: Vec<SearchDoc>,
}

impl MergePage {
    fn keep(&self, name: &str, reference: &str) -> crate::i18n::Html {
        self.ctx.t.html_args("merge-keep", &[("name", name.to_owned()), ("reference", reference.to_owned())])
    }
}

/// `GET /staff/customers/{id}/merge?q=`: choose the other record to fold into this one.
pub async fn merge_form(
    page: StaffPage,
    db: web::Data<Db>,
    dir: web::Data<Directory>,
    path: web::Path<i64>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let c = live_customer(&db, id).await?;
    if !may_merge_or_erase(&page.staff.authority(), c.home_store_id) {
        return Err(AppError::Forbidden);
    }
    let q = query.q.trim().to_owned();
    let mut candidates = if q.is_empty() {
        let probe = Enrollment {
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            phone_digits: c.phone_digits.clone(),
            channel: Channel::None,
            marketing_consent: false,
        };
        dir.likely_duplicates(&db, &probe).await?.iter().map(service::listed).collect()
    } else {
        dir.search(&db, &q, 20).await?
    };
    candidates.retain(|o| o.id != id);
    render::ok(&MergePage { ctx: page.ctx, c, q, candidates })
}

#[derive(Deserialize)]
pub struct MergeRequest {
    other_id: i64,
    /// `this` (the default) keeps the record the merge page is about, `other` keeps `other_id`.
    #[serde(default)]
    keep: String,
}

/// `POST /staff/customers/{id}/merge`: the record not kept hands its history to the one kept
/// and stays as merged into it; the answer leads to the kept record.
pub async fn merge_customers(
    settings: web::Data<crate::config::Settings>,
    page: StaffPage,
    db: web::Data<Db>,
    dir: web::Data<Directory>,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<MergeRequest>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if form.other_id == id {
        return Err(AppError::BadRequest("a customer cannot be merged with itself".into()));
    }
    let (target, source) = match form.keep.as_str() {
        "" | "this" => (live_customer(&db, id).await?, live_customer(&db, form.other_id).await?),
        "other" => (live_customer(&db, form.other_id).await?, live_customer(&db, id).await?),
        _ => return Err(AppError::BadRequest("keep must be `this` or `other`".into())),
    };
    let who = page.staff.authority();
    if !may_merge_or_erase(&who, target.home_store_id) || !may_merge_or_erase(&who, source.home_store_id) {
        return Err(AppError::Forbidden);
    }
    let staff_id = page.staff.id;
    let (source_id, kept) = (source.id, target.id);
    db.write(move |conn| -> Result<(), StoreError> {
        customers::merge(conn, &source, &target)?;
        let detail = format!("customer:{} merged into customer:{}", source.id, target.id);
        audit::record(conn, Some(staff_id), "customer.merged", &format!("customer:{}", target.id), &detail)?;
        audit::record(conn, Some(staff_id), "customer.merged", &format!("customer:{}", source.id), &detail)?;
        Ok(())
    })
    .await?;
    dir.forget(source_id);
    // Said once on the kept record's page: it said nothing, the record looking as before.
    crate::web::notice::redirect(&format!("/staff/customers/{kept}"), &format!("merged-{kept}"), settings.secure_cookies())
}


#[derive(Template)]
#[template(path = "staff/claim_code.html")]
pub struct ClaimCodePage {
    pub ctx: Ctx,
    pub c: CustomerRow,
    pub code: String,
}

#[derive(Deserialize)]
pub struct NoFields {}

/// `POST /staff/customers/{id}/claim-code`: a one-time code for the customer to claim this
/// profile online; shown once here, stored hashed, valid for two weeks.
pub async fn make_claim_code(page: StaffPage, db: web::Data<Db>, path: web::Path<i64>, CsrfForm(_): CsrfForm<NoFields>) -> Result<HttpResponse, AppError> {
    let c = live_customer(&db, path.into_inner()).await?;
    match crate::shop_accounts::new_claim_code(&db, c.id, page.staff.id).await {
        Ok(code) => render::ok(&ClaimCodePage { ctx: page.ctx, c, code }),
        Err(crate::shop_accounts::ShopAccountError::AlreadyClaimed) => Err(AppError::Conflict("customer already has a shop account".into())),
        Err(e) => Err(crate::web::shop::account_error(e)),
    }
}
