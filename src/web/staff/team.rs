//! Stores and the people who work in them. Administrators add stores and accounts of every
//! role; a store's manager adds and looks after its fitters. A new account, or one whose
//! holder lost the password, gets a one-time password shown once, to hand over in person;
//! disabling an account ends its sessions at once.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::{self, AccountError, CreateStaff};
use crate::config::Settings;
use crate::domain::customer::FieldErrors;
use crate::domain::staff::{self, Role};
use crate::domain::store_settings::{self, StoreSettings, format_percent};
use crate::store::staff::StaffRow;
use crate::store::stores::{NewStore, Store};
use crate::store::{Db, StoreError, audit, now};
use crate::web::auth::{Ctx, StaffPage};
use crate::web::csrf::CsrfForm;
use crate::web::error::{AppError, see_other};
use crate::web::render;

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct StoreForm {
    pub code: String,
    pub name: String,
    pub tax_rate: String,
    #[serde(skip)]
    pub errors: FieldErrors,
}

impl StoreForm {
    fn of(s: &Store) -> Self {
        Self { code: s.code.clone(), name: s.name.clone(), tax_rate: format_percent(s.tax_rate_bp), errors: FieldErrors::new() }
    }

    fn check(mut self) -> Result<StoreSettings, Self> {
        store_settings::parse(&self.code, &self.name, &self.tax_rate).map_err(|errors| {
            self.errors = errors;
            self
        })
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AccountForm {
    pub name: String,
    pub email: String,
    pub role: String,
    #[serde(skip)]
    pub errors: FieldErrors,
}

/// One account as the team lists show it.
pub struct Member {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub active: bool,
    /// Has not chosen their own password yet.
    pub must_change: bool,
    /// The viewer may disable it or give it a new one-time password.
    pub manageable: bool,
}

impl Member {
    fn of(s: StaffRow, viewer: &crate::web::auth::Staff) -> Self {
        let role = Role::parse(&s.role).unwrap_or(Role::Fitter);
        Self {
            manageable: s.id != viewer.id && viewer.authority().can_manage(role, s.store_id),
            id: s.id,
            name: s.name,
            email: s.email,
            role,
            active: s.active,
            must_change: s.must_change_password,
        }
    }
}

/// What the last action did, said once on the page it goes back to (see
/// [`crate::web::notice`]; in the address, it was said again on every reload): the notice is
/// the message's id, and only these are said.
const DONE: [&str; 8] = ["store-added", "store-saved", "staff-enabled", "staff-disabled", "store-closed-done", "store-handed-over", "store-closed-handed-over", "store-reopened"];

/// Goes to `to`, where `done` (one of [`DONE`]) is said: there only (`done@to`), not on
/// another store's page opened within the minute.
fn done(to: &str, done: &'static str, settings: &Settings) -> Result<HttpResponse, AppError> {
    debug_assert!(DONE.contains(&done));
    crate::web::notice::redirect(to, &format!("{done}@{to}"), settings.secure_cookies())
}

/// The page, with what was just done on it said, once.
fn with_done<T: askama::Template>(req: &HttpRequest, settings: &Settings, ctx: &Ctx, page: impl FnOnce(Option<String>) -> T) -> Result<HttpResponse, AppError> {
    let key = crate::web::notice::of(req).and_then(|n| n.strip_suffix(req.path())?.strip_suffix('@')).and_then(|k| DONE.iter().find(|d| **d == k).copied());
    let res = render::ok(&page(key.map(|k| ctx.t.t(k))))?;
    if key.is_some() { crate::web::notice::taken(res, settings.secure_cookies()) } else { Ok(res) }
}

pub struct StoreLine {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub tax_rate: String,
    pub people: i64,
    pub open: bool,
}

#[derive(Template)]
#[template(path = "staff/stores.html")]
pub struct StoresPage {
    pub ctx: Ctx,
    pub stores: Vec<StoreLine>,
    /// The administrators.
    pub team: Vec<Member>,
    pub store_form: StoreForm,
    pub admin_form: AccountForm,
    pub notice: Option<String>,
    /// An action on one account that was refused: (account id, message id).
    pub member_error: Option<(i64, &'static str)>,
}

impl StoresPage {
    async fn load(db: &Db, ctx: Ctx) -> Result<Self, AppError> {
        let (stores, admins, counts) = db
            .read(|conn| {
                Ok::<_, StoreError>((crate::store::stores::list(conn)?, crate::store::staff::list_admins(conn)?, crate::store::staff::active_counts(conn)?))
            })
            .await?;
        let viewer = ctx.staff.clone().ok_or(AppError::Forbidden)?;
        let stores = stores
            .into_iter()
            .map(|s| StoreLine {
                people: counts.iter().find(|(id, _)| *id == Some(s.id)).map(|(_, n)| *n).unwrap_or(0),
                tax_rate: format_percent(s.tax_rate_bp),
                open: s.is_open(),
                id: s.id,
                code: s.code,
                name: s.name,
            })
            .collect();
        let team = admins.into_iter().map(|s| Member::of(s, &viewer)).collect();
        let admin_form = AccountForm { role: Role::Admin.as_str().into(), ..Default::default() };
        Ok(Self { ctx, stores, team, store_form: StoreForm { tax_rate: "20".into(), ..Default::default() }, admin_form, notice: None, member_error: None })
    }
}

impl StoresPage {
    /// The account form here adds administrators only.
    pub fn admin_roles(&self) -> Vec<Role> {
        vec![Role::Admin]
    }
}

#[derive(Template)]
#[template(path = "staff/store.html")]
pub struct StorePage {
    pub ctx: Ctx,
    pub store: Store,
    pub tax_rate: String,
    pub team: Vec<Member>,
    /// The roles the viewer may give a new account here (none: no form).
    pub roles: Vec<Role>,
    pub form: AccountForm,
    /// The store's settings, for administrators.
    pub settings: Option<StoreForm>,
    pub notice: Option<String>,
    pub member_error: Option<(i64, &'static str)>,
    /// An action the store's state refused (a person added to a closed store).
    pub refusal: Option<&'static str>,
    /// When it closed, as shown.
    pub closed: Option<String>,
    /// For administrators: what closing leaves behind, and the open stores it could go to.
    pub left: Option<crate::store::stores::LeftBehind>,
    pub hand_over_to: Vec<(i64, String)>,
}

impl StorePage {
    async fn load(db: &Db, ctx: Ctx, store_id: i64) -> Result<Self, AppError> {
        let viewer = ctx.staff.clone().ok_or(AppError::Forbidden)?;
        viewer.require_store(store_id)?;
        let admin = viewer.role == Role::Admin;
        let (store, team, left, stores) = db
            .read(move |conn| {
                let left = if admin { Some(crate::store::stores::left_behind(conn, store_id, 20)?) } else { None };
                let stores = if admin { crate::store::stores::list(conn)? } else { vec![] };
                Ok::<_, StoreError>((crate::store::stores::find(conn, store_id)?, crate::store::staff::list_for_store(conn, store_id)?, left, stores))
            })
            .await?;
        let hand_over_to = stores.into_iter().filter(|s| s.id != store_id && s.is_open()).map(|s| (s.id, format!("{} ({})", s.name, s.code))).collect();
        let store = store.ok_or(AppError::NotFound)?;
        let authority = viewer.authority();
        // Nobody is added to a closed store.
        let roles: Vec<Role> = [Role::Fitter, Role::Manager].into_iter().filter(|r| store.is_open() && authority.can_manage(*r, Some(store_id))).collect();
        let form = AccountForm { role: Role::Fitter.as_str().into(), ..Default::default() };
        let settings = (viewer.role == Role::Admin).then(|| StoreForm::of(&store));
        // A closed store's people can be neither enabled nor given a password: no buttons.
        let team = team.into_iter().map(|s| Member::of(s, &viewer)).map(|m| Member { manageable: m.manageable && store.is_open(), ..m }).collect();
        let closed = store.closed_at.map(|at| super::fmt_time(&at));
        Ok(Self { ctx, tax_rate: format_percent(store.tax_rate_bp), store, team, roles, form, settings, notice: None, member_error: None, refusal: None, closed, left, hand_over_to })
    }
}

/// A one-time password just set, for the page that shows it once.
pub struct Issued {
    pub name: String,
    pub email: String,
    pub password: String,
    /// The page that lists the account.
    pub back: String,
}

#[derive(Template)]
#[template(path = "staff/one_time_password.html")]
pub struct OneTimePasswordPage {
    pub ctx: Ctx,
    pub issued: Issued,
}

/// Where an account is listed: its store's page, or the administrators' on the stores page.
fn page_of(store_id: Option<i64>) -> String {
    store_id.map(|id| format!("/staff/stores/{id}")).unwrap_or_else(|| "/staff/stores".into())
}

/// `GET /staff/stores`: every store and the administrators (administrators only).
pub async fn list_stores(req: HttpRequest, settings: web::Data<Settings>, p: StaffPage, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let ctx = p.ctx.clone();
    let page = StoresPage::load(&db, p.ctx).await?;
    with_done(&req, &settings, &ctx, |notice| StoresPage { notice, ..page })
}

/// `POST /staff/stores`: a new store. Its currency is the chain's (the catalogs price in it).
pub async fn create_store(app_settings: web::Data<Settings>, p: StaffPage, db: web::Data<Db>, CsrfForm(form): CsrfForm<StoreForm>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let settings = match form.check() {
        Ok(s) => s,
        Err(store_form) => return render::page(StatusCode::UNPROCESSABLE_ENTITY, &StoresPage { store_form, ..StoresPage::load(&db, p.ctx).await? }),
    };
    let (staff_id, s) = (p.staff.id, settings.clone());
    let created = db
        .write(move |conn| -> Result<i64, StoreError> {
            let currency = crate::store::stores::list(conn)?.into_iter().next().map(|s| s.currency).unwrap_or_else(|| "EUR".into());
            let id = crate::store::stores::insert(conn, &NewStore { code: &s.code, name: &s.name, tax_rate_bp: s.tax_rate_bp, currency: &currency, created_at: now() })?;
            audit::record(conn, Some(staff_id), "store.created", &format!("store:{id}"), &s.code)?;
            Ok(id)
        })
        .await;
    match created {
        Ok(id) => done(&format!("/staff/stores/{id}"), "store-added", &app_settings),
        Err(e) if e.is_unique_violation() => {
            let mut store_form = StoreForm { code: settings.code, name: settings.name, tax_rate: format_percent(settings.tax_rate_bp), errors: FieldErrors::new() };
            store_form.errors.insert("code", "store-code-taken");
            render::page(StatusCode::UNPROCESSABLE_ENTITY, &StoresPage { store_form, ..StoresPage::load(&db, p.ctx).await? })
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /staff/stores/{id}`: a store and its team, for its own staff and administrators.
pub async fn show_store(req: HttpRequest, settings: web::Data<Settings>, p: StaffPage, db: web::Data<Db>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = p.ctx.clone();
    let page = StorePage::load(&db, p.ctx, path.into_inner()).await?;
    with_done(&req, &settings, &ctx, |notice| StorePage { notice, ..page })
}

/// `POST /staff/stores/{id}`: the store's name and tax rate (administrators). The code
/// stays: orders, factories and channels know the store by it.
pub async fn update_store(app_settings: web::Data<Settings>, p: StaffPage, db: web::Data<Db>, path: web::Path<i64>, CsrfForm(mut form): CsrfForm<StoreForm>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let id = path.into_inner();
    let mut page = StorePage::load(&db, p.ctx, id).await?;
    form.code = page.store.code.clone();
    let settings = match form.check() {
        Ok(s) => s,
        Err(form) => {
            page.settings = Some(form);
            return render::page(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let staff_id = p.staff.id;
    db.write(move |conn| -> Result<(), StoreError> {
        // What changed, read in the same transaction, for the audit log; a form saved as it
        // was records nothing.
        let Some(before) = crate::store::stores::find(conn, id)? else { return Ok(()) };
        let mut changed = vec![];
        if settings.name != before.name {
            changed.push("renamed".to_owned());
        }
        if settings.tax_rate_bp != before.tax_rate_bp {
            changed.push(format!("tax {} bp was {} bp", settings.tax_rate_bp, before.tax_rate_bp));
        }
        crate::store::stores::update(conn, id, &settings.name, settings.tax_rate_bp)?;
        if !changed.is_empty() {
            audit::record(conn, Some(staff_id), "store.updated", &format!("store:{id}"), &changed.join("; "))?;
        }
        Ok(())
    })
    .await?;
    done(&format!("/staff/stores/{id}"), "store-saved", &app_settings)
}

/// `POST /staff/stores/{id}/staff`: a fitter or manager for the store.
pub async fn add_store_staff(p: StaffPage, db: web::Data<Db>, path: web::Path<i64>, CsrfForm(form): CsrfForm<AccountForm>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    p.staff.require_store(id)?;
    p.staff.require_role(Role::Manager)?;
    let page = StorePage::load(&db, p.ctx.clone(), id).await?;
    if !page.store.is_open() {
        return render::page(StatusCode::CONFLICT, &StorePage { refusal: Some("store-closed-no-staff"), ..page });
    }
    let staff = p.staff.clone();
    match create_account(&db, &staff, form, Some(id)).await? {
        Ok(issued) => render::ok(&OneTimePasswordPage { ctx: p.ctx, issued }),
        Err(form) => render::page(StatusCode::UNPROCESSABLE_ENTITY, &StorePage { form, ..StorePage::load(&db, p.ctx, id).await? }),
    }
}

/// `POST /staff/team`: another administrator.
pub async fn add_administrator(p: StaffPage, db: web::Data<Db>, CsrfForm(mut form): CsrfForm<AccountForm>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    form.role = Role::Admin.as_str().into();
    let staff = p.staff.clone();
    match create_account(&db, &staff, form, None).await? {
        Ok(issued) => render::ok(&OneTimePasswordPage { ctx: p.ctx, issued }),
        Err(admin_form) => render::page(StatusCode::UNPROCESSABLE_ENTITY, &StoresPage { admin_form, ..StoresPage::load(&db, p.ctx).await? }),
    }
}

/// Creates the account the form describes, with a one-time password; the form comes back
/// with its errors when it cannot be.
async fn create_account(db: &Db, by: &crate::web::auth::Staff, mut form: AccountForm, store_id: Option<i64>) -> Result<Result<Issued, AccountForm>, AppError> {
    let new = match staff::parse_new_account(&form.name, &form.email, &form.role, store_id, by.authority()) {
        Ok(new) => new,
        Err(errors) => {
            form.errors = errors;
            return Ok(Err(form));
        }
    };
    let password = accounts::one_time_password();
    let hash = accounts::hash_password_async(password.clone()).await.map_err(|e| AppError::Unexpected(e.into()))?;
    let (n, actor) = (new.clone(), by.id);
    let created = db
        .write(move |conn| -> Result<(), AccountError> {
            let code = match store_id {
                Some(id) => Some(crate::store::stores::find(conn, id)?.ok_or(AccountError::UnknownStore(id.to_string()))?.code),
                None => None,
            };
            let new = CreateStaff { email: &n.email, name: &n.name, role: n.role, store_code: code.as_deref(), password: "", must_change_password: true };
            accounts::create_staff(conn, &new, &hash, Some(actor))?;
            Ok(())
        })
        .await;
    match created {
        Ok(()) => Ok(Ok(Issued { name: new.name, email: new.email.as_str().to_owned(), password, back: page_of(store_id) })),
        Err(AccountError::EmailTaken) => {
            // The same person added a moment ago: the page that showed the password was sent
            // again (a reload). Say so, rather than that someone else has the address.
            let email = new.email.as_str().to_owned();
            let existing = db.read(move |conn| Ok::<_, StoreError>(crate::store::staff::find_by_email(conn, &email)?)).await?;
            let just_added = existing.is_some_and(|s| s.must_change_password && s.name == new.name && s.store_id == store_id && s.created_at > now() - chrono::Duration::hours(1));
            form.errors.insert("email", if just_added { "staff-just-added" } else { "staff-email-taken" });
            Ok(Err(form))
        }
        Err(AccountError::UnknownStore(_)) => Err(AppError::NotFound),
        Err(e @ AccountError::StoreClosed(_)) => Err(AppError::Conflict(e.to_string())),
        Err(AccountError::Store(e)) => Err(e.into()),
        Err(e) => Err(AppError::Unexpected(e.into())),
    }
}

/// The account an action is about, if the one acting may manage it: 404 for none, 403 for
/// one that is not theirs to manage.
async fn manageable(db: &Db, by: &crate::web::auth::Staff, id: i64) -> Result<StaffRow, AppError> {
    let target = db.read(move |conn| Ok::<_, StoreError>(crate::store::staff::find(conn, id)?)).await?.ok_or(AppError::NotFound)?;
    let role = Role::parse(&target.role).unwrap_or(Role::Fitter);
    if by.authority().can_manage(role, target.store_id) { Ok(target) } else { Err(AppError::Forbidden) }
}

/// One's own account, to refuse an action on it at its row.
async fn own_account(db: &Db, id: i64) -> Result<StaffRow, AppError> {
    db.read(move |conn| Ok::<_, StoreError>(crate::store::staff::find(conn, id)?)).await?.ok_or(AppError::NotFound)
}

/// Refuses an action on an account, with the reason at its row on the page that lists it.
async fn refuse_at_row(db: &Db, ctx: Ctx, target: &StaffRow, key: &'static str) -> Result<HttpResponse, AppError> {
    let member_error = Some((target.id, key));
    match target.store_id {
        Some(store) => render::page(StatusCode::CONFLICT, &StorePage { member_error, ..StorePage::load(db, ctx, store).await? }),
        None => render::page(StatusCode::CONFLICT, &StoresPage { member_error, ..StoresPage::load(db, ctx).await? }),
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ActiveForm {
    active: String,
}

/// `POST /staff/team/{id}/active`: `active=off` disables the account and ends its sessions
/// on the server; `on` lets it sign in again. Nobody disables themselves.
pub async fn set_active(settings: web::Data<Settings>, p: StaffPage, db: web::Data<Db>, path: web::Path<i64>, CsrfForm(form): CsrfForm<ActiveForm>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    // Said to whoever manages accounts (a manager could not manage their own anyway).
    if id == p.staff.id && p.staff.authority().has_at_least(Role::Manager) {
        let me = own_account(&db, id).await?;
        return refuse_at_row(&db, p.ctx, &me, "staff-not-yourself").await;
    }
    let target = manageable(&db, &p.staff, id).await?;
    let active = form.active != "off";
    if active {
        if let Some(store_id) = target.store_id {
            let store = db.read(move |conn| Ok::<_, StoreError>(crate::store::stores::find(conn, store_id)?)).await?;
            if store.is_some_and(|s| !s.is_open()) {
                return refuse_at_row(&db, p.ctx, &target, "staff-store-closed").await;
            }
        }
    }
    let (id, actor) = (target.id, p.staff.id);
    db.write(move |conn| -> Result<(), StoreError> {
        crate::store::staff::set_active(conn, id, active)?;
        audit::record(conn, Some(actor), if active { "staff.enabled" } else { "staff.disabled" }, &format!("staff:{id}"), "")?;
        Ok(())
    })
    .await?;
    done(&page_of(target.store_id), if active { "staff-enabled" } else { "staff-disabled" }, &settings)
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct OpenForm {
    open: String,
    /// On closing: the open store its customers and sales channels move to (empty: they stay).
    hand_over: String,
}

/// `POST /staff/stores/{id}/open` (administrators): `open=off` closes the store (it sells
/// nothing more, in the shop or through a channel, and its people's accounts are disabled,
/// which ends their sessions); `on` opens it again, its people to be enabled one by one.
pub async fn set_open(settings: web::Data<Settings>, p: StaffPage, db: web::Data<Db>, path: web::Path<i64>, CsrfForm(form): CsrfForm<OpenForm>) -> Result<HttpResponse, AppError> {
    p.staff.require_role(Role::Admin)?;
    let id = path.into_inner();
    let actor = p.staff.id;
    let open = match form.open.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(AppError::BadRequest("open must be on or off".into())),
    };
    let hand_over = match form.hand_over.trim() {
        "" => None,
        to => Some(to.parse::<i64>().map_err(|_| AppError::BadRequest("hand_over must be a store's id".into()))?),
    };
    let outcome = db
        .write(move |conn| -> Result<Option<Result<(bool, bool), &'static str>>, StoreError> {
            let Some(store) = crate::store::stores::find(conn, id)? else { return Ok(None) };
            let all = crate::store::stores::list(conn)?;
            if !open && store.is_open() && !all.iter().any(|s| s.id != id && s.is_open()) {
                return Ok(Some(Err("store-last-open")));
            }
            let changed = store.is_open() != open;
            // Closing again disables anyone still active (added from the command line before
            // it refused, say); the date it closed stays.
            let at = if open { None } else { Some(store.closed_at.unwrap_or_else(now)) };
            // Its customers and channels go to another open store, if one was chosen.
            let moved = match hand_over.filter(|_| !open) {
                Some(to) => match all.iter().find(|s| s.id == to && s.id != id && s.is_open()) {
                    Some(target) => Some((crate::store::stores::hand_over(conn, id, to)?, target.id)),
                    None => return Ok(Some(Err("store-hand-over-unknown"))),
                },
                None => None,
            };
            let disabled = crate::store::stores::set_closed(conn, id, at)?;
            if changed {
                audit::record(conn, Some(actor), if open { "store.reopened" } else { "store.closed" }, &format!("store:{id}"), &store.code)?;
            }
            if let Some(((customers, channels), to)) = moved {
                audit::record(conn, Some(actor), "store.handed_over", &format!("store:{id}"), &format!("to store:{to} customers:{customers} channels:{channels}"))?;
            }
            for person in disabled {
                audit::record(conn, Some(actor), "staff.disabled", &format!("staff:{person}"), "store closed")?;
            }
            Ok(Some(Ok((changed, moved.is_some()))))
        })
        .await?;
    match outcome {
        None => Err(AppError::NotFound),
        Some(Err(refusal)) => {
            let page = StorePage::load(&db, p.ctx, id).await?;
            render::page(StatusCode::CONFLICT, &StorePage { refusal: Some(refusal), ..page })
        }
        Some(Ok((closed, true))) => done(&format!("/staff/stores/{id}"), if closed { "store-closed-handed-over" } else { "store-handed-over" }, &settings),
        Some(Ok((false, false))) => Ok(see_other(&format!("/staff/stores/{id}"))),
        Some(Ok((true, false))) => done(&format!("/staff/stores/{id}"), if open { "store-reopened" } else { "store-closed-done" }, &settings),
    }
}

/// `POST /staff/team/{id}/password`: a new one-time password for someone who lost theirs,
/// shown once; their sessions end and they choose their own at the next sign-in. One's own
/// password is changed at `/staff/password`.
pub async fn new_one_time_password(p: StaffPage, db: web::Data<Db>, path: web::Path<i64>, CsrfForm(_): CsrfForm<super::factories::Empty>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if id == p.staff.id && p.staff.authority().has_at_least(Role::Manager) {
        let me = own_account(&db, id).await?;
        return refuse_at_row(&db, p.ctx, &me, "staff-own-password").await;
    }
    let target = manageable(&db, &p.staff, id).await?;
    // A disabled account cannot sign in with any password: say so rather than show one.
    if !target.active {
        return refuse_at_row(&db, p.ctx, &target, "staff-disabled-first").await;
    }
    let password = accounts::one_time_password();
    let hash = accounts::hash_password_async(password.clone()).await.map_err(|e| AppError::Unexpected(e.into()))?;
    let (t, actor) = (target.clone(), p.staff.id);
    db.write(move |conn| accounts::reset_password(conn, &t, &hash, Some(actor))).await.map_err(|e| match e {
        AccountError::Store(e) => AppError::from(e),
        e => AppError::Unexpected(e.into()),
    })?;
    let issued = Issued { back: page_of(target.store_id), name: target.name, email: target.email, password };
    render::ok(&OneTimePasswordPage { ctx: p.ctx, issued })
}
