//! The signed-URL v2 answer, shared by the platform API (`create_signed_url_v2`) and the
//! multipart uploader.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A signed upload target: the URL and the form fields to send with it
/// (`presignedUrl` of the signed-url v2 answer, `s3PresignedUrl` of v1).
///
/// The URL's query carries a signature, so `Debug` shows it redacted
/// ([`redact_url`](crate::redact_url)) and the fields by name only.
///
/// ```
/// use pixelbin_http::model::PresignedUrl;
///
/// let target: PresignedUrl = serde_json::from_str(
///     r#"{"url": "https://up.test/p?pbs=9f2c&pbe=1", "fields": {"x-pixb-meta-assetdata": "{}"}}"#,
/// )?;
/// assert_eq!(target.text_fields(), [("x-pixb-meta-assetdata".to_string(), "{}".to_string())]);
/// assert!(!format!("{target:?}").contains("9f2c"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PresignedUrl {
    /// Where the upload goes; carries its own signature (`pbs`, `pbe`, ...) in the query.
    /// The one required field: nothing can be uploaded without it.
    pub url: String,
    /// Signed fields to send along (with every part and with the completion), as given;
    /// empty when the service sent something other than an object.
    #[serde(default, deserialize_with = "crate::model::lenient::field")]
    pub fields: Map<String, Value>,
    /// Every field not listed above, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl PresignedUrl {
    /// A presigned URL obtained elsewhere (e.g. created by a backend and handed to the
    /// machine holding the file).
    pub fn new(url: impl Into<String>, fields: Map<String, Value>) -> Self {
        PresignedUrl {
            url: url.into(),
            fields,
            extra: Map::new(),
        }
    }

    /// The fields as text form values (strings as-is, anything else as JSON text), in the
    /// order the server sent them.
    pub fn text_fields(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .map(|(name, value)| {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (name.clone(), text)
            })
            .collect()
    }
}

impl fmt::Debug for PresignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresignedUrl")
            .field("url", &crate::redact_url(&self.url))
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}
