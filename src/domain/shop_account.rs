//! Customers' shop accounts: the sign-up form's rules (the same email and password policy as
//! staff), claim codes a fitter hands over, and password-reset tokens. Codes and tokens are
//! random, shown or mailed once, and kept only as SHA-256 hashes.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::staff::{StaffEmail, check_new_password};

/// A claim code is read aloud or copied from a slip: valid for two weeks.
pub const CLAIM_CODE_DAYS: i64 = 14;
/// A reset link is valid for one hour, once.
pub const RESET_MINUTES: i64 = 60;
pub const NAME_MAX_CHARS: usize = 120;

/// Field name → message id, as the forms show them.
pub type FieldErrors = BTreeMap<&'static str, &'static str>;

pub struct SignUp {
    pub name: String,
    pub email: StaffEmail,
}

/// Checks a sign-up form; the password itself goes straight to hashing.
pub fn parse_sign_up(name: &str, email: &str, password: &str, confirmation: &str, need_name: bool) -> Result<SignUp, FieldErrors> {
    let details = parse_details(name, email, need_name);
    let mut errors = details.as_ref().err().cloned().unwrap_or_default();
    if let Err(e) = check_new_password(password, confirmation) {
        // Two passwords that differ: said where the second one was typed.
        let field = if e == super::staff::PasswordError::Mismatch { "confirmation" } else { "password" };
        errors.insert(field, password_error_key(e));
    }
    match details {
        Ok(d) if errors.is_empty() => Ok(d),
        _ => Err(errors),
    }
}

/// Checks a name and an email, as signing up and the account page's details take them.
pub fn parse_details(name: &str, email: &str, need_name: bool) -> Result<SignUp, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = name.trim();
    if need_name && name.is_empty() {
        errors.insert("name", "shop-name-required");
    } else if name.chars().count() > NAME_MAX_CHARS {
        errors.insert("name", "shop-name-too-long");
    } else if super::customer::has_hidden_characters(name) {
        errors.insert("name", "name-hidden-characters");
    }
    let email = match StaffEmail::parse(email) {
        Ok(e) => Some(e),
        Err(e) => {
            errors.insert("email", if e == super::staff::EmailError::Empty { "email-required" } else { "email-invalid" });
            None
        }
    };
    match email {
        Some(email) if errors.is_empty() => Ok(SignUp { name: name.to_owned(), email }),
        _ => Err(errors),
    }
}

/// The message id of a refused new password.
pub fn password_error_key(e: super::staff::PasswordError) -> &'static str {
    match e {
        super::staff::PasswordError::TooShort => "password-too-short",
        super::staff::PasswordError::TooLong => "password-too-long",
        super::staff::PasswordError::Common => "password-common",
        _ => "password-mismatch",
    }
}

/// A new claim code: 12 unambiguous characters in groups of four ("ACDE-FGHJ-KMNP").
pub fn new_claim_code() -> String {
    let raw = super::codes::random_code(12);
    format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12])
}

/// The code as typed, without spaces or dashes and in capitals, so "acde fghj-kmnp" works.
pub fn normalise_claim_code(typed: &str) -> String {
    typed.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub fn claim_code_hash(typed: &str) -> String {
    hash_secret(&normalise_claim_code(typed))
}

/// A reset token for a link: 32 random bytes, URL-safe.
pub fn new_reset_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_sign_up_needs_a_valid_email_and_the_staff_password_policy() {
        let e = parse_sign_up("Mei", "not-an-email", "short", "short", true).err().unwrap();
        assert_eq!(e.get("email"), Some(&"email-invalid"));
        assert_eq!(e.get("password"), Some(&"password-too-short"));
        let e = parse_sign_up("", "mei@example.com", "correct horse battery", "correct horse batterY", true).err().unwrap();
        assert_eq!(e.get("name"), Some(&"shop-name-required"));
        assert_eq!((e.get("password"), e.get("confirmation")), (None, Some(&"password-mismatch")));
        let ok = parse_sign_up(" Mei ", " Mei@Example.com ", "correct horse battery", "correct horse battery", true).ok().unwrap();
        assert_eq!((ok.name.as_str(), ok.email.as_str()), ("Mei", "mei@example.com"));
        // Claiming keeps the store's name for the profile: no name needed.
        assert!(parse_sign_up("", "mei@example.com", "correct horse battery", "correct horse battery", false).is_ok());
    }

    #[test]
    fn claim_codes_are_grouped_and_read_back_however_they_are_typed() {
        let code = new_claim_code();
        assert_eq!(code.len(), 14);
        let sloppy = code.to_lowercase().replace('-', " ");
        assert_eq!(claim_code_hash(&sloppy), claim_code_hash(&code));
        assert_ne!(claim_code_hash(&code), claim_code_hash(&new_claim_code()));
    }

    #[test]
    fn reset_tokens_are_long_and_differ() {
        let a = new_reset_token();
        assert!(a.len() >= 43);
        assert_ne!(a, new_reset_token());
    }

    proptest! {
        #[test]
        fn normalising_a_code_is_idempotent_and_never_panics(s in ".{0,40}") {
            let once = normalise_claim_code(&s);
            prop_assert_eq!(normalise_claim_code(&once), once.clone());
            prop_assert!(once.chars().all(|c| c.is_ascii_alphanumeric() && !c.is_ascii_lowercase()));
        }
    }
}
