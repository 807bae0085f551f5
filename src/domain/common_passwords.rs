//! The most common passwords, refused as new passwords: a list shipped with the program
//! (`data/common-passwords.txt`, whose head names its source).

use std::collections::HashSet;
use std::sync::OnceLock;

const LIST: &str = include_str!("../../data/common-passwords.txt");

fn list() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| LIST.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect())
}

/// Whether a password is on the list, whatever its letter case and surrounding spaces.
pub fn is_common(password: &str) -> bool {
    list().contains(password.trim().to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_loaded_and_matches_without_regard_to_case() {
        assert!(list().len() > 10_000);
        assert!(is_common("password"));
        assert!(is_common("QWERTY123456"));
        assert!(is_common(" 1qaz2wsx3edc "));
        assert!(!is_common("correct horse battery staple"));
    }
}
