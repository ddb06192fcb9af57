//! `pixelbin upload FILE`: signed multipart upload with a progress bar.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use pixelbin::PixelbinClient;
use pixelbin::upload::{
    Access, DEFAULT_CHUNK_SIZE, DEFAULT_CONCURRENCY, DEFAULT_MAX_RETRIES, FileObject, UploadError,
    UploadOptions, UploadRequest, UploadSource,
};

use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use crate::progress;

/// Access level of the stored file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AccessArg {
    /// Anyone with the URL can read it.
    PublicRead,
    /// Only signed URLs can read it.
    Private,
}

impl From<AccessArg> for Access {
    fn from(access: AccessArg) -> Access {
        match access {
            AccessArg::PublicRead => Access::PublicRead,
            AccessArg::Private => Access::Private,
        }
    }
}

/// Flags of `pixelbin upload`.
#[derive(Debug, Args)]
#[command(
    after_help = "Prints the file's URL (the file object with --json).\n\nExamples:\n  \
    pixelbin upload photo.jpg --path products/shoes --tag summer --tag sale\n  \
    cat photo.jpg | pixelbin upload - --name photo --json\n  \
    pixelbin upload photos/ extra.png --path catalogue --skip-existing --journal up.jsonl\n\n\
    Several paths or a directory upload every file (directories recursively, hidden files \
    skipped, relative folders kept under --path), printing one line per file (one JSON line \
    each with --json, then a summary)."
)]
pub struct UploadArgs {
    /// Files or directories to upload; `-` reads stdin (alone).
    #[arg(required = true, value_name = "PATH")]
    pub files: Vec<PathBuf>,
    /// Name of the stored file (default: the file name without its extension; with stdin, the
    /// server picks one).
    #[arg(long, value_name = "N")]
    pub name: Option<String>,
    /// Folder to store it in, e.g. products/shoes (default: the root).
    #[arg(long, value_name = "P")]
    pub path: Option<String>,
    /// Format of the file, e.g. jpeg (default: the file's extension, `jpg` read as `jpeg`;
    /// with stdin, detected by the server).
    #[arg(long, value_name = "F")]
    pub format: Option<String>,
    /// Who can read the file.
    #[arg(long, value_enum, value_name = "ACCESS")]
    pub access: Option<AccessArg>,
    /// A tag (repeatable).
    #[arg(long = "tag", value_name = "T")]
    pub tags: Vec<String>,
    /// Metadata as a JSON object, e.g. '{"sku":"A-1"}'.
    #[arg(long, value_name = "JSON")]
    pub metadata: Option<String>,
    /// Replace a file with the same path and name.
    #[arg(long)]
    pub overwrite: bool,
    /// Add unique characters to the name when it is taken.
    #[arg(long)]
    pub filename_override: bool,
    /// Size of each part in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_CHUNK_SIZE)]
    pub chunk_size: usize,
    /// Parts in flight at once.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// Retries of a failed part.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_RETRIES)]
    pub max_retries: u32,
    /// Skip files whose name and size already exist in their remote folder (one listing per
    /// folder).
    #[arg(long)]
    pub skip_existing: bool,
    /// Journal file: a rerun skips the files it records as uploaded.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
}

impl UploadArgs {
    /// Whether this is one file (or stdin) with nothing of the many-files mode asked for.
    fn is_single_file(&self) -> bool {
        match self.files.as_slice() {
            [file] => {
                !self.skip_existing
                    && self.journal.is_none()
                    && (file == Path::new("-") || !file.is_dir())
            }
            _ => false,
        }
    }

    /// The upload request these flags describe for the single file `file`.
    pub fn request(&self, file: &Path) -> anyhow::Result<UploadRequest> {
        let mut request = self.shared_request()?;
        if let Some(name) = self.name.clone().or_else(|| default_name(file)) {
            request = request.name(name);
        }
        if let Some(path) = &self.path {
            request = request.path(path);
        }
        if let Some(format) = self.format.clone().or_else(|| default_format(file)) {
            request = request.format(format);
        }
        Ok(request)
    }

    /// The fields every file of the command shares: access, tags, metadata and the clash rules.
    pub fn shared_request(&self) -> anyhow::Result<UploadRequest> {
        let mut request = UploadRequest::new();
        if let Some(access) = self.access {
            request = request.access(access.into());
        }
        if !self.tags.is_empty() {
            request = request.tags(self.tags.iter().cloned());
        }
        if let Some(text) = &self.metadata {
            let metadata = match serde_json::from_str(text) {
                Ok(serde_json::Value::Object(map)) => map,
                _ => {
                    return Err(CliError::usage(format!(
                        "--metadata must be a JSON object such as '{{\"sku\":\"A-1\"}}', got {text:?}"
                    )));
                }
            };
            request = request.metadata(metadata);
        }
        if self.overwrite {
            request = request.overwrite(true);
        }
        if self.filename_override {
            request = request.filename_override(true);
        }
        Ok(request)
    }
}

/// The file name without its extension; `None` for stdin.
fn default_name(file: &Path) -> Option<String> {
    if file == Path::new("-") {
        return None;
    }
    pixelbin::upload::default_name(file)
}

/// The file's extension in lower case (`jpg` as `jpeg`); `None` for stdin.
fn default_format(file: &Path) -> Option<String> {
    if file == Path::new("-") {
        return None;
    }
    pixelbin::upload::default_format(file)
}

/// Runs `pixelbin upload`.
pub async fn run(args: UploadArgs, ctx: &Context) -> anyhow::Result<()> {
    if !args.is_single_file() {
        return crate::upload_many::run(&args, ctx).await;
    }
    let file_path = &args.files[0];
    let request = args.request(file_path)?;
    let client = ctx.client()?;
    let source = if file_path == Path::new("-") {
        UploadSource::from_reader(tokio::io::stdin(), None)
    } else {
        // Fail early, with the path in the message, before any request is made.
        tokio::fs::metadata(file_path)
            .await
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", file_path.display())))?;
        UploadSource::from_path(file_path)
    };
    let file = upload_with_bar(&client, source, request, args.options(), ctx.out).await?;
    print_file(&file, ctx.out)
}

impl UploadArgs {
    /// The options of each file's upload.
    pub fn options(&self) -> UploadOptions {
        UploadOptions::default()
            .chunk_size(self.chunk_size)
            .concurrency(self.concurrency)
            .max_retries(self.max_retries)
    }
}

/// Uploads with a byte progress bar (on a terminal, not with `--json`). Bad options and an
/// unreadable or empty source are usage errors (exit code 2).
pub async fn upload_with_bar(
    client: &PixelbinClient,
    source: UploadSource,
    request: UploadRequest,
    options: UploadOptions,
    out: Output,
) -> anyhow::Result<FileObject> {
    let bar = progress::bytes_bar(out, source.len());
    bar.set_message("uploading");
    let reporter = bar.clone();
    let options = options.on_progress(move |p| {
        if let Some(total) = p.total_bytes {
            progress::set_bytes_total(&reporter, total);
        }
        reporter.set_position(p.bytes_acknowledged);
    });
    let result = client.uploader().upload(source, request, options).await;
    bar.finish_and_clear();
    result.map_err(|e| match e {
        UploadError::InvalidOptions(_) | UploadError::EmptySource => CliError::usage(e.to_string()),
        UploadError::Source { resume: None, .. } => CliError::usage(e.to_string()),
        other => other.into(),
    })
}

/// The URL, or the whole file object with `--json`.
fn print_file(file: &FileObject, out: Output) -> anyhow::Result<()> {
    out.emit(file, |w| match &file.url {
        Some(url) => writeln!(w, "{url}"),
        None => writeln!(
            w,
            "uploaded {} (the server sent no URL)",
            file.file_id.as_deref().unwrap_or("the file")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: UploadArgs,
    }

    fn parse(args: &[&str]) -> UploadArgs {
        Wrapper::try_parse_from(std::iter::once("x").chain(args.iter().copied()))
            .unwrap()
            .args
    }

    #[test]
    fn flags_become_the_request() {
        let args = parse(&[
            "dir/photo.jpeg",
            "--path",
            "shoes",
            "--access",
            "private",
            "--tag",
            "a",
            "--tag",
            "b",
            "--overwrite",
            "--metadata",
            r#"{"sku":"A-1"}"#,
        ]);
        let body = serde_json::to_value(args.request(&args.files[0]).unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "name": "photo", "format": "jpeg", "path": "shoes", "access": "private", "tags": ["a", "b"],
                "overwrite": true, "metadata": {"sku": "A-1"}
            })
        );
    }

    #[test]
    fn stdin_has_no_default_name_and_bad_metadata_is_refused() {
        let args = parse(&["-"]);
        assert!(
            serde_json::to_value(args.request(&args.files[0]).unwrap())
                .unwrap()
                .get("name")
                .is_none()
        );
        let args = parse(&["a.JPG", "--name", "n", "--format", "webp"]);
        let body = serde_json::to_value(args.request(&args.files[0]).unwrap()).unwrap();
        assert_eq!(
            (&body["name"], &body["format"]),
            (&"n".into(), &"webp".into())
        );
        assert_eq!(
            default_format(Path::new("dir/a.JPG")).as_deref(),
            Some("jpeg")
        );
        assert_eq!(
            default_format(Path::new("dir/a.png")).as_deref(),
            Some("png")
        );
        assert_eq!(default_format(Path::new("dir/noext")), None);
        let args = parse(&["a.png", "--metadata", "[1]"]);
        assert!(args.request(&args.files[0]).is_err());
        assert!(Wrapper::try_parse_from(["x", "a.png", "--access", "public"]).is_err());
    }
}
