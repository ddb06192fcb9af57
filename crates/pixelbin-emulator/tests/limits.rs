//! Per-token limits (`rate_limit`, `max_running_jobs`) and the admin API under `/_emulator/`.

mod common;

use std::time::Duration;

use common::*;
use pixelbin_emulator::{Emulator, EmulatorOptions};
use reqwest::Method;
use serde_json::json;

const CREATE: &str = "/service/platform/transformation/v1.0/predictions/erase/bg";
const PLAYGROUND: &str =
    "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg";

async fn start(options: EmulatorOptions) -> Emulator {
    Emulator::start(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        ..options
    })
    .await
    .expect("emulator starts")
}

fn create(emu: &Emulator) -> reqwest::RequestBuilder {
    authed(Method::POST, format!("{}{CREATE}", emu.url())).json(&json!({"input.image": PLAYGROUND}))
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_and_the_error_body() {
    let emu = start(EmulatorOptions {
        rate_limit: Some(3),
        ..EmulatorOptions::default()
    })
    .await;
    let list = format!("{}/service/platform/assets/v1.0/listFiles", emu.url());
    for _ in 0..3 {
        let (status, body) = send(authed(Method::GET, list.clone())).await;
        assert_eq!(status, 200, "{body}");
    }
    let response = authed(Method::GET, list.clone()).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=1).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(error_message(429, &body).contains("at most 3 requests per second"));
    // Public routes are not limited; refused requests are still counted.
    let (status, _) = send(client().get(format!(
        "{}/service/public/transformation/v1.0/predictions",
        emu.url()
    )))
    .await;
    assert_eq!(status, 200);
    assert_eq!(emu.request_count("files.list"), 4);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _) = send(authed(Method::GET, list)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn creates_are_refused_while_max_running_jobs_run() {
    let emu = start(EmulatorOptions {
        max_running_jobs: Some(2),
        // Long enough that a loaded machine (a debug-build create takes ~350 ms there) still
        // sends the third create while both jobs run.
        prediction_delay: Duration::from_millis(2500),
        ..EmulatorOptions::default()
    })
    .await;
    for _ in 0..2 {
        let (status, body) = send(create(&emu)).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = send(create(&emu)).await;
    assert_eq!(status, 429);
    assert!(error_message(429, &body).contains("Too many running predictions"));
    assert_eq!(emu.predictions_created(), 2);
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let (status, body) = send(create(&emu)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(emu.predictions_created(), 3);
}

#[tokio::test]
async fn admin_stats_and_reset() {
    let emu = start(EmulatorOptions {
        prediction_delay: Duration::from_millis(10),
        rate_limit: Some(1000),
        ..EmulatorOptions::default()
    })
    .await;
    let (status, _) = send(create(&emu)).await;
    assert_eq!(status, 200);
    let (status, _) = send(authed(
        Method::GET,
        format!("{}/service/platform/assets/v1.0/listFiles", emu.url()),
    ))
    .await;
    assert_eq!(status, 200);

    // No Authorization needed; admin calls are not counted themselves.
    let stats_url = format!("{}/_emulator/stats", emu.url());
    let (status, stats) = send(client().get(&stats_url)).await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["requests"]["predictions.create"], 1, "{stats}");
    assert_eq!(stats["requests"]["files.list"], 1, "{stats}");
    assert_eq!(stats["requests"]["upload.part"], 0, "{stats}");
    assert!(stats["requests"].get("unmatched").is_some(), "{stats}");
    assert_eq!(stats["predictions_created"], 1, "{stats}");
    assert_eq!(stats["files"], emu.file_count(), "{stats}");
    assert_eq!(stats, emu.stats());

    let response = client()
        .post(format!("{}/_emulator/reset", emu.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let (_, stats) = send(client().get(&stats_url)).await;
    assert_eq!(stats["requests"]["predictions.create"], 0, "{stats}");
    assert_eq!(stats["predictions_created"], 0, "{stats}");
    assert_eq!(stats["files"], emu.file_count(), "{stats}");
    assert_eq!(emu.request_count("*"), 0);
}
