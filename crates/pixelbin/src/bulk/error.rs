//! Why a bulk run could not start. Each is found before anything is sent.

use std::path::PathBuf;

use super::Scope;
use crate::upload::NameError;

/// Why a bulk run did not start; nothing was sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input file or folder given cannot be read.
    #[error("cannot read {}", path.display())]
    Input {
        /// The path given.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The inputs hold no file.
    #[error("found no files to work on (hidden files are skipped)")]
    NoInputs,
    /// Two inputs would be stored under one name: one would replace the other.
    #[error(
        "{} and {} would both be stored as {stored}",
        first.display(),
        second.display()
    )]
    RemoteNameClash {
        /// The first input.
        first: PathBuf,
        /// The second input.
        second: PathBuf,
        /// The stored path they share.
        stored: String,
    },
    /// Two inputs would save their outputs to one file.
    #[error(
        "{} and {} would both save their output as {}",
        first.display(),
        second.display(),
        output.display()
    )]
    OutputClash {
        /// The first input.
        first: PathBuf,
        /// The second input.
        second: PathBuf,
        /// The output they share, extension left out (it is the output's).
        output: PathBuf,
    },
    /// An output file the job of an input would write exists already (replacing it was not
    /// asked for): found before the job is created, so it costs no credit.
    #[error(
        "{} exists already and the output of {} would replace it",
        output.display(),
        input.display()
    )]
    OutputExists {
        /// The input.
        input: PathBuf,
        /// The file in the way.
        output: PathBuf,
    },
    /// An input's name cannot be stored.
    #[error("cannot store {}", path.display())]
    BadName {
        /// The input.
        path: PathBuf,
        /// Why.
        #[source]
        source: NameError,
    },
    /// The remote folder is malformed.
    #[error(transparent)]
    BadFolder(#[from] NameError),
    /// The output folder cannot be created or written to.
    #[error("cannot write to the output folder {}", dir.display())]
    OutputNotWritable {
        /// The folder.
        dir: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Another run holds the journal.
    #[error(
        "another run is using the journal {}; wait for it to end, or give this run its own journal file",
        path.display()
    )]
    JournalLocked {
        /// The journal.
        path: PathBuf,
    },
    /// The journal path holds something else; it was left untouched.
    #[error(
        "{} is not a pixelbin journal (it was left untouched); give a new file for the journal",
        path.display()
    )]
    NotAJournal {
        /// The path.
        path: PathBuf,
    },
    /// A line of the journal does not read.
    #[error(
        "the journal {} is damaged at line {line}: {why}; nothing was sent (fix or remove that line)",
        path.display()
    )]
    JournalLine {
        /// The journal.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// What is wrong with it.
        why: String,
    },
    /// The journal was written for another account or API domain.
    #[error(
        "the journal {} belongs to {found}, and this run works on {expected}; give this run its own journal file",
        path.display()
    )]
    JournalScope {
        /// The journal.
        path: PathBuf,
        /// The account it was written for.
        found: Box<Scope>,
        /// The account of this run.
        expected: Box<Scope>,
    },
    /// The journal cannot be read or written.
    #[error("cannot use the journal {}", path.display())]
    Journal {
        /// The journal.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The organization of the API token could not be read (a journal is tied to it).
    #[error("could not read which organization the API token belongs to")]
    Scope(#[source] Box<crate::Error>),
    /// The transformation pattern does not read, or an operation or value is not in the
    /// catalogue.
    #[error("the transformation pattern {pattern:?} is not valid: {why}")]
    Pattern {
        /// The pattern given.
        pattern: String,
        /// What is wrong, naming the operation and parameter.
        why: String,
    },
    /// The industry type cannot be applied to the pattern.
    #[error("cannot apply the industry type: {why}")]
    IndustryType {
        /// Why.
        why: String,
    },
    /// No output folder was given.
    #[error("no output folder was given; outputs need a folder to be saved in")]
    NoOutput,
    /// The working folder is the root (its uploads are deleted at the end: a folder of its
    /// own is needed).
    #[error(
        "the working folder cannot be the root: its uploads are deleted at the end; give a folder of its own"
    )]
    WorkingFolderRoot,
    /// A blocking run could not start (e.g. it was called inside an async runtime).
    #[error(transparent)]
    Blocking(Box<crate::Error>),
    /// A remote folder could not be listed (to find files stored by an interrupted run).
    #[error("could not list the remote folder {folder:?}")]
    Listing {
        /// The folder.
        folder: String,
        /// Why.
        #[source]
        source: Box<crate::http::Error>,
    },
}
