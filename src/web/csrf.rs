//! CSRF protection for every state-changing form: a per-session token (synchronizer token
//! pattern), sent as a hidden `csrf_token` field and checked before the form is read.
//! Hand-written: the available actix CSRF crates are unmaintained or cookie-only.

use actix_web::dev::Payload;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::LocalBoxFuture;
use rand::RngCore;
use serde::de::DeserializeOwned;

use super::error::AppError;
use super::session::Session;

const CSRF_KEY: &str = "csrf";

/// The session's token, created on first use.
pub fn token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(CSRF_KEY) {
        return t;
    }
    rotate(session)
}

/// A fresh token, e.g. at sign-in, so a token seen before sign-in is worthless after it.
pub fn rotate(session: &Session) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let t = URL_SAFE_NO_PAD.encode(bytes);
    // A failed insert only means the next form will be refused; nothing to recover here.
    let _ = session.insert(CSRF_KEY, &t);
    t
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `csrf_token` field of a form, found without decoding the fields after it (our forms
/// send it first; a configurator's live update sends two dozen more, and decoding them all
/// twice was a sixteenth of its work).
fn sent_token(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body).find(|(k, _)| k == "csrf_token").map(|(_, v)| v.into_owned())
}

/// A URL-encoded form whose CSRF token has been checked. Use it for every POST form.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body = body.await?;
            let sent = sent_token(&body).unwrap_or_default();
            let expected = Session::of(&req).get::<String>(CSRF_KEY).ok().flatten();
            let valid = expected.is_some_and(|e| !sent.is_empty() && constant_time_eq(e.as_bytes(), sent.as_bytes()));
            if !valid {
                tracing::warn!(http.path = req.path(), "form refused: missing or wrong CSRF token");
                return Err(AppError::CsrfRejected.into());
            }
            serde_urlencoded::from_bytes::<T>(&body)
                .map(CsrfForm)
                .map_err(|e| AppError::BadRequest(e.to_string()).into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::sent_token;

    #[test]
    fn the_token_is_read_as_the_form_decoder_reads_it() {
        let cases: [(&[u8], Option<&str>); 7] = [
            (b"csrf_token=abc-_09&o_brakes=disc", Some("abc-_09")),
            (b"o_brakes=disc&o_extras=a&csrf_token=late", Some("late")),
            (b"csrf_token=a%2Bb+c", Some("a+b c")),
            (b"csrf%5Ftoken=encoded-name", Some("encoded-name")),
            (b"csrf_token=&x=1", Some("")),
            (b"not_the_token=abc", None),
            (b"", None),
        ];
        for (body, expected) in cases {
            assert_eq!(sent_token(body).as_deref(), expected, "{}", String::from_utf8_lossy(body));
        }
    }
}
