//! Sessions: the cookie names a session kept on the server ([`DbSessionStore`]); handlers read
//! and change it through [`Session`]; what they changed is stored as the answer leaves.
//!
//! Our own middleware, in place of actix-session's (chosen against the library, on
//! measurement): actix-session spent 17,000 instructions on every request that carried a
//! session, 29 % of the shop's product list. It parsed and percent-decoded every cookie,
//! decrypted the session key (AES-GCM) and copied the state into a new map each time. Here
//! the cookie holds the key itself: 256 random bits (OWASP ASVS 5.0 7.2.3 asks for 128) that
//! the server keeps only as a hash. Encrypting or signing such a key stops no guesser that its
//! size does not already stop, as server-side session ids in other frameworks are sent. The
//! state is shared with the store's memory until a handler changes it. Kept from
//! actix-session: its `Session` methods, when a session is saved, renewed or ended, and the
//! cookie's attributes.

use std::cell::RefCell;
use std::future::{Ready, ready};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Extensions, Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{COOKIE, HeaderMap, HeaderValue, SET_COOKIE};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::AppError;
use crate::store::StoreError;
use super::session_store::{DbSessionStore, State, is_key};

/// What a handler did to its session, which decides what is stored as the answer leaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Status {
    #[default]
    Unchanged,
    Changed,
    /// A new key for the same state (at sign-in: ASVS 7.2.4); the old key ends.
    Renewed,
    /// Ended on the server, and the cookie removed.
    Purged,
}

#[derive(Default)]
struct Inner {
    /// Shared with the store's memory; copied on the first change.
    state: Arc<State>,
    status: Status,
}

/// The request's session. Values are kept as JSON, as actix-session kept them, so sessions
/// stored before this module read the same.
#[derive(Clone)]
pub struct Session(Rc<RefCell<Inner>>);

impl Session {
    /// The session of a request; an empty one where no middleware put one (a handler tested
    /// on its own).
    pub fn of(req: &HttpRequest) -> Session {
        Self::in_extensions(&mut req.extensions_mut())
    }

    fn in_extensions(extensions: &mut Extensions) -> Session {
        if let Some(inner) = extensions.get::<Rc<RefCell<Inner>>>() {
            return Session(Rc::clone(inner));
        }
        let inner = Rc::new(RefCell::new(Inner::default()));
        extensions.insert(Rc::clone(&inner));
        Session(inner)
    }

    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, serde_json::Error> {
        self.0.borrow().state.get(key).map(|v| serde_json::from_str(v)).transpose()
    }

    /// Does nothing once the session is purged, as actix-session's.
    pub fn insert<T: Serialize>(&self, key: &str, value: T) -> Result<(), serde_json::Error> {
        let value = serde_json::to_string(&value)?;
        self.change(|state| {
            state.insert(key.to_owned(), value);
        });
        Ok(())
    }

    pub fn remove(&self, key: &str) -> Option<String> {
        let mut removed = None;
        self.change(|state| removed = state.remove(key));
        removed
    }

    /// A new key for this session when the answer leaves; the old one ends.
    pub fn renew(&self) {
        let mut inner = self.0.borrow_mut();
        if inner.status != Status::Purged {
            inner.status = Status::Renewed;
        }
    }

    /// Ends the session on the server and removes its cookie.
    pub fn purge(&self) {
        let mut inner = self.0.borrow_mut();
        inner.status = Status::Purged;
        inner.state = Arc::default();
    }

    fn change(&self, f: impl FnOnce(&mut State)) {
        let mut inner = self.0.borrow_mut();
        if inner.status == Status::Purged {
            return;
        }
        if inner.status != Status::Renewed {
            inner.status = Status::Changed;
        }
        f(Arc::make_mut(&mut inner.state));
    }
}

impl FromRequest for Session {
    type Error = actix_web::Error;
    type Future = Ready<Result<Session, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Session::of(req)))
    }
}

/// The session cookie's name (`__Host-` over https) and whether it is sent over https only.
/// HttpOnly, SameSite=Lax and Path=/ always; no Domain and no Max-Age (it ends with the
/// browser; the server ends it sooner, see [`crate::config::SessionSettings`]).
#[derive(Debug, Clone)]
pub struct CookieSettings {
    pub name: String,
    pub secure: bool,
}

impl CookieSettings {
    fn cookie(&self, value: String) -> Cookie<'static> {
        let mut cookie = Cookie::new(self.name.clone(), value);
        cookie.set_secure(self.secure);
        cookie.set_http_only(true);
        cookie.set_same_site(SameSite::Lax);
        cookie.set_path("/");
        cookie
    }

    fn removal(&self) -> Cookie<'static> {
        let mut cookie = self.cookie(String::new());
        cookie.make_removal();
        cookie
    }
}

/// The value of the cookie `name` as sent, read straight from the headers: actix-web's
/// `HttpRequest::cookie` parses and percent-decodes every cookie first, 8 % of a small
/// page. Our cookies' values (a session key, a language code) need no decoding. Read as bytes:
/// another cookie's value in UTF-8 (set by another site of the domain) must not hide ours.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let value = headers
        .get_all(COOKIE)
        .flat_map(|h| h.as_bytes().split(|b| *b == b';'))
        .filter_map(|pair| {
            let at = pair.iter().position(|b| *b == b'=')?;
            Some((pair[..at].trim_ascii(), pair[at + 1..].trim_ascii()))
        })
        .find(|(n, _)| *n == name.as_bytes())?
        .1;
    // One pair of quotes around a value is allowed (RFC 6265, cookie-value).
    let value = match value {
        [b'"', inner @ .., b'"'] => inner,
        _ => value,
    };
    std::str::from_utf8(value).ok()
}

/// The session key a request's cookies name, if one is well-formed (see [`is_key`]).
fn key_in(headers: &HeaderMap, name: &str) -> Option<String> {
    cookie_value(headers, name).filter(|v| is_key(v)).map(str::to_owned)
}

/// The middleware: loads the request's session, and stores what the handler changed.
#[derive(Clone)]
pub struct Sessions {
    store: DbSessionStore,
    cookie: Rc<CookieSettings>,
}

impl Sessions {
    pub fn new(store: DbSessionStore, cookie: CookieSettings) -> Self {
        Self { store, cookie: Rc::new(cookie) }
    }
}

impl<S, B> Transform<S, ServiceRequest> for Sessions
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = SessionService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SessionService { service: Rc::new(service), sessions: self.clone() }))
    }
}

pub struct SessionService<S> {
    service: Rc<S>,
    sessions: Sessions,
}

impl<S, B> Service<ServiceRequest> for SessionService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<ServiceResponse<EitherBody<B>>, actix_web::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let key = key_in(req.headers(), &self.sessions.cookie.name);
        let service = Rc::clone(&self.service);
        let Sessions { store, cookie } = self.sessions.clone();
        Box::pin(async move {
            // A key the server does not know (ended, timed out, never issued) is no session:
            // a new one begins if the handler stores anything, else the browser is told to
            // forget the cookie rather than send it, and cost a lookup, on every request.
            let (key, state, stale) = match key {
                Some(key) => match store.load(&key).await {
                    Ok(Some(state)) => (Some(key), state, false),
                    Ok(None) => (None, Arc::default(), true),
                    // An answer, not an error: an error returned from here would reach the
                    // client bare, past the error pages and the security headers.
                    Err(e) => {
                        let page = super::error::page_of(req.request(), AppError::from(e));
                        return Ok(req.into_response(page).map_into_right_body());
                    }
                },
                None => (None, Arc::default(), false),
            };
            let session = Session::in_extensions(&mut req.extensions_mut());
            session.0.borrow_mut().state = state;
            let mut res = service.call(req).await?;
            let Inner { state, status } = std::mem::take(&mut *session.0.borrow_mut());
            let stored: Result<Option<Cookie<'static>>, StoreError> = async {
                Ok(match (key, status) {
                    (None, _) if state.is_empty() => stale.then(|| cookie.removal()),
                    (None, _) => Some(cookie.cookie(store.save(state).await?)),
                    (Some(_), Status::Unchanged) => None,
                    (Some(key), Status::Changed) => {
                        let stored_as = store.update(key.clone(), state).await?;
                        (stored_as != key).then(|| cookie.cookie(stored_as))
                    }
                    (Some(key), Status::Renewed) => {
                        store.delete(&key).await?;
                        Some(cookie.cookie(store.save(state).await?))
                    }
                    (Some(key), Status::Purged) => {
                        store.delete(&key).await?;
                        Some(cookie.removal())
                    }
                })
            }
            .await;
            let set = match stored {
                Ok(set) => set,
                // A page read while the database cannot take writes (a long write elsewhere,
                // a read-only or full disk) is still shown: only the visitor's new session is
                // not kept, which the next request tries again. A change is refused whole.
                Err(e) if e.is_unwritable() && res.request().method().is_safe() => {
                    tracing::warn!(error = %e, "the session could not be stored; the page is answered without it");
                    None
                }
                Err(e) => {
                    let req = res.request().clone();
                    let page = super::error::page_of(&req, AppError::from(e));
                    return Ok(ServiceResponse::new(req, page).map_into_right_body());
                }
            };
            if let Some(set) = set {
                let value = HeaderValue::from_str(&set.to_string()).map_err(|e| AppError::Unexpected(e.into()))?;
                res.response_mut().headers_mut().append(SET_COOKIE, value);
            }
            Ok(res.map_into_left_body())
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn headers(cookies: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for c in cookies {
            h.append(COOKIE, HeaderValue::from_str(c).unwrap());
        }
        h
    }

    const KEY: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01234";

    #[test]
    fn the_key_is_found_among_other_cookies_and_headers() {
        assert_eq!(KEY.len(), 43);
        let name = "atelier_session";
        assert_eq!(key_in(&headers(&[&format!("atelier_session={KEY}")]), name).as_deref(), Some(KEY));
        assert_eq!(key_in(&headers(&[&format!("lang=en; atelier_session={KEY}; other=1")]), name).as_deref(), Some(KEY));
        assert_eq!(key_in(&headers(&["lang=en", &format!("atelier_session=\"{KEY}\"")]), name).as_deref(), Some(KEY));
        assert_eq!(key_in(&headers(&[&format!("atelier_session=\"\"{KEY}")]), name), None);
        // A cookie whose name only ends like ours is not ours.
        assert_eq!(key_in(&headers(&[&format!("x_atelier_session={KEY}")]), name), None);
        // Another site of the domain may set cookies in UTF-8: they hide nothing of ours.
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_bytes(format!("pref=café; atelier_session={KEY}").as_bytes()).unwrap());
        assert_eq!(key_in(&h, name).as_deref(), Some(KEY));
        assert_eq!(cookie_value(&h, "pref"), Some("café"));
    }

    #[test]
    fn one_pair_of_quotes_is_taken_off_and_no_more() {
        let h = headers(&["a=\"en\"; b=\"\"x\"\"; c=\"; d=\"y"]);
        assert_eq!(cookie_value(&h, "a"), Some("en"));
        assert_eq!(cookie_value(&h, "b"), Some("\"x\""));
        assert_eq!(cookie_value(&h, "c"), Some("\""));
        assert_eq!(cookie_value(&h, "d"), Some("\"y"));
        assert_eq!(cookie_value(&h, "e"), None);
    }

    #[test]
    fn anything_but_a_key_the_server_could_have_made_is_no_session() {
        let name = "atelier_session";
        for value in ["", "short", &KEY[1..], &format!("{KEY}x"), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ+/01234", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ%2F0123"] {
            assert_eq!(key_in(&headers(&[&format!("atelier_session={value}")]), name), None, "{value}");
        }
        assert_eq!(key_in(&headers(&[]), name), None);
    }

    #[test]
    fn changes_follow_actix_sessions_rules() {
        let s = Session(Rc::new(RefCell::new(Inner::default())));
        assert_eq!(s.0.borrow().status, Status::Unchanged);
        s.insert("n", 5).unwrap();
        assert_eq!(s.get::<i64>("n").unwrap(), Some(5));
        assert_eq!(s.0.borrow().status, Status::Changed);
        s.renew();
        s.insert("m", "x").unwrap();
        assert_eq!(s.0.borrow().status, Status::Renewed, "a change after renew keeps the renewal");
        assert_eq!(s.remove("m").as_deref(), Some("\"x\""));
        s.purge();
        s.insert("n", 6).unwrap();
        s.renew();
        assert_eq!(s.0.borrow().status, Status::Purged, "nothing revives a purged session");
        assert_eq!(s.get::<i64>("n").unwrap(), None);
    }

    #[test]
    fn a_change_copies_the_shared_state_and_leaves_the_kept_one_alone() {
        let kept: Arc<State> = Arc::new(HashMap::from([("a".to_owned(), "1".to_owned())]));
        let s = Session(Rc::new(RefCell::new(Inner { state: Arc::clone(&kept), status: Status::Unchanged })));
        s.insert("a", 2).unwrap();
        assert_eq!(kept.get("a").map(String::as_str), Some("1"));
        assert_eq!(s.get::<i64>("a").unwrap(), Some(2));
    }

    #[test]
    fn the_cookie_keeps_its_attributes() {
        let c = CookieSettings { name: "__Host-atelier_session".into(), secure: true };
        let set = c.cookie(KEY.to_owned()).to_string();
        for part in [&format!("__Host-atelier_session={KEY}") as &str, "HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(set.contains(part), "{set} lacks {part}");
        }
        assert!(!set.contains("Domain") && !set.contains("Max-Age"), "{set}");
        let removal = c.removal().to_string();
        assert!(removal.contains("Max-Age=0") && removal.starts_with("__Host-atelier_session=;"), "{removal}");
    }
}
