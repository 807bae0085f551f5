//! Short random codes for references people read aloud or type: no look-alike characters
//! (0/O, 1/I/L, 2/Z, 5/S, 8/B).

use rand::Rng;

const ALPHABET: &[u8] = b"ACDEFGHJKMNPQRTUVWXY34679";

pub fn random_code(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_use_only_unambiguous_characters() {
        let code = super::random_code(200);
        assert_eq!(code.len(), 200);
        assert!(!code.chars().any(|c| "0O1IL2Z5S8B".contains(c)));
    }
}
