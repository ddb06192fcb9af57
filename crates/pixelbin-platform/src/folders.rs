//! Folders: create, details, update, delete, ancestors.

use pixelbin_http::{ApiRequest, Error};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::endpoint::{send_json, url};
use crate::query::Query;
use crate::setters::setters;
use crate::{Assets, FileItem, validate};

const FOLDERS: &str = "/service/platform/assets/v1.0/folders";

pixelbin_http::lenient_response! {
/// A folder (the reference's `FoldersResponse` and `folderItem`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FolderInfo {
    /// `_id`: the folder's unique id (used by `delete_folder` and `get_folder_ancestors`).
    #[serde(rename = "_id")]
    pub id: Option<String>,
    /// Organization id.
    pub org_id: Option<u64>,
    /// Folder name.
    pub name: Option<String>,
    /// Path of the parent folder (`""` at the root).
    pub path: Option<String>,
    /// `type`: `folder`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Whether the folder is active (inactive = soft-deleted).
    pub is_active: Option<bool>,
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
/// A folder and the chain of folders above it (`GetAncestorsResponse`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AncestorsResponse {
    /// The folder asked about.
    pub folder: Option<FolderInfo>,
    /// Its ancestors, outermost first.
    pub ancestors: Vec<FolderInfo>,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

/// Filters for [`Assets::get_folder_details`]; both are optional.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FolderDetailsParams {
    /// Path of the folder's parent, e.g. `dir1/dir2`.
    pub path: Option<String>,
    /// Folder name.
    pub name: Option<String>,
}

impl FolderDetailsParams {
    /// No filter yet; chain setters to add some.
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn query(&self) -> Result<Query, Error> {
        Query::from_params(self)
    }
}

setters!(FolderDetailsParams {
    path: text,
    name: text
});

#[derive(Serialize)]
struct CreateFolderBody<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UpdateFolderBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    is_active: Option<bool>,
}

/// The service documents one item but its example is a list: accept both.
fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<FileItem>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<FileItem>),
        One(Box<FileItem>),
        Nothing(()),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::Many(items) => items,
        OneOrMany::One(item) => vec![*item],
        OneOrMany::Nothing(()) => Vec::new(),
    })
}

#[derive(Deserialize)]
struct FolderDetails(#[serde(deserialize_with = "one_or_many")] Vec<FileItem>);

impl Assets {
    /// `createFolder`: creates folder `name` under `path` (and any missing ancestors).
    ///
    /// `POST /service/platform/assets/v1.0/folders` with `{"name", "path"}`.
    pub async fn create_folder(&self, name: &str, path: Option<&str>) -> Result<FolderInfo, Error> {
        validate::required("name", name)?;
        let url = url(&self.transport, FOLDERS, &[])?;
        let body = CreateFolderBody { name, path };
        send_json(&self.transport, ApiRequest::post(url).json(&body)?).await
    }

    /// `getFolderDetails`: the folders matching `path` and/or `name`.
    ///
    /// `GET /service/platform/assets/v1.0/folders?path=..&name=..`
    pub async fn get_folder_details(
        &self,
        params: FolderDetailsParams,
    ) -> Result<Vec<FileItem>, Error> {
        let url = url(&self.transport, FOLDERS, &[])?;
        let request = params.query()?.apply(ApiRequest::get(url));
        let FolderDetails(items) = send_json(&self.transport, request).await?;
        Ok(items)
    }

    /// `updateFolder`: sets `isActive` of the folder at `folderId` (`path/name`).
    ///
    /// `is_active: Some(false)` soft-deletes it; the service does not rename or move folders.
    /// `PATCH /service/platform/assets/v1.0/folders/{folderId}`
    pub async fn update_folder(
        &self,
        folder_id: &str,
        is_active: Option<bool>,
    ) -> Result<FolderInfo, Error> {
        let segments = validate::asset_path("folderId", folder_id)?;
        let url = url(&self.transport, FOLDERS, &segments)?;
        let request = ApiRequest::patch(url).json(&UpdateFolderBody { is_active })?;
        send_json(&self.transport, request).await
    }

    /// `deleteFolder`: permanently deletes the folder with this `_id` and everything in it.
    ///
    /// `DELETE /service/platform/assets/v1.0/folders/{_id}`
    pub async fn delete_folder(&self, id: &str) -> Result<FolderInfo, Error> {
        let id = validate::segment("_id", id)?;
        let url = url(&self.transport, FOLDERS, &[id])?;
        send_json(&self.transport, ApiRequest::delete(url)).await
    }

    /// `getFolderAncestors`: the folder with this `_id` and its ancestors.
    ///
    /// `GET /service/platform/assets/v1.0/folders/{_id}/ancestors`
    pub async fn get_folder_ancestors(&self, id: &str) -> Result<AncestorsResponse, Error> {
        let id = validate::segment("_id", id)?;
        let url = url(&self.transport, FOLDERS, &[id, "ancestors"])?;
        send_json(&self.transport, ApiRequest::get(url)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_ancestors() {
        let response: AncestorsResponse = serde_json::from_value(json!({
            "folder": {"_id": "dummy-uuid", "name": "subDir", "path": "dir1/dir2", "isActive": true},
            "ancestors": [
                {"_id": "a", "name": "dir1", "path": "", "isActive": true},
                {"_id": "b", "name": "dir2", "path": "dir1", "isActive": true}
            ]
        }))
        .unwrap();
        assert_eq!(response.folder.unwrap().path.as_deref(), Some("dir1/dir2"));
        let names: Vec<_> = response
            .ancestors
            .iter()
            .filter_map(|f| f.name.as_deref())
            .collect();
        assert_eq!(names, ["dir1", "dir2"]);
    }

    #[test]
    fn folder_details_accept_a_list_or_one_item() {
        let list: FolderDetails =
            serde_json::from_value(json!([{"_id": "x", "name": "asset2", "type": "file"}]))
                .unwrap();
        assert_eq!(list.0.len(), 1);
        let one: FolderDetails =
            serde_json::from_value(json!({"_id": "x", "name": "dir", "type": "folder"})).unwrap();
        assert_eq!(one.0[0].name.as_deref(), Some("dir"));
        let none: FolderDetails = serde_json::from_value(json!(null)).unwrap();
        assert!(none.0.is_empty());
    }

    #[test]
    fn bodies_and_queries() {
        assert_eq!(
            serde_json::to_value(CreateFolderBody {
                name: "subDir",
                path: Some("dir")
            })
            .unwrap(),
            json!({"name": "subDir", "path": "dir"})
        );
        assert_eq!(
            serde_json::to_value(CreateFolderBody {
                name: "top",
                path: None
            })
            .unwrap(),
            json!({"name": "top"})
        );
        assert_eq!(
            serde_json::to_value(UpdateFolderBody {
                is_active: Some(false)
            })
            .unwrap(),
            json!({"isActive": false})
        );
        let query = FolderDetailsParams::new()
            .path("dir1/dir2")
            .name("dir")
            .query()
            .unwrap();
        assert_eq!(
            query.pairs(),
            [
                ("path".to_owned(), "dir1/dir2".to_owned()),
                ("name".to_owned(), "dir".to_owned())
            ]
        );
        assert!(
            FolderDetailsParams::new()
                .query()
                .unwrap()
                .pairs()
                .is_empty()
        );
    }
}
