use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use askama::Template;

use super::error::AppError;

/// Renders a page with a status of our choosing (a re-rendered form is 422, not 200).
pub fn page(status: StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    let body = page.render().map_err(|e| AppError::Unexpected(e.into()))?;
    Ok(HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")))
        .body(body))
}

pub fn ok(p: &impl Template) -> Result<HttpResponse, AppError> {
    page(StatusCode::OK, p)
}
