//! The one error type of this crate, [`UrlError`], and its coarse [`ErrorKind`].
//!
//! Where the reference SDK (Python `pixelbin` 4.3.0) raises one of its own errors, the
//! [`Display`](std::fmt::Display) text here is exactly the reference's message, so code and
//! logs that match on those messages keep working. Where the reference crashes with a Python
//! internal error (`IndexError`, `KeyError`, `TypeError`, `ValueError`), we return a variant of
//! our own whose message says what was wrong and what to do.
//!
//! No message ever contains a token, a secret or a signature (`pbs`) value.

use std::fmt;

/// Everything that can go wrong while parsing, building, signing or verifying Pixelbin URLs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    // ----- The reference's own errors: the messages are the reference's, word for word. -----
    /// The URL does not have the shape of a Pixelbin URL (reference message).
    #[error("Invalid pixelbin url. Please make sure the url is correct.")]
    InvalidUrl,

    /// The transformation pattern of the URL cannot be read (reference message; `reason`
    /// renders as the Python text the reference appends).
    #[error("Error Processing url. Please check the url is correct, {reason}")]
    InvalidPattern {
        /// The operation (one `~`-separated piece of the pattern) that could not be read.
        operation: String,
        /// What is wrong with it.
        reason: PatternFault,
    },

    /// A `dpr` value is not a number between 0.1 and 5.0 nor `auto` (reference message).
    #[error("DPR value should be numeric and should be between 0.1 to 5.0")]
    InvalidDpr {
        /// The rejected value as it was given.
        value: String,
    },

    /// An `f_auto` value is not a boolean (reference message).
    #[error("F_auto value should be boolean")]
    InvalidFAuto {
        /// The rejected value as it was given.
        value: String,
    },

    /// Building a URL for the Pixelbin CDN needs a cloud name (reference message).
    #[error("key cloudName should be defined")]
    MissingCloudName,

    /// Custom-domain URLs carry no cloud name (reference message).
    #[error("key cloudName is not valid for custom domains")]
    CloudNameOnCustomDomain,

    /// Building a non-worker URL needs a file path (reference message).
    #[error("key filePath should be defined")]
    MissingFilePath,

    /// Building a worker URL needs a `workerPath` string (reference message).
    #[error("key workerPath should be defined")]
    MissingWorkerPath,

    /// A transformation parameter has an empty key (reference message).
    #[error("key not specified in '{name}'")]
    MissingParamKey {
        /// The name of the transformation holding the parameter.
        name: String,
    },

    /// A transformation parameter has an empty value (reference message).
    #[error("value not specified for '{key}' in '{name}'")]
    MissingParamValue {
        /// The name of the transformation holding the parameter.
        name: String,
        /// The parameter's key.
        key: String,
    },

    /// The URL to sign already carries a `pbs` signature (reference message).
    #[error("URL already has a signature")]
    AlreadySigned,

    /// An argument has the wrong type. Renders as `<name> must be <expected>`, which is the
    /// reference's message for `expiry_seconds`, `access_key` and `token`.
    #[error("{name} must be {expected}")]
    InvalidArgument {
        /// The argument or object key at fault, as the reference spells it.
        name: &'static str,
        /// What it must be, e.g. `a string`.
        expected: &'static str,
    },

    // ----- Our own errors, where the reference crashes or has no equivalent. -----
    /// The URL's path is too short to hold the parts of a Pixelbin URL.
    #[error(
        "Invalid pixelbin url: the path `{path}` is too short; a Pixelbin URL looks like \
         https://cdn.pixelbin.io/v2/<cloud name>/<pattern>/<file path>"
    )]
    IncompletePath {
        /// The path of the URL (without query).
        path: String,
    },

    /// A custom-domain URL has no `<pattern>/<file path>` (nor `wrkr/<path>`) after its version.
    #[error(
        "Invalid pixelbin url: the path `{path}` has no `<pattern>/<file path>` after the \
         version; a custom-domain URL looks like https://<domain>/v2/[<zone>/]<pattern>/<file path>"
    )]
    UnrecognisedPath {
        /// The path of the URL (without query).
        path: String,
    },

    /// The host part of the URL is malformed.
    #[error("Invalid pixelbin url: {reason}")]
    InvalidHost {
        /// What is wrong with the host.
        reason: &'static str,
    },

    /// An object to build from has no `transformations` list (and is not a worker URL).
    #[error("key transformations should be defined; use an empty list for the original image")]
    MissingTransformations,

    /// A transformation with a `name` has no `plugin`.
    #[error("key plugin should be defined in transformation '{name}'")]
    MissingPlugin {
        /// The name of the transformation.
        name: String,
    },

    /// `now + expiry_seconds` does not fit a unix timestamp in seconds.
    #[error(
        "the expiry time is out of range: now + expiry_seconds must be a unix time in seconds \
         between 0 and 2^64-1"
    )]
    ExpiryOutOfRange,

    /// [`sign_url`](crate::sign_url) was called where no system clock exists.
    #[error(
        "the system clock is not available on this platform; call sign_url_at with an expiry \
         timestamp instead"
    )]
    ClockUnavailable,

    /// A signed URL lacks one of its signature query parameters.
    #[error("the URL has no `{name}` query parameter; it is not a signed Pixelbin URL")]
    MissingSignatureParam {
        /// `pbs` or `pbe`.
        name: &'static str,
    },

    /// A signature query parameter of a signed URL is malformed or repeated.
    #[error("the `{name}` query parameter of the signed URL is malformed or repeated")]
    MalformedSignatureParam {
        /// `pbs` or `pbe`.
        name: &'static str,
    },

    /// The `pbs` signature does not match the URL.
    #[error(
        "the URL signature does not match: the URL was changed after signing or was signed \
         with a different token"
    )]
    SignatureMismatch,

    /// The signed URL's expiry (`pbe`) is in the past.
    #[error(
        "the signed URL expired at unix time {expiry} (now {now}); sign it again with a later expiry"
    )]
    Expired {
        /// The URL's `pbe`.
        expiry: u64,
        /// The time it was checked against.
        now: u64,
    },

    /// A `srcset` was asked for with no candidates or with a candidate it cannot describe.
    #[error("cannot build the srcset: {reason}")]
    InvalidSrcSet {
        /// What is wrong, and what would do.
        reason: String,
    },

    /// The `x-erbg-signature` header is not 64 hex digits.
    #[error(
        "the x-erbg-signature header is not a hex-encoded HMAC-SHA256 (64 hex digits); pass the \
         header value as received"
    )]
    MalformedWebhookSignature,

    /// The `x-erbg-signature` header does not match the body.
    #[error(
        "the x-erbg-signature header does not match the body: check the webhook secret and \
         verify the raw request body, before any JSON parsing"
    )]
    WebhookSignatureMismatch,
}

/// Why one operation of a transformation pattern could not be read.
///
/// Its `Display` is the Python error text the reference appends to
/// `Error Processing url. Please check the url is correct, `.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatternFault {
    /// The operation has no `.` between plugin and name (e.g. `resize()`).
    MissingDot,
    /// The operation has no `(` (only presets, `p:name`, may omit the parentheses).
    MissingParentheses,
    /// A parameter has more than one `:` (e.g. `h:1:2`).
    TooManyColons,
}

impl fmt::Display for PatternFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            // The reference's Python `IndexError` / `ValueError` texts, kept for parity.
            PatternFault::MissingDot | PatternFault::MissingParentheses => {
                "list index out of range"
            }
            PatternFault::TooManyColons => "too many values to unpack (expected 2)",
        })
    }
}

impl PatternFault {
    /// A plain-words explanation of the fault, for people fixing the URL.
    pub fn explanation(&self) -> &'static str {
        match self {
            PatternFault::MissingDot => {
                "an operation must be written plugin.name(...), e.g. t.resize(h:100)"
            }
            PatternFault::MissingParentheses => {
                "an operation needs parentheses, e.g. t.flip(); only presets (p:name) may omit them"
            }
            PatternFault::TooManyColons => {
                "a parameter must be key:value with a single colon, e.g. h:100"
            }
        }
    }
}

/// The broad class of a [`UrlError`], mirroring the reference's exception classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The URL cannot be read (the reference's `PixelbinInvalidUrlError`).
    InvalidUrl,
    /// An argument or object key is missing or wrong (`PixelbinIllegalArgumentError`).
    IllegalArgument,
    /// `dpr` or `f_auto` is wrong (`PixelbinIllegalQueryParameterError`).
    IllegalQueryParameter,
    /// A signed URL or webhook signature did not verify (no reference equivalent).
    Signature,
}

impl UrlError {
    /// The broad class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            UrlError::InvalidUrl
            | UrlError::InvalidPattern { .. }
            | UrlError::IncompletePath { .. }
            | UrlError::UnrecognisedPath { .. }
            | UrlError::InvalidHost { .. } => ErrorKind::InvalidUrl,
            UrlError::InvalidDpr { .. } | UrlError::InvalidFAuto { .. } => {
                ErrorKind::IllegalQueryParameter
            }
            UrlError::MissingCloudName
            | UrlError::CloudNameOnCustomDomain
            | UrlError::MissingFilePath
            | UrlError::MissingWorkerPath
            | UrlError::MissingParamKey { .. }
            | UrlError::MissingParamValue { .. }
            | UrlError::AlreadySigned
            | UrlError::InvalidArgument { .. }
            | UrlError::MissingTransformations
            | UrlError::MissingPlugin { .. }
            | UrlError::ExpiryOutOfRange
            | UrlError::ClockUnavailable
            | UrlError::InvalidSrcSet { .. } => ErrorKind::IllegalArgument,
            UrlError::MissingSignatureParam { .. }
            | UrlError::MalformedSignatureParam { .. }
            | UrlError::SignatureMismatch
            | UrlError::Expired { .. }
            | UrlError::MalformedWebhookSignature
            | UrlError::WebhookSignatureMismatch => ErrorKind::Signature,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_messages_are_exact() {
        assert_eq!(
            UrlError::InvalidUrl.to_string(),
            "Invalid pixelbin url. Please make sure the url is correct."
        );
        assert_eq!(
            UrlError::InvalidDpr { value: "9".into() }.to_string(),
            "DPR value should be numeric and should be between 0.1 to 5.0"
        );
        assert_eq!(
            UrlError::InvalidFAuto { value: "x".into() }.to_string(),
            "F_auto value should be boolean"
        );
        assert_eq!(
            UrlError::InvalidPattern {
                operation: "test".into(),
                reason: PatternFault::MissingDot
            }
            .to_string(),
            "Error Processing url. Please check the url is correct, list index out of range"
        );
        assert_eq!(
            UrlError::InvalidArgument {
                name: "expiry_seconds",
                expected: "an integer"
            }
            .to_string(),
            "expiry_seconds must be an integer"
        );
        assert_eq!(
            UrlError::MissingParamValue {
                name: "resize".into(),
                key: "h".into()
            }
            .to_string(),
            "value not specified for 'h' in 'resize'"
        );
    }

    #[test]
    fn kinds_follow_the_reference_classes() {
        assert_eq!(UrlError::InvalidUrl.kind(), ErrorKind::InvalidUrl);
        assert_eq!(
            UrlError::InvalidDpr {
                value: String::new()
            }
            .kind(),
            ErrorKind::IllegalQueryParameter
        );
        assert_eq!(UrlError::AlreadySigned.kind(), ErrorKind::IllegalArgument);
        assert_eq!(UrlError::SignatureMismatch.kind(), ErrorKind::Signature);
    }
}
