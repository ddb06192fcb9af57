//! One error type over every part of the SDK.
//!
//! Each layer keeps its own, precise error: the async handles return them unchanged
//! ([`pixelbin::http::Error`](crate::http::Error) from the platform APIs, [`pixelbin::predictions::Error`](crate::predictions::Error),
//! [`pixelbin::upload::UploadError`](crate::upload::UploadError), [`pixelbin::url::UrlError`](crate::url::UrlError)). [`Error`] wraps all of them
//! with `From` impls, so an application can use `?` on any call and still match on the
//! layer's error when it needs the details. The blocking client returns [`Error`] everywhere,
//! since it adds failures of its own (see [`Error::InsideAsyncRuntime`]).

/// Any error of the Pixelbin SDK.
///
/// ```
/// fn status_of(err: &pixelbin::Error) -> String {
///     match err {
///         pixelbin::Error::Prediction(e) => format!("prediction failed: {e}"),
///         other => match other.status() {
///             Some(status) => format!("Pixelbin answered {status}: {other}"),
///             None => other.to_string(),
///         },
///     }
/// }
/// let err = pixelbin::Error::from(pixelbin::url::UrlError::InvalidUrl);
/// assert_eq!(status_of(&err), "Invalid pixelbin url. Please make sure the url is correct.");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Configuration, transport and API errors, and every error of the platform APIs
    /// ([`Assets`](crate::Assets), [`Organization`](crate::Organization),
    /// [`TransformationApi`](crate::TransformationApi)).
    #[error(transparent)]
    Http(#[from] pixelbin_http::Error),

    /// An error of the predictions API (bad name or input, failed or unfinished job, ...).
    ///
    /// Boxed, like [`Error::Upload`], to keep `Error` small (under clippy's
    /// `result_large_err` limit) in every `Result` that carries it.
    #[error(transparent)]
    Prediction(Box<pixelbin_predictions::Error>),

    /// An upload failed; it may carry a [`ResumeState`](crate::upload::ResumeState) to
    /// finish it (`e.into_resume_state()` works through the box).
    #[error(transparent)]
    Upload(Box<pixelbin_upload::UploadError>),

    /// A URL could not be parsed, built or signed.
    #[error(transparent)]
    Url(#[from] pixelbin_url::UrlError),

    /// The CDN still answered `202 Accepted` (the transformation is being generated) when
    /// the fetch's deadline came ([`cdn::CdnOptions::deadline`](crate::cdn::CdnOptions::deadline)).
    #[error(
        "the CDN was still generating the image after {accepted} answers of 202 Accepted and gave \
         up at the {deadline:?} deadline; try again later or allow a longer deadline"
    )]
    CdnNotReady {
        /// How many `202` answers came.
        accepted: u32,
        /// The deadline of the fetch.
        deadline: std::time::Duration,
    },

    /// A CDN fetch (a request or its body) did not finish within its deadline.
    #[error(
        "the CDN fetch did not finish within its {deadline:?} deadline; allow \
         a longer deadline for large images or slow links"
    )]
    CdnDeadline {
        /// The deadline of the fetch.
        deadline: std::time::Duration,
    },

    /// A method of the blocking client was called from inside an async runtime, where
    /// blocking would stall the runtime's thread or deadlock it. Nothing was sent.
    #[cfg(any(feature = "blocking", doc))]
    #[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
    #[error(
        "pixelbin::blocking::{method} was called from inside an async runtime, where blocking \
         would stall or deadlock it; use the async pixelbin::PixelbinClient there (or, inside \
         spawn_blocking, Handle::current().block_on(..) with the async client)"
    )]
    InsideAsyncRuntime {
        /// The method that was called, e.g. `"Predictions::create"`.
        method: &'static str,
    },

    /// The blocking client could not start its runtime (the OS refused a thread).
    #[cfg(any(feature = "blocking", doc))]
    #[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
    #[error("could not start the runtime of the blocking Pixelbin client")]
    Runtime(#[source] std::io::Error),
}

impl From<pixelbin_predictions::Error> for Error {
    fn from(e: pixelbin_predictions::Error) -> Self {
        Error::Prediction(Box::new(e))
    }
}

impl From<pixelbin_upload::UploadError> for Error {
    fn from(e: pixelbin_upload::UploadError) -> Self {
        Error::Upload(Box::new(e))
    }
}

impl Error {
    /// The HTTP status Pixelbin answered with, when the error is an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Http(e) => e.status(),
            Error::Prediction(e) => e.status(),
            Error::Upload(e) => e.status(),
            _ => None,
        }
    }

    /// Pixelbin's `errorCode` (e.g. `"JR-1000"`), when the server sent one.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Error::Http(e) => e.error_code(),
            Error::Prediction(e) => e.error_code(),
            Error::Upload(e) => upload_http_error(e).and_then(pixelbin_http::Error::error_code),
            _ => None,
        }
    }

    /// Whether this is Pixelbin's usage-limit error (the account's credits are spent: `403`,
    /// `errorCode` `JR-1000`, `UsageBlockedError`), whichever API produced it.
    ///
    /// ```
    /// let body = br#"{"message":"Usage Limit Exceeded","status":403,"errorCode":"JR-1000"}"#;
    /// let http = pixelbin::http::Error::from_response(pixelbin::http::http::StatusCode::FORBIDDEN, body);
    /// assert!(pixelbin::Error::from(http).is_usage_limit());
    /// ```
    pub fn is_usage_limit(&self) -> bool {
        self.http_error()
            .is_some_and(pixelbin_http::Error::is_usage_limit)
    }

    /// The underlying HTTP-layer error, whichever API produced it.
    pub fn http_error(&self) -> Option<&pixelbin_http::Error> {
        match self {
            Error::Http(e) => Some(e),
            Error::Prediction(e) => match e.as_ref() {
                pixelbin_predictions::Error::Http(e) => Some(e),
                _ => None,
            },
            Error::Upload(e) => upload_http_error(e),
            _ => None,
        }
    }
}

fn upload_http_error(e: &pixelbin_upload::UploadError) -> Option<&pixelbin_http::Error> {
    use pixelbin_upload::UploadError;
    match e {
        UploadError::SignedUrl(source) => Some(source),
        UploadError::Part { source, .. } | UploadError::Complete { source, .. } => Some(source),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error() -> pixelbin_http::Error {
        pixelbin_http::Error::from_response(
            pixelbin_http::http::StatusCode::FORBIDDEN,
            br#"{"message":"Usage Limit Exceeded","status":403,"errorCode":"JR-1000"}"#,
        )
    }

    #[test]
    fn status_and_code_come_through_every_layer() {
        let errors = [
            Error::from(api_error()),
            Error::from(pixelbin_predictions::Error::from(api_error())),
            Error::from(pixelbin_upload::UploadError::SignedUrl(api_error())),
        ];
        for err in &errors {
            assert_eq!(err.status(), Some(403), "{err:?}");
            assert_eq!(err.error_code(), Some("JR-1000"), "{err:?}");
            assert!(err.http_error().is_some(), "{err:?}");
            // Said once along the chain: in the message or in a source.
            let mut chain = vec![err.to_string()];
            let mut next = std::error::Error::source(err);
            while let Some(source) = next {
                chain.push(source.to_string());
                next = source.source();
            }
            let told = chain.iter().filter(|m| m.contains("Usage Limit Exceeded"));
            assert_eq!(told.count(), 1, "{chain:?}");
        }
    }

    #[test]
    fn non_api_errors_have_no_status() {
        let err = Error::from(pixelbin_upload::UploadError::EmptySource);
        assert_eq!((err.status(), err.error_code()), (None, None));
        assert!(err.http_error().is_none());
        let err = Error::from(pixelbin_url::UrlError::InvalidUrl);
        assert_eq!(
            err.to_string(),
            "Invalid pixelbin url. Please make sure the url is correct."
        );
    }

    #[test]
    fn error_stays_small() {
        // Every `Result<_, Error>` carries this size; 128 bytes is where clippy's
        // `result_large_err` starts warning in users' code.
        assert!(std::mem::size_of::<Error>() < 128);
    }

    #[test]
    fn messages_are_the_layers_own() {
        let err = Error::from(pixelbin_http::Error::InvalidCredential(
            "No API Secret Token Present".into(),
        ));
        assert_eq!(err.to_string(), "No API Secret Token Present");
    }
}
