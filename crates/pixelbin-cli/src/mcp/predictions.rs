//! Prediction tools: `run_prediction` (paid: `--allow-write`), `get_prediction`, `list_models`.

use std::collections::BTreeMap;
use std::time::Duration;

use pixelbin::predictions::{Error as PredictionError, InputValue};
use pixelbin::{FileInput, Prediction, PredictionInput, WaitOptions};
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::params::Parameters;
use super::server::{PixelbinMcp, ToolResult, reply};

/// How long `run_prediction` waits when not told (and never more than the call's limit
/// allows).
const DEFAULT_WAIT: Duration = Duration::from_secs(90);
/// Time kept back from `--call-timeout` so a wait that runs out still answers (with the job
/// id, or what `transform_file` did).
pub(super) const ANSWER_MARGIN: Duration = Duration::from_secs(5);
/// The pause between polls.
const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// `run_prediction` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunArgs {
    /// The model, e.g. `erase_bg` (list_models lists them; the resource
    /// pixelbin://models/{name}/schema gives its inputs).
    pub model: String,
    /// Input values by field name: image URLs, enum text, booleans, numbers, e.g.
    /// {"image": "https://...", "industry_type": "ecommerce"}.
    #[serde(default)]
    pub inputs: BTreeMap<String, Value>,
    /// Local files sent as inputs, by field name, e.g. {"image": "photos/shoe.jpg"}; paths
    /// are relative to the server's root folder and must stay inside it.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// How long to wait for the result, in seconds (default 90, at most the server's call
    /// limit); a job still running is returned with its id for get_prediction.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub wait_seconds: Option<u64>,
}

/// `get_prediction` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetPredictionArgs {
    /// The job id run_prediction returned, e.g. `erase--bg--0198f54a-...`.
    pub id: String,
}

/// A job as the tools report it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct JobReport {
    id: String,
    status: String,
    /// Whether it reached SUCCESS or FAILURE.
    finished: bool,
    output_urls: Vec<String>,
    consumed_credits: Option<f64>,
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

impl JobReport {
    fn of(job: &Prediction) -> JobReport {
        JobReport {
            id: job.id.clone(),
            status: job.status.to_string(),
            finished: job.is_finished(),
            output_urls: job.output_urls().into_iter().map(str::to_owned).collect(),
            consumed_credits: job.consumed_credits,
            error: job.error.clone(),
            note: None,
        }
    }
}

#[tool_router(router = prediction_tools, vis = "pub(super)")]
impl PixelbinMcp {
    /// Run an AI model (erase_bg, sr_upscale, ...) on inputs checked against the model's
    /// schema first, wait for it (up to `wait_seconds`) and return its status and output
    /// URLs. PAID: each job spends account credits at the model's price per job (get_usage
    /// shows what is left); needs the server's --allow-write.
    #[tool(annotations(
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false
    ))]
    async fn run_prediction(&self, Parameters(args): Parameters<RunArgs>) -> ToolResult {
        reply(self.run(args).await)
    }

    /// Get a prediction job's current status and output URLs by its id. Read-only.
    #[tool(annotations(read_only_hint = true))]
    async fn get_prediction(&self, Parameters(args): Parameters<GetPredictionArgs>) -> ToolResult {
        reply(
            async {
                Ok(JobReport::of(
                    &self.client()?.predictions().get(&args.id).await?,
                ))
            }
            .await,
        )
    }

    /// List the AI models the account can run (name, display name, description). Read-only.
    #[tool(annotations(read_only_hint = true))]
    async fn list_models(&self) -> ToolResult {
        reply(
            async {
                Ok(serde_json::json!({ "models": self.client()?.predictions().list().await? }))
            }
            .await,
        )
    }
}

impl PixelbinMcp {
    async fn run(&self, args: RunArgs) -> anyhow::Result<JobReport> {
        // The call is stopped at --call-timeout: the wait ends before, so the answer (with
        // the job's id) always gets out.
        let answer_by =
            tokio::time::Instant::now() + self.settings.call_timeout.saturating_sub(ANSWER_MARGIN);
        let client = self.client()?;
        let mut input = PredictionInput::new();
        for (key, value) in args.inputs {
            if args.files.contains_key(&key) {
                anyhow::bail!("input `{key}` is given in both `inputs` and `files`; give it once");
            }
            input = input.value(key, input_value(value));
        }
        for (key, path) in &args.files {
            let path = self
                .settings
                .root
                .file_to_read(path)
                .map_err(|e| anyhow::anyhow!("invalid argument `files.{key}`: {e}"))?;
            input = input.file_input(key.as_str(), FileInput::path(path));
        }
        let predictions = client.predictions();
        // Checked against the model's schema before the job (and its credits) exists.
        let job = predictions.create_checked(&args.model, input, None).await?;
        let wait = args
            .wait_seconds
            .map_or(DEFAULT_WAIT, Duration::from_secs)
            .min(answer_by.saturating_duration_since(tokio::time::Instant::now()));
        let options = WaitOptions::new()
            .retry_interval(POLL_INTERVAL)
            .retry_factor(1.0)
            .deadline(wait);
        match predictions.wait(&job.id, options).await {
            Ok(done) => Ok(JobReport::of(&done)),
            Err(
                e @ (PredictionError::DeadlineExceeded { .. }
                | PredictionError::WaitExhausted { .. }),
            ) => {
                let mut report = JobReport::of(e.last_prediction().unwrap_or(&job));
                report.note = Some(format!(
                    "still running after {} s; call get_prediction with this id later \
                     (do not run it again: that starts and pays for a second job)",
                    wait.as_secs()
                ));
                Ok(report)
            }
            Err(e) => Err(anyhow::Error::new(e).context(format!(
                "job {} was created but could not be followed; get_prediction with its id \
                 tells how it ends",
                job.id
            ))),
        }
    }
}

/// A JSON input as the SDK sends it: http(s) text as a URL, other text, booleans and
/// numbers as themselves, anything else as JSON.
fn input_value(value: Value) -> InputValue {
    match value {
        Value::String(s) if s.starts_with("http://") || s.starts_with("https://") => {
            InputValue::Url(s)
        }
        Value::String(s) => InputValue::Text(s),
        Value::Bool(b) => InputValue::Bool(b),
        Value::Number(n) => InputValue::Number(n),
        other => InputValue::Json(other),
    }
}
