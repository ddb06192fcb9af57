//! Presets: named transformation chains (add, list, get, update, delete).

use futures::Stream;
use pixelbin_http::{ApiRequest, Error};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::endpoint::{send_json, url};
use crate::pagination::{Page, paged, paginate};
use crate::query::Query;
use crate::setters::setters;
use crate::{Assets, validate};

const PRESETS: &str = "/service/platform/assets/v1.0/presets";

pixelbin_http::lenient_response! {
/// A preset (`AddPresetResponse`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preset {
    /// `_id` of the preset.
    #[serde(rename = "_id")]
    pub id: Option<String>,
    /// Name of the preset.
    pub preset_name: Option<String>,
    /// The transformation chain, operations separated by `~`.
    pub transformation: Option<String>,
    /// Parameters for the chain's `$variables`.
    pub params: Option<Value>,
    /// Whether the preset is archived.
    pub archived: Option<bool>,
    /// Whether the preset is active.
    pub is_active: Option<bool>,
    /// Organization id.
    pub org_id: Option<u64>,
    /// Creation timestamp (ISO 8601).
    pub created_at: Option<String>,
    /// Last update timestamp (ISO 8601).
    pub updated_at: Option<String>,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

pixelbin_http::lenient_response! {
/// One page of presets (`GetPresetsResponse`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PresetsResponse {
    /// The presets on this page.
    pub items: Vec<Preset>,
    /// Where this page sits.
    #[serde(default, deserialize_with = "pixelbin_http::model::lenient::record")]
    pub page: Page,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

/// Filters and paging for [`Assets::get_presets`]; everything is optional.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetPresetsParams {
    /// Page number, from 1.
    pub page_no: Option<u32>,
    /// Presets per page, at least 1.
    pub page_size: Option<u32>,
    /// Preset name.
    pub name: Option<String>,
    /// Transformation chain.
    pub transformation: Option<String>,
    /// Archived (`true`) or live (`false`) presets only.
    pub archived: Option<bool>,
    /// Keys to sort by, sent as `sort[0]=..&sort[1]=..`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sort: Vec<String>,
}

impl GetPresetsParams {
    /// No filter: first page of every preset.
    pub fn new() -> Self {
        Self::default()
    }

    /// Validates and encodes the query in the reference's order.
    pub(crate) fn query(&self) -> Result<Query, Error> {
        validate::positive("pageNo", self.page_no)?;
        validate::positive("pageSize", self.page_size)?;
        Query::from_params(self)
    }
}

setters!(GetPresetsParams {
    page_no: number,
    page_size: number,
    name: text,
    transformation: text,
    archived: flag,
    sort: list,
});

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AddPresetBody<'a> {
    preset_name: &'a str,
    transformation: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<&'a Value>,
}

#[derive(Serialize)]
struct UpdatePresetBody {
    archived: bool,
}

impl Assets {
    /// `addPreset`: saves `transformation` under `preset_name`; `params` (a JSON object)
    /// describes the chain's `$variables`.
    ///
    /// `POST /service/platform/assets/v1.0/presets`
    ///
    /// ```no_run
    /// # async fn demo(assets: pixelbin_platform::Assets) -> Result<(), pixelbin_http::Error> {
    /// use serde_json::json;
    /// let preset = assets
    ///     .add_preset(
    ///         "pre-set_1",
    ///         "t.resize(w:$w,h:$h)~t.extract()",
    ///         Some(json!({"w": {"type": "integer", "default": 200},
    ///                     "h": {"type": "integer", "default": 400}})),
    ///     )
    ///     .await?;
    /// assert_eq!(preset.preset_name.as_deref(), Some("pre-set_1"));
    /// # Ok(()) }
    /// ```
    pub async fn add_preset(
        &self,
        preset_name: &str,
        transformation: &str,
        params: Option<Value>,
    ) -> Result<Preset, Error> {
        validate::required("presetName", preset_name)?;
        validate::required("transformation", transformation)?;
        validate::mapping("params", params.as_ref())?;
        let url = url(&self.transport, PRESETS, &[])?;
        let body = AddPresetBody {
            preset_name,
            transformation,
            params: params.as_ref(),
        };
        send_json(&self.transport, ApiRequest::post(url).json(&body)?).await
    }

    /// `getPresets`: one page of the organization's presets.
    ///
    /// `GET /service/platform/assets/v1.0/presets`
    pub async fn get_presets(&self, params: GetPresetsParams) -> Result<PresetsResponse, Error> {
        let query = params.query()?;
        let url = url(&self.transport, PRESETS, &[])?;
        send_json(&self.transport, query.apply(ApiRequest::get(url))).await
    }

    /// Every preset matching `params`, page after page, as a stream.
    ///
    /// Starts at `params.page_no` (default 1) and follows `page.hasNext`, fetching lazily.
    pub fn get_presets_stream(
        &self,
        params: GetPresetsParams,
    ) -> impl Stream<Item = Result<Preset, Error>> + Send + Unpin + 'static {
        paginate(self.clone(), params, |assets: Assets, params| async move {
            assets.get_presets(params).await
        })
    }

    /// `updatePreset`: archives (`true`) or restores (`false`) a preset.
    ///
    /// `PATCH /service/platform/assets/v1.0/presets/{presetName}` with `{"archived"}`.
    pub async fn update_preset(&self, preset_name: &str, archived: bool) -> Result<Preset, Error> {
        let preset_name = validate::segment("presetName", preset_name)?;
        let url = url(&self.transport, PRESETS, &[preset_name])?;
        let request = ApiRequest::patch(url).json(&UpdatePresetBody { archived })?;
        send_json(&self.transport, request).await
    }

    /// `deletePreset`: deletes a preset and returns it.
    ///
    /// `DELETE /service/platform/assets/v1.0/presets/{presetName}`
    pub async fn delete_preset(&self, preset_name: &str) -> Result<Preset, Error> {
        let preset_name = validate::segment("presetName", preset_name)?;
        let url = url(&self.transport, PRESETS, &[preset_name])?;
        send_json(&self.transport, ApiRequest::delete(url)).await
    }

    /// `getPreset`: the preset named `preset_name`.
    ///
    /// `GET /service/platform/assets/v1.0/presets/{presetName}`
    pub async fn get_preset(&self, preset_name: &str) -> Result<Preset, Error> {
        let preset_name = validate::segment("presetName", preset_name)?;
        let url = url(&self.transport, PRESETS, &[preset_name])?;
        send_json(&self.transport, ApiRequest::get(url)).await
    }
}

paged!(GetPresetsParams => PresetsResponse, Preset);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_matches_the_reference_example() {
        let query = GetPresetsParams::new()
            .page_no(1)
            .page_size(5)
            .name("t_0")
            .transformation("t.resize(a:0)")
            .archived(false)
            .sort(["updatedAt", "presetName"])
            .query()
            .unwrap();
        let pairs: Vec<(&str, &str)> = query
            .pairs()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("pageNo", "1"),
                ("pageSize", "5"),
                ("name", "t_0"),
                ("transformation", "t.resize(a:0)"),
                ("archived", "false"),
                ("sort[0]", "updatedAt"),
                ("sort[1]", "presetName"),
            ]
        );
        assert!(GetPresetsParams::new().query().unwrap().pairs().is_empty());
        assert!(GetPresetsParams::new().page_size(0).query().is_err());
    }

    #[test]
    fn bodies() {
        let params = json!({"w": {"type": "integer", "default": 200}});
        let body = AddPresetBody {
            preset_name: "pre-set_1",
            transformation: "t.resize(w:$w)",
            params: Some(&params),
        };
        assert_eq!(
            serde_json::to_value(body).unwrap(),
            json!({"presetName": "pre-set_1", "transformation": "t.resize(w:$w)",
                   "params": {"w": {"type": "integer", "default": 200}}})
        );
        let body = AddPresetBody {
            preset_name: "p",
            transformation: "t.flip()",
            params: None,
        };
        assert_eq!(
            serde_json::to_value(body).unwrap(),
            json!({"presetName": "p", "transformation": "t.flip()"})
        );
        assert_eq!(
            serde_json::to_value(UpdatePresetBody { archived: true }).unwrap(),
            json!({"archived": true})
        );
    }

    #[test]
    fn decodes_the_documented_page() {
        let response: PresetsResponse = serde_json::from_value(json!({
            "items": [{
                "_id": "f1ae2fc0", "createdAt": "2024-03-21T10:45:06.623Z",
                "updatedAt": "2024-03-21T10:45:06.623Z", "isActive": true, "orgId": 23,
                "presetName": "t_0", "transformation": "t.resize(a:0)", "archived": false,
                "params": {}
            }],
            "page": {"type": "number", "size": 2, "current": 1, "hasNext": true, "itemTotal": 10}
        }))
        .unwrap();
        let preset = &response.items[0];
        assert_eq!(preset.preset_name.as_deref(), Some("t_0"));
        assert_eq!(preset.archived, Some(false));
        assert_eq!(preset.org_id, Some(23));
        assert_eq!(response.page.item_total, Some(10));
    }
}
