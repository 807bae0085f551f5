//! The web layer: staff pages, the factory API, and what every response shares.

pub mod api;
pub mod auth;
pub mod configurator;
pub mod csrf;
pub mod error;
pub mod health;
pub mod lang;
pub mod render;
pub mod session_store;
pub mod shop;
pub mod staff;

use actix_web::http::header::{self, HeaderName};
use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::{HttpResponse, web};

/// Security headers on every response. The CSP allows no inline script or style: pages load
/// only our own files from `/static`.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()"))
        .add((header::CACHE_CONTROL, "no-store"))
}

pub fn error_pages<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(error::render_error)
}

pub fn routes(cfg: &mut web::ServiceConfig, static_dir: &str) {
    cfg.route("/", web::get().to(|| async { error::see_other("/staff") }))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/lang", web::post().to(lang::set_lang))
        .service(
            actix_files::Files::new("/static", static_dir)
                .prefer_utf8(true),
        )
        .service(web::scope("/staff").configure(staff::routes))
        .service(web::scope("/shop").configure(shop::routes))
        .service(web::scope("/api/v1").configure(api::routes))
        .default_service(web::to(|| async { HttpResponse::NotFound().finish() }));
}

