//! `bulk::uploads`: every file under folders into a remote folder, sub-folders kept.

use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;

use futures::StreamExt;

use super::journal::{ItemId, Journal, Past, State, Work};
use super::outcome::{Event, ItemOutcome, ItemStatus, Notice, Stop, Summary};
use super::remote::{Placed, Placer, remote_files, stored};
use super::stream::send_known;
use super::{BulkStream, Error, GONE_AFTER, Walk, error_chain, never_reached};
use crate::PixelbinClient;
use crate::upload::{ManyOptions, UploadItem, UploadRequest, UploadSource, check_folder};

/// What [`uploads`] does: which files, where to, how.
///
/// ```
/// use pixelbin::bulk::Uploads;
/// use pixelbin::{ManyOptions, UploadRequest};
/// let job = Uploads::new(["photos", "extra.png"])
///     .folder("catalogue/2024")
///     .request(UploadRequest::new().tags(["summer"]))
///     .options(ManyOptions::new().files(8))
///     .journal("upload.jsonl");
/// assert_eq!(job.folder, "catalogue/2024");
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Uploads {
    /// Files and folders (walked recursively, hidden files skipped).
    pub inputs: Vec<PathBuf>,
    /// The remote folder files go to, their sub-folders kept below it (`""`: the root).
    pub folder: String,
    /// What every file shares: access, tags, metadata, `overwrite`, `filename_override`.
    /// Name, format and folder come from each file.
    pub request: UploadRequest,
    /// Files at once and each file's upload options.
    pub options: ManyOptions,
    /// Skip files whose stored name already holds a file of the same size.
    pub skip_existing: bool,
    /// The journal file, to resume after a crash.
    pub journal: Option<PathBuf>,
}

impl fmt::Debug for Uploads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Uploads")
            .field("inputs", &self.inputs)
            .field("folder", &self.folder)
            .field("request", &self.request)
            .field("options", &self.options)
            .field("skip_existing", &self.skip_existing)
            .field("journal", &self.journal)
            .finish()
    }
}

impl Uploads {
    /// Uploads of every file of `inputs` to the root, without a journal.
    pub fn new<P: Into<PathBuf>>(inputs: impl IntoIterator<Item = P>) -> Uploads {
        Uploads {
            inputs: inputs.into_iter().map(Into::into).collect(),
            folder: String::new(),
            request: UploadRequest::new(),
            options: ManyOptions::new(),
            skip_existing: false,
            journal: None,
        }
    }

    /// Sets the remote folder.
    pub fn folder(mut self, folder: impl Into<String>) -> Self {
        self.folder = folder.into();
        self
    }

    /// Sets what every file shares (access, tags, metadata, clash rules).
    pub fn request(mut self, request: UploadRequest) -> Self {
        self.request = request;
        self
    }

    /// Sets files at once and each file's upload options.
    pub fn options(mut self, options: ManyOptions) -> Self {
        self.options = options;
        self
    }

    /// Skips files already stored with the same name and size.
    pub fn skip_existing(mut self, skip: bool) -> Self {
        self.skip_existing = skip;
        self
    }

    /// Keeps a journal at `path`.
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }
}

/// One file to upload.
struct Planned {
    path: PathBuf,
    request: UploadRequest,
    folder: String,
    name: String,
    id: ItemId,
}

/// Uploads every file of `job.inputs`, after checking the plan (see the
/// [module docs](super)): two files that the service would store under one name are refused,
/// naming both, unless `filename_override` keeps them apart.
///
/// With a journal, files recorded as uploaded are skipped, and files recorded as started whose
/// stored name now holds a file of the same size count as done (an earlier run stored them but
/// was stopped before it heard so).
///
/// # Errors
/// Any [`Error`] of the plan; nothing was sent.
pub async fn uploads(client: &PixelbinClient, job: Uploads) -> Result<BulkStream, Error> {
    let root = check_folder(&job.folder)?;
    let walk = Walk::of(&job.inputs)?;
    if walk.files.is_empty() {
        return Err(Error::NoInputs);
    }
    let mut placer = Placer::new(&root, &job.request);
    let mut planned = Vec::with_capacity(walk.files.len());
    for found in walk.files {
        let Placed {
            request,
            folder,
            name,
        } = placer.place(&found)?;
        let work = Work::Upload {
            folder: folder.clone(),
            name: name.clone(),
        };
        let id = ItemId::new(&found.path, found.size, found.modified, work);
        planned.push(Planned {
            path: found.path,
            request,
            folder,
            name,
            id,
        });
    }

    let mut notices = walk.notices;
    let mut journal = Journal::for_run(client, job.journal.as_deref(), &mut notices).await?;

    // What the journal says, and which folders to list to find files stored already.
    let mut done_before = Vec::new();
    let mut to_check = HashSet::new();
    let mut pending = Vec::new();
    for file in planned {
        let past = journal.as_ref().map_or(Past::New, |j| j.past(&file.id));
        match past {
            Past::Known(State::Done { outputs, .. }) => {
                let mut outcome = ItemOutcome::new(file.path, ItemStatus::Skipped);
                outcome.outputs = outputs.clone();
                done_before.push(outcome);
                continue;
            }
            Past::Known(State::Started | State::Error { .. }) => {
                to_check.insert(file.id.input.clone());
            }
            Past::Other(recorded) => notices.push(Notice::JournalIgnored {
                input: file.path.clone(),
                recorded: recorded.work.to_string(),
            }),
            _ => {}
        }
        pending.push(file);
    }
    let folders = pending
        .iter()
        .filter(|f| job.skip_existing || to_check.contains(&f.id.input))
        .map(|f| f.folder.as_str());
    let existing = remote_files(client, folders).await?;
    let mut items = Vec::new();
    let mut ids = Vec::new();
    for file in pending {
        let check = job.skip_existing || to_check.contains(&file.id.input);
        if check && stored(&existing, &file.folder, &file.name, file.id.size).is_some() {
            if let Some(journal) = journal.as_mut() {
                let done = State::Done {
                    job: None,
                    outputs: Vec::new(),
                    files: Vec::new(),
                };
                journal.record(&file.id, done)?;
            }
            done_before.push(ItemOutcome::new(file.path, ItemStatus::Skipped));
            continue;
        }
        if let Some(journal) = journal.as_mut() {
            // Before any byte is sent: a rerun then checks whether it was stored.
            journal.record(&file.id, State::Started)?;
        }
        let source = UploadSource::from_path(&file.path);
        items.push(UploadItem::new(ids.len(), source, file.request));
        ids.push((file.path, file.id));
    }

    let total = done_before.len() + items.len();
    let uploader = client.uploader().clone();
    let options = job.options;
    Ok(BulkStream::spawn(total, move |events| async move {
        let mut summary = Summary {
            total,
            ..Summary::default()
        };
        let run = async {
            send_known(&events, &mut summary, notices, done_before).await?;
            let mut results = uploader.upload_many(items, options);
            let mut unreachable = 0;
            while let Some((index, result)) = results.next().await {
                let (path, id) = &ids[index];
                let mut outcome = ItemOutcome::new(path.clone(), ItemStatus::Done);
                let state = match result {
                    Ok(file) => {
                        unreachable = 0;
                        outcome.outputs.extend(file.url);
                        State::Done {
                            job: None,
                            outputs: outcome.outputs.clone(),
                            files: Vec::new(),
                        }
                    }
                    Err(e) => {
                        let error = error_chain(&e);
                        unreachable = if never_reached(&e) {
                            unreachable + 1
                        } else {
                            0
                        };
                        if unreachable >= GONE_AFTER {
                            summary.stopped = Some(Stop::ServerGone { error });
                            break;
                        }
                        outcome.status = ItemStatus::Error;
                        outcome.error = Some(error.clone());
                        State::Error { job: None, error }
                    }
                };
                if let Some(journal) = journal.as_mut()
                    && let Err(e) = journal.record(id, state)
                {
                    summary.stopped = Some(Stop::Journal {
                        error: error_chain(&e),
                    });
                    break;
                }
                summary.count(outcome.status);
                events.send(Event::Item(outcome)).await.ok()?;
            }
            Some(())
        };
        if run.await.is_some() {
            summary.count_unreported();
            let _ = events.send(Event::Finished(summary)).await;
        }
    }))
}
