//! [`ApiResponse`]: a successful, fully read response.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::error::{Error, truncate_utf8};

/// A 2xx response with its whole body.
#[derive(Clone, Debug)]
pub struct ApiResponse {
    /// The status (always 2xx from [`Transport::send`](crate::Transport::send)).
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl ApiResponse {
    /// Decodes the body as JSON into `T`.
    ///
    /// ```
    /// use pixelbin_http::ApiResponse;
    ///
    /// let resp = ApiResponse {
    ///     status: http::StatusCode::OK,
    ///     headers: http::HeaderMap::new(),
    ///     body: bytes::Bytes::from_static(br#"{"_id":"abc"}"#),
    /// };
    /// let v: serde_json::Value = resp.json()?;
    /// assert_eq!(v["_id"], "abc");
    /// # Ok::<(), pixelbin_http::Error>(())
    /// ```
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        let mut decoder = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut decoder).map_err(|e| {
            // The path names the field (`presignedUrl.url`), the decoder says what was wrong.
            let path = e.path().to_string();
            let e = e.into_inner();
            let what = if e.is_data() {
                "the JSON does not have the expected shape"
            } else {
                "the body is not valid JSON"
            };
            let at = if path.is_empty() || path == "." {
                String::new()
            } else {
                format!(" at `{path}`")
            };
            // A short excerpt helps to see what came back instead.
            let excerpt = truncate_utf8(&self.body, 200);
            // The decoder's text goes in the message, not in `source`.
            Error::Decode {
                message: format!("{what}{at}: {e}; body starts with: {excerpt}"),
                source: None,
            }
        })
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_errors_say_what_came_back() {
        let resp = ApiResponse {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from_static(b"<html>oops</html>"),
        };
        let err = resp.json::<serde_json::Value>().unwrap_err();
        assert!(matches!(err, Error::Decode { .. }));
        let text = err.to_string();
        assert!(text.contains("not valid JSON"), "{text}");
        assert!(text.contains("<html>oops"), "{text}");

        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Needs {
            id: String,
        }
        let resp = ApiResponse {
            body: Bytes::from_static(b"{}"),
            ..resp
        };
        let err = resp.json::<Needs>().unwrap_err();
        assert!(err.to_string().contains("expected shape"), "{err}");
    }
}
