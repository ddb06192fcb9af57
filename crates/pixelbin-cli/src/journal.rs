//! The journal of a bulk command: one JSON line per event, flushed as it happens, so a rerun
//! after a crash (even `kill -9`) knows what was already paid for and what is done.
//!
//! Lines are `{"input": PATH, "id": ID}` when a job's create is acknowledged and
//! `{"input": PATH, "id": ID|null, "status": STATUS, "files": [...], "url": URL|null}` when the
//! input is finished. The last line of an input wins; a torn last line (a crash mid-write) is
//! ignored.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

/// What the journal knows of one input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The input, as reported (a path).
    pub input: String,
    /// The job id, once its create was acknowledged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The final status, once the input is finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Files written for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<PathBuf>,
    /// Output URLs of a prediction, or the stored file's URL of an upload.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<String>,
}

/// An append-only journal file.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens (creating) the journal at `path` and reads what it holds, by input.
    pub fn open(path: &Path) -> anyhow::Result<(Journal, HashMap<String, Entry>)> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("could not create {}", parent.display()))?;
        }
        let mut known = HashMap::new();
        if let Ok(file) = File::open(path) {
            for line in BufReader::new(file).lines() {
                let Ok(line) = line else { break };
                // A torn line from a crash mid-write reads as garbage: skip it.
                if let Ok(entry) = serde_json::from_str::<Entry>(&line) {
                    known.insert(entry.input.clone(), entry);
                }
            }
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("could not open the journal {}", path.display()))?;
        // A torn last line must not swallow the next record.
        if std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) > 0 {
            let ends_cleanly = std::fs::read(path)
                .map(|bytes| bytes.last() == Some(&b'\n'))
                .unwrap_or(true);
            if !ends_cleanly {
                file.write_all(b"\n")
                    .with_context(|| format!("could not write to {}", path.display()))?;
            }
        }
        Ok((
            Journal {
                path: path.to_path_buf(),
                file,
            },
            known,
        ))
    }

    /// Appends `entry` as one line and flushes it to the OS, so it survives the process.
    pub fn record(&mut self, entry: &Entry) -> anyhow::Result<()> {
        let mut line = serde_json::to_vec(entry).context("could not encode a journal line")?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.flush())
            .with_context(|| format!("could not write to the journal {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_line_of_an_input_wins_and_torn_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (mut journal, known) = Journal::open(&path).unwrap();
        assert!(known.is_empty());
        let created = Entry {
            input: "a.png".into(),
            id: Some("x--y--1".into()),
            ..Entry::default()
        };
        journal.record(&created).unwrap();
        journal
            .record(&Entry {
                input: "b.png".into(),
                id: Some("x--y--2".into()),
                ..Entry::default()
            })
            .unwrap();
        let done = Entry {
            status: Some("SUCCESS".into()),
            files: vec!["out/b.png".into()],
            ..Entry {
                input: "b.png".into(),
                id: Some("x--y--2".into()),
                ..Entry::default()
            }
        };
        journal.record(&done).unwrap();
        drop(journal);
        // A crash mid-write leaves half a line.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(br#"{"input": "c.png", "i"#)
            .unwrap();
        let (mut journal, known) = Journal::open(&path).unwrap();
        assert_eq!(known.len(), 2);
        assert_eq!(known["a.png"], created);
        assert_eq!(known["b.png"], done);
        journal
            .record(&Entry {
                input: "c.png".into(),
                id: Some("x--y--3".into()),
                ..Entry::default()
            })
            .unwrap();
        let (_, known) = Journal::open(&path).unwrap();
        assert_eq!(known["c.png"].id.as_deref(), Some("x--y--3"));
    }
}
