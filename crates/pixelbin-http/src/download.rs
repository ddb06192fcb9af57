//! Downloads to disk: streamed, bounded, retried, atomic.
//!
//! [`Transport::download`] is the one way the SDK saves a response body to a
//! file (prediction outputs, for example):
//!
//! - the body streams into a temporary file in the target's folder and is
//!   renamed over the target only once complete, so a failed or interrupted
//!   download never leaves a partial file and never damages what was there;
//! - an existing target is refused with [`Error::OutputExists`] unless
//!   [`DownloadOptions::overwrite`] is set (checked before the request and
//!   again, atomically, at the rename);
//! - the body is stall-protected and capped as [`crate::bounds`] describes;
//! - a body that breaks, stalls or times out is fetched again from the start
//!   (a `GET` is safe to repeat) within the configured retry policy.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncSeekExt as _, AsyncWriteExt as _};

use crate::error::Error;
use crate::request::ApiRequest;
use crate::retry::{Outcome, RetryDecision, classify};
use crate::transport::Transport;

/// How [`Transport::download`] treats the target file and the body size.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadOptions {
    /// Replace an existing target file (default: refuse with [`Error::OutputExists`]).
    pub overwrite: bool,
    /// Refuse a body larger than this with [`Error::TooLarge`] (default: no cap).
    pub max_bytes: Option<u64>,
}

impl DownloadOptions {
    /// Whether an existing target file may be replaced.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// The largest body accepted.
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = Some(max_bytes);
        self
    }
}

impl Transport {
    /// Downloads `req`'s 2xx body into the file `target` and returns its size
    /// in bytes; see the [module docs](crate::download) for the guarantees.
    ///
    /// ```no_run
    /// use pixelbin_http::{ApiRequest, DownloadOptions, PixelbinConfig, Transport};
    ///
    /// # async fn run() -> Result<(), pixelbin_http::Error> {
    /// let transport = Transport::new(PixelbinConfig::from_env()?)?;
    /// let url = url::Url::parse("https://cdn.pixelbin.io/v2/demo/original/cat.png").unwrap();
    /// let bytes = transport
    ///     .download(ApiRequest::get(url), "cat.png".as_ref(), &DownloadOptions::default())
    ///     .await?;
    /// println!("saved {bytes} bytes");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn download(
        &self,
        req: ApiRequest,
        target: &Path,
        options: &DownloadOptions,
    ) -> Result<u64, Error> {
        let exists = tokio::fs::symlink_metadata(target).await.is_ok();
        if exists && !options.overwrite {
            return Err(Error::OutputExists {
                path: target.to_path_buf(),
            });
        }
        let write_err = |source| Error::WriteOutput {
            path: target.to_path_buf(),
            source,
        };
        let (file, temp_path) = temp_file_beside(target).map_err(write_err)?;
        let mut file = tokio::fs::File::from_std(file);

        let policy = self.config().retry().clone();
        let max_retries = req.options().max_retries.unwrap_or(policy.max_retries);
        let started = tokio::time::Instant::now();
        let mut retries = 0;
        let written = loop {
            // Failures before the body (connect, status, headers) were already retried by the
            // stack; only a body that breaks is fetched again here.
            let resp = self.send_streaming(req.clone(), options.max_bytes).await?;
            let err = match write_body(resp, &mut file, target).await {
                Ok(n) => break n,
                Err(err) => err,
            };
            let retry = matches!(
                classify(Outcome::Error(&err), true),
                RetryDecision::Retry { .. }
            ) && !matches!(err, Error::WriteOutput { .. });
            let delay = policy.delay(retries, None);
            if !retry
                || retries >= max_retries
                || started.elapsed().saturating_add(delay) > policy.retry_deadline
            {
                return Err(err);
            }
            tracing::warn!(attempt = retries + 1, error = %err, "download broke; fetching it again");
            tokio::time::sleep(delay).await;
            retries += 1;
            file.set_len(0).await.map_err(write_err)?;
            file.seek(SeekFrom::Start(0)).await.map_err(write_err)?;
        };
        file.flush().await.map_err(write_err)?;
        file.sync_all().await.map_err(write_err)?;
        drop(file);

        let persisted = if options.overwrite {
            temp_path.persist(target)
        } else {
            temp_path.persist_noclobber(target)
        };
        // On failure the temporary file is removed when the error drops.
        persisted.map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Error::OutputExists {
                    path: target.to_path_buf(),
                }
            } else {
                write_err(e.error)
            }
        })?;
        Ok(written)
    }
}

/// One attempt's body into `file`, from its start.
async fn write_body(
    mut resp: crate::transport::StreamingResponse,
    file: &mut tokio::fs::File,
    target: &Path,
) -> Result<u64, Error> {
    let mut written = 0u64;
    while let Some(chunk) = resp.chunk().await? {
        file.write_all(&chunk)
            .await
            .map_err(|source| Error::WriteOutput {
                path: target.to_path_buf(),
                source,
            })?;
        written += chunk.len() as u64;
    }
    if let Some(declared) = resp.content_length()
        && declared != written
    {
        // reqwest normally notices; a decoded (compressed) body may not.
        return Err(Error::Transport {
            message: format!(
                "the download ended after {written} of {declared} bytes; the connection was cut"
            ),
            not_sent: false,
            source: None,
        });
    }
    Ok(written)
}

/// A new, uniquely named hidden file in `target`'s folder, removed when the
/// returned path drops unless persisted.
fn temp_file_beside(target: &Path) -> std::io::Result<(std::fs::File, tempfile::TempPath)> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "download".into());
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".part")
        .tempfile_in(dir)?;
    Ok(temp.into_parts())
}
