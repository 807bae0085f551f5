//! Signing up, claiming a store-made profile, signing in and out, and resetting a forgotten
//! password. Every refused form comes back with what was typed and the message at the field.

use std::collections::BTreeMap;

use crate::web::session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::AccountError;
use crate::config::Settings;
use crate::domain::shop_account::parse_sign_up;
use crate::shop_accounts::{self, EmailConfirmed, ShopAccountError};
use crate::store::Db;
use crate::store::customer_accounts::AccountRow;
use crate::web::csrf::{self, CsrfForm};
use crate::web::error::{AppError, safe_next, see_other};
use crate::web::render;
use crate::web::session_store::{CUSTOMER_ACCOUNT_ID, STAFF_ID};

use super::auth::{ShopCtx, Visitor};

type Errors = BTreeMap<&'static str, &'static str>;

#[derive(Template)]
#[template(path = "shop/sign_up.html")]
pub struct SignUpPage {
    pub ctx: ShopCtx,
    /// Claiming a profile the store made (with a code) rather than starting a new one.
    pub claim: bool,
    pub name: String,
    pub email: String,
    pub code: String,
    pub next: String,
    pub errors: Errors,
}

#[derive(Deserialize, Default)]
pub struct SignUpForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirmation: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

impl SignUpPage {
    pub fn err(&self, field: &str) -> Option<String> {
        self.errors.get(field).map(|k| message(self.ctx.t, k))
    }
}

impl SignInPage {
    pub fn err(&self, field: &str) -> Option<String> {
        self.errors.get(field).map(|k| message(self.ctx.t, k))
    }
}

impl ForgotPage {
    pub fn err(&self) -> Option<String> {
        self.error.map(|k| message(self.ctx.t, k))
    }
}

impl ResetPage {
    pub fn err(&self) -> Option<String> {
        self.error.map(|k| message(self.ctx.t, k))
    }
}

/// A field message; the password ones say how long a password must be.
fn message(t: crate::i18n::Tr, key: &str) -> String {
    t.t1(key, "min", crate::domain::staff::PASSWORD_MIN_CHARS)
}

fn blank(ctx: ShopCtx, claim: bool, next: String) -> SignUpPage {
    SignUpPage { ctx, claim, name: String::new(), email: String::new(), code: String::new(), next, errors: Errors::new() }
}

pub async fn sign_up_form(page: Visitor, q: web::Query<NextQuery>) -> Result<HttpResponse, AppError> {
    render::ok(&blank(page.ctx, false, q.next.clone()))
}

pub async fn claim_form(page: Visitor, q: web::Query<NextQuery>) -> Result<HttpResponse, AppError> {
    render::ok(&blank(page.ctx, true, q.next.clone()))
}

/// Starts the customer's shop session: a new session id, so one planted before is worthless.
fn start_session(session: &Session, account: &AccountRow) -> Result<(), AppError> {
    session.renew();
    session.insert(CUSTOMER_ACCOUNT_ID, account.id).map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))?;
    csrf::rotate(session);
    Ok(())
}

async fn create(req: HttpRequest, settings: web::Data<crate::config::Settings>, page: Visitor, session: Session, db: web::Data<Db>, form: SignUpForm, claim: bool) -> Result<HttpResponse, AppError> {
    let mut again = SignUpPage {
        name: form.name.trim().to_owned(),
        email: form.email.trim().to_owned(),
        code: form.code.trim().to_owned(),
        next: form.next.clone(),
        errors: Errors::new(),
        claim,
        ctx: page.ctx,
    };
    let parsed = parse_sign_up(&form.name, &form.email, &form.password, &form.confirmation, !claim);
    if claim && form.code.trim().is_empty() {
        again.errors.insert("code", "claim-code-required");
    }
    let parsed = match parsed {
        Ok(p) if again.errors.is_empty() => p,
        Ok(_) => return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again),
        Err(errors) => {
            again.errors.extend(errors);
            return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
        }
    };
    // "This email has an account" and "this code is wrong" tell a guesser something: past
    // as many as a failed sign-in may, the address waits, as it does for signing in.
    let address = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    if shop_accounts::probes_throttled(&db, &address).await.map_err(shop_error)? {
        again.errors.insert(if claim { "code" } else { "email" }, "shop-probe-throttled");
        let mut response = render::page(StatusCode::TOO_MANY_REQUESTS, &again)?;
        response.headers_mut().insert(actix_web::http::header::RETRY_AFTER, actix_web::http::header::HeaderValue::from(crate::accounts::THROTTLE_WINDOW_MINUTES * 60));
        return Ok(response);
    }
    let result = if claim {
        shop_accounts::claim(&db, &form.code, parsed.email, form.password).await
    } else {
        shop_accounts::sign_up(&db, parsed, form.password).await
    };
    let (field, key, status) = match result {
        Ok(account) => {
            start_session(&session, &account)?;
            tracing::info!(customer.id = account.customer_id, claimed = claim, "customer account created");
            // A new customer going nowhere in particular is welcomed, and asked to measure
            // themselves first: without measurements nothing can be checked against the body.
            if !claim && form.next.is_empty() {
                return crate::web::notice::redirect("/shop", &format!("welcome-{}", account.customer_id), settings.secure_cookies());
            }
            return Ok(see_other(&safe_next(&form.next, "/shop")));
        }
        Err(ShopAccountError::EmailTaken) => {
            shop_accounts::record_probe(&db, &address).await.map_err(shop_error)?;
            ("email", "shop-email-taken", StatusCode::CONFLICT)
        }
        Err(ShopAccountError::BadClaimCode) => {
            shop_accounts::record_probe(&db, &address).await.map_err(shop_error)?;
            ("code", "claim-code-invalid", StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ShopAccountError::AlreadyClaimed) => ("code", "claim-code-claimed", StatusCode::CONFLICT),
        Err(other) => return Err(shop_error(other)),
    };
    again.errors.insert(field, key);
    render::page(status, &again)
}

pub fn shop_error(e: ShopAccountError) -> AppError {
    match e {
        ShopAccountError::Store(s) => s.into(),
        ShopAccountError::Account(a) => a.into(),
        other => AppError::Unexpected(other.into()),
    }
}

/// `POST /shop/sign-up`
pub async fn sign_up(req: HttpRequest, settings: web::Data<crate::config::Settings>, page: Visitor, session: Session, db: web::Data<Db>, CsrfForm(form): CsrfForm<SignUpForm>) -> Result<HttpResponse, AppError> {
    create(req, settings, page, session, db, form, false).await
}

/// `POST /shop/claim`: a profile the store made, with the code the fitter handed over.
pub async fn claim(req: HttpRequest, settings: web::Data<crate::config::Settings>, page: Visitor, session: Session, db: web::Data<Db>, CsrfForm(form): CsrfForm<SignUpForm>) -> Result<HttpResponse, AppError> {
    create(req, settings, page, session, db, form, true).await
}

#[derive(Template)]
#[template(path = "shop/sign_in.html")]
pub struct SignInPage {
    pub ctx: ShopCtx,
    pub email: String,
    pub next: String,
    pub errors: Errors,
    pub form_error: Option<String>,
    pub notice: Option<String>,
}

/// Another way in (sign up, sign in, claim a profile) that still goes where the customer was
/// going.
fn with_next(path: &str, next: &str) -> String {
    if next.is_empty() { path.to_owned() } else { format!("{path}?next={}", crate::web::error::urlencode(next)) }
}

impl SignInPage {
    pub fn with_next(&self, path: &str) -> String {
        with_next(path, &self.next)
    }
}

impl SignUpPage {
    pub fn with_next(&self, path: &str) -> String {
        with_next(path, &self.next)
    }
}

/// The sign-in page's notices, said once (see [`crate::web::notice`]).
const SIGNED_OUT: &str = "signed-out";
const PASSWORD_RESET: &str = "password-reset";

pub async fn sign_in_form(req: HttpRequest, settings: web::Data<Settings>, page: Visitor, q: web::Query<NextQuery>) -> Result<HttpResponse, AppError> {
    if page.ctx.customer.is_some() {
        return Ok(see_other(&safe_next(&q.next, "/shop")));
    }
    let notice = match crate::web::notice::of(&req) {
        Some(SIGNED_OUT) => Some("shop-signed-out"),
        Some(PASSWORD_RESET) => Some("reset-done"),
        _ => None,
    };
    let res = render::ok(&SignInPage { notice: notice.map(|k| page.ctx.t.t(k)), email: String::new(), next: q.next.clone(), errors: Errors::new(), form_error: None, ctx: page.ctx })?;
    if notice.is_some() { crate::web::notice::taken(res, settings.secure_cookies()) } else { Ok(res) }
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

/// `POST /shop/sign-in`: throttled per account and per address, as staff sign-ins are.
pub async fn sign_in(req: HttpRequest, page: Visitor, session: Session, db: web::Data<Db>, CsrfForm(form): CsrfForm<SignInForm>) -> Result<HttpResponse, AppError> {
    let t = page.ctx.t;
    let mut again = SignInPage { email: form.email.trim().to_owned(), next: form.next.clone(), errors: Errors::new(), form_error: None, notice: None, ctx: page.ctx };
    if form.email.trim().is_empty() {
        again.errors.insert("email", "email-required");
    }
    if form.password.is_empty() {
        again.errors.insert("password", "password-required");
    }
    if !again.errors.is_empty() {
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
    }
    let address = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    match shop_accounts::sign_in(&db, &form.email, form.password, address).await {
        Ok(account) => {
            start_session(&session, &account)?;
            tracing::info!(customer.id = account.customer_id, "customer signed in");
            Ok(see_other(&safe_next(&form.next, "/shop")))
        }
        Err(AccountError::InvalidCredentials) => {
            again.form_error = Some(t.t("sign-in-failed"));
            render::page(StatusCode::UNAUTHORIZED, &again)
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
pub struct EmptyForm {}

/// `POST /shop/sign-out`: ends the shop session on the server (a staff session in the same
/// browser stays, as it is another identity).
pub async fn sign_out(session: Session, settings: web::Data<Settings>, CsrfForm(_): CsrfForm<EmptyForm>) -> Result<HttpResponse, AppError> {
    if session.get::<i64>(STAFF_ID).ok().flatten().is_some() {
        session.remove(CUSTOMER_ACCOUNT_ID);
        session.renew();
    } else {
        session.purge();
    }
    crate::web::notice::redirect("/shop/sign-in", SIGNED_OUT, settings.secure_cookies())
}

#[derive(Template)]
#[template(path = "shop/forgot.html")]
pub struct ForgotPage {
    pub ctx: ShopCtx,
    pub email: String,
    pub error: Option<&'static str>,
    pub sent: bool,
}

/// The forgot page's notice once a link was asked for: said on the page the form goes back
/// to, so a reload neither says it again nor mails another link.
const RESET_ASKED: &str = "reset-asked";

pub async fn forgot_form(req: HttpRequest, settings: web::Data<Settings>, page: Visitor) -> Result<HttpResponse, AppError> {
    let sent = crate::web::notice::is(&req, RESET_ASKED);
    let res = render::ok(&ForgotPage { ctx: page.ctx, email: String::new(), error: None, sent })?;
    if sent { crate::web::notice::taken(res, settings.secure_cookies()) } else { Ok(res) }
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// `POST /shop/forgot`: the same answer whether or not the email has an account.
pub async fn request_reset(page: Visitor, db: web::Data<Db>, settings: web::Data<Settings>, CsrfForm(form): CsrfForm<ForgotForm>) -> Result<HttpResponse, AppError> {
    let mut again = ForgotPage { email: form.email.trim().to_owned(), error: None, sent: false, ctx: page.ctx };
    if let Err(e) = crate::domain::staff::StaffEmail::parse(&form.email) {
        again.error = Some(if e == crate::domain::staff::EmailError::Empty { "email-required" } else { "email-invalid" });
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
    }
    shop_accounts::request_reset(&db, &form.email, &settings.public_url, again.ctx.t).await.map_err(shop_error)?;
    crate::web::notice::redirect("/shop/forgot", RESET_ASKED, settings.secure_cookies())
}

#[derive(Template)]
#[template(path = "shop/reset.html")]
pub struct ResetPage {
    pub ctx: ShopCtx,
    pub token: String,
    pub live: bool,
    pub error: Option<&'static str>,
}

/// `GET /shop/reset/{token}`: the form, or why the link no longer works.
pub async fn reset_form(page: Visitor, db: web::Data<Db>, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let live = shop_accounts::reset_link_is_live(&db, &token).await.map_err(shop_error)?;
    let status = if live { StatusCode::OK } else { StatusCode::GONE };
    render::page(status, &ResetPage { ctx: page.ctx, token, live, error: None })
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirmation: String,
}

/// `POST /shop/reset/{token}`: a new password; the link is used up and sessions end.
pub async fn reset(page: Visitor, db: web::Data<Db>, settings: web::Data<Settings>, path: web::Path<String>, CsrfForm(form): CsrfForm<ResetForm>) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let mut again = ResetPage { ctx: page.ctx, token: token.clone(), live: true, error: None };
    if let Err(e) = crate::domain::staff::check_new_password(&form.password, &form.confirmation) {
        again.error = Some(match e {
            crate::domain::staff::PasswordError::TooShort => "password-too-short",
            crate::domain::staff::PasswordError::TooLong => "password-too-long",
            crate::domain::staff::PasswordError::Common => "password-common",
            _ => "password-mismatch",
        });
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
    }
    match shop_accounts::reset_password(&db, &token, form.password).await {
        Ok(account) => {
            tracing::info!(customer.id = account.customer_id, "customer password reset");
            crate::web::notice::redirect("/shop/sign-in", PASSWORD_RESET, settings.secure_cookies())
        }
        Err(ShopAccountError::BadResetLink) => {
            again.live = false;
            render::page(StatusCode::GONE, &again)
        }
        Err(e) => Err(shop_error(e)),
    }
}

#[derive(Template)]
#[template(path = "shop/email_confirm.html")]
pub struct EmailConfirmPage {
    pub ctx: ShopCtx,
    pub token: String,
    /// The email the link confirms; `None` when the link is dead.
    pub email: Option<String>,
    pub error: Option<String>,
    /// Said once the button did its work (for someone not signed in to that account).
    pub done: Option<String>,
}

/// `GET /shop/account/email/{token}`: what the link confirms, with the button that does it
/// (opening a link changes nothing: mail scanners open links too).
/// The link's page after its button did its work for someone not signed in to the account:
/// said there once (a reload re-sent the form and said the link was used).
const EMAIL_LINK_DONE: &str = "email-link-done";

/// The notice for this link only (a token's digest, not the token: a cookie is no place for it).
fn link_done(token: &str) -> String {
    use sha2::Digest;
    format!("{EMAIL_LINK_DONE}-{}", &hex::encode(sha2::Sha256::digest(token.as_bytes()))[..16])
}

pub async fn email_confirm_form(req: HttpRequest, settings: web::Data<Settings>, page: Visitor, db: web::Data<Db>, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    if crate::web::notice::is(&req, &link_done(&token)) {
        let done = Some(page.ctx.t.t("email-confirm-done-elsewhere"));
        let res = render::ok(&EmailConfirmPage { ctx: page.ctx, token, email: None, error: None, done })?;
        return crate::web::notice::taken(res, settings.secure_cookies());
    }
    let email = shop_accounts::email_change_of_link(&db, &token).await.map_err(shop_error)?;
    let status = if email.is_some() { StatusCode::OK } else { StatusCode::GONE };
    render::page(status, &EmailConfirmPage { ctx: page.ctx, token, email, error: None, done: None })
}

/// `POST /shop/account/email/{token}`: the link's email becomes the account's sign-in.
pub async fn confirm_email(page: Visitor, db: web::Data<Db>, settings: web::Data<Settings>, path: web::Path<String>, CsrfForm(_): CsrfForm<EmptyForm>) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let t = page.ctx.t;
    let signed_in = page.ctx.customer.as_ref().map(|c| c.account_id);
    match shop_accounts::confirm_email_change(&db, &token, t).await {
        Ok(EmailConfirmed::Changed { account_id, .. }) if signed_in == Some(account_id) => crate::web::notice::redirect("/shop/account", super::me::EMAIL_CHANGED, settings.secure_cookies()),
        // Signed out, or in another account (a shared computer): said here, not on an account
        // page whose address did not change.
        Ok(EmailConfirmed::Changed { .. }) => crate::web::notice::redirect(&format!("/shop/account/email/{token}"), &link_done(&token), settings.secure_cookies()),
        Ok(EmailConfirmed::Taken { email }) => {
            let error = Some(t.t1("email-confirm-taken", "email", &email));
            render::page(StatusCode::CONFLICT, &EmailConfirmPage { ctx: page.ctx, token, email: Some(email), error, done: None })
        }
        Err(ShopAccountError::BadEmailLink) => render::page(StatusCode::GONE, &EmailConfirmPage { ctx: page.ctx, token, email: None, error: None, done: None }),
        Err(e) => Err(shop_error(e)),
    }
}
