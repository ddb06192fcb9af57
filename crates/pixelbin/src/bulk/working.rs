//! The working folder of [`transforms`](super::transforms): where inputs are uploaded so the
//! CDN can transform them, named so reruns find their uploads, emptied at the end.

use std::collections::HashSet;
use std::path::Path;

use futures::TryStreamExt;
use sha2::{Digest, Sha256};

use super::journal::path_key;
use super::{Notice, error_chain};
use crate::PixelbinClient;
use crate::http::naming::remote_path;
use crate::platform::{FolderDetailsParams, ListFilesParams};

/// What every default working folder's name starts with.
pub const WORKING_FOLDER_PREFIX: &str = "pixelbin-transform-";

/// Files deleted in one request.
const DELETE_BATCH: usize = 100;
/// Folders below the working folder looked into, at most (a bound on requests).
const MAX_FOLDERS: usize = 10_000;

/// The default working folder of a run: [`WORKING_FOLDER_PREFIX`] and 16 hex digits of a
/// SHA-256 of the run's identity (the canonical pattern, the output folder and the inputs,
/// as absolute paths). A rerun of the same command (same journal identity) finds the same
/// folder, so its uploads are reused; runs on other inputs, patterns or outputs get another.
pub(crate) fn default_name(pattern: &str, output: &Path, inputs: &[impl AsRef<Path>]) -> String {
    let mut inputs: Vec<String> = inputs
        .iter()
        .map(|p| path_key(p.as_ref()).to_string_lossy().into_owned())
        .collect();
    inputs.sort();
    let mut hash = Sha256::new();
    for part in [
        pattern.to_string(),
        path_key(output).to_string_lossy().into_owned(),
    ]
    .into_iter()
    .chain(inputs)
    {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let digest = hex::encode(hash.finalize());
    format!("{WORKING_FOLDER_PREFIX}{}", &digest[..16])
}

/// Deletes the files `ours` (stored paths with their sizes) found under `root`, then `root`
/// itself when nothing else is left in it; what happened, as a notice (none when there was
/// nothing to delete).
pub(crate) async fn clean(
    client: &PixelbinClient,
    root: &str,
    ours: &HashSet<(String, u64)>,
) -> Option<Notice> {
    match delete(client, root, ours).await {
        // Deleted by an earlier run already.
        Ok((0, false)) => None,
        Ok((files, removed)) => Some(Notice::WorkingFolderDeleted {
            folder: root.to_string(),
            files,
            removed,
        }),
        Err(e) => Some(Notice::WorkingFolderKept {
            folder: root.to_string(),
            reason: format!(
                "deleting them failed ({}); a rerun with the same journal deletes them",
                error_chain(&e)
            ),
        }),
    }
}

async fn delete(
    client: &PixelbinClient,
    root: &str,
    ours: &HashSet<(String, u64)>,
) -> Result<(usize, bool), crate::Error> {
    let assets = client.assets();
    // Every file and folder below the root, one listing per folder.
    let mut folders = vec![root.to_string()];
    let mut ids = Vec::new();
    let mut others = 0;
    let mut seen = 0;
    while let Some(folder) = folders.pop() {
        seen += 1;
        if seen > MAX_FOLDERS {
            others += 1;
            break;
        }
        let items: Vec<_> = assets
            .list_files_stream(ListFilesParams::new().path(folder.clone()))
            .try_collect()
            .await?;
        for item in items {
            let name = item.name.clone().unwrap_or_default();
            if item.is_folder() {
                folders.push(remote_path([&folder, &name]));
                continue;
            }
            let path = item
                .file_id
                .clone()
                .unwrap_or_else(|| remote_path([&folder, &name]));
            let size = item.size.unwrap_or(u64::MAX);
            match item.id {
                Some(id) if is_ours(ours, &path, size) => ids.push(id),
                _ => others += 1,
            }
        }
    }
    for batch in ids.chunks(DELETE_BATCH) {
        assets.delete_files(batch.iter().cloned()).await?;
    }
    if others > 0 {
        return Ok((ids.len(), false));
    }
    // Nothing else in it: the folder goes too (its sub-folders with it).
    let (parent, name) = root.rsplit_once('/').unwrap_or(("", root));
    let mut params = FolderDetailsParams::new().name(name);
    if !parent.is_empty() {
        params = params.path(parent);
    }
    let found = assets.get_folder_details(params).await?;
    let Some(id) = found.into_iter().find(|f| f.is_folder()).and_then(|f| f.id) else {
        return Ok((ids.len(), false));
    };
    assets.delete_folder(&id).await?;
    Ok((ids.len(), true))
}

/// Whether `path` of `size` bytes is one of `ours` (listings give file ids with or without
/// the extension).
fn is_ours(ours: &HashSet<(String, u64)>, path: &str, size: u64) -> bool {
    ours.contains(&(path.to_string(), size))
        || ours
            .iter()
            .any(|(p, s)| *s == size && p.rsplit_once('.').is_some_and(|(stem, _)| stem == path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_folder_is_stable_and_tells_runs_apart() {
        let a = default_name("t.flip()", Path::new("out"), &["photos"]);
        assert_eq!(a, default_name("t.flip()", Path::new("out"), &["photos"]));
        assert!(
            a.starts_with(WORKING_FOLDER_PREFIX) && a.len() == WORKING_FOLDER_PREFIX.len() + 16
        );
        assert_eq!(
            a,
            default_name("t.flip()", Path::new("out/"), &["./photos/"])
        );
        assert_ne!(a, default_name("t.flip()", Path::new("out"), &["other"]));
        assert_ne!(a, default_name("t.flop()", Path::new("out"), &["photos"]));
        assert_ne!(a, default_name("t.flip()", Path::new("out2"), &["photos"]));
        assert!(crate::upload::check_folder(&a).is_ok());
    }
}
