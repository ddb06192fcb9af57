//! Writing a file atomically: the one way the SDK puts a file on disk (downloads, upload resume
//! state).
//!
//! The bytes go to a hidden part file beside the target (`.NAME.XXXXXX.part`), which is
//! renamed over the target only once complete: a failure or a kill never leaves half a file
//! under the target's name and never damages what was there.
//!
//! A part file is locked (an advisory exclusive lock, `fs4`) for as long as its writer lives.
//! A kill leaves the file but the system drops the lock, so the next part file created in
//! that folder removes the unlocked ones: what a killed run left is cleaned up by the next run,
//! while another process's write in progress is left alone.
//!
//! New files get the mode a plain file create gets (`0666` less the umask), as `cp` or `curl
//! -o` would, unless asked to be private (`0600`, for files that hold a signed URL).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use fs4::fs_std::FileExt;
use tempfile::TempPath;

/// Who may read a new file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// As a plain file create: `0666` less the umask.
    Umask,
    /// The owner only (`0600`): the file holds a secret (a signed URL, for example).
    Private,
}

/// A hidden part file being written beside its target, locked while it lives; see the
/// [module docs](self).
#[derive(Debug)]
pub struct PartFile {
    file: File,
    path: TempPath,
    target: PathBuf,
}

impl PartFile {
    /// Creates the part file of `target` in `target`'s folder (which must exist), after
    /// removing the part files there that no live writer holds (once per folder and process:
    /// a bulk download does not read its folder again for every file).
    pub fn create(target: &Path, access: Access) -> io::Result<PartFile> {
        let dir = folder_of(target);
        let first_visit = CLEANED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(dir.clone());
        if first_visit {
            remove_stale_parts(&dir);
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "download".into());
        // A cleaner may remove a new part file between its creation and its lock: then the
        // name no longer leads to the file, and another one is made.
        let prefix = format!(".{name}.");
        for _ in 0..8 {
            let mut builder = tempfile::Builder::new();
            builder.prefix(&prefix).suffix(PART_SUFFIX);
            #[cfg(unix)]
            if access == Access::Umask {
                use std::os::unix::fs::PermissionsExt;
                builder.permissions(std::fs::Permissions::from_mode(0o666));
            }
            let (file, path) = builder.tempfile_in(&dir)?.into_parts();
            if file.try_lock_exclusive()? && same_file(&file, &path) {
                return Ok(PartFile {
                    file,
                    path,
                    target: target.to_path_buf(),
                });
            }
        }
        Err(io::Error::other(format!(
            "could not hold a part file in {}: another process keeps removing them",
            dir.display()
        )))
    }

    /// The open file, to write into.
    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// The part file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes the bytes to disk and renames the part file over the target. Unless
    /// `overwrite`, an existing target is kept and the error's kind is
    /// [`io::ErrorKind::AlreadyExists`]. On any error the part file is removed.
    pub fn commit(mut self, overwrite: bool) -> io::Result<()> {
        self.file.flush()?;
        self.file.sync_all()?;
        // The lock is held until the rename is done (the file is closed after it).
        let persisted = if overwrite {
            self.path.persist(&self.target)
        } else {
            self.path.persist_noclobber(&self.target)
        };
        persisted.map_err(|e| e.error)
    }
}

/// Writes `bytes` to `target` atomically (replacing it) and flushes them to disk.
pub fn write_atomically(target: &Path, bytes: &[u8], access: Access) -> io::Result<()> {
    let mut part = PartFile::create(target, access)?;
    part.file().write_all(bytes)?;
    part.commit(true)
}

const PART_SUFFIX: &str = ".part";

/// The folders this process already cleaned of stale part files.
static CLEANED: std::sync::LazyLock<std::sync::Mutex<std::collections::HashSet<PathBuf>>> =
    std::sync::LazyLock::new(Default::default);

/// Removes the part files in `dir` that no live writer holds (left by a kill) and returns how
/// many; a folder that cannot be read holds none.
pub fn remove_stale_parts(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !is_part_name(name) || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let Ok(file) = File::open(&path) else {
            continue;
        };
        if file.try_lock_exclusive().unwrap_or(false) && std::fs::remove_file(&path).is_ok() {
            tracing::debug!(path = %path.display(), "removed a part file left by an earlier run");
            removed += 1;
        }
    }
    removed
}

/// `.NAME.XXXXXX.part`: what [`PartFile::create`] names its files.
fn is_part_name(name: &str) -> bool {
    let Some(stem) = name
        .strip_prefix('.')
        .and_then(|n| n.strip_suffix(PART_SUFFIX))
    else {
        return false;
    };
    stem.rsplit_once('.').is_some_and(|(target, random)| {
        !target.is_empty() && random.len() == 6 && random.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

fn folder_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Whether `path` still names the open `file`.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names() {
        assert!(is_part_name(".photo.png.a1B2c3.part"));
        assert!(!is_part_name("photo.png.a1B2c3.part"));
        assert!(!is_part_name(".photo.png.part"));
        assert!(!is_part_name("..a1B2c3.part"));
        assert!(!is_part_name(".x.a1B2c3.partial"));
    }

    #[test]
    fn a_left_part_is_removed_and_a_live_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let left = dir.path().join(".a.png.Ab12Cd.part");
        std::fs::write(&left, b"half").unwrap();
        let other = dir.path().join(".notes.txt");
        std::fs::write(&other, b"mine").unwrap();
        let mut live = PartFile::create(&dir.path().join("b.png"), Access::Umask).unwrap();
        assert!(!left.exists(), "the unlocked part is gone");
        assert!(other.exists());
        // Another writer's part, still locked, survives the next create.
        live.file().write_all(b"in progress").unwrap();
        let live_path = live.path().to_path_buf();
        let next = PartFile::create(&dir.path().join("c.png"), Access::Umask).unwrap();
        assert!(live_path.exists());
        live.commit(false).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("b.png")).unwrap(),
            b"in progress"
        );
        drop(next);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn commit_keeps_an_existing_target_unless_overwriting() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t");
        std::fs::write(&target, b"old").unwrap();
        let mut part = PartFile::create(&target, Access::Umask).unwrap();
        part.file().write_all(b"new").unwrap();
        let err = part.commit(false).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        write_atomically(&target, b"new", Access::Umask).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn modes_follow_the_umask_or_stay_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        // What a plain create gets here, whatever this process's umask is.
        let plain = dir.path().join("plain");
        File::create(&plain).unwrap();
        let public = dir.path().join("public");
        write_atomically(&public, b"x", Access::Umask).unwrap();
        assert_eq!(mode(&public), mode(&plain));
        let private = dir.path().join("private");
        write_atomically(&private, b"x", Access::Private).unwrap();
        assert_eq!(mode(&private), 0o600);
    }
}
