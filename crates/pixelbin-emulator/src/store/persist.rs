//! `--data-dir DIR`: files, folders, presets, credentials and prediction jobs kept across
//! restarts.
//!
//! File contents already live on disk under the emulator's directory; with a data directory
//! that directory is `DIR` (kept) instead of a temporary one, and after every successful
//! change (any request but a GET, HEAD or upload part PUT answered 2xx) the records are written
//! to `DIR/store.json`, atomically (a new file renamed over the old), so a crash mid-write
//! never damages the last good copy. Contents held in memory (the playground asset,
//! prediction inputs and outputs) are written next to it once. Read back, every job is final,
//! and URLs that named the old address are rewritten to the new one. Uploads in progress,
//! request counts, webhook attempts and credit balances are not kept.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::{
    Blob, CredentialRecord, FileRecord, FolderRecord, Job, Outcome, PartFile, PresetRecord,
    ServedBlob, Store,
};

/// Name of the records file in the data directory.
const STORE_FILE: &str = "store.json";

/// What `store.json` holds.
#[derive(Serialize, Deserialize)]
struct Snapshot {
    /// The address the URLs inside were made for.
    base_url: String,
    seq: u64,
    files: Vec<StoredFile>,
    folders: Vec<FolderRecord>,
    presets: Vec<PresetRecord>,
    credentials: Vec<CredentialRecord>,
    jobs: Vec<Job>,
    served: Vec<StoredServed>,
}

/// A file record and where its content is, relative to the data directory.
#[derive(Serialize, Deserialize)]
struct StoredFile {
    record: FileRecord,
    /// The content's files in order (one, or a multipart upload's parts) and their sizes.
    content: Vec<(PathBuf, u64)>,
}

/// A prediction input or output served under `path`.
#[derive(Serialize, Deserialize)]
struct StoredServed {
    path: String,
    content_type: String,
    file: PathBuf,
}

/// Reads the store kept in `dir`, if there is one; URLs made for another address are
/// rewritten to `base_url`.
pub fn load(dir: &Path, base_url: &str) -> std::io::Result<Option<Store>> {
    let text = match std::fs::read(dir.join(STORE_FILE)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let snapshot: Snapshot = serde_json::from_slice(&text).map_err(|e| {
        std::io::Error::other(format!(
            "{} is not a store this emulator wrote ({e}); move it away to start afresh",
            dir.join(STORE_FILE).display()
        ))
    })?;
    let rebase = |url: &str| match url.strip_prefix(&snapshot.base_url) {
        Some(rest) => format!("{base_url}{rest}"),
        None => url.to_string(),
    };
    let mut store = Store::default();
    store.resume_seq(snapshot.seq);
    for stored in snapshot.files {
        let mut record = stored.record;
        let parts: Vec<PartFile> = stored
            .content
            .into_iter()
            .map(|(path, size)| PartFile {
                path: dir.join(path),
                size,
            })
            .collect();
        record.blob = match <[PartFile; 1]>::try_from(parts) {
            Ok([one]) => Blob::Disk(one.path),
            Err(parts) => Blob::Parts(Arc::from(parts)),
        };
        store.files.insert(record.id.clone(), record);
    }
    for folder in snapshot.folders {
        store.folders.insert(folder.id.clone(), folder);
    }
    for preset in snapshot.presets {
        store.presets.insert(preset.preset_name.clone(), preset);
    }
    for credential in snapshot.credentials {
        store
            .credentials
            .insert(credential.plugin_id.clone(), credential);
    }
    for mut job in snapshot.jobs {
        rebase_urls(&mut job.input, &rebase);
        if let Outcome::Success { output, .. } = &mut job.outcome {
            for url in output.iter_mut() {
                *url = rebase(url);
            }
        }
        store.jobs.insert(job.id.clone(), job);
    }
    for served in snapshot.served {
        let bytes = std::fs::read(dir.join(&served.file))?;
        store.served.insert(
            served.path,
            ServedBlob {
                content_type: served.content_type,
                bytes: Bytes::from(bytes),
            },
        );
    }
    Ok(Some(store))
}

fn rebase_urls(value: &mut Value, rebase: &dyn Fn(&str) -> String) {
    match value {
        Value::String(s) => *s = rebase(s),
        Value::Array(items) => items.iter_mut().for_each(|v| rebase_urls(v, rebase)),
        Value::Object(map) => map.values_mut().for_each(|v| rebase_urls(v, rebase)),
        _ => {}
    }
}

/// Writes `store` to `dir` (see the module docs).
pub fn save(store: &Store, dir: &Path, base_url: &str) -> std::io::Result<()> {
    let mut files = Vec::with_capacity(store.files.len());
    for record in store.files.values() {
        let content = match &record.blob {
            Blob::Memory(bytes) => {
                let relative = PathBuf::from("blobs").join(format!("memory-{}", record.id));
                write_once(&dir.join(&relative), bytes)?;
                vec![(relative, bytes.len() as u64)]
            }
            Blob::Disk(path) => vec![(relative_to(dir, path)?, record.size)],
            Blob::Parts(parts) => parts
                .iter()
                .map(|p| Ok((relative_to(dir, &p.path)?, p.size)))
                .collect::<std::io::Result<_>>()?,
        };
        files.push(StoredFile {
            record: record.clone(),
            content,
        });
    }
    let mut served = Vec::with_capacity(store.served.len());
    // Sorted so the same store always writes the same file.
    let by_path: BTreeMap<&String, &ServedBlob> = store.served.iter().collect();
    for (path, blob) in by_path {
        let digest = <sha2::Sha256 as sha2::Digest>::digest(path.as_bytes());
        let relative = PathBuf::from("served").join(hex::encode(&digest[..16]));
        write_once(&dir.join(&relative), &blob.bytes)?;
        served.push(StoredServed {
            path: path.clone(),
            content_type: blob.content_type.clone(),
            file: relative,
        });
    }
    let snapshot = Snapshot {
        base_url: base_url.to_string(),
        seq: store.seq(),
        files,
        folders: store.folders.values().cloned().collect(),
        presets: store.presets.values().cloned().collect(),
        credentials: store.credentials.values().cloned().collect(),
        jobs: store.jobs.values().cloned().collect(),
        served,
    };
    let text = serde_json::to_vec(&snapshot).map_err(std::io::Error::other)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(&text)?;
    temp.as_file().sync_all()?;
    temp.persist(dir.join(STORE_FILE)).map_err(|e| e.error)?;
    Ok(())
}

/// `path` relative to the data directory (contents outside it cannot be kept).
fn relative_to(dir: &Path, path: &Path) -> std::io::Result<PathBuf> {
    path.strip_prefix(dir).map(Path::to_path_buf).map_err(|_| {
        std::io::Error::other(format!(
            "{} is outside the data directory {}",
            path.display(),
            dir.display()
        ))
    })
}

/// Writes `bytes` to `path` unless a file is already there (contents never change).
fn write_once(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut temp = tempfile::NamedTempFile::new_in(path.parent().unwrap_or(Path::new(".")))?;
    temp.write_all(bytes)?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
