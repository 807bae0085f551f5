use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use askama::Template;

use super::error::AppError;

/// Renders a page with a status of our choosing (a re-rendered form is 422, not 200).
pub fn page<T: Template>(status: StatusCode, page: &T) -> Result<HttpResponse, AppError> {
    // askama reserves only the template's literal text; our pages are a few to tens of kB, and
    // growing the buffer from there copied it four or five times.
    let mut body = String::with_capacity(T::SIZE_HINT.max(16 * 1024));
    page.render_into(&mut body).map_err(|e| AppError::Unexpected(e.into()))?;
    Ok(html(status, body))
}

/// A page already rendered.
pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status).insert_header((CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))).body(body)
}

pub fn ok<T: Template>(p: &T) -> Result<HttpResponse, AppError> {
    page(StatusCode::OK, p)
}
