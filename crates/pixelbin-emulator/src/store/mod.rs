//! The platform data: files, folders, presets, credentials, prediction jobs, upload sessions and
//! served prediction blobs. File contents live on disk (see [`Blob`]).
//!
//! [`Store`] is the working copy every handler reads, indexed for the lookups requests make
//! (a file by its `fileId`, a folder by its path). Every change goes through its methods, which
//! note what changed ([`Change`]); [`db`] writes those records to SQLite in one transaction when
//! the lock on the store is released (see `state::StoreGuard`). The store decides clashes under
//! its lock, and the database's UNIQUE `fileId` backs it: two files never share an id.

pub mod db;
pub mod ids;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use crate::media;
use crate::state::{CLOUD_NAME, ORG_ID};
use crate::wire::errors::{ApiError, ApiResult};

/// File id of the asset every account's playground starts with.
pub const PLAYGROUND_FILE_ID: &str = "__playground/playground-default.jpeg";

/// Where the bytes of a stored file are.
#[derive(Debug, Clone)]
pub enum Blob {
    /// Small generated content kept in memory.
    Memory(Bytes),
    /// Uploaded content in the emulator's temporary directory.
    Disk(PathBuf),
    /// A completed multipart upload: its part files in order, served back to back (completion
    /// keeps the parts instead of copying them into one file). The files are in a directory of
    /// their own under the uploads directory, removed with them.
    Parts(Arc<[PartFile]>),
}

/// One uploaded part on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartFile {
    /// Where the part's bytes are.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
}

impl Default for Blob {
    fn default() -> Blob {
        Blob::Memory(Bytes::new())
    }
}

impl Blob {
    /// The files holding the content, in order (none for in-memory content).
    pub fn files(&self) -> Vec<&Path> {
        match self {
            Blob::Memory(_) => Vec::new(),
            Blob::Disk(path) => vec![path.as_path()],
            Blob::Parts(parts) => parts.iter().map(|p| p.path.as_path()).collect(),
        }
    }
}

/// A stored file (an asset).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FileRecord {
    /// `_id`.
    pub id: String,
    /// Creation order, for stable sorting.
    pub seq: u64,
    /// File name including its extension, e.g. `cat.jpeg`.
    pub name: String,
    /// Parent folder path without leading or trailing `/` (`""` is the root).
    pub path: String,
    /// Format, e.g. `jpeg`.
    pub format: String,
    /// MIME type of the content.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// `public-read` or `private`.
    pub access: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Free-form metadata.
    pub metadata: Value,
    /// Whether the file is active.
    pub is_active: bool,
    /// Width in pixels, when known.
    pub width: Option<u32>,
    /// Height in pixels, when known.
    pub height: Option<u32>,
    /// Creation timestamp.
    pub created_at: String,
    /// Update timestamp.
    pub updated_at: String,
    /// Where the content is (kept as file paths beside the record, see [`db`]).
    #[serde(skip)]
    pub blob: Blob,
}

/// Joins a folder path and a name into a file id.
pub fn join_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}/{name}")
    }
}

/// Trims `/` from both ends of a folder path.
pub fn normalize_path(path: &str) -> String {
    path.trim_matches('/').to_string()
}

impl FileRecord {
    /// `path/name`.
    pub fn file_id(&self) -> String {
        join_path(&self.path, &self.name)
    }

    /// The file object as the platform returns it.
    pub fn to_json(&self, base_url: &str) -> Value {
        let file_id = self.file_id();
        json!({
            "_id": self.id,
            "orgId": ORG_ID,
            "type": "file",
            "name": self.name,
            "path": self.path,
            "fileId": file_id,
            "format": self.format,
            "assetType": media::asset_type(&self.content_type),
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "access": self.access,
            "tags": self.tags,
            "metadata": self.metadata,
            "context": self.context(),
            "isOriginal": true,
            "isActive": self.is_active,
            "s3Bucket": "pixelbin-emulator",
            "s3Key": format!("uploads/{CLOUD_NAME}/original/{}", self.id),
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "url": format!("{base_url}/v2/{CLOUD_NAME}/original/{file_id}"),
        })
    }

    /// The `context` object: what the platform learnt about the content.
    pub fn context(&self) -> Value {
        let asset_type = media::asset_type(&self.content_type);
        json!({
            "steps": [],
            "req": {"headers": {}, "query": {}},
            "meta": {
                "format": self.format,
                "size": self.size,
                "width": self.width,
                "height": self.height,
                "extension": self.format,
                "contentType": self.content_type,
                "assetType": asset_type,
                "isImageAsset": asset_type == "image",
                "isAudioAsset": asset_type == "audio",
                "isVideoAsset": asset_type == "video",
                "isRawAsset": asset_type == "raw",
                "isTransformationSupported": asset_type == "image",
            },
        })
    }

    /// The short form used in `listFiles` items.
    pub fn to_explore_item(&self, base_url: &str) -> Value {
        let mut item = self.to_json(base_url);
        if let Value::Object(map) = &mut item {
            map.remove("context");
        }
        item
    }
}

/// A folder.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FolderRecord {
    /// `_id`.
    pub id: String,
    /// Creation order.
    pub seq: u64,
    /// Folder name.
    pub name: String,
    /// Parent path (`""` is the root).
    pub path: String,
    /// Whether the folder is active.
    pub is_active: bool,
    /// Creation timestamp.
    pub created_at: String,
    /// Update timestamp.
    pub updated_at: String,
}

impl FolderRecord {
    /// `path/name`.
    pub fn full_path(&self) -> String {
        join_path(&self.path, &self.name)
    }

    /// The folder object.
    pub fn to_json(&self) -> Value {
        json!({
            "_id": self.id,
            "orgId": ORG_ID,
            "name": self.name,
            "path": self.path,
            "type": "folder",
            "isActive": self.is_active,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        })
    }
}

/// A saved transformation preset.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PresetRecord {
    /// `_id`.
    pub id: String,
    /// Creation order.
    pub seq: u64,
    /// Unique preset name.
    pub preset_name: String,
    /// Transformation chain, `~`-separated.
    pub transformation: String,
    /// Parameters of the transformation variables.
    pub params: Value,
    /// Whether archived.
    pub archived: bool,
    /// Creation timestamp.
    pub created_at: String,
    /// Update timestamp.
    pub updated_at: String,
}

impl PresetRecord {
    /// The preset object.
    pub fn to_json(&self) -> Value {
        json!({
            "_id": self.id,
            "orgId": ORG_ID,
            "presetName": self.preset_name,
            "transformation": self.transformation,
            "params": self.params,
            "archived": self.archived,
            "isActive": true,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        })
    }
}

/// Credentials of a transformation plugin.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CredentialRecord {
    /// `_id`.
    pub id: String,
    /// Plugin id, e.g. `awsRek`.
    pub plugin_id: String,
    /// The credentials (never returned by the API, only stored).
    pub credentials: Value,
    /// Creation timestamp.
    pub created_at: String,
    /// Update timestamp.
    pub updated_at: String,
}

impl CredentialRecord {
    /// The credential object (without the secret credentials themselves).
    pub fn to_json(&self) -> Value {
        json!({
            "_id": self.id,
            "orgId": ORG_ID,
            "pluginId": self.plugin_id,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        })
    }
}

/// How a prediction ends.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Outcome {
    /// `SUCCESS` with output URLs and credits.
    Success {
        /// Output URLs.
        output: Vec<String>,
        /// Credits the job cost.
        credits: u64,
    },
    /// `FAILURE` with an error message.
    Failure {
        /// Why the job failed.
        error: String,
    },
}

/// A prediction job.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Job {
    /// `_id`, e.g. `erase--bg--<uuid>`.
    pub id: String,
    /// The echoed input.
    pub input: Value,
    /// Creation timestamp.
    pub created_at: String,
    /// When the final status becomes visible (tokio time, so paused-clock tests work); a job
    /// read back from a data directory is final at once.
    #[serde(skip, default = "tokio::time::Instant::now")]
    pub done_at: tokio::time::Instant,
    /// The final status.
    pub outcome: Outcome,
    /// Where its final state is delivered (`webhook` of the create), kept so a delivery
    /// cut short by a restart resumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
}

/// A signed multipart upload in progress.
#[derive(Debug, Clone)]
pub struct UploadSession {
    /// The exact `x-pixb-meta-assetdata` field issued with the URL.
    pub asset_data: String,
    /// Parsed asset data.
    pub asset: AssetRequest,
    /// Uploaded parts by number.
    pub parts: BTreeMap<u32, PartFile>,
    /// Whether a completion is assembling the file right now (parts and other completions
    /// are refused meanwhile).
    pub completing: bool,
    /// The created file, once completed (completion is idempotent).
    pub completed: Option<String>,
}

/// What a client asked to store: the common fields of every upload request.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetRequest {
    /// File name (without extension for signed uploads, where `format` adds it).
    pub name: Option<String>,
    /// Folder path.
    pub path: Option<String>,
    /// Format (extension).
    pub format: Option<String>,
    /// `public-read` or `private`.
    pub access: Option<String>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Metadata.
    pub metadata: Option<Value>,
    /// Replace an existing file with the same id.
    pub overwrite: Option<bool>,
    /// Add unique characters to the name when the id is taken.
    pub filename_override: Option<bool>,
}

/// A blob served under a fixed path (prediction inputs and outputs).
#[derive(Debug, Clone)]
pub struct ServedBlob {
    /// MIME type.
    pub content_type: String,
    /// Content.
    pub bytes: Bytes,
}

/// Where a new file goes: its name, folder, and the file it replaces.
#[derive(Debug, Clone)]
pub struct FilePlan {
    /// Final name, extension included when known.
    pub name: String,
    /// Folder path.
    pub path: String,
    /// `_id` of a file replaced because of `overwrite`.
    pub replaces: Option<String>,
}

/// The name a file or folder is stored under, by the SDK's one rule
/// ([`pixelbin_http::naming::stored_name`], what `pixelbin_upload::stored_name` predicts):
/// letters, digits, `.`, `_` and `-` stay, anything else becomes `-`, and `.format` is
/// appended unless the name ends with it. A name with nothing usable is a 400.
pub fn stored_name(name: &str, format: Option<&str>) -> ApiResult<String> {
    pixelbin_http::naming::stored_name(name, format)
        .map_err(|e| ApiError::validation(e.to_string()))
}

/// Deletes the disk content of a removed file.
pub fn remove_blob(blob: &Blob) {
    for path in blob.files() {
        let _ = std::fs::remove_file(path);
    }
    if let Blob::Parts(parts) = blob {
        // Parts live in a directory of their own (see `Blob::Parts`); it goes once empty.
        if let Some(dir) = parts.first().and_then(|p| p.path.parent()) {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// The domain rules of the store: how files are named, what clashes, what a new record needs.
/// `new_id` makes fresh ids (the emulator's seeded generator).
impl Store {
    /// How a new file of `asset` resolves a clash of names.
    pub fn clash_of(asset: &AssetRequest) -> Clash {
        Clash {
            overwrite: asset.overwrite == Some(true),
            rename: asset.filename_override == Some(true),
        }
    }

    /// Decides the name of a new file, applying `overwrite` / `filenameOverride` on a clash.
    /// Without a name in `asset`, the uploaded file's own name (`fallback_name`) or a fresh id
    /// is used.
    pub fn plan_file(
        &self,
        asset: &AssetRequest,
        fallback_name: Option<&str>,
        new_id: &mut dyn FnMut() -> String,
    ) -> ApiResult<FilePlan> {
        let path = asset.path.clone().unwrap_or_default();
        // A given name takes the format, or else the extension of the uploaded file's own name.
        let format = asset.format.clone().or_else(|| {
            fallback_name
                .and_then(|f| f.rsplit_once('.'))
                .map(|(_, ext)| ext.to_ascii_lowercase())
                .filter(|ext| !ext.is_empty())
        });
        let name = match (&asset.name, fallback_name) {
            (Some(name), _) => stored_name(name, format.as_deref())?,
            (None, Some(fallback)) if !fallback.is_empty() => stored_name(fallback, None)?,
            (None, _) => stored_name(&new_id(), asset.format.as_deref())?,
        };
        self.plan_name(&path, &name, Store::clash_of(asset), None, new_id)
    }

    /// Resolves a clash of `path/name` with an existing file (other than the one whose `_id`
    /// is `ignore`) as `clash` says; neither overwriting nor renaming is a 409.
    pub fn plan_name(
        &self,
        path: &str,
        name: &str,
        clash: Clash,
        ignore: Option<&str>,
        new_id: &mut dyn FnMut() -> String,
    ) -> ApiResult<FilePlan> {
        let existing = self
            .file_by_file_id(&join_path(path, name))
            .filter(|f| Some(f.id.as_str()) != ignore);
        let plan = |name: String, replaces: Option<String>| FilePlan {
            name,
            path: path.to_string(),
            replaces,
        };
        let Some(existing) = existing else {
            return Ok(plan(name.to_string(), None));
        };
        if clash.overwrite {
            return Ok(plan(name.to_string(), Some(existing.id.clone())));
        }
        if clash.rename {
            let id = new_id();
            let suffix = &id[id.len().saturating_sub(6)..];
            let renamed = match name.rsplit_once('.') {
                Some((stem, ext)) if !stem.is_empty() => format!("{stem}_{suffix}.{ext}"),
                _ => format!("{name}_{suffix}"),
            };
            return Ok(plan(renamed, None));
        }
        Err(ApiError::conflict(format!(
            "A file named '{name}' already exists in '{}': pass overwrite=true to replace it or filenameOverride=true to store this one under a new name",
            if path.is_empty() { "/" } else { path }
        )))
    }

    /// Inserts a new file (replacing one with the same `_id` and its content), creating its
    /// folders, and gives back what was stored.
    ///
    /// Its name was planned ([`plan_file`](Store::plan_file)) under an earlier lock, so another
    /// file may have taken it meanwhile (two uploads of one name at once): the clash is decided
    /// again here, under this lock, as `clash` says: the other file is replaced, this one renamed,
    /// or a 409, so two files never share a `fileId`. On a 409 the new content is the caller's to
    /// remove.
    pub fn insert_file(
        &mut self,
        mut record: FileRecord,
        clash: Clash,
        new_id: &mut dyn FnMut() -> String,
    ) -> ApiResult<&FileRecord> {
        let plan = self.plan_name(&record.path, &record.name, clash, Some(&record.id), new_id)?;
        record.name = plan.name;
        if let Some(other) = plan.replaces {
            // Replaced by a concurrent upload's plan: the newest content wins, under the id the
            // name already had.
            if let Some(old) = self.remove_file(&other) {
                remove_blob(&old.blob);
            }
            record.id = other;
        } else if let Some(old) = self.files.get(&record.id) {
            let blob = old.blob.clone();
            self.remove_file(&record.id);
            remove_blob(&blob);
        }
        let folder = record.path.clone();
        self.ensure_folders(&folder, new_id);
        let id = record.id.clone();
        self.put_file(record);
        Ok(&self.files[&id])
    }

    /// Creates the folder `name` in `path` (and any missing parents); a folder or file already
    /// there is a 409.
    pub fn create_folder(
        &mut self,
        name: &str,
        path: &str,
        new_id: &mut dyn FnMut() -> String,
    ) -> ApiResult<&FolderRecord> {
        if name.contains('/') {
            return Err(ApiError::validation(
                "name must not contain '/': pass the parent folders as `path`",
            ));
        }
        let name = stored_name(name, None)?;
        let path = normalize_path(path);
        let full = join_path(&path, &name);
        if self.folder_by_path(&full).is_some() {
            return Err(ApiError::conflict(format!(
                "Folder '{full}' already exists"
            )));
        }
        if self.file_by_file_id(&full).is_some() {
            return Err(ApiError::conflict(format!(
                "A file named '{full}' already exists"
            )));
        }
        self.ensure_folders(&path, new_id);
        let now = ids::now_iso();
        let record = FolderRecord {
            id: new_id(),
            seq: self.next_seq(),
            name,
            path,
            is_active: true,
            created_at: now.clone(),
            updated_at: now,
        };
        let id = record.id.clone();
        self.put_folder(record);
        Ok(&self.folders[&id])
    }

    /// Saves preset `name` with id `id`; a preset of that name already there is a 409.
    pub fn add_preset(
        &mut self,
        id: String,
        name: String,
        transformation: String,
        params: Value,
    ) -> ApiResult<&PresetRecord> {
        if self.presets.contains_key(&name) {
            return Err(ApiError::conflict(format!(
                "Preset '{name}' already exists"
            )));
        }
        let now = ids::now_iso();
        let record = PresetRecord {
            id,
            seq: self.next_seq(),
            preset_name: name.clone(),
            transformation,
            params,
            archived: false,
            created_at: now.clone(),
            updated_at: now,
        };
        self.changes.push(Change::Preset(name.clone()));
        Ok(self.presets.entry(name).or_insert(record))
    }

    /// Saves the credentials of `plugin_id` with id `id`; credentials already there are a 409
    /// (they are changed with an update).
    pub fn add_credentials(
        &mut self,
        id: String,
        plugin_id: String,
        credentials: Value,
    ) -> ApiResult<&CredentialRecord> {
        if self.credentials.contains_key(&plugin_id) {
            return Err(ApiError::conflict(format!(
                "Credentials for plugin '{plugin_id}' already exist: update them with PATCH"
            )));
        }
        let now = ids::now_iso();
        let record = CredentialRecord {
            id,
            plugin_id: plugin_id.clone(),
            credentials,
            created_at: now.clone(),
            updated_at: now,
        };
        self.changes.push(Change::Credentials(plugin_id.clone()));
        Ok(self.credentials.entry(plugin_id).or_insert(record))
    }
}

/// What to do when a new file's name is taken.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clash {
    /// Replace the existing file (`overwrite`).
    pub overwrite: bool,
    /// Store under the name with a `_xxxxxx` suffix (`filenameOverride`).
    pub rename: bool,
}

/// A record that changed and must be written (or deleted, when it is gone from the store).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Change {
    /// The file with this `_id`.
    File(String),
    /// The folder with this `_id`.
    Folder(String),
    /// The preset with this name.
    Preset(String),
    /// The credentials of this plugin.
    Credentials(String),
    /// The prediction job with this `_id`.
    Job(String),
    /// The prediction input or output served under this path.
    Served(String),
}

/// All data of one emulator (the working copy; see the module docs).
#[derive(Debug, Default)]
pub struct Store {
    seq: u64,
    /// Files by `_id`.
    files: BTreeMap<String, FileRecord>,
    /// `_id` of each file by its `fileId` (`path/name`).
    file_ids: HashMap<String, String>,
    /// Folders by `_id`.
    folders: BTreeMap<String, FolderRecord>,
    /// `_id` of each folder by its full path.
    folder_paths: HashMap<String, String>,
    /// Presets by name.
    presets: BTreeMap<String, PresetRecord>,
    /// Credentials by plugin id.
    credentials: BTreeMap<String, CredentialRecord>,
    /// Prediction jobs by `_id`.
    jobs: HashMap<String, Job>,
    /// Prediction inputs and outputs by URL path.
    served: HashMap<String, ServedBlob>,
    /// Signed multipart uploads by id (in progress: not kept across restarts).
    pub uploads: HashMap<String, UploadSession>,
    /// What changed since the last write.
    changes: Vec<Change>,
}

impl Store {
    /// A store holding the playground's default asset.
    pub fn seeded(rng: &mut StdRng) -> Store {
        let mut store = Store::default();
        let now = ids::now_millis();
        let jpeg = media::generate_jpeg(640, 480);
        let (folder, name) = PLAYGROUND_FILE_ID
            .split_once('/')
            .unwrap_or(("", PLAYGROUND_FILE_ID));
        let folder_id = ids::uuid_v7(rng, now);
        store.ensure_folders(folder, &mut || folder_id.clone());
        let record = FileRecord {
            id: ids::uuid_v7(rng, now),
            seq: store.next_seq(),
            name: name.to_string(),
            path: folder.to_string(),
            format: "jpeg".into(),
            content_type: "image/jpeg".into(),
            size: jpeg.len() as u64,
            access: "public-read".into(),
            tags: vec![],
            metadata: json!({}),
            is_active: true,
            width: Some(640),
            height: Some(480),
            created_at: ids::iso8601(now),
            updated_at: ids::iso8601(now),
            blob: Blob::Memory(Bytes::from(jpeg)),
        };
        store.put_file(record);
        store
    }

    /// The last creation sequence number given out.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Continues creation numbers after `seq` (for a store read back from disk).
    pub fn resume_seq(&mut self, seq: u64) {
        self.seq = self.seq.max(seq);
    }

    /// The next creation sequence number.
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// What changed since the last call, oldest first.
    pub fn take_changes(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.changes)
    }

    /// Files by `_id`.
    pub fn files(&self) -> &BTreeMap<String, FileRecord> {
        &self.files
    }

    /// Folders by `_id`.
    pub fn folders(&self) -> &BTreeMap<String, FolderRecord> {
        &self.folders
    }

    /// Presets by name.
    pub fn presets(&self) -> &BTreeMap<String, PresetRecord> {
        &self.presets
    }

    /// Prediction jobs by `_id`.
    pub fn jobs(&self) -> &HashMap<String, Job> {
        &self.jobs
    }

    /// Prediction inputs and outputs by URL path.
    pub fn served(&self) -> &HashMap<String, ServedBlob> {
        &self.served
    }

    /// Stores `record` under its `_id` and `fileId` (replacing the record with that `_id`);
    /// the caller has made sure no other file has its `fileId`.
    fn put_file(&mut self, record: FileRecord) {
        if let Some(old) = self.files.get(&record.id) {
            self.file_ids.remove(&old.file_id());
        }
        self.file_ids.insert(record.file_id(), record.id.clone());
        self.changes.push(Change::File(record.id.clone()));
        self.files.insert(record.id.clone(), record);
    }

    /// Changes a file's fields (its name and folder too, which callers checked with
    /// [`plan_name`](Store::plan_name)); its content stays.
    pub fn update_file(&mut self, record: FileRecord) {
        self.put_file(record);
    }

    /// Removes the file with `_id` `id` (its content is the caller's to remove, see
    /// [`remove_blob`]).
    pub fn remove_file(&mut self, id: &str) -> Option<FileRecord> {
        let record = self.files.remove(id)?;
        self.file_ids.remove(&record.file_id());
        self.changes.push(Change::File(id.to_string()));
        Some(record)
    }

    /// The folder with `_id` `id`, to change its state (not its name or path).
    pub fn folder_mut(&mut self, id: &str) -> Option<&mut FolderRecord> {
        let folder = self.folders.get_mut(id)?;
        self.changes.push(Change::Folder(id.to_string()));
        Some(folder)
    }

    fn put_folder(&mut self, record: FolderRecord) {
        self.folder_paths
            .insert(record.full_path(), record.id.clone());
        self.changes.push(Change::Folder(record.id.clone()));
        self.folders.insert(record.id.clone(), record);
    }

    /// Removes the folder with `_id` `id`, the folders inside it and their files; gives back
    /// the folder and the removed files (whose contents are the caller's to remove).
    pub fn remove_folder_tree(&mut self, id: &str) -> Option<(FolderRecord, Vec<FileRecord>)> {
        let folder = self.folders.remove(id)?;
        self.folder_paths.remove(&folder.full_path());
        self.changes.push(Change::Folder(id.to_string()));
        let full = folder.full_path();
        let inside = |path: &str| path == full || path.starts_with(&format!("{full}/"));
        let folders: Vec<String> = self
            .folders
            .values()
            .filter(|f| inside(&f.path))
            .map(|f| f.id.clone())
            .collect();
        for id in folders {
            if let Some(gone) = self.folders.remove(&id) {
                self.folder_paths.remove(&gone.full_path());
                self.changes.push(Change::Folder(id));
            }
        }
        let files: Vec<String> = self
            .files
            .values()
            .filter(|f| inside(&f.path))
            .map(|f| f.id.clone())
            .collect();
        let files = files.iter().filter_map(|id| self.remove_file(id)).collect();
        Some((folder, files))
    }

    /// The preset `name`, to change it.
    pub fn preset_mut(&mut self, name: &str) -> Option<&mut PresetRecord> {
        let preset = self.presets.get_mut(name)?;
        self.changes.push(Change::Preset(name.to_string()));
        Some(preset)
    }

    /// Removes the preset `name`.
    pub fn remove_preset(&mut self, name: &str) -> Option<PresetRecord> {
        let preset = self.presets.remove(name)?;
        self.changes.push(Change::Preset(name.to_string()));
        Some(preset)
    }

    /// The credentials of `plugin_id`, to change them.
    pub fn credentials_mut(&mut self, plugin_id: &str) -> Option<&mut CredentialRecord> {
        let record = self.credentials.get_mut(plugin_id)?;
        self.changes
            .push(Change::Credentials(plugin_id.to_string()));
        Some(record)
    }

    /// Removes the credentials of `plugin_id`.
    pub fn remove_credentials(&mut self, plugin_id: &str) -> Option<CredentialRecord> {
        let record = self.credentials.remove(plugin_id)?;
        self.changes
            .push(Change::Credentials(plugin_id.to_string()));
        Some(record)
    }

    /// Stores a prediction job.
    pub fn insert_job(&mut self, job: Job) {
        self.changes.push(Change::Job(job.id.clone()));
        self.jobs.insert(job.id.clone(), job);
    }

    /// Serves `blob` under `path` (a prediction input or output).
    pub fn insert_served(&mut self, path: String, blob: ServedBlob) {
        self.changes.push(Change::Served(path.clone()));
        self.served.insert(path, blob);
    }

    /// The file whose id (`path/name`) is `file_id`.
    pub fn file_by_file_id(&self, file_id: &str) -> Option<&FileRecord> {
        let id = self.file_ids.get(file_id.trim_matches('/'))?;
        self.files.get(id)
    }

    /// The folder at `full_path` (`a/b`).
    pub fn folder_by_path(&self, full_path: &str) -> Option<&FolderRecord> {
        self.folders.get(self.folder_paths.get(full_path)?)
    }

    /// Creates every missing folder of `path`, using `new_id` for their ids.
    pub fn ensure_folders(&mut self, path: &str, new_id: &mut dyn FnMut() -> String) {
        let mut parent = String::new();
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            let full = join_path(&parent, segment);
            if self.folder_by_path(&full).is_none() {
                let now = ids::now_iso();
                let record = FolderRecord {
                    id: new_id(),
                    seq: self.next_seq(),
                    name: segment.to_string(),
                    path: parent.clone(),
                    is_active: true,
                    created_at: now.clone(),
                    updated_at: now,
                };
                self.put_folder(record);
            }
            parent = full;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("id-{n:08}")
        }
    }

    #[test]
    fn names_follow_the_sdks_rule() {
        assert_eq!(stored_name("my cat.jpeg", None).unwrap(), "my-cat.jpeg");
        assert_eq!(stored_name("a_b-c", None).unwrap(), "a_b-c");
        assert_eq!(stored_name("cat", Some("jpeg")).unwrap(), "cat.jpeg");
        assert_eq!(stored_name("cat.jpeg", Some("jpeg")).unwrap(), "cat.jpeg");
        assert!(stored_name("  ", None).is_err());
        assert!(stored_name("///", None).is_err());
        // An empty format adds nothing, as the SDK predicts (no trailing '.').
        let asset = AssetRequest {
            name: Some("x".into()),
            format: Some(String::new()),
            ..AssetRequest::default()
        };
        let plan = Store::default()
            .plan_file(&asset, None, &mut counter())
            .unwrap();
        assert_eq!(
            plan.name,
            pixelbin_http::naming::stored_name("x", Some("")).unwrap()
        );
        assert_eq!(plan.name, "x");
    }

    #[test]
    fn clashes_follow_overwrite_and_rename() {
        let mut rng = <StdRng as rand::SeedableRng>::seed_from_u64(1);
        let store = Store::seeded(&mut rng);
        let mut new_id = counter();
        let (path, name) = PLAYGROUND_FILE_ID.split_once('/').unwrap();
        let error = store
            .plan_name(path, name, Clash::default(), None, &mut new_id)
            .unwrap_err();
        assert_eq!(error.status.as_u16(), 409);
        let existing = store
            .file_by_file_id(PLAYGROUND_FILE_ID)
            .unwrap()
            .id
            .clone();
        let overwrite = Clash {
            overwrite: true,
            rename: false,
        };
        let plan = store
            .plan_name(path, name, overwrite, None, &mut new_id)
            .unwrap();
        assert_eq!(plan.replaces.as_deref(), Some(existing.as_str()));
        let rename = Clash {
            overwrite: false,
            rename: true,
        };
        let plan = store
            .plan_name(path, name, rename, None, &mut new_id)
            .unwrap();
        assert_eq!(plan.name, "playground-default_000001.jpeg");
        // The file itself may keep its own name.
        let plan = store
            .plan_name(path, name, Clash::default(), Some(&existing), &mut new_id)
            .unwrap();
        assert!(plan.replaces.is_none());
    }

    #[test]
    fn folders_clash_with_folders_and_files() {
        let mut rng = <StdRng as rand::SeedableRng>::seed_from_u64(1);
        let mut store = Store::seeded(&mut rng);
        let mut new_id = counter();
        let made = store.create_folder("a b", "/x/y/", &mut new_id).unwrap();
        assert_eq!(made.full_path(), "x/y/a-b");
        assert!(store.folder_by_path("x").is_some());
        let again = store.create_folder("a b", "x/y", &mut new_id).unwrap_err();
        assert_eq!(again.status.as_u16(), 409);
        let (path, name) = PLAYGROUND_FILE_ID.split_once('/').unwrap();
        let on_file = store.create_folder(name, path, &mut new_id).unwrap_err();
        assert!(on_file.message.contains("file"), "{}", on_file.message);
        assert!(store.create_folder("a/b", "", &mut new_id).is_err());
    }

    #[test]
    fn presets_and_credentials_are_unique_by_name() {
        let mut store = Store::default();
        store
            .add_preset("1".into(), "p".into(), "t.flip()".into(), json!({}))
            .unwrap();
        let again = store
            .add_preset("2".into(), "p".into(), "t.flop()".into(), json!({}))
            .unwrap_err();
        assert_eq!(again.status.as_u16(), 409);
        assert_eq!(store.presets()["p"].transformation, "t.flip()");
        store
            .add_credentials("3".into(), "awsRek".into(), json!({"k": 1}))
            .unwrap();
        let again = store
            .add_credentials("4".into(), "awsRek".into(), json!({}))
            .unwrap_err();
        assert!(again.message.contains("PATCH"), "{}", again.message);
    }
}
