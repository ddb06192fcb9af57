//! The `Organization` API group: details of the app (API token) and its organization.

use std::fmt;

use pixelbin_http::{ApiRequest, Error, Transport};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::endpoint::{send_json, url};

const APP_INFO: &str = "/service/platform/organization/v1.0/apps/info";

/// Organization calls (`pixelbin.organization` in the reference).
///
/// Cheap to clone; `Send + Sync`.
///
/// ```no_run
/// # async fn demo() -> Result<(), pixelbin_http::Error> {
/// use pixelbin_http::{PixelbinConfig, Transport};
/// use pixelbin_platform::Organization;
///
/// let organization = Organization::new(Transport::new(PixelbinConfig::from_env()?)?);
/// let details = organization.get_app_org_details().await?;
/// if let Some(org) = &details.org {
///     println!("cloud name: {:?}", org.cloud_name);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Organization {
    transport: Transport,
}

impl Organization {
    /// Wraps a transport; every call goes through its auth, retry and timeout stack.
    pub fn new(transport: Transport) -> Self {
        Self { transport }
    }

    /// `getAppOrgDetails`: the app behind the API token and its organization.
    ///
    /// `GET /service/platform/organization/v1.0/apps/info`
    pub async fn get_app_org_details(&self) -> Result<AppOrgDetails, Error> {
        let url = url(&self.transport, APP_INFO, &[])?;
        send_json(&self.transport, ApiRequest::get(url)).await
    }
}

impl fmt::Debug for Organization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Organization").finish_non_exhaustive()
    }
}

pixelbin_http::lenient_response! {
/// The app and organization behind the API token (`AppOrgDetails`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AppOrgDetails {
    /// The app (API token) details.
    pub app: Option<AppDetails>,
    /// The organization details.
    pub org: Option<OrgDetails>,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

pixelbin_http::lenient_response! {
/// An app, i.e. an API token holder (`AppSchema`).
///
/// `Debug` hides [`token`](Self::token): it may be the API secret itself.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppDetails {
    /// `_id` of the app.
    #[serde(rename = "_id")]
    pub id: Option<u64>,
    /// Organization id.
    pub org_id: Option<u64>,
    /// App name.
    pub name: Option<String>,
    /// The app's API token, when the service includes it.
    pub token: Option<String>,
    /// Permissions, e.g. `read`, `read_write`.
    pub permissions: Vec<String>,
    /// Whether the app is active.
    pub active: Option<bool>,
    /// Creation timestamp (ISO 8601).
    pub created_at: Option<String>,
    /// Last update timestamp (ISO 8601).
    pub updated_at: Option<String>,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

impl fmt::Debug for AppDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppDetails")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("name", &self.name)
            .field(
                "token",
                &self.token.as_ref().map(|_| pixelbin_http::Redacted),
            )
            .field("permissions", &self.permissions)
            .field("active", &self.active)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("extra", &self.extra)
            .finish()
    }
}

pixelbin_http::lenient_response! {
/// An organization (`OrganizationDetailSchema`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgDetails {
    /// `_id` of the organization.
    #[serde(rename = "_id")]
    pub id: Option<u64>,
    /// Organization name.
    pub name: Option<String>,
    /// Cloud name used in CDN URLs.
    pub cloud_name: Option<String>,
    /// User id of the owner.
    pub owner_id: Option<String>,
    /// Whether the organization is active.
    pub active: Option<bool>,
    /// Creation timestamp (ISO 8601).
    pub created_at: Option<String>,
    /// Last update timestamp (ISO 8601).
    pub updated_at: Option<String>,
    /// Every field not listed above (e.g. `accountType`, `industry`), kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_the_documented_example() {
        let details: AppOrgDetails = serde_json::from_value(json!({
            "app": {"_id": 123, "orgId": 12, "name": "Desktop Client App",
                    "permissions": ["read", "read_write"], "active": false,
                    "createdAt": "2021-07-15T07:47:00Z", "updatedAt": "2021-07-15T07:47:00Z"},
            "org": {"_id": 12, "name": "org_1", "cloudName": "testcloudname",
                    "accountType": "individual", "industry": "Ecommerce", "strength": "1",
                    "active": "false"}
        }))
        .unwrap();
        let app = details.app.unwrap();
        assert_eq!(app.id, Some(123));
        assert_eq!(app.permissions, ["read", "read_write"]);
        let org = details.org.unwrap();
        assert_eq!(org.cloud_name.as_deref(), Some("testcloudname"));
        assert_eq!(org.active, Some(false));
        assert_eq!(org.extra.get("accountType"), Some(&json!("individual")));
    }

    #[test]
    fn debug_hides_the_app_token() {
        let app = AppDetails {
            token: Some("super-secret-token".into()),
            ..AppDetails::default()
        };
        let debug = format!("{app:?}");
        assert!(!debug.contains("super-secret-token"), "{debug}");
        assert!(debug.contains("token: Some([REDACTED])"), "{debug}");
    }
}
