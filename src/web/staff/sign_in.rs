use crate::web::session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::{self, AccountError};
use crate::config::Settings;
use crate::store::Db;
use crate::web::auth::{Ctx, MaybeStaff, PublicPage};
use crate::web::csrf::{self, CsrfForm};
use crate::web::error::{AppError, safe_next, see_other};
use crate::web::lang::lang_cookie;
use crate::web::render;
use crate::web::session_store::STAFF_ID;

#[derive(Template)]
#[template(path = "staff/sign_in.html")]
pub struct SignInPage {
    pub ctx: Ctx,
    pub email: String,
    pub next: String,
    pub email_error: Option<String>,
    pub password_error: Option<String>,
    pub form_error: Option<String>,
    pub notice: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    signed_out: Option<String>,
}

pub async fn sign_in_form(page: PublicPage, query: web::Query<SignInQuery>) -> Result<HttpResponse, AppError> {
    if page.ctx.staff.is_some() {
        return Ok(see_other(&safe_next(&query.next, "/staff")));
    }
    let notice = query.signed_out.as_ref().map(|_| page.ctx.t.t("sign-in-signed-out"));
    render::ok(&SignInPage {
        email: String::new(),
        next: query.next.clone(),
        email_error: None,
        password_error: None,
        form_error: None,
        notice,
        ctx: page.ctx,
    })
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn sign_in(
    req: HttpRequest,
    page: PublicPage,
    session: Session,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    CsrfForm(form): CsrfForm<SignInForm>,
) -> Result<HttpResponse, AppError> {
    let t = page.ctx.t;
    let mut again = SignInPage {
        email: form.email.trim().to_owned(),
        next: form.next.clone(),
        email_error: form.email.trim().is_empty().then(|| t.t("email-required")),
        password_error: form.password.is_empty().then(|| t.t("password-required")),
        form_error: None,
        notice: None,
        ctx: page.ctx,
    };
    if again.email_error.is_some() || again.password_error.is_some() {
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
    }
    let address = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    match accounts::sign_in(&db, &form.email, form.password, address).await {
        Ok(staff) => {
            // A new session id at sign-in, so a session id planted before it is worthless.
            session.renew();
            session
                .insert(STAFF_ID, staff.id)
                .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))?;
            csrf::rotate(&session);
            tracing::info!(staff.id = staff.id, "staff signed in");
            let target = if staff.must_change_password {
                "/staff/password".to_owned()
            } else {
                safe_next(&form.next, "/staff")
            };
            let mut response = see_other(&target);
            if let Some(lang) = staff.locale.as_deref().and_then(crate::i18n::Lang::parse) {
                let _ = response.add_cookie(&lang_cookie(lang, settings.secure_cookies()));
            }
            Ok(response)
        }
        Err(AccountError::InvalidCredentials) => {
            again.form_error = Some(t.t("sign-in-failed"));
            render::page(StatusCode::UNAUTHORIZED, &again)
        }
        Err(AccountError::Disabled) => {
            again.form_error = Some(t.t("sign-in-disabled"));
            render::page(StatusCode::FORBIDDEN, &again)
        }
        Err(AccountError::Throttled { retry_after_minutes }) => {
            again.form_error = Some(t.t1("sign-in-throttled", "minutes", retry_after_minutes));
            let mut response = render::page(StatusCode::TOO_MANY_REQUESTS, &again)?;
            if let Ok(v) = (retry_after_minutes * 60).to_string().parse() {
                response.headers_mut().insert(actix_web::http::header::RETRY_AFTER, v);
            }
            Ok(response)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub struct SignOutForm {}

pub async fn sign_out(
    staff: MaybeStaff,
    db: web::Data<Db>,
    session: Session,
    CsrfForm(_): CsrfForm<SignOutForm>,
) -> Result<HttpResponse, AppError> {
    if let Some(staff) = staff.0 {
        tracing::info!(staff.id = staff.id, "staff signed out");
        let id = staff.id;
        // Signing out goes ahead when the entry cannot be written (a busy or read-only database).
        let recorded = db.write(move |conn| Ok::<_, crate::store::StoreError>(crate::store::audit::record(conn, Some(id), "staff.signed_out", &format!("staff:{id}"), "")?)).await;
        if let Err(e) = recorded {
            tracing::warn!(staff.id = id, error = %e, "the sign-out was not audited");
        }
    }
    // Deletes the session row: the old cookie no longer signs anyone in.
    session.purge();
    Ok(see_other("/staff/sign-in?signed_out=1"))
}
