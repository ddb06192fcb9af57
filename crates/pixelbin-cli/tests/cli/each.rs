//! `pixelbin predict MODEL --each KEY=PATH`: one job per file, the journal, resuming after a
//! `kill -9`, output naming and the JSON lines.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use pixelbin_emulator::{Emulator, EmulatorOptions};
use serde_json::Value;

use crate::support::*;

fn limited(delay: Duration, running: u32) -> Emulator {
    Emulator::spawn(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        prediction_delay: delay,
        rate_limit: Some(30),
        max_running_jobs: Some(running),
        ..EmulatorOptions::default()
    })
    .expect("the emulator starts")
}

/// A folder of images: `a.png`, `sub/b.png`, `sub/deeper/c.jpg`, plus a hidden file.
fn images(dir: &Path) {
    std::fs::create_dir_all(dir.join("sub/deeper")).unwrap();
    png_file(dir, "a.png", 8, 6);
    png_file(dir, "sub/b.png", 4, 4);
    png_file(dir, "sub/deeper/c.jpg", 5, 3);
    png_file(dir, ".hidden.png", 2, 2);
}

#[test]
fn a_folder_is_predicted_downloaded_and_a_rerun_skips_it() {
    let emu = limited(Duration::from_millis(100), 2);
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    let out = dir.path().join("out");
    images(&photos);
    std::fs::write(photos.join("empty.png"), b"").unwrap(); // refused at create (400)

    let each = format!("image={}", photos.display());
    let run = pixelbin(&emu)
        .args(["predict", "erase_bg", "--each", &each, "--download"])
        .arg(&out)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "an input ended with an error");
    let lines = json_lines(&run.stdout);
    assert_eq!(lines.len(), 5, "{lines:?}");
    let summary = &lines[4]["summary"];
    assert_eq!(
        summary,
        &serde_json::json!({"total": 4, "succeeded": 3, "failed": 0, "errors": 1, "skipped": 0})
    );
    let mut by_input = HashMap::new();
    for line in &lines[..4] {
        let keys: HashSet<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            HashSet::from(["input", "id", "status", "outputs", "files", "error"]),
            "{line}"
        );
        by_input.insert(line["input"].as_str().unwrap().to_string(), line.clone());
    }
    let a = &by_input[&photos.join("a.png").display().to_string()];
    assert_eq!(a["status"], "SUCCESS");
    assert!(a["id"].is_string() && a["error"].is_null());
    assert_eq!(a["files"][0], out.join("a.png").display().to_string());
    assert_eq!(a["outputs"].as_array().unwrap().len(), 1);
    let refused = &by_input[&photos.join("empty.png").display().to_string()];
    assert_eq!(refused["status"], "ERROR");
    assert!(refused["id"].is_null());
    assert!(
        refused["error"].as_str().unwrap().contains("empty"),
        "{refused}"
    );
    for file in ["a.png", "sub/b.png", "sub/deeper/c.png"] {
        let bytes = std::fs::read(out.join(file)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{file}");
    }
    assert!(!out.join(".hidden.png").exists());
    assert_eq!(emu.predictions_created(), 3);

    // The same command again: what is done is skipped, only the refused input is tried again.
    let rerun = pixelbin(&emu)
        .args(["predict", "erase_bg", "--each", &each, "--download"])
        .arg(&out)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(rerun.status.code(), Some(1));
    let lines = json_lines(&rerun.stdout);
    let skipped = lines[..4]
        .iter()
        .filter(|l| l["status"] == "SKIPPED")
        .count();
    assert_eq!(skipped, 3, "{lines:?}");
    assert_eq!(lines[4]["summary"]["skipped"], 3);
    assert_eq!(lines[4]["summary"]["errors"], 1);
    assert_eq!(emu.predictions_created(), 3);
}

#[test]
fn outputs_are_never_overwritten_without_the_flag() {
    let emu = emulator_with_delay(Duration::from_millis(50));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("a.png"), b"keep me").unwrap();
    let input = png_file(dir.path(), "a.png", 4, 4);
    let each = format!("image={}", input.display());
    // Refused before the job is created: no credit spent on an output that cannot be saved.
    let run = pixelbin(&emu)
        .args(["predict", "erase_bg", "--each", &each, "--download"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("--overwrite") && stderr.contains("a.png"),
        "{stderr}"
    );
    assert_eq!(emu.predictions_created(), 0);
    assert_eq!(std::fs::read(out.join("a.png")).unwrap(), b"keep me");

    // --overwrite replaces it.
    pixelbin(&emu)
        .args([
            "predict",
            "erase_bg",
            "--each",
            &each,
            "--overwrite",
            "--download",
        ])
        .arg(&out)
        .assert()
        .success();
    assert!(
        std::fs::read(out.join("a.png"))
            .unwrap()
            .starts_with(b"\x89PNG")
    );
    assert_eq!(emu.predictions_created(), 1);
}

/// When a `kill -9` lands during a run of 6 jobs.
#[derive(Debug, Clone, Copy)]
enum KillAt {
    /// As soon as a create is journaled (jobs in flight, none done).
    FirstCreate,
    /// Once some outputs are saved and journaled as done.
    SomeDone,
}

#[test]
fn a_killed_run_resumes_without_creating_acknowledged_jobs_again() {
    kill_and_resume(KillAt::FirstCreate);
}

#[test]
fn a_run_killed_after_some_outputs_resumes_with_nothing_missing_or_twice() {
    kill_and_resume(KillAt::SomeDone);
}

fn kill_and_resume(at: KillAt) {
    // Jobs run 1.5 s, three at most: the kill lands while jobs are in flight.
    let emu = limited(Duration::from_millis(1500), 3);
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    for i in 0..6 {
        png_file(&photos, &format!("p{i}.png"), 4, 4);
    }
    let out = dir.path().join("out");
    let journal = dir.path().join("journal.jsonl");
    let each = format!("image={}", photos.display());
    let command = [
        "predict",
        "erase_bg",
        "--each",
        &each,
        "--json",
        "--download",
        s(&out),
        "--journal",
    ];
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pixelbin"))
        .args(["--domain", &emu.url(), "--api-secret", SECRET])
        .args(command)
        .arg(&journal)
        .env_remove("PIXELBIN_API_TOKEN")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let acknowledged = loop {
        let ids = journaled_ids(&journal);
        let done = journaled(&journal, "done");
        let now = match at {
            KillAt::FirstCreate => !ids.is_empty(),
            KillAt::SomeDone => (2..6).contains(&done),
        };
        if now {
            break ids;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the kill point never came"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let acknowledged_at_kill = journaled_ids(&journal);
    assert!(acknowledged_at_kill.len() >= acknowledged.len());
    let created_before = settled_creates(&emu);

    let rerun = pixelbin(&emu).args(command).arg(&journal).output().unwrap();
    assert_eq!(
        rerun.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    let lines = json_lines(&rerun.stdout);
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(
        summary["succeeded"].as_u64().unwrap() + summary["skipped"].as_u64().unwrap(),
        6,
        "{summary}"
    );
    for line in &lines[..6] {
        let input = line["input"].as_str().unwrap();
        if let Some(id) = acknowledged_at_kill.get(input) {
            assert_eq!(line["id"], id.as_str(), "an acknowledged job is waited for");
        }
    }
    // Only the inputs without a journaled id were created again; every output is there.
    let recreated = 6 - acknowledged_at_kill.len() as u64;
    assert_eq!(emu.predictions_created(), created_before + recreated);
    assert!(
        emu.predictions_created() <= 6 + 3,
        "at most the jobs in flight at the kill twice"
    );
    for i in 0..6 {
        assert!(out.join(format!("p{i}.png")).is_file(), "p{i} saved");
    }
}

/// The emulator's count of created jobs once it stops moving: a create the killed process had
/// already sent may still be completing in the emulator when the kill returns, and counting
/// before it lands would blame that job on the rerun.
fn settled_creates(emu: &Emulator) -> u64 {
    let started = Instant::now();
    let mut last = emu.predictions_created();
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = emu.predictions_created();
        if now == last {
            return now;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the emulator's create count never settled"
        );
        last = now;
    }
}

/// Input -> job id of the creates journaled so far.
fn journaled_ids(journal: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(journal).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| {
            Some((
                v["input"].as_str()?.to_string(),
                v["job"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// How many records of `status` the journal holds.
fn journaled(journal: &Path, status: &str) -> usize {
    let text = std::fs::read_to_string(journal).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["status"] == status)
        .count()
}

#[test]
fn flags_that_do_not_apply_to_each_are_refused_not_ignored() {
    for flag in [&["--wait"][..], &["--validate"], &["--timeout", "5"]] {
        let out = bare()
            .args(["predict", "erase_bg", "--each", "image=photos"])
            .args(flag)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("cannot be used with"), "{flag:?}: {stderr}");
    }
}
