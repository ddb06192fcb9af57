//! Many files up at once: a directory tree (relative folders kept under a remote path) or any
//! list of sources, as a stream of per-file results.
//!
//! Files go up in parallel under one overall memory budget (the upload options'). How many at
//! once adapts (`flight.rs`): small files run tens at once, each holding its own bytes and sent
//! in one request (`direct.rs`); large ones (signed multipart) hold a quarter of the budget
//! each, within which their parts adapt (with a fixed part concurrency, each sends
//! `parts / 4` parts at a time, at least one). A fixed number of files splits the budget
//! evenly between them instead. Memory stays within the one budget however many files there
//! are.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::{BoxStream, FuturesUnordered, Stream, StreamExt};
use tokio::time::Instant;

use pixelbin_http::naming::remote_path;

use crate::FileObject;
use crate::direct;
use crate::error::UploadError;
use crate::flight::{FilesWindow, MAX_FILES_IN_FLIGHT};
use crate::options::{AUTO_CHUNK_SIZE, ConcurrencyMode, UploadOptions};
use crate::path_estimate::PathMemory;
use crate::request::UploadRequest;
use crate::source::UploadSource;
use crate::uploader::Uploader;

/// One file of a many-files upload, reported under `key`.
pub struct UploadItem<K> {
    /// What the result is reported under (e.g. the local path).
    pub key: K,
    /// The bytes.
    pub source: UploadSource,
    /// Name, folder and the other fields of the stored file.
    pub request: UploadRequest,
}

impl<K: fmt::Debug> fmt::Debug for UploadItem<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadItem")
            .field("key", &self.key)
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

impl<K> UploadItem<K> {
    /// An item uploading `source` as described by `request`.
    pub fn new(key: K, source: UploadSource, request: UploadRequest) -> Self {
        UploadItem {
            key,
            source,
            request,
        }
    }
}

/// A file found below a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeFile {
    /// Where to read it.
    pub path: PathBuf,
    /// Its path below the directory walked (the file name when a file was given).
    pub relative: PathBuf,
}

/// The files of `root`: itself when it is a file, else every file below it, recursively, sorted
/// by relative path. Hidden files and folders (names starting with `.`) are skipped; symbolic
/// links are followed.
///
/// # Errors
/// When `root` or a directory below it cannot be read.
pub fn files_under(root: &Path) -> io::Result<Vec<TreeFile>> {
    let meta = std::fs::metadata(root)?;
    if !meta.is_dir() {
        let relative = root
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_else(|| root.to_path_buf());
        return Ok(vec![TreeFile {
            path: root.to_path_buf(),
            relative,
        }]);
    }
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => pending.push(path),
                Ok(m) if m.is_file() => {
                    let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                    found.push(TreeFile { path, relative });
                }
                // Sockets, broken links and the like are not files to upload.
                _ => {}
            }
        }
    }
    found.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(found)
}

impl TreeFile {
    /// The request storing this file under `remote` (a folder path, `None` for the root):
    /// its relative folders are kept below `remote`, its name is the file name without the
    /// extension and its format the extension (`jpg` read as `jpeg`).
    pub fn request(&self, remote: Option<&str>, base: &UploadRequest) -> UploadRequest {
        let mut request = base.clone();
        let below = self
            .relative
            .parent()
            .into_iter()
            .flat_map(Path::components);
        let folder = remote_path(
            remote
                .map(str::to_string)
                .into_iter()
                .chain(below.map(|c| c.as_os_str().to_string_lossy().into_owned())),
        );
        if !folder.is_empty() {
            request = request.path(folder);
        }
        request.defaults_from_file(&self.relative)
    }
}

/// Files below this size go up in one request (`fileUpload`) in a many-files upload, unless
/// [`ManyOptions::one_request_max`] says otherwise: one [`AUTO_CHUNK_SIZE`], so exactly the
/// files the signed multipart upload would send as one part, over one connection, in three
/// requests (signed URL, part, completion) where one does.
pub const ONE_REQUEST_MAX: u64 = AUTO_CHUNK_SIZE as u64;

/// Large files (signed multipart uploads) at once when the files in flight adapt: each takes a
/// quarter of the memory budget, as the default of 4 files at once used to.
const LARGE_FILES_SHARE: usize = 4;

/// How a many-files upload runs.
///
/// By default the files in flight adapt ([`START_FILES`](crate::START_FILES) at first, growing while it pays, up
/// to [`MAX_FILES_IN_FLIGHT`], halved at once when the service pushes back) within the upload
/// options' one memory budget: a small file holds its own bytes, a large one (signed multipart)
/// a quarter of the budget, within which its parts adapt. Files up to
/// [`ONE_REQUEST_MAX`] that have a name go up in one request. [`files`](Self::files) fixes the
/// files in flight instead (and splits the budget evenly between them, as before).
#[derive(Clone)]
#[non_exhaustive]
pub struct ManyOptions {
    /// Files uploading at once: `None` (the default) adapts; `Some(n)` fixes it (at least 1).
    pub files: Option<usize>,
    /// The most files in flight when they adapt (default [`MAX_FILES_IN_FLIGHT`]).
    pub max_files: usize,
    /// Parts in flight across all files when `upload` fixes the concurrency; `None` (the
    /// default): each large file sends `upload`'s fixed number of parts.
    pub parts: Option<usize>,
    /// Files of at most this many bytes go up in one request (`fileUpload`); 0 sends every
    /// file through the signed multipart upload. Default [`ONE_REQUEST_MAX`].
    pub one_request_max: u64,
    /// Options of each file's upload; its memory budget is the whole upload's (a large file
    /// gets its share of it) and, with a fixed concurrency, its parts are a share of `parts`.
    pub upload: UploadOptions,
}

impl Default for ManyOptions {
    fn default() -> Self {
        ManyOptions {
            files: None,
            max_files: MAX_FILES_IN_FLIGHT,
            parts: None,
            one_request_max: ONE_REQUEST_MAX,
            upload: UploadOptions::default(),
        }
    }
}

impl fmt::Debug for ManyOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManyOptions")
            .field("files", &self.files)
            .field("max_files", &self.max_files)
            .field("parts", &self.parts)
            .field("one_request_max", &self.one_request_max)
            .finish_non_exhaustive()
    }
}

impl ManyOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fixes how many files upload at once (at least 1) instead of adapting.
    pub fn files(mut self, n: usize) -> Self {
        self.files = Some(n.max(1));
        self
    }

    /// Caps the files in flight when they adapt (at least 1).
    pub fn max_files(mut self, n: usize) -> Self {
        self.max_files = n.max(1);
        self
    }

    /// Sets the parts in flight across all files, for a fixed concurrency (each large file
    /// gets its share).
    pub fn parts(mut self, n: usize) -> Self {
        self.parts = Some(n.max(1));
        self
    }

    /// Sets the largest file sent in one request (0: none).
    pub fn one_request_max(mut self, bytes: u64) -> Self {
        self.one_request_max = bytes;
        self
    }

    /// Sets each file's upload options (chunk size, retries, timeouts, the memory budget).
    pub fn upload(mut self, options: UploadOptions) -> Self {
        self.upload = options;
        self
    }

    /// The files a large file shares the budget with.
    fn large_share(&self) -> usize {
        self.files.unwrap_or(LARGE_FILES_SHARE).max(1)
    }

    /// A large file's options: its share of the overall budget.
    fn per_file(&self) -> UploadOptions {
        let files = self.large_share();
        // Large files share the link here: what one of them sees is no estimate of the path
        // for a file alone, nor the other way round.
        let options = self.upload.clone().path_memory(PathMemory::Off);
        match options.concurrency {
            ConcurrencyMode::Auto => {
                let share = options.memory_budget / files;
                options.memory_budget(share)
            }
            ConcurrencyMode::Fixed(n) => match self.parts {
                Some(parts) => options.concurrency((parts / files).max(1)),
                None => options.concurrency(n),
            },
        }
    }

    /// The memory a large file holds at most with [`per_file`](Self::per_file)'s options.
    fn large_cost(&self, per_file: &UploadOptions) -> u64 {
        match per_file.concurrency {
            ConcurrencyMode::Auto => per_file.memory_budget as u64,
            ConcurrencyMode::Fixed(n) => {
                let chunk = per_file
                    .chunk_size
                    .unwrap_or_else(|| per_file.unset_chunk_size());
                (chunk as u64).saturating_mul(n as u64 + 1)
            }
        }
    }
}

/// Results of a many-files upload, `(key, result)` in completion order. Dropping it stops the
/// uploads in flight and starts no more.
pub struct UploadStream<K> {
    inner: BoxStream<'static, (K, Result<FileObject, UploadError>)>,
    files_in_flight: Arc<AtomicUsize>,
}

impl<K> fmt::Debug for UploadStream<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadStream")
            .field("files_in_flight", &self.files_in_flight())
            .finish_non_exhaustive()
    }
}

impl<K> UploadStream<K> {
    /// The files allowed in flight now (what the adaptive window has reached, or the fixed
    /// number).
    pub fn files_in_flight(&self) -> usize {
        self.files_in_flight.load(Ordering::Relaxed)
    }
}

impl<K> Stream for UploadStream<K> {
    type Item = (K, Result<FileObject, UploadError>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

/// How one file goes up.
enum Route {
    /// In one request: its bytes are read whole (at most `one_request_max`).
    OneRequest(u64),
    /// Signed multipart, with the large-file options.
    Multipart,
}

/// One file's end, for the window.
struct Ended<K> {
    key: K,
    result: Result<FileObject, UploadError>,
    epoch: u64,
    bytes: u64,
    cost: u64,
    pushed_back: bool,
}

/// The one task deciding what starts: the window, the bytes held, the files in flight.
struct Driver<K, I: Iterator> {
    uploader: Uploader,
    items: std::iter::Peekable<I>,
    /// The next item's route and memory cost, once looked at.
    next: Option<(Route, u64)>,
    window: FilesWindow,
    shared_limit: Arc<AtomicUsize>,
    in_flight: FuturesUnordered<BoxFuture<'static, Ended<K>>>,
    held: u64,
    budget: u64,
    one_request_max: u64,
    large: UploadOptions,
    large_cost: u64,
}

impl<K, I> Driver<K, I>
where
    K: Send + 'static,
    I: Iterator<Item = UploadItem<K>> + Send + 'static,
{
    /// The next result, starting what the window and the budget allow first.
    async fn next(&mut self) -> Option<(K, Result<FileObject, UploadError>)> {
        self.start_what_fits().await;
        let ended = self.in_flight.next().await?;
        self.held = self.held.saturating_sub(ended.cost);
        // A file that failed on a 429 or 503 after its retries was pushed back too.
        let refused = ended
            .result
            .as_ref()
            .err()
            .and_then(UploadError::status)
            .is_some_and(|s| s == 429 || s == 503);
        self.window.done(
            ended.epoch,
            ended.bytes,
            ended.result.is_ok(),
            ended.pushed_back || refused,
            Instant::now(),
        );
        self.shared_limit
            .store(self.window.allowed(), Ordering::Relaxed);
        Some((ended.key, ended.result))
    }

    async fn start_what_fits(&mut self) {
        while self.in_flight.len() < self.window.allowed() {
            if self.items.peek().is_none() {
                return;
            }
            if self.next.is_none() {
                let route = self.route().await;
                self.next = Some(route);
            }
            let Some((_, cost)) = &self.next else { return };
            // Within the budget, but never stuck: one file always goes.
            if !self.in_flight.is_empty() && self.held.saturating_add(*cost) > self.budget {
                return;
            }
            let (Some((route, cost)), Some(item)) = (self.next.take(), self.items.next()) else {
                return;
            };
            self.held += cost;
            let now = Instant::now();
            self.window.started(now);
            let epoch = self.window.epoch();
            let uploader = self.uploader.clone();
            let large = self.large.clone();
            let one_request_max = self.one_request_max;
            self.in_flight.push(Box::pin(async move {
                let (result, bytes, pushed_back) = upload_one(
                    &uploader,
                    item.source,
                    item.request,
                    route,
                    large,
                    one_request_max,
                )
                .await;
                Ended {
                    key: item.key,
                    result,
                    epoch,
                    bytes,
                    cost,
                    pushed_back,
                }
            }));
        }
    }

    /// How the next item goes up and the memory it holds meanwhile.
    async fn route(&mut self) -> (Route, u64) {
        let Some(item) = self.items.peek() else {
            return (Route::Multipart, self.large_cost);
        };
        if self.one_request_max == 0 || !direct::fits(&named(&item.source, &item.request)) {
            return (Route::Multipart, self.large_cost);
        }
        let len = match &item.source {
            UploadSource::Bytes(bytes) => Some(bytes.len() as u64),
            UploadSource::Path(path) => tokio::fs::metadata(path)
                .await
                .ok()
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len()),
            UploadSource::Reader { .. } => None,
        };
        match len {
            Some(len) if len > 0 && len <= self.one_request_max => (Route::OneRequest(len), len),
            _ => (Route::Multipart, self.large_cost),
        }
    }
}

/// The request as the upload would complete it from the source's file name.
fn named(source: &UploadSource, request: &UploadRequest) -> UploadRequest {
    match source {
        UploadSource::Path(path) => request.clone().defaults_from_file(path),
        _ => request.clone(),
    }
}

/// Uploads one file by `route`: `(result, bytes, pushed back)`.
async fn upload_one(
    uploader: &Uploader,
    source: UploadSource,
    request: UploadRequest,
    route: Route,
    large: UploadOptions,
    one_request_max: u64,
) -> (Result<FileObject, UploadError>, u64, bool) {
    let Route::OneRequest(len) = route else {
        let len = source.len().unwrap_or(0);
        return (uploader.upload(source, request, large).await, len, false);
    };
    let request = named(&source, &request);
    let data = match source {
        UploadSource::Bytes(bytes) => bytes,
        UploadSource::Path(path) => match read_at_most(&path, one_request_max).await {
            Ok(Some(data)) => data,
            // It grew past the limit since it was looked at: the multipart upload takes it.
            Ok(None) => {
                let source = UploadSource::Path(path);
                return (uploader.upload(source, request, large).await, len, false);
            }
            Err(source) => {
                return (
                    Err(UploadError::Source {
                        source,
                        resume: None,
                    }),
                    len,
                    false,
                );
            }
        },
        UploadSource::Reader { .. } => {
            return (uploader.upload(source, request, large).await, len, false);
        }
    };
    if data.is_empty() {
        return (Err(UploadError::EmptySource), 0, false);
    }
    let bytes = data.len() as u64;
    if let Err(error) = large.validate() {
        return (Err(error), bytes, false);
    }
    if let Err(error) = request.validate() {
        return (
            Err(UploadError::InvalidOptions(error.to_string())),
            bytes,
            false,
        );
    }
    match direct::upload(uploader.transport(), data, &request, &large).await {
        Ok(sent) => (Ok(sent.file), bytes, sent.pushed_back),
        Err(error) => (Err(error), bytes, false),
    }
}

/// The whole file when it holds at most `max` bytes, `None` when it holds more.
async fn read_at_most(path: &Path, max: u64) -> io::Result<Option<Bytes>> {
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let mut data = Vec::with_capacity(usize::try_from(max).unwrap_or(0).min(1 << 20));
    file.take(max.saturating_add(1))
        .read_to_end(&mut data)
        .await
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    if data.len() as u64 > max {
        return Ok(None);
    }
    Ok(Some(Bytes::from(data)))
}

impl Uploader {
    /// Uploads many files and streams each one's result as it ends. Items are taken from
    /// `items` lazily.
    ///
    /// How many go at once adapts (see [`ManyOptions`]) unless [`ManyOptions::files`] fixes
    /// it; [`UploadStream::files_in_flight`] tells where it is. Small named files go up in one
    /// request each (`fileUpload`), larger ones through the signed multipart upload of
    /// [`Uploader::upload`]; either way the result is the stored file object and the request's
    /// name, folder, overwrite and rename rules are the same.
    ///
    /// ```no_run
    /// use futures::StreamExt;
    /// use pixelbin_upload::{ManyOptions, UploadItem, UploadRequest, UploadSource, Uploader, files_under};
    ///
    /// # async fn demo(uploader: Uploader) -> std::io::Result<()> {
    /// // photos/summer/a.jpg is stored as catalogue/summer/a.
    /// let items = files_under("photos".as_ref())?.into_iter().map(|file| {
    ///     let request = file.request(Some("catalogue"), &UploadRequest::new());
    ///     UploadItem::new(file.path.clone(), UploadSource::from_path(&file.path), request)
    /// });
    /// let mut results = uploader.upload_many(items, ManyOptions::new());
    /// while let Some((path, result)) = results.next().await {
    ///     match result {
    ///         Ok(file) => println!("{}: {}", path.display(), file.url.unwrap_or_default()),
    ///         Err(error) => println!("{}: {error}", path.display()),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn upload_many<K, I>(&self, items: I, options: ManyOptions) -> UploadStream<K>
    where
        K: Send + 'static,
        I: IntoIterator<Item = UploadItem<K>>,
        I::IntoIter: Send + 'static,
    {
        let window = match options.files {
            Some(n) => FilesWindow::fixed(n),
            None => FilesWindow::adaptive(options.max_files),
        };
        let shared_limit = Arc::new(AtomicUsize::new(window.allowed()));
        let large = options.per_file();
        let driver = Driver {
            uploader: self.clone(),
            items: items.into_iter().peekable(),
            next: None,
            window,
            shared_limit: shared_limit.clone(),
            in_flight: FuturesUnordered::new(),
            held: 0,
            budget: options.upload.memory_budget as u64,
            one_request_max: options.one_request_max,
            large_cost: options.large_cost(&large),
            large,
        };
        let inner = futures::stream::unfold(driver, |mut driver| async move {
            let item = driver.next().await?;
            Some((item, driver))
        })
        .boxed();
        UploadStream {
            inner,
            files_in_flight: shared_limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_are_walked_sorted_without_hidden_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in ["b.png", "a/c.JPG", "a/b/d.png", ".hidden.png", ".git/x.png"] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"x").unwrap();
        }
        let files = files_under(root).unwrap();
        let relative: Vec<_> = files.iter().map(|f| f.relative.clone()).collect();
        assert_eq!(
            relative,
            ["a/b/d.png", "a/c.JPG", "b.png"]
                .map(PathBuf::from)
                .to_vec()
        );
        let request =
            serde_json::to_value(files[1].request(Some("/shop/"), &UploadRequest::new())).unwrap();
        assert_eq!(
            request,
            serde_json::json!({"name": "c", "path": "shop/a", "format": "jpeg"})
        );
        let top = serde_json::to_value(files[2].request(None, &UploadRequest::new())).unwrap();
        assert_eq!(top, serde_json::json!({"name": "b", "format": "png"}));
        let single = files_under(&root.join("a/c.JPG")).unwrap();
        assert_eq!(single[0].relative, PathBuf::from("c.JPG"));
        assert!(files_under(&root.join("missing")).is_err());
    }

    #[test]
    fn the_budget_is_shared_between_files() {
        let fixed = |files, parts| {
            let options = ManyOptions::new()
                .files(files)
                .parts(parts)
                .upload(UploadOptions::default().concurrency(5));
            options.per_file().concurrency
        };
        assert_eq!(fixed(4, 8), ConcurrencyMode::Fixed(2));
        assert_eq!(fixed(3, 10), ConcurrencyMode::Fixed(3));
        assert_eq!(fixed(8, 2), ConcurrencyMode::Fixed(1));
        // Without a total, each large file sends its own fixed number of parts.
        let own = ManyOptions::new()
            .files(4)
            .upload(UploadOptions::default().concurrency(5))
            .per_file();
        assert_eq!(own.concurrency, ConcurrencyMode::Fixed(5));
        let auto = ManyOptions::new()
            .files(4)
            .upload(UploadOptions::default().memory_budget(64 << 20))
            .per_file();
        assert_eq!(auto.concurrency, ConcurrencyMode::Auto);
        assert_eq!(auto.memory_budget, 16 << 20);
        // Adaptive files: a large file holds a quarter of the budget.
        let options = ManyOptions::new().upload(UploadOptions::default().memory_budget(64 << 20));
        let large = options.per_file();
        assert_eq!(large.memory_budget, 16 << 20);
        assert_eq!(options.large_cost(&large), 16 << 20);
        let fixed = ManyOptions::new()
            .parts(8)
            .upload(UploadOptions::default().concurrency(5).chunk_size(1 << 20));
        let large = fixed.per_file();
        assert_eq!(large.concurrency, ConcurrencyMode::Fixed(2));
        assert_eq!(fixed.large_cost(&large), 3 << 20);
    }
}
