//! The stored file object the service answers with.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Access;

crate::lenient_response! {
/// A stored file: what uploads (direct, URL, signed and multipart), file look-ups, updates,
/// deletes and the playground's default asset answer with (the reference's `FilesResponse` and
/// `UploadResponse`).
///
/// Every field is optional because the service omits some of them for some asset types; numbers
/// and booleans sent as strings (`"orgId": "1"`) are accepted. Fields this version does not know
/// are kept in [`extra`](Self::extra), so serializing gives back what was received.
///
/// ```
/// use pixelbin_http::model::{Access, FileObject};
///
/// let file: FileObject = serde_json::from_str(
///     r#"{"_id":"a0b0","name":"hero.jpeg","size":37394,"access":"public-read",
///         "url":"https://cdn.pixelbin.io/v2/demo/original/hero.jpeg","s3Key":"k.jpeg"}"#,
/// )?;
/// assert_eq!(file.size, Some(37394));
/// assert_eq!(file.access, Some(Access::PublicRead));
/// assert_eq!(file.extra["s3Key"], "k.jpeg");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FileObject {
    /// `_id`: the file's unique id.
    #[serde(rename = "_id")]
    pub id: Option<String>,
    /// Organization id.
    pub org_id: Option<u64>,
    /// `type`: `file`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// File name (without the folder path).
    pub name: Option<String>,
    /// Path of the containing folder.
    pub path: Option<String>,
    /// `path` + `name`: the id used to get, update and delete the file.
    pub file_id: Option<String>,
    /// File format, e.g. `jpeg`.
    pub format: Option<String>,
    /// Asset type, e.g. `image`, `video`.
    pub asset_type: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// Width in pixels (images and videos).
    pub width: Option<u64>,
    /// Height in pixels (images and videos).
    pub height: Option<u64>,
    /// Access level; a value this SDK does not know is kept in [`Access::Other`].
    pub access: Option<Access>,
    /// Whether the file is active.
    pub is_active: Option<bool>,
    /// Tags (`null` or missing reads as empty; empty tags are not serialized).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Metadata attached to the file.
    pub metadata: Option<Value>,
    /// Processing context the service attached (file metadata such as dimensions).
    pub context: Option<Value>,
    /// Whether this is an original upload (not a derived output).
    pub is_original: Option<bool>,
    /// CDN URL of the original.
    pub url: Option<String>,
    /// CDN URL of a thumbnail.
    pub thumbnail: Option<String>,
    /// Creation timestamp (ISO 8601).
    pub created_at: Option<String>,
    /// Last update timestamp (ISO 8601).
    pub updated_at: Option<String>,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn decodes_the_documented_file_object() {
        let body = json!({
            "_id": "a0b0b19a", "orgId": 5320086, "type": "file", "name": "testfile.jpeg",
            "path": "path/to", "fileId": "path/to/testfile.jpeg", "format": "jpeg",
            "assetType": "image", "size": 37394, "width": 720, "height": 450,
            "access": "public-read", "tags": ["tag1"], "metadata": {"source": ""},
            "context": {"meta": {"width": 720}}, "isOriginal": true,
            "url": "https://cdn.pixelbin.io/v2/user/original/testfile.jpeg",
            "createdAt": "2024-01-01T00:00:00Z", "uploadedBy": "sdk"
        });
        let file: FileObject = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(file.id.as_deref(), Some("a0b0b19a"));
        assert_eq!(file.org_id, Some(5320086));
        assert_eq!(file.kind.as_deref(), Some("file"));
        assert_eq!(file.file_id.as_deref(), Some("path/to/testfile.jpeg"));
        assert_eq!(file.asset_type.as_deref(), Some("image"));
        assert_eq!((file.width, file.height), (Some(720), Some(450)));
        assert_eq!(file.access, Some(Access::PublicRead));
        assert_eq!(file.tags, vec!["tag1".to_owned()]);
        assert_eq!(file.is_original, Some(true));
        assert_eq!(file.created_at.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(file.extra["uploadedBy"], "sdk");
        // Nothing is lost on the way back out.
        assert_eq!(serde_json::to_value(&file).unwrap(), body);
    }

    #[test]
    fn decodes_the_documented_file_and_keeps_unknown_fields() {
        let file: FileObject = serde_json::from_value(json!({
            "_id": "dummy-uuid", "name": "asset", "path": "dir", "fileId": "dir/asset",
            "format": "jpeg", "size": 1000, "access": "private", "isActive": true,
            "tags": ["tag1", "tag2"], "metadata": {"key": "value"},
            "url": "https://domain.com/filename.jpeg", "s3Key": "uploads/x.jpeg"
        }))
        .unwrap();
        assert_eq!(file.id.as_deref(), Some("dummy-uuid"));
        assert_eq!(file.file_id.as_deref(), Some("dir/asset"));
        assert_eq!(file.size, Some(1000));
        assert_eq!(file.access, Some(Access::Private));
        assert_eq!(file.is_active, Some(true));
        assert_eq!(file.tags, ["tag1", "tag2"]);
        assert_eq!(file.metadata, Some(json!({"key": "value"})));
        assert_eq!(file.extra.get("s3Key"), Some(&json!("uploads/x.jpeg")));
        // Serializing gives back the service's field names.
        let back = serde_json::to_value(&file).unwrap();
        assert_eq!(back["_id"], "dummy-uuid");
        assert_eq!(back["fileId"], "dir/asset");
        assert_eq!(back["isActive"], true);
        assert_eq!(back["s3Key"], "uploads/x.jpeg");
    }

    #[test]
    fn decodes_the_playground_asset_with_odd_types() {
        let file: FileObject = serde_json::from_value(json!({
            "isActive": true, "orgId": "1", "type": "file", "name": "abc.jpeg", "path": "/xyz",
            "fileId": "xyz/abc.jpeg", "format": "jpeg", "size": 100, "tags": null,
            "metadata": null, "access": "public-read", "width": null, "height": null,
            "meta": {}, "context": null, "assetType": null, "isOriginal": true,
            "_id": "35675e3a", "url": "https://cdn.pixelbin.io/v2/dummy-cloudname/original/xyz/abc.jpeg"
        }))
        .unwrap();
        assert_eq!(file.org_id, Some(1));
        assert_eq!(file.kind.as_deref(), Some("file"));
        assert!(file.tags.is_empty());
        assert_eq!(file.metadata, None);
        assert_eq!(file.width, None);
        assert_eq!(file.is_original, Some(true));
        assert_eq!(file.extra.get("meta"), Some(&json!({})));
    }

    #[test]
    fn tolerates_odd_scalars_and_missing_fields() {
        let file: FileObject = serde_json::from_value(json!({
            "orgId": "17", "width": 720.0, "height": null, "tags": null, "access": "team",
            "isOriginal": "false"
        }))
        .unwrap();
        assert_eq!(file.org_id, Some(17));
        assert_eq!(file.width, Some(720));
        assert_eq!(file.height, None);
        assert!(file.tags.is_empty());
        assert_eq!(file.access, Some(Access::Other("team".into())));
        assert_eq!(file.is_original, Some(false));
        // What cannot be read becomes `None`: the file still decodes.
        let odd: FileObject =
            serde_json::from_value(json!({"size": "big", "isActive": "yes"})).unwrap();
        assert_eq!((odd.size, odd.is_active), (None, None));
        // An empty object is a valid (if uninformative) file.
        assert_eq!(
            serde_json::from_value::<FileObject>(json!({})).unwrap(),
            FileObject::default()
        );
    }
}
