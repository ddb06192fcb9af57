//! Where and how the uploaded file is stored: the fields of the signed-url v2
//! request (`POST /service/platform/assets/v2.0/upload/signed-url`).

use serde::Serialize;
use serde_json::{Map, Value};

use crate::Access;

/// Details of the file to create; every field is optional and only the set
/// ones are sent (as the reference).
///
/// ```
/// use pixelbin_upload::{Access, UploadRequest};
///
/// let request = UploadRequest::new()
///     .name("hero")
///     .path("products/shoes")
///     .format("jpeg")
///     .access(Access::PublicRead)
///     .tags(["summer", "sale"])
///     .overwrite(true);
/// let body = serde_json::to_value(&request).unwrap();
/// assert_eq!(body["access"], "public-read");
/// assert_eq!(body["path"], "products/shoes");
/// assert!(body.get("expiry").is_none());
/// ```
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UploadRequest {
    /// Name of the file.
    pub name: Option<String>,
    /// Path of the containing folder.
    pub path: Option<String>,
    /// Format of the file (e.g. `"jpeg"`).
    pub format: Option<String>,
    /// Access level of the asset.
    pub access: Option<Access>,
    /// Tags of the file.
    pub tags: Option<Vec<String>>,
    /// Metadata of the file (a JSON object).
    pub metadata: Option<Map<String, Value>>,
    /// Replace a file with the same path, name and type.
    pub overwrite: Option<bool>,
    /// Add unique characters to the name if it is taken (`overwrite` wins).
    pub filename_override: Option<bool>,
    /// Lifetime of the signed upload URL in seconds (server default 3000).
    pub expiry: Option<u64>,
}

impl UploadRequest {
    /// An empty request: the server picks the name, root folder, default access.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fills what the file name tells, as the CLI does: the name (the file name without its
    /// extension) and the format (the extension in lower case, `jpg` as `jpeg`), each only
    /// when not set already.
    pub(crate) fn defaults_from_path(mut self, path: &std::path::Path) -> Self {
        if self.name.is_none() {
            self.name = crate::many::default_name(path);
        }
        if self.format.is_none() {
            self.format = crate::many::default_format(path);
        }
        self
    }

    /// Sets the file name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the containing folder.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Sets the format.
    pub fn format(mut self, format: impl Into<String>) -> Self {
        self.format = Some(format.into());
        self
    }

    /// Sets the access level.
    pub fn access(mut self, access: Access) -> Self {
        self.access = Some(access);
        self
    }

    /// Sets the tags.
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = Some(tags.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the metadata object.
    pub fn metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Sets the overwrite flag.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = Some(overwrite);
        self
    }

    /// Sets the filenameOverride flag.
    pub fn filename_override(mut self, filename_override: bool) -> Self {
        self.filename_override = Some(filename_override);
        self
    }

    /// Sets the signed URL's lifetime in seconds.
    pub fn expiry(mut self, seconds: u64) -> Self {
        self.expiry = Some(seconds);
        self
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_set_fields_are_sent_with_the_reference_names() {
        assert_eq!(
            serde_json::to_value(UploadRequest::new()).unwrap(),
            json!({})
        );
        let mut meta = Map::new();
        meta.insert("sku".into(), json!("A-1"));
        let full = UploadRequest::new()
            .name("n")
            .path("p")
            .format("png")
            .access(Access::Private)
            .tags(["a", "b"])
            .metadata(meta)
            .overwrite(false)
            .filename_override(true)
            .expiry(3000);
        assert_eq!(
            serde_json::to_value(full).unwrap(),
            json!({
                "name": "n", "path": "p", "format": "png", "access": "private",
                "tags": ["a", "b"], "metadata": {"sku": "A-1"}, "overwrite": false,
                "filenameOverride": true, "expiry": 3000
            })
        );
    }
}
