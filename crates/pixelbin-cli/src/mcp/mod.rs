//! `pixelbin mcp`: Pixelbin for AI assistants, as a Model Context Protocol server over stdio.
//!
//! The server ([`PixelbinMcp`]) is built on `rmcp` and the CLI's own client and settings
//! ([`Context`]), so `--domain`, `--api-secret`, `--request-timeout` (and profiles) mean what
//! they mean for every other command. Its tools, one file per group:
//!
//! - [`urls`] has `build_transformation_url`, `explain_url`, `sign_url` (offline);
//! - [`assets`] has `list_files`, `get_file`, `upload_file`, `transform_file`;
//! - [`predictions`] has `run_prediction`, `get_prediction`, `list_models`;
//! - [`account`] has `get_usage`;
//!
//! plus [`resources`] (the transformation catalogue, the models and their schemas, prompts).
//! What the server enforces for every call (the write guard, the time limit, turning bad
//! arguments into tool errors, keeping secrets out) is in [`server`]; local paths go through
//! [`root::Root`].

mod account;
mod assets;
mod params;
mod predictions;
mod resources;
mod root;
mod server;
mod urls;

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use rmcp::ServiceExt;

use crate::context::Context;
pub use server::{PixelbinMcp, Settings, SigningKey};

/// `pixelbin mcp`
#[derive(Debug, Args)]
#[command(after_help = "\
Claude Code:     claude mcp add pixelbin -e PIXELBIN_API_TOKEN=... -- pixelbin mcp --root ~/images
Claude Desktop / Cursor: {\"mcpServers\": {\"pixelbin\": {\"command\": \"pixelbin\",
    \"args\": [\"mcp\", \"--root\", \"/home/me/images\"], \"env\": {\"PIXELBIN_API_TOKEN\": \"...\"}}}}

Read-only by default: upload_file, run_prediction and transform_file are listed but refused
until the server is started with --allow-write.")]
pub struct McpArgs {
    /// Allow the tools that upload, start paid jobs or write files (upload_file,
    /// run_prediction, transform_file); without it they answer with an error saying so.
    #[arg(long)]
    pub allow_write: bool,
    /// The only folder whose files tools may read or write (default: the current folder,
    /// unless that is the file system's root); `..` and symlinks leading out of it are
    /// refused.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Time limit of each tool call in seconds; a prediction's wait stops a little before it.
    #[arg(long, value_name = "SECS", default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(5..=3600))]
    pub call_timeout: u64,
    /// Access key (token id) for `sign_url`.
    #[arg(long, value_name = "K", env = "PIXELBIN_URL_SIGNING_KEY")]
    pub url_signing_key: Option<String>,
    /// The URL signing token's secret value for `sign_url` (never shown to the assistant).
    #[arg(
        long,
        value_name = "T",
        env = "PIXELBIN_URL_SIGNING_TOKEN",
        hide_env_values = true
    )]
    pub url_signing_token: Option<String>,
}

/// Runs `pixelbin mcp`: serves MCP on stdin/stdout until the client closes it.
pub async fn run(args: McpArgs, ctx: &Context) -> anyhow::Result<()> {
    let signing = match (args.url_signing_key, args.url_signing_token) {
        (Some(access_key), Some(token)) => Some(SigningKey { access_key, token }),
        (None, None) => None,
        _ => {
            return Err(crate::error::CliError::usage(
                "sign_url needs both --url-signing-key and --url-signing-token \
                 (or PIXELBIN_URL_SIGNING_KEY and PIXELBIN_URL_SIGNING_TOKEN)",
            ));
        }
    };
    let settings = Settings {
        allow_write: args.allow_write,
        root: root::Root::from_flag(args.root.as_deref())?,
        call_timeout: Duration::from_secs(args.call_timeout),
        signing,
    };
    // Without a secret the offline tools still work; the others say how to add one.
    let client = ctx.client().map_err(|e| crate::error::describe(&e).0);
    let server = PixelbinMcp::new(client, settings);
    let running = server.serve(rmcp::transport::stdio()).await?;
    running.waiting().await?;
    Ok(())
}
