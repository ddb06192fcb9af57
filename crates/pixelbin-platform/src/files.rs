//! Single files: get by `_id` or `fileId`, update, delete one or many.

use pixelbin_http::{ApiRequest, Error};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::endpoint::{send_json, url};
use crate::setters::setters;
use crate::{Access, Assets, validate};

const FILES: &str = "/service/platform/assets/v1.0/files";

/// A stored file (the reference's `FilesResponse` and `UploadResponse`): uploads, file
/// look-ups and the playground's default asset all answer with it. Defined in
/// `pixelbin_http::model` and shared with `pixelbin-upload`; fields the service adds later land
/// in its `extra` map.
pub use pixelbin_http::model::FileObject;

/// Former name of [`FileObject`].
#[deprecated(
    since = "0.2.0",
    note = "renamed to `FileObject`, the one name of a stored file"
)]
pub type FileInfo = FileObject;

/// Former name of [`FileObject`] for what uploads answer.
#[deprecated(
    since = "0.2.0",
    note = "renamed to `FileObject`, the one name of a stored file"
)]
pub type UploadResponse = FileObject;

/// Changes for [`Assets::update_file`]; unset fields are left unchanged.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateFileParams {
    /// New file name.
    pub name: Option<String>,
    /// New containing folder path.
    pub path: Option<String>,
    /// New access level.
    pub access: Option<Access>,
    /// Activate or deactivate the file.
    pub is_active: Option<bool>,
    /// Replacement tags (`Some(vec![])` clears them).
    pub tags: Option<Vec<String>>,
    /// Replacement metadata (a JSON object).
    pub metadata: Option<Value>,
}

impl UpdateFileParams {
    /// No changes yet; chain setters to add some.
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if let Some(access) = &self.access {
            access.validate()?;
        }
        validate::mapping("metadata", self.metadata.as_ref())
    }
}

setters!(UpdateFileParams {
    name: text,
    path: text,
    access: access,
    is_active: flag,
    tags: opt_list,
    metadata: json,
});

#[derive(Serialize)]
struct DeleteFilesBody<'a> {
    ids: &'a [String],
}

impl Assets {
    /// `getFileById`: the file with this `_id`.
    ///
    /// `GET /service/platform/assets/v1.0/files/id/{_id}`
    pub async fn get_file_by_id(&self, id: &str) -> Result<FileObject, Error> {
        let id = validate::segment("_id", id)?;
        let url = url(&self.transport, FILES, &["id", id])?;
        send_json(&self.transport, ApiRequest::get(url)).await
    }

    /// `getFileByFileId`: the file at `fileId` (`path/to/name`).
    ///
    /// `GET /service/platform/assets/v1.0/files/{fileId}`
    pub async fn get_file_by_file_id(&self, file_id: &str) -> Result<FileObject, Error> {
        let segments = validate::asset_path("fileId", file_id)?;
        let url = url(&self.transport, FILES, &segments)?;
        send_json(&self.transport, ApiRequest::get(url)).await
    }

    /// `updateFile`: changes name, path, access, activity, tags or metadata of a file.
    ///
    /// `PATCH /service/platform/assets/v1.0/files/{fileId}` with the set fields as JSON.
    pub async fn update_file(
        &self,
        file_id: &str,
        params: UpdateFileParams,
    ) -> Result<FileObject, Error> {
        let segments = validate::asset_path("fileId", file_id)?;
        params.validate()?;
        let url = url(&self.transport, FILES, &segments)?;
        send_json(&self.transport, ApiRequest::patch(url).json(&params)?).await
    }

    /// `deleteFile`: deletes the file at `fileId` and returns what was deleted.
    ///
    /// `DELETE /service/platform/assets/v1.0/files/{fileId}`
    pub async fn delete_file(&self, file_id: &str) -> Result<FileObject, Error> {
        let segments = validate::asset_path("fileId", file_id)?;
        let url = url(&self.transport, FILES, &segments)?;
        send_json(&self.transport, ApiRequest::delete(url)).await
    }

    /// `deleteFiles`: deletes several files by `_id` and returns the deleted files.
    ///
    /// `POST /service/platform/assets/v1.0/files/delete` with `{"ids": [...]}`.
    pub async fn delete_files<I, S>(&self, ids: I) -> Result<Vec<FileObject>, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let ids: Vec<String> = ids.into_iter().map(Into::into).collect();
        if ids.is_empty() {
            return Err(Error::IllegalArgument(
                "ids: Missing data for required field (pass at least one file _id).".to_owned(),
            ));
        }
        for id in &ids {
            validate::required("ids", id)?;
        }
        let url = url(&self.transport, &format!("{FILES}/delete"), &[])?;
        let request = ApiRequest::post(url).json(&DeleteFilesBody { ids: &ids })?;
        send_json(&self.transport, request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn update_body_has_only_set_fields_in_camel_case() {
        let params = UpdateFileParams::new()
            .name("asset")
            .access(Access::Private)
            .is_active(false)
            .tags(["tag1", "tag2"])
            .metadata(json!({"key": "value"}));
        assert_eq!(
            serde_json::to_value(&params).unwrap(),
            json!({"name": "asset", "access": "private", "isActive": false,
                   "tags": ["tag1", "tag2"], "metadata": {"key": "value"}})
        );
        assert_eq!(
            serde_json::to_value(UpdateFileParams::new()).unwrap(),
            json!({})
        );
        assert_eq!(
            serde_json::to_value(UpdateFileParams::new().tags(Vec::<String>::new())).unwrap(),
            json!({"tags": []})
        );
    }

    #[test]
    fn update_params_are_validated() {
        assert!(UpdateFileParams::new().access("private").validate().is_ok());
        assert_eq!(
            UpdateFileParams::new()
                .access("public")
                .validate()
                .unwrap_err()
                .to_string(),
            "access: Must be one of: public-read, private."
        );
        let err = UpdateFileParams::new()
            .metadata(json!("text"))
            .validate()
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("metadata: Not a valid mapping type.")
        );
    }
}
