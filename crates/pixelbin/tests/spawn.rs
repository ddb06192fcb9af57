//! Every long-running call can be handed to `tokio::spawn`, which needs `Send + 'static`
//! futures: this file fails to compile when one of them stops being `Send`.
//!
//! The spawned calls run against a port nobody listens on and are aborted; what is checked
//! is that they could be spawned at all, as a backend (an axum handler, a worker task) does.

use std::time::Duration;

use futures::StreamExt;
use pixelbin::platform::{GetPresetsParams, UploadFile, UploadParams};
use pixelbin::{
    ListFilesParams, PixelbinClient, PixelbinConfig, Prediction, PredictionInput, UploadOptions,
    UploadRequest, UploadSource, WaitOptions,
};

fn unreachable_client() -> PixelbinClient {
    let config = PixelbinConfig::builder()
        .api_secret("test-secret-token")
        .domain("http://127.0.0.1:9")
        .build()
        .expect("config");
    PixelbinClient::new(config).expect("client")
}

/// Spawns `future` (the compile-time check) and aborts it: the calls are not meant to finish.
fn spawn<F>(tasks: &mut Vec<tokio::task::JoinHandle<()>>, future: F)
where
    F: Future + Send + 'static,
{
    tasks.push(tokio::spawn(async move {
        let _ = future.await;
    }));
}

#[tokio::test]
async fn long_running_calls_can_be_spawned() {
    let client = unreachable_client();
    let mut tasks = Vec::new();

    let c = client.clone();
    spawn(&mut tasks, async move {
        c.predictions()
            .wait("a--b--1", WaitOptions::default())
            .await
    });
    let c = client.clone();
    spawn(&mut tasks, async move {
        let mut seen = Vec::new();
        c.predictions()
            .wait_with("a--b--1", WaitOptions::default(), |p: &Prediction| {
                seen.push(p.status.clone())
            })
            .await
    });
    let c = client.clone();
    spawn(&mut tasks, async move {
        c.predictions()
            .create_and_wait(
                "erase_bg",
                PredictionInput::new().file("image", vec![1u8, 2, 3]),
                None,
                WaitOptions::default(),
            )
            .await
    });
    let c = client.clone();
    spawn(&mut tasks, async move {
        let mut polls = 0;
        c.predictions()
            .create_and_wait_with(
                "erase_bg",
                PredictionInput::new().url("image", "https://example.com/a.jpg"),
                Some("https://example.com/hook"),
                WaitOptions::default(),
                |_: &Prediction| polls += 1,
            )
            .await
    });
    let c = client.clone();
    spawn(&mut tasks, async move {
        let job = c.predictions().get("a--b--1").await?;
        c.predictions().download_outputs(&job, "out").await
    });
    let c = client.clone();
    spawn(&mut tasks, async move {
        let result = c
            .uploader()
            .upload(
                UploadSource::from(vec![0u8; 16]),
                UploadRequest::new().name("x"),
                UploadOptions::default(),
            )
            .await;
        match result {
            Ok(file) => Ok(file),
            Err(err) => match err.into_resume_state() {
                Some(state) => {
                    c.uploader()
                        .resume(
                            UploadSource::from(vec![0u8; 16]),
                            state,
                            UploadOptions::default(),
                        )
                        .await
                }
                None => Err(pixelbin::upload::UploadError::EmptySource),
            },
        }
    });
    let c = client.clone();
    spawn(&mut tasks, async move {
        let mut files = c.assets().list_files_stream(ListFilesParams::new());
        while let Some(item) = files.next().await {
            item?;
        }
        Ok::<_, pixelbin::http::Error>(())
    });
    let c = client.clone();
    spawn(&mut tasks, async move {
        let mut presets = c.assets().get_presets_stream(GetPresetsParams::new());
        while let Some(item) = presets.next().await {
            item?;
        }
        Ok::<_, pixelbin::http::Error>(())
    });
    let c = client.clone();
    spawn(&mut tasks, async move {
        c.assets()
            .file_upload(UploadFile::new(vec![1u8], "a.jpg"), UploadParams::new())
            .await
    });

    for task in &tasks {
        task.abort();
    }
    for task in tasks {
        // Aborted, or finished with the refused connection: either way the task ended.
        let _ = tokio::time::timeout(Duration::from_secs(30), task)
            .await
            .expect("an aborted task ends");
    }
}
