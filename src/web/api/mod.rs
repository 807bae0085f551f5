//! The JSON API (`/api/v1`): factories pull their work orders; sales channels read the
//! catalog, get quotes and place orders. Bearer-token authentication (each factory sees only
//! its own work orders, each channel only its own orders); every error is RFC 9457
//! `application/problem+json` with a stable `type`.

mod auth;
mod channels;
mod problem;
mod work_orders;

use actix_web::{HttpResponse, web};

pub use auth::token_hash;
pub use problem::ApiError;

const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(OPENAPI)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::JsonConfig::default().limit(64 * 1024).error_handler(|e, _| {
        ApiError::BadRequest(format!("the request body is not valid JSON for this endpoint: {e}")).into()
    }))
    .app_data(web::QueryConfig::default().error_handler(|e, _| ApiError::BadRequest(e.to_string()).into()))
    .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into()))
    .route("/openapi.json", web::get().to(openapi))
    .route("/work-orders", web::get().to(work_orders::list_work_orders))
    .route("/work-orders/claim", web::post().to(work_orders::claim_work_orders))
    .route("/work-orders/{id}", web::get().to(work_orders::show_work_order))
    .route("/work-orders/{id}/ack", web::post().to(work_orders::ack_work_order))
    .route("/work-orders/{id}/events", web::post().to(work_orders::post_event))
    .route("/catalog", web::get().to(channels::read_catalog))
    .route("/quote", web::post().to(channels::quote))
    .route("/orders", web::post().to(channels::place_order))
    .route("/orders/{reference}", web::get().to(channels::show_order))
    .default_service(web::to(|| async { ApiError::NotFound }));
}
