//! The model input builder: files, URLs, text, numbers, booleans, JSON values and lists.

use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;

use bytes::Bytes;
use serde_json::{Number, Value};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::error::{Error, InputProblem};
use pixelbin_http::model as sniff;

/// A boxed reader a file input reads from.
type BoxedReader = Box<dyn AsyncRead + Send + Unpin + 'static>;

/// Where a file input's bytes come from.
enum FileSource {
    /// Bytes in memory.
    Bytes(Bytes),
    /// A file on disk, read when the request is sent.
    Path(PathBuf),
    /// Any reader, read to its end when the request is sent. Behind a mutex only so that
    /// [`PredictionInput`] stays `Sync`; it is taken exactly once.
    Reader(Mutex<Option<BoxedReader>>),
    /// A regular file after [`PredictionInput::load`]: its size and first bytes are known
    /// (for checks and sniffing); the rest is streamed from disk when the request is sent.
    OnDisk {
        path: PathBuf,
        len: u64,
        head: Bytes,
    },
}

/// How much of a file on disk is read up front, to sniff its type and pixel size.
const HEAD_LEN: u64 = 64 * 1024;

/// Most bytes a file input that is a pipe, FIFO or process substitution may hold: it is
/// kept in memory (it cannot be read twice), so it is capped; regular files have no cap here
/// because they are streamed from disk.
pub const MAX_STREAMED_INPUT: u64 = 256 * 1024 * 1024;

impl fmt::Debug for FileSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileSource::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            FileSource::Path(p) => f.debug_tuple("Path").field(p).finish(),
            FileSource::Reader(_) => f.write_str("Reader(..)"),
            FileSource::OnDisk { path, len, .. } => {
                write!(f, "OnDisk({}, {len} bytes)", path.display())
            }
        }
    }
}

/// A file input: its bytes (or where to get them), an optional file name and content type.
///
/// Defaults when sending: the file name of a path, else `<key>.jpg` (as the reference); the
/// content type given, else sniffed from the bytes, else guessed from the file name, else
/// `application/octet-stream`.
#[derive(Debug)]
pub struct FileInput {
    /// Where the bytes come from.
    source: FileSource,
    /// The file name sent in the part's `Content-Disposition`.
    pub filename: Option<String>,
    /// The part's `Content-Type`.
    pub content_type: Option<String>,
}

impl FileInput {
    /// A file from bytes in memory.
    pub fn bytes(data: impl Into<Bytes>) -> Self {
        FileInput {
            source: FileSource::Bytes(data.into()),
            filename: None,
            content_type: None,
        }
    }

    /// A file read from `path` when the request is sent.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        FileInput {
            source: FileSource::Path(path.into()),
            filename: None,
            content_type: None,
        }
    }

    /// A file read from `reader` (to its end) when the request is sent.
    pub fn reader(reader: impl AsyncRead + Send + Unpin + 'static) -> Self {
        FileInput {
            source: FileSource::Reader(Mutex::new(Some(Box::new(reader)))),
            filename: None,
            content_type: None,
        }
    }

    /// Sets the file name.
    pub fn filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = Some(filename.into());
        self
    }

    /// Sets the content type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The bytes, if they are in memory (after [`PredictionInput::load`], true for readers;
    /// a regular file stays on disk and is streamed when sent).
    pub fn data(&self) -> Option<&Bytes> {
        match &self.source {
            FileSource::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The size in bytes, when known (bytes in memory, or a file after
    /// [`PredictionInput::load`]).
    pub fn size(&self) -> Option<u64> {
        match &self.source {
            FileSource::Bytes(b) => Some(b.len() as u64),
            FileSource::OnDisk { len, .. } => Some(*len),
            _ => None,
        }
    }

    /// The first bytes, enough to sniff the type and pixel size, when known.
    pub(crate) fn head(&self) -> Option<&[u8]> {
        match &self.source {
            FileSource::Bytes(b) => Some(b),
            FileSource::OnDisk { head, .. } => Some(head),
            _ => None,
        }
    }

    /// The file to stream and its size, for a loaded regular file.
    pub(crate) fn on_disk(&self) -> Option<(&std::path::Path, u64)> {
        match &self.source {
            FileSource::OnDisk { path, len, .. } => Some((path, *len)),
            _ => None,
        }
    }

    /// The name the caller gave the file: its `filename`, else the file name of its path;
    /// `None` for bytes or a reader without one.
    pub(crate) fn given_name(&self) -> Option<&str> {
        if let Some(name) = &self.filename {
            return Some(name);
        }
        match &self.source {
            FileSource::Path(p) | FileSource::OnDisk { path: p, .. } => {
                p.file_name().and_then(|n| n.to_str())
            }
            _ => None,
        }
    }

    /// The file name that will be sent for input `key`.
    pub fn effective_filename(&self, key: &str) -> String {
        if let Some(name) = &self.filename {
            return name.clone();
        }
        if let FileSource::Path(p) | FileSource::OnDisk { path: p, .. } = &self.source
            && let Some(name) = p.file_name()
        {
            return name.to_string_lossy().into_owned();
        }
        format!("{key}.jpg")
    }

    /// The content type that will be sent for input `key` (see the type docs for the order).
    pub fn effective_content_type(&self, key: &str) -> String {
        if let Some(ct) = &self.content_type {
            return ct.clone();
        }
        if let Some(ct) = self.head().and_then(sniff::content_type_of) {
            return ct.to_string();
        }
        sniff::content_type_for_name(&self.effective_filename(key))
            .unwrap_or("application/octet-stream")
            .to_string()
    }

    /// A copy that can be sent again: `None` for a reader, which can be read only once.
    fn try_clone(&self) -> Option<FileInput> {
        let source = match &self.source {
            FileSource::Bytes(b) => FileSource::Bytes(b.clone()),
            FileSource::Path(p) => FileSource::Path(p.clone()),
            FileSource::OnDisk { path, len, head } => FileSource::OnDisk {
                path: path.clone(),
                len: *len,
                head: head.clone(),
            },
            FileSource::Reader(_) => return None,
        };
        Some(FileInput {
            source,
            filename: self.filename.clone(),
            content_type: self.content_type.clone(),
        })
    }

    /// Reads a path or reader source into memory; the file name of a path is kept.
    async fn load(self, key: &str) -> Result<FileInput, Error> {
        let FileInput {
            source,
            filename,
            content_type,
        } = self;
        let (data, filename) = match source {
            FileSource::Bytes(b) => (b, filename),
            source @ FileSource::OnDisk { .. } => {
                return Ok(FileInput {
                    source,
                    filename,
                    content_type,
                });
            }
            FileSource::Path(path) => {
                let read_err = |source| Error::ReadInput {
                    key: key.to_string(),
                    source_desc: path.display().to_string(),
                    source,
                };
                let filename =
                    filename.or_else(|| path.file_name().map(|n| n.to_string_lossy().into_owned()));
                let file = pixelbin_http::local_file::open_for_sending(
                    &path,
                    pixelbin_http::local_file::DEFAULT_FIFO_OPEN_TIMEOUT,
                )
                .await
                .map_err(read_err)?;
                let mut file = tokio::fs::File::from_std(file);
                let meta = file.metadata().await.map_err(read_err)?;
                if meta.is_file() {
                    // A regular file stays on disk: streamed when sent, so a large
                    // input costs no memory; a retry reads it again.
                    let mut head = Vec::new();
                    (&mut file)
                        .take(HEAD_LEN)
                        .read_to_end(&mut head)
                        .await
                        .map_err(read_err)?;
                    return Ok(FileInput {
                        source: FileSource::OnDisk {
                            path,
                            len: meta.len(),
                            head: Bytes::from(head),
                        },
                        filename,
                        content_type,
                    });
                }
                // A pipe or process substitution has no size and can be read only once:
                // it is read into memory, up to a cap, so that a retry can send it again.
                let mut data = Vec::new();
                (&mut file)
                    .take(MAX_STREAMED_INPUT + 1)
                    .read_to_end(&mut data)
                    .await
                    .map_err(read_err)?;
                if data.len() as u64 > MAX_STREAMED_INPUT {
                    return Err(read_err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!(
                            "more than {} MiB arrived from a pipe; save the input to a file \
                             (files are streamed from disk) and pass its path",
                            MAX_STREAMED_INPUT >> 20
                        ),
                    )));
                }
                (Bytes::from(data), filename)
            }
            FileSource::Reader(slot) => {
                // A poisoned lock still holds the reader; nothing else can observe it.
                let reader = slot.into_inner().unwrap_or_else(|e| e.into_inner());
                let Some(mut reader) = reader else {
                    return Err(Error::ReadInput {
                        key: key.to_string(),
                        source_desc: "reader".into(),
                        source: std::io::Error::other("the reader was already consumed"),
                    });
                };
                let mut buf = Vec::new();
                reader
                    .read_to_end(&mut buf)
                    .await
                    .map_err(|source| Error::ReadInput {
                        key: key.to_string(),
                        source_desc: "reader".into(),
                        source,
                    })?;
                (Bytes::from(buf), filename)
            }
        };
        Ok(FileInput {
            source: FileSource::Bytes(data),
            filename,
            content_type,
        })
    }
}

/// One input value.
#[derive(Debug)]
#[non_exhaustive]
pub enum InputValue {
    /// A string.
    Text(String),
    /// A URL string (checked to be an absolute `http(s)` URL before sending).
    Url(String),
    /// A boolean: `true`/`false` in JSON, `"true"`/`"false"` in multipart.
    Bool(bool),
    /// A number.
    Number(Number),
    /// Any JSON value: objects are sent JSON-encoded as a string (as the reference does), arrays
    /// as lists, `null` omits the field.
    Json(Value),
    /// A list: a JSON array, or the field repeated in multipart.
    List(Vec<InputValue>),
    /// A file: makes the request multipart.
    File(FileInput),
}

impl InputValue {
    /// True if this value is a file or a list holding one.
    pub fn has_file(&self) -> bool {
        match self {
            InputValue::File(_) => true,
            InputValue::List(items) => items.iter().any(InputValue::has_file),
            _ => false,
        }
    }

    /// A copy that can be sent again: `None` when it holds a reader.
    fn try_clone(&self) -> Option<InputValue> {
        Some(match self {
            InputValue::Text(s) => InputValue::Text(s.clone()),
            InputValue::Url(s) => InputValue::Url(s.clone()),
            InputValue::Bool(b) => InputValue::Bool(*b),
            InputValue::Number(n) => InputValue::Number(n.clone()),
            InputValue::Json(v) => InputValue::Json(v.clone()),
            InputValue::List(items) => InputValue::List(
                items
                    .iter()
                    .map(InputValue::try_clone)
                    .collect::<Option<_>>()?,
            ),
            InputValue::File(f) => InputValue::File(f.try_clone()?),
        })
    }

    fn load(self, key: &str) -> futures::future::BoxFuture<'_, Result<InputValue, Error>> {
        Box::pin(async move {
            Ok(match self {
                InputValue::File(f) => InputValue::File(f.load(key).await?),
                InputValue::List(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        out.push(item.load(key).await?);
                    }
                    InputValue::List(out)
                }
                other => other,
            })
        })
    }
}

impl From<&str> for InputValue {
    fn from(v: &str) -> Self {
        InputValue::Text(v.to_string())
    }
}
impl From<String> for InputValue {
    fn from(v: String) -> Self {
        InputValue::Text(v)
    }
}
impl From<bool> for InputValue {
    fn from(v: bool) -> Self {
        InputValue::Bool(v)
    }
}
impl From<i64> for InputValue {
    fn from(v: i64) -> Self {
        InputValue::Number(v.into())
    }
}
impl From<u64> for InputValue {
    fn from(v: u64) -> Self {
        InputValue::Number(v.into())
    }
}
impl From<i32> for InputValue {
    fn from(v: i32) -> Self {
        InputValue::Number(v.into())
    }
}
impl From<Value> for InputValue {
    fn from(v: Value) -> Self {
        InputValue::Json(v)
    }
}
impl From<Bytes> for InputValue {
    fn from(v: Bytes) -> Self {
        InputValue::File(FileInput::bytes(v))
    }
}
impl From<Vec<u8>> for InputValue {
    fn from(v: Vec<u8>) -> Self {
        InputValue::File(FileInput::bytes(v))
    }
}
impl From<FileInput> for InputValue {
    fn from(v: FileInput) -> Self {
        InputValue::File(v)
    }
}

/// The input fields of a prediction, built one key at a time.
///
/// Keys are the model's field names without the `input.` prefix (`image`, `industry_type`);
/// setting a key again replaces its value in place. Mistakes the builder can see (an empty key,
/// a non-finite number) are reported by `create` as [`Error::InvalidInput`] before any request.
///
/// ```
/// use pixelbin_predictions::PredictionInput;
/// let input = PredictionInput::new()
///     .file("image", std::fs::read("Cargo.toml").unwrap_or_default())
///     .text("industry_type", "general")
///     .bool("shadow", false)
///     .number("quality", 90);
/// assert!(input.has_files());
/// assert_eq!(input.keys().collect::<Vec<_>>(), ["image", "industry_type", "shadow", "quality"]);
/// ```
#[derive(Debug, Default)]
pub struct PredictionInput {
    fields: Vec<(String, InputValue)>,
    problems: Vec<InputProblem>,
}

impl PredictionInput {
    /// An empty input.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to any value.
    pub fn value(mut self, key: impl Into<String>, value: impl Into<InputValue>) -> Self {
        let key = key.into();
        if key.is_empty() {
            self.problems
                .push(InputProblem::new("", "input keys must not be empty"));
            return self;
        }
        let value = value.into();
        match self.fields.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((key, value)),
        }
        self
    }

    /// A string field.
    pub fn text(self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.value(key, InputValue::Text(value.into()))
    }

    /// A URL field (e.g. an image to fetch); must be an absolute `http` or `https` URL.
    pub fn url(self, key: impl Into<String>, url: impl Into<String>) -> Self {
        self.value(key, InputValue::Url(url.into()))
    }

    /// A boolean field.
    pub fn bool(self, key: impl Into<String>, value: bool) -> Self {
        self.value(key, InputValue::Bool(value))
    }

    /// An integer (or any [`serde_json::Number`]) field.
    pub fn number(self, key: impl Into<String>, value: impl Into<Number>) -> Self {
        self.value(key, InputValue::Number(value.into()))
    }

    /// A floating-point field; NaN and infinities are refused.
    pub fn float(mut self, key: impl Into<String>, value: f64) -> Self {
        let key = key.into();
        match Number::from_f64(value) {
            Some(n) => self.value(key, InputValue::Number(n)),
            None => {
                self.problems.push(InputProblem::new(
                    key,
                    format!("{value} is not a finite number"),
                ));
                self
            }
        }
    }

    /// A JSON field: objects are sent JSON-encoded, arrays as lists, `null` omits the field.
    pub fn json(self, key: impl Into<String>, value: Value) -> Self {
        self.value(key, InputValue::Json(value))
    }

    /// A list field (the field is repeated in multipart).
    pub fn list<I>(self, key: impl Into<String>, items: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<InputValue>,
    {
        self.value(
            key,
            InputValue::List(items.into_iter().map(Into::into).collect()),
        )
    }

    /// A file from bytes; sent as `<key>.jpg` unless [`FileInput::filename`] is used via
    /// [`PredictionInput::file_input`].
    pub fn file(self, key: impl Into<String>, data: impl Into<Bytes>) -> Self {
        self.value(key, InputValue::File(FileInput::bytes(data)))
    }

    /// A file read from `path` when the request is sent (sent under the path's file name).
    pub fn file_path(self, key: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        self.value(key, InputValue::File(FileInput::path(path)))
    }

    /// A file read from `reader` when the request is sent, with an optional file name and
    /// content type.
    pub fn file_reader(
        self,
        key: impl Into<String>,
        reader: impl AsyncRead + Send + Unpin + 'static,
        filename: Option<&str>,
        content_type: Option<&str>,
    ) -> Self {
        let mut file = FileInput::reader(reader);
        file.filename = filename.map(str::to_string);
        file.content_type = content_type.map(str::to_string);
        self.value(key, InputValue::File(file))
    }

    /// A file described by a [`FileInput`] (bytes, path or reader, with name and type).
    pub fn file_input(self, key: impl Into<String>, file: FileInput) -> Self {
        self.value(key, InputValue::File(file))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&InputValue> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The keys, in insertion order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|(k, _)| k.as_str())
    }

    /// The fields, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &InputValue)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// True if any field is a file: the request will then be `multipart/form-data`.
    pub fn has_files(&self) -> bool {
        self.fields.iter().any(|(_, v)| v.has_file())
    }

    /// The paths of the file inputs read from disk, in input order (lists included).
    pub fn file_paths(&self) -> Vec<&std::path::Path> {
        let mut paths = Vec::new();
        for (_, value) in &self.fields {
            let items = match value {
                InputValue::List(items) => items.iter().collect(),
                one => vec![one],
            };
            for item in items {
                if let InputValue::File(file) = item
                    && let FileSource::Path(p) | FileSource::OnDisk { path: p, .. } = &file.source
                {
                    paths.push(p.as_path());
                }
            }
        }
        paths
    }

    /// Problems the builder already saw (reported by `create` before any request).
    pub fn problems(&self) -> &[InputProblem] {
        &self.problems
    }

    /// A copy to send again after a refused create: `None` when a file comes from a reader,
    /// which can be read only once.
    pub(crate) fn try_clone(&self) -> Option<PredictionInput> {
        Some(PredictionInput {
            fields: self
                .fields
                .iter()
                .map(|(k, v)| Some((k.clone(), v.try_clone()?)))
                .collect::<Option<_>>()?,
            problems: self.problems.clone(),
        })
    }

    /// Reads every path and reader source into memory, so the input can be validated in full
    /// (sizes, sniffed content types) and sent. `create` does this itself.
    pub async fn load(self) -> Result<PredictionInput, Error> {
        let mut fields = Vec::with_capacity(self.fields.len());
        for (key, value) in self.fields {
            let value = value.load(&key).await?;
            fields.push((key, value));
        }
        Ok(PredictionInput {
            fields,
            problems: self.problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn setting_a_key_again_replaces_in_place() {
        let input = PredictionInput::new()
            .text("a", "1")
            .text("b", "2")
            .bool("a", true);
        assert_eq!(input.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert!(matches!(input.get("a"), Some(InputValue::Bool(true))));
    }

    #[test]
    fn builder_problems_are_collected() {
        let input = PredictionInput::new()
            .text("", "x")
            .float("scale", f64::NAN);
        assert_eq!(input.problems().len(), 2);
        assert_eq!(input.problems()[1].key, "scale");
        assert!(input.get("scale").is_none());
    }

    #[test]
    fn file_defaults() {
        let png = crate::test_images::png_header(1, 1);
        let f = FileInput::bytes(png);
        assert_eq!(f.effective_filename("image"), "image.jpg");
        assert_eq!(f.effective_content_type("image"), "image/png");
        let f = FileInput::bytes(&b"not an image"[..]);
        assert_eq!(f.effective_content_type("image"), "image/jpeg");
        let f = FileInput::bytes(&b"x"[..]).filename("a.bin");
        assert_eq!(
            f.effective_content_type("image"),
            "application/octet-stream"
        );
        let f = FileInput::path("/tmp/dir/photo.webp");
        assert_eq!(f.effective_filename("image"), "photo.webp");
        assert_eq!(f.effective_content_type("image"), "image/webp");
        let f = FileInput::bytes(&b"x"[..]).content_type("image/avif");
        assert_eq!(f.effective_content_type("k"), "image/avif");
    }

    #[test]
    fn has_files_looks_into_lists() {
        let input = PredictionInput::new().list("images", [InputValue::from(vec![1u8, 2])]);
        assert!(input.has_files());
        let input = PredictionInput::new()
            .list("tags", ["a", "b"])
            .json("o", json!({"k": 1}));
        assert!(!input.has_files());
    }

    #[tokio::test]
    async fn load_reads_paths_and_readers() {
        let dir = std::env::temp_dir().join(format!("pbp-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("in.png");
        std::fs::write(&path, b"path-bytes").unwrap();
        let input = PredictionInput::new()
            .file_path("image", &path)
            .file_reader("mask", &b"reader-bytes"[..], None, Some("image/png"))
            .list("more", [FileInput::reader(&b"r2"[..]).filename("x.gif")]);
        let loaded = input.load().await.unwrap();
        let Some(InputValue::File(f)) = loaded.get("image") else {
            panic!("image is not a file")
        };
        // A regular file stays on disk: its size and first bytes are known, nothing more.
        assert!(f.data().is_none());
        assert_eq!(f.size(), Some(10));
        assert_eq!(f.head(), Some(&b"path-bytes"[..]));
        assert_eq!(
            f.on_disk().map(|(p, _)| p.to_path_buf()),
            Some(path.clone())
        );
        assert_eq!(f.effective_filename("image"), "in.png");
        let Some(InputValue::File(f)) = loaded.get("mask") else {
            panic!("mask is not a file")
        };
        assert_eq!(f.data().unwrap().as_ref(), b"reader-bytes");
        assert_eq!(f.effective_filename("mask"), "mask.jpg");
        assert_eq!(f.effective_content_type("mask"), "image/png");
        let Some(InputValue::List(items)) = loaded.get("more") else {
            panic!("more is not a list")
        };
        let InputValue::File(f) = &items[0] else {
            panic!("not a file")
        };
        assert_eq!(f.data().unwrap().as_ref(), b"r2");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn missing_path_is_a_read_error() {
        let err = PredictionInput::new()
            .file_path("image", "/definitely/not/here.png")
            .load()
            .await
            .unwrap_err();
        assert!(matches!(&err, Error::ReadInput { key, .. } if key == "image"));
        assert!(
            err.to_string().contains("/definitely/not/here.png"),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_pipe_input_is_capped_in_memory() {
        use std::io::Write as _;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("endless");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let writer_path = fifo.clone();
        // An endless writer: it stops when the reader hangs up (broken pipe).
        let writer = std::thread::spawn(move || {
            let mut pipe = std::fs::OpenOptions::new()
                .write(true)
                .open(writer_path)
                .unwrap();
            let block = vec![0u8; 1 << 20];
            while pipe.write_all(&block).is_ok() {}
        });
        // Bounded here too, so that losing the cap fails the test instead of hanging it.
        let loading = PredictionInput::new().file_path("image", &fifo).load();
        let err = tokio::time::timeout(std::time::Duration::from_secs(60), loading)
            .await
            .expect("the capped read ended on its own")
            .unwrap_err();
        writer.join().unwrap();
        assert!(matches!(&err, Error::ReadInput { key, .. } if key == "image"));
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert!(
            source
                .as_deref()
                .is_some_and(|s| s.contains("save the input to a file")),
            "{err}: {source:?}"
        );
    }
}
