//! The files a bulk command works on: a file, or a directory's files recursively (sorted, hidden
//! files and folders skipped), each with its path relative to what was given.

use std::path::{Path, PathBuf};

use crate::error::CliError;

/// One file to work on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The path to read.
    pub path: PathBuf,
    /// The path below the directory given (the file name for a file given itself).
    pub relative: PathBuf,
}

/// The files of `root`: itself if it is a file, else every non-hidden file below it, sorted.
pub fn files(root: &Path) -> anyhow::Result<Vec<Found>> {
    let meta = std::fs::metadata(root)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", root.display())))?;
    if !meta.is_dir() {
        let name = root
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_else(|| root.to_path_buf());
        return Ok(vec![Found {
            path: root.to_path_buf(),
            relative: name,
        }]);
    }
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| CliError::usage(format!("cannot list {}: {e}", dir.display())))?;
        for entry in entries {
            let entry = entry
                .map_err(|e| CliError::usage(format!("cannot list {}: {e}", dir.display())))?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            // Follows symlinks, like reading the file would.
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => pending.push(path),
                Ok(m) if m.is_file() => {
                    let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                    found.push(Found { path, relative });
                }
                _ => {}
            }
        }
    }
    found.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_walked_sorted_without_hidden_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in ["b.png", "a/c.png", "a/b/d.png", ".hidden.png", ".git/x.png"] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"x").unwrap();
        }
        let relative: Vec<_> = files(root)
            .unwrap()
            .into_iter()
            .map(|f| f.relative)
            .collect();
        assert_eq!(
            relative,
            ["a/b/d.png", "a/c.png", "b.png"]
                .map(PathBuf::from)
                .to_vec()
        );
        let single = files(&root.join("a/c.png")).unwrap();
        assert_eq!(single[0].relative, PathBuf::from("c.png"));
        assert!(files(&root.join("missing")).is_err());
    }
}
