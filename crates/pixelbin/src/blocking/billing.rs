//! Blocking credit and storage usage.

use std::fmt;

use pixelbin_platform::{SubscriptionUsage, Usage};

use super::runtime::BlockingRuntime;
use crate::Error;

/// Blocking twin of [`pixelbin::Billing`](crate::Billing).
#[derive(Clone)]
pub struct Billing {
    inner: pixelbin_platform::Billing,
    runtime: BlockingRuntime,
}

impl Billing {
    pub(crate) fn new(inner: pixelbin_platform::Billing, runtime: BlockingRuntime) -> Self {
        Billing { inner, runtime }
    }

    /// `getUsageV2`; see [`pixelbin::platform::Billing::get_usage`](crate::platform::Billing::get_usage).
    pub fn get_usage(&self) -> Result<Usage, Error> {
        self.runtime
            .run("Billing::get_usage", self.inner.get_usage())
    }

    /// `getUsage` (deprecated by the service); see
    /// [`pixelbin::platform::Billing::get_subscription_usage`](crate::platform::Billing::get_subscription_usage).
    #[deprecated(
        note = "the service deprecated this call (it leaves out add-ons); use Billing::get_usage"
    )]
    pub fn get_subscription_usage(&self) -> Result<SubscriptionUsage, Error> {
        #[allow(deprecated)]
        let call = self.inner.get_subscription_usage();
        self.runtime.run("Billing::get_subscription_usage", call)
    }
}

impl fmt::Debug for Billing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Billing")
            .field(&self.inner)
            .finish()
    }
}
