//! Files: direct upload, get by `_id`/`fileId`, update, delete one and many.

use pixelbin_emulator::{RecordedBody, RecordedField};
use pixelbin_platform::{Access, Error, UpdateFileParams, UploadFile, UploadParams};
use serde_json::json;

use crate::{assert_api_status, env, jpeg_bytes, last, upload};

#[tokio::test]
async fn direct_upload_sends_the_reference_form_and_returns_the_file() {
    let env = env().await;
    let data = jpeg_bytes(7);
    let file = env
        .assets
        .file_upload(
            UploadFile::new(data.clone(), "cat.jpeg"),
            UploadParams::new()
                .path("animals")
                .name("cat")
                .access(Access::Private)
                .tags(["pet", "cute"])
                .metadata(json!({"source": "test"}))
                .overwrite(false)
                .filename_override(true),
        )
        .await
        .unwrap();
    assert_eq!(file.path.as_deref(), Some("animals"));
    assert_eq!(file.access, Some(Access::Private));
    assert_eq!(file.tags, ["pet", "cute"]);
    assert_eq!(file.size, Some(data.len() as u64));
    assert!(file.id.is_some() && file.url.is_some());

    let request = last(&env, "upload.direct");
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/service/platform/assets/v1.0/upload/direct");
    assert!(request.has_authorization);
    let RecordedBody::Multipart(fields) = &request.body else {
        panic!("expected multipart, got {:?}", request.body);
    };
    let names: Vec<&str> = fields.iter().map(RecordedField::name).collect();
    assert_eq!(
        names,
        [
            "file",
            "path",
            "name",
            "access",
            "tags",
            "tags",
            "metadata",
            "overwrite",
            "filenameOverride"
        ]
    );
    match &fields[0] {
        RecordedField::File {
            filename,
            content_type,
            size,
            ..
        } => {
            assert_eq!(filename.as_deref(), Some("cat.jpeg"));
            assert_eq!(content_type.as_deref(), Some("image/jpeg"));
            assert_eq!(*size, data.len() as u64);
        }
        other => panic!("first field should be the file, got {other:?}"),
    }
    assert_eq!(request.body.text("access"), Some("private"));
    assert_eq!(request.body.text("overwrite"), Some("false"));
    assert_eq!(request.body.text("filenameOverride"), Some("true"));
    let metadata: serde_json::Value =
        serde_json::from_str(request.body.text("metadata").unwrap()).unwrap();
    assert_eq!(metadata, json!({"source": "test"}));
}

#[tokio::test]
async fn get_by_id_and_by_file_id_return_the_same_file() {
    let env = env().await;
    let stored = upload(&env, "docs/2024", "report", &["q1"]).await;
    let id = stored.id.clone().unwrap();
    let file_id = stored.file_id.clone().unwrap();

    let by_id = env.assets.get_file_by_id(&id).await.unwrap();
    assert_eq!(by_id.file_id.as_deref(), Some(file_id.as_str()));
    assert_eq!(
        last(&env, "files.get").path,
        format!("/service/platform/assets/v1.0/files/id/{id}")
    );

    let by_file_id = env.assets.get_file_by_file_id(&file_id).await.unwrap();
    assert_eq!(by_file_id.id.as_deref(), Some(id.as_str()));
    assert_eq!(by_file_id.tags, ["q1"]);
    assert_eq!(
        last(&env, "files.get_by_file_id").path,
        format!("/service/platform/assets/v1.0/files/{file_id}")
    );
}

#[tokio::test]
async fn update_file_sends_only_set_fields() {
    let env = env().await;
    let stored = upload(&env, "edit", "photo", &["old"]).await;
    let file_id = stored.file_id.unwrap();

    let updated = env
        .assets
        .update_file(
            &file_id,
            UpdateFileParams::new()
                .access("private")
                .tags(["new", "tags"])
                .metadata(json!({"k": "v"})),
        )
        .await
        .unwrap();
    assert_eq!(updated.access, Some(Access::Private));
    assert_eq!(updated.tags, ["new", "tags"]);
    assert_eq!(updated.metadata, Some(json!({"k": "v"})));

    let request = last(&env, "files.update");
    assert_eq!(request.method, "PATCH");
    assert_eq!(
        request.body.json(),
        Some(&json!({"access": "private", "tags": ["new", "tags"], "metadata": {"k": "v"}}))
    );
    let again = env.assets.get_file_by_file_id(&file_id).await.unwrap();
    assert_eq!(again.tags, ["new", "tags"]);
}

#[tokio::test]
async fn delete_file_then_it_is_gone() {
    let env = env().await;
    let stored = upload(&env, "trash", "old", &[]).await;
    let file_id = stored.file_id.unwrap();
    let deleted = env.assets.delete_file(&file_id).await.unwrap();
    assert_eq!(deleted.file_id.as_deref(), Some(file_id.as_str()));
    assert_eq!(last(&env, "files.delete").method, "DELETE");
    let err = env.assets.get_file_by_file_id(&file_id).await.unwrap_err();
    assert_api_status(&err, 404);
}

#[tokio::test]
async fn delete_files_removes_every_listed_id() {
    let env = env().await;
    let a = upload(&env, "bulk", "a", &[]).await.id.unwrap();
    let b = upload(&env, "bulk", "b", &[]).await.id.unwrap();
    let keep = upload(&env, "bulk", "keep", &[]).await.id.unwrap();

    let deleted = env
        .assets
        .delete_files([a.as_str(), b.as_str()])
        .await
        .unwrap();
    let mut ids: Vec<String> = deleted.into_iter().filter_map(|f| f.id).collect();
    ids.sort();
    let mut expected = vec![a.clone(), b.clone()];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(
        last(&env, "files.delete_many").body.json(),
        Some(&json!({"ids": [a, b]}))
    );
    assert_api_status(&env.assets.get_file_by_id(&a).await.unwrap_err(), 404);
    assert!(env.assets.get_file_by_id(&keep).await.is_ok());
}

#[tokio::test]
async fn bad_arguments_fail_before_any_request() {
    let env = env().await;
    let cases: Vec<(Error, &str)> = vec![
        (env.assets.get_file_by_id("").await.unwrap_err(), "_id: "),
        (
            env.assets.get_file_by_file_id("a//b").await.unwrap_err(),
            "fileId: ",
        ),
        (
            env.assets.delete_file("../x").await.unwrap_err(),
            "fileId: ",
        ),
        (
            env.assets
                .update_file("a/b", UpdateFileParams::new().access("everyone"))
                .await
                .unwrap_err(),
            "access: Must be one of: public-read, private.",
        ),
        (
            env.assets
                .delete_files(Vec::<String>::new())
                .await
                .unwrap_err(),
            "ids: Missing data for required field",
        ),
        (
            env.assets
                .file_upload(UploadFile::new(Vec::new(), "x.jpeg"), UploadParams::new())
                .await
                .unwrap_err(),
            "file: ",
        ),
    ];
    for (err, prefix) in cases {
        assert!(matches!(err, Error::IllegalArgument(_)), "{err:?}");
        assert!(
            err.to_string().starts_with(prefix),
            "{err} should start with {prefix}"
        );
    }
    for route in [
        "files.get",
        "files.get_by_file_id",
        "files.update",
        "files.delete",
        "files.delete_many",
        "upload.direct",
    ] {
        assert_eq!(env.emulator.request_count(route), 0, "{route} was called");
    }
}

#[tokio::test]
async fn file_ids_with_special_characters_stay_one_path() {
    let env = env().await;
    // `?` and `#` must be encoded, or they would cut the path short.
    let err = env
        .assets
        .get_file_by_file_id("dir/what?#.jpeg")
        .await
        .unwrap_err();
    assert_api_status(&err, 404);
    let request = last(&env, "files.get_by_file_id");
    assert!(
        request.path.ends_with("/files/dir/what%3F%23.jpeg")
            || request.path.ends_with("/files/dir/what?#.jpeg"),
        "{}",
        request.path
    );
    assert_eq!(request.query, None);
}
