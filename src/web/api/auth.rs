use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use sha2::{Digest, Sha256};

use crate::store::factories;
use crate::memo::Memo;
use crate::store::{Db, StoreError};

use super::problem::ApiError;

/// Tokens are stored as SHA-256: they are long random strings, so a slow hash adds nothing.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The bearer token of a request, if it has one.
pub fn bearer(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        // The scheme's name is case-insensitive (RFC 9110, 11.1): some clients send `bearer`.
        .and_then(|v| v.split_once(' ').filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer")).map(|(_, t)| t))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// The `Idempotency-Key` header, required: 1 to `max` characters.
pub fn idempotency_key(req: &HttpRequest, max: usize) -> Result<String, super::problem::ApiError> {
    use super::problem::ApiError;
    let sent = req.headers().get("idempotency-key").map(|v| v.to_str().map(str::trim));
    match sent {
        None | Some(Ok("")) => Err(ApiError::BadRequest(format!("an Idempotency-Key header (1 to {max} characters) is required"))),
        Some(Err(_)) => Err(ApiError::BadRequest("the Idempotency-Key header must be visible ASCII characters".into())),
        // Said as it is: "is required" read as if the header were missing.
        Some(Ok(k)) if k.len() > max => Err(ApiError::BadRequest(format!("the Idempotency-Key header is {} characters long; at most {max}", k.len()))),
        Some(Ok(k)) => Ok(k.to_owned()),
    }
}

/// The factory whose bearer token came with the request (token not revoked; a factory taking
/// no new work orders still reads and reports on the ones it has).
pub struct AuthedFactory {
    pub id: i64,
}

/// Which factory a token hash belongs to, kept in memory (see [`Memo`]): revoking a token or
/// disabling a factory moves the identity counter, so the next request asks again.
pub type FactoryTokenMemo = Memo<String, i64>;

impl FromRequest for AuthedFactory {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let db = req.app_data::<web::Data<Db>>().cloned();
        let memo = req.app_data::<web::Data<FactoryTokenMemo>>().cloned();
        Box::pin(async move {
            let (Some(token), Some(db)) = (token, db) else {
                return Err(ApiError::Unauthorized);
            };
            let hash = token_hash(&token);
            let load = || async {
                let h = hash.clone();
                let factory = db.read(move |conn| Ok::<_, StoreError>(factories::by_token(conn, &h)?)).await?;
                Ok::<_, ApiError>(factory.map(|f| f.id))
            };
            let id = match &memo {
                Some(memo) => memo.get_or_load(hash.clone(), load).await?,
                None => load().await?,
            };
            match id {
                Some(id) => Ok(AuthedFactory { id }),
                None => Err(why_refused(&db, hash, Route::Factory).await),
            }
        })
    }
}

/// Whose routes a token was sent to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Factory,
    Channel,
}

/// Why a token a route does not take is refused, said when the token is known (another
/// kind's, revoked); a token nobody issued learns nothing more.
pub async fn why_refused(db: &Db, hash: String, route: Route) -> ApiError {
    let found = db
        .read(move |conn| Ok::<_, StoreError>((factories::token_state(conn, &hash)?, crate::store::channels::key_revoked(conn, &hash)?)))
        .await;
    // A database that cannot answer is said to be (busy, read-only), not the token's fault.
    let (factory, channel) = match found {
        Ok(found) => found,
        Err(e) => return e.into(),
    };
    match (route, factory, channel) {
        (_, Some((true, _)), _) | (_, _, Some(true)) => ApiError::Refused("this token was revoked: ask the shop's administrator for a new one"),
        (Route::Factory, _, Some(false)) => ApiError::Refused("this is a sales channel's API key: work orders are read with a factory's API token"),
        (Route::Channel, Some(_), _) => ApiError::Refused("this is a factory's API token: catalogs, quotes and orders take a sales channel's API key"),
        _ => ApiError::Unauthorized,
    }
}
