//! A notice said once, on the page a form sends the browser to ("The measurements are
//! saved."): a cookie naming what was done to which record, set with the redirect and taken
//! back by that page. In the page's address it came back on every reload and bookmark, and
//! for any record whose address was typed with it.

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::{HttpRequest, HttpResponse};

use super::error::{AppError, see_other};

const NOTICE_COOKIE: &str = "atelier_notice";

/// A redirect to `to` that says `what` once there.
pub fn redirect(to: &str, what: &str, secure: bool) -> Result<HttpResponse, AppError> {
    let mut res = see_other(to);
    res.add_cookie(&set(what, secure)).map_err(|e| AppError::Unexpected(e.into()))?;
    Ok(res)
}

/// A page that has shown its notice, taking it back.
pub fn taken(mut res: HttpResponse, secure: bool) -> Result<HttpResponse, AppError> {
    res.add_cookie(&cleared(secure)).map_err(|e| AppError::Unexpected(e.into()))?;
    Ok(res)
}

/// `what` is a short code and a record (`measured-12`): nothing personal, nothing secret.
/// A minute is long enough for the redirect to be followed.
fn set(what: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(NOTICE_COOKIE, what.to_owned()).path("/").max_age(Duration::seconds(60)).same_site(SameSite::Lax).http_only(true).secure(secure).finish()
}

/// Whether the request carries the notice `what`.
pub fn is(req: &HttpRequest, what: &str) -> bool {
    of(req) == Some(what)
}

/// The notice the request carries, if any.
pub fn of(req: &HttpRequest) -> Option<&str> {
    super::session::cookie_value(req.headers(), NOTICE_COOKIE)
}

/// Whether the request may carry a notice starting with `prefix`: a search of the cookie
/// header's bytes, far cheaper than reading its cookies, for a page many see often and few
/// with a notice.
pub fn may_carry(req: &HttpRequest, prefix: &str) -> bool {
    req.headers().get_all(actix_web::http::header::COOKIE).any(|h| memchr::memmem::find(h.as_bytes(), prefix.as_bytes()).is_some())
}

/// Takes the notice back once it is shown.
fn cleared(secure: bool) -> Cookie<'static> {
    let mut gone = set("", secure);
    gone.make_removal();
    gone
}
