//! Credentials of transformation modules (plugins): add, update, delete.

use pixelbin_http::{ApiRequest, Error};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::endpoint::{send_json, url};
use crate::{Assets, validate};

const CREDENTIALS: &str = "/service/platform/assets/v1.0/credentials";

pixelbin_http::lenient_response! {
/// A plugin's stored credentials record (`AddCredentialsResponse`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialsInfo {
    /// `_id` of the record.
    #[serde(rename = "_id")]
    pub id: Option<String>,
    /// The plugin the credentials belong to, e.g. `awsRek`.
    pub plugin_id: Option<String>,
    /// Organization id.
    pub org_id: Option<u64>,
    /// The credentials, when the service echoes them.
    pub credentials: Option<Value>,
    /// Creation timestamp (ISO 8601).
    pub created_at: Option<String>,
    /// Last update timestamp (ISO 8601).
    pub updated_at: Option<String>,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AddCredentialsBody<'a> {
    credentials: &'a Value,
    plugin_id: &'a str,
}

#[derive(Serialize)]
struct UpdateCredentialsBody<'a> {
    credentials: &'a Value,
}

fn check_credentials(credentials: &Value) -> Result<(), Error> {
    validate::mapping("credentials", Some(credentials))
}

impl Assets {
    /// `addCredentials`: stores `credentials` (a JSON object) for plugin `plugin_id`.
    ///
    /// `POST /service/platform/assets/v1.0/credentials` with `{"credentials", "pluginId"}`.
    ///
    /// ```no_run
    /// # async fn demo(assets: pixelbin_platform::Assets) -> Result<(), pixelbin_http::Error> {
    /// let stored = assets
    ///     .add_credentials(
    ///         "awsRek",
    ///         serde_json::json!({"region": "ap-south-1", "accessKeyId": "123456789ABC",
    ///                            "secretAccessKey": "DUMMY1234567890"}),
    ///     )
    ///     .await?;
    /// println!("{:?}", stored.id);
    /// # Ok(()) }
    /// ```
    pub async fn add_credentials(
        &self,
        plugin_id: &str,
        credentials: Value,
    ) -> Result<CredentialsInfo, Error> {
        validate::required("pluginId", plugin_id)?;
        check_credentials(&credentials)?;
        let url = url(&self.transport, CREDENTIALS, &[])?;
        let body = AddCredentialsBody {
            credentials: &credentials,
            plugin_id,
        };
        send_json(&self.transport, ApiRequest::post(url).json(&body)?).await
    }

    /// `updateCredentials`: replaces the credentials of plugin `plugin_id`.
    ///
    /// `PATCH /service/platform/assets/v1.0/credentials/{pluginId}` with `{"credentials"}`.
    pub async fn update_credentials(
        &self,
        plugin_id: &str,
        credentials: Value,
    ) -> Result<CredentialsInfo, Error> {
        let plugin_id = validate::segment("pluginId", plugin_id)?;
        check_credentials(&credentials)?;
        let url = url(&self.transport, CREDENTIALS, &[plugin_id])?;
        let body = UpdateCredentialsBody {
            credentials: &credentials,
        };
        send_json(&self.transport, ApiRequest::patch(url).json(&body)?).await
    }

    /// `deleteCredentials`: removes the credentials of plugin `plugin_id`.
    ///
    /// `DELETE /service/platform/assets/v1.0/credentials/{pluginId}`
    pub async fn delete_credentials(&self, plugin_id: &str) -> Result<CredentialsInfo, Error> {
        let plugin_id = validate::segment("pluginId", plugin_id)?;
        let url = url(&self.transport, CREDENTIALS, &[plugin_id])?;
        send_json(&self.transport, ApiRequest::delete(url)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn add_body_matches_the_reference() {
        let credentials = json!({"region": "ap-south-1"});
        let body = AddCredentialsBody {
            credentials: &credentials,
            plugin_id: "awsRek",
        };
        assert_eq!(
            serde_json::to_value(body).unwrap(),
            json!({"credentials": {"region": "ap-south-1"}, "pluginId": "awsRek"})
        );
    }

    #[test]
    fn credentials_must_be_an_object() {
        assert!(check_credentials(&json!({})).is_ok());
        let err = check_credentials(&json!("secret")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("credentials: Not a valid mapping type.")
        );
    }

    #[test]
    fn decodes_the_documented_record() {
        let info: CredentialsInfo = serde_json::from_value(json!({
            "_id": "123ee789", "createdAt": "2022-10-04T09:52:09.545Z",
            "updatedAt": "2022-10-04T09:52:09.545Z", "orgId": 23, "pluginId": "awsRek"
        }))
        .unwrap();
        assert_eq!(info.plugin_id.as_deref(), Some("awsRek"));
        assert_eq!(info.org_id, Some(23));
        assert!(info.extra.is_empty());
    }
}
