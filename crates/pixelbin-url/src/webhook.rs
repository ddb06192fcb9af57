//! Webhook signatures: Pixelbin signs each webhook call made for a console-configured webhook
//! with `x-erbg-signature: hex(HMAC-SHA256(webhook_secret, raw_body))`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::UrlError;

/// The name of the HTTP header that carries a webhook's signature.
pub const WEBHOOK_SIGNATURE_HEADER: &str = "x-erbg-signature";

fn body_mac(body: &[u8], secret: &str) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body);
    mac
}

/// The `x-erbg-signature` value for `body`: `hex(HMAC-SHA256(secret, body))`.
///
/// Useful to sign webhook calls in tests or in a local emulator.
pub fn webhook_signature(body: &[u8], secret: &str) -> String {
    hex::encode(body_mac(body, secret).finalize().into_bytes())
}

/// Checks a webhook call: `signature` is the `x-erbg-signature` header value and `body` the
/// raw request body exactly as received (before any JSON parsing). The comparison takes
/// constant time.
///
/// # Errors
/// [`UrlError::MalformedWebhookSignature`] when the header is not 64 hex digits and
/// [`UrlError::WebhookSignatureMismatch`] when it does not match.
///
/// ```
/// use pixelbin_url::{verify_webhook_signature, webhook_signature};
///
/// let body = br#"{"event":"prediction.completed"}"#;
/// let header = webhook_signature(body, "whsec");
/// assert!(verify_webhook_signature(body, &header, "whsec").is_ok());
/// assert!(verify_webhook_signature(b"{}", &header, "whsec").is_err());
/// ```
pub fn verify_webhook_signature(
    body: &[u8],
    signature: &str,
    secret: &str,
) -> Result<(), UrlError> {
    let mut expected = [0u8; 32];
    hex::decode_to_slice(signature.trim(), &mut expected)
        .map_err(|_| UrlError::MalformedWebhookSignature)?;
    body_mac(body, secret)
        .verify_slice(&expected)
        .map_err(|_| UrlError::WebhookSignatureMismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_plain_hmac() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), RFC 4231 style vector.
        assert_eq!(
            webhook_signature(b"The quick brown fox jumps over the lazy dog", "key"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn verifies_and_rejects() {
        let sig = webhook_signature(b"body", "s");
        assert_eq!(verify_webhook_signature(b"body", &sig, "s"), Ok(()));
        assert_eq!(
            verify_webhook_signature(b"body", &format!(" {} ", sig.to_uppercase()), "s"),
            Ok(())
        );
        assert_eq!(
            verify_webhook_signature(b"body2", &sig, "s"),
            Err(UrlError::WebhookSignatureMismatch)
        );
        assert_eq!(
            verify_webhook_signature(b"body", &sig, "other"),
            Err(UrlError::WebhookSignatureMismatch)
        );
        assert_eq!(
            verify_webhook_signature(b"body", &sig[..62], "s"),
            Err(UrlError::MalformedWebhookSignature)
        );
        assert_eq!(
            verify_webhook_signature(b"body", "zz", "s"),
            Err(UrlError::MalformedWebhookSignature)
        );
    }
}
