//! `pixelbin upload`

use pixelbin_emulator::RecordedBody;
use predicates::prelude::*;
use serde_json::json;

use crate::support::{emulator, json_of, pixelbin, png_file, s, stdout_of};

#[test]
fn upload_prints_the_file_object_with_json() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photo = png_file(dir.path(), "shoe.png", 64, 48);
    let size = std::fs::metadata(&photo).unwrap().len();
    let chunk = 2048;
    let file = json_of(pixelbin(&emu).args([
        "upload",
        s(&photo),
        "--path",
        "products/shoes",
        "--access",
        "private",
        "--tag",
        "summer",
        "--tag",
        "sale",
        "--metadata",
        r#"{"sku":"A-1"}"#,
        "--chunk-size",
        &chunk.to_string(),
        "--concurrency",
        "2",
        "--max-retries",
        "0",
        "--json",
    ]));
    assert_eq!(file["name"], "shoe.png");
    assert_eq!(file["path"], "products/shoes");
    assert_eq!(file["fileId"], "products/shoes/shoe.png");
    assert_eq!(file["format"], "png");
    assert_eq!(file["access"], "private");
    assert_eq!(file["tags"], json!(["summer", "sale"]));
    assert_eq!(file["size"], size);
    assert_eq!(file["width"], 64);
    assert_eq!(file["height"], 48);
    assert!(file["_id"].is_string());
    assert!(
        file["url"]
            .as_str()
            .unwrap()
            .ends_with("/products/shoes/shoe.png")
    );

    let signed = emu.recorded("upload.signed_url_v2");
    assert_eq!(
        signed[0].body,
        RecordedBody::Json(json!({
            "name": "shoe", "path": "products/shoes", "format": "png", "access": "private",
            "tags": ["summer", "sale"], "metadata": {"sku": "A-1"}
        }))
    );
    assert_eq!(emu.request_count("upload.part"), size.div_ceil(chunk));
    assert_eq!(emu.request_count("upload.complete"), 1);
}

#[test]
fn upload_prints_only_the_url_for_people() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photo = png_file(dir.path(), "photo.jpg.png", 8, 8);
    let text = stdout_of(pixelbin(&emu).args(["upload", s(&photo), "--name", "hero"]));
    assert_eq!(
        text,
        format!("{}/v2/emulator-cloud/original/hero.png\n", emu.url())
    );
    // Uploading again needs --overwrite or --filename-override.
    pixelbin(&emu)
        .args(["upload", s(&photo), "--name", "hero"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("409"));
    pixelbin(&emu)
        .args(["upload", s(&photo), "--name", "hero", "--overwrite"])
        .assert()
        .success();
    let renamed = stdout_of(pixelbin(&emu).args([
        "upload",
        s(&photo),
        "--name",
        "hero",
        "--filename-override",
    ]));
    assert!(!renamed.ends_with("/hero.png\n"), "{renamed}");
}

#[test]
fn upload_reads_stdin() {
    let emu = emulator();
    let data = crate::support::png(10, 10);
    let file = json_of(
        pixelbin(&emu)
            .args([
                "upload", "-", "--name", "piped", "--format", "png", "--json",
            ])
            .write_stdin(data.clone()),
    );
    assert_eq!(file["fileId"], "piped.png");
    assert_eq!(file["size"], data.len());
}

#[test]
fn bad_sources_and_options_exit_with_2_before_any_request() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photo = png_file(dir.path(), "photo.png", 8, 8);
    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, b"").unwrap();
    let cases: [(&[&str], &str); 5] = [
        (
            &["upload", "/definitely/not/here.png"],
            "cannot read /definitely/not/here.png",
        ),
        (&["upload", s(&empty)], "nothing to upload"),
        (
            &["upload", s(&photo), "--chunk-size", "0"],
            "Invalid chunkSize",
        ),
        (&["upload", s(&photo), "--concurrency", "0"], "concurrency"),
        (
            &["upload", s(&photo), "--metadata", "[1]"],
            "--metadata must be a JSON object",
        ),
    ];
    for (args, message) in cases {
        pixelbin(&emu)
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    pixelbin(&emu)
        .args(["upload", s(&photo), "--access", "public"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("public-read"));
    assert_eq!(emu.request_count("upload.*"), 0);
}
