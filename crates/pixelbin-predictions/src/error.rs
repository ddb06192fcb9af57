//! The crate's error type.

use std::path::PathBuf;
use std::time::Duration;

use crate::prediction::{Prediction, PredictionStatus};

/// The exact message the reference SDK gives for a malformed model name.
pub const NAME_FORMAT_MESSAGE: &str = "name must be in 'plugin_operation' format, e.g. 'erase_bg'";

/// Everything that can go wrong while creating, polling or downloading a prediction.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request failed in the transport or the API answered with an error status.
    ///
    /// API errors keep Pixelbin's `errorCode`, `exception` and `info`; see
    /// [`pixelbin_http::Error::Api`].
    #[error(transparent)]
    Http(#[from] pixelbin_http::Error),

    /// The model name is not of the form `plugin_operation`.
    #[error("{}", NAME_FORMAT_MESSAGE)]
    InvalidName {
        /// The name as given.
        name: String,
    },

    /// A required argument is missing or empty (the message names it, as the reference does).
    #[error("{0}")]
    IllegalArgument(String),

    /// The input does not fit the model (from the builder or from schema validation).
    /// Raised before any request is sent.
    #[error("invalid input for '{model}': {}", format_problems(problems))]
    InvalidInput {
        /// The model name, or an empty string when validation ran without one.
        model: String,
        /// Every problem found, in input order.
        problems: Vec<InputProblem>,
    },

    /// A file input given by path or reader could not be read.
    #[error("could not read input '{key}' from {source_desc}")]
    ReadInput {
        /// The input key (without the `input.` prefix).
        key: String,
        /// Where the bytes were read from (a path or "reader").
        source_desc: String,
        /// The underlying I/O error.
        source: std::io::Error,
    },

    /// `wait` polled `max_attempts` times and the prediction was still not finished.
    ///
    /// The reference SDK returns the unfinished job as if it were final; this crate returns it
    /// inside this error instead so callers cannot mistake it for a result.
    #[error(
        "prediction {} still {} after {attempts} polls; raise max_attempts or retry_interval, or call wait again",
        last.id, last.status
    )]
    WaitExhausted {
        /// The last state seen.
        last: Box<Prediction>,
        /// How many times the job was polled.
        attempts: u32,
    },

    /// The overall deadline of `wait` ran out before the prediction finished.
    #[error(
        "prediction {} not finished within {deadline:?} ({attempts} polls, last status {}); raise the deadline or call wait again",
        id.as_deref().unwrap_or("(not created in time)"),
        last.as_ref().map_or("<none>".to_string(), |p| p.status.to_string())
    )]
    DeadlineExceeded {
        /// The prediction's id; `None` only when the create call itself ran out of time.
        id: Option<String>,
        /// The last state seen, if any poll (or the create call) completed in time.
        last: Option<Box<Prediction>>,
        /// How many polls completed.
        attempts: u32,
        /// The deadline that ran out.
        deadline: Duration,
    },

    /// A create whose answer was lost (a timeout, a connection dropped after sending, a 5xx):
    /// the job may exist on the server. A batch does not send it again, since that could start
    /// and bill a second job.
    #[error(
        "the create request may have reached Pixelbin but no answer came back ({reason}); it was not sent again so the job is not billed twice: check the console or run it again on its own"
    )]
    CreateUncertain {
        /// What went wrong with the create request.
        reason: String,
    },

    /// The prediction finished with status `FAILURE` (from [`Prediction::into_result`]).
    #[error("prediction {} failed: {}", prediction.id, prediction.error.as_deref().unwrap_or("no error message given"))]
    PredictionFailed {
        /// The failed prediction, with its `error`.
        prediction: Box<Prediction>,
    },

    /// Outputs were requested from a prediction that has not succeeded.
    #[error(
        "prediction {id} has status {status}, not SUCCESS; wait for it before downloading its outputs"
    )]
    NotSucceeded {
        /// The prediction id.
        id: String,
        /// Its status.
        status: PredictionStatus,
    },

    /// An output URL could not be used.
    #[error("download of {url:?} failed: {message}")]
    Download {
        /// The output URL, its signed query redacted.
        url: String,
        /// What went wrong.
        message: String,
    },

    /// Writing a downloaded output failed.
    #[error("could not write output to {}", path.display())]
    WriteOutput {
        /// The destination (empty for a caller-supplied writer).
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
}

impl Error {
    /// The HTTP status of an API error, if this is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Http(e) => e.status(),
            _ => None,
        }
    }

    /// Pixelbin's `errorCode` of an API error, if any.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Error::Http(e) => e.error_code(),
            _ => None,
        }
    }

    /// Whether this is Pixelbin's usage-limit error (credits spent: `403`, `JR-1000`); see
    /// [`pixelbin_http::Error::is_usage_limit`].
    pub fn is_usage_limit(&self) -> bool {
        matches!(self, Error::Http(e) if e.is_usage_limit())
    }

    /// The last prediction state carried by a wait error ([`Error::WaitExhausted`],
    /// [`Error::DeadlineExceeded`]) or by [`Error::PredictionFailed`].
    pub fn last_prediction(&self) -> Option<&Prediction> {
        match self {
            Error::WaitExhausted { last, .. } => Some(last),
            Error::DeadlineExceeded { last, .. } => last.as_deref(),
            Error::PredictionFailed { prediction } => Some(prediction),
            _ => None,
        }
    }
}

/// One reason an input was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputProblem {
    /// The input key (without the `input.` prefix); empty for problems not tied to one key.
    pub key: String,
    /// What is wrong, in words a caller can act on.
    pub message: String,
}

impl InputProblem {
    pub(crate) fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        InputProblem {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for InputProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.key.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.key, self.message)
        }
    }
}

fn format_problems(problems: &[InputProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_error_shows_an_empty_url_as_empty() {
        let err = Error::Download {
            url: String::new(),
            message: "not a valid absolute URL".into(),
        };
        assert_eq!(
            err.to_string(),
            r#"download of "" failed: not a valid absolute URL"#
        );
    }
}
