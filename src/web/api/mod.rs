//! The JSON API (`/api/v1`): factories pull their work orders; sales channels read the
//! catalog, get quotes and place orders. Bearer-token authentication (each factory sees only
//! its own work orders, each channel only its own orders); every error is RFC 9457
//! `application/problem+json` with a stable `type`.

pub mod auth;
mod channels;
mod json;
mod problem;
pub mod problem_types;
mod work_orders;
pub use work_orders::GivenCursors;

use actix_web::http::Method;
use actix_web::error::{JsonPayloadError, PayloadError};
use actix_web::{HttpResponse, web};

use super::route_table::Routes;

pub use auth::token_hash;
pub use problem::ApiError;

/// The largest request body the API reads: a claim, an event or an order is a few hundred bytes.
const BODY_LIMIT: usize = 64 * 1024;

const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(OPENAPI)
}

/// A body read as bytes (acknowledgements and events take any content type): past the limit
/// it is 413, as a JSON body is, not actix's plain-text answer.
fn body_of(body: Result<web::Bytes, actix_web::Error>) -> Result<web::Bytes, ApiError> {
    body.map_err(|e| match e.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => ApiError::PayloadTooLarge(BODY_LIMIT),
        _ => ApiError::BadRequest(format!("the request body could not be read: {e}")),
    })
}

/// A path of the API: a method it does not answer gets 405 (with `Allow`), not 404.
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(|req: actix_web::HttpRequest| async move {
        let allow = match req.match_pattern().as_deref() {
            Some(p) if p.ends_with("/claim") || p.ends_with("/ack") || p.ends_with("/events") || p.ends_with("/quote") || p.ends_with("/orders") => "POST",
            _ => "GET, HEAD",
        };
        ApiError::MethodNotAllowed(allow)
    }))
}

pub fn routes(r: &mut Routes) {
    r.app_data(web::JsonConfig::default().limit(BODY_LIMIT).error_handler(|e, _| {
        match e {
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => ApiError::PayloadTooLarge(BODY_LIMIT),
            JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
            // The parser's own words, without its "Json deserialize error: " in front.
            JsonPayloadError::Deserialize(e) => ApiError::BadRequest(format!("the request body is not valid JSON for this endpoint: {e}")),
            e => ApiError::BadRequest(format!("the request body is not valid JSON for this endpoint: {e}")),
        }
        .into()
    }))
    .app_data(web::PayloadConfig::new(BODY_LIMIT))
    .app_data(web::QueryConfig::default().error_handler(|e, _| {
        let why = match e {
            actix_web::error::QueryPayloadError::Deserialize(e) => e.to_string(),
            e => e.to_string(),
        };
        ApiError::BadRequest(format!("the query string cannot be read: {why}")).into()
    }))
    .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into()))
    .resource(Method::GET, "/openapi.json", resource, openapi)
    .resource(Method::GET, "/problems", resource, problem_types::list_problem_types)
    .resource(Method::GET, "/problems/{type}", resource, problem_types::show_problem_type)
    .resource(Method::GET, "/work-orders", resource, work_orders::list_work_orders)
    .resource(Method::POST, "/work-orders/claim", resource, work_orders::claim_work_orders)
    // Before `{id}`, which would take "changes" for an id and answer 404.
    .resource(Method::GET, "/work-orders/changes", resource, work_orders::list_changes)
    .resource(Method::GET, "/work-orders/{id}", resource, work_orders::show_work_order)
    .resource(Method::POST, "/work-orders/{id}/ack", resource, work_orders::ack_work_order)
    .resource(Method::POST, "/work-orders/{id}/events", resource, work_orders::post_event)
    .resource(Method::GET, "/catalog", resource, channels::read_catalog)
    .resource(Method::POST, "/quote", resource, channels::quote)
    .resource(Method::POST, "/orders", resource, channels::place_order)
    .resource(Method::GET, "/orders/{reference}", resource, channels::show_order)
    .default_service(|| async { ApiError::NotFound });
}
