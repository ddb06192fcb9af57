//! `pixelbin upload PATH... [--path REMOTE] [--journal FILE] [--skip-existing]`: the flags
//! become a [`bulk::Uploads`]; the library walks the folders, checks the plan (names the
//! service would merge, the remote folder), keeps the journal and uploads; this prints one line
//! per file and a summary (exit codes in [`crate::bulk`]).

use std::path::Path;

use pixelbin::bulk::{self, ItemOutcome};
use pixelbin::upload::ManyOptions;
use serde::Serialize;

use crate::bulk::{Printer, item_error, plan_error};
use crate::context::Context;
use crate::error::CliError;
use crate::upload::UploadArgs;

/// The JSON line of one file.
#[derive(Debug, Serialize)]
struct Line<'a> {
    input: String,
    status: &'a str,
    url: Option<&'a str>,
    error: Option<String>,
}

/// The closing summary line.
#[derive(Debug, Serialize)]
struct Counts {
    total: usize,
    uploaded: usize,
    skipped: usize,
    errors: usize,
}

const PRINTER: Printer = Printer {
    done: "UPLOADED",
    rerun: " with --journal FILE (or --skip-existing)",
};

/// Runs the many-files upload.
pub async fn run(args: &UploadArgs, ctx: &Context) -> anyhow::Result<()> {
    if args.name.is_some() || args.format.is_some() {
        return Err(CliError::usage(
            "--name and --format apply to one file; with several files or a directory each file \
             is named after itself",
        ));
    }
    if args.files.iter().any(|f| f == Path::new("-")) {
        return Err(CliError::usage(
            "`-` (stdin) can only be uploaded alone, without --journal or --skip-existing",
        ));
    }
    // --concurrency is each large file's parts in flight, as for one file.
    let mut options = ManyOptions::new().upload(args.options());
    if let Some(files) = args.files_in_flight {
        options = options.files(usize::try_from(files).unwrap_or(usize::MAX));
    }
    let mut job = bulk::Uploads::new(&args.files)
        .folder(args.path.clone().unwrap_or_default())
        .request(args.shared_request()?)
        .options(options)
        .skip_existing(args.skip_existing);
    if let Some(journal) = &args.journal {
        job = job.journal(journal);
    }
    let client = ctx.client()?;
    let stream = bulk::uploads(&client, job).await.map_err(plan_error)?;
    let summary = PRINTER.drive(stream, ctx, |item| emit(ctx, item)).await?;
    let counts = Counts {
        total: summary.total,
        uploaded: summary.done,
        skipped: summary.skipped,
        errors: summary.errors + summary.not_started,
    };
    ctx.out.emit_summary(
        &counts,
        &format!(
            "{} files: {} uploaded, {} skipped, {} errors",
            counts.total, counts.uploaded, counts.skipped, counts.errors
        ),
    )?;
    PRINTER.outcome(&summary)
}

fn emit(ctx: &Context, item: &ItemOutcome) -> anyhow::Result<()> {
    let line = Line {
        input: item.input.display().to_string(),
        status: PRINTER.status(item.status),
        url: item.outputs.first().map(String::as_str),
        error: item.error.as_deref().map(item_error),
    };
    ctx.out.emit_line(&line, |w| match (&line.error, line.url) {
        (Some(error), _) => writeln!(w, "{}: {} ({error})", line.input, line.status),
        (None, Some(url)) => writeln!(w, "{}: {} {url}", line.input, line.status),
        (None, None) => writeln!(w, "{}: {}", line.input, line.status),
    })
}
