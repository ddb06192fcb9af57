//! `cargo xtask bench batch`: a catalogue of images through `pixelbin predict --each`.
//!
//! Against the emulator binary with `--prediction-delay-ms 1000 --max-running-jobs 10
//! --rate-limit 50`, so the floor is `images / 10 x 1 s` (50 s for 500). Three runs:
//!
//! 1. `pixelbin predict erase_bg --each image=DIR --download OUT --json`: wall time against the
//!    floor (goal: at most 1.3x), every input SUCCESS, `predictions_created` exactly the count.
//! 2. The reference's way: a Python script calling `create_and_waitAsync` (retryInterval 1)
//!    under an asyncio semaphore of 10, with the `pixelbin` package of the interpreter named by
//!    `PIXELBIN_REFERENCE_PYTHON` (skipped, and said so, when it is not set); failures counted.
//! 3. The CLI again, `kill -9` at about half way, then the same command: every input done, and
//!    `predictions_created` at most the count plus the jobs in flight at the kill.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::{EmulatorProcess, build_release, png};

/// The API secret of the benchmark's emulator.
const SECRET: &str = "bench-batch-secret";
/// Jobs the emulator runs at once per token.
const RUNNING: u32 = 10;
/// Seconds each job takes.
const DELAY_MS: u64 = 1000;

/// Options of the batch benchmark.
#[derive(Debug, Clone)]
pub struct Options {
    /// Number of images.
    pub images: usize,
}

/// Runs the benchmark and prints its figures.
pub fn run(root: &Path, options: &Options) -> Result<()> {
    let bin = build_release(root)?;
    let work = root.join("target/bench-batch");
    let _ = std::fs::remove_dir_all(&work);
    let images = work.join("images");
    std::fs::create_dir_all(&images)?;
    for i in 0..options.images {
        let side = 16 + (i % 48) as u32;
        std::fs::write(
            images.join(format!("img{i:04}.png")),
            png(side, side, i as u32),
        )?;
    }
    let emulator = EmulatorProcess::start(
        &bin,
        &[
            "--api-secret",
            SECRET,
            "--prediction-delay-ms",
            &DELAY_MS.to_string(),
            "--max-running-jobs",
            &RUNNING.to_string(),
            "--rate-limit",
            "50",
        ],
    )?;
    let floor = Duration::from_millis(DELAY_MS * options.images as u64 / u64::from(RUNNING));
    println!(
        "bench batch: {} images, emulator {} (delay {DELAY_MS} ms, {RUNNING} running jobs, 50 req/s); floor {:.1} s",
        options.images,
        emulator.url,
        floor.as_secs_f64()
    );

    // 1. The CLI, start to end.
    emulator.reset()?;
    let out = work.join("out");
    let started = Instant::now();
    let run = predict(&bin, &emulator.url, &images, &out).output()?;
    let elapsed = started.elapsed();
    let summary = summary_of(&run.stdout)?;
    let stats = emulator.stats()?;
    println!(
        "pixelbin predict --each: {:.1} s = {:.2}x floor; summary {summary}; predictions_created {}; creates {} (429s included), polls {}",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() / floor.as_secs_f64(),
        stats["predictions_created"],
        stats["requests"]["predictions.create"],
        stats["requests"]["predictions.get"],
    );
    let all_ok = summary["succeeded"] == options.images;
    let within_goal = elapsed <= floor.mul_f64(1.3);
    let exact = stats["predictions_created"] == options.images;

    // 2. The reference's way.
    match std::env::var_os("PIXELBIN_REFERENCE_PYTHON") {
        Some(python) => {
            std::thread::sleep(Duration::from_millis(DELAY_MS + 200));
            emulator.reset()?;
            let script = work.join("reference_batch.py");
            std::fs::write(&script, REFERENCE_SCRIPT)?;
            let started = Instant::now();
            let output = Command::new(python)
                .arg(&script)
                .args([emulator.url.as_str(), SECRET])
                .arg(&images)
                .stderr(Stdio::inherit())
                .output()
                .context("could not run the reference script")?;
            let elapsed = started.elapsed();
            let result: Value = serde_json::from_slice(&output.stdout).with_context(|| {
                format!(
                    "the reference script printed {:?}",
                    String::from_utf8_lossy(&output.stdout)
                )
            })?;
            let stats = emulator.stats()?;
            println!(
                "reference create_and_waitAsync x semaphore(10): {:.1} s = {:.2}x floor; {result}; predictions_created {}",
                elapsed.as_secs_f64(),
                elapsed.as_secs_f64() / floor.as_secs_f64(),
                stats["predictions_created"],
            );
        }
        None => println!(
            "reference: skipped (set PIXELBIN_REFERENCE_PYTHON to a python with pixelbin==4.3.0, e.g. /work/ref/venv/bin/python)"
        ),
    }

    // 3. kill -9 at about half way, then the same command again.
    std::thread::sleep(Duration::from_millis(DELAY_MS + 200));
    emulator.reset()?;
    let out = work.join("out-resumed");
    let journal = out.join(".pixelbin-journal.jsonl");
    let mut child = predict(&bin, &emulator.url, &images, &out)
        .stdout(Stdio::null())
        .spawn()?;
    let half = options.images / 2;
    let deadline = Instant::now() + floor * 4;
    while finished_in(&journal) < half {
        if Instant::now() > deadline {
            let _ = child.kill();
            bail!("the run to kill never got half way");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill()?; // SIGKILL
    child.wait()?;
    let at_kill = emulator.stats()?;
    let finished = finished_in(&journal);
    let created_at_kill = at_kill["predictions_created"].as_u64().unwrap_or(0);
    let in_flight = created_at_kill.saturating_sub(finished as u64);
    let started = Instant::now();
    let rerun = predict(&bin, &emulator.url, &images, &out).output()?;
    let elapsed = started.elapsed();
    let summary = summary_of(&rerun.stdout)?;
    let created = emulator.stats()?["predictions_created"]
        .as_u64()
        .unwrap_or(0);
    let bound = options.images as u64 + in_flight;
    println!(
        "kill -9 after {finished} finished ({created_at_kill} created, {in_flight} in flight); rerun {:.1} s, summary {summary}; predictions_created {created} (bound {bound})",
        elapsed.as_secs_f64()
    );
    let resumed_ok = summary["succeeded"].as_u64().unwrap_or(0)
        + summary["skipped"].as_u64().unwrap_or(0)
        == options.images as u64
        && summary["errors"] == 0
        && created <= bound;

    println!(
        "goals: at most 1.3x floor {within_goal}; every input SUCCESS {all_ok}; predictions_created exact {exact}; resume complete within bound {resumed_ok}"
    );
    if all_ok && exact && resumed_ok {
        Ok(())
    } else {
        bail!("a batch goal was missed (see the figures above)")
    }
}

/// `pixelbin predict erase_bg --each image=IMAGES --download OUT --json`.
fn predict(bin: &Path, url: &str, images: &Path, out: &Path) -> Command {
    let mut command = Command::new(bin.join("pixelbin"));
    command
        .args(["--domain", url, "--api-secret", SECRET])
        .args(["predict", "erase_bg", "--each"])
        .arg(format!("image={}", images.display()))
        .arg("--download")
        .arg(out)
        .arg("--json")
        .env_remove("PIXELBIN_API_TOKEN")
        .stderr(Stdio::inherit());
    command
}

/// The `summary` object of the CLI's last JSON line.
fn summary_of(stdout: &[u8]) -> Result<Value> {
    let text = String::from_utf8_lossy(stdout);
    let last = text.lines().last().context("the CLI printed nothing")?;
    let value: Value = serde_json::from_str(last).context("the last line is not JSON")?;
    Ok(value["summary"].clone())
}

/// Inputs with a final state in the journal.
fn finished_in(journal: &Path) -> usize {
    std::fs::read_to_string(journal)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("\"status\""))
        .count()
}

/// The reference's way: `create_and_waitAsync` per image under an asyncio semaphore of 10.
const REFERENCE_SCRIPT: &str = r#"
import asyncio, json, os, sys
from pixelbin import PixelbinClient, PixelbinConfig

base, secret, folder = sys.argv[1], sys.argv[2], sys.argv[3]
client = PixelbinClient(config=PixelbinConfig({"domain": base, "apiSecret": secret}))
semaphore = asyncio.Semaphore(10)

async def one(path):
    async with semaphore:
        try:
            with open(path, "rb") as f:
                data = f.read()
            job = await client.predictions.create_and_waitAsync(
                name="erase_bg", input={"image": data}, options={"retryInterval": 1}
            )
            return "SUCCESS" if job.get("status") == "SUCCESS" else "FAILED: %s" % job.get("status")
        except Exception as e:
            return "ERROR: %s" % type(e).__name__

async def main():
    paths = sorted(os.path.join(folder, n) for n in os.listdir(folder) if not n.startswith("."))
    results = await asyncio.gather(*(one(p) for p in paths))
    failures = [r for r in results if r != "SUCCESS"]
    kinds = {}
    for r in failures:
        kinds[r] = kinds.get(r, 0) + 1
    print(json.dumps({"total": len(results), "succeeded": len(results) - len(failures), "failures": len(failures), "kinds": kinds}))

asyncio.run(main())
"#;
