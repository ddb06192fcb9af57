//! Webhook deliveries of prediction jobs: check the signature, then read the job.
//!
//! Pixelbin signs each delivery with `x-erbg-signature: hex(HMAC-SHA256(webhook secret, raw
//! body))` ([`pixelbin_url::verify_webhook_signature`] checks it in constant time). The body
//! is the job in its final state, read here as a [`Prediction`]; since a delivery's shape is
//! the service's to change, the event keeps the whole JSON and a body that is JSON but not a
//! job still parses, with no [`prediction`](WebhookEvent::prediction).

use serde_json::Value;

use crate::prediction::Prediction;

/// The HTTP header that carries a delivery's signature.
pub use pixelbin_url::WEBHOOK_SIGNATURE_HEADER;

/// One webhook delivery, read from its verified body.
///
/// ```
/// use pixelbin_predictions::WebhookEvent;
/// use pixelbin_url::webhook_signature;
///
/// let body = br#"{"_id":"erase--bg--1","status":"SUCCESS","output":["https://cdn/x.png"]}"#;
/// let signature = webhook_signature(body, "whsec");
/// let event = WebhookEvent::verify(body, Some(&signature), "whsec")?;
/// let job = event.prediction.expect("a prediction job");
/// assert_eq!(job.id, "erase--bg--1");
/// assert!(WebhookEvent::verify(body, Some(&signature), "other-secret").is_err());
/// # Ok::<(), pixelbin_predictions::WebhookError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookEvent {
    /// The job the delivery reports, when the body reads as one.
    pub prediction: Option<Prediction>,
    /// The whole body as sent.
    pub raw: Value,
}

impl WebhookEvent {
    /// Checks `signature` (the `x-erbg-signature` header, `None` when absent) against the raw
    /// `body` with the webhook `secret`, then reads the body.
    ///
    /// # Errors
    /// [`WebhookError::MissingSignature`], [`WebhookError::Signature`] when it does not verify,
    /// [`WebhookError::Body`] when the verified body is not JSON.
    pub fn verify(
        body: &[u8],
        signature: Option<&str>,
        secret: &str,
    ) -> Result<WebhookEvent, WebhookError> {
        let signature = signature.ok_or(WebhookError::MissingSignature)?;
        pixelbin_url::verify_webhook_signature(body, signature, secret)
            .map_err(WebhookError::Signature)?;
        WebhookEvent::parse(body)
    }

    /// Reads a body whose signature was already checked.
    ///
    /// # Errors
    /// [`WebhookError::Body`] when the body is not JSON.
    pub fn parse(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
        let raw: Value = serde_json::from_slice(body).map_err(WebhookError::Body)?;
        let prediction = serde_json::from_value(raw.clone()).ok();
        Ok(WebhookEvent { prediction, raw })
    }
}

/// Why a webhook delivery was not accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The delivery has no `x-erbg-signature` header.
    #[error(
        "the delivery has no x-erbg-signature header: it is not signed (is a webhook secret set where it was sent from?)"
    )]
    MissingSignature,
    /// The signature is malformed or was made with another secret or over another body.
    #[error("the delivery's x-erbg-signature does not verify with this webhook secret")]
    Signature(#[source] pixelbin_url::UrlError),
    /// The body is not JSON.
    #[error("the delivery's body is not JSON")]
    Body(#[source] serde_json::Error),
}

#[cfg(test)]
mod tests {
    use super::*;
    use pixelbin_url::webhook_signature;

    #[test]
    fn a_tampered_body_or_missing_signature_is_refused() {
        let body = br#"{"_id":"erase--bg--1","status":"SUCCESS"}"#;
        let signature = webhook_signature(body, "s");
        let tampered = br#"{"_id":"erase--bg--2","status":"SUCCESS"}"#;
        assert!(matches!(
            WebhookEvent::verify(tampered, Some(&signature), "s"),
            Err(WebhookError::Signature(_))
        ));
        assert!(matches!(
            WebhookEvent::verify(body, None, "s"),
            Err(WebhookError::MissingSignature)
        ));
        assert!(matches!(
            WebhookEvent::verify(body, Some("zz"), "s"),
            Err(WebhookError::Signature(_))
        ));
    }

    #[test]
    fn any_json_parses_and_keeps_the_raw_body() {
        let event = WebhookEvent::parse(br#"{"event":"something.new","data":[1]}"#).unwrap();
        assert!(event.prediction.is_none());
        assert_eq!(event.raw["event"], "something.new");
        let event =
            WebhookEvent::parse(br#"{"_id":"a--b--c","status":"NEW_STATUS","x":1}"#).unwrap();
        assert_eq!(event.prediction.unwrap().status.as_str(), "NEW_STATUS");
        assert!(matches!(
            WebhookEvent::parse(b"not json"),
            Err(WebhookError::Body(_))
        ));
    }
}
