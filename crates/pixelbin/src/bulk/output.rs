//! The local output folder of a bulk run: checked for writing before anything is sent, and
//! the outputs already in it (shared by [`predictions`](super::predictions) and
//! [`transforms`](super::transforms)).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::Error;

/// Creates `dir` and checks a file can be written in it.
pub(crate) fn check_writable(dir: &Path) -> Result<(), Error> {
    let refused = |source| Error::OutputNotWritable {
        dir: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(refused)?;
    let probe = dir.join(format!(".pixelbin-write-check-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(refused)?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// The output files already in `dir`, as `(folder below dir, stem)` with any `_<n>` suffix
/// removed: one listing per folder, so checking thousands of inputs stays linear.
#[derive(Default)]
pub(crate) struct OutputsPresent {
    folders: HashMap<PathBuf, HashSet<String>>,
}

impl OutputsPresent {
    /// An existing file that the outputs named after `stem` would replace.
    pub(crate) fn find(&mut self, dir: &Path, stem: &Path) -> Option<PathBuf> {
        let folder = dir.join(stem.parent().unwrap_or(Path::new("")));
        let name = stem.file_name()?.to_str()?;
        let stems = self.folders.entry(folder.clone()).or_insert_with(|| {
            let mut stems = HashSet::new();
            for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
                let file = entry.file_name();
                let Some((base, _ext)) = file.to_str().and_then(|n| n.rsplit_once('.')) else {
                    continue;
                };
                stems.insert(base.to_string());
                if let Some((head, n)) = base.rsplit_once('_')
                    && !n.is_empty()
                    && n.chars().all(|c| c.is_ascii_digit())
                {
                    stems.insert(head.to_string());
                }
            }
            stems
        });
        stems
            .contains(name)
            .then(|| folder.join(format!("{name}.*")))
    }
}
