//! `pixelbin predict MODEL --each KEY=PATH ...`: one job per file, resumable through a journal.
//!
//! Each job's id is journaled the moment its create is acknowledged, and its final state when it
//! ends (after its outputs are saved). A rerun of the same command skips inputs already done,
//! waits for jobs already created instead of creating them again, and creates only the rest.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use pixelbin::PixelbinClient;
use pixelbin::predictions::{
    BatchItem, BatchOptions, Error as PredictionError, Prediction, PredictionStatus,
};
use serde::Serialize;

use crate::context::Context;
use crate::error::{CliError, Failure};
use crate::inputs::{Inputs, RawValue};
use crate::journal::{Entry, Journal};
use crate::progress;
use crate::walk;

/// Name of the journal kept in the `--download` directory when `--journal` is not given.
pub const DEFAULT_JOURNAL: &str = ".pixelbin-journal.jsonl";

/// What `--each` and its companions ask for.
#[derive(Debug)]
pub struct EachRequest<'a> {
    /// The model.
    pub model: &'a str,
    /// `KEY=PATH` arguments.
    pub each: &'a [String],
    /// The other `-i` inputs, shared by every job.
    pub inputs: &'a [OsString],
    /// Where outputs go.
    pub download: Option<&'a Path>,
    /// Fixed jobs in flight.
    pub concurrency: Option<usize>,
    /// The journal file.
    pub journal: Option<&'a Path>,
    /// Replace existing output files.
    pub overwrite: bool,
    /// Webhook of every job.
    pub webhook: Option<&'a str>,
}

/// One input of the batch.
#[derive(Debug, Clone)]
struct Job {
    /// The input key the file goes to.
    key: String,
    /// The file.
    path: PathBuf,
    /// Its path below the directory given, which names its outputs.
    relative: PathBuf,
}

/// The JSON line of one finished input.
#[derive(Debug, Serialize)]
struct Line<'a> {
    input: &'a str,
    id: Option<&'a str>,
    status: &'a str,
    outputs: Vec<&'a str>,
    files: &'a [PathBuf],
    error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
struct Summary {
    total: usize,
    succeeded: usize,
    failed: usize,
    errors: usize,
    skipped: usize,
}

/// Runs the batch; exit code 0 when every input succeeded or was skipped as done, 4 when some
/// ended in FAILURE and none errored, 1 otherwise.
pub async fn run(request: EachRequest<'_>, ctx: &Context) -> anyhow::Result<()> {
    let jobs = collect_jobs(request.each, request.download)?;
    let shared_inputs = Inputs::parse(request.inputs)?;
    if let Some(dir) = request.download {
        crate::predictions::check_download_dir(dir)?;
    }
    let journal_path = request
        .journal
        .map(Path::to_path_buf)
        .or_else(|| request.download.map(|dir| dir.join(DEFAULT_JOURNAL)));
    let (journal, known) = match &journal_path {
        Some(path) => {
            let (journal, known) = Journal::open(path)?;
            (Some(journal), known)
        }
        None => (None, HashMap::new()),
    };
    let journal = Arc::new(Mutex::new(journal));
    let client = ctx.client()?;

    let mut summary = Summary {
        total: jobs.len(),
        ..Summary::default()
    };
    let bar = progress::count_bar(ctx.out, jobs.len() as u64);
    let by_input: HashMap<String, Job> = jobs
        .iter()
        .map(|job| (display(&job.path), job.clone()))
        .collect();
    let mut items = Vec::new();
    for job in &jobs {
        let input = display(&job.path);
        let entry = known.get(&input);
        if let Some(entry) = entry.filter(|e| is_done(e)) {
            summary.skipped += 1;
            bar.inc(1);
            emit(
                ctx,
                &Line {
                    input: &input,
                    id: entry.id.as_deref(),
                    status: "SKIPPED",
                    outputs: entry.outputs.iter().map(String::as_str).collect(),
                    files: &entry.files,
                    error: None,
                },
            )?;
            continue;
        }
        items.push(match entry.and_then(|e| e.id.clone()) {
            Some(id) => BatchItem::existing(input, id),
            None => {
                let mut inputs = shared_inputs.clone();
                inputs
                    .fields
                    .push((job.key.clone(), vec![RawValue::File(job.path.clone())]));
                BatchItem::create(input, request.model, inputs.into_prediction_input())
            }
        });
    }

    let mut options = BatchOptions::new();
    if let Some(n) = request.concurrency {
        options = options.concurrency(n);
    }
    if let Some(webhook) = request.webhook.filter(|w| !w.is_empty()) {
        options = options.webhook(webhook);
    }
    // Jobs started (acknowledged now, or created by an earlier run) and not yet finished.
    let in_flight = Arc::new(AtomicUsize::new(
        items.iter().filter(|item| item.is_existing()).count(),
    ));
    let hook_in_flight = in_flight.clone();
    let hook_bar = bar.clone();
    let (done_so_far, failed_so_far) =
        (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (hook_done, hook_failed) = (done_so_far.clone(), failed_so_far.clone());
    let hook_journal = journal.clone();
    let hook_error: Arc<Mutex<Option<anyhow::Error>>> = Arc::default();
    let hook_failure = hook_error.clone();
    let mut results =
        client
            .predictions()
            .batch_with(items, options, move |input: &String, job| {
                let entry = Entry {
                    input: input.clone(),
                    id: Some(job.id.clone()),
                    ..Entry::default()
                };
                let running = hook_in_flight.fetch_add(1, Ordering::Relaxed) + 1;
                progress::set_batch_message(
                    &hook_bar,
                    hook_done.load(Ordering::Relaxed),
                    hook_failed.load(Ordering::Relaxed),
                    Some(running),
                );
                if let Err(e) = record(&hook_journal, &entry) {
                    hook_failure
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get_or_insert(e);
                }
            });
    while let Some((input, result)) = results.next().await {
        if let Some(error) = hook_error.lock().unwrap_or_else(|e| e.into_inner()).take() {
            // The journal cannot be written: stop before more jobs go unrecorded.
            return Err(error);
        }
        let job = &by_input[&input];
        let (status, id, outputs, files, error) = finish_one(&client, job, result, &request).await;
        match status {
            "SUCCESS" => summary.succeeded += 1,
            "FAILURE" => summary.failed += 1,
            _ => summary.errors += 1,
        }
        let outputs_owned: Vec<String> = outputs.clone();
        record(
            &journal,
            &Entry {
                input: input.clone(),
                id: id.clone(),
                status: Some(status.to_string()),
                files: files.clone(),
                outputs: outputs_owned,
            },
        )?;
        bar.inc(1);
        if id.is_some() {
            let _ = in_flight.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_sub(1))
            });
        }
        done_so_far.store(summary.succeeded, Ordering::Relaxed);
        failed_so_far.store(summary.failed + summary.errors, Ordering::Relaxed);
        progress::set_batch_message(
            &bar,
            summary.succeeded,
            summary.failed + summary.errors,
            Some(in_flight.load(Ordering::Relaxed)),
        );
        emit(
            ctx,
            &Line {
                input: &input,
                id: id.as_deref(),
                status,
                outputs: outputs.iter().map(String::as_str).collect(),
                files: &files,
                error,
            },
        )?;
    }
    bar.finish_and_clear();
    ctx.out.emit_summary(
        &summary,
        &format!(
            "{} inputs: {} succeeded, {} failed, {} errors, {} skipped",
            summary.total, summary.succeeded, summary.failed, summary.errors, summary.skipped
        ),
    )?;
    outcome(&summary)
}

/// The command's result from its summary: any error is exit code 1, else any FAILURE is 4.
fn outcome(summary: &Summary) -> anyhow::Result<()> {
    if summary.errors > 0 {
        Err(anyhow::anyhow!(
            "{} of {} inputs ended with an error; rerun the same command to retry them (finished ones are skipped)",
            summary.errors,
            summary.total
        ))
    } else if summary.failed > 0 {
        Err(CliError::failed(
            Failure::PredictionFailed,
            format!("{} of {} predictions failed", summary.failed, summary.total),
        ))
    } else {
        Ok(())
    }
}

/// Status, id, outputs, files and error of one finished input, its outputs saved.
async fn finish_one(
    client: &PixelbinClient,
    job: &Job,
    result: Result<Prediction, PredictionError>,
    request: &EachRequest<'_>,
) -> (
    &'static str,
    Option<String>,
    Vec<String>,
    Vec<PathBuf>,
    Option<String>,
) {
    let prediction = match result {
        Ok(p) => p,
        Err(e) => {
            let id = e
                .last_prediction()
                .map(|p| p.id.clone())
                .or_else(|| match &e {
                    PredictionError::DeadlineExceeded { id, .. } => id.clone(),
                    _ => None,
                });
            return ("ERROR", id, Vec::new(), Vec::new(), Some(e.to_string()));
        }
    };
    let outputs: Vec<String> = prediction
        .output_urls()
        .into_iter()
        .map(str::to_string)
        .collect();
    let id = Some(prediction.id.clone());
    if prediction.status == PredictionStatus::Failure {
        let error = prediction
            .error
            .clone()
            .unwrap_or_else(|| "no error message given".into());
        return ("FAILURE", id, outputs, Vec::new(), Some(error));
    }
    if prediction.status != PredictionStatus::Success {
        let error = format!("unexpected final status {}", prediction.status);
        return ("ERROR", id, outputs, Vec::new(), Some(error));
    }
    let Some(dir) = request.download else {
        return ("SUCCESS", id, outputs, Vec::new(), None);
    };
    let mut files = Vec::new();
    for (index, url) in outputs.iter().enumerate() {
        let target = output_path(dir, &job.relative, url, index, outputs.len());
        match save(client, url, &target, request.overwrite).await {
            Ok(()) => files.push(target),
            Err(e) => return ("ERROR", id, outputs, files, Some(format!("{e:#}"))),
        }
    }
    ("SUCCESS", id, outputs, files, None)
}

/// `DIR/<relative path without extension>.<ext>`, or `..._<n>.<ext>` when there are several
/// outputs; the extension is the output URL's.
pub fn output_path(dir: &Path, relative: &Path, url: &str, index: usize, count: usize) -> PathBuf {
    let ext = url
        .split(['?', '#'])
        .next()
        .and_then(|path| path.rsplit('/').next())
        .and_then(|name| name.rsplit_once('.').map(|(_, ext)| ext))
        .filter(|ext| !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or("bin");
    let stem = relative.with_extension("");
    let mut name = stem.into_os_string();
    if count > 1 {
        name.push(format!("_{index}"));
    }
    name.push(format!(".{ext}"));
    dir.join(name)
}

/// Downloads `url` to `target` (atomic, retried, stall-protected; an existing file is kept
/// unless `overwrite`), creating its folder.
async fn save(
    client: &PixelbinClient,
    url: &str,
    target: &Path,
    overwrite: bool,
) -> anyhow::Result<()> {
    let parent = target.parent().unwrap_or(Path::new("."));
    tokio::fs::create_dir_all(parent).await?;
    let options = pixelbin::predictions::DownloadOptions::default().overwrite(overwrite);
    client
        .predictions()
        .download_output_to(url, target, &options)
        .await?;
    Ok(())
}

/// Whether the journal says this input needs nothing more.
fn is_done(entry: &Entry) -> bool {
    match entry.status.as_deref() {
        Some("SUCCESS") => entry.files.iter().all(|f| f.exists()),
        Some("FAILURE") => true,
        _ => false,
    }
}

fn record(journal: &Mutex<Option<Journal>>, entry: &Entry) -> anyhow::Result<()> {
    match journal.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        Some(journal) => journal.record(entry),
        None => Ok(()),
    }
}

fn emit(ctx: &Context, line: &Line<'_>) -> anyhow::Result<()> {
    ctx.out
        .emit_line(line, |w| match (&line.error, line.files.is_empty()) {
            (Some(error), _) => writeln!(w, "{}: {} ({error})", line.input, line.status),
            (None, false) => writeln!(
                w,
                "{}: {} -> {}",
                line.input,
                line.status,
                line.files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (None, true) => writeln!(
                w,
                "{}: {} {}",
                line.input,
                line.status,
                line.outputs.join(" ")
            ),
        })
}

/// The jobs of every `KEY=PATH`: one per file, directories walked.
///
/// Files under `outputs` (the --download folder) are left out, so a rerun with the outputs
/// saved inside an input folder does not take last run's results for new inputs.
fn collect_jobs(each: &[String], outputs: Option<&Path>) -> anyhow::Result<Vec<Job>> {
    let outputs = outputs.and_then(|dir| dir.canonicalize().ok());
    let is_output = |path: &Path| {
        outputs
            .as_deref()
            .is_some_and(|dir| path.canonicalize().is_ok_and(|p| p.starts_with(dir)))
    };
    let mut jobs = Vec::new();
    for arg in each {
        let Some((key, path)) = arg
            .split_once('=')
            .filter(|(k, p)| !k.is_empty() && !p.is_empty())
        else {
            return Err(CliError::usage(format!(
                "--each needs KEY=PATH (e.g. --each image=photos/), got {arg:?}"
            )));
        };
        for found in walk::files(Path::new(path))? {
            if is_output(&found.path) {
                continue;
            }
            jobs.push(Job {
                key: key.to_string(),
                path: found.path,
                relative: found.relative,
            });
        }
    }
    if jobs.is_empty() {
        return Err(CliError::usage(
            "--each found no files (hidden files are skipped)",
        ));
    }
    Ok(jobs)
}

/// How an input path is reported and journaled.
fn display(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_named_after_the_input() {
        let dir = Path::new("out");
        let url = "http://h/predictions/outputs/x/result_0.png?pbs=1";
        assert_eq!(
            output_path(dir, Path::new("a/b/photo.jpg"), url, 0, 1),
            PathBuf::from("out/a/b/photo.png")
        );
        assert_eq!(
            output_path(dir, Path::new("photo.jpg"), url, 1, 2),
            PathBuf::from("out/photo_1.png")
        );
        assert_eq!(
            output_path(dir, Path::new("noext"), "http://h/x", 0, 1),
            PathBuf::from("out/noext.bin")
        );
    }

    #[test]
    fn exit_codes_follow_the_worst_outcome() {
        let code = |succeeded, failed, errors, skipped| {
            let summary = Summary {
                total: succeeded + failed + errors + skipped,
                succeeded,
                failed,
                errors,
                skipped,
            };
            outcome(&summary)
                .err()
                .map(|e| crate::error::describe(&e).1)
        };
        assert_eq!(code(3, 0, 0, 2), None);
        let failed = code(3, 1, 0, 0).unwrap();
        assert_eq!(failed, std::process::ExitCode::from(4));
        assert_eq!(code(3, 1, 1, 0).unwrap(), std::process::ExitCode::from(1));
    }

    #[test]
    fn each_needs_key_and_path() {
        assert!(collect_jobs(&["image".into()], None).is_err());
        assert!(collect_jobs(&["=x".into()], None).is_err());
    }

    #[test]
    fn outputs_saved_inside_an_input_folder_are_not_inputs() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.png"), b"x").unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        std::fs::write(dir.path().join("out/a.png"), b"y").unwrap();
        let each = [format!("image={}", dir.path().display())];
        let all = collect_jobs(&each, None).unwrap();
        assert_eq!(all.len(), 2);
        let inputs = collect_jobs(&each, Some(&dir.path().join("out"))).unwrap();
        assert_eq!(inputs.len(), 1);
        assert!(
            inputs[0].path.ends_with("a.png")
                && !inputs[0].path.starts_with(dir.path().join("out"))
        );
    }
}
