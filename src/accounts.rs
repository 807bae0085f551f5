//! Staff accounts: creation, sign-in with throttling, password changes, the first administrator.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{Duration, NaiveDateTime};
use rand::Rng;

use crate::domain::staff::{Role, StaffEmail};
use crate::store::staff::{NewStaff, StaffRow};
use crate::store::{self, Db, DbConn, StoreError, audit, now, sessions, sign_in_failures};

/// Failed sign-ins are counted over this window, per account and per client address.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

pub const DEMO_STORE_CODE: &str = "DEMO";
pub const DEMO_FACTORY_CODE: &str = "demo-workshop";
pub const DEMO_ADMIN_EMAIL: &str = "admin@atelier.example";

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("email or password is wrong")]
    InvalidCredentials,
    /// The right password for an account that is switched off (its store closed, or someone
    /// disabled it): said as such, to the one who knows the password only.
    #[error("this account is disabled")]
    Disabled,
    #[error("too many failed sign-ins; try again in {retry_after_minutes} minutes")]
    Throttled { retry_after_minutes: i64 },
    #[error("unknown store {0}")]
    UnknownStore(String),
    #[error("{0} needs a store")]
    StoreRequired(Role),
    #[error("store {0} is closed: open it again before adding people to it")]
    StoreClosed(String),
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("password hashing failed")]
    Hashing,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for AccountError {
    fn from(e: diesel::result::Error) -> Self {
        AccountError::Store(e.into())
    }
}

pub fn hash_password(password: &str) -> Result<String, AccountError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|_| AccountError::Hashing)
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// A password to hand over once: 20 characters from an alphabet without look-alikes.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY346789";
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

pub struct CreateStaff<'a> {
    pub email: &'a StaffEmail,
    pub name: &'a str,
    pub role: Role,
    pub store_code: Option<&'a str>,
    pub password: &'a str,
    pub must_change_password: bool,
}

pub fn create_staff(
    conn: &mut DbConn,
    new: &CreateStaff,
    password_hash: &str,
    actor: Option<i64>,
) -> Result<i64, AccountError> {
    let store_id = match new.store_code {
        Some(code) => {
            let store = store::stores::find_by_code(conn, code)?.ok_or_else(|| AccountError::UnknownStore(code.to_owned()))?;
            // Nobody joins a closed store, from the pages or the command line.
            if !store.is_open() {
                return Err(AccountError::StoreClosed(store.code));
            }
            Some(store.id)
        }
        None if new.role.needs_store() => return Err(AccountError::StoreRequired(new.role)),
        None => None,
    };
    let at = now();
    let id = store::staff::insert(
        conn,
        &NewStaff {
            email: new.email.as_str(),
            name: new.name,
            role: new.role.as_str(),
            store_id,
            password_hash,
            must_change_password: new.must_change_password,
            active: true,
            created_at: at,
            updated_at: at,
        },
    )
    .map_err(|e| {
        let e = StoreError::from(e);
        if e.is_unique_violation() { AccountError::EmailTaken } else { e.into() }
    })?;
    audit::record(conn, actor, "staff.created", &format!("staff:{id}"), new.role.as_str())?;
    Ok(id)
}

/// Creates a staff member from the command line or start-up (blocking).
pub fn create_staff_blocking(db: &Db, new: &CreateStaff) -> Result<i64, AccountError> {
    let hash = hash_password(new.password)?;
    db.write_blocking(|conn| create_staff(conn, new, &hash, None))
}

/// Checks a sign-in attempt. Throttled attempts are refused before the password is checked,
/// so guessing gains nothing from them; unknown emails cost as much time as known ones.
pub async fn sign_in(
    db: &Db,
    email_input: &str,
    password: String,
    address: String,
) -> Result<StaffRow, AccountError> {
    let account = email_input.trim().to_lowercase();
    let window_start = now() - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let (acc, addr) = (account.clone(), address.clone());
    let (staff, throttle) = db
        .read(move |conn| -> Result<_, AccountError> {
            let (by_account, by_address) =
                sign_in_failures::counts_since(conn, &acc, &addr, window_start)?;
            let throttle = if by_account >= MAX_FAILURES_PER_ACCOUNT
                || by_address >= MAX_FAILURES_PER_ADDRESS
            {
                Some(sign_in_failures::oldest_since(conn, &acc, &addr, window_start)?)
            } else {
                None
            };
            Ok((store::staff::find_by_email(conn, &acc)?, throttle))
        })
        .await?;
    if let Some(oldest) = throttle {
        return Err(AccountError::Throttled { retry_after_minutes: retry_after(oldest) });
    }

    let hash = staff.as_ref().map(|s| s.password_hash.clone());
    let password_ok = tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_password(&hash, &password),
        None => {
            // Same work as a real check, so response time does not tell which emails exist.
            let _ = verify_password(dummy_hash(), &password);
            false
        }
    })
    .await
    .unwrap_or(false);

    let known = staff.as_ref().map(|s| s.id);
    match staff {
        Some(staff) if password_ok && staff.active => {
            let acc = account.clone();
            let id = staff.id;
            db.write(move |conn| -> Result<_, AccountError> {
                sign_in_failures::clear_account(conn, &acc)?;
                audit::record(conn, Some(id), "staff.signed_in", &format!("staff:{id}"), "")?;
                Ok(())
            })
            .await?;
            Ok(staff)
        }
        Some(staff) if password_ok => {
            let id = staff.id;
            db.write(move |conn| Ok::<_, AccountError>(audit::record(conn, Some(id), "staff.sign_in_refused", &format!("staff:{id}"), "disabled")?)).await?;
            Err(AccountError::Disabled)
        }
        _ => {
            db.write(move |conn| -> Result<_, AccountError> {
                sign_in_failures::record(conn, &account, &address, now())?;
                sign_in_failures::delete_before(conn, window_start)?;
                Ok(())
            })
            .await?;
            // A wrong password for an account is in its audit trail (an unknown email has no
            // record to file it under; nobody is signed in to name as the actor). Written
            // after the answer, so that its time does not tell which emails are accounts.
            if let Some(id) = known {
                let db = db.clone();
                tokio::spawn(async move {
                    let written = db.write(move |conn| Ok::<_, AccountError>(audit::record(conn, None, "staff.sign_in_failed", &format!("staff:{id}"), "wrong password")?)).await;
                    if let Err(e) = written {
                        tracing::warn!(staff.id = id, error = %e, "a failed sign-in was not audited");
                    }
                });
            }
            Err(AccountError::InvalidCredentials)
        }
    }
}

fn retry_after(oldest: Option<NaiveDateTime>) -> i64 {
    let Some(oldest) = oldest else { return THROTTLE_WINDOW_MINUTES };
    let free_at = oldest + Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let seconds = (free_at - now()).num_seconds().max(60);
    (seconds + 59) / 60
}

fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not a real password, only for timing").unwrap_or_default())
}

/// Sets a new password and ends every other session of the account.
pub async fn change_password(db: &Db, staff_id: i64, new_password: String) -> Result<(), AccountError> {
    let hash = hash_password_async(new_password).await?;
    db.write(move |conn| -> Result<_, AccountError> {
        store::staff::set_password(conn, staff_id, &hash, false)?;
        sessions::delete_for_staff(conn, staff_id)?;
        audit::record(conn, Some(staff_id), "staff.password_changed", &format!("staff:{staff_id}"), "")?;
        Ok(())
    })
    .await?;
    Ok(())
}

/// A new one-time password for an account, from the command line; ends its sessions.
pub fn reset_password_blocking(db: &Db, email: &str, password: &str) -> Result<(), AccountError> {
    let hash = hash_password(password)?;
    let email = email.trim().to_lowercase();
    db.write_blocking(|conn| {
        let staff = store::staff::find_by_email(conn, &email)?.ok_or(AccountError::InvalidCredentials)?;
        reset_password(conn, &staff, &hash, None)
    })
}

/// Sets a one-time password to be replaced at the next sign-in, ends the account's sessions
/// and forgets its failed sign-ins (the person is back, with a password handed over).
pub fn reset_password(conn: &mut DbConn, staff: &StaffRow, hash: &str, actor: Option<i64>) -> Result<(), AccountError> {
    store::staff::set_password(conn, staff.id, hash, true)?;
    sessions::delete_for_staff(conn, staff.id)?;
    sign_in_failures::clear_account(conn, &staff.email)?;
    audit::record(conn, actor, "staff.password_reset", &format!("staff:{}", staff.id), if actor.is_none() { "command line" } else { "" })?;
    Ok(())
}

/// Hashes off the async workers: argon2id takes tens of milliseconds on purpose.
pub async fn hash_password_async(password: String) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || hash_password(&password)).await.map_err(|_| AccountError::Hashing)?
}

/// On an empty database: a demo store, a demo workshop that builds both product lines, and an
/// administrator with a one-time password, which is returned so that start-up can print it.
/// Never a fixed default password.
pub fn seed_demo(db: &Db) -> Result<Option<(String, String)>, AccountError> {
    let staff_count = db.write_blocking(|conn| -> Result<i64, AccountError> {
        if store::stores::find_by_code(conn, DEMO_STORE_CODE)?.is_none() {
            // Without a factory no order can be placed, in the shop or in a store: a new shop
            // could configure everything and then be told so at the last step. The workshop
            // pulls its work orders (no address to push to); an administrator issues it a token
            // on its page.
            if store::factories::list(conn)?.is_empty() {
                store::factories::insert(
                    conn,
                    &store::factories::NewFactory { code: DEMO_FACTORY_CODE, name: "Atelier Demo Workshop", families: "apparel,bicycle", push_url: None, signing_secret: None, lead_time_days: 10 },
                )?;
            }
            store::stores::insert(
                conn,
                &store::stores::NewStore {
                    code: DEMO_STORE_CODE,
                    name: "Atelier Demo Store",
                    tax_rate_bp: 2000,
                    currency: "EUR",
                    created_at: now(),
                },
            )?;
        }
        Ok(store::staff::count(conn)?)
    })?;
    if staff_count > 0 {
        return Ok(None);
    }
    let password = one_time_password();
    let email = StaffEmail::parse(DEMO_ADMIN_EMAIL).map_err(|_| AccountError::InvalidCredentials)?;
    create_staff_blocking(
        db,
        &CreateStaff {
            email: &email,
            name: "Administrator",
            role: Role::Admin,
            store_code: None,
            password: &password,
            must_change_password: true,
        },
    )?;
    Ok(Some((DEMO_ADMIN_EMAIL.to_owned(), password)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse batterY"));
        assert!(!verify_password("not a hash", "anything"));
    }

    #[test]
    fn one_time_passwords_are_long_and_differ() {
        let a = one_time_password();
        assert_eq!(a.len(), 23);
        assert_ne!(a, one_time_password());
    }
}
