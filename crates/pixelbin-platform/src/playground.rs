//! Playground: the default asset and the transformation modules (plugins) on offer.

use std::collections::BTreeMap;

use pixelbin_http::{ApiRequest, Error};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::endpoint::{send_json, url};
use crate::{Assets, FileObject, Preset, validate};

const PLAYGROUND: &str = "/service/platform/assets/v1.0/playground";

pixelbin_http::lenient_response! {
/// How transformation URLs separate operations and parameters (`Delimiter`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delimiters {
    /// Between operations, e.g. `~`.
    pub operation_separator: Option<String>,
    /// Between an operation's parameters, e.g. `:`.
    pub parameter_separator: Option<String>,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

pixelbin_http::lenient_response! {
/// One operation a module offers, e.g. `erase.bg`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleOperation {
    /// The operation's method name as used in URLs, e.g. `bg`.
    pub method: Option<String>,
    /// Human-readable name.
    pub display_name: Option<String>,
    /// What the operation does.
    pub description: Option<String>,
    /// The operation's parameter schema, as sent.
    pub params: Option<Value>,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

pixelbin_http::lenient_response! {
/// A transformation module, i.e. a plugin (`TransformationModuleResponse`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransformationModule {
    /// Identifier used in URLs, e.g. `erase`.
    pub identifier: Option<String>,
    /// Name, e.g. `EraseBG`.
    pub name: Option<String>,
    /// What the module does.
    pub description: Option<String>,
    /// Credentials requirements or values associated with the module.
    pub credentials: Option<Value>,
    /// Operations the module supports.
    pub operations: Vec<ModuleOperation>,
    /// Whether the module is enabled for the organization.
    pub enabled: Option<bool>,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

pixelbin_http::lenient_response! {
/// Every module, the URL delimiters and the saved presets (`TransformationModulesResponse`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransformationModules {
    /// URL delimiters.
    pub delimiters: Option<Delimiters>,
    /// Modules by identifier.
    #[serde(default, deserialize_with = "pixelbin_http::model::lenient::field")]
    pub plugins: BTreeMap<String, TransformationModule>,
    /// Saved presets.
    pub presets: Vec<Preset>,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

impl Assets {
    /// `getDefaultAssetForPlayground`: the sample asset the playground starts with.
    ///
    /// `GET /service/platform/assets/v1.0/playground/default`
    pub async fn get_default_asset_for_playground(&self) -> Result<FileObject, Error> {
        let url = url(&self.transport, PLAYGROUND, &["default"])?;
        send_json(&self.transport, ApiRequest::get(url)).await
    }

    /// `getModules`: every transformation module with the URL delimiters and saved presets.
    ///
    /// `GET /service/platform/assets/v1.0/playground/plugins`
    pub async fn get_modules(&self) -> Result<TransformationModules, Error> {
        let url = url(&self.transport, PLAYGROUND, &["plugins"])?;
        send_json(&self.transport, ApiRequest::get(url)).await
    }

    /// `getModule`: one transformation module by identifier, e.g. `erase` or `t`.
    ///
    /// `GET /service/platform/assets/v1.0/playground/plugins/{identifier}`
    pub async fn get_module(&self, identifier: &str) -> Result<TransformationModule, Error> {
        let identifier = validate::segment("identifier", identifier)?;
        let url = url(&self.transport, PLAYGROUND, &["plugins", identifier])?;
        send_json(&self.transport, ApiRequest::get(url)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn erase() -> Value {
        json!({
            "identifier": "erase", "name": "EraseBG",
            "description": "EraseBG Background Removal Module",
            "credentials": {"required": false},
            "operations": [{
                "params": {"name": "Industry Type", "type": "enum",
                           "enum": ["general", "ecommerce"], "default": "general",
                           "identifier": "i", "title": "Industry type"},
                "displayName": "Remove background of an image", "method": "bg",
                "description": "Remove the background of any image"
            }],
            "enabled": true
        })
    }

    #[test]
    fn decodes_the_documented_modules() {
        let modules: TransformationModules = serde_json::from_value(json!({
            "delimiters": {"operationSeparator": "~", "parameterSeparator": ":"},
            "plugins": {"erase": erase()},
            "presets": [{"_id": "dummy-id", "isActive": true, "orgId": "265",
                         "presetName": "compressor", "transformation": "t.compress(q:95)",
                         "archived": false}]
        }))
        .unwrap();
        let delimiters = modules.delimiters.unwrap();
        assert_eq!(delimiters.operation_separator.as_deref(), Some("~"));
        let erase = &modules.plugins["erase"];
        assert_eq!(erase.operations[0].method.as_deref(), Some("bg"));
        assert_eq!(erase.enabled, Some(true));
        assert_eq!(modules.presets[0].org_id, Some(265));
    }

    #[test]
    fn decodes_one_module() {
        let module: TransformationModule = serde_json::from_value(erase()).unwrap();
        assert_eq!(module.identifier.as_deref(), Some("erase"));
        assert_eq!(
            module.operations[0].display_name.as_deref(),
            Some("Remove background of an image")
        );
        assert_eq!(module.credentials, Some(json!({"required": false})));
    }
}
