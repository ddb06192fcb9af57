//! The command line: global flags and the command tree (clap derive).

use clap::{Args, Parser, Subcommand};
use pixelbin_emulator::cli::EmulatorArgs;

use crate::files::FilesCommand;
use crate::folders::FoldersCommand;
use crate::mcp::McpArgs;
use crate::predict::PredictArgs;
use crate::predictions::PredictionsCommand;
use crate::transformations::TransformationsCommand;
use crate::upload::UploadArgs;
use crate::url::UrlCommand;
use crate::webhook::WebhookCommand;

/// The default API domain.
pub const DEFAULT_DOMAIN: &str = "https://api.pixelbin.io";

/// Shown after `pixelbin --help`; the exit codes match `error::Failure::code`.
const AFTER_HELP: &str = "\
First time? `pixelbin demo` runs everything against a local emulator, no account needed.

Exit codes:
  0  success
  1  the request or operation failed (API error, network, file system)
  2  bad arguments or input (usage)
  3  a check answered no (webhook signature or signed URL does not verify)
  4  the prediction finished with status FAILURE
  5  gave up waiting (--timeout or the attempt limit ran out)";

/// Pixelbin from the shell: AI predictions, uploads, files and folders, transformation and
/// signed URLs, webhook checks, and a local emulator.
#[derive(Debug, Parser)]
#[command(
    name = "pixelbin",
    version,
    about,
    propagate_version = true,
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags accepted by every command, before or after its name.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// API domain.
    #[arg(long, global = true, env = "PIXELBIN_DOMAIN", default_value = DEFAULT_DOMAIN, value_name = "URL")]
    pub domain: String,
    /// API secret (the API token from the Pixelbin console); never printed. For `emulator`,
    /// the one secret the emulator accepts.
    #[arg(
        long,
        global = true,
        env = "PIXELBIN_API_TOKEN",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub api_secret: Option<String>,
    /// Time limit of each request in seconds: connecting, the answer's headers, and reading an
    /// answer; also the longest a download may go without progress (default 15).
    #[arg(long, global = true, env = "PIXELBIN_REQUEST_TIMEOUT", value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub request_timeout: Option<u64>,
    /// Print machine-readable JSON on stdout (no progress bars or spinners).
    #[arg(long, global = true)]
    pub json: bool,
    /// Log to stderr: -v each request, -vv more detail, -vvv everything (RUST_LOG also works).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a model (e.g. erase_bg) on your inputs; optionally wait and save the outputs.
    Predict(PredictArgs),
    /// Prediction jobs and models: get, wait, list, schema.
    #[command(subcommand)]
    Predictions(PredictionsCommand),
    /// Upload a file of any size (signed multipart upload, with a progress bar).
    Upload(UploadArgs),
    /// Files: list, get, delete.
    #[command(subcommand)]
    Files(FilesCommand),
    /// Folders: create, get, delete, ancestors.
    #[command(subcommand)]
    Folders(FoldersCommand),
    /// Transformation and signed CDN URLs: parse, build, sign, verify (offline).
    #[command(subcommand)]
    Url(UrlCommand),
    /// The transformation catalogue: list every plugin and operation, build a segment by
    /// long names (offline).
    #[command(subcommand)]
    Transformations(TransformationsCommand),
    /// Webhooks: verify a signature, or receive deliveries locally.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// The account's credit and storage usage (the Billing API's current usage).
    Usage,
    /// Serve a local Pixelbin-compatible emulator in the foreground (until Ctrl-C).
    Emulator(EmulatorArgs),
    /// See everything work in seconds, against an emulator started in this process.
    Demo,
    /// Serve Pixelbin to AI assistants (Claude, Cursor...) as an MCP server on stdio.
    Mcp(McpArgs),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Failure;
    use clap::CommandFactory;

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn exit_codes_are_documented() {
        let help = Cli::command().render_long_help().to_string();
        for failure in [
            Failure::Usage,
            Failure::Mismatch,
            Failure::PredictionFailed,
            Failure::TimedOut,
        ] {
            assert!(
                help.contains(&format!("\n  {}  ", failure.code())),
                "{help}"
            );
        }
    }

    #[test]
    fn global_flags_work_after_the_command() {
        let cli = Cli::try_parse_from([
            "pixelbin",
            "files",
            "list",
            "--json",
            "--domain",
            "http://127.0.0.1:1",
            "-vv",
        ])
        .unwrap();
        assert!(cli.global.json);
        assert_eq!(cli.global.domain, "http://127.0.0.1:1");
        assert_eq!(cli.global.verbose, 2);
    }
}
