//! Blocking organization details.

use std::fmt;

use pixelbin_platform::AppOrgDetails;

use super::runtime::BlockingRuntime;
use crate::Error;

/// Blocking twin of [`pixelbin::Organization`](crate::Organization).
#[derive(Clone)]
pub struct Organization {
    inner: pixelbin_platform::Organization,
    runtime: BlockingRuntime,
}

impl Organization {
    pub(crate) fn new(inner: pixelbin_platform::Organization, runtime: BlockingRuntime) -> Self {
        Organization { inner, runtime }
    }

    /// `getAppOrgDetails`; see [`pixelbin::platform::Organization::get_app_org_details`](crate::platform::Organization::get_app_org_details).
    pub fn get_app_org_details(&self) -> Result<AppOrgDetails, Error> {
        self.runtime.run(
            "Organization::get_app_org_details",
            self.inner.get_app_org_details(),
        )
    }
}

impl fmt::Debug for Organization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Organization")
            .field(&self.inner)
            .finish()
    }
}
