//! `cargo xtask`: the command-line entry point (see the library for the work itself).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use clap::{Parser, Subcommand};
use xtask::version::Bump;
use xtask::{bench, ci, codegen, man, release};

/// Workspace automation for pixelbin-rs: the local CI gate and releases.
///
/// Run it from anywhere in the workspace as `cargo xtask <COMMAND>`.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the local gate, stopping at the first failure.
    ///
    /// Steps, in order: `fmt` (cargo fmt --all -- --check), `clippy` (cargo clippy --workspace
    /// --all-targets -- -D warnings), `test` (cargo test --workspace, doc-tests included, and with them the check that the
    /// generated transformation builders are current), `doc`
    /// (RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps), `wasm` (cargo build -p
    /// pixelbin-url --target wasm32-unknown-unknown, adding the target through rustup if
    /// missing) and `examples` (cargo build --workspace --examples --features pixelbin/blocking). Each command is printed
    /// before it runs and a summary closes the run. The environment (CARGO_TARGET_DIR, CI, ...)
    /// is passed through.
    Ci {
        /// Skip a step, by name; repeat or separate with commas. For local iteration only:
        /// a release always runs every step.
        #[arg(long, value_name = "STEP", value_delimiter = ',',
              value_parser = PossibleValuesParser::new(ci::step_names()))]
        skip: Vec<String>,
    },
    /// Release every publishable crate at a new shared version.
    ///
    /// Refuses a dirty work tree, a version not greater than the current one, and a
    /// publishable crate missing description, license, repository or readme (every crate is
    /// either publishable or `publish = false`). Then runs the ci gate, bumps
    /// `[workspace.package] version` and every inter-crate dependency version, moves the
    /// CHANGELOG's `## [Unreleased]` notes under `## [X.Y.Z] - <today, UTC>`, packages the
    /// crates in dependency order (printed), commits `release: vX.Y.Z` and tags `vX.Y.Z`.
    /// Nothing is published unless --publish is given.
    Release {
        /// `patch`, `minor`, `major`, or an explicit version X.Y.Z.
        #[arg(value_name = "patch|minor|major|X.Y.Z")]
        bump: Bump,
        /// Write nothing; print the new version, the edits, the crate order and the commands.
        #[arg(long)]
        dry_run: bool,
        /// After tagging, publish to crates.io in order, skipping crates whose version is
        /// already there. If publishing fails midway, rerun with the exact version and
        /// --publish at the release commit to publish the rest.
        #[arg(long)]
        publish: bool,
        /// Skip the ci gate. Only for trying this command out, never for a real release.
        #[arg(long)]
        skip_ci: bool,
    },
    /// Benchmarks against release binaries and a local emulator; they print their figures.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Generate pixelbin-url's typed transformation builders from its catalogue.
    ///
    /// Reads `crates/pixelbin-url/catalogue/transformations.json` and the vectors in
    /// `crates/pixelbin-url/tests/data/catalogue_vectors.json`; writes
    /// `src/catalogue/table.rs`, `src/plugins.rs` and `tests/catalogue_typed.rs` of
    /// pixelbin-url (formatted with rustfmt). Needs neither node nor network.
    Codegen {
        /// Write nothing; fail when a generated file is out of date.
        #[arg(long)]
        check: bool,
    },
    /// Regenerate the `pixelbin` man pages in `crates/pixelbin-cli/man/` (clap_mangen, through
    /// the CLI's hidden `pixelbin __man DIR`). The CLI's tests fail while they are out of date.
    Man,
    /// Development time only: read the catalogue's facts from an unpacked `@pixelbin/core`
    /// (`npm pack @pixelbin/core && tar xf pixelbin-core-*.tgz`) with node, and rewrite
    /// `crates/pixelbin-url/catalogue/transformations.json`. Run `codegen` afterwards.
    CatalogueExtract {
        /// The unpacked package (the directory holding its package.json).
        #[arg(long, value_name = "DIR")]
        package: PathBuf,
    },
    /// Development time only: run every operation of the catalogue through `@pixelbin/core`
    /// with node and rewrite `crates/pixelbin-url/tests/data/catalogue_vectors.json`.
    /// Run `codegen` afterwards.
    CatalogueVectors {
        /// The unpacked package (the directory holding its package.json).
        #[arg(long, value_name = "DIR")]
        package: PathBuf,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// IMAGES generated images through `pixelbin predict erase_bg --each` against the emulator
    /// (1 s jobs, 10 running, 50 req/s): time against the floor, the reference SDK's way beside
    /// it (python from PIXELBIN_REFERENCE_PYTHON), then a kill -9 at half way and a rerun.
    Batch {
        /// Number of images.
        #[arg(long, default_value_t = 500)]
        images: usize,
    },
    /// `pixelbin upload` of a 256 MiB file over the emulator's network model (RTT 20/80/200 ms x
    /// 32/128 Mbit/s per connection, 512 Mbit/s uplink) and on loopback: defaults, Fixed(3) and
    /// the reference SDK (python from PIXELBIN_REFERENCE_PYTHON), with client peak RSS.
    Upload,
    /// The emulator's CDN route over loopback HTTP and `pixelbin-render` alone against sharp
    /// (node, from PIXELBIN_SHARP_DIR), in turns: a 12 MP JPEG through
    /// `t.resize(w:800)~t.toFormat(f:webp,q:80)` and a 3 MP PNG through
    /// `t.extract~t.rotate(a:90)~t.blur`; time per image and peak RSS.
    Render,
    /// FILES small PNGs uploaded one at a time into the release emulator with `--data-dir`:
    /// the upload rate per thousand as the store grows (first, slowest and last thousand),
    /// the directory's size, the emulator's peak RSS and its restart time.
    Store {
        /// Number of files.
        #[arg(long, default_value_t = 100_000)]
        files: usize,
        /// The emulator's data directory, kept afterwards; by default one under `target/`,
        /// removed afterwards.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    let result = match cli.command {
        Command::Ci { skip } => ci::run(&root, &skip),
        Command::Release {
            bump,
            dry_run,
            publish,
            skip_ci,
        } => release::run(
            &root,
            release::Options {
                bump,
                dry_run,
                publish,
                skip_ci,
            },
        ),
        Command::Bench(BenchCommand::Batch { images }) => {
            bench::batch::run(&root, &bench::batch::Options { images })
        }
        Command::Bench(BenchCommand::Upload) => bench::upload::run(&root),
        Command::Bench(BenchCommand::Render) => bench::render::run(&root),
        Command::Bench(BenchCommand::Store { files, data_dir }) => {
            bench::store::run(&root, &bench::store::Options { files, data_dir })
        }
        Command::Codegen { check } => codegen::run(&root, check),
        Command::Man => man::run(&root),
        Command::CatalogueExtract { package } => refresh(
            &root,
            codegen::EXTRACT_SCRIPT,
            &[&package.to_string_lossy()],
            codegen::CATALOGUE,
        ),
        Command::CatalogueVectors { package } => refresh(
            &root,
            codegen::VECTORS_SCRIPT,
            &[
                &package.to_string_lossy(),
                &root.join(codegen::CATALOGUE).to_string_lossy(),
            ],
            codegen::VECTORS,
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a development-time node script and writes what it prints to `target` (relative to
/// the root).
fn refresh(root: &Path, script: &str, args: &[&str], target: &str) -> anyhow::Result<()> {
    let text = codegen::node(root, script, args)?;
    std::fs::write(root.join(target), text)?;
    println!("wrote {target}; now run `cargo xtask codegen`");
    Ok(())
}

/// The workspace root: xtask lives one level below it.
fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}
