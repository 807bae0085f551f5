//! The most common passwords, refused as new passwords: a list shipped with the program
//! (`data/common-passwords.txt`, whose head names its source).

use std::collections::HashSet;
use std::sync::OnceLock;

const LIST: &str = include_str!("../../data/common-passwords.txt");

fn list() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| LIST.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect())
}

/// Whether a password is on the list, whatever its letter case and surrounding spaces, or is
/// a pattern no list holds in all its lengths: one or two characters over and over, a short
/// unit repeated, or a run along the digits, the alphabet or a keyboard row ("123456789012",
/// "qwertyuiop123").
pub fn is_common(password: &str) -> bool {
    let p = password.trim().to_lowercase();
    list().contains(p.as_str()) || is_pattern(&p)
}

const ROWS: [&str; 5] = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz"];

fn is_pattern(p: &str) -> bool {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() < 2 {
        return false;
    }
    let distinct: std::collections::BTreeSet<char> = chars.iter().copied().collect();
    let repeated = (1..=4).any(|unit| chars.len() % unit == 0 && chars.len() > unit && chars.chunks(unit).all(|c| c == &chars[..unit]));
    // Neighbours on a row, either way; the digit row wraps (…8, 9, 0, 1…).
    let follows = |a: char, b: char| {
        ROWS.iter().any(|row| {
            let (Some(i), Some(j)) = (row.find(a), row.find(b)) else { return false };
            i.abs_diff(j) == 1 || (*row == "1234567890" && i.abs_diff(j) == row.len() - 1)
        })
    };
    let steps = chars.windows(2).filter(|w| follows(w[0], w[1])).count();
    distinct.len() <= 2 || repeated || steps + 1 >= chars.len() - 1
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

    #[test]
    fn patterns_are_refused_in_every_length() {
        for p in ["123456789012", "qwertyuiop123", "aaaaaaaaaaaaa", "abababababab", "abcabcabcabc", "0987654321098", "zyxwvutsrqpo"] {
            assert!(is_common(p), "{p}");
        }
        for p in ["correct horse battery staple", "tusCK-cRDft-RtcKR", "a brand new password", "Tr0ub4dor&3x!"] {
            assert!(!is_common(p), "{p}");
        }
    }
}
