//! `bulk::transforms`: every image under folders through a transformation pattern, outputs
//! saved locally, each image uploaded once and fetched once.

mod options;
mod plan;
mod run;
mod save;

pub use options::{DEFAULT_CONCURRENCY, TRANSFORM_JOURNAL, Transforms};

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};

use crate::PixelbinClient;
use crate::bulk::journal::{Past, State};
use crate::bulk::outcome::{ItemOutcome, ItemStatus, Notice};
use crate::bulk::output::{OutputsPresent, check_writable};
use crate::bulk::pattern;
use crate::bulk::remote::{remote_files, stored};
use crate::bulk::{BulkStream, Error, Journal, working};
use crate::upload::check_folder;

use plan::{new_output, plan};
use run::Run;

/// Uploads every image of `job.inputs` to the working folder, fetches each through
/// `job.pattern` from the CDN (waiting through `202`s) and saves it under `job.output`,
/// keeping its sub-folders, with the extension of the output's content type.
///
/// Before anything is sent the pattern is checked against the catalogue, and the plan (see
/// the [module docs](super)): two inputs whose outputs would be one file, or whose working
/// uploads would be one, are refused naming both; the output folder must be writable; an
/// output that exists is refused unless `overwrite` (or skipped with `skip_existing`).
///
/// With a journal, finished images are skipped, images journaled as uploaded are fetched
/// without being uploaded again, and uploads journaled as started whose stored file now
/// exists with the same size count as uploaded. Once every image is done the working uploads
/// this run's journal knows of are deleted (and the working folder when nothing else is in
/// it), unless `keep_uploads`; a run that did not finish keeps them for its rerun.
///
/// # Errors
/// Any [`Error`] of the plan; nothing was sent.
pub async fn transforms(client: &PixelbinClient, job: Transforms) -> Result<BulkStream, Error> {
    let pattern = pattern::check(&job.pattern, job.industry_type.as_deref())?;
    // Rebuilt from components: `out/` and `out` are one output folder (and one journal identity).
    let output: PathBuf = job
        .output
        .as_deref()
        .ok_or(Error::NoOutput)?
        .components()
        .collect();
    check_writable(&output)?;
    let folder = match &job.working_folder {
        Some(folder) => folder.clone(),
        None => working::default_name(&pattern.text, &output, &job.inputs),
    };
    let root = check_folder(&folder)?;
    if root.is_empty() {
        return Err(Error::WorkingFolderRoot);
    }
    let (planned, mut notices) = plan(&job, &pattern, &output, &root)?;
    let mut journal = Journal::for_run(client, job.journal.as_deref(), &mut notices).await?;

    // What the journal says: done, uploaded, or to look for in the working folder.
    let mut done_before = Vec::new();
    let mut ready = VecDeque::new();
    let mut to_check = Vec::new();
    let mut uploads = Vec::new();
    // Working uploads this run's journal knows of: deleted at the end.
    let mut ours = HashSet::new();
    // Outputs that may be this run's own, written before a crash: replaced.
    let mut resumed = HashSet::new();
    let mut present = OutputsPresent::default();
    for (index, file) in planned.iter().enumerate() {
        let past = journal.as_ref().map_or(Past::New, |j| j.past(&file.id));
        match past {
            Past::Known(State::Done { files, outputs, .. }) => {
                ours.insert(index);
                if files.iter().all(|f| Path::new(f).exists()) {
                    let mut outcome = ItemOutcome::new(file.path.clone(), ItemStatus::Skipped);
                    outcome.outputs = outputs.clone();
                    outcome.files = files.iter().map(PathBuf::from).collect();
                    done_before.push(outcome);
                    continue;
                }
                resumed.insert(index);
                to_check.push(index);
            }
            Past::Known(State::Uploaded { url, .. }) => {
                ours.insert(index);
                resumed.insert(index);
                ready.push_back((index, url.clone()));
            }
            Past::Known(_) | Past::Other(_) | Past::New => {
                if let Past::Other(recorded) = past {
                    notices.push(Notice::JournalIgnored {
                        input: file.path.clone(),
                        recorded: recorded.work.to_string(),
                    });
                }
                // Started, failed, never fetched or new: no output of this run's was written.
                if new_output(
                    &job,
                    &output,
                    &pattern,
                    file,
                    &mut present,
                    &mut done_before,
                )? {
                    // Started by an earlier run: it may be stored already.
                    match past {
                        Past::Known(_) => to_check.push(index),
                        _ => uploads.push(index),
                    }
                }
            }
        }
    }
    // Uploads an earlier run started: stored already (same size) means uploaded.
    if !to_check.is_empty() {
        let folders: Vec<&str> = to_check
            .iter()
            .map(|&i| planned[i].stored.rsplit_once('/').map_or("", |(f, _)| f))
            .collect();
        let existing = remote_files(client, folders).await?;
        for index in to_check {
            let file = &planned[index];
            let (folder, name) = file.stored.rsplit_once('/').unwrap_or(("", &file.stored));
            let found = stored(&existing, folder, name, file.id.size).and_then(|f| f.url.clone());
            match found {
                Some(url) => {
                    if let Some(journal) = journal.as_mut() {
                        let state = State::Uploaded {
                            file: file.stored.clone(),
                            url: url.clone(),
                        };
                        journal.record(&file.id, state)?;
                    }
                    ours.insert(index);
                    ready.push_back((index, url));
                }
                None => uploads.push(index),
            }
        }
    }
    let total = planned.len();
    let run = Run {
        client: client.clone(),
        cdn: client.cdn(),
        pattern,
        output,
        root,
        options: job.cdn.clone(),
        overwrite: job.overwrite,
        keep_uploads: job.keep_uploads,
        concurrency: job.concurrency.max(1),
        planned,
        resumed,
        ours,
    };
    Ok(BulkStream::spawn(total, move |events| async move {
        run.drive(events, journal, notices, done_before, ready, uploads.into())
            .await;
    }))
}
