//! What `predict --each` and `upload PATH...` share: reading a [`BulkStream`]'s events into
//! result lines, notices, a progress bar and a summary, and turning the library's plan errors
//! and [`Exit`] into messages that name CLI flags and into exit codes.
//!
//! Exit codes: 0 every input done or skipped; 4 some predictions ended in `FAILURE` (and
//! nothing else went wrong); 6 the credits ran out (inputs never created are listed, a rerun
//! of the same command does them); 2 a plan refused before anything was sent; 1 otherwise.

use std::path::PathBuf;

use pixelbin::bulk::{self, BulkStream, Event, Exit, ItemOutcome, ItemStatus, StreamExt, Summary};
use serde::Serialize;

use crate::context::Context;
use crate::error::{CliError, Failure};
use crate::progress;

/// The JSON line of one finished prediction input.
#[derive(Debug, Serialize)]
struct JobLine<'a> {
    input: String,
    id: Option<&'a str>,
    status: &'a str,
    outputs: &'a [String],
    files: &'a [PathBuf],
    error: Option<String>,
}

/// The closing summary line of a bulk prediction.
#[derive(Debug, Serialize)]
struct JobCounts {
    total: usize,
    succeeded: usize,
    failed: usize,
    errors: usize,
    skipped: usize,
    #[serde(skip_serializing_if = "is_zero")]
    uncertain: usize,
    #[serde(skip_serializing_if = "is_zero")]
    not_started: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// How a command names its statuses and what a rerun needs.
pub struct Printer {
    /// The word of a done input: `SUCCESS` for a job, `UPLOADED` for a file.
    pub done: &'static str,
    /// What to add to "rerun the same command" (e.g. "with --journal FILE").
    pub rerun: &'static str,
}

impl Printer {
    /// The status word of an outcome.
    pub fn status(&self, status: ItemStatus) -> &'static str {
        match status {
            ItemStatus::Done => self.done,
            ItemStatus::Skipped => "SKIPPED",
            ItemStatus::Failed => "FAILURE",
            ItemStatus::Error => "ERROR",
            ItemStatus::Uncertain => "UNCERTAIN",
            ItemStatus::NotCreated => "NOT_CREATED",
            _ => "UNKNOWN",
        }
    }

    /// Prints every event with `line` (one result line per input) and returns the summary.
    pub async fn drive(
        &self,
        mut stream: BulkStream,
        ctx: &Context,
        mut line: impl FnMut(&ItemOutcome) -> anyhow::Result<()>,
    ) -> anyhow::Result<Summary> {
        let bar = progress::count_bar(ctx.out, stream.total() as u64);
        let (mut ok, mut bad) = (0, 0);
        while let Some(event) = stream.next().await {
            match event {
                Event::Notice(notice) => bar.suspend(|| eprintln!("note: {notice}")),
                Event::Item(item) => {
                    match item.status {
                        ItemStatus::Done | ItemStatus::Skipped => ok += 1,
                        _ => bad += 1,
                    }
                    bar.inc(1);
                    progress::set_batch_message(&bar, ok, bad, None);
                    bar.suspend(|| line(&item))?;
                }
                Event::Finished(summary) => {
                    bar.finish_and_clear();
                    return Ok(summary);
                }
            }
        }
        bar.finish_and_clear();
        anyhow::bail!("the bulk run ended without a summary")
    }

    /// Prints one prediction input's line: `INPUT: STATUS (error)`, `INPUT: STATUS -> FILES`
    /// when outputs were saved, else `INPUT: STATUS URLS`; in JSON its id, outputs and files.
    pub fn job_line(&self, ctx: &Context, item: &ItemOutcome) -> anyhow::Result<()> {
        let line = JobLine {
            input: item.input.display().to_string(),
            id: item.job.as_deref(),
            status: self.status(item.status),
            outputs: &item.outputs,
            files: &item.files,
            error: item.error.as_deref().map(item_error),
        };
        ctx.out.emit_line(&line, |w| {
            let (input, status) = (&line.input, line.status);
            match (&line.error, line.files.is_empty()) {
                (Some(error), _) => writeln!(w, "{input}: {status} ({error})"),
                (None, false) => {
                    let files: Vec<String> =
                        line.files.iter().map(|f| f.display().to_string()).collect();
                    writeln!(w, "{input}: {status} -> {}", files.join(", "))
                }
                (None, true) => writeln!(w, "{input}: {status} {}", line.outputs.join(" ")),
            }
        })
    }

    /// Prints a bulk prediction's summary line.
    pub fn jobs_summary(&self, ctx: &Context, summary: &Summary) -> anyhow::Result<()> {
        let counts = JobCounts {
            total: summary.total,
            succeeded: summary.done,
            failed: summary.failed,
            errors: summary.errors,
            skipped: summary.skipped,
            uncertain: summary.uncertain,
            not_started: summary.not_started,
        };
        let mut text = format!(
            "{} inputs: {} succeeded, {} failed, {} errors, {} skipped",
            counts.total, counts.succeeded, counts.failed, counts.errors, counts.skipped
        );
        if counts.uncertain + counts.not_started > 0 {
            text.push_str(&format!(
                ", {} uncertain, {} not started",
                counts.uncertain, counts.not_started
            ));
        }
        ctx.out.emit_summary(&counts, &text)?;
        Ok(())
    }

    /// The command's result: a message naming what to do, and its exit code.
    pub fn outcome(&self, summary: &Summary) -> anyhow::Result<()> {
        if let Some(stop) = &summary.stopped {
            let failure = match summary.exit() {
                Exit::OutOfCredits => Failure::OutOfCredits,
                _ => return Err(anyhow::anyhow!("{stop}")),
            };
            return Err(CliError::failed(failure, stop.to_string()));
        }
        match summary.exit() {
            Exit::Success => Ok(()),
            Exit::SomeFailed => Err(CliError::failed(
                Failure::PredictionFailed,
                format!("{} of {} predictions failed", summary.failed, summary.total),
            )),
            _ => {
                let mut message = format!(
                    "{} of {} inputs did not finish",
                    summary.errors + summary.uncertain + summary.not_started,
                    summary.total
                );
                if summary.unreadable_folders > 0 {
                    message.push_str(&format!(
                        "; {} folders could not be read (named above), their files were left \
                         out: make them readable, then rerun the same command{}",
                        summary.unreadable_folders, self.rerun
                    ));
                }
                if summary.errors + summary.not_started > 0 {
                    message.push_str(&format!(
                        "; rerun the same command{} to retry them (finished ones are skipped)",
                        self.rerun
                    ));
                }
                if summary.uncertain > 0 {
                    message.push_str(&format!(
                        "; {} creates may have reached the server without an answer: they are \
                         not sent again (so they are not paid twice); check them in the console",
                        summary.uncertain
                    ));
                }
                Err(anyhow::anyhow!(message))
            }
        }
    }
}

/// The error of a plan the library refused (nothing was sent), with the flag that changes it.
pub fn plan_error(error: bulk::Error) -> anyhow::Error {
    let hint = match &error {
        bulk::Error::RemoteNameClash { .. } => {
            "; rename one, or pass --filename-override to store each under a unique name"
        }
        bulk::Error::OutputClash { .. } => {
            "; give one folder holding both as the input (sub-folders keep outputs apart), or rename one"
        }
        bulk::Error::OutputExists { .. } => "; pass --overwrite to replace it",
        bulk::Error::BadFolder(_) => " (--path, --working-folder)",
        bulk::Error::WorkingFolderRoot => " (--working-folder)",
        bulk::Error::Pattern { .. } => {
            " (-t/--pattern; `pixelbin transformations list` lists them)"
        }
        bulk::Error::IndustryType { .. } => " (--industry-type)",
        bulk::Error::NotAJournal { .. }
        | bulk::Error::JournalScope { .. }
        | bulk::Error::JournalLocked { .. } => " (--journal FILE)",
        bulk::Error::Input { .. }
        | bulk::Error::NoInputs
        | bulk::Error::NoOutput
        | bulk::Error::BadName { .. }
        | bulk::Error::JournalLine { .. }
        | bulk::Error::OutputNotWritable { .. } => "",
        _ => return anyhow::anyhow!(bulk::error_chain(&error)),
    };
    CliError::usage(format!("{}{hint}", bulk::error_chain(&error)))
}

/// An item's error as printed: library hints that name a call become the flag that does it.
pub fn item_error(error: &str) -> String {
    error
        .replace(
            "; the upload can be resumed with Uploader::resume",
            "; rerun the same command with --journal FILE to retry it",
        )
        .replace(
            ", Uploader::resume only completes it",
            "; rerun the same command with --journal FILE to retry it",
        )
}
