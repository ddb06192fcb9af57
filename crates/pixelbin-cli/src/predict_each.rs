//! `pixelbin predict MODEL --each KEY=PATH ...`: the flags become a [`bulk::Predict`]; the
//! library walks the folders, checks the plan, keeps the journal (by default
//! `.pixelbin-journal.jsonl` in the `--download` folder) and runs the jobs; this prints one line
//! per input and a summary (exit codes in [`crate::bulk`]).

use std::ffi::OsString;
use std::path::Path;

use pixelbin::bulk;
use pixelbin::predictions::BatchOptions;

use crate::bulk::{Printer, plan_error};
use crate::context::Context;
use crate::error::CliError;
use crate::inputs::Inputs;

/// What `--each` and its companions ask for.
#[derive(Debug)]
pub struct EachRequest<'a> {
    /// The model.
    pub model: &'a str,
    /// `KEY=PATH` arguments.
    pub each: &'a [String],
    /// The other `-i` inputs, shared by every job.
    pub inputs: &'a [OsString],
    /// Where outputs go.
    pub download: Option<&'a Path>,
    /// Fixed jobs in flight.
    pub concurrency: Option<usize>,
    /// The journal file.
    pub journal: Option<&'a Path>,
    /// Replace existing output files.
    pub overwrite: bool,
    /// Webhook of every job.
    pub webhook: Option<&'a str>,
}

const PRINTER: Printer = Printer {
    done: "SUCCESS",
    rerun: "",
};

/// Runs the batch.
pub async fn run(request: EachRequest<'_>, ctx: &Context) -> anyhow::Result<()> {
    let job = predict_job(&request)?;
    let client = ctx.client()?;
    let stream = bulk::predictions(&client, job).await.map_err(plan_error)?;
    let summary = PRINTER
        .drive(stream, ctx, |item| PRINTER.job_line(ctx, item))
        .await?;
    PRINTER.jobs_summary(ctx, &summary)?;
    PRINTER.outcome(&summary)
}

/// The library's job from the flags.
fn predict_job(request: &EachRequest<'_>) -> anyhow::Result<bulk::Predict> {
    let mut job = bulk::Predict::new(request.model).overwrite(request.overwrite);
    for arg in request.each {
        let Some((key, path)) = arg
            .split_once('=')
            .filter(|(k, p)| !k.is_empty() && !p.is_empty())
        else {
            return Err(CliError::usage(format!(
                "--each needs KEY=PATH (e.g. --each image=photos/), got {arg:?}"
            )));
        };
        job = job.each(key, path);
    }
    for (key, values) in Inputs::parse(request.inputs)?.fields {
        for value in values {
            job = job.input(key.clone(), value);
        }
    }
    if let Some(dir) = request.download {
        job = job.output(dir);
    }
    if let Some(journal) = request
        .journal
        .map(Path::to_path_buf)
        .or_else(|| job.default_journal())
    {
        job = job.journal(journal);
    }
    let mut options = BatchOptions::new();
    if let Some(n) = request.concurrency {
        options = options.concurrency(n);
    }
    if let Some(webhook) = request.webhook.filter(|w| !w.is_empty()) {
        options = options.webhook(webhook);
    }
    Ok(job.options(options))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_needs_key_and_path() {
        for bad in ["image", "=x", "image="] {
            let each = [bad.to_string()];
            let request = EachRequest {
                model: "erase_bg",
                each: &each,
                inputs: &[],
                download: None,
                concurrency: None,
                journal: None,
                overwrite: false,
                webhook: None,
            };
            let err = predict_job(&request).unwrap_err();
            assert!(err.to_string().contains("KEY=PATH"), "{bad}: {err}");
        }
    }
}
