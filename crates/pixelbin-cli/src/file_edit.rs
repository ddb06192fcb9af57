//! `pixelbin files update | move | rename | tag | untag`: changing a stored file (the API's
//! `updateFile`).

use clap::Args;
use pixelbin::platform::{Assets, UpdateFileParams};

use crate::catalog::json_object;
use crate::error::CliError;
use crate::files::{FilesCommand, print_file};
use crate::output::Output;
use crate::upload::AccessArg;

/// Flags of `pixelbin files update`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  pixelbin files update products/shoe.jpeg --access private --tag summer --metadata '{\"sku\":\"A-1\"}'"
)]
pub struct UpdateArgs {
    /// The file id, e.g. products/shoe.jpeg
    pub file_id: String,
    /// New name (without extension).
    #[arg(long, value_name = "N")]
    pub name: Option<String>,
    /// New folder, e.g. archive/2024.
    #[arg(long, value_name = "P")]
    pub path: Option<String>,
    /// Who can read the file.
    #[arg(long, value_enum, value_name = "ACCESS")]
    pub access: Option<AccessArg>,
    /// Deactivate the file (--active brings it back).
    #[arg(long, conflicts_with = "active")]
    pub inactive: bool,
    /// Reactivate the file.
    #[arg(long)]
    pub active: bool,
    /// Replace the file's tags with these (repeatable; --clear-tags removes them all).
    #[arg(long = "tag", value_name = "T", conflicts_with = "clear_tags")]
    pub tags: Vec<String>,
    /// Remove every tag.
    #[arg(long)]
    pub clear_tags: bool,
    /// Replace the metadata with this JSON object.
    #[arg(long, value_name = "JSON")]
    pub metadata: Option<String>,
}

impl UpdateArgs {
    fn params(self) -> anyhow::Result<UpdateFileParams> {
        let mut params = UpdateFileParams::new();
        let mut any = false;
        if let Some(name) = self.name {
            params = params.name(name);
            any = true;
        }
        if let Some(path) = self.path {
            params = params.path(path);
            any = true;
        }
        if let Some(access) = self.access {
            params = params.access(pixelbin::upload::Access::from(access));
            any = true;
        }
        if self.inactive || self.active {
            params = params.is_active(self.active);
            any = true;
        }
        if !self.tags.is_empty() || self.clear_tags {
            params = params.tags(self.tags);
            any = true;
        }
        if let Some(text) = &self.metadata {
            params = params.metadata(json_object("--metadata", text)?);
            any = true;
        }
        if !any {
            return Err(CliError::usage(
                "nothing to change: give --name, --path, --access, --active/--inactive, --tag, --clear-tags or --metadata",
            ));
        }
        Ok(params)
    }
}

/// Runs `files update | move | rename | tag | untag`; prints the updated file.
pub async fn run(command: FilesCommand, assets: &Assets, out: Output) -> anyhow::Result<()> {
    let (file_id, params) = match command {
        FilesCommand::Update(args) => (args.file_id.clone(), args.params()?),
        FilesCommand::Move { file_id, to } => {
            let folder = pixelbin::http::naming::remote_path([to]);
            (file_id, UpdateFileParams::new().path(folder))
        }
        FilesCommand::Rename { file_id, new_name } => {
            if new_name.trim().is_empty() || new_name.contains('/') {
                return Err(CliError::usage(format!(
                    "{new_name:?} is not a file name: give a name without '/' (use `files move` to change folders)"
                )));
            }
            (file_id, UpdateFileParams::new().name(new_name))
        }
        FilesCommand::Tag { file_id, tags } => {
            let current = assets.get_file_by_file_id(&file_id).await?.tags;
            let tags = with_tags(current, &tags);
            (file_id, UpdateFileParams::new().tags(tags))
        }
        FilesCommand::Untag { file_id, tags } => {
            let current = assets.get_file_by_file_id(&file_id).await?.tags;
            let tags = without_tags(current, &tags);
            (file_id, UpdateFileParams::new().tags(tags))
        }
        FilesCommand::List(_) | FilesCommand::Get { .. } | FilesCommand::Delete { .. } => {
            return Err(CliError::usage("not a change of a file"));
        }
    };
    let file = assets.update_file(&file_id, params).await?;
    print_file(&file, out)
}

/// `current` with `added` appended, each tag once, in their first order.
fn with_tags(mut current: Vec<String>, added: &[String]) -> Vec<String> {
    for tag in added {
        if !current.contains(tag) {
            current.push(tag.clone());
        }
    }
    current
}

/// `current` without any of `removed`.
fn without_tags(current: Vec<String>, removed: &[String]) -> Vec<String> {
    current
        .into_iter()
        .filter(|t| !removed.contains(t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_added_once_and_removed() {
        let tags = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            with_tags(tags(&["a", "b"]), &tags(&["b", "c", "c"])),
            tags(&["a", "b", "c"])
        );
        assert_eq!(
            without_tags(tags(&["a", "b", "c"]), &tags(&["b", "x"])),
            tags(&["a", "c"])
        );
    }
}
