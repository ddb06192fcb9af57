//! `pixelbin folders create | get | delete | ancestors`.

use std::io::Write;

use clap::Subcommand;
use pixelbin::platform::{FolderDetailsParams, FolderInfo};

use crate::context::Context;
use crate::error::CliError;
use crate::files::write_items;
use crate::output::or_dash;

/// `pixelbin folders ...`
#[derive(Debug, Subcommand)]
pub enum FoldersCommand {
    /// Create a folder (and any missing parents).
    Create {
        /// The folder's name.
        name: String,
        /// Parent folder path, e.g. products/shoes (default: the root).
        #[arg(long, value_name = "P")]
        path: Option<String>,
    },
    /// Show the folders and files matching --path and/or --name (the API's folder details),
    /// one line each, labelled `folder` or `file`.
    #[command(visible_alias = "details")]
    Get {
        /// Path of the folder's parent, e.g. products.
        #[arg(long, value_name = "P")]
        path: Option<String>,
        /// The folder's name.
        #[arg(long, value_name = "N")]
        name: Option<String>,
    },
    /// Delete a folder and everything in it, permanently.
    Delete {
        /// The folder's `_id` (shown by `folders create`, `folders get` and `files list`).
        id: String,
    },
    /// Show a folder and the folders above it.
    Ancestors {
        /// The folder's `_id`.
        id: String,
    },
}

/// Runs a `folders` subcommand.
pub async fn run(command: FoldersCommand, ctx: &Context) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let assets = client.assets();
    let out = ctx.out;
    match command {
        FoldersCommand::Create { name, path } => {
            let folder = assets.create_folder(&name, path.as_deref()).await?;
            out.emit(&folder, |w| {
                write!(w, "created ")?;
                write_folder(w, &folder)
            })
        }
        FoldersCommand::Get { path, name } => {
            if path.is_none() && name.is_none() {
                return Err(CliError::usage(
                    "give --path and/or --name of the folder, e.g. `pixelbin folders get --name shoes --path products`",
                ));
            }
            let mut params = FolderDetailsParams::new();
            if let Some(path) = path {
                params = params.path(path);
            }
            if let Some(name) = name {
                params = params.name(name);
            }
            let items = assets.get_folder_details(params).await?;
            // The service answers with files as well as folders: label each by its `type`.
            out.emit(&items, |w| {
                if items.is_empty() {
                    writeln!(w, "no matching folder or file")?;
                }
                write_items(w, &items)
            })
        }
        FoldersCommand::Delete { id } => {
            let folder = assets.delete_folder(&id).await?;
            out.emit(&folder, |w| {
                write!(w, "deleted ")?;
                write_folder(w, &folder)
            })
        }
        FoldersCommand::Ancestors { id } => {
            let answer = assets.get_folder_ancestors(&id).await?;
            out.emit(&answer, |w| {
                for ancestor in &answer.ancestors {
                    write_folder(w, ancestor)?;
                }
                if let Some(folder) = &answer.folder {
                    write!(w, "-> ")?;
                    write_folder(w, folder)?;
                }
                Ok(())
            })
        }
    }
}

/// `path/name/  (id ...)`
fn write_folder(w: &mut dyn Write, folder: &FolderInfo) -> std::io::Result<()> {
    writeln!(
        w,
        "{}  (id {})",
        folder_path(folder.path.as_deref(), folder.name.as_deref()),
        or_dash(folder.id.as_deref())
    )
}

/// A folder's full path with a trailing slash: `products/shoes/`.
pub(crate) fn folder_path(path: Option<&str>, name: Option<&str>) -> String {
    let path = pixelbin::http::naming::remote_path([path.unwrap_or(""), name.unwrap_or("")]);
    format!("{path}/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_paths() {
        assert_eq!(folder_path(Some("a/b"), Some("c")), "a/b/c/");
        assert_eq!(folder_path(Some(""), Some("c")), "c/");
        assert_eq!(folder_path(None, Some("c")), "c/");
        assert_eq!(folder_path(Some("/a/"), Some("c")), "a/c/");
    }
}
