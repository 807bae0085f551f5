//! Standard Webhooks signatures: `webhook-id`, `webhook-timestamp`, `webhook-signature`
//! (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`), secrets as `whsec_` + base64.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
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
pub fn sign(secret: &str, webhook_id: &str, timestamp: i64, body: &str) -> Result<String, BadSecret> {
    let hook = standardwebhooks::Webhook::new(secret).map_err(|_| BadSecret)?;
    hook.sign(webhook_id, timestamp, body.as_bytes()).map_err(|_| BadSecret)
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
}
