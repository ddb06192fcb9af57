//! The facade against the emulator's test-double features: signed webhooks, credits and the
//! usage-limit error, billing usage, and schema limits checked before and after sending.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use bytes::Bytes;
use common::*;
use pixelbin::{PixelbinClient, PredictionInput, PredictionStatus, WaitOptions, WebhookEvent};
use pixelbin_emulator::{Emulator, EmulatorOptions};

const WEBHOOK_SECRET: &str = "facade-webhook-secret";

async fn start_with(options: EmulatorOptions) -> (Emulator, PixelbinClient) {
    let emulator = Emulator::start(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        prediction_delay: Duration::from_millis(20),
        ..options
    })
    .await
    .unwrap();
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    (emulator, client)
}

fn quick_wait() -> WaitOptions {
    WaitOptions::new().retry_interval(Duration::from_secs(1))
}

#[tokio::test]
async fn a_webhook_reaches_a_local_receiver_signed_with_the_final_job() {
    let (emulator, client) = start_with(EmulatorOptions {
        webhook_secret: Some(WEBHOOK_SECRET.into()),
        webhook_backoff: Duration::from_millis(10),
        ..EmulatorOptions::default()
    })
    .await;
    let deliveries: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post({
            let deliveries = deliveries.clone();
            move |headers: HeaderMap, body: Bytes| async move {
                deliveries.lock().unwrap().push((headers, body));
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let input = PredictionInput::new().url("image", PLAYGROUND_IMAGE);
    let job = client
        .predictions()
        .create("erase_bg", input, Some(&hook))
        .await
        .unwrap();
    let done = client
        .predictions()
        .wait(&job.id, quick_wait())
        .await
        .unwrap();
    assert_eq!(done.status, PredictionStatus::Success);
    for _ in 0..300 {
        if !deliveries.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (headers, body) = deliveries
        .lock()
        .unwrap()
        .first()
        .cloned()
        .expect("a delivery");
    let signature = headers
        .get(pixelbin::predictions::WEBHOOK_SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    let event = WebhookEvent::verify(&body, signature, WEBHOOK_SECRET).unwrap();
    let delivered = event.prediction.expect("the job");
    assert_eq!(delivered.id, job.id);
    assert_eq!(delivered.status, PredictionStatus::Success);
    assert_eq!(delivered.output_urls(), done.output_urls());
    assert!(WebhookEvent::verify(&body, signature, "wrong-secret").is_err());
    // The attempt is recorded once the receiver's answer is back, possibly just after the
    // receiver saw the body: wait for the record (generously), then count.
    for _ in 0..1500 {
        if !emulator.webhook_attempts().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(emulator.webhook_attempts().len(), 1);
}

#[tokio::test]
async fn the_usage_limit_error_appears_exactly_when_credits_run_out() {
    let (emulator, client) = start_with(EmulatorOptions {
        credits: Some(2),
        ..EmulatorOptions::default()
    })
    .await;
    let input = || PredictionInput::new().url("image", PLAYGROUND_IMAGE);
    let before = client.billing().get_usage().await.unwrap();
    assert_eq!(before.credits.total, Some(2.0));
    assert_eq!(before.credits.used, Some(0.0));
    for _ in 0..2 {
        let done = client
            .predictions()
            .create_and_wait("erase_bg", input(), None, quick_wait())
            .await
            .unwrap();
        assert_eq!(done.consumed_credits, Some(1.0));
    }
    let err = client
        .predictions()
        .create("erase_bg", input(), None)
        .await
        .unwrap_err();
    assert!(err.is_usage_limit(), "{err}");
    assert_eq!(err.status(), Some(403));
    assert_eq!(
        err.error_code(),
        Some(pixelbin::http::USAGE_LIMIT_ERROR_CODE)
    );
    let err = pixelbin::Error::from(err);
    assert!(err.is_usage_limit());
    assert!(err.to_string().contains("Usage Limit Exceeded"), "{err}");

    let after = client.billing().get_usage().await.unwrap();
    assert_eq!(after.credits.used, Some(2.0));
    assert_eq!(after.credits.remaining(), Some(0.0));
    assert!(after.storage.used.is_some_and(|used| used > 0.0));
    #[allow(deprecated)]
    let subscription = client.billing().get_subscription_usage().await.unwrap();
    assert_eq!(subscription.credits_used, Some(2.0));
    assert_eq!(subscription.total_credits, Some(2.0));
    assert_eq!(emulator.request_count("billing.*"), 3);
}

#[test]
fn blocking_billing_mirrors_the_async_one() {
    let emulator = Emulator::spawn(EmulatorOptions {
        api_secret: Some(SECRET.into()),
        credits: Some(5),
        ..EmulatorOptions::default()
    })
    .unwrap();
    let client = pixelbin::blocking::PixelbinClient::new(config(&emulator)).unwrap();
    let usage = client.billing().get_usage().unwrap();
    assert_eq!(usage.credits.total, Some(5.0));
    assert_eq!(usage.raw["credits"]["used"], 0);
}

#[tokio::test]
async fn an_oversized_input_is_refused_by_create_checked_and_by_the_emulator() {
    let (emulator, client) = start_with(EmulatorOptions::default()).await;
    // A PNG header claiming more pixels than the schema's imageValidation allows.
    let mut huge = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    huge.extend_from_slice(&20_000u32.to_be_bytes());
    huge.extend_from_slice(&10u32.to_be_bytes());
    let oversized = || {
        PredictionInput::new().file_input(
            "image",
            pixelbin::FileInput::bytes(huge.clone()).content_type("image/png"),
        )
    };
    let err = client
        .predictions()
        .create_checked("erase_bg", oversized(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, pixelbin::predictions::Error::InvalidInput { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("imageValidation.maxWidth"),
        "{err}"
    );
    assert_eq!(
        emulator.request_count("predictions.create"),
        0,
        "refused before sending"
    );

    let err = client
        .predictions()
        .create("erase_bg", oversized(), None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert!(
        err.to_string().contains("imageValidation.maxWidth"),
        "{err}"
    );
    assert!(!err.is_usage_limit());
    assert_eq!(emulator.request_count("predictions.create"), 1);
}
