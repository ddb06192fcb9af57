//! What to upload ([`UploadSource`]) and how it is cut into parts ([`ChunkReader`]).
//!
//! Only one chunk is read at a time and the reader never buffers more than the
//! chunk it is filling, so memory is bounded by the window in `window.rs`, not
//! by the size of the source.

use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use bytes::{BufMut, Bytes};
use tokio::io::{AsyncRead, AsyncReadExt};

/// The data to upload: bytes in memory, a file on disk, or any async reader.
///
/// ```
/// use pixelbin_upload::UploadSource;
///
/// let from_vec = UploadSource::from(vec![1u8, 2, 3]);
/// assert_eq!(from_vec.len(), Some(3));
///
/// let from_file = UploadSource::from_path("photo.jpeg");
/// assert_eq!(from_file.len(), None); // known once the file is opened
///
/// let from_reader = UploadSource::from_reader(tokio::io::empty(), None);
/// assert_eq!(from_reader.len(), None);
/// ```
pub enum UploadSource {
    /// Bytes already in memory. Parts are zero-copy slices of them.
    Bytes(Bytes),
    /// A file, read one chunk at a time; its length is taken when it is opened.
    Path(PathBuf),
    /// Any async reader, read one chunk at a time.
    Reader {
        /// The reader.
        reader: Box<dyn AsyncRead + Send + Unpin>,
        /// The exact number of bytes it yields, when known. It lets progress
        /// report a total, and a reader that yields more or fewer bytes is
        /// refused instead of being stored truncated.
        len: Option<u64>,
    },
}

impl UploadSource {
    /// A file on disk. It is opened when the upload starts.
    ///
    /// A regular file is read one chunk at a time and watched: if its size or
    /// modification time changes during the upload, the upload fails with
    /// [`UploadError::SourceChanged`](crate::UploadError::SourceChanged)
    /// instead of storing mixed bytes. A pipe, FIFO or process substitution
    /// (`<(...)`, `/dev/fd/N`) is read as a stream of unknown length; opening
    /// a FIFO waits for a writer at most
    /// [`UploadOptions::open_timeout`](crate::UploadOptions::open_timeout).
    ///
    /// As the `pixelbin upload` command does, the file name fills the request's unset fields:
    /// `name` is the file name without its extension and `format` the extension in lower case
    /// (`jpg` read as `jpeg`). `from_path("shots/myimage.PNG")` with `.name("hero")` stores
    /// `hero` with format `png`; set `format` to override it.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        UploadSource::Path(path.into())
    }

    /// Any async reader (a socket, a decompressor, a child's stdout, ...).
    ///
    /// `len` is the exact number of bytes the reader yields, if known.
    pub fn from_reader(reader: impl AsyncRead + Send + Unpin + 'static, len: Option<u64>) -> Self {
        UploadSource::Reader {
            reader: Box::new(reader),
            len,
        }
    }

    /// The length when it is known without any I/O.
    #[allow(clippy::len_without_is_empty)] // emptiness of a file or reader needs I/O
    pub fn len(&self) -> Option<u64> {
        match self {
            UploadSource::Bytes(b) => Some(b.len() as u64),
            UploadSource::Path(_) => None,
            UploadSource::Reader { len, .. } => *len,
        }
    }
}

impl From<Bytes> for UploadSource {
    fn from(bytes: Bytes) -> Self {
        UploadSource::Bytes(bytes)
    }
}

impl From<Vec<u8>> for UploadSource {
    fn from(bytes: Vec<u8>) -> Self {
        UploadSource::Bytes(Bytes::from(bytes))
    }
}

impl From<&'static [u8]> for UploadSource {
    fn from(bytes: &'static [u8]) -> Self {
        UploadSource::Bytes(Bytes::from_static(bytes))
    }
}

impl fmt::Debug for UploadSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UploadSource::Bytes(b) => f.debug_tuple("Bytes").field(&b.len()).finish(),
            UploadSource::Path(p) => f.debug_tuple("Path").field(p).finish(),
            UploadSource::Reader { len, .. } => f
                .debug_struct("Reader")
                .field("len", len)
                .finish_non_exhaustive(),
        }
    }
}

/// One part of the upload: its 1-based number and its bytes.
#[derive(Clone, Debug)]
pub(crate) struct Chunk {
    pub(crate) number: u32,
    pub(crate) data: Bytes,
}

/// Largest buffer allocated up front for a reader of unknown length; bigger
/// chunks grow in steps of this size, so a huge `chunk_size` with a short
/// stream does not allocate the whole chunk size.
const READER_STEP: usize = 64 * 1024 * 1024;

enum Inner {
    Bytes {
        data: Bytes,
        offset: usize,
    },
    File {
        // `None` only while a blocking read owns it.
        file: Option<std::fs::File>,
        path: PathBuf,
        /// Size and modification time when opened, for a regular file (not a pipe).
        stamp: Option<FileStamp>,
    },
    Reader {
        reader: Box<dyn AsyncRead + Send + Unpin>,
    },
}

/// Cuts a source into numbered chunks of `chunk_size` bytes (the last one may
/// be shorter), or skips chunks that a resumed upload already sent.
pub(crate) struct ChunkReader {
    inner: Inner,
    chunk_size: u64,
    /// Total length, when known (bytes, files, readers with a declared length).
    total_len: Option<u64>,
    /// Bytes consumed so far (read or skipped).
    position: u64,
    next_number: u32,
    /// A chunk read early (to find out whether a reader of unknown length is
    /// empty before anything is sent).
    stash: Option<Chunk>,
    done: bool,
}

/// A regular file's size and modification time, to notice it changing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileStamp {
    pub(crate) len: u64,
    /// Nanoseconds since the Unix epoch, when the platform has it.
    pub(crate) modified_ns: Option<u64>,
}

impl FileStamp {
    pub(crate) fn of(meta: &std::fs::Metadata) -> FileStamp {
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .and_then(|d| u64::try_from(d.as_nanos()).ok());
        FileStamp {
            len: meta.len(),
            modified_ns,
        }
    }

    /// What differs from `earlier`, if anything.
    pub(crate) fn change_since(&self, earlier: &FileStamp) -> Option<String> {
        if self.len != earlier.len {
            Some(format!("size {} -> {} bytes", earlier.len, self.len))
        } else if self.modified_ns != earlier.modified_ns {
            Some("modified".to_owned())
        } else {
            None
        }
    }
}

/// The error inside an [`io::Error`] when a file changed under the upload.
#[derive(Debug)]
pub(crate) struct Changed {
    pub(crate) path: PathBuf,
    pub(crate) what: String,
}

impl fmt::Display for Changed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} changed during the upload ({})",
            self.path.display(),
            self.what
        )
    }
}

impl std::error::Error for Changed {}

/// Checks `file` still has `stamp`.
fn check_stamp(file: &std::fs::File, stamp: &FileStamp, path: &Path) -> io::Result<()> {
    let now = FileStamp::of(&file.metadata()?);
    match now.change_since(stamp) {
        None => Ok(()),
        Some(what) => Err(io::Error::other(Changed {
            path: path.to_owned(),
            what,
        })),
    }
}

/// Result of advancing the reader by one part.
#[derive(Debug)]
pub(crate) enum Step {
    /// The next chunk, read.
    Chunk(Chunk),
    /// The next part was skipped.
    Skipped,
    /// No more data.
    End,
}

impl ChunkReader {
    /// Opens the source (a file is opened and its length read here).
    #[cfg(test)]
    pub(crate) async fn open(source: UploadSource, chunk_size: usize) -> io::Result<ChunkReader> {
        Self::open_with(source, chunk_size, crate::options::DEFAULT_OPEN_TIMEOUT).await
    }

    /// Opens the source; a FIFO waits at most `open_timeout` for a writer.
    pub(crate) async fn open_with(
        source: UploadSource,
        chunk_size: usize,
        open_timeout: Duration,
    ) -> io::Result<ChunkReader> {
        let (inner, total_len) = match source {
            UploadSource::Bytes(data) => {
                let len = data.len() as u64;
                (Inner::Bytes { data, offset: 0 }, Some(len))
            }
            UploadSource::Path(path) => {
                // stat does not block, even on a FIFO without a writer.
                let kind = tokio::fs::metadata(&path)
                    .await
                    .map_err(|e| with_path(e, &path))?;
                if kind.is_dir() {
                    return Err(with_path(
                        io::Error::new(
                            io::ErrorKind::InvalidInput,
                            "it is a directory, not a file",
                        ),
                        &path,
                    ));
                }
                let file = pixelbin_http::local_file::open_for_sending(&path, open_timeout)
                    .await
                    .map_err(|e| with_path(e, &path))?;
                let meta = file.metadata().map_err(|e| with_path(e, &path))?;
                // A pipe, FIFO or device is a stream: its length is unknown.
                let stamp = meta.is_file().then(|| FileStamp::of(&meta));
                (
                    Inner::File {
                        file: Some(file),
                        path,
                        stamp,
                    },
                    stamp.map(|s| s.len),
                )
            }
            UploadSource::Reader { reader, len } => (Inner::Reader { reader }, len),
        };
        Ok(ChunkReader {
            inner,
            chunk_size: chunk_size as u64,
            total_len,
            position: 0,
            next_number: 1,
            stash: None,
            done: false,
        })
    }

    /// Sets the chunk size (before anything is read).
    pub(crate) fn set_chunk_size(&mut self, chunk_size: usize) {
        self.chunk_size = chunk_size as u64;
    }

    /// The size and modification time of a regular file source when opened.
    pub(crate) fn stamp(&self) -> Option<FileStamp> {
        match &self.inner {
            Inner::File { stamp, .. } => *stamp,
            _ => None,
        }
    }

    /// Fails if a regular file source changed since it was opened.
    pub(crate) async fn check_unchanged(&mut self) -> io::Result<()> {
        let Inner::File {
            file: Some(file),
            path,
            stamp: Some(stamp),
        } = &self.inner
        else {
            return Ok(());
        };
        let file = file.try_clone()?;
        let (stamp, path) = (*stamp, path.clone());
        tokio::task::spawn_blocking(move || check_stamp(&file, &stamp, &path))
            .await
            .map_err(io::Error::other)?
    }

    /// Total length in bytes, when known (for a reader of unknown length it
    /// becomes known once the end is reached).
    pub(crate) fn total_len(&self) -> Option<u64> {
        self.total_len
    }

    /// Number of the part the next [`ChunkReader::next`] will return.
    pub(crate) fn upcoming_number(&self) -> u32 {
        self.stash.as_ref().map_or(self.next_number, |c| c.number)
    }

    /// Number of parts, when the total length is known.
    pub(crate) fn total_parts(&self) -> Option<u64> {
        self.total_len.map(|len| len.div_ceil(self.chunk_size))
    }

    /// Whether the source has no data at all. For a reader of unknown length
    /// this reads the first chunk (kept for the first [`ChunkReader::next`]).
    pub(crate) async fn is_empty(&mut self) -> io::Result<bool> {
        if let Some(len) = self.total_len {
            if len == 0 && self.position == 0 {
                // A reader declared empty that still holds data is a length
                // mismatch, not an empty source: probe it before anything is sent.
                self.finish().await?;
            }
            return Ok(len == 0);
        }
        if self.stash.is_none() && self.position == 0 && !self.done {
            match self.read_next().await? {
                Some(chunk) => self.stash = Some(chunk),
                None => return Ok(true),
            }
        }
        Ok(self.stash.is_none() && self.position == 0)
    }

    /// Reads the next part, or skips it (cheaply where the source allows) when
    /// `skip` is true.
    pub(crate) async fn next(&mut self, skip: bool) -> io::Result<Step> {
        if let Some(chunk) = self.stash.take() {
            return Ok(if skip {
                Step::Skipped
            } else {
                Step::Chunk(chunk)
            });
        }
        match self.total_len {
            // Known length: the part's size is known without reading it.
            Some(total) if skip => {
                let len = self.chunk_size.min(total - self.position);
                if len == 0 {
                    return self.finish().await.map(|()| Step::End);
                }
                self.take_number()?;
                self.skip_bytes(len).await?;
                self.position += len;
                return Ok(Step::Skipped);
            }
            _ => {}
        }
        match self.read_next().await? {
            Some(_) if skip => Ok(Step::Skipped),
            Some(chunk) => Ok(Step::Chunk(chunk)),
            None => Ok(Step::End),
        }
    }

    fn take_number(&mut self) -> io::Result<u32> {
        let number = self.next_number;
        self.next_number = number.checked_add(1).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "the source needs more than 4294967295 parts; use a larger chunkSize",
            )
        })?;
        Ok(number)
    }

    /// Reads the next chunk, `None` at the end.
    async fn read_next(&mut self) -> io::Result<Option<Chunk>> {
        if self.done {
            return Ok(None);
        }
        let want = match self.total_len {
            Some(total) => self.chunk_size.min(total - self.position),
            None => self.chunk_size,
        };
        if want == 0 {
            self.finish().await?;
            return Ok(None);
        }
        let data = self.read_up_to(want).await?;
        if data.is_empty() {
            // Only a reader of unknown length gets here: its end.
            self.done = true;
            self.total_len = Some(self.position);
            return Ok(None);
        }
        let got = data.len() as u64;
        if got < want {
            match self.total_len {
                Some(total) => return Err(self.short_source(total, self.position + got)),
                // A short chunk of an unknown-length reader is its last one.
                None => {
                    self.done = true;
                    self.total_len = Some(self.position + got);
                }
            }
        }
        let number = self.take_number()?;
        self.position += got;
        Ok(Some(Chunk { number, data }))
    }

    /// Called when the declared length has been consumed: a reader with a
    /// declared length must not have more data.
    async fn finish(&mut self) -> io::Result<()> {
        if self.done {
            return Ok(());
        }
        self.done = true;
        if let (Inner::Reader { reader }, Some(total)) = (&mut self.inner, self.total_len) {
            let mut probe = [0u8; 1];
            if reader.read(&mut probe).await? != 0 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "the reader yields more than its declared length of {total} bytes; \
                         pass the exact length, or None if it is not known"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn short_source(&self, expected: u64, got: u64) -> io::Error {
        let what = match &self.inner {
            Inner::File { path, .. } => format!(
                "the file {} ended after {got} bytes but was {expected} bytes long when opened; \
                 was it changed during the upload?",
                path.display()
            ),
            _ => format!(
                "the reader ended after {got} bytes but its declared length is {expected} bytes; \
                 pass the exact length, or None if it is not known"
            ),
        };
        io::Error::new(io::ErrorKind::UnexpectedEof, what)
    }

    /// Reads up to `want` bytes (fewer only at the end of the source).
    async fn read_up_to(&mut self, want: u64) -> io::Result<Bytes> {
        // `want` <= chunk_size, which is a usize.
        let want = usize::try_from(want).map_err(io::Error::other)?;
        match &mut self.inner {
            Inner::Bytes { data, offset } => {
                let end = (*offset + want).min(data.len());
                let part = data.slice(*offset..end);
                *offset = end;
                Ok(part)
            }
            Inner::File { file, path, stamp } => {
                let Some(mut handle) = file.take() else {
                    return Err(io::Error::other(
                        "the file was lost by an interrupted read; start the upload again",
                    ));
                };
                let (stamp, named) = (*stamp, path.clone());
                // One blocking call per chunk: the read goes straight into the
                // chunk's buffer (no staging copy as with tokio::fs). A file
                // rewritten meanwhile is caught before its bytes are sent.
                let (handle, result) = tokio::task::spawn_blocking(move || {
                    let result =
                        read_file_chunk(&mut handle, want).and_then(|chunk| match &stamp {
                            Some(stamp) => check_stamp(&handle, stamp, &named).map(|()| chunk),
                            None => Ok(chunk),
                        });
                    (handle, result)
                })
                .await
                .map_err(io::Error::other)?;
                *file = Some(handle);
                result.map(Bytes::from).map_err(|e| with_path(e, path))
            }
            Inner::Reader { reader } => read_reader_chunk(reader, want).await.map(Bytes::from),
        }
    }

    /// Moves past `len` bytes without keeping them.
    async fn skip_bytes(&mut self, len: u64) -> io::Result<()> {
        match &mut self.inner {
            Inner::Bytes { offset, .. } => {
                *offset += usize::try_from(len).map_err(io::Error::other)?;
                Ok(())
            }
            Inner::File { file, path, .. } => {
                let Some(handle) = file.as_mut() else {
                    return Err(io::Error::other(
                        "the file was lost by an interrupted read; start the upload again",
                    ));
                };
                let offset = i64::try_from(len).map_err(io::Error::other)?;
                handle
                    .seek(SeekFrom::Current(offset))
                    .map(drop)
                    .map_err(|e| with_path(e, path))
            }
            Inner::Reader { reader } => {
                // A plain reader cannot seek: read and discard through a small buffer.
                let copied =
                    tokio::io::copy(&mut (&mut *reader).take(len), &mut tokio::io::sink()).await?;
                if copied < len {
                    let expected = self.total_len.unwrap_or(self.position + len);
                    return Err(self.short_source(expected, self.position + copied));
                }
                Ok(())
            }
        }
    }
}

fn read_file_chunk(file: &mut std::fs::File, want: usize) -> io::Result<Vec<u8>> {
    // `read_to_end` into exact spare capacity: the file is read straight into
    // the chunk's buffer without zero-filling it first, and `take` stops it at
    // `want` bytes so the buffer never grows.
    let mut buf = Vec::new();
    buf.try_reserve_exact(want).map_err(|e| {
        io::Error::new(
            io::ErrorKind::OutOfMemory,
            format!("cannot allocate a {want}-byte chunk ({e}); use a smaller chunkSize"),
        )
    })?;
    file.take(want as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

async fn read_reader_chunk(
    reader: &mut (dyn AsyncRead + Send + Unpin),
    want: usize,
) -> io::Result<Vec<u8>> {
    let mut buf: Vec<u8> = Vec::new();
    while buf.len() < want {
        if buf.len() == buf.capacity() {
            // Grow by exact steps so the buffer never exceeds the chunk (a huge
            // chunk size with a short stream allocates only what arrives).
            let step = (want - buf.len()).min(READER_STEP);
            buf.try_reserve_exact(step).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::OutOfMemory,
                    format!("cannot allocate a {want}-byte chunk ({e}); use a smaller chunkSize"),
                )
            })?;
        }
        // Reads into the spare capacity (no zero-filling); the limit keeps
        // `read_buf` from growing the vector itself.
        let room = (buf.capacity() - buf.len()).min(want - buf.len());
        let n = reader.read_buf(&mut (&mut buf).limit(room)).await?;
        if n == 0 {
            break;
        }
    }
    Ok(buf)
}

fn with_path(err: io::Error, path: &Path) -> io::Error {
    if err.get_ref().is_some_and(|inner| inner.is::<Changed>()) {
        return err; // already names the file
    }
    io::Error::new(err.kind(), format!("{}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn collect(mut reader: ChunkReader, skip: &[u32]) -> Vec<(u32, usize, bool)> {
        let mut out = Vec::new();
        let mut number = 1;
        loop {
            match reader.next(skip.contains(&number)).await.unwrap() {
                Step::Chunk(c) => out.push((c.number, c.data.len(), false)),
                Step::Skipped => out.push((number, 0, true)),
                Step::End => break,
            }
            number += 1;
        }
        out
    }

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    fn sources(len: usize, dir: &tempfile::TempDir) -> Vec<(&'static str, UploadSource)> {
        let path = dir.path().join(format!("f{len}"));
        std::fs::write(&path, data(len)).unwrap();
        vec![
            ("bytes", UploadSource::from(data(len))),
            ("path", UploadSource::from_path(path)),
            (
                "reader-len",
                UploadSource::from_reader(std::io::Cursor::new(data(len)), Some(len as u64)),
            ),
            (
                "reader",
                UploadSource::from_reader(std::io::Cursor::new(data(len)), None),
            ),
        ]
    }

    #[tokio::test]
    async fn cuts_every_kind_of_source_into_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let cases: &[(usize, &[usize])] = &[
            (1, &[1]),
            (9, &[9]),
            (10, &[10]),
            (11, &[10, 1]),
            (35, &[10, 10, 10, 5]),
        ];
        for (len, expected) in cases {
            for (kind, source) in sources(*len, &dir) {
                let reader = ChunkReader::open(source, 10).await.unwrap();
                let got = collect(reader, &[]).await;
                let sizes: Vec<usize> = got.iter().map(|c| c.1).collect();
                let numbers: Vec<u32> = got.iter().map(|c| c.0).collect();
                assert_eq!(&sizes, expected, "{kind} len {len}");
                assert_eq!(numbers, (1..=expected.len() as u32).collect::<Vec<_>>());
            }
        }
    }

    #[tokio::test]
    async fn chunks_carry_the_right_bytes() {
        let dir = tempfile::tempdir().unwrap();
        for (kind, source) in sources(35, &dir) {
            let mut reader = ChunkReader::open(source, 10).await.unwrap();
            let mut all = Vec::new();
            while let Step::Chunk(c) = reader.next(false).await.unwrap() {
                all.extend_from_slice(&c.data);
            }
            assert_eq!(all, data(35), "{kind}");
            assert_eq!(reader.total_len(), Some(35), "{kind}");
        }
    }

    #[tokio::test]
    async fn skipping_yields_the_remaining_parts_with_their_numbers() {
        let dir = tempfile::tempdir().unwrap();
        for (kind, source) in sources(35, &dir) {
            let mut reader = ChunkReader::open(source, 10).await.unwrap();
            let mut kept = Vec::new();
            let mut skipped = Vec::new();
            let mut n = 1;
            loop {
                match reader.next(n == 1 || n == 3).await.unwrap() {
                    Step::Chunk(c) => kept.push((c.number, c.data)),
                    Step::Skipped => skipped.push(n),
                    Step::End => break,
                }
                n += 1;
            }
            assert_eq!(skipped, vec![1, 3], "{kind}");
            let all = data(35);
            assert_eq!(kept.len(), 2, "{kind}");
            assert_eq!(kept[0].0, 2);
            assert_eq!(&kept[0].1[..], &all[10..20], "{kind}");
            assert_eq!(kept[1].0, 4);
            assert_eq!(&kept[1].1[..], &all[30..35], "{kind}");
        }
    }

    #[tokio::test]
    async fn emptiness_is_found_before_anything_is_sent() {
        let dir = tempfile::tempdir().unwrap();
        for (kind, source) in sources(0, &dir) {
            let mut reader = ChunkReader::open(source, 10).await.unwrap();
            assert!(reader.is_empty().await.unwrap(), "{kind}");
        }
        // A reader of unknown length keeps the chunk it read to find out.
        let source = UploadSource::from_reader(std::io::Cursor::new(data(15)), None);
        let mut reader = ChunkReader::open(source, 10).await.unwrap();
        assert!(!reader.is_empty().await.unwrap());
        assert!(!reader.is_empty().await.unwrap());
        assert_eq!(
            collect(reader, &[]).await,
            vec![(1, 10, false), (2, 5, false)]
        );
    }

    #[tokio::test]
    async fn a_reader_shorter_or_longer_than_declared_is_refused() {
        let short = UploadSource::from_reader(std::io::Cursor::new(data(15)), Some(20));
        let mut reader = ChunkReader::open(short, 10).await.unwrap();
        assert!(matches!(reader.next(false).await, Ok(Step::Chunk(_))));
        let err = reader.next(false).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(err.to_string().contains("ended after 15 bytes"), "{err}");

        let long = UploadSource::from_reader(std::io::Cursor::new(data(25)), Some(20));
        let mut reader = ChunkReader::open(long, 10).await.unwrap();
        assert!(matches!(reader.next(false).await, Ok(Step::Chunk(_))));
        assert!(matches!(reader.next(false).await, Ok(Step::Chunk(_))));
        let err = reader.next(false).await.unwrap_err();
        assert!(
            err.to_string().contains("more than its declared length"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_reader_declared_empty_that_holds_data_is_a_length_mismatch() {
        let source = UploadSource::from_reader(std::io::Cursor::new(data(3)), Some(0));
        let mut reader = ChunkReader::open(source, 10).await.unwrap();
        let err = reader.is_empty().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(
            err.to_string()
                .contains("more than its declared length of 0 bytes"),
            "{err}"
        );
        // Declared empty and really empty stays an empty source.
        let source = UploadSource::from_reader(tokio::io::empty(), Some(0));
        let mut reader = ChunkReader::open(source, 10).await.unwrap();
        assert!(reader.is_empty().await.unwrap());
    }

    #[tokio::test]
    async fn a_missing_file_names_its_path() {
        let err = ChunkReader::open(UploadSource::from_path("/no/such/file.bin"), 10)
            .await
            .err()
            .unwrap();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(err.to_string().contains("/no/such/file.bin"), "{err}");
    }

    #[tokio::test]
    async fn a_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = ChunkReader::open(UploadSource::from_path(dir.path()), 10)
            .await
            .err()
            .unwrap();
        assert!(err.to_string().contains("directory"), "{err}");
    }

    #[tokio::test]
    async fn a_huge_chunk_size_with_a_short_stream_allocates_only_what_it_reads() {
        let source = UploadSource::from_reader(std::io::Cursor::new(data(5)), None);
        let mut reader = ChunkReader::open(source, usize::MAX / 2).await.unwrap();
        // try_reserve_exact of a giant chunk fails cleanly instead of aborting.
        match reader.next(false).await {
            Ok(Step::Chunk(c)) => assert_eq!(c.data.len(), 5),
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::OutOfMemory),
            Ok(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_file_chunk_is_read_into_exactly_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, data(100_000)).unwrap();
        let mut file = std::fs::File::open(&path).unwrap();
        let chunk = read_file_chunk(&mut file, 65_536).unwrap();
        // No growth past the chunk: memory stays what the window accounts for.
        assert_eq!((chunk.len(), chunk.capacity()), (65_536, 65_536));
        assert_eq!(chunk, data(100_000)[..65_536]);
        let rest = read_file_chunk(&mut file, 65_536).unwrap();
        assert_eq!(rest, data(100_000)[65_536..]);
    }

    #[tokio::test]
    async fn a_reader_chunk_is_read_into_exactly_its_size() {
        let mut reader = std::io::Cursor::new(data(100_000));
        let chunk = read_reader_chunk(&mut reader, 65_536).await.unwrap();
        assert_eq!((chunk.len(), chunk.capacity()), (65_536, 65_536));
        assert_eq!(chunk, data(100_000)[..65_536]);
        let rest = read_reader_chunk(&mut reader, 65_536).await.unwrap();
        assert_eq!(rest, data(100_000)[65_536..]);
    }

    #[test]
    fn debug_does_not_dump_the_data() {
        let s = UploadSource::from(vec![7u8; 1000]);
        assert_eq!(format!("{s:?}"), "Bytes(1000)");
    }
}
