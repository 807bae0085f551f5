use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;

use crate::store::{Db, StoreError};

use super::error::problem_response;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok")
}

/// The database answers. A load balancer sends traffic only to instances that are ready.
pub async fn readyz(db: web::Data<Db>) -> HttpResponse {
    let probe = db
        .read(|conn| conn.batch_execute("SELECT 1").map_err(StoreError::from))
        .await;
    match probe {
        Ok(()) => HttpResponse::Ok()
            .content_type("application/json")
            .body(r#"{"status":"ready","database":"ok"}"#),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            problem_response(StatusCode::SERVICE_UNAVAILABLE, "the database is not reachable")
        }
    }
}
