//! `pixelbin demo`: the whole SDK at work against an emulator started in this process: no
//! account, no network, a few seconds.
//!
//! Steps: upload a generated PNG (with a progress bar on a terminal), run `erase_bg` on it
//! (create, get, wait) and download the result, list the models, show `erase_bg`'s schema,
//! sign the result URL and verify the signature, then parse and rebuild a transformation URL.

use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use pixelbin::predictions::PredictionInput;
use pixelbin::upload::{Access, UploadOptions, UploadRequest, UploadSource};
use pixelbin::url::UrlToObjOptions;
use pixelbin::{PixelbinClient, PixelbinConfig};
use pixelbin_emulator::{CLOUD_NAME, Emulator, EmulatorOptions};
use serde_json::{Value, json};

use crate::output::{Output, human_bytes};
use crate::predictions::{self, WaitArgs};
use crate::upload;

/// The secret the demo's emulator accepts (it exists only in this process).
const DEMO_SECRET: &str = "demo-api-secret";
/// The token and access key the demo signs URLs with.
const DEMO_SIGNING_TOKEN: &str = "demo-signing-token";
const DEMO_ACCESS_KEY: &str = "6227274d-92c9-4b74-bef8-2528542516d8";
/// How many steps are announced.
const STEPS: usize = 9;

/// Prints each step as it completes (or, with `--json`, collects them into one document).
struct Report {
    out: Output,
    done: usize,
    steps: Vec<Value>,
}

impl Report {
    fn step(
        &mut self,
        key: &str,
        title: &str,
        result: Value,
        lines: &[String],
    ) -> anyhow::Result<()> {
        self.done += 1;
        if self.out.json {
            self.steps
                .push(json!({ "step": key, "title": title, "result": result }));
            return Ok(());
        }
        let n = self.done;
        crate::output::print_text(|w| {
            writeln!(w, "[{n}/{STEPS}] {title}")?;
            for line in lines {
                writeln!(w, "      {line}")?;
            }
            Ok(())
        })
    }
}

/// Runs the demo.
pub async fn run(out: Output) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut report = Report {
        out,
        done: 0,
        steps: Vec::new(),
    };
    if !out.json {
        crate::output::print_text(|w| {
            writeln!(
                w,
                "pixelbin demo: the Rust SDK against a local Pixelbin emulator (no account, no network)\n"
            )
        })?;
    }

    // 1. The emulator, in this process on a free loopback port.
    let emulator = Emulator::start(EmulatorOptions {
        api_secret: Some(DEMO_SECRET.into()),
        prediction_delay: Duration::from_millis(500),
        ..EmulatorOptions::default()
    })
    .await
    .context("could not start the emulator on 127.0.0.1")?;
    let base = emulator.url();
    report.step(
        "emulator",
        "Start a Pixelbin emulator",
        json!({ "url": base }),
        &[format!("listening on {base} (stops when the demo ends)")],
    )?;
    let config = PixelbinConfig::builder()
        .api_secret(DEMO_SECRET)
        .domain(base.as_str())
        .build()?;
    let client = PixelbinClient::new(config)?;

    // 2. Upload a generated image in several parts.
    let image = pixelbin_emulator::media::sample_png(256, 256);
    let size = image.len() as u64;
    let chunk_size = 64 * 1024;
    let (file, transfer) = upload::upload_with_bar(
        &client,
        upload::Job::Upload(
            UploadSource::from(image),
            UploadRequest::new()
                .name("demo-photo")
                .path("demo")
                .format("png")
                .access(Access::PublicRead)
                .tags(["demo"])
                .overwrite(true),
        ),
        UploadOptions::default()
            .chunk_size(chunk_size)
            .concurrency(2),
        out,
    )
    .await
    .context("demo upload failed")?;
    let file_url = file.url.clone().context("the upload answer has no url")?;
    let file_id = file
        .file_id
        .clone()
        .context("the upload answer has no fileId")?;
    report.step(
        "upload",
        "Upload a 256x256 PNG (signed multipart upload)",
        serde_json::to_value(&file)?,
        &[
            format!(
                "{} in {} parts of {}",
                human_bytes(size),
                transfer.parts,
                human_bytes(transfer.chunk_size as u64)
            ),
            format!("fileId {file_id}"),
            format!("url    {file_url}"),
        ],
    )?;

    // 3-5. erase_bg on the uploaded image: create, get, wait.
    let input = PredictionInput::new()
        .url("image", file_url.as_str())
        .text("industry_type", "general");
    let job = client
        .predictions()
        .create("erase_bg", input, None)
        .await
        .context("creating the erase_bg job failed")?;
    report.step(
        "create",
        "Create an erase_bg prediction",
        serde_json::to_value(&job)?,
        &[format!("{}  {}", job.id, job.status)],
    )?;
    let polled = client.predictions().get(&job.id).await?;
    report.step(
        "get",
        "Get the job",
        serde_json::to_value(&polled)?,
        &[format!("{}  {}", polled.id, polled.status)],
    )?;
    let wait = WaitArgs {
        timeout: Some(30),
        interval: 1,
    };
    let again = predictions::fetch_command(&job.id, None);
    let done = predictions::wait_for(&client, &job.id, &wait, &again, out).await?;
    let done = done.into_result()?;
    let output_url = done
        .output_urls()
        .first()
        .map(|u| u.to_string())
        .context("the finished job has no output")?;
    let mut result = Vec::new();
    client
        .predictions()
        .download_output(&output_url, &mut result)
        .await?;
    ensure!(
        result.starts_with(b"\x89PNG"),
        "the downloaded output is not a PNG"
    );
    report.step(
        "wait",
        "Wait for it to finish and download the result",
        serde_json::to_value(&done)?,
        &[
            format!("{}  {}", done.id, done.status),
            format!("output {output_url}"),
            format!("downloaded {} PNG", human_bytes(result.len() as u64)),
        ],
    )?;

    // 6. The model catalogue.
    let models = client.predictions().list().await?;
    let names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
    report.step(
        "models",
        "List the models",
        serde_json::to_value(&models)?,
        &[names.join(", ")],
    )?;

    // 7. One model's input schema.
    let schema = client.predictions().get_schema("erase_bg").await?;
    let mut lines = Vec::new();
    predictions::write_schema_inputs(&mut lines, &schema.input)?;
    let lines: Vec<String> = String::from_utf8_lossy(&lines)
        .lines()
        .map(str::to_string)
        .collect();
    report.step(
        "schema",
        "Show erase_bg's input schema",
        serde_json::to_value(&schema)?,
        &lines,
    )?;

    // 8. A signed URL for the result, checked with the same token.
    let signed = pixelbin::url::sign_url(&output_url, 3600, DEMO_ACCESS_KEY, DEMO_SIGNING_TOKEN)?;
    let params = pixelbin::url::verify_signed_url(&signed, DEMO_SIGNING_TOKEN)?;
    let forged = pixelbin::url::verify_signed_url(&signed, "some-other-token").is_err();
    ensure!(forged, "a signature checked out with the wrong token");
    report.step(
        "sign",
        "Sign the result URL for an hour",
        json!({ "url": signed, "expiry": params.expiry }),
        &[
            signed.clone(),
            format!(
                "verifies with its token until unix time {}; any other token is refused",
                params.expiry
            ),
        ],
    )?;

    // 9. A transformation URL for the uploaded file, taken apart and put back together.
    let transformed = format!(
        "https://cdn.pixelbin.io/v2/{CLOUD_NAME}/t.resize(h:128,w:128)~erase.bg()/{file_id}?dpr=2.0&f_auto=true"
    );
    let obj = pixelbin::url::url_to_obj(&transformed, UrlToObjOptions::default())?;
    let rebuilt = pixelbin::url::obj_to_url(&obj)?;
    ensure!(
        rebuilt == transformed,
        "rebuilding gave {rebuilt}, not {transformed}"
    );
    let steps: Vec<String> = obj
        .transformations
        .iter()
        .map(|t| {
            let args: Vec<String> = t
                .values
                .iter()
                .map(|p| format!("{}={}", p.key, p.value))
                .collect();
            format!("{}.{}({})", t.plugin, t.name, args.join(", "))
        })
        .collect();
    report.step(
        "url",
        "Parse and rebuild a transformation URL",
        json!({ "url": transformed, "object": obj, "rebuilt": rebuilt }),
        &[
            transformed.clone(),
            format!(
                "cloudName {}, filePath {}, transformations: {}",
                obj.cloud_name.as_deref().unwrap_or("-"),
                obj.file_path,
                steps.join(" then ")
            ),
            "rebuilt from the parsed object: identical".to_string(),
        ],
    )?;

    let elapsed = started.elapsed();
    if out.json {
        crate::output::print_json(&json!({
            "emulator": base,
            "steps": report.steps,
            "elapsedMs": elapsed.as_millis() as u64,
        }))?;
    } else {
        crate::output::print_text(|w| {
            writeln!(
                w,
                "\nDone in {:.1} s. Next: `pixelbin emulator` serves the same API for your own code \
                 (set PIXELBIN_DOMAIN to its URL); `pixelbin --help` lists every command.",
                elapsed.as_secs_f64()
            )
        })?;
    }
    drop(emulator);
    Ok(())
}
