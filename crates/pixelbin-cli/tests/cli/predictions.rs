//! `pixelbin predictions get | wait | list | schema`

use std::time::Duration;

use predicates::prelude::*;

use crate::support::{emulator, emulator_with_delay, json_of, pixelbin, png_file, s, stdout_of};

/// Creates an erase_bg job and returns its id.
fn create_job(emu: &pixelbin_emulator::Emulator) -> String {
    let dir = tempfile::tempdir().unwrap();
    let photo = png_file(dir.path(), "photo.png", 16, 16);
    let job = json_of(pixelbin(emu).args([
        "predict",
        "erase_bg",
        "-i",
        &format!("image=@{}", s(&photo)),
        "--json",
    ]));
    job["_id"].as_str().unwrap().to_string()
}

#[test]
fn get_shows_the_current_state() {
    let emu = emulator_with_delay(Duration::from_secs(30));
    let id = create_job(&emu);
    let job = json_of(pixelbin(&emu).args(["predictions", "get", &id, "--json"]));
    assert_eq!(job["_id"], id.as_str());
    assert_eq!(job["status"], "ACCEPTED");
    assert_eq!(job["orgId"], 1);
    let text = stdout_of(pixelbin(&emu).args(["predictions", "get", &id]));
    assert!(text.starts_with(&format!("{id}  ACCEPTED\n")), "{text}");
}

#[test]
fn wait_polls_until_success() {
    let emu = emulator();
    let id = create_job(&emu);
    let dir = tempfile::tempdir().unwrap();
    let job = json_of(pixelbin(&emu).args([
        "predictions",
        "wait",
        &id,
        "--interval",
        "1",
        "--download",
        s(dir.path()),
        "--json",
    ]));
    assert_eq!(job["status"], "SUCCESS");
    let outputs = job["output"].as_array().unwrap();
    assert_eq!(outputs.len(), 1);
    assert!(outputs[0].as_str().unwrap().ends_with("/result_0.png"));
    assert!(dir.path().join("result.png").is_file());
}

#[test]
fn wait_times_out_with_exit_code_5() {
    let emu = emulator_with_delay(Duration::from_secs(30));
    let id = create_job(&emu);
    pixelbin(&emu)
        .args([
            "predictions",
            "wait",
            &id,
            "--timeout",
            "1",
            "--interval",
            "5",
        ])
        .assert()
        .code(5)
        .stderr(predicate::str::contains(format!(
            "run `pixelbin predictions wait {id}` to keep waiting"
        )));
}

#[test]
fn list_prints_the_models() {
    let emu = emulator();
    let models = json_of(pixelbin(&emu).args(["predictions", "list", "--json"]));
    let models = models.as_array().unwrap();
    let erase = models
        .iter()
        .find(|m| m["name"] == "erase_bg")
        .expect("erase_bg is listed");
    assert_eq!(erase["displayName"], "Erase Background");
    assert!(erase["description"].is_string());
    let text = stdout_of(pixelbin(&emu).args(["predictions", "list"]));
    assert_eq!(text.lines().count(), models.len());
    assert!(text.lines().any(|l| l.starts_with("erase_bg ")), "{text}");
}

#[test]
fn schema_prints_the_inputs() {
    let emu = emulator();
    let schema = json_of(pixelbin(&emu).args(["predictions", "schema", "erase_bg", "--json"]));
    assert_eq!(schema["name"], "erase_bg");
    assert_eq!(schema["input"]["type"], "object");
    assert_eq!(schema["input"]["required"], serde_json::json!(["image"]));
    assert!(schema["input"]["properties"]["shadow"].is_object());
    let text = stdout_of(pixelbin(&emu).args(["predictions", "schema", "erase_bg"]));
    assert!(text.starts_with("erase_bg (Erase Background)\n"), "{text}");
    assert!(text.contains("image"), "{text}");
    assert!(text.contains("file (@path) or URL, required"), "{text}");
    assert!(
        text.contains("one of general|ecommerce|car|human"),
        "{text}"
    );
}

#[test]
fn unknown_jobs_and_models_are_api_errors_with_code_and_info() {
    let emu = emulator();
    let missing = "erase--bg--01a2283f-d262-76c5-985b-082767baebaf";
    let out = pixelbin(&emu)
        .args(["predictions", "get", missing])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("404"), "{stderr}");
    assert!(stderr.contains("[PB-EMU-0404]"), "{stderr}");
    assert!(stderr.contains("(more: https://"), "{stderr}");
    pixelbin(&emu)
        .args(["predictions", "schema", "nope_model"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("404"));
}
