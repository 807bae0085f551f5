//! Staff members: roles, and the rules for their sign-in names and passwords.

use std::fmt;


#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Fitter,
    Manager,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Manager, Role::Fitter];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Fitter => "fitter",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim().to_ascii_lowercase())
    }

    /// Fitters and managers work in one store; an administrator works across the chain.
    pub fn needs_store(self) -> bool {
        self != Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a staff member may see, by role and store; later routes reuse these checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authority {
    pub role: Role,
    pub store_id: Option<i64>,
}

impl Authority {
    pub fn can_access_store(&self, store_id: i64) -> bool {
        self.role == Role::Admin || self.store_id == Some(store_id)
    }

    pub fn has_at_least(&self, role: Role) -> bool {
        self.role >= role
    }

    /// Who may add an account, disable it or give it a new one-time password: an
    /// administrator any account; a manager the fitters of their own store; nobody else.
    pub fn can_manage(&self, role: Role, store_id: Option<i64>) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Manager => role == Role::Fitter && store_id.is_some() && store_id == self.store_id,
            Role::Fitter => false,
        }
    }
}

/// A new staff account as its form gives it (the password is made, not typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub name: String,
    pub email: StaffEmail,
    pub role: Role,
}

/// Checks the form for a new account in a store (`store_id`), or an administrator (`None`),
/// as `by` may create it; errors are message ids at their fields.
pub fn parse_new_account(name: &str, email: &str, role: &str, store_id: Option<i64>, by: Authority) -> Result<NewAccount, super::customer::FieldErrors> {
    let mut errors = super::customer::FieldErrors::new();
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        errors.insert("name", "staff-name-required");
    } else if name.chars().count() > super::customer::NAME_MAX_CHARS {
        errors.insert("name", "staff-name-too-long");
    } else if super::customer::has_hidden_characters(&name) {
        errors.insert("name", "name-hidden-characters");
    }
    let email = match StaffEmail::parse(email) {
        Ok(e) => Some(e),
        Err(e) => {
            errors.insert("email", if e == EmailError::Empty { "staff-email-required" } else { "email-invalid" });
            None
        }
    };
    let role = match (Role::parse(role), store_id) {
        (Some(Role::Admin), Some(_)) | (Some(Role::Fitter | Role::Manager), None) | (None, _) => {
            errors.insert("role", "staff-role-invalid");
            None
        }
        (Some(r), _) if !by.can_manage(r, store_id) => {
            errors.insert("role", "staff-role-not-yours");
            None
        }
        (Some(r), _) => Some(r),
    };
    match (email, role) {
        (Some(email), Some(role)) if errors.is_empty() => Ok(NewAccount { name, email, role }),
        _ => Err(errors),
    }
}

/// A sign-in email: trimmed and lower-cased, so the same person cannot hold two accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffEmail(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("email-required")]
    Empty,
    #[error("email-invalid")]
    Invalid,
}

impl StaffEmail {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let email = input.trim().to_lowercase();
        if email.is_empty() {
            return Err(EmailError::Empty);
        }
        if !super::customer::is_deliverable_email(&email) {
            return Err(EmailError::Invalid);
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// NIST SP 800-63B: length matters, composition rules do not; cap the length so hashing
/// cannot be used to exhaust the server.
pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("password-too-short")]
    TooShort,
    #[error("password-too-long")]
    TooLong,
    #[error("password-common")]
    Common,
    #[error("password-mismatch")]
    Mismatch,
    #[error("password-unchanged")]
    Unchanged,
}

pub fn check_new_password(password: &str, confirmation: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(PasswordError::TooShort);
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(PasswordError::TooLong);
    }
    // Nothing but spaces or tabs, or one character repeated, is as easy to guess as the list.
    let mut cs = password.chars();
    let first = cs.next();
    if super::common_passwords::is_common(password) || password.chars().all(char::is_whitespace) || cs.all(|c| Some(c) == first) {
        return Err(PasswordError::Common);
    }
    if password != confirmation {
        return Err(PasswordError::Mismatch);
    }
    Ok(())
}

/// The field of a password change that is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordField {
    New,
    Confirm,
}

/// What is wrong with a new password and its confirmation, at which field (a message id taking
/// `min`): the rules, the confirmation, and that it is not the current one.
pub fn new_password_problem(current: &str, new: &str, confirm: &str) -> Option<(PasswordField, &'static str)> {
    match check_new_password(new, confirm) {
        Ok(()) if new == current => Some((PasswordField::New, "password-unchanged")),
        Ok(()) => None,
        Err(PasswordError::Mismatch) => Some((PasswordField::Confirm, "password-mismatch")),
        Err(PasswordError::TooShort) => Some((PasswordField::New, "password-too-short")),
        Err(PasswordError::TooLong) => Some((PasswordField::New, "password-too-long")),
        Err(PasswordError::Common) => Some((PasswordField::New, "password-common")),
        Err(PasswordError::Unchanged) => Some((PasswordField::New, "password-unchanged")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_one_character_passwords_are_refused_as_easy_to_guess() {
        for p in ["            ", "\t\t\t\t \t\t\t\t \t\t\t", "zzzzzzzzzzzzzz", "ééééééééééééé"] {
            assert_eq!(check_new_password(p, p), Err(PasswordError::Common), "{p:?}");
        }
        assert_eq!(check_new_password("a quiet orange bicycle", "a quiet orange bicycle"), Ok(()));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse(" Fitter "), Some(Role::Fitter));
        assert_eq!(Role::parse("owner"), None);
    }

    #[test]
    fn a_fitter_reaches_only_their_own_store() {
        let fitter = Authority { role: Role::Fitter, store_id: Some(1) };
        assert!(fitter.can_access_store(1));
        assert!(!fitter.can_access_store(2));
        let admin = Authority { role: Role::Admin, store_id: None };
        assert!(admin.can_access_store(2));
    }

    #[test]
    fn managers_rank_above_fitters_and_below_admins() {
        let manager = Authority { role: Role::Manager, store_id: Some(1) };
        assert!(manager.has_at_least(Role::Fitter));
        assert!(manager.has_at_least(Role::Manager));
        assert!(!manager.has_at_least(Role::Admin));
    }

    #[test]
    fn managers_manage_their_own_fitters_and_administrators_everyone() {
        let manager = Authority { role: Role::Manager, store_id: Some(1) };
        assert!(manager.can_manage(Role::Fitter, Some(1)));
        assert!(!manager.can_manage(Role::Fitter, Some(2)), "another store's fitter");
        assert!(!manager.can_manage(Role::Manager, Some(1)), "a fellow manager");
        assert!(!manager.can_manage(Role::Admin, None));
        let fitter = Authority { role: Role::Fitter, store_id: Some(1) };
        assert!(!fitter.can_manage(Role::Fitter, Some(1)));
        let admin = Authority { role: Role::Admin, store_id: None };
        assert!(admin.can_manage(Role::Manager, Some(2)) && admin.can_manage(Role::Admin, None));
    }

    #[test]
    fn a_new_account_needs_a_name_an_email_and_a_role_its_creator_may_give() {
        let admin = Authority { role: Role::Admin, store_id: None };
        let manager = Authority { role: Role::Manager, store_id: Some(1) };
        let ok = parse_new_account("  Finn   Fitter ", " Finn@Shop.Example", "fitter", Some(1), manager).unwrap();
        assert_eq!((ok.name.as_str(), ok.email.as_str(), ok.role), ("Finn Fitter", "finn@shop.example", Role::Fitter));
        let e = parse_new_account("", "nope", "manager", Some(1), manager).unwrap_err();
        assert_eq!((e["name"], e["email"], e["role"]), ("staff-name-required", "email-invalid", "staff-role-not-yours"));
        assert_eq!(parse_new_account("A", " ", "fitter", Some(1), manager).unwrap_err()["email"], "staff-email-required");
        assert_eq!(parse_new_account("A", "a@b.example", "admin", Some(1), admin).unwrap_err()["role"], "staff-role-invalid", "an administrator has no store");
        assert_eq!(parse_new_account("A", "a@b.example", "fitter", None, admin).unwrap_err()["role"], "staff-role-invalid", "a fitter needs one");
        assert_eq!(parse_new_account("A", "a@b.example", "owner", Some(1), admin).unwrap_err()["role"], "staff-role-invalid");
        assert_eq!(parse_new_account("Eve\u{202E}", "", "admin", None, admin).unwrap_err()["name"], "name-hidden-characters");
        assert!(parse_new_account("Ada Admin", "ada@shop.example", "admin", None, admin).is_ok());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(StaffEmail::parse("  Ana@Shop.Example ").unwrap().as_str(), "ana@shop.example");
        assert_eq!(StaffEmail::parse("   "), Err(EmailError::Empty));
        assert_eq!(StaffEmail::parse("not-an-email"), Err(EmailError::Invalid));
        // An invisible character, or a domain without a dot: an address nobody can type again.
        assert_eq!(StaffEmail::parse("zw@example.com\u{200B}"), Err(EmailError::Invalid));
        assert_eq!(StaffEmail::parse("zw\u{200B}@example.com"), Err(EmailError::Invalid));
        assert_eq!(StaffEmail::parse("nodot@examplecom"), Err(EmailError::Invalid));
    }

    #[test]
    fn new_passwords_need_length_and_a_matching_confirmation() {
        assert_eq!(check_new_password("short", "short"), Err(PasswordError::TooShort));
        let long = "x".repeat(129);
        assert_eq!(check_new_password(&long, &long), Err(PasswordError::TooLong));
        assert_eq!(
            check_new_password("correct horse battery", "correct horse batterY"),
            Err(PasswordError::Mismatch)
        );
        assert!(check_new_password("correct horse battery", "correct horse battery").is_ok());
        // One of the most common passwords is refused, however it is written.
        assert_eq!(check_new_password("Qwerty123456", "Qwerty123456"), Err(PasswordError::Common));
        // 64 characters and more are accepted (up to 128).
        let sixty_four = "a sixty-four character passphrase, long enough for anybody at all";
        assert!(sixty_four.chars().count() >= 64);
        assert!(check_new_password(sixty_four, sixty_four).is_ok());
        // Length counts characters, not bytes.
        assert_eq!(check_new_password("密码密码密码密码密码密", "密码密码密码密码密码密"), Err(PasswordError::TooShort));
    }
}
