//! `pixelbin transform -t PATTERN -i DIR -o OUT`: the official PixelBin CLI's job (a folder of
//! images through a transformation pattern), resumable. The flags become a
//! [`bulk::Transforms`]; the library checks the pattern and the plan, uploads each image to a
//! working folder, fetches it through the pattern, saves it and deletes the working uploads;
//! this prints one line per image and a summary (exit codes in [`crate::bulk`]).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use pixelbin::bulk::{self, ItemOutcome};
use serde::Serialize;

use crate::bulk::{Printer, item_error, plan_error};
use crate::context::Context;

/// `pixelbin transform`.
#[derive(Debug, Args)]
#[command(
    after_help = "Each image is uploaded to a working folder, fetched from the CDN through the \
pattern (waiting while the CDN prepares AI outputs) and saved under --out with its sub-folders \
and the extension of the output's type. A rerun with the same journal skips finished images and \
never uploads an image twice. Once every image is done the working uploads are deleted.\n\n\
Example: pixelbin transform -t 't.resize(w:300)~t.toFormat(f:webp)' -i photos -o thumbs"
)]
pub struct TransformArgs {
    /// The transformation pattern, e.g. `t.resize(w:300)~erase.bg()`; checked against the
    /// catalogue before anything is uploaded (`pixelbin transformations list`).
    #[arg(short = 't', long, value_name = "PATTERN")]
    pub pattern: String,
    /// An image or a folder of images (recursively, hidden files skipped); repeatable.
    /// Default: the current folder.
    #[arg(short = 'i', long = "input", value_name = "DIR|FILE")]
    pub inputs: Vec<PathBuf>,
    /// The folder outputs are saved in, keeping the inputs' sub-folders (created if missing).
    #[arg(
        short = 'o',
        long = "out",
        visible_alias = "out-dir",
        value_name = "DIR"
    )]
    pub out: PathBuf,
    /// Images uploaded and fetched at once.
    #[arg(short = 'p', long, value_name = "N", default_value_t = bulk::DEFAULT_CONCURRENCY as u64,
          value_parser = clap::value_parser!(u64).range(1..=256))]
    pub concurrency: u64,
    /// Industry type of the pattern's AI steps that take one (e.g. erase.bg: general,
    /// ecommerce, car, human, object).
    #[arg(long, value_name = "TYPE")]
    pub industry_type: Option<String>,
    /// Keep the working uploads at the end (default: deleted once every image is done).
    #[arg(long)]
    pub keep_uploads: bool,
    /// The remote folder images are uploaded to (default: `pixelbin-transform-<hash>`, one
    /// per set of inputs, pattern and output, the same for a rerun).
    #[arg(long, value_name = "FOLDER")]
    pub working_folder: Option<String>,
    /// Journal file making a rerun skip finished images and reuse uploads (default:
    /// OUT/.pixelbin-transform.jsonl).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Replace output files that exist.
    #[arg(long, conflicts_with = "skip_existing")]
    pub overwrite: bool,
    /// Skip images whose output exists (nothing is uploaded for them).
    #[arg(long)]
    pub skip_existing: bool,
    /// Give up on an image the CDN is still preparing (answering 202) after SECS seconds;
    /// that image is an error and a rerun fetches it again without uploading it.
    #[arg(long, value_name = "SECS", default_value_t = pixelbin::cdn::DEFAULT_DEADLINE.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
}

/// The JSON line of one image.
#[derive(Debug, Serialize)]
struct Line<'a> {
    input: String,
    status: &'a str,
    url: Option<&'a str>,
    file: Option<String>,
    error: Option<String>,
}

/// The closing summary line.
#[derive(Debug, Serialize)]
struct Counts {
    total: usize,
    transformed: usize,
    skipped: usize,
    errors: usize,
    #[serde(skip_serializing_if = "is_zero")]
    not_started: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

const PRINTER: Printer = Printer {
    done: "TRANSFORMED",
    rerun: "",
};

/// Runs the transformation of every image.
pub async fn run(args: TransformArgs, ctx: &Context) -> anyhow::Result<()> {
    let inputs = if args.inputs.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.inputs
    };
    let mut job = bulk::Transforms::new(inputs)
        .pattern(args.pattern)
        .output(args.out)
        .concurrency(usize::try_from(args.concurrency).unwrap_or(usize::MAX))
        .overwrite(args.overwrite)
        .skip_existing(args.skip_existing)
        .keep_uploads(args.keep_uploads)
        .cdn(pixelbin::cdn::CdnOptions::default().deadline(Duration::from_secs(args.timeout)));
    if let Some(kind) = args.industry_type {
        job = job.industry_type(kind);
    }
    if let Some(folder) = args.working_folder {
        job = job.working_folder(folder);
    }
    if let Some(journal) = args.journal.or_else(|| job.default_journal()) {
        job = job.journal(journal);
    }
    let client = ctx.client()?;
    let stream = bulk::transforms(&client, job).await.map_err(plan_error)?;
    let summary = PRINTER.drive(stream, ctx, |item| emit(ctx, item)).await?;
    let counts = Counts {
        total: summary.total,
        transformed: summary.done,
        skipped: summary.skipped,
        errors: summary.errors + summary.uncertain,
        not_started: summary.not_started,
    };
    let mut text = format!(
        "{} images: {} transformed, {} skipped, {} errors",
        counts.total, counts.transformed, counts.skipped, counts.errors
    );
    if counts.not_started > 0 {
        text.push_str(&format!(", {} not started", counts.not_started));
    }
    ctx.out.emit_summary(&counts, &text)?;
    PRINTER.outcome(&summary)
}

fn emit(ctx: &Context, item: &ItemOutcome) -> anyhow::Result<()> {
    let line = Line {
        input: item.input.display().to_string(),
        status: PRINTER.status(item.status),
        url: item.outputs.first().map(String::as_str),
        file: item.files.first().map(|f| f.display().to_string()),
        error: item.error.as_deref().map(item_error),
    };
    ctx.out
        .emit_line(&line, |w| match (&line.error, &line.file) {
            (Some(error), _) => writeln!(w, "{}: {} ({error})", line.input, line.status),
            (None, Some(file)) => writeln!(w, "{}: {} -> {file}", line.input, line.status),
            (None, None) => writeln!(w, "{}: {}", line.input, line.status),
        })
}
