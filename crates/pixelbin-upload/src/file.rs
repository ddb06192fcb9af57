//! The file object Pixelbin returns when an upload completes.

use serde::{Deserialize, Deserializer, Serialize, de::Error as _};
use serde_json::{Map, Value};

use crate::request::Access;

/// The stored file, as returned by the completion request.
///
/// Every field is optional because the service omits some of them for some
/// asset types; fields this version does not know are kept in [`extra`](Self::extra).
///
/// ```
/// use pixelbin_upload::UploadedFile;
///
/// let file: UploadedFile = serde_json::from_str(
///     r#"{"_id":"a0b0","name":"hero.jpeg","size":37394,"access":"public-read",
///         "url":"https://cdn.pixelbin.io/v2/demo/original/hero.jpeg","thumbnail":"t.jpeg"}"#,
/// ).unwrap();
/// assert_eq!(file.size, Some(37394));
/// assert_eq!(file.extra["thumbnail"], "t.jpeg");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UploadedFile {
    /// Record id (`_id`).
    #[serde(rename = "_id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Organization id.
    #[serde(
        default,
        deserialize_with = "opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub org_id: Option<u64>,
    /// Entity type, `"file"`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// File name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Path of the containing folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// File id (path + name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// File format, e.g. `"jpeg"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Asset type, e.g. `"image"`, `"video"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_type: Option<String>,
    /// Size in bytes.
    #[serde(
        default,
        deserialize_with = "opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub size: Option<u64>,
    /// Width in pixels (images and videos).
    #[serde(
        default,
        deserialize_with = "opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub width: Option<u64>,
    /// Height in pixels (images and videos).
    #[serde(
        default,
        deserialize_with = "opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub height: Option<u64>,
    /// Access level as sent by the server (see [`UploadedFile::access_level`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<String>,
    /// Tags.
    #[serde(
        default,
        deserialize_with = "vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<String>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// File metadata and processing context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    /// Whether this is an original (not a derived) file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_original: Option<bool>,
    /// CDN URL of the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Fields not modelled above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl UploadedFile {
    /// The access level, when it is one of the known values.
    pub fn access_level(&self) -> Option<Access> {
        match self.access.as_deref() {
            Some("public-read") => Some(Access::PublicRead),
            Some("private") => Some(Access::Private),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Unsigned(u64),
    Float(f64),
    Text(String),
}

/// `Option<u64>` from an integer, an integral float, a numeric string or
/// null: the service is not consistent about number types (e.g. `orgId`).
fn opt_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    match Option::<Number>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Number::Unsigned(n)) => Ok(Some(n)),
        Some(Number::Float(f)) if f >= 0.0 && f.fract() == 0.0 && f <= u64::MAX as f64 => {
            Ok(Some(f as u64))
        }
        Some(Number::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(Number::Text(s)) => {
            s.trim().parse().map(Some).map_err(|_| {
                D::Error::custom(format!("expected a non-negative integer, got \"{s}\""))
            })
        }
        Some(Number::Float(f)) => Err(D::Error::custom(format!(
            "expected a non-negative integer, got {f}"
        ))),
    }
}

fn vec_or_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default())
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
            "createdAt": "2024-01-01T00:00:00Z"
        });
        let file: UploadedFile = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(file.id.as_deref(), Some("a0b0b19a"));
        assert_eq!(file.org_id, Some(5320086));
        assert_eq!(file.kind.as_deref(), Some("file"));
        assert_eq!(file.file_id.as_deref(), Some("path/to/testfile.jpeg"));
        assert_eq!(file.asset_type.as_deref(), Some("image"));
        assert_eq!((file.width, file.height), (Some(720), Some(450)));
        assert_eq!(file.access_level(), Some(Access::PublicRead));
        assert_eq!(file.tags, vec!["tag1".to_owned()]);
        assert_eq!(file.is_original, Some(true));
        assert_eq!(file.extra["createdAt"], "2024-01-01T00:00:00Z");
        // Nothing is lost on the way back out.
        assert_eq!(serde_json::to_value(&file).unwrap(), body);
    }

    #[test]
    fn tolerates_odd_scalars_and_missing_fields() {
        let file: UploadedFile = serde_json::from_value(json!({
            "orgId": "17", "width": 720.0, "height": null, "tags": null, "access": "team"
        }))
        .unwrap();
        assert_eq!(file.org_id, Some(17));
        assert_eq!(file.width, Some(720));
        assert_eq!(file.height, None);
        assert!(file.tags.is_empty());
        assert_eq!(file.access_level(), None);
        assert_eq!(file.access.as_deref(), Some("team"));
        assert!(serde_json::from_value::<UploadedFile>(json!({"size": "big"})).is_err());
    }
}
