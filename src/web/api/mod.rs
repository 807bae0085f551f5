//! The JSON API (`/api/v1`): factories pull their work orders; sales channels read the
//! catalog, get quotes and place orders. Bearer-token authentication (each factory sees only
//! its own work orders, each channel only its own orders); every error is RFC 9457
//! `application/problem+json` with a stable `type`.

pub mod auth;
mod channels;
mod json;
mod problem;
mod work_orders;

use actix_web::http::Method;
use actix_web::{HttpResponse, web};

use super::route_table::Routes;

pub use auth::token_hash;
pub use problem::ApiError;

const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(OPENAPI)
}

/// A path of the API: a method it does not answer gets 405 (with `Allow`), not 404.
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(|req: actix_web::HttpRequest| async move {
        let allow = match req.match_pattern().as_deref() {
            Some(p) if p.ends_with("/claim") || p.ends_with("/ack") || p.ends_with("/events") || p.ends_with("/quote") || p.ends_with("/orders") => "POST",
            _ => "GET",
        };
        ApiError::MethodNotAllowed(allow)
    }))
}

pub fn routes(r: &mut Routes) {
    r.app_data(web::JsonConfig::default().limit(64 * 1024).error_handler(|e, _| {
        ApiError::BadRequest(format!("the request body is not valid JSON for this endpoint: {e}")).into()
    }))
    .app_data(web::QueryConfig::default().error_handler(|e, _| ApiError::BadRequest(e.to_string()).into()))
    .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into()))
    .resource(Method::GET, "/openapi.json", resource, openapi)
    .resource(Method::GET, "/work-orders", resource, work_orders::list_work_orders)
    .resource(Method::POST, "/work-orders/claim", resource, work_orders::claim_work_orders)
    .resource(Method::GET, "/work-orders/{id}", resource, work_orders::show_work_order)
    .resource(Method::POST, "/work-orders/{id}/ack", resource, work_orders::ack_work_order)
    .resource(Method::POST, "/work-orders/{id}/events", resource, work_orders::post_event)
    .resource(Method::GET, "/catalog", resource, channels::read_catalog)
    .resource(Method::POST, "/quote", resource, channels::quote)
    .resource(Method::POST, "/orders", resource, channels::place_order)
    .resource(Method::GET, "/orders/{reference}", resource, channels::show_order)
    .default_service(|| async { ApiError::NotFound });
}
