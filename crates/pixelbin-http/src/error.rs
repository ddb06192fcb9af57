//! The one error type of the SDK's HTTP layer.
//!
//! Every message is written for a person: it says what went wrong and, where
//! there is one, what to do about it. No variant ever carries the API secret,
//! an `Authorization` header or a signed query string (transport errors are
//! stripped of their URL for that reason).

use std::time::Duration;

/// Largest part of a non-JSON error body kept in [`Error::Api::raw`].
///
/// Error pages of proxies and load balancers can be large HTML documents; a
/// few KiB are enough to tell what happened.
pub const MAX_RAW_ERROR_BODY: usize = 4 * 1024;

/// Pixelbin's `errorCode` for a spent usage limit ("Usage Limit Exceeded", 403); see
/// [`Error::is_usage_limit`].
pub const USAGE_LIMIT_ERROR_CODE: &str = "JR-1000";

/// Everything that can go wrong when talking to Pixelbin.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API secret is missing or malformed. The message is the reference
    /// SDK's: "No API Secret Token Present" or "Invalid API Secret Token".
    #[error("{0}")]
    InvalidCredential(String),

    /// A value given to the SDK is not acceptable; the message says which and why.
    #[error("{0}")]
    IllegalArgument(String),

    /// Pixelbin answered with a status outside 2xx.
    ///
    /// The fields come from Pixelbin's error JSON
    /// (`{"message", "status", "errorCode", "exception", "info"}`); when the
    /// body is not JSON, `raw` keeps its first [`MAX_RAW_ERROR_BODY`] bytes.
    #[error("{}", api_display(*status, message, error_code.as_deref()))]
    Api {
        /// HTTP status code of the response.
        status: u16,
        /// Human readable message (`message` of the error JSON, else a summary of the body).
        message: String,
        /// Pixelbin's `errorCode`, e.g. `"JR-1000"`.
        error_code: Option<String>,
        /// Pixelbin's `exception` name, e.g. `"NotFoundError"`.
        exception: Option<String>,
        /// Pixelbin's `info` (a string, or the JSON text when it is an object).
        info: Option<Box<str>>,
        /// The whole error JSON, when the body was JSON.
        body: Option<Box<serde_json::Value>>,
        /// The body as text (capped) when it was not JSON.
        raw: Option<Box<str>>,
        /// Whole seconds the server asked to wait before trying again (its `Retry-After`
        /// header, seconds or an HTTP date; capped at `u16::MAX`), typically on 429 and 503.
        /// Kept small so the error stays small; read it with [`Error::retry_after`].
        retry_after_secs: Option<u16>,
    },

    /// The request could not be sent or its response could not be read.
    #[error("{message}")]
    Transport {
        /// What happened, for a person.
        message: String,
        /// `true` when the request never reached the server (connection
        /// refused, DNS failure, TLS handshake failure), so sending it again is
        /// always safe.
        not_sent: bool,
        /// The underlying error (its URL removed).
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// No response arrived within the configured time.
    #[error(
        "the request timed out after {}; raise the timeout (PixelbinConfig::builder().timeout(..) or ApiRequest::timeout) or check the network",
        fmt_duration(*after)
    )]
    Timeout {
        /// The time limit that was exceeded.
        after: Duration,
    },

    /// A response body was larger than allowed, so reading it stopped.
    #[error(
        "the response body is larger than the limit of {limit} bytes; raise it (PixelbinConfig::builder().max_response_bytes(..), or the download's max_bytes) if the answer is expected to be this large"
    )]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },

    /// A response body stopped making progress: fewer than `min_bytes`
    /// arrived within `grace`.
    #[error(
        "the response body stalled: fewer than {min_bytes} bytes arrived within {}; check the network or relax PixelbinConfig::builder().stall_protection(..)",
        fmt_duration(*grace)
    )]
    Stalled {
        /// Bytes required per window.
        min_bytes: u64,
        /// The window.
        grace: Duration,
    },

    /// A download's target file exists and overwriting was not asked for.
    #[error(
        "{} already exists; it was left untouched (ask to overwrite it, e.g. --overwrite, or choose another folder)",
        path.display()
    )]
    OutputExists {
        /// The file that was kept.
        path: std::path::PathBuf,
    },

    /// A downloaded body could not be written to disk. Nothing that was on
    /// disk before was changed.
    #[error("could not write {}", path.display())]
    WriteOutput {
        /// The file (or its folder) that could not be written.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A response arrived but its body is not what was expected.
    #[error("could not decode the response from Pixelbin: {message}")]
    Decode {
        /// What could not be decoded, and why (the decoder's own text, which names the field).
        message: String,
        /// An underlying error whose text is not in `message`; `None` when the message says it all.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl Error {
    /// The HTTP status of an [`Error::Api`], `None` for every other kind.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Pixelbin's `errorCode` of an [`Error::Api`], when the server sent one.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Error::Api { error_code, .. } => error_code.as_deref(),
            _ => None,
        }
    }

    /// Whether this is Pixelbin's usage-limit error: the account's credits are spent
    /// (`403`, `errorCode` [`USAGE_LIMIT_ERROR_CODE`], `exception` `UsageBlockedError`,
    /// message "Usage Limit Exceeded"). Retrying does not help; more credits do.
    ///
    /// ```
    /// use pixelbin_http::{Error, http::StatusCode};
    ///
    /// let body = br#"{"message":"Usage Limit Exceeded","status":403,"errorCode":"JR-1000","exception":"UsageBlockedError"}"#;
    /// assert!(Error::from_response(StatusCode::FORBIDDEN, body).is_usage_limit());
    /// assert!(!Error::from_response(StatusCode::FORBIDDEN, b"{}").is_usage_limit());
    /// ```
    pub fn is_usage_limit(&self) -> bool {
        match self {
            Error::Api {
                status,
                error_code,
                exception,
                ..
            } => {
                error_code.as_deref() == Some(USAGE_LIMIT_ERROR_CODE)
                    || (*status == 403 && exception.as_deref() == Some("UsageBlockedError"))
            }
            _ => false,
        }
    }

    /// Whether trying the same request again later could succeed.
    ///
    /// This is a hint about the error itself (a timeout, a refused connection,
    /// 5xx, 408 or 429); whether a *particular* request may be repeated also
    /// depends on its method, see the table in [`crate::retry`].
    pub fn is_retryable(&self) -> bool {
        matches!(
            crate::retry::after_error(self, true),
            crate::retry::AfterError::SendAgain { .. }
        )
    }

    /// Builds an [`Error::Api`] from a non-2xx response body.
    pub fn from_response(status: http::StatusCode, body: &[u8]) -> Error {
        parse_api_error(status, body)
    }

    /// The server's `Retry-After` of an [`Error::Api`], when it sent one: how long it asked
    /// the client to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api {
                retry_after_secs, ..
            } => retry_after_secs.map(|s| Duration::from_secs(u64::from(s))),
            _ => None,
        }
    }

    /// Turns a reqwest error into a transport or timeout error, dropping the
    /// URL it carries (presigned URLs have signatures in their query).
    pub(crate) fn from_reqwest(err: reqwest::Error, timeout: Option<Duration>) -> Error {
        // The host (never the path or query) tells which server was tried.
        let host = err.url().and_then(|url| {
            let host = url.host_str()?;
            Some(match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_string(),
            })
        });
        let err = err.without_url();
        // A connect error (refused, DNS, TLS, or a connect timeout) means the
        // server never saw the request. The reason ("Connection refused", ...)
        // is in the source chain, so the message does not repeat it.
        if err.is_connect() {
            let server = host.map_or_else(|| "the server".to_string(), |h| h.to_string());
            return Error::Transport {
                message: format!(
                    "could not connect to {server}; check the domain, proxy settings and network"
                ),
                not_sent: true,
                source: Some(Box::new(err)),
            };
        }
        if err.is_timeout() {
            return Error::Timeout {
                after: timeout.unwrap_or_default(),
            };
        }
        let message = if err.is_body() || err.is_decode() {
            "reading the response failed; the connection was lost or the body is malformed"
        } else {
            "sending the request failed"
        };
        Error::Transport {
            message: message.into(),
            not_sent: false,
            source: Some(Box::new(err)),
        }
    }
}

fn api_display(status: u16, message: &str, error_code: Option<&str>) -> String {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let code = error_code.map(|c| format!(" [{c}]")).unwrap_or_default();
    let hint = match status {
        401 => {
            " (the server did not accept the API token: check that PIXELBIN_API_TOKEN or api_secret holds a current token of this organization)"
        }
        403 => " (the API token has no access to this: check its permissions and the organization)",
        429 => " (rate limited; try again later)",
        _ => "",
    };
    format!("Pixelbin API error {status} {reason}{code}: {message}{hint}")
}

fn fmt_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

fn parse_api_error(status: http::StatusCode, body: &[u8]) -> Error {
    let code = status.as_u16();
    if let Ok(json @ serde_json::Value::Object(_)) =
        serde_json::from_slice::<serde_json::Value>(body)
    {
        let text = |key: &str| match json.get(key) {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        let message = text("message")
            .or_else(|| text("error"))
            .unwrap_or_else(|| default_message(status));
        return Error::Api {
            status: code,
            message,
            error_code: text("errorCode"),
            exception: text("exception"),
            info: text("info").map(String::into_boxed_str),
            body: Some(Box::new(json)),
            raw: None,
            retry_after_secs: None,
        };
    }
    let raw = truncate_utf8(body, MAX_RAW_ERROR_BODY);
    let summary = raw.trim();
    let message = if summary.is_empty() {
        default_message(status)
    } else {
        // The first line is usually the useful one (plain text, or an HTML title).
        let first = summary.lines().next().unwrap_or(summary);
        truncate_str(first, 200)
    };
    Error::Api {
        status: code,
        message,
        error_code: None,
        exception: None,
        info: None,
        body: None,
        raw: if raw.is_empty() {
            None
        } else {
            Some(raw.into_boxed_str())
        },
        retry_after_secs: None,
    }
}

fn default_message(status: http::StatusCode) -> String {
    format!(
        "the server answered {} without an error message",
        status.canonical_reason().unwrap_or("an error status")
    )
}

/// At most `max` bytes of `bytes`, cut on a character boundary, invalid UTF-8 replaced.
pub(crate) fn truncate_utf8(bytes: &[u8], max: usize) -> String {
    let cut = &bytes[..bytes.len().min(max)];
    let mut text = String::from_utf8_lossy(cut).into_owned();
    // A multi-byte character split by the cut shows up as a trailing U+FFFD; drop it.
    if cut.len() < bytes.len() && text.ends_with('\u{FFFD}') {
        text.pop();
    }
    text
}

fn truncate_str(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((idx, _)) => format!("{}…", &s[..idx]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    #[test]
    fn parses_pixelbin_error_json() {
        let body = br#"{"message":"File not found","status":404,"errorCode":"JR-0404","exception":"NotFoundError","info":"https://docs"}"#;
        let err = Error::from_response(StatusCode::NOT_FOUND, body);
        match &err {
            Error::Api {
                status,
                message,
                error_code,
                exception,
                info,
                body,
                raw,
                retry_after_secs,
            } => {
                assert_eq!(*retry_after_secs, None);
                assert_eq!(*status, 404);
                assert_eq!(message, "File not found");
                assert_eq!(error_code.as_deref(), Some("JR-0404"));
                assert_eq!(exception.as_deref(), Some("NotFoundError"));
                assert_eq!(info.as_deref(), Some("https://docs"));
                assert_eq!(
                    body.as_ref().and_then(|b| b.get("status")),
                    Some(&404.into())
                );
                assert!(raw.is_none());
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(err.status(), Some(404));
        assert_eq!(err.error_code(), Some("JR-0404"));
        assert!(!err.is_retryable());
        assert_eq!(
            err.to_string(),
            "Pixelbin API error 404 Not Found [JR-0404]: File not found"
        );
    }

    #[test]
    fn object_info_is_kept_as_json_text() {
        let body = br#"{"message":"bad","info":{"field":"name"}}"#;
        let err = Error::from_response(StatusCode::BAD_REQUEST, body);
        let Error::Api { info, .. } = err else {
            panic!("not an api error")
        };
        assert_eq!(info.as_deref(), Some(r#"{"field":"name"}"#));
    }

    #[test]
    fn non_json_body_is_kept_capped() {
        let body = format!("<html>Bad gateway</html>\n{}", "x".repeat(10_000));
        let err = Error::from_response(StatusCode::BAD_GATEWAY, body.as_bytes());
        assert!(err.is_retryable());
        let Error::Api {
            message, raw, body, ..
        } = err
        else {
            panic!("not an api error")
        };
        assert_eq!(message, "<html>Bad gateway</html>");
        assert!(body.is_none());
        assert_eq!(raw.map(|r| r.len()), Some(MAX_RAW_ERROR_BODY));
    }

    #[test]
    fn empty_body_gets_a_readable_message() {
        let err = Error::from_response(StatusCode::SERVICE_UNAVAILABLE, b"");
        assert_eq!(
            err.to_string(),
            "Pixelbin API error 503 Service Unavailable: the server answered Service Unavailable without an error message"
        );
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let s = "é".repeat(10); // 2 bytes each
        assert_eq!(truncate_utf8(s.as_bytes(), 5), "éé");
    }

    #[test]
    fn error_stays_small() {
        // Every crate returns Result<_, Error>; clippy's result_large_err
        // flags error types above 128 bytes.
        assert!(
            std::mem::size_of::<Error>() <= 120,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn credential_messages_are_the_message_itself() {
        let err = Error::InvalidCredential("No API Secret Token Present".into());
        assert_eq!(err.to_string(), "No API Secret Token Present");
    }

    #[test]
    fn timeout_message_names_the_limit() {
        let err = Error::Timeout {
            after: Duration::from_secs(15),
        };
        assert!(err.to_string().contains("after 15 s"));
        let err = Error::Timeout {
            after: Duration::from_millis(250),
        };
        assert!(err.to_string().contains("after 250 ms"));
    }
}
