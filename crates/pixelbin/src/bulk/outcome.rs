//! What a bulk run reports: notices, one outcome per input, and a summary.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// One event of a [`BulkStream`](super::BulkStream).
#[derive(Debug)]
pub enum Event {
    /// Something skipped or noticed that does not stop the run.
    Notice(Notice),
    /// One input ended (or was skipped as done by an earlier run).
    Item(ItemOutcome),
    /// The run ended; always the last event.
    Finished(Summary),
}

/// Something a run skipped or noticed, reported once.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// A link to a file or folder already visited (a loop, or the same file twice): skipped.
    AlreadyVisited {
        /// The link.
        path: PathBuf,
        /// Where it was visited first.
        first: PathBuf,
    },
    /// A link to nothing: skipped.
    DanglingLink {
        /// The link.
        path: PathBuf,
        /// Why it cannot be followed.
        error: String,
    },
    /// A folder that cannot be read: its files are left out.
    UnreadableFolder {
        /// The folder.
        path: PathBuf,
        /// Why.
        error: String,
    },
    /// The journal holds a record for this input, of other work: it does not apply.
    JournalIgnored {
        /// The input.
        input: PathBuf,
        /// What the record was for.
        recorded: String,
    },
    /// The journal's last line was cut short by a crash; it was removed.
    JournalRepaired {
        /// The journal.
        path: PathBuf,
    },
    /// A file whose name is not an image's (by its extension): a transformation run leaves
    /// it out.
    NotAnImage {
        /// The file.
        path: PathBuf,
    },
    /// A transformation run deleted its working uploads.
    WorkingFolderDeleted {
        /// The working folder.
        folder: String,
        /// Files deleted.
        files: usize,
        /// Whether the folder itself was removed (it held nothing else).
        removed: bool,
    },
    /// A transformation run kept its working uploads.
    WorkingFolderKept {
        /// The working folder.
        folder: String,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::AlreadyVisited { path, first } => write!(
                f,
                "skipped {}: already visited as {} (a link loop or a second link)",
                path.display(),
                first.display()
            ),
            Notice::DanglingLink { path, error } => {
                write!(f, "skipped {}: a link to nothing ({error})", path.display())
            }
            Notice::UnreadableFolder { path, error } => {
                write!(f, "skipped the folder {}: {error}", path.display())
            }
            Notice::JournalIgnored { input, recorded } => write!(
                f,
                "{}: the journal's record is of other work ({recorded}); doing it afresh",
                input.display()
            ),
            Notice::NotAnImage { path } => write!(
                f,
                "skipped {}: not named as an image (.png, .jpeg, .webp, ...)",
                path.display()
            ),
            Notice::WorkingFolderDeleted {
                folder,
                files,
                removed,
            } => {
                write!(f, "deleted {files} working uploads from {folder}")?;
                if *removed {
                    write!(f, " and the folder")?;
                }
                Ok(())
            }
            Notice::WorkingFolderKept { folder, reason } => {
                write!(f, "the working uploads in {folder} were kept: {reason}")
            }
            Notice::JournalRepaired { path } => write!(
                f,
                "the journal {} ended with a line cut short (a crash mid-write); it was removed",
                path.display()
            ),
        }
    }
}

/// How one input ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ItemStatus {
    /// Uploaded, or the job succeeded and its outputs were saved.
    Done,
    /// Done by an earlier run (journal), or already stored (skip-existing).
    Skipped,
    /// The job ended in `FAILURE` (not tried again).
    Failed,
    /// An error; a rerun tries again.
    Error,
    /// Its create may have reached the server without an answer: not sent again, so it is not
    /// paid twice.
    Uncertain,
    /// Never started: the run stopped first.
    NotCreated,
}

impl fmt::Display for ItemStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ItemStatus::Done => "DONE",
            ItemStatus::Skipped => "SKIPPED",
            ItemStatus::Failed => "FAILURE",
            ItemStatus::Error => "ERROR",
            ItemStatus::Uncertain => "UNCERTAIN",
            ItemStatus::NotCreated => "NOT_CREATED",
        })
    }
}

/// How one input ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ItemOutcome {
    /// The input file.
    pub input: PathBuf,
    /// How it ended.
    pub status: ItemStatus,
    /// The prediction job's id.
    pub job: Option<String>,
    /// Output URLs of a job, or the stored file's URL.
    pub outputs: Vec<String>,
    /// Files saved.
    pub files: Vec<PathBuf>,
    /// What went wrong: the error and each of its causes, once.
    pub error: Option<String>,
}

impl ItemOutcome {
    pub(crate) fn new(input: PathBuf, status: ItemStatus) -> ItemOutcome {
        ItemOutcome {
            input,
            status,
            job: None,
            outputs: Vec::new(),
            files: Vec::new(),
            error: None,
        }
    }
}

/// Why a run stopped before its end.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Stop {
    /// The service refused a create for lack of credits (`403 Usage Limit Exceeded`).
    CreditsRanOut,
    /// The credit limit given to the run was reached.
    CreditLimit {
        /// The limit.
        max_credits: f64,
    },
    /// Connections to the server failed for several inputs in a row.
    ServerGone {
        /// The last error.
        error: String,
    },
    /// The journal could not be written: going on would do work a rerun cannot know of.
    Journal {
        /// The error.
        error: String,
    },
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::CreditsRanOut => f.write_str(
                "the account's credits ran out (403 Usage Limit Exceeded): no new job was created after that; add credits, then run the same command again with the same journal to do the rest",
            ),
            Stop::CreditLimit { max_credits } => write!(
                f,
                "the run reached its limit of {max_credits} credits: no new job was created after that; run it again with the same journal and a higher limit to do the rest"
            ),
            Stop::ServerGone { error } => write!(
                f,
                "stopped: the server could not be reached for {} inputs in a row ({error}); run it again with the same journal once it is back",
                super::GONE_AFTER
            ),
            Stop::Journal { error } => write!(f, "stopped: {error}"),
        }
    }
}

/// The counts of a run and how it ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Inputs planned.
    pub total: usize,
    /// Done now.
    pub done: usize,
    /// Done by an earlier run, or already stored.
    pub skipped: usize,
    /// Jobs that ended in `FAILURE`.
    pub failed: usize,
    /// Inputs that ended with an error.
    pub errors: usize,
    /// Creates that may or may not have reached the server.
    pub uncertain: usize,
    /// Inputs never started because the run stopped.
    pub not_started: usize,
    /// Folders that could not be read ([`Notice::UnreadableFolder`]): their files were left
    /// out, so the run did not do all it was given.
    pub unreadable_folders: usize,
    /// Credits spent by the jobs of this run (their `consumedCredits`).
    pub credits: f64,
    /// Why the run stopped early, if it did.
    pub stopped: Option<Stop>,
}

impl Summary {
    pub(crate) fn count(&mut self, status: ItemStatus) {
        match status {
            ItemStatus::Done => self.done += 1,
            ItemStatus::Skipped => self.skipped += 1,
            ItemStatus::Failed => self.failed += 1,
            ItemStatus::Error => self.errors += 1,
            ItemStatus::Uncertain => self.uncertain += 1,
            ItemStatus::NotCreated => self.not_started += 1,
        }
    }

    /// Counts the inputs of `total` that were neither reported nor counted (a run stopped
    /// before them) as not started.
    pub(crate) fn count_unreported(&mut self) {
        let reported = self.done
            + self.skipped
            + self.errors
            + self.failed
            + self.uncertain
            + self.not_started;
        self.not_started += self.total.saturating_sub(reported);
    }

    /// Counts what a notice means for the run's end: an unreadable folder is work left undone.
    pub(crate) fn note(&mut self, notice: &Notice) {
        if let Notice::UnreadableFolder { .. } = notice {
            self.unreadable_folders += 1;
        }
    }

    /// How the run ended, worst first: stopped for credits, any error (or uncertain create,
    /// an early stop, or a folder that could not be read), any `FAILURE`, else success.
    pub fn exit(&self) -> Exit {
        match &self.stopped {
            Some(Stop::CreditsRanOut | Stop::CreditLimit { .. }) => Exit::OutOfCredits,
            Some(_) => Exit::Errors,
            None if self.errors > 0
                || self.uncertain > 0
                || self.not_started > 0
                || self.unreadable_folders > 0 =>
            {
                Exit::Errors
            }
            None if self.failed > 0 => Exit::SomeFailed,
            None => Exit::Success,
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} inputs: {} done, {} skipped, {} failed, {} errors",
            self.total, self.done, self.skipped, self.failed, self.errors
        )?;
        if self.uncertain > 0 {
            write!(f, ", {} uncertain", self.uncertain)?;
        }
        if self.not_started > 0 {
            write!(f, ", {} not started", self.not_started)?;
        }
        if self.unreadable_folders > 0 {
            write!(f, ", {} folders unreadable", self.unreadable_folders)?;
        }
        Ok(())
    }
}

/// How a run ended, for an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exit {
    /// Every input is done.
    Success,
    /// Some jobs ended in `FAILURE`, nothing else went wrong.
    SomeFailed,
    /// Some inputs ended with an error, were uncertain or never started, or a folder could not
    /// be read.
    Errors,
    /// The credits ran out (or the run's credit limit was reached).
    OutOfCredits,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_folder_is_a_partial_failure_like_a_failed_item() {
        let mut summary = Summary {
            total: 2,
            done: 2,
            ..Summary::default()
        };
        summary.note(&Notice::AlreadyVisited {
            path: "a/again".into(),
            first: "a".into(),
        });
        assert_eq!(
            summary.exit(),
            Exit::Success,
            "a skipped link loses nothing"
        );
        summary.note(&Notice::UnreadableFolder {
            path: "a/locked".into(),
            error: "Permission denied (os error 13)".into(),
        });
        assert_eq!(summary.exit(), Exit::Errors);
        assert_eq!(
            summary.to_string(),
            "2 inputs: 2 done, 0 skipped, 0 failed, 0 errors, 1 folders unreadable"
        );
    }
}
