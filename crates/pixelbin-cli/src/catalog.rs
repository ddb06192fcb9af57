//! `pixelbin presets | credentials | playground`: the organization's saved presets, plugin
//! credentials and the console playground's modules.

use std::io::Write;

use clap::{Args, Subcommand};
use futures::TryStreamExt;
use pixelbin::platform::{GetPresetsParams, Preset};
use serde_json::Value;

use crate::context::Context;
use crate::error::CliError;
use crate::output::{Output, or_dash};

/// `pixelbin presets ...`
#[derive(Debug, Subcommand)]
pub enum PresetsCommand {
    /// List presets (one page, or every page with --all).
    List(PresetListArgs),
    /// Show one preset.
    Get {
        /// The preset's name.
        name: String,
    },
    /// Save a transformation chain under a name.
    #[command(
        after_help = "Example:\n  pixelbin presets create thumb 't.resize(w:$w,h:$h)~t.extract()' \\\n    --params '{\"w\": {\"type\": \"integer\", \"default\": 200}, \"h\": {\"type\": \"integer\", \"default\": 200}}'"
    )]
    Create {
        /// The preset's name.
        name: String,
        /// The transformation chain, operations separated by `~`.
        transformation: String,
        /// The chain's `$variables` as a JSON object.
        #[arg(long, value_name = "JSON")]
        params: Option<String>,
    },
    /// Archive a preset (--archived) or bring it back (--active).
    Update {
        /// The preset's name.
        name: String,
        /// Archive it.
        #[arg(long, conflicts_with = "active", required_unless_present = "active")]
        archived: bool,
        /// Bring an archived preset back.
        #[arg(long)]
        active: bool,
    },
    /// Delete a preset.
    Delete {
        /// The preset's name.
        name: String,
    },
}

/// Flags of `pixelbin presets list`.
#[derive(Debug, Args)]
#[command(
    after_help = "With --json: one page prints {\"items\": [...], \"page\": {...}}; --all prints a JSON array of every preset."
)]
pub struct PresetListArgs {
    /// Only the preset with this name.
    #[arg(long, value_name = "N")]
    pub name: Option<String>,
    /// Only archived presets (--archived) or only live ones (--archived=false).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub archived: Option<bool>,
    /// Page number (from 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub page: Option<u32>,
    /// Presets per page.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub page_size: Option<u32>,
    /// Fetch every page and print all presets.
    #[arg(long)]
    pub all: bool,
}

impl PresetListArgs {
    fn params(&self) -> GetPresetsParams {
        let mut params = GetPresetsParams::new();
        if let Some(name) = &self.name {
            params = params.name(name);
        }
        if let Some(archived) = self.archived {
            params = params.archived(archived);
        }
        if let Some(page) = self.page {
            params = params.page_no(page);
        }
        if let Some(size) = self.page_size {
            params = params.page_size(size);
        }
        params
    }
}

/// Runs a `presets` subcommand.
pub async fn presets(command: PresetsCommand, ctx: &Context) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let assets = client.assets();
    let out = ctx.out;
    match command {
        PresetsCommand::List(args) if args.all => {
            let presets: Vec<Preset> = assets
                .get_presets_stream(args.params())
                .try_collect()
                .await?;
            out.emit(&presets, |w| {
                write_presets(w, &presets)?;
                writeln!(w, "{} preset(s)", presets.len())
            })
        }
        PresetsCommand::List(args) => {
            let page = assets.get_presets(args.params()).await?;
            out.emit(&page, |w| {
                write_presets(w, &page.items)?;
                crate::files::write_page_line(w, &page.page, page.items.len())
            })
        }
        PresetsCommand::Get { name } => print_preset(&assets.get_preset(&name).await?, "", out),
        PresetsCommand::Create {
            name,
            transformation,
            params,
        } => {
            let params = params
                .map(|text| json_object("--params", &text))
                .transpose()?;
            let preset = assets.add_preset(&name, &transformation, params).await?;
            print_preset(&preset, "created ", out)
        }
        PresetsCommand::Update { name, archived, .. } => {
            let preset = assets.update_preset(&name, archived).await?;
            print_preset(&preset, "updated ", out)
        }
        PresetsCommand::Delete { name } => {
            let preset = assets.delete_preset(&name).await?;
            print_preset(&preset, "deleted ", out)
        }
    }
}

/// `name  chain  [archived]`, one line per preset.
fn write_presets(w: &mut dyn Write, presets: &[Preset]) -> std::io::Result<()> {
    for preset in presets {
        writeln!(
            w,
            "{}  {}{}",
            or_dash(preset.preset_name.as_deref()),
            or_dash(preset.transformation.as_deref()),
            if preset.archived == Some(true) {
                "  [archived]"
            } else {
                ""
            }
        )?;
    }
    Ok(())
}

fn print_preset(preset: &Preset, verb: &str, out: Output) -> anyhow::Result<()> {
    out.emit(preset, |w| {
        write!(w, "{verb}")?;
        write_presets(w, std::slice::from_ref(preset))
    })
}

/// `pixelbin credentials ...`
#[derive(Debug, Subcommand)]
#[command(
    after_help = "The credentials are a JSON object; pass them with --credentials-file FILE \
    (or `-` for stdin) to keep them out of your shell history, or inline with --credentials.\n\n\
    Example:\n  pixelbin credentials add awsRek --credentials-file aws.json"
)]
pub enum CredentialsCommand {
    /// Store credentials for a plugin.
    Add(CredentialsArgs),
    /// Replace a plugin's credentials.
    Update(CredentialsArgs),
    /// Remove a plugin's credentials.
    Delete {
        /// The plugin's id, e.g. awsRek.
        plugin_id: String,
    },
}

/// The plugin and its credentials.
#[derive(Args)]
pub struct CredentialsArgs {
    /// The plugin's id, e.g. awsRek.
    pub plugin_id: String,
    /// The credentials as a JSON object (visible in your shell history: prefer the file).
    #[arg(
        long,
        value_name = "JSON",
        required_unless_present = "credentials_file",
        conflicts_with = "credentials_file"
    )]
    pub credentials: Option<String>,
    /// A file holding the credentials as a JSON object (`-` reads stdin).
    #[arg(long, value_name = "FILE")]
    pub credentials_file: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for CredentialsArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialsArgs")
            .field("plugin_id", &self.plugin_id)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| pixelbin::http::Redacted),
            )
            .field("credentials_file", &self.credentials_file)
            .finish()
    }
}

impl CredentialsArgs {
    fn credentials(&self) -> anyhow::Result<Value> {
        let text = match (&self.credentials, &self.credentials_file) {
            (Some(text), _) => text.clone(),
            (None, Some(path)) if path.as_os_str() == "-" => {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
                    CliError::usage(format!("could not read the credentials from stdin: {e}"))
                })?;
                text
            }
            (None, Some(path)) => std::fs::read_to_string(path)
                .map_err(|e| CliError::usage(format!("could not read {}: {e}", path.display())))?,
            (None, None) => {
                return Err(CliError::usage(
                    "give the credentials: --credentials-file FILE or --credentials JSON",
                ));
            }
        };
        json_object("the credentials", &text)
    }
}

/// Runs a `credentials` subcommand. What the service stores is never printed back: only the
/// record's plugin and dates.
pub async fn credentials(command: CredentialsCommand, ctx: &Context) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let assets = client.assets();
    let (verb, mut record) = match command {
        CredentialsCommand::Add(args) => (
            "stored",
            assets
                .add_credentials(&args.plugin_id, args.credentials()?)
                .await?,
        ),
        CredentialsCommand::Update(args) => (
            "updated",
            assets
                .update_credentials(&args.plugin_id, args.credentials()?)
                .await?,
        ),
        CredentialsCommand::Delete { plugin_id } => {
            ("deleted", assets.delete_credentials(&plugin_id).await?)
        }
    };
    // Third-party secrets echoed by the service stay out of terminals and logs.
    record.credentials = None;
    ctx.out.emit(&record, |w| {
        writeln!(
            w,
            "{verb} the credentials of {} (id {})",
            or_dash(record.plugin_id.as_deref()),
            or_dash(record.id.as_deref())
        )
    })
}

/// `pixelbin playground ...`
#[derive(Debug, Subcommand)]
pub enum PlaygroundCommand {
    /// List the transformation modules (plugins) and their operations; with an identifier
    /// (e.g. erase), one module in full.
    Modules {
        /// One module's identifier, e.g. erase or t.
        identifier: Option<String>,
    },
    /// The sample image the playground starts with.
    Default,
}

/// Runs a `playground` subcommand.
pub async fn playground(command: PlaygroundCommand, ctx: &Context) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let assets = client.assets();
    let out = ctx.out;
    match command {
        PlaygroundCommand::Modules { identifier: None } => {
            let modules = assets.get_modules().await?;
            out.emit(&modules, |w| {
                for (id, module) in &modules.plugins {
                    let operations: Vec<&str> = module
                        .operations
                        .iter()
                        .filter_map(|op| op.method.as_deref())
                        .collect();
                    writeln!(
                        w,
                        "{id}  {}  ({})",
                        or_dash(module.name.as_deref()),
                        operations.join(", ")
                    )?;
                }
                writeln!(w, "{} module(s)", modules.plugins.len())
            })
        }
        PlaygroundCommand::Modules {
            identifier: Some(identifier),
        } => {
            let module = assets.get_module(&identifier).await?;
            out.emit(&module, |w| {
                writeln!(w, "{identifier}  {}", or_dash(module.name.as_deref()))?;
                if let Some(description) = &module.description {
                    writeln!(w, "  {description}")?;
                }
                for op in &module.operations {
                    writeln!(
                        w,
                        "  {}.{}  {}",
                        identifier,
                        or_dash(op.method.as_deref()),
                        or_dash(op.display_name.as_deref())
                    )?;
                }
                Ok(())
            })
        }
        PlaygroundCommand::Default => {
            let file = assets.get_default_asset_for_playground().await?;
            crate::files::print_file(&file, out)
        }
    }
}

/// `text` parsed as a JSON object, else a usage error naming `what`.
pub fn json_object(what: &str, text: &str) -> anyhow::Result<Value> {
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(CliError::usage(format!(
            "{what} must be a JSON object, e.g. '{{\"key\": \"value\"}}'"
        ))),
        Err(e) => Err(CliError::usage(format!("{what} is not valid JSON ({e})"))),
    }
}
