//! `data_dir` (`--data-dir`): files, folders, presets, credentials and jobs survive a restart.

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
    assert!(dir.path().join("store.json").is_file());

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
async fn an_unreadable_store_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("store.json"), b"{ not json").unwrap();
    let error = Emulator::start(EmulatorOptions {
        data_dir: Some(dir.path().to_path_buf()),
        ..EmulatorOptions::default()
    })
    .await
    .unwrap_err();
    assert!(error.to_string().contains("store.json"), "{error}");
}
