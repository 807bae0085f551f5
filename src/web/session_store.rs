//! Sessions kept in our own `sessions` table, read and written by [`super::session`]'s
//! middleware: they survive a restart, are shared by every app instance, end on the server at
//! sign-out (OWASP ASVS 7.4.1), and time out on the server after the idle and the absolute
//! time of [`SessionSettings`] (ASVS 7.3.1, 7.3.2).

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::SessionSettings;
use crate::store::sessions::{self, SessionRow};
use crate::store::{Db, StoreError, now};

use crate::memo::Memo;

/// The session state key under which the signed-in staff member's id is kept.
pub const STAFF_ID: &str = "staff_id";

/// The session state key under which the signed-in customer's account id is kept; a shop
/// session and a staff session are separate identities, never one standing in for the other.
pub const CUSTOMER_ACCOUNT_ID: &str = "customer_account_id";

/// A session as kept in memory between requests (see [`Memo`]), by its key: the database
/// keeps only the key's hash, but hashing it on every request was a twentieth of a page's
/// work, and the key is in this process's memory with every request anyway.
#[derive(Debug, Clone)]
pub struct KeptSession {
    state: Arc<State>,
    expires_at: chrono::NaiveDateTime,
    created_at: chrono::NaiveDateTime,
}

pub type SessionMemo = Memo<String, KeptSession>;

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
    timeouts: SessionSettings,
    /// Shared by every worker of the server.
    memo: Arc<SessionMemo>,
}

/// A session's values by name, each as JSON.
pub type State = HashMap<String, String>;

fn key_hash(key: &str) -> String {
    let mut text = [0u8; 64];
    // 32 bytes always fit 64 hex digits; `hex::encode` pushed them one char at a time.
    let _ = hex::encode_to_slice(Sha256::digest(key.as_bytes()), &mut text);
    String::from_utf8_lossy(&text).into_owned()
}

/// A state is strings by strings: it always turns into JSON; diesel's error type carries it
/// should that ever change.
fn unwritable(e: serde_json::Error) -> StoreError {
    StoreError::Query(diesel::result::Error::SerializationError(Box::new(e)))
}

/// 256 random bits, in the cookie as 43 characters of URL-safe base64 ([`is_key`]).
fn new_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether a cookie's value could be a key [`new_key`] made: anything else is no session,
/// without a look in memory or in the database.
pub fn is_key(value: &str) -> bool {
    value.len() == 43 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A session ended on the server (signed out elsewhere, account disabled) is not revived
/// with its identity by a request that was under way.
fn without_identity(mut state: State) -> State {
    state.remove(STAFF_ID);
    state.remove(CUSTOMER_ACCOUNT_ID);
    state
}

/// The staff id is copied into its own column so that all sessions of an account can be
/// ended at once (disabled account, changed password).
fn staff_id_of(state: &State) -> Option<i64> {
    state.get(STAFF_ID).and_then(|v| v.parse().ok())
}

fn customer_account_of(state: &State) -> Option<i64> {
    state.get(CUSTOMER_ACCOUNT_ID).and_then(|v| v.parse().ok())
}

impl DbSessionStore {
    pub fn new(db: Db, timeouts: SessionSettings, memo: Arc<SessionMemo>) -> Self {
        Self { db, timeouts, memo }
    }

    fn idle(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.timeouts.idle).unwrap_or(chrono::Duration::minutes(30))
    }

    /// Sessions begun before this have reached the absolute timeout.
    fn created_after(&self, at: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
        at - chrono::Duration::from_std(self.timeouts.absolute).unwrap_or(chrono::Duration::hours(12))
    }

    /// Using a session pushes its idle expiry back. Written at most every tenth of the idle
    /// time (and at least every minute), not on every request: the idle timeout is then up to
    /// that much early, which errs on the safe side.
    fn touch_every(&self) -> chrono::Duration {
        (self.idle() / 10).min(chrono::Duration::minutes(1))
    }

    /// The state of a live session, shared with the memory's copy (a handler that changes it
    /// gets its own, see [`super::session::Session`]); `None` for a key the server does not
    /// know or whose session has ended.
    pub async fn load(&self, key: &str) -> Result<Option<Arc<State>>, StoreError> {
        let at = now();
        let created_after = self.created_after(at);
        // A kept session is checked against both timeouts here, as the query does.
        let kept = self.memo.get(key).filter(|k| k.expires_at > at && k.created_at > created_after);
        let kept = match kept {
            Some(k) => k,
            None => {
                let stamp = self.memo.stamp();
                let h = key_hash(key);
                let row = self.db.read(move |conn| Ok::<_, StoreError>(sessions::load_live(conn, &h, at, created_after)?)).await?;
                let Some(row) = row else { return Ok(None) };
                // A state that cannot be read is a session to start afresh, as a missing one.
                let Ok(state) = serde_json::from_str::<State>(&row.state) else {
                    tracing::warn!("a session's stored state could not be read; starting a new one");
                    return Ok(None);
                };
                let k = KeptSession { state: Arc::new(state), expires_at: row.expires_at, created_at: row.created_at };
                self.memo.keep(key.to_owned(), k.clone(), stamp);
                k
            }
        };
        let fresh = at + self.idle();
        if fresh - kept.expires_at >= self.touch_every() {
            let h = key_hash(key);
            match self.db.write(move |conn| sessions::touch(conn, &h, fresh).map_err(StoreError::from)).await {
                Ok(_) => self.memo.update(key, |k| k.expires_at = fresh),
                // Pushing the idle expiry back is not worth refusing a request for while the
                // database takes no writes: the next request tries again, and the session
                // ends no later than it would have.
                Err(e) if e.is_unwritable() => tracing::warn!(error = %e, "a session's idle expiry was not pushed back"),
                Err(e) => return Err(e),
            }
        }
        Ok(Some(kept.state))
    }

    /// A new session id (a new session, or a renewed one at sign-in): its absolute time
    /// starts now.
    pub async fn save(&self, state: Arc<State>) -> Result<String, StoreError> {
        let body = serde_json::to_string(&*state).map_err(unwritable)?;
        let key = new_key();
        let hash = key_hash(&key);
        let at = now();
        let expires_at = at + self.idle();
        let staff_id = staff_id_of(&state);
        let customer_account_id = customer_account_of(&state);
        let stamp = self.memo.stamp();
        self.db
            .write(move |conn| {
                sessions::insert(conn, &SessionRow { key_hash: &hash, state: &body, staff_id, expires_at, customer_account_id }, at)
                    .map_err(StoreError::from)
            })
            .await?;
        self.memo.keep(key.clone(), KeptSession { state, expires_at, created_at: at }, stamp);
        Ok(key)
    }

    /// Stores a session's changed state under its key; the key it is stored under from now on,
    /// a new one if the session ended meanwhile.
    pub async fn update(&self, key: String, state: Arc<State>) -> Result<String, StoreError> {
        let body = serde_json::to_string(&*state).map_err(unwritable)?;
        let hash = key_hash(&key);
        let expires_at = now() + self.idle();
        let staff_id = staff_id_of(&state);
        let customer_account_id = customer_account_of(&state);
        let updated = self
            .db
            .write(move |conn| {
                sessions::update(conn, &SessionRow { key_hash: &hash, state: &body, staff_id, expires_at, customer_account_id })
                    .map_err(StoreError::from)
            })
            .await?;
        if updated == 0 {
            self.memo.forget(&key);
            // Ended meanwhile (signed out elsewhere, timed out): start a new one rather than
            // revive it, and without the identity it had.
            return self.save(Arc::new(without_identity(Arc::unwrap_or_clone(state)))).await;
        }
        self.memo.update(&key, |k| {
            k.state = state;
            k.expires_at = expires_at;
        });
        Ok(key)
    }

    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let hash = key_hash(key);
        self.memo.forget(key);
        self.db.write(move |conn| sessions::delete(conn, &hash).map_err(StoreError::from)).await?;
        Ok(())
    }
}
