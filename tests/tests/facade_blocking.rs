//! Every method of the blocking facade, `pixelbin::blocking::PixelbinClient`, against the
//! in-process emulator (on its own thread), plus how it behaves inside an async runtime and
//! across threads.

mod common;

use std::io::Cursor;
use std::time::Duration;

use common::{PLAYGROUND_IMAGE, PNG, config, config_with_secret, payload, sha256, spawn};
use pixelbin::blocking::{BlockingReader, PixelbinClient};
use pixelbin::platform::{
    Access, FolderDetailsParams, GetPresetsParams, SignedUrlParams, UpdateFileParams, UploadFile,
    UploadParams,
};
use pixelbin::predictions::FileInput;
use pixelbin::upload::UploadError;
use pixelbin::{
    Error, ListFilesParams, PredictionInput, PredictionStatus, UploadOptions, UploadRequest,
    UploadSource, WaitOptions,
};
use pixelbin_emulator::Fault;
use serde_json::json;

fn erase_bg_input() -> PredictionInput {
    PredictionInput::new()
        .url("image", PLAYGROUND_IMAGE)
        .text("industry_type", "general")
        .bool("shadow", false)
}

#[test]
fn clients_and_handles_are_clone_send_sync() {
    fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
    assert_shareable::<PixelbinClient>();
    assert_shareable::<pixelbin::blocking::Predictions>();
    assert_shareable::<pixelbin::blocking::Uploader>();
    assert_shareable::<pixelbin::blocking::Assets>();
    assert_shareable::<pixelbin::blocking::Organization>();
    assert_shareable::<pixelbin::blocking::TransformationApi>();
    fn assert_send<T: Send>() {}
    assert_send::<pixelbin::blocking::ListIter<pixelbin::FileItem>>();
}

#[test]
fn one_client_serves_many_threads() {
    let emulator = spawn(Duration::ZERO);
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let client = client.clone();
            std::thread::spawn(move || {
                let models = client.predictions().list().unwrap();
                let stored = client
                    .uploader()
                    .upload(
                        payload(30_000, i).into(),
                        UploadRequest::new().name(format!("t{i}")).path("threads"),
                        UploadOptions::default().chunk_size(8 * 1024),
                    )
                    .unwrap();
                (models.len(), stored.size)
            })
        })
        .collect();
    for thread in threads {
        let (models, size) = thread.join().unwrap();
        assert!(models > 0);
        assert_eq!(size, Some(30_000));
    }
    assert_eq!(emulator.request_count("predictions.list"), 4);
    assert_eq!(emulator.request_count("upload.complete"), 4);
    assert_eq!(
        client.config().domain().as_str().trim_end_matches('/'),
        emulator.url()
    );
    assert_eq!(
        client.transport().config().domain(),
        client.config().domain()
    );
}

#[test]
fn a_client_over_a_hand_built_transport() {
    let emulator = spawn(Duration::ZERO);
    let transport = pixelbin::Transport::builder(config(&emulator))
        .build()
        .unwrap();
    let client = PixelbinClient::with_transport(transport).unwrap();
    assert!(
        client
            .organization()
            .get_app_org_details()
            .unwrap()
            .org
            .is_some()
    );
    assert_eq!(emulator.request_count("org.app_info"), 1);
}

#[test]
fn predictions_every_method() {
    let emulator = spawn(Duration::ZERO);
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let predictions = client.predictions();
    assert_eq!(
        predictions.transport().config().domain(),
        client.config().domain()
    );

    assert!(
        predictions
            .list()
            .unwrap()
            .iter()
            .any(|m| m.name == "erase_bg")
    );
    assert_eq!(predictions.get_schema("erase_bg").unwrap().name, "erase_bg");

    let job = predictions
        .create(
            "erase_bg",
            erase_bg_input(),
            Some("https://example.com/hook"),
        )
        .unwrap();
    assert_eq!(predictions.get(&job.id).unwrap().id, job.id);
    let done = predictions.wait(&job.id, WaitOptions::default()).unwrap();
    assert_eq!(done.status, PredictionStatus::Success, "{done:?}");

    let mut polls = Vec::new();
    let again = predictions
        .wait_with(&job.id, WaitOptions::default(), |p| {
            polls.push(p.status.clone())
        })
        .unwrap();
    assert_eq!(again.id, job.id);
    assert_eq!(polls, [PredictionStatus::Success]);

    // A file read from a std reader, sent as multipart.
    let input = PredictionInput::new().file_input(
        "image",
        FileInput::reader(BlockingReader::new(Cursor::new(PNG))).filename("pixel.png"),
    );
    let from_file = predictions
        .create_and_wait("erase_bg", input, None, WaitOptions::default())
        .unwrap();
    assert_eq!(from_file.status, PredictionStatus::Success, "{from_file:?}");
    let sent = emulator.recorded("predictions.create").pop().unwrap();
    assert!(
        sent.content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with("multipart/form-data")),
        "{sent:?}"
    );

    let mut seen = 0;
    let with = predictions
        .create_and_wait_with(
            "erase_bg",
            erase_bg_input(),
            None,
            WaitOptions::default(),
            |_| seen += 1,
        )
        .unwrap();
    assert_eq!((with.status, seen), (PredictionStatus::Success, 1));

    let schemas = emulator.request_count("predictions.schema");
    let checked = predictions
        .create_checked("erase_bg", erase_bg_input(), None)
        .unwrap();
    assert!(!checked.id.is_empty());
    assert_eq!(emulator.request_count("predictions.schema"), schemas + 1);
    let err = predictions
        .create_checked(
            "erase_bg",
            PredictionInput::new().bool("shadow", true),
            None,
        )
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Prediction(e) if matches!(**e, pixelbin::predictions::Error::InvalidInput { .. })
        ),
        "{err:?}"
    );

    // Outputs into a std writer and into a directory.
    let url = done.output_urls()[0].to_string();
    let mut bytes = Vec::new();
    let n = predictions.download_output(&url, &mut bytes).unwrap();
    assert!(n > 0 && n == bytes.len() as u64);
    let dir = tempfile::tempdir().unwrap();
    let files = predictions.download_outputs(&done, dir.path()).unwrap();
    assert_eq!(std::fs::read(&files[0]).unwrap(), bytes);

    // Errors keep the layer's details.
    let err = predictions
        .create("erasebg", erase_bg_input(), None)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "name must be in 'plugin_operation' format, e.g. 'erase_bg'"
    );
    let err = predictions
        .get("erase--bg--00000000-0000-0000-0000-000000000000")
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
}

#[test]
fn waiting_blocks_until_the_job_finishes() {
    let emulator = spawn(Duration::from_millis(300));
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let mut seen = Vec::new();
    let done = client
        .predictions()
        .create_and_wait_with(
            "erase_bg",
            erase_bg_input(),
            None,
            WaitOptions::new().retry_interval(Duration::from_secs(1)),
            |p| seen.push(p.status.clone()),
        )
        .unwrap();
    assert_eq!(done.status, PredictionStatus::Success);
    assert_eq!(
        seen,
        [PredictionStatus::Accepted, PredictionStatus::Success]
    );
}

#[test]
fn uploader_every_source_and_resume() {
    let emulator = spawn(Duration::ZERO);
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let uploader = client.uploader();
    assert_eq!(
        uploader.transport().config().domain(),
        client.config().domain()
    );
    let data = payload(45_000, 9);
    let options = || UploadOptions::default().chunk_size(10_000).concurrency(2);
    let fetch = |url: &str| {
        let mut out = Vec::new();
        client.predictions().download_output(url, &mut out).unwrap();
        out
    };

    let from_bytes = uploader
        .upload(
            data.clone().into(),
            UploadRequest::new()
                .name("bytes")
                .path("blocking")
                .access(pixelbin::upload::Access::PublicRead),
            options(),
        )
        .unwrap();
    assert_eq!(
        sha256(&fetch(from_bytes.url.as_deref().unwrap())),
        sha256(&data)
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.bin");
    std::fs::write(&path, &data).unwrap();
    let from_path = uploader
        .upload(
            UploadSource::from_path(&path),
            UploadRequest::new().name("path").path("blocking"),
            options(),
        )
        .unwrap();
    assert_eq!(from_path.size, Some(45_000));

    // A std::fs::File streamed through BlockingReader, length unknown.
    let file = std::fs::File::open(&path).unwrap();
    let from_reader = uploader
        .upload(
            UploadSource::from_reader(BlockingReader::new(file), None),
            UploadRequest::new().name("reader").path("blocking"),
            options(),
        )
        .unwrap();
    assert_eq!(
        sha256(&fetch(from_reader.url.as_deref().unwrap())),
        sha256(&data)
    );

    // A refused part fails the upload; resume finishes it once the fault is gone.
    emulator.set_faults(vec![Fault::failing(400, 1.0).on_routes(["upload.part"])]);
    let err = uploader
        .upload(
            data.clone().into(),
            UploadRequest::new().name("resumed").path("blocking"),
            options().max_retries(0),
        )
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err:?}");
    let state = match err {
        Error::Upload(e) if matches!(*e, UploadError::Part { .. }) => {
            e.into_resume_state().unwrap()
        }
        other => panic!("expected a part failure, got {other:?}"),
    };
    emulator.set_faults(Vec::new());
    let resumed = uploader
        .resume(data.clone().into(), state, options())
        .unwrap();
    assert_eq!(fetch(resumed.url.as_deref().unwrap()), data);
}

#[test]
fn assets_every_method() {
    let emulator = spawn(Duration::ZERO);
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let assets = client.assets();
    assert_eq!(
        assets.transport().config().domain(),
        client.config().domain()
    );

    // Files and listings.
    let mut ids = Vec::new();
    for i in 0..5 {
        let file = assets
            .file_upload(
                UploadFile::new(PNG.to_vec(), format!("img{i}.png")),
                UploadParams::new()
                    .path("album")
                    .name(format!("img{i}"))
                    .access(Access::PublicRead)
                    .overwrite(true),
            )
            .unwrap();
        ids.push(file.id.unwrap());
    }
    let file_id = assets.get_file_by_id(&ids[0]).unwrap().file_id.unwrap();
    assert_eq!(file_id, "album/img0.png");
    assert_eq!(
        assets.get_file_by_file_id(&file_id).unwrap().id.as_deref(),
        Some(ids[0].as_str())
    );
    let updated = assets
        .update_file(&file_id, UpdateFileParams::new().tags(["x"]))
        .unwrap();
    assert_eq!(updated.tags, ["x"]);
    let page = assets
        .list_files(ListFilesParams::new().path("album").page_size(2))
        .unwrap();
    assert_eq!(page.items.len(), 2);
    let before = emulator.request_count("files.list");
    let all = assets
        .list_files_stream(ListFilesParams::new().path("album").page_size(2))
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(emulator.request_count("files.list") - before, 3);
    // Pages are fetched as the iterator advances, not up front.
    let mut lazy = assets.list_files_stream(ListFilesParams::new().path("album").page_size(2));
    let before = emulator.request_count("files.list");
    assert!(lazy.next().unwrap().is_ok());
    assert_eq!(emulator.request_count("files.list") - before, 1);
    drop(lazy);

    assert_eq!(
        assets.delete_file(&file_id).unwrap().id.as_deref(),
        Some(ids[0].as_str())
    );
    assert_eq!(assets.delete_files(ids[1..].to_vec()).unwrap().len(), 4);
    assert_eq!(
        assets
            .list_files_stream(ListFilesParams::new().path("album"))
            .count(),
        0
    );

    // Folders.
    let folder = assets.create_folder("sub", Some("top")).unwrap();
    let folder_id = folder.id.unwrap();
    let details = assets
        .get_folder_details(FolderDetailsParams::new().path("top").name("sub"))
        .unwrap();
    assert!(details.iter().any(|f| f.name.as_deref() == Some("sub")));
    assert_eq!(
        assets
            .get_folder_ancestors(&folder_id)
            .unwrap()
            .ancestors
            .len(),
        1
    );
    assert_eq!(
        assets
            .update_folder("top/sub", Some(false))
            .unwrap()
            .is_active,
        Some(false)
    );
    assert_eq!(
        assets.delete_folder(&folder_id).unwrap().id.as_deref(),
        Some(folder_id.as_str())
    );

    // Credentials.
    let added = assets
        .add_credentials("awsRek", json!({"region": "ap-south-1"}))
        .unwrap();
    assert_eq!(added.plugin_id.as_deref(), Some("awsRek"));
    assets
        .update_credentials("awsRek", json!({"region": "eu-west-1"}))
        .unwrap();
    assets.delete_credentials("awsRek").unwrap();

    // Presets.
    for i in 0..3 {
        assets
            .add_preset(&format!("p_{i}"), "t.flip()", Some(json!({})))
            .unwrap();
    }
    assert_eq!(
        assets.get_preset("p_0").unwrap().preset_name.as_deref(),
        Some("p_0")
    );
    assert_eq!(
        assets
            .get_presets(GetPresetsParams::new().page_size(2))
            .unwrap()
            .items
            .len(),
        2
    );
    let presets: Vec<_> = assets
        .get_presets_stream(GetPresetsParams::new().page_size(2))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(presets.len(), 3);
    assert_eq!(
        assets.update_preset("p_1", true).unwrap().archived,
        Some(true)
    );
    assets.delete_preset("p_2").unwrap();
    assert_eq!(assets.get_preset("p_2").unwrap_err().status(), Some(404));

    // Playground, URL upload and signed upload URLs.
    let default = assets.get_default_asset_for_playground().unwrap();
    let modules = assets.get_modules().unwrap();
    let identifier = modules.plugins.keys().next().unwrap().clone();
    assert_eq!(
        assets.get_module(&identifier).unwrap().identifier,
        Some(identifier)
    );
    let copy = assets
        .url_upload(
            default.url.as_deref().unwrap(),
            UploadParams::new().path("copies").name("copy"),
        )
        .unwrap();
    assert_eq!(copy.file_id.as_deref(), Some("copies/copy.jpeg"));
    let v1 = assets
        .create_signed_url(SignedUrlParams::new().name("one"))
        .unwrap();
    assert!(v1.s3_presigned_url.url.starts_with(&emulator.url()));
    let v2 = assets
        .create_signed_url_v2(UploadRequest::new().name("two").expiry(60))
        .unwrap();
    assert!(v2.presigned_url.url.starts_with(&emulator.url()));
}

#[test]
fn organization_and_transformation() {
    let emulator = spawn(Duration::ZERO);
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let details = client.organization().get_app_org_details().unwrap();
    assert_eq!(
        details.org.and_then(|o| o.cloud_name).as_deref(),
        Some(pixelbin_emulator::CLOUD_NAME)
    );
    let context = client
        .transformation()
        .get_transformation_context(Some(PLAYGROUND_IMAGE))
        .unwrap();
    assert!(!context.context.is_empty());
}

#[test]
fn a_wrong_secret_is_an_api_error_and_never_printed() {
    let emulator = spawn(Duration::ZERO);
    let client = PixelbinClient::new(config_with_secret(&emulator, "wrong-secret")).unwrap();
    let errors = [
        client
            .predictions()
            .create("erase_bg", erase_bg_input(), None)
            .unwrap_err(),
        client
            .uploader()
            .upload(PNG.into(), UploadRequest::new(), UploadOptions::default())
            .unwrap_err(),
        client
            .assets()
            .list_files(ListFilesParams::new())
            .unwrap_err(),
        client
            .assets()
            .list_files_stream(ListFilesParams::new())
            .next()
            .unwrap()
            .unwrap_err(),
        client.organization().get_app_org_details().unwrap_err(),
        client
            .transformation()
            .get_transformation_context(None)
            .unwrap_err(),
    ];
    for err in errors {
        assert!(matches!(err.status(), Some(401 | 403)), "{err:?}");
        assert!(!format!("{err:?}{err}").contains("wrong-secret"), "{err:?}");
    }
    assert!(!format!("{client:?}").contains("wrong-secret"));
}

/// Inside an async runtime every method refuses with `InsideAsyncRuntime`, sends nothing,
/// and neither panics nor deadlocks; dropping the client there is fine too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_an_async_runtime_calls_are_refused() {
    let emulator = spawn(Duration::ZERO);
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let refused = |err: Error, method: &str| match err {
        Error::InsideAsyncRuntime { method: m } => {
            assert_eq!(m, method);
            let message = Error::InsideAsyncRuntime { method: m }.to_string();
            assert!(message.contains("async"), "{message}");
        }
        other => panic!("expected InsideAsyncRuntime from {method}, got {other:?}"),
    };
    refused(
        client.predictions().list().unwrap_err(),
        "Predictions::list",
    );
    refused(
        client
            .predictions()
            .wait("id", WaitOptions::default())
            .unwrap_err(),
        "Predictions::wait",
    );
    refused(
        client
            .uploader()
            .upload(PNG.into(), UploadRequest::new(), UploadOptions::default())
            .unwrap_err(),
        "Uploader::upload",
    );
    refused(
        client
            .assets()
            .list_files(ListFilesParams::new())
            .unwrap_err(),
        "Assets::list_files",
    );
    let mut iter = client.assets().list_files_stream(ListFilesParams::new());
    refused(
        iter.next().unwrap().unwrap_err(),
        "Assets::list_files_stream",
    );
    assert!(iter.next().is_none(), "the iterator ends after an error");
    refused(
        client.organization().get_app_org_details().unwrap_err(),
        "Organization::get_app_org_details",
    );
    refused(
        client
            .transformation()
            .get_transformation_context(None)
            .unwrap_err(),
        "TransformationApi::get_transformation_context",
    );
    for route in [
        "predictions.*",
        "upload.*",
        "files.*",
        "org.*",
        "transformation.*",
    ] {
        assert_eq!(emulator.request_count(route), 0, "{route}");
    }

    // From spawn_blocking, too: the runtime is still current there.
    let inner = client.clone();
    let err = tokio::task::spawn_blocking(move || inner.predictions().list().unwrap_err())
        .await
        .unwrap();
    assert!(matches!(err, Error::InsideAsyncRuntime { .. }), "{err:?}");

    // Dropping the last handle inside the runtime must not panic.
    drop(client);
}

#[tokio::test(flavor = "current_thread")]
async fn inside_a_current_thread_runtime_calls_are_refused() {
    let emulator = spawn(Duration::ZERO);
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let err = client.assets().get_modules().unwrap_err();
    assert!(
        matches!(
            err,
            Error::InsideAsyncRuntime {
                method: "Assets::get_modules"
            }
        ),
        "{err:?}"
    );
    drop(client);
    assert_eq!(emulator.request_count("playground.*"), 0);
}

/// A client made in async code and used from a plain thread works: only the calls are
/// refused inside the runtime, not the client.
#[tokio::test]
async fn a_client_built_in_async_code_works_on_a_plain_thread() {
    let emulator = spawn(Duration::ZERO);
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let models = std::thread::spawn(move || client.predictions().list())
        .join()
        .unwrap()
        .unwrap();
    assert!(!models.is_empty());
}

#[test]
fn a_batch_and_a_many_files_upload_iterate_to_the_end() {
    use pixelbin::predictions::{BatchItem, BatchOptions};
    use pixelbin::upload::{ManyOptions, UploadItem};
    use std::sync::{Arc, Mutex};

    let emulator = spawn(Duration::from_millis(50));
    let client = PixelbinClient::new(config(&emulator)).unwrap();
    let items = (0..3).map(|i| BatchItem::create(i, "erase_bg", erase_bg_input()));
    let created = Arc::new(Mutex::new(Vec::new()));
    let seen = created.clone();
    let results: Vec<_> = client
        .predictions()
        .batch(items, BatchOptions::new(), move |key, job| {
            seen.lock().unwrap().push((*key, job.id.clone()));
        })
        .unwrap()
        .collect();
    assert_eq!(results.len(), 3);
    for (key, result) in &results {
        let job = result.as_ref().unwrap();
        assert_eq!(job.status, PredictionStatus::Success);
        assert!(created.lock().unwrap().contains(&(*key, job.id.clone())));
    }
    assert_eq!(emulator.predictions_created(), 3);

    let files = (0..3u8).map(|i| {
        UploadItem::new(
            i,
            payload(5_000, i).into(),
            UploadRequest::new().name(format!("many{i}")).path("many"),
        )
    });
    let uploaded: Vec<_> = client
        .uploader()
        .upload_many(files, ManyOptions::new().files(2))
        .collect();
    assert_eq!(uploaded.len(), 3);
    for (i, result) in uploaded {
        let file = result.unwrap();
        assert_eq!(file.path.as_deref(), Some("many"), "{i}");
    }
}
