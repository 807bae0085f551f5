//! Which language a page is in: the person's own setting, then `Accept-Language`.

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::i18n::Lang;
use crate::store::{Db, StoreError};

use super::auth::MaybeStaff;
use super::csrf::CsrfForm;
use super::error::{AppError, safe_next};

/// Remembers the choice of someone not signed in, and of staff between sign-ins.
pub const LANG_COOKIE: &str = "atelier_lang";

/// The language from the cookie, then the browser's preference, then English.
pub fn request_lang(req: &HttpRequest) -> Lang {
    super::session::cookie_value(req.headers(), LANG_COOKIE)
        .and_then(Lang::parse)
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

pub fn lang_cookie(lang: Lang, secure: bool) -> Cookie<'static> {
    Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .max_age(Duration::days(365))
        .same_site(SameSite::Lax)
        .http_only(true)
        .secure(secure)
        .finish()
}

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    #[serde(default)]
    next: String,
}

/// `POST /lang`: switch the interface language, for staff also as their setting.
pub async fn set_lang(
    staff: MaybeStaff,
    db: web::Data<Db>,
    settings: web::Data<crate::config::Settings>,
    CsrfForm(form): CsrfForm<LangForm>,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::parse(&form.lang).ok_or_else(|| AppError::BadRequest("unknown language".into()))?;
    if let Some(staff) = staff.0 {
        db.write(move |conn| {
            crate::store::staff::set_locale(conn, staff.id, lang.code()).map_err(StoreError::from)
        })
        .await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, safe_next(&form.next, "/staff")))
        .cookie(lang_cookie(lang, settings.secure_cookies()))
        .finish())
}
