//! Requests the emulator saw, kept per route so tests can check what a client sent.
//!
//! The SHA-256 of a file field stored on disk is computed when the record is first read, not
//! while the upload streams in: hashing costs about as much CPU as receiving and storing the
//! data, and most records are never read. Until then the recorder keeps a hard link to the
//! content (a second name, no copy), so the hash is right even after the file is deleted. Past
//! [`PENDING_HASH_BUDGET`] bytes of such content, the oldest is hashed in the background and
//! its link dropped, so a long-running emulator does not hold deleted content for ever.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use sha2::{Digest, Sha256};

/// Most requests kept per route; older ones are dropped so a long-running emulator stays small.
const MAX_RECORDED_PER_ROUTE: usize = 10_000;
/// Most bytes of recorded file content kept linked for a later hash (a soft limit).
pub(crate) const PENDING_HASH_BUDGET: u64 = 2 << 30;
/// Queue length past which references to records already gone are pruned.
const PRUNE_QUEUE_AT: usize = 1024;

/// One request as the emulator received it.
#[derive(Clone, PartialEq)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Path without the query, e.g. `/service/platform/assets/v1.0/listFiles`.
    pub path: String,
    /// Raw query string without `?`, if any.
    pub query: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// Request headers in arrival order, names lower-case; the `Authorization` value is redacted.
    pub headers: Vec<(String, String)>,
    /// Whether an `Authorization` header was present.
    pub has_authorization: bool,
    /// The decoded body.
    pub body: RecordedBody,
}

/// A decoded request body.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordedBody {
    /// No body, or the handler did not need one.
    Empty,
    /// The body was not read: the request was refused (auth, fault) before its body mattered.
    NotRead,
    /// A JSON body.
    Json(serde_json::Value),
    /// A `multipart/form-data` body, fields in order.
    Multipart(Vec<RecordedField>),
    /// Any other body, summarised.
    Raw {
        /// Body length in bytes.
        size: u64,
        /// Lower-case hex SHA-256 of the body.
        sha256: String,
    },
}

/// One field of a recorded multipart body.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordedField {
    /// A text field.
    Text {
        /// Field name.
        name: String,
        /// Field value.
        value: String,
    },
    /// A file field, summarised (files can be large).
    File {
        /// Field name.
        name: String,
        /// The filename of the part, if given.
        filename: Option<String>,
        /// The content type of the part, if given.
        content_type: Option<String>,
        /// Size in bytes.
        size: u64,
        /// Lower-case hex SHA-256 of the content (for content streamed to disk, computed when
        /// the record is first read).
        sha256: String,
    },
}

impl RecordedField {
    /// The field name.
    pub fn name(&self) -> &str {
        match self {
            RecordedField::Text { name, .. } | RecordedField::File { name, .. } => name,
        }
    }
}

impl RecordedBody {
    /// The JSON value, if the body was JSON.
    pub fn json(&self) -> Option<&serde_json::Value> {
        match self {
            RecordedBody::Json(value) => Some(value),
            _ => None,
        }
    }

    /// The multipart fields, if the body was multipart.
    pub fn fields(&self) -> &[RecordedField] {
        match self {
            RecordedBody::Multipart(fields) => fields,
            _ => &[],
        }
    }

    /// The first multipart field called `name`.
    pub fn field(&self, name: &str) -> Option<&RecordedField> {
        self.fields().iter().find(|f| f.name() == name)
    }

    /// The value of the first multipart text field called `name`.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.fields().iter().find_map(|f| match f {
            RecordedField::Text { name: n, value } if n == name => Some(value.as_str()),
            _ => None,
        })
    }
}

impl RecordedRequest {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The decoded query pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query
            .as_deref()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first decoded query value called `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

// Written by hand so signed query strings (`pbs=...`) never reach logs or test output.
impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field(
                "query",
                &self
                    .query
                    .as_deref()
                    .map(pixelbin_url::redact::redact_query),
            )
            .field("content_type", &self.content_type)
            .field("headers", &self.headers)
            .field("has_authorization", &self.has_authorization)
            .field("body", &self.body)
            .finish()
    }
}

/// The lower-case hex SHA-256 of a file's content.
pub(crate) fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(hex::encode(hasher.finalize()));
        }
        hasher.update(&buf[..n]);
    }
}

/// A recorded request and the file fields whose hash is still to be computed.
struct Entry {
    request: RecordedRequest,
    pending: Vec<PendingHash>,
    hashes: Arc<PendingHashes>,
}

/// A file field of a multipart body, hashed later from a link to its content.
struct PendingHash {
    /// Index of the field in the multipart body.
    field: usize,
    link: PathBuf,
    size: u64,
}

impl Entry {
    /// Computes the pending hashes of fields already in the body and drops their links.
    fn resolve(&mut self) {
        let RecordedBody::Multipart(fields) = &mut self.request.body else {
            return;
        };
        let mut waiting = Vec::new();
        for pending in std::mem::take(&mut self.pending) {
            match fields.get_mut(pending.field) {
                Some(RecordedField::File { sha256, .. }) => {
                    *sha256 = hash_file(&pending.link)
                        .unwrap_or_else(|e| format!("<content unreadable: {e}>"));
                    self.hashes.release(&pending);
                }
                // The body is not set yet (the request is still being read).
                _ => waiting.push(pending),
            }
        }
        self.pending = waiting;
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        for pending in &self.pending {
            self.hashes.release(pending);
        }
    }
}

/// Links to recorded content waiting for its hash, shared by every record.
struct PendingHashes {
    /// Where the links go; `None` hashes every file at once.
    dir: Option<PathBuf>,
    /// Most bytes kept linked before the oldest are hashed.
    budget: u64,
    next_link: AtomicU64,
    bytes: AtomicU64,
    /// Records with pending hashes, oldest first.
    queue: Mutex<VecDeque<Weak<Mutex<Entry>>>>,
    /// Whether a background task is hashing the oldest content.
    draining: AtomicBool,
}

impl PendingHashes {
    fn release(&self, pending: &PendingHash) {
        let _ = std::fs::remove_file(&pending.link);
        self.bytes.fetch_sub(pending.size, Ordering::Relaxed);
    }

    /// Hashes the oldest pending content until the total is within the budget.
    fn drain(&self) {
        while self.bytes.load(Ordering::Relaxed) > self.budget {
            let oldest = self.queue.lock().ok().and_then(|mut q| q.pop_front());
            let Some(oldest) = oldest else { break };
            if let Some(entry) = oldest.upgrade()
                && let Ok(mut entry) = entry.lock()
            {
                entry.resolve();
            }
        }
        self.draining.store(false, Ordering::Release);
    }
}

/// A handle a handler uses to attach the decoded body to the request's record.
#[derive(Clone)]
pub(crate) struct BodySlot(Arc<Mutex<Entry>>);

impl BodySlot {
    /// Stores the decoded body.
    pub(crate) fn set(&self, body: RecordedBody) {
        if let Ok(mut entry) = self.0.lock() {
            entry.request.body = body;
        }
    }

    /// Arranges for the file field at `field` (its index in the multipart body this slot will
    /// receive) to get the hash of the content at `path` when the record is read. Returns the
    /// hash now when the content cannot be linked.
    pub(crate) async fn hash_later(
        &self,
        field: usize,
        path: &Path,
        size: u64,
    ) -> std::io::Result<Option<String>> {
        let hashes = match self.0.lock() {
            Ok(entry) => entry.hashes.clone(),
            Err(_) => return Ok(None),
        };
        let source = path.to_path_buf();
        let link = hashes.dir.as_ref().map(|dir| {
            let n = hashes.next_link.fetch_add(1, Ordering::Relaxed);
            dir.join(format!("content-{n}"))
        });
        enum Linked {
            Later(PathBuf),
            Now(String),
        }
        let linked = tokio::task::spawn_blocking(move || match link {
            Some(link) if std::fs::hard_link(&source, &link).is_ok() => Ok(Linked::Later(link)),
            _ => hash_file(&source).map(Linked::Now),
        })
        .await
        .map_err(std::io::Error::other)??;
        let link = match linked {
            Linked::Now(hash) => return Ok(Some(hash)),
            Linked::Later(link) => link,
        };
        hashes.bytes.fetch_add(size, Ordering::Relaxed);
        match self.0.lock() {
            Ok(mut entry) => entry.pending.push(PendingHash { field, link, size }),
            Err(_) => {
                let _ = std::fs::remove_file(&link);
                hashes.bytes.fetch_sub(size, Ordering::Relaxed);
                return Ok(None);
            }
        }
        if let Ok(mut queue) = hashes.queue.lock() {
            if queue.len() >= PRUNE_QUEUE_AT {
                queue.retain(|entry| entry.strong_count() > 0);
            }
            queue.push_back(Arc::downgrade(&self.0));
        }
        if hashes.bytes.load(Ordering::Relaxed) > hashes.budget
            && !hashes.draining.swap(true, Ordering::AcqRel)
        {
            tokio::task::spawn_blocking(move || hashes.drain());
        }
        Ok(None)
    }
}

/// Request counters and records of every route.
pub(crate) struct Recorder {
    inner: Mutex<RecorderInner>,
    hashes: Arc<PendingHashes>,
}

impl Default for Recorder {
    /// A recorder that hashes recorded files at once (it has nowhere to keep links).
    fn default() -> Self {
        Recorder::new(None, 0)
    }
}

#[derive(Default)]
struct RecorderInner {
    counts: HashMap<String, u64>,
    records: HashMap<String, Vec<Arc<Mutex<Entry>>>>,
}

impl Recorder {
    /// A recorder keeping links to content awaiting its hash in `links_dir` (an existing
    /// directory on the same filesystem as the uploads), up to about `budget` bytes of it.
    pub(crate) fn new(links_dir: Option<PathBuf>, budget: u64) -> Recorder {
        Recorder {
            inner: Mutex::default(),
            hashes: Arc::new(PendingHashes {
                dir: links_dir,
                budget,
                next_link: AtomicU64::new(0),
                bytes: AtomicU64::new(0),
                queue: Mutex::default(),
                draining: AtomicBool::new(false),
            }),
        }
    }

    /// Counts and records a request; the returned slot receives its body later.
    pub(crate) fn record(&self, route: &str, request: RecordedRequest) -> BodySlot {
        let entry = Arc::new(Mutex::new(Entry {
            request,
            pending: Vec::new(),
            hashes: self.hashes.clone(),
        }));
        if let Ok(mut inner) = self.inner.lock() {
            *inner.counts.entry(route.to_string()).or_insert(0) += 1;
            let list = inner.records.entry(route.to_string()).or_default();
            if list.len() >= MAX_RECORDED_PER_ROUTE {
                list.remove(0);
            }
            list.push(entry.clone());
        }
        BodySlot(entry)
    }

    /// Requests seen on `route` (a name or glob), faulted ones included.
    pub(crate) fn count(&self, route: &str) -> u64 {
        self.inner
            .lock()
            .map(|inner| {
                inner
                    .counts
                    .iter()
                    .filter(|(name, _)| crate::options::route_matches(route, name))
                    .map(|(_, n)| *n)
                    .sum()
            })
            .unwrap_or(0)
    }

    /// Recorded requests of `route` (a name or glob), oldest first within each route.
    ///
    /// Computes the hashes of recorded files not hashed yet (reading their content).
    pub(crate) fn recorded(&self, route: &str) -> Vec<RecordedRequest> {
        let entries: Vec<Arc<Mutex<Entry>>> = {
            let Ok(inner) = self.inner.lock() else {
                return Vec::new();
            };
            let mut names: Vec<&String> = inner
                .records
                .keys()
                .filter(|name| crate::options::route_matches(route, name))
                .collect();
            names.sort();
            names
                .into_iter()
                .flat_map(|name| inner.records[name].iter().cloned())
                .collect()
        };
        // Hashing happens without the recorder's lock, so requests keep flowing meanwhile.
        entries
            .iter()
            .filter_map(|entry| {
                entry.lock().ok().map(|mut entry| {
                    entry.resolve();
                    entry.request.clone()
                })
            })
            .collect()
    }

    /// Forgets every count and record.
    pub(crate) fn reset(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.counts.clear();
            inner.records.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str) -> RecordedRequest {
        RecordedRequest {
            method: "GET".into(),
            path: path.into(),
            query: Some("pbs=abc&pbe=1".into()),
            content_type: None,
            headers: vec![],
            has_authorization: false,
            body: RecordedBody::Empty,
        }
    }

    #[test]
    fn counts_by_name_and_glob() {
        let recorder = Recorder::default();
        recorder.record("upload.part", request("/a"));
        recorder.record("upload.part", request("/b"));
        recorder.record("upload.complete", request("/c"));
        assert_eq!(recorder.count("upload.part"), 2);
        assert_eq!(recorder.count("upload.*"), 3);
        assert_eq!(recorder.count("files.list"), 0);
        assert_eq!(recorder.recorded("upload.part")[1].path, "/b");
        recorder.reset();
        assert_eq!(recorder.count("*"), 0);
    }

    #[test]
    fn slot_sets_the_body() {
        let recorder = Recorder::default();
        let slot = recorder.record("files.list", request("/a"));
        slot.set(RecordedBody::Json(serde_json::json!({"a": 1})));
        assert_eq!(
            recorder.recorded("files.list")[0].body.json(),
            Some(&serde_json::json!({"a": 1}))
        );
    }

    fn multipart(size: u64) -> RecordedBody {
        RecordedBody::Multipart(vec![
            RecordedField::Text {
                name: "x-pixb-meta-assetdata".into(),
                value: "{}".into(),
            },
            RecordedField::File {
                name: "file".into(),
                filename: Some("file".into()),
                content_type: None,
                size,
                sha256: String::new(),
            },
        ])
    }

    fn sha256_of(data: &[u8]) -> String {
        hex::encode(Sha256::digest(data))
    }

    fn file_hash(request: &RecordedRequest) -> &str {
        match request.body.field("file") {
            Some(RecordedField::File { sha256, .. }) => sha256,
            other => panic!("no file field: {other:?}"),
        }
    }

    fn entries(dir: &Path) -> usize {
        std::fs::read_dir(dir).unwrap().count()
    }

    /// A temporary directory with `links/` and a file `name` holding `data`.
    fn content(dir: &tempfile::TempDir, name: &str, data: &[u8]) -> PathBuf {
        std::fs::create_dir_all(dir.path().join("links")).unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, data).unwrap();
        path
    }

    #[tokio::test]
    async fn file_hashes_are_computed_when_read_even_after_the_file_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let links = dir.path().join("links");
        let recorder = Recorder::new(Some(links.clone()), PENDING_HASH_BUDGET);
        let data = b"part content".repeat(1000);
        let path = content(&dir, "part", &data);
        let slot = recorder.record("upload.part", request("/p"));
        let now = slot.hash_later(1, &path, data.len() as u64).await.unwrap();
        assert_eq!(now, None, "hashed later, not now");
        slot.set(multipart(data.len() as u64));
        std::fs::remove_file(&path).unwrap();
        assert_eq!(entries(&links), 1);

        let recorded = recorder.recorded("upload.part");
        assert_eq!(file_hash(&recorded[0]), sha256_of(&data));
        assert_eq!(entries(&links), 0, "the link goes once hashed");
        // Read again: the same hash, from the record.
        assert_eq!(
            file_hash(&recorder.recorded("upload.*")[0]),
            sha256_of(&data)
        );
        assert_eq!(recorder.hashes.bytes.load(Ordering::Relaxed), 0);
    }

    #[tokio::test]
    async fn without_a_links_directory_files_are_hashed_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = content(&dir, "part", b"abc");
        let recorder = Recorder::default();
        let slot = recorder.record("upload.part", request("/p"));
        let now = slot.hash_later(1, &path, 3).await.unwrap();
        assert_eq!(now, Some(sha256_of(b"abc")));
    }

    #[tokio::test]
    async fn forgotten_records_release_their_links() {
        let dir = tempfile::tempdir().unwrap();
        let links = dir.path().join("links");
        let recorder = Recorder::new(Some(links.clone()), PENDING_HASH_BUDGET);
        let path = content(&dir, "part", b"abc");
        let slot = recorder.record("upload.part", request("/p"));
        slot.hash_later(1, &path, 3).await.unwrap();
        slot.set(multipart(3));
        drop(slot);
        assert_eq!(entries(&links), 1);
        recorder.reset();
        assert_eq!(entries(&links), 0);
        assert_eq!(recorder.hashes.bytes.load(Ordering::Relaxed), 0);
    }

    #[tokio::test]
    async fn over_the_budget_the_oldest_content_is_hashed_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let links = dir.path().join("links");
        let recorder = Recorder::new(Some(links.clone()), 10);
        let first = content(&dir, "first", b"12345678");
        let second = content(&dir, "second", b"abcdefgh");
        for (path, route) in [(&first, "upload.a"), (&second, "upload.b")] {
            let slot = recorder.record(route, request("/p"));
            slot.set(multipart(8));
            slot.hash_later(1, path, 8).await.unwrap();
        }
        // 16 bytes linked > 10: the first record is hashed and its link dropped.
        for _ in 0..500 {
            if entries(&links) == 1 && !recorder.hashes.draining.load(Ordering::Acquire) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(entries(&links), 1);
        assert_eq!(recorder.hashes.bytes.load(Ordering::Relaxed), 8);
        std::fs::remove_file(&first).unwrap();
        std::fs::remove_file(&second).unwrap();
        let recorded = recorder.recorded("upload.*");
        assert_eq!(file_hash(&recorded[0]), sha256_of(b"12345678"));
        assert_eq!(file_hash(&recorded[1]), sha256_of(b"abcdefgh"));
        assert_eq!(entries(&links), 0);
    }

    #[test]
    fn debug_hides_signatures() {
        let text = format!("{:?}", request("/a"));
        assert!(!text.contains("abc"), "{text}");
        assert!(text.contains("pbs=[REDACTED]&pbe=[REDACTED]"), "{text}");
    }
}
