//! `listFiles`: search files and folders, one page at a time or as a stream of items.

use futures::Stream;
use pixelbin_http::{ApiRequest, Error};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::endpoint::{send_json, url};
use crate::pagination::{Page, paged, paginate};
use crate::query::Query;
use crate::setters::setters;
use crate::{Access, Assets, validate};

const LIST_FILES: &str = "/service/platform/assets/v1.0/listFiles";

pixelbin_http::lenient_response! {
/// One entry of a listing: a file or a folder (the reference's `exploreItem`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileItem {
    /// `_id` of the file or folder.
    #[serde(rename = "_id")]
    pub id: Option<String>,
    /// Organization id.
    pub org_id: Option<u64>,
    /// Name of the item.
    pub name: Option<String>,
    /// `type`: `file` or `folder` (see [`is_file`](Self::is_file), [`is_folder`](Self::is_folder)).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Path of the containing folder.
    pub path: Option<String>,
    /// `path` + `name` (files).
    pub file_id: Option<String>,
    /// File format, e.g. `jpeg`.
    pub format: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// Access level.
    pub access: Option<Access>,
    /// Storage bucket.
    pub s3_bucket: Option<String>,
    /// Storage key.
    pub s3_key: Option<String>,
    /// Width in pixels (images).
    pub width: Option<u64>,
    /// Height in pixels (images).
    pub height: Option<u64>,
    /// Metadata attached to the file.
    pub metadata: Option<Value>,
    /// Creation timestamp (ISO 8601).
    pub created_at: Option<String>,
    /// Last update timestamp (ISO 8601).
    pub updated_at: Option<String>,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

impl FileItem {
    /// Whether the item is a file (`type == "file"`).
    pub fn is_file(&self) -> bool {
        self.kind.as_deref() == Some("file")
    }

    /// Whether the item is a folder (`type == "folder"`).
    pub fn is_folder(&self) -> bool {
        self.kind.as_deref() == Some("folder")
    }
}

pixelbin_http::lenient_response! {
/// One page of `listFiles` (`ListFilesResponse`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ListFilesResponse {
    /// The files and folders on this page.
    pub items: Vec<FileItem>,
    /// Where this page sits.
    #[serde(default, deserialize_with = "pixelbin_http::model::lenient::record")]
    pub page: Page,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

/// Filters and paging for [`Assets::list_files`]; everything is optional.
///
/// Unset and empty values are left out of the query; `tags` go out as `tags[0]=a&tags[1]=b`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListFilesParams {
    /// Find items with a matching name.
    pub name: Option<String>,
    /// Look in this folder path.
    pub path: Option<String>,
    /// Find files of this format, e.g. `jpeg`.
    pub format: Option<String>,
    /// Find items carrying these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Only files.
    pub only_files: Option<bool>,
    /// Only folders.
    pub only_folders: Option<bool>,
    /// Page number, from 1.
    pub page_no: Option<u32>,
    /// Items per page, at least 1.
    pub page_size: Option<u32>,
    /// Key to sort by; a `-` suffix sorts descending.
    pub sort: Option<String>,
}

impl ListFilesParams {
    /// No filter: the root folder, first page.
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

setters!(ListFilesParams {
    name: text,
    path: text,
    format: text,
    tags: list,
    only_files: flag,
    only_folders: flag,
    page_no: number,
    page_size: number,
    sort: text,
});

impl Assets {
    /// `listFiles`: one page of files and folders matching `params`.
    ///
    /// `GET /service/platform/assets/v1.0/listFiles`
    pub async fn list_files(&self, params: ListFilesParams) -> Result<ListFilesResponse, Error> {
        let query = params.query()?;
        let url = url(&self.transport, LIST_FILES, &[])?;
        send_json(&self.transport, query.apply(ApiRequest::get(url))).await
    }

    /// Every item of `listFiles`, page after page, as a stream (the reference's
    /// `listFilesPaginator`).
    ///
    /// Starts at `params.page_no` (default 1) and follows `page.hasNext`; pages are fetched
    /// lazily as the stream is polled. The first error ends the stream. The stream is `Unpin`,
    /// so `next()`/`try_next()` work on it directly.
    ///
    /// ```no_run
    /// # async fn demo(assets: pixelbin_platform::Assets) -> Result<(), pixelbin_http::Error> {
    /// use futures::TryStreamExt;
    /// use pixelbin_platform::ListFilesParams;
    ///
    /// let files: Vec<_> = assets
    ///     .list_files_stream(ListFilesParams::new().path("cats").only_files(true).page_size(50))
    ///     .try_collect()
    ///     .await?;
    /// println!("{} files", files.len());
    /// # Ok(()) }
    /// ```
    pub fn list_files_stream(
        &self,
        params: ListFilesParams,
    ) -> impl Stream<Item = Result<FileItem, Error>> + Send + Unpin + 'static {
        paginate(self.clone(), params, |assets: Assets, params| async move {
            assets.list_files(params).await
        })
    }
}

paged!(ListFilesParams => ListFilesResponse, FileItem);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(params: &ListFilesParams) -> Vec<(String, String)> {
        params.query().unwrap().pairs().to_vec()
    }

    #[test]
    fn query_matches_the_reference_example() {
        let params = ListFilesParams::new()
            .name("cat")
            .path("cat-photos")
            .format("jpeg")
            .tags(["cats", "animals"])
            .only_files(false)
            .only_folders(false)
            .page_no(1)
            .page_size(10)
            .sort("name");
        let expected: Vec<(String, String)> = [
            ("name", "cat"),
            ("path", "cat-photos"),
            ("format", "jpeg"),
            ("tags[0]", "cats"),
            ("tags[1]", "animals"),
            ("onlyFiles", "false"),
            ("onlyFolders", "false"),
            ("pageNo", "1"),
            ("pageSize", "10"),
            ("sort", "name"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        assert_eq!(pairs(&params), expected);
    }

    #[test]
    fn unset_and_empty_values_are_left_out() {
        assert!(pairs(&ListFilesParams::new()).is_empty());
        let params = ListFilesParams {
            name: Some(String::new()),
            ..ListFilesParams::new()
        };
        assert!(pairs(&params).is_empty());
    }

    #[test]
    fn zero_page_numbers_are_refused() {
        let err = ListFilesParams::new().page_no(0).query().unwrap_err();
        assert_eq!(err.to_string(), "pageNo: Must be at least 1.");
        let err = ListFilesParams::new().page_size(0).query().unwrap_err();
        assert_eq!(err.to_string(), "pageSize: Must be at least 1.");
    }

    #[test]
    fn decodes_the_documented_listing() {
        let response: ListFilesResponse = serde_json::from_value(json!({
            "items": [
                {"_id": "dummy-uuid", "name": "dir", "type": "folder"},
                {"_id": "dummy-uuid", "name": "asset2", "type": "file", "path": "dir",
                 "fileId": "dir/asset2", "format": "jpeg", "size": 1000, "access": "private"}
            ],
            "page": {"type": "number", "size": 4, "current": 1, "hasNext": false}
        }))
        .unwrap();
        assert!(response.items[0].is_folder());
        assert!(response.items[1].is_file());
        assert_eq!(response.items[1].access, Some(Access::Private));
        assert_eq!(response.page.has_next, Some(false));
        assert_eq!(response.page.current, Some(1));
    }
}
