//! `pixelbin transform`: a folder of images through a pattern against the emulator, which
//! renders basic operations for real; resumed after `kill -9`; refused plans send nothing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use pixelbin_emulator::Emulator;
use serde_json::Value;

use crate::support::*;

const PATTERN: &str = "t.resize(w:64)~t.toFormat(f:webp)";

/// `count` images under `dir` (every fifth in `sub/`, every third a JPEG), each of its own
/// width; their relative paths without extension, with their heights at width 64.
fn images(dir: &Path, count: usize) -> Vec<(PathBuf, u32)> {
    let mut made = Vec::new();
    for n in 0..count {
        let (width, height) = (80 + n as u32, 40 + (n as u32 % 7) * 8);
        let folder = if n % 5 == 0 {
            dir.join("sub")
        } else {
            dir.to_path_buf()
        };
        std::fs::create_dir_all(&folder).unwrap();
        let pixels = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x * 3) as u8, (y * 5) as u8, n as u8])
        });
        let ext = if n % 3 == 0 { "jpg" } else { "png" };
        let path = folder.join(format!("img{n:02}.{ext}"));
        pixels.save(&path).unwrap();
        let stem = path.strip_prefix(dir).unwrap().with_extension("");
        made.push((
            stem,
            (f64::from(height) * 64.0 / f64::from(width)).round() as u32,
        ));
    }
    made
}

/// The names of the remote root's entries.
fn root_names(emu: &Emulator) -> Vec<String> {
    let listing = json_of(pixelbin(emu).args(["files", "list", "--all", "--json"]));
    let items = listing
        .as_array()
        .expect("a JSON array of the root's entries");
    assert!(
        items.iter().any(|i| i["name"] == "__playground"),
        "{listing}"
    );
    items
        .iter()
        .filter_map(|i| i["name"].as_str().map(str::to_string))
        .collect()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Uploads the emulator received.
fn uploads(emu: &Emulator) -> u64 {
    emu.request_count("upload.*")
}

#[test]
fn a_folder_goes_through_the_pattern_and_the_working_folder_goes_away() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    let made = images(&photos, 50);
    let out = dir.path().join("out");
    let files = emu.file_count();
    let run = pixelbin(&emu)
        .args([
            "transform",
            "-t",
            PATTERN,
            "-i",
            s(&photos),
            "-o",
            s(&out),
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let lines = json_lines(&run.stdout);
    assert_eq!(lines.len(), 51, "50 images and a summary");
    assert_eq!(lines[50]["summary"]["transformed"], 50, "{:?}", lines[50]);
    for (stem, height) in &made {
        let file = out.join(stem).with_extension("webp");
        let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP)
            .unwrap_or_else(|e| panic!("{} is not WebP: {e}", file.display()));
        assert_eq!(
            (decoded.width(), decoded.height()),
            (64, *height),
            "{}",
            file.display()
        );
    }
    assert_eq!(uploads(&emu), 50);
    assert_eq!(emu.request_count("cdn"), 50);
    // The working uploads and their folder are gone.
    assert_eq!(emu.file_count(), files);
    assert!(
        !root_names(&emu)
            .iter()
            .any(|n| n.starts_with("pixelbin-transform-")),
        "{:?}",
        root_names(&emu)
    );

    // A rerun does nothing again, whatever the spelling of the folders.
    let (photos_slash, out_slash) = (format!("{}/", s(&photos)), format!("{}/", s(&out)));
    let rerun = pixelbin(&emu)
        .args([
            "transform",
            "-t",
            PATTERN,
            "-i",
            &photos_slash,
            "-o",
            &out_slash,
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(rerun.status.code(), Some(0), "{}", stderr(&rerun));
    let lines = json_lines(&rerun.stdout);
    assert_eq!(lines[50]["summary"]["skipped"], 50, "{:?}", lines[50]);
    // So does one spelled relative to the current folder (`./photos`, `out`).
    let relative = pixelbin(&emu)
        .current_dir(dir.path())
        .args([
            "transform",
            "-t",
            PATTERN,
            "-i",
            "./photos",
            "-o",
            "out",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        relative.status.code(),
        Some(0),
        "{}{}",
        stderr(&relative),
        String::from_utf8_lossy(&relative.stdout)
    );
    let lines = json_lines(&relative.stdout);
    assert_eq!(lines[50]["summary"]["skipped"], 50, "{:?}", lines[50]);
    assert_eq!((uploads(&emu), emu.request_count("cdn")), (50, 50));
}

/// The last state the journal records for each input.
fn journal_states(journal: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(journal).unwrap();
    let mut last = std::collections::HashMap::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let Ok(record) = serde_json::from_str::<Value>(line) else {
            continue; // a line the kill cut short
        };
        last.insert(
            record["input"].as_str().unwrap().to_string(),
            record["status"].as_str().unwrap().to_string(),
        );
    }
    last.into_values().collect()
}

#[test]
fn a_run_killed_midway_uploads_and_fetches_only_the_missing_ones() {
    let emu = emulator();
    // Slow fetches: the kill lands with images uploaded and not yet fetched.
    emu.delay_next("cdn", 1000, Duration::from_millis(120));
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    let made = images(&photos, 50);
    let out = dir.path().join("out");
    let journal = out.join(".pixelbin-transform.jsonl");
    let files = emu.file_count();
    let args = [
        "transform",
        "-t",
        PATTERN,
        "-i",
        s(&photos),
        "-o",
        s(&out),
        "-p",
        "2",
        "--working-folder",
        "work",
    ];
    let mut child = spawn(&emu, &args);
    // Killed with images done, and others uploaded and not fetched.
    wait_for(&journal, "done", 10);
    let started = std::time::Instant::now();
    while !journal_states(&journal).iter().any(|s| s == "uploaded") {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "nothing uploaded and unfetched"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // What the killed run sent may still land: counted once it settles.
    std::thread::sleep(Duration::from_millis(600));
    let states = journal_states(&journal);
    let done = states.iter().filter(|s| *s == "done").count();
    let uploaded = states.iter().filter(|s| *s == "uploaded").count() + done;
    assert!(
        done < 50 && uploaded > done,
        "done {done}, uploaded {uploaded}"
    );
    let (uploads_before, fetches_before) = (uploads(&emu), emu.request_count("cdn"));

    // The rerun keeps the uploads, to count them.
    let mut keep = args.to_vec();
    keep.push("--keep-uploads");
    let rerun = pixelbin(&emu).args(&keep).output().unwrap();
    assert_eq!(rerun.status.code(), Some(0), "{}", stderr(&rerun));
    let rerun_uploads = uploads(&emu) - uploads_before;
    let rerun_fetches = emu.request_count("cdn") - fetches_before;
    eprintln!(
        "at the kill: {done} done, {uploaded} uploaded, {uploads_before} uploads and \
         {fetches_before} fetches; the rerun: {rerun_uploads} uploads, {rerun_fetches} fetches"
    );
    assert_eq!(
        rerun_fetches as usize,
        50 - done,
        "only the images not done are fetched"
    );
    assert!(
        rerun_uploads as usize <= 50 - uploaded,
        "{rerun_uploads} uploads; {uploaded} were journaled as uploaded"
    );
    assert_eq!(
        emu.file_count(),
        files + 50,
        "each image stored once in the working folder"
    );
    for (stem, _) in &made {
        assert!(
            out.join(stem).with_extension("webp").is_file(),
            "{}",
            stem.display()
        );
    }

    // Once done, a rerun deletes what the journal knows it uploaded, and the folder.
    let last = pixelbin(&emu).args(args).output().unwrap();
    assert_eq!(last.status.code(), Some(0), "{}", stderr(&last));
    assert!(
        stderr(&last).contains("deleted 50 working uploads"),
        "{}",
        stderr(&last)
    );
    assert_eq!(emu.file_count(), files);
    assert!(!root_names(&emu).contains(&"work".to_string()));
    assert_eq!(
        uploads(&emu) - uploads_before,
        rerun_uploads,
        "nothing uploaded again"
    );
}

#[test]
fn a_bad_pattern_or_industry_type_is_refused_before_any_upload() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    images(&photos, 2);
    let out = dir.path().join("out");
    for (pattern, extra, named) in [
        ("t.resize(w:64)~t.nope(x:1)", None, "t.nope"),
        ("t.resize(w:big)", None, "'width' of Basic.resize"),
        ("t.resize(w:64)", Some("general"), "industry type"),
        ("erase.bg()", Some("boats"), "boats"),
    ] {
        let mut cmd = pixelbin(&emu);
        cmd.args(["transform", "-t", pattern, "-i", s(&photos), "-o", s(&out)]);
        if let Some(kind) = extra {
            cmd.args(["--industry-type", kind]);
        }
        let run = cmd.output().unwrap();
        assert_eq!(run.status.code(), Some(2), "{pattern}: {}", stderr(&run));
        assert!(stderr(&run).contains(named), "{pattern}: {}", stderr(&run));
    }
    assert_eq!(uploads(&emu), 0);
    assert_eq!(emu.request_count("cdn"), 0);
}

#[test]
fn outputs_that_would_collide_or_exist_are_refused_before_any_upload() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    png_file(&photos, "a.png", 8, 8);
    std::fs::copy(photos.join("a.png"), photos.join("a.jpg")).unwrap();
    let out = dir.path().join("out");
    let run = pixelbin(&emu)
        .args(["transform", "-t", PATTERN, "-i", s(&photos), "-o", s(&out)])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let text = stderr(&run);
    assert!(
        text.contains(s(&photos.join("a.png")))
            && text.contains(s(&photos.join("a.jpg")))
            && text.contains("a.webp"),
        "{text}"
    );
    assert_eq!(uploads(&emu), 0);

    // An output that exists: refused, or skipped with --skip-existing.
    std::fs::remove_file(photos.join("a.jpg")).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("a.webp"), b"mine").unwrap();
    let base = ["transform", "-t", PATTERN, "-i", s(&photos), "-o", s(&out)];
    let run = pixelbin(&emu).args(base).output().unwrap();
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(stderr(&run).contains("--overwrite"), "{}", stderr(&run));
    let run = pixelbin(&emu)
        .args(base)
        .arg("--skip-existing")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert_eq!(uploads(&emu), 0);
    assert_eq!(std::fs::read(out.join("a.webp")).unwrap(), b"mine");
}

#[test]
fn keep_uploads_keeps_them() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    images(&photos, 3);
    std::fs::write(photos.join("notes.txt"), b"not an image").unwrap();
    let out = dir.path().join("out");
    let files = emu.file_count();
    let run = pixelbin(&emu)
        .args(["transform", "-t", PATTERN, "-i", s(&photos), "-o", s(&out)])
        .args(["--working-folder", "kept/here", "--keep-uploads"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("notes.txt: not named as an image"),
        "{}",
        stderr(&run)
    );
    assert_eq!(emu.file_count(), files + 3);
    assert!(root_names(&emu).contains(&"kept".to_string()));
}

/// A CDN that refuses every request for lack of credits, as the service does once an
/// account's credits are spent; counts the requests.
fn spent_cdn() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    stub_cdn(
        "403 Forbidden",
        r#"{"message":"Usage Limit Exceeded","errorCode":"JR-1000","exception":"UsageBlockedError"}"#,
    )
}

/// A CDN that answers every request with `status` and the JSON `body`; counts the requests.
fn stub_cdn(
    status: &'static str,
    body: &'static str,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (origin, count)
}

#[test]
fn an_image_the_cdn_never_finishes_is_an_error_at_the_timeout() {
    let (cdn, fetches) = stub_cdn("202 Accepted", r#"{"message":"generating"}"#);
    let emu = Emulator::spawn(pixelbin_emulator::EmulatorOptions {
        api_secret: Some(SECRET.into()),
        public_url: Some(cdn),
        ..pixelbin_emulator::EmulatorOptions::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    images(&photos, 1);
    let out = dir.path().join("out");
    let run = pixelbin(&emu)
        .args([
            "transform",
            "-t",
            "t.flip()",
            "-i",
            s(&photos),
            "-o",
            s(&out),
        ])
        .args(["--timeout", "1", "--json"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let lines = json_lines(&run.stdout);
    let error = lines[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("202 Accepted"), "{lines:?}");
    assert!(fetches.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    // Nothing is saved, not even a partial file; the upload is kept for the rerun.
    let saved: Vec<_> = std::fs::read_dir(&out)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        saved
            .iter()
            .all(|n| n.to_string_lossy().ends_with(".jsonl")),
        "{saved:?}"
    );
    assert_eq!(uploads(&emu), 1);
}

#[test]
fn an_ai_step_refused_for_credits_stops_the_run_with_exit_6() {
    let (cdn, fetches) = spent_cdn();
    let emu = Emulator::spawn(pixelbin_emulator::EmulatorOptions {
        api_secret: Some(SECRET.into()),
        public_url: Some(cdn),
        ..pixelbin_emulator::EmulatorOptions::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    images(&photos, 5);
    let out = dir.path().join("out");
    let run = pixelbin(&emu)
        .args([
            "transform",
            "-t",
            "erase.bg()",
            "-i",
            s(&photos),
            "-o",
            s(&out),
        ])
        .args(["-p", "1", "--industry-type", "general", "--json"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(6), "{}", stderr(&run));
    let text = stderr(&run);
    assert!(
        text.contains("credits ran out") && text.contains("kept"),
        "{text}"
    );
    assert_eq!(
        fetches.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "no fetch after the refusal"
    );
    let lines = json_lines(&run.stdout);
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(summary["transformed"], 0, "{lines:?}");
    assert!(summary["not_started"].as_u64().unwrap() >= 4, "{lines:?}");
}
