//! The files a bulk command works on (see [`pixelbin::upload::files_under`]): a file, or a
//! directory's files recursively, sorted, hidden ones skipped.

use std::path::Path;

use pixelbin::upload::TreeFile;

use crate::error::CliError;

/// The files of `root`; an unreadable path is a usage error naming it.
pub fn files(root: &Path) -> anyhow::Result<Vec<TreeFile>> {
    pixelbin::upload::files_under(root)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", root.display())))
}
