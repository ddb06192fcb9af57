//! Every method of the async facade, `pixelbin::PixelbinClient`, against the in-process
//! emulator.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{PLAYGROUND_IMAGE, PNG, config, config_with_secret, payload, sha256, start};
use futures::TryStreamExt;
use pixelbin::platform::{
    Access, FolderDetailsParams, GetPresetsParams, SignedUrlParams, UpdateFileParams, UploadFile,
    UploadParams,
};
use pixelbin::predictions::InputProblem;
use pixelbin::upload::UploadError;
use pixelbin::{
    ListFilesParams, PixelbinClient, PredictionInput, PredictionStatus, UploadOptions,
    UploadRequest, UploadSource, WaitOptions,
};
use pixelbin_emulator::Fault;
use serde_json::json;

fn erase_bg_input() -> PredictionInput {
    PredictionInput::new()
        .url("image", PLAYGROUND_IMAGE)
        .text("industry_type", "general")
        .text("quality_type", "original")
        .bool("shadow", false)
        .bool("refine", true)
}

/// The client is a cheap, shareable value (`Clone + Send + Sync + 'static`), and its error
/// can cross threads and be boxed.
#[test]
fn client_is_clone_send_sync() {
    fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
    assert_shareable::<PixelbinClient>();
    fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<pixelbin::Error>();
}

#[tokio::test]
async fn clones_share_one_transport_and_work_from_spawned_tasks() {
    let emulator = start(Duration::ZERO).await;
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.predictions().list().await })
        })
        .collect();
    for task in tasks {
        assert!(!task.await.unwrap().unwrap().is_empty());
    }
    assert_eq!(emulator.request_count("predictions.list"), 4);
    assert_eq!(
        client.config().domain().as_str().trim_end_matches('/'),
        emulator.url()
    );
    assert_eq!(
        client.transport().config().domain(),
        client.config().domain()
    );
}

#[tokio::test]
async fn a_client_over_a_hand_built_transport() {
    let emulator = start(Duration::ZERO).await;
    let transport = pixelbin::Transport::builder(config(&emulator))
        .build()
        .unwrap();
    let client = PixelbinClient::with_transport(transport);
    let details = client.organization().get_app_org_details().await.unwrap();
    assert!(details.org.is_some(), "{details:?}");
    assert_eq!(emulator.request_count("org.app_info"), 1);
}

#[tokio::test]
async fn predictions_step_by_step() {
    let emulator = start(Duration::ZERO).await;
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let predictions = client.predictions();

    let models = predictions.list().await.unwrap();
    assert!(models.iter().any(|m| m.name == "erase_bg"), "{models:?}");
    let schema = predictions.get_schema("erase_bg").await.unwrap();
    assert_eq!(schema.name, "erase_bg");
    assert!(
        schema.input["properties"]["image"].is_object(),
        "{schema:?}"
    );

    let job = predictions
        .create(
            "erase_bg",
            erase_bg_input(),
            Some("https://example.com/webhook"),
        )
        .await
        .unwrap();
    assert!(!job.id.is_empty());
    let sent = emulator.recorded("predictions.create").pop().unwrap();
    assert_eq!(
        sent.path,
        "/service/platform/transformation/v1.0/predictions/erase/bg"
    );

    let details = predictions.get(&job.id).await.unwrap();
    assert_eq!(details.id, job.id);

    let result = predictions
        .wait(&job.id, WaitOptions::default())
        .await
        .unwrap();
    assert_eq!(result.status, PredictionStatus::Success, "{result:?}");
    let outputs = result.output_urls();
    assert_eq!(outputs.len(), 1, "{result:?}");

    // The output is served; download it to memory and to a directory.
    let mut bytes = Vec::new();
    let n = predictions
        .download_output(outputs[0], &mut bytes)
        .await
        .unwrap();
    assert!(n > 0 && n == bytes.len() as u64);
    let dir = tempfile::tempdir().unwrap();
    let files = predictions
        .download_outputs(&result, dir.path())
        .await
        .unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(std::fs::read(&files[0]).unwrap(), bytes);
}

#[tokio::test]
async fn predictions_with_a_file_input_and_create_and_wait() {
    let emulator = start(Duration::ZERO).await;
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let predictions = client.predictions();

    let input = PredictionInput::new().file("image", PNG.to_vec());
    let result = predictions
        .create_and_wait("erase_bg", input, None, WaitOptions::default())
        .await
        .unwrap();
    assert_eq!(result.status, PredictionStatus::Success, "{result:?}");
    let sent = emulator.recorded("predictions.create").pop().unwrap();
    assert!(
        sent.content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with("multipart/form-data")),
        "{sent:?}"
    );

    let mut seen = Vec::new();
    let result = predictions
        .create_and_wait_with(
            "erase_bg",
            erase_bg_input(),
            None,
            WaitOptions::default(),
            |p| seen.push(p.status.clone()),
        )
        .await
        .unwrap();
    assert_eq!(result.status, PredictionStatus::Success);
    assert_eq!(seen, [PredictionStatus::Success]);

    let checked = predictions
        .create_checked("erase_bg", erase_bg_input(), None)
        .await
        .unwrap();
    assert_eq!(emulator.request_count("predictions.schema"), 1);
    let mut polls = 0;
    let done = predictions
        .wait_with(&checked.id, WaitOptions::default(), |_| polls += 1)
        .await
        .unwrap();
    assert_eq!((done.status, polls), (PredictionStatus::Success, 1));
}

#[tokio::test]
async fn waiting_polls_until_the_job_finishes() {
    let emulator = start(Duration::from_millis(300)).await;
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let job = client
        .predictions()
        .create("erase_bg", erase_bg_input(), None)
        .await
        .unwrap();
    let mut seen = Vec::new();
    let options = WaitOptions::new().retry_interval(Duration::from_secs(1));
    let done = client
        .predictions()
        .wait_with(&job.id, options, |p| seen.push(p.status.clone()))
        .await
        .unwrap();
    assert_eq!(done.status, PredictionStatus::Success);
    assert_eq!(
        seen,
        [PredictionStatus::Accepted, PredictionStatus::Success]
    );

    // Out of attempts: an error carrying the last state, convertible to pixelbin::Error.
    let job = client
        .predictions()
        .create("erase_bg", erase_bg_input(), None)
        .await
        .unwrap();
    let err: pixelbin::Error = client
        .predictions()
        .wait(&job.id, WaitOptions::new().max_attempts(1))
        .await
        .unwrap_err()
        .into();
    match &err {
        pixelbin::Error::Prediction(e) => {
            let last = e.last_prediction().expect("the last state");
            assert_eq!(last.status, PredictionStatus::Accepted);
        }
        other => panic!("expected a prediction error, got {other:?}"),
    }
}

#[tokio::test]
async fn prediction_errors_come_through_the_facade() {
    let emulator = start(Duration::ZERO).await;
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let predictions = client.predictions();

    // A bad name is refused before any request, with the reference's message.
    let err = predictions
        .create("erasebg", erase_bg_input(), None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "name must be in 'plugin_operation' format, e.g. 'erase_bg'"
    );

    // Schema validation refuses a bad input before the job is submitted.
    let bad = PredictionInput::new().text("industry_type", "general");
    let err = predictions
        .create_checked("erase_bg", bad, None)
        .await
        .unwrap_err();
    match &err {
        pixelbin::predictions::Error::InvalidInput { problems, .. } => {
            assert!(
                problems.iter().any(|p: &InputProblem| p.key == "image"),
                "{problems:?}"
            );
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert_eq!(emulator.request_count("predictions.create"), 0);

    // An image the emulator cannot fetch makes the job fail; into_result turns that into an
    // error.
    let input = PredictionInput::new().url("image", "https://example.com/missing.jpeg");
    let failed = predictions
        .create_and_wait("erase_bg", input, None, WaitOptions::default())
        .await
        .unwrap();
    assert_eq!(failed.status, PredictionStatus::Failure);
    assert!(failed.error.is_some(), "{failed:?}");
    let err = pixelbin::Error::from(failed.into_result().unwrap_err());
    assert!(err.to_string().contains("failed"), "{err}");

    // An unknown job is the API's 404.
    let err = pixelbin::Error::from(
        predictions
            .get("erase--bg--00000000-0000-0000-0000-000000000000")
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status(), Some(404), "{err}");
}

#[tokio::test]
async fn uploader_uploads_bytes_files_and_readers() {
    let emulator = start(Duration::ZERO).await;
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let data = payload(50_000, 7);
    let options = || {
        UploadOptions::default()
            .chunk_size(16 * 1024)
            .concurrency(2)
    };

    let progress = Arc::new(Mutex::new(Vec::new()));
    let record = progress.clone();
    let stored = client
        .uploader()
        .upload(
            UploadSource::from(data.clone()),
            UploadRequest::new()
                .name("from-bytes")
                .path("facade")
                .format("bin")
                .access(pixelbin::upload::Access::PublicRead)
                .tags(["a", "b"])
                .overwrite(true),
            options().on_progress(move |p| record.lock().unwrap().push(p.bytes_acknowledged)),
        )
        .await
        .unwrap();
    assert_eq!(emulator.request_count("upload.part"), 4);
    assert_eq!(stored.tags, ["a", "b"]);
    assert_eq!(progress.lock().unwrap().last().copied(), Some(50_000));
    let url = stored.url.clone().expect("a CDN url");
    let mut served = Vec::new();
    client
        .predictions()
        .download_output(&url, &mut served)
        .await
        .unwrap();
    assert_eq!(sha256(&served), sha256(&data));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("file.bin");
    std::fs::write(&path, &data).unwrap();
    let from_path = client
        .uploader()
        .upload(
            UploadSource::from_path(&path),
            UploadRequest::new().name("from-path").path("facade"),
            options(),
        )
        .await
        .unwrap();
    assert_eq!(from_path.size, Some(50_000));

    let file = tokio::fs::File::open(&path).await.unwrap();
    let from_reader = client
        .uploader()
        .upload(
            UploadSource::from_reader(file, None),
            UploadRequest::new().name("from-reader").path("facade"),
            options(),
        )
        .await
        .unwrap();
    assert_eq!(from_reader.size, Some(50_000));

    // Invalid options are refused before any request, with the reference's message.
    let err = client
        .uploader()
        .upload(
            UploadSource::from(data.clone()),
            UploadRequest::new(),
            UploadOptions::default().chunk_size(0),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid chunkSize: Must be a positive integer."
    );
}

#[tokio::test]
async fn uploader_resumes_a_failed_upload() {
    let emulator = start(Duration::ZERO).await;
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let data = payload(40_000, 3);
    let options = || {
        UploadOptions::default()
            .chunk_size(10_000)
            .concurrency(1)
            .max_retries(0)
    };

    // Every part is refused: the upload fails with what is needed to resume it.
    emulator.set_faults(vec![Fault::failing(400, 1.0).on_routes(["upload.part"])]);
    let err = client
        .uploader()
        .upload(
            data.clone().into(),
            UploadRequest::new().name("resumed").path("facade"),
            options(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err:?}");
    let state = match err {
        e @ UploadError::Part { .. } => e.into_resume_state().expect("a resume state"),
        other => panic!("expected a part error, got {other:?}"),
    };
    emulator.set_faults(Vec::new());
    let stored = client
        .uploader()
        .resume(data.clone().into(), state, options())
        .await
        .unwrap();
    let mut served = Vec::new();
    client
        .predictions()
        .download_output(stored.url.as_deref().unwrap(), &mut served)
        .await
        .unwrap();
    assert_eq!(served, data);
}

#[tokio::test]
async fn assets_files_and_listings() {
    let emulator = start(Duration::ZERO).await;
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let assets = client.assets();

    let mut ids = Vec::new();
    for i in 0..5 {
        let file = assets
            .file_upload(
                UploadFile::new(PNG.to_vec(), format!("pic{i}.png")),
                UploadParams::new()
                    .path("gallery")
                    .name(format!("pic{i}"))
                    .tags(["facade"])
                    .access(Access::PublicRead)
                    .overwrite(true),
            )
            .await
            .unwrap();
        ids.push(file.id.clone().unwrap());
    }
    let by_id = assets.get_file_by_id(&ids[0]).await.unwrap();
    let file_id = by_id.file_id.clone().unwrap();
    assert_eq!(file_id, "gallery/pic0.png");
    let by_file_id = assets.get_file_by_file_id(&file_id).await.unwrap();
    assert_eq!(by_file_id.id.as_deref(), Some(ids[0].as_str()));

    let updated = assets
        .update_file(&file_id, UpdateFileParams::new().tags(["renamed"]))
        .await
        .unwrap();
    assert_eq!(updated.tags, ["renamed"]);

    let page = assets
        .list_files(ListFilesParams::new().path("gallery").page_size(2))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.page.has_next, Some(true));
    let all: Vec<_> = assets
        .list_files_stream(ListFilesParams::new().path("gallery").page_size(2))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 5, "{all:?}");
    assert!(emulator.request_count("files.list") >= 4);

    let deleted = assets.delete_file(&file_id).await.unwrap();
    assert_eq!(deleted.id.as_deref(), Some(ids[0].as_str()));
    let deleted = assets
        .delete_files(ids[1..3].iter().cloned())
        .await
        .unwrap();
    assert_eq!(deleted.len(), 2);
    let left: Vec<_> = assets
        .list_files_stream(ListFilesParams::new().path("gallery"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(left.len(), 2);

    let err = pixelbin::Error::from(assets.get_file_by_id(&ids[0]).await.unwrap_err());
    assert_eq!(err.status(), Some(404), "{err}");
}

#[tokio::test]
async fn assets_folders() {
    let emulator = start(Duration::ZERO).await;
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let assets = client.assets();

    let folder = assets
        .create_folder("leaf", Some("root/branch"))
        .await
        .unwrap();
    let id = folder.id.clone().unwrap();
    let details = assets
        .get_folder_details(FolderDetailsParams::new().path("root/branch").name("leaf"))
        .await
        .unwrap();
    assert!(details.iter().any(|f| f.name.as_deref() == Some("leaf")));
    let ancestors = assets.get_folder_ancestors(&id).await.unwrap();
    assert_eq!(ancestors.ancestors.len(), 2, "{ancestors:?}");
    let updated = assets
        .update_folder("root/branch/leaf", Some(false))
        .await
        .unwrap();
    assert_eq!(updated.is_active, Some(false));
    let deleted = assets.delete_folder(&id).await.unwrap();
    assert_eq!(deleted.id.as_deref(), Some(id.as_str()));
}

#[tokio::test]
async fn assets_credentials_and_presets() {
    let emulator = start(Duration::ZERO).await;
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let assets = client.assets();

    let added = assets
        .add_credentials("awsRek", json!({"region": "ap-south-1"}))
        .await
        .unwrap();
    assert_eq!(added.plugin_id.as_deref(), Some("awsRek"));
    assets
        .update_credentials("awsRek", json!({"region": "us-east-1"}))
        .await
        .unwrap();
    assets.delete_credentials("awsRek").await.unwrap();

    for i in 0..3 {
        assets
            .add_preset(&format!("preset_{i}"), "t.flip()", None)
            .await
            .unwrap();
    }
    let preset = assets.get_preset("preset_0").await.unwrap();
    assert_eq!(preset.transformation.as_deref(), Some("t.flip()"));
    let page = assets
        .get_presets(GetPresetsParams::new().page_size(2))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    let all: Vec<_> = assets
        .get_presets_stream(GetPresetsParams::new().page_size(2))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let archived = assets.update_preset("preset_1", true).await.unwrap();
    assert_eq!(archived.archived, Some(true));
    assets.delete_preset("preset_2").await.unwrap();
    let err = assets.get_preset("preset_2").await.unwrap_err();
    assert_eq!(err.status(), Some(404));
}

#[tokio::test]
async fn assets_playground_uploads_and_signed_urls() {
    let emulator = start(Duration::ZERO).await;
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let assets = client.assets();

    let default = assets.get_default_asset_for_playground().await.unwrap();
    assert!(default.url.is_some(), "{default:?}");
    let modules = assets.get_modules().await.unwrap();
    let (identifier, _) = modules.plugins.iter().next().expect("a module");
    let module = assets.get_module(identifier).await.unwrap();
    assert_eq!(module.identifier.as_deref(), Some(identifier.as_str()));

    // The emulator fetches only URLs it serves: copy the playground asset.
    let copy = assets
        .url_upload(
            default.url.as_deref().unwrap(),
            UploadParams::new().path("copies").name("copy"),
        )
        .await
        .unwrap();
    assert_eq!(copy.file_id.as_deref(), Some("copies/copy.jpeg"));

    let v1 = assets
        .create_signed_url(SignedUrlParams::new().name("v1").format("png"))
        .await
        .unwrap();
    assert!(
        v1.s3_presigned_url.url.starts_with(&emulator.url()),
        "{v1:?}"
    );
    let v2 = assets
        .create_signed_url_v2(UploadRequest::new().name("v2").format("png").expiry(600))
        .await
        .unwrap();
    assert!(v2.presigned_url.url.starts_with(&emulator.url()), "{v2:?}");
}

#[tokio::test]
async fn organization_and_transformation() {
    let emulator = start(Duration::ZERO).await;
    let client = PixelbinClient::new(config(&emulator)).unwrap();

    let details = client.organization().get_app_org_details().await.unwrap();
    assert_eq!(
        details.org.and_then(|o| o.cloud_name).as_deref(),
        Some(pixelbin_emulator::CLOUD_NAME)
    );
    let context = client
        .transformation()
        .get_transformation_context(Some(PLAYGROUND_IMAGE))
        .await
        .unwrap();
    assert!(!context.context.is_empty(), "{context:?}");
}

#[tokio::test]
async fn a_wrong_secret_is_the_api_answer_on_every_handle() {
    let emulator = start(Duration::ZERO).await;
    let client = PixelbinClient::new(config_with_secret(&emulator, "wrong-secret")).unwrap();

    async fn all(client: &PixelbinClient) -> Vec<pixelbin::Error> {
        vec![
            client
                .predictions()
                .create("erase_bg", erase_bg_input(), None)
                .await
                .unwrap_err()
                .into(),
            client
                .uploader()
                .upload(
                    PNG.to_vec().into(),
                    UploadRequest::new(),
                    UploadOptions::default(),
                )
                .await
                .unwrap_err()
                .into(),
            client
                .assets()
                .list_files(ListFilesParams::new())
                .await
                .unwrap_err()
                .into(),
            client
                .organization()
                .get_app_org_details()
                .await
                .unwrap_err()
                .into(),
            client
                .transformation()
                .get_transformation_context(None)
                .await
                .unwrap_err()
                .into(),
        ]
    }
    for err in all(&client).await {
        assert!(
            matches!(err.status(), Some(401 | 403)),
            "expected an auth error, got {err:?}"
        );
        assert!(err.http_error().is_some(), "{err:?}");
        assert!(!format!("{err:?}").contains("wrong-secret"), "{err:?}");
    }
}
