//! Where and how an uploaded file is stored: the body of the signed-url v2 request
//! (`POST /service/platform/assets/v2.0/upload/signed-url`), one model for the uploader and
//! the platform's `createSignedUrlV2`, and [`UploadRequest::defaults_from_file`], which every
//! upload of a local file uses for its default name and format.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Access;
use crate::Error;
use crate::naming::{default_format, default_name};

/// Path of the signed-url v2 endpoint.
pub const SIGNED_URL_V2_PATH: &str = "/service/platform/assets/v2.0/upload/signed-url";

/// Details of the file to create; every field is optional and only the set
/// ones are sent (as the reference).
///
/// ```
/// use pixelbin_http::model::{Access, UploadRequest};
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
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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
    /// Metadata of the file (a JSON object; anything else is refused before sending).
    pub metadata: Option<Value>,
    /// Replace a file with the same path, name and type.
    pub overwrite: Option<bool>,
    /// Add unique characters to the name if it is taken (`overwrite` wins).
    pub filename_override: Option<bool>,
    /// Lifetime of the signed upload URL in seconds (server default 3000).
    pub expiry: Option<u64>,
}

impl UploadRequest {
    /// Where the file goes and the clash rules, as the fields every upload request shares.
    pub fn placement(&self) -> super::Placement<'_> {
        super::Placement {
            path: self.path.as_deref(),
            name: self.name.as_deref(),
            access: self.access.as_ref(),
            tags: self.tags.as_deref(),
            metadata: self.metadata.as_ref(),
            overwrite: self.overwrite,
            filename_override: self.filename_override,
        }
    }

    /// An empty request: the server picks the name, root folder, default access.
    pub fn new() -> Self {
        Self::default()
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

    /// Sets the access level (`Access::PublicRead`, `Access::Private` or
    /// `"public-read"`/`"private"`).
    pub fn access(mut self, access: impl Into<Access>) -> Self {
        self.access = Some(access.into());
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

    /// Sets the metadata object (a `serde_json::Map` or an object `Value`).
    pub fn metadata(mut self, metadata: impl Into<Value>) -> Self {
        self.metadata = Some(metadata.into());
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

    /// Fills what a local file's name tells, each only where not set already: the name
    /// ([`default_name`](crate::naming::default_name)) and the format
    /// ([`default_format`](crate::naming::default_format)). Every upload of a local file in
    /// the SDK and the CLI takes its default name and format from here.
    ///
    /// ```
    /// use std::path::Path;
    /// use pixelbin_http::model::UploadRequest;
    ///
    /// let request = UploadRequest::new().defaults_from_file(Path::new("shots/Hero.JPG"));
    /// assert_eq!((request.name.as_deref(), request.format.as_deref()), (Some("Hero"), Some("jpeg")));
    /// let request = UploadRequest::new().name("cover").defaults_from_file(Path::new("a.png"));
    /// assert_eq!((request.name.as_deref(), request.format.as_deref()), (Some("cover"), Some("png")));
    /// ```
    pub fn defaults_from_file(mut self, file: &Path) -> Self {
        if self.name.is_none() {
            self.name = default_name(file);
        }
        if self.format.is_none() {
            self.format = default_format(file);
        }
        self
    }

    /// Refuses what the service would: an access level other than `public-read` or
    /// `private`, and metadata that is not a JSON object. Called before any request.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(access) = &self.access {
            access.validate()?;
        }
        match &self.metadata {
            None | Some(Value::Object(_)) => Ok(()),
            Some(_) => Err(Error::IllegalArgument(
                "metadata: must be a JSON object".to_owned(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use super::*;

    #[test]
    fn defaults_come_from_the_file_name_and_never_replace_what_is_set() {
        for (file, name, format) in [
            ("dir/a.JPG", Some("a"), Some("jpeg")),
            ("a.b.png", Some("a.b"), Some("png")),
            ("noext", Some("noext"), None),
            (".hidden", Some(".hidden"), None),
        ] {
            let request = UploadRequest::new().defaults_from_file(Path::new(file));
            assert_eq!(request.name.as_deref(), name, "{file}");
            assert_eq!(request.format.as_deref(), format, "{file}");
        }
        let set = UploadRequest::new().name("n").format("webp");
        assert_eq!(set.clone().defaults_from_file(Path::new("x.png")), set);
    }

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
        assert!(full.validate().is_ok());
        assert_eq!(
            serde_json::to_value(full).unwrap(),
            json!({
                "name": "n", "path": "p", "format": "png", "access": "private",
                "tags": ["a", "b"], "metadata": {"sku": "A-1"}, "overwrite": false,
                "filenameOverride": true, "expiry": 3000
            })
        );
    }

    #[test]
    fn bad_access_and_non_object_metadata_are_refused() {
        let err = UploadRequest::new().access("world").validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "access: Must be one of: public-read, private."
        );
        let err = UploadRequest::new()
            .metadata(json!([1]))
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("metadata"), "{err}");
    }
}
