//! Downloads to disk: streamed, bounded, retried, atomic.
//!
//! [`Transport::download`] is the one way the SDK saves a response body to a
//! file (prediction outputs, for example):
//!
//! - the body streams into a part file in the target's folder and is renamed
//!   over the target only once complete ([`crate::atomic_file`]), so a failed or
//!   interrupted download never leaves a partial file and never damages what was
//!   there; the file gets the mode of a plain create (the umask applies), and the
//!   part files a killed run left in that folder are removed;
//! - an existing target is refused with [`Error::OutputExists`] unless
//!   [`DownloadOptions::overwrite`] is set (checked before the request and
//!   again, atomically, at the rename);
//! - the body is stall-protected and capped as [`crate::bounds`] describes;
//! - a body that breaks, stalls or times out is fetched again from the start
//!   (a `GET` is safe to repeat) within the configured retry policy.

use std::io::SeekFrom;
use std::path::Path;

use tokio::io::{AsyncSeekExt as _, AsyncWriteExt as _};

use crate::atomic_file::{Access, PartFile};
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
        let mut part = PartFile::create(target, Access::Umask).map_err(write_err)?;
        let mut file = tokio::fs::File::from_std(part.file().try_clone().map_err(write_err)?);

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
        drop(file);
        commit_output(part, target, options.overwrite).await?;
        Ok(written)
    }
}

/// Renames the complete part file `part` over `target`, off the async runtime (the commit
/// flushes the bytes to disk): the one way a download of the SDK ends. Unless `overwrite`, an
/// existing target is kept and the error is [`Error::OutputExists`]; any other failure is
/// [`Error::WriteOutput`]. On any error the part file is removed.
///
/// # Errors
/// As above.
pub async fn commit_output(part: PartFile, target: &Path, overwrite: bool) -> Result<(), Error> {
    let committed = tokio::task::spawn_blocking(move || part.commit(overwrite))
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)));
    committed.map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            Error::OutputExists {
                path: target.to_path_buf(),
            }
        } else {
            Error::WriteOutput {
                path: target.to_path_buf(),
                source,
            }
        }
    })
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
