//! `pixelbin`: the Pixelbin command-line tool.
//!
//! ```text
//! pixelbin demo                                        # everything, against a local emulator
//! pixelbin predict erase_bg -i image=@photo.jpg --wait --download out/
//! pixelbin upload photo.jpg --path products --tag summer
//! pixelbin url sign "$URL" --expiry-seconds 3600 --access-key "$KEY" --token "$TOKEN"
//! pixelbin transformations build Basic.resize height=100 width=200 fit=contain
//! ```
//!
//! Results go to stdout (JSON with `--json`), progress and logs to stderr; errors are one line
//! on stderr (a JSON object on stdout with `--json`) with an exit code from the table in
//! `pixelbin --help`.

mod account;
mod api;
mod bulk;
mod catalog;
mod cli;
mod context;
mod demo;
mod emulator;
mod error;
mod file_edit;
mod files;
mod folders;
mod inputs;
mod mcp;
mod output;
mod predict;
mod predict_each;
mod predictions;
mod profiles;
mod progress;
mod shell;
mod transform;
mod transformations;
mod upload;
mod upload_many;
mod upload_url;
mod url;
mod usage;
mod webhook;
mod webhook_listen;

use std::process::ExitCode;

use clap::FromArgMatches;
use clap::parser::ValueSource;

use crate::cli::{Cli, Command};
use crate::context::Context;

fn main() -> ExitCode {
    let matches = cli::command().get_matches();
    // Was --api-secret typed, or did it come from PIXELBIN_API_TOKEN? Only `emulator` cares.
    let secret_typed = matches!(
        matches.value_source("api_secret").or_else(|| {
            matches
                .subcommand()
                .and_then(|(_, sub)| sub.value_source("api_secret"))
        }),
        Some(ValueSource::CommandLine)
    );
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    init_tracing(cli.global.verbose);
    // Flags, environment and profile resolved once, before any command runs.
    let ctx = match Context::resolve(&cli.global) {
        Ok(ctx) => ctx,
        Err(e) => return fail(&e, cli.global.json),
    };
    let json = ctx.out.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return fail(
                &anyhow::Error::new(e).context("could not start the async runtime"),
                json,
            );
        }
    };
    match runtime.block_on(run(cli, ctx, secret_typed)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e, json),
    }
}

/// Prints the error and gives the exit code: one line on stderr, or with `--json` a JSON
/// object on stdout (where a script reading the result looks) unless the command already
/// printed its result there (a failed job, a mismatch).
fn fail(error: &anyhow::Error, json: bool) -> ExitCode {
    if json && !output::stdout_written() {
        let (value, code) = error::describe_json(error);
        if output::print_json(&value).is_ok() {
            return code;
        }
    }
    let (message, code) = error::describe(error);
    eprintln!("error: {message}");
    code
}

async fn run(cli: Cli, ctx: Context, secret_typed: bool) -> anyhow::Result<()> {
    let out = ctx.out;
    match cli.command {
        Command::Login(args) => account::login(args, &cli.global, &ctx).await,
        Command::Logout => account::logout(&ctx),
        Command::Config(command) => account::config(command, &cli.global, &ctx),
        Command::Org => account::org(&ctx).await,
        Command::Completions(args) => shell::completions(&args),
        Command::Man { dir } => shell::write_man_pages(&dir),
        Command::Api(args) => api::run(args, &ctx).await,
        Command::Presets(command) => catalog::presets(command, &ctx).await,
        Command::Credentials(command) => catalog::credentials(command, &ctx).await,
        Command::Playground(command) => catalog::playground(command, &ctx).await,
        Command::Upload(mut args) if args.from_url.is_some() => {
            let url = args.from_url.take().unwrap_or_default();
            upload_url::run(args, &url, &ctx).await
        }
        Command::Predict(args) => predict::run(args, &ctx).await,
        Command::Predictions(command) => predictions::run(command, &ctx).await,
        Command::Upload(args) => upload::run(args, &ctx).await,
        Command::Files(command) => files::run(command, &ctx).await,
        Command::Folders(command) => folders::run(command, &ctx).await,
        Command::Url(command) => url::run(command, out),
        Command::Transform(args) => transform::run(args, &ctx).await,
        Command::Transformations(command) => transformations::run(command, &ctx).await,
        Command::Webhook(command) => webhook::run(command, out).await,
        Command::Usage => usage::run(&ctx).await,
        Command::Emulator(args) => {
            let typed = cli.global.api_secret.filter(|_| secret_typed);
            emulator::run(args, emulator::accepted_secret(typed), out).await
        }
        Command::Demo => demo::run(out).await,
        Command::Mcp(args) => mcp::run(args, &ctx).await,
    }
}

/// `-v` turns on logs to stderr (`RUST_LOG` refines them); without it nothing is logged.
fn init_tracing(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    // The SDK logs each request at debug level and retries at warn.
    const SDK: [&str; 6] = [
        "pixelbin",
        "pixelbin_http",
        "pixelbin_predictions",
        "pixelbin_upload",
        "pixelbin_platform",
        "pixelbin_emulator",
    ];
    let directives = |base: &str, sdk: &str| {
        let mut d = base.to_string();
        for krate in SDK {
            d.push_str(&format!(",{krate}={sdk}"));
        }
        d
    };
    let filter = match verbose {
        0 => match std::env::var("RUST_LOG") {
            Ok(_) => EnvFilter::from_default_env(),
            Err(_) => return,
        },
        1 => EnvFilter::new(directives("warn", "debug")),
        2 => EnvFilter::new(directives("info", "trace")),
        _ => EnvFilter::new("trace"),
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
