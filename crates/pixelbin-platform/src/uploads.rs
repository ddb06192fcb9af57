//! Uploads: direct (multipart), from a URL, and signed upload URLs (v1 and v2).
//!
//! Chunked uploads through a v2 signed URL are the `pixelbin-upload` crate's job; this module
//! covers the single-request endpoints and hands out the signed URLs.

use std::fmt;

use bytes::Bytes;
use pixelbin_http::model::Placement;
use pixelbin_http::{ApiRequest, Error, Form};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::endpoint::{send_json, url};
use crate::setters::setters;
use crate::{Access, Assets, FileObject, validate};

const UPLOAD_V1: &str = "/service/platform/assets/v1.0/upload";

/// The file to send with [`Assets::file_upload`]: bytes, a file name and a content type.
///
/// The bytes are shared, not copied, when the request is built or retried.
#[derive(Clone, PartialEq, Eq)]
pub struct UploadFile {
    /// The file's content.
    pub data: Bytes,
    /// The file name sent in the multipart part, e.g. `photo.jpg`; the service uses it for the
    /// asset's name (unless `name` is set) and format.
    pub filename: String,
    /// The part's content type; guessed from the file name's extension when `None`.
    pub content_type: Option<String>,
}

impl UploadFile {
    /// A file from its bytes and file name.
    pub fn new(data: impl Into<Bytes>, filename: impl Into<String>) -> Self {
        Self {
            data: data.into(),
            filename: filename.into(),
            content_type: None,
        }
    }

    /// Sets the content type instead of guessing it from the extension.
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The content type that will be sent.
    pub fn effective_content_type(&self) -> String {
        match &self.content_type {
            Some(content_type) => content_type.clone(),
            None => guess_content_type(&self.filename).to_owned(),
        }
    }

    fn validate(&self) -> Result<(), Error> {
        if self.data.is_empty() {
            return Err(Error::IllegalArgument(
                "file: the file is empty (0 bytes); pass the content to upload.".to_owned(),
            ));
        }
        if self.filename.trim().is_empty() {
            return Err(Error::IllegalArgument(
                "file: a file name is required (e.g. \"photo.jpg\"); the service derives the asset's name and format from it.".to_owned(),
            ));
        }
        Ok(())
    }
}

impl fmt::Debug for UploadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Print the size, not megabytes of content.
        f.debug_struct("UploadFile")
            .field("len", &self.data.len())
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// A content type for common asset extensions; `application/octet-stream` otherwise.
fn guess_content_type(filename: &str) -> &'static str {
    pixelbin_http::model::content_type_for_name(filename).unwrap_or("application/octet-stream")
}

/// Where and how to store an uploaded asset ([`Assets::file_upload`], [`Assets::url_upload`]).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadParams {
    /// Folder to store the asset in.
    pub path: Option<String>,
    /// Asset name (slugified by the service); defaults to the file's name.
    pub name: Option<String>,
    /// Access level.
    pub access: Option<Access>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Metadata (a JSON object).
    pub metadata: Option<Value>,
    /// Replace an asset with the same path, name and type (service default `false`).
    pub overwrite: Option<bool>,
    /// Add unique characters to the name if it is taken (`overwrite` wins if both are set).
    pub filename_override: Option<bool>,
}

impl UploadParams {
    /// Service defaults for everything.
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        check_access_and_metadata(self.access.as_ref(), self.metadata.as_ref())
    }

    /// The multipart form of a direct upload, fields in the reference's order.
    fn form(&self, file: &UploadFile) -> Result<Form, Error> {
        let form = Form::new().file(
            "file",
            file.filename.clone(),
            file.effective_content_type(),
            file.data.clone(),
        );
        self.placement().form_fields(form).map_err(|e| {
            Error::IllegalArgument(format!("metadata: cannot be encoded as JSON: {e}"))
        })
    }

    /// Where the asset goes and the clash rules, as the fields every upload request shares.
    pub fn placement(&self) -> Placement<'_> {
        Placement {
            path: self.path.as_deref(),
            name: self.name.as_deref(),
            access: self.access.as_ref(),
            tags: self.tags.as_deref(),
            metadata: self.metadata.as_ref(),
            overwrite: self.overwrite,
            filename_override: self.filename_override,
        }
    }
}

setters!(UploadParams {
    path: text,
    name: text,
    access: access,
    tags: opt_list,
    metadata: json,
    overwrite: flag,
    filename_override: flag,
});

/// Details of the asset a v1 signed URL will receive ([`Assets::create_signed_url`]).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedUrlParams {
    /// File name.
    pub name: Option<String>,
    /// Folder path.
    pub path: Option<String>,
    /// File format, e.g. `jpeg`.
    pub format: Option<String>,
    /// Access level.
    pub access: Option<Access>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Metadata (a JSON object).
    pub metadata: Option<Value>,
    /// Replace an asset with the same path, name and type.
    pub overwrite: Option<bool>,
    /// Add unique characters to the name if it is taken.
    pub filename_override: Option<bool>,
}

impl SignedUrlParams {
    /// Service defaults for everything.
    pub fn new() -> Self {
        Self::default()
    }
}

setters!(SignedUrlParams {
    name: text,
    path: text,
    format: text,
    access: access,
    tags: opt_list,
    metadata: json,
    overwrite: flag,
    filename_override: flag,
});

/// Details of the asset a v2 (multipart) signed URL will receive
/// ([`Assets::create_signed_url_v2`]): the one signed-url v2 request model, shared with the
/// uploader.
pub use pixelbin_http::model::UploadRequest;

/// Former name of [`UploadRequest`] here.
#[deprecated(
    since = "0.2.0",
    note = "use `UploadRequest`, the one signed-url v2 request model shared with the uploader"
)]
pub type SignedUrlV2Params = UploadRequest;

fn check_access_and_metadata(
    access: Option<&Access>,
    metadata: Option<&Value>,
) -> Result<(), Error> {
    if let Some(access) = access {
        access.validate()?;
    }
    validate::mapping("metadata", metadata)
}

/// A signed upload target (one type across the SDK, from `pixelbin-http`).
pub use pixelbin_http::model::PresignedUrl;

pixelbin_http::lenient_response! {
/// Answer of [`Assets::create_signed_url`] (`SignedUploadResponse`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedUrlResponse {
    /// The signed target for a single-request upload.
    #[serde(default, deserialize_with = "pixelbin_http::model::lenient::record")]
    pub s3_presigned_url: PresignedUrl,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

pixelbin_http::lenient_response! {
/// Answer of [`Assets::create_signed_url_v2`] (`SignedUploadV2Response`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedUrlV2Response {
    /// The signed target for a chunked (multipart) upload.
    #[serde(default, deserialize_with = "pixelbin_http::model::lenient::record")]
    pub presigned_url: PresignedUrl,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
}

#[derive(Serialize)]
struct UrlUploadBody<'a> {
    url: &'a str,
    #[serde(flatten)]
    params: &'a UploadParams,
}

impl Assets {
    /// `fileUpload`: uploads `file` in one multipart request.
    ///
    /// `POST /service/platform/assets/v1.0/upload/direct`. For large files prefer the chunked
    /// upload of `pixelbin-upload`.
    ///
    /// ```no_run
    /// # async fn demo(assets: pixelbin_platform::Assets) -> Result<(), pixelbin_http::Error> {
    /// use pixelbin_platform::{Access, UploadFile, UploadParams};
    ///
    /// let bytes = std::fs::read("cat.jpg").expect("read cat.jpg");
    /// let file = assets
    ///     .file_upload(
    ///         UploadFile::new(bytes, "cat.jpg"),
    ///         UploadParams::new().path("animals").access(Access::PublicRead).tags(["cat"]),
    ///     )
    ///     .await?;
    /// println!("{:?}", file.url);
    /// # Ok(()) }
    /// ```
    pub async fn file_upload(
        &self,
        file: UploadFile,
        params: UploadParams,
    ) -> Result<FileObject, Error> {
        file.validate()?;
        params.validate()?;
        let form = params.form(&file)?;
        let url = url(&self.transport, &format!("{UPLOAD_V1}/direct"), &[])?;
        send_json(&self.transport, ApiRequest::post(url).multipart(form)).await
    }

    /// `urlUpload`: asks the service to fetch `url` and store it as an asset.
    ///
    /// `POST /service/platform/assets/v1.0/upload/url` with `{"url", ...params}`.
    pub async fn url_upload(
        &self,
        url_to_fetch: &str,
        params: UploadParams,
    ) -> Result<FileObject, Error> {
        validate::required("url", url_to_fetch)?;
        params.validate()?;
        let url = url(&self.transport, &format!("{UPLOAD_V1}/url"), &[])?;
        let body = UrlUploadBody {
            url: url_to_fetch,
            params: &params,
        };
        send_json(&self.transport, ApiRequest::post(url).json(&body)?).await
    }

    /// `createSignedUrl`: a signed URL for a single-request upload from elsewhere (e.g. a
    /// browser).
    ///
    /// `POST /service/platform/assets/v1.0/upload/signed-url`
    pub async fn create_signed_url(
        &self,
        params: SignedUrlParams,
    ) -> Result<SignedUrlResponse, Error> {
        check_access_and_metadata(params.access.as_ref(), params.metadata.as_ref())?;
        let url = url(&self.transport, &format!("{UPLOAD_V1}/signed-url"), &[])?;
        send_json(&self.transport, ApiRequest::post(url).json(&params)?).await
    }

    /// `createSignedUrlV2`: a signed URL for a chunked (multipart) upload.
    ///
    /// `POST /service/platform/assets/v2.0/upload/signed-url`
    ///
    /// ```no_run
    /// # async fn demo(assets: pixelbin_platform::Assets) -> Result<(), pixelbin_http::Error> {
    /// use pixelbin_platform::UploadRequest;
    ///
    /// let signed = assets
    ///     .create_signed_url_v2(UploadRequest::new().name("cat").format("jpeg").expiry(3000))
    ///     .await?;
    /// println!("upload to {}", signed.presigned_url.url);
    /// # Ok(()) }
    /// ```
    pub async fn create_signed_url_v2(
        &self,
        params: UploadRequest,
    ) -> Result<SignedUrlV2Response, Error> {
        params.validate()?;
        let url = url(
            &self.transport,
            pixelbin_http::model::SIGNED_URL_V2_PATH,
            &[],
        )?;
        send_json(&self.transport, ApiRequest::post(url).json(&params)?).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn url_upload_body_matches_the_reference() {
        let params = UploadParams::new()
            .path("path/to/containing/folder")
            .name("filename")
            .access("public-read")
            .tags(["tag1", "tag2"])
            .metadata(json!({}))
            .overwrite(false)
            .filename_override(true);
        let body = UrlUploadBody {
            url: "www.dummy.com/image.png",
            params: &params,
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"url":"www.dummy.com/image.png","path":"path/to/containing/folder","name":"filename","access":"public-read","tags":["tag1","tag2"],"metadata":{},"overwrite":false,"filenameOverride":true}"#
        );
        let bare = UrlUploadBody {
            url: "https://x/y.png",
            params: &UploadParams::new(),
        };
        assert_eq!(
            serde_json::to_value(bare).unwrap(),
            json!({"url": "https://x/y.png"})
        );
    }

    #[test]
    fn signed_url_bodies() {
        let v2 = UploadRequest::new()
            .name("filename")
            .path("path/to/containing/folder")
            .format("jpeg")
            .access(Access::PublicRead)
            .tags(["tag1", "tag2"])
            .metadata(json!({}))
            .overwrite(false)
            .filename_override(true)
            .expiry(3000);
        assert_eq!(
            serde_json::to_value(&v2).unwrap(),
            json!({"name": "filename", "path": "path/to/containing/folder", "format": "jpeg",
                   "access": "public-read", "tags": ["tag1", "tag2"], "metadata": {},
                   "overwrite": false, "filenameOverride": true, "expiry": 3000})
        );
        assert_eq!(
            serde_json::to_value(SignedUrlParams::new()).unwrap(),
            json!({})
        );
        assert!(check_access_and_metadata(Some(&Access::from("everyone")), None).is_err());
        assert!(check_access_and_metadata(None, Some(&json!(["x"]))).is_err());
    }

    #[test]
    fn decodes_signed_url_answers() {
        let v2: SignedUrlV2Response = serde_json::from_value(json!({
            "presignedUrl": {
                "url": "https://api.pixelbin.io/service/public/assets/v1.0/signed-multipart?pbs=8b&pbe=1700600070390&pbt=92661&pbo=143209&pbu=5fe",
                "fields": {"x-pixb-meta-assetdata": "{\"orgId\":1}", "n": 3}
            }
        }))
        .unwrap();
        assert!(v2.presigned_url.url.contains("pbs=8b"));
        assert_eq!(
            v2.presigned_url.text_fields(),
            [
                ("n".to_owned(), "3".to_owned()),
                (
                    "x-pixb-meta-assetdata".to_owned(),
                    "{\"orgId\":1}".to_owned()
                )
            ]
        );
        let v1: SignedUrlResponse = serde_json::from_value(json!({
            "s3PresignedUrl": {"url": "https://domain.com/xyz", "fields": {"field1": "value"}}
        }))
        .unwrap();
        assert_eq!(v1.s3_presigned_url.url, "https://domain.com/xyz");
        // Not needed by the SDK itself: an answer without it decodes, with an empty URL.
        let empty: SignedUrlV2Response = serde_json::from_value(json!({})).unwrap();
        assert!(empty.presigned_url.url.is_empty());
    }

    #[test]
    fn upload_file_checks_and_content_types() {
        assert!(UploadFile::new(Vec::new(), "a.jpg").validate().is_err());
        assert!(UploadFile::new(vec![1u8], " ").validate().is_err());
        assert!(UploadFile::new(vec![1u8], "a.jpg").validate().is_ok());
        assert_eq!(
            UploadFile::new(vec![1u8], "A.JPG").effective_content_type(),
            "image/jpeg"
        );
        assert_eq!(
            UploadFile::new(vec![1u8], "x.png").effective_content_type(),
            "image/png"
        );
        assert_eq!(
            UploadFile::new(vec![1u8], "noext").effective_content_type(),
            "application/octet-stream"
        );
        assert_eq!(
            UploadFile::new(vec![1u8], "x.bin")
                .content_type("image/webp")
                .effective_content_type(),
            "image/webp"
        );
        let debug = format!("{:?}", UploadFile::new(vec![7u8; 4096], "big.jpg"));
        assert!(
            debug.contains("len: 4096") && !debug.contains("7, 7"),
            "{debug}"
        );
    }
}
