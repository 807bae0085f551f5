//! Standard Webhooks signatures: `webhook-id`, `webhook-timestamp`, `webhook-signature`
//! (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`), secrets as `whsec_` + base64.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use rand::RngCore;

/// A new signing secret: 32 random bytes.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("whsec_{}", STANDARD.encode(bytes))
}

#[derive(Debug, thiserror::Error)]
#[error("the signing secret is not usable")]
pub struct BadSecret;

/// The `webhook-signature` header value for a delivery.
///
/// Computed with `hmac` and `sha2` rather than the `standardwebhooks` crate, which the tests
/// and the example receiver verify it with: that crate's SHA-256 is portable code, while
/// `sha2` uses the processor's SHA instructions where there are some, and signing was a
/// sixteenth of an order's cost (every order is signed once per delivery). Its secret rule is
/// kept: an optional `whsec_` prefix, then standard base64.
pub fn sign(secret: &str, webhook_id: &str, timestamp: i64, body: &str) -> Result<String, BadSecret> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap_or(secret)).map_err(|_| BadSecret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| BadSecret)?;
    for part in [webhook_id, ".", &timestamp.to_string(), ".", body] {
        mac.update(part.as_bytes());
    }
    Ok(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// Signed with every secret given, space-separated (the current secret first): during a
/// rotation a receiver holding either secret accepts the event.
pub fn sign_all(secrets: &[&str], webhook_id: &str, timestamp: i64, body: &str) -> Result<String, BadSecret> {
    if secrets.is_empty() {
        return Err(BadSecret);
    }
    let signatures = secrets.iter().map(|s| sign(s, webhook_id, timestamp, body)).collect::<Result<Vec<_>, _>>()?;
    Ok(signatures.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_the_same_secret_and_not_with_another() {
        let secret = new_secret();
        let sig = sign(&secret, "msg_1", 1_700_000_000, r#"{"a":1}"#).unwrap();
        assert!(sig.starts_with("v1,"));
        let again = sign(&secret, "msg_1", 1_700_000_000, r#"{"a":1}"#).unwrap();
        assert_eq!(sig, again);
        assert_ne!(sig, sign(&new_secret(), "msg_1", 1_700_000_000, r#"{"a":1}"#).unwrap());
        assert!(sign("whsec_???", "m", 1, "x").is_err());
    }

    #[test]
    fn the_signature_is_the_standard_webhooks_one() {
        // The reference library's own known answer.
        let sig = sign("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, r#"{"email":"test@example.com","username":"test_user"}"#);
        assert_eq!(sig.unwrap(), "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
        // A secret without its prefix is read the same way, as the library reads it.
        let bare = sign("C2FVsBQIhrscChlQIMV+b5sSYspob7oD", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, r#"{"email":"test@example.com","username":"test_user"}"#);
        assert_eq!(bare.unwrap(), "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
    }

    proptest::proptest! {
        #[test]
        fn every_signature_matches_the_reference_library(id in "[!-~]{1,40}", timestamp in proptest::num::i64::ANY, body in ".{0,300}", key in proptest::collection::vec(proptest::num::u8::ANY, 1..64)) {
            let secret = format!("whsec_{}", STANDARD.encode(&key));
            let reference = standardwebhooks::Webhook::new(&secret).unwrap().sign(&id, timestamp, body.as_bytes()).unwrap();
            proptest::prop_assert_eq!(sign(&secret, &id, timestamp, &body).unwrap(), reference);
        }
    }

    #[test]
    fn during_a_rotation_either_secret_verifies_the_event() {
        let (old, new) = (new_secret(), new_secret());
        let header = sign_all(&[&new, &old], "msg_2", 1_700_000_000, "{}").unwrap();
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        let now = chrono::Utc::now().timestamp();
        let sig = sign_all(&[&new, &old], "msg_2", now, "{}").unwrap();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("webhook-id", "msg_2".parse().unwrap());
        headers.insert("webhook-timestamp", now.to_string().parse().unwrap());
        headers.insert("webhook-signature", sig.parse().unwrap());
        for secret in [&old, &new] {
            assert!(standardwebhooks::Webhook::new(secret).unwrap().verify(b"{}", &headers).is_ok());
        }
        assert!(standardwebhooks::Webhook::new(&new_secret()).unwrap().verify(b"{}", &headers).is_err());
        assert!(sign_all(&[], "m", 1, "x").is_err());
    }
}
