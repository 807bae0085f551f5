//! A notice said once, on the page a form sends the browser to ("The measurements are
//! saved."): a cookie naming what was done to which record, set with the redirect and taken
//! back by that page. In the page's address it came back on every reload and bookmark, and
//! for any record whose address was typed with it.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration};

const NOTICE_COOKIE: &str = "atelier_notice";

/// `what` is a short code and a record (`measured-12`): nothing personal, nothing secret.
/// A minute is long enough for the redirect to be followed.
pub fn set(what: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(NOTICE_COOKIE, what.to_owned()).path("/").max_age(Duration::seconds(60)).same_site(SameSite::Lax).http_only(true).secure(secure).finish()
}

/// Whether the request carries the notice `what`.
pub fn is(req: &HttpRequest, what: &str) -> bool {
    super::session::cookie_value(req.headers(), NOTICE_COOKIE) == Some(what)
}

/// Takes the notice back once it is shown.
pub fn cleared(secure: bool) -> Cookie<'static> {
    let mut gone = set("", secure);
    gone.make_removal();
    gone
}
