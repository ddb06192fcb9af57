//! `pixelbin webhook verify`: check the `x-erbg-signature` of a webhook call;
//! `pixelbin webhook listen`: receive deliveries locally, check each, optionally forward them.

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
    /// Receive webhook deliveries on 127.0.0.1: every POST (any path) is checked against the
    /// secret in constant time, answered 200 when its signature is valid, 401 when not, 400
    /// when it is valid but the body is not JSON, and 413 over 4 MiB; printed as one line
    /// (with --json: {"valid": BOOL, "event": OBJECT}), and, when valid, forwarded to
    /// --forward. Runs until Ctrl-C or SIGTERM (requests still in flight are cut after half a
    /// second).
    #[command(
        after_help = "Example (with an emulator delivering to it):\n  pixelbin emulator --webhook-secret whsec &\n  pixelbin webhook listen --port 9000 --secret whsec --forward http://localhost:3000/hooks/pixelbin"
    )]
    Listen(ListenArgs),
}

/// `pixelbin webhook listen`
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Port on 127.0.0.1 (0 picks a free one; the address is printed on stderr).
    #[arg(long, value_name = "N")]
    pub port: u16,
    #[command(flatten)]
    pub secret: SecretArg,
    /// Forward each valid delivery (same body and signature) to this http(s) URL.
    #[arg(long, value_name = "URL", value_parser = parse_forward_url)]
    pub forward: Option<String>,
}

/// `--secret` of the webhook commands; `Debug` hides it.
#[derive(Args)]
pub struct SecretArg {
    /// The webhook secret configured in the Pixelbin console, which deliveries are signed
    /// with (never printed).
    #[arg(
        long = "secret",
        value_name = "S",
        env = "PIXELBIN_WEBHOOK_SECRET",
        hide_env_values = true
    )]
    pub value: String,
}

impl std::fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SecretArg")
            .field(&pixelbin::http::Redacted)
            .finish()
    }
}

/// `pixelbin webhook verify`
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub secret: SecretArg,
    /// The x-erbg-signature header value: 64 hex digits.
    #[arg(long, value_name = "HEX")]
    pub signature: String,
    /// Read the body from this file instead of stdin.
    #[arg(long, value_name = "PATH")]
    pub body_file: Option<PathBuf>,
}

/// Runs a `webhook` subcommand.
pub async fn run(command: WebhookCommand, out: Output) -> anyhow::Result<()> {
    match command {
        WebhookCommand::Verify(args) => verify(args, out),
        WebhookCommand::Listen(args) => crate::webhook_listen::run(args, out).await,
    }
}

/// An absolute http(s) URL to forward deliveries to.
fn parse_forward_url(s: &str) -> Result<String, String> {
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(s.to_string()),
        _ => Err(format!(
            "'{s}' is not an absolute http(s) URL, e.g. http://localhost:3000/hooks"
        )),
    }
}

/// `pixelbin webhook verify`
fn verify(args: VerifyArgs, out: Output) -> anyhow::Result<()> {
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
    match pixelbin::url::verify_webhook_signature(&body, &args.signature, &args.secret.value) {
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
