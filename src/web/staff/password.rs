use crate::web::session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts;
use crate::domain::staff::{PasswordField, new_password_problem};
use crate::store::{Db, StoreError};
use crate::web::auth::{Ctx, PasswordPage};
use crate::web::csrf::{self, CsrfForm};
use crate::web::error::AppError;
use crate::web::render;
use crate::web::session_store::STAFF_ID;

#[derive(Template)]
#[template(path = "staff/password.html")]
pub struct ChangePasswordPage {
    pub ctx: Ctx,
    pub required: bool,
    pub current_error: Option<String>,
    pub new_error: Option<String>,
    pub confirm_error: Option<String>,
}

pub async fn password_form(page: PasswordPage) -> Result<HttpResponse, AppError> {
    render::ok(&ChangePasswordPage {
        required: page.staff.must_change_password,
        current_error: None,
        new_error: None,
        confirm_error: None,
        ctx: page.ctx,
    })
}

/// A password change, from the staff's page and the shop's account page alike.
#[derive(Deserialize)]
pub struct ChangePasswordForm {
    #[serde(default)]
    pub current: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm: String,
}

/// Passwords are never re-displayed: a refused form comes back with the fields empty and the
/// reason at each field.
pub async fn change_password(
    settings: web::Data<crate::config::Settings>,
    page: PasswordPage,
    session: Session,
    db: web::Data<Db>,
    CsrfForm(form): CsrfForm<ChangePasswordForm>,
) -> Result<HttpResponse, AppError> {
    let t = page.ctx.t;
    let staff_id = page.staff.id;
    let hash = db
        .read(move |conn| Ok::<_, StoreError>(crate::store::staff::find(conn, staff_id)?))
        .await?
        .ok_or(AppError::NotFound)?
        .password_hash;
    let current = form.current.clone();
    let current_ok = tokio::task::spawn_blocking(move || accounts::verify_password(&hash, &current))
        .await
        .unwrap_or(false);
    let mut again = ChangePasswordPage {
        required: page.staff.must_change_password,
        current_error: (!current_ok).then(|| t.t("password-current-wrong")),
        new_error: None,
        confirm_error: None,
        ctx: page.ctx,
    };
    match new_password_problem(&form.current, &form.new_password, &form.confirm) {
        Some((PasswordField::New, k)) => again.new_error = Some(t.t1(k, "min", crate::domain::staff::PASSWORD_MIN_CHARS)),
        Some((PasswordField::Confirm, k)) => again.confirm_error = Some(t.t(k)),
        None => {}
    }
    if again.current_error.is_some() || again.new_error.is_some() || again.confirm_error.is_some() {
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
    }
    accounts::change_password(&db, staff_id, form.new_password).await?;
    // Every session of the account was ended; this one continues under a new id.
    session.renew();
    session
        .insert(STAFF_ID, staff_id)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))?;
    csrf::rotate(&session);
    crate::web::notice::redirect("/staff", &format!("password-{staff_id}"), settings.secure_cookies())
}
