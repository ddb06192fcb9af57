//! The `Billing` API group of `@pixelbin/admin` (not in the Python reference): the
//! organization's current usage of credits and storage.
//!
//! The admin SDK's models do not tie a response shape to each call; this crate reads the
//! current usage (`getUsageV2`) as `{storage: {total, used}, credits: {total, used}}` and the
//! deprecated subscription usage (`getUsage`) as `{credits: {used}, total: {credits, storage},
//! usage: {storage}}`. Every figure is optional and read leniently (a number or a numeric
//! string); the whole answer is kept in `raw`, so nothing the service sends is lost and no
//! field's type can fail the call.

use std::fmt;

use pixelbin_http::{ApiRequest, Error, Transport};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::endpoint::{send_json, url};

const USAGE: &str = "/service/platform/payment/v1.0/usage";
const SUBSCRIPTION_USAGE: &str = "/service/platform/payment/v1.0/usage/subscription";

/// Billing calls (`billing` in `@pixelbin/admin`).
///
/// Cheap to clone; `Send + Sync`.
///
/// ```no_run
/// # async fn demo() -> Result<(), pixelbin_http::Error> {
/// use pixelbin_http::{PixelbinConfig, Transport};
/// use pixelbin_platform::Billing;
///
/// let billing = Billing::new(Transport::new(PixelbinConfig::from_env()?)?);
/// let usage = billing.get_usage().await?;
/// if let (Some(used), Some(total)) = (usage.credits.used, usage.credits.total) {
///     println!("{used} of {total} credits used");
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Billing {
    transport: Transport,
}

impl Billing {
    /// Wraps a transport; every call goes through its auth, retry and timeout stack.
    pub fn new(transport: Transport) -> Self {
        Self { transport }
    }

    /// `getUsageV2`: the organization's current usage of credits and storage.
    ///
    /// `GET /service/platform/payment/v1.0/usage`
    pub async fn get_usage(&self) -> Result<Usage, Error> {
        let url = url(&self.transport, USAGE, &[])?;
        send_json(&self.transport, ApiRequest::get(url)).await
    }

    /// `getUsage`: the subscription's usage, without add-ons.
    ///
    /// `GET /service/platform/payment/v1.0/usage/subscription`
    #[deprecated(
        note = "the service deprecated this call (it leaves out add-ons); use Billing::get_usage"
    )]
    pub async fn get_subscription_usage(&self) -> Result<SubscriptionUsage, Error> {
        let url = url(&self.transport, SUBSCRIPTION_USAGE, &[])?;
        send_json(&self.transport, ApiRequest::get(url)).await
    }
}

impl fmt::Debug for Billing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Billing").finish_non_exhaustive()
    }
}

/// How much of one resource is used, of how much (`CreditUsageSchema`, `StorageUsageSchema`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct UsageFigure {
    /// What the plan allows; `None` when the service did not say (or has no limit).
    pub total: Option<f64>,
    /// What is used.
    pub used: Option<f64>,
}

impl UsageFigure {
    /// What is left (`total - used`), when both are known.
    pub fn remaining(&self) -> Option<f64> {
        Some(self.total? - self.used?)
    }

    fn from_json(value: &Value) -> UsageFigure {
        UsageFigure {
            total: number(&value["total"]),
            used: number(&value["used"]),
        }
    }
}

/// The current usage (`PixelbinUsageSchema`), answer of [`Billing::get_usage`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Usage {
    /// Credits of the plan and used.
    pub credits: UsageFigure,
    /// Storage of the plan and used.
    pub storage: UsageFigure,
    /// The whole answer as sent.
    pub raw: Value,
}

impl<'de> Deserialize<'de> for Usage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(deserializer)?;
        Ok(Usage {
            credits: UsageFigure::from_json(&raw["credits"]),
            storage: UsageFigure::from_json(&raw["storage"]),
            raw,
        })
    }
}

/// The subscription's usage (`CompleteUsageSchema`), answer of the deprecated
/// [`Billing::get_subscription_usage`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SubscriptionUsage {
    /// `credits.used`.
    pub credits_used: Option<f64>,
    /// `total.credits`: credits of the subscription.
    pub total_credits: Option<f64>,
    /// `total.storage`: storage of the subscription.
    pub total_storage: Option<f64>,
    /// `usage.storage`: storage used, as the service writes it (text).
    pub storage_used: Option<String>,
    /// The whole answer as sent.
    pub raw: Value,
}

impl<'de> Deserialize<'de> for SubscriptionUsage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(deserializer)?;
        Ok(SubscriptionUsage {
            credits_used: number(&raw["credits"]["used"]),
            total_credits: number(&raw["total"]["credits"]),
            total_storage: number(&raw["total"]["storage"]),
            storage_used: match &raw["usage"]["storage"] {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            },
            raw,
        })
    }
}

/// A number, or a string holding one; anything else is unknown.
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn usage_reads_numbers_and_numeric_strings() {
        let usage: Usage = serde_json::from_value(json!({
            "credits": {"total": 500, "used": "12.5"},
            "storage": {"total": 1e10, "used": 1024},
            "addons": [{"name": "extra"}],
        }))
        .unwrap();
        assert_eq!(usage.credits.total, Some(500.0));
        assert_eq!(usage.credits.used, Some(12.5));
        assert_eq!(usage.credits.remaining(), Some(487.5));
        assert_eq!(usage.storage.used, Some(1024.0));
        assert_eq!(usage.raw["addons"][0]["name"], "extra");
    }

    #[test]
    fn odd_or_missing_fields_never_fail_the_call() {
        for body in [
            json!({}),
            json!({"credits": null, "storage": "lots"}),
            json!({"credits": {"total": {"x": 1}, "used": [1]}}),
            json!([1, 2]),
        ] {
            let usage: Usage = serde_json::from_value(body.clone()).unwrap();
            assert_eq!(usage.credits, UsageFigure::default(), "{body}");
            assert_eq!(usage.raw, body);
        }
        let usage: Usage =
            serde_json::from_value(json!({"credits": {"total": null, "used": 3}})).unwrap();
        assert_eq!(usage.credits.used, Some(3.0));
        assert_eq!(usage.credits.remaining(), None);
    }

    #[test]
    fn subscription_usage_reads_the_complete_usage_shape() {
        let usage: SubscriptionUsage = serde_json::from_value(json!({
            "credits": {"used": 7},
            "total": {"credits": "100", "storage": 2048},
            "usage": {"storage": "1.5 GB"},
        }))
        .unwrap();
        assert_eq!(usage.credits_used, Some(7.0));
        assert_eq!(usage.total_credits, Some(100.0));
        assert_eq!(usage.total_storage, Some(2048.0));
        assert_eq!(usage.storage_used.as_deref(), Some("1.5 GB"));
        let empty: SubscriptionUsage = serde_json::from_value(json!({"usage": 3})).unwrap();
        assert_eq!(empty.storage_used, None);
    }
}
