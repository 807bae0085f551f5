//! The factory API (`/api/v1`). Every error here is `application/problem+json`.

use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.default_service(web::to(|| async { HttpResponse::NotFound().finish() }));
}
