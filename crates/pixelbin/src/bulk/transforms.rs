//! `bulk::transforms`: every image under folders through a transformation pattern, outputs
//! saved locally, each image uploaded once and fetched once.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use futures::StreamExt;
use futures::stream::{Fuse, FusedStream, FuturesUnordered};

use super::journal::{ItemId, Journal, Past, State, Work};
use super::outcome::{Event, ItemOutcome, ItemStatus, Notice, Stop, Summary};
use super::output::{OutputsPresent, check_writable};
use super::pattern::{self, OutputFormat, Pattern};
use super::remote::{Placed, Placer, remote_files, stored};
use super::stream::send_known;
use super::{BulkStream, Error, GONE_AFTER, Walk, error_chain, never_reached, working};
use crate::PixelbinClient;
use crate::cdn::{Cdn, CdnOptions};
use crate::http::atomic_file::{Access, PartFile};
use crate::http::model::{content_type_for_name, content_type_of, format_for_content_type};
use crate::http::naming::remote_path;
use crate::predictions::output_file;
use crate::upload::{
    ManyOptions, UploadItem, UploadRequest, UploadSource, UploadStream, check_folder,
    default_format,
};
use crate::url::{UrlToObjOptions, url_to_obj};

/// Images fetched (and uploaded) at once by default.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// What [`transforms`] does: which images, through which pattern, where outputs go, how.
///
/// ```
/// use pixelbin::bulk::Transforms;
/// let job = Transforms::new(["photos"])
///     .pattern("t.resize(w:300)~t.toFormat(f:webp)")
///     .output("thumbs")
///     .concurrency(8)
///     .journal("thumbs/.pixelbin-transform.jsonl");
/// assert_eq!(job.concurrency, 8);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Transforms {
    /// Files and folders (walked recursively, hidden files skipped).
    pub inputs: Vec<PathBuf>,
    /// The transformation pattern, e.g. `t.resize(w:300)~erase.bg()`.
    pub pattern: String,
    /// Where outputs are saved (`output/<input's relative path>.<ext of the output's type>`).
    pub output: Option<PathBuf>,
    /// The remote folder inputs are uploaded to (their sub-folders kept). Default: one of
    /// this run's own, `pixelbin-transform-<16 hex digits>` derived from the pattern, the
    /// output folder and the inputs, so a rerun finds its uploads and other runs do not.
    pub working_folder: Option<String>,
    /// Sets the industry type of every step that takes one (e.g. `erase.bg`'s).
    pub industry_type: Option<String>,
    /// Images uploaded and fetched at once (default [`DEFAULT_CONCURRENCY`]).
    pub concurrency: usize,
    /// Replace output files that exist.
    pub overwrite: bool,
    /// Skip inputs whose output exists (nothing uploaded for them).
    pub skip_existing: bool,
    /// Keep the working uploads at the end (default: deleted once every image is done).
    pub keep_uploads: bool,
    /// The journal file, to resume after a crash.
    pub journal: Option<PathBuf>,
    /// How each fetch waits for the CDN (deadline, body limit).
    pub cdn: CdnOptions,
}

impl Transforms {
    /// Transformations of every image of `inputs`; set the pattern and output next.
    pub fn new<P: Into<PathBuf>>(inputs: impl IntoIterator<Item = P>) -> Transforms {
        Transforms {
            inputs: inputs.into_iter().map(Into::into).collect(),
            pattern: String::new(),
            output: None,
            working_folder: None,
            industry_type: None,
            concurrency: DEFAULT_CONCURRENCY,
            overwrite: false,
            skip_existing: false,
            keep_uploads: false,
            journal: None,
            cdn: CdnOptions::default(),
        }
    }

    /// Sets the transformation pattern.
    pub fn pattern(mut self, pattern: impl Into<String>) -> Self {
        self.pattern = pattern.into();
        self
    }

    /// Saves outputs under `dir`.
    pub fn output(mut self, dir: impl Into<PathBuf>) -> Self {
        self.output = Some(dir.into());
        self
    }

    /// Uploads to the remote `folder` instead of the default working folder.
    pub fn working_folder(mut self, folder: impl Into<String>) -> Self {
        self.working_folder = Some(folder.into());
        self
    }

    /// Sets the industry type of the pattern's steps that take one.
    pub fn industry_type(mut self, industry_type: impl Into<String>) -> Self {
        self.industry_type = Some(industry_type.into());
        self
    }

    /// Sets images at once (at least 1).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Replaces output files that exist.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Skips inputs whose output exists.
    pub fn skip_existing(mut self, skip: bool) -> Self {
        self.skip_existing = skip;
        self
    }

    /// Keeps the working uploads at the end.
    pub fn keep_uploads(mut self, keep: bool) -> Self {
        self.keep_uploads = keep;
        self
    }

    /// Keeps a journal at `path`.
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// Sets how each fetch waits for the CDN.
    pub fn cdn(mut self, options: CdnOptions) -> Self {
        self.cdn = options;
        self
    }
}

/// One image to transform.
struct Planned {
    path: PathBuf,
    /// Its path below its folder without extension: where its output goes.
    stem: PathBuf,
    request: UploadRequest,
    /// `folder/name` in the working folder.
    stored: String,
    id: ItemId,
}

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
    let output = job.output.clone().ok_or(Error::NoOutput)?;
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
            Past::Known(_) => {
                // Started, failed or never fetched: no output of this run's was written.
                new_output(
                    &job,
                    &output,
                    &pattern,
                    file,
                    &mut present,
                    &mut done_before,
                )?
                .then(|| to_check.push(index));
            }
            Past::Other(recorded) => {
                notices.push(Notice::JournalIgnored {
                    input: file.path.clone(),
                    recorded: recorded.work.to_string(),
                });
                new_output(
                    &job,
                    &output,
                    &pattern,
                    file,
                    &mut present,
                    &mut done_before,
                )?
                .then(|| uploads.push(index));
            }
            Past::New => {
                new_output(
                    &job,
                    &output,
                    &pattern,
                    file,
                    &mut present,
                    &mut done_before,
                )?
                .then(|| uploads.push(index));
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

/// Whether a new input is to be done: its output must not exist, unless replaced
/// (`overwrite`) or skipped (`skip_existing`, then its outcome is added to `done`).
fn new_output(
    job: &Transforms,
    output: &Path,
    pattern: &Pattern,
    file: &Planned,
    present: &mut OutputsPresent,
    done: &mut Vec<ItemOutcome>,
) -> Result<bool, Error> {
    if job.overwrite {
        return Ok(true);
    }
    let found = match expected_format(pattern, &file.path) {
        Some(ext) => Some(output_file(output, &file.stem, &ext, 0, 1)).filter(|p| p.exists()),
        None => present.find(output, &file.stem),
    };
    let Some(existing) = found else {
        return Ok(true);
    };
    if job.skip_existing {
        let mut outcome = ItemOutcome::new(file.path.clone(), ItemStatus::Skipped);
        outcome.files.push(existing);
        done.push(outcome);
        return Ok(false);
    }
    Err(Error::OutputExists {
        input: file.path.clone(),
        output: existing,
    })
}

/// The extension the output of `input` will have, when known before fetching.
fn expected_format(pattern: &Pattern, input: &Path) -> Option<String> {
    match &pattern.format {
        OutputFormat::Fixed(format) => Some(format.clone()),
        OutputFormat::Input => default_format(input),
        OutputFormat::Unknown => None,
    }
}

/// Walks the inputs and checks the plan: working names and outputs apart.
fn plan(
    job: &Transforms,
    pattern: &Pattern,
    output: &Path,
    root: &str,
) -> Result<(Vec<Planned>, Vec<Notice>), Error> {
    let outputs = output.canonicalize().ok();
    let walk = Walk::of(&job.inputs)?;
    let mut notices = walk.notices;
    // The working uploads replace what a killed run left half-stored under their names.
    let base = UploadRequest::new().overwrite(true);
    let mut placer = Placer::new(root, &base);
    // Output stem -> (expected extension, input): two inputs sharing a stem clash unless both
    // extensions are known and differ.
    let mut saved_as: HashMap<PathBuf, Vec<(Option<String>, PathBuf)>> = HashMap::new();
    let mut planned = Vec::new();
    for found in walk.files {
        // Outputs saved inside an input folder are not inputs of the next run.
        if let Some(dir) = &outputs
            && found.path.canonicalize().is_ok_and(|p| p.starts_with(dir))
        {
            continue;
        }
        let is_image = content_type_for_name(&found.relative.to_string_lossy())
            .is_some_and(|t| t.starts_with("image/"));
        if !is_image {
            notices.push(Notice::NotAnImage { path: found.path });
            continue;
        }
        let Placed {
            request,
            folder,
            name,
        } = placer.place(&found)?;
        let stem = found.relative.with_extension("");
        let ext = expected_format(pattern, &found.relative);
        let taken = saved_as.entry(stem.clone()).or_default();
        if let Some((other, first)) = taken
            .iter()
            .find(|(other, _)| other.is_none() || ext.is_none() || *other == ext)
        {
            let shared = other.as_ref().or(ext.as_ref());
            let output = match shared {
                Some(ext) => output_file(output, &stem, ext, 0, 1),
                None => output.join(&stem),
            };
            return Err(Error::OutputClash {
                first: first.clone(),
                second: found.path,
                output,
            });
        }
        taken.push((ext, found.path.clone()));
        let work = Work::Transform {
            pattern: pattern.text.clone(),
            folder: folder.clone(),
            name: name.clone(),
            output: output.to_string_lossy().into_owned(),
        };
        planned.push(Planned {
            id: ItemId::new(&found.path, found.size, found.modified, work),
            path: found.path,
            stem,
            request,
            stored: remote_path([&folder, &name]),
        });
    }
    if planned.is_empty() {
        return Err(Error::NoInputs);
    }
    Ok((planned, notices))
}

/// A run in progress: what each item needs, shared by the upload and fetch steps.
struct Run {
    client: PixelbinClient,
    cdn: Cdn,
    pattern: Pattern,
    output: PathBuf,
    root: String,
    options: CdnOptions,
    overwrite: bool,
    keep_uploads: bool,
    concurrency: usize,
    planned: Vec<Planned>,
    resumed: HashSet<usize>,
    ours: HashSet<usize>,
}

/// How a fetch of one image ended.
type Fetch = (usize, String, Result<PathBuf, crate::Error>);

impl Run {
    async fn drive(
        mut self,
        events: tokio::sync::mpsc::Sender<Event>,
        mut journal: Option<Journal>,
        notices: Vec<Notice>,
        done_before: Vec<ItemOutcome>,
        mut ready: VecDeque<(usize, String)>,
        mut pending: VecDeque<usize>,
    ) {
        let total = self.planned.len();
        let mut summary = Summary {
            total,
            ..Summary::default()
        };
        let run = async {
            send_known(&events, &mut summary, notices, done_before).await?;
            let mut uploading = None;
            let mut fetching = FuturesUnordered::new();
            let mut unreachable = 0;
            loop {
                if uploading.as_ref().is_some_and(FusedStream::is_terminated) {
                    uploading = None;
                }
                // Uploads keep at most one round ahead of the fetches: a stop (credits, a
                // kill) leaves few uploads unfetched.
                if uploading.is_none()
                    && summary.stopped.is_none()
                    && !pending.is_empty()
                    && ready.len() < self.concurrency
                {
                    let round: Vec<usize> = pending
                        .drain(..self.concurrency.min(pending.len()))
                        .collect();
                    match self.start_uploads(&round, journal.as_mut()) {
                        Ok(stream) => uploading = Some(stream),
                        Err(e) => {
                            summary.stopped = Some(Stop::Journal {
                                error: error_chain(&e),
                            });
                            break;
                        }
                    }
                }
                while summary.stopped.is_none() && fetching.len() < self.concurrency {
                    let Some((index, url)) = ready.pop_front() else {
                        break;
                    };
                    fetching.push(self.fetch(index, url));
                }
                if fetching.is_empty()
                    && (summary.stopped.is_some() || (uploading.is_none() && pending.is_empty()))
                {
                    break;
                }
                let (index, state, outcome, error) = tokio::select! {
                    Some((index, result)) = async {
                        match uploading.as_mut() {
                            Some(stream) => stream.next().await,
                            None => std::future::pending().await,
                        }
                    } => match result {
                        Ok(file) => match file.url {
                            Some(url) => {
                                self.ours.insert(index);
                                let state = State::Uploaded {
                                    file: self.planned[index].stored.clone(),
                                    url: url.clone(),
                                };
                                ready.push_back((index, url));
                                (index, state, None, None)
                            }
                            None => {
                                let error = "the upload's answer gave no URL".to_string();
                                let outcome = self.failed(index, ItemStatus::Error, &error);
                                let state = State::Error { job: None, error };
                                (index, state, Some(outcome), None)
                            }
                        },
                        Err(e) => {
                            let error = crate::Error::from(e);
                            let text = error_chain(&error);
                            let outcome = self.failed(index, ItemStatus::Error, &text);
                            let state = State::Error { job: None, error: text };
                            (index, state, Some(outcome), Some(error))
                        }
                    },
                    Some(fetched) = fetching.next(), if !fetching.is_empty() => {
                        self.fetched(fetched)
                    },
                    else => {
                        // The uploads ended: nothing more comes from them.
                        uploading = None;
                        continue;
                    }
                };
                if let Some(e) = &error {
                    unreachable = if never_reached(e) { unreachable + 1 } else { 0 };
                    if e.is_usage_limit() {
                        summary.stopped.get_or_insert(Stop::CreditsRanOut);
                    }
                } else if outcome.is_some() {
                    unreachable = 0;
                }
                if let Some(journal) = journal.as_mut()
                    && let Err(e) = journal.record(&self.planned[index].id, state)
                {
                    summary.stopped = Some(Stop::Journal {
                        error: error_chain(&e),
                    });
                    break;
                }
                if let Some(outcome) = outcome {
                    summary.count(outcome.status);
                    events.send(Event::Item(outcome)).await.ok()?;
                }
                if unreachable >= GONE_AFTER {
                    let error = error.map(|e| error_chain(&e)).unwrap_or_default();
                    summary.stopped = Some(Stop::ServerGone { error });
                    break;
                }
            }
            // Stopped for credits: every image not fetched says so.
            drop(uploading);
            if matches!(summary.stopped, Some(Stop::CreditsRanOut)) {
                let reason = Stop::CreditsRanOut.to_string();
                // Uploaded and never fetched, then never uploaded.
                let unfetched: Vec<usize> = ready.drain(..).map(|(i, _)| i).collect();
                for index in unfetched.into_iter().chain(pending.drain(..)) {
                    if let Some(journal) = journal.as_mut() {
                        let state = State::NotCreated {
                            reason: reason.clone(),
                        };
                        let _ = journal.record(&self.planned[index].id, state);
                    }
                    let outcome = self.failed(index, ItemStatus::NotCreated, &reason);
                    summary.count(outcome.status);
                    events.send(Event::Item(outcome)).await.ok()?;
                }
            }
            let reported = summary.done
                + summary.skipped
                + summary.errors
                + summary.failed
                + summary.uncertain
                + summary.not_started;
            summary.not_started += total.saturating_sub(reported);
            if let Some(notice) = self.clean_up(&summary).await {
                events.send(Event::Notice(notice)).await.ok()?;
            }
            Some(())
        };
        if run.await.is_some() {
            let _ = events.send(Event::Finished(summary)).await;
        }
    }

    /// Journals the inputs of `round` as started, then starts their uploads.
    fn start_uploads(
        &self,
        round: &[usize],
        mut journal: Option<&mut Journal>,
    ) -> Result<Fuse<UploadStream<usize>>, Error> {
        let mut items = Vec::with_capacity(round.len());
        for &index in round {
            let file = &self.planned[index];
            if let Some(journal) = journal.as_mut() {
                // Before any byte is sent: a rerun then looks for it in the working folder.
                journal.record(&file.id, State::Started)?;
            }
            let source = UploadSource::from_path(&file.path);
            items.push(UploadItem::new(index, source, file.request.clone()));
        }
        let options = ManyOptions::new().files(self.concurrency);
        Ok(self.client.uploader().upload_many(items, options).fuse())
    }

    /// The outcome of a fetch: its state, outcome and error.
    fn fetched(
        &self,
        (index, url, result): Fetch,
    ) -> (usize, State, Option<ItemOutcome>, Option<crate::Error>) {
        match result {
            Ok(file) => {
                let mut outcome =
                    ItemOutcome::new(self.planned[index].path.clone(), ItemStatus::Done);
                outcome.outputs.push(url.clone());
                outcome.files.push(file.clone());
                let state = State::Done {
                    job: None,
                    outputs: vec![url],
                    files: vec![file.to_string_lossy().into_owned()],
                };
                (index, state, Some(outcome), None)
            }
            Err(e) => {
                let text = error_chain(&e);
                let (status, state) = if e.is_usage_limit() {
                    (
                        ItemStatus::NotCreated,
                        State::NotCreated {
                            reason: text.clone(),
                        },
                    )
                } else {
                    (
                        ItemStatus::Error,
                        State::Error {
                            job: None,
                            error: text.clone(),
                        },
                    )
                };
                let mut outcome = self.failed(index, status, &text);
                outcome.outputs.push(url);
                (index, state, Some(outcome), Some(e))
            }
        }
    }

    fn failed(&self, index: usize, status: ItemStatus, error: &str) -> ItemOutcome {
        let mut outcome = ItemOutcome::new(self.planned[index].path.clone(), status);
        outcome.error = Some(error.to_string());
        outcome
    }

    /// Fetches the uploaded `url` through the pattern and saves it.
    fn fetch(&self, index: usize, url: String) -> impl Future<Output = Fetch> + Send + 'static {
        let cdn = self.cdn.clone();
        let options = self.options.clone();
        let transformations = self.pattern.transformations.clone();
        let target = self.output.join(&self.planned[index].stem);
        let replace = self.overwrite || self.resumed.contains(&index);
        async move {
            let transformed = url_to_obj(&url, UrlToObjOptions::default()).and_then(|mut obj| {
                obj.transformations = transformations;
                obj.to_url()
            });
            let transformed = match transformed {
                Ok(transformed) => transformed,
                Err(e) => return (index, url, Err(crate::Error::from(e))),
            };
            let result = save(&cdn, &transformed, &target, &options, replace).await;
            (index, transformed, result)
        }
    }

    /// Deletes the working uploads once every image is done, unless kept; what happened.
    async fn clean_up(&self, summary: &Summary) -> Option<Notice> {
        if self.ours.is_empty() {
            return None;
        }
        if self.keep_uploads {
            return Some(Notice::WorkingFolderKept {
                folder: self.root.clone(),
                reason: "keeping them was asked for".into(),
            });
        }
        if summary.exit() != super::Exit::Success {
            return Some(Notice::WorkingFolderKept {
                folder: self.root.clone(),
                reason: "not every image is done; the rerun uses them, then deletes them".into(),
            });
        }
        let ours = self
            .ours
            .iter()
            .map(|&i| (self.planned[i].stored.clone(), self.planned[i].id.size))
            .collect();
        working::clean(&self.client, &self.root, &ours).await
    }
}

/// Fetches `url` and saves it as `stem` (a path without extension) with the extension of its
/// content type, through the SDK's one atomic write.
async fn save(
    cdn: &Cdn,
    url: &str,
    stem: &Path,
    options: &CdnOptions,
    replace: bool,
) -> Result<PathBuf, crate::Error> {
    let fetched = cdn.fetch_with(url, options).await?;
    let declared = fetched
        .content_type
        .as_deref()
        .map(|t| t.split(';').next().unwrap_or(t).trim().to_ascii_lowercase());
    let ext = declared
        .as_deref()
        .and_then(format_for_content_type)
        .or_else(|| content_type_of(&fetched.bytes).and_then(format_for_content_type))
        .unwrap_or("bin");
    let (dir, stem) = match (stem.parent(), stem.file_name()) {
        (Some(dir), Some(name)) => (dir.to_path_buf(), PathBuf::from(name)),
        _ => (PathBuf::new(), stem.to_path_buf()),
    };
    let target = output_file(&dir, &stem, ext, 0, 1);
    let write = target.clone();
    let written = tokio::task::spawn_blocking(move || {
        if let Some(parent) = write.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut part = PartFile::create(&write, Access::Umask)?;
        std::io::Write::write_all(part.file(), &fetched.bytes)?;
        part.commit(replace)
    })
    .await
    .map_err(std::io::Error::other)
    .and_then(|r| r);
    written.map_err(|source| {
        let error = if source.kind() == std::io::ErrorKind::AlreadyExists {
            crate::http::Error::OutputExists {
                path: target.clone(),
            }
        } else {
            crate::http::Error::WriteOutput {
                path: target.clone(),
                source,
            }
        };
        crate::Error::from(error)
    })?;
    Ok(target)
}
