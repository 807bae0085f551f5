//! One error type for pages and the API. Pages get a friendly page in the reader's language,
//! `/api/` gets RFC 9457 `application/problem+json`; both are rendered in [`render_error`] so
//! that extractor failures and unknown routes look the same as handler errors.

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use crate::i18n::Tr;
use crate::store::StoreError;

use super::lang::request_lang;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("the form expired or did not come from this site")]
    CsrfRejected,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("sign-in required")]
    SignInRequired { next: String },
    #[error("shop sign-in required")]
    ShopSignInRequired { next: String },
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("the database is busy; try again")]
    Unavailable,
    #[error("the database cannot be written (read-only or failing storage); nothing was written")]
    ReadOnly,
    #[error("the database has no space left; nothing was written")]
    StorageFull,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        if e.is_busy() {
            return AppError::Unavailable;
        }
        if e.is_read_only() {
            return AppError::ReadOnly;
        }
        if e.is_full() {
            return AppError::StorageFull;
        }
        AppError::Unexpected(e.into())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        StoreError::from(e).into()
    }
}

impl From<crate::accounts::AccountError> for AppError {
    fn from(e: crate::accounts::AccountError) -> Self {
        match e {
            crate::accounts::AccountError::Store(s) => s.into(),
            other => AppError::Unexpected(other.into()),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::SignInRequired { .. } | AppError::ShopSignInRequired { .. } | AppError::PasswordChangeRequired => StatusCode::SEE_OTHER,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unavailable | AppError::ReadOnly => StatusCode::SERVICE_UNAVAILABLE,
            AppError::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::SignInRequired { next } => {
                let target = format!("/staff/sign-in?next={}", urlencode(next));
                see_other(&target)
            }
            AppError::ShopSignInRequired { next } => see_other(&format!("/shop/sign-in?next={}", urlencode(next))),
            AppError::PasswordChangeRequired => see_other("/staff/password"),
            AppError::Unexpected(e) => {
                // Logged once, here, where it is turned into a response.
                tracing::error!(error = ?e, "unexpected error");
                HttpResponse::new(self.status_code())
            }
            AppError::ReadOnly | AppError::StorageFull => {
                tracing::error!(error = %self, "a write was refused by the database");
                let mut res = HttpResponse::new(self.status_code());
                res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
                res
            }
            // The body is rendered by `render_error`, which knows the request.
            _ => HttpResponse::new(self.status_code()),
        }
    }
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|v| v.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// A local path to go back to after sign-in or a language switch; anything else (another
/// host, a protocol-relative `//host`) falls back, so the parameter cannot redirect away.
pub fn safe_next(next: &str, fallback: &str) -> String {
    let ok = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\')
        && !next.chars().any(char::is_control);
    if ok { next.to_owned() } else { fallback.to_owned() }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: Tr,
    /// Where "home" is for the reader: the shop for customers, the staff pages for staff.
    home: &'static str,
    status: u16,
    title: String,
    message: String,
}

/// Fills in the body of every error response that does not have one of its own.
pub fn render_error<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let has_own_body = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.contains("json"));
    if has_own_body || res.status().is_redirection() {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let page = filled(res.request(), res.response());
    let (req, _) = res.into_parts();
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(req, page).map_into_right_body()))
}

/// The page (or, under `/api/`, the problem document) for an error response without a body:
/// its status, the `AppError` it carries if any, and its `Retry-After`.
fn filled<B>(req: &HttpRequest, res: &HttpResponse<B>) -> HttpResponse<BoxBody> {
    let status = res.status();
    let app_error = res.error().and_then(|e| e.as_error::<AppError>());
    let detail = app_error.map(|e| match e {
        AppError::BadRequest(d) | AppError::Conflict(d) => d.clone(),
        AppError::ReadOnly | AppError::StorageFull => e.to_string(),
        _ => String::new(),
    });
    let storage = app_error.and_then(|e| match e {
        AppError::ReadOnly => Some("error-read-only"),
        AppError::StorageFull => Some("error-storage-full"),
        _ => None,
    });
    let api = req.path() == "/api" || req.path().starts_with("/api/");
    let mut response = if api && status == StatusCode::NOT_FOUND {
        // An address under /api that is no API's (another version, a typo): the API's own
        // not-found type, whose page says where to look.
        actix_web::ResponseError::error_response(&super::api::ApiError::NotFound)
    } else if api {
        problem_response(status, detail.as_deref().unwrap_or(""))
    } else {
        error_page(req, status, storage)
    };
    if let Some(v) = res.headers().get(header::RETRY_AFTER) {
        response.headers_mut().insert(header::RETRY_AFTER, v.clone());
    }
    response
}

/// An error as the page the error pages would make of it, for a middleware that answers
/// outside them (the sessions, when the database fails under them).
pub fn page_of(req: &HttpRequest, e: AppError) -> HttpResponse<BoxBody> {
    filled(req, &HttpResponse::from_error(e))
}

fn error_page(req: &HttpRequest, status: StatusCode, key: Option<&'static str>) -> HttpResponse<BoxBody> {
    let t = Tr::new(request_lang(req));
    let key = key.unwrap_or(match status.as_u16() {
        400 => "error-bad-request",
        // A page asked for, not a form sent: no form can have expired.
        403 if matches!(*req.method(), actix_web::http::Method::GET | actix_web::http::Method::HEAD) => "error-no-access",
        403 => "error-forbidden",
        404 => "error-not-found",
        405 => "error-method-not-allowed",
        409 => "error-conflict",
        410 => "error-gone",
        413 => "error-too-large",
        415 => "error-bad-request",
        429 => "error-too-many",
        503 => "error-unavailable",
        s if s >= 500 => "error-unexpected",
        _ => "error-bad-request",
    });
    let page = ErrorPage {
        t,
        home: if req.path().starts_with("/shop") { "/shop" } else { "/staff" },
        status: status.as_u16(),
        title: t.t(&format!("{key}-title")),
        message: t.t(key),
    };
    let body = page.render().unwrap_or_else(|_| status.to_string());
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")))
        .body(body)
}

pub fn problem_response(status: StatusCode, detail: &str) -> HttpResponse<BoxBody> {
    let mut problem = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
    });
    if !detail.is_empty() {
        problem["detail"] = serde_json::Value::String(detail.to_owned());
    }
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json")))
        .body(problem.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_parameters_stay_on_this_site() {
        assert_eq!(safe_next("/staff/stores/2", "/staff"), "/staff/stores/2");
        assert_eq!(safe_next("//evil.example/x", "/staff"), "/staff");
        assert_eq!(safe_next("https://evil.example", "/staff"), "/staff");
        assert_eq!(safe_next("/\\evil.example", "/staff"), "/staff");
        assert_eq!(safe_next("", "/staff"), "/staff");
    }
}
