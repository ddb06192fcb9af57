//! The SDK areas the CLI covers beyond predictions and uploads: presets, credentials, URL
//! uploads, file changes, the transformation context, the playground, `api`, and the shell
//! integration (completions, man pages).

use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

use crate::support::{bare, emulator, json_of, pixelbin, png_file, s, stdout_of};

#[test]
fn presets_are_created_listed_archived_and_deleted() {
    let emu = emulator();
    let created = json_of(pixelbin(&emu).args([
        "presets",
        "create",
        "thumb",
        "t.resize(w:$w)",
        "--params",
        r#"{"w": {"type": "integer", "default": 100}}"#,
        "--json",
    ]));
    assert_eq!(created["presetName"], "thumb");
    let got = json_of(pixelbin(&emu).args(["presets", "get", "thumb", "--json"]));
    assert_eq!(got["transformation"], "t.resize(w:$w)");
    let all = json_of(pixelbin(&emu).args(["presets", "list", "--all", "--json"]));
    assert_eq!(all.as_array().map(Vec::len), Some(1));
    let updated =
        json_of(pixelbin(&emu).args(["presets", "update", "thumb", "--archived", "--json"]));
    assert_eq!(updated["archived"], true);
    pixelbin(&emu)
        .args(["presets", "delete", "thumb"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("deleted thumb"));
    pixelbin(&emu)
        .args(["presets", "get", "thumb"])
        .assert()
        .code(1);
    pixelbin(&emu)
        .args(["presets", "create", "bad", "t.flip()", "--params", "[1]"])
        .assert()
        .code(2);
}

#[test]
fn credentials_are_stored_replaced_and_deleted_without_echoing_them() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("aws.json");
    std::fs::write(
        &file,
        r#"{"region": "ap-south-1", "secretAccessKey": "VERY-SECRET-KEY"}"#,
    )
    .unwrap();
    let added = stdout_of(pixelbin(&emu).args([
        "credentials",
        "add",
        "awsRek",
        "--credentials-file",
        s(&file),
        "--json",
    ]));
    assert!(!added.contains("VERY-SECRET-KEY"), "{added}");
    let added: Value = serde_json::from_str(&added).unwrap();
    assert_eq!(added["pluginId"], "awsRek");
    pixelbin(&emu)
        .args([
            "credentials",
            "update",
            "awsRek",
            "--credentials",
            r#"{"region": "eu-west-1"}"#,
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "updated the credentials of awsRek",
        ));
    pixelbin(&emu)
        .args(["credentials", "delete", "awsRek"])
        .assert()
        .success();
    pixelbin(&emu)
        .args(["credentials", "add", "awsRek", "--credentials", "not json"])
        .assert()
        .code(2);
}

/// Uploads a small PNG as `folder/name.png` and returns its CDN URL.
fn stored_png(emu: &pixelbin_emulator::Emulator, dir: &Path, folder: &str) -> String {
    let file = png_file(dir, "photo.png", 8, 6);
    let uploaded = json_of(pixelbin(emu).args(["upload", s(&file), "--path", folder, "--json"]));
    uploaded["url"].as_str().expect("a url").to_string()
}

#[test]
fn upload_from_url_stores_a_copy() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let url = stored_png(&emu, dir.path(), "originals");
    let copy = json_of(pixelbin(&emu).args([
        "upload",
        "--from-url",
        &url,
        "--path",
        "copies",
        "--name",
        "copy",
        "--tag",
        "imported",
        "--json",
    ]));
    assert_eq!(copy["path"], "copies");
    assert_eq!(copy["tags"][0], "imported");
    pixelbin(&emu)
        .args(["upload", "--from-url", "ftp://example.test/a.png"])
        .assert()
        .code(2);
    pixelbin(&emu)
        .args(["upload", "--from-url", &url, "extra.png"])
        .assert()
        .code(2);
}

#[test]
fn files_are_tagged_untagged_renamed_moved_and_updated() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    stored_png(&emu, dir.path(), "work");
    let tagged =
        json_of(pixelbin(&emu).args(["files", "tag", "work/photo.png", "a", "b", "--json"]));
    assert_eq!(tagged["tags"], serde_json::json!(["a", "b"]));
    let untagged =
        json_of(pixelbin(&emu).args(["files", "untag", "work/photo.png", "a", "--json"]));
    assert_eq!(untagged["tags"], serde_json::json!(["b"]));
    let renamed =
        json_of(pixelbin(&emu).args(["files", "rename", "work/photo.png", "renamed", "--json"]));
    assert_eq!(renamed["name"], "renamed");
    let file_id = renamed["fileId"].as_str().unwrap().to_string();
    let moved =
        json_of(pixelbin(&emu).args(["files", "move", &file_id, "--to", "archive/2024", "--json"]));
    assert_eq!(moved["path"], "archive/2024");
    let file_id = moved["fileId"].as_str().unwrap().to_string();
    let updated = json_of(pixelbin(&emu).args([
        "files",
        "update",
        &file_id,
        "--access",
        "private",
        "--metadata",
        r#"{"sku": "A-1"}"#,
        "--json",
    ]));
    assert_eq!(updated["access"], "private");
    pixelbin(&emu)
        .args(["files", "update", &file_id])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to change"));
    pixelbin(&emu)
        .args(["files", "rename", &file_id, "a/b"])
        .assert()
        .code(2);
}

#[test]
fn transformation_context_and_playground() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let url = stored_png(&emu, dir.path(), "ctx");
    let context = json_of(pixelbin(&emu).args(["transformation", "context", &url]));
    assert_eq!(context["context"]["meta"]["contentType"], "image/png");
    pixelbin(&emu)
        .args(["transformations", "context", "not-a-url"])
        .assert()
        .code(2);
    let modules = json_of(pixelbin(&emu).args(["playground", "modules", "--json"]));
    assert!(modules["plugins"]["erase"].is_object(), "{modules}");
    let module = json_of(pixelbin(&emu).args(["playground", "modules", "erase", "--json"]));
    assert_eq!(module["identifier"], "erase");
    let default = json_of(pixelbin(&emu).args(["playground", "default", "--json"]));
    assert!(default["url"].is_string(), "{default}");
}

#[test]
fn api_sends_fields_and_follows_pages() {
    let emu = emulator();
    // A JSON body from -f fields.
    let folder = json_of(pixelbin(&emu).args([
        "api",
        "POST",
        "/service/platform/assets/v1.0/folders",
        "-f",
        "name=made-by-api",
    ]));
    assert_eq!(folder["name"], "made-by-api");
    for i in 0..4 {
        pixelbin(&emu)
            .args(["folders", "create", &format!("f{i}")])
            .assert()
            .success();
    }
    // Two per page: several requests, one array, the same items `files list --all` gives.
    let all = json_of(pixelbin(&emu).args([
        "api",
        "GET",
        "/service/platform/assets/v1.0/listFiles",
        "-f",
        "pageSize=2",
        "--paginate",
    ]));
    let names: Vec<&str> = all
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|item| item["name"].as_str())
        .collect();
    let listed = json_of(pixelbin(&emu).args(["files", "list", "--all", "--json"]));
    assert!(names.len() >= 5, "{all}");
    assert_eq!(names.len(), listed.as_array().unwrap().len(), "{all}");
    assert!(
        names.contains(&"made-by-api") && names.contains(&"f3"),
        "{names:?}"
    );
    // A raw body from a file, and errors as every other command's.
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("body.json");
    std::fs::write(&body, r#"{"name": "from-file"}"#).unwrap();
    let folder = json_of(pixelbin(&emu).args([
        "api",
        "POST",
        "/service/platform/assets/v1.0/folders",
        "--input",
        s(&body),
    ]));
    assert_eq!(folder["name"], "from-file");
    pixelbin(&emu)
        .args([
            "api",
            "GET",
            "/service/platform/assets/v1.0/files/missing.png",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("404"));
    pixelbin(&emu)
        .args(["api", "GET", "https://elsewhere.test/x"])
        .assert()
        .code(2);
    pixelbin(&emu)
        .args([
            "api",
            "GET",
            "/service/platform/organization/v1.0/apps/info",
            "--paginate",
        ])
        .assert()
        .code(1)
        .stdout("[]\n");
}

#[test]
fn url_sign_and_verify_refuse_what_is_not_an_http_url() {
    for args in [
        &[
            "url",
            "sign",
            "not a url",
            "--expiry-seconds",
            "60",
            "--access-key",
            "k",
            "--token",
            "t",
        ][..],
        &[
            "url",
            "verify",
            "ftp://cdn.example/a.png?pbs=1&pbe=2&pbt=3",
            "--token",
            "t",
        ],
        &[
            "url",
            "sign",
            "/v2/cloud/original/a.png",
            "--expiry-seconds",
            "60",
            "--access-key",
            "k",
            "--token",
            "t",
        ],
    ] {
        bare()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("not an absolute http(s) URL"));
    }
}

#[test]
fn bash_parses_the_completion_script_and_every_shell_gets_one() {
    let script = stdout_of(bare().args(["completions", "bash"]));
    assert!(script.contains("pixelbin"), "{script}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pixelbin.bash");
    std::fs::write(&file, &script).unwrap();
    let status = std::process::Command::new("bash")
        .args(["-n", s(&file)])
        .status()
        .expect("bash runs");
    assert!(status.success(), "bash -n rejected the script");
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(bare().args(["completions", shell]));
        assert!(script.contains("presets"), "{shell}");
    }
}

#[test]
fn the_committed_man_pages_are_current() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let dir = tempfile::tempdir().unwrap();
    bare().args(["__man", s(dir.path())]).assert().success();
    let names = |d: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(d)
            .unwrap_or_else(|e| panic!("{}: {e}; run `cargo xtask man`", d.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let generated = names(dir.path());
    assert!(
        generated.contains(&"pixelbin-login.1".to_string()),
        "{generated:?}"
    );
    assert_eq!(generated, names(&committed), "run `cargo xtask man`");
    for name in &generated {
        let fresh = std::fs::read(dir.path().join(name)).unwrap();
        let old = std::fs::read(committed.join(name)).unwrap();
        assert!(fresh == old, "{name} is out of date: run `cargo xtask man`");
    }
}
