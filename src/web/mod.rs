//! The web layer: staff pages, the factory API, and what every response shares.

pub mod api;
pub mod auth;
pub mod catalog_words;
pub mod configurator;
pub mod csrf;
pub mod error;
pub mod health;
pub mod lang;
pub mod notice;
pub mod order_view;
pub mod render;
pub mod route_table;
pub mod session;
pub mod session_store;
pub mod shop;
pub mod staff;

use actix_web::http::header::{self, HeaderName};
use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::{HttpResponse, web};

use route_table::{RouteInfo, Routes};

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
    register(cfg, static_dir, &mut Vec::new());
}

fn register(cfg: &mut web::ServiceConfig, static_dir: &str, seen: &mut Vec<RouteInfo>) {
    // actix tries resources in the order they are registered, and each miss costs a pattern
    // match: the busy scopes come first (the patterns do not overlap, so order does not change
    // what matches).
    Routes::new(cfg, "", seen)
        .scope("/staff", staff::routes)
        .scope("/shop", shop::routes)
        .scope("/api/v1", api::routes)
        .get("/", || async { error::see_other("/staff") })
        .get("/healthz", health::healthz)
        .get("/readyz", health::readyz)
        .post("/lang", lang::set_lang)
        .files("/static", static_dir)
        .default_service(|| async { HttpResponse::NotFound().finish() });
}

/// Every route of the app (method and path pattern), as registered.
pub fn route_list() -> Vec<RouteInfo> {
    let mut seen = Vec::new();
    let _ = actix_web::App::new().configure(|cfg| register(cfg, "static", &mut seen));
    seen
}

/// The page a request shows, for links back to it (the language switch): its address, or for
/// the answer to a form, the page the form was sent from (the form's address has no page of
/// its own: switching the language on a form sent back with mistakes went to a 404).
pub fn page_path(req: &actix_web::HttpRequest, area: &str) -> String {
    if req.method() == actix_web::http::Method::GET {
        return req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    }
    // Sent from the answer to the same form (a second try): that address has no page of its
    // own either, so home rather than a 404 or another page.
    referring_page(req, area).filter(|from| from.split('?').next() != Some(req.path())).unwrap_or_else(|| area.to_owned())
}

/// For a page answering a form (a POST answered with the form again, its mistakes marked):
/// the page the form was sent from, for the browser's history to hold instead. Back to that
/// entry then loads the page again rather than asking to resend the form (a checkout with a
/// missing street, mended and placed: Back from the order asked to resend it).
pub fn form_page(req: &actix_web::HttpRequest, area: &str) -> Option<String> {
    // The same address as the form's (a sign-in page sends to itself) is that page as well:
    // the entry then holds it loaded, not sent.
    (req.method() != actix_web::http::Method::GET).then(|| referring_page(req, area)).flatten()
}

/// The Referer's path and query when it is a page of ours in `area` (`/shop`, `/staff`).
pub fn referring_page(req: &actix_web::HttpRequest, area: &str) -> Option<String> {
    let host = req.connection_info().host().to_owned();
    let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
    let rest = referer.strip_prefix("http://").or_else(|| referer.strip_prefix("https://"))?;
    let (authority, path) = rest.split_at(rest.find('/')?);
    (authority == host && path.starts_with(area)).then(|| error::safe_next(path, area))
}
