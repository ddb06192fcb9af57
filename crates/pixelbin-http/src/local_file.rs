//! Opening a local file whose bytes will be sent: one rule for regular files, pipes and
//! FIFOs, shared by upload sources and prediction inputs.
//!
//! Opening a FIFO blocks until some process opens it for writing, possibly forever; a
//! file to send is therefore opened with a time limit on that wait.

use std::io;
use std::path::Path;
use std::time::Duration;

/// How long opening a FIFO waits for a process to write to it, unless the caller says.
pub const DEFAULT_FIFO_OPEN_TIMEOUT: Duration = Duration::from_secs(60);

/// Opens `path` for reading without ever blocking forever: a regular file opens at once
/// (off the async threads), a FIFO waits at most `fifo_timeout` for a writer and then fails
/// with [`io::ErrorKind::TimedOut`] saying to start the writer first.
pub async fn open_for_sending(path: &Path, fifo_timeout: Duration) -> io::Result<std::fs::File> {
    // stat does not block, even on a FIFO without a writer.
    let kind = tokio::fs::metadata(path).await?;
    let owned = path.to_owned();
    let mut opening = tokio::task::spawn_blocking(move || std::fs::File::open(owned));
    if kind.is_file() {
        return opening.await.map_err(io::Error::other)?;
    }
    if let Ok(joined) = tokio::time::timeout(fifo_timeout, &mut opening).await {
        return joined.map_err(io::Error::other)?;
    }
    // Free the thread blocked in open(2): a writer that comes and goes at once lets it
    // return; the file it opened is dropped.
    loop {
        #[cfg(unix)]
        let _poke = tokio::net::unix::pipe::OpenOptions::new().open_sender(path);
        if tokio::time::timeout(Duration::from_millis(50), &mut opening)
            .await
            .is_ok()
        {
            break;
        }
    }
    Err(io::Error::new(
        io::ErrorKind::TimedOut,
        format!(
            "no process wrote to this FIFO within {} s; start the writer first",
            fifo_timeout.as_secs_f64()
        ),
    ))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_regular_file_opens_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"hi").unwrap();
        let file = open_for_sending(&path, Duration::from_millis(10))
            .await
            .unwrap();
        assert_eq!(file.metadata().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_fifo_without_a_writer_times_out_instead_of_hanging() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        // Bounded here too, so that losing the limit fails the test instead of hanging it.
        let err = tokio::time::timeout(
            Duration::from_secs(30),
            open_for_sending(&path, Duration::from_millis(200)),
        )
        .await
        .expect("open_for_sending gave up on its own")
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(err.to_string().contains("start the writer"), "{err}");
    }

    #[tokio::test]
    async fn a_missing_file_is_not_found() {
        let err = open_for_sending(Path::new("/nonexistent/x"), Duration::from_millis(10))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
