//! Adapters between `std::io` and the async I/O traits the SDK's layers take.
//!
//! They do plain blocking I/O inside `poll_*`. That is right only where the blocking client
//! uses them: its futures run on the calling thread (see `BlockingRuntime`), never on a
//! runtime worker, so a read or write that blocks stalls nobody else.

use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A [`std::io::Read`] usable as an upload source or prediction file with the blocking client.
///
/// The layers below take async readers; this wrapper lets a file, a pipe or any other
/// blocking reader stand in for one. Give it only to the blocking client: on an async
/// runtime's worker its reads would block that worker.
///
/// ```no_run
/// use pixelbin::blocking::{BlockingReader, PixelbinClient};
/// use pixelbin::{PixelbinConfig, UploadOptions, UploadRequest, UploadSource};
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = PixelbinClient::new(PixelbinConfig::from_env()?)?;
/// let file = std::fs::File::open("myimage.png")?;
/// let len = file.metadata()?.len();
/// let stored = client.uploader().upload(
///     UploadSource::from_reader(BlockingReader::new(file), Some(len)),
///     UploadRequest::new().name("myimage").path("folder"),
///     UploadOptions::default(),
/// )?;
/// println!("{}", stored.url.unwrap_or_default());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct BlockingReader<R> {
    inner: R,
}

impl<R: Read + Send + Unpin + 'static> BlockingReader<R> {
    /// Wraps `reader`.
    pub fn new(reader: R) -> Self {
        BlockingReader { inner: reader }
    }

    /// The wrapped reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read + Unpin> AsyncRead for BlockingReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let reader = &mut self.get_mut().inner;
        loop {
            match reader.read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

/// A borrowed [`std::io::Write`] seen as an async writer, for downloads.
pub(crate) struct SyncWriter<'a, W: ?Sized> {
    inner: &'a mut W,
}

impl<'a, W: Write + ?Sized> SyncWriter<'a, W> {
    pub(crate) fn new(inner: &'a mut W) -> Self {
        SyncWriter { inner }
    }
}

impl<W: Write + ?Sized> AsyncWrite for SyncWriter<'_, W> {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(self.get_mut().inner.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.get_mut().inner.flush())
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn reader_and_writer_pass_bytes_through() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut reader = BlockingReader::new(io::Cursor::new(data.clone()));
        let mut read = Vec::new();
        runtime.block_on(reader.read_to_end(&mut read)).unwrap();
        assert_eq!(read, data);

        let mut out = Vec::new();
        let mut writer = SyncWriter::new(&mut out);
        runtime.block_on(writer.write_all(&data)).unwrap();
        runtime.block_on(writer.flush()).unwrap();
        assert_eq!(out, data);
    }

    #[test]
    fn read_errors_surface() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::BrokenPipe, "gone"))
            }
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut reader = BlockingReader::new(Broken);
        let err = runtime
            .block_on(reader.read_to_end(&mut Vec::new()))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}
