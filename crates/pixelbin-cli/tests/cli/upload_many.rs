//! `pixelbin upload PATH...`: directories and several files, --skip-existing, --journal.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::support::*;

/// `photos/a.png`, `photos/summer/b.png`, `photos/summer/beach/c.jpg`, a hidden file, and a
/// loose `extra.png` beside the folder.
fn tree(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let photos = dir.join("photos");
    std::fs::create_dir_all(photos.join("summer/beach")).unwrap();
    png_file(&photos, "a.png", 4, 4);
    png_file(&photos, "summer/b.png", 5, 5);
    png_file(&photos, "summer/beach/c.jpg", 6, 6);
    png_file(&photos, ".hidden.png", 2, 2);
    let extra = png_file(dir, "extra.png", 3, 3);
    (photos, extra)
}

#[test]
fn a_tree_keeps_its_folders_under_the_remote_path() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let (photos, extra) = tree(dir.path());
    let run = pixelbin(&emu)
        .args(["upload", s(&photos), s(&extra), "--path", "shop", "--json"])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let lines = json_lines(&run.stdout);
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert_eq!(
        lines[4],
        json!({"summary": {"total": 4, "uploaded": 4, "skipped": 0, "errors": 0}})
    );
    let by_input: HashMap<String, &Value> = lines[..4]
        .iter()
        .map(|l| (l["input"].as_str().unwrap().to_string(), l))
        .collect();
    for line in by_input.values() {
        let keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 4, "{line}");
        assert_eq!(line["status"], "UPLOADED");
        assert!(line["error"].is_null());
    }
    let url = |path: &std::path::Path| {
        by_input[&path.display().to_string()]["url"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(url(&photos.join("a.png")).ends_with("/shop/a.png"));
    assert!(url(&photos.join("summer/b.png")).ends_with("/shop/summer/b.png"));
    assert!(url(&photos.join("summer/beach/c.jpg")).ends_with("/shop/summer/beach/c.jpeg"));
    assert!(url(&extra).ends_with("/shop/extra.png"));
    // Small files go up in one request each (the folder is a form field).
    let paths: Vec<String> = emu
        .recorded("upload.direct")
        .iter()
        .filter_map(|r| r.body.text("path").map(str::to_string))
        .collect();
    assert!(
        paths.contains(&"shop/summer/beach".to_string()),
        "{paths:?}"
    );
}

#[test]
fn skip_existing_lists_each_folder_once_and_skips_same_name_and_size() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let (photos, _) = tree(dir.path());
    pixelbin(&emu)
        .args(["upload", s(&photos), "--path", "shop"])
        .assert()
        .success();
    // One file changes size: only it goes up again.
    png_file(&photos, "summer/b.png", 9, 9);
    emu.reset_counts();
    let run = pixelbin(&emu)
        .args([
            "upload",
            s(&photos),
            "--path",
            "shop",
            "--skip-existing",
            "--overwrite",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let lines = json_lines(&run.stdout);
    let status: HashMap<String, String> = lines[..3]
        .iter()
        .map(|l| {
            (
                l["input"].as_str().unwrap().to_string(),
                l["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        status[&photos.join("a.png").display().to_string()],
        "SKIPPED"
    );
    assert_eq!(
        status[&photos.join("summer/b.png").display().to_string()],
        "UPLOADED"
    );
    assert_eq!(
        status[&photos.join("summer/beach/c.jpg").display().to_string()],
        "SKIPPED"
    );
    assert_eq!(lines[3]["summary"]["skipped"], 2);
    assert_eq!(uploads(&emu), 1);
    assert_eq!(emu.request_count("files.list"), 3, "one listing per folder");
}

#[test]
fn a_journal_makes_a_rerun_skip_what_finished() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let (photos, _) = tree(dir.path());
    let journal = dir.path().join("up.jsonl");
    pixelbin(&emu)
        .args(["upload", s(&photos), "--journal", s(&journal)])
        .assert()
        .success();
    let uploaded = uploads(&emu);
    assert_eq!(uploaded, 3);
    let run = pixelbin(&emu)
        .args(["upload", s(&photos), "--journal", s(&journal), "--json"])
        .output()
        .unwrap();
    assert!(run.status.success());
    let lines = json_lines(&run.stdout);
    assert!(
        lines[..3]
            .iter()
            .all(|l| l["status"] == "SKIPPED" && l["url"].is_string()),
        "{lines:?}"
    );
    assert_eq!(uploads(&emu), uploaded);
}

#[cfg(unix)]
#[test]
fn an_unreadable_sub_folder_is_named_the_rest_uploads_and_the_exit_code_says_so() {
    use std::os::unix::fs::PermissionsExt;
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let (photos, _) = tree(dir.path());
    let locked = photos.join("summer");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // As root, chmod does not deny reading: then there is nothing to test here.
    if std::fs::read_dir(&locked).is_ok() {
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
        eprintln!("skipped: running as root, chmod 000 does not make a folder unreadable");
        return;
    }
    let run = pixelbin(&emu)
        .args(["upload", s(&photos), "--path", "shop", "--json"])
        .output()
        .unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("skipped the folder {}", locked.display())),
        "{stderr}"
    );
    assert!(stderr.contains("1 folders could not be read"), "{stderr}");
    let lines = json_lines(&run.stdout);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["status"], "UPLOADED");
    assert_eq!(uploads(&emu), 1);
}

#[test]
fn stdin_and_name_do_not_mix_with_many_files() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let (photos, extra) = tree(dir.path());
    pixelbin(&emu)
        .args(["upload", s(&photos), s(&extra), "--name", "x"])
        .assert()
        .code(2);
    pixelbin(&emu)
        .args(["upload", "-", s(&extra)])
        .assert()
        .code(2);
}

/// Files sent: small ones in one request, larger ones through a signed URL.
fn uploads(emu: &pixelbin_emulator::Emulator) -> u64 {
    emu.request_count("upload.direct") + emu.request_count("upload.signed_url_v2")
}
