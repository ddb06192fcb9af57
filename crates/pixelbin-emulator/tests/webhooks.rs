//! Webhook delivery: the final job reaches a local receiver, signed; failed attempts are retried
//! with back-off and every attempt is listed at `GET /_emulator/webhooks`.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use common::*;
use pixelbin_emulator::{Emulator, EmulatorOptions};
use reqwest::Method;
use serde_json::{Value, json};

const CREATE: &str = "/service/platform/transformation/v1.0/predictions/erase/bg";
const WEBHOOK_SECRET: &str = "whsec-test";

/// What a receiver got, and the statuses it answers with, in order (then 200).
#[derive(Default)]
struct Receiver {
    answers: Mutex<VecDeque<u16>>,
    received: Mutex<Vec<(HeaderMap, Bytes)>>,
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    receiver.received.lock().unwrap().push((headers, body));
    let status = receiver.answers.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

/// Serves a receiver answering `answers` first; returns it and its URL.
async fn receiver(answers: &[u16]) -> (Arc<Receiver>, String) {
    let receiver = Arc::new(Receiver {
        answers: Mutex::new(answers.iter().copied().collect()),
        ..Receiver::default()
    });
    let app = axum::Router::new()
        .route("/hooks/pixelbin", axum::routing::post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/pixelbin", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (receiver, url)
}

async fn emulator_with_webhooks() -> Emulator {
    Emulator::start(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        prediction_delay: Duration::from_millis(30),
        webhook_secret: Some(WEBHOOK_SECRET.into()),
        webhook_backoff: Duration::from_millis(20),
        webhook_timeout: Duration::from_secs(5),
        ..EmulatorOptions::default()
    })
    .await
    .unwrap()
}

async fn create_with_webhook(emu: &Emulator, webhook: &str) -> Value {
    let playground = format!(
        "{}/v2/{}/original/__playground/playground-default.jpeg",
        emu.url(),
        pixelbin_emulator::CLOUD_NAME
    );
    let (status, job) = send(
        authed(Method::POST, format!("{}{CREATE}", emu.url()))
            .json(&json!({"input.image": playground, "webhook": webhook})),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    job
}

/// Waits until `n` attempts are logged (generous bound; the test fails if they never are).
async fn attempts(emu: &Emulator, n: usize) -> Value {
    for _ in 0..500 {
        if emu.webhook_attempts().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (status, body) = send(client().get(format!("{}/_emulator/webhooks", emu.url()))).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().map(Vec::len), Some(n), "{body}");
    body
}

#[tokio::test]
async fn the_final_job_reaches_the_receiver_signed() {
    let emu = emulator_with_webhooks().await;
    let (receiver, url) = receiver(&[]).await;
    let job = create_with_webhook(&emu, &url).await;
    let log = attempts(&emu, 1).await;
    assert_eq!(log[0]["url"], url);
    assert_eq!(log[0]["attempt"], 1);
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[0]["job_id"], job["_id"]);
    assert!(log[0]["time"].as_str().unwrap().ends_with('Z'));

    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let (headers, body) = &received[0];
    let signature = headers["x-erbg-signature"].to_str().unwrap();
    pixelbin_url::verify_webhook_signature(body, signature, WEBHOOK_SECRET).unwrap();
    assert!(pixelbin_url::verify_webhook_signature(body, signature, "other").is_err());
    assert_eq!(headers["content-type"], "application/json");
    let delivered: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(delivered["_id"], job["_id"]);
    assert_eq!(delivered["status"], "SUCCESS", "{delivered}");
    // Exactly what a GET of the job answers now.
    let (_, fetched) = send(authed(
        Method::GET,
        format!(
            "{}/service/platform/transformation/v1.0/predictions/{}",
            emu.url(),
            job["_id"].as_str().unwrap()
        ),
    ))
    .await;
    assert_eq!(delivered, fetched);
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_three_attempts() {
    let emu = emulator_with_webhooks().await;
    let (receiver, url) = receiver(&[500, 500]).await;
    create_with_webhook(&emu, &url).await;
    let log = attempts(&emu, 3).await;
    let statuses: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status"])
        .collect();
    assert_eq!(statuses, [&json!(500), &json!(500), &json!(200)]);
    let numbers: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["attempt"])
        .collect();
    assert_eq!(numbers, [&json!(1), &json!(2), &json!(3)]);
    // No fourth attempt after the success.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(emu.webhook_attempts().len(), 3);
    // Every attempt carried the same signed body.
    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    assert!(received.iter().all(|(_, body)| body == &received[0].1));
}

#[tokio::test]
async fn an_unreachable_receiver_gets_four_attempts_then_none() {
    let emu = emulator_with_webhooks().await;
    // A port nothing listens on: bind one, then free it.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/hook");
    create_with_webhook(&emu, &url).await;
    let log = attempts(&emu, 4).await;
    for (i, attempt) in log.as_array().unwrap().iter().enumerate() {
        assert_eq!(attempt["attempt"], i + 1);
        assert_eq!(attempt["status"], Value::Null);
        assert!(attempt["error"].is_string(), "{attempt}");
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(emu.webhook_attempts().len(), 4);
    // Reset forgets them.
    let reset = client()
        .post(format!("{}/_emulator/reset", emu.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    assert!(emu.webhook_attempts().is_empty());
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let emu = emulator_with_webhooks().await;
    let (elsewhere, elsewhere_url) = receiver(&[]).await;
    let app = axum::Router::new().route(
        "/moved",
        axum::routing::post(move || {
            let target = elsewhere_url.clone();
            async move { axum::response::Redirect::permanent(&target) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/moved", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    create_with_webhook(&emu, &url).await;
    let log = attempts(&emu, 4).await;
    assert_eq!(log[0]["status"], 308);
    assert!(elsewhere.received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_webhook_must_be_an_http_url() {
    let emu = emulator_with_webhooks().await;
    for bad in ["not a url", "ftp://example.com/hook", "/relative"] {
        let (status, body) = send(
            authed(Method::POST, format!("{}{CREATE}", emu.url()))
                .json(&json!({"input.image": "https://example.com/a.jpg", "webhook": bad})),
        )
        .await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(error_message(400, &body).contains("webhook"), "{body}");
    }
}

#[tokio::test]
async fn other_hosts_are_not_called_by_default() {
    let emu = emulator_with_webhooks().await;
    create_with_webhook(&emu, "https://example.com/webhook").await;
    let log = attempts(&emu, 1).await;
    assert_eq!(log[0]["status"], Value::Null);
    assert!(
        log[0]["error"]
            .as_str()
            .unwrap()
            .contains("only to loopback"),
        "{log}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(emu.webhook_attempts().len(), 1);
}

/// An emulator keeping its store in `dir`, its jobs taking `prediction_delay`.
async fn kept_emulator(dir: &std::path::Path, prediction_delay: Duration) -> Emulator {
    Emulator::start(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        prediction_delay,
        data_dir: Some(dir.to_path_buf()),
        ..EmulatorOptions::default()
    })
    .await
    .unwrap()
}

/// The `_id`s of the jobs a receiver was sent, in order.
fn received_ids(receiver: &Receiver) -> Vec<String> {
    let received = receiver.received.lock().unwrap();
    received
        .iter()
        .map(|(_, body)| {
            let job: Value = serde_json::from_slice(body).unwrap();
            job["_id"].as_str().unwrap().to_string()
        })
        .collect()
}

#[tokio::test]
async fn attempts_and_cut_deliveries_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (receiver, url) = receiver(&[]).await;

    // Delivered before the stop: its attempt is listed after the restart, and not sent again.
    let delivered = {
        let emu = kept_emulator(dir.path(), Duration::from_millis(10)).await;
        let job = create_with_webhook(&emu, &url).await;
        attempts(&emu, 1).await;
        job["_id"].as_str().unwrap().to_string()
    };
    let emu = kept_emulator(dir.path(), Duration::from_millis(10)).await;
    let listed = attempts(&emu, 1).await;
    assert_eq!(listed[0]["job_id"], delivered.as_str(), "{listed}");
    assert_eq!(listed[0]["status"], 200, "{listed}");
    drop(emu);

    // Stopped before the job finished: its webhook URL is kept with the job, and the next
    // start delivers it.
    let cut = {
        let emu = kept_emulator(dir.path(), Duration::from_secs(60)).await;
        let job = create_with_webhook(&emu, &url).await;
        job["_id"].as_str().unwrap().to_string()
    };
    assert_eq!(received_ids(&receiver), vec![delivered.clone()]);
    let emu = kept_emulator(dir.path(), Duration::from_millis(10)).await;
    let listed = attempts(&emu, 2).await;
    assert_eq!(listed[1]["job_id"], cut.as_str(), "{listed}");
    assert_eq!(listed[1]["status"], 200, "{listed}");
    assert_eq!(received_ids(&receiver), vec![delivered, cut]);
}
