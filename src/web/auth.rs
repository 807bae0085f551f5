//! Who is asking: the signed-in staff member, and the page context every template gets.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::domain::staff::{Authority, Role};
use crate::i18n::{Lang, Tr};
use crate::store::{Db, StoreError};

use super::csrf;
use super::error::AppError;
use super::lang::request_lang;
use crate::memo::Memo;
use super::session::Session;
use super::session_store::STAFF_ID;

/// The signed-in staff member, as loaded for this request.
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub store_id: Option<i64>,
    pub must_change_password: bool,
    pub locale: Option<Lang>,
}

impl Staff {
    pub fn authority(&self) -> Authority {
        Authority { role: self.role, store_id: self.store_id }
    }

    /// Refuses unless this staff member may see the store.
    pub fn require_store(&self, store_id: i64) -> Result<(), AppError> {
        if self.authority().can_access_store(store_id) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    pub fn require_role(&self, role: Role) -> Result<(), AppError> {
        if self.authority().has_at_least(role) { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

/// What every page template needs: translations, the CSRF token for its forms, who is signed
/// in, and the current path (to come back to after a language switch).
#[derive(Debug, Clone)]
pub struct Ctx {
    pub t: Tr,
    pub csrf: String,
    pub staff: Option<Staff>,
    pub path: String,
    /// See [`crate::web::form_page`].
    pub form_page: Option<String>,
}

impl Ctx {
    pub fn langs(&self) -> [Lang; 2] {
        Lang::ALL
    }
}

/// The staff member with this id, if the account is active.
async fn active_staff(req: &HttpRequest, id: i64) -> Result<Option<Staff>, AppError> {
    let db = req
        .app_data::<web::Data<Db>>()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no database configured")))?;
    let row = db.read(move |conn| Ok::<_, StoreError>(crate::store::staff::find(conn, id)?)).await?;
    Ok(row.filter(|r| r.active).map(|r| Staff {
        id: r.id,
        role: Role::parse(&r.role).unwrap_or(Role::Fitter),
        email: r.email,
        name: r.name,
        store_id: r.store_id,
        must_change_password: r.must_change_password,
        locale: r.locale.as_deref().and_then(Lang::parse),
    }))
}

/// Loads the staff member of the session once per request. A session whose account is gone
/// or disabled is ended here, so disabling an account takes effect on the next request (the
/// answer kept in memory follows every committed change, see [`Memo`]).
async fn load_staff(req: &HttpRequest) -> Result<Option<Staff>, AppError> {
    if let Some(cached) = req.extensions().get::<Option<Staff>>() {
        return Ok(cached.clone());
    }
    let session = Session::of(req);
    let staff_id = session.get::<i64>(STAFF_ID).ok().flatten();
    let staff = match staff_id {
        None => None,
        Some(id) => {
            let staff = match req.app_data::<web::Data<Memo<i64, Staff>>>() {
                Some(memo) => memo.get_or_load(id, || active_staff(req, id)).await?,
                None => active_staff(req, id).await?,
            };
            if staff.is_none() {
                session.purge();
            }
            staff
        }
    };
    req.extensions_mut().insert(staff.clone());
    Ok(staff)
}

fn ctx_for(req: &HttpRequest, staff: Option<Staff>) -> Ctx {
    let lang = staff.as_ref().and_then(|s| s.locale).unwrap_or_else(|| request_lang(req));
    Ctx {
        t: Tr::new(lang),
        csrf: csrf::token(&Session::of(req)),
        staff,
        path: crate::web::page_path(req, "/staff"),
        form_page: crate::web::form_page(req, "/staff"),
    }
}

/// A staff page: requires a signed-in staff member whose password is not a one-time one.
pub struct StaffPage {
    pub ctx: Ctx,
    pub staff: Staff,
}

/// The password page itself, reachable while a one-time password must still be replaced.
pub struct PasswordPage {
    pub ctx: Ctx,
    pub staff: Staff,
}

/// A page anyone may see; knows the staff member if one is signed in.
pub struct PublicPage {
    pub ctx: Ctx,
}

/// The signed-in staff member if there is one, for actions open to everyone.
pub struct MaybeStaff(pub Option<Staff>);

fn next_of(req: &HttpRequest) -> String {
    req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/staff".into())
}

impl FromRequest for StaffPage {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let staff = load_staff(&req).await?.ok_or_else(|| AppError::SignInRequired { next: next_of(&req) })?;
            if staff.must_change_password {
                return Err(AppError::PasswordChangeRequired);
            }
            Ok(StaffPage { ctx: ctx_for(&req, Some(staff.clone())), staff })
        })
    }
}

impl FromRequest for PasswordPage {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let staff = load_staff(&req).await?.ok_or_else(|| AppError::SignInRequired { next: next_of(&req) })?;
            Ok(PasswordPage { ctx: ctx_for(&req, Some(staff.clone())), staff })
        })
    }
}

impl FromRequest for PublicPage {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let staff = load_staff(&req).await?;
            Ok(PublicPage { ctx: ctx_for(&req, staff) })
        })
    }
}

impl FromRequest for MaybeStaff {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(MaybeStaff(load_staff(&req).await?)) })
    }
}
