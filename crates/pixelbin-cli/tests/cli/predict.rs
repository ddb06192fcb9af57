//! `pixelbin predict`

use std::time::Duration;

use pixelbin_emulator::{RecordedBody, RecordedField};
use predicates::prelude::*;
use serde_json::json;

use crate::support::{emulator, emulator_with_delay, json_of, pixelbin, png_file, s, stdout_of};

#[test]
fn file_inputs_are_sent_as_multipart_and_the_job_is_printed_as_json() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photo = png_file(dir.path(), "photo.png", 32, 24);
    let job = json_of(pixelbin(&emu).args([
        "predict",
        "erase_bg",
        "--input",
        &format!("image=@{}", s(&photo)),
        "-i",
        "shadow=true",
        "-i",
        "industry_type=car",
        "--json",
    ]));
    assert_eq!(job["status"], "ACCEPTED");
    assert!(
        job["_id"].as_str().unwrap().starts_with("erase--bg--"),
        "{job}"
    );
    assert!(
        job["urls"]["get"]
            .as_str()
            .unwrap()
            .contains("/predictions/"),
        "{job}"
    );
    assert_eq!(job["input"]["shadow"], true);
    assert_eq!(job["input"]["industry_type"], "car");

    let sent = emu.recorded("predictions.create");
    assert_eq!(sent.len(), 1);
    let RecordedBody::Multipart(fields) = &sent[0].body else {
        panic!("expected multipart, got {:?}", sent[0].body)
    };
    let file = fields.iter().find_map(|f| match f {
        RecordedField::File {
            name,
            filename,
            content_type,
            size,
            ..
        } if name == "input.image" => Some((filename.clone(), content_type.clone(), *size)),
        _ => None,
    });
    let expected_size = std::fs::metadata(&photo).unwrap().len();
    assert_eq!(
        file,
        Some((
            Some("photo.png".to_string()),
            Some("image/png".to_string()),
            expected_size
        ))
    );
    assert!(fields.contains(&RecordedField::Text {
        name: "input.shadow".into(),
        value: "true".into()
    }));
}

#[test]
fn values_are_typed_in_a_json_body() {
    let emu = emulator();
    let image = format!(
        "{}/v2/emulator-cloud/original/__playground/playground-default.jpeg",
        emu.url()
    );
    pixelbin(&emu)
        .args([
            "predict",
            "erase_bg",
            "-i",
            &format!("image={image}"),
            "-i",
            "shadow=false",
            "-i",
            "refine=null",
            "-i",
            "quality_type=\"high\"",
            "--webhook",
            "https://hooks.example.com/pixelbin",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("ACCEPTED"))
        .stdout(predicate::str::contains(
            "pixelbin predictions wait erase--bg--",
        ));
    let sent = emu.recorded("predictions.create");
    assert_eq!(
        sent[0].body,
        RecordedBody::Json(json!({
            "input.image": image,
            "input.shadow": false,
            "input.quality_type": "high",
            "webhook": "https://hooks.example.com/pixelbin"
        }))
    );
}

#[test]
fn wait_and_download_save_the_outputs() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photo = png_file(dir.path(), "photo.png", 20, 10);
    let out_dir = dir.path().join("out");
    let text = stdout_of(pixelbin(&emu).args([
        "predict",
        "erase_bg",
        "-i",
        &format!("image=@{}", s(&photo)),
        "--wait",
        "--interval",
        "1",
        "--download",
        s(&out_dir),
    ]));
    assert!(text.contains("SUCCESS"), "{text}");
    assert!(text.contains("output:   http://127.0.0.1:"), "{text}");
    let saved = out_dir.join("photo.png");
    assert!(
        text.contains(&format!("saved:    {}", saved.display())),
        "{text}"
    );
    let bytes = std::fs::read(&saved).unwrap();
    assert!(bytes.starts_with(b"\x89PNG"));
    // More than one poll: the job was ACCEPTED at first.
    assert!(emu.request_count("predictions.get") >= 2);
}

#[test]
fn download_with_json_lists_the_saved_files() {
    let emu = emulator_with_delay(Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let photo = png_file(dir.path(), "photo.png", 8, 8);
    let out_dir = dir.path().join("out");
    let job = json_of(pixelbin(&emu).args([
        "predict",
        "erase_bg",
        "-i",
        &format!("image=@{}", s(&photo)),
        "--download",
        s(&out_dir),
        "--json",
    ]));
    assert_eq!(job["status"], "SUCCESS");
    assert_eq!(job["consumedCredits"], 1.0);
    let saved = out_dir.join("photo.png");
    assert_eq!(job["downloads"], json!([saved.display().to_string()]));
    assert!(saved.is_file());
}

#[test]
fn a_failed_job_exits_with_4() {
    let emu = emulator_with_delay(Duration::ZERO);
    let out = pixelbin(&emu)
        .args([
            "predict",
            "erase_bg",
            "-i",
            "image=https://images.example.com/not-served.jpg",
            "--wait",
            "--json",
        ])
        .assert()
        .code(4)
        .stderr(predicate::str::starts_with("error: prediction erase--bg--"))
        .stderr(predicate::str::contains("failed: could not download image"))
        .get_output()
        .clone();
    let job: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(job["status"], "FAILURE");
    assert!(
        job["error"]
            .as_str()
            .unwrap()
            .contains("could not download")
    );
}

#[test]
fn bad_names_and_inputs_exit_with_2_before_any_request() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photo = png_file(dir.path(), "photo.png", 8, 8);
    let image = format!("image=@{}", s(&photo));
    let cases: [(&[&str], &str); 5] = [
        (
            &["predict", "erasebg", "-i", &image],
            "name must be in 'plugin_operation' format",
        ),
        (&["predict", "erase_bg", "-i", "image"], "has no '='"),
        (
            &[
                "predict",
                "erase_bg",
                "-i",
                "image=@/definitely/not/here.png",
            ],
            "could not read input 'image'",
        ),
        (
            &["predict", "erase_bg", "-i", "o={oops"],
            "starts like JSON but does not parse",
        ),
        (
            &[
                "predict",
                "erase_bg",
                "-i",
                &image,
                "-i",
                "colour=red",
                "--validate",
            ],
            "colour",
        ),
    ];
    for (args, message) in cases {
        pixelbin(&emu)
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    assert_eq!(emu.request_count("predictions.create"), 0);
}

#[test]
fn a_download_path_that_is_a_file_exits_with_2_before_any_request() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let photo = png_file(dir.path(), "photo.png", 8, 8);
    let taken = dir.path().join("taken");
    std::fs::write(&taken, b"not a directory").unwrap();
    let expected = format!(
        "error: --download {} exists and is not a directory",
        s(&taken)
    );
    pixelbin(&emu)
        .args([
            "predict",
            "erase_bg",
            "-i",
            &format!("image=@{}", s(&photo)),
            "--download",
            s(&taken),
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(expected.as_str()))
        .stderr(predicate::str::contains('\n').count(1));
    assert_eq!(emu.request_count("*"), 0);
    pixelbin(&emu)
        .args([
            "predictions",
            "wait",
            "erase--bg--x",
            "--download",
            s(&taken),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(expected.as_str()));
    assert_eq!(emu.request_count("*"), 0);
}

#[test]
fn an_existing_output_is_refused_before_the_job_is_created() {
    let emu = emulator_with_delay(Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let photo = png_file(dir.path(), "photo.png", 8, 8);
    let out_dir = dir.path().join("out");
    let run = || {
        let mut cmd = pixelbin(&emu);
        cmd.args([
            "predict",
            "erase_bg",
            "-i",
            &format!("image=@{}", s(&photo)),
            "--download",
            s(&out_dir),
        ]);
        cmd
    };
    run().assert().success();
    assert_eq!(emu.request_count("predictions.create"), 1);
    let saved = std::fs::read(out_dir.join("photo.png")).unwrap();
    // The rerun finds the output of the first and creates (and pays for) nothing.
    run()
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{} exists",
            s(&out_dir.join("photo.png"))
        )))
        .stderr(predicate::str::contains("--overwrite"))
        .stderr(predicate::str::contains("no job was created"));
    assert_eq!(emu.request_count("predictions.create"), 1);
    assert_eq!(std::fs::read(out_dir.join("photo.png")).unwrap(), saved);
    // Outputs into the input's own folder: the input itself is not in the way.
    let jpeg = dir.path().join("shot.jpg");
    std::fs::copy(&photo, &jpeg).unwrap();
    pixelbin(&emu)
        .args(["predict", "erase_bg", "-i"])
        .arg(format!("image=@{}", s(&jpeg)))
        .args(["--download", s(dir.path())])
        .assert()
        .success();
    assert!(dir.path().join("shot.png").is_file());
    run().arg("--overwrite").assert().success();
    assert_eq!(emu.request_count("predictions.create"), 3);
}

#[test]
fn a_failure_after_create_names_the_job_and_how_to_fetch_its_outputs() {
    let emu = emulator_with_delay(Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let photo = png_file(dir.path(), "photo.png", 8, 8);
    let out_dir = dir.path().join("my out");
    // The output link answers 404 once (not retried): the job is paid for, its outputs unsaved.
    emu.fail_next("cdn", 1, 404);
    let output = pixelbin(&emu)
        .args([
            "predict",
            "erase_bg",
            "-i",
            &format!("image=@{}", s(&photo)),
            "--download",
            s(&out_dir),
        ])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let start = stderr.find("`pixelbin predictions wait ").expect(&stderr) + 1;
    let command = &stderr[start..start + stderr[start..].find('`').unwrap()];
    assert!(
        command.contains(" --download '") && command.ends_with(" --name photo"),
        "{command}"
    );
    assert!(stderr.contains("job erase--bg--"), "{stderr}");
    assert!(!out_dir.join("photo.png").exists());
    // The command printed saves the outputs, without a new job.
    let id = command.split(' ').nth(3).unwrap();
    pixelbin(&emu)
        .args([
            "predictions",
            "wait",
            id,
            "--download",
            s(&out_dir),
            "--name",
            "photo",
        ])
        .assert()
        .success();
    assert!(out_dir.join("photo.png").is_file());
    assert_eq!(emu.request_count("predictions.create"), 1);
}

#[test]
fn timeout_gives_up_with_exit_code_5() {
    let emu = emulator_with_delay(Duration::from_secs(30));
    let dir = tempfile::tempdir().unwrap();
    let photo = png_file(dir.path(), "photo.png", 8, 8);
    pixelbin(&emu)
        .args([
            "predict",
            "erase_bg",
            "-i",
            &format!("image=@{}", s(&photo)),
            "--timeout",
            "1",
            "--interval",
            "2",
        ])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("not finished within"))
        .stderr(predicate::str::contains(
            "pixelbin predictions wait erase--bg--",
        ));
}

#[test]
fn help_documents_the_typing_rules() {
    crate::support::bare()
        .args(["predict", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("@@text"))
        .stdout(predicate::str::contains("Repeating a key sends a list"))
        .stdout(predicate::str::contains("--download <DIR>"));
}

/// Unix file names are bytes: `image=@<name that is not UTF-8>` is still a file to send.
#[cfg(unix)]
#[test]
fn a_file_whose_name_is_not_utf8_is_sent() {
    use std::ffi::OsString;
    use std::os::unix::ffi::{OsStrExt, OsStringExt};

    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"ph\xffoto.png");
    let photo = dir.path().join(name);
    std::fs::write(&photo, crate::support::png(8, 8)).unwrap();
    let mut arg = b"image=@".to_vec();
    arg.extend_from_slice(photo.as_os_str().as_bytes());
    let job = json_of(
        pixelbin(&emu)
            .args(["predict", "erase_bg", "--json", "-i"])
            .arg(OsString::from_vec(arg)),
    );
    assert_eq!(job["status"], "ACCEPTED");
    let sent = emu.recorded("predictions.create");
    let RecordedBody::Multipart(fields) = &sent[0].body else {
        panic!("expected multipart, got {:?}", sent[0].body)
    };
    assert!(
        fields.iter().any(
            |f| matches!(f, RecordedField::File { name, size, .. } if name == "input.image" && *size > 0)
        ),
        "{fields:?}"
    );
}

#[test]
fn a_file_above_the_models_size_limit_is_refused_before_create() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    // Sparse: 30 MB on paper, above the emulator's 25 MiB imageValidation.maxSize, no disk used.
    let big = dir.path().join("big.png");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(30_000_000)
        .unwrap();
    let out = pixelbin(&emu)
        .args(["predict", "erase_bg", "--input"])
        .arg(format!("image=@{}", big.display()))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("30000000 bytes"), "{stderr}");
    assert!(stderr.contains("maxSize"), "{stderr}");
    assert_eq!(emu.request_count("predictions.create"), 0);
}
