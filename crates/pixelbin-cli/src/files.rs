//! `pixelbin files list | get | delete`.

use std::io::Write;

use clap::{Args, Subcommand};
use futures::TryStreamExt;
use pixelbin::platform::{FileItem, FileObject, ListFilesParams};

use crate::context::Context;
use crate::output::{Output, human_bytes, or_dash, print_text};

/// `pixelbin files ...`
#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// List files and folders (one page, or every page with --all).
    List(ListArgs),
    /// Show one file.
    Get {
        /// The file id: folder path and name with extension, e.g. products/shoe.jpeg
        file_id: String,
    },
    /// Delete one file.
    Delete {
        /// The file id, e.g. products/shoe.jpeg
        file_id: String,
    },
    // --- Changing a file (module `file_edit`).
    /// Change a file's name, folder, access, state, tags or metadata at once.
    Update(crate::file_edit::UpdateArgs),
    /// Move a file to another folder, keeping its name.
    Move {
        /// The file id, e.g. products/shoe.jpeg
        file_id: String,
        /// The folder to move it to, e.g. archive/2024 (`/` or "" for the root).
        #[arg(long, value_name = "P")]
        to: String,
    },
    /// Rename a file, keeping its folder.
    Rename {
        /// The file id, e.g. products/shoe.jpeg
        file_id: String,
        /// The new name (without extension; the service slugifies it).
        new_name: String,
    },
    /// Add tags to a file (its other tags are kept).
    Tag {
        /// The file id, e.g. products/shoe.jpeg
        file_id: String,
        /// The tags to add.
        #[arg(required = true)]
        tags: Vec<String>,
    },
    /// Remove tags from a file.
    Untag {
        /// The file id, e.g. products/shoe.jpeg
        file_id: String,
        /// The tags to remove.
        #[arg(required = true)]
        tags: Vec<String>,
    },
}

/// Flags of `pixelbin files list`.
#[derive(Debug, Args)]
#[command(
    after_help = "With --json: one page prints {\"items\": [...], \"page\": {...}}; \
    --all prints a JSON array of every item."
)]
pub struct ListArgs {
    /// Folder to list (default: the root).
    #[arg(long, value_name = "P")]
    pub path: Option<String>,
    /// Only items whose name matches.
    #[arg(long, value_name = "N")]
    pub name: Option<String>,
    /// Only files of this format, e.g. jpeg.
    #[arg(long, value_name = "F")]
    pub format: Option<String>,
    /// Only items with this tag (repeatable).
    #[arg(long = "tag", value_name = "T")]
    pub tags: Vec<String>,
    /// Only files.
    #[arg(long, conflicts_with = "only_folders")]
    pub only_files: bool,
    /// Only folders.
    #[arg(long)]
    pub only_folders: bool,
    /// Sort key; a '-' suffix sorts descending (e.g. createdAt-).
    #[arg(long, value_name = "KEY")]
    pub sort: Option<String>,
    /// Page number (from 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub page: Option<u32>,
    /// Items per page.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub page_size: Option<u32>,
    /// Fetch every page (from --page, default 1) and print all items.
    #[arg(long)]
    pub all: bool,
}

impl ListArgs {
    fn params(&self) -> ListFilesParams {
        let mut params = ListFilesParams::new();
        if let Some(path) = &self.path {
            params = params.path(path);
        }
        if let Some(name) = &self.name {
            params = params.name(name);
        }
        if let Some(format) = &self.format {
            params = params.format(format);
        }
        if !self.tags.is_empty() {
            params = params.tags(self.tags.iter().cloned());
        }
        if self.only_files {
            params = params.only_files(true);
        }
        if self.only_folders {
            params = params.only_folders(true);
        }
        if let Some(sort) = &self.sort {
            params = params.sort(sort);
        }
        if let Some(page) = self.page {
            params = params.page_no(page);
        }
        if let Some(size) = self.page_size {
            params = params.page_size(size);
        }
        params
    }
}

/// Runs a `files` subcommand.
pub async fn run(command: FilesCommand, ctx: &Context) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let assets = client.assets();
    let out = ctx.out;
    match command {
        FilesCommand::List(args) if args.all => {
            // Printed as pages arrive, one item at a time: memory stays flat however many
            // pages there are. With --json the items still form one JSON array.
            let mut items = std::pin::pin!(assets.list_files_stream(args.params()));
            let mut count = 0u64;
            if out.json {
                print_text(|w| write!(w, "["))?;
            }
            let walked = async {
                while let Some(item) = items.try_next().await? {
                    if out.json {
                        let text = serde_json::to_string(&item)?;
                        let sep = if count == 0 { "\n  " } else { ",\n  " };
                        print_text(|w| write!(w, "{sep}{text}"))?;
                    } else {
                        print_text(|w| write_items(w, std::slice::from_ref(&item)))?;
                    }
                    count += 1;
                }
                anyhow::Ok(())
            }
            .await;
            if out.json {
                // Closed even after an error, so stdout stays one JSON document.
                let end = if count == 0 { "]" } else { "\n]" };
                print_text(|w| writeln!(w, "{end}"))?;
            } else if walked.is_ok() {
                print_text(|w| writeln!(w, "{count} item(s)"))?;
            }
            walked
        }
        FilesCommand::List(args) => {
            let page = assets.list_files(args.params()).await?;
            out.emit(&page, |w| {
                write_items(w, &page.items)?;
                write_page_line(w, &page.page, page.items.len())
            })
        }
        FilesCommand::Get { file_id } => {
            let file = assets.get_file_by_file_id(&file_id).await?;
            print_file(&file, out)
        }
        FilesCommand::Update(_)
        | FilesCommand::Move { .. }
        | FilesCommand::Rename { .. }
        | FilesCommand::Tag { .. }
        | FilesCommand::Untag { .. } => crate::file_edit::run(command, assets, out).await,
        FilesCommand::Delete { file_id } => {
            let file = assets.delete_file(&file_id).await?;
            out.emit(&file, |w| {
                writeln!(w, "deleted {}", file.file_id.as_deref().unwrap_or(&file_id))
            })
        }
    }
}

/// `page 2 (20 item(s) here, 45 in all); next: --page 3, or --all`, under one page of a
/// listing.
pub(crate) fn write_page_line(
    w: &mut dyn Write,
    page: &pixelbin::platform::Page,
    shown: usize,
) -> std::io::Result<()> {
    write!(
        w,
        "page {} ({shown} item(s) here, {} in all)",
        or_dash(page.current),
        or_dash(page.item_total)
    )?;
    if page.has_next == Some(true) {
        let next = page.current.map_or(2, |c| c + 1);
        write!(w, "; next: --page {next}, or --all")?;
    }
    writeln!(w)
}

/// One line per item: kind, file id (or folder path), size, format, dimensions.
pub(crate) fn write_items(w: &mut dyn Write, items: &[FileItem]) -> std::io::Result<()> {
    for item in items {
        if item.is_folder() {
            let path = crate::folders::folder_path(item.path.as_deref(), item.name.as_deref());
            writeln!(w, "folder  {path}  (id {})", or_dash(item.id.as_deref()))?;
        } else {
            let id = item
                .file_id
                .as_deref()
                .or(item.name.as_deref())
                .unwrap_or("-");
            let size = item.size.map(human_bytes);
            let dims = match (item.width, item.height) {
                (Some(w), Some(h)) => Some(format!("{w}x{h}")),
                _ => None,
            };
            writeln!(
                w,
                "file    {id}  {}  {}  {}",
                or_dash(size),
                or_dash(item.format.as_deref()),
                or_dash(dims)
            )?;
        }
    }
    Ok(())
}

/// A file as `key: value` lines.
pub fn print_file(file: &FileObject, out: Output) -> anyhow::Result<()> {
    out.emit(file, |w| {
        writeln!(w, "fileId:  {}", or_dash(file.file_id.as_deref()))?;
        writeln!(w, "_id:     {}", or_dash(file.id.as_deref()))?;
        writeln!(w, "url:     {}", or_dash(file.url.as_deref()))?;
        writeln!(w, "format:  {}", or_dash(file.format.as_deref()))?;
        writeln!(w, "size:    {}", or_dash(file.size.map(human_bytes)))?;
        if let (Some(width), Some(height)) = (file.width, file.height) {
            writeln!(w, "pixels:  {width}x{height}")?;
        }
        writeln!(
            w,
            "access:  {}",
            or_dash(file.access.as_ref().map(|a| a.as_str()))
        )?;
        if !file.tags.is_empty() {
            writeln!(w, "tags:    {}", file.tags.join(", "))?;
        }
        Ok(())
    })
}
