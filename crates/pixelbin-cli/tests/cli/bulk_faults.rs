//! Folder mode under bad input and faults: link loops, names that collide, two runs on one
//! journal, a damaged or foreign journal, credits running out, a server gone, a `kill -9`
//! in the middle of an upload, a `kill -9` after the server stored a file but before its
//! answer came.

use std::path::Path;
use std::time::{Duration, Instant};

use pixelbin_emulator::{Emulator, EmulatorOptions};

use crate::holding_proxy::HoldingProxy;
use crate::support::*;

/// A small PNG at `dir/name`, its folder created.
fn image(dir: &Path, name: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    png_file(dir, name, 4, 4)
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[cfg(unix)]
#[test]
fn a_link_loop_is_walked_once() {
    let emu = emulator_with_delay(Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    image(&photos, "a.png");
    image(&photos, "b.png");
    std::os::unix::fs::symlink(".", photos.join("again")).unwrap();
    let each = format!("image={}", photos.display());
    let out = dir.path().join("out");
    let run = pixelbin(&emu)
        .args([
            "predict",
            "erase_bg",
            "--each",
            &each,
            "--json",
            "--download",
            s(&out),
        ])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert_eq!(json_lines(&run.stdout).len(), 3, "two inputs and a summary");
    assert_eq!(emu.predictions_created(), 2);
    assert!(stderr(&run).contains("already visited"), "{}", stderr(&run));

    let files = emu.file_count();
    let run = pixelbin(&emu)
        .args(["upload", s(&photos), "--path", "loop"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert_eq!(emu.file_count(), files + 2);
}

#[test]
fn names_that_collide_are_refused_naming_both() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    image(&photos, "a b.png");
    image(&photos, "a-b.png");
    let files = emu.file_count();
    let run = pixelbin(&emu)
        .args(["upload", s(&photos), "--overwrite"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let text = stderr(&run);
    assert!(
        text.contains("a b.png")
            && text.contains("a-b.png")
            && text.contains("--filename-override"),
        "{text}"
    );
    assert_eq!(emu.file_count(), files, "nothing sent");

    // Two inputs whose outputs would share a file.
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    image(&a, "x.png");
    image(&b, "x.png");
    let (each_a, each_b) = (
        format!("image={}", a.display()),
        format!("image={}", b.display()),
    );
    let out = dir.path().join("out");
    let run = pixelbin(&emu)
        .args([
            "predict",
            "erase_bg",
            "--each",
            &each_a,
            "--each",
            &each_b,
            "--download",
            s(&out),
        ])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let text = stderr(&run);
    assert!(
        text.contains(s(&a.join("x.png"))) && text.contains(s(&b.join("x.png"))),
        "{text}"
    );
    assert_eq!(emu.predictions_created(), 0);
}

#[test]
fn a_journal_in_use_damaged_or_foreign_is_refused_before_anything_is_sent() {
    let emu = emulator_with_delay(Duration::from_secs(3));
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    image(&photos, "a.png");
    let journal = dir.path().join("j.jsonl");
    let each = format!("image={}", photos.display());
    let args = [
        "predict",
        "erase_bg",
        "--each",
        &each,
        "--journal",
        s(&journal),
    ];

    // Two runs on one journal: the second fails at once, while the first still holds the
    // journal (it waits on a job the emulator keeps running), not after waiting for the lock.
    let mut first = spawn(&emu, &args);
    wait_for(&journal, "created", 1);
    let second = pixelbin(&emu).args(args).output().unwrap();
    assert_eq!(second.status.code(), Some(2));
    assert!(
        stderr(&second).contains("another run"),
        "{}",
        stderr(&second)
    );
    assert!(
        first.try_wait().unwrap().is_none(),
        "the second run was refused while the first held the journal"
    );
    assert_eq!(emu.predictions_created(), 1);
    first.kill().unwrap();
    first.wait().unwrap();

    // A torn last line is repaired; the rerun waits for the job journaled before the kill.
    let mut bytes = std::fs::read(&journal).unwrap();
    bytes.extend_from_slice(br#"{"input":"x","si"#);
    std::fs::write(&journal, &bytes).unwrap();
    let rerun = pixelbin(&emu).args(args).output().unwrap();
    assert_eq!(rerun.status.code(), Some(0), "{}", stderr(&rerun));
    assert!(stderr(&rerun).contains("cut short"), "{}", stderr(&rerun));
    assert_eq!(
        emu.predictions_created(),
        1,
        "waited for, not created again"
    );

    // Invalid UTF-8 in the middle: the line is named, nothing is sent.
    image(&photos, "b.png");
    let mut bytes = std::fs::read(&journal).unwrap();
    let header_end = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    bytes.splice(header_end..header_end, b"\xff\xfe\n".iter().copied());
    std::fs::write(&journal, &bytes).unwrap();
    let damaged = pixelbin(&emu).args(args).output().unwrap();
    assert_eq!(damaged.status.code(), Some(2));
    assert!(stderr(&damaged).contains("line 2"), "{}", stderr(&damaged));
    assert_eq!(emu.predictions_created(), 1);
    assert_eq!(std::fs::read(&journal).unwrap(), bytes, "left as it was");

    // A file that is not a journal is refused and left untouched.
    let picture = image(dir.path(), "photo.png");
    let before = std::fs::read(&picture).unwrap();
    let args = [
        "predict",
        "erase_bg",
        "--each",
        &each,
        "--journal",
        s(&picture),
    ];
    let foreign = pixelbin(&emu).args(args).output().unwrap();
    assert_eq!(foreign.status.code(), Some(2));
    assert!(
        stderr(&foreign).contains("not a pixelbin journal"),
        "{}",
        stderr(&foreign)
    );
    assert_eq!(std::fs::read(&picture).unwrap(), before);
    assert_eq!(emu.predictions_created(), 1);
}

#[test]
fn a_journal_of_another_destination_does_not_skip_its_files() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    image(&photos, "a.png");
    image(&photos, "b.png");
    let journal = dir.path().join("up.jsonl");
    for dest in ["destA", "destB"] {
        let run = pixelbin(&emu)
            .args([
                "upload",
                s(&photos),
                "--path",
                dest,
                "--json",
                "--journal",
                s(&journal),
            ])
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
        let lines = json_lines(&run.stdout);
        assert_eq!(lines[2]["summary"]["uploaded"], 2, "{dest}: {lines:?}");
        if dest == "destB" {
            assert!(stderr(&run).contains("other work"), "{}", stderr(&run));
        }
    }
}

#[test]
fn credits_running_out_stop_the_run_with_their_own_exit_code() {
    let emu = Emulator::spawn(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        prediction_delay: Duration::from_millis(50),
        credits: Some(2),
        ..EmulatorOptions::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    for name in ["a.png", "b.png", "c.png", "d.png", "e.png"] {
        image(&photos, name);
    }
    let each = format!("image={}", photos.display());
    let out = dir.path().join("out");
    let run = pixelbin(&emu)
        .args([
            "predict",
            "erase_bg",
            "--each",
            &each,
            "--concurrency",
            "1",
            "--json",
            "--download",
            s(&out),
        ])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(6), "{}", stderr(&run));
    let text = stderr(&run);
    assert!(
        text.contains("credits ran out") && text.contains("again"),
        "{text}"
    );
    let lines = json_lines(&run.stdout);
    let not_created = lines
        .iter()
        .filter(|l| l["status"] == "NOT_CREATED")
        .count();
    assert_eq!(not_created, 3, "{lines:?}");
    assert_eq!(emu.predictions_created(), 2);
}

#[test]
fn a_server_gone_stops_the_run_with_one_message() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let domain = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let dir = tempfile::tempdir().unwrap();
    for n in 0..20 {
        image(dir.path(), &format!("f{n}.png"));
    }
    let run = bare()
        .args([
            "--domain",
            &domain,
            "--api-secret",
            SECRET,
            "upload",
            s(dir.path()),
        ])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let text = stderr(&run);
    assert_eq!(text.matches("could not be reached").count(), 1, "{text}");
    assert!(
        text.contains("127.0.0.1"),
        "the host tried is named: {text}"
    );
}

#[test]
fn an_upload_killed_midway_finishes_on_the_rerun_with_nothing_twice() {
    let emu = emulator();
    // Slow completes: the kill lands with uploads in flight.
    emu.delay_next("upload.complete", 1000, Duration::from_millis(150));
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    for n in 0..30 {
        image(&photos, &format!("f{n:02}.png"));
    }
    let journal = dir.path().join("up.jsonl");
    let args = [
        "upload",
        s(&photos),
        "--path",
        "kill",
        "--journal",
        s(&journal),
    ];
    let files = emu.file_count();
    let mut child = spawn(&emu, &args);
    wait_for(&journal, "done", 5);
    child.kill().unwrap();
    child.wait().unwrap();
    let rerun = pixelbin(&emu).args(args).output().unwrap();
    assert_eq!(rerun.status.code(), Some(0), "{}", stderr(&rerun));
    assert_eq!(emu.file_count(), files + 30, "each file stored once");
}

/// The requests after which the emulator has stored a file: a one-request upload, and the
/// completion of a signed multipart upload.
const STORING_REQUESTS: &[&str] = &[
    "POST /service/platform/assets/v1.0/upload/direct",
    "POST /service/public/assets/v1.0/signed-multipart",
];

#[test]
fn a_kill_after_the_server_stored_a_file_before_its_answer_came_is_finished_by_a_plain_rerun() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    image(&photos, "a.png");
    let journal = dir.path().join("up.jsonl");
    let args = [
        "upload",
        s(&photos),
        "--path",
        "window",
        "--journal",
        s(&journal),
    ];
    let files = emu.file_count();
    let sent = emu.request_count("upload.*");
    // Through a proxy that holds back the answer of the request that stores the file.
    let proxy = HoldingProxy::start(emu.addr(), STORING_REQUESTS);
    let mut child = spawn_at(&proxy.url(), &args);
    let started = Instant::now();
    while proxy.held() == 0 || emu.file_count() == files {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the upload never reached the server (held {})",
            proxy.held()
        );
        assert!(child.try_wait().unwrap().is_none(), "the CLI ended early");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Stored, and the CLI never heard so: kill -9 it in that window.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(emu.file_count(), files + 1);
    let sent_before_rerun = emu.request_count("upload.*");
    assert!(sent_before_rerun > sent);

    // The rerun, without --skip-existing, finds it stored. The journal belongs to the API
    // address it was written for, so the rerun goes to the same one, the proxy now passing
    // everything on as if it were not there.
    proxy.pass_all();
    let rerun_at = |extra: &[&str]| {
        bare()
            .args(["--domain", &proxy.url(), "--api-secret", SECRET])
            .args(args)
            .args(extra)
            .output()
            .unwrap()
    };
    let rerun = rerun_at(&["--json"]);
    assert_eq!(
        rerun.status.code(),
        Some(0),
        "{} {}",
        stderr(&rerun),
        String::from_utf8_lossy(&rerun.stdout)
    );
    let lines = json_lines(&rerun.stdout);
    assert_eq!(lines[0]["status"], "SKIPPED", "{lines:?}");
    assert_eq!(
        lines[1]["summary"]["errors"], 0,
        "no 409 or other error: {lines:?}"
    );
    assert_eq!(emu.file_count(), files + 1, "stored once, nothing missing");
    assert_eq!(
        emu.request_count("upload.*"),
        sent_before_rerun,
        "nothing sent again"
    );
    // And a second rerun knows it from the journal alone.
    let again = rerun_at(&[]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(emu.file_count(), files + 1);
}
