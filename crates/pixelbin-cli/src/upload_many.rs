//! `pixelbin upload PATH... [--path REMOTE] [--journal FILE] [--skip-existing]`: files and
//! directories in one command, relative folders kept under `--path`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use futures::{StreamExt, TryStreamExt};
use pixelbin::PixelbinClient;
use pixelbin::platform::ListFilesParams;
use pixelbin::upload::{DEFAULT_CONCURRENCY, ManyOptions, UploadItem, UploadSource};
use serde::Serialize;

use crate::context::Context;
use crate::error::CliError;
use crate::journal::{Entry, Journal};
use crate::progress;
use crate::upload::UploadArgs;
use crate::walk;

/// Large files sharing the parts of --concurrency.
const FILES_AT_ONCE: usize = 4;

/// The JSON line of one file.
#[derive(Debug, Serialize)]
struct Line<'a> {
    input: &'a str,
    status: &'a str,
    url: Option<&'a str>,
    error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
struct Summary {
    total: usize,
    uploaded: usize,
    skipped: usize,
    errors: usize,
}

/// A local file and where it goes.
struct Planned {
    input: String,
    path: std::path::PathBuf,
    request: pixelbin::upload::UploadRequest,
    size: u64,
}

/// Runs the many-files upload; exit code 1 when any file failed.
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
    let shared = args.shared_request()?;
    let mut planned = Vec::new();
    for root in &args.files {
        for found in walk::files(root)? {
            let size = std::fs::metadata(&found.path).map(|m| m.len()).unwrap_or(0);
            planned.push(Planned {
                input: found.path.display().to_string(),
                request: found.request(args.path.as_deref(), &shared),
                path: found.path,
                size,
            });
        }
    }
    let (mut journal, known) = match &args.journal {
        Some(path) => {
            let (journal, known) = Journal::open(path)?;
            (Some(journal), known)
        }
        None => (None, HashMap::new()),
    };
    let client = ctx.client()?;
    let existing = if args.skip_existing {
        remote_files(&client, &planned).await?
    } else {
        HashSet::new()
    };

    let mut summary = Summary {
        total: planned.len(),
        ..Summary::default()
    };
    let bar = progress::count_bar(ctx.out, planned.len() as u64);
    let mut items = Vec::new();
    for file in planned {
        let done = known
            .get(&file.input)
            .filter(|e| e.status.as_deref() == Some("UPLOADED"));
        if done.is_some() || exists_remotely(&existing, &file) {
            summary.skipped += 1;
            bar.inc(1);
            let url = done.and_then(|e| e.outputs.first()).map(String::as_str);
            emit(
                ctx,
                &Line {
                    input: &file.input,
                    status: "SKIPPED",
                    url,
                    error: None,
                },
            )?;
            continue;
        }
        let source = UploadSource::from_path(&file.path);
        items.push(UploadItem::new(file.input, source, file.request));
    }

    let mut options = ManyOptions::new()
        .parts(FILES_AT_ONCE * args.concurrency.unwrap_or(DEFAULT_CONCURRENCY).max(1))
        .upload(args.options());
    if let Some(files) = args.files_in_flight {
        options = options.files(usize::try_from(files).unwrap_or(usize::MAX));
    }
    let mut results = client.uploader().upload_many(items, options);
    while let Some((input, result)) = results.next().await {
        let (status, url, error) = match result {
            Ok(file) => ("UPLOADED", file.url, None),
            Err(e) => ("ERROR", None, Some(e.to_string())),
        };
        if status == "UPLOADED" {
            summary.uploaded += 1;
        } else {
            summary.errors += 1;
        }
        if let Some(journal) = journal.as_mut() {
            journal.record(&Entry {
                input: input.clone(),
                status: Some(status.to_string()),
                outputs: url.iter().cloned().collect(),
                ..Entry::default()
            })?;
        }
        bar.inc(1);
        progress::set_batch_message(&bar, summary.uploaded, summary.errors, None);
        emit(
            ctx,
            &Line {
                input: &input,
                status,
                url: url.as_deref(),
                error,
            },
        )?;
    }
    bar.finish_and_clear();
    ctx.out.emit_summary(
        &summary,
        &format!(
            "{} files: {} uploaded, {} skipped, {} errors",
            summary.total, summary.uploaded, summary.skipped, summary.errors
        ),
    )?;
    if summary.errors > 0 {
        anyhow::bail!(
            "{} of {} files failed to upload; rerun with --journal (or --skip-existing) to retry only those",
            summary.errors,
            summary.total
        );
    }
    Ok(())
}

/// `(folder, name, size)` of the files already stored in the folders `planned` goes to: one
/// listing per folder.
async fn remote_files(
    client: &PixelbinClient,
    planned: &[Planned],
) -> anyhow::Result<HashSet<(String, String, u64)>> {
    let folders: HashSet<String> = planned.iter().map(|p| folder_of(&p.request)).collect();
    let mut existing = HashSet::new();
    for folder in folders {
        let mut params = ListFilesParams::new().only_files(true);
        if !folder.is_empty() {
            params = params.path(folder.clone());
        }
        let items: Vec<_> = client
            .assets()
            .list_files_stream(params)
            .try_collect()
            .await?;
        for item in items {
            if let (Some(name), Some(size)) = (item.name, item.size) {
                existing.insert((folder.clone(), name, size));
            }
        }
    }
    Ok(existing)
}

/// Whether a file of the same name and size is already in the target folder. The platform
/// stores names with their extension; both forms are accepted.
fn exists_remotely(existing: &HashSet<(String, String, u64)>, file: &Planned) -> bool {
    if existing.is_empty() {
        return false;
    }
    let folder = folder_of(&file.request);
    let name = file.request.name.clone().unwrap_or_default();
    let mut candidates = vec![name.clone()];
    if let Some(format) = &file.request.format {
        candidates.push(format!("{name}.{format}"));
    }
    if let Some(file_name) = file.path.file_name() {
        candidates.push(file_name.to_string_lossy().into_owned());
    }
    candidates
        .into_iter()
        .any(|n| existing.contains(&(folder.clone(), n, file.size)))
}

fn folder_of(request: &pixelbin::upload::UploadRequest) -> String {
    request.path.clone().unwrap_or_default()
}

fn emit(ctx: &Context, line: &Line<'_>) -> anyhow::Result<()> {
    ctx.out.emit_line(line, |w| match (&line.error, line.url) {
        (Some(error), _) => writeln!(w, "{}: {} ({error})", line.input, line.status),
        (None, Some(url)) => writeln!(w, "{}: {} {url}", line.input, line.status),
        (None, None) => writeln!(w, "{}: {}", line.input, line.status),
    })
}
