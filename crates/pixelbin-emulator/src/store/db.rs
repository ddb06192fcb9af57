//! The store in SQLite: files, folders, presets, credentials, prediction jobs and served
//! prediction blobs, one row each, written as they change.
//!
//! With `--data-dir DIR` the database is `DIR/store.sqlite3` (WAL journal, so a crash never
//! damages what was committed); without one it lives in memory, with the same tables and the
//! same constraints. Each lock of the store that changed something is written in one
//! transaction ([`Db::write`]). A file's `fileId` is a UNIQUE column: two files never share one.
//!
//! Contents stay files beside the database, named in each row relative to the directory:
//! uploads under `blobs/` and `uploads/`, generated contents (the playground asset, prediction
//! inputs and outputs) written once, atomically, under `blobs/` and `served/`. At start
//! ([`clean`]), temporaries and contents no row names (a kill mid-upload) are removed. Read back,
//! every job is final, and URLs that named the old address are rewritten to the new one. Webhook
//! attempts are kept (the newest [`LOG_CAPACITY`](crate::jobs::webhooks::LOG_CAPACITY) of them),
//! as is each job's webhook URL. Uploads in progress, request counts and credit balances are
//! not kept.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use crate::jobs::webhooks::WebhookAttempt;

use super::{
    Blob, Change, CredentialRecord, FileRecord, Job, Outcome, PartFile, PresetRecord, ServedBlob,
    Store,
};

/// Name of the database in a data directory.
pub const DB_FILE: &str = "store.sqlite3";

/// Version of the tables below; a database of a newer version is refused.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY,
    file_id TEXT NOT NULL UNIQUE,
    record TEXT NOT NULL,
    content TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS folders (
    id TEXT PRIMARY KEY,
    full_path TEXT NOT NULL UNIQUE,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS presets (name TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (plugin_id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS served (
    path TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    file TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_attempts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    record TEXT NOT NULL
);
";

/// The open database of one emulator.
pub struct Db {
    conn: Connection,
    /// The emulator's directory: contents are named relative to it.
    dir: PathBuf,
    /// The address URLs in the records are made for.
    base_url: String,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// The error for a database that cannot be used: it names the file and what to do.
fn damaged(path: &Path, error: &dyn std::fmt::Display) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "the emulator's store {} cannot be used ({error}); move it away (or delete it, with \
             the files beside it) to start with an empty store, or pass another --data-dir",
            path.display()
        ),
    )
}

impl Db {
    /// Opens (creating it if needed) the database of `dir`: the kept `DIR/store.sqlite3` when
    /// `kept`, else one in memory. URLs are made for `base_url`.
    ///
    /// # Errors
    /// A file that is not a database, is damaged, or was written by a newer emulator: the
    /// message names the file and what to do.
    pub fn open(dir: &Path, kept: bool, base_url: &str) -> std::io::Result<Db> {
        let path = dir.join(DB_FILE);
        let opened = if kept {
            Connection::open(&path)
        } else {
            Connection::open_in_memory()
        };
        let conn = opened.map_err(|e| damaged(&path, &e))?;
        let db = Db {
            conn,
            dir: dir.to_path_buf(),
            base_url: base_url.to_string(),
        };
        db.prepare().map_err(|e| damaged(&path, &e))?;
        Ok(db)
    }

    /// Checks the file is a sound database of ours and creates the tables.
    fn prepare(&self) -> Result<(), String> {
        let sql = |e: rusqlite::Error| e.to_string();
        // WAL: readers never block the writer, and a crash loses at most uncommitted work.
        self.conn
            .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .map_err(sql)?;
        self.conn
            .execute_batch("PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;")
            .map_err(sql)?;
        let check: String = self
            .conn
            .query_row("PRAGMA quick_check", [], |row| row.get(0))
            .map_err(sql)?;
        if check != "ok" {
            return Err(format!("integrity check failed: {check}"));
        }
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(sql)?;
        if version > SCHEMA_VERSION {
            return Err(format!(
                "it was written by a newer emulator (store version {version}, this one reads {SCHEMA_VERSION})"
            ));
        }
        self.conn.execute_batch(SCHEMA).map_err(sql)?;
        self.conn
            .execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))
            .map_err(sql)?;
        Ok(())
    }

    /// Reads the store back, or `None` for a new database.
    ///
    /// # Errors
    /// Rows this emulator cannot read (the message names the database and what to do).
    pub fn load(&self) -> std::io::Result<Option<Store>> {
        let path = self.dir.join(DB_FILE);
        self.read_store().map_err(|e| damaged(&path, &e))
    }

    fn read_store(&self) -> Result<Option<Store>, String> {
        let meta = |key: &str| -> Result<Option<String>, String> {
            self.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                    row.get(0)
                })
                .optional()
                .map_err(|e| e.to_string())
        };
        let Some(seq) = meta("seq")? else {
            return Ok(None);
        };
        let old_base = meta("base_url")?.unwrap_or_default();
        let mut store = Store::default();
        store.resume_seq(seq.parse().map_err(|_| format!("bad seq '{seq}'"))?);

        for (record, content) in
            self.rows::<(String, String)>("SELECT record, content FROM files")?
        {
            let mut record: FileRecord = decode(&record)?;
            let content: Vec<(PathBuf, u64)> = decode(&content)?;
            let parts: Vec<PartFile> = content
                .into_iter()
                .map(|(path, size)| PartFile {
                    path: self.dir.join(path),
                    size,
                })
                .collect();
            record.blob = match <[PartFile; 1]>::try_from(parts) {
                Ok([one]) => Blob::Disk(one.path),
                Err(parts) => Blob::Parts(Arc::from(parts)),
            };
            store.put_file(record);
        }
        for (record,) in self.rows::<(String,)>("SELECT record FROM folders")? {
            store.put_folder(decode(&record)?);
        }
        for (record,) in self.rows::<(String,)>("SELECT record FROM presets")? {
            let preset: PresetRecord = decode(&record)?;
            store.presets.insert(preset.preset_name.clone(), preset);
        }
        for (record,) in self.rows::<(String,)>("SELECT record FROM credentials")? {
            let credential: CredentialRecord = decode(&record)?;
            store
                .credentials
                .insert(credential.plugin_id.clone(), credential);
        }
        let rebase = |url: &str| match url.strip_prefix(old_base.as_str()) {
            Some(rest) if !old_base.is_empty() => format!("{}{rest}", self.base_url),
            _ => url.to_string(),
        };
        for (record,) in self.rows::<(String,)>("SELECT record FROM jobs")? {
            let mut job: Job = decode(&record)?;
            rebase_urls(&mut job.input, &rebase);
            if let Outcome::Success { output, .. } = &mut job.outcome {
                for url in output.iter_mut() {
                    *url = rebase(url);
                }
            }
            store.jobs.insert(job.id.clone(), job);
        }
        let served =
            self.rows::<(String, String, String)>("SELECT path, content_type, file FROM served")?;
        for (path, content_type, file) in served {
            let bytes = std::fs::read(self.dir.join(&file))
                .map_err(|e| format!("served content {file}: {e}"))?;
            store.served.insert(
                path,
                ServedBlob {
                    content_type,
                    bytes: Bytes::from(bytes),
                },
            );
        }
        // Read back, not changed.
        store.take_changes();
        Ok(Some(store))
    }

    /// Every row of `query`.
    fn rows<T: FromRow>(&self, query: &str) -> Result<Vec<T>, String> {
        let mut statement = self.conn.prepare(query).map_err(|e| e.to_string())?;
        let rows = statement
            .query_map([], T::from_row)
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<Vec<T>, _>>()
            .map_err(|e| e.to_string())
    }

    /// Writes the records named by `changes` as `store` has them now (deleting those it no
    /// longer has), in one transaction.
    ///
    /// # Errors
    /// SQLite errors (a full disk...) and failures to write generated contents; nothing of
    /// this write is then committed.
    pub fn write(&mut self, store: &Store, changes: &[Change]) -> std::io::Result<()> {
        let mut seen = HashSet::new();
        let changes: Vec<&Change> = changes.iter().filter(|c| seen.insert(*c)).collect();
        // Contents first (outside the transaction): a row never names a file not yet there.
        let mut contents = Vec::new();
        for change in &changes {
            contents.push(match change {
                Change::File(id) => store
                    .files
                    .get(id)
                    .map(|f| self.content_of(f))
                    .transpose()?,
                Change::Served(path) => store
                    .served
                    .get(path)
                    .map(|blob| self.served_file(path, blob))
                    .transpose()?,
                _ => None,
            });
        }
        let tx = self.conn.transaction().map_err(std::io::Error::other)?;
        // Deletions before writes, so a name moving from one record to another is never held
        // twice within the transaction.
        for change in &changes {
            delete_if_gone(&tx, store, change).map_err(std::io::Error::other)?;
        }
        for (change, content) in changes.iter().zip(contents) {
            put(&tx, store, change, content).map_err(std::io::Error::other)?;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('seq', ?1), ('base_url', ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![store.seq().to_string(), self.base_url],
        )
        .map_err(std::io::Error::other)?;
        tx.commit().map_err(std::io::Error::other)
    }

    /// Appends a webhook attempt to the log, keeping the newest `keep`, in one transaction.
    ///
    /// # Errors
    /// SQLite errors (a full disk...); the log is then unchanged.
    pub fn add_webhook_attempt(
        &mut self,
        attempt: &WebhookAttempt,
        keep: usize,
    ) -> std::io::Result<()> {
        let tx = self.conn.transaction().map_err(std::io::Error::other)?;
        tx.execute(
            "INSERT INTO webhook_attempts (record) VALUES (?1)",
            [encode(attempt).map_err(std::io::Error::other)?],
        )
        .map_err(std::io::Error::other)?;
        tx.execute(
            "DELETE FROM webhook_attempts WHERE seq <= (SELECT MAX(seq) FROM webhook_attempts) - ?1",
            [i64::try_from(keep).unwrap_or(i64::MAX)],
        )
        .map_err(std::io::Error::other)?;
        tx.commit().map_err(std::io::Error::other)
    }

    /// The logged webhook attempts, oldest first.
    ///
    /// # Errors
    /// Rows this emulator cannot read (the message names the database and what to do).
    pub fn webhook_attempts(&self) -> std::io::Result<Vec<WebhookAttempt>> {
        let path = self.dir.join(DB_FILE);
        self.rows::<(String,)>("SELECT record FROM webhook_attempts ORDER BY seq")
            .and_then(|rows| rows.iter().map(|(record,)| decode(record)).collect())
            .map_err(|e| damaged(&path, &e))
    }

    /// Forgets the logged webhook attempts.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn clear_webhook_attempts(&mut self) -> std::io::Result<()> {
        self.conn
            .execute("DELETE FROM webhook_attempts", [])
            .map(drop)
            .map_err(std::io::Error::other)
    }

    /// The JSON list of a file's content files (relative paths and sizes); content held in
    /// memory is written to a file first.
    fn content_of(&self, record: &FileRecord) -> std::io::Result<String> {
        let content: Vec<(PathBuf, u64)> = match &record.blob {
            Blob::Memory(bytes) => {
                let relative = PathBuf::from("blobs").join(format!("memory-{}", record.id));
                write_once(&self.dir.join(&relative), bytes)?;
                vec![(relative, bytes.len() as u64)]
            }
            Blob::Disk(path) => vec![(self.relative(path)?, record.size)],
            Blob::Parts(parts) => parts
                .iter()
                .map(|p| Ok((self.relative(&p.path)?, p.size)))
                .collect::<std::io::Result<_>>()?,
        };
        serde_json::to_string(&content).map_err(std::io::Error::other)
    }

    /// Writes a served blob's bytes once and gives its file, relative to the directory.
    fn served_file(&self, path: &str, blob: &ServedBlob) -> std::io::Result<String> {
        let digest = <sha2::Sha256 as sha2::Digest>::digest(path.as_bytes());
        let relative = format!("served/{}", hex::encode(&digest[..16]));
        write_once(&self.dir.join(&relative), &blob.bytes)?;
        Ok(relative)
    }

    /// `path` relative to the directory (contents outside it cannot be kept).
    fn relative(&self, path: &Path) -> std::io::Result<PathBuf> {
        path.strip_prefix(&self.dir)
            .map(Path::to_path_buf)
            .map_err(|_| {
                std::io::Error::other(format!(
                    "{} is outside the emulator's directory {}",
                    path.display(),
                    self.dir.display()
                ))
            })
    }
}

/// A row read as a tuple of columns.
trait FromRow: Sized {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

impl FromRow for (String,) {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok((row.get(0)?,))
    }
}

impl FromRow for (String, String) {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok((row.get(0)?, row.get(1)?))
    }
}

impl FromRow for (String, String, String) {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
    }
}

fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("a row this emulator cannot read: {e}"))
}

fn encode<T: serde::Serialize>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))
}

/// Deletes the row of `change` when the store no longer has its record.
fn delete_if_gone(tx: &Connection, store: &Store, change: &Change) -> rusqlite::Result<()> {
    let (table, key, id) = match change {
        Change::File(id) if !store.files.contains_key(id) => ("files", "id", id),
        Change::Folder(id) if !store.folders.contains_key(id) => ("folders", "id", id),
        Change::Preset(name) if !store.presets.contains_key(name) => ("presets", "name", name),
        Change::Credentials(plugin) if !store.credentials.contains_key(plugin) => {
            ("credentials", "plugin_id", plugin)
        }
        Change::Job(id) if !store.jobs.contains_key(id) => ("jobs", "id", id),
        Change::Served(path) if !store.served.contains_key(path) => ("served", "path", path),
        _ => return Ok(()),
    };
    tx.execute(&format!("DELETE FROM {table} WHERE {key} = ?1"), [id])?;
    Ok(())
}

/// Writes the row of `change` when the store has its record. Files are updated in place (never
/// `INSERT OR REPLACE`, which would silently delete a row holding the same `fileId`).
fn put(
    tx: &Connection,
    store: &Store,
    change: &Change,
    content: Option<String>,
) -> rusqlite::Result<()> {
    match change {
        Change::File(id) => {
            let (Some(file), Some(content)) = (store.files.get(id), content) else {
                return Ok(());
            };
            tx.execute(
                "INSERT INTO files (id, file_id, record, content) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET file_id = excluded.file_id,
                     record = excluded.record, content = excluded.content",
                params![id, file.file_id(), encode(file)?, content],
            )?;
        }
        Change::Folder(id) => {
            let Some(folder) = store.folders.get(id) else {
                return Ok(());
            };
            tx.execute(
                "INSERT INTO folders (id, full_path, record) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET full_path = excluded.full_path,
                     record = excluded.record",
                params![id, folder.full_path(), encode(folder)?],
            )?;
        }
        Change::Preset(name) => {
            if let Some(preset) = store.presets.get(name) {
                upsert(tx, "presets", "name", name, &encode(preset)?)?;
            }
        }
        Change::Credentials(plugin) => {
            if let Some(record) = store.credentials.get(plugin) {
                upsert(tx, "credentials", "plugin_id", plugin, &encode(record)?)?;
            }
        }
        Change::Job(id) => {
            if let Some(job) = store.jobs.get(id) {
                upsert(tx, "jobs", "id", id, &encode(job)?)?;
            }
        }
        Change::Served(path) => {
            let (Some(blob), Some(file)) = (store.served.get(path), content) else {
                return Ok(());
            };
            tx.execute(
                "INSERT INTO served (path, content_type, file) VALUES (?1, ?2, ?3)
                 ON CONFLICT (path) DO UPDATE SET content_type = excluded.content_type,
                     file = excluded.file",
                params![path, blob.content_type, file],
            )?;
        }
    }
    Ok(())
}

/// Writes a `(key, record)` row.
fn upsert(tx: &Connection, table: &str, key: &str, id: &str, record: &str) -> rusqlite::Result<()> {
    tx.execute(
        &format!(
            "INSERT INTO {table} ({key}, record) VALUES (?1, ?2)
             ON CONFLICT ({key}) DO UPDATE SET record = excluded.record"
        ),
        params![id, record],
    )?;
    Ok(())
}

fn rebase_urls(value: &mut Value, rebase: &dyn Fn(&str) -> String) {
    match value {
        Value::String(s) => *s = rebase(s),
        Value::Array(items) => items.iter_mut().for_each(|v| rebase_urls(v, rebase)),
        Value::Object(map) => map.values_mut().for_each(|v| rebase_urls(v, rebase)),
        _ => {}
    }
}

/// Writes `bytes` to `path` unless a file is already there (these contents never change),
/// through a temporary file renamed into place: a crash leaves no partial file.
fn write_once(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let mut temp = tempfile::NamedTempFile::new_in(parent)?;
    temp.write_all(bytes)?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// At start, removes from a kept directory what no record names: temporaries of interrupted
/// writes, uploads in progress (their sessions are not kept) and contents of uploads a kill
/// interrupted. Gives the number of entries removed.
pub fn clean(dir: &Path, store: &Store) -> usize {
    let named: HashSet<PathBuf> = store
        .files
        .values()
        .flat_map(|f| f.blob.files().into_iter().map(Path::to_path_buf))
        .collect();
    // A completed multipart upload keeps its parts in a directory of its own under uploads/.
    let named_dirs: HashSet<PathBuf> = named
        .iter()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    let mut removed = 0;
    let entries = |sub: &str| -> Vec<PathBuf> {
        std::fs::read_dir(dir.join(sub))
            .map(|read| read.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default()
    };
    let is_temporary = |path: &Path| {
        path.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(".tmp"))
    };
    for path in entries("").into_iter().chain(entries("served")) {
        if path.is_file() && is_temporary(&path) && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    for path in entries("blobs") {
        if path.is_file() && !named.contains(&path) && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    for path in entries("uploads") {
        let gone = if path.is_dir() {
            !named_dirs.contains(&path) && std::fs::remove_dir_all(&path).is_ok()
        } else {
            !named.contains(&path) && std::fs::remove_file(&path).is_ok()
        };
        removed += usize::from(gone);
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Clash;

    fn flush(db: &mut Db, store: &mut Store) {
        let changes = store.take_changes();
        db.write(store, &changes).unwrap();
    }

    fn store_with_one_file(dir: &Path) -> Store {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(7);
        let mut store = Store::seeded(&mut rng);
        let blob = dir.join("blobs").join("b1");
        std::fs::create_dir_all(blob.parent().unwrap()).unwrap();
        std::fs::write(&blob, b"content").unwrap();
        let mut record = store.files().values().next().unwrap().clone();
        record.id = "f1".into();
        record.name = "one.txt".into();
        record.path = "a/b".into();
        record.blob = Blob::Disk(blob);
        let mut n = 0;
        store
            .insert_file(record, Clash::default(), &mut || {
                n += 1;
                format!("folder-{n}")
            })
            .unwrap();
        store
    }

    #[test]
    fn what_is_written_is_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_with_one_file(dir.path());
        let mut db = Db::open(dir.path(), true, "http://old").unwrap();
        assert!(db.load().unwrap().is_none(), "a new database is empty");
        let changes = store.take_changes();
        db.write(&store, &changes).unwrap();
        drop(db);
        let db = Db::open(dir.path(), true, "http://new").unwrap();
        let back = db.load().unwrap().unwrap();
        assert_eq!(back.files().len(), 2);
        assert_eq!(back.file_by_file_id("a/b/one.txt").unwrap().id, "f1");
        assert!(back.folder_by_path("a/b").is_some());
        assert_eq!(back.seq(), store.seq());
        // The playground asset, held in memory, was written to a file.
        let playground = back
            .file_by_file_id(super::super::PLAYGROUND_FILE_ID)
            .unwrap();
        assert!(matches!(&playground.blob, Blob::Disk(p) if p.is_file()));
    }

    #[test]
    fn a_deleted_file_is_gone_from_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_with_one_file(dir.path());
        let mut db = Db::open(dir.path(), true, "http://x").unwrap();
        flush(&mut db, &mut store);
        store.remove_file("f1").unwrap();
        flush(&mut db, &mut store);
        let back = db.load().unwrap().unwrap();
        assert!(back.file_by_file_id("a/b/one.txt").is_none());
        assert!(!back.files().contains_key("f1"));
    }

    #[test]
    fn the_database_refuses_two_files_with_one_file_id() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_with_one_file(dir.path());
        let mut db = Db::open(dir.path(), false, "http://x").unwrap();
        flush(&mut db, &mut store);
        // Bypass the store's own check to show the column's constraint holds on its own.
        let mut twin = store.files()["f1"].clone();
        twin.id = "f2".into();
        store.files.insert("f2".into(), twin);
        let error = db.write(&store, &[Change::File("f2".into())]).unwrap_err();
        assert!(error.to_string().contains("UNIQUE"), "{error}");
    }

    #[test]
    fn a_damaged_database_names_the_file_and_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(DB_FILE),
            b"this is not a database, just text",
        )
        .unwrap();
        let error = Db::open(dir.path(), true, "http://x").unwrap_err();
        let message = error.to_string();
        assert!(message.contains(DB_FILE), "{message}");
        assert!(message.contains("move it away"), "{message}");
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    }

    #[test]
    fn cleaning_removes_temporaries_and_orphans_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_one_file(dir.path());
        let path = |p: &str| dir.path().join(p);
        std::fs::create_dir_all(path("uploads/orphan")).unwrap();
        std::fs::write(path("uploads/orphan/part-1"), b"x").unwrap();
        std::fs::write(path(".tmpAbC123"), b"x").unwrap();
        std::fs::write(path("blobs/half-uploaded"), b"x").unwrap();
        std::fs::create_dir_all(path("served")).unwrap();
        std::fs::write(path("served/.tmpXyZ"), b"x").unwrap();
        assert_eq!(clean(dir.path(), &store), 4);
        assert!(path("blobs/b1").is_file(), "named content stays");
        assert!(!path("uploads/orphan").exists());
        assert!(!path(".tmpAbC123").exists());
    }
}
