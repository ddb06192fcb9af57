//! The folder local paths are confined to (`--root`): every path a tool reads or writes goes
//! through [`Root::confine`].

use std::path::{Component, Path, PathBuf};

use anyhow::Context as _;

/// The allowed root, canonical (symlinks resolved), so a prefix check means "inside".
#[derive(Debug, Clone)]
pub struct Root {
    dir: PathBuf,
}

impl Root {
    /// The root `dir`, which must exist.
    pub fn new(dir: &Path) -> anyhow::Result<Root> {
        let dir = std::fs::canonicalize(dir)
            .with_context(|| format!("--root {}: no such folder", dir.display()))?;
        anyhow::ensure!(dir.is_dir(), "--root {}: not a folder", dir.display());
        Ok(Root { dir })
    }

    /// The root `--root` gives, or else the current folder. Some assistants start their
    /// servers in `/`, which as a default would confine nothing: that one must be asked for.
    pub fn from_flag(flag: Option<&Path>) -> anyhow::Result<Root> {
        if let Some(dir) = flag {
            return Root::new(dir);
        }
        let root = Root::new(Path::new("."))?;
        if root.dir.parent().is_none() {
            return Err(crate::error::CliError::usage(
                "the current folder is the file system's root; pass --root DIR with the \
                 folder the assistant may read and write (or --root / to allow everything)",
            ));
        }
        Ok(root)
    }

    /// The root folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `path` (relative to the root, or absolute) resolved the way the file system will
    /// resolve it, refused unless it stays inside the root.
    ///
    /// The deepest part that exists is canonicalized, so `..` and symlinks are followed to
    /// where they really lead; the part that does not exist yet (a file to write, new folders)
    /// may only hold plain names. Files are opened right after, by the same process, so a
    /// symlink swapped in between is the only way around it: a local user's race, not an
    /// assistant's.
    pub fn confine(&self, path: &str) -> anyhow::Result<PathBuf> {
        anyhow::ensure!(
            !path.is_empty(),
            "the path is empty; give one inside {}",
            self.dir.display()
        );
        let joined = self.dir.join(path);
        let mut existing = joined.as_path();
        let mut missing: Vec<&std::ffi::OsStr> = Vec::new();
        let real = loop {
            match std::fs::canonicalize(existing) {
                Ok(real) => break real,
                // Something that exists but does not resolve (a dangling symlink) could lead
                // anywhere once written through.
                Err(_) if std::fs::symlink_metadata(existing).is_ok() => {
                    return Err(self.outside(path));
                }
                Err(_) => {
                    let name = match existing.components().next_back() {
                        Some(Component::Normal(name)) => name,
                        _ => return Err(self.outside(path)),
                    };
                    missing.push(name);
                    existing = existing.parent().ok_or_else(|| self.outside(path))?;
                }
            }
        };
        if !real.starts_with(&self.dir) {
            return Err(self.outside(path));
        }
        Ok(missing.iter().rev().fold(real, |dir, name| dir.join(name)))
    }

    /// A file to read: confined, and an existing regular file.
    pub fn file_to_read(&self, path: &str) -> anyhow::Result<PathBuf> {
        let resolved = self.confine(path)?;
        anyhow::ensure!(
            resolved.is_file(),
            "'{path}' is not a file inside {}; give the path of an existing file there",
            self.dir.display()
        );
        Ok(resolved)
    }

    fn outside(&self, path: &str) -> anyhow::Error {
        anyhow::anyhow!(
            "'{path}' is outside the allowed root {} (`..` and symlinks may not leave it); \
             give a path inside it, or restart `pixelbin mcp` with another --root",
            self.dir.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside() {
        let outer = tempfile::tempdir().unwrap();
        let root_dir = outer.path().join("root");
        std::fs::create_dir_all(root_dir.join("sub")).unwrap();
        std::fs::write(root_dir.join("sub/a.png"), b"x").unwrap();
        std::fs::write(outer.path().join("secret.txt"), b"x").unwrap();
        let root = Root::new(&root_dir).unwrap();
        let real = root.dir().to_path_buf();

        assert_eq!(
            root.file_to_read("sub/a.png").unwrap(),
            real.join("sub/a.png")
        );
        assert_eq!(
            root.confine("sub/../sub/a.png").unwrap(),
            real.join("sub/a.png")
        );
        assert_eq!(
            root.confine("new/dir/out.png").unwrap(),
            real.join("new/dir/out.png")
        );
        let absolute = real.join("sub/a.png");
        assert_eq!(root.confine(absolute.to_str().unwrap()).unwrap(), absolute);

        for bad in [
            "../secret.txt",
            "sub/../../secret.txt",
            "/etc/passwd",
            "new/../../x",
            "",
        ] {
            let err = root.confine(bad).unwrap_err().to_string();
            assert!(
                err.contains("outside the allowed root") || err.contains("empty"),
                "{bad}: {err}"
            );
        }
        assert!(
            root.file_to_read("sub")
                .unwrap_err()
                .to_string()
                .contains("not a file")
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_are_refused() {
        let outer = tempfile::tempdir().unwrap();
        let root_dir = outer.path().join("root");
        std::fs::create_dir_all(&root_dir).unwrap();
        std::fs::write(outer.path().join("secret.txt"), b"x").unwrap();
        std::os::unix::fs::symlink(outer.path().join("secret.txt"), root_dir.join("link.txt"))
            .unwrap();
        std::os::unix::fs::symlink(outer.path(), root_dir.join("out")).unwrap();
        std::os::unix::fs::symlink(
            outer.path().join("nothing.png"),
            root_dir.join("dangling.png"),
        )
        .unwrap();
        let root = Root::new(&root_dir).unwrap();
        for bad in ["link.txt", "out/secret.txt", "out/new.png", "dangling.png"] {
            let err = root.confine(bad).unwrap_err().to_string();
            assert!(err.contains("outside the allowed root"), "{bad}: {err}");
        }
    }
}
