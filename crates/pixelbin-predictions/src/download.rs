//! Saving a finished job's outputs: where each one goes, and the download itself.
//!
//! One naming rule serves a single job (`pixelbin predict --download`) and bulk work (one job
//! per input file): an output is saved as `DIR/<stem>.<ext>`, or `DIR/<stem>_<index>.<ext>`
//! when the job has several outputs. The stem is named after the job's input
//! ([`output_stem`]: `photo` for `photo.jpg`; in bulk, the input's path below its folder,
//! without extension), [`DEFAULT_OUTPUT_STEM`] when the input gives none. The extension is the
//! output URL's (`bin` when it has none). Because the name is known before the job exists,
//! [`existing_outputs`] can refuse an occupied destination before a credit is spent.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use pixelbin_http::{ApiRequest, DownloadOptions};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use url::Url;

use crate::client::Predictions;
use crate::error::Error;
use crate::input::{InputValue, PredictionInput};
use crate::prediction::{Prediction, PredictionStatus};

/// The stem of outputs whose job input names none (bytes, a reader, no file or URL input).
pub const DEFAULT_OUTPUT_STEM: &str = "result";

/// Where output `index` of a job with `count` outputs is saved: `dir/<stem>.<ext>`, or
/// `dir/<stem>_<index>.<ext>` when `count > 1`. `ext` is the extension of the URL's last path
/// segment when it is plain ASCII letters and digits, else `bin`. `stem` may hold sub-folders
/// (bulk work keeps an input's path below its folder).
///
/// ```
/// use std::path::Path;
/// use pixelbin_predictions::output_path;
///
/// let url = "https://cdn.example/predictions/outputs/erase_bg/id/result_0.png?sig=1";
/// assert_eq!(output_path(Path::new("out"), Path::new("photo"), url, 0, 1), Path::new("out/photo.png"));
/// assert_eq!(output_path(Path::new("out"), Path::new("a/photo"), url, 1, 2), Path::new("out/a/photo_1.png"));
/// ```
pub fn output_path(dir: &Path, stem: &Path, url: &str, index: usize, count: usize) -> PathBuf {
    let ext = url
        .split(['?', '#'])
        .next()
        .and_then(|path| path.rsplit('/').next())
        .and_then(|name| name.rsplit_once('.').map(|(_, ext)| ext))
        .filter(|ext| !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or("bin");
    output_file(dir, stem, ext, index, count)
}

/// Where output `index` of `count` is saved once its extension is known (e.g. from the
/// content type of a fetched image): `dir/<stem>.<ext>`, or `dir/<stem>_<index>.<ext>` when
/// `count > 1`; the rule [`output_path`] applies with the URL's extension.
///
/// ```
/// use std::path::Path;
/// use pixelbin_predictions::output_file;
///
/// assert_eq!(output_file(Path::new("out"), Path::new("a/photo"), "webp", 0, 1), Path::new("out/a/photo.webp"));
/// ```
pub fn output_file(dir: &Path, stem: &Path, ext: &str, index: usize, count: usize) -> PathBuf {
    let mut name = stem.as_os_str().to_owned();
    if count > 1 {
        name.push(format!("_{index}"));
    }
    name.push(format!(".{ext}"));
    dir.join(name)
}

/// The stem a job's outputs are named after: the first file input's name without its
/// extension (`photo` for `photo.jpg`), else the first URL input's last path segment without
/// its extension, else [`DEFAULT_OUTPUT_STEM`]. Characters other than ASCII letters, digits,
/// `-` and `_` become `_`, so the stem is one plain file name.
///
/// ```
/// use pixelbin_predictions::{PredictionInput, output_stem};
///
/// let input = PredictionInput::new().file_path("image", "shots/photo.jpg").bool("shadow", true);
/// assert_eq!(output_stem(&input), "photo");
/// let input = PredictionInput::new().url("image", "https://example.com/a/cat%201.jpeg?x=1");
/// assert_eq!(output_stem(&input), "cat_201");
/// assert_eq!(output_stem(&PredictionInput::new()), "result");
/// ```
pub fn output_stem(input: &PredictionInput) -> String {
    let named = |value: &InputValue| -> Option<String> {
        match value {
            InputValue::File(file) => file.given_name().map(str::to_string),
            InputValue::Url(url) => Url::parse(url)
                .ok()
                .and_then(|u| u.path_segments()?.next_back().map(str::to_string)),
            _ => None,
        }
    };
    input
        .iter()
        .flat_map(|(_, value)| match value {
            InputValue::List(items) => items.iter().collect::<Vec<_>>(),
            one => vec![one],
        })
        .find_map(|value| named(value).and_then(|name| plain_stem(&name)))
        .unwrap_or_else(|| DEFAULT_OUTPUT_STEM.to_string())
}

/// `name` without its extension, made one safe file name; `None` when nothing is left.
fn plain_stem(name: &str) -> Option<String> {
    let stem = match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    };
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    (!stem.is_empty()).then_some(stem)
}

/// The files in `dir` that a job's outputs named after `stem` could replace: `<stem>.<ext>`
/// and `<stem>_<n>.<ext>` for any extension (the outputs' extensions are known only once the
/// job ends), leaving out `except` (the job's own input files). Checked before a job is
/// created, so an occupied destination costs no credit. A folder that does not exist holds
/// none.
pub fn existing_outputs(dir: &Path, stem: &Path, except: &[PathBuf]) -> Vec<PathBuf> {
    let folder = match stem.parent() {
        Some(parent) => dir.join(parent),
        None => dir.to_path_buf(),
    };
    let Some(stem) = stem.file_name().and_then(|s| s.to_str()) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return Vec::new();
    };
    let except: HashSet<PathBuf> = except
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name();
            let Some((base, _ext)) = name.to_str().and_then(|n| n.rsplit_once('.')) else {
                return false;
            };
            base == stem
                || base.strip_prefix(stem).is_some_and(|rest| {
                    rest.strip_prefix('_')
                        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                })
        })
        .map(|entry| entry.path())
        .filter(|path| !path.canonicalize().is_ok_and(|p| except.contains(&p)))
        .collect();
    found.sort();
    found
}

impl Predictions {
    /// Downloads every output of a finished prediction into `dir` (created if missing) and
    /// returns the files written, in output order, named `result.<ext>` (see the
    /// [naming rule](crate::download)). An existing file is never replaced: see
    /// [`download_outputs_with`](Self::download_outputs_with) to allow it.
    pub async fn download_outputs(
        &self,
        prediction: &Prediction,
        dir: impl AsRef<Path>,
    ) -> Result<Vec<PathBuf>, Error> {
        self.download_outputs_with(prediction, dir, &DownloadOptions::default())
            .await
    }

    /// [`download_outputs_as`](Self::download_outputs_as) with [`DEFAULT_OUTPUT_STEM`].
    pub async fn download_outputs_with(
        &self,
        prediction: &Prediction,
        dir: impl AsRef<Path>,
        options: &DownloadOptions,
    ) -> Result<Vec<PathBuf>, Error> {
        self.download_outputs_as(prediction, dir, DEFAULT_OUTPUT_STEM, options)
            .await
    }

    /// Downloads every output of a finished prediction into `dir` (created if missing),
    /// named after `stem` by [`output_path`], and returns the files written, in output order.
    ///
    /// Each file is written atomically ([`Transport::download`](pixelbin_http::Transport::download)):
    /// streamed to a temporary file beside it and renamed into place when complete, so a
    /// failed download leaves nothing behind and never damages a file that was there; a
    /// broken or stalled download is fetched again. Unless `options.overwrite` is set, an
    /// existing file is refused (`pixelbin_http::Error::OutputExists`) before anything is
    /// downloaded. A `FAILURE` gives [`Error::PredictionFailed`], any other unfinished status
    /// [`Error::NotSucceeded`].
    pub async fn download_outputs_as(
        &self,
        prediction: &Prediction,
        dir: impl AsRef<Path>,
        stem: impl AsRef<Path>,
        options: &DownloadOptions,
    ) -> Result<Vec<PathBuf>, Error> {
        match &prediction.status {
            PredictionStatus::Success => {}
            PredictionStatus::Failure => {
                return Err(Error::PredictionFailed {
                    prediction: Box::new(prediction.clone()),
                });
            }
            other => {
                return Err(Error::NotSucceeded {
                    id: prediction.id.clone(),
                    status: other.clone(),
                });
            }
        }
        let dir = dir.as_ref();
        let urls = prediction.output_urls();
        let mut targets = Vec::new();
        for (index, url) in urls.iter().enumerate() {
            let path = output_path(dir, stem.as_ref(), url, index, urls.len());
            targets.push((parse_output_url(url)?, path));
        }
        // Refuse before downloading anything, so a refusal writes nothing.
        if !options.overwrite {
            for (_, path) in &targets {
                if tokio::fs::symlink_metadata(path).await.is_ok() {
                    return Err(pixelbin_http::Error::OutputExists { path: path.clone() }.into());
                }
            }
        }
        let mut written = Vec::new();
        for (url, path) in targets {
            let folder = path.parent().unwrap_or(dir);
            tokio::fs::create_dir_all(folder)
                .await
                .map_err(|source| Error::WriteOutput {
                    path: folder.to_path_buf(),
                    source,
                })?;
            self.save_output(url, &path, options).await?;
            written.push(path);
        }
        Ok(written)
    }

    /// Downloads one output URL into the file `target` (its folder must exist) and returns
    /// its size: atomic, retried and stall-protected like
    /// [`download_outputs_as`](Self::download_outputs_as); an existing `target` is
    /// refused unless `options.overwrite`.
    pub async fn download_output_to(
        &self,
        url: &str,
        target: &Path,
        options: &DownloadOptions,
    ) -> Result<u64, Error> {
        self.save_output(parse_output_url(url)?, target, options)
            .await
    }

    async fn save_output(
        &self,
        url: Url,
        target: &Path,
        options: &DownloadOptions,
    ) -> Result<u64, Error> {
        let _slot = self.slot().await;
        Ok(self
            .transport()
            .download(ApiRequest::get(url), target, options)
            .await?)
    }

    /// Streams one output URL into `writer` and returns the number of bytes written. The
    /// request goes through the transport (retries, timeouts, stall protection) without the
    /// API credentials, which are only sent to the API host. To save to a file, prefer
    /// [`download_outputs`](Self::download_outputs): it is atomic and retries a broken body.
    pub async fn download_output<W>(&self, url: &str, writer: &mut W) -> Result<u64, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let parsed = parse_output_url(url)?;
        let _slot = self.slot().await;
        let mut response = self
            .transport()
            .send_streaming(ApiRequest::get(parsed), None)
            .await?;
        let write_err = |source| Error::WriteOutput {
            path: PathBuf::new(),
            source,
        };
        let mut total = 0u64;
        while let Some(chunk) = response.chunk().await? {
            writer.write_all(&chunk).await.map_err(write_err)?;
            total += chunk.len() as u64;
        }
        writer.flush().await.map_err(write_err)?;
        Ok(total)
    }
}

/// An output URL as a request URL; the error shows it redacted.
fn parse_output_url(url: &str) -> Result<Url, Error> {
    Url::parse(url).map_err(|e| Error::Download {
        url: pixelbin_http::redact_url(url),
        message: format!("not a valid absolute URL ({e})"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_named_after_the_stem() {
        let dir = Path::new("out");
        let url = "http://h/predictions/outputs/x/result_0.png?pbs=1";
        assert_eq!(
            output_path(dir, Path::new("a/b/photo"), url, 0, 1),
            PathBuf::from("out/a/b/photo.png")
        );
        assert_eq!(
            output_path(dir, Path::new("photo"), url, 1, 2),
            PathBuf::from("out/photo_1.png")
        );
        assert_eq!(
            output_path(dir, Path::new("noext"), "http://h/x", 0, 1),
            PathBuf::from("out/noext.bin")
        );
        assert_eq!(
            output_path(dir, Path::new("odd"), "http://h/x.p%6Eg", 0, 1),
            PathBuf::from("out/odd.bin")
        );
    }

    #[test]
    fn stems_come_from_the_first_named_input() {
        let input = PredictionInput::new().file("raw", b"x".to_vec()).list(
            "image",
            [InputValue::File(crate::FileInput::path(
                "a/../Shot 1.final.JPG",
            ))],
        );
        assert_eq!(output_stem(&input), "Shot_1_final");
        let input = PredictionInput::new().url("image", "https://h/..");
        assert_eq!(output_stem(&input), "result");
        let input = PredictionInput::new().url("image", "https://h/dir/.hidden");
        assert_eq!(output_stem(&input), "_hidden");
    }

    #[test]
    fn existing_outputs_match_the_stem_only() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "photo.png",
            "photo_1.webp",
            "photo_x.png",
            "photos.png",
            "photo",
            "photo.jpg",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let input = dir.path().join("photo.jpg");
        let found = existing_outputs(dir.path(), Path::new("photo"), &[input]);
        assert_eq!(
            found,
            [
                dir.path().join("photo.png"),
                dir.path().join("photo_1.webp")
            ]
        );
        assert!(existing_outputs(&dir.path().join("none"), Path::new("photo"), &[]).is_empty());
    }
}
