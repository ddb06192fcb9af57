//! `pixelbin predict NAME --input KEY=VALUE ...`: create a prediction job, and optionally wait
//! for it and save its outputs.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use clap::Args;
use pixelbin::predictions::{
    InputValue, PredictionInput, check_file_size, existing_outputs, output_stem,
};

use crate::context::Context;
use crate::error::{CliError, Failure};
use crate::inputs::Inputs;
use crate::predictions::{self, WaitArgs};

/// The typing rules of `--input`, shown in `pixelbin predict --help`.
const INPUT_RULES: &str = "\
How --input values are typed (first match wins):
  @photo.jpg               the file's bytes (the request becomes multipart)
  @@text                   the text \"@text\" (escape for a leading @)
  true, false              a boolean
  null                     nothing: the field is left out
  2, 0.5, 1e3              a number (JSON number syntax)
  {...}, [...], \"...\"      that JSON value; '\"42\"' sends the text 42
  http(s)://...            a URL
  anything else            text
Repeating a key sends a list: --input image=@a.png --input image=@b.png
`pixelbin predictions schema NAME` lists a model's inputs.

Examples:
  pixelbin predict erase_bg --input image=@photo.jpg --input shadow=true --wait --download out/
  pixelbin predict erase_bg -i image=https://cdn.example.com/photo.jpg --json
  pixelbin predict erase_bg --each image=photos/ --download out/   (one job per file; rerun resumes)";

/// Flags of `pixelbin predict`.
#[derive(Debug, Args)]
#[command(after_help = INPUT_RULES)]
pub struct PredictArgs {
    /// The model, as plugin_operation (e.g. erase_bg); `pixelbin predictions list` shows them.
    pub name: String,
    /// A model input as KEY=VALUE (repeatable); see the typing rules below.
    #[arg(short = 'i', long = "input", value_name = "KEY=VALUE")]
    pub inputs: Vec<OsString>,
    /// URL Pixelbin calls when the job ends.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// Wait until the job ends (a spinner shows its status on a terminal); exit code 4 on
    /// FAILURE. Implied by --timeout and --download.
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub wait_args: WaitArgs,
    /// Save the outputs into DIR (created if missing) as STEM.EXT, STEM the first input file's
    /// (or URL's) name without extension, else `result`; implies --wait. Checked before the job
    /// is created: an existing output is refused unless --overwrite.
    #[arg(long, value_name = "DIR")]
    pub download: Option<PathBuf>,
    /// Check the inputs against the model's schema before creating the job.
    #[arg(long)]
    pub validate: bool,
    /// One job per file: KEY=PATH, PATH a file or a directory (its files recursively, sorted,
    /// hidden ones skipped); repeatable. Always waits; resumable with --journal.
    /// --wait, --validate and --timeout do not apply (it always waits; a batch has no single
    /// deadline), so they are refused with it rather than silently ignored.
    #[arg(long = "each", value_name = "KEY=PATH", conflicts_with_all = ["wait", "validate", "timeout"])]
    pub each: Vec<String>,
    /// With --each: jobs in flight at once (default: adaptive to the service's limits).
    #[arg(long, value_name = "N", requires = "each", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub concurrency: Option<u64>,
    /// With --each: journal file making a rerun skip done inputs and wait for created jobs
    /// (default with --download: DIR/.pixelbin-journal.jsonl).
    #[arg(long, value_name = "FILE", requires = "each")]
    pub journal: Option<PathBuf>,
    /// Replace existing output files (default: refuse, leaving them untouched).
    #[arg(long)]
    pub overwrite: bool,
}

/// Runs `pixelbin predict`.
pub async fn run(args: PredictArgs, ctx: &Context) -> anyhow::Result<()> {
    if !args.each.is_empty() {
        let request = crate::predict_each::EachRequest {
            model: &args.name,
            each: &args.each,
            inputs: &args.inputs,
            download: args.download.as_deref(),
            concurrency: args.concurrency.map(|n| n as usize),
            journal: args.journal.as_deref(),
            overwrite: args.overwrite,
            webhook: args.webhook.as_deref(),
        };
        return crate::predict_each::run(request, ctx).await;
    }
    let input = Inputs::parse(&args.inputs)?.into_prediction_input();
    let save = match &args.download {
        Some(dir) => Some(check_destination(dir, &input, args.overwrite)?),
        None => None,
    };
    let client = ctx.client()?;
    let created = Mutex::new(None);
    let work = create_wait_save(&args, input, save.as_ref(), &client, ctx, &created);
    predictions::within(args.wait_args.timeout, &created, work).await
}

/// Where the outputs will go (named after the input, like `predict --each`), refused before
/// the job is created (and paid for) when a file there would be replaced without
/// `--overwrite`.
fn check_destination(
    dir: &Path,
    input: &PredictionInput,
    overwrite: bool,
) -> anyhow::Result<predictions::Save> {
    predictions::check_download_dir(dir)?;
    let stem = output_stem(input);
    if !overwrite {
        let inputs: Vec<PathBuf> = input
            .file_paths()
            .into_iter()
            .map(Path::to_path_buf)
            .collect();
        if let Some(existing) = existing_outputs(dir, Path::new(&stem), &inputs).first() {
            return Err(CliError::usage(format!(
                "{} exists and this job's outputs are saved as {}.EXT in {}; pass --overwrite to replace it, or choose another --download folder (no job was created)",
                existing.display(),
                stem,
                dir.display()
            )));
        }
    }
    Ok(predictions::Save {
        dir: dir.to_path_buf(),
        stem,
        overwrite,
    })
}

/// Creates the job, then waits for it and saves its outputs when asked. Once the job exists,
/// `created` holds the command that fetches its outputs (for the message of a --timeout), and
/// every failure names it.
async fn create_wait_save(
    args: &PredictArgs,
    input: PredictionInput,
    save: Option<&predictions::Save>,
    client: &pixelbin::PixelbinClient,
    ctx: &Context,
    created: &Mutex<Option<String>>,
) -> anyhow::Result<()> {
    let webhook = args.webhook.as_deref().filter(|w| !w.is_empty());
    let input = if input.has_files() && !args.validate {
        // A file above the model's size limit is refused before it is sent. Loading reads
        // only each file's size and first bytes; the files stream from disk when sent.
        pixelbin::predictions::ModelName::parse(&args.name).map_err(predictions::classify)?;
        let input = input.load().await.map_err(predictions::classify)?;
        let schema = client
            .predictions()
            .get_schema(&args.name)
            .await
            .map_err(predictions::classify)?;
        for (key, value) in input.iter() {
            let files = match value {
                InputValue::File(f) => vec![f],
                InputValue::List(items) => items
                    .iter()
                    .filter_map(|item| match item {
                        InputValue::File(f) => Some(f),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for size in files.into_iter().filter_map(|f| f.size()) {
                check_file_size(&schema, key, size).map_err(predictions::classify)?;
            }
        }
        input
    } else {
        input
    };
    let job = if args.validate {
        client
            .predictions()
            .create_checked(&args.name, input, webhook)
            .await
    } else {
        client
            .predictions()
            .create(&args.name, input, webhook)
            .await
    }
    .map_err(predictions::classify)?;
    let again = predictions::fetch_command(&job.id, save);
    *created.lock().unwrap_or_else(|e| e.into_inner()) = Some(again.clone());
    let wait = args.wait || save.is_some() || args.wait_args.timeout.is_some();
    if !wait {
        return predictions::print_prediction(&job, &[], ctx.out);
    }
    let id = job.id.clone();
    let finished = async {
        let job = if job.is_finished() {
            job
        } else {
            predictions::wait_for(client, &job.id, &args.wait_args, &again, ctx.out).await?
        };
        predictions::finish(client, job, save, ctx.out).await
    };
    finished
        .await
        .map_err(|error| after_create(error, &id, &again))
}

/// A failure after job `id` was created names the job and the command that fetches its
/// outputs, since the job is paid for and keeps running: a FAILURE has no outputs to fetch,
/// and a message that already names the command is kept as it is.
fn after_create(error: anyhow::Error, id: &str, again: &str) -> anyhow::Error {
    let failed = error
        .downcast_ref::<CliError>()
        .is_some_and(|e| e.failure == Failure::PredictionFailed);
    if failed || format!("{error:#}").contains(again) {
        return error;
    }
    error.context(format!(
        "job {id} was created; run `{again}` to fetch its outputs"
    ))
}
