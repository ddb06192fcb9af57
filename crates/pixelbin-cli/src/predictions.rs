//! `pixelbin predictions get | wait | list | schema`, and the waiting, printing and downloading
//! that `pixelbin predict` shares.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use clap::{Args, Subcommand};
use pixelbin::PixelbinClient;
use pixelbin::predictions::{
    DEFAULT_OUTPUT_STEM, DownloadOptions, Error as PredictionError, ModelInfo, ModelSchema,
    Prediction, PredictionStatus, WaitOptions,
};
use serde_json::Value;

use crate::context::Context;
use crate::error::{CliError, Failure};
use crate::output::{Output, or_dash};
use crate::progress;

/// `pixelbin predictions ...`
#[derive(Debug, Subcommand)]
pub enum PredictionsCommand {
    /// Show a prediction job's current state.
    Get {
        /// The job id (`_id`), e.g. erase--bg--0198f54a-...
        id: String,
    },
    /// Wait until a job ends (SUCCESS or FAILURE) and show it; exit code 4 on FAILURE.
    Wait {
        /// The job id (`_id`).
        id: String,
        #[command(flatten)]
        wait: WaitArgs,
        /// Save the outputs into DIR (created if missing).
        #[arg(long, value_name = "DIR")]
        download: Option<PathBuf>,
        /// Name the saved outputs STEM.EXT (STEM_N.EXT for several outputs).
        #[arg(long, value_name = "STEM", requires = "download", default_value = DEFAULT_OUTPUT_STEM)]
        name: String,
        /// Replace existing output files (default: refuse, leaving them untouched).
        #[arg(long)]
        overwrite: bool,
    },
    /// List the available models.
    List,
    /// Show a model's inputs (its JSON Schema with --json).
    Schema {
        /// The model name, e.g. erase_bg.
        name: String,
    },
}

/// How long and how often to poll.
#[derive(Debug, Clone, Args)]
pub struct WaitArgs {
    /// Give up after SECS seconds (exit code 5); the job keeps running on the server.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Seconds between polls (1 to 60).
    #[arg(long, value_name = "SECS", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub interval: u64,
}

impl WaitArgs {
    /// The SDK's wait options for these flags.
    pub fn options(&self) -> WaitOptions {
        let mut options = WaitOptions::new().retry_interval(Duration::from_secs(self.interval));
        if let Some(secs) = self.timeout {
            options = options.deadline(Duration::from_secs(secs));
        }
        options
    }
}

/// Runs a `predictions` subcommand.
pub async fn run(command: PredictionsCommand, ctx: &Context) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let out = ctx.out;
    match command {
        PredictionsCommand::Get { id } => {
            let job = client.predictions().get(&id).await.map_err(classify)?;
            print_prediction(&job, &[], out)
        }
        PredictionsCommand::Wait {
            id,
            wait,
            download,
            name,
            overwrite,
        } => {
            let save = match download {
                Some(dir) => {
                    check_download_dir(&dir)?;
                    Some(Save {
                        dir,
                        stem: name,
                        overwrite,
                    })
                }
                None => None,
            };
            let again = fetch_command(&id, save.as_ref());
            let known = Mutex::new(Some(again.clone()));
            within(wait.timeout, &known, async {
                let job = wait_for(&client, &id, &wait, &again, out).await?;
                finish(&client, job, save.as_ref(), out).await
            })
            .await
        }
        PredictionsCommand::List => {
            let models = client.predictions().list().await?;
            print_models(&models, out)
        }
        PredictionsCommand::Schema { name } => {
            let schema = client
                .predictions()
                .get_schema(&name)
                .await
                .map_err(classify)?;
            print_schema(&schema, out)
        }
    }
}

/// Errors in what the user typed (model name, inputs, unreadable input files) are usage errors
/// (exit code 2); the rest keep their own message and exit with 1.
pub fn classify(error: PredictionError) -> anyhow::Error {
    match error {
        PredictionError::InvalidName { .. }
        | PredictionError::InvalidInput { .. }
        | PredictionError::ReadInput { .. }
        | PredictionError::IllegalArgument(_) => CliError::usage(error.to_string()),
        other => other.into(),
    }
}

/// Refuses a `--download` path that exists but is not a directory (exit code 2), so the
/// mistake shows before a job is created or waited for rather than after.
pub fn check_download_dir(dir: &Path) -> anyhow::Result<()> {
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(CliError::usage(format!(
            "--download {} exists and is not a directory; give a directory path (it is created if missing)",
            dir.display()
        ))),
        // Absent (created later), a directory, or not inspectable here: the download says why.
        _ => Ok(()),
    }
}

/// Where and how a finished job's outputs are saved (`--download`, `--name`, `--overwrite`).
#[derive(Debug, Clone)]
pub struct Save {
    /// The folder.
    pub dir: PathBuf,
    /// What the outputs are named after (see `pixelbin::predictions::output_path`).
    pub stem: String,
    /// Replace existing files.
    pub overwrite: bool,
}

/// The command that waits for job `id` again and saves its outputs as `save` would.
pub fn fetch_command(id: &str, save: Option<&Save>) -> String {
    let mut command = format!("pixelbin predictions wait {}", shell_word(id));
    if let Some(save) = save {
        command.push_str(&format!(
            " --download {}",
            shell_word(&save.dir.display().to_string())
        ));
        if save.stem != DEFAULT_OUTPUT_STEM {
            command.push_str(&format!(" --name {}", shell_word(&save.stem)));
        }
        if save.overwrite {
            command.push_str(" --overwrite");
        }
    }
    command
}

/// `word` as one shell word: as is when plain, else single-quoted.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Polls job `id` until it ends, with a spinner on a terminal. Running out of time or attempts
/// is exit code 5, with `again`, the command to wait again.
pub async fn wait_for(
    client: &PixelbinClient,
    id: &str,
    wait: &WaitArgs,
    again: &str,
    out: Output,
) -> anyhow::Result<Prediction> {
    let spinner = progress::spinner(out, format!("{id}: waiting"));
    let result = client
        .predictions()
        .wait_with(id, wait.options(), |job| {
            spinner.set_message(format!("{}: {}", job.id, job.status));
        })
        .await;
    spinner.finish_and_clear();
    match result {
        Ok(job) => Ok(job),
        Err(
            e @ (PredictionError::WaitExhausted { .. } | PredictionError::DeadlineExceeded { .. }),
        ) => Err(CliError::failed(
            Failure::TimedOut,
            format!("{e}; run `{again}` to keep waiting"),
        )),
        Err(e) => Err(classify(e)),
    }
}

/// Runs `work` within `--timeout SECS` when given: the whole command (creating, waiting and
/// downloading), not only the wait. Running out is exit code 5; `again` holds the command that
/// waits for the job again, once one was created.
pub async fn within(
    timeout: Option<u64>,
    again: &Mutex<Option<String>>,
    work: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    let Some(secs) = timeout else {
        return work.await;
    };
    match tokio::time::timeout(Duration::from_secs(secs), work).await {
        Ok(result) => result,
        Err(_) => {
            let again = again.lock().unwrap_or_else(|e| e.into_inner()).clone();
            Err(timed_out(secs, again.as_deref()))
        }
    }
}

fn timed_out(secs: u64, again: Option<&str>) -> anyhow::Error {
    let message = match again {
        Some(again) => format!(
            "gave up after --timeout {secs} s; the job keeps running on the server: run `{again}` to keep waiting"
        ),
        None => format!("gave up after --timeout {secs} s, before the job was created"),
    };
    CliError::failed(Failure::TimedOut, message)
}

/// Prints a finished job, saves its outputs when asked; exit code 4 when it failed.
pub async fn finish(
    client: &PixelbinClient,
    job: Prediction,
    save: Option<&Save>,
    out: Output,
) -> anyhow::Result<()> {
    let mut saved = Vec::new();
    if job.status == PredictionStatus::Success
        && let Some(save) = save
    {
        let options = DownloadOptions::default().overwrite(save.overwrite);
        saved = client
            .predictions()
            .download_outputs_as(&job, &save.dir, &save.stem, &options)
            .await?;
    }
    print_prediction(&job, &saved, out)?;
    if job.status == PredictionStatus::Failure {
        return Err(CliError::failed(
            Failure::PredictionFailed,
            format!(
                "prediction {} failed: {}",
                job.id,
                job.error.as_deref().unwrap_or("no error message given")
            ),
        ));
    }
    Ok(())
}

/// A job as JSON (with `downloads` when outputs were saved) or as a few readable lines.
pub fn print_prediction(job: &Prediction, saved: &[PathBuf], out: Output) -> anyhow::Result<()> {
    let mut value = serde_json::to_value(job)?;
    if !saved.is_empty()
        && let Value::Object(map) = &mut value
    {
        let paths = saved.iter().map(|p| Value::String(p.display().to_string()));
        map.insert("downloads".into(), Value::Array(paths.collect()));
    }
    out.emit(&value, |w| {
        writeln!(w, "{}  {}", job.id, job.status)?;
        if let Some(created) = &job.created_at {
            writeln!(w, "  created:  {created}")?;
        }
        for url in job.output_urls() {
            // Signed links stay out of terminals and logs; --json or --download give the data.
            writeln!(w, "  output:   {}", pixelbin::http::redact_url(url))?;
        }
        if let Some(credits) = job.consumed_credits {
            writeln!(w, "  credits:  {credits}")?;
        }
        if let Some(error) = &job.error {
            writeln!(w, "  error:    {error}")?;
        }
        for path in saved {
            writeln!(w, "  saved:    {}", path.display())?;
        }
        if !job.is_finished() {
            writeln!(w, "  wait:     pixelbin predictions wait {}", job.id)?;
        }
        Ok(())
    })
}

fn print_models(models: &[ModelInfo], out: Output) -> anyhow::Result<()> {
    out.emit(models, |w| {
        let width = models.iter().map(|m| m.name.len()).max().unwrap_or(0);
        let display = |m: &ModelInfo| or_dash(m.display_name.as_deref());
        let display_width = models.iter().map(|m| display(m).len()).max().unwrap_or(0);
        for model in models {
            writeln!(
                w,
                "{:width$}  {:display_width$}  {}",
                model.name,
                display(model),
                model.description.as_deref().unwrap_or("")
            )?;
        }
        Ok(())
    })
}

fn print_schema(schema: &ModelSchema, out: Output) -> anyhow::Result<()> {
    out.emit(schema, |w| {
        writeln!(
            w,
            "{} ({})",
            schema.name,
            schema.display_name.as_deref().unwrap_or(&schema.name)
        )?;
        if let Some(description) = &schema.description {
            writeln!(w, "{description}")?;
        }
        write_schema_inputs(w, &schema.input)
    })
}

/// The input fields of a JSON Schema, one line each.
pub fn write_schema_inputs(w: &mut dyn Write, input: &Value) -> std::io::Result<()> {
    let required: Vec<&str> = input
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = input.get("properties").and_then(Value::as_object) else {
        return writeln!(w, "(no input fields described)");
    };
    writeln!(w, "inputs (--input KEY=VALUE):")?;
    let width = properties.keys().map(String::len).max().unwrap_or(0);
    for (key, field) in properties {
        let mut kind = field_kind(field);
        if required.contains(&key.as_str()) {
            kind.push_str(", required");
        }
        if let Some(default) = field.get("default") {
            kind.push_str(&format!(", default {default}"));
        }
        let description = field
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("");
        writeln!(w, "  {key:width$}  {kind}  {description}")?;
    }
    Ok(())
}

/// A short description of a schema field's type.
fn field_kind(field: &Value) -> String {
    if let Some(values) = field.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect();
        return format!("one of {}", values.join("|"));
    }
    let formats: Vec<&str> = field
        .get("oneOf")
        .and_then(Value::as_array)
        .map(|alts| {
            alts.iter()
                .filter_map(|a| a.get("format").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    if formats.contains(&"binary") {
        return "file (@path) or URL".to_string();
    }
    match field.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(other) => other.to_string(),
        None => "any".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_fields_read_well() {
        let input = json!({
            "type": "object",
            "properties": {
                "image": {"type": "string", "oneOf": [{"format": "uri"}, {"format": "binary"}], "description": "The photo"},
                "industry_type": {"type": "string", "enum": ["general", "car"], "default": "general"},
                "shadow": {"type": "boolean", "default": false}
            },
            "required": ["image"]
        });
        let mut text = Vec::new();
        write_schema_inputs(&mut text, &input).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains("image          file (@path) or URL, required  The photo"),
            "{text}"
        );
        assert!(
            text.contains("one of general|car, default \"general\""),
            "{text}"
        );
        assert!(
            text.contains("shadow         boolean, default false"),
            "{text}"
        );
    }

    #[test]
    fn a_download_path_that_is_a_file_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_download_dir(dir.path()).is_ok());
        assert!(check_download_dir(&dir.path().join("new")).is_ok());
        let file = dir.path().join("taken");
        std::fs::write(&file, b"x").unwrap();
        let err = check_download_dir(&file).unwrap_err();
        assert_eq!(
            err.downcast_ref::<CliError>().map(|e| e.failure),
            Some(Failure::Usage)
        );
        assert!(
            err.to_string().contains(&file.display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn wait_flags_become_options() {
        let options = WaitArgs {
            timeout: Some(30),
            interval: 2,
        }
        .options();
        assert_eq!(options.deadline, Some(Duration::from_secs(30)));
        assert_eq!(options.retry_interval, Duration::from_secs(2));
    }
}
