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
    /// The account's credits ran out during a bulk run (exit code 6).
    OutOfCredits,
}

impl Failure {
    /// The process exit code for this failure.
    pub fn code(self) -> u8 {
        match self {
            Failure::Usage => 2,
            Failure::Mismatch => 3,
            Failure::PredictionFailed => 4,
            Failure::TimedOut => 5,
            Failure::OutOfCredits => 6,
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
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        // SDK errors read once; `anyhow` contexts of our own might still repeat a piece.
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    let mut message = parts.join(": ");
    if let Some(info) = sdk_error(error).and_then(http_info) {
        message.push_str(&format!(" (more: {info})"));
    }
    if sdk_error(error).is_some_and(pixelbin::http::Error::is_usage_limit) {
        message.push_str("; the account's credits are spent, `pixelbin usage` shows them");
    }
    // Messages may quote URLs (output links, presigned uploads): never their signatures.
    (
        one_line(&pixelbin::http::redact_text(&message)),
        ExitCode::from(exit_code(error)),
    )
}

/// The error as `--json` prints it on stdout: `{"error": {"message", "kind", "exitCode",
/// "status", "errorCode", "exception", "info"}}`, the last four only for API errors.
pub fn describe_json(error: &anyhow::Error) -> (serde_json::Value, ExitCode) {
    let (message, code) = describe(error);
    let mut fields = serde_json::Map::new();
    fields.insert("message".into(), message.into());
    fields.insert("kind".into(), kind(error).into());
    fields.insert("exitCode".into(), exit_code(error).into());
    if let Some(pixelbin::http::Error::Api {
        status,
        error_code,
        exception,
        info,
        ..
    }) = sdk_error(error)
    {
        fields.insert("status".into(), (*status).into());
        fields.insert("errorCode".into(), error_code.clone().into());
        fields.insert("exception".into(), exception.clone().into());
        fields.insert("info".into(), info.as_deref().map(str::to_string).into());
    }
    (serde_json::json!({ "error": fields }), code)
}

fn exit_code(error: &anyhow::Error) -> u8 {
    error
        .chain()
        .find_map(|cause| cause.downcast_ref::<CliError>())
        .map_or(1, |cli| cli.failure.code())
}

/// A stable, machine-readable name of what failed.
fn kind(error: &anyhow::Error) -> &'static str {
    if let Some(cli) = error.chain().find_map(|c| c.downcast_ref::<CliError>()) {
        return match cli.failure {
            Failure::Usage => "usage",
            Failure::Mismatch => "mismatch",
            Failure::PredictionFailed => "prediction_failed",
            Failure::TimedOut => "timed_out",
            Failure::OutOfCredits => "out_of_credits",
        };
    }
    match sdk_error(error) {
        Some(e) if e.is_usage_limit() => "usage_limit",
        Some(pixelbin::http::Error::Api { .. }) => "api",
        Some(pixelbin::http::Error::Transport { .. }) => "transport",
        Some(pixelbin::http::Error::Timeout { .. }) => "timeout",
        Some(pixelbin::http::Error::Decode { .. }) => "decode",
        Some(pixelbin::http::Error::InvalidCredential(_)) => "credential",
        Some(pixelbin::http::Error::IllegalArgument(_)) => "invalid_argument",
        Some(_) => "http",
        None if error
            .chain()
            .any(|c| c.downcast_ref::<std::io::Error>().is_some()) =>
        {
            "io"
        }
        None => "other",
    }
}

/// The HTTP-layer error somewhere in the chain, whichever SDK layer wrapped it.
fn sdk_error(error: &anyhow::Error) -> Option<&pixelbin::http::Error> {
    error.chain().find_map(|cause| {
        if let Some(e) = cause.downcast_ref::<pixelbin::http::Error>() {
            return Some(e);
        }
        if let Some(e) = cause.downcast_ref::<pixelbin::Error>() {
            return e.http_error();
        }
        if let Some(pixelbin::predictions::Error::Http(e)) =
            cause.downcast_ref::<pixelbin::predictions::Error>()
        {
            return Some(e);
        }
        if let Some(e) = cause.downcast_ref::<pixelbin::upload::UploadError>() {
            use pixelbin::upload::UploadError;
            return match e {
                UploadError::SignedUrl(inner) => Some(inner),
                UploadError::Part { source, .. } | UploadError::Complete { source, .. } => {
                    Some(source)
                }
                _ => None,
            };
        }
        None
    })
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
