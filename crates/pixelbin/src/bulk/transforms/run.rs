//! A transformation run in progress: uploads in rounds, fetches, the journal, and the
//! working folder cleaned at the end.

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;

use futures::StreamExt;
use futures::stream::{Fuse, FusedStream, FuturesUnordered};

use super::plan::Planned;
use super::save::save;
use crate::PixelbinClient;
use crate::bulk::journal::{Journal, State};
use crate::bulk::outcome::{Event, Exit, ItemOutcome, ItemStatus, Notice, Stop, Summary};
use crate::bulk::pattern::Pattern;
use crate::bulk::stream::send_known;
use crate::bulk::{Error, GONE_AFTER, error_chain, never_reached, working};
use crate::cdn::{Cdn, CdnOptions};
use crate::upload::{ManyOptions, UploadItem, UploadSource, UploadStream};
use crate::url::{UrlToObjOptions, url_to_obj};

/// A run in progress: what each item needs, shared by the upload and fetch steps.
pub(super) struct Run {
    pub client: PixelbinClient,
    pub cdn: Cdn,
    pub pattern: Pattern,
    pub output: PathBuf,
    pub root: String,
    pub options: CdnOptions,
    pub overwrite: bool,
    pub keep_uploads: bool,
    pub concurrency: usize,
    pub planned: Vec<Planned>,
    pub resumed: HashSet<usize>,
    pub ours: HashSet<usize>,
}

/// How a fetch of one image ended.
type Fetch = (usize, String, Result<PathBuf, crate::Error>);

impl Run {
    pub(super) async fn drive(
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
            summary.count_unreported();
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
        if summary.exit() != Exit::Success {
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
