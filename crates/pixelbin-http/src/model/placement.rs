//! Where an asset is stored and what happens on a name clash: [`Placement`], the fields every
//! upload request shares (the signed-url v2 body [`UploadRequest`](super::UploadRequest), the
//! platform's `UploadParams` and v1 `SignedUrlParams`), and the one way they become the text
//! fields of a direct upload's multipart form.

use serde_json::Value;

use super::Access;
use crate::multipart::Form;

/// The placement fields of an upload, borrowed from whichever request type carries them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Placement<'a> {
    /// Folder to store the asset in.
    pub path: Option<&'a str>,
    /// Asset name (slugified by the service).
    pub name: Option<&'a str>,
    /// Access level.
    pub access: Option<&'a Access>,
    /// Tags.
    pub tags: Option<&'a [String]>,
    /// Metadata (a JSON object).
    pub metadata: Option<&'a Value>,
    /// Replace an asset with the same path and name.
    pub overwrite: Option<bool>,
    /// Add unique characters to the name when it is taken.
    pub filename_override: Option<bool>,
}

impl Placement<'_> {
    /// Adds the set fields to `form` as text, in the reference's order (`path`, `name`,
    /// `access`, one `tags` per tag, `metadata` as JSON, `overwrite`, `filenameOverride`): the
    /// fields of `POST .../upload/direct` after its `file` part.
    ///
    /// ```
    /// use pixelbin_http::Form;
    /// use pixelbin_http::model::UploadRequest;
    ///
    /// let request = UploadRequest::new().name("a").tags(["x", "y"]).overwrite(true);
    /// let form = request.placement().form_fields(Form::new()).unwrap();
    /// assert_eq!(form.len(), 4);
    /// ```
    ///
    /// # Errors
    /// When the metadata cannot be encoded as JSON.
    pub fn form_fields(&self, mut form: Form) -> Result<Form, serde_json::Error> {
        if let Some(path) = self.path {
            form = form.text("path", path.to_owned());
        }
        if let Some(name) = self.name {
            form = form.text("name", name.to_owned());
        }
        if let Some(access) = self.access {
            form = form.text("access", access.as_str().to_owned());
        }
        // Lists repeat the field, as aiohttp does for the reference.
        for tag in self.tags.into_iter().flatten() {
            form = form.text("tags", tag.clone());
        }
        if let Some(metadata) = self.metadata {
            form = form.text("metadata", serde_json::to_string(metadata)?);
        }
        if let Some(overwrite) = self.overwrite {
            form = form.text("overwrite", overwrite.to_string());
        }
        if let Some(filename_override) = self.filename_override {
            form = form.text("filenameOverride", filename_override.to_string());
        }
        Ok(form)
    }
}
