//! `pixelbin webhook verify`: check the `x-erbg-signature` of a webhook call.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use pixelbin::url::UrlError;
use serde_json::json;

use crate::error::{CliError, Failure};
use crate::output::Output;

/// `pixelbin webhook ...`
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Check a webhook body against its x-erbg-signature header. Reads the raw body from stdin
    /// (or --body-file); exit code 0 when it matches, 3 when it does not.
    #[command(
        after_help = "Example:\n  pixelbin webhook verify --secret \"$WEBHOOK_SECRET\" --signature \"$SIG\" < body.json"
    )]
    Verify(VerifyArgs),
}

/// `pixelbin webhook verify`
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The webhook secret configured in the Pixelbin console (never printed).
    #[arg(
        long,
        value_name = "S",
        env = "PIXELBIN_WEBHOOK_SECRET",
        hide_env_values = true
    )]
    pub secret: String,
    /// The x-erbg-signature header value: 64 hex digits.
    #[arg(long, value_name = "HEX")]
    pub signature: String,
    /// Read the body from this file instead of stdin.
    #[arg(long, value_name = "PATH")]
    pub body_file: Option<PathBuf>,
}

/// Runs a `webhook` subcommand.
pub fn run(command: WebhookCommand, out: Output) -> anyhow::Result<()> {
    let WebhookCommand::Verify(args) = command;
    // The raw bytes, exactly as received: re-encoding the JSON would change the signature.
    let body = match &args.body_file {
        Some(path) => std::fs::read(path)
            .with_context(|| format!("could not read the body from {}", path.display()))?,
        None => {
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .context("could not read the body from stdin")?;
            body
        }
    };
    match pixelbin::url::verify_webhook_signature(&body, &args.signature, &args.secret) {
        Ok(()) => out.emit(&json!({ "valid": true }), |w| {
            writeln!(
                w,
                "valid: the signature matches the body ({} bytes)",
                body.len()
            )
        }),
        Err(e @ (UrlError::WebhookSignatureMismatch | UrlError::MalformedWebhookSignature)) => {
            if out.json {
                crate::output::print_json(&json!({ "valid": false, "reason": e.to_string() }))?;
            }
            Err(CliError::failed(
                Failure::Mismatch,
                format!("the webhook signature does not verify: {e}"),
            ))
        }
        Err(e) => Err(CliError::usage(e.to_string())),
    }
}
