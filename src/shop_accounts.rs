//! Customers' shop accounts: signing up, claiming a store-made profile with a one-time code,
//! signing in (throttled like staff), and resetting a forgotten password by a mailed link.

use chrono::Duration;

use crate::accounts::{AccountError, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS, THROTTLE_WINDOW_MINUTES, hash_password, verify_password};
use crate::domain::customer::new_reference;
use crate::domain::shop_account::{self, CLAIM_CODE_DAYS, RESET_MINUTES, SignUp};
use crate::i18n::Tr;
use crate::store::customer_accounts::{self as accounts, AccountRow};
use crate::store::customers::{self, NewCustomer};
use crate::store::{Db, DbConn, StoreError, audit, mail_outbox, now, sessions, sign_in_failures};

#[derive(Debug, thiserror::Error)]
pub enum ShopAccountError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("the claim code is unknown, used or expired")]
    BadClaimCode,
    #[error("this profile has an account already")]
    AlreadyClaimed,
    #[error("the reset link is unknown, used or expired")]
    BadResetLink,
    #[error("the email-change link is unknown, used or expired")]
    BadEmailLink,
    #[error("too many email changes were asked for this hour")]
    TooManyEmailChanges,
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for ShopAccountError {
    fn from(e: diesel::result::Error) -> Self {
        ShopAccountError::Store(e.into())
    }
}

/// Failures of shop sign-ins are counted apart from staff ones with the same email.
fn throttle_key(email: &str) -> String {
    format!("shop:{}", email.trim().to_lowercase())
}

async fn hash(password: String) -> Result<String, ShopAccountError> {
    Ok(crate::accounts::hash_password_async(password).await?)
}

fn taken(e: diesel::result::Error) -> ShopAccountError {
    let e = StoreError::from(e);
    if e.is_unique_violation() { ShopAccountError::EmailTaken } else { e.into() }
}

/// A new customer record and its account, in one transaction.
pub async fn sign_up(db: &Db, form: SignUp, password: String) -> Result<AccountRow, ShopAccountError> {
    let hash = hash(password).await?;
    db.write(move |conn| -> Result<AccountRow, ShopAccountError> {
        if accounts::find_by_email(conn, form.email.as_str())?.is_some() {
            return Err(ShopAccountError::EmailTaken);
        }
        let customer_id = insert_customer(conn, &form)?;
        let id = accounts::insert(conn, customer_id, form.email.as_str(), &hash).map_err(taken)?;
        audit::record(conn, None, "customer.signed_up", &format!("customer:{customer_id}"), "online")?;
        accounts::find(conn, id)?.ok_or(ShopAccountError::Store(StoreError::Query(diesel::result::Error::NotFound)))
    })
    .await
}

fn insert_customer(conn: &mut DbConn, form: &SignUp) -> Result<i64, ShopAccountError> {
    let at = now();
    for _ in 0..5 {
        let reference = new_reference();
        if customers::find_by_reference(conn, &reference)?.is_some() {
            continue;
        }
        return Ok(customers::insert(
            conn,
            &NewCustomer {
                reference: &reference,
                name: &form.name,
                email: Some(form.email.as_str()),
                phone: None,
                phone_digits: None,
                home_store_id: None,
                marketing_consent: false,
                consent_changed_at: None,
                preferred_channel: "email",
                created_by_staff_id: None,
                created_at: at,
                updated_at: at,
            },
        )?);
    }
    Err(StoreError::Query(diesel::result::Error::RollbackTransaction).into())
}

/// A fitter makes a claim code for a customer; the code is returned to be shown once.
pub async fn new_claim_code(db: &Db, customer_id: i64, staff_id: i64) -> Result<String, ShopAccountError> {
    let code = shop_account::new_claim_code();
    let code_hash = shop_account::claim_code_hash(&code);
    let expires = now() + Duration::days(CLAIM_CODE_DAYS);
    db.write(move |conn| -> Result<(), ShopAccountError> {
        if accounts::find_by_customer(conn, customer_id)?.is_some() {
            return Err(ShopAccountError::AlreadyClaimed);
        }
        accounts::insert_claim_code(conn, customer_id, &code_hash, expires, Some(staff_id))?;
        audit::record(conn, Some(staff_id), "customer.claim_code_made", &format!("customer:{customer_id}"), "")?;
        Ok(())
    })
    .await?;
    Ok(code)
}

/// Links a new account to the profile the code was made for; the code is used up.
pub async fn claim(db: &Db, code: &str, email: crate::domain::staff::StaffEmail, password: String) -> Result<AccountRow, ShopAccountError> {
    let code_hash = shop_account::claim_code_hash(code);
    let hash = hash(password).await?;
    db.write(move |conn| -> Result<AccountRow, ShopAccountError> {
        let at = now();
        let customer_id = accounts::take_claim_code(conn, &code_hash, at)?.ok_or(ShopAccountError::BadClaimCode)?;
        let live = customers::find(conn, customer_id)?.is_some_and(|c| c.is_live());
        if !live {
            return Err(ShopAccountError::BadClaimCode);
        }
        if accounts::find_by_customer(conn, customer_id)?.is_some() {
            return Err(ShopAccountError::AlreadyClaimed);
        }
        if accounts::find_by_email(conn, email.as_str())?.is_some() {
            return Err(ShopAccountError::EmailTaken);
        }
        let id = accounts::insert(conn, customer_id, email.as_str(), &hash).map_err(taken)?;
        audit::record(conn, None, "customer.claimed", &format!("customer:{customer_id}"), "online")?;
        accounts::find(conn, id)?.ok_or(ShopAccountError::Store(StoreError::Query(diesel::result::Error::NotFound)))
    })
    .await
}

/// The throttle's key for answers that tell something about accounts without a password: a
/// sign-up with an email that has an account, a claim with a wrong code. Counted per address.
const PROBE: &str = "shop-probe:";

/// Whether this address has had too many such answers lately (see [`record_probe`]).
pub async fn probes_throttled(db: &Db, address: &str) -> Result<bool, ShopAccountError> {
    let address = address.to_owned();
    let since = now() - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let (_, by_address) = db.read(move |conn| Ok::<_, StoreError>(sign_in_failures::counts_since(conn, PROBE, &address, since)?)).await?;
    Ok(by_address >= MAX_FAILURES_PER_ADDRESS)
}

/// Counts an answer that told this address something (an email taken, a code wrong).
pub async fn record_probe(db: &Db, address: &str) -> Result<(), ShopAccountError> {
    let address = address.to_owned();
    db.write(move |conn| Ok::<_, StoreError>(sign_in_failures::record(conn, PROBE, &address, now())?)).await?;
    Ok(())
}

/// Checks a shop sign-in, throttled per account and per address as staff sign-ins are.
pub async fn sign_in(db: &Db, email: &str, password: String, address: String) -> Result<AccountRow, AccountError> {
    let email = email.trim().to_lowercase();
    let key = throttle_key(&email);
    let window_start = now() - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let (k, addr) = (key.clone(), address.clone());
    let (account, throttled) = db
        .read(move |conn| -> Result<_, AccountError> {
            let (by_account, by_address) = sign_in_failures::counts_since(conn, &k, &addr, window_start)?;
            let throttled = if by_account >= MAX_FAILURES_PER_ACCOUNT || by_address >= MAX_FAILURES_PER_ADDRESS {
                Some(sign_in_failures::oldest_since(conn, &k, &addr, window_start)?)
            } else {
                None
            };
            Ok((accounts::find_by_email(conn, &email)?, throttled))
        })
        .await?;
    if let Some(oldest) = throttled {
        let free_at = oldest.unwrap_or(window_start) + Duration::minutes(THROTTLE_WINDOW_MINUTES);
        let minutes = ((free_at - now()).num_seconds().max(60) + 59) / 60;
        return Err(AccountError::Throttled { retry_after_minutes: minutes });
    }
    let stored = account.as_ref().map(|a| a.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || match stored {
        Some(h) => verify_password(&h, &password),
        None => {
            // As long as a real check, so timing does not tell which emails have accounts.
            let _ = hash_password(&password);
            false
        }
    })
    .await
    .unwrap_or(false);
    match account {
        Some(a) if ok => {
            db.write(move |conn| -> Result<(), AccountError> {
                sign_in_failures::clear_account(conn, &key)?;
                Ok(())
            })
            .await?;
            Ok(a)
        }
        _ => {
            db.write(move |conn| -> Result<(), AccountError> {
                sign_in_failures::record(conn, &key, &address, now())?;
                Ok(())
            })
            .await?;
            Err(AccountError::InvalidCredentials)
        }
    }
}

/// Reset links mailed to one account within [`RESET_MINUTES`]; more asks send nothing.
const MAX_RESETS_PER_HOUR: i64 = 3;

/// Mails a one-time reset link if the email has an account; says nothing either way, so the
/// form cannot be used to find out who has one.
pub async fn request_reset(db: &Db, email: &str, base_url: &str, t: Tr) -> Result<(), ShopAccountError> {
    let email = email.trim().to_lowercase();
    let token = shop_account::new_reset_token();
    let token_hash = shop_account::hash_secret(&token);
    let link = format!("{}/shop/reset/{token}", base_url.trim_end_matches('/'));
    let subject = t.t("mail-reset-subject");
    let body = t.t1("mail-reset-body", "link", &link);
    db.write(move |conn| -> Result<(), ShopAccountError> {
        let Some(account) = accounts::find_by_email(conn, &email)? else { return Ok(()) };
        // The form answers the same either way; past a few links an hour nothing more is
        // mailed, so that it cannot be used to flood someone's inbox.
        if accounts::resets_since(conn, account.id, now() - Duration::minutes(RESET_MINUTES))? >= MAX_RESETS_PER_HOUR {
            tracing::warn!(account.id = account.id, "a password reset was asked for too often; no more mail is sent this hour");
            return Ok(());
        }
        accounts::insert_reset(conn, account.id, &token_hash, now() + Duration::minutes(RESET_MINUTES))?;
        mail_outbox::insert(conn, account.customer_id, &account.email, &subject, &body)?;
        Ok(())
    })
    .await
}

/// Whether a reset link can still be used (to show the form or say it has expired).
pub async fn reset_link_is_live(db: &Db, token: &str) -> Result<bool, ShopAccountError> {
    let token_hash = shop_account::hash_secret(token);
    let at = now();
    Ok(db.read(move |conn| Ok::<_, StoreError>(accounts::live_reset(conn, &token_hash, at)?)).await?.is_some())
}

/// Sets the new password and uses up the link; every session of the account ends.
pub async fn reset_password(db: &Db, token: &str, password: String) -> Result<AccountRow, ShopAccountError> {
    let token_hash = shop_account::hash_secret(token);
    let hash = hash(password).await?;
    db.write(move |conn| -> Result<AccountRow, ShopAccountError> {
        let at = now();
        let account_id = accounts::live_reset(conn, &token_hash, at)?.ok_or(ShopAccountError::BadResetLink)?;
        if !accounts::take_reset(conn, &token_hash, at)? {
            return Err(ShopAccountError::BadResetLink);
        }
        accounts::set_password(conn, account_id, &hash)?;
        accounts::end_resets(conn, account_id, at)?;
        accounts::end_email_changes(conn, account_id, at)?;
        sessions::delete_for_customer_account(conn, account_id)?;
        let account = accounts::find(conn, account_id)?.ok_or(ShopAccountError::BadResetLink)?;
        sign_in_failures::clear_account(conn, &throttle_key(&account.email))?;
        audit::record(conn, None, "customer.password_reset", &format!("customer:{}", account.customer_id), "")?;
        Ok(account)
    })
    .await
}

/// Who changes their account: the session's account and its customer, with the email it signs
/// in with now.
pub struct AccountOwner {
    pub account_id: i64,
    pub customer_id: i64,
    pub email: String,
}

/// How long a link to confirm a new email works, and how many may be mailed an hour.
pub const EMAIL_CHANGE_HOURS: i64 = 24;
const MAX_EMAIL_CHANGES_PER_HOUR: i64 = 5;

/// A new name and email for the customer's own account (the caller has checked the password
/// for a new email). The name changes at once; a new email only once the link mailed to it is
/// opened ([`confirm_email_change`]): a mistyped address would otherwise become the sign-in
/// that password resets go to. The present address is told that a change was asked for
/// (whoever took over a session cannot quietly move the account away).
pub async fn change_details(db: &Db, owner: AccountOwner, details: SignUp, base_url: &str, t: Tr) -> Result<(), ShopAccountError> {
    let token = shop_account::new_reset_token();
    let token_hash = shop_account::hash_secret(&token);
    let link = format!("{}/shop/account/email/{token}", base_url.trim_end_matches('/'));
    let confirm = (t.t("mail-email-confirm-subject"), t.t_args("mail-email-confirm-body", &[("link", link), ("hours", EMAIL_CHANGE_HOURS.to_string())]));
    let asked = (t.t("mail-email-change-asked-subject"), t.t1("mail-email-change-asked-body", "email", details.email.as_str()));
    db.write(move |conn| -> Result<(), ShopAccountError> {
        let email = details.email.as_str();
        customers::set_name_and_email(conn, owner.customer_id, &details.name, &owner.email)?;
        if email != owner.email {
            if accounts::find_by_email(conn, email)?.is_some() {
                return Err(ShopAccountError::EmailTaken);
            }
            if accounts::email_changes_since(conn, owner.account_id, now() - Duration::hours(1))? >= MAX_EMAIL_CHANGES_PER_HOUR {
                return Err(ShopAccountError::TooManyEmailChanges);
            }
            accounts::insert_email_change(conn, owner.account_id, email, &token_hash, now() + Duration::hours(EMAIL_CHANGE_HOURS))?;
            mail_outbox::insert(conn, owner.customer_id, email, &confirm.0, &confirm.1)?;
            mail_outbox::insert(conn, owner.customer_id, &owner.email, &asked.0, &asked.1)?;
            audit::record(conn, None, "customer.email_change_asked", &format!("customer:{}", owner.customer_id), "by the customer")?;
        }
        audit::record(conn, None, "customer.details_changed", &format!("customer:{}", owner.customer_id), "by the customer")?;
        Ok(())
    })
    .await
}

/// Ends the account's pending email changes (the customer thought better of it, or mistyped).
pub async fn cancel_email_change(db: &Db, owner: AccountOwner) -> Result<(), ShopAccountError> {
    db.write(move |conn| -> Result<(), ShopAccountError> {
        if accounts::end_email_changes(conn, owner.account_id, now())? > 0 {
            audit::record(conn, None, "customer.email_change_cancelled", &format!("customer:{}", owner.customer_id), "by the customer")?;
        }
        Ok(())
    })
    .await
}

/// The new email of a live email-change link (to show what it will confirm).
pub async fn email_change_of_link(db: &Db, token: &str) -> Result<Option<String>, ShopAccountError> {
    let token_hash = shop_account::hash_secret(token);
    let at = now();
    Ok(db.read(move |conn| Ok::<_, StoreError>(accounts::live_email_change(conn, &token_hash, at)?)).await?.map(|(_, email)| email))
}

/// The new email an account is waiting to confirm, if any.
pub async fn pending_email(db: &Db, account_id: i64) -> Result<Option<String>, ShopAccountError> {
    let at = now();
    Ok(db.read(move |conn| Ok::<_, StoreError>(accounts::pending_email(conn, account_id, at)?)).await?)
}

/// What opening an email-change link's button did.
pub enum EmailConfirmed {
    /// The account (`account_id`) signs in with `email` from now on.
    Changed { account_id: i64, email: String },
    /// Another account signs in with `email` now: the link is used up, nothing changed.
    Taken { email: String },
}

/// Makes a link's email the account's sign-in and uses the link up; the previous address is
/// told. Refused when the link is dead; when another account took the email meanwhile, the
/// link dies too (the account page would otherwise wait for it for ever).
pub async fn confirm_email_change(db: &Db, token: &str, t: Tr) -> Result<EmailConfirmed, ShopAccountError> {
    let token_hash = shop_account::hash_secret(token);
    let subject = t.t("mail-email-changed-subject");
    db.write(move |conn| -> Result<EmailConfirmed, ShopAccountError> {
        let at = now();
        let (account_id, email) = accounts::live_email_change(conn, &token_hash, at)?.ok_or(ShopAccountError::BadEmailLink)?;
        let account = accounts::find(conn, account_id)?.ok_or(ShopAccountError::BadEmailLink)?;
        if !accounts::take_email_change(conn, &token_hash, at)? {
            return Err(ShopAccountError::BadEmailLink);
        }
        if accounts::find_by_email(conn, &email)?.is_some_and(|other| other.id != account_id) {
            return Ok(EmailConfirmed::Taken { email });
        }
        accounts::set_email(conn, account_id, &email).map_err(taken)?;
        let name = customers::find(conn, account.customer_id)?.map(|c| c.name).unwrap_or_default();
        customers::set_name_and_email(conn, account.customer_id, &name, &email)?;
        mail_outbox::insert(conn, account.customer_id, &account.email, &subject, &t.t1("mail-email-changed-body", "email", email.as_str()))?;
        // Failed sign-ins were counted under the old email, which now signs in nobody.
        sign_in_failures::clear_account(conn, &throttle_key(&account.email))?;
        audit::record(conn, None, "customer.email_changed", &format!("customer:{}", account.customer_id), "confirmed by link")?;
        Ok(EmailConfirmed::Changed { account_id, email })
    })
    .await
}

/// A new password from the account page (the caller checked the current one): every session
/// of the account ends, unused reset links die, and the account's address is told.
pub async fn change_password(db: &Db, owner: AccountOwner, password: String, t: Tr) -> Result<(), ShopAccountError> {
    let hash = hash(password).await?;
    let subject = t.t("mail-password-changed-subject");
    let body = t.t("mail-password-changed-body");
    db.write(move |conn| -> Result<(), ShopAccountError> {
        accounts::set_password(conn, owner.account_id, &hash)?;
        accounts::end_resets(conn, owner.account_id, now())?;
        accounts::end_email_changes(conn, owner.account_id, now())?;
        sessions::delete_for_customer_account(conn, owner.account_id)?;
        mail_outbox::insert(conn, owner.customer_id, &owner.email, &subject, &body)?;
        audit::record(conn, None, "customer.password_changed", &format!("customer:{}", owner.customer_id), "by the customer")?;
        Ok(())
    })
    .await
}
