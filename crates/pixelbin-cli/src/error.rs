//! Turning any failure into one line on stderr and an exit code.
//!
//! Commands return `anyhow::Result`; the few outcomes a script must tell apart (a signature
//! that does not match, a prediction that failed, a wait that ran out of time, a bad argument)
//! are [`CliError`]s with their own exit code. Everything else exits with 1.

use std::fmt;
use std::process::ExitCode;

/// Why a command failed, when the exit code should say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// A bad argument or input file (exit code 2, like clap's own usage errors).
    Usage,
    /// A verification did not match (exit code 3).
    Mismatch,
    /// A prediction ended with `FAILURE` (exit code 4).
    PredictionFailed,
    /// Waiting gave up before the job finished (exit code 5).
    TimedOut,
}

impl Failure {
    /// The process exit code for this failure.
    pub fn code(self) -> u8 {
        match self {
            Failure::Usage => 2,
            Failure::Mismatch => 3,
            Failure::PredictionFailed => 4,
            Failure::TimedOut => 5,
        }
    }
}

/// An error with a message for people and a specific exit code.
#[derive(Debug)]
pub struct CliError {
    /// What kind of failure this is.
    pub failure: Failure,
    /// The message, already saying what to do.
    pub message: String,
}

impl CliError {
    /// A usage error (exit code 2).
    pub fn usage(message: impl Into<String>) -> anyhow::Error {
        CliError {
            failure: Failure::Usage,
            message: message.into(),
        }
        .into()
    }

    /// An error with the given failure kind.
    pub fn failed(failure: Failure, message: impl Into<String>) -> anyhow::Error {
        CliError {
            failure,
            message: message.into(),
        }
        .into()
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// The one-line message and exit code for an error that ended a command.
pub fn describe(error: &anyhow::Error) -> (String, ExitCode) {
    let mut code = 1;
    let mut parts: Vec<String> = Vec::new();
    let mut info = None;
    for cause in error.chain() {
        if let Some(cli) = cause.downcast_ref::<CliError>() {
            code = cli.failure.code();
        }
        if info.is_none() {
            info = api_info(cause);
        }
        let text = cause.to_string();
        // Wrappers often repeat their source's text; keep each piece once.
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    let mut message = parts.join(": ");
    if let Some(info) = info {
        message.push_str(&format!(" (more: {info})"));
    }
    (one_line(&message), ExitCode::from(code))
}

/// Pixelbin's `info` link of an API error found at this level of the chain.
fn api_info(cause: &(dyn std::error::Error + 'static)) -> Option<String> {
    if let Some(e) = cause.downcast_ref::<pixelbin::http::Error>() {
        return http_info(e);
    }
    if let Some(e) = cause.downcast_ref::<pixelbin::Error>() {
        return e.http_error().and_then(http_info);
    }
    if let Some(e) = cause.downcast_ref::<pixelbin::predictions::Error>() {
        return match e {
            pixelbin::predictions::Error::Http(inner) => http_info(inner),
            _ => None,
        };
    }
    if let Some(e) = cause.downcast_ref::<pixelbin::upload::UploadError>() {
        use pixelbin::upload::UploadError;
        return match e {
            UploadError::SignedUrl(inner) => http_info(inner),
            UploadError::Part { source, .. } | UploadError::Complete { source, .. } => {
                http_info(source)
            }
            _ => None,
        };
    }
    None
}

fn http_info(error: &pixelbin::http::Error) -> Option<String> {
    match error {
        pixelbin::http::Error::Api { info, .. } => info
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        _ => None,
    }
}

/// Collapses line breaks and runs of spaces so the message fits on one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_exit_with_2_and_keep_context() {
        let err = CliError::usage("--input needs KEY=VALUE").context("reading the inputs");
        let (message, code) = describe(&err);
        assert_eq!(message, "reading the inputs: --input needs KEY=VALUE");
        assert_eq!(code, ExitCode::from(2));
    }

    #[test]
    fn api_errors_carry_code_and_info() {
        let api = pixelbin::http::Error::Api {
            status: 401,
            message: "Invalid API Secret Token".into(),
            error_code: Some("PB-0401".into()),
            exception: Some("UnauthorizedError".into()),
            info: Some("https://example.test/help".into()),
            body: None,
            raw: None,
            retry_after_secs: None,
        };
        let (message, code) = describe(&anyhow::Error::new(api));
        assert!(message.contains("PB-0401"), "{message}");
        assert!(message.contains("Invalid API Secret Token"), "{message}");
        assert!(
            message.ends_with("(more: https://example.test/help)"),
            "{message}"
        );
        assert_eq!(code, ExitCode::from(1));
    }

    #[test]
    fn messages_are_one_line() {
        assert_eq!(one_line("a\n  b\tc "), "a b c");
    }
}
