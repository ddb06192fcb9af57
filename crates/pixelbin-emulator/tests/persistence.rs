//! The store: with `data_dir` (`--data-dir`) files, folders, presets, credentials and jobs
//! survive a restart; a name is never held by two files; leftovers of a kill are cleaned at
//! start; a damaged database is an error naming the file.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use pixelbin_emulator::{Emulator, EmulatorOptions};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const ASSETS: &str = "/service/platform/assets/v1.0";
const PREDICTIONS: &str = "/service/platform/transformation/v1.0/predictions";

async fn start(dir: &Path) -> Emulator {
    Emulator::start(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        prediction_delay: Duration::from_millis(10),
        data_dir: Some(dir.to_path_buf()),
        ..EmulatorOptions::default()
    })
    .await
    .unwrap()
}

async fn call(emu: &Emulator, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = authed(method, format!("{}{path}", emu.url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    send(request).await
}

async fn fetch(url: &str) -> Vec<u8> {
    let response = client().get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn a_restarted_emulator_keeps_what_was_stored() {
    let dir = tempfile::tempdir().unwrap();
    let photo = png(24, 16);
    let (file, job_id, output) = {
        let emu = start(dir.path()).await;
        let (status, _) = call(
            &emu,
            Method::POST,
            &format!("{ASSETS}/folders"),
            Some(json!({"name": "kept"})),
        )
        .await;
        assert_eq!(status, 200);
        let form = Form::new()
            .part("file", Part::bytes(photo.clone()).file_name("cat.png"))
            .text("path", "kept")
            .text("name", "cat");
        let (status, file) = send(
            authed(Method::POST, format!("{}{ASSETS}/upload/direct", emu.url())).multipart(form),
        )
        .await;
        assert_eq!(status, 200, "{file}");
        let (status, _) = call(
            &emu,
            Method::POST,
            &format!("{ASSETS}/presets"),
            Some(json!({"presetName": "thumb", "transformation": "t.resize(w:100)"})),
        )
        .await;
        assert_eq!(status, 200);
        let (status, job) = call(
            &emu,
            Method::POST,
            &format!("{PREDICTIONS}/erase/bg"),
            Some(json!({"input.image": file["url"]})),
        )
        .await;
        assert_eq!(status, 200, "{job}");
        let id = job["_id"].as_str().unwrap().to_string();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (_, done) = call(&emu, Method::GET, &format!("{PREDICTIONS}/{id}"), None).await;
        assert_eq!(done["status"], "SUCCESS", "{done}");
        let output = fetch(done["output"][0].as_str().unwrap()).await;
        (file, id, output)
        // Dropping the emulator stops it; the data directory stays.
    };
    assert!(dir.path().join("store.sqlite3").is_file());

    let emu = start(dir.path()).await;
    let (status, again) = call(
        &emu,
        Method::GET,
        &format!("{ASSETS}/files/kept/cat.png"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["_id"], file["_id"]);
    assert_eq!(fetch(again["url"].as_str().unwrap()).await, photo);
    let (status, folders) = call(
        &emu,
        Method::GET,
        &format!("{ASSETS}/folders?name=kept"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        folders
            .as_array()
            .is_some_and(|items| items.iter().any(|f| f["type"] == "folder")),
        "{folders}"
    );
    let (status, preset) = call(&emu, Method::GET, &format!("{ASSETS}/presets/thumb"), None).await;
    assert_eq!(status, 200, "{preset}");
    assert_eq!(preset["transformation"], "t.resize(w:100)");
    let (status, job) = call(&emu, Method::GET, &format!("{PREDICTIONS}/{job_id}"), None).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "SUCCESS");
    // Its output URL names the new address and still serves the same bytes.
    let url = job["output"][0].as_str().unwrap();
    assert!(url.starts_with(&emu.url()), "{url}");
    assert_eq!(fetch(url).await, output);
    // A clash with a kept file is still a clash.
    let form = Form::new()
        .part("file", Part::bytes(photo).file_name("cat.png"))
        .text("path", "kept")
        .text("name", "cat");
    let (status, _) =
        send(authed(Method::POST, format!("{}{ASSETS}/upload/direct", emu.url())).multipart(form))
            .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn a_damaged_database_is_an_error_naming_the_file_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("store.sqlite3"), b"{ not a database").unwrap();
    let error = Emulator::start(EmulatorOptions {
        data_dir: Some(dir.path().to_path_buf()),
        ..EmulatorOptions::default()
    })
    .await
    .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("store.sqlite3"), "{message}");
    assert!(message.contains("move it away"), "{message}");
    assert!(!message.contains("--port"), "not a port problem: {message}");
    assert_eq!(
        pixelbin_emulator::cli::start_error(0, &error),
        format!("could not start the emulator: {message}")
    );
}

fn upload_form(bytes: Vec<u8>, name: &str, overwrite: bool) -> Form {
    Form::new()
        .part("file", Part::bytes(bytes).file_name(format!("{name}.png")))
        .text("name", name.to_string())
        .text("overwrite", overwrite.to_string())
}

async fn upload(emu: &Emulator, form: Form) -> (u16, Value) {
    send(authed(Method::POST, format!("{}{ASSETS}/upload/direct", emu.url())).multipart(form)).await
}

#[tokio::test]
async fn concurrent_uploads_of_one_name_never_make_two_files() {
    let dir = tempfile::tempdir().unwrap();
    let emu = start(dir.path()).await;
    // Without overwrite: one wins, the others get the service's 409.
    let answers = futures::future::join_all(
        (0..8u32).map(|i| upload(&emu, upload_form(png(8 + i, 8), "same", false))),
    )
    .await;
    let won = answers.iter().filter(|(status, _)| *status == 200).count();
    let refused = answers.iter().filter(|(status, _)| *status == 409).count();
    assert_eq!((won, refused), (1, 7), "{answers:?}");
    // With overwrite: every upload succeeds and one file holds the name.
    let answers = futures::future::join_all(
        (0..8u32).map(|i| upload(&emu, upload_form(png(8 + i, 8), "over", true))),
    )
    .await;
    assert!(
        answers.iter().all(|(status, _)| *status == 200),
        "{answers:?}"
    );
    let (status, listed) = call(
        &emu,
        Method::GET,
        &format!("{ASSETS}/listFiles?name=over"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    let named: Vec<&Value> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["fileId"] == "over.png")
        .collect();
    assert_eq!(named.len(), 1, "{listed}");
    // The kept store agrees after a restart.
    drop(emu);
    let emu = start(dir.path()).await;
    let (status, listed) = call(
        &emu,
        Method::GET,
        &format!("{ASSETS}/listFiles?name=same"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
}

#[tokio::test]
async fn a_deleted_file_is_gone_now_and_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let emu = start(dir.path()).await;
    let (status, file) = upload(&emu, upload_form(png(8, 8), "doomed", false)).await;
    assert_eq!(status, 200, "{file}");
    let (status, _) = call(
        &emu,
        Method::DELETE,
        &format!("{ASSETS}/files/doomed.png"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = call(
        &emu,
        Method::GET,
        &format!("{ASSETS}/files/doomed.png"),
        None,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    drop(emu);
    let emu = start(dir.path()).await;
    let (status, body) = call(
        &emu,
        Method::GET,
        &format!("{ASSETS}/files/doomed.png"),
        None,
    )
    .await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn leftovers_of_a_kill_are_cleaned_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let kept_blob = {
        let emu = start(dir.path()).await;
        let (status, file) = upload(&emu, upload_form(png(8, 8), "kept", false)).await;
        assert_eq!(status, 200, "{file}");
        emu.file_count()
    };
    // What a kill leaves: a temporary of an atomic write, a half-received upload, the folder of
    // an upload in progress.
    let path = |p: &str| dir.path().join(p);
    std::fs::write(path(".tmpK1ll3d"), b"partial").unwrap();
    std::fs::write(path("blobs/0198f54a-half-received"), b"partial").unwrap();
    std::fs::create_dir_all(path("uploads/0198f54a-in-progress")).unwrap();
    std::fs::write(path("uploads/0198f54a-in-progress/part-1"), b"partial").unwrap();
    let emu = start(dir.path()).await;
    assert!(!path(".tmpK1ll3d").exists());
    assert!(!path("blobs/0198f54a-half-received").exists());
    assert!(!path("uploads/0198f54a-in-progress").exists());
    // What the store names stays.
    assert_eq!(emu.file_count(), kept_blob);
    let (status, file) = call(&emu, Method::GET, &format!("{ASSETS}/files/kept.png"), None).await;
    assert_eq!(status, 200, "{file}");
    assert_eq!(fetch(file["url"].as_str().unwrap()).await, png(8, 8));
}
