//! Batches against the in-process emulator on 127.0.0.1 with its per-token limits.
//!
//! Real time with a short `prediction_delay`: each job finishes by its first poll (1 s after
//! its create), so a batch of 12 under 4 running jobs takes a few seconds.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use pixelbin_emulator::{Emulator, EmulatorOptions, Fault};
use pixelbin_http::{PixelbinConfig, RetryPolicy, Transport};
use pixelbin_predictions::{
    BatchItem, BatchOptions, Error, PredictionInput, PredictionStatus, Predictions,
};

const PLAYGROUND: &str =
    "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg";

fn client(url: &str, timeout: Duration) -> Predictions {
    let config = PixelbinConfig::builder()
        .api_secret("test-secret")
        .domain(url)
        .trust_env(false)
        .timeout(timeout)
        .retry(RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(100),
            retry_deadline: Duration::from_secs(5),
            ..RetryPolicy::default()
        })
        .build()
        .expect("valid test config");
    Predictions::new(Transport::new(config).expect("transport"))
}

/// An emulator whose jobs finish after `options.prediction_delay` (100 ms unless set).
async fn emulator(options: EmulatorOptions) -> Emulator {
    let default_delay = EmulatorOptions::default().prediction_delay;
    Emulator::start(EmulatorOptions {
        prediction_delay: if options.prediction_delay == default_delay {
            Duration::from_millis(100)
        } else {
            options.prediction_delay
        },
        ..options
    })
    .await
    .expect("emulator starts")
}

fn items(n: usize) -> Vec<BatchItem<usize>> {
    (0..n)
        .map(|i| {
            BatchItem::create(
                i,
                "erase_bg",
                PredictionInput::new().url("image", PLAYGROUND),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_rate_limited_batch_completes_with_each_job_created_once() {
    let emu = emulator(EmulatorOptions {
        rate_limit: Some(20),
        max_running_jobs: Some(4),
        // Long enough for the window to outgrow the limit while the first jobs still run.
        prediction_delay: Duration::from_millis(700),
        ..EmulatorOptions::default()
    })
    .await;
    let predictions = client(&emu.url(), Duration::from_secs(10));
    let created = Arc::new(Mutex::new(HashMap::new()));
    let hook = created.clone();
    let results: Vec<_> = predictions
        .batch_with(items(12), BatchOptions::new(), move |key, job| {
            hook.lock().unwrap().insert(*key, job.id.clone());
        })
        .collect()
        .await;

    assert_eq!(results.len(), 12);
    let keys: HashSet<usize> = results.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys.len(), 12);
    let created = created.lock().unwrap();
    for (key, result) in &results {
        let job = result.as_ref().expect("every job ends");
        assert_eq!(job.status, PredictionStatus::Success);
        assert_eq!(created.get(key), Some(&job.id), "the hook saw the id first");
    }
    assert_eq!(emu.predictions_created(), 12);
    assert!(
        emu.request_count("predictions.create") > 12,
        "the adaptive window should have met the 4-running-jobs limit"
    );
}

#[tokio::test]
async fn known_ids_are_waited_for_not_created_again() {
    let emu = emulator(EmulatorOptions::default()).await;
    let predictions = client(&emu.url(), Duration::from_secs(10));
    let mut known = Vec::new();
    for i in 0..2 {
        let job = predictions
            .create(
                "erase_bg",
                PredictionInput::new().url("image", PLAYGROUND),
                None,
            )
            .await
            .unwrap();
        known.push(BatchItem::existing(i, job.id));
    }
    let mut all = known;
    all.extend(items(3).into_iter().map(|item| {
        let key = *item.key() + 10;
        BatchItem::create(
            key,
            "erase_bg",
            PredictionInput::new().url("image", PLAYGROUND),
        )
    }));
    let results: Vec<_> = predictions.batch(all, BatchOptions::new()).collect().await;
    assert_eq!(results.len(), 5);
    assert!(
        results
            .iter()
            .all(|(_, r)| r.as_ref().unwrap().status == PredictionStatus::Success)
    );
    assert_eq!(emu.predictions_created(), 5, "2 before the batch, 3 by it");
}

#[tokio::test]
async fn a_create_that_timed_out_is_reported_not_repeated() {
    let emu = emulator(EmulatorOptions {
        faults: vec![Fault::delaying(Duration::from_millis(800)).on_routes(["predictions.create"])],
        ..EmulatorOptions::default()
    })
    .await;
    let predictions = client(&emu.url(), Duration::from_millis(200));
    let results: Vec<_> = predictions
        .batch(items(2), BatchOptions::new())
        .collect()
        .await;
    assert_eq!(results.len(), 2);
    for (_, result) in &results {
        let error = result.as_ref().unwrap_err();
        assert!(matches!(error, Error::CreateUncertain { .. }), "{error:?}");
        assert!(error.to_string().contains("timed out"), "{error}");
    }
    assert_eq!(
        emu.request_count("predictions.create"),
        2,
        "no create sent twice"
    );
}

#[tokio::test]
async fn a_create_answered_5xx_is_reported_not_repeated() {
    let emu = emulator(EmulatorOptions::default()).await;
    emu.fail_next("predictions.create", 1, 503);
    let predictions = client(&emu.url(), Duration::from_secs(10));
    let results: Vec<_> = predictions
        .batch(items(1), BatchOptions::new())
        .collect()
        .await;
    let error = results[0].1.as_ref().unwrap_err();
    assert!(matches!(error, Error::CreateUncertain { .. }), "{error:?}");
    assert_eq!(emu.request_count("predictions.create"), 1);
}

#[tokio::test]
async fn dropping_the_stream_stops_new_work() {
    let emu = emulator(EmulatorOptions::default()).await;
    let predictions = client(&emu.url(), Duration::from_secs(10));
    let mut stream = predictions.batch(items(20), BatchOptions::new().concurrency(2));
    let first = stream.next().await.expect("one result");
    assert!(first.1.is_ok());
    drop(stream);
    let created = emu.predictions_created();
    assert!(created <= 4, "{created}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        emu.predictions_created(),
        created,
        "nothing created after the drop"
    );
}

#[test]
fn the_stream_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _guard = runtime.enter();
    let predictions = client("http://127.0.0.1:9", Duration::from_secs(1));
    let stream = predictions.batch(items(0), BatchOptions::new());
    assert_send(&stream);
}
