//! `pixelbin upload FILE`: signed multipart upload with a progress bar.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use clap::{Args, ValueEnum};
use pixelbin::PixelbinClient;
use pixelbin::upload::{
    Access, DEFAULT_MAX_RETRIES, FileObject, MAX_PARTS, PathMemory, ResumeState, UploadError,
    UploadOptions, UploadReport, UploadRequest, UploadSource,
};
use serde::Serialize;

use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use crate::progress;

// Also `upload_file`'s `access` in `pixelbin mcp`, whose schema the doc comment describes.
/// Access level of the stored file.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
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
    pixelbin upload photos/ extra.png --path catalogue --skip-existing --journal up.jsonl\n  \
    pixelbin upload backup.tar --resume-file backup.upload   # after a crash, sends only what is missing\n\n\
    Several paths or a directory upload every file (directories recursively, hidden files \
    skipped, relative folders kept under --path), printing one line per file (one JSON line \
    each with --json, then a summary).\n\n\
    Without --chunk-size, parts are 512 KiB (10 MiB with --concurrency, or when the API answers within 10 ms), grown so a large file fits \
    in 10,000 parts; a --chunk-size that needs more than 10,000 parts is refused before any request."
)]
pub struct UploadArgs {
    /// Files or directories to upload; `-` reads stdin (alone).
    #[arg(required_unless_present = "from_url", value_name = "PATH")]
    pub files: Vec<PathBuf>,
    /// Have the service fetch this http(s) URL and store it (the URL upload API), instead of
    /// sending a local file; takes --name, --path, --access, --tag, --metadata, --overwrite.
    #[arg(long, value_name = "URL", conflicts_with_all = ["files", "chunk_size", "concurrency",
          "memory_budget", "resume_file", "skip_existing", "journal", "format"])]
    pub from_url: Option<String>,
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
    /// Size of each part in bytes (default: chosen, see below).
    #[arg(long, value_name = "BYTES")]
    pub chunk_size: Option<usize>,
    /// Parts in flight at once (default: adapts to the network within --memory-budget).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Most bytes of the file held in memory by the adaptive concurrency.
    #[arg(long, value_name = "BYTES")]
    pub memory_budget: Option<usize>,
    /// Start a large upload's parts in flight from 3, neither reading nor updating what earlier
    /// uploads to the same host showed (kept in the cache folder,
    /// `$XDG_CACHE_HOME/pixelbin/upload-paths.json`).
    #[arg(long)]
    pub no_path_cache: bool,
    /// With several files: how many upload at once (default: adapts, up to 64, halved when the
    /// service pushes back).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub files_in_flight: Option<u64>,
    /// Keep the upload's progress in this file; rerunning the same command after a crash,
    /// Ctrl-C or network loss sends only the missing parts. Removed once the upload completes.
    #[arg(long, value_name = "F")]
    pub resume_file: Option<PathBuf>,
    /// With --resume-file: start a fresh upload even if the file holds an interrupted one.
    #[arg(long, requires = "resume_file")]
    pub restart: bool,
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
        if let Some(name) = self.name.clone() {
            request = request.name(name);
        }
        if let Some(path) = &self.path {
            // `..`, a leading `/` and empty segments are refused before anything is sent.
            let folder = pixelbin::upload::check_folder(path)
                .map_err(|e| CliError::usage(format!("--path: {e}")))?;
            request = request.path(folder);
        }
        if let Some(format) = self.format.clone() {
            request = request.format(format);
        }
        // Stdin has no file name to take a default name or format from.
        if file != Path::new("-") {
            request = request.defaults_from_file(file);
        }
        Ok(request)
    }

    /// The fields every file of the command shares: access, tags, metadata and the clash rules.
    pub fn shared_request(&self) -> anyhow::Result<UploadRequest> {
        let mut request = UploadRequest::new();
        if let Some(access) = self.access {
            request = request.access(access);
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

/// Runs `pixelbin upload`.
pub async fn run(args: UploadArgs, ctx: &Context) -> anyhow::Result<()> {
    if !args.is_single_file() {
        if args.resume_file.is_some() {
            return Err(CliError::usage(
                "--resume-file keeps the progress of one file; give a single file with it",
            ));
        }
        return crate::upload_many::run(&args, ctx).await;
    }
    let file_path = &args.files[0];
    let request = args.request(file_path)?;
    let client = ctx.client()?;
    let stdin = file_path == Path::new("-");
    let source = || {
        if stdin {
            UploadSource::from_reader(tokio::io::stdin(), None)
        } else {
            UploadSource::from_path(file_path)
        }
    };
    if !stdin {
        // Fail early, with the path in the message, before any request is made.
        tokio::fs::metadata(file_path)
            .await
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", file_path.display())))?;
    }
    let mut options = args.options();
    let resume = match &args.resume_file {
        Some(_) if stdin => {
            return Err(CliError::usage(
                "--resume-file needs a file: a stream from stdin cannot be read again",
            ));
        }
        Some(state_file) => {
            options = options.state_file(state_file);
            interrupted_upload(state_file, args.restart)?
        }
        None => None,
    };
    let (file, transfer) = match resume {
        Some(state) => {
            let state_file = args.resume_file.as_deref().unwrap_or(Path::new(""));
            let missing = state.missing_parts().map(|m| m.len());
            if let Some(missing) = missing
                && !ctx.out.json
            {
                eprintln!(
                    "resuming the upload recorded in {}: {missing} part(s) left to send",
                    state_file.display()
                );
            }
            upload_with_bar(
                &client,
                Job::Resume(source(), Box::new(state)),
                options,
                ctx.out,
            )
            .await
            .map_err(|e| match e.downcast_ref::<UploadError>() {
                Some(UploadError::InvalidState(why)) => CliError::usage(format!(
                    "cannot resume the upload recorded in {}: {why}; run again with \
                         --restart to upload it afresh",
                    state_file.display()
                )),
                _ => e,
            })?
        }
        None => upload_with_bar(&client, Job::Upload(source(), request), options, ctx.out).await?,
    };
    if transfer.chunk_grown && !ctx.out.json {
        eprintln!(
            "note: sent in parts of {} MiB: the file needs more than {MAX_PARTS} parts of the \
             default size",
            transfer.chunk_size >> 20
        );
    }
    print_file(&file, &transfer, ctx.out)
}

impl UploadArgs {
    /// The options of each file's upload.
    pub fn options(&self) -> UploadOptions {
        let mut options = UploadOptions::default().max_retries(self.max_retries);
        if let Some(bytes) = self.chunk_size {
            options = options.chunk_size(bytes);
        }
        if let Some(parts) = self.concurrency {
            options = options.concurrency(parts);
        }
        if let Some(bytes) = self.memory_budget {
            options = options.memory_budget(bytes);
        }
        if !self.no_path_cache {
            options = options.path_memory(PathMemory::user_cache());
        }
        options
    }
}

/// The interrupted upload recorded in `state_file`, if it can be finished; `None` to start
/// afresh (no file, or `restart`).
fn interrupted_upload(state_file: &Path, restart: bool) -> anyhow::Result<Option<ResumeState>> {
    if restart || !state_file.exists() {
        return Ok(None);
    }
    let state = ResumeState::load(state_file)?;
    if state.is_expired(SystemTime::now()) {
        return Err(CliError::usage(format!(
            "cannot resume the upload recorded in {}: its presigned URL has expired; run again \
             with --restart to upload the file afresh",
            state_file.display()
        )));
    }
    Ok(Some(state))
}

/// What [`upload_with_bar`] does.
pub enum Job {
    /// A new upload.
    Upload(UploadSource, UploadRequest),
    /// Finishing an interrupted one.
    Resume(UploadSource, Box<ResumeState>),
}

/// How the transfer went (in `--json` output as `transfer`): the library's [`UploadReport`]
/// and the wall time.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transfer {
    /// Bytes stored, including parts stored by an earlier, interrupted run.
    pub bytes: u64,
    /// Time taken, in seconds.
    pub seconds: f64,
    /// Bytes sent per second in this run.
    pub bytes_per_second: f64,
    /// Parts allowed in flight at the end (the adaptive limit, or --concurrency).
    pub concurrency: usize,
    /// Most parts that were in flight at once.
    pub max_parts_in_flight: usize,
    /// Size of the parts, in bytes (grown from the default when the file needs more than
    /// 10,000 parts).
    pub chunk_size: usize,
    /// Whether the part size was grown from the default to fit 10,000 parts.
    pub chunk_grown: bool,
    /// Parts of the upload.
    pub parts: u64,
    /// Whether the parts in flight started from what earlier uploads to the host showed.
    pub started_from_estimate: bool,
}

impl Transfer {
    fn new(report: &UploadReport, seconds: f64) -> Transfer {
        Transfer {
            bytes: report.bytes,
            seconds,
            bytes_per_second: if seconds > 0.0 {
                report.bytes as f64 / seconds
            } else {
                0.0
            },
            concurrency: report.concurrency,
            max_parts_in_flight: report.peak_parts_in_flight,
            chunk_size: report.chunk_size,
            chunk_grown: report.chunk_grown,
            parts: report.parts,
            started_from_estimate: report.started_from_estimate,
        }
    }
}

/// Uploads with a byte progress bar showing throughput and parts in flight (on a terminal,
/// not with `--json`). Bad options and an unreadable or empty source are usage errors (exit
/// code 2).
pub async fn upload_with_bar(
    client: &PixelbinClient,
    job: Job,
    options: UploadOptions,
    out: Output,
) -> anyhow::Result<(FileObject, Transfer)> {
    let len = match &job {
        Job::Upload(source, _) | Job::Resume(source, _) => source.len(),
    };
    let bar = progress::bytes_bar(out, len);
    bar.set_message("uploading");
    let reporter = bar.clone();
    let started = Instant::now();
    let options = options.on_progress(move |p| {
        if let Some(total) = p.total_bytes {
            progress::set_bytes_total(&reporter, total);
        }
        reporter.set_position(p.bytes_acknowledged);
        reporter.set_message(format!(
            "uploading, {}/{} parts in flight",
            p.parts_in_flight, p.concurrency
        ));
    });
    let uploader = client.uploader();
    let result = match job {
        Job::Upload(source, request) => uploader.upload_with_report(source, request, options).await,
        Job::Resume(source, state) => uploader.resume_with_report(source, *state, options).await,
    };
    bar.finish_and_clear();
    let uploaded = result.map_err(|e| match e {
        UploadError::InvalidOptions(_) | UploadError::EmptySource => CliError::usage(e.to_string()),
        UploadError::Source { resume: None, .. } => CliError::usage(e.to_string()),
        other => other.into(),
    })?;
    let transfer = Transfer::new(&uploaded.report, started.elapsed().as_secs_f64());
    Ok((uploaded.file, transfer))
}

/// The URL, or the whole file object (with `transfer`) with `--json`.
fn print_file(file: &FileObject, transfer: &Transfer, out: Output) -> anyhow::Result<()> {
    let mut value = serde_json::to_value(file)?;
    if let Some(object) = value.as_object_mut() {
        object.insert("transfer".into(), serde_json::to_value(transfer)?);
    }
    out.emit(&value, |w| match &file.url {
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
        let args = parse(&["dir/a.JPG"]);
        let body = serde_json::to_value(args.request(&args.files[0]).unwrap()).unwrap();
        assert_eq!(
            (&body["name"], &body["format"]),
            (&"a".into(), &"jpeg".into())
        );
        let args = parse(&["a.png", "--metadata", "[1]"]);
        assert!(args.request(&args.files[0]).is_err());
        assert!(Wrapper::try_parse_from(["x", "a.png", "--access", "public"]).is_err());
    }
}
