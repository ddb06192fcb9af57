//! Replayable request bodies.

use std::fmt;

use bytes::Bytes;

use crate::error::Error;
use crate::multipart::{Form, Segment};

/// A replayable request body: cloning it is cheap (`Bytes` are reference
/// counted), so a retried request sends exactly the same bytes.
#[derive(Clone, Default)]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// Bytes sent as they are, with an optional `Content-Type`.
    Bytes {
        /// Value of the `Content-Type` header, if any.
        content_type: Option<String>,
        /// The payload.
        bytes: Bytes,
    },
    /// A `multipart/form-data` body.
    Multipart(Form),
}

impl Body {
    /// A JSON body (`Content-Type: application/json`).
    ///
    /// ```
    /// let body = pixelbin_http::Body::json(&serde_json::json!({"name": "cat"}))?;
    /// assert_eq!(body.content_length(), 14);
    /// # Ok::<(), pixelbin_http::Error>(())
    /// ```
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Body, Error> {
        let bytes = serde_json::to_vec(value).map_err(|e| {
            Error::IllegalArgument(format!("the request body cannot be encoded as JSON: {e}"))
        })?;
        Ok(Body::Bytes {
            content_type: Some("application/json".into()),
            bytes: Bytes::from(bytes),
        })
    }

    /// Raw bytes with a content type.
    pub fn bytes(content_type: impl Into<String>, bytes: impl Into<Bytes>) -> Body {
        Body::Bytes {
            content_type: Some(content_type.into()),
            bytes: bytes.into(),
        }
    }

    /// The `Content-Type` this body is sent with, if any.
    pub fn content_type(&self) -> Option<String> {
        match self {
            Body::Empty => None,
            Body::Bytes { content_type, .. } => content_type.clone(),
            Body::Multipart(form) => Some(form.content_type()),
        }
    }

    /// Exact size in bytes of the encoded body.
    pub fn content_length(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::Bytes { bytes, .. } => bytes.len() as u64,
            Body::Multipart(form) => form.content_length(),
        }
    }

    /// Whether there is no body at all.
    pub fn is_empty(&self) -> bool {
        matches!(self, Body::Empty)
    }

    /// The body for reqwest. Multipart segments are streamed as they are
    /// (no copy of file parts); the caller sets `Content-Length`.
    pub(crate) fn into_reqwest(self) -> reqwest::Body {
        match self {
            Body::Empty => reqwest::Body::from(Bytes::new()),
            Body::Bytes { bytes, .. } => reqwest::Body::from(bytes),
            Body::Multipart(form) => {
                use futures::{StreamExt as _, TryStreamExt as _};
                use tokio::io::AsyncReadExt as _;
                let stream = futures::stream::iter(form.into_segments()).flat_map(|segment| {
                    match segment {
                        Segment::Bytes(b) => futures::stream::once(async move { Ok(b) }).boxed(),
                        // Opened only when the body is sent; `take` keeps to the announced
                        // length, and hyper fails a body that ends before it.
                        Segment::File { path, len } => {
                            futures::stream::once(tokio::fs::File::open(path))
                                .map_ok(move |file| {
                                    tokio_util::io::ReaderStream::new(file.take(len))
                                })
                                .try_flatten()
                                .boxed()
                        }
                    }
                });
                reqwest::Body::wrap_stream(stream)
            }
        }
    }
}

impl fmt::Debug for Body {
    // Never the bytes themselves: they can be megabytes of image data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Empty => f.write_str("Empty"),
            Body::Bytes {
                content_type,
                bytes,
            } => f
                .debug_struct("Bytes")
                .field("content_type", content_type)
                .field("len", &bytes.len())
                .finish(),
            Body::Multipart(form) => f.debug_tuple("Multipart").field(form).finish(),
        }
    }
}

impl From<Form> for Body {
    fn from(form: Form) -> Self {
        Body::Multipart(form)
    }
}
