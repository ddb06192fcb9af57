//! The command line: global flags and the command tree (clap derive).

use clap::{Args, Parser, Subcommand, ValueEnum};
use pixelbin_emulator::cli::EmulatorArgs;

use crate::account::{ConfigCommand, LoginArgs};
use crate::api::ApiArgs;
use crate::catalog::{CredentialsCommand, PlaygroundCommand, PresetsCommand};
use crate::shell::CompletionsArgs;

use crate::files::FilesCommand;
use crate::folders::FoldersCommand;
use crate::mcp::McpArgs;
use crate::predict::PredictArgs;
use crate::predictions::PredictionsCommand;
use crate::transform::TransformArgs;
use crate::transformations::TransformationsCommand;
use crate::upload::UploadArgs;
use crate::url::UrlCommand;
use crate::webhook::WebhookCommand;

/// The default API domain.
pub const DEFAULT_DOMAIN: &str = "https://api.pixelbin.io";

/// Shown after `pixelbin --help`; the exit codes match `error::Failure::code`.
const AFTER_HELP: &str = "\
First time? `pixelbin demo` runs everything against a local emulator, no account needed.
Then `pixelbin login` saves your API token in the config file (see `pixelbin config --help`).

Settings: a flag wins over its environment variable, which wins over the profile
(--profile / PIXELBIN_PROFILE, else `default`) in the config file, which wins over the default:
  --domain           PIXELBIN_DOMAIN           domain           https://api.pixelbin.io
  --api-secret       PIXELBIN_API_TOKEN        api-secret       (none)
  --request-timeout  PIXELBIN_REQUEST_TIMEOUT  request-timeout  15
  --json, --output   PIXELBIN_OUTPUT           output           text

Exit codes:
  0  success
  1  the request or operation failed (API error, network, file system)
  2  bad arguments or input (usage)
  3  a check answered no (webhook signature or signed URL does not verify)
  4  the prediction finished with status FAILURE
  5  gave up waiting (--timeout or the attempt limit ran out)
  6  a bulk run stopped because the account's credits ran out (rerun it once topped up)";

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
    /// The profile of the config file to use (default: `default`); `pixelbin config list`
    /// shows them.
    #[arg(long, global = true, env = "PIXELBIN_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// API domain (default: the profile's, else https://api.pixelbin.io).
    #[arg(long, global = true, env = "PIXELBIN_DOMAIN", value_name = "URL")]
    pub domain: Option<String>,
    /// API secret (the API token from the Pixelbin console; default: the profile's, saved by
    /// `pixelbin login`); never printed. For `emulator`, the one secret the emulator accepts.
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
    /// Print machine-readable JSON on stdout (no progress bars or spinners); same as
    /// `--output json`.
    #[arg(long, global = true)]
    pub json: bool,
    /// Output format (default: the profile's, else text).
    #[arg(
        long,
        global = true,
        env = "PIXELBIN_OUTPUT",
        value_enum,
        value_name = "FORMAT"
    )]
    pub output: Option<OutputFormat>,
    /// Log to stderr: -v each request, -vv more detail, -vvv everything (RUST_LOG also works).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// `--output`: how results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Short readable lines.
    Text,
    /// One JSON document (or one JSON line per item of a bulk command).
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    // --- Profiles and account set-up (module `account`).
    /// Save an API token in a profile of the config file, after checking it with the API.
    Login(LoginArgs),
    /// Remove the API token from a profile (--profile, else `default`).
    Logout,
    /// Read and change the config file's profiles: set, get, list, unset.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The organization behind the API token: its name, cloud name and the token's app.
    Org,
    // --- Shell integration (module `shell`).
    /// Print a completion script for bash, zsh, fish, powershell or elvish.
    Completions(CompletionsArgs),
    /// Write the man pages into DIR (what `cargo xtask man` runs).
    #[command(name = "__man", hide = true)]
    Man {
        /// The folder to write `pixelbin.1`, `pixelbin-files.1`, ... into.
        dir: std::path::PathBuf,
    },
    /// Send an authenticated request to any API endpoint and print the JSON answer.
    Api(ApiArgs),
    // --- The rest of the SDK's areas (module `catalog`).
    /// Presets (named transformation chains): list, get, create, update, delete.
    #[command(subcommand)]
    Presets(PresetsCommand),
    /// Credentials of transformation plugins (e.g. awsRek): add, update, delete.
    #[command(subcommand)]
    Credentials(CredentialsCommand),
    /// The console's playground: its transformation modules and default image.
    #[command(subcommand)]
    Playground(PlaygroundCommand),
    // --- Existing commands.
    /// Run a model (e.g. erase_bg) on your inputs; optionally wait and save the outputs.
    Predict(PredictArgs),
    /// Prediction jobs and models: get, wait, list, schema.
    #[command(subcommand)]
    Predictions(PredictionsCommand),
    /// Upload a file of any size (signed multipart upload, with a progress bar).
    Upload(UploadArgs),
    /// Apply a transformation pattern to a folder of images, outputs saved locally (resumable).
    Transform(TransformArgs),
    /// Files: list, get, update, move, rename, tag, untag, delete.
    #[command(subcommand)]
    Files(FilesCommand),
    /// Folders: create, get, delete, ancestors.
    #[command(subcommand)]
    Folders(FoldersCommand),
    /// Transformation and signed CDN URLs: parse, build, sign, verify (offline).
    #[command(subcommand)]
    Url(UrlCommand),
    /// The transformation catalogue (list, build; offline) and a URL's context (from the API).
    #[command(subcommand, visible_alias = "transformation")]
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

/// How `pixelbin --help` groups the commands, as a new user looks for them; a command not
/// listed here (a new one) shows under "Other commands".
const COMMAND_GROUPS: &[(&str, &[&str])] = &[
    ("Get started", &["demo", "login", "logout", "config", "org"]),
    (
        "Images and AI",
        &[
            "predict",
            "predictions",
            "upload",
            "transform",
            "transformations",
            "url",
        ],
    ),
    ("Storage", &["files", "folders", "presets"]),
    ("Account", &["usage", "credentials"]),
    (
        "Develop and integrate",
        &[
            "webhook",
            "api",
            "mcp",
            "playground",
            "emulator",
            "completions",
        ],
    ),
];

/// The command tree with `--help` grouping its commands under [`COMMAND_GROUPS`] headings
/// (clap has one heading for all subcommands, so the list is written into the template).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let cmd = Cli::command();
    let visible: Vec<(String, String)> = cmd
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| {
            let about = c.get_about().map(|a| a.to_string()).unwrap_or_default();
            (c.get_name().to_string(), about)
        })
        .collect();
    let width = visible
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0);
    let mut listed: Vec<&str> = Vec::new();
    let mut text = String::new();
    let mut group = |heading: &str, names: &mut dyn Iterator<Item = &(String, String)>| {
        let mut names = names.peekable();
        if names.peek().is_none() {
            return;
        }
        text.push_str(&format!("{heading}:\n"));
        for (name, about) in names {
            text.push_str(&format!("  {name:width$}  {about}\n"));
        }
        text.push('\n');
    };
    for (heading, names) in COMMAND_GROUPS {
        listed.extend(names.iter());
        group(
            heading,
            &mut visible.iter().filter(|(n, _)| names.contains(&n.as_str())),
        );
    }
    group(
        "Other commands",
        &mut visible
            .iter()
            .filter(|(n, _)| !listed.contains(&n.as_str()) && n != "help"),
    );
    // `{all-args}` would list the commands again in one block: the options alone.
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{{usage-heading}} {{usage}}\n\n{text}\
         `pixelbin help COMMAND` (or `pixelbin COMMAND --help`) tells more.\n\n\
         Options:\n{{options}}{{after-help}}"
    );
    cmd.help_template(template)
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
        assert_eq!(cli.global.domain.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(cli.global.verbose, 2);
    }
}
