//! The files under the folders of a bulk run: each real file once, whatever links point at it.
//!
//! A file or folder is known by its device and inode (its canonical path off Unix), so a
//! symbolic link back to a folder already visited (`ln -s . photos/again`) or a second link to
//! a file is skipped and reported instead of repeating the tree down to the kernel's link
//! limit. A folder that cannot be read and a link to nothing are reported too; neither stops
//! the walk. Hidden files and folders (names starting with `.`) are left out.

use std::collections::HashMap;
use std::fs::Metadata;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{Error, Notice};

/// A file found by the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Where to read it.
    pub path: PathBuf,
    /// Its path below the folder given (its file name when a file was given).
    pub relative: PathBuf,
    /// Its size when it was found.
    pub size: u64,
    /// Its modification time when it was found.
    pub modified: Option<SystemTime>,
}

/// What a walk found: the files, and what it skipped and why.
#[derive(Debug, Default)]
pub struct Walk {
    /// Each real file once, in the order of the roots, sorted by relative path within each.
    pub files: Vec<Found>,
    /// Links skipped, folders unreadable, links to nothing.
    pub notices: Vec<Notice>,
    /// Device and inode (or canonical path) of every file and folder seen, with where.
    seen: HashMap<Identity, PathBuf>,
}

#[cfg(unix)]
type Identity = (u64, u64);
#[cfg(not(unix))]
type Identity = PathBuf;

#[cfg(unix)]
fn identity(_path: &Path, meta: &Metadata) -> Identity {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn identity(path: &Path, _meta: &Metadata) -> Identity {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

impl Walk {
    /// An empty walk; add roots with [`Walk::add`].
    pub fn new() -> Walk {
        Walk::default()
    }

    /// The files of every root, each real file once across all of them.
    ///
    /// # Errors
    /// When a root cannot be read (a missing path, a folder without permission).
    pub fn of<P: AsRef<Path>>(roots: impl IntoIterator<Item = P>) -> Result<Walk, Error> {
        let mut walk = Walk::new();
        for root in roots {
            walk.add(root.as_ref())?;
        }
        Ok(walk)
    }

    /// Adds the files of `root`: itself when it is a file, else every file below it.
    ///
    /// # Errors
    /// When `root` itself cannot be read; folders below it that cannot be read are
    /// [`Notice::UnreadableFolder`]s instead.
    pub fn add(&mut self, root: &Path) -> Result<(), Error> {
        let unreadable = |source| Error::Input {
            path: root.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(root).map_err(unreadable)?;
        if !meta.is_dir() {
            let relative = root
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_else(|| root.to_path_buf());
            self.file(root.to_path_buf(), relative, &meta);
            return Ok(());
        }
        self.seen.insert(identity(root, &meta), root.to_path_buf());
        let first = self.files.len();
        // The root's own listing failing is the run's error; below it, the folder's.
        let entries = read_sorted(root).map_err(unreadable)?;
        let mut pending = vec![entries];
        while let Some(entries) = pending.last_mut() {
            let Some(path) = entries.pop() else {
                pending.pop();
                continue;
            };
            let Ok(link_meta) = std::fs::symlink_metadata(&path) else {
                continue; // Removed since the listing: nothing to do.
            };
            let meta = if link_meta.is_symlink() {
                match std::fs::metadata(&path) {
                    Ok(meta) => meta,
                    Err(error) => {
                        self.notices.push(Notice::DanglingLink {
                            path,
                            error: error.to_string(),
                        });
                        continue;
                    }
                }
            } else {
                link_meta
            };
            if meta.is_dir() {
                let id = identity(&path, &meta);
                if let Some(first) = self.seen.get(&id) {
                    self.notices.push(Notice::AlreadyVisited {
                        path,
                        first: first.clone(),
                    });
                    continue;
                }
                self.seen.insert(id, path.clone());
                match read_sorted(&path) {
                    Ok(entries) => pending.push(entries),
                    Err(error) => self.notices.push(Notice::UnreadableFolder {
                        path,
                        error: error.to_string(),
                    }),
                }
            } else if meta.is_file() {
                let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                self.file(path, relative, &meta);
            }
            // Sockets, pipes and devices are not files to send.
        }
        self.files[first..].sort_by(|a, b| a.relative.cmp(&b.relative));
        Ok(())
    }

    fn file(&mut self, path: PathBuf, relative: PathBuf, meta: &Metadata) {
        let id = identity(&path, meta);
        if let Some(first) = self.seen.get(&id) {
            self.notices.push(Notice::AlreadyVisited {
                path,
                first: first.clone(),
            });
            return;
        }
        self.seen.insert(id, path.clone());
        self.files.push(Found {
            path,
            relative,
            size: meta.len(),
            modified: meta.modified().ok(),
        });
    }
}

/// The visible entries of `dir`, sorted in reverse so `pop` takes them in order.
fn read_sorted(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if !is_hidden(&entry.file_name()) {
            entries.push(entry.path());
        }
    }
    entries.sort_by(|a, b| b.cmp(a));
    Ok(entries)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn relative(walk: &Walk) -> Vec<String> {
        walk.files
            .iter()
            .map(|f| f.relative.display().to_string())
            .collect()
    }

    #[test]
    fn a_link_loop_is_walked_once_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("photos");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("a.png"), b"a").unwrap();
        std::fs::write(root.join("sub/b.png"), b"bb").unwrap();
        std::fs::write(root.join(".hidden.png"), b"h").unwrap();
        symlink(".", root.join("again")).unwrap();
        symlink("a.png", root.join("same.png")).unwrap();
        symlink("missing.png", root.join("gone.png")).unwrap();
        let walk = Walk::of([&root]).unwrap();
        assert_eq!(relative(&walk), ["a.png", "sub/b.png"]);
        assert_eq!(walk.files[1].size, 2);
        let notices: Vec<String> = walk.notices.iter().map(|n| n.to_string()).collect();
        assert_eq!(notices.len(), 3, "{notices:?}");
        assert!(
            notices
                .iter()
                .any(|n| n.contains("again") && n.contains("already"))
        );
        assert!(notices.iter().any(|n| n.contains("same.png")));
        assert!(notices.iter().any(|n| n.contains("gone.png")));
        // The same file given twice is one file.
        let twice = Walk::of([root.join("a.png"), root.clone()]).unwrap();
        assert_eq!(relative(&twice), ["a.png", "sub/b.png"]);
    }

    #[test]
    fn an_unreadable_folder_is_a_notice_naming_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("locked")).unwrap();
        std::fs::write(root.join("locked/x.png"), b"x").unwrap();
        std::fs::write(root.join("ok.png"), b"x").unwrap();
        std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o000))
            .unwrap();
        let readable = std::fs::read_dir(root.join("locked")).is_ok(); // root reads anything
        let walk = Walk::of([root]).unwrap();
        std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        if readable {
            assert_eq!(relative(&walk), ["locked/x.png", "ok.png"]);
            return;
        }
        assert_eq!(relative(&walk), ["ok.png"]);
        let [Notice::UnreadableFolder { path, .. }] = walk.notices.as_slice() else {
            panic!("{:?}", walk.notices);
        };
        assert_eq!(path, &root.join("locked"));
        assert!(matches!(
            Walk::of([root.join("missing")]),
            Err(Error::Input { .. })
        ));
    }
}
