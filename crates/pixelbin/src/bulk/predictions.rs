//! `bulk::predictions`: one prediction job per file, outputs saved, each job paid once.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use futures::StreamExt;
use serde::Serialize;
use serde_json::{Number, Value};
use tokio::sync::mpsc;

use super::journal::{ItemId, Journal, Past, State, Work};
use super::outcome::{Event, ItemOutcome, ItemStatus, Notice, Stop, Summary};
use super::output::{OutputsPresent, check_writable};
use super::stream::send_known;
use super::{BulkStream, Error, GONE_AFTER, Walk, error_chain, never_reached};
use crate::PixelbinClient;
use crate::predictions::{
    BatchItem, BatchOptions, DownloadOptions, Error as PredictionError, FileInput, InputValue,
    Prediction, PredictionInput, PredictionStatus, output_path,
};

/// A model input given once and sent with every job of a bulk prediction.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum SharedInput {
    /// A file to send.
    File(PathBuf),
    /// An absolute http(s) URL.
    Url(String),
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A JSON object, array, string or null.
    Json(Value),
    /// Text.
    Text(String),
}

impl From<SharedInput> for InputValue {
    fn from(value: SharedInput) -> InputValue {
        match value {
            SharedInput::File(path) => InputValue::File(FileInput::path(path)),
            SharedInput::Url(url) => InputValue::Url(url),
            SharedInput::Bool(b) => InputValue::Bool(b),
            SharedInput::Number(n) => InputValue::Number(n),
            SharedInput::Json(v) => InputValue::Json(v),
            SharedInput::Text(t) => InputValue::Text(t),
        }
    }
}

/// The journal's file name in the output folder, where [`Predict::default_journal`] keeps it.
pub const DEFAULT_JOURNAL: &str = ".pixelbin-journal.jsonl";

/// What [`predictions`] does: which model on which files, where outputs go, how.
///
/// ```
/// use pixelbin::bulk::{Predict, SharedInput};
/// let job = Predict::new("erase_bg")
///     .each("image", "photos")
///     .input("industry_type", SharedInput::Text("general".into()))
///     .output("out")
///     .journal("out/.pixelbin-journal.jsonl")
///     .max_credits(100.0);
/// assert_eq!(job.each.len(), 1);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Predict {
    /// The model, e.g. `erase_bg`.
    pub model: String,
    /// `(input key, file or folder)`: each file found is sent as that input of its own job.
    pub each: Vec<(String, PathBuf)>,
    /// Inputs every job shares; a key given more than once sends a list.
    pub inputs: Vec<(String, SharedInput)>,
    /// Where outputs are saved (`output/<input's relative path>.<ext>`); none: not saved.
    pub output: Option<PathBuf>,
    /// Replace output files that exist.
    pub overwrite: bool,
    /// Jobs in flight, pacing, webhook.
    pub options: BatchOptions,
    /// The journal file, to resume after a crash.
    pub journal: Option<PathBuf>,
    /// Stop creating jobs before the credits they use pass this many.
    pub max_credits: Option<f64>,
}

impl Predict {
    /// Jobs of `model`, nothing else set yet.
    pub fn new(model: impl Into<String>) -> Predict {
        Predict {
            model: model.into(),
            each: Vec::new(),
            inputs: Vec::new(),
            output: None,
            overwrite: false,
            options: BatchOptions::new(),
            journal: None,
            max_credits: None,
        }
    }

    /// Sends every file of `path` (a file or folder) as input `key` of a job of its own.
    pub fn each(mut self, key: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        self.each.push((key.into(), path.into()));
        self
    }

    /// Sends `value` as input `key` of every job.
    pub fn input(mut self, key: impl Into<String>, value: SharedInput) -> Self {
        self.inputs.push((key.into(), value));
        self
    }

    /// Saves outputs under `dir`.
    pub fn output(mut self, dir: impl Into<PathBuf>) -> Self {
        self.output = Some(dir.into());
        self
    }

    /// Replaces output files that exist.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Sets jobs in flight, pacing and webhook.
    pub fn options(mut self, options: BatchOptions) -> Self {
        self.options = options;
        self
    }

    /// Where a journal goes when none is named: [`DEFAULT_JOURNAL`] in the output folder, so a
    /// rerun into the same folder resumes; `None` without an output folder.
    ///
    /// ```
    /// use std::path::Path;
    /// use pixelbin::bulk::Predict;
    ///
    /// let job = Predict::new("erase_bg").output("out");
    /// assert_eq!(job.default_journal().as_deref(), Some(Path::new("out/.pixelbin-journal.jsonl")));
    /// assert_eq!(Predict::new("erase_bg").default_journal(), None);
    /// ```
    pub fn default_journal(&self) -> Option<PathBuf> {
        self.output.as_ref().map(|dir| dir.join(DEFAULT_JOURNAL))
    }

    /// Keeps a journal at `path`.
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// Stops creating jobs before their credits pass `credits`.
    pub fn max_credits(mut self, credits: f64) -> Self {
        self.max_credits = Some(credits);
        self
    }

    /// The inputs of one job: the shared ones, then `path` as `key`.
    fn job_input(&self, key: &str, path: &Path) -> PredictionInput {
        let mut fields: Vec<(&str, Vec<InputValue>)> = Vec::new();
        for (name, value) in &self.inputs {
            let value = InputValue::from(value.clone());
            match fields.iter_mut().find(|(k, _)| k == name) {
                Some((_, values)) => values.push(value),
                None => fields.push((name, vec![value])),
            }
        }
        let mut input = PredictionInput::new();
        for (name, mut values) in fields {
            let value = if values.len() == 1 {
                values.remove(0)
            } else {
                InputValue::List(values)
            };
            input = input.value(name, value);
        }
        input.file_path(key, path)
    }
}

/// One file to send.
struct Planned {
    key: String,
    path: PathBuf,
    relative: PathBuf,
    id: ItemId,
}

/// What the gate between the batch and the items knows: whether to start more creates.
#[derive(Debug, Default)]
struct Gate {
    stop: Option<Stop>,
    max_credits: Option<f64>,
    spent: f64,
    /// The most one job has cost so far (1 until one is seen).
    cost: f64,
    running: usize,
    handed: HashSet<usize>,
}

impl Gate {
    /// Whether `item` may start now; creates stop once the run stopped or its credits would
    /// pass the limit. Jobs created earlier are always waited for.
    fn admit(&mut self, item: &BatchItem<usize>) -> bool {
        if !item.is_existing() {
            if self.stop.is_some() {
                return false;
            }
            if let Some(max) = self.max_credits
                && self.spent + (self.running as f64 + 1.0) * self.cost.max(1.0) > max
            {
                self.stop = Some(Stop::CreditLimit { max_credits: max });
                return false;
            }
        }
        self.running += 1;
        self.handed.insert(*item.key());
        true
    }
}

/// Runs `job.model` on every file of `job.each`, after checking the plan (see the
/// [module docs](super)): two inputs whose outputs would be saved to one file are refused,
/// naming both, and the output folder must be writable.
///
/// With a journal, inputs recorded as done (outputs still there) or failed are skipped, jobs
/// recorded as created are waited for instead of created again, and creates recorded as
/// uncertain are reported, never sent again.
///
/// # Errors
/// Any [`Error`] of the plan; nothing was sent.
pub async fn predictions(client: &PixelbinClient, job: Predict) -> Result<BulkStream, Error> {
    let (planned, mut notices) = plan(&job)?;
    let mut journal = Journal::for_run(client, job.journal.as_deref(), &mut notices).await?;
    let mut done_before = Vec::new();
    let mut waits = Vec::new();
    let mut creates = Vec::new();
    let mut jobs = HashMap::new();
    // Inputs settled without this run (done, failed or uncertain before).
    let mut settled = HashSet::new();
    let mut present = OutputsPresent::default();
    // Jobs created by an earlier run: their outputs, if saved before a crash, are theirs to replace.
    let mut resumed = HashSet::new();
    for (index, file) in planned.iter().enumerate() {
        let past = journal.as_ref().map_or(Past::New, |j| j.past(&file.id));
        if matches!(
            past,
            Past::Known(State::Failed { .. } | State::Uncertain { .. })
        ) || matches!(past, Past::Known(State::Done { files, .. }) if files.iter().all(|f| Path::new(f).exists()))
        {
            settled.insert(index);
        }
        let skipped = |job: &Option<String>, error: Option<String>| {
            let mut outcome = ItemOutcome::new(file.path.clone(), ItemStatus::Skipped);
            outcome.job = job.clone();
            outcome.error = error;
            outcome
        };
        let wait = match past {
            Past::Known(State::Done {
                job,
                outputs,
                files,
            }) if files.iter().all(|f| Path::new(f).exists()) => {
                let mut outcome = skipped(job, None);
                outcome.outputs = outputs.clone();
                outcome.files = files.iter().map(PathBuf::from).collect();
                done_before.push(outcome);
                continue;
            }
            Past::Known(State::Failed { job, error }) => {
                done_before.push(skipped(job, Some(error.clone())));
                continue;
            }
            Past::Known(State::Uncertain { error }) => {
                let mut outcome = ItemOutcome::new(file.path.clone(), ItemStatus::Uncertain);
                outcome.error = Some(format!(
                    "an earlier run's create may have reached the server ({error}); it is not sent again so it is not paid twice"
                ));
                done_before.push(outcome);
                continue;
            }
            Past::Known(
                State::Created { job }
                | State::Done { job: Some(job), .. }
                | State::Error { job: Some(job), .. },
            ) => Some(job.clone()),
            Past::Other(recorded) => {
                notices.push(Notice::JournalIgnored {
                    input: file.path.clone(),
                    recorded: recorded.work.to_string(),
                });
                None
            }
            _ => None,
        };
        match wait {
            Some(id) => {
                jobs.insert(index, id.clone());
                resumed.insert(index);
                waits.push(BatchItem::existing(index, id));
            }
            None => {
                // A new job must not find its output taken: refused before any credit is spent.
                if let Some(dir) = job.output.as_deref().filter(|_| !job.overwrite)
                    && let Some(output) = present.find(dir, &file.relative.with_extension(""))
                {
                    return Err(Error::OutputExists {
                        input: file.path.clone(),
                        output,
                    });
                }
                creates.push(BatchItem::create(
                    index,
                    job.model.clone(),
                    job.job_input(&file.key, &file.path),
                ));
            }
        }
    }
    let total = planned.len();
    let gate = Arc::new(Mutex::new(Gate {
        max_credits: job.max_credits,
        cost: 1.0,
        ..Gate::default()
    }));
    let items_gate = gate.clone();
    // Jobs created earlier first: they are waited for even when creates stop.
    let items = waits.into_iter().chain(creates).take_while(move |item| {
        items_gate
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .admit(item)
    });
    let (created_tx, mut created_rx) = mpsc::unbounded_channel();
    let predictions = client.predictions().clone();
    let mut results = predictions.batch_with(items, job.options.clone(), move |index, p| {
        let _ = created_tx.send((*index, p.id.clone()));
    });
    let saver = Saver {
        client: client.clone(),
        output: job.output.clone(),
        overwrite: job.overwrite,
    };

    Ok(BulkStream::spawn(total, move |events| async move {
        let mut summary = Summary {
            total,
            ..Summary::default()
        };
        let mut reported = HashSet::new();
        let run = async {
            send_known(&events, &mut summary, notices, done_before).await?;
            let mut unreachable = 0;
            loop {
                let (index, result) = tokio::select! {
                    biased;
                    Some((index, id)) = created_rx.recv() => {
                        // Synced before the job is polled: a rerun waits for it, never pays twice.
                        let state = State::Created { job: id.clone() };
                        jobs.insert(index, id);
                        if let Some(journal) = journal.as_mut()
                            && let Err(e) = journal.record_synced(&planned[index].id, state)
                        {
                            summary.stopped = Some(Stop::Journal { error: error_chain(&e) });
                            break;
                        }
                        continue;
                    }
                    next = results.next() => match next {
                        Some(next) => next,
                        None => break,
                    },
                };
                let file = &planned[index];
                let mut outcome = ItemOutcome::new(file.path.clone(), ItemStatus::Done);
                outcome.job = jobs.get(&index).cloned();
                let mut gone = None;
                let state = match result {
                    Ok(prediction) => {
                        unreachable = 0;
                        let credits = prediction.consumed_credits.unwrap_or(0.0);
                        summary.credits += credits;
                        {
                            let mut gate = gate.lock().unwrap_or_else(PoisonError::into_inner);
                            gate.spent += credits;
                            gate.cost = gate.cost.max(credits);
                        }
                        let own = resumed.contains(&index);
                        saver
                            .finish(&prediction, &file.relative, own, &mut outcome)
                            .await
                    }
                    Err(e) => {
                        let error = error_chain(&e);
                        outcome.job = outcome.job.or_else(|| job_of(&e));
                        unreachable = if never_reached(&e) {
                            unreachable + 1
                        } else {
                            0
                        };
                        if unreachable >= GONE_AFTER {
                            gone = Some(error.clone());
                        }
                        outcome.error = Some(error.clone());
                        if e.is_usage_limit() {
                            let mut gate = gate.lock().unwrap_or_else(PoisonError::into_inner);
                            gate.stop.get_or_insert(Stop::CreditsRanOut);
                            outcome.status = ItemStatus::NotCreated;
                            State::NotCreated { reason: error }
                        } else if matches!(e, PredictionError::CreateUncertain { .. }) {
                            outcome.status = ItemStatus::Uncertain;
                            State::Uncertain { error }
                        } else {
                            outcome.status = ItemStatus::Error;
                            State::Error {
                                job: outcome.job.clone(),
                                error,
                            }
                        }
                    }
                };
                {
                    let mut gate = gate.lock().unwrap_or_else(PoisonError::into_inner);
                    gate.running = gate.running.saturating_sub(1);
                }
                let sync = matches!(state, State::Uncertain { .. });
                if let Some(journal) = journal.as_mut() {
                    let written = if sync {
                        journal.record_synced(&file.id, state)
                    } else {
                        journal.record(&file.id, state)
                    };
                    if let Err(e) = written {
                        summary.stopped = Some(Stop::Journal {
                            error: error_chain(&e),
                        });
                        break;
                    }
                }
                reported.insert(index);
                summary.count(outcome.status);
                events.send(Event::Item(outcome)).await.ok()?;
                if let Some(error) = gone {
                    summary.stopped = Some(Stop::ServerGone { error });
                    break;
                }
            }
            // Stop the batch now if it has not ended (server gone, journal failed).
            drop(results);
            let stop = gate
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .stop
                .clone();
            if summary.stopped.is_none() && stop.is_some() {
                // Credits: every input never created is journaled and reported as such.
                summary.stopped = stop;
                let handed = gate
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .handed
                    .clone();
                for (index, file) in planned.iter().enumerate() {
                    if handed.contains(&index)
                        || reported.contains(&index)
                        || settled.contains(&index)
                    {
                        continue;
                    }
                    let reason = summary
                        .stopped
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    if let Some(journal) = journal.as_mut()
                        && let Err(e) = journal.record(&file.id, State::NotCreated { reason })
                    {
                        summary.stopped = Some(Stop::Journal {
                            error: error_chain(&e),
                        });
                        break;
                    }
                    let outcome = ItemOutcome::new(file.path.clone(), ItemStatus::NotCreated);
                    summary.count(outcome.status);
                    events.send(Event::Item(outcome)).await.ok()?;
                }
            }
            Some(())
        };
        if run.await.is_some() {
            summary.count_unreported();
            let _ = events.send(Event::Finished(summary)).await;
        }
    }))
}

/// The job id an error carries, if any.
fn job_of(error: &PredictionError) -> Option<String> {
    error
        .last_prediction()
        .map(|p| p.id.clone())
        .or_else(|| match error {
            PredictionError::DeadlineExceeded { id, .. } => id.clone(),
            _ => None,
        })
}

/// Walks the inputs and checks the plan.
fn plan(job: &Predict) -> Result<(Vec<Planned>, Vec<Notice>), Error> {
    let outputs = job
        .output
        .as_deref()
        .and_then(|dir| dir.canonicalize().ok());
    let mut walk = Walk::new();
    let mut keys = Vec::new();
    for (key, root) in &job.each {
        walk.add(root)?;
        keys.resize(walk.files.len(), key.clone());
    }
    let inputs = serde_json::to_string(&job.inputs).unwrap_or_else(|_| format!("{:?}", job.inputs));
    let output = job
        .output
        .as_ref()
        .map(|d| super::journal::path_key(d).to_string_lossy().into_owned());
    let mut planned = Vec::new();
    let mut saved_as: HashMap<PathBuf, PathBuf> = HashMap::new();
    for (found, key) in walk.files.into_iter().zip(keys) {
        // Outputs saved inside an input folder are not inputs of the next run.
        if let Some(dir) = &outputs
            && found.path.canonicalize().is_ok_and(|p| p.starts_with(dir))
        {
            continue;
        }
        if let Some(dir) = &job.output {
            let stem = dir.join(found.relative.with_extension(""));
            if let Some(first) = saved_as.get(&stem) {
                return Err(Error::OutputClash {
                    first: first.clone(),
                    second: found.path,
                    output: stem,
                });
            }
            saved_as.insert(stem, found.path.clone());
        }
        let work = Work::Predict {
            model: job.model.clone(),
            key: key.clone(),
            inputs: inputs.clone(),
            output: output.clone(),
        };
        planned.push(Planned {
            id: ItemId::new(&found.path, found.size, found.modified, work),
            key,
            path: found.path,
            relative: found.relative,
        });
    }
    if planned.is_empty() {
        return Err(Error::NoInputs);
    }
    if let Some(dir) = &job.output {
        check_writable(dir)?;
    }
    Ok((planned, walk.notices))
}

/// Saves a finished job's outputs.
struct Saver {
    client: PixelbinClient,
    output: Option<PathBuf>,
    overwrite: bool,
}

impl Saver {
    /// Fills `outcome` from a final job, its outputs saved (replacing files of its own when it
    /// was `resumed` from an earlier run); returns the state to journal.
    async fn finish(
        &self,
        prediction: &Prediction,
        relative: &Path,
        resumed: bool,
        outcome: &mut ItemOutcome,
    ) -> State {
        outcome.job = Some(prediction.id.clone());
        outcome.outputs = prediction
            .output_urls()
            .into_iter()
            .map(str::to_string)
            .collect();
        let job = outcome.job.clone();
        if prediction.status == PredictionStatus::Failure {
            let error = prediction
                .error
                .clone()
                .unwrap_or_else(|| "no error message given".into());
            outcome.status = ItemStatus::Failed;
            outcome.error = Some(error.clone());
            return State::Failed { job, error };
        }
        if prediction.status != PredictionStatus::Success {
            let error = format!("unexpected final status {}", prediction.status);
            outcome.status = ItemStatus::Error;
            outcome.error = Some(error.clone());
            return State::Error { job, error };
        }
        if let Some(dir) = &self.output {
            let count = outcome.outputs.len();
            let options = DownloadOptions::default().overwrite(self.overwrite || resumed);
            for (index, url) in outcome.outputs.iter().enumerate() {
                let target = output_path(dir, &relative.with_extension(""), url, index, count);
                let saved = match target.parent() {
                    Some(parent) => tokio::fs::create_dir_all(parent)
                        .await
                        .map_err(|e| e.to_string()),
                    None => Ok(()),
                };
                let saved = match saved {
                    Ok(()) => self
                        .client
                        .predictions()
                        .download_output_to(url, &target, &options)
                        .await
                        .map(|_| ())
                        .map_err(|e| error_chain(&e)),
                    Err(e) => Err(e),
                };
                if let Err(error) = saved {
                    outcome.status = ItemStatus::Error;
                    outcome.error = Some(format!("{}: {error}", target.display()));
                    return State::Error {
                        job,
                        error: outcome.error.clone().unwrap_or_default(),
                    };
                }
                outcome.files.push(target);
            }
        }
        State::Done {
            job,
            outputs: outcome.outputs.clone(),
            files: outcome
                .files
                .iter()
                .map(|f| f.to_string_lossy().into_owned())
                .collect(),
        }
    }
}
