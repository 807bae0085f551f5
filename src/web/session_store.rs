//! actix-session's store over our own `sessions` table: sessions survive a restart, are shared
//! by every app instance, and end on the server at sign-out (OWASP ASVS 7.4.1).

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::store::sessions::{self, SessionRow};
use crate::store::{Db, StoreError, now};

/// The session state key under which the signed-in staff member's id is kept.
pub const STAFF_ID: &str = "staff_id";

/// The session state key under which the signed-in customer's account id is kept; a shop
/// session and a staff session are separate identities, never one standing in for the other.
pub const CUSTOMER_ACCOUNT_ID: &str = "customer_account_id";

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

type State = HashMap<String, String>;

fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn new_key() -> Result<SessionKey, anyhow::Error> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    SessionKey::try_from(URL_SAFE_NO_PAD.encode(bytes)).map_err(|e| anyhow::anyhow!("{e}"))
}

fn expiry(ttl: &Duration) -> chrono::NaiveDateTime {
    now() + chrono::Duration::seconds(ttl.whole_seconds())
}

/// The staff id is copied into its own column so that all sessions of an account can be
/// ended at once (disabled account, changed password).
fn staff_id_of(state: &State) -> Option<i64> {
    state.get(STAFF_ID).and_then(|v| v.parse().ok())
}

fn customer_account_of(state: &State) -> Option<i64> {
    state.get(CUSTOMER_ACCOUNT_ID).and_then(|v| v.parse().ok())
}

impl SessionStore for DbSessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<State>, LoadError> {
        let hash = key_hash(session_key.as_ref());
        let at = now();
        let state = self
            .db
            .read(move |conn| Ok::<_, StoreError>(sessions::load_live(conn, &hash, at)?))
            .await
            .map_err(|e| LoadError::Other(e.into()))?;
        state
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| LoadError::Deserialization(e.into()))
    }

    async fn save(&self, state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let body = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let key = new_key().map_err(SaveError::Other)?;
        let hash = key_hash(key.as_ref());
        let expires_at = expiry(ttl);
        let staff_id = staff_id_of(&state);
        let customer_account_id = customer_account_of(&state);
        self.db
            .write(move |conn| {
                sessions::insert(conn, &SessionRow { key_hash: &hash, state: &body, staff_id, expires_at, customer_account_id })
                    .map_err(StoreError::from)
            })
            .await
            .map_err(|e| SaveError::Other(e.into()))?;
        Ok(key)
    }

    async fn update(
        &self,
        session_key: SessionKey,
        state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let body = serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let hash = key_hash(session_key.as_ref());
        let expires_at = expiry(ttl);
        let staff_id = staff_id_of(&state);
        let customer_account_id = customer_account_of(&state);
        let updated = self
            .db
            .write(move |conn| {
                sessions::update(conn, &SessionRow { key_hash: &hash, state: &body, staff_id, expires_at, customer_account_id })
                    .map_err(StoreError::from)
            })
            .await
            .map_err(|e| UpdateError::Other(e.into()))?;
        if updated == 0 {
            // Ended meanwhile (signed out elsewhere): start a new one rather than revive it.
            return self.save(state, ttl).await.map_err(|e| UpdateError::Other(e.into()));
        }
        Ok(session_key)
    }

    async fn update_ttl(&self, session_key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        let hash = key_hash(session_key.as_ref());
        let expires_at = expiry(ttl);
        self.db
            .write(move |conn| sessions::touch(conn, &hash, expires_at).map_err(StoreError::from))
            .await?;
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let hash = key_hash(session_key.as_ref());
        self.db
            .write(move |conn| sessions::delete(conn, &hash).map_err(StoreError::from))
            .await?;
        Ok(())
    }
}
