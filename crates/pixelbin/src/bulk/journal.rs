//! The journal of a bulk run: what was started, created, finished, so a rerun after a crash
//! (even `kill -9`) does each input once.
//!
//! # Format
//!
//! JSON lines, appended only. The first line is the header:
//! `{"pixelbin_journal":1,"domain":"https://api.pixelbin.io","organization":"6227"}`, the
//! API and organization the run worked on; a journal of another account or domain is refused
//! as a whole. Every other line is a [`Record`]: the whole identity of one input's work
//! ([`ItemId`]: the input path with its size and modification time, and the [`Work`] done
//! with it, e.g. the remote folder and stored name of an upload, the model and its other
//! inputs of a prediction) and its [`State`]. The last record of an input wins; a record whose
//! identity differs from the work planned now (the file changed, another folder, another
//! model) is ignored for that input and reported.
//!
//! # When records are written (fsync policy)
//!
//! A record is written and flushed to the operating system before the step it protects is
//! trusted: the `started` records of uploads before their first byte is sent, a job's
//! `created` record as soon as its create is acknowledged (before it is polled), a `done`
//! record once outputs are saved. Flushed records survive the process being killed. Records
//! that protect credits (`created`, `uncertain`) are also synced to the disk
//! ([`File::sync_data`]), so a power loss does not lose a paid job either; the others are not,
//! because a lost `started` or `done` only costs a check or a transfer, never a second job.
//!
//! # Damage
//!
//! A last line cut short (a crash in the middle of a write) is removed when the journal is
//! opened. Any other line that does not read (not UTF-8, not a record) is an error naming its
//! line number, before anything is sent. A file that does not start with the header is not a
//! journal and is left untouched. One run holds a journal at a time: an exclusive lock on the
//! file makes a second run fail at once.

use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use fs4::fs_std::FileExt as _;
use serde::{Deserialize, Serialize};

use super::Error;

/// The journal format this version writes and reads.
pub const JOURNAL_VERSION: u32 = 1;

/// The account a run works on: the API domain and the organization of the API token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// The API origin, e.g. `https://api.pixelbin.io`.
    pub domain: String,
    /// The organization the token belongs to (its id).
    pub organization: String,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "organization {} at {}", self.organization, self.domain)
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    pixelbin_journal: u32,
    #[serde(flatten)]
    scope: Scope,
}

/// The whole identity of one input's work: a record applies to an input only when all of it
/// matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemId {
    /// The input file, as [`path_key`] writes it (lossy when not UTF-8).
    pub input: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its modification time, in nanoseconds since the Unix epoch.
    pub modified: Option<u64>,
    /// What is done with it.
    pub work: Work,
}

impl ItemId {
    /// The identity of `work` on the file `input` of `size` bytes modified at `modified`.
    pub fn new(input: &Path, size: u64, modified: Option<SystemTime>, work: Work) -> ItemId {
        ItemId {
            input: path_key(input).to_string_lossy().into_owned(),
            size,
            modified: modified
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .and_then(|d| u64::try_from(d.as_nanos()).ok()),
            work,
        }
    }
}

/// How a local path (an input, an output) is written in a journal: absolute, without `.` components, repeated
/// or trailing separators, so `photos/a.png`, `./photos/a.png` and `$PWD/photos/a.png` are
/// one input (a rerun spelled another way finds its records). Symlinks are not resolved: the
/// walk already visits each real file once.
pub fn path_key(path: &Path) -> PathBuf {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// What a bulk run does with an input. New kinds of bulk work add a variant here, so one
/// journal format serves them all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Work {
    /// Stored as `folder/name` (the name the service gives it).
    Upload {
        /// The remote folder (`""` for the root).
        folder: String,
        /// The stored name, extension included.
        name: String,
    },
    /// Sent as input `key` of a job of `model`, with the other `inputs`, outputs saved in
    /// `output`.
    Predict {
        /// The model, e.g. `erase_bg`.
        model: String,
        /// The input the file is sent as, e.g. `image`.
        key: String,
        /// The other inputs, as canonical JSON.
        inputs: String,
        /// The folder outputs are saved in, if any.
        output: Option<String>,
    },
    /// Uploaded to the working folder as `folder/name`, its URL through `pattern` fetched
    /// and saved in `output`.
    Transform {
        /// The transformation pattern, canonical.
        pattern: String,
        /// The working folder it is uploaded to, its sub-folder included.
        folder: String,
        /// The stored name in the working folder, extension included.
        name: String,
        /// The folder outputs are saved in.
        output: String,
    },
}

impl fmt::Display for Work {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Work::Upload { folder, name } if folder.is_empty() => write!(f, "an upload to {name}"),
            Work::Upload { folder, name } => write!(f, "an upload to {folder}/{name}"),
            Work::Predict { model, .. } => write!(f, "a {model} prediction"),
            Work::Transform { pattern, .. } => write!(f, "a transformation through {pattern}"),
        }
    }
}

/// Where an input's work stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum State {
    /// About to be sent (an upload): it may have reached the server.
    Started,
    /// Uploaded (a transformation's working upload): fetch it, never upload it again.
    Uploaded {
        /// Its stored path (`folder/name`).
        file: String,
        /// Its URL on the CDN.
        url: String,
    },
    /// A job was created for it (its create was acknowledged): wait for it, never create again.
    Created {
        /// The job's id.
        job: String,
    },
    /// Its create may have reached the server (no answer came): not sent again, so it is never
    /// paid twice.
    Uncertain {
        /// What happened.
        error: String,
    },
    /// Finished.
    Done {
        /// The job's id, for a prediction.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        job: Option<String>,
        /// Output URLs, or the stored file's URL.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        outputs: Vec<String>,
        /// Files saved.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        files: Vec<String>,
    },
    /// The job ended in `FAILURE`: finished, not tried again.
    Failed {
        /// The job's id.
        job: Option<String>,
        /// The service's reason.
        error: String,
    },
    /// An error: the next run tries again (waiting for `job` if there is one).
    Error {
        /// The job's id, when one was created.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        job: Option<String>,
        /// What happened.
        error: String,
    },
    /// Never created: the run stopped first (e.g. the credits ran out).
    NotCreated {
        /// Why.
        reason: String,
    },
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Which input and what work.
    #[serde(flatten)]
    pub item: ItemId,
    /// Where it stands.
    #[serde(flatten)]
    pub state: State,
}

/// What the journal knows of an input's work.
#[derive(Debug, PartialEq)]
pub enum Past<'a> {
    /// Nothing: new work.
    New,
    /// The last state recorded for exactly this work.
    Known(&'a State),
    /// A record for this input, of other work or of the file before it changed: ignored.
    Other(&'a ItemId),
}

/// An open journal, locked for this run (see the [module docs](self)).
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    last: HashMap<String, Record>,
    repaired: bool,
}

impl Journal {
    /// Opens the journal at `path` for work on `scope`, creating it (and its folder) when
    /// missing, and reads what it holds.
    ///
    /// # Errors
    /// [`Error::JournalLocked`] when another run holds it, [`Error::NotAJournal`] for a file
    /// of something else, [`Error::JournalLine`] for a damaged line,
    /// [`Error::JournalScope`] for a journal of another account, [`Error::Journal`] when it
    /// cannot be read or written.
    pub fn open(path: &Path, scope: &Scope) -> Result<Journal, Error> {
        let io = |source| Error::Journal {
            path: path.to_path_buf(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        // Held until the file is closed (the process ends, even killed).
        if !file.try_lock_exclusive().map_err(io)? {
            return Err(Error::JournalLocked {
                path: path.to_path_buf(),
            });
        }
        let header = serde_json::to_string(&Header {
            pixelbin_journal: JOURNAL_VERSION,
            scope: scope.clone(),
        })
        .map_err(|e| io(e.into()))?;
        // A journal is read whole; its header is checked on the first bytes so a large file
        // of something else is refused without being read.
        let mut start = Vec::new();
        (&mut file).take(4096).read_to_end(&mut start).map_err(io)?;
        let mut journal = Journal {
            path: path.to_path_buf(),
            file,
            last: HashMap::new(),
            repaired: false,
        };
        let Some(first_end) = start.iter().position(|&b| b == b'\n') else {
            // Empty, or a header cut short by a crash at creation: start afresh.
            if !header.as_bytes().starts_with(&start)
                && !start.starts_with(b"{\"pixelbin_journal\"")
            {
                return Err(journal.not_a_journal());
            }
            journal.repaired = !start.is_empty();
            journal.file.set_len(0).map_err(io)?;
            journal.append(format!("{header}\n").as_bytes(), false)?;
            return Ok(journal);
        };
        let found: Header = std::str::from_utf8(&start[..first_end])
            .ok()
            .and_then(|line| serde_json::from_str(line).ok())
            .ok_or_else(|| journal.not_a_journal())?;
        if found.pixelbin_journal != JOURNAL_VERSION {
            return Err(Error::JournalLine {
                path: path.to_path_buf(),
                line: 1,
                why: format!(
                    "journal version {} is not the supported version {JOURNAL_VERSION}",
                    found.pixelbin_journal
                ),
            });
        }
        if found.scope != *scope {
            return Err(Error::JournalScope {
                path: path.to_path_buf(),
                found: Box::new(found.scope),
                expected: Box::new(scope.clone()),
            });
        }
        let mut bytes = start;
        journal.file.read_to_end(&mut bytes).map_err(io)?;
        journal.read_records(&bytes)?;
        journal.file.seek(SeekFrom::End(0)).map_err(io)?;
        Ok(journal)
    }

    /// The journal of a run on `client`'s account at `path`, if any; a repair done on opening
    /// is added to `notices`.
    pub(crate) async fn for_run(
        client: &crate::PixelbinClient,
        path: Option<&Path>,
        notices: &mut Vec<super::Notice>,
    ) -> Result<Option<Journal>, Error> {
        let Some(path) = path else {
            return Ok(None);
        };
        let journal = Journal::open(path, &super::scope(client).await?)?;
        if journal.was_repaired() {
            notices.push(super::Notice::JournalRepaired {
                path: path.to_path_buf(),
            });
        }
        Ok(Some(journal))
    }

    fn not_a_journal(&self) -> Error {
        Error::NotAJournal {
            path: self.path.clone(),
        }
    }

    /// Reads the records after the header; a torn last line is cut off.
    fn read_records(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let mut offset = 0;
        for (index, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
            let start = offset;
            offset += line.len();
            if index == 0 {
                continue; // The header, checked already.
            }
            let complete = line.ends_with(b"\n");
            let text = line.strip_suffix(b"\n").unwrap_or(line);
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let bad = |why: String| Error::JournalLine {
                path: self.path.clone(),
                line: index + 1,
                why,
            };
            let parsed = std::str::from_utf8(text)
                .map_err(|_| bad("it is not valid UTF-8".into()))
                .and_then(|t| {
                    serde_json::from_str::<Record>(t)
                        .map_err(|e| bad(format!("it is not a journal record ({e})")))
                });
            match parsed {
                Ok(record) => {
                    if !complete {
                        // Whole but for its newline: keep it, end it.
                        self.append(b"\n", false)?;
                        self.repaired = true;
                    }
                    self.last.insert(record.item.input.clone(), record);
                }
                Err(_) if !complete => {
                    // The last line, cut short by a crash mid-write.
                    let io = |source| Error::Journal {
                        path: self.path.clone(),
                        source,
                    };
                    self.file.set_len(start as u64).map_err(io)?;
                    self.repaired = true;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Whether opening removed (or completed) a last line cut short by a crash.
    pub fn was_repaired(&self) -> bool {
        self.repaired
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the journal knows of `item`.
    pub fn past(&self, item: &ItemId) -> Past<'_> {
        match self.last.get(&item.input) {
            None => Past::New,
            Some(record) if record.item == *item => Past::Known(&record.state),
            Some(record) => Past::Other(&record.item),
        }
    }

    /// Appends a record, flushed to the operating system.
    ///
    /// # Errors
    /// [`Error::Journal`] when it cannot be written.
    pub fn record(&mut self, item: &ItemId, state: State) -> Result<(), Error> {
        self.write(item, state, false)
    }

    /// Appends a record and syncs it to the disk (for records that protect credits).
    ///
    /// # Errors
    /// [`Error::Journal`] when it cannot be written.
    pub fn record_synced(&mut self, item: &ItemId, state: State) -> Result<(), Error> {
        self.write(item, state, true)
    }

    fn write(&mut self, item: &ItemId, state: State, sync: bool) -> Result<(), Error> {
        let record = Record {
            item: item.clone(),
            state,
        };
        let mut line = serde_json::to_vec(&record).map_err(|e| Error::Journal {
            path: self.path.clone(),
            source: e.into(),
        })?;
        line.push(b'\n');
        self.append(&line, sync)?;
        self.last.insert(record.item.input.clone(), record);
        Ok(())
    }

    fn append(&mut self, bytes: &[u8], sync: bool) -> Result<(), Error> {
        self.file
            .write_all(bytes)
            .and_then(|()| self.file.flush())
            .and_then(|()| if sync { self.file.sync_data() } else { Ok(()) })
            .map_err(|source| Error::Journal {
                path: self.path.clone(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_is_one_key_however_it_is_spelled() {
        let here = std::env::current_dir().unwrap();
        let key = path_key(&here.join("photos/a.png"));
        for spelling in [
            "photos/a.png",
            "./photos/a.png",
            "photos//a.png",
            "./photos/./a.png",
        ] {
            assert_eq!(path_key(Path::new(spelling)), key, "{spelling}");
        }
        let work = Work::Upload {
            folder: "f".into(),
            name: "a.png".into(),
        };
        assert_eq!(
            ItemId::new(Path::new("./photos/a.png"), 1, None, work.clone()),
            ItemId::new(&here.join("photos/a.png"), 1, None, work)
        );
    }

    fn scope() -> Scope {
        Scope {
            domain: "http://127.0.0.1:1".into(),
            organization: "42".into(),
        }
    }

    fn item(input: &str, folder: &str) -> ItemId {
        ItemId {
            input: input.into(),
            size: 3,
            modified: Some(7),
            work: Work::Upload {
                folder: folder.into(),
                name: "a.png".into(),
            },
        }
    }

    #[test]
    fn records_are_read_back_by_whole_identity() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/j.jsonl");
        let mut journal = Journal::open(&path, &scope()).unwrap();
        let a = item("a.png", "destA");
        assert_eq!(journal.past(&a), Past::New);
        journal.record(&a, State::Started).unwrap();
        let done = State::Done {
            job: None,
            outputs: vec!["u".into()],
            files: vec![],
        };
        journal.record(&a, done.clone()).unwrap();
        drop(journal);
        let journal = Journal::open(&path, &scope()).unwrap();
        assert!(!journal.was_repaired());
        assert_eq!(journal.past(&a), Past::Known(&done));
        // Another destination, or the file changed: not this work.
        assert!(matches!(
            journal.past(&item("a.png", "destB")),
            Past::Other(_)
        ));
        let mut changed = a.clone();
        changed.size = 4;
        assert!(matches!(journal.past(&changed), Past::Other(_)));
        drop(journal);
        // Another account: refused whole.
        let other = Scope {
            organization: "43".into(),
            ..scope()
        };
        let err = Journal::open(&path, &other).unwrap_err();
        assert!(matches!(err, Error::JournalScope { .. }), "{err}");
        assert!(err.to_string().contains("organization 42"), "{err}");
    }

    #[test]
    fn a_transform_record_applies_only_to_the_same_pattern_folders_and_output() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let transform = |pattern: &str, folder: &str, output: &str| ItemId {
            input: "a.png".into(),
            size: 3,
            modified: Some(7),
            work: Work::Transform {
                pattern: pattern.into(),
                folder: folder.into(),
                name: "a.png".into(),
                output: output.into(),
            },
        };
        let a = transform("t.flip()", "w1", "out");
        let uploaded = State::Uploaded {
            file: "w1/a.png".into(),
            url: "http://127.0.0.1:1/v2/c/original/w1/a.png".into(),
        };
        let mut journal = Journal::open(&path, &scope()).unwrap();
        journal.record(&a, uploaded.clone()).unwrap();
        drop(journal);
        let journal = Journal::open(&path, &scope()).unwrap();
        assert_eq!(journal.past(&a), Past::Known(&uploaded));
        for other in [
            transform("t.flop()", "w1", "out"),
            transform("t.flip()", "w2", "out"),
            transform("t.flip()", "w1", "out2"),
            item("a.png", "w1"),
        ] {
            let Past::Other(recorded) = journal.past(&other) else {
                panic!("{other:?} took the record of {a:?}");
            };
            assert!(
                recorded.work.to_string().contains("t.flip()"),
                "{recorded:?}"
            );
        }
    }

    #[test]
    fn a_second_run_is_locked_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let _first = Journal::open(&path, &scope()).unwrap();
        let err = Journal::open(&path, &scope()).unwrap_err();
        assert!(matches!(err, Error::JournalLocked { .. }), "{err}");
    }

    #[test]
    fn damage_is_repaired_or_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mut journal = Journal::open(&path, &scope()).unwrap();
        let a = item("a.png", "");
        journal.record(&a, State::Started).unwrap();
        drop(journal);
        let good = std::fs::read(&path).unwrap();

        // A torn last line is cut off, and the next record starts on a line of its own.
        let mut torn = good.clone();
        torn.extend_from_slice(br#"{"input":"b.png","si"#);
        std::fs::write(&path, &torn).unwrap();
        let mut journal = Journal::open(&path, &scope()).unwrap();
        assert!(journal.was_repaired());
        assert_eq!(journal.past(&a), Past::Known(&State::Started));
        journal.record(&item("b.png", ""), State::Started).unwrap();
        drop(journal);
        let journal = Journal::open(&path, &scope()).unwrap();
        assert_eq!(
            journal.past(&item("b.png", "")),
            Past::Known(&State::Started)
        );
        drop(journal);

        // Invalid UTF-8 or a foreign line in the middle: an error naming the line.
        for bad in [&b"\xff\xfe\n"[..], b"{\"not\":\"a record\"}\n"] {
            let mut damaged = good.clone();
            damaged.extend_from_slice(bad);
            damaged.extend_from_slice(&good[good.iter().position(|&b| b == b'\n').unwrap() + 1..]);
            std::fs::write(&path, &damaged).unwrap();
            let err = Journal::open(&path, &scope()).unwrap_err();
            assert!(matches!(err, Error::JournalLine { line: 3, .. }), "{err}");
            assert!(err.to_string().contains("line 3"), "{err}");
            assert_eq!(std::fs::read(&path).unwrap(), damaged, "left as it was");
        }
    }

    #[test]
    fn a_file_of_something_else_is_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("photo.png");
        let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
        std::fs::write(&path, &png).unwrap();
        let err = Journal::open(&path, &scope()).unwrap_err();
        assert!(matches!(err, Error::NotAJournal { .. }), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), png);
        std::fs::write(&path, b"no newline at all").unwrap();
        assert!(matches!(
            Journal::open(&path, &scope()),
            Err(Error::NotAJournal { .. })
        ));
    }
}
