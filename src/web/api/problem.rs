use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::store::StoreError;

/// API errors; each has a stable `type` a client can branch on.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("a valid bearer token is required")]
    Unauthorized,
    /// A token this route does not take, and why (another kind's, revoked).
    #[error("{0}")]
    Refused(&'static str),
    #[error("no such resource")]
    NotFound,
    #[error("no product `{0}` is on sale: GET /api/v1/catalog lists those that are")]
    UnknownProduct(String),
    #[error("this resource does not answer that method; it answers {0}")]
    MethodNotAllowed(&'static str),
    #[error("{0}")]
    BadRequest(String),
    #[error("the request body is larger than the {0} bytes this API takes")]
    PayloadTooLarge(usize),
    #[error("the request body must be JSON, sent with Content-Type: application/json")]
    UnsupportedMediaType,
    #[error("{0}")]
    IllegalTransition(String),
    /// The work order's lease stands in the way; the message says whose and what to send.
    #[error("{0}")]
    LeaseConflict(&'static str),
    /// The factory names a revision the work order has moved past.
    #[error("this work order is at revision {current}, not {sent}{}", if i64::from(*current) < *sent { " (no such revision was ever made): fetch it again (GET /api/v1/work-orders/{id}) and build that revision" } else if *only_ship_to { ": only where it goes changed since (ship_to), what to build did not: fetch it again (GET /api/v1/work-orders/{id}), ship it there, and name that revision" } else { ": fetch it again (GET /api/v1/work-orders/{id}) and build that revision" })]
    StaleRevision { current: i32, sent: i64, only_ship_to: bool },
    /// A well-formed cursor this API never gave this factory (see `work_orders::NOT_GIVEN`).
    #[error("{0}")]
    UnknownCursor(&'static str),
    #[error("this Idempotency-Key was used with a different request")]
    IdempotencyMismatch,
    #[error("the database is busy; try again")]
    Unavailable,
    #[error("the database cannot be written (read-only or failing storage); nothing was written")]
    ReadOnly,
    #[error("the database has no space left; nothing was written")]
    StorageFull,
    /// A well-formed request the domain refuses: a stable slug and the reason.
    #[error("{1}")]
    Unprocessable(&'static str, String),
    /// The configuration breaks the catalog's rules; `violations` says which and why.
    #[error("the configuration is not valid: see violations")]
    InvalidConfiguration(serde_json::Value),
    #[error("internal error")]
    Internal(anyhow::Error),
}

/// A request's body, query or path that did not parse, answered only once the request has
/// authenticated: a handler takes them as `Result<_, ApiError>` so that a caller without a
/// valid key learns nothing about the API but 401. The API's JSON, query and path settings
/// (`api::routes`) made the error from an `ApiError`, which is recovered here.
impl From<actix_web::Error> for ApiError {
    fn from(e: actix_web::Error) -> Self {
        match e.as_error::<ApiError>() {
            Some(ApiError::NotFound) => ApiError::NotFound,
            Some(ApiError::BadRequest(message)) => ApiError::BadRequest(message.clone()),
            Some(ApiError::PayloadTooLarge(limit)) => ApiError::PayloadTooLarge(*limit),
            Some(ApiError::UnsupportedMediaType) => ApiError::UnsupportedMediaType,
            _ => ApiError::BadRequest(e.to_string()),
        }
    }
}

impl ApiError {
    fn slug(&self) -> &'static str {
        match self {
            ApiError::Unauthorized | ApiError::Refused(_) => "unauthorized",
            ApiError::NotFound | ApiError::UnknownProduct(_) => "not-found",
            ApiError::MethodNotAllowed(_) => "method-not-allowed",
            ApiError::BadRequest(_) => "bad-request",
            ApiError::PayloadTooLarge(_) => "payload-too-large",
            ApiError::UnsupportedMediaType => "unsupported-media-type",
            ApiError::IllegalTransition(_) => "illegal-transition",
            ApiError::IdempotencyMismatch => "idempotency-key-reused",
            ApiError::LeaseConflict(_) => "lease-conflict",
            ApiError::StaleRevision { .. } => "stale-revision",
            ApiError::UnknownCursor(_) => "unknown-cursor",
            ApiError::Unavailable => "unavailable",
            ApiError::ReadOnly => "read-only",
            ApiError::StorageFull => "storage-full",
            ApiError::Unprocessable(slug, _) => slug,
            ApiError::InvalidConfiguration(_) => "invalid-configuration",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if e.is_busy() {
            return ApiError::Unavailable;
        }
        if e.is_read_only() {
            return ApiError::ReadOnly;
        }
        if e.is_full() {
            return ApiError::StorageFull;
        }
        ApiError::Internal(e.into())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        StoreError::from(e).into()
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized | ApiError::Refused(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotFound | ApiError::UnknownProduct(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::IllegalTransition(_) | ApiError::LeaseConflict(_) | ApiError::StaleRevision { .. } | ApiError::UnknownCursor(_) => StatusCode::CONFLICT,
            ApiError::IdempotencyMismatch | ApiError::Unprocessable(..) | ApiError::InvalidConfiguration(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable | ApiError::ReadOnly => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(e) = self {
            tracing::error!(error = ?e, "API request failed");
        }
        let status = self.status_code();
        let slug = self.slug();
        // RFC 9457: the title is the type's summary, the same for every occurrence of it.
        let title = super::problem_types::find(slug).map(|t| t.title).or(status.canonical_reason()).unwrap_or("Error");
        let mut body = json!({
            "type": format!("/api/v1/problems/{slug}"),
            "title": title,
            "status": status.as_u16(),
            "detail": self.to_string(),
        });
        if let ApiError::InvalidConfiguration(violations) = self {
            body["violations"] = violations.clone();
        }
        let mut res = HttpResponse::build(status);
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json")));
        if matches!(self, ApiError::Unauthorized | ApiError::Refused(_)) {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        if let ApiError::MethodNotAllowed(allow) = self {
            res.insert_header((header::ALLOW, HeaderValue::from_static(allow)));
        }
        if matches!(self, ApiError::Unavailable) {
            res.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
        }
        // Space or write access comes back when an operator acts: ask for a later retry.
        if matches!(self, ApiError::ReadOnly | ApiError::StorageFull) {
            tracing::error!(error = %self, "a write was refused by the database");
            res.insert_header((header::RETRY_AFTER, HeaderValue::from_static("30")));
        }
        res.body(body.to_string())
    }
}

impl actix_web::Responder for ApiError {
    type Body = actix_web::body::BoxBody;
    fn respond_to(self, _: &actix_web::HttpRequest) -> HttpResponse {
        self.error_response()
    }
}
