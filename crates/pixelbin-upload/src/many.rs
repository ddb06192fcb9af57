//! Many files up at once: a directory tree (relative folders kept under a remote path) or any
//! list of sources, as a stream of per-file results.
//!
//! Files go up in parallel under one overall budget, split evenly between the `files` uploads
//! running at once: with automatic part concurrency (the default) each upload adapts within
//! `memory_budget / files` bytes; with a fixed one, each sends `parts / files` parts at a time
//! (at least one). Memory stays within the one budget however many files there are.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt};

use crate::FileObject;
use crate::error::UploadError;
use crate::options::{ConcurrencyMode, UploadOptions};
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
        let mut folders: Vec<String> = remote
            .into_iter()
            .flat_map(|r| r.split('/'))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if let Some(parent) = self.relative.parent() {
            folders.extend(
                parent
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned()),
            );
        }
        if !folders.is_empty() {
            request = request.path(folders.join("/"));
        }
        if let Some(name) = default_name(&self.relative) {
            request = request.name(name);
        }
        if let Some(format) = default_format(&self.relative) {
            request = request.format(format);
        }
        request
    }
}

/// The file name without its extension.
pub fn default_name(file: &Path) -> Option<String> {
    file.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
}

/// The file's extension in lower case, `jpg` read as `jpeg`.
pub fn default_format(file: &Path) -> Option<String> {
    let ext = file.extension()?.to_string_lossy().to_ascii_lowercase();
    match ext.as_str() {
        "" => None,
        "jpg" => Some("jpeg".to_string()),
        _ => Some(ext),
    }
}

/// How a many-files upload runs. Default: 4 files at once sharing the upload options' memory
/// budget (automatic concurrency), or 8 parts when the concurrency is fixed.
#[derive(Clone)]
#[non_exhaustive]
pub struct ManyOptions {
    /// Files uploading at once (at least 1).
    pub files: usize,
    /// Parts in flight across all files when `upload` fixes the concurrency.
    pub parts: usize,
    /// Options of each file's upload; its share of the budget replaces its `memory_budget`
    /// (automatic concurrency) or its parts in flight (fixed).
    pub upload: UploadOptions,
}

impl Default for ManyOptions {
    fn default() -> Self {
        ManyOptions {
            files: 4,
            parts: 8,
            upload: UploadOptions::default(),
        }
    }
}

impl fmt::Debug for ManyOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManyOptions")
            .field("files", &self.files)
            .field("parts", &self.parts)
            .finish_non_exhaustive()
    }
}

impl ManyOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how many files upload at once.
    pub fn files(mut self, n: usize) -> Self {
        self.files = n.max(1);
        self
    }

    /// Sets the parts in flight across all files, for a fixed concurrency.
    pub fn parts(mut self, n: usize) -> Self {
        self.parts = n.max(1);
        self
    }

    /// Sets each file's upload options (chunk size, retries, timeouts).
    pub fn upload(mut self, options: UploadOptions) -> Self {
        self.upload = options;
        self
    }

    /// Each file's options: its even share of the overall budget.
    fn per_file(&self) -> UploadOptions {
        let files = self.files.max(1);
        let options = self.upload.clone();
        match options.concurrency {
            ConcurrencyMode::Auto => {
                let share = options.memory_budget / files;
                options.memory_budget(share)
            }
            ConcurrencyMode::Fixed(_) => options.concurrency((self.parts / files).max(1)),
        }
    }
}

/// Results of a many-files upload, `(key, result)` in completion order. Dropping it stops the
/// uploads in flight and starts no more.
pub struct UploadStream<K> {
    inner: BoxStream<'static, (K, Result<FileObject, UploadError>)>,
}

impl<K> fmt::Debug for UploadStream<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadStream").finish_non_exhaustive()
    }
}

impl<K> Stream for UploadStream<K> {
    type Item = (K, Result<FileObject, UploadError>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl Uploader {
    /// Uploads many files, `options.files` at a time, and streams each one's result as it
    /// ends. Items are taken from `items` lazily.
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
    /// let mut results = uploader.upload_many(items, ManyOptions::new().files(8).parts(16));
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
        let uploader = self.clone();
        let per_file = options.per_file();
        let inner = futures::stream::iter(items)
            .map(move |item| {
                let uploader = uploader.clone();
                let options = per_file.clone();
                async move {
                    let result = uploader.upload(item.source, item.request, options).await;
                    (item.key, result)
                }
            })
            .buffer_unordered(options.files.max(1))
            .boxed();
        UploadStream { inner }
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
        let auto = ManyOptions::new()
            .files(4)
            .upload(UploadOptions::default().memory_budget(64 << 20))
            .per_file();
        assert_eq!(auto.concurrency, ConcurrencyMode::Auto);
        assert_eq!(auto.memory_budget, 16 << 20);
    }
}
