//! Saving a fetched output: named by its content type, written atomically.

use std::path::{Path, PathBuf};

use crate::cdn::{Cdn, CdnOptions};
use crate::http::atomic_file::{Access, PartFile};
use crate::http::download::commit_output;
use crate::http::model::{content_type_of, format_for_content_type};
use crate::predictions::output_file;

/// Fetches `url` and saves it as `stem` (a path without extension) with the extension of its
/// content type, through the SDK's one atomic write.
pub(super) async fn save(
    cdn: &Cdn,
    url: &str,
    stem: &Path,
    options: &CdnOptions,
    replace: bool,
) -> Result<PathBuf, crate::Error> {
    let fetched = cdn.fetch_with(url, options).await?;
    let ext = fetched
        .content_type
        .as_deref()
        .and_then(format_for_content_type)
        .or_else(|| content_type_of(&fetched.bytes).and_then(format_for_content_type))
        .unwrap_or("bin");
    let (dir, stem) = match (stem.parent(), stem.file_name()) {
        (Some(dir), Some(name)) => (dir.to_path_buf(), PathBuf::from(name)),
        _ => (PathBuf::new(), stem.to_path_buf()),
    };
    let target = output_file(&dir, &stem, ext, 0, 1);
    let write = target.clone();
    let part = tokio::task::spawn_blocking(move || {
        if let Some(parent) = write.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut part = PartFile::create(&write, Access::Umask)?;
        std::io::Write::write_all(part.file(), &fetched.bytes)?;
        Ok(part)
    })
    .await
    .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    .map_err(|source| crate::http::Error::WriteOutput {
        path: target.clone(),
        source,
    })?;
    commit_output(part, &target, replace).await?;
    Ok(target)
}
